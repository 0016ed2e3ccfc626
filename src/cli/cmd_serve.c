/*
 * cmd_serve.c - `vouch serve` and `vouch lookup`.
 */
#include "core/common.h"

#include <getopt.h>
#include <unistd.h>

#include "api/router.h"
#include "api/server.h"
#include "api/upgrade.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "core/log.h"
#include "model/value.h"
#include "redis/redis.h"
#include "redis/segstore.h"

static const char serve_usage[] =
	"usage: vouch serve --segments PATH [options]\n"
	"\n"
	"Serves the voucher REST API (POST /voucher, POST /voucher_amount, POST /vouchers,\n"
	"GET /health, /ready, /segments, /metrics, /openapi.json) over a segments artifact,\n"
	"GET /, the dashboard: one HTML page of the loaded artifact, and GET /docs, the\n"
	"API's page.  POST /voucher_amount keeps the proof of concept's contract\n"
	"(docs/MIGRATION.md).\n"
	"SIGHUP, or the file being replaced, reloads it; a broken artifact is refused and\n"
	"the loaded one keeps serving.  SIGTERM or SIGINT stops accepting, finishes the\n"
	"requests in flight and exits 0.  SIGUSR2 upgrades the binary with no downtime:\n"
	"the binary at this one's path (a new version copied there) starts with the same\n"
	"arguments and the listening sockets; once it is ready, this one drains and\n"
	"exits 0 (a new binary that fails leaves this one serving).  Sockets handed in\n"
	"by systemd socket activation (LISTEN_FDS) replace --host and --port.\n"
	"Each option can also come from the environment variable named after it\n"
	"(VOUCH_SEGMENTS, VOUCH_PORT, ..., VOUCH_NO_WATCH=1); a variable is read only\n"
	"when the command line does not give its option.\n"
	"\n"
	"  -s, --segments PATH     the artifact (`vouch process -o PATH`); it may appear later\n"
	"  -s, --segments redis://[user:password@]host:port[/db]\n"
	"  -s, --segments redis-sentinel://[user:password@]host1:port1,host2:port2/MASTER[/db]\n"
	"                          serve the version `vouch publish` made current there, and\n"
	"                          follow each new one (VOUCH_SEGMENTS keeps the password out\n"
	"                          of `ps`); with Sentinel, the primary the sentinels name,\n"
	"                          followed through failovers (the sentinels' own password:\n"
	"                          VOUCH_SENTINEL_PASSWORD, and VOUCH_SENTINEL_USER)\n"
	"      --prefix P          Redis key prefix (default vouch: keys vouch:segments:...)\n"
	"      --max-stale SECONDS /ready answers 503 when Redis was not read for longer\n"
	"                          (default 0: off; the table keeps serving either way)\n"
	"      --host ADDR         address to listen on (default 0.0.0.0)\n"
	"  -p, --port N            port (default 8000; 0 picks a free one, logged)\n"
	"  -t, --threads N         worker threads (default: one per available core)\n"
	"      --as-of TIMESTAMP   reference time for recency (default: now)\n"
	"      --max-body BYTES    body limit of /voucher (default 65536; 413 above)\n"
	"      --max-batch-body BYTES  body limit of /vouchers (default 8388608)\n"
	"      --max-header BYTES  limit of the request line and headers, exactly (default\n"
	"                          8192; 431 past it, 414 when the request line alone is longer)\n"
	"      --timeout SECONDS   close a connection idle this long between requests, or\n"
	"                          before its first byte (default 5)\n"
	"      --header-timeout SECONDS  a whole request head, from its first byte (default\n"
	"                          10); the connection is closed past it\n"
	"      --body-timeout SECONDS  a whole request body, from the end of its head\n"
	"                          (default 30); the connection is closed past it\n"
	"      --write-timeout SECONDS  an answer the client does not read (default 30)\n"
	"      --max-body-memory BYTES  request bodies buffered at once over all\n"
	"                          connections (default 268435456); past it, 503\n"
	"      --max-connections N open connections at most (default 10000, lowered to fit\n"
	"                          ulimit -n); at the limit the connection idle or sending\n"
	"                          its head longest is closed to make room; with none, 503\n"
	"      --max-per-ip N      open connections from one client address (default 1024;\n"
	"                          0: no limit); past it, 503\n"
	"      --no-watch          reload on SIGHUP only, not when the file changes\n"
	"      --keep N            keep the last N artifacts loaded from PATH in\n"
	"                          PATH.versions/ for `vouch rollback` (default 5; 0: none)\n"
	"      --log-level LEVEL   debug, info (default: one access line per request),\n"
	"                          notice (start, stop, reloads), warn, error or off\n"
	"  -h, --help              show this help\n";

static const char lookup_usage[] =
	"usage: vouch lookup --segments PATH [--as-of TIMESTAMP] [--batch] REQUEST\n"
	"\n"
	"Answers one POST /voucher request (or, with --batch, one POST /vouchers\n"
	"request) without a server, through the same code as `vouch serve`, and prints\n"
	"the JSON body.  REQUEST is the JSON text, or - to read it from standard input.\n"
	"Exit code: 0 for a 200 answer, 1 for any other, 2 for a usage error.\n";

enum {
	OPT_HOST = 256,
	OPT_AS_OF,
	OPT_MAX_BODY,
	OPT_MAX_BATCH_BODY,
	OPT_MAX_HEADER,
	OPT_TIMEOUT,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_PER_IP,
	OPT_HEADER_TIMEOUT,
	OPT_BODY_TIMEOUT,
	OPT_WRITE_TIMEOUT,
	OPT_MAX_BODY_MEMORY,
	OPT_NO_WATCH,
	OPT_LOG_LEVEL,
	OPT_BATCH,
	OPT_PREFIX,
	OPT_MAX_STALE,
	OPT_KEEP,
	OPT_END /* one past the last: the size of parse_serve_args()'s given[] */
};

static const struct option serve_options[] = {
	{ "segments", required_argument, NULL, 's' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "port", required_argument, NULL, 'p' },
	{ "threads", required_argument, NULL, 't' },
	{ "as-of", required_argument, NULL, OPT_AS_OF },
	{ "max-body", required_argument, NULL, OPT_MAX_BODY },
	{ "max-batch-body", required_argument, NULL, OPT_MAX_BATCH_BODY },
	{ "max-header", required_argument, NULL, OPT_MAX_HEADER },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS },
	{ "max-per-ip", required_argument, NULL, OPT_MAX_PER_IP },
	{ "header-timeout", required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "body-timeout", required_argument, NULL, OPT_BODY_TIMEOUT },
	{ "write-timeout", required_argument, NULL, OPT_WRITE_TIMEOUT },
	{ "max-body-memory", required_argument, NULL, OPT_MAX_BODY_MEMORY },
	{ "no-watch", no_argument, NULL, OPT_NO_WATCH },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "batch", no_argument, NULL, OPT_BATCH },
	{ "prefix", required_argument, NULL, OPT_PREFIX },
	{ "max-stale", required_argument, NULL, OPT_MAX_STALE },
	{ "keep", required_argument, NULL, OPT_KEEP },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The environment variable of each option that takes a value. */
static const struct {
	int opt;
	const char *env;
} env_names[] = {
	{ 's', "VOUCH_SEGMENTS" },
	{ OPT_HOST, "VOUCH_HOST" },
	{ 'p', "VOUCH_PORT" },
	{ 't', "VOUCH_THREADS" },
	{ OPT_AS_OF, "VOUCH_AS_OF" },
	{ OPT_MAX_BODY, "VOUCH_MAX_BODY" },
	{ OPT_MAX_BATCH_BODY, "VOUCH_MAX_BATCH_BODY" },
	{ OPT_MAX_HEADER, "VOUCH_MAX_HEADER" },
	{ OPT_TIMEOUT, "VOUCH_TIMEOUT" },
	{ OPT_MAX_CONNECTIONS, "VOUCH_MAX_CONNECTIONS" },
	{ OPT_MAX_PER_IP, "VOUCH_MAX_PER_IP" },
	{ OPT_HEADER_TIMEOUT, "VOUCH_HEADER_TIMEOUT" },
	{ OPT_BODY_TIMEOUT, "VOUCH_BODY_TIMEOUT" },
	{ OPT_WRITE_TIMEOUT, "VOUCH_WRITE_TIMEOUT" },
	{ OPT_MAX_BODY_MEMORY, "VOUCH_MAX_BODY_MEMORY" },
	{ OPT_LOG_LEVEL, "VOUCH_LOG_LEVEL" },
	{ OPT_PREFIX, "VOUCH_PREFIX" },
	{ OPT_MAX_STALE, "VOUCH_MAX_STALE" },
	{ OPT_KEEP, "VOUCH_KEEP" },
};

struct serve_args {
	struct vo_server_config cfg;
	char segments_from[64]; /* how --segments was given: the option or the variable */
	char prefix_from[64];	/* same for --prefix */
	enum vo_log_level level;
	bool batch;
	bool help;
};

static int number(const char *cmd, const char *name, const char *v, uint64_t min, uint64_t max,
		  uint64_t *out)
{
	if (!vo_str_to_u64(vo_str_cstr(v), max, out) || *out < min) {
		vo_cli_error(cmd,
			     "%s must be a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'",
			     name, min, max, v);
		return VO_EINVAL;
	}
	return VO_OK;
}

/* Applies one option's value; name is how the user gave it (for messages). */
static int apply(const char *cmd, struct serve_args *a, int opt, const char *name, const char *v)
{
	struct vo_server_config *cfg = &a->cfg;
	uint64_t n = 0;
	int rc = VO_OK;

	switch (opt) {
	case 's':
		cfg->segments = v;
		snprintf(a->segments_from, sizeof(a->segments_from), "%s", name);
		break;
	case OPT_HOST:
		cfg->host = v;
		break;
	case OPT_PREFIX:
		cfg->prefix = v;
		snprintf(a->prefix_from, sizeof(a->prefix_from), "%s", name);
		break;
	case OPT_MAX_STALE:
		rc = number(cmd, name, v, 0, VO_API_MAX_STALE_MAX, &n);
		cfg->api.max_stale_s = (unsigned)n;
		break;
	case 'p':
		rc = number(cmd, name, v, 0, 65535, &n);
		cfg->port = (unsigned)n;
		break;
	case 't':
		rc = number(cmd, name, v, 1, VO_API_THREADS_MAX, &n);
		cfg->threads = (unsigned)n;
		break;
	case OPT_AS_OF:
		if (!vo_ts_parse(vo_str_cstr(v), &cfg->api.as_of_us)) {
			vo_cli_error(cmd, "%s is not a timestamp: '%s'", name, v);
			return VO_EINVAL;
		}
		cfg->api.has_as_of = true;
		break;
	case OPT_MAX_BODY:
		rc = number(cmd, name, v, VO_API_BODY_MIN, VO_API_BODY_MAX, &n);
		cfg->api.max_body = (size_t)n;
		break;
	case OPT_MAX_BATCH_BODY:
		rc = number(cmd, name, v, VO_API_BODY_MIN, VO_API_BODY_MAX, &n);
		cfg->api.max_batch_body = (size_t)n;
		break;
	case OPT_MAX_HEADER:
		rc = number(cmd, name, v, VO_API_HEADER_MIN, VO_API_HEADER_MAX, &n);
		cfg->max_header = (size_t)n;
		break;
	case OPT_TIMEOUT:
		rc = number(cmd, name, v, 1, VO_API_TIMEOUT_MAX, &n);
		cfg->timeout_s = (unsigned)n;
		break;
	case OPT_MAX_CONNECTIONS:
		rc = number(cmd, name, v, 1, VO_API_CONNECTIONS_MAX, &n);
		cfg->max_connections = (unsigned)n;
		break;
	case OPT_MAX_PER_IP:
		rc = number(cmd, name, v, 0, VO_API_PER_IP_MAX, &n);
		cfg->max_per_ip = (unsigned)n;
		break;
	case OPT_HEADER_TIMEOUT:
		rc = number(cmd, name, v, 1, 3600, &n);
		cfg->header_timeout_s = (unsigned)n;
		break;
	case OPT_BODY_TIMEOUT:
		rc = number(cmd, name, v, 1, 3600, &n);
		cfg->body_timeout_s = (unsigned)n;
		break;
	case OPT_WRITE_TIMEOUT:
		rc = number(cmd, name, v, 1, 3600, &n);
		cfg->write_timeout_s = (unsigned)n;
		break;
	case OPT_MAX_BODY_MEMORY:
		rc = number(cmd, name, v, 65536, (uint64_t)1 << 40, &n);
		cfg->max_body_memory = (size_t)n;
		break;
	case OPT_KEEP:
		rc = number(cmd, name, v, 0, VO_FILE_KEEP_MAX, &n);
		cfg->keep = (unsigned)n;
		break;
	case OPT_LOG_LEVEL:
		if (!vo_log_parse_level(v, &a->level)) {
			vo_cli_error(cmd,
				     "%s must be debug, info, notice, warn, error or off, not '%s'",
				     name, v);
			return VO_EINVAL;
		}
		break;
	default:
		break;
	}
	return rc;
}

static const char *option_name(int opt)
{
	for (size_t i = 0; serve_options[i].name; i++)
		if (serve_options[i].val == opt)
			return serve_options[i].name;
	return "?";
}

/*
 * A Redis URL and the key prefix are checked before anything starts, so a
 * typo is a usage error naming the option (or variable) it came from, with
 * the URL's password masked.
 */
static int check_source(const char *cmd, struct serve_args *a)
{
	struct vo_redis_url u;
	struct vo_segkeys keys;
	struct vo_error err;
	int rc;

	vo_error_clear(&err);
	rc = vo_segkeys_init(&keys, a->cfg.prefix, &err);
	if (rc) {
		vo_cli_error(cmd, "%s: %s", a->prefix_from[0] ? a->prefix_from : "--prefix",
			     err.msg);
		return rc;
	}
	if (!vo_redis_is_url(a->cfg.segments))
		return VO_OK;
	rc = vo_redis_url_parse(a->cfg.segments, &u, &err);
	vo_redis_url_wipe(&u);
	if (rc)
		vo_cli_error(cmd, "%s: %s", a->segments_from, err.msg);
	return rc;
}

/* The value of a flag variable (VOUCH_NO_WATCH): 1/true/yes or 0/false/no. */
static int flag_value(const char *cmd, const char *env, const char *v, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < VO_ARRAY_SIZE(yes); i++) {
		if (!strcmp(v, yes[i]) || !strcmp(v, no[i])) {
			*out = !strcmp(v, yes[i]);
			return VO_OK;
		}
	}
	vo_cli_error(cmd, "%s must be 1, true, yes, on, 0, false, no or off, not '%s'", env, v);
	return VO_EINVAL;
}

/*
 * The command line wins over the environment: the options are collected
 * first, then a variable is read (and checked) only for an option the
 * command line does not give, then the options are applied in their order.
 */
static int parse_serve_args(const char *cmd, int argc, char **argv, struct serve_args *a)
{
	bool given[OPT_END];
	struct given_opt {
		int opt;
		const char *value;
	} *opts = NULL;
	size_t nopts = 0;
	bool no_watch = false;
	int c;
	int rc = VO_OK;

	memset(a, 0, sizeof(*a));
	memset(given, 0, sizeof(given));
	vo_server_config_default(&a->cfg);
	a->level = VO_LOG_INFO;
	opts = vo_calloc((size_t)(argc > 0 ? argc : 1), sizeof(*opts));
	if (!opts) {
		vo_cli_error(cmd, "%s", vo_strerror(VO_ENOMEM));
		return VO_ENOMEM;
	}
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:p:t:h", serve_options, NULL)) != -1) {
		switch (c) {
		case 'h':
			a->help = true;
			goto out;
		case OPT_NO_WATCH:
			no_watch = true;
			break;
		case OPT_BATCH:
			a->batch = true;
			break;
		case ':':
			vo_cli_error(cmd, "option '%s' needs a value", argv[optind - 1]);
			rc = VO_EINVAL;
			goto out;
		case '?':
			vo_cli_error(cmd, "unknown option '%s'", argv[optind - 1]);
			rc = VO_EINVAL;
			goto out;
		default:
			if (c >= 0 && (size_t)c < VO_ARRAY_SIZE(given))
				given[c] = true;
			opts[nopts].opt = c;
			opts[nopts].value = optarg;
			nopts++;
			break;
		}
	}
	for (size_t i = 0; i < VO_ARRAY_SIZE(env_names); i++) {
		const char *v = getenv(env_names[i].env);

		if (!v || !*v || given[env_names[i].opt])
			continue;
		rc = apply(cmd, a, env_names[i].opt, env_names[i].env, v);
		if (rc)
			goto out;
	}
	if (!no_watch) {
		const char *v = getenv("VOUCH_NO_WATCH");

		if (v && *v) {
			rc = flag_value(cmd, "VOUCH_NO_WATCH", v, &no_watch);
			if (rc)
				goto out;
		}
	}
	a->cfg.watch = !no_watch;
	for (size_t i = 0; i < nopts; i++) {
		char name[64];

		snprintf(name, sizeof(name), "--%s", option_name(opts[i].opt));
		rc = apply(cmd, a, opts[i].opt, name, opts[i].value);
		if (rc)
			goto out;
	}
	if (!a->cfg.segments) {
		vo_cli_error(cmd, "no artifact: give --segments PATH (or VOUCH_SEGMENTS)");
		rc = VO_EINVAL;
		goto out;
	}
	if (a->cfg.max_body_memory < VO_MAX(a->cfg.api.max_body, a->cfg.api.max_batch_body)) {
		vo_cli_error(cmd,
			     "--max-body-memory (%zu) must be at least the largest body limit "
			     "(--max-body, --max-batch-body: %zu)",
			     a->cfg.max_body_memory,
			     VO_MAX(a->cfg.api.max_body, a->cfg.api.max_batch_body));
		rc = VO_EINVAL;
		goto out;
	}
	rc = check_source(cmd, a);
out:
	vo_free(opts);
	return rc;
}

int vo_cmd_serve(int argc, char **argv)
{
	static struct vo_inherited inherited;
	struct serve_args a;
	struct vo_error err;
	int rc;

	rc = parse_serve_args("serve", argc, argv, &a);
	if (!rc && a.help) {
		fputs(serve_usage, stdout);
		return VO_EXIT_OK;
	}
	if (!rc && (optind < argc || a.batch)) {
		vo_cli_error("serve", "unexpected argument '%s'",
			     optind < argc ? argv[optind] : "--batch");
		rc = VO_EINVAL;
	}
	if (rc) {
		fputs(serve_usage, stderr);
		return VO_EXIT_USAGE;
	}
	vo_log_set_level(a.level);
	vo_error_clear(&err);
	/* Sockets from systemd or from the binary this one upgrades (api/upgrade.h). */
	if (vo_upgrade_inherit(&inherited, &err)) {
		vo_cli_error("serve", "%s", err.msg);
		return VO_EXIT_USAGE;
	}
	a.cfg.listen_fds = inherited.n ? inherited.fds : NULL;
	a.cfg.nlisten = inherited.n;
	a.cfg.ready_fd = inherited.ready_fd;
	/* main() hands over its argv from the subcommand's name on: argv[-1] is
	 * the program as it was started, which an upgrade executes again. */
	a.cfg.argv = argv - 1;
	rc = vo_server_run(&a.cfg, &err);
	if (rc) {
		vo_cli_error("serve", "%s", err.msg);
		return VO_EXIT_DATA;
	}
	return VO_EXIT_OK;
}

int vo_cmd_lookup(int argc, char **argv)
{
	struct serve_args a;
	struct vo_error err;
	struct vo_live *live = NULL;
	struct vo_api api;
	struct vo_table *t = NULL;
	struct vo_http_request req;
	struct vo_http_response resp;
	enum vo_route route;
	struct vo_buf text;
	int rc;

	rc = parse_serve_args("lookup", argc, argv, &a);
	if (!rc && a.help) {
		fputs(lookup_usage, stdout);
		return VO_EXIT_OK;
	}
	if (!rc && optind != argc - 1) {
		vo_cli_error("lookup", "expected exactly one REQUEST (JSON text, or -)");
		rc = VO_EINVAL;
	}
	if (rc) {
		fputs(lookup_usage, stderr);
		return VO_EXIT_USAGE;
	}
	vo_error_clear(&err);
	vo_buf_init(&text, a.cfg.api.max_batch_body);
	if (!strcmp(argv[optind], "-")) {
		rc = vo_read_stream(STDIN_FILENO, "standard input", a.cfg.api.max_batch_body, &text,
				    &err);
		if (rc) {
			vo_cli_error("lookup", "%s", err.msg);
			vo_buf_release(&text);
			return VO_EXIT_DATA;
		}
	}
	rc = vo_table_load(a.cfg.segments, &t, &err);
	if (rc) {
		vo_cli_error("lookup", "%s", err.msg);
		vo_buf_release(&text);
		return VO_EXIT_DATA;
	}
	if (vo_live_create(&live, 1)) {
		vo_cli_error("lookup", "%s", vo_strerror(VO_ENOMEM));
		vo_table_destroy(t);
		vo_buf_release(&text);
		return VO_EXIT_DATA;
	}
	vo_live_swap(live, t);
	memset(&api, 0, sizeof(api));
	api.cfg = a.cfg.api;
	api.live = live;
	api.source = a.cfg.segments;
	api.started_us = vo_now_us();

	memset(&req, 0, sizeof(req));
	req.method = VO_STR_LIT("POST");
	req.path = a.batch ? VO_STR_LIT("/vouchers") : VO_STR_LIT("/voucher");
	req.body = text.ptr ? vo_buf_view(&text) : vo_str_cstr(argv[optind]);
	req.now_us = vo_now_us();
	vo_http_response_init(&resp);
	if (vo_api_precheck(&api, &req, (int64_t)req.body.len, &route, &resp))
		vo_api_handle(&api, 0, route, &req, &resp);
	fwrite(resp.body.ptr ? resp.body.ptr : "", 1, resp.body.len, stdout);
	fputc('\n', stdout);
	rc = resp.status == 200 ? VO_EXIT_OK : VO_EXIT_DATA;
	vo_http_response_release(&resp);
	vo_live_destroy(live);
	vo_buf_release(&text);
	return rc;
}
