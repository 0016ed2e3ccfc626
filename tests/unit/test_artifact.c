/*
 * test_artifact.c - the artifact's rendering (SPEC section 4), its canonical
 * form and version: content-only, independent of paths, source order and
 * build time.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "artifact/artifact.h"
#include "core/alloc.h"
#include "core/buf.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
