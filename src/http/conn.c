/*
 * conn.c - one connection's bytes: reading, heads, bodies, answers, writing
 * and closing (see http.h for the design, http_parse.h for the rules).
 *
 * A connection's input buffer holds the current request's head at
 * in[0..head_len) from the moment it is parsed until the request is
 * answered, so the views the handler gets stay valid; a small body follows
 * it in the same buffer, a larger one goes to conn->body, charged to the
 * server-wide budget.  Answers are formed in the worker's wbuf and sent at
 * the end of each read (pipelined answers in one send); what the socket
 * does not take waits in conn->out, and the connection is not read again
 * until it is sent.
 */
#include "core/common.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/civil.h"
#include "core/limits.h"
#include "core/log.h"
#include "http/http_int.h"

/* wbuf capacity kept between answers; a larger one (a big batch) is freed. */
#define WBUF_KEEP (4u << 20)

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* ---- buffers and the body budget ---------------------------------------- */

static char *in_get(struct vo__http_worker *w)
{
	if (w->nspare_in)
		return w->spare_in[--w->nspare_in];
	return vo_malloc(w->srv->in_cap);
}

/* Gives the input buffer back to the worker (nothing in it is needed). */
static void in_put(struct vo__http_worker *w, struct vo__http_conn *c)
{
	if (!c->in)
		return;
	if (w->nspare_in < VO_HTTP_SPARE_BUFFERS)
		w->spare_in[w->nspare_in++] = c->in;
	else
		vo_free(c->in);
	c->in = NULL;
	c->in_len = 0;
	c->next = 0;
}

static bool charge(struct vo_http_server *s, size_t n)
{
	size_t cur = atomic_load_explicit(&s->body_memory, memory_order_relaxed);

	do {
		if (n > s->cfg.max_body_memory || cur > s->cfg.max_body_memory - n)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
		&s->body_memory, &cur, cur + n, memory_order_relaxed, memory_order_relaxed));
	return true;
}

static void uncharge(struct vo_http_server *s, size_t n)
{
	atomic_fetch_sub_explicit(&s->body_memory, n, memory_order_relaxed);
}

static void body_free(struct vo__http_worker *w, struct vo__http_conn *c)
{
	if (!c->body)
		return;
	uncharge(w->srv, c->body_cap);
	if (c->body_cap == VO_HTTP_BODY_KEEP && w->nspare_body < VO_HTTP_SPARE_BUFFERS)
		w->spare_body[w->nspare_body++] = c->body;
	else
		vo_free(c->body);
	c->body = NULL;
	c->body_cap = 0;
	c->body_len = 0;
}

/*
 * Makes room for need bytes in c->body (growing it geometrically, never past
 * most), charged to the budget.  False when the budget or the memory is
 * spent.
 */
static bool body_room(struct vo__http_worker *w, struct vo__http_conn *c, size_t need, size_t most)
{
	size_t cap;
	char *p;

	if (need <= c->body_cap)
		return true;
	cap = c->body_cap ? c->body_cap * 2 : VO_HTTP_BODY_KEEP;
	if (c->body_cap && cap > most)
		cap = most;
	if (cap < need)
		cap = need;
	if (!charge(w->srv, cap - c->body_cap))
		return false;
	if (!c->body && cap == VO_HTTP_BODY_KEEP && w->nspare_body) {
		p = w->spare_body[--w->nspare_body];
	} else {
		p = vo_realloc(c->body, cap);
		if (!p) {
			uncharge(w->srv, cap - c->body_cap);
			return false;
		}
	}
	c->body = p;
	c->body_cap = cap;
	return true;
}

/* ---- epoll interest ----------------------------------------------------- */

/* Arms EPOLLOUT (and stops reading) or EPOLLIN. */
static void want_out(struct vo__http_worker *w, struct vo__http_conn *c, bool out)
{
	struct epoll_event ev;

	if (c->want_out == out)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = out ? EPOLLOUT : EPOLLIN;
	ev.data.ptr = c;
	if (epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->want_out = out;
}

/* ---- answers ------------------------------------------------------------ */

static const char *const weekdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* The Date header of this second (RFC 9110 5.6.7), formed once a second. */
static void date_refresh(struct vo__http_worker *w)
{
	int64_t sec = w->now_real / 1000000;
	int64_t days = sec / 86400;
	int64_t rem = sec % 86400;
	int64_t y;
	unsigned m;
	unsigned d;

	if (sec == w->date_sec && w->date_len)
		return;
	vo_civil_from_days(days, &y, &m, &d);
	snprintf(w->date, sizeof(w->date), "Date: %s, %02u %s %04" PRId64 " %02u:%02u:%02u GMT\r\n",
		 weekdays[(days % 7 + 11) % 7], d, months[m - 1], y, (unsigned)(rem / 3600),
		 (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
	w->date_len = strlen(w->date);
	w->date_sec = sec;
}

/* Writes the decimal form of v at p; returns the end. */
static char *put_u64(char *p, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(p, tmp + n, sizeof(tmp) - n);
	return p + (sizeof(tmp) - n);
}

static inline char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

static bool is_head_method(const struct vo_http_exchange *x)
{
	return vo_str_eq(x->method, VO_STR_LIT("HEAD"));
}

static void send_pending(struct vo__http_worker *w, struct vo__http_conn *c);

/* Forms c->x.answer in w->wbuf, then forgets it. */
static void respond(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_http_exchange *x = &c->x;
	struct vo_http_answer *a = &x->answer;
	struct vo_buf *b = &w->wbuf;
	size_t start = b->len;
	const char *reason;
	size_t ct_len;
	size_t hdr_len;
	size_t body_len;
	size_t need;
	bool bodiless;
	int rc;

	if (a->status < 200 || a->status > 999) {
		memset(a, 0, sizeof(*a));
		a->status = 500;
	}
	bodiless = is_head_method(x) || a->status == 204 || a->status == 304;
	if (a->close || !c->keep_alive || c->peer_eof ||
	    atomic_load_explicit(&w->srv->draining, memory_order_relaxed))
		c->closing = true;
	date_refresh(w);
	reason = vo_http_reason(a->status);
	ct_len = a->content_type ? strlen(a->content_type) : 0;
	hdr_len = a->headers ? strlen(a->headers) : 0;
	body_len = bodiless ? 0 : a->body.len;
	/* One reservation, then plain copies: the head is about 150 bytes. */
	need = 9 + 4 + strlen(reason) + 2 + w->date_len + 14 + ct_len + 2 + 16 + 20 + 2 + hdr_len +
	       24 + 2 + body_len;
	rc = vo_buf_grow(b, need);
	if (!rc) {
		char *p = b->ptr + b->len;

		p = put(p, "HTTP/1.1 ", 9);
		p = put_u64(p, (uint64_t)a->status);
		*p++ = ' ';
		p = put(p, reason, strlen(reason));
		p = put(p, "\r\n", 2);
		p = put(p, w->date, w->date_len);
		if (a->content_type) {
			p = put(p, "Content-Type: ", 14);
			p = put(p, a->content_type, ct_len);
			p = put(p, "\r\n", 2);
		}
		if (a->status != 204 && a->status != 304) {
			p = put(p, "Content-Length: ", 16);
			p = put_u64(p, a->body.len);
			p = put(p, "\r\n", 2);
		}
		if (hdr_len)
			p = put(p, a->headers, hdr_len);
		if (c->closing)
			p = put(p, "Connection: close\r\n", 19);
		else if (x->minor == 0)
			p = put(p, "Connection: keep-alive\r\n", 24);
		p = put(p, "\r\n", 2);
		if (body_len)
			p = put(p, a->body.ptr, body_len);
		b->len = (size_t)(p - b->ptr);
		b->ptr[b->len] = '\0';
	}
	memset(a, 0, sizeof(*a));
	if (rc) {
		/* No memory for the answer: the client sees the connection close. */
		vo_log(VO_LOG_ERROR, "http: out of memory forming an answer");
		b->len = start;
		c->closing = true;
		c->linger = false;
		return;
	}
	if (b->len >= VO_HTTP_OUTPUT_HIGH)
		send_pending(w, c);
}

/* ---- closing ------------------------------------------------------------ */

void vo__http_conn_close(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_http_server *s = w->srv;

	if (c->fd < 0)
		return;
	vo__http_timer_disarm(w, c);
	close(c->fd);
	c->fd = -1;
	if (w->path_of == c)
		w->path_of = NULL;
	if (c->counted) {
		atomic_fetch_sub_explicit(&s->open, 1, memory_order_relaxed);
		if (s->per_ip)
			vo_http_addrtab_put(&s->addrs, c->addr);
		c->counted = false;
	}
	if (c->over) {
		w->nover--;
		c->over = 0;
	}
	body_free(w, c);
	in_put(w, c);
	VO_FREE(c->out);
	c->out_len = 0;
	c->out_off = 0;
	w->nconns--;
	c->link = w->dead;
	w->dead = c;
}

/* Reads and drops what a closing client still sends, until it closes. */
static void linger_read(struct vo__http_worker *w, struct vo__http_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, w->drop, sizeof(w->drop), 0);

		if (n > 0) {
			c->lingered += (size_t)n;
			if (c->lingered > VO_HTTP_LINGER_BYTES)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;
	}
	vo__http_conn_close(w, c);
}

/*
 * The last answer is sent.  A client that may still be sending (a refused
 * body, unread pipelined requests) gets our FIN first and its bytes are
 * read and dropped for a while, so that closing with unread data does not
 * reset the connection before it read the answer (nginx's lingering close).
 */
static void finish_close(struct vo__http_worker *w, struct vo__http_conn *c)
{
	bool pending = c->in && c->in_len > c->next;

	if (c->peer_eof || (!c->linger && !pending)) {
		vo__http_conn_close(w, c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	body_free(w, c);
	in_put(w, c);
	c->state = ST_LINGER;
	c->lingered = 0;
	want_out(w, c, false);
	vo__http_timer_arm(w, c, T_LINGER);
	linger_read(w, c);
}

/* ---- writing ------------------------------------------------------------ */

/* Sends w->wbuf (c's answers); what the socket does not take waits in c->out. */
static void send_pending(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_buf *b = &w->wbuf;
	size_t off = 0;

	if (c->out_len) {
		/* Still blocked: queue behind what waits (only a 100 can get here). */
		char *p = vo_realloc(c->out, c->out_len + b->len);

		if (!p) {
			vo_buf_reset(b);
			vo__http_conn_close(w, c);
			return;
		}
		memcpy(p + c->out_len, b->ptr, b->len);
		c->out = p;
		c->out_len += b->len;
		vo_buf_reset(b);
		return;
	}
	while (off < b->len) {
		ssize_t n = send(c->fd, b->ptr + off, b->len - off, MSG_NOSIGNAL);

		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		vo_buf_reset(b);
		vo__http_conn_close(w, c);
		return;
	}
	if (off < b->len) {
		size_t rest = b->len - off;

		c->out = vo_malloc(rest);
		if (!c->out) {
			vo_buf_reset(b);
			vo__http_conn_close(w, c);
			return;
		}
		memcpy(c->out, b->ptr + off, rest);
		c->out_len = rest;
		c->out_off = 0;
		vo_buf_reset(b);
		want_out(w, c, true);
		vo__http_timer_arm(w, c, T_WRITE);
		return;
	}
	if (b->cap > WBUF_KEEP)
		vo_buf_release(b);
	else
		vo_buf_reset(b);
	if (c->closing)
		finish_close(w, c);
}

static void process(struct vo__http_worker *w, struct vo__http_conn *c);

static void on_writable(struct vo__http_worker *w, struct vo__http_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		vo__http_conn_close(w, c);
		return;
	}
	VO_FREE(c->out);
	c->out_len = 0;
	c->out_off = 0;
	want_out(w, c, false);
	if (c->closing) {
		finish_close(w, c);
		return;
	}
	if (c->over)
		vo__http_timer_arm(w, c, T_OVER);
	else
		vo__http_timer_arm(w, c, c->state == ST_BODY ? T_BODY : T_IDLE);
	process(w, c); /* requests that arrived meanwhile */
}

/* ---- requests ----------------------------------------------------------- */

/* The exchange of a refusal that has no valid head. */
static void clear_exchange(struct vo__http_worker *w, struct vo__http_conn *c)
{
	memset(&c->x, 0, sizeof(c->x));
	c->x.worker = w->index;
	c->x.minor = 1;
	c->x.content_length = -1;
	c->x.now_us = w->now_real;
	c->x.start_us = w->now;
}

/*
 * Answers a refusal of the engine's own (the handler words it) and closes
 * the connection after it.
 */
static void refuse(struct vo__http_worker *w, struct vo__http_conn *c, int status, const char *code,
		   const char *message)
{
	struct vo_http_server *s = w->srv;
	struct vo_http_exchange *x = &c->x;

	x->fields = NULL;
	x->nfields = 0;
	memset(&x->answer, 0, sizeof(x->answer));
	x->answer.status = status;
	s->h.refuse(s->h.ctx, x, code, message);
	x->answer.status = status;
	x->answer.close = true;
	c->linger = true;
	respond(w, c);
	c->closing = true;
	body_free(w, c);
}

static void refuse_busy(struct vo__http_worker *w, struct vo__http_conn *c)
{
	vo__http_count(&w->refused[VO_HTTP_REFUSED_BODY_MEMORY]);
	refuse(w, c, 503, "server_busy",
	       "the server is receiving too many request bodies at once; retry later");
}

/* The decoded path of the current request, in w->path. */
static void decode_path(struct vo__http_worker *w, struct vo__http_conn *c, struct vo_str raw)
{
	size_t n = 0;

	c->x.path_ok = vo_http_path_decode(raw, w->path, &n);
	c->x.path = c->x.path_ok ? vo_str_make(w->path, n) : vo_str_make(NULL, 0);
	w->path_of = c;
}

static void exchange_from_head(struct vo__http_worker *w, struct vo__http_conn *c,
			       const struct vo_http_head *h)
{
	struct vo_http_exchange *x = &c->x;

	memset(x, 0, sizeof(*x));
	x->worker = w->index;
	x->method = h->method;
	x->target = h->target;
	x->query = h->query;
	x->minor = h->minor;
	x->content_type = h->content_type;
	x->content_length = h->content_length;
	x->chunked = h->chunked;
	x->fields = h->fields;
	x->nfields = h->nfields;
	x->now_us = w->now_real;
	x->start_us = w->now;
	c->raw_path = h->path;
	decode_path(w, c, h->path);
}

/* The request is answered; the next one starts at in[next]. */
static void end_request(struct vo__http_conn *c, size_t next)
{
	c->next = next;
	c->state = ST_IDLE;
	c->sink = SINK_INLINE;
	c->answered = false;
	c->body_len = 0;
	c->body_total = 0;
}

static void call_request(struct vo__http_worker *w, struct vo__http_conn *c, struct vo_str body)
{
	struct vo_http_server *s = w->srv;
	struct vo_http_exchange *x = &c->x;

	/* Another connection's head may have used w->path since this one's. */
	if (w->path_of != c)
		decode_path(w, c, c->raw_path);
	x->fields = NULL;
	x->nfields = 0;
	x->body = body;
	memset(&x->answer, 0, sizeof(x->answer));
	s->h.request(s->h.ctx, x);
	respond(w, c);
}

/* Sets up the reading of the current request's body into sink. */
static void begin_body(struct vo__http_worker *w, struct vo__http_conn *c, enum vo__http_sink sink)
{
	struct vo_http_server *s = w->srv;
	struct vo_http_exchange *x = &c->x;

	c->state = ST_BODY;
	c->sink = (uint8_t)sink;
	c->body_len = 0;
	c->body_total = 0;
	vo__http_timer_arm(w, c, c->over ? T_OVER : T_BODY);
	if (x->chunked) {
		vo_http_chunked_init(&c->chunked, s->cfg.max_header);
		return;
	}
	c->body_left = (uint64_t)x->content_length;
	if (sink == SINK_INLINE && (uint64_t)x->content_length > s->in_cap - c->head_len) {
		/* Too large for the input buffer: it goes to its own. */
		size_t have = c->in_len - c->head_len;

		if (!body_room(w, c, VO_MAX(have, (size_t)1), (size_t)x->content_length)) {
			refuse_busy(w, c);
			return;
		}
		memcpy(c->body, c->in + c->head_len, have);
		c->body_len = have;
		c->in_len = c->head_len;
		c->sink = SINK_BIG;
	}
}

static void start_request(struct vo__http_worker *w, struct vo__http_conn *c,
			  const struct vo_http_head *h)
{
	struct vo_http_server *s = w->srv;
	struct vo_http_exchange *x = &c->x;
	bool has_body = h->chunked || h->content_length > 0;

	exchange_from_head(w, c, h);
	c->head_len = h->len;
	c->raw_off = h->len;
	c->keep_alive = h->minor >= 1 ? !h->conn_close : h->conn_keep_alive && !h->conn_close;
	c->expect = h->expect_continue && h->minor >= 1;
	c->answered = false;
	if (c->over) {
		bool per_ip = c->over == VO_HTTP_REFUSED_PER_IP + 1;

		refuse(w, c, 503, "too_many_connections",
		       per_ip ? "too many open connections from this address; retry later"
			      : "too many open connections; retry later");
		return;
	}
	s->h.head(s->h.ctx, x);
	x->fields = NULL;
	x->nfields = 0;
	if (x->answer.status) {
		/* Refused from the head.  A small declared body that is on its
		 * way is dropped and the connection kept; otherwise close. */
		if (has_body && !c->expect && !h->chunked &&
		    h->content_length <= (int64_t)VO_HTTP_DISCARD_MAX) {
			respond(w, c);
			c->answered = true;
			begin_body(w, c, SINK_DISCARD);
			return;
		}
		if (has_body) {
			x->answer.close = true;
			c->linger = true;
		}
		respond(w, c);
		end_request(c, h->len);
		return;
	}
	if (!has_body) {
		call_request(w, c, vo_str_make(NULL, 0));
		end_request(c, h->len);
		return;
	}
	if (x->body_limit == 0) {
		/* The handler takes no body (a GET with one): drop a small one. */
		if (!h->chunked && h->content_length > (int64_t)VO_HTTP_DISCARD_MAX) {
			snprintf(w->msg, sizeof(w->msg),
				 "this request takes no body (at most %u bytes are ignored)",
				 (unsigned)VO_HTTP_DISCARD_MAX);
			refuse(w, c, 400, "bad_request", w->msg);
			return;
		}
		begin_body(w, c, SINK_DISCARD);
	} else if (!h->chunked && (uint64_t)h->content_length > x->body_limit) {
		snprintf(w->msg, sizeof(w->msg), "the body is larger than the limit of %zu bytes",
			 x->body_limit);
		refuse(w, c, 413, "payload_too_large", w->msg);
		return;
	} else {
		begin_body(w, c, SINK_INLINE);
	}
	if (!c->closing && c->expect &&
	    vo_buf_add(&w->wbuf, continue_line, sizeof(continue_line) - 1))
		vo__http_conn_close(w, c);
}

/* The body is complete: answer it (unless it was answered from its head). */
static void body_done(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_str body = vo_str_make(NULL, 0);

	if (!c->answered) {
		if (c->sink == SINK_INLINE)
			body = vo_str_make(c->in + c->head_len, c->body_len);
		else if (c->sink == SINK_BIG)
			body = vo_str_make(c->body, c->body_len);
		call_request(w, c, body);
	}
	body_free(w, c);
	end_request(c, c->next);
}

static void body_too_large(struct vo__http_worker *w, struct vo__http_conn *c)
{
	if (c->sink == SINK_DISCARD) {
		snprintf(w->msg, sizeof(w->msg),
			 "this request takes no body (at most %u bytes are ignored)",
			 (unsigned)VO_HTTP_DISCARD_MAX);
		refuse(w, c, 400, "bad_request", w->msg);
		return;
	}
	snprintf(w->msg, sizeof(w->msg), "the body is larger than the limit of %zu bytes",
		 c->x.body_limit);
	refuse(w, c, 413, "payload_too_large", w->msg);
}

/* A chunked body: decodes what has arrived into the sink. */
static int chunked_step(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_http_server *s = w->srv;
	size_t limit = c->sink == SINK_DISCARD ? VO_HTTP_DISCARD_MAX : c->x.body_limit;

	for (;;) {
		char *raw = c->in + c->raw_off;
		size_t rawlen = c->in_len - c->raw_off;
		size_t room;
		size_t used = 0;
		size_t got = 0;
		size_t keep;
		size_t rest;
		char *out;
		int rc;

		if (c->sink == SINK_INLINE) {
			out = c->in + c->head_len + c->body_len;
			room = (size_t)(raw - out) + rawlen;
		} else if (c->sink == SINK_BIG) {
			out = c->body + c->body_len;
			room = c->body_cap - c->body_len;
		} else {
			out = raw;
			room = rawlen;
		}
		room = VO_MIN(room, limit + 1 - c->body_total);
		rc = vo_http_chunked_decode(&c->chunked, raw, rawlen, out, room, &used, &got);
		c->body_total += got;
		if (c->sink != SINK_DISCARD)
			c->body_len += got;
		if (rc == VO_HTTP_ERROR) {
			refuse(w, c, c->chunked.err.status, c->chunked.err.code,
			       c->chunked.err.message);
			return VO_HTTP_ERROR;
		}
		if (c->body_total > limit) {
			body_too_large(w, c);
			return VO_HTTP_ERROR;
		}
		/* Keep the data (inline), then what is left of the input. */
		keep = c->head_len + (c->sink == SINK_INLINE ? c->body_len : 0);
		rest = rawlen - used;
		memmove(c->in + keep, raw + used, rest);
		c->in_len = keep + rest;
		c->raw_off = keep;
		if (rc == VO_HTTP_DONE) {
			c->next = keep;
			return VO_HTTP_DONE;
		}
		if (rest && c->sink == SINK_BIG) {
			/* The body buffer is full. */
			if (c->body_len >= limit) {
				body_too_large(w, c);
				return VO_HTTP_ERROR;
			}
			if (!body_room(w, c, c->body_len + 1, limit)) {
				refuse_busy(w, c);
				return VO_HTTP_ERROR;
			}
			continue;
		}
		if (c->sink == SINK_INLINE && c->in_len == s->in_cap) {
			/* The input buffer is full of body: move it to its own. */
			if (!body_room(w, c, VO_MAX(c->body_len, (size_t)1), limit)) {
				refuse_busy(w, c);
				return VO_HTTP_ERROR;
			}
			memcpy(c->body, c->in + c->head_len, c->body_len);
			memmove(c->in + c->head_len, c->in + c->raw_off, c->in_len - c->raw_off);
			c->in_len = c->head_len + (c->in_len - c->raw_off);
			c->raw_off = c->head_len;
			c->sink = SINK_BIG;
			continue;
		}
		return VO_HTTP_MORE;
	}
}

/* The current body: VO_HTTP_DONE, VO_HTTP_MORE, or VO_HTTP_ERROR (refused). */
static int body_step(struct vo__http_worker *w, struct vo__http_conn *c)
{
	size_t have;
	size_t take;

	if (c->x.chunked)
		return chunked_step(w, c);
	switch (c->sink) {
	case SINK_INLINE:
		if (c->in_len - c->head_len < c->body_left)
			return VO_HTTP_MORE;
		c->body_len = (size_t)c->body_left;
		c->next = c->head_len + c->body_len;
		return VO_HTTP_DONE;
	case SINK_BIG:
		if (c->body_len < c->body_left)
			return VO_HTTP_MORE;
		c->next = c->head_len; /* the body was read past the input buffer */
		return VO_HTTP_DONE;
	default:
		have = c->in_len - c->raw_off;
		take = (size_t)VO_MIN((uint64_t)have, c->body_left);
		memmove(c->in + c->raw_off, c->in + c->raw_off + take, have - take);
		c->in_len -= take;
		c->body_left -= take;
		if (c->body_left)
			return VO_HTTP_MORE;
		c->next = c->raw_off;
		return VO_HTTP_DONE;
	}
}

/*
 * The next request's head: parses what has arrived.  Returns true when the
 * request went on (answered, or its body is next), false when more bytes
 * are needed or the connection is done.
 */
static bool head_step(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_http_server *s = w->srv;
	struct vo_http_head head;
	int rc;

	if (c->next) {
		if (c->in_len > c->next)
			memmove(c->in, c->in + c->next, c->in_len - c->next);
		c->in_len -= c->next;
		c->next = 0;
	}
	if (!c->in_len) {
		c->state = ST_IDLE;
		if (!c->over && c->timer != T_IDLE)
			vo__http_timer_arm(w, c, T_IDLE);
		in_put(w, c);
		return false;
	}
	if (c->state == ST_IDLE) {
		c->state = ST_HEAD;
		c->scanned = 0;
		if (!c->over)
			vo__http_timer_arm(w, c, T_HEAD);
	}
	/* Parse again only when a line may have ended (and at the first bytes,
	 * to refuse garbage at once). */
	if (c->scanned && c->in_len < s->cfg.max_header &&
	    !vo_http_head_has_line(c->in, c->scanned, c->in_len)) {
		c->scanned = c->in_len;
		return false;
	}
	c->scanned = c->in_len;
	rc = vo_http_parse_head(c->in, c->in_len, s->cfg.max_header, w->fields, VO_HTTP_FIELDS_MAX,
				&head);
	if (rc == VO_HTTP_MORE)
		return false;
	if (rc == VO_HTTP_ERROR) {
		clear_exchange(w, c);
		if (head.method.len) {
			c->x.method = head.method;
			c->x.target = head.target;
			c->x.minor = head.minor;
			c->raw_path = head.path;
			decode_path(w, c, head.path);
		}
		refuse(w, c, head.err.status, head.err.code, head.err.message);
		return false;
	}
	start_request(w, c, &head);
	return true;
}

/* Goes through what the input holds, then sends the answers formed. */
static void process(struct vo__http_worker *w, struct vo__http_conn *c)
{
	while (c->fd >= 0 && !c->closing && !c->out_len && c->state != ST_LINGER) {
		if (c->state == ST_BODY) {
			if (body_step(w, c) != VO_HTTP_DONE)
				break;
			body_done(w, c);
			continue;
		}
		if (!head_step(w, c))
			break;
	}
	if (c->fd < 0) {
		vo_buf_reset(&w->wbuf);
		return;
	}
	if (w->wbuf.len)
		send_pending(w, c);
	if (c->fd >= 0 && c->peer_eof && !c->out_len && c->state != ST_LINGER)
		vo__http_conn_close(w, c); /* nothing more can come */
}

/* ---- reading ------------------------------------------------------------ */

static void on_readable(struct vo__http_worker *w, struct vo__http_conn *c)
{
	struct vo_http_server *s = w->srv;
	ssize_t n;

	if (c->state == ST_BODY && c->sink == SINK_BIG && !c->x.chunked) {
		size_t left = (size_t)c->body_left - c->body_len;

		if (c->body_len == c->body_cap &&
		    !body_room(w, c, c->body_len + 1, (size_t)c->body_left)) {
			refuse_busy(w, c);
			process(w, c);
			return;
		}
		n = recv(c->fd, c->body + c->body_len, VO_MIN(left, c->body_cap - c->body_len), 0);
		if (n > 0)
			c->body_len += (size_t)n;
	} else {
		if (!c->in) {
			c->in = in_get(w);
			if (!c->in) {
				vo__http_conn_close(w, c);
				return;
			}
		}
		if (c->in_len == s->in_cap && c->next) {
			memmove(c->in, c->in + c->next, c->in_len - c->next);
			c->in_len -= c->next;
			c->next = 0;
		}
		if (c->in_len == s->in_cap) {
			/* Cannot happen: heads and inline bodies are bounded below it. */
			vo__http_conn_close(w, c);
			return;
		}
		n = recv(c->fd, c->in + c->in_len, s->in_cap - c->in_len, 0);
		if (n > 0)
			c->in_len += (size_t)n;
	}
	if (n == 0) {
		c->peer_eof = true;
	} else if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		vo__http_conn_close(w, c);
		return;
	}
	process(w, c);
}

void vo__http_conn_event(struct vo__http_worker *w, struct vo__http_conn *c, uint32_t events)
{
	if (c->fd < 0)
		return;
	if (c->want_out) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			on_writable(w, c);
		return;
	}
	if (c->state == ST_LINGER) {
		linger_read(w, c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(w, c);
}

void vo__http_conn_start(struct vo__http_worker *w, struct vo__http_conn *c)
{
	c->src = SRC_CONN;
	c->state = ST_IDLE;
	c->timer = T_NONE;
	c->sink = SINK_INLINE;
	c->keep_alive = true;
	c->expect = false;
	c->answered = false;
	c->closing = false;
	c->linger = false;
	c->peer_eof = false;
	c->want_out = false;
	c->in = NULL;
	c->in_len = 0;
	c->next = 0;
	c->body = NULL;
	c->body_cap = 0;
	c->body_len = 0;
	c->out = NULL;
	c->out_len = 0;
	c->out_off = 0;
	c->tprev = NULL;
	c->tnext = NULL;
	vo__http_timer_arm(w, c, c->over ? T_OVER : T_IDLE);
}

void vo__http_conn_free_spares(struct vo__http_worker *w)
{
	while (w->nspare_in)
		vo_free(w->spare_in[--w->nspare_in]);
	while (w->nspare_body)
		vo_free(w->spare_body[--w->nspare_body]);
	while (w->free) {
		struct vo__http_conn *c = w->free;

		w->free = c->link;
		vo_free(c);
	}
	vo_buf_release(&w->wbuf);
}
