/*
 * segstore.c - the segments key layout in Redis, see segstore.h.
 */
#include "core/common.h"

#include "core/limits.h"
#include "core/log.h"
#include "redis/segstore.h"

#define KEY_MAX (VO_REDIS_PREFIX_MAX + 96)

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

/* One command whose reply only has to be no error; the reply is dropped. */
static int simple(struct vo_redis *r, int argc, const char **argv, const size_t *lens,
		  struct vo_error *err)
{
	struct vo_redis_reply *reply;
	int rc = vo_redis_command(r, argc, argv, lens, &reply, err);

	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_ERROR)
		rc = vo_error_set(err, VO_EIO, "%s: %s: %s", vo_redis_name(r), argv[0],
				  vo_redis_reply_str(reply, NULL));
	vo_redis_reply_free(reply);
	return rc;
}

/* Arguments of one command, all C strings but the one with an explicit length. */
static void lens_of(int argc, const char **argv, size_t *lens)
{
	for (int i = 0; i < argc; i++)
		if (lens[i] == SIZE_MAX)
			lens[i] = strlen(argv[i]);
}

static int cmd(struct vo_redis *r, struct vo_error *err, int argc, const char **argv)
{
	size_t lens[8];

	for (int i = 0; i < argc; i++)
		lens[i] = SIZE_MAX;
	lens_of(argc, argv, lens);
	return simple(r, argc, argv, lens, err);
}

/*
 * EXEC: VO_OK when every queued command succeeded; *aborted when a WATCHed
 * key changed (nil reply).
 */
static int exec(struct vo_redis *r, bool *aborted, struct vo_error *err)
{
	const char *argv[1] = { "EXEC" };
	size_t lens[1] = { 4 };
	struct vo_redis_reply *reply;
	int rc = vo_redis_command(r, 1, argv, lens, &reply, err);

	*aborted = false;
	if (rc)
		return rc;
	if (vo_redis_reply_type(reply) == VO_REDIS_NIL) {
		*aborted = true;
	} else if (vo_redis_reply_type(reply) != VO_REDIS_ARRAY) {
		rc = vo_error_set(err, VO_EIO, "%s: EXEC: %s", vo_redis_name(r),
				  vo_redis_reply_type(reply) == VO_REDIS_ERROR
					  ? vo_redis_reply_str(reply, NULL)
					  : "unexpected reply");
	} else {
		for (size_t i = 0; i < vo_redis_reply_count(reply) && !rc; i++) {
			const struct vo_redis_reply *e = vo_redis_reply_at(reply, i);
			if (vo_redis_reply_type(e) == VO_REDIS_ERROR)
				rc = vo_error_set(err, VO_EIO, "%s: EXEC: %s", vo_redis_name(r),
						  vo_redis_reply_str(e, NULL));
		}
	}
	vo_redis_reply_free(reply);
	return rc;
}

/*
 * Deletes the versions past the newest keep, except the current one.  Runs
 * under WATCH of current and the sorted set, so a concurrent publish or
 * rollback makes it give up (the next publish trims).
 */
static int trim(struct vo_redis *r, const struct vo_segkeys *k, unsigned keep, unsigned *removed,
		struct vo_error *err)
{
	const char *watch[3] = { "WATCH", k->current, k->versions };
	const char *get[2] = { "GET", k->current };
	char start[16];
	const char *range[4] = { "ZREVRANGE", k->versions, start, "-1" };
	size_t get_lens[2] = { 3, strlen(k->current) };
	size_t range_lens[4] = { 9, strlen(k->versions), 0, 2 };
	struct vo_redis_reply *cur = NULL, *old = NULL;
	const char *cur_v = "";
	size_t cur_len = 0;
	bool aborted, queued = false;
	int rc;

	*removed = 0;
	range_lens[2] = (size_t)snprintf(start, sizeof(start), "%u", keep);
	rc = cmd(r, err, 3, watch);
	if (!rc)
		rc = vo_redis_command(r, 2, get, get_lens, &cur, err);
	if (!rc && vo_redis_reply_type(cur) == VO_REDIS_STRING)
		cur_v = vo_redis_reply_str(cur, &cur_len);
	if (!rc)
		rc = vo_redis_expect(r, VO_REDIS_ARRAY, 4, range, range_lens, &old, err);
	if (rc)
		goto out;
	for (size_t i = 0; i < vo_redis_reply_count(old) && !rc; i++) {
		size_t len;
		const char *v = vo_redis_reply_str(vo_redis_reply_at(old, i), &len);
		char key[KEY_MAX];
		const char *del[2] = { "DEL", key };
		const char *zrem[3] = { "ZREM", k->versions, NULL };
		size_t del_lens[2] = { 3, 0 };
		size_t zrem_lens[3] = { 4, strlen(k->versions), len };

		if (len == cur_len && !memcmp(v, cur_v, len))
			continue; /* never the one being served */
		if (!queued) {
			const char *multi[1] = { "MULTI" };
			rc = cmd(r, err, 1, multi);
			queued = true;
		}
		if (rc)
			break;
		/* A member that is not a version is dropped from the set, no key deleted. */
		if (vo_segstore_is_version(v, len)) {
			vo_segkeys_version(k, v, key, sizeof(key));
			del_lens[1] = strlen(key);
			rc = simple(r, 2, del, del_lens, err);
		}
		zrem[2] = v;
		if (!rc)
			rc = simple(r, 3, zrem, zrem_lens, err);
		(*removed)++;
	}
	if (rc)
		goto out;
	if (queued) {
		rc = exec(r, &aborted, err);
		if (!rc && aborted) {
			vo_log(VO_LOG_NOTICE,
			       "%s: versions changed meanwhile; trimming left to the "
			       "next publish",
			       vo_redis_name(r));
			*removed = 0;
		}
	} else {
		const char *unwatch[1] = { "UNWATCH" };
		rc = cmd(r, err, 1, unwatch);
	}
out:
	vo_redis_reply_free(cur);
	vo_redis_reply_free(old);
	return rc;
}

int vo_segstore_publish(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			const char *text, size_t len, unsigned keep, unsigned *removed,
			struct vo_error *err)
{
	char key[KEY_MAX];
	char score[32];
	const char *multi[1] = { "MULTI" };
	const char *set[3] = { "SET", key, text };
	const char *point[3] = { "SET", k->current, version };
	const char *zadd[4] = { "ZADD", k->versions, score, version };
	const char *pub[3] = { "PUBLISH", k->channel, version };
	size_t set_lens[3] = { 3, 0, len };
	bool aborted;
	int rc;

	*removed = 0;
	vo_segkeys_version(k, version, key, sizeof(key));
	set_lens[1] = strlen(key);
	snprintf(score, sizeof(score), "%" PRId64, vo_now_us() / 1000);
	rc = cmd(r, err, 1, multi);
	if (!rc)
		rc = simple(r, 3, set, set_lens, err);
	if (!rc)
		rc = cmd(r, err, 3, point);
	if (!rc)
		rc = cmd(r, err, 4, zadd);
	if (!rc)
		rc = cmd(r, err, 3, pub);
	if (!rc)
		rc = exec(r, &aborted, err);
	if (rc)
		return rc;
	return trim(r, k, keep ? keep : 1, removed, err);
}

int vo_segstore_rollback(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
			 vo_segstore_check_fn check, void *ctx, struct vo_error *err)
{
	char key[KEY_MAX];
	const char *watch[2] = { "WATCH", key };
	const char *unwatch[1] = { "UNWATCH" };
	const char *multi[1] = { "MULTI" };
	const char *point[3] = { "SET", k->current, version };
	const char *pub[3] = { "PUBLISH", k->channel, version };
	struct vo_buf text;
	bool aborted;
	int rc;

	vo_buf_init(&text, VO_ARTIFACT_MAX);
	vo_segkeys_version(k, version, key, sizeof(key));
	rc = cmd(r, err, 2, watch);
	if (rc)
		goto out;
	rc = vo_segstore_fetch(r, k, version, &text, err);
	if (!rc && check)
		rc = check(ctx, text.ptr, text.len, err);
	if (rc) {
		struct vo_error ignored;
		if (rc != VO_EIO)
			cmd(r, &ignored, 1, unwatch);
		goto out;
	}
	rc = cmd(r, err, 1, multi);
	if (!rc)
		rc = cmd(r, err, 3, point);
	if (!rc)
		rc = cmd(r, err, 3, pub);
	if (!rc)
		rc = exec(r, &aborted, err);
	if (!rc && aborted)
		rc = vo_error_set(err, VO_EIO, "%s: %s changed during the rollback; try again",
				  vo_redis_name(r), key);
out:
	vo_buf_release(&text);
	return rc;
}

int vo_segstore_current(struct vo_redis *r, const struct vo_segkeys *k, char *version,
			struct vo_error *err)
{
	const char *get[2] = { "GET", k->current };
	size_t lens[2] = { 3, strlen(k->current) };
	struct vo_redis_reply *reply;
	const char *v;
	size_t len;
	int rc;

	rc = vo_redis_command(r, 2, get, lens, &reply, err);
	if (rc)
		return rc;
	switch (vo_redis_reply_type(reply)) {
	case VO_REDIS_NIL:
		rc = vo_error_set(err, VO_ENOTFOUND, "%s: %s is not set: nothing published yet",
				  vo_redis_name(r), k->current);
		break;
	case VO_REDIS_STRING:
		v = vo_redis_reply_str(reply, &len);
		if (vo_segstore_is_version(v, len)) {
			memcpy(version, v, len);
			version[len] = '\0';
		} else {
			rc = vo_error_set(err, VO_EFORMAT,
					  "%s: %s does not hold a version (64 hex digits)",
					  vo_redis_name(r), k->current);
		}
		break;
	default:
		rc = vo_error_set(err, VO_EIO, "%s: GET %s: %s", vo_redis_name(r), k->current,
				  vo_redis_reply_type(reply) == VO_REDIS_ERROR
					  ? vo_redis_reply_str(reply, NULL)
					  : "unexpected reply");
		break;
	}
	vo_redis_reply_free(reply);
	return rc;
}

int vo_segstore_fetch(struct vo_redis *r, const struct vo_segkeys *k, const char *version,
		      struct vo_buf *out, struct vo_error *err)
{
	char key[KEY_MAX];
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
		rc = vo_error_set(err, VO_EIO, "%s: GET %s: %s", vo_redis_name(r), key,
				  vo_redis_reply_type(reply) == VO_REDIS_ERROR
					  ? vo_redis_reply_str(reply, NULL)
					  : "not a string");
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
