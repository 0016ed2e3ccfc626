/*
 * addrtab.c - exact per-address connection counts (see addrtab.h).
 */
#include "core/common.h"

#include <netinet/in.h>
#include <sys/random.h>

#include "core/alloc.h"
#include "http/addrtab.h"

static inline uint64_t rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = rotl(v1, 13); \
		v1 ^= v0;          \
		v0 = rotl(v0, 32); \
		v2 += v3;          \
		v3 = rotl(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = rotl(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = rotl(v1, 17); \
		v1 ^= v2;          \
		v2 = rotl(v2, 32); \
	} while (0)

uint64_t vo_http_siphash(const uint8_t *key, const uint8_t *data, size_t len)
{
	uint64_t k0 = load64(key);
	uint64_t k1 = load64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ULL;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dULL;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ULL;
	uint64_t v3 = k1 ^ 0x7465646279746573ULL;
	uint64_t b = (uint64_t)len << 56;
	size_t full = len & ~(size_t)7;
	size_t i;

	for (i = 0; i < full; i += 8) {
		uint64_t m = load64(data + i);

		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t k = 0; k < (len & 7); k++)
		b |= (uint64_t)data[full + k] << (8 * k);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void vo_http_addr_of(const struct sockaddr *sa, uint8_t *out)
{
	memset(out, 0, VO_HTTP_ADDR_LEN);
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;

		memcpy(out, &s6->sin6_addr, VO_HTTP_ADDR_LEN);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)(const void *)sa;

		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, &s4->sin_addr, 4);
	}
}

int vo_http_addrtab_init(struct vo_http_addrtab *t, size_t max_entries, const uint8_t *key)
{
	size_t cap = 16;

	memset(t, 0, sizeof(*t));
	while (cap < 2 * max_entries + 2 && cap < ((size_t)1 << 40))
		cap *= 2;
	if (key) {
		memcpy(t->key, key, VO_HTTP_ADDR_KEY_LEN);
	} else if (getrandom(t->key, sizeof(t->key), 0) != (ssize_t)sizeof(t->key)) {
		return VO_EIO;
	}
	t->slots = vo_calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return VO_ENOMEM;
	t->mask = cap - 1;
	pthread_mutex_init(&t->lock, NULL);
	return VO_OK;
}

void vo_http_addrtab_release(struct vo_http_addrtab *t)
{
	if (!t->slots)
		return;
	pthread_mutex_destroy(&t->lock);
	VO_FREE(t->slots);
}

size_t vo_http_addrtab_home(const struct vo_http_addrtab *t, const uint8_t *addr)
{
	return (size_t)vo_http_siphash(t->key, addr, VO_HTTP_ADDR_LEN) & t->mask;
}

/* The slot holding addr, or the empty slot where it would go. */
static size_t find(const struct vo_http_addrtab *t, const uint8_t *addr, uint64_t hash)
{
	size_t i = (size_t)hash & t->mask;

	while (t->slots[i].count &&
	       (t->slots[i].hash != hash || memcmp(t->slots[i].addr, addr, VO_HTTP_ADDR_LEN) != 0))
		i = (i + 1) & t->mask;
	return i;
}

bool vo_http_addrtab_acquire(struct vo_http_addrtab *t, const uint8_t *addr, unsigned limit)
{
	uint64_t hash = vo_http_siphash(t->key, addr, VO_HTTP_ADDR_LEN);
	bool ok = false;
	size_t i;

	pthread_mutex_lock(&t->lock);
	i = find(t, addr, hash);
	if (t->slots[i].count) {
		if (t->slots[i].count < limit) {
			t->slots[i].count++;
			ok = true;
		}
	} else if (limit && t->used < t->mask / 2 + 1) {
		memcpy(t->slots[i].addr, addr, VO_HTTP_ADDR_LEN);
		t->slots[i].hash = hash;
		t->slots[i].count = 1;
		t->used++;
		ok = true;
	}
	pthread_mutex_unlock(&t->lock);
	return ok;
}

void vo_http_addrtab_put(struct vo_http_addrtab *t, const uint8_t *addr)
{
	uint64_t hash = vo_http_siphash(t->key, addr, VO_HTTP_ADDR_LEN);
	size_t i;
	size_t j;

	pthread_mutex_lock(&t->lock);
	i = find(t, addr, hash);
	if (!t->slots[i].count || --t->slots[i].count) {
		pthread_mutex_unlock(&t->lock);
		return;
	}
	/* Backward shift: pull later members of the cluster into the hole when
	 * the hole lies between their home and where they are. */
	t->used--;
	for (j = (i + 1) & t->mask; t->slots[j].count; j = (j + 1) & t->mask) {
		size_t home = (size_t)t->slots[j].hash & t->mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);

		if (stays)
			continue;
		t->slots[i] = t->slots[j];
		i = j;
	}
	t->slots[i].count = 0;
	pthread_mutex_unlock(&t->lock);
}

unsigned vo_http_addrtab_count(struct vo_http_addrtab *t, const uint8_t *addr)
{
	uint64_t hash = vo_http_siphash(t->key, addr, VO_HTTP_ADDR_LEN);
	unsigned n;

	pthread_mutex_lock(&t->lock);
	n = t->slots[find(t, addr, hash)].count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
