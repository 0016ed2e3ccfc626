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

#include "core/civil.h"
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

/*
 * The same, also giving the UTC day of the timestamp (days since
 * 1970-01-01), for callers that need both.  The two forms writers use,
 * "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD HH:MM:SS.ffffff" (or with 'T'), are
 * checked in a branch-light fixed-layout path: four 8-byte loads, every digit
 * and separator tested at once (SWAR), the fields read in pairs; anything
 * else goes through vo_ts_parse().  Inline, because the cleaner runs it once
 * per row of a timestamp column that is not dictionary-coded.
 */
static inline bool vo_ts_parse_day(struct vo_str s, int64_t *us, int64_t *day);

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

/* ------------------------------------------------------------------------ */
/* The fixed-layout path of vo_ts_parse_day() (private)                      */

#define VO__B(c) UINT64_C(0x0101010101010101) * (uint8_t)(c)

static inline uint64_t vo__load64(const char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * Whether the 8 bytes w (byte k at bits 8k) hold ASCII digits at the bytes of
 * mask dm and the bytes of sep at the bytes of mask sm.  Digit bytes are
 * isolated first, so no carry crosses from another byte.
 */
static inline bool vo__swar_form(uint64_t w, uint64_t dm, uint64_t sm, uint64_t sep)
{
	uint64_t d = w & dm;
	uint64_t hi = VO__B(0xf0) & dm;
	uint64_t zero = VO__B('0') & dm;

	return ((w & sm) ^ sep) == 0 && (d & hi) == zero && ((d + (VO__B(6) & dm)) & hi) == zero;
}

/* Digit bytes to values, then byte k = 10 * digit k + digit k + 1 (at most 99, no carry). */
static inline uint64_t vo__pairs(uint64_t w, uint64_t dm)
{
	uint64_t x = (w & dm) - (VO__B('0') & dm);

	return x * 10 + (x >> 8);
}

#define VO__BYTE(v, k) ((unsigned)((v) >> (8 * (k))) & 0xffu)

/* 1: the form, valid (us and day set); 0: the form, invalid; -1: another form. */
static inline int vo__ts_fixed(const char *p, size_t len, int64_t *us, int64_t *day)
{
	static const unsigned char mdays[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t a = vo__load64(p);     /* "YYYY-MM-" */
	uint64_t b = vo__load64(p + 8); /* "DD HH:MM" */
	uint64_t c;
	uint64_t ya;
	uint64_t yb;
	uint64_t yc;
	unsigned year;
	unsigned month;
	unsigned mday;
	unsigned hh;
	unsigned mi;
	unsigned ss;
	int64_t frac = 0;
	bool form;

	form = vo__swar_form(a, UINT64_C(0x00ffff00ffffffff), UINT64_C(0xff0000ff00000000),
			     UINT64_C(0x2d00002d00000000)) &&
	       vo__swar_form(b, UINT64_C(0xffff00ffff00ffff), UINT64_C(0x0000ff0000000000),
			     UINT64_C(0x00003a0000000000)) &&
	       (p[10] == ' ' || p[10] == 'T');
	if (len == 26) {
		uint64_t d = vo__load64(p + 18); /* "S.ffffff" */

		c = vo__load64(p + 16); /* ":SS.ffff" */
		form = form &&
		       vo__swar_form(c, UINT64_C(0xffffffff00ffff00), UINT64_C(0x00000000ff0000ff),
				     UINT64_C(0x000000002e00003a)) &&
		       vo__swar_form(d, UINT64_C(0xffff000000000000), 0, 0);
		if (!form)
			return -1;
		yc = vo__pairs(c, UINT64_C(0xffffffff00ffff00));
		ss = VO__BYTE(yc, 1);
		frac = ((int64_t)VO__BYTE(yc, 4) * 100 + VO__BYTE(yc, 6)) * 100 +
		       VO__BYTE(vo__pairs(d, UINT64_C(0xffff000000000000)), 6);
	} else {
		c = vo__load64(p + 11); /* "HH:MM:SS" */
		form = form && vo__swar_form(c, UINT64_C(0xffff00ffff00ffff),
					     UINT64_C(0x0000ff0000ff0000), UINT64_C(0x00003a00003a0000));
		if (!form)
			return -1;
		ss = VO__BYTE(vo__pairs(c, UINT64_C(0xffff00ffff00ffff)), 6);
	}
	ya = vo__pairs(a, UINT64_C(0x00ffff00ffffffff));
	yb = vo__pairs(b, UINT64_C(0xffff00ffff00ffff));
	year = VO__BYTE(ya, 0) * 100 + VO__BYTE(ya, 2);
	month = VO__BYTE(ya, 5);
	mday = VO__BYTE(yb, 0);
	hh = VO__BYTE(yb, 3);
	mi = VO__BYTE(yb, 6);
	if (month - 1 >= 12 || mday - 1 >= 31 || hh > 23 || mi > 59 || ss > 59)
		return 0;
	if (mday > mdays[month] && !(month == 2 && mday == 29 && vo_is_leap_year(year)))
		return 0;
	*day = vo_days_from_civil(year, month, mday);
	*us = *day * VO_US_PER_DAY + (int64_t)(hh * 3600 + mi * 60 + ss) * 1000000 + frac;
	return 1;
}

#undef VO__BYTE
#undef VO__B

static inline bool vo_ts_parse_day(struct vo_str s, int64_t *us, int64_t *day)
{
	int r = -1;

	if (s.len == 26 || s.len == 19)
		r = vo__ts_fixed(s.ptr, s.len, us, day);
	if (r >= 0)
		return r;
	if (!vo_ts_parse(s, us))
		return false;
	*day = vo_us_to_days(*us);
	return true;
}

#endif
