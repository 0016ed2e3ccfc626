/*
 * cmd_process.c - `vouch process`, `vouch clean` and `vouch segment`.
 *
 * The three share one option set and one pipeline (pipeline/pipeline.h):
 * process writes the artifact (or with --partial one shard's partial
 * result, which `vouch merge`, also here, sums); clean writes the kept rows as CSV plus a
 * small metadata file (OUT.meta.json: sources, selection and quality) so
 * that segment, run on that CSV, reproduces process's artifact exactly.
 */
#include "core/common.h"

#include <getopt.h>
#include <unistd.h>

#include "clean/clean_csv.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "model/artifact.h"
#include "model/clean_meta.h"
#include "model/partial.h"
#include "pipeline/merge.h"
#include "pipeline/pipeline.h"
#include "redis/redis.h"
#include "redis/segstore.h"

struct job_args {
	struct vo_strlist inputs;
	struct vo_strlist countries;
	const char *config_path;
	const char *output;
	unsigned threads;    /* -j; 0: one per available core */
	const char *publish; /* --publish URL: Redis to publish the artifact to */
	bool partial;	     /* --partial: a partial result instead of the artifact */
	uint64_t shard;	     /* --shard I/N */
	uint64_t nshards;    /* 0: no --shard */
	bool quiet;
	bool tables; /* clean --tables: the segment tables in the summary too */
	bool help;
};

static const char process_usage[] =
	"usage: vouch process -i INPUT [-i INPUT ...] [-c COUNTRY ...] [--segments-config FILE]\n"
	"                     [-j THREADS] -o segments.json [--publish URL] [-q]\n"
	"       vouch process --partial [--shard I/N] -i INPUT ... -o PART|- [options]\n"
	"\n"
	"Reads order logs (Parquet or CSV files, or folders of them: one dataset), cleans\n"
	"the rows (SPEC section 2), segments the kept ones (section 3) and writes the\n"
	"segments artifact (section 4) atomically: a failed run leaves OUTPUT untouched.\n"
	"A folder is read recursively (Hive/Spark partition folders), its files in byte\n"
	"order of their paths; names starting with '.' or '_' and *.crc are skipped, any\n"
	"other file that is not *.parquet, *.parq, *.pq, *.parquet.gzip, *.csv or *.csv.gz\n"
	"stops the run.  A pipe, FIFO or /dev/stdin holding CSV (or CSV.gz) is read as it\n"
	"comes; one holding Parquet is refused (Parquet is read by seeking).\n"
	"\n"
	"With --partial, one shard of a job past one machine (docs/SCALING.md): instead\n"
	"of the artifact, a partial result (vouch-partial/1, docs/PARTIAL.md) that\n"
	"`vouch merge` sums with the other shards' into the artifact this command would\n"
	"write over all the inputs.  The job's work units are its files in order, each\n"
	"Parquet row group one unit and each CSV file one; shard I of N (0 <= I < N)\n"
	"reads units [I*U/N, (I+1)*U/N) of the U, and hashes the whole of each file whose\n"
	"first unit it holds.  Every shard must get the same -i, -c and --segments-config.\n"
	"\n"
	"  -i, --input PATH           a data file or a folder of data files (repeatable)\n"
	"  -c, --country NAME         a country to keep (repeatable, or comma-separated);\n"
	"                             'all' keeps every country; default Peru\n"
	"      --segments-config FILE segment definitions (JSON) replacing the defaults\n"
	"  -o, --output FILE          where to write the artifact\n"
	"  -j, --threads N            readers per Parquet file (row groups are shared out);\n"
	"                             default: one per available core (each holds a few MiB\n"
	"                             whatever the file; fewer only leave cores to others)\n"
	"      --publish URL          then `vouch publish` it to redis://host:port[/db] or\n"
	"                             redis-sentinel://host:port,.../MASTER[/db] (default\n"
	"                             VOUCH_PUBLISH, which keeps a password out of `ps`;\n"
	"                             key prefix from VOUCH_PREFIX, default vouch)\n"
	"      --partial              write a partial result to -o (a file, or - for stdout)\n"
	"      --shard I/N            read only shard I of N of the job's work units; without\n"
	"                             --partial the artifact of those units alone (for tests)\n"
	"  -q, --quiet                no summary on stderr\n"
	"  -h, --help                 show this help\n";

static const char merge_usage[] =
	"usage: vouch merge PART [PART ...] -o segments.json [--publish URL] [-q]\n"
	"\n"
	"Sums the partial results of one job (`vouch process --partial`, one per shard,\n"
	"in any order) and writes the segments artifact atomically, the same artifact,\n"
	"version included, that `vouch process` writes over the same inputs and config.\n"
	"Refused (exit 1, naming the part; OUTPUT untouched): a part that is damaged,\n"
	"truncated or of another format version, parts of different jobs (another -c,\n"
	"--segments-config or -i), a work unit read by two parts or by none.\n"
	"\n"
	"  -o, --output FILE          where to write the artifact\n"
	"      --publish URL          then `vouch publish` it, once, to redis://host:port[/db] or\n"
	"                             redis-sentinel://host:port,.../MASTER[/db] (default\n"
	"                             VOUCH_PUBLISH; key prefix from VOUCH_PREFIX, default vouch)\n"
	"  -q, --quiet                no summary on stderr\n"
	"  -h, --help                 show this help\n";

static const char clean_usage[] =
	"usage: vouch clean -i INPUT [-i INPUT ...] [-c COUNTRY ...] -o OUT.csv [--tables] [-q]\n"
	"\n"
	"The cleaning stage alone: writes the kept rows as CSV (timestamps normalized to\n"
	"UTC, numbers as whole numbers) plus days_since_last_order, and OUT.csv.meta.json\n"
	"with the sources, the selection and the quality figures, so that\n"
	"`vouch segment -i OUT.csv` gives the same artifact as `vouch process`.\n"
	"\n"
	"  -i, --input PATH     a data file or a folder of data files (repeatable)\n"
	"  -c, --country NAME   a country to keep (repeatable); 'all' keeps every country\n"
	"  -o, --output FILE    where to write the CSV\n"
	"      --tables         the summary also shows each country's segment tables, as\n"
	"                       `vouch process` prints them (default: rows only)\n"
	"  -q, --quiet          no summary on stderr\n"
	"  -h, --help           show this help\n";

static const char segment_usage[] =
	"usage: vouch segment -i CLEAN.csv [-i CLEAN.csv ...] [--segments-config FILE]\n"
	"                     -o segments.json [-q]\n"
	"\n"
	"Segments rows written by `vouch clean` into a segments artifact.  The quality\n"
	"figures, sources and country selection come from each CLEAN.csv.meta.json when\n"
	"present; without it every row is taken as read and kept, and every country in\n"
	"the file is selected.\n"
	"\n"
	"  -i, --input PATH           a cleaned CSV file (repeatable)\n"
	"      --segments-config FILE segment definitions (JSON) replacing the defaults\n"
	"  -o, --output FILE          where to write the artifact\n"
	"  -q, --quiet                no summary on stderr\n"
	"  -h, --help                 show this help\n";

enum { OPT_SEGMENTS_CONFIG = 256, OPT_PUBLISH, OPT_PARTIAL, OPT_SHARD, OPT_TABLES };

/* "I/N" with 0 <= I < N <= VO_SHARDS_MAX. */
static bool parse_shard(const char *s, uint64_t *i, uint64_t *n)
{
	const char *slash = strchr(s, '/');

	return slash && vo_str_to_u64(vo_str_make(s, (size_t)(slash - s)), VO_SHARDS_MAX, i) &&
	       vo_str_to_u64(vo_str_cstr(slash + 1), VO_SHARDS_MAX, n) && *n >= 1 && *i < *n;
}

/*
 * Checks --publish's URL and VOUCH_PREFIX before the pipeline runs, so a typo
 * costs nothing.  VO_EINVAL with the URL masked.
 */
static int check_publish(const char *cmd, const char *url)
{
	const char *prefix = getenv("VOUCH_PREFIX");
	struct vo_redis_url u;
	struct vo_segkeys keys;
	struct vo_error err;
	int rc;

	vo_error_clear(&err);
	rc = vo_redis_url_parse(url, &u, &err);
	if (!rc)
		rc = vo_segkeys_init(&keys, prefix && *prefix ? prefix : "vouch", &err);
	vo_redis_url_wipe(&u);
	if (rc)
		vo_cli_error(cmd, "--publish: %s", err.msg);
	return rc;
}

static int parse_args(const char *cmd, int argc, char **argv, struct job_args *a, bool countries,
		      bool config)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "country", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ "segments-config", required_argument, NULL, OPT_SEGMENTS_CONFIG },
		{ "threads", required_argument, NULL, 'j' },
		{ "publish", required_argument, NULL, OPT_PUBLISH },
		{ "partial", no_argument, NULL, OPT_PARTIAL },
		{ "shard", required_argument, NULL, OPT_SHARD },
		{ "tables", no_argument, NULL, OPT_TABLES },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:c:o:j:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (vo_strlist_add(&a->inputs, optarg, false))
				return VO_ENOMEM;
			break;
		case 'c':
			if (!countries) {
				vo_cli_error(cmd, "option '-c' is not valid here");
				return VO_EINVAL;
			}
			if (vo_strlist_add(&a->countries, optarg, true))
				return VO_ENOMEM;
			break;
		case 'o':
			a->output = optarg;
			break;
		case OPT_SEGMENTS_CONFIG:
			if (!config) {
				vo_cli_error(cmd, "option '--segments-config' is not valid here");
				return VO_EINVAL;
			}
			a->config_path = optarg;
			break;
		case OPT_PARTIAL:
		case OPT_SHARD:
			if (strcmp(cmd, "process") != 0) {
				vo_cli_error(cmd, "option '%s' is not valid here",
					     c == OPT_PARTIAL ? "--partial" : "--shard");
				return VO_EINVAL;
			}
			if (c == OPT_PARTIAL) {
				a->partial = true;
			} else if (!parse_shard(optarg, &a->shard, &a->nshards)) {
				vo_cli_error(cmd,
					     "--shard must be I/N with whole numbers 0 <= I < N <= "
					     "%d, not '%s'",
					     VO_SHARDS_MAX, optarg);
				return VO_EINVAL;
			}
			break;
		case OPT_PUBLISH:
			if (strcmp(cmd, "process") != 0) {
				vo_cli_error(cmd, "option '--publish' is not valid here");
				return VO_EINVAL;
			}
			a->publish = optarg;
			break;
		case OPT_TABLES:
			if (strcmp(cmd, "clean") != 0) {
				vo_cli_error(cmd, "option '--tables' is not valid here");
				return VO_EINVAL;
			}
			a->tables = true;
			break;
		case 'j': {
			uint64_t n;

			if (!vo_str_to_u64(vo_str_cstr(optarg), VO_THREADS_MAX, &n) || n < 1) {
				vo_cli_error(
					cmd,
					"--threads must be a whole number from 1 to %d, not '%s'",
					VO_THREADS_MAX, optarg);
				return VO_EINVAL;
			}
			a->threads = (unsigned)n;
			break;
		}
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			a->help = true;
			return VO_OK;
		case ':':
			vo_cli_error(cmd, "option '%s' needs a value", argv[optind - 1]);
			return VO_EINVAL;
		default:
			vo_cli_error(cmd, "unknown option '%s'", argv[optind - 1]);
			return VO_EINVAL;
		}
	}
	if (optind < argc) {
		vo_cli_error(cmd, "unexpected argument '%s'", argv[optind]);
		return VO_EINVAL;
	}
	if (a->partial && a->publish) {
		vo_cli_error(cmd, "--publish publishes an artifact: give it to `vouch merge`, "
				  "not to a --partial run");
		return VO_EINVAL;
	}
	if (!a->inputs.n) {
		vo_cli_error(cmd, "no input: give at least one -i PATH");
		return VO_EINVAL;
	}
	if (!a->output) {
		vo_cli_error(cmd, "no output: give -o FILE");
		return VO_EINVAL;
	}
	/* A partial result is not published (its merge is): VOUCH_PUBLISH is the merge's. */
	if (!strcmp(cmd, "process") && !a->publish && !a->partial) {
		const char *env = getenv("VOUCH_PUBLISH");
		if (env && *env)
			a->publish = env;
	}
	return a->publish ? check_publish(cmd, a->publish) : VO_OK;
}

static void job_args_release(struct job_args *a)
{
	vo_strlist_release(&a->inputs);
	vo_strlist_release(&a->countries);
}

/*
 * One segment's accounting under a country: rows in its buckets, outside
 * them, without the field (total_orders), adding up to the country's kept
 * rows, e.g. "frequent_segment: 32348 in buckets + 5078 outside buckets +
 * 3193 missing total_orders = 40619 kept".
 */
static void print_segment_sum(const struct vo_artifact *a, const struct vo_country_table *t,
			      size_t s)
{
	const struct vo_segdef *seg = &a->config.segs[s];
	uint64_t in = 0;
	uint64_t outside;
	uint64_t missing;

	for (size_t b = 0; b < seg->nbuckets; b++)
		in += t->cells[seg->cell_base + b].rows;
	/* The segmenter's per-country figure; the file's sum when read from one country. */
	outside = t->outside ? t->outside[s] : a->outside[s];
	missing = t->rows - VO_MIN(t->rows, in + outside);
	fprintf(stderr, "  %s: %" PRIu64 " in buckets + %" PRIu64 " outside buckets", seg->name, in,
		outside);
	if (seg->field == VO_FIELD_TOTAL_ORDERS)
		fprintf(stderr, " + %" PRIu64 " missing total_orders", missing);
	else if (missing)
		fprintf(stderr, " + %" PRIu64 " not counted",
			missing); /* never, as kept rows have the date */
	fprintf(stderr, " = %" PRIu64 " kept\n", in + outside + missing);
}

/* The human summary of a run, on stderr; tables adds each country's tables. */
static void print_summary(const struct vo_artifact *a, const char *output, bool tables)
{
	const struct vo_quality *q = &a->quality;
	size_t c;
	size_t s;
	size_t b;
	int i;

	fprintf(stderr,
		"rows read %" PRIu64 ", kept %" PRIu64 " (missing total_orders %" PRIu64
		"), from %zu file%s\n",
		q->rows_read, q->rows_kept, q->missing_total_orders, a->nsources,
		a->nsources == 1 ? "" : "s");
	for (i = 0; i < VO_OUT_KEPT; i++)
		if (q->dropped[i])
			fprintf(stderr, "  dropped %-30s %" PRIu64 "\n",
				vo_outcome_name((enum vo_outcome)i), q->dropped[i]);
	for (c = 0; tables && c < a->ncountries; c++) {
		const struct vo_country_table *t = &a->countries[c];

		fprintf(stderr, "%s: %" PRIu64 " rows kept, fallback voucher ", t->name, t->rows);
		if (t->fallback.has_voucher)
			fprintf(stderr, "%" PRId64 "\n", t->fallback.voucher);
		else
			fprintf(stderr, "none (no kept rows: an empty bucket answers 404)\n");
		for (s = 0; s < a->config.nsegs; s++) {
			const struct vo_segdef *seg = &a->config.segs[s];

			print_segment_sum(a, t, s);
			for (b = 0; b < seg->nbuckets; b++) {
				const struct vo_cell *cell = &t->cells[seg->cell_base + b];

				fprintf(stderr, "    %-12s %8" PRIu64 " rows  voucher ",
					seg->buckets[b].name, cell->rows);
				if (cell->has_voucher)
					fprintf(stderr, "%" PRId64 "\n", cell->voucher);
				else if (t->fallback.has_voucher)
					fprintf(stderr, "%" PRId64 " (fallback)\n",
						t->fallback.voucher);
				else
					fprintf(stderr, "none\n");
			}
		}
	}
	if (output)
		fprintf(stderr, "wrote %s (version %s)\n", output, a->version);
}

/* Loads --segments-config into *cfg when given (else leaves it empty). */
static int load_config(const char *cmd, const struct job_args *a, struct vo_segconfig *cfg)
{
	struct vo_error err;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!a->config_path)
		return VO_OK;
	vo_error_clear(&err);
	rc = vo_segconfig_load(cfg, a->config_path, &err);
	if (rc)
		vo_cli_error(cmd, "%s", err.msg);
	return rc;
}

/* Writes a partial result to path, or to stdout for "-" (all of it, after the run). */
static int write_partial(struct vo_partial *p, const char *path, size_t *bytes,
			 struct vo_error *err)
{
	struct vo_buf b;
	int rc;

	vo_buf_init(&b, VO_PARTIAL_MAX);
	rc = vo_partial_render(p, &b);
	if (rc)
		vo_error_set(err, rc, "cannot render the partial result: %s", vo_strerror(rc));
	else if (!strcmp(path, "-"))
		rc = vo_write_fd_all(STDOUT_FILENO, "standard output", b.ptr, b.len, err);
	else
		rc = vo_write_file_atomic(path, b.ptr, b.len, err);
	*bytes = b.len;
	vo_buf_release(&b);
	return rc;
}

/* The summary of a --partial run, on stderr. */
static void print_partial_summary(const struct vo_partial *p, const char *output, size_t bytes)
{
	uint64_t units = 0;
	size_t i;

	for (i = 0; i < p->nsources; i++)
		units += p->sources[i].count;
	fprintf(stderr,
		"shard %" PRIu64 "/%" PRIu64 ": %" PRIu64
		" work unit%s of %zu file%s, rows read %" PRIu64 ", kept %" PRIu64 "\n",
		p->shard, p->nshards, units, units == 1 ? "" : "s", p->nsources,
		p->nsources == 1 ? "" : "s", p->quality.rows_read, p->quality.rows_kept);
	if (strcmp(output, "-") != 0)
		fprintf(stderr, "wrote %s (%zu bytes)\n", output, bytes);
}

int vo_cmd_process(int argc, char **argv)
{
	struct vo_progress_bar *bar = NULL;
	struct vo_progress progress;
	struct vo_pipeline_options opt;
	struct vo_partial part;
	struct vo_artifact art;
	struct vo_segconfig cfg;
	struct job_args a;
	struct vo_error err;
	size_t bytes = 0;
	int rc;

	memset(&art, 0, sizeof(art));
	memset(&part, 0, sizeof(part));
	memset(&cfg, 0, sizeof(cfg));
	vo_error_clear(&err);
	rc = parse_args("process", argc, argv, &a, true, true);
	if (rc || a.help)
		goto out;
	if (!a.partial && !strcmp(a.output, "-")) {
		vo_cli_error("process", "-o - (standard output) is for --partial; give -o FILE");
		rc = VO_EINVAL;
		goto out;
	}
	rc = load_config("process", &a, &cfg);
	if (rc)
		goto out;
	memset(&opt, 0, sizeof(opt));
	opt.inputs = a.inputs.items;
	opt.ninputs = a.inputs.n;
	opt.countries = a.countries.items;
	opt.ncountries = a.countries.n;
	opt.config = a.config_path ? &cfg : NULL;
	opt.threads = a.threads;
	opt.shard = a.shard;
	opt.nshards = a.nshards;
	opt.outputs = &a.output;
	opt.noutputs = strcmp(a.output, "-") ? 1 : 0; /* "-": standard output */
	opt.also_read = &a.config_path;
	opt.nalso_read = a.config_path ? 1 : 0;
	if (!a.quiet) {
		memset(&progress, 0, sizeof(progress));
		opt.progress = &progress;
		bar = vo_progress_bar_start(&progress);
	}
	if (a.partial)
		rc = vo_pipeline_run_partial(&opt, &part, &err);
	else
		rc = vo_pipeline_run(&opt, &art, &err);
	vo_progress_bar_stop(bar);
	if (!rc && a.partial)
		rc = write_partial(&part, a.output, &bytes, &err);
	else if (!rc)
		rc = vo_artifact_write(&art, a.output, &err);
	if (rc) {
		vo_cli_error("process", "%s", err.msg);
		goto out;
	}
	if (!a.quiet && a.partial)
		print_partial_summary(&part, a.output, bytes);
	else if (!a.quiet)
		print_summary(&art, a.output, true);
	if (a.publish)
		rc = vo_cli_publish("process", a.output, a.publish, getenv("VOUCH_PREFIX"),
				    VO_REDIS_KEEP_DEFAULT, a.quiet);
out:
	if (a.help)
		fputs(process_usage, stdout);
	vo_partial_release(&part);
	vo_artifact_release(&art);
	vo_segconfig_release(&cfg);
	job_args_release(&a);
	return vo_cli_exit_code(rc);
}

int vo_cmd_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "publish", required_argument, NULL, OPT_PUBLISH },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	const char *publish = NULL;
	struct vo_artifact art;
	struct vo_error err;
	bool quiet = false;
	int rc = VO_OK;
	int c;

	memset(&art, 0, sizeof(art));
	vo_error_clear(&err);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case OPT_PUBLISH:
			publish = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return VO_EXIT_OK;
		case ':':
			vo_cli_error("merge", "option '%s' needs a value", argv[optind - 1]);
			return VO_EXIT_USAGE;
		default:
			vo_cli_error("merge", "unknown option '%s'", argv[optind - 1]);
			return VO_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		vo_cli_error("merge", "no parts: give the partial results to merge");
		return VO_EXIT_USAGE;
	}
	if (!output) {
		vo_cli_error("merge", "no output: give -o FILE");
		return VO_EXIT_USAGE;
	}
	if (!publish) {
		const char *env = getenv("VOUCH_PUBLISH");

		if (env && *env)
			publish = env;
	}
	if (publish && check_publish("merge", publish))
		return VO_EXIT_USAGE;
	/* The output must not replace a part (or be a device, a FIFO): checked before reading. */
	rc = vo_output_check(output, (const char *const *)argv + optind, (size_t)(argc - optind),
			     NULL, 0, NULL, &err);
	if (!rc)
		rc = vo_merge_run((const char *const *)argv + optind, (size_t)(argc - optind), &art,
				  &err);
	if (!rc)
		rc = vo_artifact_write(&art, output, &err);
	if (rc) {
		vo_cli_error("merge", "%s", err.msg);
		goto out;
	}
	if (!quiet) {
		fprintf(stderr, "merged %d part%s\n", argc - optind, argc - optind == 1 ? "" : "s");
		print_summary(&art, output, true);
	}
	if (publish)
		rc = vo_cli_publish("merge", output, publish, getenv("VOUCH_PREFIX"),
				    VO_REDIS_KEEP_DEFAULT, quiet);
out:
	vo_artifact_release(&art);
	return vo_cli_exit_code(rc);
}

int vo_cmd_clean(int argc, char **argv)
{
	struct vo_pipeline_options opt;
	struct vo_artifact art;
	struct vo_clean_csv csv;
	struct job_args a;
	struct vo_error err;
	const char *outputs[2];
	char *mpath = NULL;
	bool open = false;
	int rc;

	memset(&art, 0, sizeof(art));
	vo_error_clear(&err);
	rc = parse_args("clean", argc, argv, &a, true, false);
	if (rc || a.help)
		goto out;
	mpath = vo_clean_meta_path(a.output);
	if (!mpath) {
		rc = vo_error_nomem(&err);
		goto fail;
	}
	outputs[0] = a.output;
	outputs[1] = mpath;
	rc = vo_clean_csv_open(&csv, a.output, &err);
	if (rc)
		goto fail;
	open = true;
	memset(&opt, 0, sizeof(opt));
	opt.inputs = a.inputs.items;
	opt.ninputs = a.inputs.n;
	opt.countries = a.countries.items;
	opt.ncountries = a.countries.n;
	opt.on_batch = vo_clean_csv_add;
	opt.ctx = &csv;
	opt.outputs = outputs;
	opt.noutputs = VO_ARRAY_SIZE(outputs);
	rc = vo_pipeline_run(&opt, &art, &err);
	if (!rc)
		rc = vo_clean_csv_flush(&csv, &err);
	if (!rc)
		rc = vo_clean_meta_write(&art, mpath, &err);
	if (rc)
		goto fail;
	open = false;
	rc = vo_clean_csv_commit(&csv, &err);
	if (rc)
		goto fail;
	if (!a.quiet) {
		print_summary(&art, NULL, a.tables);
		fprintf(stderr, "wrote %s and %s\n", a.output, mpath);
	}
	goto out;
fail:
	vo_cli_error("clean", "%s", err.msg);
out:
	if (open)
		vo_clean_csv_abort(&csv);
	if (a.help)
		fputs(clean_usage, stdout);
	vo_free(mpath);
	vo_artifact_release(&art);
	job_args_release(&a);
	return vo_cli_exit_code(rc);
}

/* Owned paths: what `vouch segment` reads besides its inputs. */
struct pathlist {
	char **items;
	size_t n;
};

static void pathlist_release(struct pathlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		vo_free(l->items[i]);
	vo_free(l->items);
	memset(l, 0, sizeof(*l));
}

/* The segments config and every input's .meta.json (read when present). */
static int segment_also_read(const struct job_args *a, struct pathlist *l, struct vo_error *err)
{
	size_t i;

	l->items = vo_calloc(a->inputs.n + 1, sizeof(*l->items));
	if (!l->items)
		return vo_error_nomem(err);
	for (i = 0; i < a->inputs.n; i++) {
		l->items[l->n] = vo_clean_meta_path(a->inputs.items[i]);
		if (!l->items[l->n])
			return vo_error_nomem(err);
		l->n++;
	}
	if (a->config_path) {
		l->items[l->n] = vo_strdup(a->config_path);
		if (!l->items[l->n])
			return vo_error_nomem(err);
		l->n++;
	}
	return VO_OK;
}

int vo_cmd_segment(int argc, char **argv)
{
	static const char *const all[] = { "all" };
	struct vo_pipeline_options opt;
	struct vo_clean_meta meta;
	struct vo_artifact art;
	struct vo_segconfig cfg;
	struct pathlist reads;
	struct job_args a;
	struct vo_error err;
	int rc;

	memset(&art, 0, sizeof(art));
	memset(&cfg, 0, sizeof(cfg));
	memset(&meta, 0, sizeof(meta));
	memset(&reads, 0, sizeof(reads));
	vo_error_clear(&err);
	rc = parse_args("segment", argc, argv, &a, false, true);
	if (rc || a.help)
		goto out;
	rc = load_config("segment", &a, &cfg);
	if (rc)
		goto out;
	rc = vo_clean_meta_load_inputs(a.inputs.items, a.inputs.n, &meta, &err);
	if (rc)
		goto fail;
	memset(&opt, 0, sizeof(opt));
	opt.inputs = a.inputs.items;
	opt.ninputs = a.inputs.n;
	/* Without metadata every row was kept, and every country in the files is selected. */
	opt.countries = meta.nfiles ? (const char *const *)meta.countries : all;
	opt.ncountries = meta.nfiles ? meta.ncountries : 1;
	opt.config = a.config_path ? &cfg : NULL;
	opt.outputs = &a.output;
	opt.noutputs = strcmp(a.output, "-") ? 1 : 0; /* "-": standard output */
	rc = segment_also_read(&a, &reads, &err);
	if (rc)
		goto fail;
	opt.also_read = (const char *const *)reads.items;
	opt.nalso_read = reads.n;
	rc = vo_pipeline_run(&opt, &art, &err);
	if (!rc && meta.nfiles)
		rc = vo_clean_meta_apply(&meta, &art, &err);
	if (!rc)
		rc = vo_artifact_write(&art, a.output, &err);
	if (rc)
		goto fail;
	if (!a.quiet)
		print_summary(&art, a.output, true);
	goto out;
fail:
	vo_cli_error("segment", "%s", err.msg);
out:
	if (a.help)
		fputs(segment_usage, stdout);
	vo_clean_meta_release(&meta);
	pathlist_release(&reads);
	vo_artifact_release(&art);
	vo_segconfig_release(&cfg);
	job_args_release(&a);
	return vo_cli_exit_code(rc);
}
