// SPDX-License-Identifier: GPL-2.0
/*
 * The `ida` allocator flavour (core/ida-pasid.c): upstream's global PASID
 * allocator (Linux 6.4+, iommu_alloc_global_pasid() over ida_alloc_range())
 * behind the ioasid names, on Linux's own lib/idr.c.
 */
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/rcupdate.h>

#include <ktest.h>

static DECLARE_IOASID_SET(set_a);
static DECLARE_IOASID_SET(set_b);
static int priv;

static u64 live_objects(void)
{
	struct sim_slab_stats st;

	rcu_barrier();
	sim_slab_stats(NULL, &st);
	return st.live_objects;
}

static u64 injected(void)
{
	struct sim_slab_stats st;

	sim_slab_stats(NULL, &st);
	return st.injected;
}

KTEST(ida_pasid, flavour_is_ida)
{
	cr_assert_str_eq(PASIDSIM_FLAVOUR, "ida");
}

/* The lowest free PASID, from 1 (PASID 0 is IOMMU_NO_PASID); a freed one comes back. */
KTEST(ida_pasid, lowest_free_from_one)
{
	cr_assert_eq(ioasid_alloc(NULL, 0, 100, NULL), 1);
	cr_assert_eq(ioasid_alloc(NULL, 0, 100, NULL), 2);
	cr_assert_eq(ioasid_alloc(NULL, 0, 100, NULL), 3);
	ioasid_free(2);
	cr_assert_eq(ioasid_alloc(NULL, 0, 100, NULL), 2);
	cr_assert_eq(ioasid_alloc(NULL, 50, 100, NULL), 50);
	for (ioasid_t id = 1; id <= 3; id++)
		ioasid_free(id);
	ioasid_free(50);
}

/* No sets, no data: every caller draws from one space; find and set_data refuse. */
KTEST(ida_pasid, one_global_space)
{
	ioasid_t a = ioasid_alloc(&set_a, 1, 100, &priv);
	ioasid_t b = ioasid_alloc(&set_b, 1, 100, &priv);

	cr_assert_eq(a, 1);
	cr_assert_eq(b, 2, "another set shares the space");
	cr_assert_eq(ioasid_find(&set_a, a, NULL), ERR_PTR(-EOPNOTSUPP));
	cr_assert_eq(ioasid_find(NULL, b, NULL), ERR_PTR(-EOPNOTSUPP));
	cr_assert_eq(ioasid_set_data(a, &priv), -EOPNOTSUPP);
	ioasid_free(a);
	ioasid_free(b);
}

static ioasid_t never_alloc(ioasid_t min, ioasid_t max, void *data)
{
	cr_assert_fail("a custom allocator is never called");
	return INVALID_IOASID;
}

static void never_free(ioasid_t id, void *data)
{
	cr_assert_fail("a custom allocator is never called");
}

/* No custom allocators: a guest allocates from its own kernel's space. */
KTEST(ida_pasid, no_custom_allocators)
{
	struct ioasid_allocator_ops ops = { .alloc = never_alloc, .free = never_free };

	cr_assert_eq(ioasid_register_allocator(&ops), -EOPNOTSUPP);
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, NULL), 1);
	ioasid_unregister_allocator(&ops);
	ioasid_free(1);
}

/* Inclusive limits, empty and inverted ranges, the IDA's INT_MAX ceiling. */
KTEST(ida_pasid, range_limits)
{
	cr_assert_eq(ioasid_alloc(NULL, 5, 5, NULL), 5);
	cr_assert_eq(ioasid_alloc(NULL, 5, 5, NULL), INVALID_IOASID, "full");
	cr_assert_eq(ioasid_alloc(NULL, 10, 9, NULL), INVALID_IOASID, "inverted");
	cr_assert_eq(ioasid_alloc(NULL, 0, 0, NULL), INVALID_IOASID, "0 is never handed out");
	cr_assert_eq(ioasid_alloc(NULL, INT_MAX, UINT_MAX, NULL), INT_MAX);
	cr_assert_eq(ioasid_alloc(NULL, INT_MAX, UINT_MAX, NULL), INVALID_IOASID,
		     "nothing above INT_MAX");
	cr_assert_eq(ioasid_alloc(NULL, (u32)INT_MAX + 1, UINT_MAX, NULL), INVALID_IOASID);
	cr_assert_eq(ioasid_alloc(NULL, 0xFFFFF, 0xFFFFF, NULL), 0xFFFFF, "20-bit top");
	ioasid_free(5);
	ioasid_free(INT_MAX);
	ioasid_free(0xFFFFF);
	cr_assert_eq(live_objects(), 0, "an empty IDA owns no memory");
}

/* Freeing what is not allocated is the IDA's WARN; INVALID_IOASID and IDs above INT_MAX too. */
KTEST(ida_pasid, bad_free_warns)
{
	ktest_expect(SIM_FINDING_WARN, 3);
	ioasid_free(77);
	ioasid_free(INVALID_IOASID);
	ioasid_free((u32)INT_MAX + 1);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 3);
	cr_assert(sim_log_contains(NULL, "ida_free called for id=77 which is not allocated."));
}

/*
 * Fail each allocation of one ioasid_alloc() in turn, in a kernel instance of
 * its own: the call returns the PASID (the IDA and the XArray allocate again
 * with GFP_KERNEL) or INVALID_IOASID, and the PASID is free after
 * ioasid_free(). With every allocation failing it returns INVALID_IOASID.
 *
 * Linux 6.1's ida_alloc_range() leaks: when the bitmap it allocated with
 * GFP_NOWAIT cannot be stored for want of an XArray node, it retries after
 * xas_nomem() and allocates another bitmap; the first is never freed. Each
 * such failure leaves one 128-byte object from ida_alloc_range(), and the
 * instance's teardown reports them.
 */
Test(ida_pasid, nomem_sweep)
{
	struct sim_kernel *k = sim_kernel_create("ida-nomem");
	struct sim_kernel *prev = sim_kernel_enter(k);
	u64 n, now, live = live_objects(), leaked = 0;
	unsigned int ok = 0;
	ioasid_t id;

	for (n = 1; n < 64; n++) {
		u64 before = injected();

		sim_fault_fail_nth(NULL, n);
		id = ioasid_alloc(NULL, 100000, 100000, NULL);
		sim_fault_fail_nth(NULL, 0);
		if (injected() == before) {
			cr_assert_eq(id, 100000);
			ioasid_free(id);
			break;
		}
		if (pasid_valid(id)) {
			cr_assert_eq(id, 100000);
			ioasid_free(id);
			ok++;
		}
		now = live_objects();
		cr_assert(now == live + leaked || now == live + leaked + 1,
			  "failure %llu: %llu objects live, %llu before", (unsigned long long)n,
			  (unsigned long long)now, (unsigned long long)(live + leaked));
		leaked = now - live;
	}
	cr_assert_gt(n, 2, "the IDA allocates a bitmap and XArray nodes");
	cr_assert_gt(ok, 0, "failures absorbed by the retries");
	cr_assert_eq(leaked, 2, "6.1's bitmap leak, twice in this sweep");
	cr_log_info("ioasid_alloc(100000): %llu allocations, %u failures absorbed, %llu leaked\n",
		    (unsigned long long)n - 1, ok, (unsigned long long)leaked);

	sim_fault_fail_probability(NULL, 1000000, 1);
	cr_assert_eq(ioasid_alloc(NULL, 100000, 100000, NULL), INVALID_IOASID);
	sim_fault_reset(NULL);
	cr_assert_eq(live_objects(), live + leaked);
	cr_assert_eq(ioasid_alloc(NULL, 100000, 100000, NULL), 100000, "nothing was taken");
	ioasid_free(100000);
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), leaked);
}

/* A small space runs out and refills. */
KTEST(ida_pasid, exhaustion)
{
	for (ioasid_t id = 1; id <= 300; id++)
		cr_assert_eq(ioasid_alloc(NULL, 1, 300, NULL), id);
	cr_assert_eq(ioasid_alloc(NULL, 1, 300, NULL), INVALID_IOASID);
	ioasid_free(200);
	cr_assert_eq(ioasid_alloc(NULL, 1, 300, NULL), 200);
	for (ioasid_t id = 1; id <= 300; id++)
		ioasid_free(id);
	cr_assert_eq(live_objects(), 0);
}
