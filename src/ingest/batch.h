/*
 * batch.h - the rows a reader hands to the pipeline: a column-major batch.
 *
 * Every reader (CSV, Parquet) delivers the six logical columns of SPEC
 * section 1 as a struct vo_batch of up to VO_BATCH_ROWS rows.  Each column
 * keeps the form the file gave it (string, integer, double, timestamp, date)
 * so the cleaning stage decides what is valid, once, for every format.  A
 * column may be dictionary-coded: then row i's value is values[idx[i]], which
 * lets the pipeline judge a dictionary entry once instead of once per row.
 *
 * The batch and everything it points to belong to the reader and stay valid
 * until the reader's next call.
 */
#ifndef VO_INGEST_BATCH_H
#define VO_INGEST_BATCH_H

#include "core/common.h"

#include "core/str.h"

/* The logical input columns, in SPEC order. */
enum vo_col {
	VO_COL_TIMESTAMP,
	VO_COL_COUNTRY,
	VO_COL_LAST_ORDER_TS,
	VO_COL_FIRST_ORDER_TS,
	VO_COL_TOTAL_ORDERS,
	VO_COL_VOUCHER_AMOUNT,
	VO_COL_COUNT
};

/* The form of a column's values. */
enum vo_vtype {
	VO_V_NULL, /* no values at all: every row is null (values unused) */
	VO_V_STR,  /* values.str: bytes as stored, not trimmed */
	VO_V_I64,  /* values.i64: an integer; DECIMAL columns give i64 / 10^scale,
		    * or VO_I64_NOT_WHOLE (see below) */
	VO_V_F64,  /* values.f64: a double */
	VO_V_TS,   /* values.i64: microseconds since 1970-01-01T00:00:00Z */
	VO_V_DATE, /* values.i64: days since 1970-01-01 */
	VO_V_BOOL, /* values.i64: a boolean, 0 or 1 (never a number, never a time) */
};

/*
 * A VO_V_I64 value that stands for a number which is not a whole number in
 * the int64 range: a DECIMAL wider than 64 bits (2^63, or 2640.5 reduced to
 * scale 0).  It is negative, so every rule reads it as invalid.
 */
#define VO_I64_NOT_WHOLE INT64_MIN

struct vo_column {
	enum vo_vtype type;   /* form of the values */
	int scale;	      /* VO_V_I64 only: decimal scale (0 for integers) */
	const uint8_t *valid; /* valid[i] != 0 when row i is not null; NULL: none null */
	const uint32_t *idx;  /* NULL, or row i uses values[idx[i]] (dictionary); readers
			       * guarantee idx[i] < nvalues for every row not null, and
			       * idx[i] == nvalues for a null one */
	uint64_t dict_id;     /* with idx: changes whenever the dictionary does; 0: unknown */
	size_t nvalues;	      /* entries in values (== rows when idx is NULL) */
	union {
		const struct vo_str *str;
		const int64_t *i64;
		const double *f64;
	} values;
};

struct vo_batch {
	size_t nrows;			    /* rows in this batch; 0 at the end of input */
	uint64_t first_row;		    /* 1-based row number (in its file) of row 0 */
	struct vo_column col[VO_COL_COUNT]; /* the columns, indexed by enum vo_col */
};

/* The column's canonical name ("timestamp", "country_code", ...). */
const char *vo_col_name(enum vo_col col);

/*
 * Maps a column name found in a file to a logical column; returns -1 for a
 * column vouch does not read.  Names match exactly; "order_ts" is an alias of
 * "timestamp".
 */
int vo_col_from_name(struct vo_str name);

/* The row's position in values[] (applies the dictionary when there is one). */
static inline size_t vo_column_slot(const struct vo_column *c, size_t row)
{
	return c->idx ? c->idx[row] : row;
}

static inline bool vo_column_is_null(const struct vo_column *c, size_t row)
{
	return c->type == VO_V_NULL || (c->valid && !c->valid[row]);
}

#endif
