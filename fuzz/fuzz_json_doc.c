/*
 * fuzz_json_doc.c - the strict JSON parser of request bodies (core/json_doc.h)
 * against cJSON, which is lenient: every text json_doc accepts cJSON must
 * accept too, as the same tree (types, member counts and names, strings and
 * numbers), and json_doc's node array must hold together (each subtree ends
 * inside its parent, member counts match the nodes).  Also parses the input
 * twice into one document, as a server thread does, to catch state left
 * over from the previous parse.
 */
#include "core/common.h"

#include <cjson/cJSON.h>

#include "core/json_doc.h"
#include "core/limits.h"
#include "fuzz.h"

static struct vo_json_doc doc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	vo_json_doc_init(&doc, VO_API_JSON_VALUES_MAX);
	return 0;
}

/* Node i of doc matches cJSON item c; returns the index after i's subtree. */
static size_t same(size_t i, const cJSON *c)
{
	const struct vo_json_node *n = &doc.nodes[i];
	size_t k = i + 1;
	size_t members = 0;
	const cJSON *m;

	if (n->end <= i || n->end > doc.n)
		__builtin_trap();
	switch (n->type) {
	case VO_JSON_NULL:
		if (!cJSON_IsNull(c))
			__builtin_trap();
		break;
	case VO_JSON_TRUE:
	case VO_JSON_FALSE:
		if (!cJSON_IsBool(c) || cJSON_IsTrue(c) != (n->type == VO_JSON_TRUE))
			__builtin_trap();
		break;
	case VO_JSON_NUMBER: {
		char text[400];

		if (!cJSON_IsNumber(c) || !n->len)
			__builtin_trap();
		/* cJSON reads at most 63 digits; compare only where it reads them all */
		if (n->len < 60) {
			memcpy(text, n->ptr, n->len);
			text[n->len] = '\0';
			if (strtod(text, NULL) != c->valuedouble)
				__builtin_trap();
		}
		break;
	}
	case VO_JSON_STRING:
		/* cJSON stops at a NUL; up to there the bytes agree */
		if (!cJSON_IsString(c) || strlen(c->valuestring) > n->len ||
		    memcmp(c->valuestring, n->ptr, strlen(c->valuestring)) != 0)
			__builtin_trap();
		if (!memchr(n->ptr, '\0', n->len) && strlen(c->valuestring) != n->len)
			__builtin_trap();
		break;
	case VO_JSON_ARRAY:
	case VO_JSON_OBJECT:
		if (n->type == VO_JSON_ARRAY ? !cJSON_IsArray(c) : !cJSON_IsObject(c))
			__builtin_trap();
		m = c->child;
		while (k < n->end) {
			if (!m)
				__builtin_trap();
			if (n->type == VO_JSON_OBJECT) {
				const struct vo_json_node *mem = &doc.nodes[k];

				if (!mem->key || !m->string || strlen(m->string) > mem->key_len ||
				    memcmp(m->string, mem->key, strlen(m->string)) != 0)
					__builtin_trap();
			} else if (doc.nodes[k].key) {
				__builtin_trap();
			}
			k = same(k, m);
			m = m->next;
			members++;
		}
		if (m || k != n->end || members != n->len)
			__builtin_trap();
		break;
	default:
		__builtin_trap();
	}
	if (n->type != VO_JSON_ARRAY && n->type != VO_JSON_OBJECT && n->end != i + 1)
		__builtin_trap();
	return n->end;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct vo_json_doc_error err;
	size_t n1 = 0;
	cJSON *c;

	for (int round = 0; round < 2; round++) {
		int rc = vo_json_doc_parse(&doc, text, size, &err);

		if (rc == VO_EFORMAT || rc == VO_ELIMIT) {
			if (doc.n || err.offset > size || err.line < 1 || err.column < 1)
				__builtin_trap();
			return 0;
		}
		if (rc != VO_OK || !doc.n)
			__builtin_trap();
		if (round == 1 && doc.n != n1)
			__builtin_trap();
		n1 = doc.n;
	}
	c = cJSON_ParseWithLengthOpts(text, size, NULL, false);
	if (!c) {
		/*
		 * cJSON reads at most 63 characters of a number; otherwise it must
		 * take whatever json_doc takes.
		 */
		for (size_t i = 0; i < doc.n; i++)
			if (doc.nodes[i].type == VO_JSON_NUMBER && doc.nodes[i].len >= 63) {
				vo_json_doc_trim(&doc, 1u << 20);
				return 0;
			}
		__builtin_trap();
	}
	if (same(0, c) != doc.n)
		__builtin_trap();
	cJSON_Delete(c);
	vo_json_doc_trim(&doc, 1u << 20);
	return 0;
}
