/*
 * test_segment.c - the counting rules of SPEC section 3: buckets, outside,
 * ties, fallback.  (The segment definitions are model/test_segdef.c's.)
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "clean/clean.h"
#include "core/civil.h"
#include "model/segdef.h"
#include "segment/segment.h"
#include "testutil.h"

/* Feeds kept rows (country, total, voucher, days) to a segmenter. */
static void feed(struct vo_segmenter *s, const int64_t (*rows)[4], size_t n)
{
	uint8_t outcome[16];
	uint32_t country[16];
	int64_t total[16];
	int64_t voucher[16];
	int64_t days[16];
	struct vo_clean_rows cr;
	struct vo_error err;
	size_t i;

	assert_true(n <= 16);
	memset(&cr, 0, sizeof(cr));
	for (i = 0; i < n; i++) {
		outcome[i] = rows[i][0] < 0 ? VO_OUT_OTHER_COUNTRY : VO_OUT_KEPT;
		country[i] = (uint32_t)(rows[i][0] < 0 ? 0 : rows[i][0]);
		total[i] = rows[i][1];
		voucher[i] = rows[i][2];
		days[i] = rows[i][3];
	}
	cr.nrows = n;
	cr.outcome = outcome;
	cr.country = country;
	cr.total = total;
	cr.voucher = voucher;
	cr.days = days;
	assert_int_equal(vo_segmenter_add(s, &cr, &err), VO_OK);
}

static void test_counting(void **state)
{
	static const int64_t rows[][4] = {
		/* country, total (-1 missing), voucher, days */
		{ 0, 1, 4400, 35 },  { 0, 2, 2640, 35 },  { 0, 3, 4400, 200 }, { 0, 4, 2640, 10 },
		{ 0, -1, 3520, 70 }, { 0, 50, 3520, 70 }, { -1, 1, 9999, 35 }, { 1, 6, 100, 95 },
	};
	struct vo_country_table t;
	struct vo_segconfig cfg;
	struct vo_segmenter *s;

	(void)state;
	assert_int_equal(vo_segconfig_default(&cfg), VO_OK);
	assert_int_equal(vo_segmenter_create(&s, &cfg), VO_OK);
	feed(s, rows, VO_ARRAY_SIZE(rows));
	assert_int_equal(vo_segmenter_table(s, 0, "Peru", &t), VO_OK);
	assert_int_equal(t.rows, 6);
	/* 2 x 4400, 2 x 2640, 2 x 3520: a three-way tie goes to the smallest */
	assert_true(t.fallback.has_voucher);
	assert_int_equal(t.fallback.voucher, 2640);
	assert_int_equal(t.fallback.voucher_rows, 2);
	/* 0-4: 4400, 2640, 4400, 2640 -> tie -> 2640 */
	assert_int_equal(t.cells[0].rows, 4);
	assert_int_equal(t.cells[0].voucher, 2640);
	assert_int_equal(t.cells[0].ncounts, 2);
	assert_int_equal(t.cells[0].counts[0].amount, 2640);
	assert_int_equal(t.cells[0].counts[1].amount, 4400);
	/* 5-13 and 14-37 are empty */
	assert_false(t.cells[1].has_voucher);
	assert_int_equal(t.cells[1].rows, 0);
	/* recency: 30-60 has 2 rows, 61-90 two (incl. the missing total), 180+ one */
	assert_int_equal(t.cells[3].rows, 2);
	assert_int_equal(t.cells[4].rows, 2);
	assert_int_equal(t.cells[4].voucher, 3520);
	assert_int_equal(t.cells[7].rows, 1);
	/* outside: total 50 (frequent), days 10 (recency); the missing total is in neither */
	assert_int_equal(vo_segmenter_outside(s, 0), 1);
	assert_int_equal(vo_segmenter_outside(s, 1), 1);
	vo_country_table_release(&t, cfg.ncells);

	/* a country with no kept rows: empty cells, no fallback */
	assert_int_equal(vo_segmenter_table(s, 5, "Nowhere", &t), VO_OK);
	assert_int_equal(t.rows, 0);
	assert_false(t.fallback.has_voucher);
	vo_country_table_release(&t, cfg.ncells);
	vo_segmenter_destroy(s);
	vo_segconfig_release(&cfg);
}

static void test_merge(void **state)
{
	static const int64_t a[][4] = { { 0, 1, 10, 35 }, { 0, 1, 20, 35 } };
	static const int64_t b[][4] = { { 0, 1, 20, 35 }, { 1, 1, 30, 35 } };
	struct vo_country_table t;
	struct vo_segconfig cfg;
	struct vo_segmenter *s1;
	struct vo_segmenter *s2;

	(void)state;
	assert_int_equal(vo_segconfig_default(&cfg), VO_OK);
	assert_int_equal(vo_segmenter_create(&s1, &cfg), VO_OK);
	assert_int_equal(vo_segmenter_create(&s2, &cfg), VO_OK);
	feed(s1, a, 2);
	feed(s2, b, 2);
	assert_int_equal(vo_segmenter_merge(s1, s2, NULL), VO_OK);
	assert_int_equal(vo_segmenter_table(s1, 0, "x", &t), VO_OK);
	assert_int_equal(t.rows, 3);
	assert_int_equal(t.fallback.voucher, 20);
	vo_country_table_release(&t, cfg.ncells);
	assert_int_equal(vo_segmenter_table(s1, 1, "y", &t), VO_OK);
	assert_int_equal(t.fallback.voucher, 30);
	vo_country_table_release(&t, cfg.ncells);
	vo_segmenter_destroy(s1);
	vo_segmenter_destroy(s2);
	vo_segconfig_release(&cfg);
}

/* ------------------------------------------------------------------------ */
/* vo_segmenter_count() against the row-by-row path                         */

#define RB_ROWS 4096

/* A random batch in the shapes readers hand out, with every kind of odd value. */
struct rbatch {
	struct vo_batch b;
	char ts_text[RB_ROWS][32];
	struct vo_str ts[RB_ROWS];
	uint8_t ts_valid[RB_ROWS];
	int64_t ts_us[RB_ROWS];
	uint32_t country_idx[RB_ROWS];
	uint8_t country_valid[RB_ROWS];
	uint32_t last_idx[RB_ROWS];
	int64_t first[RB_ROWS];
	uint8_t first_valid[RB_ROWS];
	uint32_t total_idx[RB_ROWS];
	uint8_t total_valid[RB_ROWS];
	int64_t voucher[RB_ROWS];
	uint8_t voucher_valid[RB_ROWS];
	char last_text[64][16];
	struct vo_str last_dict[64];
};

static const struct vo_str countries_dict[] = {
	VO_STR_LIT("Peru"), VO_STR_LIT(" peru"),  VO_STR_LIT("China"),
	VO_STR_LIT(""),	    VO_STR_LIT("Latvia"), VO_STR_LIT("CHINA "),
};
static const struct vo_str totals_dict[] = {
	VO_STR_LIT("2.0"), VO_STR_LIT(""),	VO_STR_LIT("abc"), VO_STR_LIT("-1"),
	VO_STR_LIT("15"),  VO_STR_LIT("nan"),	VO_STR_LIT("40"),  VO_STR_LIT("4"),
	VO_STR_LIT("5"),   VO_STR_LIT("0"),	VO_STR_LIT("13"),  VO_STR_LIT("38"),
	VO_STR_LIT("2.5"), VO_STR_LIT("1e400"),
};

static uint64_t rb_seed = 0x9e3779b97f4a7c15ull;

static unsigned rb(unsigned n)
{
	return (unsigned)(vo_test_xorshift(&rb_seed) % n);
}

/*
 * n rows; batch kind k picks the forms: the timestamp as strings or typed,
 * nulls or none, every row of a selected country or not.
 */
static void make_rbatch(struct rbatch *t, size_t n, unsigned kind, uint64_t dict_id)
{
	int64_t base = vo_days_from_civil(2018, 1, 1);
	size_t i;

	memset(&t->b, 0, sizeof(t->b));
	t->b.nrows = n;
	t->b.first_row = 1;
	for (i = 0; i < 64; i++) {
		int64_t y;
		unsigned m;
		unsigned d;

		vo_civil_from_days(base + (int64_t)i * 5 - 120, &y, &m, &d);
		snprintf(t->last_text[i], sizeof(t->last_text[i]), "%04d-%02u-%02u", (int)y, m, d);
		t->last_dict[i] = vo_str_cstr(t->last_text[i]);
	}
	if (!(kind & 16)) /* kind 16: no invalid timestamp anywhere */
		snprintf(t->last_text[63], sizeof(t->last_text[63]), "2018-02-30");
	t->last_dict[63] = vo_str_cstr(t->last_text[63]);
	for (i = 0; i < n; i++) {
		int64_t day = base + (int64_t)rb(400) - 100;
		int64_t y;
		unsigned m;
		unsigned d;
		unsigned form = rb(20);

		if (kind & 16 && form == 2)
			form = 4;

		vo_civil_from_days(day, &y, &m, &d);
		if (form == 0)
			snprintf(t->ts_text[i], sizeof(t->ts_text[i]),
				 "%04d-%02u-%02uT%02u:%02u:%02u", (int)y, m, d, rb(24), rb(60),
				 rb(60));
		else if (form == 1)
			snprintf(t->ts_text[i], sizeof(t->ts_text[i]), "%04d-%02u-%02u", (int)y, m,
				 d);
		else if (form == 2)
			snprintf(t->ts_text[i], sizeof(t->ts_text[i]), "%04d-%02u-%02u 24:00:00",
				 (int)y, m, d);
		else if (form == 3)
			snprintf(t->ts_text[i], sizeof(t->ts_text[i]), "%04d-%02u-%02u 10:00+05:00",
				 (int)y, m, d);
		else
			snprintf(t->ts_text[i], sizeof(t->ts_text[i]),
				 "%04d-%02u-%02u %02u:%02u:%02u.%06u", (int)y, m, d, rb(24), rb(60),
				 rb(60), rb(1000000));
		t->ts[i] = vo_str_cstr(t->ts_text[i]);
		t->ts_valid[i] = (uint8_t)(rb(50) != 0);
		t->ts_us[i] = day * VO_US_PER_DAY + (int64_t)rb(86400) * 1000000;
		t->country_valid[i] = (uint8_t)(kind & 1 ? rb(30) != 0 : 1);
		t->country_idx[i] = t->country_valid[i] ? rb(kind & 2 && !(kind & 16) ? 6 : 3)
							: (kind & 16 ? 3 : 6);
		t->last_idx[i] = rb(64);
		t->first[i] = (base + (int64_t)rb(300) - 250) * VO_US_PER_DAY;
		t->first_valid[i] = (uint8_t)(kind & 16 || rb(40) != 0);
		t->total_valid[i] = (uint8_t)(rb(15) != 0);
		t->total_idx[i] = t->total_valid[i] ? rb(VO_ARRAY_SIZE(totals_dict))
						    : (uint32_t)VO_ARRAY_SIZE(totals_dict);
		t->voucher_valid[i] = (uint8_t)(rb(40) != 0);
		t->voucher[i] = rb(25) == 0   ? VO_I64_NOT_WHOLE
				: rb(25) == 0 ? -10
				: rb(25) == 0 ? 26405
					      : (int64_t)(1 + rb(kind & 4 ? 60 : 7)) * 4400;
	}
	if (kind & 8)
		t->b.col[VO_COL_TIMESTAMP] =
			(struct vo_column){ .type = VO_V_STR,
					    .valid = kind & 1 ? t->ts_valid : NULL,
					    .nvalues = n,
					    .values.str = t->ts };
	else
		t->b.col[VO_COL_TIMESTAMP] =
			(struct vo_column){ .type = VO_V_TS, .nvalues = n, .values.i64 = t->ts_us };
	t->b.col[VO_COL_COUNTRY] = (struct vo_column){
		.type = VO_V_STR,
		.valid = kind & 1 ? t->country_valid : NULL,
		.idx = t->country_idx,
		.dict_id = dict_id,
		.nvalues = kind & 16 ? 3 : 6, /* (16: every entry used, none empty) */
		.values.str = countries_dict
	};
	t->b.col[VO_COL_LAST_ORDER_TS] = (struct vo_column){ .type = VO_V_STR,
							     .idx = t->last_idx,
							     .dict_id = dict_id,
							     .nvalues = 64,
							     .values.str = t->last_dict };
	t->b.col[VO_COL_FIRST_ORDER_TS] =
		(struct vo_column){ .type = VO_V_TS,
				    .valid = kind & 16 ? NULL : t->first_valid,
				    .nvalues = n,
				    .values.i64 = t->first };
	t->b.col[VO_COL_TOTAL_ORDERS] = (struct vo_column){ .type = VO_V_STR,
							    .valid = t->total_valid,
							    .idx = t->total_idx,
							    .dict_id = dict_id,
							    .nvalues = VO_ARRAY_SIZE(totals_dict),
							    .values.str = totals_dict };
	t->b.col[VO_COL_VOUCHER_AMOUNT] = (struct vo_column){ .type = VO_V_I64,
							      .scale = 1,
							      .valid = t->voucher_valid,
							      .nvalues = n,
							      .values.i64 = t->voucher };
}

static void same_cell(const struct vo_cell *a, const struct vo_cell *b)
{
	size_t i;

	assert_int_equal(a->rows, b->rows);
	assert_int_equal(a->has_voucher, b->has_voucher);
	assert_int_equal(a->voucher, b->voucher);
	assert_int_equal(a->ncounts, b->ncounts);
	for (i = 0; i < a->ncounts; i++) {
		assert_int_equal(a->counts[i].amount, b->counts[i].amount);
		assert_int_equal(a->counts[i].rows, b->counts[i].rows);
	}
}

/*
 * Partial results (pipeline/shard.c, merge.c): s's tables imported per slot
 * into a fresh segmenter give the same tables, even though s counts per
 * (total class, days class) column; the per-country outside counts sum to
 * the total; and a joint segmenter merged into a slot-laid one adds up.
 */
static void check_import(const struct vo_segconfig *cfg, const struct vo_segmenter *s,
			 size_t ncountries)
{
	struct vo_segmenter *imp = NULL;
	struct vo_segmenter *twice = NULL;
	size_t i;
	size_t k;
	size_t v;
	size_t g;

	assert_int_equal(vo_segmenter_create(&imp, cfg), VO_OK);
	assert_int_equal(vo_segmenter_create(&twice, cfg), VO_OK);
	for (i = 0; i < ncountries; i++) {
		struct vo_country_table a;

		assert_int_equal(vo_segmenter_table(s, (uint32_t)i, "x", &a), VO_OK);
		for (v = 0; v < a.fallback.ncounts; v++) {
			assert_int_equal(vo_segmenter_import(imp, (uint32_t)i, 0,
							     a.fallback.counts[v].amount,
							     a.fallback.counts[v].rows),
					 VO_OK);
			assert_int_equal(vo_segmenter_import(twice, (uint32_t)i, 0,
							     a.fallback.counts[v].amount,
							     a.fallback.counts[v].rows),
					 VO_OK);
		}
		for (k = 0; k < cfg->ncells; k++)
			for (v = 0; v < a.cells[k].ncounts; v++) {
				assert_int_equal(vo_segmenter_import(imp, (uint32_t)i, 1 + k,
								     a.cells[k].counts[v].amount,
								     a.cells[k].counts[v].rows),
						 VO_OK);
				assert_int_equal(vo_segmenter_import(twice, (uint32_t)i, 1 + k,
								     a.cells[k].counts[v].amount,
								     a.cells[k].counts[v].rows),
						 VO_OK);
			}
		vo_country_table_release(&a, cfg->ncells);
	}
	assert_int_equal(vo_segmenter_merge(twice, s, NULL), VO_OK);
	for (i = 0; i < ncountries; i++) {
		struct vo_country_table a;
		struct vo_country_table b;
		struct vo_country_table d;

		assert_int_equal(vo_segmenter_table(s, (uint32_t)i, "x", &a), VO_OK);
		assert_int_equal(vo_segmenter_table(imp, (uint32_t)i, "x", &b), VO_OK);
		assert_int_equal(vo_segmenter_table(twice, (uint32_t)i, "x", &d), VO_OK);
		assert_int_equal(a.rows, b.rows);
		assert_int_equal(2 * a.rows, d.rows);
		same_cell(&a.fallback, &b.fallback);
		assert_int_equal(2 * a.fallback.rows, d.fallback.rows);
		assert_int_equal(a.fallback.voucher, d.fallback.voucher);
		for (k = 0; k < cfg->ncells; k++) {
			same_cell(&a.cells[k], &b.cells[k]);
			assert_int_equal(2 * a.cells[k].rows, d.cells[k].rows);
			assert_int_equal(a.cells[k].voucher, d.cells[k].voucher);
		}
		vo_country_table_release(&a, cfg->ncells);
		vo_country_table_release(&b, cfg->ncells);
		vo_country_table_release(&d, cfg->ncells);
	}
	for (g = 0; g < cfg->nsegs; g++) {
		uint64_t sum = 0;

		for (i = 0; i < ncountries; i++)
			sum += vo_segmenter_country_outside(s, (uint32_t)i, g);
		assert_int_equal(sum, vo_segmenter_outside(s, g));
	}
	vo_segmenter_destroy(imp);
	vo_segmenter_destroy(twice);
}

/*
 * The same batches through vo_segmenter_count() (histogram, or row by row
 * when the classes are too many) and through vo_cleaner_run() +
 * vo_segmenter_add(): the same quality figures and tables.
 */
static void check_paths(const struct vo_segconfig *cfg, const char *selection)
{
	static struct rbatch t;
	const char *sel[] = { selection };
	struct vo_cleaner *c1 = NULL;
	struct vo_cleaner *c2 = NULL;
	struct vo_segmenter *s1 = NULL;
	struct vo_segmenter *s2 = NULL;
	struct vo_clean_rows rows;
	struct vo_error err;
	const struct vo_quality *q1;
	const struct vo_quality *q2;
	unsigned batch;
	size_t i;
	size_t k;

	assert_int_equal(vo_cleaner_create(&c1, sel, 1, &err), VO_OK);
	assert_int_equal(vo_cleaner_create(&c2, sel, 1, &err), VO_OK);
	assert_int_equal(vo_segmenter_create(&s1, cfg), VO_OK);
	assert_int_equal(vo_segmenter_create(&s2, cfg), VO_OK);
	for (batch = 0; batch < 48; batch++) {
		size_t n = batch % 5 == 4 ? 1 + rb(100) : RB_ROWS;

		/* (kind 16 changes the dictionaries: other ids) */
		make_rbatch(&t, n, batch % 32, (batch % 32 >= 16 ? 1000 : 1) + batch / 3);
		assert_int_equal(vo_segmenter_count(s1, c1, &t.b, "t", &err), VO_OK);
		assert_int_equal(vo_cleaner_run(c2, &t.b, "t", &rows, &err), VO_OK);
		assert_int_equal(vo_segmenter_add(s2, &rows, &err), VO_OK);
	}
	assert_int_equal(vo_segmenter_flush(s1, c1, "t", &err), VO_OK);
	q1 = vo_cleaner_quality(c1);
	q2 = vo_cleaner_quality(c2);
	assert_int_equal(q1->rows_read, q2->rows_read);
	assert_int_equal(q1->rows_kept, q2->rows_kept);
	assert_true(q1->rows_kept > 0);
	assert_int_equal(q1->missing_total_orders, q2->missing_total_orders);
	for (i = 0; i < VO_OUT_KEPT; i++)
		assert_int_equal(q1->dropped[i], q2->dropped[i]);
	for (i = 0; i < cfg->nsegs; i++)
		assert_int_equal(vo_segmenter_outside(s1, i), vo_segmenter_outside(s2, i));
	assert_int_equal(vo_cleaner_country_count(c1), vo_cleaner_country_count(c2));
	for (i = 0; i < vo_cleaner_country_count(c1); i++) {
		struct vo_country_table a;
		struct vo_country_table b;

		assert_string_equal(vo_cleaner_country_name(c1, (uint32_t)i),
				    vo_cleaner_country_name(c2, (uint32_t)i));
		assert_int_equal(vo_segmenter_table(s1, (uint32_t)i, "x", &a), VO_OK);
		assert_int_equal(vo_segmenter_table(s2, (uint32_t)i, "x", &b), VO_OK);
		assert_int_equal(a.rows, b.rows);
		same_cell(&a.fallback, &b.fallback);
		for (k = 0; k < cfg->ncells; k++)
			same_cell(&a.cells[k], &b.cells[k]);
		vo_country_table_release(&a, cfg->ncells);
		vo_country_table_release(&b, cfg->ncells);
	}
	check_import(cfg, s1, vo_cleaner_country_count(c1));
	vo_segmenter_destroy(s1);
	vo_segmenter_destroy(s2);
	vo_cleaner_destroy(c1);
	vo_cleaner_destroy(c2);
}

static void test_count_paths(void **state)
{
	/* Many buckets: more classes than the histogram takes (row by row). */
	char wide[16384];
	size_t at;
	int b;
	/* A bound too large for a table of days (row by row too). */
	static const char huge[] =
		"{\"segments\": {\"far\": {\"field\": \"days_since_last_order\", \"buckets\": ["
		"{\"min\": 0, \"max\": 99999999}]}, \"t\": {\"field\": \"total_orders\", "
		"\"buckets\": [{\"min\": 3, \"max\": 9}]}}}";
	struct vo_segconfig cfg;
	struct vo_error err;

	(void)state;
	assert_int_equal(vo_segconfig_default(&cfg), VO_OK);
	check_paths(&cfg, "all");
	check_paths(&cfg, "Peru");
	check_paths(&cfg, "china");
	vo_segconfig_release(&cfg);

	at = (size_t)snprintf(
		wide, sizeof(wide),
		"{\"segments\": {\"a\": {\"field\": \"total_orders\", \"buckets\": [");
	for (b = 0; b < 100; b++)
		at += (size_t)snprintf(wide + at, sizeof(wide) - at, "%s{\"min\": %d, \"max\": %d}",
				       b ? ", " : "", 2 * b, 2 * b);
	at += (size_t)snprintf(wide + at, sizeof(wide) - at,
			       "]}, \"r\": {\"field\": \"days_since_last_order\", \"buckets\": [");
	for (b = 0; b < 100; b++)
		at += (size_t)snprintf(wide + at, sizeof(wide) - at, "%s{\"min\": %d, \"max\": %d}",
				       b ? ", " : "", 3 * b, 3 * b + 1);
	snprintf(wide + at, sizeof(wide) - at, "]}}}");
	assert_int_equal(vo_segconfig_parse(&cfg, wide, strlen(wide), "wide", &err), VO_OK);
	check_paths(&cfg, "all");
	vo_segconfig_release(&cfg);
	assert_int_equal(vo_segconfig_parse(&cfg, huge, strlen(huge), "huge", &err), VO_OK);
	check_paths(&cfg, "all");
	vo_segconfig_release(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_count_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
