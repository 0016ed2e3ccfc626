/*
 * thrift.h - a bounded decoder for the Thrift compact protocol.
 *
 * Parquet stores its footer (FileMetaData) and every page header in the
 * Thrift compact protocol.  This is the small subset of a Thrift library that
 * a reader needs, written around a bounded cursor: every read checks the
 * remaining bytes first, every declared length or count is checked against
 * them before it is used, and nesting (structs, lists, maps) is limited to
 * VO_THRIFT_DEPTH_MAX so a hostile input cannot exhaust the stack.
 *
 * A struct is decoded by vo_thrift_struct_each(), which walks its fields and
 * hands each to a callback of the caller; fields the callback does not know
 * are skipped:
 *
 *	static int field(struct vo_thrift *t, void *ctx, int16_t id, int type)
 *	{
 *		struct thing *x = ctx;
 *
 *		switch (id) {
 *		case 1:
 *			return vo_thrift_int(t, type, 0, 7, &x->v);
 *		default:
 *			return VO_THRIFT_SKIP;
 *		}
 *	}
 *	...
 *	rc = vo_thrift_struct_each(t, type, field, &thing);
 *
 * Every function returns VO_OK or VO_EFORMAT (malformed or truncated input,
 * or a value out of the caller's range) or VO_ELIMIT (nesting too deep).  The
 * first failure is described in t->why with the byte offset where it happened;
 * t->truncated tells a caller that more bytes might have made the read succeed
 * (the Parquet reader uses it to grow its page header buffer).  The cursor
 * never owns the bytes it reads and allocates nothing.
 */
#ifndef VO_INGEST_PARQUET_THRIFT_H
#define VO_INGEST_PARQUET_THRIFT_H

#include "core/common.h"

#include "core/str.h"

/* Wire types of the compact protocol (a field header's low nibble). */
enum vo_thrift_type {
	VO_THRIFT_STOP = 0,    /* end of a struct's fields */
	VO_THRIFT_TRUE = 1,    /* bool field whose value is true (no payload) */
	VO_THRIFT_FALSE = 2,   /* bool field whose value is false (no payload) */
	VO_THRIFT_I8 = 3,      /* one raw byte */
	VO_THRIFT_I16 = 4,     /* zigzag varint */
	VO_THRIFT_I32 = 5,     /* zigzag varint */
	VO_THRIFT_I64 = 6,     /* zigzag varint */
	VO_THRIFT_DOUBLE = 7,  /* 8 bytes, little-endian */
	VO_THRIFT_BINARY = 8,  /* varint length, then the bytes */
	VO_THRIFT_LIST = 9,    /* size and element type, then the elements */
	VO_THRIFT_SET = 10,    /* same wire form as a list */
	VO_THRIFT_MAP = 11,    /* varint size, key and value types, then pairs */
	VO_THRIFT_STRUCT = 12, /* fields until a STOP byte */
	VO_THRIFT_UUID = 13,   /* 16 raw bytes */
};

struct vo_thrift {
	const uint8_t *start; /* first byte of the input (for offsets in messages) */
	const uint8_t *p;     /* next byte to read */
	const uint8_t *end;   /* one past the last readable byte */
	unsigned depth;	      /* current nesting of structs, lists and maps */
	int16_t field;	      /* id of the last field header read (for messages) */
	bool truncated;	      /* the first failure was a read past the end */
	char why[160];	      /* the first failure, "" while there is none */
};

/* Starts a cursor over len bytes at p.  The bytes must outlive the cursor. */
void vo_thrift_init(struct vo_thrift *t, const uint8_t *p, size_t len);

/* Bytes consumed so far. */
static inline size_t vo_thrift_offset(const struct vo_thrift *t)
{
	return (size_t)(t->p - t->start);
}

/* Bytes not yet consumed. */
static inline size_t vo_thrift_remaining(const struct vo_thrift *t)
{
	return (size_t)(t->end - t->p);
}

/*
 * Records a failure (only the first one is kept) and returns VO_EFORMAT.
 * Decoders of Parquet structs use it for semantic errors such as a missing
 * required field, so the cursor holds the one description of what went wrong.
 */
void vo_thrift_vfail(struct vo_thrift *t, const char *fmt, va_list ap);

/* Records why decoding failed (see above) and returns VO_EFORMAT.  Inline so
 * that static analyzers see the result is never VO_OK. */
static inline VO_PRINTF(2, 3) int vo_thrift_fail(struct vo_thrift *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vo_thrift_vfail(t, fmt, ap);
	va_end(ap);
	return VO_EFORMAT;
}

/* An unsigned LEB128 varint of at most 10 bytes that fits in 64 bits. */
int vo_thrift_varint(struct vo_thrift *t, uint64_t *v);

/*
 * Enters a struct: counts one level of nesting (VO_ELIMIT past
 * VO_THRIFT_DEPTH_MAX).  type is the wire type the value was announced with
 * (a field's type or a list's element type) and must be VO_THRIFT_STRUCT.
 * Each successful begin is paired with vo_thrift_struct_end().  Decoders
 * usually let vo_thrift_struct_each() (below) do both, and the field loop.
 */
int vo_thrift_struct_begin(struct vo_thrift *t, int type);
void vo_thrift_struct_end(struct vo_thrift *t);

/*
 * Reads the next field header of the current struct.  *last_id is the id of
 * the previous field (0 at the start of a struct) and is updated, as the
 * compact protocol encodes ids as deltas.  At the end of the struct *type is
 * VO_THRIFT_STOP and *id is 0.
 */
int vo_thrift_field(struct vo_thrift *t, int16_t *last_id, int *type, int16_t *id);

/*
 * What a field callback of vo_thrift_struct_each() returns for a field it
 * does not read, to have the field's value skipped.  It is positive, so it
 * never equals VO_OK or an error code.
 */
#define VO_THRIFT_SKIP 1

/*
 * A field callback of vo_thrift_struct_each(): reads the value of field id,
 * announced with wire type type, into ctx (the caller's decoding target), or
 * returns VO_THRIFT_SKIP to leave it unread.  It returns VO_OK, an error code
 * (which stops the walk), or VO_THRIFT_SKIP.  A callback that rejects a value
 * for a reason of its own says why with vo_thrift_fail().
 */
typedef int vo_thrift_field_fn(struct vo_thrift *t, void *ctx, int16_t id, int type);

/*
 * Decodes a struct announced with wire type type (which must be
 * VO_THRIFT_STRUCT): enters it (vo_thrift_struct_begin()), calls field for
 * each of its fields in the order they come, skips those for which field
 * returns VO_THRIFT_SKIP, and leaves the struct after its STOP byte or at the
 * first failure.  Returns VO_OK, or the first error of the cursor or of the
 * callback.  The cursor's nesting depth is the same after the call as before
 * it, whatever the outcome.  ctx is passed through untouched.
 */
int vo_thrift_struct_each(struct vo_thrift *t, int type, vo_thrift_field_fn *field, void *ctx);

/*
 * Reads an integer announced with wire type I8, I16, I32 or I64 and checks
 * that it lies in [min, max]; any other type, or a value out of range, fails.
 */
int vo_thrift_int(struct vo_thrift *t, int type, int64_t min, int64_t max, int64_t *v);

/*
 * The value of a bool field: the compact protocol carries it in the field's
 * type (TRUE or FALSE), so nothing is read.  Other types fail.
 */
int vo_thrift_bool(struct vo_thrift *t, int type, bool *v);

/* A double (wire type DOUBLE). */
int vo_thrift_double(struct vo_thrift *t, int type, double *v);

/*
 * A binary or string (wire type BINARY): *v views the bytes inside the input,
 * after checking the declared length against the remaining bytes.  The view
 * is not NUL-terminated.
 */
int vo_thrift_binary(struct vo_thrift *t, int type, struct vo_str *v);

/*
 * Enters a list or set (wire type LIST or SET): reads its element type and
 * count.  The count is checked against the remaining bytes (every element
 * takes at least one), so a caller may size an array from it.  Counts as one
 * level of nesting; pair with vo_thrift_list_end().
 */
int vo_thrift_list_begin(struct vo_thrift *t, int type, int *elem_type, uint32_t *count);
void vo_thrift_list_end(struct vo_thrift *t);

/*
 * Skips a value of the given wire type, including nested structs, lists, sets
 * and maps of any depth up to VO_THRIFT_DEPTH_MAX.  Used for fields a decoder
 * does not know.  in_container tells whether the value is a list, set or map
 * element: there a bool takes one byte, whereas a bool field takes none.
 */
int vo_thrift_skip_value(struct vo_thrift *t, int type, bool in_container);

/* Skips the value of a field (vo_thrift_skip_value() outside a container). */
static inline int vo_thrift_skip(struct vo_thrift *t, int type)
{
	return vo_thrift_skip_value(t, type, false);
}

#endif
