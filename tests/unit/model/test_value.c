/*
 * test_value.c - timestamp and whole-number rules (SPEC sections 1 and 2).
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/civil.h"
#include "model/value.h"
#include "testutil.h"

static bool ts(const char *s, int64_t *us)
{
	return vo_ts_parse(vo_str_cstr(s), us);
}

static int64_t ts_ok(const char *s)
{
	int64_t us = 0;

	if (!ts(s, &us))
		fail_msg("'%s' should be a valid timestamp", s);
	return us;
}

static void test_ts_forms(void **state)
{
	(void)state;
	assert_int_equal(ts_ok("1970-01-01"), 0);
	assert_int_equal(ts_ok("2018-04-20"), INT64_C(1524182400000000));
	assert_int_equal(ts_ok("2018-07-21 18:59:21.102761"), INT64_C(1532199561102761));
	assert_int_equal(ts_ok("2018-07-21T18:59:21.102761"), INT64_C(1532199561102761));
	assert_int_equal(ts_ok("2018-07-21 18:59"), INT64_C(1532199540000000));
	assert_int_equal(ts_ok("2018-07-21 18:59:21"), INT64_C(1532199561000000));
	assert_int_equal(ts_ok("2018-07-21 18:59:21.1"), INT64_C(1532199561100000));
	/* digits past the microsecond are truncated */
	assert_int_equal(ts_ok("2018-07-21 18:59:21.123456789"), INT64_C(1532199561123456));
	assert_int_equal(ts_ok("2018-07-21T18:59:21Z"), INT64_C(1532199561000000));
	/* offsets convert to UTC, and can move the date */
	assert_int_equal(ts_ok("2018-07-21T23:30:00-05:00"), ts_ok("2018-07-22T04:30:00"));
	assert_int_equal(ts_ok("2018-07-21T01:30:00+0200"), ts_ok("2018-07-20T23:30:00"));
	assert_int_equal(ts_ok("2018-07-21T01:30+02:00"), ts_ok("2018-07-20T23:30:00"));
	assert_int_equal(ts_ok("2000-02-29"), ts_ok("2000-02-28") + VO_US_PER_DAY);
	assert_int_equal(ts_ok("1969-12-31 23:59:59.999999"), -1);
	assert_int_equal(ts_ok("0001-01-01"), vo_days_from_civil(1, 1, 1) * VO_US_PER_DAY);
}

static void test_ts_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"2018",
		"2018-02-30",
		"2018-02-29",
		"1900-02-29",
		"2018-13-01",
		"2018-00-10",
		"2018-04-31",
		"2018-4-20",
		"18-04-20",
		"2018/04/20",
		" 2018-04-20",
		"2018-04-20 ",
		"2018-04-20T",
		"2018-04-20 24:00",
		"2018-04-20 23:60",
		"2018-04-20 23:59:60",
		"2018-04-20 1:00",
		"2018-04-20 10",
		"2018-04-20 10:00:",
		"2018-04-20 10:00:00.",
		"2018-04-20 10:00:00.1234567890",
		"2018-04-20 10:00.5",
		"2018-04-20Z",
		"2018-04-20 10:00+5",
		"2018-04-20 10:00+24:00",
		"2018-04-20 10:00+05:60",
		"2018-04-20 10:00:00 UTC",
		"2018-04-20x",
		"abc",
		"nan",
	};
	size_t i;
	int64_t us;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++)
		if (ts(bad[i], &us))
			fail_msg("'%s' should be invalid", bad[i]);
}

static void test_ts_not_nul_terminated(void **state)
{
	/* the view stops before the time: only the date is read */
	const char text[] = "2018-04-20 10:00:00";
	int64_t us;

	(void)state;
	assert_true(vo_ts_parse(vo_str_make(text, 10), &us));
	assert_int_equal(us, ts_ok("2018-04-20"));
	assert_false(vo_ts_parse(vo_str_make(text, 13), &us));
}

/*
 * The fixed-layout path of vo_ts_parse_day() agrees with the full grammar:
 * every 19- and 26-byte form from valid timestamps, each byte replaced in
 * turn by characters that break the layout, the digits, the separators or
 * the ranges (leap days included), and random strings of those lengths.
 */
static struct vo_ts_months months;

static void check_same(const char *p, size_t len)
{
	int64_t us = 0;
	int64_t us2 = 0;
	int64_t day = 0;
	bool ok = vo_ts_parse(vo_str_make(p, len), &us);

	assert_int_equal(vo_ts_parse_day(vo_str_make(p, len), &us2, &day), ok);
	if (ok) {
		assert_int_equal(us2, us);
		assert_int_equal(day, vo_us_to_days(us));
	}
	day = INT64_MIN;
	assert_int_equal(vo_ts_parse_day(vo_str_make(p, len), NULL, &day), ok);
	if (ok)
		assert_int_equal(day, vo_us_to_days(us));
	/* through a table of months, kept across calls: first sight and after */
	for (int k = 0; k < 2; k++) {
		day = INT64_MIN;
		assert_int_equal(vo_ts_parse_day_cached(vo_str_make(p, len), &months, NULL, &day),
				 ok);
		if (ok)
			assert_int_equal(day, vo_us_to_days(us));
	}
}

static void test_ts_fixed_layout(void **state)
{
	static const char *const seeds[] = {
		"2018-07-21 18:59:21.102761", "2016-02-29T23:59:59.999999",
		"2017-02-28 00:00:00.000000", "1970-01-01 00:00:00.000000",
		"9999-12-31T23:59:59.999999", "0000-03-01 12:30:45.500000",
		"2018-07-21 18:59:21",	      "2000-02-29T00:00:59",
		"1900-02-28 23:59:00",
	};
	static const char swaps[] = "0123456789 -:.TZ+/\x7f\x80";
	uint64_t seed = 12345;
	char buf[32];
	size_t i;
	size_t at;
	size_t k;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(seeds); i++) {
		size_t len = strlen(seeds[i]);

		check_same(seeds[i], len);
		for (at = 0; at < len; at++) {
			for (k = 0; k < sizeof(swaps) - 1; k++) {
				memcpy(buf, seeds[i], len);
				buf[at] = swaps[k];
				check_same(buf, len);
				buf[at] = (char)(swaps[k] + 0x30); /* digit-like bytes past '9' */
				check_same(buf, len);
			}
		}
	}
	/* the days of every month, around the ends and the leap years, 1890 to 2126 */
	for (i = 0; i < (size_t)12 * 80; i++) {
		unsigned y = 1890 + (unsigned)i / 12 * 3;
		unsigned m = 1 + (unsigned)i % 12;
		unsigned d;

		for (d = 27; d <= 32; d++) {
			snprintf(buf, sizeof(buf), "%04u-%02u-%02u 10:%02u:%02u.123456", y, m, d,
				 d * 2, 59 + d % 2);
			check_same(buf, 26);
			check_same(buf, 19);
		}
	}
	/* random bytes drawn from the layout's own characters */
	for (i = 0; i < 200000; i++) {
		size_t len = i % 2 ? 26 : 19;

		memcpy(buf, seeds[0], 26);
		for (k = 0; k < 3; k++)
			buf[vo_test_xorshift(&seed) % len] =
				swaps[vo_test_xorshift(&seed) % (sizeof(swaps) - 1)];
		check_same(buf, len);
	}
}

static void test_ts_format_roundtrip(void **state)
{
	static const char *const samples[] = { "2018-07-21 18:59:21.102761",
					       "1970-01-01 00:00:00.000000",
					       "1969-12-31 23:59:59.999999",
					       "2000-02-29 12:00:00.000001",
					       "9999-12-31 23:59:59.999999" };
	char out[32];
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(samples); i++) {
		assert_int_equal(vo_ts_format(ts_ok(samples[i]), out), 26);
		assert_string_equal(out, samples[i]);
	}
	assert_int_equal(vo_date_format(17641, out), 10);
	assert_string_equal(out, "2018-04-20");
}

static void test_civil_roundtrip(void **state)
{
	int64_t d;

	(void)state;
	for (d = -800000; d <= 800000; d += 7) {
		int64_t y;
		unsigned m;
		unsigned day;

		vo_civil_from_days(d, &y, &m, &day);
		assert_true(day >= 1 && day <= vo_days_in_month(y, m));
		assert_int_equal(vo_days_from_civil(y, m, day), d);
	}
	assert_int_equal(vo_us_to_days(-1), -1);
	assert_int_equal(vo_us_to_days(0), 0);
	assert_int_equal(vo_us_to_days(VO_US_PER_DAY - 1), 0);
}

static enum vo_num_class num(const char *s, int64_t *v)
{
	*v = -42;
	return vo_num_parse(vo_str_cstr(s), v);
}

static void test_num_whole(void **state)
{
	static const struct {
		const char *s;
		int64_t v;
	} ok[] = {
		{ "0", 0 },	    { "15", 15 },
		{ "2.0", 2 },	    { "2.000", 2 },
		{ " 7 ", 7 },	    { "+3", 3 },
		{ "-0", 0 },	    { "-0.0", 0 },
		{ "1e2", 100 },	    { "2.5e1", 25 },
		{ "1E+2", 100 },    { "250e-1", 25 },
		{ "1.", 1 },	    { "0e99999", 0 },
		{ "00012", 12 },    { "9223372036854775807", INT64_MAX },
		{ "4400.0", 4400 },
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(ok); i++) {
		if (num(ok[i].s, &v) != VO_NUM_WHOLE)
			fail_msg("'%s' should be whole", ok[i].s);
		assert_int_equal(v, ok[i].v);
	}
}

static void test_num_classes(void **state)
{
	static const char *const invalid[] = {
		"abc",	"-1",	 "2.5", "1e-1", ".5",	    "-",    "+",     "e5",
		"1e",	"1.2.3", "inf", "-inf", "Infinity", "0x10", "1,000", "9223372036854775808",
		"1e19", "2 3",	 "--1", "1e+",
	};
	size_t i;
	int64_t v;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(invalid); i++)
		if (num(invalid[i], &v) != VO_NUM_INVALID)
			fail_msg("'%s' should be invalid", invalid[i]);
	assert_int_equal(num("", &v), VO_NUM_MISSING);
	assert_int_equal(num("   ", &v), VO_NUM_MISSING);
	assert_int_equal(num("NaN", &v), VO_NUM_NAN);
	assert_int_equal(num("nan", &v), VO_NUM_NAN);
	assert_int_equal(num("-NAN", &v), VO_NUM_NAN);
}

static void test_num_typed(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(vo_num_from_f64(2640.0, &v), VO_NUM_WHOLE);
	assert_int_equal(v, 2640);
	assert_int_equal(vo_num_from_f64(-0.0, &v), VO_NUM_WHOLE);
	assert_int_equal(v, 0);
	assert_int_equal(vo_num_from_f64(2640.5, &v), VO_NUM_INVALID);
	assert_int_equal(vo_num_from_f64(-5.0, &v), VO_NUM_INVALID);
	assert_int_equal(vo_num_from_f64(1.0 / 0.0, &v), VO_NUM_INVALID);
	assert_int_equal(vo_num_from_f64(0.0 / 0.0, &v), VO_NUM_NAN);
	assert_int_equal(vo_num_from_f64(1e300, &v), VO_NUM_INVALID);
	assert_int_equal(vo_num_from_i64(15, 0, &v), VO_NUM_WHOLE);
	assert_int_equal(v, 15);
	assert_int_equal(vo_num_from_i64(1500, 2, &v), VO_NUM_WHOLE);
	assert_int_equal(v, 15);
	assert_int_equal(vo_num_from_i64(1550, 2, &v), VO_NUM_INVALID);
	assert_int_equal(vo_num_from_i64(-1, 0, &v), VO_NUM_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ts_forms),
		cmocka_unit_test(test_ts_invalid),
		cmocka_unit_test(test_ts_not_nul_terminated),
		cmocka_unit_test(test_ts_fixed_layout),
		cmocka_unit_test(test_ts_format_roundtrip),
		cmocka_unit_test(test_civil_roundtrip),
		cmocka_unit_test(test_num_whole),
		cmocka_unit_test(test_num_classes),
		cmocka_unit_test(test_num_typed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
