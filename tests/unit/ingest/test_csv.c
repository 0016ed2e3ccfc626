/*
 * test_csv.c - the streaming CSV reader and vo_csv_append_field().
 *
 * Inputs are written to files in a fresh temporary folder.  Most tests read
 * a whole file into a "dump" (one line per row, each of the six logical
 * columns in SPEC order as [value]) and compare it with the expected text.
 * Two tests compare the reader with a small, obviously correct reference
 * parser on random inputs, big enough to cross the read buffer's edges.
 * Gzip-compressed inputs (one or several members, cut anywhere) must read
 * exactly like the plain text.
 */
#include "core/common.h"

#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libdeflate.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "ingest/csv.h"
#include "testutil.h"

#define HEADER "timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount"

static char pathbuf[512];

/* Writes len bytes to a file named name in the temporary folder; returns its path. */
static const char *write_file(const char *name, const void *data, size_t len)
{
	FILE *f;

	snprintf(pathbuf, sizeof(pathbuf), "%s/%s", vo_test_dir, name);
	f = fopen(pathbuf, "wb");
	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return pathbuf;
}

static const char *write_str(const char *name, const char *s)
{
	return write_file(name, s, strlen(s));
}

/*
 * Writes len bytes gzip-compressed to name, as one member per piece: the
 * text is cut at the nmembers - 1 offsets in cuts (ascending, at most len).
 */
static const char *write_gz(const char *name, const void *data, size_t len, const size_t *cuts,
			    size_t ncuts)
{
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(6);
	struct vo_buf gz;
	size_t from = 0;
	size_t k;
	const char *p;

	assert_non_null(z);
	vo_buf_init(&gz, SIZE_MAX);
	for (k = 0; k <= ncuts; k++) {
		size_t to = len;
		size_t bound;
		size_t n;

		if (cuts && k < ncuts)
			to = cuts[k];
		bound = libdeflate_gzip_compress_bound(z, to - from);

		assert_int_equal(vo_buf_grow(&gz, bound), VO_OK);
		n = libdeflate_gzip_compress(z, (const char *)data + from, to - from,
					     gz.ptr + gz.len, bound);
		assert_true(n > 0);
		gz.len += n;
		from = to;
	}
	p = write_file(name, gz.ptr, gz.len);
	vo_buf_release(&gz);
	libdeflate_free_compressor(z);
	return p;
}

/*
 * Reads the whole file into out as "[c0][c1]...[c5]\n" per row, checking
 * the batch invariants on the way.  Returns the reader's status; err holds
 * the message.
 */
static int dump(const char *path, struct vo_buf *out, struct vo_error *err)
{
	struct vo_csv_reader *r = NULL;
	struct vo_batch b;
	uint64_t expect_first = 1;
	int rc;

	vo_error_clear(err);
	rc = vo_csv_reader_open(&r, path, err);
	if (rc) {
		assert_null(r);
		return rc;
	}
	for (;;) {
		size_t i;
		int c;

		rc = vo_csv_reader_next(r, &b, err);
		if (rc)
			break;
		if (b.nrows == 0)
			break;
		assert_true(b.nrows <= VO_BATCH_ROWS);
		assert_int_equal(b.first_row, expect_first);
		expect_first += b.nrows;
		for (c = 0; c < VO_COL_COUNT; c++) {
			assert_int_equal(b.col[c].type, VO_V_STR);
			assert_null(b.col[c].valid);
			assert_null(b.col[c].idx);
			assert_int_equal(b.col[c].nvalues, b.nrows);
		}
		for (i = 0; i < b.nrows; i++) {
			for (c = 0; c < VO_COL_COUNT; c++) {
				assert_int_equal(vo_buf_addch(out, '['), VO_OK);
				assert_int_equal(vo_buf_addview(out, b.col[c].values.str[i]),
						 VO_OK);
				assert_int_equal(vo_buf_addch(out, ']'), VO_OK);
			}
			assert_int_equal(vo_buf_addch(out, '\n'), VO_OK);
		}
	}
	if (rc == VO_OK) {
		/* The end is sticky. */
		assert_int_equal(vo_csv_reader_next(r, &b, err), VO_OK);
		assert_int_equal(b.nrows, 0);
	}
	vo_csv_reader_destroy(r);
	return rc;
}

/* Reads the file expecting success and exactly the dump `expect`. */
static void expect_rows(const char *path, const char *expect)
{
	struct vo_buf out;
	struct vo_error err;
	int rc;

	vo_buf_init(&out, SIZE_MAX);
	rc = dump(path, &out, &err);
	if (rc)
		fail_msg("unexpected error %d: %s", rc, err.msg);
	assert_string_equal(out.ptr ? out.ptr : "", expect);
	vo_buf_release(&out);
}

/* Reads the file expecting error code with a message containing each needle. */
static void expect_error(const char *path, int code, const char *needle1, const char *needle2)
{
	struct vo_buf out;
	struct vo_error err;
	int rc;

	vo_buf_init(&out, SIZE_MAX);
	rc = dump(path, &out, &err);
	vo_buf_release(&out);
	if (rc != code)
		fail_msg("expected %d, got %d: %s", code, rc, err.msg);
	assert_int_equal(err.code, code);
	if (strncmp(err.msg, path, strlen(path)) != 0)
		fail_msg("message does not start with the path: %s", err.msg);
	if (needle1 && !strstr(err.msg, needle1))
		fail_msg("'%s' not in message: %s", needle1, err.msg);
	if (needle2 && !strstr(err.msg, needle2))
		fail_msg("'%s' not in message: %s", needle2, err.msg);
}

/* ---- header ------------------------------------------------------------ */

static void test_header_mapping(void **state)
{
	const char *p;

	(void)state;
	/* Reordered, alias, padded and quoted names, extra columns (one unnamed). */
	p = write_str("map.csv", ",order_ts,voucher_amount, country_code ,\"total_orders\",note,"
				 "last_order_ts,\"first_order_ts \",extra\n"
				 "0,T,V,C,N,x,L,F,y\n"
				 "1,T2,V2,C2,N2,x2,L2,F2,y2\n");
	expect_rows(p, "[T][C][L][F][N][V]\n[T2][C2][L2][F2][N2][V2]\n");

	/* Exact names only: a differently spelled column is an extra one. */
	p = write_str("case.csv", "Timestamp," HEADER "\nX,T,C,L,F,N,V\n");
	expect_rows(p, "[T][C][L][F][N][V]\n");
}

static void test_missing_column(void **state)
{
	char msg[600];
	const char *p;
	struct vo_csv_reader *r = (void *)1;
	struct vo_error err;

	(void)state;
	p = write_str("missing.csv", "timestamp,country_code,last_order_ts,first_order_ts,"
				     "total_orders,voucher\nT,C,L,F,N,V\n");
	assert_int_equal(vo_csv_reader_open(&r, p, &err), VO_EFORMAT);
	assert_null(r);
	snprintf(msg, sizeof(msg), "%s: missing column 'voucher_amount'", p);
	assert_string_equal(err.msg, msg);

	p = write_str("missing2.csv", "a,b,c\n1,2,3\n");
	expect_error(p, VO_EFORMAT, "missing column 'timestamp'", NULL);
}

static void test_duplicate_column(void **state)
{
	const char *p;

	(void)state;
	p = write_str("dup.csv", HEADER ",country_code\nT,C,L,F,N,V,C2\n");
	expect_error(p, VO_EFORMAT, "duplicate column 'country_code'", "fields 2 and 7");
	p = write_str("dup_alias.csv", HEADER ",order_ts\nT,C,L,F,N,V,T2\n");
	expect_error(p, VO_EFORMAT, "duplicate column 'order_ts'", "'timestamp'");
	p = write_str("dup_trim.csv", "order_ts, timestamp," HEADER "\n");
	expect_error(p, VO_EFORMAT, "duplicate column 'timestamp'", "fields 1 and 2");
}

static void test_bom(void **state)
{
	const char *p;

	(void)state;
	p = write_str("bom.csv", "\xEF\xBB\xBF" HEADER "\nT,C,L,F,N,V\n");
	expect_rows(p, "[T][C][L][F][N][V]\n");
	/* Only one BOM, at the very start, is skipped. */
	p = write_str("bom2.csv", "\xEF\xBB\xBF\xEF\xBB\xBF" HEADER "\nT,C,L,F,N,V\n");
	expect_error(p, VO_EFORMAT, "missing column 'timestamp'", NULL);
}

static void test_empty_file(void **state)
{
	char msg[600];
	const char *p;
	struct vo_csv_reader *r = NULL;
	struct vo_error err;

	(void)state;
	p = write_file("empty.csv", "", 0);
	assert_int_equal(vo_csv_reader_open(&r, p, &err), VO_EFORMAT);
	snprintf(msg, sizeof(msg), "%s: empty file", p);
	assert_string_equal(err.msg, msg);
	p = write_str("bomonly.csv", "\xEF\xBB\xBF");
	expect_error(p, VO_EFORMAT, "empty file", NULL);
	p = write_str("blank.csv", "\n\r\n\n");
	expect_error(p, VO_EFORMAT, "no header record", NULL);
}

static void test_header_only(void **state)
{
	const char *p;

	(void)state;
	p = write_str("h1.csv", HEADER "\n");
	expect_rows(p, "");
	p = write_str("h2.csv", HEADER);
	expect_rows(p, "");
	p = write_str("h3.csv", HEADER "\r\n\r\n");
	expect_rows(p, "");
}

static void test_bad_header(void **state)
{
	const char *p;

	(void)state;
	p = write_str("hq.csv", "time\"stamp," HEADER "\n");
	expect_error(p, VO_EFORMAT, "header (line 1): field 1: quote inside an unquoted field",
		     NULL);
	p = write_str("hq2.csv", "\n\n" HEADER ",\"x\"y\n");
	expect_error(p, VO_EFORMAT, "header (line 3): field 7: unexpected character", NULL);
}

/* ---- records ----------------------------------------------------------- */

static void test_line_ends(void **state)
{
	const char *p;

	(void)state;
	p = write_str("crlf.csv", HEADER "\r\nT,C,L,F,N,V\r\n\"T2\",C2,L2,F2,N2,\"V2\"\r\nT3,C3,L3,"
					 "F3,N3,V3\n");
	expect_rows(p, "[T][C][L][F][N][V]\n[T2][C2][L2][F2][N2][V2]\n[T3][C3][L3][F3][N3][V3]\n");

	/* No line end after the last record, in an unquoted and a quoted field. */
	p = write_str("noeol.csv", HEADER "\nT,C,L,F,N,V");
	expect_rows(p, "[T][C][L][F][N][V]\n");
	p = write_str("noeol2.csv", HEADER "\nT,C,L,F,N,\"V\"");
	expect_rows(p, "[T][C][L][F][N][V]\n");
	p = write_str("noeol3.csv", HEADER "\nT,C,L,F,N,");
	expect_rows(p, "[T][C][L][F][N][]\n");

	/* A CR without LF is an error, inside a field or before EOF. */
	p = write_str("cr.csv", HEADER "\nT,C\rX,L,F,N,V\n");
	expect_error(p, VO_EFORMAT, "row 1: column 'country_code': carriage return", "(line 2)");
	p = write_str("cr2.csv", HEADER "\nT,C,L,F,N,V\r");
	expect_error(p, VO_EFORMAT, "row 1: column 'voucher_amount': carriage return", NULL);
	p = write_str("cr3.csv", HEADER "\nT,C,L,F,N,V\n\rT,C,L,F,N,V\n");
	expect_error(p, VO_EFORMAT, "row 2: column 'timestamp': carriage return", "(line 3)");
}

static void test_quoted_fields(void **state)
{
	const char *p;

	(void)state;
	p = write_str("quoted.csv",
		      HEADER "\n"
			     "\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\",\"\",\"\"\"\",\"x\r\ny\"\n"
			     "\"\"\"\"\"\",C,\"\",,\"  \",\"end\"\"\"\n"
			     "T,C,L,F,N,V\n");
	expect_rows(p, "[a,b][say \"hi\"][l1\nl2][][\"][x\r\ny]\n"
		       "[\"\"][C][][][  ][end\"]\n"
		       "[T][C][L][F][N][V]\n");
	/* Values are not trimmed. */
	p = write_str("spaces.csv", HEADER "\n T , C,L ,F,N,V\n");
	expect_rows(p, "[ T ][ C][L ][F][N][V]\n");
}

static void test_empty_fields_and_lines(void **state)
{
	const char *p;

	(void)state;
	p = write_str("emptyf.csv", HEADER "\n,,,,,\n\n\r\n,C,,,,\n\n");
	expect_rows(p, "[][][][][][]\n[][C][][][][]\n");
	/* Empty lines are not rows but are lines: row 3 starts on line 7. */
	p = write_str("emptyl.csv", "\n" HEADER "\n1,C,L,F,N,V\n\n2,C,L,F,N,V\n\n3,C,L,F,N\n");
	expect_error(p, VO_EFORMAT, "row 3: expected 6 fields as in the header, found 5",
		     "(line 7)");
}

static void test_ragged(void **state)
{
	const char *p;

	(void)state;
	p = write_str("ragged.csv", HEADER "\nT,C,L,F,N,V\nT,C,L,F,N,V\nT,C,L,F,N\nT,C,L,F,N,V\n");
	expect_error(p, VO_EFORMAT, ": row 3: expected 6 fields as in the header, found 5",
		     "(line 4)");
	p = write_str("ragged2.csv", HEADER "\nT,C,L,F,N,V,X,Y\n");
	expect_error(p, VO_EFORMAT, "row 1: expected 6 fields as in the header, found 8",
		     "(line 2)");
	/* A line of spaces is a record, not an empty line. */
	p = write_str("ragged3.csv", HEADER "\nT,C,L,F,N,V\n \n");
	expect_error(p, VO_EFORMAT, "row 2: expected 6 fields as in the header, found 1", NULL);
	/* Line numbers count the lines inside quoted fields. */
	p = write_str("ragged4.csv", HEADER "\n\"T\n\n\",C,L,F,N,V\nT,C\n");
	expect_error(p, VO_EFORMAT, "row 2: expected 6 fields as in the header, found 2",
		     "(line 5)");
}

static void test_quote_errors(void **state)
{
	const char *p;

	(void)state;
	p = write_str("q1.csv", HEADER "\nT,C,L,F,N,V\nT,ab\"c,L,F,N,V\n");
	expect_error(p, VO_EFORMAT, "row 2: column 'country_code': quote inside an unquoted field",
		     "(line 3)");
	p = write_str("q2.csv", HEADER "\nT,C,L,F,\"N\"x,V\n");
	expect_error(p, VO_EFORMAT,
		     "row 1: column 'total_orders': unexpected character after a closing quote",
		     NULL);
	p = write_str("q3.csv", HEADER "\nT,C,L,F,N,V\nT,C,L,F,N,\"V\nmore\n");
	expect_error(p, VO_EFORMAT,
		     "row 2: column 'voucher_amount': unterminated quoted field: no closing quote",
		     "(line 3)");
	p = write_str("q4.csv", HEADER "\nT,C,L,F,N,V,\"x\"\"\n");
	expect_error(p, VO_EFORMAT, "row 1: field 7: unterminated quoted field", NULL);
	p = write_str("q5.csv", HEADER "\nT,C,L,F,N, \"V\"\n");
	expect_error(p, VO_EFORMAT, "column 'voucher_amount': quote inside an unquoted field",
		     NULL);
}

static void test_open_errors(void **state)
{
	struct vo_csv_reader *r = NULL;
	struct vo_error err;
	char path[600];

	(void)state;
	snprintf(path, sizeof(path), "%s/does-not-exist.csv", vo_test_dir);
	assert_int_equal(vo_csv_reader_open(&r, path, &err), VO_ENOTFOUND);
	assert_null(r);
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(vo_csv_reader_open(&r, vo_test_dir, &err), VO_EIO);
	assert_non_null(strstr(err.msg, vo_test_dir));
	vo_csv_reader_destroy(NULL);
}

static void test_spent_after_error(void **state)
{
	struct vo_csv_reader *r = NULL;
	struct vo_error err;
	struct vo_batch b;
	const char *p;

	(void)state;
	p = write_str("spent.csv", HEADER "\nT,C\n");
	assert_int_equal(vo_csv_reader_open(&r, p, &err), VO_OK);
	assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_EFORMAT);
	assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_EINVAL);
	assert_int_equal(b.nrows, 0);
	vo_csv_reader_destroy(r);
}

/* ---- size and streaming ------------------------------------------------ */

static void test_big_record(void **state)
{
	size_t big = VO_CSV_RECORD_MAX - 100; /* far more than the initial buffer */
	struct vo_buf in;
	struct vo_buf out;
	struct vo_error err;
	const char *p;
	size_t i;

	(void)state;
	vo_buf_init(&in, SIZE_MAX);
	vo_buf_init(&out, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\nT,C,L,F,N,V\nT,\""), VO_OK);
	for (i = 0; i < big / 2; i++)
		assert_int_equal(vo_buf_add(&in, i % 1000 ? "ab" : "\"\"", 2), VO_OK);
	assert_int_equal(vo_buf_addstr(&in, "\",L,F,N,V\nT3,C3,L3,F3,N3,V3\n"), VO_OK);
	p = write_file("big.csv", in.ptr, in.len);
	assert_int_equal(dump(p, &out, &err), VO_OK);
	/* Row 2's country is the big field, unescaped. */
	{
		const char *row2 = strchr(out.ptr, '\n') + 1;
		const char *c = row2 + 3 + 1; /* "[T]" then "[" */
		size_t n = 0;

		for (i = 0; i < big / 2; i++) {
			if (i % 1000) {
				assert_int_equal(c[n], 'a');
				assert_int_equal(c[n + 1], 'b');
				n += 2;
			} else {
				assert_int_equal(c[n], '"');
				n += 1;
			}
		}
		assert_string_equal(c + n, "][L][F][N][V]\n[T3][C3][L3][F3][N3][V3]\n");
	}

	/* One byte more than the limit, counting the line end: VO_ELIMIT naming the row. */
	vo_buf_reset(&in);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\nT,C,L,F,N,V\nT,C,L,F,N,V\nT,C,L,F,N,"),
			 VO_OK);
	for (i = 0; i < VO_CSV_RECORD_MAX - 10; i++)
		assert_int_equal(vo_buf_addch(&in, 'x'), VO_OK);
	assert_int_equal(vo_buf_addstr(&in, "\n"), VO_OK);
	p = write_file("toobig.csv", in.ptr, in.len);
	expect_error(p, VO_ELIMIT, "row 3: record longer than", "(line 4)");
	/* Exactly the limit is fine. */
	in.len -= 2;
	assert_int_equal(vo_buf_addstr(&in, "\n"), VO_OK);
	p = write_file("justfits.csv", in.ptr, in.len);
	vo_buf_reset(&out);
	assert_int_equal(dump(p, &out, &err), VO_OK);
	/* An unterminated quote runs into the limit, not out of memory. */
	vo_buf_reset(&in);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\nT,C,L,F,N,\""), VO_OK);
	for (i = 0; i < 3 * (size_t)VO_CSV_RECORD_MAX; i++)
		assert_int_equal(vo_buf_addch(&in, i % 100 ? 'y' : '\n'), VO_OK);
	p = write_file("runaway.csv", in.ptr, in.len);
	expect_error(p, VO_ELIMIT, "row 1: record longer than", NULL);
	/* And so does a huge header. */
	in.len = 0;
	for (i = 0; i < (size_t)VO_CSV_RECORD_MAX + 1; i++)
		assert_int_equal(vo_buf_addch(&in, 'h'), VO_OK);
	p = write_file("bighead.csv", in.ptr, in.len);
	expect_error(p, VO_ELIMIT, "header (line 1): record longer than", NULL);
	vo_buf_release(&in);
	vo_buf_release(&out);
}

static void test_many_rows(void **state)
{
	const size_t n = 3 * VO_BATCH_ROWS + 123;
	struct vo_csv_reader *r = NULL;
	struct vo_error err;
	struct vo_batch b;
	struct vo_buf in;
	uint64_t seen = 0;
	size_t batches = 0;
	const char *p;
	size_t i;

	(void)state;
	vo_buf_init(&in, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\n"), VO_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(vo_buf_addf(&in, "ts%zu,c,l,f,%zu,v%s\n", i, i * 7,
					     i % 3 ? "" : "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
				 VO_OK);
	p = write_file("many.csv", in.ptr, in.len);
	assert_int_equal(vo_csv_reader_open(&r, p, &err), VO_OK);
	for (;;) {
		assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_OK);
		if (!b.nrows)
			break;
		batches++;
		assert_int_equal(b.first_row, seen + 1);
		for (i = 0; i < b.nrows; i++) {
			char want[32];
			uint64_t row = seen + i; /* 0-based */

			snprintf(want, sizeof(want), "ts%llu", (unsigned long long)row);
			assert_true(vo_str_eq_cstr(b.col[VO_COL_TIMESTAMP].values.str[i], want));
			snprintf(want, sizeof(want), "%llu", (unsigned long long)row * 7);
			assert_true(vo_str_eq_cstr(b.col[VO_COL_TOTAL_ORDERS].values.str[i], want));
		}
		seen += b.nrows;
	}
	assert_int_equal(seen, n);
	assert_true(batches >= 4);
	vo_csv_reader_destroy(r);
	vo_buf_release(&in);
}

/*
 * Rows of 1.5 KB: a whole batch would not fit in VO_CSV_BUFFER_MAX, so the
 * reader cuts batches short; rows stay in order, numbered without gaps.
 */
static void test_batch_cut(void **state)
{
	const size_t n = 7000;
	const size_t wide = 1500;
	struct vo_csv_reader *r = NULL;
	struct vo_error err;
	struct vo_batch b;
	struct vo_buf in;
	uint64_t seen = 0;
	size_t cut = 0;
	const char *p;
	size_t i;

	(void)state;
	assert_true(VO_BATCH_ROWS * wide > VO_CSV_BUFFER_MAX);
	vo_buf_init(&in, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\n"), VO_OK);
	for (i = 0; i < n; i++) {
		size_t k;

		assert_int_equal(vo_buf_addf(&in, "%zu,c,l,f,\"", i), VO_OK);
		for (k = 0; k < wide; k++)
			assert_int_equal(vo_buf_addch(&in, (char)('a' + (i + k) % 26)), VO_OK);
		assert_int_equal(vo_buf_addstr(&in, "\",v\n"), VO_OK);
	}
	p = write_file("wide.csv", in.ptr, in.len);
	assert_int_equal(vo_csv_reader_open(&r, p, &err), VO_OK);
	for (;;) {
		assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_OK);
		if (!b.nrows)
			break;
		assert_int_equal(b.first_row, seen + 1);
		if (b.nrows < VO_BATCH_ROWS && seen + b.nrows < n)
			cut++;
		for (i = 0; i < b.nrows; i++) {
			struct vo_str t = b.col[VO_COL_TOTAL_ORDERS].values.str[i];
			char want[24];

			snprintf(want, sizeof(want), "%llu", (unsigned long long)(seen + i));
			assert_true(vo_str_eq_cstr(b.col[VO_COL_TIMESTAMP].values.str[i], want));
			assert_int_equal(t.len, wide);
			assert_int_equal(t.ptr[0], 'a' + (seen + i) % 26);
			assert_int_equal(t.ptr[wide - 1], 'a' + (seen + i + wide - 1) % 26);
		}
		seen += b.nrows;
	}
	assert_int_equal(seen, n);
	assert_true(cut >= 2);
	vo_csv_reader_destroy(r);
	vo_buf_release(&in);
}

/* ---- writing ----------------------------------------------------------- */

static void test_append_field(void **state)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "", "" },
		{ "plain", "plain" },
		{ "2018-07-21 18:59:21.102761", "2018-07-21 18:59:21.102761" },
		{ "a,b", "\"a,b\"" },
		{ "a\"b", "\"a\"\"b\"" },
		{ "\"", "\"\"\"\"" },
		{ "a\nb", "\"a\nb\"" },
		{ "a\rb", "\"a\rb\"" },
		{ " lead", "\" lead\"" },
		{ "trail ", "\"trail \"" },
		{ "\ttab", "\"\ttab\"" },
		{ "in side", "in side" },
	};
	struct vo_buf out;
	struct vo_buf small;
	size_t i;

	(void)state;
	vo_buf_init(&out, SIZE_MAX);
	for (i = 0; i < VO_ARRAY_SIZE(cases); i++) {
		vo_buf_reset(&out);
		assert_int_equal(vo_csv_append_field(&out, vo_str_cstr(cases[i].in)), VO_OK);
		assert_string_equal(out.ptr ? out.ptr : "", cases[i].out);
	}
	/* On failure the buffer is unchanged. */
	vo_buf_init(&small, 9);
	assert_int_equal(vo_buf_addstr(&small, "ab,"), VO_OK);
	assert_int_equal(vo_csv_append_field(&small, vo_str_cstr("x\"y\"")), VO_ELIMIT);
	assert_int_equal(small.len, 3);
	assert_string_equal(small.ptr, "ab,");
	assert_int_equal(vo_csv_append_field(&small, vo_str_cstr("x\"y")), VO_OK);
	assert_string_equal(small.ptr, "ab,\"x\"\"y\"");
	vo_buf_release(&small);
	vo_buf_release(&out);
}

/* ---- random inputs ----------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	return (uint32_t)((uint64_t)(uint32_t)z * n >> 32);
}

/*
 * Writes rows of random fields (any of , " CR LF space and letters, some
 * empty, some long) through vo_csv_append_field(), with LF or CRLF line ends
 * and the odd empty line, and the expected dump alongside; then reads the
 * file back.  The file is several times the initial read buffer, so records
 * straddle refills, with and without doubled quotes.
 */
static void test_roundtrip_random(void **state)
{
	static const char alphabet[] = "ab,\"\r\n x";
	struct vo_buf in;
	struct vo_buf want;
	struct vo_buf got;
	struct vo_buf field;
	struct vo_error err;
	const char *p;
	size_t row;
	size_t c;

	(void)state;
	rng_state = 7;
	vo_buf_init(&in, SIZE_MAX);
	vo_buf_init(&want, SIZE_MAX);
	vo_buf_init(&got, SIZE_MAX);
	vo_buf_init(&field, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\r\n"), VO_OK);
	for (row = 0; row < 20000; row++) {
		for (c = 0; c < VO_COL_COUNT; c++) {
			size_t len = rnd(10) == 0 ? rnd(3000) : rnd(12);
			size_t k;

			vo_buf_reset(&field);
			for (k = 0; k < len; k++)
				assert_int_equal(
					vo_buf_addch(&field, alphabet[rnd(sizeof(alphabet) - 1)]),
					VO_OK);
			if (c)
				assert_int_equal(vo_buf_addch(&in, ','), VO_OK);
			assert_int_equal(vo_csv_append_field(&in, vo_buf_view(&field)), VO_OK);
			assert_int_equal(vo_buf_addch(&want, '['), VO_OK);
			assert_int_equal(vo_buf_addview(&want, vo_buf_view(&field)), VO_OK);
			assert_int_equal(vo_buf_addch(&want, ']'), VO_OK);
		}
		assert_int_equal(vo_buf_addch(&want, '\n'), VO_OK);
		assert_int_equal(vo_buf_addstr(&in, rnd(2) ? "\n" : "\r\n"), VO_OK);
		if (rnd(50) == 0)
			assert_int_equal(vo_buf_addstr(&in, rnd(2) ? "\n" : "\r\n"), VO_OK);
	}
	p = write_file("roundtrip.csv", in.ptr, in.len);
	assert_true(in.len > (size_t)4 * VO_CSV_RECORD_MAX);
	assert_int_equal(dump(p, &got, &err), VO_OK);
	assert_int_equal(got.len, want.len);
	assert_memory_equal(got.ptr, want.ptr, want.len);
	vo_buf_release(&in);
	vo_buf_release(&want);
	vo_buf_release(&got);
	vo_buf_release(&field);
}

/*
 * The reference: a byte-at-a-time parser of the same dialect, written for
 * clarity.  Fills want with the dump, or returns VO_EFORMAT and the 1-based
 * data row at fault.
 */
static int reference_parse(const char *s, size_t n, struct vo_buf *want, uint64_t *bad_row)
{
	size_t i = 0;
	uint64_t row = 0;
	bool header = true;

	for (;;) {
		size_t nf = 0;
		size_t mark = want->len;

		if (i == n)
			return VO_OK;
		if (s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			i += 2;
			continue;
		}
		if (!header)
			row++;
		*bad_row = row;
		for (;;) { /* one field */
			assert_int_equal(vo_buf_addch(want, '['), VO_OK);
			if (i < n && s[i] == '"') {
				i++;
				for (;;) {
					if (i == n)
						return VO_EFORMAT;
					if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
						vo_buf_addch(want, '"');
						i += 2;
					} else if (s[i] == '"') {
						i++;
						break;
					} else {
						vo_buf_addch(want, s[i++]);
					}
				}
				if (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r')
					return VO_EFORMAT;
			} else {
				while (i < n && s[i] != ',' && s[i] != '\n' && s[i] != '\r') {
					if (s[i] == '"')
						return VO_EFORMAT;
					vo_buf_addch(want, s[i++]);
				}
			}
			assert_int_equal(vo_buf_addch(want, ']'), VO_OK);
			nf++;
			if (i == n)
				break;
			if (s[i] == ',') {
				i++;
				continue;
			}
			if (s[i] == '\r') {
				if (i + 1 == n || s[i + 1] != '\n')
					return VO_EFORMAT;
				i++;
			}
			i++; /* the LF */
			break;
		}
		if (header) {
			header = false;
			want->len = mark;
			continue;
		}
		if (nf != VO_COL_COUNT)
			return VO_EFORMAT;
		vo_buf_addch(want, '\n');
	}
}

/*
 * Random short bodies against the reference: records of valid-looking
 * tokens (sometimes too few or too many), LF, CRLF or no line end, empty
 * lines, and in about half the inputs a few bytes of a CSV-hostile alphabet
 * dropped in at random places.
 */
static void test_random_vs_reference(void **state)
{
	static const char *const tokens[] = {
		"a", "", "\"\"", "\"a,b\"", "\"x\"\"y\"", "\"l\nm\"", " ", "\"\r\n\"", "bc d",
	};
	static const char *const ends[] = { "\n", "\r\n", "\n\n", "\r\n\r\n" };
	static const char hostile[] = ",\"\r\nab ";
	struct vo_buf in;
	struct vo_buf want;
	struct vo_buf got;
	struct vo_error err;
	const char *p;
	int iter;
	int nok = 0;

	(void)state;
	rng_state = 11;
	vo_buf_init(&in, SIZE_MAX);
	vo_buf_init(&want, SIZE_MAX);
	vo_buf_init(&got, SIZE_MAX);
	for (iter = 0; iter < 4000; iter++) {
		size_t nrec = rnd(5);
		uint64_t bad_row = 0;
		size_t k;
		int ref;
		int rc;

		vo_buf_reset(&in);
		vo_buf_reset(&want);
		vo_buf_reset(&got);
		assert_int_equal(vo_buf_addstr(&in, HEADER "\n"), VO_OK);
		for (k = 0; k < nrec; k++) {
			size_t nf = rnd(8) ? 6 : rnd(9);
			size_t f;

			for (f = 0; f < nf; f++) {
				if (f)
					assert_int_equal(vo_buf_addch(&in, ','), VO_OK);
				assert_int_equal(
					vo_buf_addstr(&in, tokens[rnd(VO_ARRAY_SIZE(tokens))]),
					VO_OK);
			}
			if (k + 1 < nrec || rnd(3))
				assert_int_equal(vo_buf_addstr(&in, ends[rnd(VO_ARRAY_SIZE(ends))]),
						 VO_OK);
		}
		if (rnd(2)) {
			size_t nmut = 1 + rnd(3);
			size_t head = strlen(HEADER "\n");

			for (k = 0; k < nmut; k++) {
				size_t at = head + rnd((uint32_t)(in.len - head + 1));

				assert_int_equal(vo_buf_addch(&in, 'x'), VO_OK);
				memmove(in.ptr + at + 1, in.ptr + at, in.len - 1 - at);
				in.ptr[at] = hostile[rnd(sizeof(hostile) - 1)];
			}
		}
		ref = reference_parse(in.ptr, in.len, &want, &bad_row);
		p = write_file("random.csv", in.ptr, in.len);
		rc = dump(p, &got, &err);
		if (rc != ref)
			fail_msg("input %d: reader %d, reference %d: %s", iter, rc, ref, err.msg);
		if (rc == VO_OK) {
			nok++;
			assert_int_equal(got.len, want.len);
			if (want.len)
				assert_memory_equal(got.ptr, want.ptr, want.len);
		} else {
			char needle[48];

			snprintf(needle, sizeof(needle),
				 ": row %llu: ", (unsigned long long)bad_row);
			if (!strstr(err.msg, needle))
				fail_msg("input %d: expected '%s' in: %s", iter, needle, err.msg);
		}
	}
	/* Both outcomes were exercised. */
	assert_true(nok > 1000);
	assert_true(nok < 3000);
	vo_buf_release(&in);
	vo_buf_release(&want);
	vo_buf_release(&got);
}

/* ---- gzip ------------------------------------------------------------ */

/* Reads plain and gzip forms of text and expects the same rows or the same error. */
static void expect_same_gz(const char *text, size_t len, const size_t *cuts, size_t ncuts)
{
	struct vo_buf a;
	struct vo_buf b;
	struct vo_error ea;
	struct vo_error eb;
	char plain[512];
	int ra;
	int rb;

	vo_buf_init(&a, SIZE_MAX);
	vo_buf_init(&b, SIZE_MAX);
	snprintf(plain, sizeof(plain), "%s", write_file("same.csv", text, len));
	ra = dump(plain, &a, &ea);
	rb = dump(write_gz("same.csv.gz", text, len, cuts, ncuts), &b, &eb);
	if (ra != rb)
		fail_msg("plain %d (%s), gzip %d (%s)", ra, ea.msg, rb, eb.msg);
	assert_int_equal(a.len, b.len);
	if (a.len)
		assert_memory_equal(a.ptr, b.ptr, a.len);
	/* Same message after the path. */
	if (ra)
		assert_string_equal(ea.msg + strlen(plain), eb.msg + strlen(plain) + 3);
	vo_buf_release(&a);
	vo_buf_release(&b);
}

/*
 * 12 MB of rows (the read buffer grows to its cap and refills many times),
 * in one gzip member and in members cut mid-record and mid-quote; also a
 * gzip file named .csv and one of a bad record.
 */
static void test_gzip(void **state)
{
	struct vo_buf in;
	size_t cuts[3];
	size_t i;

	(void)state;
	vo_buf_init(&in, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, "\xEF\xBB\xBF" HEADER ",extra\r\n"), VO_OK);
	for (i = 0; in.len < (12u << 20); i++)
		assert_int_equal(vo_buf_addf(&in,
					     "2018-07-21 18:59:%02zu.102761,Peru,2018-04-20,\"a\n"
					     "\"\"b\",%zu,%zu.0,x\r\n%s",
					     i % 60, i % 97, i * 7, i % 5 ? "" : "\n"),
				 VO_OK);
	expect_same_gz(in.ptr, in.len, NULL, 0);
	cuts[0] = 1;
	cuts[1] = in.len / 3 + 17;
	cuts[2] = 2 * in.len / 3;
	expect_same_gz(in.ptr, in.len, cuts, 3);
	/* An empty member between two others, and at the end. */
	cuts[0] = 100;
	cuts[1] = 100;
	cuts[2] = in.len;
	expect_same_gz(in.ptr, in.len, cuts, 3);
	/* A ragged row deep inside names the same row and line. */
	assert_int_equal(vo_buf_addstr(&in, "a,b\n"), VO_OK);
	expect_same_gz(in.ptr, in.len, NULL, 0);
	vo_buf_release(&in);
}

/* Reads path to its end; bytes_read must rise, stay below size until the end, then equal it. */
static void expect_bytes_read(const char *path, uint64_t size)
{
	struct vo_csv_reader *r = NULL;
	struct vo_error err;
	struct vo_batch b;
	uint64_t last = 0;
	size_t partial = 0;

	assert_int_equal(vo_csv_reader_open(&r, path, &err), VO_OK);
	for (;;) {
		uint64_t now;

		assert_int_equal(vo_csv_reader_next(r, &b, &err), VO_OK);
		now = vo_csv_reader_bytes_read(r);
		assert_true(now >= last);
		last = now;
		if (!b.nrows)
			break;
		if (now > 0 && now < size)
			partial++;
	}
	assert_int_equal(last, size);
	assert_true(partial > 0);
	vo_csv_reader_destroy(r);
}

/*
 * The progress line's measure of a CSV file: bytes read from the file, the
 * compressed ones for gzip, advancing batch by batch to the file's size.
 */
static void test_bytes_read(void **state)
{
	struct vo_buf in;
	uint64_t x = 42;
	struct stat st;
	const char *p;

	(void)state;
	vo_buf_init(&in, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, HEADER "\n"), VO_OK);
	while (in.len < (24u << 20))
		assert_int_equal(vo_buf_addf(&in,
					     "2018-07-21 18:59:00,Peru,2018-04-20,%llu,%llu,x\n",
					     (unsigned long long)(vo_test_xorshift(&x) % 100000),
					     (unsigned long long)(vo_test_xorshift(&x) % 10000)),
				 VO_OK);
	p = write_file("bytes.csv", in.ptr, in.len);
	expect_bytes_read(p, in.len);
	p = write_gz("bytes.csv.gz", in.ptr, in.len, NULL, 0);
	assert_int_equal(stat(p, &st), 0);
	assert_true((uint64_t)st.st_size < in.len);
	expect_bytes_read(p, (uint64_t)st.st_size);
	vo_buf_release(&in);
}

/* Truncated, corrupt, empty and misnamed gzip files fail with clear messages. */
static void test_gzip_errors(void **state)
{
	static const char rows[] = HEADER "\n2018-07-21,Peru,2018-04-20,2018-04-17,2,4400\n";
	struct vo_buf in;
	struct vo_buf gz;
	struct vo_buf out;
	struct vo_error err;
	const char *p;
	size_t cut;
	size_t i;

	(void)state;
	vo_buf_init(&in, SIZE_MAX);
	vo_buf_init(&gz, SIZE_MAX);
	vo_buf_init(&out, SIZE_MAX);
	for (i = 0; i < 200; i++)
		assert_int_equal(vo_buf_addstr(&in, i ? rows + strlen(HEADER) + 1 : rows), VO_OK);
	p = write_gz("whole.csv.gz", in.ptr, in.len, NULL, 0);
	{
		FILE *f = fopen(p, "rb");
		char chunk[4096];
		size_t n;

		assert_non_null(f);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			assert_int_equal(vo_buf_add(&gz, chunk, n), VO_OK);
		fclose(f);
	}
	/* Every cut (the first two bytes are not yet the magic: a CSV without columns). */
	for (cut = 0; cut < gz.len; cut++) {
		int rc;

		p = write_file("cut.csv.gz", gz.ptr, cut);
		vo_buf_reset(&out);
		rc = dump(p, &out, &err);
		if (rc != VO_EFORMAT)
			fail_msg("cut at %zu of %zu: %d %s", cut, gz.len, rc, err.msg);
		if (cut > 10 && !strstr(err.msg, "corrupt gzip data"))
			fail_msg("cut at %zu: %s", cut, err.msg);
	}
	p = write_file("cut.csv.gz", gz.ptr, gz.len - 4);
	expect_error(p, VO_EFORMAT, "corrupt gzip data after", "truncated");
	/* Bytes after the last member that are not another member. */
	assert_int_equal(vo_buf_addstr(&gz, "garbage"), VO_OK);
	p = write_file("trailing.csv.gz", gz.ptr, gz.len);
	{
		char needle[96];

		snprintf(needle, sizeof(needle),
			 "corrupt gzip data after %zu decompressed bytes: incorrect header check",
			 in.len);
		expect_error(p, VO_EFORMAT, needle, NULL);
	}
	/* A flipped byte in the deflate data. */
	gz.ptr[gz.len / 2] ^= 0x55;
	p = write_file("flipped.csv.gz", gz.ptr, gz.len - strlen("garbage"));
	expect_error(p, VO_EFORMAT, "corrupt gzip data", NULL);
	/* Nothing inside. */
	p = write_gz("empty.csv.gz", "", 0, NULL, 0);
	expect_error(p, VO_EFORMAT, "empty file", NULL);
	/* A gzip-compressed Parquet file. */
	p = write_gz("data.parquet.csv.gz", "PAR1\x15\x00PAR1", 10, NULL, 0);
	expect_error(p, VO_EUNSUPPORTED, "gzip-compressed Parquet is not supported", NULL);
	/* A gzip file named .csv reads as gzip. */
	p = write_gz("named.csv", in.ptr, in.len, NULL, 0);
	vo_buf_reset(&out);
	assert_int_equal(dump(p, &out, &err), VO_OK);
	assert_int_equal(strlen(out.ptr) > 0, 1);
	vo_buf_release(&in);
	vo_buf_release(&gz);
	vo_buf_release(&out);
}

/* ---- allocation failures ----------------------------------------------- */

static void test_alloc_failures(void **state)
{
	struct vo_buf in;
	struct vo_buf out;
	struct vo_error err;
	const char *p;
	uint64_t n;
	size_t i;
	bool done = false;

	(void)state;
	vo_buf_init(&in, SIZE_MAX);
	vo_buf_init(&out, SIZE_MAX);
	assert_int_equal(vo_buf_addstr(&in, HEADER ",extra\n"), VO_OK);
	/* Enough bytes to make the buffer grow. */
	for (i = 0; i < 5000; i++)
		assert_int_equal(vo_buf_addstr(&in, "2018-07-21 18:59:21.102761,Peru,2018-04-20,"
						    "2018-04-17 00:00:00,\"2.0\",4400.0,x\n"),
				 VO_OK);
	p = write_file("alloc.csv", in.ptr, in.len);
	/* The dump itself must not hit the failing allocator. */
	assert_int_equal(vo_buf_grow(&out, 2 * in.len), VO_OK);
again:
	for (n = 1; n < 100 && !done; n++) {
		int rc;

		vo_buf_reset(&out);
		vo_alloc_fail_at(n);
		rc = dump(p, &out, &err);
		vo_alloc_fail_at(0);
		if (rc == VO_OK) {
			done = true;
		} else {
			assert_int_equal(rc, VO_ENOMEM);
			assert_non_null(strstr(err.msg, p));
		}
	}
	assert_true(done);
	assert_true(n > 3); /* some failures were injected */
	if (!strstr(p, ".gz")) {
		/* The same through the gzip path, which allocates more. */
		p = write_gz("alloc.csv.gz", in.ptr, in.len, NULL, 0);
		done = false;
		goto again;
	}
	vo_buf_release(&in);
	vo_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_mapping),
		cmocka_unit_test(test_missing_column),
		cmocka_unit_test(test_duplicate_column),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_empty_fields_and_lines),
		cmocka_unit_test(test_ragged),
		cmocka_unit_test(test_quote_errors),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_spent_after_error),
		cmocka_unit_test(test_big_record),
		cmocka_unit_test(test_many_rows),
		cmocka_unit_test(test_batch_cut),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_gzip_errors),
		cmocka_unit_test(test_bytes_read),
		cmocka_unit_test(test_append_field),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_random_vs_reference),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, vo_test_dir_setup, vo_test_dir_teardown);
}
