/*
 * test_voucher_amount.c - POST /voucher_amount without HTTP, the proof of
 * concept's contract (api/voucher.h): {"voucher_amount": N} and nothing
 * else, the fallback for a value in no bucket, FastAPI's 422 list of every
 * invalid field with pydantic 1.x's msg and type, its 404 {"detail"}, and
 * FastAPI's answers to bodies that are not JSON objects.  Then the JSON
 * strictness of every route's body (issue 14 item 8): bytes after \u0000
 * count, non-JSON numbers are refused, big integers are judged exactly.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "api/table.h"
#include "api/voucher.h"
#include "model/artifact.h"
#include "model/value.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

#define HEADER "timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n"

/*
 * Peru, orders of 2018-08-01: 0-4 -> 2640 (2 of 3), 14-37 -> 4400 (3 of 4),
 * 5-13 empty; recency 61-90 -> 2640, 30-60 -> 4400.  Fallback 2640 (3 rows,
 * tied with 4400, the smaller wins).  Chile is selected but has no rows, so
 * no fallback.
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

static int setup(void **state)
{
	static const char *const sel[] = { "Peru", "Chile" };
	struct vo_pipeline_options opt;
	struct vo_artifact a;
	struct vo_error err;
	struct vo_buf text;
	char path[512];
	const char *input = path;

	if (vo_test_dir_setup(state))
		return -1;
	vo_test_path(path, sizeof(path), "orders.csv");
	if (vo_write_file_atomic(path, csv_rows, strlen(csv_rows), &err))
		return -1;
	memset(&opt, 0, sizeof(opt));
	opt.inputs = &input;
	opt.ninputs = 1;
	opt.countries = sel;
	opt.ncountries = 2;
	if (vo_pipeline_run(&opt, &a, &err))
		return -1;
	vo_buf_init(&text, 1u << 26);
	if (vo_artifact_render(&a, false, &text) ||
	    vo_table_parse(text.ptr, text.len, "test.json", &table, &err))
		return -1;
	vo_buf_release(&text);
	vo_artifact_release(&a);
	vo_buf_init(&out, 1u << 26);
	memset(&ctx, 0, sizeof(ctx));
	ctx.table = table;
	if (!vo_ts_parse(VO_STR_LIT("2018-08-01 12:00:00"), &ctx.now_us))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	vo_table_destroy(table);
	vo_buf_release(&out);
	return vo_test_dir_teardown(state);
}

static int amount(const char *body, size_t len)
{
	vo_buf_reset(&out);
	return vo_voucher_amount_answer(&ctx, body, len, &out);
}

static int voucher(const char *body, size_t len)
{
	vo_buf_reset(&out);
	return vo_voucher_answer(&ctx, body, len, &out);
}

/* POST /voucher_amount answers status with exactly want. */
static void expect_amount(const char *body, int status, const char *want)
{
	int got = amount(body, strlen(body));

	if (got != status || strcmp(out.ptr, want) != 0)
		fail_msg("POST /voucher_amount %s\n  got %d %s\n want %d %s", body, got, out.ptr,
			 status, want);
}

/* POST /voucher answers status with exactly want (body of len bytes). */
static void expect_voucher(const char *body, size_t len, int status, const char *want)
{
	int got = voucher(body, len);

	if (got != status || strcmp(out.ptr, want) != 0)
		fail_msg("POST /voucher %.*s\n  got %d %s\n want %d %s", (int)len, body, got,
			 out.ptr, status, want);
}

/* POST /voucher answers status with error code and field (NULL: none). */
static void expect_voucher_error(const char *body, size_t len, int status, const char *code,
				 const char *field)
{
	int got = voucher(body, len);
	cJSON *doc;
	const cJSON *e;
	const cJSON *f;

	if (got != status)
		fail_msg("POST /voucher %.*s\n  got %d %s\n want %d %s", (int)len, body, got,
			 out.ptr, status, code);
	doc = cJSON_Parse(out.ptr);
	assert_non_null(doc);
	e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(e, "code")->valuestring, code);
	f = cJSON_GetObjectItemCaseSensitive(e, "field");
	if (field)
		assert_string_equal(f ? f->valuestring : "(none)", field);
	else
		assert_null(f);
	cJSON_Delete(doc);
}

#define POC_BODY(segment, extra)                                                           \
	"{\"customer_id\":1,\"country_code\":\"Peru\",\"first_order_ts\":\"2018-01-04 "    \
	"00:00:00\",\"last_order_ts\":\"2018-05-03 00:00:00\",\"segment_name\":\"" segment \
	"\"" extra "}"

static void test_answers(void **state)
{
	(void)state;
	/* the bucket's voucher, nothing else */
	expect_amount(POC_BODY("frequent_segment", ",\"total_order\":3"), 200,
		      "{\"voucher_amount\":2640}");
	expect_amount(POC_BODY("frequent_segment", ",\"total_order\":20"), 200,
		      "{\"voucher_amount\":4400}");
	/* total_order 0 is valid (the proof of concept refused it: PositiveInt) */
	expect_amount(POC_BODY("frequent_segment", ",\"total_order\":0"), 200,
		      "{\"voucher_amount\":2640}");
	/* vouch's name of the field is taken here too */
	expect_amount(POC_BODY("frequent_segment", ",\"total_orders\":\"30\""), 200,
		      "{\"voucher_amount\":4400}");
	/* an empty bucket (5-13) answers the fallback, as on /voucher */
	expect_amount(POC_BODY("frequent_segment", ",\"total_order\":9"), 200,
		      "{\"voucher_amount\":2640}");
	/* a value in no bucket answers the fallback: 100 orders (the catch-all 38-above) */
	expect_amount(POC_BODY("frequent_segment", ",\"total_order\":100"), 200,
		      "{\"voucher_amount\":2640}");
	/* 90 days: 61-90 */
	expect_amount(POC_BODY("recency_segment", ""), 200, "{\"voucher_amount\":2640}");
	/* 10 days and 400 days are in no bucket: the fallback (the catch-all 180+) */
	expect_amount(POC_BODY("recency_segment", ",\"as_of\":\"2018-05-13\""), 200,
		      "{\"voucher_amount\":2640}");
	expect_amount(POC_BODY("recency_segment", ",\"as_of\":\"2019-06-07\""), 200,
		      "{\"voucher_amount\":2640}");
	/* the proof of concept's own test bodies (tests/conftest.py) */
	expect_amount(
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"first_order_ts\":\"2022-01-04 "
		"00:00:00\",\"last_order_ts\":\"2022-01-04 00:00:00\",\"total_order\":100,"
		"\"segment_name\":\"frequent_segment\"}",
		422,
		"{\"detail\":[{\"loc\":[\"body\",\"last_order_ts\"],\"msg\":\"last_order_ts "
		"(2022-01-04) is after today (2018-08-01)\",\"type\":\"value_error\"}]}");
	ctx.now_us += INT64_C(1500) * 86400 * 1000000; /* 2022-09-09 */
	expect_amount(
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"first_order_ts\":\"2022-01-04 "
		"00:00:00\",\"last_order_ts\":\"2022-01-04 00:00:00\",\"total_order\":100,"
		"\"segment_name\":\"frequent_segment\"}",
		200, "{\"voucher_amount\":2640}");
	expect_amount(
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"first_order_ts\":\"2022-01-04 "
		"00:00:00\",\"last_order_ts\":\"2022-01-04 00:00:00\",\"total_order\":100,"
		"\"segment_name\":\"recency_segment\"}",
		200, "{\"voucher_amount\":2640}");
	ctx.now_us -= INT64_C(1500) * 86400 * 1000000;
	/* /voucher keeps its own contract for the same body: 404 for a value in no bucket */
	expect_voucher_error(POC_BODY("frequent_segment", ",\"total_order\":100"),
			     strlen(POC_BODY("frequent_segment", ",\"total_order\":100")), 404,
			     "no_matching_bucket", NULL);
}

static void test_not_found(void **state)
{
	(void)state;
	expect_amount(
		"{\"customer_id\":1,\"country_code\":\"Chilee\",\"segment_name\":"
		"\"frequent_segment\",\"total_order\":3}",
		404, "{\"detail\":\"unknown country 'Chilee': it is not in the loaded segments\"}");
	expect_amount("{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":\"loyalty\"}",
		      404,
		      "{\"detail\":\"unknown segment 'loyalty' (expected one of: frequent_segment, "
		      "recency_segment)\"}");
	/* the country first, as the proof of concept checked it */
	{
		static const char b[] = "{\"customer_id\":1,\"country_code\":\"Mars\",\"segment_"
					"name\":\"loyalty\"}";

		assert_int_equal(amount(b, sizeof(b) - 1), 404);
	}
	assert_non_null(strstr(out.ptr, "unknown country 'Mars'"));
	/* a country without any voucher: no fallback for a value in no bucket */
	expect_amount(
		"{\"customer_id\":1,\"country_code\":\"chile\",\"segment_name\":"
		"\"frequent_segment\",\"total_order\":100}",
		404,
		"{\"detail\":\"total_orders 100 is in no bucket of segment 'frequent_segment'\"}");
}

static void test_every_problem(void **state)
{
	(void)state;
	/* every required field is listed; the ones a segment needs once it is known */
	expect_amount(
		"{}", 422,
		"{\"detail\":[{\"loc\":[\"body\",\"customer_id\"],\"msg\":\"field required\","
		"\"type\":\"value_error.missing\"},{\"loc\":[\"body\",\"country_code\"],\"msg\":"
		"\"field required\",\"type\":\"value_error.missing\"},{\"loc\":[\"body\","
		"\"segment_name\"],\"msg\":\"field required\",\"type\":\"value_error.missing\"}]}");
	/* a missing total_order is reported under this route's name of the field */
	expect_amount("{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		      "\"frequent_segment\"}",
		      422,
		      "{\"detail\":[{\"loc\":[\"body\",\"total_order\"],\"msg\":\"field required\","
		      "\"type\":\"value_error.missing\"}]}");
	/* and an invalid one under the name the client sent */
	expect_amount(
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"total_orders\":\"abc\"}",
		422,
		"{\"detail\":[{\"loc\":[\"body\",\"total_orders\"],\"msg\":\"value is not a valid "
		"integer\",\"type\":\"type_error.integer\"}]}");
	/* every field wrong at once, in the proof of concept's field order */
	expect_amount(
		"{\"segment_name\":7,\"total_order\":-1,\"last_order_ts\":\"soon\","
		"\"first_order_ts\":true,\"country_code\":\"  \",\"customer_id\":1.5}",
		422,
		"{\"detail\":["
		"{\"loc\":[\"body\",\"customer_id\"],\"msg\":\"value is not a valid integer\","
		"\"type\":\"type_error.integer\"},"
		"{\"loc\":[\"body\",\"country_code\"],\"msg\":\"ensure this value has at least 1 "
		"characters\",\"type\":\"value_error.any_str.min_length\",\"ctx\":{\"limit_value\":"
		"1}},"
		"{\"loc\":[\"body\",\"first_order_ts\"],\"msg\":\"invalid datetime format\","
		"\"type\":\"value_error.datetime\"},"
		"{\"loc\":[\"body\",\"last_order_ts\"],\"msg\":\"invalid datetime format\","
		"\"type\":\"value_error.datetime\"},"
		"{\"loc\":[\"body\",\"total_order\"],\"msg\":\"ensure this value is greater than "
		"or "
		"equal to 0\",\"type\":\"value_error.number.not_ge\",\"ctx\":{\"limit_value\":0}},"
		"{\"loc\":[\"body\",\"segment_name\"],\"msg\":\"str type expected\",\"type\":"
		"\"type_error.str\"}]}");
	/* limits with their values; checks across fields; a member given twice */
	expect_amount(
		"{\"customer_id\":9007199254740992,\"country_code\":\"Peru\",\"segment_name\":"
		"\"recency_segment\",\"first_order_ts\":\"2018-06-01\",\"last_order_ts\":"
		"\"2018-05-01\",\"as_of\":\"2018-08-01\",\"as_of\":\"2018-08-02\"}",
		422,
		"{\"detail\":["
		"{\"loc\":[\"body\",\"customer_id\"],\"msg\":\"ensure this value is less than or "
		"equal to 9007199254740991\",\"type\":\"value_error.number.not_le\",\"ctx\":"
		"{\"limit_value\":9007199254740991}},"
		"{\"loc\":[\"body\",\"first_order_ts\"],\"msg\":\"first_order_ts (2018-06-01) is "
		"after last_order_ts (2018-05-01)\",\"type\":\"value_error\"},"
		"{\"loc\":[\"body\",\"as_of\"],\"msg\":\"as_of is given twice\",\"type\":"
		"\"value_error\"}]}");
	/* a problem in the fields comes before an unknown country or segment */
	expect_amount(
		"{\"customer_id\":[],\"country_code\":\"Mars\",\"segment_name\":\"x\"}", 422,
		"{\"detail\":[{\"loc\":[\"body\",\"customer_id\"],\"msg\":\"value is not a valid "
		"integer\",\"type\":\"type_error.integer\"}]}");
	/* both names given must agree */
	{
		static const char b[] =
			"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
			"\"frequent_segment\",\"total_order\":3,\"total_orders\":4}";

		assert_int_equal(amount(b, sizeof(b) - 1), 422);
	}
	assert_non_null(strstr(out.ptr, "\"loc\":[\"body\",\"total_order\"]"));
	assert_non_null(strstr(out.ptr, "disagree"));
}

static void test_bodies(void **state)
{
	(void)state;
	/* as FastAPI answers them: empty, not JSON, not an object */
	expect_amount("", 422,
		      "{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"field required\",\"type\":"
		      "\"value_error.missing\"}]}");
	expect_amount(
		"{bad", 422,
		"{\"detail\":[{\"loc\":[\"body\",1],\"msg\":\"Expecting property name enclosed in "
		"double quotes: line 1 column 2 (char 1)\",\"type\":\"value_error.jsondecode\","
		"\"ctx\":{\"msg\":\"Expecting property name enclosed in double quotes\",\"pos\":1,"
		"\"lineno\":1,\"colno\":2}}]}");
	expect_amount(
		"{\"a\":1,\n\"b\" 2}", 422,
		"{\"detail\":[{\"loc\":[\"body\",12],\"msg\":\"Expecting ':' delimiter: line 2 "
		"column 5 (char 12)\",\"type\":\"value_error.jsondecode\",\"ctx\":{\"msg\":"
		"\"Expecting ':' delimiter\",\"pos\":12,\"lineno\":2,\"colno\":5}}]}");
	expect_amount(
		"[1]", 422,
		"{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"value is not a valid dict\",\"type\":"
		"\"type_error.dict\"}]}");
	expect_amount(
		"\"x\"", 422,
		"{\"detail\":[{\"loc\":[\"body\"],\"msg\":\"value is not a valid dict\",\"type\":"
		"\"type_error.dict\"}]}");
	/* the same bodies on /voucher: 400 invalid_json */
	expect_voucher_error("", 0, 400, "invalid_json", NULL);
	expect_voucher_error("{bad", 4, 400, "invalid_json", NULL);
	expect_voucher_error("[1]", 3, 400, "invalid_json", NULL);
}

static void test_too_many_values(void **state)
{
	struct vo_buf big;

	(void)state;
	vo_buf_init(&big, 1u << 24);
	assert_int_equal(vo_buf_addstr(&big, "{\"x\":["), VO_OK);
	for (int i = 0; i < VO_API_JSON_VALUES_MAX; i++)
		assert_int_equal(vo_buf_addstr(&big, i ? ",0" : "0"), VO_OK);
	assert_int_equal(vo_buf_addstr(&big, "]}"), VO_OK);
	assert_int_equal(amount(big.ptr, big.len), 413);
	assert_non_null(
		strstr(out.ptr, "{\"detail\":\"the body holds more than 262144 JSON values\"}"));
	expect_voucher_error(big.ptr, big.len, 413, "payload_too_large", NULL);
	vo_buf_reset(&out);
	assert_int_equal(vo_vouchers_answer(&ctx, big.ptr, big.len, &out), 413);
	vo_buf_release(&big);
}

#define FREQ "\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":\"frequent_segment\""

/* Issue 14 item 8: bytes after \u0000 count; only RFC 8259 numbers; exact integers. */
static void test_json_strictness(void **state)
{
	static const char *const not_json[] = {
		"{" FREQ ",\"total_orders\":01}",
		"{" FREQ ",\"total_orders\":5.}",
		"{" FREQ ",\"total_orders\":-}",
		"{" FREQ ",\"total_orders\":+1}",
		"{" FREQ ",\"total_orders\":.5}",
		"{" FREQ ",\"total_orders\":1e}",
		"{" FREQ ",\"total_orders\":0x10}",
		"{" FREQ ",\"total_orders\":NaN}",
		"{" FREQ ",\"total_orders\":Infinity}",
		"{\"customer_id\":00}",
		"{\"customer_id\":1.e3}",
		"{" FREQ ",\"total_orders\":3,}",
		"{\"customer_id\":\"\\ud800\"}",
		"{\"customer_id\":\"\xc3\x28\"}",
	};
	static const char peru_nul[] = "{\"customer_id\":1,\"country_code\":\"Peru\\u0000zzz\","
				       "\"segment_name\":\"frequent_segment\",\"total_orders\":3}";
	static const char id_nul[] = "{\"customer_id\":\"a\\u0000b\",\"country_code\":\"Peru\","
				     "\"segment_name\":\"frequent_segment\",\"total_orders\":3}";
	static const char key_nul[] = "{" FREQ ",\"total_orders\\u0000x\":3}";
	static const char seg_nul[] =
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\\u0000\",\"total_orders\":3}";
	char body[256];

	(void)state;
	/* "Peru\u0000zzz" is not Peru */
	expect_voucher_error(peru_nul, sizeof(peru_nul) - 1, 404, "unknown_country", NULL);
	assert_non_null(strstr(out.ptr, "Peru\\\\u0000zzz"));
	amount(peru_nul, sizeof(peru_nul) - 1);
	assert_non_null(strstr(out.ptr, "unknown country"));
	/* "3\u0000abc" is not 3 */
	snprintf(body, sizeof(body), "{%s,\"total_orders\":\"3\\u0000abc\"}", FREQ);
	expect_voucher_error(body, strlen(body), 422, "invalid_request", "total_orders");
	/* a customer_id with a NUL is echoed byte for byte, escaped */
	expect_voucher(
		id_nul, sizeof(id_nul) - 1, 200,
		"{\"customer_id\":\"a\\u0000b\",\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,\"fallback\":"
		"false}");
	/* "total_orders\u0000x" is an unknown member, not total_orders */
	expect_voucher_error(key_nul, sizeof(key_nul) - 1, 422, "invalid_request", "total_orders");
	assert_non_null(strstr(out.ptr, "is required"));
	expect_voucher_error(seg_nul, sizeof(seg_nul) - 1, 422, "invalid_request", "segment_name");
	/* numbers that are not JSON, and other text that is not: 400 invalid_json */
	for (size_t i = 0; i < VO_ARRAY_SIZE(not_json); i++)
		expect_voucher_error(not_json[i], strlen(not_json[i]), 400, "invalid_json", NULL);
	/* 2^63-1 is the integer it is: in no bucket (404), not a rounded 422 */
	snprintf(body, sizeof(body), "{%s,\"total_orders\":9223372036854775807}", FREQ);
	expect_voucher_error(body, strlen(body), 404, "no_matching_bucket", NULL);
	assert_non_null(strstr(out.ptr, "total_orders 9223372036854775807 is in no bucket"));
	/* 2^63 does not fit: 422 */
	snprintf(body, sizeof(body), "{%s,\"total_orders\":9223372036854775808}", FREQ);
	expect_voucher_error(body, strlen(body), 422, "invalid_request", "total_orders");
	/* judged on the digits: a double would round these to whole numbers */
	snprintf(body, sizeof(body), "{%s,\"total_orders\":37.0000000000000001}", FREQ);
	expect_voucher_error(body, strlen(body), 422, "invalid_request", "total_orders");
	snprintf(body, sizeof(body), "{%s,\"total_orders\":\"14.000000000000000000001\"}", FREQ);
	expect_voucher_error(body, strlen(body), 422, "invalid_request", "total_orders");
	snprintf(body, sizeof(body), "{%s,\"total_orders\":3.7e1}", FREQ);
	assert_int_equal(voucher(body, strlen(body)), 200);
	assert_non_null(strstr(out.ptr, "\"bucket\":\"14-37\""));
	snprintf(body, sizeof(body), "{%s,\"total_orders\":-0}", FREQ);
	expect_voucher(
		body, strlen(body), 200,
		"{\"customer_id\":1,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,\"fallback\":"
		"false}");
	/* customer_id: the largest is echoed exactly; one more is refused, not rounded */
	expect_voucher(
		"{\"customer_id\":-9007199254740991,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"total_orders\":3e0}",
		strlen("{\"customer_id\":-9007199254740991,\"country_code\":\"Peru\","
		       "\"segment_name\":\"frequent_segment\",\"total_orders\":3e0}"),
		200,
		"{\"customer_id\":-9007199254740991,\"country_code\":\"Peru\",\"segment_name\":"
		"\"frequent_segment\",\"bucket\":\"0-4\",\"voucher_amount\":2640,\"fallback\":"
		"false}");
	snprintf(body, sizeof(body), "{\"customer_id\":9007199254740993,%s}",
		 "\"country_code\":\"Peru\",\"segment_name\":\"frequent_segment\",\"total_orders\":"
		 "3");
	expect_voucher_error(body, strlen(body), 422, "invalid_request", "customer_id");
	snprintf(body, sizeof(body), "{\"customer_id\":12.0e1,%s}",
		 "\"country_code\":\"Peru\",\"segment_name\":\"frequent_segment\",\"total_orders\":"
		 "3");
	assert_int_equal(voucher(body, strlen(body)), 200);
	assert_non_null(strstr(out.ptr, "{\"customer_id\":120,"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers),		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_every_problem),	cmocka_unit_test(test_bodies),
		cmocka_unit_test(test_too_many_values), cmocka_unit_test(test_json_strictness),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
