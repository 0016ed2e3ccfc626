/*
 * parquet_writer.c - the unit tests' Parquet writer, see parquet_writer.h.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <libdeflate.h>

#include "parquet_writer.h"
#include "testutil.h"

void bb_put(struct bb *b, const void *d, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, d, n);
	b->len += n;
}

void bb_u8(struct bb *b, unsigned v)
{
	uint8_t x = (uint8_t)v;

	bb_put(b, &x, 1);
}

void bb_le32(struct bb *b, uint32_t v)
{
	unsigned i;

	for (i = 0; i < 4; i++)
		bb_u8(b, (v >> (8 * i)) & 0xff);
}

void bb_varint(struct bb *b, uint64_t v)
{
	while (v >= 0x80) {
		bb_u8(b, (unsigned)(v & 0x7f) | 0x80);
		v >>= 7;
	}
	bb_u8(b, (unsigned)v);
}

uint64_t zz(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

void bb_free(struct bb *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void tw_field(struct tw *w, int id, int type)
{
	int d = id - w->last[w->depth];

	if (d > 0 && d <= 15) {
		bb_u8(w->b, (unsigned)(d << 4 | type));
	} else {
		bb_u8(w->b, (unsigned)type);
		bb_varint(w->b, zz(id));
	}
	w->last[w->depth] = id;
}

void tw_i32(struct tw *w, int id, int64_t v)
{
	tw_field(w, id, T_I32);
	bb_varint(w->b, zz(v));
}

void tw_i64(struct tw *w, int id, int64_t v)
{
	tw_field(w, id, T_I64);
	bb_varint(w->b, zz(v));
}

void tw_bin(struct tw *w, int id, const void *p, size_t n)
{
	tw_field(w, id, T_BIN);
	bb_varint(w->b, n);
	bb_put(w->b, p, n);
}

void tw_str(struct tw *w, int id, const char *s)
{
	tw_bin(w, id, s, strlen(s));
}

void tw_bool(struct tw *w, int id, bool v)
{
	tw_field(w, id, v ? T_TRUE : T_FALSE);
}

void tw_struct(struct tw *w, int id)
{
	tw_field(w, id, T_STRUCT);
	w->last[++w->depth] = 0;
}

/* A struct as a list element. */
void tw_elem(struct tw *w)
{
	w->last[++w->depth] = 0;
}

void tw_end(struct tw *w)
{
	bb_u8(w->b, 0);
	w->depth--;
}

void tw_list(struct tw *w, int id, int etype, size_t n)
{
	tw_field(w, id, T_LIST);
	if (n < 15) {
		bb_u8(w->b, (unsigned)(n << 4 | (size_t)etype));
	} else {
		bb_u8(w->b, (unsigned)(0xf0 | etype));
		bb_varint(w->b, n);
	}
}

/* The generated value of a row: its "key" k decides everything. */
uint32_t key_of(const struct gcol *c, uint64_t row)
{
	return (uint32_t)((row * 7 + row / 13) % (uint64_t)c->card);
}

bool is_null(const struct gcol *c, uint64_t row)
{
	return c->optional && c->null_every && row % (uint64_t)c->null_every == 1;
}

/* The stored bytes of key k's string (BYTE_ARRAY) into buf; returns the length. */
size_t str_of(const struct gcol *c, uint32_t k, char *buf)
{
	int n;

	if (c->ptype == P_FLBA || c->converted == CT_DECIMAL) {
		/* big-endian two's complement: type_length bytes, or as few as fit */
		int64_t v = (int64_t)k * 12345 - 500000;
		int len = c->type_length;
		int i;

		if (c->ptype != P_FLBA)
			for (len = 1; len < 8 &&
				      (v < -(1ll << (8 * len - 1)) || v >= (1ll << (8 * len - 1)));
			     len++)
				;
		for (i = 0; i < len; i++)
			buf[i] = (char)(uint8_t)((uint64_t)v >> (8 * (len - 1 - i)));
		return (size_t)len;
	}
	n = snprintf(buf, 64, "item-%05u%.*s", k * 37, (int)(k % 5), "xxxxx");
	return (size_t)n;
}

int64_t int_of(const struct gcol *c, uint32_t k)
{
	switch (c->ptype) {
	case P_INT32:
		return (int64_t)(int32_t)(k * 1000u - 300000u);
	case P_INT64:
		return (int64_t)k * 1000003 - 7000000000;
	case P_BOOLEAN:
		return k % 2;
	default:
		return 0;
	}
}

double dbl_of(const struct gcol *c, uint32_t k)
{
	return c->ptype == P_FLOAT ? (double)((float)k * 0.5f) : k * 220.0 - 440.0;
}

void int96_of(uint32_t k, uint8_t out[12])
{
	uint64_t nanos = (uint64_t)k * 1000000123ull % 86400000000000ull;
	uint32_t day = 2458000 + k;
	unsigned i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(nanos >> (8 * i));
	for (i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(day >> (8 * i));
}

size_t value_size(const struct gcol *c)
{
	switch (c->ptype) {
	case P_INT32:
	case P_FLOAT:
		return 4;
	case P_INT64:
	case P_DOUBLE:
		return 8;
	case P_INT96:
		return 12;
	case P_FLBA:
		return (size_t)c->type_length;
	default:
		return 0;
	}
}

/* The fixed-width PLAIN bytes of key k. */
void fixed_of(const struct gcol *c, uint32_t k, uint8_t *out)
{
	int64_t v = int_of(c, k);
	double d = dbl_of(c, k);
	float f = (float)d;
	char s[64];

	switch (c->ptype) {
	case P_INT32:
		memcpy(out, &v, 4); /* little-endian host */
		break;
	case P_INT64:
		memcpy(out, &v, 8);
		break;
	case P_FLOAT:
		memcpy(out, &f, 4);
		break;
	case P_DOUBLE:
		memcpy(out, &d, 8);
		break;
	case P_INT96:
		int96_of(k, out);
		break;
	case P_FLBA:
		str_of(c, k, s);
		memcpy(out, s, (size_t)c->type_length);
		break;
	default:
		break;
	}
}

/* PLAIN encoding of keys[0..n). */
static void put_plain(struct bb *b, const struct gcol *c, const uint32_t *keys, size_t n)
{
	uint8_t tmp[64];
	char s[64];
	size_t i;
	size_t len;
	uint8_t bits = 0;

	for (i = 0; i < n; i++) {
		if (c->ptype == P_BYTE_ARRAY) {
			len = str_of(c, keys[i], s);
			bb_le32(b, (uint32_t)len);
			bb_put(b, s, len);
		} else if (c->ptype == P_BOOLEAN) {
			bits |= (uint8_t)(int_of(c, keys[i]) << (i % 8));
			if (i % 8 == 7 || i + 1 == n) {
				bb_u8(b, bits);
				bits = 0;
			}
		} else {
			fixed_of(c, keys[i], tmp);
			bb_put(b, tmp, value_size(c));
		}
	}
}

unsigned bit_width(uint64_t max)
{
	unsigned w = 0;

	while (max) {
		w++;
		max >>= 1;
	}
	return w;
}

/* A bit-packed hybrid run of n values (padded to groups of 8). */
void put_packed_run(struct bb *b, const uint64_t *v, size_t n, unsigned width)
{
	size_t groups = (n + 7) / 8;
	size_t nbytes = groups * width;
	size_t start;
	size_t bit = 0;
	size_t i;
	unsigned k;

	bb_varint(b, (uint64_t)groups << 1 | 1);
	start = b->len;
	for (i = 0; i < nbytes; i++)
		bb_u8(b, 0);
	for (i = 0; i < n; i++)
		for (k = 0; k < width; k++, bit++)
			if ((v[i] >> k) & 1)
				b->p[start + bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* An RLE run: count copies of value, in (width + 7) / 8 little-endian bytes. */
void put_rle_run(struct bb *b, uint64_t count, uint64_t value, unsigned width)
{
	unsigned k;

	bb_varint(b, count << 1);
	for (k = 0; k < (width + 7) / 8; k++)
		bb_u8(b, (unsigned)((value >> (8 * k)) & 0xff));
}

/* RLE hybrid: RLE runs for repeats of 8 or more, bit-packed runs otherwise. */
void put_hybrid(struct bb *b, const uint64_t *v, size_t n, unsigned width, bool packed_only)
{
	size_t i = 0;
	size_t j;
	size_t lit;

	while (i < n) {
		j = i;
		while (j < n && v[j] == v[i])
			j++;
		if (!packed_only && j - i >= 8) {
			put_rle_run(b, j - i, v[i], width);
			i = j;
			continue;
		}
		/* literals up to the next long repeat, in whole groups of 8 */
		lit = i;
		while (lit < n) {
			j = lit;
			while (j < n && v[j] == v[lit])
				j++;
			if (!packed_only && j - lit >= 8 && (lit - i) % 8 == 0 && lit > i)
				break;
			lit++;
		}
		put_packed_run(b, v + i, lit - i, width);
		i = lit;
	}
}

/* DELTA_BINARY_PACKED of n values: blocks of 128, 4 miniblocks of 32. */
void put_delta(struct bb *b, const int64_t *v, size_t n)
{
	uint64_t d[128];
	size_t i;
	size_t m;
	size_t nd;
	int64_t min;
	unsigned w[4];

	bb_varint(b, 128);
	bb_varint(b, 4);
	bb_varint(b, n);
	bb_varint(b, zz(n ? v[0] : 0));
	for (i = 1; i < n; i += nd) {
		nd = VO_MIN((size_t)128, n - i);
		min = INT64_MAX;
		for (m = 0; m < nd; m++) {
			int64_t delta = (int64_t)((uint64_t)v[i + m] - (uint64_t)v[i + m - 1]);

			min = delta < min ? delta : min;
		}
		for (m = 0; m < nd; m++)
			d[m] = (uint64_t)v[i + m] - (uint64_t)v[i + m - 1] - (uint64_t)min;
		for (m = nd; m < 128; m++)
			d[m] = 0;
		bb_varint(b, zz(min));
		for (m = 0; m < 4; m++) {
			size_t q;
			uint64_t mx = 0;

			for (q = 0; q < 32; q++)
				mx |= d[m * 32 + q];
			w[m] = bit_width(mx);
			bb_u8(b, w[m]);
		}
		for (m = 0; m < 4 && m * 32 < nd; m++) {
			size_t start = b->len;
			size_t bit = 0;
			size_t q;
			unsigned k;

			for (q = 0; q < (size_t)4 * w[m]; q++)
				bb_u8(b, 0);
			for (q = 0; q < 32; q++)
				for (k = 0; k < w[m]; k++, bit++)
					if ((d[m * 32 + q] >> k) & 1)
						b->p[start + bit / 8] |= (uint8_t)(1u << (bit % 8));
		}
	}
}

/* The values section of a page for the non-null keys[0..n). */
static void put_values(struct bb *b, const struct gcol *c, int enc, const uint32_t *keys, size_t n,
		       bool bad_index)
{
	uint64_t *u = calloc(n + 1, sizeof(*u));
	int64_t *s = calloc(n + 1, sizeof(*s));
	char prev[64];
	char cur[64];
	size_t prev_len = 0;
	size_t len;
	size_t p;
	size_t i;
	unsigned w;
	uint8_t tmp[16];
	struct bb sub = { 0 };

	assert_non_null(u);
	assert_non_null(s);
	switch (enc) {
	case E_PLAIN:
		put_plain(b, c, keys, n);
		break;
	case E_PLAIN_DICT:
	case E_RLE_DICT:
		w = bit_width((uint64_t)c->card - 1);
		for (i = 0; i < n; i++)
			u[i] = keys[i];
		if (bad_index && n) {
			u[n / 2] = (uint64_t)c->card;
			w = bit_width((uint64_t)c->card);
		}
		bb_u8(b, w);
		put_hybrid(b, u, n, w, enc == E_PLAIN_DICT);
		break;
	case E_RLE: /* booleans */
		for (i = 0; i < n; i++)
			u[i] = (uint64_t)int_of(c, keys[i]);
		put_hybrid(&sub, u, n, 1, false);
		bb_le32(b, (uint32_t)sub.len);
		bb_put(b, sub.p, sub.len);
		break;
	case E_DELTA_BP:
		for (i = 0; i < n; i++)
			s[i] = int_of(c, keys[i]);
		put_delta(b, s, n);
		break;
	case E_DELTA_LBA:
		for (i = 0; i < n; i++)
			s[i] = (int64_t)str_of(c, keys[i], cur);
		put_delta(b, s, n);
		for (i = 0; i < n; i++) {
			len = str_of(c, keys[i], cur);
			bb_put(b, cur, len);
		}
		break;
	case E_DELTA_BA:
		for (i = 0; i < n; i++) {
			len = str_of(c, keys[i], cur);
			for (p = 0; p < len && p < prev_len && cur[p] == prev[p]; p++)
				;
			s[i] = (int64_t)p;
			memcpy(prev, cur, len);
			prev_len = len;
		}
		put_delta(b, s, n);
		prev_len = 0;
		for (i = 0; i < n; i++) {
			len = str_of(c, keys[i], cur);
			for (p = 0; p < len && p < prev_len && cur[p] == prev[p]; p++)
				;
			s[i] = (int64_t)(len - p);
			bb_put(&sub, cur + p, len - p);
			memcpy(prev, cur, len);
			prev_len = len;
		}
		put_delta(b, s, n);
		bb_put(b, sub.p, sub.len);
		break;
	case E_BSS:
		len = value_size(c);
		for (p = 0; p < len; p++)
			for (i = 0; i < n; i++) {
				fixed_of(c, keys[i], tmp);
				bb_u8(b, tmp[p]);
			}
		break;
	default:
		fail();
	}
	bb_free(&sub);
	free(u);
	free(s);
}

struct chunk_meta {
	uint64_t start;
	uint64_t dict_off; /* 0: none */
	uint64_t data_off;
	uint64_t csize;
	uint64_t usize;
	uint64_t nvalues;
	int encs[8];
	int nencs;
};

static void add_enc(struct chunk_meta *m, int e)
{
	int i;

	for (i = 0; i < m->nencs; i++)
		if (m->encs[i] == e)
			return;
	m->encs[m->nencs++] = e;
}

static void gzip(const struct bb *in, struct bb *out)
{
	struct libdeflate_compressor *z = libdeflate_alloc_compressor(6);
	size_t bound;
	size_t n;

	assert_non_null(z);
	bound = libdeflate_gzip_compress_bound(z, in->len);
	out->len = 0;
	bb_put(out, NULL, 0);
	out->p = realloc(out->p, bound);
	assert_non_null(out->p);
	out->cap = bound;
	n = libdeflate_gzip_compress(z, in->p, in->len, out->p, bound);
	assert_true(n > 0);
	out->len = n;
	libdeflate_free_compressor(z);
}

/* Appends a page: header, then the body (compressed as the codec says). */
static void put_page(struct bb *file, const struct gcol *c, int type, const struct bb *levels,
		     const struct bb *values, uint64_t nvalues, uint64_t nnulls, int enc,
		     bool stats)
{
	struct bb body = { 0 };
	struct bb z = { 0 };
	struct bb hdr = { 0 };
	struct tw w = { &hdr, { 0 }, 0 };
	bool compress = c->codec == 2;
	size_t usize;

	if (type == 3) {
		/* v2: levels stay uncompressed, values may be compressed */
		if (compress)
			gzip(values, &z);
		bb_put(&body, levels->p, levels->len);
		bb_put(&body, compress ? z.p : values->p, compress ? z.len : values->len);
		usize = levels->len + values->len;
	} else {
		bb_put(&z, levels->p, levels->len);
		bb_put(&z, values->p, values->len);
		usize = z.len;
		if (compress)
			gzip(&z, &body);
		else
			bb_put(&body, z.p, z.len);
	}
	tw_i32(&w, 1, type);
	tw_i32(&w, 2, (int64_t)usize);
	tw_i32(&w, 3, (int64_t)body.len);
	tw_i32(&w, 4, 0x1234); /* crc, ignored */
	if (type == 0) {
		tw_struct(&w, 5);
		tw_i32(&w, 1, (int64_t)nvalues);
		tw_i32(&w, 2, enc);
		tw_i32(&w, 3, c->bit_packed ? 4 : E_RLE); /* 4: BIT_PACKED */
		tw_i32(&w, 4, E_RLE);
		if (stats) {
			tw_struct(&w, 5);
			tw_bin(&w, 1, "max", 3);
			tw_bin(&w, 2, "min", 3);
			tw_i64(&w, 3, (int64_t)nnulls);
			tw_end(&w);
		}
		tw_end(&w);
	} else if (type == 2) {
		tw_struct(&w, 7);
		tw_i32(&w, 1, (int64_t)nvalues);
		tw_i32(&w, 2, E_PLAIN_DICT);
		tw_bool(&w, 3, false);
		tw_end(&w);
	} else {
		tw_struct(&w, 8);
		tw_i32(&w, 1, (int64_t)nvalues);
		tw_i32(&w, 2, (int64_t)nnulls);
		tw_i32(&w, 3, (int64_t)nvalues);
		tw_i32(&w, 4, enc);
		tw_i32(&w, 5, (int64_t)levels->len);
		tw_i32(&w, 6, 0);
		if (!compress)
			tw_bool(&w, 7, false);
		tw_end(&w);
	}
	bb_u8(&hdr, 0);
	bb_put(file, hdr.p, hdr.len);
	bb_put(file, body.p, body.len);
	bb_free(&hdr);
	bb_free(&body);
	bb_free(&z);
}

/* One column chunk: rows [r0, r1). */
static void put_chunk(struct bb *file, const struct gfile *f, size_t ci, uint64_t r0, uint64_t r1,
		      struct chunk_meta *m)
{
	const struct gcol *c = &f->cols[ci];
	bool quirk = f->quirk_col == ci;
	uint64_t npages = (r1 - r0 + (uint64_t)c->page_rows - 1) / (uint64_t)c->page_rows;
	uint64_t p;
	uint64_t row;
	uint64_t end;
	bool any_dict = false;
	uint32_t *keys = calloc((size_t)c->page_rows + 1, sizeof(*keys));
	uint64_t *lv = calloc((size_t)c->page_rows + 1, sizeof(*lv));
	struct bb levels = { 0 };
	struct bb values = { 0 };
	size_t n;
	size_t nn;
	int enc;

	assert_non_null(keys);
	assert_non_null(lv);
	memset(m, 0, sizeof(*m));
	m->start = file->len;
	for (p = 0; p < npages; p++)
		if (c->encs[p % (uint64_t)c->nencs] == E_PLAIN_DICT ||
		    c->encs[p % (uint64_t)c->nencs] == E_RLE_DICT)
			any_dict = true;
	if (any_dict) {
		uint32_t *all = calloc((size_t)c->card, sizeof(*all));
		uint32_t k;

		assert_non_null(all);
		for (k = 0; k < (uint32_t)c->card; k++)
			all[k] = k;
		put_plain(&values, c, all, (size_t)c->card);
		m->dict_off = file->len;
		put_page(file, c, 2, &levels, &values,
			 f->quirk == Q_BIG_DICT && quirk ? (uint64_t)c->card * 1000
							 : (uint64_t)c->card,
			 0, E_PLAIN, false);
		values.len = 0;
		add_enc(m, E_PLAIN_DICT);
		free(all);
	}
	m->data_off = file->len;
	for (p = 0; p < npages; p++) {
		enc = c->encs[p % (uint64_t)c->nencs];
		row = r0 + p * (uint64_t)c->page_rows;
		end = VO_MIN(r1, row + (uint64_t)c->page_rows);
		if (f->quirk == Q_SHORT_PAGES && quirk && end == r1)
			end--;
		n = 0;
		nn = 0;
		for (; row < end; row++, n++) {
			lv[n] = !is_null(c, row);
			if (lv[n])
				keys[nn++] = key_of(c, row);
		}
		levels.len = 0;
		values.len = 0;
		if (c->optional && c->bit_packed) {
			/* the deprecated BIT_PACKED levels: MSB first, no length */
			size_t q;

			for (q = 0; q < (n + 7) / 8; q++)
				bb_u8(&levels, 0);
			for (q = 0; q < n; q++)
				if (lv[q])
					levels.p[q / 8] |= (uint8_t)(0x80u >> (q % 8));
		} else if (c->optional) {
			struct bb hy = { 0 };

			/* odd pages: bit-packed levels only; even: RLE where it pays */
			put_hybrid(&hy, lv, n, 1, p % 2 == 1);
			if (!c->v2)
				bb_le32(&levels, (uint32_t)hy.len);
			bb_put(&levels, hy.p, hy.len);
			bb_free(&hy);
		}
		put_values(&values, c, enc, keys, nn, f->quirk == Q_BAD_INDEX && quirk);
		put_page(file, c, c->v2 ? 3 : 0, &levels, &values, n, n - nn,
			 enc == E_PLAIN_DICT && c->v2 ? E_RLE_DICT : enc, p % 3 == 0);
		add_enc(m, enc);
	}
	add_enc(m, E_RLE);
	m->csize = file->len - m->start;
	m->usize = m->csize; /* not checked by the reader */
	m->nvalues = r1 - r0;
	bb_free(&levels);
	bb_free(&values);
	free(keys);
	free(lv);
}

static void put_schema_leaf(struct tw *w, const struct gcol *c, bool repeated)
{
	tw_elem(w);
	tw_i32(w, 1, c->ptype);
	if (c->ptype == P_FLBA)
		tw_i32(w, 2, c->type_length);
	tw_i32(w, 3, repeated ? 2 : c->optional ? 1 : 0);
	tw_str(w, 4, c->in_group ? "inner" : c->name);
	if (c->converted != CT_NONE)
		tw_i32(w, 6, c->converted);
	if (c->converted == CT_DECIMAL) {
		tw_i32(w, 7, c->scale);
		tw_i32(w, 8, 18);
	}
	if (c->logical != LT_NONE) {
		tw_struct(w, 10);
		tw_struct(w, c->logical);
		if (c->logical == LT_TIMESTAMP) {
			tw_bool(w, 1, true);
			tw_struct(w, 2);
			tw_struct(w, c->unit);
			tw_end(w);
			tw_end(w);
		} else if (c->logical == LT_DECIMAL) {
			tw_i32(w, 1, c->scale);
			tw_i32(w, 2, 18);
		}
		tw_end(w);
		tw_end(w);
	}
	tw_end(w);
}

/* Writes the whole file described by f into out. */
void gen_file(const struct gfile *f, struct bb *out)
{
	size_t nrg = (size_t)((f->nrows + f->rg_rows - 1) / f->rg_rows);
	struct chunk_meta *metas = calloc(nrg * f->ncols + 1, sizeof(*metas));
	struct bb foot = { 0 };
	struct tw w = { &foot, { 0 }, 0 };
	size_t nschema = 1;
	size_t g;
	size_t ci;
	size_t e;
	uint64_t r0;
	uint64_t r1;
	char path_name[32];

	assert_non_null(metas);
	out->len = 0;
	bb_put(out, "PAR1", 4);
	for (g = 0; g < nrg; g++) {
		r0 = g * f->rg_rows;
		r1 = VO_MIN(f->nrows, r0 + f->rg_rows);
		for (ci = 0; ci < f->ncols; ci++)
			put_chunk(out, f, ci, r0, r1, &metas[g * f->ncols + ci]);
	}

	for (ci = 0; ci < f->ncols; ci++)
		nschema += f->cols[ci].in_group || (f->quirk == Q_NESTED && f->quirk_col == ci) ? 2
												: 1;
	tw_elem(&w); /* FileMetaData */
	tw_i32(&w, 1, 1);
	tw_list(&w, 2, T_STRUCT, nschema);
	tw_elem(&w);
	tw_str(&w, 4, "schema");
	tw_i32(&w, 5, (int64_t)f->ncols);
	tw_end(&w);
	for (ci = 0; ci < f->ncols; ci++) {
		const struct gcol *c = &f->cols[ci];
		bool nested = c->in_group || (f->quirk == Q_NESTED && f->quirk_col == ci);

		if (nested) {
			tw_elem(&w);
			tw_i32(&w, 3, 1);
			tw_str(&w, 4, c->name);
			tw_i32(&w, 5, 1);
			tw_end(&w);
		}
		put_schema_leaf(&w, c, f->quirk == Q_REPEATED && f->quirk_col == ci);
	}
	tw_i64(&w, 3, (int64_t)f->nrows + (f->quirk == Q_ROWS ? 1 : 0));
	tw_list(&w, 4, T_STRUCT, nrg);
	for (g = 0; g < nrg; g++) {
		r0 = g * f->rg_rows;
		r1 = VO_MIN(f->nrows, r0 + f->rg_rows);
		tw_elem(&w); /* RowGroup */
		tw_list(&w, 1, T_STRUCT, f->ncols);
		for (ci = 0; ci < f->ncols; ci++) {
			const struct gcol *c = &f->cols[ci];
			const struct chunk_meta *m = &metas[g * f->ncols + ci];
			bool quirk = f->quirk_col == ci;
			bool nested = c->in_group || (f->quirk == Q_NESTED && quirk);

			tw_elem(&w); /* ColumnChunk */
			tw_i64(&w, 2, (int64_t)m->start);
			tw_struct(&w, 3);
			tw_i32(&w, 1,
			       f->quirk == Q_WRONG_TYPE && quirk ? (c->ptype + 1) % 8 : c->ptype);
			tw_list(&w, 2, T_I32, (size_t)m->nencs);
			for (e = 0; e < (size_t)m->nencs; e++)
				bb_varint(&foot, zz(m->encs[e]));
			tw_list(&w, 3, T_BIN, nested ? 2 : 1);
			if (nested) {
				bb_varint(&foot, strlen(c->name));
				bb_put(&foot, c->name, strlen(c->name));
			}
			snprintf(path_name, sizeof(path_name), "%s",
				 c->in_group ? "inner" : c->name);
			bb_varint(&foot, strlen(path_name));
			bb_put(&foot, path_name, strlen(path_name));
			tw_i32(&w, 4,
			       quirk && f->quirk == Q_SNAPPY ? 1
			       : quirk && f->quirk == Q_LZO  ? 3
							     : c->codec);
			tw_i64(&w, 5, (int64_t)m->nvalues + (f->quirk == Q_NUM_VALUES && quirk));
			tw_i64(&w, 6, (int64_t)m->usize);
			tw_i64(&w, 7,
			       (int64_t)m->csize - (f->quirk == Q_SHRINK_CHUNK && quirk ? 3 : 0));
			/* key_value_metadata, which the reader skips */
			tw_list(&w, 8, T_STRUCT, 1);
			tw_elem(&w);
			tw_str(&w, 1, "k");
			tw_str(&w, 2, "v");
			tw_end(&w);
			tw_i64(&w, 9, (int64_t)m->data_off);
			if (m->dict_off)
				tw_i64(&w, 11, (int64_t)m->dict_off);
			tw_end(&w);
			tw_end(&w);
		}
		tw_i64(&w, 2, 1000);
		tw_i64(&w, 3, (int64_t)(r1 - r0));
		tw_end(&w);
	}
	tw_list(&w, 5, T_STRUCT, 1); /* key_value_metadata */
	tw_elem(&w);
	tw_str(&w, 1, "writer");
	tw_str(&w, 2, "test_parquet.c");
	tw_end(&w);
	tw_str(&w, 6, "vouch test_parquet.c");
	if (f->quirk == Q_ENCRYPTED) {
		tw_struct(&w, 8);
		tw_struct(&w, 1);
		tw_end(&w);
		tw_end(&w);
	}
	bb_u8(&foot, 0);
	bb_put(out, foot.p, foot.len);
	bb_le32(out, (uint32_t)foot.len);
	bb_put(out, "PAR1", 4);
	bb_free(&foot);
	free(metas);
}

void make_file(const struct gfile *f, const char *name, char *path, size_t len)
{
	struct bb b = { 0 };

	gen_file(f, &b);
	vo_test_path(path, len, name);
	vo_test_write_file(path, b.p, b.len);
	bb_free(&b);
}
