/*
 * commands.h - the subcommands of the vouch binary.
 *
 * Each takes the arguments after its name (argv[0] is the subcommand name)
 * and returns the process exit code: 0 done, 1 bad input data or a failed
 * write (the message names the file), 2 usage error.  Messages go to stderr,
 * results to stdout or files.
 */
#ifndef VO_CLI_COMMANDS_H
#define VO_CLI_COMMANDS_H

#include "core/common.h"

enum vo_exit {
	VO_EXIT_OK = 0,
	VO_EXIT_DATA = 1,
	VO_EXIT_USAGE = 2,
};

int vo_cmd_process(int argc, char **argv);
int vo_cmd_merge(int argc, char **argv);
int vo_cmd_clean(int argc, char **argv);
int vo_cmd_segment(int argc, char **argv);
int vo_cmd_inspect(int argc, char **argv);
int vo_cmd_gen(int argc, char **argv);
int vo_cmd_serve(int argc, char **argv);
int vo_cmd_lookup(int argc, char **argv);
int vo_cmd_report(int argc, char **argv);
int vo_cmd_publish(int argc, char **argv);
int vo_cmd_rollback(int argc, char **argv);

/*
 * Validates the artifact file at path and publishes it to the Redis at url
 * under prefix (NULL: "vouch"), keeping keep versions (cli/cmd_publish.c;
 * also `vouch process --publish`).  Prints "vouch CMD: ..." on failure and,
 * unless quiet, one line on success.  Returns a VO_* code.
 */
int vo_cli_publish(const char *cmd, const char *path, const char *url, const char *prefix,
		   unsigned keep, bool quiet);

/* Top-level help text. */
void vo_cli_usage(FILE *out);

#endif
