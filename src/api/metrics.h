/*
 * metrics.h - request counters and latency histograms, per worker thread.
 *
 * Each worker writes only its own struct vo_metrics (single writer: a
 * relaxed load and store, no locked instruction, no shared cache line), and
 * GET /metrics sums the workers' counters when it renders the Prometheus
 * text.  Counters are monotonic, so a sum read while workers write is a
 * valid, slightly stale, sample.
 */
#ifndef VO_API_METRICS_H
#define VO_API_METRICS_H

#include "core/common.h"

#include <stdatomic.h>

#include "api/router.h"
#include "core/buf.h"

/* The statuses counted one by one; any other counts as "other". */
#define VO_METRIC_STATUSES 17
/* Latency histogram bounds in microseconds (Prometheus "le"), then +Inf. */
#define VO_METRIC_BUCKETS 12

struct vo_metrics {
	_Atomic uint64_t requests[VO_ROUTE_COUNT][VO_METRIC_STATUSES + 1];
	_Atomic uint64_t latency[VO_ROUTE_COUNT][VO_METRIC_BUCKETS + 1];
	_Atomic uint64_t latency_sum_us[VO_ROUTE_COUNT];
} __attribute__((aligned(64)));

struct vo_http_server;

struct vo_metrics_set {
	struct vo_metrics *workers; /* owned, n entries */
	size_t n;
	const struct vo_http_server *http; /* its connection counters are rendered too; or NULL */
};

int vo_metrics_set_init(struct vo_metrics_set *s, size_t n);
void vo_metrics_set_release(struct vo_metrics_set *s);

/* Counts one answered request on worker w (its only writer). */
void vo_metrics_count(struct vo_metrics *m, enum vo_route route, int status, int64_t micros);

/* The route's label value: its path, or "other" for unknown paths. */
const char *vo_metrics_route_label(enum vo_route r);

/* Appends the request families in Prometheus text format, and the HTTP
 * engine's connection counters when s->http is set. */
int vo_metrics_render(const struct vo_metrics_set *s, struct vo_buf *out);

#endif
