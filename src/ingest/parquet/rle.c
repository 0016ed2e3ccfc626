/*
 * rle.c - the RLE / bit-packed hybrid decoder, see rle.h.
 *
 * The hot loop is the bit-packed unpacking: while at least 8 bytes of the input
 * remain past a value's first byte, the value is taken from one unaligned
 * 64-bit load (a value of up to 32 bits starting at any bit of a byte spans at
 * most 5 bytes); only the last few values of the input use the byte-wise
 * path.
 */
#include "core/common.h"

#include <string.h>

#include "core/cpu.h"
#include "ingest/parquet/rle.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VO_RLE_PDEP 1
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rle.c assumes a little-endian host"
#endif

int vo_rle_init(struct vo_rle *d, const uint8_t *p, size_t len, unsigned width)
{
	memset(d, 0, sizeof(*d));
	d->p = p;
	d->end = p + len;
	d->width = width;
	if (width > VO_RLE_WIDTH_MAX) {
		d->why = "bit width above 32";
		return VO_EINVAL;
	}
	return VO_OK;
}

static int fail(struct vo_rle *d, const char *why)
{
	if (!d->why)
		d->why = why;
	return VO_EFORMAT;
}

/* Reads the next run header and sets up the run. */
static int next_run(struct vo_rle *d)
{
	uint64_t header = 0;
	unsigned shift = 0;
	size_t avail;
	size_t nbytes;
	uint64_t groups;
	uint64_t count;
	unsigned i;
	uint8_t b;

	do {
		if (d->p >= d->end)
			return fail(d, "runs end before all values are decoded");
		if (shift > 63)
			return fail(d, "run header longer than 10 bytes");
		b = *d->p++;
		header |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);

	avail = (size_t)(d->end - d->p);
	if (header & 1) {
		groups = header >> 1;
		/* groups * width bytes, unless the input ends first. */
		if (groups > avail / d->width)
			nbytes = avail;
		else
			nbytes = (size_t)groups * d->width;
		count = (uint64_t)nbytes * 8 / d->width;
		if (groups < UINT64_MAX / 8 && count > groups * 8)
			count = groups * 8;
		d->packed = true;
		d->pk = d->p;
		d->pk_len = nbytes;
		d->pk_bit = 0;
		d->left = count;
		d->p += nbytes;
		return VO_OK;
	}

	nbytes = (d->width + 7) / 8;
	if (avail < nbytes)
		return fail(d, "RLE run value is truncated");
	d->value = 0;
	for (i = 0; i < nbytes; i++)
		d->value |= (uint32_t)d->p[i] << (8 * i);
	if (d->width < 32 && (d->value >> d->width) != 0)
		return fail(d, "RLE run value is wider than the bit width");
	d->p += nbytes;
	d->packed = false;
	d->left = header >> 1;
	return VO_OK;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The value at bit offset bit of a packed run, near its end (bounds-checked). */
static uint32_t unpack_slow(const struct vo_rle *d, uint64_t bit, uint64_t mask)
{
	size_t byte = (size_t)(bit >> 3);
	uint64_t w = 0;
	unsigned i;

	for (i = 0; i < 8 && byte + i < d->pk_len; i++)
		w |= (uint64_t)d->pk[byte + i] << (8 * i);
	return (uint32_t)((w >> (bit & 7)) & mask);
}

/*
 * Number of values, from bit offset bit on, whose 8-byte load stays inside
 * the input: their first byte is at most 8 bytes before its end.
 */
static size_t fast_count(const struct vo_rle *d, uint64_t bit, size_t want)
{
	/*
	 * The load may read past the run into the rest of the input (the next
	 * run's header and values): its bits are masked off, and the input
	 * is the caller's, so only its end bounds the load.
	 */
	size_t avail = (size_t)(d->end - d->pk);
	uint64_t last_bit;
	uint64_t n;

	if (avail < 8)
		return 0;
	last_bit = (uint64_t)(avail - 8) * 8 + 7;
	if (bit > last_bit)
		return 0;
	n = (last_bit - bit) / d->width + 1;
	return n < want ? (size_t)n : want;
}

/*
 * The fast loop with the width a compile-time constant (one copy per width,
 * selected by unpack_u32()), so shifts and masks fold and the loop unrolls.
 */
static inline __attribute__((always_inline)) size_t
unpack_fixed(const uint8_t *pk, uint64_t bit, uint32_t *out, size_t n, unsigned width)
{
	const uint64_t mask = (1ull << width) - 1;
	size_t head = (size_t)((8 - (bit / width) % 8) % 8);
	const uint8_t *g;
	size_t i;
	unsigned k;

	head = head < n ? head : n;
	for (i = 0; i < head; i++) {
		uint64_t b = bit + (uint64_t)i * width;

		out[i] = (uint32_t)((load64(pk + (b >> 3)) >> (b & 7)) & mask);
	}
	/* Whole groups: 8 values in exactly width bytes, at constant offsets. */
	for (; i + 8 <= n; i += 8) {
		g = pk + ((bit + (uint64_t)i * width) >> 3);
#pragma GCC unroll 8
		for (k = 0; k < 8; k++)
			out[i + k] =
				(uint32_t)((load64(g + k * width / 8) >> (k * width % 8)) & mask);
	}
	for (; i < n; i++) {
		uint64_t b = bit + (uint64_t)i * width;

		out[i] = (uint32_t)((load64(pk + (b >> 3)) >> (b & 7)) & mask);
	}
	return n;
}

#if VO_RLE_PDEP
/*
 * Whole groups through BMI2's PDEP where the CPU has it (and it is fast:
 * not on AMD's Zen 1 and 2, which run it in microcode): 8 values of width
 * w <= 8 bits are spread into 8 bytes by one deposit, of 8 < w <= 16 bits
 * into two times 4 16-bit lanes, then widened to 32 bits by AVX2.  The
 * loads are those of the group's values in unpack_fixed() or fewer, so
 * fast_count() bounds them too.  Returns the values done: the groups from
 * bit on, which must be a group's first.
 */
__attribute__((target("bmi2,avx2"))) static size_t
unpack_pdep(const uint8_t *pk, uint64_t bit, uint32_t *out, size_t n, unsigned width)
{
	const uint64_t one = (1ull << width) - 1;
	const uint8_t *g = pk + (bit >> 3);
	size_t i = 0;

	if (width <= 8) {
		const uint64_t m = UINT64_C(0x0101010101010101) * one;

		for (; i + 8 <= n; i += 8, g += width) {
			uint64_t y = _pdep_u64(load64(g), m);

			_mm256_storeu_si256((__m256i *)(void *)(out + i),
					    _mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)y)));
		}
	} else {
		const uint64_t m = UINT64_C(0x0001000100010001) * one;
		const unsigned half = width / 2;	/* byte of value 4 */
		const unsigned shift = (width & 1) * 4; /* and its bit */

		for (; i + 8 <= n; i += 8, g += width) {
			uint64_t lo = _pdep_u64(load64(g), m);
			uint64_t hi = _pdep_u64(load64(g + half) >> shift, m);

			_mm256_storeu_si256((__m256i *)(void *)(out + i),
					    _mm256_cvtepu16_epi32(
						    _mm_set_epi64x((long long)hi, (long long)lo)));
		}
	}
	return i;
}

/* Width 1 into bytes, ngroups bytes of input from p (a byte-aligned value): one deposit each. */
__attribute__((target("bmi2"))) static size_t unpack_w1_pdep(const uint8_t *p, uint8_t *out,
							     size_t ngroups)
{
	size_t k;

	for (k = 0; k < ngroups; k++) {
		uint64_t y = _pdep_u64(p[k], UINT64_C(0x0101010101010101));

		memcpy(out + 8 * k, &y, sizeof(y));
	}
	return ngroups;
}

/* The tests' switch (vo_rle_use_pdep()): false turns the BMI2 path off. */
static bool pdep_allowed = true;

static bool pdep_fast(void)
{
	return pdep_allowed &&
	       (vo_cpu_features() & (VO_CPU_PDEP | VO_CPU_AVX2)) == (VO_CPU_PDEP | VO_CPU_AVX2);
}
#endif

int vo_rle_use_pdep(int on)
{
#if VO_RLE_PDEP
	pdep_allowed = on != 0;
	return pdep_fast();
#else
	(void)on;
	return 0;
#endif
}

#define UNPACK_CASE(w)                                  \
	case w:                                         \
		unpack_fixed(d->pk, bit, out, fast, w); \
		break

static void unpack_u32(struct vo_rle *d, uint32_t *out, size_t m)
{
	uint64_t mask = (1ull << d->width) - 1;
	uint64_t bit = d->pk_bit;
	size_t fast = fast_count(d, bit, m);
	size_t i;

	/* Whole bytes (a dictionary of 129 to 256 entries, or of 2^16): a plain widening. */
	if ((d->width == 8 || d->width == 16) && (bit & 7) == 0) {
		size_t w = d->width / 8;
		size_t n = VO_MIN(m, (d->pk_len - (size_t)(bit >> 3)) / w);
		const uint8_t *p = d->pk + (bit >> 3);

		if (w == 1)
			for (i = 0; i < n; i++)
				out[i] = p[i];
		else
			for (i = 0; i < n; i++)
				out[i] = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
		bit += (uint64_t)n * d->width;
		for (i = n; i < m; i++) {
			out[i] = unpack_slow(d, bit, mask);
			bit += d->width;
		}
		d->pk_bit = bit;
		return;
	}
#if VO_RLE_PDEP
	if (d->width <= 16 && fast >= 16 && pdep_fast()) {
		/* The values before the first whole group, the groups, then the rest. */
		size_t head = (size_t)((8 - (bit / d->width) % 8) % 8);
		size_t done;

		for (i = 0; i < head; i++) {
			out[i] = (uint32_t)((load64(d->pk + (bit >> 3)) >> (bit & 7)) & mask);
			bit += d->width;
		}
		done = head + unpack_pdep(d->pk, bit, out + head, fast - head, d->width);
		bit += (uint64_t)(done - head) * d->width;
		for (i = done; i < fast; i++) {
			out[i] = (uint32_t)((load64(d->pk + (bit >> 3)) >> (bit & 7)) & mask);
			bit += d->width;
		}
		for (i = fast; i < m; i++) {
			out[i] = unpack_slow(d, bit, mask);
			bit += d->width;
		}
		d->pk_bit = bit;
		return;
	}
#endif
	switch (d->width) {
		UNPACK_CASE(1);
		UNPACK_CASE(2);
		UNPACK_CASE(3);
		UNPACK_CASE(4);
		UNPACK_CASE(5);
		UNPACK_CASE(6);
		UNPACK_CASE(7);
		UNPACK_CASE(8);
		UNPACK_CASE(9);
		UNPACK_CASE(10);
		UNPACK_CASE(11);
		UNPACK_CASE(12);
		UNPACK_CASE(13);
		UNPACK_CASE(14);
		UNPACK_CASE(15);
		UNPACK_CASE(16);
		UNPACK_CASE(17);
		UNPACK_CASE(18);
		UNPACK_CASE(19);
		UNPACK_CASE(20);
	default:
		unpack_fixed(d->pk, bit, out, fast, d->width);
		break;
	}
	bit += (uint64_t)fast * d->width;
	for (i = fast; i < m; i++) {
		out[i] = unpack_slow(d, bit, mask);
		bit += d->width;
	}
	d->pk_bit = bit;
}

/* Width 1 into bytes (definition levels): eight values per byte when aligned. */
static void unpack_u8_w1(struct vo_rle *d, uint8_t *out, size_t m)
{
	uint64_t bit = d->pk_bit;
	size_t i = 0;
	uint8_t b;
	unsigned k;

	while (i < m && (bit & 7)) {
		out[i++] = (uint8_t)((d->pk[bit >> 3] >> (bit & 7)) & 1);
		bit++;
	}
#if VO_RLE_PDEP
	if (m - i >= 8 && pdep_fast()) {
		size_t done = unpack_w1_pdep(d->pk + (bit >> 3), out + i, (m - i) / 8);

		i += done * 8;
		bit += done * 8;
	}
#endif
	while (m - i >= 8) {
		b = d->pk[bit >> 3];
		for (k = 0; k < 8; k++)
			out[i + k] = (uint8_t)((b >> k) & 1);
		i += 8;
		bit += 8;
	}
	while (i < m) {
		out[i++] = (uint8_t)((d->pk[bit >> 3] >> (bit & 7)) & 1);
		bit++;
	}
	d->pk_bit = bit;
}

/* Widths 2 to 8 into bytes (nested levels, rare): one load per value. */
static void unpack_u8(struct vo_rle *d, uint8_t *out, size_t m)
{
	uint64_t mask = (1ull << d->width) - 1;
	uint64_t bit = d->pk_bit;
	size_t fast;
	size_t i;

	if (d->width == 1) {
		unpack_u8_w1(d, out, m);
		return;
	}
	fast = fast_count(d, bit, m);
	for (i = 0; i < fast; i++) {
		out[i] = (uint8_t)((load64(d->pk + (bit >> 3)) >> (bit & 7)) & mask);
		bit += d->width;
	}
	for (; i < m; i++) {
		out[i] = (uint8_t)unpack_slow(d, bit, mask);
		bit += d->width;
	}
	d->pk_bit = bit;
}

/* Copies the next m values of the current run to out, an array of bytes or uint32_t. */
static inline void copy_run(struct vo_rle *d, void *out, size_t size, size_t m)
{
	uint32_t *u32 = out;
	size_t i;

	if (size == 1 && d->packed) {
		unpack_u8(d, out, m);
	} else if (size == 1) {
		memset(out, (int)d->value, m);
	} else if (d->packed) {
		unpack_u32(d, out, m);
	} else {
		for (i = 0; i < m; i++)
			u32[i] = d->value;
	}
}

/*
 * Decodes n values into out, an array of n elements of size bytes: 1
 * (uint8_t) or 4 (uint32_t).  Inlined into each caller, so the tests of size
 * fold away.
 */
static inline __attribute__((always_inline)) int get_values(struct vo_rle *d, void *out,
							    size_t size, size_t n)
{
	uint8_t *o = out;
	size_t m;
	int rc;

	if (d->width == 0) {
		memset(out, 0, n * size);
		return VO_OK;
	}
	while (n) {
		if (d->left == 0) {
			rc = next_run(d);
			if (rc)
				return rc;
			continue;
		}
		m = d->left < n ? (size_t)d->left : n;
		copy_run(d, o, size, m);
		o += m * size;
		n -= m;
		d->left -= m;
	}
	return VO_OK;
}

int vo_rle_get_u32(struct vo_rle *d, uint32_t *out, size_t n)
{
	return get_values(d, out, sizeof(*out), n);
}

int vo_rle_get_u8(struct vo_rle *d, uint8_t *out, size_t n)
{
	if (d->width > 8) {
		d->why = "bit width above 8 for byte output";
		return VO_EINVAL;
	}
	return get_values(d, out, sizeof(*out), n);
}
