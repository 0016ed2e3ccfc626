/*
 * test_router.c - the router without HTTP: the OpenAPI document and the route
 * table agree, early refusals (404, 405 with Allow, 415, 413), the table swap
 * and the metrics text.
 */
#include "core/common.h"

#include <cjson/cJSON.h>
#include <setjmp.h>
#include <cmocka.h>

#include "api/live.h"
#include "api/metrics.h"
#include "api/router.h"
#include "core/limits.h"

static void test_openapi_matches_routes(void **state)
{
	cJSON *doc, *paths, *path;
	size_t documented = 0;

	(void)state;
	doc = cJSON_ParseWithLengthOpts(vo_openapi_json, strlen(vo_openapi_json) + 1, NULL, true);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "openapi")->valuestring, "3.0.3");
	paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
	assert_true(cJSON_IsObject(paths));
	/* Every route is documented with exactly its methods. */
	for (int r = 0; r < VO_ROUTE_NONE; r++) {
		const char *methods = vo_route_methods((enum vo_route)r);
		cJSON *ops =
			cJSON_GetObjectItemCaseSensitive(paths, vo_route_path((enum vo_route)r));
		cJSON *op;
		size_t nops = 0;

		assert_non_null(ops);
		cJSON_ArrayForEach(op, ops)
		{
			nops++;
			if (!strcmp(op->string, "post"))
				assert_string_equal(methods, "POST");
			else
				assert_string_equal(op->string, "get");
			assert_non_null(cJSON_GetObjectItemCaseSensitive(op, "responses"));
		}
		assert_int_equal(nops, 1);
	}
	/* Every documented path is a route. */
	cJSON_ArrayForEach(path, paths)
	{
		assert_int_not_equal(vo_route_find(vo_str_cstr(path->string)), VO_ROUTE_NONE);
		documented++;
	}
	assert_int_equal(documented, VO_ROUTE_NONE);
	cJSON_Delete(doc);
}

static struct vo_api test_api(struct vo_live *live)
{
	struct vo_api api;

	memset(&api, 0, sizeof(api));
	api.cfg.max_body = 100;
	api.cfg.max_batch_body = 1000;
	api.live = live;
	return api;
}

static void test_precheck(void **state)
{
	struct vo_live *live;
	struct vo_api api;
	struct vo_http_request req;
	struct vo_http_response resp;
	enum vo_route route;

	(void)state;
	assert_int_equal(vo_live_create(&live, 1), VO_OK);
	api = test_api(live);
	memset(&req, 0, sizeof(req));
	vo_http_response_init(&resp);

	req.method = VO_STR_LIT("POST");
	req.path = VO_STR_LIT("/voucher");
	assert_true(vo_api_precheck(&api, &req, 10, &route, &resp));
	assert_int_equal(route, VO_ROUTE_VOUCHER);
	assert_false(vo_api_precheck(&api, &req, 101, &route, &resp));
	assert_int_equal(resp.status, 413);
	assert_non_null(strstr(resp.body.ptr, "\"payload_too_large\""));
	/* The batch route has its own limit. */
	req.path = VO_STR_LIT("/vouchers");
	assert_true(vo_api_precheck(&api, &req, 1000, &route, &resp));
	assert_false(vo_api_precheck(&api, &req, 1001, &route, &resp));

	req.path = VO_STR_LIT("/voucher_amount");
	req.content_type = VO_STR_LIT("Application/JSON; charset=utf-8");
	assert_true(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_int_equal(route, VO_ROUTE_VOUCHER_AMOUNT);
	req.content_type = VO_STR_LIT("application/problem+json");
	assert_true(vo_api_precheck(&api, &req, -1, &route, &resp));
	req.content_type = VO_STR_LIT("text/plain");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_int_equal(resp.status, 415);
	req.content_type = VO_STR_LIT("+json");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));

	req.method = VO_STR_LIT("GET");
	req.content_type = vo_str_make(NULL, 0);
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp.allow, "POST");
	req.path = VO_STR_LIT("/metrics");
	assert_true(vo_api_precheck(&api, &req, -1, &route, &resp));
	req.method = VO_STR_LIT("HEAD");
	assert_true(vo_api_precheck(&api, &req, -1, &route, &resp));
	req.method = VO_STR_LIT("PUT");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_string_equal(resp.allow, "GET, HEAD");
	req.path = VO_STR_LIT("/voucherx");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_int_equal(resp.status, 404);
	assert_int_equal(route, VO_ROUTE_NONE);

	vo_http_response_release(&resp);
	vo_live_destroy(live);
}

static void test_not_ready(void **state)
{
	struct vo_live *live;
	struct vo_api api;
	struct vo_http_request req;
	struct vo_http_response resp;

	(void)state;
	assert_int_equal(vo_live_create(&live, 2), VO_OK);
	api = test_api(live);
	memset(&req, 0, sizeof(req));
	vo_http_response_init(&resp);
	req.method = VO_STR_LIT("POST");
	req.path = VO_STR_LIT("/voucher");
	req.body = VO_STR_LIT("{}");
	vo_api_handle(&api, 1, VO_ROUTE_VOUCHER, &req, &resp);
	assert_int_equal(resp.status, 503);
	assert_non_null(strstr(resp.body.ptr, "\"not_ready\""));
	vo_api_handle(&api, 0, VO_ROUTE_READY, &req, &resp);
	assert_int_equal(resp.status, 503);
	vo_api_handle(&api, 0, VO_ROUTE_HEALTH, &req, &resp);
	assert_int_equal(resp.status, 200);
	vo_api_handle(&api, 0, VO_ROUTE_METRICS, &req, &resp);
	assert_int_equal(resp.status, 200);
	assert_non_null(strstr(resp.body.ptr, "vouch_ready 0\n"));
	/* The slot is given back after each request. */
	assert_int_equal(vo_live_holders(live), 0);
	vo_http_response_release(&resp);
	vo_live_destroy(live);
}

/* GET /docs holds the OpenAPI document in a script element it cannot end. */
static void test_docs(void **state)
{
	struct vo_live *live;
	struct vo_api api;
	struct vo_http_request req;
	struct vo_http_response resp;
	const char *mark;

	(void)state;
	assert_null(strstr(vo_openapi_json, "</"));
	mark = strstr(vo_docs_html, VO_DOCS_MARKER);
	assert_non_null(mark);
	assert_null(strstr(mark + 1, VO_DOCS_MARKER));
	assert_int_equal(vo_route_find(VO_STR_LIT("/docs")), VO_ROUTE_DOCS);
	assert_int_equal(vo_live_create(&live, 1), VO_OK);
	api = test_api(live);
	memset(&req, 0, sizeof(req));
	vo_http_response_init(&resp);
	req.method = VO_STR_LIT("GET");
	req.path = VO_STR_LIT("/docs");
	vo_api_handle(&api, 0, VO_ROUTE_DOCS, &req, &resp);
	assert_int_equal(resp.status, 200); /* with no artifact loaded too */
	assert_string_equal(resp.content_type, "text/html; charset=utf-8");
	assert_non_null(strstr(resp.body.ptr, vo_openapi_json));
	assert_null(strstr(resp.body.ptr, VO_DOCS_MARKER));
	assert_null(strstr(resp.body.ptr, "src="));    /* nothing loaded from elsewhere */
	assert_null(strstr(resp.body.ptr, "http://")); /* ... or linked */
	assert_null(strstr(resp.body.ptr, "https://"));
	vo_http_response_release(&resp);
	vo_live_destroy(live);
}

/* A route with one trailing slash: 307 to the route, no body; others 404. */
static void test_trailing_slash(void **state)
{
	static const char *const paths[] = { "/voucher/", "/voucher_amount/", "/vouchers/",
					     "/health/",  "/ready/",	      "/segments/",
					     "/metrics/", "/openapi.json/",   "/docs/" };
	struct vo_live *live;
	struct vo_api api;
	struct vo_http_request req;
	struct vo_http_response resp;
	enum vo_route route;

	(void)state;
	assert_int_equal(vo_live_create(&live, 1), VO_OK);
	api = test_api(live);
	memset(&req, 0, sizeof(req));
	vo_http_response_init(&resp);
	for (size_t i = 0; i < VO_ARRAY_SIZE(paths); i++) {
		req.method = VO_STR_LIT("POST");
		req.path = vo_str_cstr(paths[i]);
		assert_false(vo_api_precheck(&api, &req, 10, &route, &resp));
		assert_int_equal(resp.status, 307);
		assert_int_equal(strlen(resp.location), strlen(paths[i]) - 1);
		assert_memory_equal(resp.location, paths[i], strlen(paths[i]) - 1);
		assert_null(resp.content_type);
		assert_int_equal(resp.body.len, 0);
	}
	/* the next answer on the same response has no Location left over */
	req.path = VO_STR_LIT("/voucher");
	assert_true(vo_api_precheck(&api, &req, 10, &route, &resp));
	assert_null(resp.location);
	req.path = VO_STR_LIT("/nope/");
	assert_false(vo_api_precheck(&api, &req, 10, &route, &resp));
	assert_int_equal(resp.status, 404);
	assert_null(resp.location);
	req.path = VO_STR_LIT("/voucher//");
	assert_false(vo_api_precheck(&api, &req, 10, &route, &resp));
	assert_int_equal(resp.status, 404);
	req.path = VO_STR_LIT("//");
	assert_false(vo_api_precheck(&api, &req, 10, &route, &resp));
	assert_int_equal(resp.status, 307);
	assert_string_equal(resp.location, "/");
	vo_http_response_release(&resp);
	vo_live_destroy(live);
}

/* /voucher_amount's refusals have FastAPI's {"detail": ...}; the others vouch's. */
static void test_fastapi_refusals(void **state)
{
	struct vo_live *live;
	struct vo_api api;
	struct vo_http_request req;
	struct vo_http_response resp;
	enum vo_route route;

	(void)state;
	assert_int_equal(vo_live_create(&live, 1), VO_OK);
	api = test_api(live);
	memset(&req, 0, sizeof(req));
	vo_http_response_init(&resp);
	req.path = VO_STR_LIT("/voucher_amount");
	req.method = VO_STR_LIT("GET");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_int_equal(resp.status, 405);
	assert_string_equal(resp.body.ptr, "{\"detail\":\"Method Not Allowed\"}");
	assert_string_equal(resp.allow, "POST");
	req.method = VO_STR_LIT("POST");
	req.content_type = VO_STR_LIT("text/plain");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_int_equal(resp.status, 415);
	assert_non_null(strstr(resp.body.ptr, "{\"detail\":\"the body must be JSON"));
	req.content_type = vo_str_make(NULL, 0);
	assert_false(vo_api_precheck(&api, &req, 101, &route, &resp));
	assert_int_equal(resp.status, 413);
	assert_string_equal(resp.body.ptr,
			    "{\"detail\":\"the body is larger than the limit of 100 bytes\"}");
	assert_true(vo_api_precheck(&api, &req, 2, &route, &resp));
	req.body = VO_STR_LIT("{}");
	vo_api_handle(&api, 0, route, &req, &resp);
	assert_int_equal(resp.status, 503);
	assert_string_equal(resp.body.ptr, "{\"detail\":\"no segments artifact is loaded yet\"}");
	/* an HTTP engine's refusal that knows the route */
	vo_api_refuse(&resp, VO_ROUTE_VOUCHER_AMOUNT, 503, "too_many_connections", "retry later");
	assert_string_equal(resp.body.ptr, "{\"detail\":\"retry later\"}");
	vo_api_refuse(&resp, VO_ROUTE_VOUCHER, 503, "too_many_connections", "retry later");
	assert_string_equal(
		resp.body.ptr,
		"{\"error\":{\"code\":\"too_many_connections\",\"message\":\"retry later\"}}");
	/* /voucher keeps vouch's bodies */
	req.path = VO_STR_LIT("/voucher");
	req.method = VO_STR_LIT("GET");
	assert_false(vo_api_precheck(&api, &req, -1, &route, &resp));
	assert_non_null(strstr(resp.body.ptr, "\"code\":\"method_not_allowed\""));
	vo_http_response_release(&resp);
	vo_live_destroy(live);
}

static void test_metrics(void **state)
{
	struct vo_metrics_set set;
	struct vo_buf out;

	(void)state;
	assert_int_equal(vo_metrics_set_init(&set, 2), VO_OK);
	vo_metrics_count(&set.workers[0], VO_ROUTE_VOUCHER, 200, 30);
	vo_metrics_count(&set.workers[1], VO_ROUTE_VOUCHER, 200, 2000000);
	vo_metrics_count(&set.workers[1], VO_ROUTE_VOUCHER, 422, 10);
	vo_metrics_count(&set.workers[1], VO_ROUTE_NONE, 418, 10);
	vo_buf_init(&out, 1 << 20);
	assert_int_equal(vo_metrics_render(&set, &out), VO_OK);
	assert_non_null(strstr(out.ptr,
			       "vouch_http_requests_total{route=\"/voucher\",status=\"200\"} 2\n"));
	assert_non_null(strstr(out.ptr,
			       "vouch_http_requests_total{route=\"/voucher\",status=\"422\"} 1\n"));
	assert_non_null(
		strstr(out.ptr, "vouch_http_requests_total{route=\"other\",status=\"other\"} 1\n"));
	/* Cumulative buckets: 10 us and 30 us are under 50 us; 2 s only in +Inf. */
	assert_non_null(
		strstr(out.ptr, "duration_seconds_bucket{route=\"/voucher\",le=\"5e-05\"} 2\n"));
	assert_non_null(
		strstr(out.ptr, "duration_seconds_bucket{route=\"/voucher\",le=\"1\"} 2\n"));
	assert_non_null(
		strstr(out.ptr, "duration_seconds_bucket{route=\"/voucher\",le=\"+Inf\"} 3\n"));
	assert_non_null(strstr(out.ptr, "duration_seconds_count{route=\"/voucher\"} 3\n"));
	assert_non_null(strstr(out.ptr, "duration_seconds_sum{route=\"/voucher\"} 2.000040\n"));
	vo_buf_release(&out);
	vo_metrics_set_release(&set);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openapi_matches_routes),
		cmocka_unit_test(test_precheck),
		cmocka_unit_test(test_not_ready),
		cmocka_unit_test(test_docs),
		cmocka_unit_test(test_trailing_slash),
		cmocka_unit_test(test_fastapi_refusals),
		cmocka_unit_test(test_metrics),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
