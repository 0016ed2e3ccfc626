/*
 * engine.h - the HTTP engine under api/router.h, as vo_server_run() drives
 * it: start, then stop with a drain.
 *
 * An engine listens on host:port with nworkers worker threads.  It turns
 * each request into a struct vo_http_request, has it judged by
 * vo_api_precheck() from its head and answered by vo_api_handle() once its
 * body is in (worker i uses reader slot i of api->live and entry i of the
 * metrics set), sends the struct vo_http_response back, counts and logs it.
 * It enforces what belongs to connections: the head limit (431), the idle
 * timeout, the connection limits (503 too_many_connections past them, the
 * limit lowered to fit RLIMIT_NOFILE), one Content-Length or chunked but not
 * both (400), and the body limit of the route as the body arrives (413).
 * Each worker gives itself a JSON arena (core/jsonmem.h).
 *
 * Today's engine is libmicrohttpd (api/http_mhd.c, the only file that
 * includes it); an in-house HTTP/1.1 engine (src/http/) is to replace it
 * behind this interface, with nothing above it changing.
 */
#ifndef VO_API_ENGINE_H
#define VO_API_ENGINE_H

#include "core/common.h"

#include "api/metrics.h"
#include "api/router.h"
#include "core/err.h"

struct vo_engine_config {
	const char *host;	  /* address to listen on */
	unsigned port;		  /* 0: an ephemeral port */
	size_t nworkers;	  /* worker threads: reader slots and metrics entries */
	size_t max_header;	  /* request line and headers (431 above) */
	unsigned timeout_s;	  /* silence after which a connection is closed */
	unsigned max_connections; /* over all workers; past it, 503 */
	unsigned max_per_ip;	  /* per client address; 0: no limit */
};

struct vo_engine;

/*
 * Binds the listening sockets and starts the workers, which answer through
 * api and count into stats (both not owned; they must outlive the engine).
 * *port is the port bound (the ephemeral one when cfg->port is 0).  On
 * failure nothing is left running: VO_EIO with a message naming the address
 * when it cannot be bound (or is in use by another process), VO_ENOMEM.
 */
int vo_engine_start(const struct vo_engine_config *cfg, const struct vo_api *api,
		    struct vo_metrics_set *stats, struct vo_engine **out, unsigned *port,
		    struct vo_error *err);

/*
 * Stops accepting (the listening sockets close), lets the requests in flight
 * finish for at most drain_us microseconds (answers say Connection: close
 * meanwhile), stops the workers and frees e.  NULL is a no-op.
 */
void vo_engine_stop(struct vo_engine *e, int64_t drain_us);

#endif
