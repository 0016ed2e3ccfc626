/*
 * inspect.c - `vouch inspect`: the description of a data file, and the
 * scan that times reading and decompressing a Parquet file, see inspect.h.
 */
#include "core/common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/limits.h"
#include "ingest/inspect.h"
#include "ingest/parquet/parquet.h"
#include "ingest/reader.h"

static int inspect_csv(const char *path, struct vo_buf *out, struct vo_error *err)
{
	struct vo_reader *r = NULL;
	struct vo_batch batch;
	uint64_t rows = 0;
	int rc;

	rc = vo_reader_open(&r, path, err);
	while (!rc) {
		rc = vo_reader_next(r, &batch, err);
		if (rc || !batch.nrows)
			break;
		rows += batch.nrows;
	}
	vo_reader_destroy(r);
	if (rc)
		return rc;
	return vo_buf_addf(out,
			   "file: %s\nformat: CSV\nrows: %" PRIu64
			   "\ncolumns read: timestamp (or order_ts), country_code, last_order_ts, "
			   "first_order_ts, total_orders, voucher_amount (all as text)\n",
			   path, rows);
}

struct scanner {
	const char *path;
	atomic_size_t *next;
	uint64_t pages;
	int rc;
	struct vo_error err;
	pthread_t thread;
	bool started;
};

static void *scan_main(void *arg)
{
	struct scanner *sc = arg;
	struct vo_parquet_reader *r = NULL;

	vo_error_clear(&sc->err);
	sc->rc = vo_parquet_reader_open(&r, sc->path, &sc->err);
	if (!sc->rc) {
		vo_parquet_reader_share(r, sc->next);
		sc->rc = vo_parquet_reader_scan(r, &sc->pages, &sc->err);
	}
	vo_parquet_reader_destroy(r);
	return NULL;
}

int vo_inspect_scan(const char *path, unsigned nthreads, struct vo_buf *out, struct vo_error *err)
{
	struct scanner sc[VO_THREADS_MAX];
	atomic_size_t next;
	struct timespec t0, t1;
	enum vo_format fmt;
	uint64_t pages = 0;
	int rc;

	rc = vo_detect_format(path, &fmt, err);
	if (rc)
		return rc;
	if (fmt != VO_FORMAT_PARQUET)
		return vo_error_set(err, VO_EINVAL, "%s: --scan reads Parquet files only", path);
	nthreads = VO_MAX(1u, VO_MIN(nthreads, (unsigned)VO_THREADS_MAX));

	atomic_init(&next, 0);
	memset(sc, 0, sizeof(sc));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < nthreads; i++) {
		sc[i].path = path;
		sc[i].next = &next;
		sc[i].started = i > 0 && !pthread_create(&sc[i].thread, NULL, scan_main, &sc[i]);
		if (i > 0 && !sc[i].started)
			scan_main(&sc[i]);
	}
	scan_main(&sc[0]);
	for (unsigned i = 0; i < nthreads; i++) {
		if (sc[i].started)
			pthread_join(sc[i].thread, NULL);
		if (sc[i].rc && !rc) {
			rc = sc[i].rc;
			*err = sc[i].err;
		}
		pages += sc[i].pages;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc)
		return rc;
	return vo_buf_addf(out,
			   "file: %s\nscan: %" PRIu64
			   " pages read and decompressed in %.3f s with %u threads\n",
			   path, pages,
			   (double)(t1.tv_sec - t0.tv_sec) +
				   (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
			   nthreads);
}

int vo_inspect(const char *path, struct vo_buf *out, struct vo_error *err)
{
	enum vo_format fmt;
	int rc = vo_detect_format(path, &fmt, err);

	if (rc)
		return rc;
	if (fmt == VO_FORMAT_PARQUET)
		return vo_parquet_inspect(path, out, err);
	return inspect_csv(path, out, err);
}
