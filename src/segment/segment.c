/*
 * segment.c - counting kept rows into buckets, see segment.h.
 *
 * Voucher amounts are interned to dense ids; each country keeps a matrix of
 * counts, one row per voucher id, so growing the number of vouchers only
 * appends rows (the matrix is reallocated, never re-laid out).
 *
 * A kept row costs one array increment.  The values of each field fall into
 * classes, the intervals between the segments' bucket bounds (0-4, 5-13,
 * 14-37, 38 and up for the default total_orders buckets; total_orders also
 * has the class "missing"), looked up in a table built from the config.  A
 * row's column in its voucher's matrix row is the pair (total class, days
 * class): the joint index.  Each column stands for one slot per segment
 * (its bucket, or outside, or none for a missing total), so the slots'
 * counts are sums of columns, computed when a table or a merge wants them
 * ("folding").  A config whose joint index would be too wide (more than
 * JOINT_MAX columns) counts into the slots directly instead: one increment
 * per segment, the slot found through the same class tables.
 *
 * Slots: 0 is the country as a whole, then every bucket of every segment in
 * config order, then one "outside" slot per segment.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/limits.h"
#include "core/map.h"
#include "segment/segment.h"

/* Columns of a joint matrix row at most: 256 x 8 bytes per country and voucher. */
#define JOINT_MAX 256
/* Values of a field looked up in a table (larger bounds: binary search). */
#define TABLE_MAX 65536
#define NO_SLOT UINT32_MAX
/* vo_segmenter_count(): flag combinations of a row class (see there). */
#define HIST_FLAGS 4
/* vo_segmenter_count(): counters of the histogram at most (2 bytes each, as
 * a batch has at most VO_BATCH_ROWS rows); more classes: row by row. */
#define HIST_MAX (1u << 16)
_Static_assert(VO_BATCH_ROWS <= UINT16_MAX, "a batch's rows fit a 16-bit counter");

/* How the values (>= 0) of one field fall into classes. */
struct classes {
	int64_t *start; /* class q holds [start[q], start[q + 1]); start[0] = 0 */
	size_t n;	/* classes */
	uint32_t *tab;	/* class of x for x < ntab, when the bounds are small */
	size_t ntab;	/* entries of tab; 0: binary search */
	int64_t *rep;	/* a value of each class (its start) */
};

/* Codes of a column's dictionary entries (or rows), see vo_segmenter_count(). */
struct side {
	uint32_t *code; /* one per entry */
	size_t cap;	/* entries allocated */
	uint64_t gen;	/* the judgements they were made from (0: none, or per row) */
};

struct counts {
	uint64_t *m; /* vcap x ncols */
	size_t vcap; /* voucher rows allocated */
};

/*
 * The histogram of vo_segmenter_count() holds the rows of several batches
 * before they are folded into the counts: its 16-bit counters allow
 * UINT16_MAX rows, and the batches must share its layout (the numbers of
 * vouchers and countries, and the meaning of its country).  Folding once
 * per 15 batches instead of each one took 9 of 220 instructions per row
 * away.
 */
struct pending {
	size_t rows;	 /* rows counted in the histogram, not folded yet */
	uint32_t nv;	 /* its voucher codes */
	uint32_t nc;	 /* its countries or country entries */
	bool entries;	 /* its country is an entry of a country dictionary, of: */
	uint64_t gen;	 /* the dictionary's judgements */
	uint32_t *cid;	 /* per entry: the country id */
	uint32_t *spell; /* per entry: the spelling id */
	size_t cap;	 /* entries allocated in cid and spell */
};

struct vo_segmenter {
	const struct vo_segconfig *cfg;
	size_t nslots;		   /* 1 + ncells + nsegs */
	bool joint;		   /* counts are per (total class, days class) */
	size_t ncols;		   /* columns of a matrix row: nt * nd, or nslots */
	size_t nt;		   /* total_orders classes, "missing" (0) included */
	size_t nd;		   /* days classes */
	struct classes tc;	   /* total_orders */
	struct classes dc;	   /* days_since_last_order */
	uint32_t *seg_slot;	   /* [g][class]: segment g's slot for its field's class */
	size_t seg_stride;	   /* classes per segment in seg_slot: max(nt, nd) */
	struct vo_intmap vouchers; /* amount -> voucher id */
	uint32_t *keymap;	   /* the cleaner's voucher key -> voucher id */
	size_t nkeymap;		   /* entries of keymap */
	struct counts *country;	   /* by country id */
	size_t ncountries;
	uint32_t *rtab;	     /* vo_segmenter_count(): days code * HIST_FLAGS of d + 1 */
	size_t nrtab;	     /* entries of rtab (d + 1 past it: the last) */
	struct side tside;   /* vo_segmenter_count(): total_orders codes */
	struct side vside;   /* vo_segmenter_count(): voucher codes */
	uint16_t *hist;	     /* vo_segmenter_count(): rows per class, not yet folded */
	size_t hcap;	     /* counters allocated at hist, all 0 when none pending */
	struct pending pend; /* what the rows in hist were counted under */
};

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a;
	int64_t y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The classes of field f: the bounds of its segments' buckets, sorted. */
static int classes_build(struct classes *cl, const struct vo_segconfig *cfg, enum vo_seg_field f)
{
	size_t n = 1;
	size_t g;
	size_t b;
	size_t q;
	size_t x;

	cl->start = vo_calloc(2 * cfg->ncells + 1, sizeof(*cl->start));
	if (!cl->start)
		return VO_ENOMEM;
	cl->start[0] = 0;
	for (g = 0; g < cfg->nsegs; g++) {
		if (cfg->segs[g].field != f)
			continue;
		for (b = 0; b < cfg->segs[g].nbuckets; b++) {
			const struct vo_bucket *bk = &cfg->segs[g].buckets[b];

			if (bk->min > 0)
				cl->start[n++] = bk->min;
			if (!bk->open && bk->max >= 0 && bk->max < INT64_MAX)
				cl->start[n++] = bk->max + 1;
		}
	}
	qsort(cl->start, n, sizeof(*cl->start), cmp_i64);
	for (q = 1, x = 1; x < n; x++)
		if (cl->start[x] != cl->start[q - 1])
			cl->start[q++] = cl->start[x];
	cl->n = q;
	cl->rep = cl->start;
	if (cl->start[cl->n - 1] < TABLE_MAX) {
		cl->ntab = (size_t)cl->start[cl->n - 1] + 1;
		cl->tab = vo_calloc(cl->ntab, sizeof(*cl->tab));
		if (!cl->tab)
			return VO_ENOMEM;
		for (q = 0, x = 0; x < cl->ntab; x++) {
			while (q + 1 < cl->n && cl->start[q + 1] <= (int64_t)x)
				q++;
			cl->tab[x] = (uint32_t)q;
		}
	}
	return VO_OK;
}

static void classes_release(struct classes *cl)
{
	vo_free(cl->start);
	vo_free(cl->tab);
	memset(cl, 0, sizeof(*cl));
}

/* The class of v >= 0 (negative values count as 0: kept rows never have them). */
static inline uint32_t class_of(const struct classes *cl, int64_t v)
{
	size_t lo = 0;
	size_t hi;

	if (v < 0)
		v = 0;
	if (cl->ntab)
		return cl->tab[(uint64_t)v < cl->ntab ? (size_t)v : cl->ntab - 1];
	hi = cl->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (cl->start[mid] <= v)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* Segment g's slot for a value of class q of its field (total: q 0 is "missing"). */
static uint32_t slot_for(const struct vo_segmenter *s, size_t g, size_t q)
{
	const struct vo_segconfig *cfg = s->cfg;
	const struct vo_segdef *seg = &cfg->segs[g];
	int64_t v;
	int b;

	if (seg->field == VO_FIELD_TOTAL_ORDERS) {
		if (q == 0)
			return NO_SLOT; /* missing total_orders: in no bucket of this segment */
		v = s->tc.rep[q - 1];
	} else {
		v = s->dc.rep[q];
	}
	b = vo_segdef_find(seg, v);
	if (b >= 0)
		return (uint32_t)(1 + seg->cell_base + (size_t)b);
	return (uint32_t)(1 + cfg->ncells + g);
}

int vo_segmenter_create(struct vo_segmenter **out, const struct vo_segconfig *cfg)
{
	struct vo_segmenter *s = vo_calloc(1, sizeof(*s));
	size_t g;
	size_t q;

	*out = NULL;
	if (!s)
		return VO_ENOMEM;
	s->cfg = cfg;
	s->nslots = 1 + cfg->ncells + cfg->nsegs;
	vo_intmap_init(&s->vouchers, VO_VOUCHERS_MAX);
	if (classes_build(&s->tc, cfg, VO_FIELD_TOTAL_ORDERS) ||
	    classes_build(&s->dc, cfg, VO_FIELD_DAYS_SINCE_LAST_ORDER))
		goto nomem;
	s->nt = 1 + s->tc.n;
	s->nd = s->dc.n;
	s->seg_stride = VO_MAX(s->nt, s->nd);
	s->seg_slot = vo_calloc(VO_MAX(cfg->nsegs, 1) * s->seg_stride, sizeof(*s->seg_slot));
	if (!s->seg_slot)
		goto nomem;
	for (g = 0; g < cfg->nsegs; g++) {
		size_t nq = cfg->segs[g].field == VO_FIELD_TOTAL_ORDERS ? s->nt : s->nd;

		for (q = 0; q < nq; q++)
			s->seg_slot[g * s->seg_stride + q] = slot_for(s, g, q);
	}
	if (s->dc.tab) {
		/* The histogram's days codes: 0 before the last order, then 1 + class. */
		s->nrtab = s->dc.ntab + 1;
		s->rtab = vo_calloc(s->nrtab, sizeof(*s->rtab));
		if (!s->rtab)
			goto nomem;
		for (q = 1; q < s->nrtab; q++)
			s->rtab[q] = (1 + s->dc.tab[q - 1]) * HIST_FLAGS;
	}
	s->joint = s->nt * s->nd <= JOINT_MAX;
	s->ncols = s->joint ? s->nt * s->nd : s->nslots;
	*out = s;
	return VO_OK;
nomem:
	vo_segmenter_destroy(s);
	return VO_ENOMEM;
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
	classes_release(&s->tc);
	classes_release(&s->dc);
	vo_free(s->seg_slot);
	vo_free(s->keymap);
	vo_free(s->tside.code);
	vo_free(s->vside.code);
	vo_free(s->hist);
	vo_free(s->pend.cid);
	vo_free(s->pend.spell);
	vo_free(s->rtab);
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
		uint64_t *nm = vo_reallocarray(k->m, ncap * s->ncols, sizeof(*nm));

		if (!nm)
			return VO_ENOMEM;
		memset(nm + k->vcap * s->ncols, 0, (ncap - k->vcap) * s->ncols * sizeof(*nm));
		k->m = nm;
		k->vcap = ncap;
	}
	return VO_OK;
}

/* The voucher id of an amount seen under the cleaner's key (once per key). */
static int learn_key(struct vo_segmenter *s, uint32_t key, int64_t amount, uint32_t *v)
{
	int rc = vo_intmap_put(&s->vouchers, amount, v, NULL);

	if (rc || key == UINT32_MAX)
		return rc;
	if (key >= s->nkeymap) {
		size_t n = VO_MAX((size_t)key + 1, s->nkeymap * 2);
		uint32_t *nk = vo_reallocarray(s->keymap, n, sizeof(*nk));

		if (!nk)
			return VO_ENOMEM;
		memset(nk + s->nkeymap, 0xff, (n - s->nkeymap) * sizeof(*nk));
		s->keymap = nk;
		s->nkeymap = n;
	}
	s->keymap[key] = *v;
	return VO_OK;
}

/* Counts one kept row into the slots (a config too wide for the joint index). */
static void count_slots(const struct vo_segmenter *s, uint64_t *row, uint32_t t, uint32_t d)
{
	const struct vo_segconfig *cfg = s->cfg;
	size_t g;

	row[0]++;
	for (g = 0; g < cfg->nsegs; g++) {
		uint32_t q = cfg->segs[g].field == VO_FIELD_TOTAL_ORDERS ? t : d;
		uint32_t slot = s->seg_slot[g * s->seg_stride + q];

		if (slot != NO_SLOT)
			row[slot]++;
	}
}

/* Counts kept row i; its voucher's id is v. */
static inline int count_row(struct vo_segmenter *s, const struct vo_clean_rows *rows, size_t i,
			    uint32_t v, struct vo_error *err)
{
	uint32_t c = rows->country[i];
	uint32_t t;
	uint32_t d;
	int rc;

	if (c >= s->ncountries || v >= s->country[c].vcap) {
		rc = reserve(s, c, v);
		if (rc)
			return vo_error_set(err, rc, "%s", vo_strerror(rc));
	}
	t = rows->total[i] < 0 ? 0 : 1 + class_of(&s->tc, rows->total[i]);
	d = class_of(&s->dc, rows->days[i]);
	if (s->joint)
		s->country[c].m[(size_t)v * s->ncols + (size_t)t * s->nd + d]++;
	else
		count_slots(s, s->country[c].m + (size_t)v * s->ncols, t, d);
	return VO_OK;
}

static int voucher_error(int rc, struct vo_error *err)
{
	return vo_error_set(err, rc,
			    rc == VO_ELIMIT ? "more than %d distinct voucher amounts"
					    : "out of memory",
			    VO_VOUCHERS_MAX);
}

int vo_segmenter_add(struct vo_segmenter *s, const struct vo_clean_rows *rows, struct vo_error *err)
{
	size_t i;
	size_t j;
	uint32_t v;
	int rc;

	if (rows->kept && rows->vkey) {
		/* The cleaner's rows: the kept ones listed, each amount under its key. */
		for (j = 0; j < rows->nkept; j++) {
			uint32_t key;

			i = rows->kept[j];
			key = rows->vkey[i];
			if (key < s->nkeymap && s->keymap[key] != UINT32_MAX) {
				v = s->keymap[key];
			} else {
				rc = learn_key(s, key, rows->voucher[i], &v);
				if (rc)
					return voucher_error(rc, err);
			}
			rc = count_row(s, rows, i, v, err);
			if (rc)
				return rc;
		}
		return VO_OK;
	}
	for (i = 0; i < rows->nrows; i++) {
		if (rows->outcome[i] != VO_OUT_KEPT)
			continue;
		rc = vo_intmap_put(&s->vouchers, rows->voucher[i], &v, NULL);
		if (rc)
			return voucher_error(rc, err);
		rc = count_row(s, rows, i, v, err);
		if (rc)
			return rc;
	}
	return VO_OK;
}

/*
 * Counts a judged batch row by row (the kept ones): for configs or data
 * whose classes would not fit the histogram of vo_segmenter_count().
 */
static int count_view(struct vo_segmenter *s, struct vo_cleaner *cleaner,
		      const struct vo_clean_view *v_, const struct vo_batch *batch,
		      const char *path, struct vo_error *err)
{
	const struct vo_clean_view view = *v_;
	size_t i = 0;
	size_t x;
	int rc;

	{
		/* Every array in a local: the increments (uint64_t) may alias any size_t. */
		const uint32_t *kept = view.kept;
		const uint32_t *sel = view.sel;
		const uint32_t *country = view.country;
		const int32_t *days = view.days;
		const int64_t *total = view.total;
		struct vo_judged *vtab = view.voucher_tab;
		const uint32_t *vix = view.voucher_ix;
		const uint32_t *keymap = s->keymap;
		size_t nkeymap = s->nkeymap;
		struct counts *k = s->country;
		size_t ncountries = s->ncountries;
		const uint32_t *ttab = s->tc.tab;
		const uint32_t *dtab = s->dc.tab;
		uint64_t tn = s->tc.ntab;
		uint64_t dn = s->dc.ntab;
		size_t ncols = s->ncols;
		size_t nd = s->nd;
		bool fast = s->joint && ttab && dtab;

		for (x = 0; x < view.nkept; x++) {
			size_t j = kept[x];
			struct vo_judged *vou = &vtab[vix[j]];
			uint32_t key = vou->id;
			uint32_t c;
			uint32_t v;
			uint32_t t;
			uint32_t d;

			i = sel[j];
			c = country[i];
			if (__builtin_expect(key < nkeymap && keymap[key] != UINT32_MAX, 1)) {
				v = keymap[key];
			} else {
				if (key == VO_CLEAN_NO_KEY) {
					rc = vo_cleaner_voucher_key(cleaner, vou, &key);
					if (rc)
						goto fail;
				}
				rc = learn_key(s, key, vou->value, &v);
				if (rc)
					goto fail;
				keymap = s->keymap;
				nkeymap = s->nkeymap;
			}
			if (__builtin_expect(c >= ncountries || v >= k[c].vcap, 0)) {
				rc = reserve(s, c, v);
				if (rc)
					return vo_error_at(err, rc, path, batch->first_row + i,
							   NULL, "%s", vo_strerror(rc));
				k = s->country;
				ncountries = s->ncountries;
			}
			if (__builtin_expect(fast, 1)) {
				/* A kept row has days >= 0; a missing total (-1) is class 0. */
				uint64_t tv = (uint64_t)total[j];
				uint64_t dv = (uint64_t)days[j];

				t = (uint32_t)(total[j] >= 0) * (1 + ttab[tv < tn ? tv : tn - 1]);
				d = dtab[dv < dn ? dv : dn - 1];
				k[c].m[(size_t)v * ncols + (size_t)t * nd + d]++;
				continue;
			}
			t = (uint32_t)(total[j] >= 0) * (1 + class_of(&s->tc, total[j]));
			d = class_of(&s->dc, days[j]);
			if (s->joint)
				k[c].m[(size_t)v * ncols + (size_t)t * nd + d]++;
			else
				count_slots(s, k[c].m + (size_t)v * ncols, t, d);
		}
	}
	return VO_OK;
fail:
	if (rc == VO_ELIMIT)
		return vo_error_at(err, rc, path, batch->first_row + i, "voucher_amount",
				   "more than %d distinct voucher amounts", VO_VOUCHERS_MAX);
	return vo_error_nomem(err);
}

/* ------------------------------------------------------------------------ */
/* The fused count: a batch as a histogram of row classes                   */

/*
 * A selected row's class is (voucher code, country, total code, days code,
 * flags); everything the rules of SPEC section 2 and the buckets of section
 * 3 need of it:
 *
 *   voucher code  0 missing (null, empty, NaN), 1 invalid, 2 + voucher id
 *   total code    0 missing, 1 invalid, 2 + class of the whole number
 *   days code     0 order before the last order (days < 0), 1 + days class
 *   flags         bit 0: a timestamp is invalid; bit 1: first order after
 *                 the last
 *
 * The codes of a dictionary's entries are worked out once per dictionary
 * (from the cleaner's judgements), pre-multiplied by their strides, so a
 * row costs a handful of loads and adds and one increment of a small
 * histogram (a few thousand counters: it stays in L1 or L2).  After the
 * batch every class with rows gets its outcome once (the same bits and
 * lowest-bit rule as the cleaner's), and its rows go to the quality figures
 * and, when kept, to the country matrices.
 */

/* The codes of a dictionary column's entries (or of a plain column's rows). */
static int side_grow(struct side *sd, size_t n)
{
	uint32_t *nc;

	if (n <= sd->cap)
		return VO_OK;
	nc = vo_reallocarray(sd->code, n, sizeof(*nc));
	if (!nc)
		return VO_ENOMEM;
	sd->code = nc;
	sd->cap = n;
	sd->gen = 0;
	return VO_OK;
}

/* The total code of a judgement (before its stride). */
static uint32_t total_code(const struct vo_segmenter *s, const struct vo_judged *e)
{
	if (e->fails & (1u << VO_OUT_INVALID_TOTAL_ORDERS))
		return 1;
	if (e->value < 0)
		return 0;
	return 2 + class_of(&s->tc, e->value);
}

/*
 * The voucher code of a judgement (before its stride): a whole amount gets
 * its key from the cleaner and its voucher id here, on first sight.
 */
static int voucher_code(struct vo_segmenter *s, struct vo_cleaner *cleaner, struct vo_judged *e,
			uint32_t *code)
{
	uint32_t key = e->id;
	uint32_t v;
	int rc;

	if (e->fails & (1u << VO_OUT_MISSING_VOUCHER_AMOUNT)) {
		*code = 0;
		return VO_OK;
	}
	if (e->fails & (1u << VO_OUT_INVALID_VOUCHER_AMOUNT)) {
		*code = 1;
		return VO_OK;
	}
	if (key == VO_CLEAN_NO_KEY) {
		rc = vo_cleaner_voucher_key(cleaner, e, &key);
		if (rc)
			return rc;
	}
	if (key < s->nkeymap && s->keymap[key] != UINT32_MAX) {
		v = s->keymap[key];
	} else {
		rc = learn_key(s, key, e->value, &v);
		if (rc)
			return rc;
	}
	*code = 2 + v;
	return VO_OK;
}

/* Counts the rows of one class (n of them) into the quality counts and the matrices. */
static int fold_class(struct vo_segmenter *s, uint32_t v, uint32_t c, uint32_t t, uint32_t r,
		      uint32_t f, uint64_t n, uint64_t *count, uint64_t *missing)
{
	unsigned fails = 1u << VO_OUT_KEPT | (1u << VO_OUT_INVALID_TIMESTAMP) * (f & 1) |
			 (1u << VO_OUT_FIRST_AFTER_LAST) * (f >> 1) |
			 (1u << VO_OUT_INVALID_TOTAL_ORDERS) * (t == 1) |
			 (1u << VO_OUT_MISSING_VOUCHER_AMOUNT) * (v == 0) |
			 (1u << VO_OUT_INVALID_VOUCHER_AMOUNT) * (v == 1) |
			 (1u << VO_OUT_ORDER_BEFORE_LAST) * (r == 0);
	unsigned o = (unsigned)__builtin_ctz(fails);
	uint32_t ts;
	int rc;

	count[o] += n;
	if (o != VO_OUT_KEPT)
		return VO_OK;
	/* Kept: the voucher, total and days codes are whole, valid, >= 0. */
	ts = t == 0 ? 0 : t - 1; /* the matrices' total class: 0 missing, 1 + class */
	*missing += t == 0 ? n : 0;
	rc = reserve(s, c, v - 2);
	if (rc)
		return rc;
	if (s->joint) {
		s->country[c].m[(size_t)(v - 2) * s->ncols + (size_t)ts * s->nd + (r - 1)] += n;
	} else {
		uint64_t *row = s->country[c].m + (size_t)(v - 2) * s->ncols;
		size_t g;

		row[0] += n;
		for (g = 0; g < s->cfg->nsegs; g++) {
			uint32_t q = s->cfg->segs[g].field == VO_FIELD_TOTAL_ORDERS ? ts : r - 1;
			uint32_t slot = s->seg_slot[g * s->seg_stride + q];

			if (slot != NO_SLOT)
				row[slot] += n;
		}
	}
	return VO_OK;
}

/*
 * Folds the histogram's pending rows into the outcomes and the matrices,
 * leaving it zeroed: each class with rows once (the rest skipped 4 at a
 * time).
 */
static int hist_fold(struct vo_segmenter *s, struct vo_cleaner *cleaner, const char *path,
		     struct vo_error *err)
{
	const struct pending *p = &s->pend;
	uint64_t count[VO_OUT_COUNT] = { 0 };
	uint64_t missing = 0;
	uint16_t *h = s->hist;
	uint32_t nt = (uint32_t)(2 + s->tc.n);
	uint32_t nr = (uint32_t)(1 + s->dc.n);
	uint32_t v;
	uint32_t c;
	uint32_t t;
	uint32_t r;
	uint32_t f;
	int rc;

	if (!p->rows)
		return VO_OK;
	for (v = 0; v < p->nv; v++)
		for (c = 0; c < p->nc; c++) {
			uint32_t cid = p->entries ? p->cid[c] : c;
			uint64_t crows = 0;

			for (t = 0; t < nt; t++)
				for (r = 0; r < nr; r++, h += HIST_FLAGS) {
					uint64_t w;

					memcpy(&w, h, sizeof(w));
					if (!w)
						continue;
					for (f = 0; f < HIST_FLAGS; f++) {
						uint64_t n = h[f];

						if (!n)
							continue;
						h[f] = 0;
						crows += n;
						rc = fold_class(s, v, cid, t, r, f, n, count,
								&missing);
						if (rc)
							goto fail;
					}
				}
			if (p->entries && crows)
				vo_cleaner_spelling_rows(cleaner, p->spell[c], crows);
		}
	vo_cleaner_account(cleaner, count, missing, 0);
	s->pend.rows = 0;
	return VO_OK;
fail:
	memset(s->hist, 0, s->hcap * sizeof(*s->hist));
	s->pend.rows = 0;
	return vo_error_set(err, rc, "%s: %s", path, vo_strerror(rc));
}

int vo_segmenter_flush(struct vo_segmenter *s, struct vo_cleaner *cleaner, const char *path,
		       struct vo_error *err)
{
	return hist_fold(s, cleaner, path, err);
}

/* Makes the histogram's layout that of this batch (folding rows counted under another first). */
static int hist_layout(struct vo_segmenter *s, struct vo_cleaner *cleaner,
		       const struct vo_clean_cols *cols, uint32_t nv, uint32_t nc, size_t nhist,
		       const char *path, struct vo_error *err)
{
	struct pending *p = &s->pend;
	const struct vo_clean_col *ccol = &cols->col[VO_COL_COUNTRY];
	bool entries = !cols->country;
	uint32_t c;
	int rc;

	if (p->rows && (p->nv != nv || p->nc != nc || p->entries != entries ||
			(entries && p->gen != ccol->gen) || p->rows + cols->nsel > UINT16_MAX)) {
		rc = hist_fold(s, cleaner, path, err);
		if (rc)
			return rc;
	}
	if (p->rows)
		return VO_OK;
	if (nhist > s->hcap) {
		uint16_t *nh = vo_calloc(nhist, sizeof(*nh));

		if (!nh)
			return vo_error_nomem(err);
		vo_free(s->hist);
		s->hist = nh;
		s->hcap = nhist;
	}
	if (entries && nc > p->cap) {
		uint32_t *ncid = vo_reallocarray(p->cid, nc, sizeof(*ncid));
		uint32_t *nsp;

		if (!ncid)
			return vo_error_nomem(err);
		p->cid = ncid;
		nsp = vo_reallocarray(p->spell, nc, sizeof(*nsp));
		if (!nsp)
			return vo_error_nomem(err);
		p->spell = nsp;
		p->cap = nc;
	}
	/* The entries' countries and spellings now: the memo changes with the next dictionary. */
	for (c = 0; entries && c < nc; c++) {
		p->cid[c] = (uint32_t)ccol->tab[c].value;
		p->spell[c] = ccol->tab[c].id;
	}
	p->nv = nv;
	p->nc = nc;
	p->entries = entries;
	p->gen = entries ? ccol->gen : 0;
	return VO_OK;
}

int vo_segmenter_count(struct vo_segmenter *s, struct vo_cleaner *cleaner,
		       const struct vo_batch *batch, const char *path, struct vo_error *err)
{
	struct vo_clean_cols cols;
	struct vo_clean_view view;
	const struct vo_clean_col *tcol;
	struct vo_clean_col *vcol;
	const struct vo_clean_col *ccol;
	uint64_t count[VO_OUT_COUNT] = { 0 };
	size_t nc;
	size_t nt = 2 + s->tc.n;
	size_t nr4 = (1 + s->dc.n) * HIST_FLAGS;
	size_t nv;
	size_t nhist;
	size_t ncodes;
	size_t j;
	int rc;

	if (!s->rtab) {
		/* Bucket bounds too large for a table: row by row. */
		rc = vo_cleaner_view(cleaner, batch, path, &view, err);
		return rc ? rc : count_view(s, cleaner, &view, batch, path, err);
	}
	rc = vo_cleaner_resolve(cleaner, batch, path, true, &cols, err);
	if (rc)
		return rc;
	/* The histogram's country: the row's country, or its country column's entry. */
	ccol = &cols.col[VO_COL_COUNTRY];
	nc = cols.country ? vo_cleaner_country_count(cleaner) : ccol->ntab;
	tcol = &cols.col[VO_COL_TOTAL_ORDERS];
	vcol = &cols.col[VO_COL_VOUCHER_AMOUNT];

	/* The voucher codes first: they may add voucher ids, which size the histogram. */
	ncodes = vcol->ntab ? vcol->ntab : cols.nsel;
	if (side_grow(&s->vside, ncodes) ||
	    side_grow(&s->tside, tcol->ntab ? tcol->ntab : cols.nsel))
		return vo_error_nomem(err);
	if (!vcol->ntab || vcol->gen != s->vside.gen) {
		for (j = 0; j < ncodes; j++) {
			rc = voucher_code(s, cleaner, &vcol->tab[j], &s->vside.code[j]);
			if (rc)
				goto fail;
		}
		s->vside.gen = vcol->ntab ? vcol->gen : 0;
	}
	nv = 2 + s->vouchers.count;
	nhist = nv * nc * nt * nr4;
	if (nhist > HIST_MAX || nc == 0) {
		/* Too many classes (countries times vouchers): row by row. */
		vo_cleaner_resolve_rows(cleaner, batch, &cols);
		rc = vo_cleaner_judge(cleaner, &cols, &view);
		return rc ? rc : count_view(s, cleaner, &view, batch, path, err);
	}
	rc = hist_layout(s, cleaner, &cols, (uint32_t)nv, (uint32_t)nc, nhist, path, err);
	if (rc)
		return rc;
	/* Strides: voucher outermost (its ids grow), then country, total, days, flags. */
	if (!tcol->ntab || tcol->gen != s->tside.gen) {
		size_t n = tcol->ntab ? tcol->ntab : cols.nsel;

		for (j = 0; j < n; j++)
			s->tside.code[j] = total_code(s, &tcol->tab[j]) * (uint32_t)nr4;
		s->tside.gen = tcol->ntab ? tcol->gen : 0;
	}
	{
		/* Every array in a local: the increments may alias anything of 2 bytes. */
		const struct vo_judged *tts = cols.col[VO_COL_TIMESTAMP].tab;
		const struct vo_judged *tla = cols.col[VO_COL_LAST_ORDER_TS].tab;
		const struct vo_judged *tfi = cols.col[VO_COL_FIRST_ORDER_TS].tab;
		const uint32_t *its = cols.col[VO_COL_TIMESTAMP].ix;
		const uint32_t *ila = cols.col[VO_COL_LAST_ORDER_TS].ix;
		const uint32_t *ifi = cols.col[VO_COL_FIRST_ORDER_TS].ix;
		const uint32_t *ito = tcol->ix;
		const uint32_t *ivo = vcol->ix;
		const uint32_t *tcode = s->tside.code;
		const uint32_t *vcode = s->vside.code;
		const uint32_t *sel = cols.sel;
		const uint32_t *country = cols.country;
		const uint32_t *rtab = s->rtab;
		int32_t rlast = (int32_t)s->nrtab - 1;
		uint32_t vstride = (uint32_t)(nc * nt * nr4);
		uint32_t cstride = (uint32_t)(nt * nr4);
		uint16_t *hist = s->hist;

#define CLASS_ROW(C, TS, CLEAN)                                                               \
	do {                                                                                  \
		const struct vo_judged *ts = &tts[TS];                                        \
		const struct vo_judged *la = &tla[ila[j]];                                    \
		const struct vo_judged *fi = &tfi[ifi[j]];                                    \
		int32_t d1 = ts->day - la->day + 1; /* both within +-2^27 */                  \
		uint32_t bad = (CLEAN) ? 0                                                    \
				       : ((ts->fails | la->fails | fi->fails) >>              \
					  VO_OUT_INVALID_TIMESTAMP) &                         \
						 1u;                                          \
		uint32_t after = fi->day > la->day;                                           \
                                                                                              \
		d1 = d1 < 0 ? 0 : d1; /* before the last order: code 0 */                     \
		d1 = d1 > rlast ? rlast : d1;                                                 \
		hist[vcode[ivo[j]] * vstride + (C)*cstride + tcode[ito[j]] + rtab[d1] + bad + \
		     2 * after]++;                                                            \
	} while (0)
		/* Every row selected: position j is row j. */
		/* No invalid timestamp anywhere (the usual case): the flag costs nothing. */
		bool clean = cols.col[VO_COL_TIMESTAMP].no_bad_ts &&
			     cols.col[VO_COL_LAST_ORDER_TS].no_bad_ts &&
			     cols.col[VO_COL_FIRST_ORDER_TS].no_bad_ts;

		/* (!ntab: plain timestamps, judged per row; !country: each row's country entry) */
		if (!country && !cols.col[VO_COL_TIMESTAMP].ntab && clean)
			for (j = 0; j < cols.nsel; j++)
				CLASS_ROW(ccol->ix[j], j, 1);
		else if (!country && !cols.col[VO_COL_TIMESTAMP].ntab)
			for (j = 0; j < cols.nsel; j++)
				CLASS_ROW(ccol->ix[j], j, 0);
		else if (!country)
			for (j = 0; j < cols.nsel; j++)
				CLASS_ROW(ccol->ix[j], its[j], 0);
		else if (cols.nsel == cols.nrows)
			for (j = 0; j < cols.nsel; j++)
				CLASS_ROW(country[j], its[j], 0);
		else
			for (j = 0; j < cols.nsel; j++)
				CLASS_ROW(country[sel[j]], its[j], 0);
#undef CLASS_ROW
	}
	/* The batch's rows now, their outcomes when folded (other_country is known now). */
	s->pend.rows += cols.nsel;
	count[VO_OUT_OTHER_COUNTRY] = cols.nrows - cols.nsel;
	vo_cleaner_account(cleaner, count, 0, cols.nrows);
	return VO_OK;
fail:
	if (rc == VO_ELIMIT)
		return vo_error_at(err, rc, path, 0, "voucher_amount",
				   "more than %d distinct voucher amounts", VO_VOUCHERS_MAX);
	return vo_error_nomem(err);
}

/*
 * The slot counts of voucher row v of country k into out (nslots entries,
 * cleared first): the row itself, or its joint columns summed into slots.
 */
static void fold_row(const struct vo_segmenter *s, const struct counts *k, size_t v, uint64_t *out)
{
	const uint64_t *row = k->m + v * s->ncols;
	size_t t;
	size_t d;
	size_t g;

	if (!s->joint) {
		memcpy(out, row, s->nslots * sizeof(*out));
		return;
	}
	memset(out, 0, s->nslots * sizeof(*out));
	for (t = 0; t < s->nt; t++) {
		for (d = 0; d < s->nd; d++) {
			uint64_t n = row[t * s->nd + d];

			if (!n)
				continue;
			out[0] += n;
			for (g = 0; g < s->cfg->nsegs; g++) {
				size_t q = s->cfg->segs[g].field == VO_FIELD_TOTAL_ORDERS ? t : d;
				uint32_t slot = s->seg_slot[g * s->seg_stride + q];

				if (slot != NO_SLOT)
					out[slot] += n;
			}
		}
	}
}

/* Whether voucher row v of country k counts any row. */
static bool row_used(const struct vo_segmenter *s, const struct counts *k, size_t v)
{
	size_t i;

	for (i = 0; i < s->ncols; i++)
		if (k->m[v * s->ncols + i])
			return true;
	return false;
}

/*
 * Re-lays a joint segmenter's counts as slots (each voucher row folded), so
 * that counts given per slot can be added: vo_segmenter_import().  Counting
 * goes on through the slots afterwards.
 */
static int to_slots(struct vo_segmenter *s)
{
	size_t c;
	size_t v;

	if (!s->joint)
		return VO_OK;
	for (c = 0; c < s->ncountries; c++) {
		struct counts *k = &s->country[c];
		uint64_t *nm;

		if (!k->vcap)
			continue;
		nm = vo_calloc(k->vcap * s->nslots, sizeof(*nm));
		if (!nm)
			return VO_ENOMEM;
		for (v = 0; v < k->vcap; v++)
			fold_row(s, k, v, nm + v * s->nslots);
		vo_free(k->m);
		k->m = nm;
	}
	s->joint = false;
	s->ncols = s->nslots;
	return VO_OK;
}

int vo_segmenter_merge(struct vo_segmenter *dst, const struct vo_segmenter *src,
		       const uint32_t *country_map)
{
	uint64_t *fold = NULL;
	size_t c;
	size_t v;
	size_t k;
	int rc = VO_OK;

	/* The same layout, or src's rows folded into dst's slots. */
	if (src->joint != dst->joint) {
		rc = to_slots(dst);
		fold = vo_calloc(dst->nslots, sizeof(*fold));
		if (rc || !fold) {
			vo_free(fold);
			return rc ? rc : VO_ENOMEM;
		}
	}
	for (c = 0; c < src->ncountries && !rc; c++) {
		for (v = 0; v < src->country[c].vcap && v < src->vouchers.count; v++) {
			const uint64_t *from = src->country[c].m + v * src->ncols;
			uint32_t dc = country_map ? country_map[c] : (uint32_t)c;
			uint32_t id;

			if (!row_used(src, &src->country[c], v))
				continue;
			rc = vo_intmap_put(&dst->vouchers, src->vouchers.keys[v], &id, NULL);
			if (!rc)
				rc = reserve(dst, dc, id);
			if (rc)
				break;
			if (fold) {
				fold_row(src, &src->country[c], v, fold);
				from = fold;
			}
			for (k = 0; k < dst->ncols; k++)
				dst->country[dc].m[(size_t)id * dst->ncols + k] += from[k];
		}
	}
	vo_free(fold);
	return rc;
}

/* The rows of country k outside segment seg. */
static uint64_t country_outside(const struct vo_segmenter *s, const struct counts *k, size_t seg)
{
	uint32_t outside = (uint32_t)(1 + s->cfg->ncells + seg);
	bool by_total = s->cfg->segs[seg].field == VO_FIELD_TOTAL_ORDERS;
	const uint32_t *slot = s->seg_slot + seg * s->seg_stride;
	uint64_t sum = 0;
	size_t v;
	size_t t;
	size_t d;

	for (v = 0; v < k->vcap; v++) {
		const uint64_t *row = k->m + v * s->ncols;

		if (!s->joint) {
			sum += row[outside];
			continue;
		}
		for (t = 0; t < s->nt; t++)
			for (d = 0; d < s->nd; d++)
				if (slot[by_total ? t : d] == outside)
					sum += row[t * s->nd + d];
	}
	return sum;
}

uint64_t vo_segmenter_outside(const struct vo_segmenter *s, size_t seg)
{
	uint64_t sum = 0;
	size_t c;

	for (c = 0; c < s->ncountries; c++)
		sum += country_outside(s, &s->country[c], seg);
	return sum;
}

uint64_t vo_segmenter_country_outside(const struct vo_segmenter *s, uint32_t country, size_t seg)
{
	if (country >= s->ncountries)
		return 0;
	return country_outside(s, &s->country[country], seg);
}

int vo_segmenter_import(struct vo_segmenter *s, uint32_t country, size_t slot, int64_t amount,
			uint64_t rows)
{
	uint32_t v;
	int rc;

	if (slot > s->cfg->ncells)
		return VO_EINVAL;
	rc = to_slots(s); /* counts per slot cannot be split into joint columns */
	if (!rc)
		rc = vo_intmap_put(&s->vouchers, amount, &v, NULL);
	if (!rc)
		rc = reserve(s, country, v);
	if (rc)
		return rc;
	s->country[country].m[(size_t)v * s->ncols + slot] += rows;
	return VO_OK;
}

int vo_segmenter_import_outside(struct vo_segmenter *s, uint32_t country, size_t seg, uint64_t rows)
{
	int rc;

	if (seg >= s->cfg->nsegs || (rows && !s->vouchers.count))
		return VO_EINVAL;
	if (!rows)
		return VO_OK;
	/* Outside counts are only ever summed over the vouchers: the first row holds them. */
	rc = to_slots(s);
	if (!rc)
		rc = reserve(s, country, 0);
	if (rc)
		return rc;
	s->country[country].m[1 + s->cfg->ncells + seg] += rows;
	return VO_OK;
}

static int cmp_vcount(const void *a, const void *b)
{
	const struct vo_vcount *x = a;
	const struct vo_vcount *y = b;

	return (x->amount > y->amount) - (x->amount < y->amount);
}

/* Fills one cell from column slot of the folded matrix f (nv rows of nslots). */
static int fill_cell(const struct vo_segmenter *s, const uint64_t *f, size_t nv, size_t slot,
		     struct vo_cell *cell)
{
	size_t v;
	size_t i;

	memset(cell, 0, sizeof(*cell));
	for (v = 0; v < nv; v++)
		if (f[v * s->nslots + slot])
			cell->ncounts++;
	if (!cell->ncounts)
		return VO_OK;
	cell->counts = vo_calloc(cell->ncounts, sizeof(*cell->counts));
	if (!cell->counts)
		return VO_ENOMEM;
	for (v = 0, i = 0; v < nv; v++) {
		uint64_t n = f[v * s->nslots + slot];

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
	size_t nv = k ? VO_MIN(k->vcap, s->vouchers.count) : 0;
	uint64_t *f = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	out->name = vo_strdup(name);
	out->cells = vo_calloc(VO_MAX(s->cfg->ncells, 1), sizeof(*out->cells));
	f = vo_calloc(VO_MAX(nv, 1) * s->nslots, sizeof(*f));
	out->outside = vo_calloc(VO_MAX(s->cfg->nsegs, 1), sizeof(*out->outside));
	if (!out->name || !out->cells || !f || !out->outside) {
		rc = VO_ENOMEM;
		goto fail;
	}
	for (i = 0; i < nv; i++)
		fold_row(s, k, i, f + i * s->nslots);
	rc = fill_cell(s, f, nv, 0, &out->fallback);
	if (rc)
		goto fail;
	out->rows = out->fallback.rows;
	for (i = 0; i < s->cfg->ncells; i++) {
		rc = fill_cell(s, f, nv, 1 + i, &out->cells[i]);
		if (rc)
			goto fail;
	}
	vo_free(f);
	for (i = 0; i < s->cfg->nsegs; i++)
		out->outside[i] = vo_segmenter_country_outside(s, country, i);
	return VO_OK;
fail:
	vo_free(f);
	vo_country_table_release(out, s->cfg->ncells);
	return rc;
}
