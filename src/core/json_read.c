/*
 * json_read.c - parsing JSON and reading it with key paths, see json_read.h.
 */
#include "core/common.h"

#include <math.h>

#include "core/alloc.h"
#include "core/json_read.h"
#include "core/jsonmem.h"
#include "core/str.h"

int vo_json_parse(const char *text, size_t len, cJSON **doc, struct vo_json_error *why)
{
	const char *end = NULL;
	uint64_t fails;
	size_t i;

	*doc = NULL;
	memset(why, 0, sizeof(*why));
	/*
	 * RFC 8259 allows no control byte but tab, LF and CR outside strings
	 * and none inside them; cJSON would skip them as white space.
	 */
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
			why->fault = VO_JSON_CONTROL;
			why->at = i;
			why->byte = c;
			return VO_EFORMAT;
		}
	}
	vo_jsonmem_install(); /* cJSON allocates through core/alloc.h, so failures count */
	fails = vo_alloc_failures();
	*doc = cJSON_ParseWithLengthOpts(len ? text : "", len, &end, false);
	if (!*doc && vo_alloc_failures() != fails)
		return VO_ENOMEM;
	if (!*doc) {
		why->fault = VO_JSON_SYNTAX;
		why->at = end && len && end >= text && end <= text + len ? (size_t)(end - text) : 0;
		return VO_EFORMAT;
	}
	for (i = end && len ? (size_t)(end - text) : len; i < len; i++) {
		if (!vo_is_space((unsigned char)text[i])) {
			cJSON_Delete(*doc);
			*doc = NULL;
			why->fault = VO_JSON_TRAILING;
			why->at = i;
			return VO_EFORMAT;
		}
	}
	return VO_OK;
}

const char *vo_json_type_name(const cJSON *v)
{
	if (cJSON_IsObject(v))
		return "an object";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

bool vo_json_whole(const cJSON *v, uint64_t *out)
{
	double d;

	if (!cJSON_IsNumber(v))
		return false;
	d = v->valuedouble;
	if (!isfinite(d) || d < 0 || d > (double)VO_JSON_WHOLE_MAX || d != floor(d))
		return false;
	*out = (uint64_t)d;
	return true;
}

void vo_jread_init(struct vo_jread *r, const char *origin, struct vo_error *err)
{
	memset(r, 0, sizeof(*r));
	r->origin = origin;
	r->err = err;
}

int vo_jread_parse(struct vo_jread *r, const char *text, size_t len, size_t max, cJSON **doc)
{
	struct vo_json_error why;
	int rc;

	*doc = NULL;
	if (max && len > max)
		return vo_error_set(r->err, VO_ELIMIT, "%s: larger than %zu bytes", r->origin, max);
	rc = vo_json_parse(text, len, doc, &why);
	if (rc == VO_ENOMEM)
		return vo_jread_nomem(r);
	if (!rc)
		return VO_OK;
	switch (why.fault) {
	case VO_JSON_CONTROL:
		return vo_error_set(r->err, VO_EFORMAT,
				    "%s: not valid JSON (control byte 0x%02x at byte %zu)",
				    r->origin, why.byte, why.at);
	case VO_JSON_TRAILING:
		return vo_error_set(r->err, VO_EFORMAT,
				    "%s: not valid JSON (text after the document at byte %zu)",
				    r->origin, why.at);
	case VO_JSON_SYNTAX:
		break;
	}
	return vo_error_set(r->err, VO_EFORMAT,
			    "%s: not valid JSON (at byte %zu of %zu: truncated or damaged)",
			    r->origin, why.at, len);
}

static size_t append(struct vo_jread *r, int n)
{
	size_t mark = r->len;

	if (n > 0)
		r->len = VO_MIN(r->len + (size_t)n, sizeof(r->path) - 1);
	return mark;
}

size_t vo_jread_enter(struct vo_jread *r, const char *key)
{
	size_t room = sizeof(r->path) - r->len;

	return append(r, snprintf(r->path + r->len, room, "%s%s", r->len ? "." : "", key));
}

size_t vo_jread_enter_index(struct vo_jread *r, size_t i)
{
	size_t room = sizeof(r->path) - r->len;

	return append(r, snprintf(r->path + r->len, room, "[%zu]", i));
}

void vo_jread_leave(struct vo_jread *r, size_t mark)
{
	r->len = mark;
	r->path[mark] = '\0';
}

static int vfail(struct vo_jread *r, const char *fmt, va_list ap)
{
	char msg[VO_ERROR_MSG_MAX];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (r->len)
		return vo_error_set(r->err, VO_EFORMAT, "%s: %s: %s", r->origin, r->path, msg);
	return vo_error_set(r->err, VO_EFORMAT, "%s: %s", r->origin, msg);
}

int vo_jread_fail(struct vo_jread *r, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(r, fmt, ap);
	va_end(ap);
	return rc;
}

int vo_jread_fail_at(struct vo_jread *r, const char *key, const char *fmt, ...)
{
	size_t mark = vo_jread_enter(r, key);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(r, fmt, ap);
	va_end(ap);
	vo_jread_leave(r, mark);
	return rc;
}

int vo_jread_nomem(struct vo_jread *r)
{
	return vo_error_nomem_in(r->err, r->origin);
}

int vo_jread_object(struct vo_jread *r, const cJSON *v)
{
	if (cJSON_IsObject(v))
		return VO_OK;
	return vo_jread_fail(r, "expected an object, not %s", vo_json_type_name(v));
}

int vo_jread_array(struct vo_jread *r, const cJSON *v)
{
	if (cJSON_IsArray(v))
		return VO_OK;
	return vo_jread_fail(r, "expected an array, not %s", vo_json_type_name(v));
}

int vo_jread_keys(struct vo_jread *r, const cJSON *obj, const char *const *keys, size_t n)
{
	bool seen[VO_JSON_KEYS_MAX] = { false };
	const cJSON *item;
	size_t i;

	if (n > VO_JSON_KEYS_MAX)
		return vo_jread_fail(r, "more than %d keys expected", VO_JSON_KEYS_MAX);
	if (!cJSON_IsObject(obj))
		return vo_jread_fail(r, "expected an object, not %s", vo_json_type_name(obj));
	cJSON_ArrayForEach(item, obj)
	{
		for (i = 0; i < n; i++)
			if (item->string && !strcmp(item->string, keys[i]))
				break;
		if (i == n)
			return vo_jread_fail(r, "unexpected key '%s'",
					     item->string ? item->string : "");
		if (seen[i])
			return vo_jread_fail(r, "key '%s' appears twice", keys[i]);
		seen[i] = true;
	}
	for (i = 0; i < n; i++)
		if (!seen[i])
			return vo_jread_fail(r, "key '%s' is missing", keys[i]);
	return VO_OK;
}

int vo_jread_unique(struct vo_jread *r, const cJSON *obj)
{
	const cJSON *a;
	const cJSON *b;

	cJSON_ArrayForEach(a, obj)
	{
		for (b = obj->child; b != a; b = b->next)
			if (a->string && b->string && !strcmp(a->string, b->string))
				return vo_jread_fail(r, "key '%s' appears twice", a->string);
	}
	return VO_OK;
}

const cJSON *vo_jread_member(struct vo_jread *r, const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		vo_jread_fail(r, "key '%s' is missing", key);
	return v;
}

int vo_jread_u64(struct vo_jread *r, const cJSON *obj, const char *key, uint64_t *out)
{
	const cJSON *v = vo_jread_member(r, obj, key);

	if (!v)
		return VO_EFORMAT;
	if (!vo_json_whole(v, out))
		return vo_jread_fail_at(r, key, "expected a whole number >= 0");
	return VO_OK;
}

int vo_jread_str(struct vo_jread *r, const cJSON *obj, const char *key, size_t max,
		 const char **out)
{
	const cJSON *v = vo_jread_member(r, obj, key);

	if (!v)
		return VO_EFORMAT;
	if (!cJSON_IsString(v))
		return vo_jread_fail_at(r, key, "expected a string, not %s", vo_json_type_name(v));
	if (!v->valuestring[0] || strlen(v->valuestring) > max)
		return vo_jread_fail_at(r, key, "expected a non-empty string of at most %zu bytes",
					max);
	*out = v->valuestring;
	return VO_OK;
}
