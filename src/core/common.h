/*
 * common.h - the first include of every vouch source file.
 *
 * It fixes the feature-test macros before any system header is seen, pulls in
 * the few standard headers every module needs, and defines the project-wide
 * error codes and small macros.  Like git's git-compat-util.h it must come
 * before any other include.
 */
#ifndef VO_CORE_COMMON_H
#define VO_CORE_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

/*
 * The standard headers are all included here, before banned.h, whose macros
 * would otherwise clash with their declarations (git does the same).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * Error codes.  Functions return VO_OK (0) or one of these negative values;
 * the details, when they matter, go to the caller's struct vo_error.
 */
enum vo_status {
	VO_OK = 0,
	VO_ENOMEM = -1,	      /* an allocation failed */
	VO_EIO = -2,	      /* the operating system refused a read or write */
	VO_EFORMAT = -3,      /* the input is malformed or corrupt */
	VO_EUNSUPPORTED = -4, /* the input is valid but uses a feature we lack */
	VO_ELIMIT = -5,	      /* the input exceeds a limit of core/limits.h */
	VO_EINVAL = -6,	      /* a caller or user supplied a bad argument */
	VO_ENOTFOUND = -7,    /* a file, column or key does not exist */
};

#define VO_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VO_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VO_MAX(a, b) ((a) > (b) ? (a) : (b))

#define VO_LIKELY(x) __builtin_expect(!!(x), 1)
#define VO_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define VO_PRINTF(fmt_idx, args_idx) __attribute__((format(printf, fmt_idx, args_idx)))
#define VO_UNUSED __attribute__((unused))

#include "core/banned.h"

#endif
