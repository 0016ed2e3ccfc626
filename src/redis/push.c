/*
 * push.c - a subscribed connection's stream, parsed as it arrives; see
 * push.h.
 */
#include "core/common.h"

#include "redis/push.h"

/* Digits of a RESP length or integer, with sign. */
#define NUMBER_MAX 20

enum push_state {
	PUSH_TYPE,    /* the type byte of the next element */
	PUSH_LINE,    /* the rest of its line, up to '\n' */
	PUSH_BULK,    /* the bytes of a bulk string */
	PUSH_BULK_CR, /* the '\r' after them */
	PUSH_BULK_LF, /* the '\n' after that */
};

/* What a complete top-level reply was. */
enum push_event {
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
static enum push_event classify(struct vo_redis_push *s)
{
	if (!s->in_array)
		return EV_NONE;
	if (s->index == 3 && !strcmp(s->kind, "message"))
		return EV_MESSAGE;
	if (!strcmp(s->kind, "subscribe"))
		return EV_SUBSCRIBED;
	return EV_NONE;
}

static void count(struct vo_redis_push *s, enum push_event ev, unsigned *messages)
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
static enum push_event element_done(struct vo_redis_push *s)
{
	enum push_event ev = EV_NONE;

	s->state = PUSH_TYPE;
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
static int end_line(struct vo_redis_push *s, enum push_event *ev)
{
	int64_t v;

	*ev = EV_NONE;
	switch (s->type) {
	case '*':
		if (s->in_array || !parse_number(s->line, s->line_len, &v))
			return VO_EFORMAT; /* pushes are flat arrays */
		if (v <= 0) {
			s->state = PUSH_TYPE;
			return VO_OK;
		}
		s->in_array = true;
		s->elems_left = v;
		s->index = 0;
		s->kind_len = 0;
		s->kind[0] = '\0';
		s->payload_len = 0;
		s->payload[0] = '\0';
		s->state = PUSH_TYPE;
		return VO_OK;
	case '$':
		if (!parse_number(s->line, s->line_len, &v) || v < -1)
			return VO_EFORMAT;
		if (v == -1) {
			*ev = element_done(s);
			return VO_OK;
		}
		s->bulk_left = v;
		s->state = v ? PUSH_BULK : PUSH_BULK_CR;
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

int vo_redis_push_feed(struct vo_redis_push *s, const char *p, size_t n, unsigned *messages)
{
	const char *end = p + n;
	enum push_event ev;
	int rc;

	while (p < end) {
		switch (s->state) {
		case PUSH_TYPE:
			s->type = *p++;
			if (!strchr("*$:+-", s->type) || !s->type)
				return VO_EFORMAT;
			s->line_len = 0;
			s->line[0] = '\0';
			s->state = PUSH_LINE;
			break;
		case PUSH_LINE: {
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
		case PUSH_BULK: {
			size_t k = (size_t)VO_MIN((int64_t)(end - p), s->bulk_left);

			if (s->in_array && s->index == 0)
				keep(s->kind, sizeof(s->kind), &s->kind_len, p, k);
			else if (s->in_array && s->index == 2)
				keep(s->payload, sizeof(s->payload), &s->payload_len, p, k);
			p += k;
			s->bulk_left -= (int64_t)k;
			if (!s->bulk_left)
				s->state = PUSH_BULK_CR;
			break;
		}
		case PUSH_BULK_CR:
			if (*p++ != '\r')
				return VO_EFORMAT;
			s->state = PUSH_BULK_LF;
			break;
		case PUSH_BULK_LF:
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

void vo_redis_push_init(struct vo_redis_push *p, const char *match)
{
	memset(p, 0, sizeof(*p));
	if (match)
		keep(p->match, sizeof(p->match), &p->match_len, match, strlen(match));
}
