/*
 * json.h - a small streaming JSON writer over struct vo_buf.
 *
 * It writes compact or indented JSON with correct string escaping (control
 * characters, quotes, backslashes; bytes that are not valid UTF-8 become
 * U+FFFD so the output is always valid JSON), and tracks commas itself.
 * Errors (VO_ENOMEM, VO_ELIMIT from the buffer's cap) are sticky: check
 * vo_json_status() once at the end.
 */
#ifndef VO_CORE_JSON_H
#define VO_CORE_JSON_H

#include "core/common.h"

#include "core/buf.h"
#include "core/str.h"

#define VO_JSON_DEPTH_MAX 32

struct vo_json {
	struct vo_buf *out;		   /* where the text goes (not owned) */
	int rc;				   /* first error, sticky */
	int depth;			   /* open containers */
	bool indent;			   /* pretty-print with two spaces */
	bool first[VO_JSON_DEPTH_MAX + 1]; /* no member written yet at this depth */
	bool after_key;			   /* a key was just written */
};

void vo_json_init(struct vo_json *j, struct vo_buf *out, bool indent);
int vo_json_status(const struct vo_json *j);

void vo_json_object_begin(struct vo_json *j);
void vo_json_object_end(struct vo_json *j);
void vo_json_array_begin(struct vo_json *j);
void vo_json_array_end(struct vo_json *j);
void vo_json_key(struct vo_json *j, const char *key);
void vo_json_keyv(struct vo_json *j, struct vo_str key);
void vo_json_str(struct vo_json *j, const char *s);
void vo_json_strv(struct vo_json *j, struct vo_str s);
void vo_json_i64(struct vo_json *j, int64_t v);
void vo_json_u64(struct vo_json *j, uint64_t v);
void vo_json_bool(struct vo_json *j, bool v);
void vo_json_null(struct vo_json *j);

/* Appends s as a JSON string literal (quotes included) to out. */
int vo_json_escape(struct vo_buf *out, struct vo_str s);

#endif
