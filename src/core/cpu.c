/*
 * cpu.c - the CPU features of the hot loops, see cpu.h.
 */
#include "core/common.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/cpu.h"

/* The features plus one (0: not looked up yet); threads racing store the same. */
static atomic_uint features;

static unsigned lookup(void)
{
	const char *env = getenv("VOUCH_SIMD");
	unsigned f = 0;

	if (env && (strcmp(env, "0") == 0 || strcmp(env, "none") == 0))
		return 0;
#if defined(__x86_64__) && defined(__GNUC__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		f |= VO_CPU_AVX2;
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
	    __builtin_cpu_supports("avx512bw") && !(env && strcmp(env, "avx2") == 0))
		f |= VO_CPU_AVX512;
	if (__builtin_cpu_supports("bmi2") && !__builtin_cpu_is("znver1") &&
	    !__builtin_cpu_is("znver2"))
		f |= VO_CPU_PDEP;
#endif
	return f;
}

unsigned vo_cpu_features(void)
{
	unsigned f = atomic_load_explicit(&features, memory_order_relaxed);

	if (!f) {
		f = lookup() + 1;
		atomic_store_explicit(&features, f, memory_order_relaxed);
	}
	return f - 1;
}
