/*
 * test_partial.c - the partial result (model/partial.h): a part made by the
 * pipeline re-renders to its own bytes after a parse, and carries country
 * spellings byte for byte (invalid UTF-8, a NUL); every truncation and every
 * flipped bit is refused; a part whose digest is right but whose content
 * does not add up is refused with the byte named; another version and
 * another format are named as such.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "model/partial.h"
#include "pipeline/pipeline.h"
#include "testutil.h"

static char csv_path[512];

/*
 * Spellings of two countries: ASCII and Unicode case and white space differ
 * (a name that is not UTF-8 or holds a NUL is refused under -c all since
 * model/name.h, so a part never carries one).
 */
static const char *const spellings[] = { "Peru", "PERU", " peru ", "Per\xc3\xba", "PER\xc3\x9a" };

static void write_csv(const char *path)
{
	static const char header[] =
		"timestamp,country_code,last_order_ts,first_order_ts,total_orders,voucher_amount\n";
	struct vo_buf b;
	uint64_t seed = 3;
	int i;

	vo_buf_init(&b, 1u << 20);
	assert_int_equal(vo_buf_add(&b, header, strlen(header)), VO_OK);
	for (i = 0; i < 300; i++) {
		char line[160];
		uint64_t r = vo_test_xorshift(&seed);
		int n;

		if (i % 50 == 7) {
			assert_int_equal(
				vo_buf_add(&b, "2018-08-01, Chile,2018-07-01,2017-01-01,3,880\n",
					   46),
				VO_OK);
			continue;
		}
		n = snprintf(line, sizeof(line),
			     "2018-08-01 10:00:00,%s,2018-%02d-%02d,2017-01-01,%d,%d\n",
			     spellings[r % VO_ARRAY_SIZE(spellings)], (int)(r >> 8) % 7 + 1,
			     (int)(r >> 16) % 28 + 1, (int)(r >> 24) % 45,
			     (int)((r >> 32) % 4 + 1) * 880);
		assert_int_equal(vo_buf_add(&b, line, (size_t)n), VO_OK);
	}
	vo_test_write_file(path, b.ptr, b.len);
	vo_buf_release(&b);
}

static int setup(void **state)
{
	int rc = vo_test_dir_setup(state);

	if (rc)
		return rc;
	vo_test_path(csv_path, sizeof(csv_path), "orders.csv");
	write_csv(csv_path);
	return 0;
}

/* Shard `shard` of n of the CSV (-c all) into *p, and its bytes into *b. */
static void make_part(uint64_t shard, uint64_t n, struct vo_partial *p, struct vo_buf *b)
{
	static const char *const all[] = { "all" };
	const char *inputs[] = { csv_path, csv_path };
	struct vo_pipeline_options opt;
	struct vo_error err = { 0 };

	memset(&opt, 0, sizeof(opt));
	opt.inputs = inputs;
	opt.ninputs = VO_ARRAY_SIZE(inputs);
	opt.countries = all;
	opt.ncountries = 1;
	opt.threads = 1;
	opt.shard = shard;
	opt.nshards = n;
	if (vo_pipeline_run_partial(&opt, p, &err))
		fail_msg("%s", err.msg);
	vo_buf_init(b, VO_PARTIAL_MAX);
	assert_int_equal(vo_partial_render(p, b), VO_OK);
}

static int parse(const struct vo_buf *b, struct vo_partial *p, struct vo_error *err)
{
	return vo_partial_parse(b->ptr, b->len, "x.part", p, err);
}

static const struct vo_partial_spelling *find_spelling(const struct vo_partial *p, const char *text,
						       size_t len)
{
	size_t c;
	size_t s;

	for (c = 0; c < p->ncty; c++)
		for (s = 0; s < p->cty[c].nspellings; s++)
			if (p->cty[c].spellings[s].len == len &&
			    !memcmp(p->cty[c].spellings[s].text, text, len))
				return &p->cty[c].spellings[s];
	return NULL;
}

static void test_round_trip(void **state)
{
	struct vo_error err = { 0 };
	struct vo_partial p;
	struct vo_partial q;
	struct vo_buf a;
	struct vo_buf b;

	(void)state;
	make_part(0, 1, &p, &a);
	assert_int_equal(parse(&a, &q, &err), VO_OK);
	assert_string_equal(q.fingerprint, p.fingerprint);
	assert_int_equal(q.nfiles, 2);
	assert_int_equal(q.nsources, 2);
	assert_true(q.sources[0].hashed && q.sources[1].hashed);
	assert_int_equal(q.quality.rows_read, 600);
	vo_buf_init(&b, VO_PARTIAL_MAX);
	assert_int_equal(vo_partial_render(&q, &b), VO_OK);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.ptr, a.ptr, a.len);
	/* The spellings, byte for byte: two that differ only in Unicode case, one trimmed. */
	assert_non_null(find_spelling(&q, "Per\xc3\xba", 5));
	assert_non_null(find_spelling(&q, "PER\xc3\x9a", 5));
	assert_non_null(find_spelling(&q, "Chile", 5));
	assert_non_null(find_spelling(&q, "PERU", 4));
	assert_null(find_spelling(&q, " peru ", 6)); /* trimmed, as the cleaner reads it */
	vo_partial_release(&q);
	vo_partial_release(&p);
	vo_buf_release(&a);
	vo_buf_release(&b);
}

static void test_shards(void **state)
{
	struct vo_error err = { 0 };
	struct vo_partial p;
	struct vo_partial q;
	struct vo_buf a;

	(void)state;
	/* Two CSV files, two units: shard 1 of 2 reads the second, and hashes it. */
	make_part(1, 2, &p, &a);
	assert_int_equal(parse(&a, &q, &err), VO_OK);
	assert_int_equal(q.shard, 1);
	assert_int_equal(q.nshards, 2);
	assert_int_equal(q.nsources, 1);
	assert_int_equal(q.sources[0].file, 1);
	assert_true(q.sources[0].hashed);
	vo_partial_release(&q);
	vo_partial_release(&p);
	vo_buf_release(&a);
	/* Shard 0 of 3 of two units ([0, 2/3)) reads nothing: a valid, empty part. */
	make_part(0, 3, &p, &a);
	assert_int_equal(parse(&a, &q, &err), VO_OK);
	assert_int_equal(q.nsources, 0);
	assert_int_equal(q.quality.rows_read, 0);
	assert_int_equal(q.ncty, 0);
	vo_partial_release(&q);
	vo_partial_release(&p);
	vo_buf_release(&a);
}

static void test_damage(void **state)
{
	struct vo_error err;
	struct vo_partial p;
	struct vo_partial q;
	struct vo_buf a;
	size_t i;

	(void)state;
	make_part(0, 1, &p, &a);
	for (i = 0; i < a.len; i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(vo_partial_parse(a.ptr, i, "x.part", &q, &err), VO_EFORMAT);
		vo_partial_release(&q);
		if (i && !strstr(err.msg, "truncated"))
			fail_msg("%zu bytes: %s", i, err.msg);
	}
	for (i = 0; i < a.len * 8; i++) {
		a.ptr[i / 8] = (char)(a.ptr[i / 8] ^ (1 << (i % 8)));
		memset(&err, 0, sizeof(err));
		if (vo_partial_parse(a.ptr, a.len, "x.part", &q, &err) != VO_EFORMAT)
			fail_msg("bit %zu flipped: accepted", i);
		vo_partial_release(&q);
		a.ptr[i / 8] = (char)(a.ptr[i / 8] ^ (1 << (i % 8)));
	}
	assert_int_equal(parse(&a, &q, &err), VO_OK);
	vo_partial_release(&q);
	memcpy(a.ptr, "vouch-partial/2\n", 16);
	assert_int_equal(parse(&a, &q, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "x.part: format vouch-partial/2, but this vouch reads"));
	vo_partial_release(&q);
	assert_int_equal(vo_partial_parse("{\"format\":1}", 12, "x.part", &q, &err), VO_EFORMAT);
	assert_non_null(strstr(err.msg, "not a vouch partial result"));
	vo_partial_release(&q);
	vo_partial_release(&p);
	vo_buf_release(&a);
}

/* Renders p (a right digest over wrong content) and expects the reader to say want. */
static void expect_refused(struct vo_partial *p, const char *want)
{
	struct vo_error err = { 0 };
	struct vo_partial q;
	struct vo_buf b;

	vo_buf_init(&b, VO_PARTIAL_MAX);
	assert_int_equal(vo_partial_render(p, &b), VO_OK);
	if (parse(&b, &q, &err) != VO_EFORMAT)
		fail_msg("accepted, want '%s'", want);
	if (!strstr(err.msg, "x.part: at byte ") || !strstr(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
	vo_partial_release(&q);
	vo_buf_release(&b);
}

static void test_inconsistent(void **state)
{
	struct vo_partial p;
	struct vo_buf a;
	size_t key_len;
	char *key;

	(void)state;
	make_part(0, 1, &p, &a);
	assert_true(p.ncty >= 2);
	p.quality.rows_read++;
	expect_refused(&p, "quality figures that do not add up");
	p.quality.rows_read--;
	p.sources[1].rows++;
	expect_refused(&p, "the sources hold");
	p.sources[1].rows--;
	p.sources[1].hashed = false;
	expect_refused(&p, "the digest of");
	p.sources[1].hashed = true;
	p.sources[1].count = 2;
	expect_refused(&p, "outside the 1 units");
	p.sources[1].count = 1;
	p.cty[0].slots[0].v[0].rows++;
	expect_refused(&p, "the countries hold");
	p.cty[0].slots[0].v[0].rows--;
	p.cty[0].outside[0] += p.quality.rows_read;
	expect_refused(&p, "holds");
	p.cty[0].outside[0] -= p.quality.rows_read;
	key = p.cty[1].key;
	key_len = p.cty[1].key_len;
	p.cty[1].key = p.cty[0].key;
	p.cty[1].key_len = p.cty[0].key_len;
	expect_refused(&p, "twice");
	p.cty[1].key = key;
	p.cty[1].key_len = key_len;
	p.shard = 1;
	expect_refused(&p, "shard 1 of 1");
	p.shard = 0;
	p.files[0].units = 2;
	expect_refused(&p, "work units");
	p.files[0].units = 1;
	vo_partial_release(&p);
	vo_buf_release(&a);
}

static void test_describe(void **state)
{
	struct vo_partial p;
	struct vo_buf a;
	struct vo_buf d;

	(void)state;
	make_part(0, 1, &p, &a);
	vo_buf_init(&d, 1u << 20);
	assert_int_equal(vo_partial_describe(&p, &d), VO_OK);
	assert_non_null(strstr(d.ptr, "format: vouch-partial/1\nshard: 0 of 1\n"));
	/* Bytes outside printable ASCII are escaped. */
	assert_non_null(strstr(d.ptr, "spelling 'Per\\xc3\\xba'"));
	assert_non_null(strstr(d.ptr, "spelling 'Chile'"));
	vo_buf_release(&d);
	vo_partial_release(&p);
	vo_buf_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_shards),
		cmocka_unit_test(test_damage),	   cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, setup, vo_test_dir_teardown);
}
