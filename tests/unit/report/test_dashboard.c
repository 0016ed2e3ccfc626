/*
 * test_dashboard.c - the dashboard page without a browser: escaping, the
 * "other" bar past VO_DASHBOARD_AMOUNTS amounts, a country without kept
 * rows, the poll only on the served page, and every allocation failure and a
 * too-small buffer ending cleanly.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "report/dashboard.h"

/*
 * A hand-made artifact with the default segments: country 0 "<b>A&B</b>"
 * with 12 voucher amounts in frequent_segment 0-4 and nothing elsewhere,
 * country 1 without kept rows.
 */
static void make(struct vo_artifact *a)
{
	struct vo_country_table *c;
	struct vo_cell *cell;

	memset(a, 0, sizeof(*a));
	assert_int_equal(vo_segconfig_default(&a->config), VO_OK);
	memset(a->version, 'a', VO_SHA256_HEX - 1);
	snprintf(a->built_at, sizeof(a->built_at), "2026-01-02T03:04:05Z");
	a->sources = vo_calloc(1, sizeof(*a->sources));
	assert_non_null(a->sources);
	a->nsources = 1;
	a->sources[0].path = vo_strdup("data/<x>&'\".csv");
	memset(a->sources[0].sha256, 'b', VO_SHA256_HEX - 1);
	a->outside = vo_calloc(a->config.nsegs, sizeof(*a->outside));
	a->countries = vo_calloc(2, sizeof(*a->countries));
	assert_non_null(a->outside);
	assert_non_null(a->countries);
	a->ncountries = 2;
	for (size_t i = 0; i < 2; i++) {
		a->countries[i].cells = vo_calloc(a->config.ncells, sizeof(struct vo_cell));
		assert_non_null(a->countries[i].cells);
	}
	a->countries[0].name = vo_strdup("<b>A&B</b>");
	a->countries[1].name = vo_strdup("Empty");
	c = &a->countries[0];
	cell = &c->cells[0];
	cell->ncounts = 12;
	cell->counts = vo_calloc(cell->ncounts, sizeof(*cell->counts));
	assert_non_null(cell->counts);
	for (size_t i = 0; i < cell->ncounts; i++) {
		cell->counts[i].amount = (int64_t)(100 * (i + 1));
		cell->counts[i].rows = i + 1; /* 1200 has the most rows */
		cell->rows += i + 1;
	}
	cell->has_voucher = true;
	cell->voucher = 1200;
	cell->voucher_rows = 12;
	c->rows = cell->rows;
	c->fallback.has_voucher = true;
	c->fallback.voucher = 1200;
	c->fallback.voucher_rows = 12;
	a->quality.rows_read = c->rows + 5;
	a->quality.rows_kept = c->rows;
	a->quality.dropped[VO_OUT_OTHER_COUNTRY] = 5;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_page(void **state)
{
	struct vo_dashboard_opts opt = { .now_us = 1767323045000000 + 3725000000, .live = false };
	struct vo_artifact a;
	struct vo_buf b;

	(void)state;
	make(&a);
	vo_buf_init(&b, 1u << 24);
	assert_int_equal(vo_dashboard_render(&a, &opt, &b), VO_OK);
	/* Escaped everywhere, never raw. */
	assert_null(strstr(b.ptr, "<b>A&B"));
	assert_non_null(strstr(b.ptr, "data-country=\"&lt;b&gt;A&amp;B&lt;/b&gt;\""));
	assert_non_null(strstr(b.ptr, "data/&lt;x&gt;&amp;&#39;&quot;.csv"));
	/* Eight amounts by rows (500..1200) and one "other" bar for 100..400 (10 rows). */
	assert_int_equal(count(b.ptr, "<rect class=\"bar\""), 9);
	assert_non_null(strstr(b.ptr, "data-amount=\"other\" data-rows=\"10\""));
	assert_null(strstr(b.ptr, "data-amount=\"400\""));
	assert_non_null(strstr(b.ptr, "data-amount=\"1200\" data-rows=\"12\""));
	/* The country without rows: no fallback, said so. */
	assert_non_null(strstr(b.ptr, "no fallback voucher (no kept rows)"));
	/* Age at render time; a report does not poll. */
	assert_non_null(strstr(b.ptr, "<dd id=\"age\">1 h 2 min</dd>"));
	assert_non_null(strstr(b.ptr, "data-live=\"0\""));
	assert_non_null(strstr(b.ptr, "</html>\n"));
	vo_buf_reset(&b);
	opt.live = true;
	assert_int_equal(vo_dashboard_render(&a, &opt, &b), VO_OK);
	assert_non_null(strstr(b.ptr, "data-live=\"1\""));
	vo_buf_release(&b);
	vo_artifact_release(&a);
}

static void test_failures(void **state)
{
	struct vo_dashboard_opts opt = { .now_us = 0, .live = true };
	struct vo_artifact a;
	struct vo_buf b;
	uint64_t n;
	int rc;

	(void)state;
	make(&a);
	/* Every allocation failing in turn ends in VO_ENOMEM, until none fails. */
	for (n = 1;; n++) {
		vo_buf_init(&b, 1u << 24);
		vo_alloc_fail_at(n);
		rc = vo_dashboard_render(&a, &opt, &b);
		vo_alloc_fail_at(0);
		vo_buf_release(&b);
		if (rc == VO_OK)
			break;
		assert_int_equal(rc, VO_ENOMEM);
		assert_true(n < 1000);
	}
	assert_true(n > 1);
	/* A cap too small for the page. */
	vo_buf_init(&b, 4096);
	assert_int_equal(vo_dashboard_render(&a, &opt, &b), VO_ELIMIT);
	vo_buf_release(&b);
	vo_artifact_release(&a);
}

static void test_escape(void **state)
{
	struct vo_buf b;

	(void)state;
	vo_buf_init(&b, 1024);
	assert_int_equal(vo_html_escape(&b, "a<b>&\"'c"), VO_OK);
	assert_string_equal(b.ptr, "a&lt;b&gt;&amp;&quot;&#39;c");
	vo_buf_reset(&b);
	assert_int_equal(vo_html_escape(&b, ""), VO_OK);
	assert_int_equal(b.len, 0);
	vo_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
