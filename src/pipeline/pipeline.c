/*
 * pipeline.c - read, clean, segment, build the artifact; see pipeline.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "ingest/reader.h"
#include "pipeline/pipeline.h"
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

/* Reads one file through the cleaner and segmenter. */
static int run_file(const struct vo_pipeline_options *opt, const char *path,
		    struct vo_cleaner *cleaner, struct vo_segmenter *seg, uint64_t *rows_read,
		    struct vo_error *err)
{
	struct vo_reader *r = NULL;
	struct vo_clean_rows rows;
	struct vo_batch batch;
	int rc;

	*rows_read = 0;
	rc = vo_reader_open(&r, path, err);
	if (rc)
		return rc;
	for (;;) {
		rc = vo_reader_next(r, &batch, err);
		if (rc || !batch.nrows)
			break;
		rc = vo_cleaner_run(cleaner, &batch, path, &rows, err);
		if (rc)
			break;
		rc = vo_segmenter_add(seg, &rows, err);
		if (rc) {
			vo_error_prefix(err, path);
			break;
		}
		if (opt->on_batch) {
			rc = opt->on_batch(opt->ctx, &batch, &rows, cleaner, err);
			if (rc)
				break;
		}
		*rows_read += batch.nrows;
	}
	vo_reader_destroy(r);
	return rc;
}

/* Builds the artifact's countries, in selection order (or by name for "all"). */
static int build_tables(const struct vo_cleaner *cleaner, const struct vo_segmenter *seg,
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

int vo_pipeline_run(const struct vo_pipeline_options *opt, struct vo_artifact *out,
		    struct vo_error *err)
{
	static const char *const default_country[] = { VO_DEFAULT_COUNTRY };
	struct vo_cleaner *cleaner = NULL;
	struct vo_segmenter *seg = NULL;
	char **paths = NULL;
	size_t npaths = 0;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = opt->config ? vo_segconfig_copy(&out->config, opt->config)
			 : vo_segconfig_default(&out->config);
	if (rc)
		return vo_error_set(err, rc, "out of memory");
	rc = vo_inputs_expand(opt->inputs, opt->ninputs, &paths, &npaths, err);
	if (rc)
		goto out;
	rc = vo_cleaner_create(&cleaner, opt->ncountries ? opt->countries : default_country,
			       opt->ncountries ? opt->ncountries : 1, err);
	if (rc)
		goto out;
	rc = vo_segmenter_create(&seg, &out->config);
	if (rc) {
		vo_error_set(err, rc, "out of memory");
		goto out;
	}
	out->sources = vo_calloc(npaths, sizeof(*out->sources));
	out->outside = vo_calloc(VO_MAX(out->config.nsegs, 1), sizeof(*out->outside));
	if (!out->sources || !out->outside) {
		rc = vo_error_set(err, VO_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < npaths; i++) {
		struct vo_source *src = &out->sources[i];

		src->path = vo_strdup(paths[i]);
		if (!src->path) {
			rc = vo_error_set(err, VO_ENOMEM, "out of memory");
			goto out;
		}
		out->nsources++;
		rc = vo_sha256_file(paths[i], src->sha256, &src->bytes, err);
		if (rc)
			goto out;
		rc = run_file(opt, paths[i], cleaner, seg, &src->rows, err);
		if (rc)
			goto out;
	}
	out->quality = *vo_cleaner_quality(cleaner);
	for (i = 0; i < out->config.nsegs; i++)
		out->outside[i] = vo_segmenter_outside(seg, i);
	rc = build_tables(cleaner, seg, out);
	if (!rc)
		rc = vo_artifact_seal(out);
	if (rc)
		vo_error_set(err, rc, "cannot build the artifact: %s", vo_strerror(rc));
out:
	vo_segmenter_destroy(seg);
	vo_cleaner_destroy(cleaner);
	vo_inputs_free(paths, npaths);
	return rc;
}
