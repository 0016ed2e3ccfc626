/*
 * buf.c - struct vo_buf, see buf.h.
 */
#include "core/common.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"

void vo_buf_init(struct vo_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void vo_buf_release(struct vo_buf *b)
{
	vo_free(b->ptr);
	vo_buf_init(b, b->max);
}

void vo_buf_reset(struct vo_buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

int vo_buf_grow(struct vo_buf *b, size_t extra)
{
	size_t need;
	size_t cap;
	char *p;

	if (__builtin_add_overflow(b->len, extra, &need) || need > b->max)
		return VO_ELIMIT;
	if (need + 1 <= b->cap)
		return VO_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap = cap > SIZE_MAX / 2 ? need + 1 : cap * 2;
	p = vo_realloc(b->ptr, cap);
	if (!p)
		return VO_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	return VO_OK;
}

int vo_buf_add(struct vo_buf *b, const void *data, size_t len)
{
	int rc = vo_buf_grow(b, len);

	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return VO_OK;
}

int vo_buf_addch(struct vo_buf *b, char c)
{
	return vo_buf_add(b, &c, 1);
}

int vo_buf_addf(struct vo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	int rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return VO_EINVAL;
	rc = vo_buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return VO_OK;
}

int vo_buf_add_u64(struct vo_buf *b, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return vo_buf_add(b, tmp + i, sizeof(tmp) - i);
}

int vo_buf_add_i64(struct vo_buf *b, int64_t v)
{
	int rc;

	if (v >= 0)
		return vo_buf_add_u64(b, (uint64_t)v);
	rc = vo_buf_addch(b, '-');
	if (rc)
		return rc;
	return vo_buf_add_u64(b, (uint64_t)0 - (uint64_t)v);
}

char *vo_buf_detach(struct vo_buf *b, size_t *len)
{
	char *p = b->ptr;

	if (len)
		*len = b->len;
	if (!p)
		p = vo_strndup("", 0);
	vo_buf_init(b, b->max);
	return p;
}
