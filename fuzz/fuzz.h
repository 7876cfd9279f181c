/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim fuzz harness helpers.
 *
 * Each harness is one source defining LLVMFuzzerTestOneInput (and, when it
 * has one-time setup, LLVMFuzzerInitialize), built three ways: with
 * libFuzzer, with AFL++ (afl-main.c: persistent mode, shared-memory test
 * cases) and with standalone.c, a main() that replays files and directories
 * (what ctest runs over the corpus). fuzz/README.md says how to run each.
 *
 * Inputs are decoded with a byte reader that never fails: once the bytes
 * run out it returns zeros, and the harness stops at the next op boundary.
 */
#ifndef PASIDSIM_FUZZ_H
#define PASIDSIM_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>

struct fuzz_in {
	const uint8_t *data;
	size_t size;
	size_t pos;
};

static inline int fuzz_more(const struct fuzz_in *in)
{
	return in->pos < in->size;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v = (v << 8) | fuzz_u8(in);
	return v;
}

/* A value in [0, n), n > 0. */
static inline uint32_t fuzz_below(struct fuzz_in *in, uint32_t n)
{
	return n <= 256 ? fuzz_u8(in) % n : fuzz_u32(in) % n;
}

/* Always-on assertion that names the harness position. */
#define FUZZ_ASSERT(cond, fmt, ...) do {				\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed: " fmt "\n",	\
			__FILE__, __LINE__, #cond, ##__VA_ARGS__);	\
		abort();						\
	}								\
} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional one-time setup, called before the first input by every driver. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/*
 * Path of the core object of @flavour: $PASIDSIM_CORE_DIR, else the build
 * tree the harness was built in, else the directory of the executable (a
 * ClusterFuzzLite $OUT holds the objects next to the fuzzers).
 */
const char *fuzz_core_path(const char *flavour, char *buf, size_t len);
/*
 * The core copy to load for @flavour under PASIDSIM_FUZZ_CORE=[FLAVOUR][+BUG]
 * (unset: @flavour): FLAVOUR instead of @flavour unless @keep, then its
 * +BUG copy if it is built. Called once per copy, at setup.
 */
const char *fuzz_core_choose(const char *flavour, bool keep);
struct sim_kernel;
/* For each kernel instance of a harness: a counter as its clock. */
void fuzz_kernel_clock(struct sim_kernel *k);
struct sim_core;
/* Report @core's edges at exit when PASIDSIM_FUZZ_COVERAGE is set (coverage.c). */
void fuzz_coverage_register(struct sim_core *core, const char *path);
/* Before sim_core_reset(@core): keep the edges its counters hold. */
void fuzz_coverage_save(struct sim_core *core);
/*
 * Copies loaded behind the harness's back (a world's instances): register
 * every one not registered yet, its file the first of @names (NULL-ended
 * flavour names) of its flavour; fuzz_coverage_save_all() before the
 * world's reset keeps their edges.
 */
void fuzz_coverage_register_loaded(const char *const *names);
void fuzz_coverage_save_all(void);

#endif /* PASIDSIM_FUZZ_H */
