/*
 * parquet_fuzz.h - the narrow door the fuzz targets (fuzz/) have into the
 * Parquet reader's internals, so that they need not include parquet_int.h
 * (private to ingest/parquet/; STYLE rule 18: the library exposes its fuzz
 * entry points).  Each runs one decoder the reader runs, on untrusted bytes.
 */
#ifndef VO_INGEST_PARQUET_PARQUET_FUZZ_H
#define VO_INGEST_PARQUET_PARQUET_FUZZ_H

#include "core/common.h"

#include "ingest/parquet/thrift.h"

/*
 * Reads the footer of the open file fd (size bytes, named path in messages)
 * as vo_parquet_reader_open() does, then decodes the row groups it lists one
 * by one (at most 10000), as the reader does at open.  Returns the first
 * error, or VO_OK.
 */
int vo_parquet_fuzz_footer(int fd, uint64_t size, const char *path);

/* Decodes a PageHeader at t, as before every page. */
int vo_parquet_fuzz_page_header(struct vo_thrift *t);

/* Decodes a RowGroup at t with six schema columns, all kept. */
int vo_parquet_fuzz_row_group(struct vo_thrift *t);

#endif
