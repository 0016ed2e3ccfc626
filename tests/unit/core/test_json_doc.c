/*
 * test_json_doc.c - the strict JSON parser of request bodies (core/json_doc.h):
 * the node layout, every RFC 8259 rule it enforces with the fault and byte
 * offset it reports, strings with NUL bytes and escapes, UTF-8 validity,
 * numbers kept as text, the nesting and value limits, and reuse without
 * allocation.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/json_doc.h"
#include "core/limits.h"

static struct vo_json_doc doc;

static int setup(void **state)
{
	(void)state;
	vo_json_doc_init(&doc, 1000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vo_json_doc_release(&doc);
	return 0;
}

static void ok(const char *text, size_t len)
{
	struct vo_json_doc_error err;

	memset(&err, 0, sizeof(err));
	if (vo_json_doc_parse(&doc, text, len, &err) != VO_OK)
		fail_msg("'%.*s' refused: %s at %zu", (int)len, text,
			 vo_json_doc_fault_text(err.fault), err.offset);
}

static void okz(const char *text)
{
	ok(text, strlen(text));
}

/* The text is refused with fault at offset. */
static void bad(const char *text, size_t len, enum vo_json_doc_fault fault, size_t offset)
{
	struct vo_json_doc_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = vo_json_doc_parse(&doc, text, len, &err);
	if (rc != VO_EFORMAT)
		fail_msg("'%.*s': rc %d, want VO_EFORMAT", (int)len, text, rc);
	if (err.fault != fault || err.offset != offset)
		fail_msg("'%.*s': %s at %zu, want %s at %zu", (int)len, text,
			 vo_json_doc_fault_text(err.fault), err.offset,
			 vo_json_doc_fault_text(fault), offset);
	assert_int_equal(doc.n, 0);
}

static void badz(const char *text, enum vo_json_doc_fault fault, size_t offset)
{
	bad(text, strlen(text), fault, offset);
}

static void test_layout(void **state)
{
	const struct vo_json_node *n;
	size_t count = 0;

	(void)state;
	okz(" {\"a\": [1, {\"b\": null}, []], \"c\": \"x\", \"a\": true} ");
	assert_int_equal(doc.n, 8);
	n = doc.nodes;
	assert_int_equal(n[0].type, VO_JSON_OBJECT);
	assert_int_equal(n[0].len, 3); /* duplicate names are kept */
	assert_int_equal(n[0].end, 8);
	assert_int_equal(n[1].type, VO_JSON_ARRAY);
	assert_true(vo_str_eq_cstr(vo_json_name(&n[1]), "a"));
	assert_int_equal(n[1].len, 3);
	assert_int_equal(n[1].end, 6);
	assert_int_equal(n[2].type, VO_JSON_NUMBER);
	assert_null(n[2].key);
	assert_int_equal(n[3].type, VO_JSON_OBJECT);
	assert_int_equal(n[3].end, 5);
	assert_int_equal(n[4].type, VO_JSON_NULL);
	assert_true(vo_str_eq_cstr(vo_json_name(&n[4]), "b"));
	assert_int_equal(n[5].type, VO_JSON_ARRAY);
	assert_int_equal(n[5].len, 0);
	assert_int_equal(n[5].end, 6);
	assert_int_equal(n[6].type, VO_JSON_STRING);
	assert_true(vo_str_eq_cstr(vo_json_view(&n[6]), "x"));
	assert_int_equal(n[7].type, VO_JSON_TRUE);
	vo_json_each(&doc, 0, i)
	{
		count++;
		assert_non_null(doc.nodes[i].key);
	}
	assert_int_equal(count, 3);
	/* every kind of top-level value */
	okz("0");
	assert_int_equal(doc.nodes[0].type, VO_JSON_NUMBER);
	okz("\"\"");
	assert_int_equal(doc.nodes[0].len, 0);
	okz("false");
	assert_int_equal(doc.nodes[0].type, VO_JSON_FALSE);
	okz("null");
	okz("\t\r\n[ ]\n");
	assert_int_equal(doc.nodes[0].len, 0);
	okz("{}");
	assert_int_equal(doc.nodes[0].end, 1);
}

static void test_strings(void **state)
{
	static const char nul_in[] = "\"Peru\\u0000zzz\"";
	const struct vo_json_node *n;

	(void)state;
	/* \u0000 is a NUL byte inside the string; nothing is cut */
	okz(nul_in);
	n = &doc.nodes[0];
	assert_int_equal(n->len, 8);
	assert_memory_equal(n->ptr, "Peru\0zzz", 8);
	/* a name with an escaped NUL is that name, not its prefix */
	okz("{\"total_orders\\u0000x\":1}");
	assert_int_equal(doc.nodes[1].key_len, 14);
	assert_memory_equal(doc.nodes[1].key, "total_orders\0x", 14);
	/* every escape */
	okz("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u20AC\\ud83d\\ude00\"");
	n = &doc.nodes[0];
	assert_int_equal(n->len, 8 + 2 + 3 + 4);
	assert_memory_equal(n->ptr, "\"\\/\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 17);
	/* a string without escapes points into the text */
	{
		static const char text[] = "[\"plain\", \"esc\\n\", \"after\"]";

		okz(text);
		assert_ptr_equal(doc.nodes[1].ptr, text + 2);
		assert_true(vo_str_eq_cstr(vo_json_view(&doc.nodes[2]), "esc\n"));
		assert_true(vo_str_eq_cstr(vo_json_view(&doc.nodes[3]), "after"));
	}
	/* raw UTF-8 of every length */
	okz("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\xed\x9f\xbf\"");
	assert_int_equal(doc.nodes[0].len, 16);

	badz("\"abc", VO_JSON_DOC_UNTERMINATED, 0);
	badz("[\"abc\\\"]", VO_JSON_DOC_UNTERMINATED, 1);
	badz("\"a\\", VO_JSON_DOC_UNTERMINATED, 0);
	badz("\"a\x01\"", VO_JSON_DOC_CONTROL_CHARACTER, 2);
	badz("\"a\\n\x1f\"", VO_JSON_DOC_CONTROL_CHARACTER, 4);
	bad("\"a\0b\"", 5, VO_JSON_DOC_CONTROL_CHARACTER, 2);
	badz("\"\\x\"", VO_JSON_DOC_BAD_ESCAPE, 1);
	badz("\"\\'\"", VO_JSON_DOC_BAD_ESCAPE, 1);
	badz("\"\\u12\"", VO_JSON_DOC_BAD_UNICODE_ESCAPE, 1);
	badz("\"\\u12g4\"", VO_JSON_DOC_BAD_UNICODE_ESCAPE, 1);
	badz("\"\\ud800\"", VO_JSON_DOC_BAD_UNICODE_ESCAPE, 1); /* lone high surrogate */
	badz("\"\\ud800\\u0041\"", VO_JSON_DOC_BAD_UNICODE_ESCAPE,
	     1);						 /* not followed by a low one */
	badz("\"x\\udc00\"", VO_JSON_DOC_BAD_UNICODE_ESCAPE, 2); /* lone low surrogate */
	badz("\"\xff\"", VO_JSON_DOC_BAD_UTF8, 1);
	badz("\"\xc0\xaf\"", VO_JSON_DOC_BAD_UTF8, 1);	       /* overlong '/' */
	badz("\"\xe0\x80\xaf\"", VO_JSON_DOC_BAD_UTF8, 1);     /* overlong, 3 bytes */
	badz("\"\xed\xa0\x80\"", VO_JSON_DOC_BAD_UTF8, 1);     /* encoded surrogate */
	badz("\"\xf4\x90\x80\x80\"", VO_JSON_DOC_BAD_UTF8, 1); /* past U+10FFFF */
	badz("\"\xf5\x80\x80\x80\"", VO_JSON_DOC_BAD_UTF8, 1);
	badz("\"ab\xc3\"", VO_JSON_DOC_BAD_UTF8, 3);		/* cut sequence */
	badz("\"\\n\xe2\x82\"", VO_JSON_DOC_BAD_UTF8, 3);	/* cut, after an escape */
	badz("\"\x80\"", VO_JSON_DOC_BAD_UTF8, 1);		/* a continuation byte first */
	badz("\xef\xbb\xbf{}", VO_JSON_DOC_EXPECTING_VALUE, 0); /* byte order mark */
}

static void test_numbers(void **state)
{
	static const char *const good[] = {
		"0",
		"-0",
		"1",
		"-1",
		"10",
		"0.5",
		"-0.5",
		"1e5",
		"1E5",
		"1e+5",
		"1e-5",
		"0e0",
		"12.50",
		"1.5E-3",
		"9223372036854775807",
		"18446744073709551616",
		"1e400",
		"-1e-400",
	};
	/* a number ends where the grammar stops reading it, as in Python's json */
	static const struct {
		const char *text;
		enum vo_json_doc_fault fault;
		size_t at;
	} wrong[] = {
		{ "01", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ "-01", VO_JSON_DOC_EXTRA_DATA, 2 },
		{ "00", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ "5.", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ "5.e3", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ ".5", VO_JSON_DOC_EXPECTING_VALUE, 0 },
		{ "-", VO_JSON_DOC_EXPECTING_VALUE, 0 },
		{ "-a", VO_JSON_DOC_EXPECTING_VALUE, 0 },
		{ "1e", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ "1e+", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ "1E-", VO_JSON_DOC_EXTRA_DATA, 1 },
		{ "+1", VO_JSON_DOC_EXPECTING_VALUE, 0 },
		{ "[1,01]", VO_JSON_DOC_EXPECTING_COMMA, 4 },
		{ "{\"a\":5.}", VO_JSON_DOC_EXPECTING_COMMA, 6 },
		{ "[-]", VO_JSON_DOC_EXPECTING_VALUE, 1 },
		{ "{\"a\":01}", VO_JSON_DOC_EXPECTING_COMMA, 6 },
		{ "[1.5e]", VO_JSON_DOC_EXPECTING_COMMA, 4 },
	};

	(void)state;
	for (size_t i = 0; i < VO_ARRAY_SIZE(good); i++) {
		okz(good[i]);
		assert_int_equal(doc.nodes[0].type, VO_JSON_NUMBER);
		/* the number keeps its exact text */
		assert_true(vo_str_eq_cstr(vo_json_view(&doc.nodes[0]), good[i]));
	}
	okz("-12.5e3");
	assert_int_equal(doc.nodes[0].flags, VO_JSON_NUM_NEG | VO_JSON_NUM_FRAC | VO_JSON_NUM_EXP);
	okz("12");
	assert_int_equal(doc.nodes[0].flags, 0);
	for (size_t i = 0; i < VO_ARRAY_SIZE(wrong); i++)
		badz(wrong[i].text, wrong[i].fault, wrong[i].at);
	badz("NaN", VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("Infinity", VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("-Infinity", VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("0x10", VO_JSON_DOC_EXTRA_DATA, 1);
	badz("1 2", VO_JSON_DOC_EXTRA_DATA, 2);
}

static void test_structure(void **state)
{
	(void)state;
	bad("", 0, VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("   ", VO_JSON_DOC_EXPECTING_VALUE, 3);
	bad(NULL, 0, VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("{", VO_JSON_DOC_EXPECTING_NAME, 1);
	badz("}", VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("{\"a\"}", VO_JSON_DOC_EXPECTING_COLON, 4);
	badz("{\"a\" 1}", VO_JSON_DOC_EXPECTING_COLON, 5);
	badz("{\"a\":}", VO_JSON_DOC_EXPECTING_VALUE, 5);
	badz("{\"a\":1,}", VO_JSON_DOC_EXPECTING_NAME, 7);
	badz("{'a':1}", VO_JSON_DOC_EXPECTING_NAME, 1);
	badz("{a:1}", VO_JSON_DOC_EXPECTING_NAME, 1);
	badz("{\"a\":1 \"b\":2}", VO_JSON_DOC_EXPECTING_COMMA, 7);
	badz("[1,]", VO_JSON_DOC_EXPECTING_VALUE, 3);
	badz("[1 2]", VO_JSON_DOC_EXPECTING_COMMA, 3);
	badz("[1}", VO_JSON_DOC_EXPECTING_COMMA, 2);
	badz("{\"a\":1]", VO_JSON_DOC_EXPECTING_COMMA, 6);
	badz("[", VO_JSON_DOC_EXPECTING_VALUE, 1);
	badz("{}{}", VO_JSON_DOC_EXTRA_DATA, 2);
	badz("{} x", VO_JSON_DOC_EXTRA_DATA, 3);
	badz("tru", VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("[nul]", VO_JSON_DOC_EXPECTING_VALUE, 1);
	badz("truex", VO_JSON_DOC_EXTRA_DATA, 4);
	badz("True", VO_JSON_DOC_EXPECTING_VALUE, 0);
	/* only space, tab, LF and CR are white space; NUL and form feed are not */
	bad("{}\0", 3, VO_JSON_DOC_EXTRA_DATA, 2);
	bad("\0{}", 3, VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("\f{}", VO_JSON_DOC_EXPECTING_VALUE, 0);
	badz("{\v}", VO_JSON_DOC_EXPECTING_NAME, 1);
	/* only len bytes are read */
	ok("{}garbage", 2);
	ok("[1,2]]", 5);
}

static void test_error_position(void **state)
{
	struct vo_json_doc_error err;

	(void)state;
	assert_int_equal(vo_json_doc_parse(&doc, "{\n  \"a\": 1\n  \"b\": 2}", 20, &err),
			 VO_EFORMAT);
	assert_int_equal(err.fault, VO_JSON_DOC_EXPECTING_COMMA);
	assert_int_equal(err.offset, 13);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 3);
	assert_string_equal(vo_json_doc_fault_text(err.fault), "Expecting ',' delimiter");
	assert_int_equal(vo_json_doc_parse(&doc, "[1,2", 4, &err), VO_EFORMAT);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.column, 5);
}

static void test_limits(void **state)
{
	struct vo_json_doc small;
	struct vo_json_doc_error err;
	struct vo_buf deep;
	size_t i;

	(void)state;
	vo_buf_init(&deep, 1u << 20);
	for (i = 0; i < VO_JSON_NESTING_MAX; i++)
		assert_int_equal(vo_buf_addch(&deep, '['), VO_OK);
	for (i = 0; i < VO_JSON_NESTING_MAX; i++)
		assert_int_equal(vo_buf_addch(&deep, ']'), VO_OK);
	vo_json_doc_init(&small, (size_t)2 * VO_JSON_NESTING_MAX);
	assert_int_equal(vo_json_doc_parse(&small, deep.ptr, deep.len, &err), VO_OK);
	assert_int_equal(small.n, VO_JSON_NESTING_MAX);
	assert_int_equal(small.nodes[0].end, VO_JSON_NESTING_MAX);
	/* one more is too deep, wherever it comes */
	vo_buf_reset(&deep);
	for (i = 0; i <= VO_JSON_NESTING_MAX; i++)
		assert_int_equal(vo_buf_addstr(&deep, "{\"a\":"), VO_OK);
	assert_int_equal(vo_json_doc_parse(&small, deep.ptr, deep.len, &err), VO_EFORMAT);
	assert_int_equal(err.fault, VO_JSON_DOC_TOO_DEEP);
	assert_int_equal(err.offset, 5 * VO_JSON_NESTING_MAX);
	vo_buf_reset(&deep);
	for (i = 0; i < 100000; i++)
		assert_int_equal(vo_buf_addch(&deep, '['), VO_OK);
	assert_int_equal(vo_json_doc_parse(&small, deep.ptr, deep.len, &err), VO_EFORMAT);
	assert_int_equal(err.fault, VO_JSON_DOC_TOO_DEEP);
	vo_json_doc_release(&small);

	/* at most max_nodes values */
	vo_json_doc_init(&small, 3);
	assert_int_equal(vo_json_doc_parse(&small, "[1,2]", 5, &err), VO_OK);
	assert_int_equal(vo_json_doc_parse(&small, "[1,2,3]", 7, &err), VO_ELIMIT);
	assert_int_equal(err.fault, VO_JSON_DOC_TOO_MANY_VALUES);
	assert_int_equal(small.n, 0);
	vo_json_doc_release(&small);
	vo_buf_release(&deep);
}

static void test_reuse(void **state)
{
	static const char body[] =
		"{\"customer_id\": 123, \"country_code\": \"Peru\", \"last_order_ts\": "
		"\"2018-05-03 "
		"00:00:00\", \"first_order_ts\": \"2017-05-03 00:00:00\", \"total_orders\": 15, "
		"\"segment_name\": \"recency_\\u0073egment\"}";
	struct vo_json_doc d;
	uint64_t before;
	int i;

	(void)state;
	vo_json_doc_init(&d, VO_API_JSON_VALUES_MAX);
	assert_int_equal(vo_json_doc_parse(&d, body, sizeof(body) - 1, NULL), VO_OK);
	/* once warm, a parse of the same size allocates nothing */
	before = vo_alloc_count();
	for (i = 0; i < 100; i++)
		assert_int_equal(vo_json_doc_parse(&d, body, sizeof(body) - 1, NULL), VO_OK);
	assert_int_equal(vo_alloc_count(), before);
	assert_true(vo_str_eq_cstr(vo_json_view(&d.nodes[6]), "recency_segment"));
	/* trim keeps small arrays and frees big ones */
	vo_json_doc_trim(&d, 1u << 20);
	assert_non_null(d.nodes);
	vo_json_doc_trim(&d, 8);
	assert_null(d.nodes);
	assert_null(d.scratch);
	assert_int_equal(vo_json_doc_parse(&d, body, sizeof(body) - 1, NULL), VO_OK);
	/* allocation failures are VO_ENOMEM, never a wrong verdict */
	vo_json_doc_release(&d);
	for (uint64_t n = 1; n <= 2; n++) {
		vo_alloc_fail_at(n);
		assert_int_equal(vo_json_doc_parse(&d, body, sizeof(body) - 1, NULL), VO_ENOMEM);
		vo_alloc_fail_at(0);
		vo_json_doc_release(&d);
	}
	vo_json_doc_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),	       cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),	       cmocka_unit_test(test_structure),
		cmocka_unit_test(test_error_position), cmocka_unit_test(test_limits),
		cmocka_unit_test(test_reuse),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
