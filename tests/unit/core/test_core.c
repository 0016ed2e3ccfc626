/*
 * test_core.c - the core helpers: buffers with caps, views, hash maps, the
 * JSON writer's escaping, SHA-256, atomic file writes and the allocator hook.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/fileio.h"
#include "core/json.h"
#include "core/map.h"
#include "core/sha256.h"
#include "core/str.h"

static void test_buf(void **state)
{
	struct vo_buf b;
	char *p;
	size_t len;

	(void)state;
	vo_buf_init(&b, 10);
	assert_int_equal(vo_buf_addstr(&b, "hello"), VO_OK);
	assert_int_equal(vo_buf_add_i64(&b, -42), VO_OK);
	assert_string_equal(b.ptr, "hello-42");
	assert_int_equal(vo_buf_addstr(&b, "abc"), VO_ELIMIT); /* 11 > 10 */
	assert_string_equal(b.ptr, "hello-42");		       /* unchanged */
	assert_int_equal(vo_buf_addf(&b, "%d", 12), VO_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(vo_buf_addch(&b, 'x'), VO_ELIMIT);
	p = vo_buf_detach(&b, &len);
	assert_int_equal(len, 10);
	assert_string_equal(p, "hello-4212");
	assert_null(b.ptr);
	vo_free(p);
	vo_buf_init(&b, 100);
	assert_int_equal(vo_buf_add_u64(&b, UINT64_MAX), VO_OK);
	assert_int_equal(vo_buf_add_i64(&b, INT64_MIN), VO_OK);
	assert_string_equal(b.ptr, "18446744073709551615-9223372036854775808");
	vo_buf_release(&b);
}

static void test_str(void **state)
{
	(void)state;
	assert_true(vo_str_eq(vo_str_trim(vo_str_cstr(" \tPeru\r\n")), VO_STR_LIT("Peru")));
	assert_int_equal(vo_str_trim(vo_str_cstr("   ")).len, 0);
	assert_true(vo_str_eq_nocase(VO_STR_LIT("PeRu"), VO_STR_LIT("pERU")));
	assert_false(vo_str_eq_nocase(VO_STR_LIT("Peru"), VO_STR_LIT("Perus")));
	assert_true(vo_str_cmp(VO_STR_LIT("CHINA"), VO_STR_LIT("China")) < 0);
	assert_true(vo_str_cmp(VO_STR_LIT("Chin"), VO_STR_LIT("China")) < 0);
	assert_int_equal(vo_str_cmp(VO_STR_LIT(""), vo_str_make(NULL, 0)), 0);
}

static void test_maps(void **state)
{
	struct vo_strmap sm;
	struct vo_intmap im;
	uint32_t id;
	bool added;
	int64_t i;
	char key[16];

	(void)state;
	vo_strmap_init(&sm, 1000);
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%" PRId64, i);
		assert_int_equal(vo_strmap_put(&sm, vo_str_cstr(key), &id, &added), VO_OK);
		assert_true(added);
		assert_int_equal(id, i);
	}
	assert_int_equal(vo_strmap_put(&sm, VO_STR_LIT("k7"), &id, &added), VO_OK);
	assert_false(added);
	assert_int_equal(id, 7);
	assert_int_equal(vo_strmap_get(&sm, VO_STR_LIT("k999")), 999);
	assert_int_equal(vo_strmap_get(&sm, VO_STR_LIT("nope")), VO_MAP_NONE);
	assert_int_equal(vo_strmap_put(&sm, VO_STR_LIT("one too many"), &id, NULL), VO_ELIMIT);
	vo_strmap_release(&sm);

	vo_intmap_init(&im, 5000);
	for (i = -2000; i < 2000; i++)
		assert_int_equal(vo_intmap_put(&im, i * 440, &id, NULL), VO_OK);
	assert_int_equal(vo_intmap_get(&im, INT64_C(-2000) * 440), 0);
	assert_int_equal(vo_intmap_get(&im, INT64_C(1999) * 440), 3999);
	assert_int_equal(vo_intmap_get(&im, 1), VO_MAP_NONE);
	vo_intmap_release(&im);
}

static void test_json(void **state)
{
	struct vo_json j;
	struct vo_buf b;

	(void)state;
	vo_buf_init(&b, 1 << 20);
	vo_json_init(&j, &b, false);
	vo_json_object_begin(&j);
	vo_json_key(&j, "a\"b");
	vo_json_str(&j, "line\nbreak\ttab\\ \x01");
	vo_json_key(&j, "list");
	vo_json_array_begin(&j);
	vo_json_i64(&j, -1);
	vo_json_u64(&j, 2);
	vo_json_null(&j);
	vo_json_bool(&j, true);
	vo_json_array_end(&j);
	vo_json_key(&j, "empty");
	vo_json_object_begin(&j);
	vo_json_object_end(&j);
	vo_json_key(&j, "utf8");
	vo_json_strv(&j, VO_STR_LIT("Per\xc3\xba \xff"));
	vo_json_object_end(&j);
	assert_int_equal(vo_json_status(&j), VO_OK);
	assert_string_equal(b.ptr, "{\"a\\\"b\":\"line\\u000abreak\\u0009tab\\\\ \\u0001\","
				   "\"list\":[-1,2,null,true],\"empty\":{},"
				   "\"utf8\":\"Per\xc3\xba \xef\xbf\xbd\"}");
	vo_buf_release(&b);
}

static void test_sha256(void **state)
{
	char hex[VO_SHA256_HEX];

	(void)state;
	assert_int_equal(vo_sha256_hex("abc", 3, hex), VO_OK);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(vo_sha256_hex("", 0, hex), VO_OK);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/*
 * A file over several mapping windows hashes as its bytes do; one shorter
 * than the size given (as when cut short while read) is an error naming it,
 * not SIGBUS, and the next file hashes again.
 */
static void test_sha256_file(void **state)
{
	char dir[] = "/tmp/vouch-test-XXXXXX";
	char path[256];
	size_t len = ((size_t)9 << 20) + 123;
	unsigned char *data = vo_malloc(len);
	char want[VO_SHA256_HEX];
	char hex[VO_SHA256_HEX];
	struct vo_error err;
	uint64_t bytes = 0;
	size_t i;
	int fd;

	(void)state;
	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/data.bin", dir);
	assert_int_equal(vo_write_file_atomic(path, (const char *)data, len, &err), VO_OK);
	assert_int_equal(vo_sha256_hex(data, len, want), VO_OK);
	assert_int_equal(vo_sha256_file(path, hex, &bytes, &err), VO_OK);
	assert_string_equal(hex, want);
	assert_int_equal(bytes, len);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(vo_sha256_fd(fd, path, len + ((size_t)8 << 20), hex, &err), VO_EIO);
	assert_non_null(strstr(err.msg, path));
	assert_non_null(strstr(err.msg, "truncated"));
	assert_int_equal(vo_sha256_fd(fd, path, len, hex, &err), VO_OK);
	assert_string_equal(hex, want);
	assert_int_equal(vo_sha256_fd(fd, path, 0, hex, &err), VO_OK);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	close(fd);
	assert_int_equal(vo_sha256_file(dir, hex, &bytes, &err), VO_EIO); /* a folder */
	vo_free(data);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

static void test_atomic_write(void **state)
{
	char dir[] = "/tmp/vouch-test-XXXXXX";
	char path[256];
	char bad[300];
	struct vo_error err;
	struct vo_buf b;
	uint64_t bytes;
	char hex[VO_SHA256_HEX];

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	assert_int_equal(vo_write_file_atomic(path, "first", 5, &err), VO_OK);
	assert_int_equal(vo_write_file_atomic(path, "second", 6, &err), VO_OK);
	vo_buf_init(&b, 100);
	assert_int_equal(vo_read_file(path, 100, &b, &err), VO_OK);
	assert_string_equal(b.ptr, "second");
	vo_buf_release(&b);
	vo_buf_init(&b, 100);
	assert_int_equal(vo_read_file(path, 3, &b, &err), VO_ELIMIT);
	vo_buf_release(&b);
	assert_int_equal(vo_sha256_file(path, hex, &bytes, &err), VO_OK);
	assert_int_equal(bytes, 6);
	snprintf(bad, sizeof(bad), "%s/missing/out.json", dir);
	assert_int_equal(vo_write_file_atomic(bad, "x", 1, &err), VO_EIO);
	assert_non_null(strstr(err.msg, bad));
	vo_buf_init(&b, 100);
	assert_int_equal(vo_read_file(bad, 100, &b, &err), VO_ENOTFOUND);
	vo_buf_release(&b);
	unlink(path);
	assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

static void test_error_format(void **state)
{
	struct vo_error err;
	char longname[600];

	(void)state;
	vo_error_at(&err, VO_EFORMAT, "f.csv", 12, "total_orders", "bad %s", "value");
	assert_string_equal(err.msg, "f.csv: row 12: column 'total_orders': bad value");
	assert_int_equal(err.code, VO_EFORMAT);
	vo_error_set(&err, VO_EIO, "x");
	vo_error_prefix(&err, "p");
	assert_string_equal(err.msg, "p: x");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	vo_error_at(&err, VO_EFORMAT, longname, 1, "c", "m");
	assert_int_equal(strlen(err.msg), VO_ERROR_MSG_MAX - 1);
	vo_error_prefix(&err, longname);
	assert_int_equal(strlen(err.msg), VO_ERROR_MSG_MAX - 1);
}

static void test_alloc_hook(void **state)
{
	void *p;

	(void)state;
	vo_alloc_fail_at(2);
	p = vo_malloc(8);
	assert_non_null(p);
	assert_null(vo_malloc(8));
	assert_null(vo_strdup("x"));
	vo_alloc_fail_at(0);
	assert_null(vo_calloc(SIZE_MAX, 2)); /* overflow */
	vo_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),	     cmocka_unit_test(test_str),
		cmocka_unit_test(test_maps),	     cmocka_unit_test(test_json),
		cmocka_unit_test(test_sha256),	     cmocka_unit_test(test_sha256_file),
		cmocka_unit_test(test_atomic_write), cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_alloc_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
