// SPDX-License-Identifier: GPL-2.0
/*
 * API harness: bare-metal operation sequences through iommu_pasid_* and
 * ioasid_* on one allocator flavour (the input's first byte chooses
 * pasidsim or linux-6.1; both copies are loaded once, each in its own
 * kernel instance), checked against a reference model of docs/api.md after
 * every operation.
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
 * operation that broke the state would be caught by the next check.) WARNs must be exactly the expected
 * ones (a vendor range wider than the request); any other finding aborts.
 *
 * Allocation failures are chosen by input bytes: the FAULT operation arms a
 * bit mask over the next eight allocation attempts of the next operation.
 * An allocating operation that hit an injected failure may fail with its
 * documented error (-ENOSPC or -ENOMEM, INVALID_IOASID) and must then leave
 * the state unchanged; an operation documented not to allocate must not
 * notice. At the end of the input every handle is stopped, every direct ID
 * freed, and the instance's slab accounting must show no live object (the
 * leak check; LeakSanitizer stays off while fuzzing).
 *
 * Input: [flavour byte] then operations, one opcode byte and its argument
 * bytes (fuzz/README.md lists them; fuzz/dict/api.dict has examples).
 */
#include <string.h>
#include <unistd.h>

#include <linux/err.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/task.h>

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

/* The vendor callbacks a handle or the system can have (OPS_NONE: none). */
enum { OPS_NONE, OPS_NARROW, OPS_WIDEN, OPS_FAIL, OPS_POSITIVE, OPS_EMPTY, OPS__COUNT };
#define NARROW_MIN	8
#define NARROW_MAX	48

struct flavour {
	const char *name;
	struct sim_core *core;
	struct sim_kernel *k;
	const struct sim_core_ioasid_api *io;
	int (*set_ops)(const struct iommu_pasid_ops *ops);
	int (*init)(struct iommu_pasid *pasid);
	void (*exit)(struct iommu_pasid *pasid);
	int (*alloc)(struct iommu_pasid *pasid, ioasid_t min, ioasid_t max, void *priv,
		     ioasid_t *id);
	int (*free)(struct iommu_pasid *pasid, ioasid_t id);
	int (*free_locked)(struct iommu_pasid *pasid, ioasid_t id);
	int (*for_each)(struct iommu_pasid *pasid,
			int (*func)(ioasid_t id, void *priv, void *data), void *data);
	void *(*find)(struct iommu_pasid *pasid, ioasid_t id);
	bool need_reset;
};

static struct flavour flavours[2];

/*
 * PASIDSIM_FUZZ_API_BREAK=NAME breaks the harness on purpose, so a test
 * sees each oracle fire (the fuzz/api/oracle/ tests of ctest):
 *   model   the model expects the second-lowest free ID (result check)
 *   orphan  ioasid_free() of a handle's ID behind its back, the model not
 *           told (state check: for_each's WARN, then the walk differs)
 *   leak    the end of input forgets one direct user's ID (leak check)
 */
static enum { BREAK_NONE, BREAK_MODEL, BREAK_ORPHAN, BREAK_LEAK } breakage;
static struct flavour *f;		/* the input's */

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

/* ---- vendor callbacks ------------------------------------------------------ */

static int range_narrow(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	*min = *min > NARROW_MIN ? *min : NARROW_MIN;
	*max = *max < NARROW_MAX ? *max : NARROW_MAX;
	return 0;
}

static int range_widen(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	*min -= 1;		/* the request is never below 1: always wider */
	if (*max < IOMMU_PASID_MAX)
		*max += 1;
	return 0;
}

static int range_fail(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	return -ENODEV;
}

static int range_positive(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	return 1;
}

static int range_empty(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	*min = 10;
	*max = 5;
	return 0;
}

static const struct iommu_pasid_ops vendor_ops[OPS__COUNT] = {
	[OPS_NARROW] = { range_narrow },
	[OPS_WIDEN] = { range_widen },
	[OPS_FAIL] = { range_fail },
	[OPS_POSITIVE] = { range_positive },
	[OPS_EMPTY] = { range_empty },
};

static const struct iommu_pasid_ops *ops_ptr(int kind)
{
	return kind == OPS_NONE ? NULL : &vendor_ops[kind];
}

/* docs/api.md, "Vendor callbacks": what init makes of [*lo, *hi] under @kind. */
static int model_vendor(int kind, ioasid_t *lo, ioasid_t *hi)
{
	ioasid_t l = *lo, h = *hi;

	switch (kind) {
	case OPS_NONE: return 0;
	case OPS_FAIL: return -ENODEV;
	case OPS_POSITIVE: return -EINVAL;
	case OPS_NARROW: range_narrow(NULL, &l, &h); break;
	case OPS_WIDEN: range_widen(NULL, &l, &h); break;
	case OPS_EMPTY: range_empty(NULL, &l, &h); break;
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

/* ---- loading and allocation failures ---------------------------------------- */

static u8 fail_mask;
static unsigned int fail_pos;
static unsigned long nfailed;		/* failures injected so far */

static bool fault_hook(void *arg, const char *site, size_t size, gfp_t gfp)
{
	bool fail = fail_pos < 8 && (fail_mask >> fail_pos++) & 1;

	nfailed += fail;
	return fail;
}

#define SYM(fl, field, sym) do {						\
	*(void **)&(fl)->field = sim_core_sym((fl)->core, sym);		\
	FUZZ_ASSERT((fl)->field, "%s: no symbol %s", (fl)->name, sym);	\
} while (0)

static void flavour_load(struct flavour *fl, const char *name)
{
	char path[4096], err[512];

	fl->name = name;
	fl->core = sim_core_load(fuzz_core_path(name, path, sizeof(path)), err, sizeof(err));
	FUZZ_ASSERT(fl->core, "%s", err);
	fuzz_coverage_register(fl->core, path);
	fl->k = sim_kernel_create(name);
	fuzz_kernel_clock(fl->k);
	fl->io = sim_core_ioasid(fl->core);
	SYM(fl, set_ops, "iommu_pasid_set_ops");
	SYM(fl, init, "iommu_pasid_init");
	SYM(fl, exit, "iommu_pasid_exit");
	SYM(fl, alloc, "iommu_pasid_alloc");
	SYM(fl, free, "iommu_pasid_free");
	SYM(fl, free_locked, "__iommu_pasid_free");
	SYM(fl, for_each, "iommu_pasid_for_each");
	SYM(fl, find, "iommu_pasid_find");
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
	flavour_load(&flavours[0], fuzz_core_choose("pasidsim", false));
	if (access(fuzz_core_path("linux-6.1", path, sizeof(path)), R_OK) == 0 &&
	    strcmp(fuzz_core_choose("linux-6.1", false), flavours[0].name))
		flavour_load(&flavours[1], fuzz_core_choose("linux-6.1", false));
	else
		flavours[1] = flavours[0];
	return 0;
}

/* ---- checks ---------------------------------------------------------------- */

struct walk {
	struct flavour *fl;
	struct iommu_pasid *pasid;
	int mode;		/* 0 collect, 1 stop at the @stop-th, 2 free each */
	unsigned int stop;
	unsigned int n;
	ioasid_t id[MAX_IDS];
	void *priv[MAX_IDS];
	int freed[MAX_IDS];
};

static int walk_fn(ioasid_t id, void *priv, void *data)
{
	struct walk *w = data;

	FUZZ_ASSERT(w->n < MAX_IDS, "op %u: for_each visits too many IDs", nop);
	w->id[w->n] = id;
	w->priv[w->n] = priv;
	if (w->mode == 2)
		w->freed[w->n] = w->fl->free_locked(w->pasid, id);
	w->n++;
	return w->mode == 1 && w->n == w->stop ? 7 : 0;
}

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

static void check_state(void)
{
	static struct walk w;

	for (int c = 0; c < NCONS; c++) {
		ioasid_t want[MAX_IDS];
		void *wpriv[MAX_IDS];
		unsigned int n;
		int ret;

		if (mcons[c].state != IOMMU_PASID_LIVE) {
			void *r = f->find(&cons[c], 1);

			FUZZ_ASSERT(r == ERR_PTR(-EINVAL), "op %u: find on stopped handle %d: %p",
				    nop, c, r);
			continue;
		}
		w = (struct walk){ .fl = f, .pasid = &cons[c] };
		ret = f->for_each(&cons[c], walk_fn, &w);
		n = model_ids_of(c, want, wpriv);
		FUZZ_ASSERT(ret == 0 && w.n == n, "op %u: handle %d: for_each %d visited %u, model %u",
			    nop, c, ret, w.n, n);
		for (unsigned int i = 0; i < n; i++)
			FUZZ_ASSERT(w.id[i] == want[i] && w.priv[i] == wpriv[i],
				    "op %u: handle %d: visit %u is %u/%p, model %u/%p", nop, c, i,
				    w.id[i], w.priv[i], want[i], wpriv[i]);
	}
	/* a handle's IDs answered through for_each; the direct users' here */
	for (unsigned int i = 0; i < nids; i++) {
		struct model_id *m = &ids[i];
		void *r;

		if (m->owner < NCONS)
			continue;
		r = f->io->find(NULL, m->id, NULL);
		FUZZ_ASSERT(r == m->priv, "op %u: ioasid_find(NULL, %u) = %p, model %p", nop, m->id,
			    r, m->priv);
	}
}

static void check_findings(void)
{
	size_t warns, all = sim_findings_count(f->k, -1);

	if (all == expect_warns)
		return;
	warns = sim_findings_count(f->k, SIM_FINDING_WARN);
	{
		sim_findings_print(f->k, stderr);
		FUZZ_ASSERT(0, "op %u: %zu WARNs (model %zu), %zu other findings", nop, warns,
			    expect_warns, all - warns);
	}
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
static bool injected(unsigned long before)
{
	return nfailed != before;
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
	if (mcons[c].state != IOMMU_PASID_LIVE) {
		cons[c].name = "fuzz";
		cons[c].min = min;
		cons[c].max = max;
		cons[c].ops = ops_ptr(kind);
	}
	ret = f->init(&cons[c]);
	FUZZ_ASSERT(ret == want, "op %u: init(handle %d, [%u, %u], ops %d, sys %d) = %d, model %d",
		    nop, c, min, max, kind, sys_ops, ret, want);
	if (!ret) {
		mcons[c] = (struct model_cons){ IOMMU_PASID_LIVE, lo, hi };
		/* an empty result: -EINVAL; the test above already matched it */
	}
}

static void op_exit(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS;

	f->exit(&cons[c]);
	if (mcons[c].state != IOMMU_PASID_LIVE)
		return;
	for (unsigned int i = nids; i-- > 0;)
		if (ids[i].owner == c) {
			void *r = f->io->find(NULL, ids[i].id, NULL);

			FUZZ_ASSERT(r == ERR_PTR(-ENOENT), "op %u: exit left ID %u: %p", nop,
				    ids[i].id, r);
			model_del(ids[i].id);
		}
	mcons[c].state = IOMMU_PASID_DEAD;
}

static void op_alloc(struct fuzz_in *in, unsigned long st)
{
	int c = fuzz_u8(in) % NCONS, want = 0, ret;
	unsigned int t = fuzz_u8(in) % NTOKENS;
	ioasid_t min, max, id = 0xdead, wid = INVALID_IOASID;

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
	ret = f->alloc(&cons[c], min, max, token(t), &id);
	if (ret && want == 0 && (ret == -ENOSPC || ret == -ENOMEM) && injected(st)) {
		FUZZ_ASSERT(id == 0xdead, "op %u: failed alloc wrote the ID", nop);
		return;
	}
	FUZZ_ASSERT(ret == want && (ret || id == wid),
		    "op %u: alloc(handle %d, [%u, %u]) = %d/%u, model %d/%u", nop, c, min, max, ret,
		    ret ? 0 : id, want, wid);
	FUZZ_ASSERT(!ret || id == 0xdead, "op %u: failed alloc wrote the ID", nop);
	if (!ret)
		model_add(id, c, token(t));
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

	ret = f->free(&cons[c], id);
	FUZZ_ASSERT(ret == want, "op %u: free(handle %d, %u) = %d, model %d", nop, c, id, ret, want);
	if (!ret)
		model_del(id);
}

static void op_find(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS;
	ioasid_t id = pick_id(in);
	struct model_id *m = model_get(id);
	void *want, *r;

	if (mcons[c].state != IOMMU_PASID_LIVE)
		want = ERR_PTR(-EINVAL);
	else if (!m)
		want = ERR_PTR(-ENOENT);
	else
		want = m->owner == c ? m->priv : ERR_PTR(-EACCES);
	r = f->find(&cons[c], id);
	FUZZ_ASSERT(r == want, "op %u: find(handle %d, %u) = %p, model %p", nop, c, id, r, want);
}

static void op_for_each(struct fuzz_in *in)
{
	static struct walk w;
	int c = fuzz_u8(in) % NCONS, mode = fuzz_u8(in) % 3, want, ret;
	ioasid_t mid[MAX_IDS];
	void *mpriv[MAX_IDS];
	unsigned int n;

	w = (struct walk){ .fl = f, .pasid = &cons[c], .mode = mode, .stop = 1 + fuzz_u8(in) % 4 };
	ret = f->for_each(&cons[c], walk_fn, &w);
	if (mcons[c].state != IOMMU_PASID_LIVE) {
		FUZZ_ASSERT(ret == -EINVAL && !w.n, "op %u: for_each on stopped handle: %d", nop, ret);
		return;
	}
	n = model_ids_of(c, mid, mpriv);
	want = mode == 1 && w.stop <= n ? 7 : 0;
	if (mode == 1 && w.stop < n)
		n = w.stop;
	FUZZ_ASSERT(ret == want && w.n == n, "op %u: for_each(handle %d, mode %d) = %d after %u, "
		    "model %d after %u", nop, c, mode, ret, w.n, want, n);
	for (unsigned int i = 0; i < n; i++) {
		FUZZ_ASSERT(w.id[i] == mid[i] && w.priv[i] == mpriv[i], "op %u: visit %u: %u/%p, "
			    "model %u/%p", nop, i, w.id[i], w.priv[i], mid[i], mpriv[i]);
		if (mode == 2) {
			FUZZ_ASSERT(!w.freed[i], "op %u: __iommu_pasid_free(%u) in for_each = %d",
				    nop, mid[i], w.freed[i]);
			model_del(mid[i]);
		}
	}
}

static void op_ioasid_alloc(struct fuzz_in *in, unsigned long st)
{
	int s = fuzz_u8(in) % (NDSETS + 1);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	ioasid_t min, max, id, want;

	pick_range(in, &min, &max);
	/* INVALID_IOASID itself is never in range (docs/flavours.md (f)) */
	if (max == INVALID_IOASID)
		max--;
	want = model_lowest_free(min, max);
	id = f->io->alloc(owner_set(NCONS + s), min, max, token(t));
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
			f->io->free(id);
		return;
	}
	f->io->free(id);
	if (m)
		model_del(id);
}

static void op_ioasid_find(struct fuzz_in *in)
{
	int s = fuzz_u8(in) % (NDSETS + 1);
	ioasid_t id = pick_id(in);
	struct ioasid_set *set = owner_set(NCONS + s);
	struct model_id *m = model_get(id);
	void *want, *r;

	if (!m)
		want = ERR_PTR(-ENOENT);
	else if (set && owner_set(m->owner) != set)
		want = ERR_PTR(-EACCES);
	else
		want = m->priv;
	r = f->io->find(set, id, NULL);
	FUZZ_ASSERT(r == want, "op %u: ioasid_find(set %d, %u) = %p, model %p", nop, s, id, r, want);
}

static void op_set_data(struct fuzz_in *in)
{
	ioasid_t id = pick_id(in);
	unsigned int t = fuzz_u8(in) % NTOKENS;
	struct model_id *m = model_get(id);
	int ret = f->io->set_data(id, token(t));

	FUZZ_ASSERT(ret == (m ? 0 : -ENOENT), "op %u: set_data(%u) = %d", nop, id, ret);
	if (m)
		m->priv = token(t);
}

static void op_set_ops(struct fuzz_in *in)
{
	int kind = fuzz_u8(in) % OPS__COUNT, want = 0, ret;

	if (kind != OPS_NONE && sys_ops != OPS_NONE && sys_ops != kind)
		want = -EBUSY;
	ret = f->set_ops(ops_ptr(kind));
	FUZZ_ASSERT(ret == want, "op %u: set_ops(%d) with %d = %d, model %d", nop, kind, sys_ops,
		    ret, want);
	if (!ret)
		sys_ops = kind;
}

static int null_walk(ioasid_t id, void *priv, void *data)
{
	return 0;
}

/* docs/api.md: a NULL handle, result pointer or callback is -EINVAL. */
static void op_null(struct fuzz_in *in)
{
	int c = fuzz_u8(in) % NCONS, what = fuzz_u8(in) % 8, ret = -EINVAL;
	ioasid_t id = 0xdead;
	void *r;

	switch (what) {
	case 0: ret = f->init(NULL); break;
	case 1: f->exit(NULL); break;
	case 2: ret = f->alloc(NULL, 0, IOMMU_PASID_MAX, NULL, &id); break;
	case 3: ret = f->alloc(&cons[c], 0, IOMMU_PASID_MAX, NULL, NULL); break;
	case 4: ret = f->free(NULL, pick_id(in)); break;
	case 5: ret = f->for_each(NULL, null_walk, NULL); break;
	case 6: ret = f->for_each(&cons[c], NULL, NULL); break;
	default:
		r = f->find(NULL, pick_id(in));
		FUZZ_ASSERT(r == ERR_PTR(-EINVAL), "op %u: find(NULL) = %p", nop, r);
		break;
	}
	FUZZ_ASSERT(ret == -EINVAL && id == 0xdead, "op %u: NULL argument case %d: %d", nop, what,
		    ret);
}

/* ---- one input ------------------------------------------------------------------ */

static void teardown(void)
{
	for (int c = 0; c < NCONS; c++) {
		f->exit(&cons[c]);
		for (unsigned int i = nids; i-- > 0;)
			if (ids[i].owner == c)
				model_del(ids[i].id);
	}
	for (unsigned int i = breakage == BREAK_LEAK; i < nids; i++)
		f->io->free(ids[i].id);
	nids = 0;
	f->set_ops(NULL);
	sys_ops = OPS_NONE;
	rcu_barrier();
	check_findings();
	{
		struct sim_slab_stats st;

		sim_slab_stats(f->k, &st);
		/*
		 * Linux's XArray keeps the nodes an insert allocated before a
		 * later node allocation failed (the tree grew, the store did not
		 * happen): the static default space keeps them, empty, until an
		 * erase prunes them. Not a leak: reset the instance instead.
		 */
		if (st.live_objects && st.live_objects ==
		    sim_slab_live_in_cache(f->k, "radix_tree_node")) {
			f->need_reset = true;
		} else if (st.live_objects) {
			sim_slab_report_leaks(f->k, stderr);
			FUZZ_ASSERT(0, "%s: %llu objects leaked", f->name,
				    (unsigned long long)st.live_objects);
		}
	}
	/*
	 * Nothing to reset: every input ends in boot state (checked above),
	 * and a WARN leaves no state (iommu-pasid.c and both ioasid.c have no
	 * WARN_ON_ONCE). The reset in place before the next input is there
	 * for a harness change that leaves state behind: set need_reset.
	 */
	sim_findings_clear(f->k);
	sim_log_clear(f->k);
	memset(cons, 0, sizeof(cons));
	memset(mcons, 0, sizeof(mcons));
	expect_warns = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };

	if (!size)
		return 0;
	f = &flavours[fuzz_u8(&in) & 1];
	if (f->k == flavours[0].k)
		f = &flavours[0];	/* one flavour built: one need_reset flag */
	if (f->need_reset) {
		sim_kernel_reset(f->k);
		fuzz_coverage_save(f->core);
		sim_core_reset(f->core);
		f->need_reset = false;
	}
	sim_kernel_enter(f->k);
	sim_fault_set_hook(f->k, fault_hook, NULL);
	for (nop = 0; fuzz_more(&in) && nop < MAX_OPS; nop++) {
		int op = fuzz_u8(&in) % OP__COUNT;
		unsigned long st = nfailed;

		switch (op) {
		case OP_INIT: op_init(&in); break;
		case OP_EXIT: op_exit(&in); break;
		case OP_ALLOC: op_alloc(&in, st); break;
		case OP_FREE: op_free(&in); break;
		case OP_FIND: op_find(&in); break;
		case OP_FOR_EACH: op_for_each(&in); break;
		case OP_IOASID_ALLOC: op_ioasid_alloc(&in, st); break;
		case OP_IOASID_FREE: op_ioasid_free(&in); break;
		case OP_IOASID_FIND: op_ioasid_find(&in); break;
		case OP_SET_DATA: op_set_data(&in); break;
		case OP_SET_OPS: op_set_ops(&in); break;
		case OP_NULL: op_null(&in); break;
		case OP_FAULT:
			fail_mask = fuzz_u8(&in);
			fail_pos = 0;
			break;
		}
		/* docs/api.md: only the allocations allocate memory */
		FUZZ_ASSERT(op == OP_ALLOC || op == OP_IOASID_ALLOC || !injected(st),
			    "op %u (opcode %d) drew an allocation failure", nop, op);
		if (op != OP_FAULT)
			fail_pos = 8;	/* armed for one operation only */
		check_findings();
		if (mutates[op])
			check_state();
	}
	check_state();
	fail_pos = 8;
	sim_fault_set_hook(f->k, NULL, NULL);
	teardown();
	sim_kernel_enter(NULL);
	return 0;
}
