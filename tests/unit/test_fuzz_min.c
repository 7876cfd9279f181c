// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim fuzz --minimize (tools/fuzz-min.c): the finding signature on
 * made-up logs, and, with the fuzz preset built, a world finding of a seeded
 * bug (tests/data/fuzz/world-vfio-quota-off-by-one.crash, 85 bytes, found by
 * a 1 s campaign on the vfio-quota-off-by-one copy) shrunk by libFuzzer
 * with the same finding.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz-min.h"

#define FUZZ_BUILD PASIDSIM_SOURCE_DIR "/build/fuzz"
#define CRASH PASIDSIM_SOURCE_DIR "/tests/data/fuzz/world-vfio-quota-off-by-one.crash"

static int run(const char *cmd, char *out, size_t len)
{
	char full[8192];
	FILE *p;
	size_t n = 0;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	cr_assert(p);
	if (out) {
		n = fread(out, 1, len - 1, p);
		out[n] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(fuzz_min, fuzz_assert_beats_the_sanitizer_lines)
{
	const char *log =
		"INFO: Seed: 1\n"
		"==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020000000f0\n"
		"fuzz/world.c:87: FUZZ_ASSERT(0) failed: guest: INVARIANT finding: quota: vm0 "
		"holds 9 PASIDs, more than its quota of 8 (after operation 9)\n"
		"SUMMARY: AddressSanitizer: heap-use-after-free core/ioasid.c:42:7 in ioasid_find\n";
	char sig[256], line[256];

	cr_assert_eq(fuzz_finding_signature(log, sig, sizeof(sig), line, sizeof(line)), 1);
	cr_expect_str_eq(sig, "fuzz/world.c:#: FUZZ_ASSERT(#) failed: guest: INVARIANT finding: "
			 "quota: vm# holds # PASIDs, more than its quota of # (after operation #)");
	cr_expect(!strncmp(line, "fuzz/world.c:87: FUZZ_ASSERT", 28), "%s", line);
}

Test(fuzz_min, numbers_and_addresses_do_not_make_another_finding)
{
	char a[256], b[256], c[256];

	cr_assert(fuzz_finding_signature("==1==ERROR: x\nSUMMARY: AddressSanitizer: "
					 "heap-use-after-free core/ioasid.c:42:7 in f 0xdead\n",
					 a, sizeof(a), NULL, 0));
	cr_assert(fuzz_finding_signature("SUMMARY: AddressSanitizer: heap-use-after-free "
					 "core/ioasid.c:420:17 in f 0xbeef  \n", b, sizeof(b),
					 NULL, 0));
	cr_expect_str_eq(a, b);
	cr_assert(fuzz_finding_signature("SUMMARY: AddressSanitizer: heap-use-after-free "
					 "core/ioasid.c:42:7 in g\n", c, sizeof(c), NULL, 0));
	cr_expect_str_neq(a, c, "another function is another finding");
}

Test(fuzz_min, ubsan_and_no_finding)
{
	char sig[256];

	cr_expect_eq(fuzz_finding_signature("INFO: Running\nExecuted x in 3 ms\n", sig,
					    sizeof(sig), NULL, 0), 0);
	cr_expect_eq(fuzz_finding_signature("", sig, sizeof(sig), NULL, 0), 0);
	cr_assert_eq(fuzz_finding_signature("core/vfio-pasid.c:12:3: runtime error: signed "
					    "integer overflow\n", sig, sizeof(sig), NULL, 0), 1);
	cr_expect(strstr(sig, "runtime error: signed integer overflow"), "%s", sig);
}

/* ---- with the fuzz preset built (scripts/test.sh reruns fuzz_cli after building it) -------- */

static bool built(void)
{
	return !access(FUZZ_BUILD "/fuzz/world_libfuzzer", X_OK) &&
	       !access(FUZZ_BUILD "/fuzz/fuzz_world", X_OK) &&
	       !access(FUZZ_BUILD "/fuzz/bugbench/vfio-quota-off-by-one", F_OK);
}

Test(fuzz_cli, minimize_keeps_the_finding, .timeout = 240)
{
	char dir[] = "/tmp/fuzz-min-XXXXXX", cmd[PATH_MAX + 1024], out[8192], min[256];
	struct stat in_sb, out_sb;

	if (!built())
		cr_skip_test("the fuzz preset is not built (cmake --build --preset fuzz)");
	cr_assert(mkdtemp(dir));
	snprintf(min, sizeof(min), "%s/min", dir);
	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s --flavour=+vfio-quota-off-by-one "
		 "--time=15 --bin-dir=%s -o %s", PASIDSIM_CLI, CRASH, FUZZ_BUILD "/fuzz", min);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "the same finding:") && strstr(out, "INVARIANT finding: quota:"),
		  "%s", out);
	cr_assert_eq(stat(CRASH, &in_sb), 0);
	cr_assert_eq(stat(min, &out_sb), 0);
	cr_expect_lt(out_sb.st_size, in_sb.st_size, "%lld bytes from %lld",
		     (long long)out_sb.st_size, (long long)in_sb.st_size);
	/* the correct core gives no finding: nothing to minimise, nothing written */
	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s --time=3 --bin-dir=%s -o %s/x",
		 PASIDSIM_CLI, CRASH, FUZZ_BUILD "/fuzz", dir);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "shows no finding for it: nothing to minimise"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s/x", dir);
	cr_expect_neq(access(cmd, F_OK), 0, "nothing written");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd, NULL, 0);
}

Test(fuzz_cli, minimize_usage_errors)
{
	char cmd[1024], out[4096];

	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s -o - --bin-dir=%s", PASIDSIM_CLI,
		 CRASH, FUZZ_BUILD "/fuzz");
	if (built()) {
		cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
		cr_expect(strstr(out, "expected a file, not standard output"), "%s", out);
	}
	snprintf(cmd, sizeof(cmd), "%s fuzz nosuch --minimize=%s", PASIDSIM_CLI, CRASH);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "'nosuch': expected a harness"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s --bin-dir=/nonexistent",
		 PASIDSIM_CLI, CRASH);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "cmake --preset fuzz"), "%s", out);
}
