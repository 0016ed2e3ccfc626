/*
 * metrics.c - per-worker counters, summed into Prometheus text.
 */
#include "core/common.h"

#include "api/metrics.h"
#include "core/alloc.h"
#include "http/http.h"

static const int statuses[VO_METRIC_STATUSES] = { 200, 307, 400, 404, 405, 408, 413, 414, 415,
						  417, 422, 429, 431, 500, 501, 503, 505 };
static const int64_t bounds_us[VO_METRIC_BUCKETS] = { 25,   50,	  100,	 250,	500,	1000,
						      2500, 5000, 10000, 25000, 100000, 1000000 };
static const char *const route_labels[VO_ROUTE_COUNT] = {
	[VO_ROUTE_VOUCHER] = "/voucher",   [VO_ROUTE_VOUCHER_AMOUNT] = "/voucher_amount",
	[VO_ROUTE_VOUCHERS] = "/vouchers", [VO_ROUTE_HEALTH] = "/health",
	[VO_ROUTE_READY] = "/ready",	   [VO_ROUTE_SEGMENTS] = "/segments",
	[VO_ROUTE_METRICS] = "/metrics",   [VO_ROUTE_OPENAPI] = "/openapi.json",
	[VO_ROUTE_DASHBOARD] = "/",	   [VO_ROUTE_DOCS] = "/docs",
	[VO_ROUTE_NONE] = "other",
};

int vo_metrics_set_init(struct vo_metrics_set *s, size_t n)
{
	s->n = n;
	s->workers = vo_aligned_calloc(64, n ? n : 1, sizeof(*s->workers));
	s->http = NULL;
	return s->workers ? VO_OK : VO_ENOMEM;
}

void vo_metrics_set_release(struct vo_metrics_set *s)
{
	vo_free(s->workers);
	s->workers = NULL;
	s->n = 0;
}

const char *vo_metrics_route_label(enum vo_route r)
{
	return route_labels[r < VO_ROUTE_COUNT ? r : VO_ROUTE_NONE];
}

static inline void bump(_Atomic uint64_t *c, uint64_t by)
{
	/* One writer per counter: no read-modify-write instruction needed. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + by,
			      memory_order_relaxed);
}

void vo_metrics_count(struct vo_metrics *m, enum vo_route route, int status, int64_t micros)
{
	size_t si = VO_METRIC_STATUSES, bi = VO_METRIC_BUCKETS;

	if (!m || route >= VO_ROUTE_COUNT)
		return;
	for (size_t i = 0; i < VO_METRIC_STATUSES; i++) {
		if (statuses[i] == status) {
			si = i;
			break;
		}
	}
	for (size_t i = 0; i < VO_METRIC_BUCKETS; i++) {
		if (micros <= bounds_us[i]) {
			bi = i;
			break;
		}
	}
	bump(&m->requests[route][si], 1);
	bump(&m->latency[route][bi], 1);
	bump(&m->latency_sum_us[route], micros > 0 ? (uint64_t)micros : 0);
}

static uint64_t sum(const struct vo_metrics_set *s, size_t off)
{
	uint64_t total = 0;

	for (size_t w = 0; w < s->n; w++) {
		const _Atomic uint64_t *c =
			(const _Atomic uint64_t *)((const char *)&s->workers[w] + off);
		total += atomic_load_explicit(c, memory_order_relaxed);
	}
	return total;
}

#define OFFSET_OF(field) offsetof(struct vo_metrics, field)

/* The HTTP engine's connection counters (http/http.h). */
static int render_http(const struct vo_http_server *http, struct vo_buf *out)
{
	struct vo_http_counters c;
	int rc = 0;

	vo_http_server_counters(http, &c);
	rc |= vo_buf_addf(
		out,
		"# HELP vouch_http_connections_open Connections open (within the limits).\n"
		"# TYPE vouch_http_connections_open gauge\n"
		"vouch_http_connections_open %" PRIu64 "\n"
		"# HELP vouch_http_connections_max The connection limit in force.\n"
		"# TYPE vouch_http_connections_max gauge\n"
		"vouch_http_connections_max %u\n"
		"# HELP vouch_http_connections_accepted_total Connections accepted.\n"
		"# TYPE vouch_http_connections_accepted_total counter\n"
		"vouch_http_connections_accepted_total %" PRIu64 "\n"
		"# HELP vouch_http_connections_refused_total Connections or requests "
		"refused by a limit, by reason.\n"
		"# TYPE vouch_http_connections_refused_total counter\n",
		c.open, vo_http_server_max_connections(http), c.accepted);
	for (int r = 0; r < VO_HTTP_REFUSED_COUNT; r++)
		rc |= vo_buf_addf(
			out, "vouch_http_connections_refused_total{reason=\"%s\"} %" PRIu64 "\n",
			vo_http_refused_name((enum vo_http_refused)r), c.refused[r]);
	rc |= vo_buf_addf(out,
			  "# HELP vouch_http_connections_evicted_total Idle or slow connections "
			  "closed at the connection limit to make room.\n"
			  "# TYPE vouch_http_connections_evicted_total counter\n"
			  "vouch_http_connections_evicted_total %" PRIu64 "\n"
			  "# HELP vouch_http_deadline_closes_total Connections closed by a "
			  "deadline, by kind.\n"
			  "# TYPE vouch_http_deadline_closes_total counter\n",
			  c.evicted);
	for (int d = 0; d < VO_HTTP_DEADLINE_COUNT; d++)
		rc |= vo_buf_addf(out,
				  "vouch_http_deadline_closes_total{kind=\"%s\"} %" PRIu64 "\n",
				  vo_http_deadline_name((enum vo_http_deadline)d), c.deadline[d]);
	rc |= vo_buf_addf(out,
			  "# HELP vouch_http_body_memory_bytes Request body bytes buffered now.\n"
			  "# TYPE vouch_http_body_memory_bytes gauge\n"
			  "vouch_http_body_memory_bytes %" PRIu64 "\n",
			  c.body_memory);
	return rc;
}

int vo_metrics_render(const struct vo_metrics_set *s, struct vo_buf *out)
{
	int rc = 0;

	rc |= vo_buf_addstr(out, "# HELP vouch_http_requests_total HTTP requests answered, by "
				 "route and status.\n"
				 "# TYPE vouch_http_requests_total counter\n");
	for (size_t r = 0; r < VO_ROUTE_COUNT; r++) {
		for (size_t i = 0; i <= VO_METRIC_STATUSES; i++) {
			uint64_t n = sum(s, OFFSET_OF(requests[r][i]));
			if (!n)
				continue;
			if (i < VO_METRIC_STATUSES)
				rc |= vo_buf_addf(
					out,
					"vouch_http_requests_total{route=\"%s\",status=\"%d\"} "
					"%" PRIu64 "\n",
					route_labels[r], statuses[i], n);
			else
				rc |= vo_buf_addf(
					out,
					"vouch_http_requests_total{route=\"%s\",status=\"other\"} "
					"%" PRIu64 "\n",
					route_labels[r], n);
		}
	}
	rc |= vo_buf_addstr(out, "# HELP vouch_http_request_duration_seconds Time from the "
				 "request's arrival to its answer, by route.\n"
				 "# TYPE vouch_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r < VO_ROUTE_COUNT; r++) {
		uint64_t cum = 0;
		for (size_t b = 0; b <= VO_METRIC_BUCKETS; b++) {
			cum += sum(s, OFFSET_OF(latency[r][b]));
			if (b < VO_METRIC_BUCKETS)
				rc |= vo_buf_addf(
					out,
					"vouch_http_request_duration_seconds_bucket{route=\"%s\","
					"le=\"%g\"} %" PRIu64 "\n",
					route_labels[r], (double)bounds_us[b] / 1e6, cum);
			else
				rc |= vo_buf_addf(
					out,
					"vouch_http_request_duration_seconds_bucket{route=\"%s\","
					"le=\"+Inf\"} %" PRIu64 "\n",
					route_labels[r], cum);
		}
		rc |= vo_buf_addf(
			out,
			"vouch_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n"
			"vouch_http_request_duration_seconds_count{route=\"%s\"} %" PRIu64 "\n",
			route_labels[r], (double)sum(s, OFFSET_OF(latency_sum_us[r])) / 1e6,
			route_labels[r], cum);
	}
	if (s->http)
		rc |= render_http(s->http, out);
	return rc ? VO_ENOMEM : VO_OK;
}
