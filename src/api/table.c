/*
 * table.c - the loaded segments table, see table.h.
 *
 * The table keeps the parsed artifact as it is (struct vo_artifact: segment
 * definitions, and per country a flat array of cells indexed by
 * segs[s].cell_base + bucket) and adds what lookups need: the countries'
 * trimmed names sorted case-insensitively (Unicode simple case folding,
 * core/fold.h) for a binary search, which compares in place, so a lookup
 * allocates nothing and folds no copy.
 */
#include "core/common.h"

#include "api/table.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/fold.h"
#include "core/limits.h"
#include "core/log.h"
#include "model/artifact.h"
#include "model/value.h"
#include "report/dashboard.h"

/* One country in lookup order. */
struct country_key {
	struct vo_str name; /* trimmed; points into the artifact's name */
	size_t index;	    /* into artifact.countries */
};

struct vo_table {
	struct vo_artifact a;	  /* owned; everything parsed */
	int64_t built_at_us;	  /* a.built_at as microseconds */
	struct country_key *keys; /* owned, a.ncountries entries sorted by cmp_nocase */
	char *segments_json;	  /* owned; the GET /segments body */
	size_t segments_json_len; /* its bytes */
	char *dashboard_html;	  /* owned; the GET / body */
	size_t dashboard_len;	  /* its bytes */
};

/* The order of the case-folded views (core/fold.h: the pipeline's, so PERÚ finds Perú). */
static int cmp_nocase(struct vo_str a, struct vo_str b)
{
	return vo_fold_cmp(a, b);
}

static int cmp_keys(const void *x, const void *y)
{
	const struct country_key *a = x;
	const struct country_key *b = y;

	return cmp_nocase(a->name, b->name);
}

/*
 * Removes the white space outside strings from JSON text in place (the
 * pretty rendering becomes compact).  Strings are copied byte for byte.
 */
static size_t minify(char *s, size_t len)
{
	bool in_str = false;
	bool esc = false;
	size_t i;
	size_t o = 0;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (vo_is_space((unsigned char)c)) {
			continue;
		}
		s[o++] = c;
	}
	s[o] = '\0';
	return o;
}

/* The GET / page, rendered once per table (it is not a hot path, but it is 100 KB). */
static int render_dashboard(struct vo_table *t, const char *origin, struct vo_error *err)
{
	struct vo_dashboard_opts opt = { .now_us = vo_now_us(), .live = true };
	struct vo_buf b;
	int rc;

	vo_buf_init(&b, VO_API_RESPONSE_MAX);
	rc = vo_dashboard_render(&t->a, &opt, &b);
	if (!rc) {
		t->dashboard_html = vo_buf_detach(&b, &t->dashboard_len);
		if (!t->dashboard_html)
			rc = VO_ENOMEM;
	}
	vo_buf_release(&b);
	if (rc)
		return vo_error_set(err, rc, "%s: cannot render GET /: %s", origin,
				    rc == VO_ELIMIT ? "the page would be larger than "
						      "VO_API_RESPONSE_MAX (64 MiB)"
						    : vo_strerror(rc));
	return VO_OK;
}

static int build(struct vo_table *t, const char *origin, struct vo_error *err)
{
	struct vo_buf b;
	size_t i;
	int rc;

	if (!vo_ts_parse(vo_str_cstr(t->a.built_at), &t->built_at_us))
		return vo_error_set(err, VO_EFORMAT, "%s: built_at: not a timestamp", origin);
	t->keys = vo_calloc(VO_MAX(t->a.ncountries, 1), sizeof(*t->keys));
	if (!t->keys)
		return vo_error_nomem_in(err, origin);
	for (i = 0; i < t->a.ncountries; i++) {
		t->keys[i].name = vo_str_trim(vo_str_cstr(t->a.countries[i].name));
		t->keys[i].index = i;
	}
	qsort(t->keys, t->a.ncountries, sizeof(*t->keys), cmp_keys);
	for (i = 1; i < t->a.ncountries; i++)
		if (!cmp_nocase(t->keys[i - 1].name, t->keys[i].name))
			return vo_error_set(err, VO_EFORMAT,
					    "%s: countries '%s' and '%s' are the same country",
					    origin, t->a.countries[t->keys[i - 1].index].name,
					    t->a.countries[t->keys[i].index].name);
	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_artifact_render(&t->a, false, &b);
	if (!rc) {
		b.len = minify(b.ptr, b.len);
		t->segments_json = vo_buf_detach(&b, &t->segments_json_len);
		if (!t->segments_json)
			rc = VO_ENOMEM;
	}
	vo_buf_release(&b);
	if (rc)
		return vo_error_set(err, rc, "%s: cannot render GET /segments: %s", origin,
				    rc == VO_ELIMIT ? "the answer would be larger than "
						      "VO_API_RESPONSE_MAX (64 MiB)"
						    : vo_strerror(rc));
	return render_dashboard(t, origin, err);
}

int vo_table_parse(const char *text, size_t len, const char *origin, struct vo_table **out,
		   struct vo_error *err)
{
	struct vo_table *t;
	int rc;

	*out = NULL;
	t = vo_calloc(1, sizeof(*t));
	if (!t)
		return vo_error_nomem_in(err, origin);
	rc = vo_artifact_parse(text, len, origin, &t->a, err);
	if (!rc)
		rc = build(t, origin, err);
	if (rc) {
		vo_table_destroy(t);
		return rc;
	}
	*out = t;
	return VO_OK;
}

int vo_table_load(const char *path, struct vo_table **out, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	*out = NULL;
	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_read_file(path, VO_ARTIFACT_MAX, &b, err);
	if (!rc)
		rc = vo_table_parse(b.ptr ? b.ptr : "", b.len, path, out, err);
	vo_buf_release(&b);
	return rc;
}

void vo_table_destroy(struct vo_table *t)
{
	if (!t)
		return;
	vo_artifact_release(&t->a);
	vo_free(t->keys);
	vo_free(t->segments_json);
	vo_free(t->dashboard_html);
	vo_free(t);
}

const char *vo_table_version(const struct vo_table *t)
{
	return t->a.version;
}

const char *vo_table_built_at(const struct vo_table *t)
{
	return t->a.built_at;
}

int64_t vo_table_built_at_us(const struct vo_table *t)
{
	return t->built_at_us;
}

struct vo_str vo_table_segments_json(const struct vo_table *t)
{
	return vo_str_make(t->segments_json, t->segments_json_len);
}

struct vo_str vo_table_dashboard_html(const struct vo_table *t)
{
	return vo_str_make(t->dashboard_html, t->dashboard_len);
}

const struct vo_segdef *vo_table_segment(const struct vo_table *t, struct vo_str name)
{
	size_t s;

	for (s = 0; s < t->a.config.nsegs; s++)
		if (vo_str_eq_cstr(name, t->a.config.segs[s].name))
			return &t->a.config.segs[s];
	return NULL;
}

ptrdiff_t vo_table_country(const struct vo_table *t, struct vo_str name)
{
	size_t lo = 0;
	size_t hi = t->a.ncountries;

	name = vo_str_trim(name);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_nocase(name, t->keys[mid].name);

		if (!c)
			return (ptrdiff_t)t->keys[mid].index;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

size_t vo_table_ncountries(const struct vo_table *t)
{
	return t->a.ncountries;
}

const struct vo_artifact *vo_table_artifact(const struct vo_table *t)
{
	return &t->a;
}

enum vo_lookup vo_table_lookup(const struct vo_table *t, size_t ci, const struct vo_segdef *seg,
			       int64_t value, struct vo_match *m)
{
	const struct vo_country_table *ct = &t->a.countries[ci];
	const struct vo_cell *cell;
	int b = vo_segdef_find(seg, value);

	if (b < 0)
		return VO_LOOKUP_NO_BUCKET;
	cell = &ct->cells[seg->cell_base + (size_t)b];
	m->country = ct->name;
	m->bucket = seg->buckets[b].name;
	if (cell->has_voucher) {
		m->voucher = cell->voucher;
		m->fallback = false;
		return VO_LOOKUP_OK;
	}
	if (!ct->fallback.has_voucher)
		return VO_LOOKUP_NO_VOUCHER;
	m->voucher = ct->fallback.voucher;
	m->fallback = true;
	return VO_LOOKUP_OK;
}
