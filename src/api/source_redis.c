/*
 * source_redis.c - the Redis source of api/source.h (`vouch serve
 * --segments redis://...` or redis-sentinel://...): a thread that keeps the
 * served table equal to the version Redis calls current.
 *
 * The thread holds up to three connections: one for commands, one
 * SUBSCRIBEd to the channel P:segments (redis/segstore.h) on the same node,
 * and with a Sentinel URL one to a sentinel, subscribed to +switch-master.
 * On a message (at most every VO_REDIS_MESSAGE_GAP_MS however many arrive),
 * every VO_REDIS_POLL_MS (in case one was missed), after each reconnection
 * and on a refresh (SIGHUP), it reads P:segments:current; when that names
 * another version than the one served, it fetches P:segments:<version>,
 * validates it completely (api/table.h) and offers it (api/live.h).
 *
 * What can go wrong, and what the thread does:
 *   - Redis unreachable: one warning per outage, the table in memory keeps
 *     serving, reconnection after VO_REDIS_BACKOFF_MIN_MS doubling up to
 *     VO_REDIS_BACKOFF_MAX_MS, the primary resolved through the sentinels
 *     again each time; a +switch-master from a sentinel reconnects at once.
 *   - The command connection closed while idle (Redis's `timeout`):
 *     reconnected quietly; only a failed reconnection is an outage.
 *   - The subscription dropped (a message past the server's pub/sub output
 *     buffer limit) or refused (an ACL user without the channel):
 *     subscribed again quietly, or followed by polling alone (one warning).
 *   - A broken value: refused with one log line and counted as a failed
 *     reload; that version is not fetched again until current changes, a
 *     refresh asks, or VO_REDIS_REFUSED_RETRY_MS passed.
 *   - A version deleted between reading current and fetching it (a --keep 1
 *     publish racing the fetch): current is read again, not a failure.
 *   - current gone while a version is served (evicted): one warning, the
 *     status says so (GET /metrics), the table keeps serving.
 * Every Redis command has one deadline (redis/redis.h) and the stop
 * descriptor ends any wait, so stopping never waits for Redis.
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
	struct vo_table_source base;	/* first: the interface */
	struct vo_redis_url url;	/* passwords wiped at stop */
	struct vo_segkeys keys;		/* P:segments... */
	struct vo_live *live;		/* not owned */
	char name[NAME_MAX_LEN];	/* display URL + "/" + current key */
	int wake_fd;			/* eventfd: a refresh (drained) */
	int cancel_fd;			/* eventfd: stop; never drained, so it ends every wait */
	_Atomic bool stop;		/* the thread should return */
	_Atomic bool refresh;		/* read current again, even a refused version */
	pthread_t thread;		/* started when started */
	bool started;			/* thread is joinable */
	pthread_mutex_t lock;		/* guards status */
	struct vo_source_status status; /* for the workers (vo_table_source_status) */
	/* The thread's own state. */
	struct vo_redis *cmd;			   /* commands; NULL while disconnected */
	struct vo_redis *sub;			   /* subscribed to keys.channel, or NULL */
	struct vo_redis *watch;			   /* a sentinel's +switch-master, or NULL */
	int64_t watch_retry_ms;			   /* when to try the sentinel again */
	bool down;				   /* the outage was logged */
	bool polling_logged;			   /* the polling-only warning was logged */
	bool nothing_logged;			   /* "nothing published yet" was logged */
	bool missing_logged;			   /* current vanished: warned */
	char last_addr[VO_REDIS_ADDR_MAX];	   /* the node used last */
	char refused[VO_SEGSTORE_VERSION_LEN + 1]; /* the version last refused */
	int64_t refused_ms;			   /* when (monotonic) */
	char last_refusal[VO_ERROR_MSG_MAX];	   /* its message, to log it once */
	struct vo_buf text;			   /* the fetched artifact */
};

static int64_t now_ms(void)
{
	return vo_mono_us() / 1000;
}

static const char *served(struct vo_redis_source *s)
{
	return vo_live_served(s->live);
}

/* ---- status ------------------------------------------------------------ */

static void set_up(struct vo_redis_source *s, bool up)
{
	pthread_mutex_lock(&s->lock);
	s->status.up = up;
	s->status.subscribed = up && s->sub != NULL;
	if (up && s->cmd)
		snprintf(s->status.address, sizeof(s->status.address), "%s", vo_redis_addr(s->cmd));
	pthread_mutex_unlock(&s->lock);
}

/* current was read: the source is fresh; missing says whether it was set. */
static void set_refreshed(struct vo_redis_source *s, bool missing)
{
	pthread_mutex_lock(&s->lock);
	s->status.refreshed_at_us = vo_now_us();
	s->status.current_missing = missing;
	pthread_mutex_unlock(&s->lock);
}

static void count_failover(struct vo_redis_source *s)
{
	pthread_mutex_lock(&s->lock);
	s->status.failovers++;
	pthread_mutex_unlock(&s->lock);
}

/* ---- connections ------------------------------------------------------- */

static void close_data(struct vo_redis_source *s)
{
	vo_redis_close(s->cmd);
	vo_redis_close(s->sub);
	s->cmd = NULL;
	s->sub = NULL;
}

static void close_watch(struct vo_redis_source *s)
{
	vo_redis_close(s->watch);
	s->watch = NULL;
}

/* Redis failed: drop the connections and say so once per outage. */
static void went_down(struct vo_redis_source *s, const char *why)
{
	close_data(s);
	set_up(s, false);
	if (s->down) {
		vo_log(VO_LOG_DEBUG, "redis still unreachable: %s", why);
		return;
	}
	s->down = true;
	vo_log(VO_LOG_WARN, "redis unreachable, still serving %s, retrying: %s", served(s), why);
}

/*
 * Subscribes a second connection to the command connection's node.  A
 * refusal (ACL) leaves s->sub NULL: polling alone follows the publishes.
 */
static int subscribe(struct vo_redis_source *s, struct vo_error *err)
{
	struct vo_redis *sub = NULL;
	int rc = vo_redis_connect_same(&s->url, s->cmd, s->cancel_fd, &sub, err);

	if (!rc)
		rc = vo_redis_subscribe(sub, s->keys.channel, NULL, err);
	if (rc == VO_EUNSUPPORTED) {
		if (!s->polling_logged)
			vo_log(VO_LOG_WARN,
			       "%s; following %s by polling every %u s instead (grant the "
			       "channel to subscribe: docs/OPERATIONS.md)",
			       err->msg, s->keys.current, VO_REDIS_POLL_MS / 1000);
		s->polling_logged = true;
		vo_redis_close(sub);
		return VO_OK;
	}
	if (rc) {
		vo_redis_close(sub);
		return rc;
	}
	s->sub = sub;
	return VO_OK;
}

static int connect_data(struct vo_redis_source *s, struct vo_error *err)
{
	int rc = vo_redis_connect(&s->url, s->cancel_fd, &s->cmd, err);

	if (!rc)
		rc = subscribe(s, err);
	if (rc)
		close_data(s);
	return rc;
}

/* The connections are up: say what changed since the last time. */
static void connected(struct vo_redis_source *s)
{
	const char *addr = vo_redis_addr(s->cmd);
	bool moved = s->last_addr[0] && strcmp(s->last_addr, addr) != 0;

	if (s->down && s->url.kind == VO_REDIS_SENTINEL)
		vo_log(VO_LOG_NOTICE, "redis %s reachable again (primary %s)", s->url.display,
		       addr);
	else if (s->down)
		vo_log(VO_LOG_NOTICE, "redis %s reachable again", s->url.display);
	if (moved) {
		vo_log(VO_LOG_NOTICE, "redis %s: the primary is now %s (was %s)", s->url.display,
		       addr, s->last_addr);
		count_failover(s);
	}
	snprintf(s->last_addr, sizeof(s->last_addr), "%s", addr);
	s->down = false;
	set_up(s, true);
}

/*
 * The command connection was closed under us while idle (Redis's
 * `timeout`), or a command found it closed: connect again without calling
 * it an outage.  The subscription follows when the node changed.  false
 * (with err) when that fails too.
 */
static bool reconnect_quietly(struct vo_redis_source *s, struct vo_error *err)
{
	struct vo_redis *cmd = NULL;
	int rc;

	vo_log(VO_LOG_DEBUG, "redis %s: connection closed while idle; connecting again",
	       s->url.display);
	vo_redis_close(s->cmd);
	s->cmd = NULL;
	rc = vo_redis_connect(&s->url, s->cancel_fd, &cmd, err);
	if (rc)
		return false;
	s->cmd = cmd;
	if (s->sub && strcmp(vo_redis_addr(s->sub), vo_redis_addr(cmd)) != 0) {
		vo_redis_close(s->sub);
		s->sub = NULL;
		if (subscribe(s, err))
			return false;
	}
	connected(s);
	return true;
}

/* The subscription ended (or was never made): subscribe again, quietly. */
static bool resubscribe(struct vo_redis_source *s, const char *why, struct vo_error *err)
{
	vo_log(VO_LOG_DEBUG, "redis %s: subscription lost (%s); subscribing again", s->url.display,
	       why);
	vo_redis_close(s->sub);
	s->sub = NULL;
	if (subscribe(s, err))
		return false;
	set_up(s, true);
	return true;
}

static void open_watch(struct vo_redis_source *s)
{
	struct vo_error err;

	vo_error_clear(&err);
	if (vo_redis_watch_sentinel(&s->url, s->cancel_fd, &s->watch, &err)) {
		vo_log(VO_LOG_DEBUG, "%s; failovers are found by reconnecting", err.msg);
		s->watch_retry_ms = now_ms() + VO_REDIS_POLL_MS;
	}
}

/* ---- reading current --------------------------------------------------- */

/* A version (or the current pointer) that cannot be served. */
static void refuse(struct vo_redis_source *s, const char *version, const char *why, const char *msg,
		   bool retry)
{
	snprintf(s->refused, sizeof(s->refused), "%s", version);
	s->refused_ms = now_ms();
	if (!retry && !strcmp(s->last_refusal, msg))
		return;
	snprintf(s->last_refusal, sizeof(s->last_refusal), "%s", msg);
	vo_live_refuse(s->live, why, msg);
}

/* current is not set: nothing published yet, or it vanished (evicted). */
static void current_missing(struct vo_redis_source *s, const char *msg)
{
	const struct vo_table *t = vo_live_peek(s->live);

	set_refreshed(s, t != NULL);
	if (!t) {
		if (!s->nothing_logged)
			vo_log(VO_LOG_NOTICE, "%s; serving nothing until a version is published",
			       msg);
		s->nothing_logged = true;
		return;
	}
	if (!s->missing_logged)
		vo_log(VO_LOG_WARN,
		       "redis %s: %s is not set although %s was served: evicted or deleted? "
		       "(its keys need maxmemory-policy noeviction or volatile-*); still "
		       "serving %s",
		       s->url.display, s->keys.current, vo_table_version(t), vo_table_version(t));
	s->missing_logged = true;
}

/* Outcome of one read of current. */
enum sync_result {
	SYNC_DONE, /* read (loaded, unchanged, refused or missing) */
	SYNC_LOST, /* the connection broke: err says why */
};

/*
 * Reads current and, when it names another version, loads it.  retry (a
 * SIGHUP) fetches even a version refused before, and logs again.
 */
static enum sync_result sync_current(struct vo_redis_source *s, const char *why, bool retry,
				     struct vo_error *err)
{
	char version[VO_SEGSTORE_VERSION_LEN + 1];
	char origin[NAME_MAX_LEN];
	char key[VO_SEGSTORE_KEY_MAX];
	const struct vo_table *cur;
	struct vo_table *t = NULL;
	int rc;

	/* Three reads of current at most: a version deleted under the fetch is read again. */
	for (int round = 0;; round++) {
		vo_error_clear(err);
		rc = vo_segstore_current(s->cmd, &s->keys, version, err);
		if (rc && vo_redis_broken(s->cmd))
			return SYNC_LOST;
		if (rc == VO_ENOTFOUND) {
			current_missing(s, err->msg);
			return SYNC_DONE;
		}
		if (rc) {
			refuse(s, "", why, err->msg, retry);
			return SYNC_DONE;
		}
		set_refreshed(s, false);
		s->nothing_logged = false;
		if (s->missing_logged)
			vo_log(VO_LOG_NOTICE, "redis %s: %s is set again (%s)", s->url.display,
			       s->keys.current, version);
		s->missing_logged = false;
		cur = vo_live_peek(s->live);
		if (cur && !strcmp(vo_table_version(cur), version)) {
			/* A poll or a reconnection finding the same version is no news. */
			if (!strcmp(why, "poll") || !strcmp(why, "reconnected"))
				vo_log(VO_LOG_DEBUG, "reload (%s): version %s unchanged", why,
				       version);
			else
				vo_live_unchanged(s->live, why, version);
			s->refused[0] = '\0';
			s->last_refusal[0] = '\0';
			return SYNC_DONE;
		}
		if (!retry && !strcmp(s->refused, version) &&
		    now_ms() - s->refused_ms < VO_REDIS_REFUSED_RETRY_MS)
			return SYNC_DONE;
		vo_segkeys_version(&s->keys, version, key, sizeof(key));
		snprintf(origin, sizeof(origin), "%s/%s", s->url.display, key);
		rc = vo_segstore_fetch(s->cmd, &s->keys, version, &s->text, err);
		if (rc && vo_redis_broken(s->cmd))
			return SYNC_LOST;
		if (rc == VO_ENOTFOUND && round < 2) {
			vo_log(VO_LOG_DEBUG, "%s vanished before it was read; reading %s again",
			       origin, s->keys.current);
			continue;
		}
		if (rc == VO_ENOTFOUND)
			vo_error_set(err, rc,
				     "%s names %s, but %s does not exist: evicted or deleted? (its "
				     "keys need maxmemory-policy noeviction or volatile-*)",
				     s->keys.current, version, origin);
		break;
	}
	if (!rc)
		rc = vo_table_parse(s->text.ptr, s->text.len, origin, &t, err);
	if (!rc && strcmp(vo_table_version(t), version) != 0)
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s: holds version %s, not the one its key names", origin,
				  vo_table_version(t));
	/* The text is not needed any more; a large one should not stay resident. */
	vo_buf_release(&s->text);
	if (rc) {
		vo_table_destroy(t);
		refuse(s, version, why, err->msg, retry);
		vo_alloc_trim();
		return SYNC_DONE;
	}
	s->refused[0] = '\0';
	s->last_refusal[0] = '\0';
	vo_live_offer(s->live, t, origin, why);
	vo_alloc_trim();
	return SYNC_DONE;
}

/* sync_current(), reconnecting quietly once when the connection had been closed. */
static void sync_or_reconnect(struct vo_redis_source *s, const char *why, bool retry)
{
	struct vo_error err;

	if (sync_current(s, why, retry, &err) == SYNC_DONE)
		return;
	if (!reconnect_quietly(s, &err) || sync_current(s, why, retry, &err) != SYNC_DONE)
		went_down(s, err.msg);
}

/* ---- the loop ---------------------------------------------------------- */

/* What became ready while waiting. */
struct events {
	bool cmd;   /* the command connection: closed under us */
	bool sub;   /* the subscription: messages */
	bool watch; /* the sentinel: a failover */
};

/* Waits up to ms for a connection, a refresh or the stop. */
static void wait_events(struct vo_redis_source *s, int64_t ms, struct events *ev)
{
	struct pollfd fds[5] = {
		{ s->wake_fd, POLLIN, 0 },
		{ s->cancel_fd, POLLIN, 0 },
		{ s->cmd ? vo_redis_fd(s->cmd) : -1, POLLIN, 0 },
		{ s->sub ? vo_redis_fd(s->sub) : -1, POLLIN, 0 },
		{ s->watch ? vo_redis_fd(s->watch) : -1, POLLIN, 0 },
	};
	uint64_t v;

	memset(ev, 0, sizeof(*ev));
	if (ms < 0)
		ms = 0;
	if (poll(fds, 5, (int)VO_MIN(ms, (int64_t)INT_MAX)) <= 0)
		return;
	if ((fds[0].revents & POLLIN) && read(s->wake_fd, &v, sizeof(v)) < 0) {
		/* Spurious; the flags are checked anyway. */
	}
	ev->cmd = fds[2].revents != 0;
	ev->sub = fds[3].revents != 0;
	ev->watch = fds[4].revents != 0;
}

/*
 * Reads the sentinel's messages.  true when it announced a failover of our
 * master: the data connections are dropped to connect to the new primary.
 */
static bool read_watch(struct vo_redis_source *s)
{
	unsigned failovers = 0;
	struct vo_error err;

	vo_error_clear(&err);
	if (vo_redis_read_messages(s->watch, &failovers, &err)) {
		vo_log(VO_LOG_DEBUG, "%s; watching the sentinels again later", err.msg);
		close_watch(s);
		s->watch_retry_ms = now_ms();
		return false;
	}
	if (!failovers)
		return false;
	vo_log(VO_LOG_NOTICE,
	       "redis %s: the sentinels switched the primary of '%s'; connecting "
	       "to the new one",
	       s->url.display, s->url.master);
	close_data(s);
	return true;
}

static void *source_main(void *arg)
{
	struct vo_redis_source *s = arg;
	int64_t backoff = VO_REDIS_BACKOFF_MIN_MS;
	int64_t next_poll = 0, next_message = 0;
	bool pending = false; /* messages arrived since the last read of current */
	struct vo_error err;

	while (!atomic_load(&s->stop)) {
		struct events ev;
		unsigned messages = 0;
		bool force;

		vo_error_clear(&err);
		if (s->url.kind == VO_REDIS_SENTINEL && !s->watch && now_ms() >= s->watch_retry_ms)
			open_watch(s);
		if (!s->cmd) {
			if (connect_data(s, &err)) {
				went_down(s, err.msg);
				wait_events(s, backoff, &ev);
				if (s->watch && ev.watch && read_watch(s))
					backoff = VO_REDIS_BACKOFF_MIN_MS;
				else
					backoff = VO_MIN(backoff * 2,
							 (int64_t)VO_REDIS_BACKOFF_MAX_MS);
				continue;
			}
			connected(s);
			backoff = VO_REDIS_BACKOFF_MIN_MS;
			atomic_store(&s->refresh, false);
			sync_or_reconnect(s, vo_live_peek(s->live) ? "reconnected" : "start",
					  false);
			next_poll = now_ms() + VO_REDIS_POLL_MS;
			pending = false;
			continue;
		}
		wait_events(s, VO_MIN(next_poll, pending ? next_message : next_poll) - now_ms(),
			    &ev);
		if (atomic_load(&s->stop))
			break;
		if (ev.watch && s->watch && read_watch(s))
			continue;
		if (ev.cmd && vo_redis_dropped(s->cmd) && !reconnect_quietly(s, &err)) {
			went_down(s, err.msg);
			continue;
		}
		if (ev.sub && s->sub && vo_redis_read_messages(s->sub, &messages, &err)) {
			char why[VO_ERROR_MSG_MAX];

			snprintf(why, sizeof(why), "%s", err.msg);
			if (!resubscribe(s, why, &err)) {
				went_down(s, err.msg);
				continue;
			}
			pending = true; /* a message may have been lost with it */
		}
		if (messages)
			pending = true;
		force = atomic_exchange(&s->refresh, false);
		if (force || (pending && now_ms() >= next_message) || now_ms() >= next_poll) {
			const char *why = force ? "SIGHUP" : pending ? "published" : "poll";

			sync_or_reconnect(s, why, force);
			pending = false;
			next_message = now_ms() + VO_REDIS_MESSAGE_GAP_MS;
			next_poll = now_ms() + VO_REDIS_POLL_MS;
		}
	}
	close_data(s);
	close_watch(s);
	return NULL;
}

/* ---- the interface ----------------------------------------------------- */

bool vo__source_is_redis(const char *segments)
{
	return vo_redis_is_url(segments);
}

static const char *redis_name(const struct vo_table_source *base)
{
	return ((const struct vo_redis_source *)(const void *)base)->name;
}

static void redis_status(struct vo_table_source *base, struct vo_source_status *out)
{
	struct vo_redis_source *s = (struct vo_redis_source *)(void *)base;

	pthread_mutex_lock(&s->lock);
	*out = s->status;
	pthread_mutex_unlock(&s->lock);
	out->redis = true;
}

static void wake(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) < 0)
		vo_log(VO_LOG_WARN, "cannot wake the redis thread: %s", strerror(errno));
}

static void redis_refresh(struct vo_table_source *base)
{
	struct vo_redis_source *s = (struct vo_redis_source *)(void *)base;

	atomic_store(&s->refresh, true);
	wake(s->wake_fd);
}

static void redis_stop(struct vo_table_source *base)
{
	struct vo_redis_source *s = (struct vo_redis_source *)(void *)base;

	if (s->started) {
		atomic_store(&s->stop, true);
		wake(s->cancel_fd); /* ends a command in flight at once */
		pthread_join(s->thread, NULL);
	}
	if (s->wake_fd >= 0)
		close(s->wake_fd);
	if (s->cancel_fd >= 0)
		close(s->cancel_fd);
	close_data(s);
	close_watch(s);
	vo_buf_release(&s->text);
	vo_redis_url_wipe(&s->url);
	pthread_mutex_destroy(&s->lock);
	vo_free(s);
}

static const struct vo_table_source_ops redis_ops = {
	.name = redis_name,
	.status = redis_status,
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
	s->cancel_fd = -1;
	s->live = live;
	pthread_mutex_init(&s->lock, NULL);
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
	s->cancel_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->wake_fd < 0 || s->cancel_fd < 0) {
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
