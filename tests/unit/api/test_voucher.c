/*
 * test_voucher.c - the answers of POST /voucher and POST /vouchers without
 * HTTP (SPEC section 5): every row of the table that does not need HTTP,
 * every field and every way it can be wrong, the alias, as_of, the order
 * of the checks, and the batch envelope, against artifacts made by the real
 * pipeline (a hand-made data set, and the real file when it is present).
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <unistd.h>

#include "api/table.h"
#include "api/voucher.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "model/value.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

#define HEADER "timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n"

/*
 * Peru, orders of 2018-08-01: 0-4 has 2640 x2 and 3520 x1; 14-37 has 4400 x3
 * and 2640 x1; 5-13 is empty.  Last orders 2018-05-03 (90 days: 61-90, all
 * 2640 or 3520) and 2018-06-20 (42 days: 30-60, 4400 x3, 2640 x1).  The
 * fallback is 2640 (3 rows, tied with 4400, the smaller wins).  Chile is
 * selected but has no rows.
 */
static const char csv_rows[] = HEADER "2018-08-01 10:00:00,Peru,2018-05-03,2017-01-01,2,2640\n"
				      "2018-08-01 10:00:00,Peru,2018-05-03,2017-01-01,4,2640\n"
				      "2018-08-01 10:00:00,Peru,2018-05-03,2017-01-01,3,3520\n"
				      "2018-08-01 10:00:00,Peru,2018-06-20,2017-01-01,20,4400\n"
				      "2018-08-01 10:00:00,Peru,2018-06-20,2017-01-01,30,4400\n"
				      "2018-08-01 10:00:00,Peru,2018-06-20,2017-01-01,37,4400\n"
				      "2018-08-01 10:00:00,Peru,2018-06-20,2017-01-01,14,2640\n";

static struct vo_table *table;
static struct vo_voucher_ctx ctx;
static struct vo_buf out;

static int64_t ts(const char *s)
{
	int64_t us = 0;

	assert_true(vo_ts_parse(vo_str_cstr(s), &us));
	return us;
}

static struct vo_table *build_table(const char *input, const char *const *sel, size_t nsel)
{
	struct vo_pipeline_options opt;
	struct vo_artifact a;
	struct vo_error err;
	struct vo_table *t = NULL;
	struct vo_buf text;

	memset(&opt, 0, sizeof(opt));
	opt.inputs = &input;
	opt.ninputs = 1;
	opt.countries = sel;
	opt.ncountries = nsel;
	if (vo_pipeline_run(&opt, &a, &err))
		fail_msg("pipeline: %s", err.msg);
	vo_buf_init(&text, 1u << 26);
	assert_int_equal(vo_artifact_render(&a, false, &text), VO_OK);
	if (vo_table_parse(text.ptr, text.len, "test.json", &t, &err))
		fail_msg("table: %s", err.msg);
	vo_buf_release(&text);
	vo_artifact_release(&a);
	return t;
}

static int setup(void **state)
{
	static const char *const sel[] = { "Peru", "Chile" };
	struct vo_error err;
	char path[512];

	if (vo_test_dir_setup(state))
		return -1;
	vo_test_path(path, sizeof(path), "orders.csv");
	if (vo_write_file_atomic(path, csv_rows, strlen(csv_rows), &err))
		return -1;
	table = build_table(path, sel, 2);
	vo_buf_init(&out, 1u << 26);
	return 0;
}

static int teardown(void **state)
{
	vo_table_destroy(table);
	vo_buf_release(&out);
	return vo_test_dir_teardown(state);
}

/* Each test starts from a server without --as-of whose clock says 2018-08-01 12:00. */
static int reset_ctx(void **state)
{
	(void)state;
	memset(&ctx, 0, sizeof(ctx));
	ctx.table = table;
	ctx.now_us = ts("2018-08-01 12:00:00");
	return 0;
}

static int ask(const char *body)
{
	vo_buf_reset(&out);
	return vo_voucher_answer(&ctx, body, strlen(body), &out);
}

/* The answer to body is status with exactly the bytes want. */
static void expect_body(const char *body, int status, const char *want)
{
	int got = ask(body);

	if (got != status || strcmp(out.ptr, want) != 0)
		fail_msg("request %s\n  got %d %s\n want %d %s", body, got, out.ptr, status, want);
}

/* The answer to body is an error with status, code and field (NULL: no field). */
static void check_error(const char *answer, int got, const char *body, int status, const char *code,
			const char *field)
{
	const cJSON *e;
	const cJSON *f;
	const cJSON *m;
	cJSON *doc;

	if (got != status)
		fail_msg("request %.200s\n  got %d %s\n want %d %s", body, got, answer, status,
			 code);
	doc = cJSON_Parse(answer);
	assert_non_null(doc);
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	assert_true(cJSON_IsObject(e));
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "code")->valuestring, code);
	m = cJSON_GetObjectItemCaseSensitive(e, "message");
	assert_true(cJSON_IsString(m) && strlen(m->valuestring) > 10);
	f = cJSON_GetObjectItemCaseSensitive(e, "field");
	if (field) {
		if (!cJSON_IsString(f) || strcmp(f->valuestring, field) != 0)
			fail_msg("request %s: want field %s, got %s", body, field, answer);
	} else {
		assert_null(f);
	}
	cJSON_Delete(doc);
}

static void expect_error(const char *body, int status, const char *code, const char *field)
{
	int got = ask(body);

	check_error(out.ptr, got, body, status, code, field);
}

/* The error message of the last answer contains part. */
static void expect_message(const char *part)
{
	if (!strstr(out.ptr, part))
		fail_msg("answer %s lacks \"%s\"", out.ptr, part);
}

#define PERU_FREQ \
	"\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":\"frequent_segment\""
#define PERU_REC "\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":\"recency_segment\""

static void test_ok(void **state)
{
	(void)state;
	expect_body("{\"customer_id\":123,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"frequent_segment\",\"total_orders\":2}",
		    200,
		    "{\"customer_id\":123,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,\"fallback\":"
		    "false}");
	/* both ends of a bucket; a string customer_id is echoed, escaped */
	expect_body("{\"customer_id\":\"c-\\\"7\\\"\\u00e9\",\"country_code\":\"Peru\","
		    "\"segment_name\":\"frequent_segment\",\"total_orders\":37}",
		    200,
		    "{\"customer_id\":\"c-\\\"7\\\"\xc3\xa9\",\"country_code\":\"Peru\","
		    "\"segment_name\":\"frequent_segment\",\"bucket\":\"14-37\",\"voucher_amount\":"
		    "4400,\"fallback\":false}");
	expect_body(
		"{" PERU_FREQ ",\"total_orders\":14}", 200,
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"bucket\":\"14-37\",\"voucher_amount\":4400,\"fallback\":"
		"false}");
	/* recency: 2018-05-03 to the clock's 2018-08-01 is 90 days */
	expect_body("{" PERU_REC ",\"last_order_ts\":\"2018-05-03 00:00:00\"}", 200,
		    "{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"recency_segment\",\"bucket\":\"61-90\",\"voucher_amount\":2640,\"fallback\":"
		    "false}");
	/* 42 days; times of day do not matter, only UTC dates */
	expect_body("{" PERU_REC ",\"last_order_ts\":\"2018-06-20T23:59:59.999999Z\"}", 200,
		    "{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"recency_segment\",\"bucket\":\"30-60\",\"voucher_amount\":4400,\"fallback\":"
		    "false}");
	/* an offset moves the instant to the UTC date: 2018-06-21 01:00+05:00 is 2018-06-20 */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-06-21 01:00+05:00\","
			     "\"as_of\":\"2018-07-21\"}"),
			 200);
	expect_message("\"bucket\":\"30-60\"");
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-06-21 01:00+05:00\","
			     "\"as_of\":\"2018-07-20\"}"),
			 200); /* 30 days; 29 (no bucket) if the offset were ignored */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-06-21 01:00+05:00\","
			     "\"as_of\":\"2018-07-19\"}"),
			 404);
	/* the country matched trimmed and case-insensitively, answered as the artifact spells it */
	expect_body("{\"customer_id\":1,\"country_code\":\"  pERU\\t\",\"segment_name\":"
		    "\"frequent_segment\",\"total_orders\":0}",
		    200,
		    "{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,\"fallback\":"
		    "false}");
	/* unknown members are ignored; white space around the body is fine */
	expect_body(" \n{" PERU_FREQ ",\"total_orders\":3,\"extra\":{\"a\":[1,2]},\"x\":null}\n ",
		    200,
		    "{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,\"fallback\":"
		    "false}");
}

static void test_fallback(void **state)
{
	(void)state;
	/* 5-13 is empty: the country's fallback */
	expect_body("{" PERU_FREQ ",\"total_orders\":7}", 200,
		    "{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		    "\"frequent_segment\",\"bucket\":\"5-13\",\"voucher_amount\":2640,\"fallback\":"
		    "true}");
	/* the SPEC's example request: 120 days with this as_of is 91-120, empty here */
	expect_body(
		"{\"customer_id\":123,\"country_code\":\"Peru\",\"last_order_ts\":\"2018-05-03 "
		"00:00:00\",\"first_order_ts\":\"2017-05-03 00:00:00\",\"total_orders\":15,"
		"\"segment_name\":\"recency_segment\",\"as_of\":\"2018-08-31\"}",
		200,
		"{\"customer_id\":123,\"country_code\":\"Peru\",\"segment_name\":"
		"\"recency_segment\",\"bucket\":\"91-120\",\"voucher_amount\":2640,\"fallback\":"
		"true}");
}

static void test_no_matching_bucket(void **state)
{
	(void)state;
	expect_error("{" PERU_FREQ ",\"total_orders\":38}", 404, "no_matching_bucket", NULL);
	expect_message("total_orders 38");
	expect_error("{" PERU_FREQ ",\"total_orders\":50}", 404, "no_matching_bucket", NULL);
	expect_error("{" PERU_FREQ ",\"total_orders\":9007199254740993}", 404, "no_matching_bucket",
		     NULL);
	/* 10 days */
	expect_error("{" PERU_REC ",\"last_order_ts\":\"2018-07-22\"}", 404, "no_matching_bucket",
		     NULL);
	expect_message("days_since_last_order 10");
	/* 0 days: last order on the reference date, later in the day */
	expect_error("{" PERU_REC ",\"last_order_ts\":\"2018-08-01 23:00:00\"}", 404,
		     "no_matching_bucket", NULL);
	/* Chile has no rows: no bucket voucher and no fallback */
	expect_error("{\"customer_id\":1,\"country_code\":\"chile\",\"segment_name\":"
		     "\"frequent_segment\",\"total_orders\":2}",
		     404, "no_matching_bucket", NULL);
	expect_message("no vouchers");
}

static void test_unknown_country(void **state)
{
	(void)state;
	expect_error("{\"customer_id\":1,\"country_code\":\"Atlantis\",\"segment_name\":"
		     "\"frequent_segment\",\"total_orders\":2}",
		     404, "unknown_country", NULL);
	expect_message("Atlantis");
	expect_error("{\"customer_id\":1,\"country_code\":\"Latvia\",\"segment_name\":"
		     "\"recency_segment\",\"last_order_ts\":\"2018-05-03\"}",
		     404, "unknown_country", NULL);
	expect_error("{\"customer_id\":1,\"country_code\":\"Per u\",\"segment_name\":"
		     "\"frequent_segment\",\"total_orders\":2}",
		     404, "unknown_country", NULL);
	/* the request's own 422 comes before 404 unknown_country */
	expect_error("{\"customer_id\":1,\"country_code\":\"Atlantis\",\"segment_name\":"
		     "\"frequent_segment\",\"total_orders\":-1}",
		     422, "invalid_request", "total_orders");
	expect_error("{\"customer_id\":1,\"country_code\":\"Atlantis\",\"segment_name\":"
		     "\"recency_segment\"}",
		     422, "invalid_request", "last_order_ts");
	expect_error("{\"customer_id\":1,\"country_code\":\"Atlantis\",\"segment_name\":"
		     "\"nope\"}",
		     422, "invalid_request", "segment_name");
}

static void test_invalid_json(void **state)
{
	static const char *const bad[] = {
		"",
		" \n\t",
		"{",
		"}",
		"{\"customer_id\":}",
		"[1,2]",
		"[]",
		"\"x\"",
		"42",
		"null",
		"true",
		"{} x",
		"{}{}",
		"{'a':1}",
		"{\"a\":1,}",
		"{\"a\" 1}",
		"\xff\xfe{}",
		"{\"a\":tru}",
		"{\"a\":\"\\x\"}",
	};
	struct vo_buf deep;
	size_t i;
	int got;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++)
		expect_error(bad[i], 400, "invalid_json", NULL);
	/* a NUL inside the body is not JSON */
	vo_buf_reset(&out);
	got = vo_voucher_answer(&ctx, "{}\0{}", 5, &out);
	check_error(out.ptr, got, "{}\\0{}", 400, "invalid_json", NULL);
	/* only len bytes are read: a complete object followed by more bytes in memory */
	vo_buf_reset(&out);
	got = vo_voucher_answer(&ctx, "{\"customer_id\":1}garbage", 17, &out);
	check_error(out.ptr, got, "{\"customer_id\":1}", 422, "invalid_request", "country_code");
	vo_buf_reset(&out);
	got = vo_voucher_answer(&ctx, NULL, 0, &out);
	check_error(out.ptr, got, "(null)", 400, "invalid_json", NULL);

	/* deep nesting is refused, not a crash: 100k '[' and 100k '{"a":' */
	vo_buf_init(&deep, 1u << 20);
	for (i = 0; i < 100000; i++)
		assert_int_equal(vo_buf_addch(&deep, '['), VO_OK);
	vo_buf_reset(&out);
	got = vo_voucher_answer(&ctx, deep.ptr, deep.len, &out);
	check_error(out.ptr, got, "[[[...", 400, "invalid_json", NULL);
	for (i = 0; i < 100000; i++)
		assert_int_equal(vo_buf_addch(&deep, ']'), VO_OK);
	vo_buf_reset(&out);
	got = vo_voucher_answer(&ctx, deep.ptr, deep.len, &out);
	check_error(out.ptr, got, "[[[...]]]", 400, "invalid_json", NULL);
	vo_buf_reset(&deep);
	for (i = 0; i < 100000; i++)
		assert_int_equal(vo_buf_add(&deep, "{\"a\":", 5), VO_OK);
	vo_buf_reset(&out);
	got = vo_voucher_answer(&ctx, deep.ptr, deep.len, &out);
	check_error(out.ptr, got, "{\"a\":{\"a\":...", 400, "invalid_json", NULL);
	/* nested just inside an ignored member, within cJSON's limit, is fine */
	vo_buf_reset(&deep);
	assert_int_equal(vo_buf_addstr(&deep, "{\"x\":"), VO_OK);
	for (i = 0; i < 500; i++)
		assert_int_equal(vo_buf_addch(&deep, '['), VO_OK);
	for (i = 0; i < 500; i++)
		assert_int_equal(vo_buf_addch(&deep, ']'), VO_OK);
	assert_int_equal(vo_buf_addstr(&deep, ",\"customer_id\":1}"), VO_OK);
	expect_error(deep.ptr, 422, "invalid_request", "country_code");
	vo_buf_release(&deep);
}

static void test_customer_id(void **state)
{
	static const char *const bad[] = {
		"true",
		"false",
		"[]",
		"{}",
		"[1]",
		"1.5",
		"\"\"",
		"\"  \"",
		"9007199254740992",
		"-9007199254740992",
		"1e300",
		"-1e300",
		"0.1",
	};
	static const struct {
		const char *in;
		const char *echo;
	} ok[] = {
		{ "0", "0" },
		{ "-5", "-5" },
		{ "123.0", "123" },
		{ "1e2", "100" },
		{ "-0", "0" },
		{ "9007199254740991", "9007199254740991" },
		{ "-9007199254740991", "-9007199254740991" },
		{ "\"00123\"", "\"00123\"" },
		{ "\" padded \"", "\" padded \"" },
	};
	char body[1024];
	char big[VO_API_CUSTOMER_ID_MAX + 2];
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++) {
		snprintf(body, sizeof(body),
			 "{\"customer_id\":%s,\"country_code\":\"Peru\",\"segment_name\":"
			 "\"frequent_segment\",\"total_orders\":2}",
			 bad[i]);
		expect_error(body, 422, "invalid_request", "customer_id");
	}
	expect_error("{\"country_code\":\"Peru\",\"segment_name\":\"frequent_segment\","
		     "\"total_orders\":2}",
		     422, "invalid_request", "customer_id");
	expect_message("customer_id is required");
	expect_error("{\"customer_id\":null,\"country_code\":\"Peru\",\"segment_name\":"
		     "\"frequent_segment\",\"total_orders\":2}",
		     422, "invalid_request", "customer_id");
	/* a string of the limit passes, one byte more does not */
	memset(big, 'x', sizeof(big));
	big[VO_API_CUSTOMER_ID_MAX] = '\0';
	snprintf(body, sizeof(body),
		 "{\"customer_id\":\"%s\",\"country_code\":\"Peru\",\"segment_name\":\"frequent_"
		 "segment\",\"total_orders\":2}",
		 big);
	assert_int_equal(ask(body), 200);
	big[VO_API_CUSTOMER_ID_MAX] = 'x';
	big[VO_API_CUSTOMER_ID_MAX + 1] = '\0';
	snprintf(body, sizeof(body),
		 "{\"customer_id\":\"%s\",\"country_code\":\"Peru\",\"segment_name\":\"frequent_"
		 "segment\",\"total_orders\":2}",
		 big);
	expect_error(body, 422, "invalid_request", "customer_id");

	/* integers are echoed as integers */
	for (i = 0; i < VO_ARRAY_SIZE(ok); i++) {
		char want[256];

		snprintf(body, sizeof(body),
			 "{\"customer_id\":%s,\"country_code\":\"Peru\",\"segment_name\":"
			 "\"frequent_segment\",\"total_orders\":2}",
			 ok[i].in);
		snprintf(want, sizeof(want),
			 "{\"customer_id\":%s,\"country_code\":\"Peru\",\"segment_name\":"
			 "\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,"
			 "\"fallback\":false}",
			 ok[i].echo);
		expect_body(body, 200, want);
	}
}

static void test_country_and_segment(void **state)
{
	static const char *const bad_country[] = { "",
						   ",\"country_code\":null",
						   ",\"country_code\":5",
						   ",\"country_code\":\"\"",
						   ",\"country_code\":\" \\t \"",
						   ",\"country_code\":[\"Peru\"]",
						   ",\"country_code\":true" };
	static const char *const bad_segment[] = {
		"",
		",\"segment_name\":null",
		",\"segment_name\":1",
		",\"segment_name\":\"\"",
		",\"segment_name\":\"nope\"",
		",\"segment_name\":\"Frequent_segment\"",
		",\"segment_name\":\" frequent_segment\"",
		",\"segment_name\":{\"name\":\"frequent_segment\"}",
	};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad_country); i++) {
		snprintf(body, sizeof(body),
			 "{\"customer_id\":1%s,\"segment_name\":\"frequent_segment\","
			 "\"total_orders\":2}",
			 bad_country[i]);
		expect_error(body, 422, "invalid_request", "country_code");
	}
	for (i = 0; i < VO_ARRAY_SIZE(bad_segment); i++) {
		snprintf(body, sizeof(body),
			 "{\"customer_id\":1,\"country_code\":\"Peru\"%s,\"total_orders\":2}",
			 bad_segment[i]);
		expect_error(body, 422, "invalid_request", "segment_name");
	}
	expect_error("{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":\"nope\"}", 422,
		     "invalid_request", "segment_name");
	expect_message("frequent_segment, recency_segment");
}

static void test_total_orders(void **state)
{
	static const char *const bad[] = {
		"-1",	   "2.5",     "true",	  "false",     "\"abc\"", "\"-1\"", "\"2.5\"",
		"\"nan\"", "\"NaN\"", "\"inf\"",  "[]",	       "{}",	  "1e300",  "-0.5",
		"[2]",	   "\"2 3\"", "\"0x10\"", "\"1e400\"", "0.0001",
	};
	static const struct {
		const char *in;
		const char *bucket;
	} ok[] = {
		{ "2", "0-4" },	       { "2.0", "0-4" },	{ "\"2.0\"", "0-4" },
		{ "\"15\"", "14-37" }, { "\" 15 \"", "14-37" }, { "\"+3\"", "0-4" },
		{ "\"1e1\"", "5-13" }, { "-0", "0-4" },		{ "\"-0\"", "0-4" },
		{ "37.0", "14-37" },
	};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++) {
		snprintf(body, sizeof(body), "{" PERU_FREQ ",\"total_orders\":%s}", bad[i]);
		expect_error(body, 422, "invalid_request", "total_orders");
		/* validated when present, whatever the segment */
		snprintf(body, sizeof(body),
			 "{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"total_orders\":%s}",
			 bad[i]);
		expect_error(body, 422, "invalid_request", "total_orders");
		/* the alias names itself */
		snprintf(body, sizeof(body), "{" PERU_FREQ ",\"total_order\":%s}", bad[i]);
		expect_error(body, 422, "invalid_request", "total_order");
	}
	expect_error("{" PERU_FREQ ",\"total_orders\":-1}", 422, "invalid_request", "total_orders");
	assert_string_equal(out.ptr, "{\"error\":{\"code\":\"invalid_request\",\"message\":"
				     "\"total_orders must be a whole number >= 0\",\"field\":"
				     "\"total_orders\"}}");
	for (i = 0; i < VO_ARRAY_SIZE(ok); i++) {
		snprintf(body, sizeof(body), "{" PERU_FREQ ",\"total_orders\":%s}", ok[i].in);
		assert_int_equal(ask(body), 200);
		expect_message(ok[i].bucket);
		/* the alias of the original service */
		snprintf(body, sizeof(body), "{" PERU_FREQ ",\"total_order\":%s}", ok[i].in);
		assert_int_equal(ask(body), 200);
		expect_message(ok[i].bucket);
	}
	/* required for a segment on total_orders: absent, null, empty */
	expect_error("{" PERU_FREQ "}", 422, "invalid_request", "total_orders");
	expect_message("total_orders is required");
	expect_error("{" PERU_FREQ ",\"total_orders\":null}", 422, "invalid_request",
		     "total_orders");
	expect_error("{" PERU_FREQ ",\"total_orders\":\"\"}", 422, "invalid_request",
		     "total_orders");
	expect_error("{" PERU_FREQ ",\"total_orders\":\"  \",\"total_order\":null}", 422,
		     "invalid_request", "total_orders");
	/* not needed by recency */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\"}"), 200);
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"total_orders\":"
			     "\"\"}"),
			 200);
	/* both names: equal is fine, different is refused, null is absent */
	expect_body(
		"{" PERU_FREQ ",\"total_orders\":15,\"total_order\":\"15.0\"}", 200,
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"bucket\":\"14-37\",\"voucher_amount\":4400,\"fallback\":"
		"false}");
	expect_error("{" PERU_FREQ ",\"total_orders\":15,\"total_order\":2}", 422,
		     "invalid_request", "total_orders");
	expect_message("disagree");
	assert_int_equal(ask("{" PERU_FREQ ",\"total_orders\":null,\"total_order\":2}"), 200);
	expect_message("\"0-4\"");
	assert_int_equal(ask("{" PERU_FREQ ",\"total_orders\":2,\"total_order\":null}"), 200);
	/* a member given twice */
	expect_error("{" PERU_FREQ ",\"total_orders\":2,\"total_orders\":2}", 422,
		     "invalid_request", "total_orders");
	expect_error("{\"customer_id\":1,\"customer_id\":2,\"country_code\":\"Peru\","
		     "\"segment_name\":\"frequent_segment\",\"total_orders\":2}",
		     422, "invalid_request", "customer_id");
}

static void test_timestamps(void **state)
{
	static const char *const bad[] = {
		"\"2018-13-01\"",
		"\"2018-02-30\"",
		"\"yesterday\"",
		"\"\"",
		"\"2018-05-03 25:00\"",
		"\"2018-05-03Z\"",
		"\" 2018-05-03\"",
		"1525305600",
		"true",
		"[\"2018-05-03\"]",
		"\"2018/05/03\"",
		"\"2018-05-03T00:00:00+24:00\"",
	};
	char body[512];
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++) {
		snprintf(body, sizeof(body), "{" PERU_REC ",\"last_order_ts\":%s}", bad[i]);
		expect_error(body, 422, "invalid_request", "last_order_ts");
		/* validated when present, whatever the segment */
		snprintf(body, sizeof(body),
			 "{" PERU_FREQ ",\"total_orders\":2,\"last_order_ts\":%s}", bad[i]);
		expect_error(body, 422, "invalid_request", "last_order_ts");
		snprintf(body, sizeof(body),
			 "{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"first_order_ts\":%s}",
			 bad[i]);
		expect_error(body, 422, "invalid_request", "first_order_ts");
		snprintf(body, sizeof(body),
			 "{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"as_of\":%s}", bad[i]);
		expect_error(body, 422, "invalid_request", "as_of");
	}
	/* required for recency: absent or null */
	expect_error("{" PERU_REC "}", 422, "invalid_request", "last_order_ts");
	expect_message("last_order_ts is required");
	expect_error("{" PERU_REC ",\"last_order_ts\":null,\"first_order_ts\":\"2017-01-01\"}", 422,
		     "invalid_request", "last_order_ts");
	/* first_order_ts after last_order_ts by date; the same date is fine */
	expect_error("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"first_order_ts\":"
		     "\"2018-05-04\"}",
		     422, "invalid_request", "first_order_ts");
	expect_message("first_order_ts (2018-05-04) is after last_order_ts (2018-05-03)");
	expect_error("{" PERU_FREQ ",\"total_orders\":2,\"last_order_ts\":\"2018-05-03\","
		     "\"first_order_ts\":\"2019-01-01\"}",
		     422, "invalid_request", "first_order_ts");
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03 00:00\","
			     "\"first_order_ts\":\"2018-05-03 23:59:59\"}"),
			 200);
	/* first_order_ts alone is only checked for its form */
	assert_int_equal(ask("{" PERU_FREQ ",\"total_orders\":2,\"first_order_ts\":"
			     "\"2030-01-01\"}"),
			 200);
	/* last_order_ts after the reference date: the clock, as_of, or the server's --as-of */
	expect_error("{" PERU_REC ",\"last_order_ts\":\"2018-08-02\"}", 422, "invalid_request",
		     "last_order_ts");
	expect_message("after today (2018-08-01)");
	expect_error("{" PERU_FREQ ",\"total_orders\":2,\"last_order_ts\":\"2018-08-02\"}", 422,
		     "invalid_request", "last_order_ts");
	expect_error("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"as_of\":\"2018-05-02 "
		     "23:59:59\"}",
		     422, "invalid_request", "last_order_ts");
	expect_message("after as_of (2018-05-02)");
}

static void test_as_of(void **state)
{
	(void)state;
	/* the request's as_of: 2018-05-03 + 92 days = 2018-08-03 */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"as_of\":"
			     "\"2018-08-03T10:00:00Z\"}"),
			 200);
	expect_message("\"bucket\":\"91-120\"");
	/* a late offset moves as_of to the next UTC date: 2018-08-02 20:00-05:00 */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"as_of\":"
			     "\"2018-08-02T20:00:00-05:00\"}"),
			 200);
	expect_message("\"bucket\":\"91-120\"");
	/* the server's --as-of when the request has none */
	ctx.has_as_of = true;
	ctx.as_of_us = ts("2018-06-12");
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\"}"), 200);
	expect_message("\"bucket\":\"30-60\""); /* 40 days */
	expect_error("{" PERU_REC ",\"last_order_ts\":\"2018-07-01\"}", 422, "invalid_request",
		     "last_order_ts"); /* after --as-of, though before the clock */
	expect_message("--as-of");
	/* the request's as_of wins over the server's */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"as_of\":"
			     "\"2018-09-30\"}"),
			 200);
	expect_message("\"bucket\":\"121-180\"");
	/* null as_of is absent */
	assert_int_equal(ask("{" PERU_REC ",\"last_order_ts\":\"2018-05-03\",\"as_of\":null}"),
			 200);
	expect_message("\"bucket\":\"30-60\"");
	/* as_of is validated for other segments too, and otherwise ignored */
	expect_error("{" PERU_FREQ ",\"total_orders\":2,\"as_of\":\"soon\"}", 422,
		     "invalid_request", "as_of");
	assert_int_equal(ask("{" PERU_FREQ ",\"total_orders\":2,\"as_of\":\"1999-01-01\"}"), 200);
}

static void test_api_error(void **state)
{
	struct vo_buf small;

	(void)state;
	vo_buf_reset(&out);
	assert_int_equal(vo_api_error(&out, "not_found", "no route \"/x\"", NULL), VO_OK);
	assert_string_equal(
		out.ptr,
		"{\"error\":{\"code\":\"not_found\",\"message\":\"no route \\\"/x\\\"\"}}");
	vo_buf_reset(&out);
	assert_int_equal(vo_api_error(&out, "invalid_request", "m", "f"), VO_OK);
	assert_string_equal(
		out.ptr,
		"{\"error\":{\"code\":\"invalid_request\",\"message\":\"m\",\"field\":\"f\"}}");
	/* an output that cannot grow: -1 */
	vo_buf_init(&small, 16);
	assert_int_equal(vo_api_error(&small, "invalid_request", "m", "f"), VO_ELIMIT);
	vo_buf_reset(&small);
	assert_int_equal(vo_voucher_answer(&ctx, "{" PERU_FREQ ",\"total_orders\":2}",
					   strlen("{" PERU_FREQ ",\"total_orders\":2}"), &small),
			 -1);
	vo_buf_reset(&small);
	assert_int_equal(vo_vouchers_answer(&ctx, "{\"customers\":[{}]}",
					    strlen("{\"customers\":[{}]}"), &small),
			 -1);
	vo_buf_release(&small);
}

static int ask_batch(const char *body, size_t len)
{
	vo_buf_reset(&out);
	return vo_vouchers_answer(&ctx, body, len, &out);
}

static void test_batch(void **state)
{
	static const char *const envelope_422[] = {
		"{}",
		"{\"customers\":null}",
		"{\"customers\":\"x\"}",
		"{\"customers\":{}}",
		"{\"customers\":1}",
		"{\"customers\":[],\"customers\":[]}",
	};
	static const char *const envelope_400[] = { "", "[]", "[{}]", "{\"customers\":[}", "x" };
	const cJSON *res;
	cJSON *doc;
	struct vo_buf big;
	size_t i;
	int got;

	(void)state;
	got = ask_batch("{\"customers\":[]}", 16);
	assert_int_equal(got, 200);
	assert_string_equal(out.ptr, "{\"results\":[]}");

	{
		static const char body[] =
			"{\"customers\":[{" PERU_FREQ ",\"total_orders\":2},"
			"{" PERU_FREQ ",\"total_orders\":-1},"
			"{\"customer_id\":\"b\",\"country_code\":\"Atlantis\",\"segment_name\":"
			"\"frequent_segment\",\"total_orders\":2},"
			"\"not an object\","
			"{" PERU_FREQ ",\"total_order\":7},"
			"{" PERU_FREQ ",\"total_orders\":99}],\"other\":true}";

		got = ask_batch(body, strlen(body));
		assert_int_equal(got, 200);
		assert_string_equal(
			out.ptr,
			"{\"results\":["
			"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
			"\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,"
			"\"fallback\":false},"
			"{\"error\":{\"code\":\"invalid_request\",\"message\":\"total_orders must "
			"be a whole number >= 0\",\"field\":\"total_orders\"},\"status\":422},"
			"{\"error\":{\"code\":\"unknown_country\",\"message\":\"unknown country "
			"'Atlantis': it is not in the loaded segments\"},\"status\":404},"
			"{\"error\":{\"code\":\"invalid_json\",\"message\":\"the request must be a "
			"JSON object\"},\"status\":400},"
			"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
			"\"frequent_segment\",\"bucket\":\"5-13\",\"voucher_amount\":2640,"
			"\"fallback\":true},"
			"{\"error\":{\"code\":\"no_matching_bucket\",\"message\":\"total_orders 99 "
			"is in no bucket of segment 'frequent_segment'\"},\"status\":404}]}");
	}
	for (i = 0; i < VO_ARRAY_SIZE(envelope_422); i++) {
		got = ask_batch(envelope_422[i], strlen(envelope_422[i]));
		check_error(out.ptr, got, envelope_422[i], 422, "invalid_request", "customers");
	}
	for (i = 0; i < VO_ARRAY_SIZE(envelope_400); i++) {
		got = ask_batch(envelope_400[i], strlen(envelope_400[i]));
		check_error(out.ptr, got, envelope_400[i], 400, "invalid_json", NULL);
	}

	/* VO_BATCH_MAX requests are answered in order; one more is refused */
	vo_buf_init(&big, 1u << 26);
	assert_int_equal(vo_buf_addstr(&big, "{\"customers\":["), VO_OK);
	for (i = 0; i < VO_BATCH_MAX; i++)
		assert_int_equal(vo_buf_addf(&big,
					     "%s{\"customer_id\":%zu,\"country_code\":\"Peru\","
					     "\"segment_name\":\"frequent_segment\","
					     "\"total_orders\":%zu}",
					     i ? "," : "", i, i % 40),
				 VO_OK);
	assert_int_equal(vo_buf_addstr(&big, "]}"), VO_OK);
	got = ask_batch(big.ptr, big.len);
	assert_int_equal(got, 200);
	doc = cJSON_Parse(out.ptr);
	assert_non_null(doc);
	res = cJSON_GetObjectItemCaseSensitive(doc, "results");
	assert_int_equal(cJSON_GetArraySize(res), VO_BATCH_MAX);
	for (i = 0; i < VO_BATCH_MAX; i += 997) {
		const cJSON *r = cJSON_GetArrayItem(res, (int)i);

		if (i % 40 > 37)
			assert_int_equal(cJSON_GetObjectItemCaseSensitive(r, "status")->valueint,
					 404);
		else
			assert_int_equal((size_t)cJSON_GetObjectItemCaseSensitive(r, "customer_id")
						 ->valuedouble,
					 i);
	}
	cJSON_Delete(doc);
	big.len -= 2;
	assert_int_equal(vo_buf_addstr(&big, ",{}]}"), VO_OK);
	got = ask_batch(big.ptr, big.len);
	check_error(out.ptr, got, "10001 requests", 422, "invalid_request", "customers");
	expect_message("at most 10000");
	vo_buf_release(&big);
}

/* The challenge's example on the real data: frequent_segment, 15 orders, Peru: 2640. */
static void test_real_data(void **state)
{
	static const char *const sel[] = { "Peru" };
	const char *file = VOUCH_SHARED_DIR "/data/data.parquet.gzip";
	struct vo_table *real;

	(void)state;
	if (access(file, R_OK)) {
		skip();
		return;
	}
	real = build_table(file, sel, 1);
	ctx.table = real;
	expect_body(
		"{\"customer_id\":123,\"country_code\":\"Peru\",\"last_order_ts\":\"2018-05-03 "
		"00:00:00\",\"first_order_ts\":\"2017-05-03 00:00:00\",\"total_orders\":15,"
		"\"segment_name\":\"frequent_segment\"}",
		200,
		"{\"customer_id\":123,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"bucket\":\"14-37\",\"voucher_amount\":2640,\"fallback\":"
		"false}");
	/* the original service's field name */
	assert_int_equal(ask("{\"customer_id\":123,\"country_code\":\"Peru\",\"last_order_ts\":"
			     "\"2018-05-03 00:00:00\",\"first_order_ts\":\"2017-05-03 00:00:00\","
			     "\"total_order\":15,\"segment_name\":\"frequent_segment\"}"),
			 200);
	expect_message("\"voucher_amount\":2640");
	/* the SPEC's recency example: 92 days with this as_of */
	expect_body(
		"{\"customer_id\":123,\"country_code\":\"Peru\",\"last_order_ts\":\"2018-05-03 "
		"00:00:00\",\"first_order_ts\":\"2017-05-03 00:00:00\",\"total_orders\":15,"
		"\"segment_name\":\"recency_segment\",\"as_of\":\"2018-08-03\"}",
		200,
		"{\"customer_id\":123,\"country_code\":\"Peru\",\"segment_name\":"
		"\"recency_segment\",\"bucket\":\"91-120\",\"voucher_amount\":2640,\"fallback\":"
		"false}");
	/* 61-90 is empty in the real data */
	assert_int_equal(ask("{\"customer_id\":123,\"country_code\":\"Peru\",\"last_order_ts\":"
			     "\"2018-05-03\",\"segment_name\":\"recency_segment\",\"as_of\":"
			     "\"2018-07-20\"}"),
			 200);
	expect_message("\"bucket\":\"61-90\",\"voucher_amount\":2640,\"fallback\":true");
	vo_table_destroy(real);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ok, reset_ctx),
		cmocka_unit_test_setup(test_fallback, reset_ctx),
		cmocka_unit_test_setup(test_no_matching_bucket, reset_ctx),
		cmocka_unit_test_setup(test_unknown_country, reset_ctx),
		cmocka_unit_test_setup(test_invalid_json, reset_ctx),
		cmocka_unit_test_setup(test_customer_id, reset_ctx),
		cmocka_unit_test_setup(test_country_and_segment, reset_ctx),
		cmocka_unit_test_setup(test_total_orders, reset_ctx),
		cmocka_unit_test_setup(test_timestamps, reset_ctx),
		cmocka_unit_test_setup(test_as_of, reset_ctx),
		cmocka_unit_test_setup(test_api_error, reset_ctx),
		cmocka_unit_test_setup(test_batch, reset_ctx),
		cmocka_unit_test_setup(test_real_data, reset_ctx),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
