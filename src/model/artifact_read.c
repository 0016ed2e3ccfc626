/*
 * artifact_read.c - parsing a segments artifact back into struct vo_artifact,
 * see vo_artifact_parse() in artifact.h.
 *
 * The reader is strict because the server must refuse a damaged artifact and
 * keep serving the old one: every key must be present with its type and no
 * other key may appear, the figures must agree with each other, and the
 * version must be the SHA-256 of the content as re-rendered from what was
 * parsed.  Each message names the origin and the key path, e.g.
 * "segments.json: countries.Peru.segments.frequent_segment.0-4.rows: ...".
 */
#include "core/common.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "model/artifact.h"
#include "model/value.h"
#include "core/alloc.h"
#include "core/limits.h"

/* The largest integer a JSON number (read as a double) holds exactly. */
#define EXACT_MAX 9007199254740992.0

/* The parse state: where the error goes and the key path being read. */
struct reader {
	const char *origin;   /* names the document in messages */
	struct vo_error *err; /* the caller's */
	char path[VO_ERROR_MSG_MAX];
	size_t len; /* bytes of path in use */
};

/* Appends ".key" (or "key" at the top) to the path; returns the mark to leave() to. */
static size_t enter(struct reader *r, const char *key)
{
	size_t mark = r->len;
	int n = snprintf(r->path + r->len, sizeof(r->path) - r->len, "%s%s", r->len ? "." : "",
			 key);

	if (n > 0)
		r->len = VO_MIN(r->len + (size_t)n, sizeof(r->path) - 1);
	return mark;
}

/* Appends "[i]" to the path. */
static size_t enter_index(struct reader *r, size_t i)
{
	size_t mark = r->len;
	int n = snprintf(r->path + r->len, sizeof(r->path) - r->len, "[%zu]", i);

	if (n > 0)
		r->len = VO_MIN(r->len + (size_t)n, sizeof(r->path) - 1);
	return mark;
}

static void leave(struct reader *r, size_t mark)
{
	r->len = mark;
	r->path[mark] = '\0';
}

/* Sets "ORIGIN: PATH: MESSAGE" (or "ORIGIN: MESSAGE" at the top) and returns VO_EFORMAT. */
static VO_PRINTF(2, 3) int fail(struct reader *r, const char *fmt, ...)
{
	char msg[VO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->len)
		return vo_error_set(r->err, VO_EFORMAT, "%s: %s: %s", r->origin, r->path, msg);
	return vo_error_set(r->err, VO_EFORMAT, "%s: %s", r->origin, msg);
}

static int oom(struct reader *r)
{
	return vo_error_set(r->err, VO_ENOMEM, "%s: out of memory", r->origin);
}

static const char *type_name(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

/*
 * Checks that obj is an object whose keys are exactly keys[0..n) (each once,
 * any order).  The message names the first unexpected, repeated or missing key.
 */
static int check_keys(struct reader *r, const cJSON *obj, const char *const *keys, size_t n)
{
	bool seen[VO_BUCKETS_MAX] = { false }; /* n is at most the buckets of a segment */
	const cJSON *item;
	size_t i;

	_Static_assert(VO_SEGMENTS_MAX <= VO_BUCKETS_MAX, "check_keys() sizes seen[] by buckets");
	if (n > VO_BUCKETS_MAX)
		return fail(r, "more than %d keys expected", VO_BUCKETS_MAX);
	if (!cJSON_IsObject(obj))
		return fail(r, "expected an object, not %s", type_name(obj));
	cJSON_ArrayForEach(item, obj)
	{
		for (i = 0; i < n; i++)
			if (item->string && !strcmp(item->string, keys[i]))
				break;
		if (i == n)
			return fail(r, "unexpected key '%s'", item->string ? item->string : "");
		if (seen[i])
			return fail(r, "key '%s' appears twice", keys[i]);
		seen[i] = true;
	}
	for (i = 0; i < n; i++)
		if (!seen[i])
			return fail(r, "key '%s' is missing", keys[i]);
	return VO_OK;
}

/* Checks that obj has no key twice (for objects keyed by data: countries, counts). */
static int check_unique(struct reader *r, const cJSON *obj)
{
	const cJSON *a;
	const cJSON *b;

	cJSON_ArrayForEach(a, obj)
	{
		for (b = obj->child; b != a; b = b->next)
			if (a->string && b->string && !strcmp(a->string, b->string))
				return fail(r, "key '%s' appears twice", a->string);
	}
	return VO_OK;
}

/* A whole number in [0, 2^53] (what a double holds exactly). */
static bool json_whole(const cJSON *v, uint64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return false;
	d = v->valuedouble;
	if (!isfinite(d) || d < 0 || d > EXACT_MAX || d != floor(d))
		return false;
	*out = (uint64_t)d;
	return true;
}

/* The member key of obj (already checked by check_keys()) as a whole number >= 0. */
static int get_u64(struct reader *r, const cJSON *obj, const char *key, uint64_t *out)
{
	size_t mark = enter(r, key);
	int rc = VO_OK;

	if (!json_whole(cJSON_GetObjectItemCaseSensitive(obj, key), out))
		rc = fail(r, "expected a whole number >= 0");
	leave(r, mark);
	return rc;
}

/* The member key of obj as a string of at most max bytes (not counting the NUL). */
static int get_str(struct reader *r, const cJSON *obj, const char *key, size_t max,
		   const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	size_t mark = enter(r, key);
	int rc = VO_OK;

	if (!cJSON_IsString(v))
		rc = fail(r, "expected a string, not %s", type_name(v));
	else if (!v->valuestring[0] || strlen(v->valuestring) > max)
		rc = fail(r, "expected a non-empty string of at most %zu bytes", max);
	else
		*out = v->valuestring;
	leave(r, mark);
	return rc;
}

/* 64 lower-case hex digits. */
static bool is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < VO_SHA256_HEX - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

static int get_sha256(struct reader *r, const cJSON *obj, const char *key, char out[VO_SHA256_HEX])
{
	const char *s = NULL;
	size_t mark;
	int rc = get_str(r, obj, key, VO_SHA256_HEX - 1, &s);

	if (rc)
		return rc;
	if (!s || !is_sha256_hex(s)) {
		mark = enter(r, key);
		rc = fail(r, "expected 64 lower-case hex digits");
		leave(r, mark);
		return rc;
	}
	memcpy(out, s, VO_SHA256_HEX);
	return VO_OK;
}

/* A voucher amount written as a counts key: canonical decimal, 0 to 2^53. */
static bool parse_amount_key(const char *s, int64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!s || !s[0] || (s[0] == '0' && s[1]))
		return false;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 16)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > (uint64_t)EXACT_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

static int parse_sources(struct reader *r, const cJSON *arr, struct vo_artifact *a)
{
	static const char *const keys[] = { "path", "bytes", "sha256", "rows" };
	const cJSON *item;
	size_t n;
	size_t i = 0;
	int rc;

	if (!cJSON_IsArray(arr))
		return fail(r, "expected an array, not %s", type_name(arr));
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > VO_INPUT_FILES_MAX)
		return fail(r, "more than %d sources", VO_INPUT_FILES_MAX);
	a->sources = vo_calloc(VO_MAX(n, 1), sizeof(*a->sources));
	if (!a->sources)
		return oom(r);
	cJSON_ArrayForEach(item, arr)
	{
		struct vo_source *src = &a->sources[i];
		const char *path = NULL;
		size_t mark = enter_index(r, i);

		rc = check_keys(r, item, keys, VO_ARRAY_SIZE(keys));
		if (!rc)
			rc = get_str(r, item, "path", SIZE_MAX - 1, &path);
		if (!rc)
			rc = get_u64(r, item, "bytes", &src->bytes);
		if (!rc)
			rc = get_sha256(r, item, "sha256", src->sha256);
		if (!rc)
			rc = get_u64(r, item, "rows", &src->rows);
		leave(r, mark);
		if (rc)
			return rc;
		if (!path)
			return fail(r, "sources[%zu].path: expected a string", i);
		src->path = vo_strdup(path);
		if (!src->path)
			return oom(r);
		a->nsources = ++i;
	}
	return VO_OK;
}

static int parse_quality(struct reader *r, const cJSON *q, struct vo_artifact *a)
{
	static const char *const keys[] = { "rows_read", "rows_kept", "missing_total_orders",
					    "dropped", "outside_buckets" };
	const char *names[VO_OUT_KEPT];
	const char *segnames[VO_SEGMENTS_MAX];
	const cJSON *v;
	size_t mark;
	size_t i;
	int rc;

	rc = check_keys(r, q, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = get_u64(r, q, "rows_read", &a->quality.rows_read);
	if (!rc)
		rc = get_u64(r, q, "rows_kept", &a->quality.rows_kept);
	if (!rc)
		rc = get_u64(r, q, "missing_total_orders", &a->quality.missing_total_orders);
	if (rc)
		return rc;
	for (i = 0; i < VO_OUT_KEPT; i++)
		names[i] = vo_outcome_name((enum vo_outcome)i);
	v = cJSON_GetObjectItemCaseSensitive(q, "dropped");
	mark = enter(r, "dropped");
	rc = check_keys(r, v, names, VO_OUT_KEPT);
	for (i = 0; !rc && i < VO_OUT_KEPT; i++)
		rc = get_u64(r, v, names[i], &a->quality.dropped[i]);
	leave(r, mark);
	if (rc)
		return rc;
	/* outside_buckets is keyed by the segments, which are parsed by now */
	a->outside = vo_calloc(VO_MAX(a->config.nsegs, 1), sizeof(*a->outside));
	if (!a->outside)
		return oom(r);
	for (i = 0; i < a->config.nsegs; i++)
		segnames[i] = a->config.segs[i].name;
	v = cJSON_GetObjectItemCaseSensitive(q, "outside_buckets");
	mark = enter(r, "outside_buckets");
	rc = check_keys(r, v, segnames, a->config.nsegs);
	for (i = 0; !rc && i < a->config.nsegs; i++)
		rc = get_u64(r, v, segnames[i], &a->outside[i]);
	leave(r, mark);
	return rc;
}

/* One bucket definition {"name", "min", "max"} appended to seg. */
static int parse_bucket(struct reader *r, const cJSON *bk, struct vo_segdef *seg)
{
	static const char *const keys[] = { "name", "min", "max" };
	struct vo_bucket *b = &seg->buckets[seg->nbuckets];
	const cJSON *jmax;
	const char *name = NULL;
	uint64_t min = 0;
	uint64_t max = 0;
	size_t mark;
	size_t i;
	int rc;

	rc = check_keys(r, bk, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = get_str(r, bk, "name", VO_NAME_MAX, &name);
	if (!rc)
		rc = get_u64(r, bk, "min", &min);
	if (rc)
		return rc;
	if (!name)
		return fail(r, "name: expected a string");
	jmax = cJSON_GetObjectItemCaseSensitive(bk, "max");
	mark = enter(r, "max");
	if (!cJSON_IsNull(jmax) && (!json_whole(jmax, &max) || max < min))
		rc = fail(r, "expected null or a whole number >= min");
	leave(r, mark);
	if (rc)
		return rc;
	for (i = 0; seg->buckets && i < seg->nbuckets; i++) {
		const struct vo_bucket *o = &seg->buckets[i];

		if (strcmp(o->name, name) == 0)
			return fail(r, "bucket name '%s' appears twice", name);
		if ((int64_t)min <= o->max && (cJSON_IsNull(jmax) || o->min <= (int64_t)max))
			return fail(r, "buckets '%s' and '%s' overlap", o->name, name);
	}
	b->name = vo_strdup(name);
	if (!b->name)
		return oom(r);
	b->min = (int64_t)min;
	b->open = cJSON_IsNull(jmax);
	b->max = b->open ? INT64_MAX : (int64_t)max;
	seg->nbuckets++;
	return VO_OK;
}

/* One segment definition {"field", "buckets"} into cfg->segs[cfg->nsegs]. */
static int parse_segdef(struct reader *r, const cJSON *def, struct vo_segconfig *cfg)
{
	static const char *const keys[] = { "field", "buckets" };
	struct vo_segdef *seg = &cfg->segs[cfg->nsegs];
	const cJSON *field;
	const cJSON *buckets;
	const cJSON *bk;
	size_t n;
	size_t mark;
	int rc;

	rc = check_keys(r, def, keys, VO_ARRAY_SIZE(keys));
	if (rc)
		return rc;
	seg->name = vo_strdup(def->string);
	if (!seg->name)
		return oom(r);
	seg->cell_base = cfg->ncells;
	cfg->nsegs++;
	field = cJSON_GetObjectItemCaseSensitive(def, "field");
	if (cJSON_IsString(field) && !strcmp(field->valuestring, "total_orders")) {
		seg->field = VO_FIELD_TOTAL_ORDERS;
	} else if (cJSON_IsString(field) && !strcmp(field->valuestring, "days_since_last_order")) {
		seg->field = VO_FIELD_DAYS_SINCE_LAST_ORDER;
	} else {
		mark = enter(r, "field");
		rc = fail(r, "expected \"total_orders\" or \"days_since_last_order\"");
		leave(r, mark);
		return rc;
	}
	buckets = cJSON_GetObjectItemCaseSensitive(def, "buckets");
	mark = enter(r, "buckets");
	n = cJSON_IsArray(buckets) ? (size_t)cJSON_GetArraySize(buckets) : 0;
	if (!n || n > VO_BUCKETS_MAX)
		rc = fail(r, "expected an array of 1 to %d buckets", VO_BUCKETS_MAX);
	if (!rc) {
		seg->buckets = vo_calloc(n, sizeof(*seg->buckets));
		if (!seg->buckets)
			rc = oom(r);
	}
	if (!rc) {
		cJSON_ArrayForEach(bk, buckets)
		{
			size_t bmark = enter_index(r, seg->nbuckets);

			rc = parse_bucket(r, bk, seg);
			leave(r, bmark);
			if (rc)
				break;
		}
	}
	leave(r, mark);
	cfg->ncells += seg->nbuckets;
	return rc;
}

static int parse_segments(struct reader *r, const cJSON *segs, struct vo_segconfig *cfg)
{
	const cJSON *def;
	size_t n;
	int rc;

	if (!cJSON_IsObject(segs))
		return fail(r, "expected an object, not %s", type_name(segs));
	n = (size_t)cJSON_GetArraySize(segs);
	if (!n || n > VO_SEGMENTS_MAX)
		return fail(r, "expected 1 to %d segments", VO_SEGMENTS_MAX);
	rc = check_unique(r, segs);
	if (rc)
		return rc;
	cfg->segs = vo_calloc(n, sizeof(*cfg->segs));
	if (!cfg->segs)
		return oom(r);
	cJSON_ArrayForEach(def, segs)
	{
		size_t mark;

		if (!def->string[0] || strlen(def->string) > VO_NAME_MAX)
			return fail(r, "segment names must be non-empty and at most %d bytes",
				    VO_NAME_MAX);
		mark = enter(r, def->string);
		rc = parse_segdef(r, def, cfg);
		leave(r, mark);
		if (rc)
			return rc;
	}
	return VO_OK;
}

static int parse_selected(struct reader *r, const cJSON *arr, struct vo_artifact *a)
{
	const cJSON *item;
	size_t n;
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		return fail(r, "expected an array, not %s", type_name(arr));
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > VO_COUNTRIES_MAX)
		return fail(r, "more than %d countries", VO_COUNTRIES_MAX);
	a->countries = vo_calloc(VO_MAX(n, 1), sizeof(*a->countries));
	if (!a->countries)
		return oom(r);
	cJSON_ArrayForEach(item, arr)
	{
		size_t mark = enter_index(r, i);
		size_t j;
		int rc = VO_OK;

		if (!cJSON_IsString(item) || !item->valuestring[0])
			rc = fail(r, "expected a non-empty string");
		for (j = 0; !rc && j < i; j++)
			if (vo_str_eq_nocase(vo_str_trim(vo_str_cstr(a->countries[j].name)),
					     vo_str_trim(vo_str_cstr(item->valuestring))))
				rc = fail(r, "country '%s' appears twice", item->valuestring);
		leave(r, mark);
		if (rc)
			return rc;
		a->countries[i].name = vo_strdup(item->valuestring);
		if (!a->countries[i].name)
			return oom(r);
		a->ncountries = ++i;
	}
	return VO_OK;
}

/* Fills cell from {"voucher_amount", "rows"} (the fallback) or with counts too. */
static int parse_cell(struct reader *r, const cJSON *obj, bool with_counts, struct vo_cell *cell)
{
	static const char *const keys[] = { "voucher_amount", "rows", "counts" };
	const cJSON *va;
	const cJSON *counts;
	const cJSON *item;
	uint64_t rows = 0;
	uint64_t amount = 0;
	size_t best = 0;
	size_t mark;
	size_t i = 0;
	int rc;

	rc = check_keys(r, obj, keys, with_counts ? 3 : 2);
	if (!rc)
		rc = get_u64(r, obj, "rows", &rows);
	if (rc)
		return rc;
	va = cJSON_GetObjectItemCaseSensitive(obj, "voucher_amount");
	mark = enter(r, "voucher_amount");
	if (!cJSON_IsNull(va) && !json_whole(va, &amount))
		rc = fail(r, "expected an integer or null");
	leave(r, mark);
	if (rc)
		return rc;
	cell->has_voucher = !cJSON_IsNull(va);
	cell->voucher = (int64_t)amount;
	if (!with_counts) {
		/* the fallback's "rows" are the rows of its voucher */
		cell->voucher_rows = rows;
		if (cell->has_voucher != (rows > 0))
			return fail(r, "voucher_amount must be null exactly when rows is 0");
		return VO_OK;
	}
	cell->rows = rows;
	counts = cJSON_GetObjectItemCaseSensitive(obj, "counts");
	mark = enter(r, "counts");
	if (!cJSON_IsObject(counts)) {
		rc = fail(r, "expected an object, not %s", type_name(counts));
		goto out;
	}
	cell->ncounts = (size_t)cJSON_GetArraySize(counts);
	if (cell->ncounts > VO_VOUCHERS_MAX) {
		rc = fail(r, "more than %d voucher amounts", VO_VOUCHERS_MAX);
		goto out;
	}
	cell->counts = vo_calloc(VO_MAX(cell->ncounts, 1), sizeof(*cell->counts));
	if (!cell->counts) {
		rc = oom(r);
		goto out;
	}
	rows = 0;
	cJSON_ArrayForEach(item, counts)
	{
		struct vo_vcount *vc = &cell->counts[i];

		if (!parse_amount_key(item->string, &vc->amount)) {
			rc = fail(r,
				  "key '%s' is not a voucher amount (a whole number written "
				  "without sign or leading zeros, at most 2^53)",
				  item->string ? item->string : "");
			goto out;
		}
		if (i && vc->amount <= cell->counts[i - 1].amount) {
			rc = fail(r, "keys must be voucher amounts in ascending order");
			goto out;
		}
		if (!json_whole(item, &vc->rows) || !vc->rows) {
			size_t kmark = enter(r, item->string);

			rc = fail(r, "expected a whole number >= 1");
			leave(r, kmark);
			goto out;
		}
		if (vc->rows > UINT64_MAX - rows) {
			rc = fail(r, "counts overflow");
			goto out;
		}
		rows += vc->rows;
		/* ascending amounts: the first maximum is the smallest amount on a tie */
		if (!i || vc->rows > cell->counts[best].rows)
			best = i;
		i++;
	}
	leave(r, mark);
	if (rows != cell->rows)
		return fail(r, "rows is %" PRIu64 " but counts sum to %" PRIu64, cell->rows, rows);
	mark = enter(r, "voucher_amount");
	if (!cell->ncounts && cell->has_voucher)
		rc = fail(r, "must be null for an empty bucket");
	else if (cell->ncounts &&
		 (!cell->has_voucher || cell->voucher != cell->counts[best].amount))
		rc = fail(r, "expected %" PRId64 ", the most used amount of counts",
			  cell->counts[best].amount);
	else if (cell->ncounts)
		cell->voucher_rows = cell->counts[best].rows;
	leave(r, mark);
	return rc;
out:
	leave(r, mark);
	return rc;
}

/* One country's table {"rows", "fallback", "segments"}. */
static int parse_country(struct reader *r, const cJSON *obj, const struct vo_segconfig *cfg,
			 struct vo_country_table *t)
{
	static const char *const keys[] = { "rows", "fallback", "segments" };
	const char *segnames[VO_SEGMENTS_MAX];
	const cJSON *segs;
	size_t mark;
	size_t s;
	size_t b;
	int rc;

	rc = check_keys(r, obj, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = get_u64(r, obj, "rows", &t->rows);
	if (rc)
		return rc;
	mark = enter(r, "fallback");
	rc = parse_cell(r, cJSON_GetObjectItemCaseSensitive(obj, "fallback"), false, &t->fallback);
	if (!rc && t->fallback.voucher_rows > t->rows)
		rc = fail(r, "rows exceed the country's rows");
	if (!rc && t->fallback.has_voucher != (t->rows > 0))
		rc = fail(r, "voucher_amount must be null exactly when the country has no rows");
	leave(r, mark);
	if (rc)
		return rc;
	t->fallback.rows = t->rows;
	t->cells = vo_calloc(VO_MAX(cfg->ncells, 1), sizeof(*t->cells));
	if (!t->cells)
		return oom(r);
	for (s = 0; s < cfg->nsegs; s++)
		segnames[s] = cfg->segs[s].name;
	segs = cJSON_GetObjectItemCaseSensitive(obj, "segments");
	mark = enter(r, "segments");
	rc = check_keys(r, segs, segnames, cfg->nsegs);
	for (s = 0; !rc && s < cfg->nsegs; s++) {
		const struct vo_segdef *seg = &cfg->segs[s];
		const cJSON *sobj = cJSON_GetObjectItemCaseSensitive(segs, seg->name);
		const char *bnames[VO_BUCKETS_MAX];
		size_t smark = enter(r, seg->name);
		uint64_t sum = 0;

		for (b = 0; b < seg->nbuckets; b++)
			bnames[b] = seg->buckets[b].name;
		rc = check_keys(r, sobj, bnames, seg->nbuckets);
		for (b = 0; !rc && b < seg->nbuckets; b++) {
			struct vo_cell *cell = &t->cells[seg->cell_base + b];
			size_t bmark = enter(r, seg->buckets[b].name);

			rc = parse_cell(
				r, cJSON_GetObjectItemCaseSensitive(sobj, seg->buckets[b].name),
				true, cell);
			leave(r, bmark);
			sum += cell->rows;
		}
		if (!rc && sum > t->rows)
			rc = fail(r,
				  "bucket rows sum to %" PRIu64
				  ", more than the country's %" PRIu64,
				  sum, t->rows);
		leave(r, smark);
	}
	leave(r, mark);
	return rc;
}

static int parse_countries(struct reader *r, const cJSON *obj, struct vo_artifact *a)
{
	const cJSON *item;
	uint64_t kept = 0;
	size_t i = 0;
	int rc;

	if (!cJSON_IsObject(obj))
		return fail(r, "expected an object, not %s", type_name(obj));
	rc = check_unique(r, obj);
	if (rc)
		return rc;
	if ((size_t)cJSON_GetArraySize(obj) != a->ncountries)
		return fail(r, "has %d countries but countries_selected has %zu",
			    cJSON_GetArraySize(obj), a->ncountries);
	cJSON_ArrayForEach(item, obj)
	{
		size_t mark;

		if (strcmp(item->string, a->countries[i].name) != 0)
			return fail(r, "country %zu is '%s' but countries_selected says '%s'",
				    i + 1, item->string, a->countries[i].name);
		mark = enter(r, item->string);
		rc = parse_country(r, item, &a->config, &a->countries[i]);
		leave(r, mark);
		if (rc)
			return rc;
		kept += a->countries[i].rows;
		i++;
	}
	if (kept != a->quality.rows_kept)
		return fail(r,
			    "countries' rows sum to %" PRIu64 " but quality.rows_kept is %" PRIu64,
			    kept, a->quality.rows_kept);
	return VO_OK;
}

/* The figures of quality that must agree with each other. */
static int check_quality(struct reader *r, const struct vo_artifact *a)
{
	const struct vo_quality *q = &a->quality;
	uint64_t sum = q->rows_kept;
	size_t mark = enter(r, "quality");
	size_t i;
	int rc = VO_OK;

	for (i = 0; i < VO_OUT_KEPT; i++)
		sum += q->dropped[i];
	if (sum != q->rows_read)
		rc = fail(r, "rows_kept and dropped sum to %" PRIu64 " but rows_read is %" PRIu64,
			  sum, q->rows_read);
	else if (q->missing_total_orders > q->rows_kept)
		rc = fail(r, "missing_total_orders exceeds rows_kept");
	for (i = 0; !rc && i < a->config.nsegs; i++)
		if (a->outside[i] > q->rows_kept)
			rc = fail(r, "outside_buckets.%s exceeds rows_kept",
				  a->config.segs[i].name);
	leave(r, mark);
	return rc;
}

static int check_version(struct reader *r, struct vo_artifact *a)
{
	char hex[VO_SHA256_HEX];
	struct vo_buf b;
	int rc;

	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_artifact_render(a, true, &b);
	if (!rc)
		rc = vo_sha256_hex(b.ptr ? b.ptr : "", b.len, hex);
	vo_buf_release(&b);
	if (rc)
		return vo_error_set(r->err, rc, "%s: cannot render the canonical content: %s",
				    r->origin, vo_strerror(rc));
	if (strcmp(hex, a->version) != 0) {
		size_t mark = enter(r, "version");

		rc = fail(r, "version does not match content (the content hashes to %s)", hex);
		leave(r, mark);
	}
	return rc;
}

static int parse_doc(struct reader *r, const cJSON *doc, struct vo_artifact *a)
{
	static const char *const keys[] = {
		"format",  "version",  "built_at", "sources", "countries_selected",
		"quality", "segments", "countries"
	};
	const cJSON *v;
	const char *s = NULL;
	int64_t us;
	size_t mark;
	int rc;

	if (!cJSON_IsObject(doc))
		return fail(r, "expected a JSON object, not %s", type_name(doc));
	/* the format first, so another format is named as such, not as a bad key */
	v = cJSON_GetObjectItemCaseSensitive(doc, "format");
	mark = enter(r, "format");
	if (!v)
		rc = fail(r, "key is missing: not a segments artifact");
	else if (!cJSON_IsString(v) || strcmp(v->valuestring, VO_ARTIFACT_FORMAT) != 0)
		rc = fail(r, "expected \"%s\"", VO_ARTIFACT_FORMAT);
	else
		rc = VO_OK;
	leave(r, mark);
	if (!rc)
		rc = check_keys(r, doc, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = get_sha256(r, doc, "version", a->version);
	if (!rc)
		rc = get_str(r, doc, "built_at", sizeof(a->built_at) - 1, &s);
	if (rc)
		return rc;
	if (!s || !vo_ts_parse(vo_str_cstr(s), &us)) {
		mark = enter(r, "built_at");
		rc = fail(r, "expected a timestamp such as 2026-11-24T01:00:00Z");
		leave(r, mark);
		return rc;
	}
	memcpy(a->built_at, s, strlen(s) + 1);

#define SECTION(key, call)            \
	do {                          \
		mark = enter(r, key); \
		rc = call;            \
		leave(r, mark);       \
		if (rc)               \
			return rc;    \
	} while (0)
	SECTION("sources", parse_sources(r, cJSON_GetObjectItemCaseSensitive(doc, "sources"), a));
	SECTION("segments",
		parse_segments(r, cJSON_GetObjectItemCaseSensitive(doc, "segments"), &a->config));
	SECTION("countries_selected",
		parse_selected(r, cJSON_GetObjectItemCaseSensitive(doc, "countries_selected"), a));
	SECTION("quality", parse_quality(r, cJSON_GetObjectItemCaseSensitive(doc, "quality"), a));
	SECTION("countries",
		parse_countries(r, cJSON_GetObjectItemCaseSensitive(doc, "countries"), a));
#undef SECTION
	rc = check_quality(r, a);
	if (!rc)
		rc = check_version(r, a);
	return rc;
}

int vo_artifact_parse(const char *text, size_t len, const char *origin, struct vo_artifact *out,
		      struct vo_error *err)
{
	struct reader r;
	const char *end = NULL;
	uint64_t fails;
	cJSON *doc;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.origin = origin;
	r.err = err;
	if (len > VO_ARTIFACT_MAX)
		return vo_error_set(err, VO_ELIMIT, "%s: larger than %u bytes", origin,
				    VO_ARTIFACT_MAX);
	fails = vo_alloc_failures();
	doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!doc && vo_alloc_failures() != fails)
		return vo_error_set(err, VO_ENOMEM, "%s: out of memory", origin);
	if (!doc) {
		size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;

		return vo_error_set(err, VO_EFORMAT,
				    "%s: not valid JSON (at byte %zu of %zu: truncated or damaged)",
				    origin, at, len);
	}
	for (i = end ? (size_t)(end - text) : len; i < len; i++) {
		if (!vo_is_space((unsigned char)text[i])) {
			cJSON_Delete(doc);
			return vo_error_set(err, VO_EFORMAT,
					    "%s: not valid JSON (text after the document at byte "
					    "%zu)",
					    origin, i);
		}
	}
	rc = parse_doc(&r, doc, out);
	cJSON_Delete(doc);
	if (rc)
		vo_artifact_release(out);
	return rc;
}
