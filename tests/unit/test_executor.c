// SPDX-License-Identifier: GPL-2.0
/*
 * The executor's operation vocabulary (sim/world/ops.c): the iommu_pasid and
 * ioasid APIs on bare metal (a world with no VMs) and in guests with one
 * answer, vIOMMU hot-plug and hot-unplug through the guest driver's paths,
 * allocator unregister behind the driver, host quota changes and VMM death
 * with operations in flight, cookies.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/world.h>

static struct sim_world *world_new(struct sim_world_params *p)
{
	char err[512];
	struct sim_world *w = sim_world_create(p, err, sizeof(err));

	cr_assert_not_null(w, "sim_world_create: %s", err);
	return w;
}

/* Run @op on @vm/@cpu alone and return its event. */
static struct sim_event run1(struct sim_world *w, int vm, unsigned int cpu, struct sim_op op)
{
	static u64 cookie;
	enum sim_sched_result r;
	size_t n;

	op.cookie = ++cookie;
	cr_assert_eq(sim_world_submit(w, vm, cpu, &op), 0, "submit %s", sim_op_name(op.kind));
	r = sim_world_run(w);
	cr_assert_eq(r, SIM_SCHED_IDLE, "run stopped (%d): %s", r, sim_world_report(w));
	n = sim_world_nevents(w);
	cr_assert_gt(n, 0);
	cr_assert_eq(sim_world_event(w, n - 1)->cookie, op.cookie, "the event is the op's");
	return *sim_world_event(w, n - 1);
}

#define OP(k, ...) ((struct sim_op){ .kind = (k), __VA_ARGS__ })

static size_t findings(struct sim_world *w, int kind)
{
	return sim_world_findings(w, kind);
}

static void params(struct sim_world_params *p, unsigned int nvms, enum sim_world_path path)
{
	sim_world_params_init(p);
	p->nvms = nvms;
	p->path = path;
}

/* ---- one answer wherever it runs ---- */

/*
 * iommu_pasid_alloc(min=0, max=0) is -EINVAL (docs/api.md: the range is
 * intersected with the consumer's, and [0, 0] holds no valid PASID), on the
 * host of a bare-metal world and in a guest alike.
 */
Test(executor, empty_range_is_einval_on_bare_metal_and_in_a_guest)
{
	struct iommu_pasid hc = { .name = "hc" }, gc = { .name = "gc" };
	struct sim_world_params p;
	struct sim_world *bare, *vm;

	params(&p, 0, SIM_WORLD_PATH_VTD);
	bare = world_new(&p);
	cr_assert_eq(run1(bare, SIM_WORLD_HOST, 0, OP(SIM_OP_INIT, .consumer = &hc)).result, 0);
	cr_expect_eq(run1(bare, SIM_WORLD_HOST, 0,
			  OP(SIM_OP_ALLOC, .consumer = &hc, .a = 0, .b = 0)).result, -EINVAL);
	params(&p, 1, SIM_WORLD_PATH_VTD);
	vm = world_new(&p);
	cr_expect_eq(run1(vm, 0, 0, OP(SIM_OP_ALLOC, .a = 0, .b = 0)).result, -EINVAL,
		     "the VM's booted consumer");
	cr_assert_eq(run1(vm, 0, 0, OP(SIM_OP_INIT, .consumer = &gc)).result, 0);
	cr_expect_eq(run1(vm, 0, 0, OP(SIM_OP_ALLOC, .consumer = &gc, .a = 0, .b = 0)).result,
		     -EINVAL, "another consumer of the guest");
	/* and the whole range, clamped, is fine in both */
	cr_expect_eq(run1(bare, SIM_WORLD_HOST, 0,
			  OP(SIM_OP_ALLOC, .consumer = &hc, .a = 0, .b = U32_MAX)).value, 1);
	cr_expect_eq(run1(vm, 0, 0, OP(SIM_OP_ALLOC, .consumer = &gc, .a = 0,
					.b = U32_MAX)).result, 0);
	run1(bare, SIM_WORLD_HOST, 0, OP(SIM_OP_EXIT, .consumer = &hc));
	run1(vm, 0, 0, OP(SIM_OP_EXIT, .consumer = &gc));
	cr_expect_eq(findings(bare, -1) + findings(vm, -1), 0);
	sim_world_destroy(bare);
	sim_world_destroy(vm);
}

/* The host of a world with no VMs runs both APIs; a host op with no consumer is -EINVAL. */
Test(executor, bare_metal_runs_both_apis)
{
	struct iommu_pasid c = { .name = "c" };
	struct ioasid_set set;
	struct sim_world_params p;
	struct sim_world *w;
	struct sim_event e;
	int token;

	params(&p, 0, SIM_WORLD_PATH_VTD);
	p.host_cpus = 2;
	w = world_new(&p);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 9)).result,
		     -EINVAL, "no consumer named");
	cr_assert_eq(run1(w, SIM_WORLD_HOST, 1, OP(SIM_OP_INIT, .consumer = &c, .a = 0,
						  .b = 0)).result, 0);
	e = run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_ALLOC, .consumer = &c, .a = 5, .b = 9,
					  .arg = (uintptr_t)&token));
	cr_assert_eq(e.result, 0);
	cr_expect_eq(e.value, 5);
	e = run1(w, SIM_WORLD_HOST, 1, OP(SIM_OP_FIND, .consumer = &c, .a = 5));
	cr_expect_eq(e.value, (uintptr_t)&token);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_FOR_EACH, .consumer = &c)).value, 1);
	e = run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_IOASID_ALLOC, .set = &set, .a = 5, .b = 6));
	cr_expect_eq(e.value, 6, "the raw API shares the space");
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_IOASID_FIND, .set = &set,
						   .a = 6)).result, 0);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_IOASID_SET_DATA, .a = 6,
						   .arg = (uintptr_t)&token)).result, 0);
	e = run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_IOASID_ALLOC, .set = &set, .a = 5, .b = 6));
	cr_expect_eq(e.value, INVALID_IOASID);
	cr_expect_eq(e.result, -ENOSPC);
	run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_IOASID_FREE, .a = 6));
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_FREE, .consumer = &c, .a = 5)).result,
		     0);
	run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_EXIT, .consumer = &c));
	cr_expect_eq(sim_world_submit(w, SIM_WORLD_HOST, 0, &OP(SIM_OP_REG_WRITE)), -EINVAL,
		     "guest-only operations are refused on the host");
	cr_expect_eq(findings(w, -1), 0);
	sim_world_destroy(w);
}

/* ---- vIOMMU hot-plug and hot-unplug ---- */

/* Unplug one of two VT-d vIOMMUs: the guest keeps allocating host PASIDs through the other. */
Test(executor, vtd_unplug_one_of_two_the_other_serves)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct sim_event e;

	params(&p, 1, SIM_WORLD_PATH_VTD);
	p.viommus = 2;
	w = world_new(&p);
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, 0);
	cr_expect_null(sim_world_vtd(w, 0, 0), "the device is gone from the VM");
	e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100));
	cr_assert_eq(e.result, 0);
	cr_expect_eq(sim_world_host_count(w, 0), 2, "both PASIDs come from the host");
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_FREE, .a = e.value)).result, 0);
	cr_expect_eq(sim_world_host_count(w, 0), 1, "the free reached the host");
	/* lifecycle errors */
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, -ENODEV);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 1)).result, -EBUSY);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 2)).result, -EINVAL);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_REG_READ, .a = 0, .b = 0)).result, -EINVAL,
		     "no register window once unplugged");
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOCATOR_UNREGISTER, .a = 0)).result, -ENODEV);
	/* plugged again: a new device, the driver probes it, it serves */
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 0)).result, 0);
	cr_expect_not_null(sim_world_vtd(w, 0, 0));
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_REG_READ32, .a = 0, .b = 0x10)).result, 0);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
	cr_expect_eq(sim_world_host_count(w, 0), 2);
	cr_expect_eq(findings(w, -1), 0);
	/* a reset brings every slot back to its boot state */
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 1)).result, 0);
	cr_assert_eq(sim_world_reset(w), 0);
	cr_expect_not_null(sim_world_vtd(w, 0, 1));
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 1)).result, 0);
	sim_world_destroy(w);
}

/*
 * Unplugging the last vIOMMU while the guest holds a PASID: the guest driver
 * unregisters its allocator and the I/O ASID core orphans the ID with a WARN
 * (core/ioasid.c, as Linux 6.1 does).
 */
Test(executor, unplug_last_viommu_with_ids_outstanding_warns)
{
	for (int path = 0; path < 2; path++) {
		struct sim_world_params p;
		struct sim_world *w;

		params(&p, 1, path);
		w = world_new(&p);
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
		cr_assert_eq(findings(w, SIM_FINDING_WARN), 0);
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, 0);
		cr_expect_eq(findings(w, SIM_FINDING_WARN), 1, "path %d: the orphan WARN", path);
		sim_world_destroy(w);
	}
}

/* virtio-iommu: unplug with nothing held, plug again, allocations reach the host again. */
Test(executor, virtio_unplug_and_replug)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct sim_event e;

	params(&p, 1, SIM_WORLD_PATH_VIRTIO);
	w = world_new(&p);
	e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100));
	cr_assert_eq(e.result, 0);
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_FREE, .a = e.value)).result, 0);
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, 0);
	cr_expect_null(sim_world_virtio(w, 0));
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, -ENODEV);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 1)).result, -EINVAL,
		     "one virtio-iommu slot");
	cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 0)).result, 0);
	e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100));
	cr_assert_eq(e.result, 0);
	cr_expect_eq(sim_world_host_count(w, 0), 1);
	cr_expect_eq(findings(w, -1), 0);
	sim_world_destroy(w);
}

/* ---- the host side ---- */

Test(executor, host_quota_change_and_any_vm_id)
{
	struct sim_world_params p;
	struct sim_world *w;

	params(&p, 2, SIM_WORLD_PATH_VTD);
	w = world_new(&p);
	cr_assert_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_SET_QUOTA, .arg = 1, .a = 1)).result,
		     0);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, -ENOSPC,
		     "the new quota holds");
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0,
		     "the other VM keeps its quota");
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_SET_QUOTA, .arg = 7)).result,
		     -ENODEV, "no VM 7");
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOC, .arg = 99, .a = 1,
						   .b = 9)).result, -ENODEV);
	cr_expect_eq(findings(w, -1), 0);
	sim_world_destroy(w);
}

/*
 * The VMM dies (host side) while the VM's four vCPUs are in the middle of
 * allocating: the run ends (no deadlock, no panic), the host holds nothing
 * for the VM, and the VM's later operations fail with -ENODEV.
 */
Test(executor, vm_destroyed_with_operations_in_flight)
{
	for (int path = 0; path < 2; path++) {
		struct sim_world_params p;
		struct sim_world *w;
		struct sim_op kill = OP(SIM_OP_HOST_VM_DESTROY, .arg = 0, .at_ns = 20000);
		enum sim_sched_result r;
		size_t ok = 0, gone = 0;

		params(&p, 2, path);
		p.vcpus = 4;
		w = world_new(&p);
		for (unsigned int c = 0; c < 4; c++)
			for (int i = 0; i < 50; i++)
				cr_assert_eq(sim_world_submit(w, 0, c, &OP(SIM_OP_ALLOC, .a = 1,
									.b = 1000)), 0);
		cr_assert_eq(sim_world_submit(w, SIM_WORLD_HOST, 0, &kill), 0);
		r = sim_world_run(w);
		cr_assert_eq(r, SIM_SCHED_IDLE, "path %d: %s", path, sim_world_report(w));
		for (size_t i = 0; i < sim_world_nevents(w); i++) {
			const struct sim_event *e = sim_world_event(w, i);

			if (e->kind != SIM_OP_ALLOC)
				continue;
			ok += e->result == 0;
			gone += e->result == -ENODEV;
		}
		cr_expect_gt(ok, 0, "path %d: some allocations ran before", path);
		cr_expect_gt(gone, 0, "path %d: some were refused after", path);
		cr_expect_eq(sim_world_host_count(w, 0), 0, "path %d: reclaimed", path);
		cr_expect_eq(run1(w, 0, 1, OP(SIM_OP_FOR_EACH)).result, -ENODEV);
		cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 9)).result, 0,
			     "path %d: the other VM runs on", path);
		sim_world_destroy(w);
	}
}

/* ---- cross-layer invariants, each broken on purpose ---- */

/* Findings of kind INVARIANT named @name in VM @vm's (or the host's) kernel. */
static size_t invariant(struct sim_world *w, int vm, const char *name)
{
	struct sim_kernel *k = sim_world_kernel(w, vm);
	const struct sim_finding *f;
	size_t n = 0;

	for (size_t i = 0; (f = sim_finding_get(k, i)); i++)
		n += f->kind == SIM_FINDING_INVARIANT && !strncmp(f->msg, name, strlen(name)) &&
		     f->msg[strlen(name)] == ':';
	return n;
}

static bool core_built(const char *flavour)
{
	char path[4096];

	return !access(sim_core_path(flavour, path, sizeof(path)), R_OK);
}

/* The host frees a PASID the guest still holds: the guest uses what the host does not hold. */
Test(executor, invariant_guest_without_host)
{
	for (int path = 0; path < 2; path++) {
		struct sim_world_params p;
		struct sim_world *w;
		struct sim_event e;

		params(&p, 1, path);
		p.cookie_label = "step";
		w = world_new(&p);
		e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100));
		cr_assert_eq(e.result, 0);
		cr_assert_eq(findings(w, -1), 0);
		run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_FREE, .arg = 0, .a = e.value));
		cr_expect_eq(invariant(w, 0, "guest-without-host"), 1, "path %d", path);
		cr_expect_eq(findings(w, -1), 1, "path %d: nothing else", path);
		cr_expect(strstr(sim_finding_get(sim_world_kernel(w, 0), 0)->msg, "(after step "),
			  "names the operation by the driver's label");
		/* reported once, however many runs see it */
		run1(w, 0, 0, OP(SIM_OP_FOR_EACH));
		cr_expect_eq(findings(w, -1), 1);
		sim_world_destroy(w);
	}
}

/*
 * The guest's vIOMMU allocator is unregistered behind its driver's back with
 * a PASID outstanding: the I/O ASID core orphans the ID (with a WARN) and
 * forgets it, while the host still holds it for the VM: a leak of the VM's
 * quota, on both paths and both guest flavours.
 */
Test(executor, invariant_host_leak_after_allocator_switch)
{
	static const char *const guests[] = { "pasidsim", "linux-6.1" };

	for (int path = 0; path < 2; path++) {
		for (size_t g = 0; g < ARRAY_SIZE(guests); g++) {
			struct sim_world_params p;
			struct sim_world *w;

			if (!core_built(guests[g]))
				continue;
			params(&p, 1, path);
			p.guest_flavour = guests[g];
			w = world_new(&p);
			cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
			cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOCATOR_UNREGISTER, .a = 0)).result,
				     0);
			cr_expect_eq(invariant(w, 0, "host-without-guest"), 1, "path %d, %s",
				     path, guests[g]);
			cr_expect_geq(findings(w, SIM_FINDING_WARN), 1, "the orphan WARN");
			sim_world_destroy(w);
		}
	}
}

/* The host allocates for a VM on its own: a PASID no guest allocator tracks. */
Test(executor, invariant_host_without_guest)
{
	struct sim_world_params p;
	struct sim_world *w;

	params(&p, 2, SIM_WORLD_PATH_VTD);
	w = world_new(&p);
	run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOC, .arg = 1, .a = 1, .b = 50));
	cr_expect_eq(invariant(w, 1, "host-without-guest"), 1);
	cr_expect_eq(findings(w, -1), 1);
	/* a guest that writes its own VCMD holds what its kernel does not: not a finding */
	sim_world_destroy(w);
	params(&p, 1, SIM_WORLD_PATH_VTD);
	w = world_new(&p);
	run1(w, 0, 0, OP(SIM_OP_REG_WRITE, .a = 0, .b = 0xe00, .arg = 1));
	run1(w, 0, 0, OP(SIM_OP_FOR_EACH));
	cr_expect_eq(findings(w, -1), 0, "a hostile guest's own PASIDs are its own");
	sim_world_destroy(w);
}

/*
 * A host that frees a PASID but keeps the VM's record of it (seeded bug
 * fuzz/bugbench/vfio-free-keeps-entry): the quota count no longer matches,
 * and the next VM to allocate gets the PASID the first still claims.
 */
Test(executor, invariant_two_vms_and_quota_count)
{
	static const char *const hosts[] = { "pasidsim+vfio-free-keeps-entry",
					     "linux-6.1+vfio-free-keeps-entry" };

	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		struct sim_world_params p;
		struct sim_world *w;
		struct sim_event e;

		if (!core_built(hosts[i])) {
			cr_expect(i > 0, "%s must be built", hosts[i]);
			continue;
		}
		params(&p, 2, SIM_WORLD_PATH_VTD);
		p.host_flavour = hosts[i];
		w = world_new(&p);
		e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100));
		cr_assert_eq(e.result, 0);
		cr_assert_eq(findings(w, -1), 0, "%s: clean until the free", hosts[i]);
		run1(w, 0, 0, OP(SIM_OP_FREE, .a = e.value));
		cr_expect_eq(invariant(w, 0, "quota-count"), 1, "%s", hosts[i]);
		cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).value, e.value);
		cr_expect_eq(invariant(w, SIM_WORLD_HOST, "two-vms"), 1, "%s", hosts[i]);
		sim_world_destroy(w);
	}
}

/* A host that forgets to give a destroyed VM's PASIDs back (fuzz/bugbench/vfio-destroy-leaks). */
Test(executor, invariant_destroyed_vm)
{
	static const char *const hosts[] = { "pasidsim+vfio-destroy-leaks",
					     "linux-6.1+vfio-destroy-leaks", "pasidsim" };

	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		struct sim_world_params p;
		struct sim_world *w;

		if (!core_built(hosts[i])) {
			cr_expect(i == 1, "%s must be built", hosts[i]);
			continue;
		}
		params(&p, 2, SIM_WORLD_PATH_VIRTIO);
		p.host_flavour = hosts[i];
		w = world_new(&p);
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
		run1(w, 0, 0, OP(SIM_OP_VM_DESTROY));
		cr_expect_eq(invariant(w, 0, "destroyed-vm"), i < 2, "%s", hosts[i]);
		cr_expect_eq(findings(w, -1), i < 2, "%s: nothing else", hosts[i]);
		sim_world_destroy(w);
	}
}

/*
 * A VM never holds more than its quota: broken on purpose by a host whose
 * quota check is off by one (fuzz/bugbench/vfio-quota-off-by-one), which
 * grants a VM at its quota one PASID more; the correct host refuses it
 * (-ENOSPC in the guest) and reports nothing, on both paths.
 */
Test(executor, invariant_quota)
{
	static const char *const hosts[] = { "pasidsim+vfio-quota-off-by-one",
					     "linux-6.1+vfio-quota-off-by-one", "pasidsim" };

	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		for (int path = 0; path < 2; path++) {
			struct sim_world_params p;
			struct sim_world *w;
			struct sim_event e;

			if (!core_built(hosts[i])) {
				cr_expect(i == 1, "%s must be built", hosts[i]);
				continue;
			}
			params(&p, 1, path);
			p.host_flavour = hosts[i];
			p.quota = 2;
			w = world_new(&p);
			for (int n = 0; n < 2; n++)
				cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result,
					     0);
			cr_assert_eq(findings(w, -1), 0, "%s: clean at the quota", hosts[i]);
			e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100));
			cr_expect_eq(e.result, i < 2 ? 0 : -ENOSPC, "%s, path %d", hosts[i], path);
			cr_expect_eq(invariant(w, 0, "quota"), i < 2, "%s, path %d", hosts[i], path);
			cr_expect_eq(findings(w, -1), i < 2, "%s: nothing else", hosts[i]);
			sim_world_destroy(w);
		}
	}
}

/*
 * A VT-d guest driver reads its VMM's "no PASID" as an unexpected status
 * code: broken on purpose by the guest copy with bug B1
 * (fuzz/bugbench/vtd-sc-no-pasid-v30) in the VT-d 3.0 layout, whose
 * exhausted host reads as -ENODEV instead of -ENOSPC; the correct guest
 * reports nothing, and neither does the seeded one in the 3.3 layout.
 */
Test(executor, invariant_vtd_status)
{
	static const char *const guests[] = { "pasidsim+vtd-sc-no-pasid-v30", "pasidsim" };

	for (size_t g = 0; g < ARRAY_SIZE(guests); g++) {
		for (int layout = 0; layout < 2; layout++) {
			bool fires = g == 0 && layout == VTD_LAYOUT_30;
			struct sim_world_params p;
			struct sim_world *w;

			cr_assert(core_built(guests[g]), "%s must be built", guests[g]);
			params(&p, 1, SIM_WORLD_PATH_VTD);
			vtd_params_init(&p.vtd, layout);
			p.guest_flavour = guests[g];
			p.quota = 1;
			w = world_new(&p);
			cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
			cr_assert_eq(findings(w, -1), 0, "%s: clean until the quota", guests[g]);
			cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result,
				     -ENOSPC, "the consumer sees -ENOSPC either way");
			cr_expect_eq(invariant(w, 0, "vtd-status"), fires, "%s, layout %d",
				     guests[g], layout);
			cr_expect_eq(findings(w, -1), fires, "%s: nothing else", guests[g]);
			sim_world_destroy(w);
		}
	}
}

/*
 * A raw ioasid_free() of a consumer's ID, its private data attached: the
 * VT-d driver refuses to free an active IOASID on the host (DOMAIN.md 2.4),
 * so the host keeps it (a leak the consumer's own free cannot undo); broken
 * on purpose by the guest copy without that check
 * (fuzz/bugbench/vtd-free-unchecked), which gives it back.
 */
Test(executor, invariant_vtd_active_free)
{
	static const char *const guests[] = { "pasidsim+vtd-free-unchecked", "pasidsim" };

	for (size_t g = 0; g < ARRAY_SIZE(guests); g++) {
		struct sim_world_params p;
		struct sim_world *w;
		struct sim_event e;

		cr_assert(core_built(guests[g]), "%s must be built", guests[g]);
		params(&p, 1, SIM_WORLD_PATH_VTD);
		p.guest_flavour = guests[g];
		w = world_new(&p);
		e = run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100, .arg = 0x1234));
		cr_assert_eq(e.result, 0);
		cr_assert_eq(findings(w, -1), 0);
		run1(w, 0, 0, OP(SIM_OP_IOASID_FREE, .a = e.value));
		cr_expect_eq(invariant(w, 0, "vtd-active-free"), g == 0, "%s", guests[g]);
		cr_expect_eq(invariant(w, 0, "host-without-guest"), g == 1,
			     "%s: the correct driver's host leak", guests[g]);
		sim_world_destroy(w);
	}
}

/* A world of one VM and two VT-d vIOMMUs, vIOMMU 1 with knobs of its own. */
static struct sim_world *knob_world(const char *guest, u8 pss1, bool vcs1, bool keep)
{
	struct sim_world_params p;

	cr_assert(core_built(guest), "%s must be built", guest);
	params(&p, 1, SIM_WORLD_PATH_VTD);
	p.viommus = 2;
	p.guest_flavour = guest;
	p.vtd_slot[1] = (struct sim_world_vtd_slot){ true, pss1, vcs1, true };
	p.replug_keeps_state = keep;
	return world_new(&p);
}

/*
 * A guest driver that reads VCCAP of a vIOMMU with ECAP.VCS = 0 (bug B2,
 * fuzz/bugbench/vtd-vccap-ungated) touches a register that does not exist;
 * the correct driver does not, and a hostile guest's own reads of it are
 * its own.
 */
Test(executor, invariant_vtd_absent)
{
	static const char *const guests[] = { "pasidsim+vtd-vccap-ungated", "pasidsim" };

	for (size_t g = 0; g < ARRAY_SIZE(guests); g++) {
		struct sim_world *w = knob_world(guests[g], 19, false, false);
		struct vtd_params vp;

		vtd_get_params(sim_world_vtd(w, 0, 1), &vp);
		cr_assert_not(vp.vcs, "vIOMMU 1 has no virtual command registers");
		vtd_get_params(sim_world_vtd(w, 0, 0), &vp);
		cr_assert(vp.vcs, "vIOMMU 0 keeps them");
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0,
			     "%s: vIOMMU 0 serves", guests[g]);
		cr_expect_eq(invariant(w, 0, "vtd-absent"), g == 0, "%s", guests[g]);
		cr_expect_eq(findings(w, -1), g == 0, "%s: nothing else", guests[g]);
		sim_world_destroy(w);
	}
	/* a raw read of the absent VCCAP is the guest's, not its driver's */
	{
		struct sim_world *w = knob_world("pasidsim", 19, false, false);

		run1(w, 0, 0, OP(SIM_OP_REG_READ, .a = 1, .b = 0xe30));
		cr_expect_eq(findings(w, -1), 0);
		sim_world_destroy(w);
	}
}

/*
 * vIOMMUs of different PSS: consumers get the narrower range while the
 * 4-bit vIOMMU is bound, the whole one after it goes; the driver that
 * forgets to recompute the limit at exit (fuzz/bugbench/vtd-exit-keeps-limit)
 * keeps the narrow one. The knobs also change between runs
 * (sim_world_set_knobs()), at the next reset.
 */
Test(executor, invariant_vtd_limit)
{
	static const char *const guests[] = { "pasidsim+vtd-exit-keeps-limit", "pasidsim" };

	for (size_t g = 0; g < ARRAY_SIZE(guests); g++) {
		struct sim_world *w = knob_world(guests[g], 3, true, false);
		struct iommu_pasid c = { .name = "c" };
		struct sim_world_vtd_slot none[SIM_WORLD_VTD_SLOTS] = { { 0 } };

		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_INIT, .consumer = &c)).result, 0);
		cr_expect_eq(c.range_max, 15, "PSS 3: PASIDs up to 15");
		cr_assert_eq(findings(w, -1), 0, "%s: clean while both are there", guests[g]);
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 1)).result, 0);
		cr_expect_eq(invariant(w, 0, "vtd-limit"), g == 0, "%s", guests[g]);
		cr_expect_eq(findings(w, -1), g == 0, "%s: nothing else", guests[g]);

		/* back to one PSS for every vIOMMU: the check is off, nothing fires */
		cr_assert_eq(sim_world_set_knobs(w, none, false), 0);
		cr_assert_eq(sim_world_reset(w), 0);
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 1)).result, 0);
		cr_expect_eq(findings(w, -1), 0, "%s: one PSS, no check", guests[g]);
		sim_world_destroy(w);
	}
}

/*
 * A re-plug that binds the driver to the state its remove left: the remove
 * that forgets to unbind (fuzz/bugbench/virtio-remove-keeps-registered) has
 * the probe refuse it (-EBUSY); the correct one binds again and serves.
 */
Test(executor, invariant_rebind)
{
	static const char *const guests[] = { "pasidsim+virtio-remove-keeps-registered",
					      "pasidsim" };

	for (size_t g = 0; g < ARRAY_SIZE(guests); g++) {
		struct sim_world_params p;
		struct sim_world *w;

		cr_assert(core_built(guests[g]), "%s must be built", guests[g]);
		params(&p, 1, SIM_WORLD_PATH_VIRTIO);
		p.guest_flavour = guests[g];
		p.replug_keeps_state = true;
		w = world_new(&p);
		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, 0);
		cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 0)).result,
			     g == 0 ? -EBUSY : 0, "%s", guests[g]);
		cr_expect_eq(invariant(w, 0, "rebind"), g == 0, "%s", guests[g]);
		if (g == 1)
			cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
		cr_expect_eq(findings(w, -1), g == 0, "%s: nothing else", guests[g]);
		sim_world_destroy(w);
	}
	/* VT-d: the correct driver binds its kept state again */
	{
		struct sim_world *w = knob_world("pasidsim", 19, true, true);

		cr_assert_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG, .a = 0)).result, 0);
		cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_PLUG, .a = 0)).result, 0);
		cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
		cr_expect_eq(findings(w, -1), 0);
		sim_world_destroy(w);
	}
}

/* ---- limits ---- */

/* Too many CPUs for the process's mappings: refused with the reason, not an abort. */
Test(executor, too_many_cpus_refused_with_the_limit)
{
	struct sim_world_params p;
	char err[256];

	params(&p, 16, SIM_WORLD_PATH_VTD);
	p.vcpus = 4096;
	cr_assert_null(sim_world_create(&p, err, sizeof(err)));
	cr_expect(strstr(err, "65537 simulated CPUs") && strstr(err, "limit of 16384"), "%s",
		  err);
}

/* 17 VMs x 64 vIOMMUs: more devices than the old fixed MMIO table held. */
Test(executor, many_viommus)
{
	struct sim_world_params p;
	struct sim_world *w;

	params(&p, 17, SIM_WORLD_PATH_VTD);
	p.viommus = 64;
	w = world_new(&p);
	cr_expect_eq(run1(w, 16, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, 0);
	cr_expect_eq(run1(w, 16, 0, OP(SIM_OP_REG_READ32, .a = 63, .b = 0x10)).result, 0);
	cr_expect_eq(findings(w, -1), 0);
	sim_world_destroy(w);
}

/* ---- interleavings chosen from outside ---- */

static u64 key_from_bytes(void *arg)
{
	u64 *state = arg;

	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return *state >> 33;
}

static u64 tiebroken_hash(u64 key)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 state = key, h;

	params(&p, 4, SIM_WORLD_PATH_VTD);
	p.vcpus = 2;
	w = world_new(&p);
	sim_world_set_tiebreak(w, key_from_bytes, &state);
	for (unsigned int vm = 0; vm < 4; vm++)
		for (unsigned int c = 0; c < 2; c++)
			cr_assert_eq(sim_world_submit(w, vm, c, &OP(SIM_OP_ALLOC, .a = 1,
								    .b = 100)), 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_IDLE);
	h = sim_world_log_hash(w);
	sim_world_destroy(w);
	return h;
}

/* The same tie-break keys give the same interleaving; other keys, others. */
Test(executor, tiebreaks_from_outside_choose_the_interleaving)
{
	u64 a = tiebroken_hash(1);
	int distinct = 0;

	cr_expect_eq(tiebroken_hash(1), a);
	for (u64 k = 2; k <= 6; k++)
		distinct += tiebroken_hash(k) != a;
	cr_expect_geq(distinct, 3, "%d of 5 key streams interleave differently", distinct);
}

/* ---- a hostile guest on the virtio path ---- */

Test(executor, virtio_raw_requests)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct sim_event e;

	params(&p, 1, SIM_WORLD_PATH_VIRTIO);
	w = world_new(&p);
	/* a well-formed ALLOC of [1, 50]: head 0x80, min 1, max 50 */
	e = run1(w, 0, 0, OP(SIM_OP_VIRTIO_RAW, .a = 12, .arg = 0x80 | 1ull << 32, .b = 50));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value & 0xffffffff, 1, "the PASID");
	cr_expect_eq(e.value >> 32 & 0xff, 0, "status OK");
	cr_expect_eq(sim_world_host_count(w, 0), 1);
	/* malformed: too short for its type, an unknown type */
	e = run1(w, 0, 0, OP(SIM_OP_VIRTIO_RAW, .a = 3, .arg = 0x80));
	cr_log_info("short: %d %#llx", e.result, (unsigned long long)e.value);
	cr_expect_neq(e.result == 0 && (e.value >> 32 & 0xff) == 0, true, "a short request fails");
	e = run1(w, 0, 0, OP(SIM_OP_VIRTIO_RAW, .a = 12, .arg = 0x7f));
	cr_expect_neq(e.result == 0 && (e.value >> 32 & 0xff) == 0, true, "an unknown type fails");
	cr_expect_eq(sim_world_host_count(w, 0), 1, "nothing more allocated");
	cr_expect_eq(findings(w, -1), 0, "the guest's own PASIDs are its own");
	/* the guest's driver goes on working */
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).value, 2);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIOMMU_UNPLUG)).result, 0);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VIRTIO_RAW, .a = 12, .arg = 0x80)).result, -ENODEV);
	sim_world_destroy(w);
}

/* ---- VMs created during the run ---- */

/* A VM created powered off answers -ENODEV until SIM_OP_VM_CREATE boots it, on both paths. */
static void late_vm(enum sim_world_path path)
{
	static const bool late[2] = { false, true };
	struct sim_world_params p;
	struct sim_world *w;

	params(&p, 2, path);
	p.late = late;
	w = world_new(&p);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, -ENODEV);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOC, .arg = 1, .a = 1,
						      .b = 100)).result, -ENODEV, "no VFIO state");
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_VM_DESTROY)).result, -ENODEV);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_VM_CREATE)).result, -EEXIST, "vm0 runs");
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_VM_CREATE)).result, 0);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_VM_CREATE)).result, -EEXIST);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).value, 1);
	cr_expect_eq(run1(w, 0, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).value, 2);
	cr_expect_eq(sim_world_host_count(w, 1), 1);
	cr_expect_eq(findings(w, -1), 0);
	/* a reset powers it off again */
	cr_assert_eq(sim_world_reset(w), 0);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).result, -ENODEV);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_VM_CREATE)).result, 0);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_ALLOC, .a = 1, .b = 100)).value, 1);
	/* destroyed, it does not come back */
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_VM_DESTROY)).result, 0);
	cr_expect_eq(run1(w, 1, 0, OP(SIM_OP_VM_CREATE)).result, -ENODEV);
	cr_expect_eq(sim_world_host_count(w, 1), 0, "the host reclaimed it");
	cr_expect_eq(findings(w, -1), 0);
	sim_world_destroy(w);
}

Test(executor, late_vm_boots_at_vm_create_vtd)
{
	late_vm(SIM_WORLD_PATH_VTD);
}

Test(executor, late_vm_boots_at_vm_create_virtio)
{
	late_vm(SIM_WORLD_PATH_VIRTIO);
}

/* ---- the host's custom allocators ---- */

Test(executor, host_allocators_register_share_and_unregister)
{
	struct iommu_pasid hc = { .name = "hc" };
	struct sim_world_params p;
	struct sim_world *w;
	struct sim_event e;
	u64 id;

	params(&p, 0, SIM_WORLD_PATH_VTD);
	w = world_new(&p);
	cr_assert_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_INIT, .consumer = &hc)).result, 0);
	id = run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_ALLOC, .consumer = &hc, .a = 10, .b = 20)).value;
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOCATOR_REGISTER)).result,
		     -EAGAIN, "IDs of the default allocator are outstanding");
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_FREE, .consumer = &hc, .a = id)).result,
		     0);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOCATOR_REGISTER)).result, 0);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0,
			  OP(SIM_OP_HOST_ALLOCATOR_REGISTER, .a = 1)).result, 0);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0,
			  OP(SIM_OP_HOST_ALLOCATOR_REGISTER, .a = 3)).result, -EINVAL);
	e = run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_ALLOC, .consumer = &hc, .a = 10, .b = 20));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value, 10);
	/* the first goes; the second serves the same space on */
	run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOCATOR_UNREGISTER));
	e = run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_ALLOC, .consumer = &hc, .a = 10, .b = 20));
	cr_expect_eq(e.value, 11, "the shared table knows 10 is taken");
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_FREE, .consumer = &hc, .a = 10)).result,
		     0);
	cr_expect_eq(run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_FREE, .consumer = &hc, .a = 11)).result,
		     0);
	run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_HOST_ALLOCATOR_UNREGISTER, .a = 1));
	run1(w, SIM_WORLD_HOST, 0, OP(SIM_OP_EXIT, .consumer = &hc));
	cr_expect_eq(findings(w, -1), 0);
	cr_expect_neq(sim_world_submit(w, 0, 0, &OP(SIM_OP_HOST_ALLOCATOR_REGISTER)), 0,
		      "a host operation (and there is no VM)");
	sim_world_destroy(w);
}
