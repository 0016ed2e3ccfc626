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
 * 1970-01-01); us may be NULL when the day is all the caller needs.  The two forms writers use,
 * "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD HH:MM:SS.ffffff" (or with 'T'), are
 * checked in a branch-light fixed-layout path on x86-64 (SSE2): two 16-byte
 * loads, every byte tested against its range at once, the fields read in
 * pairs; anything else goes through vo_ts_parse() (also on other machines).  Inline, because the
 * cleaner runs it once per row of a timestamp column that is not dictionary-coded.
 */
static inline __attribute__((always_inline)) bool vo_ts_parse_day(struct vo_str s, int64_t *us,
								  int64_t *day);

/*
 * The days of the months seen, for vo_ts_parse_day_cached(): a caller's
 * (not thread-safe) direct-mapped table of "YYYY-MM-" -> the month's first
 * day and length, so a timestamp in a month already seen skips the
 * calendar (about 40 months cover two years of orders).  Zero it to start.
 */
#define VO_TS_MONTHS 256
struct vo_ts_months {
	struct {
		uint64_t key;  /* bytes "YYYY-MM-" as loaded, 0 when empty */
		int32_t first; /* day of the 1st of that month */
		uint32_t len;  /* its days */
	} slot[VO_TS_MONTHS];
};

/* vo_ts_parse_day(), the months of the fixed-layout forms through *m. */
static inline __attribute__((always_inline)) bool
vo_ts_parse_day_cached(struct vo_str s, struct vo_ts_months *m, int64_t *us, int64_t *day);

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

#if defined(__SSE2__)
#include <emmintrin.h>

/*
 * Per byte of the two 16-byte loads of a 26-byte ("YYYY-MM-DD HH:MM:SS.ffffff",
 * bytes 0-15 and 10-25) or 19-byte form (bytes 0-15 and 3-18): the lowest
 * and highest byte allowed.  Tens digits are bounded too (month 0-1, day
 * 0-3, hour 0-2, minute and second 0-5), so what is left to check is the
 * month, the day of the month and the hour.  Byte 10 ('T' or ' ') is
 * checked on its own.
 */
struct vo__ts_layout {
	unsigned char lo[2][16];
	unsigned char hi[2][16];
};

static const struct vo__ts_layout vo__ts26 __attribute__((aligned(16))) = {
	{ "0000-00-00 00:00", " 00:00:00.000000" },
	{ "9999-19-39T29:59", "T29:59:59.999999" },
};
static const struct vo__ts_layout vo__ts19 __attribute__((aligned(16))) = {
	{ "0000-00-00 00:00", "0-00-00 00:00:00" },
	{ "9999-19-39T29:59", "9-19-39T29:59:59" },
};

/* Zero bytes where x is within [lo, hi]. */
static inline __m128i vo__outside(__m128i x, const unsigned char *lo, const unsigned char *hi)
{
	return _mm_or_si128(_mm_subs_epu8(_mm_load_si128((const __m128i *)(const void *)lo), x),
			    _mm_subs_epu8(x, _mm_load_si128((const __m128i *)(const void *)hi)));
}

/*
 * Byte k = 10 * digit k + digit k + 1, digits as values.  Every byte is
 * first clamped to 0..9 (a separator such as 'T' is no digit), so no byte
 * passes 99 and no shift carries into the next byte.
 */
static inline __m128i vo__pairs(__m128i x)
{
	__m128i d = _mm_subs_epu8(_mm_min_epu8(x, _mm_set1_epi8('9')), _mm_set1_epi8('0'));
	__m128i ten = _mm_add_epi8(_mm_slli_epi16(d, 3), _mm_slli_epi16(d, 1));

	return _mm_add_epi8(ten, _mm_srli_si128(d, 1));
}

#define VO__BYTE(v, k) ((unsigned)((v) >> (8 * (k))) & 0xffu)

/*
 * vo_days_from_civil() of a valid date, shorter between 1900-03-01 and
 * 2100-02-28, where every fourth year is a leap year: years counted from
 * March (so a leap day ends its year), 365 days each plus one every four.
 */
static inline int64_t vo__days(unsigned year, unsigned month, unsigned mday)
{
	/* Days from March 1 to the first of each month. */
	static const unsigned short from_march[13] = { 0,   306, 337, 0,   31,	61, 92,
						       122, 153, 184, 214, 245, 275 };
	unsigned yy = year - (month <= 2) - 1900;

	if (yy >= 200)
		return vo_days_from_civil(year, month, mday);
	/* -25508: 1900-03-01 */
	return (int64_t)(365 * yy + yy / 4 + from_march[month] + mday - 1) - 25508;
}

/*
 * The rest of vo__ts_fixed() for p of its form (len) whose bytes are within
 * their layout's bounds: 1 valid (day set, and us unless it is NULL), 0
 * invalid.  A caller with another check of the bounds (clean.c's AVX-512
 * loop) comes here too.
 */
static inline __attribute__((always_inline)) int
vo__ts_fixed_rest(const char *p, size_t len, struct vo_ts_months *m, int64_t *us, int64_t *day)
{
	static const unsigned char mdays[16] = {
		0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i b;
	uint64_t pa;
	uint64_t pa_hi;
	uint64_t pb;
	uint64_t pb_hi;
	unsigned year;
	unsigned month;
	unsigned mday;
	unsigned hh;
	unsigned mi;
	unsigned ss;
	int64_t frac = 0;

	if (m && !us) {
		/* A month seen before: its first day and length, no calendar. */
		uint64_t key = (uint64_t)_mm_cvtsi128_si64(a);
		unsigned h = (unsigned)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 56);

		if (m->slot[h].key == key) {
			mday = (unsigned)(p[8] - '0') * 10 + (unsigned)(p[9] - '0');
			hh = (unsigned)(p[11] - '0') * 10 + (unsigned)(p[12] - '0');
			if (mday - 1 >= m->slot[h].len || hh > 23)
				return 0;
			*day = m->slot[h].first + (int64_t)mday - 1;
			return 1;
		}
	}
	a = vo__pairs(a);
	pa = (uint64_t)_mm_cvtsi128_si64(a);			   /* pairs at 0..7 */
	pa_hi = (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(a, 8)); /* pairs at 8..15 */
	year = VO__BYTE(pa, 0) * 100 + VO__BYTE(pa, 2);
	month = VO__BYTE(pa, 5);
	mday = VO__BYTE(pa_hi, 0);
	hh = VO__BYTE(pa_hi, 3);
	if (month - 1 >= 12 || mday == 0 || hh > 23)
		return 0;
	if (mday > mdays[month] && !(month == 2 && mday == 29 && vo_is_leap_year(year)))
		return 0;
	*day = vo__days(year, month, mday);
	if (m) {
		/* Remember the month (its days: 29 in a leap February). */
		uint64_t key = (uint64_t)_mm_cvtsi128_si64(
			_mm_loadu_si128((const __m128i *)(const void *)p));
		unsigned h = (unsigned)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 56);

		m->slot[h].key = key;
		m->slot[h].first = (int32_t)(*day - (int64_t)mday + 1);
		m->slot[h].len = month == 2 && vo_is_leap_year(year) ? 29u : mdays[month];
	}
	if (!us)
		return 1; /* the day is all the caller wants */
	b = vo__pairs(_mm_loadu_si128((const __m128i *)(const void *)(p + len - 16)));
	pb = (uint64_t)_mm_cvtsi128_si64(b);
	pb_hi = (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(b, 8));
	mi = VO__BYTE(pa_hi, 6);
	if (len == 26) {
		/* b holds bytes 10..25: seconds at 17, the fraction at 20, 22, 24 */
		ss = VO__BYTE(pb, 7);
		frac = ((int64_t)VO__BYTE(pb_hi, 2) * 100 + VO__BYTE(pb_hi, 4)) * 100 +
		       VO__BYTE(pb_hi, 6);
	} else {
		/* b holds bytes 3..18: seconds at 17 */
		ss = VO__BYTE(pb_hi, 6);
	}
	*us = *day * VO_US_PER_DAY + (int64_t)(hh * 3600 + mi * 60 + ss) * 1000000 + frac;
	return 1;
}

/*
 * 1: the form, valid (day set, and us unless it is NULL); 0: the form,
 * invalid; -1: another form.
 */
static inline __attribute__((always_inline)) int
vo__ts_fixed(const char *p, size_t len, struct vo_ts_months *m, int64_t *us, int64_t *day)
{
	/* len is a constant where this is inlined (see below): so is the layout. */
	const struct vo__ts_layout *l = len == 26 ? &vo__ts26 : &vo__ts19;
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + len - 16));
	__m128i bad = _mm_or_si128(vo__outside(a, l->lo[0], l->hi[0]),
				   vo__outside(b, l->lo[1], l->hi[1]));

	if (_mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128())) != 0xffff ||
	    (p[10] != ' ' && p[10] != 'T'))
		return -1;
	return vo__ts_fixed_rest(p, len, m, us, day);
}

#undef VO__BYTE
#endif

static inline __attribute__((always_inline)) bool
vo_ts_parse_day_cached(struct vo_str s, struct vo_ts_months *m, int64_t *us, int64_t *day)
{
	int64_t t = 0;

#if defined(__SSE2__)
	int r = -1;

	/* One copy per form, each with its layout's constants kept in registers. */
	if (s.len == 26)
		r = vo__ts_fixed(s.ptr, 26, m, us, day);
	else if (s.len == 19)
		r = vo__ts_fixed(s.ptr, 19, m, us, day);
	if (r >= 0)
		return r;
#else
	(void)m;
#endif
	if (!vo_ts_parse(s, &t))
		return false;
	*day = vo_us_to_days(t);
	if (us)
		*us = t;
	return true;
}

static inline __attribute__((always_inline)) bool vo_ts_parse_day(struct vo_str s, int64_t *us,
								  int64_t *day)
{
	return vo_ts_parse_day_cached(s, NULL, us, day);
}

#if defined(__x86_64__) && defined(__GNUC__) && defined(__SSE2__)
#include <immintrin.h>

/* The target of the callers of vo_ts_parse_day_avx512() (core/cpu.h's VO_CPU_AVX512). */
#define VO_TS_AVX512 "avx2,bmi2,avx512f,avx512vl,avx512bw"

/*
 * vo_ts_parse_day_cached() without us, for a caller compiled for AVX-512:
 * the 26-byte form's bytes checked against their bounds in one masked load
 * (which reads no byte past the string) and two compares; the rest as
 * vo__ts_fixed() does.
 */
static inline __attribute__((always_inline, target(VO_TS_AVX512))) bool
vo_ts_parse_day_avx512(struct vo_str s, struct vo_ts_months *m, int64_t *day)
{
	static const char lo26[32] = "0000-00-00 00:00:00.000000";
	static const char hi26[32] = "9999-19-39T29:59:59.999999";

	if (s.len == 26) {
		__m256i x = _mm256_maskz_loadu_epi8((__mmask32)0x3ffffff, s.ptr);
		__mmask32 out = _mm256_cmp_epu8_mask(
					x, _mm256_loadu_si256((const __m256i *)(const void *)lo26),
					_MM_CMPINT_LT) |
				_mm256_cmp_epu8_mask(
					x, _mm256_loadu_si256((const __m256i *)(const void *)hi26),
					_MM_CMPINT_NLE);

		if (!out && (s.ptr[10] == ' ' || s.ptr[10] == 'T'))
			return vo__ts_fixed_rest(s.ptr, 26, m, NULL, day);
	}
	return vo_ts_parse_day_cached(s, m, NULL, day);
}
#endif

#endif
