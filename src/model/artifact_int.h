/*
 * artifact_int.h - the parts of the artifact's format that its writer and
 * reader share with the clean metadata (clean_meta.c), private to model/.
 *
 * The clean metadata repeats three members of the artifact: "sources",
 * "countries_selected" and the counts of "quality", and a partial result
 * (partial.c) carries the "segments" object.  They are written and read by
 * these functions only, so the formats cannot drift apart.
 */
#ifndef VO_MODEL_ARTIFACT_INT_H
#define VO_MODEL_ARTIFACT_INT_H

#include "core/common.h"

#include "core/json.h"
#include "core/json_read.h"
#include "model/artifact.h"

/* Writes a's sources as a JSON array; canonical drops the paths and sorts by digest. */
int vo__render_sources(struct vo_json *j, const struct vo_artifact *a, bool canonical);

/* Writes the names of a's countries as a JSON array. */
void vo__render_selected(struct vo_json *j, const struct vo_artifact *a);

/* Writes the segment definitions as the artifact's "segments" object (also in partials). */
void vo__render_segments(struct vo_json *j, const struct vo_segconfig *cfg);

/* Writes a's quality; outside_buckets (per segment) only when with_outside. */
void vo__render_quality(struct vo_json *j, const struct vo_artifact *a, bool with_outside);

/*
 * Reads a "sources" array (at most VO_INPUT_FILES_MAX objects with exactly
 * path, bytes, sha256 and rows) into *out (allocated) and *n (the entries
 * filled, also on failure: the caller frees them).
 */
int vo__read_sources(struct vo_jread *r, const cJSON *arr, struct vo_source **out, size_t *n);

/* Reads rows_read, rows_kept, missing_total_orders and dropped of a quality object q. */
int vo__read_quality(struct vo_jread *r, const cJSON *q, struct vo_quality *out);

/* Checks that rows_kept and dropped sum to rows_read and missing_total_orders <= rows_kept. */
int vo__check_quality(struct vo_jread *r, const struct vo_quality *q);

/*
 * Checks a "countries_selected" array: at most VO_COUNTRIES_MAX non-empty
 * strings, no two equal once trimmed and case-folded.  Sets *n.
 */
int vo__read_selected(struct vo_jread *r, const cJSON *arr, size_t *n);

#endif
