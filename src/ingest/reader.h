/*
 * reader.h - one interface over every input format.
 *
 * A struct vo_reader reads one file (Parquet or CSV, chosen by the file's
 * first bytes, not its name) and delivers its rows as struct vo_batch.
 * vo_inputs_expand() turns the user's -i arguments (files or folders) into
 * the sorted list of files that form one dataset.
 */
#ifndef VO_INGEST_READER_H
#define VO_INGEST_READER_H

#include "core/common.h"

#include <stdatomic.h>

#include "core/err.h"
#include "ingest/batch.h"

enum vo_format {
	VO_FORMAT_CSV,
	VO_FORMAT_PARQUET,
};

struct vo_reader;

/*
 * Opens path and reads its schema or header.  Fails (VO_ENOTFOUND, VO_EIO,
 * VO_EFORMAT, VO_EUNSUPPORTED, VO_ENOMEM) with a message naming the file, for
 * example when a required column is missing.  On success *out is owned by
 * the caller, who calls vo_reader_destroy().
 */
int vo_reader_open(struct vo_reader **out, const char *path, struct vo_error *err);

/*
 * Fills batch with the next rows.  At the end of the file it returns VO_OK
 * with batch->nrows == 0.  The batch's memory belongs to the reader and is
 * valid until the next call.  Errors name the file and, where known, row and
 * column.
 */
int vo_reader_next(struct vo_reader *r, struct vo_batch *batch, struct vo_error *err);

enum vo_format vo_reader_format(const struct vo_reader *r);

/* Rows the file declares (Parquet's footer), or 0 when unknown (CSV). */
uint64_t vo_reader_rows_hint(const struct vo_reader *r);

/* Parts that readers of the same file can share out (Parquet row groups; 1 for CSV). */
size_t vo_reader_parts(const struct vo_reader *r);

/*
 * Makes r read only the parts it claims from the shared counter *next (see
 * vo_parquet_reader_share()).  False, and no change, for a format that
 * cannot be split (CSV).
 */
bool vo_reader_share(struct vo_reader *r, atomic_size_t *next);

/* NULL is a no-op. */
void vo_reader_destroy(struct vo_reader *r);

/* The format of the file at path, judged from its first bytes. */
int vo_detect_format(const char *path, enum vo_format *fmt, struct vo_error *err);

/*
 * Expands inputs (files or folders; a folder contributes its regular files
 * whose names end in .parquet, .parq, .parquet.gzip, .pq, .csv or .csv.gz,
 * not recursing, skipping hidden files) into *paths, sorted by name within each
 * folder, in argument order otherwise.  A missing path, or a folder without
 * data files, is an error naming it.  The caller frees the list with
 * vo_inputs_free().
 */
int vo_inputs_expand(const char *const *inputs, size_t ninputs, char ***paths, size_t *npaths,
		     struct vo_error *err);

void vo_inputs_free(char **paths, size_t npaths);

/*
 * Whether a folder's listing reads a file of this name (the last component
 * of a path) as data: the rule of vo_inputs_expand(), for the pipeline's
 * check that an output is not written where a run would read it.
 */
bool vo_is_data_file_name(const char *name);

#endif
