/*
 * err.c - formatting of struct vo_error messages.
 */
#include "core/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"

void vo_error_clear(struct vo_error *err)
{
	if (!err)
		return;
	err->code = VO_OK;
	err->msg[0] = '\0';
}

void vo_error_vset(struct vo_error *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

void vo_error_vat(struct vo_error *err, int code, const char *path, uint64_t row,
		  const char *column, const char *fmt, va_list ap)
{
	size_t off = 0;
	int n;

	if (!err)
		return;
	err->code = code;
	err->msg[0] = '\0';
	if (path) {
		n = snprintf(err->msg, sizeof(err->msg), "%s: ", path);
		off = n > 0 ? VO_MIN((size_t)n, sizeof(err->msg) - 1) : 0;
	}
	if (row) {
		n = snprintf(err->msg + off, sizeof(err->msg) - off,
			     "row %llu: ", (unsigned long long)row);
		off += n > 0 ? VO_MIN((size_t)n, sizeof(err->msg) - 1 - off) : 0;
	}
	if (column) {
		n = snprintf(err->msg + off, sizeof(err->msg) - off, "column '%s': ", column);
		off += n > 0 ? VO_MIN((size_t)n, sizeof(err->msg) - 1 - off) : 0;
	}
	vsnprintf(err->msg + off, sizeof(err->msg) - off, fmt, ap);
}

int vo_error_nomem(struct vo_error *err)
{
	return vo_error_set(err, VO_ENOMEM, "out of memory");
}

int vo_error_nomem_in(struct vo_error *err, const char *subject)
{
	if (!subject)
		return vo_error_nomem(err);
	return vo_error_set(err, VO_ENOMEM, "%s: out of memory", subject);
}

void vo_error_prefix(struct vo_error *err, const char *prefix)
{
	char tmp[VO_ERROR_MSG_MAX];
	size_t plen;
	size_t mlen;

	if (!err)
		return;
	plen = VO_MIN(strlen(prefix), sizeof(tmp) - 3);
	mlen = VO_MIN(strlen(err->msg), sizeof(tmp) - 3 - plen);
	memcpy(tmp, prefix, plen);
	memcpy(tmp + plen, ": ", 2);
	memcpy(tmp + plen + 2, err->msg, mlen);
	tmp[plen + 2 + mlen] = '\0';
	memcpy(err->msg, tmp, sizeof(err->msg));
}

const char *vo_strerror(int code)
{
	switch (code) {
	case VO_OK:
		return "success";
	case VO_ENOMEM:
		return "out of memory";
	case VO_EIO:
		return "input/output error";
	case VO_EFORMAT:
		return "malformed input";
	case VO_EUNSUPPORTED:
		return "not supported";
	case VO_ELIMIT:
		return "limit exceeded";
	case VO_EINVAL:
		return "invalid argument";
	case VO_ENOTFOUND:
		return "not found";
	default:
		return "unknown error";
	}
}
