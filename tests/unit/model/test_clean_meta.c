/*
 * test_clean_meta.c - the clean metadata (model/clean_meta.h): what
 * vo_clean_meta_render() writes vo_clean_meta_parse() reads back; the reader
 * is as strict as the artifact's, with the key named (a fraction such as
 * "rows_read": 1.5, which the old reader truncated, is refused); several
 * files sum, and must agree on the selection; and vo_clean_meta_apply()
 * checks the cleaned rows and re-seals.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "model/clean_meta.h"
#include "testutil.h"

static const char good[] =
	"{\"format\": \"vouch-clean/1\",\n"
	" \"sources\": [{\"path\": \"a.parquet\", \"bytes\": 100, \"sha256\": "
	"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\", \"rows\": 30}],\n"
	" \"countries_selected\": [\"Peru\", \"Chile\"],\n"
	" \"quality\": {\"rows_read\": 30, \"rows_kept\": 10, \"missing_total_orders\": 1,\n"
	"   \"dropped\": {\"other_country\": 15, \"invalid_timestamp\": 1, "
	"\"invalid_total_orders\": 1,"
	" \"missing_voucher_amount\": 1, \"invalid_voucher_amount\": 1,"
	" \"first_order_after_last_order\": 0, \"order_before_last_order\": 1}}}\n";

/* good with the first occurrence of from replaced by to. */
static char *edit(const char *from, const char *to)
{
	const char *at = strstr(good, from);
	size_t n = strlen(good) - strlen(from) + strlen(to) + 1;
	char *s = vo_malloc(n);

	assert_non_null(at);
	assert_non_null(s);
	snprintf(s, n, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	return s;
}

static int parse(const char *text, struct vo_clean_meta *m, struct vo_error *err)
{
	return vo_clean_meta_parse(text, strlen(text), "clean.csv.meta.json", m, err);
}

static void test_parse(void **state)
{
	struct vo_clean_meta m;
	struct vo_error err = { 0 };

	(void)state;
	assert_int_equal(parse(good, &m, &err), VO_OK);
	assert_int_equal(m.nfiles, 1);
	assert_int_equal(m.nsources, 1);
	assert_string_equal(m.sources[0].path, "a.parquet");
	assert_int_equal(m.sources[0].bytes, 100);
	assert_int_equal(m.sources[0].rows, 30);
	assert_int_equal(m.ncountries, 2);
	assert_string_equal(m.countries[1], "Chile");
	assert_int_equal(m.quality.rows_read, 30);
	assert_int_equal(m.quality.rows_kept, 10);
	assert_int_equal(m.quality.missing_total_orders, 1);
	assert_int_equal(m.quality.dropped[VO_OUT_OTHER_COUNTRY], 15);
	assert_int_equal(m.quality.dropped[VO_OUT_ORDER_BEFORE_LAST], 1);
	vo_clean_meta_release(&m);
}

static void test_refused(void **state)
{
	static const struct {
		const char *from;
		const char *to;
		const char *msg;
	} bad[] = {
		/* the bug of the old reader: a fraction was taken and truncated */
		{ "\"rows_read\": 30", "\"rows_read\": 1.5",
		  "clean.csv.meta.json: quality.rows_read: expected a whole number >= 0" },
		{ "\"rows_kept\": 10", "\"rows_kept\": -10",
		  "quality.rows_kept: expected a whole number >= 0" },
		{ "\"bytes\": 100", "\"bytes\": \"100\"",
		  "sources[0].bytes: expected a whole number >= 0" },
		{ "\"other_country\": 15", "\"other_country\": 15.25",
		  "quality.dropped.other_country: expected a whole number >= 0" },
		{ "\"rows\": 30", "\"rows\": 1e300", "sources[0].rows: expected a whole number" },
		{ "\"vouch-clean/1\"", "\"vouch-segments/1\"",
		  "clean.csv.meta.json: not a vouch clean metadata file" },
		{ "\"sha256\": \"aaaa", "\"sha256\": \"AAAA", "sources[0].sha256: expected 64" },
		{ "\"Chile\"", "\"peru \"",
		  "countries_selected[1]: country 'peru ' appears twice" },
		{ "\"Chile\"", "7", "countries_selected[1]: expected a non-empty string" },
		{ "\"missing_total_orders\": 1", "\"missing_total_orders\": 1, \"extra\": 2",
		  "quality: unexpected key 'extra'" },
		{ "\"countries_selected\"", "\"countries\"", "unexpected key 'countries'" },
		{ "\"rows_read\": 30", "\"rows_read\": 31",
		  "quality: rows_kept and dropped sum to 30 but rows_read is 31" },
		{ "\"missing_total_orders\": 1", "\"missing_total_orders\": 11",
		  "quality: missing_total_orders exceeds rows_kept" },
		{ "}}}\n", "}}} x", "not valid JSON (text after the document at byte" },
		{ "}}}\n", "}}", "not valid JSON (at byte" },
		{ "\n", "\x01", "not valid JSON (control byte 0x01 at byte" },
	};
	struct vo_clean_meta m;
	struct vo_error err;
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++) {
		char *text = edit(bad[i].from, bad[i].to);
		int rc;

		vo_error_clear(&err);
		rc = parse(text, &m, &err);
		vo_clean_meta_release(&m);
		vo_free(text);
		if (rc != VO_EFORMAT)
			fail_msg("case %zu: code %d, want VO_EFORMAT (%s)", i, rc, err.msg);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg, bad[i].msg);
	}
}

/* A small artifact to render: two sources, two countries, consistent quality. */
static void make(struct vo_artifact *a)
{
	static const char *const names[] = { "Peru", "Chile" };
	size_t i;

	memset(a, 0, sizeof(*a));
	assert_int_equal(vo_segconfig_default(&a->config), VO_OK);
	a->nsources = 2;
	a->sources = vo_calloc(2, sizeof(*a->sources));
	for (i = 0; i < 2; i++) {
		a->sources[i].path = vo_strdup(i ? "b.csv" : "a.csv");
		a->sources[i].bytes = 100 * (i + 1);
		a->sources[i].rows = 10 * (i + 1);
		memset(a->sources[i].sha256, i ? 'b' : 'a', 64);
	}
	a->quality.rows_read = 30;
	a->quality.rows_kept = 12;
	a->quality.missing_total_orders = 2;
	a->quality.dropped[VO_OUT_OTHER_COUNTRY] = 18;
	a->outside = vo_calloc(a->config.nsegs, sizeof(*a->outside));
	a->ncountries = 2;
	a->countries = vo_calloc(2, sizeof(*a->countries));
	for (i = 0; i < 2; i++) {
		a->countries[i].name = vo_strdup(names[i]);
		a->countries[i].cells = vo_calloc(a->config.ncells, sizeof(struct vo_cell));
	}
}

static void test_round_trip_and_sum(void **state)
{
	static char p1[512];
	static char p2[512];
	static char m1[600];
	static char m2[600];
	const char *csvs[2];
	struct vo_clean_meta m;
	struct vo_error err = { 0 };
	struct vo_artifact a;
	struct vo_buf b;

	(void)state;
	make(&a);
	vo_buf_init(&b, 1u << 20);
	assert_int_equal(vo_clean_meta_render(&a, &b), VO_OK);
	assert_int_equal(vo_clean_meta_parse(b.ptr, b.len, "x.meta.json", &m, &err), VO_OK);
	assert_int_equal(m.nsources, 2);
	assert_string_equal(m.sources[1].path, "b.csv");
	assert_memory_equal(m.sources[1].sha256, a.sources[1].sha256, VO_SHA256_HEX);
	assert_int_equal(m.ncountries, 2);
	assert_memory_equal(&m.quality, &a.quality, sizeof(m.quality));
	vo_clean_meta_release(&m);
	vo_buf_release(&b);

	/* Two cleaned files: sources concatenated, quality summed. */
	csvs[0] = vo_test_path(p1, sizeof(p1), "one.csv");
	csvs[1] = vo_test_path(p2, sizeof(p2), "two.csv");
	snprintf(m1, sizeof(m1), "%s.meta.json", p1);
	snprintf(m2, sizeof(m2), "%s.meta.json", p2);
	assert_int_equal(vo_clean_meta_write(&a, m1, &err), VO_OK);
	assert_int_equal(vo_clean_meta_write(&a, m2, &err), VO_OK);
	assert_int_equal(vo_clean_meta_load_inputs(csvs, 2, &m, &err), VO_OK);
	assert_int_equal(m.nfiles, 2);
	assert_int_equal(m.nsources, 4);
	assert_string_equal(m.sources[2].path, "a.csv");
	assert_int_equal(m.quality.rows_read, 60);
	assert_int_equal(m.quality.rows_kept, 24);
	assert_int_equal(m.quality.dropped[VO_OUT_OTHER_COUNTRY], 36);
	vo_clean_meta_release(&m);

	/* None: no metadata, no error. */
	csvs[1] = "nowhere/none.csv";
	csvs[0] = "nowhere/else.csv";
	assert_int_equal(vo_clean_meta_load_inputs(csvs, 2, &m, &err), VO_OK);
	assert_int_equal(m.nfiles, 0);
	vo_clean_meta_release(&m);

	/* Some but not all. */
	csvs[0] = p1;
	assert_int_equal(vo_clean_meta_load_inputs(csvs, 2, &m, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "some inputs have a .meta.json file and some do not"));
	vo_clean_meta_release(&m);

	/* Another selection. */
	vo_free(a.countries[1].name);
	a.countries[1].name = vo_strdup("Latvia");
	assert_int_equal(vo_clean_meta_write(&a, m2, &err), VO_OK);
	csvs[1] = p2;
	assert_int_equal(vo_clean_meta_load_inputs(csvs, 2, &m, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "two.csv.meta.json: cleaned with a different country"));
	vo_clean_meta_release(&m);
	vo_artifact_release(&a);
}

static void test_apply(void **state)
{
	struct vo_clean_meta m;
	struct vo_error err = { 0 };
	struct vo_artifact a;
	struct vo_artifact seg;
	char version[VO_SHA256_HEX];
	struct vo_buf b;

	(void)state;
	make(&a);
	vo_buf_init(&b, 1u << 20);
	assert_int_equal(vo_clean_meta_render(&a, &b), VO_OK);
	assert_int_equal(vo_clean_meta_parse(b.ptr, b.len, "x.meta.json", &m, &err), VO_OK);
	vo_buf_release(&b);

	/* What segmenting the cleaned CSV gives: every row read and kept, one source. */
	make(&seg);
	seg.quality.rows_read = 12;
	seg.quality.rows_kept = 12;
	seg.quality.missing_total_orders = 2;
	seg.quality.dropped[VO_OUT_OTHER_COUNTRY] = 0;
	assert_int_equal(vo_artifact_seal(&seg), VO_OK);
	memcpy(version, seg.version, sizeof(version));
	seg.quality.rows_read = 13;
	assert_int_equal(vo_clean_meta_apply(&m, &seg, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "was the CSV edited?"));
	seg.quality.rows_read = 12;
	assert_int_equal(vo_clean_meta_apply(&m, &seg, &err), VO_OK);
	assert_memory_equal(&seg.quality, &a.quality, sizeof(a.quality));
	assert_int_equal(seg.nsources, 2);
	assert_int_equal(m.nsources, 0); /* moved */
	assert_string_not_equal(seg.version, version);
	/* The same quality and sources as a: the same version. */
	assert_int_equal(vo_artifact_seal(&a), VO_OK);
	assert_string_equal(seg.version, a.version);
	vo_clean_meta_release(&m);
	vo_artifact_release(&seg);
	vo_artifact_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_round_trip_and_sum),
		cmocka_unit_test(test_apply),
	};

	return cmocka_run_group_tests(tests, vo_test_dir_setup, vo_test_dir_teardown);
}
