/*
 * codec.h - decompression of Parquet pages.
 *
 * A Parquet column chunk names one compression codec (CompressionCodec of
 * parquet.thrift) and every page header gives both the compressed and the
 * uncompressed size, so decompression is always "these bytes into exactly
 * that many".  struct vo_codec holds the decompressors' reusable state (an
 * ISA-L inflate state for GZIP, a ZSTD_DCtx for ZSTD); one is meant per
 * reader, and it is not thread-safe.
 *
 * Decoders: GZIP ISA-L (igzip's inflate), SNAPPY libsnappy, ZSTD libzstd,
 * LZ4_RAW and LZ4 liblz4 (LZ4_decompress_safe), BROTLI libbrotlidec.  LZO is
 * not supported.  Each is the fastest Debian offers for its codec on real
 * pages (docs/PERFORMANCE.md has the measurements: ISA-L inflates as fast as
 * libdeflate, or a few percent faster, and can stop and resume anywhere).
 *
 * GZIP pages can also be decompressed in pieces (struct vo_codec_stream),
 * so that a reader holds a window of a large page instead of all of it.
 */
#ifndef VO_INGEST_CODEC_H
#define VO_INGEST_CODEC_H

#include "core/common.h"

#include "core/err.h"

/* Parquet's CompressionCodec values. */
enum vo_codec_id {
	VO_CODEC_UNCOMPRESSED = 0,
	VO_CODEC_SNAPPY = 1,
	VO_CODEC_GZIP = 2,
	VO_CODEC_LZO = 3,
	VO_CODEC_BROTLI = 4,
	VO_CODEC_LZ4 = 5, /* Hadoop-framed LZ4, deprecated by the format */
	VO_CODEC_ZSTD = 6,
	VO_CODEC_LZ4_RAW = 7,
};

/* The codecs vo_codec_decompress() decodes, for messages. */
#define VO_CODECS_SUPPORTED "UNCOMPRESSED, SNAPPY, GZIP, BROTLI, LZ4, ZSTD, LZ4_RAW"

struct vo_codec;

/*
 * Creates the decompression state.  Decompressors are allocated on first use,
 * so this only fails with VO_ENOMEM.  The caller owns *out and frees it with
 * vo_codec_destroy().
 */
int vo_codec_create(struct vo_codec **out, struct vo_error *err);

/* Frees the state; NULL is a no-op. */
void vo_codec_destroy(struct vo_codec *c);

/* The codec's name as parquet.thrift spells it ("GZIP"), or "UNKNOWN". */
const char *vo_codec_name(int codec);

/* Whether vo_codec_decompress() can decode the codec. */
bool vo_codec_supported(int codec);

/*
 * The largest output that srclen compressed bytes of the codec can produce
 * (plus a little slack for headers): DEFLATE expands at most 1032:1, Snappy
 * 22:1, LZ4 256:1, Zstandard 32768:1 (a 128 KiB RLE block in 4 bytes), or
 * SIZE_MAX when the codec has no useful bound (BROTLI, whose meta-blocks of
 * 16 MiB can take a few bytes, and unknown codecs).  Readers check a page's declared uncompressed
 * size against it before allocating, so a corrupt header cannot make them allocate gigabytes for a
 * few compressed bytes.
 */
size_t vo_codec_max_output(int codec, size_t srclen);

/*
 * Decompresses srclen bytes at src into exactly dstlen bytes at dst (either
 * may be empty, with a NULL pointer).  GZIP accepts a gzip stream (several
 * concatenated members too) and, like Arrow, a zlib stream; SNAPPY's own
 * declared length must equal dstlen; ZSTD accepts one or more frames, and a
 * frame declaring a larger size is refused before decoding; LZ4 (codec 5)
 * accepts Hadoop-framed blocks (big-endian uncompressed and compressed sizes
 * before each raw block, as parquet-mr wrote it) and, like Arrow, falls back
 * to one raw block.  Fails with VO_EFORMAT when the data is corrupt or does not
 * decompress to exactly dstlen bytes, VO_EUNSUPPORTED (naming the codec) for
 * a codec this build cannot decode, VO_ENOMEM.  The message in err names the
 * codec but not the file: the caller adds that.
 */
int vo_codec_decompress(struct vo_codec *c, int codec, const uint8_t *src, size_t srclen,
			uint8_t *dst, size_t dstlen, struct vo_error *err);

/* Whether pages of codec can be decompressed in pieces: GZIP. */
bool vo_codec_streams(int codec);

/*
 * The state of one page decompressed in pieces (one per column that streams;
 * about 90 KiB).  Create: VO_ENOMEM; destroy(NULL) is a no-op.
 */
struct vo_codec_stream;
int vo_codec_stream_create(struct vo_codec_stream **out, struct vo_error *err);
void vo_codec_stream_destroy(struct vo_codec_stream *s);

/*
 * Starts a page of codec (vo_codec_streams()) that decompresses to exactly
 * dstlen bytes.  VO_EUNSUPPORTED for another codec, VO_ELIMIT above 4 GiB.
 */
int vo_codec_stream_start(struct vo_codec_stream *s, int codec, size_t dstlen,
			  struct vo_error *err);

/*
 * Decompresses the page's next bytes: reads from in (inlen bytes; last says
 * they are the rest of the page) and writes at most outlen bytes to out,
 * never more than the page still owes.  *used and *got say how much.  It
 * returns when out is full or all of in is used (then call again with the
 * next input).  Once dstlen bytes are out, calls check the end of the stream
 * (a gzip member's CRC and size; further bytes, as for the one-shot decoder,
 * may only be the start of data never needed) until vo_codec_stream_done().
 * VO_EFORMAT when the data is corrupt, ends early (with last) or would give
 * more than dstlen bytes; the message names the codec, not the file.
 */
int vo_codec_stream_next(struct vo_codec_stream *s, const uint8_t *in, size_t inlen, bool last,
			 size_t *used, uint8_t *out, size_t outlen, size_t *got,
			 struct vo_error *err);

/* Whether the page's stream has ended after exactly dstlen bytes. */
bool vo_codec_stream_done(const struct vo_codec_stream *s);

#endif
