/*
 * test_gen.c - the sample-data generator: same bytes for the same seed,
 * a file the CSV reader accepts, value shapes and distributions close to
 * the ones gen.h promises, and atomic replacement of the output.
 */
#include "core/common.h"

#include <dirent.h>
#include <ftw.h>
#include <setjmp.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/civil.h"
#include "core/fileio.h"
#include "gen/gen.h"
#include "ingest/csv.h"

#define HEADER "timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n"

static char tmpdir[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/vouch-test-gen-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void tmp_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", tmpdir, name);
}

static void gen(const char *path, uint64_t rows, uint64_t seed)
{
	struct vo_gen_options opt = {rows, seed};
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
	DIR *d = opendir(tmpdir);
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
	char a[600];
	char b[600];
	char c[600];
	struct vo_buf ba;
	struct vo_buf bb;
	struct vo_buf bc;

	(void)state;
	tmp_path(a, sizeof(a), "a.csv");
	tmp_path(b, sizeof(b), "b.csv");
	tmp_path(c, sizeof(c), "c.csv");
	vo_buf_init(&ba, SIZE_MAX);
	vo_buf_init(&bb, SIZE_MAX);
	vo_buf_init(&bc, SIZE_MAX);
	gen(a, 30000, 42);
	gen(b, 30000, 42);
	gen(c, 30000, 43);
	slurp(a, &ba);
	slurp(b, &bb);
	slurp(c, &bc);
	assert_true(ba.len > 30000 * 60);
	assert_int_equal(ba.len, bb.len);
	assert_memory_equal(ba.ptr, bb.ptr, ba.len);
	assert_true(ba.len != bc.len || memcmp(ba.ptr, bc.ptr, ba.len) != 0);
	/* Same header, different rows from the first one on. */
	assert_memory_equal(bc.ptr, HEADER, strlen(HEADER));
	assert_true(memcmp(ba.ptr, bc.ptr, strlen(HEADER) + 30) != 0);
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

#define NEAR(count, total, pct, tol)                                                               \
	do {                                                                                       \
		double got_ = 100.0 * (double)(count) / (double)(total);                           \
		if (got_ < (pct) - (tol) || got_ > (pct) + (tol))                                  \
			fail_msg("%s: %.2f%%, expected %.2f%% +- %.2f", #count, got_,              \
				 (double)(pct), (double)(tol));                                    \
	} while (0)

static void test_read_back(void **state)
{
	static const long amounts[] = {2640, 3520, 4400, 1760, 2200, 5720,
				       13200, 8800, 11000, 3080, 1540};
	const uint64_t rows = 200000;
	struct vo_csv_reader *r = NULL;
	struct vo_error err;
	struct vo_batch b;
	char path[600];
	uint64_t n = 0;
	uint64_t peru = 0, china = 0, latvia = 0, australia = 0;
	uint64_t no_total = 0, no_voucher = 0, before = 0, v2640 = 0, t04 = 0, t513 = 0;
	uint64_t t1437 = 0, with_total = 0, rec3060 = 0, after = 0, v4400 = 0;
	int64_t min_last = INT64_MAX, max_last = INT64_MIN;

	(void)state;
	tmp_path(path, sizeof(path), "readback.csv");
	gen(path, rows, 7);
	assert_int_equal(vo_csv_reader_open(&r, path, &err), VO_OK);
	for (;;) {
		size_t i;

		assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_OK);
		if (!b.nrows)
			break;
		assert_int_equal(b.first_row, n + 1);
		for (i = 0; i < b.nrows; i++) {
			struct vo_str ts = b.col[VO_COL_TIMESTAMP].values.str[i];
			struct vo_str cc = b.col[VO_COL_COUNTRY].values.str[i];
			struct vo_str last = b.col[VO_COL_LAST_ORDER_TS].values.str[i];
			struct vo_str first = b.col[VO_COL_FIRST_ORDER_TS].values.str[i];
			struct vo_str tot = b.col[VO_COL_TOTAL_ORDERS].values.str[i];
			struct vo_str vou = b.col[VO_COL_VOUCHER_AMOUNT].values.str[i];
			int64_t dts = parse_date(ts);
			int64_t dlast = parse_date(last);
			int64_t dfirst = parse_date(first);

			/* 2018-07-21 18:59:21.102761 */
			assert_int_equal(ts.len, 26);
			assert_true(ts.ptr[10] == ' ' && all_digits(ts.ptr + 11, 2) &&
				    ts.ptr[13] == ':' && all_digits(ts.ptr + 14, 2) &&
				    ts.ptr[16] == ':' && all_digits(ts.ptr + 17, 2) &&
				    ts.ptr[19] == '.' && all_digits(ts.ptr + 20, 6));
			assert_true(ts.ptr[11] < '2' || ts.ptr[12] < '4');
			assert_true(ts.ptr[14] < '6' && ts.ptr[17] < '6');
			assert_int_equal(last.len, 10);
			assert_int_equal(first.len, 19);
			assert_memory_equal(first.ptr + 10, " 00:00:00", 9);
			assert_true(dfirst <= dlast);
			min_last = VO_MIN(min_last, dlast);
			max_last = VO_MAX(max_last, dlast);
			if (dts < dlast)
				before++;
			else if (dts - dlast >= 30 && dts - dlast <= 60)
				rec3060++;
			else if (dts - dlast > 365)
				after++;
			if (vo_str_eq_cstr(cc, "Peru"))
				peru++;
			else if (vo_str_eq_cstr(cc, "China"))
				china++;
			else if (vo_str_eq_cstr(cc, "Latvia"))
				latvia++;
			else if (vo_str_eq_cstr(cc, "Australia"))
				australia++;
			else
				fail_msg("unexpected country '%.*s'", (int)cc.len, cc.ptr);
			if (tot.len == 0) {
				no_total++;
			} else {
				long t = parse_float(tot);

				with_total++;
				assert_true(t >= 0 && t < 200);
				t04 += t <= 4;
				t513 += t >= 5 && t <= 13;
				t1437 += t >= 14 && t <= 37;
			}
			if (vou.len == 0) {
				no_voucher++;
			} else {
				long v = parse_float(vou);
				size_t k;

				for (k = 0; k < VO_ARRAY_SIZE(amounts); k++)
					if (amounts[k] == v)
						break;
				assert_true(k < VO_ARRAY_SIZE(amounts));
				v2640 += v == 2640;
				v4400 += v == 4400;
			}
		}
		n += b.nrows;
	}
	vo_csv_reader_destroy(r);
	assert_int_equal(n, rows);
	assert_int_equal(min_last, vo_days_from_civil(2018, 3, 1));
	assert_int_equal(max_last, vo_days_from_civil(2018, 7, 28));
	assert_int_equal(after, 0);
	NEAR(peru, rows, 16, 0.6);
	NEAR(china, rows, 35, 0.6);
	NEAR(latvia, rows, 22, 0.6);
	NEAR(australia, rows, 27, 0.6);
	NEAR(no_total, rows, 8, 0.4);
	NEAR(no_voucher, rows, 2, 0.2);
	NEAR(before, rows, 8, 0.4);
	NEAR(rec3060, rows - before, 36, 0.6);
	NEAR(v2640, rows - no_voucher, 43, 0.6);
	NEAR(v4400, rows - no_voucher, 20, 0.6);
	NEAR(t04, with_total, 43, 0.6);
	NEAR(t513, with_total, 25, 0.6);
	NEAR(t1437, with_total, 18, 0.6);
}

static void test_zero_rows_and_replace(void **state)
{
	struct vo_buf got;
	char path[600];
	FILE *f;

	(void)state;
	vo_buf_init(&got, SIZE_MAX);
	tmp_path(path, sizeof(path), "replace.csv");
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
	struct vo_gen_options opt = {1000, 1};
	struct vo_error err;
	char path[600];

	(void)state;
	/* The target is a folder: the rename fails, the folder survives, no temp is left. */
	tmp_path(path, sizeof(path), "adir");
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(vo_gen_write_csv(&opt, path, &err), VO_EIO);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(count_temp_files(), 0);
	{
		struct stat st;

		assert_int_equal(stat(path, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
	}
	/* A folder that does not exist. */
	tmp_path(path, sizeof(path), "no/such/dir/x.csv");
	assert_int_equal(vo_gen_write_csv(&opt, path, &err), VO_EIO);
	assert_non_null(strstr(err.msg, path));
	/* Bad arguments. */
	assert_int_equal(vo_gen_write_csv(NULL, path, &err), VO_EINVAL);
	assert_int_equal(vo_gen_write_csv(&opt, NULL, &err), VO_EINVAL);
	assert_int_equal(vo_gen_write_csv(&opt, "", &err), VO_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_zero_rows_and_replace),
		cmocka_unit_test(test_failure_leaves_target),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
