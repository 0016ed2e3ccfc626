/*
 * clean.c - the cleaning stage, see clean.h.
 *
 * Each batch is judged column by column, in tight loops without a call or
 * a hash per row for a value already seen:
 *
 *  1. the country of every row (through the memo of the dictionary entry,
 *     judged on first use), which selects the rows the other columns are
 *     read for (an unselected row is other_country, whatever else it holds);
 *  2. every other column resolved to what its values mean, a struct vo_judged
 *     (a timestamp and its day, a number's class and value): a dictionary
 *     column through its memo, judged once per entry when the dictionary
 *     first appears, a plain column per selected row into a scratch array
 *     (timestamps through vo_ts_parse_day's fixed-layout path);
 *  3. the rules of SPEC section 2, per selected row, without branches: each
 *     failed check sets the bit of its outcome, and the lowest bit set is
 *     the row's outcome (the enum's order is the spec's); the counts are a
 *     histogram of outcomes.
 */
#include "core/common.h"

#include "clean/clean.h"
#include "core/alloc.h"
#include "core/cpu.h"
#include "core/civil.h"
#include "core/fold.h"
#include "core/limits.h"
#include "core/map.h"
#include "core/utf8.h"
#include "model/name.h"
#include "model/value.h"

#define NO_COUNTRY UINT32_MAX
#define NO_KEY VO_CLEAN_NO_KEY

/* struct vo_judged's state: 0 not judged yet (countries); timestamps; numbers 1 + vo_num_class. */
#define TS_BAD 1
#define TS_OK 2
#define NUM(cls) (1 + (cls))
#define BIT(o) (1u << (o))

struct memo {
	uint64_t dict_id;	 /* dictionary the entries belong to */
	const void *dict_ptr;	 /* its values pointer, a second identity check */
	uint64_t gen;		 /* changes whenever the entries are judged anew */
	size_t njudged;		 /* countries: entries judged so far */
	size_t nother;		 /* countries: of those, entries of no selected country */
	bool bad_ts;		 /* timestamps: some entry is not a valid one */
	size_t cap;		 /* entries allocated */
	struct vo_judged *entry; /* one per dictionary entry, and one for null at nvalues */
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
	bool times;		    /* hand out order_us, last_us and first_us */
	uint64_t gen;		    /* the last memo generation given out */
	struct vo_ts_months months; /* the months of timestamp strings seen */
	struct vo_intmap vkeys;	    /* voucher amount -> key */
	int64_t last_amount;	    /* the last amount keyed, and its key (plain columns) */
	uint32_t last_key;	    /* NO_KEY before the first */
	size_t cap;		    /* rows allocated in the arrays below */
	uint8_t *outcome;	    /* per row, handed out */
	uint32_t *country;	    /* per row, handed out */
	int64_t *total;		    /* per row, handed out */
	int64_t *voucher;	    /* per row, handed out */
	uint32_t *vkey;		    /* per row, handed out */
	int64_t *days;		    /* per row, handed out */
	int64_t *order_us;	    /* per row, handed out with times */
	int64_t *last_us;	    /* per row, handed out with times */
	int64_t *first_us;	    /* per row, handed out with times */
	uint32_t *kept;		    /* the kept rows, handed out */
	uint32_t *sel;		    /* the rows of a selected country */
	uint8_t *s_fails;	    /* per selected row: its outcome bits, then its outcome */
	int32_t *s_days;	    /* per selected row: days since the last order */
	int32_t *s_last;	    /* per selected row: the last order's day (scratch) */
	int64_t *s_total;	    /* per selected row: total_orders, -1 when missing */
	int64_t *s_order_us;	    /* per selected row, with times */
	int64_t *s_last_us;	    /* per selected row, with times */
	int64_t *s_first_us;	    /* per selected row, with times */
	uint32_t *s_kept;	    /* the kept selected rows, by position in sel */
	uint32_t *identity;	    /* 0, 1, 2, ...: the index of a plain column */
	uint32_t *ix[VO_COL_COUNT]; /* a nullable dictionary column's indices, nulls remapped */
	struct vo_judged *tmp[VO_COL_COUNT]; /* a plain column's values, judged */
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
	vo_intmap_init(&c->vkeys, VO_VOUCHERS_MAX);
	c->last_key = NO_KEY;
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
	vo_intmap_release(&c->vkeys);
	vo_free(c->outcome);
	vo_free(c->country);
	vo_free(c->total);
	vo_free(c->voucher);
	vo_free(c->vkey);
	vo_free(c->days);
	vo_free(c->order_us);
	vo_free(c->last_us);
	vo_free(c->first_us);
	vo_free(c->kept);
	vo_free(c->sel);
	vo_free(c->s_fails);
	vo_free(c->s_days);
	vo_free(c->s_last);
	vo_free(c->s_total);
	vo_free(c->s_order_us);
	vo_free(c->s_last_us);
	vo_free(c->s_first_us);
	vo_free(c->s_kept);
	vo_free(c->identity);
	for (i = 0; i < VO_COL_COUNT; i++) {
		vo_free(c->ix[i]);
		vo_free(c->tmp[i]);
	}
	vo_free(c->lower);
	vo_free(c);
}

void vo_cleaner_keep_times(struct vo_cleaner *c)
{
	c->times = true;
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
	GROW(vkey);
	GROW(days);
	GROW(order_us);
	GROW(last_us);
	GROW(first_us);
	GROW(kept);
	GROW(sel);
	GROW(s_fails);
	GROW(s_days);
	GROW(s_last);
	GROW(s_total);
	GROW(s_order_us);
	GROW(s_last_us);
	GROW(s_first_us);
	GROW(s_kept);
	GROW(identity);
	for (size_t k = 0; k < VO_COL_COUNT; k++) {
		GROW(ix[k]);
		GROW(tmp[k]);
	}
#undef GROW
	for (size_t i = 0; i < n; i++)
		c->identity[i] = (uint32_t)i;
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

/* Judges timestamp value slot of col. */
static inline void judge_ts(const struct vo_column *col, size_t slot, struct vo_judged *j)
{
	int64_t us = 0;
	int64_t day = 0;

	switch (col->type) {
	case VO_V_STR:
		j->state = vo_ts_parse_day(col->values.str[slot], &us, &day) ? TS_OK : TS_BAD;
		break;
	case VO_V_TS:
		us = col->values.i64[slot];
		day = vo_us_to_days(us);
		j->state = TS_OK;
		break;
	case VO_V_DATE:
		day = col->values.i64[slot];
		j->state = __builtin_mul_overflow(day, VO_US_PER_DAY, &us) ? TS_BAD : TS_OK;
		break;
	default:
		j->state = TS_BAD;
		break;
	}
	/* Any int64 microsecond count is within +-2^27 days. */
	j->value = us;
	j->day = j->state == TS_OK ? (int32_t)day : 0;
}

/* Judges a number. */
static inline void judge_num(const struct vo_column *col, size_t slot, struct vo_judged *j)
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
	case VO_V_BOOL: /* true is not the count 1: a boolean is no number */
	default:
		cls = VO_NUM_INVALID;
		break;
	}
	j->state = (uint8_t)NUM(cls);
	j->value = cls == VO_NUM_WHOLE ? v : 0;
	j->id = NO_KEY;
}

/* The outcome bits a judged value of column k gives its row, and the total's "missing" -1. */
static inline void set_fails(enum vo_col k, struct vo_judged *j)
{
	if (k == VO_COL_TOTAL_ORDERS) {
		j->fails = (uint8_t)(BIT(VO_OUT_INVALID_TOTAL_ORDERS) *
				     (j->state > NUM(VO_NUM_MISSING)));
		if (j->state == NUM(VO_NUM_MISSING))
			j->value = -1;
	} else if (k == VO_COL_VOUCHER_AMOUNT) {
		j->fails = (uint8_t)(BIT(VO_OUT_MISSING_VOUCHER_AMOUNT) *
					     ((j->state == NUM(VO_NUM_MISSING)) |
					      (j->state == NUM(VO_NUM_NAN))) |
				     BIT(VO_OUT_INVALID_VOUCHER_AMOUNT) *
					     (j->state == NUM(VO_NUM_INVALID)));
	} else {
		j->fails = (uint8_t)(BIT(VO_OUT_INVALID_TIMESTAMP) * (j->state != TS_OK));
	}
}

/* What a null value of column k means. */
static struct vo_judged null_judged(enum vo_col k)
{
	struct vo_judged j = { .value = 0 };

	if (k == VO_COL_COUNTRY) {
		j.value = NO_COUNTRY;
		j.id = NO_COUNTRY;
		j.state = 1;
		return j;
	}
	if (k == VO_COL_TOTAL_ORDERS || k == VO_COL_VOUCHER_AMOUNT) {
		j.id = NO_KEY;
		j.state = NUM(VO_NUM_MISSING);
	} else {
		j.state = TS_BAD;
	}
	set_fails(k, &j);
	return j;
}

static inline void judge_value(enum vo_col k, const struct vo_column *col, size_t slot,
			       struct vo_judged *j)
{
	if (k == VO_COL_TOTAL_ORDERS || k == VO_COL_VOUCHER_AMOUNT)
		judge_num(col, slot, j);
	else
		judge_ts(col, slot, j);
	set_fails(k, j);
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
		return t == VO_V_STR || t == VO_V_I64 || t == VO_V_F64 || t == VO_V_BOOL;
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
	case VO_V_BOOL:
		return "boolean";
	default:
		return "null";
	}
}

/*
 * Prepares the memo of dictionary-coded column k for this batch: a new
 * dictionary is judged whole (countries are judged on first use instead,
 * since judging one may add a country), and its null slot set.
 */
static int memo_prepare(struct vo_cleaner *c, struct memo *m, enum vo_col k,
			const struct vo_column *col)
{
	size_t e;

	if (!col->idx)
		return VO_OK;
	if (col->nvalues + 1 > m->cap) {
		struct vo_judged *ne = vo_reallocarray(m->entry, col->nvalues + 1, sizeof(*ne));

		if (!ne)
			return VO_ENOMEM;
		m->entry = ne;
		m->cap = col->nvalues + 1;
		m->dict_id = 0;
	}
	if (!col->dict_id || col->dict_id != m->dict_id || col->values.str != m->dict_ptr) {
		m->njudged = 0;
		m->nother = 0;
		if (k == VO_COL_COUNTRY)
			memset(m->entry, 0, col->nvalues * sizeof(*m->entry));
		else
			for (e = 0; e < col->nvalues; e++)
				judge_value(k, col, e, &m->entry[e]);
		m->bad_ts = false;
		for (e = 0; k != VO_COL_COUNTRY && e < col->nvalues; e++)
			m->bad_ts |= (m->entry[e].fails & BIT(VO_OUT_INVALID_TIMESTAMP)) != 0;
		m->entry[col->nvalues] = null_judged(k);
		m->dict_id = col->dict_id;
		m->dict_ptr = col->values.str;
		m->gen = ++c->gen;
	}
	return VO_OK;
}

/* The day of timestamp string s into *t (no state: the rules read day and fails only). */
static inline __attribute__((always_inline)) bool ts_day(struct vo_ts_months *m, struct vo_str s,
							 struct vo_judged *t)
{
	int64_t day = 0;
	bool ok = vo_ts_parse_day_cached(s, m, NULL, &day);

	t->day = ok ? (int32_t)day : 0;
	t->fails = (uint8_t)(ok ? 0 : BIT(VO_OUT_INVALID_TIMESTAMP));
	return ok;
}

/* ts_day() of n strings into t[0..n); returns how many are no timestamp. */
static inline __attribute__((always_inline)) size_t
ts_days_loop(struct vo_ts_months *m, const struct vo_str *str, struct vo_judged *t, size_t n)
{
	size_t nbad = 0;
	size_t j;

	for (j = 0; j < n; j++)
		nbad += !ts_day(m, str[j], &t[j]);
	return nbad;
}

static size_t ts_days(struct vo_ts_months *m, const struct vo_str *str, struct vo_judged *t,
		      size_t n)
{
	return ts_days_loop(m, str, t, n);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define VO_CLEAN_X86 1
/* The same loop compiled for AVX2 (its SSE2 parse in three-operand VEX form, BMI2's shifts). */
__attribute__((target("avx2,bmi2"))) static size_t
ts_days_avx2(struct vo_ts_months *m, const struct vo_str *str, struct vo_judged *t, size_t n)
{
	return ts_days_loop(m, str, t, n);
}

/* The same with AVX-512: the 26-byte form through vo_ts_parse_day_avx512(). */
__attribute__((target(VO_TS_AVX512))) static size_t
ts_days_avx512(struct vo_ts_months *m, const struct vo_str *str, struct vo_judged *t, size_t n)
{
	size_t nbad = 0;
	size_t j;

	for (j = 0; j < n; j++) {
		int64_t day = 0;
		bool ok = vo_ts_parse_day_avx512(str[j], m, &day);

		t[j].day = ok ? (int32_t)day : 0;
		t[j].fails = (uint8_t)(ok ? 0 : BIT(VO_OUT_INVALID_TIMESTAMP));
		nbad += !ok;
	}
	return nbad;
}
#endif

/*
 * Resolves column k (not the country) for the selected rows, by position j
 * in the selection: a dictionary column to its memo, with null rows pointed
 * at the null slot (its indices used as they are when every row is
 * selected and none is null); a plain one judged row by row into a scratch
 * array.
 */
static void resolve(struct vo_cleaner *c, enum vo_col k, const struct vo_column *col, size_t n,
		    const uint32_t *sel, size_t ns, struct vo_clean_col *v)
{
	const uint8_t *valid = col->valid;
	struct vo_judged *t = c->tmp[k];
	size_t i;
	size_t j;

	if (col->idx) {
		uint32_t *ix = c->ix[k];

		/* A null row's index is nvalues already (batch.h): the null slot. */
		v->tab = c->memo[k].entry;
		v->ntab = col->nvalues + 1;
		v->gen = c->memo[k].gen;
		v->no_bad_ts = !c->memo[k].bad_ts && !valid;
		v->ix = ix;
		if (ns == n)
			v->ix = col->idx; /* every row selected: position j is row j */
		else
			for (j = 0; j < ns; j++)
				ix[j] = col->idx[sel[j]];
		return;
	}
	v->tab = t;
	v->ix = c->identity;
	v->ntab = 0;
	v->gen = 0;
	if (col->type == VO_V_NULL) {
		for (j = 0; j < ns; j++)
			t[j] = null_judged(k);
		return;
	}
	if (valid) {
		struct vo_judged null = null_judged(k);

		for (j = 0; j < ns; j++) {
			i = sel[j];
			if (valid[i])
				judge_value(k, col, i, &t[j]);
			else
				t[j] = null;
		}
		return;
	}
	/* The common hot loops, one per kind, so each inlines its judge. */
	if (k == VO_COL_TOTAL_ORDERS || k == VO_COL_VOUCHER_AMOUNT) {
		for (j = 0; j < ns; j++) {
			judge_num(col, sel[j], &t[j]);
			set_fails(k, &t[j]);
		}
	} else if (col->type == VO_V_STR && !c->times) {
		/* Strings without times: the day is all a row needs of them. */
		const struct vo_str *str = col->values.str;
		size_t nbad = 0;

		if (ns == n) { /* every row selected: no indirection */
#if VO_CLEAN_X86
			if (vo_cpu_features() & VO_CPU_AVX512)
				nbad = ts_days_avx512(&c->months, str, t, ns);
			else if (vo_cpu_features() & VO_CPU_AVX2)
				nbad = ts_days_avx2(&c->months, str, t, ns);
			else
#endif
				nbad = ts_days(&c->months, str, t, ns);
		} else {
			for (j = 0; j < ns; j++)
				nbad += !ts_day(&c->months, str[sel[j]], &t[j]);
		}
		v->no_bad_ts = nbad == 0;
	} else {
		unsigned fails = 0;

		for (j = 0; j < ns; j++) {
			judge_ts(col, sel[j], &t[j]);
			set_fails(k, &t[j]);
			fails |= t[j].fails;
		}
		v->no_bad_ts = !(fails & BIT(VO_OUT_INVALID_TIMESTAMP));
	}
}

void vo_cleaner_account(struct vo_cleaner *c, const uint64_t count[VO_OUT_COUNT],
			uint64_t missing_total, size_t nrows);

/* A timestamp column of strings, not dictionary-coded, none null: judge_rows() parses it. */
static bool plain_strings(const struct vo_column *col)
{
	return col->type == VO_V_STR && !col->idx && !col->valid;
}

/*
 * Pass 3: SPEC section 2's checks for the selected rows, a column at a time
 * (each loop keeps its few arrays in registers).  Every value knows the
 * checks it fails (its fails bits); the dates add theirs; the lowest bit set
 * is the outcome, as enum vo_outcome follows the spec's order.  Fills the
 * view's per-selected-row arrays and counts the outcomes.
 */
static void judge_rows(struct vo_cleaner *c, const struct vo_column *ts_col,
		       const struct vo_clean_col *col, size_t ns, struct vo_clean_view *view)
{
	const struct vo_judged *tab;
	const uint32_t *ix;
	const struct vo_judged *tab2;
	const uint32_t *ix2;
	uint8_t *fails = c->s_fails;
	int32_t *days = c->s_days;
	int32_t *last = c->s_last;
	int64_t *total = c->s_total;
	uint32_t *kept = c->s_kept;
	uint64_t count[VO_OUT_COUNT] = { 0 };
	uint64_t missing = 0;
	size_t nk = 0;
	size_t j;

	/* The timestamp and the last order: their checks, and the days between them. */
	tab2 = col[VO_COL_LAST_ORDER_TS].tab;
	ix2 = col[VO_COL_LAST_ORDER_TS].ix;
	if (ts_col && plain_strings(ts_col)) {
		/* Parsed here, straight into the rows' arrays (the hot loop of a file
		 * of distinct timestamps); the day is all a row needs without times. */
		const struct vo_str *str = ts_col->values.str;
		const uint32_t *sel = c->sel;
		int64_t *order_us = c->s_order_us;

#define TS_ROW(US)                                                                     \
	do {                                                                           \
		const struct vo_judged *e = &tab2[ix2[j]];                             \
		int64_t day = 0;                                                       \
		bool ok = vo_ts_parse_day_cached(str[sel[j]], &c->months, (US), &day); \
		int32_t d = (ok ? (int32_t)day : 0) - e->day;                          \
                                                                                       \
		fails[j] = (uint8_t)(BIT(VO_OUT_KEPT) | e->fails |                     \
				     BIT(VO_OUT_INVALID_TIMESTAMP) * !ok |             \
				     BIT(VO_OUT_ORDER_BEFORE_LAST) * (d < 0));         \
		days[j] = d;                                                           \
		last[j] = e->day;                                                      \
	} while (0)
		if (c->times)
			for (j = 0; j < ns; j++)
				TS_ROW(&order_us[j]);
		else
			for (j = 0; j < ns; j++)
				TS_ROW(NULL);
#undef TS_ROW
	} else {
		tab = col[VO_COL_TIMESTAMP].tab;
		ix = col[VO_COL_TIMESTAMP].ix;
		for (j = 0; j < ns; j++) {
			const struct vo_judged *t = &tab[ix[j]];
			const struct vo_judged *e = &tab2[ix2[j]];
			int32_t d = t->day - e->day; /* both within +-2^27 */

			fails[j] = (uint8_t)(BIT(VO_OUT_KEPT) | t->fails | e->fails |
					     BIT(VO_OUT_ORDER_BEFORE_LAST) * (d < 0));
			days[j] = d;
			last[j] = e->day;
		}
	}
	/* The first order, and total_orders. */
	tab = col[VO_COL_FIRST_ORDER_TS].tab;
	ix = col[VO_COL_FIRST_ORDER_TS].ix;
	tab2 = col[VO_COL_TOTAL_ORDERS].tab;
	ix2 = col[VO_COL_TOTAL_ORDERS].ix;
	for (j = 0; j < ns; j++) {
		const struct vo_judged *f = &tab[ix[j]];
		const struct vo_judged *t = &tab2[ix2[j]];

		fails[j] |= (uint8_t)(f->fails | t->fails |
				      BIT(VO_OUT_FIRST_AFTER_LAST) * (f->day > last[j]));
		total[j] = t->value;
	}
	/* The voucher amount, and the outcome: the lowest bit set. */
	{
		struct vo_judged *vtab = col[VO_COL_VOUCHER_AMOUNT].tab;

		ix = col[VO_COL_VOUCHER_AMOUNT].ix;
		for (j = 0; j < ns; j++) {
			struct vo_judged *e = &vtab[ix[j]];
			unsigned o = (unsigned)__builtin_ctz(fails[j] | e->fails);
			bool is_kept = o == VO_OUT_KEPT;

			fails[j] = (uint8_t)o;
			count[o]++;
			kept[nk] = (uint32_t)j;
			nk += is_kept;
			missing += is_kept & (total[j] < 0);
		}
	}
	if (c->times) {
		const struct vo_clean_col *t = &col[VO_COL_TIMESTAMP];
		const struct vo_clean_col *l = &col[VO_COL_LAST_ORDER_TS];
		const struct vo_clean_col *f = &col[VO_COL_FIRST_ORDER_TS];

		for (j = 0; j < ns; j++) {
			if (!ts_col || !plain_strings(ts_col))
				c->s_order_us[j] = t->tab[t->ix[j]].value;
			c->s_last_us[j] = l->tab[l->ix[j]].value;
			c->s_first_us[j] = f->tab[f->ix[j]].value;
		}
		view->order_us = c->s_order_us;
		view->last_us = c->s_last_us;
		view->first_us = c->s_first_us;
	}
	count[VO_OUT_OTHER_COUNTRY] = view->nrows - ns;
	vo_cleaner_account(c, count, missing, view->nrows);
	view->outcome = fails;
	view->days = days;
	view->total = total;
	view->voucher_tab = col[VO_COL_VOUCHER_AMOUNT].tab;
	view->voucher_ix = col[VO_COL_VOUCHER_AMOUNT].ix;
	view->kept = kept;
	view->nkept = nk;
}

/*
 * Judges country value v into *e: id is the spelling id ("all") or the
 * country id, and value the country id (NO_COUNTRY when not selected).
 */
static int judge_country_entry(struct vo_cleaner *c, struct vo_str v, struct vo_judged *e)
{
	int rc = judge_country(c, v, &e->id);

	if (rc)
		return rc;
	e->value = c->all && e->id != NO_COUNTRY ? c->spell[e->id].country : e->id;
	e->state = 1;
	return VO_OK;
}

/*
 * Pass 1: the country of every row (through the memo of a dictionary entry,
 * judged on first use), counting the spellings under "all", and the list
 * of selected rows.  Returns the number selected, or a negative error (at
 * row *at).
 */
static int countries(struct vo_cleaner *c, const struct vo_column *col, size_t n, size_t *ns,
		     size_t *at)
{
	struct vo_judged *memo = c->memo[VO_COL_COUNTRY].entry;
	const uint32_t *idx = col->idx;
	uint32_t *country = c->country;
	uint32_t *selected = c->sel;
	struct vo_judged tmp;
	size_t sel = 0;
	size_t i;
	int rc;

	if (idx && !col->valid && col->type != VO_V_NULL) {
		/* The usual case, in its own loop: a dictionary, no null. */
		bool all = c->all;
		struct spelling *spell = c->spell;

		for (i = 0; i < n; i++) {
			const struct vo_judged *e = &memo[idx[i]];
			uint32_t id;

			if (__builtin_expect(!e->state, 0)) {
				rc = judge_country_entry(c, col->values.str[idx[i]], &memo[idx[i]]);
				if (rc)
					goto fail;
				c->memo[VO_COL_COUNTRY].njudged++;
				c->memo[VO_COL_COUNTRY].nother += e->value == NO_COUNTRY;
				spell = c->spell; /* a new spelling may have moved it */
			}
			id = (uint32_t)e->value;
			if (all && e->id != NO_COUNTRY)
				spell[e->id].rows++;
			country[i] = id;
			selected[sel] = (uint32_t)i;
			sel += id != NO_COUNTRY;
		}
		*ns = sel;
		return VO_OK;
	}
	for (i = 0; i < n; i++) {
		const struct vo_judged *e = &tmp;
		uint32_t id;

		if (vo_column_is_null(col, i)) {
			tmp.value = NO_COUNTRY;
			tmp.id = NO_COUNTRY;
		} else if (idx) {
			e = &memo[idx[i]];
			if (__builtin_expect(!e->state, 0)) {
				rc = judge_country_entry(c, col->values.str[idx[i]], &memo[idx[i]]);
				if (rc)
					goto fail;
			}
		} else {
			rc = judge_country_entry(c, col->values.str[i], &tmp);
			if (rc)
				goto fail;
		}
		id = (uint32_t)e->value;
		/* (c->spell may move only in judge_country_entry, so it is read here) */
		if (c->all && e->id != NO_COUNTRY)
			c->spell[e->id].rows++;
		country[i] = id;
		selected[sel] = (uint32_t)i;
		sel += id != NO_COUNTRY;
	}
	*ns = sel;
	return VO_OK;
fail:
	*at = i;
	return rc;
}

/* The key of a kept row's voucher amount: one per distinct amount, kept in its judgement. */
static inline int voucher_key(struct vo_cleaner *c, struct vo_judged *v, uint32_t *key)
{
	int rc;

	if (v->id != NO_KEY) {
		*key = v->id;
		return VO_OK;
	}
	if (c->last_key != NO_KEY && v->value == c->last_amount) {
		*key = v->id = c->last_key;
		return VO_OK;
	}
	rc = vo_intmap_put(&c->vkeys, v->value, key, NULL);
	if (rc)
		return rc;
	c->last_amount = v->value;
	c->last_key = *key;
	v->id = *key;
	return VO_OK;
}

/*
 * Whether a batch's rows can keep their countries in the entries of its
 * country column (vo_cleaner_resolve()): under "all", a dictionary without
 * nulls whose entries are all judged already (so none is judged, or fails,
 * out of row order) and all of a selected country (so every row is selected).
 */
static bool entries_only(const struct vo_cleaner *c, const struct vo_column *col)
{
	const struct memo *m = &c->memo[VO_COL_COUNTRY];

	return c->all && col->idx && !col->valid && col->type == VO_V_STR &&
	       m->njudged == col->nvalues && m->nother == 0;
}

/* The message of a failure of pass 1 or 3 at row i of column k. */
static int run_error(const struct vo_cleaner *c, int rc, const struct vo_batch *batch,
		     const char *path, size_t i, int k, struct vo_error *err)
{
	if (rc == VO_ENOMEM)
		return vo_error_nomem(err);
	if (rc == VO_ELIMIT && k == VO_COL_VOUCHER_AMOUNT)
		return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k),
				   "more than %d distinct voucher amounts", VO_VOUCHERS_MAX);
	if (k == VO_COL_COUNTRY && c->why[0])
		return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k),
				   rc == VO_EFORMAT ? "the country name %s (with -c all every "
						      "name goes into the artifact)"
						    : "%s",
				   c->why);
	if (rc == VO_ELIMIT)
		return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k),
				   "more than %d distinct countries", VO_COUNTRIES_MAX);
	if (rc == VO_EFORMAT)
		return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k),
				   "dictionary index out of range");
	return vo_error_at(err, rc, path, batch->first_row + i, vo_col_name((enum vo_col)k), "%s",
			   vo_strerror(rc));
}

/*
 * Passes 1 and 2 of a batch: its countries and selection, then every other
 * column resolved into cols, except a timestamp column of plain strings
 * when skip_ts (judge_rows() parses those itself).
 */
static int resolve_batch(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
			 bool skip_ts, bool entries, struct vo_clean_cols *cols,
			 struct vo_error *err)
{
	const struct vo_column *col = batch->col;
	size_t n = batch->nrows;
	size_t ns = 0;
	const uint32_t *sel;
	int rc = VO_OK;
	size_t i = 0;
	int k;

	memset(cols, 0, sizeof(*cols));
	for (k = 0; k < VO_COL_COUNT; k++) {
		if (!type_fits((enum vo_col)k, col[k].type))
			return vo_error_at(err, VO_EFORMAT, path, 0, vo_col_name((enum vo_col)k),
					   "cannot use %s values as %s", type_name(col[k].type),
					   vo_col_name((enum vo_col)k));
		rc = memo_prepare(c, &c->memo[k], (enum vo_col)k, &col[k]);
		if (rc)
			return vo_error_nomem(err);
	}
	rc = reserve(c, n);
	if (rc)
		return vo_error_nomem(err);
	sel = c->sel; /* (after reserve(), which may move it) */

	/* 1. The country first: the other columns of an unselected row are never read. */
	k = VO_COL_COUNTRY;
	if (entries && entries_only(c, &col[k])) {
		/* Every row selected, each one's country left in its entry (see clean.h). */
		const struct memo *m = &c->memo[k];

		ns = n;
		sel = c->identity;
		cols->col[k].tab = m->entry;
		cols->col[k].ix = col[k].idx;
		cols->col[k].ntab = col[k].nvalues;
		cols->col[k].gen = m->gen;
	} else {
		rc = countries(c, &col[k], n, &ns, &i);
		if (rc)
			return run_error(c, rc, batch, path, i, k, err);
		cols->country = c->country;
	}

	/* 2. The other columns, for the selected rows. */
	for (k = 0; k < VO_COL_COUNT; k++)
		if (k != VO_COL_COUNTRY &&
		    !(skip_ts && k == VO_COL_TIMESTAMP && plain_strings(&col[VO_COL_TIMESTAMP])))
			resolve(c, (enum vo_col)k, &col[k], n, sel, ns, &cols->col[k]);
	cols->nrows = n;
	cols->nsel = ns;
	cols->sel = sel;
	return VO_OK;
}

int vo_cleaner_resolve(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		       bool entries, struct vo_clean_cols *cols, struct vo_error *err)
{
	return resolve_batch(c, batch, path, false, entries, cols, err);
}

void vo_cleaner_resolve_rows(struct vo_cleaner *c, const struct vo_batch *batch,
			     struct vo_clean_cols *cols)
{
	size_t ns = 0;
	size_t at = 0;

	if (cols->country)
		return;
	/* Every entry judged and selected: this cannot fail, and selects every row. */
	(void)countries(c, &batch->col[VO_COL_COUNTRY], batch->nrows, &ns, &at);
	memset(&cols->col[VO_COL_COUNTRY], 0, sizeof(cols->col[VO_COL_COUNTRY]));
	cols->country = c->country;
}

void vo_cleaner_spelling_rows(struct vo_cleaner *c, uint32_t spelling, uint64_t rows)
{
	c->spell[spelling].rows += rows;
}

void vo_cleaner_account(struct vo_cleaner *c, const uint64_t count[VO_OUT_COUNT],
			uint64_t missing_total, size_t nrows)
{
	size_t i;

	for (i = 0; i < VO_OUT_KEPT; i++)
		c->quality.dropped[i] += count[i];
	c->quality.rows_kept += count[VO_OUT_KEPT];
	c->quality.missing_total_orders += missing_total;
	c->quality.rows_read += nrows;
}

int vo_cleaner_judge(struct vo_cleaner *c, const struct vo_clean_cols *cols,
		     struct vo_clean_view *view)
{
	memset(view, 0, sizeof(*view));
	view->nrows = cols->nrows;
	view->nsel = cols->nsel;
	view->sel = cols->sel;
	view->country = cols->country;
	judge_rows(c, NULL, cols->col, cols->nsel, view);
	return VO_OK;
}

int vo_cleaner_view(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		    struct vo_clean_view *view, struct vo_error *err)
{
	struct vo_clean_cols cols;
	int rc;

	memset(view, 0, sizeof(*view));
	rc = resolve_batch(c, batch, path, true, false, &cols, err);
	if (rc)
		return rc;
	view->nrows = cols.nrows;
	view->nsel = cols.nsel;
	view->sel = cols.sel;
	view->country = cols.country;

	/* 3. The rules. */
	judge_rows(c, &batch->col[VO_COL_TIMESTAMP], cols.col, cols.nsel, view);
	return VO_OK;
}

int vo_cleaner_voucher_key(struct vo_cleaner *c, struct vo_judged *v, uint32_t *key)
{
	return voucher_key(c, v, key);
}

int vo_cleaner_run(struct vo_cleaner *c, const struct vo_batch *batch, const char *path,
		   struct vo_clean_rows *rows, struct vo_error *err)
{
	struct vo_clean_view view;
	size_t nk = 0;
	size_t x;
	int rc;

	memset(rows, 0, sizeof(*rows));
	rc = vo_cleaner_view(c, batch, path, &view, err);
	if (rc)
		return rc;
	/* The view is by selected row; these arrays are by row (unselected: other_country). */
	memset(c->outcome, VO_OUT_OTHER_COUNTRY, view.nrows);
	for (x = 0; x < view.nsel; x++)
		c->outcome[view.sel[x]] = view.outcome[x];
	for (x = 0; x < view.nkept; x++) {
		size_t j = view.kept[x];
		size_t i = view.sel[j];

		struct vo_judged *vou = &view.voucher_tab[view.voucher_ix[j]];

		rc = voucher_key(c, vou, &c->vkey[i]);
		if (rc)
			return run_error(c, rc, batch, path, i, VO_COL_VOUCHER_AMOUNT, err);
		c->kept[nk++] = (uint32_t)i;
		c->total[i] = view.total[j];
		c->voucher[i] = vou->value;
		c->days[i] = view.days[j];
		if (c->times) {
			c->order_us[i] = view.order_us[j];
			c->last_us[i] = view.last_us[j];
			c->first_us[i] = view.first_us[j];
		}
	}
	rows->nrows = view.nrows;
	rows->outcome = c->outcome;
	rows->country = c->country;
	rows->total = c->total;
	rows->voucher = c->voucher;
	rows->vkey = c->vkey;
	rows->days = c->days;
	rows->kept = c->kept;
	rows->nkept = nk;
	if (c->times) {
		rows->order_us = c->order_us;
		rows->last_us = c->last_us;
		rows->first_us = c->first_us;
	}
	return VO_OK;
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
	int rc;

	if (i >= c->ncountries)
		return VO_EINVAL;
	/* With "all" the key a country was interned under (ids go in step), bytes as read. */
	if (c->all)
		return vo_buf_addview(out, c->country_keys.keys[i]);
	/* A selected name, folded as intern_spelling() folds a spelling. */
	name = vo_str_trim(vo_str_cstr(c->countries[i].name));
	rc = vo_buf_grow(out, VO_FOLD_LEN_MAX(name.len));
	if (rc)
		return rc;
	out->len += vo_fold_copy(name, out->ptr + out->len);
	out->ptr[out->len] = '\0';
	return VO_OK;
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
