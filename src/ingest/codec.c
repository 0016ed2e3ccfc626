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
#include <isa-l/igzip_lib.h>
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

/* The GZIP decoder: ISA-L's inflate state and where a page's stream stands. */
struct vo_codec_stream {
	struct inflate_state st; /* ISA-L's state (87 KiB: tables and a history buffer) */
	bool gzip;		 /* gzip members (else one zlib stream), from the first bytes */
	bool started;		 /* the first bytes have been seen */
	bool member_done;	 /* the current member ended; another may follow */
	bool done;		 /* the stream ended after exactly dstlen bytes */
	size_t dstlen;		 /* bytes the page header declares */
	size_t produced;	 /* bytes handed out so far */
};

struct vo_codec {
	struct vo_codec_stream *gzip; /* GZIP one-shot pages; NULL until first use */
	ZSTD_DCtx *zstd;	      /* ZSTD; NULL until first use */
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
	vo_codec_stream_destroy(c->gzip);
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

/* ------------------------------------------------------------------------ */
/* GZIP: ISA-L's inflate, in one call or in pieces                          */

int vo_codec_stream_create(struct vo_codec_stream **out, struct vo_error *err)
{
	*out = vo_calloc(1, sizeof(**out));
	if (!*out)
		return vo_error_set(err, VO_ENOMEM, "out of memory allocating a GZIP decompressor");
	return VO_OK;
}

void vo_codec_stream_destroy(struct vo_codec_stream *s)
{
	vo_free(s);
}

bool vo_codec_streams(int codec)
{
	return codec == VO_CODEC_GZIP;
}

/* Starts the next gzip member (or the zlib stream) at the current input. */
static void start_member(struct vo_codec_stream *s)
{
	isal_inflate_reset(&s->st);
	s->st.crc_flag = s->gzip ? ISAL_GZIP : ISAL_ZLIB;
	s->member_done = false;
}

int vo_codec_stream_start(struct vo_codec_stream *s, int codec, size_t dstlen, struct vo_error *err)
{
	if (codec != VO_CODEC_GZIP)
		return vo_error_set(err, VO_EUNSUPPORTED, "codec %s cannot be streamed",
				    vo_codec_name(codec));
	if (dstlen > UINT32_MAX)
		return vo_error_set(err, VO_ELIMIT, "GZIP page of %zu bytes is too large", dstlen);
	isal_inflate_init(&s->st);
	s->started = false;
	s->done = false;
	s->dstlen = dstlen;
	s->produced = 0;
	return VO_OK;
}

bool vo_codec_stream_done(const struct vo_codec_stream *s)
{
	return s->done;
}

static const char *isal_result_name(int r)
{
	switch (r) {
	case ISAL_INVALID_BLOCK:
		return "invalid block";
	case ISAL_INVALID_SYMBOL:
		return "invalid symbol";
	case ISAL_INVALID_LOOKBACK:
		return "invalid distance";
	case ISAL_INVALID_WRAPPER:
		return "invalid gzip or zlib header";
	case ISAL_UNSUPPORTED_METHOD:
		return "not deflate";
	case ISAL_INCORRECT_CHECKSUM:
		return "checksum mismatch";
	case ISAL_NEED_DICT:
		return "needs a preset dictionary";
	default:
		return "corrupt data";
	}
}

/*
 * One step of the stream: inflates from in into out (at most what the page
 * still owes), counting what is used and written.  Once all dstlen bytes are
 * out, a call with room for more checks that the stream really ends there:
 * the member's trailer (CRC and size) is read and nothing more comes.
 */
int vo_codec_stream_next(struct vo_codec_stream *s, const uint8_t *in, size_t inlen, bool last,
			 size_t *used, uint8_t *out, size_t outlen, size_t *got,
			 struct vo_error *err)
{
	uint8_t probe[64] = { 0 };
	uint32_t in_before;
	uint32_t out_room;
	int r;

	*used = 0;
	*got = 0;
	if (s->done)
		return VO_OK;
	if (!s->started) {
		if (inlen < 2 && !last)
			return VO_OK; /* the first two bytes tell gzip from zlib */
		s->gzip = inlen >= 2 && in[0] == 0x1f && in[1] == 0x8b;
		s->started = true;
		start_member(s);
	}
	if (outlen > s->dstlen - s->produced)
		outlen = s->dstlen - s->produced;
	if (inlen > UINT32_MAX)
		inlen = UINT32_MAX;
	for (;;) {
		bool at_end = s->produced + *got == s->dstlen;

		if (s->member_done) {
			/* A full output ends the page; more gzip input may start a member. */
			if (at_end) {
				s->done = true;
				break;
			}
			if (!s->gzip || (*used == inlen && last))
				return vo_error_set(err, VO_EFORMAT,
						    "GZIP data decompresses to %zu bytes, the page "
						    "header says %zu",
						    s->produced + *got, s->dstlen);
			if (*used == inlen)
				break; /* the next member starts in the next input */
			start_member(s);
		}
		/* ISA-L's next_in is not const, but it only reads through it. */
		s->st.next_in =
			(uint8_t *)(uintptr_t)(in + *used); /* NOLINT(performance-no-int-to-ptr) */
		s->st.avail_in = (uint32_t)(inlen - *used);
		/* Past the declared size, a probe buffer catches any further output. */
		s->st.next_out = at_end ? probe : out + *got;
		s->st.avail_out = out_room =
			at_end ? (uint32_t)sizeof(probe) : (uint32_t)(outlen - *got);
		in_before = s->st.avail_in;
		r = isal_inflate(&s->st);
		if (r < 0 || r == ISAL_NEED_DICT)
			return vo_error_set(
				err, VO_EFORMAT,
				"GZIP data does not decompress to the declared %zu bytes: %s",
				s->dstlen, isal_result_name(r));
		*used += in_before - s->st.avail_in;
		if (at_end && s->st.avail_out != out_room)
			return vo_error_set(
				err, VO_EFORMAT,
				"GZIP data does not decompress to the declared %zu bytes: "
				"output longer than declared",
				s->dstlen);
		if (!at_end)
			*got += out_room - s->st.avail_out;
		if (s->st.block_state == ISAL_BLOCK_FINISH) {
			s->member_done = true;
			continue;
		}
		if (!at_end && *got == outlen)
			break; /* the output is full */
		if (*used == inlen) {
			if (last)
				return vo_error_set(err, VO_EFORMAT,
						    "GZIP data does not decompress to the declared "
						    "%zu bytes: %s",
						    s->dstlen,
						    at_end ? "the stream ends early"
							   : "output shorter than declared");
			break; /* more input needed */
		}
	}
	s->produced += *got;
	return VO_OK;
}

/*
 * GZIP: one or more gzip members (Hadoop and some writers concatenate them),
 * or a zlib stream, which Arrow's reader also accepts under this codec.
 * Trailing bytes after a member that completes the output are ignored.
 */
static int gzip_decompress(struct vo_codec *c, const uint8_t *src, size_t srclen, uint8_t *dst,
			   size_t dstlen, struct vo_error *err)
{
	size_t used = 0;
	size_t got = 0;
	int rc;

	if (!c->gzip) {
		rc = vo_codec_stream_create(&c->gzip, err);
		if (rc)
			return rc;
	}
	rc = vo_codec_stream_start(c->gzip, VO_CODEC_GZIP, dstlen, err);
	if (!rc)
		rc = vo_codec_stream_next(c->gzip, src, srclen, true, &used, dst, dstlen, &got,
					  err);
	/* All output is out: check the end (trailer, nothing more) with the rest. */
	if (!rc && !c->gzip->done)
		rc = vo_codec_stream_next(c->gzip, src + used, srclen - used, true, &used, dst, 0,
					  &got, err);
	if (!rc && !c->gzip->done)
		rc = vo_error_set(err, VO_EFORMAT,
				  "GZIP data does not decompress to the declared %zu bytes",
				  dstlen);
	return rc;
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
