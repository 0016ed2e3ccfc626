/*
 * http_parse.c - request heads, paths and chunked bodies (see http_parse.h).
 */
#include "core/common.h"

#include "core/limits.h"
#include "http/http_parse.h"

/* Character classes of RFC 9110 / 9112, one bit each. */
enum {
	C_TCHAR = 1 << 0,  /* token: ALPHA DIGIT !#$%&'*+-.^_`|~ */
	C_VALUE = 1 << 1,  /* field value: VCHAR SP HTAB obs-text */
	C_TARGET = 1 << 2, /* request-target: VCHAR (0x21-0x7E) */
	C_HOST = 1 << 3,   /* Host value: unreserved, sub-delims, ':', '[', ']', '%' */
	C_HEX = 1 << 4,
};

#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALNUM(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_TCHAR(c)                                                                           \
	(IS_ALNUM(c) || (c) == '!' || (c) == '#' || (c) == '$' || (c) == '%' || (c) == '&' || \
	 (c) == '\'' || (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || \
	 (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define IS_HOST(c)                                                                            \
	(IS_ALNUM(c) || (c) == '-' || (c) == '.' || (c) == '_' || (c) == '~' || (c) == '!' || \
	 (c) == '$' || (c) == '&' || (c) == '\'' || (c) == '(' || (c) == ')' || (c) == '*' || \
	 (c) == '+' || (c) == ',' || (c) == ';' || (c) == '=' || (c) == ':' || (c) == '[' ||  \
	 (c) == ']' || (c) == '%')
#define IS_HEX(c) (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define CLASS(c)                                                                            \
	(uint8_t)((IS_TCHAR(c) ? C_TCHAR : 0) |                                             \
		  (((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f)) ? C_VALUE : 0) |           \
		  (((c) > 0x20 && (c) < 0x7f) ? C_TARGET : 0) | (IS_HOST(c) ? C_HOST : 0) | \
		  (IS_HEX(c) ? C_HEX : 0))
#define ROW(b)                                                                                  \
	CLASS((b) + 0), CLASS((b) + 1), CLASS((b) + 2), CLASS((b) + 3), CLASS((b) + 4),         \
		CLASS((b) + 5), CLASS((b) + 6), CLASS((b) + 7), CLASS((b) + 8), CLASS((b) + 9), \
		CLASS((b) + 10), CLASS((b) + 11), CLASS((b) + 12), CLASS((b) + 13),             \
		CLASS((b) + 14), CLASS((b) + 15)

/* Built at compile time, so that threads share it without a race. */
static const uint8_t char_class[256] = {
	ROW(0),	  ROW(16),  ROW(32),  ROW(48),	ROW(64),  ROW(80),  ROW(96),  ROW(112),
	ROW(128), ROW(144), ROW(160), ROW(176), ROW(192), ROW(208), ROW(224), ROW(240),
};

static inline bool is(unsigned char c, unsigned cls)
{
	return (char_class[c] & cls) != 0;
}

static inline unsigned hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	return (unsigned)(vo_to_lower(c) - 'a' + 10);
}

static int refuse(struct vo_http_refusal *err, int status, const char *code, const char *message)
{
	err->status = status;
	err->code = code;
	err->message = message;
	return VO_HTTP_ERROR;
}

static int bad(struct vo_http_refusal *err, const char *message)
{
	return refuse(err, 400, "bad_request", message);
}

/* ---- request line ------------------------------------------------------ */

static bool starts_nocase(struct vo_str s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && vo_str_eq_nocase(vo_str_make(s.ptr, n), vo_str_make(prefix, n));
}

/* Splits the target into path and query; absolute-form yields its path. */
static int parse_target(struct vo_http_head *h)
{
	struct vo_str t = h->target;
	const char *p = t.ptr;
	const char *end = t.ptr + t.len;
	const char *q;

	if (t.len == 1 && t.ptr[0] == '*') {
		h->path = t;
		return VO_HTTP_DONE;
	}
	if (t.ptr[0] != '/') {
		size_t skip;

		if (starts_nocase(t, "http://"))
			skip = 7;
		else if (starts_nocase(t, "https://"))
			skip = 8;
		else
			return bad(&h->err, "the request target must be a path or an absolute URL");
		p = t.ptr + skip;
		while (p < end && *p != '/' && *p != '?')
			p++;
		if (p == t.ptr + skip)
			return bad(&h->err, "the absolute URL has no host");
		h->absolute = true;
		if (p == end || *p == '?') {
			h->path = VO_STR_LIT("/");
			if (p < end)
				h->query = vo_str_make(p + 1, (size_t)(end - p - 1));
			return VO_HTTP_DONE;
		}
	}
	q = memchr(p, '?', (size_t)(end - p));
	if (q) {
		h->path = vo_str_make(p, (size_t)(q - p));
		h->query = vo_str_make(q + 1, (size_t)(end - q - 1));
	} else {
		h->path = vo_str_make(p, (size_t)(end - p));
	}
	return VO_HTTP_DONE;
}

/* The complete request line s[0..n), without its CRLF. */
static int parse_request_line(const char *s, size_t n, struct vo_http_head *h)
{
	size_t i = 0;
	size_t t0;
	const char *v;

	while (i < n && is((unsigned char)s[i], C_TCHAR))
		i++;
	if (i == 0 || i == n || s[i] != ' ')
		return bad(&h->err, "malformed request line (METHOD SP TARGET SP HTTP/1.1)");
	h->method = vo_str_make(s, i);
	t0 = ++i;
	while (i < n && is((unsigned char)s[i], C_TARGET))
		i++;
	if (i == t0 || i == n || s[i] != ' ')
		return bad(&h->err, "malformed request line (METHOD SP TARGET SP HTTP/1.1)");
	h->target = vo_str_make(s + t0, i - t0);
	v = s + i + 1;
	if (n - i - 1 != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' ||
	    v[6] != '.' || v[7] < '0' || v[7] > '9')
		return bad(&h->err, "malformed request line (METHOD SP TARGET SP HTTP/1.1)");
	if (v[5] != '1')
		return refuse(&h->err, 505, "http_version_not_supported",
			      "only HTTP/1.0 and HTTP/1.1 are supported");
	h->minor = (unsigned)(v[7] - '0');
	return parse_target(h);
}

/*
 * A request line that has not ended yet: refuses at once what can never
 * become valid (a TLS hello, binary noise), instead of waiting for a
 * deadline.
 */
static int check_partial_request_line(const char *s, size_t n, struct vo_http_head *h)
{
	static const char version[] = "HTTP/1.x\r";
	size_t i = 0;
	size_t v;

	while (i < n && is((unsigned char)s[i], C_TCHAR))
		i++;
	if (i == n)
		return VO_HTTP_MORE;
	if (i == 0 || s[i] != ' ')
		return bad(&h->err, "malformed request line (METHOD SP TARGET SP HTTP/1.1)");
	i++;
	while (i < n && is((unsigned char)s[i], C_TARGET))
		i++;
	if (i == n)
		return VO_HTTP_MORE;
	if (s[i] != ' ')
		return bad(&h->err, "malformed request line (METHOD SP TARGET SP HTTP/1.1)");
	for (i++, v = 0; i < n; i++, v++) {
		bool ok;

		if (v >= sizeof(version) - 1)
			ok = false;
		else if (version[v] == 'x' || v == 5)
			ok = s[i] >= '0' && s[i] <= '9';
		else
			ok = s[i] == version[v];
		if (ok && v == 5 && s[i] != '1')
			return refuse(&h->err, 505, "http_version_not_supported",
				      "only HTTP/1.0 and HTTP/1.1 are supported");
		if (!ok)
			return bad(&h->err,
				   "malformed request line (METHOD SP TARGET SP HTTP/1.1)");
	}
	return VO_HTTP_MORE;
}

/* ---- field lines ------------------------------------------------------- */

/* Whether name is lower (a lower-case literal) ignoring case; lengths first. */
#define NAME_IS(name, lower) \
	((name).len == sizeof(lower) - 1 && vo_str_eq_nocase((name), VO_STR_LIT(lower)))

/* The next non-empty element of a comma-separated list (RFC 9110 5.6.1). */
static struct vo_str list_next(struct vo_str *rest)
{
	while (rest->len) {
		const char *comma = memchr(rest->ptr, ',', rest->len);
		size_t n = comma ? (size_t)(comma - rest->ptr) : rest->len;
		struct vo_str item = vo_str_trim(vo_str_make(rest->ptr, n));

		rest->ptr += comma ? n + 1 : n;
		rest->len -= comma ? n + 1 : n;
		if (item.len)
			return item;
	}
	return vo_str_make(NULL, 0);
}

static int parse_content_length(struct vo_str v, struct vo_http_head *h)
{
	int64_t n = 0;

	if (!v.len)
		return bad(&h->err, "Content-Length is not a number");
	for (size_t i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.ptr[i];

		if (c < '0' || c > '9')
			return bad(&h->err, "Content-Length is not a number");
		if (n > (INT64_MAX - 9) / 10)
			n = INT64_MAX; /* saturates: larger than any limit */
		else
			n = n * 10 + (c - '0');
	}
	if (h->content_length >= 0 && h->content_length != n)
		return bad(&h->err, "two different Content-Length values");
	h->content_length = n;
	return VO_HTTP_DONE;
}

static int parse_transfer_encoding(struct vo_str v, struct vo_http_head *h, bool *seen)
{
	struct vo_str rest = v;
	struct vo_str item;
	bool other = false;
	bool last_chunked = false;

	if (*seen)
		return bad(&h->err, "two Transfer-Encoding fields");
	*seen = true;
	while ((item = list_next(&rest)).len) {
		if (vo_str_eq_nocase(item, VO_STR_LIT("chunked"))) {
			if (h->chunked)
				return bad(&h->err, "chunked is given twice in Transfer-Encoding");
			h->chunked = true;
			last_chunked = true;
		} else {
			other = true;
			last_chunked = false;
		}
	}
	if (!h->chunked && !other)
		return bad(&h->err, "Transfer-Encoding is empty");
	if (!last_chunked)
		return bad(&h->err, "the last transfer coding must be chunked");
	if (other)
		return refuse(&h->err, 501, "not_implemented",
			      "no transfer coding but chunked is supported");
	return VO_HTTP_DONE;
}

/* Applies the fields the engine itself understands. */
static int known_field(struct vo_http_head *h, struct vo_str name, struct vo_str value,
		       bool *te_seen)
{
	switch (vo_to_lower((unsigned char)name.ptr[0])) {
	case 'h':
		if (NAME_IS(name, "host")) {
			if (h->host.ptr)
				return bad(&h->err, "two Host fields");
			for (size_t i = 0; i < value.len; i++)
				if (!is((unsigned char)value.ptr[i], C_HOST))
					return bad(&h->err, "invalid Host");
			h->host = value;
		}
		break;
	case 'c':
		if (NAME_IS(name, "content-length"))
			return parse_content_length(value, h);
		if (NAME_IS(name, "content-type")) {
			if (h->content_type.ptr)
				return bad(&h->err, "two Content-Type fields");
			h->content_type = value;
		} else if (NAME_IS(name, "connection")) {
			struct vo_str rest = value;
			struct vo_str item;

			while ((item = list_next(&rest)).len) {
				if (vo_str_eq_nocase(item, VO_STR_LIT("close")))
					h->conn_close = true;
				else if (vo_str_eq_nocase(item, VO_STR_LIT("keep-alive")))
					h->conn_keep_alive = true;
			}
		}
		break;
	case 't':
		if (NAME_IS(name, "transfer-encoding"))
			return parse_transfer_encoding(value, h, te_seen);
		break;
	case 'e':
		if (NAME_IS(name, "expect")) {
			if (!vo_str_eq_nocase(value, VO_STR_LIT("100-continue")))
				return refuse(&h->err, 417, "expectation_failed",
					      "only Expect: 100-continue is supported");
			h->expect_continue = true;
		}
		break;
	default:
		break;
	}
	return VO_HTTP_DONE;
}

/* The complete field line s[0..n), without its CRLF. */
static int parse_field(const char *s, size_t n, struct vo_http_head *h, size_t cap, bool *te_seen)
{
	size_t i = 0;
	struct vo_str name;
	struct vo_str value;
	size_t b;
	size_t e;

	if (s[0] == ' ' || s[0] == '\t')
		return bad(&h->err, "a header line starts with white space (obs-fold)");
	while (i < n && is((unsigned char)s[i], C_TCHAR))
		i++;
	if (i == n || s[i] != ':') {
		if (i < n && (s[i] == ' ' || s[i] == '\t'))
			return bad(&h->err, "white space between a header name and its colon");
		return bad(&h->err, "malformed header line (NAME: VALUE)");
	}
	if (i == 0)
		return bad(&h->err, "a header line without a name");
	name = vo_str_make(s, i);
	for (b = i + 1; b < n && (s[b] == ' ' || s[b] == '\t');)
		b++;
	for (e = n; e > b && (s[e - 1] == ' ' || s[e - 1] == '\t');)
		e--;
	for (size_t k = b; k < e; k++)
		if (!is((unsigned char)s[k], C_VALUE))
			return bad(&h->err, "a control byte (NUL, CR, LF, ...) in a header value");
	value = vo_str_make(s + b, e - b);
	if (h->nfields >= cap)
		return refuse(&h->err, 431, "header_too_large", "too many header fields");
	h->fields[h->nfields].name = name;
	h->fields[h->nfields].value = value;
	h->nfields++;
	return known_field(h, name, value, te_seen);
}

/* A field line that has not ended yet (see check_partial_request_line). */
static int check_partial_field(const char *s, size_t n, struct vo_http_head *h)
{
	size_t i = 0;

	if (s[0] == ' ' || s[0] == '\t')
		return bad(&h->err, "a header line starts with white space (obs-fold)");
	while (i < n && is((unsigned char)s[i], C_TCHAR))
		i++;
	if (i == n)
		return VO_HTTP_MORE;
	if (s[i] != ':') {
		if (s[i] == ' ' || s[i] == '\t')
			return bad(&h->err, "white space between a header name and its colon");
		if (s[i] == '\r' && i == n - 1 && i == 0)
			return VO_HTTP_MORE; /* the empty line, its LF to come */
		return bad(&h->err, "malformed header line (NAME: VALUE)");
	}
	if (i == 0)
		return bad(&h->err, "a header line without a name");
	for (i++; i < n; i++)
		if (!is((unsigned char)s[i], C_VALUE) && !(s[i] == '\r' && i == n - 1))
			return bad(&h->err, "a control byte (NUL, CR, LF, ...) in a header value");
	return VO_HTTP_MORE;
}

/* ---- the head ---------------------------------------------------------- */

static int finish_head(struct vo_http_head *h)
{
	if (h->minor >= 1 && !h->host.ptr && !h->absolute)
		return bad(&h->err, "an HTTP/1.1 request needs a Host header");
	if (h->chunked && h->content_length >= 0)
		return bad(&h->err, "both Content-Length and Transfer-Encoding are given");
	if (h->chunked && h->minor == 0)
		return bad(&h->err, "Transfer-Encoding in an HTTP/1.0 request");
	return VO_HTTP_DONE;
}

/* The head is incomplete: too large, or wait for more. */
static int incomplete(struct vo_http_head *h, size_t len, size_t max_head, bool line_done)
{
	if (len < max_head)
		return VO_HTTP_MORE;
	if (!line_done)
		return refuse(&h->err, 414, "uri_too_long", "the request line is too long");
	return refuse(&h->err, 431, "header_too_large", "the request head is too large");
}

int vo_http_parse_head(const char *buf, size_t len, size_t max_head, struct vo_http_field *fields,
		       size_t nfields_cap, struct vo_http_head *head)
{
	size_t lim = VO_MIN(len, max_head);
	size_t pos = 0;
	bool te_seen = false;
	const char *lf;
	int rc;

	memset(head, 0, sizeof(*head));
	head->content_length = -1;
	head->fields = fields;

	/* Empty lines before the request line. */
	while (pos < lim && buf[pos] == '\r') {
		if (pos + 1 == lim)
			return incomplete(head, len, max_head, false);
		if (buf[pos + 1] != '\n')
			return bad(&head->err, "a CR without LF");
		pos += 2;
	}
	if (pos < lim && buf[pos] == '\n')
		return bad(&head->err, "a line ends with LF without CR");
	lf = pos < lim ? memchr(buf + pos, '\n', lim - pos) : NULL;
	if (!lf) {
		rc = pos < lim ? check_partial_request_line(buf + pos, lim - pos, head)
			       : VO_HTTP_MORE;
		return rc == VO_HTTP_MORE ? incomplete(head, len, max_head, false) : rc;
	}
	if (lf == buf + pos || lf[-1] != '\r')
		return bad(&head->err, "a line ends with LF without CR");
	rc = parse_request_line(buf + pos, (size_t)(lf - 1 - (buf + pos)), head);
	if (rc)
		return rc;
	pos = (size_t)(lf - buf) + 1;

	for (;;) {
		size_t n;

		lf = pos < lim ? memchr(buf + pos, '\n', lim - pos) : NULL;
		if (!lf) {
			rc = pos < lim ? check_partial_field(buf + pos, lim - pos, head)
				       : VO_HTTP_MORE;
			return rc == VO_HTTP_MORE ? incomplete(head, len, max_head, true) : rc;
		}
		if (lf == buf + pos || lf[-1] != '\r')
			return bad(&head->err, "a line ends with LF without CR");
		n = (size_t)(lf - 1 - (buf + pos));
		if (n == 0)
			break;
		rc = parse_field(buf + pos, n, head, nfields_cap, &te_seen);
		if (rc)
			return rc;
		pos = (size_t)(lf - buf) + 1;
	}
	head->len = (size_t)(lf - buf) + 1;
	return finish_head(head);
}

/* ---- paths ------------------------------------------------------------- */

bool vo_http_path_decode(struct vo_str path, char *out, size_t *out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < path.len; i++) {
		unsigned char c = (unsigned char)path.ptr[i];

		if (c == '%') {
			if (i + 2 >= path.len || !is((unsigned char)path.ptr[i + 1], C_HEX) ||
			    !is((unsigned char)path.ptr[i + 2], C_HEX))
				return false;
			c = (unsigned char)(hex_value((unsigned char)path.ptr[i + 1]) * 16 +
					    hex_value((unsigned char)path.ptr[i + 2]));
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return false;
		out[o++] = (char)c;
	}
	*out_len = o;
	return true;
}

/* ---- chunked bodies ---------------------------------------------------- */

enum chunk_state {
	CH_SIZE,     /* hex digits of a chunk size */
	CH_EXT,	     /* chunk extensions, up to the CR */
	CH_SIZE_LF,  /* the LF of a size line */
	CH_DATA,     /* chunk data */
	CH_DATA_CR,  /* the CRLF after chunk data */
	CH_DATA_LF,  /* */
	CH_TSTART,   /* the start of a trailer line, or the final CRLF */
	CH_TNAME,    /* a trailer field's name */
	CH_TVALUE,   /* its value, up to the CR */
	CH_TLF,	     /* the LF of a trailer line */
	CH_END_LF,   /* the LF of the final CRLF */
	CH_FINISHED, /* the body ended */
};

void vo_http_chunked_init(struct vo_http_chunked *c, size_t max_trailer)
{
	memset(c, 0, sizeof(*c));
	c->state = CH_SIZE;
	c->max_trailer = max_trailer;
}

int vo_http_chunked_decode(struct vo_http_chunked *c, const char *in, size_t len, char *out,
			   size_t out_cap, size_t *used, size_t *out_len)
{
	size_t i = 0;
	size_t o = 0;
	int rc = VO_HTTP_MORE;

	while (i < len) {
		unsigned char ch = (unsigned char)in[i];

		switch (c->state) {
		case CH_SIZE:
			if (is(ch, C_HEX)) {
				if (++c->digits > 15) {
					rc = refuse(&c->err, 413, "payload_too_large",
						    "a chunk is too large");
					goto out;
				}
				c->left = c->left * 16 + hex_value(ch);
			} else if (c->digits && (ch == ';' || ch == ' ' || ch == '\t')) {
				c->state = CH_EXT;
			} else if (c->digits && ch == '\r') {
				c->state = CH_SIZE_LF;
			} else {
				rc = bad(&c->err, "malformed chunk size");
				goto out;
			}
			break;
		case CH_EXT:
			if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (!is(ch, C_VALUE)) {
				rc = bad(&c->err, "a control byte in a chunk extension");
				goto out;
			}
			break;
		case CH_SIZE_LF:
			if (ch != '\n') {
				rc = bad(&c->err, "a chunk size line ends without CRLF");
				goto out;
			}
			c->line = 0;
			c->digits = 0;
			c->state = c->left ? CH_DATA : CH_TSTART;
			i++;
			continue;
		case CH_DATA: {
			size_t n = (size_t)VO_MIN(c->left, (uint64_t)(len - i));

			n = VO_MIN(n, out_cap - o);
			if (!n) {
				rc = VO_HTTP_MORE; /* out is full */
				goto out;
			}
			memmove(out + o, in + i, n);
			o += n;
			i += n;
			c->left -= n;
			if (!c->left)
				c->state = CH_DATA_CR;
			continue;
		}
		case CH_DATA_CR:
			if (ch != '\r') {
				rc = bad(&c->err, "chunk data is not followed by CRLF");
				goto out;
			}
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n') {
				rc = bad(&c->err, "chunk data is not followed by CRLF");
				goto out;
			}
			c->state = CH_SIZE;
			break;
		case CH_TSTART:
			if (ch == '\r') {
				c->state = CH_END_LF;
			} else if (is(ch, C_TCHAR)) {
				c->state = CH_TNAME;
			} else {
				rc = bad(&c->err, "malformed trailer field");
				goto out;
			}
			break;
		case CH_TNAME:
			if (ch == ':') {
				c->state = CH_TVALUE;
			} else if (!is(ch, C_TCHAR)) {
				rc = bad(&c->err, "malformed trailer field");
				goto out;
			}
			break;
		case CH_TVALUE:
			if (ch == '\r') {
				c->state = CH_TLF;
			} else if (!is(ch, C_VALUE)) {
				rc = bad(&c->err, "a control byte in a trailer field");
				goto out;
			}
			break;
		case CH_TLF:
			if (ch != '\n') {
				rc = bad(&c->err, "a line ends with CR without LF");
				goto out;
			}
			c->state = CH_TSTART;
			break;
		case CH_END_LF:
			if (ch != '\n') {
				rc = bad(&c->err, "a line ends with CR without LF");
				goto out;
			}
			c->state = CH_FINISHED;
			i++;
			rc = VO_HTTP_DONE;
			goto out;
		default:
			rc = VO_HTTP_DONE;
			goto out;
		}
		/* Framing bytes: bounded per size line and over the trailer section. */
		if (c->state == CH_SIZE || c->state == CH_EXT || c->state == CH_SIZE_LF) {
			if (++c->line > VO_HTTP_CHUNK_LINE_MAX) {
				rc = bad(&c->err, "a chunk size line is too long");
				goto out;
			}
		} else if (c->state >= CH_TSTART && c->state <= CH_END_LF) {
			if (++c->trailer > c->max_trailer) {
				rc = refuse(&c->err, 431, "header_too_large",
					    "the trailer section is too large");
				goto out;
			}
		}
		i++;
	}
out:
	*used = i;
	*out_len = o;
	return rc;
}

const char *vo_http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 204:
		return "No Content";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}
