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

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/fold.h"
#include "core/json_read.h"
#include "core/json_scan.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "model/artifact_int.h"
#include "model/name.h"
#include "model/value.h"

/* The shape an artifact may have before its tree is built (core/json_scan.h). */
static const struct vo_json_limits artifact_shape = {
	VO_ARTIFACT_DEPTH_MAX,	VO_ARTIFACT_ARRAY_MAX,	 VO_ARTIFACT_OBJECT_MAX,
	VO_ARTIFACT_VALUES_MAX, VO_ARTIFACT_TREE_FACTOR, VO_ARTIFACT_TREE_SLACK,
};

/* 64 lower-case hex digits. */
static bool is_sha256_hex(const char *s)
{
	size_t i;

	for (i = 0; i < VO_SHA256_HEX - 1; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

static int get_sha256(struct vo_jread *r, const cJSON *obj, const char *key,
		      char out[VO_SHA256_HEX])
{
	const char *s = NULL;
	size_t mark;
	int rc = vo_jread_str(r, obj, key, VO_SHA256_HEX - 1, &s);

	if (rc)
		return rc;
	if (!s || !is_sha256_hex(s)) {
		mark = vo_jread_enter(r, key);
		rc = vo_jread_fail(r, "expected 64 lower-case hex digits");
		vo_jread_leave(r, mark);
		return rc;
	}
	memcpy(out, s, VO_SHA256_HEX);
	return VO_OK;
}

/* A voucher amount written as a counts key: canonical decimal (no leading zero), 0 to 2^53. */
static bool parse_amount_key(const char *s, int64_t *out)
{
	uint64_t v;

	if (!s || (s[0] == '0' && s[1]) || !vo_str_to_u64(vo_str_cstr(s), VO_JSON_WHOLE_MAX, &v))
		return false;
	*out = (int64_t)v;
	return true;
}

int vo__read_sources(struct vo_jread *r, const cJSON *arr, struct vo_source **out, size_t *nout)
{
	static const char *const keys[] = { "path", "bytes", "sha256", "rows" };
	const cJSON *item;
	size_t n;
	size_t i = 0;
	int rc;

	if (!cJSON_IsArray(arr))
		return vo_jread_fail(r, "expected an array, not %s", vo_json_type_name(arr));
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > VO_INPUT_FILES_MAX)
		return vo_jread_fail(r, "more than %d sources", VO_INPUT_FILES_MAX);
	*out = vo_calloc(VO_MAX(n, 1), sizeof(**out));
	if (!*out)
		return vo_jread_nomem(r);
	cJSON_ArrayForEach(item, arr)
	{
		struct vo_source *src = &(*out)[i];
		const char *path = NULL;
		size_t mark = vo_jread_enter_index(r, i);

		rc = vo_jread_keys(r, item, keys, VO_ARRAY_SIZE(keys));
		if (!rc)
			rc = vo_jread_str(r, item, "path", SIZE_MAX - 1, &path);
		if (!rc)
			rc = vo_jread_u64(r, item, "bytes", &src->bytes);
		if (!rc)
			rc = get_sha256(r, item, "sha256", src->sha256);
		if (!rc)
			rc = vo_jread_u64(r, item, "rows", &src->rows);
		vo_jread_leave(r, mark);
		if (rc)
			return rc;
		src->path = vo_strdup(path);
		if (!src->path)
			return vo_jread_nomem(r);
		*nout = ++i;
	}
	return VO_OK;
}

int vo__read_quality(struct vo_jread *r, const cJSON *q, struct vo_quality *out)
{
	const char *names[VO_OUT_KEPT];
	const cJSON *v;
	size_t mark;
	size_t i;
	int rc;

	rc = vo_jread_u64(r, q, "rows_read", &out->rows_read);
	if (!rc)
		rc = vo_jread_u64(r, q, "rows_kept", &out->rows_kept);
	if (!rc)
		rc = vo_jread_u64(r, q, "missing_total_orders", &out->missing_total_orders);
	if (rc)
		return rc;
	for (i = 0; i < VO_OUT_KEPT; i++)
		names[i] = vo_outcome_name((enum vo_outcome)i);
	v = cJSON_GetObjectItemCaseSensitive(q, "dropped");
	mark = vo_jread_enter(r, "dropped");
	rc = vo_jread_keys(r, v, names, VO_OUT_KEPT);
	for (i = 0; !rc && i < VO_OUT_KEPT; i++)
		rc = vo_jread_u64(r, v, names[i], &out->dropped[i]);
	vo_jread_leave(r, mark);
	return rc;
}

int vo__check_quality(struct vo_jread *r, const struct vo_quality *q)
{
	uint64_t sum = q->rows_kept;
	size_t i;

	for (i = 0; i < VO_OUT_KEPT; i++)
		sum += q->dropped[i]; /* each at most 2^53: no overflow */
	if (sum != q->rows_read)
		return vo_jread_fail(
			r, "rows_kept and dropped sum to %" PRIu64 " but rows_read is %" PRIu64,
			sum, q->rows_read);
	if (q->missing_total_orders > q->rows_kept)
		return vo_jread_fail(r, "missing_total_orders exceeds rows_kept");
	return VO_OK;
}

int vo__read_selected(struct vo_jread *r, const cJSON *arr, size_t *n)
{
	const cJSON *item;
	const cJSON *prev;
	char why[128];
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		return vo_jread_fail(r, "expected an array, not %s", vo_json_type_name(arr));
	*n = (size_t)cJSON_GetArraySize(arr);
	if (*n > VO_COUNTRIES_MAX)
		return vo_jread_fail(r, "more than %d countries", VO_COUNTRIES_MAX);
	cJSON_ArrayForEach(item, arr)
	{
		size_t mark = vo_jread_enter_index(r, i++);
		int rc = VO_OK;

		if (!cJSON_IsString(item) || !item->valuestring[0])
			rc = vo_jread_fail(r, "expected a non-empty string");
		else if (!vo_name_check(vo_str_cstr(item->valuestring), why, sizeof(why)))
			rc = vo_jread_fail(r, "the country name %s", why);
		for (prev = arr->child; !rc && prev != item; prev = prev->next)
			if (vo_fold_eq(vo_str_trim(vo_str_cstr(prev->valuestring)),
				       vo_str_trim(vo_str_cstr(item->valuestring))))
				rc = vo_jread_fail(r, "country '%s' appears twice",
						   item->valuestring);
		vo_jread_leave(r, mark);
		if (rc)
			return rc;
	}
	return VO_OK;
}

/* The artifact's quality: the counts, then outside_buckets (per segment, parsed by now). */
static int parse_quality(struct vo_jread *r, const cJSON *q, struct vo_artifact *a)
{
	static const char *const keys[] = { "rows_read", "rows_kept", "missing_total_orders",
					    "dropped", "outside_buckets" };
	const char *segnames[VO_SEGMENTS_MAX];
	const cJSON *v;
	size_t mark;
	size_t i;
	int rc;

	rc = vo_jread_keys(r, q, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = vo__read_quality(r, q, &a->quality);
	if (rc)
		return rc;
	a->outside = vo_calloc(VO_MAX(a->config.nsegs, 1), sizeof(*a->outside));
	if (!a->outside)
		return vo_jread_nomem(r);
	for (i = 0; i < a->config.nsegs; i++)
		segnames[i] = a->config.segs[i].name;
	v = cJSON_GetObjectItemCaseSensitive(q, "outside_buckets");
	mark = vo_jread_enter(r, "outside_buckets");
	rc = vo_jread_keys(r, v, segnames, a->config.nsegs);
	for (i = 0; !rc && i < a->config.nsegs; i++)
		rc = vo_jread_u64(r, v, segnames[i], &a->outside[i]);
	vo_jread_leave(r, mark);
	return rc;
}

static int parse_selected(struct vo_jread *r, const cJSON *arr, struct vo_artifact *a)
{
	const cJSON *item;
	size_t n = 0;
	int rc = vo__read_selected(r, arr, &n);

	if (rc)
		return rc;
	a->countries = vo_calloc(VO_MAX(n, 1), sizeof(*a->countries));
	if (!a->countries)
		return vo_jread_nomem(r);
	cJSON_ArrayForEach(item, arr)
	{
		a->countries[a->ncountries].name = vo_strdup(item->valuestring);
		if (!a->countries[a->ncountries].name)
			return vo_jread_nomem(r);
		a->ncountries++;
	}
	return VO_OK;
}

/* Fills cell from {"voucher_amount", "rows"} (the fallback) or with counts too. */
static int parse_cell(struct vo_jread *r, const cJSON *obj, bool with_counts, struct vo_cell *cell)
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

	rc = vo_jread_keys(r, obj, keys, with_counts ? 3 : 2);
	if (!rc)
		rc = vo_jread_u64(r, obj, "rows", &rows);
	if (rc)
		return rc;
	va = cJSON_GetObjectItemCaseSensitive(obj, "voucher_amount");
	mark = vo_jread_enter(r, "voucher_amount");
	if (!cJSON_IsNull(va) && !vo_json_whole(va, &amount))
		rc = vo_jread_fail(r, "expected an integer or null");
	vo_jread_leave(r, mark);
	if (rc)
		return rc;
	cell->has_voucher = !cJSON_IsNull(va);
	cell->voucher = (int64_t)amount;
	if (!with_counts) {
		/* the fallback's "rows" are the rows of its voucher */
		cell->voucher_rows = rows;
		if (cell->has_voucher != (rows > 0))
			return vo_jread_fail(r,
					     "voucher_amount must be null exactly when rows is 0");
		return VO_OK;
	}
	cell->rows = rows;
	counts = cJSON_GetObjectItemCaseSensitive(obj, "counts");
	mark = vo_jread_enter(r, "counts");
	if (!cJSON_IsObject(counts)) {
		rc = vo_jread_fail(r, "expected an object, not %s", vo_json_type_name(counts));
		goto out;
	}
	cell->ncounts = (size_t)cJSON_GetArraySize(counts);
	if (cell->ncounts > VO_VOUCHERS_MAX) {
		rc = vo_jread_fail(r, "more than %d voucher amounts", VO_VOUCHERS_MAX);
		goto out;
	}
	cell->counts = vo_calloc(VO_MAX(cell->ncounts, 1), sizeof(*cell->counts));
	if (!cell->counts) {
		rc = vo_jread_nomem(r);
		goto out;
	}
	rows = 0;
	cJSON_ArrayForEach(item, counts)
	{
		struct vo_vcount *vc = &cell->counts[i];

		if (!parse_amount_key(item->string, &vc->amount)) {
			rc = vo_jread_fail(
				r,
				"key '%s' is not a voucher amount (a whole number written "
				"without sign or leading zeros, at most 2^53)",
				item->string ? item->string : "");
			goto out;
		}
		if (i && vc->amount <= cell->counts[i - 1].amount) {
			rc = vo_jread_fail(r, "keys must be voucher amounts in ascending order");
			goto out;
		}
		if (!vo_json_whole(item, &vc->rows) || !vc->rows) {
			size_t kmark = vo_jread_enter(r, item->string);

			rc = vo_jread_fail(r, "expected a whole number >= 1");
			vo_jread_leave(r, kmark);
			goto out;
		}
		if (vc->rows > UINT64_MAX - rows) {
			rc = vo_jread_fail(r, "counts overflow");
			goto out;
		}
		rows += vc->rows;
		/* ascending amounts: the first maximum is the smallest amount on a tie */
		if (!i || vc->rows > cell->counts[best].rows)
			best = i;
		i++;
	}
	vo_jread_leave(r, mark);
	if (rows != cell->rows)
		return vo_jread_fail(r, "rows is %" PRIu64 " but counts sum to %" PRIu64,
				     cell->rows, rows);
	mark = vo_jread_enter(r, "voucher_amount");
	if (!cell->ncounts && cell->has_voucher)
		rc = vo_jread_fail(r, "must be null for an empty bucket");
	else if (cell->ncounts &&
		 (!cell->has_voucher || cell->voucher != cell->counts[best].amount))
		rc = vo_jread_fail(r, "expected %" PRId64 ", the most used amount of counts",
				   cell->counts[best].amount);
	else if (cell->ncounts)
		cell->voucher_rows = cell->counts[best].rows;
	vo_jread_leave(r, mark);
	return rc;
out:
	vo_jread_leave(r, mark);
	return rc;
}

/* One country's table {"rows", "fallback", "segments"}. */
static int parse_country(struct vo_jread *r, const cJSON *obj, const struct vo_segconfig *cfg,
			 struct vo_country_table *t)
{
	static const char *const keys[] = { "rows", "fallback", "segments" };
	const char *segnames[VO_SEGMENTS_MAX];
	const cJSON *segs;
	size_t mark;
	size_t s;
	size_t b;
	int rc;

	rc = vo_jread_keys(r, obj, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = vo_jread_u64(r, obj, "rows", &t->rows);
	if (rc)
		return rc;
	mark = vo_jread_enter(r, "fallback");
	rc = parse_cell(r, cJSON_GetObjectItemCaseSensitive(obj, "fallback"), false, &t->fallback);
	if (!rc && t->fallback.voucher_rows > t->rows)
		rc = vo_jread_fail(r, "rows exceed the country's rows");
	if (!rc && t->fallback.has_voucher != (t->rows > 0))
		rc = vo_jread_fail(
			r, "voucher_amount must be null exactly when the country has no rows");
	vo_jread_leave(r, mark);
	if (rc)
		return rc;
	t->fallback.rows = t->rows;
	t->cells = vo_calloc(VO_MAX(cfg->ncells, 1), sizeof(*t->cells));
	if (!t->cells)
		return vo_jread_nomem(r);
	for (s = 0; s < cfg->nsegs; s++)
		segnames[s] = cfg->segs[s].name;
	segs = cJSON_GetObjectItemCaseSensitive(obj, "segments");
	mark = vo_jread_enter(r, "segments");
	rc = vo_jread_keys(r, segs, segnames, cfg->nsegs);
	for (s = 0; !rc && s < cfg->nsegs; s++) {
		const struct vo_segdef *seg = &cfg->segs[s];
		const cJSON *sobj = cJSON_GetObjectItemCaseSensitive(segs, seg->name);
		const char *bnames[VO_BUCKETS_MAX];
		size_t smark = vo_jread_enter(r, seg->name);
		uint64_t sum = 0;

		for (b = 0; b < seg->nbuckets; b++)
			bnames[b] = seg->buckets[b].name;
		rc = vo_jread_keys(r, sobj, bnames, seg->nbuckets);
		for (b = 0; !rc && b < seg->nbuckets; b++) {
			struct vo_cell *cell = &t->cells[seg->cell_base + b];
			size_t bmark = vo_jread_enter(r, seg->buckets[b].name);

			rc = parse_cell(
				r, cJSON_GetObjectItemCaseSensitive(sobj, seg->buckets[b].name),
				true, cell);
			vo_jread_leave(r, bmark);
			sum += cell->rows;
		}
		if (!rc && sum > t->rows)
			rc = vo_jread_fail(r,
					   "bucket rows sum to %" PRIu64
					   ", more than the country's %" PRIu64,
					   sum, t->rows);
		vo_jread_leave(r, smark);
	}
	vo_jread_leave(r, mark);
	return rc;
}

static int parse_countries(struct vo_jread *r, const cJSON *obj, struct vo_artifact *a)
{
	const cJSON *item;
	uint64_t kept = 0;
	size_t i = 0;
	int rc;

	if (!cJSON_IsObject(obj))
		return vo_jread_fail(r, "expected an object, not %s", vo_json_type_name(obj));
	rc = vo_jread_unique(r, obj);
	if (rc)
		return rc;
	if ((size_t)cJSON_GetArraySize(obj) != a->ncountries)
		return vo_jread_fail(r, "has %d countries but countries_selected has %zu",
				     cJSON_GetArraySize(obj), a->ncountries);
	cJSON_ArrayForEach(item, obj)
	{
		size_t mark;

		if (strcmp(item->string, a->countries[i].name) != 0)
			return vo_jread_fail(r,
					     "country %zu is '%s' but countries_selected says '%s'",
					     i + 1, item->string, a->countries[i].name);
		mark = vo_jread_enter(r, item->string);
		rc = parse_country(r, item, &a->config, &a->countries[i]);
		vo_jread_leave(r, mark);
		if (rc)
			return rc;
		kept += a->countries[i].rows;
		i++;
	}
	if (kept != a->quality.rows_kept)
		return vo_jread_fail(
			r, "countries' rows sum to %" PRIu64 " but quality.rows_kept is %" PRIu64,
			kept, a->quality.rows_kept);
	return VO_OK;
}

/* The figures of quality that must agree with each other. */
static int check_quality(struct vo_jread *r, const struct vo_artifact *a)
{
	size_t mark = vo_jread_enter(r, "quality");
	size_t i;
	int rc = vo__check_quality(r, &a->quality);

	for (i = 0; !rc && i < a->config.nsegs; i++)
		if (a->outside[i] > a->quality.rows_kept)
			rc = vo_jread_fail(r, "outside_buckets.%s exceeds rows_kept",
					   a->config.segs[i].name);
	vo_jread_leave(r, mark);
	return rc;
}

static int check_version(struct vo_jread *r, struct vo_artifact *a)
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
		return vo_error_set(
			r->err, rc, "%s: cannot render the canonical content: %s", r->origin,
			rc == VO_ELIMIT ? "it would be larger than VO_ARTIFACT_MAX (256 MiB)"
					: vo_strerror(rc));
	if (strcmp(hex, a->version) != 0) {
		size_t mark = vo_jread_enter(r, "version");

		rc = vo_jread_fail(r, "version does not match content (the content hashes to %s)",
				   hex);
		vo_jread_leave(r, mark);
	}
	return rc;
}

static int parse_doc(struct vo_jread *r, const cJSON *doc, struct vo_artifact *a)
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
		return vo_jread_fail(r, "expected a JSON object, not %s", vo_json_type_name(doc));
	/* the format first, so another format is named as such, not as a bad key */
	v = cJSON_GetObjectItemCaseSensitive(doc, "format");
	mark = vo_jread_enter(r, "format");
	if (!v)
		rc = vo_jread_fail(r, "key is missing: not a segments artifact");
	else if (!cJSON_IsString(v) || strcmp(v->valuestring, VO_ARTIFACT_FORMAT) != 0)
		rc = vo_jread_fail(r, "expected \"%s\"", VO_ARTIFACT_FORMAT);
	else
		rc = VO_OK;
	vo_jread_leave(r, mark);
	if (!rc)
		rc = vo_jread_keys(r, doc, keys, VO_ARRAY_SIZE(keys));
	if (!rc)
		rc = get_sha256(r, doc, "version", a->version);
	if (!rc)
		rc = vo_jread_ts(r, doc, "built_at", sizeof(a->built_at) - 1, &s, &us);
	if (rc)
		return rc;
	memcpy(a->built_at, s, strlen(s) + 1);

#define SECTION(key, call)                     \
	do {                                   \
		mark = vo_jread_enter(r, key); \
		rc = call;                     \
		vo_jread_leave(r, mark);       \
		if (rc)                        \
			return rc;             \
	} while (0)
	SECTION("sources", vo__read_sources(r, cJSON_GetObjectItemCaseSensitive(doc, "sources"),
					    &a->sources, &a->nsources));
	SECTION("segments", vo_segconfig_read(r, cJSON_GetObjectItemCaseSensitive(doc, "segments"),
					      VO_SEGDEF_ARTIFACT, &a->config));
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
	struct vo_jread r;
	cJSON *doc;
	int rc;

	memset(out, 0, sizeof(*out));
	vo_jread_init(&r, origin, err);
	/* The shape first: a huge document of small values costs one pass, not a tree. */
	if (len <= VO_ARTIFACT_MAX) {
		rc = vo_json_scan(text, len, &artifact_shape, NULL, origin, err);
		if (rc)
			return rc;
	}
	rc = vo_jread_parse(&r, text, len, VO_ARTIFACT_MAX, &doc);
	if (rc)
		return rc;
	rc = parse_doc(&r, doc, out);
	cJSON_Delete(doc);
	if (rc)
		vo_artifact_release(out);
	return rc;
}

int vo_artifact_load(const char *path, struct vo_artifact *out, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	memset(out, 0, sizeof(*out));
	vo_buf_init(&b, VO_ARTIFACT_MAX);
	rc = vo_read_file(path, VO_ARTIFACT_MAX, &b, err);
	if (!rc)
		rc = vo_artifact_parse(b.ptr ? b.ptr : "", b.len, path, out, err);
	vo_buf_release(&b);
	return rc;
}
