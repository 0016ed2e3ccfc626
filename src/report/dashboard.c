/*
 * dashboard.c - the artifact as one self-contained HTML page, see
 * dashboard.h.
 *
 * The page is written in one pass into the caller's buffer through struct
 * page, whose first error sticks (later writes do nothing), so the
 * rendering code reads top to bottom without a check after every append.
 * Charts are horizontal bars: one block per bucket, one bar per voucher
 * amount, so labels stay legible when a phone scales the SVG down.
 */
#include "core/common.h"

#include <stdarg.h>

#include "core/alloc.h"
#include "model/value.h"
#include "report/dashboard.h"

struct page {
	struct vo_buf *b; /* not owned */
	int rc;		  /* the first failure; nothing is written after it */
};

static void put(struct page *p, const char *s)
{
	if (!p->rc)
		p->rc = vo_buf_addstr(p->b, s);
}

static void putf(struct page *p, const char *fmt, ...) VO_PRINTF(2, 3);

static void putf(struct page *p, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	if (p->rc)
		return;
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		p->rc = VO_ELIMIT; /* only fixed-size pieces go through here */
		return;
	}
	p->rc = vo_buf_add(p->b, tmp, (size_t)n);
}

/* Escaped text from the artifact. */
static void put_esc(struct page *p, const char *s)
{
	if (!p->rc)
		p->rc = vo_html_escape(p->b, s);
}

int vo_html_escape(struct vo_buf *out, const char *s)
{
	const char *run = s;
	int rc = VO_OK;

	for (; *s && !rc; s++) {
		const char *ref;

		switch (*s) {
		case '&':
			ref = "&amp;";
			break;
		case '<':
			ref = "&lt;";
			break;
		case '>':
			ref = "&gt;";
			break;
		case '"':
			ref = "&quot;";
			break;
		case '\'':
			ref = "&#39;";
			break;
		default:
			continue;
		}
		rc = vo_buf_add(out, run, (size_t)(s - run));
		if (!rc)
			rc = vo_buf_addstr(out, ref);
		run = s + 1;
	}
	if (!rc)
		rc = vo_buf_addstr(out, run);
	return rc;
}

/* "1,234,567" into out (at least 32 bytes). */
static const char *fmt_count(uint64_t v, char *out)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v);
	size_t o = 0;

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

static void put_count(struct page *p, uint64_t v)
{
	char tmp[32];

	put(p, fmt_count(v, tmp));
}

/* part as a percentage of whole, "12.3%", or "-" when whole is 0. */
static void put_pct(struct page *p, uint64_t part, uint64_t whole)
{
	if (!whole)
		put(p, "&ndash;");
	else
		putf(p, "%.1f%%", 100.0 * (double)part / (double)whole);
}

/* The age as the inline script also writes it ("5 min", "3 h 12 min", "2 d 4 h"). */
static void put_age(struct page *p, int64_t secs)
{
	int64_t m, h;

	if (secs < 0)
		secs = 0;
	if (secs < 60) {
		putf(p, "%" PRId64 " s", secs);
		return;
	}
	m = secs / 60;
	if (m < 60) {
		putf(p, "%" PRId64 " min", m);
		return;
	}
	h = m / 60;
	if (h < 48)
		putf(p, "%" PRId64 " h %" PRId64 " min", h, m % 60);
	else
		putf(p, "%" PRId64 " d %" PRId64 " h", h / 24, h % 24);
}

/* The voucher amounts of one country, ranked for the charts. */
struct series {
	int64_t amount;
	uint64_t total; /* rows over all cells of the country */
};

static int cmp_amount(const void *x, const void *y)
{
	const struct series *a = x;
	const struct series *b = y;

	return (a->amount > b->amount) - (a->amount < b->amount);
}

static int cmp_total_desc(const void *x, const void *y)
{
	const struct series *a = x;
	const struct series *b = y;

	if (a->total != b->total)
		return a->total < b->total ? 1 : -1;
	return cmp_amount(x, y);
}

/*
 * The country's amounts, ascending, at most VO_DASHBOARD_AMOUNTS of them
 * (those with the most rows); *other says whether some were left out.
 */
static int country_series(const struct vo_artifact *a, const struct vo_country_table *ct,
			  struct series **out, size_t *n, bool *other)
{
	size_t total = 0, k = 0, m = 0;
	struct series *s;

	*out = NULL;
	*n = 0;
	*other = false;
	for (size_t c = 0; c < a->config.ncells; c++)
		total += ct->cells[c].ncounts;
	if (!total)
		return VO_OK;
	s = vo_calloc(total, sizeof(*s));
	if (!s)
		return VO_ENOMEM;
	for (size_t c = 0; c < a->config.ncells; c++)
		for (size_t i = 0; i < ct->cells[c].ncounts; i++) {
			s[k].amount = ct->cells[c].counts[i].amount;
			s[k++].total = ct->cells[c].counts[i].rows;
		}
	qsort(s, k, sizeof(*s), cmp_amount);
	for (size_t i = 0; i < k; i++) {
		if (m && s[m - 1].amount == s[i].amount)
			s[m - 1].total += s[i].total;
		else
			s[m++] = s[i];
	}
	if (m > VO_DASHBOARD_AMOUNTS) {
		qsort(s, m, sizeof(*s), cmp_total_desc);
		m = VO_DASHBOARD_AMOUNTS;
		qsort(s, m, sizeof(*s), cmp_amount);
		*other = true;
	}
	*out = s;
	*n = m;
	return VO_OK;
}

/* The series index of amount, or n (the "other" bar) when it is not shown. */
static size_t series_of(const struct series *s, size_t n, int64_t amount)
{
	struct series key = { .amount = amount };
	const struct series *hit = n ? bsearch(&key, s, n, sizeof(*s), cmp_amount) : NULL;

	return hit ? (size_t)(hit - s) : n;
}

static const char *const palette[VO_DASHBOARD_AMOUNTS] = {
	"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1", "#edc948", "#ff9da7",
};
static const char other_color[] = "#9aa0a6";

/* Chart geometry (SVG user units). */
enum {
	CH_W = 400,	  /* width */
	CH_LABEL_X = 52,  /* right edge of the amount labels */
	CH_BAR_X = 58,	  /* where bars start */
	CH_BAR_MAX = 244, /* the longest bar; the rest is room for its label */
	CH_HEAD = 22,	  /* a bucket's title line */
	CH_ROW = 17,	  /* one bar and its gap */
	CH_BAR_H = 12,
	CH_GAP = 10, /* between buckets */
};

/* Rows of each series (and "other" at index n) in one cell. */
static void cell_values(const struct vo_cell *cell, const struct series *s, size_t n,
			uint64_t *vals)
{
	memset(vals, 0, (n + 1) * sizeof(*vals));
	for (size_t i = 0; i < cell->ncounts; i++)
		vals[series_of(s, n, cell->counts[i].amount)] += cell->counts[i].rows;
}

static void put_amount_label(struct page *p, const struct series *s, size_t n, size_t i)
{
	if (i < n)
		putf(p, "%" PRId64, s[i].amount);
	else
		put(p, "other");
}

/* One segment's bar chart for one country. */
static int put_chart(struct page *p, const struct vo_country_table *ct, const struct vo_segdef *seg,
		     const struct series *s, size_t n, bool other)
{
	size_t nser = n + (other ? 1 : 0);
	uint64_t *vals = vo_calloc((n + 1) * (seg->nbuckets ? seg->nbuckets : 1), sizeof(*vals));
	bool *shown = vo_calloc(n + 1, sizeof(*shown));
	uint64_t max = 0;
	size_t nshown = 0;
	int height = 4;
	int y = 4;

	if (!vals || !shown) {
		vo_free(vals);
		vo_free(shown);
		return VO_ENOMEM;
	}
	/* The amounts any bucket of this segment has, and the longest bar. */
	for (size_t b = 0; b < seg->nbuckets; b++) {
		uint64_t *v = vals + b * (n + 1);

		cell_values(&ct->cells[seg->cell_base + b], s, n, v);
		for (size_t i = 0; i < nser; i++) {
			shown[i] = shown[i] || v[i];
			max = VO_MAX(max, v[i]);
		}
	}
	for (size_t i = 0; i < nser; i++)
		nshown += shown[i];
	for (size_t b = 0; b < seg->nbuckets; b++)
		height += CH_HEAD +
			  (ct->cells[seg->cell_base + b].rows ? (int)nshown * CH_ROW : CH_ROW) +
			  CH_GAP;
	putf(p,
	     "<svg class=\"chart\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	     "aria-label=\"",
	     CH_W, height, CH_W, height);
	put_esc(p, seg->name);
	put(p, ": rows of each voucher amount per bucket\">");
	for (size_t b = 0; b < seg->nbuckets; b++) {
		const struct vo_cell *cell = &ct->cells[seg->cell_base + b];
		const uint64_t *v = vals + b * (n + 1);
		const char *bname = seg->buckets[b].name;

		putf(p, "<g class=\"bucket\" data-bucket=\"");
		put_esc(p, bname);
		putf(p, "\"><text class=\"bh\" x=\"0\" y=\"%d\">", y + 15);
		put_esc(p, bname);
		putf(p, "<tspan class=\"muted\" dx=\"8\">");
		put_count(p, cell->rows);
		put(p, " rows");
		if (cell->has_voucher)
			putf(p, " &#183; most used %" PRId64, cell->voucher);
		put(p, "</tspan></text>");
		y += CH_HEAD;
		if (!cell->rows) {
			putf(p, "<text class=\"muted\" x=\"%d\" y=\"%d\">empty", CH_BAR_X, y + 11);
			if (ct->fallback.has_voucher)
				putf(p, " &#8594; fallback %" PRId64, ct->fallback.voucher);
			else
				put(p, ", no fallback (no kept rows)");
			put(p, "</text>");
			y += CH_ROW;
		}
		for (size_t i = 0; cell->rows && i < nser; i++) {
			double w;
			bool top;

			if (!shown[i])
				continue;
			w = max ? (double)CH_BAR_MAX * (double)v[i] / (double)max : 0.0;
			if (v[i] && w < 1.0)
				w = 1.0;
			top = i < n && cell->has_voucher && s[i].amount == cell->voucher;
			putf(p, "<text class=\"al%s\" x=\"%d\" y=\"%d\" text-anchor=\"end\">",
			     top ? " top" : "", CH_LABEL_X, y + 10);
			put_amount_label(p, s, n, i);
			put(p, "</text>");
			if (v[i]) {
				put(p, "<rect class=\"bar\" data-amount=\"");
				put_amount_label(p, s, n, i);
				putf(p,
				     "\" data-rows=\"%" PRIu64
				     "\" x=\"%d\" y=\"%d\" width=\"%.2f\" "
				     "height=\"%d\" rx=\"2\" fill=\"%s\"><title>",
				     v[i], CH_BAR_X, y, w, CH_BAR_H,
				     i < n ? palette[i] : other_color);
				put_esc(p, bname);
				put(p, ", voucher ");
				put_amount_label(p, s, n, i);
				put(p, ": ");
				put_count(p, v[i]);
				put(p, " rows</title></rect>");
			}
			putf(p, "<text class=\"cl%s\" x=\"%.2f\" y=\"%d\">", top ? " top" : "",
			     (double)CH_BAR_X + w + 5.0, y + 10);
			put_count(p, v[i]);
			put(p, " <tspan class=\"muted\">");
			put_pct(p, v[i], cell->rows);
			put(p, "</tspan></text>");
			y += CH_ROW;
		}
		put(p, "</g>");
		y += CH_GAP;
	}
	put(p, "</svg>");
	vo_free(vals);
	vo_free(shown);
	return VO_OK;
}

static void put_range(struct page *p, const struct vo_segdef *seg, const struct vo_bucket *bk)
{
	put_esc(p, vo_seg_field_name(seg->field));
	if (bk->open)
		putf(p, " &#8805; %" PRId64, bk->min);
	else
		putf(p, " %" PRId64 " to %" PRId64, bk->min, bk->max);
}

/* One segment of one country: its table and its chart. */
static void put_segment(struct page *p, const struct vo_country_table *ct,
			const struct vo_segdef *seg, const struct series *s, size_t n, bool other)
{
	put(p, "<div class=\"segment\" data-segment=\"");
	put_esc(p, seg->name);
	put(p, "\"><h3>");
	put_esc(p, seg->name);
	put(p, " <small>by ");
	put_esc(p, vo_seg_field_name(seg->field));
	put(p, "</small></h3><table class=\"buckets\"><thead><tr><th>bucket</th>"
	       "<th class=\"num\">rows</th><th class=\"num\">share</th>"
	       "<th>most used voucher</th></tr></thead><tbody>");
	for (size_t b = 0; b < seg->nbuckets; b++) {
		const struct vo_cell *cell = &ct->cells[seg->cell_base + b];
		const struct vo_bucket *bk = &seg->buckets[b];
		bool fb = !cell->has_voucher;

		put(p, "<tr data-bucket=\"");
		put_esc(p, bk->name);
		putf(p, "\" data-rows=\"%" PRIu64 "\"", cell->rows);
		if (cell->has_voucher)
			putf(p, " data-voucher=\"%" PRId64 "\"", cell->voucher);
		else if (ct->fallback.has_voucher)
			putf(p, " data-voucher=\"%" PRId64 "\"", ct->fallback.voucher);
		putf(p, " data-fallback=\"%s\"%s><td class=\"b\" title=\"", fb ? "true" : "false",
		     fb ? " class=\"empty\"" : "");
		put_range(p, seg, bk);
		put(p, "\">");
		put_esc(p, bk->name);
		put(p, "</td><td class=\"num rows\">");
		put_count(p, cell->rows);
		put(p, "</td><td class=\"num\">");
		put_pct(p, cell->rows, ct->rows);
		put(p, "</td><td class=\"voucher\">");
		if (cell->has_voucher) {
			putf(p, "<b>%" PRId64 "</b> <small>", cell->voucher);
			put_count(p, cell->voucher_rows);
			put(p, " rows</small>");
		} else if (ct->fallback.has_voucher) {
			putf(p, "<b>%" PRId64 "</b> <span class=\"fb\">fallback</span>",
			     ct->fallback.voucher);
		} else {
			put(p, "none <span class=\"fb\">no kept rows</span>");
		}
		put(p, "</td></tr>");
	}
	put(p, "</tbody></table>");
	if (!p->rc)
		p->rc = put_chart(p, ct, seg, s, n, other);
	put(p, "</div>");
}

static int put_country(struct page *p, const struct vo_artifact *a, size_t ci)
{
	const struct vo_country_table *ct = &a->countries[ci];
	struct series *s = NULL;
	size_t n = 0;
	bool other = false;
	int rc;

	rc = country_series(a, ct, &s, &n, &other);
	if (rc)
		return rc;
	putf(p, "<section class=\"country card\" id=\"country-%zu\" data-country=\"", ci);
	put_esc(p, ct->name);
	putf(p, "\" data-rows=\"%" PRIu64 "\"><h2>", ct->rows);
	put_esc(p, ct->name);
	put(p, "</h2><p class=\"sub\">");
	put_count(p, ct->rows);
	put(p, " kept rows &#183; ");
	if (ct->fallback.has_voucher) {
		putf(p, "fallback voucher <b class=\"fallback\">%" PRId64 "</b> (",
		     ct->fallback.voucher);
		put_count(p, ct->fallback.voucher_rows);
		put(p, " rows), answered for an empty bucket");
	} else {
		put(p, "no fallback voucher (no kept rows)");
	}
	put(p, "</p><div class=\"grid2\">");
	for (size_t sg = 0; sg < a->config.nsegs && !p->rc; sg++)
		put_segment(p, ct, &a->config.segs[sg], s, n, other);
	put(p, "</div></section>\n");
	vo_free(s);
	return p->rc;
}

/* Human names of the drop reasons, in enum vo_outcome order. */
static const char *const drop_labels[VO_OUT_KEPT] = {
	"not a selected country",  "invalid timestamp",	     "invalid total_orders",
	"missing voucher_amount",  "invalid voucher_amount", "first order after last order",
	"order before last order",
};

static void funnel_row(struct page *p, const char *stage, const char *cls, const char *label,
		       const char *sign, uint64_t v, uint64_t whole)
{
	putf(p,
	     "<tr data-stage=\"%s\" data-rows=\"%" PRIu64 "\" class=\"%s%s\" title=\"%s\"><th>%s"
	     "</th><td class=\"num\">%s",
	     stage, v, cls, v ? "" : " zero", stage, label, v ? sign : "");
	put_count(p, v);
	put(p, "</td><td class=\"num\">");
	put_pct(p, v, whole);
	putf(p, "</td><td class=\"bar\"><span style=\"width:%.2f%%\"></span></td></tr>",
	     whole ? 100.0 * (double)v / (double)whole : 0.0);
}

static void put_quality(struct page *p, const struct vo_artifact *a)
{
	const struct vo_quality *q = &a->quality;

	put(p, "<section class=\"card\" id=\"quality\"><h2>Data quality</h2>"
	       "<p class=\"sub\">Every row read ends in one outcome: dropped for the first check "
	       "it fails (in this order), or kept.</p><table class=\"funnel\"><tbody>");
	funnel_row(p, "rows_read", "total", "rows read", "", q->rows_read, q->rows_read);
	for (int o = 0; o < VO_OUT_KEPT; o++)
		funnel_row(p, vo_outcome_name((enum vo_outcome)o), "drop", drop_labels[o],
			   "&#8722;", q->dropped[o], q->rows_read);
	funnel_row(p, "rows_kept", "kept", "rows kept", "", q->rows_kept, q->rows_read);
	put(p, "</tbody></table><table class=\"notes\"><tbody>");
	put(p, "<tr data-stage=\"missing_total_orders\" title=\"missing_total_orders\"><th>kept "
	       "rows without total_orders <small>(in no total_orders segment)</small></th>"
	       "<td class=\"num\">");
	put_count(p, q->missing_total_orders);
	put(p, "</td></tr>");
	for (size_t s = 0; s < a->config.nsegs; s++) {
		put(p, "<tr data-stage=\"outside_buckets\" data-segment=\"");
		put_esc(p, a->config.segs[s].name);
		put(p, "\" title=\"outside_buckets\"><th>kept rows outside every bucket of ");
		put_esc(p, a->config.segs[s].name);
		put(p, "</th><td class=\"num\">");
		put_count(p, a->outside ? a->outside[s] : 0);
		put(p, "</td></tr>");
	}
	put(p, "</tbody></table></section>\n");
}

static void put_sources(struct page *p, const struct vo_artifact *a)
{
	put(p, "<section class=\"card\" id=\"sources\"><h2>Sources</h2><table class=\"sources\">"
	       "<thead><tr><th>file</th><th class=\"num\">bytes</th><th class=\"num\">rows</th>"
	       "<th class=\"sha\">sha256</th></tr></thead><tbody>");
	for (size_t i = 0; i < a->nsources; i++) {
		const struct vo_source *src = &a->sources[i];

		put(p, "<tr class=\"source\"><td class=\"path\">");
		put_esc(p, src->path);
		put(p, "</td><td class=\"num\">");
		put_count(p, src->bytes);
		put(p, "</td><td class=\"num\">");
		put_count(p, src->rows);
		putf(p, "</td><td class=\"sha\"><code title=\"%s\">%.12s&#8230;</code></td></tr>",
		     src->sha256, src->sha256);
	}
	put(p, "</tbody></table></section>\n");
}

/* One line per country: kept rows, share, fallback voucher. */
static void put_countries(struct page *p, const struct vo_artifact *a)
{
	put(p, "<section class=\"card\" id=\"countries\"><h2>Countries</h2><table "
	       "class=\"countries\"><thead><tr><th>country</th><th class=\"num\">kept rows</th>"
	       "<th class=\"num\">share</th><th>fallback voucher</th></tr></thead><tbody>");
	for (size_t i = 0; i < a->ncountries; i++) {
		const struct vo_country_table *ct = &a->countries[i];

		putf(p, "<tr><td><a href=\"#country-%zu\">", i);
		put_esc(p, ct->name);
		put(p, "</a></td><td class=\"num\">");
		put_count(p, ct->rows);
		put(p, "</td><td class=\"num\">");
		put_pct(p, ct->rows, a->quality.rows_kept);
		if (ct->fallback.has_voucher)
			putf(p, "</td><td><b>%" PRId64 "</b></td></tr>", ct->fallback.voucher);
		else
			put(p, "</td><td>none</td></tr>");
	}
	put(p, "</tbody></table></section>\n");
}

static const char style[] =
	"<style>\n"
	":root{--bg:#f4f6f9;--card:#fff;--fg:#1d2330;--muted:#5f6878;--line:#e2e6ec;"
	"--accent:#2f6fdf;--drop:#d9534f;--kept:#2e9d5b}\n"
	"@media (prefers-color-scheme:dark){:root{--bg:#12151a;--card:#1b1f26;--fg:#e6e9ee;"
	"--muted:#9aa3b2;--line:#2c323c;--accent:#6ea0ff}}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:var(--bg);color:var(--fg);"
	"font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
	"sans-serif}\n"
	"header,main,footer{max-width:1240px;margin:0 auto;padding:16px}\n"
	"header{padding-bottom:4px}\n"
	"h1{font-size:1.5rem;margin:0 0 10px}h1 small{font-size:.9rem}\n"
	"h2{font-size:1.25rem;margin:0 0 4px}h3{font-size:1rem;margin:0 0 8px}\n"
	"small,.sub{color:var(--muted);font-weight:normal}.sub{margin:0 0 12px}\n"
	".meta{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}\n"
	".meta div{min-width:0}\n"
	".meta dt{font-size:.72rem;text-transform:uppercase;letter-spacing:.05em;"
	"color:var(--muted)}\n"
	".meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}\n"
	"nav{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}\n"
	"nav a{padding:3px 12px;border-radius:999px;background:var(--card);"
	"border:1px solid var(--line);color:var(--accent);text-decoration:none}\n"
	".card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
	"padding:16px;margin-bottom:16px}\n"
	".grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,460px),1fr));"
	"gap:16px 28px}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
	"vertical-align:baseline}\n"
	"thead th{font-size:.72rem;text-transform:uppercase;letter-spacing:.05em;"
	"color:var(--muted)}\n"
	"tbody th{font-weight:normal}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"tr.empty td{color:var(--muted)}tr.empty td b{color:var(--fg)}\n"
	".fb{display:inline-block;padding:0 6px;border-radius:4px;background:#fff1c2;"
	"color:#6b5000;font-size:.75rem;font-weight:600}\n"
	".funnel .bar{width:35%}\n"
	".funnel .bar span{display:block;height:10px;min-width:1px;border-radius:3px;"
	"background:var(--accent)}\n"
	".funnel tr.drop .bar span{background:var(--drop)}\n"
	".funnel tr.kept .bar span{background:var(--kept)}\n"
	".funnel tr.kept th,.funnel tr.total th{font-weight:600}\n"
	".funnel tr.zero{color:var(--muted)}.funnel tr.zero .bar span{display:none}\n"
	".notes{margin-top:12px}.overview{align-items:start}.overview .card{margin-bottom:0}\n"
	".overview{margin-bottom:16px}.stack{display:grid;gap:16px;align-content:start}\n"
	"svg.chart{display:block;width:100%;max-width:460px;height:auto;margin-top:12px}\n"
	"svg text{fill:var(--fg);font-size:12px;font-variant-numeric:tabular-nums}\n"
	"svg .muted{fill:var(--muted)}svg .bh{font-weight:700}svg .top{font-weight:700}\n"
	"code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}\n"
	".sources td.path{overflow-wrap:anywhere}\n"
	"footer{color:var(--muted);font-size:.8rem}footer code{word-break:break-all}\n"
	"@media (max-width:640px){body{font-size:14px}header,main,footer{padding:10px}"
	".card{padding:12px}th,td{padding:4px}.funnel .bar{width:22%}"
	".funnel th small{display:none}.sources .sha{display:none}}\n"
	"</style>\n";

/*
 * The age ticks from data-built-ms; on the served page (data-live="1") GET
 * /ready is polled and a new version reloads the page.
 */
static const char script[] =
	"<script>\n"
	"(function () {\n"
	"  var root = document.documentElement;\n"
	"  var built = Number(root.getAttribute('data-built-ms'));\n"
	"  function age(s) {\n"
	"    s = Math.max(0, Math.floor(s));\n"
	"    if (s < 60) return s + ' s';\n"
	"    var m = Math.floor(s / 60);\n"
	"    if (m < 60) return m + ' min';\n"
	"    var h = Math.floor(m / 60);\n"
	"    if (h < 48) return h + ' h ' + (m % 60) + ' min';\n"
	"    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';\n"
	"  }\n"
	"  function tick() {\n"
	"    var el = document.getElementById('age');\n"
	"    if (el && built) el.textContent = age((Date.now() - built) / 1000);\n"
	"  }\n"
	"  tick();\n"
	"  setInterval(tick, 5000);\n"
	"  if (root.getAttribute('data-live') !== '1') return;\n"
	"  var version = root.getAttribute('data-version');\n"
	"  setInterval(function () {\n"
	"    fetch('/ready', { cache: 'no-store' }).then(function (r) { return r.json(); })\n"
	"      .then(function (j) { if (j && j.version && j.version !== version) "
	"location.reload(); })\n"
	"      .catch(function () {});\n"
	"  }, 2000);\n"
	"})();\n"
	"</script>\n";

const char vo_dashboard_not_ready_html[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	"<title>vouch: not ready</title>"
	"<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:3em auto;"
	"padding:0 1em;color:#1d2330}</style></head>\n"
	"<body><h1>vouch</h1><p id=\"not-ready\">No segments artifact is loaded yet. This page "
	"reloads itself once one is.</p>\n"
	"<script>setInterval(function () { fetch('/ready', { cache: 'no-store' })"
	".then(function (r) { if (r.ok) location.reload(); }).catch(function () {}); }, 2000);"
	"</script></body></html>\n";

int vo_dashboard_render(const struct vo_artifact *a, const struct vo_dashboard_opts *opt,
			struct vo_buf *out)
{
	struct page p = { .b = out, .rc = VO_OK };
	int64_t built_us = 0;
	bool has_built = vo_ts_parse(vo_str_cstr(a->built_at), &built_us);
	char now[32];

	vo_ts_format(opt->now_us, now);
	now[10] = 'T';
	now[19] = '\0'; /* whole seconds */
	putf(&p, "<!DOCTYPE html>\n<html lang=\"en\" data-version=\"%s\" data-live=\"%d\"",
	     a->version, opt->live ? 1 : 0);
	if (has_built)
		putf(&p, " data-built-ms=\"%" PRId64 "\"", built_us / 1000);
	put(&p, ">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<link rel=\"icon\" href=\"data:,\">\n");
	putf(&p, "<title>vouch segments %.12s</title>\n", a->version);
	put(&p, style);
	put(&p, "</head>\n<body>\n<header><h1>vouch segments <small>");
	put(&p, opt->live ? "live: reloads when a new version is loaded"
			  : "report: a snapshot of one artifact");
	put(&p, "</small></h1><dl class=\"meta\">");
	putf(&p, "<div><dt>version</dt><dd><code id=\"version\">%s</code></dd></div>", a->version);
	put(&p, "<div><dt>built</dt><dd id=\"built-at\">");
	put_esc(&p, a->built_at);
	put(&p, "</dd></div><div><dt>age</dt><dd id=\"age\">");
	if (has_built)
		put_age(&p, (opt->now_us - built_us) / 1000000);
	else
		put(&p, "unknown");
	put(&p, "</dd></div><div><dt>rows kept</dt><dd>");
	put_count(&p, a->quality.rows_kept);
	put(&p, " of ");
	put_count(&p, a->quality.rows_read);
	putf(&p, "</dd></div><div><dt>countries</dt><dd>%zu</dd></div>", a->ncountries);
	put(&p, "<div><dt>sources</dt><dd id=\"source-list\">");
	for (size_t i = 0; i < a->nsources; i++) {
		if (i)
			put(&p, ", ");
		put_esc(&p, a->sources[i].path);
	}
	put(&p, "</dd></div></dl><nav><a href=\"#quality\">data quality</a>");
	for (size_t i = 0; i < a->ncountries; i++) {
		putf(&p, "<a href=\"#country-%zu\">", i);
		put_esc(&p, a->countries[i].name);
		put(&p, "</a>");
	}
	put(&p, "</nav>"
		"</header>\n<main>\n");
	put(&p, "<div class=\"grid2 overview\">");
	put_quality(&p, a);
	put(&p, "<div class=\"stack\">");
	put_countries(&p, a);
	put_sources(&p, a);
	put(&p, "</div></div>\n");
	for (size_t i = 0; i < a->ncountries && !p.rc; i++)
		put_country(&p, a, i);
	putf(&p, "</main>\n<footer>Rendered by vouch %s at %sZ from artifact <code>%s</code>.",
	     VOUCH_VERSION, now, a->version);
	if (opt->live)
		put(&p, " <a href=\"/segments\">JSON</a> &#183; <a href=\"/openapi.json\">API</a>"
			" &#183; <a href=\"/metrics\">metrics</a>");
	put(&p, "</footer>\n");
	put(&p, script);
	put(&p, "</body>\n</html>\n");
	return p.rc;
}
