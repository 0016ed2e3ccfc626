/*
 * sha256.h - SHA-256 digests (through Debian's libcrypto, which uses the
 * CPU's SHA extensions where present).
 */
#ifndef VO_CORE_SHA256_H
#define VO_CORE_SHA256_H

#include "core/common.h"

#include "core/err.h"

#define VO_SHA256_HEX 65 /* 64 hex digits and a NUL */

/* Lower-case hex digest of len bytes of data into hex. */
int vo_sha256_hex(const void *data, size_t len, char hex[VO_SHA256_HEX]);

/* Hex digest of the file at path, and its size in bytes.  Errors name the path. */
int vo_sha256_file(const char *path, char hex[VO_SHA256_HEX], uint64_t *bytes,
		   struct vo_error *err);

#endif
