/*
 * test_redis.c - redis:// URLs (every part, percent escapes, IPv6, the
 * defaults, each refusal, the password never in a message) and the segments
 * key layout.  The commands themselves run against a real redis-server in
 * tests/integration/t0700-redis.sh.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "redis/redis.h"
#include "redis/segstore.h"
#include "testutil.h"

static void test_url_parts(void **state)
{
	struct vo_redis_url u;
	struct vo_error err;

	(void)state;
	vo_error_clear(&err);
	assert_int_equal(vo_redis_url_parse("redis://127.0.0.1:6380", &u, &err), VO_OK);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 0);
	assert_false(u.has_password);
	assert_string_equal(u.display, "redis://127.0.0.1:6380/0");

	assert_int_equal(vo_redis_url_parse("redis://cache", &u, &err), VO_OK);
	assert_string_equal(u.host, "cache");
	assert_int_equal(u.port, 6379);
	assert_string_equal(u.display, "redis://cache:6379/0");

	assert_int_equal(vo_redis_url_parse("redis://bob:p%40ss%3Aw@h:1/7", &u, &err), VO_OK);
	assert_string_equal(u.user, "bob");
	assert_string_equal(u.password, "p@ss:w");
	assert_true(u.has_password);
	assert_int_equal(u.db, 7);
	assert_string_equal(u.display, "redis://bob@h:1/7");
	vo_redis_url_wipe(&u);
	assert_string_equal(u.password, "");
	assert_false(u.has_password);

	/* A password with '@' unescaped: the last '@' ends the user information. */
	assert_int_equal(vo_redis_url_parse("redis://:a@b@h:2/", &u, &err), VO_OK);
	assert_string_equal(u.user, "");
	assert_string_equal(u.password, "a@b");
	assert_string_equal(u.display, "redis://h:2/0");

	assert_int_equal(vo_redis_url_parse("redis://[::1]:6379/3", &u, &err), VO_OK);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.display, "redis://[::1]:6379/3");
}

static void expect_refused(const char *url, const char *part)
{
	struct vo_redis_url u;
	struct vo_error err;

	vo_error_clear(&err);
	assert_int_equal(vo_redis_url_parse(url, &u, &err), VO_EINVAL);
	if (!strstr(err.msg, part))
		fail_msg("'%s': message '%s' lacks '%s'", url, err.msg, part);
	if (strstr(err.msg, "s3cret"))
		fail_msg("'%s': message '%s' shows the password", url, err.msg);
}

static void test_url_refused(void **state)
{
	char long_url[VO_REDIS_URL_MAX + 16];

	(void)state;
	expect_refused("http://h:1", "not a redis URL");
	expect_refused("rediss://h:1", "TLS");
	expect_refused("redis://", "no host");
	expect_refused("redis://:1", "no host");
	expect_refused("redis://h:0", "port");
	expect_refused("redis://h:65536", "port");
	expect_refused("redis://h:12ab", "port");
	expect_refused("redis://h:", "port");
	expect_refused("redis://h:1/x", "database");
	expect_refused("redis://h:1/1?x=1", "query");
	expect_refused("redis://:s3cret@h:1/1#f", "redis://***@h:1/1#f");
	expect_refused("redis://bob:s3cret@h:99999", "redis://***@h:99999");
	expect_refused("redis://s3cret@h:1", "user:password@");
	expect_refused("redis://:s3cret%4@h:1", "%-escape");
	expect_refused("redis://:s3cret%00@h:1", "%-escape");
	expect_refused("redis://[::1:1", "unclosed");
	expect_refused("redis://[::1]x:1", "junk");
	memset(long_url, 'a', sizeof(long_url));
	memcpy(long_url, "redis://", 8);
	long_url[sizeof(long_url) - 1] = '\0';
	expect_refused(long_url, "longer than");
}

static void test_keys(void **state)
{
	struct vo_segkeys k;
	struct vo_error err;
	char key[VO_REDIS_PREFIX_MAX + 96];
	char prefix[VO_REDIS_PREFIX_MAX + 2];

	(void)state;
	vo_error_clear(&err);
	assert_int_equal(vo_segkeys_init(&k, "vouch", &err), VO_OK);
	assert_string_equal(k.channel, "vouch:segments");
	assert_string_equal(k.current, "vouch:segments:current");
	assert_string_equal(k.versions, "vouch:segments:versions");
	vo_segkeys_version(&k, "abc", key, sizeof(key));
	assert_string_equal(key, "vouch:segments:abc");

	assert_int_equal(vo_segkeys_init(&k, "", &err), VO_EINVAL);
	assert_int_equal(vo_segkeys_init(&k, "a b", &err), VO_EINVAL);
	assert_int_equal(vo_segkeys_init(&k, "a\n", &err), VO_EINVAL);
	memset(prefix, 'p', sizeof(prefix));
	prefix[sizeof(prefix) - 1] = '\0';
	assert_int_equal(vo_segkeys_init(&k, prefix, &err), VO_EINVAL);
	prefix[VO_REDIS_PREFIX_MAX] = '\0';
	assert_int_equal(vo_segkeys_init(&k, prefix, &err), VO_OK);
}

static void test_versions(void **state)
{
	const char *good = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char bad[65];

	(void)state;
	assert_true(vo_segstore_is_version(good, 64));
	assert_false(vo_segstore_is_version(good, 63));
	memcpy(bad, good, sizeof(bad));
	bad[10] = 'A';
	assert_false(vo_segstore_is_version(bad, 64));
	bad[10] = 'g';
	assert_false(vo_segstore_is_version(bad, 64));
	assert_false(vo_segstore_is_version("current", 7));
	assert_false(vo_segstore_is_version("versions", 8));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_parts),
		cmocka_unit_test(test_url_refused),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
