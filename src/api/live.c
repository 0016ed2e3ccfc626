/*
 * live.c - hazard-pointer swap of the served table.
 */
#include "core/common.h"

#include <sched.h>

#include "api/live.h"
#include "core/alloc.h"
#include "core/log.h"

int vo_live_init(struct vo_live *l, size_t nslots)
{
	memset(l, 0, sizeof(*l));
	pthread_mutex_init(&l->swap_lock, NULL);
	l->slots = vo_calloc(nslots ? nslots : 1, sizeof(*l->slots));
	if (!l->slots)
		return VO_ENOMEM;
	l->nslots = nslots;
	for (size_t i = 0; i < nslots; i++)
		atomic_init(&l->slots[i], NULL);
	atomic_init(&l->current, NULL);
	atomic_init(&l->loaded_at_us, 0);
	atomic_init(&l->reloads, 0);
	atomic_init(&l->failures, 0);
	return VO_OK;
}

void vo_live_destroy(struct vo_live *l)
{
	vo_table_free(atomic_load(&l->current));
	vo_free(l->slots);
	pthread_mutex_destroy(&l->swap_lock);
	memset(l, 0, sizeof(*l));
}

const struct vo_table *vo_live_acquire(struct vo_live *l, size_t slot)
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
		vo_table_free(old);
	}
	pthread_mutex_unlock(&l->swap_lock);
}
