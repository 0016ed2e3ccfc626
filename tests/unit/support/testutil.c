/*
 * testutil.c - scratch folders and helpers for the unit tests, see testutil.h.
 */
#include "core/common.h"

#include <ftw.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

char vo_test_dir[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

int vo_test_dir_setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(vo_test_dir, sizeof(vo_test_dir), "%s/vouch-test-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(vo_test_dir) ? 0 : -1;
}

int vo_test_dir_teardown(void **state)
{
	(void)state;
	if (getenv("VOUCH_KEEP_TMP")) {
		fprintf(stderr, "kept %s\n", vo_test_dir);
		return 0;
	}
	return nftw(vo_test_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

char *vo_test_path(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", vo_test_dir, name);
	return out;
}

uint64_t vo_test_xorshift(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

void vo_test_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}
