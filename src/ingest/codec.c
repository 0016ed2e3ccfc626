/*
 * codec.c - page decompression, see codec.h.
 */
#include "core/common.h"

#include <string.h>

#include <libdeflate.h>

#include "core/alloc.h"
#include "core/err.h"
#include "ingest/codec.h"

/* DEFLATE's worst-case expansion: 258 bytes from 2 bits, about 1032:1. */
#define DEFLATE_MAX_RATIO 1032
/* A gzip or zlib wrapper around an empty stream is under this many bytes. */
#define DEFLATE_SLACK 1024

struct vo_codec {
	struct libdeflate_decompressor *deflate; /* GZIP; NULL until first use */
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
	return codec == VO_CODEC_UNCOMPRESSED || codec == VO_CODEC_GZIP;
}

size_t vo_codec_max_output(int codec, size_t srclen)
{
	switch (codec) {
	case VO_CODEC_UNCOMPRESSED:
		return srclen;
	case VO_CODEC_GZIP:
		if (srclen > (SIZE_MAX - DEFLATE_SLACK) / DEFLATE_MAX_RATIO)
			return SIZE_MAX;
		return srclen * DEFLATE_MAX_RATIO + DEFLATE_SLACK;
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

int vo_codec_decompress(struct vo_codec *c, int codec, const uint8_t *src, size_t srclen,
			uint8_t *dst, size_t dstlen, struct vo_error *err)
{
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
	default:
		return vo_error_set(err, VO_EUNSUPPORTED,
				    "compression codec %s (%d) is not supported (supported: "
				    "UNCOMPRESSED, GZIP)",
				    vo_codec_name(codec), codec);
	}
}
