/*
 * parquet.h - the Parquet reader.
 *
 * Reads the six logical columns of SPEC section 1 from a flat Parquet file
 * and hands them out as struct vo_batch, streaming: the footer is read once,
 * then each needed column chunk is read page by page with pread(), so memory
 * is bounded by the page size times the six columns, never by the file size.
 * Other columns are never read (projection).
 *
 * Supported: data pages v1 and v2 (index pages are skipped), dictionary
 * pages; values in PLAIN, PLAIN_DICTIONARY, RLE_DICTIONARY, RLE (booleans),
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and
 * BYTE_STREAM_SPLIT (FLOAT, DOUBLE, INT32, INT64); definition levels in RLE
 * or the old BIT_PACKED encoding; codecs UNCOMPRESSED, SNAPPY, GZIP, ZSTD,
 * LZ4_RAW, LZ4 (Hadoop-framed or raw) and BROTLI; physical types
 * BOOLEAN, INT32, INT64, INT96, FLOAT, DOUBLE, BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY.  Values arrive as:
 *
 *	BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY     VO_V_STR (views into the page or
 *	                                     dictionary; DELTA_BYTE_ARRAY values
 *	                                     are rebuilt in a reader buffer)
 *	INT64 TIMESTAMP(MILLIS|MICROS|NANOS) VO_V_TS in microseconds (millis * 1000,
 *	                                     nanos floor-divided by 1000)
 *	INT96 (legacy timestamps)            VO_V_TS in microseconds
 *	INT32 DATE                           VO_V_DATE
 *	INT32, INT64, BOOLEAN (0/1)          VO_V_I64 (UINT_8/16/32 zero-extended)
 *	DECIMAL on INT32, INT64, and on byte arrays of at most 8 bytes
 *	                                     VO_V_I64 with column.scale
 *	FLOAT, DOUBLE                        VO_V_F64
 *
 * Timestamps out of the int64 microsecond range saturate to INT64_MIN or
 * INT64_MAX; UINT_64 values above INT64_MAX wrap.  Not supported, each with
 * VO_EUNSUPPORTED and a message naming the file and column: nested or
 * repeated columns among the six (nested columns vouch does not read are
 * skipped like any other unread column), encrypted files, column data in
 * other files, FLOAT16 and INTERVAL, DECIMAL values outside the int64 range
 * (wider DECIMALs, such as DECIMAL(38, 2) in 16 bytes, are read while each
 * value fits), the LZO
 * codec.
 */
#ifndef VO_INGEST_PARQUET_PARQUET_H
#define VO_INGEST_PARQUET_PARQUET_H

#include "core/common.h"

#include <stdatomic.h>

#include "core/buf.h"
#include "core/err.h"
#include "ingest/batch.h"

struct vo_parquet_reader;

/*
 * Opens the Parquet file at path: checks the "PAR1" magic at both ends,
 * reads and decodes the footer (at most VO_PARQUET_FOOTER_MAX bytes, checked
 * against the file size first), maps the schema's columns to the six logical
 * columns by name (vo_col_from_name(); "order_ts" is an alias of "timestamp",
 * and a file with both is an error) and validates every row group's metadata
 * for those columns (offsets and sizes inside the file, types agreeing with
 * the schema, value counts equal to the row counts, codecs supported).
 *
 * On success *out is a reader owned by the caller, who frees it with
 * vo_parquet_reader_destroy(); it keeps the file open and holds the footer.
 * On failure *out is NULL and err names the file: VO_ENOTFOUND (no such
 * file), VO_EIO, VO_EFORMAT (not Parquet, a corrupt footer, or a missing
 * column: "PATH: missing column 'voucher_amount'"), VO_EUNSUPPORTED (see the
 * top of this file), VO_ELIMIT (footer, schema or row group count above
 * core/limits.h), VO_ENOMEM.
 */
int vo_parquet_reader_open(struct vo_parquet_reader **out, const char *path, struct vo_error *err);

/*
 * Fills batch with the next rows: up to VO_BATCH_ROWS, fewer at the end of a
 * page of any column (a batch never crosses a page boundary) or of a row
 * group.  Row groups are read in order.  batch->first_row is the 1-based row
 * number in the file of row 0.  Each column is either dictionary-coded (idx
 * holds one index per row, validated to be below nvalues, values is the whole
 * dictionary, dict_id a number no other dictionary of any reader in the
 * process has) or plain (idx NULL, dict_id 0, nvalues == nrows); valid is NULL when no
 * row of the column is null in this batch, else one byte per row, 1 when the
 * row is present.  A null row's idx is 0 and its plain value is zero or an
 * empty string: check valid first.
 *
 * Everything the batch points to belongs to the reader and stays valid until
 * the next call on it.  At the end of the file it returns VO_OK with
 * batch->nrows == 0.  Errors (VO_EFORMAT, VO_EUNSUPPORTED, VO_ELIMIT, VO_EIO,
 * VO_ENOMEM) name the file, the column, the row group and the page offset
 * where known, e.g. "data.parquet: column 'voucher_amount': row group 0: page
 * header at offset 123 runs past the end of the column chunk".  After an
 * error the reader is unusable: later calls fail with the same code.
 */
int vo_parquet_reader_next(struct vo_parquet_reader *r, struct vo_batch *batch,
			   struct vo_error *err);

/* The number of rows the footer declares (the sum of the row groups' rows). */
uint64_t vo_parquet_reader_num_rows(const struct vo_parquet_reader *r);

size_t vo_parquet_reader_num_row_groups(const struct vo_parquet_reader *r);

/*
 * Makes r read only the row groups it claims from *next, a counter shared by
 * several readers of the same file (one per thread), so that each row group
 * is read by exactly one of them.  Call before the first
 * vo_parquet_reader_next().  Batches keep their file-wide first_row.
 */
void vo_parquet_reader_share(struct vo_parquet_reader *r, atomic_size_t *next);

/*
 * Makes r read only row groups [first, end) (a shard's share of the file):
 * the footer entries before first are stepped over, so batches keep their
 * file-wide first_row, and none from end on is read.  With
 * vo_parquet_reader_share() the shared counter must start at first.  Call
 * before the first vo_parquet_reader_next(); bounds past the row groups are
 * clamped.
 */
void vo_parquet_reader_limit(struct vo_parquet_reader *r, size_t first, size_t end);

/*
 * Reads and decompresses every page of the six columns in the row groups
 * left (or claimed, when shared), decoding nothing: the floor of what a
 * reader costs, for `vouch inspect --scan` and the benchmarks.  Adds the
 * pages seen to *pages.
 */
int vo_parquet_reader_scan(struct vo_parquet_reader *r, uint64_t *pages, struct vo_error *err);

/* Closes the file and frees the reader; NULL is a no-op. */
void vo_parquet_reader_destroy(struct vo_parquet_reader *r);

/*
 * Appends to out a human-readable description of the Parquet file at path,
 * for `vouch inspect FILE`: file size, created_by, format version, row
 * count, the schema (per element: name, physical type, logical and converted
 * type, repetition, and which logical vouch column it maps to), and per row
 * group its rows and, per column chunk, codec, encodings, compressed and
 * uncompressed sizes, value count and whether it has a dictionary page,
 * then its pages counted by kind and value encoding ("pages: DICTIONARY_PAGE
 * PLAIN x1, DATA_PAGE_V2 RLE_DICTIONARY x3"), from the page headers alone (a
 * chunk whose headers cannot be read says "unreadable" and why, and the
 * description goes on).  No page body is read.  Bytes from the file (names, created_by) are
 * escaped so the text is printable.  A file that lacks vouch's columns can
 * still be described (the text says which are missing).  Errors are those of
 * vo_parquet_reader_open() for the footer, plus VO_ELIMIT when out reaches
 * its cap; out may then hold part of the text.
 */
int vo_parquet_inspect(const char *path, struct vo_buf *out, struct vo_error *err);

#endif
