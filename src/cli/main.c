/*
 * main.c - the vouch binary: dispatches to a subcommand of cli/commands.h.
 */
#include "core/common.h"

#include <signal.h>

#include "cli/commands.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
	{ "process", vo_cmd_process }, { "merge", vo_cmd_merge },	{ "clean", vo_cmd_clean },
	{ "segment", vo_cmd_segment }, { "inspect", vo_cmd_inspect },	{ "gen", vo_cmd_gen },
	{ "serve", vo_cmd_serve },     { "lookup", vo_cmd_lookup },	{ "report", vo_cmd_report },
	{ "publish", vo_cmd_publish }, { "rollback", vo_cmd_rollback },
};

int main(int argc, char **argv)
{
	size_t i;

	/*
	 * A write past RLIMIT_FSIZE should fail with EFBIG and a message, not
	 * kill the process: the atomic write then removes its temporary file.
	 */
	signal(SIGXFSZ, SIG_IGN);
	if (argc < 2) {
		vo_cli_usage(stderr);
		return VO_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		vo_cli_usage(stdout);
		return VO_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vouch %s\n", VOUCH_VERSION);
		return VO_EXIT_OK;
	}
	for (i = 0; i < VO_ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vouch: unknown command '%s'\n\n", argv[1]);
	vo_cli_usage(stderr);
	return VO_EXIT_USAGE;
}
