/*
 * inspect.h - `vouch inspect`: what a data file holds, and how fast its
 * pages can be read.
 */
#ifndef VO_INGEST_INSPECT_H
#define VO_INGEST_INSPECT_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"

/*
 * Appends to out the description of the data file at path: for Parquet
 * vo_parquet_inspect()'s (schema, row groups, column chunks and their
 * pages); for CSV (plain or gzip) the columns vouch reads and the row count,
 * which reads the whole file.  Errors name the file: those of opening and
 * reading it, VO_ELIMIT when out reaches its cap.
 */
int vo_inspect(const char *path, struct vo_buf *out, struct vo_error *err);

/*
 * `vouch inspect --scan`: reads and decompresses every page of the six
 * columns of the Parquet file at path, decoding nothing, with nthreads
 * readers (1 to VO_THREADS_MAX) sharing the row groups, and appends the
 * page count and the wall time to out: the floor under `vouch process`.
 * VO_EINVAL for a file that is not Parquet; the reader's errors.
 */
int vo_inspect_scan(const char *path, unsigned nthreads, struct vo_buf *out, struct vo_error *err);

#endif
