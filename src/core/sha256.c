/*
 * sha256.c - SHA-256 through libcrypto's EVP interface, see sha256.h.
 */
#include "core/common.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/fileio.h"
#include "core/sha256.h"

static void to_hex(const unsigned char *md, char hex[VO_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

int vo_sha256_hex(const void *data, size_t len, char hex[VO_SHA256_HEX])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return VO_ENOMEM;
	to_hex(md, hex);
	return VO_OK;
}

int vo_sha256_file(const char *path, char hex[VO_SHA256_HEX], uint64_t *bytes, struct vo_error *err)
{
	enum { CHUNK = 1 << 20 };
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx = NULL;
	unsigned char *chunk = NULL;
	uint64_t total = 0;
	int rc = VO_OK;
	int fd;

	rc = vo_open_read(path, &fd, err);
	if (rc)
		return rc;
	chunk = vo_malloc(CHUNK);
	ctx = EVP_MD_CTX_new();
	if (!chunk || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		rc = vo_error_nomem(err);
		goto out;
	}
	for (;;) {
		size_t n = 0;

		rc = vo_read_some(fd, path, chunk, CHUNK, &n, err);
		if (rc)
			goto out;
		if (n == 0)
			break;
		if (!EVP_DigestUpdate(ctx, chunk, n)) {
			rc = vo_error_nomem(err);
			goto out;
		}
		total += (uint64_t)n;
	}
	if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
		rc = vo_error_nomem(err);
		goto out;
	}
	to_hex(md, hex);
	*bytes = total;
out:
	EVP_MD_CTX_free(ctx);
	vo_free(chunk);
	close(fd);
	return rc;
}
