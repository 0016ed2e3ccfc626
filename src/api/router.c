/*
 * router.c - routes, early refusals and the answers that are not vouchers.
 */
#include "core/common.h"

#include "api/metrics.h"
#include "api/router.h"
#include "api/source.h"
#include "api/voucher.h"
#include "core/civil.h"
#include "core/json.h"
#include "core/jsonmem.h"
#include "core/limits.h"
#include "core/log.h"
#include "report/dashboard.h"

struct route_def {
	const char *path;
	const char *allow; /* the Allow header of a 405 */
	bool post;	   /* a POST route with a JSON body; else GET and HEAD */
};

static const struct route_def routes[VO_ROUTE_COUNT] = {
	[VO_ROUTE_VOUCHER] = { "/voucher", "POST", true },
	[VO_ROUTE_VOUCHER_AMOUNT] = { "/voucher_amount", "POST", true },
	[VO_ROUTE_VOUCHERS] = { "/vouchers", "POST", true },
	[VO_ROUTE_HEALTH] = { "/health", "GET, HEAD", false },
	[VO_ROUTE_READY] = { "/ready", "GET, HEAD", false },
	[VO_ROUTE_SEGMENTS] = { "/segments", "GET, HEAD", false },
	[VO_ROUTE_METRICS] = { "/metrics", "GET, HEAD", false },
	[VO_ROUTE_OPENAPI] = { "/openapi.json", "GET, HEAD", false },
	[VO_ROUTE_DASHBOARD] = { "/", "GET, HEAD", false },
	[VO_ROUTE_DOCS] = { "/docs", "GET, HEAD", false },
	[VO_ROUTE_NONE] = { NULL, NULL, false },
};

static const char json_type[] = "application/json";
static const char metrics_type[] = "text/plain; version=0.0.4; charset=utf-8";
static const char html_type[] = "text/html; charset=utf-8";

enum vo_route vo_route_find(struct vo_str path)
{
	for (size_t r = 0; r < VO_ROUTE_NONE; r++)
		if (vo_str_eq_cstr(path, routes[r].path))
			return (enum vo_route)r;
	return VO_ROUTE_NONE;
}

const char *vo_route_path(enum vo_route r)
{
	return r < VO_ROUTE_NONE ? routes[r].path : NULL;
}

const char *vo_route_methods(enum vo_route r)
{
	return r < VO_ROUTE_NONE ? routes[r].allow : NULL;
}

size_t vo_api_body_limit(const struct vo_api *api, enum vo_route r)
{
	if (r == VO_ROUTE_VOUCHERS)
		return api->cfg.max_batch_body;
	return routes[r < VO_ROUTE_COUNT ? r : VO_ROUTE_NONE].post ? api->cfg.max_body : 0;
}

void vo_http_response_init(struct vo_http_response *resp)
{
	resp->status = 0;
	resp->content_type = json_type;
	resp->allow = NULL;
	resp->location = NULL;
	vo_buf_init(&resp->body, VO_API_RESPONSE_MAX);
}

void vo_http_response_release(struct vo_http_response *resp)
{
	vo_buf_release(&resp->body);
}

void vo_api_fail(struct vo_http_response *resp, int status, const char *code, const char *message)
{
	vo_buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = json_type;
	resp->location = NULL;
	if (vo_api_error(&resp->body, code, message, NULL))
		resp->status = 500;
}

void vo_api_refuse(struct vo_http_response *resp, enum vo_route r, int status, const char *code,
		   const char *message)
{
	if (r != VO_ROUTE_VOUCHER_AMOUNT) {
		vo_api_fail(resp, status, code, message);
		return;
	}
	vo_buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = json_type;
	resp->location = NULL;
	if (vo_api_detail(&resp->body, message))
		resp->status = 500;
}

/*
 * The route that path names without one trailing slash ("/voucher/" ->
 * "/voucher"), or VO_ROUTE_NONE.
 */
static enum vo_route slash_route(struct vo_str path)
{
	if (path.len < 2 || path.ptr[path.len - 1] != '/')
		return VO_ROUTE_NONE;
	return vo_route_find(vo_str_make(path.ptr, path.len - 1));
}

/* Whether a Content-Type names JSON: application/json or any +json type. */
static bool is_json_type(struct vo_str ct)
{
	const char *semi = memchr(ct.ptr, ';', ct.len);
	struct vo_str media =
		vo_str_trim(vo_str_make(ct.ptr, semi ? (size_t)(semi - ct.ptr) : ct.len));
	static const char suffix[] = "+json";

	if (vo_str_eq_nocase(media, VO_STR_LIT("application/json")))
		return true;
	return media.len > sizeof(suffix) - 1 &&
	       vo_str_eq_nocase(vo_str_make(media.ptr + media.len - (sizeof(suffix) - 1),
					    sizeof(suffix) - 1),
				VO_STR_LIT(suffix));
}

bool vo_api_precheck(const struct vo_api *api, const struct vo_http_request *req,
		     int64_t content_length, enum vo_route *route, struct vo_http_response *resp)
{
	enum vo_route r = vo_route_find(req->path);
	const struct route_def *def = &routes[r];
	bool method_ok;

	*route = r;
	resp->allow = NULL;
	resp->location = NULL;
	if (r == VO_ROUTE_NONE) {
		enum vo_route to = slash_route(req->path);

		if (to != VO_ROUTE_NONE) {
			/* FastAPI's redirect_slashes: 307 keeps the method and the body. */
			vo_buf_reset(&resp->body);
			resp->status = 307;
			resp->content_type = NULL;
			resp->location = routes[to].path;
			return false;
		}
		vo_api_fail(resp, 404, "not_found", "no such path; see GET /openapi.json or /docs");
		return false;
	}
	if (def->post)
		method_ok = vo_str_eq_cstr(req->method, "POST");
	else
		method_ok =
			vo_str_eq_cstr(req->method, "GET") || vo_str_eq_cstr(req->method, "HEAD");
	if (!method_ok) {
		char msg[96];

		if (r == VO_ROUTE_VOUCHER_AMOUNT)
			snprintf(msg, sizeof(msg), "Method Not Allowed");
		else
			snprintf(msg, sizeof(msg), "%s takes %s", def->path, def->allow);
		vo_api_refuse(resp, r, 405, "method_not_allowed", msg);
		resp->allow = def->allow;
		return false;
	}
	if (!def->post)
		return true;
	if (req->content_type.ptr && vo_str_trim(req->content_type).len &&
	    !is_json_type(req->content_type)) {
		vo_api_refuse(resp, r, 415, "unsupported_media_type",
			      "the body must be JSON (Content-Type: application/json)");
		return false;
	}
	if (content_length >= 0 && (uint64_t)content_length > vo_api_body_limit(api, r)) {
		char msg[96];
		snprintf(msg, sizeof(msg), "the body is larger than the limit of %zu bytes",
			 vo_api_body_limit(api, r));
		vo_api_refuse(resp, r, 413, "payload_too_large", msg);
		return false;
	}
	return true;
}

/* The source's status; a zeroed one (a file, always fresh) without a source. */
static void source_status(const struct vo_api *api, struct vo_source_status *st)
{
	memset(st, 0, sizeof(*st));
	st->up = true;
	if (api->src)
		vo_table_source_status(api->src, st);
}

/*
 * Seconds since a Redis source was last read, when --max-stale is set and
 * they are more than it; else 0 (fresh).
 */
static int64_t stale_for(const struct vo_api *api, const struct vo_source_status *st,
			 int64_t now_us)
{
	int64_t age;

	if (!api->cfg.max_stale_s || !st->redis || !st->refreshed_at_us)
		return 0;
	age = (now_us - st->refreshed_at_us) / 1000000;
	return age > (int64_t)api->cfg.max_stale_s ? age : 0;
}

/* "2026-11-24T01:00:00.123Z" for us. */
static void rfc3339(int64_t us, char *out, size_t n)
{
	int64_t days = vo_us_to_days(us), y;
	int64_t in_day = us - days * 86400000000LL;
	unsigned m, d;

	vo_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ", (long long)y, m, d,
		 (unsigned)(in_day / 3600000000LL), (unsigned)(in_day / 60000000LL % 60),
		 (unsigned)(in_day / 1000000 % 60), (unsigned)(in_day / 1000 % 1000));
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static int add_label(struct vo_buf *out, const char *v)
{
	int rc = 0;

	for (const char *p = v ? v : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			rc |= vo_buf_addch(out, '\\');
		rc |= *p == '\n' ? vo_buf_addstr(out, "\\n") : vo_buf_addch(out, *p);
	}
	return rc;
}

static int source_metrics(const struct vo_api *api, const struct vo_source_status *st,
			  struct vo_buf *out)
{
	int rc = vo_buf_addstr(out, "# HELP vouch_source_info Where the tables come from and, for "
				    "Redis, the node in use (value 1).\n"
				    "# TYPE vouch_source_info gauge\n"
				    "vouch_source_info{source=\"");

	rc |= add_label(out, api->source);
	rc |= vo_buf_addstr(out, "\",address=\"");
	rc |= add_label(out, st->address);
	rc |= vo_buf_addf(out,
			  "\"} 1\n"
			  "# HELP vouch_source_up Whether the source answers (Redis reachable).\n"
			  "# TYPE vouch_source_up gauge\n"
			  "vouch_source_up %d\n"
			  "# HELP vouch_source_last_refresh_timestamp_seconds The last successful "
			  "read of the source (Redis: of current; a file: its last load).\n"
			  "# TYPE vouch_source_last_refresh_timestamp_seconds gauge\n"
			  "vouch_source_last_refresh_timestamp_seconds %.3f\n",
			  st->up ? 1 : 0, (double)st->refreshed_at_us / 1e6);
	if (st->redis)
		rc |= vo_buf_addf(
			out,
			"# HELP vouch_source_subscribed Whether publishes arrive by message (0: "
			"found by polling alone).\n"
			"# TYPE vouch_source_subscribed gauge\n"
			"vouch_source_subscribed %d\n"
			"# HELP vouch_source_current_missing Whether the current key vanished from "
			"Redis (evicted or deleted) while a version is served.\n"
			"# TYPE vouch_source_current_missing gauge\n"
			"vouch_source_current_missing %d\n"
			"# HELP vouch_source_failovers_total Times the Redis node in use changed.\n"
			"# TYPE vouch_source_failovers_total counter\n"
			"vouch_source_failovers_total %" PRIu64 "\n",
			st->subscribed ? 1 : 0, st->current_missing ? 1 : 0, st->failovers);
	return rc;
}

static void answer_metrics(const struct vo_api *api, const struct vo_table *t, int64_t now_us,
			   struct vo_buf *out)
{
	struct vo_source_status st;
	struct vo_live_stats ls;
	int rc = 0;

	vo_live_stats(api->live, &ls);
	source_status(api, &st);
	if (api->stats)
		rc |= vo_metrics_render(api->stats, out);
	rc |= vo_buf_addf(out,
			  "# HELP vouch_ready Whether GET /ready answers 200: an artifact is "
			  "loaded (and, with --max-stale, the source was read lately).\n"
			  "# TYPE vouch_ready gauge\nvouch_ready %d\n",
			  t && !stale_for(api, &st, now_us) ? 1 : 0);
	if (api->src)
		rc |= source_metrics(api, &st, out);
	if (t) {
		rc |= vo_buf_addf(out,
				  "# HELP vouch_artifact_info The served artifact (value 1).\n"
				  "# TYPE vouch_artifact_info gauge\n"
				  "vouch_artifact_info{version=\"%s\",built_at=\"%s\",source=\"",
				  vo_table_version(t), vo_table_built_at(t));
		rc |= add_label(out, api->source);
		rc |= vo_buf_addf(
			out,
			"\"} 1\n"
			"# HELP vouch_artifact_age_seconds Time since the served artifact "
			"was built.\n"
			"# TYPE vouch_artifact_age_seconds gauge\n"
			"vouch_artifact_age_seconds %.3f\n"
			"# HELP vouch_artifact_loaded_timestamp_seconds When the served "
			"artifact was loaded.\n"
			"# TYPE vouch_artifact_loaded_timestamp_seconds gauge\n"
			"vouch_artifact_loaded_timestamp_seconds %.3f\n",
			(double)(now_us - vo_table_built_at_us(t)) / 1e6,
			(double)ls.loaded_at_us / 1e6);
	}
	rc |= vo_buf_addf(out,
			  "# HELP vouch_reloads_total Artifact loads, by result (unchanged: the "
			  "version was already served).\n"
			  "# TYPE vouch_reloads_total counter\n"
			  "vouch_reloads_total{result=\"ok\"} %" PRIu64 "\n"
			  "vouch_reloads_total{result=\"failed\"} %" PRIu64 "\n"
			  "vouch_reloads_total{result=\"unchanged\"} %" PRIu64 "\n"
			  "# HELP vouch_start_time_seconds When the server started.\n"
			  "# TYPE vouch_start_time_seconds gauge\n"
			  "vouch_start_time_seconds %.3f\n",
			  ls.reloads, ls.failures, ls.unchanged, (double)api->started_us / 1e6);
	(void)rc; /* a truncated scrape is still valid text up to where it stops */
}

/*
 * GET /segments: "source" (the file or Redis key it came from), "address"
 * (the Redis node in use, else null), "refreshed_at" (the last successful
 * read of the source, else null), then the artifact.
 */
static int answer_segments(const struct vo_api *api, const struct vo_table *t, struct vo_buf *out)
{
	struct vo_str doc = vo_table_segments_json(t); /* "{...}", never empty */
	struct vo_source_status st;
	char when[40];
	int rc = vo_buf_addstr(out, "{\"source\":");

	source_status(api, &st);
	if (!rc)
		rc = vo_json_escape(out, vo_str_cstr(api->source ? api->source : ""));
	if (!rc)
		rc = vo_buf_addstr(out, ",\"address\":");
	if (!rc)
		rc = st.address[0] ? vo_json_escape(out, vo_str_cstr(st.address))
				   : vo_buf_addstr(out, "null");
	if (!rc)
		rc = vo_buf_addstr(out, ",\"refreshed_at\":");
	if (!rc && st.refreshed_at_us) {
		rfc3339(st.refreshed_at_us, when, sizeof(when));
		rc = vo_buf_addf(out, "\"%s\"", when);
	} else if (!rc) {
		rc = vo_buf_addstr(out, "null");
	}
	if (!rc)
		rc = vo_buf_addch(out, ',');
	if (!rc)
		rc = vo_buf_add(out, doc.ptr + 1, doc.len - 1);
	return rc;
}

/* GET /ready with --max-stale: 503 "stale" when the source was not read for too long. */
static int answer_ready(const struct vo_api *api, const struct vo_table *t, int64_t now_us,
			struct vo_buf *out)
{
	struct vo_source_status st;
	int64_t age;
	char msg[160];

	source_status(api, &st);
	age = stale_for(api, &st, now_us);
	if (!age)
		return vo_buf_addf(out, "{\"status\":\"ready\",\"version\":\"%s\"}",
				   vo_table_version(t))
			       ? -1
			       : 200;
	snprintf(msg, sizeof(msg),
		 "serving %s, but the source was last read %lld s ago (--max-stale %u)",
		 vo_table_version(t), (long long)age, api->cfg.max_stale_s);
	return vo_api_error(out, "stale", msg, NULL) ? -1 : 503;
}

/*
 * GET /docs: the page with the OpenAPI document put in place of its marker
 * (inside a <script type="application/json">; the document holds no "</",
 * which test_router checks, so it cannot end the element).
 */
static int answer_docs(struct vo_buf *out)
{
	const char *mark = strstr(vo_docs_html, VO_DOCS_MARKER);
	int rc;

	if (!mark)
		return vo_buf_addstr(out, vo_docs_html);
	rc = vo_buf_add(out, vo_docs_html, (size_t)(mark - vo_docs_html));
	if (!rc)
		rc = vo_buf_addstr(out, vo_openapi_json);
	if (!rc)
		rc = vo_buf_addstr(out, mark + strlen(VO_DOCS_MARKER));
	return rc;
}

void vo_api_handle(const struct vo_api *api, size_t slot, enum vo_route route,
		   const struct vo_http_request *req, struct vo_http_response *resp)
{
	const struct vo_table *t = vo_live_enter(api->live, slot);
	struct vo_voucher_ctx ctx;
	int status = 200;

	vo_jsonmem_reset(); /* the previous request's JSON trees are gone */
	vo_buf_reset(&resp->body);
	resp->content_type = json_type;
	resp->location = NULL;
	switch (route) {
	case VO_ROUTE_HEALTH:
		status = vo_buf_addstr(&resp->body, "{\"status\":\"ok\"}") ? -1 : 200;
		break;
	case VO_ROUTE_READY:
	case VO_ROUTE_SEGMENTS:
		if (!t) {
			status = 503;
			if (vo_api_error(&resp->body, "not_ready",
					 "no segments artifact is loaded yet", NULL))
				status = -1;
		} else if (route == VO_ROUTE_READY && api->cfg.max_stale_s) {
			status = answer_ready(api, t, req->now_us, &resp->body);
		} else if (route == VO_ROUTE_READY) {
			status = vo_buf_addf(&resp->body,
					     "{\"status\":\"ready\",\"version\":\"%s\"}",
					     vo_table_version(t))
					 ? -1
					 : 200;
		} else {
			status = answer_segments(api, t, &resp->body) ? -1 : 200;
		}
		break;
	case VO_ROUTE_METRICS:
		resp->content_type = metrics_type;
		answer_metrics(api, t, req->now_us, &resp->body);
		break;
	case VO_ROUTE_OPENAPI:
		status = vo_buf_addstr(&resp->body, vo_openapi_json) ? -1 : 200;
		break;
	case VO_ROUTE_DASHBOARD: /* rendered when the table was loaded */
		resp->content_type = html_type;
		if (t)
			status = vo_buf_addview(&resp->body, vo_table_dashboard_html(t)) ? -1 : 200;
		else
			status = vo_buf_addstr(&resp->body, vo_dashboard_not_ready_html) ? -1 : 503;
		break;
	case VO_ROUTE_DOCS:
		resp->content_type = html_type;
		status = answer_docs(&resp->body) ? -1 : 200;
		break;
	case VO_ROUTE_VOUCHER:
	case VO_ROUTE_VOUCHER_AMOUNT:
	case VO_ROUTE_VOUCHERS:
		if (req->body.len > vo_api_body_limit(api, route)) {
			vo_api_refuse(resp, route, 413, "payload_too_large",
				      "the body is larger than the limit");
			status = resp->status == 500 ? -1 : 413;
			break;
		}
		if (!t) {
			vo_api_refuse(resp, route, 503, "not_ready",
				      "no segments artifact is loaded yet");
			status = resp->status == 500 ? -1 : 503;
			break;
		}
		ctx.table = t;
		ctx.has_as_of = api->cfg.has_as_of;
		ctx.as_of_us = api->cfg.as_of_us;
		ctx.now_us = req->now_us;
		if (route == VO_ROUTE_VOUCHERS)
			status =
				vo_vouchers_answer(&ctx, req->body.ptr, req->body.len, &resp->body);
		else if (route == VO_ROUTE_VOUCHER_AMOUNT)
			status = vo_voucher_amount_answer(&ctx, req->body.ptr, req->body.len,
							  &resp->body);
		else
			status = vo_voucher_answer(&ctx, req->body.ptr, req->body.len, &resp->body);
		break;
	case VO_ROUTE_NONE:
	case VO_ROUTE_COUNT:
		status = 404;
		if (vo_api_error(&resp->body, "not_found", "no such path", NULL))
			status = -1;
		break;
	}
	vo_live_leave(api->live, slot);
	if (status < 0) {
		vo_log(VO_LOG_ERROR, "out of memory answering %.*s", (int)req->path.len,
		       req->path.ptr);
		vo_buf_release(&resp->body);
		vo_buf_init(&resp->body, VO_API_RESPONSE_MAX);
		resp->content_type = json_type;
		status = 500;
		if (vo_buf_addstr(&resp->body,
				  route == VO_ROUTE_VOUCHER_AMOUNT
					  ? "{\"detail\":\"out of memory\"}"
					  : "{\"error\":{\"code\":\"internal\",\"message\":"
					    "\"out of memory\"}}")) {
			/* Then the body stays empty. */
		}
	}
	resp->status = status;
}
