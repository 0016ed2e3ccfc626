/*
 * cli.c - top-level help and helpers shared by the subcommands.
 */
#include "core/common.h"

#include "cli/cli.h"
#include "cli/commands.h"
#include "core/alloc.h"

void vo_cli_usage(FILE *out)
{
	fputs("usage: vouch <command> [options]\n"
	      "\n"
	      "Voucher segmentation: turns an order log into the segment -> most used voucher\n"
	      "table (a versioned JSON artifact).\n"
	      "\n"
	      "commands:\n"
	      "  process   read, clean and segment order logs into a segments artifact\n"
	      "  merge     sum the partial results of a job's shards into the artifact\n"
	      "  clean     the cleaning stage alone: kept rows as CSV\n"
	      "  segment   segment cleaned CSV rows into a segments artifact\n"
	      "  inspect   describe a Parquet or CSV file (schema, row groups, encodings)\n"
	      "  gen       write sample order data with the real data's shape\n"
	      "  serve     the voucher REST API over a segments artifact\n"
	      "  lookup    answer one voucher request from the command line\n"
	      "  report    the dashboard of a segments artifact as one HTML file\n"
	      "  publish   store a segments artifact in Redis for every API replica\n"
	      "  rollback  put back an artifact `vouch serve` served before (file mode)\n"
	      "\n"
	      "options:\n"
	      "  -h, --help       show this help (and `vouch COMMAND --help` for a command)\n"
	      "  -V, --version    show the version\n"
	      "\n"
	      "exit codes: 0 done, 1 bad input data or failed write, 2 usage error\n",
	      out);
}

void vo_strlist_release(struct vo_strlist *l)
{
	size_t i;

	for (i = 0; i < l->nowned; i++)
		vo_free(l->owned[i]);
	vo_free(l->owned);
	vo_free(l->items);
	memset(l, 0, sizeof(*l));
}

static int push(struct vo_strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		const char **ni = vo_reallocarray(l->items, ncap, sizeof(*ni));

		if (!ni)
			return VO_ENOMEM;
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n++] = s;
	return VO_OK;
}

int vo_strlist_add(struct vo_strlist *l, const char *s, bool split)
{
	const char *p = s;

	if (!split || !strchr(s, ','))
		return push(l, s);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char **no;
		char *part;

		part = vo_strndup(p, len);
		if (!part)
			return VO_ENOMEM;
		no = vo_reallocarray(l->owned, l->nowned + 1, sizeof(*no));
		if (!no) {
			vo_free(part);
			return VO_ENOMEM;
		}
		l->owned = no;
		l->owned[l->nowned++] = part;
		if (push(l, part))
			return VO_ENOMEM;
		if (!comma)
			break;
		p = comma + 1;
	}
	return VO_OK;
}

void vo_cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vouch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vo_cli_exit_code(int rc)
{
	if (rc == VO_OK)
		return VO_EXIT_OK;
	return rc == VO_EINVAL ? VO_EXIT_USAGE : VO_EXIT_DATA;
}
