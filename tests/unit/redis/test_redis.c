/*
 * test_redis.c - redis:// and redis-sentinel:// URLs (every part, percent
 * escapes, IPv6, the defaults, each refusal, Cluster refused with its
 * reason, the password never in a message whatever the URL's shape), the
 * streaming reader of subscriptions (fed byte by byte and in one piece,
 * huge payloads skipped) and the segments key layout.  The commands
 * themselves run against real redis-server and redis-sentinel processes in
 * tests/integration/t0700-redis.sh, t0730-redis-faults.sh, t0740-redis-acl.sh and
 * t0750-sentinel.sh.
 */
#include "core/common.h"

#include <setjmp.h>
#include <cmocka.h>

#include "redis/redis.h"
#include "redis/push.h"
#include "redis/segstore.h"
#include "testutil.h"

static void test_url_parts(void **state)
{
	struct vo_redis_url u;
	struct vo_error err;

	(void)state;
	vo_error_clear(&err);
	assert_int_equal(vo_redis_url_parse("redis://127.0.0.1:6380", &u, &err), VO_OK);
	assert_int_equal(u.kind, VO_REDIS_DIRECT);
	assert_int_equal(u.nhosts, 1);
	assert_string_equal(u.hosts[0].name, "127.0.0.1");
	assert_int_equal(u.hosts[0].port, 6380);
	assert_int_equal(u.db, 0);
	assert_false(u.has_password);
	assert_string_equal(u.display, "redis://127.0.0.1:6380/0");

	assert_int_equal(vo_redis_url_parse("redis://cache", &u, &err), VO_OK);
	assert_string_equal(u.hosts[0].name, "cache");
	assert_int_equal(u.hosts[0].port, 6379);
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

	/* '/', '?' and '#' in a password need no escape: the last '@' ends it. */
	assert_int_equal(vo_redis_url_parse("redis://u:p/w?x#y@h:1/2", &u, &err), VO_OK);
	assert_string_equal(u.user, "u");
	assert_string_equal(u.password, "p/w?x#y");
	assert_string_equal(u.hosts[0].name, "h");
	assert_int_equal(u.db, 2);

	assert_int_equal(vo_redis_url_parse("redis://[::1]:6379/3", &u, &err), VO_OK);
	assert_string_equal(u.hosts[0].name, "::1");
	assert_string_equal(u.display, "redis://[::1]:6379/3");

	/* The scheme's case does not matter. */
	assert_int_equal(vo_redis_url_parse("REDIS://h:1", &u, &err), VO_OK);
	assert_string_equal(u.display, "redis://h:1/0");
}

static void test_sentinel_url(void **state)
{
	struct vo_redis_url u;
	struct vo_error err;

	(void)state;
	vo_error_clear(&err);
	unsetenv("VOUCH_SENTINEL_USER");
	unsetenv("VOUCH_SENTINEL_PASSWORD");
	assert_int_equal(
		vo_redis_url_parse("redis-sentinel://a:26380,b,[::1]:26381/mymaster", &u, &err),
		VO_OK);
	assert_int_equal(u.kind, VO_REDIS_SENTINEL);
	assert_int_equal(u.nhosts, 3);
	assert_string_equal(u.hosts[0].name, "a");
	assert_int_equal(u.hosts[0].port, 26380);
	assert_string_equal(u.hosts[1].name, "b");
	assert_int_equal(u.hosts[1].port, 26379);
	assert_string_equal(u.hosts[2].name, "::1");
	assert_int_equal(u.hosts[2].port, 26381);
	assert_string_equal(u.master, "mymaster");
	assert_int_equal(u.db, 0);
	assert_false(u.has_password);
	assert_false(u.sentinel_has_password);
	assert_string_equal(u.display, "redis-sentinel://a:26380,b:26379,[::1]:26381/mymaster/0");

	/* The user information is the data node's; the sentinels' comes from the environment. */
	setenv("VOUCH_SENTINEL_PASSWORD", "sentpw", 1);
	assert_int_equal(vo_redis_url_parse("redis+sentinel://app:p%2Fw@h1:1,h2:2/m/4", &u, &err),
			 VO_OK);
	assert_string_equal(u.user, "app");
	assert_string_equal(u.password, "p/w");
	assert_true(u.has_password);
	assert_true(u.sentinel_has_password);
	assert_string_equal(u.sentinel_user, "");
	assert_string_equal(u.sentinel_password, "sentpw");
	assert_int_equal(u.db, 4);
	assert_string_equal(u.display, "redis-sentinel://app@h1:1,h2:2/m/4");
	vo_redis_url_wipe(&u);
	assert_string_equal(u.password, "");
	assert_string_equal(u.sentinel_password, "");
	setenv("VOUCH_SENTINEL_USER", "watcher", 1);
	assert_int_equal(vo_redis_url_parse("redis-sentinel://h1/m", &u, &err), VO_OK);
	assert_string_equal(u.sentinel_user, "watcher");
	unsetenv("VOUCH_SENTINEL_PASSWORD");
	assert_int_equal(vo_redis_url_parse("redis-sentinel://h1/m", &u, &err), VO_EINVAL);
	assert_non_null(strstr(err.msg, "VOUCH_SENTINEL_PASSWORD"));
	unsetenv("VOUCH_SENTINEL_USER");
	/* A plain redis:// URL never reads the sentinels' settings. */
	setenv("VOUCH_SENTINEL_USER", "watcher", 1);
	assert_int_equal(vo_redis_url_parse("redis://h1", &u, &err), VO_OK);
	unsetenv("VOUCH_SENTINEL_USER");
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
	expect_refused("nonsense", "not a redis URL");
	expect_refused("rediss://h:1", "TLS");
	expect_refused("rediss-sentinel://h:1/m", "TLS");
	expect_refused("redis-cluster://h:1", "Redis Cluster is not supported");
	expect_refused("redis-cluster://h:1", "redis-sentinel://");
	expect_refused("redis+cluster://:s3cret@h:1", "a few kilobytes");
	expect_refused("REDIS-CLUSTER://h:1", "Cluster");
	expect_refused("redis://h1:1,h2:2", "Redis Cluster is not supported");
	expect_refused("redis://h1:1,h2:2", "redis-sentinel://host1");
	expect_refused("redis://h:1/?cluster=true", "Cluster");
	expect_refused("redis:/h:1", "'://'");
	expect_refused("redis:h", "'://'");
	expect_refused("redis-sentinel://h:1", "name the master");
	expect_refused("redis-sentinel://h:1/", "name the master");
	expect_refused("redis-sentinel://h:1,/m", "no host");
	expect_refused("redis-sentinel://h:1/m/x", "database");
	expect_refused("redis-sentinel://h:0/m", "port");
	expect_refused("redis-sentinel://h:1/m%20x", "master name");
	expect_refused("redis-sentinel://1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17/m", "more than");
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

/* The message of a refused URL never holds the password, whatever the URL's shape. */
static void expect_masked(const char *url, const char *shown)
{
	struct vo_redis_url u;
	struct vo_error err;
	char out[256];

	vo_redis_mask(url, out, sizeof(out));
	if (strcmp(out, shown) != 0)
		fail_msg("'%s' is masked as '%s', expected '%s'", url, out, shown);
	vo_error_clear(&err);
	if (vo_redis_url_parse(url, &u, &err) == VO_OK)
		return;
	if (strstr(err.msg, "s3cret") || strstr(err.msg, "cret"))
		fail_msg("'%s': message '%s' shows the password", url, err.msg);
}

static void test_mask(void **state)
{
	(void)state;
	expect_masked("redis://:s3cret@h:1/2", "redis://***@h:1/2");
	expect_masked("redis://bob:s3cret@h", "redis://***@h");
	expect_masked("redis://:s3/cret@h:1", "redis://***@h:1");
	expect_masked("redis://:s3?cret@h:1", "redis://***@h:1");
	expect_masked("redis://:s3#cret@h:1", "redis://***@h:1");
	expect_masked("redis://:s3@cret@h:1", "redis://***@h:1");
	expect_masked("redis://:s3cret@h:1/0?x=1#y", "redis://***@h:1/0?x=1#y");
	expect_masked("redis:/:s3cret@h:1", "redis:/***@h:1");
	expect_masked("redis::s3cret@h:1", "redis:***@h:1");
	expect_masked("REDIS://:s3cret@h", "REDIS://***@h");
	expect_masked("rediss://u:s3cret@h", "rediss://***@h");
	expect_masked("redis-sentinel://u:s3cret@a:1,b:2/m", "redis-sentinel://***@a:1,b:2/m");
	expect_masked("redis-cluster://:s3cret@h", "redis-cluster://***@h");
	expect_masked("u:s3cret@h", "u:***@h");
	expect_masked("redis://:s3cret", "redis://:***");
	expect_masked("redis://h:s3cret/0", "redis://h:***/0");
	expect_masked("redis://h:6379/0", "redis://h:6379/0");
	expect_masked("redis://[::1]:6379", "redis://[::1]:6379");
	expect_masked("/srv/segments.json", "/srv/segments.json");
}

static void test_is_url(void **state)
{
	(void)state;
	assert_true(vo_redis_is_url("redis://h"));
	assert_true(vo_redis_is_url("REDIS://h"));
	assert_true(vo_redis_is_url("redis-sentinel://h/m"));
	assert_true(vo_redis_is_url("rediss://h"));
	assert_true(vo_redis_is_url("redis:/h"));
	assert_true(vo_redis_is_url("redis:h"));
	assert_true(vo_redis_is_url("http://h"));
	assert_false(vo_redis_is_url("segments.json"));
	assert_false(vo_redis_is_url("/srv/redis/segments.json"));
	assert_false(vo_redis_is_url("./redis:x"));
	assert_false(vo_redis_is_url("c:segments.json"));
	assert_false(vo_redis_is_url(""));
	assert_false(vo_redis_is_url(NULL));
}

/* Feeds text to a fresh subscription reader, in one piece and byte by byte. */
static void expect_stream(const char *match, const char *text, size_t len, int want_rc,
			  unsigned want_messages, unsigned want_subscribed, const char *want_error)
{
	for (int bytewise = 0; bytewise < 2; bytewise++) {
		struct vo_redis_push s;
		unsigned messages = 0;
		int rc = VO_OK;

		vo_redis_push_init(&s, match);
		if (bytewise) {
			for (size_t i = 0; i < len && !rc; i++)
				rc = vo_redis_push_feed(&s, text + i, 1, &messages);
		} else {
			rc = vo_redis_push_feed(&s, text, len, &messages);
		}
		if (rc != want_rc)
			fail_msg("stream %.40s (%s): rc %d, expected %d", text,
				 bytewise ? "byte by byte" : "whole", rc, want_rc);
		if (rc)
			continue;
		assert_int_equal(messages, want_messages);
		assert_int_equal(s.subscribed, want_subscribed);
		if (want_error)
			assert_string_equal(s.error, want_error);
	}
}

#define STREAM(m, t, rc, n, sub, e) expect_stream(m, t, sizeof(t) - 1, rc, n, sub, e)

static void test_subscription_stream(void **state)
{
	size_t big = 50u << 20;
	char *huge;
	size_t o;
	unsigned messages = 0;
	struct vo_redis_push s;

	(void)state;
	STREAM(NULL, "*3\r\n$9\r\nsubscribe\r\n$14\r\nvouch:segments\r\n:1\r\n", VO_OK, 0, 1, NULL);
	STREAM(NULL,
	       "*3\r\n$7\r\nmessage\r\n$14\r\nvouch:segments\r\n$3\r\nabc\r\n"
	       "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$0\r\n\r\n",
	       VO_OK, 2, 0, NULL);
	STREAM("mymaster ",
	       "*3\r\n$7\r\nmessage\r\n$14\r\n+switch-master\r\n"
	       "$38\r\nmymaster 127.0.0.1 1 127.0.0.1 2 extra\r\n"
	       "*3\r\n$7\r\nmessage\r\n$14\r\n+switch-master\r\n"
	       "$16\r\nother 1.1.1.1 1 \r\n",
	       VO_OK, 1, 0, NULL);
	STREAM(NULL, "-NOPERM this user has no permissions to access one of the channels\r\n",
	       VO_OK, 0, 0, "NOPERM this user has no permissions to access one of the channels");
	STREAM(NULL, "*3\r\n$7\r\nmessage\r\n$-1\r\n:5\r\n+OK\r\n", VO_OK, 1, 0, NULL);
	STREAM(NULL, "*2\r\n*1\r\n", VO_EFORMAT, 0, 0, NULL);
	STREAM(NULL, "?\r\n", VO_EFORMAT, 0, 0, NULL);
	STREAM(NULL, "*3\n", VO_EFORMAT, 0, 0, NULL);
	STREAM(NULL, "$3\r\nabcX\n", VO_EFORMAT, 0, 0, NULL);
	STREAM(NULL, "*99999999999999999999999\r\n", VO_EFORMAT, 0, 0, NULL);
	STREAM(NULL, "$-2\r\n", VO_EFORMAT, 0, 0, NULL);

	/* A 50 MiB payload is skipped, never held: only its first bytes are kept. */
	huge = malloc(big + 256);
	assert_non_null(huge);
	o = (size_t)snprintf(huge, 256, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$%zu\r\n", big);
	memset(huge + o, 'x', big);
	o += big;
	huge[o++] = '\r';
	huge[o++] = '\n';
	vo_redis_push_init(&s, NULL);
	assert_int_equal(vo_redis_push_feed(&s, huge, o, &messages), VO_OK);
	assert_int_equal(messages, 1);
	assert_int_equal(s.payload_len, sizeof(s.payload) - 1);
	free(huge);
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
		cmocka_unit_test(test_url_parts),   cmocka_unit_test(test_sentinel_url),
		cmocka_unit_test(test_url_refused), cmocka_unit_test(test_mask),
		cmocka_unit_test(test_is_url),	    cmocka_unit_test(test_subscription_stream),
		cmocka_unit_test(test_keys),	    cmocka_unit_test(test_versions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
