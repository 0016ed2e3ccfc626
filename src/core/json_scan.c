/*
 * json_scan.c - a JSON text's shape and cost without building it; see
 * json_scan.h.
 *
 * An explicit stack of open containers (depth is bounded by the limits, at
 * most VO_JSON_SCAN_DEPTH_MAX), a cursor that never reads past len, and
 * counters.  Strings are skipped with their escapes; numbers and literals
 * are skipped by their characters.
 */
#include "core/common.h"

#include "core/json_scan.h"

/* The deepest stack the scanner keeps, whatever the limits ask. */
#define VO_JSON_SCAN_DEPTH_MAX 256

/* One open array or object. */
struct frame {
	bool object; /* members (key: value) rather than elements */
	size_t items;
};

/* The allocator's cost of a string of n bytes (its NUL, a header, rounded to 16). */
static size_t string_cost(size_t n)
{
	return (n + 1 + 8 + 15) & ~(size_t)15;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/*
 * Skips the string starting at s[i] == '"'; returns the index after its
 * closing quote and its raw length in *n, or SIZE_MAX when it is not closed.
 */
static size_t skip_string(const char *s, size_t len, size_t i, size_t *n)
{
	size_t start = ++i;

	while (i < len) {
		const char *q = memchr(s + i, '"', len - i);
		size_t bs = 0;

		if (!q)
			return SIZE_MAX;
		i = (size_t)(q - s);
		/* A quote is escaped when an odd number of backslashes precede it. */
		while (i - bs > start && s[i - bs - 1] == '\\')
			bs++;
		if (bs % 2 == 0) {
			*n = i - start;
			return i + 1;
		}
		i++;
	}
	return SIZE_MAX;
}

/* Skips a number or a literal (true, false, null): its characters; SIZE_MAX for none. */
static size_t skip_scalar(const char *s, size_t len, size_t i)
{
	size_t start = i;

	while (i < len) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' ||
		      c == '.' || (c >= 'A' && c <= 'Z')))
			break;
		i++;
	}
	return i > start ? i : SIZE_MAX; /* nothing a value starts with: a syntax error */
}

static VO_PRINTF(4, 5) int over(const char *origin, struct vo_error *err, size_t at,
				const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return vo_error_set(err, VO_ELIMIT, "%s: %s (at byte %zu): not a segments artifact", origin,
			    what, at);
}

/* Counts one value (a scalar, or a container when it closes) against the limits. */
static int count_value(struct vo_json_shape *sh, const struct vo_json_limits *lim, size_t budget,
		       size_t at, const char *origin, struct vo_error *err)
{
	sh->values++;
	sh->tree_bytes += VO_JSON_NODE_BYTES;
	if (sh->values > lim->values)
		return over(origin, err, at, "more than %zu values", lim->values);
	if (sh->tree_bytes > budget)
		return over(origin, err, at,
			    "too many small values for its size (a tree of more than %zu bytes)",
			    budget);
	return VO_OK;
}

int vo_json_scan(const char *text, size_t len, const struct vo_json_limits *lim,
		 struct vo_json_shape *shape, const char *origin, struct vo_error *err)
{
	struct frame stack[VO_JSON_SCAN_DEPTH_MAX];
	unsigned depth = 0;
	unsigned depth_max = VO_MIN(lim->depth, (unsigned)VO_JSON_SCAN_DEPTH_MAX);
	struct vo_json_shape sh;
	bool want_value = true; /* else after a value: ',' or a closing bracket */
	size_t budget;
	size_t i = 0;
	int rc = VO_OK;

	memset(&sh, 0, sizeof(sh));
	if (__builtin_mul_overflow(len, (size_t)lim->tree_factor, &budget) ||
	    __builtin_add_overflow(budget, lim->tree_slack, &budget))
		budget = SIZE_MAX;
	while (!rc) {
		struct frame *top;
		size_t n = 0;

		i = skip_space(text, len, i);
		if (i >= len)
			break;
		if (want_value) {
			char c = text[i];

			if (c == '[' || c == '{') {
				if (depth == depth_max) {
					rc = over(origin, err, i, "nested deeper than %u",
						  depth_max);
					break;
				}
				stack[depth].object = c == '{';
				stack[depth].items = 0;
				depth++;
				sh.depth = VO_MAX(sh.depth, depth);
				i = skip_space(text, len, i + 1);
				if (i < len && text[i] == (c == '{' ? '}' : ']')) {
					i++;
					depth--;
					rc = count_value(&sh, lim, budget, i, origin, err);
					want_value = false;
					continue;
				}
			} else {
				if (c == '"') {
					i = skip_string(text, len, i, &n);
					sh.tree_bytes += string_cost(n);
				} else {
					i = skip_scalar(text, len, i);
				}
				if (i == SIZE_MAX)
					break;
				rc = count_value(&sh, lim, budget, i, origin, err);
				want_value = false;
				continue;
			}
		} else {
			if (!depth)
				break; /* after the document: the parser judges the rest */
			top = &stack[depth - 1];
			if (text[i] == (top->object ? '}' : ']')) {
				i++;
				depth--;
				rc = count_value(&sh, lim, budget, i, origin, err);
				continue;
			}
			if (text[i] != ',')
				break; /* a syntax error: the parser names it */
			i++;
		}
		/* A new element or member of the innermost container. */
		top = &stack[depth - 1];
		top->items++;
		sh.widest = VO_MAX(sh.widest, top->items);
		if (top->object && top->items > lim->object_items) {
			rc = over(origin, err, i, "an object of more than %zu members",
				  lim->object_items);
			break;
		}
		if (!top->object && top->items > lim->array_items) {
			rc = over(origin, err, i, "an array of more than %zu elements",
				  lim->array_items);
			break;
		}
		want_value = true;
		if (top->object) {
			i = skip_space(text, len, i);
			if (i >= len || text[i] != '"')
				break;
			i = skip_string(text, len, i, &n);
			if (i == SIZE_MAX)
				break;
			sh.tree_bytes += string_cost(n);
			i = skip_space(text, len, i);
			if (i >= len || text[i] != ':')
				break;
			i++;
		}
	}
	if (shape)
		*shape = sh;
	return rc;
}
