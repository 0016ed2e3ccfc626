/*
 * decode_plain.c - the PLAIN and BYTE_STREAM_SPLIT value decoders of the
 * Parquet reader, and the conversions of stored values into batch values
 * (timestamp units, INT96, unsigned and DECIMAL integers), see parquet_int.h.
 */
#include "core/common.h"

#include "ingest/parquet/parquet_int.h"

/* Days from the Julian day epoch to 1970-01-01 (INT96 timestamps). */
#define JULIAN_UNIX_EPOCH 2440588
#define MICROS_PER_DAY 86400000000LL

static int64_t sat_mul(int64_t v, int64_t m)
{
	int64_t r;

	if (__builtin_mul_overflow(v, m, &r))
		return (v < 0) != (m < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

static int64_t sat_add(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return a < 0 ? INT64_MIN : INT64_MAX;
	return r;
}

static int64_t floor_div(int64_t v, int64_t d)
{
	int64_t q = v / d;

	if (v % d < 0)
		q--;
	return q;
}

static int64_t int96_micros(const uint8_t *p)
{
	int64_t nanos = (int64_t)pq_le64(p);
	int64_t days = (int32_t)pq_le32(p + 8);

	return sat_add(sat_mul(days - JULIAN_UNIX_EPOCH, MICROS_PER_DAY), floor_div(nanos, 1000));
}

/*
 * A DECIMAL stored in a byte array (big-endian two's complement of len
 * bytes, scaled by 10^scale) as a batch value: the number itself when it is
 * a whole number in the int64 range, else VO_I64_NOT_WHOLE.  Byte arrays
 * may hold any width (DuckDB and Spark write DECIMAL(38, s) as 16 bytes), so
 * the value is read exactly into 128 bits (bytes before the last 16 may only
 * repeat the sign) and divided here, per value: a DECIMAL(38, 18) of
 * 2640.000000000000000000 is 2640, one of 2^63 is out of range.  Judging the
 * value stays the cleaner's job; this only keeps its exact meaning.
 */
static int64_t decimal_whole(const uint8_t *p, size_t len, int scale)
{
	__int128 v;
	__int128 pow10 = 1;
	uint8_t fill;
	size_t i;

	if (len == 0)
		return 0;
	if (len > 16) {
		fill = (p[len - 16] & 0x80) ? 0xff : 0x00;
		for (i = 0; i < len - 16; i++)
			if (p[i] != fill)
				return VO_I64_NOT_WHOLE;
		p += len - 16;
		len = 16;
	}
	v = (p[0] & 0x80) ? -1 : 0;
	for (i = 0; i < len; i++)
		v = (__int128)(((unsigned __int128)v << 8) | p[i]);
	for (i = 0; i < (size_t)scale; i++)
		pow10 *= 10;
	if (v % pow10)
		return VO_I64_NOT_WHOLE;
	v /= pow10;
	if (v > INT64_MAX || v <= INT64_MIN)
		return VO_I64_NOT_WHOLE;
	return (int64_t)v;
}

/* Timestamps in milliseconds or nanoseconds to microseconds, k values in place. */
void pq_convert_unit(const struct pq_col *c, int64_t *v, size_t k)
{
	size_t j;

	if (c->conv == CONV_MILLIS)
		for (j = 0; j < k; j++)
			v[j] = sat_mul(v[j], 1000);
	else if (c->conv == CONV_NANOS)
		for (j = 0; j < k; j++)
			v[j] = floor_div(v[j], 1000);
}

/* Converts k contiguous fixed-width values at src into batch values. */
static void convert_fixed(const struct pq_col *c, const uint8_t *src, size_t k, void *out)
{
	int64_t *i64 = out;
	double *f64 = out;
	struct vo_str *str = out;
	float f;
	size_t j;

	switch (c->ptype) {
	case PQ_INT32:
		if (c->conv == CONV_UINT32)
			for (j = 0; j < k; j++)
				i64[j] = (int64_t)pq_le32(src + 4 * j);
		else
			for (j = 0; j < k; j++)
				i64[j] = (int32_t)pq_le32(src + 4 * j);
		break;
	case PQ_INT64:
		memcpy(i64, src, 8 * k);
		pq_convert_unit(c, i64, k);
		break;
	case PQ_INT96:
		for (j = 0; j < k; j++)
			i64[j] = int96_micros(src + 12 * j);
		break;
	case PQ_FLOAT:
		for (j = 0; j < k; j++) {
			memcpy(&f, src + 4 * j, sizeof(f));
			f64[j] = (double)f;
		}
		break;
	case PQ_DOUBLE:
		memcpy(f64, src, 8 * k);
		break;
	case PQ_FIXED_LEN_BYTE_ARRAY:
		if (c->conv == CONV_DECIMAL_BE)
			for (j = 0; j < k; j++)
				i64[j] = decimal_whole(src + c->width * j, c->width, c->dec_scale);
		else
			for (j = 0; j < k; j++)
				str[j] = vo_str_make((const char *)src + c->width * j, c->width);
		break;
	default:
		break;
	}
}

/*
 * Decodes k PLAIN values from *pp (up to end) into out, advancing *pp (and
 * *bit for BOOLEAN, whose values are bits from *pp).  VO_EFORMAT with *why
 * when the values run past end.
 */
int pq_plain_values(const struct pq_col *c, const uint8_t **pp, const uint8_t *end, uint64_t *bit,
		    void *out, size_t k, const char **why)
{
	const uint8_t *p = *pp;
	size_t avail = (size_t)(end - p);
	int64_t *i64 = out;
	struct vo_str *str = out;
	size_t need;
	uint32_t len;
	uint64_t b;
	size_t j;

	switch (c->ptype) {
	case PQ_BYTE_ARRAY:
		for (j = 0; j < k; j++) {
			if ((size_t)(end - p) < 4)
				goto short_values;
			len = pq_le32(p);
			p += 4;
			if ((size_t)(end - p) < len)
				goto short_values;
			if (c->conv == CONV_DECIMAL_BE) {
				i64[j] = decimal_whole(p, len, c->dec_scale);
			} else {
				str[j] = vo_str_make((const char *)p, len);
			}
			p += len;
		}
		*pp = p;
		return VO_OK;
	case PQ_BOOLEAN:
		b = *bit;
		if (k > (uint64_t)avail * 8 || b > (uint64_t)avail * 8 - k)
			goto short_values;
		for (j = 0; j < k; j++, b++)
			i64[j] = (p[b >> 3] >> (b & 7)) & 1;
		*bit = b;
		return VO_OK;
	default:
		if (__builtin_mul_overflow(k, c->width, &need) || need > avail)
			goto short_values;
		convert_fixed(c, p, k, out);
		*pp = p + need;
		return VO_OK;
	}
short_values:
	*why = "values run past the end of the page";
	return VO_EFORMAT;
}

/* k values of a BYTE_STREAM_SPLIT page (fixed widths up to 8 bytes). */
int pq_bss_values(struct pq_col *c, void *out, size_t k, const char **why)
{
	uint8_t tmp[8];
	uint8_t *o = out;
	size_t j;
	size_t b;

	if (k > c->bss_n - c->bss_i) {
		*why = "values run past the end of the page";
		return VO_EFORMAT;
	}
	for (j = 0; j < k; j++) {
		for (b = 0; b < c->width; b++)
			tmp[b] = c->vp[b * c->bss_n + c->bss_i + j];
		convert_fixed(c, tmp, 1, o + j * c->out_size);
	}
	c->bss_i += k;
	return VO_OK;
}
