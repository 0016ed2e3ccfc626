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
#include "core/limits.h"

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

const char *vo_file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a folder";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

int vo_read_stream(int fd, const char *name, size_t max, struct vo_buf *out, struct vo_error *err)
{
	for (;;) {
		char chunk[65536];
		size_t n = 0;
		int rc = vo_read_some(fd, name, chunk, sizeof(chunk), &n, err);

		if (rc)
			return rc;
		if (n == 0)
			return VO_OK;
		if (out->len + n > max)
			return vo_error_set(err, VO_ELIMIT, "%s: larger than %zu bytes", name, max);
		rc = vo_buf_add(out, chunk, n);
		if (rc)
			return vo_error_set(err, rc, "%s: %s", name, vo_strerror(rc));
	}
}

int vo_read_file(const char *path, size_t max, struct vo_buf *out, struct vo_error *err)
{
	struct stat st;
	int rc = VO_OK;
	int fd;

	/*
	 * O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer, forever (a FIFO renamed over the artifact of `vouch serve`).
	 * It changes nothing for the regular file that is read after the check.
	 */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return vo_error_set(err, errno == ENOENT ? VO_ENOTFOUND : VO_EIO, "%s: %s", path,
				    strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = vo_error_set(err, VO_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = vo_error_set(err, VO_EIO, "%s: it is %s, not a regular file", path,
				  vo_file_kind(st.st_mode));
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = vo_error_set(err, VO_ELIMIT, "%s: file is larger than %zu bytes", path, max);
		goto out;
	}
	rc = vo_read_stream(fd, path, max, out, err);
out:
	close(fd);
	return rc;
}

/* The path a relative symlink target names: next to the link, in its folder. */
static char *join_link(const char *link, const char *target)
{
	const char *slash = strrchr(link, '/');
	size_t dlen = slash ? (size_t)(slash - link) + 1 : 0;
	size_t tlen = strlen(target);
	char *p;

	if (target[0] == '/' || !dlen)
		return vo_strdup(target);
	p = vo_malloc(dlen + tlen + 1);
	if (!p)
		return NULL;
	memcpy(p, link, dlen);
	memcpy(p + dlen, target, tlen + 1);
	return p;
}

int vo_output_resolve(const char *path, char **out, struct vo_error *err)
{
	char *cur = NULL;
	struct stat st;
	int hops = 0;
	int rc = VO_OK;

	*out = NULL;
	/* What the name reaches, through every link: anything but a regular file is refused. */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		vo_error_set(err, VO_EINVAL,
			     "refusing to write '%s': it is %s, not a regular file (the output is "
			     "replaced by renaming a new file over it)",
			     path, vo_file_kind(st.st_mode));
		return VO_EINVAL;
	}
	cur = vo_strdup(path);
	if (!cur) {
		vo_error_nomem(err);
		return VO_ENOMEM;
	}
	/* Follow the links by hand: the rename must replace the target, not the link. */
	while (lstat(cur, &st) == 0 && S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n;
		char *next;

		if (++hops > VO_SYMLINK_HOPS_MAX) {
			rc = vo_error_set(err, VO_EINVAL,
					  "refusing to write '%s': more than %d symbolic links",
					  path, VO_SYMLINK_HOPS_MAX);
			goto out;
		}
		n = readlink(cur, target, sizeof(target) - 1);
		if (n < 0) {
			rc = vo_error_set(err, VO_EIO, "%s: %s", cur, strerror(errno));
			goto out;
		}
		target[n] = '\0';
		next = join_link(cur, target);
		if (!next) {
			vo_error_nomem(err);
			rc = VO_ENOMEM;
			goto out;
		}
		vo_free(cur);
		cur = next;
	}
	/* A link that leads nowhere names a new file; the last hop must still be a file's name. */
	if (lstat(cur, &st) == 0 && !S_ISREG(st.st_mode)) {
		rc = vo_error_set(err, VO_EINVAL,
				  "refusing to write '%s': it is %s, not a regular file (the "
				  "output is replaced by renaming a new file over it)",
				  path, vo_file_kind(st.st_mode));
		goto out;
	}
out:
	if (rc)
		vo_free(cur);
	else
		*out = cur;
	return rc;
}

/* The folder part of path ("." for a bare name), in a new string. */
static char *folder_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return vo_strdup(".");
	if (slash == path)
		return vo_strdup("/");
	return vo_strndup(path, (size_t)(slash - path));
}

int vo_output_check(const char *output, const char *const *inputs, size_t ninputs,
		    const char *const *folders, size_t nfolders,
		    bool (*would_read)(const char *name), struct vo_error *err)
{
	char *target = NULL;
	char *folder = NULL;
	struct stat out_st;
	struct stat dir_st;
	struct stat st;
	const char *name;
	bool exists;
	size_t i;
	int rc;

	rc = vo_output_resolve(output, &target, err);
	if (rc)
		return rc;
	exists = stat(target, &out_st) == 0;
	for (i = 0; exists && i < ninputs; i++) {
		if (stat(inputs[i], &st) == 0 && st.st_dev == out_st.st_dev &&
		    st.st_ino == out_st.st_ino) {
			rc = vo_error_set(err, VO_EINVAL,
					  "refusing to write '%s': it is the input '%s' (the same "
					  "file); nothing was read",
					  output, inputs[i]);
			goto out;
		}
	}
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	if (!nfolders || !would_read || !would_read(name))
		goto out;
	folder = folder_of(target);
	if (!folder) {
		rc = vo_error_nomem(err);
		goto out;
	}
	if (stat(folder, &dir_st) != 0)
		goto out; /* no such folder: the write fails later, naming it */
	for (i = 0; i < nfolders; i++) {
		if (stat(folders[i], &st) == 0 && st.st_dev == dir_st.st_dev &&
		    st.st_ino == dir_st.st_ino) {
			rc = vo_error_set(err, VO_EINVAL,
					  "refusing to write '%s': it is in the input folder '%s' "
					  "under a name that folder's listing reads as data; "
					  "nothing was read",
					  output, folders[i]);
			goto out;
		}
	}
out:
	vo_free(folder);
	vo_free(target);
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
	f->path = NULL;
	rc = vo_output_resolve(path, &f->path, err);
	if (rc)
		goto out;
	dir_copy = vo_strdup(f->path);
	base_copy = vo_strdup(f->path);
	if (!dir_copy || !base_copy) {
		rc = vo_error_nomem(err);
		goto out;
	}
	len = strlen(f->path) + 32;
	f->tmp_path = vo_malloc(len);
	if (!f->tmp_path) {
		rc = vo_error_nomem(err);
		goto out;
	}
	snprintf(f->tmp_path, len, "%s/.%s.tmp.XXXXXX", dirname(dir_copy), basename(base_copy));
	f->fd = mkostemp(f->tmp_path, O_CLOEXEC);
	if (f->fd < 0) {
		rc = vo_error_set(err, VO_EIO, "cannot create a temporary file for '%s': %s",
				  f->path, strerror(errno));
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
