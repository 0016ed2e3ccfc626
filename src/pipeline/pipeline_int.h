/*
 * pipeline_int.h - what pipeline.c, shard.c and merge.c share, private to
 * pipeline/.
 *
 * A job's work units (docs/PARTIAL.md): the files in input order, each
 * Parquet row group one unit (a file without row groups one empty unit),
 * each CSV or CSV.gz file one unit.  With N shards, shard I takes the units
 * [floor(I * U / N), floor((I + 1) * U / N)) of the U in the job, and the
 * shard that holds a file's unit 0 hashes the whole file.
 */
#ifndef VO_PIPELINE_PIPELINE_INT_H
#define VO_PIPELINE_PIPELINE_INT_H

#include "core/common.h"

#include "clean/clean.h"
#include "core/err.h"
#include "ingest/reader.h"
#include "model/artifact.h"
#include "model/partial.h"
#include "segment/segment.h"

/* Parts [first, end) of one file: Parquet row groups, or [0, 1) for CSV. */
struct vo__part_range {
	size_t first;
	size_t end;
};

/* One file of the job, as listed before anything is read. */
struct vo__plan_file {
	uint64_t bytes;	       /* its size (fstat) */
	uint64_t units;	       /* work units: max(parts, 1) */
	size_t parts;	       /* Parquet row groups, 1 for CSV */
	enum vo_format format; /* from its first bytes */
	uint64_t first;	       /* the job-wide index of its unit 0 */
};

struct vo__plan {
	struct vo__plan_file *files; /* owned; one per path */
	size_t nfiles;
	uint64_t units;	  /* in the job */
	uint64_t shard;	  /* this run's shard */
	uint64_t nshards; /* of how many */
	uint64_t lo;	  /* this shard's units: [lo, hi), job-wide */
	uint64_t hi;
};

/* The first job-wide unit of shard i of n, of a job of u units (i == n: u). */
uint64_t vo__shard_first(uint64_t u, uint64_t i, uint64_t n);

/*
 * Lists the job's files (paths[0..n)) for shard `shard` of nshards into
 * *plan (the caller releases it): each must be a regular file (every shard
 * must read the same bytes; a pipe cannot be shared), its format is told
 * from its first bytes and a Parquet file's footer is read for its row
 * groups (validated as for reading; errors name the file).  VO_EIO,
 * VO_EFORMAT, VO_EUNSUPPORTED, VO_ENOMEM.
 */
int vo__plan_make(char *const *paths, size_t n, uint64_t shard, uint64_t nshards,
		  struct vo__plan *plan, struct vo_error *err);

/*
 * This shard's units of file i, in the file's numbering: [*first, *first +
 * *count), *count 0 when it has none; *parts the parts they cover.
 */
void vo__plan_share(const struct vo__plan *plan, size_t i, uint64_t *first, uint64_t *count,
		    struct vo__part_range *parts);

void vo__plan_release(struct vo__plan *plan);

/* What a run read of each file (pipeline.c), for the artifact's or a part's sources. */
struct vo__read {
	bool read;	      /* some of its units were read */
	bool hashed;	      /* src.sha256 and src.bytes hold its digest */
	uint64_t first;	      /* the units read (plan numbering) */
	uint64_t count;	      /* 0 when not planned: all */
	struct vo_source src; /* rows; bytes and sha256 when hashed; path not set */
};

/*
 * Builds the artifact's countries from cleaner and seg, in selection order
 * (or by name for "all").  VO_ENOMEM.
 */
int vo__pipeline_tables(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
			struct vo_artifact *a);

/*
 * The end of every run that makes an artifact (process and merge): the
 * quality figures from cleaner, the tables, the version.  out's config,
 * sources and outside are the caller's.  Errors name what failed.
 */
int vo__pipeline_finish(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
			struct vo_artifact *out, struct vo_error *err);

/*
 * Fills part (whose config the caller has set, and which the segmenter
 * counted for) from a finished run over paths: the selection, the files of
 * plan, what reads says was read, the quality and per country its counts.
 * VO_ENOMEM.
 */
int vo__partial_export(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
		       const char *const *countries, size_t ncountries, char *const *paths,
		       const struct vo__plan *plan, const struct vo__read *reads,
		       struct vo_partial *part, struct vo_error *err);

#endif
