/*
 * testutil.h - helpers shared by the unit tests: a scratch folder per test
 * program, created before the tests and removed after them, and small file
 * and random helpers.  (The Parquet test writer is parquet_writer.h.)
 */
#ifndef VO_TESTS_TESTUTIL_H
#define VO_TESTS_TESTUTIL_H

#include "core/common.h"

/* The scratch folder, under $TMPDIR (or /tmp); valid between setup and teardown. */
extern char vo_test_dir[256];

/*
 * cmocka group setup and teardown: create vo_test_dir, and remove it with
 * everything in it (kept, and named on stderr, when VOUCH_KEEP_TMP is set).
 */
int vo_test_dir_setup(void **state);
int vo_test_dir_teardown(void **state);

/* Writes "vo_test_dir/name" into out (size bytes) and returns out. */
char *vo_test_path(char *out, size_t size, const char *name);

/* Writes len bytes of data to path (replacing it); fails the test on error. */
void vo_test_write_file(const char *path, const void *data, size_t len);

/* One step of xorshift64 over *state (non-zero): a repeatable test random stream. */
uint64_t vo_test_xorshift(uint64_t *state);

#endif
