// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the world fuzz harness's input decoder (<sim/world-decode.h>):
 * multi-VM operation sequences over the executor's vocabulary -- guests
 * allocating through VT-d VCMD or virtio-iommu, consumers set up and torn
 * down, raw I/O ASID calls, hostile register writes and reads and raw
 * virtio requests, vIOMMU hot-plug and hot-unplug, allocator unregister
 * behind the driver, host VFIO calls for any VM, quota changes, VM and VMM
 * death with operations in flight -- and the scheduler's tie-breaks, all
 * from the input's bytes. fuzz/world.c runs it with its oracles;
 * tools/fuzz-trace.c runs it to write the same run as a trace.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sim/core.h>
#include <sim/world-decode.h>

/* ---- bytes: past the end every byte reads 0 ---------------------------------------- */

static uint8_t in_u8(struct wdec *d)
{
	return d->pos < d->size ? d->data[d->pos++] : 0;
}

/* A value in [0, n), 0 < n <= 256. */
static unsigned int in_below(struct wdec *d, unsigned int n)
{
	return in_u8(d) % n;
}

static u64 tiebreak(void *arg)
{
	struct wdec *d = arg;
	u64 k = in_u8(d);

	if (d->verbose)
		fprintf(stderr, "key %llu (byte %zu)\n", (unsigned long long)k, d->pos - 1);
	if (d->hooks && d->hooks->key)
		d->hooks->key(d->hooks->arg, k);
	return k;
}

void sim_wdec_params(uint8_t b0, const char *host, struct sim_world_params *p)
{
	char path[4096];
	bool l61 = !access(sim_core_path("linux-6.1", path, sizeof(path)), R_OK);

	sim_world_params_init(p);
	p->nvms = WDEC_NVMS;
	p->vcpus = WDEC_NVCPUS;
	p->viommus = WDEC_NVIOMMUS;
	p->path = b0 & 1 ? SIM_WORLD_PATH_VIRTIO : SIM_WORLD_PATH_VTD;
	p->host_flavour = b0 & 2 && l61 ? "linux-6.1" : "pasidsim";
	p->guest_flavour = b0 & 4 && l61 ? "linux-6.1" : "pasidsim";
	if (host)
		p->host_flavour = host;
	if (b0 & 8)	/* the VT-d 3.0 register layout (no effect on the virtio path) */
		vtd_params_init(&p->vtd, VTD_LAYOUT_30);
	p->quota = 8;
	p->time_limit_ns = 10000000000ull;
	/* bits 5:4, the VMM: 0 and 1 honest, 2 lying, 3 stuck (VT-d path only) */
	if ((b0 & 0x30) == 0x30) {	/* a stuck VMM: its 4th VCMD never completes */
		p->vtd.faults.drop_mode = VTD_DROP_HANG;
		p->vtd.faults.drop_nth = 4;
		/*
		 * The guests boot with a 1 ms VCMD timeout instead of 10 s: the
		 * panic path is the same, after about 250 polls instead of 2.4
		 * million. A guest that hangs instead stops at the time limit.
		 */
		p->vcmd_timeout_ms = 1;
	}
	if ((b0 & 0x30) == 0x20) {	/* a lying VMM: every granted ALLOC answers PASID 1 */
		p->vtd.faults.result_mode = VTD_RESULT_SET;
		p->vtd.faults.result = 1;
	}
}

/*
 * Byte 0 bit 7 (WDEC_VARIANT): byte 1 is the input's variant byte. Its device
 * knobs are set here (sim_world_set_knobs(), applied by the reset): vIOMMU 1
 * without virtual command registers (ECAP.VCS = 0) or with PSS 3 (PASIDs up
 * to 15) while vIOMMU 0 keeps 19 (both VT-d path only), a re-plug that binds
 * the guest driver to the state its unplug removed; VM 1 powered off until
 * a SIM_OP_VM_CREATE, which only such inputs draw (so the other inputs keep
 * their meaning); schedule fuzzing is armed after the reset (preempt_arm()).
 * Without bit 7, none: the knobs are reset.
 */
static int wdec_variant(struct wdec *d, struct sim_world *w)
{
	struct sim_world_vtd_slot slots[SIM_WORLD_VTD_SLOTS] = { { 0 } };
	const struct vtd_params *vp = &sim_world_params(w)->vtd;
	uint8_t v = d->data[0] & WDEC_VARIANT ? in_u8(d) : 0;

	d->variant = v;
	if (sim_world_params(w)->path == SIM_WORLD_PATH_VTD &&
	    (v & (WDEC_V_NO_VCS | WDEC_V_PSS3))) {
		slots[1] = (struct sim_world_vtd_slot){ true, vp->pss, vp->vcs, vp->pas };
		if (v & WDEC_V_NO_VCS)
			slots[1].vcs = false;
		if (v & WDEC_V_PSS3)
			slots[1].pss = 3;
	}
	if (sim_world_set_late(w, 1, v & WDEC_V_LATE_VM1))
		return -1;
	return sim_world_set_knobs(w, slots, v & WDEC_V_REPLUG_KEEP);
}

/* ---- operations --------------------------------------------------------------------- */

static u64 pick_pasid(struct wdec *d)
{
	uint8_t b = in_u8(d);

	if (b < 192 && d->npool)
		return d->pool[b % d->npool];
	return b % 8;
}

/* One decoded operation: its kind, where it runs, its arguments. */
struct dec {
	enum sim_op_kind kind;
	bool host;
	unsigned int taint;
	void (*args)(struct wdec *d, struct sim_op *op);
};

static void a_range(struct wdec *d, struct sim_op *op)
{
	static const u32 lo[] = { 0, 1, 2, 100, 0xfffff };
	static const u32 hi[] = { 0, 1, 10, 0xfffff, 0xffffffff };

	op->a = lo[in_below(d, 5)];
	op->b = hi[in_below(d, 5)];
	op->arg = (uintptr_t)&d->tokens[in_below(d, WDEC_NTOKENS)];
	op->set = &d->sets[in_below(d, WDEC_NSETS)];
}

static void a_pasid(struct wdec *d, struct sim_op *op)
{
	op->a = pick_pasid(d);
	op->set = &d->sets[in_below(d, WDEC_NSETS)];
	op->arg = in_below(d, 2) ? (uintptr_t)&d->tokens[in_below(d, WDEC_NTOKENS)] : 0;
}

static void a_consumer(struct wdec *d, struct sim_op *op)
{
	op->a = in_below(d, 2);
	op->b = op->a + in_below(d, 3) * 0x100;
}

static void a_reg(struct wdec *d, struct sim_op *op)
{
	static const u32 off[] = { 0xe00, 0xe08, 0xe10, 0xe18, 0xe20, 0xe30, 0x10, 0x0 };

	op->a = in_below(d, WDEC_NVIOMMUS);
	op->b = off[in_below(d, 8)];
	op->arg = in_u8(d) % 4 | (u64)pick_pasid(d) << 8;
}

static void a_viommu(struct wdec *d, struct sim_op *op)
{
	op->a = in_below(d, WDEC_NVIOMMUS);
}

static void a_host(struct wdec *d, struct sim_op *op)
{
	op->arg = in_below(d, WDEC_NVMS + 1);	/* WDEC_NVMS: no such VM */
	op->a = pick_pasid(d);
	op->b = op->a + in_below(d, 16);
}

static void a_none(struct wdec *d, struct sim_op *op)
{
}

static void a_virtio(struct wdec *d, struct sim_op *op)
{
	op->a = in_below(d, 13);
	op->arg = (0x80 + in_below(d, 3)) | (u64)pick_pasid(d) << 32;
	op->b = pick_pasid(d);
}

static const struct dec decs[] = {
	{ SIM_OP_ALLOC, false, 0, a_range },
	{ SIM_OP_ALLOC, false, 0, a_range },
	{ SIM_OP_FREE, false, 0, a_pasid },
	{ SIM_OP_FIND, false, 0, a_pasid },
	{ SIM_OP_FOR_EACH, false, 0, a_pasid },
	{ SIM_OP_INIT, false, 0, a_consumer },
	{ SIM_OP_EXIT, false, 0, a_consumer },
	{ SIM_OP_IOASID_ALLOC, false, 0, a_range },
	{ SIM_OP_IOASID_FREE, false, WDEC_TAINT_RAWFREE, a_pasid },
	{ SIM_OP_IOASID_FIND, false, 0, a_pasid },
	{ SIM_OP_IOASID_SET_DATA, false, 0, a_pasid },
	{ SIM_OP_REG_WRITE, false, 0, a_reg },
	{ SIM_OP_REG_READ32, false, 0, a_reg },
	{ SIM_OP_VIRTIO_RAW, false, 0, a_virtio },
	{ SIM_OP_VIOMMU_UNPLUG, false, WDEC_TAINT_ORPHAN, a_viommu },
	{ SIM_OP_VIOMMU_PLUG, false, 0, a_viommu },
	{ SIM_OP_ALLOCATOR_UNREGISTER, false, WDEC_TAINT_ORPHAN, a_viommu },
	{ SIM_OP_ALLOCATOR_REGISTER, false, 0, a_viommu },
	{ SIM_OP_VM_DESTROY, false, 0, a_viommu },
	{ SIM_OP_HOST_ALLOC, true, WDEC_TAINT_HOST, a_host },
	{ SIM_OP_HOST_FREE, true, WDEC_TAINT_HOST, a_host },
	{ SIM_OP_HOST_FREE_RANGE, true, WDEC_TAINT_HOST, a_host },
	{ SIM_OP_HOST_LOOKUP, true, 0, a_host },
	{ SIM_OP_HOST_SET_QUOTA, true, 0, a_host },
	{ SIM_OP_HOST_VM_DESTROY, true, 0, a_host },
	{ SIM_OP_REG_READ, false, 0, a_reg },
	{ SIM_OP_HOST_ALLOCATOR_REGISTER, true, 0, a_viommu },
	{ SIM_OP_HOST_ALLOCATOR_UNREGISTER, true, WDEC_TAINT_ORPHAN, a_viommu },
	/* only with the variant bit WDEC_V_LATE_VM1 (the last entry: others keep their draws) */
	{ SIM_OP_VM_CREATE, false, 0, a_none },
};

/*
 * Linux 6.1 kernels: unplugging or unregistering an allocator that leads a
 * shared space is a known use-after-free of that flavour (docs/flavours.md
 * (a)), found (in guests, and by this harness on a 6.1 host's own
 * allocators too); the harness does not send them there.
 */
static bool refused(const struct dec *dc, const struct wdec *d)
{
	if (dc->kind == SIM_OP_HOST_ALLOCATOR_UNREGISTER)
		return !strncmp(d->host, "linux-6.1", 9);
	return !strncmp(d->guest, "linux-6.1", 9) &&
	       (dc->kind == SIM_OP_VIOMMU_UNPLUG || dc->kind == SIM_OP_ALLOCATOR_UNREGISTER);
}

static u64 submit_one(struct wdec *d, struct sim_world *w)
{
	unsigned int ndecs = sizeof(decs) / sizeof(decs[0]) - !(d->variant & WDEC_V_LATE_VM1);
	const struct dec *dc = &decs[in_below(d, ndecs)];
	struct sim_op op = { .kind = dc->kind };
	int vm = dc->host ? SIM_WORLD_HOST : (int)in_below(d, WDEC_NVMS);
	unsigned int cpu = dc->host ? 0 : in_below(d, WDEC_NVCPUS);

	if (refused(dc, d))
		return 0;
	/*
	 * A lying VMM tells every VM the same PASID, which may be another VM's:
	 * the guest cannot know, so only VM 0 runs guest operations there.
	 */
	if (d->lying && vm > 0)
		vm = 0;
	dc->args(d, &op);
	if (op.kind == SIM_OP_INIT || op.kind == SIM_OP_EXIT ||
	    ((op.kind == SIM_OP_ALLOC || op.kind == SIM_OP_FREE) && in_below(d, 4) == 0)) {
		op.consumer = &d->extra[vm < 0 ? 0 : vm];
		/*
		 * Every call on the extra consumer runs on vCPU 0, one after the
		 * other: no call may run on a handle while its exit does
		 * (docs/api.md), and an exit on one vCPU with an alloc or another
		 * exit on the other would be the harness's bug, not the kernel's
		 * (schedule fuzzing preempts CPUs inside them).
		 */
		cpu = 0;
	}
	/* submit times never go back (a trace's times do not), 0-15 us apart */
	d->t += in_below(d, 4) * 5000;
	op.at_ns = d->t;
	op.cookie = ++d->cookie;
	if (d->verbose)
		fprintf(stderr, "submit %s on %s%d cpu %u at %llu: a %u b %u arg %#llx%s\n",
			sim_op_name(op.kind), vm < 0 ? "host" : "vm", vm < 0 ? 0 : vm, cpu,
			(unsigned long long)op.at_ns, op.a, op.b, (unsigned long long)op.arg,
			op.consumer ? " (extra consumer)" : "");
	if (sim_world_submit(w, vm, cpu, &op))
		return 0;
	d->taint |= dc->taint;
	if (d->hooks && d->hooks->submitted)
		d->hooks->submitted(d->hooks->arg, vm, cpu, &op);
	return 1;
}

/* Allocation failures: attempts [from, from + len) since the run began fail. */
static bool fault_hook(void *arg, const char *site, size_t size, gfp_t gfp)
{
	struct wdec *d = arg;

	d->fault_seen++;
	if (d->fault_seen < d->fault_from || d->fault_seen >= d->fault_from + d->fault_len)
		return false;
	d->faults++;
	return true;
}

/*
 * Input byte 0 bit 6: each batch's run may fail allocations in one kernel
 * (sim_fault_set_hook): a byte below 128 picks the kernel (mod 3: VM 0, VM
 * 1, the host), the first failing attempt of the run (1-8) and how many in
 * a row fail (1-4; the XArray retries a single failure); 128 and above:
 * none.
 */
static struct sim_kernel *fault_arm(struct wdec *d, struct sim_world *w)
{
	uint8_t x = in_u8(d);
	struct sim_kernel *k;

	if (x >= 128)
		return NULL;
	k = sim_world_kernel(w, x % 3 == 2 ? SIM_WORLD_HOST : (int)(x % 3));
	d->fault_seen = 0;
	d->fault_from = (x / 3) % 8 + 1;
	d->fault_len = (x / 24) % 4 + 1;
	sim_fault_set_hook(k, fault_hook, d);
	return k;
}

/* The PASIDs a run handed out, for the arguments of the next batches. */
static void remember(struct wdec *d, struct sim_world *w, size_t from)
{
	for (size_t i = from; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->result || (e->kind != SIM_OP_ALLOC && e->kind != SIM_OP_IOASID_ALLOC &&
				  e->kind != SIM_OP_HOST_ALLOC))
			continue;
		if (d->npool < WDEC_NPOOL)
			d->pool[d->npool++] = e->value;
		else
			d->pool[e->seq % WDEC_NPOOL] = e->value;
	}
}

/*
 * Variant bit WDEC_V_PREEMPT: schedule fuzzing (<sim/sched.h>). Every preemption
 * point (inside RCU read-side sections, after lock releases) draws a key from
 * the input like a tie-break, which says whether and for how long the CPU
 * is preempted there, and a VMM's host VFIO calls are not serialised by its
 * big lock: the races of docs/fuzzing.md, "Schedule fuzzing".
 */
static void preempt_arm(const struct wdec *d, struct sim_world *w)
{
	if (d->variant & WDEC_V_PREEMPT)
		sim_sched_set_preempt(sim_world_sched(w), SIM_PREEMPT_ALL);
}

long sim_wdec_run(struct wdec *d, struct sim_world *w, const uint8_t *data, size_t size,
		  const struct wdec_hooks *hooks)
{
	long n = 0;

	memset(d->extra, 0, sizeof(d->extra));
	d->npool = d->taint = 0;
	d->t = d->cookie = 0;
	d->faults = 0;
	d->faulty = data[0] & 64;
	d->guest = sim_world_params(w)->guest_flavour;
	d->host = sim_world_params(w)->host_flavour;
	d->lying = sim_world_params(w)->path == SIM_WORLD_PATH_VTD &&
		   sim_world_params(w)->vtd.faults.result_mode != VTD_RESULT_REAL;
	d->vcmd_hang = sim_world_params(w)->path == SIM_WORLD_PATH_VTD &&
		       (sim_world_params(w)->vtd.faults.stuck_ip ||
			(sim_world_params(w)->vtd.faults.drop_mode == VTD_DROP_HANG &&
			 (sim_world_params(w)->vtd.faults.drop_nth ||
			  sim_world_params(w)->vtd.faults.drop_every)));
	d->data = data;
	d->size = size;
	d->pos = 1;
	d->hooks = hooks;
	if (wdec_variant(d, w) || sim_world_reset(w))
		return -1;
	sim_world_set_tiebreak(w, tiebreak, d);
	preempt_arm(d, w);
	while (d->pos < d->size) {
		unsigned int ops = 1 + in_below(d, 8);
		size_t from = sim_world_nevents(w);
		enum sim_sched_result r;

		struct sim_kernel *fk = NULL;

		for (unsigned int i = 0; i < ops && d->pos < d->size; i++)
			n += submit_one(d, w);
		if (d->faulty)
			fk = fault_arm(d, w);
		r = sim_world_run(w);
		if (fk)
			sim_fault_set_hook(fk, NULL, NULL);
		if (d->verbose)
			sim_world_log_print(w, stderr);
		remember(d, w, from);
		if (hooks && hooks->ran && !hooks->ran(hooks->arg, w, r))
			break;
	}
	return n;
}

/* Is finding @f one the input's own operations cause by design? */
static bool expected(const struct wdec *d, const struct sim_finding *f)
{
	unsigned int any = WDEC_TAINT_ORPHAN | WDEC_TAINT_HOST | WDEC_TAINT_RAWFREE;

	/* a VMM that never completes a VCMD: the guest driver's timeout panic (DOMAIN.md 2.2) */
	if (f->kind == SIM_FINDING_PANIC && d->vcmd_hang &&
	    strstr(f->msg, "DMAR hardware is malfunctioning"))
		return true;

	if (f->kind == SIM_FINDING_WARN && (d->taint & WDEC_TAINT_ORPHAN) &&
	    strstr(f->msg, "xa_empty"))
		return true;
	/* an allocator hands out an ID a consumer still tracks (a fallback allocator, or an ID
	 * freed behind the consumer's back): iommu_pasid_alloc() WARNs */
	if (f->kind == SIM_FINDING_WARN && (d->taint & any) && strstr(f->msg, "ENOMEM"))
		return true;
	/*
	 * A VMM that answers another PASID than the one the host granted: the
	 * host holds what the guest was never told (host-without-guest), by
	 * design; with one VM's guest running (above), the lie is the PASID the
	 * host granted first, and a driver that checks the answer never frees
	 * a PASID its guest holds, so guest-without-host stays a finding.
	 */
	if (f->kind == SIM_FINDING_INVARIANT && d->lying &&
	    !strncmp(f->msg, "host-without-guest:", 19))
		return true;
	/*
	 * A raw free of an ID with its private data attached: the VT-d driver
	 * keeps the PASID on the host (DOMAIN.md 2.4) whatever else the input
	 * did, unless an allocator went or the host acted alone, or a lying
	 * VMM named that PASID in a later grant: the guest no longer tracks it,
	 * so a driver that gives an answer outside its range back frees it on
	 * the host, as it must.
	 */
	if (f->kind == SIM_FINDING_INVARIANT && !strncmp(f->msg, "vtd-active-free:", 16))
		return d->lying || (d->taint & (WDEC_TAINT_ORPHAN | WDEC_TAINT_HOST));
	/* a VM over its quota: the host refuses that whatever any guest or VMM does */
	if (f->kind == SIM_FINDING_INVARIANT && !strncmp(f->msg, "quota:", 6))
		return false;
	/* a guest driver's own view of its vIOMMUs: nothing an input does excuses it */
	if (f->kind == SIM_FINDING_INVARIANT && (!strncmp(f->msg, "vtd-absent:", 11) ||
						 !strncmp(f->msg, "vtd-limit:", 10) ||
						 !strncmp(f->msg, "rebind:", 7)))
		return false;
	if (f->kind == SIM_FINDING_INVARIANT && (d->taint & any))
		return true;
	/* a consumer's ID freed behind its back (docs/api.md: the consumer WARNs and drops it) */
	return f->kind == SIM_FINDING_WARN && (d->taint & any) &&
	       (strstr(f->msg, "no longer the consumer's") || strstr(f->msg, "not in its set") ||
		strstr(f->msg, "vanished from the allocator"));
}

const struct sim_finding *sim_wdec_unexpected(const struct wdec *d, struct sim_world *w,
					      int *vm)
{
	for (int v = SIM_WORLD_HOST; v < WDEC_NVMS; v++) {
		struct sim_kernel *k = sim_world_kernel(w, v);
		const struct sim_finding *f;

		for (size_t i = 0; (f = sim_finding_get(k, i)); i++) {
			if (expected(d, f))
				continue;
			*vm = v;
			return f;
		}
	}
	return NULL;
}
