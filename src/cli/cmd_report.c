/*
 * cmd_report.c - `vouch report`: a segments artifact as one self-contained
 * HTML file (the page GET / serves, without the reload poll).
 */
#include "core/common.h"

#include <getopt.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/fileio.h"
#include "core/limits.h"
#include "core/log.h"
#include "model/artifact.h"
#include "report/dashboard.h"

static const char report_usage[] =
	"usage: vouch report -i SEGMENTS.json -o REPORT.html\n"
	"\n"
	"Writes the dashboard of a segments artifact (the page `vouch serve` answers on\n"
	"GET /) as one HTML file with everything inline (CSS, SVG charts, no external\n"
	"resources), to open offline, mail or attach to a wiki: version, build time,\n"
	"sources, the data-quality funnel, and per country each segment's buckets with\n"
	"their most used voucher and a chart of the voucher amounts.  The artifact is\n"
	"validated as `vouch serve` validates it; the output is replaced atomically.\n"
	"\n"
	"  -i, --input FILE   the segments artifact (`vouch process -o FILE`)\n"
	"  -o, --output FILE  where to write the HTML\n"
	"  -h, --help         show this help\n";

int vo_cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vo_dashboard_opts opt = { .now_us = vo_now_us(), .live = false };
	const char *input = NULL, *output = NULL;
	struct vo_artifact a;
	struct vo_buf html;
	struct vo_error err;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			input = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return VO_EXIT_OK;
		case ':':
			vo_cli_error("report", "option '%s' needs a value", argv[optind - 1]);
			fputs(report_usage, stderr);
			return VO_EXIT_USAGE;
		default:
			vo_cli_error("report", "unknown option '%s'", argv[optind - 1]);
			fputs(report_usage, stderr);
			return VO_EXIT_USAGE;
		}
	}
	if (optind < argc || !input || !output) {
		if (optind < argc)
			vo_cli_error("report", "unexpected argument '%s'", argv[optind]);
		else
			vo_cli_error("report",
				     "both -i SEGMENTS.json and -o REPORT.html are needed");
		fputs(report_usage, stderr);
		return VO_EXIT_USAGE;
	}
	vo_error_clear(&err);
	memset(&a, 0, sizeof(a));
	vo_buf_init(&html, VO_API_RESPONSE_MAX);
	rc = vo_output_check(output, &input, 1, NULL, 0, NULL, &err);
	if (rc) {
		vo_buf_release(&html);
		vo_cli_error("report", "%s", err.msg);
		return vo_cli_exit_code(rc);
	}
	rc = vo_artifact_load(input, &a, &err);
	if (!rc) {
		rc = vo_dashboard_render(&a, &opt, &html);
		if (rc)
			vo_error_set(&err, rc, "%s: cannot render the report: %s", output,
				     rc == VO_ELIMIT ? "the page would be larger than "
						       "VO_API_RESPONSE_MAX (64 MiB)"
						     : vo_strerror(rc));
		vo_artifact_release(&a);
	}
	if (!rc)
		rc = vo_write_file_atomic(output, html.ptr, html.len, &err);
	vo_buf_release(&html);
	if (rc) {
		vo_cli_error("report", "%s", err.msg);
		return VO_EXIT_DATA;
	}
	return VO_EXIT_OK;
}
