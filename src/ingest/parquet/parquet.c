/*
 * parquet.c - the Parquet reader, see parquet.h.
 *
 * Reading order: the footer is read and decoded by metadata.c into
 * struct pq_file_meta, except the row groups, which are decoded one at a
 * time from the footer bytes when the reader reaches them (a first pass at
 * open validates them all).  The schema's leaves are matched to the six
 * logical columns (here).  Then each needed column chunk is read page by
 * page (page.c): a bounded prefix for the page header (grown when the header
 * is larger), then the page body, decompressed into a per-column buffer.
 * Values are decoded lazily (decode_plain.c, decode_delta.c), one batch at a
 * time, straight into per-column batch arrays of VO_BATCH_ROWS entries;
 * string values are views into the page or dictionary buffer, which is why a
 * batch never crosses a page boundary.
 *
 * Every offset and size from the file is checked against the file size and
 * the column chunk's extent before anything is read or allocated from it.
 */
#include "core/common.h"

#include <stdatomic.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/str.h"
#include "ingest/batch.h"
#include "ingest/codec.h"
#include "ingest/parquet/parquet.h"
#include "ingest/parquet/parquet_int.h"
#include "ingest/parquet/thrift.h"

/* Column names are cut to this many bytes in messages. */
#define NAME_SHOWN_MAX 128

/* Grows *buf to at least need bytes (at least 1), geometrically; never shrinks. */
int pq_grow(void **buf, size_t *cap, size_t need)
{
	size_t n;
	void *p;

	if (need == 0)
		need = 1;
	if (need <= *cap)
		return VO_OK;
	n = *cap ? *cap : 64;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	p = vo_realloc(*buf, n);
	if (!p)
		return VO_ENOMEM;
	*buf = p;
	*cap = n;
	return VO_OK;
}

int pq_grow_u8(uint8_t **buf, size_t *cap, size_t need)
{
	void *p = *buf;
	int rc = pq_grow(&p, cap, need);

	*buf = p;
	return rc;
}

/* A printable, NUL-terminated copy of an untrusted name (control bytes become '?'). */
static char *printable_dup(struct vo_str s)
{
	size_t n = VO_MIN(s.len, (size_t)NAME_SHOWN_MAX);
	char *p = vo_strndup(s.ptr ? s.ptr : "", n);
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			p[i] = '?';
	return p;
}

static bool is_decimal(const struct pq_schema_element *se)
{
	return se->logical.kind == PQ_LT_DECIMAL || se->converted == PQ_CT_DECIMAL;
}

/*
 * Decides how the column's values reach the batch.  Returns VO_EUNSUPPORTED
 * with *why set for a type vouch cannot represent.
 */
static int map_type(const struct pq_schema_element *se, struct pq_col *c, const char **why)
{
	const struct pq_logical_type *lt = &se->logical;
	int unit = PQ_UNIT_NONE;
	int32_t scale;

	c->ptype = se->type;
	c->conv = CONV_NONE;
	c->scale = 0;
	c->vtype = VO_V_I64;
	c->out_size = sizeof(int64_t);
	if (is_decimal(se)) {
		scale = lt->kind == PQ_LT_DECIMAL ? lt->scale : se->scale;
		if (scale < 0 || scale > 38) {
			*why = "DECIMAL with a scale outside 0..38";
			return VO_EUNSUPPORTED;
		}
		c->scale = scale;
	}
	switch (se->type) {
	case PQ_BOOLEAN:
		c->width = 0;
		return VO_OK;
	case PQ_INT32:
		c->width = 4;
		if (lt->kind == PQ_LT_DATE || se->converted == PQ_CT_DATE)
			c->vtype = VO_V_DATE;
		else if ((lt->kind == PQ_LT_INTEGER && !lt->is_signed) ||
			 se->converted == PQ_CT_UINT_8 || se->converted == PQ_CT_UINT_16 ||
			 se->converted == PQ_CT_UINT_32)
			c->conv = CONV_UINT32;
		return VO_OK;
	case PQ_INT64:
		c->width = 8;
		if (lt->kind == PQ_LT_TIMESTAMP)
			unit = lt->unit;
		else if (se->converted == PQ_CT_TIMESTAMP_MILLIS)
			unit = PQ_UNIT_MILLIS;
		else if (se->converted == PQ_CT_TIMESTAMP_MICROS)
			unit = PQ_UNIT_MICROS;
		if (lt->kind == PQ_LT_TIMESTAMP && unit == PQ_UNIT_NONE) {
			*why = "TIMESTAMP without a known unit";
			return VO_EUNSUPPORTED;
		}
		if (unit != PQ_UNIT_NONE) {
			c->vtype = VO_V_TS;
			c->conv = unit == PQ_UNIT_MILLIS  ? CONV_MILLIS
				  : unit == PQ_UNIT_NANOS ? CONV_NANOS
							  : CONV_NONE;
		}
		return VO_OK;
	case PQ_INT96:
		c->width = 12;
		c->vtype = VO_V_TS;
		c->conv = CONV_INT96;
		return VO_OK;
	case PQ_FLOAT:
	case PQ_DOUBLE:
		c->width = se->type == PQ_FLOAT ? 4 : 8;
		c->vtype = VO_V_F64;
		c->out_size = sizeof(double);
		return VO_OK;
	case PQ_BYTE_ARRAY:
	case PQ_FIXED_LEN_BYTE_ARRAY:
		c->width = 0;
		if (se->type == PQ_FIXED_LEN_BYTE_ARRAY) {
			if (se->type_length <= 0) {
				*why = "FIXED_LEN_BYTE_ARRAY without a positive type_length";
				return VO_EUNSUPPORTED;
			}
			c->width = (size_t)se->type_length;
		}
		if (lt->kind == PQ_LT_FLOAT16 || se->converted == PQ_CT_INTERVAL) {
			*why = "the FLOAT16 or INTERVAL type";
			return VO_EUNSUPPORTED;
		}
		if (is_decimal(se)) {
			c->conv = CONV_DECIMAL_BE;
			return VO_OK;
		}
		c->vtype = VO_V_STR;
		c->out_size = sizeof(struct vo_str);
		return VO_OK;
	default:
		*why = "an unknown physical type";
		return VO_EUNSUPPORTED;
	}
}

int pq_col_error(struct vo_parquet_reader *r, const struct pq_col *c, struct vo_error *err,
		 int code, const char *fmt, ...)
{
	char msg[VO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return vo_error_at(err, code, r->path, 0, c ? c->name : NULL, "row group %zu: %s", r->rg,
			   msg);
}

/* ------------------------------------------------------------------------ */
/* Row groups                                                               */

/*
 * Checks a needed column chunk of row group rg against the schema and the
 * file, and computes its byte extent.
 */
static int check_chunk(struct vo_parquet_reader *r, const struct pq_col *c,
		       const struct pq_column_chunk *ch, int64_t rg_rows, uint64_t *start,
		       uint64_t *end, struct vo_error *err)
{
	const struct pq_column_meta *cm = &ch->meta;
	const struct pq_schema_element *se = &r->meta.schema[r->meta.leaves[c->leaf].schema_index];
	uint64_t s = 0;
	uint64_t e = 0;

	if (ch->encrypted)
		return pq_col_error(r, c, err, VO_EUNSUPPORTED,
				    "encrypted columns are not supported");
	if (ch->has_file_path)
		return pq_col_error(r, c, err, VO_EUNSUPPORTED,
				    "column data in another file is not supported");
	if (!ch->has_meta || (cm->seen & PQ_SEEN_META_ALL) != PQ_SEEN_META_ALL)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "column chunk metadata is missing fields");
	if (cm->type != se->type)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "column chunk type %s differs from the schema's %s",
				    pq_type_name(cm->type), pq_type_name(se->type));
	if (cm->npath != 1 || !vo_str_eq(cm->path_last, se->name))
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "column chunk path does not match the schema");
	if (!vo_codec_supported(cm->codec))
		return pq_col_error(r, c, err, VO_EUNSUPPORTED,
				    "compression codec %s (%d) is not supported (supported: %s)",
				    vo_codec_name(cm->codec), cm->codec, VO_CODECS_SUPPORTED);
	if (cm->num_values != rg_rows)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "column chunk has %" PRId64 " values for %" PRId64 " rows",
				    cm->num_values, rg_rows);
	if (cm->dictionary_page_offset >= 4 && cm->dictionary_page_offset < cm->data_page_offset)
		s = (uint64_t)cm->dictionary_page_offset;
	else if (cm->data_page_offset >= 4)
		s = (uint64_t)cm->data_page_offset;
	else
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "column chunk offset %" PRId64 " is invalid",
				    cm->data_page_offset);
	if (cm->total_compressed_size < 0 || (uint64_t)cm->total_compressed_size > r->data_end ||
	    s > r->data_end - (uint64_t)cm->total_compressed_size)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "column chunk at offset %" PRIu64 " (%" PRId64
				    " bytes) lies outside the file's %" PRIu64 " bytes of pages",
				    s, cm->total_compressed_size, r->data_end);
	e = s + (uint64_t)cm->total_compressed_size;
	*start = s;
	*end = e;
	return VO_OK;
}

/* Decodes the next row group from the footer into r->chunks. */
static int next_row_group(struct vo_parquet_reader *r, struct vo_thrift *t, struct pq_row_group *rg,
			  struct vo_error *err)
{
	int rc;

	rg->chunks = r->chunks;
	rc = pq_row_group_decode(t, r->meta.row_groups_type, rg, r->slot_of_leaf, r->meta.nleaves,
				 VO_COL_COUNT);
	if (rc == VO_OK && rg->ncolumns != r->meta.nleaves)
		rc = vo_thrift_fail(t, "%" PRIu32 " column chunks for %zu schema columns",
				    rg->ncolumns, r->meta.nleaves);
	if (rc)
		return vo_error_at(err, rc, r->path, 0, NULL, "row group %zu: corrupt footer: %s",
				   r->rg, t->why);
	return VO_OK;
}

/* At open: checks every row group, and that their rows add up. */
static int validate_row_groups(struct vo_parquet_reader *r, struct vo_error *err)
{
	struct vo_thrift t;
	struct pq_row_group rg;
	uint64_t total = 0;
	uint64_t s = 0;
	uint64_t e = 0;
	size_t i;
	int k;
	int rc;

	vo_thrift_init(&t, r->meta.footer + r->meta.row_groups_at,
		       r->meta.footer_len - r->meta.row_groups_at);
	for (i = 0; i < r->meta.nrow_groups; i++) {
		r->rg = i;
		rc = next_row_group(r, &t, &rg, err);
		if (rc)
			return rc;
		for (k = 0; k < VO_COL_COUNT; k++) {
			rc = check_chunk(r, &r->cols[k], &r->chunks[k], rg.num_rows, &s, &e, err);
			if (rc)
				return rc;
		}
		if (__builtin_add_overflow(total, (uint64_t)rg.num_rows, &total))
			return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
					   "corrupt footer: row counts overflow");
	}
	r->rg = 0;
	if (total != (uint64_t)r->meta.num_rows)
		return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
				   "corrupt footer: the row groups hold %" PRIu64
				   " rows but the file declares %" PRId64,
				   total, r->meta.num_rows);
	return VO_OK;
}

/*
 * Moves to the next row group (the next one claimed, when shared) and sets up
 * its column chunks.  *none is set when no row group is left.
 */
static int start_row_group(struct vo_parquet_reader *r, bool *none, struct vo_error *err)
{
	struct pq_row_group rg;
	struct pq_col *c;
	uint64_t s = 0;
	uint64_t e = 0;
	size_t want = r->rg_next;
	int k;
	int rc;

	if (r->in_rg)
		r->rows_before += r->rg_rows;
	r->in_rg = false;
	if (r->shared)
		want = atomic_fetch_add(r->shared, 1);
	else if (want < r->rg_first)
		want = r->rg_first;
	*none = want >= r->rg_end;
	if (*none) {
		r->rg_next = r->meta.nrow_groups;
		return VO_OK;
	}
	/* Another reader took the row groups in between: step over them in the footer. */
	while (r->rg_next < want) {
		r->rg = r->rg_next++;
		rc = next_row_group(r, &r->rg_cursor, &rg, err);
		if (rc)
			return rc;
		r->rows_before += (uint64_t)rg.num_rows;
	}
	r->rg = r->rg_next++;
	rc = next_row_group(r, &r->rg_cursor, &rg, err);
	if (rc)
		return rc;
	r->rg_rows = (uint64_t)rg.num_rows;
	r->rg_done = 0;
	r->in_rg = true;
	for (k = 0; k < VO_COL_COUNT; k++) {
		c = &r->cols[k];
		rc = check_chunk(r, c, &r->chunks[k], rg.num_rows, &s, &e, err);
		if (rc)
			return rc;
		c->codec = r->chunks[k].meta.codec;
		c->pos = s;
		c->end = e;
		c->rg_values = 0;
		c->page_left = 0;
		c->has_dict = false;
		c->dict_n = 0;
	}
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* The public reader                                                        */

/* Matches schema columns to the six logical columns. */
static int map_columns(struct vo_parquet_reader *r, struct vo_error *err)
{
	const struct pq_file_meta *m = &r->meta;
	const struct pq_schema_element *se;
	const struct pq_leaf *leaf;
	bool found[VO_COL_COUNT] = { false };
	const char *why = NULL;
	char *name;
	size_t i;
	int col;
	int rc;

	r->slot_of_leaf = vo_calloc(m->nleaves ? m->nleaves : 1, sizeof(*r->slot_of_leaf));
	if (!r->slot_of_leaf)
		return vo_error_nomem_in(err, r->path);
	/* Direct children of the root that are groups cannot be vouch columns. */
	for (i = 1; i < m->nschema; i++) {
		se = &m->schema[i];
		if (se->depth != 1 || !pq_is_group(se) || vo_col_from_name(se->name) < 0)
			continue;
		name = printable_dup(se->name);
		rc = vo_error_at(err, VO_EUNSUPPORTED, r->path, 0, name ? name : "?",
				 "nested (group) columns are not supported");
		vo_free(name);
		return rc;
	}
	for (i = 0; i < m->nleaves; i++) {
		leaf = &m->leaves[i];
		se = &m->schema[leaf->schema_index];
		col = leaf->top_level ? vo_col_from_name(se->name) : -1;
		r->slot_of_leaf[i] = col;
		if (col < 0)
			continue;
		name = printable_dup(se->name);
		if (!name)
			return vo_error_nomem_in(err, r->path);
		if (found[col]) {
			rc = vo_error_at(err, VO_EFORMAT, r->path, 0, NULL,
					 "columns '%s' and '%s' both map to '%s'",
					 r->cols[col].name, name, vo_col_name((enum vo_col)col));
			vo_free(name);
			return rc;
		}
		found[col] = true;
		r->cols[col].name = name;
		r->cols[col].leaf = i;
		if (leaf->max_rep > 0 || se->repetition == PQ_REPEATED)
			return vo_error_at(err, VO_EUNSUPPORTED, r->path, 0, name,
					   "repeated columns are not supported");
		r->cols[col].max_def = leaf->max_def;
		rc = map_type(se, &r->cols[col], &why);
		if (rc)
			return vo_error_at(err, rc, r->path, 0, name,
					   "%s column: %s is not supported", pq_type_name(se->type),
					   why);
	}
	for (col = 0; col < VO_COL_COUNT; col++)
		if (!found[col])
			return vo_error_at(err, VO_EFORMAT, r->path, 0, NULL, "missing column '%s'",
					   vo_col_name((enum vo_col)col));
	return VO_OK;
}

static int alloc_batch_arrays(struct vo_parquet_reader *r, struct vo_error *err)
{
	struct pq_col *c;
	int k;

	for (k = 0; k < VO_COL_COUNT; k++) {
		c = &r->cols[k];
		c->valid = vo_malloc(VO_BATCH_ROWS);
		c->idx = vo_calloc(VO_BATCH_ROWS, sizeof(*c->idx));
		c->vals = vo_calloc(VO_BATCH_ROWS, sizeof(struct vo_str));
		if (!c->valid || !c->idx || !c->vals)
			return vo_error_nomem_in(err, r->path);
	}
	return VO_OK;
}

int vo_parquet_reader_open(struct vo_parquet_reader **out, const char *path, struct vo_error *err)
{
	struct vo_parquet_reader *r;
	int rc = VO_OK;

	*out = NULL;
	r = vo_calloc(1, sizeof(*r));
	if (!r)
		return vo_error_nomem_in(err, path);
	r->fd = -1;
	r->path = vo_strdup(path);
	if (!r->path) {
		rc = vo_error_nomem_in(err, path);
		goto out;
	}
	rc = pq_open_file(path, &r->fd, &r->file_size, err);
	if (rc)
		goto out;
	rc = pq_file_meta_load(&r->meta, r->fd, r->file_size, path, err);
	if (rc)
		goto out;
	if (r->meta.encrypted) {
		rc = vo_error_at(err, VO_EUNSUPPORTED, path, 0, NULL,
				 "encrypted Parquet files are not supported");
		goto out;
	}
	r->data_end = r->file_size - 8 - r->meta.footer_len;
	rc = map_columns(r, err);
	if (rc)
		goto out;
	rc = validate_row_groups(r, err);
	if (rc)
		goto out;
	rc = alloc_batch_arrays(r, err);
	if (rc)
		goto out;
	rc = vo_codec_create(&r->codec, err);
	if (rc) {
		rc = vo_error_nomem_in(err, path);
		goto out;
	}
	vo_thrift_init(&r->rg_cursor, r->meta.footer + r->meta.row_groups_at,
		       r->meta.footer_len - r->meta.row_groups_at);
	r->rg_end = r->meta.nrow_groups;
	*out = r;
	r = NULL;
out:
	vo_parquet_reader_destroy(r);
	return rc;
}

int vo_parquet_reader_next(struct vo_parquet_reader *r, struct vo_batch *batch,
			   struct vo_error *err)
{
	size_t n;
	int k;
	int rc = VO_OK;

	batch->nrows = 0;
	if (r->failed)
		return vo_error_at(err, r->failed, r->path, 0, NULL,
				   "the reader failed earlier and cannot continue");
	while (!r->in_rg || r->rg_done == r->rg_rows) {
		bool none;

		rc = start_row_group(r, &none, err);
		if (rc)
			goto out;
		if (none)
			return VO_OK;
	}
	batch->first_row = r->rows_before + r->rg_done + 1;
	n = (size_t)VO_MIN((uint64_t)VO_BATCH_ROWS, r->rg_rows - r->rg_done);
	for (k = 0; k < VO_COL_COUNT; k++) {
		rc = pq_load_page(r, &r->cols[k], err);
		if (rc)
			goto out;
		n = (size_t)VO_MIN((uint64_t)n, r->cols[k].page_left);
	}
	for (k = 0; k < VO_COL_COUNT; k++) {
		rc = pq_decode_rows(r, &r->cols[k], n, &batch->col[k], err);
		if (rc)
			goto out;
	}
	batch->nrows = n;
	r->rows_done += n;
	r->rg_done += n;
out:
	if (rc) {
		r->failed = rc;
		batch->nrows = 0;
	}
	return rc;
}

int vo_parquet_reader_scan(struct vo_parquet_reader *r, uint64_t *pages, struct vo_error *err)
{
	int rc = VO_OK;

	for (;;) {
		bool none;

		rc = start_row_group(r, &none, err);
		if (rc || none)
			break;
		for (int k = 0; k < VO_COL_COUNT && !rc; k++) {
			struct pq_col *c = &r->cols[k];

			while (!rc && c->rg_values < r->rg_rows) {
				rc = pq_load_page(r, c, err);
				c->page_left = 0; /* skip the values: next page */
				(*pages)++;
			}
		}
		r->rg_done = r->rg_rows;
		if (rc)
			break;
	}
	if (rc)
		r->failed = rc;
	return rc;
}

void vo_parquet_reader_limit(struct vo_parquet_reader *r, size_t first, size_t end)
{
	r->rg_first = VO_MIN(first, r->meta.nrow_groups);
	r->rg_end = VO_MIN(end, r->meta.nrow_groups);
}

void vo_parquet_reader_share(struct vo_parquet_reader *r, atomic_size_t *next)
{
	r->shared = next;
}

size_t vo_parquet_reader_num_row_groups(const struct vo_parquet_reader *r)
{
	return r->meta.nrow_groups;
}

uint64_t vo_parquet_reader_num_rows(const struct vo_parquet_reader *r)
{
	return (uint64_t)r->meta.num_rows;
}

void vo_parquet_reader_destroy(struct vo_parquet_reader *r)
{
	struct pq_col *c;
	int k;

	if (!r)
		return;
	for (k = 0; k < VO_COL_COUNT; k++) {
		c = &r->cols[k];
		vo_free(c->name);
		vo_free(c->dict);
		vo_free(c->dict_page);
		vo_free(c->raw);
		vo_free(c->data);
		vo_free(c->prev);
		vo_free(c->arena);
		vo_free(c->valid);
		vo_free(c->idx);
		vo_free(c->vals);
	}
	if (r->fd >= 0)
		close(r->fd);
	vo_codec_destroy(r->codec);
	vo_free(r->hdr);
	vo_free(r->slot_of_leaf);
	pq_file_meta_release(&r->meta);
	vo_free(r->path);
	vo_free(r);
}
