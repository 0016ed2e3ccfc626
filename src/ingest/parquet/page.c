/*
 * page.c - a column chunk's pages, read one at a time: the page header (a
 * bounded prefix, grown when the header is larger), the body, checked
 * against the chunk's extent and decompressed into a per-column buffer, the
 * dictionary page decoded whole, a data page's definition levels and values
 * section set up; then its rows decoded a batch at a time (pq_decode_rows),
 * see parquet_int.h.
 */
#include "core/common.h"

#include <stdatomic.h>

#include "core/alloc.h"
#include "core/cpu.h"
#include "core/limits.h"
#include "ingest/parquet/parquet_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* First read of a page header; real ones are 20 to 200 bytes. */
#define PAGE_HEADER_PREFIX 256

/*
 * expand_T(v, valid, n, k) moves k packed values to the rows where valid[] is
 * 1, from the back so nothing is overwritten before it moves, and sets the
 * other rows to the empty value.  One body, typed per element so each copy
 * stays a plain assignment.
 */
#define DEFINE_EXPAND(name, type, empty)                                    \
	static void name(type *v, const uint8_t *valid, size_t n, size_t k) \
	{                                                                   \
		size_t i = n;                                               \
		size_t j = k;                                               \
                                                                            \
		while (i-- > 0)                                             \
			v[i] = valid[i] ? v[--j] : (empty);                 \
	}

DEFINE_EXPAND(expand_u64, uint64_t, 0)
DEFINE_EXPAND(expand_str, struct vo_str, vo_str_make(NULL, 0))
#undef DEFINE_EXPAND

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define VO_PQ_X86 1

/*
 * expand_index() with AVX-512: 16 rows at a time from the back, each
 * block's present values expanded from memory into their rows (a masked
 * load reads only those, so nothing past them is touched).  The values of
 * the rows below a block are not written yet: they are at most its first
 * row's index.
 */
__attribute__((target("avx512f,avx512vl,avx512bw"))) static void
expand_index_avx512(uint32_t *v, const uint8_t *valid, size_t n, size_t k, uint32_t null)
{
	const __m512i empty = _mm512_set1_epi32((int)null);
	size_t i = n;
	size_t j = k;

	while (i % 16) {
		i--;
		v[i] = valid[i] ? v[--j] : null;
	}
	while (i) {
		__mmask16 m;

		i -= 16;
		m = _mm_test_epi8_mask(_mm_loadu_si128((const __m128i *)(const void *)(valid + i)),
				       _mm_set1_epi8(1));
		j -= (size_t)__builtin_popcount(m);
		_mm512_storeu_si512(v + i, _mm512_mask_expandloadu_epi32(empty, m, v + j));
	}
}

/* The 1s among n levels of 0 and 1, 32 at a time. */
__attribute__((target("avx2"))) static size_t count_levels_avx2(const uint8_t *valid, size_t n)
{
	__m256i acc = _mm256_setzero_si256();
	size_t sum;
	size_t i = 0;

	for (; i + 32 <= n; i += 32)
		acc = _mm256_add_epi64(
			acc, _mm256_sad_epu8(
				     _mm256_loadu_si256((const __m256i *)(const void *)(valid + i)),
				     _mm256_setzero_si256()));
	sum = (size_t)_mm256_extract_epi64(acc, 0) + (size_t)_mm256_extract_epi64(acc, 1) +
	      (size_t)_mm256_extract_epi64(acc, 2) + (size_t)_mm256_extract_epi64(acc, 3);
	for (; i < n; i++)
		sum += valid[i];
	return sum;
}
#endif

/* Dictionary indices: a null row's is the dictionary's size (batch.h). */
static void expand_index(uint32_t *v, const uint8_t *valid, size_t n, size_t k, uint32_t null)
{
	size_t i = n;
	size_t j = k;

#if VO_PQ_X86
	if (vo_cpu_features() & VO_CPU_AVX512) {
		expand_index_avx512(v, valid, n, k, null);
		return;
	}
#endif
	while (i-- > 0)
		v[i] = valid[i] ? v[--j] : null;
}

#if VO_PQ_X86
/* max_index() with AVX2, where the CPU has it: eight at a time, unsigned. */
__attribute__((target("avx2"))) static uint32_t max_index_avx2(const uint32_t *idx, size_t n)
{
	__m256i mx = _mm256_setzero_si256();
	__m128i h;
	uint32_t m = 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8)
		mx = _mm256_max_epu32(mx,
				      _mm256_loadu_si256((const __m256i *)(const void *)(idx + i)));
	h = _mm_max_epu32(_mm256_castsi256_si128(mx), _mm256_extracti128_si256(mx, 1));
	h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0x4e));
	h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0xb1));
	m = (uint32_t)_mm_cvtsi128_si32(h);
	for (; i < n; i++)
		m = idx[i] > m ? idx[i] : m;
	return m;
}
#endif

/* The largest of n indices (eight at a time with AVX2, four with SSE2, else in four chains). */
static uint32_t max_index(const uint32_t *idx, size_t n)
{
	uint32_t m[4] = { 0, 0, 0, 0 };
	size_t i = 0;

#if VO_PQ_X86
	if (vo_cpu_features() & VO_CPU_AVX2)
		return max_index_avx2(idx, n);
#endif
#if defined(__SSE2__)
	{
		/* Signed compares: indices past 2^31 show in the OR of all of them. */
		__m128i mx = _mm_setzero_si128();
		__m128i any = _mm_setzero_si128();

		for (; i + 4 <= n; i += 4) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(idx + i));
			__m128i gt = _mm_cmpgt_epi32(v, mx);

			mx = _mm_or_si128(_mm_and_si128(gt, v), _mm_andnot_si128(gt, mx));
			any = _mm_or_si128(any, v);
		}
		_mm_storeu_si128((__m128i *)(void *)m, mx);
		if (_mm_movemask_epi8(_mm_srai_epi32(any, 31)))
			return UINT32_MAX;
	}
#endif
	for (; i + 4 <= n; i += 4) {
		m[0] = idx[i] > m[0] ? idx[i] : m[0];
		m[1] = idx[i + 1] > m[1] ? idx[i + 1] : m[1];
		m[2] = idx[i + 2] > m[2] ? idx[i + 2] : m[2];
		m[3] = idx[i + 3] > m[3] ? idx[i + 3] : m[3];
	}
	for (; i < n; i++)
		m[0] = idx[i] > m[0] ? idx[i] : m[0];
	m[0] = VO_MAX(m[0], m[1]);
	m[2] = VO_MAX(m[2], m[3]);
	return VO_MAX(m[0], m[2]);
}

/* Reads n definition levels into c->valid; *present counts the 1s. */
static int read_levels(struct vo_parquet_reader *r, struct pq_col *c, size_t n, size_t *present,
		       struct vo_error *err)
{
	size_t sum = 0;
	size_t i;
	uint64_t b;

	if (c->legacy_levels) {
		b = c->lv_bit;
		if (n > (uint64_t)c->lv_len * 8 || b > (uint64_t)c->lv_len * 8 - n)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64
					    ": definition levels run past their section",
					    c->page_at);
		for (i = 0; i < n; i++, b++)
			c->valid[i] = (uint8_t)((c->lv[b >> 3] >> (7 - (b & 7))) & 1);
		c->lv_bit = b;
	} else if (vo_rle_get_u8(&c->def, c->valid, n) != VO_OK) {
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "page at offset %" PRIu64 ": definition levels: %s", c->page_at,
				    c->def.why ? c->def.why : "malformed");
	}
#if VO_PQ_X86
	if (vo_cpu_features() & VO_CPU_AVX2) {
		*present = count_levels_avx2(c->valid, n);
		return VO_OK;
	}
#endif
	/* Levels are 0 or 1, so eight of them sum in one multiply (at most 8 per byte). */
	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w = pq_le64(c->valid + i);

		sum += (size_t)((w * UINT64_C(0x0101010101010101)) >> 56);
	}
	for (; i < n; i++)
		sum += c->valid[i];
	*present = sum;
	return VO_OK;
}

/* ------------------------------------------------------------------------ */
/* Large PLAIN pages, read and inflated through a window                    */

/*
 * Whether a data page is streamed (VO_PARQUET_WINDOW): PLAIN values, more
 * than a window of them, stored so that they can be read in pieces.
 */
static bool streams(const struct pq_col *c, int encoding, size_t vlen, bool compressed)
{
	return encoding == PQ_ENC_PLAIN && vlen > VO_PARQUET_WINDOW &&
	       (!compressed || vo_codec_streams(c->codec));
}

/* Starts streaming the csize stored bytes at body, which hold usize bytes of values. */
static int stream_begin(struct vo_parquet_reader *r, struct pq_col *c, uint64_t body, size_t csize,
			size_t usize, bool compressed, struct vo_error *err)
{
	struct vo_error e;

	vo_error_clear(&e);
	if (compressed && usize > vo_codec_max_output(c->codec, csize))
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "page at offset %" PRIu64 ": %zu compressed bytes cannot "
				    "decompress to the declared %zu",
				    c->page_at, csize, usize);
	if (pq_grow_u8(&c->win, &c->win_cap, VO_PARQUET_WINDOW) ||
	    (compressed && pq_grow_u8(&c->zin, &c->zin_cap, VO_PARQUET_WINDOW)) ||
	    (compressed && !c->zs && vo_codec_stream_create(&c->zs, &e)))
		return pq_col_error(r, c, err, VO_ENOMEM, "out of memory streaming a page");
	if (compressed && vo_codec_stream_start(c->zs, c->codec, usize, &e))
		return pq_col_error(r, c, err, e.code, "page at offset %" PRIu64 ": %s", c->page_at,
				    e.msg);
	c->streamed = true;
	c->inflating = compressed;
	c->src_at = body;
	c->src_left = csize;
	c->zin_pos = 0;
	c->zin_len = 0;
	c->out_left = usize;
	c->vp = c->win;
	c->vend = c->win;
	return VO_OK;
}

/*
 * Reads or inflates up to room of the page's next bytes to out (*got of
 * them; 0 only once the page is out).  With room 0 and the page out, checks
 * the end of the stream.
 */
static int stream_pull(struct vo_parquet_reader *r, struct pq_col *c, uint8_t *out, size_t room,
		       size_t *got, struct vo_error *err)
{
	struct vo_error e;
	size_t used = 0;
	size_t n;
	int rc;

	*got = 0;
	room = VO_MIN(room, c->out_left);
	if (!c->inflating) {
		n = (size_t)VO_MIN((uint64_t)room, c->src_left);
		rc = n ? pq_read_at(r->fd, r->path, c->src_at, out, n, err) : VO_OK;
		c->src_at += n;
		c->src_left -= n;
		c->out_left -= n;
		*got = n;
		return rc;
	}
	vo_error_clear(&e);
	while (!vo_codec_stream_done(c->zs)) {
		if (c->zin_pos == c->zin_len && c->src_left) {
			n = (size_t)VO_MIN((uint64_t)c->zin_cap, c->src_left);
			rc = pq_read_at(r->fd, r->path, c->src_at, c->zin, n, err);
			if (rc)
				return rc;
			c->src_at += n;
			c->src_left -= n;
			c->zin_pos = 0;
			c->zin_len = n;
		}
		rc = vo_codec_stream_next(c->zs, c->zin + c->zin_pos, c->zin_len - c->zin_pos,
					  c->src_left == 0, &used, out, room, got, &e);
		if (rc)
			return pq_col_error(r, c, err, rc, "page at offset %" PRIu64 ": %s",
					    c->page_at, e.msg);
		c->zin_pos += used;
		if (*got)
			break;
		if (!used && c->zin_pos < c->zin_len)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64
					    ": GZIP data does not progress",
					    c->page_at);
	}
	c->out_left -= *got;
	return VO_OK;
}

/* Once the page is out: the stream must end there (a gzip member's CRC and size). */
static int stream_finish(struct vo_parquet_reader *r, struct pq_col *c, struct vo_error *err)
{
	size_t got = 0;

	if (!c->inflating || c->out_left)
		return VO_OK;
	return stream_pull(r, c, c->win, 0, &got, err);
}

/*
 * Makes need bytes from the values cursor resident in the window (fewer only
 * when the page ends first).  The bytes from keep (at most the cursor) on
 * are kept: they move to the window's start, or into a larger window, and
 * the nviews views into them at views move with them (a batch's strings
 * made so far); the rest of the window is filled from the page.
 */
static int stream_keep(struct vo_parquet_reader *r, struct pq_col *c, const uint8_t *keep,
		       size_t need, struct vo_str *views, size_t nviews, struct vo_error *err)
{
	size_t before = (size_t)(c->vp - keep); /* kept bytes before the cursor */
	size_t have = (size_t)(c->vend - c->vp);
	size_t got = 0;
	size_t j;
	int rc;

	if (have >= need)
		return VO_OK;
	need = VO_MIN(need, have + c->out_left);
	if (before + need > c->win_cap) {
		/* A larger window: the kept bytes are copied, the views follow. */
		size_t cap = VO_MAX(before + need, c->win_cap * 2);
		uint8_t *nw = vo_malloc(cap);

		if (!nw)
			return pq_col_error(r, c, err, VO_ENOMEM,
					    "out of memory for %zu bytes of a page", before + need);
		if (before + have)
			memcpy(nw, keep, before + have);
		for (j = 0; j < nviews; j++)
			views[j].ptr = (const char *)nw + ((const uint8_t *)views[j].ptr - keep);
		vo_free(c->win);
		c->win = nw;
		c->win_cap = cap;
	} else if (keep != c->win) {
		size_t shift = (size_t)(keep - c->win);

		memmove(c->win, keep, before + have);
		for (j = 0; j < nviews; j++)
			views[j].ptr -= shift;
	}
	c->vp = c->win + before;
	c->vend = c->vp + have;
	while ((size_t)(c->vend - c->vp) < need) {
		size_t at = (size_t)(c->vend - c->win);

		rc = stream_pull(r, c, c->win + at, c->win_cap - at, &got, err);
		if (rc)
			return rc;
		if (!got)
			break;
		c->vend += got;
	}
	return stream_finish(r, c, err);
}

/* stream_keep() with nothing kept before the cursor. */
static int stream_need(struct vo_parquet_reader *r, struct pq_col *c, size_t need,
		       struct vo_error *err)
{
	return stream_keep(r, c, c->vp, need, NULL, 0, err);
}

/*
 * stream_strings()'s slow step: the string at p (j strings into the batch,
 * which starts at start) is not all in the window.  Refills it, keeping the
 * batch's strings and moving their views; *p, *start and *end follow.
 */
static __attribute__((noinline)) int strings_refill(struct vo_parquet_reader *r, struct pq_col *c,
						    struct vo_str *out, size_t j,
						    const uint8_t **start, const uint8_t **p,
						    const uint8_t **end, const char **why,
						    struct vo_error *err)
{
	size_t done = (size_t)(*p - *start);
	size_t rem = (size_t)(*end - *p);
	size_t need = rem < 4 ? 4 : 4 + (size_t)pq_le32(*p);
	int rc;

	c->vp = *p;
	rc = stream_keep(r, c, *start, need, out, j, err);
	if (rc)
		return rc;
	*p = c->vp;
	*start = *p - done;
	*end = c->vend;
	rem = (size_t)(*end - *p);
	if (rem < 4 || rem - 4 < pq_le32(*p)) {
		*why = "values run past the end of the page";
		return VO_EFORMAT;
	}
	return VO_OK;
}

/*
 * The next k strings of a streamed page, as views into the window: one
 * pass, refilling the window (and moving the views made so far) whenever a
 * length or a value is not all in it yet.  VO_EFORMAT with *why when the
 * page ends first; a failure of the stream itself has its own message in
 * err (and *why stays NULL).
 */
static int stream_strings(struct vo_parquet_reader *r, struct pq_col *c, struct vo_str *out,
			  size_t k, const char **why, struct vo_error *err)
{
	const uint8_t *start;
	const uint8_t *p;
	const uint8_t *end;
	size_t j;
	int rc;

	/*
	 * Less than half a window left: refill before the batch, moving only
	 * the unread bytes, so that a refill in mid-batch (which moves the
	 * batch's strings too) stays rare.
	 */
	if ((size_t)(c->vend - c->vp) < VO_PARQUET_WINDOW / 2 && c->out_left) {
		rc = stream_need(r, c, VO_PARQUET_WINDOW, err);
		if (rc)
			return rc;
	}
	start = c->vp;
	p = c->vp;
	end = c->vend;
	for (j = 0; j < k; j++) {
		size_t rem = (size_t)(end - p);
		uint32_t len;

		if (__builtin_expect(rem < 4, 0) ||
		    __builtin_expect(rem - 4 < (size_t)(len = pq_le32(p)), 0)) {
			rc = strings_refill(r, c, out, j, &start, &p, &end, why, err);
			if (rc)
				return rc;
			len = pq_le32(p);
		}
		out[j] = vo_str_make((const char *)p + 4, len);
		p += 4 + (size_t)len;
	}
	c->vp = p;
	return VO_OK;
}

/*
 * Makes the next k values of a streamed page resident (fixed widths,
 * booleans and byte-array DECIMALs; strings go through stream_strings()).
 */
static int stream_values(struct vo_parquet_reader *r, struct pq_col *c, size_t k,
			 struct vo_error *err)
{
	size_t off = 0;
	size_t need;
	size_t j;
	int rc;

	if (c->ptype == PQ_BOOLEAN)
		return stream_need(r, c, (size_t)((c->bit + k + 7) / 8), err);
	if (c->ptype != PQ_BYTE_ARRAY) {
		if (__builtin_mul_overflow(k, c->width, &need))
			need = SIZE_MAX;
		return stream_need(r, c, need, err);
	}
	/* DECIMALs: the lengths walked first, then decoded in place. */
	for (j = 0; j < k; j++) {
		if ((size_t)(c->vend - c->vp) - off < 4) {
			rc = stream_need(r, c, off + 4, err);
			if (rc)
				return rc;
			if ((size_t)(c->vend - c->vp) - off < 4)
				return VO_OK;
		}
		if (__builtin_add_overflow(off, (size_t)4 + pq_le32(c->vp + off), &off))
			return VO_OK;
		if ((size_t)(c->vend - c->vp) < off) {
			rc = stream_need(r, c, off, err);
			if (rc)
				return rc;
			if ((size_t)(c->vend - c->vp) < off)
				return VO_OK;
		}
	}
	return VO_OK;
}

/* Copies the stream's next len bytes (definition levels) out of the window. */
static int stream_levels(struct vo_parquet_reader *r, struct pq_col *c, size_t len,
			 struct vo_error *err)
{
	int rc = stream_need(r, c, len, err);

	if (rc)
		return rc;
	if ((size_t)(c->vend - c->vp) < len)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "page at offset %" PRIu64
				    ": definition levels run past the page",
				    c->page_at);
	if (pq_grow_u8(&c->levels, &c->levels_cap, len))
		return pq_col_error(r, c, err, VO_ENOMEM, "out of memory for definition levels");
	if (len)
		memcpy(c->levels, c->vp, len);
	c->vp += len;
	return VO_OK;
}

/*
 * The page's rows are all out and no view into its window is live: the rest
 * of it is read, inflated and checked.
 */
static int stream_end(struct vo_parquet_reader *r, struct pq_col *c, struct vo_error *err)
{
	size_t got = 0;
	int rc = VO_OK;

	while (!rc && c->out_left) {
		rc = stream_pull(r, c, c->win, c->win_cap, &got, err);
		if (!rc && !got)
			break;
	}
	if (!rc)
		rc = stream_finish(r, c, err);
	c->streamed = false;
	c->vp = NULL;
	c->vend = NULL;
	return rc;
}

/* Decodes the next n rows of the column's current page into the batch column. */
int pq_decode_rows(struct vo_parquet_reader *r, struct pq_col *c, size_t n, struct vo_column *out,
		   struct vo_error *err)
{
	const uint8_t *valid = NULL;
	const char *why = NULL;
	size_t k = n;
	uint32_t max = 0;
	size_t j;
	int rc;

	if (c->max_def > 0) {
		rc = read_levels(r, c, n, &k, err);
		if (rc)
			return rc;
		if (k < n)
			valid = c->valid;
	}
	memset(out, 0, sizeof(*out));
	out->type = c->vtype;
	out->scale = c->scale;
	out->valid = valid;
	if (c->dict_coded) {
		if (vo_rle_get_u32(&c->ix, c->idx, k) != VO_OK)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64 ": dictionary indices: %s",
					    c->page_at, c->ix.why ? c->ix.why : "malformed");
		max = max_index(c->idx, k);
		if (k && max >= c->dict_n)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64 ": dictionary index %" PRIu32
					    " out of range (the dictionary has %zu entries)",
					    c->page_at, max, c->dict_n);
		if (valid)
			expand_index(c->idx, valid, n, k, (uint32_t)c->dict_n);
		out->idx = c->idx;
		out->dict_id = c->dict_id;
		out->nvalues = c->dict_n;
		out->values.str = c->dict;
	} else {
		if (c->encoding == PQ_ENC_RLE) {
			/* RLE booleans: decode into idx, then widen. */
			if (vo_rle_get_u32(&c->ix, c->idx, k) != VO_OK) {
				why = c->ix.why ? c->ix.why : "malformed RLE values";
				rc = VO_EFORMAT;
			} else {
				for (j = 0; j < k; j++)
					((int64_t *)c->vals)[j] = c->idx[j];
				rc = VO_OK;
			}
		} else if (c->encoding == PQ_ENC_BYTE_STREAM_SPLIT) {
			rc = pq_bss_values(c, c->vals, k, &why);
		} else if (c->encoding == PQ_ENC_DELTA_BINARY_PACKED) {
			rc = pq_delta_ints(c, c->vals, k, &why);
		} else if (c->encoding == PQ_ENC_DELTA_LENGTH_BYTE_ARRAY) {
			rc = pq_delta_length_strings(c, c->vals, k, &why);
		} else if (c->encoding == PQ_ENC_DELTA_BYTE_ARRAY) {
			rc = pq_delta_byte_strings(c, c->vals, k, &why);
			if (rc == VO_ENOMEM)
				why = "out of memory";
		} else {
			if (c->streamed && c->vtype == VO_V_STR && c->ptype == PQ_BYTE_ARRAY) {
				rc = stream_strings(r, c, c->vals, k, &why, err);
				if (rc && !why)
					return rc; /* a failure of the stream, with its message */
			} else {
				if (c->streamed) {
					rc = stream_values(r, c, k, err);
					if (rc)
						return rc;
				}
				rc = pq_plain_values(c, &c->vp, c->vend, &c->bit, c->vals, k, &why);
			}
		}
		if (rc)
			return pq_col_error(r, c, err, rc, "page at offset %" PRIu64 ": %s",
					    c->page_at, why);
		if (valid) {
			if (c->vtype == VO_V_STR)
				expand_str(c->vals, valid, n, k);
			else
				expand_u64(c->vals, valid, n, k);
		}
		out->idx = NULL;
		out->nvalues = n;
		out->values.str = c->vals;
	}
	/* A streamed page's end is checked by the next call, once these views are done with. */
	c->page_left -= n;
	return VO_OK;
}

int pq_skip_page(struct vo_parquet_reader *r, struct pq_col *c, struct vo_error *err)
{
	c->page_left = 0;
	if (c->streamed)
		return stream_end(r, c, err);
	return VO_OK;
}

/* Reads and decodes the page header at c->pos; *hlen is its size. */
static int read_page_header(struct vo_parquet_reader *r, struct pq_col *c,
			    struct pq_page_header *ph, size_t *hlen, struct vo_error *err)
{
	uint64_t avail = c->end - c->pos;
	size_t cap = VO_PARQUET_PAGE_HEADER_MAX;
	size_t want = (size_t)VO_MIN(avail, (uint64_t)PAGE_HEADER_PREFIX);
	struct vo_thrift t;
	int rc;

	for (;;) {
		if (pq_grow_u8(&r->hdr, &r->hdr_cap, want))
			return pq_col_error(r, c, err, VO_ENOMEM,
					    "out of memory reading a page header");
		rc = pq_read_at(r->fd, r->path, c->pos, r->hdr, want, err);
		if (rc)
			return rc;
		vo_thrift_init(&t, r->hdr, want);
		rc = pq_page_header_decode(&t, ph);
		if (rc == VO_OK) {
			*hlen = vo_thrift_offset(&t);
			return VO_OK;
		}
		if (!t.truncated)
			return pq_col_error(r, c, err, rc,
					    "page header at offset %" PRIu64 " is corrupt: %s",
					    c->pos, t.why);
		if (want >= avail)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page header at offset %" PRIu64
					    " runs past the end of the column chunk",
					    c->pos);
		if (want >= cap)
			return pq_col_error(r, c, err, VO_ELIMIT,
					    "page header at offset %" PRIu64
					    " is larger than %zu bytes",
					    c->pos, cap);
		want = (size_t)VO_MIN(VO_MIN(avail, (uint64_t)want * 4), (uint64_t)cap);
	}
}

/* Reads the page body at off (len bytes, already checked) into c->raw. */
static int read_body(struct vo_parquet_reader *r, struct pq_col *c, uint64_t off, size_t len,
		     struct vo_error *err)
{
	if (pq_grow_u8(&c->raw, &c->raw_cap, len))
		return pq_col_error(r, c, err, VO_ENOMEM,
				    "out of memory reading a page of %zu bytes", len);
	return pq_read_at(r->fd, r->path, off, c->raw, len, err);
}

/* A page stored uncompressed must store exactly the bytes it declares. */
static int check_stored_size(struct vo_parquet_reader *r, const struct pq_col *c, size_t usize,
			     size_t csize, struct vo_error *err)
{
	if (usize == csize)
		return VO_OK;
	return pq_col_error(r, c, err, VO_EFORMAT,
			    "uncompressed page at offset %" PRIu64
			    " declares %zu bytes but stores %zu",
			    c->page_at, usize, csize);
}

/*
 * Decompresses srclen bytes at src into *dst (grown to dstlen), after checking
 * dstlen against what the codec can produce from srclen bytes.
 */
static int decompress(struct vo_parquet_reader *r, struct pq_col *c, const uint8_t *src,
		      size_t srclen, uint8_t **dst, size_t *dst_cap, size_t dstlen,
		      struct vo_error *err)
{
	struct vo_error e;
	int rc;

	vo_error_clear(&e);
	if (dstlen > vo_codec_max_output(c->codec, srclen))
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "page at offset %" PRIu64 ": %zu compressed bytes cannot "
				    "decompress to the declared %zu",
				    c->page_at, srclen, dstlen);
	if (pq_grow_u8(dst, dst_cap, dstlen))
		return pq_col_error(r, c, err, VO_ENOMEM,
				    "out of memory decompressing a page of %zu bytes", dstlen);
	rc = vo_codec_decompress(r->codec, c->codec, src, srclen, *dst, dstlen, &e);
	if (rc)
		return pq_col_error(r, c, err, rc, "page at offset %" PRIu64 ": %s", c->page_at,
				    e.msg);
	return VO_OK;
}

/*
 * Reads a page body of csize bytes at offset body and makes its usize bytes
 * available at *p: the raw buffer itself when the column is stored
 * uncompressed, else decompressed into *dst (grown to *dst_cap).
 */
static int page_bytes(struct vo_parquet_reader *r, struct pq_col *c, uint64_t body, size_t csize,
		      size_t usize, uint8_t **dst, size_t *dst_cap, const uint8_t **p,
		      struct vo_error *err)
{
	int rc = read_body(r, c, body, csize, err);

	if (rc)
		return rc;
	if (c->codec == VO_CODEC_UNCOMPRESSED) {
		rc = check_stored_size(r, c, usize, csize, err);
		*p = c->raw;
		return rc;
	}
	rc = decompress(r, c, c->raw, csize, dst, dst_cap, usize, err);
	*p = *dst;
	return rc;
}

/*
 * Identities of decoded dictionaries: the batch's dict_id lets the pipeline
 * memoize per dictionary entry, and the dictionary buffer is reused, so every
 * dictionary of every reader in the process gets a new number.
 */
static atomic_uint_fast64_t dict_ids;

/* Smallest PLAIN size of one value, in bits (to bound a dictionary's count). */
static uint64_t min_value_bits(const struct pq_col *c)
{
	if (c->ptype == PQ_BOOLEAN)
		return 1;
	if (c->ptype == PQ_BYTE_ARRAY)
		return 32;
	return (uint64_t)c->width * 8;
}

static int load_dictionary(struct vo_parquet_reader *r, struct pq_col *c,
			   const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	size_t csize = (size_t)ph->compressed_size;
	size_t usize = (size_t)ph->uncompressed_size;
	const uint8_t *p;
	uint8_t *swap;
	size_t swap_cap;
	const char *why = NULL;
	uint64_t bit = 0;
	size_t n;
	int rc;

	if (!ph->has_dict || ph->dict.num_values < 0)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "dictionary page at offset %" PRIu64 " without a valid header",
				    c->page_at);
	if (ph->dict.encoding != PQ_ENC_PLAIN && ph->dict.encoding != PQ_ENC_PLAIN_DICTIONARY)
		return pq_col_error(r, c, err, VO_EUNSUPPORTED,
				    "dictionary page at offset %" PRIu64 " uses encoding %s (%d)",
				    c->page_at, pq_encoding_name(ph->dict.encoding),
				    ph->dict.encoding);
	n = (size_t)ph->dict.num_values;
	rc = page_bytes(r, c, body, csize, usize, &c->dict_page, &c->dict_page_cap, &p, err);
	if (rc)
		return rc;
	if (p == c->raw) {
		/* Stored uncompressed: the raw buffer becomes the dictionary's; no copy. */
		swap = c->dict_page;
		swap_cap = c->dict_page_cap;
		c->dict_page = c->raw;
		c->dict_page_cap = c->raw_cap;
		c->raw = swap;
		c->raw_cap = swap_cap;
	}
	if (n > (uint64_t)usize * 8 / min_value_bits(c))
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "dictionary page at offset %" PRIu64
				    ": %zu entries cannot fit in %zu bytes",
				    c->page_at, n, usize);
	c->has_dict = false;
	if (pq_grow(&c->dict, &c->dict_cap, n * c->out_size))
		return pq_col_error(r, c, err, VO_ENOMEM,
				    "out of memory for a dictionary of %zu entries", n);
	p = c->dict_page;
	rc = pq_plain_values(c, &p, c->dict_page + usize, &bit, c->dict, n, &why);
	if (rc)
		return pq_col_error(r, c, err, rc, "dictionary page at offset %" PRIu64 ": %s",
				    c->page_at, why);
	c->dict_n = n;
	c->dict_id = atomic_fetch_add(&dict_ids, 1) + 1;
	c->has_dict = true;
	return VO_OK;
}

/* A data page whose definition levels are in an encoding other than RLE and BIT_PACKED. */
static int bad_level_encoding(struct vo_parquet_reader *r, struct pq_col *c, int encoding,
			      struct vo_error *err)
{
	return pq_col_error(r, c, err, VO_EUNSUPPORTED,
			    "page at offset %" PRIu64
			    ": definition level encoding %s (%d) is not supported",
			    c->page_at, pq_encoding_name(encoding), encoding);
}

/* Sets up the values section [p, end) of a data page with nv values. */
static int setup_values(struct vo_parquet_reader *r, struct pq_col *c, int encoding,
			const uint8_t *p, const uint8_t *end, struct vo_error *err)
{
	size_t len = (size_t)(end - p);
	const char *why = NULL;
	uint32_t blen;

	c->encoding = encoding;
	c->dict_coded = false;
	switch (encoding) {
	case PQ_ENC_PLAIN:
		c->vp = p;
		c->vend = end;
		c->bit = 0;
		return VO_OK;
	case PQ_ENC_PLAIN_DICTIONARY:
	case PQ_ENC_RLE_DICTIONARY:
		if (!c->has_dict)
			return pq_col_error(
				r, c, err, VO_EFORMAT,
				"page at offset %" PRIu64
				" is dictionary-encoded but the chunk has no dictionary page",
				c->page_at);
		c->dict_coded = true;
		/* No bit-width byte: only an all-null page can decode (width 1, no data). */
		if (len == 0)
			return vo_rle_init(&c->ix, p, 0, 1);
		if (p[0] > VO_RLE_WIDTH_MAX)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64
					    ": dictionary index width %u > 32",
					    c->page_at, p[0]);
		return vo_rle_init(&c->ix, p + 1, len - 1, p[0]);
	case PQ_ENC_RLE:
		if (c->ptype != PQ_BOOLEAN)
			break;
		if (len < 4 || pq_le32(p) > len - 4)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64
					    ": RLE values run past the page",
					    c->page_at);
		blen = pq_le32(p);
		return vo_rle_init(&c->ix, p + 4, blen, 1);
	case PQ_ENC_DELTA_BINARY_PACKED:
		if (c->ptype != PQ_INT32 && c->ptype != PQ_INT64)
			break;
		if (pq_delta_init(&c->dl, p, end, &why))
			goto corrupt;
		return VO_OK;
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
	case PQ_ENC_DELTA_BYTE_ARRAY:
		if (c->vtype != VO_V_STR)
			break;
		if (encoding == PQ_ENC_DELTA_BYTE_ARRAY) {
			/* Prefix lengths, then the suffixes as DELTA_LENGTH_BYTE_ARRAY. */
			if (pq_delta_init(&c->dp, p, end, &why) || pq_delta_end(&c->dp, &p, &why))
				goto corrupt;
			c->prev_len = 0;
		}
		if (pq_delta_init(&c->dl, p, end, &why) || pq_delta_end(&c->dl, &c->vp, &why))
			goto corrupt;
		c->vend = end;
		return VO_OK;
	case PQ_ENC_BYTE_STREAM_SPLIT:
		if (c->ptype != PQ_INT32 && c->ptype != PQ_INT64 && c->ptype != PQ_FLOAT &&
		    c->ptype != PQ_DOUBLE)
			break;
		if (len % c->width)
			return pq_col_error(
				r, c, err, VO_EFORMAT,
				"page at offset %" PRIu64
				": BYTE_STREAM_SPLIT data of %zu bytes for %zu-byte values",
				c->page_at, len, c->width);
		c->vp = p;
		c->vend = end;
		c->bss_n = len / c->width;
		c->bss_i = 0;
		return VO_OK;
	default:
		break;
	}
	return pq_col_error(
		r, c, err, VO_EUNSUPPORTED,
		"page at offset %" PRIu64 ": encoding %s (%d) is not supported for %s values",
		c->page_at, pq_encoding_name(encoding), encoding, pq_type_name(c->ptype));
corrupt:
	return pq_col_error(r, c, err, VO_EFORMAT, "page at offset %" PRIu64 ": %s", c->page_at,
			    why);
}

/* Checks a data page's value count against the rows the row group still needs. */
static int check_page_values(struct vo_parquet_reader *r, struct pq_col *c, int32_t nv,
			     struct vo_error *err)
{
	if (nv >= 0 && (uint64_t)nv <= r->rg_rows - c->rg_values)
		return VO_OK;
	return pq_col_error(r, c, err, VO_EFORMAT,
			    "data page at offset %" PRIu64 " holds %" PRId32
			    " values, more than the %" PRIu64 " rows left in the row group",
			    c->page_at, nv, r->rg_rows - c->rg_values);
}

/*
 * A v1 data page streamed: its definition levels (at the start of the
 * stream) are copied out whole, then the values come through the window.
 */
static int load_streamed_v1(struct vo_parquet_reader *r, struct pq_col *c,
			    const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	size_t usize = (size_t)ph->uncompressed_size;
	uint64_t nv = (uint64_t)ph->data.num_values;
	size_t len;
	int rc;

	if (c->codec == VO_CODEC_UNCOMPRESSED) {
		rc = check_stored_size(r, c, usize, (size_t)ph->compressed_size, err);
		if (rc)
			return rc;
	}
	rc = stream_begin(r, c, body, (size_t)ph->compressed_size, usize,
			  c->codec != VO_CODEC_UNCOMPRESSED, err);
	if (rc)
		return rc;
	c->legacy_levels = false;
	if (c->max_def > 0) {
		if (ph->data.def_encoding == PQ_ENC_RLE) {
			rc = stream_need(r, c, 4, err);
			if (rc)
				return rc;
			if ((size_t)(c->vend - c->vp) < 4 || pq_le32(c->vp) > usize - 4)
				return pq_col_error(r, c, err, VO_EFORMAT,
						    "page at offset %" PRIu64
						    ": definition levels run past the page",
						    c->page_at);
			len = pq_le32(c->vp);
			c->vp += 4;
			rc = stream_levels(r, c, len, err);
			if (rc)
				return rc;
			vo_rle_init(&c->def, c->levels, len, 1);
		} else if (ph->data.def_encoding == PQ_ENC_BIT_PACKED) {
			c->legacy_levels = true;
			c->lv_len = (size_t)((nv + 7) / 8);
			c->lv_bit = 0;
			rc = stream_levels(r, c, c->lv_len, err);
			if (rc)
				return rc;
			c->lv = c->levels;
		} else {
			return bad_level_encoding(r, c, ph->data.def_encoding, err);
		}
	}
	rc = setup_values(r, c, ph->data.encoding, c->vp, c->vend, err);
	if (rc)
		return rc;
	c->page_left = nv;
	c->rg_values += nv;
	return VO_OK;
}

static int load_data_v1(struct vo_parquet_reader *r, struct pq_col *c,
			const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	size_t csize = (size_t)ph->compressed_size;
	size_t usize = (size_t)ph->uncompressed_size;
	const uint8_t *p;
	const uint8_t *end;
	uint64_t nv;
	uint32_t len;
	int rc;

	if (!ph->has_data)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "data page at offset %" PRIu64 " without a data page header",
				    c->page_at);
	rc = check_page_values(r, c, ph->data.num_values, err);
	if (rc)
		return rc;
	nv = (uint64_t)ph->data.num_values;
	if (nv == 0)
		return VO_OK;
	if (streams(c, ph->data.encoding, usize, c->codec != VO_CODEC_UNCOMPRESSED))
		return load_streamed_v1(r, c, ph, body, err);
	rc = page_bytes(r, c, body, csize, usize, &c->data, &c->data_cap, &p, err);
	if (rc)
		return rc;
	/*
	 * Once a v1 page is decompressed nothing points into its compressed
	 * bytes.  A large buffer is given back rather than kept for the next
	 * page, so that a reader holds one big page, not two (writers such as
	 * DuckDB put a million-row column chunk in one page).
	 */
	if (p != c->raw && c->raw_cap > VO_PARQUET_RAW_KEEP) {
		vo_free(c->raw);
		c->raw = NULL;
		c->raw_cap = 0;
	}
	end = p + usize;
	c->legacy_levels = false;
	if (c->max_def > 0) {
		if (ph->data.def_encoding == PQ_ENC_RLE) {
			if ((size_t)(end - p) < 4 || pq_le32(p) > (size_t)(end - p) - 4)
				return pq_col_error(r, c, err, VO_EFORMAT,
						    "page at offset %" PRIu64
						    ": definition levels run past the page",
						    c->page_at);
			len = pq_le32(p);
			vo_rle_init(&c->def, p + 4, len, 1);
			p += 4 + (size_t)len;
		} else if (ph->data.def_encoding == PQ_ENC_BIT_PACKED) {
			c->legacy_levels = true;
			c->lv = p;
			c->lv_len = (size_t)((nv + 7) / 8);
			c->lv_bit = 0;
			if ((size_t)(end - p) < c->lv_len)
				return pq_col_error(r, c, err, VO_EFORMAT,
						    "page at offset %" PRIu64
						    ": definition levels run past the page",
						    c->page_at);
			p += c->lv_len;
		} else {
			return bad_level_encoding(r, c, ph->data.def_encoding, err);
		}
	}
	rc = setup_values(r, c, ph->data.encoding, p, end, err);
	if (rc)
		return rc;
	c->page_left = nv;
	c->rg_values += nv;
	return VO_OK;
}

static int load_data_v2(struct vo_parquet_reader *r, struct pq_col *c,
			const struct pq_page_header *ph, uint64_t body, struct vo_error *err)
{
	const struct pq_data_page_header_v2 *h = &ph->v2;
	size_t csize = (size_t)ph->compressed_size;
	size_t usize = (size_t)ph->uncompressed_size;
	bool compressed;
	size_t levels;
	const uint8_t *p;
	size_t vlen;
	uint64_t nv;
	int rc;

	if (!ph->has_v2)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "data page v2 at offset %" PRIu64 " without its header",
				    c->page_at);
	rc = check_page_values(r, c, h->num_values, err);
	if (rc)
		return rc;
	if (h->num_rows != h->num_values)
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "data page v2 at offset %" PRIu64 " has %" PRId32
				    " rows but %" PRId32 " values in a flat column",
				    c->page_at, h->num_rows, h->num_values);
	if (h->def_len < 0 || h->rep_len < 0 ||
	    (uint64_t)h->def_len + (uint64_t)h->rep_len > VO_MIN(csize, usize))
		return pq_col_error(r, c, err, VO_EFORMAT,
				    "data page v2 at offset %" PRIu64
				    ": level lengths exceed the page size",
				    c->page_at);
	nv = (uint64_t)h->num_values;
	if (nv == 0)
		return VO_OK;
	levels = (size_t)h->def_len + (size_t)h->rep_len;
	vlen = usize - levels;
	compressed = c->codec != VO_CODEC_UNCOMPRESSED && h->is_compressed;
	if (streams(c, h->encoding, vlen, compressed)) {
		/* The levels, never compressed, are read whole; the values stream. */
		if (!compressed) {
			rc = check_stored_size(r, c, usize, csize, err);
			if (rc)
				return rc;
		}
		if (pq_grow_u8(&c->levels, &c->levels_cap, levels))
			return pq_col_error(r, c, err, VO_ENOMEM,
					    "out of memory for definition levels");
		rc = levels ? pq_read_at(r->fd, r->path, body, c->levels, levels, err) : VO_OK;
		if (!rc)
			rc = stream_begin(r, c, body + levels, csize - levels, vlen, compressed,
					  err);
		if (rc)
			return rc;
		c->legacy_levels = false;
		if (c->max_def > 0)
			vo_rle_init(&c->def, c->levels + h->rep_len, (size_t)h->def_len, 1);
		rc = setup_values(r, c, h->encoding, c->vp, c->vend, err);
		if (rc)
			return rc;
		c->page_left = nv;
		c->rg_values += nv;
		return VO_OK;
	}
	rc = read_body(r, c, body, csize, err);
	if (rc)
		return rc;
	if (c->codec == VO_CODEC_UNCOMPRESSED || !h->is_compressed) {
		rc = check_stored_size(r, c, usize, csize, err);
		if (rc)
			return rc;
		p = c->raw + levels;
	} else {
		rc = decompress(r, c, c->raw + levels, csize - levels, &c->data, &c->data_cap, vlen,
				err);
		if (rc)
			return rc;
		p = c->data;
	}
	c->legacy_levels = false;
	if (c->max_def > 0)
		vo_rle_init(&c->def, c->raw + h->rep_len, (size_t)h->def_len, 1);
	rc = setup_values(r, c, h->encoding, p, p + vlen, err);
	if (rc)
		return rc;
	c->page_left = nv;
	c->rg_values += nv;
	return VO_OK;
}

/* Loads pages of the column until one has rows left to hand out. */
int pq_load_page(struct vo_parquet_reader *r, struct pq_col *c, struct vo_error *err)
{
	struct pq_page_header ph = { 0 };
	size_t hlen = 0;
	uint64_t body;
	int rc;

	while (c->page_left == 0) {
		if (c->pos >= c->end)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "the column chunk ends after %" PRIu64 " of %" PRIu64
					    " values",
					    c->rg_values, r->rg_rows);
		rc = read_page_header(r, c, &ph, &hlen, err);
		if (rc)
			return rc;
		c->page_at = c->pos;
		body = c->pos + hlen;
		if ((uint64_t)ph.compressed_size > c->end - body)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64 " (%" PRId32
					    " bytes) runs past the end of the column chunk",
					    c->page_at, ph.compressed_size);
		if ((uint64_t)ph.compressed_size > VO_PARQUET_PAGE_MAX ||
		    (uint64_t)ph.uncompressed_size > VO_PARQUET_PAGE_MAX)
			return pq_col_error(r, c, err, VO_ELIMIT,
					    "page at offset %" PRIu64
					    " is larger than the limit of %u bytes",
					    c->page_at, VO_PARQUET_PAGE_MAX);
		c->pos = body + (uint64_t)ph.compressed_size;
		switch (ph.type) {
		case PQ_PAGE_DICTIONARY:
			rc = load_dictionary(r, c, &ph, body, err);
			break;
		case PQ_PAGE_DATA:
			rc = load_data_v1(r, c, &ph, body, err);
			break;
		case PQ_PAGE_DATA_V2:
			rc = load_data_v2(r, c, &ph, body, err);
			break;
		default:
			/* INDEX_PAGE, or a page type from the future: nothing to read. */
			rc = VO_OK;
			break;
		}
		if (rc)
			return rc;
	}
	return VO_OK;
}

int pq_each_page(struct vo_parquet_reader *r, struct pq_col *c, vo_parquet_page_fn fn, void *ctx,
		 struct vo_error *err)
{
	struct pq_page_header ph = { 0 };
	size_t hlen = 0;
	uint64_t body;
	int rc;

	while (c->pos < c->end) {
		size_t csize;
		size_t skip = 0;

		rc = read_page_header(r, c, &ph, &hlen, err);
		if (rc)
			return rc;
		c->page_at = c->pos;
		body = c->pos + hlen;
		if ((uint64_t)ph.compressed_size > c->end - body ||
		    (uint64_t)ph.compressed_size > VO_PARQUET_PAGE_MAX ||
		    (uint64_t)ph.uncompressed_size > VO_PARQUET_PAGE_MAX)
			return pq_col_error(r, c, err, VO_EFORMAT,
					    "page at offset %" PRIu64 " has impossible sizes",
					    c->page_at);
		c->pos = body + (uint64_t)ph.compressed_size;
		if (ph.type != PQ_PAGE_DICTIONARY && ph.type != PQ_PAGE_DATA &&
		    ph.type != PQ_PAGE_DATA_V2)
			continue;
		csize = (size_t)ph.compressed_size;
		if (ph.type == PQ_PAGE_DATA_V2 && ph.has_v2) {
			/* The levels are stored as they are; the codec sees the values. */
			skip = (size_t)ph.v2.def_len + (size_t)ph.v2.rep_len;
			if (ph.v2.def_len < 0 || ph.v2.rep_len < 0 || skip > csize ||
			    skip > (size_t)ph.uncompressed_size)
				return pq_col_error(r, c, err, VO_EFORMAT,
						    "page at offset %" PRIu64
						    ": level lengths exceed the page size",
						    c->page_at);
			if (!ph.v2.is_compressed)
				continue;
		}
		rc = read_body(r, c, body, csize, err);
		if (rc)
			return rc;
		rc = fn(ctx, c->codec, c->raw + skip, csize - skip,
			(size_t)ph.uncompressed_size - skip);
		if (rc)
			return vo_error_set(err, rc, "%s: stopped at the page at offset %" PRIu64,
					    r->path, c->page_at);
	}
	return VO_OK;
}
