/*
 * json.c - streaming JSON writer, see json.h.
 */
#include "core/common.h"

#include "core/json.h"
#include "core/utf8.h"

void vo_json_init(struct vo_json *j, struct vo_buf *out, bool indent)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->indent = indent;
	j->first[0] = true;
}

int vo_json_status(const struct vo_json *j)
{
	return j->rc;
}

static void emit(struct vo_json *j, const char *s, size_t len)
{
	if (!j->rc)
		j->rc = vo_buf_add(j->out, s, len);
}

static void newline(struct vo_json *j)
{
	int i;

	if (!j->indent)
		return;
	emit(j, "\n", 1);
	for (i = 0; i < j->depth; i++)
		emit(j, "  ", 2);
}

/* Writes the separator due before a value or key at the current depth. */
static void before_item(struct vo_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (!j->first[j->depth])
		emit(j, ",", 1);
	j->first[j->depth] = false;
	newline(j);
}

static void open_container(struct vo_json *j, char c)
{
	before_item(j);
	emit(j, &c, 1);
	if (j->depth >= VO_JSON_DEPTH_MAX) {
		if (!j->rc)
			j->rc = VO_ELIMIT;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct vo_json *j, char c)
{
	bool empty;

	if (j->depth == 0) {
		if (!j->rc)
			j->rc = VO_EINVAL;
		return;
	}
	empty = j->first[j->depth];
	j->depth--;
	if (!empty)
		newline(j);
	emit(j, &c, 1);
}

void vo_json_object_begin(struct vo_json *j)
{
	open_container(j, '{');
}

void vo_json_object_end(struct vo_json *j)
{
	close_container(j, '}');
}

void vo_json_array_begin(struct vo_json *j)
{
	open_container(j, '[');
}

void vo_json_array_end(struct vo_json *j)
{
	close_container(j, ']');
}

int vo_json_escape(struct vo_buf *out, struct vo_str s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s.ptr;
	size_t i = 0;
	size_t run = 0;
	int rc = vo_buf_addch(out, '"');

	while (!rc && i < s.len) {
		unsigned char c = p[i];
		char esc[6];
		size_t n;

		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		rc = vo_buf_add(out, p + i - run, run);
		run = 0;
		if (rc)
			break;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			rc = vo_buf_add(out, esc, 2);
			i++;
		} else if (c < 0x20) {
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			rc = vo_buf_add(out, esc, 6);
			i++;
		} else {
			n = vo_utf8_len(p + i, s.len - i);
			if (n) {
				rc = vo_buf_add(out, p + i, n);
				i += n;
			} else {
				rc = vo_buf_add(out, "\xef\xbf\xbd", 3);
				i++;
			}
		}
	}
	if (!rc)
		rc = vo_buf_add(out, p + i - run, run);
	if (!rc)
		rc = vo_buf_addch(out, '"');
	return rc;
}

void vo_json_keyv(struct vo_json *j, struct vo_str key)
{
	before_item(j);
	if (!j->rc)
		j->rc = vo_json_escape(j->out, key);
	emit(j, j->indent ? ": " : ":", j->indent ? 2 : 1);
	j->after_key = true;
}

void vo_json_key(struct vo_json *j, const char *key)
{
	vo_json_keyv(j, vo_str_cstr(key));
}

void vo_json_strv(struct vo_json *j, struct vo_str s)
{
	before_item(j);
	if (!j->rc)
		j->rc = vo_json_escape(j->out, s);
}

void vo_json_str(struct vo_json *j, const char *s)
{
	vo_json_strv(j, vo_str_cstr(s));
}

void vo_json_i64(struct vo_json *j, int64_t v)
{
	before_item(j);
	if (!j->rc)
		j->rc = vo_buf_add_i64(j->out, v);
}

void vo_json_u64(struct vo_json *j, uint64_t v)
{
	before_item(j);
	if (!j->rc)
		j->rc = vo_buf_add_u64(j->out, v);
}

void vo_json_bool(struct vo_json *j, bool v)
{
	before_item(j);
	emit(j, v ? "true" : "false", v ? 4 : 5);
}

void vo_json_null(struct vo_json *j)
{
	before_item(j);
	emit(j, "null", 4);
}
