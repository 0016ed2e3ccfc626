/*
 * clean_meta.h - the clean metadata: what `vouch clean` writes beside its
 * CSV (OUT.csv.meta.json) and `vouch segment` reads back.  The format's one
 * home, writer and reader.
 *
 *   {"format": "vouch-clean/1",
 *    "sources": [{"path": "...", "bytes": 1, "sha256": "...", "rows": 1}],
 *    "countries_selected": ["Peru"],
 *    "quality": {"rows_read": 1, "rows_kept": 1, "missing_total_orders": 0,
 *                "dropped": {"other_country": 0, ...}}}
 *
 * It holds what the cleaned rows no longer tell: the original inputs, the
 * selection and the quality figures of cleaning (without outside_buckets,
 * which depend on the segments), so that `vouch segment` on the cleaned CSV
 * gives the artifact `vouch process` gives on the inputs.  Its members are
 * the artifact's, written and read by the same code (model/artifact_int.h),
 * and it is read as strictly: every key present with its type and no other,
 * whole numbers only, the quality figures consistent.
 */
#ifndef VO_MODEL_CLEAN_META_H
#define VO_MODEL_CLEAN_META_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "model/artifact.h"

#define VO_CLEAN_META_FORMAT "vouch-clean/1"

struct vo_clean_meta {
	struct vo_source *sources; /* owned, nsources entries */
	size_t nsources;
	char **countries; /* owned, ncountries entries: countries_selected */
	size_t ncountries;
	struct vo_quality quality;
	size_t nfiles; /* metadata files summed into this one (vo_clean_meta_load_inputs()) */
};

/* Renders the metadata of artifact a (sources, countries_selected, quality) into out. */
int vo_clean_meta_render(const struct vo_artifact *a, struct vo_buf *out);

/* The metadata path of a cleaned CSV: "CSV.meta.json", allocated (vo_free); NULL: no memory. */
char *vo_clean_meta_path(const char *csv);

/* Writes the metadata of a to path atomically (core/fileio.h). */
int vo_clean_meta_write(const struct vo_artifact *a, const char *path, struct vo_error *err);

/*
 * Parses a metadata document of len bytes into *out (cleared first; the
 * caller releases it, also on failure).  origin names it in messages, which
 * give the key path ("clean.csv.meta.json: quality.rows_read: expected a
 * whole number >= 0"); another format is "ORIGIN: not a vouch clean metadata
 * file".  VO_EFORMAT, VO_ELIMIT (larger than VO_ARTIFACT_MAX), VO_ENOMEM.
 */
int vo_clean_meta_parse(const char *text, size_t len, const char *origin, struct vo_clean_meta *out,
			struct vo_error *err);

/*
 * The metadata of the cleaned CSVs csvs[0..n), summed into *out (cleared
 * first; the caller releases it): sources concatenated in input order,
 * quality added up, countries_selected that of the first, which every other
 * must equal.  Either every CSV has its CSV.meta.json or none has (then
 * out->nfiles is 0 and VO_OK is returned); a mix, or files without any
 * country selected, are VO_EFORMAT.  Errors of reading and parsing name the
 * file.
 */
int vo_clean_meta_load_inputs(const char *const *csvs, size_t n, struct vo_clean_meta *out,
			      struct vo_error *err);

/*
 * Turns a, the artifact segmented from the cleaned CSVs, into the artifact
 * of the original inputs: checks that every cleaned row was read and kept
 * and that there are as many as m says were kept ("was the CSV edited?"),
 * then gives a m's quality and sources (moved out of m) and seals it again
 * (a new version).  VO_EFORMAT, VO_ENOMEM.
 */
int vo_clean_meta_apply(struct vo_clean_meta *m, struct vo_artifact *a, struct vo_error *err);

/* Frees what m owns and zeroes it. */
void vo_clean_meta_release(struct vo_clean_meta *m);

#endif
