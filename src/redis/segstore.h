/*
 * segstore.h - segments artifacts in Redis: the key layout, publishing,
 * rollback and reading the current version.
 *
 * Keys, for a prefix P ("vouch" by default):
 *
 *   P:segments:<version>   string: the artifact's JSON text, as written by
 *                          `vouch process` (version = its 64 hex digits)
 *   P:segments:current     string: the version being served
 *   P:segments:versions    sorted set: every stored version, scored by the
 *                          time it was last published (milliseconds since
 *                          the epoch, the publisher's clock)
 *   P:segments             the channel: each publish or rollback PUBLISHes
 *                          the version that became current
 *
 * A publish stores the text, points current at it, records it and announces
 * it in one MULTI/EXEC, so a reader sees the old version or the new one,
 * never a pointer to a missing key.  Then it keeps the newest `keep`
 * versions by publish time and deletes the others, except the current one
 * (after a rollback, current may be older than the newest ones).
 */
#ifndef VO_REDIS_SEGSTORE_H
#define VO_REDIS_SEGSTORE_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "redis/redis.h"

/* A version: 64 lower-case hex digits (the artifact's SHA-256). */
#define VO_SEGSTORE_VERSION_LEN 64

struct vo_segkeys {
	char channel[VO_REDIS_PREFIX_MAX + 16];	 /* P:segments */
	char current[VO_REDIS_PREFIX_MAX + 32];	 /* P:segments:current */
	char versions[VO_REDIS_PREFIX_MAX + 32]; /* P:segments:versions */
};

/*
 * Derives the keys of prefix.  VO_EINVAL when the prefix is empty, longer
 * than VO_REDIS_PREFIX_MAX or holds white space or control bytes.
 */
int vo_segkeys_init(struct vo_segkeys *k, const char *prefix, struct vo_error *err);

/* P:segments:<version> into out (n bytes, at least VO_REDIS_PREFIX_MAX + 96). */
void vo_segkeys_version(const struct vo_segkeys *k, const char *version, char *out, size_t n);

/* Whether [s, s+len) is a version (64 lower-case hex digits). */
bool vo_segstore_is_version(const char *s, size_t len);

/*
 * Publishes text (an artifact already validated by the caller, whose
 * version is version) as described above, keeping the newest keep versions
 * (at least 1).  *removed counts the versions deleted.  VO_EIO with a
 * message naming the server.
 */
int vo_segstore_publish(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			const char *text, size_t len, unsigned keep, unsigned *removed,
			struct vo_error *err);

/* Judges a stored artifact before a rollback makes it current. */
typedef int (*vo_segstore_check_fn)(void *ctx, const char *text, size_t len, struct vo_error *err);

/*
 * Points current at a stored version and announces it, after check (may be
 * NULL) accepted its text; the key is WATCHed meanwhile, so a version
 * deleted under us is not made current.  VO_ENOTFOUND when the version is
 * not stored, check's error, or VO_EIO.
 */
int vo_segstore_rollback(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			 vo_segstore_check_fn check, void *ctx, struct vo_error *err);

/*
 * Reads P:segments:current into version (VO_SEGSTORE_VERSION_LEN + 1
 * bytes).  VO_ENOTFOUND when nothing was published, VO_EFORMAT when it does
 * not hold a version, VO_EIO.
 */
int vo_segstore_current(struct vo_redis *r, const struct vo_segkeys *k, char *version,
			struct vo_error *err);

/*
 * Reads P:segments:<version> into out (reset first).  VO_ENOTFOUND when the
 * key is missing, VO_ELIMIT when it is larger than VO_ARTIFACT_MAX (checked
 * with STRLEN before it is read), VO_EIO.
 */
int vo_segstore_fetch(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
		      struct vo_buf *out, struct vo_error *err);

#endif
