/*
 * addrtab.h - open connections per client address, counted exactly.
 *
 * The table maps a client address (16 bytes: IPv6, or IPv4 as an
 * IPv4-mapped IPv6 address) to its number of open connections.  Addresses
 * are placed by SipHash-2-4 keyed with a per-process secret, so a client
 * cannot choose addresses that crowd one place of the table, and every
 * lookup compares the whole address, so two addresses that share a place
 * never share a count.  Open addressing with linear probing and
 * backward-shift deletion: no tombstones, so a table that saw millions of
 * addresses is as fast as a new one.  The capacity is fixed at init (twice
 * the entries it must hold, at least), so nothing is allocated afterwards.
 * One mutex guards it: it is touched once per accept and once per close,
 * never per request.
 */
#ifndef VO_HTTP_ADDRTAB_H
#define VO_HTTP_ADDRTAB_H

#include "core/common.h"

#include <pthread.h>
#include <sys/socket.h>

#include "http/http.h"

#define VO_HTTP_ADDR_LEN 16

struct vo_http_addr_slot {
	uint8_t addr[VO_HTTP_ADDR_LEN]; /* the client address */
	uint64_t hash;			/* its keyed hash (the home place is hash & mask) */
	uint32_t count;			/* open connections; 0: the slot is empty */
};

struct vo_http_addrtab {
	pthread_mutex_t lock;
	struct vo_http_addr_slot *slots; /* owned, mask + 1 of them */
	size_t mask;
	size_t used;			   /* slots with a count */
	uint8_t key[VO_HTTP_ADDR_KEY_LEN]; /* the SipHash key */
};

/*
 * Sets up a table for at most max_entries distinct addresses at once, keyed
 * with key (VO_HTTP_ADDR_KEY_LEN bytes), or with random bytes from the
 * kernel when key is NULL.  VO_ENOMEM, or VO_EIO when no random bytes.
 */
int vo_http_addrtab_init(struct vo_http_addrtab *t, size_t max_entries, const uint8_t *key);
void vo_http_addrtab_release(struct vo_http_addrtab *t);

/*
 * Counts one more connection from addr, unless limit of them are open
 * already (or the table is full); returns whether it was counted.
 */
bool vo_http_addrtab_acquire(struct vo_http_addrtab *t, const uint8_t *addr, unsigned limit);

/* Counts one connection from addr less (it must have been acquired). */
void vo_http_addrtab_put(struct vo_http_addrtab *t, const uint8_t *addr);

/* The open connections counted for addr. */
unsigned vo_http_addrtab_count(struct vo_http_addrtab *t, const uint8_t *addr);

/* Test hook: the place addr hashes to (the slot a lookup starts at). */
size_t vo_http_addrtab_home(const struct vo_http_addrtab *t, const uint8_t *addr);

/* SipHash-2-4 of len bytes under a 16-byte key (the reference algorithm). */
uint64_t vo_http_siphash(const uint8_t *key, const uint8_t *data, size_t len);

/* The 16-byte form of a socket address (other families: all zero). */
void vo_http_addr_of(const struct sockaddr *sa, uint8_t *out);

#endif
