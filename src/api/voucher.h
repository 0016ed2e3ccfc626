/*
 * voucher.h - the answer to one voucher request (SPEC section 5), without
 * HTTP: a request body in, a status and a JSON body out.
 *
 * The server (through api/router.h), `vouch lookup` and the batch route all come
 * through here, so every client gets the same validation and the same bytes.
 * Bodies are parsed by core/json_doc.h (strict RFC 8259: strings are judged
 * with every byte they hold, \u0000 included, and numbers exactly from their
 * text), into the calling thread's reusable document when it has one
 * (core/jsonmem.h), else into one made for the call.  No global state: any
 * number of threads may call these at once.
 */
/*
 * Rules where SPEC section 5 leaves a choice (api/voucher.c):
 *
 * - Members: matched by exact name, every byte of it (a name holding
 *   "\u0000" is another name); unknown ones are ignored; null is the same as
 *   absent for every member; a known member given twice is 422 for that
 *   field (which copy counts would depend on the parser).
 * - customer_id: a JSON number that is a whole number from -(2^53 - 1) to
 *   2^53 - 1, judged exactly on its digits (123.0 and 1e2 count; echoed back
 *   as an integer), or a string that is not empty or all white space, at
 *   most VO_API_CUSTOMER_ID_MAX bytes (echoed back byte for byte,
 *   JSON-escaped, NUL bytes as \u0000).  Anything else is 422.
 * - country_code: a string, matched trimmed and case-insensitively, with
 *   every byte ("Peru\u0000x" is not Peru); empty or white space is 422; not
 *   in the artifact is 404 unknown_country.
 * - segment_name: a string naming a segment of the artifact exactly
 *   (case-sensitive, every byte), else 422.
 * - total_orders (alias total_order): a JSON number, judged exactly on its
 *   text (9223372036854775807 is that integer; past INT64_MAX is not a
 *   whole number we take), or a string read by the pipeline's rules
 *   (model/value.h: "2.0", " 15 ", "1e1" are whole; "-1", "2.5", "nan",
 *   "3\u0000abc", text are not); bool, array, object are 422.  An empty
 *   string is absent, as in the pipeline.  An invalid value is 422 naming
 *   the member the client sent (total_orders or total_order); both given
 *   with different values is 422, and a missing value where the segment
 *   needs it is 422, naming the route's own name for the field
 *   (total_orders on /voucher and /vouchers, total_order on
 *   /voucher_amount).
 * - last_order_ts, first_order_ts, as_of: strings in SPEC section 1's
 *   timestamp grammar (offsets converted to UTC), else 422.  Dates are UTC
 *   calendar dates.  first_order_ts is compared only with last_order_ts.
 *   last_order_ts is "after the reference time" when its date is after the
 *   reference's date (the pipeline's rule for order_before_last_order), so a
 *   last order earlier on the reference day is 0 days, not an error.
 * - Reference time: the request's as_of, else ctx->as_of_us when
 *   ctx->has_as_of, else ctx->now_us.
 *
 * Order of checks (the first failure answers): the body (400 invalid_json:
 * empty, not JSON by RFC 8259, text after the value, deeper than
 * VO_JSON_NESTING_MAX, not an object; 413 when it holds more than
 * VO_API_JSON_VALUES_MAX values), a member given twice, customer_id,
 * country_code's form,
 * segment_name, total_orders/total_order (form, agreement, required),
 * last_order_ts (form), first_order_ts (form), as_of (form), last_order_ts
 * required for a days segment, first_order_ts after last_order_ts,
 * last_order_ts after the reference; only then 404 unknown_country, and
 * last 404 no_matching_bucket (the value in no bucket, or the bucket empty
 * and the country without any voucher to fall back on).  So a client hears
 * about its own malformed input before anything about the data.
 *
 * POST /voucher_amount (vo_voucher_amount_answer) keeps the proof of
 * concept's FastAPI contract on the same checks: 200 {"voucher_amount":N}
 * only; a value in no bucket answers the country's fallback voucher (the
 * proof of concept's catch-all buckets 38-above and 180+ did that); every
 * invalid field is listed at once in FastAPI's 422 shape
 * {"detail":[{"loc":["body",FIELD],"msg":...,"type":...}, ...]} with
 * pydantic 1.x's msg and type strings for the same failure (the rest are
 * "value_error" with vouch's message), in the proof of concept's field
 * order; a body that is not JSON, empty or not an object is 422 as FastAPI
 * answers it; an unknown country, then an unknown segment, is 404
 * {"detail": "..."}; so is a bucket that is empty when the country has no
 * voucher at all.
 *
 * Batch: each element of "customers" is judged exactly like a POST /voucher
 * body, so an element that is not an object is {"error": {"code":
 * "invalid_json", ...}, "status": 400}.  Unknown envelope members are
 * ignored; "customers" given twice is 422.
 */
#ifndef VO_API_VOUCHER_H
#define VO_API_VOUCHER_H

#include "core/common.h"

#include "api/table.h"
#include "core/buf.h"

/* Largest batch of POST /vouchers. */
#define VO_BATCH_MAX 10000

/* What a request is judged against besides its own fields. */
struct vo_voucher_ctx {
	const struct vo_table *table; /* the loaded segments; never NULL here */
	bool has_as_of;		      /* the server was started with --as-of */
	int64_t as_of_us;	      /* that reference time */
	int64_t now_us;		      /* the current time, when neither gives one */
};

/*
 * Answers a POST /voucher body of len bytes: writes the whole response body
 * (the 200 answer or an error body) to out and returns the HTTP status (200,
 * 400, 404, 413 or 422).  Returns -1 only when out cannot grow (VO_ENOMEM or
 * VO_ELIMIT), or when parsing the body runs out of memory; out is then
 * incomplete.
 */
int vo_voucher_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		      struct vo_buf *out);

/*
 * Answers a POST /voucher_amount body (the proof of concept's contract, see
 * above); statuses 200, 404, 413 or 422, -1 as vo_voucher_answer().
 */
int vo_voucher_amount_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
			     struct vo_buf *out);

/*
 * Answers a POST /vouchers body: {"customers": [...]} with at most
 * VO_BATCH_MAX requests -> 200 {"results": [...]}, one object per request in
 * order (the 200 body, or {"error": {...}, "status": N}).  400 invalid_json,
 * 422 invalid_request (field "customers") for a bad envelope; -1 as above.
 */
int vo_vouchers_answer(const struct vo_voucher_ctx *ctx, const char *body, size_t len,
		       struct vo_buf *out);

/*
 * Writes an error body {"error": {"code": ..., "message": ..., "field": ...}}
 * to out; field may be NULL (then the key is left out).  VO_OK, VO_ENOMEM or
 * VO_ELIMIT.
 */
int vo_api_error(struct vo_buf *out, const char *code, const char *message, const char *field);

/* Writes FastAPI's error body {"detail": message} to out.  Same returns. */
int vo_api_detail(struct vo_buf *out, const char *message);

#endif
