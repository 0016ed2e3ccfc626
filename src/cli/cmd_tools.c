/*
 * cmd_tools.c - `vouch inspect` (data files and partial results) and `vouch gen`.
 */
#include "core/common.h"

#include <getopt.h>
#include <sched.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "core/limits.h"
#include "core/str.h"
#include "gen/gen.h"
#include "ingest/inspect.h"
#include "model/partial.h"

static const char inspect_usage[] =
	"usage: vouch inspect FILE\n"
	"       vouch inspect --scan [-j THREADS] FILE.parquet\n"
	"\n"
	"Describes a data file.  Parquet: schema (physical and logical types, which\n"
	"vouch column each maps to), row groups, and per column chunk the codec,\n"
	"encodings and sizes, and its pages by kind (DATA_PAGE, DATA_PAGE_V2,\n"
	"DICTIONARY_PAGE) and value encoding, read from the page headers.  CSV\n"
	"(plain or gzip-compressed): the columns vouch reads and the row count.  A\n"
	"partial result (vouch process --partial): its job, the units it read, its counts.\n"
	"\n"
	"--scan reads and decompresses every page of the six columns, decoding nothing,\n"
	"with THREADS readers sharing the row groups (default: one per core), and prints\n"
	"the time: the floor under `vouch process` on that file.\n";

static const char gen_usage[] =
	"usage: vouch gen --rows N -o FILE.csv [--seed S]\n"
	"\n"
	"Writes N rows of sample order data with the real data's columns and quirks\n"
	"(string timestamps, \"2.0\"-style totals, empty totals and vouchers, orders\n"
	"before the last order), deterministic for a seed (default 42).\n"
	"\n"
	"  -n, --rows N      rows to write\n"
	"  -o, --output FILE where to write the CSV (atomically)\n"
	"  -s, --seed S      seed of the generator\n"
	"  -h, --help        show this help\n";

/* True when the file at path starts like a partial result (model/partial.h). */
static bool is_partial(const char *path)
{
	static const char magic[] = "vouch-partial/";
	char head[sizeof(magic) - 1];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(head, 1, sizeof(head), f) == sizeof(head) && !memcmp(head, magic, sizeof(head));
	fclose(f);
	return yes;
}

static int inspect_partial(const char *path, struct vo_buf *out, struct vo_error *err)
{
	struct vo_partial p;
	int rc = vo_partial_load(path, &p, err);

	if (!rc)
		rc = vo_partial_describe(&p, out);
	vo_partial_release(&p);
	return rc;
}

int vo_cmd_inspect(int argc, char **argv)
{
	struct vo_error err;
	struct vo_buf out;
	const char *path = NULL;
	unsigned threads = 0;
	bool scan = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		uint64_t n;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(inspect_usage, stdout);
			return VO_EXIT_OK;
		} else if (!strcmp(argv[i], "--scan")) {
			scan = true;
		} else if ((!strcmp(argv[i], "-j") || !strcmp(argv[i], "--threads")) &&
			   i + 1 < argc) {
			if (!vo_str_to_u64(vo_str_cstr(argv[++i]), VO_THREADS_MAX, &n) || n < 1) {
				vo_cli_error("inspect",
					     "--threads must be a whole number from 1 to %d",
					     VO_THREADS_MAX);
				return VO_EXIT_USAGE;
			}
			threads = (unsigned)n;
		} else if (!path && argv[i][0] != '-') {
			path = argv[i];
		} else {
			path = NULL;
			break;
		}
	}
	if (!path) {
		vo_cli_error("inspect", "expected exactly one FILE");
		fputs(inspect_usage, stderr);
		return VO_EXIT_USAGE;
	}
	if (!threads) {
		cpu_set_t set;
		threads = !sched_getaffinity(0, sizeof(set), &set) && CPU_COUNT(&set) > 0
				  ? (unsigned)CPU_COUNT(&set)
				  : 1;
	}
	vo_error_clear(&err);
	vo_buf_init(&out, SIZE_MAX / 2);
	if (scan)
		rc = vo_inspect_scan(path, threads, &out, &err);
	else if (is_partial(path))
		rc = inspect_partial(path, &out, &err);
	else
		rc = vo_inspect(path, &out, &err);
	if (rc) {
		if (!err.code)
			vo_error_set(&err, rc, "%s: %s", path, vo_strerror(rc));
		vo_cli_error("inspect", "%s", err.msg);
	} else {
		fwrite(out.ptr, 1, out.len, stdout);
	}
	vo_buf_release(&out);
	return rc ? VO_EXIT_DATA : VO_EXIT_OK;
}

int vo_cmd_gen(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "output", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vo_gen_options opt = { .rows = 0, .seed = 42 };
	const char *output = NULL;
	bool have_rows = false;
	struct vo_error err;
	int c;
	int rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":n:o:s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!vo_str_to_u64(vo_str_cstr(optarg), UINT64_MAX, &opt.rows)) {
				vo_cli_error("gen", "--rows needs a whole number, not '%s'",
					     optarg);
				return VO_EXIT_USAGE;
			}
			have_rows = true;
			break;
		case 'o':
			output = optarg;
			break;
		case 's':
			if (!vo_str_to_u64(vo_str_cstr(optarg), UINT64_MAX, &opt.seed)) {
				vo_cli_error("gen", "--seed needs a whole number, not '%s'",
					     optarg);
				return VO_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(gen_usage, stdout);
			return VO_EXIT_OK;
		case ':':
			vo_cli_error("gen", "option '%s' needs a value", argv[optind - 1]);
			return VO_EXIT_USAGE;
		default:
			vo_cli_error("gen", "unknown option '%s'", argv[optind - 1]);
			return VO_EXIT_USAGE;
		}
	}
	if (optind < argc || !have_rows || !output) {
		vo_cli_error("gen", "usage: vouch gen --rows N -o FILE.csv [--seed S]");
		return VO_EXIT_USAGE;
	}
	vo_error_clear(&err);
	rc = vo_gen_write_csv(&opt, output, &err);
	if (rc) {
		vo_cli_error("gen", "%s", err.msg);
		return vo_cli_exit_code(rc);
	}
	return VO_EXIT_OK;
}
