/*
 * json_read.h - the one way vouch reads JSON: parsing that tells running out
 * of memory from bad input, and typed getters whose messages name the key.
 *
 * Every JSON file vouch takes in (the artifact, a segments config, the
 * clean metadata) is parsed by vo_json_parse(), with cJSON; request bodies,
 * which come from untrusted clients and are judged byte for byte, have
 * their own strict parser (core/json_doc.h).
 * cJSON reports a failed allocation as a syntax error; vo_json_parse() tells
 * them apart by comparing the allocator's failure count (core/alloc.h,
 * vo_alloc_failures()) around the call, so a machine out of memory is never
 * told its input is broken.  It also refuses what cJSON lets through but
 * RFC 8259 does not: a control byte (cJSON skips any byte up to 0x20 as
 * white space, NUL included, and takes them inside strings) and text after
 * the document.
 *
 * struct vo_jread reads a parsed document for one origin (a file name, a
 * redis key): it carries the caller's struct vo_error and the key path being
 * read, so that every message is "ORIGIN: PATH: WHAT" ("segments.json:
 * countries.Peru.rows: expected a whole number >= 0"), or "ORIGIN: WHAT" at
 * the top.  Readers enter() a key or an index before reading under it and
 * leave() it after; the getters read one member of an object and check its
 * type.  Each failing call sets the error and returns its code (VO_EFORMAT,
 * VO_ENOMEM, VO_ELIMIT), so a reader can `return vo_jread_...(...)`.
 *
 * Numbers: cJSON holds a number as a double, so a whole number is exact up
 * to 2^53 (VO_JSON_WHOLE_MAX); the whole-number getter refuses fractions,
 * negative numbers and anything larger.
 */
#ifndef VO_CORE_JSON_READ_H
#define VO_CORE_JSON_READ_H

#include "core/common.h"

#include <cjson/cJSON.h>

#include "core/err.h"

/* The largest whole number a JSON number read as a double holds exactly: 2^53. */
#define VO_JSON_WHOLE_MAX 9007199254740992ULL

/* Keys vo_jread_keys() can check in one object. */
#define VO_JSON_KEYS_MAX 256

/* Why a text is not one JSON document. */
enum vo_json_fault {
	VO_JSON_SYNTAX,	  /* cJSON stopped at byte `at` (damaged or truncated) */
	VO_JSON_CONTROL,  /* a control byte (`byte`) at byte `at` */
	VO_JSON_TRAILING, /* something other than white space after the document, at `at` */
};

struct vo_json_error {
	enum vo_json_fault fault;
	size_t at;	    /* byte offset in the text */
	unsigned char byte; /* VO_JSON_CONTROL: the byte */
};

/*
 * Parses text (len bytes, not necessarily NUL-terminated) as one JSON
 * document: one value, then only white space.  On VO_OK *doc is the tree,
 * which the caller frees with cJSON_Delete().  VO_ENOMEM when an allocation
 * failed (also inside cJSON), VO_EFORMAT with *why filled when the text is
 * not one document; *doc is NULL on failure.  Nesting is bounded by cJSON
 * (CJSON_NESTING_LIMIT, 1000), which keeps the stack safe.
 */
int vo_json_parse(const char *text, size_t len, cJSON **doc, struct vo_json_error *why);

/* "an object", "an array", "a string", "a number", "a boolean" or "null" (also for NULL). */
const char *vo_json_type_name(const cJSON *v);

/* Whether v is a whole number from 0 to VO_JSON_WHOLE_MAX; sets *out if so. */
bool vo_json_whole(const cJSON *v, uint64_t *out);

/* A reader of one document; see the top of this file. */
struct vo_jread {
	const char *origin;	     /* names the document in messages; not owned */
	struct vo_error *err;	     /* the caller's; may be NULL */
	char path[VO_ERROR_MSG_MAX]; /* the key path being read, "" at the top */
	size_t len;		     /* bytes of path in use */
};

void vo_jread_init(struct vo_jread *r, const char *origin, struct vo_error *err);

/*
 * vo_json_parse() with the messages of r: "ORIGIN: larger than MAX bytes"
 * (VO_ELIMIT, when max is not 0 and len exceeds it), "ORIGIN: out of
 * memory", "ORIGIN: not valid JSON (at byte N of LEN: truncated or
 * damaged)", "(control byte 0xNN at byte N)" or "(text after the document
 * at byte N)".
 */
int vo_jread_parse(struct vo_jread *r, const char *text, size_t len, size_t max, cJSON **doc);

/* Appends ".key" ("key" at the top) or "[i]" to the path; returns the mark for leave(). */
size_t vo_jread_enter(struct vo_jread *r, const char *key);
size_t vo_jread_enter_index(struct vo_jread *r, size_t i);

/* Cuts the path back to mark. */
void vo_jread_leave(struct vo_jread *r, size_t mark);

/* Sets "ORIGIN: PATH: MESSAGE" ("ORIGIN: MESSAGE" at the top); returns VO_EFORMAT. */
int vo_jread_fail(struct vo_jread *r, const char *fmt, ...) VO_PRINTF(2, 3);

/* vo_jread_fail() for the member key of the current path ("PATH.KEY: MESSAGE"). */
int vo_jread_fail_at(struct vo_jread *r, const char *key, const char *fmt, ...) VO_PRINTF(3, 4);

/* Sets "ORIGIN: out of memory"; returns VO_ENOMEM. */
int vo_jread_nomem(struct vo_jread *r);

/* "expected an object, not ..." unless v is an object. */
int vo_jread_object(struct vo_jread *r, const cJSON *v);

/* "expected an array, not ..." unless v is an array. */
int vo_jread_array(struct vo_jread *r, const cJSON *v);

/*
 * Checks that obj is an object whose keys are exactly keys[0..n) (n at most
 * VO_JSON_KEYS_MAX), each once, in any order.  The message names the first
 * unexpected, repeated or missing key.
 */
int vo_jread_keys(struct vo_jread *r, const cJSON *obj, const char *const *keys, size_t n);

/* Checks that no key of obj appears twice (for objects keyed by data). */
int vo_jread_unique(struct vo_jread *r, const cJSON *obj);

/*
 * The member key of obj, or NULL with "key 'KEY' is missing" when obj has
 * none (cJSON's first one when it has several: check the keys first).
 */
const cJSON *vo_jread_member(struct vo_jread *r, const cJSON *obj, const char *key);

/* The member key of obj as a whole number (see the top): "KEY: expected a whole number >= 0". */
int vo_jread_u64(struct vo_jread *r, const cJSON *obj, const char *key, uint64_t *out);

/*
 * The member key of obj as a non-empty string of at most max bytes; *out
 * points into the tree.  "KEY: expected a string, not ..." or "KEY: expected
 * a non-empty string of at most MAX bytes".
 */
int vo_jread_str(struct vo_jread *r, const cJSON *obj, const char *key, size_t max,
		 const char **out);

#endif
