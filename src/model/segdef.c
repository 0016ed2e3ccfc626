/*
 * segdef.c - segment definitions: defaults and the JSON file, see segdef.h.
 */
#include "core/common.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "model/segdef.h"

const char *vo_seg_field_name(enum vo_seg_field f)
{
	return f == VO_FIELD_TOTAL_ORDERS ? "total_orders" : "days_since_last_order";
}

void vo_segconfig_release(struct vo_segconfig *cfg)
{
	size_t s;
	size_t b;

	for (s = 0; s < cfg->nsegs; s++) {
		for (b = 0; b < cfg->segs[s].nbuckets; b++)
			vo_free(cfg->segs[s].buckets[b].name);
		vo_free(cfg->segs[s].buckets);
		vo_free(cfg->segs[s].name);
	}
	vo_free(cfg->segs);
	memset(cfg, 0, sizeof(*cfg));
}

/* Appends an empty segment named name; its buckets follow with add_bucket(). */
static int add_segment(struct vo_segconfig *cfg, const char *name, enum vo_seg_field field)
{
	struct vo_segdef *ns = vo_reallocarray(cfg->segs, cfg->nsegs + 1, sizeof(*ns));

	if (!ns)
		return VO_ENOMEM;
	cfg->segs = ns;
	memset(&ns[cfg->nsegs], 0, sizeof(ns[0]));
	ns[cfg->nsegs].name = vo_strdup(name);
	if (!ns[cfg->nsegs].name)
		return VO_ENOMEM;
	ns[cfg->nsegs].field = field;
	ns[cfg->nsegs].cell_base = cfg->ncells;
	cfg->nsegs++;
	return VO_OK;
}

static int add_bucket(struct vo_segconfig *cfg, const char *name, int64_t min, int64_t max,
		      bool open)
{
	struct vo_segdef *seg = &cfg->segs[cfg->nsegs - 1];
	struct vo_bucket *nb = vo_reallocarray(seg->buckets, seg->nbuckets + 1, sizeof(*nb));

	if (!nb)
		return VO_ENOMEM;
	seg->buckets = nb;
	nb[seg->nbuckets].name = vo_strdup(name);
	if (!nb[seg->nbuckets].name)
		return VO_ENOMEM;
	nb[seg->nbuckets].min = min;
	nb[seg->nbuckets].max = open ? INT64_MAX : max;
	nb[seg->nbuckets].open = open;
	seg->nbuckets++;
	cfg->ncells++;
	return VO_OK;
}

int vo_segconfig_default(struct vo_segconfig *cfg)
{
	static const struct {
		const char *name;
		int64_t min;
		int64_t max;
	} freq[] = { { "0-4", 0, 4 }, { "5-13", 5, 13 }, { "14-37", 14, 37 } },
	  rec[] = { { "30-60", 30, 60 },
		    { "61-90", 61, 90 },
		    { "91-120", 91, 120 },
		    { "121-180", 121, 180 },
		    { "180+", 181, -1 } };
	int rc;
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	rc = add_segment(cfg, "frequent_segment", VO_FIELD_TOTAL_ORDERS);
	for (i = 0; !rc && i < VO_ARRAY_SIZE(freq); i++)
		rc = add_bucket(cfg, freq[i].name, freq[i].min, freq[i].max, false);
	if (!rc)
		rc = add_segment(cfg, "recency_segment", VO_FIELD_DAYS_SINCE_LAST_ORDER);
	for (i = 0; !rc && i < VO_ARRAY_SIZE(rec); i++)
		rc = add_bucket(cfg, rec[i].name, rec[i].min, rec[i].max, rec[i].max < 0);
	if (rc)
		vo_segconfig_release(cfg);
	return rc;
}

int vo_segconfig_copy(struct vo_segconfig *dst, const struct vo_segconfig *src)
{
	size_t s;
	size_t b;
	int rc = VO_OK;

	memset(dst, 0, sizeof(*dst));
	for (s = 0; !rc && s < src->nsegs; s++) {
		rc = add_segment(dst, src->segs[s].name, src->segs[s].field);
		for (b = 0; !rc && b < src->segs[s].nbuckets; b++) {
			const struct vo_bucket *bk = &src->segs[s].buckets[b];

			rc = add_bucket(dst, bk->name, bk->min, bk->max, bk->open);
		}
	}
	if (rc)
		vo_segconfig_release(dst);
	return rc;
}

/* A JSON number that is a whole number in [0, 2^53]: cJSON keeps numbers as doubles. */
static bool json_whole(const cJSON *n, int64_t *out)
{
	double d;

	if (!cJSON_IsNumber(n))
		return false;
	d = n->valuedouble;
	if (!isfinite(d) || d < 0 || d != floor(d) || d > 9007199254740992.0)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool valid_name(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= VO_NAME_MAX;
}

static int parse_buckets(struct vo_segconfig *cfg, const cJSON *buckets, const char *origin,
			 const char *seg, struct vo_error *err)
{
	const struct vo_segdef *sd;
	const cJSON *bk;
	size_t i;
	size_t j;
	int rc;

	if (!cJSON_IsArray(buckets) || !cJSON_GetArraySize(buckets))
		return vo_error_set(err, VO_EFORMAT,
				    "%s: segment '%s': 'buckets' must be a non-empty array", origin,
				    seg);
	if (cJSON_GetArraySize(buckets) > VO_BUCKETS_MAX)
		return vo_error_set(err, VO_ELIMIT, "%s: segment '%s': more than %d buckets",
				    origin, seg, VO_BUCKETS_MAX);
	i = 0;
	cJSON_ArrayForEach(bk, buckets)
	{
		const cJSON *jname = cJSON_GetObjectItemCaseSensitive(bk, "name");
		const cJSON *jmin = cJSON_GetObjectItemCaseSensitive(bk, "min");
		const cJSON *jmax = cJSON_GetObjectItemCaseSensitive(bk, "max");
		char defname[64];
		const char *name = defname;
		int64_t min;
		int64_t max = 0;
		bool open = !jmax || cJSON_IsNull(jmax);

		if (!cJSON_IsObject(bk))
			return vo_error_set(err, VO_EFORMAT,
					    "%s: segment '%s': bucket %zu is not an object", origin,
					    seg, i + 1);
		if (!json_whole(jmin, &min))
			return vo_error_set(
				err, VO_EFORMAT,
				"%s: segment '%s': bucket %zu: 'min' must be a whole number >= 0",
				origin, seg, i + 1);
		if (!open && (!json_whole(jmax, &max) || max < min))
			return vo_error_set(err, VO_EFORMAT,
					    "%s: segment '%s': bucket %zu: 'max' must be null or a "
					    "whole number >= min",
					    origin, seg, i + 1);
		if (jname && !(cJSON_IsString(jname) && valid_name(jname->valuestring)))
			return vo_error_set(err, VO_EFORMAT,
					    "%s: segment '%s': bucket %zu: 'name' must be a "
					    "non-empty string of at most %d bytes",
					    origin, seg, i + 1, VO_NAME_MAX);
		if (jname)
			name = jname->valuestring;
		else if (open)
			snprintf(defname, sizeof(defname), "%" PRId64 "+", min);
		else
			snprintf(defname, sizeof(defname), "%" PRId64 "-%" PRId64, min, max);
		rc = add_bucket(cfg, name, min, max, open);
		if (rc)
			return vo_error_set(err, rc, "out of memory");
		i++;
	}
	sd = &cfg->segs[cfg->nsegs - 1];
	for (i = 0; i < sd->nbuckets; i++) {
		for (j = 0; j < i; j++) {
			const struct vo_bucket *a = &sd->buckets[i];
			const struct vo_bucket *b = &sd->buckets[j];

			if (!strcmp(a->name, b->name))
				return vo_error_set(
					err, VO_EFORMAT,
					"%s: segment '%s': bucket name '%s' appears twice", origin,
					seg, a->name);
			if (a->min <= b->max && b->min <= a->max)
				return vo_error_set(
					err, VO_EFORMAT,
					"%s: segment '%s': buckets '%s' and '%s' overlap", origin,
					seg, b->name, a->name);
		}
	}
	return VO_OK;
}

static int parse_segment(struct vo_segconfig *cfg, const char *name, const cJSON *def,
			 const char *origin, struct vo_error *err)
{
	const cJSON *field = cJSON_GetObjectItemCaseSensitive(def, "field");
	enum vo_seg_field f;
	size_t s;
	int rc;

	if (!valid_name(name))
		return vo_error_set(
			err, VO_EFORMAT,
			"%s: segment names must be non-empty strings of at most %d bytes", origin,
			VO_NAME_MAX);
	for (s = 0; s < cfg->nsegs; s++)
		if (!strcmp(cfg->segs[s].name, name))
			return vo_error_set(err, VO_EFORMAT, "%s: segment '%s' appears twice",
					    origin, name);
	if (!cJSON_IsObject(def))
		return vo_error_set(err, VO_EFORMAT, "%s: segment '%s' is not an object", origin,
				    name);
	if (cJSON_IsString(field) && !strcmp(field->valuestring, "total_orders"))
		f = VO_FIELD_TOTAL_ORDERS;
	else if (cJSON_IsString(field) && !strcmp(field->valuestring, "days_since_last_order"))
		f = VO_FIELD_DAYS_SINCE_LAST_ORDER;
	else
		return vo_error_set(err, VO_EFORMAT,
				    "%s: segment '%s': 'field' must be \"total_orders\" or "
				    "\"days_since_last_order\"",
				    origin, name);
	rc = add_segment(cfg, name, f);
	if (rc)
		return vo_error_set(err, rc, "out of memory");
	return parse_buckets(cfg, cJSON_GetObjectItemCaseSensitive(def, "buckets"), origin, name,
			     err);
}

int vo_segconfig_parse(struct vo_segconfig *cfg, const char *json, size_t len, const char *origin,
		       struct vo_error *err)
{
	const cJSON *segs;
	const cJSON *item;
	cJSON *root;
	int rc = VO_OK;

	memset(cfg, 0, sizeof(*cfg));
	root = cJSON_ParseWithLengthOpts(json, len, NULL, false);
	if (!root)
		return vo_error_set(err, VO_EFORMAT, "%s: not valid JSON", origin);
	segs = cJSON_GetObjectItemCaseSensitive(root, "segments");
	if (!cJSON_IsObject(segs) && !cJSON_IsArray(segs)) {
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s: expected an object with a 'segments' object or array",
				  origin);
		goto out;
	}
	if (!cJSON_GetArraySize(segs) || cJSON_GetArraySize(segs) > VO_SEGMENTS_MAX) {
		rc = vo_error_set(err, VO_EFORMAT, "%s: 'segments' must hold 1 to %d segments",
				  origin, VO_SEGMENTS_MAX);
		goto out;
	}
	cJSON_ArrayForEach(item, segs)
	{
		const char *name = item->string;

		if (cJSON_IsArray(segs)) {
			const cJSON *jn = cJSON_GetObjectItemCaseSensitive(item, "name");

			name = cJSON_IsString(jn) ? jn->valuestring : "";
		}
		rc = parse_segment(cfg, name ? name : "", item, origin, err);
		if (rc)
			goto out;
	}
out:
	cJSON_Delete(root);
	if (rc)
		vo_segconfig_release(cfg);
	return rc;
}

int vo_segconfig_load(struct vo_segconfig *cfg, const char *path, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	vo_buf_init(&b, VO_CONFIG_FILE_MAX);
	rc = vo_read_file(path, VO_CONFIG_FILE_MAX, &b, err);
	if (!rc)
		rc = vo_segconfig_parse(cfg, b.ptr ? b.ptr : "", b.len, path, err);
	vo_buf_release(&b);
	return rc;
}
