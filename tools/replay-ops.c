// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: a trace event as an executor operation, read off the
 * vocabulary's row (trace_ops[] in tools/trace-ops.c: the executor's kind and
 * which trace argument fills sim_op.a, .b and .arg), the one translation
 * for bare metal, worlds and explicit schedules; and the tie-break keys of
 * sched_tiebreak events.
 */
#include <pthread.h>

#include "replay-int.h"
#include "trace-int.h"

/*
 * What each trace operation is in the executor, read off the vocabulary's
 * row once per process (the row's fields decoded, so that turning an event
 * into an operation is a few loads): the kind for width 8 (every op but the
 * mmio ones has only this) and width 4, which trace argument fills sim_op.a,
 * .b and .arg (its type and offset in struct trace_event), whether the set
 * goes to sim_op.set, and whether bare metal runs it.
 */
struct opinfo {
	unsigned char kind, kind4;	/* enum sim_op_kind; SIM_OP__COUNT: none */
	signed char arg[3];		/* the trace argument of a, b, arg; -1: none */
	bool wide[3];			/* a u64 field (else an unsigned int) */
	unsigned short off[3];		/* its offset in struct trace_event */
	bool set;			/* sim_op.set from set= */
	bool bm;			/* bare metal runs it in the executor */
};

static struct opinfo opinfo[TRACE_OP__NR];
static pthread_once_t opinfo_once = PTHREAD_ONCE_INIT;

/*
 * The operations a bare-metal trace runs in the executor: the iommu_pasid
 * and ioasid API (version 1 operations the vocabulary gives an executor
 * operation that may run on the host, and version 4's corners of that API
 * from iommu_pasid_set_ops on), and the host's custom allocators.
 */
static bool bm_runs(enum trace_op op)
{
	return (trace_op_version(op) == 1 || op == TRACE_HOST_ALLOCATOR_REGISTER ||
		op == TRACE_HOST_ALLOCATOR_UNREGISTER || op >= TRACE_PASID_SET_OPS) &&
	       trace_op_sim(op, 0) != SIM_OP__COUNT && !trace_ops[op].vm_only;
}

static void opinfo_init(void)
{
	static const char fields[3] = { 'a', 'b', 'x' };

	for (int op = 0; op < TRACE_OP__NR; op++) {
		struct opinfo *oi = &opinfo[op];

		oi->kind = trace_op_sim(op, 8);
		oi->kind4 = trace_op_sim(op, 4);
		for (int f = 0; f < 3; f++) {
			int a = trace_op_field(op, fields[f]);

			oi->arg[f] = a;
			if (a < 0)
				continue;
			oi->wide[f] = trace_args[a].type == TA_U64 || trace_args[a].type == TA_HEX;
			oi->off[f] = trace_args[a].off;
		}
		oi->set = trace_ops[op].required & A(SET);
		oi->bm = bm_runs(op);
	}
}

static bool opinfo_ready;	/* set (release) once opinfo[] is filled */

static void opinfo_fill(void)
{
	opinfo_init();
	__atomic_store_n(&opinfo_ready, true, __ATOMIC_RELEASE);
}

static const struct opinfo *opinfo_of(enum trace_op op)
{
	if (!__atomic_load_n(&opinfo_ready, __ATOMIC_ACQUIRE))
		pthread_once(&opinfo_once, opinfo_fill);
	return &opinfo[op];
}

bool rp_op_bare_metal(enum trace_op op)
{
	return (unsigned int)op < TRACE_OP__NR && opinfo_of(op)->bm;
}

/* The value of sim_op field @f (0 a, 1 b, 2 arg) for @ev; @id: its resolved id=. */
static uint64_t field_value(struct replay *r, const struct trace_event *ev,
			    const struct opinfo *oi, int f, ioasid_t id)
{
	const char *p = (const char *)ev + oi->off[f];
	unsigned int u;
	uint64_t q;

	if (oi->arg[f] < 0)
		return 0;
	if (oi->arg[f] == ARG_ID)
		return id;
	if (oi->arg[f] == ARG_PRIV)
		return (uintptr_t)rp_token_ptr(r, ev->priv, false);
	if (oi->wide[f]) {
		memcpy(&q, p, sizeof(q));
		return q;
	}
	memcpy(&u, p, sizeof(u));
	return u;
}

int rp_op_build(struct replay *r, const struct trace_event *ev, ioasid_t id, struct sim_op *op)
{
	const struct opinfo *oi;
	enum sim_op_kind kind;

	if ((unsigned int)ev->op >= TRACE_OP__NR)
		return -1;
	oi = opinfo_of(ev->op);
	kind = ev->width == 4 ? oi->kind4 : oi->kind;
	if (kind == SIM_OP__COUNT)
		return -1;
	op->kind = kind;
	op->a = field_value(r, ev, oi, 0, id);
	op->b = field_value(r, ev, oi, 1, id);
	op->arg = field_value(r, ev, oi, 2, id);
	if (oi->set)
		op->set = rp_token_ptr(r, ev->set, true);
	return 0;
}

bool rp_op_barrier(enum trace_op op)
{
	return trace_ops[op].flags & OPF_BARRIER;
}

/* ---- tie-break keys (sched_tiebreak) ------------------------------------------------ */

/* The scheduler's tie-break: the trace's next key; 0 once they ran out. */
static u64 next_key(void *arg)
{
	struct replay *r = arg;

	if (r->key_head == r->nkeys)
		return 0;
	return r->keys[r->key_head++];
}

/*
 * Queue the keys of @ev for @w's scheduler, which takes them from now on.
 * Keys drawn before are gone; the queue keeps what is not drawn yet.
 */
int rp_push_keys(struct replay *r, struct sim_world *w, const struct trace_event *ev)
{
	uint64_t k[TRACE_MAX_KEYS];
	int n = trace_keys_parse(ev->keys, strlen(ev->keys), k, TRACE_MAX_KEYS);

	if (n < 0)
		return -1;
	if (r->key_head == r->nkeys)
		r->key_head = r->nkeys = 0;
	if (r->nkeys + n > r->keys_cap) {
		size_t cap = r->keys_cap ? r->keys_cap * 2 : 1024;
		u64 *nk;

		while (cap < r->nkeys + n)
			cap *= 2;
		nk = realloc(r->keys, cap * sizeof(*nk));
		if (!nk)
			return -1;
		r->keys = nk;
		r->keys_cap = cap;
	}
	memcpy(r->keys + r->nkeys, k, n * sizeof(*k));
	r->nkeys += n;
	if (!r->keys_on) {
		sim_world_set_tiebreak(w, next_key, r);
		r->keys_on = true;
	}
	return 0;
}

/* ---- events kept past the parser's next line ----------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Copy @ev into @out with its strings (rp_event_release frees them). -1: out of memory. */
int rp_event_copy(struct trace_event *out, const struct trace_event *ev)
{
	*out = *ev;
	out->c = dup_or_null(ev->c);
	out->id = dup_or_null(ev->id);
	out->set = dup_or_null(ev->set);
	out->priv = dup_or_null(ev->priv);
	out->mm = dup_or_null(ev->mm);
	out->reason = dup_or_null(ev->reason);
	out->res_name = dup_or_null(ev->res_name);
	out->keys = dup_or_null(ev->keys);
	if ((ev->c && !out->c) || (ev->id && !out->id) || (ev->set && !out->set) ||
	    (ev->priv && !out->priv) || (ev->mm && !out->mm) || (ev->reason && !out->reason) ||
	    (ev->res_name && !out->res_name) || (ev->keys && !out->keys))
		return -1;
	return 0;
}

void rp_event_release(struct trace_event *ev)
{
	free((char *)ev->c);
	free((char *)ev->id);
	free((char *)ev->set);
	free((char *)ev->priv);
	free((char *)ev->mm);
	free((char *)ev->reason);
	free((char *)ev->res_name);
	free((char *)ev->keys);
}
