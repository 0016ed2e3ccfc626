/*
 * voucher.c - the answer to one voucher request (SPEC section 5), see
 * voucher.h for the rules.
 *
 * A request is judged into a struct verdict first (status, the problems
 * found, or the match) and written out second, so the routes share every
 * check and differ only in the envelope: /voucher and each element of
 * /vouchers stop at the first problem and answer vouch's error body;
 * /voucher_amount (the proof of concept's contract) runs every check that
 * does not depend on a failed one and lists all the problems in FastAPI's
 * shape.  The body is parsed once into a core/json_doc.h document (the
 * thread's, reused); judging reads its nodes and allocates nothing.
 */
#include "core/common.h"

#include "core/jsonmem.h"
#include "api/voucher.h"
#include "model/artifact.h"
#include "model/value.h"
#include "core/civil.h"
#include "core/json.h"
#include "core/json_doc.h"
#include "core/limits.h"

/* |customer_id| as a JSON integer: JavaScript's Number.MAX_SAFE_INTEGER, 2^53 - 1. */
#define CUSTOMER_INT_MAX INT64_C(9007199254740991)

/* How user text is quoted in messages: at most this many bytes of it. */
#define QUOTE_MAX 64

/* Problems one request can have: one per member and a few across members. */
#define PROBLEMS_MAX 16

/* Which contract a request is judged and answered by. */
enum contract {
	CONTRACT_VOUCH, /* /voucher, /vouchers: the first problem answers, vouch's bodies */
	CONTRACT_POC,	/* /voucher_amount: every problem, FastAPI's bodies, fallback on a miss */
};

/* The members of a request that matter. */
enum member {
	M_CUSTOMER_ID,
	M_COUNTRY_CODE,
	M_SEGMENT_NAME,
	M_TOTAL_ORDERS,
	M_TOTAL_ORDER, /* the proof of concept's name of total_orders */
	M_LAST_ORDER_TS,
	M_FIRST_ORDER_TS,
	M_AS_OF,
	M_COUNT
};

#define NAME(s)                    \
	{                          \
		(s), sizeof(s) - 1 \
	}
static const struct vo_str member_names[M_COUNT] = {
	NAME("customer_id"), NAME("country_code"),  NAME("segment_name"),   NAME("total_orders"),
	NAME("total_order"), NAME("last_order_ts"), NAME("first_order_ts"), NAME("as_of"),
};
#undef NAME

struct fields {
	const struct vo_json_node *n[M_COUNT]; /* NULL when absent or null */
	bool twice[M_COUNT];		       /* given more than once (already a problem) */
};

/*
 * What is wrong with a member, as pydantic 1.x (the proof of concept's
 * FastAPI) would classify it: each kind has pydantic's type and message.
 */
enum problem_kind {
	P_MISSING,  /* value_error.missing: "field required" */
	P_NOT_INT,  /* type_error.integer */
	P_NOT_STR,  /* type_error.str */
	P_DATETIME, /* value_error.datetime */
	P_NOT_GE,   /* value_error.number.not_ge, limit */
	P_NOT_LE,   /* value_error.number.not_le, limit */
	P_MIN_LEN,  /* value_error.any_str.min_length, limit */
	P_MAX_LEN,  /* value_error.any_str.max_length, limit */
	P_VALUE,    /* value_error: vouch's message */
};

struct problem {
	const char *field; /* the member, as the client named it (static) */
	enum problem_kind kind;
	int64_t limit;
	char msg[200]; /* vouch's message */
};

/* Why the body itself is refused (before any member is looked at). */
enum body_fault {
	BODY_OK,
	BODY_EMPTY,	 /* no bytes at all */
	BODY_NOT_JSON,	 /* parse error, in pe */
	BODY_NOT_OBJECT, /* valid JSON, not an object */
	BODY_TOO_MANY,	 /* more than VO_API_JSON_VALUES_MAX values */
};

/* The judgement of one request. */
struct verdict {
	int status;	   /* 200, 400, 404, 413 or 422; -1: out of memory */
	const char *code;  /* vouch's error code, when status is not 200 */
	const char *field; /* the first problem's field, or NULL */
	char msg[320];	   /* vouch's message for the first error */
	enum body_fault body;
	struct vo_json_doc_error pe;	       /* BODY_NOT_JSON: where and why */
	struct problem problems[PROBLEMS_MAX]; /* the 422 problems found, in order */
	size_t nproblems;
	bool all;		/* look for every problem (CONTRACT_POC) */
	struct vo_str customer; /* 200: the customer_id string, or ptr NULL */
	int64_t customer_int;	/* 200: the customer_id number */
	const char *segment;	/* 200: the segment's name */
	struct vo_match m;	/* 200: the answer */
};

static void verdict_reset(struct verdict *v, bool all)
{
	v->status = 200;
	v->code = NULL;
	v->field = NULL;
	v->msg[0] = '\0';
	v->body = BODY_OK;
	v->nproblems = 0;
	v->all = all;
	v->customer = vo_str_make(NULL, 0);
	v->customer_int = 0;
	v->segment = NULL;
	memset(&v->m, 0, sizeof(v->m));
}

/* Sets a non-422 error (400, 404, 413); returns status. */
static VO_PRINTF(4, 5) int refuse(struct verdict *v, int status, const char *code, const char *fmt,
				  ...)
{
	va_list ap;

	v->status = status;
	v->code = code;
	v->field = NULL;
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
	return status;
}

/*
 * Records a 422 problem with field.  The first one also becomes vouch's
 * error.  Returns true when judging must stop here (one problem is enough
 * outside CONTRACT_POC).
 */
static VO_PRINTF(5, 6) bool problem(struct verdict *v, const char *field, enum problem_kind kind,
				    int64_t limit, const char *fmt, ...)
{
	struct problem *p = NULL;
	va_list ap;

	if (v->nproblems < PROBLEMS_MAX) {
		p = &v->problems[v->nproblems++];
		p->field = field;
		p->kind = kind;
		p->limit = limit;
		va_start(ap, fmt);
		vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
		va_end(ap);
	}
	if (v->status != 422) {
		v->status = 422;
		v->code = "invalid_request";
		v->field = field;
		va_start(ap, fmt);
		vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
		va_end(ap);
	}
	return !v->all;
}

/*
 * Copies at most QUOTE_MAX bytes of user text into dst for a message, with
 * control bytes written as \u00XX so that a NUL cannot cut the message.
 */
static const char *quote(char *dst, size_t cap, struct vo_str s)
{
	static const char hex[] = "0123456789abcdef";
	size_t w = 0;

	for (size_t i = 0; i < s.len && i < QUOTE_MAX && w + 7 < cap; i++) {
		unsigned char c = (unsigned char)s.ptr[i];

		if (c < 0x20 || c == 0x7f) {
			memcpy(dst + w, "\\u00", 4);
			dst[w + 4] = hex[c >> 4];
			dst[w + 5] = hex[c & 15];
			w += 6;
		} else {
			dst[w++] = (char)c;
		}
	}
	if (s.len > QUOTE_MAX && w + 4 < cap) {
		memcpy(dst + w, "...", 3);
		w += 3;
	}
	dst[w] = '\0';
	return dst;
}

static bool is_null(const struct vo_json_node *n)
{
	return n->type == VO_JSON_NULL;
}

/*
 * Collects the known members of the object at index root.  A member given
 * twice is a problem (its meaning would depend on which copy a parser
 * keeps); unknown members are ignored; null is the same as absent.
 * Returns true when judging must stop.
 */
static bool gather(const struct vo_json_doc *d, size_t root, struct fields *f, struct verdict *v)
{
	bool seen[M_COUNT] = { false };

	memset(f, 0, sizeof(*f));
	vo_json_each(d, root, i)
	{
		const struct vo_json_node *n = &d->nodes[i];
		size_t k;

		for (k = 0; k < M_COUNT; k++)
			if (n->key_len == member_names[k].len &&
			    !memcmp(n->key, member_names[k].ptr, n->key_len))
				break;
		if (k == M_COUNT)
			continue;
		if (seen[k]) {
			if (!f->twice[k]) {
				f->twice[k] = true;
				f->n[k] = NULL;
				if (problem(v, member_names[k].ptr, P_VALUE, 0, "%s is given twice",
					    member_names[k].ptr))
					return true;
			}
			continue;
		}
		seen[k] = true;
		if (!is_null(n))
			f->n[k] = n;
	}
	return false;
}

/*
 * A number node judged exactly from its text: *v is its value when it is a
 * whole number whose magnitude fits int64.  Returns the class.
 */
static enum vo_num_class number_value(const struct vo_json_node *n, int64_t *v)
{
	struct vo_str t = vo_json_view(n);
	bool neg = (n->flags & VO_JSON_NUM_NEG) != 0;
	enum vo_num_class k;
	int64_t mag = 0;

	if (neg) {
		t.ptr++;
		t.len--;
	}
	k = vo_num_parse(t, &mag);
	if (k == VO_NUM_WHOLE)
		*v = neg ? -mag : mag;
	return k;
}

/* Returns true when judging must stop. */
static bool judge_customer(const struct fields *f, struct verdict *v)
{
	static const char want[] = "customer_id must be an integer or a non-empty string";
	static const char range[] = "customer_id must be a whole number from -9007199254740991 to "
				    "9007199254740991, or a non-empty string";
	const struct vo_json_node *c = f->n[M_CUSTOMER_ID];
	int64_t val = 0;

	if (f->twice[M_CUSTOMER_ID])
		return false;
	if (!c)
		return problem(v, "customer_id", P_MISSING, 0, "customer_id is required");
	if (c->type == VO_JSON_STRING) {
		struct vo_str s = vo_json_view(c);

		if (!vo_str_trim(s).len)
			return problem(v, "customer_id", P_NOT_INT, 0, "%s", want);
		if (s.len > VO_API_CUSTOMER_ID_MAX)
			return problem(v, "customer_id", P_MAX_LEN, VO_API_CUSTOMER_ID_MAX,
				       "customer_id must be at most %d bytes long",
				       VO_API_CUSTOMER_ID_MAX);
		v->customer = s;
		return false;
	}
	if (c->type != VO_JSON_NUMBER)
		return problem(v, "customer_id", P_NOT_INT, 0, "%s", want);
	if (number_value(c, &val) != VO_NUM_WHOLE) {
		/* A plain integer that does not fit int64 is out of range, not fractional. */
		if (!(c->flags & (VO_JSON_NUM_FRAC | VO_JSON_NUM_EXP)))
			return problem(v, "customer_id",
				       (c->flags & VO_JSON_NUM_NEG) ? P_NOT_GE : P_NOT_LE,
				       (c->flags & VO_JSON_NUM_NEG) ? -CUSTOMER_INT_MAX
								    : CUSTOMER_INT_MAX,
				       "%s", range);
		return problem(v, "customer_id", P_NOT_INT, 0, "%s", range);
	}
	if (val > CUSTOMER_INT_MAX)
		return problem(v, "customer_id", P_NOT_LE, CUSTOMER_INT_MAX, "%s", range);
	if (val < -CUSTOMER_INT_MAX)
		return problem(v, "customer_id", P_NOT_GE, -CUSTOMER_INT_MAX, "%s", range);
	v->customer_int = val;
	return false;
}

/* A required non-empty string member; *ok tells whether it is one. */
static bool judge_name(const struct fields *f, enum member k, bool *ok, struct verdict *v)
{
	const struct vo_json_node *s = f->n[k];
	const char *name = member_names[k].ptr;

	*ok = false;
	if (f->twice[k])
		return false;
	if (!s)
		return problem(v, name, P_MISSING, 0, "%s is required", name);
	if (s->type != VO_JSON_STRING)
		return problem(v, name, P_NOT_STR, 0, "%s must be a string", name);
	if (!vo_str_trim(vo_json_view(s)).len)
		return problem(v, name, P_MIN_LEN, 1, "%s must not be empty", name);
	*ok = true;
	return false;
}

/* The segment names of the artifact, for a message. */
static const char *segment_list(const struct vo_table *t, char *list, size_t cap)
{
	const struct vo_artifact *a = vo_table_artifact(t);
	size_t len = 0;

	list[0] = '\0';
	for (size_t s = 0; s < a->config.nsegs && len < cap; s++) {
		int n = snprintf(list + len, cap - len, "%s%s", s ? ", " : "",
				 a->config.segs[s].name);

		if (n < 0)
			break;
		len += (size_t)n;
	}
	return list;
}

/* Reads a total_orders value: a whole number >= 0 as a JSON number or a string. */
static enum vo_num_class read_total(const struct vo_json_node *t, int64_t *out)
{
	if (t->type == VO_JSON_NUMBER)
		return number_value(t, out) == VO_NUM_WHOLE && *out >= 0 ? VO_NUM_WHOLE
									 : VO_NUM_INVALID;
	if (t->type == VO_JSON_STRING)
		return vo_num_parse(vo_json_view(t), out);
	return VO_NUM_INVALID;
}

/* Whether a refused total_orders value reads as a negative number. */
static bool looks_negative(const struct vo_json_node *t)
{
	if (t->type == VO_JSON_NUMBER)
		return (t->flags & VO_JSON_NUM_NEG) != 0;
	if (t->type == VO_JSON_STRING) {
		struct vo_str s = vo_str_trim(vo_json_view(t));

		return s.len > 1 && s.ptr[0] == '-';
	}
	return false;
}

/*
 * total_orders and its alias total_order: each validated when present (an
 * empty string is absent, as in the pipeline); both given must agree; seg
 * (NULL when the segment is unknown) tells whether one is required.  name is
 * the route's own name of the field.  *has tells whether a value was found.
 */
static bool judge_total(const struct fields *f, const struct vo_segdef *seg, const char *name,
			int64_t *total, bool *has, struct verdict *v)
{
	static const enum member which[2] = { M_TOTAL_ORDERS, M_TOTAL_ORDER };
	int64_t val[2] = { 0, 0 };
	bool ok[2] = { false, false };
	bool given = false;

	for (size_t i = 0; i < 2; i++) {
		const struct vo_json_node *t = f->n[which[i]];
		const char *member = member_names[which[i]].ptr;
		enum vo_num_class k;

		if (f->twice[which[i]]) {
			given = true;
			continue;
		}
		if (!t)
			continue;
		k = read_total(t, &val[i]);
		if (k == VO_NUM_MISSING)
			continue;
		given = true;
		if (k == VO_NUM_WHOLE) {
			ok[i] = true;
			continue;
		}
		if (problem(v, member, looks_negative(t) ? P_NOT_GE : P_NOT_INT, 0,
			    "%s must be a whole number >= 0", member))
			return true;
	}
	*has = ok[0] || ok[1];
	*total = ok[0] ? val[0] : val[1];
	if (ok[0] && ok[1] && val[0] != val[1])
		return problem(v, name, P_VALUE, 0,
			       "total_orders (%" PRId64 ") and its alias total_order (%" PRId64
			       ") disagree",
			       val[0], val[1]);
	if (!given && seg && seg->field == VO_FIELD_TOTAL_ORDERS)
		return problem(v, name, P_MISSING, 0, "%s is required for segment '%s'", name,
			       seg->name);
	return false;
}

/* A timestamp member (SPEC section 1's grammar), when present; *has when valid. */
static bool judge_ts(const struct fields *f, enum member k, int64_t *us, bool *has, bool *bad,
		     struct verdict *v)
{
	const struct vo_json_node *t = f->n[k];
	const char *name = member_names[k].ptr;

	*has = false;
	*bad = f->twice[k];
	if (!t)
		return false;
	if (t->type != VO_JSON_STRING || !vo_ts_parse(vo_json_view(t), us)) {
		*bad = true;
		return problem(v, name, P_DATETIME, 0,
			       "%s must be a timestamp string such as \"2018-05-03 00:00:00\" or "
			       "\"2018-05-03\"",
			       name);
	}
	*has = true;
	return false;
}

/* Why last_order_ts may not be after the reference time, in words. */
static const char *reference_name(bool request_as_of, const struct vo_voucher_ctx *ctx)
{
	if (request_as_of)
		return "as_of";
	return ctx->has_as_of ? "the server's --as-of" : "today";
}

/* Judges the request object at index root of d; returns v->status. */
static int judge(const struct vo_voucher_ctx *ctx, const struct vo_json_doc *d, size_t root,
		 enum contract c, struct verdict *v)
{
	const struct vo_json_node *req = &d->nodes[root];
	const struct vo_segdef *seg = NULL;
	const char *total_name = c == CONTRACT_POC ? "total_order" : "total_orders";
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
	bool bad_last = false;
	bool bad_first = false;
	bool bad_as_of = false;
	bool country_ok = false;
	bool segment_ok = false;
	bool unknown_segment = false;
	ptrdiff_t ci;
	char q[8 * QUOTE_MAX];
	char d1[16];
	char d2[16];

	verdict_reset(v, c == CONTRACT_POC);
	if (req->type != VO_JSON_OBJECT) {
		v->body = BODY_NOT_OBJECT;
		return refuse(v, 400, "invalid_json", "the request must be a JSON object");
	}
	if (gather(d, root, &f, v) || judge_customer(&f, v) ||
	    judge_name(&f, M_COUNTRY_CODE, &country_ok, v) ||
	    judge_name(&f, M_SEGMENT_NAME, &segment_ok, v))
		return v->status;
	if (segment_ok) {
		seg = vo_table_segment(ctx->table, vo_json_view(f.n[M_SEGMENT_NAME]));
		if (!seg && c == CONTRACT_VOUCH) {
			char list[192];

			problem(v, "segment_name", P_VALUE, 0,
				"unknown segment '%s' (expected one of: %s)",
				quote(q, sizeof(q), vo_json_view(f.n[M_SEGMENT_NAME])),
				segment_list(ctx->table, list, sizeof(list)));
			return v->status;
		}
		unknown_segment = !seg;
	}
	if (judge_total(&f, seg, total_name, &total, &has_total, v) ||
	    judge_ts(&f, M_LAST_ORDER_TS, &last_us, &has_last, &bad_last, v) ||
	    judge_ts(&f, M_FIRST_ORDER_TS, &first_us, &has_first, &bad_first, v) ||
	    judge_ts(&f, M_AS_OF, &as_of_us, &has_as_of, &bad_as_of, v))
		return v->status;
	if (seg && seg->field == VO_FIELD_DAYS_SINCE_LAST_ORDER && !has_last && !bad_last &&
	    problem(v, "last_order_ts", P_MISSING, 0, "last_order_ts is required for segment '%s'",
		    seg->name))
		return v->status;
	if (has_first && has_last && vo_us_to_days(first_us) > vo_us_to_days(last_us)) {
		vo_date_format(vo_us_to_days(first_us), d1);
		vo_date_format(vo_us_to_days(last_us), d2);
		if (problem(v, "first_order_ts", P_VALUE, 0,
			    "first_order_ts (%s) is after last_order_ts (%s)", d1, d2))
			return v->status;
	}
	ref_us = has_as_of ? as_of_us : ctx->has_as_of ? ctx->as_of_us : ctx->now_us;
	if (has_last && !bad_as_of && vo_us_to_days(last_us) > vo_us_to_days(ref_us)) {
		vo_date_format(vo_us_to_days(last_us), d1);
		vo_date_format(vo_us_to_days(ref_us), d2);
		if (problem(v, "last_order_ts", P_VALUE, 0, "last_order_ts (%s) is after %s (%s)",
			    d1, reference_name(has_as_of, ctx), d2))
			return v->status;
	}
	if (v->status != 200)
		return v->status;
	if (!country_ok || !segment_ok) /* not reached: a problem was recorded */
		return refuse(v, 422, "invalid_request",
			      "country_code and segment_name are required");
	ci = vo_table_country(ctx->table, vo_json_view(f.n[M_COUNTRY_CODE]));
	if (ci < 0)
		return refuse(v, 404, "unknown_country",
			      "unknown country '%s': it is not in the loaded segments",
			      quote(q, sizeof(q), vo_json_view(f.n[M_COUNTRY_CODE])));
	if (unknown_segment) {
		char list[192];

		return refuse(v, 404, "unknown_segment",
			      "unknown segment '%s' (expected one of: %s)",
			      quote(q, sizeof(q), vo_json_view(f.n[M_SEGMENT_NAME])),
			      segment_list(ctx->table, list, sizeof(list)));
	}
	if (seg->field == VO_FIELD_TOTAL_ORDERS)
		value = total;
	else
		value = vo_us_to_days(ref_us) - vo_us_to_days(last_us);
	v->segment = seg->name;
	switch (vo_table_lookup(ctx->table, (size_t)ci, seg, value, &v->m)) {
	case VO_LOOKUP_OK:
		return 200;
	case VO_LOOKUP_NO_BUCKET: {
		const struct vo_country_table *ct = &vo_table_artifact(ctx->table)->countries[ci];

		if (c == CONTRACT_POC && ct->fallback.has_voucher) {
			/* The proof of concept's catch-all buckets: the fallback. */
			v->m.country = ct->name;
			v->m.bucket = NULL;
			v->m.voucher = ct->fallback.voucher;
			v->m.fallback = true;
			return 200;
		}
		refuse(v, 404, "no_matching_bucket",
		       "%s %" PRId64 " is in no bucket of segment '%s'",
		       vo_seg_field_name(seg->field), value, seg->name);
		break;
	}
	case VO_LOOKUP_NO_VOUCHER:
		refuse(v, 404, "no_matching_bucket",
		       "bucket '%s' of segment '%s' is empty and country '%s' has no vouchers to "
		       "fall back on",
		       v->m.bucket, seg->name, v->m.country);
		break;
	}
	return v->status;
}

/* ---- vouch's bodies ---------------------------------------------------- */

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
	if (v->customer.ptr)
		vo_json_strv(j, v->customer);
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

int vo_api_detail(struct vo_buf *out, const char *message)
{
	struct vo_json j;

	vo_json_init(&j, out, false);
	vo_json_object_begin(&j);
	vo_json_key(&j, "detail");
	vo_json_str(&j, message);
	vo_json_object_end(&j);
	return vo_json_status(&j);
}

/*
 * The 200 body of a single request, written directly: the same bytes as
 * write_verdict() with fixed keys as literals (the hot path of the API).
 */
static int write_answer(struct vo_buf *out, const struct verdict *v)
{
	int rc = vo_buf_grow(out, 192);

	rc |= vo_buf_addstr(out, "{\"customer_id\":");
	if (v->customer.ptr)
		rc |= vo_json_escape(out, v->customer);
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

/* Writes v as the whole body (vouch's contract); its status, or -1 when out cannot grow. */
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

/* ---- the proof of concept's bodies (FastAPI, pydantic 1.x) -------------- */

/*
 * pydantic's type and message of each problem kind: the message is head,
 * then the limit and tail when the kind has a limit; P_VALUE has vouch's.
 */
static const struct {
	const char *type;
	const char *head;
	const char *tail; /* NULL: no limit in the message or ctx */
} kinds[] = {
	[P_MISSING] = { "value_error.missing", "field required", NULL },
	[P_NOT_INT] = { "type_error.integer", "value is not a valid integer", NULL },
	[P_NOT_STR] = { "type_error.str", "str type expected", NULL },
	[P_DATETIME] = { "value_error.datetime", "invalid datetime format", NULL },
	[P_NOT_GE] = { "value_error.number.not_ge",
		       "ensure this value is greater than or equal to ", "" },
	[P_NOT_LE] = { "value_error.number.not_le", "ensure this value is less than or equal to ",
		       "" },
	[P_MIN_LEN] = { "value_error.any_str.min_length", "ensure this value has at least ",
			" characters" },
	[P_MAX_LEN] = { "value_error.any_str.max_length", "ensure this value has at most ",
			" characters" },
	[P_VALUE] = { "value_error", NULL, NULL },
};

/* The proof of concept's field order (its pydantic model's), for sorting the list. */
static int field_rank(const char *field)
{
	static const char *const order[] = { "customer_id",   "country_code", "first_order_ts",
					     "last_order_ts", "total_order",  "total_orders",
					     "segment_name",  "as_of" };

	for (size_t i = 0; i < VO_ARRAY_SIZE(order); i++)
		if (!strcmp(field, order[i]))
			return (int)i;
	return (int)VO_ARRAY_SIZE(order);
}

static void detail_begin(struct vo_json *j)
{
	vo_json_object_begin(j);
	vo_json_key(j, "detail");
	vo_json_array_begin(j);
}

static void detail_end(struct vo_json *j)
{
	vo_json_array_end(j);
	vo_json_object_end(j);
}

/* One {"loc":["body"(, field)],"msg","type"} item. */
static void detail_item(struct vo_json *j, const char *field, const char *msg, const char *type)
{
	vo_json_object_begin(j);
	vo_json_key(j, "loc");
	vo_json_array_begin(j);
	vo_json_str(j, "body");
	if (field)
		vo_json_str(j, field);
	vo_json_array_end(j);
	vo_json_key(j, "msg");
	vo_json_str(j, msg);
	vo_json_key(j, "type");
	vo_json_str(j, type);
	vo_json_object_end(j);
}

/* FastAPI's 422 for a body json.loads() refuses: loc ["body", pos], ctx with the place. */
static void write_jsondecode(struct vo_json *j, const struct vo_json_doc_error *pe)
{
	const char *what = vo_json_doc_fault_text(pe->fault);
	char msg[160];

	snprintf(msg, sizeof(msg), "%s: line %zu column %zu (char %zu)", what, pe->line, pe->column,
		 pe->offset);
	detail_begin(j);
	vo_json_object_begin(j);
	vo_json_key(j, "loc");
	vo_json_array_begin(j);
	vo_json_str(j, "body");
	vo_json_u64(j, pe->offset);
	vo_json_array_end(j);
	vo_json_key(j, "msg");
	vo_json_str(j, msg);
	vo_json_key(j, "type");
	vo_json_str(j, "value_error.jsondecode");
	vo_json_key(j, "ctx");
	vo_json_object_begin(j);
	vo_json_key(j, "msg");
	vo_json_str(j, what);
	vo_json_key(j, "pos");
	vo_json_u64(j, pe->offset);
	vo_json_key(j, "lineno");
	vo_json_u64(j, pe->line);
	vo_json_key(j, "colno");
	vo_json_u64(j, pe->column);
	vo_json_object_end(j);
	vo_json_object_end(j);
	detail_end(j);
}

/* The 422 list of every problem, in the proof of concept's field order. */
static void write_problems(struct vo_json *j, const struct verdict *v)
{
	size_t order[PROBLEMS_MAX];

	for (size_t i = 0; i < v->nproblems; i++) {
		size_t k = i;

		/* insertion sort, stable: problems of one field keep their order */
		while (k > 0 && field_rank(v->problems[order[k - 1]].field) >
					field_rank(v->problems[i].field)) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	detail_begin(j);
	for (size_t i = 0; i < v->nproblems; i++) {
		const struct problem *p = &v->problems[order[i]];
		char msg[96];

		if (kinds[p->kind].tail)
			snprintf(msg, sizeof(msg), "%s%" PRId64 "%s", kinds[p->kind].head, p->limit,
				 kinds[p->kind].tail);
		vo_json_object_begin(j);
		vo_json_key(j, "loc");
		vo_json_array_begin(j);
		vo_json_str(j, "body");
		vo_json_str(j, p->field);
		vo_json_array_end(j);
		vo_json_key(j, "msg");
		vo_json_str(j, kinds[p->kind].tail   ? msg
			       : kinds[p->kind].head ? kinds[p->kind].head
						     : p->msg);
		vo_json_key(j, "type");
		vo_json_str(j, kinds[p->kind].type);
		if (kinds[p->kind].tail) {
			vo_json_key(j, "ctx");
			vo_json_object_begin(j);
			vo_json_key(j, "limit_value");
			vo_json_i64(j, p->limit);
			vo_json_object_end(j);
		}
		vo_json_object_end(j);
	}
	detail_end(j);
}

/* Writes v as the proof of concept would have answered it. */
static int finish_poc(struct vo_buf *out, const struct verdict *v)
{
	struct vo_json j;
	int status = v->status;

	if (status < 0)
		return -1;
	if (status == 200) {
		int rc = vo_buf_addstr(out, "{\"voucher_amount\":");

		rc |= vo_buf_add_i64(out, v->m.voucher);
		rc |= vo_buf_addch(out, '}');
		return rc ? -1 : 200;
	}
	vo_json_init(&j, out, false);
	switch (v->body) {
	case BODY_EMPTY:
		detail_begin(&j);
		detail_item(&j, NULL, "field required", "value_error.missing");
		detail_end(&j);
		status = 422;
		break;
	case BODY_NOT_JSON:
		write_jsondecode(&j, &v->pe);
		status = 422;
		break;
	case BODY_NOT_OBJECT:
		detail_begin(&j);
		detail_item(&j, NULL, "value is not a valid dict", "type_error.dict");
		detail_end(&j);
		status = 422;
		break;
	case BODY_TOO_MANY:
	case BODY_OK:
		if (status == 422) {
			write_problems(&j, v);
		} else {
			vo_json_object_begin(&j);
			vo_json_key(&j, "detail");
			vo_json_str(&j, v->msg);
			vo_json_object_end(&j);
		}
		break;
	}
	return vo_json_status(&j) ? -1 : status;
}

/* ---- parsing the body -------------------------------------------------- */

/* The document a call parses into: the thread's, or one of its own. */
struct body {
	struct vo_json_doc own;
	struct vo_json_doc *d;
};

/*
 * Parses a body that must be one JSON object.  Returns the document, or
 * NULL with v set: the 400 (or 413) and v->body, or v->status -1 when
 * memory ran out.
 */
static struct vo_json_doc *parse_body(struct body *b, const char *body, size_t len,
				      struct verdict *v)
{
	int rc;

	verdict_reset(v, false);
	b->d = vo_jsonmem_doc();
	if (!b->d) {
		vo_json_doc_init(&b->own, VO_API_JSON_VALUES_MAX);
		b->d = &b->own;
	}
	if (!body || !len) {
		v->body = BODY_EMPTY;
		refuse(v, 400, "invalid_json", "the body is empty: expected a JSON object");
		return NULL;
	}
	rc = vo_json_doc_parse(b->d, body, len, &v->pe);
	if (rc == VO_ENOMEM) {
		v->status = -1; /* not the client's mistake: a 500 */
		return NULL;
	}
	if (rc == VO_ELIMIT) {
		v->body = BODY_TOO_MANY;
		refuse(v, 413, "payload_too_large", "the body holds more than %d JSON values",
		       VO_API_JSON_VALUES_MAX);
		return NULL;
	}
	if (rc) {
		v->body = BODY_NOT_JSON;
		refuse(v, 400, "invalid_json",
		       "the body is not valid JSON: %s at line %zu, column %zu (byte %zu)",
		       vo_json_doc_fault_text(v->pe.fault), v->pe.line, v->pe.column, v->pe.offset);
		return NULL;
	}
	if (b->d->nodes[0].type != VO_JSON_OBJECT) {
		v->body = BODY_NOT_OBJECT;
		refuse(v, 400, "invalid_json", "the body must be a JSON object");
		return NULL;
	}
	return b->d;
}

static void body_release(struct body *b)
{
	if (b->d == &b->own)
		vo_json_doc_release(&b->own);
}

/* One customer's body judged under contract c, its answer written by fin. */
static int answer_one(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		      enum contract c, int (*fin)(struct vo_buf *, const struct verdict *),
		      struct vo_buf *out)
{
	struct verdict v;
	struct body b;
	const struct vo_json_doc *d = parse_body(&b, body, len, &v);
	int status;

	if (d)
		judge(ctx, d, 0, c, &v);
	status = fin(out, &v);
	body_release(&b);
	return status;
}

int vo_voucher_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		      struct vo_buf *out)
{
	return answer_one(ctx, body, len, CONTRACT_VOUCH, finish, out);
}

int vo_voucher_amount_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
			     struct vo_buf *out)
{
	return answer_one(ctx, body, len, CONTRACT_POC, finish_poc, out);
}

int vo_vouchers_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		       struct vo_buf *out)
{
	size_t customers = 0; /* node index of the array; 0: none */
	struct verdict v;
	struct vo_json j;
	struct body b;
	const struct vo_json_doc *d = parse_body(&b, body, len, &v);
	int status;

	if (d) {
		bool twice = false;

		vo_json_each(d, 0, i)
		{
			if (!vo_str_eq_cstr(vo_json_name(&d->nodes[i]), "customers"))
				continue;
			if (customers)
				twice = true;
			customers = i;
		}
		if (twice)
			problem(&v, "customers", P_VALUE, 0, "customers is given twice");
		else if (!customers || is_null(&d->nodes[customers]))
			problem(&v, "customers", P_MISSING, 0, "customers is required");
		else if (d->nodes[customers].type != VO_JSON_ARRAY)
			problem(&v, "customers", P_VALUE, 0,
				"customers must be an array of request objects");
		else if (d->nodes[customers].len > VO_BATCH_MAX)
			problem(&v, "customers", P_VALUE, 0,
				"customers holds %" PRIu32 " requests; at most %d are allowed",
				d->nodes[customers].len, VO_BATCH_MAX);
	}
	if (!d || v.status != 200) {
		status = finish(out, &v);
		body_release(&b);
		return status;
	}
	vo_json_init(&j, out, false);
	vo_json_object_begin(&j);
	vo_json_key(&j, "results");
	vo_json_array_begin(&j);
	vo_json_each(d, customers, i)
	{
		judge(ctx, d, i, CONTRACT_VOUCH, &v);
		write_verdict(&j, &v, true);
		if (vo_json_status(&j))
			break;
	}
	vo_json_array_end(&j);
	vo_json_object_end(&j);
	body_release(&b);
	return vo_json_status(&j) ? -1 : 200;
}
