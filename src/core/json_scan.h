/*
 * json_scan.h - what a JSON text would cost as a tree, found before the
 * tree is built.
 *
 * cJSON spends a node (64 bytes, plus the allocator's header) on every
 * value and an allocation on every string, so a text of small values costs
 * forty times its size: 16 MiB of "[0,0,0,...]" is 700 MiB of nodes, and a
 * valid 255 MiB document took 11 GB and 45 s to refuse.  vo_json_scan()
 * walks the text once with a bounded cursor, allocating nothing, and checks
 * its shape against limits: nesting depth, elements of one array, members
 * of one object, values in all, and the estimated tree size against the
 * text's size.  A document that passes costs at most that estimate to
 * parse; one that fails is refused after one pass over its bytes.
 *
 * The scan checks the grammar as far as it needs to count correctly.  At a
 * syntax error it stops and says the text is fine (VO_OK): the parser will
 * stop at the same place and name the error, and everything before it was
 * within the limits.
 */
#ifndef VO_CORE_JSON_SCAN_H
#define VO_CORE_JSON_SCAN_H

#include "core/common.h"

#include "core/err.h"

/* Estimated cost of one value in a cJSON tree: the node and the allocator's header. */
#define VO_JSON_NODE_BYTES 80

/* The shape a document may have. */
struct vo_json_limits {
	unsigned depth;	      /* arrays and objects nested at most this deep */
	size_t array_items;   /* elements of one array */
	size_t object_items;  /* members of one object */
	size_t values;	      /* values in the whole document */
	unsigned tree_factor; /* the tree may cost this many times the text's bytes ... */
	size_t tree_slack;    /* ... plus this */
};

/* What the scan counted. */
struct vo_json_shape {
	size_t values;	   /* values, members' keys not counted */
	size_t tree_bytes; /* estimated cost of the tree: nodes and strings */
	unsigned depth;	   /* deepest nesting */
	size_t widest;	   /* most elements or members of one array or object */
};

/*
 * Scans text (len bytes) against lim, filling *shape (may be NULL).  VO_OK
 * when it fits (or has a syntax error, see the top); VO_ELIMIT when a limit
 * is passed, with "ORIGIN: WHAT at byte N" in err.
 */
int vo_json_scan(const char *text, size_t len, const struct vo_json_limits *lim,
		 struct vo_json_shape *shape, const char *origin, struct vo_error *err);

#endif
