/*
 * segment.c - counting kept rows into buckets, see segment.h.
 *
 * Voucher amounts are interned to dense ids; each country keeps a matrix of
 * counts, one row per voucher id and one column per slot.  Slot 0 is the
 * country as a whole, then every bucket of every segment in config order,
 * then one "outside" slot per segment.  Growing the number of vouchers only
 * appends rows, so the matrix is reallocated, never re-laid out.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/limits.h"
#include "core/map.h"
#include "segment/segment.h"

struct counts {
	uint64_t *m; /* nvouchers_cap x nslots */
	size_t vcap; /* voucher rows allocated */
};

struct vo_segmenter {
	const struct vo_segconfig *cfg;
	size_t nslots;		   /* 1 + ncells + nsegs */
	struct vo_intmap vouchers; /* amount -> voucher id */
	struct counts *country;	   /* by country id */
	size_t ncountries;
};

int vo_segmenter_create(struct vo_segmenter **out, const struct vo_segconfig *cfg)
{
	struct vo_segmenter *s = vo_calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return VO_ENOMEM;
	s->cfg = cfg;
	s->nslots = 1 + cfg->ncells + cfg->nsegs;
	vo_intmap_init(&s->vouchers, VO_VOUCHERS_MAX);
	*out = s;
	return VO_OK;
}

void vo_segmenter_destroy(struct vo_segmenter *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->ncountries; i++)
		vo_free(s->country[i].m);
	vo_free(s->country);
	vo_intmap_release(&s->vouchers);
	vo_free(s);
}

/* Makes sure country c exists and has a row for voucher id v. */
static int reserve(struct vo_segmenter *s, uint32_t c, uint32_t v)
{
	struct counts *k;

	if (c >= s->ncountries) {
		struct counts *nc;

		if (c >= VO_COUNTRIES_MAX)
			return VO_ELIMIT;
		nc = vo_reallocarray(s->country, (size_t)c + 1, sizeof(*nc));
		if (!nc)
			return VO_ENOMEM;
		memset(nc + s->ncountries, 0, ((size_t)c + 1 - s->ncountries) * sizeof(*nc));
		s->country = nc;
		s->ncountries = (size_t)c + 1;
	}
	k = &s->country[c];
	if (v >= k->vcap) {
		size_t ncap = VO_MAX((size_t)v + 1, k->vcap * 2);
		uint64_t *nm = vo_reallocarray(k->m, ncap * s->nslots, sizeof(*nm));

		if (!nm)
			return VO_ENOMEM;
		memset(nm + k->vcap * s->nslots, 0, (ncap - k->vcap) * s->nslots * sizeof(*nm));
		k->m = nm;
		k->vcap = ncap;
	}
	return VO_OK;
}

static void count_row(struct vo_segmenter *s, uint64_t *row, int64_t total, int64_t days)
{
	const struct vo_segconfig *cfg = s->cfg;
	size_t g;

	row[0]++;
	for (g = 0; g < cfg->nsegs; g++) {
		const struct vo_segdef *seg = &cfg->segs[g];
		int64_t v = seg->field == VO_FIELD_TOTAL_ORDERS ? total : days;
		int b;

		if (seg->field == VO_FIELD_TOTAL_ORDERS && total < 0)
			continue; /* missing total_orders: in no bucket of this segment */
		b = vo_segdef_find(seg, v);
		if (b >= 0)
			row[1 + seg->cell_base + (size_t)b]++;
		else
			row[1 + cfg->ncells + g]++;
	}
}

int vo_segmenter_add(struct vo_segmenter *s, const struct vo_clean_rows *rows, struct vo_error *err)
{
	uint32_t last_amount_id = VO_MAP_NONE;
	int64_t last_amount = 0;
	size_t i;
	int rc;

	for (i = 0; i < rows->nrows; i++) {
		uint32_t c;
		uint32_t v;

		if (rows->outcome[i] != VO_OUT_KEPT)
			continue;
		c = rows->country[i];
		if (last_amount_id != VO_MAP_NONE && rows->voucher[i] == last_amount) {
			v = last_amount_id;
		} else {
			rc = vo_intmap_put(&s->vouchers, rows->voucher[i], &v, NULL);
			if (rc)
				return vo_error_set(
					err, rc,
					rc == VO_ELIMIT ? "more than %d distinct voucher amounts"
							: "out of memory",
					VO_VOUCHERS_MAX);
			last_amount = rows->voucher[i];
			last_amount_id = v;
		}
		rc = reserve(s, c, v);
		if (rc)
			return vo_error_set(err, rc, "%s", vo_strerror(rc));
		count_row(s, s->country[c].m + (size_t)v * s->nslots, rows->total[i],
			  rows->days[i]);
	}
	return VO_OK;
}

int vo_segmenter_merge(struct vo_segmenter *dst, const struct vo_segmenter *src,
		       const uint32_t *country_map)
{
	size_t c;
	size_t v;
	size_t k;
	int rc;

	for (c = 0; c < src->ncountries; c++) {
		for (v = 0; v < src->country[c].vcap && v < src->vouchers.count; v++) {
			const uint64_t *from = src->country[c].m + v * src->nslots;
			uint32_t id;

			if (!from[0])
				continue;
			uint32_t dc = country_map ? country_map[c] : (uint32_t)c;

			rc = vo_intmap_put(&dst->vouchers, src->vouchers.keys[v], &id, NULL);
			if (!rc)
				rc = reserve(dst, dc, id);
			if (rc)
				return rc;
			for (k = 0; k < dst->nslots; k++)
				dst->country[dc].m[(size_t)id * dst->nslots + k] += from[k];
		}
	}
	return VO_OK;
}

uint64_t vo_segmenter_outside(const struct vo_segmenter *s, size_t seg)
{
	uint64_t sum = 0;
	size_t c;
	size_t v;

	for (c = 0; c < s->ncountries; c++)
		for (v = 0; v < s->country[c].vcap; v++)
			sum += s->country[c].m[v * s->nslots + 1 + s->cfg->ncells + seg];
	return sum;
}

uint64_t vo_segmenter_country_outside(const struct vo_segmenter *s, uint32_t country, size_t seg)
{
	uint64_t sum = 0;
	size_t v;

	if (country >= s->ncountries)
		return 0;
	for (v = 0; v < s->country[country].vcap; v++)
		sum += s->country[country].m[v * s->nslots + 1 + s->cfg->ncells + seg];
	return sum;
}

int vo_segmenter_import(struct vo_segmenter *s, uint32_t country, size_t slot, int64_t amount,
			uint64_t rows)
{
	uint32_t v;
	int rc;

	if (slot > s->cfg->ncells)
		return VO_EINVAL;
	rc = vo_intmap_put(&s->vouchers, amount, &v, NULL);
	if (!rc)
		rc = reserve(s, country, v);
	if (rc)
		return rc;
	s->country[country].m[(size_t)v * s->nslots + slot] += rows;
	return VO_OK;
}

static int cmp_vcount(const void *a, const void *b)
{
	const struct vo_vcount *x = a;
	const struct vo_vcount *y = b;

	return (x->amount > y->amount) - (x->amount < y->amount);
}

/* Fills one cell from column slot of country c's matrix. */
static int fill_cell(const struct vo_segmenter *s, const struct counts *k, size_t slot,
		     struct vo_cell *cell)
{
	size_t nv = k ? VO_MIN(k->vcap, s->vouchers.count) : 0;
	size_t v;
	size_t i;

	memset(cell, 0, sizeof(*cell));
	for (v = 0; v < nv; v++)
		if (k->m[v * s->nslots + slot])
			cell->ncounts++;
	if (!cell->ncounts)
		return VO_OK;
	cell->counts = vo_calloc(cell->ncounts, sizeof(*cell->counts));
	if (!cell->counts)
		return VO_ENOMEM;
	for (v = 0, i = 0; v < nv; v++) {
		uint64_t n = k->m[v * s->nslots + slot];

		if (!n)
			continue;
		cell->counts[i].amount = s->vouchers.keys[v];
		cell->counts[i].rows = n;
		cell->rows += n;
		i++;
	}
	qsort(cell->counts, cell->ncounts, sizeof(*cell->counts), cmp_vcount);
	/* Sorted by amount, so the first maximum is the smallest amount on a tie. */
	for (i = 0; i < cell->ncounts; i++) {
		if (!cell->has_voucher || cell->counts[i].rows > cell->voucher_rows) {
			cell->has_voucher = true;
			cell->voucher = cell->counts[i].amount;
			cell->voucher_rows = cell->counts[i].rows;
		}
	}
	return VO_OK;
}

int vo_segmenter_table(const struct vo_segmenter *s, uint32_t country, const char *name,
		       struct vo_country_table *out)
{
	const struct counts *k = country < s->ncountries ? &s->country[country] : NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->name = vo_strdup(name);
	out->cells = vo_calloc(VO_MAX(s->cfg->ncells, 1), sizeof(*out->cells));
	if (!out->name || !out->cells) {
		rc = VO_ENOMEM;
		goto fail;
	}
	rc = fill_cell(s, k, 0, &out->fallback);
	if (rc)
		goto fail;
	out->rows = out->fallback.rows;
	for (i = 0; i < s->cfg->ncells; i++) {
		rc = fill_cell(s, k, 1 + i, &out->cells[i]);
		if (rc)
			goto fail;
	}
	return VO_OK;
fail:
	vo_country_table_release(out, s->cfg->ncells);
	return rc;
}
