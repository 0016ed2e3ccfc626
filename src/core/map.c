/*
 * map.c - open-addressing hash maps with linear probing, see map.h.
 */
#include "core/common.h"

#include "core/alloc.h"
#include "core/map.h"

uint64_t vo_hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return h;
}

static uint64_t hash_i64(int64_t v)
{
	uint64_t h = (uint64_t)v;

	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

void vo_strmap_init(struct vo_strmap *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

void vo_strmap_release(struct vo_strmap *m)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		vo_free((void *)(uintptr_t)m->keys[i].ptr); /* NOLINT(performance-no-int-to-ptr):
							       the map owns its key copies */
	vo_free(m->slots);
	vo_free(m->keys);
	vo_free(m->hashes);
	vo_strmap_init(m, m->max);
}

static uint32_t strmap_find(const struct vo_strmap *m, struct vo_str key, uint64_t h, size_t *slot)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = m->slots[i];

		if (!s) {
			*slot = i;
			return VO_MAP_NONE;
		}
		if (m->hashes[s - 1] == h && vo_str_eq(m->keys[s - 1], key))
			return s - 1;
	}
}

uint32_t vo_strmap_get(const struct vo_strmap *m, struct vo_str key)
{
	size_t slot;

	if (!m->cap)
		return VO_MAP_NONE;
	return strmap_find(m, key, vo_hash_bytes(key.ptr, key.len), &slot);
}

/* The hash of id: a strmap keeps its hashes, an intmap recomputes them from its keys. */
typedef uint64_t (*id_hash_fn)(const void *keys_or_hashes, size_t id);

static uint64_t stored_hash(const void *hashes, size_t id)
{
	return ((const uint64_t *)hashes)[id];
}

static uint64_t int_key_hash(const void *keys, size_t id)
{
	return hash_i64(((const int64_t *)keys)[id]);
}

/*
 * Makes room for one more id, keeping the table at most half full: doubles
 * the slots and re-inserts ids 0..count-1 when needed.
 */
static int grow_slots(uint32_t **slots, size_t *cap, size_t count, id_hash_fn hash, const void *ctx)
{
	size_t ncap = *cap ? *cap * 2 : 16;
	uint32_t *ns;
	size_t id;

	if ((count + 1) * 2 <= *cap)
		return VO_OK;
	ns = vo_calloc(ncap, sizeof(*ns));
	if (!ns)
		return VO_ENOMEM;
	for (id = 0; id < count; id++) {
		size_t i = (size_t)hash(ctx, id) & (ncap - 1);

		while (ns[i])
			i = (i + 1) & (ncap - 1);
		ns[i] = (uint32_t)id + 1;
	}
	vo_free(*slots);
	*slots = ns;
	*cap = ncap;
	return VO_OK;
}

/*
 * The common start of both put functions: reports an existing id (true), or
 * checks there is room for a new one (false, with *rc VO_OK or VO_ELIMIT).
 */
static bool put_begin(uint32_t found, size_t count, size_t max, uint32_t *id, bool *added, int *rc)
{
	if (added)
		*added = false;
	*rc = VO_OK;
	if (found != VO_MAP_NONE) {
		*id = found;
		return true;
	}
	if (count >= max || count >= VO_MAP_NONE - 1)
		*rc = VO_ELIMIT;
	return false;
}

/* The common end: fills the free slot with the next id. */
static void put_end(uint32_t *slots, size_t slot, size_t *count, uint32_t *id, bool *added)
{
	slots[slot] = (uint32_t)*count + 1;
	*id = (uint32_t)(*count)++;
	if (added)
		*added = true;
}

int vo_strmap_put(struct vo_strmap *m, struct vo_str key, uint32_t *id, bool *added)
{
	uint64_t h = vo_hash_bytes(key.ptr, key.len);
	size_t slot = 0;
	uint32_t found = m->cap ? strmap_find(m, key, h, &slot) : VO_MAP_NONE;
	struct vo_str *nk;
	uint64_t *nh;
	char *copy;
	int rc;

	if (put_begin(found, m->count, m->max, id, added, &rc) || rc)
		return rc;
	nk = vo_reallocarray(m->keys, m->count + 1, sizeof(*nk));
	if (!nk)
		return VO_ENOMEM;
	m->keys = nk;
	nh = vo_reallocarray(m->hashes, m->count + 1, sizeof(*nh));
	if (!nh)
		return VO_ENOMEM;
	m->hashes = nh;
	copy = vo_strndup(key.len ? key.ptr : "", key.len);
	if (!copy)
		return VO_ENOMEM;
	m->keys[m->count] = vo_str_make(copy, key.len);
	m->hashes[m->count] = h;
	rc = grow_slots(&m->slots, &m->cap, m->count, stored_hash, m->hashes);
	if (rc) {
		vo_free(copy);
		return rc;
	}
	strmap_find(m, key, h, &slot);
	put_end(m->slots, slot, &m->count, id, added);
	return VO_OK;
}

void vo_intmap_init(struct vo_intmap *m, size_t max)
{
	memset(m, 0, sizeof(*m));
	m->max = max;
}

void vo_intmap_release(struct vo_intmap *m)
{
	vo_free(m->slots);
	vo_free(m->keys);
	vo_intmap_init(m, m->max);
}

static uint32_t intmap_find(const struct vo_intmap *m, int64_t key, size_t *slot)
{
	size_t mask = m->cap - 1;
	size_t i = (size_t)hash_i64(key) & mask;

	for (;; i = (i + 1) & mask) {
		uint32_t s = m->slots[i];

		if (!s) {
			*slot = i;
			return VO_MAP_NONE;
		}
		if (m->keys[s - 1] == key)
			return s - 1;
	}
}

uint32_t vo_intmap_get(const struct vo_intmap *m, int64_t key)
{
	size_t slot;

	if (!m->cap)
		return VO_MAP_NONE;
	return intmap_find(m, key, &slot);
}

int vo_intmap_put(struct vo_intmap *m, int64_t key, uint32_t *id, bool *added)
{
	size_t slot = 0;
	uint32_t found = m->cap ? intmap_find(m, key, &slot) : VO_MAP_NONE;
	int64_t *nk;
	int rc;

	if (put_begin(found, m->count, m->max, id, added, &rc) || rc)
		return rc;
	nk = vo_reallocarray(m->keys, m->count + 1, sizeof(*nk));
	if (!nk)
		return VO_ENOMEM;
	m->keys = nk;
	rc = grow_slots(&m->slots, &m->cap, m->count, int_key_hash, m->keys);
	if (rc)
		return rc;
	intmap_find(m, key, &slot);
	m->keys[m->count] = key;
	put_end(m->slots, slot, &m->count, id, added);
	return VO_OK;
}
