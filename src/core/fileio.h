/*
 * fileio.h - whole-file reads and atomic whole-file writes.
 */
#ifndef VO_CORE_FILEIO_H
#define VO_CORE_FILEIO_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"

/*
 * Opens path for reading into *fd (close-on-exec).  A missing file is
 * VO_ENOTFOUND, other failures VO_EIO; the message names the path.
 */
int vo_open_read(const char *path, int *fd, struct vo_error *err);

/*
 * Reads up to len bytes from fd into buf, retrying when a signal interrupts
 * the call; *got is the count read, 0 at the end of the file.  VO_EIO with a
 * message naming path.
 */
int vo_read_some(int fd, const char *path, void *buf, size_t len, size_t *got,
		 struct vo_error *err);

/*
 * Appends the content of the file at path to out.  A file larger than max
 * bytes is VO_ELIMIT; a missing file VO_ENOTFOUND; other failures VO_EIO.
 * Messages name the path.
 */
int vo_read_file(const char *path, size_t max, struct vo_buf *out, struct vo_error *err);

/*
 * Replaces the file at path with len bytes of data, atomically: the bytes
 * go to a temporary file in the same folder, which is flushed (fsync) and
 * renamed over path, then the folder is flushed.  A reader sees the old file
 * or the new one, never a mix, and on any failure the old file is untouched
 * and the temporary file removed.  The new file gets mode 0644 less umask.
 */
int vo_write_file_atomic(const char *path, const void *data, size_t len, struct vo_error *err);

/*
 * Writes all len bytes of data to fd (retrying short writes and signals),
 * for output to a pipe or a terminal; name says what fd is in messages.
 * VO_EIO (a full disk, a reader that went away: EPIPE).
 */
int vo_write_fd_all(int fd, const char *name, const void *data, size_t len, struct vo_error *err);

/*
 * Streaming variant: vo_atomic_open() creates the temporary file, the caller
 * writes with vo_atomic_write(), and vo_atomic_commit() publishes it, or
 * vo_atomic_abort() throws it away.  Exactly one of commit or abort must be
 * called after a successful open; both release the struct.
 */
struct vo_atomic_file {
	int fd;		/* the temporary file */
	char *path;	/* final path (owned) */
	char *tmp_path; /* temporary path (owned) */
};

int vo_atomic_open(struct vo_atomic_file *f, const char *path, struct vo_error *err);
int vo_atomic_write(struct vo_atomic_file *f, const void *data, size_t len, struct vo_error *err);
int vo_atomic_commit(struct vo_atomic_file *f, struct vo_error *err);
void vo_atomic_abort(struct vo_atomic_file *f);

#endif
