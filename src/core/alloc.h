/*
 * alloc.h - the one allocator every vouch module calls.
 *
 * vo_malloc() and friends forward to the C library.  A test build can make
 * the Nth allocation fail (vo_alloc_fail_at) to prove that every failure path
 * ends cleanly, in the manner of curl's torture tests and SQLite's OOM tests.
 * All functions are thread-safe.
 */
#ifndef VO_CORE_ALLOC_H
#define VO_CORE_ALLOC_H

#include "core/common.h"

/* malloc(); NULL on failure.  A size of 0 allocates one byte. */
void *vo_malloc(size_t size);

/* calloc() with an overflow-checked product; NULL on failure or overflow. */
void *vo_calloc(size_t count, size_t size);

/* realloc(); on failure NULL is returned and ptr stays valid and owned by the caller. */
void *vo_realloc(void *ptr, size_t size);

/* realloc() of count * size bytes, NULL on overflow or failure (ptr kept). */
void *vo_reallocarray(void *ptr, size_t count, size_t size);

/* free(); NULL is a no-op. */
/* Zeroed memory aligned to align (a power of two >= sizeof(void *)); free with vo_free(). */
void *vo_aligned_calloc(size_t align, size_t count, size_t size);

void vo_free(void *ptr);

/* A copy of len bytes of s plus a NUL; NULL on failure.  Caller frees. */
char *vo_strndup(const char *s, size_t len);

/* vo_strndup(s, strlen(s)). */
char *vo_strdup(const char *s);

/*
 * Test hook: from now on, the allocation with ordinal n (1-based, counted
 * from this call) and every one after it fail.  0 disables failures.
 */
void vo_alloc_fail_at(uint64_t n);

/* Allocations made since the last vo_alloc_fail_at() call. */
uint64_t vo_alloc_count(void);

/*
 * Allocations that failed on the calling thread so far (injected failures
 * included).  A library that allocates through these functions but cannot
 * report a failure itself (cJSON, whose hooks api/jsonmem.c installs, reads
 * one as a syntax error) is judged by comparing the count before and after
 * the call.
 */
uint64_t vo_alloc_failures(void);

/*
 * Gives memory the allocator keeps free back to the system (glibc's
 * malloc_trim): after a large parse was freed, so that a refused 200 MiB
 * document does not stay resident.  Cheap when there is nothing to give.
 */
void vo_alloc_trim(void);

/* Frees *pp and sets it to NULL, like curl's curlx_safefree. */
#define VO_FREE(pp)          \
	do {                 \
		vo_free(pp); \
		(pp) = NULL; \
	} while (0)

#endif
