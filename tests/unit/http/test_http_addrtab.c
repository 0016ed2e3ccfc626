/*
 * test_http_addrtab.c - per-address connection counts (http/addrtab.h):
 * SipHash-2-4 against the reference vectors, addresses that share a place in
 * the table never share a count (issue 14 item 3: a colliding pair found by
 * search under a fixed key), clusters survive deletions in any order, and a
 * long random churn agrees with a plain array model.
 */
#include "core/common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <cmocka.h>

#include "http/addrtab.h"
#include "testutil.h"

static const uint8_t test_key[VO_HTTP_ADDR_KEY_LEN] = { 0, 1, 2,  3,  4,  5,  6,  7,
							8, 9, 10, 11, 12, 13, 14, 15 };

static void test_siphash(void **state)
{
	uint8_t msg[16];

	(void)state;
	for (int i = 0; i < 16; i++)
		msg[i] = (uint8_t)i;
	/* The reference vectors of the SipHash paper's implementation. */
	assert_true(vo_http_siphash(test_key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(vo_http_siphash(test_key, msg, 15) == 0xa129ca6149be45e5ULL);
	assert_true(vo_http_siphash(test_key, msg, 16) == 0x3f2acc7f57c29bdbULL);
}

/* 127.0.0.1-style loopback address n as the table sees it. */
static void loopback(uint32_t n, uint8_t *out)
{
	struct sockaddr_in sa;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(0x7f000000u | n);
	vo_http_addr_of((const struct sockaddr *)&sa, out);
}

static void test_addr_forms(void **state)
{
	struct sockaddr_in6 s6;
	uint8_t a[VO_HTTP_ADDR_LEN];
	uint8_t b[VO_HTTP_ADDR_LEN];

	(void)state;
	loopback(1, a);
	/* IPv4 is the IPv4-mapped IPv6 address, so ::ffff:127.0.0.1 is the same client. */
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1", &s6.sin6_addr), 1);
	vo_http_addr_of((const struct sockaddr *)&s6, b);
	assert_memory_equal(a, b, VO_HTTP_ADDR_LEN);
	assert_int_equal(inet_pton(AF_INET6, "::1", &s6.sin6_addr), 1);
	vo_http_addr_of((const struct sockaddr *)&s6, b);
	assert_memory_not_equal(a, b, VO_HTTP_ADDR_LEN);
}

/* Two loopback addresses with the same home place, found by search. */
static void colliding_pair(const struct vo_http_addrtab *t, uint8_t *a, uint8_t *b)
{
	size_t home;

	loopback(1, a);
	home = vo_http_addrtab_home(t, a);
	for (uint32_t n = 2; n < (1u << 24); n++) {
		loopback(n, b);
		if (vo_http_addrtab_home(t, b) == home)
			return;
	}
	fail_msg("no colliding address found");
}

static void test_colliding_pair(void **state)
{
	struct vo_http_addrtab t;
	uint8_t a[VO_HTTP_ADDR_LEN];
	uint8_t b[VO_HTTP_ADDR_LEN];

	(void)state;
	assert_int_equal(vo_http_addrtab_init(&t, 100, test_key), VO_OK);
	colliding_pair(&t, a, b);
	assert_int_equal(vo_http_addrtab_home(&t, a), vo_http_addrtab_home(&t, b));
	assert_memory_not_equal(a, b, VO_HTTP_ADDR_LEN);
	/* b at its limit does not shut a out, and the other way round. */
	for (int i = 0; i < 3; i++)
		assert_true(vo_http_addrtab_acquire(&t, b, 3));
	assert_false(vo_http_addrtab_acquire(&t, b, 3));
	assert_int_equal(vo_http_addrtab_count(&t, a), 0);
	for (int i = 0; i < 3; i++)
		assert_true(vo_http_addrtab_acquire(&t, a, 3));
	assert_false(vo_http_addrtab_acquire(&t, a, 3));
	assert_int_equal(vo_http_addrtab_count(&t, b), 3);
	/* Closing b's connections gives room to b only. */
	vo_http_addrtab_put(&t, b);
	assert_int_equal(vo_http_addrtab_count(&t, b), 2);
	assert_int_equal(vo_http_addrtab_count(&t, a), 3);
	assert_false(vo_http_addrtab_acquire(&t, a, 3));
	assert_true(vo_http_addrtab_acquire(&t, b, 3));
	/* All of a gone: b (which may sit after a in the cluster) is still found. */
	for (int i = 0; i < 3; i++)
		vo_http_addrtab_put(&t, a);
	assert_int_equal(vo_http_addrtab_count(&t, a), 0);
	assert_int_equal(vo_http_addrtab_count(&t, b), 3);
	assert_int_equal(t.used, 1);
	vo_http_addrtab_release(&t);
}

/* Many addresses in one cluster, removed in every order of a rotation. */
static void test_cluster(void **state)
{
	enum { N = 12 };
	struct vo_http_addrtab t;
	uint8_t addrs[N][VO_HTTP_ADDR_LEN];
	size_t home;
	size_t found = 1;

	(void)state;
	assert_int_equal(vo_http_addrtab_init(&t, 64, test_key), VO_OK);
	loopback(1, addrs[0]);
	home = vo_http_addrtab_home(&t, addrs[0]);
	for (uint32_t n = 2; found < N; n++) {
		loopback(n, addrs[found]);
		if (vo_http_addrtab_home(&t, addrs[found]) == home ||
		    vo_http_addrtab_home(&t, addrs[found]) == ((home + 1) & t.mask))
			found++;
	}
	for (size_t start = 0; start < N; start++) {
		for (size_t i = 0; i < N; i++)
			for (size_t k = 0; k <= i; k++)
				assert_true(vo_http_addrtab_acquire(&t, addrs[i], 100));
		for (size_t r = 0; r < N; r++) {
			size_t gone = (start + r * 5) % N;

			while (vo_http_addrtab_count(&t, addrs[gone]))
				vo_http_addrtab_put(&t, addrs[gone]);
			for (size_t i = 0; i < N; i++) {
				bool removed = false;

				for (size_t q = 0; q <= r; q++)
					removed |= (start + q * 5) % N == i;
				assert_int_equal(vo_http_addrtab_count(&t, addrs[i]),
						 removed ? 0 : i + 1);
			}
		}
		assert_int_equal(t.used, 0);
	}
	vo_http_addrtab_release(&t);
}

/* Random acquires and puts against a plain array of counts. */
static void test_churn(void **state)
{
	enum { ADDRS = 300, MAX = 120, STEPS = 200000 };
	static unsigned model[ADDRS];
	struct vo_http_addrtab t;
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	size_t distinct = 0;

	(void)state;
	assert_int_equal(vo_http_addrtab_init(&t, MAX, test_key), VO_OK);
	for (int s = 0; s < STEPS; s++) {
		uint64_t r = vo_test_xorshift(&rnd);
		uint32_t i = (uint32_t)(r % ADDRS);
		uint8_t a[VO_HTTP_ADDR_LEN];

		loopback(i + 1, a);
		if (!model[i] && distinct >= MAX)
			continue;
		if ((r >> 32) & 1) {
			/* The engine never holds more addresses than it was sized for. */
			bool can = model[i] < 4;
			bool got = vo_http_addrtab_acquire(&t, a, 4);

			assert_int_equal(got, can);
			if (got && model[i]++ == 0)
				distinct++;
		} else if (model[i]) {
			vo_http_addrtab_put(&t, a);
			if (--model[i] == 0)
				distinct--;
		}
		if (s % 997 == 0)
			for (uint32_t k = 0; k < ADDRS; k++) {
				uint8_t b[VO_HTTP_ADDR_LEN];

				loopback(k + 1, b);
				assert_int_equal(vo_http_addrtab_count(&t, b), model[k]);
			}
	}
	assert_int_equal(t.used, distinct);
	vo_http_addrtab_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash),	       cmocka_unit_test(test_addr_forms),
		cmocka_unit_test(test_colliding_pair), cmocka_unit_test(test_cluster),
		cmocka_unit_test(test_churn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
