/*
 * test_json_read.c - the one JSON reader (core/json_read.h) and the one
 * integer parser (vo_str_to_u64, core/str.h): what vo_json_parse() refuses
 * beyond cJSON (control bytes, trailing text) and where it says the fault
 * is; out of memory told from bad JSON; the key path in every message; the
 * getters' types and the whole-number rule.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/json_read.h"
#include "core/str.h"

static void test_parse_faults(void **state)
{
	static const struct {
		const char *text;
		int rc;
		enum vo_json_fault fault;
		size_t at;
	} cases[] = {
		{ "{\"a\": 1}", VO_OK, VO_JSON_SYNTAX, 0 },
		{ " \t\r\n[1, 2]\n\n", VO_OK, VO_JSON_SYNTAX, 0 },
		{ "{\"a\": 1} x", VO_EFORMAT, VO_JSON_TRAILING, 9 },
		{ "{\"a\": 1}{}", VO_EFORMAT, VO_JSON_TRAILING, 8 },
		{ "{\"a\": \x01 1}", VO_EFORMAT, VO_JSON_CONTROL, 6 },
		{ "{\"a\": \"x\x1fy\"}", VO_EFORMAT, VO_JSON_CONTROL, 8 },
		{ "{\"a\": 1\f}", VO_EFORMAT, VO_JSON_CONTROL, 7 },
		{ "{\"a\": }", VO_EFORMAT, VO_JSON_SYNTAX, 6 },
		{ "", VO_EFORMAT, VO_JSON_SYNTAX, 0 },
	};
	struct vo_json_error why;
	cJSON *doc;
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(cases); i++) {
		int rc = vo_json_parse(cases[i].text, strlen(cases[i].text), &doc, &why);

		if (rc != cases[i].rc)
			fail_msg("case %zu: %d, want %d", i, rc, cases[i].rc);
		if (rc) {
			assert_null(doc);
			assert_int_equal(why.fault, cases[i].fault);
			if (cases[i].fault != VO_JSON_SYNTAX || cases[i].at)
				assert_int_equal(why.at, cases[i].at);
		} else {
			assert_non_null(doc);
		}
		cJSON_Delete(doc);
	}
	/* A NUL inside the length is a control byte, not the end of the text. */
	assert_int_equal(vo_json_parse("{}\0{}", 5, &doc, &why), VO_EFORMAT);
	assert_int_equal(why.fault, VO_JSON_CONTROL);
	assert_int_equal(why.at, 2);
}

static void test_out_of_memory(void **state)
{
	static const char text[] = "{\"a\": [1, 2, {\"b\": \"c\"}], \"d\": \"e\"}";
	struct vo_error err = { 0 };
	struct vo_jread r;
	cJSON *doc;
	int rc;

	(void)state;
	vo_jread_init(&r, "x.json", &err);
	vo_alloc_fail_at(1);
	rc = vo_jread_parse(&r, text, strlen(text), 0, &doc);
	vo_alloc_fail_at(0);
	assert_int_equal(rc, VO_ENOMEM);
	assert_null(doc);
	assert_string_equal(err.msg, "x.json: out of memory");
	/* Larger than the cap is VO_ELIMIT before anything is parsed. */
	assert_int_equal(vo_jread_parse(&r, text, strlen(text), 8, &doc), VO_ELIMIT);
	assert_non_null(strstr(err.msg, "x.json: larger than 8 bytes"));
}

static void test_paths_and_getters(void **state)
{
	static const char text[] =
		"{\"n\": 3, \"f\": 1.5, \"neg\": -1, \"big\": 9007199254740994, \"max\": "
		"9007199254740992, \"s\": \"hi\", \"e\": \"\", \"o\": {\"k\": [true, {\"z\": "
		"null}]}}";
	static const char *const okeys[] = { "k" };
	static const char *const wrong[] = { "k", "q" };
	struct vo_error err = { 0 };
	const char *s = NULL;
	struct vo_jread r;
	uint64_t v = 0;
	size_t mark;
	size_t mark2;
	cJSON *doc;

	(void)state;
	vo_jread_init(&r, "doc.json", &err);
	assert_int_equal(vo_jread_parse(&r, text, strlen(text), 0, &doc), VO_OK);
	assert_int_equal(vo_jread_u64(&r, doc, "n", &v), VO_OK);
	assert_int_equal(v, 3);
	assert_int_equal(vo_jread_u64(&r, doc, "max", &v), VO_OK);
	assert_int_equal(v, VO_JSON_WHOLE_MAX);
	assert_int_equal(vo_jread_u64(&r, doc, "f", &v), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: f: expected a whole number >= 0");
	assert_int_equal(vo_jread_u64(&r, doc, "neg", &v), VO_EFORMAT);
	assert_int_equal(vo_jread_u64(&r, doc, "big", &v), VO_EFORMAT);
	assert_int_equal(vo_jread_u64(&r, doc, "s", &v), VO_EFORMAT);
	assert_int_equal(vo_jread_u64(&r, doc, "nope", &v), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: key 'nope' is missing");
	assert_int_equal(vo_jread_str(&r, doc, "s", 8, &s), VO_OK);
	assert_string_equal(s, "hi");
	assert_int_equal(vo_jread_str(&r, doc, "s", 1, &s), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: s: expected a non-empty string of at most 1 bytes");
	assert_int_equal(vo_jread_str(&r, doc, "e", 8, &s), VO_EFORMAT);
	assert_int_equal(vo_jread_str(&r, doc, "n", 8, &s), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: n: expected a string, not a number");

	/* Paths nest and unwind. */
	mark = vo_jread_enter(&r, "o");
	assert_int_equal(vo_jread_keys(&r, cJSON_GetObjectItemCaseSensitive(doc, "o"), okeys, 1),
			 VO_OK);
	assert_int_equal(vo_jread_keys(&r, cJSON_GetObjectItemCaseSensitive(doc, "o"), wrong, 2),
			 VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: o: key 'q' is missing");
	assert_int_equal(vo_jread_keys(&r, cJSON_GetObjectItemCaseSensitive(doc, "o"), wrong, 0),
			 VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: o: unexpected key 'k'");
	mark2 = vo_jread_enter(&r, "k");
	vo_jread_enter_index(&r, 1);
	assert_int_equal(vo_jread_fail_at(&r, "z", "expected %s", "something"), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: o.k[1].z: expected something");
	vo_jread_leave(&r, mark2);
	assert_int_equal(vo_jread_array(&r, doc), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: o: expected an array, not an object");
	vo_jread_leave(&r, mark);
	assert_int_equal(vo_jread_fail(&r, "top"), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: top");
	cJSON_Delete(doc);

	/* A key given twice. */
	assert_int_equal(vo_jread_parse(&r, "{\"a\": 1, \"a\": 2}", 16, 0, &doc), VO_OK);
	assert_int_equal(vo_jread_unique(&r, doc), VO_EFORMAT);
	assert_string_equal(err.msg, "doc.json: key 'a' appears twice");
	assert_int_equal(vo_jread_keys(&r, doc, okeys, 0), VO_EFORMAT);
	cJSON_Delete(doc);
}

static void test_integer_parser(void **state)
{
	static const struct {
		const char *s;
		uint64_t max;
		bool ok;
		uint64_t v;
	} cases[] = {
		{ "0", UINT64_MAX, true, 0 },
		{ "007", UINT64_MAX, true, 7 },
		{ "18446744073709551615", UINT64_MAX, true, UINT64_MAX },
		{ "18446744073709551616", UINT64_MAX, false, 0 },
		{ "99999999999999999999999", UINT64_MAX, false, 0 },
		{ "65535", 65535, true, 65535 },
		{ "65536", 65535, false, 0 },
		{ "", UINT64_MAX, false, 0 },
		{ "-1", UINT64_MAX, false, 0 },
		{ "+1", UINT64_MAX, false, 0 },
		{ " 1", UINT64_MAX, false, 0 },
		{ "1 ", UINT64_MAX, false, 0 },
		{ "1x", UINT64_MAX, false, 0 },
		{ "0x10", UINT64_MAX, false, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < VO_ARRAY_SIZE(cases); i++) {
		uint64_t v = 12345;
		bool ok = vo_str_to_u64(vo_str_cstr(cases[i].s), cases[i].max, &v);

		if (ok != cases[i].ok)
			fail_msg("'%s': %d, want %d", cases[i].s, ok, cases[i].ok);
		assert_int_equal(v, ok ? cases[i].v : 12345);
	}
	/* A view, not a C string: the digits after len are not read. */
	{
		uint64_t v = 0;

		assert_true(vo_str_to_u64(vo_str_make("1234", 2), UINT64_MAX, &v));
		assert_int_equal(v, 12);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_faults),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_paths_and_getters),
		cmocka_unit_test(test_integer_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
