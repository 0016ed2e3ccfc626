/*
 * request_bench.c - the API's hot path without HTTP: one POST /voucher body
 * (the challenge's example) parsed, judged and answered, over and over, on
 * one thread with the request document a server worker has
 * (vo_jsonmem_thread_init).  Prints nanoseconds per request, the best of
 * five rounds, for vo_voucher_answer; with "parse" also for the parser alone
 * (core/json_doc.h) and for cJSON's parse of the same body, which the API
 * used before.
 *
 * usage: build/bench_request SEGMENTS.json [N [parse]]   (N requests a round)
 */
#include "core/common.h"

#include <cjson/cJSON.h>

#include "core/jsonmem.h"
#include "api/table.h"
#include "api/voucher.h"
#include "core/buf.h"
#include "core/limits.h"
#if __has_include("core/json_doc.h") /* absent before the strict parser: then only the answer */
#include "core/json_doc.h"
#define HAVE_JSON_DOC 1
#endif

static const char body[] =
	"{\"customer_id\": 123, \"country_code\": \"Peru\", \"last_order_ts\": \"2018-05-03 "
	"00:00:00\", \"first_order_ts\": \"2017-05-03 00:00:00\", \"total_orders\": 15, "
	"\"segment_name\": \"frequent_segment\"}";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct vo_voucher_ctx ctx;
	struct vo_error err;
	struct vo_table *t = NULL;
	struct vo_buf out;
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
	double best[3] = { 1e30, 1e30, 1e30 };
	size_t sink = 0;

	if (argc < 2 || n <= 0) {
		fprintf(stderr, "usage: %s SEGMENTS.json [N [parse]]\n", argv[0]);
		return 2;
	}
	vo_jsonmem_install();
	if (vo_table_load(argv[1], &t, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	vo_jsonmem_thread_init(256u << 10);
	memset(&ctx, 0, sizeof(ctx));
	ctx.table = t;
	ctx.now_us = 1533124800000000LL;
	vo_buf_init(&out, VO_API_RESPONSE_MAX);
	for (int round = 0; round < 5; round++) {
		double t0 = now_ns();

		for (long i = 0; i < n; i++) {
			vo_buf_reset(&out);
			vo_jsonmem_reset();
			if (vo_voucher_answer(&ctx, body, sizeof(body) - 1, &out) != 200)
				return 1;
			sink += out.len;
		}
		best[0] = VO_MIN(best[0], (now_ns() - t0) / (double)n);
#ifdef HAVE_JSON_DOC
		if (argc > 3 && !strcmp(argv[3], "parse")) {
			struct vo_json_doc d;

			vo_json_doc_init(&d, VO_API_JSON_VALUES_MAX);
			t0 = now_ns();
			for (long i = 0; i < n; i++) {
				if (vo_json_doc_parse(&d, body, sizeof(body) - 1, NULL))
					return 1;
				sink += d.n;
			}
			best[1] = VO_MIN(best[1], (now_ns() - t0) / (double)n);
			vo_json_doc_release(&d);
			t0 = now_ns();
			for (long i = 0; i < n; i++) {
				cJSON *c = cJSON_ParseWithLength(body, sizeof(body) - 1);

				if (!c)
					return 1;
				sink += (size_t)cJSON_GetArraySize(c);
				cJSON_Delete(c);
			}
			best[2] = VO_MIN(best[2], (now_ns() - t0) / (double)n);
		}
#endif
	}
	printf("POST /voucher body answered: %.0f ns\n", best[0]);
	if (argc > 3)
		printf("parse only: json_doc %.0f ns, cJSON (malloc) %.0f ns\n", best[1], best[2]);
	vo_buf_release(&out);
	vo_jsonmem_thread_release();
	vo_table_destroy(t);
	return sink ? 0 : 1;
}
