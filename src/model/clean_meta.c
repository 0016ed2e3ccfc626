/*
 * clean_meta.c - the clean metadata's writer and reader, see clean_meta.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/json.h"
#include "core/json_read.h"
#include "core/limits.h"
#include "model/artifact_int.h"
#include "model/clean_meta.h"

int vo_clean_meta_render(const struct vo_artifact *a, struct vo_buf *out)
{
	struct vo_json j;
	int rc;

	vo_json_init(&j, out, true);
	vo_json_object_begin(&j);
	vo_json_key(&j, "format");
	vo_json_str(&j, VO_CLEAN_META_FORMAT);
	vo_json_key(&j, "sources");
	rc = vo__render_sources(&j, a, false);
	if (rc)
		return rc;
	vo_json_key(&j, "countries_selected");
	vo__render_selected(&j, a);
	vo_json_key(&j, "quality");
	vo__render_quality(&j, a, false);
	vo_json_object_end(&j);
	rc = vo_json_status(&j);
	return rc ? rc : vo_buf_addch(out, '\n');
}

char *vo_clean_meta_path(const char *csv)
{
	size_t len = strlen(csv) + sizeof(".meta.json");
	char *p = vo_malloc(len);

	if (p)
		snprintf(p, len, "%s.meta.json", csv);
	return p;
}

int vo_clean_meta_write(const struct vo_artifact *a, const char *path, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_clean_meta_render(a, &b);
	if (rc)
		vo_error_set(err, rc, "%s: cannot render the clean metadata: %s", path,
			     rc == VO_ELIMIT ? "it would be larger than VO_ARTIFACT_MAX (256 MiB)"
					     : vo_strerror(rc));
	else
		rc = vo_write_file_atomic(path, b.ptr, b.len, err);
	vo_buf_release(&b);
	return rc;
}

void vo_clean_meta_release(struct vo_clean_meta *m)
{
	size_t i;

	for (i = 0; i < m->nsources; i++)
		vo_free(m->sources[i].path);
	vo_free(m->sources);
	for (i = 0; i < m->ncountries; i++)
		vo_free(m->countries[i]);
	vo_free(m->countries);
	memset(m, 0, sizeof(*m));
}

static int read_countries(struct vo_jread *r, const cJSON *arr, struct vo_clean_meta *m)
{
	const cJSON *item;
	size_t n = 0;
	int rc = vo__read_selected(r, arr, &n);

	if (rc)
		return rc;
	m->countries = vo_calloc(VO_MAX(n, 1), sizeof(*m->countries));
	if (!m->countries)
		return vo_jread_nomem(r);
	cJSON_ArrayForEach(item, arr)
	{
		m->countries[m->ncountries] = vo_strdup(item->valuestring);
		if (!m->countries[m->ncountries])
			return vo_jread_nomem(r);
		m->ncountries++;
	}
	return VO_OK;
}

static int read_doc(struct vo_jread *r, const cJSON *doc, struct vo_clean_meta *m)
{
	static const char *const keys[] = { "format", "sources", "countries_selected", "quality" };
	static const char *const qkeys[] = { "rows_read", "rows_kept", "missing_total_orders",
					     "dropped" };
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(doc, "format");
	const cJSON *q;
	size_t mark;
	int rc;

	/* the format first, so another kind of file is named as such */
	if (!cJSON_IsObject(doc) || !cJSON_IsString(format) ||
	    strcmp(format->valuestring, VO_CLEAN_META_FORMAT) != 0)
		return vo_jread_fail(r, "not a vouch clean metadata file (no \"format\": \"%s\")",
				     VO_CLEAN_META_FORMAT);
	rc = vo_jread_keys(r, doc, keys, VO_ARRAY_SIZE(keys));
	if (rc)
		return rc;
	mark = vo_jread_enter(r, "sources");
	rc = vo__read_sources(r, cJSON_GetObjectItemCaseSensitive(doc, "sources"), &m->sources,
			      &m->nsources);
	vo_jread_leave(r, mark);
	if (rc)
		return rc;
	mark = vo_jread_enter(r, "countries_selected");
	rc = read_countries(r, cJSON_GetObjectItemCaseSensitive(doc, "countries_selected"), m);
	vo_jread_leave(r, mark);
	if (rc)
		return rc;
	q = cJSON_GetObjectItemCaseSensitive(doc, "quality");
	mark = vo_jread_enter(r, "quality");
	rc = vo_jread_keys(r, q, qkeys, VO_ARRAY_SIZE(qkeys));
	if (!rc)
		rc = vo__read_quality(r, q, &m->quality);
	if (!rc)
		rc = vo__check_quality(r, &m->quality);
	vo_jread_leave(r, mark);
	return rc;
}

int vo_clean_meta_parse(const char *text, size_t len, const char *origin, struct vo_clean_meta *out,
			struct vo_error *err)
{
	struct vo_jread r;
	cJSON *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	vo_jread_init(&r, origin, err);
	rc = vo_jread_parse(&r, text, len, VO_ARTIFACT_MAX, &doc);
	if (rc)
		return rc;
	rc = read_doc(&r, doc, out);
	cJSON_Delete(doc);
	if (!rc)
		out->nfiles = 1;
	return rc;
}

/* Reads path into *m; VO_ENOTFOUND (no message) when there is no such file. */
static int load(const char *path, struct vo_clean_meta *m, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	memset(m, 0, sizeof(*m));
	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_read_file(path, VO_ARTIFACT_MAX, &b, err);
	if (!rc)
		rc = vo_clean_meta_parse(b.ptr ? b.ptr : "", b.len, path, m, err);
	vo_buf_release(&b);
	return rc;
}

static bool same_selection(const struct vo_clean_meta *a, const struct vo_clean_meta *b)
{
	size_t i;

	if (a->ncountries != b->ncountries)
		return false;
	for (i = 0; i < a->ncountries; i++)
		if (strcmp(a->countries[i], b->countries[i]) != 0)
			return false;
	return true;
}

/* *sum += v, false when the sum passes what a JSON number holds exactly. */
static bool add_count(uint64_t *sum, uint64_t v)
{
	return !__builtin_add_overflow(*sum, v, sum) && *sum <= VO_JSON_WHOLE_MAX;
}

/* Adds m (one file's metadata, read from path) into sum, taking m's sources. */
static int add(struct vo_clean_meta *sum, struct vo_clean_meta *m, const char *path,
	       struct vo_error *err)
{
	struct vo_source *ns;
	bool ok;
	size_t i;

	if (!sum->nfiles) {
		*sum = *m;
		memset(m, 0, sizeof(*m));
		return VO_OK;
	}
	if (!same_selection(sum, m))
		return vo_error_set(err, VO_EFORMAT,
				    "%s: cleaned with a different country selection than the "
				    "other inputs",
				    path);
	ok = add_count(&sum->quality.rows_read, m->quality.rows_read) &&
	     add_count(&sum->quality.rows_kept, m->quality.rows_kept) &&
	     add_count(&sum->quality.missing_total_orders, m->quality.missing_total_orders);
	for (i = 0; ok && i < VO_OUT_KEPT; i++)
		ok = add_count(&sum->quality.dropped[i], m->quality.dropped[i]);
	if (!ok)
		return vo_error_set(err, VO_ELIMIT, "%s: the quality figures sum past 2^53", path);
	ns = vo_reallocarray(sum->sources, sum->nsources + m->nsources, sizeof(*ns));
	if (!ns)
		return vo_error_nomem(err);
	sum->sources = ns;
	memcpy(ns + sum->nsources, m->sources, m->nsources * sizeof(*ns));
	sum->nsources += m->nsources;
	vo_free(m->sources);
	m->sources = NULL;
	m->nsources = 0;
	sum->nfiles++;
	return VO_OK;
}

int vo_clean_meta_load_inputs(const char *const *csvs, size_t n, struct vo_clean_meta *out,
			      struct vo_error *err)
{
	struct vo_clean_meta m;
	char *path = NULL;
	size_t i;
	int rc = VO_OK;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	for (i = 0; i < n && !rc; i++) {
		path = vo_clean_meta_path(csvs[i]);
		if (!path)
			return vo_error_nomem(err);
		rc = load(path, &m, err);
		if (rc == VO_ENOTFOUND) {
			rc = VO_OK;
		} else if (!rc) {
			if (!m.ncountries)
				rc = vo_error_set(err, VO_EFORMAT, "%s: no countries selected",
						  path);
			else
				rc = add(out, &m, path, err);
		}
		vo_clean_meta_release(&m);
		VO_FREE(path);
	}
	if (!rc && out->nfiles && out->nfiles != n)
		rc = vo_error_set(
			err, VO_EFORMAT,
			"some inputs have a .meta.json file and some do not: give all or none");
	return rc;
}

int vo_clean_meta_apply(struct vo_clean_meta *m, struct vo_artifact *a, struct vo_error *err)
{
	size_t i;
	int rc;

	if (a->quality.rows_kept != a->quality.rows_read ||
	    a->quality.rows_kept != m->quality.rows_kept)
		return vo_error_set(err, VO_EFORMAT,
				    "the cleaned rows (%" PRIu64 " read, %" PRIu64
				    " kept) do not match their .meta.json (%" PRIu64
				    " kept): was the CSV edited?",
				    a->quality.rows_read, a->quality.rows_kept,
				    m->quality.rows_kept);
	a->quality = m->quality;
	for (i = 0; i < a->nsources; i++)
		vo_free(a->sources[i].path);
	vo_free(a->sources);
	a->sources = m->sources;
	a->nsources = m->nsources;
	m->sources = NULL;
	m->nsources = 0;
	rc = vo_artifact_seal(a);
	if (rc)
		return vo_error_set(err, rc, "cannot seal the artifact: %s",
				    rc == VO_ELIMIT ? "it would be larger than VO_ARTIFACT_MAX "
						      "(256 MiB), the most a server loads"
						    : vo_strerror(rc));
	return VO_OK;
}
