/*
 * parquet_writer.h - a Parquet writer for the unit tests, written from the
 * format's documents (parquet.thrift, Encodings.md) and independent of the
 * reader under test: a byte buffer, a Thrift compact encoder, the RLE /
 * bit-packed hybrid, DELTA_BINARY_PACKED, and a generator of whole files
 * (struct gfile) whose every value follows from its row, so a test can check
 * what the reader hands out value by value, and which can plant one defect
 * (enum quirk) to check the reader's error.  Everything fails the running
 * cmocka test on a broken assumption; nothing here returns an error.
 */
#ifndef VO_TESTS_PARQUET_WRITER_H
#define VO_TESTS_PARQUET_WRITER_H

#include "core/common.h"

/* A growable byte buffer (malloc'd; bb_free() releases it). */
struct bb {
	uint8_t *p;
	size_t len;
	size_t cap;
};

/* Thrift compact protocol types, and a struct writer that tracks field ids. */
enum { T_TRUE = 1, T_FALSE = 2, T_I32 = 5, T_I64 = 6, T_BIN = 8, T_LIST = 9, T_STRUCT = 12 };

struct tw {
	struct bb *b;
	int last[32];
	int depth;
};

/* The generator: physical types, encodings, converted and logical types, units. */
enum { P_BOOLEAN, P_INT32, P_INT64, P_INT96, P_FLOAT, P_DOUBLE, P_BYTE_ARRAY, P_FLBA };

enum {
	E_PLAIN = 0,
	E_PLAIN_DICT = 2,
	E_RLE = 3,
	E_DELTA_BP = 5,
	E_DELTA_LBA = 6,
	E_DELTA_BA = 7,
	E_RLE_DICT = 8,
	E_BSS = 9,
};

enum { CT_NONE = -1, CT_UTF8 = 0, CT_DECIMAL = 5, CT_DATE = 6, CT_TS_MILLIS = 9, CT_UINT32 = 13 };

enum { LT_NONE = 0, LT_STRING = 1, LT_DECIMAL = 5, LT_DATE = 6, LT_TIMESTAMP = 8 };

enum { U_MILLIS = 1, U_MICROS = 2, U_NANOS = 3 };

/* Deliberate defects, each in column quirk_col. */
enum quirk {
	Q_NONE,
	Q_SHORT_PAGES,	/* pages hold one row fewer than the chunk declares */
	Q_BAD_INDEX,	/* a dictionary index equal to the dictionary size */
	Q_SNAPPY,	/* the chunk claims SNAPPY for GZIP data */
	Q_LZO,		/* the chunk claims LZO, which vouch does not decode */
	Q_SHRINK_CHUNK, /* total_compressed_size cut so the last page overruns */
	Q_ENCRYPTED,	/* FileMetaData.encryption_algorithm set */
	Q_NUM_VALUES,	/* ColumnMetaData.num_values off by one */
	Q_ROWS,		/* FileMetaData.num_rows off by one */
	Q_WRONG_TYPE,	/* ColumnMetaData.type differs from the schema */
	Q_REPEATED,	/* the column is REPEATED */
	Q_NESTED,	/* the column is a group with one child */
	Q_BIG_DICT,	/* the dictionary header claims more entries than fit */
};

/* One column of a generated file. */
struct gcol {
	const char *name;
	int ptype;
	int converted;	 /* CT_* or CT_NONE */
	int logical;	 /* LT_* */
	int unit;	 /* U_* for LT_TIMESTAMP */
	int scale;	 /* DECIMAL */
	int type_length; /* FLBA */
	bool optional;
	int null_every; /* rows with row % null_every == 1 are null; 0: none */
	int page_rows;	/* rows per data page */
	int encs[4];	/* encodings of successive pages, cycled */
	int nencs;
	bool v2;	 /* data pages v2 */
	int codec;	 /* 0 UNCOMPRESSED, 2 GZIP */
	int card;	 /* distinct values */
	bool in_group;	 /* the leaf sits in a group (a nested column) */
	bool bit_packed; /* v1 definition levels in the old BIT_PACKED encoding */
};

/* A generated file: columns, rows, row group size, and at most one defect. */
struct gfile {
	const struct gcol *cols;
	size_t ncols;
	uint64_t nrows;
	uint64_t rg_rows;
	enum quirk quirk;
	size_t quirk_col;
};

/* The byte buffer: appends (growing it), little-endian, varint; zz is zigzag. */
void bb_put(struct bb *b, const void *d, size_t n);
void bb_u8(struct bb *b, unsigned v);
void bb_le32(struct bb *b, uint32_t v);
void bb_varint(struct bb *b, uint64_t v);
uint64_t zz(int64_t v);
void bb_free(struct bb *b);

/*
 * The Thrift compact writer: a field of each type (delta-encoded ids), a
 * struct opened as a field (tw_struct) or as a list element (tw_elem) and
 * closed with tw_end, and a list header.
 */
void tw_field(struct tw *w, int id, int type);
void tw_i32(struct tw *w, int id, int64_t v);
void tw_i64(struct tw *w, int id, int64_t v);
void tw_bin(struct tw *w, int id, const void *p, size_t n);
void tw_str(struct tw *w, int id, const char *s);
void tw_bool(struct tw *w, int id, bool v);
void tw_struct(struct tw *w, int id);
void tw_elem(struct tw *w);
void tw_end(struct tw *w);
void tw_list(struct tw *w, int id, int etype, size_t n);

/*
 * The generated values: row's key decides everything (is_null, the string,
 * integer, double or INT96 of the key, the fixed-width PLAIN bytes of one
 * value of value_size() bytes).
 */
uint32_t key_of(const struct gcol *c, uint64_t row);
bool is_null(const struct gcol *c, uint64_t row);
size_t str_of(const struct gcol *c, uint32_t k, char *buf); /* returns the length */
int64_t int_of(const struct gcol *c, uint32_t k);
double dbl_of(const struct gcol *c, uint32_t k);
void int96_of(uint32_t k, uint8_t out[12]);
size_t value_size(const struct gcol *c);
void fixed_of(const struct gcol *c, uint32_t k, uint8_t *out);

/* Bits needed for values up to max. */
unsigned bit_width(uint64_t max);

/* A bit-packed run of the RLE hybrid: n values LSB first, padded to groups of 8. */
void put_packed_run(struct bb *b, const uint64_t *v, size_t n, unsigned width);

/* An RLE run of the hybrid: count copies of value, in (width + 7) / 8 little-endian bytes. */
void put_rle_run(struct bb *b, uint64_t count, uint64_t value, unsigned width);

/* The RLE hybrid: RLE runs for repeats of 8 or more (unless packed_only), bit-packed otherwise. */
void put_hybrid(struct bb *b, const uint64_t *v, size_t n, unsigned width, bool packed_only);

/* DELTA_BINARY_PACKED of n values: blocks of 128, 4 miniblocks of 32. */
void put_delta(struct bb *b, const int64_t *v, size_t n);

/* Writes the whole file described by f into out. */
void gen_file(const struct gfile *f, struct bb *out);

/* gen_file() into vo_test_dir/name; the file's path goes to path (len bytes). */
void make_file(const struct gfile *f, const char *name, char *path, size_t len);

#endif
