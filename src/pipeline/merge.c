/*
 * merge.c - partial results summed into the artifact, see merge.h.
 *
 * The first part is the reference: its selection, segment definitions and
 * file list are the job's, and every other part must agree.  Each part's
 * counts go into one cleaner (quality, spellings) and one segmenter (voucher
 * counts), the same objects a run of `vouch process` fills, and the
 * artifact is finished by the same function.  Which units each part read
 * is kept aside (a few numbers per file read) and checked at the end: every
 * unit of every file exactly once.
 */
#include "core/common.h"

#include "clean/clean.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "model/partial.h"
#include "pipeline/merge.h"
#include "pipeline/pipeline_int.h"
#include "segment/segment.h"

/* One part's read of one file's units. */
struct cover {
	size_t file;
	uint64_t first;
	uint64_t count;
	size_t part;
};

/* What the merge knows of one file of the job. */
struct file_sum {
	uint64_t rows;		    /* rows read, over all parts */
	bool hashed;		    /* a part gave its digest */
	char sha256[VO_SHA256_HEX]; /* from the part that holds unit 0 */
	uint64_t bytes;
};

struct merge {
	const char *const *paths; /* the parts' paths, for messages */
	struct vo_partial ref;	  /* the first part: the job's selection, config and files */
	struct vo_cleaner *cleaner;
	struct vo_segmenter *seg;
	struct vo_buf *keys; /* a named selection: each country's key (ref.ncountries) */
	size_t nkeys;
	struct file_sum *files; /* ref.nfiles */
	struct cover *covers;
	size_t ncovers;
	size_t covers_cap;
	uint64_t *outside; /* per segment, over all parts */
	uint64_t nshards;  /* the parts' shard count, 0 when they differ */
};

static void merge_release(struct merge *m)
{
	size_t i;

	for (i = 0; i < m->nkeys; i++)
		vo_buf_release(&m->keys[i]);
	vo_free(m->keys);
	vo_free(m->files);
	vo_free(m->covers);
	vo_free(m->outside);
	vo_segmenter_destroy(m->seg);
	vo_cleaner_destroy(m->cleaner);
	vo_partial_release(&m->ref);
}

/* The selection as a list for messages: "Peru, China". */
static void selection_text(const struct vo_partial *p, char *out, size_t cap)
{
	size_t i;
	size_t n = 0;

	out[0] = '\0';
	for (i = 0; i < p->ncountries && n + 1 < cap; i++) {
		int w = snprintf(out + n, cap - n, "%s%s", i ? ", " : "", p->countries[i]);

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

/* Sets up from the first part: the artifact's config, the cleaner, the segmenter. */
static int merge_start(struct merge *m, struct vo_artifact *out, struct vo_error *err)
{
	struct vo_partial *p = &m->ref;
	size_t i;
	int rc;

	if (vo_segconfig_copy(&out->config, &p->config))
		return vo_error_nomem(err);
	rc = vo_cleaner_create(&m->cleaner, (const char *const *)p->countries, p->ncountries, err);
	if (rc) {
		vo_error_prefix(err, m->paths[0]);
		return rc;
	}
	if (vo_segmenter_create(&m->seg, &out->config))
		return vo_error_nomem(err);
	m->files = vo_calloc(VO_MAX(p->nfiles, 1), sizeof(*m->files));
	m->outside = vo_calloc(VO_MAX(p->config.nsegs, 1), sizeof(*m->outside));
	if (!m->files || !m->outside)
		return vo_error_nomem(err);
	m->nshards = p->nshards;
	if (vo_cleaner_selects_all(m->cleaner))
		return VO_OK;
	m->keys = vo_calloc(vo_cleaner_country_count(m->cleaner), sizeof(*m->keys));
	if (!m->keys)
		return vo_error_nomem(err);
	for (i = 0; i < vo_cleaner_country_count(m->cleaner); i++) {
		vo_buf_init(&m->keys[i], SIZE_MAX / 2);
		m->nkeys++;
		if (vo_cleaner_country_key(m->cleaner, (uint32_t)i, &m->keys[i]))
			return vo_error_nomem(err);
	}
	return VO_OK;
}

/* Checks that part i belongs to the same job as the first part. */
static int same_job(const struct merge *m, size_t i, const struct vo_partial *p,
		    struct vo_error *err)
{
	const struct vo_partial *r = &m->ref;
	size_t k;

	if (strcmp(p->fingerprint, r->fingerprint) != 0) {
		char a[256];
		char b[256];
		bool same_selection = p->ncountries == r->ncountries;

		for (k = 0; same_selection && k < p->ncountries; k++)
			same_selection = !strcmp(p->countries[k], r->countries[k]);
		if (same_selection)
			return vo_error_set(err, VO_EFORMAT,
					    "%s: made with other segment definitions than %s "
					    "(fingerprint %.12s, not %.12s): every shard of a job "
					    "must run with the same --segments-config",
					    m->paths[i], m->paths[0], p->fingerprint,
					    r->fingerprint);
		selection_text(p, a, sizeof(a));
		selection_text(r, b, sizeof(b));
		return vo_error_set(
			err, VO_EFORMAT,
			"%s: selects countries '%s', but %s selects '%s' (fingerprint "
			"%.12s, not %.12s): every shard of a job must run with the same -c",
			m->paths[i], a, m->paths[0], b, p->fingerprint, r->fingerprint);
	}
	if (p->nfiles != r->nfiles)
		return vo_error_set(err, VO_EFORMAT,
				    "%s: lists %zu input files, but %s lists %zu: every shard of a "
				    "job must run with the same -i over the same files",
				    m->paths[i], p->nfiles, m->paths[0], r->nfiles);
	for (k = 0; k < p->nfiles; k++) {
		const struct vo_partial_file *x = &p->files[k];
		const struct vo_partial_file *y = &r->files[k];

		if (strcmp(x->path, y->path) != 0 || x->bytes != y->bytes || x->units != y->units ||
		    x->kind != y->kind)
			return vo_error_set(
				err, VO_EFORMAT,
				"%s: input file %zu is '%s' (%" PRIu64 " bytes, %" PRIu64
				" units), but in %s '%s' (%" PRIu64 " bytes, %" PRIu64
				" units): every shard of a job must run with the same -i "
				"over the same, unchanged files",
				m->paths[i], k + 1, x->path, x->bytes, x->units, m->paths[0],
				y->path, y->bytes, y->units);
	}
	return VO_OK;
}

/* The cleaner's id of a part's country. */
static int country_id(struct merge *m, size_t i, const struct vo_partial_country *k, uint32_t *id,
		      struct vo_error *err)
{
	size_t s;
	int rc;

	if (!m->keys) {
		/* "all": the spellings name the country, as rows would. */
		for (s = 0; s < k->nspellings; s++) {
			uint32_t c;

			rc = vo_cleaner_add_spelling(
				m->cleaner, vo_str_make(k->spellings[s].text, k->spellings[s].len),
				k->spellings[s].rows, &c);
			if (rc)
				return vo_error_set(err, rc, "%s: %s", m->paths[i],
						    rc == VO_ELIMIT ? "more than 4096 countries"
								    : vo_strerror(rc));
			if (s && c != *id)
				return vo_error_set(err, VO_EFORMAT,
						    "%s: country '%.64s' has spellings of two "
						    "countries",
						    m->paths[i], k->key);
			*id = c;
		}
		return VO_OK;
	}
	for (s = 0; s < m->nkeys; s++) {
		if (m->keys[s].len == k->key_len && !memcmp(m->keys[s].ptr, k->key, k->key_len)) {
			*id = (uint32_t)s;
			return VO_OK;
		}
	}
	return vo_error_set(err, VO_EFORMAT, "%s: country '%.64s' is not one of the selection",
			    m->paths[i], k->key);
}

/* Adds part i's counts, and notes the units it read. */
static int add_part(struct merge *m, size_t i, const struct vo_partial *p, struct vo_error *err)
{
	const struct vo_segconfig *cfg = &m->ref.config;
	size_t c;
	size_t k;
	size_t v;
	int rc;

	vo_cleaner_add_quality(m->cleaner, &p->quality);
	for (c = 0; c < p->ncty; c++) {
		const struct vo_partial_country *t = &p->cty[c];
		uint32_t id = 0;

		rc = country_id(m, i, t, &id, err);
		if (rc)
			return rc;
		for (k = 0; k <= cfg->ncells; k++) {
			for (v = 0; v < t->slots[k].n; v++) {
				rc = vo_segmenter_import(m->seg, id, k, t->slots[k].v[v].amount,
							 t->slots[k].v[v].rows);
				if (rc)
					return vo_error_set(
						err, rc, "%s: %s", m->paths[i],
						rc == VO_ELIMIT
							? "more than 65536 distinct voucher amounts"
							: vo_strerror(rc));
			}
		}
		for (k = 0; k < cfg->nsegs; k++) {
			if (__builtin_add_overflow(m->outside[k], t->outside[k], &m->outside[k]))
				return vo_error_set(err, VO_ELIMIT, "%s: counts overflow",
						    m->paths[i]);
			/* The country's own figure, for the summary's accounting. */
			rc = vo_segmenter_import_outside(m->seg, id, k, t->outside[k]);
			if (rc)
				return vo_error_set(err, rc, "%s: %s", m->paths[i],
						    vo_strerror(rc));
		}
	}
	if (p->nshards != m->nshards)
		m->nshards = 0;
	for (k = 0; k < p->nsources; k++) {
		const struct vo_partial_source *s = &p->sources[k];
		struct file_sum *f = &m->files[s->file];

		if (m->ncovers == m->covers_cap) {
			size_t ncap = m->covers_cap ? m->covers_cap * 2 : 64;
			struct cover *nc = vo_reallocarray(m->covers, ncap, sizeof(*nc));

			if (!nc)
				return vo_error_nomem(err);
			m->covers = nc;
			m->covers_cap = ncap;
		}
		m->covers[m->ncovers].file = s->file;
		m->covers[m->ncovers].first = s->first;
		m->covers[m->ncovers].count = s->count;
		m->covers[m->ncovers].part = i;
		m->ncovers++;
		if (__builtin_add_overflow(f->rows, s->rows, &f->rows))
			return vo_error_set(err, VO_ELIMIT, "%s: counts overflow", m->paths[i]);
		if (s->hashed) {
			f->hashed = true;
			memcpy(f->sha256, s->sha256, VO_SHA256_HEX);
			f->bytes = s->bytes;
		}
	}
	return VO_OK;
}

static int cmp_cover(const void *x, const void *y)
{
	const struct cover *a = x;
	const struct cover *b = y;

	if (a->file != b->file)
		return a->file < b->file ? -1 : 1;
	if (a->first != b->first)
		return a->first < b->first ? -1 : 1;
	return (a->part > b->part) - (a->part < b->part);
}

/* "row group 3 of data.parquet" or "data.csv (one unit)". */
static void unit_name(const struct vo_partial_file *f, uint64_t u, char *out, size_t cap)
{
	if (f->kind == VO_PARTIAL_PARQUET && f->units > 1)
		snprintf(out, cap, "row group %" PRIu64 " of %s", u, f->path);
	else
		snprintf(out, cap, "%s (its one unit)", f->path);
}

/* Says which shard a missing unit belongs to, when every part has the same shard count. */
static void shard_hint(const struct merge *m, size_t file, uint64_t u, char *out, size_t cap)
{
	uint64_t total = 0;
	uint64_t g = 0;
	uint64_t s;
	size_t i;

	out[0] = '\0';
	if (!m->nshards)
		return;
	for (i = 0; i < m->ref.nfiles; i++) {
		if (i == file)
			g = total + u;
		total += m->ref.files[i].units;
	}
	s = total ? g * m->nshards / total : 0;
	while (s + 1 < m->nshards && vo__shard_first(total, s + 1, m->nshards) <= g)
		s++;
	while (s > 0 && vo__shard_first(total, s, m->nshards) > g)
		s--;
	snprintf(out, cap, ": shard %" PRIu64 "/%" PRIu64 " reads it; is its part missing?", s,
		 m->nshards);
}

/* Every unit of every file in exactly one part. */
static int check_cover(struct merge *m, struct vo_error *err)
{
	char what[PATH_MAX + 64];
	char hint[96];
	size_t c = 0;
	size_t f;

	qsort(m->covers, m->ncovers, sizeof(*m->covers), cmp_cover);
	for (f = 0; f < m->ref.nfiles; f++) {
		const struct vo_partial_file *file = &m->ref.files[f];
		uint64_t next = 0;
		size_t last = SIZE_MAX;

		for (; c < m->ncovers && m->covers[c].file == f; c++) {
			const struct cover *k = &m->covers[c];

			if (k->first < next) {
				const char *a = m->paths[m->covers[last].part];
				const char *b = m->paths[k->part];

				unit_name(file, k->first, what, sizeof(what));
				if (!strcmp(a, b))
					return vo_error_set(
						err, VO_EFORMAT,
						"unit read twice: %s, by %s, given twice", what, a);
				return vo_error_set(err, VO_EFORMAT,
						    "unit read twice: %s, by %s and by %s", what, a,
						    b);
			}
			if (k->first > next)
				break;
			next = k->first + k->count;
			last = c;
		}
		if (next < file->units) {
			unit_name(file, next, what, sizeof(what));
			shard_hint(m, f, next, hint, sizeof(hint));
			return vo_error_set(err, VO_EFORMAT, "unit missing: no part read %s%s",
					    what, hint);
		}
	}
	return VO_OK;
}

int vo_merge_run(const char *const *paths, size_t n, struct vo_artifact *out, struct vo_error *err)
{
	struct vo_partial p;
	struct merge m;
	size_t i;
	int rc = VO_OK;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	memset(&p, 0, sizeof(p));
	m.paths = paths;
	if (!n)
		return vo_error_set(err, VO_EINVAL, "no parts to merge");
	for (i = 0; i < n && !rc; i++) {
		struct vo_partial *cur = i ? &p : &m.ref;

		rc = vo_partial_load(paths[i], cur, err);
		if (!rc)
			rc = i ? same_job(&m, i, cur, err) : merge_start(&m, out, err);
		if (!rc)
			rc = add_part(&m, i, cur, err);
		vo_partial_release(&p);
	}
	if (!rc)
		rc = check_cover(&m, err);
	if (rc)
		goto out;
	out->sources = vo_calloc(VO_MAX(m.ref.nfiles, 1), sizeof(*out->sources));
	out->outside = vo_calloc(VO_MAX(out->config.nsegs, 1), sizeof(*out->outside));
	if (!out->sources || !out->outside) {
		rc = vo_error_nomem(err);
		goto out;
	}
	for (i = 0; i < m.ref.nfiles; i++) {
		struct vo_source *src = &out->sources[i];

		src->path = vo_strdup(m.ref.files[i].path);
		if (!src->path) {
			rc = vo_error_nomem(err);
			goto out;
		}
		out->nsources++;
		src->rows = m.files[i].rows;
		src->bytes = m.files[i].bytes;
		memcpy(src->sha256, m.files[i].sha256, VO_SHA256_HEX);
	}
	memcpy(out->outside, m.outside, out->config.nsegs * sizeof(*out->outside));
	rc = vo__pipeline_finish(m.cleaner, m.seg, out, err);
out:
	merge_release(&m);
	return rc;
}
