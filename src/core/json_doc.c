/*
 * json_doc.c - strict RFC 8259 parser into a flat node array, see json_doc.h.
 *
 * One loop with an explicit stack of open containers (no recursion, so the
 * nesting limit is a number, not a stack size).  Strings are scanned in place;
 * only a string with an escape is copied, decoded, into the scratch array,
 * which is sized once per parse at the first escape to hold everything that
 * can still follow, so pointers into it stay valid for the whole parse.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/json_doc.h"
#include "core/limits.h"
#include "core/utf8.h"

struct parser {
	struct vo_json_doc *d;
	const unsigned char *p; /* the text */
	size_t len;
	size_t pos;
	size_t scratch_used; /* bytes of d->scratch written in this parse */
	bool scratch_ready;  /* d->scratch holds what the rest of the text can decode to */
	enum vo_json_doc_fault fault;
	size_t fault_at;
};

static int fail(struct parser *ps, enum vo_json_doc_fault fault, size_t at)
{
	ps->fault = fault;
	ps->fault_at = at;
	return fault == VO_JSON_DOC_TOO_MANY_VALUES ? VO_ELIMIT : VO_EFORMAT;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len) {
		unsigned char c = ps->p[ps->pos];

		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			break;
		ps->pos++;
	}
}

/* A new node at the end of the array; its index in *idx. */
static int new_node(struct parser *ps, size_t *idx)
{
	struct vo_json_doc *d = ps->d;
	struct vo_json_node *n;

	if (d->n >= d->max_nodes)
		return fail(ps, VO_JSON_DOC_TOO_MANY_VALUES, ps->pos);
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		cap = VO_MIN(cap, d->max_nodes);
		n = vo_reallocarray(d->nodes, cap, sizeof(*n));
		if (!n)
			return VO_ENOMEM;
		d->nodes = n;
		d->cap = cap;
	}
	*idx = d->n++;
	n = &d->nodes[*idx];
	memset(n, 0, sizeof(*n));
	n->end = (uint32_t)d->n;
	return VO_OK;
}

static int hex4(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static size_t put_utf8(char *dst, uint32_t cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decodes the \u escape at p[i] ("\uXXXX", or a surrogate pair of two) into
 * dst; *used gets the text bytes read and the return value is the bytes
 * written, or 0 for an invalid escape.
 */
static size_t unicode_escape(const unsigned char *p, size_t len, size_t i, char *dst, size_t *used)
{
	uint32_t cp;
	uint32_t lo;

	if (len - i < 6 || hex4(p + i + 2, &cp))
		return 0;
	*used = 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return 0; /* a low surrogate first */
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (len - i < 12 || p[i + 6] != '\\' || p[i + 7] != 'u' || hex4(p + i + 8, &lo) ||
		    lo < 0xdc00 || lo > 0xdfff)
			return 0; /* a high surrogate alone */
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*used = 12;
	}
	return put_utf8(dst, cp);
}

/* Makes d->scratch hold every byte the text from start on can decode to. */
static int ready_scratch(struct parser *ps, size_t start)
{
	struct vo_json_doc *d = ps->d;
	size_t need = ps->len - start;
	char *s;

	ps->scratch_ready = true;
	if (d->scratch_cap >= need)
		return VO_OK;
	s = vo_realloc(d->scratch, need);
	if (!s)
		return VO_ENOMEM;
	d->scratch = s;
	d->scratch_cap = need;
	return VO_OK;
}

/*
 * The string whose opening quote is at ps->pos: *out and *out_len get its
 * decoded bytes (in the text when it has no escape, else in the scratch).
 */
static int parse_string(struct parser *ps, const char **out, uint32_t *out_len)
{
	const unsigned char *p = ps->p;
	size_t len = ps->len;
	size_t start = ps->pos;
	size_t i = start + 1;
	char *dst;
	size_t w;
	int rc;

	for (;;) {
		unsigned char c;
		size_t n;

		while (i < len && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
			i++;
		if (i >= len)
			return fail(ps, VO_JSON_DOC_UNTERMINATED, start);
		c = p[i];
		if (c == '"') {
			*out = (const char *)p + start + 1;
			*out_len = (uint32_t)(i - start - 1);
			ps->pos = i + 1;
			return VO_OK;
		}
		if (c == '\\')
			break;
		if (c < 0x20)
			return fail(ps, VO_JSON_DOC_CONTROL_CHARACTER, i);
		n = vo_utf8_len(p + i, len - i);
		if (!n)
			return fail(ps, VO_JSON_DOC_BAD_UTF8, i);
		i += n;
	}

	/* An escape: decode from the start of the string into the scratch. */
	if (!ps->scratch_ready) {
		rc = ready_scratch(ps, start);
		if (rc)
			return rc;
	}
	dst = ps->d->scratch + ps->scratch_used;
	w = i - start - 1;
	memcpy(dst, p + start + 1, w);
	while (i < len) {
		unsigned char c = p[i];
		size_t n;

		if (c == '"') {
			*out = dst;
			*out_len = (uint32_t)w;
			ps->scratch_used += w;
			ps->pos = i + 1;
			return VO_OK;
		}
		if (c < 0x20)
			return fail(ps, VO_JSON_DOC_CONTROL_CHARACTER, i);
		if (c >= 0x80) {
			n = vo_utf8_len(p + i, len - i);
			if (!n)
				return fail(ps, VO_JSON_DOC_BAD_UTF8, i);
			memcpy(dst + w, p + i, n);
			w += n;
			i += n;
			continue;
		}
		if (c != '\\') {
			dst[w++] = (char)c;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return fail(ps, VO_JSON_DOC_UNTERMINATED, start);
		switch (p[i + 1]) {
		case '"':
		case '\\':
		case '/':
			dst[w++] = (char)p[i + 1];
			break;
		case 'b':
			dst[w++] = '\b';
			break;
		case 'f':
			dst[w++] = '\f';
			break;
		case 'n':
			dst[w++] = '\n';
			break;
		case 'r':
			dst[w++] = '\r';
			break;
		case 't':
			dst[w++] = '\t';
			break;
		case 'u': {
			size_t used = 0;

			n = unicode_escape(p, len, i, dst + w, &used);
			if (!n)
				return fail(ps, VO_JSON_DOC_BAD_UNICODE_ESCAPE, i);
			w += n;
			i += used;
			continue;
		}
		default:
			return fail(ps, VO_JSON_DOC_BAD_ESCAPE, i);
		}
		i += 2;
	}
	return fail(ps, VO_JSON_DOC_UNTERMINATED, start);
}

/*
 * The number at ps->pos: the longest text that RFC 8259's grammar reads as a
 * number, as Python's json module reads it, so "01", "5." and "1e" end after
 * "0", "5" and "1" and the byte that follows is what is reported (a missing
 * delimiter, or extra data).  A '-' without a digit is no value at all.
 */
static int parse_number(struct parser *ps, struct vo_json_node *n)
{
	const unsigned char *p = ps->p;
	size_t len = ps->len;
	size_t start = ps->pos;
	size_t i = start;
	uint8_t flags = 0;

	if (p[i] == '-') {
		flags |= VO_JSON_NUM_NEG;
		i++;
	}
	if (i >= len || !is_digit(p[i]))
		return fail(ps, VO_JSON_DOC_EXPECTING_VALUE, start);
	if (p[i] == '0') {
		i++; /* a leading zero is the whole integer part */
	} else {
		while (i < len && is_digit(p[i]))
			i++;
	}
	if (i + 1 < len && p[i] == '.' && is_digit(p[i + 1])) {
		i += 2;
		while (i < len && is_digit(p[i]))
			i++;
		flags |= VO_JSON_NUM_FRAC;
	}
	if (i < len && (p[i] == 'e' || p[i] == 'E')) {
		size_t e = i + 1;

		if (e < len && (p[e] == '+' || p[e] == '-'))
			e++;
		if (e < len && is_digit(p[e])) {
			while (e < len && is_digit(p[e]))
				e++;
			i = e;
			flags |= VO_JSON_NUM_EXP;
		}
	}
	n->type = VO_JSON_NUMBER;
	n->flags = flags;
	n->ptr = (const char *)p + start;
	n->len = (uint32_t)(i - start);
	ps->pos = i;
	return VO_OK;
}

/* true, false or null at ps->pos. */
static int parse_literal(struct parser *ps, struct vo_json_node *n)
{
	static const struct {
		const char *text;
		size_t len;
		uint8_t type;
	} words[] = {
		{ "true", 4, VO_JSON_TRUE },
		{ "false", 5, VO_JSON_FALSE },
		{ "null", 4, VO_JSON_NULL },
	};

	for (size_t k = 0; k < VO_ARRAY_SIZE(words); k++) {
		if (ps->len - ps->pos >= words[k].len &&
		    !memcmp(ps->p + ps->pos, words[k].text, words[k].len)) {
			n->type = words[k].type;
			ps->pos += words[k].len;
			return VO_OK;
		}
	}
	return fail(ps, VO_JSON_DOC_EXPECTING_VALUE, ps->pos);
}

static int parse(struct parser *ps)
{
	struct vo_json_doc *d = ps->d;
	uint32_t stack[VO_JSON_NESTING_MAX]; /* the open containers' node indexes */
	size_t depth = 0;
	const char *key = NULL;
	uint32_t key_len = 0;
	size_t idx;
	int rc;

	skip_ws(ps);
value:
	if (ps->pos >= ps->len)
		return fail(ps, VO_JSON_DOC_EXPECTING_VALUE, ps->pos);
	rc = new_node(ps, &idx);
	if (rc)
		return rc;
	d->nodes[idx].key = key;
	d->nodes[idx].key_len = key_len;
	if (depth)
		d->nodes[stack[depth - 1]].len++;
	switch (ps->p[ps->pos]) {
	case '{':
	case '[':
		if (depth == VO_JSON_NESTING_MAX)
			return fail(ps, VO_JSON_DOC_TOO_DEEP, ps->pos);
		d->nodes[idx].type = ps->p[ps->pos] == '{' ? VO_JSON_OBJECT : VO_JSON_ARRAY;
		stack[depth++] = (uint32_t)idx;
		ps->pos++;
		skip_ws(ps);
		if (ps->pos < ps->len &&
		    ps->p[ps->pos] == (d->nodes[idx].type == VO_JSON_OBJECT ? '}' : ']')) {
			ps->pos++;
			depth--;
			goto after;
		}
		if (d->nodes[idx].type == VO_JSON_OBJECT)
			goto name;
		key = NULL;
		key_len = 0;
		goto value;
	case '"':
		d->nodes[idx].type = VO_JSON_STRING;
		rc = parse_string(ps, &d->nodes[idx].ptr, &d->nodes[idx].len);
		break;
	case '-':
	case '0':
	case '1':
	case '2':
	case '3':
	case '4':
	case '5':
	case '6':
	case '7':
	case '8':
	case '9':
		rc = parse_number(ps, &d->nodes[idx]);
		break;
	default:
		rc = parse_literal(ps, &d->nodes[idx]);
		break;
	}
	if (rc)
		return rc;
after:
	if (!depth) {
		skip_ws(ps);
		if (ps->pos != ps->len)
			return fail(ps, VO_JSON_DOC_EXTRA_DATA, ps->pos);
		return VO_OK;
	}
	skip_ws(ps);
	idx = stack[depth - 1];
	if (ps->pos < ps->len && ps->p[ps->pos] == ',') {
		ps->pos++;
		skip_ws(ps);
		if (d->nodes[idx].type == VO_JSON_OBJECT)
			goto name;
		key = NULL;
		key_len = 0;
		goto value;
	}
	if (ps->pos < ps->len &&
	    ps->p[ps->pos] == (d->nodes[idx].type == VO_JSON_OBJECT ? '}' : ']')) {
		ps->pos++;
		d->nodes[idx].end = (uint32_t)d->n;
		depth--;
		goto after;
	}
	return fail(ps, VO_JSON_DOC_EXPECTING_COMMA, ps->pos);
name:
	if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
		return fail(ps, VO_JSON_DOC_EXPECTING_NAME, ps->pos);
	rc = parse_string(ps, &key, &key_len);
	if (rc)
		return rc;
	skip_ws(ps);
	if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
		return fail(ps, VO_JSON_DOC_EXPECTING_COLON, ps->pos);
	ps->pos++;
	skip_ws(ps);
	goto value;
}

void vo_json_doc_init(struct vo_json_doc *d, size_t max_nodes)
{
	memset(d, 0, sizeof(*d));
	d->max_nodes = max_nodes ? max_nodes : 1;
}

void vo_json_doc_release(struct vo_json_doc *d)
{
	vo_free(d->nodes);
	vo_free(d->scratch);
	d->nodes = NULL;
	d->scratch = NULL;
	d->n = 0;
	d->cap = 0;
	d->scratch_cap = 0;
}

void vo_json_doc_trim(struct vo_json_doc *d, size_t keep)
{
	d->n = 0;
	if (d->cap * sizeof(*d->nodes) > keep) {
		vo_free(d->nodes);
		d->nodes = NULL;
		d->cap = 0;
	}
	if (d->scratch_cap > keep) {
		vo_free(d->scratch);
		d->scratch = NULL;
		d->scratch_cap = 0;
	}
}

int vo_json_doc_parse(struct vo_json_doc *d, const char *text, size_t len,
		      struct vo_json_doc_error *err)
{
	struct parser ps;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.d = d;
	ps.p = (const unsigned char *)(text ? text : "");
	ps.len = text ? len : 0;
	d->n = 0;
	if (ps.len >= UINT32_MAX)
		rc = fail(&ps, VO_JSON_DOC_TOO_MANY_VALUES, 0);
	else
		rc = parse(&ps);
	if (rc) {
		d->n = 0;
		if (err && rc != VO_ENOMEM) {
			err->fault = ps.fault;
			err->offset = ps.fault_at;
			err->line = 1;
			err->column = 1;
			for (size_t i = 0; i < ps.fault_at && i < ps.len; i++) {
				if (ps.p[i] == '\n') {
					err->line++;
					err->column = 1;
				} else {
					err->column++;
				}
			}
		}
	}
	return rc;
}

const char *vo_json_doc_fault_text(enum vo_json_doc_fault f)
{
	switch (f) {
	case VO_JSON_DOC_OK:
		return "valid";
	case VO_JSON_DOC_EXPECTING_VALUE:
		return "Expecting value";
	case VO_JSON_DOC_EXPECTING_NAME:
		return "Expecting property name enclosed in double quotes";
	case VO_JSON_DOC_EXPECTING_COLON:
		return "Expecting ':' delimiter";
	case VO_JSON_DOC_EXPECTING_COMMA:
		return "Expecting ',' delimiter";
	case VO_JSON_DOC_UNTERMINATED:
		return "Unterminated string starting at";
	case VO_JSON_DOC_CONTROL_CHARACTER:
		return "Invalid control character at";
	case VO_JSON_DOC_BAD_ESCAPE:
		return "Invalid \\escape";
	case VO_JSON_DOC_BAD_UNICODE_ESCAPE:
		return "Invalid \\uXXXX escape";
	case VO_JSON_DOC_BAD_UTF8:
		return "Invalid UTF-8";
	case VO_JSON_DOC_EXTRA_DATA:
		return "Extra data";
	case VO_JSON_DOC_TOO_DEEP:
		return "Nesting too deep";
	case VO_JSON_DOC_TOO_MANY_VALUES:
		return "Too many values";
	}
	return "Invalid JSON";
}
