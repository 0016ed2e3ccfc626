/*
 * gen.c - the sample-data generator, see gen.h.
 *
 * The weight tables below were measured on the real file
 * (shared/data/data.parquet.gzip, 285,570 rows) and are scaled to
 * GEN_WEIGHTS.  Each row is drawn from a splitmix64 stream and formatted by
 * hand into a 1 MiB buffer that is flushed to the temporary file whenever it
 * is nearly full: no printf per field, no allocation per row.
 */
#include "core/common.h"

#include <assert.h>

#include "core/alloc.h"
#include "core/civil.h"
#include "core/fileio.h"
#include "gen/gen.h"

#define GEN_BUF_SIZE (1u << 20) /* output buffer */
#define GEN_ROW_MAX 160		/* longest row we format; rows are ~75 bytes */
#define GEN_WEIGHTS 100000	/* every weight table sums to this */

static const char header[] =
	"timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n";

/* A value drawn uniformly from [lo, hi], with probability weight / GEN_WEIGHTS. */
struct range {
	uint32_t weight;
	uint32_t lo;
	uint32_t hi;
};

#define ONE(w, v)             \
	{                     \
		(w), (v), (v) \
	}

static const char *const country_names[] = { "Peru", "China", "Latvia", "Australia" };

static const struct range countries[] = {
	ONE(15730, 0),
	ONE(34926, 1),
	ONE(21892, 2),
	ONE(27452, 3),
};

/* Voucher amounts by country, in the order of country_names; 0 is empty. */
static const struct range peru_vouchers[] = {
	ONE(51291, 2640),
	ONE(23687, 3520),
	ONE(23199, 4400),
	ONE(1823, 0),
};
static const struct range china_vouchers[] = {
	ONE(47607, 1760), ONE(22840, 8800), ONE(17918, 4400),
	ONE(5971, 5720),  ONE(5322, 3080),  ONE(342, 0),
};
static const struct range latvia_vouchers[] = {
	ONE(38357, 4400), ONE(35140, 13200), ONE(16545, 8800),
	ONE(5020, 1540),  ONE(4925, 3080),   ONE(13, 0),
};
static const struct range australia_vouchers[] = {
	ONE(36571, 2200), ONE(32188, 5720), ONE(18632, 11000),
	ONE(6125, 1760),  ONE(5766, 3520),  ONE(718, 0),
};

static const struct {
	const struct range *table;
	size_t n;
} vouchers[] = {
	{ peru_vouchers, VO_ARRAY_SIZE(peru_vouchers) },
	{ china_vouchers, VO_ARRAY_SIZE(china_vouchers) },
	{ latvia_vouchers, VO_ARRAY_SIZE(latvia_vouchers) },
	{ australia_vouchers, VO_ARRAY_SIZE(australia_vouchers) },
};

/* Day of the order, counted from ORDER_FIRST_DAY, by week. */
static const struct range order_days[] = {
	{ 22388, 0, 6 },  { 9112, 7, 13 },   { 10101, 14, 20 }, { 8276, 21, 27 },
	{ 6837, 28, 34 }, { 17188, 35, 41 }, { 17200, 42, 48 }, { 8898, 49, 52 },
};

/* Hour of the order (UTC). */
static const struct range order_hours[] = {
	ONE(283, 13),	ONE(4061, 14),	ONE(10046, 15), ONE(12185, 16), ONE(18625, 17),
	ONE(17825, 18), ONE(16818, 19), ONE(12857, 20), ONE(5308, 21),	ONE(1992, 22),
};

/*
 * Days from the last order to this one.  The real file has only the spikes
 * (31, 92, 91 and 0-5 days); the 3.5 % spread around them is ours, so that
 * every default recency bucket has rows.
 */
#define RECENCY_MAX 200	   /* most days from the last order to this one */
#define FIRST_GAP_MAX 2897 /* most days from the first order to the last one */

static const struct range recency[] = {
	{ 300, 0, 5 },
	ONE(52000, 31),
	ONE(1600, 91),
	ONE(42600, 92),
	{ 400, 6, 29 },
	{ 1300, 32, 90 },
	{ 1800, 93, RECENCY_MAX },
};

/* Days from the first order to the last one. */
static const struct range first_gap[] = {
	ONE(15850, 0),	     { 7311, 1, 7 },
	{ 10491, 8, 30 },    { 10656, 31, 60 },
	{ 14398, 61, 120 },  { 12303, 121, 180 },
	{ 19295, 181, 365 }, { 5865, 366, 730 },
	{ 2750, 731, 1500 }, { 1081, 1501, FIRST_GAP_MAX },
};

/* total_orders when present: its spikes, then the rest spread out. */
static const struct range orders[] = {
	ONE(12749, 0),	  ONE(5543, 1),	    ONE(13374, 2),     ONE(3595, 3),	   ONE(8674, 4),
	ONE(2971, 5),	  ONE(395, 6),	    ONE(6688, 7),      ONE(509, 8),	   ONE(4694, 9),
	ONE(2137, 10),	  ONE(4418, 11),    ONE(2652, 12),     ONE(1439, 13),	   ONE(1347, 14),
	ONE(1802, 15),	  ONE(2283, 16),    ONE(934, 18),      ONE(1031, 19),	   ONE(1993, 28),
	ONE(438, 29),	  ONE(1646, 30),    ONE(488, 33),      ONE(874, 34),	   ONE(1128, 36),
	ONE(1238, 37),	  ONE(674, 38),	    ONE(623, 43),      ONE(651, 45),	   ONE(745, 48),
	ONE(391, 52),	  ONE(574, 61),	    ONE(851, 67),      ONE(423, 69),	   ONE(475, 78),
	{ 2506, 17, 37 }, { 3177, 38, 80 }, { 2700, 81, 160 }, { 1170, 161, 466 },
};

#define NO_TOTAL 8000	     /* empty total_orders, per GEN_WEIGHTS */
#define BEFORE_LAST 8000     /* orders placed before the last order, per GEN_WEIGHTS */
#define BEFORE_MIN_DAYS 1065 /* ... that many days before it, */
#define BEFORE_SPREAD 92     /* ... plus up to this many more */

/* splitmix64 (Steele, Lea, Flood), handing out 32-bit halves. */
struct rng {
	uint64_t state;
	uint64_t spare;
	bool has_spare;
};

static uint32_t rng_u32(struct rng *g)
{
	uint64_t z;

	if (g->has_spare) {
		g->has_spare = false;
		return (uint32_t)g->spare;
	}
	z = (g->state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	z ^= z >> 31;
	g->spare = z >> 32;
	g->has_spare = true;
	return (uint32_t)z;
}

/* A uniform value in [0, n) (Lemire's multiply-shift; bias below n / 2^32). */
static uint32_t rng_below(struct rng *g, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_u32(g) * n) >> 32);
}

/* Draws an entry of a weight table, then a value of its range. */
static uint32_t pick(struct rng *g, const struct range *c, size_t n)
{
	uint32_t r = rng_below(g, GEN_WEIGHTS);
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (r < c[i].weight)
			break;
		r -= c[i].weight;
	}
	if (c[i].lo == c[i].hi)
		return c[i].lo;
	return c[i].lo + rng_below(g, c[i].hi - c[i].lo + 1);
}

#define PICK(g, table) pick((g), (table), VO_ARRAY_SIZE(table))

static uint32_t weights(const struct range *c, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += c[i].weight;
	return sum;
}

/* A programmer's check that every table was scaled right. */
static bool tables_ok(void)
{
	size_t i;

	for (i = 0; i < VO_ARRAY_SIZE(vouchers); i++)
		if (weights(vouchers[i].table, vouchers[i].n) != GEN_WEIGHTS)
			return false;
	return weights(countries, VO_ARRAY_SIZE(countries)) == GEN_WEIGHTS &&
	       weights(order_days, VO_ARRAY_SIZE(order_days)) == GEN_WEIGHTS &&
	       weights(order_hours, VO_ARRAY_SIZE(order_hours)) == GEN_WEIGHTS &&
	       weights(recency, VO_ARRAY_SIZE(recency)) == GEN_WEIGHTS &&
	       weights(first_gap, VO_ARRAY_SIZE(first_gap)) == GEN_WEIGHTS &&
	       weights(orders, VO_ARRAY_SIZE(orders)) == GEN_WEIGHTS;
}

/* Two decimal digits of v (0-99). */
static char *put2(char *w, unsigned v)
{
	w[0] = (char)('0' + v / 10);
	w[1] = (char)('0' + v % 10);
	return w + 2;
}

/* "YYYY-MM-DD" for a day number; years 0-9999. */
static char *put_date(char *w, int64_t days)
{
	int64_t y;
	unsigned m;
	unsigned d;

	vo_civil_from_days(days, &y, &m, &d);
	w = put2(w, (unsigned)(y / 100));
	w = put2(w, (unsigned)(y % 100));
	*w++ = '-';
	w = put2(w, m);
	*w++ = '-';
	return put2(w, d);
}

/* "HH:MM:SS.ffffff". */
static char *put_time(char *w, uint32_t hour, uint32_t sec, uint32_t usec)
{
	w = put2(w, hour);
	*w++ = ':';
	w = put2(w, sec / 60);
	*w++ = ':';
	w = put2(w, sec % 60);
	*w++ = '.';
	w = put2(w, usec / 10000);
	w = put2(w, usec / 100 % 100);
	return put2(w, usec % 100);
}

/* The decimal form of v followed by ".0". */
static char *put_float(char *w, uint32_t v)
{
	char tmp[12];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(w, tmp + i, sizeof(tmp) - i);
	w += sizeof(tmp) - i;
	*w++ = '.';
	*w++ = '0';
	return w;
}

/*
 * "YYYY-MM-DD" of every day a row can use, made once: the calendar
 * arithmetic would otherwise cost more than the rest of a row.
 */
struct dates {
	int64_t first_order_day; /* 2018-06-09, the first day of the orders */
	int64_t lo;		 /* first day in text */
	size_t n;		 /* days in text */
	char *text;		 /* 10 bytes per day from lo */
};

static int dates_init(struct dates *d)
{
	int64_t hi;
	size_t i;

	d->first_order_day = vo_days_from_civil(2018, 6, 9);
	hi = d->first_order_day + order_days[VO_ARRAY_SIZE(order_days) - 1].hi;
	d->lo = d->first_order_day - RECENCY_MAX -
		VO_MAX(FIRST_GAP_MAX, BEFORE_MIN_DAYS + BEFORE_SPREAD);
	d->n = (size_t)(hi - d->lo + 1);
	d->text = vo_malloc(d->n * 10);
	if (!d->text)
		return VO_ENOMEM;
	for (i = 0; i < d->n; i++)
		put_date(d->text + i * 10, d->lo + (int64_t)i);
	return VO_OK;
}

/* The row generator only asks for days in the table, by construction. */
static char *put_day(char *w, const struct dates *d, int64_t day)
{
	memcpy(w, d->text + (size_t)(day - d->lo) * 10, 10);
	return w + 10;
}

/*
 * Formats one generated row, with its line end, at w; returns the new end.
 * Every draw is its own statement: the order of the draws is the data set,
 * and C leaves the order of evaluating function arguments open.
 */
static char *put_row(char *w, struct rng *g, const struct dates *d)
{
	int64_t order = d->first_order_day + PICK(g, order_days);
	uint32_t hour = PICK(g, order_hours);
	uint32_t sec = rng_below(g, 3600);
	uint32_t usec = rng_below(g, 1000000);
	int64_t last = order - PICK(g, recency);
	int64_t first = last - PICK(g, first_gap);
	uint32_t country = PICK(g, countries);
	uint32_t voucher = pick(g, vouchers[country].table, vouchers[country].n);
	bool has_total = rng_below(g, GEN_WEIGHTS) >= NO_TOTAL;
	uint32_t total = PICK(g, orders);
	size_t len;

	if (rng_below(g, GEN_WEIGHTS) < BEFORE_LAST)
		order = last - BEFORE_MIN_DAYS - rng_below(g, BEFORE_SPREAD);

	w = put_day(w, d, order);
	*w++ = ' ';
	w = put_time(w, hour, sec, usec);
	*w++ = ',';
	len = strlen(country_names[country]);
	memcpy(w, country_names[country], len);
	w += len;
	*w++ = ',';
	w = put_day(w, d, last);
	*w++ = ',';
	w = put_day(w, d, first);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): a CSV record, not a string */
	memcpy(w, " 00:00:00,", 10);
	w += 10;
	if (has_total)
		w = put_float(w, total);
	*w++ = ',';
	if (voucher)
		w = put_float(w, voucher);
	*w++ = '\n';
	return w;
}

int vo_gen_write_csv(const struct vo_gen_options *opt, const char *path, struct vo_error *err)
{
	struct vo_atomic_file f;
	struct rng g = { 0, 0, false };
	struct dates days = { 0, 0, 0, NULL };
	bool pending = false; /* f must still be committed or aborted */
	char *buf = NULL;
	char *w;
	uint64_t i;
	int rc;

	assert(tables_ok());
	if (!opt || !path || !*path)
		return vo_error_set(err, VO_EINVAL, "gen: no options or output path");
	buf = vo_malloc(GEN_BUF_SIZE);
	if (!buf || dates_init(&days)) {
		rc = vo_error_nomem_in(err, path);
		goto out;
	}
	rc = vo_atomic_open(&f, path, err);
	if (rc)
		goto out;
	pending = true;
	g.state = opt->seed;
	memcpy(buf, header, sizeof(header) - 1);
	w = buf + sizeof(header) - 1;
	for (i = 0; i < opt->rows; i++) {
		if ((size_t)(buf + GEN_BUF_SIZE - w) < GEN_ROW_MAX) {
			rc = vo_atomic_write(&f, buf, (size_t)(w - buf), err);
			if (rc)
				goto out;
			w = buf;
		}
		w = put_row(w, &g, &days);
	}
	rc = vo_atomic_write(&f, buf, (size_t)(w - buf), err);
	if (rc)
		goto out;
	pending = false; /* commit releases f, also when it fails */
	rc = vo_atomic_commit(&f, err);
out:
	if (pending)
		vo_atomic_abort(&f);
	vo_free(days.text);
	vo_free(buf);
	return rc;
}
