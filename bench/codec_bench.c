/*
 * codec_bench.c (build/bench_codec) - each decompressor Debian offers for a
 * Parquet codec, timed on a file's own pages: what src/ingest/codec.c keeps
 * is the fastest per codec (docs/PERFORMANCE.md has the table).
 *
 * usage: bench_codec [-r REPS] FILE.parquet...
 *
 * Every dictionary and data page of the six columns is read once into
 * memory (vo_parquet_reader_pages(): the bytes and sizes the reader would
 * give the codec), then each candidate decompresses all pages of its codec
 * REPS times (default 7) and the fastest pass counts, in thread CPU time, so
 * a busy machine skews it less than wall time would.  Each output is first
 * checked against vouch's own decoder, byte for byte (the windowed ones
 * copy their windows out for that check only).
 *
 *   GZIP    vouch (ISA-L's inflate, whole page), vouch streaming through a
 *           256 KiB window (vo_codec_stream_*), libdeflate, zlib streaming
 *   ZSTD    vouch (ZSTD_decompressDCtx), ZSTD_decompressStream (256 KiB)
 *   BROTLI  vouch (BrotliDecoderDecompress), BrotliDecoderDecompressStream
 *   SNAPPY, LZ4_RAW, LZ4, UNCOMPRESSED: vouch's (one library each)
 */
#include "core/common.h"

#include <brotli/decode.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#include "core/err.h"
#include "core/str.h"
#include "ingest/codec.h"
#include "ingest/parquet/parquet.h"

#define WINDOW (256u << 10)
#define CODECS 8

struct page {
	int codec;
	uint8_t *src;
	size_t srclen;
	size_t dstlen;
};

static struct page *pages;
static size_t npages;
static size_t cap;
static uint8_t *dst;
static uint8_t *want;
static size_t dst_cap;
static uint8_t window[WINDOW];
static bool checking; /* the windowed decoders keep their output only then */
static struct vo_codec *codec;
static struct vo_codec_stream *stream;
static struct libdeflate_decompressor *ldd;
static ZSTD_DStream *zstream;

static int keep_page(void *ctx, int c, const uint8_t *src, size_t srclen, size_t dstlen)
{
	struct page *p;

	(void)ctx;
	if (npages == cap) {
		size_t ncap = cap ? cap * 2 : 256;
		struct page *np = realloc(pages, ncap * sizeof(*np));

		if (!np)
			return VO_ENOMEM;
		pages = np;
		cap = ncap;
	}
	p = &pages[npages++];
	p->codec = c;
	p->src = malloc(srclen ? srclen : 1);
	if (!p->src)
		return VO_ENOMEM;
	if (srclen)
		memcpy(p->src, src, srclen);
	p->srclen = srclen;
	p->dstlen = dstlen;
	return VO_OK;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* vouch's decoder, into dst: the reference output too. */
static bool run_vouch(const struct page *p)
{
	struct vo_error err;

	return vo_codec_decompress(codec, p->codec, p->src, p->srclen, dst, p->dstlen, &err) ==
	       VO_OK;
}

/* vouch's GZIP stream through the window; the last window's bytes are compared. */
static bool run_vouch_stream(const struct page *p)
{
	struct vo_error err;
	size_t in = 0;
	size_t out = 0;

	if (vo_codec_stream_start(stream, p->codec, p->dstlen, &err))
		return false;
	while (!vo_codec_stream_done(stream)) {
		size_t used = 0;
		size_t got = 0;

		if (vo_codec_stream_next(stream, p->src + in, p->srclen - in, true, &used, window,
					 WINDOW, &got, &err))
			return false;
		if (checking && out + got <= p->dstlen && got)
			memcpy(dst + out, window, got);
		in += used;
		out += got;
		if (!used && !got && !vo_codec_stream_done(stream))
			return false;
	}
	return out == p->dstlen;
}

static bool run_libdeflate(const struct page *p)
{
	size_t in = 0;
	size_t got = 0;

	return libdeflate_gzip_decompress_ex(ldd, p->src, p->srclen, dst, p->dstlen, &in, &got) ==
		       LIBDEFLATE_SUCCESS &&
	       got == p->dstlen;
}

static bool run_zlib(const struct page *p)
{
	z_stream z;
	size_t out = 0;
	int r;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return false;
	z.next_in = p->src;
	z.avail_in = (uInt)p->srclen;
	do {
		z.next_out = window;
		z.avail_out = WINDOW;
		r = inflate(&z, Z_NO_FLUSH);
		if (checking && out + (WINDOW - z.avail_out) <= p->dstlen)
			memcpy(dst + out, window, WINDOW - z.avail_out);
		out += WINDOW - z.avail_out;
	} while (r == Z_OK);
	inflateEnd(&z);
	return r == Z_STREAM_END && out == p->dstlen;
}

static bool run_zstd_stream(const struct page *p)
{
	ZSTD_inBuffer in = { p->src, p->srclen, 0 };
	size_t out = 0;

	ZSTD_initDStream(zstream);
	while (in.pos < in.size) {
		ZSTD_outBuffer o = { window, WINDOW, 0 };
		size_t r = ZSTD_decompressStream(zstream, &o, &in);

		if (ZSTD_isError(r))
			return false;
		if (checking && out + o.pos <= p->dstlen)
			memcpy(dst + out, window, o.pos);
		out += o.pos;
		if (!o.pos && r == 0)
			break;
	}
	return out == p->dstlen;
}

static bool run_brotli_stream(const struct page *p)
{
	BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	const uint8_t *next_in = p->src;
	size_t avail_in = p->srclen;
	size_t out = 0;
	BrotliDecoderResult r;

	if (!s)
		return false;
	do {
		uint8_t *next_out = window;
		size_t avail_out = WINDOW;

		r = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out,
						  NULL);
		if (checking && out + (WINDOW - avail_out) <= p->dstlen)
			memcpy(dst + out, window, WINDOW - avail_out);
		out += WINDOW - avail_out;
	} while (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT);
	BrotliDecoderDestroyInstance(s);
	return r == BROTLI_DECODER_RESULT_SUCCESS && out == p->dstlen;
}

struct candidate {
	int codec;
	const char *name;
	bool (*run)(const struct page *p);
};

static const struct candidate candidates[] = {
	{ VO_CODEC_GZIP, "vouch: ISA-L inflate, whole page", run_vouch },
	{ VO_CODEC_GZIP, "vouch: ISA-L inflate, 256 KiB window", run_vouch_stream },
	{ VO_CODEC_GZIP, "libdeflate, whole page", run_libdeflate },
	{ VO_CODEC_GZIP, "zlib inflate, 256 KiB window", run_zlib },
	{ VO_CODEC_ZSTD, "vouch: ZSTD_decompressDCtx, whole page", run_vouch },
	{ VO_CODEC_ZSTD, "ZSTD_decompressStream, 256 KiB window", run_zstd_stream },
	{ VO_CODEC_BROTLI, "vouch: BrotliDecoderDecompress, whole page", run_vouch },
	{ VO_CODEC_BROTLI, "BrotliDecoderDecompressStream, 256 KiB", run_brotli_stream },
	{ VO_CODEC_SNAPPY, "vouch: snappy_uncompress", run_vouch },
	{ VO_CODEC_LZ4_RAW, "vouch: LZ4_decompress_safe", run_vouch },
	{ VO_CODEC_LZ4, "vouch: LZ4_decompress_safe (Hadoop frames)", run_vouch },
	{ VO_CODEC_UNCOMPRESSED, "vouch: memcpy", run_vouch },
};

int main(int argc, char **argv)
{
	struct vo_error err;
	int reps = 7;
	int a = 1;
	size_t i;
	size_t c;

	if (argc > 2 && !strcmp(argv[1], "-r")) {
		uint64_t n = 0;

		if (!vo_str_to_u64(vo_str_cstr(argv[2]), 1000, &n) || n < 1) {
			fprintf(stderr, "bench_codec: -r takes 1 to 1000\n");
			return 2;
		}
		reps = (int)n;
		a = 3;
	}
	if (a >= argc || reps < 1) {
		fprintf(stderr, "usage: bench_codec [-r REPS] FILE.parquet...\n");
		return 2;
	}
	for (; a < argc; a++) {
		struct vo_parquet_reader *r = NULL;

		if (vo_parquet_reader_open(&r, argv[a], &err) ||
		    vo_parquet_reader_pages(r, keep_page, NULL, &err)) {
			fprintf(stderr, "bench_codec: %s\n", err.msg);
			return 1;
		}
		vo_parquet_reader_destroy(r);
	}
	for (i = 0; i < npages; i++)
		dst_cap = VO_MAX(dst_cap, pages[i].dstlen);
	dst = malloc(dst_cap + 1);
	want = malloc(dst_cap + 1);
	ldd = libdeflate_alloc_decompressor();
	zstream = ZSTD_createDStream();
	if (!dst || !want || !ldd || !zstream || vo_codec_create(&codec, &err) ||
	    vo_codec_stream_create(&stream, &err)) {
		fprintf(stderr, "bench_codec: out of memory\n");
		return 1;
	}
	printf("| codec | decoder | pages | MB in | MB out | best CPU ms | MB/s out |\n");
	printf("|---|---|---|---|---|---|---|\n");
	for (c = 0; c < VO_ARRAY_SIZE(candidates); c++) {
		const struct candidate *k = &candidates[c];
		size_t n = 0;
		size_t in = 0;
		size_t out = 0;
		double best = 1e30;
		int rep;

		for (i = 0; i < npages; i++) {
			if (pages[i].codec != k->codec)
				continue;
			/* The reference output first, then the candidate's, compared. */
			if (!run_vouch(&pages[i]))
				break;
			memcpy(want, dst, pages[i].dstlen);
			checking = true;
			if (!k->run(&pages[i]) || memcmp(want, dst, pages[i].dstlen) != 0) {
				fprintf(stderr, "bench_codec: %s differs on page %zu\n", k->name,
					i);
				return 1;
			}
			checking = false;
			n++;
			in += pages[i].srclen;
			out += pages[i].dstlen;
		}
		if (!n)
			continue;
		for (rep = 0; rep < reps; rep++) {
			double t0 = now();

			for (i = 0; i < npages; i++)
				if (pages[i].codec == k->codec && !k->run(&pages[i]))
					return 1;
			best = VO_MIN(best, now() - t0);
		}
		printf("| %s | %s | %zu | %.1f | %.1f | %.1f | %.0f |\n", vo_codec_name(k->codec),
		       k->name, n, (double)in / 1e6, (double)out / 1e6, best * 1e3,
		       (double)out / best / 1e6);
	}
	return 0;
}
