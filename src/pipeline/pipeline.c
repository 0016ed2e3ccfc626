/*
 * pipeline.c - read, clean, segment, build the artifact; see pipeline.h.
 */
#include "core/common.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "ingest/reader.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_int.h"
#include "segment/segment.h"

/* Orders country ids by their artifact names in byte order. */
struct name_order {
	const char *name;
	uint32_t id;
};

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct name_order *)a)->name, ((const struct name_order *)b)->name);
}

/* One reader of a file, with its own cleaner and segmenter (but worker 0's are the run's). */
struct worker {
	const struct vo_pipeline_options *opt;
	const char *path;
	struct vo_reader *reader;
	struct vo_cleaner *cleaner;
	struct vo_segmenter *seg;
	atomic_int *stop; /* set by the first worker that fails */
	uint64_t rows;
	int rc;
	struct vo_error err;
	pthread_t thread;
	bool started;
};

/* Reads batches through the cleaner and segmenter until the reader is done. */
static int read_all(struct worker *w)
{
	struct vo_clean_rows rows;
	struct vo_batch batch;
	int rc;

	for (;;) {
		if (atomic_load_explicit(w->stop, memory_order_relaxed))
			return VO_OK; /* another worker failed; its error is reported */
		rc = vo_reader_next(w->reader, &batch, &w->err);
		if (rc || !batch.nrows)
			break;
		if (!w->opt->on_batch) {
			/* Nobody wants the rows: judge and count in one pass. */
			rc = vo_segmenter_count(w->seg, w->cleaner, &batch, w->path, &w->err);
			if (rc)
				break;
		} else {
			rc = vo_cleaner_run(w->cleaner, &batch, w->path, &rows, &w->err);
			if (rc)
				break;
			rc = vo_segmenter_add(w->seg, &rows, &w->err);
			if (rc) {
				vo_error_prefix(&w->err, w->path);
				break;
			}
			rc = w->opt->on_batch(w->opt->ctx, &batch, &rows, w->cleaner, &w->err);
			if (rc)
				break;
		}
		w->rows += batch.nrows;
		if (w->opt->progress) {
			atomic_fetch_add_explicit(&w->opt->progress->rows, batch.nrows,
						  memory_order_relaxed);
			atomic_fetch_add_explicit(&w->opt->progress->file_done, batch.nrows,
						  memory_order_relaxed);
			/* CSV has one reader per file: its bytes are the file's. */
			if (vo_reader_format(w->reader) == VO_FORMAT_CSV)
				atomic_store_explicit(&w->opt->progress->file_read,
						      vo_reader_bytes_read(w->reader),
						      memory_order_relaxed);
		}
	}
	if (!rc && !w->opt->on_batch)
		rc = vo_segmenter_flush(w->seg, w->cleaner, w->path, &w->err);
	if (rc)
		atomic_store(w->stop, 1);
	return rc;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	w->rc = read_all(w);
	return NULL;
}

struct hasher {
	const char *path;
	struct vo_source *src;
	int rc;
	struct vo_error err;
	pthread_t thread;
	bool thread_started;
};

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;

	h->rc = vo_sha256_file(h->path, h->src->sha256, &h->src->bytes, &h->err);
	return NULL;
}

/* The threads a run may use: the asked number, or the cores this process may run on. */
static size_t thread_count(const struct vo_pipeline_options *opt)
{
	cpu_set_t set;

	if (opt->on_batch)
		return 1;
	if (opt->threads)
		return opt->threads;
	if (!sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0)
		return (size_t)CPU_COUNT(&set);
	return 1;
}

/* Makes r read only the parts of range (none given: all of them). */
static int limit(struct vo_reader *r, const char *path, const struct vo__part_range *range,
		 struct vo_error *err)
{
	if (!range)
		return VO_OK;
	if (vo_reader_limit(r, range->first, range->end))
		return vo_error_set(err, VO_EFORMAT,
				    "%s: has %zu parts now, not the %zu or more it had when listed "
				    "(changed during the run?)",
				    path, vo_reader_parts(r), range->end);
	return VO_OK;
}

/* Creates worker i > 0 of a shared file: its reader, cleaner and segmenter. */
static int worker_setup(struct worker *w, const struct vo_pipeline_options *opt,
			const struct vo_segconfig *cfg, const struct vo__part_range *range,
			atomic_size_t *next, struct vo_error *err)
{
	static const char *const default_country[] = { VO_DEFAULT_COUNTRY };
	int rc;

	rc = vo_reader_open(&w->reader, w->path, err);
	if (!rc)
		rc = limit(w->reader, w->path, range, err);
	if (!rc)
		vo_reader_share(w->reader, next);
	if (!rc)
		rc = vo_cleaner_create(&w->cleaner,
				       opt->ncountries ? opt->countries : default_country,
				       opt->ncountries ? opt->ncountries : 1, err);
	if (!rc && vo_segmenter_create(&w->seg, cfg))
		rc = vo_error_nomem(err);
	return rc;
}

/* Adds worker w's counts into the run's cleaner and segmenter. */
static int worker_merge(struct worker *w, struct vo_cleaner *cleaner, struct vo_segmenter *seg,
			struct vo_error *err)
{
	uint32_t *map = NULL;
	int rc = vo_cleaner_merge(cleaner, w->cleaner, &map, err);

	if (!rc) {
		rc = vo_segmenter_merge(seg, w->seg, map);
		if (rc == VO_ELIMIT)
			vo_error_set(err, rc, "more than %d distinct voucher amounts",
				     VO_VOUCHERS_MAX);
		else if (rc)
			vo_error_nomem(err);
	}
	vo_free(map);
	return rc;
}

/*
 * Reads one file, or the parts of it in range: hashes it on one thread (when
 * hash is set) while up to thread_count() readers share its row groups.  A
 * stream is digested by its reader instead, as it is read.
 */
static int run_file(const struct vo_pipeline_options *opt, const char *path,
		    const struct vo_segconfig *cfg, const struct vo__part_range *range, bool hash,
		    struct vo_cleaner *cleaner, struct vo_segmenter *seg, struct vo_source *src,
		    struct vo_error *err)
{
	size_t nthreads = thread_count(opt);
	struct worker *ws = NULL;
	atomic_size_t next;
	atomic_int stop;
	struct hasher h;
	size_t nparts;
	size_t n = 1;
	size_t i;
	int rc;

	atomic_init(&next, range ? range->first : 0);
	atomic_init(&stop, 0);
	memset(&h, 0, sizeof(h));
	h.path = path;
	h.src = src;
	vo_error_clear(&h.err);
	ws = vo_calloc(nthreads, sizeof(*ws));
	if (!ws)
		return vo_error_nomem(err);
	for (i = 0; i < nthreads; i++) {
		ws[i].opt = opt;
		ws[i].path = path;
		ws[i].stop = &stop;
		vo_error_clear(&ws[i].err);
	}
	ws[0].cleaner = cleaner;
	ws[0].seg = seg;
	rc = vo_reader_open(&ws[0].reader, path, err);
	if (!rc)
		rc = limit(ws[0].reader, path, range, err);
	if (rc)
		goto out;
	if (opt->progress) {
		struct stat st;

		atomic_store(&opt->progress->file_done, 0);
		atomic_store(&opt->progress->file_read, 0);
		atomic_store(&opt->progress->file_rows, vo_reader_rows_hint(ws[0].reader));
		atomic_store(&opt->progress->file_bytes,
			     stat(path, &st) ? 0 : (uint64_t)st.st_size);
	}
	nparts = range ? range->end - range->first : vo_reader_parts(ws[0].reader);
	if (nthreads > 1 && nparts > 1 && vo_reader_share(ws[0].reader, &next))
		n = VO_MIN(nthreads, nparts);
	if (!hash || vo_reader_is_stream(ws[0].reader)) {
		/* nothing to hash here: not this run's file to hash, or its reader digests it */
	} else if (nthreads == 1 || pthread_create(&h.thread, NULL, hasher_main, &h)) {
		hasher_main(&h); /* one thread (or none to spare): hash first */
	} else {
		h.thread_started = true;
	}
	for (i = 1; i < n && !rc; i++) {
		rc = worker_setup(&ws[i], opt, cfg, range, &next, err);
		if (!rc && pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]))
			rc = vo_error_set(err, VO_ENOMEM, "cannot start a reader thread");
		ws[i].started = !rc;
	}
	if (rc)
		atomic_store(&stop, 1);
	else
		ws[0].rc = read_all(&ws[0]);
	for (i = 1; i < n; i++)
		if (ws[i].started)
			pthread_join(ws[i].thread, NULL);
	if (h.thread_started)
		pthread_join(h.thread, NULL);
	if (rc)
		goto out;
	/* The first failing worker in order; they all read the same file. */
	for (i = 0; i < n; i++) {
		if (ws[i].rc) {
			rc = ws[i].rc;
			*err = ws[i].err;
			goto out;
		}
	}
	if (h.rc) {
		rc = h.rc;
		*err = h.err;
		goto out;
	}
	if (hash && vo_reader_is_stream(ws[0].reader)) {
		rc = vo_reader_digest(ws[0].reader, src->sha256, &src->bytes, err);
		if (rc)
			goto out;
	}
	for (i = 0; i < n; i++)
		src->rows += ws[i].rows;
	if (opt->progress)
		atomic_fetch_add(&opt->progress->done_bytes,
				 atomic_load(&opt->progress->file_bytes));
	for (i = 1; i < n && !rc; i++) {
		rc = worker_merge(&ws[i], cleaner, seg, err);
		if (rc)
			vo_error_prefix(err, path);
	}
out:
	for (i = 0; i < nthreads; i++) {
		vo_reader_destroy(ws[i].reader);
		if (i > 0) {
			vo_cleaner_destroy(ws[i].cleaner);
			vo_segmenter_destroy(ws[i].seg);
		}
	}
	vo_free(ws);
	return rc;
}

int vo__pipeline_tables(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
			struct vo_artifact *a)
{
	size_t n = vo_cleaner_country_count(cleaner);
	struct name_order *order;
	size_t i;
	int rc = VO_OK;

	order = vo_calloc(VO_MAX(n, 1), sizeof(*order));
	a->countries = vo_calloc(VO_MAX(n, 1), sizeof(*a->countries));
	if (!order || !a->countries) {
		rc = VO_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		order[i].id = (uint32_t)i;
		order[i].name = vo_cleaner_country_name(cleaner, (uint32_t)i);
	}
	if (vo_cleaner_selects_all(cleaner))
		qsort(order, n, sizeof(*order), cmp_name);
	for (i = 0; i < n; i++) {
		rc = vo_segmenter_table(seg, order[i].id, order[i].name, &a->countries[i]);
		if (rc)
			goto out;
		a->ncountries++;
	}
out:
	vo_free(order);
	return rc;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The folders the expansion of the inputs listed: each input that is a
 * folder, and the folder of each expanded file that is not an input as
 * named (it came from a listing, perhaps of a sub-folder), sorted, without
 * repeats.  The strings are owned by *out.
 */
static int listed_folders(const char *const *inputs, size_t ninputs, char **paths, size_t npaths,
			  char ***out, size_t *nout)
{
	char **list = vo_calloc(ninputs + npaths + 1, sizeof(*list));
	size_t n = 0;
	size_t i;
	size_t j;

	*out = NULL;
	*nout = 0;
	if (!list)
		return VO_ENOMEM;
	for (i = 0; i < ninputs; i++) {
		struct stat st;

		if (stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			list[n] = vo_strdup(inputs[i]);
			if (!list[n])
				goto nomem;
			n++;
		}
	}
	for (i = 0; i < npaths; i++) {
		const char *slash = strrchr(paths[i], '/');
		bool named = false;

		for (j = 0; j < ninputs && !named; j++)
			named = !strcmp(paths[i], inputs[j]);
		if (named)
			continue;
		list[n] = slash ? vo_strndup(paths[i], (size_t)(slash - paths[i]) + 1)
				: vo_strdup(".");
		if (!list[n])
			goto nomem;
		n++;
	}
	qsort(list, n, sizeof(*list), cmp_cstr);
	for (i = j = 0; i < n; i++) {
		if (j && !strcmp(list[j - 1], list[i]))
			vo_free(list[i]);
		else
			list[j++] = list[i];
	}
	*out = list;
	*nout = j;
	return VO_OK;
nomem:
	vo_inputs_free(list, n);
	return VO_ENOMEM;
}

/* Refuses outputs that are inputs, or that a later run over the input folders would read. */
static int check_outputs(const struct vo_pipeline_options *opt, char **paths, size_t npaths,
			 struct vo_error *err)
{
	char **folders = NULL;
	size_t nfolders = 0;
	size_t i;
	int rc;

	if (!opt->noutputs)
		return VO_OK;
	rc = listed_folders(opt->inputs, opt->ninputs, paths, npaths, &folders, &nfolders);
	if (rc)
		return vo_error_nomem(err);
	for (i = 0; i < opt->noutputs && !rc; i++) {
		rc = vo_output_check(opt->outputs[i], (const char *const *)paths, npaths,
				     (const char *const *)folders, nfolders, vo_is_data_file_name,
				     err);
		if (!rc)
			rc = vo_output_check(opt->outputs[i], opt->also_read, opt->nalso_read, NULL,
					     0, NULL, err);
	}
	vo_inputs_free(folders, nfolders);
	return rc;
}

int vo__pipeline_finish(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
			struct vo_artifact *out, struct vo_error *err)
{
	int rc;

	out->quality = *vo_cleaner_quality(cleaner);
	rc = vo__pipeline_tables(cleaner, seg, out);
	if (rc)
		return vo_error_nomem(err);
	rc = vo_artifact_seal(out);
	if (rc == VO_ELIMIT)
		vo_error_set(err, rc,
			     "cannot build the artifact: it would be larger than %u MiB, the most "
			     "a server loads (VO_ARTIFACT_MAX)",
			     VO_ARTIFACT_MAX >> 20);
	else if (rc)
		vo_error_set(err, rc, "cannot build the artifact: %s", vo_strerror(rc));
	return rc;
}

/* A run's state: the stages, the files, and what was read of each. */
struct run {
	struct vo_cleaner *cleaner;
	struct vo_segmenter *seg;
	char **paths;
	size_t npaths;
	struct vo__plan plan;	/* the work units; empty unless planned */
	struct vo__read *reads; /* per path */
};

static void run_release(struct run *st)
{
	vo_segmenter_destroy(st->seg);
	vo_cleaner_destroy(st->cleaner);
	vo_inputs_free(st->paths, st->npaths);
	vo__plan_release(&st->plan);
	vo_free(st->reads);
	memset(st, 0, sizeof(*st));
}

/*
 * Reads the job into st: every file, or with planned the work units of
 * shard opt->shard of opt->nshards (one shard of one when not sharded).
 * partial: hash only the files whose unit 0 this shard holds (else every
 * file read).
 */
static int run(const struct vo_pipeline_options *opt, const struct vo_segconfig *cfg, bool planned,
	       bool partial, struct run *st, struct vo_error *err)
{
	static const char *const default_country[] = { VO_DEFAULT_COUNTRY };
	size_t i;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = vo_inputs_expand(opt->inputs, opt->ninputs, &st->paths, &st->npaths, err);
	if (!rc)
		rc = check_outputs(opt, st->paths, st->npaths, err);
	if (rc)
		return rc;
	if (planned) {
		rc = vo__plan_make(st->paths, st->npaths, opt->nshards ? opt->shard : 0,
				   opt->nshards ? opt->nshards : 1, &st->plan, err);
		if (rc)
			return rc;
	}
	for (i = 0; opt->progress && i < st->npaths; i++) {
		struct stat sb;

		if (!stat(st->paths[i], &sb))
			atomic_fetch_add(&opt->progress->total_bytes, (uint64_t)sb.st_size);
	}
	rc = vo_cleaner_create(&st->cleaner, opt->ncountries ? opt->countries : default_country,
			       opt->ncountries ? opt->ncountries : 1, err);
	if (rc)
		return rc;
	if (opt->on_batch)
		vo_cleaner_keep_times(
			st->cleaner); /* the callback gets the kept rows' timestamps */
	if (vo_segmenter_create(&st->seg, cfg))
		return vo_error_nomem(err);
	st->reads = vo_calloc(VO_MAX(st->npaths, 1), sizeof(*st->reads));
	if (!st->reads)
		return vo_error_nomem(err);
	for (i = 0; i < st->npaths; i++) {
		struct vo__read *r = &st->reads[i];
		struct vo__part_range parts;

		if (planned) {
			vo__plan_share(&st->plan, i, &r->first, &r->count, &parts);
			if (!r->count)
				continue;
		}
		r->read = true;
		r->hashed = !partial || r->first == 0;
		rc = run_file(opt, st->paths[i], cfg, planned ? &parts : NULL, r->hashed,
			      st->cleaner, st->seg, &r->src, err);
		if (rc)
			return rc;
		if (planned && r->hashed && r->src.bytes != st->plan.files[i].bytes)
			return vo_error_set(err, VO_EIO,
					    "%s: changed during the run (%" PRIu64
					    " bytes when listed, %" PRIu64 " when hashed)",
					    st->paths[i], st->plan.files[i].bytes, r->src.bytes);
	}
	return VO_OK;
}

/* The segment definitions of a run into cfg: the options' or the defaults. */
static int run_config(const struct vo_pipeline_options *opt, struct vo_segconfig *cfg,
		      struct vo_error *err)
{
	int rc = opt->config ? vo_segconfig_copy(cfg, opt->config) : vo_segconfig_default(cfg);

	return rc ? vo_error_nomem(err) : VO_OK;
}

int vo_pipeline_run(const struct vo_pipeline_options *opt, struct vo_artifact *out,
		    struct vo_error *err)
{
	struct run st;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	rc = run_config(opt, &out->config, err);
	if (!rc)
		rc = run(opt, &out->config, opt->nshards > 0, false, &st, err);
	if (rc)
		goto out;
	out->sources = vo_calloc(VO_MAX(st.npaths, 1), sizeof(*out->sources));
	out->outside = vo_calloc(VO_MAX(out->config.nsegs, 1), sizeof(*out->outside));
	if (!out->sources || !out->outside) {
		rc = vo_error_nomem(err);
		goto out;
	}
	/* The files read: all of them, unless this is one shard of a job. */
	for (i = 0; i < st.npaths; i++) {
		struct vo_source *src = &out->sources[out->nsources];

		if (!st.reads[i].read)
			continue;
		*src = st.reads[i].src;
		src->path = vo_strdup(st.paths[i]);
		if (!src->path) {
			rc = vo_error_nomem(err);
			goto out;
		}
		out->nsources++;
	}
	for (i = 0; i < out->config.nsegs; i++)
		out->outside[i] = vo_segmenter_outside(st.seg, i);
	rc = vo__pipeline_finish(st.cleaner, st.seg, out, err);
out:
	run_release(&st);
	return rc;
}

int vo_pipeline_run_partial(const struct vo_pipeline_options *opt, struct vo_partial *out,
			    struct vo_error *err)
{
	static const char *const default_country[] = { VO_DEFAULT_COUNTRY };
	struct run st;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	rc = run_config(opt, &out->config, err);
	if (!rc)
		rc = run(opt, &out->config, true, true, &st, err);
	if (!rc)
		rc = vo__partial_export(st.cleaner, st.seg,
					opt->ncountries ? opt->countries : default_country,
					opt->ncountries ? opt->ncountries : 1, st.paths, &st.plan,
					st.reads, out, err);
	run_release(&st);
	return rc;
}
