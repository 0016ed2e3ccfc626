/*
 * test_codec.c - page decompression (ingest/codec.h) against each library's
 * own encoder: round trips of text, random bytes, long runs, one byte and
 * nothing in every codec; a declared size one off either way; every
 * truncation and every flipped byte of a small stream; Hadoop-framed LZ4 and
 * its raw fallback; vo_codec_max_output() above what real encoders reach at
 * their best ratio; and codecs vouch does not decode.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include <brotli/encode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zstd.h>

#include "core/alloc.h"
#include "ingest/codec.h"
#include "testutil.h"

/* The codecs with an encoder here, each tried in every test. */
static const int codecs[] = { VO_CODEC_UNCOMPRESSED, VO_CODEC_SNAPPY, VO_CODEC_GZIP,
			      VO_CODEC_BROTLI,	     VO_CODEC_ZSTD,   VO_CODEC_LZ4_RAW,
			      VO_CODEC_LZ4 };

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Raw LZ4 of src into *out; returns the compressed size. */
static size_t lz4_raw(const uint8_t *src, size_t n, uint8_t *out, size_t cap)
{
	int got = LZ4_compress_default((const char *)src, (char *)out, (int)n, (int)cap);

	assert_true(got > 0);
	return (size_t)got;
}

/*
 * Compresses n bytes with codec into a new buffer (*out, owned by the caller)
 * and returns its size.  LZ4 (codec 5) is written Hadoop-framed, one block
 * per 64 KiB, as parquet-mr does.
 */
static size_t compress(int codec, const uint8_t *src, size_t n, uint8_t **out)
{
	size_t cap = n + n / 2 + 4096;
	uint8_t *buf = malloc(cap);
	size_t len = 0;

	assert_non_null(buf);
	switch (codec) {
	case VO_CODEC_UNCOMPRESSED:
		if (n)
			memcpy(buf, src, n);
		len = n;
		break;
	case VO_CODEC_SNAPPY:
		len = cap;
		assert_int_equal(snappy_compress((const char *)src, n, (char *)buf, &len),
				 SNAPPY_OK);
		break;
	case VO_CODEC_GZIP: {
		struct libdeflate_compressor *z = libdeflate_alloc_compressor(9);

		assert_non_null(z);
		len = libdeflate_gzip_compress(z, src, n, buf, cap);
		libdeflate_free_compressor(z);
		assert_true(len > 0);
		break;
	}
	case VO_CODEC_BROTLI:
		len = cap;
		assert_int_equal(BrotliEncoderCompress(5, BROTLI_DEFAULT_WINDOW,
						       BROTLI_DEFAULT_MODE, n, src, &len, buf),
				 BROTLI_TRUE);
		break;
	case VO_CODEC_ZSTD:
		len = ZSTD_compress(buf, cap, src, n, 3);
		assert_false(ZSTD_isError(len));
		break;
	case VO_CODEC_LZ4_RAW:
		len = lz4_raw(src, n, buf, cap);
		break;
	case VO_CODEC_LZ4: {
		size_t off = 0;

		do {
			size_t part = VO_MIN(n - off, (size_t)65536);
			size_t c = lz4_raw(src + off, part, buf + len + 8, cap - len - 8);

			put_be32(buf + len, (uint32_t)part);
			put_be32(buf + len + 4, (uint32_t)c);
			len += 8 + c;
			off += part;
		} while (off < n);
		break;
	}
	default:
		fail();
	}
	*out = buf;
	return len;
}

/* Decompresses into exactly n bytes; returns the code, and the message in err. */
static int decompress(int codec, const uint8_t *src, size_t len, uint8_t *dst, size_t n,
		      struct vo_error *err)
{
	struct vo_codec *c = NULL;
	int rc;

	vo_error_clear(err);
	assert_int_equal(vo_codec_create(&c, err), VO_OK);
	rc = vo_codec_decompress(c, codec, src, len, dst, n, err);
	vo_codec_destroy(c);
	return rc;
}

/* Text like the real data's columns: compressible, but not trivially. */
static uint8_t *make_text(size_t n, uint64_t seed)
{
	static const char *const words[] = { "Peru,",	"China,", "2018-07-21 18:59:21.102761,",
					     "2640.0,", "15,",	  "\n",
					     "Latvia," };
	uint8_t *p = malloc(n ? n : 1);
	size_t i = 0;

	assert_non_null(p);
	while (i < n) {
		const char *w = words[vo_test_xorshift(&seed) % VO_ARRAY_SIZE(words)];
		size_t k = VO_MIN(strlen(w), n - i);
		size_t j;

		for (j = 0; j < k; j++)
			p[i++] = (uint8_t)w[j];
	}
	return p;
}

static uint8_t *make_random(size_t n, uint64_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)vo_test_xorshift(&seed);
	return p;
}

static void round_trip(const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < VO_ARRAY_SIZE(codecs); i++) {
		struct vo_error err;
		uint8_t *z = NULL;
		size_t len = compress(codecs[i], src, n, &z);
		uint8_t *dst = malloc(n + 1);

		assert_non_null(dst);
		assert_true(n <= vo_codec_max_output(codecs[i], len));
		if (decompress(codecs[i], z, len, dst, n, &err) != VO_OK)
			print_error("%s, %zu bytes: %s\n", vo_codec_name(codecs[i]), n, err.msg);
		assert_int_equal(err.code, VO_OK);
		assert_memory_equal(dst, src, n);
		/* One byte short or long of the real size is an error naming the codec. */
		if (n > 0) {
			assert_int_equal(decompress(codecs[i], z, len, dst, n - 1, &err),
					 VO_EFORMAT);
			assert_non_null(strstr(err.msg, codecs[i] == VO_CODEC_UNCOMPRESSED
								? "uncompressed"
								: vo_codec_name(codecs[i])));
		}
		assert_int_equal(decompress(codecs[i], z, len, dst, n + 1, &err), VO_EFORMAT);
		free(dst);
		free(z);
	}
}

static void test_round_trips(void **state)
{
	static const size_t sizes[] = { 0, 1, 100, 65536, 65537, 300000 };
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(sizes); i++) {
		uint8_t *text = make_text(sizes[i], 7 + i);
		uint8_t *noise = make_random(sizes[i], 11 + i);

		round_trip(text, sizes[i]);
		round_trip(noise, sizes[i]);
		free(text);
		free(noise);
	}
}

/* Empty pages may come with NULL pointers (a page of only nulls in v2). */
static void test_empty_null(void **state)
{
	struct vo_error err;
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(codecs); i++) {
		uint8_t *z = NULL;
		size_t len = compress(codecs[i], (const uint8_t *)"", 0, &z);

		assert_int_equal(decompress(codecs[i], z, len, NULL, 0, &err), VO_OK);
		free(z);
	}
	assert_int_equal(decompress(VO_CODEC_UNCOMPRESSED, NULL, 0, NULL, 0, &err), VO_OK);
	assert_int_not_equal(decompress(VO_CODEC_ZSTD, NULL, 0, NULL, 0, &err), VO_OK);
	assert_int_not_equal(decompress(VO_CODEC_SNAPPY, NULL, 0, NULL, 0, &err), VO_OK);
	assert_int_not_equal(decompress(VO_CODEC_BROTLI, NULL, 0, NULL, 0, &err), VO_OK);
	assert_int_not_equal(decompress(VO_CODEC_GZIP, NULL, 0, NULL, 0, &err), VO_OK);
}

/* Every proper prefix of a stream fails; no read past it (ASan checks that). */
static void test_truncated(void **state)
{
	const size_t n = 5000;
	uint8_t *text = make_text(n, 3);
	uint8_t *dst = malloc(n);
	size_t i;
	size_t cut;

	(void)state;
	assert_non_null(dst);
	for (i = 0; i < VO_ARRAY_SIZE(codecs); i++) {
		uint8_t *z = NULL;
		size_t len = compress(codecs[i], text, n, &z);

		for (cut = 0; cut < len; cut++) {
			struct vo_error err;
			/* A copy of exactly cut bytes, so ASan sees any overread. */
			uint8_t *part = malloc(cut ? cut : 1);
			int rc;

			assert_non_null(part);
			memcpy(part, z, cut);
			rc = decompress(codecs[i], part, cut, dst, n, &err);
			if (rc != VO_EFORMAT)
				print_error("%s cut at %zu of %zu: %d\n", vo_codec_name(codecs[i]),
					    cut, len, rc);
			assert_int_equal(rc, VO_EFORMAT);
			assert_true(err.msg[0] != '\0');
			free(part);
		}
		free(z);
	}
	free(dst);
	free(text);
}

/*
 * Every byte of a small stream flipped in turn: the result is the right
 * bytes, other bytes (codecs without checksums), or VO_EFORMAT; never a
 * crash, and never a write past the output (ASan checks that).
 */
static void test_flipped(void **state)
{
	const size_t n = 3000;
	uint8_t *text = make_text(n, 5);
	uint8_t *dst = malloc(n);
	size_t i;
	size_t at;

	(void)state;
	assert_non_null(dst);
	for (i = 0; i < VO_ARRAY_SIZE(codecs); i++) {
		uint8_t *z = NULL;
		size_t len = compress(codecs[i], text, n, &z);
		size_t failed = 0;

		for (at = 0; at < len; at++) {
			struct vo_error err;
			int rc;

			z[at] ^= 0x5a;
			rc = decompress(codecs[i], z, len, dst, n, &err);
			z[at] ^= 0x5a;
			assert_true(rc == VO_OK || rc == VO_EFORMAT);
			failed += rc != VO_OK;
		}
		/* GZIP's CRC catches every flip but those of the header's MTIME, XFL
		 * and OS bytes (4 to 9), which nothing checks; the others catch some. */
		if (codecs[i] == VO_CODEC_GZIP)
			assert_int_equal(failed, len - 6);
		else if (codecs[i] != VO_CODEC_UNCOMPRESSED)
			assert_true(failed > 0);
		free(z);
	}
	free(dst);
	free(text);
}

/* Long runs of one byte: every encoder's best ratio stays within the bound. */
static void test_max_output(void **state)
{
	const size_t n = 8u << 20;
	uint8_t *zeros = calloc(n, 1);
	uint8_t *dst = malloc(n);
	size_t i;

	(void)state;
	assert_non_null(zeros);
	assert_non_null(dst);
	for (i = 0; i < VO_ARRAY_SIZE(codecs); i++) {
		struct vo_error err;
		uint8_t *z = NULL;
		size_t len = compress(codecs[i], zeros, n, &z);

		assert_true(vo_codec_max_output(codecs[i], len) >= n);
		assert_int_equal(decompress(codecs[i], z, len, dst, n, &err), VO_OK);
		free(z);
	}
	/* A few bytes cannot claim a huge page, except where no bound exists. */
	assert_true(vo_codec_max_output(VO_CODEC_UNCOMPRESSED, 10) == 10);
	assert_true(vo_codec_max_output(VO_CODEC_SNAPPY, 10) < 4096);
	assert_true(vo_codec_max_output(VO_CODEC_LZ4_RAW, 10) < 8192);
	assert_true(vo_codec_max_output(VO_CODEC_GZIP, 10) < 16384);
	assert_true(vo_codec_max_output(VO_CODEC_ZSTD, 10) < (1u << 20));
	assert_true(vo_codec_max_output(VO_CODEC_GZIP, SIZE_MAX / 2) == SIZE_MAX);
	assert_true(vo_codec_max_output(VO_CODEC_ZSTD, SIZE_MAX / 2) == SIZE_MAX);
	free(dst);
	free(zeros);
}

/* ZSTD: two frames in a row; a frame whose header claims more than the page. */
static void test_zstd_frames(void **state)
{
	const size_t n = 10000;
	uint8_t *text = make_text(n, 9);
	uint8_t *dst = malloc(n);
	uint8_t *z = NULL;
	uint8_t *two;
	size_t len = compress(VO_CODEC_ZSTD, text, n / 2, &z);
	size_t len2;
	struct vo_error err;

	(void)state;
	assert_non_null(dst);
	two = malloc(2 * len + 64);
	assert_non_null(two);
	memcpy(two, z, len);
	free(z);
	len2 = compress(VO_CODEC_ZSTD, text + n / 2, n - n / 2, &z);
	memcpy(two + len, z, len2);
	free(z);
	assert_int_equal(decompress(VO_CODEC_ZSTD, two, len + len2, dst, n, &err), VO_OK);
	assert_memory_equal(dst, text, n);
	/* The first frame declares n/2 bytes: a page of fewer is refused up front. */
	assert_int_equal(decompress(VO_CODEC_ZSTD, two, len + len2, dst, n / 2 - 1, &err),
			 VO_EFORMAT);
	assert_non_null(strstr(err.msg, "ZSTD frame declares 5000 bytes"));
	/* Not a frame at all. */
	assert_int_equal(decompress(VO_CODEC_ZSTD, (const uint8_t *)"PAR1PAR1", 8, dst, n, &err),
			 VO_EFORMAT);
	free(two);
	free(dst);
	free(text);
}

/* SNAPPY: the stream's own length must equal the page's. */
static void test_snappy_length(void **state)
{
	static const uint8_t bogus[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	uint8_t *text = make_text(1000, 13);
	uint8_t dst[2000];
	uint8_t *z = NULL;
	size_t len = compress(VO_CODEC_SNAPPY, text, 1000, &z);
	struct vo_error err;

	(void)state;
	assert_int_equal(decompress(VO_CODEC_SNAPPY, z, len, dst, 999, &err), VO_EFORMAT);
	assert_non_null(
		strstr(err.msg, "SNAPPY data declares 1000 bytes, the page header says 999"));
	assert_int_equal(decompress(VO_CODEC_SNAPPY, bogus, sizeof(bogus), dst, 10, &err),
			 VO_EFORMAT);
	free(z);
	free(text);
}

/* LZ4 (codec 5): Hadoop frames with lying sizes fail; a raw block is accepted. */
static void test_lz4_hadoop(void **state)
{
	const size_t n = 200000;
	uint8_t *text = make_text(n, 17);
	uint8_t *dst = malloc(n);
	uint8_t *z = NULL;
	size_t len = compress(VO_CODEC_LZ4, text, n, &z);
	struct vo_error err;

	(void)state;
	assert_non_null(dst);
	/* 200000 bytes make 4 blocks (3 of 64 KiB); the whole decodes. */
	assert_int_equal(decompress(VO_CODEC_LZ4, z, len, dst, n, &err), VO_OK);
	assert_memory_equal(dst, text, n);
	/* The first block's uncompressed size one too big or too small. */
	put_be32(z, 65537);
	assert_int_equal(decompress(VO_CODEC_LZ4, z, len, dst, n, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "LZ4 data is corrupt"));
	put_be32(z, 65535);
	assert_int_equal(decompress(VO_CODEC_LZ4, z, len, dst, n, &err), VO_EFORMAT);
	put_be32(z, 65536);
	/* Its compressed size past the end of the input. */
	put_be32(z + 4, 0xfffffff0u);
	assert_int_equal(decompress(VO_CODEC_LZ4, z, len, dst, n, &err), VO_EFORMAT);
	free(z);
	/* Older parquet-cpp: one raw block under codec 5. */
	len = compress(VO_CODEC_LZ4_RAW, text, n, &z);
	assert_int_equal(decompress(VO_CODEC_LZ4, z, len, dst, n, &err), VO_OK);
	assert_memory_equal(dst, text, n);
	free(z);
	free(dst);
	free(text);
}

/* GZIP: several members in a row (Hadoop writes them), and a zlib stream. */
static void test_gzip_members(void **state)
{
	const size_t n = 10000;
	uint8_t *text = make_text(n, 19);
	uint8_t *dst = malloc(n);
	uint8_t *a = NULL;
	uint8_t *b = NULL;
	size_t la = compress(VO_CODEC_GZIP, text, 4000, &a);
	size_t lb = compress(VO_CODEC_GZIP, text + 4000, n - 4000, &b);
	uint8_t *both = malloc(la + lb + 1);
	struct libdeflate_compressor *zc = libdeflate_alloc_compressor(6);
	uint8_t *zl = malloc(n + 1024);
	size_t lz;
	struct vo_error err;

	(void)state;
	assert_non_null(dst);
	assert_non_null(both);
	assert_non_null(zc);
	assert_non_null(zl);
	memcpy(both, a, la);
	memcpy(both + la, b, lb);
	assert_int_equal(decompress(VO_CODEC_GZIP, both, la + lb, dst, n, &err), VO_OK);
	assert_memory_equal(dst, text, n);
	lz = libdeflate_zlib_compress(zc, text, n, zl, n + 1024);
	assert_true(lz > 0);
	assert_int_equal(decompress(VO_CODEC_GZIP, zl, lz, dst, n, &err), VO_OK);
	assert_memory_equal(dst, text, n);
	libdeflate_free_compressor(zc);
	free(zl);
	free(both);
	free(a);
	free(b);
	free(dst);
	free(text);
}

static void test_names_and_unsupported(void **state)
{
	struct vo_error err;
	uint8_t dst[4];

	(void)state;
	assert_string_equal(vo_codec_name(VO_CODEC_LZ4_RAW), "LZ4_RAW");
	assert_string_equal(vo_codec_name(VO_CODEC_LZO), "LZO");
	assert_string_equal(vo_codec_name(99), "UNKNOWN");
	assert_string_equal(vo_codec_name(-1), "UNKNOWN");
	assert_true(vo_codec_supported(VO_CODEC_BROTLI));
	assert_false(vo_codec_supported(VO_CODEC_LZO));
	assert_false(vo_codec_supported(8));
	assert_int_equal(decompress(VO_CODEC_LZO, (const uint8_t *)"abcd", 4, dst, 4, &err),
			 VO_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "LZO (3) is not supported"));
	assert_int_equal(decompress(42, (const uint8_t *)"abcd", 4, dst, 4, &err), VO_EUNSUPPORTED);
	assert_true(vo_codec_max_output(42, 10) == SIZE_MAX);
}

/* One decompressor reused across codecs and sizes, as a reader does. */
static void test_reuse(void **state)
{
	struct vo_codec *c = NULL;
	struct vo_error err;
	size_t round;
	size_t i;

	(void)state;
	assert_int_equal(vo_codec_create(&c, &err), VO_OK);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < VO_ARRAY_SIZE(codecs); i++) {
			size_t n = 1000 + 7919 * (round + i);
			uint8_t *text = make_text(n, round * 31 + i);
			uint8_t *dst = malloc(n);
			uint8_t *z = NULL;
			size_t len = compress(codecs[i], text, n, &z);

			assert_non_null(dst);
			assert_int_equal(vo_codec_decompress(c, codecs[i], z, len, dst, n, &err),
					 VO_OK);
			assert_memory_equal(dst, text, n);
			/* A failure in between leaves the state usable. */
			assert_int_not_equal(
				vo_codec_decompress(c, codecs[i], z, len / 2, dst, n, &err), VO_OK);
			free(z);
			free(dst);
			free(text);
		}
	}
	vo_codec_destroy(c);
	vo_codec_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trips),   cmocka_unit_test(test_empty_null),
		cmocka_unit_test(test_truncated),     cmocka_unit_test(test_flipped),
		cmocka_unit_test(test_max_output),    cmocka_unit_test(test_zstd_frames),
		cmocka_unit_test(test_snappy_length), cmocka_unit_test(test_lz4_hadoop),
		cmocka_unit_test(test_gzip_members),  cmocka_unit_test(test_names_and_unsupported),
		cmocka_unit_test(test_reuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
