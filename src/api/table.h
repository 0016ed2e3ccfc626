/*
 * table.h - the segments table the API serves: one loaded artifact, immutable.
 *
 * vo_table_load() reads and validates an artifact (SPEC section 4) and builds
 * the lookup structure: countries by trimmed, case-folded name, segments by
 * name, each bucket's voucher, each country's fallback.  Validation is
 * strict, because a broken artifact must be refused while the old table keeps
 * serving: the format, every required key and type, the segment definitions,
 * every bucket under every country, and the version, which must equal the
 * SHA-256 of the canonical content re-rendered from what was parsed.
 *
 * A table is never modified after it is built, so any number of threads may
 * read it at once.  The server swaps whole tables (see api/live.h).
 */
#ifndef VO_API_TABLE_H
#define VO_API_TABLE_H

#include "core/common.h"

#include "core/err.h"
#include "core/str.h"
#include "model/segdef.h"

struct vo_table;
struct vo_artifact;

/* One answer of the table: the voucher for a value of a segment's field. */
struct vo_match {
	const char *country; /* the artifact's spelling of the country */
	const char *bucket;  /* the bucket's name */
	int64_t voucher;     /* the bucket's most used voucher, or the fallback */
	bool fallback;	     /* the bucket is empty and voucher is the fallback */
};

enum vo_lookup {
	VO_LOOKUP_OK,	      /* *m is set */
	VO_LOOKUP_NO_BUCKET,  /* the value is in no bucket of the segment */
	VO_LOOKUP_NO_VOUCHER, /* bucket empty and the country has no kept rows */
};

/*
 * Parses and validates an artifact of len bytes; origin names it in error
 * messages (a path or "redis://..."). VO_EFORMAT with a message naming the
 * key that is wrong, or VO_ENOMEM.
 */
int vo_table_parse(const char *text, size_t len, const char *origin, struct vo_table **out,
		   struct vo_error *err);

/* Reads the file at path and parses it. VO_EIO, VO_EFORMAT or VO_ENOMEM. */
int vo_table_load(const char *path, struct vo_table **out, struct vo_error *err);

/* Frees the table; NULL is a no-op. */
void vo_table_destroy(struct vo_table *t);

/* The artifact's version (64 hex digits) and built_at (as written). */
const char *vo_table_version(const struct vo_table *t);
const char *vo_table_built_at(const struct vo_table *t);

/* built_at in microseconds since the epoch (UTC). */
int64_t vo_table_built_at_us(const struct vo_table *t);

/*
 * The body of GET /segments, rendered once at load: version, built_at,
 * sources, countries_selected, quality, segments and countries of the
 * artifact, compact JSON.  It is the whole artifact, nothing left out
 * (format and source paths included), re-rendered from what was parsed and
 * stripped of the pretty-printing white space, so it has the same keys in
 * the same order as the file.  Not NUL-terminated in the view's length, but
 * a NUL follows it.
 */
struct vo_str vo_table_segments_json(const struct vo_table *t);

/*
 * The body of GET /: the dashboard page (report/dashboard.h), rendered once
 * at load.  A NUL follows it.
 */
struct vo_str vo_table_dashboard_html(const struct vo_table *t);

/* The segment named name, or NULL. */
const struct vo_segdef *vo_table_segment(const struct vo_table *t, struct vo_str name);

/* The country's index, matching name trimmed and case-insensitively, or -1. */
ptrdiff_t vo_table_country(const struct vo_table *t, struct vo_str name);

/*
 * Finds the bucket of seg holding value for country ci.  seg must come from
 * vo_table_segment() of the same table and ci from vo_table_country().
 * Allocates nothing.  VO_LOOKUP_OK fills *m; VO_LOOKUP_NO_VOUCHER fills
 * m->country and m->bucket only; VO_LOOKUP_NO_BUCKET leaves *m alone.
 */
enum vo_lookup vo_table_lookup(const struct vo_table *t, size_t ci, const struct vo_segdef *seg,
			       int64_t value, struct vo_match *m);

/* The number of countries (indexes 0..n-1 for vo_table_country()). */
size_t vo_table_ncountries(const struct vo_table *t);

/* The parsed artifact behind the table (read-only, lives as long as t). */
const struct vo_artifact *vo_table_artifact(const struct vo_table *t);

#endif
