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

void vo_sha256_to_hex(const unsigned char md[VO_SHA256_LEN], char hex[VO_SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
}

int vo_sha256_init(struct vo_sha256 *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	s->ctx = NULL;
	s->failed = false;
	if (!ctx)
		return VO_ENOMEM;
	if (!EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(ctx);
		return VO_ENOMEM;
	}
	s->ctx = ctx;
	return VO_OK;
}

void vo_sha256_update(struct vo_sha256 *s, const void *data, size_t len)
{
	if (!s->ctx || s->failed || !len)
		return;
	if (!EVP_DigestUpdate(s->ctx, data, len))
		s->failed = true;
}

int vo_sha256_final(struct vo_sha256 *s, unsigned char md[VO_SHA256_LEN])
{
	unsigned int mdlen = 0;
	int rc = VO_OK;

	if (!s->ctx || s->failed || !EVP_DigestFinal_ex(s->ctx, md, &mdlen) ||
	    mdlen != VO_SHA256_LEN)
		rc = VO_ENOMEM;
	vo_sha256_release(s);
	return rc;
}

void vo_sha256_release(struct vo_sha256 *s)
{
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

int vo_sha256_hex(const void *data, size_t len, char hex[VO_SHA256_HEX])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
		return VO_ENOMEM;
	vo_sha256_to_hex(md, hex);
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
	vo_sha256_to_hex(md, hex);
	*bytes = total;
out:
	EVP_MD_CTX_free(ctx);
	vo_free(chunk);
	close(fd);
	return rc;
}
