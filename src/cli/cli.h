/*
 * cli.h - helpers shared by the subcommands: string lists and messages.
 */
#ifndef VO_CLI_CLI_H
#define VO_CLI_CLI_H

#include "core/common.h"

#include "core/err.h"

/* A growable list of borrowed C strings (argv entries or split parts). */
struct vo_strlist {
	const char **items; /* owned array; the strings are not owned */
	size_t n;
	size_t cap;
	char **owned; /* split copies to free */
	size_t nowned;
};

void vo_strlist_release(struct vo_strlist *l);

/* Appends s, or each comma-separated part of s when split is true. */
int vo_strlist_add(struct vo_strlist *l, const char *s, bool split);

/* Prints "vouch CMD: MESSAGE" to stderr. */
void vo_cli_error(const char *cmd, const char *fmt, ...) VO_PRINTF(2, 3);

/* Maps an error code to the exit code: VO_EINVAL is a usage error, the rest are data errors. */
int vo_cli_exit_code(int rc);

#endif
