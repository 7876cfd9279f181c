// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the host-side per-VM PASID accounts (core/vfio-pasid.c): quota,
 * ownership of frees, range frees and reclaim at VM teardown, on whichever
 * ioasid allocator flavour the build selected.
 */
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <linux/vfio-pasid.h>
#include <string.h>
#include <ktest.h>
#include <ktest-pasid.h>


static struct vfio_pasid_vm *vm_new(const char *name, unsigned int quota)
{
	struct vfio_pasid_vm *vm = vfio_pasid_vm_create(name, quota);

	cr_assert(!IS_ERR_OR_NULL(vm), "create %s: %ld", name, PTR_ERR(vm));
	return vm;
}

static ioasid_t alloc_ok(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max)
{
	ioasid_t id = SENTINEL;
	int ret = vfio_pasid_alloc(vm, min, max, &id);

	cr_assert_eq(ret, 0, "alloc [%u, %u]: %d", min, max, ret);
	cr_assert(id >= min && id <= max && id != 0, "alloc [%u, %u] gave %u", min, max, id);
	return id;
}

static void alloc_err(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max, int err)
{
	ioasid_t id = SENTINEL;
	int ret = vfio_pasid_alloc(vm, min, max, &id);

	cr_assert_eq(ret, err, "alloc [%u, %u]: %d, expected %d", min, max, ret, err);
	cr_assert_eq(id, SENTINEL, "a failed alloc wrote the out-parameter");
}

static u64 live_objects(void)
{
	struct sim_slab_stats st;

	rcu_barrier();
	sim_slab_stats(NULL, &st);
	return st.live_objects;
}

KTEST(vfio_pasid, default_quota_is_1000)
{
	struct vfio_pasid_vm *vm = vm_new("vm0", VFIO_PASID_QUOTA_DEFAULT);
	ioasid_t id;

	cr_assert_eq(vfio_pasid_quota(vm), 1000);
	for (unsigned int i = 0; i < 1000; i++) {
		id = alloc_ok(vm, 1, IOMMU_PASID_MAX);
		cr_assert_eq(id, i + 1, "lowest free first: got %u", id);
	}
	cr_assert_eq(vfio_pasid_count(vm), 1000);
	alloc_err(vm, 1, IOMMU_PASID_MAX, -ENOSPC);
	/* The space is not exhausted: another VM still gets PASID 1001. */
	{
		struct vfio_pasid_vm *other = vm_new("vm1", VFIO_PASID_QUOTA_DEFAULT);

		cr_assert_eq(alloc_ok(other, 1, IOMMU_PASID_MAX), 1001);
		vfio_pasid_vm_destroy(other);
	}
	/* A free makes room again. */
	cr_assert_eq(vfio_pasid_free(vm, 500), 0);
	cr_assert_eq(alloc_ok(vm, 1, IOMMU_PASID_MAX), 500);
	vfio_pasid_vm_destroy(vm);
}

KTEST(vfio_pasid, per_vm_quota)
{
	struct vfio_pasid_vm *a = vm_new("a", 3);
	struct vfio_pasid_vm *b = vm_new("b", 1);
	struct vfio_pasid_vm *z = vm_new("z", 0);

	cr_assert_eq(vfio_pasid_quota(a), 3);
	cr_assert_eq(vfio_pasid_quota(b), 1);
	for (int i = 0; i < 3; i++)
		alloc_ok(a, 1, 100);
	alloc_err(a, 1, 100, -ENOSPC);
	alloc_ok(b, 1, 100);
	alloc_err(b, 1, 100, -ENOSPC);
	alloc_err(z, 1, 100, -ENOSPC);
	cr_assert_eq(vfio_pasid_count(a), 3);
	cr_assert_eq(vfio_pasid_count(b), 1);
	cr_assert_eq(vfio_pasid_count(z), 0);

	/* Raising the quota lets the VM allocate again. */
	cr_assert_eq(vfio_pasid_set_quota(a, 5), 0);
	alloc_ok(a, 1, 100);
	alloc_ok(a, 1, 100);
	alloc_err(a, 1, 100, -ENOSPC);
	cr_assert_eq(vfio_pasid_set_quota(z, VFIO_PASID_QUOTA_DEFAULT), 0);
	cr_assert_eq(vfio_pasid_quota(z), VFIO_PASID_DEFAULT_QUOTA);
	alloc_ok(z, 1, 100);

	vfio_pasid_vm_destroy(a);
	vfio_pasid_vm_destroy(b);
	vfio_pasid_vm_destroy(z);
}

KTEST(vfio_pasid, set_quota_below_count)
{
	struct vfio_pasid_vm *vm = vm_new("vm", 10);

	for (int i = 0; i < 4; i++)
		alloc_ok(vm, 1, 100);
	cr_assert_eq(vfio_pasid_set_quota(vm, 3), -EINVAL);
	cr_assert_eq(vfio_pasid_quota(vm), 10, "a refused quota change changed the quota");
	cr_assert_eq(vfio_pasid_set_quota(vm, 0), -EINVAL);
	cr_assert_eq(vfio_pasid_set_quota(vm, 4), 0, "quota equal to the count is fine");
	alloc_err(vm, 1, 100, -ENOSPC);
	cr_assert_eq(vfio_pasid_set_quota(NULL, 4), -EINVAL);
	vfio_pasid_vm_destroy(vm);
}

KTEST(vfio_pasid, space_exhaustion_and_ranges)
{
	struct vfio_pasid_vm *vm = vm_new("vm", 100);
	struct vfio_pasid_vm *other = vm_new("other", 100);

	/* [5, 7] holds three PASIDs: the fourth request finds none. */
	cr_assert_eq(alloc_ok(vm, 5, 7), 5);
	cr_assert_eq(alloc_ok(other, 5, 7), 6);
	cr_assert_eq(alloc_ok(vm, 5, 7), 7);
	alloc_err(vm, 5, 7, -ENOSPC);
	alloc_err(other, 5, 7, -ENOSPC);

	alloc_err(vm, 9, 8, -EINVAL);
	alloc_err(vm, 0, 0, -ERANGE);
	alloc_err(vm, IOMMU_PASID_MAX + 1, UINT_MAX, -ERANGE);
	cr_assert_eq(vfio_pasid_alloc(NULL, 1, 2, &(ioasid_t){ 0 }), -EINVAL);
	cr_assert_eq(vfio_pasid_alloc(vm, 1, 2, NULL), -EINVAL);
	/* Ranges are cut to [1, 0xfffff]: PASID 0 is never handed out. */
	cr_assert_eq(alloc_ok(vm, 0, 1), 1);
	cr_assert_eq(alloc_ok(vm, IOMMU_PASID_MAX, UINT_MAX), IOMMU_PASID_MAX);
	cr_assert_eq(vfio_pasid_count(vm), 4);
	cr_assert_eq(vfio_pasid_count(other), 1);

	vfio_pasid_vm_destroy(vm);
	vfio_pasid_vm_destroy(other);
}

KTEST(vfio_pasid, free_of_another_vms_pasid_refused_and_reported)
{
	struct vfio_pasid_vm *a = vm_new("vm-a", 10);
	struct vfio_pasid_vm *b = vm_new("vm-b", 10);
	ioasid_t pa = alloc_ok(a, 1, 100);
	ioasid_t pb = alloc_ok(b, 1, 100);

	cr_assert_eq(vfio_pasid_refused_frees(a), 0);
	sim_log_clear(NULL);
	cr_assert_eq(vfio_pasid_free(a, pb), -EACCES);
	cr_assert(sim_log_contains(NULL, "vm-a: refused to free PASID 2"),
		  "the refusal was not logged");
	cr_assert_eq(vfio_pasid_free(a, 77), -ENOENT);
	cr_assert_eq(vfio_pasid_free(a, 0), -ENOENT);
	cr_assert_eq(vfio_pasid_free(a, INVALID_IOASID), -ENOENT);
	cr_assert_eq(vfio_pasid_refused_frees(a), 4);
	cr_assert_eq(vfio_pasid_refused_frees(b), 0);

	/* Nothing changed. */
	cr_assert_eq(vfio_pasid_lookup(b, pb), 0);
	cr_assert_eq(vfio_pasid_lookup(a, pb), -EACCES);
	cr_assert_eq(vfio_pasid_lookup(a, pa), 0);
	cr_assert_eq(vfio_pasid_lookup(a, 77), -ENOENT);
	cr_assert_eq(vfio_pasid_count(b), 1);
	cr_assert_eq(vfio_pasid_count(a), 1);

	/* A PASID of a host consumer (another set) is refused the same way. */
	{
		static DECLARE_IOASID_SET(host_set);
		ioasid_t h = ioasid_alloc(&host_set, 1, 100, NULL);

		cr_assert(pasid_valid(h));
		cr_assert_eq(vfio_pasid_free(a, h), -EACCES);
		cr_assert_eq(ioasid_find(&host_set, h, NULL), NULL, "the host's PASID vanished");
		ioasid_free(h);
	}

	/* The owner frees it; freeing it again is refused. */
	cr_assert_eq(vfio_pasid_free(b, pb), 0);
	ktest_assert_unallocated(pb);
	cr_assert_eq(vfio_pasid_free(b, pb), -ENOENT);
	cr_assert_eq(vfio_pasid_refused_frees(b), 1);
	cr_assert_eq(vfio_pasid_free(NULL, pa), -EINVAL);

	vfio_pasid_vm_destroy(a);
	vfio_pasid_vm_destroy(b);
}

KTEST(vfio_pasid, free_range_skips_foreign_ids)
{
	struct vfio_pasid_vm *a = vm_new("a", 100);
	struct vfio_pasid_vm *b = vm_new("b", 100);
	ioasid_t id;

	/* Interleave: a holds the odd PASIDs 1..19, b the even ones 2..20. */
	for (int i = 1; i <= 20; i++) {
		id = alloc_ok(i % 2 ? a : b, 1, 100);
		cr_assert_eq(id, (ioasid_t)i);
	}
	cr_assert_eq(vfio_pasid_free_range(a, 5, 14), 5, "a holds 5 7 9 11 13");
	for (ioasid_t p = 5; p <= 13; p += 2)
		ktest_assert_unallocated(p);
	for (ioasid_t p = 2; p <= 20; p += 2)
		cr_assert_eq(vfio_pasid_lookup(b, p), 0, "b lost PASID %u", p);
	cr_assert_eq(vfio_pasid_count(a), 5);
	cr_assert_eq(vfio_pasid_count(b), 10);
	cr_assert_eq(vfio_pasid_refused_frees(a), 0, "skipped IDs are not refusals");

	/* The whole 32-bit range: bounded by what the VM holds. */
	cr_assert_eq(vfio_pasid_free_range(a, 0, UINT_MAX), 5);
	cr_assert_eq(vfio_pasid_count(a), 0);
	cr_assert_eq(vfio_pasid_free_range(a, 0, UINT_MAX), 0);
	cr_assert_eq(vfio_pasid_free_range(a, 3, 2), -EINVAL);
	cr_assert_eq(vfio_pasid_free_range(NULL, 0, 1), -EINVAL);
	cr_assert_eq(vfio_pasid_count(b), 10);

	/* Freed PASIDs are reusable at once, lowest first. */
	cr_assert_eq(alloc_ok(b, 1, 100), 1);

	vfio_pasid_vm_destroy(a);
	vfio_pasid_vm_destroy(b);
}

KTEST(vfio_pasid, destroy_reclaims_everything)
{
	struct vfio_pasid_vm *a = vm_new("a", 300);
	struct vfio_pasid_vm *b = vm_new("b", 300);
	u64 before = live_objects();
	ioasid_t last = 0;

	for (int i = 0; i < 250; i++) {
		alloc_ok(a, 1, IOMMU_PASID_MAX);
		last = alloc_ok(b, 1, IOMMU_PASID_MAX);
	}
	cr_assert_eq(last, 500);
	vfio_pasid_vm_destroy(a);
	for (ioasid_t p = 1; p <= 500; p++) {
		if (p % 2)
			ktest_assert_unallocated(p);
		else
			cr_assert_eq(vfio_pasid_lookup(b, p), 0);
	}
	vfio_pasid_vm_destroy(b);
	for (ioasid_t p = 0; p <= 501; p++)
		ktest_assert_unallocated(p);
	cr_assert_eq(live_objects(), before - 2, "VM teardown left %llu objects",
		     (unsigned long long)(live_objects() - (before - 2)));
	/* The default space is empty again: a custom allocator could register. */
	vfio_pasid_vm_destroy(NULL);
	vfio_pasid_vm_destroy(ERR_PTR(-ENOMEM));
}

KTEST(vfio_pasid, destroy_of_empty_vm)
{
	struct vfio_pasid_vm *vm = vm_new(NULL, 5);

	cr_assert_eq(vfio_pasid_count(vm), 0);
	vfio_pasid_vm_destroy(vm);
}

KTEST(vfio_pasid, alloc_failures_leave_nothing)
{
	struct vfio_pasid_vm *vm = vm_new("vm", 10);
	u64 before = live_objects();
	ioasid_t id = SENTINEL;
	int ret;

	/* 1st attempt: the allocator's record; then the tracking node. */
	for (u64 nth = 1; nth <= 4; nth++) {
		sim_fault_fail_nth(NULL, nth);
		ret = vfio_pasid_alloc(vm, 1, 10, &id);
		sim_fault_reset(NULL);
		if (!ret) {
			cr_assert_eq(vfio_pasid_free(vm, id), 0);
			continue;
		}
		cr_assert(ret == -ENOSPC || ret == -ENOMEM, "nth %llu: %d",
			  (unsigned long long)nth, ret);
		cr_assert_eq(vfio_pasid_count(vm), 0);
		ktest_assert_unallocated(1);
		cr_assert_eq(live_objects(), before, "nth %llu leaked", (unsigned long long)nth);
	}
	vfio_pasid_vm_destroy(vm);

	sim_fault_fail_nth(NULL, 1);
	cr_assert_eq(vfio_pasid_vm_create("x", 1), ERR_PTR(-ENOMEM));
	sim_fault_reset(NULL);
}

KTEST(vfio_pasid, tracking_node_failure_gives_the_id_back)
{
	static DECLARE_IOASID_SET(host_set);
	struct vfio_pasid_vm *vm = vm_new("vm", 10);
	ioasid_t id = SENTINEL;
	int ret;

	/*
	 * Host PASIDs 1..62 fill the first node of the allocator's XArray;
	 * with 40 free again, the allocator needs no new node for it, while
	 * the VM's empty XArray needs one to track PASID 40.
	 */
	for (ioasid_t i = 1; i <= 62; i++)
		cr_assert_eq(ioasid_alloc(&host_set, 1, 62, NULL), i);
	ioasid_free(40);
	rcu_barrier();

	sim_fault_fail_site(NULL, "radix_tree_node");
	ret = vfio_pasid_alloc(vm, 1, 100, &id);
	sim_fault_reset(NULL);
	cr_assert_eq(ret, -ENOMEM);
	cr_assert_eq(id, SENTINEL);
	ktest_assert_unallocated(40);
	cr_assert_eq(vfio_pasid_count(vm), 0);

	cr_assert_eq(alloc_ok(vm, 1, 100), 40);
	vfio_pasid_vm_destroy(vm);
	for (ioasid_t i = 1; i <= 62; i++)
		if (i != 40)
			ioasid_free(i);
}

static int collect_pasids(ioasid_t pasid, void *data)
{
	ioasid_t *v = data;

	v[++v[0]] = pasid;
	return v[0] == 3 ? 7 : 0;
}

KTEST(vfio_pasid, for_each_visits_what_the_vm_holds_in_order)
{
	struct vfio_pasid_vm *a = vm_new("a", 10), *b = vm_new("b", 10);
	ioasid_t seen[8] = { 0 };

	for (int i = 0; i < 3; i++) {
		alloc_ok(a, 1, 100);
		alloc_ok(b, 1, 100);
	}
	cr_assert_eq(vfio_pasid_free(a, 3), 0);
	cr_assert_eq(vfio_pasid_for_each(a, collect_pasids, seen), 0);
	cr_assert_eq(seen[0], 2);
	cr_assert_eq(seen[1], 1);
	cr_assert_eq(seen[2], 5, "the freed PASID is gone, the other VM's are not visited");
	alloc_ok(a, 1, 100);	/* 3 again */
	alloc_ok(a, 1, 100);	/* 7 */
	memset(seen, 0, sizeof(seen));
	cr_assert_eq(vfio_pasid_for_each(a, collect_pasids, seen), 7, "stops at non-zero");
	cr_assert_eq(seen[0], 3);
	cr_assert_eq(seen[3], 5);
	cr_assert_eq(vfio_pasid_for_each(NULL, collect_pasids, seen), -EINVAL);
	cr_assert_eq(vfio_pasid_for_each(a, NULL, NULL), -EINVAL);
	vfio_pasid_vm_destroy(a);
	vfio_pasid_vm_destroy(b);
}

KTEST(vfio_pasid, free_forgets_the_pasid)
{
	struct vfio_pasid_vm *a = vm_new("a", 10), *b = vm_new("b", 10);
	ioasid_t p = alloc_ok(a, 1, 100);

	cr_assert_eq(vfio_pasid_free(a, p), 0);
	cr_assert_eq(vfio_pasid_lookup(a, p), -ENOENT);
	cr_assert_eq(vfio_pasid_count(a), 0);
	cr_assert_eq(alloc_ok(b, 1, 100), p, "the host hands it out again");
	cr_assert_eq(vfio_pasid_lookup(a, p), -EACCES, "and it is no longer a's");
	cr_assert_eq(vfio_pasid_free(a, p), -EACCES);
	vfio_pasid_vm_destroy(a);
	vfio_pasid_vm_destroy(b);
}

/*
 * A host allocator that notes how many locks its caller holds when it is
 * asked to free: a VM's accounts must stay locked until the PASID is back
 * with the allocator, or a concurrent call on the VM sees the PASID counted
 * but not held (fuzz/bugbench/vfio-count-outside-lock.patch).
 */
static bool lk_used[64];
static int lk_locks_in_free = -1;

static ioasid_t lk_alloc(ioasid_t min, ioasid_t max, void *data)
{
	for (ioasid_t id = min; id <= max && id < ARRAY_SIZE(lk_used); id++) {
		if (!lk_used[id]) {
			lk_used[id] = true;
			return id;
		}
	}
	return INVALID_IOASID;
}

static void lk_free(ioasid_t id, void *data)
{
	lk_locks_in_free = sim_locks_held();
	if (id < ARRAY_SIZE(lk_used))
		lk_used[id] = false;
}

static struct ioasid_allocator_ops lk_ops = { .alloc = lk_alloc, .free = lk_free };

static int free_under_lk(void)
{
	struct vfio_pasid_vm *vm = vm_new("vm", 10);
	ioasid_t p;

	cr_assert_eq(ioasid_register_allocator(&lk_ops), 0);
	p = alloc_ok(vm, 1, 100);
	cr_assert_eq(vfio_pasid_free(vm, p), 0);
	cr_assert_not(lk_used[p]);
	cr_assert_eq(vfio_pasid_count(vm), 0);
	vfio_pasid_vm_destroy(vm);
	ioasid_unregister_allocator(&lk_ops);
	return lk_locks_in_free;
}

KTEST(vfio_pasid, free_holds_the_vm_lock)
{
	int held = free_under_lk();

	cr_assert_eq(held, 2, "the allocator's free() ran with %d locks held, not the VM's "
		     "mutex and the allocator's spinlock", held);
}

/*
 * ---- seeded bugs (fuzz/bugbench) ----------------------------------------------
 *
 * Built only into test_vfio_pasid+<bug>: each test asserts the bug's effect
 * (bugbench/<bug>/detected); the vfio_pasid suite above fails against the
 * patched copy (bugbench/<bug>/killed). The executor's invariants catch both
 * in a world (tests/unit/test_executor.c).
 */

#ifdef PASIDSIM_BUG_vfio_free_keeps_entry
KTEST(bugbench, vfio_free_keeps_entry)
{
	struct vfio_pasid_vm *a = vm_new("a", 10), *b = vm_new("b", 10);
	ioasid_t p = alloc_ok(a, 1, 100);

	cr_assert_eq(vfio_pasid_free(a, p), 0);
	cr_assert_eq(vfio_pasid_count(a), 0, "the count went down");
	cr_assert_eq(vfio_pasid_lookup(a, p), 0, "but a still claims the PASID");
	cr_assert_eq(alloc_ok(b, 1, 100), p, "which the host gives to b too");
	cr_assert_eq(vfio_pasid_lookup(b, p), 0);
	vfio_pasid_vm_destroy(b);
	/* a's destroy releases the stale record: its count wraps, WARN_ON(count) */
	ktest_expect(SIM_FINDING_WARN, 1);
	vfio_pasid_vm_destroy(a);
}
#endif

#ifdef PASIDSIM_BUG_vfio_destroy_leaks
KTEST(bugbench, vfio_destroy_leaks)
{
	struct vfio_pasid_vm *a = vm_new("a", 10);
	ioasid_t p = alloc_ok(a, 1, 100);

	vfio_pasid_vm_destroy(a);
	cr_assert_not(IS_ERR(ioasid_find(NULL, p, NULL)),
		      "the PASID is still allocated after its VM went");
	ioasid_free(p);
}
#endif

#ifdef PASIDSIM_BUG_vfio_count_outside_lock
KTEST(bugbench, vfio_count_outside_lock)
{
	cr_assert_eq(free_under_lk(), 1, "the VM's accounts are unlocked during the free");
}
#endif

#ifdef PASIDSIM_BUG_vfio_quota_off_by_one
KTEST(bugbench, vfio_quota_off_by_one)
{
	struct vfio_pasid_vm *vm = vm_new("vm", 1);
	struct vfio_pasid_vm *z = vm_new("z", 0);

	alloc_ok(vm, 1, 100);
	alloc_ok(vm, 1, 100);
	cr_assert_eq(vfio_pasid_count(vm), 2, "two PASIDs on a quota of 1");
	alloc_ok(z, 1, 100);
	alloc_err(z, 1, 100, -ENOSPC);
	vfio_pasid_vm_destroy(vm);
	vfio_pasid_vm_destroy(z);
}
#endif

#ifdef PASIDSIM_BUG_vfio_free_any_owner
KTEST(bugbench, vfio_free_any_owner)
{
	struct vfio_pasid_vm *a = vm_new("a", 10), *b = vm_new("b", 10);
	ioasid_t pb = alloc_ok(b, 1, 100);

	cr_assert_eq(vfio_pasid_free(a, pb), 0, "a freed b's PASID");
	ktest_assert_unallocated(pb);
	cr_assert_eq(vfio_pasid_lookup(b, pb), 0, "b still believes it holds it");
	cr_assert_eq(vfio_pasid_count(a), UINT_MAX, "a's count wrapped");
	vfio_pasid_vm_destroy(b);
	ktest_expect(SIM_FINDING_WARN, 1);	/* WARN_ON(vm->count) */
	vfio_pasid_vm_destroy(a);
}
#endif
