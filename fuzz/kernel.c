// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the kernel harnesses (those that load core objects): where
 * libpasidsim-core-<flavour>.so is, and a clock that costs nothing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sim/core.h>
#include <sim/kernel.h>

#include "fuzz.h"

const char *fuzz_core_path(const char *flavour, char *buf, size_t len)
{
	char exe[4096];
	ssize_t n;
	char *slash;

	sim_core_path(flavour, buf, len);
	if (getenv("PASIDSIM_CORE_DIR") || access(buf, R_OK) == 0)
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return buf;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return buf;
	*slash = '\0';
	snprintf(buf, len, "%s/libpasidsim-core-%s.so", exe, flavour);
	return buf;
}

/*
 * PASIDSIM_FUZZ_CORE=[FLAVOUR][+BUG] (pasidsim fuzz --flavour, pasidsim
 * bugbench): FLAVOUR replaces every other flavour a harness would load,
 * and +BUG loads the seeded bug's patched copy
 * libpasidsim-core-<flavour>+BUG.so of each flavour for which it is built
 * (fuzz/bugbench/). With @keep (diff_ioasid, which needs both flavours)
 * every flavour stays, and FLAVOUR+BUG patches that flavour alone.
 */
const char *fuzz_core_choose(const char *flavour, bool keep)
{
	const char *spec = getenv("PASIDSIM_FUZZ_CORE");
	char name[256], path[4096];
	const char *plus;
	size_t n;

	if (!spec || !*spec)
		return flavour;
	plus = strchr(spec, '+');
	n = plus ? (size_t)(plus - spec) : strlen(spec);
	if (n && keep && (strlen(flavour) != n || strncmp(flavour, spec, n)))
		return flavour;		/* the other flavour stays the correct copy */
	if (n && !keep)
		snprintf(name, sizeof(name), "%.*s", (int)n, spec);
	else
		snprintf(name, sizeof(name), "%s", flavour);
	if (plus && plus[1]) {
		char patched[256];

		snprintf(patched, sizeof(patched), "%s%s", name, plus);
		if (access(fuzz_core_path(patched, path, sizeof(path)), R_OK) == 0)
			snprintf(name, sizeof(name), "%s", patched);
	}
	return strcmp(name, flavour) ? strdup(name) : flavour;
}

/*
 * Lockstat times every lock hold and wait; a fuzzer has no use for them
 * and clock_gettime() was 3.5% of diff_ioasid's time. A counter keeps
 * times monotonic (lockstat subtracts them).
 */
static u64 fuzz_clock(void *arg)
{
	static u64 now;

	return ++now;
}

#ifdef __AFL_COMPILER
/*
 * The core objects are dlopen()ed by LLVMFuzzerInitialize: under AFL++
 * that must happen before the fork server starts, or AFL's runtime aborts
 * ("instrumented dlopen() library loaded afterwards"; their edges could not
 * be mapped). afl-fuzz sees the deferred fork server signature of
 * afl-main.c and sets __AFL_DEFER_FORKSRV, but afl-showmap, afl-tmin, a
 * plain run and AFL++'s libFuzzer-style driver (libAFLDriver.a, what
 * ClusterFuzzLite links) do not: the runtime then starts it in its own
 * constructor (default priority). Ask for the deferred start before that;
 * afl-main.c's __AFL_INIT() and the driver's manual init start it after
 * LLVMFuzzerInitialize in every case.
 */
__attribute__((constructor(101))) static void fuzz_afl_defer_forkserver(void)
{
	setenv("__AFL_DEFER_FORKSRV", "1", 0);
}
#endif

void fuzz_kernel_clock(struct sim_kernel *k)
{
	sim_kernel_set_clock(k, fuzz_clock, NULL);
}
