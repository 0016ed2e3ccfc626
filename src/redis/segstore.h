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
 * A publish is one MULTI/EXEC under WATCH: it stores the text, points
 * current at it, records it, deletes the versions past the newest `keep`
 * and announces it, so a reader sees the old version or the new one, never
 * a pointer to a missing key, and a publish either happened whole or not
 * at all.  Everything that could fail inside EXEC is checked before MULTI
 * (the node is a primary, each key has the right type, under WATCH so it
 * stays so); what Redis refuses while queueing (ACL, READONLY, OOM) aborts
 * the whole transaction.
 */
#ifndef VO_REDIS_SEGSTORE_H
#define VO_REDIS_SEGSTORE_H

#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "redis/redis.h"

/* A version: 64 lower-case hex digits (the artifact's SHA-256). */
#define VO_SEGSTORE_VERSION_LEN 64

/* P:segments:<version> fits in this. */
#define VO_SEGSTORE_KEY_MAX (VO_REDIS_PREFIX_MAX + 96)

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

/* P:segments:<version> into out (n bytes, at least VO_SEGSTORE_KEY_MAX). */
void vo_segkeys_version(const struct vo_segkeys *k, const char *version, char *out, size_t n);

/* Whether [s, s+len) is a version (64 lower-case hex digits). */
bool vo_segstore_is_version(const char *s, size_t len);

/* What a publish or rollback did, for the caller's message and its retry. */
struct vo_segstore_outcome {
	unsigned removed; /* old versions deleted */
	bool retry;	  /* failed as another connection may fix: connection lost, READONLY,
			     a replica (re-resolve through Sentinel and try again) */
	bool unknown;	  /* the connection was lost after EXEC was sent: it may have happened */
};

/*
 * Publishes text (an artifact already validated by the caller, whose
 * version is version) as described above, keeping the newest keep versions
 * (at least 1) by publish time.  Fails before anything changes when r is
 * not a primary (ROLE), a key has the wrong type, a command is refused, or
 * the keys keep changing under it.  VO_EUNSUPPORTED (refused: the message
 * says why and that nothing changed), VO_EFORMAT (a key of the wrong type),
 * VO_EIO (the connection), with out filled in.
 */
int vo_segstore_publish(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			const char *text, size_t len, unsigned keep,
			struct vo_segstore_outcome *out, struct vo_error *err);

/* Judges a stored artifact before a rollback makes it current. */
typedef int (*vo_segstore_check_fn)(void *ctx, const char *text, size_t len, struct vo_error *err);

/*
 * Points current at a stored version and announces it, after check (may be
 * NULL) accepted its text; the keys are WATCHed meanwhile, so a version
 * deleted under us is not made current.  r must be a primary.
 * VO_ENOTFOUND when the version is not stored, check's error,
 * VO_EUNSUPPORTED, VO_EIO.
 */
int vo_segstore_rollback(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			 vo_segstore_check_fn check, void *ctx, struct vo_segstore_outcome *out,
			 struct vo_error *err);

/*
 * Reads P:segments:current into version (VO_SEGSTORE_VERSION_LEN + 1
 * bytes), at most 65 bytes of it whatever its size.  VO_ENOTFOUND when it
 * is not set (nothing published, or it was evicted), VO_EFORMAT when it
 * does not hold a version (too long, wrong type), VO_EUNSUPPORTED (refused,
 * e.g. ACL), VO_EIO.
 */
int vo_segstore_current(struct vo_redis *r, const struct vo_segkeys *k, char *version,
			struct vo_error *err);

/*
 * Reads P:segments:<version> into out (reset first).  VO_ENOTFOUND when the
 * key is missing, VO_ELIMIT when it is larger than VO_ARTIFACT_MAX (checked
 * with STRLEN before it is read), VO_EFORMAT (not a string),
 * VO_EUNSUPPORTED, VO_EIO.  The reply's buffers are given back before the
 * text is copied, so the peak is twice the text.
 */
int vo_segstore_fetch(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
		      struct vo_buf *out, struct vo_error *err);

#endif
