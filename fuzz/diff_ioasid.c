// SPDX-License-Identifier: GPL-2.0
/*
 * Differential harness: the same ioasid operation sequence on the pasidsim
 * allocator (core/ioasid.c) and on Linux 6.1's unmodified ioasid.c, each a
 * private copy of core/ in its own kernel instance. After every operation
 * the results are compared: IDs, find results (errors and private data),
 * set_data results, registration results, what a custom allocator's free
 * callback saw, and the WARNs each side raised. Any difference aborts,
 * unless it is one of the deliberate differences listed in
 * docs/flavours.md, which the harness recognises and counts.
 *
 * Input: a stream of operations, one opcode byte and its argument bytes.
 */
#include <string.h>

#include <linux/err.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/task.h>

#include "fuzz.h"

#define NSETS		3
#define NOPS		3
#define NTOKENS		4
#define MAX_OPS		512
#define FAKE_IDS	256

enum { PASIDSIM, LINUX61, NSIDES };

struct side;

/* A custom allocator behind ioasid_register_allocator(): IDs 1..255. */
struct fake_alloc {
	struct side *side;
	unsigned char used[FAKE_IDS];
	int free_calls;
	int free_saw_active;	/* find(NULL, id) was non-NULL inside ->free */
};

struct side {
	const char *flavour;
	struct sim_core *core;
	const struct sim_core_ioasid_api *api;
	struct sim_kernel *k;
	struct ioasid_set sets[NSETS];
	struct ioasid_allocator_ops ops[NOPS];
	struct fake_alloc fake[NOPS];
};

static struct side sides[NSIDES];
static ioasid_t live[MAX_OPS];
static unsigned int nlive;
static bool dirty;		/* a documented unsafe 6.1 path ran: reset */
static bool need_reset;		/* reset both sides before the next input */

/*
 * Model of the custom allocators: ops 0 and 1 share functions (group 0),
 * ops 2 is group 1. A group is an allocator: it exists while one of its ops
 * is registered, its lead is the ops that created it, and the active one is
 * the earliest created (docs/flavours.md, "What is the same").
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

static void *token(unsigned int t)
{
	return t ? (void *)(uintptr_t)(0x1000 + t) : NULL;
}

static ioasid_t fake_alloc_first(ioasid_t min, ioasid_t max, void *pdata)
{
	struct fake_alloc *f = pdata;

	for (uint64_t id = min ? min : 1; id <= max && id < FAKE_IDS; id++) {
		if (!f->used[id]) {
			f->used[id] = 1;
			return id;
		}
	}
	return INVALID_IOASID;
}

static ioasid_t fake_alloc_last(ioasid_t min, ioasid_t max, void *pdata)
{
	struct fake_alloc *f = pdata;
	uint64_t hi = max < FAKE_IDS - 1 ? max : FAKE_IDS - 1;

	for (int64_t id = hi; id >= (min ? min : 1); id--) {
		if (!f->used[id]) {
			f->used[id] = 1;
			return id;
		}
	}
	return INVALID_IOASID;
}

static void fake_free(ioasid_t id, void *pdata)
{
	struct fake_alloc *f = pdata;

	f->free_calls++;
	/* VT-d's check: the record must still be findable here. */
	if (f->side->api->find(NULL, id, NULL))
		f->free_saw_active++;
	if (id < FAKE_IDS)
		f->used[id] = 0;
}

static void fake_free_other(ioasid_t id, void *pdata)
{
	fake_free(id, pdata);
}

static bool getter_true(void *priv)
{
	return true;
}

static bool getter_false(void *priv)
{
	return false;
}

static void side_init_ops(struct side *s)
{
	for (int i = 0; i < NOPS; i++) {
		memset(&s->fake[i], 0, sizeof(s->fake[i]));
		s->fake[i].side = s;
		s->ops[i].pdata = &s->fake[i];
		/* ops 0 and 1 share functions (one space); ops 2 differs */
		s->ops[i].alloc = i < 2 ? fake_alloc_first : fake_alloc_last;
		s->ops[i].free = i < 2 ? fake_free : fake_free_other;
	}
}

static void side_load(struct side *s, const char *flavour)
{
	char path[4096], err[512];

	memset(s, 0, sizeof(*s));
	s->flavour = flavour;
	s->core = sim_core_load(fuzz_core_path(flavour, path, sizeof(path)), err, sizeof(err));
	FUZZ_ASSERT(s->core, "%s", err);
	fuzz_coverage_register(s->core, path);
	s->api = sim_core_ioasid(s->core);
	s->k = sim_kernel_create(flavour);
	fuzz_kernel_clock(s->k);
	side_init_ops(s);
}

/*
 * Boot state again, in place: free everything the instance holds (without
 * reporting it) and copy the core's writable segments back (allocator
 * state, WARN_ON_ONCE flags). The copies are never unloaded: an engine
 * keeps reading the coverage counters of every object it saw loaded.
 */
static void side_reset(struct side *s)
{
	sim_kernel_reset(s->k);
	fuzz_coverage_save(s->core);
	sim_core_reset(s->core);
	side_init_ops(s);
}

/*
 * Loads both copies once per process: libFuzzer calls this before the first
 * input, afl-main.c before the fork server starts, standalone.c at start.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* PASIDSIM_FUZZ_CORE=+BUG: that bug's copy of each flavour it is built for */
	side_load(&sides[PASIDSIM], fuzz_core_choose("pasidsim", true));
	side_load(&sides[LINUX61], fuzz_core_choose("linux-6.1", true));
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

/* Run @body on each side with its kernel instance current. */
#define ON_EACH_SIDE(s, body) do {					\
	for (int __i = 0; __i < NSIDES; __i++) {			\
		struct side *s = &sides[__i];				\
		sim_kernel_enter(s->k);					\
		body;							\
		sim_kernel_enter(NULL);					\
	}								\
} while (0)

static bool tree_residue;

static void check_no_live_objects(const struct side *s, const char *when)
{
	struct sim_slab_stats st;

	sim_slab_stats(s->k, &st);
	/*
	 * Empty XArray nodes the static default space keeps after an insert
	 * whose deeper node allocation failed (Linux's XArray prunes them only
	 * on an erase) are structure, not a leak: reset instead.
	 */
	if (st.live_objects &&
	    st.live_objects == sim_slab_live_in_cache(s->k, "radix_tree_node")) {
		tree_residue = true;
		return;
	}
	if (st.live_objects) {
		sim_slab_report_leaks(s->k, stderr);
		FUZZ_ASSERT(!st.live_objects, "%s: %llu objects live %s", s->flavour,
			    (unsigned long long)st.live_objects, when);
	}
}

/*
 * Give back every ID, then every allocator: boot state again. The leak
 * check is the instances' own slab accounting (every object the allocators
 * allocated is freed by now), so LeakSanitizer can stay off (-detect_leaks=0).
 */
static void teardown(void)
{
	for (unsigned int i = 0; i < nlive; i++)
		ON_EACH_SIDE(s, s->api->free(live[i]));
	nlive = 0;
	/* sharers before leads: unregistering a lead first is difference (a) */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < NOPS; i++)
			if (registered[i] && (pass || lead[group_of(i)] != i)) {
				ON_EACH_SIDE(s, s->api->unregister_allocator(&s->ops[i]));
				registered[i] = false;
			}
	norder = 0;
	ON_EACH_SIDE(s, rcu_barrier());
	/* 6.1 orphans records on purpose (docs/flavours.md (c)); pasidsim must not. */
	check_no_live_objects(&sides[PASIDSIM], "after teardown");
	if (!dirty)
		check_no_live_objects(&sides[LINUX61], "after teardown");
	/*
	 * After orphaned records, reset both sides in place, before the next
	 * input rather than now: the reset copies the core's writable segments
	 * back, and libFuzzer's inline coverage counters of the copy live there
	 * too; this input's counts must survive until the engine has read them.
	 * A WARN alone leaves no state behind: neither ioasid.c has a
	 * WARN_ON_ONCE (a flag a reset would have to clear).
	 */
	need_reset = dirty || tree_residue;
	dirty = false;
	tree_residue = false;
	for (int i = 0; i < NSIDES; i++) {
		sim_findings_clear(sides[i].k);
		sim_log_clear(sides[i].k);
	}
}

/* One operation on both sides; @nop numbers it in messages. */
typedef void (*diff_op_fn)(struct fuzz_in *in, unsigned int nop);

static void op_alloc(struct fuzz_in *in, unsigned int nop)
{
	unsigned int set = fuzz_u8(in) % (NSETS + 1);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	unsigned long long r[NSIDES];
	ioasid_t min, max;

	pick_range(in, &min, &max);
	/*
	 * Difference (f): 6.1 hands out INVALID_IOASID itself when it is the
	 * only free ID left in the range.
	 */
	if (max == UINT32_MAX && min <= max && max - min <= nlive)
		return;
	ON_EACH_SIDE(s, r[__i] = s->api->alloc(set < NSETS ? &s->sets[set] : NULL,
					      min, max, token(t)));
	FUZZ_ASSERT(r[0] == r[1], "op %u alloc [%u,%u]: pasidsim %llu, linux-6.1 %llu",
		    nop, min, max, r[0], r[1]);
	if (r[0] != INVALID_IOASID)
		live_add(r[0]);
}

/* Custom free callbacks so far on side @i: calls, and calls that saw the ID active. */
static void free_calls(int i, int *calls, int *saw)
{
	*calls = 0;
	*saw = 0;
	for (int j = 0; j < NOPS; j++) {
		*calls += sides[i].fake[j].free_calls;
		*saw += sides[i].fake[j].free_saw_active;
	}
}

static void op_free(struct fuzz_in *in, unsigned int nop)
{
	ioasid_t id = pick_id(in);
	int before[NSIDES], saw[NSIDES], after, saw_after;

	for (int i = 0; i < NSIDES; i++)
		free_calls(i, &before[i], &saw[i]);
	ON_EACH_SIDE(s, s->api->free(id));
	for (int i = 0; i < NSIDES; i++) {
		free_calls(i, &after, &saw_after);
		before[i] = after - before[i];
		saw[i] = saw_after - saw[i];
	}
	FUZZ_ASSERT(before[0] == before[1] && saw[0] == saw[1],
		    "op %u free %u: custom free calls/active %d/%d vs %d/%d",
		    nop, id, before[0], saw[0], before[1], saw[1]);
	live_del(id);
}

static void op_find(struct fuzz_in *in, unsigned int nop)
{
	unsigned int set = fuzz_u8(in) % (NSETS + 1);
	unsigned int g = fuzz_u8(in) % 3;
	ioasid_t id = pick_id(in);
	bool (*getter)(void *) = g == 0 ? NULL : g == 1 ? getter_true : getter_false;
	unsigned long long r[NSIDES];

	ON_EACH_SIDE(s, r[__i] = (uintptr_t)s->api->find(set < NSETS ? &s->sets[set] : NULL,
							 id, getter));
	FUZZ_ASSERT(r[0] == r[1], "op %u find(set %u, %u, getter %u): %#llx vs %#llx",
		    nop, set, id, g, r[0], r[1]);
}

static void op_set_data(struct fuzz_in *in, unsigned int nop)
{
	ioasid_t id = pick_id(in);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	int r[NSIDES];

	ON_EACH_SIDE(s, r[__i] = s->api->set_data(id, token(t)));
	FUZZ_ASSERT(r[0] == r[1], "op %u set_data(%u): %d vs %d", nop, id, r[0], r[1]);
}

static void op_register(struct fuzz_in *in, unsigned int nop)
{
	unsigned int o = fuzz_u8(in) % NOPS;
	int g = group_of(o), r[NSIDES];

	/* registering again: differences (d) and (e), unit-tested */
	if (registered[o])
		return;
	ON_EACH_SIDE(s, r[__i] = s->api->register_allocator(&s->ops[o]));
	FUZZ_ASSERT(r[0] == r[1], "op %u register ops %u: %d vs %d", nop, o, r[0], r[1]);
	if (r[0] == 0) {
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
	bool was_active;

	/*
	 * Unregistering ops that were never registered (b), or a space's lead
	 * while sharers remain (a), differ on purpose (docs/flavours.md): not
	 * fuzzed.
	 */
	if (!registered[o] || (lead[g] == o && group_members(g) > 1))
		return;
	ON_EACH_SIDE(s, s->api->unregister_allocator(&s->ops[o]));
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

	for (int i = 0; i < NSIDES; i++)
		sim_fault_fail_nth(sides[i].k, n);
}

#define OP_FAULT 7
static const diff_op_fn diff_ops[8] = {
	op_alloc, op_alloc, op_free, op_find, op_set_data, op_register, op_unregister,
	[OP_FAULT] = op_fault,
};

/* Both sides raised the same WARNs during the operation, and nothing else. */
static void check_findings(unsigned int nop, uint8_t op, const size_t *before)
{
	size_t warns[NSIDES];

	for (int i = 0; i < NSIDES; i++)
		warns[i] = sim_findings_count(sides[i].k, SIM_FINDING_WARN) - before[i];
	FUZZ_ASSERT(warns[0] == warns[1], "op %u (opcode %u): %zu WARNs vs %zu",
		    nop, op, warns[0], warns[1]);
	for (int i = 0; i < NSIDES; i++) {
		size_t n = sim_findings_count(sides[i].k, -1) -
			   sim_findings_count(sides[i].k, SIM_FINDING_WARN);

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

	if (need_reset) {
		for (int i = 0; i < NSIDES; i++)
			side_reset(&sides[i]);
		need_reset = false;
	}
	while (fuzz_more(&in) && nops++ < MAX_OPS) {
		uint8_t op = fuzz_u8(&in) % 8;
		size_t warns[NSIDES];

		for (int i = 0; i < NSIDES; i++)
			warns[i] = sim_findings_count(sides[i].k, SIM_FINDING_WARN);
		diff_ops[op](&in, nops);
		if (op != OP_FAULT)
			for (int i = 0; i < NSIDES; i++)
				sim_fault_fail_nth(sides[i].k, 0);
		check_findings(nops, op, warns);
	}
	teardown();
	return 0;
}
