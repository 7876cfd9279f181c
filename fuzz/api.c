// SPDX-License-Identifier: GPL-2.0
/*
 * API harness: bare-metal operation sequences through iommu_pasid_* and
 * ioasid_* on one allocator flavour (the input's first byte chooses
 * pasidsim or linux-6.1), checked against a reference model of docs/api.md
 * after every operation. Every call is an operation of the executor
 * (<sim/world.h>): a bare-metal world (no VMs, one host CPU) per flavour,
 * built once and reset in place when an input leaves state behind
 * (bare.h). The harness never calls the kernel API itself: it submits
 * operations and reads their events; its whole-state checks read through
 * the executor's read-only queries and its for_each visitor.
 *
 * The model holds every allocated ID with its owner (a consumer handle, or
 * a direct ioasid_alloc() user with one of two sets or none) and its
 * private data, and each handle's state and range. After each operation it
 * checks the operation's result (the lowest free ID in the range for an
 * alloc, the documented errno of every refusal, the data a find returns)
 * and, after every operation that may change state and at the end of the
 * input, the whole state: iommu_pasid_for_each() visits exactly each live
 * consumer's IDs in order with their data, ioasid_find() answers for every
 * direct user's ID, a stopped handle answers -EINVAL. (A read-only
 * operation that broke the state would be caught by the next check.)
 * WARNs must be exactly the expected ones (a vendor range wider than the
 * request); any other finding aborts.
 *
 * Allocation failures are chosen by input bytes: the FAULT operation is
 * the executor's SIM_OP_FAULT_NEXT, a bit mask over the next eight
 * allocation attempts of the next operation. An allocating operation that
 * hit an injected failure may fail with its documented error (-ENOSPC or
 * -ENOMEM, INVALID_IOASID) and must then leave the state unchanged; an
 * operation documented not to allocate must not notice. At the end of the
 * input every handle is stopped, every direct ID freed, and the instance's
 * slab accounting must show no live object (the leak check; LeakSanitizer
 * stays off while fuzzing).
 *
 * Input: [flavour byte] then operations, one opcode byte and its argument
 * bytes (fuzz/README.md lists them; fuzz/dict/api.dict has examples).
 */
#include <string.h>
#include <unistd.h>

#include <linux/err.h>
#include <linux/iommu-pasid.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "bare.h"
#include "fuzz.h"

#define NCONS		4
#define NDSETS		2		/* direct sets; index NDSETS is "no set" */
#define MAX_IDS		256
#define MAX_OPS		64
#define NTOKENS		4

enum { OP_INIT, OP_EXIT, OP_ALLOC, OP_FREE, OP_FIND, OP_FOR_EACH, OP_IOASID_ALLOC,
       OP_IOASID_FREE, OP_IOASID_FIND, OP_SET_DATA, OP_SET_OPS, OP_FAULT, OP_NULL, OP__COUNT };

/* Operations after which the whole state is checked, not only their result. */
static const bool mutates[OP__COUNT] = {
	[OP_INIT] = true, [OP_EXIT] = true, [OP_ALLOC] = true, [OP_FREE] = true,
	[OP_FOR_EACH] = true, [OP_IOASID_ALLOC] = true, [OP_IOASID_FREE] = true,
	[OP_SET_DATA] = true,
};

/* The vendor callbacks a handle or the system can have: the executor's (<sim/op.h>). */
enum {
	OPS_NONE = SIM_VENDOR_NONE, OPS_NARROW = SIM_VENDOR_NARROW, OPS_WIDEN = SIM_VENDOR_WIDEN,
	OPS_FAIL = SIM_VENDOR_FAIL, OPS_POSITIVE = SIM_VENDOR_POSITIVE,
	OPS_EMPTY = SIM_VENDOR_EMPTY, OPS__COUNT = SIM_VENDOR__COUNT
};

/* One bare-metal executor per flavour (the second unused when one flavour is built). */
static struct fuzz_bare flavours[2];

/*
 * PASIDSIM_FUZZ_API_BREAK=NAME breaks the harness on purpose, so a test
 * sees each oracle fire (the fuzz/api/oracle/ tests of ctest):
 *   model   the model expects the second-lowest free ID (result check)
 *   orphan  ioasid_free() of a handle's ID behind its back, the model not
 *           told (state check: for_each's WARN, then the walk differs)
 *   leak    the end of input forgets one direct user's ID (leak check)
 */
static enum { BREAK_NONE, BREAK_MODEL, BREAK_ORPHAN, BREAK_LEAK } breakage;
static struct fuzz_bare *f;		/* the input's */

/* ---- the reference model ------------------------------------------------ */

struct model_id {
	ioasid_t id;
	int owner;		/* 0..NCONS-1 a handle, NCONS + s a direct user of set s */
	void *priv;
};

struct model_cons {
	int state;		/* enum iommu_pasid_state */
	ioasid_t lo, hi;
};

static struct model_id ids[MAX_IDS];	/* sorted by ID */
static unsigned int nids;
static struct model_cons mcons[NCONS];
static int sys_ops = OPS_NONE;

/* The kernel side of the model's objects (harness memory, like a driver's). */
static struct iommu_pasid cons[NCONS];
static struct ioasid_set dsets[NDSETS];

static unsigned int nop;		/* operation number, for messages */
static size_t expect_warns;

static void *token(unsigned int t)
{
	return t ? (void *)(uintptr_t)(0x1000 + t) : NULL;
}

static struct model_id *model_get(ioasid_t id)
{
	for (unsigned int i = 0; i < nids; i++)
		if (ids[i].id == id)
			return &ids[i];
	return NULL;
}

static void model_add(ioasid_t id, int owner, void *priv)
{
	unsigned int i = nids;

	FUZZ_ASSERT(nids < MAX_IDS && !model_get(id), "op %u: model add %u", nop, id);
	while (i && ids[i - 1].id > id) {
		ids[i] = ids[i - 1];
		i--;
	}
	ids[i] = (struct model_id){ id, owner, priv };
	nids++;
}

static void model_del(ioasid_t id)
{
	struct model_id *m = model_get(id);

	FUZZ_ASSERT(m, "op %u: model del %u", nop, id);
	memmove(m, m + 1, (char *)&ids[nids] - (char *)(m + 1));
	nids--;
}

/* The lowest ID in [lo, hi] nobody holds, or INVALID_IOASID. */
static ioasid_t model_lowest_free(ioasid_t lo, ioasid_t hi)
{
	uint64_t c = lo;

	if (lo > hi)
		return INVALID_IOASID;
	for (unsigned int i = 0; i < nids && c <= hi; i++)
		if (ids[i].id == c)
			c++;
	if (breakage == BREAK_MODEL && c < hi)
		c++;
	return c <= hi ? (ioasid_t)c : INVALID_IOASID;
}

static struct ioasid_set *owner_set(int owner)
{
	if (owner < NCONS)
		return &cons[owner].set;
	return owner - NCONS < NDSETS ? &dsets[owner - NCONS] : NULL;
}

/* ---- vendor callbacks (the executor's, enum sim_vendor_ops) ---------------- */

/* What the executor's callbacks of @kind make of [*l, *h] (they succeed). */
static void vendor_range(int kind, ioasid_t *l, ioasid_t *h)
{
	switch (kind) {
	case OPS_NARROW:
		*l = *l > SIM_VENDOR_NARROW_MIN ? *l : SIM_VENDOR_NARROW_MIN;
		*h = *h < SIM_VENDOR_NARROW_MAX ? *h : SIM_VENDOR_NARROW_MAX;
		break;
	case OPS_WIDEN:		/* the core never asks below 1: always wider */
		*l -= 1;
		if (*h < IOMMU_PASID_MAX)
			*h += 1;
		break;
	case OPS_EMPTY:
		*l = 10;
		*h = 5;
		break;
	}
}

/* docs/api.md, "Vendor callbacks": what init makes of [*lo, *hi] under @kind. */
static int model_vendor(int kind, ioasid_t *lo, ioasid_t *hi)
{
	ioasid_t l = *lo, h = *hi;

	switch (kind) {
	case OPS_NONE: return 0;
	case OPS_FAIL: return -ENODEV;
	case OPS_POSITIVE: return -EINVAL;
	default: vendor_range(kind, &l, &h); break;
	}
	if (l < *lo || h > *hi) {
		expect_warns++;
		l = l > *lo ? l : *lo;
		h = h < *hi ? h : *hi;
	}
	*lo = l;
	*hi = h;
	return 0;
}

/* ---- setup and the executor ------------------------------------------------- */

/* The visits of the last for_each operation or query (sim_world_set_visitor). */
struct walk {
	unsigned int n;
	ioasid_t id[MAX_IDS];
	void *priv[MAX_IDS];
	int freed[MAX_IDS];
};

static struct walk walk;

static void visit(void *arg, ioasid_t id, void *priv, int freed)
{
	struct walk *w = arg;

	FUZZ_ASSERT(w->n < MAX_IDS, "op %u: for_each visits too many IDs", nop);
	w->id[w->n] = id;
	w->priv[w->n] = priv;
	w->freed[w->n++] = freed;
}

/*
 * Both flavours when both objects are built; a build without the Linux
 * sources (PASIDSIM_LINUX61=OFF) fuzzes pasidsim under either byte.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const names[] = { "", "model", "orphan", "leak" };
	const char *b = getenv("PASIDSIM_FUZZ_API_BREAK");
	char path[4096];

	for (unsigned int i = 1; b && i < ARRAY_SIZE(names); i++)
		if (!strcmp(b, names[i]))
			breakage = i;
	/* PASIDSIM_FUZZ_CORE may name one flavour, or a seeded bug's copies */
	fuzz_bare_create(&flavours[0], fuzz_core_choose("pasidsim", false));
	if (access(fuzz_core_path("linux-6.1", path, sizeof(path)), R_OK) == 0 &&
	    strcmp(fuzz_core_choose("linux-6.1", false), flavours[0].flavour))
		fuzz_bare_create(&flavours[1], fuzz_core_choose("linux-6.1", false));
	for (int i = 0; i < 2; i++)
		if (flavours[i].w)
			sim_world_set_visitor(flavours[i].w, visit, &walk);
	return 0;
}

static bool fault_armed;		/* a FAULT no operation has consumed yet */

/* Run @op in the input's executor: its event. */
static struct sim_event run(struct sim_op op)
{
	fault_armed = false;
	return fuzz_bare_exec(f, op);
}

/* A read-only query of the input's executor (no virtual time, not logged). */
static struct sim_event query(struct sim_op op)
{
	return fuzz_bare_query(f, op);
}

#define OP(k, ...)	((struct sim_op){ .kind = SIM_OP_##k, __VA_ARGS__ })
#define TOK(t)		((u64)(uintptr_t)token(t))

/* ---- checks ---------------------------------------------------------------- */

/* Handle @c's IDs in the model, ascending. */
static unsigned int model_ids_of(int c, ioasid_t *out, void **priv)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < nids; i++)
		if (ids[i].owner == c) {
			out[n] = ids[i].id;
			priv[n++] = ids[i].priv;
		}
	return n;
}

static void check_handle(int c)
{
	ioasid_t want[MAX_IDS];
	void *wpriv[MAX_IDS];
	struct sim_event e;
	unsigned int n;

	if (mcons[c].state != IOMMU_PASID_LIVE) {
		e = query(OP(FIND, .consumer = &cons[c], .a = 1));
		FUZZ_ASSERT(e.result == -EINVAL, "op %u: find on stopped handle %d: %d/%#llx",
			    nop, c, e.result, (unsigned long long)e.value);
		return;
	}
	walk.n = 0;
	e = query(OP(FOR_EACH, .consumer = &cons[c]));
	n = model_ids_of(c, want, wpriv);
	FUZZ_ASSERT(e.result == 0 && walk.n == n,
		    "op %u: handle %d: for_each %d visited %u, model %u", nop, c, e.result, walk.n,
		    n);
	for (unsigned int i = 0; i < n; i++)
		FUZZ_ASSERT(walk.id[i] == want[i] && walk.priv[i] == wpriv[i],
			    "op %u: handle %d: visit %u is %u/%p, model %u/%p", nop, c, i,
			    walk.id[i], walk.priv[i], want[i], wpriv[i]);
}

static void check_state(void)
{
	for (int c = 0; c < NCONS; c++)
		check_handle(c);
	/* a handle's IDs answered through for_each; the direct users' here */
	for (unsigned int i = 0; i < nids; i++) {
		struct model_id *m = &ids[i];
		struct sim_event e;

		if (m->owner < NCONS)
			continue;
		e = query(OP(IOASID_FIND, .a = m->id));
		FUZZ_ASSERT(fuzz_bare_ptr(&e) == m->priv, "op %u: ioasid_find(NULL, %u) = %p, "
			    "model %p", nop, m->id, fuzz_bare_ptr(&e), m->priv);
	}
}

static void check_findings(void)
{
	size_t warns, all = sim_findings_count(f->k, -1);

	if (all == expect_warns)
		return;
	warns = sim_findings_count(f->k, SIM_FINDING_WARN);
	sim_findings_print(f->k, stderr);
	FUZZ_ASSERT(0, "op %u: %zu WARNs (model %zu), %zu other findings", nop, warns,
		    expect_warns, all - warns);
}

/* ---- operations -------------------------------------------------------------- */

static ioasid_t pick_id(struct fuzz_in *in)
{
	static const ioasid_t special[] = { 0, 1, IOMMU_PASID_MAX, INVALID_IOASID };
	uint8_t b = fuzz_u8(in);

	if (b < 192 && nids)
		return ids[b % nids].id;
	if (b < 240)
		return b % 64;
	if (b < 252)
		return special[b % 4];
	return fuzz_u32(in);
}

/* A requested range: mostly small, sometimes the whole space or reversed. */
static void pick_range(struct fuzz_in *in, ioasid_t *min, ioasid_t *max)
{
	uint8_t mode = fuzz_u8(in) % 8;

	if (mode <= 4) {
		*min = fuzz_u8(in) % 64;
		*max = *min + fuzz_u8(in) % 32;
	} else if (mode == 5) {
		*min = 0;
		*max = UINT32_MAX - 1;
	} else if (mode == 6) {
		*min = 10 + fuzz_u8(in) % 10;
		*max = *min - 1 - fuzz_u8(in) % 5;
	} else {
		*min = fuzz_u32(in) % (IOMMU_PASID_MAX + 2);
		*max = *min + fuzz_u8(in);
	}
}

/* Did the operation that began with @before failures injected draw one? */
static bool injected(u64 before)
{
	return fuzz_bare_injected(f) != before;
}

/* The result of iommu_pasid_init() the model predicts, and its range. */
static int model_init(int c, ioasid_t min, ioasid_t max, int kind, ioasid_t *lo, ioasid_t *hi)
{
	int ret;

	if (mcons[c].state == IOMMU_PASID_LIVE)
		return -EBUSY;
	if (!min && !max) {
		min = IOMMU_PASID_DEFAULT_MIN;
		max = IOMMU_PASID_DEFAULT_MAX;
	}
	*lo = min > IOMMU_PASID_DEFAULT_MIN ? min : IOMMU_PASID_DEFAULT_MIN;
	*hi = max < IOMMU_PASID_MAX ? max : IOMMU_PASID_MAX;
	if (*lo > *hi)
		return -EINVAL;
	ret = model_vendor(kind != OPS_NONE ? kind : sys_ops, lo, hi);
	if (ret)
		return ret;
	return *lo > *hi ? -EINVAL : 0;
}

static void op_init(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS, kind = fuzz_u8(in) % OPS__COUNT, want, ret;
	ioasid_t min, max, lo = 0, hi = 0;

	pick_range(in, &min, &max);
	if (fuzz_u8(in) & 1)
		min = max = 0;
	want = model_init(c, min, max, kind, &lo, &hi);
	cons[c].name = "fuzz";
	ret = run(OP(INIT_OPS, .consumer = &cons[c], .a = min, .b = max, .arg = kind)).result;
	FUZZ_ASSERT(ret == want, "op %u: init(handle %d, [%u, %u], ops %d, sys %d) = %d, model %d",
		    nop, c, min, max, kind, sys_ops, ret, want);
	if (!ret)
		mcons[c] = (struct model_cons){ IOMMU_PASID_LIVE, lo, hi };
}

static void op_exit(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS;

	run(OP(EXIT, .consumer = &cons[c]));
	if (mcons[c].state != IOMMU_PASID_LIVE)
		return;
	for (unsigned int i = nids; i-- > 0;)
		if (ids[i].owner == c) {
			struct sim_event e = query(OP(IOASID_FIND, .a = ids[i].id));

			FUZZ_ASSERT(e.result == -ENOENT, "op %u: exit left ID %u: %d/%#llx", nop,
				    ids[i].id, e.result, (unsigned long long)e.value);
			model_del(ids[i].id);
		}
	mcons[c].state = IOMMU_PASID_DEAD;
}

static void op_alloc(struct fuzz_in *in, u64 st)
{
	int c = fuzz_u8(in) % NCONS, want = 0;
	unsigned int t = fuzz_u8(in) % NTOKENS;
	ioasid_t min, max, wid = INVALID_IOASID;
	struct sim_event e;

	pick_range(in, &min, &max);
	if (mcons[c].state != IOMMU_PASID_LIVE || min > max) {
		want = -EINVAL;
	} else {
		ioasid_t lo = min > mcons[c].lo ? min : mcons[c].lo;
		ioasid_t hi = max < mcons[c].hi ? max : mcons[c].hi;

		if (lo > hi)
			want = -EINVAL;
		else if ((wid = model_lowest_free(lo, hi)) == INVALID_IOASID)
			want = -ENOSPC;
	}
	e = run(OP(ALLOC, .consumer = &cons[c], .a = min, .b = max, .arg = TOK(t)));
	/* the event's ID of a failure is 0, unless the failed call wrote one */
	if (e.result && want == 0 && (e.result == -ENOSPC || e.result == -ENOMEM) &&
	    injected(st)) {
		FUZZ_ASSERT(!e.value, "op %u: failed alloc wrote the ID", nop);
		return;
	}
	FUZZ_ASSERT(e.result == want && (e.result || e.value == wid),
		    "op %u: alloc(handle %d, [%u, %u]) = %d/%llu, model %d/%u", nop, c, min, max,
		    e.result, (unsigned long long)e.value, want, wid);
	FUZZ_ASSERT(!e.result || !e.value, "op %u: failed alloc wrote the ID", nop);
	if (!e.result)
		model_add(e.value, c, token(t));
}

static int model_free_err(int c, ioasid_t id)
{
	struct model_id *m = model_get(id);

	if (mcons[c].state != IOMMU_PASID_LIVE)
		return -EINVAL;
	if (!m)
		return -ENOENT;
	return m->owner == c ? 0 : -EACCES;
}

static void op_free(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS;
	ioasid_t id = pick_id(in);
	int want = model_free_err(c, id), ret;

	ret = run(OP(FREE, .consumer = &cons[c], .a = id)).result;
	FUZZ_ASSERT(ret == want, "op %u: free(handle %d, %u) = %d, model %d", nop, c, id, ret, want);
	if (!ret)
		model_del(id);
}

static void op_find(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS;
	ioasid_t id = pick_id(in);
	struct model_id *m = model_get(id);
	struct sim_event e;
	void *want;

	if (mcons[c].state != IOMMU_PASID_LIVE)
		want = ERR_PTR(-EINVAL);
	else if (!m)
		want = ERR_PTR(-ENOENT);
	else
		want = m->owner == c ? m->priv : ERR_PTR(-EACCES);
	e = run(OP(FIND, .consumer = &cons[c], .a = id));
	FUZZ_ASSERT(fuzz_bare_ptr(&e) == want, "op %u: find(handle %d, %u) = %p, model %p", nop, c,
		    id, fuzz_bare_ptr(&e), want);
}

/* for_each: mode 0 visits, 1 stops at the Nth visit, 2 __iommu_pasid_free()s each. */
static struct sim_event for_each_run(int c, int mode, unsigned int stop)
{
	walk.n = 0;
	if (mode == 1)
		return run(OP(FOR_EACH_STOP, .consumer = &cons[c], .a = stop));
	if (mode == 2)
		return run(OP(FOR_EACH_FREE, .consumer = &cons[c]));
	return run(OP(FOR_EACH, .consumer = &cons[c]));
}

static void op_for_each(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS, mode = fuzz_u8(in) % 3, want;
	unsigned int stop = 1 + fuzz_u8(in) % 4, n;
	struct sim_event e = for_each_run(c, mode, stop);
	ioasid_t mid[MAX_IDS];
	void *mpriv[MAX_IDS];

	if (mcons[c].state != IOMMU_PASID_LIVE) {
		FUZZ_ASSERT(e.result == -EINVAL && !walk.n, "op %u: for_each on stopped handle: %d",
			    nop, e.result);
		return;
	}
	n = model_ids_of(c, mid, mpriv);
	want = mode == 1 && stop <= n ? 1 : 0;	/* the executor's callback stops with 1 */
	if (mode == 1 && stop < n)
		n = stop;
	FUZZ_ASSERT(e.result == want && walk.n == n, "op %u: for_each(handle %d, mode %d) = %d "
		    "after %u, model %d after %u", nop, c, mode, e.result, walk.n, want, n);
	for (unsigned int i = 0; i < n; i++) {
		FUZZ_ASSERT(walk.id[i] == mid[i] && walk.priv[i] == mpriv[i], "op %u: visit %u: "
			    "%u/%p, model %u/%p", nop, i, walk.id[i], walk.priv[i], mid[i],
			    mpriv[i]);
		if (mode == 2) {
			FUZZ_ASSERT(!walk.freed[i], "op %u: __iommu_pasid_free(%u) in for_each = %d",
				    nop, mid[i], walk.freed[i]);
			model_del(mid[i]);
		}
	}
	FUZZ_ASSERT(mode != 2 || e.value == n, "op %u: for_each freed %llu, model %u", nop,
		    (unsigned long long)e.value, n);
}

static void op_ioasid_alloc(struct fuzz_in *in, u64 st)
{
	int s = fuzz_u8(in) % (NDSETS + 1);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	ioasid_t min, max, id, want;

	pick_range(in, &min, &max);
	/* INVALID_IOASID itself is never in range (docs/flavours.md (f)) */
	if (max == INVALID_IOASID)
		max--;
	want = model_lowest_free(min, max);
	id = run(OP(IOASID_ALLOC, .set = owner_set(NCONS + s), .a = min, .b = max,
		    .arg = TOK(t))).value;
	if (id == INVALID_IOASID && want != INVALID_IOASID && injected(st))
		return;
	FUZZ_ASSERT(id == want, "op %u: ioasid_alloc(set %d, [%u, %u]) = %u, model %u", nop, s,
		    min, max, id, want);
	if (id != INVALID_IOASID)
		model_add(id, NCONS + s, token(t));
}

static void op_ioasid_free(struct fuzz_in *in)
{
	ioasid_t id = pick_id(in);
	struct model_id *m = model_get(id);

	/* Freeing a handle's ID behind its back orphans it: not this harness's. */
	if (m && m->owner < NCONS) {
		if (breakage == BREAK_ORPHAN)
			run(OP(IOASID_FREE, .a = id));
		return;
	}
	run(OP(IOASID_FREE, .a = id));
	if (m)
		model_del(id);
}

static void op_ioasid_find(struct fuzz_in *in)
{
	int s = fuzz_u8(in) % (NDSETS + 1);
	ioasid_t id = pick_id(in);
	struct ioasid_set *set = owner_set(NCONS + s);
	struct model_id *m = model_get(id);
	struct sim_event e;
	void *want;

	if (!m)
		want = ERR_PTR(-ENOENT);
	else if (set && owner_set(m->owner) != set)
		want = ERR_PTR(-EACCES);
	else
		want = m->priv;
	e = run(OP(IOASID_FIND, .set = set, .a = id));
	FUZZ_ASSERT(fuzz_bare_ptr(&e) == want, "op %u: ioasid_find(set %d, %u) = %p, model %p",
		    nop, s, id, fuzz_bare_ptr(&e), want);
}

static void op_set_data(struct fuzz_in *in)
{
	ioasid_t id = pick_id(in);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	struct model_id *m = model_get(id);
	int ret = run(OP(IOASID_SET_DATA, .a = id, .arg = TOK(t))).result;

	FUZZ_ASSERT(ret == (m ? 0 : -ENOENT), "op %u: set_data(%u) = %d", nop, id, ret);
	if (m)
		m->priv = token(t);
}

static void op_set_ops(struct fuzz_in *in)
{
	int kind = fuzz_u8(in) % OPS__COUNT, want = 0, ret;

	if (kind != OPS_NONE && sys_ops != OPS_NONE && sys_ops != kind)
		want = -EBUSY;
	ret = run(OP(PASID_SET_OPS, .a = kind)).result;
	FUZZ_ASSERT(ret == want, "op %u: set_ops(%d) with %d = %d, model %d", nop, kind, sys_ops,
		    ret, want);
	if (!ret)
		sys_ops = kind;
}

/* docs/api.md: a NULL handle, result pointer or callback is -EINVAL. */
static void op_null(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS, what = fuzz_u8(in) % SIM_NULL__COUNT;
	struct sim_event e;

	if (what == SIM_NULL_FREE || what == SIM_NULL_FIND)
		pick_id(in);	/* the input's ID byte(s): a NULL handle ignores the ID */
	e = run(OP(PASID_NULL_ARG, .consumer = &cons[c], .a = what));
	FUZZ_ASSERT(e.result == -EINVAL && !e.value, "op %u: NULL argument case %d: %d%s", nop,
		    what, e.result, e.value ? " (wrote a result)" : "");
}

/* ---- one input ------------------------------------------------------------------ */

/* Every handle stopped, every direct ID freed, no vendor callbacks: boot state. */
static void teardown(void)
{
	if (fault_armed)
		fuzz_bare_submit(f, OP(FAULT_NEXT, .a = 0));
	for (int c = 0; c < NCONS; c++) {
		fuzz_bare_submit(f, OP(EXIT, .consumer = &cons[c]));
		for (unsigned int i = nids; i-- > 0;)
			if (ids[i].owner == c)
				model_del(ids[i].id);
	}
	for (unsigned int i = breakage == BREAK_LEAK; i < nids; i++)
		fuzz_bare_submit(f, OP(IOASID_FREE, .a = ids[i].id));
	fuzz_bare_submit(f, OP(PASID_SET_OPS, .a = OPS_NONE));
	/* a run that goes idle runs the RCU callbacks too (a quiescent point) */
	fuzz_bare_run(f);
	nids = 0;
	sys_ops = OPS_NONE;
	fault_armed = false;
	check_findings();
	if (fuzz_bare_live(f)) {
		/*
		 * Linux's XArray keeps the nodes an insert allocated before a
		 * later node allocation failed (the tree grew, the store did not
		 * happen): the static default space keeps them, empty, until an
		 * erase prunes them. Not a leak: reset the executor instead.
		 */
		if (fuzz_bare_live(f) == sim_slab_live_in_cache(f->k, "radix_tree_node")) {
			f->need_reset = true;
		} else {
			sim_slab_report_leaks(f->k, stderr);
			FUZZ_ASSERT(0, "%s: %llu objects leaked", f->flavour,
				    (unsigned long long)fuzz_bare_live(f));
		}
	}
	/*
	 * Nothing else to reset: every input ends in boot state (checked
	 * above), and a WARN leaves no state (iommu-pasid.c and both ioasid.c
	 * have no WARN_ON_ONCE). The reset in place before the next input is
	 * there for what does leave state behind: set need_reset.
	 */
	sim_findings_clear(f->k);
	sim_log_clear(f->k);
	memset(cons, 0, sizeof(cons));
	memset(mcons, 0, sizeof(mcons));
	expect_warns = 0;
}

static void run_op(struct fuzz_in *in, int op, u64 st)
{
	switch (op) {
	case OP_INIT: op_init(in); break;
	case OP_EXIT: op_exit(in); break;
	case OP_ALLOC: op_alloc(in, st); break;
	case OP_FREE: op_free(in); break;
	case OP_FIND: op_find(in); break;
	case OP_FOR_EACH: op_for_each(in); break;
	case OP_IOASID_ALLOC: op_ioasid_alloc(in, st); break;
	case OP_IOASID_FREE: op_ioasid_free(in); break;
	case OP_IOASID_FIND: op_ioasid_find(in); break;
	case OP_SET_DATA: op_set_data(in); break;
	case OP_SET_OPS: op_set_ops(in); break;
	case OP_NULL: op_null(in); break;
	case OP_FAULT:
		run(OP(FAULT_NEXT, .a = fuzz_u8(in)));
		fault_armed = true;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };

	if (!size)
		return 0;
	f = &flavours[fuzz_u8(&in) & 1];
	if (!f->w)
		f = &flavours[0];	/* one flavour built */
	fuzz_bare_prepare(f);
	for (nop = 0; fuzz_more(&in) && nop < MAX_OPS; nop++) {
		int op = fuzz_u8(&in) % OP__COUNT;
		u64 st = fuzz_bare_injected(f);

		run_op(&in, op, st);
		/* docs/api.md: only the allocations allocate memory */
		FUZZ_ASSERT(op == OP_ALLOC || op == OP_IOASID_ALLOC || !injected(st),
			    "op %u (opcode %d) drew an allocation failure", nop, op);
		check_findings();
		if (mutates[op])
			check_state();
	}
	check_state();
	teardown();
	return 0;
}
