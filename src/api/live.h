/*
 * live.h - the segments table being served, swapped atomically.
 *
 * Readers (the server's worker threads, one slot each) take the current
 * table with vo_live_acquire() and give it back with vo_live_release() when
 * their request is answered.  A reload publishes a new table with
 * vo_live_swap(): new requests see it at once, requests in flight finish on
 * the old one, and the old one is freed only when no slot holds it.
 *
 * This is a hazard pointer per slot: the hot path is one atomic load, one
 * sequentially consistent store and one more load, with no lock and no
 * shared counter to bounce between cores.  Only swaps take a mutex.
 */
#ifndef VO_API_LIVE_H
#define VO_API_LIVE_H

#include "core/common.h"

#include <pthread.h>
#include <stdatomic.h>

#include "api/table.h"

struct vo_live {
	_Atomic(struct vo_table *) current;
	_Atomic(struct vo_table *) *slots; /* owned; nslots hazard pointers */
	size_t nslots;
	pthread_mutex_t swap_lock;    /* serializes writers */
	_Atomic int64_t loaded_at_us; /* when current was swapped in */
	_Atomic uint64_t reloads;     /* successful loads, the first one included */
	_Atomic uint64_t failures;    /* refused artifacts */
};

/* Sets up nslots reader slots with no table loaded.  VO_ENOMEM. */
int vo_live_init(struct vo_live *l, size_t nslots);

/* Frees the current table and the slots.  No reader may be active. */
void vo_live_destroy(struct vo_live *l);

/* The current table, protected until vo_live_release(l, slot); NULL if none. */
const struct vo_table *vo_live_acquire(struct vo_live *l, size_t slot);

static inline void vo_live_release(struct vo_live *l, size_t slot)
{
	atomic_store_explicit(&l->slots[slot], NULL, memory_order_release);
}

/*
 * Publishes t (ownership passes to l) and frees the table it replaces once
 * no reader holds it.  Waits for those readers, so it is called from the
 * reload thread, never from a worker.
 */
void vo_live_swap(struct vo_live *l, struct vo_table *t);

/* Counts a refused reload. */
static inline void vo_live_failed(struct vo_live *l)
{
	atomic_fetch_add_explicit(&l->failures, 1, memory_order_relaxed);
}

/*
 * The current table for a single-threaded caller that does not race with
 * swaps (vouch lookup, tests); NULL if none.
 */
static inline const struct vo_table *vo_live_peek(struct vo_live *l)
{
	return atomic_load_explicit(&l->current, memory_order_acquire);
}

#endif
