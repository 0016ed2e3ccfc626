/*
 * test_fold.c - UTF-8 validation (core/utf8.h) and the case folding of
 * names (core/fold.h): the generated table, the comparison's total order,
 * and the folded copy that is a map key.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "core/fold.h"
#include "core/utf8.h"

static void test_utf8(void **state)
{
	size_t bad = 99;

	(void)state;
	assert_true(vo_utf8_valid(VO_STR_LIT("Per\xc3\xba"), &bad));	  /* Perú */
	assert_true(vo_utf8_valid(VO_STR_LIT("\xf0\x9f\x87\xb5"), NULL)); /* U+1F1F5 */
	assert_false(vo_utf8_valid(VO_STR_LIT("Per\xfa"), &bad));	  /* Latin-1 ú */
	assert_int_equal(bad, 3);
	assert_false(vo_utf8_valid(VO_STR_LIT("a\xc0\xaf"), &bad)); /* overlong '/' */
	assert_int_equal(bad, 1);
	assert_false(vo_utf8_valid(VO_STR_LIT("\xed\xa0\x80"), &bad));	   /* surrogate D800 */
	assert_false(vo_utf8_valid(VO_STR_LIT("\xf4\x90\x80\x80"), &bad)); /* past U+10FFFF */
	assert_false(vo_utf8_valid(VO_STR_LIT("ab\xc3"), &bad));	   /* cut short */
	assert_int_equal(bad, 2);
	for (uint32_t cp = 0; cp <= 0x10ffff; cp += 97) {
		char buf[4];
		uint32_t back = 0;
		size_t n;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = vo_utf8_encode(cp, buf);
		assert_int_equal(vo_utf8_decode((const unsigned char *)buf, n, &back), n);
		assert_int_equal(back, cp);
	}
}

static void test_table(void **state)
{
	size_t i;

	(void)state;
	/* Generated from CaseFolding.txt: ascending, and folding is idempotent. */
	assert_true(vo__fold_npairs > 1000);
	for (i = 1; i < vo__fold_npairs; i++)
		assert_true(vo__fold_pairs[i - 1][0] < vo__fold_pairs[i][0]);
	for (i = 0; i < vo__fold_npairs; i++)
		assert_int_equal(vo_fold_cp(vo__fold_pairs[i][1]), vo__fold_pairs[i][1]);
	assert_int_equal(vo_fold_cp('A'), 'a');
	assert_int_equal(vo_fold_cp(0xda), 0xfa);	/* Ú -> ú */
	assert_int_equal(vo_fold_cp(0x3a3), 0x3c3);	/* Σ -> σ */
	assert_int_equal(vo_fold_cp(0x3c2), 0x3c3);	/* final ς -> σ */
	assert_int_equal(vo_fold_cp(0x212a), 'k');	/* KELVIN SIGN -> k */
	assert_int_equal(vo_fold_cp(0x1e9e), 0xdf);	/* ẞ -> ß (simple, not "ss") */
	assert_int_equal(vo_fold_cp(0x10400), 0x10428); /* Deseret, outside the BMP */
	assert_int_equal(vo_fold_cp(0xfa), 0xfa);
	assert_int_equal(vo_fold_cp(0x4e2d), 0x4e2d); /* 中 has no case */
}

static void test_compare(void **state)
{
	static const char *const names[] = {
		"peru",	   "PERU",    "Perú",	"PERÚ",	   "perú",
		"Per\xfa", "Per\xf9", "Pe",	"Peruvia", "\xe2\x84\xaa\x69\x65\x76",
		"Kiev",	   "KIEV",    "Straße", "STRASSE", "Σίσυφος",
		"ΣΊΣΥΦΟΣ", "",	      "\xff",	"a\xc3",   "中国",
	};
	size_t n = VO_ARRAY_SIZE(names);
	size_t i;
	size_t j;
	size_t k;

	(void)state;
	assert_true(vo_fold_eq(VO_STR_LIT("PERÚ"), VO_STR_LIT("perú")));
	assert_true(vo_fold_eq(VO_STR_LIT("Perú"), VO_STR_LIT("PERÚ")));
	assert_false(vo_fold_eq(VO_STR_LIT("Perú"), VO_STR_LIT("Peru")));
	assert_false(vo_fold_eq(VO_STR_LIT("Per\xfa"), VO_STR_LIT("Per\xf9")));
	assert_false(vo_fold_eq(VO_STR_LIT("Per\xfa"), VO_STR_LIT("Perú")));
	assert_true(vo_fold_eq(VO_STR_LIT("\xe2\x84\xaa\x69\x65\x76"), VO_STR_LIT("kiev")));
	assert_true(vo_fold_eq(VO_STR_LIT("ΣΊΣΥΦΟΣ"), VO_STR_LIT("σίσυφοσ")));
	assert_true(vo_fold_eq(VO_STR_LIT("σίσυφος"), VO_STR_LIT("ΣΊΣΥΦΟΣ")));
	assert_false(vo_fold_eq(VO_STR_LIT("Straße"), VO_STR_LIT("STRASSE")));
	/* A total order: antisymmetric, transitive, and 0 exactly when the folded copies match. */
	for (i = 0; i < n; i++) {
		struct vo_str a = vo_str_cstr(names[i]);
		char fa[64];
		size_t la = vo_fold_copy(a, fa);

		assert_true(la <= VO_FOLD_LEN_MAX(a.len));
		assert_int_equal(vo_fold_cmp(a, a), 0);
		for (j = 0; j < n; j++) {
			struct vo_str b = vo_str_cstr(names[j]);
			char fb[64];
			size_t lb = vo_fold_copy(b, fb);
			int ab = vo_fold_cmp(a, b);

			assert_int_equal(ab<0, vo_fold_cmp(b, a)> 0);
			assert_int_equal(ab == 0, la == lb && !memcmp(fa, fb, la));
			for (k = 0; k < n; k++) {
				struct vo_str c = vo_str_cstr(names[k]);

				if (ab <= 0 && vo_fold_cmp(b, c) <= 0)
					assert_true(vo_fold_cmp(a, c) <= 0);
			}
		}
	}
	/* The one case where folding grows the bytes: U+023A (2 bytes) -> U+2C65 (3). */
	{
		char out[VO_FOLD_LEN_MAX(4)];

		assert_int_equal(vo_fold_copy(VO_STR_LIT("\xc8\xba\xc8\xba"), out), 6);
		assert_memory_equal(out, "\xe2\xb1\xa5\xe2\xb1\xa5", 6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
