/*
 * server.h - `vouch serve`: the HTTP server around api/router.h.
 *
 * libmicrohttpd is the HTTP engine, kept to this adapter.  Each worker thread
 * runs its own daemon in MHD_USE_EPOLL mode with its own loop (epoll_wait on
 * the daemon's epoll fd and an eventfd, then MHD_run, which never blocks), on
 * its own listening socket bound to the shared port with SO_REUSEPORT, so the
 * kernel spreads connections and no two threads share a connection, a lock
 * or a cache line on the hot path.  (libmicrohttpd's own internal-thread
 * epoll loop stalls when epoll_wait returns exactly 128 events; this design
 * never enters that loop.)
 *
 * With a redis:// URL for segments, api/source_redis.h's thread loads and
 * swaps the tables instead, and SIGHUP asks it to read Redis again.
 *
 * The main thread loads the artifact, then waits on a signalfd and an
 * inotify watch of the artifact's folder: SIGHUP or the file being replaced
 * reloads it (api/live.h swaps tables without stopping requests; a broken
 * artifact is refused with a log line and the old table stays); SIGTERM or
 * SIGINT stops accepting, lets requests in flight finish (at most
 * VO_API_DRAIN_SECONDS), and returns.
 */
#ifndef VO_API_SERVER_H
#define VO_API_SERVER_H

#include "core/common.h"

#include "api/router.h"
#include "core/err.h"

struct vo_server_config {
	const char *segments;	  /* the artifact's path, or a redis:// URL */
	const char *prefix;	  /* Redis key prefix (redis/segstore.h) */
	const char *host;	  /* address to listen on, "0.0.0.0" by default */
	unsigned port;		  /* 0: an ephemeral port (logged) */
	unsigned threads;	  /* worker threads; 0: one per available core */
	struct vo_api_config api; /* body limits and --as-of */
	size_t max_header;	  /* request line and headers (431 above) */
	unsigned timeout_s;	  /* silence after which a connection is closed */
	unsigned max_connections; /* over all threads; past it, 503 too_many_connections */
	unsigned max_per_ip;	  /* open connections per client address; 0: no limit */
	bool watch;		  /* reload when the file is replaced (inotify) */
};

/* Fills cfg with the defaults of core/limits.h. */
void vo_server_config_default(struct vo_server_config *cfg);

/*
 * Runs the server until SIGTERM or SIGINT.  VO_OK after a clean drain;
 * VO_EIO (with a message) when the address cannot be bound or the artifact's
 * folder cannot be watched.
 */
int vo_server_run(const struct vo_server_config *cfg, struct vo_error *err);

#endif
