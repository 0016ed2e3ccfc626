/*
 * fuzz_voucher.c - the API's request parsing (core/json_doc.h), validation
 * and lookup: POST /voucher (vo_voucher_answer), POST /vouchers
 * (vo_vouchers_answer) and POST /voucher_amount (vo_voucher_amount_answer,
 * the proof of concept's contract) against a small real table, built once
 * by the pipeline from an embedded CSV.
 *
 * Input: one byte of flags (bit 0: the batch route; bit 1: the server was
 * started with --as-of; bit 2: /voucher_amount instead of /voucher), then
 * the request body.  Every answer must be a status the route documents with
 * a JSON document as its body: on /voucher_amount, 200 is exactly
 * {"voucher_amount":N} and every error is FastAPI's {"detail": ...}.
 */
#include "core/common.h"

#include <cjson/cJSON.h>

#include "api/table.h"
#include "api/voucher.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "pipeline/pipeline.h"
#include "fuzz.h"

#define HEADER "timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n"

/* Two countries, every default bucket but one reached, a tie, a null amount. */
static const char rows[] = HEADER "2018-08-01 10:00:00,Peru,2018-05-03,2017-01-01,2,2640\n"
				  "2018-08-01 10:00:00,Peru,2018-05-03,2017-01-01,4,2640\n"
				  "2018-08-01 10:00:00,Peru,2018-05-03,2017-01-01,3,3520\n"
				  "2018-08-01 10:00:00,Peru,2018-06-20,2017-01-01,20,4400\n"
				  "2018-08-01 10:00:00,Peru,2018-06-20,2017-01-01,30,4400\n"
				  "2018-08-01 10:00:00,Peru,2018-01-20,2017-01-01,9,4400\n"
				  "2018-08-01 10:00:00,Peru,2018-03-20,2017-01-01,14,2640\n"
				  "2018-08-01 10:00:00,China,2018-06-20,2017-01-01,1.0,1000\n"
				  "2018-08-01 10:00:00,China,2018-04-20,2017-01-01,,1000\n"
				  "2018-08-01 10:00:00,China,2018-04-20,2017-01-01,50,\n";

static struct vo_table *table;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const all[] = { "all" };
	struct vo_pipeline_options opt;
	struct vo_artifact a;
	struct vo_error err = { 0 };
	struct vo_buf text;
	char path[64];
	const char *input = path;
	int fd;

	(void)argc;
	(void)argv;
	fd = vo_fuzz_memfile((const uint8_t *)rows, sizeof(rows) - 1, path, sizeof(path));
	if (fd < 0)
		__builtin_trap();
	memset(&opt, 0, sizeof(opt));
	opt.inputs = &input;
	opt.ninputs = 1;
	opt.countries = all;
	opt.ncountries = 1;
	opt.threads = 1;
	if (vo_pipeline_run(&opt, &a, &err) != VO_OK) {
		fprintf(stderr, "fuzz_voucher: %s\n", err.msg);
		__builtin_trap();
	}
	close(fd);
	vo_buf_init(&text, VO_ARTIFACT_MAX);
	if (vo_artifact_render(&a, false, &text) != VO_OK ||
	    vo_table_parse(text.ptr, text.len, "fuzz.json", &table, &err) != VO_OK) {
		fprintf(stderr, "fuzz_voucher: %s\n", err.msg);
		__builtin_trap();
	}
	vo_buf_release(&text);
	vo_artifact_release(&a);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_voucher_ctx ctx;
	struct vo_buf out;
	cJSON *doc;
	int status;

	if (size < 1)
		return 0;
	memset(&ctx, 0, sizeof(ctx));
	ctx.table = table;
	ctx.has_as_of = (data[0] & 2) != 0;
	ctx.as_of_us = 1533124800000000LL; /* 2018-08-01 12:00:00Z */
	ctx.now_us = 1533211200000000LL;   /* 2018-08-02 12:00:00Z */
	vo_buf_init(&out, VO_API_RESPONSE_MAX);
	if (data[0] & 1)
		status = vo_vouchers_answer(&ctx, (const char *)data + 1, size - 1, &out);
	else if (data[0] & 4)
		status = vo_voucher_amount_answer(&ctx, (const char *)data + 1, size - 1, &out);
	else
		status = vo_voucher_answer(&ctx, (const char *)data + 1, size - 1, &out);
	if (status != 200 && status != 400 && status != 404 && status != 413 && status != 422 &&
	    status != -1)
		__builtin_trap();
	if (status != -1) {
		doc = cJSON_ParseWithLength(out.ptr ? out.ptr : "", out.len);
		if (!cJSON_IsObject(doc))
			__builtin_trap();
		if ((data[0] & 5) == 4) {
			/* The proof of concept's shapes: one member, voucher_amount or detail. */
			const cJSON *only = doc->child;

			if (!only || only->next || status == 400 ||
			    strcmp(only->string, status == 200 ? "voucher_amount" : "detail") !=
				    0 ||
			    (status == 200 && !cJSON_IsNumber(only)) ||
			    (status == 422 && !cJSON_IsArray(only)) ||
			    ((status == 404 || status == 413) && !cJSON_IsString(only)))
				__builtin_trap();
		}
		cJSON_Delete(doc);
	}
	vo_buf_release(&out);
	return 0;
}
