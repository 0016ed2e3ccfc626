/*
 * subscribe.c - a subscribed connection, read as a stream; see redis.h.
 *
 * hiredis's reader holds a whole reply before handing it over, so a 200 MiB
 * message on the channel costs 400 MiB for a payload vouch never reads (and
 * a slow read of it makes the server drop the subscriber).  Here the bytes
 * go through redis/push.h's state machine instead, which keeps a push's
 * kind and its payload's first bytes and skips the rest as it arrives.
 */
#include "core/common.h"

#include <poll.h>
#include <unistd.h>

#include "core/log.h"
#include "redis/redis_int.h"

#define READ_CHUNK (16u << 10)

/*
 * Reads what the socket has, up to max bytes, into the state machine.
 * *eof is set when the server closed the connection.
 */
static int pump(struct vo_redis *r, size_t max, unsigned *messages, bool *would_block,
		struct vo_error *err)
{
	char buf[READ_CHUNK];
	size_t total = 0;

	*would_block = false;
	while (total < max) {
		ssize_t n = read(r->fd, buf, sizeof(buf));

		if (n > 0) {
			total += (size_t)n;
			if (vo_redis_push_feed(&r->sub, buf, (size_t)n, messages))
				return vo_redis__fail(r, "subscription", "not a RESP stream", err);
			continue;
		}
		if (n == 0)
			return vo_redis__fail(r, "subscription", "the server closed the connection",
					      err);
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			*would_block = true;
			return VO_OK;
		}
		return vo_redis__fail(r, "subscription", strerror(errno), err);
	}
	return VO_OK;
}

int vo_redis_subscribe(struct vo_redis *r, const char *channel, const char *match,
		       struct vo_error *err)
{
	const char *argv[2] = { "SUBSCRIBE", channel };
	size_t lens[2] = { 9, strlen(channel) };
	int64_t deadline = vo_mono_us() + (int64_t)r->command_ms * 1000;
	char what[VO_REDIS_HOST_MAX + 16];
	int rc;

	snprintf(what, sizeof(what), "SUBSCRIBE %s", channel);
	if (r->broken || r->subscribed)
		return vo_redis__fail(r, what, "the connection is not usable", err);
	vo_redis_push_init(&r->sub, match);
	rc = vo_redis__send(r, 2, argv, lens, deadline, err);
	while (!rc && !r->sub.subscribed && !r->sub.errors) {
		bool would_block;

		rc = pump(r, READ_CHUNK, &r->sub.pending, &would_block, err);
		if (!rc && would_block && !r->sub.subscribed && !r->sub.errors)
			rc = vo_redis__wait(r, POLLIN, deadline, r->command_ms, what, err);
	}
	if (rc)
		return rc;
	if (r->sub.errors)
		return vo_error_set(err, VO_EUNSUPPORTED, "%s: %s: %s", r->label, what,
				    r->sub.error);
	r->subscribed = true;
	return VO_OK;
}

int vo_redis_read_messages(struct vo_redis *r, unsigned *messages, struct vo_error *err)
{
	bool would_block;
	int rc;

	*messages = r->sub.pending;
	r->sub.pending = 0;
	if (r->broken || !r->subscribed)
		return vo_redis__fail(r, "subscription", "the connection is not subscribed", err);
	rc = pump(r, VO_REDIS_SUB_READ_MAX, messages, &would_block, err);
	if (!rc && r->sub.errors)
		rc = vo_redis__fail(r, "subscription", r->sub.error, err);
	return rc;
}
