/*
 * utf8.c - UTF-8 decoding and validation, see utf8.h.
 */
#include "core/common.h"

#include "core/utf8.h"

size_t vo_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
	size_t n = vo_utf8_len(p, avail);
	uint32_t v;

	*cp = p[0];
	if (n <= 1)
		return n;
	v = p[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++)
		v = (v << 6) | (p[i] & 0x3fu);
	*cp = v;
	return n;
}

/*
 * The second byte's range carries the checks for overlong forms (E0, F0),
 * surrogates (ED) and code points past U+10FFFF (F4), as RFC 3629's table.
 */
size_t vo_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80;
	unsigned char hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t vo_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

bool vo_utf8_valid(struct vo_str s, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0;

	while (i < s.len) {
		size_t n;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = vo_utf8_len(p + i, s.len - i);
		if (!n) {
			if (bad)
				*bad = i;
			return false;
		}
		i += n;
	}
	return true;
}
