/*
 * live.c - hazard-pointer swap of the served table, see live.h.
 */
#include "core/common.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "api/live.h"
#include "core/alloc.h"
#include "core/log.h"

struct vo_live {
	_Atomic(struct vo_table *) current;
	_Atomic(struct vo_table *) *slots; /* owned; nslots hazard pointers */
	size_t nslots;
	pthread_mutex_t swap_lock;    /* serializes writers */
	_Atomic int64_t loaded_at_us; /* when current was swapped in */
	_Atomic uint64_t reloads;     /* successful loads, the first one included */
	_Atomic uint64_t failures;    /* refused artifacts */
	_Atomic uint64_t unchanged;   /* loads that found the version already served */
};

int vo_live_create(struct vo_live **out, size_t nslots)
{
	struct vo_live *l = vo_calloc(1, sizeof(*l));

	*out = NULL;
	if (!l)
		return VO_ENOMEM;
	l->slots = vo_calloc(nslots ? nslots : 1, sizeof(*l->slots));
	if (!l->slots) {
		vo_free(l);
		return VO_ENOMEM;
	}
	pthread_mutex_init(&l->swap_lock, NULL);
	l->nslots = nslots;
	for (size_t i = 0; i < nslots; i++)
		atomic_init(&l->slots[i], NULL);
	atomic_init(&l->current, NULL);
	atomic_init(&l->loaded_at_us, 0);
	atomic_init(&l->reloads, 0);
	atomic_init(&l->failures, 0);
	atomic_init(&l->unchanged, 0);
	*out = l;
	return VO_OK;
}

void vo_live_destroy(struct vo_live *l)
{
	if (!l)
		return;
	vo_table_destroy(atomic_load(&l->current));
	vo_free(l->slots);
	pthread_mutex_destroy(&l->swap_lock);
	vo_free(l);
}

const struct vo_table *vo_live_enter(struct vo_live *l, size_t slot)
{
	struct vo_table *t = atomic_load_explicit(&l->current, memory_order_acquire);

	for (;;) {
		struct vo_table *again;

		/*
		 * Announce t, then check it is still current: a swapper that
		 * replaced it after our announcement will see the slot and wait.
		 * Both accesses are sequentially consistent, so the swapper's
		 * store of current and its scan of the slots cannot both miss.
		 */
		atomic_store(&l->slots[slot], t);
		again = atomic_load(&l->current);
		if (again == t)
			return t;
		t = again;
	}
}

void vo_live_leave(struct vo_live *l, size_t slot)
{
	atomic_store_explicit(&l->slots[slot], NULL, memory_order_release);
}

void vo_live_swap(struct vo_live *l, struct vo_table *t)
{
	struct vo_table *old;

	pthread_mutex_lock(&l->swap_lock);
	old = atomic_exchange(&l->current, t);
	atomic_store(&l->loaded_at_us, vo_now_us());
	atomic_fetch_add(&l->reloads, 1);
	if (old) {
		for (size_t i = 0; i < l->nslots; i++) {
			/* A request holds old for microseconds; yield until it is done. */
			while (atomic_load(&l->slots[i]) == old)
				sched_yield();
		}
		vo_table_destroy(old);
	}
	pthread_mutex_unlock(&l->swap_lock);
}

const struct vo_table *vo_live_peek(struct vo_live *l)
{
	return atomic_load_explicit(&l->current, memory_order_acquire);
}

const char *vo_live_served(struct vo_live *l)
{
	const struct vo_table *t = vo_live_peek(l);

	return t ? vo_table_version(t) : "nothing";
}

bool vo_live_offer(struct vo_live *l, struct vo_table *t, const char *origin, const char *why)
{
	const struct vo_table *cur = vo_live_peek(l);

	if (cur && !strcmp(vo_table_version(cur), vo_table_version(t))) {
		vo_live_unchanged(l, why, vo_table_version(t));
		vo_table_destroy(t);
		return false;
	}
	vo_log(VO_LOG_NOTICE, "loaded %s version=%s built_at=%s (%s)", origin, vo_table_version(t),
	       vo_table_built_at(t), why);
	vo_live_swap(l, t);
	return true;
}

void vo_live_unchanged(struct vo_live *l, const char *why, const char *version)
{
	atomic_fetch_add_explicit(&l->unchanged, 1, memory_order_relaxed);
	vo_log(VO_LOG_INFO, "reload (%s): version unchanged, still serving %s", why, version);
}

void vo_live_refuse(struct vo_live *l, const char *why, const char *msg)
{
	atomic_fetch_add_explicit(&l->failures, 1, memory_order_relaxed);
	vo_log(VO_LOG_ERROR, "reload (%s) refused, still serving %s: %s", why, vo_live_served(l),
	       msg);
}

void vo_live_stats(struct vo_live *l, struct vo_live_stats *out)
{
	out->loaded_at_us = atomic_load(&l->loaded_at_us);
	out->reloads = atomic_load(&l->reloads);
	out->unchanged = atomic_load(&l->unchanged);
	out->failures = atomic_load(&l->failures);
}

size_t vo_live_holders(struct vo_live *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->nslots; i++)
		n += atomic_load(&l->slots[i]) != NULL;
	return n;
}
