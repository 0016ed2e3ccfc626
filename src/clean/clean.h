/*
 * clean.h - the cleaning stage (SPEC section 2): one outcome per input row.
 *
 * A struct vo_cleaner judges batches of rows against the country selection
 * and the value rules, counts the outcomes, and hands back per-row results
 * (outcome, country, total_orders, voucher amount, days since last order)
 * that the segmenter and the clean-CSV writer consume.  It memoizes the
 * judgement of dictionary-coded values, so a Parquet dictionary entry is
 * parsed once, not once per row.
 *
 * Country names: with an explicit selection a row's country is matched,
 * trimmed and case-insensitively (Unicode simple case folding, core/fold.h),
 * against the names given and reported under the spelling given.  With
 * "all" every non-empty trimmed country is kept, grouped by its folded form,
 * and its name is decided at the end: the most frequent trimmed spelling
 * over all rows read (ties: smallest in byte order), so the result never
 * depends on row order.  Every spelling kept under "all" becomes a name in
 * the artifact, so it must be one (model/name.h: at most VO_NAME_MAX bytes
 * of UTF-8 without NUL): the first row with a spelling that is not stops the
 * run, naming the file, row and column.  Under a named selection such a
 * value simply matches no selected name (other_country).
 */
#ifndef VO_CLEAN_CLEAN_H
#define VO_CLEAN_CLEAN_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"
#include "ingest/batch.h"
#include "model/artifact.h"

/*
 * Per-row results of one batch; arrays of batch->nrows entries owned by the
 * cleaner.  Fields marked "kept rows" hold meaningless values for the others.
 */
struct vo_clean_rows {
	size_t nrows;
	const uint8_t *outcome;	 /* enum vo_outcome */
	const uint32_t *country; /* country index (kept rows only) */
	const int64_t *total;	 /* total_orders, or -1 when missing (kept rows) */
	const int64_t *voucher;	 /* voucher amount (kept rows) */
	const uint32_t *vkey;	 /* the amount's key: 0, 1, 2, ... per distinct amount,
				  * stable for the cleaner's life (kept rows) */
	const int64_t *days;	 /* days_since_last_order (kept rows) */
	const uint32_t *kept;	 /* the kept rows' indices, ascending */
	size_t nkept;		 /* entries in kept */
	const int64_t *order_us; /* timestamp in microseconds UTC (kept rows; NULL
				  * unless vo_cleaner_keep_times()) */
	const int64_t *last_us;	 /* last_order_ts in microseconds UTC (likewise) */
	const int64_t *first_us; /* first_order_ts in microseconds UTC (likewise) */
};

struct vo_cleaner;

/*
 * What one value means, as the cleaner judged it (memoized per dictionary
 * entry): 16 bytes, so a lookup is one cache line.  fails holds one bit,
 * 1 << outcome, for each outcome of SPEC section 2 this value alone gives
 * its row (an invalid timestamp, a missing or invalid voucher amount, an
 * invalid total_orders).
 */
struct vo_judged {
	int64_t value; /* timestamps: microseconds UTC (only with times); numbers: the
			* whole number (total_orders: -1 when missing) */
	union {
		int32_t day; /* timestamps: the UTC day */
		uint32_t id; /* countries: spelling or country id; vouchers: the amount's
			      * key, or VO_CLEAN_NO_KEY before the first kept row has it */
	};
	uint8_t state; /* the cleaner's own */
	uint8_t fails; /* see above */
};

#define VO_CLEAN_NO_KEY UINT32_MAX

/*
 * A column resolved for a batch: selected row j (see below) means
 * tab[ix[j]].  A dictionary column's tab is the memo of its entries, judged
 * once each (ntab of them, the null slot last), and gen identifies those
 * judgements (the same until the dictionary changes, never reused); a
 * plain column's tab holds the selected rows' judgements (ntab and gen 0).
 */
struct vo_clean_col {
	struct vo_judged *tab;
	const uint32_t *ix;
	size_t ntab;
	uint64_t gen;
	bool no_bad_ts; /* timestamps: known that no row's judgement fails invalid_timestamp */
};

/* A batch's columns resolved by vo_cleaner_resolve(), before the rules. */
struct vo_clean_cols {
	size_t nrows;		 /* rows in the batch */
	size_t nsel;		 /* rows of a selected country */
	const uint32_t *sel;	 /* their row indices, ascending */
	const uint32_t *country; /* per row: country index (selected rows), or NULL */
	struct vo_clean_col
		col[VO_COL_COUNT]; /* every column; VO_COL_COUNTRY only without country */
};

/*
 * A batch judged (vo_cleaner_view()), by position j among the rows whose
 * country is selected (the others are other_country): each one's outcome
 * and, for the kept ones, what the segmenter counts.  Owned by the cleaner,
 * valid until its next call.
 */
struct vo_clean_view {
	size_t nrows;		       /* rows in the batch */
	size_t nsel;		       /* rows of a selected country */
	const uint32_t *sel;	       /* their row indices, ascending */
	const uint32_t *country;       /* per row: country index (selected rows) */
	const uint8_t *outcome;	       /* per selected row: enum vo_outcome */
	const uint32_t *kept;	       /* positions j of the kept rows, ascending */
	size_t nkept;		       /* entries in kept */
	const int32_t *days;	       /* per selected row: days_since_last_order (kept rows) */
	const int64_t *total;	       /* per selected row: total_orders, -1 missing (kept rows) */
	struct vo_judged *voucher_tab; /* selected row j's voucher amount judgement, value */
	const uint32_t *voucher_ix;    /* and key: voucher_tab[voucher_ix[j]] (kept rows) */
	const int64_t *order_us;       /* per selected row, with times (else NULL) */
	const int64_t *last_us;	       /* likewise */
	const int64_t *first_us;       /* likewise */
};

/*
 * Creates a cleaner.  countries holds ncountries names as given by the user
 * (the caller keeps ownership; they are copied); the single name "all"
 * (any case) selects every country.  Names are trimmed; duplicates (by
 * case-insensitive comparison) are merged, keeping the first spelling; an
 * empty name, or one that is not a valid artifact name (model/name.h), is
 * VO_EINVAL.
 */
int vo_cleaner_create(struct vo_cleaner **out, const char *const *countries, size_t ncountries,
		      struct vo_error *err);

void vo_cleaner_destroy(struct vo_cleaner *c);

/* Makes later runs hand out the kept rows' timestamps too (for `vouch clean`). */
void vo_cleaner_keep_times(struct vo_cleaner *c);

/*
 * Judges every row of batch.  path names the batch's file in error
 * messages, for a column whose type cannot hold its field (a country given
 * as a number, a timestamp as a double).  *rows is valid until the next
 * call.  Counts go to the cleaner's quality figures.  VO_EFORMAT for a
 * column type that cannot hold its field, VO_ELIMIT past VO_COUNTRIES_MAX countries or
 * VO_VOUCHERS_MAX voucher amounts, VO_ENOMEM; each message names the file, row and column.
 */
int vo_cleaner_run(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		   struct vo_clean_rows *rows, struct vo_error *err);

/*
 * The first half of vo_cleaner_view(), for a caller that applies the rules
 * itself on whole classes of rows (segment/'s vo_segmenter_count()): judges
 * the batch's countries (and counts their spellings under "all"), then
 * resolves its other columns into *cols.  Nothing is counted in the quality
 * figures: the caller adds its outcomes with vo_cleaner_account().  A
 * judgement's fails bits say which checks of SPEC section 2 its value fails
 * alone; the dates' own checks (first order after the last, order before
 * the last) are the caller's, on the days.  Errors as vo_cleaner_run().
 */
int vo_cleaner_resolve(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		       bool entries, struct vo_clean_cols *cols, struct vo_error *err);

/*
 * With entries, vo_cleaner_resolve() may leave the rows' countries in the
 * entries of the country column's dictionary instead of judging them row by
 * row: then cols->country is NULL, every row is selected, col[VO_COL_COUNTRY]
 * gives each row's entry (its value the country index, its id the spelling
 * id under "all"), and no spelling is counted: the caller adds each
 * spelling's rows with vo_cleaner_spelling_rows().  vo_cleaner_resolve_rows()
 * turns such columns into the usual ones (countries per row, spellings
 * counted); on the usual ones it does nothing.
 */
void vo_cleaner_resolve_rows(struct vo_cleaner *c, const struct vo_batch *batch,
			     struct vo_clean_cols *cols);
void vo_cleaner_spelling_rows(struct vo_cleaner *c, uint32_t spelling, uint64_t rows);

/*
 * The second half of vo_cleaner_view(), on columns vo_cleaner_resolve()
 * gave: the rules per selected row, counted in the quality figures.
 */
int vo_cleaner_judge(struct vo_cleaner *c, const struct vo_clean_cols *cols,
		     struct vo_clean_view *view);

/*
 * Adds outcomes to the quality figures: count[o] rows of each outcome
 * (other_country included), missing_total kept rows without total_orders,
 * nrows rows read.
 */
void vo_cleaner_account(struct vo_cleaner *c, const uint64_t count[VO_OUT_COUNT],
			uint64_t missing_total, size_t nrows);

/*
 * vo_cleaner_run() without the per-row arrays, for a caller that counts as
 * it goes (segment/'s vo_segmenter_count()): judges the batch into *view,
 * by selected row, and counts its outcomes in the quality figures.  A kept
 * row's voucher judgement may still lack its key: vo_cleaner_voucher_key().
 * Errors as vo_cleaner_run().
 */
int vo_cleaner_view(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		    struct vo_clean_view *view, struct vo_error *err);

/*
 * The key of a kept row's voucher amount when v->id is still
 * VO_CLEAN_NO_KEY; stored in v, so each dictionary entry asks once.
 * VO_ELIMIT past VO_VOUCHERS_MAX amounts, VO_ENOMEM.
 */
int vo_cleaner_voucher_key(struct vo_cleaner *c, struct vo_judged *v, uint32_t *key);

/* Countries known so far (selected ones first, in selection order). */
size_t vo_cleaner_country_count(const struct vo_cleaner *c);

/*
 * The artifact name of country i: the selection's spelling, or with "all"
 * the most frequent spelling seen (see above).  Valid until destroy.
 */
const char *vo_cleaner_country_name(const struct vo_cleaner *c, uint32_t i);

/* True when the selection is "all". */
bool vo_cleaner_selects_all(const struct vo_cleaner *c);

const struct vo_quality *vo_cleaner_quality(const struct vo_cleaner *c);

/*
 * Adds what src has seen into dst, both made with the same selection (one
 * cleaner per thread): quality counts, and with "all" the countries and
 * their spellings' row counts, so names come out as if one cleaner had read
 * everything.  *map (allocated, the caller frees it with vo_free) gets dst's
 * id for each of src's country ids.  VO_ENOMEM, or VO_ELIMIT with a message
 * naming the limit (distinct countries or spellings).
 */
int vo_cleaner_merge(struct vo_cleaner *dst, const struct vo_cleaner *src, uint32_t **map,
		     struct vo_error *err);

/*
 * What a partial result (model/partial.h) carries of a cleaner, out and
 * back in.  With "all": the spellings seen, each with its rows and country
 * id (vo_cleaner_spelling(); the view is valid until destroy), and
 * vo_cleaner_add_spelling() adds rows of a spelling as if they had been read
 * (interning it and its country as a row would) and gives its country id.
 * vo_cleaner_country_key() appends country i's name trimmed and case-folded,
 * as rows are matched against it, to out.  vo_cleaner_add_quality() adds
 * quality figures.  VO_ENOMEM, VO_ELIMIT (too many countries), VO_EINVAL
 * (add_spelling on a named selection, or an empty spelling).
 */
size_t vo_cleaner_spelling_count(const struct vo_cleaner *c);
struct vo_str vo_cleaner_spelling(const struct vo_cleaner *c, size_t s, uint64_t *rows,
				  uint32_t *country);
int vo_cleaner_add_spelling(struct vo_cleaner *c, struct vo_str spelling, uint64_t rows,
			    uint32_t *country);
int vo_cleaner_country_key(const struct vo_cleaner *c, uint32_t i, struct vo_buf *out);
void vo_cleaner_add_quality(struct vo_cleaner *c, const struct vo_quality *q);

#endif
