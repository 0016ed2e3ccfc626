/*
 * decode_delta.c - the DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY and
 * DELTA_BYTE_ARRAY value decoders of the Parquet reader, see parquet_int.h.
 *
 * A DELTA_BINARY_PACKED stream is decoded lazily, a batch at a time, from a
 * struct pq_delta; the byte-array encodings are one (lengths) or two
 * (prefix and suffix lengths) such streams in front of the bytes.
 */
#include "core/common.h"

#include "core/limits.h"
#include "ingest/parquet/parquet_int.h"

static int delta_varint(struct pq_delta *d, uint64_t *v)
{
	uint64_t x = 0;
	unsigned shift = 0;
	uint8_t b;

	do {
		if (d->p >= d->end || shift > 63)
			return VO_EFORMAT;
		b = *d->p++;
		x |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	*v = x;
	return VO_OK;
}

static uint64_t zigzag64(uint64_t u)
{
	return (u >> 1) ^ (0 - (u & 1));
}

/* Reads the stream header at [p, end). */
int pq_delta_init(struct pq_delta *d, const uint8_t *p, const uint8_t *end, const char **why)
{
	uint64_t block;
	uint64_t first;

	memset(d, 0, sizeof(*d));
	d->p = p;
	d->end = end;
	if (delta_varint(d, &block) || delta_varint(d, &d->nmini) || delta_varint(d, &d->total) ||
	    delta_varint(d, &first)) {
		*why = "DELTA_BINARY_PACKED header is truncated";
		return VO_EFORMAT;
	}
	if (block == 0 || block % 128 || block > VO_PARQUET_DELTA_BLOCK_MAX || d->nmini == 0 ||
	    block % d->nmini || (block / d->nmini) % 32) {
		*why = "DELTA_BINARY_PACKED header has invalid block sizes";
		return VO_EFORMAT;
	}
	d->mini_size = block / d->nmini;
	d->last = zigzag64(first);
	d->mini = d->nmini;
	return VO_OK;
}

/* Starts the next miniblock (and the next block when one ends). */
static int delta_next_mini(struct pq_delta *d, const char **why)
{
	size_t bytes;
	size_t avail;

	if (d->mini == d->nmini) {
		if (delta_varint(d, &d->min_delta)) {
			*why = "DELTA_BINARY_PACKED block header is truncated";
			return VO_EFORMAT;
		}
		d->min_delta = zigzag64(d->min_delta);
		if ((uint64_t)(d->end - d->p) < d->nmini) {
			*why = "DELTA_BINARY_PACKED bit widths are truncated";
			return VO_EFORMAT;
		}
		d->widths = d->p;
		d->p += d->nmini;
		d->mini = 0;
	}
	d->width = d->widths[d->mini++];
	if (d->width > 64) {
		*why = "DELTA_BINARY_PACKED bit width above 64";
		return VO_EFORMAT;
	}
	/* The last miniblock may be cut short; only its present bits are read. */
	bytes = (size_t)(d->mini_size * d->width / 8);
	avail = (size_t)(d->end - d->p);
	d->mb = d->p;
	d->mb_len = VO_MIN(bytes, avail);
	d->mb_bit = 0;
	d->p += d->mb_len;
	d->mini_left = d->mini_size;
	return VO_OK;
}

/* width (1..64) bits at bit offset bit of [p, p + len); the caller checked the range. */
static uint64_t read_bits(const uint8_t *p, size_t len, uint64_t bit, unsigned width)
{
	size_t byte = (size_t)(bit >> 3);
	unsigned sh = (unsigned)(bit & 7);
	uint64_t lo = 0;
	uint64_t v;
	unsigned i;

	if (byte + 8 <= len)
		lo = pq_le64(p + byte);
	else
		for (i = 0; i < 8 && byte + i < len; i++)
			lo |= (uint64_t)p[byte + i] << (8 * i);
	v = lo >> sh;
	if (width + sh > 64)
		v |= (uint64_t)p[byte + 8] << (64 - sh);
	if (width < 64)
		v &= (1ull << width) - 1;
	return v;
}

/* The next k values of the stream, as int64 (two's complement). */
static int delta_get(struct pq_delta *d, int64_t *out, size_t k, const char **why)
{
	uint64_t delta;
	size_t j;
	int rc;

	if (k > d->total - d->done) {
		*why = "DELTA_BINARY_PACKED stream holds fewer values than the page";
		return VO_EFORMAT;
	}
	for (j = 0; j < k; j++) {
		if (d->done == 0) {
			out[j] = (int64_t)d->last;
			d->done++;
			continue;
		}
		if (d->mini_left == 0) {
			rc = delta_next_mini(d, why);
			if (rc)
				return rc;
		}
		delta = 0;
		if (d->width) {
			if (d->mb_bit + d->width > (uint64_t)d->mb_len * 8) {
				*why = "DELTA_BINARY_PACKED miniblock is truncated";
				return VO_EFORMAT;
			}
			delta = read_bits(d->mb, d->mb_len, d->mb_bit, d->width);
			d->mb_bit += d->width;
		}
		d->last += d->min_delta + delta;
		out[j] = (int64_t)d->last;
		d->mini_left--;
		d->done++;
	}
	return VO_OK;
}

/* Where the stream ends: walks its blocks without decoding them. */
int pq_delta_end(const struct pq_delta *start, const uint8_t **after, const char **why)
{
	struct pq_delta d = *start;
	uint64_t left = d.total ? d.total - 1 : 0;
	uint64_t min_delta;
	uint64_t m;
	size_t bytes;

	while (left) {
		if (delta_varint(&d, &min_delta) || (uint64_t)(d.end - d.p) < d.nmini) {
			*why = "DELTA_BINARY_PACKED block header is truncated";
			return VO_EFORMAT;
		}
		d.widths = d.p;
		d.p += d.nmini;
		for (m = 0; m < d.nmini && left; m++) {
			if (d.widths[m] > 64) {
				*why = "DELTA_BINARY_PACKED bit width above 64";
				return VO_EFORMAT;
			}
			bytes = (size_t)(d.mini_size * d.widths[m] / 8);
			if ((size_t)(d.end - d.p) < bytes) {
				*why = "DELTA_BINARY_PACKED miniblock is truncated";
				return VO_EFORMAT;
			}
			d.p += bytes;
			left -= VO_MIN(left, d.mini_size);
		}
	}
	*after = d.p;
	return VO_OK;
}

/* DELTA_BINARY_PACKED: k INT32 or INT64 values, converted like PLAIN ones. */
int pq_delta_ints(struct pq_col *c, int64_t *out, size_t k, const char **why)
{
	size_t j;
	int rc = delta_get(&c->dl, out, k, why);

	if (rc)
		return rc;
	if (c->ptype == PQ_INT32) {
		for (j = 0; j < k; j++)
			out[j] = c->conv == CONV_UINT32 ? (int64_t)(uint32_t)out[j]
							: (int64_t)(int32_t)out[j];
	} else {
		pq_convert_unit(c, out, k);
	}
	return VO_OK;
}

/* The next k lengths of c->dl, checked to be in 0..UINT32_MAX, into lens. */
static int delta_lengths(struct pq_delta *d, uint32_t *lens, size_t k, const char **why)
{
	int64_t tmp[256];
	size_t j;
	size_t m;
	int rc;

	while (k) {
		m = VO_MIN(k, VO_ARRAY_SIZE(tmp));
		rc = delta_get(d, tmp, m, why);
		if (rc)
			return rc;
		for (j = 0; j < m; j++) {
			if (tmp[j] < 0 || tmp[j] > UINT32_MAX) {
				*why = "a DELTA byte array length is out of range";
				return VO_EFORMAT;
			}
			lens[j] = (uint32_t)tmp[j];
		}
		lens += m;
		k -= m;
	}
	return VO_OK;
}

/* DELTA_LENGTH_BYTE_ARRAY: k strings viewing the page's data section. */
int pq_delta_length_strings(struct pq_col *c, struct vo_str *out, size_t k, const char **why)
{
	size_t j;
	int rc = delta_lengths(&c->dl, c->idx, k, why);

	if (rc)
		return rc;
	for (j = 0; j < k; j++) {
		if ((size_t)(c->vend - c->vp) < c->idx[j]) {
			*why = "values run past the end of the page";
			return VO_EFORMAT;
		}
		out[j] = vo_str_make((const char *)c->vp, c->idx[j]);
		c->vp += c->idx[j];
	}
	return VO_OK;
}

/*
 * DELTA_BYTE_ARRAY: k strings, each the previous one's first prefix bytes
 * plus a suffix, built in c->arena (at most VO_PARQUET_DELTA_BATCH_MAX bytes
 * per batch).  Offsets go to c->idx while the arena may still move.
 */
int pq_delta_byte_strings(struct pq_col *c, struct vo_str *out, size_t k, const char **why)
{
	uint32_t pre[256];
	uint32_t suf[256];
	size_t used;
	size_t prev_off = 0;
	size_t prev_len = c->prev_len;
	size_t need;
	size_t base = 0;
	size_t j;
	size_t m;
	int rc;

	/* The previous batch's last value sits at the arena's start. */
	if (pq_grow_u8(&c->arena, &c->arena_cap, prev_len))
		return VO_ENOMEM;
	if (prev_len)
		memcpy(c->arena, c->prev, prev_len);
	used = prev_len;
	while (base < k) {
		m = VO_MIN(k - base, VO_ARRAY_SIZE(pre));
		rc = delta_lengths(&c->dp, pre, m, why);
		if (rc == VO_OK)
			rc = delta_lengths(&c->dl, suf, m, why);
		if (rc)
			return rc;
		for (j = 0; j < m; j++) {
			if (pre[j] > prev_len) {
				*why = "a DELTA_BYTE_ARRAY prefix is longer than the previous "
				       "value";
				return VO_EFORMAT;
			}
			if ((size_t)(c->vend - c->vp) < suf[j]) {
				*why = "values run past the end of the page";
				return VO_EFORMAT;
			}
			need = (size_t)pre[j] + suf[j];
			if (need > VO_PARQUET_DELTA_BATCH_MAX - used) {
				*why = "DELTA_BYTE_ARRAY values of one batch exceed "
				       "VO_PARQUET_DELTA_BATCH_MAX (256 MiB)";
				return VO_ELIMIT;
			}
			if (pq_grow_u8(&c->arena, &c->arena_cap, used + need))
				return VO_ENOMEM;
			memmove(c->arena + used, c->arena + prev_off, pre[j]);
			memcpy(c->arena + used + pre[j], c->vp, suf[j]);
			c->vp += suf[j];
			c->idx[base + j] = (uint32_t)used;
			out[base + j].len = need;
			prev_off = used;
			prev_len = need;
			used += need;
		}
		base += m;
	}
	for (j = 0; j < k; j++)
		out[j].ptr = (const char *)c->arena + c->idx[j];
	if (pq_grow_u8(&c->prev, &c->prev_cap, prev_len))
		return VO_ENOMEM;
	if (prev_len)
		memcpy(c->prev, c->arena + prev_off, prev_len);
	c->prev_len = prev_len;
	return VO_OK;
}
