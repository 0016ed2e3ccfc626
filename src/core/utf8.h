/*
 * utf8.h - UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates
 * (U+D800 to U+DFFF), nothing past U+10FFFF.  JSON carries only such text,
 * so a name that goes into the artifact must be valid (model/artifact.h).
 */
#ifndef VO_CORE_UTF8_H
#define VO_CORE_UTF8_H

#include "core/common.h"

#include "core/str.h"

/*
 * Decodes the sequence at p (avail >= 1 bytes) into *cp and returns its
 * length, 1 to 4; 0 when the bytes there are not a valid sequence (*cp is
 * then the first byte).
 */
size_t vo_utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);

/*
 * The length of the valid sequence at p (avail >= 1 bytes), 1 to 4, or 0: the
 * check alone, for scanners that copy the bytes as they are.
 */
size_t vo_utf8_len(const unsigned char *p, size_t avail);

/* Writes cp (at most U+10FFFF, not a surrogate) to out; returns 1 to 4. */
size_t vo_utf8_encode(uint32_t cp, char out[4]);

/* Whether s is valid UTF-8; when it is not, *bad (may be NULL) is the offset of the first bad byte.
 */
bool vo_utf8_valid(struct vo_str s, size_t *bad);

#endif
