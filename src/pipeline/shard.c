/*
 * shard.c - a job's work units and one shard's share of them, and a run's
 * counts turned into a partial result; see pipeline_int.h.
 */
#include "core/common.h"

#include <sys/stat.h>

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "pipeline/pipeline_int.h"

uint64_t vo__shard_first(uint64_t u, uint64_t i, uint64_t n)
{
	/* u <= files x row groups (1e11) and i <= n <= VO_SHARDS_MAX (1e6): no overflow. */
	return i >= n ? u : u * i / n;
}

/* Lists one file: its size, format and parts. */
static int plan_file(const char *path, struct vo__plan_file *f, struct vo_error *err)
{
	struct vo_reader *r = NULL;
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return vo_error_set(err, errno == ENOENT ? VO_ENOTFOUND : VO_EIO, "%s: %s", path,
				    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return vo_error_set(err, VO_EUNSUPPORTED,
				    "%s: is %s: --shard and --partial read regular files only "
				    "(every shard must see the same bytes)",
				    path, vo_file_kind(st.st_mode));
	f->bytes = (uint64_t)st.st_size;
	rc = vo_detect_format(path, &f->format, err);
	if (rc)
		return rc;
	f->parts = 1;
	if (f->format == VO_FORMAT_PARQUET) {
		/* The footer alone: row groups, and the checks every reader of it makes. */
		rc = vo_reader_open(&r, path, err);
		if (rc)
			return rc;
		f->parts = vo_reader_parts(r);
		vo_reader_destroy(r);
	}
	f->units = VO_MAX((uint64_t)f->parts, 1);
	return VO_OK;
}

int vo__plan_make(char *const *paths, size_t n, uint64_t shard, uint64_t nshards,
		  struct vo__plan *plan, struct vo_error *err)
{
	size_t i;
	int rc = VO_OK;

	memset(plan, 0, sizeof(*plan));
	plan->shard = shard;
	plan->nshards = nshards;
	plan->files = vo_calloc(VO_MAX(n, 1), sizeof(*plan->files));
	if (!plan->files)
		return vo_error_nomem(err);
	plan->nfiles = n;
	for (i = 0; i < n && !rc; i++) {
		rc = plan_file(paths[i], &plan->files[i], err);
		plan->files[i].first = plan->units;
		plan->units += plan->files[i].units;
	}
	if (rc)
		return rc;
	plan->lo = vo__shard_first(plan->units, shard, nshards);
	plan->hi = vo__shard_first(plan->units, shard + 1, nshards);
	return VO_OK;
}

void vo__plan_share(const struct vo__plan *plan, size_t i, uint64_t *first, uint64_t *count,
		    struct vo__part_range *parts)
{
	const struct vo__plan_file *f = &plan->files[i];
	uint64_t lo = VO_MAX(plan->lo, f->first);
	uint64_t hi = VO_MIN(plan->hi, f->first + f->units);

	*first = 0;
	*count = 0;
	parts->first = 0;
	parts->end = 0;
	if (lo >= hi)
		return;
	*first = lo - f->first;
	*count = hi - lo;
	parts->first = (size_t)VO_MIN(*first, (uint64_t)f->parts);
	parts->end = (size_t)VO_MIN(*first + *count, (uint64_t)f->parts);
}

void vo__plan_release(struct vo__plan *plan)
{
	vo_free(plan->files);
	memset(plan, 0, sizeof(*plan));
}

/* ---- export ------------------------------------------------------------- */

/* Moves a cell's counts (sorted by amount, as vo_segmenter_table() gives them) into k. */
static void take_counts(struct vo_cell *cell, struct vo_partial_counts *k)
{
	k->v = cell->counts;
	k->n = cell->ncounts;
	cell->counts = NULL;
	cell->ncounts = 0;
}

static int export_country(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
			  const struct vo_segconfig *cfg, uint32_t id, struct vo_partial_country *k)
{
	struct vo_country_table t;
	struct vo_buf key;
	size_t i;
	size_t s;
	int rc;

	vo_buf_init(&key, SIZE_MAX / 2);
	rc = vo_cleaner_country_key(cleaner, id, &key);
	if (!rc) {
		k->key = vo_malloc(key.len + 1);
		if (!k->key) {
			rc = VO_ENOMEM;
		} else {
			if (key.len)
				memcpy(k->key, key.ptr, key.len);
			k->key[key.len] = '\0';
			k->key_len = key.len;
		}
	}
	vo_buf_release(&key);
	if (rc)
		return rc;
	k->slots = vo_calloc(cfg->ncells + 1, sizeof(*k->slots));
	k->outside = vo_calloc(VO_MAX(cfg->nsegs, 1), sizeof(*k->outside));
	if (!k->slots || !k->outside)
		return VO_ENOMEM;
	rc = vo_segmenter_table(seg, id, "", &t);
	if (rc)
		return rc;
	take_counts(&t.fallback, &k->slots[0]);
	for (i = 0; i < cfg->ncells; i++)
		take_counts(&t.cells[i], &k->slots[1 + i]);
	vo_country_table_release(&t, cfg->ncells);
	for (s = 0; s < cfg->nsegs; s++)
		k->outside[s] = vo_segmenter_country_outside(seg, id, s);
	return VO_OK;
}

/* Gives each country of part its spellings (selection "all"). */
static int export_spellings(const struct vo_cleaner *cleaner, struct vo_partial *part)
{
	size_t n = vo_cleaner_spelling_count(cleaner);
	size_t *fill = vo_calloc(VO_MAX(part->ncty, 1), sizeof(*fill));
	size_t s;
	int rc = VO_OK;

	if (!fill)
		return VO_ENOMEM;
	for (s = 0; s < n; s++) {
		uint64_t rows;
		uint32_t c;

		(void)vo_cleaner_spelling(cleaner, s, &rows, &c);
		if (c < part->ncty)
			part->cty[c].nspellings++;
	}
	for (s = 0; s < part->ncty && !rc; s++) {
		part->cty[s].spellings = vo_calloc(VO_MAX(part->cty[s].nspellings, 1),
						   sizeof(struct vo_partial_spelling));
		if (!part->cty[s].spellings)
			rc = VO_ENOMEM;
	}
	for (s = 0; s < n && !rc; s++) {
		struct vo_partial_spelling *sp;
		struct vo_str text;
		uint64_t rows;
		uint32_t c;

		text = vo_cleaner_spelling(cleaner, s, &rows, &c);
		if (c >= part->ncty)
			continue;
		sp = &part->cty[c].spellings[fill[c]++];
		sp->text = vo_malloc(text.len + 1);
		if (!sp->text) {
			rc = VO_ENOMEM;
			break;
		}
		memcpy(sp->text, text.ptr, text.len);
		sp->text[text.len] = '\0';
		sp->len = text.len;
		sp->rows = rows;
	}
	vo_free(fill);
	return rc;
}

int vo__partial_export(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
		       const char *const *countries, size_t ncountries, char *const *paths,
		       const struct vo__plan *plan, const struct vo__read *reads,
		       struct vo_partial *part, struct vo_error *err)
{
	const struct vo_segconfig *cfg = &part->config;
	size_t i;
	int rc = VO_OK;

	part->shard = plan->shard;
	part->nshards = plan->nshards;
	part->countries = vo_calloc(VO_MAX(ncountries, 1), sizeof(char *));
	part->files = vo_calloc(VO_MAX(plan->nfiles, 1), sizeof(*part->files));
	part->sources = vo_calloc(VO_MAX(plan->nfiles, 1), sizeof(*part->sources));
	part->ncty = vo_cleaner_country_count(cleaner);
	part->cty = vo_calloc(VO_MAX(part->ncty, 1), sizeof(*part->cty));
	if (!part->countries || !part->files || !part->sources || !part->cty) {
		part->ncty = 0;
		return vo_error_nomem(err);
	}
	for (i = 0; i < ncountries && !rc; i++) {
		part->countries[i] = vo_strdup(countries[i]);
		if (!part->countries[i])
			rc = VO_ENOMEM;
		else
			part->ncountries++;
	}
	for (i = 0; i < plan->nfiles && !rc; i++) {
		struct vo_partial_file *f = &part->files[i];

		f->path = vo_strdup(paths[i]);
		if (!f->path) {
			rc = VO_ENOMEM;
			break;
		}
		part->nfiles++;
		f->bytes = plan->files[i].bytes;
		f->units = plan->files[i].units;
		f->kind = plan->files[i].format == VO_FORMAT_PARQUET ? VO_PARTIAL_PARQUET
								     : VO_PARTIAL_CSV;
		if (reads[i].read) {
			struct vo_partial_source *s = &part->sources[part->nsources++];

			s->file = i;
			s->first = reads[i].first;
			s->count = reads[i].count;
			s->rows = reads[i].src.rows;
			s->hashed = reads[i].hashed;
			if (s->hashed) {
				memcpy(s->sha256, reads[i].src.sha256, VO_SHA256_HEX);
				s->bytes = reads[i].src.bytes;
			}
		}
	}
	part->quality = *vo_cleaner_quality(cleaner);
	for (i = 0; i < part->ncty && !rc; i++)
		rc = export_country(cleaner, seg, cfg, (uint32_t)i, &part->cty[i]);
	if (!rc)
		rc = export_spellings(cleaner, part);
	if (rc)
		return vo_error_set(err, rc, "cannot build the partial result: %s",
				    vo_strerror(rc));
	return VO_OK;
}
