/*
 * test_segdef.c - segment definitions (model/segdef.h): the defaults of
 * SPEC section 3, the --segments-config file in both its forms, its errors
 * with the key path named, and the one reader's two forms (the artifact's
 * exact one and the config's looser one).
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

#include "core/json_read.h"
#include "model/segdef.h"

static void test_defaults(void **state)
{
	struct vo_segconfig cfg;

	(void)state;
	assert_int_equal(vo_segconfig_default(&cfg), VO_OK);
	assert_int_equal(cfg.nsegs, 2);
	assert_int_equal(cfg.ncells, 8);
	assert_string_equal(cfg.segs[0].name, "frequent_segment");
	assert_int_equal(cfg.segs[0].field, VO_FIELD_TOTAL_ORDERS);
	assert_int_equal(vo_segdef_find(&cfg.segs[0], 4), 0);
	assert_int_equal(vo_segdef_find(&cfg.segs[0], 5), 1);
	assert_int_equal(vo_segdef_find(&cfg.segs[0], 37), 2);
	assert_int_equal(vo_segdef_find(&cfg.segs[0], 38), -1);
	assert_string_equal(cfg.segs[1].buckets[4].name, "180+");
	assert_int_equal(vo_segdef_find(&cfg.segs[1], 29), -1);
	assert_int_equal(vo_segdef_find(&cfg.segs[1], 30), 0);
	assert_int_equal(vo_segdef_find(&cfg.segs[1], 180), 3);
	assert_int_equal(vo_segdef_find(&cfg.segs[1], 181), 4);
	assert_int_equal(vo_segdef_find(&cfg.segs[1], 100000), 4);
	assert_int_equal(cfg.segs[1].cell_base, 3);
	vo_segconfig_release(&cfg);
}

static int parse(const char *json, struct vo_segconfig *cfg, struct vo_error *err)
{
	return vo_segconfig_parse(cfg, json, strlen(json), "cfg.json", err);
}

static void test_config_file(void **state)
{
	struct vo_segconfig cfg;
	struct vo_error err;

	(void)state;
	assert_int_equal(
		parse("{\"segments\": {\"big\": {\"field\": \"total_orders\", \"buckets\": "
		      "[{\"min\": 0, \"max\": 9}, {\"name\": \"many\", \"min\": 10}]}}}",
		      &cfg, &err),
		VO_OK);
	assert_int_equal(cfg.nsegs, 1);
	assert_string_equal(cfg.segs[0].buckets[0].name, "0-9");
	assert_string_equal(cfg.segs[0].buckets[1].name, "many");
	assert_true(cfg.segs[0].buckets[1].open);
	vo_segconfig_release(&cfg);

	assert_int_equal(
		parse("{\"segments\": [{\"name\": \"r\", \"field\": \"days_since_last_order\","
		      " \"buckets\": [{\"min\": 1, \"max\": null}]}]}",
		      &cfg, &err),
		VO_OK);
	assert_string_equal(cfg.segs[0].buckets[0].name, "1+");
	vo_segconfig_release(&cfg);
}

static void test_config_errors(void **state)
{
	static const struct {
		const char *json;
		const char *msg;
	} bad[] = {
		{ "{", "not valid JSON" },
		{ "[]", "'segments'" },
		{ "{\"segments\": {}}", "1 to" },
		{ "{\"segments\": {\"s\": {\"field\": \"x\", \"buckets\": [{\"min\": 0}]}}}",
		  "segments.s.field: expected \"total_orders\"" },
		{ "{\"segments\": {\"s\": {\"field\": \"total_orders\", \"buckets\": []}}}",
		  "segments.s.buckets: expected an array of 1 to" },
		{ "{\"segments\": {\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"min\": "
		  "-1}]}}}",
		  "segments.s.buckets[0].min: expected a whole number >= 0" },
		{ "{\"segments\": {\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"min\": "
		  "1.5}]}}}",
		  "segments.s.buckets[0].min: expected a whole number >= 0" },
		{ "{\"segments\": {\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"min\": 5, "
		  "\"max\": 4}]}}}",
		  "segments.s.buckets[0].max: expected null or a whole number >= min" },
		{ "{\"segments\": {\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"min\": 0, "
		  "\"max\": 5}, {\"min\": 5, \"max\": 9}]}}}",
		  "overlap" },
		{ "{\"segments\": {\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"name\": "
		  "\"a\", "
		  "\"min\": 0, \"max\": 1}, {\"name\": \"a\", \"min\": 2, \"max\": 3}]}}}",
		  "twice" },
		{ "{\"segments\": [{\"name\": \"s\", \"field\": \"total_orders\", \"buckets\": "
		  "[{\"min\": "
		  "0}]}, {\"name\": \"s\", \"field\": \"total_orders\", \"buckets\": [{\"min\": "
		  "0}]}]}",
		  "twice" },
	};
	struct vo_segconfig cfg;
	struct vo_error err;
	size_t i;

	(void)state;
	/* Names the artifact cannot carry as distinct keys (issue 14, item 13). */
	{
		static const char *const names[] = {
			"{\"segments\": [{\"name\": \"s\", \"field\": \"total_orders\", "
			"\"buckets\": "
			"[{\"name\": \"b\xfa\", \"min\": 0}]}]}",
			"{\"segments\": [{\"name\": \"s\xf9\", \"field\": \"total_orders\", "
			"\"buckets\": [{\"min\": 0}]}]}",
			"{\"segments\": {\"s\xf9\": {\"field\": \"total_orders\", \"buckets\": "
			"[{\"min\": 0}]}}}",
			"{\"segments\": {\"s\\u0000x\": {\"field\": \"total_orders\", \"buckets\": "
			"[{\"min\": 0}]}}}",
		};
		static const char *const want[] = {
			"cfg.json: segments[0].buckets[0].name: the bucket name is not valid UTF-8 "
			"(byte 0xfa at offset 1)",
			"cfg.json: segments[0].name: the segment name is not valid UTF-8",
			"cfg.json: segments: the segment name is not valid UTF-8",
			"cfg.json: a string holds \\u0000 (at byte 16): names cannot hold a NUL",
		};

		for (i = 0; i < VO_ARRAY_SIZE(names); i++) {
			vo_error_clear(&err);
			assert_int_not_equal(parse(names[i], &cfg, &err), VO_OK);
			if (!strstr(err.msg, want[i]))
				fail_msg("name %zu: message '%s' lacks '%s'", i, err.msg, want[i]);
		}
	}
	for (i = 0; i < VO_ARRAY_SIZE(bad); i++) {
		vo_error_clear(&err);
		if (parse(bad[i].json, &cfg, &err) == VO_OK)
			fail_msg("config %zu should be refused", i);
		assert_int_equal(cfg.nsegs, 0);
		if (!strstr(err.msg, bad[i].msg) || !strstr(err.msg, "cfg.json"))
			fail_msg("config %zu: message '%s' lacks '%s'", i, err.msg, bad[i].msg);
	}
}

/* The artifact's form is exact: what a config may leave out, an artifact may not. */
static void test_artifact_form(void **state)
{
	static const struct {
		const char *json;
		const char *msg; /* NULL: accepted in both forms */
	} cases[] = {
		{ "{\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"name\": \"a\", \"min\": "
		  "0, "
		  "\"max\": null}]}}",
		  NULL },
		{ "{\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"min\": 0, \"max\": 4}]}}",
		  "segments.s.buckets[0]: key 'name' is missing" },
		{ "{\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"name\": \"a\", \"min\": "
		  "0}]}}",
		  "segments.s.buckets[0]: key 'max' is missing" },
		{ "{\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"name\": \"a\", \"min\": "
		  "0, "
		  "\"max\": 1, \"x\": 1}]}}",
		  "segments.s.buckets[0]: unexpected key 'x'" },
		{ "{\"s\": {\"field\": \"total_orders\", \"buckets\": [{\"name\": \"a\", \"min\": "
		  "0, "
		  "\"max\": 1}], \"note\": \"\"}}",
		  "segments.s: unexpected key 'note'" },
		{ "[{\"name\": \"s\", \"field\": \"total_orders\", \"buckets\": [{\"min\": 0}]}]",
		  "cfg.json: segments: expected an object, not an array" },
	};
	struct vo_segconfig cfg;
	struct vo_error err;
	struct vo_jread r;
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(cases); i++) {
		cJSON *v = cJSON_Parse(cases[i].json);
		size_t mark;
		int rc;

		assert_non_null(v);
		for (int form = 0; form < 2; form++) {
			vo_error_clear(&err);
			vo_jread_init(&r, "cfg.json", &err);
			mark = vo_jread_enter(&r, "segments");
			rc = vo_segconfig_read(&r, v, form ? VO_SEGDEF_CONFIG : VO_SEGDEF_ARTIFACT,
					       &cfg);
			vo_jread_leave(&r, mark);
			assert_int_equal(r.len, 0);
			if (form || !cases[i].msg) {
				if (rc != VO_OK)
					fail_msg("case %zu, form %d: %s", i, form, err.msg);
				assert_int_equal(cfg.nsegs, 1);
				vo_segconfig_release(&cfg);
				continue;
			}
			assert_int_equal(rc, VO_EFORMAT);
			assert_int_equal(cfg.nsegs, 0);
			if (!strstr(err.msg, cases[i].msg))
				fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg,
					 cases[i].msg);
		}
		cJSON_Delete(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_config_file),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_artifact_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
