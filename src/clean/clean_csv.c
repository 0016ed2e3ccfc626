/*
 * clean_csv.c - the cleaned-rows CSV writer, see clean_csv.h.
 */
#include "core/common.h"

#include "clean/clean_csv.h"
#include "ingest/csv.h"
#include "model/value.h"

/* Rows are written out once this many bytes are buffered. */
#define FLUSH_BYTES (1u << 20)

static const char header[] = "timestamp,country_code,last_order_ts,first_order_ts,"
			     "total_orders,voucher_amount,days_since_last_order\n";

int vo_clean_csv_flush(struct vo_clean_csv *w, struct vo_error *err)
{
	int rc = vo_atomic_write(&w->file, w->buf.ptr, w->buf.len, err);

	vo_buf_reset(&w->buf);
	return rc;
}

int vo_clean_csv_open(struct vo_clean_csv *w, const char *path, struct vo_error *err)
{
	int rc;

	memset(w, 0, sizeof(*w));
	vo_buf_init(&w->buf, SIZE_MAX / 2);
	rc = vo_atomic_open(&w->file, path, err);
	if (rc) {
		vo_buf_release(&w->buf);
		return rc;
	}
	w->open = true;
	if (vo_buf_add(&w->buf, header, sizeof(header) - 1)) {
		vo_clean_csv_abort(w);
		return vo_error_nomem(err);
	}
	return VO_OK;
}

static int add_ts(struct vo_buf *b, int64_t us)
{
	char tmp[32];
	size_t n = vo_ts_format(us, tmp);
	int rc = vo_buf_add(b, tmp, n);

	return rc ? rc : vo_buf_addch(b, ',');
}

int vo_clean_csv_add(void *ctx, const struct vo_batch *batch, const struct vo_clean_rows *rows,
		     const struct vo_cleaner *cleaner, struct vo_error *err)
{
	const struct vo_column *country = &batch->col[VO_COL_COUNTRY];
	struct vo_clean_csv *w = ctx;
	struct vo_buf *b = &w->buf;
	int rc = VO_OK;
	size_t i;

	(void)cleaner;
	for (i = 0; i < rows->nrows && !rc; i++) {
		struct vo_str name;

		if (rows->outcome[i] != VO_OUT_KEPT)
			continue;
		/* A kept row always has a string country (the cleaner checked it). */
		name = vo_str_trim(country->values.str[vo_column_slot(country, i)]);
		rc = add_ts(b, rows->order_us[i]);
		if (!rc)
			rc = vo_csv_append_field(b, name);
		if (!rc)
			rc = vo_buf_addch(b, ',');
		if (!rc)
			rc = add_ts(b, rows->last_us[i]);
		if (!rc)
			rc = add_ts(b, rows->first_us[i]);
		if (!rc && rows->total[i] >= 0)
			rc = vo_buf_add_i64(b, rows->total[i]);
		if (!rc)
			rc = vo_buf_addch(b, ',');
		if (!rc)
			rc = vo_buf_add_i64(b, rows->voucher[i]);
		if (!rc)
			rc = vo_buf_addch(b, ',');
		if (!rc)
			rc = vo_buf_add_i64(b, rows->days[i]);
		if (!rc)
			rc = vo_buf_addch(b, '\n');
	}
	if (rc)
		return vo_error_nomem(err);
	if (b->len >= FLUSH_BYTES)
		return vo_clean_csv_flush(w, err);
	return VO_OK;
}

int vo_clean_csv_commit(struct vo_clean_csv *w, struct vo_error *err)
{
	int rc = vo_clean_csv_flush(w, err);

	if (rc) {
		vo_clean_csv_abort(w);
		return rc;
	}
	w->open = false;
	rc = vo_atomic_commit(&w->file, err);
	vo_buf_release(&w->buf);
	return rc;
}

void vo_clean_csv_abort(struct vo_clean_csv *w)
{
	if (w->open)
		vo_atomic_abort(&w->file);
	w->open = false;
	vo_buf_release(&w->buf);
}
