/*
 * segstore.c - the segments key layout in Redis, see segstore.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/limits.h"
#include "core/log.h"
#include "redis/segstore.h"

int vo_segkeys_init(struct vo_segkeys *k, const char *prefix, struct vo_error *err)
{
	size_t n = strlen(prefix);

	memset(k, 0, sizeof(*k));
	if (!n || n > VO_REDIS_PREFIX_MAX)
		return vo_error_set(err, VO_EINVAL, "the key prefix must have 1 to %u bytes",
				    VO_REDIS_PREFIX_MAX);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)prefix[i] <= ' ' || prefix[i] == 0x7f)
			return vo_error_set(err, VO_EINVAL,
					    "the key prefix may not hold white space or control "
					    "bytes");
	snprintf(k->channel, sizeof(k->channel), "%s:segments", prefix);
	snprintf(k->current, sizeof(k->current), "%s:segments:current", prefix);
	snprintf(k->versions, sizeof(k->versions), "%s:segments:versions", prefix);
	return VO_OK;
}

void vo_segkeys_version(const struct vo_segkeys *k, const char *version, char *out, size_t n)
{
	snprintf(out, n, "%s:%s", k->channel, version);
}

bool vo_segstore_is_version(const char *s, size_t len)
{
	if (len != VO_SEGSTORE_VERSION_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* Lengths of C-string arguments. */
static void lens_of(int argc, const char **argv, size_t *lens)
{
	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
}

/* One command whose reply only has to be no error; an error reply is VO_EUNSUPPORTED. */
static int simple(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		  struct vo_error *err)
{
	struct vo_redis_reply *reply;
	int rc = vo_redis_command(r, argc, argv, lens, &reply, err);

	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		char e[VO_ERROR_MSG_MAX];

		vo_redis_reply_error(reply, e, sizeof(e));
		rc = vo_error_set(err, VO_EUNSUPPORTED, "%s: %s: %s", vo_redis_name(r), argv[0], e);
	}
	vo_redis_reply_free(reply);
	return rc;
}

static int cmd(struct vo_redis *r, struct vo_error *err, int argc, const char **argv)
{
	size_t lens[8];

	lens_of(argc, argv, lens);
	return simple(r, argc, argv, lens, err);
}

/* Whether an error text is the refusal of a replica. */
static bool is_readonly(const char *msg)
{
	return strstr(msg, "READONLY") != NULL;
}

/* Refuses anything but a primary, before a write. */
static int require_primary(struct vo_redis *r, struct vo_segstore_outcome *out,
			   struct vo_error *err)
{
	enum vo_redis_role role;
	char primary[VO_REDIS_ADDR_MAX];
	int rc = vo_redis_role(r, &role, primary, sizeof(primary), err);

	if (rc) {
		out->retry = rc == VO_EIO;
		return rc;
	}
	if (role == VO_REDIS_ROLE_PRIMARY)
		return VO_OK;
	out->retry = true;
	return vo_error_set(err, VO_EUNSUPPORTED,
			    "%s: %s is %s%s%s, not a primary: nothing changed (write to the "
			    "primary, or name the sentinels with redis-sentinel://)",
			    vo_redis_name(r), vo_redis_addr(r),
			    role == VO_REDIS_ROLE_REPLICA ? "a replica" : "not a data node",
			    *primary ? " of " : "", primary);
}

/*
 * Checks that key is absent or of type want ("string", "zset"), so that no
 * command of the transaction can fail on it.  VO_EFORMAT otherwise.
 */
static int check_type(struct vo_redis *r, const char *key, const char *want, struct vo_error *err)
{
	const char *argv[2] = { "TYPE", key };
	size_t lens[2] = { 4, strlen(key) };
	struct vo_redis_reply *reply;
	const char *t;
	int rc = vo_redis_expect(r, VO_REDIS_STATUS, 2, argv, lens, &reply, err);

	if (rc)
		return rc;
	t = vo_redis_reply_str(reply, NULL);
	if (strcmp(t, "none") != 0 && strcmp(t, want) != 0)
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s: %s is a %s, not a %s: nothing changed (delete it, or use "
				  "another --prefix)",
				  vo_redis_name(r), key, t, want);
	vo_redis_reply_free(reply);
	return rc;
}

/* The queued commands of a transaction, by name, to say which ones failed. */
struct txn {
	struct vo_redis *r;
	const char *names[2 * VO_REDIS_TRIM_MAX + 8]; /* command of each queued reply */
	size_t n;
	char refused[VO_ERROR_MSG_MAX]; /* the first refusal while queueing */
	bool readonly;			/* it was READONLY */
};

/* Queues one command; a refusal is remembered and stops the queueing. */
static int queue(struct txn *t, int argc, const char **argv, const size_t *lens,
		 struct vo_error *err)
{
	struct vo_redis_reply *reply;
	int rc;

	if (t->refused[0])
		return VO_OK;
	rc = vo_redis_command(t->r, argc, argv, lens, &reply, err);
	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_ERROR) {
		char e[VO_ERROR_MSG_MAX];

		vo_redis_reply_error(reply, e, sizeof(e));
		snprintf(t->refused, sizeof(t->refused), "%s %.128s: %.300s", argv[0],
			 argc > 1 ? argv[1] : "", e);
		t->readonly = is_readonly(e);
	} else if (t->n < VO_ARRAY_SIZE(t->names)) {
		t->names[t->n++] = argv[0];
	}
	vo_redis_reply_free(reply);
	return VO_OK;
}

static int queue_c(struct txn *t, struct vo_error *err, int argc, const char **argv)
{
	size_t lens[8];

	lens_of(argc, argv, lens);
	return queue(t, argc, argv, lens, err);
}

/*
 * Runs EXEC (or DISCARD after a refusal).  VO_OK with *aborted when a
 * WATCHed key changed; errors say exactly what was applied.
 */
static int finish(struct txn *t, const char *what, bool *aborted, struct vo_segstore_outcome *out,
		  struct vo_error *err)
{
	const char *exec[1] = { "EXEC" };
	const char *discard[1] = { "DISCARD" };
	size_t lens[1] = { 4 };
	struct vo_redis_reply *reply = NULL;
	const char *name = vo_redis_name(t->r);
	int rc;

	*aborted = false;
	if (t->refused[0]) {
		struct vo_error ignored;

		lens[0] = 7;
		simple(t->r, 1, discard, lens, &ignored);
		out->retry = t->readonly;
		return vo_error_set(err, VO_EUNSUPPORTED, "%s: %s: nothing changed", name,
				    t->refused);
	}
	rc = vo_redis_command(t->r, 1, exec, lens, &reply, err);
	if (rc) {
		char msg[VO_ERROR_MSG_MAX];

		out->unknown = true;
		out->retry = true;
		snprintf(msg, sizeof(msg), "%s", err->msg);
		return vo_error_set(err, rc,
				    "%s (after EXEC was sent: the %s may or may not have happened)",
				    msg, what);
	}
	if (vo_redis_reply_type(reply) == VO_REDIS_NIL) {
		*aborted = true;
	} else if (vo_redis_reply_type(reply) != VO_REDIS_ARRAY) {
		char e[VO_ERROR_MSG_MAX];

		vo_redis_reply_error(reply, e, sizeof(e));
		out->retry = is_readonly(e);
		rc = vo_error_set(
			err, VO_EUNSUPPORTED, "%s: EXEC: %s: nothing changed", name,
			vo_redis_reply_type(reply) == VO_REDIS_ERROR ? e : "unexpected reply");
	} else {
		char failed[VO_ERROR_MSG_MAX];
		size_t o = 0, nfailed = 0;

		failed[0] = '\0';
		for (size_t i = 0; i < vo_redis_reply_count(reply); i++) {
			const struct vo_redis_reply *e = vo_redis_reply_at(reply, i);

			if (vo_redis_reply_type(e) != VO_REDIS_ERROR)
				continue;
			nfailed++;
			if (o < sizeof(failed))
				o += (size_t)snprintf(failed + o, sizeof(failed) - o, "%s%s (%s)",
						      o ? ", " : "", i < t->n ? t->names[i] : "?",
						      vo_redis_reply_str(e, NULL));
		}
		if (nfailed)
			rc = vo_error_set(err, VO_EUNSUPPORTED,
					  "%s: EXEC applied %zu of %zu commands; failed: %s", name,
					  vo_redis_reply_count(reply) - nfailed,
					  vo_redis_reply_count(reply), failed);
	}
	vo_redis_reply_free(reply);
	return rc;
}

/* Attempts at a transaction whose WATCHed keys change under it. */
#define ATTEMPTS 5

int vo_segstore_publish(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			const char *text, size_t len, unsigned keep,
			struct vo_segstore_outcome *out, struct vo_error *err)
{
	char key[VO_SEGSTORE_KEY_MAX];
	char score[32];
	char stop[16];
	const char *watch[4] = { "WATCH", k->current, k->versions, key };
	const char *range[4] = { "ZREVRANGE", k->versions, "0", stop };
	const char *multi[1] = { "MULTI" };
	const char *set[3] = { "SET", key, text };
	const char *point[3] = { "SET", k->current, version };
	const char *zadd[4] = { "ZADD", k->versions, score, version };
	const char *pub[3] = { "PUBLISH", k->channel, version };
	const char *unwatch[1] = { "UNWATCH" };
	size_t set_lens[3] = { 3, 0, len };
	size_t range_lens[4];
	struct vo_redis_reply *old = NULL;
	struct txn *t = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	keep = keep ? keep : 1;
	vo_segkeys_version(k, version, key, sizeof(key));
	set_lens[1] = strlen(key);
	snprintf(stop, sizeof(stop), "%u", keep + VO_REDIS_TRIM_MAX - 1);
	lens_of(4, range, range_lens);
	rc = require_primary(r, out, err);
	if (rc)
		return rc;
	t = vo_calloc(1, sizeof(*t));
	if (!t)
		return vo_error_nomem(err);
	for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
		unsigned kept = 0;
		bool aborted;

		memset(t, 0, sizeof(*t));
		t->r = r;
		out->removed = 0;
		vo_redis_reply_free(old);
		old = NULL;
		rc = cmd(r, err, 4, watch);
		if (!rc)
			rc = check_type(r, k->current, "string", err);
		if (!rc)
			rc = check_type(r, k->versions, "zset", err);
		if (!rc)
			rc = check_type(r, key, "string", err);
		if (!rc)
			rc = vo_redis_expect(r, VO_REDIS_ARRAY, 4, range, range_lens, &old, err);
		if (rc) {
			struct vo_error ignored;

			if (!vo_redis_broken(r))
				cmd(r, &ignored, 1, unwatch);
			if (!vo_redis_broken(r) && rc == VO_EUNSUPPORTED) {
				char msg[VO_ERROR_MSG_MAX];

				snprintf(msg, sizeof(msg), "%s", err->msg);
				vo_error_set(err, rc, "%s: nothing changed", msg);
			}
			out->retry = vo_redis_broken(r);
			goto out;
		}
		snprintf(score, sizeof(score), "%" PRId64, vo_now_us() / 1000);
		rc = cmd(r, err, 1, multi);
		if (!rc)
			rc = queue(t, 3, set, set_lens, err);
		if (!rc)
			rc = queue_c(t, err, 3, point);
		if (!rc)
			rc = queue_c(t, err, 4, zadd);
		for (size_t i = 0; !rc && i < vo_redis_reply_count(old); i++) {
			size_t vlen;
			const char *v = vo_redis_reply_str(vo_redis_reply_at(old, i), &vlen);
			char vkey[VO_SEGSTORE_KEY_MAX];
			const char *del[2] = { "DEL", vkey };
			const char *zrem[3] = { "ZREM", k->versions, v };
			size_t zrem_lens[3] = { 4, strlen(k->versions), vlen };

			if (vlen == VO_SEGSTORE_VERSION_LEN && !memcmp(v, version, vlen))
				continue; /* the one being published */
			if (kept + 1 < keep) {
				kept++;
				continue;
			}
			/* A member that is not a version is dropped from the set, no key deleted.
			 */
			if (vo_segstore_is_version(v, vlen)) {
				char vz[VO_SEGSTORE_VERSION_LEN + 1];

				memcpy(vz, v, vlen);
				vz[vlen] = '\0';
				vo_segkeys_version(k, vz, vkey, sizeof(vkey));
				rc = queue_c(t, err, 2, del);
			}
			if (!rc)
				rc = queue(t, 3, zrem, zrem_lens, err);
			out->removed++;
		}
		if (!rc)
			rc = queue_c(t, err, 3, pub);
		if (!rc)
			rc = finish(t, "publish", &aborted, out, err);
		if (rc) {
			out->retry = out->retry || vo_redis_broken(r);
			goto out;
		}
		if (!aborted)
			goto out;
	}
	out->removed = 0;
	rc = vo_error_set(err, VO_EUNSUPPORTED,
			  "%s: the keys changed under the publish %d times (other publishes at "
			  "the same time?): nothing changed",
			  vo_redis_name(r), ATTEMPTS);
out:
	if (rc)
		out->removed = 0;
	vo_redis_reply_free(old);
	vo_free(t);
	return rc;
}

int vo_segstore_rollback(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			 vo_segstore_check_fn check, void *ctx, struct vo_segstore_outcome *out,
			 struct vo_error *err)
{
	char key[VO_SEGSTORE_KEY_MAX];
	const char *watch[3] = { "WATCH", key, k->current };
	const char *unwatch[1] = { "UNWATCH" };
	const char *multi[1] = { "MULTI" };
	const char *point[3] = { "SET", k->current, version };
	const char *pub[3] = { "PUBLISH", k->channel, version };
	struct vo_buf text;
	struct txn *t = NULL;
	bool aborted = false;
	int rc;

	memset(out, 0, sizeof(*out));
	vo_buf_init(&text, VO_ARTIFACT_MAX);
	vo_segkeys_version(k, version, key, sizeof(key));
	rc = require_primary(r, out, err);
	if (rc)
		goto out;
	t = vo_calloc(1, sizeof(*t));
	if (!t) {
		rc = vo_error_nomem(err);
		goto out;
	}
	t->r = r;
	rc = cmd(r, err, 3, watch);
	if (!rc)
		rc = check_type(r, k->current, "string", err);
	if (!rc)
		rc = vo_segstore_fetch(r, k, version, &text, err);
	if (!rc && check)
		rc = check(ctx, text.ptr, text.len, err);
	if (rc) {
		struct vo_error ignored;
		if (!vo_redis_broken(r))
			cmd(r, &ignored, 1, unwatch);
		out->retry = vo_redis_broken(r);
		goto out;
	}
	rc = cmd(r, err, 1, multi);
	if (!rc)
		rc = queue_c(t, err, 3, point);
	if (!rc)
		rc = queue_c(t, err, 3, pub);
	if (!rc)
		rc = finish(t, "rollback", &aborted, out, err);
	if (!rc && aborted)
		rc = vo_error_set(err, VO_EUNSUPPORTED,
				  "%s: %s or %s changed during the rollback: nothing changed; try "
				  "again",
				  vo_redis_name(r), key, k->current);
	if (rc)
		out->retry = out->retry || vo_redis_broken(r);
out:
	vo_free(t);
	vo_buf_release(&text);
	return rc;
}

int vo_segstore_current(struct vo_redis *r, const struct vo_segkeys *k, char *version,
			struct vo_error *err)
{
	/* GETRANGE reads a bounded prefix, so a huge value costs nothing. */
	const char *get[4] = { "GETRANGE", k->current, "0", "64" };
	size_t lens[4] = { 8, strlen(k->current), 1, 2 };
	struct vo_redis_reply *reply;
	const char *v;
	size_t len;
	int rc;

	rc = vo_redis_command(r, 4, get, lens, &reply, err);
	if (rc)
		return rc;
	switch (vo_redis_reply_type(reply)) {
	case VO_REDIS_NIL:
		rc = vo_error_set(err, VO_ENOTFOUND, "%s: %s is not set: nothing published yet",
				  vo_redis_name(r), k->current);
		break;
	case VO_REDIS_STRING:
		v = vo_redis_reply_str(reply, &len);
		if (!len) {
			rc = vo_error_set(err, VO_ENOTFOUND,
					  "%s: %s is not set: nothing published yet",
					  vo_redis_name(r), k->current);
		} else if (vo_segstore_is_version(v, len)) {
			memcpy(version, v, len);
			version[len] = '\0';
		} else {
			rc = vo_error_set(err, VO_EFORMAT,
					  "%s: %s does not hold a version (64 hex digits)%s",
					  vo_redis_name(r), k->current,
					  len > VO_SEGSTORE_VERSION_LEN ? ": it is longer" : "");
		}
		break;
	case VO_REDIS_ERROR: {
		char e[VO_ERROR_MSG_MAX];

		vo_redis_reply_error(reply, e, sizeof(e));
		rc = vo_error_set(err,
				  strncmp(e, "WRONGTYPE", 9) == 0 ? VO_EFORMAT : VO_EUNSUPPORTED,
				  "%s: GETRANGE %s: %s", vo_redis_name(r), k->current, e);
		break;
	}
	default:
		rc = vo_error_set(err, VO_EIO, "%s: GETRANGE %s: unexpected reply",
				  vo_redis_name(r), k->current);
		break;
	}
	vo_redis_reply_free(reply);
	return rc;
}

int vo_segstore_fetch(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
		      struct vo_buf *out, struct vo_error *err)
{
	char key[VO_SEGSTORE_KEY_MAX];
	const char *strlen_argv[2] = { "STRLEN", key };
	const char *get[2] = { "GET", key };
	size_t lens[2] = { 6, 0 };
	struct vo_redis_reply *reply = NULL;
	const char *text;
	size_t len;
	long long n;
	int rc;

	vo_buf_reset(out);
	vo_segkeys_version(k, version, key, sizeof(key));
	lens[1] = strlen(key);
	rc = vo_redis_expect(r, VO_REDIS_INTEGER, 2, strlen_argv, lens, &reply, err);
	if (rc == VO_EUNSUPPORTED && strstr(err->msg, "WRONGTYPE"))
		rc = VO_EFORMAT;
	if (rc)
		return rc;
	n = vo_redis_reply_int(reply);
	vo_redis_reply_free(reply);
	reply = NULL;
	if (n <= 0)
		return vo_error_set(err, VO_ENOTFOUND, "%s: %s does not exist", vo_redis_name(r),
				    key);
	if ((unsigned long long)n > VO_ARTIFACT_MAX)
		return vo_error_set(err, VO_ELIMIT, "%s: %s has %lld bytes, more than %u",
				    vo_redis_name(r), key, n, VO_ARTIFACT_MAX);
	lens[0] = 3;
	rc = vo_redis_command(r, 2, get, lens, &reply, err);
	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_NIL) {
		rc = vo_error_set(err, VO_ENOTFOUND, "%s: %s does not exist", vo_redis_name(r),
				  key);
	} else if (vo_redis_reply_type(reply) != VO_REDIS_STRING) {
		char e[VO_ERROR_MSG_MAX] = "not a string";

		if (vo_redis_reply_type(reply) == VO_REDIS_ERROR)
			vo_redis_reply_error(reply, e, sizeof(e));
		rc = vo_error_set(err, VO_EFORMAT, "%s: GET %s: %s", vo_redis_name(r), key, e);
	} else {
		text = vo_redis_reply_str(reply, &len);
		rc = vo_buf_add(out, text, len);
		if (rc)
			rc = vo_error_set(err, rc, "%s: %s: %s", vo_redis_name(r), key,
					  rc == VO_ELIMIT ? "too large" : "out of memory");
	}
	vo_redis_reply_free(reply);
	return rc;
}
