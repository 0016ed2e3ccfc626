/*
 * thrift.c - the Thrift compact protocol decoder, see thrift.h.
 */
#include "core/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "ingest/parquet/thrift.h"

void vo_thrift_init(struct vo_thrift *t, const uint8_t *p, size_t len)
{
	t->start = p;
	t->p = p;
	t->end = p + len;
	t->depth = 0;
	t->field = 0;
	t->truncated = false;
	t->why[0] = '\0';
}

void vo_thrift_vfail(struct vo_thrift *t, const char *fmt, va_list ap)
{
	size_t n;

	if (t->why[0])
		return;
	vsnprintf(t->why, sizeof(t->why), fmt, ap);
	n = strlen(t->why);
	snprintf(t->why + n, sizeof(t->why) - n, " at byte %zu", vo_thrift_offset(t));
}

/* Marks the input as cut short (when this is the first failure). */
static void mark_truncated(struct vo_thrift *t)
{
	if (!t->why[0])
		t->truncated = true;
}

/* Fails unless n more bytes can be read. */
static int need(struct vo_thrift *t, size_t n)
{
	if (VO_LIKELY(vo_thrift_remaining(t) >= n))
		return VO_OK;
	mark_truncated(t);
	return vo_thrift_fail(t, "truncated input (%zu bytes needed, %zu left)", n,
			      vo_thrift_remaining(t));
}

/*
 * Fails unless a list or map of n items (what: "list", "map"; unit:
 * "elements", "entries") can follow: every item takes at least one byte, so
 * a larger count is a lie.
 */
static int need_items(struct vo_thrift *t, uint64_t n, const char *what, const char *unit)
{
	if (n <= vo_thrift_remaining(t))
		return VO_OK;
	mark_truncated(t);
	return vo_thrift_fail(t, "%s of %" PRIu64 " %s with %zu bytes left", what, n, unit,
			      vo_thrift_remaining(t));
}

int vo_thrift_varint(struct vo_thrift *t, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	uint8_t b;

	for (;;) {
		if (need(t, 1))
			return VO_EFORMAT;
		b = *t->p++;
		if (shift == 63 && (b & 0x7e))
			return vo_thrift_fail(t, "varint overflows 64 bits");
		x |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		shift += 7;
		if (shift > 63)
			return vo_thrift_fail(t, "varint longer than 10 bytes");
	}
	*v = x;
	return VO_OK;
}

static int64_t unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static int depth_enter(struct vo_thrift *t)
{
	if (t->depth >= VO_THRIFT_DEPTH_MAX) {
		vo_thrift_fail(t, "nesting deeper than %d", VO_THRIFT_DEPTH_MAX);
		return VO_ELIMIT;
	}
	t->depth++;
	return VO_OK;
}

static void depth_leave(struct vo_thrift *t)
{
	if (t->depth)
		t->depth--;
}

int vo_thrift_struct_begin(struct vo_thrift *t, int type)
{
	if (type != VO_THRIFT_STRUCT)
		return vo_thrift_fail(t, "field %d: expected a struct, found wire type %d",
				      t->field, type);
	return depth_enter(t);
}

void vo_thrift_struct_end(struct vo_thrift *t)
{
	depth_leave(t);
}

int vo_thrift_struct_each(struct vo_thrift *t, int type, vo_thrift_field_fn *field, void *ctx)
{
	int16_t last = 0;
	int16_t id;
	int ftype;
	int rc;

	rc = vo_thrift_struct_begin(t, type);
	if (rc)
		return rc;
	for (;;) {
		rc = vo_thrift_field(t, &last, &ftype, &id);
		if (rc || ftype == VO_THRIFT_STOP)
			break;
		rc = field(t, ctx, id, ftype);
		if (rc == VO_THRIFT_SKIP)
			rc = vo_thrift_skip(t, ftype);
		if (rc)
			break;
	}
	vo_thrift_struct_end(t);
	return rc;
}

int vo_thrift_field(struct vo_thrift *t, int16_t *last_id, int *type, int16_t *id)
{
	uint64_t u;
	int64_t v;
	uint8_t b;
	int delta;

	*type = VO_THRIFT_STOP;
	*id = 0;
	if (need(t, 1))
		return VO_EFORMAT;
	b = *t->p++;
	if ((b & 0x0f) == VO_THRIFT_STOP)
		return VO_OK;
	delta = b >> 4;
	if (delta) {
		v = (int64_t)*last_id + delta;
		if (v > INT16_MAX)
			return vo_thrift_fail(t, "field id past %d", INT16_MAX);
	} else {
		if (vo_thrift_varint(t, &u))
			return VO_EFORMAT;
		v = unzigzag(u);
		if (v < INT16_MIN || v > INT16_MAX)
			return vo_thrift_fail(t, "field id %" PRId64 " out of range", v);
	}
	*type = b & 0x0f;
	*id = (int16_t)v;
	*last_id = (int16_t)v;
	t->field = (int16_t)v;
	return VO_OK;
}

int vo_thrift_int(struct vo_thrift *t, int type, int64_t min, int64_t max, int64_t *v)
{
	uint64_t u;
	int64_t x;

	switch (type) {
	case VO_THRIFT_I8:
		if (need(t, 1))
			return VO_EFORMAT;
		x = (int8_t)(uint8_t)*t->p++; /* NOLINT(bugprone-signed-char-misuse): a Thrift byte
						 is signed */
		break;
	case VO_THRIFT_I16:
	case VO_THRIFT_I32:
	case VO_THRIFT_I64:
		if (vo_thrift_varint(t, &u))
			return VO_EFORMAT;
		x = unzigzag(u);
		break;
	default:
		return vo_thrift_fail(t, "field %d: expected an integer, found wire type %d",
				      t->field, type);
	}
	if (x < min || x > max)
		return vo_thrift_fail(t, "field %d: value %" PRId64 " out of range", t->field, x);
	*v = x;
	return VO_OK;
}

int vo_thrift_bool(struct vo_thrift *t, int type, bool *v)
{
	if (type != VO_THRIFT_TRUE && type != VO_THRIFT_FALSE)
		return vo_thrift_fail(t, "field %d: expected a bool, found wire type %d", t->field,
				      type);
	*v = type == VO_THRIFT_TRUE;
	return VO_OK;
}

int vo_thrift_double(struct vo_thrift *t, int type, double *v)
{
	uint64_t bits = 0;
	unsigned i;

	if (type != VO_THRIFT_DOUBLE)
		return vo_thrift_fail(t, "field %d: expected a double, found wire type %d",
				      t->field, type);
	if (need(t, 8))
		return VO_EFORMAT;
	for (i = 0; i < 8; i++)
		bits |= (uint64_t)t->p[i] << (8 * i);
	t->p += 8;
	memcpy(v, &bits, sizeof(*v));
	return VO_OK;
}

int vo_thrift_binary(struct vo_thrift *t, int type, struct vo_str *v)
{
	uint64_t len;

	if (type != VO_THRIFT_BINARY)
		return vo_thrift_fail(t, "field %d: expected a binary, found wire type %d",
				      t->field, type);
	if (vo_thrift_varint(t, &len))
		return VO_EFORMAT;
	if (len > vo_thrift_remaining(t)) {
		mark_truncated(t);
		return vo_thrift_fail(t, "binary of %" PRIu64 " bytes with %zu left", len,
				      vo_thrift_remaining(t));
	}
	*v = vo_str_make((const char *)t->p, (size_t)len);
	t->p += len;
	return VO_OK;
}

int vo_thrift_list_begin(struct vo_thrift *t, int type, int *elem_type, uint32_t *count)
{
	uint64_t n;
	uint8_t b;
	int rc;

	if (type != VO_THRIFT_LIST && type != VO_THRIFT_SET)
		return vo_thrift_fail(t, "field %d: expected a list, found wire type %d", t->field,
				      type);
	if (need(t, 1))
		return VO_EFORMAT;
	b = *t->p++;
	n = b >> 4;
	if (n == 15 && vo_thrift_varint(t, &n))
		return VO_EFORMAT;
	rc = need_items(t, n, "list", "elements");
	if (rc == VO_OK)
		rc = depth_enter(t);
	if (rc)
		return rc;
	*elem_type = b & 0x0f;
	*count = (uint32_t)n;
	return VO_OK;
}

void vo_thrift_list_end(struct vo_thrift *t)
{
	depth_leave(t);
}

static int skip_bytes(struct vo_thrift *t, size_t n)
{
	if (need(t, n))
		return VO_EFORMAT;
	t->p += n;
	return VO_OK;
}

/* The field callback of a struct nobody reads: skips every field. */
static int skip_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	(void)t;
	(void)ctx;
	(void)id;
	(void)type;
	return VO_THRIFT_SKIP;
}

static int skip_map(struct vo_thrift *t)
{
	uint64_t n;
	uint64_t i;
	int ktype;
	int vtype;
	int rc;

	rc = vo_thrift_varint(t, &n);
	if (rc)
		return rc;
	if (n == 0)
		return VO_OK;
	if (need(t, 1))
		return VO_EFORMAT;
	ktype = *t->p >> 4;
	vtype = *t->p & 0x0f;
	t->p++;
	rc = need_items(t, n, "map", "entries");
	if (rc == VO_OK)
		rc = depth_enter(t);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == VO_OK; i++) {
		rc = vo_thrift_skip_value(t, ktype, true);
		if (rc == VO_OK)
			rc = vo_thrift_skip_value(t, vtype, true);
	}
	depth_leave(t);
	return rc;
}

static int skip_list(struct vo_thrift *t, int type)
{
	uint32_t n = 0;
	uint32_t i;
	int etype = 0;
	int rc;

	rc = vo_thrift_list_begin(t, type, &etype, &n);
	if (rc)
		return rc;
	for (i = 0; i < n && rc == VO_OK; i++)
		rc = vo_thrift_skip_value(t, etype, true);
	vo_thrift_list_end(t);
	return rc;
}

int vo_thrift_skip_value(struct vo_thrift *t, int type, bool in_container)
{
	uint64_t u;
	struct vo_str s;

	switch (type) {
	case VO_THRIFT_TRUE:
	case VO_THRIFT_FALSE:
		return in_container ? skip_bytes(t, 1) : VO_OK;
	case VO_THRIFT_I8:
		return skip_bytes(t, 1);
	case VO_THRIFT_I16:
	case VO_THRIFT_I32:
	case VO_THRIFT_I64:
		return vo_thrift_varint(t, &u);
	case VO_THRIFT_DOUBLE:
		return skip_bytes(t, 8);
	case VO_THRIFT_UUID:
		return skip_bytes(t, 16);
	case VO_THRIFT_BINARY:
		return vo_thrift_binary(t, type, &s);
	case VO_THRIFT_LIST:
	case VO_THRIFT_SET:
		return skip_list(t, type);
	case VO_THRIFT_MAP:
		return skip_map(t);
	case VO_THRIFT_STRUCT:
		return vo_thrift_struct_each(t, type, skip_field, NULL);
	default:
		return vo_thrift_fail(t, "field %d: unknown wire type %d", t->field, type);
	}
}
