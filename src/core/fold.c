/*
 * fold.c - Unicode simple case folding of names, see fold.h.
 */
#include "core/common.h"

#include "core/fold.h"
#include "core/utf8.h"

/* Units of comparison: a code point, folded, or an invalid byte placed past them all. */
#define INVALID_BASE 0x110000u

uint32_t vo_fold_cp(uint32_t cp)
{
	size_t lo = 0;
	size_t hi = vo__fold_npairs;

	if (cp < 0x80)
		return (uint32_t)vo_to_lower((int)cp);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (vo__fold_pairs[mid][0] == cp)
			return vo__fold_pairs[mid][1];
		if (vo__fold_pairs[mid][0] < cp)
			lo = mid + 1;
		else
			hi = mid;
	}
	return cp;
}

/* The next unit of s at *i, advancing *i. */
static uint32_t next_unit(struct vo_str s, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s.ptr + *i;
	uint32_t cp;
	size_t n;

	if (*p < 0x80) {
		(*i)++;
		return (uint32_t)vo_to_lower(*p);
	}
	n = vo_utf8_decode(p, s.len - *i, &cp);
	if (!n) {
		(*i)++;
		return INVALID_BASE + *p;
	}
	*i += n;
	return vo_fold_cp(cp);
}

int vo_fold_cmp(struct vo_str a, struct vo_str b)
{
	size_t i = 0;
	size_t j = 0;

	while (i < a.len && j < b.len) {
		unsigned char x = (unsigned char)a.ptr[i];
		unsigned char y = (unsigned char)b.ptr[j];
		uint32_t u;
		uint32_t v;

		if ((x | y) < 0x80) {
			/* Both ASCII: the common case, one table lookup each. */
			int lx = vo_to_lower(x);
			int ly = vo_to_lower(y);

			if (lx != ly)
				return lx < ly ? -1 : 1;
			i++;
			j++;
			continue;
		}
		u = next_unit(a, &i);
		v = next_unit(b, &j);
		if (u != v)
			return u < v ? -1 : 1;
	}
	if (i < a.len)
		return 1;
	return j < b.len ? -1 : 0;
}

bool vo_fold_eq(struct vo_str a, struct vo_str b)
{
	return vo_fold_cmp(a, b) == 0;
}

size_t vo_fold_copy(struct vo_str s, char *out)
{
	size_t i = 0;
	size_t n = 0;

	while (i < s.len) {
		const unsigned char *p = (const unsigned char *)s.ptr + i;
		uint32_t cp;
		size_t len;

		if (*p < 0x80) {
			out[n++] = (char)vo_to_lower(*p);
			i++;
			continue;
		}
		len = vo_utf8_decode(p, s.len - i, &cp);
		if (!len) {
			out[n++] = (char)*p; /* not UTF-8: the byte as it is */
			i++;
			continue;
		}
		n += vo_utf8_encode(vo_fold_cp(cp), out + n);
		i += len;
	}
	return n;
}
