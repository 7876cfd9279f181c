// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay, bare metal: the executor with no VMs (a host kernel and
 * its CPUs) runs each event at its trace time.
 */
#include "replay-int.h"
#include "trace-int.h"

/*
 * Bare metal: run @op on host CPU @cpu of the executor (a world with no VMs)
 * at the event's trace time, and return its event. -1 if it could not run
 * (an input error or the kernel stopped: a panic, a deadlock), said in st.
 */
int rp_bm_exec(struct replay *r, unsigned int cpu, struct sim_op *op, struct sim_event *out)
{
	const struct sim_event *last;
	enum sim_sched_result res;
	size_t n;

	op->at_ns = r->now;
	op->cookie = r->line;
	if (sim_world_submit(r->bw, SIM_WORLD_HOST, cpu, op)) {
		rp_input_error(r, "cannot run %s on host cpu %u", sim_op_name(op->kind), cpu);
		return -1;
	}
	res = sim_world_run(r->bw);
	n = sim_world_nevents(r->bw);
	last = n ? sim_world_event(r->bw, n - 1) : NULL;
	if (res != SIM_SCHED_IDLE || !last || last->cookie != op->cookie) {
		r->st->findings++;
		rp_diverge(r, "the host kernel stopped: %s", sim_world_report(r->bw));
		return -1;
	}
	*out = *last;
	sim_world_log_trim(r->bw);
	return 0;
}

/* iommu_sva_alloc_pasid(), as Linux 6.1 builds it on ioasid_alloc() in the SVA set. */
static void run_sva_alloc(struct replay *r, const struct trace_event *ev, struct got *g)
{
	struct tokobj *mm = rp_token_ptr(r, ev->mm, false);
	struct sim_op op = { .kind = SIM_OP_IOASID_ALLOC };
	struct sim_event e;

	g->res = TRACE_RES_ERRNO;
	if (ev->min == INVALID_IOASID || ev->max == INVALID_IOASID || !ev->min ||
	    ev->max < ev->min) {
		g->val = -EINVAL;
	} else if (!mm) {
		/* the kernel would dereference NULL: refuse the trace */
		rp_input_error(r, "iommu_sva_alloc_pasid with mm=null");
	} else if (mm->mm_pasid != INVALID_IOASID) {
		if (mm->mm_pasid < ev->min || mm->mm_pasid >= ev->max) {
			g->val = -EOVERFLOW;
		} else {
			g->res = TRACE_RES_ID;
			g->id = mm->mm_pasid;
		}
	} else {
		op.set = &r->k->sva_set;
		op.a = ev->min;
		op.b = ev->max;
		op.arg = (uintptr_t)mm;
		if (rp_bm_exec(r, ev->cpu, &op, &e))
			return;
		if (e.value == INVALID_IOASID) {
			g->val = -ENOMEM;
		} else {
			mm->mm_pasid = e.value;
			g->res = TRACE_RES_ID;
			g->id = e.value;
		}
	}
}

/* Forget the names of what an event released (exit, ioasid_free). */
static void run_unbind(struct replay *r, const struct trace_event *ev, long ci, long pe,
		       ioasid_t id)
{
	struct rkernel *k = r->k;

	if (ev->op == TRACE_PASID_EXIT) {
		for (uint32_t i = 0; i < k->p.n; i++)
			if (k->p.v[i].bound && k->p.v[i].owner_c == ci)
				rp_pasid_unbind(k, &k->p.v[i]);
	} else if (pe >= 0) {
		struct pasid *pp = &k->p.v[pe];

		if (pp->owner_mm >= 0 && (uint32_t)pp->owner_mm < k->t.n &&
		    k->t.v[pp->owner_mm].obj->mm_pasid == id)
			k->t.v[pp->owner_mm].obj->mm_pasid = INVALID_IOASID;
		rp_pasid_unbind(k, pp);
	}
}

/* Run one API event through the executor; fills @g. */
static void run_api(struct replay *r, const struct trace_event *ev, struct got *g,
		    struct consumer *c, ioasid_t id)
{
	struct sim_op op = { 0 };
	struct sim_event e;

	rp_op_build(r, ev, id, &op);
	op.consumer = c ? c->h : NULL;
	if (rp_bm_exec(r, ev->cpu, &op, &e))
		return;
	rp_got_of(ev->op, &e, g);
}

/*
 * The ida flavour (upstream's global PASID allocator, 6.4+) has one global
 * space of bare numbers: no sets, no private data, no custom allocators, so
 * only ioasid_alloc and ioasid_free mean what the trace recorded.
 */
static bool ida_refuses(struct replay *r, const struct trace_event *ev)
{
	if (!r->ida || ev->op == TRACE_IOASID_ALLOC ||
	    ev->op == TRACE_IOASID_FREE || ev->op == TRACE_GAP)
		return false;
	rp_input_error(r, "%s is not supported by the ida flavour (one global PASID space: no "
		       "sets, private data, consumers or custom allocators)", trace_op_name(ev->op));
	return true;
}

/* Run one event; fills @g with what the replay got. */
static void run_event(struct replay *r, const struct trace_event *ev, struct got *g,
		      char *idbuf, const char **rec_id, bool *checkable)
{
	struct rkernel *k = r->k;
	long ci = -1, pe = -1;
	bool cur_c = true, cur_id = true;
	struct consumer *c = NULL;
	ioasid_t id = 0;

	memset(g, 0, sizeof(*g));
	*rec_id = NULL;
	if (rp_sva_misused(r, ev) || ida_refuses(r, ev))
		return;
	if (ev->c) {
		ci = rp_consumer_get(k, ev->c, true);
		if (ci < 0) {
			rp_input_error(r, "out of memory");
			return;
		}
		c = &k->c.v[ci];
		cur_c = c->epoch == k->epoch;
		r->ev_ci = ci;
	}
	if (ev->id && ev->op != TRACE_PASID_ALLOC && ev->op != TRACE_IOASID_ALLOC &&
	    ev->op != TRACE_SVA_ALLOC) {
		if (rp_resolve_id(r, ev->id, &id, &pe, &cur_id))
			return;
		/* a failed alloc's name is recorded as such (see record_event) */
		if (pe == -2) {
			*rec_id = ev->id;
		} else if (r->recording) {
			rp_u32_dec(idbuf, id);
			*rec_id = idbuf;
		}
	}
	*checkable = cur_c && cur_id;
	if (ev->op == TRACE_PASID_ALLOC)
		*checkable = cur_c && k->epoch == 0;
	else if (ev->op == TRACE_IOASID_ALLOC || ev->op == TRACE_SVA_ALLOC)
		*checkable = k->epoch == 0;

	if (ev->op == TRACE_GAP || ev->op == TRACE_WORLD_RUN) {
		if (ev->op == TRACE_GAP)
			rp_note_gap(r, ev);	/* world_run: every event runs alone anyway */
	} else if (ev->op == TRACE_SCHED_TIEBREAK) {
		if (rp_push_keys(r, r->bw, ev))
			rp_input_error(r, "out of memory");
	} else if (ev->op == TRACE_SVA_ALLOC) {
		run_sva_alloc(r, ev, g);
	} else if (rp_op_bare_metal(ev->op)) {
		run_api(r, ev, g, c, id);
		if (ev->op == TRACE_PASID_EXIT || ev->op == TRACE_IOASID_FREE ||
		    (ev->op == TRACE_PASID_FREE && !g->val))
			run_unbind(r, ev, ci, pe, id);
	} else {
		rp_input_error(r, "%s is not supported on bare metal", trace_op_name(ev->op));
	}
}

/* ---- bare metal: the executor with no VMs ------------------------------------------ */

static bool flavour_built(const char *flavour)
{
	char path[4096];

	return !access(sim_core_path(flavour, path, sizeof(path)), R_OK);
}

/*
 * Bare metal runs in the executor (a world with no VMs: the host kernel and
 * its CPUs) on a private copy of the core object of the trace's flavour. If
 * that object is not built: an error (exit 2), or with --any-flavour the
 * flavour this program was configured with (said on @msg). NULL, with
 * st->error.
 */
struct sim_world *rp_bm_world(const struct trace_header *h, const char *name,
				  const struct replay_opts *o, FILE *msg, struct replay_stats *st)
{
	const char *flavour = st->flavour;
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];

	if (!flavour_built(flavour)) {
		if (!o->any_flavour || !flavour_built(PASIDSIM_FLAVOUR)) {
			snprintf(st->error, sizeof(st->error), "%s: the trace wants allocator "
				 "flavour %s on the host, whose core object is not built: configure "
				 "with the Linux source (PASIDSIM_LINUX61=ON) or pass --any-flavour "
				 "to replay on %s", name, flavour, PASIDSIM_FLAVOUR);
			return NULL;
		}
		fprintf(msg, "%s: warning: the trace wants flavour %s, whose core object is not "
			"built; replaying on %s (--any-flavour)\n", name, flavour, PASIDSIM_FLAVOUR);
		flavour = PASIDSIM_FLAVOUR;
	}
	sim_world_params_init(&p);
	p.nvms = 0;
	p.host_cpus = h->host_cpus;
	p.host_flavour = flavour;
	p.seed = h->seed;
	p.cookie_label = "line";
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		snprintf(st->error, sizeof(st->error), "%s: cannot load the %s core: %.400s", name,
			 flavour, err);
		return NULL;
	}
	/* a string that outlives the world (the core copy's goes with it) */
	st->flavour = trace_flavour_name(!strcmp(flavour, "linux-6.1") ? TRACE_FLAVOUR_LINUX61 :
					 !strcmp(flavour, "ida") ? TRACE_FLAVOUR_IDA :
					 TRACE_FLAVOUR_PASIDSIM);
	return w;
}

/* After the run: every consumer exits, every raw ID still bound is freed. */
static void bm_teardown(struct replay *r)
{
	struct rkernel *k = &r->ks[0];
	struct sim_event e;

	for (uint32_t i = 0; i < k->c.n && r->status < 2; i++) {
		struct sim_op op = { .kind = SIM_OP_EXIT, .consumer = k->c.v[i].h };

		if (rp_bm_exec(r, 0, &op, &e))
			return;
	}
	for (uint32_t i = 0; i < k->p.n && r->status < 2; i++) {
		struct sim_op op = { .kind = SIM_OP_IOASID_FREE, .a = k->p.v[i].id };

		if (k->p.v[i].bound && k->p.v[i].owner_c < 0 && rp_bm_exec(r, 0, &op, &e))
			return;
	}
}


/* One event: run it, settle it, report and record it. false: stop the replay. */
static bool bm_event(struct replay *r, const struct trace_event *ev)
{
	struct replay_stats *st = r->st;
	char idbuf[16], resbuf[16];
	const char *rec_id, *res_name;
	bool checkable = false;
	struct got g;

	if (r->o->timing != REPLAY_FAST)
		rp_wait_for(r, ev->time);
	r->now = ev->time;
	r->ev = ev;
	r->ev_ci = -1;
	run_event(r, ev, &g, idbuf, &rec_id, &checkable);
	if (r->status == 2 || (r->status == 1 && st->div_line && st->findings))
		return false;
	if (ev->op != TRACE_GAP && ev->op != TRACE_WORLD_RUN && ev->op != TRACE_SCHED_TIEBREAK) {
		st->ops++;
		if (rp_is_error(&g))
			st->errors++;
	}
	rp_settle(r, ev, &g, checkable, resbuf, &res_name);
	if (r->status == 2)
		return false;
	if (r->o->on_op && ev->op != TRACE_GAP && ev->op != TRACE_WORLD_RUN &&
	    ev->op != TRACE_SCHED_TIEBREAK)
		rp_report_op(r, ev, &g, false, 0, 0);
	if (r->recording)
		rp_record_event(r, ev, &g, rec_id, res_name);
	return !(r->status == 1 && st->div_line);
}

/* After the run: teardown, RCU callbacks, findings and leaks of the host kernel. */
static void bm_finish(struct replay *r, struct sim_kernel *kern)
{
	struct replay_stats *st = r->st;
	struct sim_slab_stats slab;
	struct sim_kernel *prev;

	r->k = &r->ks[0];
	if (r->status < 2)
		bm_teardown(r);
	prev = sim_kernel_enter(kern);
	rcu_barrier();
	sim_kernel_leave(prev);
	st->findings += sim_findings_count(kern, -1);
	if (sim_findings_count(kern, -1))
		sim_findings_print(kern, r->msg);
	sim_slab_stats(kern, &slab);
	st->leaked = slab.live_objects - sim_world_host_baseline_objects(r->bw);
	if (st->leaked && !st->gaps)
		sim_slab_report_leaks(kern, r->msg);
	if (r->o->on_kernel)
		r->o->on_kernel(r->o->hook_arg, "host", kern);
}

/* Replay a bare-metal trace's events in r->bw; the loop's wall time in st->wall_s. */
void rp_replay_bare(struct replay *r, struct trace_parser *tp)
{
	struct sim_kernel *kern = sim_world_kernel(r->bw, SIM_WORLD_HOST);
	struct replay_stats *st = r->st;
	struct timespec t0, t1;
	struct trace_event ev;

	r->ida = !strcmp(st->flavour, "ida");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (rp_next_event(r, tp, &ev))
		if (!bm_event(r, &ev))
			break;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->wall_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	bm_finish(r, kern);
}
