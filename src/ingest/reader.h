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
#include "core/sha256.h"
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
 *
 * The file is opened once: its first bytes, read to judge the format, are
 * handed to the CSV reader, so a stream (a pipe, a FIFO, /dev/stdin,
 * `<(...)`) loses nothing.  A stream holding CSV or CSV.gz is read as it
 * comes and digested on the way (vo_reader_digest()); one holding Parquet
 * is refused at once (VO_EUNSUPPORTED: Parquet is read by seeking).
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

/*
 * Bytes of the file consumed so far (CSV: read from the file, compressed ones
 * for .csv.gz), or 0 when the reader counts rows instead (Parquet).
 */
uint64_t vo_reader_bytes_read(const struct vo_reader *r);

/* Parts that readers of the same file can share out (Parquet row groups; 1 for CSV). */
size_t vo_reader_parts(const struct vo_reader *r);

/*
 * Makes r read only parts [first, end) (for a shard's share of a file; see
 * vo_parquet_reader_limit()).  Call before the first vo_reader_next(), and
 * with vo_reader_share() the shared counter starts at first.  A CSV file is
 * one part: only [0, 1).  VO_EINVAL for a range outside the file.
 */
int vo_reader_limit(struct vo_reader *r, size_t first, size_t end);

/* True when the file is not a regular file (see vo_reader_open()): it is read once. */
bool vo_reader_is_stream(const struct vo_reader *r);

/*
 * A stream's SHA-256 (hex) and size, taken as it was read: call after the
 * last batch.  VO_EINVAL for a regular file (hash it by path instead).
 */
int vo_reader_digest(struct vo_reader *r, char hex[VO_SHA256_HEX], uint64_t *bytes,
		     struct vo_error *err);

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
 * Expands inputs (files or folders) into *paths: a file as it is named; a
 * folder, recursively (Hive/Spark partition folders such as
 * country=Peru/part-00000.csv), its regular files whose names end in
 * .parquet, .parq, .parquet.gzip, .pq, .csv or .csv.gz, in byte order of
 * their paths (what `find DIR -type f | LC_ALL=C sort` prints); inputs in
 * argument order.  Skipped, as Hadoop and Spark skip them: names starting
 * with '.' (hidden files, Hadoop's .NAME.crc checksums), names starting with
 * '_' that hold no '=' (_SUCCESS, _committed_*, _started_*, _temporary/,
 * _metadata), *.crc, and *.json (the artifact, a segments config, vouch
 * clean's *.csv.meta.json: vouch reads no JSON data).  Any other file in
 * a folder (README.txt, a Hive file without a suffix, a FIFO) is an error
 * (VO_EFORMAT) naming it: nothing is skipped silently.  A missing path, a
 * folder without data files, folders nested more than VO_INPUT_DEPTH_MAX
 * deep or a symbolic link loop are errors naming them.  The caller frees
 * the list with vo_inputs_free().
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
