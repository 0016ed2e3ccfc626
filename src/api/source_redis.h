/*
 * source_redis.h - `vouch serve --segments redis://...`: a thread that keeps
 * the served table equal to the version Redis calls current.
 *
 * The thread holds two connections: one SUBSCRIBEd to the channel
 * P:segments (redis/segstore.h), one for commands.  On a message, every
 * VO_REDIS_POLL_MS (in case a message was missed), after each reconnection
 * and on vo_redis_source_refresh(), it reads P:segments:current; when that
 * names another version than the one served, it fetches P:segments:<version>,
 * validates it completely (api/table.h) and swaps it in (api/live.h).  A
 * broken value is refused with one log line and counted as a failed reload;
 * the old table keeps serving and that version is not fetched again until it
 * changes or a refresh is asked.
 *
 * When Redis cannot be reached the served table stays, one warning is
 * logged, and the thread reconnects after VO_REDIS_BACKOFF_MIN_MS, doubling
 * up to VO_REDIS_BACKOFF_MAX_MS; once back it logs a notice and catches up.
 * Requests never wait for Redis: they only read the table in memory.
 */
#ifndef VO_API_SOURCE_REDIS_H
#define VO_API_SOURCE_REDIS_H

#include "core/common.h"

#include "api/live.h"
#include "core/err.h"

struct vo_redis_source;

/* Whether segments names Redis (redis:// or rediss://, which is refused later). */
bool vo_redis_source_is_url(const char *segments);

/*
 * Parses url (redis://[user:password@]host:port[/db]) and prefix, and starts
 * the thread, which swaps tables into live (not owned; it must outlive the
 * source).  The caller's signal mask is inherited.  VO_EINVAL for a bad URL
 * or prefix (the message never shows the password), VO_ENOMEM, VO_EIO.
 * Redis being unreachable is not an error: the thread keeps trying.
 */
int vo_redis_source_start(const char *url, const char *prefix, struct vo_live *live,
			  struct vo_redis_source **out, struct vo_error *err);

/*
 * Where the tables come from, without the password, for logs, GET /segments
 * and /metrics: "redis://host:port/db/P:segments:current".
 */
const char *vo_redis_source_name(const struct vo_redis_source *s);

/* Asks the thread to read current again now (SIGHUP); a refused version is retried. */
void vo_redis_source_refresh(struct vo_redis_source *s);

/* Stops the thread, closes its connections and frees s; NULL is a no-op. */
void vo_redis_source_stop(struct vo_redis_source *s);

#endif
