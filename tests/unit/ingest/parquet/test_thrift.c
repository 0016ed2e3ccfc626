/*
 * test_thrift.c - the Thrift compact protocol decoder on hand-made bytes:
 * varints, zigzag, field id deltas and long-form ids, lists, binaries,
 * skipping of nested unknown fields, structs walked by field callbacks,
 * truncated input and the depth limit.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/limits.h"
#include "ingest/parquet/thrift.h"

static void init(struct vo_thrift *t, const uint8_t *p, size_t len)
{
	vo_thrift_init(t, p, len);
}

static void test_varint(void **state)
{
	static const uint8_t one_byte[] = { 0x7f };
	static const uint8_t two_bytes[] = { 0x80, 0x01 };
	static const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	static const uint8_t overflow[] = { 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0x02 };
	static const uint8_t too_long[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					    0x80, 0x80, 0x80, 0x80, 0x00 };
	static const uint8_t cut[] = { 0x80, 0x80 };
	struct vo_thrift t;
	uint64_t v = 0;

	(void)state;
	init(&t, one_byte, sizeof(one_byte));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_OK);
	assert_int_equal(v, 127);
	assert_int_equal(vo_thrift_offset(&t), 1);

	init(&t, two_bytes, sizeof(two_bytes));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_OK);
	assert_int_equal(v, 128);

	init(&t, max, sizeof(max));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(vo_thrift_remaining(&t), 0);

	init(&t, overflow, sizeof(overflow));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_EFORMAT);
	assert_false(t.truncated);
	assert_non_null(strstr(t.why, "overflows"));

	init(&t, too_long, sizeof(too_long));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_EFORMAT);
	assert_false(t.truncated);

	init(&t, cut, sizeof(cut));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_EFORMAT);
	assert_true(t.truncated);
	assert_non_null(strstr(t.why, "truncated"));
}

static void test_zigzag_ints(void **state)
{
	/* zigzag: 0 -> 0, 1 -> -1, 2 -> 1, 3 -> -2, 0xfe 0x03 -> 255, 0xff 0x03 -> -256 */
	static const uint8_t b[] = { 0x00, 0x01, 0x02, 0x03, 0xfe, 0x03, 0xff, 0x03, 0x85 };
	struct vo_thrift t;
	int64_t v = 0;

	(void)state;
	init(&t, b, sizeof(b));
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I32, INT32_MIN, INT32_MAX, &v), VO_OK);
	assert_int_equal(v, 0);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I64, INT64_MIN, INT64_MAX, &v), VO_OK);
	assert_int_equal(v, -1);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I16, -10, 10, &v), VO_OK);
	assert_int_equal(v, 1);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I32, -10, 10, &v), VO_OK);
	assert_int_equal(v, -2);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I32, INT32_MIN, INT32_MAX, &v), VO_OK);
	assert_int_equal(v, 255);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I32, INT32_MIN, INT32_MAX, &v), VO_OK);
	assert_int_equal(v, -256);
	/* an I8 is a raw signed byte */
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I8, -128, 127, &v), VO_OK);
	assert_int_equal(v, (int8_t)0x85);
	assert_int_equal(vo_thrift_remaining(&t), 0);

	/* out of the caller's range, and a non-integer wire type */
	init(&t, b + 4, 2);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_I32, 0, 100, &v), VO_EFORMAT);
	assert_non_null(strstr(t.why, "out of range"));
	init(&t, b, 1);
	assert_int_equal(vo_thrift_int(&t, VO_THRIFT_BINARY, 0, 100, &v), VO_EFORMAT);
	assert_non_null(strstr(t.why, "expected an integer"));
}

static void test_fields(void **state)
{
	static const uint8_t b[] = {
		0x15, 0x04,	  /* field 1 (delta 1), i32 2 */
		0x26, 0x06,	  /* field 3 (delta 2), i64 3 */
		0x05, 0x40, 0x07, /* long form: i32, id zigzag 0x40 = 32, value -4 */
		0x11,		  /* field 33 (delta 1), bool true */
		0x12,		  /* field 34, bool false */
		0x08, 0x03, 0x03, 0x61, 0x62, 0x63, /* long form: binary, id -2, "abc" */
		0xf8, 0x00,			    /* field 13 (-2 + 15), binary "" */
		0x00,				    /* stop */
	};
	struct vo_thrift t;
	struct vo_str s;
	int16_t last = 0;
	int16_t id = 0;
	int type = 0;
	int64_t v = 0;
	bool flag = false;

	(void)state;
	init(&t, b, sizeof(b));
	assert_int_equal(vo_thrift_struct_begin(&t, VO_THRIFT_STRUCT), VO_OK);

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 1);
	assert_int_equal(type, VO_THRIFT_I32);
	assert_int_equal(vo_thrift_int(&t, type, INT32_MIN, INT32_MAX, &v), VO_OK);
	assert_int_equal(v, 2);

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 3);
	assert_int_equal(type, VO_THRIFT_I64);
	assert_int_equal(vo_thrift_int(&t, type, INT64_MIN, INT64_MAX, &v), VO_OK);
	assert_int_equal(v, 3);

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 32);
	assert_int_equal(vo_thrift_int(&t, type, INT32_MIN, INT32_MAX, &v), VO_OK);
	assert_int_equal(v, -4);

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 33);
	assert_int_equal(vo_thrift_bool(&t, type, &flag), VO_OK);
	assert_true(flag);
	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 34);
	assert_int_equal(vo_thrift_bool(&t, type, &flag), VO_OK);
	assert_false(flag);

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, -2);
	assert_int_equal(vo_thrift_binary(&t, type, &s), VO_OK);
	assert_true(vo_str_eq(s, VO_STR_LIT("abc")));

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 13);
	assert_int_equal(vo_thrift_binary(&t, type, &s), VO_OK);
	assert_int_equal(s.len, 0);

	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(type, VO_THRIFT_STOP);
	vo_thrift_struct_end(&t);
	assert_int_equal(t.depth, 0);
	assert_int_equal(vo_thrift_remaining(&t), 0);
}

static void test_field_id_range(void **state)
{
	/* long form id 40000 (zigzag 80000 = 0x80 0xf1 0x04) does not fit in i16 */
	static const uint8_t big[] = { 0x05, 0x80, 0xf1, 0x04, 0x00 };
	/* a delta that carries the id past 32767 */
	static const uint8_t wrap[] = { 0x15, 0x00 };
	struct vo_thrift t;
	int16_t last;
	int16_t id;
	int type;

	(void)state;
	init(&t, big, sizeof(big));
	last = 0;
	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_EFORMAT);
	init(&t, wrap, sizeof(wrap));
	last = INT16_MAX;
	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_EFORMAT);
}

static void test_lists(void **state)
{
	static const uint8_t short_form[] = { 0x35, 0x02, 0x04, 0x06 };
	uint8_t long_form[64];
	static const uint8_t lie[] = { 0xf5, 0x64, 0x02, 0x02 }; /* 100 elements, 2 bytes */
	static const uint8_t empty[] = { 0x0c };
	struct vo_thrift t;
	uint32_t n = 0;
	uint32_t i;
	int etype = 0;
	int64_t v = 0;

	(void)state;
	init(&t, short_form, sizeof(short_form));
	assert_int_equal(vo_thrift_list_begin(&t, VO_THRIFT_LIST, &etype, &n), VO_OK);
	assert_int_equal(n, 3);
	assert_int_equal(etype, VO_THRIFT_I32);
	assert_int_equal(t.depth, 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(vo_thrift_int(&t, etype, INT32_MIN, INT32_MAX, &v), VO_OK);
		assert_int_equal(v, (int64_t)i + 1);
	}
	vo_thrift_list_end(&t);
	assert_int_equal(t.depth, 0);

	/* long form: 0xf0 | type, then the size as a varint (20 here) */
	long_form[0] = 0xf6;
	long_form[1] = 20;
	for (i = 0; i < 20; i++)
		long_form[2 + i] = (uint8_t)(2 * i); /* zigzag of i */
	init(&t, long_form, 22);
	assert_int_equal(vo_thrift_list_begin(&t, VO_THRIFT_LIST, &etype, &n), VO_OK);
	assert_int_equal(n, 20);
	assert_int_equal(etype, VO_THRIFT_I64);
	for (i = 0; i < n; i++) {
		assert_int_equal(vo_thrift_int(&t, etype, INT64_MIN, INT64_MAX, &v), VO_OK);
		assert_int_equal(v, (int64_t)i);
	}
	vo_thrift_list_end(&t);
	assert_int_equal(vo_thrift_remaining(&t), 0);

	/* a count larger than the bytes left is refused before anyone allocates */
	init(&t, lie, sizeof(lie));
	assert_int_equal(vo_thrift_list_begin(&t, VO_THRIFT_LIST, &etype, &n), VO_EFORMAT);
	assert_true(t.truncated);

	/* a set has the list's wire form; a struct is not a list */
	init(&t, empty, sizeof(empty));
	assert_int_equal(vo_thrift_list_begin(&t, VO_THRIFT_SET, &etype, &n), VO_OK);
	assert_int_equal(n, 0);
	assert_int_equal(etype, VO_THRIFT_STRUCT);
	init(&t, empty, sizeof(empty));
	assert_int_equal(vo_thrift_list_begin(&t, VO_THRIFT_STRUCT, &etype, &n), VO_EFORMAT);
}

static void test_binary_and_double(void **state)
{
	static const uint8_t ok[] = { 0x03, 'a', 'b', 'c' };
	static const uint8_t lie[] = { 0x05, 'a', 'b' };
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 'a' };
	static const uint8_t dbl[] = { 0, 0, 0, 0, 0, 0, 0xf8, 0x3f }; /* 1.5 */
	struct vo_thrift t;
	struct vo_str s;
	double d = 0;

	(void)state;
	init(&t, ok, sizeof(ok));
	assert_int_equal(vo_thrift_binary(&t, VO_THRIFT_BINARY, &s), VO_OK);
	assert_true(vo_str_eq(s, VO_STR_LIT("abc")));
	assert_ptr_equal(s.ptr, (const char *)ok + 1); /* a view, not a copy */

	init(&t, lie, sizeof(lie));
	assert_int_equal(vo_thrift_binary(&t, VO_THRIFT_BINARY, &s), VO_EFORMAT);
	assert_true(t.truncated);
	init(&t, huge, sizeof(huge));
	assert_int_equal(vo_thrift_binary(&t, VO_THRIFT_BINARY, &s), VO_EFORMAT);
	init(&t, ok, sizeof(ok));
	assert_int_equal(vo_thrift_binary(&t, VO_THRIFT_I32, &s), VO_EFORMAT);

	init(&t, dbl, sizeof(dbl));
	assert_int_equal(vo_thrift_double(&t, VO_THRIFT_DOUBLE, &d), VO_OK);
	assert_true(d == 1.5);
	init(&t, dbl, 7);
	assert_int_equal(vo_thrift_double(&t, VO_THRIFT_DOUBLE, &d), VO_EFORMAT);
	assert_true(t.truncated);
}

/*
 * A struct whose field 1 is an unknown, deeply mixed value and whose field 2
 * is an i32 7: skipping field 1 must land exactly on field 2.
 */
/* clang-format off */
static const uint8_t nested[] = {
	0x1c,                   /* field 1: struct */
	0x19, 0x2c,             /*   field 1: list of 2 structs */
	0x18, 0x02, 'h', 'i',   /*     { 1: binary "hi" */
	0x1b, 0x02, 0x85,       /*       2: map of 2, binary -> i32 */
	0x01, 'k', 0x02,        /*          "k" -> 1 */
	0x01, 'l', 0x04,        /*          "l" -> 2 */
	0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, /* 3: double 1.0 */
	0x19, 0x21, 0x01, 0x02, /*       4: list of 2 bools (one byte each) */
	0x13, 0x80,             /*       5: i8 */
	0x1d,                   /*       6: uuid (16 bytes) */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x00,
	0x00,                   /*     } */
	0x00,                   /*     { } */
	0x1b, 0x00,             /*   field 2: empty map */
	0x11,                   /*   field 3: bool true (no payload) */
	0x1a, 0x15, 0x06,       /*   field 4: set of 1 i32 */
	0x00,                   /* end of field 1 */
	0x15, 0x0e,             /* field 2: i32 7 */
	0x00,
};
/* clang-format on */

static void test_skip_nested(void **state)
{
	struct vo_thrift t;
	int16_t last = 0;
	int16_t id = 0;
	int type = 0;
	int64_t v = 0;

	(void)state;
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_struct_begin(&t, VO_THRIFT_STRUCT), VO_OK);
	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 1);
	assert_int_equal(type, VO_THRIFT_STRUCT);
	assert_int_equal(vo_thrift_skip(&t, type), VO_OK);
	assert_int_equal(t.depth, 1);
	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(id, 2);
	assert_int_equal(vo_thrift_int(&t, type, INT32_MIN, INT32_MAX, &v), VO_OK);
	assert_int_equal(v, 7);
	assert_int_equal(vo_thrift_field(&t, &last, &type, &id), VO_OK);
	assert_int_equal(type, VO_THRIFT_STOP);
	vo_thrift_struct_end(&t);
	assert_int_equal(vo_thrift_remaining(&t), 0);

	/* the whole thing skipped as one value */
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_skip(&t, VO_THRIFT_STRUCT), VO_OK);
	assert_int_equal(vo_thrift_remaining(&t), 0);
	assert_int_equal(t.depth, 0);
}

/* What the field callbacks of test_struct_each() saw and are told to do. */
struct each_log {
	int16_t ids[8];	   /* ids of the outer struct's fields, in order */
	int nids;	   /* entries in ids */
	int inner;	   /* fields seen inside field 1 when descending */
	int64_t v;	   /* field 2's value */
	bool descend;	   /* decode field 1 with vo_thrift_struct_each() too */
	int16_t reject;	   /* id the outer callback fails on, 0 for none */
	bool reject_inner; /* the inner callback fails on its first field */
};

static int inner_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct each_log *log = ctx;

	(void)type;
	log->inner++;
	if (log->reject_inner)
		return vo_thrift_fail(t, "inner field %d rejected", id);
	return VO_THRIFT_SKIP;
}

static int outer_field(struct vo_thrift *t, void *ctx, int16_t id, int type)
{
	struct each_log *log = ctx;

	if (log->nids < (int)VO_ARRAY_SIZE(log->ids))
		log->ids[log->nids++] = id;
	if (id == log->reject)
		return vo_thrift_fail(t, "field %d rejected", id);
	if (id == 1 && log->descend)
		return vo_thrift_struct_each(t, type, inner_field, log);
	if (id == 2)
		return vo_thrift_int(t, type, INT32_MIN, INT32_MAX, &log->v);
	return VO_THRIFT_SKIP;
}

static void test_struct_each(void **state)
{
	struct each_log log;
	struct vo_thrift t;

	(void)state;
	/* field 1 skipped for the callback, field 2 read by it */
	memset(&log, 0, sizeof(log));
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_struct_each(&t, VO_THRIFT_STRUCT, outer_field, &log), VO_OK);
	assert_int_equal(log.nids, 2);
	assert_int_equal(log.ids[0], 1);
	assert_int_equal(log.ids[1], 2);
	assert_int_equal(log.v, 7);
	assert_int_equal(vo_thrift_remaining(&t), 0);
	assert_int_equal(t.depth, 0);

	/* a callback that decodes a nested struct the same way */
	memset(&log, 0, sizeof(log));
	log.descend = true;
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_struct_each(&t, VO_THRIFT_STRUCT, outer_field, &log), VO_OK);
	assert_int_equal(log.inner, 4);
	assert_int_equal(log.v, 7);
	assert_int_equal(vo_thrift_remaining(&t), 0);
	assert_int_equal(t.depth, 0);

	/* a callback's failure stops the walk, is returned, and leaves the struct */
	memset(&log, 0, sizeof(log));
	log.reject = 2;
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_struct_each(&t, VO_THRIFT_STRUCT, outer_field, &log),
			 VO_EFORMAT);
	assert_int_equal(log.nids, 2);
	assert_non_null(strstr(t.why, "field 2 rejected"));
	assert_int_equal(t.depth, 0);

	/* ... also from inside a nested struct, leaving both structs */
	memset(&log, 0, sizeof(log));
	log.descend = true;
	log.reject_inner = true;
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_struct_each(&t, VO_THRIFT_STRUCT, outer_field, &log),
			 VO_EFORMAT);
	assert_int_equal(log.nids, 1);
	assert_int_equal(log.inner, 1);
	assert_non_null(strstr(t.why, "inner field 1 rejected"));
	assert_int_equal(t.depth, 0);

	/* a value of another wire type is not a struct: no callback */
	memset(&log, 0, sizeof(log));
	init(&t, nested, sizeof(nested));
	assert_int_equal(vo_thrift_struct_each(&t, VO_THRIFT_I32, outer_field, &log), VO_EFORMAT);
	assert_non_null(strstr(t.why, "expected a struct"));
	assert_int_equal(log.nids, 0);
	assert_int_equal(t.depth, 0);
}

static void test_truncated_everywhere(void **state)
{
	struct vo_thrift t;
	size_t len;

	(void)state;
	/* Every proper prefix fails cleanly (under ASan: without reading past it). */
	for (len = 0; len < sizeof(nested); len++) {
		uint8_t *copy = malloc(len ? len : 1);
		struct each_log log = { .descend = true };

		assert_non_null(copy);
		memcpy(copy, nested, len);
		init(&t, copy, len);
		assert_int_equal(vo_thrift_skip(&t, VO_THRIFT_STRUCT), VO_EFORMAT);
		assert_true(t.truncated);
		assert_true(t.why[0] != '\0');
		/* the same through field callbacks, which leave every struct they enter */
		init(&t, copy, len);
		assert_int_equal(vo_thrift_struct_each(&t, VO_THRIFT_STRUCT, outer_field, &log),
				 VO_EFORMAT);
		assert_true(t.truncated);
		assert_int_equal(t.depth, 0);
		free(copy);
	}
}

static void test_unknown_type(void **state)
{
	static const uint8_t b[] = { 0x1e, 0x00 }; /* field 1 of wire type 14 */
	struct vo_thrift t;

	(void)state;
	init(&t, b, sizeof(b));
	assert_int_equal(vo_thrift_skip(&t, VO_THRIFT_STRUCT), VO_EFORMAT);
	assert_false(t.truncated);
	assert_non_null(strstr(t.why, "unknown wire type 14"));
}

/* n nested structs (each "field 1: struct"), closed by n + 1 stops. */
static size_t deep_structs(uint8_t *b, size_t n)
{
	size_t i;
	size_t len = 0;

	for (i = 0; i < n; i++)
		b[len++] = 0x1c;
	for (i = 0; i <= n; i++)
		b[len++] = 0x00;
	return len;
}

static void test_depth_limit(void **state)
{
	uint8_t b[2 * VO_THRIFT_DEPTH_MAX + 8];
	struct vo_thrift t;
	size_t len;
	size_t i;

	(void)state;
	/* The outer struct plus DEPTH_MAX - 1 nested ones: exactly at the limit. */
	len = deep_structs(b, VO_THRIFT_DEPTH_MAX - 1);
	init(&t, b, len);
	assert_int_equal(vo_thrift_skip(&t, VO_THRIFT_STRUCT), VO_OK);
	assert_int_equal(vo_thrift_remaining(&t), 0);

	len = deep_structs(b, VO_THRIFT_DEPTH_MAX);
	init(&t, b, len);
	assert_int_equal(vo_thrift_skip(&t, VO_THRIFT_STRUCT), VO_ELIMIT);
	assert_non_null(strstr(t.why, "nesting"));

	/* lists of lists count as well: 0x19 = list of lists, size 1 */
	for (i = 0; i < VO_THRIFT_DEPTH_MAX + 2; i++)
		b[i] = 0x19;
	init(&t, b, VO_THRIFT_DEPTH_MAX + 2);
	assert_int_equal(vo_thrift_skip(&t, VO_THRIFT_LIST), VO_ELIMIT);

	/* struct_begin refuses past the limit too */
	init(&t, b, 1);
	for (i = 0; i < VO_THRIFT_DEPTH_MAX; i++)
		assert_int_equal(vo_thrift_struct_begin(&t, VO_THRIFT_STRUCT), VO_OK);
	assert_int_equal(vo_thrift_struct_begin(&t, VO_THRIFT_STRUCT), VO_ELIMIT);
}

static void test_first_failure_kept(void **state)
{
	static const uint8_t b[] = { 0x80 };
	struct vo_thrift t;
	uint64_t v;
	char first[sizeof(t.why)];

	(void)state;
	init(&t, b, sizeof(b));
	assert_int_equal(vo_thrift_varint(&t, &v), VO_EFORMAT);
	memcpy(first, t.why, sizeof(first));
	assert_int_equal(vo_thrift_fail(&t, "later problem"), VO_EFORMAT);
	assert_string_equal(t.why, first);
	assert_true(t.truncated);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_zigzag_ints),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_field_id_range),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_binary_and_double),
		cmocka_unit_test(test_skip_nested),
		cmocka_unit_test(test_struct_each),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_unknown_type),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_first_failure_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
