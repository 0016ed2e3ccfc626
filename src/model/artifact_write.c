/*
 * artifact_write.c - rendering, sealing and writing the segments artifact,
 * see artifact.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/civil.h"
#include "core/fileio.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/utf8.h"
#include "model/artifact.h"
#include "model/artifact_int.h"
#include "model/name.h"
#include "model/value.h"

static void render_cell(struct vo_json *j, const struct vo_cell *cell, bool with_counts)
{
	size_t i;

	vo_json_object_begin(j);
	vo_json_key(j, "voucher_amount");
	if (cell->has_voucher)
		vo_json_i64(j, cell->voucher);
	else
		vo_json_null(j);
	vo_json_key(j, "rows");
	vo_json_u64(j, with_counts ? cell->rows : cell->voucher_rows);
	if (with_counts) {
		vo_json_key(j, "counts");
		vo_json_object_begin(j);
		for (i = 0; i < cell->ncounts; i++) {
			char key[24];

			snprintf(key, sizeof(key), "%" PRId64, cell->counts[i].amount);
			vo_json_key(j, key);
			vo_json_u64(j, cell->counts[i].rows);
		}
		vo_json_object_end(j);
	}
	vo_json_object_end(j);
}

void vo__render_segments(struct vo_json *j, const struct vo_segconfig *cfg)
{
	size_t s;
	size_t b;

	vo_json_object_begin(j);
	for (s = 0; s < cfg->nsegs; s++) {
		const struct vo_segdef *seg = &cfg->segs[s];

		vo_json_key(j, seg->name);
		vo_json_object_begin(j);
		vo_json_key(j, "field");
		vo_json_str(j, vo_seg_field_name(seg->field));
		vo_json_key(j, "buckets");
		vo_json_array_begin(j);
		for (b = 0; b < seg->nbuckets; b++) {
			vo_json_object_begin(j);
			vo_json_key(j, "name");
			vo_json_str(j, seg->buckets[b].name);
			vo_json_key(j, "min");
			vo_json_i64(j, seg->buckets[b].min);
			vo_json_key(j, "max");
			if (seg->buckets[b].open)
				vo_json_null(j);
			else
				vo_json_i64(j, seg->buckets[b].max);
			vo_json_object_end(j);
		}
		vo_json_array_end(j);
		vo_json_object_end(j);
	}
	vo_json_object_end(j);
}

/* The quality object; outside_buckets only with with_outside (not in clean metadata). */
void vo__render_quality(struct vo_json *j, const struct vo_artifact *a, bool with_outside)
{
	size_t i;

	vo_json_object_begin(j);
	vo_json_key(j, "rows_read");
	vo_json_u64(j, a->quality.rows_read);
	vo_json_key(j, "rows_kept");
	vo_json_u64(j, a->quality.rows_kept);
	vo_json_key(j, "missing_total_orders");
	vo_json_u64(j, a->quality.missing_total_orders);
	vo_json_key(j, "dropped");
	vo_json_object_begin(j);
	for (i = 0; i < VO_OUT_KEPT; i++) {
		vo_json_key(j, vo_outcome_name((enum vo_outcome)i));
		vo_json_u64(j, a->quality.dropped[i]);
	}
	vo_json_object_end(j);
	if (with_outside) {
		vo_json_key(j, "outside_buckets");
		vo_json_object_begin(j);
		for (i = 0; i < a->config.nsegs; i++) {
			vo_json_key(j, a->config.segs[i].name);
			vo_json_u64(j, a->outside ? a->outside[i] : 0);
		}
		vo_json_object_end(j);
	}
	vo_json_object_end(j);
}

void vo__render_selected(struct vo_json *j, const struct vo_artifact *a)
{
	size_t c;

	vo_json_array_begin(j);
	for (c = 0; c < a->ncountries; c++)
		vo_json_str(j, a->countries[c].name);
	vo_json_array_end(j);
}

static int cmp_source_digest(const void *x, const void *y)
{
	const struct vo_source *const *a = x;
	const struct vo_source *const *b = y;
	int c = strcmp((*a)->sha256, (*b)->sha256);

	if (c)
		return c;
	return ((*a)->rows > (*b)->rows) - ((*a)->rows < (*b)->rows);
}

int vo__render_sources(struct vo_json *j, const struct vo_artifact *a, bool canonical)
{
	const struct vo_source **order;
	size_t i;

	order = vo_calloc(VO_MAX(a->nsources, 1), sizeof(const struct vo_source *));
	if (!order)
		return VO_ENOMEM;
	for (i = 0; i < a->nsources; i++)
		order[i] = &a->sources[i];
	if (canonical)
		qsort(order, a->nsources, sizeof(const struct vo_source *), cmp_source_digest);
	vo_json_array_begin(j);
	for (i = 0; i < a->nsources; i++) {
		vo_json_object_begin(j);
		if (!canonical) {
			vo_json_key(j, "path");
			vo_json_str(j, order[i]->path);
		}
		vo_json_key(j, "bytes");
		vo_json_u64(j, order[i]->bytes);
		vo_json_key(j, "sha256");
		vo_json_str(j, order[i]->sha256);
		vo_json_key(j, "rows");
		vo_json_u64(j, order[i]->rows);
		vo_json_object_end(j);
	}
	vo_json_array_end(j);
	vo_free(order);
	return VO_OK;
}

int vo_artifact_render(const struct vo_artifact *a, bool canonical, struct vo_buf *out)
{
	const struct vo_segconfig *cfg = &a->config;
	struct vo_json j;
	size_t c;
	size_t s;
	size_t b;
	int rc;

	vo_json_init(&j, out, !canonical);
	vo_json_object_begin(&j);
	vo_json_key(&j, "format");
	vo_json_str(&j, VO_ARTIFACT_FORMAT);
	if (!canonical) {
		vo_json_key(&j, "version");
		vo_json_str(&j, a->version);
		vo_json_key(&j, "built_at");
		vo_json_str(&j, a->built_at);
	}
	vo_json_key(&j, "sources");
	rc = vo__render_sources(&j, a, canonical);
	if (rc)
		return rc;
	vo_json_key(&j, "countries_selected");
	vo__render_selected(&j, a);
	vo_json_key(&j, "quality");
	vo__render_quality(&j, a, true);
	vo_json_key(&j, "segments");
	vo__render_segments(&j, cfg);
	vo_json_key(&j, "countries");
	vo_json_object_begin(&j);
	for (c = 0; c < a->ncountries; c++) {
		const struct vo_country_table *t = &a->countries[c];

		vo_json_key(&j, t->name);
		vo_json_object_begin(&j);
		vo_json_key(&j, "rows");
		vo_json_u64(&j, t->rows);
		vo_json_key(&j, "fallback");
		render_cell(&j, &t->fallback, false);
		vo_json_key(&j, "segments");
		vo_json_object_begin(&j);
		for (s = 0; s < cfg->nsegs; s++) {
			const struct vo_segdef *seg = &cfg->segs[s];

			vo_json_key(&j, seg->name);
			vo_json_object_begin(&j);
			for (b = 0; b < seg->nbuckets; b++) {
				vo_json_key(&j, seg->buckets[b].name);
				render_cell(&j, &t->cells[seg->cell_base + b], true);
			}
			vo_json_object_end(&j);
		}
		vo_json_object_end(&j);
		vo_json_object_end(&j);
	}
	vo_json_object_end(&j);
	vo_json_object_end(&j);
	rc = vo_json_status(&j);
	if (!rc && !canonical)
		rc = vo_buf_addch(out, '\n');
	return rc;
}

int vo_artifact_seal(struct vo_artifact *a)
{
	struct vo_buf b;
	struct timespec now;
	char date[16];
	int64_t secs;
	int64_t days;
	int64_t rem;
	int rc;

	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_artifact_render(a, true, &b);
	if (!rc)
		rc = vo_sha256_hex(b.ptr, b.len, a->version);
	vo_buf_release(&b);
	if (rc)
		return rc;
	clock_gettime(CLOCK_REALTIME, &now);
	secs = (int64_t)now.tv_sec;
	days = vo_us_to_days(secs * 1000000);
	rem = secs - days * 86400;
	vo_date_format(days, date);
	snprintf(a->built_at, sizeof(a->built_at), "%sT%02d:%02d:%02dZ", date, (int)(rem / 3600),
		 (int)(rem / 60 % 60), (int)(rem % 60));
	return VO_OK;
}

/* "NAME" for a message: the name when it prints, else its length. */
static const char *shown(const char *name, char *buf, size_t len)
{
	struct vo_str s = vo_str_cstr(name);

	if (s.len <= 64 && vo_utf8_valid(s, NULL))
		return name;
	snprintf(buf, len, "(a name of %zu bytes)", s.len);
	return buf;
}

int vo_artifact_check_names(const struct vo_artifact *a, struct vo_error *err)
{
	char why[128];
	char buf[48];
	size_t c;
	size_t s;
	size_t b;

	for (s = 0; s < a->config.nsegs; s++) {
		const struct vo_segdef *seg = &a->config.segs[s];

		if (!vo_name_check(vo_str_cstr(seg->name), why, sizeof(why)))
			return vo_error_set(err, VO_EINVAL, "segment %s: the name %s",
					    shown(seg->name, buf, sizeof(buf)), why);
		for (b = 0; b < seg->nbuckets; b++)
			if (!vo_name_check(vo_str_cstr(seg->buckets[b].name), why, sizeof(why)))
				return vo_error_set(err, VO_EINVAL,
						    "segment %s, bucket %s: the name %s", seg->name,
						    shown(seg->buckets[b].name, buf, sizeof(buf)),
						    why);
	}
	for (c = 0; c < a->ncountries; c++)
		if (!vo_name_check(vo_str_cstr(a->countries[c].name), why, sizeof(why)))
			return vo_error_set(err, VO_EINVAL, "country %s: the name %s",
					    shown(a->countries[c].name, buf, sizeof(buf)), why);
	return VO_OK;
}

int vo_artifact_write(const struct vo_artifact *a, const char *path, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	rc = vo_artifact_check_names(a, err);
	if (rc) {
		vo_error_prefix(err, "cannot write the artifact");
		return rc;
	}
	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_artifact_render(a, false, &b);
	if (rc == VO_ELIMIT)
		vo_error_set(
			err, rc,
			"cannot render the artifact: it would be larger than %u MiB, the most a "
			"server loads (VO_ARTIFACT_MAX)",
			VO_ARTIFACT_MAX >> 20);
	else if (rc)
		vo_error_set(err, rc, "cannot render the artifact: %s", vo_strerror(rc));
	else
		rc = vo_write_file_atomic(path, b.ptr, b.len, err);
	vo_buf_release(&b);
	return rc;
}
