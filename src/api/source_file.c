/*
 * source_file.c - the file source of `vouch serve --segments PATH`, see
 * source.h.
 *
 * The artifact is loaded once at start, on the caller's thread, so the
 * server is ready when it starts listening.  Then a thread waits on an
 * eventfd (refresh and stop) and, with watch, on inotify and a timer.
 *
 * What is watched is every folder the path's resolution passes through a
 * symbolic link in, plus the folder that holds the file itself: for
 * /etc/config/segments.json -> ..data/segments.json with ..data -> ..2026_x
 * (the Kubernetes ConfigMap layout) that is /etc/config and
 * /etc/config/..2026_x; for current/segments.json with current -> release-7
 * it is the folder of current and release-7.  Folders are watched, not the
 * file, because an atomic replacement gives the path a new inode, and a
 * swapped link changes nothing in the folder of the old target.  After any
 * event in them (and every VO_FILE_POLL_MS, in case an event was missed or
 * the file system sends none, as NFS does not) the chain is resolved again,
 * the watches follow it, and the file's identity (device, inode, size,
 * modification and change time) is compared with the one last loaded: when
 * it differs, the file is loaded again.  The file being created in place
 * (IN_CREATE of its own name) waits for its IN_CLOSE_WRITE.
 *
 * Anything but a regular file at the path (a FIFO renamed over it, a
 * device, a folder) is refused by the load, without blocking
 * (core/fileio.h), and the table in memory keeps serving.
 */
#include "core/common.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/source_int.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "core/log.h"
#include "model/history.h"

/* What identifies one version of the file without reading it. */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

/* The folders a path's resolution depends on, and where the file itself is. */
struct chain {
	char *dirs[VO_FILE_WATCH_MAX]; /* owned; absolute, free of links */
	size_t ndirs;
	size_t file_dir; /* index in dirs of the file's folder, or SIZE_MAX */
	char *file_name; /* owned; the file's name in it */
};

struct file_source {
	struct vo_table_source base; /* first: the interface */
	char *path;		     /* owned; the artifact, as given */
	struct vo_live *live;	     /* not owned */
	int wake_fd;		     /* eventfd: refresh or stop */
	int watch_fd;		     /* inotify, or -1 without --watch */
	int wds[VO_FILE_WATCH_MAX];  /* the watches of chain.dirs (-1: none) */
	size_t nwds;
	int file_wd;		   /* the watch of the file's folder, or -1 */
	struct chain chain;	   /* what the watches follow */
	struct file_id loaded;	   /* the identity last loaded (or refused) */
	struct file_id seen;	   /* the identity at the last check */
	_Atomic bool stop;	   /* the thread should return */
	_Atomic bool refresh;	   /* load again now */
	_Atomic int64_t loaded_us; /* the last successful load; 0: none */
	char *history;		   /* owned; the folder of kept versions (model/history.h) */
	unsigned keep;		   /* versions kept there; 0: none */
	pthread_t thread;
	bool started; /* thread is joinable */
};

static void chain_release(struct chain *c)
{
	size_t i;

	for (i = 0; i < c->ndirs; i++)
		vo_free(c->dirs[i]);
	vo_free(c->file_name);
	memset(c, 0, sizeof(*c));
	c->file_dir = SIZE_MAX;
}

/* Adds dir to the chain unless it is there; returns its index, or SIZE_MAX when full. */
static size_t chain_add(struct chain *c, const char *dir, size_t len)
{
	size_t i;

	for (i = 0; i < c->ndirs; i++)
		if (strlen(c->dirs[i]) == len && !memcmp(c->dirs[i], dir, len))
			return i;
	if (c->ndirs == VO_FILE_WATCH_MAX)
		return SIZE_MAX;
	c->dirs[c->ndirs] = vo_strndup(dir, len);
	if (!c->dirs[c->ndirs])
		return SIZE_MAX;
	return c->ndirs++;
}

/*
 * Resolves path the way the kernel does, component by component, noting
 * each folder that holds a symbolic link on the way and the folder that
 * holds the file (or, when a component is missing, the deepest folder that
 * exists: its IN_CREATE is the file appearing).  Best effort: on a failure
 * the chain holds what was found so far.
 */
static void chain_resolve(const char *path, struct chain *c)
{
	char cur[PATH_MAX];  /* the resolved prefix, absolute, no links */
	char rest[PATH_MAX]; /* what is left to resolve */
	int hops = 0;

	chain_release(c);
	if (path[0] == '/') {
		cur[0] = '\0';
	} else if (!getcwd(cur, sizeof(cur))) {
		return;
	}
	if (strlen(cur) == 1)
		cur[0] = '\0'; /* "/": components are appended as "/NAME" */
	if (snprintf(rest, sizeof(rest), "%s", path) >= (int)sizeof(rest))
		return;
	for (;;) {
		char *p = rest;
		char name[PATH_MAX];
		char next[PATH_MAX];
		size_t clen = strlen(cur);
		size_t nlen;
		struct stat st;
		ssize_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break; /* path ended in a folder: nothing to load, watch what was seen */
		nlen = strcspn(p, "/");
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		memmove(rest, p + nlen, strlen(p + nlen) + 1);
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			char *slash = strrchr(cur, '/');

			if (slash)
				*slash = '\0';
			continue;
		}
		if (clen + 1 + nlen >= sizeof(cur))
			return;
		cur[clen] = '/';
		memcpy(cur + clen + 1, name, nlen + 1);
		if (lstat(cur, &st) < 0) {
			/* Missing: watch the folder that should hold it. */
			c->file_dir = chain_add(c, clen ? cur : "/", clen ? clen : 1);
			cur[clen] = '\0';
			c->file_name = vo_strdup(name);
			return;
		}
		if (S_ISLNK(st.st_mode)) {
			chain_add(c, clen ? cur : "/", clen ? clen : 1);
			if (++hops > VO_SYMLINK_HOPS_MAX)
				return;
			n = readlink(cur, next, sizeof(next) - 1);
			cur[clen] = '\0';
			if (n < 0)
				return;
			next[n] = '\0';
			if (next[0] == '/')
				cur[0] = '\0';
			if ((size_t)n + strlen(rest) + 2 > sizeof(next))
				return;
			memcpy(next + n, rest, strlen(rest) + 1);
			memcpy(rest, next, strlen(next) + 1);
			continue;
		}
		if (!*rest || strspn(rest, "/") == strlen(rest)) {
			/* The last component: the file itself (or whatever is there). */
			c->file_dir = chain_add(c, clen ? cur : "/", clen ? clen : 1);
			cur[clen] = '\0';
			c->file_name = vo_strdup(name);
			return;
		}
	}
}

/* The identity of whatever path reaches now. */
static void file_identity(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st) < 0)
		return;
	id->exists = true;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
}

static bool same_identity(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Keeps the text of a version about to be served, for `vouch rollback`. */
static void keep_version(struct file_source *f, const char *version, const struct vo_buf *text)
{
	struct vo_error err;

	if (!f->keep || !f->history)
		return;
	vo_error_clear(&err);
	if (vo_history_keep(f->history, version, text->ptr ? text->ptr : "", text->len, f->keep,
			    &err))
		vo_log(VO_LOG_WARN, "cannot keep version %s for rollback: %s", version, err.msg);
}

/* Loads the file and offers the table; a failure is refused and logged. */
static void reload(struct file_source *f, const char *why)
{
	char version[VO_HISTORY_VERSION_LEN + 1];
	struct vo_error err;
	struct vo_table *t = NULL;
	struct vo_buf text;
	int rc;

	file_identity(f->path, &f->loaded);
	vo_error_clear(&err);
	/* Read, then parsed, so that the very text served is the one kept. */
	vo_buf_init(&text, VO_ARTIFACT_MAX);
	rc = vo_read_file(f->path, VO_ARTIFACT_MAX, &text, &err);
	if (!rc)
		rc = vo_table_parse(text.ptr ? text.ptr : "", text.len, f->path, &t, &err);
	if (rc) {
		vo_buf_release(&text);
		vo_live_refuse(f->live, why, err.msg);
		vo_alloc_trim(); /* a huge refused file gives its memory back */
		return;
	}
	atomic_store(&f->loaded_us, vo_now_us());
	/* Kept before it is served, so that a version served is always kept. */
	snprintf(version, sizeof(version), "%s", vo_table_version(t));
	keep_version(f, version, &text);
	vo_buf_release(&text);
	vo_live_offer(f->live, t, f->path, why);
	vo_alloc_trim(); /* the text and the parse tree are freed: give them back */
}

/*
 * Resolves the chain again and moves the watches to it: a folder added is
 * watched, one no longer on the chain is not.  Failures are logged once per
 * folder change and leave the periodic check to catch up.
 */
static void rewatch(struct file_source *f)
{
	const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
			      IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
	int wds[VO_FILE_WATCH_MAX] = { 0 };
	size_t n = 0;
	size_t i;
	size_t j;

	chain_resolve(f->path, &f->chain);
	f->file_wd = -1;
	for (i = 0; i < f->chain.ndirs; i++) {
		int wd = inotify_add_watch(f->watch_fd, f->chain.dirs[i], mask);

		if (wd < 0) {
			vo_log(VO_LOG_DEBUG, "%s: cannot watch %s: %s", f->path, f->chain.dirs[i],
			       strerror(errno));
			continue;
		}
		if (i == f->chain.file_dir)
			f->file_wd = wd;
		wds[n++] = wd;
	}
	/* inotify gives a folder watched twice the same descriptor: keep those. */
	for (i = 0; i < f->nwds; i++) {
		bool kept = false;

		for (j = 0; j < n && !kept; j++)
			kept = wds[j] == f->wds[i];
		if (!kept)
			inotify_rm_watch(f->watch_fd, f->wds[i]);
	}
	memcpy(f->wds, wds, n * sizeof(*wds));
	f->nwds = n;
}

/*
 * Whether the entry the chain ends at is a regular file: one created in
 * place is loaded at its IN_CLOSE_WRITE, not at its IN_CREATE, while a
 * symbolic link or folder created under that name (ln -sf, a missing
 * folder on the path appearing) has no IN_CLOSE_WRITE to wait for.
 */
static bool own_entry_is_file(const struct file_source *f)
{
	char p[PATH_MAX];
	struct stat st;

	if (f->chain.file_dir == SIZE_MAX || !f->chain.file_name)
		return false;
	if (snprintf(p, sizeof(p), "%s/%s", f->chain.dirs[f->chain.file_dir], f->chain.file_name) >=
	    (int)sizeof(p))
		return false;
	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Reads the pending inotify events; returns whether any may concern the
 * artifact: anything in a watched folder except the IN_CREATE of a regular
 * file under the artifact's own name (loaded at its IN_CLOSE_WRITE).
 */
static bool drain_inotify(struct file_source *f)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool created = false;
	bool hit = false;
	ssize_t n;

	while ((n = read(f->watch_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			bool own = ev->wd == f->file_wd && ev->len && f->chain.file_name &&
				   !strcmp(ev->name, f->chain.file_name);

			if (own && (ev->mask & IN_CREATE))
				created = true;
			else
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit || (created && !own_entry_is_file(f));
}

/*
 * Follows the chain and loads the file when its identity changed.  After an
 * event that is at once; the periodic check also waits until the identity
 * has stayed the same for one period, so that it does not catch a file
 * being written in place (whose IN_CLOSE_WRITE loads it anyway).
 */
static void check(struct file_source *f, bool periodic)
{
	struct file_id now;
	bool stable;

	rewatch(f);
	file_identity(f->path, &now);
	stable = same_identity(&now, &f->seen);
	f->seen = now;
	if (!now.exists || same_identity(&now, &f->loaded) || (periodic && !stable))
		return;
	reload(f, periodic ? "file changed" : "file replaced");
}

static void *source_main(void *arg)
{
	struct file_source *f = arg;

	while (!atomic_load(&f->stop)) {
		struct pollfd fds[2] = { { f->wake_fd, POLLIN, 0 }, { f->watch_fd, POLLIN, 0 } };
		bool watching = f->watch_fd >= 0;
		int n = poll(fds, watching ? 2 : 1, watching ? VO_FILE_POLL_MS : -1);
		uint64_t v;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vo_log(VO_LOG_ERROR, "%s: poll: %s; no more reloads", f->path,
			       strerror(errno));
			break;
		}
		if ((fds[0].revents & POLLIN) && read(f->wake_fd, &v, sizeof(v)) < 0) {
			/* Spurious; the flags are checked anyway. */
		}
		if (atomic_load(&f->stop))
			break;
		if (atomic_exchange(&f->refresh, false)) {
			reload(f, "SIGHUP");
			if (watching)
				rewatch(f);
		}
		if (!watching)
			continue;
		if (n == 0)
			check(f, true);
		else if ((fds[1].revents & POLLIN) && drain_inotify(f))
			check(f, false);
	}
	return NULL;
}

static const char *file_name(const struct vo_table_source *s)
{
	return ((const struct file_source *)(const void *)s)->path;
}

static void file_status(struct vo_table_source *s, struct vo_source_status *out)
{
	struct file_source *f = (struct file_source *)(void *)s;

	out->up = true;
	out->refreshed_at_us = atomic_load(&f->loaded_us);
}

static void wake(struct file_source *f)
{
	uint64_t one = 1;

	if (write(f->wake_fd, &one, sizeof(one)) < 0)
		vo_log(VO_LOG_WARN, "cannot wake the reload thread: %s", strerror(errno));
}

static void file_refresh(struct vo_table_source *s)
{
	struct file_source *f = (struct file_source *)(void *)s;

	atomic_store(&f->refresh, true);
	wake(f);
}

static void file_stop(struct vo_table_source *s)
{
	struct file_source *f = (struct file_source *)(void *)s;

	if (f->started) {
		atomic_store(&f->stop, true);
		wake(f);
		pthread_join(f->thread, NULL);
	}
	if (f->wake_fd >= 0)
		close(f->wake_fd);
	if (f->watch_fd >= 0)
		close(f->watch_fd);
	chain_release(&f->chain);
	vo_free(f->history);
	vo_free(f->path);
	vo_free(f);
}

static const struct vo_table_source_ops file_ops = {
	.name = file_name,
	.status = file_status,
	.refresh = file_refresh,
	.stop = file_stop,
};

int vo__source_file_start(const char *path, bool watch, unsigned keep, struct vo_live *live,
			  struct vo_table_source **out, struct vo_error *err)
{
	struct file_source *f;
	int rc = VO_OK;

	*out = NULL;
	f = vo_calloc(1, sizeof(*f));
	if (!f)
		return vo_error_nomem(err);
	f->base.ops = &file_ops;
	f->live = live;
	f->wake_fd = -1;
	f->watch_fd = -1;
	f->file_wd = -1;
	f->chain.file_dir = SIZE_MAX;
	atomic_init(&f->stop, false);
	atomic_init(&f->refresh, false);
	atomic_init(&f->loaded_us, 0);
	f->path = vo_strdup(path);
	f->keep = keep;
	if (f->path && keep && vo_history_dir(path, &f->history, err)) {
		vo_free(f->path);
		f->path = NULL;
	}
	if (!f->path) {
		vo_free(f);
		vo_error_nomem(err);
		return VO_ENOMEM;
	}
	if (!rc && watch) {
		f->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (f->watch_fd < 0)
			rc = vo_error_set(err, VO_EIO, "inotify: %s", strerror(errno));
	}
	if (!rc && watch) {
		rewatch(f);
		if (!f->nwds)
			rc = vo_error_set(err, VO_EIO, "cannot watch the folder of %s", path);
	}
	if (!rc) {
		f->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (f->wake_fd < 0)
			rc = vo_error_set(err, VO_EIO, "eventfd: %s", strerror(errno));
	}
	if (rc) {
		file_stop(&f->base);
		return rc;
	}
	if (access(path, F_OK))
		vo_log(VO_LOG_WARN, "%s does not exist yet; not ready until it does", path);
	else
		reload(f, "start");
	if (pthread_create(&f->thread, NULL, source_main, f)) {
		file_stop(&f->base);
		return vo_error_set(err, VO_EIO, "cannot start the reload thread");
	}
	f->started = true;
	*out = &f->base;
	return VO_OK;
}
