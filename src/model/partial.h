/*
 * partial.h - a partial result (format "vouch-partial/1"): what one shard of
 * a job saw, in a form that sums.  The format's one home, writer and reader;
 * docs/PARTIAL.md is its specification.
 *
 * `vouch process --partial` writes one instead of the artifact; `vouch
 * merge` sums any number of them and finishes the artifact exactly as
 * `vouch process` would over the same inputs.  A part holds everything the
 * artifact needs and nothing that cannot be summed:
 *
 *   - the job: the country selection and the segment definitions (and their
 *     fingerprint), and which shard of how many made it;
 *   - the dataset: every input file of the job (path, size, work units), the
 *     same list in every part of one job;
 *   - what this part read: per file its units, its rows, and, for the shard
 *     that holds the file's first unit, the whole file's SHA-256;
 *   - the quality counters;
 *   - per country (by its trimmed, case-folded key): the rows of each
 *     spelling (selection "all", where the most frequent one names the
 *     country), the voucher counts over all kept rows, per segment and
 *     bucket the voucher counts, and per segment the rows outside every
 *     bucket.
 *
 * It is binary, not JSON, because it must carry country spellings byte for
 * byte (they come from the data and may hold invalid UTF-8 or NUL bytes,
 * which JSON text cannot carry exactly) and exact 64-bit counts, and because
 * truncation and damage must be caught for sure: a part ends with the
 * SHA-256 of everything before it.  Integers are LEB128 varints, strings a
 * length and their bytes; `vouch inspect PART` shows one as text.
 */
#ifndef VO_MODEL_PARTIAL_H
#define VO_MODEL_PARTIAL_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/sha256.h"
#include "model/artifact.h"
#include "model/segdef.h"

#define VO_PARTIAL_FORMAT "vouch-partial/1"

/* Its first bytes: the format's name and a newline. */
#define VO_PARTIAL_MAGIC VO_PARTIAL_FORMAT "\n"

/* What kind of file a unit belongs to (names units in messages). */
enum vo_partial_kind {
	VO_PARTIAL_CSV = 0,	/* one unit: the file */
	VO_PARTIAL_PARQUET = 1, /* one unit per row group (one for a file without any) */
};

/* One input file of the job, as every shard lists it. */
struct vo_partial_file {
	char *path;		   /* owned; as the user named it, or as the folder walk found it */
	uint64_t bytes;		   /* its size when listed */
	uint64_t units;		   /* its work units, at least 1 */
	enum vo_partial_kind kind; /* CSV or Parquet */
};

/* What this part read of one file. */
struct vo_partial_source {
	size_t file;		    /* index into files */
	uint64_t first;		    /* its units [first, first + count) */
	uint64_t count;		    /* at least 1 */
	uint64_t rows;		    /* rows read from them */
	bool hashed;		    /* the part holds unit 0 and hashed the whole file */
	char sha256[VO_SHA256_HEX]; /* when hashed: hex digest of the whole file */
	uint64_t bytes;		    /* when hashed: bytes hashed (the size listed) */
};

/* Rows read with one spelling of a country (selection "all"). */
struct vo_partial_spelling {
	char *text; /* owned; len bytes, any bytes, NUL-terminated for convenience */
	size_t len;
	uint64_t rows;
};

/* Voucher counts of one column: entries sorted by amount, each with rows >= 1. */
struct vo_partial_counts {
	struct vo_vcount *v; /* owned */
	size_t n;
};

struct vo_partial_country {
	char *key; /* owned; trimmed and case-folded, key_len bytes (NUL-terminated too) */
	size_t key_len;
	struct vo_partial_spelling *spellings; /* owned; "all" only */
	size_t nspellings;
	struct vo_partial_counts *slots; /* owned; 1 + config ncells: slot 0 all kept rows,
					    slot 1 + i cell i (segment s bucket b at
					    segs[s].cell_base + b) */
	uint64_t *outside;		 /* owned; per segment: kept rows in no bucket */
};

struct vo_partial {
	uint64_t shard;		    /* this part's shard, 0-based */
	uint64_t nshards;	    /* of how many */
	char **countries;	    /* owned; the selection as the job got it ("all", or names) */
	size_t ncountries;	    /* at least 1 */
	struct vo_segconfig config; /* owned */
	char fingerprint[VO_SHA256_HEX]; /* of selection and config; set by render and parse */
	struct vo_partial_file *files;	 /* owned; the job's files, in work-unit order */
	size_t nfiles;
	struct vo_partial_source *sources; /* owned; by increasing file index */
	size_t nsources;
	struct vo_quality quality;
	struct vo_partial_country *cty; /* owned */
	size_t ncty;
};

/* True when the selection is "all" (trimmed, any case), as the cleaner reads it. */
bool vo_partial_selects_all(const struct vo_partial *p);

/*
 * The fingerprint of a selection and segment definitions into hex: the
 * SHA-256 of their encoding in a part.  Two parts merge only when it is
 * equal.  VO_ENOMEM.
 */
int vo_partial_fingerprint(char *const *countries, size_t ncountries,
			   const struct vo_segconfig *cfg, char hex[VO_SHA256_HEX]);

/*
 * Encodes p into out (appended), trailer included, and sets p->fingerprint.
 * VO_ENOMEM, or VO_ELIMIT past out's cap.
 */
int vo_partial_render(struct vo_partial *p, struct vo_buf *out);

/*
 * Decodes a part of len bytes into *out (cleared first; the caller releases
 * it, also after a failure).  origin names the part in messages.  Every
 * failure is VO_EFORMAT (VO_ENOMEM aside), with a message that says what:
 * "ORIGIN: not a vouch partial result", "ORIGIN: format vouch-partial/2,
 * but this vouch reads vouch-partial/1", "ORIGIN: truncated: N of M bytes",
 * "ORIGIN: damaged: its SHA-256 does not match its content", or for a part
 * whose digest is right but whose content is not consistent (hand-made, or
 * a bug) "ORIGIN: at byte N: WHAT".  Checked: counts within core/limits.h
 * (nothing is allocated from a count larger than the bytes left), units
 * inside their file, one entry per file read, only the holder of a file's
 * unit 0 with its digest, quality figures that add up (rows read =
 * kept + dropped = the sources' rows; kept = the countries' rows), amounts
 * in increasing order, a segment's buckets and outside rows within the
 * country's rows, keys unique.
 */
int vo_partial_parse(const void *data, size_t len, const char *origin, struct vo_partial *out,
		     struct vo_error *err);

/* Reads the file at path (at most VO_PARTIAL_MAX bytes) and parses it; path is the origin. */
int vo_partial_load(const char *path, struct vo_partial *out, struct vo_error *err);

/*
 * Appends a human-readable description of p to out (`vouch inspect PART`):
 * the job, the files and units read, quality and per country the counts.
 * Bytes of names are escaped.
 */
int vo_partial_describe(const struct vo_partial *p, struct vo_buf *out);

/* Frees everything p owns and zeroes it.  A zeroed p is fine. */
void vo_partial_release(struct vo_partial *p);

#endif
