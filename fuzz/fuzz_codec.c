/*
 * fuzz_codec.c - each codec wrapper of the Parquet reader (vo_codec_*).
 * Input: one byte (the codec id, modulo 8: UNCOMPRESSED, SNAPPY, GZIP, LZO,
 * BROTLI, LZ4 (Hadoop or raw), ZSTD, LZ4_RAW), three bytes of declared
 * output size (little-endian), then the compressed page.  The declared size
 * is bounded by vo_codec_max_output() as the reader bounds it, and the
 * output buffer is exactly that size, so ASan sees any write past it.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/err.h"
#include "ingest/codec.h"
#include "fuzz.h"

static struct vo_codec *codec;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct vo_error err = { 0 };

	(void)argc;
	(void)argv;
	if (vo_codec_create(&codec, &err) != VO_OK)
		__builtin_trap();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_error err = { 0 };
	uint8_t *dst;
	size_t dstlen;
	int id;

	if (size < 4)
		return 0;
	id = data[0] & 7;
	dstlen = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)data[3] << 16;
	if (dstlen > vo_codec_max_output(id, size - 4))
		return 0;
	dst = vo_malloc(dstlen);
	if (!dst)
		return 0;
	(void)vo_codec_decompress(codec, id, data + 4, size - 4, dst, dstlen, &err);
	vo_free(dst);
	return 0;
}
