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
	"channel P:segments, in one MULTI/EXEC; then keeps the newest N versions (by\n"
	"publish time) and deletes older ones, never the current one.  Every\n"
	"`vouch serve --segments URL` switches to it within moments.  With --rollback,\n"
	"points current at a version still stored (validated again) and announces it.\n"
	"\n"
	"  URL is redis://[user:password@]host[:port][/db] (port 6379, db 0 by default);\n"
	"  it may come from VOUCH_PUBLISH_TO, which keeps the password out of `ps`.\n"
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

/* Parses the URL and prefix and connects.  VO_EINVAL (usage) or VO_EIO. */
static int open_store(const char *url, const char *prefix, struct vo_redis_url *u,
		      struct vo_segkeys *keys, struct vo_redis **r, struct vo_error *err)
{
	int rc = vo_redis_url_parse(url, u, err);

	if (!rc)
		rc = vo_segkeys_init(keys, prefix, err);
	if (!rc)
		rc = vo_redis_connect(u, r, err);
	vo_redis_url_wipe(u);
	return rc;
}

int vo_cli_publish(const char *cmd, const char *path, const char *url, const char *prefix,
		   unsigned keep, bool quiet)
{
	struct vo_redis_url u;
	struct vo_segkeys keys;
	struct vo_redis *r = NULL;
	struct vo_table *t = NULL;
	struct vo_error err;
	struct vo_buf text;
	unsigned removed = 0;
	int rc;

	vo_error_clear(&err);
	vo_buf_init(&text, VO_ARTIFACT_MAX);
	rc = vo_read_file(path, VO_ARTIFACT_MAX, &text, &err);
	if (!rc)
		rc = vo_table_parse(text.ptr, text.len, path, &t, &err);
	if (!rc)
		rc = open_store(url, prefix && *prefix ? prefix : "vouch", &u, &keys, &r, &err);
	if (!rc)
		rc = vo_segstore_publish(r, &keys, vo_table_version(t), text.ptr, text.len, keep,
					 &removed, &err);
	if (rc)
		vo_cli_error(cmd, "%s", err.msg);
	else if (!quiet)
		fprintf(stderr,
			"published %s as version %s to %s (now current; %u old %s removed)\n", path,
			vo_table_version(t), vo_redis_name(r), removed,
			removed == 1 ? "version" : "versions");
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
	struct vo_error err;
	char key[VO_REDIS_PREFIX_MAX + 96];
	char origin[VO_REDIS_NAME_MAX + VO_REDIS_PREFIX_MAX + 128];
	struct rollback_check check = { origin, version };
	int rc;

	vo_error_clear(&err);
	rc = open_store(url, prefix, &u, &keys, &r, &err);
	if (!rc) {
		vo_segkeys_version(&keys, version, key, sizeof(key));
		snprintf(origin, sizeof(origin), "%s/%s", vo_redis_name(r), key);
		rc = vo_segstore_rollback(r, &keys, version, check_stored, &check, &err);
	}
	if (rc)
		vo_cli_error("publish", "%s", err.msg);
	else if (!quiet)
		fprintf(stderr, "rolled back %s/%s to version %s\n", vo_redis_name(r), keys.current,
			version);
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
