/*
 * artifact.h - the segments artifact (SPEC section 4) as data: the model
 * that both halves of vouch stand on.
 *
 * struct vo_artifact is the whole document in memory, with the types it is
 * made of: the sources, the quality figures (rows read, kept, and dropped by
 * enum vo_outcome), the segment definitions (model/segdef.h), and per
 * country its table of cells.  The pipeline's stages fill it (clean/,
 * segment/, pipeline/); the server (api/) and the dashboard (report/) read
 * it and include nothing of the stages.
 *
 * vo_artifact_seal() computes its version (the SHA-256 of the canonical
 * rendering: no built_at, no source paths, sources sorted by digest), and
 * vo_artifact_write() publishes it atomically (artifact_write.c);
 * vo_artifact_parse() (artifact_read.c) reads one back.
 */
#ifndef VO_MODEL_ARTIFACT_H
#define VO_MODEL_ARTIFACT_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/sha256.h"
#include "model/segdef.h"

#define VO_ARTIFACT_FORMAT "vouch-segments/1"

/* What becomes of an input row, in SPEC order; VO_OUT_KEPT last. */
enum vo_outcome {
	VO_OUT_OTHER_COUNTRY,
	VO_OUT_INVALID_TIMESTAMP,
	VO_OUT_INVALID_TOTAL_ORDERS,
	VO_OUT_MISSING_VOUCHER_AMOUNT,
	VO_OUT_INVALID_VOUCHER_AMOUNT,
	VO_OUT_FIRST_AFTER_LAST,
	VO_OUT_ORDER_BEFORE_LAST,
	VO_OUT_KEPT,
	VO_OUT_COUNT
};

/* The outcome's name as the artifact spells it ("other_country", ..., "kept"). */
const char *vo_outcome_name(enum vo_outcome o);

/* The artifact's "quality" (without outside_buckets, which is per segment). */
struct vo_quality {
	uint64_t rows_read;
	uint64_t rows_kept;
	uint64_t missing_total_orders;
	uint64_t dropped[VO_OUT_KEPT]; /* by enum vo_outcome */
};

struct vo_source {
	char *path;		    /* owned; as the user named it */
	uint64_t bytes;		    /* file size */
	char sha256[VO_SHA256_HEX]; /* hex digest of the file */
	uint64_t rows;		    /* rows read from it */
};

/* Rows with one voucher amount. */
struct vo_vcount {
	int64_t amount;
	uint64_t rows;
};

/* One bucket of one country (or the country as a whole, for the fallback). */
struct vo_cell {
	uint64_t rows;		  /* rows in the bucket */
	bool has_voucher;	  /* false for an empty bucket */
	int64_t voucher;	  /* the most used amount, when has_voucher */
	uint64_t voucher_rows;	  /* rows with that amount */
	struct vo_vcount *counts; /* owned, ncounts entries sorted by amount */
	size_t ncounts;
};

/* One country's part of the artifact. */
struct vo_country_table {
	char *name;		 /* owned; the artifact name */
	uint64_t rows;		 /* kept rows */
	struct vo_cell fallback; /* over all kept rows */
	struct vo_cell *cells;	 /* owned; config ncells entries, segment s bucket b at
				    segs[s].cell_base + b */
	uint64_t *outside;	 /* owned, config nsegs entries: kept rows with the segment's
				    field in no bucket; set by the segmenter, NULL when read
				    from a file (which holds only the sum over countries) */
};

/* Frees what t owns (its cells, ncells of them) and zeroes it. */
void vo_country_table_release(struct vo_country_table *t, size_t ncells);

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

/* Computes a->version from the canonical rendering and sets built_at to now. */
int vo_artifact_seal(struct vo_artifact *a);

/*
 * Checks that every name of a (countries, segments, buckets) is a valid
 * artifact name (model/name.h), so that what is written can be read back
 * with the same, distinct keys: VO_EINVAL naming the first that is not.
 */
int vo_artifact_check_names(const struct vo_artifact *a, struct vo_error *err);

/*
 * Writes the full rendering to path atomically (see core/fileio.h), after
 * vo_artifact_check_names(): an artifact the reader would refuse is never
 * written.  A rendering past VO_ARTIFACT_MAX is VO_ELIMIT, naming the limit.
 */
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

/* Reads the file at path (at most VO_ARTIFACT_MAX bytes) and parses it; path is the origin. */
int vo_artifact_load(const char *path, struct vo_artifact *out, struct vo_error *err);

/* Frees everything the artifact owns and zeroes it (artifact.c). */
void vo_artifact_release(struct vo_artifact *a);

#endif
