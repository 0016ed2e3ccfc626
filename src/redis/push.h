/*
 * push.h - the reader of a subscribed connection's byte stream: RESP2
 * parsed as it arrives by a byte-at-a-time state machine that keeps only
 * each push's kind and its payload's first VO_REDIS_PUSH_KEEP bytes and
 * skips the rest, so a message of any size costs nothing to read past.
 * redis/subscribe.c feeds it from the socket; it does no I/O itself.
 */
#ifndef VO_REDIS_PUSH_H
#define VO_REDIS_PUSH_H

#include "core/common.h"

/* A message's first bytes kept to match it (a version, or a master's name). */
#define VO_REDIS_PUSH_KEEP 256

/*
 * The reader's state; zeroed by vo_redis_push_init().  Pub/sub pushes are
 * flat arrays, so it keeps no stack.
 */
struct vo_redis_push {
	int state;			  /* enum push_state in push.c */
	char type;			  /* RESP type byte of the element being read */
	char line[VO_REDIS_PUSH_KEEP];	  /* the element's header or simple line */
	size_t line_len;		  /* bytes of it kept */
	char last;			  /* the line's last byte seen (its '\r') */
	int64_t bulk_left;		  /* bytes of the bulk string still to skip */
	int64_t elems_left;		  /* elements left in the array; 0 at top level */
	bool in_array;			  /* an array is being read */
	unsigned index;			  /* element index in the array */
	char kind[16];			  /* element 0: "message", "subscribe", ... */
	size_t kind_len;		  /* bytes of it kept */
	char payload[VO_REDIS_PUSH_KEEP]; /* element 2's first bytes */
	size_t payload_len;		  /* bytes of it kept */
	char error[VO_REDIS_PUSH_KEEP];	  /* a top-level error reply */
	char match[VO_REDIS_PUSH_KEEP];	  /* messages counted start with this */
	size_t match_len;		  /* 0: every message counts */
	unsigned pending;		  /* messages counted while subscribing */
	unsigned subscribed;		  /* subscribe confirmations seen */
	unsigned errors;		  /* top-level error replies seen */
};

/*
 * Prepares p: messages will count when their payload starts with match
 * (NULL or "": every message; at most VO_REDIS_PUSH_KEEP - 1 bytes).
 */
void vo_redis_push_init(struct vo_redis_push *p, const char *match);

/*
 * Runs [p, p+n) through s, in any slicing (byte by byte or all at once),
 * adding the messages that match to *messages and counting the
 * subscribe confirmations (s->subscribed) and top-level error replies
 * (s->errors, the last one's text in s->error).  VO_EFORMAT when the bytes
 * are not RESP or an array nests; s is then unusable.
 */
int vo_redis_push_feed(struct vo_redis_push *s, const char *p, size_t n, unsigned *messages);

#endif
