/*
 * clean_csv.h - the cleaned rows as CSV, the file `vouch clean` writes.
 *
 * One line per kept row, in input order, under the header
 *
 *   timestamp,country_code,last_order_ts,first_order_ts,total_orders,
 *   voucher_amount,days_since_last_order
 *
 * with timestamps normalized to UTC ("YYYY-MM-DD HH:MM:SS.ffffff"), the
 * country trimmed (and quoted when it needs it), total_orders empty when it
 * is missing, and whole numbers for the rest.  `vouch segment` reads such a
 * file like any CSV input, with the metadata of model/clean_meta.h beside it.
 *
 * The file is written atomically (core/fileio.h): it appears whole at
 * vo_clean_csv_commit() or not at all.
 */
#ifndef VO_CLEAN_CLEAN_CSV_H
#define VO_CLEAN_CLEAN_CSV_H

#include "core/common.h"

#include "clean/clean.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fileio.h"
#include "ingest/batch.h"

struct vo_clean_csv {
	struct vo_atomic_file file; /* the temporary file, until commit or abort */
	struct vo_buf buf;	    /* rows not written yet (flushed every MiB) */
	bool open;		    /* file is open */
};

/* Creates the temporary file for path and puts the header in.  VO_EIO, VO_ENOMEM. */
int vo_clean_csv_open(struct vo_clean_csv *w, const char *path, struct vo_error *err);

/*
 * Appends the kept rows of one cleaned batch: a vo_pipeline_batch_fn
 * (pipeline/pipeline.h) whose ctx is the struct vo_clean_csv.
 */
int vo_clean_csv_add(void *ctx, const struct vo_batch *batch, const struct vo_clean_rows *rows,
		     const struct vo_cleaner *cleaner, struct vo_error *err);

/*
 * Writes the rows buffered so far to the temporary file, so that a full disk
 * shows before anything else is written beside it.  VO_EIO.
 */
int vo_clean_csv_flush(struct vo_clean_csv *w, struct vo_error *err);

/* Writes what is left and publishes the file at its path.  Releases w, also on failure. */
int vo_clean_csv_commit(struct vo_clean_csv *w, struct vo_error *err);

/* Throws the temporary file away and releases w; after commit (or on a released w) a no-op. */
void vo_clean_csv_abort(struct vo_clean_csv *w);

#endif
