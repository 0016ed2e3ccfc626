/*
 * router.h - the API's routes and their answers, independent of any HTTP
 * engine.
 *
 * The HTTP engine (api/engine.h: src/http/ behind api/http_engine.c)
 * turns a connection's request into struct vo_http_request and sends back
 * struct vo_http_response; `vouch lookup` builds a request by hand.  Everything SPEC section 5 says
 * about statuses and bodies is decided here or in api/voucher.c, so another
 * HTTP engine would only need a new adapter.
 *
 * A request is answered in two steps, because some answers must not wait for
 * the body: vo_api_precheck() sees the method, path and headers (404, 405,
 * 415, and 413 from a declared Content-Length), vo_api_handle() the whole
 * request.
 */
#ifndef VO_API_ROUTER_H
#define VO_API_ROUTER_H

#include "core/common.h"

#include "api/live.h"
#include "core/buf.h"
#include "core/str.h"

/* The routes; VO_ROUTE_NONE is every other path. */
enum vo_route {
	VO_ROUTE_VOUCHER,
	VO_ROUTE_VOUCHER_AMOUNT,
	VO_ROUTE_VOUCHERS,
	VO_ROUTE_HEALTH,
	VO_ROUTE_READY,
	VO_ROUTE_SEGMENTS,
	VO_ROUTE_METRICS,
	VO_ROUTE_OPENAPI,
	VO_ROUTE_DASHBOARD, /* GET /: the HTML page of report/dashboard.h */
	VO_ROUTE_DOCS,	    /* GET /docs: the API's page, made from the OpenAPI document */
	VO_ROUTE_NONE,	    /* unknown path */
	VO_ROUTE_COUNT
};

struct vo_metrics_set;	/* api/metrics.h */
struct vo_table_source; /* api/source.h */

/* Server settings that change answers (the rest are api/server.h's). */
struct vo_api_config {
	bool has_as_of;	       /* --as-of was given */
	int64_t as_of_us;      /* its value */
	size_t max_body;       /* POST /voucher body limit (413 above) */
	size_t max_batch_body; /* POST /vouchers body limit */
	unsigned max_stale_s;  /* --max-stale: /ready is 503 when a Redis source was not read
				  for longer; 0: off */
};

/* What the routes share: settings, the served table, metrics. */
struct vo_api {
	struct vo_api_config cfg;
	struct vo_live *live;	      /* not owned */
	struct vo_metrics_set *stats; /* not owned; NULL for no metrics */
	int64_t started_us;	      /* process start, for /metrics */
	const char *source;	      /* where the artifact comes from, for /segments */
	struct vo_table_source *src;  /* not owned; its status for /segments, /metrics,
					       /ready; NULL: none (vouch lookup) */
};

struct vo_http_request {
	struct vo_str method;	    /* "POST" */
	struct vo_str path;	    /* "/voucher", without the query */
	struct vo_str content_type; /* ptr NULL when the header is absent */
	struct vo_str body;
	int64_t now_us; /* arrival time (CLOCK_REALTIME) */
};

struct vo_http_response {
	int status;
	const char *content_type; /* static; NULL: no Content-Type header (no body) */
	const char *allow;	  /* static; the Allow header of a 405, else NULL */
	const char *location;	  /* static; the Location header of a 307, else NULL */
	struct vo_buf body;
};

/* The route of path, or VO_ROUTE_NONE. */
enum vo_route vo_route_find(struct vo_str path);

/* The route's path ("/voucher") and the methods it allows ("POST"). */
const char *vo_route_path(enum vo_route r);
const char *vo_route_methods(enum vo_route r);

/* The body limit of a route's requests. */
size_t vo_api_body_limit(const struct vo_api *api, enum vo_route r);

/* Prepares resp (status 0, empty body with the right cap). */
void vo_http_response_init(struct vo_http_response *resp);
void vo_http_response_release(struct vo_http_response *resp);

/*
 * Judges a request from its head.  content_length is the declared length, or
 * -1 when none was given (chunked or no body).  Returns true and sets *route
 * when the request may go on to vo_api_handle(); false with resp filled in
 * when it is already answered.  A known path with one trailing slash
 * ("/voucher/") is answered 307 with Location set to the path without it
 * and no body, as FastAPI does (a client that follows it keeps its method
 * and body).  On /voucher_amount the refusals have FastAPI's body
 * {"detail": "..."}.
 */
bool vo_api_precheck(const struct vo_api *api, const struct vo_http_request *req,
		     int64_t content_length, enum vo_route *route, struct vo_http_response *resp);

/*
 * Answers a request that passed vo_api_precheck().  slot is the caller's
 * reader slot of api->live.  Resets the calling thread's JSON arena first
 * (core/jsonmem.h), so no JSON tree may outlive a request.  resp->status is
 * always set (500 when memory ran out).
 */
void vo_api_handle(const struct vo_api *api, size_t slot, enum vo_route route,
		   const struct vo_http_request *req, struct vo_http_response *resp);

/*
 * Fills resp with an error body for the HTTP adapter's own refusals (400,
 * 408, 413, 414, 431, 501, 503 before a request reaches a route): vouch's
 * {"error": {"code", "message"}} on every path.  The codes the OpenAPI
 * document lists for them: bad_request, request_timeout, payload_too_large,
 * uri_too_long, headers_too_large, not_implemented, too_many_connections,
 * overloaded.
 */
void vo_api_fail(struct vo_http_response *resp, int status, const char *code, const char *message);

/*
 * The same for a refusal that knows its route r: FastAPI's {"detail":
 * message} on /voucher_amount (the proof of concept's contract), else as
 * vo_api_fail().  An HTTP engine should call this once it has found the
 * route (413 for a chunked body past the limit, 503 too_many_connections).
 */
void vo_api_refuse(struct vo_http_response *resp, enum vo_route r, int status, const char *code,
		   const char *message);

/* The OpenAPI 3.0 document of every route (src/api/openapi.json, compiled in). */
extern const char vo_openapi_json[];

/*
 * The page of GET /docs (src/api/docs.html, compiled in): it holds the
 * marker VO_DOCS_MARKER where the OpenAPI document is put when it is served.
 */
extern const char vo_docs_html[];
#define VO_DOCS_MARKER "/*OPENAPI*/"

#endif
