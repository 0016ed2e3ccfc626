/*
 * test_rle.c - the RLE / bit-packed hybrid decoder: hand-made runs at bit
 * widths 0, 1, 3, 8, 17 and 32, mixed runs read in odd-sized pieces, random
 * sequences at every width checked against the test writer's encoder
 * (support/parquet_writer.h), runs of no values, and truncated or malformed
 * input.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "ingest/parquet/rle.h"
#include "parquet_writer.h"
#include "testutil.h"

/*
 * The encoder is the unit tests' Parquet writer (support/parquet_writer.h),
 * written from Encodings.md and independent of the decoder; put_packed()
 * only widens this file's 32-bit values for it.
 */
static void put_packed(struct bb *e, unsigned width, const uint32_t *v, size_t n)
{
	uint64_t *w = calloc(n ? n : 1, sizeof(*w));
	size_t i;

	assert_non_null(w);
	for (i = 0; i < n; i++)
		w[i] = v[i];
	put_packed_run(e, w, n, width);
	free(w);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	return vo_test_xorshift(&rng_state);
}

static uint32_t rnd_value(unsigned width)
{
	return width == 32 ? (uint32_t)rnd() : (uint32_t)(rnd() & ((1ull << width) - 1));
}

static void test_spec_example(void **state)
{
	/* Encodings.md: the values 0..7 at width 3 bit-pack to 0x88 0xc6 0xfa. */
	static const uint8_t b[] = { 0x03, 0x88, 0xc6, 0xfa };
	struct vo_rle d;
	uint32_t out[8];
	uint8_t out8[8];
	unsigned i;

	(void)state;
	assert_int_equal(vo_rle_init(&d, b, sizeof(b), 3), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 8), VO_OK);
	for (i = 0; i < 8; i++)
		assert_int_equal(out[i], i);
	assert_int_equal(vo_rle_init(&d, b, sizeof(b), 3), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out8, 3), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out8 + 3, 5), VO_OK);
	for (i = 0; i < 8; i++)
		assert_int_equal(out8[i], i);
	/* the run is used up and nothing follows */
	assert_int_equal(vo_rle_get_u32(&d, out, 1), VO_EFORMAT);
	assert_non_null(d.why);
}

static void test_width0(void **state)
{
	struct vo_rle d;
	uint32_t out[5] = { 9, 9, 9, 9, 9 };
	uint8_t out8[5] = { 9, 9, 9, 9, 9 };
	unsigned i;

	(void)state;
	/* no bytes at all: every value is 0 */
	assert_int_equal(vo_rle_init(&d, NULL, 0, 0), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 5), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out8, 5), VO_OK);
	for (i = 0; i < 5; i++) {
		assert_int_equal(out[i], 0);
		assert_int_equal(out8[i], 0);
	}
}

static void test_width1_levels(void **state)
{
	struct bb *e = calloc(1, sizeof(*e));
	uint32_t v[20];
	uint8_t out[120];
	uint32_t out32[120];
	size_t i;
	struct vo_rle d;

	(void)state;
	assert_non_null(e);
	/* 50 ones, then 20 packed alternating values, then 30 zeros, then 5 ones */
	put_rle_run(e, 50, 1, 1);
	for (i = 0; i < 20; i++)
		v[i] = (uint32_t)(i % 2);
	put_packed(e, 1, v, 20); /* 3 groups: 24 values, the last 4 padding */
	put_rle_run(e, 30, 0, 1);
	put_rle_run(e, 5, 1, 1);

	assert_int_equal(vo_rle_init(&d, e->p, e->len, 1), VO_OK);
	/* pieces that straddle every run boundary, including the padding */
	assert_int_equal(vo_rle_get_u8(&d, out, 7), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out + 7, 50), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out + 57, 17), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out + 74, 35), VO_OK);
	for (i = 0; i < 50; i++)
		assert_int_equal(out[i], 1);
	for (i = 0; i < 20; i++)
		assert_int_equal(out[50 + i], i % 2);
	for (i = 70; i < 74; i++)
		assert_int_equal(out[i], 0); /* padding of the packed run */
	for (i = 74; i < 104; i++)
		assert_int_equal(out[i], 0);
	for (i = 104; i < 109; i++)
		assert_int_equal(out[i], 1);
	assert_int_equal(vo_rle_get_u8(&d, out, 1), VO_EFORMAT);

	/* the same through the 32-bit path */
	assert_int_equal(vo_rle_init(&d, e->p, e->len, 1), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out32, 109), VO_OK);
	for (i = 0; i < 109; i++)
		assert_int_equal(out32[i], out[i]);
	bb_free(e);
	free(e);
}

/* Mixed runs at one width, read back in pieces of 1, 2, 3, ... values. */
static void check_mixed(unsigned width)
{
	struct bb *e = calloc(1, sizeof(*e));
	uint32_t *expect = calloc(4096, sizeof(*expect));
	uint32_t *out = calloc(4096, sizeof(*out));
	uint32_t v[64];
	size_t n = 0;
	size_t got = 0;
	size_t piece = 1;
	size_t i;
	struct vo_rle d;
	uint32_t top = width == 32 ? UINT32_MAX : (uint32_t)((1ull << width) - 1);

	assert_non_null(e);
	assert_non_null(expect);
	assert_non_null(out);
	put_rle_run(e, 13, top, width);
	for (i = 0; i < 13; i++)
		expect[n++] = top;
	for (i = 0; i < 64; i++)
		v[i] = rnd_value(width);
	v[0] = top;
	v[1] = 0;
	put_packed(e, width, v, 64);
	for (i = 0; i < 64; i++)
		expect[n++] = v[i];
	put_rle_run(e, 1, 1, width);
	expect[n++] = 1;
	put_rle_run(e, 0, 0, width); /* an empty run is legal */
	put_packed(e, width, v, 8);
	for (i = 0; i < 8; i++)
		expect[n++] = v[i];
	put_rle_run(e, 300, 0, width);
	for (i = 0; i < 300; i++)
		expect[n++] = 0;

	assert_int_equal(vo_rle_init(&d, e->p, e->len, width), VO_OK);
	while (got < n) {
		size_t m = VO_MIN(piece, n - got);

		assert_int_equal(vo_rle_get_u32(&d, out + got, m), VO_OK);
		got += m;
		piece++;
	}
	for (i = 0; i < n; i++)
		assert_int_equal(out[i], expect[i]);
	assert_int_equal(vo_rle_get_u32(&d, out, 1), VO_EFORMAT);
	bb_free(e);
	free(e);
	free(expect);
	free(out);
}

static void test_widths(void **state)
{
	static const unsigned widths[] = { 1, 3, 8, 17, 32 };
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(widths); i++)
		check_mixed(widths[i]);
}

static void test_width17_bytes(void **state)
{
	/* RLE run of 4 x 0x1abcd at width 17 (3 value bytes), then 8 packed values */
	static const uint8_t rle[] = { 0x08, 0xcd, 0xab, 0x01 };
	struct vo_rle d;
	uint32_t out[4];
	unsigned i;

	(void)state;
	assert_int_equal(vo_rle_init(&d, rle, sizeof(rle), 17), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 4), VO_OK);
	for (i = 0; i < 4; i++)
		assert_int_equal(out[i], 0x1abcd);
}

/* Runs of no values (RLE count 0, zero packed groups) are passed over by both outputs. */
static void test_empty_runs(void **state)
{
	static const uint32_t v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	static const uint32_t expect[11] = { 2, 2, 2, 0, 1, 2, 3, 4, 5, 6, 7 };
	struct bb *e = calloc(1, sizeof(*e));
	struct vo_rle d;
	uint32_t out;
	uint8_t out8;
	size_t i;

	(void)state;
	assert_non_null(e);
	put_rle_run(e, 0, 0, 3);
	put_packed(e, 3, v, 0);
	put_rle_run(e, 3, 2, 3);
	put_packed(e, 3, v, 0);
	put_rle_run(e, 0, 5, 3);
	put_packed(e, 3, v, 8);
	put_rle_run(e, 0, 0, 3);

	assert_int_equal(vo_rle_init(&d, e->p, e->len, 3), VO_OK);
	for (i = 0; i < VO_ARRAY_SIZE(expect); i++) {
		assert_int_equal(vo_rle_get_u32(&d, &out, 1), VO_OK);
		assert_int_equal(out, expect[i]);
	}
	assert_int_equal(vo_rle_get_u32(&d, &out, 1), VO_EFORMAT);
	assert_non_null(strstr(d.why, "runs end"));

	assert_int_equal(vo_rle_init(&d, e->p, e->len, 3), VO_OK);
	for (i = 0; i < VO_ARRAY_SIZE(expect); i++) {
		assert_int_equal(vo_rle_get_u8(&d, &out8, 1), VO_OK);
		assert_int_equal(out8, expect[i]);
	}
	assert_int_equal(vo_rle_get_u8(&d, &out8, 1), VO_EFORMAT);
	bb_free(e);
	free(e);
}

static void test_random_all_widths(void **state)
{
	struct bb *e = calloc(1, sizeof(*e));
	uint32_t *expect = calloc(1 << 15, sizeof(*expect));
	uint32_t *out = calloc(1 << 15, sizeof(*out));
	uint8_t *out8 = calloc(1 << 15, 1);
	uint32_t v[160];
	unsigned width;
	size_t n;
	size_t got;
	size_t i;
	size_t k;
	size_t m;
	struct vo_rle d;

	(void)state;
	assert_non_null(e);
	assert_non_null(expect);
	assert_non_null(out);
	assert_non_null(out8);
	for (width = 1; width <= 32; width++) {
		e->len = 0;
		n = 0;
		for (k = 0; k < 60; k++) {
			if (rnd() % 2) {
				size_t count = 1 + rnd() % 200;
				uint32_t x = rnd_value(width);

				put_rle_run(e, count, x, width);
				for (i = 0; i < count; i++)
					expect[n++] = x;
			} else {
				size_t count = 8 * (1 + rnd() % 20);

				for (i = 0; i < count; i++)
					v[i] = rnd_value(width);
				put_packed(e, width, v, count);
				for (i = 0; i < count; i++)
					expect[n++] = v[i];
			}
		}
		assert_int_equal(vo_rle_init(&d, e->p, e->len, width), VO_OK);
		for (got = 0; got < n; got += m) {
			m = 1 + (size_t)(rnd() % 700); /* not inside VO_MIN: it evaluates twice */
			m = VO_MIN(m, n - got);
			assert_int_equal(vo_rle_get_u32(&d, out + got, m), VO_OK);
		}
		for (i = 0; i < n; i++)
			assert_int_equal(out[i], expect[i]);
		if (width <= 8) {
			assert_int_equal(vo_rle_init(&d, e->p, e->len, width), VO_OK);
			for (got = 0; got < n; got += m) {
				m = 1 + (size_t)(rnd() %
						 700); /* not inside VO_MIN: it evaluates twice */
				m = VO_MIN(m, n - got);
				assert_int_equal(vo_rle_get_u8(&d, out8 + got, m), VO_OK);
			}
			for (i = 0; i < n; i++)
				assert_int_equal(out8[i], expect[i]);
		}
	}
	bb_free(e);
	free(e);
	free(expect);
	free(out);
	free(out8);
}

/* The same with bit-packed runs through the portable loops only (when the default is BMI2). */
static void test_random_portable(void **state)
{
	if (!vo_rle_use_pdep(1))
		skip(); /* no BMI2 here: test_random_all_widths ran the portable loops */
	vo_rle_use_pdep(0);
	test_random_all_widths(state);
	vo_rle_use_pdep(1);
}

static void test_truncated(void **state)
{
	struct bb *e = calloc(1, sizeof(*e));
	uint32_t v[16];
	uint32_t out[16];
	uint8_t *copy;
	struct vo_rle d;
	size_t i;
	size_t cut;

	(void)state;
	assert_non_null(e);
	/* a packed run of 2 groups (16 values) at width 3 is 6 bytes; keep 4 */
	for (i = 0; i < 16; i++)
		v[i] = (uint32_t)(i % 8);
	put_packed(e, 3, v, 16);
	assert_int_equal(e->len, 7);
	copy = malloc(5);
	assert_non_null(copy);
	memcpy(copy, e->p, 5);
	/* 4 bytes hold 10 whole values of 3 bits */
	assert_int_equal(vo_rle_init(&d, copy, 5, 3), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 10), VO_OK);
	for (i = 0; i < 10; i++)
		assert_int_equal(out[i], i % 8);
	assert_int_equal(vo_rle_get_u32(&d, out, 1), VO_EFORMAT);
	free(copy);

	/* every prefix of a mixed stream: decoding all values fails, never overreads */
	e->len = 0;
	put_rle_run(e, 3, 0x10000, 17);
	put_packed(e, 17, v, 16);
	put_rle_run(e, 2, 5, 17);
	for (cut = 0; cut < e->len; cut++) {
		copy = malloc(cut ? cut : 1);
		assert_non_null(copy);
		memcpy(copy, e->p, cut);
		assert_int_equal(vo_rle_init(&d, copy, cut, 17), VO_OK);
		assert_int_equal(vo_rle_get_u32(&d, out, 3), cut >= 4 ? VO_OK : VO_EFORMAT);
		if (cut >= 4)
			assert_int_equal(vo_rle_get_u32(&d, out, 16 + 2), VO_EFORMAT);
		free(copy);
	}
	bb_free(e);
	free(e);
}

static void test_malformed(void **state)
{
	static const uint8_t wide_value[] = { 0x02, 0x08 }; /* RLE value 8 at width 3 */
	static const uint8_t long_header[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
					       0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
	static const uint8_t cut_header[] = { 0x80 };
	static const uint8_t huge_run[] = { 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01 };
	struct vo_rle d;
	uint32_t out[4];
	uint8_t out8[4];

	(void)state;
	assert_int_equal(vo_rle_init(&d, wide_value, sizeof(wide_value), 3), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 1), VO_EFORMAT);
	assert_non_null(strstr(d.why, "wider"));

	assert_int_equal(vo_rle_init(&d, long_header, sizeof(long_header), 1), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 1), VO_EFORMAT);

	assert_int_equal(vo_rle_init(&d, cut_header, sizeof(cut_header), 1), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 1), VO_EFORMAT);

	/* a packed run declaring 2^31 groups with one byte behind it: 8 values */
	assert_int_equal(vo_rle_init(&d, huge_run, sizeof(huge_run), 1), VO_OK);
	assert_int_equal(vo_rle_get_u32(&d, out, 4), VO_OK);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);

	assert_int_equal(vo_rle_init(&d, wide_value, sizeof(wide_value), 33), VO_EINVAL);
	assert_int_equal(vo_rle_init(&d, wide_value, sizeof(wide_value), 9), VO_OK);
	assert_int_equal(vo_rle_get_u8(&d, out8, 1), VO_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_example),  cmocka_unit_test(test_width0),
		cmocka_unit_test(test_width1_levels), cmocka_unit_test(test_widths),
		cmocka_unit_test(test_width17_bytes), cmocka_unit_test(test_random_all_widths),
		cmocka_unit_test(test_truncated),     cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_empty_runs),    cmocka_unit_test(test_random_portable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
