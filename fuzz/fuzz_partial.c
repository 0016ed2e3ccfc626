/*
 * fuzz_partial.c - the partial result reader (model/partial.h), which
 * `vouch merge` runs on every part.  A part ends with the SHA-256 of its
 * bytes, so random input rarely gets past the frame: each input is parsed
 * as it is and also as the body of a part framed and signed here (magic,
 * length, input, digest), which takes the decoder itself.  A part that is
 * accepted must render back to exactly its own bytes (the format has one
 * encoding of each content).
 */
#include "core/common.h"

#include "core/buf.h"
#include "core/err.h"
#include "core/limits.h"
#include "core/sha256.h"
#include "model/partial.h"
#include "fuzz.h"

static void check(const uint8_t *data, size_t size)
{
	struct vo_error err = { 0 };
	struct vo_partial p;
	struct vo_buf again;

	if (vo_partial_parse(data, size, "fuzz.part", &p, &err) == VO_OK) {
		vo_buf_init(&again, VO_PARTIAL_MAX);
		if (vo_partial_render(&p, &again) == VO_OK &&
		    (again.len != size || memcmp(again.ptr, data, size) != 0))
			__builtin_trap();
		vo_buf_release(&again);
	}
	vo_partial_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char md[VO_SHA256_LEN];
	struct vo_sha256 sha;
	struct vo_buf framed;
	uint64_t total = 16 + 8 + (uint64_t)size + VO_SHA256_LEN;
	size_t i;

	check(data, size);
	vo_buf_init(&framed, VO_PARTIAL_MAX);
	if (vo_buf_add(&framed, VO_PARTIAL_MAGIC, 16))
		goto out;
	for (i = 0; i < 8; i++)
		if (vo_buf_addch(&framed, (char)(total >> (8 * i))))
			goto out;
	if (vo_buf_add(&framed, data, size) || vo_sha256_init(&sha))
		goto out;
	vo_sha256_update(&sha, framed.ptr, framed.len);
	if (vo_sha256_final(&sha, md) || vo_buf_add(&framed, md, sizeof(md)))
		goto out;
	check((const uint8_t *)framed.ptr, framed.len);
out:
	vo_buf_release(&framed);
	return 0;
}
