/*
 * dashboard.h - the segments artifact as one HTML page: GET / of `vouch
 * serve` and the file `vouch report` writes.
 *
 * The page is self-contained: inline CSS, bar charts drawn here as inline
 * SVG, and a small inline script (the artifact's age, and on the served page
 * a poll of GET /ready that reloads the page when another version is
 * loaded).  It loads nothing else, so it works offline and from file://.
 *
 * It shows the artifact's version, build time, age and sources; the data
 * quality funnel (rows read, dropped by each reason, kept, with
 * missing_total_orders and outside_buckets); and per country each segment's
 * table (bucket, rows, most used voucher, the fallback marked for empty
 * buckets) and a bar chart of the voucher amounts' rows in each bucket.
 * Every string taken from the artifact is HTML-escaped.  Elements carry
 * data-* attributes with the raw numbers (data-country, data-segment,
 * data-bucket, data-rows, data-voucher, data-stage, data-amount) for tests
 * and scripts.
 */
#ifndef VO_REPORT_DASHBOARD_H
#define VO_REPORT_DASHBOARD_H

#include "core/common.h"

#include "core/buf.h"
#include "model/artifact.h"

/* A chart shows this many voucher amounts of a country; the rest are one "other" bar. */
#define VO_DASHBOARD_AMOUNTS 8

struct vo_dashboard_opts {
	int64_t now_us; /* render time, for the age shown before the script runs */
	bool live;	/* served: poll GET /ready and reload on a new version */
};

/*
 * Appends the page for artifact a to out.  Allocates only through out (and
 * temporary arrays freed before it returns).  VO_ENOMEM, or VO_ELIMIT when
 * out's cap is reached; out then holds a truncated page the caller discards.
 */
int vo_dashboard_render(const struct vo_artifact *a, const struct vo_dashboard_opts *opt,
			struct vo_buf *out);

/*
 * The page GET / answers (503) before an artifact is loaded: it says so and
 * polls GET /ready, reloading itself once the server is ready.
 */
extern const char vo_dashboard_not_ready_html[];

/* Appends s with &, <, >, " and ' replaced by character references. */
int vo_html_escape(struct vo_buf *out, const char *s);

#endif
