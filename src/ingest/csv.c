/*
 * csv.c - the streaming CSV reader and field writer, see csv.h.
 *
 * How it works.  The file is read with read() into one buffer.  A call to
 * vo_csv_reader_next() scans records from the buffer, one after another,
 * and writes each wanted field's view straight into the batch's arrays.
 * When the scanner runs out of bytes in the middle of a record, refill()
 * moves the batch's bytes to the front of the buffer (into a buffer twice
 * the size when they fill more than half of it), rebases the views of the
 * rows already in the batch, reads more, and the record is scanned again
 * from its start.  So a batch is only cut short by VO_CSV_BUFFER_MAX, and
 * the memory stays bounded whatever the file size.
 *
 * The scanner finds the next byte that matters to CSV (',', '"', CR, LF)
 * 32 bytes at a time with SSE2 compares where the target has them, and with
 * a byte loop otherwise; the bit mask of the current 32-byte block is kept
 * between calls, so a typical 80-byte record costs three or four block loads.
 * Quoted fields are scanned with memchr() for the closing quote.  A quoted
 * field with doubled quotes is unescaped in place once its record is
 * complete (unescaping only ever shrinks it), so no field is ever copied.
 *
 * Gzip.  A file starting with the gzip magic (1f 8b) is read through zlib's
 * inflate: read_some() fills the same buffer with decompressed bytes from a
 * fixed CSV_GZ_INPUT input buffer, so memory stays bounded as for a plain
 * file.  Concatenated gzip members (as `cat a.gz b.gz` or pigz make) are one
 * stream; anything after the last member that is not another member, and a
 * stream cut short, are format errors.  Rows and lines count the
 * decompressed text.
 */
#include "core/common.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

/* VO_CSV_SCALAR forces the portable scanner (to test it on x86). */
#if defined(__SSE2__) && !defined(VO_CSV_SCALAR)
#define CSV_SSE2 1
#include <emmintrin.h>
#else
#define CSV_SSE2 0
#endif

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "core/sha256.h"
#include "ingest/csv.h"

_Static_assert(VO_CSV_BUFFER_MAX >= 2 * (size_t)VO_CSV_RECORD_MAX,
	       "the CSV buffer must hold a whole record next to a partial batch");

#define CSV_BUF_INITIAL (64u << 10) /* first buffer; small files stay small */
#define CSV_PAD 32		    /* zeroed bytes after the data for block loads */
#define CSV_BLOCK 32		    /* bytes per scanner block (one bit each) */
#define CSV_NAME_SHOWN 64	    /* bytes of a header name quoted in messages */
#define CSV_GZ_INPUT (64u << 10)    /* compressed bytes read at once from a .csv.gz */

/* A field of the header record: absolute position in buf. */
struct field {
	size_t start; /* first byte of the value (after an opening quote) */
	size_t len;   /* bytes of the value, doubled quotes still doubled */
	bool escaped; /* quoted and holds "": needs unescaping */
};

enum scan_status {
	SCAN_RECORD, /* a record: its fields, r->nf, r->rec_nl, *next */
	SCAN_EMPTY,  /* an empty line; skip to *next */
	SCAN_END,    /* no more records */
	SCAN_MORE,   /* the record continues past the bytes read so far */
	SCAN_ERROR,  /* malformed: r->scan_err, r->err_field */
};

enum scan_error {
	SERR_QUOTE,	   /* '"' inside an unquoted field */
	SERR_AFTER_QUOTE,  /* something other than ',' or a line end after a closing quote */
	SERR_UNTERMINATED, /* end of file inside a quoted field */
	SERR_BARE_CR,	   /* CR not followed by LF outside quotes */
};

struct vo_csv_reader {
	int fd;			     /* the open file */
	unsigned char head[4];	     /* bytes read before the reader took the file (a sniff) */
	size_t nhead;		     /* bytes in head */
	size_t head_pos;	     /* bytes of head handed out */
	bool raw_eof;		     /* read() of the file has returned 0 */
	bool hashing;		     /* the raw bytes go through sha (a stream: read once) */
	struct vo_sha256 sha;	     /* digest of the raw bytes, when hashing */
	uint64_t raw_bytes;	     /* raw bytes read from the file, head included */
	char *path;		     /* copy of the path, for messages */
	char *buf;		     /* cap + CSV_PAD bytes */
	size_t cap;		     /* bytes of buf usable for data */
	size_t end;		     /* bytes of buf holding data; buf[end..end+CSV_PAD) are zero */
	size_t pos;		     /* start of the next record to scan */
	size_t batch;		     /* start of the current batch's first record (batch_start) */
	bool eof;		     /* no more data: read() returned 0, or the gzip stream ended */
	z_stream *gz;		     /* inflate state of a gzip file, else NULL */
	uint8_t *gz_in;		     /* CSV_GZ_INPUT bytes of compressed input */
	bool gz_in_eof;		     /* read() of the compressed file has returned 0 */
	bool gz_member_end;	     /* a member ended; another may follow */
	uint64_t gz_done;	     /* bytes decompressed from earlier members */
	bool failed;		     /* an error was reported; the reader is spent */
	uint64_t file_read;	     /* bytes read from the file (compressed ones for gzip) */
	size_t sc_base;		     /* scanner cache: start of the block whose mask is sc_mask */
	uint32_t sc_mask;	     /* scanner cache: special-byte bits of that block */
	bool sc_valid;		     /* scanner cache holds a block of the current bytes */
	uint64_t line;		     /* line number where the record at pos starts */
	uint64_t rows;		     /* data records returned before the current batch */
	struct field *fld;	     /* header only: its fields (VO_CSV_COLUMNS_MAX) */
	int8_t *map;		     /* after the header: logical column of each field, or -1 */
	size_t nrows;		     /* rows of the current batch so far */
	uint8_t esc[VO_COL_COUNT];   /* logical columns of the record that hold "" */
	size_t nesc;		     /* entries in esc */
	size_t nf;		     /* fields of the last scanned record */
	uint64_t rec_nl;	     /* LFs inside quoted fields of the last scanned record */
	enum scan_error scan_err;    /* with SCAN_ERROR: what */
	size_t err_field;	     /* with SCAN_ERROR: 0-based field index */
	size_t ncols;		     /* fields in the header */
	size_t colidx[VO_COL_COUNT]; /* header position of each logical column */
	char *names;		     /* header names for messages, NUL-separated */
	size_t *name_off;	     /* ncols offsets into names */
	struct vo_str *views;	     /* the batch: VO_COL_COUNT x VO_BATCH_ROWS */
};

/* ---- scanning ---------------------------------------------------------- */

#if CSV_SSE2
static inline uint32_t block_mask(const char *p)
{
	const __m128i comma = _mm_set1_epi8(',');
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i lf = _mm_set1_epi8('\n');
	const __m128i cr = _mm_set1_epi8('\r');
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
	__m128i ma = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, comma), _mm_cmpeq_epi8(a, quote)),
				  _mm_or_si128(_mm_cmpeq_epi8(a, lf), _mm_cmpeq_epi8(a, cr)));
	__m128i mb = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, comma), _mm_cmpeq_epi8(b, quote)),
				  _mm_or_si128(_mm_cmpeq_epi8(b, lf), _mm_cmpeq_epi8(b, cr)));

	return (uint32_t)_mm_movemask_epi8(ma) | ((uint32_t)_mm_movemask_epi8(mb) << 16);
}
#else
static inline uint32_t block_mask(const char *p)
{
	uint32_t m = 0;
	int i;

	for (i = 0; i < CSV_BLOCK; i++) {
		char c = p[i];

		if (c == ',' || c == '"' || c == '\n' || c == '\r')
			m |= (uint32_t)1 << i;
	}
	return m;
}
#endif

/*
 * The position of the first ',', '"', CR or LF at or after p, or r->end.
 * Block loads may read up to CSV_BLOCK - 1 bytes past end: that is the
 * zeroed padding, which holds no special byte.
 */
static inline size_t next_special(struct vo_csv_reader *r, size_t p)
{
	uint32_t m;
	size_t q;

	if (r->sc_valid && p >= r->sc_base && p - r->sc_base < CSV_BLOCK) {
		m = r->sc_mask & (~(uint32_t)0 << (p - r->sc_base));
	} else {
		if (p >= r->end)
			return r->end;
		r->sc_base = p;
		r->sc_valid = true;
		m = r->sc_mask = block_mask(r->buf + p);
	}
	while (!m) {
		if (r->sc_base + CSV_BLOCK >= r->end)
			return r->end; /* the cache still describes its block */
		r->sc_base += CSV_BLOCK;
		m = r->sc_mask = block_mask(r->buf + r->sc_base);
	}
	q = r->sc_base + (size_t)__builtin_ctz(m);
	return q < r->end ? q : r->end;
}

/*
 * Keeps field i of the record being scanned: a data field of a wanted column
 * goes straight into the batch as row r->nrows, a header field into r->fld.
 * Fields past the header's count are only counted (by the caller).
 */
static inline void add_field(struct vo_csv_reader *r, size_t i, size_t start, size_t len,
			     bool escaped)
{
	struct vo_str *v;
	int m;

	if (!r->map) {
		if (i < VO_CSV_COLUMNS_MAX) {
			r->fld[i].start = start;
			r->fld[i].len = len;
			r->fld[i].escaped = escaped;
		}
		return;
	}
	if (i >= r->ncols)
		return;
	m = (int)r->map[i];
	if (m < 0)
		return;
	v = &r->views[(size_t)m * VO_BATCH_ROWS + r->nrows];
	v->ptr = r->buf + start;
	v->len = len;
	if (escaped)
		r->esc[r->nesc++] = (uint8_t)m; /* at most once per column: no duplicates */
}

static enum scan_status scan_fail(struct vo_csv_reader *r, enum scan_error e, size_t field)
{
	r->scan_err = e;
	r->err_field = field;
	return SCAN_ERROR;
}

static uint64_t count_lf(const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t n = 0;

	for (;;) {
		const char *q = memchr(p, '\n', (size_t)(end - p));

		if (!q)
			break;
		n++;
		p = q + 1;
	}
	return n;
}

/*
 * Scans the record that starts at r->pos.  On SCAN_RECORD its fields have
 * gone through add_field(), r->nf counts them, and *next is the first byte
 * after the record's line end.
 */
static enum scan_status scan_record(struct vo_csv_reader *r, size_t *next)
{
	const char *b = r->buf;
	size_t end = r->end;
	size_t p = r->pos;
	size_t fstart = p;
	size_t nf = 0;
	uint64_t nl = 0;

	r->nesc = 0;
	if (p == end)
		return r->eof ? SCAN_END : SCAN_MORE;
	if (b[p] == '\n') {
		*next = p + 1;
		return SCAN_EMPTY;
	}
	if (b[p] == '\r' && p + 1 < end && b[p + 1] == '\n') {
		*next = p + 2;
		return SCAN_EMPTY;
	}
	for (;;) {
		size_t q = next_special(r, p);
		size_t close;
		bool escaped = false;

		if (q == end) {
			if (!r->eof)
				return SCAN_MORE;
			add_field(r, nf++, fstart, q - fstart, false);
			*next = end;
			break;
		}
		if (b[q] == ',') {
			add_field(r, nf++, fstart, q - fstart, false);
			p = fstart = q + 1;
			continue;
		}
		if (b[q] == '\n') {
			add_field(r, nf++, fstart, q - fstart, false);
			*next = q + 1;
			break;
		}
		if (b[q] == '\r') {
			if (q + 1 == end && !r->eof)
				return SCAN_MORE;
			if (q + 1 == end || b[q + 1] != '\n')
				return scan_fail(r, SERR_BARE_CR, nf);
			add_field(r, nf++, fstart, q - fstart, false);
			*next = q + 2;
			break;
		}
		/* A quote: it opens a quoted field, or it is misplaced. */
		if (q != fstart)
			return scan_fail(r, SERR_QUOTE, nf);
		p = q + 1;
		for (;;) {
			const char *e = memchr(b + p, '"', end - p);

			if (!e)
				return r->eof ? scan_fail(r, SERR_UNTERMINATED, nf) : SCAN_MORE;
			close = (size_t)(e - b);
			if (close + 1 == end && !r->eof)
				return SCAN_MORE;
			if (close + 1 == end || b[close + 1] != '"')
				break;
			escaped = true;
			p = close + 2;
		}
		nl += count_lf(b + q + 1, close - q - 1);
		add_field(r, nf++, q + 1, close - q - 1, escaped);
		p = close + 1;
		if (p == end) {
			*next = end;
			break;
		}
		if (b[p] == ',') {
			p = fstart = p + 1;
			continue;
		}
		if (b[p] == '\n') {
			*next = p + 1;
			break;
		}
		if (b[p] == '\r') {
			if (p + 1 == end && !r->eof)
				return SCAN_MORE;
			if (p + 1 == end || b[p + 1] != '\n')
				return scan_fail(r, SERR_BARE_CR, nf - 1);
			*next = p + 2;
			break;
		}
		return scan_fail(r, SERR_AFTER_QUOTE, nf - 1);
	}
	r->nf = nf;
	r->rec_nl = nl;
	return SCAN_RECORD;
}

/* Unescapes a quoted field's doubled quotes in place; returns its new length. */
static size_t unescape(char *p, size_t len)
{
	size_t i;
	size_t w = 0;

	for (i = 0; i < len; i++) {
		p[w++] = p[i];
		if (p[i] == '"')
			i++; /* the scanner only accepts '"' doubled here */
	}
	return w;
}

/* ---- errors ------------------------------------------------------------ */

static const char *col_label(const struct vo_csv_reader *r, size_t field)
{
	if (!r->names || field >= r->ncols)
		return NULL;
	return r->names + r->name_off[field];
}

/*
 * Reports a problem with the record at r->pos (data row `row`, or the header
 * when row is 0), in its field `field` (0-based; SIZE_MAX for the record as a
 * whole), and marks the reader spent.
 */
static int record_error(struct vo_csv_reader *r, struct vo_error *err, int code, uint64_t row,
			size_t field, const char *what)
{
	const char *name = field == SIZE_MAX ? NULL : col_label(r, field);
	char where[48] = "";

	r->failed = true;
	if (field != SIZE_MAX && !name)
		snprintf(where, sizeof(where), "field %zu: ", field + 1);
	if (row == 0)
		return vo_error_at(err, code, r->path, 0, NULL, "header (line %llu): %s%s",
				   (unsigned long long)r->line, where, what);
	return vo_error_at(err, code, r->path, row, name, "%s%s (line %llu)", where, what,
			   (unsigned long long)r->line);
}

static int scan_error(struct vo_csv_reader *r, struct vo_error *err, uint64_t row)
{
	static const char *const what[] = {
		[SERR_QUOTE] = "quote inside an unquoted field",
		[SERR_AFTER_QUOTE] = "unexpected character after a closing quote",
		[SERR_UNTERMINATED] =
			"unterminated quoted field: no closing quote before the end of the file",
		[SERR_BARE_CR] = "carriage return not followed by a line feed",
	};

	return record_error(r, err, VO_EFORMAT, row, r->err_field, what[r->scan_err]);
}

static int too_long(struct vo_csv_reader *r, struct vo_error *err, uint64_t row)
{
	char what[64];

	snprintf(what, sizeof(what), "record longer than %u bytes", (unsigned)VO_CSV_RECORD_MAX);
	return record_error(r, err, VO_ELIMIT, row, SIZE_MAX, what);
}

/* ---- buffer ------------------------------------------------------------ */

enum { REFILL_CUT = 1 }; /* refill(): the batch fills the largest buffer; end it */

/*
 * Reads up to len raw bytes of the file (the sniffed head first), hashing
 * them when the reader hashes; *n is 0 at the end of the file.
 */
static int raw_read(struct vo_csv_reader *r, void *dst, size_t len, size_t *n, struct vo_error *err)
{
	*n = 0;
	if (r->head_pos < r->nhead) {
		*n = VO_MIN(len, r->nhead - r->head_pos);
		memcpy(dst, r->head + r->head_pos, *n);
		r->head_pos += *n;
	} else if (!r->raw_eof) {
		if (vo_read_some(r->fd, r->path, dst, len, n, err)) {
			r->failed = true;
			return VO_EIO;
		}
		r->raw_eof = *n == 0;
	}
	if (r->hashing)
		vo_sha256_update(&r->sha, dst, *n);
	r->raw_bytes += *n;
	return VO_OK;
}

/* Reads more compressed bytes into gz_in when it is used up. */
static int gz_fill(struct vo_csv_reader *r, struct vo_error *err)
{
	z_stream *z = r->gz;

	while (z->avail_in == 0 && !r->gz_in_eof) {
		size_t n;

		if (raw_read(r, r->gz_in, CSV_GZ_INPUT, &n, err))
			return VO_EIO;
		if (n == 0)
			r->gz_in_eof = true;
		r->file_read += n;
		z->next_in = r->gz_in;
		z->avail_in = (uInt)n;
	}
	return VO_OK;
}

static int gz_error(struct vo_csv_reader *r, struct vo_error *err, const char *what)
{
	r->failed = true;
	return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
			   "corrupt gzip data after %" PRIu64 " decompressed bytes: %s",
			   r->gz_done + (uint64_t)r->gz->total_out, what);
}

/* Fills buf[end..cap) with decompressed bytes, or up to the end of the stream. */
static int gz_read_some(struct vo_csv_reader *r, struct vo_error *err)
{
	z_stream *z = r->gz;
	int rc;

	while (r->end < r->cap && !r->eof) {
		int zr;

		rc = gz_fill(r, err);
		if (rc)
			return rc;
		if (r->gz_member_end) {
			/* The end of the file, or the start of another member. */
			if (z->avail_in == 0) {
				r->eof = true;
				break;
			}
			r->gz_done += z->total_out;
			if (inflateReset(z) != Z_OK)
				return gz_error(r, err, "cannot restart the decoder");
			r->gz_member_end = false;
		}
		if (z->avail_in == 0)
			return gz_error(r, err, "the stream is truncated");
		z->next_out = (Bytef *)(r->buf + r->end);
		z->avail_out = (uInt)(r->cap - r->end);
		zr = inflate(z, Z_NO_FLUSH);
		r->end = r->cap - z->avail_out;
		if (zr == Z_STREAM_END) {
			r->gz_member_end = true;
			continue;
		}
		if (zr == Z_MEM_ERROR) {
			r->failed = true;
			return vo_error_at(err, VO_ENOMEM, r->path, 0, NULL,
					   "out of memory decompressing gzip data");
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return gz_error(r, err, z->msg ? z->msg : "invalid data");
	}
	memset(r->buf + r->end, 0, CSV_PAD);
	r->sc_valid = false;
	return VO_OK;
}

static int read_some(struct vo_csv_reader *r, struct vo_error *err)
{
	if (r->gz)
		return gz_read_some(r, err);
	while (r->end < r->cap) {
		size_t n;

		if (raw_read(r, r->buf + r->end, r->cap - r->end, &n, err))
			return VO_EIO;
		if (n == 0) {
			r->eof = true;
			break;
		}
		r->end += n;
		r->file_read += n;
	}
	memset(r->buf + r->end, 0, CSV_PAD);
	r->sc_valid = false;
	return VO_OK;
}

/*
 * Makes room after the data and reads more, keeping the bytes of the current
 * batch and rebasing the views of its rows.  Returns VO_OK, REFILL_CUT when
 * the batch already fills a buffer of VO_CSV_BUFFER_MAX bytes (the caller
 * ends the batch before the current record), or an error.
 */
static int refill(struct vo_csv_reader *r, struct vo_error *err)
{
	size_t keep = r->end - r->batch;
	size_t cap = r->cap;
	char *nb = r->buf;

	if (keep > r->cap / 2 && r->cap < VO_CSV_BUFFER_MAX) {
		cap = VO_MIN(r->cap * 2, (size_t)VO_CSV_BUFFER_MAX);
		nb = vo_malloc(cap + CSV_PAD);
		if (!nb) {
			r->failed = true;
			return vo_error_at(err, VO_ENOMEM, r->path, 0, NULL,
					   "out of memory growing the read buffer to %zu bytes",
					   cap);
		}
	}
	if (nb != r->buf || r->batch > 0) {
		const char *from = r->buf + r->batch;
		size_t c;
		size_t i;

		memmove(nb, from, keep);
		for (c = 0; c < VO_COL_COUNT; c++) {
			struct vo_str *v = &r->views[c * VO_BATCH_ROWS];

			for (i = 0; i < r->nrows; i++)
				v[i].ptr = nb + (v[i].ptr - from);
		}
		if (nb != r->buf) {
			vo_free(r->buf);
			r->buf = nb;
			r->cap = cap;
		}
		r->pos -= r->batch;
		r->end = keep;
		r->batch = 0;
		memset(r->buf + r->end, 0, CSV_PAD);
		r->sc_valid = false;
	}
	if (r->end == r->cap) {
		if (r->nrows)
			return REFILL_CUT;
		/* Unreachable: records are capped well below the buffer. */
		r->failed = true;
		return vo_error_at(err, VO_ELIMIT, r->path, 0, NULL, "read buffer full");
	}
	return read_some(r, err);
}

/*
 * Scans the next record, reading more of the file as needed.  Empty lines
 * are skipped.  Returns VO_OK with *status SCAN_RECORD or SCAN_END,
 * REFILL_CUT, or an error already reported.
 */
static int next_record(struct vo_csv_reader *r, uint64_t row, size_t *next,
		       enum scan_status *status, struct vo_error *err)
{
	int rc;

	for (;;) {
		enum scan_status st = scan_record(r, next);

		if (st == SCAN_EMPTY) {
			r->pos = *next;
			r->line++;
			if (r->nrows == 0)
				r->batch = r->pos;
			continue;
		}
		if (st == SCAN_ERROR)
			return scan_error(r, err, row);
		if (st == SCAN_RECORD) {
			if (*next - r->pos > VO_CSV_RECORD_MAX)
				return too_long(r, err, row);
			*status = st;
			return VO_OK;
		}
		if (st == SCAN_END) {
			*status = st;
			return VO_OK;
		}
		if (r->end - r->pos >= VO_CSV_RECORD_MAX)
			return too_long(r, err, row);
		rc = refill(r, err);
		if (rc)
			return rc;
	}
}

/* ---- header ------------------------------------------------------------ */

/* Keeps a printable copy of each header name for messages. */
static int keep_names(struct vo_csv_reader *r, const struct vo_str *names, size_t n)
{
	size_t total = 0;
	size_t i;
	size_t j;
	char *w;

	for (i = 0; i < n; i++)
		total += VO_MIN(names[i].len, (size_t)CSV_NAME_SHOWN) + 1;
	r->names = vo_malloc(total);
	r->name_off = vo_calloc(n, sizeof(*r->name_off));
	if (!r->names || !r->name_off)
		return VO_ENOMEM;
	w = r->names;
	for (i = 0; i < n; i++) {
		size_t len = VO_MIN(names[i].len, (size_t)CSV_NAME_SHOWN);

		r->name_off[i] = (size_t)(w - r->names);
		for (j = 0; j < len; j++) {
			unsigned char c = (unsigned char)names[i].ptr[j];

			*w++ = (char)(c < 0x20 || c == 0x7f || c == '\'' ? '?' : c);
		}
		*w++ = '\0';
	}
	return VO_OK;
}

static int read_header(struct vo_csv_reader *r, struct vo_error *err)
{
	struct vo_str *names = NULL;
	int8_t *map = NULL;
	size_t seen[VO_COL_COUNT] = { 0 }; /* 1 + header position, 0: not seen */
	enum scan_status st;
	size_t next;
	size_t i;
	int rc;

	rc = next_record(r, 0, &next, &st, err);
	if (rc)
		goto out;
	if (st == SCAN_END) {
		rc = vo_error_at(err, VO_EFORMAT, r->path, 0, NULL, "no header record");
		goto out;
	}
	if (r->nf > VO_CSV_COLUMNS_MAX) {
		rc = vo_error_at(err, VO_ELIMIT, r->path, 0, NULL,
				 "header (line %llu): more than %d columns",
				 (unsigned long long)r->line, VO_CSV_COLUMNS_MAX);
		goto out;
	}
	r->ncols = r->nf;
	names = vo_calloc(r->ncols, sizeof(*names));
	if (!names) {
		rc = vo_error_nomem_in(err, r->path);
		goto out;
	}
	for (i = 0; i < r->ncols; i++) {
		struct field *f = &r->fld[i];

		if (f->escaped)
			f->len = unescape(r->buf + f->start, f->len);
		names[i] = vo_str_trim(vo_str_make(r->buf + f->start, f->len));
	}
	rc = keep_names(r, names, r->ncols);
	if (rc) {
		rc = vo_error_nomem_in(err, r->path);
		goto out;
	}
	for (i = 0; i < r->ncols; i++) {
		int c = vo_col_from_name(names[i]);

		if (c < 0)
			continue;
		if (seen[c]) {
			rc = vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
					 "duplicate column '%s' (header fields %zu and %zu name "
					 "column '%s')",
					 r->names + r->name_off[i], seen[c], i + 1,
					 vo_col_name((enum vo_col)c));
			goto out;
		}
		seen[c] = i + 1;
		r->colidx[c] = i;
	}
	for (i = 0; i < VO_COL_COUNT; i++) {
		if (!seen[i]) {
			rc = vo_error_at(err, VO_EFORMAT, r->path, 0, NULL, "missing column '%s'",
					 vo_col_name((enum vo_col)i));
			goto out;
		}
	}
	map = vo_malloc(r->ncols);
	if (!map) {
		rc = vo_error_nomem_in(err, r->path);
		goto out;
	}
	memset(map, -1, r->ncols);
	for (i = 0; i < VO_COL_COUNT; i++)
		map[r->colidx[i]] = (int8_t)i;
	r->map = map;
	VO_FREE(r->fld);
	r->line += 1 + r->rec_nl;
	r->pos = next;
	r->batch = next;
out:
	vo_free(names);
	return rc;
}

/* ---- public ------------------------------------------------------------ */

/*
 * Switches to gzip decoding when the file starts with the gzip magic, judged
 * from the head (the file's first bytes, read once, so a pipe loses none).
 */
static int gz_open(struct vo_csv_reader *r, struct vo_error *err)
{
	if (r->nhead < 2 || r->head[0] != 0x1f || r->head[1] != 0x8b)
		return VO_OK;
	r->gz = vo_calloc(1, sizeof(*r->gz));
	r->gz_in = vo_malloc(CSV_GZ_INPUT);
	if (!r->gz || !r->gz_in)
		return vo_error_nomem_in(err, r->path);
	/* 16 + 15: a gzip wrapper, the largest window. */
	if (inflateInit2(r->gz, 16 + MAX_WBITS) != Z_OK) {
		VO_FREE(r->gz);
		return vo_error_at(err, VO_ENOMEM, r->path, 0, NULL,
				   "out of memory starting gzip decompression");
	}
	return VO_OK;
}

/* Reads the file's first bytes into head (up to 4, fewer at its end). */
static int read_head(struct vo_csv_reader *r, struct vo_error *err)
{
	while (r->nhead < sizeof(r->head) && !r->raw_eof) {
		size_t n = 0;

		if (vo_read_some(r->fd, r->path, r->head + r->nhead, sizeof(r->head) - r->nhead, &n,
				 err)) {
			r->failed = true;
			return VO_EIO;
		}
		r->nhead += n;
		r->raw_eof = n == 0;
	}
	return VO_OK;
}

int vo_csv_reader_open_fd(struct vo_csv_reader **out, const char *path, int fd, const void *head,
			  size_t nhead, enum vo_csv_open_flags flags, struct vo_error *err)
{
	struct vo_csv_reader *r;
	struct stat st;
	int rc = VO_OK;

	*out = NULL;
	r = vo_calloc(1, sizeof(*r));
	if (!r) {
		close(fd);
		return vo_error_nomem_in(err, path);
	}
	r->fd = fd;
	r->line = 1;
	r->path = vo_strdup(path);
	r->cap = CSV_BUF_INITIAL;
	r->buf = vo_malloc(r->cap + CSV_PAD);
	r->fld = vo_calloc(VO_CSV_COLUMNS_MAX, sizeof(*r->fld));
	r->views = vo_calloc((size_t)VO_COL_COUNT * VO_BATCH_ROWS, sizeof(*r->views));
	if (!r->path || !r->buf || !r->fld || !r->views) {
		rc = vo_error_nomem_in(err, path);
		goto out;
	}
	if (fstat(r->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = vo_error_at(err, VO_EIO, path, 0, NULL, "is a folder, not a CSV file");
		goto out;
	}
	if (flags & VO_CSV_HASH) {
		if (vo_sha256_init(&r->sha)) {
			rc = vo_error_nomem_in(err, path);
			goto out;
		}
		r->hashing = true;
	}
	if (S_ISREG(st.st_mode))
		(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	nhead = VO_MIN(nhead, sizeof(r->head));
	if (nhead)
		memcpy(r->head, head, nhead);
	r->nhead = nhead;
	rc = read_head(r, err);
	if (rc)
		goto out;
	rc = gz_open(r, err);
	if (rc)
		goto out;
	rc = read_some(r, err);
	if (rc)
		goto out;
	if (r->gz && r->end >= 4 && memcmp(r->buf, "PAR1", 4) == 0) {
		rc = vo_error_at(err, VO_EUNSUPPORTED, path, 0, NULL,
				 "gzip-compressed Parquet is not supported (decompress it first)");
		goto out;
	}
	if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0) {
		r->pos = 3;
		r->batch = 3;
	}
	if (r->eof && r->pos == r->end) {
		rc = vo_error_at(err, VO_EFORMAT, path, 0, NULL, "empty file");
		goto out;
	}
	rc = read_header(r, err);
out:
	if (rc) {
		vo_csv_reader_destroy(r);
		return rc;
	}
	*out = r;
	return VO_OK;
}

int vo_csv_reader_open(struct vo_csv_reader **out, const char *path, struct vo_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return vo_error_at(err, errno == ENOENT ? VO_ENOTFOUND : VO_EIO, path, 0, NULL,
				   "cannot open: %s", strerror(errno));
	return vo_csv_reader_open_fd(out, path, fd, NULL, 0, 0, err);
}

int vo_csv_reader_digest(struct vo_csv_reader *r, char hex[VO_SHA256_HEX], uint64_t *bytes,
			 struct vo_error *err)
{
	unsigned char md[VO_SHA256_LEN];
	unsigned char chunk[4096];

	if (!r->hashing || r->failed)
		return vo_error_at(err, VO_EINVAL, r->path, 0, NULL, "no digest of this file");
	/* Whatever follows the last record is part of the file too. */
	while (!r->raw_eof || r->head_pos < r->nhead) {
		size_t n;

		if (raw_read(r, chunk, sizeof(chunk), &n, err))
			return VO_EIO;
	}
	r->hashing = false;
	if (vo_sha256_final(&r->sha, md))
		return vo_error_nomem_in(err, r->path);
	vo_sha256_to_hex(md, hex);
	*bytes = r->raw_bytes;
	return VO_OK;
}

int vo_csv_reader_next(struct vo_csv_reader *r, struct vo_batch *batch, struct vo_error *err)
{
	size_t c;
	size_t k;
	int rc = VO_OK;

	memset(batch, 0, sizeof(*batch));
	if (r->failed)
		return vo_error_at(err, VO_EINVAL, r->path, 0, NULL, "reader used after an error");
	r->batch = r->pos;
	r->nrows = 0;
	while (r->nrows < VO_BATCH_ROWS) {
		uint64_t row = r->rows + r->nrows + 1;
		enum scan_status st;
		size_t next = 0;

		st = SCAN_END;
		rc = next_record(r, row, &next, &st, err);
		if (rc == REFILL_CUT) {
			rc = VO_OK;
			break;
		}
		if (rc)
			return rc;
		if (st == SCAN_END)
			break;
		if (VO_UNLIKELY(r->nf != r->ncols)) {
			char what[96];

			snprintf(what, sizeof(what),
				 "expected %zu fields as in the header, found %zu", r->ncols,
				 r->nf);
			return record_error(r, err, VO_EFORMAT, row, SIZE_MAX, what);
		}
		for (k = 0; k < r->nesc; k++) {
			struct vo_str *v = &r->views[(size_t)r->esc[k] * VO_BATCH_ROWS + r->nrows];

			v->len = unescape(r->buf + (v->ptr - r->buf), v->len);
		}
		r->nrows++;
		r->line += 1 + r->rec_nl;
		r->pos = next;
	}
	for (c = 0; c < VO_COL_COUNT; c++) {
		batch->col[c].type = VO_V_STR;
		batch->col[c].nvalues = r->nrows;
		batch->col[c].values.str = &r->views[c * VO_BATCH_ROWS];
	}
	batch->nrows = r->nrows;
	batch->first_row = r->rows + 1;
	r->rows += r->nrows;
	return rc;
}

uint64_t vo_csv_reader_bytes_read(const struct vo_csv_reader *r)
{
	return r->file_read;
}

void vo_csv_reader_destroy(struct vo_csv_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->gz)
		inflateEnd(r->gz);
	vo_sha256_release(&r->sha);
	vo_free(r->gz);
	vo_free(r->gz_in);
	vo_free(r->path);
	vo_free(r->buf);
	vo_free(r->fld);
	vo_free(r->map);
	vo_free(r->names);
	vo_free(r->name_off);
	vo_free(r->views);
	vo_free(r);
}

/* ---- writing ----------------------------------------------------------- */

int vo_csv_append_field(struct vo_buf *out, struct vo_str field)
{
	size_t quotes = 0;
	bool quote;
	size_t i;
	size_t need;
	char *w;
	int rc;

	if (field.len == 0)
		return VO_OK;
	quote = vo_is_space((unsigned char)field.ptr[0]) ||
		vo_is_space((unsigned char)field.ptr[field.len - 1]);
	for (i = 0; i < field.len; i++) {
		char ch = field.ptr[i];

		if (ch == '"')
			quotes++;
		else if (ch == ',' || ch == '\n' || ch == '\r')
			quote = true;
	}
	if (!quote && !quotes)
		return vo_buf_add(out, field.ptr, field.len);
	if (__builtin_add_overflow(field.len, quotes + 2, &need))
		return VO_ELIMIT;
	rc = vo_buf_grow(out, need);
	if (rc)
		return rc;
	w = out->ptr + out->len;
	*w++ = '"';
	for (i = 0; i < field.len; i++) {
		*w++ = field.ptr[i];
		if (field.ptr[i] == '"')
			*w++ = '"';
	}
	*w++ = '"';
	out->len += need;
	out->ptr[out->len] = '\0';
	return VO_OK;
}
