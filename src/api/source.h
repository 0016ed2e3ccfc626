/*
 * source.h - where the served table comes from: an artifact file, or Redis.
 *
 * A source loads the artifact and then keeps api/live.h's table equal to
 * the newest version that passes validation, on a thread of its own, handing
 * every table it loads to vo_live_offer() (the one swap policy) and every
 * failure to vo_live_refuse(), so a broken artifact is refused with one log
 * line while the loaded one keeps serving.  vo_server_run() starts one,
 * refreshes it on SIGHUP and stops it, and never asks which kind it has.
 *
 *   a path       api/source_file.c: loads the file at start (before the
 *                server listens), and again on a refresh or, with watch,
 *                when the file is replaced or a symbolic link on its path
 *                is swapped (inotify on the folders along the resolved
 *                chain, plus a periodic check of the file's identity).
 *                Anything but a regular file is refused without blocking.
 *                The file may appear later; until then the server is not
 *                ready.
 *   redis://...  api/source_redis.c: follows the version `vouch publish`
 *   redis-sentinel://...  made current under the key prefix
 *                (redis/segstore.h): on each publish message, every
 *                VO_REDIS_POLL_MS, after each reconnection and on a refresh;
 *                an unreachable Redis leaves the table in memory serving and
 *                is retried with backoff, resolving the primary through the
 *                sentinels again each time, and a failover the sentinels
 *                announce switches at once.
 */
#ifndef VO_API_SOURCE_H
#define VO_API_SOURCE_H

#include "core/common.h"

#include "api/live.h"
#include "core/err.h"
#include "redis/redis.h"

struct vo_table_source;

/* What a source says of itself, for GET /segments, /metrics and --max-stale. */
struct vo_source_status {
	bool redis;	      /* the source is Redis (else a file) */
	bool up;	      /* Redis answers (a file: always) */
	bool subscribed;      /* Redis: publishes arrive by message, not only by polling */
	bool current_missing; /* Redis: current vanished while a version is served */
	char address[VO_REDIS_ADDR_MAX]; /* Redis: host:port of the node last used; "" before */
	int64_t refreshed_at_us;	 /* the last successful read of current (Redis) or load
					    of the file; 0: none yet */
	uint64_t failovers;		 /* Redis: times the node in use changed address */
};

/*
 * Starts the source segments names (a path, or a redis:// URL, with prefix
 * its key prefix) swapping tables into live (not owned; it must outlive the
 * source).  watch and keep (the artifacts kept for `vouch rollback`,
 * model/history.h; 0: none) apply to a file.  The caller's signal mask is inherited
 * by the source's thread.  VO_EINVAL for a bad URL or prefix (the message
 * never shows a password), VO_EIO (the folder cannot be watched, a thread
 * cannot start), VO_ENOMEM.  A missing file or an unreachable Redis is not
 * an error: the source keeps trying.
 */
int vo_table_source_start(const char *segments, const char *prefix, bool watch, unsigned keep,
			  struct vo_live *live, struct vo_table_source **out, struct vo_error *err);

/*
 * Where the tables come from, for logs, GET /segments and /metrics: the
 * path, or "redis://host:port/db/P:segments:current" (no password).
 */
const char *vo_table_source_name(const struct vo_table_source *s);

/* Fills *out (thread-safe: workers call it while the source runs). */
void vo_table_source_status(struct vo_table_source *s, struct vo_source_status *out);

/* Asks the source to load again now (SIGHUP); Redis retries a refused version too. */
void vo_table_source_refresh(struct vo_table_source *s);

/* Stops the thread and frees s; NULL is a no-op. */
void vo_table_source_stop(struct vo_table_source *s);

#endif
