/*
 * json_doc.h - a strict RFC 8259 JSON parser into a flat array of nodes.
 *
 * Made for untrusted request bodies: every byte is judged as the RFC says,
 * nothing is read past the given length, strings are (ptr, len) views that
 * may hold any byte a \u escape can write, NUL included, and numbers keep
 * their text so that the caller judges them exactly (no rounding through a
 * double).  What is refused, with the byte offset of the fault:
 *
 * - anything but one value and white space (space, tab, LF, CR); a byte
 *   order mark; text after the value;
 * - numbers outside the grammar: leading zeros (01), a point without a digit
 *   after it (5.), a bare sign, an exponent without digits, NaN, Infinity
 *   (a number ends where the grammar stops reading it, as in Python's json,
 *   so "01" is 0 followed by a '1' that is reported as a missing delimiter
 *   or extra data);
 * - control bytes (below 0x20) inside strings, invalid escapes, a \u escape
 *   of a lone surrogate, bytes that are not UTF-8 (overlong forms, encoded
 *   surrogates, code points past U+10FFFF, cut sequences);
 * - nesting deeper than VO_JSON_NESTING_MAX, more than max_nodes values.
 *
 * Duplicate member names are kept, in order: the caller decides.
 *
 * The document owns two arrays that it reuses from one parse to the next
 * (nodes, and the decoded copies of strings that had escapes), so a parser
 * kept by a thread allocates nothing once it has seen its largest input;
 * vo_json_doc_trim() gives memory back after an unusually large one.  A
 * string without escapes points into the parsed text, so nodes are valid
 * until the next parse, trim or release, and only while the text lives.
 *
 * Layout: nodes[0] is the root.  A container's members follow it in order;
 * node i's subtree ends before nodes[i].end, so nodes[i].end is the index of
 * its next sibling (the first member of container i, when it has one, is
 * i + 1).  An object member's name is in its value's node (key, key_len).
 */
#ifndef VO_CORE_JSON_DOC_H
#define VO_CORE_JSON_DOC_H

#include "core/common.h"

#include "core/str.h"

enum vo_json_type {
	VO_JSON_NULL,
	VO_JSON_FALSE,
	VO_JSON_TRUE,
	VO_JSON_NUMBER,
	VO_JSON_STRING,
	VO_JSON_ARRAY,
	VO_JSON_OBJECT,
};

/* Flags of a number node. */
enum vo_json_num_flags {
	VO_JSON_NUM_NEG = 1 << 0,  /* the text starts with '-' */
	VO_JSON_NUM_FRAC = 1 << 1, /* it has a fraction ('.') */
	VO_JSON_NUM_EXP = 1 << 2,  /* it has an exponent ('e' or 'E') */
};

struct vo_json_node {
	const char *ptr; /* string: its decoded bytes; number: its text; else NULL */
	const char *key; /* an object member: its decoded name; else NULL */
	uint32_t len;	 /* string, number: bytes at ptr; array, object: members */
	uint32_t key_len;
	uint32_t end;  /* one past the last node of this value's subtree */
	uint8_t type;  /* enum vo_json_type */
	uint8_t flags; /* number: enum vo_json_num_flags */
};

/* Why a text is not JSON (wording after Python's json module where it has one). */
enum vo_json_doc_fault {
	VO_JSON_DOC_OK,
	VO_JSON_DOC_EXPECTING_VALUE,	/* "Expecting value" */
	VO_JSON_DOC_EXPECTING_NAME,	/* "Expecting property name enclosed in double quotes" */
	VO_JSON_DOC_EXPECTING_COLON,	/* "Expecting ':' delimiter" */
	VO_JSON_DOC_EXPECTING_COMMA,	/* "Expecting ',' delimiter" */
	VO_JSON_DOC_UNTERMINATED,	/* "Unterminated string starting at" */
	VO_JSON_DOC_CONTROL_CHARACTER,	/* "Invalid control character at" */
	VO_JSON_DOC_BAD_ESCAPE,		/* "Invalid \\escape" */
	VO_JSON_DOC_BAD_UNICODE_ESCAPE, /* "Invalid \\uXXXX escape" (also lone surrogates) */
	VO_JSON_DOC_BAD_UTF8,		/* "Invalid UTF-8" */
	VO_JSON_DOC_EXTRA_DATA,		/* "Extra data" */
	VO_JSON_DOC_TOO_DEEP,		/* "Nesting too deep" */
	VO_JSON_DOC_TOO_MANY_VALUES,	/* "Too many values" */
};

/* Where and why a parse failed. */
struct vo_json_doc_error {
	enum vo_json_doc_fault fault;
	size_t offset; /* byte offset of the fault (of the opening quote when unterminated) */
	size_t line;   /* 1-based line of offset */
	size_t column; /* 1-based column (bytes since the line's start, plus one) */
};

struct vo_json_doc {
	struct vo_json_node *nodes; /* owned; n in use, cap allocated */
	size_t n;
	size_t cap;
	char *scratch; /* owned: decoded strings that had escapes */
	size_t scratch_cap;
	size_t max_nodes; /* a parse of more values fails with VO_ELIMIT */
};

/* An empty document that will accept up to max_nodes values per parse. */
void vo_json_doc_init(struct vo_json_doc *d, size_t max_nodes);

/* Frees both arrays; the document may be parsed into again. */
void vo_json_doc_release(struct vo_json_doc *d);

/* Frees whichever array holds more than keep bytes (after a large input). */
void vo_json_doc_trim(struct vo_json_doc *d, size_t keep);

/*
 * Parses len bytes of text (which need not be NUL-terminated, and may hold
 * NUL bytes, which are refused outside strings).  Returns VO_OK with
 * d->nodes[0..d->n) filled in; VO_EFORMAT when the text is not JSON;
 * VO_ELIMIT when it holds more than d->max_nodes values, or len is 4 GiB or
 * more; VO_ENOMEM.  err, when not NULL, is filled in on every failure but
 * VO_ENOMEM (fault VO_JSON_DOC_TOO_MANY_VALUES for VO_ELIMIT).
 */
int vo_json_doc_parse(struct vo_json_doc *d, const char *text, size_t len,
		      struct vo_json_doc_error *err);

/* The fault's text, such as "Expecting ',' delimiter". */
const char *vo_json_doc_fault_text(enum vo_json_doc_fault f);

/* A string node's bytes, or a number node's text. */
static inline struct vo_str vo_json_view(const struct vo_json_node *n)
{
	return vo_str_make(n->ptr, n->len);
}

/* An object member's name. */
static inline struct vo_str vo_json_name(const struct vo_json_node *n)
{
	return vo_str_make(n->key, n->key_len);
}

/* Iterates over the members of container node index c of doc d. */
#define vo_json_each(d, c, i) \
	for (size_t i = (size_t)(c) + 1; i < (d)->nodes[c].end; i = (d)->nodes[i].end)

#endif
