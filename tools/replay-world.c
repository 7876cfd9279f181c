// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay, multi-VM traces in a world: the batches of concurrent
 * ops, their settling in completion order, and the teardown.
 */
#include "replay-int.h"
#include "trace-int.h"

/* ---- multi-VM replay in a world ------------------------------------------------ */

/*
 * Ops are submitted to the CPU the event names, not before the event's time
 * (sim_op.at_ns), and the scheduler interleaves the CPUs in virtual time.
 * Names are resolved when an op is submitted, so an op that uses a name an
 * op still in flight binds or unbinds (a PASID name, or a consumer being
 * initialised or torn down) first waits for the ops submitted so far: they
 * run as a batch (sim_world_run) and their results are settled in the
 * order they completed. Everything else runs concurrently.
 */
struct wentry {
	struct trace_event ev;	/* strings owned */
	unsigned long line;
	int slot;		/* CPU slot, or -1 for an op the world does not run */
	int next;		/* next entry of the same CPU in this batch, -1 */
	bool done;
	bool checkable;
	char idbuf[16], resbuf[16];	/* (the batch moves: no pointers into them) */
	bool has_id, keep_name;
	const char *res_name;
	struct got g;
};

struct wreplay {
	struct sim_world *w;
	struct wentry *b;
	size_t n, cap;
	unsigned long gen;	/* batch number, from 1 */
	int *head, *tail;	/* per CPU slot: entries of this batch */
	unsigned int nslots, vcpus, host_cpus;
	size_t logpos;
	bool *vm_used;
	const bool *late;	/* per VM: boots at its vm_boot (vm boot=event) */
	u64 *boot;		/* per VM: slab objects right after it booted */
	bool stopped;		/* the world stopped (panic, deadlock, time limit) */
	unsigned long alloc_gen;	/* the last batch with an alloc in it */
};

static void wentry_release(struct wentry *e)
{
	rp_event_release(&e->ev);
}

static int slot_of(struct wreplay *wr, int vm, unsigned int cpu)
{
	return vm == TRACE_HOST ? (int)cpu : (int)(wr->host_cpus + vm * wr->vcpus + cpu);
}

static void world_settle(struct replay *r, struct wentry *e, const struct sim_event *se)
{
	r->line = e->line;
	r->k = &r->ks[e->ev.kernel + 1];
	if (se)
		rp_got_of(e->ev.op, se, &e->g);
	if (e->ev.op == TRACE_PASID_EXIT && se) {
		long ci = rp_consumer_get(r->k, e->ev.c, false);

		for (uint32_t i = 0; i < r->k->p.n; i++)
			if (r->k->p.v[i].bound && r->k->p.v[i].owner_c == ci)
				rp_pasid_unbind(r->k, &r->k->p.v[i]);
		if (ci >= 0 && !se->result)
			r->k->c.v[ci].live = false;
	}
	if (e->ev.op == TRACE_PASID_INIT && se && !se->result) {
		long ci = rp_consumer_get(r->k, e->ev.c, false);

		if (ci >= 0)
			r->k->c.v[ci].live = true;
	}
	if (e->ev.op == TRACE_VM_DESTROY && se && !se->result)
		r->k->dead = true;
	/* the VMM died: the VM runs nothing more (its guest kernel stays until the world goes) */
	if (e->ev.op == TRACE_VMM_EXIT && se && !se->result && e->ev.vm < r->nk - 1)
		r->ks[e->ev.vm + 1].dead = true;
	r->st->ops++;
	if (rp_is_error(&e->g))
		r->st->errors++;
	rp_settle(r, &e->ev, &e->g, e->checkable, e->resbuf, &e->res_name);
	if (e->ev.op == TRACE_PASID_FREE && !e->g.val && e->ev.id) {
		long pe = rp_pasid_get(r->k, e->ev.id, false);

		struct pasid *pp = pe >= 0 ? &r->k->p.v[pe] : NULL;

		if (pp && pp->bound && pp->id == strtoul(e->idbuf, NULL, 10))
			rp_pasid_unbind(r->k, pp);
	}
	rp_report_op(r, &e->ev, &e->g, !!se, se ? se->start_ns : 0, se ? se->end_ns : 0);
	if (se && se->end_ns > r->st->virtual_ns)
		r->st->virtual_ns = se->end_ns;
	e->done = true;
}

/* Run the batch, settle its ops in completion order, record them in file order. */
static void world_flush(struct replay *r, struct wreplay *wr)
{
	struct rkernel *cur = r->k;
	unsigned long line = r->line;
	enum sim_sched_result res;
	size_t ne;

	if (!wr->n)
		return;
	res = sim_world_run(wr->w);
	ne = sim_world_nevents(wr->w);
	for (size_t i = wr->logpos; i < ne && r->status < 2; i++) {
		const struct sim_event *se = sim_world_event(wr->w, i);
		int slot = slot_of(wr, se->vm, se->cpu), idx = wr->head[slot];

		if (idx < 0)
			continue;	/* not ours */
		wr->head[slot] = wr->b[idx].next;
		world_settle(r, &wr->b[idx], se);
	}
	wr->logpos = ne;
	for (size_t i = 0; i < wr->n && r->status < 2; i++) {
		struct wentry *e = &wr->b[i];

		if (e->slot < 0)
			world_settle(r, e, NULL);
		/* a VM booted by its vm_boot (alone): its objects now are its baseline */
		if (e->ev.op == TRACE_VM_BOOT && e->slot >= 0 && e->done && !e->g.val) {
			struct sim_slab_stats ss;

			sim_slab_stats(sim_world_kernel(wr->w, e->ev.kernel), &ss);
			wr->boot[e->ev.kernel] = ss.live_objects;
		}
	}
	if (res != SIM_SCHED_IDLE) {
		unsigned long line = r->line;

		for (size_t i = 0; i < wr->n; i++)
			if (!wr->b[i].done) {
				line = wr->b[i].line;
				break;
			}
		rp_world_stopped(r, wr->w, line);
		wr->stopped = true;
	}
	for (size_t i = 0; i < wr->n; i++) {
		struct wentry *e = &wr->b[i];

		if (r->recording && e->done && r->status < 2) {
			r->line = e->line;
			rp_record_event(r, &e->ev, &e->g, e->keep_name ? e->ev.id : e->has_id ?
				     e->idbuf : NULL, e->res_name);
		}
		wentry_release(e);
	}
	for (unsigned int i = 0; i < wr->nslots; i++)
		wr->head[i] = wr->tail[i] = -1;
	wr->n = 0;
	wr->gen++;
	r->k = cur;
	if (!wr->stopped)
		r->line = line;
}

static void unsupported(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void unsupported(struct replay *r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rp_input_error(r, "not supported in a world: %s", msg);
}

/*
 * Must @ev wait for the ops of the current batch? Yes if its consumer is
 * being set up or torn down (or, for init/exit, used), or if its PASID name
 * refers to a binding an op of the batch uses, or to the binding a pending
 * alloc makes: a name bound and not being freed refers to that binding, any
 * other name to the one a pending alloc makes; a number no name is bound to
 * waits for every pending alloc (it must not run on an ID one of them gets).
 * An alloc never waits for the name it binds. With these rules a recording, which names PASIDs by their
 * IDs (the same name for an ID freed and allocated again), batches exactly
 * as the run it records, whose names were all different.
 */
static bool world_conflict(struct replay *r, struct wreplay *wr, const struct trace_event *ev)
{
	struct rkernel *k = r->k;
	long i;

	if (ev->c) {
		i = rp_consumer_get(k, ev->c, false);
		if (i >= 0 && (k->c.v[i].pend_life == wr->gen ||
			       ((ev->op == TRACE_PASID_INIT || ev->op == TRACE_PASID_EXIT) &&
				k->c.v[i].pend_use == wr->gen)))
			return true;
	}
	if (ev->id && ev->op != TRACE_PASID_ALLOC) {
		i = rp_pasid_get(k, ev->id, false);
		if (i >= 0) {
			const struct pasid *p = &k->p.v[i];

			if (p->bound && p->pend_free != wr->gen)
				return p->pend_use == wr->gen;
			if (p->bound || p->failed || p->pend_bind == wr->gen)
				return p->pend_bind == wr->gen;
		}
		/* a number no name holds runs on an ID no replayed name holds: settle allocs first */
		return wr->alloc_gen == wr->gen;
	}
	return false;
}

/* Fill @op from @ev by the vocabulary's row; the alloc's name entry into @pe. */
static int wop_build(struct replay *r, const struct trace_event *ev, struct sim_op *op,
		     ioasid_t id, long *pe)
{
	rp_op_build(r, ev, id, op);
	if (rp_op_alloc(ev->op)) {
		const char *name = ev->res == TRACE_RES_ID ? ev->res_name : ev->id;

		if (name) {
			*pe = rp_pasid_get(r->k, name, true);
			if (*pe < 0) {
				rp_input_error(r, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

/* An event that runs nothing (world_run, sched_tiebreak) is recorded where it stands. */
static void world_record_bare(struct replay *r, const struct trace_event *ev)
{
	struct got g = { 0 };

	if (r->recording)
		rp_record_event(r, ev, &g, NULL, NULL);
}

/* Gaps, vm_boot and checks before @ev joins the batch; false: it does not (said in r). */
static bool world_admit(struct replay *r, struct wreplay *wr, const struct trace_event *ev,
			bool *runs)
{
	int vm = ev->kernel;

	switch (ev->op) {
	case TRACE_GAP:
		world_flush(r, wr);
		rp_note_gap(r, ev);
		world_record_bare(r, ev);
		return false;
	case TRACE_WORLD_RUN:
		world_flush(r, wr);
		world_record_bare(r, ev);
		return false;
	case TRACE_SCHED_TIEBREAK:
		world_flush(r, wr);
		if (rp_push_keys(r, wr->w, ev))
			rp_input_error(r, "out of memory");
		world_record_bare(r, ev);
		return false;
	case TRACE_VM_BOOT:
		if (wr->late[vm]) {
			world_flush(r, wr);	/* it boots alone, after everything before it */
			break;
		}
		if (wr->vm_used[vm]) {
			unsupported(r, "vm_boot of vm%d after its first operation (the world boots "
				    "every VM when it is created)", vm);
			return false;
		}
		*runs = false;
		break;
	case TRACE_MMIO_WRITE:
	case TRACE_MMIO_READ:
		if (ev->off > UINT32_MAX - ev->width) {
			rp_input_error(r, "%s off=%#" PRIx64 " is outside the register "
				       "window", trace_op_name(ev->op), ev->off);
			return false;
		}
		break;
	default:
		if (trace_op_sim(ev->op, ev->width) == SIM_OP__COUNT) {
			unsupported(r, "%s (SVA allocation runs on bare metal only)",
				    trace_op_name(ev->op));
			return false;
		}
		break;
	}
	/* lifecycle and host calls run alone, after everything before them */
	if (rp_op_barrier(ev->op))
		world_flush(r, wr);
	if (rp_sva_misused(r, ev))
		return false;
	if (world_conflict(r, wr, ev))
		world_flush(r, wr);
	return r->status != 2 && !wr->stopped;
}

/* A new batch entry holding a copy of @ev; NULL if out of memory (said in r). */
static struct wentry *wentry_add(struct replay *r, struct wreplay *wr,
				 const struct trace_event *ev)
{
	struct wentry *e;

	if (wr->n == wr->cap) {
		size_t cap = wr->cap ? wr->cap * 2 : 64;
		struct wentry *nb = realloc(wr->b, cap * sizeof(*nb));

		if (!nb) {
			rp_input_error(r, "out of memory");
			return NULL;
		}
		wr->b = nb;
		wr->cap = cap;
	}
	e = &wr->b[wr->n];
	memset(e, 0, sizeof(*e));
	if (rp_event_copy(&e->ev, ev)) {
		rp_event_release(&e->ev);
		rp_input_error(r, "out of memory");
		return NULL;
	}
	e->line = r->line;
	e->slot = -1;
	e->next = -1;
	wr->n++;
	return e;
}

/* Resolve @e's consumer and PASID names into @op and mark them pending. -1: input error. */
static int wentry_names(struct replay *r, struct wreplay *wr, struct wentry *e,
			struct sim_op *op)
{
	const struct trace_event *ev = &e->ev;
	bool cur_c = true, cur_id = true, alloc = rp_op_alloc(ev->op);
	long ci, pe = -1;
	ioasid_t id = 0;

	if (ev->c) {
		ci = rp_consumer_get(r->k, ev->c, true);
		if (ci < 0) {
			rp_input_error(r, "out of memory");
			return -1;
		}
		cur_c = r->k->c.v[ci].epoch == r->k->epoch;
		r->k->c.v[ci].pend_use = wr->gen;
		if (ev->op == TRACE_PASID_INIT || ev->op == TRACE_PASID_EXIT)
			r->k->c.v[ci].pend_life = wr->gen;
		op->consumer = r->k->c.v[ci].h;
	}
	if (ev->id && !alloc) {
		if (rp_resolve_id(r, ev->id, &id, &pe, &cur_id))
			return -1;
		snprintf(e->idbuf, sizeof(e->idbuf), "%u", id);
		e->has_id = true;
		e->keep_name = pe == -2;
	}
	e->checkable = cur_c && cur_id;
	if (wop_build(r, ev, op, id, &pe))
		return -1;
	if (alloc)
		e->checkable = cur_c && r->k->epoch == 0;
	if (alloc)
		wr->alloc_gen = wr->gen;
	if (pe >= 0 && alloc) {
		r->k->p.v[pe].pend_bind = wr->gen;
	} else if (pe >= 0) {
		r->k->p.v[pe].pend_use = wr->gen;
		if (ev->op == TRACE_PASID_FREE || ev->op == TRACE_IOASID_FREE ||
		    ev->op == TRACE_VFIO_FREE)
			r->k->p.v[pe].pend_free = wr->gen;
	}
	return 0;
}

static void world_event(struct replay *r, struct wreplay *wr, const struct trace_event *ev)
{
	struct sim_op op = { 0 };
	struct wentry *e;
	bool runs = true;
	int vm = ev->kernel;

	r->k = &r->ks[vm + 1];
	r->ev = ev;
	if (!world_admit(r, wr, ev, &runs))
		return;
	if (vm != TRACE_HOST)
		wr->vm_used[vm] = true;
	e = wentry_add(r, wr, ev);
	if (!e || wentry_names(r, wr, e, &op) || !runs)
		return;
	op.at_ns = ev->time;
	op.cookie = r->line;
	if (sim_world_submit(wr->w, vm, ev->cpu, &op)) {
		rp_input_error(r, "cannot submit %s to %s cpu %u", trace_op_name(ev->op),
			       vm == TRACE_HOST ? "host" : "the VM's", ev->cpu);
		return;
	}
	e->slot = slot_of(wr, vm, ev->cpu);
	if (wr->tail[e->slot] >= 0)
		wr->b[wr->tail[e->slot]].next = wr->n - 1;
	else
		wr->head[e->slot] = wr->n - 1;
	wr->tail[e->slot] = wr->n - 1;
	if (rp_op_barrier(ev->op) || (ev->op == TRACE_VM_BOOT && wr->late[vm]))
		world_flush(r, wr);
}

void rp_world_kernels(struct replay *r, struct sim_world *w, unsigned int nvms)
{
	char name[16];

	for (int v = -1; v < (int)nvms; v++) {
		struct sim_kernel *k = sim_world_kernel(w, v);

		if (v < 0)
			snprintf(name, sizeof(name), "host");
		else
			snprintf(name, sizeof(name), "vm%d", v);
		if (sim_findings_count(k, -1))
			sim_findings_print(k, r->msg);
		if (r->o->on_kernel)
			r->o->on_kernel(r->o->hook_arg, name, k);
	}
}

/* Each VM still there: slab objects beyond its boot baseline, PASIDs the host holds for it. */
static void world_leaks(struct replay *r, struct sim_world *w, unsigned int nvms, const u64 *boot)
{
	for (unsigned int v = 0; v < nvms; v++) {
		struct sim_kernel *k = sim_world_kernel(w, v);
		struct sim_slab_stats ss;
		unsigned int held;

		if (r->ks[v + 1].dead)
			continue;
		sim_slab_stats(k, &ss);
		if (ss.live_objects > boot[v]) {
			r->st->leaked += ss.live_objects - boot[v];
			if (!r->st->gaps) {
				fprintf(r->msg, "%s: vm%u: %llu slab object(s) more than at boot "
					"after every consumer exited\n", r->name, v,
					(unsigned long long)(ss.live_objects - boot[v]));
			}
		}
		held = sim_world_host_count(w, v);
		if (held) {
			r->st->leaked += held;
			if (!r->st->gaps)
				fprintf(r->msg, "%s: host: holds %u PASID(s) of vm%u after every "
					"consumer of the guest exited\n", r->name, held, v);
		}
	}
}

/*
 * After the run: every consumer the trace left initialised exits (on vCPU 0
 * of its VM), then each VM that is still there must have no more slab
 * objects than at boot, and the host must hold no PASID for it. Leaks are
 * counted in st->leaked, as on bare metal. Findings raised by the teardown
 * are counted too (those of the run were reported before it).
 */
static void world_teardown(struct replay *r, struct sim_world *w, unsigned int nvms,
			   const u64 *boot)
{
	size_t findings = sim_world_findings(w, -1);
	enum sim_sched_result res;
	bool any = false;

	for (int v = -1; v < (int)nvms; v++) {
		struct rkernel *k = &r->ks[v + 1];

		if (k->dead)
			continue;
		for (uint32_t i = 0; i < k->c.n; i++) {
			struct sim_op op = { .kind = SIM_OP_EXIT, .consumer = k->c.v[i].h };

			if (!k->c.v[i].live)
				continue;
			if (sim_world_submit(w, v, 0, &op)) {
				fprintf(r->msg, "%s: teardown: cannot submit the exit of %s's "
					"consumer %s\n", r->name, v < 0 ? "the host" : "a VM",
					k->c.v[i].name);
				continue;
			}
			k->c.v[i].live = false;
			any = true;
		}
		/* raw IDs the trace left allocated go back, as on bare metal */
		for (uint32_t i = 0; i < k->p.n; i++) {
			struct sim_op op = { .kind = SIM_OP_IOASID_FREE, .a = k->p.v[i].id };

			if (!k->p.v[i].bound || !k->p.v[i].raw)
				continue;
			if (!sim_world_submit(w, v, 0, &op))
				any = true;
			k->p.v[i].bound = false;
		}
	}
	if (any) {
		res = sim_world_run(w);
		if (res != SIM_SCHED_IDLE) {
			r->st->findings++;
			fprintf(r->msg, "%s: teardown: the world stopped: %s\n", r->name,
				sim_world_report(w));
			return;
		}
	}
	if (sim_world_findings(w, -1) > findings) {
		r->st->findings += sim_world_findings(w, -1) - findings;
		fprintf(r->msg, "%s: teardown: %zu finding(s) while the consumers exited\n",
			r->name, sim_world_findings(w, -1) - findings);
	}
	world_leaks(r, w, nvms, boot);
}

void rp_replay_world(struct replay *r, struct trace_parser *tp, const struct trace_header *h,
			 struct sim_world *w)
{
	struct wreplay wr = { .w = w, .gen = 1 };
	u64 *boot = calloc(h->nr_vms + 1, sizeof(*boot));
	bool *late = calloc(h->nr_vms + 1, sizeof(*late));
	struct trace_event ev;
	unsigned int maxv = 1;

	for (unsigned int i = 0; i < h->nr_vms; i++)
		if (h->vms[i].vcpus > maxv)
			maxv = h->vms[i].vcpus;
	wr.vcpus = maxv;
	wr.host_cpus = h->host_cpus;
	wr.nslots = h->host_cpus + h->nr_vms * maxv;
	wr.head = malloc(wr.nslots * sizeof(*wr.head));
	wr.tail = malloc(wr.nslots * sizeof(*wr.tail));
	wr.vm_used = calloc(h->nr_vms + 1, sizeof(*wr.vm_used));
	wr.boot = boot;
	wr.late = late;
	if (!wr.head || !wr.tail || !wr.vm_used || !boot || !late) {
		rp_input_error(r, "out of memory");
		goto out;
	}
	/* the guests' boot-time objects stay until the world goes: the baseline */
	for (unsigned int v = 0; v < h->nr_vms; v++) {
		struct sim_slab_stats ss;

		sim_slab_stats(sim_world_kernel(w, v), &ss);
		boot[v] = ss.live_objects;
		late[v] = h->vms[v].boot == TRACE_BOOT_EVENT;
	}
	for (unsigned int i = 0; i < wr.nslots; i++)
		wr.head[i] = wr.tail[i] = -1;
	r->st->world = true;
	while (rp_next_event(r, tp, &ev)) {
		world_event(r, &wr, &ev);
		if (r->status == 2 || wr.stopped || (r->status == 1 && r->st->div_line))
			break;
	}
	if (r->status < 2 && !wr.stopped)
		world_flush(r, &wr);
	r->st->findings += sim_world_findings(w, -1);
	rp_world_kernels(r, w, h->nr_vms);
	if (r->status < 2 && !wr.stopped)
		world_teardown(r, w, h->nr_vms, boot);
out:
	free(boot);
	free(late);
	for (size_t i = 0; i < wr.n; i++)
		wentry_release(&wr.b[i]);
	free(wr.b);
	free(wr.head);
	free(wr.tail);
	free(wr.vm_used);
}

