/*
 * redis.c - connections and commands with deadlines, Sentinel, ROLE; see
 * redis.h.  The socket is this file's (non-blocking, every wait a poll()
 * that also watches the cancel descriptor); hiredis only parses replies.
 */
#include "core/common.h"

#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/log.h"
#include "redis/redis_int.h"

/* Bytes read from the socket at once. */
#define READ_CHUNK (16u << 10)
/* A reader whose buffer grew past this is replaced once idle, to give the memory back. */
#define READER_KEEP (1u << 20)

/* ---- small helpers ----------------------------------------------------- */

void vo_redis__seconds(unsigned ms, char *out, size_t n)
{
	if (ms % 1000 == 0)
		snprintf(out, n, "%u s", ms / 1000);
	else
		snprintf(out, n, "%u.%u s", ms / 1000, (ms % 1000) / 100);
}

int vo_redis__fail(struct vo_redis *r, const char *what, const char *why, struct vo_error *err)
{
	r->broken = true;
	vo_error_set(err, VO_EIO, "%s: %s: %s", r->label, what, why);
	return VO_EIO;
}

static void host_port(const char *host, unsigned port, char *out, size_t n)
{
	bool v6 = strchr(host, ':') != NULL;

	snprintf(out, n, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/* Whether fd is readable right now (poll with no wait). */
static bool readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

int vo_redis__wait(struct vo_redis *r, short events, int64_t deadline, unsigned ms,
		   const char *what, struct vo_error *err)
{
	for (;;) {
		struct pollfd fds[2] = { { r->fd, events, 0 }, { r->cancel_fd, POLLIN, 0 } };
		int64_t left = deadline - vo_mono_us();
		int n;

		if (left <= 0) {
			char t[32];
			char why[64];

			vo_redis__seconds(ms, t, sizeof(t));
			snprintf(why, sizeof(why), "timed out after %s", t);
			return vo_redis__fail(r, what, why, err);
		}
		n = poll(fds, r->cancel_fd >= 0 ? 2 : 1, (int)VO_MIN((left + 999) / 1000, 60000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vo_redis__fail(r, what, strerror(errno), err);
		if (r->cancel_fd >= 0 && (fds[1].revents & POLLIN))
			return vo_redis__fail(r, what, "cancelled", err);
		if (fds[0].revents)
			return VO_OK;
	}
}

/* Writes [p, p+len) by deadline. */
static int send_bytes(struct vo_redis *r, const char *p, size_t len, int64_t deadline,
		      const char *what, struct vo_error *err)
{
	while (len) {
		ssize_t n = send(r->fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int rc = vo_redis__wait(r, POLLOUT, deadline, r->command_ms, what, err);
			if (rc)
				return rc;
			continue;
		}
		return vo_redis__fail(r, what, n < 0 ? strerror(errno) : "cannot send", err);
	}
	return VO_OK;
}

/*
 * The command in RESP, written straight from the caller's arguments: small
 * pieces gathered in a buffer, a large argument (an artifact) sent in place
 * rather than copied.
 */
int vo_redis__send(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		   int64_t deadline, struct vo_error *err)
{
	char buf[READ_CHUNK];
	char what[32];
	size_t o = 0;
	int rc;

	snprintf(what, sizeof(what), "%s", argv[0]);
	o = (size_t)snprintf(buf, sizeof(buf), "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		if (sizeof(buf) - o < 32 + 2) {
			rc = send_bytes(r, buf, o, deadline, what, err);
			if (rc)
				return rc;
			o = 0;
		}
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "$%zu\r\n", lens[i]);
		if (lens[i] <= sizeof(buf) - o - 2) {
			memcpy(buf + o, argv[i], lens[i]);
			o += lens[i];
		} else {
			rc = send_bytes(r, buf, o, deadline, what, err);
			if (!rc)
				rc = send_bytes(r, argv[i], lens[i], deadline, what, err);
			if (rc)
				return rc;
			o = 0;
		}
		buf[o++] = '\r';
		buf[o++] = '\n';
	}
	return send_bytes(r, buf, o, deadline, what, err);
}

/* ---- connecting -------------------------------------------------------- */

/*
 * A TCP connection to host:port within ms, watching cancel_fd.  VO_OK with
 * *fd non-blocking; else VO_EIO with the reason in why.
 */
static int tcp_connect(const char *host, unsigned port, unsigned ms, int cancel_fd, int *fd,
		       char *why, size_t wn)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int64_t deadline = vo_mono_us() + (int64_t)ms * 1000;
	int gai, s = -1;

	*fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%u", port);
	gai = getaddrinfo(host, service, &hints, &res);
	if (gai) {
		snprintf(why, wn, "cannot resolve '%s': %s", host, gai_strerror(gai));
		return VO_EIO;
	}
	snprintf(why, wn, "no address");
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		int one = 1;

		s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (s < 0) {
			snprintf(why, wn, "%s", strerror(errno));
			continue;
		}
		if (connect(s, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
			snprintf(why, wn, "%s", strerror(errno));
			close(s);
			s = -1;
			continue;
		}
		for (;;) {
			struct pollfd fds[2] = { { s, POLLOUT, 0 }, { cancel_fd, POLLIN, 0 } };
			int64_t left = deadline - vo_mono_us();
			int n;

			if (left <= 0) {
				char t[32];
				vo_redis__seconds(ms, t, sizeof(t));
				snprintf(why, wn, "timed out after %s", t);
				soerr = ETIMEDOUT;
				break;
			}
			n = poll(fds, cancel_fd >= 0 ? 2 : 1, (int)((left + 999) / 1000));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				soerr = errno;
				snprintf(why, wn, "%s", strerror(errno));
				break;
			}
			if (cancel_fd >= 0 && (fds[1].revents & POLLIN)) {
				soerr = ECANCELED;
				snprintf(why, wn, "cancelled");
				break;
			}
			if (fds[0].revents) {
				if (getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl))
					soerr = errno;
				if (soerr)
					snprintf(why, wn, "%s", strerror(soerr));
				break;
			}
		}
		if (!soerr) {
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			break;
		}
		close(s);
		s = -1;
		if (soerr == ETIMEDOUT || soerr == ECANCELED)
			break;
	}
	freeaddrinfo(res);
	if (s < 0)
		return VO_EIO;
	*fd = s;
	return VO_OK;
}

/* AUTH [user] password; the reply's error is a refused password. */
static int auth(struct vo_redis *r, const char *user, const char *password, struct vo_error *err)
{
	const char *argv[3] = { "AUTH", user, password };
	size_t lens[3] = { 4, strlen(user), strlen(password) };
	struct vo_redis_reply *reply = NULL;
	int argc = *user ? 3 : 2;
	int rc;

	if (argc == 2) {
		argv[1] = password;
		lens[1] = lens[2];
	}
	rc = vo_redis_command(r, argc, argv, lens, &reply, err);
	if (!rc && vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		r->broken = true;
		rc = vo_error_set(err, VO_EIO, "%s: authentication failed: %s", r->label,
				  vo_redis_reply_str(reply, NULL));
	}
	vo_redis_reply_free(reply);
	return rc;
}

/* A connection to one node, authenticated.  name is for messages. */
static int open_node(const char *host, unsigned port, const char *name, const char *user,
		     const char *password, bool has_password, unsigned connect_ms,
		     unsigned command_ms, int cancel_fd, struct vo_redis **out,
		     struct vo_error *err)
{
	struct vo_redis *r;
	char why[192];
	int rc;

	*out = NULL;
	r = vo_calloc(1, sizeof(*r));
	if (!r) {
		vo_error_nomem_in(err, name);
		return VO_ENOMEM;
	}
	r->fd = -1;
	r->cancel_fd = cancel_fd;
	r->command_ms = command_ms;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->host, sizeof(r->host), "%s", host);
	r->port = port;
	host_port(host, port, r->addr, sizeof(r->addr));
	snprintf(r->label, sizeof(r->label), "%s", name);
	r->reader = redisReaderCreate();
	if (!r->reader) {
		vo_error_nomem_in(err, name);
		rc = VO_ENOMEM;
		goto fail;
	}
	rc = tcp_connect(host, port, connect_ms, cancel_fd, &r->fd, why, sizeof(why));
	if (rc) {
		vo_error_set(err, VO_EIO, "%s: cannot connect: %s", name, why);
		rc = VO_EIO;
		goto fail;
	}
	if (has_password) {
		rc = auth(r, user, password, err);
		if (rc)
			goto fail;
	}
	*out = r;
	return VO_OK;
fail:
	vo_redis_close(r);
	return rc;
}

static int select_db(struct vo_redis *r, unsigned db, struct vo_error *err)
{
	char n[16];
	const char *argv[2] = { "SELECT", n };
	size_t lens[2] = { 6, 0 };
	struct vo_redis_reply *reply = NULL;
	int rc;

	if (!db)
		return VO_OK;
	lens[1] = (size_t)snprintf(n, sizeof(n), "%u", db);
	rc = vo_redis_command(r, 2, argv, lens, &reply, err);
	if (!rc && vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		r->broken = true;
		rc = vo_error_set(err, VO_EIO, "%s: cannot select database %u: %s", r->label, db,
				  vo_redis_reply_str(reply, NULL));
	}
	vo_redis_reply_free(reply);
	return rc;
}

/* Appends "; " and a note to a list of reasons (truncated when full). */
static void note(char *notes, size_t n, const char *fmt, ...) VO_PRINTF(3, 4);
static void note(char *notes, size_t n, const char *fmt, ...)
{
	size_t o = strlen(notes);
	va_list ap;

	if (o && o + 2 < n) {
		notes[o++] = ';';
		notes[o++] = ' ';
		notes[o] = '\0';
	}
	if (o + 1 >= n)
		return;
	va_start(ap, fmt);
	vsnprintf(notes + o, n - o, fmt, ap);
	va_end(ap);
}

/* The text after "NAME: " of a message that starts with a name. */
static const char *after_name(const char *msg, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(msg, name, n) && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/*
 * Asks sentinel i for the master's address.  VO_OK with host and port;
 * else the reason in why.
 */
static int ask_sentinel(const struct vo_redis_url *u, size_t i, int cancel_fd, char *host,
			size_t hn, unsigned *port, char *why, size_t wn)
{
	const struct vo_redis_host *s = &u->hosts[i];
	const char *argv[3] = { "SENTINEL", "GET-MASTER-ADDR-BY-NAME", u->master };
	size_t lens[3] = { 8, 23, strlen(u->master) };
	char name[VO_REDIS_ADDR_MAX + 16];
	struct vo_redis *r = NULL;
	struct vo_redis_reply *reply = NULL;
	struct vo_error e;
	int rc;

	vo_error_clear(&e);
	host_port(s->name, s->port, name, sizeof(name));
	rc = open_node(s->name, s->port, name, u->sentinel_user, u->sentinel_password,
		       u->sentinel_has_password, VO_REDIS_SENTINEL_MS, VO_REDIS_SENTINEL_MS,
		       cancel_fd, &r, &e);
	if (!rc)
		rc = vo_redis_command(r, 3, argv, lens, &reply, &e);
	if (rc) {
		snprintf(why, wn, "sentinel %.400s", e.msg);
		goto out;
	}
	if (vo_redis_reply_type(reply) == VO_REDIS_NIL) {
		snprintf(why, wn, "sentinel %s does not know master '%s'", name, u->master);
		rc = VO_ENOTFOUND;
	} else if (vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		snprintf(why, wn, "sentinel %s: %s", name, vo_redis_reply_str(reply, NULL));
		rc = VO_EIO;
	} else if (vo_redis_reply_count(reply) != 2 ||
		   vo_redis_reply_type(vo_redis_reply_at(reply, 0)) != VO_REDIS_STRING ||
		   vo_redis_reply_type(vo_redis_reply_at(reply, 1)) != VO_REDIS_STRING) {
		snprintf(why, wn, "sentinel %s: unexpected answer", name);
		rc = VO_EIO;
	} else {
		size_t hl, pl;
		const char *h = vo_redis_reply_str(vo_redis_reply_at(reply, 0), &hl);
		const char *p = vo_redis_reply_str(vo_redis_reply_at(reply, 1), &pl);
		unsigned long v = 0;

		rc = hl && hl < hn && pl && pl <= 5 ? VO_OK : VO_EIO;
		for (size_t k = 0; !rc && k < pl; k++) {
			if (p[k] < '0' || p[k] > '9')
				rc = VO_EIO;
			v = v * 10 + (unsigned long)(p[k] - '0');
		}
		if (!rc && (v == 0 || v > 65535))
			rc = VO_EIO;
		if (rc) {
			snprintf(why, wn, "sentinel %s: unexpected address", name);
		} else {
			memcpy(host, h, hl);
			host[hl] = '\0';
			*port = (unsigned)v;
		}
	}
out:
	vo_redis_reply_free(reply);
	vo_redis_close(r);
	return rc;
}

static int connect_sentinel(const struct vo_redis_url *u, int cancel_fd, struct vo_redis **out,
			    struct vo_error *err)
{
	char tried[VO_REDIS_SENTINELS_MAX][VO_REDIS_ADDR_MAX];
	size_t ntried = 0;
	char notes[VO_ERROR_MSG_MAX];
	int rc = VO_EIO;

	*out = NULL;
	notes[0] = '\0';
	for (size_t i = 0; i < u->nhosts; i++) {
		char host[VO_REDIS_HOST_MAX];
		char addr[VO_REDIS_ADDR_MAX];
		char why[VO_ERROR_MSG_MAX];
		char primary[VO_REDIS_ADDR_MAX];
		enum vo_redis_role role;
		struct vo_redis *r = NULL;
		struct vo_error e;
		bool seen = false;
		unsigned port = 0;

		if (readable(cancel_fd))
			return vo_error_set(err, VO_EIO, "%s: cancelled", u->display);
		if (ask_sentinel(u, i, cancel_fd, host, sizeof(host), &port, why, sizeof(why))) {
			note(notes, sizeof(notes), "%s", why);
			continue;
		}
		host_port(host, port, addr, sizeof(addr));
		for (size_t k = 0; k < ntried; k++)
			seen = seen || !strcmp(tried[k], addr);
		if (seen)
			continue;
		snprintf(tried[ntried++], sizeof(tried[0]), "%s", addr);
		vo_error_clear(&e);
		rc = open_node(host, port, u->display, u->user, u->password, u->has_password,
			       VO_REDIS_CONNECT_MS, VO_REDIS_COMMAND_MS, cancel_fd, &r, &e);
		if (rc == VO_ENOMEM) {
			*err = e;
			return rc;
		}
		if (!rc)
			snprintf(r->label, sizeof(r->label), "%s (primary %s)", u->display, addr);
		if (!rc)
			rc = vo_redis_role(r, &role, primary, sizeof(primary), &e);
		if (rc == VO_EUNSUPPORTED || (rc && r && !r->broken)) {
			/* ROLE refused: the same everywhere, so say it now. */
			*err = e;
			vo_redis_close(r);
			return VO_EIO;
		}
		if (rc) {
			note(notes, sizeof(notes), "primary %s: %s", addr,
			     after_name(e.msg, u->display));
			vo_redis_close(r);
			continue;
		}
		if (role != VO_REDIS_ROLE_PRIMARY) {
			note(notes, sizeof(notes), "%s is %s%s%s, not a primary", addr,
			     role == VO_REDIS_ROLE_REPLICA ? "a replica" : "not a data node",
			     *primary ? " of " : "", primary);
			vo_redis_close(r);
			continue;
		}
		rc = select_db(r, u->db, err);
		if (rc) {
			vo_redis_close(r);
			return rc;
		}
		*out = r;
		return VO_OK;
	}
	return vo_error_set(err, VO_EIO, "%s: no primary found for master '%s': %s", u->display,
			    u->master, notes[0] ? notes : "no sentinel answered");
}

int vo_redis_connect(const struct vo_redis_url *u, int cancel_fd, struct vo_redis **out,
		     struct vo_error *err)
{
	struct vo_redis *r = NULL;
	int rc;

	*out = NULL;
	if (u->kind == VO_REDIS_SENTINEL)
		return connect_sentinel(u, cancel_fd, out, err);
	rc = open_node(u->hosts[0].name, u->hosts[0].port, u->display, u->user, u->password,
		       u->has_password, VO_REDIS_CONNECT_MS, VO_REDIS_COMMAND_MS, cancel_fd, &r,
		       err);
	if (!rc && r)
		rc = select_db(r, u->db, err);
	if (rc) {
		vo_redis_close(r);
		return rc;
	}
	*out = r;
	return VO_OK;
}

int vo_redis_connect_same(const struct vo_redis_url *u, const struct vo_redis *peer, int cancel_fd,
			  struct vo_redis **out, struct vo_error *err)
{
	struct vo_redis *r = NULL;
	int rc;

	*out = NULL;
	rc = open_node(peer->host, peer->port, u->display, u->user, u->password, u->has_password,
		       VO_REDIS_CONNECT_MS, VO_REDIS_COMMAND_MS, cancel_fd, &r, err);
	if (!rc && r) {
		snprintf(r->label, sizeof(r->label), "%s", peer->label);
		rc = select_db(r, u->db, err);
	}
	if (rc) {
		vo_redis_close(r);
		return rc;
	}
	*out = r;
	return VO_OK;
}

int vo_redis_watch_sentinel(const struct vo_redis_url *u, int cancel_fd, struct vo_redis **out,
			    struct vo_error *err)
{
	char notes[VO_ERROR_MSG_MAX];
	char match[VO_REDIS_HOST_MAX + 2];

	*out = NULL;
	notes[0] = '\0';
	snprintf(match, sizeof(match), "%s ", u->master);
	for (size_t i = 0; i < u->nhosts; i++) {
		const struct vo_redis_host *s = &u->hosts[i];
		char name[VO_REDIS_ADDR_MAX + 16];
		struct vo_redis *r = NULL;
		struct vo_error e;
		int rc;

		vo_error_clear(&e);
		host_port(s->name, s->port, name, sizeof(name));
		rc = open_node(s->name, s->port, name, u->sentinel_user, u->sentinel_password,
			       u->sentinel_has_password, VO_REDIS_SENTINEL_MS, VO_REDIS_SENTINEL_MS,
			       cancel_fd, &r, &e);
		if (!rc)
			rc = vo_redis_subscribe(r, "+switch-master", match, &e);
		if (!rc) {
			*out = r;
			return VO_OK;
		}
		vo_redis_close(r);
		note(notes, sizeof(notes), "sentinel %s", e.msg);
		if (rc == VO_ENOMEM) {
			*err = e;
			return rc;
		}
	}
	return vo_error_set(err, VO_EIO, "%s: no sentinel to watch: %s", u->display, notes);
}

void vo_redis_close(struct vo_redis *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->reader)
		redisReaderFree(r->reader);
	vo_free(r);
}

const char *vo_redis_name(const struct vo_redis *r)
{
	return r->name;
}

const char *vo_redis_addr(const struct vo_redis *r)
{
	return r->addr;
}

bool vo_redis_broken(const struct vo_redis *r)
{
	return r->broken;
}

int vo_redis_fd(const struct vo_redis *r)
{
	return r->fd;
}

bool vo_redis_dropped(struct vo_redis *r)
{
	if (r->broken)
		return true;
	if (!r->subscribed && readable(r->fd))
		r->broken = true;
	return r->broken;
}

/* ---- commands ---------------------------------------------------------- */

/* Reads until the reader has a whole reply. */
static int read_reply(struct vo_redis *r, void **reply, int64_t deadline, const char *what,
		      struct vo_error *err)
{
	char buf[READ_CHUNK];
	size_t got = 0;

	*reply = NULL;
	for (;;) {
		ssize_t n;

		if (redisReaderGetReply(r->reader, reply) != REDIS_OK)
			return vo_redis__fail(
				r, what,
				r->reader->errstr[0] ? r->reader->errstr : "protocol error", err);
		if (*reply)
			return VO_OK;
		n = read(r->fd, buf, sizeof(buf));
		if (n > 0) {
			got += (size_t)n;
			r->fed += (size_t)n;
			if (got > VO_REDIS_REPLY_MAX) {
				char why[64];
				snprintf(why, sizeof(why), "the reply is larger than %u bytes",
					 VO_REDIS_REPLY_MAX);
				return vo_redis__fail(r, what, why, err);
			}
			if (redisReaderFeed(r->reader, buf, (size_t)n) != REDIS_OK)
				return vo_redis__fail(r, what, "out of memory", err);
			continue;
		}
		if (n == 0)
			return vo_redis__fail(r, what, "the server closed the connection", err);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int rc = vo_redis__wait(r, POLLIN, deadline, r->command_ms, what, err);
			if (rc)
				return rc;
			continue;
		}
		return vo_redis__fail(r, what, strerror(errno), err);
	}
}

int vo_redis_command(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		     struct vo_redis_reply **out, struct vo_error *err)
{
	int64_t deadline = vo_mono_us() + (int64_t)r->command_ms * 1000;
	char what[64];
	void *reply = NULL;
	int rc;

	*out = NULL;
	snprintf(what, sizeof(what), "%s", argv[0]);
	if (r->broken)
		return vo_redis__fail(r, what, "the connection is closed", err);
	if (r->subscribed)
		return vo_redis__fail(r, what, "the connection is subscribed", err);
	rc = vo_redis__send(r, argc, argv, lens, deadline, err);
	if (!rc)
		rc = read_reply(r, &reply, deadline, what, err);
	if (rc)
		return rc;
	/* A reader whose buffer grew for a large reply is replaced, giving it back. */
	if (r->fed > READER_KEEP && r->reader->pos >= r->reader->len) {
		redisReader *fresh = redisReaderCreate();
		if (fresh) {
			redisReaderFree(r->reader);
			r->reader = fresh;
			r->fed = 0;
		}
	}
	*out = (struct vo_redis_reply *)reply;
	return VO_OK;
}

static bool starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

void vo_redis_reply_error(const struct vo_redis_reply *reply, char *out, size_t n)
{
	const char *e = vo_redis_reply_str(reply, NULL);

	if (starts_with(e, "MOVED ") || starts_with(e, "ASK ") || starts_with(e, "CLUSTERDOWN") ||
	    starts_with(e, "CROSSSLOT"))
		snprintf(out, n,
			 "%s (this is a Redis Cluster node: Cluster is not supported; use one "
			 "server, or a primary with replicas and Sentinel)",
			 e);
	else
		snprintf(out, n, "%s", e);
}

int vo_redis_expect(struct vo_redis *r, enum vo_redis_type want, int argc, const char **argv,
		    const size_t *lens, struct vo_redis_reply **out, struct vo_error *err)
{
	struct vo_redis_reply *reply;
	int rc = vo_redis_command(r, argc, argv, lens, &reply, err);

	*out = NULL;
	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		char e[VO_ERROR_MSG_MAX];

		vo_redis_reply_error(reply, e, sizeof(e));
		rc = vo_error_set(err, VO_EUNSUPPORTED, "%s: %s: %s", r->label, argv[0], e);
		vo_redis_reply_free(reply);
		return rc;
	}
	if (vo_redis_reply_type(reply) != want) {
		rc = vo_error_set(err, VO_EIO, "%s: %s: unexpected reply (type %d)", r->label,
				  argv[0], (int)vo_redis_reply_type(reply));
		vo_redis_reply_free(reply);
		return rc;
	}
	*out = reply;
	return VO_OK;
}

void vo_redis_reply_free(struct vo_redis_reply *reply)
{
	if (reply)
		freeReplyObject(reply);
}

enum vo_redis_type vo_redis_reply_type(const struct vo_redis_reply *reply)
{
	return (enum vo_redis_type)((const redisReply *)reply)->type;
}

const char *vo_redis_reply_str(const struct vo_redis_reply *reply, size_t *len)
{
	const redisReply *r = (const redisReply *)reply;

	if (len)
		*len = r->str ? r->len : 0;
	return r->str ? r->str : "";
}

long long vo_redis_reply_int(const struct vo_redis_reply *reply)
{
	return ((const redisReply *)reply)->integer;
}

size_t vo_redis_reply_count(const struct vo_redis_reply *reply)
{
	const redisReply *r = (const redisReply *)reply;

	return r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
}

const struct vo_redis_reply *vo_redis_reply_at(const struct vo_redis_reply *reply, size_t i)
{
	const redisReply *r = (const redisReply *)reply;

	return i < vo_redis_reply_count(reply) ? (const struct vo_redis_reply *)r->element[i]
					       : NULL;
}

/* ---- ROLE -------------------------------------------------------------- */

int vo_redis_role(struct vo_redis *r, enum vo_redis_role *role, char *primary, size_t n,
		  struct vo_error *err)
{
	const char *argv[1] = { "ROLE" };
	size_t lens[1] = { 4 };
	struct vo_redis_reply *reply = NULL;
	const struct vo_redis_reply *first;
	int rc;

	*role = VO_REDIS_ROLE_OTHER;
	if (n)
		primary[0] = '\0';
	rc = vo_redis_command(r, 1, argv, lens, &reply, err);
	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		rc = vo_error_set(err, VO_EUNSUPPORTED,
				  "%s: cannot confirm the primary: ROLE: %s (the ACL user needs "
				  "+role)",
				  r->label, vo_redis_reply_str(reply, NULL));
		goto out;
	}
	first = vo_redis_reply_at(reply, 0);
	if (!first || vo_redis_reply_type(first) != VO_REDIS_STRING)
		goto out;
	if (!strcmp(vo_redis_reply_str(first, NULL), "master")) {
		*role = VO_REDIS_ROLE_PRIMARY;
	} else if (!strcmp(vo_redis_reply_str(first, NULL), "slave")) {
		const struct vo_redis_reply *h = vo_redis_reply_at(reply, 1);
		const struct vo_redis_reply *p = vo_redis_reply_at(reply, 2);

		*role = VO_REDIS_ROLE_REPLICA;
		if (h && p && vo_redis_reply_type(h) == VO_REDIS_STRING &&
		    vo_redis_reply_type(p) == VO_REDIS_INTEGER && n)
			host_port(vo_redis_reply_str(h, NULL), (unsigned)vo_redis_reply_int(p),
				  primary, n);
	}
out:
	vo_redis_reply_free(reply);
	return rc;
}
