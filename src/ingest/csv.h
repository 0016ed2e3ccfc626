/*
 * csv.h - a streaming RFC 4180 CSV reader, and the field writer `vouch clean`
 * uses for its output.
 *
 * The reader turns a CSV file with a header record into struct vo_batch
 * (ingest/batch.h) of up to VO_BATCH_ROWS rows.  It streams the file through
 * one read buffer, so its memory does not grow with the file: the buffer
 * starts small, grows while a batch or a single record needs it, and stops at
 * VO_CSV_BUFFER_MAX.  Fields are not copied: each value is a view into that
 * buffer (a quoted field with doubled quotes is unescaped in place).
 *
 * A file that starts with the gzip magic bytes (1f 8b) is decompressed as it
 * is read, whatever its name: one gzip member or several concatenated ones.
 * Corrupt or truncated gzip data is VO_EFORMAT ("corrupt gzip data after N
 * decompressed bytes: ..."), and a gzip-compressed Parquet file is refused
 * with VO_EUNSUPPORTED.  Memory stays bounded the same way (plus a fixed
 * 64 KiB input buffer and zlib's 32 KiB window).
 *
 * The dialect, as a user sees it:
 *
 *   - The delimiter is ',' and the quote is '"'.  A field is quoted only
 *     when it starts with '"'; a quoted field may hold commas, CR, LF and
 *     doubled quotes ("" stands for one ").  A '"' anywhere else in an
 *     unquoted field, or anything but a delimiter or line end after the
 *     closing quote, is a format error naming the row and column.  A quoted
 *     field still open at the end of the file is a format error.
 *   - Records end with LF or CRLF.  A CR that is not followed by LF outside
 *     quotes is a format error (files with old Mac line ends are rejected
 *     rather than read as one huge record).  The last record may lack its
 *     line end.
 *   - A line with no bytes at all ("\n" or "\r\n") is skipped wherever it
 *     appears; it does not count as a row but does count as a line.  A line
 *     holding only spaces is a record, and so usually a ragged one.
 *   - The first record is the header.  A UTF-8 byte order mark before it is
 *     skipped.  Header names are unquoted, trimmed of ASCII white space and
 *     matched exactly with vo_col_from_name(), so "order_ts" is accepted for
 *     "timestamp".  Other columns are ignored.  Each of the six logical
 *     columns must appear exactly once.
 *   - Every data record must have as many fields as the header.
 *   - Every column is delivered as VO_V_STR with valid == NULL and idx NULL:
 *     an empty field is an empty string (the cleaning stage reads empty as
 *     missing).  Values are not trimmed.
 *
 * Row and line numbers in messages: "row N" is the 1-based data row (the
 * first record after the header is row 1, the same count as
 * batch->first_row; skipped empty lines are not rows), and "line N" is the
 * line of the file where the record starts, counted the way an editor counts
 * them (the header is normally line 1, and a quoted field with line breaks
 * moves the following records down).  Messages start with the file's path.
 */
#ifndef VO_INGEST_CSV_H
#define VO_INGEST_CSV_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/sha256.h"
#include "core/str.h"
#include "ingest/batch.h"

struct vo_csv_reader;

/*
 * Opens the CSV file at path and reads its header.  On success *out is a new
 * reader owned by the caller, who releases it with vo_csv_reader_destroy();
 * the reader keeps its own copy of path.  On failure *out is NULL, nothing is
 * left allocated, and err says why:
 *   VO_ENOTFOUND  the file does not exist;
 *   VO_EIO        it cannot be opened or read, or is a folder;
 *   VO_EFORMAT    "PATH: empty file" (0 bytes, or only a byte order mark),
 *                 no header record, a missing column ("PATH: missing column
 *                 'voucher_amount'"), a duplicate column (also "timestamp"
 *                 together with "order_ts"), or a malformed header record;
 *   VO_ELIMIT     the header is longer than VO_CSV_RECORD_MAX bytes or has
 *                 more than VO_CSV_COLUMNS_MAX fields;
 *   VO_ENOMEM     an allocation failed.
 */
int vo_csv_reader_open(struct vo_csv_reader **out, const char *path, struct vo_error *err);

enum vo_csv_open_flags {
	VO_CSV_HASH = 1 << 0, /* digest the raw bytes as they are read (vo_csv_reader_digest()) */
};

/*
 * vo_csv_reader_open() on a file already open: the reader takes fd (also on
 * failure, when it closes it) and reads it once from where it stands, so a
 * pipe, a FIFO or /dev/stdin works.  head holds the nhead (at most 4) bytes
 * the caller already read from fd to judge its format; they come first.
 * path names the file in messages.  With VO_CSV_HASH the reader digests
 * every raw byte (compressed ones for gzip), for a stream that cannot be
 * read a second time.
 */
int vo_csv_reader_open_fd(struct vo_csv_reader **out, const char *path, int fd, const void *head,
			  size_t nhead, enum vo_csv_open_flags flags, struct vo_error *err);

/*
 * For a reader opened with VO_CSV_HASH, after the last batch: reads what is
 * left of the file (bytes after the last record), then gives the SHA-256 of
 * all its raw bytes in hex and their count.  Once only.  VO_EINVAL (no
 * digest: not hashing, or the reader failed), VO_EIO, VO_ENOMEM.
 */
int vo_csv_reader_digest(struct vo_csv_reader *r, char hex[VO_SHA256_HEX], uint64_t *bytes,
			 struct vo_error *err);

/*
 * Fills batch with the next rows (at most VO_BATCH_ROWS; a batch can be cut
 * shorter when its records do not fit in VO_CSV_BUFFER_MAX bytes).  At the end
 * of the file it returns VO_OK with batch->nrows == 0, as often as it is
 * called.  batch->first_row is the 1-based data row number of the batch's
 * first row.  The batch's arrays and the bytes its views point to belong to
 * the reader and stay valid until the next call or vo_csv_reader_destroy().
 * Errors, which name the path, the row and, where one is to blame, the
 * column:
 *   VO_EFORMAT  a ragged row, a stray quote, text after a closing quote, an
 *               unterminated quoted field, a CR without LF;
 *   VO_ELIMIT   a record (with its line end) longer than VO_CSV_RECORD_MAX;
 *   VO_EIO      a read failed;
 *   VO_ENOMEM   the buffer could not grow.
 * After an error the reader is spent: later calls return VO_EINVAL, and the
 * caller should destroy it.
 */
int vo_csv_reader_next(struct vo_csv_reader *r, struct vo_batch *batch, struct vo_error *err);

/*
 * Bytes read from the file so far: for a gzip-compressed file the compressed
 * bytes consumed, so that it reaches the file's size at its end (progress).
 */
uint64_t vo_csv_reader_bytes_read(const struct vo_csv_reader *r);

/* Closes the file and frees the reader and its batch memory.  NULL is a no-op. */
void vo_csv_reader_destroy(struct vo_csv_reader *r);

/*
 * Appends field to out as one CSV field in the dialect above, without a
 * delimiter or line end (the caller writes ',' and '\n').  The field is
 * quoted when it contains a comma, quote, CR or LF, or begins or ends with
 * ASCII white space (so readers that trim keep it); quotes inside are
 * doubled.  An empty field is written as nothing.  Returns VO_OK, or
 * VO_ENOMEM or VO_ELIMIT (out's cap), in which case out is unchanged.
 */
int vo_csv_append_field(struct vo_buf *out, struct vo_str field);

#endif
