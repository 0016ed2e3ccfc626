/*
 * cmd_tools.c - `vouch inspect` and `vouch gen`.
 */
#include "core/common.h"

#include <getopt.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/buf.h"
#include "gen/gen.h"
#include "ingest/parquet.h"
#include "ingest/reader.h"

static const char inspect_usage[] =
	"usage: vouch inspect FILE\n"
	"\n"
	"Describes a data file.  Parquet: schema (physical and logical types, which\n"
	"vouch column each maps to), row groups, and per column chunk the codec,\n"
	"encodings and sizes, and its pages by kind (DATA_PAGE, DATA_PAGE_V2,\n"
	"DICTIONARY_PAGE) and value encoding, read from the page headers.  CSV\n"
	"(plain or gzip-compressed): the columns vouch reads and the row count.\n";

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

static int inspect_csv(const char *path, struct vo_buf *out, struct vo_error *err)
{
	struct vo_reader *r = NULL;
	struct vo_batch batch;
	uint64_t rows = 0;
	int rc;

	rc = vo_reader_open(&r, path, err);
	while (!rc) {
		rc = vo_reader_next(r, &batch, err);
		if (rc || !batch.nrows)
			break;
		rows += batch.nrows;
	}
	vo_reader_destroy(r);
	if (rc)
		return rc;
	return vo_buf_addf(out,
			   "file: %s\nformat: CSV\nrows: %" PRIu64
			   "\ncolumns read: timestamp (or order_ts), country_code, last_order_ts, "
			   "first_order_ts, total_orders, voucher_amount (all as text)\n",
			   path, rows);
}

int vo_cmd_inspect(int argc, char **argv)
{
	struct vo_error err;
	struct vo_buf out;
	enum vo_format fmt;
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(inspect_usage, stdout);
		return VO_EXIT_OK;
	}
	if (argc != 2) {
		vo_cli_error("inspect", "expected exactly one FILE");
		fputs(inspect_usage, stderr);
		return VO_EXIT_USAGE;
	}
	vo_error_clear(&err);
	vo_buf_init(&out, SIZE_MAX / 2);
	rc = vo_detect_format(argv[1], &fmt, &err);
	if (!rc && fmt == VO_FORMAT_PARQUET)
		rc = vo_parquet_inspect(argv[1], &out, &err);
	else if (!rc)
		rc = inspect_csv(argv[1], &out, &err);
	if (rc) {
		if (!err.code)
			vo_error_set(&err, rc, "%s: %s", argv[1], vo_strerror(rc));
		vo_cli_error("inspect", "%s", err.msg);
	} else {
		fwrite(out.ptr, 1, out.len, stdout);
	}
	vo_buf_release(&out);
	return rc ? VO_EXIT_DATA : VO_EXIT_OK;
}

/* Parses a whole decimal number into *out; false on anything else. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || __builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return false;
	}
	*out = v;
	return true;
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
			if (!parse_u64(optarg, &opt.rows)) {
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
			if (!parse_u64(optarg, &opt.seed)) {
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
		return VO_EXIT_DATA;
	}
	return VO_EXIT_OK;
}
