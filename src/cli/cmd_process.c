/*
 * cmd_process.c - `vouch process`, `vouch clean` and `vouch segment`.
 *
 * The three share one option set and one pipeline (pipeline/pipeline.h):
 * process writes the artifact; clean writes the kept rows as CSV plus a
 * small metadata file (OUT.meta.json: sources, selection and quality) so
 * that segment, run on that CSV, reproduces process's artifact exactly.
 */
#include "core/common.h"

#include <cjson/cJSON.h>
#include <getopt.h>

#include "model/artifact.h"
#include "model/value.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/progress.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "ingest/csv.h"
#include "pipeline/pipeline.h"

struct job_args {
	struct vo_strlist inputs;
	struct vo_strlist countries;
	const char *config_path;
	const char *output;
	unsigned threads;    /* -j; 0: one per available core */
	const char *publish; /* --publish URL: Redis to publish the artifact to */
	bool quiet;
	bool help;
};

static const char process_usage[] =
	"usage: vouch process -i INPUT [-i INPUT ...] [-c COUNTRY ...] [--segments-config FILE]\n"
	"                     [-j THREADS] -o segments.json [--publish URL] [-q]\n"
	"\n"
	"Reads order logs (Parquet or CSV files, or folders of them: one dataset), cleans\n"
	"the rows (SPEC section 2), segments the kept ones (section 3) and writes the\n"
	"segments artifact (section 4) atomically: a failed run leaves OUTPUT untouched.\n"
	"\n"
	"  -i, --input PATH           a data file or a folder of data files (repeatable)\n"
	"  -c, --country NAME         a country to keep (repeatable, or comma-separated);\n"
	"                             'all' keeps every country; default Peru\n"
	"      --segments-config FILE segment definitions (JSON) replacing the defaults\n"
	"  -o, --output FILE          where to write the artifact\n"
	"  -j, --threads N            readers per Parquet file (row groups are shared out);\n"
	"                             default: one per available core; 1 uses least memory\n"
	"      --publish URL          then `vouch publish` it to redis://host:port[/db]\n"
	"                             (key prefix from VOUCH_PREFIX, default vouch)\n"
	"  -q, --quiet                no summary on stderr\n"
	"  -h, --help                 show this help\n";

static const char clean_usage[] =
	"usage: vouch clean -i INPUT [-i INPUT ...] [-c COUNTRY ...] -o OUT.csv [-q]\n"
	"\n"
	"The cleaning stage alone: writes the kept rows as CSV (timestamps normalized to\n"
	"UTC, numbers as whole numbers) plus days_since_last_order, and OUT.csv.meta.json\n"
	"with the sources, the selection and the quality figures, so that\n"
	"`vouch segment -i OUT.csv` gives the same artifact as `vouch process`.\n"
	"\n"
	"  -i, --input PATH     a data file or a folder of data files (repeatable)\n"
	"  -c, --country NAME   a country to keep (repeatable); 'all' keeps every country\n"
	"  -o, --output FILE    where to write the CSV\n"
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

enum { OPT_SEGMENTS_CONFIG = 256, OPT_PUBLISH };

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
		case OPT_PUBLISH:
			if (strcmp(cmd, "process") != 0) {
				vo_cli_error(cmd, "option '--publish' is not valid here");
				return VO_EINVAL;
			}
			a->publish = optarg;
			break;
		case 'j': {
			uint64_t n;

			if (!vo_cli_parse_u64(optarg, &n) || n < 1 || n > 256) {
				vo_cli_error(
					cmd,
					"--threads must be a whole number from 1 to 256, not '%s'",
					optarg);
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
	if (!a->inputs.n) {
		vo_cli_error(cmd, "no input: give at least one -i PATH");
		return VO_EINVAL;
	}
	if (!a->output) {
		vo_cli_error(cmd, "no output: give -o FILE");
		return VO_EINVAL;
	}
	return VO_OK;
}

static void job_args_release(struct job_args *a)
{
	vo_strlist_release(&a->inputs);
	vo_strlist_release(&a->countries);
}

/* The human summary of a run, on stderr. */
static void print_summary(const struct vo_artifact *a, const char *output)
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
	for (c = 0; c < a->ncountries; c++) {
		const struct vo_country_table *t = &a->countries[c];

		fprintf(stderr, "%s: %" PRIu64 " rows, fallback voucher ", t->name, t->rows);
		if (t->fallback.has_voucher)
			fprintf(stderr, "%" PRId64 "\n", t->fallback.voucher);
		else
			fprintf(stderr, "none\n");
		for (s = 0; s < a->config.nsegs; s++) {
			const struct vo_segdef *seg = &a->config.segs[s];

			for (b = 0; b < seg->nbuckets; b++) {
				const struct vo_cell *cell = &t->cells[seg->cell_base + b];

				fprintf(stderr, "  %-18s %-10s %8" PRIu64 " rows  voucher ",
					seg->name, seg->buckets[b].name, cell->rows);
				if (cell->has_voucher)
					fprintf(stderr, "%" PRId64 "\n", cell->voucher);
				else
					fprintf(stderr, "- (fallback)\n");
			}
		}
	}
	if (output)
		fprintf(stderr, "wrote %s (version %.12s)\n", output, a->version);
}

/* Loads --segments-config into *cfg when given; *use says whether to use it. */
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

int vo_cmd_process(int argc, char **argv)
{
	struct vo_progress_bar *bar = NULL;
	struct vo_progress progress;
	struct vo_pipeline_options opt;
	struct vo_artifact art;
	struct vo_segconfig cfg;
	struct job_args a;
	struct vo_error err;
	int rc;

	memset(&art, 0, sizeof(art));
	memset(&cfg, 0, sizeof(cfg));
	vo_error_clear(&err);
	rc = parse_args("process", argc, argv, &a, true, true);
	if (rc || a.help)
		goto out;
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
	if (!a.quiet) {
		memset(&progress, 0, sizeof(progress));
		opt.progress = &progress;
		bar = vo_progress_bar_start(&progress);
	}
	rc = vo_pipeline_run(&opt, &art, &err);
	vo_progress_bar_stop(bar);
	if (!rc)
		rc = vo_artifact_write(&art, a.output, &err);
	if (rc) {
		vo_cli_error("process", "%s", err.msg);
		goto out;
	}
	if (!a.quiet)
		print_summary(&art, a.output);
	if (a.publish)
		rc = vo_cli_publish("process", a.output, a.publish, getenv("VOUCH_PREFIX"),
				    VO_REDIS_KEEP_DEFAULT, a.quiet);
out:
	if (a.help)
		fputs(process_usage, stdout);
	vo_artifact_release(&art);
	vo_segconfig_release(&cfg);
	job_args_release(&a);
	return vo_cli_exit_code(rc);
}

/* State of `vouch clean` while rows stream through the pipeline. */
struct clean_out {
	struct vo_atomic_file file;
	struct vo_buf buf;
};

static int flush_clean(struct clean_out *co, struct vo_error *err)
{
	int rc = vo_atomic_write(&co->file, co->buf.ptr, co->buf.len, err);

	vo_buf_reset(&co->buf);
	return rc;
}

static int add_ts(struct vo_buf *b, int64_t us)
{
	char tmp[32];
	size_t n = vo_ts_format(us, tmp);
	int rc = vo_buf_add(b, tmp, n);

	return rc ? rc : vo_buf_addch(b, ',');
}

static int write_clean_batch(void *ctx, const struct vo_batch *batch,
			     const struct vo_clean_rows *rows, const struct vo_cleaner *cleaner,
			     struct vo_error *err)
{
	const struct vo_column *country = &batch->col[VO_COL_COUNTRY];
	struct clean_out *co = ctx;
	int rc = VO_OK;
	size_t i;

	(void)cleaner;
	for (i = 0; i < rows->nrows && !rc; i++) {
		struct vo_str name;

		if (rows->outcome[i] != VO_OUT_KEPT)
			continue;
		/* A kept row always has a string country (the cleaner checked it). */
		name = vo_str_trim(country->values.str[vo_column_slot(country, i)]);
		rc = add_ts(&co->buf, rows->order_us[i]);
		if (!rc)
			rc = vo_csv_append_field(&co->buf, name);
		if (!rc)
			rc = vo_buf_addch(&co->buf, ',');
		if (!rc)
			rc = add_ts(&co->buf, rows->last_us[i]);
		if (!rc)
			rc = add_ts(&co->buf, rows->first_us[i]);
		if (!rc && rows->total[i] >= 0)
			rc = vo_buf_add_i64(&co->buf, rows->total[i]);
		if (!rc)
			rc = vo_buf_addch(&co->buf, ',');
		if (!rc)
			rc = vo_buf_add_i64(&co->buf, rows->voucher[i]);
		if (!rc)
			rc = vo_buf_addch(&co->buf, ',');
		if (!rc)
			rc = vo_buf_add_i64(&co->buf, rows->days[i]);
		if (!rc)
			rc = vo_buf_addch(&co->buf, '\n');
	}
	if (rc)
		return vo_error_set(err, rc, "out of memory");
	if (co->buf.len >= (1u << 20))
		return flush_clean(co, err);
	return VO_OK;
}

static char *meta_path(const char *csv_path)
{
	size_t len = strlen(csv_path) + sizeof(".meta.json");
	char *p = vo_malloc(len);

	if (p)
		snprintf(p, len, "%s.meta.json", csv_path);
	return p;
}

int vo_cmd_clean(int argc, char **argv)
{
	static const char header[] = "timestamp,country_code,last_order_ts,first_order_ts,"
				     "total_orders,voucher_amount,days_since_last_order\n";
	struct vo_pipeline_options opt;
	struct vo_artifact art;
	struct clean_out co;
	struct job_args a;
	struct vo_error err;
	struct vo_buf meta;
	char *mpath = NULL;
	bool open = false;
	int rc;

	memset(&art, 0, sizeof(art));
	vo_error_clear(&err);
	vo_buf_init(&co.buf, SIZE_MAX / 2);
	vo_buf_init(&meta, VO_ARTIFACT_MAX);
	rc = parse_args("clean", argc, argv, &a, true, false);
	if (rc || a.help)
		goto out;
	rc = vo_atomic_open(&co.file, a.output, &err);
	if (rc)
		goto fail;
	open = true;
	rc = vo_buf_add(&co.buf, header, sizeof(header) - 1);
	if (rc) {
		vo_error_set(&err, rc, "out of memory");
		goto fail;
	}
	memset(&opt, 0, sizeof(opt));
	opt.inputs = a.inputs.items;
	opt.ninputs = a.inputs.n;
	opt.countries = a.countries.items;
	opt.ncountries = a.countries.n;
	opt.on_batch = write_clean_batch;
	opt.ctx = &co;
	rc = vo_pipeline_run(&opt, &art, &err);
	if (!rc)
		rc = flush_clean(&co, &err);
	if (!rc) {
		mpath = meta_path(a.output);
		rc = mpath ? vo_artifact_render_clean_meta(&art, &meta) : VO_ENOMEM;
		if (rc)
			vo_error_set(&err, rc, "out of memory");
	}
	if (!rc)
		rc = vo_write_file_atomic(mpath, meta.ptr, meta.len, &err);
	if (rc)
		goto fail;
	open = false;
	rc = vo_atomic_commit(&co.file, &err);
	if (rc)
		goto fail;
	if (!a.quiet) {
		print_summary(&art, NULL);
		fprintf(stderr, "wrote %s and %s\n", a.output, mpath);
	}
	goto out;
fail:
	vo_cli_error("clean", "%s", err.msg);
out:
	if (open)
		vo_atomic_abort(&co.file);
	if (a.help)
		fputs(clean_usage, stdout);
	vo_free(mpath);
	vo_buf_release(&meta);
	vo_buf_release(&co.buf);
	vo_artifact_release(&art);
	job_args_release(&a);
	return vo_cli_exit_code(rc);
}

/* What the .meta.json files of the segment inputs add up to. */
struct meta_sum {
	bool present;		   /* every input had one */
	size_t nfiles;		   /* inputs with one */
	struct vo_quality quality; /* summed */
	struct vo_source *sources; /* concatenated */
	size_t nsources;
	cJSON *countries;	 /* the first file's countries_selected */
	struct vo_strlist names; /* borrowed from countries */
};

static bool json_u64(const cJSON *obj, const char *key, uint64_t *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > 9007199254740992.0)
		return false;
	*out = (uint64_t)n->valuedouble;
	return true;
}

static int read_meta(const char *csv, struct meta_sum *m, struct vo_error *err)
{
	const cJSON *q;
	const cJSON *d;
	const cJSON *s;
	const cJSON *cs;
	cJSON *root = NULL;
	struct vo_buf b;
	char *path = meta_path(csv);
	int rc = VO_OK;
	int i;

	vo_buf_init(&b, VO_ARTIFACT_MAX);
	if (!path)
		return vo_error_set(err, VO_ENOMEM, "out of memory");
	rc = vo_read_file(path, VO_ARTIFACT_MAX, &b, err);
	if (rc == VO_ENOTFOUND) {
		m->present = false;
		rc = VO_OK;
		goto out;
	}
	if (rc)
		goto out;
	root = cJSON_ParseWithLengthOpts(b.ptr ? b.ptr : "", b.len, NULL, false);
	q = cJSON_GetObjectItemCaseSensitive(root, "quality");
	d = cJSON_GetObjectItemCaseSensitive(q, "dropped");
	s = cJSON_GetObjectItemCaseSensitive(root, "sources");
	cs = cJSON_GetObjectItemCaseSensitive(root, "countries_selected");
	if (!root || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "format")) ||
	    strcmp(cJSON_GetObjectItemCaseSensitive(root, "format")->valuestring,
		   VO_CLEAN_META_FORMAT) != 0 ||
	    !cJSON_IsObject(q) || !cJSON_IsObject(d) || !cJSON_IsArray(s) || !cJSON_IsArray(cs)) {
		rc = vo_error_set(err, VO_EFORMAT, "%s: not a vouch clean metadata file", path);
		goto out;
	}
	{
		uint64_t v;

		if (!json_u64(q, "rows_read", &v))
			goto bad;
		m->quality.rows_read += v;
		if (!json_u64(q, "rows_kept", &v))
			goto bad;
		m->quality.rows_kept += v;
		if (!json_u64(q, "missing_total_orders", &v))
			goto bad;
		m->quality.missing_total_orders += v;
		for (i = 0; i < VO_OUT_KEPT; i++) {
			if (!json_u64(d, vo_outcome_name((enum vo_outcome)i), &v))
				goto bad;
			m->quality.dropped[i] += v;
		}
	}
	{
		const cJSON *src;
		size_t n = (size_t)cJSON_GetArraySize(s);
		struct vo_source *ns = vo_reallocarray(m->sources, m->nsources + n, sizeof(*ns));

		if (!ns) {
			rc = vo_error_set(err, VO_ENOMEM, "out of memory");
			goto out;
		}
		m->sources = ns;
		cJSON_ArrayForEach(src, s)
		{
			struct vo_source *o = &m->sources[m->nsources];
			const cJSON *p = cJSON_GetObjectItemCaseSensitive(src, "path");
			const cJSON *h = cJSON_GetObjectItemCaseSensitive(src, "sha256");

			memset(o, 0, sizeof(*o));
			if (!cJSON_IsString(p) || !cJSON_IsString(h) ||
			    strlen(h->valuestring) != 64 || !json_u64(src, "bytes", &o->bytes) ||
			    !json_u64(src, "rows", &o->rows))
				goto bad;
			o->path = vo_strdup(p->valuestring);
			if (!o->path) {
				rc = vo_error_set(err, VO_ENOMEM, "out of memory");
				goto out;
			}
			memcpy(o->sha256, h->valuestring, VO_SHA256_HEX);
			m->nsources++;
		}
	}
	if (!m->countries) {
		const cJSON *c;

		cJSON_ArrayForEach(c, cs)
		{
			if (!cJSON_IsString(c))
				goto bad;
			if (vo_strlist_add(&m->names, c->valuestring, false)) {
				rc = vo_error_set(err, VO_ENOMEM, "out of memory");
				goto out;
			}
		}
		m->countries = root;
		root = NULL;
	} else {
		char *a = cJSON_PrintUnformatted(cs);
		char *b0 = cJSON_PrintUnformatted(
			cJSON_GetObjectItemCaseSensitive(m->countries, "countries_selected"));

		if (!a || !b0 || strcmp(a, b0) != 0)
			rc = vo_error_set(err, VO_EFORMAT,
					  "%s: cleaned with a different country selection than the "
					  "other inputs",
					  path);
		cJSON_free(a);
		cJSON_free(b0);
	}
	m->nfiles++;
	goto out;
bad:
	rc = vo_error_set(err, VO_EFORMAT, "%s: not a vouch clean metadata file", path);
out:
	cJSON_Delete(root);
	vo_buf_release(&b);
	vo_free(path);
	return rc;
}

int vo_cmd_segment(int argc, char **argv)
{
	static const char *const all[] = { "all" };
	struct vo_pipeline_options opt;
	struct vo_artifact art;
	struct vo_segconfig cfg;
	struct meta_sum m;
	struct job_args a;
	struct vo_error err;
	size_t i;
	int rc;

	memset(&art, 0, sizeof(art));
	memset(&cfg, 0, sizeof(cfg));
	memset(&m, 0, sizeof(m));
	vo_error_clear(&err);
	rc = parse_args("segment", argc, argv, &a, false, true);
	if (rc || a.help)
		goto out;
	rc = load_config("segment", &a, &cfg);
	if (rc)
		goto out;
	for (i = 0; i < a.inputs.n && !rc; i++) {
		m.present = true;
		rc = read_meta(a.inputs.items[i], &m, &err);
	}
	if (rc)
		goto fail;
	if (m.nfiles && m.nfiles != a.inputs.n) {
		rc = vo_error_set(
			&err, VO_EFORMAT,
			"some inputs have a .meta.json file and some do not: give all or none");
		goto fail;
	}
	memset(&opt, 0, sizeof(opt));
	opt.inputs = a.inputs.items;
	opt.ninputs = a.inputs.n;
	opt.countries = m.nfiles ? m.names.items : all;
	opt.ncountries = m.nfiles ? m.names.n : 1;
	opt.config = a.config_path ? &cfg : NULL;
	if (m.nfiles && !m.names.n) {
		rc = vo_error_set(&err, VO_EFORMAT, "%s.meta.json: no countries selected",
				  a.inputs.items[0]);
		goto fail;
	}
	rc = vo_pipeline_run(&opt, &art, &err);
	if (rc)
		goto fail;
	if (m.nfiles) {
		if (art.quality.rows_kept != art.quality.rows_read ||
		    art.quality.rows_kept != m.quality.rows_kept) {
			rc = vo_error_set(&err, VO_EFORMAT,
					  "the cleaned rows (%" PRIu64 " read, %" PRIu64
					  " kept) do not match their .meta.json (%" PRIu64
					  " kept): was the CSV edited?",
					  art.quality.rows_read, art.quality.rows_kept,
					  m.quality.rows_kept);
			goto fail;
		}
		art.quality = m.quality;
		for (i = 0; i < art.nsources; i++)
			vo_free(art.sources[i].path);
		vo_free(art.sources);
		art.sources = m.sources;
		art.nsources = m.nsources;
		m.sources = NULL;
		m.nsources = 0;
		rc = vo_artifact_seal(&art);
		if (rc) {
			vo_error_set(&err, rc, "out of memory");
			goto fail;
		}
	}
	rc = vo_artifact_write(&art, a.output, &err);
	if (rc)
		goto fail;
	if (!a.quiet)
		print_summary(&art, a.output);
	goto out;
fail:
	vo_cli_error("segment", "%s", err.msg);
out:
	if (a.help)
		fputs(segment_usage, stdout);
	for (i = 0; i < m.nsources; i++)
		vo_free(m.sources[i].path);
	vo_free(m.sources);
	cJSON_Delete(m.countries);
	vo_strlist_release(&m.names);
	vo_artifact_release(&art);
	vo_segconfig_release(&cfg);
	job_args_release(&a);
	return vo_cli_exit_code(rc);
}
