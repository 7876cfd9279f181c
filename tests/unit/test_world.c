// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the deterministic multi-VM world (sim/world, sim/vmm): guests
 * allocating host PASIDs through VCMD and virtio-iommu, quotas, ownership
 * (by API and by raw register writes), VM teardown, device faults, the 3.0
 * layout, instance isolation and reset, determinism, and a 64-VM churn.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/kernel.h>
#include <linux/iommu-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/virtio-iommu.h>
#include <sim/vtd.h>
#include <sim/world.h>

static struct sim_world *world_new(struct sim_world_params *p)
{
	char err[512];
	struct sim_world *w = sim_world_create(p, err, sizeof(err));

	cr_assert_not_null(w, "sim_world_create: %s", err);
	return w;
}

static void submit(struct sim_world *w, int vm, unsigned int cpu, enum sim_op_kind kind,
		   u32 a, u32 b, u64 arg)
{
	struct sim_op op = { .kind = kind, .a = a, .b = b, .arg = arg };

	cr_assert_eq(sim_world_submit(w, vm, cpu, &op), 0);
}

static void run_idle(struct sim_world *w)
{
	enum sim_sched_result r = sim_world_run(w);

	cr_assert_eq(r, SIM_SCHED_IDLE, "run stopped (%d): %s", r, sim_world_report(w));
}

/* The result of the only event of @kind from @vm/@cpu since event @from. */
static const struct sim_event *last_event(struct sim_world *w, int vm, enum sim_op_kind kind)
{
	const struct sim_event *found = NULL;

	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->vm == vm && e->kind == kind)
			found = e;
	}
	cr_assert_not_null(found);
	return found;
}

static void no_findings(struct sim_world *w)
{
	size_t n = sim_world_findings(w, -1);

	if (n) {
		sim_findings_print(sim_world_kernel(w, SIM_WORLD_HOST), stderr);
		for (unsigned int i = 0; i < sim_world_params(w)->nvms; i++)
			sim_findings_print(sim_world_kernel(w, i), stderr);
	}
	cr_assert_eq(n, 0, "%zu findings (listed above)", n);
}

/*
 * The one finding of the world is the invariant @name in VM @vm's kernel,
 * about PASID @pasid: the fault made the host leak (or the like), and the
 * executor's check saw it.
 */
static void only_invariant(struct sim_world *w, int vm, const char *name, unsigned int pasid)
{
	const struct sim_finding *f = sim_finding_get(sim_world_kernel(w, vm), 0);
	char want[64];

	snprintf(want, sizeof(want), "PASID %u ", pasid);
	cr_assert_eq(sim_world_findings(w, -1), 1, "exactly one finding");
	cr_assert_not_null(f, "the finding is in vm%d's kernel", vm);
	cr_assert_eq(f->kind, SIM_FINDING_INVARIANT, "%s", f->msg);
	cr_assert(!strncmp(f->msg, name, strlen(name)) && strstr(f->msg, want),
		  "expected %s about %s: %s", name, want, f->msg);
	sim_findings_clear(sim_world_kernel(w, vm));
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* ---- VCMD allocation across VMs ------------------------------------------------------- */

Test(world, vcmd_pasids_unique_across_vms)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 ids[64];
	size_t n = 0;

	sim_world_params_init(&p);
	p.nvms = 4;
	p.vcpus = 2;
	w = world_new(&p);
	for (int vm = 0; vm < 4; vm++)
		for (unsigned int c = 0; c < 2; c++)
			for (int i = 0; i < 8; i++)
				submit(w, vm, c, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		cr_assert_eq(e->result, 0, "%s on vm%d: %d", sim_op_name(e->kind), e->vm,
			     e->result);
		cr_assert_gt(e->value, 0, "PASID 0 is never handed out");
		cr_assert_leq(e->value, 0xfffff);
		cr_assert_gt(e->end_ns, e->start_ns, "an allocation takes virtual time");
		ids[n++] = e->value;
	}
	cr_assert_eq(n, 64);
	qsort(ids, n, sizeof(ids[0]), cmp_u64);
	for (size_t i = 1; i < n; i++)
		cr_assert_neq(ids[i - 1], ids[i], "PASID %llu handed out twice",
			      (unsigned long long)ids[i]);
	for (int vm = 0; vm < 4; vm++)
		cr_assert_eq(sim_world_host_count(w, vm), 16);
	no_findings(w);
	sim_world_destroy(w);
}

Test(world, frees_reach_the_host)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 ids[10];

	sim_world_params_init(&p);
	w = world_new(&p);
	for (int i = 0; i < 10; i++)
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	for (int i = 0; i < 10; i++)
		ids[i] = sim_world_event(w, i)->value;
	cr_assert_eq(sim_world_host_count(w, 0), 10);
	for (int i = 0; i < 10; i += 2)
		submit(w, 0, 0, SIM_OP_FREE, ids[i], 0, 0);
	run_idle(w);
	for (size_t i = 10; i < sim_world_nevents(w); i++)
		cr_assert_eq(sim_world_event(w, i)->result, 0);
	cr_assert_eq(sim_world_host_count(w, 0), 5);
	/* The guest's consumer holds the other five. */
	submit(w, 0, 0, SIM_OP_FOR_EACH, 0, 0, 0);
	run_idle(w);
	cr_assert_eq(last_event(w, 0, SIM_OP_FOR_EACH)->value, 5);
	no_findings(w);
	sim_world_destroy(w);
}

static void quota_exhaustion(enum sim_world_path path)
{
	struct sim_world_params p;
	unsigned int quotas[2] = { 5, 0 };
	struct sim_world *w;
	const struct sim_event *e;

	sim_world_params_init(&p);
	p.path = path;
	p.nvms = 2;
	p.quota = 7;
	p.quotas = quotas;
	w = world_new(&p);
	for (int i = 0; i < 6; i++)
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	for (int i = 0; i < 8; i++)
		submit(w, 1, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_count(w, 0), 5);
	cr_assert_eq(sim_world_host_count(w, 1), 7);
	e = last_event(w, 0, SIM_OP_ALLOC);
	cr_assert_eq(e->result, -ENOSPC, "quota exhausted: %d", e->result);
	e = last_event(w, 1, SIM_OP_ALLOC);
	cr_assert_eq(e->result, -ENOSPC, "quota exhausted: %d", e->result);
	no_findings(w);
	sim_world_destroy(w);
}

Test(world, quota_exhaustion_gives_enospc)
{
	quota_exhaustion(SIM_WORLD_PATH_VTD);
}

Test(world, virtio_quota_exhaustion_gives_enospc)
{
	quota_exhaustion(SIM_WORLD_PATH_VIRTIO);
}

/* ---- ownership ------------------------------------------------------------------------ */

Test(world, foreign_pasid_by_api_and_registers)
{
	const struct vtd_vc_layout *lay = vtd_vc_layout(VTD_LAYOUT_33);
	struct sim_world_params p;
	struct sim_world *w;
	u64 theirs;

	sim_world_params_init(&p);
	p.nvms = 2;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	theirs = last_event(w, 0, SIM_OP_ALLOC)->value;
	cr_assert_eq(sim_world_host_count(w, 0), 1);

	/* By API: VM 1's consumer neither finds nor frees it. */
	submit(w, 1, 0, SIM_OP_FIND, theirs, 0, 0);
	submit(w, 1, 0, SIM_OP_FREE, theirs, 0, 0);
	run_idle(w);
	cr_assert_neq(last_event(w, 1, SIM_OP_FIND)->result, 0);
	cr_assert_neq(last_event(w, 1, SIM_OP_FREE)->result, 0);
	cr_assert_eq(sim_world_host_count(w, 0), 1);

	/* By hand: a VCMD FREE of it written straight to VM 1's vIOMMU. */
	submit(w, 1, 0, SIM_OP_REG_WRITE, 0, lay->vcmd,
	       (theirs << lay->operand_shift) | VTD_VCMD_FREE);
	submit(w, 1, 0, SIM_OP_REG_READ, 0, lay->vcrsp, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_count(w, 0), 1, "another VM's PASID survives");
	cr_assert_eq(sim_world_host_refused(w, 1), 1, "the host refused and counted it");
	cr_assert_eq((last_event(w, 1, SIM_OP_REG_READ)->value >> lay->sc_shift) &
		     ((1u << lay->sc_len) - 1), p.vtd.sc_invalid_pasid);

	/* And the host's own lookup for VM 1 does not see it. */
	submit(w, SIM_WORLD_HOST, 0, SIM_OP_HOST_LOOKUP, theirs, 0, 1);
	submit(w, SIM_WORLD_HOST, 0, SIM_OP_HOST_LOOKUP, theirs, 0, 0);
	run_idle(w);
	cr_assert_neq(sim_world_event(w, sim_world_nevents(w) - 2)->result, 0);
	cr_assert_eq(sim_world_event(w, sim_world_nevents(w) - 1)->result, 0);
	no_findings(w);
	sim_world_destroy(w);
}

/* ---- VM teardown ------------------------------------------------------------------------- */

Test(world, vm_teardown_reclaims_everything)
{
	struct sim_world_params p;
	struct sim_world *w;

	sim_world_params_init(&p);
	p.nvms = 3;
	p.vcpus = 2;
	w = world_new(&p);
	for (int vm = 0; vm < 3; vm++)
		for (int i = 0; i < 20; i++)
			submit(w, vm, i % 2, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_count(w, 1), 20);
	submit(w, 1, 0, SIM_OP_VM_DESTROY, 0, 0, 0);
	run_idle(w);
	submit(w, 1, 1, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_count(w, 1), 0);
	cr_assert_eq(sim_world_host_count(w, 0), 20, "other VMs keep theirs");
	cr_assert_eq(last_event(w, 1, SIM_OP_ALLOC)->result, -ENODEV, "a dead VM runs nothing");
	submit(w, 0, 0, SIM_OP_VM_DESTROY, 0, 0, 0);
	submit(w, 2, 1, SIM_OP_VM_DESTROY, 0, 0, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_live_objects(w), sim_world_host_baseline_objects(w),
		     "host memory back to its state before any VM: %llu live, %llu at boot",
		     (unsigned long long)sim_world_host_live_objects(w),
		     (unsigned long long)sim_world_host_baseline_objects(w));
	no_findings(w);
	sim_world_destroy(w);
}

/* ---- faults ------------------------------------------------------------------------------- */

Test(world, vcmd_timeout_is_a_caught_panic)
{
	struct sim_world_params p;
	struct sim_world *w;

	sim_world_params_init(&p);
	p.nvms = 2;
	p.vtd.faults.stuck_ip = true;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_PANIC, "%s", sim_world_report(w));
	cr_assert(strstr(sim_world_report(w), "DMAR hardware is malfunctioning"), "%s",
		  sim_world_report(w));
	cr_assert_eq(sim_findings_count(sim_world_kernel(w, 0), SIM_FINDING_PANIC), 1);
	/* A reset world runs again. */
	cr_assert_eq(sim_world_reset(w), 0);
	cr_assert_eq(sim_findings_count(sim_world_kernel(w, 0), -1), 0);
	sim_world_destroy(w);
}

/* The virtual time at which a stuck VCMD panics @w (one ALLOC on vm0). */
static u64 panic_time(struct sim_world *w)
{
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_PANIC, "%s", sim_world_report(w));
	return sim_sched_now(sim_world_sched(w));
}

/* The guests' vcmd_timeout_ms module parameter, set before each boot (resets too). */
Test(world, vcmd_timeout_ms_is_the_guests_module_parameter)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 t;

	sim_world_params_init(&p);
	p.vtd.faults.stuck_ip = true;
	w = world_new(&p);
	t = panic_time(w);
	cr_assert_geq(t, 10000000000ull, "the default: 10 s (%llu ns)", (unsigned long long)t);
	sim_world_destroy(w);

	p.vcmd_timeout_ms = 2;
	w = world_new(&p);
	t = panic_time(w);
	cr_assert(t >= 2000000 && t < 3000000, "2 ms: panicked at %llu ns", (unsigned long long)t);
	cr_assert_eq(sim_world_reset(w), 0);
	cr_assert_eq(panic_time(w), t, "the same after a reset (the core copy's data restored)");
	sim_world_destroy(w);
}

/* A drop counter counts from every reset: an input behaves the same alone and after others. */
Test(world, drop_counter_restarts_at_reset)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 t;

	sim_world_params_init(&p);
	p.vtd.faults.drop_mode = VTD_DROP_HANG;
	p.vtd.faults.drop_nth = 1;
	p.vcmd_timeout_ms = 1;
	w = world_new(&p);
	t = panic_time(w);
	cr_assert_eq(sim_world_reset(w), 0);
	cr_assert_eq(panic_time(w), t, "the first command hangs again after the reset");
	sim_world_destroy(w);
}

Test(world, vcmd_latency_charges_virtual_time)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 fast, slow;

	sim_world_params_init(&p);
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	fast = sim_world_event(w, 0)->end_ns - sim_world_event(w, 0)->start_ns;
	sim_world_destroy(w);

	p.vtd.faults.latency_ns = 5000000;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	slow = sim_world_event(w, 0)->end_ns - sim_world_event(w, 0)->start_ns;
	cr_assert_eq(sim_world_event(w, 0)->result, 0);
	/* IP clears 5 ms after the backend returned; the guest sees it at its next poll. */
	cr_assert_geq(slow, 5000000, "fast %llu slow %llu", (unsigned long long)fast,
		      (unsigned long long)slow);
	cr_assert_gt(slow, fast);
	no_findings(w);
	sim_world_destroy(w);
}

Test(world, vcmd_fault_knobs)
{
	struct sim_world_params p;
	struct sim_world *w;

	/* An unexpected status code: -ENODEV in the guest. */
	sim_world_params_init(&p);
	p.vtd.faults.force_sc = 5;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_lt(sim_world_event(w, 0)->result, 0);
	sim_world_destroy(w);

	/* A result outside the range: refused by the guest. */
	sim_world_params_init(&p);
	p.vtd.faults.result_mode = VTD_RESULT_RAW;
	p.vtd.faults.result = 0x200000;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_lt(sim_world_event(w, 0)->result, 0, "out-of-range PASID accepted: %llu",
		     (unsigned long long)sim_world_event(w, 0)->value);
	sim_world_destroy(w);

	/* A command the VMM takes and never answers: the guest panics. */
	sim_world_params_init(&p);
	p.vtd.faults.drop_mode = VTD_DROP_HANG;
	p.vtd.faults.drop_nth = 2;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_PANIC, "%s", sim_world_report(w));
	cr_assert_eq(sim_world_nevents(w), 1, "the first command completed");
	sim_world_destroy(w);
}

/* ---- every fault knob, end to end ------------------------------------------------------------ */

/* One VM, one vCPU, on @path; the caller sets knobs before world_new(). */
static void params_one(struct sim_world_params *p, enum sim_world_path path)
{
	sim_world_params_init(p);
	p->path = path;
}

static bool guest_log(struct sim_world *w, const char *needle)
{
	return sim_log_contains(sim_world_kernel(w, 0), needle);
}

/* The VM goes away: the host takes back whatever it still holds for it. */
static void destroy_vm_and_check_reclaimed(struct sim_world *w, int vm)
{
	submit(w, vm, 0, SIM_OP_VM_DESTROY, 0, 0, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_count(w, vm), 0);
	cr_assert_eq(sim_world_host_live_objects(w), sim_world_host_baseline_objects(w));
}

Test(world, knob_vtd_stuck_ip_panics_after_the_host_allocated)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct vtd_stats st;
	unsigned long long clock = 0;
	const char *at;

	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.stuck_ip = true;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_PANIC, "%s", sim_world_report(w));
	cr_assert(strstr(sim_world_report(w), "DMAR hardware is malfunctioning"));
	/* The command was performed (only IP stuck): the host holds the PASID. */
	vtd_get_stats(sim_world_vtd(w, 0, 0), &st);
	cr_assert_eq(st.cmd_alloc, 1);
	cr_assert_eq(sim_world_host_count(w, 0), 1);
	cr_assert_eq(sim_world_nevents(w), 0, "the operation never completed");
	/* The guest polled its whole 10 s deadline in virtual time. */
	at = strstr(sim_world_report(w), " at ");
	cr_assert(at && sscanf(at, " at %llu ns", &clock) == 1, "%s", sim_world_report(w));
	cr_assert_geq(clock, 10000000000ull);
	cr_assert_eq(sim_world_reset(w), 0);
	cr_assert_eq(sim_world_host_count(w, 0), 0, "a reset reclaims through the host");
	sim_world_destroy(w);
}

/* A status code the driver does not expect: -ENODEV in the driver, logged. */
Test(world, knob_vtd_force_sc_unexpected_code)
{
	struct sim_world_params p;
	struct sim_world *w;

	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.force_sc = 5;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	/* iommu_pasid_alloc() reports every allocator failure as -ENOSPC. */
	cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC);
	cr_assert(guest_log(w, "Unexpected error code 5 allocating a PASID"));
	/* The VMM allocated on the host and reported failure: a host leak. */
	cr_assert_eq(sim_world_host_count(w, 0), 1);
	only_invariant(w, 0, "host-without-guest", 1);
	destroy_vm_and_check_reclaimed(w, 0);
	sim_world_destroy(w);
}

/* The driver's own "no PASID" code, forced: -ENOSPC, no "unexpected" message. */
Test(world, knob_vtd_force_sc_no_pasid)
{
	struct sim_world_params p;
	struct sim_world *w;

	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.force_sc = VTD_SC_NO_PASID_V33;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC);
	cr_assert(!guest_log(w, "Unexpected error code"));
	cr_assert_eq(sim_world_host_count(w, 0), 1, "the forced answer leaks the host's PASID");
	only_invariant(w, 0, "host-without-guest", 1);
	destroy_vm_and_check_reclaimed(w, 0);
	sim_world_destroy(w);
}

/*
 * B1-style: a VMM answering "no PASID" with 2 (the 3.0 code) to a 3.3
 * driver. Quota exhaustion then reads as an unexpected error; with the
 * matching code it is a plain -ENOSPC.
 */
Test(world, knob_vtd_b1_wrong_no_pasid_code)
{
	struct sim_world_params p;
	struct sim_world *w;

	for (int b1 = 0; b1 <= 1; b1++) {
		params_one(&p, SIM_WORLD_PATH_VTD);
		p.quota = 1;
		if (b1)
			p.vtd.sc_no_pasid = VTD_SC_NO_PASID_V30;
		w = world_new(&p);
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
		run_idle(w);
		cr_assert_eq(sim_world_event(w, 0)->result, 0);
		cr_assert_eq(sim_world_event(w, 1)->result, -ENOSPC);
		cr_assert_eq(guest_log(w, "Unexpected error code 2 allocating a PASID"), b1,
			     "b1 %d", b1);
		cr_assert_eq(sim_world_host_count(w, 0), 1);
		no_findings(w);
		destroy_vm_and_check_reclaimed(w, 0);
		sim_world_destroy(w);
	}
}

/* The host's PASID is outside the range asked for: refused, given back. */
Test(world, knob_vtd_result_outside_range_is_given_back)
{
	struct sim_world_params p;
	struct sim_world *w;

	params_one(&p, SIM_WORLD_PATH_VTD);
	w = world_new(&p);
	/* VCMD carries no range: the host gives its lowest free PASID, 1. */
	submit(w, 0, 0, SIM_OP_ALLOC, 100, 200, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC);
	cr_assert(guest_log(w, "host returned PASID 1 outside [100, 200], giving it back"));
	cr_assert_eq(sim_world_host_count(w, 0), 0, "the free reached the host");
	cr_assert_eq(sim_world_host_refused(w, 0), 0);
	no_findings(w);
	sim_world_destroy(w);

	/* The knob: a result the host never gave (0x12345 for [1, 0x1000]). */
	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.result_mode = VTD_RESULT_SET;
	p.vtd.faults.result = 0x12345;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, 0x1000, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC);
	cr_assert(guest_log(w, "host returned PASID 74565 outside [1, 4096], giving it back"));
	/* The guest gives back what it was told; the host refuses a PASID the VM does not own. */
	cr_assert_eq(sim_world_host_refused(w, 0), 1);
	cr_assert(guest_log(w, "host says PASID 74565 is invalid"));
	cr_assert_eq(sim_world_host_count(w, 0), 1, "the real PASID stays with the VM");
	only_invariant(w, 0, "host-without-guest", 1);
	destroy_vm_and_check_reclaimed(w, 0);
	sim_world_destroy(w);

	/* Bits above the 20-bit field: the driver reads PASID 0, reserved. */
	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.result_mode = VTD_RESULT_RAW;
	p.vtd.faults.result = 0x200000;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC);
	cr_assert(guest_log(w, "host returned PASID 0 outside"));
	cr_assert_eq(sim_world_host_count(w, 0), 1);
	only_invariant(w, 0, "host-without-guest", 1);
	destroy_vm_and_check_reclaimed(w, 0);
	sim_world_destroy(w);
}

/* A lost trap: the guest reads the previous command's answer again. */
Test(world, knob_vtd_drop_lost)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct vtd_stats st;

	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.drop_mode = VTD_DROP_LOST;
	p.vtd.faults.drop_nth = 2;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 0)->result, 0);
	/* The stale VCRSP carries the first PASID: a duplicate, refused without a free. */
	cr_assert_eq(sim_world_event(w, 1)->result, -ENOSPC);
	cr_assert(guest_log(w, "which is in use"));
	cr_assert_eq(sim_world_event(w, 2)->result, 0, "one-shot: the next command works");
	cr_assert_neq(sim_world_event(w, 2)->value, sim_world_event(w, 0)->value);
	vtd_get_stats(sim_world_vtd(w, 0, 0), &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.cmd_alloc, 2, "the lost write never reached the VMM");
	cr_assert_eq(sim_world_host_count(w, 0), 2);
	no_findings(w);
	destroy_vm_and_check_reclaimed(w, 0);
	sim_world_destroy(w);
}

/* A command the VMM takes and never answers: the guest's deadline expires. */
Test(world, knob_vtd_drop_hang)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct vtd_stats st;

	params_one(&p, SIM_WORLD_PATH_VTD);
	p.vtd.faults.drop_mode = VTD_DROP_HANG;
	p.vtd.faults.drop_every = 2;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_PANIC, "%s", sim_world_report(w));
	cr_assert(strstr(sim_world_report(w), "DMAR hardware is malfunctioning"));
	cr_assert_eq(sim_world_nevents(w), 1);
	vtd_get_stats(sim_world_vtd(w, 0, 0), &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(st.cmd_alloc, 2, "the VMM took the trap");
	cr_assert_eq(sim_world_host_count(w, 0), 1, "but never called the host");
	cr_assert_eq(sim_world_reset(w), 0);
	cr_assert_eq(sim_world_host_count(w, 0), 0);
	sim_world_destroy(w);
}

Test(world, knob_virtio_latency)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 fast, slow;

	params_one(&p, SIM_WORLD_PATH_VIRTIO);
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	fast = sim_world_event(w, 0)->end_ns - sim_world_event(w, 0)->start_ns;
	sim_world_destroy(w);

	p.virtio_faults.latency_ns = 3000000;
	w = world_new(&p);
	submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	slow = sim_world_event(w, 0)->end_ns - sim_world_event(w, 0)->start_ns;
	cr_assert_eq(sim_world_event(w, 0)->result, 0);
	cr_assert_eq(slow, fast + 3000000, "fast %llu slow %llu", (unsigned long long)fast,
		     (unsigned long long)slow);
	no_findings(w);
	sim_world_destroy(w);
}

Test(world, knob_virtio_force_status)
{
	/* The driver maps NOMEM to -ENOSPC, DEVERR and unknown codes to -EIO, silently. */
	static const int cases[] = { VIRTIO_IOMMU_S_NOMEM, VIRTIO_IOMMU_S_DEVERR, 0x42 };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct sim_world_params p;
		struct sim_world *w;

		struct virtio_iommu_stats st;

		params_one(&p, SIM_WORLD_PATH_VIRTIO);
		p.virtio_faults.force_status = cases[i];
		w = world_new(&p);
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
		run_idle(w);
		/* iommu_pasid_alloc() reports every allocator failure as -ENOSPC. */
		cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC);
		virtio_iommu_get_stats(sim_world_virtio(w, 0), &st);
		if (cases[i] <= VIRTIO_IOMMU_S_NOMEM)
			cr_assert_eq(st.status[cases[i]], 1, "status %d", cases[i]);
		else
			cr_assert_eq(st.status_other, 1, "status %d", cases[i]);
		/* The backend ran: the forced failure leaks the host's PASID. */
		cr_assert_eq(sim_world_host_count(w, 0), 1, "status %d", cases[i]);
		only_invariant(w, 0, "host-without-guest", 1);
		destroy_vm_and_check_reclaimed(w, 0);
		sim_world_destroy(w);
	}
}

Test(world, knob_virtio_bad_result)
{
	static const u32 bad[] = { 0, 0x100000, 0x1001 };

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct sim_world_params p;
		struct sim_world *w;

		params_one(&p, SIM_WORLD_PATH_VIRTIO);
		p.virtio_faults.bad_result = true;
		p.virtio_faults.result = bad[i];
		w = world_new(&p);
		submit(w, 0, 0, SIM_OP_ALLOC, 1, 0x1000, 0);
		run_idle(w);
		cr_assert_eq(sim_world_event(w, 0)->result, -ENOSPC, "result %#x", bad[i]);
		cr_assert(guest_log(w, "outside [1, 4096], giving it back"), "result %#x", bad[i]);
		/* The freed-back PASID is not the VM's: the real one stays on the host. */
		cr_assert_eq(sim_world_host_count(w, 0), 1, "result %#x", bad[i]);
		only_invariant(w, 0, "host-without-guest", 1);
		destroy_vm_and_check_reclaimed(w, 0);
		sim_world_destroy(w);
	}
}

Test(world, knob_virtio_drop)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct virtio_iommu_stats st;

	params_one(&p, SIM_WORLD_PATH_VIRTIO);
	p.virtio_faults.drop_nth = 2;
	p.virtio_timeout_ns = 2000000;
	w = world_new(&p);
	for (int i = 0; i < 3; i++)
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 0)->result, 0);
	/* Lost: the guest waits for the used buffer until its timeout. */
	cr_assert_eq(sim_world_event(w, 1)->result, -ENOSPC);
	cr_assert_geq(sim_world_event(w, 1)->end_ns - sim_world_event(w, 1)->start_ns, 2000000);
	cr_assert(guest_log(w, "request failed"));
	cr_assert_eq(sim_world_event(w, 2)->result, 0);
	virtio_iommu_get_stats(sim_world_virtio(w, 0), &st);
	cr_assert_eq(st.dropped, 1);
	cr_assert_eq(sim_world_host_count(w, 0), 2, "the dropped request never reached the host");
	no_findings(w);
	destroy_vm_and_check_reclaimed(w, 0);
	sim_world_destroy(w);
}

/* ---- allocator flavours per instance -------------------------------------------------------- */

static bool flavour_built(const char *flavour)
{
	char path[4096];

	return access(sim_core_path(flavour, path, sizeof(path)), R_OK) == 0;
}

Test(world, mixed_flavours_linux61_host)
{
	static const char *const flavours[] = { "linux-6.1", NULL, "pasidsim", "linux-6.1" };
	struct sim_world_params p;
	struct sim_world *w;
	u64 ids[4 * 2 * 8];
	size_t n = 0;

	if (!flavour_built("linux-6.1"))
		cr_skip_test("the linux-6.1 core object is not built (no kernel source)");
	sim_world_params_init(&p);
	p.nvms = 4;
	p.vcpus = 2;
	p.host_flavour = "linux-6.1";
	p.guest_flavour = "pasidsim";
	p.guest_flavours = flavours;
	w = world_new(&p);
	cr_assert_str_eq(sim_world_flavour(w, SIM_WORLD_HOST), "linux-6.1");
	cr_assert_str_eq(sim_world_flavour(w, 0), "linux-6.1");
	cr_assert_str_eq(sim_world_flavour(w, 1), "pasidsim", "NULL entry: guest_flavour");
	cr_assert_str_eq(sim_world_flavour(w, 2), "pasidsim");
	cr_assert_str_eq(sim_world_flavour(w, 3), "linux-6.1");
	for (int vm = 0; vm < 4; vm++)
		for (unsigned int c = 0; c < 2; c++)
			for (int i = 0; i < 8; i++)
				submit(w, vm, c, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		cr_assert_eq(e->result, 0, "vm %d: %d", e->vm, e->result);
		ids[n++] = e->value;
	}
	cr_assert_eq(n, ARRAY_SIZE(ids));
	qsort(ids, n, sizeof(ids[0]), cmp_u64);
	for (size_t i = 1; i < n; i++)
		cr_assert_neq(ids[i], ids[i - 1], "PASID %llu handed out twice",
			      (unsigned long long)ids[i]);
	for (int vm = 0; vm < 4; vm++)
		cr_assert_eq(sim_world_host_count(w, vm), 16);
	/* VMs 0 and 1 free theirs; 2 and 3 go away holding theirs. */
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->vm < 2 && e->kind == SIM_OP_ALLOC)
			submit(w, e->vm, e->cpu, SIM_OP_FREE, e->value, 0, 0);
	}
	submit(w, 2, 0, SIM_OP_VM_DESTROY, 0, 0, 0);
	submit(w, 3, 1, SIM_OP_VM_DESTROY, 0, 0, 0);
	run_idle(w);
	for (int vm = 0; vm < 4; vm++)
		cr_assert_eq(sim_world_host_count(w, vm), 0, "vm %d", vm);
	/* Then 0 and 1 go too: the host is as it booted, before any VM. */
	submit(w, 0, 1, SIM_OP_VM_DESTROY, 0, 0, 0);
	submit(w, 1, 0, SIM_OP_VM_DESTROY, 0, 0, 0);
	run_idle(w);
	cr_assert_eq(sim_world_host_live_objects(w), sim_world_host_baseline_objects(w),
		     "the host set is empty, nothing leaked: %llu live, %llu at boot",
		     (unsigned long long)sim_world_host_live_objects(w),
		     (unsigned long long)sim_world_host_baseline_objects(w));
	no_findings(w);
	sim_world_destroy(w);
}

Test(world, unknown_flavour_refused)
{
	static const char *const flavours[] = { "linux-9.9" };
	struct sim_world_params p;
	char err[512];

	sim_world_params_init(&p);
	p.guest_flavours = flavours;
	cr_assert_null(sim_world_create(&p, err, sizeof(err)));
	cr_assert(strstr(err, "vm0"), "%s", err);
}

/* ---- layouts and paths ------------------------------------------------------------------- */

static void alloc_free_roundtrip(struct sim_world_params *p)
{
	struct sim_world *w = world_new(p);
	u64 ids[4];

	for (int i = 0; i < 4; i++)
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	for (int i = 0; i < 4; i++) {
		cr_assert_eq(sim_world_event(w, i)->result, 0);
		ids[i] = sim_world_event(w, i)->value;
		cr_assert_gt(ids[i], 0);
	}
	cr_assert_eq(sim_world_host_count(w, 0), 4);
	for (int i = 0; i < 4; i++)
		submit(w, 0, 0, SIM_OP_FREE, ids[i], 0, 0);
	run_idle(w);
	for (int i = 4; i < 8; i++)
		cr_assert_eq(sim_world_event(w, i)->result, 0);
	cr_assert_eq(sim_world_host_count(w, 0), 0);
	no_findings(w);
	sim_world_destroy(w);
}

Test(world, vtd_30_layout_end_to_end)
{
	struct sim_world_params p;

	sim_world_params_init(&p);
	vtd_params_init(&p.vtd, VTD_LAYOUT_30);
	alloc_free_roundtrip(&p);
}

Test(world, virtio_end_to_end)
{
	struct sim_world_params p;

	sim_world_params_init(&p);
	p.path = SIM_WORLD_PATH_VIRTIO;
	alloc_free_roundtrip(&p);
}

Test(world, several_viommus_share_one_space)
{
	struct sim_world_params p;

	sim_world_params_init(&p);
	p.viommus = 3;
	alloc_free_roundtrip(&p);
}

/* ---- instances: isolation and reset -------------------------------------------------------- */

Test(world, guest_instances_isolated)
{
	struct sim_world_params p;
	struct sim_world *w;
	void *(*find0)(struct ioasid_set *, ioasid_t, bool (*)(void *));
	void *(*find1)(struct ioasid_set *, ioasid_t, bool (*)(void *));
	struct sim_kernel *prev;
	u64 mine;
	void *found;

	sim_world_params_init(&p);
	p.nvms = 2;
	w = world_new(&p);
	for (int i = 0; i < 3; i++)
		submit(w, 0, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0x1000 + i);
	run_idle(w);
	mine = last_event(w, 0, SIM_OP_ALLOC)->value;
	submit(w, 0, 0, SIM_OP_FOR_EACH, 0, 0, 0);
	submit(w, 1, 0, SIM_OP_FOR_EACH, 0, 0, 0);
	run_idle(w);
	cr_assert_eq(last_event(w, 0, SIM_OP_FOR_EACH)->value, 3);
	cr_assert_eq(last_event(w, 1, SIM_OP_FOR_EACH)->value, 0);

	/* VM 1's copy of the allocator has no record of VM 0's IDs. */
	find0 = sim_world_sym(w, 0, "ioasid_find");
	find1 = sim_world_sym(w, 1, "ioasid_find");
	cr_assert(find0 && find1 && find0 != find1, "each VM has its own copy of the core");
	prev = sim_kernel_enter(sim_world_kernel(w, 1));
	found = find1(NULL, mine, NULL);
	sim_kernel_leave(prev);
	cr_assert(!found || IS_ERR(found), "VM 1 sees VM 0's PASID %llu",
		  (unsigned long long)mine);
	prev = sim_kernel_enter(sim_world_kernel(w, 0));
	found = find0(NULL, mine, NULL);
	sim_kernel_leave(prev);
	cr_assert_eq(found, (void *)(uintptr_t)0x1002, "VM 0 finds its own record");
	no_findings(w);
	sim_world_destroy(w);
}

static u64 churn_hash(struct sim_world *w, unsigned int nvms, unsigned int vcpus, int rounds)
{
	for (int r = 0; r < rounds; r++)
		for (unsigned int vm = 0; vm < nvms; vm++)
			for (unsigned int c = 0; c < vcpus; c++)
				submit(w, vm, c, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	return sim_world_log_hash(w);
}

Test(world, reset_returns_to_boot_state)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 h1, h2;

	sim_world_params_init(&p);
	p.nvms = 3;
	p.vcpus = 2;
	w = world_new(&p);
	h1 = churn_hash(w, 3, 2, 5);
	cr_assert_eq(sim_world_host_count(w, 2), 10);
	cr_assert_eq(sim_world_reset(w), 0);
	cr_assert_eq(sim_world_nevents(w), 0);
	cr_assert_eq(sim_world_host_count(w, 2), 0);
	h2 = churn_hash(w, 3, 2, 5);
	cr_assert_eq(h1, h2, "a reset world replays bit for bit");
	no_findings(w);
	sim_world_destroy(w);
}

/* ---- determinism ----------------------------------------------------------------------------- */

static u64 seeded_hash(u64 seed)
{
	struct sim_world_params p;
	struct sim_world *w;
	u64 h;

	sim_world_params_init(&p);
	p.nvms = 4;
	p.vcpus = 3;
	p.seed = seed;
	w = world_new(&p);
	h = churn_hash(w, 4, 3, 4);
	no_findings(w);
	sim_world_destroy(w);
	return h;
}

Test(world, determinism_by_seed)
{
	u64 a = seeded_hash(11), b = seeded_hash(11);
	int distinct = 0;

	cr_assert_eq(a, b, "same world and seed: same event log");
	for (u64 s = 1; s <= 4; s++)
		distinct += seeded_hash(s) != a;
	cr_assert_geq(distinct, 3, "other seeds interleave differently (%d of 4)", distinct);
}

/* ---- scale -------------------------------------------------------------------------------------- */

Test(world, churn_64_vms_4_vcpus, .timeout = 600)
{
	struct sim_world_params p;
	struct sim_world *w;
	size_t ok = 0;

	sim_world_params_init(&p);
	p.nvms = 64;
	p.vcpus = 4;
	w = world_new(&p);
	for (int round = 0; round < 3; round++) {
		size_t from = sim_world_nevents(w);

		for (unsigned int vm = 0; vm < 64; vm++)
			for (unsigned int c = 0; c < 4; c++)
				for (int i = 0; i < 4; i++)
					submit(w, vm, c, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
		run_idle(w);
		for (size_t i = from; i < sim_world_nevents(w); i++) {
			const struct sim_event *e = sim_world_event(w, i);

			cr_assert_eq(e->result, 0);
			submit(w, e->vm, e->cpu, SIM_OP_FREE, e->value, 0, 0);
			ok++;
		}
		run_idle(w);
	}
	cr_assert_eq(ok, 3 * 64 * 4 * 4);
	for (unsigned int vm = 0; vm < 64; vm++)
		cr_assert_eq(sim_world_host_count(w, vm), 0);
	for (size_t i = 0; i < sim_world_nevents(w); i++)
		cr_assert_eq(sim_world_event(w, i)->result, 0);
	no_findings(w);
	sim_world_destroy(w);
}

/* ---- contention in virtual time ------------------------------------------------------------ */

struct contended {
	u64 contentions, wait_ns, acquisitions;
};

static void sum_stats(const struct sim_lockstat *st, void *arg)
{
	struct contended *c = arg;

	c->contentions += st->contentions;
	c->wait_ns += st->wait_total_ns;
	c->acquisitions += st->acquisitions;
}

Test(world, vcpus_contend_in_virtual_time)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct contended guest = { 0 }, host = { 0 };

	/* Four vCPUs of one VM: they queue on the guest's allocator locks. */
	sim_world_params_init(&p);
	p.vcpus = 4;
	w = world_new(&p);
	for (unsigned int cpu = 0; cpu < 4; cpu++)
		for (int i = 0; i < 4; i++)
			submit(w, 0, cpu, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	sim_lockstat_foreach(sim_world_kernel(w, 0), sum_stats, &guest);
	cr_assert_gt(guest.contentions, 0, "four vCPUs at once contend in the guest");
	cr_assert_gt(guest.wait_ns, 0, "and wait in virtual time");
	cr_assert_eq(sim_world_host_count(w, 0), 16);
	no_findings(w);
	sim_world_destroy(w);

	/* Eight VMs: their VMMs meet on the host's locks. */
	p.vcpus = 1;
	p.nvms = 8;
	w = world_new(&p);
	for (int vm = 0; vm < 8; vm++)
		for (int i = 0; i < 4; i++)
			submit(w, vm, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	sim_lockstat_foreach(sim_world_kernel(w, SIM_WORLD_HOST), sum_stats, &host);
	cr_assert_gt(host.contentions, 0, "eight VMs at once contend in the host");
	cr_assert_gt(host.wait_ns, 0);
	no_findings(w);
	sim_world_destroy(w);
}

/* ---- no process-wide simulation state ------------------------------------------------------- */

static u64 fake_clock_ns(void *arg)
{
	return *(u64 *)arg;
}

/*
 * A clock set on another instance (as a bare-metal replay sets its own), and
 * removed again, changes nothing in a world run before or after it.
 */
Test(world, clock_belongs_to_the_instance)
{
	u64 a = seeded_hash(7), b, fake = 12345;
	struct sim_kernel *k = sim_kernel_create("bare");
	struct sim_kernel *prev = sim_kernel_enter(k);

	sim_kernel_set_clock(k, fake_clock_ns, &fake);
	cr_assert_eq(sim_clock_ns(), 12345);
	b = seeded_hash(7);
	cr_expect_eq(a, b, "a world run while another instance has a clock of its own");
	cr_assert_eq(sim_clock_ns(), 12345, "the world left this instance's clock alone");
	sim_kernel_set_clock(k, NULL, NULL);
	sim_kernel_leave(prev);
	sim_kernel_destroy(k);
	cr_expect_eq(seeded_hash(7), a, "a world run after the other instance went");
}

/* Two worlds run alternately, round by round: each logs what it logs alone. */
Test(world, two_worlds_alternately)
{
	struct sim_world_params pa, pb;
	struct sim_world *a, *b;
	u64 ha, hb;

	sim_world_params_init(&pa);
	pa.nvms = 3;
	pa.vcpus = 2;
	pa.seed = 5;
	pb = pa;
	pb.path = SIM_WORLD_PATH_VIRTIO;
	pb.seed = 9;
	a = world_new(&pa);
	b = world_new(&pb);
	for (int r = 0; r < 4; r++) {
		churn_hash(a, 3, 2, 1);
		churn_hash(b, 3, 2, 1);
	}
	ha = sim_world_log_hash(a);
	hb = sim_world_log_hash(b);
	cr_assert_eq(sim_world_reset(a), 0);
	cr_assert_eq(sim_world_reset(b), 0);
	for (int r = 0; r < 4; r++)
		churn_hash(a, 3, 2, 1);
	cr_expect_eq(sim_world_log_hash(a), ha, "world A alone");
	for (int r = 0; r < 4; r++)
		churn_hash(b, 3, 2, 1);
	cr_expect_eq(sim_world_log_hash(b), hb, "world B alone");
	no_findings(a);
	no_findings(b);
	sim_world_destroy(a);
	sim_world_destroy(b);
}

static bool fail_all(void *arg, const char *site, size_t size, gfp_t gfp)
{
	return true;
}

/*
 * A late VM whose boot fails (its probe cannot allocate) is left with a
 * consumer that was never initialised, not the one of the run before the
 * reset, whose PASID XArray the reset freed (found by the world harness: a
 * heap-use-after-free in xa_insert()).
 */
Test(world, late_vm_failed_boot_has_no_stale_consumer)
{
	struct sim_world_params p;
	struct sim_world *w;
	size_t n;

	sim_world_params_init(&p);
	p.nvms = 2;
	w = world_new(&p);
	for (int i = 0; i < 3; i++)	/* three IDs: the consumer's XArray gets a node */
		submit(w, 1, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 2)->result, 0);
	cr_assert_eq(sim_world_set_late(w, 1, true), 0);
	cr_assert_eq(sim_world_reset(w), 0);
	sim_fault_set_hook(sim_world_kernel(w, 1), fail_all, NULL);
	submit(w, 1, 0, SIM_OP_VM_CREATE, 0, 0, 0);
	submit(w, 1, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	cr_assert_eq(sim_world_run(w), SIM_SCHED_IDLE, "%s", sim_world_report(w));
	sim_fault_set_hook(sim_world_kernel(w, 1), NULL, NULL);
	n = sim_world_nevents(w);
	cr_assert_eq(n, 2);
	cr_assert_neq(sim_world_event(w, 0)->result, 0, "the boot failed");
	cr_assert_eq(sim_world_event(w, 1)->result, -EINVAL, "a consumer never initialised");
	sim_world_destroy(w);
}

/*
 * While a late VM boots on one vCPU (its probe yields at trapped accesses),
 * an operation on its other vCPU waits for the boot: -ENODEV, never the
 * consumer of the run before the reset.
 */
Test(world, late_vm_other_vcpus_wait_for_the_boot)
{
	struct sim_world_params p;
	struct sim_world *w;
	const struct sim_event *create = NULL, *alloc = NULL;
	unsigned int during = 0;

	sim_world_params_init(&p);
	p.nvms = 2;
	p.vcpus = 2;
	w = world_new(&p);
	for (int i = 0; i < 3; i++)
		submit(w, 1, 1, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_set_late(w, 1, true), 0);
	cr_assert_eq(sim_world_reset(w), 0);
	submit(w, 1, 0, SIM_OP_VM_CREATE, 0, 0, 0);
	for (u64 t = 0; t < 40000; t += 500) {	/* vCPU 1 tries all along the boot */
		struct sim_op op = { .kind = SIM_OP_ALLOC, .a = 1, .b = IOMMU_PASID_DEFAULT_MAX,
				     .at_ns = t };

		cr_assert_eq(sim_world_submit(w, 1, 1, &op), 0);
	}
	run_idle(w);
	for (size_t i = 0; i < sim_world_nevents(w); i++)
		if (sim_world_event(w, i)->kind == SIM_OP_VM_CREATE)
			create = sim_world_event(w, i);
	cr_assert(create);
	cr_assert_eq(create->result, 0);
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->kind != SIM_OP_ALLOC)
			continue;
		if (e->start_ns < create->end_ns) {
			cr_expect_eq(e->result, -ENODEV, "an alloc at %llu ns, during the boot "
				     "[%llu, %llu]: %d", (unsigned long long)e->start_ns,
				     (unsigned long long)create->start_ns,
				     (unsigned long long)create->end_ns, e->result);
			during++;
		} else {
			alloc = e;
		}
	}
	cr_assert_geq(during, 2, "allocs during the boot: %u", during);
	cr_assert(alloc && alloc->result == 0, "an alloc after the boot gets a PASID");
	no_findings(w);
	sim_world_destroy(w);
}

/*
 * A late VM whose host VFIO state cannot be allocated stays off: its
 * VM_CREATE fails with the host's -ENOMEM (an ERR_PTR, not a VM the
 * invariants would walk; found by the world harness).
 */
Test(world, late_vm_create_without_host_memory_stays_off)
{
	struct sim_world_params p;
	struct sim_world *w;
	bool late[2] = { false, true };

	sim_world_params_init(&p);
	p.nvms = 2;
	p.vcpus = 2;
	p.late = late;
	w = world_new(&p);
	sim_fault_set_hook(sim_world_kernel(w, SIM_WORLD_HOST), fail_all, NULL);
	submit(w, 1, 0, SIM_OP_VM_CREATE, 0, 0, 0);
	run_idle(w);
	sim_fault_set_hook(sim_world_kernel(w, SIM_WORLD_HOST), NULL, NULL);
	cr_assert_eq(sim_world_event(w, 0)->result, -ENOMEM);
	submit(w, 1, 0, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 1)->result, -ENODEV, "still off");
	submit(w, 1, 0, SIM_OP_VM_CREATE, 0, 0, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 2)->result, 0, "a second VM_CREATE boots it");
	submit(w, 1, 1, SIM_OP_ALLOC, 1, IOMMU_PASID_DEFAULT_MAX, 0);
	run_idle(w);
	cr_assert_eq(sim_world_event(w, 3)->result, 0);
	no_findings(w);
	sim_world_destroy(w);
}

