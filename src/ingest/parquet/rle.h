/*
 * rle.h - the RLE / bit-packed hybrid decoder of Parquet.
 *
 * Parquet stores definition levels, dictionary indices and RLE booleans as a
 * sequence of runs, each introduced by a ULEB128 header: an even header
 * (count << 1) is an RLE run of count copies of one value stored in
 * ceil(width / 8) little-endian bytes; an odd header (groups << 1 | 1) is a
 * bit-packed run of groups * 8 values of width bits each, packed from the
 * least significant bit.  See Encodings.md of apache/parquet-format.
 *
 * The decoder is a bounded cursor over caller-owned bytes: it never reads
 * past the end, an RLE value wider than the bit width is an error, and a
 * bit-packed run cut short by the end of the input yields only the values
 * whose bits are all present.  Width 0 means every value is 0 and reads no
 * bytes at all (writers may then leave the data empty).  The decoder
 * allocates nothing.
 */
#ifndef VO_INGEST_PARQUET_RLE_H
#define VO_INGEST_PARQUET_RLE_H

#include "core/common.h"

/* Widest value the decoder accepts: dictionary indices are 32-bit. */
#define VO_RLE_WIDTH_MAX 32

struct vo_rle {
	const uint8_t *p;   /* next run header */
	const uint8_t *end; /* one past the last byte of the input */
	unsigned width;	    /* bits per value, 0..VO_RLE_WIDTH_MAX */
	uint64_t left;	    /* values left in the current run */
	bool packed;	    /* the current run is bit-packed (else RLE) */
	uint32_t value;	    /* RLE run: the repeated value */
	const uint8_t *pk;  /* bit-packed run: its first byte */
	size_t pk_len;	    /* bit-packed run: its bytes present in the input */
	uint64_t pk_bit;    /* bit-packed run: bit offset of the next value */
	const char *why;    /* static description of the first failure, or NULL */
};

/*
 * Starts decoding len bytes at p with values of width bits.  The bytes must
 * outlive the decoder.  VO_EINVAL (and d->why set) for a width above
 * VO_RLE_WIDTH_MAX.
 */
int vo_rle_init(struct vo_rle *d, const uint8_t *p, size_t len, unsigned width);

/*
 * Decodes exactly n values into out.  VO_EFORMAT, with d->why describing the
 * problem, when the input ends first or is malformed; out may then hold some
 * decoded values.
 */
int vo_rle_get_u32(struct vo_rle *d, uint32_t *out, size_t n);

/* Like vo_rle_get_u32() into bytes; the width must be at most 8 (VO_EINVAL). */
int vo_rle_get_u8(struct vo_rle *d, uint8_t *out, size_t n);

/*
 * Whether bit-packed runs of up to 16 bits go through BMI2 and AVX2 where
 * the CPU has them (the default), or through the portable loops only
 * (on = 0).  Returns whether the BMI2 path is in use: for the tests, which
 * check both paths against each other.
 */
int vo_rle_use_pdep(int on);

/* Bytes consumed so far, counting whole runs once their header is read. */
static inline size_t vo_rle_consumed(const struct vo_rle *d, const uint8_t *start)
{
	return (size_t)(d->p - start);
}

#endif
