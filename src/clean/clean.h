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

/* Per-row results of one batch; arrays of batch->nrows entries owned by the cleaner. */
struct vo_clean_rows {
	size_t nrows;
	const uint8_t *outcome;	 /* enum vo_outcome */
	const uint32_t *country; /* country index (kept rows only) */
	const int64_t *total;	 /* total_orders, or -1 when missing (kept rows) */
	const int64_t *voucher;	 /* voucher amount (kept rows) */
	const int64_t *days;	 /* days_since_last_order (kept rows) */
	const int64_t *order_us; /* timestamp in microseconds UTC (kept rows) */
	const int64_t *last_us;	 /* last_order_ts in microseconds UTC (kept rows) */
	const int64_t *first_us; /* first_order_ts in microseconds UTC (kept rows) */
};

struct vo_cleaner;

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

/*
 * Judges every row of batch.  path names the batch's file in error
 * messages, for a column whose type cannot hold its field (a country given
 * as a number, a timestamp as a double).  *rows is valid until the next
 * call.  Counts go to the cleaner's quality figures.
 */
int vo_cleaner_run(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		   struct vo_clean_rows *rows, struct vo_error *err);

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
