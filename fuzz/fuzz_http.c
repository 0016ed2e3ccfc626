/*
 * fuzz_http.c - the HTTP engine's parser (http/http_parse.h): request heads,
 * paths and chunked bodies.
 *
 * Input: one byte of settings (bits 0-2 pick the head limit, bits 3-7 the
 * size of the pieces the body is fed in), then the bytes a client sends.
 * Checked: every view of a parsed head lies inside the input and the head
 * within the limit; a prefix of a complete head is never complete; an error
 * carries a status the engine knows; a chunked body decodes to the same
 * bytes whether fed at once, in place, or in pieces.
 */
#include "core/common.h"

#include "core/limits.h"
#include "http/http_parse.h"
#include "fuzz.h"

static struct vo_http_field fields[VO_HTTP_FIELDS_MAX];

static void inside(struct vo_str v, const char *buf, size_t len)
{
	if (v.len && (v.ptr < buf || v.ptr + v.len > buf + len) && !vo_str_eq_cstr(v, "/"))
		__builtin_trap();
}

static void check_refusal(const struct vo_http_refusal *e)
{
	static const int known[] = { 400, 413, 414, 417, 431, 501, 505 };
	bool ok = false;

	for (size_t i = 0; i < VO_ARRAY_SIZE(known); i++)
		ok |= e->status == known[i];
	if (!ok || !e->code || !e->message)
		__builtin_trap();
}

/* Decodes in[0..len) in pieces of step bytes into out; returns the result. */
static int decode_pieces(const char *in, size_t len, size_t step, char *out, size_t cap,
			 size_t *out_len, size_t *used_total)
{
	struct vo_http_chunked c;
	size_t at = 0;
	size_t o = 0;
	int rc = VO_HTTP_MORE;

	vo_http_chunked_init(&c, 256);
	while (at < len && rc == VO_HTTP_MORE) {
		size_t used = 0;
		size_t got = 0;

		rc = vo_http_chunked_decode(&c, in + at, VO_MIN(step, len - at), out + o, cap - o,
					    &used, &got);
		if (used > VO_MIN(step, len - at) || got > cap - o)
			__builtin_trap();
		if (rc == VO_HTTP_ERROR)
			check_refusal(&c.err);
		at += used;
		o += got;
		if (rc == VO_HTTP_MORE && !used && !got)
			break;
	}
	*out_len = o;
	*used_total = at;
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t limits[] = { 64, 128, 256, 512, 1024, 4096, 8192, 65536 };
	struct vo_http_head h;
	const char *buf;
	size_t len;
	size_t max;
	size_t step;
	int rc;

	if (size < 1)
		return 0;
	max = limits[data[0] & 7];
	step = (size_t)(data[0] >> 3) + 1;
	buf = (const char *)data + 1;
	len = size - 1;
	rc = vo_http_parse_head(buf, len, max, fields, VO_HTTP_FIELDS_MAX, &h);
	if (rc == VO_HTTP_ERROR) {
		check_refusal(&h.err);
		return 0;
	}
	if (rc == VO_HTTP_MORE) {
		if (len >= max)
			__builtin_trap();
		return 0;
	}
	if (h.len > len || h.len > max || h.nfields > VO_HTTP_FIELDS_MAX)
		__builtin_trap();
	inside(h.method, buf, h.len);
	inside(h.target, buf, h.len);
	inside(h.path, buf, h.len);
	inside(h.query, buf, h.len);
	inside(h.host, buf, h.len);
	inside(h.content_type, buf, h.len);
	for (size_t i = 0; i < h.nfields; i++) {
		inside(fields[i].name, buf, h.len);
		inside(fields[i].value, buf, h.len);
	}
	if (h.chunked && h.content_length >= 0)
		__builtin_trap();
	/* One byte less is never a complete head. */
	{
		struct vo_http_head p;

		if (vo_http_parse_head(buf, h.len - 1, max, fields, VO_HTTP_FIELDS_MAX, &p) ==
		    VO_HTTP_DONE)
			__builtin_trap();
	}
	/* The path decodes to at most its own length. */
	{
		char path[65536];
		size_t n = 0;

		if (h.path.len <= sizeof(path) && vo_http_path_decode(h.path, path, &n) &&
		    n > h.path.len)
			__builtin_trap();
	}
	if (h.chunked) {
		const char *body = buf + h.len;
		size_t blen = len - h.len;
		char *whole = malloc(blen + 1);
		char *split = malloc(blen + 1);
		char *inplace = malloc(blen + 1);
		size_t n1 = 0;
		size_t n2 = 0;
		size_t n3 = 0;
		size_t u1 = 0;
		size_t u2 = 0;
		size_t u3 = 0;
		int r1;
		int r2;
		int r3;

		if (!whole || !split || !inplace) {
			free(whole);
			free(split);
			free(inplace);
			return 0;
		}
		memcpy(inplace, body, blen);
		r1 = decode_pieces(body, blen, blen ? blen : 1, whole, blen, &n1, &u1);
		r2 = decode_pieces(body, blen, step, split, blen, &n2, &u2);
		r3 = decode_pieces(inplace, blen, blen ? blen : 1, inplace, blen, &n3, &u3);
		/* Errors may be found at different bytes, but success is the same. */
		if ((r1 == VO_HTTP_DONE) != (r2 == VO_HTTP_DONE) || r1 != r3 || n1 != n3)
			__builtin_trap();
		if (r1 == VO_HTTP_DONE && (n1 != n2 || u1 != u2 || memcmp(whole, split, n1) != 0 ||
					   memcmp(whole, inplace, n1) != 0))
			__builtin_trap();
		free(whole);
		free(split);
		free(inplace);
	}
	return 0;
}
