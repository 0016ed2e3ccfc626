/*
 * voucher.c - the answer to one voucher request (SPEC section 5), see
 * voucher.h for the rules.
 *
 * A request is judged into a struct verdict first (status, error or match)
 * and written out second, so the single and the batch routes share every
 * check and differ only in the envelope.  The judging walks the request's
 * members once; the only allocations are cJSON's parse tree.
 */
#include "core/common.h"

#include <math.h>

#include "api/voucher.h"
#include "core/civil.h"
#include "core/json.h"
#include "core/json_read.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "model/value.h"

/* |customer_id| as a JSON integer: JavaScript's Number.MAX_SAFE_INTEGER, 2^53 - 1. */
#define CUSTOMER_INT_MAX 9007199254740991.0

/* How user text is quoted in messages: at most this many bytes of it. */
#define QUOTE_MAX 64

/* The members of a request that matter; NULL when absent or null. */
struct fields {
	const cJSON *customer_id;
	const cJSON *country_code;
	const cJSON *segment_name;
	const cJSON *total_orders;
	const cJSON *total_order; /* the original service's name of total_orders */
	const cJSON *last_order_ts;
	const cJSON *first_order_ts;
	const cJSON *as_of;
};

/* The judgement of one request. */
struct verdict {
	int status;	       /* 200, 400, 404 or 422; -1: out of memory */
	const char *code;      /* error code, when status is not 200 */
	const char *field;     /* the field at fault, or NULL */
	char msg[320];	       /* error message */
	const cJSON *customer; /* 200: the customer_id as given (number or string) */
	int64_t customer_int;  /* 200: its value when it is a number */
	const char *segment;   /* 200: the segment's name */
	struct vo_match m;     /* 200: the answer */
};

static VO_PRINTF(4, 5) int refuse(struct verdict *v, int status, const char *field, const char *fmt,
				  ...)
{
	va_list ap;

	v->status = status;
	v->field = field;
	switch (status) {
	case 400:
		v->code = "invalid_json";
		break;
	case 422:
		v->code = "invalid_request";
		break;
	default:
		v->code = "not_found";
		break;
	}
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	return status;
}

/*
 * Collects the known members of req.  A member given twice is refused (its
 * meaning would depend on which copy a parser keeps); unknown members are
 * ignored; null is the same as absent.
 */
static int gather(const cJSON *req, struct fields *f, struct verdict *v)
{
	static const char *const names[] = { "customer_id",    "country_code", "segment_name",
					     "total_orders",   "total_order",  "last_order_ts",
					     "first_order_ts", "as_of" };
	const cJSON **slots[VO_ARRAY_SIZE(names)];
	bool seen[VO_ARRAY_SIZE(names)] = { false };
	const cJSON *item;
	size_t i;

	memset(f, 0, sizeof(*f));
	slots[0] = &f->customer_id;
	slots[1] = &f->country_code;
	slots[2] = &f->segment_name;
	slots[3] = &f->total_orders;
	slots[4] = &f->total_order;
	slots[5] = &f->last_order_ts;
	slots[6] = &f->first_order_ts;
	slots[7] = &f->as_of;
	cJSON_ArrayForEach(item, req)
	{
		if (!item->string)
			continue;
		for (i = 0; i < VO_ARRAY_SIZE(names); i++)
			if (!strcmp(item->string, names[i]))
				break;
		if (i == VO_ARRAY_SIZE(names))
			continue;
		if (seen[i])
			return refuse(v, 422, names[i], "%s is given twice", names[i]);
		seen[i] = true;
		if (!cJSON_IsNull(item))
			*slots[i] = item;
	}
	return 0;
}

static int judge_customer(const cJSON *c, struct verdict *v)
{
	static const char want[] = "customer_id must be an integer or a non-empty string";
	double d;

	if (!c)
		return refuse(v, 422, "customer_id", "customer_id is required");
	v->customer = c;
	if (cJSON_IsString(c)) {
		struct vo_str s = vo_str_cstr(c->valuestring);

		if (!vo_str_trim(s).len)
			return refuse(v, 422, "customer_id", "%s", want);
		if (s.len > VO_API_CUSTOMER_ID_MAX)
			return refuse(v, 422, "customer_id",
				      "customer_id must be at most %d bytes long",
				      VO_API_CUSTOMER_ID_MAX);
		return 0;
	}
	if (!cJSON_IsNumber(c))
		return refuse(v, 422, "customer_id", "%s", want);
	d = c->valuedouble;
	if (!isfinite(d) || d != floor(d) || fabs(d) > CUSTOMER_INT_MAX)
		return refuse(v, 422, "customer_id",
			      "customer_id must be a whole number from -9007199254740991 to "
			      "9007199254740991, or a non-empty string");
	v->customer_int = (int64_t)d;
	return 0;
}

/* Reads a total_orders value: a whole number >= 0 as a JSON number or a string. */
static enum vo_num_class read_total(const cJSON *t, int64_t *out)
{
	if (cJSON_IsNumber(t))
		return vo_num_from_f64(t->valuedouble, out);
	if (cJSON_IsString(t))
		return vo_num_parse(vo_str_cstr(t->valuestring), out);
	return VO_NUM_INVALID;
}

/*
 * total_orders and its alias total_order: each validated when present (an
 * empty string is absent, as in the pipeline); both given must agree.
 * *has tells whether a value was found.
 */
static int judge_total(const struct fields *f, const struct vo_segdef *seg, int64_t *total,
		       bool *has, struct verdict *v)
{
	const cJSON *given[2] = { f->total_orders, f->total_order };
	static const char *const names[2] = { "total_orders", "total_order" };
	int64_t val[2] = { 0, 0 };
	bool ok[2] = { false, false };
	size_t i;

	for (i = 0; i < 2; i++) {
		enum vo_num_class k;

		if (!given[i])
			continue;
		k = read_total(given[i], &val[i]);
		if (k == VO_NUM_MISSING)
			continue;
		if (k != VO_NUM_WHOLE)
			return refuse(v, 422, names[i], "%s must be a whole number >= 0", names[i]);
		ok[i] = true;
	}
	if (ok[0] && ok[1] && val[0] != val[1])
		return refuse(v, 422, "total_orders",
			      "total_orders (%" PRId64 ") and its alias total_order (%" PRId64
			      ") disagree",
			      val[0], val[1]);
	*has = ok[0] || ok[1];
	*total = ok[0] ? val[0] : val[1];
	if (!*has && seg->field == VO_FIELD_TOTAL_ORDERS)
		return refuse(v, 422, "total_orders", "total_orders is required for segment '%s'",
			      seg->name);
	return 0;
}

/* A timestamp member (SPEC section 1's grammar), when present. */
static int judge_ts(const cJSON *t, const char *name, int64_t *us, bool *has, struct verdict *v)
{
	*has = false;
	if (!t)
		return 0;
	if (!cJSON_IsString(t) || !vo_ts_parse(vo_str_cstr(t->valuestring), us))
		return refuse(v, 422, name,
			      "%s must be a timestamp string such as \"2018-05-03 00:00:00\" or "
			      "\"2018-05-03\"",
			      name);
	*has = true;
	return 0;
}

/* A required non-empty string member. */
static int judge_name(const cJSON *s, const char *name, struct verdict *v)
{
	if (!s)
		return refuse(v, 422, name, "%s is required", name);
	if (!cJSON_IsString(s))
		return refuse(v, 422, name, "%s must be a string", name);
	if (!vo_str_trim(vo_str_cstr(s->valuestring)).len)
		return refuse(v, 422, name, "%s must not be empty", name);
	return 0;
}

static int unknown_segment(const struct vo_table *t, const char *name, struct verdict *v)
{
	const struct vo_artifact *a = vo_table_artifact(t);
	char list[192];
	size_t len = 0;
	size_t s;

	list[0] = '\0';
	for (s = 0; s < a->config.nsegs && len < sizeof(list); s++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s%s", s ? ", " : "",
				 a->config.segs[s].name);

		if (n < 0)
			break;
		len += (size_t)n;
	}
	return refuse(v, 422, "segment_name", "unknown segment '%.*s' (expected one of: %s)",
		      QUOTE_MAX, name, list);
}

/* Why last_order_ts may not be after the reference time, in words. */
static const char *reference_name(bool request_as_of, const struct vo_voucher_ctx *ctx)
{
	if (request_as_of)
		return "as_of";
	return ctx->has_as_of ? "the server's --as-of" : "today";
}

/* Judges one request object; returns v->status. */
static int judge(const struct vo_voucher_ctx *ctx, const cJSON *req, struct verdict *v)
{
	const struct vo_segdef *seg;
	struct fields f;
	int64_t total = 0;
	int64_t last_us = 0;
	int64_t first_us = 0;
	int64_t as_of_us = 0;
	int64_t ref_us;
	int64_t value;
	bool has_total = false;
	bool has_last = false;
	bool has_first = false;
	bool has_as_of = false;
	ptrdiff_t ci;
	char d1[16];
	char d2[16];

	memset(v, 0, sizeof(*v));
	v->status = 200;
	if (!cJSON_IsObject(req))
		return refuse(v, 400, NULL, "the request must be a JSON object");
	if (gather(req, &f, v) || judge_customer(f.customer_id, v) ||
	    judge_name(f.country_code, "country_code", v) ||
	    judge_name(f.segment_name, "segment_name", v))
		return v->status;
	if (!f.country_code || !f.segment_name) /* not reached: judge_name() refused them */
		return refuse(v, 422, NULL, "country_code and segment_name are required");
	seg = vo_table_segment(ctx->table, vo_str_cstr(f.segment_name->valuestring));
	if (!seg)
		return unknown_segment(ctx->table, f.segment_name->valuestring, v);
	if (judge_total(&f, seg, &total, &has_total, v) ||
	    judge_ts(f.last_order_ts, "last_order_ts", &last_us, &has_last, v) ||
	    judge_ts(f.first_order_ts, "first_order_ts", &first_us, &has_first, v) ||
	    judge_ts(f.as_of, "as_of", &as_of_us, &has_as_of, v))
		return v->status;
	if (!has_last && seg->field == VO_FIELD_DAYS_SINCE_LAST_ORDER)
		return refuse(v, 422, "last_order_ts", "last_order_ts is required for segment '%s'",
			      seg->name);
	if (has_first && has_last && vo_us_to_days(first_us) > vo_us_to_days(last_us)) {
		vo_date_format(vo_us_to_days(first_us), d1);
		vo_date_format(vo_us_to_days(last_us), d2);
		return refuse(v, 422, "first_order_ts",
			      "first_order_ts (%s) is after last_order_ts (%s)", d1, d2);
	}
	ref_us = has_as_of ? as_of_us : ctx->has_as_of ? ctx->as_of_us : ctx->now_us;
	if (has_last && vo_us_to_days(last_us) > vo_us_to_days(ref_us)) {
		vo_date_format(vo_us_to_days(last_us), d1);
		vo_date_format(vo_us_to_days(ref_us), d2);
		return refuse(v, 422, "last_order_ts", "last_order_ts (%s) is after %s (%s)", d1,
			      reference_name(has_as_of, ctx), d2);
	}
	ci = vo_table_country(ctx->table, vo_str_cstr(f.country_code->valuestring));
	if (ci < 0) {
		refuse(v, 404, NULL, "unknown country '%.*s': it is not in the loaded segments",
		       QUOTE_MAX, f.country_code->valuestring);
		v->code = "unknown_country";
		return 404;
	}
	if (seg->field == VO_FIELD_TOTAL_ORDERS)
		value = total;
	else
		value = vo_us_to_days(ref_us) - vo_us_to_days(last_us);
	v->segment = seg->name;
	switch (vo_table_lookup(ctx->table, (size_t)ci, seg, value, &v->m)) {
	case VO_LOOKUP_OK:
		return 200;
	case VO_LOOKUP_NO_BUCKET:
		refuse(v, 404, NULL, "%s %" PRId64 " is in no bucket of segment '%s'",
		       vo_seg_field_name(seg->field), value, seg->name);
		break;
	case VO_LOOKUP_NO_VOUCHER:
		refuse(v, 404, NULL,
		       "bucket '%s' of segment '%s' is empty and country '%s' has no vouchers to "
		       "fall back on",
		       v->m.bucket, seg->name, v->m.country);
		break;
	}
	v->code = "no_matching_bucket";
	return 404;
}

/* Writes {"code", "message", "field"?} (the value of "error"). */
static void write_error_object(struct vo_json *j, const char *code, const char *message,
			       const char *field)
{
	vo_json_object_begin(j);
	vo_json_key(j, "code");
	vo_json_str(j, code);
	vo_json_key(j, "message");
	vo_json_str(j, message);
	if (field) {
		vo_json_key(j, "field");
		vo_json_str(j, field);
	}
	vo_json_object_end(j);
}

/* Writes the 200 body, or the error body (with "status" inside a batch). */
static void write_verdict(struct vo_json *j, const struct verdict *v, bool batch)
{
	vo_json_object_begin(j);
	if (v->status != 200) {
		vo_json_key(j, "error");
		write_error_object(j, v->code, v->msg, v->field);
		if (batch) {
			vo_json_key(j, "status");
			vo_json_i64(j, v->status);
		}
		vo_json_object_end(j);
		return;
	}
	vo_json_key(j, "customer_id");
	if (cJSON_IsString(v->customer))
		vo_json_str(j, v->customer->valuestring);
	else
		vo_json_i64(j, v->customer_int);
	vo_json_key(j, "country_code");
	vo_json_str(j, v->m.country);
	vo_json_key(j, "segment_name");
	vo_json_str(j, v->segment);
	vo_json_key(j, "bucket");
	vo_json_str(j, v->m.bucket);
	vo_json_key(j, "voucher_amount");
	vo_json_i64(j, v->m.voucher);
	vo_json_key(j, "fallback");
	vo_json_bool(j, v->m.fallback);
	vo_json_object_end(j);
}

int vo_api_error(struct vo_buf *out, const char *code, const char *message, const char *field)
{
	struct vo_json j;

	vo_json_init(&j, out, false);
	vo_json_object_begin(&j);
	vo_json_key(&j, "error");
	write_error_object(&j, code, message, field);
	vo_json_object_end(&j);
	return vo_json_status(&j);
}

/*
 * Parses a body that must be one JSON object with nothing but white space
 * after it (core/json_read.h).  NULL with v set to the 400 on failure, or
 * with v->status -1 when memory ran out.
 */
static cJSON *parse_body(const char *body, size_t len, struct verdict *v)
{
	struct vo_json_error why;
	cJSON *doc;
	int rc;

	memset(v, 0, sizeof(*v));
	if (!body || !len || !vo_str_trim(vo_str_make(body, len)).len) {
		refuse(v, 400, NULL, "the body is empty: expected a JSON object");
		return NULL;
	}
	rc = vo_json_parse(body, len, &doc, &why);
	if (rc == VO_ENOMEM) {
		/* Out of memory: not the client's mistake (-1, a 500). */
		v->status = -1;
		return NULL;
	}
	if (rc) {
		switch (why.fault) {
		case VO_JSON_CONTROL:
			refuse(v, 400, NULL,
			       "the body is not valid JSON (control byte 0x%02x at byte %zu)",
			       why.byte, why.at);
			break;
		case VO_JSON_TRAILING:
			refuse(v, 400, NULL,
			       "the body is not valid JSON (unexpected text after the value at "
			       "byte %zu)",
			       why.at);
			break;
		case VO_JSON_SYNTAX:
			refuse(v, 400, NULL, "the body is not valid JSON (error at byte %zu)",
			       why.at);
			break;
		}
		return NULL;
	}
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		refuse(v, 400, NULL, "the body must be a JSON object");
		return NULL;
	}
	return doc;
}

/* Writes v as the whole body and returns its status, or -1 when out cannot grow. */
/*
 * The 200 body of a single request, written directly: the same bytes as
 * write_verdict() with fixed keys as literals (the hot path of the API).
 */
static int write_answer(struct vo_buf *out, const struct verdict *v)
{
	int rc = vo_buf_grow(out, 192);

	rc |= vo_buf_addstr(out, "{\"customer_id\":");
	if (cJSON_IsString(v->customer))
		rc |= vo_json_escape(out, vo_str_cstr(v->customer->valuestring));
	else
		rc |= vo_buf_add_i64(out, v->customer_int);
	rc |= vo_buf_addstr(out, ",\"country_code\":");
	rc |= vo_json_escape(out, vo_str_cstr(v->m.country));
	rc |= vo_buf_addstr(out, ",\"segment_name\":");
	rc |= vo_json_escape(out, vo_str_cstr(v->segment));
	rc |= vo_buf_addstr(out, ",\"bucket\":");
	rc |= vo_json_escape(out, vo_str_cstr(v->m.bucket));
	rc |= vo_buf_addstr(out, ",\"voucher_amount\":");
	rc |= vo_buf_add_i64(out, v->m.voucher);
	rc |= vo_buf_addstr(out, v->m.fallback ? ",\"fallback\":true}" : ",\"fallback\":false}");
	return rc;
}

static int finish(struct vo_buf *out, const struct verdict *v)
{
	struct vo_json j;

	if (v->status < 0)
		return -1;
	if (v->status == 200)
		return write_answer(out, v) ? -1 : 200;
	vo_json_init(&j, out, false);
	write_verdict(&j, v, false);
	return vo_json_status(&j) ? -1 : v->status;
}

int vo_voucher_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		      struct vo_buf *out)
{
	struct verdict v;
	cJSON *doc = parse_body(body, len, &v);
	int status;

	if (doc)
		judge(ctx, doc, &v);
	status = finish(out, &v);
	cJSON_Delete(doc);
	return status;
}

int vo_vouchers_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		       struct vo_buf *out)
{
	const cJSON *customers = NULL;
	const cJSON *item;
	struct verdict v;
	struct vo_json j;
	cJSON *doc = parse_body(body, len, &v);
	int n = 0;
	int status;

	if (doc) {
		cJSON_ArrayForEach(item, doc)
		{
			if (!item->string || strcmp(item->string, "customers") != 0)
				continue;
			if (customers) {
				refuse(&v, 422, "customers", "customers is given twice");
				break;
			}
			customers = item;
		}
		if (!v.status && (!customers || cJSON_IsNull(customers)))
			refuse(&v, 422, "customers", "customers is required");
		else if (!v.status && !cJSON_IsArray(customers))
			refuse(&v, 422, "customers",
			       "customers must be an array of request objects");
		else if (!v.status)
			n = cJSON_GetArraySize(customers);
		if (!v.status && n > VO_BATCH_MAX)
			refuse(&v, 422, "customers",
			       "customers holds %d requests; at most %d are allowed", n,
			       VO_BATCH_MAX);
	}
	if (v.status) {
		status = finish(out, &v);
		cJSON_Delete(doc);
		return status;
	}
	vo_json_init(&j, out, false);
	vo_json_object_begin(&j);
	vo_json_key(&j, "results");
	vo_json_array_begin(&j);
	cJSON_ArrayForEach(item, customers)
	{
		judge(ctx, item, &v);
		write_verdict(&j, &v, true);
		if (vo_json_status(&j))
			break;
	}
	vo_json_array_end(&j);
	vo_json_object_end(&j);
	cJSON_Delete(doc);
	return vo_json_status(&j) ? -1 : 200;
}
