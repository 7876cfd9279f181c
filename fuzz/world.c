// SPDX-License-Identifier: GPL-2.0
/*
 * world: multi-VM operation sequences through the executor (<sim/world.h>),
 * decoded from the input over its operation vocabulary: guests allocating
 * through VT-d VCMD or virtio-iommu, consumers set up and torn down, raw
 * I/O ASID calls, hostile register writes and raw virtio requests, vIOMMU
 * hot-plug and hot-unplug, allocator unregister behind the driver, host
 * VFIO calls for any VM, quota changes, VM and VMM death with operations in
 * flight; the scheduler's tie-breaks (which CPU runs first at equal clocks)
 * come from the input too.
 *
 * Oracles: every run goes idle (no deadlock, no panic, no time limit), and
 * no finding of any instance (WARN, lockdep, sleeping in atomic context,
 * RCU misuse, slab corruption, the executor's cross-layer invariants) but
 * the ones the input's own operations are known to cause by design (see
 * taint below and docs/fuzzing.md).
 *
 * Input: byte 0 picks the world (path x host flavour x guest flavour, each
 * built once and reset in place between inputs); then batches: a byte
 * (1..8 operations), the operations, and the run, until the input ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "fuzz.h"

#define NVMS		2
#define NVCPUS		2
#define NVIOMMUS	2
#define NPOOL		16	/* PASIDs seen lately, for the arguments */

/* What an input did that causes findings by design (docs/fuzzing.md). */
#define TAINT_ORPHAN	1u	/* allocator gone with IDs outstanding: WARN, leaks */
#define TAINT_HOST	2u	/* the host acted for a VM on its own: invariants */
#define TAINT_RAWFREE	4u	/* a guest freed an ID behind its consumer */

struct wcfg {
	struct sim_world *w;
	enum sim_world_path path;
	const char *host, *guest;
	bool tried;
};

static struct wcfg cfgs[8];
static struct iommu_pasid extra[NVMS];	/* one more consumer per VM */
static struct ioasid_set sets[2];
static int tokens[4];
static u64 pool[NPOOL];
static unsigned int npool, taint;
static struct fuzz_in *cur_in;
static bool verbose;		/* PASIDSIM_FUZZ_VERBOSE: print every operation and event */
/*
 * PASIDSIM_FUZZ_WORLD_HOST: the host's flavour in every world, e.g. a seeded
 * bug's patched copy ("pasidsim+vfio-free-keeps-entry"): the oracles must
 * fire (the ctests fuzz/world/oracle/BUG).
 */
static const char *host_override;

static u64 tiebreak(void *arg)
{
	return fuzz_u8(cur_in);
}

static struct sim_world *world_of(uint8_t b)
{
	struct wcfg *c = &cfgs[b % 8];
	struct sim_world_params p;
	char err[512], path[4096];

	if (c->w || c->tried)
		return c->w;
	c->tried = true;
	c->path = b & 1 ? SIM_WORLD_PATH_VIRTIO : SIM_WORLD_PATH_VTD;
	c->host = b & 2 ? "linux-6.1" : "pasidsim";
	c->guest = b & 4 ? "linux-6.1" : "pasidsim";
	if (access(sim_core_path("linux-6.1", path, sizeof(path)), R_OK))
		c->host = c->guest = "pasidsim";
	c->host = fuzz_core_choose(c->host, false);	/* PASIDSIM_FUZZ_CORE */
	c->guest = fuzz_core_choose(c->guest, false);
	if (host_override)
		c->host = host_override;
	sim_world_params_init(&p);
	p.nvms = NVMS;
	p.vcpus = NVCPUS;
	p.viommus = NVIOMMUS;
	p.path = c->path;
	p.host_flavour = c->host;
	p.guest_flavour = c->guest;
	p.quota = 8;
	p.time_limit_ns = 10000000000ull;
	c->w = sim_world_create(&p, err, sizeof(err));
	FUZZ_ASSERT(c->w, "world %u: %s", b % 8, err);
	fuzz_coverage_register_loaded((const char *const[]){ c->host, c->guest, NULL });
	return c->w;
}

static u64 pick_pasid(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	if (b < 192 && npool)
		return pool[b % npool];
	return b % 8;
}

/* One decoded operation: its kind, where it runs, its arguments. */
struct dec {
	enum sim_op_kind kind;
	bool host;
	unsigned int taint;
	void (*args)(struct fuzz_in *in, struct sim_op *op, bool six1_guest);
};

static void a_range(struct fuzz_in *in, struct sim_op *op, bool g)
{
	static const u32 lo[] = { 0, 1, 2, 100, 0xfffff };
	static const u32 hi[] = { 0, 1, 10, 0xfffff, 0xffffffff };

	op->a = lo[fuzz_below(in, 5)];
	op->b = hi[fuzz_below(in, 5)];
	op->arg = (uintptr_t)&tokens[fuzz_below(in, 4)];
	op->set = &sets[fuzz_below(in, 2)];
}

static void a_pasid(struct fuzz_in *in, struct sim_op *op, bool g)
{
	op->a = pick_pasid(in);
	op->set = &sets[fuzz_below(in, 2)];
	op->arg = fuzz_below(in, 2) ? (uintptr_t)&tokens[fuzz_below(in, 4)] : 0;
}

static void a_consumer(struct fuzz_in *in, struct sim_op *op, bool g)
{
	op->a = fuzz_below(in, 2);
	op->b = op->a + fuzz_below(in, 3) * 0x100;
}

static void a_reg(struct fuzz_in *in, struct sim_op *op, bool g)
{
	static const u32 off[] = { 0xe00, 0xe08, 0xe10, 0xe18, 0xe20, 0xe30, 0x10, 0x0 };

	op->a = fuzz_below(in, NVIOMMUS);
	op->b = off[fuzz_below(in, 8)];
	op->arg = fuzz_u8(in) % 4 | (u64)pick_pasid(in) << 8;
}

static void a_viommu(struct fuzz_in *in, struct sim_op *op, bool g)
{
	op->a = fuzz_below(in, NVIOMMUS);
}

static void a_host(struct fuzz_in *in, struct sim_op *op, bool g)
{
	op->arg = fuzz_below(in, NVMS + 1);	/* NVMS: no such VM */
	op->a = pick_pasid(in);
	op->b = op->a + fuzz_below(in, 16);
}

static void a_virtio(struct fuzz_in *in, struct sim_op *op, bool g)
{
	op->a = fuzz_below(in, 13);
	op->arg = (0x80 + fuzz_below(in, 3)) | (u64)pick_pasid(in) << 32;
	op->b = pick_pasid(in);
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
	{ SIM_OP_IOASID_FREE, false, TAINT_RAWFREE, a_pasid },
	{ SIM_OP_IOASID_FIND, false, 0, a_pasid },
	{ SIM_OP_IOASID_SET_DATA, false, 0, a_pasid },
	{ SIM_OP_REG_WRITE, false, 0, a_reg },
	{ SIM_OP_REG_READ32, false, 0, a_reg },
	{ SIM_OP_VIRTIO_RAW, false, 0, a_virtio },
	{ SIM_OP_VIOMMU_UNPLUG, false, TAINT_ORPHAN, a_viommu },
	{ SIM_OP_VIOMMU_PLUG, false, 0, a_viommu },
	{ SIM_OP_ALLOCATOR_UNREGISTER, false, TAINT_ORPHAN, a_viommu },
	{ SIM_OP_ALLOCATOR_REGISTER, false, 0, a_viommu },
	{ SIM_OP_VM_DESTROY, false, 0, a_viommu },
	{ SIM_OP_HOST_ALLOC, true, TAINT_HOST, a_host },
	{ SIM_OP_HOST_FREE, true, TAINT_HOST, a_host },
	{ SIM_OP_HOST_FREE_RANGE, true, TAINT_HOST, a_host },
	{ SIM_OP_HOST_LOOKUP, true, 0, a_host },
	{ SIM_OP_HOST_SET_QUOTA, true, 0, a_host },
	{ SIM_OP_HOST_VM_DESTROY, true, 0, a_host },
};

/*
 * Linux 6.1 guests: unplugging or unregistering an allocator that leads a
 * shared space is a known use-after-free of that flavour (docs/flavours.md
 * (a)), found; the harness does not send them there.
 */
static bool refused(const struct dec *d, const struct wcfg *c)
{
	return !strncmp(c->guest, "linux-6.1", 9) &&
	       (d->kind == SIM_OP_VIOMMU_UNPLUG || d->kind == SIM_OP_ALLOCATOR_UNREGISTER);
}

static void submit_one(struct fuzz_in *in, struct wcfg *c)
{
	const struct dec *d = &decs[fuzz_below(in, sizeof(decs) / sizeof(decs[0]))];
	struct sim_op op = { .kind = d->kind };
	int vm = d->host ? SIM_WORLD_HOST : (int)fuzz_below(in, NVMS);
	unsigned int cpu = d->host ? 0 : fuzz_below(in, NVCPUS);

	if (refused(d, c))
		return;
	d->args(in, &op, false);
	if (op.kind == SIM_OP_INIT || op.kind == SIM_OP_EXIT ||
	    ((op.kind == SIM_OP_ALLOC || op.kind == SIM_OP_FREE) && fuzz_below(in, 4) == 0))
		op.consumer = &extra[vm < 0 ? 0 : vm];
	op.at_ns = fuzz_below(in, 4) * 5000;
	if (verbose)
		fprintf(stderr, "submit %s on %s%d cpu %u: a %u b %u arg %#llx%s\n",
			sim_op_name(op.kind), vm < 0 ? "host" : "vm", vm < 0 ? 0 : vm, cpu, op.a,
			op.b, (unsigned long long)op.arg, op.consumer ? " (extra consumer)" : "");
	if (!sim_world_submit(c->w, vm, cpu, &op))
		taint |= d->taint;
}

/* Is finding @f one the input's own operations cause by design? */
static bool expected(const struct sim_finding *f)
{
	if (f->kind == SIM_FINDING_WARN && (taint & TAINT_ORPHAN) &&
	    strstr(f->msg, "xa_empty"))
		return true;
	/* an allocator hands out an ID a consumer still tracks (a fallback allocator, or an ID
	 * freed behind the consumer's back): iommu_pasid_alloc() WARNs */
	if (f->kind == SIM_FINDING_WARN && (taint & (TAINT_ORPHAN | TAINT_RAWFREE | TAINT_HOST)) &&
	    strstr(f->msg, "ENOMEM"))
		return true;
	if (f->kind == SIM_FINDING_INVARIANT && (taint & (TAINT_ORPHAN | TAINT_HOST |
							 TAINT_RAWFREE)))
		return true;
	/* a consumer's ID freed behind its back (docs/api.md: the consumer WARNs and drops it) */
	if (f->kind == SIM_FINDING_WARN && (taint & (TAINT_ORPHAN | TAINT_HOST | TAINT_RAWFREE)) &&
	    (strstr(f->msg, "no longer the consumer's") || strstr(f->msg, "not in its set") ||
	     strstr(f->msg, "vanished from the allocator")))
		return true;
	return false;
}

static void check_findings(struct sim_world *w)
{
	for (int vm = SIM_WORLD_HOST; vm < NVMS; vm++) {
		struct sim_kernel *k = sim_world_kernel(w, vm);
		const struct sim_finding *f;

		for (size_t i = 0; (f = sim_finding_get(k, i)); i++) {
			if (expected(f))
				continue;
			sim_findings_print(k, stderr);
			FUZZ_ASSERT(0, "%s: %s finding: %s", vm < 0 ? "host" : "guest",
				    sim_finding_kind_name(f->kind), f->msg);
		}
	}
}

static void remember(struct sim_world *w, size_t from)
{
	for (size_t i = from; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->result || (e->kind != SIM_OP_ALLOC && e->kind != SIM_OP_IOASID_ALLOC &&
				  e->kind != SIM_OP_HOST_ALLOC))
			continue;
		if (npool < NPOOL)
			pool[npool++] = e->value;
		else
			pool[e->seq % NPOOL] = e->value;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	verbose = getenv("PASIDSIM_FUZZ_VERBOSE");
	host_override = getenv("PASIDSIM_FUZZ_WORLD_HOST");
	/*
	 * Every world now, not at its first input: under AFL++ the core copies
	 * must be loaded before the fork server starts (afl-main.c).
	 */
	for (unsigned int b = 0; b < 8; b++)
		world_of(b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	struct wcfg *c;
	struct sim_world *w;

	if (size < 2)
		return 0;
	w = world_of(data[0]);
	c = &cfgs[data[0] % 8];
	in.pos = 1;
	cur_in = &in;
	fuzz_coverage_save_all();	/* PASIDSIM_FUZZ_COVERAGE: before the counters reset */
	FUZZ_ASSERT(!sim_world_reset(w), "reset");
	memset(extra, 0, sizeof(extra));
	npool = 0;
	taint = 0;
	sim_world_set_tiebreak(w, tiebreak, NULL);
	while (fuzz_more(&in)) {
		unsigned int n = 1 + fuzz_below(&in, 8);
		size_t from = sim_world_nevents(w);
		enum sim_sched_result r;

		for (unsigned int i = 0; i < n && fuzz_more(&in); i++)
			submit_one(&in, c);
		r = sim_world_run(w);
		if (verbose)
			sim_world_log_print(w, stderr);
		FUZZ_ASSERT(r == SIM_SCHED_IDLE, "the world stopped (%d): %s", r,
			    sim_world_report(w));
		remember(w, from);
		check_findings(w);
	}
	cur_in = NULL;
	return 0;
}
