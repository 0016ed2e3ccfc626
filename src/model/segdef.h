/*
 * segdef.h - segment definitions (SPEC section 3): the defaults, and the ONE
 * reader of a "segments" object, for the artifact and --segments-config.
 *
 * The artifact's form (model/artifact.h), which vo_segconfig_read() takes
 * exactly as vo_artifact_render() writes it:
 *
 *   "segments": {"frequent_segment": {"field": "total_orders",
 *       "buckets": [{"name": "0-4", "min": 0, "max": 4}, {"name": "38+", "min": 38,
 *                    "max": null}]}}
 *
 * field is "total_orders" or "days_since_last_order"; min is a whole number
 * >= 0; max is a whole number >= min, or null for an open bucket.  A segment
 * has 1 to VO_BUCKETS_MAX buckets, which may not overlap and whose names are
 * unique; there are 1 to VO_SEGMENTS_MAX segments, with unique names of at
 * most VO_NAME_MAX bytes.
 *
 * A --segments-config file is {"segments": ...} (other top-level keys are
 * ignored, so a whole artifact is a valid config) and may be written more
 * loosely: "segments" may also be an array of {"name", "field", "buckets"}
 * objects, a bucket's "max" may be left out (open) and its "name" too
 * ("MIN-MAX" or "MIN+"), and keys vouch does not know are ignored.  Both
 * forms are checked by the same code, with the same messages, which name
 * the key path: "cfg.json: segments.loyal.buckets[1].max: expected null or a
 * whole number >= min".
 */
#ifndef VO_MODEL_SEGDEF_H
#define VO_MODEL_SEGDEF_H

#include "core/common.h"

#include "core/err.h"
#include "core/json_read.h"

enum vo_seg_field {
	VO_FIELD_TOTAL_ORDERS,
	VO_FIELD_DAYS_SINCE_LAST_ORDER,
};

struct vo_bucket {
	char *name;  /* owned */
	int64_t min; /* inclusive */
	int64_t max; /* inclusive; INT64_MAX when open */
	bool open;   /* no upper bound ("max": null) */
};

struct vo_segdef {
	char *name;		   /* owned */
	enum vo_seg_field field;   /* the row field the buckets apply to */
	struct vo_bucket *buckets; /* owned, nbuckets entries, in definition order */
	size_t nbuckets;
	size_t cell_base; /* index of this segment's first bucket among all buckets */
};

struct vo_segconfig {
	struct vo_segdef *segs; /* owned, nsegs entries */
	size_t nsegs;
	size_t ncells; /* buckets over all segments */
};

/* The field's name as the artifact spells it. */
const char *vo_seg_field_name(enum vo_seg_field f);

/* The field named s ("total_orders", "days_since_last_order"); false for any other. */
bool vo_seg_field_from_name(const char *s, enum vo_seg_field *f);

/* How strictly vo_segconfig_read() reads (see the top of this file). */
enum vo_segdef_form {
	VO_SEGDEF_ARTIFACT, /* exactly the artifact's form */
	VO_SEGDEF_CONFIG,   /* also the looser forms of a --segments-config file */
};

/* Fills cfg with the default definitions of SPEC section 3.  VO_ENOMEM. */
int vo_segconfig_default(struct vo_segconfig *cfg);

/*
 * Reads the value v of a "segments" key into cfg (cleared first; left empty
 * on failure), in form.  The caller has entered the key path of v in r
 * (core/json_read.h), which messages start from.  VO_EFORMAT, VO_ENOMEM.
 */
int vo_segconfig_read(struct vo_jread *r, const cJSON *v, enum vo_segdef_form form,
		      struct vo_segconfig *cfg);

/*
 * Parses a --segments-config document of len bytes (not NUL-terminated);
 * origin names it in error messages.  On failure cfg is left empty and err
 * says which segment, bucket and key is wrong.  VO_EFORMAT, VO_ENOMEM.
 */
int vo_segconfig_parse(struct vo_segconfig *cfg, const char *json, size_t len, const char *origin,
		       struct vo_error *err);

/* Reads and parses the file at path (at most VO_CONFIG_FILE_MAX bytes). */
int vo_segconfig_load(struct vo_segconfig *cfg, const char *path, struct vo_error *err);

/* Deep copy of src into dst. */
int vo_segconfig_copy(struct vo_segconfig *dst, const struct vo_segconfig *src);

/* Frees everything and leaves cfg empty.  An empty cfg is fine. */
void vo_segconfig_release(struct vo_segconfig *cfg);

/* The index, within seg, of the first bucket holding v, or -1. */
static inline int vo_segdef_find(const struct vo_segdef *seg, int64_t v)
{
	size_t b;

	for (b = 0; b < seg->nbuckets; b++)
		if (v >= seg->buckets[b].min && v <= seg->buckets[b].max)
			return (int)b;
	return -1;
}

#endif
