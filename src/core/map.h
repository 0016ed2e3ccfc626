/*
 * map.h - small open-addressing hash maps from keys to uint32_t ids.
 *
 * struct vo_strmap maps byte strings (copied into the map) and struct
 * vo_intmap maps int64 values to dense ids 0, 1, 2, ... in insertion order,
 * so callers keep per-key data in plain arrays indexed by id.  Both are
 * caller-allocated values with init/release; neither is thread-safe.
 */
#ifndef VO_CORE_MAP_H
#define VO_CORE_MAP_H

#include "core/common.h"

#include "core/str.h"

#define VO_MAP_NONE UINT32_MAX

struct vo_strmap {
	uint32_t *slots;     /* id + 1 per slot, 0 = empty; capacity is a power of two */
	size_t cap;	     /* slots */
	struct vo_str *keys; /* keys[id], each an allocated copy */
	uint64_t *hashes;    /* hashes[id] */
	size_t count;	     /* ids in use */
	size_t max;	     /* most keys the map may hold */
};

void vo_strmap_init(struct vo_strmap *m, size_t max);
void vo_strmap_release(struct vo_strmap *m);

/* The id of key, or VO_MAP_NONE. */
uint32_t vo_strmap_get(const struct vo_strmap *m, struct vo_str key);

/*
 * The id of key, inserting it with the next id when absent (*added tells
 * which, may be NULL).  VO_ENOMEM, or VO_ELIMIT past max keys.
 */
int vo_strmap_put(struct vo_strmap *m, struct vo_str key, uint32_t *id, bool *added);

struct vo_intmap {
	uint32_t *slots; /* id + 1 per slot, 0 = empty */
	size_t cap;
	int64_t *keys; /* keys[id] */
	size_t count;
	size_t max;
};

void vo_intmap_init(struct vo_intmap *m, size_t max);
void vo_intmap_release(struct vo_intmap *m);
uint32_t vo_intmap_get(const struct vo_intmap *m, int64_t key);
int vo_intmap_put(struct vo_intmap *m, int64_t key, uint32_t *id, bool *added);

/* 64-bit FNV-1a-style hash of bytes, mixed for use in power-of-two tables. */
uint64_t vo_hash_bytes(const void *data, size_t len);

#endif
