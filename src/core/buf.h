/*
 * buf.h - struct vo_buf, a growable byte buffer with a hard cap.
 *
 * Modeled on git's strbuf and curl's dynbuf: the bytes are always followed by
 * a NUL (so a buffer of text can be handed to printf-like functions), the
 * buffer grows geometrically, and it never grows past the cap given to
 * vo_buf_init(): an append that would cross it fails with VO_ELIMIT and
 * leaves the buffer unchanged.  A vo_buf is caller-allocated.
 */
#ifndef VO_CORE_BUF_H
#define VO_CORE_BUF_H

#include "core/common.h"

#include <stdarg.h>

#include "core/str.h"

struct vo_buf {
	char *ptr;  /* the bytes plus a NUL; NULL until the first append */
	size_t len; /* bytes in use, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on len */
};

/* Initializes an empty buffer that may grow to max bytes.  Allocates nothing. */
void vo_buf_init(struct vo_buf *b, size_t max);

/* Frees the bytes and re-initializes the buffer with the same max. */
void vo_buf_release(struct vo_buf *b);

/* Sets len to 0, keeping the allocation. */
void vo_buf_reset(struct vo_buf *b);

/* Makes room for at least extra more bytes.  VO_ENOMEM or VO_ELIMIT. */
int vo_buf_grow(struct vo_buf *b, size_t extra);

/* Appends len bytes.  VO_ENOMEM or VO_ELIMIT; the buffer is unchanged on failure. */
int vo_buf_add(struct vo_buf *b, const void *data, size_t len);

static inline int vo_buf_addstr(struct vo_buf *b, const char *s)
{
	return vo_buf_add(b, s, strlen(s));
}

static inline int vo_buf_addview(struct vo_buf *b, struct vo_str s)
{
	return vo_buf_add(b, s.ptr, s.len);
}

int vo_buf_addch(struct vo_buf *b, char c);

/* printf-style append.  VO_ENOMEM or VO_ELIMIT. */
int vo_buf_addf(struct vo_buf *b, const char *fmt, ...) VO_PRINTF(2, 3);

/* Appends the decimal form of v. */
int vo_buf_add_i64(struct vo_buf *b, int64_t v);
int vo_buf_add_u64(struct vo_buf *b, uint64_t v);

/*
 * Hands the bytes to the caller, who frees them with vo_free(); the buffer is
 * left empty.  Returns an allocated empty string for an empty buffer, or NULL
 * when that allocation fails.
 */
char *vo_buf_detach(struct vo_buf *b, size_t *len);

static inline struct vo_str vo_buf_view(const struct vo_buf *b)
{
	return vo_str_make(b->ptr, b->len);
}

#endif
