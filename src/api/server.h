/*
 * server.h - `vouch serve`: the REST API of api/router.h, served.
 *
 * vo_server_run() puts the parts together and runs them until a signal
 * stops it: the table source (api/source.h: the artifact file, followed with
 * inotify, or Redis) keeps the served table current through api/live.h,
 * which swaps tables without stopping requests (a broken artifact is
 * refused with a log line and the old table stays); the HTTP engine
 * (api/engine.h: src/http/ behind api/http_engine.c) answers on its worker threads.  The
 * main thread waits on a signalfd: SIGHUP asks the source to load again;
 * SIGTERM or SIGINT stops accepting, lets requests in flight finish (at most
 * VO_API_DRAIN_SECONDS), and returns; SIGUSR2 starts the binary at the
 * server's path with the listening sockets (api/upgrade.h) and, once that
 * one is ready, drains and returns the same way (a new binary that fails
 * or is not ready within VO_API_UPGRADE_SECONDS is stopped, and this one
 * keeps serving).
 */
#ifndef VO_API_SERVER_H
#define VO_API_SERVER_H

#include "core/common.h"

#include "api/router.h"
#include "core/err.h"

struct vo_server_config {
	const char *segments;	   /* the artifact's path, or a redis:// URL */
	const char *prefix;	   /* Redis key prefix (redis/segstore.h) */
	const char *host;	   /* address to listen on, "0.0.0.0" by default */
	unsigned port;		   /* 0: an ephemeral port (logged) */
	unsigned threads;	   /* worker threads; 0: one per available core */
	struct vo_api_config api;  /* body limits and --as-of */
	size_t max_header;	   /* request line and headers, exactly (431 above) */
	unsigned timeout_s;	   /* idle keep-alive connection, or before the first byte */
	unsigned header_timeout_s; /* a whole request head, from its first byte */
	unsigned body_timeout_s;   /* a whole body, from the end of its head */
	unsigned write_timeout_s;  /* an answer the client does not read */
	size_t max_body_memory;	   /* body bytes buffered over all connections (503 past it) */
	unsigned max_connections;  /* over all threads; past it, 503 too_many_connections */
	unsigned max_per_ip;	   /* open connections per client address; 0: no limit */
	bool watch;		   /* reload when the file is replaced (inotify) */
	unsigned keep;		   /* artifacts kept for `vouch rollback` (file mode); 0: none */
	char *const *argv;	   /* the command line, re-executed by a binary upgrade
				      (SIGUSR2); NULL: no upgrade */
	const int *listen_fds;	   /* listening sockets handed in (api/upgrade.h), owned by
				      the server from vo_server_run() on; NULL: bind host:port */
	size_t nlisten;
	int ready_fd; /* a predecessor's readiness pipe (api/upgrade.h), or -1 */
};

/* Fills cfg with the defaults of core/limits.h. */
void vo_server_config_default(struct vo_server_config *cfg);

/*
 * Runs the server until SIGTERM or SIGINT.  VO_OK after a clean drain;
 * VO_EIO (with a message) when the address cannot be bound or the artifact's
 * folder cannot be watched, VO_EINVAL for a bad redis URL or prefix.
 */
int vo_server_run(const struct vo_server_config *cfg, struct vo_error *err);

#endif
