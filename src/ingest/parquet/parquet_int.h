/*
 * parquet_int.h - private structures of the Parquet reader.
 *
 * These mirror the parts of parquet.thrift (apache/parquet-format) that the
 * reader uses: the footer's FileMetaData with its schema and row groups, the
 * column chunk metadata, and page headers.  Strings are views into the footer
 * buffer that owns them.  Enum values are the format's own numbers.
 *
 * Then the reader's own state, shared by its files, which alone include this
 * header (nothing outside ingest/parquet/ may: scripts/check-includes.sh;
 * the fuzz targets go through parquet_fuzz.h):
 *
 *   metadata.c      the footer and every Thrift struct (page headers too)
 *   parquet.c       the reader: columns mapped, row groups, batches
 *   page.c          a column chunk's pages: read, decompress, set up, decode rows
 *   decode_plain.c  PLAIN and BYTE_STREAM_SPLIT values, and conversions
 *   decode_delta.c  the DELTA encodings
 *   inspect.c       `vouch inspect` of a Parquet file
 *
 * Names here use the private prefix pq_ rather than vo_.
 */
#ifndef VO_INGEST_PARQUET_PARQUET_INT_H
#define VO_INGEST_PARQUET_PARQUET_INT_H

#include "core/common.h"

#include <string.h>

#include <stdatomic.h>

#include "core/err.h"
#include "core/str.h"
#include "ingest/batch.h"
#include "ingest/codec.h"
#include "ingest/parquet/parquet.h"
#include "ingest/parquet/rle.h"
#include "ingest/parquet/thrift.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the Parquet reader assumes a little-endian host (Parquet's PLAIN values are little-endian)"
#endif

/* Physical types (Type). */
enum pq_type {
	PQ_BOOLEAN = 0,
	PQ_INT32 = 1,
	PQ_INT64 = 2,
	PQ_INT96 = 3,
	PQ_FLOAT = 4,
	PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6,
	PQ_FIXED_LEN_BYTE_ARRAY = 7,
	PQ_TYPE_COUNT
};

/* ConvertedType, the deprecated annotation most writers still set. */
enum pq_converted {
	PQ_CT_UTF8 = 0,
	PQ_CT_MAP = 1,
	PQ_CT_MAP_KEY_VALUE = 2,
	PQ_CT_LIST = 3,
	PQ_CT_ENUM = 4,
	PQ_CT_DECIMAL = 5,
	PQ_CT_DATE = 6,
	PQ_CT_TIME_MILLIS = 7,
	PQ_CT_TIME_MICROS = 8,
	PQ_CT_TIMESTAMP_MILLIS = 9,
	PQ_CT_TIMESTAMP_MICROS = 10,
	PQ_CT_UINT_8 = 11,
	PQ_CT_UINT_16 = 12,
	PQ_CT_UINT_32 = 13,
	PQ_CT_UINT_64 = 14,
	PQ_CT_INT_8 = 15,
	PQ_CT_INT_16 = 16,
	PQ_CT_INT_32 = 17,
	PQ_CT_INT_64 = 18,
	PQ_CT_JSON = 19,
	PQ_CT_BSON = 20,
	PQ_CT_INTERVAL = 21,
	PQ_CT_COUNT
};

/* LogicalType union members, numbered by their field ids. */
enum pq_logical_kind {
	PQ_LT_NONE = 0,
	PQ_LT_STRING = 1,
	PQ_LT_MAP = 2,
	PQ_LT_LIST = 3,
	PQ_LT_ENUM = 4,
	PQ_LT_DECIMAL = 5,
	PQ_LT_DATE = 6,
	PQ_LT_TIME = 7,
	PQ_LT_TIMESTAMP = 8,
	PQ_LT_INTEGER = 10,
	PQ_LT_UNKNOWN = 11, /* the NullType: every value is null */
	PQ_LT_JSON = 12,
	PQ_LT_BSON = 13,
	PQ_LT_UUID = 14,
	PQ_LT_FLOAT16 = 15,
	PQ_LT_VARIANT = 16,
	PQ_LT_GEOMETRY = 17,
	PQ_LT_GEOGRAPHY = 18,
	PQ_LT_OTHER = 99, /* a member this reader does not know */
};

/* TimeUnit union members. */
enum pq_time_unit {
	PQ_UNIT_NONE = 0,
	PQ_UNIT_MILLIS = 1,
	PQ_UNIT_MICROS = 2,
	PQ_UNIT_NANOS = 3,
};

/* FieldRepetitionType. */
enum pq_repetition {
	PQ_REQUIRED = 0,
	PQ_OPTIONAL = 1,
	PQ_REPEATED = 2,
};

/* Encoding. */
enum pq_encoding {
	PQ_ENC_PLAIN = 0,
	PQ_ENC_PLAIN_DICTIONARY = 2,
	PQ_ENC_RLE = 3,
	PQ_ENC_BIT_PACKED = 4,
	PQ_ENC_DELTA_BINARY_PACKED = 5,
	PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	PQ_ENC_DELTA_BYTE_ARRAY = 7,
	PQ_ENC_RLE_DICTIONARY = 8,
	PQ_ENC_BYTE_STREAM_SPLIT = 9,
};

/* PageType. */
enum pq_page_type {
	PQ_PAGE_DATA = 0,
	PQ_PAGE_INDEX = 1,
	PQ_PAGE_DICTIONARY = 2,
	PQ_PAGE_DATA_V2 = 3,
};

struct pq_logical_type {
	int kind;	   /* enum pq_logical_kind */
	int unit;	   /* TIMESTAMP and TIME: enum pq_time_unit */
	bool utc;	   /* TIMESTAMP and TIME: isAdjustedToUTC */
	int32_t scale;	   /* DECIMAL */
	int32_t precision; /* DECIMAL */
	int bit_width;	   /* INTEGER */
	bool is_signed;	   /* INTEGER */
};

struct pq_schema_element {
	struct vo_str name;		/* the element's name (a view into the footer) */
	int type;			/* enum pq_type, or -1 when absent (a group) */
	int32_t type_length;		/* FIXED_LEN_BYTE_ARRAY width, -1 when absent */
	int repetition;			/* enum pq_repetition, or -1 when absent */
	int32_t num_children;		/* -1 when absent */
	int converted;			/* enum pq_converted, or -1 when absent */
	int32_t scale;			/* DECIMAL scale, -1 when absent */
	int32_t precision;		/* DECIMAL precision, -1 when absent */
	struct pq_logical_type logical; /* kind PQ_LT_NONE when absent */
	uint32_t depth;			/* 0 for the root, 1 for flat columns */
};

/* A leaf of the schema tree, in the order column chunks are stored. */
struct pq_leaf {
	size_t schema_index; /* its element in pq_file_meta.schema */
	bool top_level;	     /* a direct child of the root (a flat column) */
	int max_def;	     /* maximum definition level */
	int max_rep;	     /* maximum repetition level */
};

/* Encodings kept per column chunk (for inspect); real chunks list 2 to 4. */
#define PQ_ENCODINGS_KEPT 16

struct pq_column_meta {
	int type;			      /* enum pq_type */
	uint8_t encodings[PQ_ENCODINGS_KEPT]; /* the first encodings listed */
	uint32_t nencodings;		      /* encodings listed (may exceed those kept) */
	struct vo_str path_last;	      /* last element of path_in_schema */
	uint32_t npath;			      /* elements in path_in_schema */
	int codec;			      /* enum vo_codec_id */
	int64_t num_values;		      /* values, nulls included */
	int64_t total_uncompressed_size;      /* bytes of all pages, headers included */
	int64_t total_compressed_size;	      /* bytes of all pages as stored */
	int64_t data_page_offset;	      /* file offset of the first data page */
	int64_t index_page_offset;	      /* -1 when absent */
	int64_t dictionary_page_offset;	      /* -1 when absent */
	uint32_t seen;			      /* PQ_SEEN_* bits of required fields read */
};

#define PQ_SEEN_TYPE (1u << 0)
#define PQ_SEEN_CODEC (1u << 1)
#define PQ_SEEN_NUM_VALUES (1u << 2)
#define PQ_SEEN_UNCOMPRESSED_SIZE (1u << 3)
#define PQ_SEEN_COMPRESSED_SIZE (1u << 4)
#define PQ_SEEN_DATA_OFFSET (1u << 5)
#define PQ_SEEN_META_ALL                                                                 \
	(PQ_SEEN_TYPE | PQ_SEEN_CODEC | PQ_SEEN_NUM_VALUES | PQ_SEEN_UNCOMPRESSED_SIZE | \
	 PQ_SEEN_COMPRESSED_SIZE | PQ_SEEN_DATA_OFFSET)

struct pq_column_chunk {
	bool has_file_path;	    /* data lives in another file (unsupported) */
	bool encrypted;		    /* crypto_metadata or encrypted_column_metadata set */
	bool has_meta;		    /* meta_data present */
	struct pq_column_meta meta; /* valid when has_meta */
};

struct pq_row_group {
	int64_t num_rows;		/* rows in the row group */
	int64_t total_byte_size;	/* uncompressed bytes of its column data, -1 if absent */
	uint32_t ncolumns;		/* column chunks listed */
	struct pq_column_chunk *chunks; /* the kept chunks, owned by the caller */
};

struct pq_file_meta {
	uint8_t *footer;		  /* the FileMetaData bytes; owns all views */
	size_t footer_len;		  /* bytes in footer */
	int32_t version;		  /* format version, 0 when absent */
	struct pq_schema_element *schema; /* depth-first schema, root first */
	size_t nschema;			  /* elements in schema */
	int64_t num_rows;		  /* rows in the file */
	struct vo_str created_by;	  /* writer, empty when absent */
	bool encrypted;			  /* encryption_algorithm present */
	size_t nrow_groups;		  /* row groups listed */
	size_t row_groups_at;		  /* footer offset of the first RowGroup */
	int row_groups_type;		  /* wire type of the list's elements */
	struct pq_leaf *leaves;		  /* the schema's leaves, in column order */
	size_t nleaves;			  /* entries in leaves */
};

struct pq_data_page_header {
	int32_t num_values; /* values, nulls included */
	int encoding;	    /* enum pq_encoding of the values */
	int def_encoding;   /* encoding of the definition levels */
	int rep_encoding;   /* encoding of the repetition levels */
};

struct pq_dict_page_header {
	int32_t num_values; /* entries in the dictionary */
	int encoding;	    /* PLAIN or PLAIN_DICTIONARY: both mean plain values */
};

struct pq_data_page_header_v2 {
	int32_t num_values; /* values, nulls included */
	int32_t num_nulls;  /* nulls */
	int32_t num_rows;   /* rows (equal to num_values for flat columns) */
	int encoding;	    /* enum pq_encoding of the values */
	int32_t def_len;    /* bytes of definition levels (never compressed) */
	int32_t rep_len;    /* bytes of repetition levels (never compressed) */
	bool is_compressed; /* whether the values section is compressed */
};

struct pq_page_header {
	int type;		   /* enum pq_page_type */
	int32_t uncompressed_size; /* bytes after decompression, header excluded */
	int32_t compressed_size;   /* bytes stored after the header */
	bool has_data;		   /* data_page_header present */
	bool has_dict;		   /* dictionary_page_header present */
	bool has_v2;		   /* data_page_header_v2 present */
	struct pq_data_page_header data;
	struct pq_dict_page_header dict;
	struct pq_data_page_header_v2 v2;
};

/* Little-endian loads from unaligned bytes. */
static inline uint32_t pq_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint64_t pq_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A group node of the schema: no physical type, or children. */
static inline bool pq_is_group(const struct pq_schema_element *se)
{
	return se->type < 0 || se->num_children > 0;
}

/*
 * Opens path for reading and sets *size to its size.  *fd is the open file
 * (the caller closes it, even on failure) or -1.  Errors, which name the
 * file: VO_ENOTFOUND, VO_EIO (also for anything but a regular file).
 */
int pq_open_file(const char *path, int *fd, uint64_t *size, struct vo_error *err);

/*
 * Reads exactly len bytes at offset off of the open file fd into buf.  A
 * short read means the file shrank while open: VO_EIO, like a failed read,
 * with a message naming path and the offset.
 */
int pq_read_at(int fd, const char *path, uint64_t off, void *buf, size_t len, struct vo_error *err);

/*
 * Reads the footer of the open file fd of size bytes (named path in
 * messages) into *m, which is cleared first: checks the "PAR1" magic at both
 * ends and the footer length against the file, decodes the FileMetaData
 * (locating the row groups and checking their syntax, without keeping them)
 * and lists the schema's leaves.  *m owns the footer bytes and arrays
 * afterwards, even on failure: release it with pq_file_meta_release().
 * Errors: VO_EIO, VO_EFORMAT ("not a Parquet file ...", "corrupt footer:
 * ..."), VO_EUNSUPPORTED (an encrypted footer), VO_ELIMIT (footer, schema or
 * row group count above core/limits.h), VO_ENOMEM.
 */
int pq_file_meta_load(struct pq_file_meta *m, int fd, uint64_t size, const char *path,
		      struct vo_error *err);

/* Frees what *m owns and clears it.  A cleared *m is a no-op. */
void pq_file_meta_release(struct pq_file_meta *m);

/*
 * Decodes the RowGroup at t, announced with wire type type (the row group
 * list's element type).  Column chunk i < nleaves is decoded into slot
 * slot_of_leaf[i] of rg->chunks, or slot i when slot_of_leaf is NULL, if the
 * slot is in 0..nslots-1; other chunks are skipped.  rg->chunks (nslots
 * entries, owned by the caller) is cleared first.  Fails like the other
 * Thrift decoders, with t->why set, also for a row group without num_rows or
 * columns, or with negative num_rows.
 */
int pq_row_group_decode(struct vo_thrift *t, int type, struct pq_row_group *rg,
			const int *slot_of_leaf, size_t nleaves, size_t nslots);

/*
 * Decodes a PageHeader at t into *ph (cleared first).  Fails with t->why set,
 * and t->truncated when more bytes might help, also for a header without its
 * type or sizes, or with a negative size.
 */
int pq_page_header_decode(struct vo_thrift *t, struct pq_page_header *ph);

/* Names of a physical type and an encoding, "UNKNOWN" for other values. */
const char *pq_type_name(int type);
const char *pq_encoding_name(int e);

/* ------------------------------------------------------------------------ */
/* The reader's state (parquet.c, page.c, decode_*.c)                       */

/* How a column's stored values become batch values. */
enum pq_conv {
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
struct pq_delta {
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
	enum pq_conv conv;   /* value conversion */
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
	struct pq_delta dl;  /* DELTA_*: values, lengths or suffix lengths */
	struct pq_delta dp;  /* DELTA_BYTE_ARRAY: prefix lengths */
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
	size_t rg_first;	    /* row groups before it are not read (a shard's share) */
	size_t rg_end;		    /* nor it and those after (nrow_groups unless limited) */
	int failed;		    /* first error of next(), sticky */
};

/* Grows *buf to at least need bytes (at least 1), geometrically; never shrinks.  VO_ENOMEM. */
int pq_grow(void **buf, size_t *cap, size_t need);
int pq_grow_u8(uint8_t **buf, size_t *cap, size_t need);

/* "PATH: column 'NAME': row group G: MESSAGE"; returns code. */
int pq_col_error(struct vo_parquet_reader *r, const struct pq_col *c, struct vo_error *err,
		 int code, const char *fmt, ...) VO_PRINTF(5, 6);

/*
 * Loads pages of column c until one has rows left to hand out (page.c):
 * dictionary pages are decoded, index pages skipped.  Errors name the page.
 */
int pq_load_page(struct vo_parquet_reader *r, struct pq_col *c, struct vo_error *err);

/* Decodes the next n rows of c's current page into the batch column out (page.c). */
int pq_decode_rows(struct vo_parquet_reader *r, struct pq_col *c, size_t n, struct vo_column *out,
		   struct vo_error *err);

/*
 * Value decoders (decode_plain.c, decode_delta.c).  Each decodes k values
 * into out as batch values of c's type, advancing the page's cursor, and
 * fails with *why set: VO_EFORMAT (values run past the page, a corrupt
 * stream), VO_EUNSUPPORTED (a DECIMAL past int64), VO_ELIMIT, VO_ENOMEM.
 */
int pq_plain_values(const struct pq_col *c, const uint8_t **pp, const uint8_t *end, uint64_t *bit,
		    void *out, size_t k, const char **why);
int pq_bss_values(struct pq_col *c, void *out, size_t k, const char **why);
int pq_delta_ints(struct pq_col *c, int64_t *out, size_t k, const char **why);
int pq_delta_length_strings(struct pq_col *c, struct vo_str *out, size_t k, const char **why);
int pq_delta_byte_strings(struct pq_col *c, struct vo_str *out, size_t k, const char **why);

/* Timestamps in milliseconds or nanoseconds to microseconds, k values in place. */
void pq_convert_unit(const struct pq_col *c, int64_t *v, size_t k);

/* Reads a DELTA_BINARY_PACKED stream's header at [p, end) into *d. */
int pq_delta_init(struct pq_delta *d, const uint8_t *p, const uint8_t *end, const char **why);

/* Where the stream d starts ends: walks its blocks without decoding them. */
int pq_delta_end(const struct pq_delta *d, const uint8_t **after, const char **why);

#endif
