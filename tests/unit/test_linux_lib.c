// SPDX-License-Identifier: GPL-2.0
/*
 * Linux's own test modules of the library code the simulated kernel hosts
 * (lib/test_xarray.c, lib/test_ida.c of the same 6.1 source), compiled
 * unmodified into this binary and run in a fresh kernel instance, as
 * tools/testing/radix-tree runs them in user space.
 *
 * The glue: module_init() puts the module's init function into the
 * "sim_initcall" section (<linux/init.h>); the test calls every initcall of
 * the binary, then reads the module's closing line ("XArray: N of M tests
 * passed", "IDA: ...") from the printk log and requires N == M. Each failed
 * check also prints "BUG at <function>:<line>" (test_xarray) or a stack
 * note, listed by the assertion. The module's return value is not used:
 * test_ida's ida_checks() returns 0 exactly when a check failed (6.1).
 *
 * The instance must end with no live slab object and only the findings the
 * module provokes on purpose (test_ida frees IDs that are not allocated:
 * one WARN each, LINUX_TEST_WARNS).
 */
#include <stdio.h>
#include <string.h>

#include <linux/init.h>

#include <ktest.h>

extern initcall_t __start_sim_initcall[], __stop_sim_initcall[];

/* The module's closing line "<banner>N of M tests passed", searched from the end. */
static bool module_result(unsigned int *passed, unsigned int *run)
{
	size_t i = sim_log_count(NULL);

	while (i--) {
		const char *line = sim_log_text(NULL, i, NULL);
		const char *p = line ? strstr(line, LINUX_TEST_BANNER) : NULL;

		if (p && sscanf(p + strlen(LINUX_TEST_BANNER), "%u of %u tests passed",
				passed, run) == 2)
			return true;
	}
	return false;
}

static void list_failures(void)
{
	size_t i, n = sim_log_count(NULL);

	for (i = 0; i < n; i++) {
		const char *line = sim_log_text(NULL, i, NULL);

		if (line && strstr(line, "BUG at "))
			cr_log_error("%s", line);
	}
}

KTEST(linux_lib, LINUX_TEST_NAME, .timeout = 600)
{
	unsigned int passed = 0, run = 0;
	initcall_t *fn;

	cr_assert_lt(__start_sim_initcall, __stop_sim_initcall, "no module_init() linked");
	ktest_expect(SIM_FINDING_WARN, LINUX_TEST_WARNS);
	for (fn = __start_sim_initcall; fn < __stop_sim_initcall; fn++)
		(*fn)();
	cr_assert(module_result(&passed, &run), "no \"%sN of M tests passed\" line",
		  LINUX_TEST_BANNER);
	if (passed != run)
		list_failures();
	cr_assert_eq(passed, run, "%s%u of %u tests passed", LINUX_TEST_BANNER, passed, run);
	cr_assert_gt(run, 0);
	cr_log_info("%s%u of %u tests passed\n", LINUX_TEST_BANNER, passed, run);
}
