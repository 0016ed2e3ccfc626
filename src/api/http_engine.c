/*
 * http_engine.c - the HTTP engine of api/engine.h over src/http/: the
 * router's requests and answers in the engine's callbacks.
 *
 * Each worker has its own response buffer (kept between requests, so a
 * request in the steady state allocates nothing) and its own JSON arena.
 * Every answer, the engine's own refusals included, is counted in the
 * worker's metrics and logged; the engine's connection counters are added
 * to /metrics through the metrics set.
 */
#include "core/common.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/engine.h"
#include "core/alloc.h"
#include "core/jsonmem.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/http.h"

/* The per-thread arena for cJSON (core/jsonmem.h): a /voucher body's tree fits many times. */
#define JSON_ARENA_BYTES (256u << 10)
/* A response buffer that grew past this (a batch) is given back after the answer. */
#define RESP_KEEP (4u << 20)

struct slot {
	struct vo_http_response resp; /* the answer being given */
	char headers[320];	      /* its "Allow: ...\r\n" and "Location: ...\r\n" lines */
} __attribute__((aligned(64)));

struct vo_engine {
	const struct vo_api *api;     /* not owned */
	struct vo_metrics_set *stats; /* not owned */
	struct vo_http_server *http;
	struct slot *slots; /* one per worker */
	size_t nslots;
};

/* The request as the router sees it. */
static struct vo_http_request request_of(const struct vo_http_exchange *x)
{
	struct vo_http_request req;

	memset(&req, 0, sizeof(req));
	req.method = x->method;
	/* A path that does not decode names no route (404). */
	req.path = x->path_ok ? x->path : VO_STR_LIT("");
	req.content_type = x->content_type;
	req.body = x->body;
	req.now_us = x->now_us;
	return req;
}

/* Hands slot's response to the engine, counts and logs it. */
static void answer(struct vo_engine *e, struct vo_http_exchange *x, enum vo_route route)
{
	struct slot *s = &e->slots[x->worker];
	const struct vo_http_response *resp = &s->resp;
	int64_t micros = vo_mono_us() - x->start_us;

	x->answer.status = resp->status;
	x->answer.content_type = resp->content_type;
	x->answer.body = vo_buf_view(&resp->body);
	x->answer.headers = NULL;
	if (resp->allow || resp->location) {
		/* Both are static route names and methods, far below the buffer's size. */
		snprintf(s->headers, sizeof(s->headers), "%s%s%s%s%s%s",
			 resp->allow ? "Allow: " : "", resp->allow ? resp->allow : "",
			 resp->allow ? "\r\n" : "", resp->location ? "Location: " : "",
			 resp->location ? resp->location : "", resp->location ? "\r\n" : "");
		x->answer.headers = s->headers;
	}
	if (e->stats)
		vo_metrics_count(&e->stats->workers[x->worker], route, resp->status, micros);
	if (vo_log_enabled(VO_LOG_INFO)) {
		struct vo_str p = x->path_ok && x->path.len ? x->path : x->target;

		vo_log(VO_LOG_INFO, "access method=%.*s path=%.*s status=%d us=%" PRId64,
		       (int)VO_MIN(x->method.len, 32), x->method.ptr ? x->method.ptr : "",
		       (int)VO_MIN(p.len, 256), p.ptr ? p.ptr : "", resp->status, micros);
	}
}

static void on_head(void *ctx, struct vo_http_exchange *x)
{
	struct vo_engine *e = ctx;
	struct slot *s = &e->slots[x->worker];
	struct vo_http_request req = request_of(x);
	enum vo_route route = VO_ROUTE_NONE;

	s->resp.status = 0;
	s->resp.allow = NULL;
	s->resp.location = NULL;
	vo_buf_reset(&s->resp.body);
	if (!vo_api_precheck(e->api, &req, x->content_length, &route, &s->resp)) {
		answer(e, x, route);
		return;
	}
	x->user = (uintptr_t)route;
	x->body_limit = vo_api_body_limit(e->api, route);
}

static void on_request(void *ctx, struct vo_http_exchange *x)
{
	struct vo_engine *e = ctx;
	struct slot *s = &e->slots[x->worker];
	struct vo_http_request req = request_of(x);
	enum vo_route route = (enum vo_route)x->user;

	if (s->resp.body.cap > RESP_KEEP)
		vo_buf_release(&s->resp.body);
	s->resp.status = 0;
	s->resp.allow = NULL;
	s->resp.location = NULL;
	vo_api_handle(e->api, x->worker, route, &req, &s->resp);
	answer(e, x, route);
}

static void on_refuse(void *ctx, struct vo_http_exchange *x, const char *code, const char *message)
{
	struct vo_engine *e = ctx;
	struct slot *s = &e->slots[x->worker];
	enum vo_route route = x->path_ok ? vo_route_find(x->path) : VO_ROUTE_NONE;

	s->resp.allow = NULL;
	s->resp.location = NULL;
	vo_api_refuse(&s->resp, route, x->answer.status, code, message);
	answer(e, x, route);
}

static int on_thread_init(void *ctx, size_t worker)
{
	(void)ctx;
	if (vo_jsonmem_thread_init(JSON_ARENA_BYTES))
		vo_log(VO_LOG_WARN, "worker %zu: no memory for a JSON arena; using malloc", worker);
	return VO_OK;
}

static void on_thread_exit(void *ctx, size_t worker)
{
	(void)ctx;
	(void)worker;
	vo_jsonmem_thread_release();
}

/* The test hook VOUCH_TEST_ADDR_KEY: 32 hex digits keying the per-address table. */
static bool test_addr_key(uint8_t *key)
{
	const char *hex = getenv("VOUCH_TEST_ADDR_KEY");

	if (!hex || strlen(hex) != (size_t)2 * VO_HTTP_ADDR_KEY_LEN)
		return false;
	for (size_t i = 0; i < VO_HTTP_ADDR_KEY_LEN; i++) {
		unsigned v = 0;

		for (int k = 0; k < 2; k++) {
			int c = vo_to_lower((unsigned char)hex[2 * i + (size_t)k]);

			if (c >= '0' && c <= '9')
				v = v * 16 + (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v = v * 16 + (unsigned)(c - 'a' + 10);
			else
				return false;
		}
		key[i] = (uint8_t)v;
	}
	vo_log(VO_LOG_WARN, "VOUCH_TEST_ADDR_KEY is set: the per-address table's key is not "
			    "secret (for tests only)");
	return true;
}

int vo_engine_start(const struct vo_engine_config *cfg, const struct vo_api *api,
		    struct vo_metrics_set *stats, struct vo_engine **out, unsigned *port,
		    struct vo_error *err)
{
	struct vo_http_handler h = {
		.thread_init = on_thread_init,
		.thread_exit = on_thread_exit,
		.head = on_head,
		.request = on_request,
		.refuse = on_refuse,
	};
	struct vo_http_config hc;
	uint8_t key[VO_HTTP_ADDR_KEY_LEN];
	struct vo_engine *e;
	int *fds = NULL;
	int rc;

	*out = NULL;
	e = vo_calloc(1, sizeof(*e));
	if (!e) {
		for (size_t i = 0; i < cfg->nlisten; i++)
			close(cfg->listen_fds[i]);
		return vo_error_set(err, VO_ENOMEM, "out of memory");
	}
	e->api = api;
	e->stats = stats;
	e->nslots = cfg->nworkers ? cfg->nworkers : 1;
	e->slots = vo_aligned_calloc(64, e->nslots, sizeof(*e->slots));
	fds = vo_calloc(e->nslots, sizeof(*fds));
	if (!e->slots || !fds) {
		for (size_t i = 0; i < cfg->nlisten; i++)
			close(cfg->listen_fds[i]);
		rc = vo_error_set(err, VO_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < e->nslots; i++)
		vo_http_response_init(&e->slots[i].resp);
	memset(&hc, 0, sizeof(hc));
	if (cfg->nlisten) {
		/* Handed in: the sockets are shared with whoever handed them. */
		hc.listen_fds = cfg->listen_fds;
		hc.nlisten = cfg->nlisten;
		hc.shared_listeners = true;
		*port = vo_http_socket_port(cfg->listen_fds[0]);
	} else {
		rc = vo_http_listen(cfg->host, cfg->port, e->nslots, fds, port, err);
		if (rc)
			goto fail;
		hc.listen_fds = fds;
		hc.nlisten = e->nslots;
	}
	hc.threads = (unsigned)e->nslots;
	hc.max_header = cfg->max_header;
	hc.idle_ms = cfg->timeout_s * 1000;
	hc.header_ms = cfg->header_timeout_s * 1000;
	hc.body_ms = cfg->body_timeout_s * 1000;
	hc.write_ms = cfg->write_timeout_s * 1000;
	hc.max_connections = cfg->max_connections;
	hc.max_per_ip = cfg->max_per_ip;
	hc.max_body_memory = cfg->max_body_memory;
	hc.addr_key = test_addr_key(key) ? key : NULL;
	h.ctx = e;
	rc = vo_http_server_create(&hc, &h, &e->http, err);
	if (rc)
		goto fail;
	if (vo_http_server_max_connections(e->http) < cfg->max_connections)
		vo_log(VO_LOG_WARN, "connection limit lowered from %u to %u to fit RLIMIT_NOFILE",
		       cfg->max_connections, vo_http_server_max_connections(e->http));
	if (stats)
		stats->http = e->http;
	rc = vo_http_server_start(e->http, err);
	if (rc)
		goto fail;
	vo_free(fds);
	*out = e;
	return VO_OK;
fail:
	if (stats)
		stats->http = NULL;
	vo_free(fds);
	vo_engine_stop(e, 0);
	return rc;
}

size_t vo_engine_listeners(const struct vo_engine *e, const int **fds)
{
	return vo_http_server_listeners(e->http, fds);
}

void vo_engine_share(struct vo_engine *e)
{
	vo_http_server_share_listeners(e->http);
}

void vo_engine_stop(struct vo_engine *e, int64_t drain_us)
{
	if (!e)
		return;
	if (e->http) {
		vo_http_server_stop(e->http, (unsigned)(drain_us / 1000));
		if (e->stats)
			e->stats->http = NULL;
		vo_http_server_destroy(e->http);
	}
	if (e->slots)
		for (size_t i = 0; i < e->nslots; i++)
			vo_http_response_release(&e->slots[i].resp);
	vo_free(e->slots);
	vo_free(e);
}
