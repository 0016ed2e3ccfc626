/*
 * subscribe.c - a subscribed connection, read as a stream; see redis.h.
 *
 * hiredis's reader holds a whole reply before handing it over, so a 200 MiB
 * message on the channel costs 400 MiB for a payload vouch never reads (and
 * a slow read of it makes the server drop the subscriber).  Here the bytes
 * go through a small state machine instead: a push's kind and its payload's
 * first VO_REDIS__KEEP bytes are kept, the rest is skipped as it arrives.
 */
#include "core/common.h"

#include <poll.h>
#include <unistd.h>

#include "core/log.h"
#include "redis/redis_int.h"

#define READ_CHUNK (16u << 10)
/* Digits of a RESP length or integer, with sign. */
#define NUMBER_MAX 20

enum sub_state {
	SUB_TYPE,    /* the type byte of the next element */
	SUB_LINE,    /* the rest of its line, up to '\n' */
	SUB_BULK,    /* the bytes of a bulk string */
	SUB_BULK_CR, /* the '\r' after them */
	SUB_BULK_LF, /* the '\n' after that */
};

/* What a complete top-level reply was. */
enum sub_event {
	EV_NONE,
	EV_MESSAGE,
	EV_SUBSCRIBED,
	EV_ERROR,
};

static bool parse_number(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	bool neg = false;
	size_t i = 0;

	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len || len > NUMBER_MAX)
		return false;
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, s[i] - '0', &v))
			return false;
	}
	*out = neg ? -v : v;
	return true;
}

static void keep(char *dst, size_t cap, size_t *len, const char *src, size_t n)
{
	size_t room = cap - 1 - *len;
	size_t k = VO_MIN(room, n);

	memcpy(dst + *len, src, k);
	*len += k;
	dst[*len] = '\0';
}

/* The current array is done: what was it? */
static enum sub_event classify(struct vo_redis__sub *s)
{
	if (!s->in_array)
		return EV_NONE;
	if (s->index == 3 && !strcmp(s->kind, "message"))
		return EV_MESSAGE;
	if (!strcmp(s->kind, "subscribe"))
		return EV_SUBSCRIBED;
	return EV_NONE;
}

static void count(struct vo_redis__sub *s, enum sub_event ev, unsigned *messages)
{
	if (ev == EV_MESSAGE && (!s->match_len || (s->payload_len >= s->match_len &&
						   !memcmp(s->payload, s->match, s->match_len))))
		(*messages)++;
	else if (ev == EV_SUBSCRIBED)
		s->subscribed++;
	else if (ev == EV_ERROR)
		s->errors++;
}

/* An element ended; returns the event when it also ended the top-level reply. */
static enum sub_event element_done(struct vo_redis__sub *s)
{
	enum sub_event ev = EV_NONE;

	s->state = SUB_TYPE;
	if (!s->in_array)
		return s->type == '-' ? EV_ERROR : EV_NONE;
	s->index++;
	if (--s->elems_left > 0)
		return EV_NONE;
	ev = classify(s);
	s->in_array = false;
	return ev;
}

/* The line of an element is complete. */
static int end_line(struct vo_redis__sub *s, enum sub_event *ev)
{
	int64_t v;

	*ev = EV_NONE;
	switch (s->type) {
	case '*':
		if (s->in_array || !parse_number(s->line, s->line_len, &v))
			return VO_EFORMAT; /* pushes are flat arrays */
		if (v <= 0) {
			s->state = SUB_TYPE;
			return VO_OK;
		}
		s->in_array = true;
		s->elems_left = v;
		s->index = 0;
		s->kind_len = 0;
		s->kind[0] = '\0';
		s->payload_len = 0;
		s->payload[0] = '\0';
		s->state = SUB_TYPE;
		return VO_OK;
	case '$':
		if (!parse_number(s->line, s->line_len, &v) || v < -1)
			return VO_EFORMAT;
		if (v == -1) {
			*ev = element_done(s);
			return VO_OK;
		}
		s->bulk_left = v;
		s->state = v ? SUB_BULK : SUB_BULK_CR;
		return VO_OK;
	case ':':
		if (!parse_number(s->line, s->line_len, &v))
			return VO_EFORMAT;
		*ev = element_done(s);
		return VO_OK;
	case '-':
		if (!s->in_array)
			snprintf(s->error, sizeof(s->error), "%s", s->line);
		*ev = element_done(s);
		return VO_OK;
	case '+':
		*ev = element_done(s);
		return VO_OK;
	default:
		return VO_EFORMAT;
	}
}

int vo_redis__sub_feed(struct vo_redis__sub *s, const char *p, size_t n, unsigned *messages)
{
	const char *end = p + n;
	enum sub_event ev;
	int rc;

	while (p < end) {
		switch (s->state) {
		case SUB_TYPE:
			s->type = *p++;
			if (!strchr("*$:+-", s->type) || !s->type)
				return VO_EFORMAT;
			s->line_len = 0;
			s->line[0] = '\0';
			s->state = SUB_LINE;
			break;
		case SUB_LINE: {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl : end;

			keep(s->line, sizeof(s->line), &s->line_len, p, (size_t)(stop - p));
			if (s->type != '-' && s->type != '+' && s->line_len > NUMBER_MAX + 1)
				return VO_EFORMAT;
			if (stop > p)
				s->last = stop[-1];
			p = stop;
			if (!nl)
				break;
			p++;
			if (s->last != '\r')
				return VO_EFORMAT;
			/* The '\r' is dropped (it may not have been kept in a long line). */
			if (s->line_len && s->line[s->line_len - 1] == '\r')
				s->line[--s->line_len] = '\0';
			s->last = 0;
			rc = end_line(s, &ev);
			if (rc)
				return rc;
			count(s, ev, messages);
			break;
		}
		case SUB_BULK: {
			size_t k = (size_t)VO_MIN((int64_t)(end - p), s->bulk_left);

			if (s->in_array && s->index == 0)
				keep(s->kind, sizeof(s->kind), &s->kind_len, p, k);
			else if (s->in_array && s->index == 2)
				keep(s->payload, sizeof(s->payload), &s->payload_len, p, k);
			p += k;
			s->bulk_left -= (int64_t)k;
			if (!s->bulk_left)
				s->state = SUB_BULK_CR;
			break;
		}
		case SUB_BULK_CR:
			if (*p++ != '\r')
				return VO_EFORMAT;
			s->state = SUB_BULK_LF;
			break;
		case SUB_BULK_LF:
			if (*p++ != '\n')
				return VO_EFORMAT;
			count(s, element_done(s), messages);
			break;
		default:
			return VO_EFORMAT;
		}
	}
	return VO_OK;
}

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
			if (vo_redis__sub_feed(&r->sub, buf, (size_t)n, messages))
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
	memset(&r->sub, 0, sizeof(r->sub));
	if (match)
		keep(r->sub.match, sizeof(r->sub.match), &r->sub.match_len, match, strlen(match));
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
