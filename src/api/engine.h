/*
 * engine.h - the HTTP engine under api/router.h, as vo_server_run() drives
 * it: start, then stop with a drain.
 *
 * An engine listens on host:port with nworkers worker threads.  It turns
 * each request into a struct vo_http_request, has it judged by
 * vo_api_precheck() from its head and answered by vo_api_handle() once its
 * body is in (worker i uses reader slot i of api->live and entry i of the
 * metrics set), sends the struct vo_http_response back, counts and logs it.
 * The engine's own refusals (malformed HTTP, limits, deadlines) are worded
 * by vo_api_fail(), so every answer has the JSON error format.
 *
 * The engine is src/http/ (api/http_engine.c is the adapter).
 */
#ifndef VO_API_ENGINE_H
#define VO_API_ENGINE_H

#include "core/common.h"

#include "api/metrics.h"
#include "api/router.h"
#include "core/err.h"

struct vo_engine_config {
	const char *host;	   /* address to listen on */
	unsigned port;		   /* 0: an ephemeral port */
	size_t nworkers;	   /* worker threads: reader slots and metrics entries */
	size_t max_header;	   /* request line and headers, exactly (431 above) */
	unsigned timeout_s;	   /* idle keep-alive connection, or before the first byte */
	unsigned header_timeout_s; /* a whole request head, from its first byte */
	unsigned body_timeout_s;   /* a whole body, from the end of its head */
	unsigned write_timeout_s;  /* an answer the client does not read */
	size_t max_body_memory;	   /* body bytes buffered over all connections (503 past it) */
	unsigned max_connections;  /* over all workers; past it, 503 */
	unsigned max_per_ip;	   /* per client address; 0: no limit */
	const int *listen_fds;	   /* listening sockets handed in (socket activation, an
				      upgrade), owned by the engine after start; NULL: bind
				      host:port */
	size_t nlisten;
};

struct vo_engine;

/*
 * Binds the listening sockets and starts the workers, which answer through
 * api and count into stats (both not owned; they must outlive the engine).
 * *port is the port bound (the ephemeral one when cfg->port is 0; with
 * cfg->listen_fds, the port of the first one).  On
 * failure nothing is left running: VO_EIO with a message naming the address
 * when it cannot be bound (or is in use by another process), VO_ENOMEM.
 */
int vo_engine_start(const struct vo_engine_config *cfg, const struct vo_api *api,
		    struct vo_metrics_set *stats, struct vo_engine **out, unsigned *port,
		    struct vo_error *err);

/*
 * The listening sockets (owned by e), e.g. to hand them to a new binary;
 * returns their count.
 */
size_t vo_engine_listeners(const struct vo_engine *e, const int **fds);

/*
 * Marks the listening sockets as shared with another process, which goes on
 * accepting on them: vo_engine_stop() then stops accepting without shutting
 * them down (http/http.h).
 */
void vo_engine_share(struct vo_engine *e);

/*
 * Stops accepting (the listening sockets close), lets the requests in flight
 * finish for at most drain_us microseconds (answers say Connection: close
 * meanwhile), stops the workers and frees e.  NULL is a no-op.
 */
void vo_engine_stop(struct vo_engine *e, int64_t drain_us);

#endif
