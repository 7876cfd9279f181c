// SPDX-License-Identifier: GPL-2.0
/*
 * AFL++ driver of a harness: persistent mode with shared-memory test cases.
 *
 * Built only by afl-clang-fast/afl-clang-lto (the afl preset), which define
 * the __AFL_* macros. The harness's one-time setup (LLVMFuzzerInitialize:
 * loading the core objects) runs before the deferred fork server starts
 * (__AFL_INIT), so every child inherits the loaded copies and their
 * coverage guards are numbered before afl-fuzz learns the map size.
 * Each child then runs up to AFL_LOOP_COUNT inputs from the shared-memory
 * buffer before afl-fuzz forks a fresh one.
 *
 * Outside afl-fuzz the binary reads one input from stdin and runs it once
 * (what afl-tmin and a reproduction need). fuzz/kernel.c asks AFL's
 * runtime for the deferred start in every AFL build of a kernel harness.
 */
#include <stdint.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
#error "afl-main.c needs afl-clang-fast or afl-clang-lto (configure the afl preset)"
#endif

#define AFL_LOOP_COUNT	100000

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
	unsigned char *buf;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(AFL_LOOP_COUNT)) {
		int len = __AFL_FUZZ_TESTCASE_LEN;

		LLVMFuzzerTestOneInput(buf, len);
	}
	return 0;
}
