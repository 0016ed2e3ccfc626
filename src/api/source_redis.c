/*
 * source_redis.c - the Redis source of api/source.h (`vouch serve
 * --segments redis://...`): a thread that keeps the served table equal to
 * the version Redis calls current.
 *
 * The thread holds two connections: one SUBSCRIBEd to the channel
 * P:segments (redis/segstore.h), one for commands.  On a message, every
 * VO_REDIS_POLL_MS (in case a message was missed), after each reconnection
 * and on a refresh (SIGHUP), it reads P:segments:current; when that names
 * another version than the one served, it fetches P:segments:<version>,
 * validates it completely (api/table.h) and offers it (api/live.h).  A
 * broken value is refused with one log line and counted as a failed reload;
 * the old table keeps serving and that version is not fetched again until it
 * changes or a refresh is asked.
 *
 * When Redis cannot be reached the served table stays, one warning is
 * logged, and the thread reconnects after VO_REDIS_BACKOFF_MIN_MS, doubling
 * up to VO_REDIS_BACKOFF_MAX_MS; once back it logs a notice and catches up.
 * Requests never wait for Redis: they only read the table in memory.
 */
#include "core/common.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "api/source_int.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/log.h"
#include "redis/redis.h"
#include "redis/segstore.h"

#define NAME_MAX_LEN (VO_REDIS_NAME_MAX + VO_REDIS_PREFIX_MAX + 128)

struct vo_redis_source {
	struct vo_table_source base; /* first: the interface */
	struct vo_redis_url url;     /* password wiped at stop */
	struct vo_segkeys keys;	     /* P:segments... */
	struct vo_live *live;	     /* not owned */
	char name[NAME_MAX_LEN];     /* display URL + "/" + current key */
	int wake_fd;		     /* eventfd: stop or refresh */
	_Atomic bool stop;	     /* the thread should return */
	_Atomic bool refresh;	     /* read current again, even a refused version */
	pthread_t thread;	     /* started when wake_fd >= 0 and started */
	bool started;		     /* thread is joinable */
	/* The thread's own state. */
	struct vo_redis *cmd;			   /* commands; NULL while disconnected */
	struct vo_redis *sub;			   /* subscribed to keys.channel */
	bool down;				   /* the outage was logged */
	bool nothing_logged;			   /* "nothing published yet" was logged */
	char refused[VO_SEGSTORE_VERSION_LEN + 1]; /* the version last refused */
	char last_refusal[VO_ERROR_MSG_MAX];	   /* its message, to log it once */
	struct vo_buf text;			   /* the fetched artifact */
};

static const char *served(struct vo_redis_source *s)
{
	return vo_live_served(s->live);
}

static void disconnect(struct vo_redis_source *s)
{
	vo_redis_close(s->cmd);
	vo_redis_close(s->sub);
	s->cmd = NULL;
	s->sub = NULL;
}

/* Redis failed: drop the connections and say so once per outage. */
static void went_down(struct vo_redis_source *s, const char *why)
{
	disconnect(s);
	if (s->down) {
		vo_log(VO_LOG_DEBUG, "redis still unreachable: %s", why);
		return;
	}
	s->down = true;
	vo_log(VO_LOG_WARN, "redis unreachable, still serving %s, retrying: %s", served(s), why);
}

static int connect_both(struct vo_redis_source *s, struct vo_error *err)
{
	int rc = vo_redis_connect(&s->url, -1, &s->cmd, err);

	if (!rc)
		rc = vo_redis_connect(&s->url, -1, &s->sub, err);
	if (!rc)
		rc = vo_redis_subscribe(s->sub, s->keys.channel, NULL, err);
	if (rc)
		disconnect(s);
	return rc;
}

/* A version (or the current pointer) that cannot be served. */
static void refuse(struct vo_redis_source *s, const char *version, const char *why, const char *msg,
		   bool retry)
{
	snprintf(s->refused, sizeof(s->refused), "%s", version);
	if (!retry && !strcmp(s->last_refusal, msg))
		return;
	snprintf(s->last_refusal, sizeof(s->last_refusal), "%s", msg);
	vo_live_refuse(s->live, why, msg);
}

/*
 * Reads current and, when it names another version, loads it.  retry (a
 * message or SIGHUP) fetches even a version refused before, and logs again.
 */
static void sync_current(struct vo_redis_source *s, const char *why, bool retry)
{
	char version[VO_SEGSTORE_VERSION_LEN + 1];
	char origin[NAME_MAX_LEN];
	char key[VO_REDIS_PREFIX_MAX + 96];
	const struct vo_table *cur;
	struct vo_table *t = NULL;
	struct vo_error err;
	int rc;

	vo_error_clear(&err);
	rc = vo_segstore_current(s->cmd, &s->keys, version, &err);
	if (rc && vo_redis_broken(s->cmd)) {
		went_down(s, err.msg);
		return;
	}
	if (rc == VO_ENOTFOUND) {
		if (!s->nothing_logged)
			vo_log(VO_LOG_NOTICE, "%s; serving %s until a version is published",
			       err.msg, served(s));
		s->nothing_logged = true;
		return;
	}
	if (rc) {
		refuse(s, "", why, err.msg, retry);
		return;
	}
	s->nothing_logged = false;
	cur = vo_live_peek(s->live);
	if (cur && !strcmp(vo_table_version(cur), version)) {
		vo_log(VO_LOG_DEBUG, "reload (%s): version %s unchanged", why, version);
		s->refused[0] = '\0';
		s->last_refusal[0] = '\0';
		return;
	}
	if (!retry && !strcmp(s->refused, version))
		return;
	rc = vo_segstore_fetch(s->cmd, &s->keys, version, &s->text, &err);
	if (rc && vo_redis_broken(s->cmd)) {
		went_down(s, err.msg);
		return;
	}
	if (!rc) {
		vo_segkeys_version(&s->keys, version, key, sizeof(key));
		snprintf(origin, sizeof(origin), "%s/%s", s->url.display, key);
		rc = vo_table_parse(s->text.ptr, s->text.len, origin, &t, &err);
	}
	if (!rc && strcmp(vo_table_version(t), version) != 0)
		rc = vo_error_set(&err, VO_EFORMAT,
				  "%s: holds version %s, not the one its key names", origin,
				  vo_table_version(t));
	/* The text is not needed any more; a large one should not stay resident. */
	vo_buf_release(&s->text);
	if (rc) {
		vo_table_destroy(t);
		refuse(s, version, why, err.msg, retry);
		return;
	}
	s->refused[0] = '\0';
	s->last_refusal[0] = '\0';
	vo_live_offer(s->live, t, origin, why);
}

/* Waits up to ms for the subscription or a wake-up; returns poll's revents of each. */
static void wait_events(struct vo_redis_source *s, int64_t ms, bool *sub_ready)
{
	struct pollfd fds[2] = { { s->wake_fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
	uint64_t v;

	*sub_ready = false;
	if (s->sub)
		fds[1].fd = vo_redis_fd(s->sub);
	if (ms < 0)
		ms = 0;
	if (poll(fds, s->sub ? 2 : 1, (int)VO_MIN(ms, (int64_t)INT_MAX)) <= 0)
		return;
	if ((fds[0].revents & POLLIN) && read(s->wake_fd, &v, sizeof(v)) < 0) {
		/* Spurious; the flags are checked anyway. */
	}
	*sub_ready = s->sub && (fds[1].revents & (POLLIN | POLLHUP | POLLERR));
}

static void *source_main(void *arg)
{
	struct vo_redis_source *s = arg;
	int64_t backoff = VO_REDIS_BACKOFF_MIN_MS;
	int64_t next_poll = 0;
	struct vo_error err;

	while (!atomic_load(&s->stop)) {
		bool sub_ready, force;
		unsigned messages = 0;
		const char *why = "poll";

		vo_error_clear(&err);
		if (!s->cmd) {
			if (connect_both(s, &err)) {
				went_down(s, err.msg);
				wait_events(s, backoff, &sub_ready);
				backoff = VO_MIN(backoff * 2, (int64_t)VO_REDIS_BACKOFF_MAX_MS);
				continue;
			}
			if (s->down)
				vo_log(VO_LOG_NOTICE, "redis %s reachable again", s->url.display);
			s->down = false;
			backoff = VO_REDIS_BACKOFF_MIN_MS;
			atomic_store(&s->refresh, false);
			sync_current(s, vo_live_peek(s->live) ? "reconnected" : "start", false);
			next_poll = vo_mono_us() / 1000 + VO_REDIS_POLL_MS;
			continue;
		}
		wait_events(s, next_poll - vo_mono_us() / 1000, &sub_ready);
		if (atomic_load(&s->stop))
			break;
		if (sub_ready && vo_redis_read_messages(s->sub, &messages, &err)) {
			went_down(s, err.msg);
			continue;
		}
		force = atomic_exchange(&s->refresh, false);
		if (force)
			why = "SIGHUP";
		else if (messages)
			why = "published";
		if (force || messages || vo_mono_us() / 1000 >= next_poll) {
			sync_current(s, why, force || messages);
			next_poll = vo_mono_us() / 1000 + VO_REDIS_POLL_MS;
		}
	}
	disconnect(s);
	return NULL;
}

bool vo__source_is_redis(const char *segments)
{
	return !strncmp(segments, "redis://", 8) || !strncmp(segments, "rediss://", 9);
}

static const char *redis_name(const struct vo_table_source *base)
{
	return ((const struct vo_redis_source *)(const void *)base)->name;
}

static void wake(struct vo_redis_source *s)
{
	uint64_t one = 1;

	if (write(s->wake_fd, &one, sizeof(one)) < 0)
		vo_log(VO_LOG_WARN, "cannot wake the redis thread: %s", strerror(errno));
}

static void redis_refresh(struct vo_table_source *base)
{
	struct vo_redis_source *s = (struct vo_redis_source *)(void *)base;

	atomic_store(&s->refresh, true);
	wake(s);
}

static void redis_stop(struct vo_table_source *base)
{
	struct vo_redis_source *s = (struct vo_redis_source *)(void *)base;

	if (s->started) {
		atomic_store(&s->stop, true);
		wake(s);
		pthread_join(s->thread, NULL);
	}
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	disconnect(s);
	vo_buf_release(&s->text);
	vo_redis_url_wipe(&s->url);
	vo_free(s);
}

static const struct vo_table_source_ops redis_ops = {
	.name = redis_name,
	.refresh = redis_refresh,
	.stop = redis_stop,
};

int vo__source_redis_start(const char *url, const char *prefix, struct vo_live *live,
			   struct vo_table_source **out, struct vo_error *err)
{
	struct vo_redis_source *s;
	int rc;

	*out = NULL;
	s = vo_calloc(1, sizeof(*s));
	if (!s)
		return vo_error_nomem(err);
	s->base.ops = &redis_ops;
	s->wake_fd = -1;
	s->live = live;
	atomic_init(&s->stop, false);
	atomic_init(&s->refresh, false);
	vo_buf_init(&s->text, VO_ARTIFACT_MAX);
	rc = vo_redis_url_parse(url, &s->url, err);
	if (!rc)
		rc = vo_segkeys_init(&s->keys, prefix, err);
	if (rc)
		goto fail;
	snprintf(s->name, sizeof(s->name), "%s/%s", s->url.display, s->keys.current);
	s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->wake_fd < 0) {
		rc = vo_error_set(err, VO_EIO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (pthread_create(&s->thread, NULL, source_main, s)) {
		rc = vo_error_set(err, VO_EIO, "cannot start the redis thread");
		goto fail;
	}
	s->started = true;
	*out = &s->base;
	return VO_OK;
fail:
	redis_stop(&s->base);
	return rc;
}
