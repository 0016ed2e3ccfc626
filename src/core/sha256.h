/*
 * sha256.h - SHA-256 digests (through Debian's libcrypto, which uses the
 * CPU's SHA extensions where present).
 */
#ifndef VO_CORE_SHA256_H
#define VO_CORE_SHA256_H

#include "core/common.h"

#include "core/err.h"

#define VO_SHA256_HEX 65 /* 64 hex digits and a NUL */

#define VO_SHA256_LEN 32 /* bytes of a digest */

/*
 * An incremental digest, for bytes that arrive in pieces (a stream read
 * once, a document written in parts).  vo_sha256_init() allocates libcrypto's
 * context (VO_ENOMEM); vo_sha256_final() writes the digest and frees it;
 * vo_sha256_release() frees it without a digest (also after final, and on a
 * zeroed struct).  A failed update is sticky: final then returns VO_ENOMEM.
 */
struct vo_sha256 {
	void *ctx;   /* libcrypto's EVP_MD_CTX, owned */
	bool failed; /* an update failed */
};

int vo_sha256_init(struct vo_sha256 *s);
void vo_sha256_update(struct vo_sha256 *s, const void *data, size_t len);
int vo_sha256_final(struct vo_sha256 *s, unsigned char md[VO_SHA256_LEN]);
void vo_sha256_release(struct vo_sha256 *s);

/* The lower-case hex form of a digest. */
void vo_sha256_to_hex(const unsigned char md[VO_SHA256_LEN], char hex[VO_SHA256_HEX]);

/* Lower-case hex digest of len bytes of data into hex. */
int vo_sha256_hex(const void *data, size_t len, char hex[VO_SHA256_HEX]);

/*
 * Hex digest of the first size bytes of open file fd (named path in errors),
 * read through mapped pages: a file shorter than size (also one cut short
 * while it is read) is VO_EIO, never SIGBUS.
 */
int vo_sha256_fd(int fd, const char *path, uint64_t size, char hex[VO_SHA256_HEX],
		 struct vo_error *err);

/* Hex digest of the file at path (a regular file), and its size in bytes.  Errors name the path. */
int vo_sha256_file(const char *path, char hex[VO_SHA256_HEX], uint64_t *bytes,
		   struct vo_error *err);

#endif
