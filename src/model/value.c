/*
 * value.c - timestamp and whole-number parsing, see value.h.
 *
 * Both parsers are hand-written cursors over a bounded view: they run once
 * per distinct value of every input row, so they avoid strtod/strptime
 * (locale-dependent, NUL-terminated, slow) and never allocate.
 */
#include "core/common.h"

#include <math.h>

#include "core/civil.h"
#include "core/json_read.h"
#include "model/value.h"

/* Reads exactly n digits at s[*pos], advancing; false if any is not a digit. */
static bool read_digits(struct vo_str s, size_t *pos, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (s.len - *pos < n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned c = (unsigned char)s.ptr[*pos + i] - (unsigned)'0';

		if (c > 9)
			return false;
		v = v * 10 + c;
	}
	*pos += n;
	*out = v;
	return true;
}

static bool expect(struct vo_str s, size_t *pos, char c)
{
	if (*pos >= s.len || s.ptr[*pos] != c)
		return false;
	(*pos)++;
	return true;
}

/* Parses Z, +HH:MM, -HH:MM or +HHMM into seconds east of UTC. */
static bool parse_offset(struct vo_str s, size_t *pos, int64_t *offset_s)
{
	unsigned hh;
	unsigned mm;
	int sign;
	char c = s.ptr[*pos];

	if (c == 'Z') {
		(*pos)++;
		*offset_s = 0;
		return true;
	}
	if (c != '+' && c != '-')
		return false;
	sign = c == '-' ? -1 : 1;
	(*pos)++;
	if (!read_digits(s, pos, 2, &hh))
		return false;
	if (*pos < s.len && s.ptr[*pos] == ':')
		(*pos)++;
	if (!read_digits(s, pos, 2, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	*offset_s = sign * (int64_t)(hh * 3600 + mm * 60);
	return true;
}

bool vo_ts_parse(struct vo_str s, int64_t *us)
{
	size_t pos = 0;
	unsigned year;
	unsigned month;
	unsigned day;
	unsigned hh = 0;
	unsigned mi = 0;
	unsigned ss = 0;
	int64_t frac_us = 0;
	int64_t offset_s = 0;
	int64_t days;

	if (!read_digits(s, &pos, 4, &year) || !expect(s, &pos, '-') ||
	    !read_digits(s, &pos, 2, &month) || !expect(s, &pos, '-') ||
	    !read_digits(s, &pos, 2, &day))
		return false;
	if (month < 1 || month > 12 || day < 1 || day > vo_days_in_month(year, month))
		return false;
	if (pos < s.len) {
		if (s.ptr[pos] != 'T' && s.ptr[pos] != ' ')
			return false;
		pos++;
		if (!read_digits(s, &pos, 2, &hh) || !expect(s, &pos, ':') ||
		    !read_digits(s, &pos, 2, &mi) || hh > 23 || mi > 59)
			return false;
		if (pos < s.len && s.ptr[pos] == ':') {
			pos++;
			if (!read_digits(s, &pos, 2, &ss) || ss > 59)
				return false;
			if (pos < s.len && s.ptr[pos] == '.') {
				size_t start = ++pos;
				int64_t scale = 100000;

				while (pos < s.len && pos - start < 9 &&
				       (unsigned)(s.ptr[pos] - '0') <= 9) {
					frac_us += (s.ptr[pos] - '0') * scale;
					scale /= 10;
					pos++;
				}
				if (pos == start)
					return false;
			}
		}
		if (pos < s.len && !parse_offset(s, &pos, &offset_s))
			return false;
	}
	if (pos != s.len)
		return false;
	days = vo_days_from_civil(year, month, day);
	*us = days * VO_US_PER_DAY + ((int64_t)(hh * 3600 + mi * 60 + ss) - offset_s) * 1000000 +
	      frac_us;
	return true;
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

size_t vo_date_format(int64_t days, char *out)
{
	int64_t y;
	unsigned m;
	unsigned d;

	vo_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return (size_t)snprintf(out, 16, "%+" PRId64 "-%02u-%02u", y, m, d);
	put2(out, (unsigned)(y / 100));
	put2(out + 2, (unsigned)(y % 100));
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = '\0';
	return 10;
}

size_t vo_ts_format(int64_t us, char *out)
{
	int64_t days = vo_us_to_days(us);
	int64_t rem = us - days * VO_US_PER_DAY;
	unsigned secs = (unsigned)(rem / 1000000);
	unsigned frac = (unsigned)(rem % 1000000);
	size_t n = vo_date_format(days, out);
	int i;

	if (n != 10)
		return n;
	out[10] = ' ';
	put2(out + 11, secs / 3600);
	out[13] = ':';
	put2(out + 14, secs / 60 % 60);
	out[16] = ':';
	put2(out + 17, secs % 60);
	out[19] = '.';
	for (i = 25; i >= 20; i--) {
		out[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	out[26] = '\0';
	return 26;
}

static bool is_digit(char c)
{
	return (unsigned)(c - '0') <= 9;
}

enum vo_num_class vo_num_parse(struct vo_str s, int64_t *value)
{
	size_t pos = 0;
	bool neg = false;
	size_t int_start;
	size_t int_len;
	size_t frac_start = 0;
	size_t frac_len = 0;
	int64_t exp = 0;
	int64_t point;
	int64_t ndigits;
	int64_t i;
	uint64_t v = 0;

	s = vo_str_trim(s);
	if (!s.len)
		return VO_NUM_MISSING;
	if (s.ptr[0] == '+' || s.ptr[0] == '-') {
		neg = s.ptr[0] == '-';
		pos++;
	}
	if (s.len - pos == 3 && vo_str_eq_nocase(vo_str_make(s.ptr + pos, 3), VO_STR_LIT("nan")))
		return VO_NUM_NAN;
	int_start = pos;
	while (pos < s.len && is_digit(s.ptr[pos]))
		pos++;
	int_len = pos - int_start;
	if (pos < s.len && s.ptr[pos] == '.') {
		frac_start = ++pos;
		while (pos < s.len && is_digit(s.ptr[pos]))
			pos++;
		frac_len = pos - frac_start;
	}
	if (int_len + frac_len == 0)
		return VO_NUM_INVALID;
	if (pos < s.len && (s.ptr[pos] == 'e' || s.ptr[pos] == 'E')) {
		bool eneg = false;
		size_t estart;

		pos++;
		if (pos < s.len && (s.ptr[pos] == '+' || s.ptr[pos] == '-')) {
			eneg = s.ptr[pos] == '-';
			pos++;
		}
		estart = pos;
		while (pos < s.len && is_digit(s.ptr[pos])) {
			if (exp < 100000) /* far past any int64; keeps the sum bounded */
				exp = exp * 10 + (s.ptr[pos] - '0');
			pos++;
		}
		if (pos == estart)
			return VO_NUM_INVALID;
		if (eneg)
			exp = -exp;
	}
	if (pos != s.len)
		return VO_NUM_INVALID;

	/*
	 * The digits d[0..n) are the integer digits followed by the fraction
	 * digits; the decimal point sits after d[point].  The number is whole
	 * when every digit at or after the point is 0.
	 */
	ndigits = (int64_t)(int_len + frac_len);
	point = (int64_t)int_len + exp;
	for (i = VO_MAX(point, 0); i < ndigits; i++) {
		char c = (size_t)i < int_len ? s.ptr[int_start + (size_t)i]
					     : s.ptr[frac_start + (size_t)i - int_len];
		if (c != '0')
			return VO_NUM_INVALID;
	}
	for (i = 0; i < point; i++) {
		unsigned dgt = 0;

		if (i < ndigits) {
			char c = (size_t)i < int_len ? s.ptr[int_start + (size_t)i]
						     : s.ptr[frac_start + (size_t)i - int_len];
			dgt = (unsigned)(c - '0');
		}
		if (v == 0 && dgt == 0)
			continue; /* leading zeros (and 0e999999) never overflow */
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, dgt, &v) ||
		    v > (uint64_t)INT64_MAX)
			return VO_NUM_INVALID;
	}
	if (neg && v != 0)
		return VO_NUM_INVALID;
	*value = (int64_t)v;
	return VO_NUM_WHOLE;
}

enum vo_num_class vo_num_from_f64(double v, int64_t *value)
{
	if (isnan(v))
		return VO_NUM_NAN;
	if (!isfinite(v) || v < 0 || v != floor(v) || v >= 9223372036854775808.0)
		return VO_NUM_INVALID;
	*value = (int64_t)v;
	return VO_NUM_WHOLE;
}

enum vo_num_class vo_num_from_i64(int64_t v, int scale, int64_t *value)
{
	int64_t div = 1;
	int i;

	if (v < 0)
		return VO_NUM_INVALID;
	if (scale < 0 || scale > 18)
		return VO_NUM_INVALID;
	for (i = 0; i < scale; i++)
		div *= 10;
	if (v % div)
		return VO_NUM_INVALID;
	*value = v / div;
	return VO_NUM_WHOLE;
}

int vo_jread_ts(struct vo_jread *r, const cJSON *obj, const char *key, size_t max,
		const char **text, int64_t *us)
{
	const char *s = NULL;
	int rc = vo_jread_str(r, obj, key, max, &s);

	if (rc)
		return rc;
	if (!vo_ts_parse(vo_str_cstr(s), us))
		return vo_jread_fail_at(r, key,
					"expected a timestamp such as 2026-11-24T01:00:00Z");
	*text = s;
	return VO_OK;
}
