/*
 * redis.h - a small Redis client: URLs (one server, or a primary found
 * through Sentinel), connections whose every command has one deadline, the
 * few commands vouch needs, and a subscription that never buffers what it
 * ignores.
 *
 * hiredis (0.14 on Debian 12) is used for what it does well, formatting
 * commands and parsing replies; the socket, the deadlines and Sentinel are
 * this module's, because hiredis 0.14 knows no Sentinel and its timeout
 * applies to each read, not to a command (a reply trickling in at 50 bytes a
 * second never times out).
 *
 * Everything here is synchronous and owned by one thread at a time: the
 * `vouch publish` command, or the server's Redis source thread.  A
 * connection can be given a cancel descriptor: once it is readable, every
 * wait ends at once, so a stopping thread never waits for Redis.
 *
 * Messages name a server by its URL without the password
 * (redis://[user@]host:port/db, redis-sentinel://[user@]h1:p1,h2:p2/MASTER/db);
 * neither password ever appears in one.
 */
#ifndef VO_REDIS_REDIS_H
#define VO_REDIS_REDIS_H

#include "core/common.h"

#include "core/err.h"
#include "core/limits.h"

/* A URL as messages show it, without passwords. */
#define VO_REDIS_NAME_MAX (VO_REDIS_URL_MAX + 64)
/* host:port of a connected node, IPv6 in brackets. */
#define VO_REDIS_ADDR_MAX (VO_REDIS_HOST_MAX + 16)

enum vo_redis_kind {
	VO_REDIS_DIRECT,   /* redis://: one server */
	VO_REDIS_SENTINEL, /* redis-sentinel://: the primary the sentinels name */
};

struct vo_redis_host {
	char name[VO_REDIS_HOST_MAX]; /* name or address, IPv6 without brackets */
	unsigned port;
};

/*
 * A parsed URL:
 *
 *   redis://[user:password@]host[:port][/db]            (port 6379)
 *   redis-sentinel://[user:password@]host1[:port1],host2[:port2].../MASTER[/db]
 *                                                      (ports 26379)
 *
 * The user information is the data node's (AUTH on the primary or server).
 * The sentinels have their own credentials, read from VOUCH_SENTINEL_USER and
 * VOUCH_SENTINEL_PASSWORD when the URL is parsed (none when unset).
 */
struct vo_redis_url {
	enum vo_redis_kind kind;
	struct vo_redis_host hosts[VO_REDIS_SENTINELS_MAX]; /* the server, or the sentinels */
	size_t nhosts;					    /* 1 for redis:// */
	char master[VO_REDIS_HOST_MAX];			    /* Sentinel: the master's name */
	char user[VO_REDIS_URL_MAX];			    /* the data node's user; "" for none */
	char password[VO_REDIS_URL_MAX];		    /* percent-decoded; "" for none */
	bool has_password;				    /* AUTH is sent to the data node */
	char sentinel_user[VO_REDIS_URL_MAX];		    /* VOUCH_SENTINEL_USER */
	char sentinel_password[VO_REDIS_URL_MAX];	    /* VOUCH_SENTINEL_PASSWORD */
	bool sentinel_has_password;			    /* AUTH is sent to sentinels */
	unsigned db;					    /* SELECTed when not 0 */
	char display[VO_REDIS_NAME_MAX];		    /* the URL without passwords */
};

/*
 * Whether s looks like a URL rather than a file path: "scheme://...", or a
 * scheme starting with "redis" and a colon ("redis:/h", a typo).  Such a
 * string goes to vo_redis_url_parse(), which names what is wrong with it,
 * and is never printed as a path.
 */
bool vo_redis_is_url(const char *s);

/*
 * Writes s into out (n bytes) with its user information masked as "***":
 * everything between the scheme and the last '@', whatever the URL's shape
 * ('/', '?', '#' or '@' in the password, "redis:/" typos, any case), and a
 * port that is not a number.  For every message that shows a URL given by
 * the user.
 */
void vo_redis_mask(const char *s, char *out, size_t n);

/*
 * Parses url into *u.  VO_EINVAL with a message that shows the URL masked:
 * unknown scheme, TLS (rediss://), Redis Cluster (redis-cluster://, or
 * several hosts in a redis:// URL; the message says why and what to use),
 * no host, a port outside 1-65535, a database that is not a number, a
 * Sentinel URL without a master name, more than VO_REDIS_SENTINELS_MAX
 * sentinels, a query or fragment, bad percent escapes, parts longer than
 * their limit, VOUCH_SENTINEL_USER without VOUCH_SENTINEL_PASSWORD.
 */
int vo_redis_url_parse(const char *url, struct vo_redis_url *u, struct vo_error *err);

/* Overwrites both passwords in u (call when done with it). */
void vo_redis_url_wipe(struct vo_redis_url *u);

/* A connection; opaque. */
struct vo_redis;

/*
 * Connects to the server u names.  redis://: the host, within
 * VO_REDIS_CONNECT_MS.  redis-sentinel://: asks each sentinel in turn
 * (VO_REDIS_SENTINEL_MS to connect and to answer) for the master's address
 * with SENTINEL GET-MASTER-ADDR-BY-NAME, connects there and confirms with
 * ROLE that it is a primary; an address that is down or not a primary
 * sends it on to the next sentinel.  Then AUTH with u's user information
 * and SELECT when u->db is not 0.
 *
 * Every later command has VO_REDIS_COMMAND_MS as a whole.  cancel_fd (-1:
 * none) ends every wait of this connection, this call included, once it
 * is readable.  The connection keeps copies of what it needs from u.
 * VO_EIO (cannot connect, no primary found, refused password, unknown
 * database, ROLE refused, cancelled) or VO_ENOMEM, with a message starting
 * with u->display.
 */
int vo_redis_connect(const struct vo_redis_url *u, int cancel_fd, struct vo_redis **out,
		     struct vo_error *err);

/*
 * A second connection to the node peer is connected to (the same primary,
 * without asking the sentinels again), authenticated and SELECTed as u says.
 * Errors as vo_redis_connect().
 */
int vo_redis_connect_same(const struct vo_redis_url *u, const struct vo_redis *peer, int cancel_fd,
			  struct vo_redis **out, struct vo_error *err);

/* Closes the connection; NULL is a no-op. */
void vo_redis_close(struct vo_redis *r);

/* The URL of the connection without passwords (u->display). */
const char *vo_redis_name(const struct vo_redis *r);

/* host:port of the node connected to (the primary the sentinels named). */
const char *vo_redis_addr(const struct vo_redis *r);

/* Whether the connection failed; it is then unusable: close it and connect again. */
bool vo_redis_broken(const struct vo_redis *r);

/* The socket, for poll() (a subscribed connection). */
int vo_redis_fd(const struct vo_redis *r);

/*
 * Whether the server closed the connection, or sent something unasked,
 * while no command was waiting (Redis's `timeout` setting closes idle
 * clients).  The connection is then broken.  Call it on a connection that
 * is not subscribed, before using it after a pause.
 */
bool vo_redis_dropped(struct vo_redis *r);

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
 * Sends one command of argc binary-safe arguments and waits for its reply,
 * VO_REDIS_COMMAND_MS at most from start to end.  A Redis error reply is
 * returned as a reply (the caller decides).  A connection that breaks, a
 * reply larger than VO_REDIS_REPLY_MAX, the deadline ("timed out after 5
 * s") or the cancel descriptor is VO_EIO, after which r is unusable.
 */
int vo_redis_command(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		     struct vo_redis_reply **out, struct vo_error *err);

/*
 * Like vo_redis_command(), but an error reply is VO_EUNSUPPORTED ("NAME:
 * CMD: the error", with a hint for the errors of a Redis Cluster node) and
 * any other type than want VO_EIO.
 */
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
 * The error text of an error reply, with a hint appended when it is one of
 * a Redis Cluster node (MOVED, ASK, CLUSTERDOWN); into out (n bytes).
 */
void vo_redis_reply_error(const struct vo_redis_reply *reply, char *out, size_t n);

enum vo_redis_role {
	VO_REDIS_ROLE_PRIMARY,
	VO_REDIS_ROLE_REPLICA,
	VO_REDIS_ROLE_OTHER, /* a sentinel, or an answer not understood */
};

/*
 * Asks the node its role (ROLE).  For a replica, its primary's host:port
 * goes to primary (n bytes; "" when unknown).  VO_EUNSUPPORTED when ROLE is
 * refused (an ACL user without +role), VO_EIO.
 */
int vo_redis_role(struct vo_redis *r, enum vo_redis_role *role, char *primary, size_t n,
		  struct vo_error *err);

/*
 * SUBSCRIBEs to channel and waits for the confirmation; from then on r only
 * receives messages (vo_redis_read_messages), which count when their
 * payload starts with match (NULL: every message).  VO_EUNSUPPORTED when
 * the server refuses (an ACL user without the channel; r stays usable for
 * commands), VO_EIO.
 */
int vo_redis_subscribe(struct vo_redis *r, const char *channel, const char *match,
		       struct vo_error *err);

/*
 * Reads what the socket has, without waiting (call when poll() says it is
 * readable), at most VO_REDIS_SUB_READ_MAX bytes, and counts the messages
 * that matched into *messages.  A message's payload is never held in
 * memory beyond its first bytes, whatever its size.  VO_EIO when the
 * connection is closed or broken or the bytes are not RESP.
 */
int vo_redis_read_messages(struct vo_redis *r, unsigned *messages, struct vo_error *err);

/*
 * For a Sentinel URL: connects to the first sentinel that answers and
 * subscribes to its +switch-master channel, whose messages about u->master
 * vo_redis_read_messages() counts (a failover happened).  VO_EIO (no
 * sentinel answered), VO_EUNSUPPORTED (refused).
 */
int vo_redis_watch_sentinel(const struct vo_redis_url *u, int cancel_fd, struct vo_redis **out,
			    struct vo_error *err);

#endif
