/*
 * cpu.h - the CPU features that vouch's hot loops may use beyond the x86-64
 * baseline (SSE2), looked up once.  Each such loop is compiled for its
 * feature with a target attribute and chosen at run time, with a portable
 * loop beside it.  VOUCH_SIMD in the environment limits them, for tests
 * that compare the paths (and for a CPU that misbehaves): "0" (or "none")
 * makes every loop the portable one, "avx2" leaves AVX-512 out.
 */
#ifndef VO_CORE_CPU_H
#define VO_CORE_CPU_H

#include "core/common.h"

enum {
	VO_CPU_AVX2 = 1u << 0,
	VO_CPU_AVX512 = 1u << 1, /* F, VL and BW */
	VO_CPU_PDEP = 1u << 2,	 /* BMI2 with a fast PDEP: not AMD Zen 1 or 2 (microcode) */
};

/* The features present and allowed (VO_CPU_*); 0 on other CPUs or with VOUCH_SIMD=0. */
unsigned vo_cpu_features(void);

#endif
