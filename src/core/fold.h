/*
 * fold.h - case-insensitive comparison of names: Unicode simple case
 * folding (CaseFolding.txt, statuses C and S), as the spec's "compared
 * case-insensitively" means for country names: `PERÚ`, `Perú` and `perú` are
 * one country, and so are `STRASSE` and `strasse` (but not `straße`: full
 * folding, which maps one code point to several, is not used, so a name's
 * folded form keeps its number of code points).
 *
 * Bytes that are not valid UTF-8 are compared as themselves, after every
 * code point.  ASCII takes a fast path of one table lookup per byte; other
 * code points are looked up by binary search in the table generated at
 * build time from Debian's unicode-data package (cmake/CaseFold.cmake).
 */
#ifndef VO_CORE_FOLD_H
#define VO_CORE_FOLD_H

#include "core/common.h"

#include "core/str.h"

/* The simple case folding of code point cp (cp itself when it has none). */
uint32_t vo_fold_cp(uint32_t cp);

/*
 * Orders a and b by their folded forms: negative, 0 or positive.  A total
 * order (code points by folded value, then invalid bytes by value, a
 * shorter sequence first on a common prefix), so names can be sorted and
 * binary-searched with it; 0 exactly when vo_fold_eq() is true.  Allocates
 * nothing.
 */
int vo_fold_cmp(struct vo_str a, struct vo_str b);

/* Whether a and b are equal once folded. */
bool vo_fold_eq(struct vo_str a, struct vo_str b);

/* Bytes vo_fold_copy() may write for n bytes of input (folding grows 2-byte
 * sequences to 3 bytes at most: U+023A -> U+2C65). */
#define VO_FOLD_LEN_MAX(n) ((n) + (n) / 2 + 1)

/*
 * Writes the folded form of s to out (room for VO_FOLD_LEN_MAX(s.len)
 * bytes; not NUL-terminated) and returns its length.  Two names are
 * vo_fold_eq() exactly when their folded forms are the same bytes, so the
 * folded form is a map key.
 */
size_t vo_fold_copy(struct vo_str s, char *out);

/* The generated table (casefold.c): code point, folded code point; ascending. */
extern const uint32_t vo__fold_pairs[][2];
extern const size_t vo__fold_npairs;

#endif
