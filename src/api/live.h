/*
 * live.h - the segments table being served, swapped atomically, and the one
 * swap policy of every source.
 *
 * Readers (the server's worker threads, one slot each) take the current
 * table with vo_live_enter() and give it back with vo_live_leave() when
 * their request is answered.  A source (api/source.h: the file, or Redis)
 * hands each table it loads to vo_live_offer(), which swaps it in unless it
 * is the version already served: new requests see it at once, requests in
 * flight finish on the old one, and the old one is destroyed only when no
 * slot holds it.  A load that failed goes to vo_live_refuse().  Both log
 * the outcome in the same words whatever the source.
 *
 * This is a hazard pointer per slot: the hot path is one atomic load, one
 * sequentially consistent store and one more load, with no lock and no
 * shared counter to bounce between cores.  Only swaps take a mutex.
 */
#ifndef VO_API_LIVE_H
#define VO_API_LIVE_H

#include "core/common.h"

#include "api/table.h"

struct vo_live;

/* What GET /metrics reports of the swaps. */
struct vo_live_stats {
	int64_t loaded_at_us; /* when the current table was swapped in; 0: none yet */
	uint64_t reloads;     /* successful loads, the first one included */
	uint64_t failures;    /* refused loads */
	uint64_t unchanged;   /* loads that found the version already served (not swapped) */
};

/* Creates a live table with nslots reader slots and no table loaded.  VO_ENOMEM. */
int vo_live_create(struct vo_live **out, size_t nslots);

/* Destroys the current table and l.  No reader may be active.  NULL is a no-op. */
void vo_live_destroy(struct vo_live *l);

/* The current table, protected until vo_live_leave(l, slot); NULL if none. */
const struct vo_table *vo_live_enter(struct vo_live *l, size_t slot);

/* Ends the protection vo_live_enter(l, slot) gave. */
void vo_live_leave(struct vo_live *l, size_t slot);

/*
 * The swap policy: t (ownership passes to l) was just loaded from origin,
 * for the reason why ("start", "SIGHUP", "file replaced", "published" ...).
 * When it holds the version already served it is destroyed (counted and
 * logged by vo_live_unchanged()); otherwise "loaded ORIGIN version=V built_at=B (WHY)" is
 * logged and t is swapped in, and the table it replaces is destroyed once no
 * reader holds it.  Waits for those readers, so it is called from a source's
 * thread, never from a worker.  Returns true when t was swapped in.
 */
bool vo_live_offer(struct vo_live *l, struct vo_table *t, const char *origin, const char *why);

/*
 * The swap without the policy or a log line, for a caller that installs a
 * table it loaded itself (vouch lookup, tests): publishes t (ownership
 * passes to l) and destroys the table it replaces once no reader holds it.
 */
void vo_live_swap(struct vo_live *l, struct vo_table *t);

/*
 * Counts a load that found the version already served (a SIGHUP, a file
 * replaced by the same content) and logs, at info, "reload (WHY): version
 * unchanged, still serving V".
 */
void vo_live_unchanged(struct vo_live *l, const char *why, const char *version);

/* Counts a refused load and logs "reload (WHY) refused, still serving V: MSG". */
void vo_live_refuse(struct vo_live *l, const char *why, const char *msg);

/*
 * The current table for the thread that swaps (a source) or a caller that
 * does not race with swaps (vouch lookup, tests); NULL if none.
 */
const struct vo_table *vo_live_peek(struct vo_live *l);

/* The version served, or "nothing", for log lines; same caveat as vo_live_peek(). */
const char *vo_live_served(struct vo_live *l);

void vo_live_stats(struct vo_live *l, struct vo_live_stats *out);

/* How many reader slots hold a table right now (tests: every request gives its slot back). */
size_t vo_live_holders(struct vo_live *l);

#endif
