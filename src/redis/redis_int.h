/*
 * redis_int.h - what redis.c and subscribe.c share inside src/redis: the
 * connection itself and its low-level I/O.  Not for other modules.
 */
#ifndef VO_REDIS_REDIS_INT_H
#define VO_REDIS_REDIS_INT_H

#include "core/common.h"

#include "redis/redis.h"

/* A message's first bytes kept to match it (a version, or a master's name). */
#define VO_REDIS__KEEP 256

/*
 * The reader of a subscribed connection: RESP2 parsed as it streams by, one
 * byte state machine, keeping only each push's kind and its payload's first
 * VO_REDIS__KEEP bytes.  Pub/sub pushes are flat arrays, so no nesting.
 */
struct vo_redis__sub {
	int state;		      /* enum sub_state in subscribe.c */
	char type;		      /* RESP type byte of the element being read */
	char line[VO_REDIS__KEEP];    /* the element's header or simple line */
	size_t line_len;	      /* bytes of it kept */
	char last;		      /* the line's last byte seen (its '\r') */
	int64_t bulk_left;	      /* bytes of the bulk string still to skip */
	int64_t elems_left;	      /* elements left in the array; 0 at top level */
	bool in_array;		      /* an array is being read */
	unsigned index;		      /* element index in the array */
	char kind[16];		      /* element 0: "message", "subscribe", ... */
	size_t kind_len;	      /* bytes of it kept */
	char payload[VO_REDIS__KEEP]; /* element 2's first bytes */
	size_t payload_len;	      /* bytes of it kept */
	char error[VO_REDIS__KEEP];   /* a top-level error reply */
	char match[VO_REDIS__KEEP];   /* messages counted start with this */
	size_t match_len;	      /* 0: every message counts */
	unsigned pending;	      /* messages counted while subscribing */
	unsigned subscribed;	      /* subscribe confirmations seen */
	unsigned errors;	      /* top-level error replies seen */
};

struct vo_redis {
	int fd;			      /* the socket, non-blocking */
	struct redisReader *reader;   /* hiredis's reply parser; NULL when subscribed */
	int cancel_fd;		      /* readable: stop every wait; -1 for none */
	unsigned command_ms;	      /* deadline of one command, as a whole */
	bool broken;		      /* unusable: close it */
	bool subscribed;	      /* only messages from now on */
	size_t fed;		      /* bytes given to the reader since it was made */
	struct vo_redis__sub sub;     /* when subscribed */
	char name[VO_REDIS_NAME_MAX]; /* the URL without passwords */
	char host[VO_REDIS_HOST_MAX]; /* the node connected to */
	unsigned port;		      /* its port */
	char addr[VO_REDIS_ADDR_MAX]; /* host:port connected */
	char label[VO_REDIS_NAME_MAX + VO_REDIS_ADDR_MAX + 16]; /* for messages */
};

/*
 * Waits until fd has events or deadline (monotonic us) passes or the
 * cancel descriptor is readable.  VO_OK when fd is ready; VO_EIO with "LABEL:
 * WHAT: timed out after N s" or "... cancelled", r marked broken.
 */
int vo_redis__wait(struct vo_redis *r, short events, int64_t deadline, unsigned ms,
		   const char *what, struct vo_error *err);

/* Sends one command (argv as RESP) by deadline.  VO_EIO, r marked broken. */
int vo_redis__send(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		   int64_t deadline, struct vo_error *err);

/*
 * Runs [p, p+n) of a subscribed connection's stream through s (zeroed to
 * start, match set), counting the messages that match into *messages and
 * the confirmations and errors into s.  VO_EFORMAT when it is not RESP or
 * an array nests.
 */
int vo_redis__sub_feed(struct vo_redis__sub *s, const char *p, size_t n, unsigned *messages);

/* "N s" or "N.N s" for a duration in milliseconds, into out. */
void vo_redis__seconds(unsigned ms, char *out, size_t n);

/* Marks r broken and sets err to "LABEL: WHAT: WHY"; returns VO_EIO. */
int vo_redis__fail(struct vo_redis *r, const char *what, const char *why, struct vo_error *err);

#endif
