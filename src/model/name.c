/*
 * name.c - the rule for names in the artifact, see name.h.
 */
#include "core/common.h"

#include "core/limits.h"
#include "core/utf8.h"
#include "model/name.h"

bool vo_name_check(struct vo_str name, char *why, size_t why_len)
{
	const char *nul;
	size_t bad = 0;

	if (!why_len)
		why = NULL;
	if (!name.len) {
		if (why)
			snprintf(why, why_len, "is empty");
		return false;
	}
	if (name.len > VO_NAME_MAX) {
		if (why)
			snprintf(why, why_len, "is %zu bytes long, more than the limit of %d",
				 name.len, VO_NAME_MAX);
		return false;
	}
	nul = memchr(name.ptr, '\0', name.len);
	if (nul) {
		if (why)
			snprintf(why, why_len, "holds a NUL byte (at offset %zu)",
				 (size_t)(nul - name.ptr));
		return false;
	}
	if (!vo_utf8_valid(name, &bad)) {
		if (why)
			snprintf(why, why_len, "is not valid UTF-8 (byte 0x%02x at offset %zu)",
				 (unsigned char)name.ptr[bad], bad);
		return false;
	}
	return true;
}
