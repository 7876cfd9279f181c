// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: a trace event as an executor operation, read off the
 * vocabulary's row (trace_ops[] in tools/trace-ops.c: the executor's kind and
 * which trace argument fills sim_op.a, .b and .arg), the one translation
 * for bare metal, worlds and explicit schedules; and the tie-break keys of
 * sched_tiebreak events.
 */
#include "replay-int.h"
#include "trace-int.h"

/* The number argument @a of @ev (u64 or unsigned int fields, by its type). */
static uint64_t arg_number(const struct trace_event *ev, int a)
{
	const struct trace_argdesc *d = &trace_args[a];
	const char *p = (const char *)ev + d->off;
	unsigned int u;
	uint64_t q;

	if (d->type == TA_U64 || d->type == TA_HEX) {
		memcpy(&q, p, sizeof(q));
		return q;
	}
	memcpy(&u, p, sizeof(u));
	return u;
}

/* The value of sim_op field @field ('a', 'b', 'x') for @ev; @id: its resolved id=. */
static uint64_t field_value(struct replay *r, const struct trace_event *ev, char field,
			    ioasid_t id)
{
	int a = trace_op_field(ev->op, field);

	if (a < 0)
		return 0;
	if (a == ARG_ID)
		return id;
	if (a == ARG_PRIV)
		return (uintptr_t)rp_token_ptr(r, ev->priv, false);
	return arg_number(ev, a);
}

int rp_op_build(struct replay *r, const struct trace_event *ev, ioasid_t id, struct sim_op *op)
{
	enum sim_op_kind kind = trace_op_sim(ev->op, ev->width);

	if (kind == SIM_OP__COUNT)
		return -1;
	op->kind = kind;
	op->a = field_value(r, ev, 'a', id);
	op->b = field_value(r, ev, 'b', id);
	op->arg = field_value(r, ev, 'x', id);
	if (trace_ops[ev->op].required & A(SET))
		op->set = rp_token_ptr(r, ev->set, true);
	return 0;
}

bool rp_op_barrier(enum trace_op op)
{
	return trace_ops[op].flags & OPF_BARRIER;
}

bool rp_op_alloc(enum trace_op op)
{
	return trace_ops[op].flags & OPF_ALLOC;
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
