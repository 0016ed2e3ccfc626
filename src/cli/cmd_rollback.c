/*
 * cmd_rollback.c - `vouch rollback`: puts an artifact that a file-mode
 * `vouch serve` loaded before back at its path, from the versions the
 * server keeps (model/history.h); the server, watching the path, loads it.
 * The Redis counterpart is `vouch publish --rollback VERSION --to URL`.
 */
#include "core/common.h"

#include <getopt.h>

#include "api/table.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/civil.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "model/history.h"
#include "redis/redis.h"

static const char rollback_usage[] =
	"usage: vouch rollback --segments PATH [--to VERSION] [-q]\n"
	"       vouch rollback --segments PATH --list\n"
	"\n"
	"Puts back at PATH an artifact that `vouch serve --segments PATH` served before,\n"
	"from the last --keep ones it keeps in PATH.versions/: without --to, the one\n"
	"served most recently before the version now at PATH (run it again to return);\n"
	"with --to, any kept version.  The kept file is validated again, then written\n"
	"over PATH atomically, so the running server loads it within moments (send it\n"
	"SIGHUP when it runs with --no-watch).  --list prints the kept versions, newest\n"
	"first.  A Redis source rolls back with `vouch publish --rollback VERSION --to URL`.\n"
	"\n"
	"  -s, --segments PATH     the artifact `vouch serve` serves (default VOUCH_SEGMENTS)\n"
	"      --to VERSION        the version to put back (64 hex digits)\n"
	"      --list              print the kept versions: VERSION, time kept, bytes\n"
	"  -q, --quiet             no message on success\n"
	"  -h, --help              show this help\n";

enum { OPT_TO = 256, OPT_LIST };

/* The version of the artifact at path now, or "" when it is missing or broken. */
static void current_version(const char *path, char *out, size_t n)
{
	struct vo_error err;
	struct vo_table *t = NULL;

	vo_error_clear(&err);
	out[0] = '\0';
	if (!vo_table_load(path, &t, &err))
		snprintf(out, n, "%s", vo_table_version(t));
	vo_table_destroy(t);
}

/* "2026-11-24T01:00:00Z" for us. */
static void rfc3339(int64_t us, char *out, size_t n)
{
	int64_t days = vo_us_to_days(us);
	int64_t in_day = us - days * 86400000000LL;
	int64_t y;
	unsigned m, d;

	vo_civil_from_days(days, &y, &m, &d);
	snprintf(out, n, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		 (unsigned)(in_day / 3600000000LL), (unsigned)(in_day / 60000000LL % 60),
		 (unsigned)(in_day / 1000000 % 60));
}

static void print_list(const struct vo_history_entry *v, size_t n, const char *current)
{
	for (size_t i = 0; i < n; i++) {
		char when[40];

		rfc3339(v[i].kept_us, when, sizeof(when));
		printf("%s  %s  %" PRId64 "%s\n", v[i].version, when, v[i].bytes,
		       strcmp(v[i].version, current) != 0 ? "" : "  (at PATH now)");
	}
}

/* Reads, validates and writes the kept version over path. */
static int put_back(const char *path, const char *dir, const char *version, struct vo_error *err)
{
	struct vo_table *t = NULL;
	struct vo_buf text;
	char *kept = NULL;
	int rc;

	vo_buf_init(&text, VO_ARTIFACT_MAX);
	rc = vo_history_path(dir, version, &kept, err);
	if (!rc)
		rc = vo_read_file(kept, VO_ARTIFACT_MAX, &text, err);
	if (!rc)
		rc = vo_table_parse(text.ptr ? text.ptr : "", text.len, kept, &t, err);
	if (!rc && strcmp(vo_table_version(t), version) != 0)
		rc = vo_error_set(err, VO_EFORMAT,
				  "%s: holds version %s, not the one its name says", kept,
				  vo_table_version(t));
	if (!rc)
		rc = vo_write_file_atomic(path, text.ptr, text.len, err);
	vo_table_destroy(t);
	vo_free(kept);
	vo_buf_release(&text);
	return rc;
}

static int rollback(const char *path, const char *to, bool list, bool quiet)
{
	struct vo_history_entry *v = NULL;
	char current[VO_HISTORY_VERSION_LEN + 1];
	const char *target = NULL;
	struct vo_error err;
	char *dir = NULL;
	size_t n = 0;
	int rc;

	vo_error_clear(&err);
	rc = vo_history_dir(path, &dir, &err);
	if (!rc)
		rc = vo_history_list(dir, &v, &n, &err);
	if (rc)
		goto out;
	current_version(path, current, sizeof(current));
	if (list) {
		print_list(v, n, current);
		if (!n && !quiet)
			fprintf(stderr, "vouch rollback: no artifact kept in %s\n", dir);
		goto out;
	}
	for (size_t i = 0; i < n && !target; i++)
		if (to ? !strcmp(v[i].version, to) : strcmp(v[i].version, current) != 0)
			target = v[i].version;
	if (!target && to) {
		rc = vo_error_set(&err, VO_ENOTFOUND,
				  "version %s is not kept in %s (`vouch rollback --segments %s "
				  "--list` shows the %zu kept)",
				  to, dir, path, n);
		goto out;
	}
	if (!target) {
		rc = vo_error_set(
			&err, VO_ENOTFOUND,
			"no earlier artifact kept in %s: nothing to roll back to (%zu kept%s)", dir,
			n, n ? ", the one at PATH now" : "");
		goto out;
	}
	if (!strcmp(target, current)) {
		if (!quiet)
			fprintf(stderr, "%s already holds version %s: nothing changed\n", path,
				target);
		goto out;
	}
	rc = put_back(path, dir, target, &err);
	if (!rc && !quiet)
		fprintf(stderr, "rolled back %s to version %s (was %s)\n", path, target,
			current[0] ? current : "missing or broken");
out:
	if (rc)
		vo_cli_error("rollback", "%s", err.msg);
	vo_free(v);
	vo_free(dir);
	return rc;
}

int vo_cmd_rollback(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "segments", required_argument, NULL, 's' },
		{ "to", required_argument, NULL, OPT_TO },
		{ "list", no_argument, NULL, OPT_LIST },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("VOUCH_SEGMENTS");
	const char *to = NULL;
	bool list = false;
	bool quiet = false;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case OPT_TO:
			to = optarg;
			break;
		case OPT_LIST:
			list = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(rollback_usage, stdout);
			return VO_EXIT_OK;
		case ':':
			vo_cli_error("rollback", "option '%s' needs a value", argv[optind - 1]);
			goto usage;
		default:
			vo_cli_error("rollback", "unknown option '%s'", argv[optind - 1]);
			goto usage;
		}
	}
	if (optind != argc) {
		vo_cli_error("rollback", "unexpected argument '%s'", argv[optind]);
		goto usage;
	}
	if (!path || !*path) {
		vo_cli_error("rollback", "no artifact: give --segments PATH (or VOUCH_SEGMENTS)");
		goto usage;
	}
	if (vo_redis_is_url(path)) {
		vo_cli_error("rollback", "a Redis source rolls back with `vouch publish --rollback "
					 "VERSION --to URL`");
		goto usage;
	}
	if (to && list) {
		vo_cli_error("rollback", "give --to VERSION or --list, not both");
		goto usage;
	}
	if (to && !vo_history_is_version(to, strlen(to))) {
		vo_cli_error("rollback", "'%s' is not a version (64 lower-case hex digits)", to);
		goto usage;
	}
	return vo_cli_exit_code(rollback(path, to, list, quiet));
usage:
	fputs(rollback_usage, stderr);
	return VO_EXIT_USAGE;
}
