/*
 * pipeline.h - the whole batch job: read every input, clean, segment, and
 * build the artifact (SPEC sections 1 to 4).
 *
 * The pipeline owns the order of work: inputs are expanded (folders become
 * their data files), each file is hashed and read batch by batch through the
 * cleaner into the segmenter, and at the end the per-country tables and the
 * quality figures become a sealed struct vo_artifact.  Writing the artifact
 * is the caller's job, so a failed run never touches the output.
 *
 * Threads: a Parquet file's row groups are shared out among `threads`
 * readers, each with its own cleaner and segmenter, merged at the end of the
 * file (counts are sums, country names are chosen from summed spelling
 * counts), so the artifact is the same for any thread count.  The file is
 * hashed by one more thread meanwhile.  A CSV file is read by one thread.
 */
#ifndef VO_PIPELINE_PIPELINE_H
#define VO_PIPELINE_PIPELINE_H

#include "core/common.h"

#include <stdatomic.h>

#include "clean/clean.h"
#include "core/err.h"
#include "ingest/batch.h"
#include "model/artifact.h"
#include "model/partial.h"
#include "model/segdef.h"

/*
 * Called for every cleaned batch (for `vouch clean`, which writes kept rows
 * out), with rows carrying the kept rows' timestamps (order_us and co.).  Returning non-zero stops
 * the run with that code; err is set by the callback.
 */
typedef int (*vo_pipeline_batch_fn)(void *ctx, const struct vo_batch *batch,
				    const struct vo_clean_rows *rows,
				    const struct vo_cleaner *cleaner, struct vo_error *err);

/*
 * How far a run is, for a progress display on another thread (all relaxed
 * atomics; the pipeline writes, the display reads).
 */
struct vo_progress {
	_Atomic uint64_t total_bytes; /* sizes of all input files, set after expansion */
	_Atomic uint64_t done_bytes;  /* sizes of the files finished */
	_Atomic uint64_t file_bytes;  /* size of the file being read */
	_Atomic uint64_t file_rows;   /* rows it declares, 0 when unknown (CSV) */
	_Atomic uint64_t file_done;   /* rows of it read so far */
	_Atomic uint64_t file_read;   /* bytes of it consumed so far, 0 when unknown (Parquet) */
	_Atomic uint64_t rows;	      /* rows read over all files */
};

struct vo_pipeline_options {
	const char *const *inputs; /* files or folders, as the user named them */
	size_t ninputs;
	const char *const *countries;	   /* selected names, or the single name "all" */
	size_t ncountries;		   /* 0 selects the default, Peru */
	const struct vo_segconfig *config; /* NULL: the default definitions */
	vo_pipeline_batch_fn on_batch;	   /* optional; forces one thread, rows in file order */
	void *ctx;			   /* passed to on_batch */
	unsigned threads;		   /* readers per Parquet file; 0: one per available core */
	struct vo_progress *progress;	   /* optional */
	uint64_t shard;			   /* with nshards: this run's shard, 0-based */
	uint64_t nshards;		   /* 0: the whole job; else read one shard's units */
	const char *const *outputs;	   /* files the caller will write: checked before reading */
	size_t noutputs;
	const char *const *also_read; /* other files the run reads (config, metadata) */
	size_t nalso_read;
};

/*
 * Runs the job and fills *out (which the caller releases with
 * vo_artifact_release(), also after a failure).  Errors name the file, and
 * where known the row and column.  Before any file is read, each of outputs
 * is checked with vo_output_check() (core/fileio.h) against the expanded
 * input files, also_read, and the folders the expansion listed: an output
 * that is an input, or that a later run over the same folders would read
 * as data, is refused with VO_EINVAL.
 *
 * With opt->nshards, only shard opt->shard's work units are read (see
 * vo_pipeline_run_partial()), and the artifact is that of those units: its
 * sources are the files it read, each hashed whole.  For tests and for
 * looking at one shard; a job's shards are summed with partial results.
 */
int vo_pipeline_run(const struct vo_pipeline_options *opt, struct vo_artifact *out,
		    struct vo_error *err);

/*
 * Runs the job, or one shard of it, into a partial result (model/partial.h)
 * instead of an artifact; *out is released by the caller, also after a
 * failure.  The job's work units, in a fixed order (docs/PARTIAL.md): the
 * files as vo_inputs_expand() lists them, each Parquet row group one unit
 * (a file without row groups one empty unit), each CSV or CSV.gz file one
 * unit.  Shard I of N takes units [floor(I * U / N), floor((I + 1) * U / N))
 * of the U in the job; it reads the footer of every Parquet file (to number
 * the units) and the pages of its own row groups only, and hashes the whole
 * of each file whose unit 0 it holds.  Without opt->nshards the run is shard
 * 0 of 1.  Every input must be a regular file (VO_EUNSUPPORTED otherwise).
 * Errors as vo_pipeline_run().
 */
int vo_pipeline_run_partial(const struct vo_pipeline_options *opt, struct vo_partial *out,
			    struct vo_error *err);

/* The default selection of SPEC section 2. */
#define VO_DEFAULT_COUNTRY "Peru"

#endif
