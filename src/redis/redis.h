/*
 * redis.h - a small blocking Redis client over hiredis: URLs, connections
 * with timeouts, and the few commands vouch needs.
 *
 * Everything here is synchronous and owned by one thread at a time: the
 * `vouch publish` command, or the server's Redis source thread
 * (api/source_redis.c).  Every message names the server as
 * redis://[user@]host:port/db, never with the password.
 */
#ifndef VO_REDIS_REDIS_H
#define VO_REDIS_REDIS_H

#include "core/common.h"

#include "core/err.h"
#include "core/limits.h"

/* redis://[user@]host:port/db: a server named without its password. */
#define VO_REDIS_NAME_MAX (2 * VO_REDIS_URL_MAX + 64)

/* A parsed redis://[user:password@]host[:port][/db] URL. */
struct vo_redis_url {
	char host[VO_REDIS_URL_MAX];	 /* name or address, IPv6 without brackets */
	char user[VO_REDIS_URL_MAX];	 /* "" for none (AUTH password only) */
	char password[VO_REDIS_URL_MAX]; /* percent-decoded; "" for none */
	bool has_password;		 /* AUTH is sent */
	unsigned port;			 /* 6379 when absent */
	unsigned db;			 /* SELECTed when not 0 */
	char display[VO_REDIS_NAME_MAX]; /* redis://[user@]host:port/db */
};

/* Whether s starts with a scheme this module handles ("redis://"). */
bool vo_redis_is_url(const char *s);

/*
 * Parses url into *u.  VO_EINVAL with a message that shows the URL with its
 * user information masked: wrong scheme (rediss:// is not supported), empty
 * host, port outside 1-65535, database not a number, a query or fragment,
 * bad percent escapes, or parts longer than VO_REDIS_URL_MAX.
 */
int vo_redis_url_parse(const char *url, struct vo_redis_url *u, struct vo_error *err);

/* Overwrites the password in u (call when done with it). */
void vo_redis_url_wipe(struct vo_redis_url *u);

/* A connection; opaque. */
struct vo_redis;

/*
 * Connects within VO_REDIS_CONNECT_MS, sets every later command's timeout to
 * VO_REDIS_COMMAND_MS, sends AUTH when u has a password and SELECT when
 * u->db is not 0.  The connection keeps its own copy of u->display.  VO_EIO
 * (cannot connect, refused password, unknown database) or VO_ENOMEM, with a
 * message starting with u->display.
 */
int vo_redis_connect(const struct vo_redis_url *u, struct vo_redis **out, struct vo_error *err);

/* Closes the connection; NULL is a no-op. */
void vo_redis_close(struct vo_redis *r);

/* redis://[user@]host:port/db of the connection. */
const char *vo_redis_name(const struct vo_redis *r);

/* Whether the connection failed (it is then unusable: close it and connect again). */
bool vo_redis_broken(const struct vo_redis *r);

/* The socket, for poll() (a subscribed connection). */
int vo_redis_fd(const struct vo_redis *r);

/*
 * A reply of one command; struct redisReply underneath.  Freed with
 * vo_redis_reply_free().
 */
struct vo_redis_reply;

/* Kinds of reply, as hiredis (RESP2) has them. */
enum vo_redis_type {
	VO_REDIS_STRING = 1,
	VO_REDIS_ARRAY = 2,
	VO_REDIS_INTEGER = 3,
	VO_REDIS_NIL = 4,
	VO_REDIS_STATUS = 5,
	VO_REDIS_ERROR = 6,
};

/*
 * Sends one command of argc binary-safe arguments and waits for its reply.
 * A Redis error reply is returned as a reply (the caller decides); a broken
 * or timed-out connection is VO_EIO, after which r is unusable.
 */
int vo_redis_command(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		     struct vo_redis_reply **out, struct vo_error *err);

/* Like vo_redis_command(), but any reply other than want (or an error reply) is VO_EIO. */
int vo_redis_expect(struct vo_redis *r, enum vo_redis_type want, int argc, const char **argv,
		    const size_t *lens, struct vo_redis_reply **out, struct vo_error *err);

void vo_redis_reply_free(struct vo_redis_reply *reply);

/* Fields of a reply (see enum vo_redis_type). */
enum vo_redis_type vo_redis_reply_type(const struct vo_redis_reply *reply);
const char *vo_redis_reply_str(const struct vo_redis_reply *reply, size_t *len);
long long vo_redis_reply_int(const struct vo_redis_reply *reply);
size_t vo_redis_reply_count(const struct vo_redis_reply *reply);
const struct vo_redis_reply *vo_redis_reply_at(const struct vo_redis_reply *reply, size_t i);

/*
 * SUBSCRIBEs to channel and waits for the confirmation; from then on r only
 * receives messages (vo_redis_read_messages).  VO_EIO.
 */
int vo_redis_subscribe(struct vo_redis *r, const char *channel, struct vo_error *err);

/*
 * Reads what the socket has (call when poll() says it is readable) and
 * counts the published messages in it into *messages.  VO_EIO when the
 * connection is closed or broken.
 */
int vo_redis_read_messages(struct vo_redis *r, unsigned *messages, struct vo_error *err);

#endif
