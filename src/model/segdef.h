/*
 * segdef.h - segment definitions: the defaults of SPEC section 3, or a JSON
 * file given with --segments-config.
 *
 * File format (the same shape as the artifact's "segments" object, so an
 * artifact's definitions can be reused as they are):
 *
 *   {"segments": {"frequent_segment": {"field": "total_orders",
 *       "buckets": [{"name": "0-4", "min": 0, "max": 4}, {"min": 38, "max": null}]}}}
 *
 * "segments" may also be an array of {"name", "field", "buckets"} objects.
 * field is "total_orders" or "days_since_last_order"; min is a whole number
 * >= 0; max is a whole number >= min, or null/absent for an open bucket; a
 * bucket's name defaults to "MIN-MAX" or "MIN+".  Buckets of a segment may
 * not overlap and names must be unique.
 */
#ifndef VO_MODEL_SEGDEF_H
#define VO_MODEL_SEGDEF_H

#include "core/common.h"

#include "core/err.h"

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

/* Fills cfg with the default definitions of SPEC section 3.  VO_ENOMEM. */
int vo_segconfig_default(struct vo_segconfig *cfg);

/*
 * Parses a definitions document of len bytes (not NUL-terminated); origin
 * names it in error messages.  On failure cfg is left empty and err says
 * which segment, bucket and key is wrong.
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
