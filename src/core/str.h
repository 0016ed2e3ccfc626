/*
 * str.h - struct vo_str, a non-owning view of bytes (h2o's h2o_iovec_t).
 *
 * A view never owns its bytes and is not NUL-terminated: untrusted bytes are
 * never treated as C strings.  All helpers are inline and allocation-free.
 */
#ifndef VO_CORE_STR_H
#define VO_CORE_STR_H

#include "core/common.h"

#include <string.h>

struct vo_str {
	const char *ptr; /* first byte; may be NULL when len is 0 */
	size_t len;	 /* number of bytes */
};

#define VO_STR_LIT(s) ((struct vo_str){ (s), sizeof(s) - 1 })

static inline struct vo_str vo_str_make(const char *ptr, size_t len)
{
	struct vo_str s = { ptr, len };
	return s;
}

static inline struct vo_str vo_str_cstr(const char *cstr)
{
	return vo_str_make(cstr, strlen(cstr));
}

static inline bool vo_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int vo_to_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The view without leading and trailing ASCII white space. */
static inline struct vo_str vo_str_trim(struct vo_str s)
{
	while (s.len && vo_is_space((unsigned char)s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && vo_is_space((unsigned char)s.ptr[s.len - 1]))
		s.len--;
	return s;
}

static inline bool vo_str_eq(struct vo_str a, struct vo_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Equality ignoring ASCII case. */
static inline bool vo_str_eq_nocase(struct vo_str a, struct vo_str b)
{
	size_t i;

	if (a.len != b.len)
		return false;
	for (i = 0; i < a.len; i++)
		if (vo_to_lower((unsigned char)a.ptr[i]) != vo_to_lower((unsigned char)b.ptr[i]))
			return false;
	return true;
}

static inline bool vo_str_eq_cstr(struct vo_str a, const char *b)
{
	return vo_str_eq(a, vo_str_cstr(b));
}

/* Byte-order comparison, shorter first on a common prefix (like memcmp + length). */
static inline int vo_str_cmp(struct vo_str a, struct vo_str b)
{
	size_t n = VO_MIN(a.len, b.len);
	int c = n ? memcmp(a.ptr, b.ptr, n) : 0;

	if (c)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

/*
 * The one integer parser: s must be one or more ASCII digits and nothing
 * else (no sign, no white space), at most max in value.  Sets *out and
 * returns true, or returns false and leaves *out alone.  Overflow-checked
 * (h2o's h2o_strtosize), so any length of digits is safe.
 */
static inline bool vo_str_to_u64(struct vo_str s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s.len)
		return false;
	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];

		if (c < '0' || c > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(c - '0'), &v))
			return false;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

#endif
