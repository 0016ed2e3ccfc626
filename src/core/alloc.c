/*
 * alloc.c - allocation wrappers with an optional "fail the Nth call" hook.
 */
#include "core/common.h"

#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static atomic_uint_fast64_t alloc_count;
static atomic_uint_fast64_t alloc_fail_at; /* 0: never fail */
static _Thread_local uint64_t failures;	   /* failed allocations of this thread */

static bool should_fail(void)
{
	uint64_t at = atomic_load_explicit(&alloc_fail_at, memory_order_relaxed);
	uint64_t n = atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed) + 1;

	if (at && n >= at) {
		failures++;
		return true;
	}
	return false;
}

/* Counts a failure of the system allocator. */
static void *counted(void *p)
{
	if (!p)
		failures++;
	return p;
}

void *vo_malloc(size_t size)
{
	if (should_fail())
		return NULL;
	return counted(malloc(size ? size : 1));
}

void *vo_calloc(size_t count, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(count, size, &total)) {
		failures++;
		return NULL;
	}
	if (should_fail())
		return NULL;
	return counted(calloc(total ? total : 1, 1));
}

void *vo_realloc(void *ptr, size_t size)
{
	if (should_fail())
		return NULL;
	return counted(realloc(ptr, size ? size : 1));
}

void *vo_reallocarray(void *ptr, size_t count, size_t size)
{
	size_t total;

	if (__builtin_mul_overflow(count, size, &total)) {
		failures++;
		return NULL;
	}
	return vo_realloc(ptr, total);
}

void *vo_aligned_calloc(size_t align, size_t count, size_t size)
{
	size_t total;
	void *p = NULL;

	if (__builtin_mul_overflow(count, size, &total)) {
		failures++;
		return NULL;
	}
	if (should_fail())
		return NULL;
	if (posix_memalign(&p, align, total ? total : 1)) {
		failures++;
		return NULL;
	}
	memset(p, 0, total);
	return p;
}

void vo_free(void *ptr)
{
	free(ptr);
}

char *vo_strndup(const char *s, size_t len)
{
	char *p = vo_malloc(len + 1);

	if (!p)
		return NULL;
	if (len)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *vo_strdup(const char *s)
{
	return vo_strndup(s, strlen(s));
}

void vo_alloc_fail_at(uint64_t n)
{
	atomic_store(&alloc_count, 0);
	atomic_store(&alloc_fail_at, n);
}

uint64_t vo_alloc_count(void)
{
	return atomic_load(&alloc_count);
}

uint64_t vo_alloc_failures(void)
{
	return failures;
}

void vo_alloc_trim(void)
{
	malloc_trim(0);
}
