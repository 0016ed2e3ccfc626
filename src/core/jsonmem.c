/*
 * jsonmem.c - per-thread arena behind cJSON's allocation hooks.
 */
#include "core/common.h"

#include <cjson/cJSON.h>
#include <pthread.h>

#include "core/alloc.h"
#include "core/jsonmem.h"

struct arena {
	char *base;
	size_t cap;
	size_t used;
};

static _Thread_local struct arena arena;

static void *hook_malloc(size_t n)
{
	size_t need = (n + 15) & ~(size_t)15;

	if (arena.base && need >= n && need <= arena.cap - arena.used) {
		void *p = arena.base + arena.used;
		arena.used += need;
		return p;
	}
	return vo_malloc(n);
}

static void hook_free(void *p)
{
	const char *c = p;

	if (arena.base && c >= arena.base && c < arena.base + arena.cap)
		return; /* released in bulk by vo_jsonmem_reset() */
	vo_free(p);
}

static void install(void)
{
	cJSON_Hooks hooks = { hook_malloc, hook_free };

	cJSON_InitHooks(&hooks);
}

void vo_jsonmem_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, install);
}

int vo_jsonmem_thread_init(size_t cap)
{
	/* 16-byte alignment for every block, like malloc's. */
	arena.base = vo_aligned_calloc(16, 1, cap);
	if (!arena.base)
		return VO_ENOMEM;
	arena.cap = cap;
	arena.used = 0;
	return VO_OK;
}

void vo_jsonmem_thread_release(void)
{
	vo_free(arena.base);
	memset(&arena, 0, sizeof(arena));
}

void vo_jsonmem_reset(void)
{
	arena.used = 0;
}
