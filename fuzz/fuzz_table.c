/*
 * fuzz_table.c - the segments artifact loader (vo_table_parse: the strict
 * reader, the lookup table and the dashboard rendered at load), as vouch
 * serve loads a file.  The input is the artifact.
 *
 * The reader re-checks the artifact's version against its content, which a
 * mutated input almost never passes.  So that mutations also reach what lies
 * behind that check, an input refused only for its version is parsed a
 * second time with the version the message names put in its place.
 */
#include "core/common.h"

#include "api/table.h"
#include "core/alloc.h"
#include "core/err.h"
#include "fuzz.h"

#define HASHES_TO "(the content hashes to "

/* Copies data with the first "version" string value replaced by hex (64 bytes). */
static char *with_version(const uint8_t *data, size_t size, const char *hex)
{
	static const char key[] = "\"version\"";
	const char *s = (const char *)data;
	const char *k = memmem(s, size, key, sizeof(key) - 1);
	const char *q;
	char *copy;

	if (!k)
		return NULL;
	q = memchr(k + sizeof(key) - 1, '"', size - (size_t)(k + sizeof(key) - 1 - s));
	if (!q || (size_t)(q - s) + 1 + 64 > size)
		return NULL;
	copy = vo_malloc(size ? size : 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, size);
	memcpy(copy + (q - s) + 1, hex, 64);
	return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_table *t = NULL;
	struct vo_error err = { 0 };
	const char *at;
	char *fixed;
	int rc;

	rc = vo_table_parse((const char *)data, size, "fuzz.json", &t, &err);
	vo_table_destroy(t);
	t = NULL;
	if (rc != VO_EFORMAT)
		return 0;
	at = strstr(err.msg, HASHES_TO);
	if (!at || strlen(at) < sizeof(HASHES_TO) - 1 + 64)
		return 0;
	fixed = with_version(data, size, at + sizeof(HASHES_TO) - 1);
	if (!fixed)
		return 0;
	if (vo_table_parse(fixed, size, "fuzz.json", &t, &err) == VO_OK) {
		if (vo_table_ncountries(t) && !vo_table_dashboard_html(t).len)
			__builtin_trap();
	}
	vo_table_destroy(t);
	vo_free(fixed);
	return 0;
}
