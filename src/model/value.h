/*
 * value.h - what a single value means (the spec's value grammar):
 * timestamps and whole numbers.
 *
 * These parsers implement the value rules of SPEC sections 1 and 2 and are
 * shared by the cleaning stage, the clean-CSV writer, the artifact reader,
 * the API's request validation (api/voucher.c) and the dashboard.  They never
 * allocate and never read past the view.
 */
#ifndef VO_MODEL_VALUE_H
#define VO_MODEL_VALUE_H

#include "core/common.h"

#include "core/str.h"

/*
 * Parses a timestamp string into microseconds since the epoch, UTC.
 * Grammar (SPEC section 1): YYYY-MM-DD, optionally followed by 'T' or ' '
 * and HH:MM, optionally :SS, optionally '.' and 1 to 9 fraction digits, then
 * optionally 'Z', +HH:MM, -HH:MM or +HHMM (only after a time).  The date
 * must exist in the proleptic Gregorian calendar (2018-02-30 is invalid),
 * hours are 00-23, minutes and seconds 00-59, offsets up to 23:59.  No
 * white space is allowed; digits beyond the sixth of the fraction are
 * truncated.  Returns false for anything else.
 */
bool vo_ts_parse(struct vo_str s, int64_t *us);

struct cJSON;
struct vo_jread;

/*
 * The JSON getter of the timestamp type, for readers on core/json_read.h:
 * the member key of obj as a string of at most max bytes that vo_ts_parse()
 * accepts.  Sets *text (pointing into the tree) and *us.  Messages name the
 * key ("built_at: expected a timestamp such as 2026-11-24T01:00:00Z");
 * VO_EFORMAT.  It lives here, not in core/, because the grammar is the
 * spec's.
 */
int vo_jread_ts(struct vo_jread *r, const struct cJSON *obj, const char *key, size_t max,
		const char **text, int64_t *us);

/* Writes "YYYY-MM-DD HH:MM:SS.ffffff" (26 bytes + NUL) for us; out must hold 32. */
size_t vo_ts_format(int64_t us, char *out);

/* Writes "YYYY-MM-DD" (10 bytes + NUL) for a day number; out must hold 16. */
size_t vo_date_format(int64_t days, char *out);

/* How a numeric field reads (SPEC section 2, total_orders and voucher_amount). */
enum vo_num_class {
	VO_NUM_WHOLE,	/* a whole number >= 0 that fits int64; *value is set */
	VO_NUM_MISSING, /* null or empty (white space only) */
	VO_NUM_NAN,	/* NaN (the string "nan" in any case, or a NaN double) */
	VO_NUM_INVALID, /* anything else: negative, fractional, infinite, text, too big */
};

/*
 * Classifies a decimal number string: trimmed of ASCII white space, then
 * [+-]digits[.digits][(e|E)[+-]digits] with at least one mantissa digit.
 * Whole-ness is decided exactly on the decimal digits ("2.0" and "2e1" are
 * whole, "2.5" and "1e-1" are not, "-0" is 0).  Values above INT64_MAX are
 * invalid.
 */
enum vo_num_class vo_num_parse(struct vo_str s, int64_t *value);

/* The same rules for a double. */
enum vo_num_class vo_num_from_f64(double v, int64_t *value);

/* The same rules for an integer carrying a decimal scale (value / 10^scale). */
enum vo_num_class vo_num_from_i64(int64_t v, int scale, int64_t *value);

#endif
