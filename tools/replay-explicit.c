// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay, vms traces with 'schedule explicit' (traces/README.md,
 * "Explicit schedules"): the trace is the run. Every op is submitted to its
 * CPU in file order, the world runs at each world_run (and at the end of
 * the trace), the scheduler's ties are broken by the keys of the
 * sched_tiebreak events, IDs are the numbers the trace writes, and the
 * consumer 'boot' is a VM's own, booted one. This is the form of the fuzz
 * reproducers (tools/fuzz-trace.c): the same operations, runs and keys as
 * the harness, so the same interleaving and the same findings.
 */
#include "replay-int.h"
#include "trace-int.h"

/* The consumer name of a VM's own consumer, the one its kernel booted with. */
#define BOOT_CONSUMER	"boot"

struct xentry {
	struct trace_event ev;	/* strings owned */
	unsigned long line;
	bool submitted, done;
	struct got g;
	char resbuf[16];
	const char *res_name;
};

struct xreplay {
	struct sim_world *w;
	const struct trace_header *h;
	struct xentry *b;
	size_t n, cap;
	bool stopped;
};

/* A literal ID (explicit schedules name PASIDs by their numbers). -1: input error. */
static int literal_id(struct replay *r, const char *name, ioasid_t *id)
{
	uint64_t v;

	if (!trace_parse_u64(name, strlen(name), &v) || v > UINT32_MAX) {
		rp_input_error(r, "id=%s: an explicit schedule names PASIDs by number", name);
		return -1;
	}
	*id = v;
	return 0;
}

/* The consumer of @ev into @op. -1: input error. */
static int x_consumer(struct replay *r, const struct trace_event *ev, struct sim_op *op)
{
	long ci;

	if (!ev->c)
		return 0;
	if (!strcmp(ev->c, BOOT_CONSUMER)) {
		if (ev->kernel == TRACE_HOST) {
			rp_input_error(r, "c=" BOOT_CONSUMER " is a VM's own consumer; the host "
				       "has none");
			return -1;
		}
		op->consumer = NULL;
		return 0;
	}
	ci = rp_consumer_get(r->k, ev->c, true);
	if (ci < 0) {
		rp_input_error(r, "out of memory");
		return -1;
	}
	op->consumer = r->k->c.v[ci].h;
	return 0;
}

/* Submit @ev's operation. false: not submitted (said in r, or nothing to run). */
static bool x_submit(struct replay *r, struct xreplay *x, const struct trace_event *ev)
{
	struct sim_op op = { 0 };
	ioasid_t id = 0;

	if (ev->op == TRACE_SVA_ALLOC) {
		rp_input_error(r, "not supported in a world: iommu_sva_alloc_pasid");
		return false;
	}
	if ((ev->op == TRACE_MMIO_WRITE || ev->op == TRACE_MMIO_READ) &&
	    ev->off > UINT32_MAX - ev->width) {
		rp_input_error(r, "%s off=%#" PRIx64 " is outside the register window",
			       trace_op_name(ev->op), ev->off);
		return false;
	}
	if (ev->id && !rp_op_alloc(ev->op) && literal_id(r, ev->id, &id))
		return false;
	if (x_consumer(r, ev, &op) || rp_op_build(r, ev, id, &op))
		return false;
	op.at_ns = ev->time;
	op.cookie = r->line;
	if (sim_world_submit(x->w, ev->kernel, ev->cpu, &op)) {
		rp_input_error(r, "cannot submit %s to %s cpu %u", trace_op_name(ev->op),
			       ev->kernel == TRACE_HOST ? "host" : "the VM's", ev->cpu);
		return false;
	}
	return true;
}

/* The entry of line @line (entries are in file order). */
static struct xentry *x_find(struct xreplay *x, unsigned long line)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (x->b[mid].line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < x->n && x->b[lo].line == line && x->b[lo].submitted ? &x->b[lo] : NULL;
}

static void x_settle(struct replay *r, struct xentry *e, const struct sim_event *se)
{
	r->line = e->line;
	r->k = &r->ks[e->ev.kernel + 1];
	rp_got_of(e->ev.op, se, &e->g);
	r->st->ops++;
	if (rp_is_error(&e->g))
		r->st->errors++;
	rp_settle_literal(r, &e->ev, &e->g, e->resbuf, &e->res_name);
	rp_report_op(r, &e->ev, &e->g, true, se->start_ns, se->end_ns);
	if (se->end_ns > r->st->virtual_ns)
		r->st->virtual_ns = se->end_ns;
	e->done = true;
}

/* The world stopped: the first op that did not complete is the finding's line. */
static void x_stopped(struct replay *r, struct xreplay *x)
{
	unsigned long line = r->line;

	for (size_t i = 0; i < x->n; i++)
		if (x->b[i].submitted && !x->b[i].done) {
			line = x->b[i].line;
			break;
		}
	rp_world_stopped(r, x->w, line);
	x->stopped = true;
}

/* Run the world; settle what ran in completion order, record it all in file order. */
static void x_run(struct replay *r, struct xreplay *x)
{
	enum sim_sched_result res = sim_world_run(x->w);
	size_t ne = sim_world_nevents(x->w);
	struct got none = { 0 };

	for (size_t i = 0; i < ne && r->status < 2; i++) {
		const struct sim_event *se = sim_world_event(x->w, i);
		struct xentry *e = x_find(x, se->cookie);

		if (e && !e->done)
			x_settle(r, e, se);
	}
	sim_world_log_trim(x->w);
	if (res != SIM_SCHED_IDLE)
		x_stopped(r, x);
	/* what ran nothing (world_run, sched_tiebreak, gap, vm_boot) is recorded as it is */
	for (size_t i = 0; i < x->n; i++) {
		struct xentry *e = &x->b[i];

		if (r->recording && r->status < 2 && (e->done || !e->submitted)) {
			r->line = e->line;
			if (e->done)
				rp_record_event(r, &e->ev, &e->g, rp_op_alloc(e->ev.op) ? NULL :
						e->ev.id, e->res_name);
			else
				rp_record_event(r, &e->ev, &none, NULL, NULL);
		}
		rp_event_release(&e->ev);
	}
	x->n = 0;
}

/* One event: kept in the batch, submitted if it runs; world_run runs the batch. */
static void x_event(struct replay *r, struct xreplay *x, const struct trace_event *ev)
{
	struct xentry *e;

	r->k = &r->ks[ev->kernel + 1];
	r->ev = ev;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct xentry *nb = realloc(x->b, cap * sizeof(*nb));

		if (!nb) {
			rp_input_error(r, "out of memory");
			return;
		}
		x->b = nb;
		x->cap = cap;
	}
	e = &x->b[x->n];
	memset(e, 0, sizeof(*e));
	if (rp_event_copy(&e->ev, ev)) {
		rp_event_release(&e->ev);
		rp_input_error(r, "out of memory");
		return;
	}
	e->line = r->line;
	x->n++;
	if (ev->op == TRACE_GAP)
		rp_note_gap(r, ev);
	else if (ev->op == TRACE_SCHED_TIEBREAK && rp_push_keys(r, x->w, ev))
		rp_input_error(r, "out of memory");
	else if (ev->op != TRACE_WORLD_RUN && ev->op != TRACE_SCHED_TIEBREAK &&
		 (ev->op != TRACE_VM_BOOT || x->h->vms[ev->kernel].boot == TRACE_BOOT_EVENT))
		e->submitted = x_submit(r, x, ev);
	if (ev->op == TRACE_WORLD_RUN && r->status < 2)
		x_run(r, x);
}

void rp_replay_explicit(struct replay *r, struct trace_parser *tp, const struct trace_header *h,
			struct sim_world *w)
{
	struct xreplay x = { .w = w, .h = h };
	struct trace_event ev;

	r->st->world = true;
	while (rp_next_event(r, tp, &ev)) {
		x_event(r, &x, &ev);
		if (r->status == 2 || x.stopped || (r->status == 1 && r->st->div_line))
			break;
	}
	if (r->status < 2 && !x.stopped && x.n)
		x_run(r, &x);
	r->st->findings += sim_world_findings(w, -1);
	rp_world_kernels(r, w, h->nr_vms);
	for (size_t i = 0; i < x.n; i++)
		rp_event_release(&x.b[i].ev);
	free(x.b);
}
