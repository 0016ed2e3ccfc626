/*
 * fuzz_segconfig.c - the segments config (--segments-config FILE): the JSON
 * document as vo_segconfig_parse() reads it.  An accepted config is copied
 * and must hold only well-formed buckets (min <= max, names set).
 */
#include "core/common.h"

#include "core/err.h"
#include "model/segdef.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vo_segconfig cfg;
	struct vo_segconfig copy;
	struct vo_error err = { 0 };
	size_t s;
	size_t b;

	memset(&cfg, 0, sizeof(cfg));
	memset(&copy, 0, sizeof(copy));
	if (vo_segconfig_parse(&cfg, (const char *)data, size, "fuzz.json", &err) == VO_OK) {
		for (s = 0; s < cfg.nsegs; s++) {
			for (b = 0; b < cfg.segs[s].nbuckets; b++) {
				const struct vo_bucket *k = &cfg.segs[s].buckets[b];

				if (!k->name || k->min > k->max || k->min < 0)
					__builtin_trap();
			}
		}
		if (vo_segconfig_copy(&copy, &cfg) == VO_OK)
			vo_segconfig_release(&copy);
	}
	vo_segconfig_release(&cfg);
	return 0;
}
