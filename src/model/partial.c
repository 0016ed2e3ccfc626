/*
 * partial.c - the partial result's writer, reader and description, see
 * partial.h; docs/PARTIAL.md specifies the bytes.
 *
 * Layout: the magic line "vouch-partial/1\n", the part's total length as 8
 * bytes little-endian, the body, and the SHA-256 of everything before it.
 * The body is a sequence of varints (LEB128, unsigned; amounts zigzag) and
 * strings (a varint length, then the bytes), in the order render() writes
 * them.  The reader checks the frame (magic, length, digest) before it
 * decodes a single field, so a truncated or damaged part is named as such,
 * and then decodes with a bounded cursor that never allocates more entries
 * than there are bytes left.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/json.h"
#include "core/json_read.h"
#include "core/limits.h"
#include "model/artifact_int.h"
#include "model/partial.h"

#define MAGIC_LEN (sizeof(VO_PARTIAL_MAGIC) - 1)
#define FRAME_LEN (MAGIC_LEN + 8 + VO_SHA256_LEN) /* magic, length, digest */
#define MAGIC_PREFIX "vouch-partial/"

_Static_assert(sizeof(VO_PARTIAL_MAGIC) - 1 == 16, "the magic line is 16 bytes");

bool vo_partial_selects_all(const struct vo_partial *p)
{
	return p->ncountries == 1 &&
	       vo_str_eq_nocase(vo_str_trim(vo_str_cstr(p->countries[0])), VO_STR_LIT("all"));
}

/* ---- writing ------------------------------------------------------------ */

static int put_uv(struct vo_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (unsigned char)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	return vo_buf_add(b, tmp, n);
}

static int put_sv(struct vo_buf *b, int64_t v)
{
	uint64_t u = (uint64_t)v;

	return put_uv(b, (u << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

static int put_str(struct vo_buf *b, const void *s, size_t len)
{
	int rc = put_uv(b, len);

	return rc ? rc : vo_buf_add(b, s, len);
}

static int hex_to_raw(const char hex[VO_SHA256_HEX], unsigned char raw[VO_SHA256_LEN])
{
	size_t i;

	for (i = 0; i < (size_t)2 * VO_SHA256_LEN; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return VO_EINVAL;
		if (i % 2)
			raw[i / 2] = (unsigned char)(raw[i / 2] | v);
		else
			raw[i / 2] = (unsigned char)(v << 4);
	}
	return VO_OK;
}

/* The job section: selection and segment definitions, the bytes the fingerprint hashes. */
static int put_job(struct vo_buf *b, char *const *countries, size_t ncountries,
		   const struct vo_segconfig *cfg)
{
	struct vo_buf js;
	struct vo_json j;
	size_t i;
	int rc = put_uv(b, ncountries);

	for (i = 0; i < ncountries && !rc; i++)
		rc = put_str(b, countries[i], strlen(countries[i]));
	if (rc)
		return rc;
	vo_buf_init(&js, VO_CONFIG_FILE_MAX);
	vo_json_init(&j, &js, false);
	vo__render_segments(&j, cfg);
	rc = vo_json_status(&j);
	if (!rc)
		rc = put_str(b, js.ptr, js.len);
	vo_buf_release(&js);
	return rc;
}

int vo_partial_fingerprint(char *const *countries, size_t ncountries,
			   const struct vo_segconfig *cfg, char hex[VO_SHA256_HEX])
{
	struct vo_buf b;
	int rc;

	vo_buf_init(&b, (size_t)2 * VO_CONFIG_FILE_MAX + (size_t)VO_COUNTRIES_MAX * 1024);
	rc = put_job(&b, countries, ncountries, cfg);
	if (!rc)
		rc = vo_sha256_hex(b.ptr ? b.ptr : "", b.len, hex);
	vo_buf_release(&b);
	return rc;
}

static int put_counts(struct vo_buf *b, const struct vo_partial_counts *c)
{
	size_t i;
	int rc = put_uv(b, c->n);

	for (i = 0; i < c->n && !rc; i++) {
		rc = put_sv(b, c->v[i].amount);
		if (!rc)
			rc = put_uv(b, c->v[i].rows);
	}
	return rc;
}

static int put_country(struct vo_buf *b, const struct vo_partial *p,
		       const struct vo_partial_country *c)
{
	size_t i;
	int rc = put_str(b, c->key, c->key_len);

	if (!rc)
		rc = put_uv(b, c->nspellings);
	for (i = 0; i < c->nspellings && !rc; i++) {
		rc = put_str(b, c->spellings[i].text, c->spellings[i].len);
		if (!rc)
			rc = put_uv(b, c->spellings[i].rows);
	}
	for (i = 0; i <= p->config.ncells && !rc; i++)
		rc = put_counts(b, &c->slots[i]);
	for (i = 0; i < p->config.nsegs && !rc; i++)
		rc = put_uv(b, c->outside[i]);
	return rc;
}

static int put_body(struct vo_buf *b, const struct vo_partial *p)
{
	unsigned char raw[VO_SHA256_LEN];
	size_t i;
	int rc;

	rc = put_uv(b, p->shard);
	if (!rc)
		rc = put_uv(b, p->nshards);
	if (!rc)
		rc = put_job(b, p->countries, p->ncountries, &p->config);
	if (!rc)
		rc = hex_to_raw(p->fingerprint, raw);
	if (!rc)
		rc = vo_buf_add(b, raw, sizeof(raw));
	if (!rc)
		rc = put_uv(b, p->nfiles);
	for (i = 0; i < p->nfiles && !rc; i++) {
		const struct vo_partial_file *f = &p->files[i];

		rc = put_str(b, f->path, strlen(f->path));
		if (!rc)
			rc = put_uv(b, f->bytes);
		if (!rc)
			rc = put_uv(b, f->units);
		if (!rc)
			rc = put_uv(b, (uint64_t)f->kind);
	}
	if (!rc)
		rc = put_uv(b, p->quality.rows_read);
	if (!rc)
		rc = put_uv(b, p->quality.rows_kept);
	if (!rc)
		rc = put_uv(b, p->quality.missing_total_orders);
	if (!rc)
		rc = put_uv(b, VO_OUT_KEPT);
	for (i = 0; i < VO_OUT_KEPT && !rc; i++)
		rc = put_uv(b, p->quality.dropped[i]);
	if (!rc)
		rc = put_uv(b, p->nsources);
	for (i = 0; i < p->nsources && !rc; i++) {
		const struct vo_partial_source *s = &p->sources[i];

		rc = put_uv(b, s->file);
		if (!rc)
			rc = put_uv(b, s->first);
		if (!rc)
			rc = put_uv(b, s->count);
		if (!rc)
			rc = put_uv(b, s->rows);
		if (!rc)
			rc = put_uv(b, s->hashed);
		if (!rc && s->hashed) {
			rc = hex_to_raw(s->sha256, raw);
			if (!rc)
				rc = vo_buf_add(b, raw, sizeof(raw));
			if (!rc)
				rc = put_uv(b, s->bytes);
		}
	}
	if (!rc)
		rc = put_uv(b, p->ncty);
	for (i = 0; i < p->ncty && !rc; i++)
		rc = put_country(b, p, &p->cty[i]);
	return rc;
}

int vo_partial_render(struct vo_partial *p, struct vo_buf *out)
{
	unsigned char md[VO_SHA256_LEN];
	unsigned char len[8];
	struct vo_sha256 sha;
	size_t start = out->len;
	uint64_t total;
	size_t i;
	int rc;

	rc = vo_partial_fingerprint(p->countries, p->ncountries, &p->config, p->fingerprint);
	if (!rc)
		rc = vo_buf_add(out, VO_PARTIAL_MAGIC, MAGIC_LEN);
	if (!rc)
		rc = vo_buf_add(out, "\0\0\0\0\0\0\0\0", 8); /* the length, set below */
	if (!rc)
		rc = put_body(out, p);
	if (!rc)
		rc = vo_buf_grow(out, VO_SHA256_LEN);
	if (rc) {
		out->len = start;
		return rc == VO_EINVAL ? VO_ENOMEM : rc;
	}
	total = (uint64_t)(out->len - start) + VO_SHA256_LEN;
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(total >> (8 * i));
	memcpy(out->ptr + start + MAGIC_LEN, len, 8);
	rc = vo_sha256_init(&sha);
	if (!rc) {
		vo_sha256_update(&sha, out->ptr + start, out->len - start);
		rc = vo_sha256_final(&sha, md);
	}
	if (!rc)
		rc = vo_buf_add(out, md, sizeof(md));
	if (rc)
		out->len = start;
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

struct cursor {
	const unsigned char *base; /* the part's first byte */
	const unsigned char *p;	   /* next byte */
	const unsigned char *end;  /* the body's end (before the digest) */
	const char *origin;
	struct vo_error *err;
};

static VO_PRINTF(2, 3) int bad(struct cursor *c, const char *fmt, ...)
{
	char what[VO_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return vo_error_set(c->err, VO_EFORMAT, "%s: at byte %zu: %s", c->origin,
			    (size_t)(c->p - c->base), what);
}

static size_t left(const struct cursor *c)
{
	return (size_t)(c->end - c->p);
}

static int get_uv(struct cursor *c, uint64_t *v)
{
	unsigned shift = 0;

	*v = 0;
	for (;;) {
		uint64_t byte;

		if (c->p == c->end)
			return bad(c, "a number runs past the end");
		byte = *c->p++;
		if (shift == 63 && byte > 1)
			return bad(c, "a number larger than 64 bits");
		*v |= (byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			/* One encoding per number, so that a part re-renders to its own bytes. */
			if (!byte && shift)
				return bad(c, "a number not in its shortest form");
			return VO_OK;
		}
		shift += 7;
		if (shift > 63)
			return bad(c, "a number larger than 64 bits");
	}
}

/* A count of entries that each take at least one byte: at most max and the bytes left. */
static int get_count(struct cursor *c, size_t max, const char *what, size_t *n)
{
	uint64_t v;
	int rc = get_uv(c, &v);

	if (rc)
		return rc;
	if (v > max)
		return bad(c, "%" PRIu64 " %s, more than the %zu allowed", v, what, max);
	if (v > left(c))
		return bad(c, "%" PRIu64 " %s in %zu bytes", v, what, left(c));
	*n = (size_t)v;
	return VO_OK;
}

static int get_sv(struct cursor *c, int64_t *v)
{
	uint64_t u;
	int rc = get_uv(c, &u);

	*v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
	return rc;
}

/* A string of at most max bytes, copied (NUL-terminated) into *out. */
static int get_str(struct cursor *c, size_t max, const char *what, char **out, size_t *len)
{
	uint64_t n;
	int rc = get_uv(c, &n);

	*out = NULL;
	if (rc)
		return rc;
	if (n > max)
		return bad(c, "%s of %" PRIu64 " bytes, more than the %zu allowed", what, n, max);
	if (n > left(c))
		return bad(c, "%s of %" PRIu64 " bytes runs past the end", what, n);
	*out = vo_malloc((size_t)n + 1);
	if (!*out)
		return vo_error_nomem_in(c->err, c->origin);
	memcpy(*out, c->p, (size_t)n); /* any bytes, NUL included */
	(*out)[n] = '\0';
	c->p += n;
	if (len)
		*len = (size_t)n;
	return VO_OK;
}

static int get_raw(struct cursor *c, void *dst, size_t n)
{
	if (n > left(c))
		return bad(c, "%zu bytes run past the end", n);
	memcpy(dst, c->p, n);
	c->p += n;
	return VO_OK;
}

static void *alloc_n(struct cursor *c, size_t n, size_t size, int *rc)
{
	void *p = vo_calloc(VO_MAX(n, 1), size);

	if (!p)
		*rc = vo_error_nomem_in(c->err, c->origin);
	return p;
}

static int get_job(struct cursor *c, struct vo_partial *out)
{
	struct vo_jread r;
	cJSON *doc = NULL;
	char *json = NULL;
	size_t jlen = 0;
	size_t mark;
	size_t i;
	int rc;

	rc = get_count(c, VO_COUNTRIES_MAX, "selected countries", &out->ncountries);
	if (!rc && !out->ncountries)
		rc = bad(c, "no country selected");
	if (!rc)
		out->countries = alloc_n(c, out->ncountries, sizeof(char *), &rc);
	for (i = 0; i < out->ncountries && !rc; i++) {
		size_t n = 0;

		rc = get_str(c, left(c), "a selected country", &out->countries[i], &n);
		if (!rc && (!n || strlen(out->countries[i]) != n))
			rc = bad(c, "a selected country that is empty or holds a NUL byte");
	}
	if (!rc)
		rc = get_str(c, VO_CONFIG_FILE_MAX, "the segment definitions", &json, &jlen);
	if (rc)
		goto out;
	vo_jread_init(&r, c->origin, c->err);
	rc = vo_jread_parse(&r, json, jlen, 0, &doc);
	if (!rc) {
		mark = vo_jread_enter(&r, "segments");
		rc = vo_segconfig_read(&r, doc, VO_SEGDEF_ARTIFACT, &out->config);
		vo_jread_leave(&r, mark);
	}
	if (!rc) {
		/* As the writer renders it, byte for byte (the format has one form). */
		struct vo_buf again;
		struct vo_json j;

		vo_buf_init(&again, VO_CONFIG_FILE_MAX);
		vo_json_init(&j, &again, false);
		vo__render_segments(&j, &out->config);
		rc = vo_json_status(&j);
		if (rc)
			rc = vo_error_nomem_in(c->err, c->origin);
		else if (again.len != jlen ||
			 (jlen && again.ptr && memcmp(again.ptr, json, jlen) != 0))
			rc = bad(c, "segment definitions not in the form the writer gives them");
		vo_buf_release(&again);
	}
out:
	cJSON_Delete(doc);
	vo_free(json);
	return rc;
}

static int get_files(struct cursor *c, struct vo_partial *out)
{
	size_t i;
	int rc = get_count(c, VO_INPUT_FILES_MAX, "files", &out->nfiles);

	if (!rc)
		out->files = alloc_n(c, out->nfiles, sizeof(*out->files), &rc);
	for (i = 0; i < out->nfiles && !rc; i++) {
		struct vo_partial_file *f = &out->files[i];
		size_t n = 0;
		uint64_t kind;

		rc = get_str(c, PATH_MAX, "a file's path", &f->path, &n);
		if (!rc && (!n || strlen(f->path) != n))
			rc = bad(c, "file %zu: a path that is empty or holds a NUL byte", i);
		if (!rc)
			rc = get_uv(c, &f->bytes);
		if (!rc)
			rc = get_uv(c, &f->units);
		if (!rc)
			rc = get_uv(c, &kind);
		if (rc)
			break;
		if (kind > VO_PARTIAL_PARQUET)
			rc = bad(c, "file %zu: unknown kind %" PRIu64, i, kind);
		else if (!f->units || f->units > VO_PARQUET_ROW_GROUPS_MAX ||
			 (kind == VO_PARTIAL_CSV && f->units != 1))
			rc = bad(c, "file %zu: %" PRIu64 " work units", i, f->units);
		f->kind = (enum vo_partial_kind)kind;
	}
	return rc;
}

static int get_sources(struct cursor *c, struct vo_partial *out)
{
	uint64_t rows = 0;
	size_t i;
	int rc = get_count(c, out->nfiles, "sources read", &out->nsources);

	if (!rc)
		out->sources = alloc_n(c, out->nsources, sizeof(*out->sources), &rc);
	for (i = 0; i < out->nsources && !rc; i++) {
		struct vo_partial_source *s = &out->sources[i];
		unsigned char raw[VO_SHA256_LEN];
		uint64_t file;
		uint64_t hashed;

		rc = get_uv(c, &file);
		if (!rc)
			rc = get_uv(c, &s->first);
		if (!rc)
			rc = get_uv(c, &s->count);
		if (!rc)
			rc = get_uv(c, &s->rows);
		if (!rc)
			rc = get_uv(c, &hashed);
		if (rc)
			break;
		if (file >= out->nfiles || (i && file <= out->sources[i - 1].file))
			return bad(c, "source %zu: file %" PRIu64 " out of order or unknown", i,
				   file);
		s->file = (size_t)file;
		if (!s->count || s->first > out->files[file].units ||
		    s->count > out->files[file].units - s->first)
			return bad(c,
				   "source %zu: units %" PRIu64 "+%" PRIu64 " outside the %" PRIu64
				   " units of '%s'",
				   i, s->first, s->count, out->files[file].units,
				   out->files[file].path);
		if (hashed > 1 || (hashed != 0) != (s->first == 0))
			return bad(c, "source %zu: the digest of '%s' from %s", i,
				   out->files[file].path,
				   s->first ? "a part without its unit 0"
					    : "no part (unit 0 without it)");
		s->hashed = hashed;
		if (s->hashed) {
			rc = get_raw(c, raw, sizeof(raw));
			if (!rc)
				rc = get_uv(c, &s->bytes);
			if (rc)
				break;
			vo_sha256_to_hex(raw, s->sha256);
			if (s->bytes != out->files[file].bytes)
				return bad(c,
					   "source %zu: %" PRIu64
					   " bytes hashed of '%s', listed with %" PRIu64,
					   i, s->bytes, out->files[file].path,
					   out->files[file].bytes);
		}
		if (__builtin_add_overflow(rows, s->rows, &rows))
			return bad(c, "rows overflow");
	}
	if (!rc && rows != out->quality.rows_read)
		rc = bad(c, "the sources hold %" PRIu64 " rows but %" PRIu64 " were read", rows,
			 out->quality.rows_read);
	return rc;
}

static int get_quality(struct cursor *c, struct vo_quality *q)
{
	uint64_t sum;
	uint64_t n;
	size_t i;
	int rc;

	rc = get_uv(c, &q->rows_read);
	if (!rc)
		rc = get_uv(c, &q->rows_kept);
	if (!rc)
		rc = get_uv(c, &q->missing_total_orders);
	if (!rc)
		rc = get_uv(c, &n);
	if (rc)
		return rc;
	if (n != VO_OUT_KEPT)
		return bad(c, "%" PRIu64 " drop reasons, not %d", n, VO_OUT_KEPT);
	sum = q->rows_kept;
	for (i = 0; i < VO_OUT_KEPT; i++) {
		rc = get_uv(c, &q->dropped[i]);
		if (rc)
			return rc;
		if (__builtin_add_overflow(sum, q->dropped[i], &sum))
			return bad(c, "quality counts overflow");
	}
	if (sum != q->rows_read || q->missing_total_orders > q->rows_kept)
		return bad(c,
			   "quality figures that do not add up (read %" PRIu64 ", kept %" PRIu64
			   ", dropped %" PRIu64 ")",
			   q->rows_read, q->rows_kept, sum - q->rows_kept);
	return VO_OK;
}

static int get_counts(struct cursor *c, struct vo_partial_counts *k, uint64_t *rows)
{
	size_t i;
	int rc = get_count(c, VO_VOUCHERS_MAX, "voucher amounts", &k->n);

	*rows = 0;
	if (!rc)
		k->v = alloc_n(c, k->n, sizeof(*k->v), &rc);
	for (i = 0; i < k->n && !rc; i++) {
		rc = get_sv(c, &k->v[i].amount);
		if (!rc)
			rc = get_uv(c, &k->v[i].rows);
		if (rc)
			break;
		if (k->v[i].amount < 0 || (i && k->v[i].amount <= k->v[i - 1].amount))
			return bad(c, "voucher amount %" PRId64 " negative or out of order",
				   k->v[i].amount);
		if (!k->v[i].rows || __builtin_add_overflow(*rows, k->v[i].rows, rows))
			return bad(c, "voucher amount %" PRId64 " with %" PRIu64 " rows",
				   k->v[i].amount, k->v[i].rows);
	}
	return rc;
}

static int get_country(struct cursor *c, struct vo_partial *out, struct vo_partial_country *k,
		       uint64_t *kept)
{
	const struct vo_segconfig *cfg = &out->config;
	bool all = vo_partial_selects_all(out);
	uint64_t rows = 0;
	uint64_t n;
	size_t i;
	size_t s;
	int rc;

	rc = get_str(c, left(c), "a country key", &k->key, &k->key_len);
	if (!rc && !k->key_len)
		rc = bad(c, "an empty country key");
	if (!rc)
		rc = get_count(c, (size_t)VO_COUNTRIES_MAX * 16, "spellings", &k->nspellings);
	if (!rc && (all ? !k->nspellings : k->nspellings != 0))
		rc = bad(c, "country '%.64s': %zu spellings with selection %s", k->key,
			 k->nspellings, all ? "all" : "of names");
	if (!rc)
		k->spellings = alloc_n(c, k->nspellings, sizeof(*k->spellings), &rc);
	for (i = 0; i < k->nspellings && !rc; i++) {
		rc = get_str(c, left(c), "a spelling", &k->spellings[i].text, &k->spellings[i].len);
		if (!rc)
			rc = get_uv(c, &k->spellings[i].rows);
		if (!rc && (!k->spellings[i].len || !k->spellings[i].rows))
			rc = bad(c, "country '%.64s': an empty spelling or one without rows",
				 k->key);
	}
	if (!rc)
		k->slots = alloc_n(c, cfg->ncells + 1, sizeof(*k->slots), &rc);
	if (!rc)
		k->outside = alloc_n(c, cfg->nsegs, sizeof(*k->outside), &rc);
	for (i = 0; i <= cfg->ncells && !rc; i++) {
		rc = get_counts(c, &k->slots[i], &n);
		if (i == 0)
			rows = n;
	}
	for (s = 0; s < cfg->nsegs && !rc; s++) {
		const struct vo_segdef *seg = &cfg->segs[s];
		uint64_t sum;
		size_t b;

		rc = get_uv(c, &k->outside[s]);
		if (rc)
			break;
		sum = k->outside[s];
		for (b = 0; b < seg->nbuckets; b++) {
			const struct vo_partial_counts *cell = &k->slots[1 + seg->cell_base + b];
			size_t v;

			for (v = 0; v < cell->n; v++)
				if (__builtin_add_overflow(sum, cell->v[v].rows, &sum))
					sum = UINT64_MAX;
		}
		if (sum > rows)
			rc = bad(c,
				 "country '%.64s': segment '%s' holds %" PRIu64
				 " rows, the country %" PRIu64,
				 k->key, seg->name, sum, rows);
	}
	if (!rc && __builtin_add_overflow(*kept, rows, kept))
		rc = bad(c, "rows overflow");
	return rc;
}

static int cmp_key(const void *x, const void *y)
{
	const struct vo_partial_country *a = *(const struct vo_partial_country *const *)x;
	const struct vo_partial_country *b = *(const struct vo_partial_country *const *)y;

	return vo_str_cmp(vo_str_make(a->key, a->key_len), vo_str_make(b->key, b->key_len));
}

static int get_countries(struct cursor *c, struct vo_partial *out)
{
	const struct vo_partial_country **order = NULL;
	uint64_t kept = 0;
	size_t i;
	int rc = get_count(c, VO_COUNTRIES_MAX, "countries", &out->ncty);

	if (!rc)
		out->cty = alloc_n(c, out->ncty, sizeof(*out->cty), &rc);
	for (i = 0; i < out->ncty && !rc; i++)
		rc = get_country(c, out, &out->cty[i], &kept);
	if (rc)
		return rc;
	if (kept != out->quality.rows_kept)
		return bad(c, "the countries hold %" PRIu64 " rows but %" PRIu64 " were kept", kept,
			   out->quality.rows_kept);
	order = alloc_n(c, out->ncty, sizeof(const struct vo_partial_country *), &rc);
	if (rc)
		return rc;
	for (i = 0; i < out->ncty; i++)
		order[i] = &out->cty[i];
	qsort(order, out->ncty, sizeof(const struct vo_partial_country *), cmp_key);
	for (i = 1; i < out->ncty && !rc; i++)
		if (!cmp_key(&order[i - 1], &order[i]))
			rc = bad(c, "country key '%.64s' twice", order[i]->key);
	vo_free(order);
	return rc;
}

/* Checks the frame: magic, version, length, digest.  Sets c->end to the body's end. */
static int check_frame(struct cursor *c, size_t len)
{
	const unsigned char *d = c->base;
	unsigned char md[VO_SHA256_LEN];
	struct vo_sha256 sha;
	uint64_t total = 0;
	size_t i;

	if (len && len < MAGIC_LEN && !memcmp(d, VO_PARTIAL_MAGIC, len))
		return vo_error_set(c->err, VO_EFORMAT, "%s: truncated: %zu bytes", c->origin, len);
	if (len < sizeof(MAGIC_PREFIX) - 1 ||
	    memcmp(d, MAGIC_PREFIX, sizeof(MAGIC_PREFIX) - 1) != 0)
		return vo_error_set(c->err, VO_EFORMAT,
				    "%s: not a vouch partial result (`vouch process --partial` "
				    "writes them)",
				    c->origin);
	if (len < MAGIC_LEN || memcmp(d, VO_PARTIAL_MAGIC, MAGIC_LEN) != 0) {
		char name[32];
		size_t n = 0;

		for (i = 0; i < len && i < sizeof(name) - 1 && d[i] != '\n'; i++)
			name[n++] = d[i] >= 0x20 && d[i] < 0x7f ? (char)d[i] : '?';
		name[n] = '\0';
		return vo_error_set(c->err, VO_EFORMAT,
				    "%s: format %s, but this vouch reads %s: merge parts made by "
				    "the same vouch",
				    c->origin, name, VO_PARTIAL_FORMAT);
	}
	if (len < MAGIC_LEN + 8)
		return vo_error_set(c->err, VO_EFORMAT, "%s: truncated: %zu bytes", c->origin, len);
	for (i = 0; i < 8; i++)
		total |= (uint64_t)d[MAGIC_LEN + i] << (8 * i);
	if (total < FRAME_LEN)
		return vo_error_set(c->err, VO_EFORMAT,
				    "%s: damaged: a length of %" PRIu64 " bytes", c->origin, total);
	if ((uint64_t)len < total)
		return vo_error_set(c->err, VO_EFORMAT, "%s: truncated: %zu of %" PRIu64 " bytes",
				    c->origin, len, total);
	if ((uint64_t)len > total)
		return vo_error_set(c->err, VO_EFORMAT,
				    "%s: damaged: %zu bytes where its header says %" PRIu64,
				    c->origin, len, total);
	if (vo_sha256_init(&sha))
		return vo_error_nomem_in(c->err, c->origin);
	vo_sha256_update(&sha, d, len - VO_SHA256_LEN);
	if (vo_sha256_final(&sha, md))
		return vo_error_nomem_in(c->err, c->origin);
	if (memcmp(md, d + len - VO_SHA256_LEN, VO_SHA256_LEN) != 0)
		return vo_error_set(c->err, VO_EFORMAT,
				    "%s: damaged: its SHA-256 does not match its content",
				    c->origin);
	c->p = d + MAGIC_LEN + 8;
	c->end = d + len - VO_SHA256_LEN;
	return VO_OK;
}

int vo_partial_parse(const void *data, size_t len, const char *origin, struct vo_partial *out,
		     struct vo_error *err)
{
	unsigned char raw[VO_SHA256_LEN];
	char fp[VO_SHA256_HEX];
	struct cursor c;
	int rc;

	memset(out, 0, sizeof(*out));
	c.base = data;
	c.p = c.base;
	c.end = c.base;
	c.origin = origin;
	c.err = err;
	rc = check_frame(&c, len);
	if (!rc)
		rc = get_uv(&c, &out->shard);
	if (!rc)
		rc = get_uv(&c, &out->nshards);
	if (!rc && (!out->nshards || out->shard >= out->nshards || out->nshards > VO_SHARDS_MAX))
		rc = bad(&c, "shard %" PRIu64 " of %" PRIu64, out->shard, out->nshards);
	if (!rc)
		rc = get_job(&c, out);
	if (!rc)
		rc = get_raw(&c, raw, sizeof(raw));
	if (rc)
		return rc;
	vo_sha256_to_hex(raw, out->fingerprint);
	rc = vo_partial_fingerprint(out->countries, out->ncountries, &out->config, fp);
	if (rc)
		return vo_error_nomem_in(err, origin);
	if (strcmp(fp, out->fingerprint) != 0)
		return bad(&c, "a fingerprint that is not that of its selection and segments");
	rc = get_files(&c, out);
	if (!rc)
		rc = get_quality(&c, &out->quality);
	if (!rc)
		rc = get_sources(&c, out);
	if (!rc)
		rc = get_countries(&c, out);
	if (!rc && c.p != c.end)
		rc = bad(&c, "%zu bytes after the last country", left(&c));
	return rc;
}

int vo_partial_load(const char *path, struct vo_partial *out, struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	memset(out, 0, sizeof(*out));
	vo_buf_init(&b, VO_PARTIAL_MAX);
	rc = vo_read_file(path, VO_PARTIAL_MAX, &b, err);
	if (!rc)
		rc = vo_partial_parse(b.ptr ? b.ptr : "", b.len, path, out, err);
	vo_buf_release(&b);
	return rc;
}

/* ---- description -------------------------------------------------------- */

/* Appends s (len bytes) with anything but printable ASCII as \xNN. */
static int add_escaped(struct vo_buf *out, const char *s, size_t len)
{
	size_t i;
	int rc = VO_OK;

	for (i = 0; i < len && !rc; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch >= 0x20 && ch < 0x7f && ch != '\\')
			rc = vo_buf_addch(out, (char)ch);
		else
			rc = vo_buf_addf(out, "\\x%02x", ch);
	}
	return rc;
}

static int describe_counts(struct vo_buf *out, const char *label, const struct vo_partial_counts *k)
{
	size_t i;
	int rc = vo_buf_addf(out, "    %s:", label);

	for (i = 0; i < k->n && !rc; i++)
		rc = vo_buf_addf(out, " %" PRId64 "x%" PRIu64, k->v[i].amount, k->v[i].rows);
	if (!rc)
		rc = vo_buf_addstr(out, k->n ? "\n" : " -\n");
	return rc;
}

int vo_partial_describe(const struct vo_partial *p, struct vo_buf *out)
{
	const struct vo_segconfig *cfg = &p->config;
	size_t i;
	size_t s;
	size_t b;
	int rc;

	rc = vo_buf_addf(out, "format: %s\nshard: %" PRIu64 " of %" PRIu64 "\nfingerprint: %s\n",
			 VO_PARTIAL_FORMAT, p->shard, p->nshards, p->fingerprint);
	if (!rc)
		rc = vo_buf_addstr(out, "countries selected:");
	for (i = 0; i < p->ncountries && !rc; i++) {
		rc = vo_buf_addch(out, ' ');
		if (!rc)
			rc = add_escaped(out, p->countries[i], strlen(p->countries[i]));
	}
	if (!rc)
		rc = vo_buf_addstr(out, "\nsegments:");
	for (s = 0; s < cfg->nsegs && !rc; s++)
		rc = vo_buf_addf(out, " %s (%s, %zu buckets)", cfg->segs[s].name,
				 vo_seg_field_name(cfg->segs[s].field), cfg->segs[s].nbuckets);
	if (!rc)
		rc = vo_buf_addf(out, "\nfiles of the job: %zu\n", p->nfiles);
	for (i = 0; i < p->nfiles && !rc; i++) {
		const struct vo_partial_file *f = &p->files[i];

		rc = vo_buf_addf(out, "  %zu: ", i);
		if (!rc)
			rc = add_escaped(out, f->path, strlen(f->path));
		if (!rc)
			rc = vo_buf_addf(out, " (%s, %" PRIu64 " bytes, %" PRIu64 " unit%s)\n",
					 f->kind == VO_PARTIAL_PARQUET ? "Parquet" : "CSV",
					 f->bytes, f->units, f->units == 1 ? "" : "s");
	}
	if (!rc)
		rc = vo_buf_addf(out, "read: %zu file%s\n", p->nsources,
				 p->nsources == 1 ? "" : "s");
	for (i = 0; i < p->nsources && !rc; i++) {
		const struct vo_partial_source *src = &p->sources[i];

		if (src->count == 1)
			rc = vo_buf_addf(out, "  file %zu: unit %" PRIu64 ", %" PRIu64 " rows",
					 src->file, src->first, src->rows);
		else
			rc = vo_buf_addf(
				out,
				"  file %zu: units %" PRIu64 " to %" PRIu64 ", %" PRIu64 " rows",
				src->file, src->first, src->first + src->count - 1, src->rows);
		if (!rc && src->hashed)
			rc = vo_buf_addf(out, ", sha256 %s", src->sha256);
		if (!rc)
			rc = vo_buf_addch(out, '\n');
	}
	if (!rc)
		rc = vo_buf_addf(out,
				 "quality: read %" PRIu64 ", kept %" PRIu64
				 ", missing total_orders %" PRIu64 "\n",
				 p->quality.rows_read, p->quality.rows_kept,
				 p->quality.missing_total_orders);
	for (i = 0; i < VO_OUT_KEPT && !rc; i++)
		if (p->quality.dropped[i])
			rc = vo_buf_addf(out, "  dropped %s: %" PRIu64 "\n",
					 vo_outcome_name((enum vo_outcome)i),
					 p->quality.dropped[i]);
	for (i = 0; i < p->ncty && !rc; i++) {
		const struct vo_partial_country *k = &p->cty[i];
		size_t j;

		rc = vo_buf_addstr(out, "country ");
		if (!rc)
			rc = add_escaped(out, k->key, k->key_len);
		if (!rc)
			rc = vo_buf_addch(out, '\n');
		for (j = 0; j < k->nspellings && !rc; j++) {
			rc = vo_buf_addstr(out, "  spelling '");
			if (!rc)
				rc = add_escaped(out, k->spellings[j].text, k->spellings[j].len);
			if (!rc)
				rc = vo_buf_addf(out, "': %" PRIu64 " rows\n",
						 k->spellings[j].rows);
		}
		if (!rc)
			rc = describe_counts(out, "all kept rows", &k->slots[0]);
		for (s = 0; s < cfg->nsegs && !rc; s++) {
			const struct vo_segdef *seg = &cfg->segs[s];

			for (b = 0; b < seg->nbuckets && !rc; b++) {
				char label[2 * VO_NAME_MAX + 4];

				snprintf(label, sizeof(label), "%s %s", seg->name,
					 seg->buckets[b].name);
				rc = describe_counts(out, label, &k->slots[1 + seg->cell_base + b]);
			}
			if (!rc)
				rc = vo_buf_addf(out, "    %s outside buckets: %" PRIu64 "\n",
						 seg->name, k->outside[s]);
		}
	}
	return rc;
}

void vo_partial_release(struct vo_partial *p)
{
	size_t i;
	size_t j;

	for (i = 0; i < p->ncountries && p->countries; i++)
		vo_free(p->countries[i]);
	vo_free(p->countries);
	for (i = 0; i < p->nfiles && p->files; i++)
		vo_free(p->files[i].path);
	vo_free(p->files);
	vo_free(p->sources);
	for (i = 0; i < p->ncty && p->cty; i++) {
		struct vo_partial_country *k = &p->cty[i];

		vo_free(k->key);
		for (j = 0; j < k->nspellings && k->spellings; j++)
			vo_free(k->spellings[j].text);
		vo_free(k->spellings);
		for (j = 0; k->slots && j <= p->config.ncells; j++)
			vo_free(k->slots[j].v);
		vo_free(k->slots);
		vo_free(k->outside);
	}
	vo_free(p->cty);
	vo_segconfig_release(&p->config); /* last: the countries' slots follow its cells */
	memset(p, 0, sizeof(*p));
}
