/*
 * test_segment.c - the counting rules of SPEC section 3: buckets, outside,
 * ties, fallback.  (The segment definitions are model/test_segdef.c's.)
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "clean/clean.h"
#include "model/segdef.h"
#include "segment/segment.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counting),
		cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
