// SPDX-License-Identifier: GPL-2.0
/*
 * Differential harness: the same ioasid operation sequence on the pasidsim
 * allocator (core/ioasid.c) and on Linux 6.1's unmodified ioasid.c, each a
 * bare-metal executor (<sim/world.h>: a world with no VMs, one host CPU) on
 * a private copy of core/ of its flavour (bare.h). Every call is an
 * operation submitted to both executors; their events are compared after
 * every operation: IDs, find results (errors and private data), set_data
 * results, registration results, what the custom allocators' free
 * callbacks saw (the executor's host allocators, observed), and the WARNs
 * each side raised. Any difference aborts, unless it is one of the
 * deliberate differences listed in docs/flavours.md, which the harness
 * recognises and does not send.
 *
 * Input: a stream of operations, one opcode byte and its argument bytes.
 */
#include <string.h>

#include <linux/err.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "bare.h"
#include "fuzz.h"

#define NSETS		3
#define NOPS		3		/* the executor's host allocators */
#define NTOKENS		4
#define MAX_OPS		512

enum { PASIDSIM, LINUX61, NSIDES };

static struct fuzz_bare sides[NSIDES];
static struct ioasid_set sets[NSIDES][NSETS];	/* tokens: harness memory */
static ioasid_t live[MAX_OPS];
static unsigned int nlive;
static bool dirty;		/* a documented unsafe 6.1 path ran: reset */

/*
 * Model of the custom allocators: ops 0 and 1 share functions (group 0),
 * ops 2 is group 1 (sim/world/ops.c). A group is an allocator: it exists
 * while one of its ops is registered, its lead is the ops that created it,
 * and the active one is the earliest created (docs/flavours.md, "What is
 * the same").
 */
static bool registered[NOPS];
static int order[2], norder;
static int lead[2];

static int group_of(int o)
{
	return o < 2 ? 0 : 1;
}

static int group_members(int g)
{
	int n = 0;

	for (int o = 0; o < NOPS; o++)
		n += registered[o] && group_of(o) == g;
	return n;
}

static u64 token(unsigned int t)
{
	return t ? 0x1000 + t : 0;
}

/*
 * Builds both executors once per process: libFuzzer calls this before the
 * first input, afl-main.c before the fork server starts, standalone.c at
 * start.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* PASIDSIM_FUZZ_CORE=+BUG: that bug's copy of each flavour it is built for */
	fuzz_bare_create(&sides[PASIDSIM], fuzz_core_choose("pasidsim", true));
	fuzz_bare_create(&sides[LINUX61], fuzz_core_choose("linux-6.1", true));
	for (int i = 0; i < NSIDES; i++)
		sim_world_observe_allocator_frees(sides[i].w, true);
	return 0;
}

static ioasid_t pick_id(struct fuzz_in *in)
{
	uint8_t b = fuzz_u8(in);

	if (b < 200 && nlive)
		return live[b % nlive];
	switch (b % 6) {
	case 0: return 0;
	case 1: return 1;
	case 2: return 0xFFFFF;
	case 3: return INVALID_IOASID;
	case 4: return fuzz_u8(in);
	default: return fuzz_u32(in);
	}
}

static void pick_range(struct fuzz_in *in, ioasid_t *min, ioasid_t *max)
{
	uint8_t mode = fuzz_u8(in) % 8;

	if (mode <= 4) {
		*min = fuzz_u8(in) % 40;
		*max = *min + fuzz_u8(in) % 40;
	} else if (mode == 5) {
		*min = 0;
		*max = UINT32_MAX;
	} else if (mode == 6) {
		*min = 10 + fuzz_u8(in) % 10;
		*max = *min - 1 - fuzz_u8(in) % 5;
	} else {
		*min = fuzz_u32(in);
		*max = fuzz_u32(in);
	}
}

static void live_add(ioasid_t id)
{
	for (unsigned int i = 0; i < nlive; i++)
		FUZZ_ASSERT(live[i] != id, "ID %u handed out twice", id);
	if (nlive < MAX_OPS)
		live[nlive++] = id;
}

static void live_del(ioasid_t id)
{
	for (unsigned int i = 0; i < nlive; i++) {
		if (live[i] == id) {
			live[i] = live[--nlive];
			return;
		}
	}
}

/* Run @op on both sides (a set index in @op->set's place: @set, NSETS for none). */
static void run_both(struct sim_op op, int set, struct sim_event *e)
{
	for (int i = 0; i < NSIDES; i++) {
		op.set = set >= 0 && set < NSETS ? &sets[i][set] : NULL;
		e[i] = fuzz_bare_exec(&sides[i], op);
	}
}

/* Submit @op on both sides without running (teardown's batches). */
static void submit_both(struct sim_op op)
{
	for (int i = 0; i < NSIDES; i++)
		fuzz_bare_submit(&sides[i], op);
}

#define OP(k, ...)	((struct sim_op){ .kind = SIM_OP_##k, __VA_ARGS__ })

static bool tree_residue;

static void check_no_live_objects(struct fuzz_bare *s, const char *when)
{
	u64 live = fuzz_bare_live(s);

	/*
	 * Empty XArray nodes the static default space keeps after an insert
	 * whose deeper node allocation failed (Linux's XArray prunes them only
	 * on an erase) are structure, not a leak: reset instead.
	 */
	if (live && live == sim_slab_live_in_cache(s->k, "radix_tree_node")) {
		tree_residue = true;
		return;
	}
	if (live) {
		sim_slab_report_leaks(s->k, stderr);
		FUZZ_ASSERT(!live, "%s: %llu objects live %s", s->flavour, (unsigned long long)live,
			    when);
	}
}

/*
 * Give back every ID, then every allocator: boot state again. The leak
 * check is the instances' own slab accounting (every object the allocators
 * allocated is freed by now), so LeakSanitizer can stay off (-detect_leaks=0).
 */
static void teardown(void)
{
	submit_both(OP(FAULT_NEXT, .a = 0));
	for (unsigned int i = 0; i < nlive; i++)
		submit_both(OP(IOASID_FREE, .a = live[i]));
	nlive = 0;
	/* sharers before leads: unregistering a lead first is difference (a) */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < NOPS; i++)
			if (registered[i] && (pass || lead[group_of(i)] != i)) {
				submit_both(OP(HOST_ALLOCATOR_UNREGISTER, .a = i));
				registered[i] = false;
			}
	norder = 0;
	/* a run that goes idle runs the RCU callbacks too (a quiescent point) */
	for (int i = 0; i < NSIDES; i++)
		fuzz_bare_run(&sides[i]);
	/* 6.1 orphans records on purpose (docs/flavours.md (c)); pasidsim must not. */
	check_no_live_objects(&sides[PASIDSIM], "after teardown");
	if (!dirty)
		check_no_live_objects(&sides[LINUX61], "after teardown");
	/*
	 * After orphaned records, reset both executors in place, before the
	 * next input rather than now: the reset copies the core's writable
	 * segments back, and libFuzzer's inline coverage counters of the copy
	 * live there too; this input's counts must survive until the engine
	 * has read them. A WARN alone leaves no state behind: neither ioasid.c
	 * has a WARN_ON_ONCE (a flag a reset would have to clear).
	 */
	for (int i = 0; i < NSIDES; i++) {
		sides[i].need_reset = dirty || tree_residue;
		sim_findings_clear(sides[i].k);
		sim_log_clear(sides[i].k);
	}
	dirty = false;
	tree_residue = false;
}

/* One operation on both sides; @nop numbers it in messages. */
typedef void (*diff_op_fn)(struct fuzz_in *in, unsigned int nop);

static void op_alloc(struct fuzz_in *in, unsigned int nop)
{
	unsigned int set = fuzz_u8(in) % (NSETS + 1);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	struct sim_event e[NSIDES];
	ioasid_t min, max;

	pick_range(in, &min, &max);
	/*
	 * Difference (f): 6.1 hands out INVALID_IOASID itself when it is the
	 * only free ID left in the range.
	 */
	if (max == UINT32_MAX && min <= max && max - min <= nlive)
		return;
	run_both(OP(IOASID_ALLOC, .a = min, .b = max, .arg = token(t)), set, e);
	FUZZ_ASSERT(e[0].value == e[1].value, "op %u alloc [%u,%u]: pasidsim %llu, linux-6.1 %llu",
		    nop, min, max, (unsigned long long)e[0].value, (unsigned long long)e[1].value);
	if (e[0].value != INVALID_IOASID)
		live_add(e[0].value);
}

static void op_free(struct fuzz_in *in, unsigned int nop)
{
	ioasid_t id = pick_id(in);
	u64 calls[NSIDES][2], saw[NSIDES][2];
	struct sim_event e[NSIDES];

	for (int i = 0; i < NSIDES; i++)
		sim_world_host_allocator_frees(sides[i].w, &calls[i][0], &saw[i][0]);
	run_both(OP(IOASID_FREE, .a = id), -1, e);
	for (int i = 0; i < NSIDES; i++)
		sim_world_host_allocator_frees(sides[i].w, &calls[i][1], &saw[i][1]);
	FUZZ_ASSERT(calls[0][1] - calls[0][0] == calls[1][1] - calls[1][0] &&
		    saw[0][1] - saw[0][0] == saw[1][1] - saw[1][0],
		    "op %u free %u: custom free calls/active %llu/%llu vs %llu/%llu", nop, id,
		    (unsigned long long)(calls[0][1] - calls[0][0]),
		    (unsigned long long)(saw[0][1] - saw[0][0]),
		    (unsigned long long)(calls[1][1] - calls[1][0]),
		    (unsigned long long)(saw[1][1] - saw[1][0]));
	live_del(id);
}

static void op_find(struct fuzz_in *in, unsigned int nop)
{
	unsigned int set = fuzz_u8(in) % (NSETS + 1);
	unsigned int g = fuzz_u8(in) % 3;	/* getter: none, true, false */
	ioasid_t id = pick_id(in);
	struct sim_event e[NSIDES];

	if (g)
		run_both(OP(IOASID_FIND_GETTER, .a = id, .b = g), set, e);
	else
		run_both(OP(IOASID_FIND, .a = id), set, e);
	FUZZ_ASSERT(e[0].result == e[1].result && e[0].value == e[1].value,
		    "op %u find(set %u, %u, getter %u): %d/%#llx vs %d/%#llx", nop, set, id, g,
		    e[0].result, (unsigned long long)e[0].value, e[1].result,
		    (unsigned long long)e[1].value);
}

static void op_set_data(struct fuzz_in *in, unsigned int nop)
{
	ioasid_t id = pick_id(in);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	struct sim_event e[NSIDES];

	run_both(OP(IOASID_SET_DATA, .a = id, .arg = token(t)), -1, e);
	FUZZ_ASSERT(e[0].result == e[1].result, "op %u set_data(%u): %d vs %d", nop, id,
		    e[0].result, e[1].result);
}

static void op_register(struct fuzz_in *in, unsigned int nop)
{
	unsigned int o = fuzz_u8(in) % NOPS;
	int g = group_of(o);
	struct sim_event e[NSIDES];

	/* registering again: differences (d) and (e), unit-tested */
	if (registered[o])
		return;
	run_both(OP(HOST_ALLOCATOR_REGISTER, .a = o), -1, e);
	FUZZ_ASSERT(e[0].result == e[1].result, "op %u register ops %u: %d vs %d", nop, o,
		    e[0].result, e[1].result);
	if (e[0].result == 0) {
		if (!group_members(g)) {
			order[norder++] = g;
			lead[g] = o;
		}
		registered[o] = true;
	}
}

static void op_unregister(struct fuzz_in *in, unsigned int nop)
{
	unsigned int o = fuzz_u8(in) % NOPS;
	int g = group_of(o);
	struct sim_event e[NSIDES];
	bool was_active;

	/*
	 * Unregistering ops that were never registered (b), or a space's lead
	 * while sharers remain (a), differ on purpose (docs/flavours.md): not
	 * fuzzed.
	 */
	if (!registered[o] || (lead[g] == o && group_members(g) > 1))
		return;
	run_both(OP(HOST_ALLOCATOR_UNREGISTER, .a = o), -1, e);
	registered[o] = false;
	if (group_members(g))
		return;
	was_active = order[0] == g;
	for (int i = 0, j = 0; i < norder; i++)
		if (order[i] != g)
			order[j++] = order[i];
	norder--;
	if (was_active && nlive) {
		/* difference (c): the IDs are orphaned */
		dirty = true;
		nlive = 0;
	}
}

/* Fail the n-th allocation attempt (1-4) of the next operation, on both sides. */
static void op_fault(struct fuzz_in *in, unsigned int nop)
{
	unsigned int n = 1 + fuzz_u8(in) % 4;
	struct sim_event e[NSIDES];

	run_both(OP(FAULT_NEXT, .a = 1u << (n - 1)), -1, e);
}

#define OP_FAULT 7
static const diff_op_fn diff_ops[8] = {
	op_alloc, op_alloc, op_free, op_find, op_set_data, op_register, op_unregister,
	[OP_FAULT] = op_fault,
};

/*
 * Both sides raised the same WARNs during the operation, and nothing else.
 * Every finding before it was a WARN (anything else aborts), so @before,
 * each side's count of findings then, is its count of WARNs.
 */
static void check_findings(unsigned int nop, uint8_t op, const size_t *before)
{
	size_t warns[NSIDES], all[NSIDES];

	for (int i = 0; i < NSIDES; i++)
		all[i] = sim_findings_count(sides[i].k, -1);
	if (all[0] == before[0] && all[1] == before[1])
		return;		/* nothing new: the cheap test, most operations */
	for (int i = 0; i < NSIDES; i++)
		warns[i] = sim_findings_count(sides[i].k, SIM_FINDING_WARN) - before[i];
	FUZZ_ASSERT(warns[0] == warns[1], "op %u (opcode %u): %zu WARNs vs %zu",
		    nop, op, warns[0], warns[1]);
	for (int i = 0; i < NSIDES; i++) {
		size_t n = all[i] - before[i] - warns[i];

		if (n) {
			sim_findings_print(sides[i].k, stderr);
			FUZZ_ASSERT(!n, "%s: unexpected findings", sides[i].flavour);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	unsigned int nops = 0;

	for (int i = 0; i < NSIDES; i++)
		fuzz_bare_prepare(&sides[i]);
	while (fuzz_more(&in) && nops++ < MAX_OPS) {
		uint8_t op = fuzz_u8(&in) % 8;
		size_t warns[NSIDES];

		for (int i = 0; i < NSIDES; i++)
			warns[i] = sim_findings_count(sides[i].k, -1);
		diff_ops[op](&in, nops);
		check_findings(nops, op, warns);
	}
	teardown();
	return 0;
}
