/*
 * gen.h - sample input data for a fresh clone without the real file
 * (`vouch gen --rows N -o FILE.csv`).
 *
 * The generator writes a CSV file with the real file's header and the shapes
 * and quirks of its values (SPEC section 1), one row per line:
 *
 *   timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount
 *   2018-06-17 18:48:02.043907,China,2018-05-17,2018-05-12 00:00:00,7.0,1760.0
 *
 * The distributions were measured on the real file (285,570 rows) and are
 * matched to within a fraction of a percent:
 *
 *   timestamp       "YYYY-MM-DD HH:MM:SS.ffffff", always 6 fraction digits,
 *                   from 2018-06-09 to 2018-07-31, 13:00 to 22:59 UTC with
 *                   the real file's hourly profile; 8 % of the rows are
 *                   orders placed 1065-1156 days *before* their last order
 *                   (in 2015: the real file's order_before_last_order rows);
 *   country_code    China 34.9 %, Australia 27.5 %, Latvia 21.9 %, Peru 15.7 %;
 *   last_order_ts   "YYYY-MM-DD", 31 days before the order (52 %), 92 (43 %),
 *                   91 (1.6 %) or 0-5 (0.3 %) as in the real file, plus a
 *                   3.5 % spread over 6-200 days of our own so that every
 *                   default recency bucket has rows;
 *   first_order_ts  "YYYY-MM-DD 00:00:00", never after last_order_ts: the
 *                   same day in 16 % of the rows, up to 2897 days before;
 *   total_orders    "N.0" with the real file's spiky values (2, 0, 4, 7, 1,
 *                   ... up to 466; 0-4: 44 %, 5-13: 26 %, 14-37: 18 %),
 *                   empty in 8 % of the rows;
 *   voucher_amount  "N.0" from each country's own amounts, as in the real
 *                   file (Peru 2640 51 %, 3520 24 %, 4400 23 %; China 1760,
 *                   8800, 4400, 5720, 3080; Latvia 4400, 13200, 8800, 1540,
 *                   3080; Australia 2200, 5720, 11000, 1760, 3520), empty in
 *                   1.8 % of Peru's rows and 0.6 % of all rows.
 *
 * Columns are drawn independently of each other (apart from the dates), so
 * the most used voucher of a bucket is mostly its country's most common one.
 *
 * The output depends only on the options: the same rows and seed give the
 * same bytes on every machine (a splitmix64 generator, integer arithmetic
 * only, and calendar code of our own instead of the C library's).
 */
#ifndef VO_GEN_GEN_H
#define VO_GEN_GEN_H

#include "core/common.h"

#include "core/err.h"

struct vo_gen_options {
	uint64_t rows; /* data rows to write (0: only the header) */
	uint64_t seed; /* any value; each seed gives its own data set */
};

/*
 * Writes opt->rows generated rows and a header to the CSV file at path.
 * The file is replaced atomically (core/fileio.h): the rows stream into a
 * temporary file in the same folder, which is flushed and renamed over path,
 * so memory stays constant whatever the row count and, on any failure, an
 * existing file at path is left as it was and the temporary file is removed.
 * Returns VO_OK, VO_EINVAL (NULL options or path), VO_EIO (the folder is not
 * writable, the disk is full, path is a folder, ...) with a message naming
 * path, or VO_ENOMEM.
 */
int vo_gen_write_csv(const struct vo_gen_options *opt, const char *path, struct vo_error *err);

#endif
