// SPDX-License-Identifier: GPL-2.0
/* ktest: per-test kernel instance, leak and findings check. */
#include <linux/rcupdate.h>
#include <ktest.h>

static struct sim_kernel *ktest_k;
static struct sim_kernel *ktest_prev;
static size_t ktest_expected[SIM_FINDING__COUNT];

struct sim_kernel *ktest_kernel(void)
{
	return ktest_k;
}

void ktest_begin(void)
{
	ktest_k = sim_kernel_create("test");
	ktest_prev = sim_kernel_enter(ktest_k);
	for (int i = 0; i < SIM_FINDING__COUNT; i++)
		ktest_expected[i] = 0;
}

void ktest_expect(enum sim_finding_kind kind, size_t n)
{
	ktest_expected[kind] += n;
}

void ktest_end(void)
{
	struct sim_kernel *k = ktest_k;
	struct sim_slab_stats st;
	bool findings_ok = true;

	rcu_barrier();
	sim_slab_stats(k, &st);
	if (st.live_objects)
		sim_slab_report_leaks(k, stderr);
	for (int i = 0; i < SIM_FINDING__COUNT; i++)
		if (sim_findings_count(k, i) != ktest_expected[i])
			findings_ok = false;
	if (!findings_ok)
		sim_findings_print(k, stderr);

	cr_assert_eq(st.live_objects, 0,
		     "leak: %llu slab objects (%llu bytes) live at the end of the test",
		     (unsigned long long)st.live_objects,
		     (unsigned long long)st.live_bytes);
	for (int i = 0; i < SIM_FINDING__COUNT; i++)
		cr_assert_eq(sim_findings_count(k, i), ktest_expected[i],
			     "%zu %s finding(s), %zu expected (listed above)",
			     sim_findings_count(k, i),
			     sim_finding_kind_name(i), ktest_expected[i]);

	sim_kernel_leave(ktest_prev);
	sim_kernel_destroy(k);
	ktest_k = NULL;
}
