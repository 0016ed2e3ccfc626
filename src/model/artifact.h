/*
 * artifact.h - the segments artifact (SPEC section 4): model and writer.
 *
 * struct vo_artifact is the whole document in memory.  The pipeline fills
 * it, vo_artifact_seal() computes its version (the SHA-256 of the canonical
 * rendering: no built_at, no source paths, sources sorted by digest), and
 * vo_artifact_write() publishes it atomically.  vo_artifact_parse()
 * (artifact_read.c) reads one back, for the API's table.
 */
#ifndef VO_MODEL_ARTIFACT_H
#define VO_MODEL_ARTIFACT_H

#include "core/common.h"

#include "clean/clean.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/sha256.h"
#include "model/segdef.h"
#include "segment/segment.h"

#define VO_ARTIFACT_FORMAT "vouch-segments/1"
#define VO_CLEAN_META_FORMAT "vouch-clean/1"

struct vo_source {
	char *path;		    /* owned; as the user named it */
	uint64_t bytes;		    /* file size */
	char sha256[VO_SHA256_HEX]; /* hex digest of the file */
	uint64_t rows;		    /* rows read from it */
};

struct vo_artifact {
	char version[VO_SHA256_HEX]; /* set by vo_artifact_seal() */
	char built_at[32];	     /* "YYYY-MM-DDTHH:MM:SSZ" */
	struct vo_source *sources;   /* owned, nsources entries, in input order */
	size_t nsources;
	struct vo_quality quality;  /* rows read, kept, dropped by reason */
	uint64_t *outside;	    /* owned; per segment of config, summed over countries */
	struct vo_segconfig config; /* owned; the segment definitions used */
	struct vo_country_table *countries; /* owned; in countries_selected order */
	size_t ncountries;
};

/*
 * Renders the document into out: pretty-printed with every field, or, when
 * canonical is true, compact without built_at and source paths and with
 * sources sorted by digest (the text the version hashes).
 */
int vo_artifact_render(const struct vo_artifact *a, bool canonical, struct vo_buf *out);

/*
 * Renders the metadata `vouch clean` writes beside its CSV (OUT.meta.json):
 * format VO_CLEAN_META_FORMAT, sources (with paths), countries_selected and
 * quality without outside_buckets, which is what `vouch segment` needs to
 * reproduce this artifact from the cleaned rows.
 */
int vo_artifact_render_clean_meta(const struct vo_artifact *a, struct vo_buf *out);

/* Computes a->version from the canonical rendering and sets built_at to now. */
int vo_artifact_seal(struct vo_artifact *a);

/* Writes the full rendering to path atomically (see core/fileio.h). */
int vo_artifact_write(const struct vo_artifact *a, const char *path, struct vo_error *err);

/*
 * Parses an artifact of len bytes (as vo_artifact_write() writes it; need not
 * be NUL-terminated) into *out, which the caller releases with
 * vo_artifact_release() on success; on failure *out is left empty.  Strict:
 * format VO_ARTIFACT_FORMAT, every key present with its type and no other,
 * segment definitions valid (names, no overlap), every bucket of every
 * segment under every country, counts consistent (a cell's rows are the sum
 * of its counts, its voucher_amount their most used amount, smallest on a
 * tie; countries' rows sum to rows_kept; rows_read = rows_kept + dropped),
 * and "version" equal to the SHA-256 of the canonical rendering of what was
 * parsed.  Whole numbers must be at most 2^53 (JSON numbers are read as
 * doubles).  origin names the document in messages, which also give the key
 * path ("ORIGIN: countries.Peru.rows: expected a whole number >= 0").
 * VO_EFORMAT, VO_ELIMIT (larger than VO_ARTIFACT_MAX) or VO_ENOMEM.
 */
int vo_artifact_parse(const char *text, size_t len, const char *origin, struct vo_artifact *out,
		      struct vo_error *err);

/* Frees everything the artifact owns and zeroes it. */
void vo_artifact_release(struct vo_artifact *a);

#endif
