/*
 * server.c - the engine's workers: listening sockets, the epoll loops,
 * accepting under the connection limits, deadlines, draining and counters
 * (see http.h).
 */
#include "core/common.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/http_int.h"

/* Events taken per epoll_wait, and connections accepted per listener event. */
#define EVENTS_MAX 256
#define ACCEPT_BATCH 64
/* The loop wakes at least this often (milliseconds), to drain on time. */
#define TICK_MS 1000
/* Answers are formed in a worker's wbuf up to this size. */
#define WBUF_MAX ((size_t)1 << 30)

static const char *const deadline_names[VO_HTTP_DEADLINE_COUNT] = { "idle", "header", "body",
								    "write" };
static const char *const refused_names[VO_HTTP_REFUSED_COUNT] = { "max_connections", "max_per_ip",
								  "body_memory", "no_room" };

const char *vo_http_deadline_name(enum vo_http_deadline d)
{
	return d < VO_HTTP_DEADLINE_COUNT ? deadline_names[d] : "other";
}

const char *vo_http_refused_name(enum vo_http_refused r)
{
	return r < VO_HTTP_REFUSED_COUNT ? refused_names[r] : "other";
}

/* ---- deadlines ------------------------------------------------------------ */

void vo__http_timer_disarm(struct vo__http_worker *w, struct vo__http_conn *c)
{
	if (c->timer == T_NONE)
		return;
	if (c->tprev)
		c->tprev->tnext = c->tnext;
	else
		w->timers[c->timer].head = c->tnext;
	if (c->tnext)
		c->tnext->tprev = c->tprev;
	else
		w->timers[c->timer].tail = c->tprev;
	c->tprev = NULL;
	c->tnext = NULL;
	c->timer = T_NONE;
}

void vo__http_timer_arm(struct vo__http_worker *w, struct vo__http_conn *c,
			enum vo__http_timer kind)
{
	vo__http_timer_disarm(w, c);
	/* w->now never goes back and each kind has one duration: the tail is the latest. */
	c->expires = w->now + w->srv->dur[kind];
	c->timer = (uint8_t)kind;
	c->tprev = w->timers[kind].tail;
	c->tnext = NULL;
	if (c->tprev)
		c->tprev->tnext = c;
	else
		w->timers[kind].head = c;
	w->timers[kind].tail = c;
}

static void expire(struct vo__http_worker *w)
{
	static const int counted_as[T_COUNT] = {
		[T_IDLE] = VO_HTTP_DEADLINE_IDLE,
		[T_HEAD] = VO_HTTP_DEADLINE_HEADER,
		[T_BODY] = VO_HTTP_DEADLINE_BODY,
		[T_WRITE] = VO_HTTP_DEADLINE_WRITE,
		[T_LINGER] = -1,
		[T_OVER] = VO_HTTP_DEADLINE_HEADER,
	};

	for (int k = 0; k < T_COUNT; k++) {
		struct vo__http_conn *c;

		while ((c = w->timers[k].head) != NULL && c->expires <= w->now) {
			if (counted_as[k] >= 0)
				vo__http_count(&w->deadline[counted_as[k]]);
			vo__http_conn_close(w, c);
		}
	}
}

/* When c's idle deadline was armed (each kind has one duration). */
static int64_t idle_since(const struct vo__http_worker *w, const struct vo__http_conn *c)
{
	return c->expires - w->srv->dur[T_IDLE];
}

/* Milliseconds until the next deadline (at most TICK_MS). */
static int next_timeout(const struct vo__http_worker *w)
{
	int64_t next = w->now + (int64_t)TICK_MS * 1000;
	int64_t ms;

	for (int k = 0; k < T_COUNT; k++)
		if (w->timers[k].head && w->timers[k].head->expires < next)
			next = w->timers[k].head->expires;
	if (w->draining) {
		int64_t d = atomic_load(&w->srv->drain_deadline);

		if (d < next)
			next = d;
		if (w->timers[T_IDLE].head) {
			d = idle_since(w, w->timers[T_IDLE].head) +
			    (int64_t)VO_HTTP_DRAIN_IDLE_MS * 1000;
			if (d < next)
				next = d;
		}
	}
	ms = (next - w->now + 999) / 1000;
	return ms < 0 ? 0 : (int)ms;
}

/* ---- accepting -------------------------------------------------------- */

static struct vo__http_conn *conn_new(struct vo__http_worker *w)
{
	struct vo__http_conn *c = w->free;

	if (c) {
		w->free = c->link;
		return c;
	}
	return vo_calloc(1, sizeof(*c));
}

/*
 * At the total limit: closes this worker's connection that has been idle,
 * sending its head or lingering longest (each list's head is its oldest).
 */
static bool evict_one(struct vo__http_worker *w)
{
	static const enum vo__http_timer kinds[] = { T_IDLE, T_HEAD, T_LINGER };
	struct vo__http_conn *victim = NULL;
	int64_t oldest = INT64_MAX;

	for (size_t i = 0; i < VO_ARRAY_SIZE(kinds); i++) {
		struct vo__http_conn *c = w->timers[kinds[i]].head;

		if (c && c->counted && c->expires - w->srv->dur[kinds[i]] < oldest) {
			oldest = c->expires - w->srv->dur[kinds[i]];
			victim = c;
		}
	}
	if (!victim)
		return false;
	vo__http_count(&w->evicted);
	vo__http_conn_close(w, victim);
	return true;
}

/* Whether w has a connection evict_one() could take. */
static bool has_victim(const struct vo__http_worker *w)
{
	return w->timers[T_IDLE].head || w->timers[T_HEAD].head || w->timers[T_LINGER].head;
}

/*
 * Nothing of this worker's own to evict: asks another worker that has
 * something (SO_REUSEPORT may have put all the slow clients there).  The
 * new connection is counted at once, so the total passes the limit by the
 * evictions still to be done, at most VO_HTTP_OVER_LIMIT_MAX per worker
 * (descriptors for them are in the reserve).
 */
static bool ask_eviction(struct vo__http_worker *w)
{
	struct vo_http_server *s = w->srv;
	uint64_t one = 1;

	for (size_t i = 1; i < s->nworkers; i++) {
		struct vo__http_worker *o = &s->workers[(w->index + i) % s->nworkers];

		if (!atomic_load_explicit(&o->evictable, memory_order_relaxed) ||
		    atomic_load_explicit(&o->evict_asked, memory_order_relaxed) >=
			    VO_HTTP_OVER_LIMIT_MAX)
			continue;
		atomic_fetch_add_explicit(&o->evict_asked, 1, memory_order_relaxed);
		if (write(o->wake.fd, &one, sizeof(one)) < 0) {
			/* The counter is read at its next turn anyway. */
		}
		return true;
	}
	return false;
}

/* Does the evictions other workers asked for. */
static void evict_asked(struct vo__http_worker *w)
{
	unsigned n = atomic_exchange_explicit(&w->evict_asked, 0, memory_order_relaxed);

	while (n-- && evict_one(w)) {
	}
}

/* Out of descriptors: accepts one pending connection into the spare
 * descriptor and closes it, so that the listener does not spin. */
static void shed_one(struct vo__http_worker *w, int lfd)
{
	int fd;

	if (w->spare_fd < 0)
		return;
	close(w->spare_fd);
	w->spare_fd = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		vo__http_count(&w->refused[VO_HTTP_REFUSED_NO_ROOM]);
	}
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* A new connection: counts it against the limits and starts it. */
static void admit(struct vo__http_worker *w, int fd, const struct sockaddr_storage *ss)
{
	struct vo_http_server *s = w->srv;
	struct vo__http_conn *c;
	struct epoll_event ev;
	uint8_t addr[VO_HTTP_ADDR_LEN];
	bool counted = false;
	int over = 0;
	int one = 1;

	vo__http_count(&w->accepted);
	vo_http_addr_of((const struct sockaddr *)ss, addr);
	if (s->per_ip && !vo_http_addrtab_acquire(&s->addrs, addr, s->cfg.max_per_ip)) {
		over = VO_HTTP_REFUSED_PER_IP + 1;
	} else {
		uint64_t n = atomic_fetch_add_explicit(&s->open, 1, memory_order_relaxed) + 1;

		if (n > s->limit && !evict_one(w) && !ask_eviction(w)) {
			atomic_fetch_sub_explicit(&s->open, 1, memory_order_relaxed);
			if (s->per_ip)
				vo_http_addrtab_put(&s->addrs, addr);
			over = VO_HTTP_REFUSED_CONNECTIONS + 1;
		} else {
			counted = true;
		}
	}
	if (over) {
		vo__http_count(&w->refused[over - 1]);
		if (w->nover >= VO_HTTP_OVER_LIMIT_MAX) {
			vo__http_count(&w->refused[VO_HTTP_REFUSED_NO_ROOM]);
			close(fd);
			return;
		}
	}
	c = conn_new(w);
	if (!c)
		goto fail;
	if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->counted = counted;
	c->over = (uint8_t)over;
	memcpy(c->addr, addr, sizeof(addr));
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev)) {
		c->link = w->free;
		w->free = c;
		goto fail;
	}
	if (over)
		w->nover++;
	w->nconns++;
	vo__http_conn_start(w, c);
	return;
fail:
	close(fd);
	if (counted) {
		atomic_fetch_sub_explicit(&s->open, 1, memory_order_relaxed);
		if (s->per_ip)
			vo_http_addrtab_put(&s->addrs, addr);
	}
}

static void on_accept(struct vo__http_worker *w, int lfd)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int fd;

		memset(&ss, 0, sizeof(ss));
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				shed_one(w, lfd);
			return;
		}
		admit(w, fd, &ss);
	}
}

/* ---- the loop ----------------------------------------------------------- */

static void clocks(struct vo__http_worker *w)
{
	w->now = vo_mono_us();
	w->now_real = vo_now_us();
}

static void close_list(struct vo__http_worker *w, enum vo__http_timer kind)
{
	while (w->timers[kind].head)
		vo__http_conn_close(w, w->timers[kind].head);
}

/*
 * While draining: closes the keep-alive connections idle for
 * VO_HTTP_DRAIN_IDLE_MS (the oldest are first on the list).  Closing an idle
 * connection at once would race with the request its client may be sending
 * right now, which would meet a closed socket; given a moment, that request
 * is answered with Connection: close instead and the client reconnects.
 */
static void drain_idle(struct vo__http_worker *w)
{
	struct vo__http_conn *c;

	while ((c = w->timers[T_IDLE].head) != NULL &&
	       idle_since(w, c) + (int64_t)VO_HTTP_DRAIN_IDLE_MS * 1000 <= w->now)
		vo__http_conn_close(w, c);
}

/* Stops accepting and closes the connections past a limit. */
static void start_drain(struct vo__http_worker *w)
{
	w->draining = true;
	for (size_t i = 0; i < w->nlisteners; i++)
		epoll_ctl(w->ep, EPOLL_CTL_DEL, w->listeners[i].fd, NULL);
	close_list(w, T_OVER);
}

static void free_dead(struct vo__http_worker *w)
{
	while (w->dead) {
		struct vo__http_conn *c = w->dead;

		w->dead = c->link;
		c->link = w->free;
		w->free = c;
	}
}

static void *worker_main(void *arg)
{
	struct vo__http_worker *w = arg;
	struct vo_http_server *s = w->srv;
	struct epoll_event events[EVENTS_MAX];

	for (;;) {
		int n = epoll_wait(w->ep, events, EVENTS_MAX, next_timeout(w));

		clocks(w);
		for (int i = 0; i < n; i++) {
			uint8_t src = *(const uint8_t *)events[i].data.ptr;

			if (src == SRC_CONN) {
				vo__http_conn_event(w, events[i].data.ptr, events[i].events);
			} else if (src == SRC_LISTEN) {
				if (!w->draining)
					on_accept(w,
						  ((struct vo__http_listener *)events[i].data.ptr)
							  ->fd);
			} else {
				uint64_t v;

				if (read(w->wake.fd, &v, sizeof(v)) < 0) {
					/* Spurious; the state is checked below anyway. */
				}
			}
		}
		expire(w);
		if (atomic_load_explicit(&w->evict_asked, memory_order_relaxed))
			evict_asked(w);
		atomic_store_explicit(&w->evictable, has_victim(w), memory_order_relaxed);
		free_dead(w);
		if (atomic_load_explicit(&s->draining, memory_order_acquire)) {
			if (!w->draining)
				start_drain(w);
			drain_idle(w);
			if (!w->nconns || w->now >= atomic_load(&s->drain_deadline))
				break;
		}
	}
	for (int k = 0; k < T_COUNT; k++)
		close_list(w, (enum vo__http_timer)k);
	free_dead(w);
	if (s->h.thread_exit)
		s->h.thread_exit(s->h.ctx, w->index);
	return NULL;
}

/* The worker thread starts by preparing the handler's per-thread state. */
struct start_arg {
	struct vo__http_worker *w;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int state; /* 0 pending, 1 ready, -1 failed */
};

static void *worker_start(void *arg)
{
	struct start_arg *sa = arg;
	struct vo__http_worker *w = sa->w;
	struct vo_http_server *s = w->srv;
	int rc = s->h.thread_init ? s->h.thread_init(s->h.ctx, w->index) : VO_OK;

	pthread_mutex_lock(&sa->lock);
	sa->state = rc ? -1 : 1;
	pthread_cond_signal(&sa->cond);
	pthread_mutex_unlock(&sa->lock);
	/* sa is gone from here on. */
	if (rc)
		return NULL;
	return worker_main(w);
}

/* ---- listening sockets ---------------------------------------------------- */

static int open_listener(const struct addrinfo *ai, bool reuseport, int *out, struct vo_error *err)
{
	int fd;
	int one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return vo_error_set(err, VO_EIO, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) {
		int e = errno;

		close(fd);
		return vo_error_set(err, VO_EIO, "SO_REUSEPORT: %s", strerror(e));
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen)) {
		int e = errno;

		close(fd);
		return vo_error_set(err, VO_EIO, "%s", strerror(e));
	}
	if (reuseport && listen(fd, 4096)) {
		int e = errno;

		close(fd);
		return vo_error_set(err, VO_EIO, "listen: %s", strerror(e));
	}
	*out = fd;
	return VO_OK;
}

unsigned vo_http_socket_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int vo_http_listen(const char *host, unsigned port, size_t n, int *fds, unsigned *port_out,
		   struct vo_error *err)
{
	struct addrinfo hints;
	struct addrinfo *ai = NULL;
	char service[16];
	int probe = -1;
	int rc;
	int gai;
	size_t i;

	for (i = 0; i < n; i++)
		fds[i] = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%u", port);
	gai = getaddrinfo(host, service, &hints, &ai);
	if (gai)
		return vo_error_set(err, VO_EIO, "cannot listen on %s: %s", host,
				    gai_strerror(gai));
	rc = open_listener(ai, false, &probe, err);
	if (rc) {
		char why[VO_ERROR_MSG_MAX];

		freeaddrinfo(ai);
		snprintf(why, sizeof(why), "%s", err->msg);
		return vo_error_set(err, rc, "cannot listen on %s:%u: %s", host, port, why);
	}
	*port_out = vo_http_socket_port(probe);
	close(probe);
	if (ai->ai_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_port =
			htons((uint16_t)*port_out);
	else
		((struct sockaddr_in *)(void *)ai->ai_addr)->sin_port = htons((uint16_t)*port_out);
	for (i = 0; i < n && !rc; i++)
		rc = open_listener(ai, true, &fds[i], err);
	freeaddrinfo(ai);
	if (rc) {
		char why[VO_ERROR_MSG_MAX];

		for (i = 0; i < n; i++) {
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
		}
		snprintf(why, sizeof(why), "%s", err->msg);
		return vo_error_set(err, rc, "cannot listen on %s:%u: %s", host, *port_out, why);
	}
	return VO_OK;
}

/* ---- the server ------------------------------------------------------- */

static uint64_t fd_reserve(unsigned threads)
{
	return VO_HTTP_FD_RESERVE + (uint64_t)threads * (VO_HTTP_OVER_LIMIT_MAX + 8);
}

unsigned vo_http_connection_limit(const struct vo_http_config *cfg)
{
	struct rlimit rl;
	uint64_t limit = cfg->max_connections ? cfg->max_connections : 1;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY) {
		uint64_t reserve = fd_reserve(cfg->threads);
		uint64_t fds = rl.rlim_cur > reserve + 1 ? rl.rlim_cur - reserve : 1;

		limit = VO_MIN(limit, fds);
	}
	return (unsigned)limit;
}

/* Raises the soft descriptor limit towards the hard one, as far as needed. */
static void raise_nofile(const struct vo_http_config *cfg)
{
	struct rlimit rl;
	uint64_t want = (uint64_t)cfg->max_connections + fd_reserve(cfg->threads);

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : VO_MIN(want, (uint64_t)rl.rlim_max);
	if (setrlimit(RLIMIT_NOFILE, &rl))
		vo_log(VO_LOG_DEBUG, "http: cannot raise RLIMIT_NOFILE: %s", strerror(errno));
}

static int worker_init(struct vo_http_server *s, struct vo__http_worker *w, size_t index,
		       struct vo_error *err)
{
	struct epoll_event ev;
	bool shared = s->nfds != s->nworkers;

	w->srv = s;
	w->index = index;
	w->wake.src = SRC_WAKE;
	w->wake.fd = -1;
	w->spare_fd = -1;
	w->date_sec = -1;
	vo_buf_init(&w->wbuf, WBUF_MAX);
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	if (w->ep < 0)
		return vo_error_set(err, VO_EIO, "epoll: %s", strerror(errno));
	w->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->wake.fd < 0)
		return vo_error_set(err, VO_EIO, "eventfd: %s", strerror(errno));
	w->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	w->path = vo_malloc(s->cfg.max_header);
	w->nlisteners = shared ? s->nfds : 1;
	w->listeners = vo_calloc(w->nlisteners, sizeof(*w->listeners));
	if (!w->path || !w->listeners)
		return vo_error_set(err, VO_ENOMEM, "out of memory");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &w->wake;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake.fd, &ev))
		return vo_error_set(err, VO_EIO, "epoll: %s", strerror(errno));
	for (size_t i = 0; i < w->nlisteners; i++) {
		w->listeners[i].src = SRC_LISTEN;
		w->listeners[i].fd = s->fds[shared ? i : index];
		memset(&ev, 0, sizeof(ev));
		/* Shared sockets wake one worker per connection, not all. */
		ev.events = EPOLLIN | (shared ? EPOLLEXCLUSIVE : 0u);
		ev.data.ptr = &w->listeners[i];
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->listeners[i].fd, &ev))
			return vo_error_set(err, VO_EIO, "epoll: %s", strerror(errno));
	}
	return VO_OK;
}

static void worker_release(struct vo__http_worker *w)
{
	vo__http_conn_free_spares(w);
	if (w->ep >= 0)
		close(w->ep);
	if (w->wake.fd >= 0)
		close(w->wake.fd);
	if (w->spare_fd >= 0)
		close(w->spare_fd);
	vo_free(w->path);
	vo_free(w->listeners);
}

int vo_http_server_create(const struct vo_http_config *cfg, const struct vo_http_handler *handler,
			  struct vo_http_server **out, struct vo_error *err)
{
	struct vo_http_server *s;
	int rc = VO_OK;

	*out = NULL;
	s = vo_calloc(1, sizeof(*s));
	if (!s) {
		for (size_t i = 0; i < cfg->nlisten; i++)
			close(cfg->listen_fds[i]);
		return vo_error_set(err, VO_ENOMEM, "out of memory");
	}
	s->cfg = *cfg;
	s->h = *handler;
	s->nfds = cfg->nlisten;
	s->fds = vo_calloc(s->nfds ? s->nfds : 1, sizeof(*s->fds));
	if (!s->fds) {
		for (size_t i = 0; i < cfg->nlisten; i++)
			close(cfg->listen_fds[i]);
		vo_free(s);
		return vo_error_set(err, VO_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < s->nfds; i++)
		s->fds[i] = cfg->listen_fds[i];
	s->cfg.listen_fds = NULL;
	s->nworkers = cfg->threads ? cfg->threads : 1;
	s->cfg.threads = (unsigned)s->nworkers;
	atomic_init(&s->open, 0);
	atomic_init(&s->body_memory, 0);
	atomic_init(&s->draining, false);
	atomic_init(&s->drain_deadline, INT64_MAX);
	if (!s->nfds || cfg->max_header < 64 || !cfg->idle_ms || !cfg->header_ms || !cfg->body_ms ||
	    !cfg->write_ms || !handler->head || !handler->request || !handler->refuse) {
		rc = vo_error_set(err, VO_EINVAL, "invalid HTTP engine settings");
		goto out;
	}
	raise_nofile(&s->cfg);
	s->limit = vo_http_connection_limit(&s->cfg);
	s->in_cap = (cfg->max_header + VO_HTTP_INLINE_BODY + 4095) & ~(size_t)4095;
	s->dur[T_IDLE] = (int64_t)cfg->idle_ms * 1000;
	s->dur[T_HEAD] = (int64_t)cfg->header_ms * 1000;
	s->dur[T_BODY] = (int64_t)cfg->body_ms * 1000;
	s->dur[T_WRITE] = (int64_t)cfg->write_ms * 1000;
	s->dur[T_LINGER] = (int64_t)VO_HTTP_LINGER_MS * 1000;
	s->dur[T_OVER] = (int64_t)cfg->header_ms * 1000;
	s->per_ip = cfg->max_per_ip > 0;
	if (s->per_ip) {
		/* Room for the limit, plus the evictions other workers may still owe. */
		rc = vo_http_addrtab_init(&s->addrs,
					  (size_t)s->limit + s->nworkers * VO_HTTP_OVER_LIMIT_MAX,
					  cfg->addr_key);
		if (rc) {
			vo_error_set(err, rc, "cannot set up the per-address table: %s",
				     vo_strerror(rc));
			goto out;
		}
	}
	s->workers = vo_aligned_calloc(64, s->nworkers, sizeof(*s->workers));
	if (!s->workers) {
		rc = vo_error_set(err, VO_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->nworkers; i++) {
		s->workers[i].ep = -1;
		s->workers[i].wake.fd = -1;
		s->workers[i].spare_fd = -1;
	}
	for (size_t i = 0; i < s->nworkers && !rc; i++)
		rc = worker_init(s, &s->workers[i], i, err);
out:
	if (rc) {
		vo_http_server_destroy(s);
		return rc;
	}
	*out = s;
	return VO_OK;
}

int vo_http_server_start(struct vo_http_server *s, struct vo_error *err)
{
	s->started = true;
	for (size_t i = 0; i < s->nworkers; i++) {
		struct vo__http_worker *w = &s->workers[i];
		struct start_arg sa;
		int state;

		sa.w = w;
		sa.state = 0;
		pthread_mutex_init(&sa.lock, NULL);
		pthread_cond_init(&sa.cond, NULL);
		if (pthread_create(&w->thread, NULL, worker_start, &sa)) {
			pthread_mutex_destroy(&sa.lock);
			pthread_cond_destroy(&sa.cond);
			vo_http_server_stop(s, 0);
			return vo_error_set(err, VO_EIO, "cannot start a worker thread");
		}
		pthread_mutex_lock(&sa.lock);
		while (!sa.state)
			pthread_cond_wait(&sa.cond, &sa.lock);
		state = sa.state;
		pthread_mutex_unlock(&sa.lock);
		pthread_mutex_destroy(&sa.lock);
		pthread_cond_destroy(&sa.cond);
		if (state < 0) {
			pthread_join(w->thread, NULL);
			vo_http_server_stop(s, 0);
			return vo_error_set(err, VO_ENOMEM,
					    "a worker thread cannot start: no memory");
		}
		w->started = true;
	}
	return VO_OK;
}

void vo_http_server_stop(struct vo_http_server *s, unsigned drain_ms)
{
	uint64_t one = 1;

	if (!s || s->stopped)
		return;
	s->stopped = true;
	atomic_store(&s->drain_deadline, vo_mono_us() + (int64_t)drain_ms * 1000);
	atomic_store_explicit(&s->draining, true, memory_order_release);
	/* No new connection from now on, in every worker's listener; sockets
	 * another process holds stay open for it (the workers only stop
	 * accepting), so what is queued in them is accepted there. */
	for (size_t i = 0; i < s->nfds && !s->cfg.shared_listeners; i++)
		if (s->fds[i] >= 0)
			shutdown(s->fds[i], SHUT_RDWR);
	for (size_t i = 0; i < s->nworkers; i++)
		if (s->workers[i].started && write(s->workers[i].wake.fd, &one, sizeof(one)) < 0)
			vo_log(VO_LOG_WARN, "http: cannot wake worker %zu: %s", i, strerror(errno));
	for (size_t i = 0; i < s->nworkers; i++) {
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
		s->workers[i].started = false;
	}
	for (size_t i = 0; i < s->nfds; i++) {
		if (s->fds[i] >= 0)
			close(s->fds[i]);
		s->fds[i] = -1;
	}
}

void vo_http_server_destroy(struct vo_http_server *s)
{
	if (!s)
		return;
	vo_http_server_stop(s, 0);
	if (s->workers) {
		for (size_t i = 0; i < s->nworkers; i++)
			worker_release(&s->workers[i]);
		vo_free(s->workers);
	}
	for (size_t i = 0; i < s->nfds; i++)
		if (s->fds[i] >= 0)
			close(s->fds[i]);
	if (s->per_ip)
		vo_http_addrtab_release(&s->addrs);
	vo_free(s->fds);
	vo_free(s);
}

size_t vo_http_server_listeners(const struct vo_http_server *s, const int **fds)
{
	*fds = s->fds;
	return s->nfds;
}

void vo_http_server_share_listeners(struct vo_http_server *s)
{
	s->cfg.shared_listeners = true;
}

unsigned vo_http_server_max_connections(const struct vo_http_server *s)
{
	return s->limit;
}

void vo_http_server_counters(const struct vo_http_server *s, struct vo_http_counters *out)
{
	memset(out, 0, sizeof(*out));
	out->open = atomic_load_explicit(&s->open, memory_order_relaxed);
	out->body_memory = atomic_load_explicit(&s->body_memory, memory_order_relaxed);
	for (size_t i = 0; i < s->nworkers; i++) {
		const struct vo__http_worker *w = &s->workers[i];

		out->accepted += atomic_load_explicit(&w->accepted, memory_order_relaxed);
		out->evicted += atomic_load_explicit(&w->evicted, memory_order_relaxed);
		for (int r = 0; r < VO_HTTP_REFUSED_COUNT; r++)
			out->refused[r] +=
				atomic_load_explicit(&w->refused[r], memory_order_relaxed);
		for (int d = 0; d < VO_HTTP_DEADLINE_COUNT; d++)
			out->deadline[d] +=
				atomic_load_explicit(&w->deadline[d], memory_order_relaxed);
	}
}
