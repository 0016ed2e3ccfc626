/*
 * err.h - error details for the caller.
 *
 * A function that can fail for reasons a user must hear about takes a
 * struct vo_error *err and, on failure, fills it and returns the same
 * negative code it stores in err->code.  The message is one line in git's
 * style ("lower-case, what failed first, subject quoted") and already names
 * the file, row and column where they are known, so the CLI can print it as
 * it is.  No global error state exists.
 */
#ifndef VO_CORE_ERR_H
#define VO_CORE_ERR_H

#include "core/common.h"

#define VO_ERROR_MSG_MAX 512

struct vo_error {
	int code;		    /* VO_OK or a negative enum vo_status */
	char msg[VO_ERROR_MSG_MAX]; /* the full one-line message, NUL-terminated */
};

/* Resets err to "no error".  err may be NULL. */
void vo_error_clear(struct vo_error *err);

/* The va_list forms behind vo_error_set() and vo_error_at(). */
void vo_error_vset(struct vo_error *err, int code, const char *fmt, va_list ap);
void vo_error_vat(struct vo_error *err, int code, const char *path, uint64_t row,
		  const char *column, const char *fmt, va_list ap);

/*
 * Formats a message into err and returns code, so a failing site can write
 * "return vo_error_set(err, VO_EFORMAT, ...)".  err may be NULL, in which
 * case only code is returned.  The message is truncated to fit.  (Inline so
 * that static analyzers, which see one file at a time, know the result is
 * code.)
 */
static inline VO_PRINTF(3, 4) int vo_error_set(struct vo_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vo_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * Like vo_error_set(), for problems inside a data file: the message starts
 * with "PATH: " and, when row is not 0, "row ROW: ", and when column is not
 * NULL, "column 'COLUMN': ".  Rows count from 1 as a user counts them.
 */
static inline VO_PRINTF(6, 7) int vo_error_at(struct vo_error *err, int code, const char *path,
					      uint64_t row, const char *column, const char *fmt,
					      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vo_error_vat(err, code, path, row, column, fmt, ap);
	va_end(ap);
	return code;
}

/*
 * The one "out of memory" message: sets it (VO_ENOMEM) and returns
 * VO_ENOMEM.  vo_error_nomem_in() names what was being done or read:
 * "SUBJECT: out of memory" (subject NULL gives the bare message).
 */
int vo_error_nomem(struct vo_error *err);
int vo_error_nomem_in(struct vo_error *err, const char *subject);

/* Prefixes the existing message with "PREFIX: " (used to add a file name). */
void vo_error_prefix(struct vo_error *err, const char *prefix);

/* A static, lower-case description of an enum vo_status value. */
const char *vo_strerror(int code);

#endif
