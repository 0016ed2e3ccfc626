/*
 * jsonmem.h - cJSON's memory on the request path: a bump arena per thread.
 *
 * Parsing a request body with cJSON allocates a node per value and a copy
 * per string, about twenty malloc/free pairs a request.  With the hooks
 * installed, a thread that has an arena takes those from it (a pointer bump)
 * and frees them all at once with vo_jsonmem_reset() between requests;
 * blocks that do not fit, and every allocation of a thread without an arena
 * (artifact loading, the CLI), go to vo_malloc.  The server's workers each
 * have an arena; the router resets it before each request.
 */
#ifndef VO_CORE_JSONMEM_H
#define VO_CORE_JSONMEM_H

#include "core/common.h"

/*
 * Installs the hooks (cJSON_InitHooks), once per process however often it
 * is called; vo_json_parse() (core/json_read.h) calls it before every
 * parse, so cJSON always allocates through core/alloc.h and an allocation
 * failure inside it is counted by vo_alloc_failures().
 */
void vo_jsonmem_install(void);

/* Gives the calling thread an arena of cap bytes.  VO_ENOMEM. */
int vo_jsonmem_thread_init(size_t cap);

/* Frees the calling thread's arena; its blocks must no longer be used. */
void vo_jsonmem_thread_release(void);

/* Forgets every arena block of the calling thread (all cJSON trees built
 * since the last reset must have been deleted). */
void vo_jsonmem_reset(void);

#endif
