/*
 * test_gen.c - the sample-data generator: same bytes for the same seed,
 * a file the CSV reader accepts, value shapes and distributions close to
 * the ones gen.h promises, and atomic replacement of the output.
 */
#include "core/common.h"

#include <dirent.h>
#include <setjmp.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/civil.h"
#include "core/fileio.h"
#include "gen/gen.h"
#include "ingest/csv.h"
#include "testutil.h"

#define HEADER "timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n"

static void gen(const char *path, uint64_t rows, uint64_t seed)
{
	struct vo_gen_options opt = { rows, seed };
	struct vo_error err;
	int rc = vo_gen_write_csv(&opt, path, &err);

	if (rc)
		fail_msg("gen failed (%d): %s", rc, err.msg);
}

static void slurp(const char *path, struct vo_buf *out)
{
	struct vo_error err;

	vo_buf_reset(out);
	if (vo_read_file(path, SIZE_MAX, out, &err))
		fail_msg("%s", err.msg);
}

/* Files in the temporary folder whose names contain "tmp". */
static int count_temp_files(void)
{
	DIR *d = opendir(vo_test_dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, "tmp"))
			n++;
	closedir(d);
	return n;
}

static void test_deterministic(void **state)
{
	static const char pinned[] = HEADER
		"2018-06-14 19:09:35.074457,China,2018-05-14,2018-05-14 00:00:00,,1760.0\n"
		"2018-06-17 18:48:02.043907,China,2018-05-17,2018-05-12 00:00:00,7.0,1760.0\n";
	char a[600];
	char b[600];
	char c[600];
	struct vo_buf ba;
	struct vo_buf bb;
	struct vo_buf bc;

	(void)state;
	vo_test_path(a, sizeof(a), "a.csv");
	vo_test_path(b, sizeof(b), "b.csv");
	vo_test_path(c, sizeof(c), "c.csv");
	vo_buf_init(&ba, SIZE_MAX);
	vo_buf_init(&bb, SIZE_MAX);
	vo_buf_init(&bc, SIZE_MAX);
	gen(a, 30000, 42);
	gen(b, 30000, 42);
	gen(c, 30000, 43);
	slurp(a, &ba);
	slurp(b, &bb);
	slurp(c, &bc);
	assert_true(ba.len > (size_t)30000 * 60);
	assert_int_equal(ba.len, bb.len);
	assert_memory_equal(ba.ptr, bb.ptr, ba.len);
	assert_true(ba.len != bc.len || memcmp(ba.ptr, bc.ptr, ba.len) != 0);
	/* Same header, different rows from the first one on. */
	assert_memory_equal(bc.ptr, HEADER, strlen(HEADER));
	assert_true(memcmp(ba.ptr, bc.ptr, strlen(HEADER) + 30) != 0);
	/* Pinned: the data set of a seed never changes by accident (or by compiler). */
	assert_true(ba.len > strlen(pinned));
	assert_memory_equal(ba.ptr, pinned, strlen(pinned));
	/* A prefix of a longer run is the shorter run. */
	gen(b, 1000, 42);
	slurp(b, &bb);
	assert_memory_equal(ba.ptr, bb.ptr, bb.len);
	assert_int_equal(ba.ptr[bb.len - 1], '\n');
	vo_buf_release(&ba);
	vo_buf_release(&bb);
	vo_buf_release(&bc);
}

static bool all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

/* Parses "YYYY-MM-DD" into a day number, checking the calendar. */
static int64_t parse_date(struct vo_str s)
{
	int64_t y;
	unsigned m;
	unsigned d;

	assert_true(s.len >= 10);
	assert_true(all_digits(s.ptr, 4) && s.ptr[4] == '-' && all_digits(s.ptr + 5, 2) &&
		    s.ptr[7] == '-' && all_digits(s.ptr + 8, 2));
	y = (s.ptr[0] - '0') * 1000 + (s.ptr[1] - '0') * 100 + (s.ptr[2] - '0') * 10 +
	    (s.ptr[3] - '0');
	m = (unsigned)((s.ptr[5] - '0') * 10 + (s.ptr[6] - '0'));
	d = (unsigned)((s.ptr[8] - '0') * 10 + (s.ptr[9] - '0'));
	assert_true(m >= 1 && m <= 12);
	assert_true(d >= 1 && d <= vo_days_in_month(y, m));
	return vo_days_from_civil(y, m, d);
}

/* "N.0" with N a whole number; returns N. */
static long parse_float(struct vo_str s)
{
	long v = 0;
	size_t i;

	assert_true(s.len >= 3 && s.len <= 12);
	assert_memory_equal(s.ptr + s.len - 2, ".0", 2);
	assert_true(all_digits(s.ptr, s.len - 2));
	assert_true(s.len == 3 || s.ptr[0] != '0');
	for (i = 0; i + 2 < s.len; i++)
		v = v * 10 + (s.ptr[i] - '0');
	return v;
}

#define NEAR(count, total, pct, tol)                                                  \
	do {                                                                          \
		double got_ = 100.0 * (double)(count) / (double)(total);              \
		if (got_ < (pct) - (tol) || got_ > (pct) + (tol))                     \
			fail_msg("%s: %.2f%%, expected %.2f%% +- %.2f", #count, got_, \
				 (double)(pct), (double)(tol));                       \
	} while (0)

/* The country's voucher amounts, as in gen.h. */
static bool voucher_of(struct vo_str country, long v)
{
	static const struct {
		const char *country;
		long amounts[5];
	} table[] = {
		{ "Peru", { 2640, 3520, 4400 } },
		{ "China", { 1760, 8800, 4400, 5720, 3080 } },
		{ "Latvia", { 4400, 13200, 8800, 1540, 3080 } },
		{ "Australia", { 2200, 5720, 11000, 1760, 3520 } },
	};
	size_t i;
	size_t k;

	for (i = 0; i < VO_ARRAY_SIZE(table); i++)
		if (vo_str_eq_cstr(country, table[i].country))
			for (k = 0; k < VO_ARRAY_SIZE(table[i].amounts); k++)
				if (table[i].amounts[k] && table[i].amounts[k] == v)
					return true;
	return false;
}

struct stats {
	int64_t window_lo, window_hi; /* days of the orders not placed before the last one */
	uint64_t rows;
	uint64_t peru, china, latvia, australia;
	uint64_t no_total, with_total, t04, t513, t1437;
	uint64_t no_voucher, peru_no_voucher, peru_2640;
	uint64_t before, r31, r92, r_spread, same_day_first;
};

/* Checks one row's shapes and counts it. */
static void check_row(struct stats *st, const struct vo_batch *b, size_t i)
{

	struct vo_str ts = b->col[VO_COL_TIMESTAMP].values.str[i];
	struct vo_str cc = b->col[VO_COL_COUNTRY].values.str[i];
	struct vo_str last = b->col[VO_COL_LAST_ORDER_TS].values.str[i];
	struct vo_str first = b->col[VO_COL_FIRST_ORDER_TS].values.str[i];
	struct vo_str tot = b->col[VO_COL_TOTAL_ORDERS].values.str[i];
	struct vo_str vou = b->col[VO_COL_VOUCHER_AMOUNT].values.str[i];
	int64_t dts = parse_date(ts);
	int64_t dlast = parse_date(last);
	int64_t dfirst = parse_date(first);
	bool peru = vo_str_eq_cstr(cc, "Peru");

	st->rows++;
	/* 2018-07-21 18:59:21.102761, between 13:00 and 22:59 */
	assert_int_equal(ts.len, 26);
	assert_true(ts.ptr[10] == ' ' && all_digits(ts.ptr + 11, 2) && ts.ptr[13] == ':' &&
		    all_digits(ts.ptr + 14, 2) && ts.ptr[16] == ':' && all_digits(ts.ptr + 17, 2) &&
		    ts.ptr[19] == '.' && all_digits(ts.ptr + 20, 6));
	assert_true(memcmp(ts.ptr + 11, "13", 2) >= 0 && memcmp(ts.ptr + 11, "22", 2) <= 0);
	assert_true(ts.ptr[14] < '6' && ts.ptr[17] < '6');
	assert_int_equal(last.len, 10);
	assert_int_equal(first.len, 19);
	assert_memory_equal(first.ptr + 10, " 00:00:00", 9);
	assert_true(dfirst <= dlast && dlast - dfirst <= 2897);
	st->same_day_first += dfirst == dlast;
	if (dts < dlast) {
		st->before++;
		assert_true(dlast - dts >= 1065 && dlast - dts <= 1156);
	} else {
		assert_true(dts >= st->window_lo && dts <= st->window_hi);
		assert_true(dts - dlast <= 200);
		st->r31 += dts - dlast == 31;
		st->r92 += dts - dlast == 92;
		st->r_spread += (dts - dlast > 5 && dts - dlast < 31) ||
				(dts - dlast > 31 && dts - dlast < 91) || dts - dlast > 92;
	}
	if (peru)
		st->peru++;
	else if (vo_str_eq_cstr(cc, "China"))
		st->china++;
	else if (vo_str_eq_cstr(cc, "Latvia"))
		st->latvia++;
	else if (vo_str_eq_cstr(cc, "Australia"))
		st->australia++;
	else
		fail_msg("unexpected country '%.*s'", (int)cc.len, cc.ptr);
	if (tot.len == 0) {
		st->no_total++;
	} else {
		long t = parse_float(tot);

		st->with_total++;
		assert_true(t >= 0 && t <= 466);
		st->t04 += t <= 4;
		st->t513 += t >= 5 && t <= 13;
		st->t1437 += t >= 14 && t <= 37;
	}
	if (vou.len == 0) {
		st->no_voucher++;
		st->peru_no_voucher += peru;
	} else {
		long v = parse_float(vou);

		if (!voucher_of(cc, v))
			fail_msg("voucher %ld in %.*s", v, (int)cc.len, cc.ptr);
		st->peru_2640 += peru && v == 2640;
	}
}

static void test_read_back(void **state)
{
	const uint64_t rows = 200000;
	struct vo_csv_reader *r = NULL;
	struct stats st;
	struct vo_error err;
	struct vo_batch b;
	char path[600];
	uint64_t nonbefore;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.window_lo = vo_days_from_civil(2018, 6, 9);
	st.window_hi = vo_days_from_civil(2018, 7, 31);
	vo_test_path(path, sizeof(path), "readback.csv");
	gen(path, rows, 7);
	assert_int_equal(vo_csv_reader_open(&r, path, &err), VO_OK);
	for (;;) {
		size_t i;

		assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_OK);
		if (!b.nrows)
			break;
		assert_int_equal(b.first_row, st.rows + 1);
		for (i = 0; i < b.nrows; i++)
			check_row(&st, &b, i);
	}
	vo_csv_reader_destroy(r);
	assert_int_equal(st.rows, rows);
	nonbefore = rows - st.before;
	NEAR(st.peru, rows, 15.73, 0.5);
	NEAR(st.china, rows, 34.93, 0.5);
	NEAR(st.latvia, rows, 21.89, 0.5);
	NEAR(st.australia, rows, 27.45, 0.5);
	NEAR(st.no_total, rows, 8, 0.4);
	NEAR(st.before, rows, 8, 0.4);
	NEAR(st.same_day_first, rows, 15.85, 0.5);
	NEAR(st.r31, nonbefore, 52, 0.7);
	NEAR(st.r92, nonbefore, 42.6, 0.7);
	NEAR(st.r_spread, nonbefore, 3.5, 0.3);
	NEAR(st.no_voucher, rows, 0.61, 0.1);
	NEAR(st.peru_no_voucher, st.peru, 1.82, 0.4);
	NEAR(st.peru_2640, st.peru, 51.3, 1.2);
	NEAR(st.t04, st.with_total, 43.9, 0.6);
	NEAR(st.t513, st.with_total, 25.9, 0.6);
	NEAR(st.t1437, st.with_total, 17.7, 0.6);
}

static void test_zero_rows_and_replace(void **state)
{
	struct vo_buf got;
	char path[600];
	FILE *f;

	(void)state;
	vo_buf_init(&got, SIZE_MAX);
	vo_test_path(path, sizeof(path), "replace.csv");
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fputs("old content\n", f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	gen(path, 0, 1);
	slurp(path, &got);
	assert_string_equal(got.ptr, HEADER);
	assert_int_equal(count_temp_files(), 0);
	vo_buf_release(&got);
}

static void test_failure_leaves_target(void **state)
{
	struct vo_gen_options opt = { 1000, 1 };
	struct vo_error err;
	char path[600];

	(void)state;
	/* The target is a folder: refused before anything is written (core/fileio.h
	 * vo_output_resolve), the folder survives, no temp is left. */
	vo_test_path(path, sizeof(path), "adir");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(vo_gen_write_csv(&opt, path, &err), VO_EINVAL);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "it is a folder"));
	assert_int_equal(count_temp_files(), 0);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
	/* A folder that does not exist. */
	vo_test_path(path, sizeof(path), "no/such/dir/x.csv");
	assert_int_equal(vo_gen_write_csv(&opt, path, &err), VO_EIO);
	assert_non_null(strstr(err.msg, path));
	/* Bad arguments. */
	assert_int_equal(vo_gen_write_csv(NULL, path, &err), VO_EINVAL);
	assert_int_equal(vo_gen_write_csv(&opt, NULL, &err), VO_EINVAL);
	assert_int_equal(vo_gen_write_csv(&opt, "", &err), VO_EINVAL);
}

/* Out of memory at any allocation: VO_ENOMEM, the old file kept, no temporary file. */
static void test_alloc_failures(void **state)
{
	struct vo_gen_options opt = { 5000, 3 };
	struct vo_error err;
	struct vo_buf got;
	struct vo_buf old;
	char path[600];
	uint64_t n;
	bool done = false;

	(void)state;
	vo_buf_init(&got, SIZE_MAX);
	vo_buf_init(&old, SIZE_MAX);
	vo_test_path(path, sizeof(path), "alloc.csv");
	gen(path, 10, 1);
	slurp(path, &old);
	/* Make room first: slurp must not meet the failing allocator. */
	assert_int_equal(vo_buf_grow(&got, 1u << 20), VO_OK);
	for (n = 1; n < 50 && !done; n++) {
		int rc;

		vo_alloc_fail_at(n);
		rc = vo_gen_write_csv(&opt, path, &err);
		vo_alloc_fail_at(0);
		if (rc == VO_OK) {
			done = true;
			break;
		}
		assert_int_equal(rc, VO_ENOMEM);
		assert_int_equal(count_temp_files(), 0);
		slurp(path, &got);
		assert_int_equal(got.len, old.len);
		assert_memory_equal(got.ptr, old.ptr, old.len);
	}
	assert_true(done);
	assert_true(n > 2);
	slurp(path, &got);
	assert_true(got.len > (size_t)5000 * 60);
	vo_buf_release(&got);
	vo_buf_release(&old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_zero_rows_and_replace),
		cmocka_unit_test(test_failure_leaves_target),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, vo_test_dir_setup, vo_test_dir_teardown);
}
