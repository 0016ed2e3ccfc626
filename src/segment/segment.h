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
 * Counts the kept rows of one cleaned batch.  VO_ELIMIT (with a message)
 * past VO_VOUCHERS_MAX distinct amounts or VO_COUNTRIES_MAX countries.
 */
int vo_segmenter_add(struct vo_segmenter *s, const struct vo_clean_rows *rows,
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
 * fallback), slot 1 + i cell i of the config.  Outside counts are not
 * imported: the merge sums them itself.  VO_EINVAL for another slot,
 * VO_ELIMIT past VO_VOUCHERS_MAX amounts or VO_COUNTRIES_MAX countries,
 * VO_ENOMEM.
 */
int vo_segmenter_import(struct vo_segmenter *s, uint32_t country, size_t slot, int64_t amount,
			uint64_t rows);

/*
 * Builds the table of country id (as numbered by the cleaner) under the
 * given name into *out, which the caller frees with vo_country_table_release().
 * A country without rows gets empty cells.
 */
int vo_segmenter_table(const struct vo_segmenter *s, uint32_t country, const char *name,
		       struct vo_country_table *out);

#endif
