/*
 * http_parse.h - HTTP/1.1 request heads and chunked bodies as pure functions
 * over bytes (RFC 9112), for the engine (http/conn.c), the unit tests and the
 * fuzz target.
 *
 * Nothing here allocates, blocks or keeps global state: a head is parsed
 * from the bytes received so far, again each time more arrive (heads are
 * small and bounded), and a chunked body is decoded by a small state machine
 * that is fed whatever has arrived.  Every rule the engine enforces on
 * framing is decided here, so a test can show it on bytes alone:
 *
 * - Lines end with CRLF.  A bare LF, or a CR not followed by LF, is 400.
 * - The request line is METHOD SP TARGET SP HTTP/1.x, with single spaces;
 *   the method is a token, the target visible ASCII.  Another major version
 *   is 505.  Empty lines before the request line are skipped (RFC 9112 2.2)
 *   but count towards the head's size.
 * - The target is origin-form (/path?query), absolute-form
 *   (http://host/path?query: served by its path) or "*"; anything else is 400.
 * - A field line is NAME ":" OWS VALUE OWS.  White space before the colon,
 *   or a line that starts with white space (obs-fold), is 400 (RFC 9112 5.1,
 *   5.2).  The name is a token; the value may hold visible ASCII, SP, HTAB
 *   and bytes 0x80-0xFF; NUL, CR, LF and other control bytes are 400.
 * - HTTP/1.1 without Host (unless the target is in absolute-form, whose
 *   authority is the host), two Host fields or an invalid Host is 400.
 * - Content-Length is 1*DIGIT (a larger value than fits is read as
 *   INT64_MAX, i.e. too large); two that differ are 400; with
 *   Transfer-Encoding it is 400.
 * - Transfer-Encoding is a list of codings whose last must be chunked (else
 *   400); chunked given twice is 400; any coding before it is 501 (none is
 *   supported); two Transfer-Encoding fields are 400; in an HTTP/1.0
 *   request it is 400.
 * - Expect: 100-continue is understood; any other expectation is 417.
 * - A head longer than the limit is 431, or 414 when the request line alone
 *   does not fit; more than VO_HTTP_FIELDS_MAX field lines is 431.
 *
 * An error always means the connection cannot be trusted for another
 * request: the engine answers and closes.
 */
#ifndef VO_HTTP_PARSE_H
#define VO_HTTP_PARSE_H

#include "core/common.h"

#include "core/str.h"

/* What a parse step returns. */
enum vo_http_parse_result {
	VO_HTTP_DONE = 0,  /* complete */
	VO_HTTP_MORE = 1,  /* incomplete: call again with more bytes */
	VO_HTTP_ERROR = -1 /* malformed: see the status, code and message */
};

/* One field line of a head: views into the parsed bytes. */
struct vo_http_field {
	struct vo_str name;  /* as sent (compare without case) */
	struct vo_str value; /* without the surrounding white space */
};

/* Why a head or body was refused (static strings). */
struct vo_http_refusal {
	int status;	     /* 400, 413, 414, 417, 431, 501 or 505 */
	const char *code;    /* "bad_request", ... */
	const char *message; /* one lower-case sentence for the client */
};

/* A parsed request head.  Every view points into the parsed bytes. */
struct vo_http_head {
	size_t len;		      /* bytes of the head, through the empty line */
	struct vo_str method;	      /* a token, e.g. "POST" */
	struct vo_str target;	      /* the request-target as sent */
	struct vo_str path;	      /* its path, still percent-encoded; "/" for http://host */
	struct vo_str query;	      /* after '?', without it; empty when none */
	bool absolute;		      /* the target is in absolute-form */
	unsigned minor;		      /* HTTP/1.minor */
	struct vo_str host;	      /* ptr NULL when absent */
	struct vo_str content_type;   /* ptr NULL when absent */
	int64_t content_length;	      /* -1 when absent */
	bool chunked;		      /* Transfer-Encoding: chunked */
	bool expect_continue;	      /* Expect: 100-continue */
	bool conn_close;	      /* Connection: close */
	bool conn_keep_alive;	      /* Connection: keep-alive */
	struct vo_http_field *fields; /* the caller's array, filled in order */
	size_t nfields;
	struct vo_http_refusal err; /* set on VO_HTTP_ERROR */
};

/*
 * Parses the request head at the start of buf[0..len).  fields (room for
 * nfields_cap entries) receives the field lines; more than that is 431.
 * max_head bounds the head's bytes, request line, field lines and the
 * empty line with their CRLFs (exactly: a head of max_head bytes is
 * accepted, one more byte is 431, or 414 when the request line alone is
 * longer).
 *
 * VO_HTTP_DONE: the head is complete and valid, head->len bytes long.
 * VO_HTTP_MORE: no error so far, the head is not complete and len <
 * max_head.  VO_HTTP_ERROR: head->err says why; an error in a complete line
 * is found as soon as that line has arrived.
 */
int vo_http_parse_head(const char *buf, size_t len, size_t max_head, struct vo_http_field *fields,
		       size_t nfields_cap, struct vo_http_head *head);

/*
 * Whether bytes (a part of a head that ends just before new bytes start)
 * may now hold a complete line: true when buf[from..len) holds a LF, i.e.
 * when a parse could decide more than the last one did.
 */
static inline bool vo_http_head_has_line(const char *buf, size_t from, size_t len)
{
	return from < len && memchr(buf + from, '\n', len - from) != NULL;
}

/*
 * Percent-decodes a path into out (room for path.len bytes; out may equal
 * path.ptr).  Returns false when a '%' is not followed by two hex digits or
 * when a decoded byte is a control byte (0x00-0x1F, 0x7F): such a path names
 * no resource.  *out_len is the decoded length.
 */
bool vo_http_path_decode(struct vo_str path, char *out, size_t *out_len);

/* The state of a chunked body's decoder; set up with vo_http_chunked_init(). */
struct vo_http_chunked {
	int state;		    /* where in the framing the decoder is */
	uint64_t left;		    /* data bytes left in the current chunk */
	size_t line;		    /* bytes of the current size or trailer line */
	size_t trailer;		    /* bytes of the trailer section so far */
	size_t max_trailer;	    /* its limit */
	unsigned digits;	    /* hex digits of the current size */
	bool last;		    /* the current size line is the last chunk's (0) */
	struct vo_http_refusal err; /* set on VO_HTTP_ERROR */
};

/* Starts a body; the trailer section may hold max_trailer bytes. */
void vo_http_chunked_init(struct vo_http_chunked *c, size_t max_trailer);

/*
 * Decodes what in[0..len) holds of a chunked body: chunk sizes (hex, at
 * most 15 digits) with optional extensions (ignored), chunk data each
 * followed by CRLF, the last chunk (size 0) and the trailer section (field
 * lines checked like a head's, then dropped), all bounded
 * (VO_HTTP_CHUNK_LINE_MAX, max_trailer).  The data goes to out (at most
 * out_cap bytes), which may be in itself or any address before it: the
 * framing only ever shrinks.  *used is the bytes of in consumed, *out_len
 * the data bytes written.
 *
 * VO_HTTP_DONE: the body ended at in[*used - 1]; the rest is the next
 * request.  VO_HTTP_MORE: all of in was consumed, or out is full (*out_len
 * == out_cap and *used < len): call again with more input or more room.
 * VO_HTTP_ERROR: malformed (c->err); the connection must close.
 */
int vo_http_chunked_decode(struct vo_http_chunked *c, const char *in, size_t len, char *out,
			   size_t out_cap, size_t *used, size_t *out_len);

/* The reason phrase of a status ("OK", "Not Found", ...; "Unknown"). */
const char *vo_http_reason(int status);

#endif
