/*
 * test_json_scan.c - the JSON shape scanner: exact counts on small
 * documents (scalars, strings with escaped quotes, empty containers, keys),
 * each limit refused at the byte that passes it, syntax errors left to the
 * parser, and the artifact limits: a real artifact passes, 16 MiB of
 * "[0,0,...]" and its nested and keyed variants are refused in one pass.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/json_scan.h"
#include "core/limits.h"

static const struct vo_json_limits loose = { 64, 1000, 1000, 1000, 1000, 0 };

static struct vo_json_shape scan_ok(const char *text, const struct vo_json_limits *lim)
{
	struct vo_json_shape sh;
	struct vo_error err;

	vo_error_clear(&err);
	if (vo_json_scan(text, strlen(text), lim, &sh, "t.json", &err) != VO_OK)
		fail_msg("'%s' refused: %s", text, err.msg);
	return sh;
}

static void scan_refused(const char *text, const struct vo_json_limits *lim, const char *why)
{
	struct vo_error err;

	vo_error_clear(&err);
	assert_int_equal(vo_json_scan(text, strlen(text), lim, NULL, "t.json", &err), VO_ELIMIT);
	if (!strstr(err.msg, why) || !strstr(err.msg, "t.json: "))
		fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, why);
}

static void test_counts(void **state)
{
	struct vo_json_shape sh;

	(void)state;
	sh = scan_ok("0", &loose);
	assert_int_equal(sh.values, 1);
	assert_int_equal(sh.depth, 0);
	sh = scan_ok(" [ ] ", &loose);
	assert_int_equal(sh.values, 1);
	assert_int_equal(sh.depth, 1);
	assert_int_equal(sh.widest, 0);
	sh = scan_ok("[1, \"a\\\"]\", [], {}, true, null, -1.5e3]", &loose);
	assert_int_equal(sh.values, 8);
	assert_int_equal(sh.depth, 2);
	assert_int_equal(sh.widest, 7);
	sh = scan_ok("{\"a\": {\"b\\\\\": [1, 2, 3]}, \"c\": \"}\"}", &loose);
	assert_int_equal(sh.values, 7);
	assert_int_equal(sh.depth, 3);
	assert_int_equal(sh.widest, 3);
	/* Nodes and strings (key "a", and "xyz") each cost their share. */
	sh = scan_ok("{\"a\":\"xyz\"}", &loose);
	assert_int_equal(sh.values, 2);
	assert_true(sh.tree_bytes >= 2 * VO_JSON_NODE_BYTES + 2 + 4);
}

static void test_limits(void **state)
{
	struct vo_json_limits lim = loose;

	(void)state;
	lim.depth = 2;
	scan_ok("[[1]]", &lim);
	scan_refused("[[[1]]]", &lim, "nested deeper than 2 (at byte 2)");
	lim = loose;
	lim.array_items = 3;
	scan_ok("[1,2,3]", &lim);
	scan_refused("[1,2,3,4]", &lim, "an array of more than 3 elements");
	scan_ok("{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", &lim);
	lim = loose;
	lim.object_items = 2;
	scan_refused("{\"a\":1,\"b\":2,\"c\":3}", &lim, "an object of more than 2 members");
	lim = loose;
	lim.values = 3;
	scan_ok("[1,2]", &lim);
	scan_refused("[1,2,3]", &lim, "more than 3 values");
	lim = loose;
	lim.tree_factor = 20;
	lim.tree_slack = 0;
	scan_ok("{\"name\": \"a longer string value here\"}", &lim);
	scan_refused("[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]", &lim, "too many small values");
}

static void test_syntax_left_to_parser(void **state)
{
	(void)state;
	/* Broken documents pass: the parser stops at the same place and says so. */
	scan_ok("[1,2", &loose);
	scan_ok("{\"a\" 1}", &loose);
	scan_ok("[1 2]", &loose);
	scan_ok("\"unterminated", &loose);
	scan_ok("]", &loose);
	scan_ok("{\"a\":1]", &loose);
	scan_ok("[1] trailing", &loose);
	scan_ok("", &loose);
	scan_ok("[,]", &loose);
}

static void test_artifact_limits(void **state)
{
	const struct vo_json_limits art = {
		VO_ARTIFACT_DEPTH_MAX,	VO_ARTIFACT_ARRAY_MAX,	 VO_ARTIFACT_OBJECT_MAX,
		VO_ARTIFACT_VALUES_MAX, VO_ARTIFACT_TREE_FACTOR, VO_ARTIFACT_TREE_SLACK,
	};
	size_t n = 16u << 20;
	char *big = malloc(n + 64);
	struct vo_error err;
	size_t o;

	(void)state;
	assert_non_null(big);
	/* 16 MiB of [0,0,...]. */
	big[0] = '[';
	for (o = 1; o + 2 < n; o += 2) {
		big[o] = '0';
		big[o + 1] = ',';
	}
	big[o++] = '0';
	big[o++] = ']';
	big[o] = '\0';
	vo_error_clear(&err);
	assert_int_equal(vo_json_scan(big, o, &art, NULL, "v", &err), VO_ELIMIT);
	assert_non_null(strstr(err.msg, "an array of more than"));
	/* The same as arrays of 1000 elements: too many small values. */
	o = 0;
	big[o++] = '[';
	while (o + 4100 < n) {
		big[o++] = '[';
		for (int i = 0; i < 1000; i++) {
			big[o++] = '0';
			big[o++] = ',';
		}
		big[o - 1] = ']';
		big[o++] = ',';
	}
	big[o - 1] = ']';
	big[o] = '\0';
	vo_error_clear(&err);
	assert_int_equal(vo_json_scan(big, o, &art, NULL, "v", &err), VO_ELIMIT);
	assert_non_null(strstr(err.msg, "too many small values"));
	/* And as an object of short keys. */
	o = 0;
	big[o++] = '{';
	for (int i = 0; i < 60000; i++)
		o += (size_t)snprintf(big + o, 32, "\"%d\":0,", i);
	big[o - 1] = '}';
	big[o] = '\0';
	vo_error_clear(&err);
	assert_int_equal(vo_json_scan(big, o, &art, NULL, "v", &err), VO_OK);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_syntax_left_to_parser),
		cmocka_unit_test(test_artifact_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
