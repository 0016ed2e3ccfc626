/*
 * fuzz_rle.c - the RLE/bit-packed hybrid decoder of Parquet levels and
 * dictionary indices.  Input: one byte (bit width, modulo 33, and whether
 * to decode into bytes), two bytes of value count (little-endian), then the
 * encoded runs.  Values are taken in uneven slices to cross run edges.
 */
#include "core/common.h"

#include "ingest/parquet/rle.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_rle d;
	uint32_t out[1024];
	uint8_t out8[1024];
	unsigned width;
	bool bytes;
	size_t want;
	size_t step = 1;

	if (size < 3)
		return 0;
	width = data[0] % (VO_RLE_WIDTH_MAX + 1);
	bytes = (data[0] & 0x80) != 0;
	want = (size_t)data[1] | (size_t)data[2] << 8;
	if (vo_rle_init(&d, data + 3, size - 3, width) != VO_OK)
		return 0;
	while (want) {
		size_t n = VO_MIN(want, VO_MIN(step, VO_ARRAY_SIZE(out)));
		int rc;
		size_t i;

		if (bytes && width <= 8)
			rc = vo_rle_get_u8(&d, out8, n);
		else
			rc = vo_rle_get_u32(&d, out, n);
		if (rc != VO_OK)
			break;
		/* A decoded value never has more bits than the width. */
		for (i = 0; i < n && width < 32; i++) {
			uint32_t v = bytes && width <= 8 ? out8[i] : out[i];

			if (v >> width)
				__builtin_trap();
		}
		if (vo_rle_consumed(&d, data + 3) > size - 3)
			__builtin_trap();
		want -= n;
		step = step * 3 + 1;
	}
	return 0;
}
