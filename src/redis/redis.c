/*
 * redis.c - URLs, connections and commands over hiredis, see redis.h.
 */
#include "core/common.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include "core/alloc.h"
#include "core/str.h"
#include "redis/redis.h"

struct vo_redis {
	redisContext *c;	      /* owned */
	char name[VO_REDIS_NAME_MAX]; /* redis://[user@]host:port/db */
};

static const char scheme[] = "redis://";

bool vo_redis_is_url(const char *s)
{
	return s && !strncmp(s, scheme, sizeof(scheme) - 1);
}

/* ---- URLs -------------------------------------------------------------- */

/* The URL for messages: everything before the last '@' of the authority masked. */
static void masked(const char *url, char *out, size_t n)
{
	const char *auth = strstr(url, "://");
	const char *end, *at = NULL;

	if (!auth) {
		snprintf(out, n, "%s", url);
		return;
	}
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		snprintf(out, n, "%s", url);
	else
		snprintf(out, n, "%.*s***%s", (int)(auth - url), url, at);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes [s, s+len) into out (n bytes); false on a bad escape or overflow. */
static bool decode(const char *s, size_t len, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return false;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0' || o + 1 >= n)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

static bool parse_uint(const char *s, size_t len, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!vo_str_to_u64(vo_str_make(s, len), max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

int vo_redis_url_parse(const char *url, struct vo_redis_url *u, struct vo_error *err)
{
	char shown[VO_REDIS_URL_MAX + 16];
	const char *auth, *end, *at = NULL, *host, *host_end, *port = NULL;
	size_t host_len;

	memset(u, 0, sizeof(*u));
	masked(url, shown, sizeof(shown));
	if (!vo_redis_is_url(url)) {
		if (!strncmp(url, "rediss://", 9))
			return vo_error_set(err, VO_EINVAL,
					    "redis URL '%s': TLS (rediss://) is not supported",
					    shown);
		return vo_error_set(
			err, VO_EINVAL,
			"'%s' is not a redis URL (redis://[user:password@]host:port[/db])", shown);
	}
	if (strlen(url) >= VO_REDIS_URL_MAX)
		return vo_error_set(err, VO_EINVAL, "redis URL is longer than %u bytes",
				    VO_REDIS_URL_MAX);
	if (strpbrk(url, "?#"))
		return vo_error_set(err, VO_EINVAL,
				    "redis URL '%s': no query or fragment is understood", shown);
	auth = url + sizeof(scheme) - 1;
	end = auth + strcspn(auth, "/");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		const char *colon = memchr(auth, ':', (size_t)(at - auth));

		if (!colon)
			return vo_error_set(err, VO_EINVAL,
					    "redis URL '%s': give user:password@ or :password@",
					    shown);
		if (!decode(auth, (size_t)(colon - auth), u->user, sizeof(u->user)) ||
		    !decode(colon + 1, (size_t)(at - colon - 1), u->password, sizeof(u->password)))
			return vo_error_set(err, VO_EINVAL,
					    "redis URL '%s': bad %%-escape in the user or password",
					    shown);
		u->has_password = true;
		host = at + 1;
	} else {
		host = auth;
	}
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close)
			return vo_error_set(err, VO_EINVAL, "redis URL '%s': unclosed '['", shown);
		host_end = close + 1;
		if (host_end < end && *host_end != ':')
			return vo_error_set(err, VO_EINVAL,
					    "redis URL '%s': junk after the IPv6 address", shown);
		if (host_end < end)
			port = host_end + 1;
		host++;
		host_len = (size_t)(close - host);
	} else {
		host_end = memchr(host, ':', (size_t)(end - host));
		if (host_end)
			port = host_end + 1;
		else
			host_end = end;
		host_len = (size_t)(host_end - host);
	}
	if (!host_len)
		return vo_error_set(err, VO_EINVAL, "redis URL '%s': no host", shown);
	memcpy(u->host, host, host_len);
	u->host[host_len] = '\0';
	u->port = 6379;
	if (port && !parse_uint(port, (size_t)(end - port), 65535, &u->port))
		return vo_error_set(err, VO_EINVAL, "redis URL '%s': the port must be 1 to 65535",
				    shown);
	if (!u->port)
		return vo_error_set(err, VO_EINVAL, "redis URL '%s': the port must be 1 to 65535",
				    shown);
	if (*end == '/' && end[1] && !parse_uint(end + 1, strlen(end + 1), INT_MAX, &u->db))
		return vo_error_set(err, VO_EINVAL,
				    "redis URL '%s': the database after '/' must be a number",
				    shown);
	snprintf(u->display, sizeof(u->display), "redis://%s%s%s%s%s:%u/%u", u->user,
		 *u->user ? "@" : "", strchr(u->host, ':') ? "[" : "", u->host,
		 strchr(u->host, ':') ? "]" : "", u->port, u->db);
	return VO_OK;
}

void vo_redis_url_wipe(struct vo_redis_url *u)
{
	volatile char *p = u->password;

	for (size_t i = 0; i < sizeof(u->password); i++)
		p[i] = 0;
	u->has_password = false;
}

/* ---- connections ------------------------------------------------------- */

static struct timeval ms_tv(unsigned ms)
{
	struct timeval tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

/* The error of a dead context: VO_EIO with "NAME: WHAT: ERRSTR". */
static int context_error(struct vo_redis *r, const char *what, struct vo_error *err)
{
	const char *why = r->c && r->c->errstr[0] ? r->c->errstr : "connection lost";

	if (r->c && r->c->err == REDIS_ERR_IO && !r->c->errstr[0])
		why = strerror(errno);
	if (r->c && r->c->err == REDIS_ERR_EOF)
		why = "the server closed the connection";
	vo_error_set(err, VO_EIO, "%s: %s: %s", r->name, what, why);
	return VO_EIO;
}

int vo_redis_connect(const struct vo_redis_url *u, struct vo_redis **out, struct vo_error *err)
{
	struct vo_redis *r;
	struct vo_redis_reply *reply = NULL;
	int rc = VO_OK;

	*out = NULL;
	r = vo_calloc(1, sizeof(*r));
	if (!r)
		return vo_error_nomem_in(err, u->display);
	snprintf(r->name, sizeof(r->name), "%s", u->display);
	r->c = redisConnectWithTimeout(u->host, (int)u->port, ms_tv(VO_REDIS_CONNECT_MS));
	if (!r->c) {
		rc = vo_error_nomem_in(err, r->name);
		goto out;
	}
	if (r->c->err) {
		rc = context_error(r, "cannot connect", err);
		goto out;
	}
	if (redisSetTimeout(r->c, ms_tv(VO_REDIS_COMMAND_MS)) != REDIS_OK) {
		rc = context_error(r, "cannot set the timeout", err);
		goto out;
	}
	if (u->has_password) {
		const char *argv[3] = { "AUTH", u->user, u->password };
		size_t lens[3] = { 4, strlen(u->user), strlen(u->password) };
		int argc = *u->user ? 3 : 2;

		if (argc == 2) {
			argv[1] = u->password;
			lens[1] = lens[2];
		}
		rc = vo_redis_command(r, argc, argv, lens, &reply, err);
		if (!rc && vo_redis_reply_type(reply) == VO_REDIS_ERROR)
			rc = vo_error_set(err, VO_EIO, "%s: authentication failed: %s", r->name,
					  vo_redis_reply_str(reply, NULL));
		vo_redis_reply_free(reply);
		reply = NULL;
		if (rc)
			goto out;
	}
	if (u->db) {
		char db[16];
		const char *argv[2] = { "SELECT", db };
		size_t lens[2] = { 6, 0 };

		lens[1] = (size_t)snprintf(db, sizeof(db), "%u", u->db);
		rc = vo_redis_command(r, 2, argv, lens, &reply, err);
		if (!rc && vo_redis_reply_type(reply) == VO_REDIS_ERROR)
			rc = vo_error_set(err, VO_EIO, "%s: cannot select database %u: %s", r->name,
					  u->db, vo_redis_reply_str(reply, NULL));
		vo_redis_reply_free(reply);
		if (rc)
			goto out;
	}
	*out = r;
	return VO_OK;
out:
	vo_redis_close(r);
	return rc;
}

void vo_redis_close(struct vo_redis *r)
{
	if (!r)
		return;
	if (r->c)
		redisFree(r->c);
	vo_free(r);
}

const char *vo_redis_name(const struct vo_redis *r)
{
	return r->name;
}

bool vo_redis_broken(const struct vo_redis *r)
{
	return r->c->err != 0;
}

int vo_redis_fd(const struct vo_redis *r)
{
	return r->c->fd;
}

/* ---- commands ---------------------------------------------------------- */

int vo_redis_command(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		     struct vo_redis_reply **out, struct vo_error *err)
{
	redisReply *reply;
	char what[64];

	*out = NULL;
	if (r->c->err) {
		snprintf(what, sizeof(what), "%s", argv[0]);
		return context_error(r, what, err);
	}
	reply = redisCommandArgv(r->c, argc, argv, lens);
	if (!reply) {
		snprintf(what, sizeof(what), "%s", argv[0]);
		return context_error(r, what, err);
	}
	*out = (struct vo_redis_reply *)reply;
	return VO_OK;
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
		rc = vo_error_set(err, VO_EIO, "%s: %s: %s", r->name, argv[0],
				  vo_redis_reply_str(reply, NULL));
		vo_redis_reply_free(reply);
		return rc;
	}
	if (vo_redis_reply_type(reply) != want) {
		rc = vo_error_set(err, VO_EIO, "%s: %s: unexpected reply (type %d)", r->name,
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

/* ---- publish/subscribe ------------------------------------------------- */

/* Whether a reply is the push ["message", channel, payload]. */
static bool is_message(const redisReply *m)
{
	return m->type == REDIS_REPLY_ARRAY && m->elements == 3 &&
	       m->element[0]->type == REDIS_REPLY_STRING && !strcmp(m->element[0]->str, "message");
}

int vo_redis_subscribe(struct vo_redis *r, const char *channel, struct vo_error *err)
{
	const char *argv[2] = { "SUBSCRIBE", channel };
	size_t lens[2] = { 9, strlen(channel) };
	struct vo_redis_reply *reply;
	const redisReply *m;
	int rc;

	rc = vo_redis_command(r, 2, argv, lens, &reply, err);
	if (rc)
		return rc;
	m = (const redisReply *)reply;
	if (m->type != REDIS_REPLY_ARRAY || m->elements != 3 ||
	    m->element[0]->type != REDIS_REPLY_STRING ||
	    strcmp(m->element[0]->str, "subscribe") != 0)
		rc = vo_error_set(err, VO_EIO, "%s: SUBSCRIBE %s: %s", r->name, channel,
				  m->type == REDIS_REPLY_ERROR ? m->str : "unexpected reply");
	vo_redis_reply_free(reply);
	return rc;
}

int vo_redis_read_messages(struct vo_redis *r, unsigned *messages, struct vo_error *err)
{
	void *reply = NULL;

	*messages = 0;
	if (redisBufferRead(r->c) != REDIS_OK)
		return context_error(r, "subscription", err);
	for (;;) {
		if (redisGetReplyFromReader(r->c, &reply) != REDIS_OK)
			return context_error(r, "subscription", err);
		if (!reply)
			break;
		if (is_message(reply))
			(*messages)++;
		freeReplyObject(reply);
		reply = NULL;
	}
	return VO_OK;
}
