/*
 * test_parquet.c - the Parquet reader.
 *
 * Three kinds of input:
 *  - the real file (VOUCH_SHARED_DIR/data/data.parquet.gzip), whose known
 *    facts are checked, and which is cut short, zero-filled and bit-flipped
 *    to prove that damage gives an error or valid rows, never a crash (the
 *    tests are skipped when the file is absent);
 *  - synthetic files made here by a small, independent Parquet writer
 *    (Thrift compact encoder, PLAIN, dictionary, DELTA_*, BYTE_STREAM_SPLIT,
 *    RLE and bit-packed levels, data pages v1 and v2, GZIP), so features the
 *    real file does not use are checked value by value against the generator;
 *  - deliberately broken synthetic files, each with the error it must give.
 *
 * Files are written to a fresh folder under /tmp, removed at the end unless
 * VOUCH_KEEP_TMP is set (then they can be cross-checked with other readers).
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "ingest/batch.h"
#include "ingest/parquet/parquet.h"
#include "parquet_writer.h"
#include "testutil.h"

#define REAL_FILE VOUCH_SHARED_DIR "/data/data.parquet.gzip"
#define REAL_ROWS 285570

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Overwrites one byte of a file in place. */
static void poke(const char *path, size_t pos, uint8_t v)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 1, (off_t)pos), 1);
	assert_int_equal(close(fd), 0);
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	assert_int_equal(fseek(f, 0, SEEK_SET), 0);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return vo_test_xorshift(&rng_state);
}

/*
 * Opens and reads a whole file, checking the batch invariants on the way and
 * touching every value (so ASan sees any view that points outside memory).
 * Returns the first error, or VO_OK; *rows counts the rows read.
 */
static int read_all(const char *path, uint64_t *rows, struct vo_error *err)
{
	struct vo_error again = { 0 };
	struct vo_parquet_reader *r = NULL;
	struct vo_batch b;
	uint64_t sum = 0;
	uint64_t n = 0;
	size_t i;
	size_t s;
	int k;
	int rc;

	rc = vo_parquet_reader_open(&r, path, err);
	if (rc) {
		assert_null(r);
		assert_true(err->msg[0] != '\0');
		return rc;
	}
	for (;;) {
		rc = vo_parquet_reader_next(r, &b, err);
		if (rc) {
			assert_true(err->msg[0] != '\0');
			/* the reader stays failed */
			assert_int_equal(vo_parquet_reader_next(r, &b, &again), rc);
			break;
		}
		if (b.nrows == 0)
			break;
		assert_true(b.nrows <= VO_BATCH_ROWS);
		assert_int_equal(b.first_row, n + 1);
		for (k = 0; k < VO_COL_COUNT; k++) {
			const struct vo_column *c = &b.col[k];

			if (!c->idx)
				assert_int_equal(c->nvalues, b.nrows);
			for (i = 0; i < b.nrows; i++) {
				if (c->valid)
					assert_true(c->valid[i] == 0 || c->valid[i] == 1);
				if (vo_column_is_null(c, i))
					continue;
				s = vo_column_slot(c, i);
				assert_true(s < c->nvalues);
				if (c->type == VO_V_STR) {
					if (c->values.str[s].len)
						sum += (uint8_t)c->values.str[s]
							       .ptr[c->values.str[s].len - 1];
				} else {
					sum += (uint64_t)c->values.i64[s];
				}
			}
		}
		n += b.nrows;
	}
	vo_parquet_reader_destroy(r);
	*rows = n;
	(void)sum;
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Checking a synthetic file value by value                                 */

static int64_t floor_div(int64_t v, int64_t d)
{
	return v / d - (v % d < 0);
}

/* The gcol that feeds a logical column. */
static const struct gcol *source_of(const struct gfile *f, int col)
{
	size_t i;

	for (i = 0; i < f->ncols; i++)
		if (!f->cols[i].in_group && vo_col_from_name(vo_str_cstr(f->cols[i].name)) == col)
			return &f->cols[i];
	return NULL;
}

static void check_value(const struct gcol *c, const struct vo_column *col, size_t i, uint64_t row)
{
	uint32_t k = key_of(c, row);
	size_t s;
	char buf[64];
	size_t len;
	int64_t v;
	uint8_t i96[12];

	if (is_null(c, row)) {
		assert_true(vo_column_is_null(col, i));
		return;
	}
	assert_false(vo_column_is_null(col, i));
	s = vo_column_slot(col, i);
	assert_true(s < col->nvalues);
	switch (c->ptype) {
	case P_BYTE_ARRAY:
	case P_FLBA:
		len = str_of(c, k, buf);
		if (c->converted == CT_DECIMAL) {
			/* A byte-array DECIMAL arrives reduced: the whole number or NOT_WHOLE. */
			int64_t u = (int64_t)k * 12345 - 500000;
			int64_t p10 = 1;
			int q;

			for (q = 0; q < c->scale; q++)
				p10 *= 10;
			assert_int_equal(col->type, VO_V_I64);
			assert_int_equal(col->scale, 0);
			assert_int_equal(col->values.i64[s], u % p10 ? VO_I64_NOT_WHOLE : u / p10);
			break;
		}
		assert_int_equal(col->type, VO_V_STR);
		assert_int_equal(col->values.str[s].len, len);
		assert_memory_equal(col->values.str[s].ptr, buf, len);
		break;
	case P_INT32:
		v = int_of(c, k);
		if (c->converted == CT_DATE || c->logical == LT_DATE) {
			assert_int_equal(col->type, VO_V_DATE);
		} else {
			assert_int_equal(col->type, VO_V_I64);
			if (c->converted == CT_UINT32)
				v = (int64_t)(uint32_t)v;
		}
		assert_int_equal(col->values.i64[s], v);
		break;
	case P_INT64:
		v = int_of(c, k);
		if (c->logical == LT_TIMESTAMP || c->converted == CT_TS_MILLIS) {
			int unit = c->logical == LT_TIMESTAMP ? c->unit : U_MILLIS;

			assert_int_equal(col->type, VO_V_TS);
			if (unit == U_MILLIS)
				v *= 1000;
			else if (unit == U_NANOS)
				v = floor_div(v, 1000);
		} else {
			assert_int_equal(col->type, VO_V_I64);
			assert_int_equal(col->scale, c->converted == CT_DECIMAL ? c->scale : 0);
		}
		assert_int_equal(col->values.i64[s], v);
		break;
	case P_INT96:
		int96_of(k, i96);
		assert_int_equal(col->type, VO_V_TS);
		v = ((int64_t)(2458000 + k) - 2440588) * 86400000000LL +
		    (int64_t)((uint64_t)k * 1000000123ull % 86400000000000ull / 1000);
		assert_int_equal(col->values.i64[s], v);
		break;
	case P_FLOAT:
	case P_DOUBLE:
		assert_int_equal(col->type, VO_V_F64);
		assert_true(col->values.f64[s] == dbl_of(c, k));
		break;
	case P_BOOLEAN:
		assert_int_equal(col->type, VO_V_BOOL);
		assert_int_equal(col->values.i64[s], int_of(c, k));
		break;
	default:
		fail();
	}
}

/* Reads the file and compares every value with the generator. */
static void check_file(const char *path, const struct gfile *f)
{
	struct vo_parquet_reader *r = NULL;
	struct vo_error err = { 0 };
	const struct gcol *src[VO_COL_COUNT];
	uint64_t dict_id[VO_COL_COUNT] = { 0 };
	uint64_t dict_rg[VO_COL_COUNT] = { 0 };
	struct vo_batch b;
	uint64_t row = 0;
	uint64_t in_rg;
	uint64_t in_page;
	uint64_t page;
	size_t batches = 0;
	size_t i;
	int k;
	int rc;

	for (k = 0; k < VO_COL_COUNT; k++) {
		src[k] = source_of(f, k);
		assert_non_null(src[k]);
	}
	rc = vo_parquet_reader_open(&r, path, &err);
	if (rc)
		print_error("%s\n", err.msg);
	assert_int_equal(rc, VO_OK);
	assert_int_equal(vo_parquet_reader_num_rows(r), f->nrows);
	for (;;) {
		rc = vo_parquet_reader_next(r, &b, &err);
		if (rc)
			print_error("%s\n", err.msg);
		assert_int_equal(rc, VO_OK);
		if (b.nrows == 0)
			break;
		batches++;
		assert_int_equal(b.first_row, row + 1);
		in_rg = row % f->rg_rows;
		for (k = 0; k < VO_COL_COUNT; k++) {
			const struct gcol *c = src[k];
			const struct vo_column *col = &b.col[k];
			int enc;

			/* a batch never crosses a page boundary, and follows the page's form */
			page = in_rg / (uint64_t)c->page_rows;
			in_page = in_rg % (uint64_t)c->page_rows;
			assert_true(in_page + b.nrows <= (uint64_t)c->page_rows);
			assert_true(in_rg + b.nrows <= f->rg_rows);
			enc = c->encs[page % (uint64_t)c->nencs];
			if (enc == E_PLAIN_DICT || enc == E_RLE_DICT) {
				assert_non_null(col->idx);
				assert_int_equal(col->nvalues, c->card);
				/* one identity per dictionary: same within a row group, new after
				 */
				assert_true(col->dict_id != 0);
				if (dict_id[k] && dict_rg[k] == row / f->rg_rows)
					assert_int_equal(col->dict_id, dict_id[k]);
				else
					assert_true(col->dict_id != dict_id[k]);
				dict_id[k] = col->dict_id;
				dict_rg[k] = row / f->rg_rows;
			} else {
				assert_null(col->idx);
				assert_int_equal(col->nvalues, b.nrows);
				assert_int_equal(col->dict_id, 0);
			}
			if (!c->optional || !c->null_every)
				assert_null(col->valid);
			for (i = 0; i < b.nrows; i++)
				check_value(c, col, i, row + i);
		}
		row += b.nrows;
	}
	assert_int_equal(row, f->nrows);
	assert_true(batches >= f->nrows / VO_BATCH_ROWS);
	/* the end is sticky */
	assert_int_equal(vo_parquet_reader_next(r, &b, &err), VO_OK);
	assert_int_equal(b.nrows, 0);
	vo_parquet_reader_destroy(r);
}

/* ------------------------------------------------------------------------ */
/* Synthetic files                                                          */

#define ENCS1(a) { a }, 1
#define ENCS2(a, b) { a, b }, 2
#define ENCS3(a, b, c) { a, b, c }, 3

/* Plain v1 pages, REQUIRED columns, typed values, a nested column not read. */
static const struct gcol typed_cols[] = {
	{ "order_ts", P_INT64, CT_NONE, LT_TIMESTAMP, U_NANOS, 0, 0, false, 0, 700, ENCS1(E_PLAIN),
	  false, 0, 100000, false, false },
	{ "extra", P_INT32, CT_NONE, LT_NONE, 0, 0, 0, false, 0, 500, ENCS1(E_PLAIN), false, 0, 10,
	  true, false },
	{ "country_code", P_BYTE_ARRAY, CT_UTF8, LT_STRING, 0, 0, 0, true, 5, 1000,
	  ENCS2(E_PLAIN_DICT, E_PLAIN), false, 0, 7, false, false },
	{ "last_order_ts", P_INT32, CT_DATE, LT_DATE, 0, 0, 0, false, 0, 3000, ENCS1(E_PLAIN),
	  false, 0, 40, false, false },
	{ "first_order_ts", P_INT64, CT_TS_MILLIS, LT_NONE, 0, 0, 0, true, 9, 450,
	  ENCS2(E_PLAIN, E_PLAIN_DICT), false, 0, 333, false, false },
	{ "total_orders", P_INT32, CT_UINT32, LT_NONE, 0, 0, 0, false, 0, 4096, ENCS1(E_PLAIN),
	  false, 0, 50, false, false },
	{ "voucher_amount", P_DOUBLE, CT_NONE, LT_NONE, 0, 0, 0, true, 4, 2500,
	  ENCS2(E_PLAIN, E_PLAIN_DICT), false, 0, 9, false, false },
};

/* v2 pages, GZIP, and every other encoding. */
static const struct gcol v2_cols[] = {
	{ "timestamp", P_BYTE_ARRAY, CT_UTF8, LT_STRING, 0, 0, 0, true, 11, 900,
	  ENCS3(E_DELTA_BA, E_DELTA_LBA, E_PLAIN_DICT), true, 2, 5000, false, false },
	{ "country_code", P_BYTE_ARRAY, CT_UTF8, LT_NONE, 0, 0, 0, true, 0, 1200,
	  ENCS2(E_RLE_DICT, E_DELTA_BA), true, 2, 4, false, false },
	{ "last_order_ts", P_INT32, CT_DATE, LT_NONE, 0, 0, 0, true, 3, 800,
	  ENCS2(E_DELTA_BP, E_BSS), true, 0, 900, false, false },
	{ "first_order_ts", P_INT64, CT_NONE, LT_TIMESTAMP, U_MICROS, 0, 0, true, 7, 1100,
	  ENCS3(E_DELTA_BP, E_BSS, E_PLAIN), true, 2, 70000, false, false },
	{ "total_orders", P_BOOLEAN, CT_NONE, LT_NONE, 0, 0, 0, true, 6, 1300,
	  ENCS2(E_RLE, E_PLAIN), true, 2, 2, false, false },
	{ "voucher_amount", P_FLOAT, CT_NONE, LT_NONE, 0, 0, 0, true, 8, 1000,
	  ENCS3(E_BSS, E_PLAIN, E_RLE_DICT), true, 2, 6, false, false },
};

/* v1 pages with GZIP, INT96, DECIMAL on INT64 and FIXED_LEN_BYTE_ARRAY. */
static const struct gcol legacy_cols[] = {
	{ "timestamp", P_INT96, CT_NONE, LT_NONE, 0, 0, 0, true, 10, 2000, ENCS1(E_PLAIN), false, 2,
	  3000, false, false },
	{ "country_code", P_BYTE_ARRAY, CT_UTF8, LT_STRING, 0, 0, 0, true, 0, 5000,
	  ENCS1(E_PLAIN_DICT), false, 2, 1, false, false },
	{ "last_order_ts", P_FLBA, CT_DECIMAL, LT_NONE, 0, 3, 5, true, 4, 1000,
	  ENCS2(E_PLAIN, E_PLAIN_DICT), false, 2, 30, false, false },
	{ "first_order_ts", P_INT64, CT_DECIMAL, LT_DECIMAL, 0, 2, 0, false, 0, 1700,
	  ENCS2(E_PLAIN_DICT, E_PLAIN), false, 0, 25, false, false },
	{ "total_orders", P_BYTE_ARRAY, CT_DECIMAL, LT_NONE, 0, 1, 0, true, 2, 600,
	  ENCS2(E_PLAIN, E_PLAIN_DICT), false, 2, 100, false, true },
	{ "voucher_amount", P_DOUBLE, CT_NONE, LT_NONE, 0, 0, 0, true, 1000000, 10000,
	  ENCS1(E_PLAIN_DICT), false, 2, 3, false, false },
};

static void test_typed_plain_v1(void **state)
{
	struct gfile f = { typed_cols, VO_ARRAY_SIZE(typed_cols), 23456, 10000, Q_NONE, 0 };
	char path[512];

	(void)state;
	make_file(&f, "typed.parquet", path, sizeof(path));
	check_file(path, &f);
	/* one row group, one row: the smallest file */
	f.nrows = 1;
	make_file(&f, "one_row.parquet", path, sizeof(path));
	check_file(path, &f);
	/* no rows at all */
	f.nrows = 0;
	f.rg_rows = 1;
	make_file(&f, "no_rows.parquet", path, sizeof(path));
	check_file(path, &f);
}

static void test_v2_delta_gzip(void **state)
{
	struct gfile f = { v2_cols, VO_ARRAY_SIZE(v2_cols), 30001, 7777, Q_NONE, 0 };
	char path[512];

	(void)state;
	make_file(&f, "v2.parquet", path, sizeof(path));
	check_file(path, &f);
}

static void test_legacy_types(void **state)
{
	struct gfile f = { legacy_cols, VO_ARRAY_SIZE(legacy_cols), 12345, 12345, Q_NONE, 0 };
	char path[512];

	(void)state;
	make_file(&f, "legacy.parquet", path, sizeof(path));
	check_file(path, &f);
}

/*
 * Pages larger than the window (VO_PARQUET_WINDOW) are streamed: PLAIN
 * values of every width, GZIP and uncompressed, v1 (RLE and BIT_PACKED
 * levels inside the stream) and v2 (levels before it), nullable and not.
 * Every value must come out as from a page read whole, batch after batch
 * across window refills, row groups cutting pages short included.
 */
static const struct gcol streamed_cols[] = {
	{ "timestamp", P_BYTE_ARRAY, CT_UTF8, LT_STRING, 0, 0, 0, true, 11, 50000, ENCS1(E_PLAIN),
	  false, 2, 100000, false, false },
	{ "country_code", P_BYTE_ARRAY, CT_UTF8, LT_STRING, 0, 0, 0, true, 7, 40000, ENCS1(E_PLAIN),
	  true, 0, 5000, false, false },
	{ "last_order_ts", P_INT64, CT_TS_MILLIS, LT_NONE, 0, 0, 0, true, 5, 60000, ENCS1(E_PLAIN),
	  false, 2, 3000, false, true },
	{ "first_order_ts", P_INT96, CT_NONE, LT_NONE, 0, 0, 0, false, 0, 30000, ENCS1(E_PLAIN),
	  false, 0, 2000, false, false },
	{ "total_orders", P_DOUBLE, CT_NONE, LT_NONE, 0, 0, 0, true, 3, 60000, ENCS1(E_PLAIN), true,
	  2, 900, false, false },
	{ "voucher_amount", P_FLBA, CT_DECIMAL, LT_NONE, 0, 2, 5, true, 13, 70000, ENCS1(E_PLAIN),
	  false, 0, 1000, false, false },
};

static void test_streamed_pages(void **state)
{
	struct gfile f = { streamed_cols, VO_ARRAY_SIZE(streamed_cols), 130000, 130000, Q_NONE, 0 };
	char path[512];

	(void)state;
	make_file(&f, "streamed.parquet", path, sizeof(path));
	check_file(path, &f);
	f.rg_rows = 65001; /* row groups end pages early */
	make_file(&f, "streamed-rg.parquet", path, sizeof(path));
	check_file(path, &f);
}

/*
 * A streamed GZIP page damaged: every 509th byte flipped, or the file cut
 * inside the page, is an error or valid rows, never a crash or a read past
 * the window (ASan); a CRC catches what inflates to other bytes.
 */
static void test_streamed_damage(void **state)
{
	static const struct gcol cols[] = {
		{ "timestamp", P_BYTE_ARRAY, CT_UTF8, LT_STRING, 0, 0, 0, true, 11, 20000,
		  ENCS1(E_PLAIN), false, 2, 100000, false, false },
		{ "country_code", P_BYTE_ARRAY, CT_UTF8, LT_NONE, 0, 0, 0, false, 0, 20000,
		  ENCS1(E_PLAIN_DICT), false, 2, 4, false, false },
		{ "last_order_ts", P_INT32, CT_DATE, LT_NONE, 0, 0, 0, false, 0, 20000,
		  ENCS1(E_PLAIN_DICT), false, 2, 30, false, false },
		{ "first_order_ts", P_INT32, CT_DATE, LT_NONE, 0, 0, 0, false, 0, 20000,
		  ENCS1(E_PLAIN_DICT), false, 2, 30, false, false },
		{ "total_orders", P_INT32, CT_NONE, LT_NONE, 0, 0, 0, false, 0, 20000,
		  ENCS1(E_PLAIN_DICT), false, 2, 30, false, false },
		{ "voucher_amount", P_INT32, CT_NONE, LT_NONE, 0, 0, 0, false, 0, 20000,
		  ENCS1(E_PLAIN_DICT), false, 2, 5, false, false },
	};
	struct gfile f = { cols, VO_ARRAY_SIZE(cols), 20000, 20000, Q_NONE, 0 };
	struct vo_error err = { 0 };
	struct bb b = { 0 };
	char path[512];
	uint64_t rows;
	size_t ok = 0;
	size_t bad = 0;
	size_t i;

	(void)state;
	gen_file(&f, &b);
	vo_test_path(path, sizeof(path), "streamed-flip.parquet");
	vo_test_write_file(path, b.p, b.len);
	check_file(path, &f);
	for (i = 4; i < b.len; i += 509) {
		poke(path, i, b.p[i] ^ 0x5a);
		if (read_all(path, &rows, &err) == VO_OK)
			ok++;
		else
			bad++;
		poke(path, i, b.p[i]);
	}
	/* The timestamp page is most of the file: most flips land in it and are caught. */
	assert_true(bad > (b.len / 509) / 2);
	(void)ok;
	/* The file cut in the middle of the timestamp page's stream. */
	vo_test_write_file(path, b.p, b.len / 3);
	assert_int_not_equal(read_all(path, &rows, &err), VO_OK);
	bb_free(&b);
}

static void test_inspect_synthetic(void **state)
{
	struct gfile f = { typed_cols, VO_ARRAY_SIZE(typed_cols), 2000, 1500, Q_NONE, 0 };
	struct vo_error err = { 0 };
	struct vo_buf out;
	char path[512];

	(void)state;
	make_file(&f, "inspect.parquet", path, sizeof(path));
	vo_buf_init(&out, 1 << 20);
	assert_int_equal(vo_parquet_inspect(path, &out, &err), VO_OK);
	assert_non_null(strstr(out.ptr, "created_by: vouch test_parquet.c\n"));
	assert_non_null(strstr(out.ptr, "rows: 2000\n"));
	assert_non_null(strstr(out.ptr, "row groups: 2\n"));
	assert_non_null(strstr(out.ptr, "  order_ts: INT64, logical TIMESTAMP(NANOS, utc=true), "
					"REQUIRED -> timestamp\n"));
	assert_non_null(strstr(out.ptr, "  extra: group (1 children), OPTIONAL\n"));
	assert_non_null(strstr(out.ptr, "    inner: INT32, REQUIRED -> not read\n"));
	assert_non_null(strstr(out.ptr, "  last_order_ts: INT32, logical DATE, converted DATE, "
					"REQUIRED -> last_order_ts\n"));
	assert_non_null(strstr(out.ptr, "row group 1: 500 rows"));
	assert_non_null(strstr(out.ptr, "    country_code: UNCOMPRESSED, encodings "
					"PLAIN_DICTIONARY, PLAIN, RLE; "));
	assert_non_null(strstr(out.ptr, "dictionary page: yes\n      pages: DICTIONARY_PAGE "));
	assert_non_null(strstr(out.ptr, "      pages: DATA_PAGE"));
	assert_null(strstr(out.ptr, "missing column"));
	vo_buf_release(&out);

	/* inspect describes a file the reader refuses, and says what is missing */
	f.ncols = 3;
	make_file(&f, "inspect_missing.parquet", path, sizeof(path));
	vo_buf_init(&out, 1 << 20);
	assert_int_equal(vo_parquet_inspect(path, &out, &err), VO_OK);
	assert_non_null(strstr(out.ptr, "missing column 'voucher_amount'\n"));
	vo_buf_release(&out);

	/* a cap on the output is an error, not an overflow */
	f.ncols = VO_ARRAY_SIZE(typed_cols);
	make_file(&f, "inspect.parquet", path, sizeof(path));
	vo_buf_init(&out, 100);
	assert_int_equal(vo_parquet_inspect(path, &out, &err), VO_ELIMIT);
	vo_buf_release(&out);
}

/* ------------------------------------------------------------------------ */
/* Broken files                                                             */

/* Expects open or reading to fail with code and a message containing each needle. */
static void expect_error(const struct gfile *f, const char *name, int code, const char *n1,
			 const char *n2)
{
	struct vo_error err = { 0 };
	char path[512];
	uint64_t rows = 0;
	int rc;

	make_file(f, name, path, sizeof(path));
	rc = read_all(path, &rows, &err);
	if (rc != code || !strstr(err.msg, path) || !strstr(err.msg, n1) ||
	    (n2 && !strstr(err.msg, n2)))
		print_error("%s: got %d '%s'\n", name, rc, err.msg);
	assert_int_equal(rc, code);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, n1));
	if (n2)
		assert_non_null(strstr(err.msg, n2));
}

static void test_errors(void **state)
{
	struct gfile f = { typed_cols, VO_ARRAY_SIZE(typed_cols), 5000, 3000, Q_NONE, 0 };
	struct gcol cols[VO_ARRAY_SIZE(typed_cols) + 1];

	(void)state;
	/* a missing column */
	f.ncols = 6;
	expect_error(&f, "missing.parquet", VO_EFORMAT, "missing column 'voucher_amount'", NULL);
	f.ncols = VO_ARRAY_SIZE(typed_cols);

	/* both timestamp and its alias */
	memcpy(cols, typed_cols, sizeof(typed_cols));
	cols[VO_ARRAY_SIZE(typed_cols)] = typed_cols[0];
	cols[VO_ARRAY_SIZE(typed_cols)].name = "timestamp";
	f.cols = cols;
	f.ncols = VO_ARRAY_SIZE(cols);
	expect_error(&f, "alias.parquet", VO_EFORMAT, "'order_ts' and 'timestamp' both map", NULL);
	f.cols = typed_cols;
	f.ncols = VO_ARRAY_SIZE(typed_cols);

	f.quirk_col = 2; /* country_code */
	f.quirk = Q_NESTED;
	expect_error(&f, "nested.parquet", VO_EUNSUPPORTED, "column 'country_code'", "nested");
	f.quirk = Q_REPEATED;
	expect_error(&f, "repeated.parquet", VO_EUNSUPPORTED, "column 'country_code'", "repeated");
	f.quirk = Q_SNAPPY;
	expect_error(&f, "snappy.parquet", VO_EFORMAT, "column 'country_code'",
		     "SNAPPY data declares");
	f.quirk = Q_LZO;
	expect_error(&f, "lzo.parquet", VO_EUNSUPPORTED, "column 'country_code'",
		     "codec LZO (3) is not supported");
	f.quirk = Q_ENCRYPTED;
	expect_error(&f, "encrypted.parquet", VO_EUNSUPPORTED, "encrypted", NULL);
	f.quirk = Q_NUM_VALUES;
	expect_error(&f, "num_values.parquet", VO_EFORMAT, "column 'country_code'",
		     "row group 0: column chunk has 3001 values for 3000 rows");
	f.quirk = Q_ROWS;
	expect_error(&f, "rows.parquet", VO_EFORMAT, "the file declares 5001", NULL);
	f.quirk = Q_WRONG_TYPE;
	expect_error(&f, "wrong_type.parquet", VO_EFORMAT, "column 'country_code'",
		     "differs from the schema");
	f.quirk = Q_SHORT_PAGES;
	expect_error(&f, "short.parquet", VO_EFORMAT, "column 'country_code': row group 0",
		     "ends after 2999 of 3000 values");
	f.quirk = Q_BAD_INDEX;
	expect_error(&f, "bad_index.parquet", VO_EFORMAT, "column 'country_code': row group 0",
		     "dictionary index 7 out of range");
	f.quirk = Q_SHRINK_CHUNK;
	expect_error(&f, "shrink.parquet", VO_EFORMAT, "column 'country_code': row group 0",
		     "runs past the end of the column chunk");
	f.quirk = Q_BIG_DICT;
	expect_error(&f, "big_dict.parquet", VO_EFORMAT, "column 'country_code'",
		     "7000 entries cannot fit");
}

static void test_not_parquet(void **state)
{
	/* any non-NULL value: a failed open must set *out to NULL */
	struct vo_parquet_reader *r = (struct vo_parquet_reader *)&r;
	struct vo_error err = { 0 };
	struct vo_buf out;
	char path[512];
	uint8_t bytes[64];

	(void)state;
	vo_test_path(path, sizeof(path), "does-not-exist.parquet");
	assert_int_equal(vo_parquet_reader_open(&r, path, &err), VO_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(err.msg, "does-not-exist.parquet: no such file"));
	vo_buf_init(&out, 1 << 16);
	assert_int_equal(vo_parquet_inspect(path, &out, &err), VO_ENOTFOUND);
	vo_buf_release(&out);

	vo_test_path(path, sizeof(path), "text.parquet");
	vo_test_write_file(path, "timestamp,country_code\n2018-01-01,Peru\n", 39);
	assert_int_equal(vo_parquet_reader_open(&r, path, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "not a Parquet file"));

	vo_test_write_file(path, "PAR1", 4);
	assert_int_equal(vo_parquet_reader_open(&r, path, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "too small"));

	/* encrypted footer magic */
	memset(bytes, 0, sizeof(bytes));
	memcpy(bytes, "PAR1", 4);
	memcpy(bytes + 60, "PARE", 4);
	vo_test_write_file(path, bytes, sizeof(bytes));
	assert_int_equal(vo_parquet_reader_open(&r, path, &err), VO_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "encrypted"));

	/* a footer length larger than the file */
	memcpy(bytes + 60, "PAR1", 4);
	bytes[56] = 0xff;
	bytes[57] = 0xff;
	vo_test_write_file(path, bytes, sizeof(bytes));
	assert_int_equal(vo_parquet_reader_open(&r, path, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "does not fit in the file"));

	/* a footer that is not Thrift */
	bytes[56] = 20;
	bytes[57] = 0;
	memset(bytes + 36, 0xee, 20);
	vo_test_write_file(path, bytes, sizeof(bytes));
	assert_int_equal(vo_parquet_reader_open(&r, path, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "corrupt footer"));

	/* a folder */
	assert_int_equal(vo_parquet_reader_open(&r, vo_test_dir, &err), VO_EIO);

	vo_parquet_reader_destroy(NULL);
}

/* Every allocation of open and read, failed in turn, fails cleanly. */
static void test_alloc_failures(void **state)
{
	struct gfile f = { v2_cols, VO_ARRAY_SIZE(v2_cols), 3000, 1000, Q_NONE, 0 };
	struct vo_error err = { 0 };
	char path[512];
	uint64_t rows;
	uint64_t n;
	int rc;

	(void)state;
	make_file(&f, "alloc.parquet", path, sizeof(path));
	for (n = 1; n < 1000; n++) {
		vo_alloc_fail_at(n);
		rc = read_all(path, &rows, &err);
		vo_alloc_fail_at(0);
		if (rc == VO_OK) {
			assert_int_equal(rows, f.nrows);
			break;
		}
		assert_int_equal(rc, VO_ENOMEM);
	}
	assert_true(n > 10 && n < 1000);
}

/* Every byte of a small file, damaged three ways: an error or valid rows. */
static void test_flip_every_byte(void **state)
{
	static const struct gcol cols[] = {
		{ "timestamp", P_BYTE_ARRAY, CT_UTF8, LT_NONE, 0, 0, 0, true, 5, 40,
		  ENCS3(E_PLAIN_DICT, E_PLAIN, E_DELTA_BA), false, 0, 30, false, false },
		{ "country_code", P_BYTE_ARRAY, CT_UTF8, LT_NONE, 0, 0, 0, true, 0, 50,
		  ENCS2(E_RLE_DICT, E_DELTA_LBA), true, 0, 4, false, false },
		{ "last_order_ts", P_INT32, CT_DATE, LT_NONE, 0, 0, 0, true, 3, 64,
		  ENCS2(E_DELTA_BP, E_BSS), true, 0, 900, false, false },
		{ "first_order_ts", P_INT64, CT_TS_MILLIS, LT_NONE, 0, 0, 0, false, 0, 70,
		  ENCS2(E_PLAIN, E_PLAIN_DICT), false, 0, 60, false, false },
		{ "total_orders", P_BOOLEAN, CT_NONE, LT_NONE, 0, 0, 0, true, 6, 30,
		  ENCS2(E_RLE, E_PLAIN), true, 0, 2, false, false },
		{ "voucher_amount", P_DOUBLE, CT_NONE, LT_NONE, 0, 0, 0, true, 8, 45,
		  ENCS2(E_PLAIN_DICT, E_PLAIN), false, 0, 6, false, false },
	};
	static const uint8_t masks[] = { 0xff, 0x01, 0x80 };
	struct gfile f = { cols, VO_ARRAY_SIZE(cols), 150, 100, Q_NONE, 0 };
	struct vo_error err = { 0 };
	struct bb b = { 0 };
	char path[512];
	uint64_t rows;
	size_t i;
	size_t m;
	size_t ok = 0;
	size_t bad = 0;

	(void)state;
	gen_file(&f, &b);
	vo_test_path(path, sizeof(path), "flip.parquet");
	vo_test_write_file(path, b.p, b.len);
	check_file(path, &f);
	for (i = 0; i < b.len; i++) {
		for (m = 0; m < VO_ARRAY_SIZE(masks); m++) {
			poke(path, i, b.p[i] ^ masks[m]);
			if (read_all(path, &rows, &err) == VO_OK)
				ok++;
			else
				bad++;
		}
		poke(path, i, b.p[i]);
	}
	if (getenv("VOUCH_VERBOSE"))
		fprintf(stderr, "flip: %zu bytes, %zu ok, %zu errors\n", b.len, ok, bad);
	/* Both outcomes happen: the damage is noticed, and harmless damage is harmless. */
	assert_true(bad > b.len / 2);
	assert_true(ok > b.len);
	bb_free(&b);
}

/* ------------------------------------------------------------------------ */
/* The real file                                                            */

static void test_real_facts(void **state)
{
	struct vo_parquet_reader *r = NULL;
	struct vo_error err = { 0 };
	struct vo_batch b;
	uint64_t rows = 0;
	uint64_t china = 0;
	uint64_t latvia = 0;
	uint64_t peru = 0;
	uint64_t australia = 0;
	uint64_t voucher_nulls = 0;
	uint64_t orders_empty = 0;
	uint64_t orders_2 = 0;
	uint64_t dict_batches = 0;
	uint64_t plain_batches = 0;
	const struct vo_column *c;
	struct vo_str s;
	size_t i;

	(void)state;
	if (!file_exists(REAL_FILE))
		skip();
	assert_int_equal(vo_parquet_reader_open(&r, REAL_FILE, &err), VO_OK);
	assert_int_equal(vo_parquet_reader_num_rows(r), REAL_ROWS);
	for (;;) {
		assert_int_equal(vo_parquet_reader_next(r, &b, &err), VO_OK);
		if (!b.nrows)
			break;
		assert_int_equal(b.first_row, rows + 1);
		if (rows == 0) {
			c = &b.col[VO_COL_TIMESTAMP];
			assert_int_equal(c->type, VO_V_STR);
			s = c->values.str[vo_column_slot(c, 0)];
			assert_true(vo_str_eq(s, VO_STR_LIT("2018-07-21 18:59:21.102761")));
			c = &b.col[VO_COL_COUNTRY];
			s = c->values.str[vo_column_slot(c, 0)];
			assert_true(vo_str_eq(s, VO_STR_LIT("Latvia")));
			c = &b.col[VO_COL_LAST_ORDER_TS];
			s = c->values.str[vo_column_slot(c, 0)];
			assert_true(vo_str_eq(s, VO_STR_LIT("2018-04-20")));
			c = &b.col[VO_COL_FIRST_ORDER_TS];
			assert_int_equal(c->type, VO_V_TS);
			assert_int_equal(c->values.i64[vo_column_slot(c, 0)], 1523923200000000LL);
			c = &b.col[VO_COL_TOTAL_ORDERS];
			s = c->values.str[vo_column_slot(c, 0)];
			assert_true(vo_str_eq(s, VO_STR_LIT("0.0")));
			c = &b.col[VO_COL_VOUCHER_AMOUNT];
			assert_int_equal(c->type, VO_V_F64);
			assert_false(vo_column_is_null(c, 0));
			assert_true(c->values.f64[vo_column_slot(c, 0)] == 4400.0);
		}
		c = &b.col[VO_COL_TIMESTAMP];
		if (c->idx)
			dict_batches++;
		else
			plain_batches++;
		c = &b.col[VO_COL_COUNTRY];
		for (i = 0; i < b.nrows; i++) {
			assert_false(vo_column_is_null(c, i));
			s = c->values.str[vo_column_slot(c, i)];
			china += vo_str_eq(s, VO_STR_LIT("China"));
			latvia += vo_str_eq(s, VO_STR_LIT("Latvia"));
			peru += vo_str_eq(s, VO_STR_LIT("Peru"));
			australia += vo_str_eq(s, VO_STR_LIT("Australia"));
		}
		c = &b.col[VO_COL_VOUCHER_AMOUNT];
		for (i = 0; i < b.nrows; i++)
			voucher_nulls += vo_column_is_null(c, i);
		c = &b.col[VO_COL_TOTAL_ORDERS];
		for (i = 0; i < b.nrows; i++) {
			if (vo_column_is_null(c, i))
				continue;
			s = c->values.str[vo_column_slot(c, i)];
			orders_empty += s.len == 0;
			orders_2 += vo_str_eq(s, VO_STR_LIT("2.0"));
		}
		rows += b.nrows;
	}
	vo_parquet_reader_destroy(r);
	assert_int_equal(rows, REAL_ROWS);
	assert_int_equal(china, 99738);
	assert_int_equal(latvia, 62516);
	assert_int_equal(peru, 44920);
	assert_int_equal(australia, 78396);
	assert_int_equal(voucher_nulls, 1731);
	assert_int_equal(orders_empty, 22845);
	assert_int_equal(orders_2, 35137);
	/* the timestamp column switches from dictionary pages to PLAIN pages */
	assert_true(dict_batches > 0);
	assert_true(plain_batches > 0);
}

static void test_real_inspect(void **state)
{
	struct vo_error err = { 0 };
	struct vo_buf out;

	(void)state;
	if (!file_exists(REAL_FILE))
		skip();
	vo_buf_init(&out, 1 << 20);
	assert_int_equal(vo_parquet_inspect(REAL_FILE, &out, &err), VO_OK);
	assert_non_null(strstr(out.ptr, "size: 2854969 bytes\n"));
	assert_non_null(strstr(out.ptr, "created_by: parquet-cpp version 1.5.1-SNAPSHOT\n"));
	assert_non_null(strstr(out.ptr, "rows: 285570\n"));
	assert_non_null(strstr(out.ptr, "  first_order_ts: INT64, logical TIMESTAMP(MILLIS, "
					"utc=false), converted TIMESTAMP_MILLIS, OPTIONAL -> "
					"first_order_ts\n"));
	assert_non_null(strstr(out.ptr, "  voucher_amount: DOUBLE, OPTIONAL -> voucher_amount\n"));
	assert_non_null(strstr(out.ptr, "    timestamp: GZIP, encodings PLAIN_DICTIONARY, PLAIN, "
					"RLE, PLAIN; 2110036 bytes compressed, 8639608 "
					"uncompressed; 285570 values; dictionary page: yes\n"));
	/* Page headers: the dictionary, one page of indices, then plain pages. */
	assert_non_null(strstr(out.ptr, "dictionary page: yes\n      pages: DICTIONARY_PAGE "
					"PLAIN_DICTIONARY x1, DATA_PAGE PLAIN_DICTIONARY x1, "
					"DATA_PAGE PLAIN x7\n"));
	vo_buf_release(&out);
}

/* A writable copy of the real file; NULL when there is none. */
static uint8_t *real_copy(size_t *len, char *path, size_t path_len)
{
	uint8_t *p;

	if (!file_exists(REAL_FILE))
		return NULL;
	p = read_whole(REAL_FILE, len);
	vo_test_path(path, path_len, "real_copy.parquet");
	return p;
}

static void test_real_truncated(void **state)
{
	struct vo_error err = { 0 };
	char path[512];
	uint8_t *p;
	size_t len;
	size_t cut;
	size_t step;
	size_t flen;
	uint64_t rows;
	int rc;

	(void)state;
	p = real_copy(&len, path, sizeof(path));
	if (!p) {
		skip();
		return;
	}
	/* cut short: the footer's magic is gone, so open must fail */
	step = len / 97;
	for (cut = 0; cut < len; cut += cut < len - 5000 ? step : 61) {
		vo_test_write_file(path, p, cut);
		rc = read_all(path, &rows, &err);
		assert_int_not_equal(rc, VO_OK);
	}
	/* the footer moved onto a cut data section: offsets now point past the pages */
	flen = ((size_t)p[len - 8] | (size_t)p[len - 7] << 8 | (size_t)p[len - 6] << 16) + 8;
	for (cut = 4; cut < len - flen; cut += len / 41) {
		uint8_t *q = malloc(cut + flen);

		assert_non_null(q);
		memcpy(q, p, cut);
		memcpy(q + cut, p + len - flen, flen);
		vo_test_write_file(path, q, cut + flen);
		rc = read_all(path, &rows, &err);
		assert_int_not_equal(rc, VO_OK);
		free(q);
	}
	free(p);
}

static void test_real_damaged(void **state)
{
	/* page headers of the real file (dictionary and first data pages) */
	static const size_t pages[] = { 4,	 256712,  2110150, 2110220, 2159167, 2159452,
					2159909, 2170233, 2511687, 2512612, 2739015, 2739095 };
	struct vo_error err = { 0 };
	char path[512];
	uint8_t *p;
	size_t len;
	size_t footer;
	size_t pos;
	size_t i;
	uint64_t rows;
	size_t ok = 0;
	size_t bad = 0;
	uint8_t saved;
	uint8_t zeros[4096];

	(void)state;
	p = real_copy(&len, path, sizeof(path));
	if (!p) {
		skip();
		return;
	}
	vo_test_write_file(path, p, len);
	footer = (size_t)p[len - 8] | (size_t)p[len - 7] << 8 | (size_t)p[len - 6] << 16;
	assert_true(footer > 0 && footer + 12 < len);
	for (i = 0; i < 200; i++) {
		if (i < 110)
			pos = len - 8 - footer + (size_t)(rnd() % (footer + 8));
		else if (i < 180 && len == 2854969)
			pos = pages[i % VO_ARRAY_SIZE(pages)] + (size_t)(rnd() % 40);
		else
			pos = (size_t)(rnd() % len);
		saved = p[pos];
		p[pos] ^= (uint8_t)(1u << (rnd() % 8));
		if (rnd() % 4 == 0)
			p[pos] = (uint8_t)rnd();
		poke(path, pos, p[pos]);
		if (read_all(path, &rows, &err) == VO_OK) {
			ok++;
			assert_true(rows <= REAL_ROWS);
		} else {
			bad++;
		}
		p[pos] = saved;
		poke(path, pos, saved);
	}
	if (getenv("VOUCH_VERBOSE"))
		fprintf(stderr, "real file flips: %zu ok, %zu errors\n", ok, bad);
	assert_true(bad > 20);
	assert_true(ok > 20);
	/* zero-filled stretches (a sparse or half-written file) */
	memset(zeros, 0, sizeof(zeros));
	for (pos = 0; pos + sizeof(zeros) < len - footer - 8; pos += len / 23) {
		int fd = open(path, O_WRONLY);

		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, zeros, sizeof(zeros), (off_t)pos), sizeof(zeros));
		assert_int_equal(read_all(path, &rows, &err) != VO_OK, true);
		assert_int_equal(pwrite(fd, p + pos, sizeof(zeros), (off_t)pos), sizeof(zeros));
		assert_int_equal(close(fd), 0);
	}
	free(p);
}

/* ------------------------------------------------------------------------ */

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typed_plain_v1), cmocka_unit_test(test_v2_delta_gzip),
		cmocka_unit_test(test_legacy_types),   cmocka_unit_test(test_inspect_synthetic),
		cmocka_unit_test(test_streamed_pages), cmocka_unit_test(test_streamed_damage),
		cmocka_unit_test(test_errors),	       cmocka_unit_test(test_not_parquet),
		cmocka_unit_test(test_alloc_failures), cmocka_unit_test(test_flip_every_byte),
		cmocka_unit_test(test_real_facts),     cmocka_unit_test(test_real_inspect),
		cmocka_unit_test(test_real_truncated), cmocka_unit_test(test_real_damaged),
	};

	return cmocka_run_group_tests(tests, vo_test_dir_setup, vo_test_dir_teardown);
}
