/*
 * test_alloc_fail.c - allocation-failure tests over whole jobs (curl's
 * torture tests, SQLite's OOM tests): for every N from 1 until a run no
 * longer reaches its Nth allocation, the Nth allocation and every one after
 * it fail (vo_alloc_fail_at).  Each run must end with VO_ENOMEM and a
 * message, never a crash; in the ASan build LeakSanitizer proves that every
 * failure path frees what it took.  cJSON allocates through vo_malloc here
 * (vo_jsonmem_install, as in the server), so its failures count too.
 *
 * The jobs: vo_pipeline_run over a small generated CSV and a small Parquet
 * file (the real data re-written by DuckDB, from the fuzz corpus), with one
 * and two reader threads, then the artifact's atomic write over a previous
 * one (which a failed write leaves byte for byte, with no temporary file
 * left behind); the same inputs as two shards' partial results, written,
 * then merged into the artifact (vo_pipeline_run_partial, vo_partial_render,
 * vo_merge_run); vo_table_load plus one POST /voucher and one POST
 * /vouchers answer; and the two other JSON readers: a --segments-config file
 * (vo_segconfig_load) and the clean metadata of two cleaned CSVs
 * (vo_clean_meta_load_inputs).
 *
 * cJSON reports an allocation that fails while it parses as a syntax error;
 * every JSON parse goes through vo_json_parse() (core/json_read.h), which
 * tells the two apart with vo_alloc_failures(), so a failure is never blamed
 * on the input ("not valid JSON", 400 invalid_json): the readers' tests
 * check that every failure is VO_ENOMEM with "out of memory" in it.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>

#include "api/table.h"
#include "api/voucher.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/jsonmem.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "model/clean_meta.h"
#include "model/partial.h"
#include "model/segdef.h"
#include "pipeline/merge.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

/* The Parquet input, found from this file's path (tests/unit/ -> fuzz/). */
#define PARQUET_SEED "/../../fuzz/corpus/parquet/snappy.parquet"

/* A run that has not ended after this many failure points is a bug. */
#define RUNS_MAX 20000

static const char *const requests[] = {
	"{\"customer_id\": 123, \"country_code\": \"Peru\", \"last_order_ts\": \"2018-05-03 "
	"00:00:00\", \"first_order_ts\": \"2017-05-03 00:00:00\", \"total_orders\": 15, "
	"\"segment_name\": \"frequent_segment\"}",
	"{\"customers\": [{\"customer_id\": \"a\", \"country_code\": \"peru\", \"last_order_ts\": "
	"\"2018-05-03\", \"segment_name\": \"recency_segment\"}, {\"customer_id\": 2, "
	"\"country_code\": \"Chile\", \"total_orders\": 1, \"segment_name\": "
	"\"frequent_segment\"}, 7]}",
};

static char parquet_path[1024];
static char csv_path[512];
static char out_path[512];

/* Writes a CSV of 200 generated rows over three countries. */
static void write_csv(const char *path)
{
	static const char *const countries[] = { "Peru", " china ", "Chile" };
	static const char header[] =
		"timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n";
	struct vo_error err = { 0 };
	struct vo_buf b;
	uint64_t seed = 7;
	int i;

	vo_buf_init(&b, 1u << 20);
	assert_int_equal(vo_buf_add(&b, header, strlen(header)), VO_OK);
	for (i = 0; i < 200; i++) {
		char line[160];
		uint64_t r = vo_test_xorshift(&seed);
		int n = snprintf(line, sizeof(line),
				 "2018-08-01 10:00:00,%s,2018-%02d-%02d,2017-01-01,%d.0,%d\n",
				 countries[r % 3], (int)(r >> 8) % 7 + 1, (int)(r >> 16) % 28 + 1,
				 (int)(r >> 24) % 45, (int)((r >> 32) % 4 + 1) * 880);

		assert_int_equal(vo_buf_add(&b, line, (size_t)n), VO_OK);
	}
	assert_int_equal(vo_write_file_atomic(path, b.ptr, b.len, &err), VO_OK);
	vo_buf_release(&b);
}

static int setup(void **state)
{
	int rc = vo_test_dir_setup(state);

	if (rc)
		return rc;
	vo_jsonmem_install();
	snprintf(parquet_path, sizeof(parquet_path), "%.*s" PARQUET_SEED,
		 (int)(strrchr(__FILE__, '/') - __FILE__), __FILE__);
	vo_test_path(csv_path, sizeof(csv_path), "orders.csv");
	vo_test_path(out_path, sizeof(out_path), "segments.json");
	write_csv(csv_path);
	return 0;
}

/* Files of the scratch folder whose name starts with a dot (temporary files). */
static int hidden_files(void)
{
	DIR *d = opendir(vo_test_dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The pipeline, its seal and its write, with allocation n failing onwards. */
static int run_job(unsigned threads, struct vo_error *err)
{
	static const char *const all[] = { "all" };
	const char *inputs[] = { csv_path, parquet_path };
	struct vo_pipeline_options opt;
	struct vo_artifact a;
	int rc;

	memset(&opt, 0, sizeof(opt));
	memset(&a, 0, sizeof(a));
	opt.inputs = inputs;
	opt.ninputs = VO_ARRAY_SIZE(inputs);
	opt.countries = all;
	opt.ncountries = 1;
	opt.threads = threads;
	rc = vo_pipeline_run(&opt, &a, err);
	if (!rc)
		rc = vo_artifact_write(&a, out_path, err);
	vo_artifact_release(&a);
	return rc;
}

static void read_bytes(const char *path, struct vo_buf *b)
{
	struct vo_error err = { 0 };

	vo_buf_init(b, VO_ARTIFACT_MAX);
	assert_int_equal(vo_read_file(path, VO_ARTIFACT_MAX, b, &err), VO_OK);
}

/*
 * Two shards of the same inputs as partial results (model/partial.h), each
 * written atomically, then merged (pipeline/merge.h) into the artifact.
 */
static int run_shards(unsigned threads, struct vo_error *err)
{
	static const char *const all[] = { "all" };
	const char *inputs[] = { csv_path, parquet_path };
	const char *parts[2];
	char paths[2][512];
	struct vo_pipeline_options opt;
	struct vo_artifact a;
	uint64_t i;
	int rc = VO_OK;

	memset(&opt, 0, sizeof(opt));
	memset(&a, 0, sizeof(a));
	opt.inputs = inputs;
	opt.ninputs = VO_ARRAY_SIZE(inputs);
	opt.countries = all;
	opt.ncountries = 1;
	opt.threads = threads;
	opt.nshards = 2;
	for (i = 0; i < 2 && !rc; i++) {
		struct vo_partial p;
		struct vo_buf b;

		parts[i] = vo_test_path(paths[i], sizeof(paths[i]), i ? "p1.part" : "p0.part");
		opt.shard = i;
		vo_buf_init(&b, VO_PARTIAL_MAX);
		rc = vo_pipeline_run_partial(&opt, &p, err);
		if (!rc && vo_partial_render(&p, &b))
			rc = vo_error_nomem(err);
		if (!rc)
			rc = vo_write_file_atomic(parts[i], b.ptr, b.len, err);
		vo_buf_release(&b);
		vo_partial_release(&p);
	}
	if (!rc)
		rc = vo_merge_run(parts, 2, &a, err);
	if (!rc)
		rc = vo_artifact_write(&a, out_path, err);
	vo_artifact_release(&a);
	return rc;
}

static void job_failures(const char *what, int (*job)(unsigned, struct vo_error *),
			 unsigned threads)
{
	struct vo_error err = { 0 };
	struct vo_buf before;
	struct vo_buf after;
	uint64_t n;
	uint64_t used;
	int rc;

	/* The previous artifact, which no failed run may touch. */
	if (job(threads, &err))
		fail_msg("%s", err.msg);
	read_bytes(out_path, &before);
	for (n = 1; n < RUNS_MAX; n++) {
		memset(&err, 0, sizeof(err));
		vo_alloc_fail_at(n);
		rc = job(threads, &err);
		used = vo_alloc_count();
		vo_alloc_fail_at(0);
		if (used < n) {
			/* The failure point was never reached: the run is whole. */
			assert_int_equal(rc, VO_OK);
			break;
		}
		if (rc != VO_ENOMEM)
			fail_msg("allocation %" PRIu64 ": %s (%d), want VO_ENOMEM", n, err.msg, rc);
		if (err.msg[0] == '\0')
			fail_msg("allocation %" PRIu64 ": VO_ENOMEM without a message", n);
		read_bytes(out_path, &after);
		assert_int_equal(after.len, before.len);
		assert_memory_equal(after.ptr, before.ptr, before.len);
		vo_buf_release(&after);
		assert_int_equal(hidden_files(), 0);
	}
	assert_true(n > 50 && n < RUNS_MAX);
	print_message("%s, %u thread(s): %" PRIu64 " failure points\n", what, threads, n - 1);
	vo_buf_release(&before);
}

static void pipeline_failures(unsigned threads)
{
	job_failures("pipeline", run_job, threads);
}

static void test_pipeline_one_thread(void **state)
{
	(void)state;
	pipeline_failures(1);
}

static void test_pipeline_two_threads(void **state)
{
	(void)state;
	pipeline_failures(2);
}

static void test_shards_merged(void **state)
{
	(void)state;
	job_failures("two shards, partial results, merge", run_shards, 2);
}

/* Loads the table and answers each request; returns the first failure. */
static int run_request(struct vo_buf *answers, struct vo_error *err)
{
	struct vo_voucher_ctx ctx;
	struct vo_table *t = NULL;
	struct vo_buf out;
	size_t i;
	int rc;

	rc = vo_table_load(out_path, &t, err);
	if (rc)
		return rc;
	memset(&ctx, 0, sizeof(ctx));
	ctx.table = t;
	ctx.now_us = 1533124800000000LL; /* 2018-08-01 12:00:00Z */
	vo_buf_init(&out, VO_API_RESPONSE_MAX);
	for (i = 0; i < VO_ARRAY_SIZE(requests) && !rc; i++) {
		char head[16];
		int status;
		int hn;

		vo_buf_reset(&out);
		if (i == 0)
			status = vo_voucher_answer(&ctx, requests[i], strlen(requests[i]), &out);
		else
			status = vo_vouchers_answer(&ctx, requests[i], strlen(requests[i]), &out);
		if (status < 0) {
			rc = VO_ENOMEM;
			break;
		}
		/* The status and body of each answer, one line each. */
		hn = snprintf(head, sizeof(head), "%d ", status);
		if (vo_buf_add(answers, head, (size_t)hn) ||
		    vo_buf_add(answers, out.ptr, out.len) || vo_buf_add(answers, "\n", 1))
			rc = VO_ENOMEM;
	}
	vo_buf_release(&out);
	vo_table_destroy(t);
	return rc;
}

static void test_request(void **state)
{
	struct vo_error err = { 0 };
	struct vo_buf want;
	struct vo_buf got;
	uint64_t n;
	uint64_t used;
	int rc;

	(void)state;
	assert_int_equal(run_job(1, &err), VO_OK);
	vo_buf_init(&want, 1u << 20);
	assert_int_equal(run_request(&want, &err), VO_OK);
	for (n = 1; n < RUNS_MAX; n++) {
		memset(&err, 0, sizeof(err));
		vo_buf_init(&got, 1u << 20);
		vo_alloc_fail_at(n);
		rc = run_request(&got, &err);
		used = vo_alloc_count();
		vo_alloc_fail_at(0);
		if (used < n) {
			assert_int_equal(rc, VO_OK);
			vo_buf_release(&got);
			break;
		}
		if (rc != VO_OK && rc != VO_ENOMEM)
			fail_msg("allocation %" PRIu64 ": %s (%d), want VO_ENOMEM", n, err.msg, rc);
		/* An answer given despite the failure is the right one. */
		if (rc == VO_OK) {
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.ptr, want.ptr, want.len);
		}
		vo_buf_release(&got);
	}
	assert_true(n > 50 && n < RUNS_MAX);
	print_message("table load and requests: %" PRIu64 " failure points\n", n - 1);
	vo_buf_release(&want);
}

/*
 * Runs read() with allocation n failing onwards, for every n until a run no
 * longer reaches its failure point.  Every failed run must be VO_ENOMEM
 * with "out of memory" in its message: a reader that took the failure for
 * bad JSON ("not valid JSON", VO_EFORMAT) fails the test.
 */
static void reader_failures(const char *what, int (*read)(struct vo_error *err))
{
	struct vo_error err = { 0 };
	uint64_t n;
	uint64_t used;
	int rc;

	if (read(&err))
		fail_msg("%s: %s", what, err.msg);
	for (n = 1; n < RUNS_MAX; n++) {
		memset(&err, 0, sizeof(err));
		vo_alloc_fail_at(n);
		rc = read(&err);
		used = vo_alloc_count();
		vo_alloc_fail_at(0);
		if (used < n) {
			assert_int_equal(rc, VO_OK);
			break;
		}
		if (rc != VO_ENOMEM || !strstr(err.msg, "out of memory"))
			fail_msg("%s, allocation %" PRIu64 ": %s (%d), want VO_ENOMEM", what, n,
				 err.msg, rc);
	}
	assert_true(n > 20 && n < RUNS_MAX);
	print_message("%s: %" PRIu64 " failure points\n", what, n - 1);
}

static char config_path[512];

/* Both forms of a config: an object of segments, and an array of them. */
static int read_config(struct vo_error *err)
{
	struct vo_segconfig cfg;
	int rc = vo_segconfig_load(&cfg, config_path, err);

	if (!rc && (cfg.nsegs != 2 || cfg.ncells != 4))
		fail_msg("the config read back has %zu segments, %zu cells", cfg.nsegs, cfg.ncells);
	vo_segconfig_release(&cfg);
	return rc;
}

static void test_segments_config(void **state)
{
	static const char *const docs[] = {
		"{\"segments\": {\"loyal\": {\"field\": \"total_orders\", \"buckets\": "
		"[{\"min\": 0, \"max\": 9}, {\"name\": \"10+\", \"min\": 10}]}, \"recent\": "
		"{\"field\": \"days_since_last_order\", \"buckets\": [{\"min\": 0, \"max\": 30}, "
		"{\"min\": 31, \"max\": null}]}}}",
		"{\"segments\": [{\"name\": \"loyal\", \"field\": \"total_orders\", "
		"\"buckets\": [{\"min\": 0, \"max\": 9}, {\"min\": 10}]}, {\"name\": \"recent\", "
		"\"field\": \"days_since_last_order\", \"buckets\": [{\"min\": 0, \"max\": 30}, "
		"{\"min\": 31}]}]}",
	};
	struct vo_error err = { 0 };
	size_t i;

	(void)state;
	vo_test_path(config_path, sizeof(config_path), "segments-config.json");
	for (i = 0; i < VO_ARRAY_SIZE(docs); i++) {
		assert_int_equal(vo_write_file_atomic(config_path, docs[i], strlen(docs[i]), &err),
				 VO_OK);
		reader_failures(i ? "segments config (array)" : "segments config (object)",
				read_config);
	}
}

static const char *clean_csvs[2];

/* The metadata of two cleaned CSVs, summed. */
static int read_clean_meta(struct vo_error *err)
{
	struct vo_clean_meta m;
	int rc = vo_clean_meta_load_inputs(clean_csvs, VO_ARRAY_SIZE(clean_csvs), &m, err);

	if (!rc && (m.nfiles != 2 || m.nsources != 4))
		fail_msg("the metadata read back has %zu files, %zu sources", m.nfiles, m.nsources);
	vo_clean_meta_release(&m);
	return rc;
}

static void test_clean_meta(void **state)
{
	static const char *const all[] = { "all" };
	static char csv1[512];
	static char csv2[512];
	const char *inputs[] = { csv_path, parquet_path };
	struct vo_pipeline_options opt;
	struct vo_error err = { 0 };
	struct vo_artifact a;
	char meta[600];
	size_t i;

	(void)state;
	memset(&opt, 0, sizeof(opt));
	memset(&a, 0, sizeof(a));
	opt.inputs = inputs;
	opt.ninputs = VO_ARRAY_SIZE(inputs);
	opt.countries = all;
	opt.ncountries = 1;
	opt.threads = 1;
	assert_int_equal(vo_pipeline_run(&opt, &a, &err), VO_OK);
	clean_csvs[0] = vo_test_path(csv1, sizeof(csv1), "clean1.csv");
	clean_csvs[1] = vo_test_path(csv2, sizeof(csv2), "clean2.csv");
	for (i = 0; i < VO_ARRAY_SIZE(clean_csvs); i++) {
		snprintf(meta, sizeof(meta), "%s.meta.json", clean_csvs[i]);
		assert_int_equal(vo_clean_meta_write(&a, meta, &err), VO_OK);
	}
	vo_artifact_release(&a);
	reader_failures("clean metadata", read_clean_meta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipeline_one_thread),
		cmocka_unit_test(test_pipeline_two_threads),
		cmocka_unit_test(test_shards_merged),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_segments_config),
		cmocka_unit_test(test_clean_meta),
	};

	return cmocka_run_group_tests(tests, setup, vo_test_dir_teardown);
}
