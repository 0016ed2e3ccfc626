/*
 * codec.c - page decompression, see codec.h.
 *
 * Each codec is one function that turns srclen bytes into exactly dstlen
 * bytes, using the library's "safe" one-shot decoder: those check every
 * offset against the input and the output buffer, so corrupt data is an
 * error from the library, never a read or write out of bounds.  Whatever the
 * library says, the output must have exactly the page header's size.
 */
#include "core/common.h"

#include <limits.h>
#include <string.h>

#include <brotli/decode.h>
#include <libdeflate.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zstd.h>

#include "core/alloc.h"
#include "core/err.h"
#include "ingest/codec.h"

/* DEFLATE's worst-case expansion: 258 bytes from 2 bits, about 1032:1. */
#define DEFLATE_MAX_RATIO 1032
/* A gzip or zlib wrapper around an empty stream is under this many bytes. */
#define DEFLATE_SLACK 1024
/* Snappy: the longest copy (64 bytes) takes a 3-byte tag, about 21:1. */
#define SNAPPY_MAX_RATIO 22
/* LZ4: a match of 255 more bytes costs one length byte, about 255:1. */
#define LZ4_MAX_RATIO 256
/* Zstandard: a block holds at most 128 KiB and takes at least 4 bytes (an RLE
 * block: 3-byte header and the byte), so 32768:1. */
#define ZSTD_MAX_RATIO 32768
/* Brotli: a meta-block of up to 16 MiB can be coded in a few dozen bytes, so
 * only VO_PARQUET_PAGE_MAX bounds it.  This slack covers small outputs of
 * every codec (headers, empty streams, Hadoop LZ4 block prefixes). */
#define CODEC_SLACK 1024

struct vo_codec {
	struct libdeflate_decompressor *deflate; /* GZIP; NULL until first use */
	ZSTD_DCtx *zstd;			 /* ZSTD; NULL until first use */
};

static const char *const codec_names[] = {
	[VO_CODEC_UNCOMPRESSED] = "UNCOMPRESSED",
	[VO_CODEC_SNAPPY] = "SNAPPY",
	[VO_CODEC_GZIP] = "GZIP",
	[VO_CODEC_LZO] = "LZO",
	[VO_CODEC_BROTLI] = "BROTLI",
	[VO_CODEC_LZ4] = "LZ4",
	[VO_CODEC_ZSTD] = "ZSTD",
	[VO_CODEC_LZ4_RAW] = "LZ4_RAW",
};

int vo_codec_create(struct vo_codec **out, struct vo_error *err)
{
	struct vo_codec *c = vo_calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return vo_error_set(err, VO_ENOMEM, "out of memory allocating a decompressor");
	*out = c;
	return VO_OK;
}

void vo_codec_destroy(struct vo_codec *c)
{
	if (!c)
		return;
	libdeflate_free_decompressor(c->deflate);
	ZSTD_freeDCtx(c->zstd);
	vo_free(c);
}

const char *vo_codec_name(int codec)
{
	if (codec >= 0 && (size_t)codec < VO_ARRAY_SIZE(codec_names))
		return codec_names[codec];
	return "UNKNOWN";
}

bool vo_codec_supported(int codec)
{
	switch (codec) {
	case VO_CODEC_UNCOMPRESSED:
	case VO_CODEC_SNAPPY:
	case VO_CODEC_GZIP:
	case VO_CODEC_BROTLI:
	case VO_CODEC_LZ4:
	case VO_CODEC_ZSTD:
	case VO_CODEC_LZ4_RAW:
		return true;
	default:
		return false;
	}
}

static size_t ratio_bound(size_t srclen, size_t ratio)
{
	if (srclen > (SIZE_MAX - CODEC_SLACK) / ratio)
		return SIZE_MAX;
	return srclen * ratio + CODEC_SLACK;
}

size_t vo_codec_max_output(int codec, size_t srclen)
{
	switch (codec) {
	case VO_CODEC_UNCOMPRESSED:
		return srclen;
	case VO_CODEC_GZIP:
		return ratio_bound(srclen, DEFLATE_MAX_RATIO);
	case VO_CODEC_SNAPPY:
		return ratio_bound(srclen, SNAPPY_MAX_RATIO);
	case VO_CODEC_LZ4:
	case VO_CODEC_LZ4_RAW:
		return ratio_bound(srclen, LZ4_MAX_RATIO);
	case VO_CODEC_ZSTD:
		return ratio_bound(srclen, ZSTD_MAX_RATIO);
	default:
		return SIZE_MAX;
	}
}

static const char *deflate_result_name(enum libdeflate_result r)
{
	switch (r) {
	case LIBDEFLATE_BAD_DATA:
		return "corrupt data";
	case LIBDEFLATE_SHORT_OUTPUT:
		return "output shorter than declared";
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return "output longer than declared";
	default:
		return "unknown failure";
	}
}

/*
 * GZIP: one or more gzip members (Hadoop and some writers concatenate them),
 * or a zlib stream, which Arrow's reader also accepts under this codec.
 */
static int gzip_decompress(struct vo_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst,
			   size_t dstlen, struct vo_error *err)
{
	enum libdeflate_result r;
	size_t in_off = 0;
	size_t out_off = 0;
	size_t in_used = 0;
	size_t out_used = 0;
	bool gzip;

	if (!c->deflate) {
		c->deflate = libdeflate_alloc_decompressor();
		if (!c->deflate)
			return vo_error_set(err, VO_ENOMEM,
					    "out of memory allocating a GZIP decompressor");
	}
	gzip = srclen >= 2 && src[0] == 0x1f && src[1] == 0x8b;
	do {
		if (gzip)
			r = libdeflate_gzip_decompress_ex(c->deflate, src + in_off, srclen - in_off,
							  dst + out_off, dstlen - out_off, &in_used,
							  &out_used);
		else
			r = libdeflate_zlib_decompress_ex(c->deflate, src + in_off, srclen - in_off,
							  dst + out_off, dstlen - out_off, &in_used,
							  &out_used);
		if (r != LIBDEFLATE_SUCCESS)
			return vo_error_set(err, VO_EFORMAT,
					    "GZIP data does not decompress to the declared %zu "
					    "bytes: %s",
					    dstlen, deflate_result_name(r));
		in_off += in_used;
		out_off += out_used;
		/* Another gzip member may follow; trailing bytes after a full output are ignored.
		 */
	} while (gzip && out_off < dstlen && in_off < srclen && in_used > 0);
	if (out_off != dstlen)
		return vo_error_set(err, VO_EFORMAT,
				    "GZIP data decompresses to %zu bytes, the page header says %zu",
				    out_off, dstlen);
	return VO_OK;
}

static int snappy_decompress(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
			     struct vo_error *err)
{
	size_t declared = 0;
	size_t got;

	if (snappy_uncompressed_length((const char *)src, srclen, &declared) != SNAPPY_OK)
		return vo_error_set(err, VO_EFORMAT, "SNAPPY data is corrupt (no valid length)");
	if (declared != dstlen)
		return vo_error_set(err, VO_EFORMAT,
				    "SNAPPY data declares %zu bytes, the page header says %zu",
				    declared, dstlen);
	got = dstlen;
	if (snappy_uncompress((const char *)src, srclen, (char *)dst, &got) != SNAPPY_OK)
		return vo_error_set(err, VO_EFORMAT, "SNAPPY data is corrupt");
	if (got != dstlen)
		return vo_error_set(
			err, VO_EFORMAT,
			"SNAPPY data decompresses to %zu bytes, the page header says %zu", got,
			dstlen);
	return VO_OK;
}

static int zstd_decompress(struct vo_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst,
			   size_t dstlen, struct vo_error *err)
{
	unsigned long long content;
	size_t got;

	if (!c->zstd) {
		c->zstd = ZSTD_createDCtx();
		if (!c->zstd)
			return vo_error_set(err, VO_ENOMEM,
					    "out of memory allocating a ZSTD decompressor");
	}
	content = ZSTD_getFrameContentSize(src, srclen);
	if (content == ZSTD_CONTENTSIZE_ERROR)
		return vo_error_set(err, VO_EFORMAT,
				    "ZSTD data is corrupt (no valid frame header)");
	/* A frame that declares more than the page is wrong whatever follows it. */
	if (content != ZSTD_CONTENTSIZE_UNKNOWN && content > dstlen)
		return vo_error_set(err, VO_EFORMAT,
				    "ZSTD frame declares %llu bytes, the page header says %zu",
				    content, dstlen);
	got = ZSTD_decompressDCtx(c->zstd, dst, dstlen, src, srclen);
	if (ZSTD_isError(got))
		return vo_error_set(err, VO_EFORMAT,
				    "ZSTD data does not decompress to %zu bytes: %s", dstlen,
				    ZSTD_getErrorName(got));
	if (got != dstlen)
		return vo_error_set(err, VO_EFORMAT,
				    "ZSTD data decompresses to %zu bytes, the page header says %zu",
				    got, dstlen);
	return VO_OK;
}

/* One raw LZ4 block into exactly dstlen bytes. */
static bool lz4_block(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen)
{
	int got;

	if (srclen > (size_t)LZ4_MAX_INPUT_SIZE || dstlen > (size_t)INT_MAX)
		return false;
	got = LZ4_decompress_safe((const char *)src, (char *)dst, (int)srclen, (int)dstlen);
	return got >= 0 && (size_t)got == dstlen;
}

static int lz4_raw_decompress(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
			      struct vo_error *err)
{
	if (!lz4_block(src, srclen, dst, dstlen))
		return vo_error_set(
			err, VO_EFORMAT,
			"LZ4_RAW data is corrupt or does not decompress to the declared "
			"%zu bytes",
			dstlen);
	return VO_OK;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Hadoop's framing, as parquet-mr wrote codec LZ4: blocks of a big-endian
 * 4-byte uncompressed size, a 4-byte compressed size and that many bytes of
 * raw LZ4, until the input ends.  Returns whether the whole input is such
 * blocks decompressing to exactly dstlen bytes.
 */
static bool lz4_hadoop(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen)
{
	size_t in = 0;
	size_t out = 0;

	while (srclen - in >= 8) {
		uint32_t usize = be32(src + in);
		uint32_t csize = be32(src + in + 4);

		in += 8;
		if (csize > srclen - in || usize > dstlen - out)
			return false;
		if (!lz4_block(src + in, csize, dst + out, usize))
			return false;
		in += csize;
		out += usize;
	}
	return in == srclen && out == dstlen;
}

/*
 * LZ4 (deprecated): Hadoop-framed blocks, or, like Arrow, one raw LZ4 block
 * as older parquet-cpp versions wrote under this codec.
 */
static int lz4_hadoop_decompress(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
				 struct vo_error *err)
{
	if (lz4_hadoop(src, srclen, dst, dstlen) || lz4_block(src, srclen, dst, dstlen))
		return VO_OK;
	return vo_error_set(err, VO_EFORMAT,
			    "LZ4 data is corrupt or does not decompress to the declared %zu bytes "
			    "(neither Hadoop-framed nor raw LZ4)",
			    dstlen);
}

static int brotli_decompress(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen,
			     struct vo_error *err)
{
	size_t got = dstlen;
	BrotliDecoderResult r;

	r = BrotliDecoderDecompress(srclen, src, &got, dst);
	if (r != BROTLI_DECODER_RESULT_SUCCESS)
		return vo_error_set(err, VO_EFORMAT,
				    "BROTLI data is corrupt or longer than the declared %zu bytes",
				    dstlen);
	if (got != dstlen)
		return vo_error_set(
			err, VO_EFORMAT,
			"BROTLI data decompresses to %zu bytes, the page header says %zu", got,
			dstlen);
	return VO_OK;
}

int vo_codec_decompress(struct vo_codec *c, int codec, const uint8_t *src, size_t srclen,
			uint8_t *dst, size_t dstlen, struct vo_error *err)
{
	static const uint8_t empty_src[1];
	uint8_t empty_dst[1];

	/* The libraries want real pointers even for empty buffers. */
	if (!src) {
		src = empty_src;
		srclen = 0;
	}
	if (!dst || dstlen == 0) {
		dst = empty_dst;
		dstlen = 0;
	}
	switch (codec) {
	case VO_CODEC_UNCOMPRESSED:
		if (srclen != dstlen)
			return vo_error_set(err, VO_EFORMAT,
					    "uncompressed page of %zu bytes declares %zu", srclen,
					    dstlen);
		if (dstlen)
			memcpy(dst, src, dstlen);
		return VO_OK;
	case VO_CODEC_GZIP:
		return gzip_decompress(c, src, srclen, dst, dstlen, err);
	case VO_CODEC_SNAPPY:
		return snappy_decompress(src, srclen, dst, dstlen, err);
	case VO_CODEC_ZSTD:
		return zstd_decompress(c, src, srclen, dst, dstlen, err);
	case VO_CODEC_LZ4_RAW:
		return lz4_raw_decompress(src, srclen, dst, dstlen, err);
	case VO_CODEC_LZ4:
		return lz4_hadoop_decompress(src, srclen, dst, dstlen, err);
	case VO_CODEC_BROTLI:
		return brotli_decompress(src, srclen, dst, dstlen, err);
	default:
		return vo_error_set(err, VO_EUNSUPPORTED,
				    "compression codec %s (%d) is not supported (supported: "
				    "%s)",
				    vo_codec_name(codec), codec, VO_CODECS_SUPPORTED);
	}
}
