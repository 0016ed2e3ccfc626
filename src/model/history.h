/*
 * history.h - the artifacts a file-mode `vouch serve` loaded, kept for
 * `vouch rollback`.
 *
 * Next to the artifact PATH, the folder PATH.versions holds one file per
 * version, VERSION.json (VERSION: the artifact's 64 hex digits), with the
 * exact text that was served; its modification time is when the server
 * last loaded that version (just before serving it).  Only the newest `keep` files (by that
 * time) stay, so the disk used is bounded by keep times the artifact's
 * size.  Files are written atomically (core/fileio.h), so a kept file is
 * whole or absent.  The folder is a subfolder, so writing into it sends no
 * event to the watches on PATH's folder.
 */
#ifndef VO_MODEL_HISTORY_H
#define VO_MODEL_HISTORY_H

#include "core/common.h"

#include "core/err.h"

/* A version is 64 lower-case hex digits; with ".json", a kept file's name. */
#define VO_HISTORY_VERSION_LEN 64

/* One kept artifact. */
struct vo_history_entry {
	char version[VO_HISTORY_VERSION_LEN + 1];
	int64_t kept_us; /* when it was last loaded (the file's modification time) */
	int64_t bytes;	 /* the file's size */
};

/* The folder of artifact's kept versions, "ARTIFACT.versions", into *out (owned). */
int vo_history_dir(const char *artifact, char **out, struct vo_error *err);

/* dir/VERSION.json into *out (owned).  VO_ENOMEM. */
int vo_history_path(const char *dir, const char *version, char **out, struct vo_error *err);

/* Whether [s, s+len) is a version (64 lower-case hex digits). */
bool vo_history_is_version(const char *s, size_t len);

/*
 * Keeps text (len bytes, the artifact of version) in dir, created when
 * missing: written atomically when absent, its time set to now when present,
 * then the oldest files past the newest keep (at least 1) removed.
 * VO_EIO with a message naming the folder or file.
 */
int vo_history_keep(const char *dir, const char *version, const char *text, size_t len,
		    unsigned keep, struct vo_error *err);

/*
 * The kept versions in dir, newest first, into *out (owned, vo_free) and *n.
 * Files whose names are not VERSION.json are ignored.  A missing folder is
 * an empty list.  VO_EIO, VO_ENOMEM.
 */
int vo_history_list(const char *dir, struct vo_history_entry **out, size_t *n,
		    struct vo_error *err);

#endif
