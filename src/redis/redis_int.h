/*
 * redis_int.h - what redis.c and subscribe.c share inside src/redis: the
 * connection itself and its low-level I/O.  Not for other modules.
 */
#ifndef VO_REDIS_REDIS_INT_H
#define VO_REDIS_REDIS_INT_H

#include "core/common.h"

#include "redis/push.h"
#include "redis/redis.h"

struct vo_redis {
	int fd;			      /* the socket, non-blocking */
	struct redisReader *reader;   /* hiredis's reply parser; NULL when subscribed */
	int cancel_fd;		      /* readable: stop every wait; -1 for none */
	unsigned command_ms;	      /* deadline of one command, as a whole */
	bool broken;		      /* unusable: close it */
	bool subscribed;	      /* only messages from now on */
	size_t fed;		      /* bytes given to the reader since it was made */
	struct vo_redis_push sub;     /* when subscribed */
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

/* "N s" or "N.N s" for a duration in milliseconds, into out. */
void vo_redis__seconds(unsigned ms, char *out, size_t n);

/* Marks r broken and sets err to "LABEL: WHAT: WHY"; returns VO_EIO. */
int vo_redis__fail(struct vo_redis *r, const char *what, const char *why, struct vo_error *err);

#endif
