/*
 * http_mhd.c - the HTTP engine of api/engine.h over libmicrohttpd: the only
 * file that includes it.
 *
 * Each worker thread runs its own daemon in MHD_USE_EPOLL mode with its own
 * loop (epoll_wait on the daemon's epoll fd and an eventfd, then MHD_run,
 * which never blocks), on its own listening socket bound to the shared port
 * with SO_REUSEPORT, so the kernel spreads connections and no two threads
 * share a connection, a lock or a cache line on the hot path.
 * (libmicrohttpd's own internal-thread epoll loop stalls when epoll_wait
 * returns exactly 128 events; this design never enters that loop.)  A
 * worker keeps its finished requests, with their buffers, for the next ones.
 */
#include "core/common.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api/engine.h"
#include "core/alloc.h"
#include "core/jsonmem.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/str.h"

enum run_state {
	RUNNING,
	DRAINING, /* stop accepting, finish requests in flight */
};

struct worker {
	struct vo_engine *eng;
	size_t index;		/* reader slot of api->live and metrics index */
	int listen_fd;		/* owned until the daemon takes it */
	int wake_fd;		/* eventfd: the main thread's nudge */
	struct MHD_Daemon *mhd; /* this thread's daemon */
	pthread_t thread;
	bool started;
	size_t in_flight;      /* requests between first callback and completion */
	struct request *spare; /* finished requests kept for reuse, with their buffers */
	size_t nspare;
};

struct vo_engine {
	struct vo_engine_config cfg;
	const struct vo_api *api;     /* not owned */
	struct vo_metrics_set *stats; /* not owned */
	struct worker *workers;
	size_t nworkers;
	_Atomic int state;
	int64_t drain_deadline_us;   /* monotonic */
	_Atomic uint64_t open_conns; /* connections open over all workers */
	uint64_t conn_limit;	     /* beyond it, a connection's requests get 503 */
	_Atomic uint32_t *ip_conns;  /* open connections per hashed client address */
};

/* One request's state, from its first callback to its completion. */
struct request {
	int64_t t0;	     /* monotonic arrival */
	int64_t now_us;	     /* wall-clock arrival */
	enum vo_route route; /* set by the first callback */
	bool answered;	     /* a response is queued */
	bool too_large;	     /* the body passed the route's limit */
	bool close;	     /* answer with Connection: close */
	uint64_t discarded;  /* bytes read past the limit */
	struct vo_buf body;
	/* The answer; libmicrohttpd sends its body in place until completion. */
	struct vo_http_response resp;
	struct request *next; /* in worker->spare */
};

/*
 * A worker keeps finished requests and their two buffers for the next ones,
 * so a request in the steady state allocates nothing of its own.  Buffers
 * that grew past this (a batch) are given back rather than kept.
 */
#define SPARE_MAX 256
#define SPARE_BUF_MAX (64u << 10)
/* The per-thread arena for cJSON (core/jsonmem.h): a /voucher body's tree fits many times. */
#define JSON_ARENA_BYTES (256u << 10)

static struct request *request_get(struct worker *w)
{
	struct request *rq = w->spare;

	if (rq) {
		w->spare = rq->next;
		w->nspare--;
	} else {
		rq = vo_calloc(1, sizeof(*rq));
		if (!rq)
			return NULL;
		vo_buf_init(&rq->body, 0);
		vo_http_response_init(&rq->resp);
	}
	rq->t0 = vo_mono_us();
	rq->now_us = vo_now_us();
	rq->route = VO_ROUTE_NONE;
	rq->answered = false;
	rq->too_large = false;
	rq->close = false;
	rq->discarded = 0;
	rq->next = NULL;
	vo_buf_reset(&rq->body);
	vo_buf_reset(&rq->resp.body);
	rq->resp.status = 0;
	rq->resp.allow = NULL;
	rq->resp.location = NULL;
	return rq;
}

static void request_free(struct request *rq)
{
	vo_buf_release(&rq->body);
	vo_http_response_release(&rq->resp);
	vo_free(rq);
}

static void request_put(struct worker *w, struct request *rq)
{
	if (w->nspare >= SPARE_MAX) {
		request_free(rq);
		return;
	}
	if (rq->body.cap > SPARE_BUF_MAX)
		vo_buf_release(&rq->body);
	if (rq->resp.body.cap > SPARE_BUF_MAX)
		vo_buf_release(&rq->resp.body);
	rq->next = w->spare;
	w->spare = rq;
	w->nspare++;
}

/* ---- responses --------------------------------------------------------- */

/* Queues rq->resp; its body stays in rq until on_completed(). */
static enum MHD_Result send_response(struct worker *w, struct MHD_Connection *c, struct request *rq,
				     const char *method, const char *url)
{
	const struct vo_http_response *resp = &rq->resp;
	struct MHD_Response *r;
	enum MHD_Result ok;
	int64_t micros;
	static char empty[1];

	r = MHD_create_response_from_buffer(resp->body.len, resp->body.ptr ? resp->body.ptr : empty,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	if (resp->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type);
	if (resp->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
	if (resp->location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, resp->location);
	if (rq->close || atomic_load_explicit(&w->eng->state, memory_order_relaxed) == DRAINING)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ok = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	rq->answered = true;
	micros = vo_mono_us() - rq->t0;
	vo_metrics_count(&w->eng->stats->workers[w->index], rq->route, resp->status, micros);
	if (vo_log_enabled(VO_LOG_INFO))
		vo_log(VO_LOG_INFO, "access method=%s path=%s status=%d us=%" PRId64, method, url,
		       resp->status, micros);
	return ok;
}

static enum MHD_Result send_error(struct worker *w, struct MHD_Connection *c, struct request *rq,
				  int status, const char *code, const char *message,
				  const char *method, const char *url)
{
	vo_api_refuse(&rq->resp, rq->route, status, code, message);
	return send_response(w, c, rq, method, url);
}

/* ---- request head checks ----------------------------------------------- */

struct head_scan {
	unsigned content_lengths;
	bool lengths_differ;
	const char *first_length;
	bool transfer_encoding;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct head_scan *h = cls;

	(void)kind;
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
		if (h->content_lengths++ && strcmp(h->first_length, value ? value : "") != 0)
			h->lengths_differ = true;
		else if (h->content_lengths == 1)
			h->first_length = value ? value : "";
	} else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		h->transfer_encoding = true;
	}
	return MHD_YES;
}

/*
 * The first callback of a request: headers only.  Refuses what is wrong
 * before the body is read.  Returns true when the request goes on.
 */
static bool on_head(struct worker *w, struct MHD_Connection *c, struct request *rq, const char *url,
		    const char *method, enum MHD_Result *result)
{
	struct head_scan h = { 0 };
	struct vo_http_request req;
	int64_t content_length = -1;
	const char *ct;
	bool go_on;

	MHD_get_connection_values(c, MHD_HEADER_KIND, scan_header, &h);
	if (h.lengths_differ || (h.content_lengths && h.transfer_encoding)) {
		/* Request smuggling: two parties could read two different bodies. */
		*result = send_error(
			w, c, rq, 400, "bad_request",
			h.lengths_differ ? "conflicting Content-Length headers"
					 : "both Content-Length and Transfer-Encoding are given",
			method, url);
		return false;
	}
	if (h.content_lengths) {
		uint64_t v;

		/* Not a number (or too large): as large as it gets, so 413. */
		if (!vo_str_to_u64(vo_str_cstr(h.first_length), INT64_MAX, &v))
			v = INT64_MAX;
		content_length = (int64_t)v;
	}
	ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	memset(&req, 0, sizeof(req));
	req.method = vo_str_cstr(method);
	req.path = vo_str_cstr(url);
	req.content_type = ct ? vo_str_cstr(ct) : vo_str_make(NULL, 0);
	go_on = vo_api_precheck(w->eng->api, &req, content_length, &rq->route, &rq->resp);
	if (!go_on) {
		*result = send_response(w, c, rq, method, url);
		return false;
	}
	rq->body.max = vo_api_body_limit(w->eng->api, rq->route);
	/* A declared length is allocated once (it is within the limit here). */
	if (content_length > 0 && vo_buf_grow(&rq->body, (size_t)content_length))
		rq->too_large = true;
	return true;
}

/* ---- connection limits ------------------------------------------------- */

/*
 * Connections are counted in total and per client address (hashed into
 * VO_API_IP_SLOTS counters shared by the workers: a collision can only make
 * the per-address limit stricter).  libmicrohttpd's own limit sits a little
 * above ours, so a connection past our limit is still accepted and its
 * requests answered 503 with Connection: close, rather than left unanswered.
 * The socket context points at the connection's counter, ip_conns[slot], or,
 * for a connection over a limit, at ip_conns[VO_API_IP_SLOTS + slot] (the
 * second half of the array only marks them).
 */
static size_t ip_slot(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	const unsigned char *p = NULL;
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	size_t n = 0;

	if (sa && sa->sa_family == AF_INET) {
		p = (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)
			    ->sin_addr;
		n = 4;
	} else if (sa && sa->sa_family == AF_INET6) {
		p = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)sa)
			    ->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return (size_t)(h % VO_API_IP_SLOTS);
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct vo_engine *eng = cls;
	_Atomic uint32_t *ctx = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		size_t slot = ip_slot(c);
		uint64_t open = atomic_fetch_add(&eng->open_conns, 1) + 1;
		uint32_t mine = atomic_fetch_add(&eng->ip_conns[slot], 1) + 1;
		bool over = open > eng->conn_limit ||
			    (eng->cfg.max_per_ip && mine > eng->cfg.max_per_ip);

		*socket_context = &eng->ip_conns[slot + (over ? VO_API_IP_SLOTS : 0)];
		if (over)
			vo_log(VO_LOG_DEBUG,
			       "connection over the limit (%" PRIu64 " open, %" PRIu32
			       " from its address)",
			       open, mine);
	} else if (ctx) {
		size_t slot = (size_t)(ctx - eng->ip_conns) % VO_API_IP_SLOTS;

		atomic_fetch_sub(&eng->open_conns, 1);
		atomic_fetch_sub(&eng->ip_conns[slot], 1);
		*socket_context = NULL;
	}
}

/* Whether the connection was opened past a limit. */
static bool over_limit(const struct vo_engine *eng, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	const _Atomic uint32_t *ctx = ci ? ci->socket_context : NULL;

	return ctx && ctx >= eng->ip_conns + VO_API_IP_SLOTS;
}

/* ---- the access handler ------------------------------------------------ */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct worker *w = cls;
	struct request *rq = *con_cls;
	struct vo_http_request req;
	enum MHD_Result result = MHD_YES;

	(void)version;
	if (!rq) {
		rq = request_get(w);
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		w->in_flight++;
		if (over_limit(w->eng, c)) {
			rq->close = true;
			rq->route = vo_route_find(vo_str_cstr(url));
			return send_error(w, c, rq, 503, "too_many_connections",
					  "too many open connections; retry later", method, url);
		}
		on_head(w, c, rq, url, method, &result);
		return result;
	}
	if (rq->answered) {
		/* Answered from the head; drop the rest of the body. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (!rq->too_large && vo_buf_add(&rq->body, upload_data, n)) {
			rq->too_large = true;
			vo_buf_release(&rq->body);
		}
		if (rq->too_large) {
			/*
			 * A chunked body only shows its size as it comes.  The
			 * answer can only be sent once it is read, so read on,
			 * but not forever: past 16 times the limit, hang up.
			 */
			rq->discarded += n;
			if (rq->discarded / 16 > vo_api_body_limit(w->eng->api, rq->route))
				return MHD_NO;
		}
		return MHD_YES;
	}
	if (rq->too_large) {
		char msg[96];

		snprintf(msg, sizeof(msg), "the body is larger than the limit of %zu bytes",
			 vo_api_body_limit(w->eng->api, rq->route));
		return send_error(w, c, rq, 413, "payload_too_large", msg, method, url);
	}
	memset(&req, 0, sizeof(req));
	req.method = vo_str_cstr(method);
	req.path = vo_str_cstr(url);
	req.body = vo_buf_view(&rq->body);
	req.now_us = rq->now_us;
	vo_api_handle(w->eng->api, w->index, rq->route, &req, &rq->resp);
	return send_response(w, c, rq, method, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct worker *w = cls;
	struct request *rq = *con_cls;

	(void)c;
	if (!rq)
		return;
	if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && !rq->answered)
		vo_log(VO_LOG_DEBUG, "request dropped before its answer (code %d)", (int)toe);
	*con_cls = NULL;
	request_put(w, rq);
	w->in_flight--;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t len;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
		msg[--len] = '\0';
	vo_log(VO_LOG_DEBUG, "http: %s", msg);
}

/* ---- worker threads ---------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct vo_engine *eng = w->eng;
	struct epoll_event ev, events[2];
	const union MHD_DaemonInfo *info;
	bool quiesced = false;
	int ep;

	info = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || !info) {
		vo_log(VO_LOG_ERROR, "worker %zu: epoll: %s", w->index, strerror(errno));
		return NULL;
	}
	if (vo_jsonmem_thread_init(JSON_ARENA_BYTES))
		vo_log(VO_LOG_WARN, "worker %zu: no memory for a JSON arena; using malloc",
		       w->index);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u32 = 0;
	epoll_ctl(ep, EPOLL_CTL_ADD, info->epoll_fd, &ev);
	ev.data.u32 = 1;
	epoll_ctl(ep, EPOLL_CTL_ADD, w->wake_fd, &ev);
	for (;;) {
		MHD_UNSIGNED_LONG_LONG mhd_timeout;
		int timeout = 1000, n;

		if (MHD_get_timeout(w->mhd, &mhd_timeout) == MHD_YES)
			timeout = (int)VO_MIN(mhd_timeout, 1000ULL);
		n = epoll_wait(ep, events, 2, timeout);
		for (int i = 0; i < n; i++) {
			if (events[i].data.u32 == 1) {
				uint64_t v;
				if (read(w->wake_fd, &v, sizeof(v)) < 0) {
					/* Spurious; the state is checked below anyway. */
				}
			}
		}
		MHD_run(w->mhd);
		if (atomic_load(&eng->state) == DRAINING) {
			if (!quiesced) {
				MHD_socket s = MHD_quiesce_daemon(w->mhd);
				if (s != MHD_INVALID_SOCKET)
					close(s);
				quiesced = true;
			}
			if (!w->in_flight || vo_mono_us() > eng->drain_deadline_us)
				break;
		}
	}
	close(ep);
	vo_jsonmem_thread_release();
	return NULL;
}

/* ---- sockets ----------------------------------------------------------- */

static int open_listener(const struct addrinfo *ai, bool reuseport, int *out, struct vo_error *err)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return vo_error_set(err, VO_EIO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) {
		close(fd);
		return vo_error_set(err, VO_EIO, "SO_REUSEPORT: %s", strerror(errno));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen)) {
		int e = errno;
		close(fd);
		return vo_error_set(err, VO_EIO, "cannot listen there: %s", strerror(e));
	}
	if (reuseport && listen(fd, 4096)) {
		int e = errno;
		close(fd);
		return vo_error_set(err, VO_EIO, "listen: %s", strerror(e));
	}
	*out = fd;
	return VO_OK;
}

static unsigned bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * Binds one socket per worker to host:port with SO_REUSEPORT.  A probe
 * without SO_REUSEPORT first makes sure no other process holds the port (it
 * would otherwise silently share our traffic) and picks the ephemeral port.
 */
static int open_listeners(struct vo_engine *eng, unsigned *port, struct vo_error *err)
{
	const struct vo_engine_config *cfg = &eng->cfg;
	struct addrinfo hints, *ai = NULL;
	char service[16];
	int probe = -1, rc, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", cfg->port);
	gai = getaddrinfo(cfg->host, service, &hints, &ai);
	if (gai)
		return vo_error_set(err, VO_EIO, "%s: %s", cfg->host, gai_strerror(gai));
	rc = open_listener(ai, false, &probe, err);
	if (rc) {
		freeaddrinfo(ai);
		return vo_error_set(err, rc, "%s:%u: %s", cfg->host, cfg->port, err->msg);
	}
	*port = bound_port(probe);
	close(probe);
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)ai->ai_addr)->sin6_port = htons((uint16_t)*port);
	else
		((struct sockaddr_in *)ai->ai_addr)->sin_port = htons((uint16_t)*port);
	for (size_t i = 0; i < eng->nworkers && !rc; i++)
		rc = open_listener(ai, true, &eng->workers[i].listen_fd, err);
	freeaddrinfo(ai);
	if (rc)
		return vo_error_set(err, rc, "%s:%u: %s", cfg->host, *port, err->msg);
	return VO_OK;
}

/* The connection limit: the asked one, but never past the file descriptors we may open. */
static unsigned connection_limit(const struct vo_engine_config *cfg, size_t nworkers)
{
	struct rlimit rl;
	uint64_t limit = cfg->max_connections;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		uint64_t spare = 32 + 4 * (uint64_t)nworkers;
		uint64_t fds = rl.rlim_cur > spare ? rl.rlim_cur - spare : 1;
		if (limit > fds) {
			vo_log(VO_LOG_WARN,
			       "connection limit lowered from %" PRIu64 " to %" PRIu64
			       " (RLIMIT_NOFILE is %" PRIu64 ")",
			       limit, fds, (uint64_t)rl.rlim_cur);
			limit = fds;
		}
	}
	return limit ? (unsigned)limit : 1;
}

static int start_workers(struct vo_engine *eng, struct vo_error *err)
{
	const struct vo_engine_config *cfg = &eng->cfg;
	/* libmicrohttpd's limit: ours per worker, plus room to answer 503 past ours. */
	unsigned per_worker = (unsigned)(eng->conn_limit / VO_MAX(eng->nworkers, (size_t)1)) +
			      VO_API_CONNECTIONS_SLACK;
	/* The head must fit in the connection's pool with room for the answer's headers. */
	size_t pool = cfg->max_header + 4096;

	for (size_t i = 0; i < eng->nworkers; i++) {
		struct worker *w = &eng->workers[i];

		w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->wake_fd < 0)
			return vo_error_set(err, VO_EIO, "eventfd: %s", strerror(errno));
		w->mhd = MHD_start_daemon(
			MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, w,
			MHD_OPTION_LISTEN_SOCKET, (MHD_socket)w->listen_fd,
			MHD_OPTION_CONNECTION_LIMIT, per_worker, MHD_OPTION_CONNECTION_TIMEOUT,
			cfg->timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
			MHD_OPTION_NOTIFY_COMPLETED, on_completed, w, MHD_OPTION_NOTIFY_CONNECTION,
			on_connection, eng, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
			MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_END);
		if (!w->mhd)
			return vo_error_set(err, VO_EIO, "cannot start the HTTP engine");
		w->listen_fd = -1; /* the daemon owns it now */
		if (pthread_create(&w->thread, NULL, worker_main, w))
			return vo_error_set(err, VO_EIO, "cannot start a worker thread");
		w->started = true;
	}
	return VO_OK;
}

static void wake_all(struct vo_engine *eng)
{
	uint64_t one = 1;

	for (size_t i = 0; i < eng->nworkers; i++)
		if (eng->workers[i].started &&
		    write(eng->workers[i].wake_fd, &one, sizeof(one)) < 0)
			vo_log(VO_LOG_WARN, "cannot wake worker %zu: %s", i, strerror(errno));
}

static void stop_workers(struct vo_engine *eng)
{
	atomic_store(&eng->state, DRAINING);
	wake_all(eng);
	for (size_t i = 0; i < eng->nworkers; i++) {
		struct worker *w = &eng->workers[i];
		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->mhd)
			MHD_stop_daemon(w->mhd); /* completes what is open, into w->spare */
		while (w->spare) {
			struct request *rq = w->spare;
			w->spare = rq->next;
			request_free(rq);
		}
		if (w->listen_fd >= 0)
			close(w->listen_fd);
		if (w->wake_fd >= 0)
			close(w->wake_fd);
	}
}

void vo_engine_stop(struct vo_engine *eng, int64_t drain_us)
{
	if (!eng)
		return;
	eng->drain_deadline_us = vo_mono_us() + drain_us;
	stop_workers(eng);
	vo_free(eng->ip_conns);
	vo_free(eng->workers);
	vo_free(eng);
}

int vo_engine_start(const struct vo_engine_config *cfg, const struct vo_api *api,
		    struct vo_metrics_set *stats, struct vo_engine **out, unsigned *port,
		    struct vo_error *err)
{
	struct vo_engine *eng;
	int rc;

	*out = NULL;
	eng = vo_calloc(1, sizeof(*eng));
	if (!eng)
		return vo_error_nomem(err);
	eng->cfg = *cfg;
	eng->api = api;
	eng->stats = stats;
	eng->nworkers = cfg->nworkers ? cfg->nworkers : 1;
	atomic_init(&eng->state, RUNNING);
	atomic_init(&eng->open_conns, 0);
	eng->workers = vo_calloc(eng->nworkers, sizeof(*eng->workers));
	eng->ip_conns = vo_calloc((size_t)2 * VO_API_IP_SLOTS, sizeof(*eng->ip_conns));
	if (!eng->workers || !eng->ip_conns) {
		vo_free(eng->workers);
		vo_free(eng->ip_conns);
		vo_free(eng);
		return vo_error_nomem(err);
	}
	for (size_t i = 0; i < eng->nworkers; i++) {
		eng->workers[i].eng = eng;
		eng->workers[i].index = i;
		eng->workers[i].listen_fd = -1;
		eng->workers[i].wake_fd = -1;
	}
	eng->conn_limit = connection_limit(cfg, eng->nworkers);
	rc = open_listeners(eng, port, err);
	if (!rc)
		rc = start_workers(eng, err);
	if (rc) {
		vo_engine_stop(eng, 0);
		return rc;
	}
	*out = eng;
	return VO_OK;
}
