/*
 * progress.c - the progress line of `vouch process`.
 */
#include "core/common.h"

#include <pthread.h>
#include <unistd.h>

#include "cli/progress.h"
#include "core/alloc.h"
#include "core/log.h"

/* Inputs smaller than this finish before a progress line would help. */
#define VO_PROGRESS_MIN_BYTES (32u << 20)

struct vo_progress_bar {
	struct vo_progress *p;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	bool drawn;
};

double vo_progress_done_bytes(struct vo_progress *p)
{
	uint64_t done = atomic_load_explicit(&p->done_bytes, memory_order_relaxed);
	uint64_t fbytes = atomic_load_explicit(&p->file_bytes, memory_order_relaxed);
	uint64_t frows = atomic_load_explicit(&p->file_rows, memory_order_relaxed);
	uint64_t fdone = atomic_load_explicit(&p->file_done, memory_order_relaxed);
	uint64_t fread = atomic_load_explicit(&p->file_read, memory_order_relaxed);
	double bytes = (double)done;

	if (frows)
		bytes += (double)fbytes * (double)VO_MIN(fdone, frows) / (double)frows;
	else
		bytes += (double)VO_MIN(fread, fbytes);
	return bytes;
}

static void draw(struct vo_progress_bar *b, int64_t started)
{
	struct vo_progress *p = b->p;
	uint64_t total = atomic_load_explicit(&p->total_bytes, memory_order_relaxed);
	uint64_t rows = atomic_load_explicit(&p->rows, memory_order_relaxed);
	double secs = (double)(vo_mono_us() - started) / 1e6;
	double bytes = vo_progress_done_bytes(p);
	char bar[25];
	char line[160];
	double frac;
	int n;

	frac = total ? VO_MIN(bytes / (double)total, 1.0) : 0;
	for (size_t i = 0; i < sizeof(bar) - 1; i++)
		bar[i] = (double)i < frac * (double)(sizeof(bar) - 1) ? '#' : '.';
	bar[sizeof(bar) - 1] = '\0';
	n = snprintf(line, sizeof(line),
		     "\r[%s] %3.0f%%  %.1f of %.1f MB  %.1fM rows  %.1fM rows/s\033[K", bar,
		     frac * 100, bytes / 1e6, (double)total / 1e6, (double)rows / 1e6,
		     secs > 0 ? (double)rows / 1e6 / secs : 0.0);
	if (n > 0 && write(STDERR_FILENO, line, (size_t)VO_MIN(n, (int)sizeof(line) - 1)) > 0)
		b->drawn = true;
}

static void *bar_main(void *arg)
{
	struct vo_progress_bar *b = arg;
	int64_t started = vo_mono_us();
	struct timespec until;

	pthread_mutex_lock(&b->lock);
	while (!b->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&b->wake, &b->lock, &until);
		if (b->stop)
			break;
		if (vo_mono_us() - started < 500000 ||
		    atomic_load(&b->p->total_bytes) < VO_PROGRESS_MIN_BYTES)
			continue;
		draw(b, started);
	}
	if (b->drawn && write(STDERR_FILENO, "\r\033[K", 4) < 0) {
		/* The terminal went away; nothing to erase. */
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

struct vo_progress_bar *vo_progress_bar_start(struct vo_progress *p)
{
	struct vo_progress_bar *b;

	if (!isatty(STDERR_FILENO))
		return NULL;
	b = vo_calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->p = p;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->wake, NULL);
	if (pthread_create(&b->thread, NULL, bar_main, b)) {
		pthread_cond_destroy(&b->wake);
		pthread_mutex_destroy(&b->lock);
		vo_free(b);
		return NULL;
	}
	return b;
}

void vo_progress_bar_stop(struct vo_progress_bar *b)
{
	if (!b)
		return;
	pthread_mutex_lock(&b->lock);
	b->stop = true;
	pthread_cond_signal(&b->wake);
	pthread_mutex_unlock(&b->lock);
	pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->wake);
	pthread_mutex_destroy(&b->lock);
	vo_free(b);
}
