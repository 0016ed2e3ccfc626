/*
 * segdef.c - segment definitions: defaults and the JSON file, see segdef.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "model/name.h"
#include "model/segdef.h"

/* The one map between the fields and their names. */
static const char *const field_names[] = {
	[VO_FIELD_TOTAL_ORDERS] = "total_orders",
	[VO_FIELD_DAYS_SINCE_LAST_ORDER] = "days_since_last_order",
};

const char *vo_seg_field_name(enum vo_seg_field f)
{
	return (size_t)f < VO_ARRAY_SIZE(field_names) ? field_names[f] : "?";
}

bool vo_seg_field_from_name(const char *s, enum vo_seg_field *f)
{
	for (size_t i = 0; i < VO_ARRAY_SIZE(field_names); i++) {
		if (!strcmp(s, field_names[i])) {
			*f = (enum vo_seg_field)i;
			return true;
		}
	}
	return false;
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

/* A name the artifact can carry (model/name.h); why gets the reason when not. */
static bool valid_name(const char *s, char *why, size_t why_len)
{
	return vo_name_check(vo_str_cstr(s), why, why_len);
}

/* One bucket {"name", "min", "max"} appended to the last segment of cfg. */
static int read_bucket(struct vo_jread *r, const cJSON *bk, enum vo_segdef_form form,
		       struct vo_segconfig *cfg)
{
	static const char *const keys[] = { "name", "min", "max" };
	const struct vo_segdef *seg = &cfg->segs[cfg->nsegs - 1];
	const cJSON *jmax;
	const char *name = NULL;
	char defname[48];
	char why[128];
	uint64_t min = 0;
	uint64_t max = 0;
	bool open;
	size_t i;
	int rc;

	if (form == VO_SEGDEF_ARTIFACT)
		rc = vo_jread_keys(r, bk, keys, VO_ARRAY_SIZE(keys));
	else
		rc = vo_jread_object(r, bk);
	if (!rc && (form == VO_SEGDEF_ARTIFACT || cJSON_GetObjectItemCaseSensitive(bk, "name")))
		rc = vo_jread_str(r, bk, "name", VO_NAME_MAX, &name);
	if (!rc)
		rc = vo_jread_u64(r, bk, "min", &min);
	if (rc)
		return rc;
	jmax = cJSON_GetObjectItemCaseSensitive(bk, "max");
	open = cJSON_IsNull(jmax) || (!jmax && form == VO_SEGDEF_CONFIG);
	if (!open && (!vo_json_whole(jmax, &max) || max < min))
		return vo_jread_fail_at(r, "max", "expected null or a whole number >= min");
	if (!name) {
		if (open)
			snprintf(defname, sizeof(defname), "%" PRIu64 "+", min);
		else
			snprintf(defname, sizeof(defname), "%" PRIu64 "-%" PRIu64, min, max);
		name = defname;
	}
	if (!valid_name(name, why, sizeof(why)))
		return vo_jread_fail_at(r, "name", "the bucket name %s", why);
	for (i = 0; i < seg->nbuckets; i++) {
		const struct vo_bucket *o = &seg->buckets[i];

		if (strcmp(o->name, name) == 0)
			return vo_jread_fail(r, "bucket name '%s' appears twice", name);
		if ((int64_t)min <= o->max && (open || o->min <= (int64_t)max))
			return vo_jread_fail(r, "buckets '%s' and '%s' overlap", o->name, name);
	}
	if (add_bucket(cfg, name, (int64_t)min, (int64_t)max, open))
		return vo_jread_nomem(r);
	return VO_OK;
}

/* One segment {"field", "buckets"} named name, appended to cfg. */
static int read_segment(struct vo_jread *r, const cJSON *def, const char *name,
			enum vo_segdef_form form, struct vo_segconfig *cfg)
{
	static const char *const keys[] = { "field", "buckets" };
	const cJSON *field;
	const cJSON *buckets;
	const cJSON *bk;
	enum vo_seg_field f;
	size_t mark;
	size_t n;
	size_t i = 0;
	int rc;

	if (form == VO_SEGDEF_ARTIFACT)
		rc = vo_jread_keys(r, def, keys, VO_ARRAY_SIZE(keys));
	else
		rc = vo_jread_object(r, def);
	if (rc)
		return rc;
	field = cJSON_GetObjectItemCaseSensitive(def, "field");
	if (!cJSON_IsString(field) || !vo_seg_field_from_name(field->valuestring, &f))
		return vo_jread_fail_at(r, "field",
					"expected \"total_orders\" or \"days_since_last_order\"");
	buckets = cJSON_GetObjectItemCaseSensitive(def, "buckets");
	n = cJSON_IsArray(buckets) ? (size_t)cJSON_GetArraySize(buckets) : 0;
	if (!n || n > VO_BUCKETS_MAX)
		return vo_jread_fail_at(r, "buckets", "expected an array of 1 to %d buckets",
					VO_BUCKETS_MAX);
	if (add_segment(cfg, name, f))
		return vo_jread_nomem(r);
	mark = vo_jread_enter(r, "buckets");
	cJSON_ArrayForEach(bk, buckets)
	{
		size_t bmark = vo_jread_enter_index(r, i++);

		rc = read_bucket(r, bk, form, cfg);
		vo_jread_leave(r, bmark);
		if (rc)
			break;
	}
	vo_jread_leave(r, mark);
	return rc;
}

int vo_segconfig_read(struct vo_jread *r, const cJSON *v, enum vo_segdef_form form,
		      struct vo_segconfig *cfg)
{
	bool array = form == VO_SEGDEF_CONFIG && cJSON_IsArray(v);
	const cJSON *item;
	char why[128];
	size_t n;
	size_t i = 0;
	int rc = VO_OK;

	memset(cfg, 0, sizeof(*cfg));
	if (!array && !cJSON_IsObject(v))
		return vo_jread_fail(r, "expected an object%s, not %s",
				     form == VO_SEGDEF_CONFIG ? " or an array" : "",
				     vo_json_type_name(v));
	n = (size_t)cJSON_GetArraySize(v);
	if (!n || n > VO_SEGMENTS_MAX)
		return vo_jread_fail(r, "expected 1 to %d segments", VO_SEGMENTS_MAX);
	if (!array)
		rc = vo_jread_unique(r, v);
	for (item = v->child; !rc && item; item = item->next, i++) {
		const char *name = item->string ? item->string : "";
		size_t mark;

		if (array) {
			const cJSON *jn = cJSON_GetObjectItemCaseSensitive(item, "name");

			name = cJSON_IsString(jn) ? jn->valuestring : "";
			mark = vo_jread_enter_index(r, i);
			rc = vo_jread_object(r, item);
			if (!rc && !valid_name(name, why, sizeof(why)))
				rc = vo_jread_fail_at(r, "name", "the segment name %s", why);
			for (size_t s = 0; !rc && s < cfg->nsegs; s++)
				if (!strcmp(cfg->segs[s].name, name))
					rc = vo_jread_fail_at(r, "name",
							      "segment '%s' appears twice", name);
		} else if (!valid_name(name, why, sizeof(why))) {
			rc = vo_jread_fail(r, "the segment name %s", why);
			break;
		} else {
			mark = vo_jread_enter(r, name);
		}
		if (!rc)
			rc = read_segment(r, item, name, form, cfg);
		vo_jread_leave(r, mark);
	}
	if (rc)
		vo_segconfig_release(cfg);
	return rc;
}

/*
 * The offset of the first \u0000 escape inside a JSON string of text, or
 * SIZE_MAX.  The JSON reader (cJSON) ends a string there, so "b\u0000x" and
 * "b\u0000y" would both be read as "b": a config holding one is refused
 * rather than read with names cut short (model/name.h).
 */
static size_t find_nul_escape(const char *text, size_t len)
{
	bool in_str = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (text[i] == '"') {
			in_str = !in_str;
		} else if (in_str && text[i] == '\\' && i + 1 < len) {
			if (text[i + 1] == 'u' && i + 6 <= len && !memcmp(text + i + 2, "0000", 4))
				return i;
			i++; /* the escaped character cannot end the string */
		}
	}
	return SIZE_MAX;
}

int vo_segconfig_parse(struct vo_segconfig *cfg, const char *json, size_t len, const char *origin,
		       struct vo_error *err)
{
	struct vo_jread r;
	const cJSON *segs;
	cJSON *root;
	size_t mark;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	vo_jread_init(&r, origin, err);
	rc = vo_jread_parse(&r, json, len, 0, &root);
	if (rc)
		return rc;
	if (find_nul_escape(json, len) != SIZE_MAX) {
		cJSON_Delete(root);
		return vo_error_set(
			err, VO_EFORMAT,
			"%s: a string holds \\u0000 (at byte %zu): names cannot hold a NUL", origin,
			find_nul_escape(json, len));
	}
	segs = cJSON_GetObjectItemCaseSensitive(root, "segments");
	if (!cJSON_IsObject(segs) && !cJSON_IsArray(segs)) {
		rc = vo_jread_fail(&r, "expected an object with a 'segments' object or array");
	} else {
		mark = vo_jread_enter(&r, "segments");
		rc = vo_segconfig_read(&r, segs, VO_SEGDEF_CONFIG, cfg);
		vo_jread_leave(&r, mark);
	}
	cJSON_Delete(root);
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
