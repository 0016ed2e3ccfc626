/*
 * reader.c - format detection, dispatch to the CSV and Parquet readers, and
 * expansion of input folders.
 */
#include "core/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "ingest/csv.h"
#include "ingest/parquet/parquet.h"
#include "ingest/reader.h"

struct vo_reader {
	enum vo_format format;
	struct vo_csv_reader *csv;
	struct vo_parquet_reader *parquet;
};

int vo_detect_format(const char *path, enum vo_format *fmt, struct vo_error *err)
{
	unsigned char head[4] = { 0 };
	size_t n = 0;
	int rc;
	int fd;

	rc = vo_open_read(path, &fd, err);
	if (rc)
		return rc;
	rc = vo_read_some(fd, path, head, sizeof(head), &n, err);
	close(fd);
	if (rc)
		return rc;
	if (n == 4 && !memcmp(head, "PAR1", 4))
		*fmt = VO_FORMAT_PARQUET;
	else if (n == 4 && !memcmp(head, "PARE", 4))
		return vo_error_set(err, VO_EUNSUPPORTED,
				    "%s: encrypted Parquet files are not supported", path);
	else
		*fmt = VO_FORMAT_CSV; /* plain, or gzip-compressed (the CSV reader inflates it) */
	return VO_OK;
}

int vo_reader_open(struct vo_reader **out, const char *path, struct vo_error *err)
{
	struct vo_reader *r;
	enum vo_format fmt = VO_FORMAT_CSV;
	int rc;

	*out = NULL;
	rc = vo_detect_format(path, &fmt, err);
	if (rc)
		return rc;
	r = vo_calloc(1, sizeof(*r));
	if (!r)
		return vo_error_nomem(err);
	r->format = fmt;
	if (fmt == VO_FORMAT_PARQUET)
		rc = vo_parquet_reader_open(&r->parquet, path, err);
	else
		rc = vo_csv_reader_open(&r->csv, path, err);
	if (rc) {
		vo_reader_destroy(r);
		return rc;
	}
	*out = r;
	return VO_OK;
}

int vo_reader_next(struct vo_reader *r, struct vo_batch *batch, struct vo_error *err)
{
	if (r->format == VO_FORMAT_PARQUET)
		return vo_parquet_reader_next(r->parquet, batch, err);
	return vo_csv_reader_next(r->csv, batch, err);
}

enum vo_format vo_reader_format(const struct vo_reader *r)
{
	return r->format;
}

uint64_t vo_reader_rows_hint(const struct vo_reader *r)
{
	return r->format == VO_FORMAT_PARQUET ? vo_parquet_reader_num_rows(r->parquet) : 0;
}

size_t vo_reader_parts(const struct vo_reader *r)
{
	return r->format == VO_FORMAT_PARQUET ? vo_parquet_reader_num_row_groups(r->parquet) : 1;
}

bool vo_reader_share(struct vo_reader *r, atomic_size_t *next)
{
	if (r->format != VO_FORMAT_PARQUET)
		return false;
	vo_parquet_reader_share(r->parquet, next);
	return true;
}

void vo_reader_destroy(struct vo_reader *r)
{
	if (!r)
		return;
	vo_parquet_reader_destroy(r->parquet);
	vo_csv_reader_destroy(r->csv);
	vo_free(r);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s);
	size_t m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

bool vo_is_data_file_name(const char *name)
{
	static const char *const suffixes[] = { ".parquet", ".parq", ".parquet.gzip",
						".pq",	    ".csv",  ".csv.gz" };
	size_t i;

	if (name[0] == '.')
		return false;
	for (i = 0; i < VO_ARRAY_SIZE(suffixes); i++)
		if (ends_with(name, suffixes[i]))
			return true;
	return false;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int push(char ***paths, size_t *n, size_t *cap, char *p)
{
	if (*n >= VO_INPUT_FILES_MAX) {
		vo_free(p);
		return VO_ELIMIT;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		char **np = vo_reallocarray(*paths, ncap, sizeof(*np));

		if (!np) {
			vo_free(p);
			return VO_ENOMEM;
		}
		*paths = np;
		*cap = ncap;
	}
	(*paths)[(*n)++] = p;
	return VO_OK;
}

static int expand_dir(const char *dir, char ***paths, size_t *n, size_t *cap, struct vo_error *err)
{
	struct dirent *de;
	size_t first = *n;
	int rc = VO_OK;
	DIR *d;

	d = opendir(dir);
	if (!d)
		return vo_error_set(err, VO_EIO, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		size_t len;
		char *p;

		if (!vo_is_data_file_name(de->d_name))
			continue;
		len = strlen(dir) + strlen(de->d_name) + 2;
		p = vo_malloc(len);
		if (!p) {
			rc = vo_error_nomem(err);
			break;
		}
		snprintf(p, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", de->d_name);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode)) {
			vo_free(p);
			continue;
		}
		rc = push(paths, n, cap, p);
		if (rc == VO_ELIMIT)
			vo_error_set(err, rc, "%s: more than %d input files", dir,
				     VO_INPUT_FILES_MAX);
		else if (rc)
			vo_error_nomem_in(err, dir);
		if (rc)
			break;
	}
	closedir(d);
	if (rc)
		return rc;
	if (*n == first)
		return vo_error_set(err, VO_ENOTFOUND,
				    "%s: folder has no data files (*.parquet, *.csv, ...)", dir);
	qsort(*paths + first, *n - first, sizeof(**paths), cmp_cstr);
	return VO_OK;
}

int vo_inputs_expand(const char *const *inputs, size_t ninputs, char ***paths, size_t *npaths,
		     struct vo_error *err)
{
	size_t n = 0;
	size_t cap = 0;
	char **list = NULL;
	int rc = VO_OK;
	size_t i;

	for (i = 0; i < ninputs && !rc; i++) {
		struct stat st;
		char *p;

		if (stat(inputs[i], &st) < 0) {
			rc = vo_error_set(err, errno == ENOENT ? VO_ENOTFOUND : VO_EIO, "%s: %s",
					  inputs[i], strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = expand_dir(inputs[i], &list, &n, &cap, err);
			continue;
		}
		p = vo_strdup(inputs[i]);
		if (!p) {
			rc = vo_error_nomem(err);
			break;
		}
		rc = push(&list, &n, &cap, p);
		if (rc == VO_ELIMIT)
			vo_error_set(err, rc, "%s: more than %d input files", inputs[i],
				     VO_INPUT_FILES_MAX);
		else if (rc)
			vo_error_set(err, rc, "%s: %s", inputs[i], vo_strerror(rc));
	}
	if (!rc && !n)
		rc = vo_error_set(err, VO_EINVAL, "no input files");
	if (rc) {
		vo_inputs_free(list, n);
		return rc;
	}
	*paths = list;
	*npaths = n;
	return VO_OK;
}

void vo_inputs_free(char **paths, size_t npaths)
{
	size_t i;

	for (i = 0; i < npaths; i++)
		vo_free(paths[i]);
	vo_free(paths);
}
