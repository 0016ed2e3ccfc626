/*
 * history.c - the kept artifacts of a file-mode server, see history.h.
 */
#include "core/common.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fileio.h"
#include "model/history.h"

/* dir + sep + name + suffix into a new string (NULL when out of memory). */
static char *join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = vo_malloc(n);

	if (p)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

int vo_history_dir(const char *artifact, char **out, struct vo_error *err)
{
	*out = join(artifact, ".versions", "");
	return *out ? VO_OK : vo_error_nomem(err);
}

int vo_history_path(const char *dir, const char *version, char **out, struct vo_error *err)
{
	char name[VO_HISTORY_VERSION_LEN + 8];

	snprintf(name, sizeof(name), "%s.json", version);
	*out = join(dir, "/", name);
	return *out ? VO_OK : vo_error_nomem(err);
}

bool vo_history_is_version(const char *s, size_t len)
{
	if (len != VO_HISTORY_VERSION_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Newest first; equal times by version, so the order never depends on the listing's. */
static int newest_first(const void *pa, const void *pb)
{
	const struct vo_history_entry *a = pa;
	const struct vo_history_entry *b = pb;

	if (a->kept_us != b->kept_us)
		return a->kept_us > b->kept_us ? -1 : 1;
	return strcmp(a->version, b->version);
}

int vo_history_list(const char *dir, struct vo_history_entry **out, size_t *n, struct vo_error *err)
{
	struct vo_history_entry *v = NULL;
	size_t len = 0;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int rc = VO_OK;

	*out = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return VO_OK;
		return vo_error_set(err, VO_EIO, "%s: %s", dir, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		struct stat st;

		if (nl != VO_HISTORY_VERSION_LEN + 5 ||
		    strcmp(de->d_name + VO_HISTORY_VERSION_LEN, ".json") != 0 ||
		    !vo_history_is_version(de->d_name, VO_HISTORY_VERSION_LEN))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct vo_history_entry *nv = vo_reallocarray(v, ncap, sizeof(*nv));

			if (!nv) {
				rc = vo_error_nomem(err);
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		memcpy(v[len].version, de->d_name, VO_HISTORY_VERSION_LEN);
		v[len].version[VO_HISTORY_VERSION_LEN] = '\0';
		v[len].kept_us = (int64_t)st.st_mtim.tv_sec * 1000000 + st.st_mtim.tv_nsec / 1000;
		v[len].bytes = (int64_t)st.st_size;
		len++;
	}
	if (len)
		qsort(v, len, sizeof(*v), newest_first);
out:
	closedir(d);
	if (rc) {
		vo_free(v);
		return rc;
	}
	*out = v;
	*n = len;
	return VO_OK;
}

int vo_history_keep(const char *dir, const char *version, const char *text, size_t len,
		    unsigned keep, struct vo_error *err)
{
	struct vo_history_entry *v = NULL;
	char *path = NULL;
	size_t n = 0;
	int rc;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return vo_error_set(err, VO_EIO, "cannot create %s: %s", dir, strerror(errno));
	rc = vo_history_path(dir, version, &path, err);
	if (rc)
		return rc;
	if (!access(path, F_OK)) {
		if (utimensat(AT_FDCWD, path, NULL, 0))
			rc = vo_error_set(err, VO_EIO, "%s: %s", path, strerror(errno));
	} else {
		rc = vo_write_file_atomic(path, text, len, err);
	}
	if (!rc)
		rc = vo_history_list(dir, &v, &n, err);
	/* The newest first: the one just kept is among them, whatever the clocks say. */
	for (size_t i = keep ? keep : 1; !rc && i < n; i++) {
		char *old = NULL;

		if (!strcmp(v[i].version, version))
			continue;
		rc = vo_history_path(dir, v[i].version, &old, err);
		if (!rc && unlink(old) && errno != ENOENT)
			rc = vo_error_set(err, VO_EIO, "cannot remove %s: %s", old,
					  strerror(errno));
		vo_free(old);
	}
	vo_free(v);
	vo_free(path);
	return rc;
}
