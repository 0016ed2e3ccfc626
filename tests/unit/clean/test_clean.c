/*
 * test_clean.c - every cleaning rule of SPEC section 2, in order, on
 * hand-made batches (string, typed and dictionary-coded columns).
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "clean/clean.h"
#include "core/civil.h"
#include "core/limits.h"
#include "model/value.h"

/* One row as strings; NULL is a null value. */
struct row {
	const char *v[VO_COL_COUNT];
};

#define MAXROWS 64

struct table {
	struct vo_str str[VO_COL_COUNT][MAXROWS];
	uint8_t valid[VO_COL_COUNT][MAXROWS];
	struct vo_batch batch;
};

static void make_batch(struct table *t, const struct row *rows, size_t n)
{
	size_t i;
	int k;

	memset(t, 0, sizeof(*t));
	assert_true(n <= MAXROWS);
	t->batch.nrows = n;
	t->batch.first_row = 1;
	for (k = 0; k < VO_COL_COUNT; k++) {
		t->batch.col[k].type = VO_V_STR;
		t->batch.col[k].valid = t->valid[k];
		t->batch.col[k].nvalues = n;
		t->batch.col[k].values.str = t->str[k];
		for (i = 0; i < n; i++) {
			const char *s = rows[i].v[k];

			t->valid[k][i] = s != NULL;
			t->str[k][i] = s ? vo_str_cstr(s) : vo_str_make(NULL, 0);
		}
	}
}

static struct vo_cleaner *cleaner_for(const char *country)
{
	struct vo_cleaner *c = NULL;
	struct vo_error err;
	const char *list[] = { country };

	assert_int_equal(vo_cleaner_create(&c, list, 1, &err), VO_OK);
	return c;
}

#define GOOD "2018-07-21 18:59:21.102761", "Peru", "2018-04-20", "2017-01-01 00:00:00"

static void test_each_rule(void **state)
{
	static const struct row rows[] = {
		{ { GOOD, "2.0", "2640.0" } },					       /* kept */
		{ { "2018-07-21", "Latvia", "2018-04-20", "2017-01-01", "1", "10" } }, /* other */
		{ { "2018-07-21", "", "2018-04-20", "2017-01-01", "1", "10" } },       /* other */
		{ { "2018-07-21", NULL, "2018-04-20", "2017-01-01", "1", "10" } },     /* other */
		{ { "2018-02-30", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },   /* ts */
		{ { "2018-07-21", "Peru", NULL, "2017-01-01", "1", "10" } },	       /* ts */
		{ { "2018-07-21", "Peru", "2018-04-20", "garbage", "1", "10" } },      /* ts */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "2.5", "10" } }, /* total */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "-1", "10" } },  /* total */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "NaN", "10" } }, /* total */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "abc",
		    "" } },							   /* total first */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "3", "" } }, /* missing v */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "3", NULL } }, /* missing v */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "3",
		    "nan" } },							     /* missing v */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "3", "-5" } }, /* invalid v */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "3",
		    "2640.5" } }, /* invalid v */
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "3",
		    "inf" } }, /* invalid v */
		{ { "2018-07-21", "Peru", "2018-04-20", "2018-04-21", "3",
		    "10" } }, /* first>last */
		{ { "2018-04-19 23:00", "Peru", "2018-04-20", "2017-01-01", "3",
		    "10" } }, /* before */
		{ { "2018-07-21", " peru ", "2018-04-20", "2018-04-20 23:59", "",
		    "10" } }, /* kept, missing total */
		{ { "2018-04-20", "PERU", "2018-04-20", "2018-04-20", NULL, "0" } }, /* kept */
		/* an offset moves the order to the previous UTC date: before the last order */
		{ { "2018-04-20T01:00:00+02:00", "Peru", "2018-04-20", "2017-01-01", "1", "1" } },
	};
	static const enum vo_outcome want[] = {
		VO_OUT_KEPT,
		VO_OUT_OTHER_COUNTRY,
		VO_OUT_OTHER_COUNTRY,
		VO_OUT_OTHER_COUNTRY,
		VO_OUT_INVALID_TIMESTAMP,
		VO_OUT_INVALID_TIMESTAMP,
		VO_OUT_INVALID_TIMESTAMP,
		VO_OUT_INVALID_TOTAL_ORDERS,
		VO_OUT_INVALID_TOTAL_ORDERS,
		VO_OUT_INVALID_TOTAL_ORDERS,
		VO_OUT_INVALID_TOTAL_ORDERS,
		VO_OUT_MISSING_VOUCHER_AMOUNT,
		VO_OUT_MISSING_VOUCHER_AMOUNT,
		VO_OUT_MISSING_VOUCHER_AMOUNT,
		VO_OUT_INVALID_VOUCHER_AMOUNT,
		VO_OUT_INVALID_VOUCHER_AMOUNT,
		VO_OUT_INVALID_VOUCHER_AMOUNT,
		VO_OUT_FIRST_AFTER_LAST,
		VO_OUT_ORDER_BEFORE_LAST,
		VO_OUT_KEPT,
		VO_OUT_KEPT,
		VO_OUT_ORDER_BEFORE_LAST,
	};
	struct vo_cleaner *c = cleaner_for("Peru");
	const struct vo_quality *q;
	struct vo_clean_rows out;
	struct vo_error err;
	struct table t;
	size_t i;

	(void)state;
	make_batch(&t, rows, VO_ARRAY_SIZE(rows));
	assert_int_equal(vo_cleaner_run(c, &t.batch, "t.csv", &out, &err), VO_OK);
	assert_int_equal(out.nrows, VO_ARRAY_SIZE(rows));
	for (i = 0; i < VO_ARRAY_SIZE(rows); i++)
		if (out.outcome[i] != want[i])
			fail_msg("row %zu: outcome %s, want %s", i, vo_outcome_name(out.outcome[i]),
				 vo_outcome_name(want[i]));
	assert_int_equal(out.total[0], 2);
	assert_int_equal(out.voucher[0], 2640);
	assert_int_equal(out.days[0], 92);
	assert_int_equal(out.total[19], -1);
	assert_int_equal(out.total[20], -1);
	assert_int_equal(out.days[20], 0);
	assert_int_equal(out.country[19], 0);
	q = vo_cleaner_quality(c);
	assert_int_equal(q->rows_read, VO_ARRAY_SIZE(rows));
	assert_int_equal(q->rows_kept, 3);
	assert_int_equal(q->missing_total_orders, 2);
	assert_int_equal(q->dropped[VO_OUT_OTHER_COUNTRY], 3);
	assert_int_equal(q->dropped[VO_OUT_INVALID_TIMESTAMP], 3);
	assert_int_equal(q->dropped[VO_OUT_INVALID_TOTAL_ORDERS], 4);
	assert_int_equal(q->dropped[VO_OUT_MISSING_VOUCHER_AMOUNT], 3);
	assert_int_equal(q->dropped[VO_OUT_INVALID_VOUCHER_AMOUNT], 3);
	assert_int_equal(q->dropped[VO_OUT_FIRST_AFTER_LAST], 1);
	assert_int_equal(q->dropped[VO_OUT_ORDER_BEFORE_LAST], 2);
	assert_string_equal(vo_cleaner_country_name(c, 0), "Peru");
	vo_cleaner_destroy(c);
}

static void test_all_spelling(void **state)
{
	/* "China" twice, "CHINA" twice: tie goes to the smaller in byte order ("CHINA") */
	static const struct row rows[] = {
		{ { "2018-07-21", " china", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "China", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "China", "2018-04-20", "garbage", "1", "10" } },
		{ { "2018-07-21", "CHINA", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "CHINA ", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "  ", "2018-04-20", "2017-01-01", "1", "10" } },
	};
	struct vo_cleaner *c = cleaner_for("all");
	struct vo_clean_rows out;
	struct vo_error err;
	struct table t;

	(void)state;
	make_batch(&t, rows, VO_ARRAY_SIZE(rows));
	assert_int_equal(vo_cleaner_run(c, &t.batch, "t.csv", &out, &err), VO_OK);
	assert_int_equal(vo_cleaner_country_count(c), 2);
	assert_string_equal(vo_cleaner_country_name(c, out.country[0]), "CHINA");
	assert_int_equal(out.country[0], out.country[3]);
	assert_string_equal(vo_cleaner_country_name(c, out.country[5]), "Peru");
	assert_int_equal(out.outcome[6], VO_OUT_OTHER_COUNTRY);
	assert_int_equal(vo_cleaner_quality(c)->rows_kept, 5);
	vo_cleaner_destroy(c);
}

static void test_typed_and_dictionary(void **state)
{
	/* Parquet-like columns: typed timestamps, a dictionary country, doubles. */
	static const struct vo_str countries[] = { { "Peru", 4 }, { "Latvia", 6 } };
	static const uint32_t cidx[] = { 0, 1, 0, 0 };
	static const struct vo_str order[] = { { "2018-07-21", 10 },
					       { "2018-07-21", 10 },
					       { "2018-07-21", 10 },
					       { "2018-07-21", 10 } };
	int64_t last[4];
	int64_t first[4];
	static const double totals[] = { 2.0, 1.0, 3.0, 4.0 };
	static const double vouchers[] = { 2640.0, 1.0, 0.0, 2640.0 };
	static const uint8_t vvalid[] = { 1, 1, 0, 1 };
	struct vo_cleaner *c = cleaner_for("peru");
	struct vo_clean_rows out;
	struct vo_error err;
	struct vo_batch b;
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		last[i] = vo_days_from_civil(2018, 4, 20); /* a DATE column */
		first[i] = vo_days_from_civil(2017, 1, 1) * VO_US_PER_DAY;
	}
	first[3] = vo_days_from_civil(2018, 4, 21) * VO_US_PER_DAY;
	memset(&b, 0, sizeof(b));
	b.nrows = 4;
	b.first_row = 1;
	b.col[VO_COL_TIMESTAMP] =
		(struct vo_column){ .type = VO_V_STR, .nvalues = 4, .values.str = order };
	b.col[VO_COL_COUNTRY] = (struct vo_column){
		.type = VO_V_STR, .idx = cidx, .dict_id = 7, .nvalues = 2, .values.str = countries
	};
	b.col[VO_COL_LAST_ORDER_TS] =
		(struct vo_column){ .type = VO_V_DATE, .nvalues = 4, .values.i64 = last };
	b.col[VO_COL_FIRST_ORDER_TS] =
		(struct vo_column){ .type = VO_V_TS, .nvalues = 4, .values.i64 = first };
	b.col[VO_COL_TOTAL_ORDERS] =
		(struct vo_column){ .type = VO_V_F64, .nvalues = 4, .values.f64 = totals };
	b.col[VO_COL_VOUCHER_AMOUNT] = (struct vo_column){
		.type = VO_V_F64, .valid = vvalid, .nvalues = 4, .values.f64 = vouchers
	};
	assert_int_equal(vo_cleaner_run(c, &b, "t.parquet", &out, &err), VO_OK);
	assert_int_equal(out.outcome[0], VO_OUT_KEPT);
	assert_int_equal(out.outcome[1], VO_OUT_OTHER_COUNTRY);
	assert_int_equal(out.outcome[2], VO_OUT_MISSING_VOUCHER_AMOUNT);
	assert_int_equal(out.outcome[3], VO_OUT_FIRST_AFTER_LAST);
	assert_int_equal(out.days[0], 92);
	assert_string_equal(vo_cleaner_country_name(c, 0), "peru");

	/* a dictionary index past the dictionary is an error, not a read out of bounds */
	{
		static const uint32_t bad[] = { 0, 5, 0, 0 };

		b.col[VO_COL_COUNTRY].idx = bad;
		b.col[VO_COL_COUNTRY].dict_id = 8;
		assert_int_equal(vo_cleaner_run(c, &b, "t.parquet", &out, &err), VO_EFORMAT);
		assert_non_null(strstr(err.msg, "t.parquet: row 2: column 'country_code'"));
	}
	/* a column type that cannot hold the field is an error naming the column */
	b.col[VO_COL_COUNTRY].idx = cidx;
	b.col[VO_COL_TIMESTAMP] =
		(struct vo_column){ .type = VO_V_F64, .nvalues = 4, .values.f64 = totals };
	assert_int_equal(vo_cleaner_run(c, &b, "t.parquet", &out, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "column 'timestamp'"));
	vo_cleaner_destroy(c);
}

/* Unicode case folding (issue 14, item 17): -c PERÚ keeps Perú, perú and PERÚ. */
static void test_unicode_case(void **state)
{
	static const struct row rows[] = {
		{ { "2018-07-21", "Perú", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", " perú ", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "PERÚ", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "PERú", "2018-04-20", "2017-01-01", "1", "10" } },
		{ { "2018-07-21", "Perú", "2018-04-20", "2017-01-01", "1", "10" } },
	};
	struct vo_cleaner *c = cleaner_for("PERÚ");
	struct vo_clean_rows out;
	struct vo_error err;
	struct table t;

	(void)state;
	make_batch(&t, rows, VO_ARRAY_SIZE(rows));
	assert_int_equal(vo_cleaner_run(c, &t.batch, "t.csv", &out, &err), VO_OK);
	assert_int_equal(vo_cleaner_quality(c)->rows_kept, 5);
	assert_int_equal(out.outcome[3], VO_OUT_OTHER_COUNTRY);
	assert_string_equal(vo_cleaner_country_name(c, 0), "PERÚ");
	vo_cleaner_destroy(c);

	/* With "all" the spellings are one country, named by the most frequent. */
	c = cleaner_for("all");
	assert_int_equal(vo_cleaner_run(c, &t.batch, "t.csv", &out, &err), VO_OK);
	assert_int_equal(vo_cleaner_country_count(c), 2);
	assert_int_equal(out.country[0], out.country[2]);
	assert_int_equal(out.country[0], out.country[4]);
	assert_int_not_equal(out.country[0], out.country[3]);
	assert_string_equal(vo_cleaner_country_name(c, out.country[0]), "Perú");
	vo_cleaner_destroy(c);
}

/*
 * Names that cannot be artifact keys (issue 14, items 13 and 18): under "all"
 * the first row with one stops the run naming file, row and column; under a
 * named selection they are simply other countries.
 */
static void test_bad_names(void **state)
{
	static const char *const bad[] = { "Per\xfa", NULL, NULL };
	static const char *const why[] = { "is not valid UTF-8 (byte 0xfa at offset 3)",
					   "holds a NUL byte (at offset 4)",
					   "is 300 bytes long, more than the limit of 256" };
	char longname[301];
	size_t i;

	(void)state;
	memset(longname, 'x', 300);
	longname[300] = '\0';
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++) {
		struct row rows[3] = {
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
		};
		struct vo_cleaner *c = cleaner_for("all");
		struct vo_clean_rows out;
		struct vo_error err;
		struct table t;

		rows[1].v[VO_COL_COUNTRY] = bad[i] ? bad[i] : i == 1 ? "Peru" : longname;
		make_batch(&t, rows, 3);
		if (i == 1)
			t.str[VO_COL_COUNTRY][1] = vo_str_make("Peru\0", 5);
		assert_int_equal(vo_cleaner_run(c, &t.batch, "t.csv", &out, &err), VO_EFORMAT);
		assert_non_null(strstr(err.msg, "t.csv: row 2: column 'country_code': "));
		assert_non_null(strstr(err.msg, why[i]));
		vo_cleaner_destroy(c);

		c = cleaner_for("Peru");
		assert_int_equal(vo_cleaner_run(c, &t.batch, "t.csv", &out, &err), VO_OK);
		assert_int_equal(out.outcome[1], VO_OUT_OTHER_COUNTRY);
		assert_int_equal(vo_cleaner_quality(c)->rows_kept, 2);
		vo_cleaner_destroy(c);
	}
	/* A dictionary entry is judged once; the message names the first row that uses it. */
	{
		static const struct row rows[4] = {
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
			{ { "2018-07-21", "Peru", "2018-04-20", "2017-01-01", "1", "10" } },
		};
		static const struct vo_str dict[] = { { "Peru", 4 }, { "Per\xfa", 4 } };
		static const uint32_t idx[] = { 0, 0, 1, 1 };
		struct vo_cleaner *c = cleaner_for("all");
		struct vo_clean_rows out;
		struct vo_error err;
		struct table t;

		make_batch(&t, rows, 4);
		t.batch.first_row = 4097;
		t.batch.col[VO_COL_COUNTRY].idx = idx;
		t.batch.col[VO_COL_COUNTRY].dict_id = 3;
		t.batch.col[VO_COL_COUNTRY].nvalues = 2;
		t.batch.col[VO_COL_COUNTRY].values.str = dict;
		assert_int_equal(vo_cleaner_run(c, &t.batch, "t.parquet", &out, &err), VO_EFORMAT);
		assert_non_null(strstr(err.msg, "t.parquet: row 4099: column 'country_code': the "
						"country name is not valid UTF-8"));
		vo_cleaner_destroy(c);
	}
}

static void test_selection_args(void **state)
{
	const char *bad1[] = { "Peru", "all" };
	const char *bad2[] = { " " };
	const char *dup[] = { "Peru", "PERU", "China" };
	struct vo_cleaner *c = NULL;
	struct vo_error err;

	(void)state;
	assert_int_equal(vo_cleaner_create(&c, bad1, 2, &err), VO_EINVAL);
	assert_null(c);
	assert_int_equal(vo_cleaner_create(&c, bad2, 1, &err), VO_EINVAL);
	assert_int_equal(vo_cleaner_create(&c, dup, 3, &err), VO_OK);
	assert_int_equal(vo_cleaner_country_count(c), 2);
	assert_string_equal(vo_cleaner_country_name(c, 1), "China");
	vo_cleaner_destroy(c);
	/* Unicode duplicates merge too; names the artifact cannot carry are refused. */
	{
		const char *udup[] = { "Perú", "PERÚ" };
		const char *latin1[] = { "Per\xfa" };
		char longname[VO_NAME_MAX + 2];
		const char *toolong[] = { longname };

		assert_int_equal(vo_cleaner_create(&c, udup, 2, &err), VO_OK);
		assert_int_equal(vo_cleaner_country_count(c), 1);
		vo_cleaner_destroy(c);
		c = NULL;
		assert_int_equal(vo_cleaner_create(&c, latin1, 1, &err), VO_EINVAL);
		assert_non_null(strstr(err.msg, "not valid UTF-8"));
		memset(longname, 'a', VO_NAME_MAX + 1);
		longname[VO_NAME_MAX + 1] = '\0';
		assert_int_equal(vo_cleaner_create(&c, toolong, 1, &err), VO_EINVAL);
		assert_non_null(strstr(err.msg, "more than the limit of 256"));
		longname[VO_NAME_MAX] = '\0';
		assert_int_equal(vo_cleaner_create(&c, toolong, 1, &err), VO_OK);
		vo_cleaner_destroy(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_all_spelling),
		cmocka_unit_test(test_typed_and_dictionary),
		cmocka_unit_test(test_unicode_case),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_selection_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
