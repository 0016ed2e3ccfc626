/*
 * segment.h - the segmentation stage (SPEC section 3).
 *
 * A struct vo_segmenter counts kept rows per country, per segment bucket
 * and per voucher amount, then produces the tables of the artifact: each
 * bucket's rows, counts by amount and most used voucher (ties to the
 * smallest amount), and each country's fallback voucher.
 */
#ifndef VO_SEGMENT_SEGMENT_H
#define VO_SEGMENT_SEGMENT_H

#include "core/common.h"

#include "clean/clean.h"
#include "core/err.h"
#include "model/artifact.h"
#include "model/segdef.h"

struct vo_segmenter;

/* Creates a segmenter for cfg, which must outlive it.  VO_ENOMEM. */
int vo_segmenter_create(struct vo_segmenter **out, const struct vo_segconfig *cfg);

void vo_segmenter_destroy(struct vo_segmenter *s);

/*
 * Counts the kept rows of one cleaned batch: those listed in rows->kept
 * (or, when it is NULL, those whose outcome is kept), each through the
 * voucher key rows->vkey of the cleaner that made the rows, so an amount
 * already seen costs no hashing (when vkey is NULL, the amount is looked up
 * per row).  Rows from one cleaner only: the keys are its own.  VO_ELIMIT
 * (with a message) past VO_VOUCHERS_MAX distinct amounts or VO_COUNTRIES_MAX
 * countries, VO_ENOMEM.
 */
int vo_segmenter_add(struct vo_segmenter *s, const struct vo_clean_rows *rows,
		     struct vo_error *err);

/*
 * Judges and counts one batch (the fast path of a run whose rows nobody else
 * wants): the cleaner resolves its columns (vo_cleaner_resolve()), each row
 * is one increment of a histogram of row classes (voucher, country, total
 * and days classes, two flags), and each class with rows is folded into the
 * outcomes and the matrices once.  The histogram may hold the rows of up to
 * 15 batches before it is folded: vo_segmenter_flush() folds what is
 * pending, and must come after the last batch, before the counts or the
 * cleaner's quality figures are read.  The same counts and figures as
 * vo_cleaner_run() followed by vo_segmenter_add().  Errors as those two,
 * naming path and the row.
 */
int vo_segmenter_count(struct vo_segmenter *s, struct vo_cleaner *cleaner,
		       const struct vo_batch *batch, const char *path, struct vo_error *err);
int vo_segmenter_flush(struct vo_segmenter *s, struct vo_cleaner *cleaner, const char *path,
		       struct vo_error *err);

/*
 * Adds every count of src into dst (both for the same config).  For threads.
 * country_map[i] is dst's id of src's country i (vo_cleaner_merge() makes
 * it), or NULL when the ids are the same.
 */
int vo_segmenter_merge(struct vo_segmenter *dst, const struct vo_segmenter *src,
		       const uint32_t *country_map);

/* Kept rows that fell outside every bucket of segment seg, over all countries. */
uint64_t vo_segmenter_outside(const struct vo_segmenter *s, size_t seg);

/* The same for one country (by the cleaner's id); 0 for a country without rows. */
uint64_t vo_segmenter_country_outside(const struct vo_segmenter *s, uint32_t country, size_t seg);

/*
 * Adds rows kept rows of country with voucher amount to one column of its
 * counts, for merging partial results (model/partial.h) that carry what
 * vo_segmenter_table() gives: slot 0 is the country as a whole (its
 * fallback), slot 1 + i cell i of the config.  Outside counts go through
 * vo_segmenter_import_outside().  The first import re-lays the
 * counts per slot (a (total class, days class) column cannot be split
 * from a slot's count), so rows counted afterwards take the slower
 * per-segment path.  VO_EINVAL for another slot,
 * VO_ELIMIT past VO_VOUCHERS_MAX amounts or VO_COUNTRIES_MAX countries,
 * VO_ENOMEM.
 */
int vo_segmenter_import(struct vo_segmenter *s, uint32_t country, size_t slot, int64_t amount,
			uint64_t rows);

/*
 * Adds rows to country's count of kept rows outside every bucket of segment
 * seg (a partial result's per-country figure), so that the merged tables
 * give each country's accounting as vo_segmenter_table() does after a run.
 * Call it after the country's vouchers were imported.  VO_EINVAL for a bad
 * seg or rows without any voucher imported, VO_ELIMIT, VO_ENOMEM.
 */
int vo_segmenter_import_outside(struct vo_segmenter *s, uint32_t country, size_t seg,
				uint64_t rows);

/*
 * Builds the table of country id (as numbered by the cleaner) under the
 * given name into *out, which the caller frees with vo_country_table_release():
 * its cells and, per segment, its rows outside every bucket.  A country
 * without rows gets empty cells.
 */
int vo_segmenter_table(const struct vo_segmenter *s, uint32_t country, const char *name,
		       struct vo_country_table *out);

#endif
