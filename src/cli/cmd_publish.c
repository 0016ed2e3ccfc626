/*
 * cmd_publish.c - `vouch publish`: a segments artifact into Redis for every
 * `vouch serve --segments redis://...` replica, or a rollback there.  The
 * key layout is redis/segstore.h's.
 */
#include "core/common.h"

#include <getopt.h>

#include "api/table.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "core/str.h"
#include "redis/redis.h"
#include "redis/segstore.h"

static const char publish_usage[] =
	"usage: vouch publish FILE --to URL [--prefix P] [--keep N] [-q]\n"
	"       vouch publish --rollback VERSION --to URL [--prefix P] [-q]\n"
	"\n"
	"Stores a segments artifact in Redis, after validating it completely, under\n"
	"P:segments:VERSION, points P:segments:current at it and announces it on the\n"
	"channel P:segments, in one MULTI/EXEC that also keeps the newest N versions\n"
	"(by publish time) and deletes older ones.  Every\n"
	"`vouch serve --segments URL` switches to it within moments.  With --rollback,\n"
	"points current at a version still stored (validated again) and announces it.\n"
	"\n"
	"  URL is redis://[user:password@]host[:port][/db] (port 6379, db 0 by default)\n"
	"  or redis-sentinel://[user:password@]host1[:port1],host2[:port2]/MASTER[/db]\n"
	"  (sentinel ports 26379): the primary the sentinels name, confirmed with ROLE.\n"
	"  The user and password are the data node's; the sentinels' own come from\n"
	"  VOUCH_SENTINEL_USER and VOUCH_SENTINEL_PASSWORD.  URL may come from\n"
	"  VOUCH_PUBLISH_TO, which keeps the password out of `ps`.  Only a primary is\n"
	"  written to; a publish either happens whole or not at all (exit 1, nothing\n"
	"  changed), and one that loses its connection or primary is retried once.\n"
	"\n"
	"      --to URL            the Redis server\n"
	"      --prefix P          key prefix (default vouch, or VOUCH_PREFIX)\n"
	"      --keep N            versions to keep, 1 to 1000 (default 10)\n"
	"      --rollback VERSION  make a stored version current again\n"
	"  -q, --quiet             no message on success\n"
	"  -h, --help              show this help\n";

enum { OPT_TO = 256, OPT_PREFIX, OPT_KEEP, OPT_ROLLBACK };

/* Validates a stored artifact before a rollback makes it current. */
struct rollback_check {
	const char *origin;  /* redis://.../P:segments:VERSION */
	const char *version; /* the one asked for */
};

static int check_stored(void *ctx, const char *text, size_t len, struct vo_error *err)
{
	const struct rollback_check *c = ctx;
	struct vo_table *t = NULL;
	int rc = vo_table_parse(text, len, c->origin, &t, err);

	if (!rc && strcmp(vo_table_version(t), c->version) != 0)
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s: holds version %s, not the one its key names", c->origin,
				  vo_table_version(t));
	vo_table_destroy(t);
	return rc;
}

/* Parses the URL and the prefix.  VO_EINVAL (usage). */
static int open_args(const char *url, const char *prefix, struct vo_redis_url *u,
		     struct vo_segkeys *keys, struct vo_error *err)
{
	int rc = vo_redis_url_parse(url, u, err);

	if (!rc)
		rc = vo_segkeys_init(keys, prefix && *prefix ? prefix : "vouch", err);
	return rc;
}

/* The server as the success message names it: the URL, and for Sentinel the primary. */
static void describe(const struct vo_redis_url *u, const struct vo_redis *r, char *out, size_t n)
{
	if (u->kind == VO_REDIS_SENTINEL)
		snprintf(out, n, "%s (primary %s)", vo_redis_name(r), vo_redis_addr(r));
	else
		snprintf(out, n, "%s", vo_redis_name(r));
}

/* What one attempt writes: a publish (text) or a rollback (check). */
struct write_job {
	const struct vo_segkeys *keys;
	const char *version;
	const char *text; /* NULL for a rollback */
	size_t len;
	unsigned keep;
	vo_segstore_check_fn check; /* a rollback's */
	void *check_ctx;
};

/*
 * Connects and writes; when the write failed in a way a new connection may
 * fix (the connection lost, READONLY, the node no longer a primary) it
 * connects again, through the sentinels for a Sentinel URL, and tries once
 * more.  Publishing the same version twice is harmless, so the retry is
 * safe even when the first EXEC's outcome is unknown.
 */
static int write_store(const char *cmd, const struct vo_redis_url *u, const struct write_job *job,
		       bool quiet, struct vo_redis **out, struct vo_segstore_outcome *res,
		       struct vo_error *err)
{
	struct vo_redis *r = NULL;
	int rc = VO_OK;

	*out = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		rc = vo_redis_connect(u, -1, &r, err);
		if (rc)
			break;
		if (job->text)
			rc = vo_segstore_publish(r, job->keys, job->version, job->text, job->len,
						 job->keep, res, err);
		else
			rc = vo_segstore_rollback(r, job->keys, job->version, job->check,
						  job->check_ctx, res, err);
		if (!rc || attempt || !res->retry ||
		    (u->kind != VO_REDIS_SENTINEL && !vo_redis_broken(r)))
			break;
		if (!quiet)
			fprintf(stderr, "vouch %s: %s; connecting again to retry once\n", cmd,
				err->msg);
		vo_redis_close(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

int vo_cli_publish(const char *cmd, const char *path, const char *url, const char *prefix,
		   unsigned keep, bool quiet)
{
	struct vo_redis_url u;
	struct vo_segkeys keys;
	struct vo_redis *r = NULL;
	struct vo_table *t = NULL;
	struct vo_segstore_outcome res;
	struct write_job job;
	struct vo_error err;
	struct vo_buf text;
	char where[VO_REDIS_NAME_MAX + VO_REDIS_ADDR_MAX + 16];
	int rc;

	vo_error_clear(&err);
	memset(&u, 0, sizeof(u));
	memset(&res, 0, sizeof(res));
	vo_buf_init(&text, VO_ARTIFACT_MAX);
	rc = open_args(url, prefix, &u, &keys, &err);
	if (!rc)
		rc = vo_read_file(path, VO_ARTIFACT_MAX, &text, &err);
	if (!rc)
		rc = vo_table_parse(text.ptr, text.len, path, &t, &err);
	if (!rc) {
		memset(&job, 0, sizeof(job));
		job.keys = &keys;
		job.version = vo_table_version(t);
		job.text = text.ptr;
		job.len = text.len;
		job.keep = keep;
		rc = write_store(cmd, &u, &job, quiet, &r, &res, &err);
	}
	if (rc) {
		vo_cli_error(cmd, "%s", err.msg);
	} else if (!quiet) {
		describe(&u, r, where, sizeof(where));
		fprintf(stderr,
			"published %s as version %s to %s (now current; %u old %s removed)\n", path,
			vo_table_version(t), where, res.removed,
			res.removed == 1 ? "version" : "versions");
	}
	vo_redis_url_wipe(&u);
	vo_redis_close(r);
	vo_table_destroy(t);
	vo_buf_release(&text);
	return rc;
}

static int rollback(const char *url, const char *prefix, const char *version, bool quiet)
{
	struct vo_redis_url u;
	struct vo_segkeys keys;
	struct vo_redis *r = NULL;
	struct vo_segstore_outcome res;
	struct write_job job;
	struct vo_error err;
	char key[VO_SEGSTORE_KEY_MAX];
	char origin[VO_REDIS_NAME_MAX + VO_SEGSTORE_KEY_MAX + 8];
	char where[VO_REDIS_NAME_MAX + VO_REDIS_ADDR_MAX + 16];
	struct rollback_check check = { origin, version };
	int rc;

	vo_error_clear(&err);
	memset(&u, 0, sizeof(u));
	rc = open_args(url, prefix, &u, &keys, &err);
	if (!rc) {
		vo_segkeys_version(&keys, version, key, sizeof(key));
		snprintf(origin, sizeof(origin), "%s/%s", u.display, key);
		memset(&job, 0, sizeof(job));
		job.keys = &keys;
		job.version = version;
		job.check = check_stored;
		job.check_ctx = &check;
		rc = write_store("publish", &u, &job, quiet, &r, &res, &err);
	}
	if (rc) {
		vo_cli_error("publish", "%s", err.msg);
	} else if (!quiet) {
		describe(&u, r, where, sizeof(where));
		fprintf(stderr, "rolled back %s/%s to version %s\n", where, keys.current, version);
	}
	vo_redis_url_wipe(&u);
	vo_redis_close(r);
	return rc;
}

int vo_cmd_publish(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, OPT_TO },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "keep", required_argument, NULL, OPT_KEEP },
		{ "rollback", required_argument, NULL, OPT_ROLLBACK },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *url = getenv("VOUCH_PUBLISH_TO");
	const char *prefix = getenv("VOUCH_PREFIX");
	const char *version = NULL;
	uint64_t keep = VO_REDIS_KEEP_DEFAULT;
	bool quiet = false;
	int c, rc;

	if (!prefix || !*prefix)
		prefix = "vouch";
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_TO:
			url = optarg;
			break;
		case OPT_PREFIX:
			prefix = optarg;
			break;
		case OPT_KEEP:
			if (!vo_str_to_u64(vo_str_cstr(optarg), VO_REDIS_KEEP_MAX, &keep) ||
			    keep < 1) {
				vo_cli_error("publish",
					     "--keep must be a whole number from 1 to %u, not '%s'",
					     VO_REDIS_KEEP_MAX, optarg);
				goto usage;
			}
			break;
		case OPT_ROLLBACK:
			version = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(publish_usage, stdout);
			return VO_EXIT_OK;
		case ':':
			vo_cli_error("publish", "option '%s' needs a value", argv[optind - 1]);
			goto usage;
		default:
			vo_cli_error("publish", "unknown option '%s'", argv[optind - 1]);
			goto usage;
		}
	}
	if (!url || !*url) {
		vo_cli_error("publish",
			     "no Redis: give --to redis://host:port (or VOUCH_PUBLISH_TO)");
		goto usage;
	}
	if (version && optind != argc) {
		vo_cli_error("publish", "give a FILE or --rollback VERSION, not both");
		goto usage;
	}
	if (!version && optind != argc - 1) {
		vo_cli_error("publish", "give exactly one FILE (or --rollback VERSION)");
		goto usage;
	}
	if (version && !vo_segstore_is_version(version, strlen(version))) {
		vo_cli_error("publish", "'%s' is not a version (64 lower-case hex digits)",
			     version);
		goto usage;
	}
	if (version)
		rc = rollback(url, prefix, version, quiet);
	else
		rc = vo_cli_publish("publish", argv[optind], url, prefix, (unsigned)keep, quiet);
	return vo_cli_exit_code(rc);
usage:
	fputs(publish_usage, stderr);
	return VO_EXIT_USAGE;
}
