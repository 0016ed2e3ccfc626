/*
 * fileio.c - whole-file reads and atomic writes, see fileio.h.
 */
#include "core/common.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fileio.h"

int vo_open_read(const char *path, int *fd, struct vo_error *err)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return vo_error_set(err, errno == ENOENT ? VO_ENOTFOUND : VO_EIO, "%s: %s", path,
				    strerror(errno));
	return VO_OK;
}

int vo_read_some(int fd, const char *path, void *buf, size_t len, size_t *got, struct vo_error *err)
{
	ssize_t n;

	do
		n = read(fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return vo_error_set(err, VO_EIO, "%s: %s", path, strerror(errno));
	*got = (size_t)n;
	return VO_OK;
}

int vo_read_file(const char *path, size_t max, struct vo_buf *out, struct vo_error *err)
{
	struct stat st;
	int rc = VO_OK;
	int fd;

	rc = vo_open_read(path, &fd, err);
	if (rc)
		return rc;
	if (fstat(fd, &st) < 0) {
		rc = vo_error_set(err, VO_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = vo_error_set(err, VO_EIO, "%s: not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = vo_error_set(err, VO_ELIMIT, "%s: file is larger than %zu bytes", path, max);
		goto out;
	}
	for (;;) {
		char chunk[65536];
		size_t n = 0;

		rc = vo_read_some(fd, path, chunk, sizeof(chunk), &n, err);
		if (rc)
			goto out;
		if (n == 0)
			break;
		if (out->len + n > max) {
			rc = vo_error_set(err, VO_ELIMIT, "%s: file is larger than %zu bytes", path,
					  max);
			goto out;
		}
		rc = vo_buf_add(out, chunk, n);
		if (rc) {
			vo_error_set(err, rc, "%s: %s", path, vo_strerror(rc));
			goto out;
		}
	}
out:
	close(fd);
	return rc;
}

int vo_atomic_open(struct vo_atomic_file *f, const char *path, struct vo_error *err)
{
	char *dir_copy = NULL;
	char *base_copy = NULL;
	size_t len;
	int rc = VO_OK;
	mode_t mask;

	f->fd = -1;
	f->tmp_path = NULL;
	f->path = vo_strdup(path);
	dir_copy = vo_strdup(path);
	base_copy = vo_strdup(path);
	if (!f->path || !dir_copy || !base_copy) {
		rc = vo_error_nomem(err);
		goto out;
	}
	len = strlen(path) + 32;
	f->tmp_path = vo_malloc(len);
	if (!f->tmp_path) {
		rc = vo_error_nomem(err);
		goto out;
	}
	snprintf(f->tmp_path, len, "%s/.%s.tmp.XXXXXX", dirname(dir_copy), basename(base_copy));
	f->fd = mkostemp(f->tmp_path, O_CLOEXEC);
	if (f->fd < 0) {
		rc = vo_error_set(err, VO_EIO, "cannot create a temporary file for '%s': %s", path,
				  strerror(errno));
		goto out;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(f->fd, 0644 & ~mask) < 0) {
		rc = vo_error_set(err, VO_EIO, "%s: %s", f->tmp_path, strerror(errno));
		goto out;
	}
out:
	vo_free(dir_copy);
	vo_free(base_copy);
	if (rc)
		vo_atomic_abort(f);
	return rc;
}

int vo_atomic_write(struct vo_atomic_file *f, const void *data, size_t len, struct vo_error *err)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(f->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vo_error_set(err, VO_EIO, "cannot write '%s': %s", f->path,
					    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return VO_OK;
}

int vo_atomic_commit(struct vo_atomic_file *f, struct vo_error *err)
{
	char *dir_copy = NULL;
	int rc = VO_OK;
	int dfd;

	/*
	 * The folder's name is needed to flush the rename; taken first, so that
	 * an allocation failure stops the commit before anything is published
	 * rather than silently skipping the flush after it.
	 */
	dir_copy = vo_strdup(f->path);
	if (!dir_copy) {
		rc = vo_error_set(err, VO_ENOMEM, "cannot write '%s': out of memory", f->path);
		goto out;
	}
	if (fsync(f->fd) < 0) {
		rc = vo_error_set(err, VO_EIO, "cannot write '%s': %s", f->path, strerror(errno));
		goto out;
	}
	if (close(f->fd) < 0) {
		f->fd = -1;
		rc = vo_error_set(err, VO_EIO, "cannot write '%s': %s", f->path, strerror(errno));
		goto out;
	}
	f->fd = -1;
	if (rename(f->tmp_path, f->path) < 0) {
		rc = vo_error_set(err, VO_EIO, "cannot replace '%s': %s", f->path, strerror(errno));
		goto out;
	}
	VO_FREE(f->tmp_path);
	dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd); /* best effort: the rename is already visible */
		close(dfd);
	}
out:
	vo_free(dir_copy);
	vo_atomic_abort(f);
	return rc;
}

void vo_atomic_abort(struct vo_atomic_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	if (f->tmp_path)
		unlink(f->tmp_path);
	VO_FREE(f->tmp_path);
	VO_FREE(f->path);
}

int vo_write_file_atomic(const char *path, const void *data, size_t len, struct vo_error *err)
{
	struct vo_atomic_file f;
	int rc;

	rc = vo_atomic_open(&f, path, err);
	if (rc)
		return rc;
	rc = vo_atomic_write(&f, data, len, err);
	if (rc) {
		vo_atomic_abort(&f);
		return rc;
	}
	return vo_atomic_commit(&f, err);
}

int vo_write_fd_all(int fd, const char *name, const void *data, size_t len, struct vo_error *err)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return vo_error_set(err, VO_EIO, "cannot write to %s: %s", name,
					    n < 0 ? strerror(errno) : "nothing written");
		p += n;
		len -= (size_t)n;
	}
	return VO_OK;
}
