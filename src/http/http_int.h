/*
 * http_int.h - what the engine's files share (server.c: workers, accepting,
 * limits, deadlines, draining; conn.c: one connection's bytes).  Private to
 * src/http/.
 */
#ifndef VO_HTTP_INT_H
#define VO_HTTP_INT_H

#include "core/common.h"

#include <pthread.h>
#include <stdatomic.h>

#include "core/buf.h"
#include "http/addrtab.h"
#include "http/http.h"

/* Deadline kinds; each has one duration, so each list is sorted by expiry. */
enum vo__http_timer {
	T_IDLE,	  /* between requests, or before a new connection's first byte */
	T_HEAD,	  /* reading a head, from its first byte */
	T_BODY,	  /* reading a body, from the end of its head */
	T_WRITE,  /* an answer waits for the client to read */
	T_LINGER, /* after Connection: close, reading what the client still sends */
	T_OVER,	  /* a connection past a limit, waiting for its head to answer 503 */
	T_COUNT,
	T_NONE = T_COUNT
};

/* What an epoll event's data points at (the first member of each). */
enum vo__http_source {
	SRC_CONN,
	SRC_LISTEN,
	SRC_WAKE,
};

enum vo__http_state {
	ST_IDLE,   /* no byte of the next request yet */
	ST_HEAD,   /* reading a head */
	ST_BODY,   /* reading a body */
	ST_LINGER, /* answered with Connection: close; dropping input until EOF */
};

/* Where a body's bytes go while they are read. */
enum vo__http_sink {
	SINK_INLINE,  /* in the input buffer, after the head */
	SINK_BIG,     /* in conn->body, from the server-wide budget */
	SINK_DISCARD, /* nowhere: the body is not wanted */
};

struct vo__http_conn {
	uint8_t src;	 /* SRC_CONN */
	uint8_t state;	 /* enum vo__http_state */
	uint8_t timer;	 /* the deadline list it is on, or T_NONE */
	uint8_t sink;	 /* enum vo__http_sink */
	uint8_t over;	 /* 0, or the enum vo_http_refused + 1 of the limit it is past */
	bool counted;	 /* counted in the open total and per address */
	bool keep_alive; /* the current request lets the connection stay open */
	bool expect;	 /* the current request asked for 100-continue */
	bool answered;	 /* the current request is answered; its body is being dropped */
	bool closing;	 /* close once the output is sent */
	bool linger;	 /* ... after reading what the client still sends */
	bool peer_eof;	 /* the client has shut its sending side */
	bool want_out;	 /* EPOLLOUT (instead of EPOLLIN) is armed */
	int fd;		 /* -1 once closed */
	int64_t expires; /* when the current deadline passes (vo_mono_us) */
	struct vo__http_conn *tprev, *tnext; /* in the deadline list */
	struct vo__http_conn *link;	     /* in the worker's free or dead list */
	uint8_t addr[VO_HTTP_ADDR_LEN];	     /* the client's address */

	/* Input: the head at in[0..head_len) while a request is read. */
	char *in;		/* NULL while nothing is pending; in_cap bytes */
	size_t in_len;		/* bytes in in */
	size_t next;		/* where the next request starts in in */
	size_t scanned;		/* bytes of the head already looked at */
	size_t head_len;	/* the current request's head */
	struct vo_str raw_path; /* its path, still percent-encoded (in in) */
	size_t raw_off;		/* body bytes not yet taken start here */
	uint64_t body_left;	/* Content-Length bytes still to come */
	uint64_t body_total;	/* body bytes taken so far */
	struct vo_http_chunked chunked;
	char *body;	 /* SINK_BIG: the body */
	size_t body_len; /* bytes in body (SINK_BIG) or after the head (SINK_INLINE) */
	size_t body_cap; /* bytes allocated (and charged to the budget) */
	size_t lingered; /* bytes dropped while lingering */

	/* Output that could not be sent at once. */
	char *out;
	size_t out_len, out_off;

	struct vo_http_exchange x; /* the current request */
};

struct vo__http_worker {
	struct vo_http_server *srv;
	size_t index;
	pthread_t thread;
	bool started;
	bool draining; /* this worker has begun to drain */
	int ep;	       /* the epoll instance */
	int spare_fd;  /* kept open to shed a connection when out of descriptors */
	struct {
		uint8_t src; /* SRC_WAKE */
		int fd;	     /* eventfd: vo_http_server_stop() writes to it */
	} wake;
	struct vo__http_listener {
		uint8_t src; /* SRC_LISTEN */
		int fd;
	} * listeners;
	size_t nlisteners;
	struct {
		struct vo__http_conn *head, *tail;
	} timers[T_COUNT];
	size_t nconns;			       /* open connections of this worker */
	size_t nover;			       /* ... of them past a limit */
	struct vo__http_conn *free;	       /* closed connections, for reuse */
	struct vo__http_conn *dead;	       /* closed during this loop turn */
	char *spare_in[VO_HTTP_SPARE_BUFFERS]; /* idle input buffers */
	size_t nspare_in;
	char *spare_body[VO_HTTP_SPARE_BUFFERS]; /* idle VO_HTTP_BODY_KEEP body buffers */
	size_t nspare_body;
	struct vo_buf wbuf;	       /* answers being formed for one connection */
	char *path;		       /* decoded paths, max_header bytes */
	struct vo__http_conn *path_of; /* whose path path holds */
	struct vo_http_field fields[VO_HTTP_FIELDS_MAX]; /* the head being parsed */
	char msg[160];					 /* an engine refusal's message */
	char drop[16384];				 /* where dropped input is read */
	int64_t now;					 /* vo_mono_us() of this loop turn */
	int64_t now_real;				 /* vo_now_us() of this loop turn */
	int64_t date_sec;				 /* the second date[] shows */
	char date[48];					 /* "Date: ...\r\n" */
	size_t date_len;

	/* Eviction across workers: a worker at the total limit with nothing of
	 * its own to evict asks one that has something. */
	_Atomic bool evictable;	      /* has idle, head or lingering connections (once a turn) */
	_Atomic unsigned evict_asked; /* evictions other workers asked of this one */

	/* Counters, written by this worker only (relaxed, no lock). */
	_Atomic uint64_t accepted;
	_Atomic uint64_t refused[VO_HTTP_REFUSED_COUNT];
	_Atomic uint64_t evicted;
	_Atomic uint64_t deadline[VO_HTTP_DEADLINE_COUNT];
} __attribute__((aligned(64)));

struct vo_http_server {
	struct vo_http_config cfg;
	struct vo_http_handler h;
	int *fds; /* the listening sockets (owned) */
	size_t nfds;
	struct vo__http_worker *workers;
	size_t nworkers;
	unsigned limit;	      /* connections, after RLIMIT_NOFILE */
	size_t in_cap;	      /* a connection's input buffer */
	int64_t dur[T_COUNT]; /* microseconds of each deadline kind */
	bool per_ip;	      /* max_per_ip is set */
	bool started;	      /* vo_http_server_start() ran */
	bool stopped;	      /* vo_http_server_stop() ran */
	struct vo_http_addrtab addrs;
	_Atomic uint64_t open __attribute__((aligned(64))); /* counted connections */
	_Atomic size_t body_memory;			    /* bytes of SINK_BIG buffers */
	_Atomic bool draining;
	_Atomic int64_t drain_deadline; /* vo_mono_us() */
};

/* Single-writer counter increment (no locked instruction). */
static inline void vo__http_count(_Atomic uint64_t *c)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/* ---- deadlines (server.c) ---------------------------------------------- */

/* Puts c on the list of kind, expiring one duration from now. */
void vo__http_timer_arm(struct vo__http_worker *w, struct vo__http_conn *c,
			enum vo__http_timer kind);
void vo__http_timer_disarm(struct vo__http_worker *w, struct vo__http_conn *c);

/* ---- connections (conn.c) ---------------------------------------------- */

/* Sets up c for a new connection on fd (already counted or marked over). */
void vo__http_conn_start(struct vo__http_worker *w, struct vo__http_conn *c);

/* Handles epoll events on c. */
void vo__http_conn_event(struct vo__http_worker *w, struct vo__http_conn *c, uint32_t events);

/* Closes c now: its counts, budget and buffers are given back. */
void vo__http_conn_close(struct vo__http_worker *w, struct vo__http_conn *c);

/* Frees what a worker keeps for reuse (spare buffers, connections). */
void vo__http_conn_free_spares(struct vo__http_worker *w);

#endif
