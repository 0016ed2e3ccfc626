/*
 * test_artifact.c - the artifact's rendering (SPEC section 4), its canonical
 * form and version: content-only, independent of paths, source order and
 * build time.  Reading it back (vo_artifact_parse): the round trip gives the
 * same bytes, and every kind of damage is refused with the key named.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "gen/gen.h"
#include "model/artifact.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

static void make(struct vo_artifact *a, bool swap_sources, const char *path0)
{
	static const struct vo_vcount counts[] = { { 2640, 7 }, { 3520, 3 } };
	size_t i;

	memset(a, 0, sizeof(*a));
	assert_int_equal(vo_segconfig_default(&a->config), VO_OK);
	a->nsources = 2;
	a->sources = vo_calloc(2, sizeof(*a->sources));
	a->sources[swap_sources].path = vo_strdup(path0);
	a->sources[swap_sources].bytes = 100;
	a->sources[swap_sources].rows = 10;
	memset(a->sources[swap_sources].sha256, 'a', 64);
	a->sources[!swap_sources].path = vo_strdup("b.csv");
	a->sources[!swap_sources].bytes = 200;
	a->sources[!swap_sources].rows = 20;
	memset(a->sources[!swap_sources].sha256, 'b', 64);
	a->quality.rows_read = 30;
	a->quality.rows_kept = 10;
	a->quality.dropped[VO_OUT_OTHER_COUNTRY] = 20;
	a->outside = vo_calloc(2, sizeof(*a->outside));
	a->ncountries = 1;
	a->countries = vo_calloc(1, sizeof(*a->countries));
	a->countries[0].name = vo_strdup("Peru");
	a->countries[0].rows = 10;
	a->countries[0].cells = vo_calloc(a->config.ncells, sizeof(struct vo_cell));
	a->countries[0].fallback.has_voucher = true;
	a->countries[0].fallback.voucher = 2640;
	a->countries[0].fallback.voucher_rows = 7;
	a->countries[0].cells[0].rows = 10;
	a->countries[0].cells[0].has_voucher = true;
	a->countries[0].cells[0].voucher = 2640;
	a->countries[0].cells[0].voucher_rows = 7;
	a->countries[0].cells[0].ncounts = 2;
	a->countries[0].cells[0].counts = vo_calloc(2, sizeof(struct vo_vcount));
	for (i = 0; i < 2; i++)
		a->countries[0].cells[0].counts[i] = counts[i];
	assert_int_equal(vo_artifact_seal(a), VO_OK);
}

static void test_render(void **state)
{
	const cJSON *peru;
	const cJSON *cell;
	struct vo_artifact a;
	struct vo_buf b;
	cJSON *doc;

	(void)state;
	make(&a, false, "a.parquet");
	vo_buf_init(&b, 1 << 20);
	assert_int_equal(vo_artifact_render(&a, false, &b), VO_OK);
	doc = cJSON_Parse(b.ptr);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "format")->valuestring, "vouch-segments/1");
	assert_string_equal(cJSON_GetObjectItem(doc, "version")->valuestring, a.version);
	assert_int_equal(strlen(cJSON_GetObjectItem(doc, "built_at")->valuestring), 20);
	assert_string_equal(
		cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "sources"), 0),
				    "path")
			->valuestring,
		"a.parquet");
	peru = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "countries"), "Peru");
	assert_int_equal(
		cJSON_GetObjectItem(cJSON_GetObjectItem(peru, "fallback"), "rows")->valueint, 7);
	cell = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(peru, "segments"), "frequent_segment"),
		"0-4");
	assert_int_equal(cJSON_GetObjectItem(cell, "voucher_amount")->valueint, 2640);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cell, "counts"), "3520")->valueint,
			 3);
	/* every bucket of every segment is present; empty ones have a null voucher */
	cell = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(peru, "segments"), "recency_segment"),
		"180+");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(cell, "voucher_amount")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(cell, "counts")), 0);
	cJSON_Delete(doc);

	vo_buf_reset(&b);
	assert_int_equal(vo_artifact_render(&a, true, &b), VO_OK);
	assert_null(strstr(b.ptr, "built_at"));
	assert_null(strstr(b.ptr, "a.parquet"));
	assert_null(strstr(b.ptr, "\"version\""));
	/* sources sorted by digest in the canonical form */
	assert_true(strstr(b.ptr, "aaaa") < strstr(b.ptr, "bbbb"));
	vo_buf_release(&b);
	vo_artifact_release(&a);
}

static void test_version(void **state)
{
	struct vo_artifact a;
	struct vo_artifact b;

	(void)state;
	make(&a, false, "a.parquet");
	make(&b, true, "elsewhere/renamed.parquet");
	assert_string_equal(a.version, b.version); /* paths and order do not matter */
	b.countries[0].cells[0].counts[1].rows = 4;
	assert_int_equal(vo_artifact_seal(&b), VO_OK);
	assert_string_not_equal(a.version, b.version); /* content does */
	vo_artifact_release(&a);
	vo_artifact_release(&b);
}

/* Parses text, renders it again (pretty and canonical): the same bytes and version. */
static void round_trip(const char *text, size_t len, const char *origin)
{
	struct vo_artifact a;
	struct vo_error err;
	struct vo_buf b;
	char hex[VO_SHA256_HEX];

	if (vo_artifact_parse(text, len, origin, &a, &err))
		fail_msg("parse: %s", err.msg);
	vo_buf_init(&b, 1u << 28);
	assert_int_equal(vo_artifact_render(&a, false, &b), VO_OK);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.ptr, text, len);
	vo_buf_reset(&b);
	assert_int_equal(vo_artifact_render(&a, true, &b), VO_OK);
	assert_int_equal(vo_sha256_hex(b.ptr, b.len, hex), VO_OK);
	assert_string_equal(hex, a.version);
	vo_buf_release(&b);
	vo_artifact_release(&a);
}

static void test_parse_round_trip(void **state)
{
	static const char *const all[] = { "all" };
	static const char *const sel[] = { "Latvia", "Nowhere", "peru" };
	const char *real = VOUCH_SHARED_DIR "/data/data.parquet.gzip";
	struct vo_gen_options gopt = { 30000, 11 };
	struct vo_pipeline_options opt;
	struct vo_artifact a;
	struct vo_error err;
	struct vo_buf b;
	const char *input;
	char csv[512];
	char out[512];
	size_t i;

	(void)state;
	/* built in code */
	make(&a, false, "a.parquet");
	vo_buf_init(&b, 1u << 28);
	assert_int_equal(vo_artifact_render(&a, false, &b), VO_OK);
	round_trip(b.ptr, b.len, "made.json");
	vo_artifact_release(&a);

	/* written by the pipeline: every country, then a selection with an empty one */
	vo_test_path(csv, sizeof(csv), "gen.csv");
	vo_test_path(out, sizeof(out), "segments.json");
	assert_int_equal(vo_gen_write_csv(&gopt, csv, &err), VO_OK);
	input = csv;
	for (i = 0; i < 3; i++) {
		memset(&opt, 0, sizeof(opt));
		opt.inputs = &input;
		opt.ninputs = 1;
		opt.countries = i == 0 ? all : sel;
		opt.ncountries = i == 0 ? 1 : 3;
		if (i == 2) {
			if (access(real, R_OK))
				break;
			input = real;
			opt.countries = NULL;
			opt.ncountries = 0;
		}
		if (vo_pipeline_run(&opt, &a, &err))
			fail_msg("pipeline: %s", err.msg);
		assert_int_equal(vo_artifact_write(&a, out, &err), VO_OK);
		vo_buf_reset(&b);
		assert_int_equal(vo_read_file(out, 1u << 28, &b, &err), VO_OK);
		round_trip(b.ptr, b.len, out);
		vo_artifact_release(&a);
	}
	vo_buf_release(&b);
}

/* The made artifact's text, edited at a key path ("#N" indexes an array). */
static char *edit(const char *text, const char *const *path, size_t n, const char *value)
{
	cJSON *doc = cJSON_Parse(text);
	cJSON *parent = doc;
	char *res;
	size_t i;

	assert_non_null(doc);
	for (i = 0; i + 1 < n; i++) {
		parent = path[i][0] == '#'
				 ? cJSON_GetArrayItem(parent, (int)strtol(path[i] + 1, NULL, 10))
				 : cJSON_GetObjectItemCaseSensitive(parent, path[i]);
		assert_non_null(parent);
	}
	if (!value)
		cJSON_DeleteItemFromObjectCaseSensitive(parent, path[n - 1]);
	else if (cJSON_GetObjectItemCaseSensitive(parent, path[n - 1]))
		assert_true(cJSON_ReplaceItemInObjectCaseSensitive(parent, path[n - 1],
								   cJSON_Parse(value)));
	else
		assert_true(cJSON_AddItemToObject(parent, path[n - 1], cJSON_Parse(value)));
	res = cJSON_Print(doc);
	cJSON_Delete(doc);
	assert_non_null(res);
	return res;
}

static void refused(const char *text, size_t len, const char *want)
{
	struct vo_artifact a;
	struct vo_error err;
	int rc = vo_artifact_parse(text, len, "test.json", &a, &err);

	if (rc != VO_EFORMAT || !strstr(err.msg, want))
		fail_msg("want VO_EFORMAT \"%s\", got %d \"%s\"", want, rc,
			 rc ? err.msg : "(accepted)");
	assert_int_equal(a.ncountries, 0); /* left empty */
	assert_null(a.countries);
}

#define P(...)                                  \
	((const char *const[]){ __VA_ARGS__ }), \
		VO_ARRAY_SIZE(((const char *const[]){ __VA_ARGS__ }))
#define F0 "countries", "Peru", "segments", "frequent_segment", "0-4"

static void test_parse_refuses(void **state)
{
	const struct {
		const char *const *path;
		size_t n;
		const char *value; /* JSON, or NULL to delete the key */
		const char *want;  /* part of the message */
	} cases[] = {
		{ P("format"), "\"vouch-segments/2\"",
		  "test.json: format: expected \"vouch-segments/1\"" },
		{ P("format"), "1", "test.json: format: expected" },
		{ P("format"), NULL, "test.json: format: key is missing" },
		{ P("version"), NULL, "test.json: key 'version' is missing" },
		{ P("quality"), NULL, "test.json: key 'quality' is missing" },
		{ P("countries"), NULL, "test.json: key 'countries' is missing" },
		{ P("extra"), "1", "test.json: unexpected key 'extra'" },
		{ P("version"),
		  "\"0000000000000000000000000000000000000000000000000000000000000000\"",
		  "test.json: version: version does not match content" },
		{ P("version"), "\"ABC\"", "version: expected 64 lower-case hex digits" },
		{ P("version"), "7", "version: expected a string, not a number" },
		{ P("built_at"), "\"yesterday\"", "built_at: expected a timestamp" },
		{ P("sources"), "{}", "sources: expected an array, not an object" },
		{ P("sources", "#0", "sha256"), "5", "sources[0].sha256: expected a string" },
		{ P("sources", "#1", "rows"), "-2",
		  "sources[1].rows: expected a whole number >= 0" },
		{ P("sources", "#1", "path"), NULL, "sources[1]: key 'path' is missing" },
		{ P("countries_selected"), "[\"Chile\"]",
		  "countries: country 1 is 'Peru' but countries_selected says 'Chile'" },
		{ P("countries_selected"), "[\"Peru\",\"PERU\"]",
		  "countries_selected[1]: country 'PERU' appears twice" },
		{ P("countries_selected"), "[\"Perú\",\"PERÚ\"]",
		  "countries_selected[1]: country 'PERÚ' appears twice" },
		{ P("countries_selected"), "[\"Per\xfa\"]",
		  "countries_selected[0]: the country name is not valid UTF-8" },
		{ P("countries_selected"), "[\"Peru\",\"Chile\"]",
		  "countries: has 1 countries but countries_selected has 2" },
		{ P("quality", "rows_read"), "\"30\"",
		  "test.json: quality.rows_read: expected a whole number >= 0" },
		{ P("quality", "rows_read"), "30.5", "quality.rows_read: expected a whole number" },
		{ P("quality", "rows_read"), "31",
		  "quality: rows_kept and dropped sum to 30 but rows_read is 31" },
		{ P("quality", "dropped", "kept"), "0", "quality.dropped: unexpected key 'kept'" },
		{ P("quality", "dropped", "order_before_last_order"), NULL,
		  "quality.dropped: key 'order_before_last_order' is missing" },
		{ P("quality", "outside_buckets", "recency_segment"), NULL,
		  "quality.outside_buckets: key 'recency_segment' is missing" },
		{ P("quality", "missing_total_orders"), "11",
		  "missing_total_orders exceeds rows_kept" },
		{ P("segments", "frequent_segment", "field"), "\"orders\"",
		  "segments.frequent_segment.field: expected \"total_orders\" or" },
		{ P("segments", "frequent_segment", "buckets", "#1", "min"), "3",
		  "segments.frequent_segment.buckets[1]: buckets '0-4' and '5-13' overlap" },
		{ P("segments", "frequent_segment", "buckets", "#1", "max"), "1",
		  "segments.frequent_segment.buckets[1].max: expected null or a whole number >= "
		  "min" },
		{ P("segments", "frequent_segment", "buckets", "#1", "name"), "\"0-4\"",
		  "bucket name '0-4' appears twice" },
		{ P("segments", "frequent_segment", "buckets"), "[]",
		  "segments.frequent_segment.buckets: expected an array of 1 to" },
		{ P("segments", "recency_segment"), NULL,
		  "quality.outside_buckets: unexpected key 'recency_segment'" },
		{ P("countries", "Peru", "rows"), "11",
		  "countries: countries' rows sum to 11 but quality.rows_kept is 10" },
		{ P("countries", "Peru", "rows"), "-1",
		  "countries.Peru.rows: expected a whole number >= 0" },
		{ P("countries", "Peru", "fallback", "voucher_amount"), "null",
		  "countries.Peru.fallback: voucher_amount must be null exactly when rows is 0" },
		{ P("countries", "Peru", "fallback", "rows"), "12",
		  "countries.Peru.fallback: rows exceed the country's rows" },
		{ P("countries", "Peru", "fallback", "counts"), "{}",
		  "countries.Peru.fallback: unexpected key 'counts'" },
		{ P("countries", "Peru", "segments", "recency_segment"), NULL,
		  "countries.Peru.segments: key 'recency_segment' is missing" },
		{ P("countries", "Peru", "segments", "frequent_segment", "0-4"), NULL,
		  "countries.Peru.segments.frequent_segment: key '0-4' is missing" },
		{ P(F0, "voucher_amount"), "\"2640\"",
		  "test.json: countries.Peru.segments.frequent_segment.0-4.voucher_amount: "
		  "expected "
		  "an integer or null" },
		{ P(F0, "voucher_amount"), "3520",
		  "0-4.voucher_amount: expected 2640, the most used amount of counts" },
		{ P(F0, "voucher_amount"), "null", "0-4.voucher_amount: expected 2640" },
		{ P(F0, "rows"), "11", "frequent_segment.0-4: rows is 11 but counts sum to 10" },
		{ P(F0, "counts", "3520"), "4", "0-4: rows is 10 but counts sum to 11" },
		{ P(F0, "counts", "3520"), "0", "0-4.counts.3520: expected a whole number >= 1" },
		{ P(F0, "counts", "3520"), "\"3\"",
		  "0-4.counts.3520: expected a whole number >= 1" },
		{ P(F0, "counts", "02640"), "1",
		  "0-4.counts: key '02640' is not a voucher amount" },
		{ P(F0, "counts", "-5"), "1", "0-4.counts: key '-5' is not a voucher amount" },
		{ P(F0, "counts", "100"), "1",
		  "0-4.counts: keys must be voucher amounts in ascending" },
		{ P(F0, "counts"), "[]", "0-4.counts: expected an object, not an array" },
		{ P("countries", "Peru", "segments", "frequent_segment", "5-13", "voucher_amount"),
		  "2640",
		  "frequent_segment.5-13.voucher_amount: must be null for an empty bucket" },
		{ P("countries", "Peru", "segments", "recency_segment", "30-60", "rows"), "1",
		  "recency_segment.30-60: rows is 1 but counts sum to 0" },
	};
	struct vo_artifact a;
	struct vo_buf b;
	size_t len;
	size_t i;
	char *text;

	(void)state;
	make(&a, false, "a.parquet");
	vo_buf_init(&b, 1u << 20);
	assert_int_equal(vo_artifact_render(&a, false, &b), VO_OK);
	vo_artifact_release(&a);
	/* the unedited text (re-printed by cJSON) is accepted */
	text = edit(b.ptr, P("format"), "\"vouch-segments/1\"");
	round_trip(b.ptr, b.len, "base.json");
	{
		struct vo_error err;

		assert_int_equal(vo_artifact_parse(text, strlen(text), "t", &a, &err), VO_OK);
		vo_artifact_release(&a);
	}
	cJSON_free(text);
	for (i = 0; i < VO_ARRAY_SIZE(cases); i++) {
		text = edit(b.ptr, cases[i].path, cases[i].n, cases[i].value);
		refused(text, strlen(text), cases[i].want);
		cJSON_free(text);
	}

	/* figures changed consistently: only the version notices */
	{
		cJSON *doc = cJSON_Parse(b.ptr);
		cJSON *q = cJSON_GetObjectItemCaseSensitive(doc, "quality");

		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(q, "rows_read"), 31);
		cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(
					     cJSON_GetObjectItemCaseSensitive(q, "dropped"),
					     "invalid_timestamp"),
				     1);
		text = cJSON_Print(doc);
		cJSON_Delete(doc);
		refused(text, strlen(text), "test.json: version: version does not match content");
		cJSON_free(text);
	}

	/* damaged text */
	len = b.len;
	refused(b.ptr, 0, "test.json: not valid JSON");
	refused(b.ptr, 1, "test.json: not valid JSON");
	refused(b.ptr, len / 2, "test.json: not valid JSON");
	refused(b.ptr, len - 2, "test.json: not valid JSON");
	refused("[]", 2, "test.json: expected a JSON object, not an array");
	refused("{}", 2, "test.json: format: key is missing");
	assert_int_equal(vo_buf_addstr(&b, "x"), VO_OK);
	refused(b.ptr, b.len, "test.json: not valid JSON (text after the document");
	b.len = len;
	b.ptr[len] = '\0';
	{
		struct vo_buf dup;
		const char *at = strstr(b.ptr, "\"format\"");

		vo_buf_init(&dup, 1u << 20);
		assert_int_equal(vo_buf_add(&dup, b.ptr, (size_t)(at - b.ptr)), VO_OK);
		assert_int_equal(vo_buf_addstr(&dup, "\"format\": \"vouch-segments/1\", "), VO_OK);
		assert_int_equal(vo_buf_addstr(&dup, at), VO_OK);
		refused(dup.ptr, dup.len, "test.json: key 'format' appears twice");
		vo_buf_release(&dup);
	}
	/*
	 * A damaged byte anywhere is refused, never accepted, never a crash;
	 * except in built_at and source paths, which the version leaves out.
	 */
	for (i = 0; i < len; i += 3) {
		struct vo_artifact x;
		struct vo_error err;
		char saved = b.ptr[i];
		size_t ls = i;
		int rc;

		while (ls && b.ptr[ls - 1] != '\n')
			ls--;
		if (vo_is_space((unsigned char)saved) ||
		    !strncmp(b.ptr + ls, "  \"built_at\"", 12) ||
		    !strncmp(b.ptr + ls, "      \"path\"", 12))
			continue;
		b.ptr[i] = saved == '9' ? '8' : saved == '"' ? 'x' : (char)(saved ^ 1);
		rc = vo_artifact_parse(b.ptr, len, "flip.json", &x, &err);
		if (rc == VO_OK)
			fail_msg("flipping byte %zu ('%c') was accepted", i, saved);
		assert_int_equal(rc, VO_EFORMAT);
		b.ptr[i] = saved;
	}
	vo_buf_release(&b);
}

/*
 * The writer never writes what the reader refuses (issue 14, item 13): a
 * name that is not UTF-8, or longer than the limit, stops the write, and no
 * file appears.
 */
static void test_write_refuses_names(void **state)
{
	struct vo_artifact a;
	struct vo_error err;
	char path[600];
	char longname[VO_NAME_MAX + 2];

	(void)state;
	vo_test_path(path, sizeof(path), "names.json");
	make(&a, false, "a.csv");
	vo_free(a.countries[0].name);
	a.countries[0].name = vo_strdup("Per\xfa");
	assert_int_equal(vo_artifact_write(&a, path, &err), VO_EINVAL);
	assert_non_null(
		strstr(err.msg, "country (a name of 4 bytes): the name is not valid UTF-8"));
	assert_int_equal(access(path, F_OK), -1);
	memset(longname, 'b', VO_NAME_MAX + 1);
	longname[VO_NAME_MAX + 1] = '\0';
	vo_free(a.countries[0].name);
	a.countries[0].name = vo_strdup("Peru");
	vo_free(a.config.segs[1].buckets[0].name);
	a.config.segs[1].buckets[0].name = vo_strdup(longname);
	assert_int_equal(vo_artifact_write(&a, path, &err), VO_EINVAL);
	assert_non_null(strstr(err.msg, "segment recency_segment, bucket (a name of 257 bytes)"));
	assert_int_equal(access(path, F_OK), -1);
	vo_artifact_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_write_refuses_names),
	};

	return cmocka_run_group_tests(tests, vo_test_dir_setup, vo_test_dir_teardown);
}
