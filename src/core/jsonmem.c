/*
 * jsonmem.c - the per-thread request document and cJSON's hooks, see jsonmem.h.
 */
#include "core/common.h"

#include <cjson/cJSON.h>
#include <pthread.h>

#include "core/alloc.h"
#include "core/jsonmem.h"
#include "core/limits.h"

struct thread_doc {
	struct vo_json_doc doc;
	size_t keep; /* bytes of arrays kept between requests */
	bool ready;  /* vo_jsonmem_thread_init() was called */
};

static _Thread_local struct thread_doc mine;

static void install(void)
{
	cJSON_Hooks hooks = { vo_malloc, vo_free };

	cJSON_InitHooks(&hooks);
}

void vo_jsonmem_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install);
}

int vo_jsonmem_thread_init(size_t keep)
{
	vo_json_doc_init(&mine.doc, VO_API_JSON_VALUES_MAX);
	mine.keep = keep;
	mine.ready = true;
	return VO_OK;
}

void vo_jsonmem_thread_release(void)
{
	vo_json_doc_release(&mine.doc);
	memset(&mine, 0, sizeof(mine));
}

void vo_jsonmem_reset(void)
{
	if (mine.ready)
		vo_json_doc_trim(&mine.doc, mine.keep);
}

struct vo_json_doc *vo_jsonmem_doc(void)
{
	return mine.ready ? &mine.doc : NULL;
}
