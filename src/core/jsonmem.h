/*
 * jsonmem.h - JSON memory per thread: the request parser's document, and
 * cJSON's allocator.
 *
 * Request bodies are parsed by core/json_doc.h into a document whose arrays
 * are reused from one request to the next, so a worker thread that has one
 * allocates nothing for JSON in the steady state; api/voucher.c takes it
 * with vo_jsonmem_doc(), and the router calls vo_jsonmem_reset() before each
 * request.  A thread without one (`vouch lookup`, tests, fuzzers) gets a
 * document made for each call.  cJSON reads the files (the artifact,
 * configs, core/json_read.h); its allocations go through core/alloc.h, so
 * that vo_alloc_failures() sees them.
 */
#ifndef VO_CORE_JSONMEM_H
#define VO_CORE_JSONMEM_H

#include "core/common.h"

#include "core/json_doc.h"

/*
 * Points cJSON's allocation hooks at vo_malloc/vo_free, once per process
 * however often it is called; vo_json_parse() (core/json_read.h) calls it
 * before every parse, so an allocation failure inside cJSON is counted by
 * vo_alloc_failures().
 */
void vo_jsonmem_install(void);

/*
 * Gives the calling thread a request document that keeps up to keep bytes
 * of arrays between requests (more is freed by vo_jsonmem_reset()).  VO_OK;
 * nothing is allocated before the first parse.
 */
int vo_jsonmem_thread_init(size_t keep);

/* Frees the calling thread's document; its nodes must no longer be used. */
void vo_jsonmem_thread_release(void);

/* Between requests: gives back what a large body made the document grow past keep. */
void vo_jsonmem_reset(void);

/* The calling thread's request document, or NULL when it has none. */
struct vo_json_doc *vo_jsonmem_doc(void);

#endif
