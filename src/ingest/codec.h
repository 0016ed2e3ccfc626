/*
 * codec.h - decompression of Parquet pages.
 *
 * A Parquet column chunk names one compression codec (CompressionCodec of
 * parquet.thrift) and every page header gives both the compressed and the
 * uncompressed size, so decompression is always "these bytes into exactly
 * that many".  struct vo_codec holds the decompressors' reusable state (a
 * libdeflate decompressor for GZIP, a ZSTD_DCtx for ZSTD); one is meant per
 * reader, and it is not thread-safe.
 *
 * Decoders: GZIP libdeflate, SNAPPY libsnappy, ZSTD libzstd, LZ4_RAW and LZ4
 * liblz4 (LZ4_decompress_safe), BROTLI libbrotlidec.  LZO is not supported.
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

#endif
