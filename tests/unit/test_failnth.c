// SPDX-License-Identifier: GPL-2.0
/*
 * Fail-nth sweep of the iommu_pasid_* API.
 *
 * Each scripted call sequence runs once without faults (the reference), then
 * again with the 1st, 2nd, ... slab allocation failed, until an armed run
 * completes without a failure being injected. Every call runs against a
 * small reference model of the API (owner per ID, lowest free first,
 * consumer ranges). The oracle, per call:
 *   - a call in which no failure was injected returns exactly what the model
 *     predicts (and, up to the first injection, what the reference run got);
 *   - a call whose result differs had a failure injected inside it, is an
 *     allocation, failed with -ENOSPC/-ENOMEM (INVALID_IOASID for a raw
 *     ioasid_alloc()) and changed nothing;
 * and after every call the state is consistent: each live consumer's
 * for_each lists exactly the model's IDs with their private data, find
 * agrees, the allocator holds exactly the model's IDs, and a fake host
 * (for sequences with a custom allocator) holds exactly those too. After
 * each run every consumer is stopped and, after rcu_barrier(), no slab
 * object is live and no finding was recorded.
 */
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/rcupdate.h>
#include <stdio.h>
#include <string.h>
#include <ktest.h>

#define NCONS		3
#define MAX_OPS		64
#define MODEL_IDS	256	/* every ID a script can reach is below this */
#define MAX_NTH		10000

enum op_kind {
	OP_END,		/* zero: the end of a script */
	OP_INIT,
	OP_EXIT,
	OP_ALLOC,
	OP_FREE,
	OP_FIND,
	OP_EACH,
	OP_RAW_ALLOC,	/* ioasid_alloc(NULL set): someone outside the API */
	OP_RAW_FREE,
};

struct op {
	enum op_kind kind;
	int c;			/* consumer */
	ioasid_t min, max;	/* ALLOC, RAW_ALLOC */
	bool nullpriv;		/* ALLOC: private data NULL */
	int ref;		/* FREE, FIND, RAW_FREE: the ID op #ref allocated, */
	ioasid_t id;		/* ... or this ID when ref < 0 */
	unsigned int stop_at;	/* EACH: stop at this visit (1-based), 0 never */
	int stop_ret;
};

struct seq {
	const char *name;
	bool custom;		/* a fake host allocator underneath */
	ioasid_t req_min[NCONS], req_max[NCONS];
	struct op ops[MAX_OPS];
};

#define INIT(c_)		{ .kind = OP_INIT, .c = (c_) }
#define EXIT(c_)		{ .kind = OP_EXIT, .c = (c_) }
#define ALLOC_(c_, lo, hi, np)	{ .kind = OP_ALLOC, .c = (c_), .min = (lo), .max = (hi), \
				  .nullpriv = (np) }
#define ALLOC(c_, ...)		ALLOC_(c_, __VA_ARGS__, false)	/* (c, lo, hi) or (c, ANY) */
#define ALLOCN(c_, ...)		ALLOC_(c_, __VA_ARGS__, true)	/* private data NULL */
#define FREE(c_, k)		{ .kind = OP_FREE, .c = (c_), .ref = (k) }
#define FREEID(c_, i)		{ .kind = OP_FREE, .c = (c_), .ref = -1, .id = (i) }
#define FIND(c_, k)		{ .kind = OP_FIND, .c = (c_), .ref = (k) }
#define FINDID(c_, i)		{ .kind = OP_FIND, .c = (c_), .ref = -1, .id = (i) }
#define EACH(c_)		{ .kind = OP_EACH, .c = (c_) }
#define EACHSTOP(c_, n, r)	{ .kind = OP_EACH, .c = (c_), .stop_at = (n), .stop_ret = (r) }
#define RAW(lo, hi)		{ .kind = OP_RAW_ALLOC, .min = (lo), .max = (hi) }
#define RAWFREE(k)		{ .kind = OP_RAW_FREE, .ref = (k) }
#define ANY			0, UINT_MAX

/*
 * The scripts. FREE(c, k) / FIND(c, k) name the ID that op #k (0-based,
 * counted in the script) allocated; if op #k failed in this run, the ID the
 * reference run got is used, so the call still happens.
 */
static const struct seq seq_single = {
	.name = "single",
	.ops = {
		INIT(0),			/* 0 */
		ALLOC(0, ANY),			/* 1 */
		ALLOC(0, ANY),			/* 2 */
		ALLOCN(0, ANY),			/* 3 */
		FREE(0, 2),			/* 4 */
		FIND(0, 1),			/* 5 */
		FIND(0, 2),			/* 6 */
		ALLOC(0, ANY),			/* 7: reuses #2's ID */
		EACH(0),			/* 8 */
		FREE(0, 1),			/* 9 */
		FREE(0, 1),			/* 10: double free */
		EXIT(0),			/* 11 */
	},
};

static const struct seq seq_two_consumers = {
	.name = "two_consumers",
	.req_min = { 0, 20 }, .req_max = { 0, 40 },
	.ops = {
		INIT(0),			/* 0 */
		INIT(1),			/* 1 */
		ALLOC(0, ANY),			/* 2 */
		ALLOC(1, ANY),			/* 3 */
		ALLOC(0, 10, 30),		/* 4 */
		ALLOC(1, 25, 35),		/* 5 */
		FREE(0, 3),			/* 6: b's ID: -EACCES */
		FIND(0, 5),			/* 7: -EACCES */
		FIND(1, 5),			/* 8 */
		FREE(1, 3),			/* 9 */
		ALLOC(0, 20, 20),		/* 10: #3's ID, now a's */
		EACH(0),			/* 11 */
		EACH(1),			/* 12 */
		EXIT(0),			/* 13: frees #2, #4, #10 */
		FIND(0, 2),			/* 14: -EINVAL */
		ALLOC(1, ANY),			/* 15 */
		ALLOC(0, ANY),			/* 16: -EINVAL */
		INIT(0),			/* 17: again */
		ALLOC(0, ANY),			/* 18 */
		EACH(1),			/* 19 */
		EXIT(1),			/* 20 */
		EXIT(0),			/* 21 */
	},
};

static const struct seq seq_exhaust = {
	.name = "exhaust",
	.req_min = { 1, 3 }, .req_max = { 4, 6 },
	.ops = {
		INIT(0),			/* 0 */
		INIT(1),			/* 1 */
		ALLOC(0, ANY),			/* 2: 1 */
		ALLOC(0, ANY),			/* 3: 2 */
		ALLOC(1, ANY),			/* 4: 3 */
		ALLOC(0, ANY),			/* 5: 4 */
		ALLOC(0, ANY),			/* 6: -ENOSPC */
		ALLOC(1, ANY),			/* 7: 5 */
		FREE(0, 3),			/* 8 */
		ALLOC(1, ANY),			/* 9: 6 */
		ALLOC(1, ANY),			/* 10: -ENOSPC */
		ALLOC(0, ANY),			/* 11: 2 again */
		ALLOC(0, 5, 9),			/* 12: -EINVAL */
		ALLOC(0, 3, 2),			/* 13: -EINVAL */
		EACH(0),			/* 14 */
		EXIT(1),			/* 15 */
		ALLOC(0, ANY),			/* 16: 3, which b's exit freed */
		EXIT(0),			/* 17 */
	},
};

static const struct seq seq_exit_outstanding = {
	.name = "exit_outstanding",
	.ops = {
		INIT(0),
		ALLOC(0, ANY), ALLOC(0, ANY), ALLOC(0, ANY), ALLOCN(0, ANY),
		ALLOC(0, ANY), ALLOC(0, ANY), ALLOC(0, ANY), ALLOC(0, ANY),
		ALLOC(0, 100, 200), ALLOC(0, 250, UINT_MAX),
		EXIT(0),
		INIT(0),
		ALLOC(0, ANY),
		EACH(0),
		EXIT(0),
	},
};

static const struct seq seq_foreach_stop = {
	.name = "foreach_stop",
	.ops = {
		INIT(0),
		INIT(1),
		ALLOC(0, ANY), ALLOC(1, ANY), ALLOC(0, ANY), ALLOC(1, ANY),
		ALLOC(0, ANY), ALLOC(0, ANY),
		EACHSTOP(0, 2, 7),
		EACHSTOP(0, 1, -EIO),
		EACHSTOP(1, 3, 9),		/* b holds 2: never stops */
		EACH(2),			/* not initialised: -EINVAL */
		FREE(0, 4),
		EACHSTOP(0, 3, 1),
		EXIT(0),
		EXIT(1),
	},
};

static const struct seq seq_raw_mix = {
	.name = "raw_mix",
	.ops = {
		INIT(0),			/* 0 */
		RAW(1, 10),			/* 1 */
		ALLOC(0, ANY),			/* 2 */
		RAW(1, 10),			/* 3 */
		FREE(0, 1),			/* 4: -EACCES */
		FIND(0, 3),			/* 5: -EACCES */
		RAWFREE(1),			/* 6 */
		ALLOC(0, ANY),			/* 7: #1's ID */
		FREEID(0, 0),			/* 8: -ENOENT */
		FREEID(0, INVALID_IOASID),	/* 9: -ENOENT */
		FINDID(0, 77),			/* 10: -ENOENT */
		EXIT(0),			/* 11 */
		RAWFREE(3),			/* 12 */
	},
};

static const struct seq seq_custom_host = {
	.name = "custom_host",
	.custom = true,
	.req_min = { 0, 8 }, .req_max = { 0, 12 },
	.ops = {
		INIT(0),			/* 0 */
		INIT(1),			/* 1 */
		ALLOC(0, ANY),			/* 2 */
		ALLOC(1, ANY),			/* 3 */
		ALLOC(0, ANY),			/* 4 */
		ALLOCN(1, ANY),			/* 5 */
		FREE(1, 2),			/* 6: -EACCES */
		FREE(0, 2),			/* 7 */
		RAW(1, 20),			/* 8 */
		ALLOC(1, ANY),			/* 9 */
		FIND(1, 9),			/* 10 */
		EACH(0),			/* 11 */
		EXIT(1),			/* 12 */
		ALLOC(0, ANY),			/* 13 */
		RAWFREE(8),			/* 14 */
		EXIT(0),			/* 15 */
	},
};

/* IDs on both sides of XArray node boundaries (64, 128): the bookkeeping grows. */
static const struct seq seq_node_growth = {
	.name = "node_growth",
	.req_min = { 0, 60 }, .req_max = { 200, 130 },
	.ops = {
		INIT(0),			/* 0 */
		INIT(1),			/* 1 */
		ALLOC(0, 1, 1),			/* 2: 1 */
		ALLOC(0, 64, 64),		/* 3: 64, a new leaf */
		ALLOC(0, 130, 140),		/* 4: 130, a third leaf */
		ALLOC(1, ANY),			/* 5: 60 */
		ALLOC(1, ANY),			/* 6: 61 */
		ALLOC(1, 100, UINT_MAX),	/* 7: 100 */
		FREE(0, 3),			/* 8 */
		ALLOC(1, 64, 64),		/* 9: 64, now b's */
		ALLOC(0, 190, 200),		/* 10: 190 */
		FREE(0, 2),			/* 11: a's first leaf empties */
		ALLOC(0, 2, 2),			/* 12: 2 */
		EACH(0),			/* 13 */
		EACH(1),			/* 14 */
		EXIT(0),			/* 15 */
		FIND(1, 9),			/* 16 */
		EXIT(1),			/* 17 */
	},
};

/* ---- the fake host allocator ------------------------------------------------------ */

#define HOST_IDS	MODEL_IDS
#define HOST_RESERVED	3	/* other guests hold host IDs 0..2 */

struct fake_host {
	struct ioasid_allocator_ops ops;
	bool used[HOST_IDS];
	unsigned int refused;
};

static struct fake_host host;

static ioasid_t host_alloc(ioasid_t min, ioasid_t max, void *data)
{
	struct fake_host *h = data;

	for (ioasid_t id = min; id <= max && id < HOST_IDS; id++) {
		if (!h->used[id]) {
			h->used[id] = true;
			return id;
		}
	}
	return INVALID_IOASID;
}

/*
 * Refuses to free an ID that still has private data, like VT-d. (VT-d also
 * refuses when ioasid_find() returns an error pointer, which happens when
 * the allocator gives an ID back because it could not track it; that is
 * the allocator's business, not this API's, so it is not modelled here.)
 */
static void host_free(ioasid_t id, void *data)
{
	struct fake_host *h = data;
	void *priv = ioasid_find(NULL, id, NULL);

	if (priv && !IS_ERR(priv)) {
		h->refused++;
		return;
	}
	if (id < HOST_IDS)
		h->used[id] = false;
}

static void host_register(void)
{
	memset(&host, 0, sizeof(host));
	host.ops.alloc = host_alloc;
	host.ops.free = host_free;
	host.ops.pdata = &host;
	for (int i = 0; i < HOST_RESERVED; i++)
		host.used[i] = true;
	cr_assert_eq(ioasid_register_allocator(&host.ops), 0);
}

/* ---- the reference model ------------------------------------------------------------ */

enum {
	OWNER_FREE = -1,
	OWNER_RAW = NCONS,	/* a direct ioasid_alloc() user */
	OWNER_HOST = NCONS + 1,	/* another guest, on the host only */
};

struct model {
	int owner[MODEL_IDS];
	void *priv[MODEL_IDS];
	bool live[NCONS];
	ioasid_t lo[NCONS], hi[NCONS];
};

struct result {
	long ret;		/* return value, or PTR_ERR-style for find */
	ioasid_t id;		/* ALLOC, RAW_ALLOC: the ID, else INVALID */
	unsigned int visits;	/* EACH */
};

/* One run of a sequence. */
struct run {
	const struct seq *s;
	u64 nth;			/* 0: the reference run */
	const struct result *ref;	/* reference results (NULL in the reference run) */
	struct result res[MAX_OPS];
	struct iommu_pasid pas[NCONS];
	struct model m;
	int privs[MAX_OPS];		/* private data: &privs[op] */
	u64 hits;			/* failures injected in this run */
	unsigned int enospc, enomem;	/* calls an injected failure made fail */
	int first_hit;			/* op of the first injection, -1 none */
};

static int nops(const struct seq *s)
{
	int n = 0;

	while (n < MAX_OPS && s->ops[n].kind != OP_END)
		n++;
	return n;
}

static const char *kind_name(enum op_kind k)
{
	static const char *const names[] = {
		"end", "init", "exit", "alloc", "free", "find", "for_each", "raw_alloc", "raw_free",
	};

	return names[k];
}

#define FAIL(r, i, fmt, ...)						\
	cr_assert_fail("[seq %s, nth %llu, op #%d %s(c%d)] " fmt, (r)->s->name,	\
		(unsigned long long)(r)->nth, (i), kind_name((r)->s->ops[i].kind), \
		(r)->s->ops[i].c, ##__VA_ARGS__)

static void model_init(struct model *m, bool custom)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < MODEL_IDS; i++)
		m->owner[i] = OWNER_FREE;
	if (custom)
		for (int i = 0; i < HOST_RESERVED; i++)
			m->owner[i] = OWNER_HOST;
}

/* Lowest ID free in [lo, hi], or INVALID_IOASID. */
static ioasid_t model_lowest(const struct model *m, ioasid_t lo, ioasid_t hi)
{
	for (u64 id = lo; id <= hi; id++) {
		cr_assert_lt(id, MODEL_IDS, "script reaches beyond the model");
		if (m->owner[id] == OWNER_FREE)
			return id;
	}
	return INVALID_IOASID;
}

static long model_owner_err(const struct model *m, int c, ioasid_t id)
{
	if (id >= MODEL_IDS || m->owner[id] == OWNER_FREE || m->owner[id] == OWNER_HOST)
		return -ENOENT;
	return m->owner[id] == c ? 0 : -EACCES;
}

/*
 * find() results as comparable numbers: an errno, 0 for NULL, or 1 + the
 * index of the op whose private data it is (runs have their own copies).
 */
static long norm_priv(const struct run *r, const void *p)
{
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (!p)
		return 0;
	return 1 + ((const int *)p - r->privs);
}

/* The ID an op refers to in this run. */
static ioasid_t op_target(const struct run *r, const struct op *op)
{
	ioasid_t id;

	if (op->ref < 0)
		return op->id;
	id = r->res[op->ref].id;
	/*
	 * A raw free has no owner check: falling back to the reference ID
	 * could free what a consumer now holds. Skip it instead.
	 */
	if (!pasid_valid(id) && r->ref && op->kind != OP_RAW_FREE)
		id = r->ref[op->ref].id;
	return id;
}

/* ---- checks ------------------------------------------------------------------------- */

struct visit {
	ioasid_t ids[MODEL_IDS];
	void *priv[MODEL_IDS];
	unsigned int n;
	unsigned int stop_at;
	int stop_ret;
};

static int visit_fn(ioasid_t id, void *priv, void *data)
{
	struct visit *v = data;

	cr_assert_lt(v->n, MODEL_IDS);
	v->ids[v->n] = id;
	v->priv[v->n] = priv;
	v->n++;
	return v->stop_at && v->n == v->stop_at ? v->stop_ret : 0;
}

/* The API, the allocator and the host agree with the model. */
static void check_state(struct run *r, int i)
{
	struct model *m = &r->m;

	for (int c = 0; c < NCONS; c++) {
		struct visit v = { 0 };
		unsigned int n = 0;
		int ret;

		if (!m->live[c])
			continue;
		ret = iommu_pasid_for_each(&r->pas[c], visit_fn, &v);
		if (ret)
			FAIL(r, i, "check: for_each(c%d) = %d", c, ret);
		for (ioasid_t id = 0; id < MODEL_IDS; id++) {
			if (m->owner[id] != c)
				continue;
			if (n >= v.n || v.ids[n] != id || v.priv[n] != m->priv[id])
				FAIL(r, i, "check: c%d's visit #%u is %u/%p, model says %u/%p",
				     c, n, n < v.n ? v.ids[n] : 0, n < v.n ? v.priv[n] : NULL,
				     id, m->priv[id]);
			if (iommu_pasid_find(&r->pas[c], id) != m->priv[id])
				FAIL(r, i, "check: find(c%d, %u) disagrees", c, id);
			n++;
		}
		if (n != v.n || r->pas[c].count != n)
			FAIL(r, i, "check: c%d holds %u IDs (count %u), model says %u",
			     c, v.n, r->pas[c].count, n);
	}
	for (ioasid_t id = 0; id < MODEL_IDS; id++) {
		void *p = ioasid_find(NULL, id, NULL);
		int o = m->owner[id];
		bool held = o != OWNER_FREE && o != OWNER_HOST;

		if (held ? (IS_ERR(p) || p != m->priv[id]) : p != ERR_PTR(-ENOENT))
			FAIL(r, i, "check: allocator says %p for ID %u, model owner %d", p, id, o);
		if (r->s->custom && host.used[id] != (o != OWNER_FREE))
			FAIL(r, i, "check: host says %d for ID %u, model owner %d",
			     host.used[id], id, o);
	}
	if (r->s->custom && host.refused)
		FAIL(r, i, "check: the host refused %u frees (private data still set)",
		     host.refused);
}

/* ---- running one op ----------------------------------------------------------------- */

static void run_op(struct run *r, int i)
{
	const struct op *op = &r->s->ops[i];
	struct model *m = &r->m;
	struct iommu_pasid *p = op->c < NCONS ? &r->pas[op->c] : NULL;
	struct result want = { .id = INVALID_IOASID }, *got = &r->res[i];
	struct sim_slab_stats st;
	struct visit v = { .stop_at = op->stop_at, .stop_ret = op->stop_ret };
	void *priv = op->nullpriv ? NULL : &r->privs[i];
	ioasid_t id = INVALID_IOASID, lo = 0, hi = 0;
	bool live = op->c < NCONS && m->live[op->c];
	u64 before;
	bool hit;

	/* Predict. */
	switch (op->kind) {
	case OP_INIT:
		want.ret = live ? -EBUSY : 0;
		break;
	case OP_END:
	case OP_EXIT:
		break;
	case OP_ALLOC:
		want.ret = -EINVAL;
		if (!live || op->min > op->max)
			break;
		lo = max(op->min, m->lo[op->c]);
		hi = min(op->max, m->hi[op->c]);
		if (lo > hi)
			break;
		want.id = model_lowest(m, lo, hi);
		want.ret = pasid_valid(want.id) ? 0 : -ENOSPC;
		break;
	case OP_FREE:
		id = op_target(r, op);
		want.ret = live ? model_owner_err(m, op->c, id) : -EINVAL;
		break;
	case OP_FIND:
		id = op_target(r, op);
		want.ret = live ? model_owner_err(m, op->c, id) : -EINVAL;
		if (!want.ret)
			want.ret = norm_priv(r, m->priv[id]);
		break;
	case OP_EACH:
		want.ret = -EINVAL;
		if (!live)
			break;
		want.ret = 0;
		for (ioasid_t j = 0; j < MODEL_IDS; j++) {
			if (m->owner[j] != op->c)
				continue;
			want.visits++;
			if (op->stop_at && want.visits == op->stop_at) {
				want.ret = op->stop_ret;
				break;
			}
		}
		break;
	case OP_RAW_ALLOC:
		want.id = model_lowest(m, op->min, op->max);
		priv = NULL;
		break;
	case OP_RAW_FREE:
		id = op_target(r, op);
		break;
	}

	/* Run. */
	sim_slab_stats(NULL, &st);
	before = st.injected;
	got->id = INVALID_IOASID;
	got->ret = 0;
	got->visits = 0;
	switch (op->kind) {
	case OP_END:
		break;
	case OP_INIT:
		if (!live) {	/* a live handle is not zeroed: init must say -EBUSY */
			memset(p, 0, sizeof(*p));
			p->name = "consumer";
			p->min = r->s->req_min[op->c];
			p->max = r->s->req_max[op->c];
		}
		got->ret = iommu_pasid_init(p);
		break;
	case OP_EXIT:
		iommu_pasid_exit(p);
		break;
	case OP_ALLOC:
		got->ret = iommu_pasid_alloc(p, op->min, op->max, priv, &got->id);
		break;
	case OP_FREE:
		got->ret = iommu_pasid_free(p, id);
		break;
	case OP_FIND:
		got->ret = norm_priv(r, iommu_pasid_find(p, id));
		break;
	case OP_EACH:
		got->ret = iommu_pasid_for_each(p, visit_fn, &v);
		got->visits = v.n;
		break;
	case OP_RAW_ALLOC:
		got->id = ioasid_alloc(NULL, op->min, op->max, NULL);
		break;
	case OP_RAW_FREE:
		if (pasid_valid(id))
			ioasid_free(id);
		break;
	}
	sim_slab_stats(NULL, &st);
	hit = st.injected != before;
	if (hit) {
		r->hits += st.injected - before;
		if (r->first_hit < 0)
			r->first_hit = i;
	}
	if (r->nth == 0 && hit)
		FAIL(r, i, "a failure was injected in the reference run");

	/* Judge. */
	if (got->ret != want.ret || got->id != want.id || got->visits != want.visits) {
		bool alloc = op->kind == OP_ALLOC || op->kind == OP_RAW_ALLOC;
		bool err = op->kind == OP_ALLOC ?
			   (got->ret == -ENOSPC || got->ret == -ENOMEM) && !pasid_valid(got->id) :
			   !pasid_valid(got->id);

		if (!hit)
			FAIL(r, i, "got ret %ld id %u visits %u, model says ret %ld id %u visits %u "
			     "(no failure injected)", got->ret, got->id, got->visits,
			     want.ret, want.id, want.visits);
		if (!alloc || !err)
			FAIL(r, i, "an injected failure made it return %ld id %u (model: %ld id %u)",
			     got->ret, got->id, want.ret, want.id);
		/* Failed cleanly: the model stays as it was. */
		r->enospc += got->ret == -ENOSPC || op->kind == OP_RAW_ALLOC;
		r->enomem += got->ret == -ENOMEM;
	} else if (op->kind == OP_EXIT || !want.ret) {
		/* Apply. */
		switch (op->kind) {
		case OP_INIT:
			m->live[op->c] = true;
			lo = p->min;
			hi = p->max;
			if (!lo && !hi)
				hi = IOMMU_PASID_MAX;
			m->lo[op->c] = max(lo, (ioasid_t)1);
			m->hi[op->c] = min(hi, IOMMU_PASID_MAX);
			if (p->range_min != m->lo[op->c] || p->range_max != m->hi[op->c])
				FAIL(r, i, "range [%u, %u], model [%u, %u]", p->range_min,
				     p->range_max, m->lo[op->c], m->hi[op->c]);
			break;
		case OP_EXIT:
			for (int j = 0; j < MODEL_IDS; j++)
				if (m->owner[j] == op->c)
					m->owner[j] = OWNER_FREE;
			m->live[op->c] = false;
			break;
		case OP_ALLOC:
			m->owner[want.id] = op->c;
			m->priv[want.id] = priv;
			break;
		case OP_FREE:
			m->owner[id] = OWNER_FREE;
			m->priv[id] = NULL;
			break;
		case OP_RAW_ALLOC:
			if (pasid_valid(want.id)) {
				m->owner[want.id] = OWNER_RAW;
				m->priv[want.id] = NULL;
			}
			break;
		case OP_RAW_FREE:
			if (id < MODEL_IDS && m->owner[id] == OWNER_RAW)
				m->owner[id] = OWNER_FREE;
			break;
		default:
			break;
		}
	}

	/* Up to the first injection, a run is the reference run. */
	if (r->ref && r->first_hit < 0 &&
	    (got->ret != r->ref[i].ret || got->id != r->ref[i].id))
		FAIL(r, i, "differs from the reference run before any injection");

	check_state(r, i);
}

/* Run the whole sequence with fail-nth @nth (0: none); leave a clean kernel. */
static void run_seq(struct run *r)
{
	const struct seq *s = r->s;
	int n = nops(s);
	struct sim_slab_stats st;
	size_t findings = sim_findings_count(NULL, -1);

	r->hits = 0;
	r->first_hit = -1;
	memset(r->pas, 0, sizeof(r->pas));
	model_init(&r->m, s->custom);
	if (s->custom)
		host_register();

	sim_fault_fail_nth(NULL, r->nth);
	for (int i = 0; i < n; i++)
		run_op(r, i);
	sim_fault_fail_nth(NULL, 0);

	/* Teardown: stop everyone, give back raw IDs, drop the allocator. */
	for (int c = 0; c < NCONS; c++)
		iommu_pasid_exit(&r->pas[c]);
	for (int id = 0; id < MODEL_IDS; id++)
		if (r->m.owner[id] == OWNER_RAW)
			ioasid_free(id);
	for (int id = 0; id < MODEL_IDS; id++) {
		if (ioasid_find(NULL, id, NULL) != ERR_PTR(-ENOENT))
			cr_assert_fail("[seq %s, nth %llu] ID %d still allocated after teardown",
				s->name, (unsigned long long)r->nth, id);
		if (s->custom && id >= HOST_RESERVED && host.used[id])
			cr_assert_fail("[seq %s, nth %llu] host leaked ID %d", s->name,
				(unsigned long long)r->nth, id);
	}
	if (s->custom)
		ioasid_unregister_allocator(&host.ops);
	rcu_barrier();
	sim_slab_stats(NULL, &st);
	if (st.live_objects) {
		sim_slab_report_leaks(NULL, stderr);
		cr_assert_fail("[seq %s, nth %llu] %llu slab objects leaked", s->name,
			(unsigned long long)r->nth, (unsigned long long)st.live_objects);
	}
	if (sim_findings_count(NULL, -1) != findings) {
		sim_findings_print(NULL, stderr);
		cr_assert_fail("[seq %s, nth %llu] findings recorded", s->name,
			(unsigned long long)r->nth);
	}
}

static void sweep(const struct seq *s, bool want_enomem)
{
	static struct run ref, run;
	unsigned int enospc = 0, enomem = 0;
	int n = nops(s);
	u64 nth;

	/* The scripts' references must point at earlier allocations. */
	for (int i = 0; i < n; i++) {
		const struct op *op = &s->ops[i];

		if ((op->kind == OP_FREE || op->kind == OP_FIND || op->kind == OP_RAW_FREE) &&
		    op->ref >= 0)
			cr_assert(op->ref < i && (s->ops[op->ref].kind == OP_ALLOC ||
						  s->ops[op->ref].kind == OP_RAW_ALLOC),
				  "[seq %s] op #%d refers to op #%d", s->name, i, op->ref);
	}

	memset(&ref, 0, sizeof(ref));
	ref.s = s;
	run_seq(&ref);

	for (nth = 1; nth <= MAX_NTH; nth++) {
		memset(&run, 0, sizeof(run));
		run.s = s;
		run.nth = nth;
		run.ref = ref.res;
		run_seq(&run);
		enospc += run.enospc;
		enomem += run.enomem;
		cr_assert_leq(run.hits, 1, "[seq %s, nth %llu] %llu failures injected", s->name,
			      (unsigned long long)nth, (unsigned long long)run.hits);
		if (!run.hits)
			break;
	}
	cr_assert_leq(nth, MAX_NTH, "[seq %s] the sweep did not end", s->name);
	/* A sequence that allocates something must have been swept at least once. */
	cr_assert_gt(nth, 1, "[seq %s] no allocation to fail", s->name);
	cr_log_info("seq %s: %d ops, %llu fail-nth runs; injected failures made %u calls "
		    "fail with -ENOSPC (or INVALID), %u with -ENOMEM\n", s->name, n,
		    (unsigned long long)(nth - 1), enospc, enomem);
	cr_assert_gt(enospc, 0, "[seq %s] no call ever failed", s->name);
	if (want_enomem)
		cr_assert_gt(enomem, 0, "[seq %s] the bookkeeping never failed", s->name);
}

KTEST(failnth, single)
{
	sweep(&seq_single, false);
}

KTEST(failnth, two_consumers)
{
	sweep(&seq_two_consumers, false);
}

KTEST(failnth, exhaust)
{
	sweep(&seq_exhaust, false);
}

KTEST(failnth, exit_outstanding)
{
	sweep(&seq_exit_outstanding, false);
}

KTEST(failnth, foreach_stop)
{
	sweep(&seq_foreach_stop, false);
}

KTEST(failnth, raw_mix)
{
	sweep(&seq_raw_mix, false);
}

KTEST(failnth, custom_host)
{
	sweep(&seq_custom_host, false);
}

/*
 * The bookkeeping is XArrays only, and Linux's XArray retries a failed node
 * allocation once more with the caller's GFP flags (__xas_nomem()), so a
 * single injected failure never reaches it: every failure here is the
 * allocator's.
 */
KTEST(failnth, node_growth)
{
	sweep(&seq_node_growth, false);
}
