/*
 * parquet.c - the Parquet reader, see parquet.h.
 *
 * Reading order: the footer is read and decoded by metadata.c into
 * struct pq_file_meta, except the row groups, which are decoded one at a
 * time from the footer bytes when the reader reaches them (a first pass at
 * open validates them all).  The schema's leaves are matched to the six
 * logical columns.  Then each needed column chunk is read page by page: a
 * bounded prefix for the page header (grown when the header is larger), then
 * the page body, decompressed into a per-column buffer.  Values are decoded
 * lazily, one batch at a time, straight into per-column batch arrays of
 * VO_BATCH_ROWS entries; string values are views into the page or
 * dictionary buffer, which is why a batch never crosses a page boundary.
 *
 * Every offset and size from the file is checked against the file size and
 * the column chunk's extent before anything is read or allocated from it.
 */
#include "core/common.h"

#include <stdatomic.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "ingest/batch.h"
#include "ingest/codec.h"
#include "ingest/parquet/parquet.h"
#include "ingest/parquet/parquet_int.h"
#include "ingest/parquet/rle.h"
#include "ingest/parquet/thrift.h"

/* First read of a page header; real ones are 20 to 200 bytes. */
#define PAGE_HEADER_PREFIX 256
/* Column names are cut to this many bytes in messages. */
#define NAME_SHOWN_MAX 128
/* Days from the Julian day epoch to 1970-01-01 (INT96 timestamps). */
#define JULIAN_UNIX_EPOCH 2440588
#define MICROS_PER_DAY 86400000000LL

/* How a column's stored values become batch values. */
enum conv {
	CONV_NONE,	 /* stored as is (after widening to int64 or double) */
	CONV_MILLIS,	 /* INT64 milliseconds to microseconds */
	CONV_NANOS,	 /* INT64 nanoseconds to microseconds, rounded down */
	CONV_UINT32,	 /* INT32 read as unsigned */
	CONV_INT96,	 /* INT96 (nanoseconds of day, Julian day) to microseconds */
	CONV_DECIMAL_BE, /* byte array: big-endian two's complement to int64 */
};

/*
 * A DELTA_BINARY_PACKED stream: a header (block size, miniblocks per block,
 * value count, first value), then blocks of a min delta, one bit width per
 * miniblock, and the miniblocks' bit-packed deltas.  Decoded lazily.
 */
struct delta_dec {
	const uint8_t *p;      /* next unread byte */
	const uint8_t *end;    /* end of the stream's section */
	uint64_t nmini;	       /* miniblocks per block */
	uint64_t mini_size;    /* values per miniblock */
	uint64_t total;	       /* values in the stream */
	uint64_t done;	       /* values produced so far */
	uint64_t last;	       /* the last value produced (two's complement) */
	uint64_t min_delta;    /* the current block's min delta */
	const uint8_t *widths; /* the current block's bit widths */
	uint64_t mini;	       /* index of the next miniblock of the block */
	uint64_t mini_left;    /* values left in the current miniblock */
	const uint8_t *mb;     /* the current miniblock's bytes */
	size_t mb_len;	       /* bytes at mb */
	uint64_t mb_bit;       /* bit offset of the next delta */
	unsigned width;	       /* bits per delta in the current miniblock */
};

/* One of the six logical columns, as read from the file. */
struct pq_col {
	char *name;	     /* printable copy of the file's column name */
	size_t leaf;	     /* index in meta.leaves, also of the column chunk */
	int ptype;	     /* enum pq_type */
	size_t width;	     /* bytes per PLAIN value; 0 for BYTE_ARRAY and BOOLEAN */
	int max_def;	     /* 0 (REQUIRED) or 1 (OPTIONAL) */
	enum vo_vtype vtype; /* form of the batch values */
	int scale;	     /* decimal scale for VO_V_I64 */
	enum conv conv;	     /* value conversion */
	size_t out_size;     /* bytes per batch value */

	/* the current column chunk */
	int codec;	    /* enum vo_codec_id */
	uint64_t pos;	    /* file offset of the next page header */
	uint64_t end;	    /* end of the chunk */
	uint64_t rg_values; /* values in the data pages loaded so far */

	/* the current data page */
	uint64_t page_at;    /* file offset of its header (for messages) */
	uint64_t page_left;  /* rows not yet handed out */
	int encoding;	     /* enum pq_encoding of its values */
	bool dict_coded;     /* values are dictionary indices */
	bool legacy_levels;  /* definition levels are BIT_PACKED (MSB first) */
	struct vo_rle def;   /* definition levels (RLE hybrid) */
	const uint8_t *lv;   /* BIT_PACKED levels */
	size_t lv_len;	     /* bytes at lv */
	uint64_t lv_bit;     /* next level's bit */
	const uint8_t *vp;   /* PLAIN: next value; BYTE_STREAM_SPLIT: the streams */
	const uint8_t *vend; /* end of the values section */
	uint64_t bit;	     /* PLAIN BOOLEAN: bit offset from vp */
	struct vo_rle ix;    /* dictionary indices, or RLE booleans */
	size_t bss_n;	     /* BYTE_STREAM_SPLIT: values in the page */
	size_t bss_i;	     /* BYTE_STREAM_SPLIT: next value */
	struct delta_dec dl; /* DELTA_*: values, lengths or suffix lengths */
	struct delta_dec dp; /* DELTA_BYTE_ARRAY: prefix lengths */
	uint8_t *prev;	     /* DELTA_BYTE_ARRAY: the previous value */
	size_t prev_cap;
	size_t prev_len;
	uint8_t *arena; /* DELTA_BYTE_ARRAY: the batch's values */
	size_t arena_cap;

	/* the dictionary of the chunk */
	bool has_dict;	    /* a dictionary page was read */
	size_t dict_n;	    /* its entries */
	uint64_t dict_id;   /* its identity for the batch (never reused in a process) */
	void *dict;	    /* the entries, as batch values */
	size_t dict_cap;    /* bytes allocated at dict */
	uint8_t *dict_page; /* the decompressed page, which string entries view */
	size_t dict_page_cap;

	/* page buffers, grown and never shrunk */
	uint8_t *raw; /* a page as stored */
	size_t raw_cap;
	uint8_t *data; /* a page decompressed */
	size_t data_cap;

	/* batch arrays of VO_BATCH_ROWS entries */
	uint8_t *valid;
	uint32_t *idx;
	void *vals;
};

struct vo_parquet_reader {
	char *path;			  /* the file, for messages */
	int fd;				  /* open file, -1 when closed */
	uint64_t file_size;		  /* bytes */
	uint64_t data_end;		  /* end of the pages: file size - footer - 8 */
	struct pq_file_meta meta;	  /* the footer */
	int *slot_of_leaf;		  /* per leaf: enum vo_col, or -1 when not read */
	struct pq_col cols[VO_COL_COUNT]; /* the six columns */
	struct pq_column_chunk chunks[VO_COL_COUNT]; /* the current row group's chunks */
	struct vo_codec *codec;			     /* decompression state */
	uint8_t *hdr;				     /* page header bytes */
	size_t hdr_cap;
	struct vo_thrift rg_cursor; /* at the next RowGroup in the footer */
	size_t rg_next;		    /* index of the next row group */
	size_t rg;		    /* index of the current row group */
	bool in_rg;		    /* a row group is being read */
	uint64_t rg_rows;	    /* rows in the current row group */
	uint64_t rg_done;	    /* rows of it handed out */
	uint64_t rows_done;	    /* rows of the file handed out */
	uint64_t rows_before;	    /* rows of the file before the current row group */
	atomic_size_t *shared;	    /* row groups claimed from a shared counter, or NULL */
	int failed;		    /* first error of next(), sticky */
};

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

/* Grows *buf to at least need bytes (at least 1), geometrically; never shrinks. */
static int grow(void **buf, size_t *cap, size_t need)
{
	size_t n;
	void *p;

	if (need == 0)
		need = 1;
	if (need <= *cap)
		return VO_OK;
	n = *cap ? *cap : 64;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	p = vo_realloc(*buf, n);
	if (!p)
		return VO_ENOMEM;
	*buf = p;
	*cap = n;
	return VO_OK;
}

static int grow_u8(uint8_t **buf, size_t *cap, size_t need)
{
	void *p = *buf;
	int rc = grow(&p, cap, need);

	*buf = p;
	return rc;
}

/* A printable, NUL-terminated copy of an untrusted name (control bytes become '?'). */
static char *printable_dup(struct vo_str s)
{
	size_t n = VO_MIN(s.len, (size_t)NAME_SHOWN_MAX);
	char *p = vo_strndup(s.ptr ? s.ptr : "", n);
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			p[i] = '?';
	return p;
}

/* ------------------------------------------------------------------------ */
/* Column types                                                             */

static bool is_decimal(const struct pq_schema_element *se)
{
	return se->logical.kind == PQ_LT_DECIMAL || se->converted == PQ_CT_DECIMAL;
}

/*
 * Decides how the column's values reach the batch.  Returns VO_EUNSUPPORTED
 * with *why set for a type vouch cannot represent.
 */
static int map_type(const struct pq_schema_element *se, struct pq_col *c, const char **why)
{
	const struct pq_logical_type *lt = &se->logical;
	int unit = PQ_UNIT_NONE;
	int32_t scale;

	c->ptype = se->type;
	c->conv = CONV_NONE;
	c->scale = 0;
	c->vtype = VO_V_I64;
	c->out_size = sizeof(int64_t);
	if (is_decimal(se)) {
		scale = lt->kind == PQ_LT_DECIMAL ? lt->scale : se->scale;
		if (scale < 0 || scale > 38) {
			*why = "DECIMAL with a scale outside 0..38";
			return VO_EUNSUPPORTED;
		}
		c->scale = scale;
	}
	switch (se->type) {
	case PQ_BOOLEAN:
		c->width = 0;
		return VO_OK;
	case PQ_INT32:
		c->width = 4;
		if (lt->kind == PQ_LT_DATE || se->converted == PQ_CT_DATE)
			c->vtype = VO_V_DATE;
		else if ((lt->kind == PQ_LT_INTEGER && !lt->is_signed) ||
			 se->converted == PQ_CT_UINT_8 || se->converted == PQ_CT_UINT_16 ||
			 se->converted == PQ_CT_UINT_32)
			c->conv = CONV_UINT32;
		return VO_OK;
	case PQ_INT64:
		c->width = 8;
		if (lt->kind == PQ_LT_TIMESTAMP)
			unit = lt->unit;
		else if (se->converted == PQ_CT_TIMESTAMP_MILLIS)
			unit = PQ_UNIT_MILLIS;
		else if (se->converted == PQ_CT_TIMESTAMP_MICROS)
			unit = PQ_UNIT_MICROS;
		if (lt->kind == PQ_LT_TIMESTAMP && unit == PQ_UNIT_NONE) {
			*why = "TIMESTAMP without a known unit";
			return VO_EUNSUPPORTED;
		}
		if (unit != PQ_UNIT_NONE) {
			c->vtype = VO_V_TS;
			c->conv = unit == PQ_UNIT_MILLIS  ? CONV_MILLIS
				  : unit == PQ_UNIT_NANOS ? CONV_NANOS
							  : CONV_NONE;
		}
		return VO_OK;
	case PQ_INT96:
		c->width = 12;
		c->vtype = VO_V_TS;
		c->conv = CONV_INT96;
		return VO_OK;
	case PQ_FLOAT:
	case PQ_DOUBLE:
		c->width = se->type == PQ_FLOAT ? 4 : 8;
		c->vtype = VO_V_F64;
		c->out_size = sizeof(double);
		return VO_OK;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY:
		c->width = 0;
		if (se->type == PQ_FIXED_LEN_BYTE_ARRAY) {
			if (se->type_length <= 0) {
				*why = "FIXED_LEN_BYTE_ARRAY without a positive type_length";
				return VO_EUNSUPPORTED;
			}
			c->width = (size_t)se->type_length;
		}
		if (lt->kind == PQ_LT_FLOAT16 || se->converted == PQ_CT_INTERVAL) {
			*why = "the FLOAT16 or INTERVAL type";
			return VO_EUNSUPPORTED;
		}
		if (is_decimal(se)) {
			c->conv = CONV_DECIMAL_BE;
			return VO_OK;
		}
		c->vtype = VO_V_STR;
		c->out_size = sizeof(struct vo_str);
		return VO_OK;
	default:
		*why = "an unknown physical type";
		return VO_EUNSUPPORTED;
	}
}

/* ------------------------------------------------------------------------ */
/* Errors with context                                                      */

/* "PATH: column 'NAME': row group G: MESSAGE" */
static int col_error(struct vo_parquet_reader *r, const struct pq_col *c, struct vo_error *err,
		     int code, const char *fmt, ...) VO_PRINTF(5, 6);

static int col_error(struct vo_parquet_reader *r, const struct pq_col *c, struct vo_error *err,
		     int code, const char *fmt, ...)
{
	char msg[VO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vo_error_at(err, code, r->path, 0, c ? c->name : NULL, "row group %zu: %s", r->rg,
			   msg);
}

/* ------------------------------------------------------------------------ */
/* Value decoding                                                           */

static int64_t sat_mul(int64_t v, int64_t m)
{
	int64_t r;

	if (__builtin_mul_overflow(v, m, &r))
		return (v < 0) != (m < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return a < 0 ? INT64_MIN : INT64_MAX;
	return r;
}

static int64_t floor_div(int64_t v, int64_t d)
{
	int64_t q = v / d;

	if (v % d < 0)
		q--;
	return q;
}

static int64_t int96_micros(const uint8_t *p)
{
	int64_t nanos = (int64_t)pq_le64(p);
	int64_t days = (int32_t)pq_le32(p + 8);

	return sat_add(sat_mul(days - JULIAN_UNIX_EPOCH, MICROS_PER_DAY), floor_div(nanos, 1000));
}

/*
 * Whether the big-endian two's complement of len bytes at p fits in int64:
 * bytes before the last 8 only repeat the sign (DuckDB and Spark write
 * DECIMAL(38, s) as 16 bytes whatever the value).
 */
static bool decimal_fits(const uint8_t *p, size_t len)
{
	uint8_t fill;
	size_t i;

	if (len <= 8)
		return true;
	fill = (p[len - 8] & 0x80) ? 0xff : 0x00;
	for (i = 0; i < len - 8; i++)
		if (p[i] != fill)
			return false;
	return true;
}

/* Big-endian two's complement of len bytes to int64 (the last 8 bytes: see decimal_fits()). */
static int64_t decimal_be(const uint8_t *p, size_t len)
{
	uint64_t u;
	size_t i;

	if (len == 0)
		return 0;
	if (len > 8) {
		p += len - 8;
		len = 8;
	}
	u = (p[0] & 0x80) ? UINT64_MAX : 0;
	for (i = 0; i < len; i++)
		u = (u << 8) | p[i];
	return (int64_t)u;
}

/* Timestamps in milliseconds or nanoseconds to microseconds, k values in place. */
static void convert_unit(const struct pq_col *c, int64_t *v, size_t k)
{
	size_t j;

	if (c->conv == CONV_MILLIS)
		for (j = 0; j < k; j++)
			v[j] = sat_mul(v[j], 1000);
	else if (c->conv == CONV_NANOS)
		for (j = 0; j < k; j++)
			v[j] = floor_div(v[j], 1000);
}

/* Converts k contiguous fixed-width values at src into batch values. */
static void convert_fixed(const struct pq_col *c, const uint8_t *src, size_t k, void *out)
{
	int64_t *i64 = out;
	double *f64 = out;
	struct vo_str *str = out;
	float f;
	size_t j;

	switch (c->ptype) {
	case PQ_INT32:
		if (c->conv == CONV_UINT32)
			for (j = 0; j < k; j++)
				i64[j] = (int64_t)pq_le32(src + 4 * j);
		else
			for (j = 0; j < k; j++)
				i64[j] = (int32_t)pq_le32(src + 4 * j);
		break;
	case PQ_INT64:
		memcpy(i64, src, 8 * k);
		convert_unit(c, i64, k);
		break;
	case PQ_INT96:
		for (j = 0; j < k; j++)
			i64[j] = int96_micros(src + 12 * j);
		break;
	case PQ_FLOAT:
		for (j = 0; j < k; j++) {
			memcpy(&f, src + 4 * j, sizeof(f));
			f64[j] = (double)f;
		}
		break;
	case PQ_DOUBLE:
		memcpy(f64, src, 8 * k);
		break;
	case PQ_FIXED_LEN_BYTE_ARRAY:
		if (c->conv == CONV_DECIMAL_BE)
			for (j = 0; j < k; j++)
				i64[j] = decimal_be(src + c->width * j, c->width);
		else
			for (j = 0; j < k; j++)
				str[j] = vo_str_make((const char *)src + c->width * j, c->width);
		break;
	default:
		break;
	}
}

/*
 * Decodes k PLAIN values from *pp (up to end) into out, advancing *pp (and
 * *bit for BOOLEAN, whose values are bits from *pp).  VO_EFORMAT with *why
 * when the values run past end.
 */
static int plain_values(const struct pq_col *c, const uint8_t **pp, const uint8_t *end,
			uint64_t *bit, void *out, size_t k, const char **why)
{
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	int64_t *i64 = out;
	struct vo_str *str = out;
	size_t need;
	uint32_t len;
	uint64_t b;
	size_t j;

	switch (c->ptype) {
	case PQ_BYTE_ARRAY:
		for (j = 0; j < k; j++) {
			if ((size_t)(end - p) < 4)
				goto short_values;
			len = pq_le32(p);
			p += 4;
			if ((size_t)(end - p) < len)
				goto short_values;
			if (c->conv == CONV_DECIMAL_BE) {
				if (!decimal_fits(p, len)) {
					*why = "a DECIMAL value outside the 64-bit integer range";
					return VO_EUNSUPPORTED;
				}
				i64[j] = decimal_be(p, len);
			} else {
				str[j] = vo_str_make((const char *)p, len);
			}
			p += len;
		}
		*pp = p;
		return VO_OK;
	case PQ_BOOLEAN:
		b = *bit;
		if (k > (uint64_t)avail * 8 || b > (uint64_t)avail * 8 - k)
			goto short_values;
		for (j = 0; j < k; j++, b++)
			i64[j] = (p[b >> 3] >> (b & 7)) & 1;
		*bit = b;
		return VO_OK;
	default:
		if (__builtin_mul_overflow(k, c->width, &need) || need > avail)
			goto short_values;
		if (c->conv == CONV_DECIMAL_BE && c->width > 8) {
			for (j = 0; j < k; j++) {
				if (!decimal_fits(p + c->width * j, c->width)) {
					*why = "a DECIMAL value outside the 64-bit integer range";
					return VO_EUNSUPPORTED;
				}
			}
		}
		convert_fixed(c, p, k, out);
		*pp = p + need;
		return VO_OK;
	}
short_values:
	*why = "values run past the end of the page";
	return VO_EFORMAT;
}

/*
 * expand_T(v, valid, n, k) moves k packed values to the rows where valid[] is
 * 1, from the back so nothing is overwritten before it moves, and sets the
 * other rows to the empty value.  One body, typed per element so each copy
 * stays a plain assignment.
 */
#define DEFINE_EXPAND(name, type, empty)                                    \
	static void name(type *v, const uint8_t *valid, size_t n, size_t k) \
	{                                                                   \
		size_t i = n;                                               \
		size_t j = k;                                               \
                                                                            \
		while (i-- > 0)                                             \
			v[i] = valid[i] ? v[--j] : (empty);                 \
	}

DEFINE_EXPAND(expand_u32, uint32_t, 0)
DEFINE_EXPAND(expand_u64, uint64_t, 0)
DEFINE_EXPAND(expand_str, struct vo_str, vo_str_make(NULL, 0))
#undef DEFINE_EXPAND

/* Reads n definition levels into c->valid; *present counts the 1s. */
static int read_levels(struct vo_parquet_reader *r, struct pq_col *c, size_t n, size_t *present,
		       struct vo_error *err)
{
	size_t sum = 0;
	size_t i;
	uint64_t b;

	if (c->legacy_levels) {
		b = c->lv_bit;
		if (n > (uint64_t)c->lv_len * 8 || b > (uint64_t)c->lv_len * 8 - n)
			return col_error(r, c, err, VO_EFORMAT,
					 "page at offset %" PRIu64
					 ": definition levels run past their section",
					 c->page_at);
		for (i = 0; i < n; i++, b++)
			c->valid[i] = (uint8_t)((c->lv[b >> 3] >> (7 - (b & 7))) & 1);
		c->lv_bit = b;
	} else if (vo_rle_get_u8(&c->def, c->valid, n) != VO_OK) {
		return col_error(r, c, err, VO_EFORMAT,
				 "page at offset %" PRIu64 ": definition levels: %s", c->page_at,
				 c->def.why ? c->def.why : "malformed");
	}
	for (i = 0; i < n; i++)
		sum += c->valid[i];
	*present = sum;
	return VO_OK;
}

/* k values of a BYTE_STREAM_SPLIT page (fixed widths up to 8 bytes). */
static int bss_values(struct pq_col *c, void *out, size_t k, const char **why)
{
	uint8_t tmp[8];
	uint8_t *o = out;
	size_t j;
	size_t b;

	if (k > c->bss_n - c->bss_i) {
		*why = "values run past the end of the page";
		return VO_EFORMAT;
	}
	for (j = 0; j < k; j++) {
		for (b = 0; b < c->width; b++)
			tmp[b] = c->vp[b * c->bss_n + c->bss_i + j];
		convert_fixed(c, tmp, 1, o + j * c->out_size);
	}
	c->bss_i += k;
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* DELTA encodings                                                          */

static int delta_varint(struct delta_dec *d, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (d->p >= d->end || shift > 63)
			return VO_EFORMAT;
		b = *d->p++;
		x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	*v = x;
	return VO_OK;
}

static uint64_t zigzag64(uint64_t u)
{
	return (u >> 1) ^ (0 - (u & 1));
}

/* Reads the stream header at [p, end). */
static int delta_init(struct delta_dec *d, const uint8_t *p, const uint8_t *end, const char **why)
{
	uint64_t block;
	uint64_t first;

	memset(d, 0, sizeof(*d));
	d->p = p;
	d->end = end;
	if (delta_varint(d, &block) || delta_varint(d, &d->nmini) || delta_varint(d, &d->total) ||
	    delta_varint(d, &first)) {
		*why = "DELTA_BINARY_PACKED header is truncated";
		return VO_EFORMAT;
	}
	if (block == 0 || block % 128 || block > VO_PARQUET_DELTA_BLOCK_MAX || d->nmini == 0 ||
	    block % d->nmini || (block / d->nmini) % 32) {
		*why = "DELTA_BINARY_PACKED header has invalid block sizes";
		return VO_EFORMAT;
	}
	d->mini_size = block / d->nmini;
	d->last = zigzag64(first);
	d->mini = d->nmini;
	return VO_OK;
}

/* Starts the next miniblock (and the next block when one ends). */
static int delta_next_mini(struct delta_dec *d, const char **why)
{
	size_t bytes;
	size_t avail;

	if (d->mini == d->nmini) {
		if (delta_varint(d, &d->min_delta)) {
			*why = "DELTA_BINARY_PACKED block header is truncated";
			return VO_EFORMAT;
		}
		d->min_delta = zigzag64(d->min_delta);
		if ((uint64_t)(d->end - d->p) < d->nmini) {
			*why = "DELTA_BINARY_PACKED bit widths are truncated";
			return VO_EFORMAT;
		}
		d->widths = d->p;
		d->p += d->nmini;
		d->mini = 0;
	}
	d->width = d->widths[d->mini++];
	if (d->width > 64) {
		*why = "DELTA_BINARY_PACKED bit width above 64";
		return VO_EFORMAT;
	}
	/* The last miniblock may be cut short; only its present bits are read. */
	bytes = (size_t)(d->mini_size * d->width / 8);
	avail = (size_t)(d->end - d->p);
	d->mb = d->p;
	d->mb_len = VO_MIN(bytes, avail);
	d->mb_bit = 0;
	d->p += d->mb_len;
	d->mini_left = d->mini_size;
	return VO_OK;
}

/* width (1..64) bits at bit offset bit of [p, p + len); the caller checked the range. */
static uint64_t read_bits(const uint8_t *p, size_t len, uint64_t bit, unsigned width)
{
	size_t byte = (size_t)(bit >> 3);
	unsigned sh = (unsigned)(bit & 7);
	uint64_t lo = 0;
	uint64_t v;
	unsigned i;

	if (byte + 8 <= len)
		lo = pq_le64(p + byte);
	else
		for (i = 0; i < 8 && byte + i < len; i++)
			lo |= (uint64_t)p[byte + i] << (8 * i);
	v = lo >> sh;
	if (width + sh > 64)
		v |= (uint64_t)p[byte + 8] << (64 - sh);
	if (width < 64)
		v &= (1ull << width) - 1;
	return v;
}

/* The next k values of the stream, as int64 (two's complement). */
static int delta_get(struct delta_dec *d, int64_t *out, size_t k, const char **why)
{
	uint64_t delta;
	size_t j;
	int rc;

	if (k > d->total - d->done) {
		*why = "DELTA_BINARY_PACKED stream holds fewer values than the page";
		return VO_EFORMAT;
	}
	for (j = 0; j < k; j++) {
		if (d->done == 0) {
			out[j] = (int64_t)d->last;
			d->done++;
			continue;
		}
		if (d->mini_left == 0) {
			rc = delta_next_mini(d, why);
			if (rc)
				return rc;
		}
		delta = 0;
		if (d->width) {
			if (d->mb_bit + d->width > (uint64_t)d->mb_len * 8) {
				*why = "DELTA_BINARY_PACKED miniblock is truncated";
				return VO_EFORMAT;
			}
			delta = read_bits(d->mb, d->mb_len, d->mb_bit, d->width);
			d->mb_bit += d->width;
		}
		d->last += d->min_delta + delta;
		out[j] = (int64_t)d->last;
		d->mini_left--;
		d->done++;
	}
	return VO_OK;
}

/* Where the stream ends: walks its blocks without decoding them. */
static int delta_end(const struct delta_dec *start, const uint8_t **after, const char **why)
{
	struct delta_dec d = *start;
	uint64_t left = d.total ? d.total - 1 : 0;
	uint64_t min_delta;
	uint64_t m;
	size_t bytes;

	while (left) {
		if (delta_varint(&d, &min_delta) || (uint64_t)(d.end - d.p) < d.nmini) {
			*why = "DELTA_BINARY_PACKED block header is truncated";
			return VO_EFORMAT;
		}
		d.widths = d.p;
		d.p += d.nmini;
		for (m = 0; m < d.nmini && left; m++) {
			if (d.widths[m] > 64) {
				*why = "DELTA_BINARY_PACKED bit width above 64";
				return VO_EFORMAT;
			}
			bytes = (size_t)(d.mini_size * d.widths[m] / 8);
			if ((size_t)(d.end - d.p) < bytes) {
				*why = "DELTA_BINARY_PACKED miniblock is truncated";
				return VO_EFORMAT;
			}
			d.p += bytes;
			left -= VO_MIN(left, d.mini_size);
		}
	}
	*after = d.p;
	return VO_OK;
}

/* DELTA_BINARY_PACKED: k INT32 or INT64 values, converted like PLAIN ones. */
static int delta_ints(struct pq_col *c, int64_t *out, size_t k, const char **why)
{
	size_t j;
	int rc = delta_get(&c->dl, out, k, why);

	if (rc)
		return rc;
	if (c->ptype == PQ_INT32) {
		for (j = 0; j < k; j++)
			out[j] = c->conv == CONV_UINT32 ? (int64_t)(uint32_t)out[j]
							: (int64_t)(int32_t)out[j];
	} else {
		convert_unit(c, out, k);
	}
	return VO_OK;
}

/* The next k lengths of c->dl, checked to be in 0..UINT32_MAX, into lens. */
static int delta_lengths(struct delta_dec *d, uint32_t *lens, size_t k, const char **why)
{
	int64_t tmp[256];
	size_t j;
	size_t m;
	int rc;

	while (k) {
		m = VO_MIN(k, VO_ARRAY_SIZE(tmp));
		rc = delta_get(d, tmp, m, why);
		if (rc)
			return rc;
		for (j = 0; j < m; j++) {
			if (tmp[j] < 0 || tmp[j] > UINT32_MAX) {
				*why = "a DELTA byte array length is out of range";
				return VO_EFORMAT;
			}
			lens[j] = (uint32_t)tmp[j];
		}
		lens += m;
		k -= m;
	}
	return VO_OK;
}

/* DELTA_LENGTH_BYTE_ARRAY: k strings viewing the page's data section. */
static int delta_length_strings(struct pq_col *c, struct vo_str *out, size_t k, const char **why)
{
	size_t j;
	int rc = delta_lengths(&c->dl, c->idx, k, why);

	if (rc)
		return rc;
	for (j = 0; j < k; j++) {
		if ((size_t)(c->vend - c->vp) < c->idx[j]) {
			*why = "values run past the end of the page";
			return VO_EFORMAT;
		}
		out[j] = vo_str_make((const char *)c->vp, c->idx[j]);
		c->vp += c->idx[j];
	}
	return VO_OK;
}

/*
 * DELTA_BYTE_ARRAY: k strings, each the previous one's first prefix bytes
 * plus a suffix, built in c->arena (at most VO_PARQUET_DELTA_BATCH_MAX bytes
 * per batch).  Offsets go to c->idx while the arena may still move.
 */
static int delta_byte_strings(struct pq_col *c, struct vo_str *out, size_t k, const char **why)
{
	uint32_t pre[256];
	uint32_t suf[256];
	size_t used;
	size_t prev_off = 0;
	size_t prev_len = c->prev_len;
	size_t need;
	size_t base = 0;
	size_t j;
	size_t m;
	int rc;

	/* The previous batch's last value sits at the arena's start. */
	if (grow_u8(&c->arena, &c->arena_cap, prev_len))
		return VO_ENOMEM;
	if (prev_len)
		memcpy(c->arena, c->prev, prev_len);
	used = prev_len;
	while (base < k) {
		m = VO_MIN(k - base, VO_ARRAY_SIZE(pre));
		rc = delta_lengths(&c->dp, pre, m, why);
		if (rc == VO_OK)
			rc = delta_lengths(&c->dl, suf, m, why);
		if (rc)
			return rc;
		for (j = 0; j < m; j++) {
			if (pre[j] > prev_len) {
				*why = "a DELTA_BYTE_ARRAY prefix is longer than the previous "
				       "value";
				return VO_EFORMAT;
			}
			if ((size_t)(c->vend - c->vp) < suf[j]) {
				*why = "values run past the end of the page";
				return VO_EFORMAT;
			}
			need = (size_t)pre[j] + suf[j];
			if (need > VO_PARQUET_DELTA_BATCH_MAX - used) {
				*why = "DELTA_BYTE_ARRAY values of one batch exceed the limit";
				return VO_ELIMIT;
			}
			if (grow_u8(&c->arena, &c->arena_cap, used + need))
				return VO_ENOMEM;
			memmove(c->arena + used, c->arena + prev_off, pre[j]);
			memcpy(c->arena + used + pre[j], c->vp, suf[j]);
			c->vp += suf[j];
			c->idx[base + j] = (uint32_t)used;
			out[base + j].len = need;
			prev_off = used;
			prev_len = need;
			used += need;
		}
		base += m;
	}
	for (j = 0; j < k; j++)
		out[j].ptr = (const char *)c->arena + c->idx[j];
	if (grow_u8(&c->prev, &c->prev_cap, prev_len))
		return VO_ENOMEM;
	if (prev_len)
		memcpy(c->prev, c->arena + prev_off, prev_len);
	c->prev_len = prev_len;
	return VO_OK;
}

/* Decodes the next n rows of the column's current page into the batch column. */
static int decode_rows(struct vo_parquet_reader *r, struct pq_col *c, size_t n,
		       struct vo_column *out, struct vo_error *err)
{
	const uint8_t *valid = NULL;
	const char *why = NULL;
	size_t k = n;
	uint32_t max = 0;
	size_t j;
	int rc;

	if (c->max_def > 0) {
		rc = read_levels(r, c, n, &k, err);
		if (rc)
			return rc;
		if (k < n)
			valid = c->valid;
	}
	memset(out, 0, sizeof(*out));
	out->type = c->vtype;
	out->scale = c->scale;
	out->valid = valid;
	if (c->dict_coded) {
		if (vo_rle_get_u32(&c->ix, c->idx, k) != VO_OK)
			return col_error(r, c, err, VO_EFORMAT,
					 "page at offset %" PRIu64 ": dictionary indices: %s",
					 c->page_at, c->ix.why ? c->ix.why : "malformed");
		for (j = 0; j < k; j++)
			max = c->idx[j] > max ? c->idx[j] : max;
		if (k && max >= c->dict_n)
			return col_error(r, c, err, VO_EFORMAT,
					 "page at offset %" PRIu64 ": dictionary index %" PRIu32
					 " out of range (the dictionary has %zu entries)",
					 c->page_at, max, c->dict_n);
		if (valid)
			expand_u32(c->idx, valid, n, k);
		out->idx = c->idx;
		out->dict_id = c->dict_id;
		out->nvalues = c->dict_n;
		out->values.str = c->dict;
	} else {
		if (c->encoding == PQ_ENC_RLE) {
			/* RLE booleans: decode into idx, then widen. */
			if (vo_rle_get_u32(&c->ix, c->idx, k) != VO_OK) {
				why = c->ix.why ? c->ix.why : "malformed RLE values";
				rc = VO_EFORMAT;
			} else {
				for (j = 0; j < k; j++)
					((int64_t *)c->vals)[j] = c->idx[j];
				rc = VO_OK;
			}
		} else if (c->encoding == PQ_ENC_BYTE_STREAM_SPLIT) {
			rc = bss_values(c, c->vals, k, &why);
		} else if (c->encoding == PQ_ENC_DELTA_BINARY_PACKED) {
			rc = delta_ints(c, c->vals, k, &why);
		} else if (c->encoding == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY) {
			rc = delta_length_strings(c, c->vals, k, &why);
		} else if (c->encoding == PQ_ENC_DELTA_BYTE_ARRAY) {
			rc = delta_byte_strings(c, c->vals, k, &why);
			if (rc == VO_ENOMEM)
				why = "out of memory";
		} else {
			rc = plain_values(c, &c->vp, c->vend, &c->bit, c->vals, k, &why);
		}
		if (rc)
			return col_error(r, c, err, rc, "page at offset %" PRIu64 ": %s",
					 c->page_at, why);
		if (valid) {
			if (c->vtype == VO_V_STR)
				expand_str(c->vals, valid, n, k);
			else
				expand_u64(c->vals, valid, n, k);
		}
		out->idx = NULL;
		out->nvalues = n;
		out->values.str = c->vals;
	}
	c->page_left -= n;
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* Pages                                                                    */

/* Reads and decodes the page header at c->pos; *hlen is its size. */
static int read_page_header(struct vo_parquet_reader *r, struct pq_col *c,
			    struct pq_page_header *ph, size_t *hlen, struct vo_error *err)
{
	uint64_t avail = c->end - c->pos;
	size_t cap = VO_PARQUET_PAGE_HEADER_MAX;
	size_t want = (size_t)VO_MIN(avail, (uint64_t)PAGE_HEADER_PREFIX);
	struct vo_thrift t;
	int rc;

	for (;;) {
		if (grow_u8(&r->hdr, &r->hdr_cap, want))
			return col_error(r, c, err, VO_ENOMEM,
					 "out of memory reading a page header");
		rc = pq_read_at(r->fd, r->path, c->pos, r->hdr, want, err);
		if (rc)
			return rc;
		vo_thrift_init(&t, r->hdr, want);
		rc = pq_page_header_decode(&t, ph);
		if (rc == VO_OK) {
			*hlen = vo_thrift_offset(&t);
			return VO_OK;
		}
		if (!t.truncated)
			return col_error(r, c, err, rc,
					 "page header at offset %" PRIu64 " is corrupt: %s", c->pos,
					 t.why);
		if (want >= avail)
			return col_error(r, c, err, VO_EFORMAT,
					 "page header at offset %" PRIu64
					 " runs past the end of the column chunk",
					 c->pos);
		if (want >= cap)
			return col_error(r, c, err, VO_ELIMIT,
					 "page header at offset %" PRIu64
					 " is larger than %zu bytes",
					 c->pos, cap);
		want = (size_t)VO_MIN(VO_MIN(avail, (uint64_t)want * 4), (uint64_t)cap);
	}
}

/* Reads the page body at off (len bytes, already checked) into c->raw. */
static int read_body(struct vo_parquet_reader *r, struct pq_col *c, uint64_t off, size_t len,
		     struct vo_error *err)
{
	if (grow_u8(&c->raw, &c->raw_cap, len))
		return col_error(r, c, err, VO_ENOMEM, "out of memory reading a page of %zu bytes",
				 len);
	return pq_read_at(r->fd, r->path, off, c->raw, len, err);
}

/* A page stored uncompressed must store exactly the bytes it declares. */
static int check_stored_size(struct vo_parquet_reader *r, const struct pq_col *c, size_t usize,
			     size_t csize, struct vo_error *err)
{
	if (usize == csize)
		return VO_OK;
	return col_error(r, c, err, VO_EFORMAT,
			 "uncompressed page at offset %" PRIu64
			 " declares %zu bytes but stores %zu",
			 c->page_at, usize, csize);
}

/*
 * Decompresses srclen bytes at src into *dst (grown to dstlen), after checking
 * dstlen against what the codec can produce from srclen bytes.
 */
static int decompress(struct vo_parquet_reader *r, struct pq_col *c, const uint8_t *src,
		      size_t srclen, uint8_t **dst, size_t *dst_cap, size_t dstlen,
		      struct vo_error *err)
{
	struct vo_error e;
	int rc;

	vo_error_clear(&e);
	if (dstlen > vo_codec_max_output(c->codec, srclen))
		return col_error(r, c, err, VO_EFORMAT,
				 "page at offset %" PRIu64 ": %zu compressed bytes cannot "
				 "decompress to the declared %zu",
				 c->page_at, srclen, dstlen);
	if (grow_u8(dst, dst_cap, dstlen))
		return col_error(r, c, err, VO_ENOMEM,
				 "out of memory decompressing a page of %zu bytes", dstlen);
	rc = vo_codec_decompress(r->codec, c->codec, src, srclen, *dst, dstlen, &e);
	if (rc)
		return col_error(r, c, err, rc, "page at offset %" PRIu64 ": %s", c->page_at,
				 e.msg);
	return VO_OK;
}

/*
 * Reads a page body of csize bytes at offset body and makes its usize bytes
 * available at *p: the raw buffer itself when the column is stored
 * uncompressed, else decompressed into *dst (grown to *dst_cap).
 */
static int page_bytes(struct vo_parquet_reader *r, struct pq_col *c, uint64_t body, size_t csize,
		      size_t usize, uint8_t **dst, size_t *dst_cap, const uint8_t **p,
		      struct vo_error *err)
{
	int rc = read_body(r, c, body, csize, err);

	if (rc)
		return rc;
	if (c->codec == VO_CODEC_UNCOMPRESSED) {
		rc = check_stored_size(r, c, usize, csize, err);
		*p = c->raw;
		return rc;
	}
	rc = decompress(r, c, c->raw, csize, dst, dst_cap, usize, err);
	*p = *dst;
	return rc;
}

/*
 * Identities of decoded dictionaries: the batch's dict_id lets the pipeline
 * memoize per dictionary entry, and the dictionary buffer is reused, so every
 * dictionary of every reader in the process gets a new number.
 */
static atomic_uint_fast64_t dict_ids;

/* Smallest PLAIN size of one value, in bits (to bound a dictionary's count). */
static uint64_t min_value_bits(const struct pq_col *c)
{
	if (c->ptype == PQ_BOOLEAN)
		return 1;
	if (c->ptype == PQ_BYTE_ARRAY)
		return 32;
	return (uint64_t)c->width * 8;
}

static int load_dictionary(struct vo_parquet_reader *r, struct pq_col *c,
			   const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	size_t csize = (size_t)ph->compressed_size;
	size_t usize = (size_t)ph->uncompressed_size;
	const uint8_t *p;
	uint8_t *swap;
	size_t swap_cap;
	const char *why = NULL;
	uint64_t bit = 0;
	size_t n;
	int rc;

	if (!ph->has_dict || ph->dict.num_values < 0)
		return col_error(r, c, err, VO_EFORMAT,
				 "dictionary page at offset %" PRIu64 " without a valid header",
				 c->page_at);
	if (ph->dict.encoding != PQ_ENC_PLAIN && ph->dict.encoding != PQ_ENC_PLAIN_DICTIONARY)
		return col_error(r, c, err, VO_EUNSUPPORTED,
				 "dictionary page at offset %" PRIu64 " uses encoding %s (%d)",
				 c->page_at, pq_encoding_name(ph->dict.encoding),
				 ph->dict.encoding);
	n = (size_t)ph->dict.num_values;
	rc = page_bytes(r, c, body, csize, usize, &c->dict_page, &c->dict_page_cap, &p, err);
	if (rc)
		return rc;
	if (p == c->raw) {
		/* Stored uncompressed: the raw buffer becomes the dictionary's; no copy. */
		swap = c->dict_page;
		swap_cap = c->dict_page_cap;
		c->dict_page = c->raw;
		c->dict_page_cap = c->raw_cap;
		c->raw = swap;
		c->raw_cap = swap_cap;
	}
	if (n > (uint64_t)usize * 8 / min_value_bits(c))
		return col_error(r, c, err, VO_EFORMAT,
				 "dictionary page at offset %" PRIu64
				 ": %zu entries cannot fit in %zu bytes",
				 c->page_at, n, usize);
	c->has_dict = false;
	if (grow(&c->dict, &c->dict_cap, n * c->out_size))
		return col_error(r, c, err, VO_ENOMEM,
				 "out of memory for a dictionary of %zu entries", n);
	p = c->dict_page;
	rc = plain_values(c, &p, c->dict_page + usize, &bit, c->dict, n, &why);
	if (rc)
		return col_error(r, c, err, rc, "dictionary page at offset %" PRIu64 ": %s",
				 c->page_at, why);
	c->dict_n = n;
	c->dict_id = atomic_fetch_add(&dict_ids, 1) + 1;
	c->has_dict = true;
	return VO_OK;
}

/* Sets up the values section [p, end) of a data page with nv values. */
static int setup_values(struct vo_parquet_reader *r, struct pq_col *c, int encoding,
			const uint8_t *p, const uint8_t *end, struct vo_error *err)
{
	size_t len = (size_t)(end - p);
	const char *why = NULL;
	uint32_t blen;

	c->encoding = encoding;
	c->dict_coded = false;
	switch (encoding) {
	case PQ_ENC_PLAIN:
		c->vp = p;
		c->vend = end;
		c->bit = 0;
		return VO_OK;
	case PQ_ENC_PLAIN_DICTIONARY:
	case PQ_ENC_RLE_DICTIONARY:
		if (!c->has_dict)
			return col_error(
				r, c, err, VO_EFORMAT,
				"page at offset %" PRIu64
				" is dictionary-encoded but the chunk has no dictionary page",
				c->page_at);
		c->dict_coded = true;
		/* No bit-width byte: only an all-null page can decode (width 1, no data). */
		if (len == 0)
			return vo_rle_init(&c->ix, p, 0, 1);
		if (p[0] > VO_RLE_WIDTH_MAX)
			return col_error(r, c, err, VO_EFORMAT,
					 "page at offset %" PRIu64
					 ": dictionary index width %u > 32",
					 c->page_at, p[0]);
		return vo_rle_init(&c->ix, p + 1, len - 1, p[0]);
	case PQ_ENC_RLE:
		if (c->ptype != PQ_BOOLEAN)
			break;
		if (len < 4 || pq_le32(p) > len - 4)
			return col_error(r, c, err, VO_EFORMAT,
					 "page at offset %" PRIu64 ": RLE values run past the page",
					 c->page_at);
		blen = pq_le32(p);
		return vo_rle_init(&c->ix, p + 4, blen, 1);
	case PQ_ENC_DELTA_BINARY_PACKED:
		if (c->ptype != PQ_INT32 && c->ptype != PQ_INT64)
			break;
		if (delta_init(&c->dl, p, end, &why))
			goto corrupt;
		return VO_OK;
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
	case PQ_ENC_DELTA_BYTE_ARRAY:
		if (c->vtype != VO_V_STR)
			break;
		if (encoding == PQ_ENC_DELTA_BYTE_ARRAY) {
			/* Prefix lengths, then the suffixes as DELTA_LENGTH_BYTE_ARRAY. */
			if (delta_init(&c->dp, p, end, &why) || delta_end(&c->dp, &p, &why))
				goto corrupt;
			c->prev_len = 0;
		}
		if (delta_init(&c->dl, p, end, &why) || delta_end(&c->dl, &c->vp, &why))
			goto corrupt;
		c->vend = end;
		return VO_OK;
	case PQ_ENC_BYTE_STREAM_SPLIT:
		if (c->ptype != PQ_INT32 && c->ptype != PQ_INT64 && c->ptype != PQ_FLOAT &&
		    c->ptype != PQ_DOUBLE)
			break;
		if (len % c->width)
			return col_error(
				r, c, err, VO_EFORMAT,
				"page at offset %" PRIu64
				": BYTE_STREAM_SPLIT data of %zu bytes for %zu-byte values",
				c->page_at, len, c->width);
		c->vp = p;
		c->vend = end;
		c->bss_n = len / c->width;
		c->bss_i = 0;
		return VO_OK;
	default:
		break;
	}
	return col_error(r, c, err, VO_EUNSUPPORTED,
			 "page at offset %" PRIu64
			 ": encoding %s (%d) is not supported for %s values",
			 c->page_at, pq_encoding_name(encoding), encoding, pq_type_name(c->ptype));
corrupt:
	return col_error(r, c, err, VO_EFORMAT, "page at offset %" PRIu64 ": %s", c->page_at, why);
}

/* Checks a data page's value count against the rows the row group still needs. */
static int check_page_values(struct vo_parquet_reader *r, struct pq_col *c, int32_t nv,
			     struct vo_error *err)
{
	if (nv >= 0 && (uint64_t)nv <= r->rg_rows - c->rg_values)
		return VO_OK;
	return col_error(r, c, err, VO_EFORMAT,
			 "data page at offset %" PRIu64 " holds %" PRId32
			 " values, more than the %" PRIu64 " rows left in the row group",
			 c->page_at, nv, r->rg_rows - c->rg_values);
}

static int load_data_v1(struct vo_parquet_reader *r, struct pq_col *c,
			const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	size_t csize = (size_t)ph->compressed_size;
	size_t usize = (size_t)ph->uncompressed_size;
	const uint8_t *p;
	const uint8_t *end;
	uint64_t nv;
	uint32_t len;
	int rc;

	if (!ph->has_data)
		return col_error(r, c, err, VO_EFORMAT,
				 "data page at offset %" PRIu64 " without a data page header",
				 c->page_at);
	rc = check_page_values(r, c, ph->data.num_values, err);
	if (rc)
		return rc;
	nv = (uint64_t)ph->data.num_values;
	if (nv == 0)
		return VO_OK;
	rc = page_bytes(r, c, body, csize, usize, &c->data, &c->data_cap, &p, err);
	if (rc)
		return rc;
	/*
	 * Once a v1 page is decompressed nothing points into its compressed
	 * bytes.  A large buffer is given back rather than kept for the next
	 * page, so that a reader holds one big page, not two (writers such as
	 * DuckDB put a million-row column chunk in one page).
	 */
	if (p != c->raw && c->raw_cap > VO_PARQUET_RAW_KEEP) {
		vo_free(c->raw);
		c->raw = NULL;
		c->raw_cap = 0;
	}
	end = p + usize;
	c->legacy_levels = false;
	if (c->max_def > 0) {
		if (ph->data.def_encoding == PQ_ENC_RLE) {
			if ((size_t)(end - p) < 4 || pq_le32(p) > (size_t)(end - p) - 4)
				return col_error(r, c, err, VO_EFORMAT,
						 "page at offset %" PRIu64
						 ": definition levels run past the page",
						 c->page_at);
			len = pq_le32(p);
			vo_rle_init(&c->def, p + 4, len, 1);
			p += 4 + (size_t)len;
		} else if (ph->data.def_encoding == PQ_ENC_BIT_PACKED) {
			c->legacy_levels = true;
			c->lv = p;
			c->lv_len = (size_t)((nv + 7) / 8);
			c->lv_bit = 0;
			if ((size_t)(end - p) < c->lv_len)
				return col_error(r, c, err, VO_EFORMAT,
						 "page at offset %" PRIu64
						 ": definition levels run past the page",
						 c->page_at);
			p += c->lv_len;
		} else {
			return col_error(r, c, err, VO_EUNSUPPORTED,
					 "page at offset %" PRIu64
					 ": definition level encoding %s (%d) is not supported",
					 c->page_at, pq_encoding_name(ph->data.def_encoding),
					 ph->data.def_encoding);
		}
	}
	rc = setup_values(r, c, ph->data.encoding, p, end, err);
	if (rc)
		return rc;
	c->page_left = nv;
	c->rg_values += nv;
	return VO_OK;
}

static int load_data_v2(struct vo_parquet_reader *r, struct pq_col *c,
			const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	const struct pq_data_page_header_v2 *h = &ph->v2;
	size_t csize = (size_t)ph->compressed_size;
	size_t usize = (size_t)ph->uncompressed_size;
	size_t levels;
	const uint8_t *p;
	size_t vlen;
	uint64_t nv;
	int rc;

	if (!ph->has_v2)
		return col_error(r, c, err, VO_EFORMAT,
				 "data page v2 at offset %" PRIu64 " without its header",
				 c->page_at);
	rc = check_page_values(r, c, h->num_values, err);
	if (rc)
		return rc;
	if (h->num_rows != h->num_values)
		return col_error(r, c, err, VO_EFORMAT,
				 "data page v2 at offset %" PRIu64 " has %" PRId32
				 " rows but %" PRId32 " values in a flat column",
				 c->page_at, h->num_rows, h->num_values);
	if (h->def_len < 0 || h->rep_len < 0 ||
	    (uint64_t)h->def_len + (uint64_t)h->rep_len > VO_MIN(csize, usize))
		return col_error(r, c, err, VO_EFORMAT,
				 "data page v2 at offset %" PRIu64
				 ": level lengths exceed the page size",
				 c->page_at);
	nv = (uint64_t)h->num_values;
	if (nv == 0)
		return VO_OK;
	levels = (size_t)h->def_len + (size_t)h->rep_len;
	rc = read_body(r, c, body, csize, err);
	if (rc)
		return rc;
	vlen = usize - levels;
	if (c->codec == VO_CODEC_UNCOMPRESSED || !h->is_compressed) {
		rc = check_stored_size(r, c, usize, csize, err);
		if (rc)
			return rc;
		p = c->raw + levels;
	} else {
		rc = decompress(r, c, c->raw + levels, csize - levels, &c->data, &c->data_cap, vlen,
				err);
		if (rc)
			return rc;
		p = c->data;
	}
	c->legacy_levels = false;
	if (c->max_def > 0)
		vo_rle_init(&c->def, c->raw + h->rep_len, (size_t)h->def_len, 1);
	rc = setup_values(r, c, h->encoding, p, p + vlen, err);
	if (rc)
		return rc;
	c->page_left = nv;
	c->rg_values += nv;
	return VO_OK;
}

/* Loads pages of the column until one has rows left to hand out. */
static int load_page(struct vo_parquet_reader *r, struct pq_col *c, struct vo_error *err)
{
	struct pq_page_header ph = { 0 };
	size_t hlen = 0;
	uint64_t body;
	int rc;

	while (c->page_left == 0) {
		if (c->pos >= c->end)
			return col_error(r, c, err, VO_EFORMAT,
					 "the column chunk ends after %" PRIu64 " of %" PRIu64
					 " values",
					 c->rg_values, r->rg_rows);
		rc = read_page_header(r, c, &ph, &hlen, err);
		if (rc)
			return rc;
		c->page_at = c->pos;
		body = c->pos + hlen;
		if ((uint64_t)ph.compressed_size > c->end - body)
			return col_error(r, c, err, VO_EFORMAT,
					 "page at offset %" PRIu64 " (%" PRId32
					 " bytes) runs past the end of the column chunk",
					 c->page_at, ph.compressed_size);
		if ((uint64_t)ph.compressed_size > VO_PARQUET_PAGE_MAX ||
		    (uint64_t)ph.uncompressed_size > VO_PARQUET_PAGE_MAX)
			return col_error(r, c, err, VO_ELIMIT,
					 "page at offset %" PRIu64
					 " is larger than the limit of %u bytes",
					 c->page_at, VO_PARQUET_PAGE_MAX);
		c->pos = body + (uint64_t)ph.compressed_size;
		switch (ph.type) {
		case PQ_PAGE_DICTIONARY:
			rc = load_dictionary(r, c, &ph, body, err);
			break;
		case PQ_PAGE_DATA:
			rc = load_data_v1(r, c, &ph, body, err);
			break;
		case PQ_PAGE_DATA_V2:
			rc = load_data_v2(r, c, &ph, body, err);
			break;
		default:
			/* INDEX_PAGE, or a page type from the future: nothing to read. */
			rc = VO_OK;
			break;
		}
		if (rc)
			return rc;
	}
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* Row groups                                                               */

/*
 * Checks a needed column chunk of row group rg against the schema and the
 * file, and computes its byte extent.
 */
static int check_chunk(struct vo_parquet_reader *r, const struct pq_col *c,
		       const struct pq_column_chunk *ch, int64_t rg_rows, uint64_t *start,
		       uint64_t *end, struct vo_error *err)
{
	const struct pq_column_meta *cm = &ch->meta;
	const struct pq_schema_element *se = &r->meta.schema[r->meta.leaves[c->leaf].schema_index];
	uint64_t s = 0;
	uint64_t e = 0;

	if (ch->encrypted)
		return col_error(r, c, err, VO_EUNSUPPORTED, "encrypted columns are not supported");
	if (ch->has_file_path)
		return col_error(r, c, err, VO_EUNSUPPORTED,
				 "column data in another file is not supported");
	if (!ch->has_meta || (cm->seen & PQ_SEEN_META_ALL) != PQ_SEEN_META_ALL)
		return col_error(r, c, err, VO_EFORMAT, "column chunk metadata is missing fields");
	if (cm->type != se->type)
		return col_error(r, c, err, VO_EFORMAT,
				 "column chunk type %s differs from the schema's %s",
				 pq_type_name(cm->type), pq_type_name(se->type));
	if (cm->npath != 1 || !vo_str_eq(cm->path_last, se->name))
		return col_error(r, c, err, VO_EFORMAT,
				 "column chunk path does not match the schema");
	if (!vo_codec_supported(cm->codec))
		return col_error(r, c, err, VO_EUNSUPPORTED,
				 "compression codec %s (%d) is not supported (supported: %s)",
				 vo_codec_name(cm->codec), cm->codec, VO_CODECS_SUPPORTED);
	if (cm->num_values != rg_rows)
		return col_error(r, c, err, VO_EFORMAT,
				 "column chunk has %" PRId64 " values for %" PRId64 " rows",
				 cm->num_values, rg_rows);
	if (cm->dictionary_page_offset >= 4 && cm->dictionary_page_offset < cm->data_page_offset)
		s = (uint64_t)cm->dictionary_page_offset;
	else if (cm->data_page_offset >= 4)
		s = (uint64_t)cm->data_page_offset;
	else
		return col_error(r, c, err, VO_EFORMAT,
				 "column chunk offset %" PRId64 " is invalid",
				 cm->data_page_offset);
	if (cm->total_compressed_size < 0 || (uint64_t)cm->total_compressed_size > r->data_end ||
	    s > r->data_end - (uint64_t)cm->total_compressed_size)
		return col_error(r, c, err, VO_EFORMAT,
				 "column chunk at offset %" PRIu64 " (%" PRId64
				 " bytes) lies outside the file's %" PRIu64 " bytes of pages",
				 s, cm->total_compressed_size, r->data_end);
	e = s + (uint64_t)cm->total_compressed_size;
	*start = s;
	*end = e;
	return VO_OK;
}

/* Decodes the next row group from the footer into r->chunks. */
static int next_row_group(struct vo_parquet_reader *r, struct vo_thrift *t, struct pq_row_group *rg,
			  struct vo_error *err)
{
	int rc;

	rg->chunks = r->chunks;
	rc = pq_row_group_decode(t, r->meta.row_groups_type, rg, r->slot_of_leaf, r->meta.nleaves,
				 VO_COL_COUNT);
	if (rc == VO_OK && rg->ncolumns != r->meta.nleaves)
		rc = vo_thrift_fail(t, "%" PRIu32 " column chunks for %zu schema columns",
				    rg->ncolumns, r->meta.nleaves);
	if (rc)
		return vo_error_at(err, rc, r->path, 0, NULL, "row group %zu: corrupt footer: %s",
				   r->rg, t->why);
	return VO_OK;
}

/* At open: checks every row group, and that their rows add up. */
static int validate_row_groups(struct vo_parquet_reader *r, struct vo_error *err)
{
	struct vo_thrift t;
	struct pq_row_group rg;
	uint64_t total = 0;
	uint64_t s = 0;
	uint64_t e = 0;
	size_t i;
	int k;
	int rc;

	vo_thrift_init(&t, r->meta.footer + r->meta.row_groups_at,
		       r->meta.footer_len - r->meta.row_groups_at);
	for (i = 0; i < r->meta.nrow_groups; i++) {
		r->rg = i;
		rc = next_row_group(r, &t, &rg, err);
		if (rc)
			return rc;
		for (k = 0; k < VO_COL_COUNT; k++) {
			rc = check_chunk(r, &r->cols[k], &r->chunks[k], rg.num_rows, &s, &e, err);
			if (rc)
				return rc;
		}
		if (__builtin_add_overflow(total, (uint64_t)rg.num_rows, &total))
			return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
					   "corrupt footer: row counts overflow");
	}
	r->rg = 0;
	if (total != (uint64_t)r->meta.num_rows)
		return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
				   "corrupt footer: the row groups hold %" PRIu64
				   " rows but the file declares %" PRId64,
				   total, r->meta.num_rows);
	return VO_OK;
}

/*
 * Moves to the next row group (the next one claimed, when shared) and sets up
 * its column chunks.  *none is set when no row group is left.
 */
static int start_row_group(struct vo_parquet_reader *r, bool *none, struct vo_error *err)
{
	struct pq_row_group rg;
	struct pq_col *c;
	uint64_t s = 0;
	uint64_t e = 0;
	size_t want = r->rg_next;
	int k;
	int rc;

	if (r->in_rg)
		r->rows_before += r->rg_rows;
	r->in_rg = false;
	if (r->shared)
		want = atomic_fetch_add(r->shared, 1);
	*none = want >= r->meta.nrow_groups;
	if (*none) {
		r->rg_next = r->meta.nrow_groups;
		return VO_OK;
	}
	/* Another reader took the row groups in between: step over them in the footer. */
	while (r->rg_next < want) {
		r->rg = r->rg_next++;
		rc = next_row_group(r, &r->rg_cursor, &rg, err);
		if (rc)
			return rc;
		r->rows_before += (uint64_t)rg.num_rows;
	}
	r->rg = r->rg_next++;
	rc = next_row_group(r, &r->rg_cursor, &rg, err);
	if (rc)
		return rc;
	r->rg_rows = (uint64_t)rg.num_rows;
	r->rg_done = 0;
	r->in_rg = true;
	for (k = 0; k < VO_COL_COUNT; k++) {
		c = &r->cols[k];
		rc = check_chunk(r, c, &r->chunks[k], rg.num_rows, &s, &e, err);
		if (rc)
			return rc;
		c->codec = r->chunks[k].meta.codec;
		c->pos = s;
		c->end = e;
		c->rg_values = 0;
		c->page_left = 0;
		c->has_dict = false;
		c->dict_n = 0;
	}
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* The public reader                                                        */

/* Matches schema columns to the six logical columns. */
static int map_columns(struct vo_parquet_reader *r, struct vo_error *err)
{
	const struct pq_file_meta *m = &r->meta;
	const struct pq_schema_element *se;
	const struct pq_leaf *leaf;
	bool found[VO_COL_COUNT] = { false };
	const char *why = NULL;
	char *name;
	size_t i;
	int col;
	int rc;

	r->slot_of_leaf = vo_calloc(m->nleaves ? m->nleaves : 1, sizeof(*r->slot_of_leaf));
	if (!r->slot_of_leaf)
		return vo_error_nomem_in(err, r->path);
	/* Direct children of the root that are groups cannot be vouch columns. */
	for (i = 1; i < m->nschema; i++) {
		se = &m->schema[i];
		if (se->depth != 1 || !pq_is_group(se) || vo_col_from_name(se->name) < 0)
			continue;
		name = printable_dup(se->name);
		rc = vo_error_at(err, VO_EUNSUPPORTED, r->path, 0, name ? name : "?",
				 "nested (group) columns are not supported");
		vo_free(name);
		return rc;
	}
	for (i = 0; i < m->nleaves; i++) {
		leaf = &m->leaves[i];
		se = &m->schema[leaf->schema_index];
		col = leaf->top_level ? vo_col_from_name(se->name) : -1;
		r->slot_of_leaf[i] = col;
		if (col < 0)
			continue;
		name = printable_dup(se->name);
		if (!name)
			return vo_error_nomem_in(err, r->path);
		if (found[col]) {
			rc = vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
					 "columns '%s' and '%s' both map to '%s'",
					 r->cols[col].name, name, vo_col_name((enum vo_col)col));
			vo_free(name);
			return rc;
		}
		found[col] = true;
		r->cols[col].name = name;
		r->cols[col].leaf = i;
		if (leaf->max_rep > 0 || se->repetition == PQ_REPEATED)
			return vo_error_at(err, VO_EUNSUPPORTED, r->path, 0, name,
					   "repeated columns are not supported");
		r->cols[col].max_def = leaf->max_def;
		rc = map_type(se, &r->cols[col], &why);
		if (rc)
			return vo_error_at(err, rc, r->path, 0, name,
					   "%s column: %s is not supported", pq_type_name(se->type),
					   why);
	}
	for (col = 0; col < VO_COL_COUNT; col++)
		if (!found[col])
			return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL, "missing column '%s'",
					   vo_col_name((enum vo_col)col));
	return VO_OK;
}

static int alloc_batch_arrays(struct vo_parquet_reader *r, struct vo_error *err)
{
	struct pq_col *c;
	int k;

	for (k = 0; k < VO_COL_COUNT; k++) {
		c = &r->cols[k];
		c->valid = vo_malloc(VO_BATCH_ROWS);
		c->idx = vo_calloc(VO_BATCH_ROWS, sizeof(*c->idx));
		c->vals = vo_calloc(VO_BATCH_ROWS, sizeof(struct vo_str));
		if (!c->valid || !c->idx || !c->vals)
			return vo_error_nomem_in(err, r->path);
	}
	return VO_OK;
}

int vo_parquet_reader_open(struct vo_parquet_reader **out, const char *path, struct vo_error *err)
{
	struct vo_parquet_reader *r;
	int rc = VO_OK;

	*out = NULL;
	r = vo_calloc(1, sizeof(*r));
	if (!r)
		return vo_error_nomem_in(err, path);
	r->fd = -1;
	r->path = vo_strdup(path);
	if (!r->path) {
		rc = vo_error_nomem_in(err, path);
		goto out;
	}
	rc = pq_open_file(path, &r->fd, &r->file_size, err);
	if (rc)
		goto out;
	rc = pq_file_meta_load(&r->meta, r->fd, r->file_size, path, err);
	if (rc)
		goto out;
	if (r->meta.encrypted) {
		rc = vo_error_at(err, VO_EUNSUPPORTED, path, 0, NULL,
				 "encrypted Parquet files are not supported");
		goto out;
	}
	r->data_end = r->file_size - 8 - r->meta.footer_len;
	rc = map_columns(r, err);
	if (rc)
		goto out;
	rc = validate_row_groups(r, err);
	if (rc)
		goto out;
	rc = alloc_batch_arrays(r, err);
	if (rc)
		goto out;
	rc = vo_codec_create(&r->codec, err);
	if (rc) {
		rc = vo_error_nomem_in(err, path);
		goto out;
	}
	vo_thrift_init(&r->rg_cursor, r->meta.footer + r->meta.row_groups_at,
		       r->meta.footer_len - r->meta.row_groups_at);
	*out = r;
	r = NULL;
out:
	vo_parquet_reader_destroy(r);
	return rc;
}

int vo_parquet_reader_next(struct vo_parquet_reader *r, struct vo_batch *batch,
			   struct vo_error *err)
{
	size_t n;
	int k;
	int rc = VO_OK;

	batch->nrows = 0;
	if (r->failed)
		return vo_error_at(err, r->failed, r->path, 0, NULL,
				   "the reader failed earlier and cannot continue");
	while (!r->in_rg || r->rg_done == r->rg_rows) {
		bool none;

		rc = start_row_group(r, &none, err);
		if (rc)
			goto out;
		if (none)
			return VO_OK;
	}
	batch->first_row = r->rows_before + r->rg_done + 1;
	n = (size_t)VO_MIN((uint64_t)VO_BATCH_ROWS, r->rg_rows - r->rg_done);
	for (k = 0; k < VO_COL_COUNT; k++) {
		rc = load_page(r, &r->cols[k], err);
		if (rc)
			goto out;
		n = (size_t)VO_MIN((uint64_t)n, r->cols[k].page_left);
	}
	for (k = 0; k < VO_COL_COUNT; k++) {
		rc = decode_rows(r, &r->cols[k], n, &batch->col[k], err);
		if (rc)
			goto out;
	}
	batch->nrows = n;
	r->rows_done += n;
	r->rg_done += n;
out:
	if (rc) {
		r->failed = rc;
		batch->nrows = 0;
	}
	return rc;
}

int vo_parquet_reader_scan(struct vo_parquet_reader *r, uint64_t *pages, struct vo_error *err)
{
	int rc = VO_OK;

	for (;;) {
		bool none;

		rc = start_row_group(r, &none, err);
		if (rc || none)
			break;
		for (int k = 0; k < VO_COL_COUNT && !rc; k++) {
			struct pq_col *c = &r->cols[k];

			while (!rc && c->rg_values < r->rg_rows) {
				rc = load_page(r, c, err);
				c->page_left = 0; /* skip the values: next page */
				(*pages)++;
			}
		}
		r->rg_done = r->rg_rows;
		if (rc)
			break;
	}
	if (rc)
		r->failed = rc;
	return rc;
}

void vo_parquet_reader_share(struct vo_parquet_reader *r, atomic_size_t *next)
{
	r->shared = next;
}

size_t vo_parquet_reader_num_row_groups(const struct vo_parquet_reader *r)
{
	return r->meta.nrow_groups;
}

uint64_t vo_parquet_reader_num_rows(const struct vo_parquet_reader *r)
{
	return (uint64_t)r->meta.num_rows;
}

void vo_parquet_reader_destroy(struct vo_parquet_reader *r)
{
	struct pq_col *c;
	int k;

	if (!r)
		return;
	for (k = 0; k < VO_COL_COUNT; k++) {
		c = &r->cols[k];
		vo_free(c->name);
		vo_free(c->dict);
		vo_free(c->dict_page);
		vo_free(c->raw);
		vo_free(c->data);
		vo_free(c->prev);
		vo_free(c->arena);
		vo_free(c->valid);
		vo_free(c->idx);
		vo_free(c->vals);
	}
	if (r->fd >= 0)
		close(r->fd);
	vo_codec_destroy(r->codec);
	vo_free(r->hdr);
	vo_free(r->slot_of_leaf);
	pq_file_meta_release(&r->meta);
	vo_free(r->path);
	vo_free(r);
}
