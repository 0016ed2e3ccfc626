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
	bool stream; /* not a regular file: read once, digested as it is read */
	struct vo_csv_reader *csv;
	struct vo_parquet_reader *parquet;
};

/* The format told by a file's first bytes (n of them). */
static int format_of(const char *path, const unsigned char *head, size_t n, enum vo_format *fmt,
		     struct vo_error *err)
{
	if (n == 4 && !memcmp(head, "PAR1", 4))
		*fmt = VO_FORMAT_PARQUET;
	else if (n == 4 && !memcmp(head, "PARE", 4))
		return vo_error_set(err, VO_EUNSUPPORTED,
				    "%s: encrypted Parquet files are not supported", path);
	else
		*fmt = VO_FORMAT_CSV; /* plain, or gzip-compressed (the CSV reader inflates it) */
	return VO_OK;
}

/* Reads up to 4 bytes from fd into head, retrying short reads (a pipe may give fewer). */
static int read_head(int fd, const char *path, unsigned char head[4], size_t *n,
		     struct vo_error *err)
{
	*n = 0;
	while (*n < 4) {
		size_t got = 0;
		int rc = vo_read_some(fd, path, head + *n, 4 - *n, &got, err);

		if (rc)
			return rc;
		if (!got)
			break;
		*n += got;
	}
	return VO_OK;
}

int vo_detect_format(const char *path, enum vo_format *fmt, struct vo_error *err)
{
	unsigned char head[4] = { 0 };
	size_t n = 0;
	int rc;
	int fd;

	rc = vo_open_read(path, &fd, err);
	if (rc)
		return rc;
	rc = read_head(fd, path, head, &n, err);
	close(fd);
	if (rc)
		return rc;
	return format_of(path, head, n, fmt, err);
}

int vo_reader_open(struct vo_reader **out, const char *path, struct vo_error *err)
{
	unsigned char head[4] = { 0 };
	struct vo_reader *r = NULL;
	enum vo_format fmt = VO_FORMAT_CSV;
	struct stat st;
	size_t n = 0;
	int fd = -1;
	int rc;

	*out = NULL;
	/* One open: a pipe's first bytes, read to judge the format, go to the reader. */
	rc = vo_open_read(path, &fd, err);
	if (rc)
		return rc;
	if (fstat(fd, &st) < 0) {
		rc = vo_error_set(err, VO_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = vo_error_set(err, VO_EIO, "%s: is a folder, not a data file", path);
		goto fail;
	}
	rc = read_head(fd, path, head, &n, err);
	if (!rc)
		rc = format_of(path, head, n, &fmt, err);
	if (rc)
		goto fail;
	if (fmt == VO_FORMAT_PARQUET && !S_ISREG(st.st_mode)) {
		rc = vo_error_set(err, VO_EUNSUPPORTED,
				  "%s: is %s holding Parquet, which is read by seeking (its footer "
				  "is at the end): save it to a file first",
				  path, vo_file_kind(st.st_mode));
		goto fail;
	}
	r = vo_calloc(1, sizeof(*r));
	if (!r) {
		rc = vo_error_nomem(err);
		goto fail;
	}
	r->format = fmt;
	r->stream = !S_ISREG(st.st_mode);
	if (fmt == VO_FORMAT_PARQUET) {
		close(fd); /* a regular file: the Parquet reader opens its own */
		fd = -1;
		rc = vo_parquet_reader_open(&r->parquet, path, err);
	} else {
		rc = vo_csv_reader_open_fd(&r->csv, path, fd, head, n, r->stream ? VO_CSV_HASH : 0,
					   err);
		fd = -1; /* the CSV reader took it */
	}
	if (rc)
		goto fail;
	*out = r;
	return VO_OK;
fail:
	if (fd >= 0)
		close(fd);
	vo_reader_destroy(r);
	return rc;
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

uint64_t vo_reader_bytes_read(const struct vo_reader *r)
{
	return r->format == VO_FORMAT_CSV ? vo_csv_reader_bytes_read(r->csv) : 0;
}

size_t vo_reader_parts(const struct vo_reader *r)
{
	return r->format == VO_FORMAT_PARQUET ? vo_parquet_reader_num_row_groups(r->parquet) : 1;
}

bool vo_reader_is_stream(const struct vo_reader *r)
{
	return r->stream;
}

int vo_reader_digest(struct vo_reader *r, char hex[VO_SHA256_HEX], uint64_t *bytes,
		     struct vo_error *err)
{
	if (!r->stream || !r->csv)
		return vo_error_set(err, VO_EINVAL, "no digest of a file that is not a stream");
	return vo_csv_reader_digest(r->csv, hex, bytes, err);
}

int vo_reader_limit(struct vo_reader *r, size_t first, size_t end)
{
	if (first > end || end > vo_reader_parts(r))
		return VO_EINVAL;
	if (r->format != VO_FORMAT_PARQUET)
		return first == 0 && end == 1 ? VO_OK : VO_EINVAL; /* a CSV file is one part */
	vo_parquet_reader_limit(r->parquet, first, end);
	return VO_OK;
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

/* Whether name ends in one of the data files' suffixes. */
static bool has_data_suffix(const char *name)
{
	static const char *const suffixes[] = { ".parquet", ".parq", ".parquet.gzip",
						".pq",	    ".csv",  ".csv.gz" };
	size_t i;

	for (i = 0; i < VO_ARRAY_SIZE(suffixes); i++)
		if (ends_with(name, suffixes[i]))
			return true;
	return false;
}

/*
 * Names a folder walk steps over, as Hadoop and Spark do: hidden ones (".x":
 * also the ".part-0.crc" checksums Hadoop writes), "_x" unless it holds '='
 * (_SUCCESS, _committed_*, _started_*, _temporary, _metadata; "_x=1" is a
 * partition folder), any "*.crc", and "*.json" (vouch reads no JSON data:
 * the artifact, a segments config or vouch clean's X.csv.meta.json often
 * sits beside the data).
 */
static bool is_skipped_name(const char *name)
{
	if (name[0] == '.')
		return true;
	if (name[0] == '_' && !strchr(name, '='))
		return true;
	return ends_with(name, ".crc") || ends_with(name, ".json");
}

bool vo_is_data_file_name(const char *name)
{
	return !is_skipped_name(name) && has_data_suffix(name);
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

#define NOT_DATA_RULE                                                                         \
	"a folder's data files end in .parquet, .parq, .pq, .parquet.gzip, .csv or .csv.gz; " \
	"names starting with '.' or '_', *.crc and *.json are skipped"

/* A walk of one -i folder: the files found, and what was not a data file. */
struct walk {
	char ***paths; /* the run's list, appended to */
	size_t *n;
	size_t *cap;
	dev_t dev[VO_INPUT_DEPTH_MAX]; /* the folders being walked, to catch a loop */
	ino_t ino[VO_INPUT_DEPTH_MAX];
	size_t depth;
	char *odd;   /* the first file that is neither data nor skipped (owned) */
	size_t nodd; /* how many such files */
};

static char *join(const char *dir, const char *name)
{
	size_t len = strlen(dir) + strlen(name) + 2;
	char *p = vo_malloc(len);

	if (p)
		snprintf(p, len, "%s%s%s", dir, ends_with(dir, "/") ? "" : "/", name);
	return p;
}

/* Adds the data files of dir and, recursively, of its folders. */
static int walk_dir(struct walk *w, const char *dir, const struct stat *dst, struct vo_error *err)
{
	struct dirent *de;
	int rc = VO_OK;
	size_t i;
	DIR *d;

	for (i = 0; i < w->depth; i++)
		if (w->dev[i] == dst->st_dev && w->ino[i] == dst->st_ino)
			return vo_error_set(
				err, VO_EFORMAT,
				"%s: a folder that contains itself (a symbolic link loop)", dir);
	if (w->depth == VO_INPUT_DEPTH_MAX)
		return vo_error_set(err, VO_ELIMIT, "%s: folders nested more than %d deep", dir,
				    VO_INPUT_DEPTH_MAX);
	w->dev[w->depth] = dst->st_dev;
	w->ino[w->depth] = dst->st_ino;
	w->depth++;
	d = opendir(dir);
	if (!d) {
		rc = vo_error_set(err, VO_EIO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	while (!rc && (de = readdir(d)) != NULL) {
		struct stat st;
		char *p;

		if (is_skipped_name(de->d_name))
			continue;
		p = join(dir, de->d_name);
		if (!p) {
			rc = vo_error_nomem(err);
			break;
		}
		if (stat(p, &st) < 0) {
			rc = vo_error_set(err, VO_EIO, "%s: %s", p, strerror(errno));
			vo_free(p);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(w, p, &st, err);
			vo_free(p);
			continue;
		}
		if (!S_ISREG(st.st_mode) || !has_data_suffix(de->d_name)) {
			if (!w->odd)
				w->odd = p;
			else
				vo_free(p);
			w->nodd++;
			continue;
		}
		rc = push(w->paths, w->n, w->cap, p);
		if (rc == VO_ELIMIT)
			vo_error_set(err, rc, "%s: more than %d input files", dir,
				     VO_INPUT_FILES_MAX);
		else if (rc)
			vo_error_nomem_in(err, dir);
	}
	closedir(d);
out:
	w->depth--;
	return rc;
}

/*
 * Expands the folder dir: every data file below it, in byte order of the
 * path; a file that is neither a data file nor skipped stops the run.
 */
static int expand_dir(const char *dir, const struct stat *st, char ***paths, size_t *n, size_t *cap,
		      struct vo_error *err)
{
	struct walk w;
	size_t first = *n;
	int rc;

	memset(&w, 0, sizeof(w));
	w.paths = paths;
	w.n = n;
	w.cap = cap;
	rc = walk_dir(&w, dir, st, err);
	if (!rc && w.nodd == 1)
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s: not a data file (%s): move it out of %s, "
				  "or name the data files with -i",
				  w.odd, NOT_DATA_RULE, dir);
	else if (!rc && w.nodd)
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s and %zu more files are not data files (%s): "
				  "move them out of %s, or name the data files with -i",
				  w.odd, w.nodd - 1, NOT_DATA_RULE, dir);
	vo_free(w.odd);
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
			rc = expand_dir(inputs[i], &st, &list, &n, &cap, err);
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
