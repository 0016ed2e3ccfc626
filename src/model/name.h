/*
 * name.h - what a name in the artifact may be: a country (the spelling given
 * with -c, or the most frequent one in the data with -c all), a segment or
 * a bucket.
 *
 * The artifact is JSON, which carries only Unicode text, and its names are
 * object keys, which must stay distinct once written and read back: bytes
 * that are not UTF-8 would be written as U+FFFD (so `Per\xfa` and `Per\xf9`
 * would become one key), and the reader (cJSON) ends a string at a NUL (so
 * `Peru` and `Peru\0` would too).  Such names are refused where they enter:
 * -c (exit 2), a segments config (exit 1), a data row under -c all (exit 1,
 * naming file, row and column), so that every artifact `process` writes is
 * one `serve` loads.  Names are also bounded (VO_NAME_MAX) so answers, logs
 * and the artifact stay small.
 */
#ifndef VO_MODEL_NAME_H
#define VO_MODEL_NAME_H

#include "core/common.h"

#include "core/str.h"

/*
 * Whether name is a valid artifact name: 1 to VO_NAME_MAX bytes of valid
 * UTF-8 (core/utf8.h) without a NUL.  When it is not, why (why_len bytes,
 * may be NULL) gets the reason for a message, e.g. "is 102400 bytes long,
 * more than the limit of 256" or "is not valid UTF-8 (byte 0xfa at offset
 * 3)".
 */
bool vo_name_check(struct vo_str name, char *why, size_t why_len);

#endif
