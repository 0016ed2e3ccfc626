/*
 * test_http_parse.c - the HTTP engine's parser on bytes alone (http/http_parse.h):
 * request lines and target forms, every framing rule of RFC 9112 the engine
 * enforces (issue 14 items 4 to 7), the exact head limit, heads fed byte by
 * byte, percent-decoding of paths, and chunked bodies fed in every split.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/limits.h"
#include "http/http_parse.h"

static struct vo_http_field fields[VO_HTTP_FIELDS_MAX];

static int parse_max(const char *text, size_t max, struct vo_http_head *h)
{
	return vo_http_parse_head(text, strlen(text), max, fields, VO_HTTP_FIELDS_MAX, h);
}

/* The status a complete head is refused with (0: accepted). */
static int status_of(const char *text)
{
	struct vo_http_head h;
	int rc = parse_max(text, 8192, &h);

	if (rc == VO_HTTP_MORE)
		return -1;
	return rc == VO_HTTP_ERROR ? h.err.status : 0;
}

static bool view_is(struct vo_str v, const char *s)
{
	return vo_str_eq_cstr(v, s);
}

static void test_request_line(void **state)
{
	struct vo_http_head h;
	const char *req = "POST /voucher?x=1 HTTP/1.1\r\nHost: a\r\n"
			  "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"a\":1}";

	(void)state;
	assert_int_equal(parse_max(req, 8192, &h), VO_HTTP_DONE);
	assert_true(view_is(h.method, "POST"));
	assert_true(view_is(h.target, "/voucher?x=1"));
	assert_true(view_is(h.path, "/voucher"));
	assert_true(view_is(h.query, "x=1"));
	assert_int_equal(h.minor, 1);
	assert_true(view_is(h.host, "a"));
	assert_true(view_is(h.content_type, "application/json"));
	assert_int_equal(h.content_length, 12);
	assert_false(h.chunked);
	assert_int_equal(h.nfields, 3);
	assert_int_equal(h.len, strstr(req, "\r\n\r\n") + 4 - req);
	assert_true(view_is(fields[2].name, "Content-Length"));
	assert_true(view_is(fields[2].value, "12"));

	/* HTTP/1.0 needs no Host; other 1.x minors are 1.1; 2.0 is 505. */
	assert_int_equal(status_of("GET / HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(status_of("GET / HTTP/1.9\r\nHost: a\r\n\r\n"), 0);
	assert_int_equal(status_of("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
	/* Malformed request lines. */
	assert_int_equal(status_of("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET /\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("HELLO THERE\r\n\r\n"), 400);
	assert_int_equal(status_of("GET x HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	/* Empty lines before the request line are skipped. */
	assert_int_equal(status_of("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
}

static void test_target_forms(void **state)
{
	struct vo_http_head h;

	(void)state;
	/* absolute-form is served by its path (issue 14 item 7), with or without Host. */
	assert_int_equal(parse_max("GET http://x/health HTTP/1.1\r\n\r\n", 8192, &h), VO_HTTP_DONE);
	assert_true(h.absolute);
	assert_true(view_is(h.path, "/health"));
	assert_int_equal(
		parse_max("GET HTTPS://x:8000/health?q HTTP/1.1\r\nHost: y\r\n\r\n", 8192, &h),
		VO_HTTP_DONE);
	assert_true(view_is(h.path, "/health"));
	assert_true(view_is(h.query, "q"));
	assert_int_equal(parse_max("GET http://x HTTP/1.1\r\n\r\n", 8192, &h), VO_HTTP_DONE);
	assert_true(view_is(h.path, "/"));
	assert_int_equal(parse_max("GET http://x?a=b HTTP/1.1\r\n\r\n", 8192, &h), VO_HTTP_DONE);
	assert_true(view_is(h.path, "/"));
	assert_true(view_is(h.query, "a=b"));
	assert_int_equal(status_of("GET http:///health HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("GET ftp://x/health HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
	/* asterisk-form goes on (no route has it). */
	assert_int_equal(parse_max("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 8192, &h),
			 VO_HTTP_DONE);
	assert_true(view_is(h.path, "*"));
}

static void test_field_rules(void **state)
{
	(void)state;
	/* Issue 14 item 4: white space before the colon, and obs-fold. */
	assert_int_equal(status_of("POST /v HTTP/1.1\r\nHost: a\r\nContent-Length : 34\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST /v HTTP/1.1\r\nHost: a\r\nContent-Length\t: 3\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST /v HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n 34\r\n\r\n"),
			 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400);
	/* Names are tokens; no empty name. */
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX(y): x\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n"), 400);
	/* Item 7: NUL, bare CR, bare LF and other control bytes in a value. */
	assert_int_equal(vo_http_parse_head("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35,
					    8192, fields, VO_HTTP_FIELDS_MAX,
					    &(struct vo_http_head){ 0 }),
			 VO_HTTP_ERROR);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: a\x1b[31m\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\n\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n"), 400);
	/* Tabs, obs-text and white space around values are fine. */
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nX: \t a\tb \xe9\t \r\n\r\n"), 0);
	/* Item 7: Host is required in HTTP/1.1, once, and valid. */
	assert_int_equal(status_of("GET / HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 0);
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0);
	assert_int_equal(status_of("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
	/* Two Content-Types would leave the media type to chance. */
	assert_int_equal(status_of("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: "
				   "a/b\r\nContent-Type: c/d\r\n\r\n"),
			 400);
}

static void test_framing(void **state)
{
	struct vo_http_head h;

	(void)state;
	/* Content-Length: digits only; equal repeats are one; different are 400. */
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
				   "Content-Length: 5\r\n\r\n"),
			 0);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
				   "Content-Length: 6\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5 5\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n"), 400);
	assert_int_equal(parse_max("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: "
				   "99999999999999999999999\r\n\r\n",
				   8192, &h),
			 VO_HTTP_DONE);
	assert_int_equal(h.content_length, INT64_MAX);
	/* Item 5: Transfer-Encoding. */
	assert_int_equal(
		parse_max("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", 8192,
			  &h),
		VO_HTTP_DONE);
	assert_true(h.chunked);
	assert_int_equal(h.content_length, -1);
	assert_int_equal(
		status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked ,\r\n"
			  "\r\n"),
		0);
	assert_int_equal(
		status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n"
			  "\r\n"),
		400);
	assert_int_equal(
		status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n"
			  "\r\n"),
		501);
	assert_int_equal(
		status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n"),
		400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, "
				   "chunked\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
				   "Content-Length: 3\r\n\r\n"),
			 400);
	assert_int_equal(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
	/* Expect. */
	assert_int_equal(
		parse_max("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n", 8192, &h),
		VO_HTTP_DONE);
	assert_true(h.expect_continue);
	assert_int_equal(status_of("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n"), 417);
	/* Connection options. */
	assert_int_equal(
		parse_max("GET / HTTP/1.0\r\nConnection: Upgrade, Keep-Alive\r\n\r\n", 8192, &h),
		VO_HTTP_DONE);
	assert_true(h.conn_keep_alive);
	assert_false(h.conn_close);
	assert_int_equal(
		parse_max("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 8192, &h),
		VO_HTTP_DONE);
	assert_true(h.conn_close);
}

/* A head of exactly the limit is accepted; one byte more is 431 (or 414). */
static void test_head_limit(void **state)
{
	char buf[2048];
	struct vo_http_head h;
	size_t n;

	(void)state;
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	while (n < 1000 - 4)
		buf[n++] = 'x';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n\r\n");
	assert_int_equal(n, 1000);
	assert_int_equal(vo_http_parse_head(buf, n, 1000, fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_DONE);
	assert_int_equal(h.len, 1000);
	assert_int_equal(vo_http_parse_head(buf, n, 999, fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_ERROR);
	assert_int_equal(h.err.status, 431);
	/* Incomplete but below the limit: more; at the limit: refused. */
	assert_int_equal(vo_http_parse_head(buf, 998, 1000, fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_MORE);
	assert_int_equal(vo_http_parse_head(buf, 999, 999, fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_ERROR);
	assert_int_equal(h.err.status, 431);
	/* A request line that alone does not fit: 414. */
	snprintf(buf, sizeof(buf), "GET /");
	memset(buf + 5, 'a', 1200);
	assert_int_equal(vo_http_parse_head(buf, 1205, 1000, fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_ERROR);
	assert_int_equal(h.err.status, 414);
	/* More field lines than the array holds: 431. */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\n");
	for (int i = 0; i < VO_HTTP_FIELDS_MAX + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "A: b\r\n");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(vo_http_parse_head(buf, n, sizeof(buf), fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_ERROR);
	assert_int_equal(h.err.status, 431);
}

/* Fed one byte at a time, a head is MORE until its last byte; garbage is
 * refused at its first bad byte, not at the end. */
static void test_incremental(void **state)
{
	const char *req = "POST /voucher HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\n";
	size_t len = strlen(req);
	struct vo_http_head h;

	(void)state;
	for (size_t i = 0; i < len; i++)
		assert_int_equal(vo_http_parse_head(req, i, 8192, fields, VO_HTTP_FIELDS_MAX, &h),
				 VO_HTTP_MORE);
	assert_int_equal(vo_http_parse_head(req, len, 8192, fields, VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_DONE);
	/* A TLS hello, binary noise: refused at the first byte. */
	assert_int_equal(
		vo_http_parse_head("\x16\x03\x01", 3, 8192, fields, VO_HTTP_FIELDS_MAX, &h),
		VO_HTTP_ERROR);
	assert_int_equal(
		vo_http_parse_head("GET /x HTTP/2", 13, 8192, fields, VO_HTTP_FIELDS_MAX, &h),
		VO_HTTP_ERROR);
	assert_int_equal(h.err.status, 505);
	assert_int_equal(
		vo_http_parse_head("GET /x HTTQ", 11, 8192, fields, VO_HTTP_FIELDS_MAX, &h),
		VO_HTTP_ERROR);
	/* An obs-fold or a space before the colon, before the line ends. */
	assert_int_equal(vo_http_parse_head("GET / HTTP/1.1\r\nHost: a\r\n x", 27, 8192, fields,
					    VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_ERROR);
	assert_int_equal(vo_http_parse_head("GET / HTTP/1.1\r\nHost : a", 24, 8192, fields,
					    VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_ERROR);
	assert_int_equal(vo_http_parse_head("GET / HTTP/1.1\r\nHost: a\r\n\r", 26, 8192, fields,
					    VO_HTTP_FIELDS_MAX, &h),
			 VO_HTTP_MORE);
}

static bool decodes_to(const char *path, const char *want)
{
	char out[256];
	size_t n = 0;

	if (!vo_http_path_decode(vo_str_cstr(path), out, &n))
		return want == NULL;
	return want && n == strlen(want) && memcmp(out, want, n) == 0;
}

static void test_path_decode(void **state)
{
	(void)state;
	assert_true(decodes_to("/health", "/health"));
	assert_true(decodes_to("/%68ealth", "/health"));
	assert_true(decodes_to("/a%2Fb%2fc", "/a/b/c"));
	assert_true(decodes_to("/%e2%82%ac", "/\xe2\x82\xac"));
	assert_true(decodes_to("/a+b", "/a+b"));
	/* Item 7: a decoded NUL or control byte, or a malformed escape, names nothing. */
	assert_true(decodes_to("/voucher%00x", NULL));
	assert_true(decodes_to("/health%00.html", NULL));
	assert_true(decodes_to("/health%0a", NULL));
	assert_true(decodes_to("/health%7F", NULL));
	assert_true(decodes_to("/health%", NULL));
	assert_true(decodes_to("/health%4", NULL));
	assert_true(decodes_to("/health%zz", NULL));
	assert_true(decodes_to("%", NULL));
}

/* Decodes body in pieces of at most step bytes; returns the result. */
static int chunked(const char *body, size_t len, size_t step, char *out, size_t *out_len,
		   size_t *used_total, struct vo_http_chunked *c)
{
	size_t at = 0;
	size_t o = 0;
	int rc = VO_HTTP_MORE;

	vo_http_chunked_init(c, 1024);
	while (at < len && rc == VO_HTTP_MORE) {
		size_t n = VO_MIN(step, len - at);
		size_t used = 0;
		size_t got = 0;

		rc = vo_http_chunked_decode(c, body + at, n, out + o, 4096, &used, &got);
		at += used;
		o += got;
	}
	*out_len = o;
	*used_total = at;
	return rc;
}

static void test_chunked(void **state)
{
	static const char good[] = "5\r\nhello\r\n7;ext=1;b=\"q\"\r\n, world\r\n0\r\n"
				   "Trailer-A: x\r\nB: y\r\n\r\nGET /next";
	const size_t body_len = sizeof(good) - 1 - strlen("GET /next");
	struct vo_http_chunked c;
	char out[4096];
	size_t n;
	size_t used;

	(void)state;
	for (size_t step = 1; step <= sizeof(good); step++) {
		assert_int_equal(chunked(good, sizeof(good) - 1, step, out, &n, &used, &c),
				 VO_HTTP_DONE);
		assert_int_equal(n, 12);
		assert_memory_equal(out, "hello, world", 12);
		assert_int_equal(used, body_len);
	}
	/* In place: the output may be the input itself. */
	{
		char buf[sizeof(good)];
		size_t got = 0;

		memcpy(buf, good, sizeof(good));
		vo_http_chunked_init(&c, 1024);
		assert_int_equal(vo_http_chunked_decode(&c, buf, sizeof(good) - 1, buf, sizeof(buf),
							&used, &got),
				 VO_HTTP_DONE);
		assert_int_equal(got, 12);
		assert_memory_equal(buf, "hello, world", 12);
	}
	/* A full output stops the decoder where it was; it goes on with more room. */
	{
		size_t got = 0;

		vo_http_chunked_init(&c, 1024);
		assert_int_equal(
			vo_http_chunked_decode(&c, good, sizeof(good) - 1, out, 3, &used, &got),
			VO_HTTP_MORE);
		assert_int_equal(got, 3);
		assert_true(used < sizeof(good) - 1);
	}
	/* Malformed framing. */
	assert_int_equal(chunked("zz\r\nhello\r\n0\r\n\r\n", 17, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	assert_int_equal(c.err.status, 400);
	assert_int_equal(chunked("\r\n", 2, 64, out, &n, &used, &c), VO_HTTP_ERROR);
	assert_int_equal(chunked("5\r\nhelloX\r\n0\r\n\r\n", 16, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	assert_int_equal(chunked("5\nhello\r\n0\r\n\r\n", 14, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	assert_int_equal(chunked("5\r\nhello\r\n0\r\n\n", 14, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	assert_int_equal(chunked("5;a\x01\r\nhello\r\n0\r\n\r\n", 19, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	assert_int_equal(chunked("0\r\n X: y\r\n\r\n", 12, 64, out, &n, &used, &c), VO_HTTP_ERROR);
	assert_int_equal(chunked("0\r\nX : y\r\n\r\n", 12, 64, out, &n, &used, &c), VO_HTTP_ERROR);
	assert_int_equal(chunked("0\r\nX: a\0b\r\n\r\n", 13, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	/* Sizes of more than 15 hex digits: too large. */
	assert_int_equal(chunked("1000000000000000\r\n", 18, 64, out, &n, &used, &c),
			 VO_HTTP_ERROR);
	assert_int_equal(c.err.status, 413);
	/* Bounded size lines and trailers. */
	{
		char big[4096];

		memset(big, ' ', sizeof(big));
		big[0] = '1';
		big[1] = ';';
		assert_int_equal(chunked(big, sizeof(big), 4096, out, &n, &used, &c),
				 VO_HTTP_ERROR);
		snprintf(big, sizeof(big), "0\r\nX: ");
		memset(big + 6, 'a', sizeof(big) - 6);
		assert_int_equal(chunked(big, sizeof(big), 4096, out, &n, &used, &c),
				 VO_HTTP_ERROR);
		assert_int_equal(c.err.status, 431);
	}
	/* Incomplete is MORE, at every cut. */
	for (size_t cut = 0; cut < body_len; cut++) {
		size_t got = 0;

		vo_http_chunked_init(&c, 1024);
		assert_int_equal(
			vo_http_chunked_decode(&c, good, cut, out, sizeof(out), &used, &got),
			VO_HTTP_MORE);
		assert_int_equal(used, cut);
	}
}

static void test_reason(void **state)
{
	(void)state;
	assert_string_equal(vo_http_reason(200), "OK");
	assert_string_equal(vo_http_reason(431), "Request Header Fields Too Large");
	assert_string_equal(vo_http_reason(299), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_line), cmocka_unit_test(test_target_forms),
		cmocka_unit_test(test_field_rules),  cmocka_unit_test(test_framing),
		cmocka_unit_test(test_head_limit),   cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_path_decode),  cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
