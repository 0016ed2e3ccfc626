/*
 * clean.c - the cleaning stage, see clean.h.
 *
 * Each batch is judged column by column: first every column's values are
 * resolved to what they mean (a country id, a timestamp, a number class),
 * through a per-column memo when the column is dictionary-coded, then the
 * rules of SPEC section 2 run per row in their order.
 */
#include "core/common.h"

#include "clean/clean.h"
#include "core/alloc.h"
#include "core/civil.h"
#include "core/fold.h"
#include "core/limits.h"
#include "core/map.h"
#include "core/utf8.h"
#include "model/name.h"
#include "model/value.h"

#define NO_COUNTRY UINT32_MAX

/*
 * What one value means, memoized per dictionary entry: for timestamps
 * ok + microseconds, for numbers a vo_num_class + value, for countries a
 * spelling id (selection "all") or a country id.
 */
struct judged {
	int64_t value;
	uint32_t id;
	uint8_t state; /* 0: not judged yet, else 1 + class/validity */
};

struct memo {
	uint64_t dict_id;     /* dictionary the entries belong to */
	const void *dict_ptr; /* its values pointer, a second identity check */
	size_t cap;	      /* entries allocated */
	struct judged *entry; /* one per dictionary entry */
};

struct country {
	char *name; /* the artifact name; with "all" decided by vo_cleaner_country_name */
};

struct spelling {
	uint32_t country; /* country id, NO_COUNTRY for an unselected spelling */
	uint64_t rows;	  /* rows read with exactly this trimmed spelling */
};

struct vo_cleaner {
	bool all;		   /* selection "all" */
	struct country *countries; /* by country id */
	size_t ncountries;
	struct vo_strmap country_keys; /* lower-case name -> country id ("all") */
	struct vo_strmap spellings;    /* trimmed spelling -> spelling id ("all") */
	struct spelling *spell;	       /* by spelling id */
	struct memo memo[VO_COL_COUNT];
	struct vo_quality quality;
	size_t cap; /* rows allocated in the arrays below */
	uint8_t *outcome;
	uint32_t *country;
	int64_t *total;
	int64_t *voucher;
	int64_t *days;
	int64_t *order_us;
	int64_t *last_us;
	int64_t *first_us;
	char *lower; /* scratch for case-folding a country name (core/fold.h) */
	size_t lower_cap;
	char why[160]; /* what a failing country judgement found, for the message */
};

static int add_country(struct vo_cleaner *c, struct vo_str name, uint32_t *id)
{
	struct country *nc;
	char *copy;

	if (c->ncountries >= VO_COUNTRIES_MAX)
		return VO_ELIMIT;
	nc = vo_reallocarray(c->countries, c->ncountries + 1, sizeof(*nc));
	if (!nc)
		return VO_ENOMEM;
	c->countries = nc;
	copy = vo_strndup(name.ptr, name.len);
	if (!copy)
		return VO_ENOMEM;
	c->countries[c->ncountries].name = copy;
	*id = (uint32_t)c->ncountries++;
	return VO_OK;
}

int vo_cleaner_create(struct vo_cleaner **out, const char *const *countries, size_t ncountries,
		      struct vo_error *err)
{
	struct vo_cleaner *c;
	int rc = VO_OK;
	size_t i;
	size_t j;

	*out = NULL;
	c = vo_calloc(1, sizeof(*c));
	if (!c)
		return vo_error_nomem(err);
	vo_strmap_init(&c->country_keys, VO_COUNTRIES_MAX);
	vo_strmap_init(&c->spellings, (size_t)VO_COUNTRIES_MAX * 16);
	if (ncountries == 1 &&
	    vo_str_eq_nocase(vo_str_trim(vo_str_cstr(countries[0])), VO_STR_LIT("all"))) {
		c->all = true;
		goto out;
	}
	for (i = 0; i < ncountries; i++) {
		struct vo_str name = vo_str_trim(vo_str_cstr(countries[i]));
		bool dup = false;
		uint32_t id;

		if (!name.len) {
			rc = vo_error_set(err, VO_EINVAL, "empty country name");
			goto out;
		}
		if (!vo_name_check(name, c->why, sizeof(c->why))) {
			/* The name itself only when it is text that prints. */
			if (name.len > VO_NAME_MAX && vo_utf8_valid(name, NULL) &&
			    !memchr(name.ptr, '\0', name.len))
				rc = vo_error_set(err, VO_EINVAL, "country name '%.40s...' %s",
						  name.ptr, c->why);
			else
				rc = vo_error_set(err, VO_EINVAL, "selected country %zu %s", i + 1,
						  c->why);
			goto out;
		}
		if (vo_str_eq_nocase(name, VO_STR_LIT("all"))) {
			rc = vo_error_set(err, VO_EINVAL,
					  "country 'all' cannot be combined with other countries");
			goto out;
		}
		for (j = 0; j < c->ncountries; j++)
			dup = dup || vo_fold_eq(name, vo_str_cstr(c->countries[j].name));
		if (dup)
			continue;
		rc = add_country(c, name, &id);
		if (rc) {
			vo_error_set(err, rc, "too many countries selected");
			goto out;
		}
	}
	if (!c->ncountries)
		rc = vo_error_set(err, VO_EINVAL, "no country selected");
	c->why[0] = '\0';
out:
	if (rc) {
		vo_cleaner_destroy(c);
		return rc;
	}
	*out = c;
	return VO_OK;
}

void vo_cleaner_destroy(struct vo_cleaner *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ncountries; i++)
		vo_free(c->countries[i].name);
	vo_free(c->countries);
	vo_strmap_release(&c->country_keys);
	vo_strmap_release(&c->spellings);
	vo_free(c->spell);
	for (i = 0; i < VO_COL_COUNT; i++)
		vo_free(c->memo[i].entry);
	vo_free(c->outcome);
	vo_free(c->country);
	vo_free(c->total);
	vo_free(c->voucher);
	vo_free(c->days);
	vo_free(c->order_us);
	vo_free(c->last_us);
	vo_free(c->first_us);
	vo_free(c->lower);
	vo_free(c);
}

static int reserve(struct vo_cleaner *c, size_t n)
{
	void *p;

	if (n <= c->cap)
		return VO_OK;
#define GROW(field)                                                  \
	do {                                                         \
		p = vo_reallocarray(c->field, n, sizeof(*c->field)); \
		if (!p)                                              \
			return VO_ENOMEM;                            \
		c->field = p;                                        \
	} while (0)
	GROW(outcome);
	GROW(country);
	GROW(total);
	GROW(voucher);
	GROW(days);
	GROW(order_us);
	GROW(last_us);
	GROW(first_us);
#undef GROW
	c->cap = n;
	return VO_OK;
}

/*
 * Resolves a trimmed, non-empty country spelling under selection "all":
 * interns the spelling and, through its case-folded form, its country.  A
 * new spelling must be a valid artifact name (model/name.h): VO_EFORMAT
 * with c->why set otherwise; VO_ELIMIT (c->why set) past the number of
 * spellings or countries a run tracks.  Names are checked once per distinct
 * spelling, so the per-row cost is the map lookup alone.
 */
static int intern_spelling(struct vo_cleaner *c, struct vo_str name, uint32_t *spelling_id)
{
	struct spelling *ns;
	uint32_t sid;
	uint32_t cid;
	bool added;
	size_t flen;
	int rc;

	sid = vo_strmap_get(&c->spellings, name);
	if (sid != VO_MAP_NONE) {
		*spelling_id = sid;
		return VO_OK;
	}
	if (!vo_name_check(name, c->why, sizeof(c->why)))
		return VO_EFORMAT;
	rc = vo_strmap_put(&c->spellings, name, &sid, &added);
	if (rc == VO_ELIMIT)
		snprintf(c->why, sizeof(c->why), "more than %zu distinct spellings of countries",
			 c->spellings.max);
	if (rc)
		return rc;
	ns = vo_reallocarray(c->spell, (size_t)sid + 1, sizeof(*ns));
	if (!ns)
		return VO_ENOMEM;
	c->spell = ns;
	c->spell[sid].rows = 0;
	c->spell[sid].country = NO_COUNTRY;
	if (VO_FOLD_LEN_MAX(name.len) > c->lower_cap) {
		char *nl = vo_realloc(c->lower, VO_FOLD_LEN_MAX(name.len));

		if (!nl)
			return VO_ENOMEM;
		c->lower = nl;
		c->lower_cap = VO_FOLD_LEN_MAX(name.len);
	}
	flen = vo_fold_copy(name, c->lower);
	rc = vo_strmap_put(&c->country_keys, vo_str_make(c->lower, flen), &cid, &added);
	if (rc == VO_ELIMIT)
		snprintf(c->why, sizeof(c->why), "more than %d distinct countries",
			 VO_COUNTRIES_MAX);
	if (rc)
		return rc;
	if (added) {
		uint32_t id;

		rc = add_country(c, name, &id);
		if (rc == VO_ELIMIT)
			snprintf(c->why, sizeof(c->why), "more than %d distinct countries",
				 VO_COUNTRIES_MAX);
		if (rc)
			return rc;
	}
	c->spell[sid].country = cid;
	*spelling_id = sid;
	return VO_OK;
}

/*
 * Judges a country value: with "all", the spelling id (NO_COUNTRY for an
 * empty one); otherwise the selected country id or NO_COUNTRY.
 */
static int judge_country(struct vo_cleaner *c, struct vo_str v, uint32_t *id)
{
	size_t i;

	v = vo_str_trim(v);
	*id = NO_COUNTRY;
	if (!v.len)
		return VO_OK;
	if (c->all)
		return intern_spelling(c, v, id);
	for (i = 0; i < c->ncountries; i++) {
		if (vo_fold_eq(v, vo_str_cstr(c->countries[i].name))) {
			*id = (uint32_t)i;
			break;
		}
	}
	return VO_OK;
}

/* Judges timestamp value slot of col: state 1 invalid, 2 valid with value in us. */
static void judge_ts(const struct vo_column *col, size_t slot, struct judged *j)
{
	int64_t us;

	switch (col->type) {
	case VO_V_STR:
		j->state = vo_ts_parse(col->values.str[slot], &us) ? 2 : 1;
		j->value = us;
		break;
	case VO_V_TS:
		j->state = 2;
		j->value = col->values.i64[slot];
		break;
	case VO_V_DATE:
		if (__builtin_mul_overflow(col->values.i64[slot], VO_US_PER_DAY, &us)) {
			j->state = 1;
			break;
		}
		j->state = 2;
		j->value = us;
		break;
	default:
		j->state = 1;
		break;
	}
}

/* Judges a number: state = 1 + enum vo_num_class. */
static void judge_num(const struct vo_column *col, size_t slot, struct judged *j)
{
	enum vo_num_class cls;
	int64_t v = 0;

	switch (col->type) {
	case VO_V_STR:
		cls = vo_num_parse(col->values.str[slot], &v);
		break;
	case VO_V_I64:
		cls = vo_num_from_i64(col->values.i64[slot], col->scale, &v);
		break;
	case VO_V_F64:
		cls = vo_num_from_f64(col->values.f64[slot], &v);
		break;
	default:
		cls = VO_NUM_INVALID;
		break;
	}
	j->state = (uint8_t)(1 + cls);
	j->value = v;
}

static bool type_fits(enum vo_col col, enum vo_vtype t)
{
	if (t == VO_V_NULL)
		return true;
	switch (col) {
	case VO_COL_COUNTRY:
		return t == VO_V_STR;
	case VO_COL_TIMESTAMP:
	case VO_COL_LAST_ORDER_TS:
	case VO_COL_FIRST_ORDER_TS:
		return t == VO_V_STR || t == VO_V_TS || t == VO_V_DATE;
	case VO_COL_TOTAL_ORDERS:
	case VO_COL_VOUCHER_AMOUNT:
		return t == VO_V_STR || t == VO_V_I64 || t == VO_V_F64;
	default:
		return false;
	}
}

static const char *type_name(enum vo_vtype t)
{
	switch (t) {
	case VO_V_STR:
		return "string";
	case VO_V_I64:
		return "integer";
	case VO_V_F64:
		return "floating point";
	case VO_V_TS:
		return "timestamp";
	case VO_V_DATE:
		return "date";
	default:
		return "null";
	}
}

/* Prepares the memo of a dictionary-coded column for this batch. */
static int memo_prepare(struct memo *m, const struct vo_column *col)
{
	if (!col->idx)
		return VO_OK;
	if (col->nvalues > m->cap) {
		struct judged *ne = vo_reallocarray(m->entry, col->nvalues, sizeof(*ne));

		if (!ne)
			return VO_ENOMEM;
		m->entry = ne;
		m->cap = col->nvalues;
		m->dict_id = 0;
	}
	if (!col->dict_id || col->dict_id != m->dict_id || col->values.str != m->dict_ptr) {
		memset(m->entry, 0, col->nvalues * sizeof(*m->entry));
		m->dict_id = col->dict_id;
		m->dict_ptr = col->values.str;
	}
	return VO_OK;
}

/*
 * The judgement of row i of column k: through the memo for a dictionary
 * column, into *tmp otherwise.  Returns NULL for a null value.
 */
static const struct judged *judge(struct vo_cleaner *c, enum vo_col k, const struct vo_column *col,
				  size_t i, struct judged *tmp, int *rc)
{
	struct judged *j = tmp;
	size_t slot;

	if (vo_column_is_null(col, i))
		return NULL;
	slot = vo_column_slot(col, i);
	if (col->idx) {
		if (slot >= col->nvalues) {
			*rc = VO_EFORMAT;
			return NULL;
		}
		j = &c->memo[k].entry[slot];
		if (j->state)
			return j;
	}
	if (k == VO_COL_COUNTRY) {
		*rc = judge_country(c, col->values.str[slot], &j->id);
		j->state = 1;
	} else if (k == VO_COL_TOTAL_ORDERS || k == VO_COL_VOUCHER_AMOUNT) {
		judge_num(col, slot, j);
	} else {
		judge_ts(col, slot, j);
	}
	return j;
}

static bool is_whole(const struct judged *j)
{
	return j && j->state == 1 + VO_NUM_WHOLE;
}

int vo_cleaner_run(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		   struct vo_clean_rows *rows, struct vo_error *err)
{
	const struct vo_column *col = batch->col;
	size_t n = batch->nrows;
	int rc = VO_OK;
	size_t i;
	int k;

	memset(rows, 0, sizeof(*rows));
	for (k = 0; k < VO_COL_COUNT; k++) {
		if (!type_fits((enum vo_col)k, col[k].type))
			return vo_error_at(err, VO_EFORMAT, path, 0, vo_col_name((enum vo_col)k),
					   "cannot use %s values as %s", type_name(col[k].type),
					   vo_col_name((enum vo_col)k));
		rc = memo_prepare(&c->memo[k], &col[k]);
		if (rc)
			return vo_error_nomem(err);
	}
	rc = reserve(c, n);
	if (rc)
		return vo_error_nomem(err);

	for (i = 0; i < n; i++) {
		struct judged tmp[VO_COL_COUNT];
		const struct judged *j[VO_COL_COUNT];
		enum vo_outcome o;
		uint32_t country;
		int64_t order_day;
		int64_t last_day;

		/* The country first: the other columns of an unselected row are never read. */
		k = VO_COL_COUNTRY;
		j[k] = judge(c, VO_COL_COUNTRY, &col[k], i, &tmp[k], &rc);
		if (rc)
			goto fail;
		country = j[VO_COL_COUNTRY] ? j[VO_COL_COUNTRY]->id : NO_COUNTRY;
		if (c->all && country != NO_COUNTRY) {
			c->spell[country].rows++;
			country = c->spell[country].country;
		}
		c->country[i] = country;
		if (country == NO_COUNTRY) {
			c->outcome[i] = VO_OUT_OTHER_COUNTRY;
			c->quality.dropped[VO_OUT_OTHER_COUNTRY]++;
			continue;
		}
		for (k = 0; k < VO_COL_COUNT; k++) {
			if (k == VO_COL_COUNTRY)
				continue;
			j[k] = judge(c, (enum vo_col)k, &col[k], i, &tmp[k], &rc);
			if (rc)
				goto fail;
		}
		order_day = last_day = 0;
		if (!j[VO_COL_TIMESTAMP] || j[VO_COL_TIMESTAMP]->state != 2 ||
		    !j[VO_COL_LAST_ORDER_TS] || j[VO_COL_LAST_ORDER_TS]->state != 2 ||
		    !j[VO_COL_FIRST_ORDER_TS] || j[VO_COL_FIRST_ORDER_TS]->state != 2) {
			o = VO_OUT_INVALID_TIMESTAMP;
		} else if (j[VO_COL_TOTAL_ORDERS] && !is_whole(j[VO_COL_TOTAL_ORDERS]) &&
			   j[VO_COL_TOTAL_ORDERS]->state != 1 + VO_NUM_MISSING) {
			o = VO_OUT_INVALID_TOTAL_ORDERS;
		} else if (!j[VO_COL_VOUCHER_AMOUNT] ||
			   j[VO_COL_VOUCHER_AMOUNT]->state == 1 + VO_NUM_MISSING ||
			   j[VO_COL_VOUCHER_AMOUNT]->state == 1 + VO_NUM_NAN) {
			o = VO_OUT_MISSING_VOUCHER_AMOUNT;
		} else if (!is_whole(j[VO_COL_VOUCHER_AMOUNT])) {
			o = VO_OUT_INVALID_VOUCHER_AMOUNT;
		} else {
			int64_t first_day = vo_us_to_days(j[VO_COL_FIRST_ORDER_TS]->value);

			order_day = vo_us_to_days(j[VO_COL_TIMESTAMP]->value);
			last_day = vo_us_to_days(j[VO_COL_LAST_ORDER_TS]->value);
			if (first_day > last_day)
				o = VO_OUT_FIRST_AFTER_LAST;
			else if (order_day < last_day)
				o = VO_OUT_ORDER_BEFORE_LAST;
			else
				o = VO_OUT_KEPT;
		}
		c->outcome[i] = (uint8_t)o;
		if (o != VO_OUT_KEPT) {
			c->quality.dropped[o]++;
			continue;
		}
		c->quality.rows_kept++;
		if (is_whole(j[VO_COL_TOTAL_ORDERS])) {
			c->total[i] = j[VO_COL_TOTAL_ORDERS]->value;
		} else {
			c->total[i] = -1;
			c->quality.missing_total_orders++;
		}
		c->voucher[i] = j[VO_COL_VOUCHER_AMOUNT]->value;
		c->days[i] = order_day - last_day;
		c->order_us[i] = j[VO_COL_TIMESTAMP]->value;
		c->last_us[i] = j[VO_COL_LAST_ORDER_TS]->value;
		c->first_us[i] = j[VO_COL_FIRST_ORDER_TS]->value;
	}
	c->quality.rows_read += n;
	rows->nrows = n;
	rows->outcome = c->outcome;
	rows->country = c->country;
	rows->total = c->total;
	rows->voucher = c->voucher;
	rows->days = c->days;
	rows->order_us = c->order_us;
	rows->last_us = c->last_us;
	rows->first_us = c->first_us;
	return VO_OK;
fail:
	if (rc == VO_ENOMEM)
		return vo_error_nomem(err);
	if (k == VO_COL_COUNTRY && c->why[0])
		return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k),
				   rc == VO_EFORMAT ? "the country name %s (with -c all every "
						      "name goes into the artifact)"
						    : "%s",
				   c->why);
	if (rc == VO_EFORMAT)
		return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k),
				   "dictionary index out of range");
	return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k), "%s",
			   vo_strerror(rc));
}

size_t vo_cleaner_country_count(const struct vo_cleaner *c)
{
	return c->ncountries;
}

const char *vo_cleaner_country_name(const struct vo_cleaner *c, uint32_t i)
{
	size_t s;
	const struct vo_str *best = NULL;
	uint64_t best_rows = 0;

	if (i >= c->ncountries)
		return NULL;
	if (!c->all)
		return c->countries[i].name;
	/* The most frequent spelling, ties to the smallest in byte order. */
	for (s = 0; s < c->spellings.count; s++) {
		const struct vo_str *k = &c->spellings.keys[s];

		if (c->spell[s].country != i)
			continue;
		if (!best || c->spell[s].rows > best_rows ||
		    (c->spell[s].rows == best_rows && vo_str_cmp(*k, *best) < 0)) {
			best = k;
			best_rows = c->spell[s].rows;
		}
	}
	/* The map copies keys with a trailing NUL, so a spelling is a C string. */
	if (best)
		return best->ptr;
	return c->countries[i].name;
}

int vo_cleaner_merge(struct vo_cleaner *dst, const struct vo_cleaner *src, uint32_t **map,
		     struct vo_error *err)
{
	uint32_t *m;
	size_t i;
	int rc;

	*map = NULL;
	m = vo_calloc(VO_MAX(src->ncountries, 1), sizeof(*m));
	if (!m)
		return vo_error_nomem(err);
	dst->quality.rows_read += src->quality.rows_read;
	dst->quality.rows_kept += src->quality.rows_kept;
	dst->quality.missing_total_orders += src->quality.missing_total_orders;
	for (i = 0; i < VO_OUT_KEPT; i++)
		dst->quality.dropped[i] += src->quality.dropped[i];
	for (i = 0; i < src->ncountries; i++)
		m[i] = (uint32_t)i; /* a named selection: the same ids in every cleaner */
	for (i = 0; dst->all && i < src->spellings.count; i++) {
		uint32_t sid;

		dst->why[0] = '\0';
		rc = intern_spelling(dst, src->spellings.keys[i], &sid);
		if (rc) {
			vo_free(m);
			if (rc == VO_ENOMEM)
				return vo_error_nomem(err);
			return vo_error_set(err, rc, "%s",
					    dst->why[0] ? dst->why : vo_strerror(rc));
		}
		dst->spell[sid].rows += src->spell[i].rows;
		if (src->spell[i].country != NO_COUNTRY)
			m[src->spell[i].country] = dst->spell[sid].country;
	}
	*map = m;
	return VO_OK;
}

bool vo_cleaner_selects_all(const struct vo_cleaner *c)
{
	return c->all;
}

const struct vo_quality *vo_cleaner_quality(const struct vo_cleaner *c)
{
	return &c->quality;
}

size_t vo_cleaner_spelling_count(const struct vo_cleaner *c)
{
	return c->all ? c->spellings.count : 0;
}

struct vo_str vo_cleaner_spelling(const struct vo_cleaner *c, size_t s, uint64_t *rows,
				  uint32_t *country)
{
	*rows = c->spell[s].rows;
	*country = c->spell[s].country;
	return c->spellings.keys[s];
}

int vo_cleaner_add_spelling(struct vo_cleaner *c, struct vo_str spelling, uint64_t rows,
			    uint32_t *country)
{
	uint32_t sid;
	int rc;

	if (!c->all || !spelling.len)
		return VO_EINVAL;
	rc = intern_spelling(c, spelling, &sid);
	if (rc)
		return rc;
	c->spell[sid].rows += rows;
	*country = c->spell[sid].country;
	return VO_OK;
}

int vo_cleaner_country_key(const struct vo_cleaner *c, uint32_t i, struct vo_buf *out)
{
	struct vo_str name;
	size_t k;
	int rc = VO_OK;

	if (i >= c->ncountries)
		return VO_EINVAL;
	/* With "all" the key a country was interned under (ids go in step), bytes as read. */
	if (c->all)
		return vo_buf_addview(out, c->country_keys.keys[i]);
	/* A selected name, folded as intern_spelling() folds a spelling. */
	name = vo_str_trim(vo_str_cstr(c->countries[i].name));
	for (k = 0; k < name.len && !rc; k++) {
		char ch = (char)vo_to_lower((unsigned char)name.ptr[k]);

		rc = vo_buf_addch(out, ch);
	}
	return rc;
}

void vo_cleaner_add_quality(struct vo_cleaner *c, const struct vo_quality *q)
{
	size_t i;

	c->quality.rows_read += q->rows_read;
	c->quality.rows_kept += q->rows_kept;
	c->quality.missing_total_orders += q->missing_total_orders;
	for (i = 0; i < VO_OUT_KEPT; i++)
		c->quality.dropped[i] += q->dropped[i];
}
