/*
 * fileio.h - whole-file reads and atomic whole-file writes.
 */
#ifndef VO_CORE_FILEIO_H
#define VO_CORE_FILEIO_H

#include "core/common.h"

#include <sys/types.h>

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
 * What a file of this mode is when it is not a regular one, for a message:
 * "a FIFO", "a folder", "a character device", ...
 */
const char *vo_file_kind(mode_t mode);

/*
 * Appends the content of the file at path to out.  A file larger than max
 * bytes is VO_ELIMIT; a missing file VO_ENOTFOUND; anything but a regular
 * file (a FIFO, a device, a folder) VO_EIO, found without blocking (the open
 * is non-blocking, so a FIFO without a writer does not hang the caller);
 * other failures VO_EIO.  Messages name the path.
 */
int vo_read_file(const char *path, size_t max, struct vo_buf *out, struct vo_error *err);

/*
 * Appends what fd yields until its end (a pipe, a terminal, a file) to out;
 * name is the stream's name in messages ("standard input").  More than max
 * bytes is VO_ELIMIT, a read error VO_EIO.  fd stays open.
 */
int vo_read_stream(int fd, const char *name, size_t max, struct vo_buf *out, struct vo_error *err);

/*
 * Replaces the file at path with len bytes of data, atomically: the bytes
 * go to a temporary file in the same folder, which is flushed (fsync) and
 * renamed over path, then the folder is flushed.  A reader sees the old file
 * or the new one, never a mix, and on any failure the old file is untouched
 * and the temporary file removed.  The new file gets mode 0644 less umask.
 * path is first resolved by vo_output_resolve(): a symbolic link is followed
 * (the target is replaced, the link stays), a device, FIFO, socket or folder
 * is refused with VO_EINVAL.
 */
int vo_write_file_atomic(const char *path, const void *data, size_t len, struct vo_error *err);

/*
 * Writes all len bytes of data to fd (retrying short writes and signals),
 * for output to a pipe or a terminal; name says what fd is in messages.
 * VO_EIO (a full disk, a reader that went away: EPIPE).
 */
int vo_write_fd_all(int fd, const char *name, const void *data, size_t len, struct vo_error *err);

/*
 * Where an atomic write of path goes, in *out (owned by the caller): path
 * itself when nothing is there or a regular file is; through symbolic links
 * (followed to the end of the chain, at most VO_SYMLINK_HOPS_MAX of them),
 * the file the last one names, so the rename replaces the target and the
 * links stay.  Anything else is refused with VO_EINVAL and a message naming
 * path and what it is (a folder, a device, a FIFO, a socket): renaming a new
 * file over a device would replace the device itself (-o /dev/null as root).
 * VO_EIO when a link cannot be read, VO_ENOMEM.
 */
int vo_output_resolve(const char *path, char **out, struct vo_error *err);

/*
 * Checks, before anything is read, that writing output destroys no input:
 * refused (VO_EINVAL, a message naming both) when the file output would
 * replace (see vo_output_resolve(), whose refusals apply too) is one of the
 * ninputs files at inputs, compared by device and inode, so a symbolic link,
 * a hard link or another spelling of the path counts; and, when would_read
 * is not NULL and says a folder listing reads output's (resolved) name, when
 * its folder is, by device and inode, one of the nfolders folders at folders
 * (the input folders a run lists).  A missing input or folder is skipped.
 */
int vo_output_check(const char *output, const char *const *inputs, size_t ninputs,
		    const char *const *folders, size_t nfolders,
		    bool (*would_read)(const char *name), struct vo_error *err);

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
