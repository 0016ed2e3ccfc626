/*
 * http.h - a small, strict HTTP/1.1 server engine.
 *
 * The engine knows nothing of vouch's routes: a handler (struct
 * vo_http_handler) judges each request's head, answers the whole request and
 * words the engine's own refusals.  It includes only src/core/.
 *
 * Design (docs/ARCHITECTURE.md tells the story):
 * - One epoll loop per worker thread, each on its own listening socket
 *   (SO_REUSEPORT on the shared port, bound by vo_http_listen(), or sockets
 *   handed in from outside), so a connection never changes threads and the
 *   request path takes no lock.  Connections are accepted with accept4
 *   (non-blocking) and TCP_NODELAY; an answer is sent at once, and EPOLLOUT
 *   is armed only when a send would block.
 * - Requests are parsed strictly (http/http_parse.h lists the rules);
 *   pipelined requests are answered in order; HTTP/1.0 and 1.1 keep-alive
 *   rules, Connection: close, HEAD without body, Expect: 100-continue (the
 *   100 is sent once the head passed the handler), a cached Date header and
 *   Content-Length on every answer.
 * - Every wait is bounded by a deadline of its kind (idle, head, body,
 *   write, linger), each kind with one fixed duration, so one FIFO list per
 *   kind is already sorted by expiry: arming, disarming and expiring are
 *   O(1).
 * - Memory is bounded: a fixed input buffer per connection that has bytes
 *   pending (head and small bodies), larger bodies from a server-wide budget
 *   (503 past it), output per connection bounded by leaving its further
 *   requests unread; buffers are reused, so a request in the steady state
 *   allocates nothing.
 * - Connections are limited in total (lowered to fit RLIMIT_NOFILE, with
 *   descriptors in reserve) and per client address (exact counts in a table
 *   keyed with a per-process secret).  At the total limit the connection
 *   that has been idle, or sending its head, longest is closed to make room;
 *   past a limit with nothing to evict, the request is answered 503 with
 *   Connection: close.
 */
#ifndef VO_HTTP_HTTP_H
#define VO_HTTP_HTTP_H

#include "core/common.h"

#include "core/err.h"
#include "core/str.h"
#include "http/http_parse.h"

struct vo_http_server;

/* Bytes of the key of the per-address table (vo_http_config.addr_key). */
#define VO_HTTP_ADDR_KEY_LEN 16

/* The engine's settings (every duration in milliseconds, each > 0). */
struct vo_http_config {
	const int *listen_fds;	  /* bound, listening sockets; the server owns them after create */
	size_t nlisten;		  /* one per worker, or any number shared by all workers */
	unsigned threads;	  /* worker threads, at least 1 */
	size_t max_header;	  /* request line and header lines, exactly (431 past it) */
	unsigned idle_ms;	  /* between requests, and before a new connection's first byte */
	unsigned header_ms;	  /* a whole request head, from its first byte */
	unsigned body_ms;	  /* a whole body, from the end of its head */
	unsigned write_ms;	  /* an answer the client does not read */
	unsigned max_connections; /* open at once, over all workers */
	unsigned max_per_ip;	  /* open at once from one client address; 0: no limit */
	size_t max_body_memory;	  /* body bytes buffered over all connections */
	const uint8_t *addr_key;  /* VO_HTTP_ADDR_KEY_LEN bytes keying the per-address table; NULL:
				     random */
	bool shared_listeners;	  /* another process holds listen_fds too (handed in by a
				     supervisor or a predecessor): never shut them down */
};

/* One request and its answer, as the handler sees them. */
struct vo_http_answer {
	int status;		  /* 0: none yet (in the head callback: go on) */
	const char *content_type; /* e.g. "application/json"; NULL: no Content-Type */
	const char *headers;	  /* more header lines, each ending in CRLF, or NULL */
	struct vo_str body;	  /* copied when the callback returns */
	bool close;		  /* close the connection after this answer */
};

struct vo_http_exchange {
	/* The request, set by the engine.  The views stay valid until the
	 * answer is given. */
	size_t worker;		    /* the worker thread, 0 .. threads - 1 */
	struct vo_str method;	    /* "POST" */
	struct vo_str target;	    /* the request-target as sent */
	struct vo_str path;	    /* percent-decoded, without the query; empty if !path_ok */
	bool path_ok;		    /* false: a malformed %xx or a decoded control byte */
	struct vo_str query;	    /* after '?', still encoded */
	unsigned minor;		    /* HTTP/1.minor */
	struct vo_str content_type; /* ptr NULL when absent */
	int64_t content_length;	    /* declared length, -1 when none (chunked or no body) */
	bool chunked;		    /* the body is chunked */
	const struct vo_http_field *fields; /* every field line: in the head callback only */
	size_t nfields;
	struct vo_str body; /* the whole body: in the request callback only */
	int64_t now_us;	    /* CLOCK_REALTIME when the head was read */
	int64_t start_us;   /* vo_mono_us() when the head was read (latency) */
	/* Set by the head callback when the request goes on. */
	size_t body_limit; /* the largest body taken (413 past it); 0: none is wanted */
	uintptr_t user;	   /* the handler's own, kept from the head to the request */
	/* The answer, set by any callback. */
	struct vo_http_answer answer;
};

/*
 * What the engine calls, always on the worker's thread; a worker calls one
 * at a time, so per-worker state needs no lock.  Each answer given in a
 * callback is copied before the engine goes on.
 */
struct vo_http_handler {
	void *ctx;
	/* Once per worker thread before its first request and after its last
	 * (either may be NULL); thread_init failing stops the worker. */
	int (*thread_init)(void *ctx, size_t worker);
	void (*thread_exit)(void *ctx, size_t worker);
	/* The head is complete and valid.  Sets x->answer to refuse the request
	 * now, or x->body_limit (and x->user) to let the body be read. */
	void (*head)(void *ctx, struct vo_http_exchange *x);
	/* The body is complete: answer (x->answer.status 0 becomes 500). */
	void (*request)(void *ctx, struct vo_http_exchange *x);
	/* A refusal of the engine's own (malformed head or body, a limit, a full
	 * server): x->answer.status is set; the handler words the body.  The
	 * request fields hold what could be read (method empty when none).  The
	 * connection is closed after this answer. */
	void (*refuse)(void *ctx, struct vo_http_exchange *x, const char *code,
		       const char *message);
};

/* What the engine counts, summed over the workers (vo_http_server_counters). */
enum vo_http_deadline {
	VO_HTTP_DEADLINE_IDLE,	 /* silent between requests */
	VO_HTTP_DEADLINE_HEADER, /* head not complete in time */
	VO_HTTP_DEADLINE_BODY,	 /* body not complete in time */
	VO_HTTP_DEADLINE_WRITE,	 /* answer not read in time */
	VO_HTTP_DEADLINE_COUNT
};

enum vo_http_refused {
	VO_HTTP_REFUSED_CONNECTIONS, /* past max_connections, none to evict: 503 */
	VO_HTTP_REFUSED_PER_IP,	     /* past max_per_ip: 503 */
	VO_HTTP_REFUSED_BODY_MEMORY, /* the body budget was spent: 503 */
	VO_HTTP_REFUSED_NO_ROOM,     /* no descriptor or no over-limit slot: closed at once */
	VO_HTTP_REFUSED_COUNT
};

struct vo_http_counters {
	uint64_t open;				   /* connections open within the limits */
	uint64_t accepted;			   /* connections accepted */
	uint64_t refused[VO_HTTP_REFUSED_COUNT];   /* by reason */
	uint64_t evicted;			   /* closed at the total limit to make room */
	uint64_t deadline[VO_HTTP_DEADLINE_COUNT]; /* connections closed by a deadline */
	uint64_t body_memory;			   /* body bytes buffered now */
};

/* The name of each counter's reason or kind, for metric labels. */
const char *vo_http_deadline_name(enum vo_http_deadline d);
const char *vo_http_refused_name(enum vo_http_refused r);

/* The local port of a socket (0 when it cannot be read, or it is no IPv4 or IPv6 one). */
unsigned vo_http_socket_port(int fd);

/*
 * Opens n listening sockets on host:port: first a probe bound without
 * SO_REUSEPORT, so that a port another process holds is refused rather than
 * shared (and port 0 picks a free one), then n sockets with SO_REUSEPORT on
 * the port found.  fds receives them (non-blocking, close-on-exec), *port_out
 * the port.  VO_EIO with a message naming the address.
 */
int vo_http_listen(const char *host, unsigned port, size_t n, int *fds, unsigned *port_out,
		   struct vo_error *err);

/*
 * The connection limit the engine would apply to cfg: max_connections,
 * lowered to fit RLIMIT_NOFILE minus the descriptors kept in reserve.
 */
unsigned vo_http_connection_limit(const struct vo_http_config *cfg);

/*
 * Creates a server over cfg->listen_fds (owned by the server from now on,
 * even on failure) and handler (copied).  Allocates the workers; starts no
 * thread.  VO_ENOMEM or VO_EIO, with a message.
 */
int vo_http_server_create(const struct vo_http_config *cfg, const struct vo_http_handler *handler,
			  struct vo_http_server **out, struct vo_error *err);

/* Starts the worker threads.  VO_EIO when one cannot start (the others stop). */
int vo_http_server_start(struct vo_http_server *s, struct vo_error *err);

/*
 * Drains and stops: stops accepting and closes the listening sockets (new
 * connections are refused, unless the sockets are shared: then they stay
 * open in the other process, which accepts what is queued), answers each
 * connection's next request with Connection: close, lets requests in flight
 * finish, closes connections idle for VO_HTTP_DRAIN_IDLE_MS (so a client
 * that is about to send its next request gets an answer, not a closed
 * connection), and closes what is left after drain_ms.  Returns when every
 * worker has stopped.  Only the first call drains.
 */
void vo_http_server_stop(struct vo_http_server *s, unsigned drain_ms);

/* Stops the server at once if it runs (no drain) and frees it.  NULL is a no-op. */
void vo_http_server_destroy(struct vo_http_server *s);

/*
 * The listening sockets (still owned by s) and their count, e.g. to hand
 * them to a successor process.
 */
size_t vo_http_server_listeners(const struct vo_http_server *s, const int **fds);

/*
 * Marks the listening sockets as shared with another process (handed on to
 * a successor): vo_http_server_stop() then closes its own descriptors
 * without shutting the sockets down.
 */
void vo_http_server_share_listeners(struct vo_http_server *s);

/* The connection limit in force (see vo_http_connection_limit()). */
unsigned vo_http_server_max_connections(const struct vo_http_server *s);

/* Sums the workers' counters (a slightly stale sample while they run). */
void vo_http_server_counters(const struct vo_http_server *s, struct vo_http_counters *out);

#endif
