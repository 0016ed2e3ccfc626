/*
 * source_file.c - the file source of `vouch serve --segments PATH`, see
 * source.h.
 *
 * The artifact is loaded once at start, on the caller's thread, so the
 * server is ready when it starts listening.  Then a thread waits on an
 * eventfd (refresh and stop) and, with watch, on an inotify watch of the
 * artifact's folder: the file replaced by a rename (IN_MOVED_TO) or closed
 * after writing (IN_CLOSE_WRITE) loads it again.  The folder is watched, not
 * the file, because an atomic replacement gives the path a new inode.
 */
#include "core/common.h"

#include <libgen.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "api/source_int.h"
#include "core/alloc.h"
#include "core/log.h"

struct file_source {
	struct vo_table_source base; /* first: the interface */
	char *path;		     /* owned; the artifact, as given */
	char *base_name;	     /* owned; its last component, for inotify events */
	struct vo_live *live;	     /* not owned */
	int wake_fd;		     /* eventfd: refresh or stop */
	int watch_fd;		     /* inotify, or -1 without --watch */
	_Atomic bool stop;	     /* the thread should return */
	_Atomic bool refresh;	     /* load again now */
	_Atomic int64_t loaded_us;   /* the last successful load; 0: none */
	pthread_t thread;
	bool started; /* thread is joinable */
};

/* Loads the file and offers the table; a failure is refused and logged. */
static void reload(struct file_source *f, const char *why)
{
	struct vo_error err;
	struct vo_table *t = NULL;

	vo_error_clear(&err);
	if (vo_table_load(f->path, &t, &err)) {
		vo_live_refuse(f->live, why, err.msg);
		vo_alloc_trim(); /* a huge refused file gives its memory back */
		return;
	}
	atomic_store(&f->loaded_us, vo_now_us());
	vo_live_offer(f->live, t, f->path, why);
	vo_alloc_trim(); /* the text and the parse tree are freed: give them back */
}

/* Watches the folder of f->path; the file itself may not exist yet. */
static int watch_folder(struct file_source *f, struct vo_error *err)
{
	char *copy = vo_strdup(f->path);
	const char *dir;
	int wd;

	if (!copy)
		return vo_error_nomem(err);
	dir = dirname(copy);
	f->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->watch_fd < 0) {
		vo_free(copy);
		return vo_error_set(err, VO_EIO, "inotify: %s", strerror(errno));
	}
	wd = inotify_add_watch(f->watch_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE);
	if (wd < 0) {
		int e = errno;

		vo_error_set(err, VO_EIO, "cannot watch %s: %s", dir, strerror(e));
		vo_free(copy);
		return VO_EIO;
	}
	vo_free(copy);
	return VO_OK;
}

/* Whether the pending inotify events name the artifact's file. */
static bool drain_inotify(int fd, const char *base)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			if (ev->len && !strcmp(ev->name, base) && !(ev->mask & IN_CREATE))
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

static void *source_main(void *arg)
{
	struct file_source *f = arg;

	while (!atomic_load(&f->stop)) {
		struct pollfd fds[2] = { { f->wake_fd, POLLIN, 0 }, { f->watch_fd, POLLIN, 0 } };
		int n = poll(fds, f->watch_fd >= 0 ? 2 : 1, -1);
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
		if (atomic_exchange(&f->refresh, false))
			reload(f, "SIGHUP");
		if (f->watch_fd >= 0 && (fds[1].revents & POLLIN) &&
		    drain_inotify(f->watch_fd, f->base_name))
			reload(f, "file replaced");
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
	vo_free(f->path);
	vo_free(f->base_name);
	vo_free(f);
}

static const struct vo_table_source_ops file_ops = {
	.name = file_name,
	.status = file_status,
	.refresh = file_refresh,
	.stop = file_stop,
};

int vo__source_file_start(const char *path, bool watch, struct vo_live *live,
			  struct vo_table_source **out, struct vo_error *err)
{
	struct file_source *f;
	char *copy;
	int rc = VO_OK;

	*out = NULL;
	f = vo_calloc(1, sizeof(*f));
	if (!f)
		return vo_error_nomem(err);
	f->base.ops = &file_ops;
	f->live = live;
	f->wake_fd = -1;
	f->watch_fd = -1;
	atomic_init(&f->stop, false);
	atomic_init(&f->refresh, false);
	atomic_init(&f->loaded_us, 0);
	f->path = vo_strdup(path);
	copy = vo_strdup(path);
	f->base_name = copy ? vo_strdup(basename(copy)) : NULL;
	vo_free(copy);
	if (!f->path || !f->base_name)
		rc = vo_error_nomem(err);
	if (!rc && watch)
		rc = watch_folder(f, err);
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
