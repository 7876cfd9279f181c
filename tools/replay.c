// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay engine: bare-metal traces on a private copy of the core
 * object of the trace's flavour (one kernel instance, the iommu_pasid API and
 * the ioasid API; the core linked into the program if that object is absent),
 * multi-VM traces in a world (sim/world: a host and guests, each with its
 * own copy of core/, ops on the CPUs in virtual time).
 *
 * Names (traces/README.md, "Names and the name maps"): per kernel, three
 * maps from recorded names to what the replay has: consumers (a zeroed
 * struct iommu_pasid each), PASIDs (the replayed ID, bound while live) and
 * tokens (one object per name, used as set, private data or mm). A reverse
 * map from replayed ID to the PASID name bound to it enforces the
 * bijection check.
 */

#include "json.h"
#include "replay-int.h"
#include "trace-int.h"

void replay_opts_init(struct replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->check = true;
	o->timing = REPLAY_FAST;
	o->scale = 1.0;
	o->max_gap_s = REPLAY_MAX_GAP_S;
}

int replay_parse_timing(const char *s, enum replay_timing *t, double *scale)
{
	char *end;
	double f;

	if (!strcmp(s, "fast")) {
		*t = REPLAY_FAST;
		*scale = 1.0;
		return 0;
	}
	if (!strcmp(s, "recorded")) {
		*t = REPLAY_RECORDED;
		*scale = 1.0;
		return 0;
	}
	if (strncmp(s, "scale:", 6) || !s[6])
		return -1;
	errno = 0;
	f = strtod(s + 6, &end);
	if (errno || *end || !(f >= 0) || f > 1e6)
		return -1;
	*t = REPLAY_SCALED;
	*scale = f;
	return 0;
}

void rp_world_stopped(struct replay *r, struct sim_world *w, unsigned long line)
{
	r->line = line;
	r->st->findings++;
	if (!r->st->div_line) {
		r->st->div_line = r->line;
		snprintf(r->st->divergence, sizeof(r->st->divergence),
			 "%s:%lu: the world stopped: %s", r->name, r->line, sim_world_report(w));
	}
	if (r->status < 1)
		r->status = 1;
}

int rp_next_event(struct replay *r, struct trace_parser *tp, struct trace_event *ev)
{
	int n = trace_parser_next(tp, ev);

	if (n < 0) {
		r->status = 2;
		snprintf(r->st->error, sizeof(r->st->error), "%s", trace_parser_error(tp));
		return 0;
	}
	if (n)
		r->line = trace_parser_line(tp);
	return n > 0;
}

void rp_input_error(struct replay *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->status == 2)
		return;
	r->status = 2;
	n = snprintf(r->st->error, sizeof(r->st->error), "%s:%lu: ", r->name, r->line);
	if (n < 0 || (size_t)n >= sizeof(r->st->error))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->st->error + n, sizeof(r->st->error) - n, fmt, ap);
	va_end(ap);
}

void rp_diverge(struct replay *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->st->divergences++;
	if (r->st->div_line)
		return;
	r->st->div_line = r->line;
	n = snprintf(r->st->divergence, sizeof(r->st->divergence), "%s:%lu: divergence: ",
		     r->name, r->line);
	if (n < 0 || (size_t)n >= sizeof(r->st->divergence))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->st->divergence + n, sizeof(r->st->divergence) - n, fmt, ap);
	va_end(ap);
	if (r->status < 1)
		r->status = 1;
}

/*
 * Recorded/scaled timing: sleep until the event's recorded time (times the
 * scale) after the first event's, each gap between two events capped at
 * o->max_gap_s (a warning says so).
 */
void rp_wait_for(struct replay *r, uint64_t t)
{
	double cap = r->o->max_gap_s > 0 ? r->o->max_gap_s * 1e9 : 1e15, ns;
	struct timespec ts;

	if (r->o->timing == REPLAY_FAST)
		return;
	if (!r->t_started) {
		r->t_started = true;
		r->t0 = r->t_prev = t;
		clock_gettime(CLOCK_MONOTONIC, &r->w0);
		return;
	}
	ns = t > r->t_prev ? (double)(t - r->t_prev) : 0;
	ns *= r->o->timing == REPLAY_SCALED ? r->o->scale : 1.0;
	r->t_prev = t;
	if (ns > cap) {
		fprintf(r->msg, "%s:%lu: warning: recorded gap of %.9g s capped at %g s\n",
			r->name, r->line, ns / 1e9, cap / 1e9);
		ns = cap;
	}
	r->wall_ns += ns;
	if (r->wall_ns > 1e15)
		r->wall_ns = 1e15;
	ts = r->w0;
	ts.tv_sec += (time_t)(r->wall_ns / 1e9);
	ts.tv_nsec += (long)(r->wall_ns - (double)(time_t)(r->wall_ns / 1e9) * 1e9);
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static const char *errname(long long e, char *buf, size_t len)
{
	const char *n = trace_errno_name(e);

	if (n)
		snprintf(buf, len, "-%s", n);
	else
		snprintf(buf, len, "%lld", e);
	return buf;
}

/* Describe a result for messages. */
static const char *got_str(struct replay *r, const struct got *g, char *buf, size_t len)
{
	char e[32];

	switch (g->res) {
	case TRACE_RES_ERRNO:
		return errname(g->val, buf, len);
	case TRACE_RES_ID:
		snprintf(buf, len, "PASID %u", g->id);
		return buf;
	case TRACE_RES_INVALID:
		return "invalid";
	case TRACE_RES_NULL:
		return "null";
	case TRACE_RES_COUNT:
		snprintf(buf, len, "%lld", g->val);
		return buf;
	case TRACE_RES_VALUE:
		snprintf(buf, len, "%#llx", (unsigned long long)g->val);
		return buf;
	case TRACE_RES_TOKEN: {
		struct tokobj *o = g->ptr;

		snprintf(buf, len, "token %s", o && o->magic == TOKEN_MAGIC &&
			 o->idx < r->k->t.n ? r->k->t.v[o->idx].name : "(unknown pointer)");
		return buf;
	}
	default:
		(void)e;
		return "nothing";
	}
}

static const char *rec_str(const struct trace_event *ev, char *buf, size_t len)
{
	switch (ev->res) {
	case TRACE_RES_ERRNO:
		return errname(ev->res_val, buf, len);
	case TRACE_RES_ID:
		snprintf(buf, len, "PASID '%s'", ev->res_name);
		return buf;
	case TRACE_RES_TOKEN:
		snprintf(buf, len, "token %s", ev->res_name);
		return buf;
	case TRACE_RES_COUNT:
		snprintf(buf, len, "%lld", ev->res_val);
		return buf;
	case TRACE_RES_VALUE:
		snprintf(buf, len, "%#llx", (unsigned long long)ev->res_val);
		return buf;
	case TRACE_RES_INVALID:
		return "invalid";
	case TRACE_RES_NULL:
		return "null";
	default:
		return "nothing";
	}
}

static void got_errno(struct got *g, const struct sim_event *e)
{
	g->res = TRACE_RES_ERRNO;
	g->val = e->result;
}

static void got_ptr(struct got *g, const struct sim_event *e)
{
	if (e->result) {
		got_errno(g, e);
	} else if (!e->value) {
		g->res = TRACE_RES_NULL;
	} else {
		g->res = TRACE_RES_TOKEN;
		g->ptr = (void *)(uintptr_t)e->value;
	}
}

static void got_alloc(struct got *g, const struct sim_event *e)
{
	if (e->result) {
		got_errno(g, e);
	} else {
		g->res = TRACE_RES_ID;
		g->id = e->value;
	}
}

/*
 * What the replay got, from the executor's event of trace operation @op:
 * the one translation for bare metal and worlds.
 */
void rp_got_of(enum trace_op op, const struct sim_event *e, struct got *g)
{
	memset(g, 0, sizeof(*g));
	switch (op) {
	case TRACE_PASID_ALLOC:
	case TRACE_VFIO_ALLOC:
		got_alloc(g, e);
		break;
	case TRACE_IOASID_ALLOC:
		if (e->value == INVALID_IOASID) {
			g->res = TRACE_RES_INVALID;
		} else {
			g->res = TRACE_RES_ID;
			g->id = e->value;
		}
		break;
	case TRACE_PASID_FIND:
	case TRACE_IOASID_FIND:
	case TRACE_IOASID_FIND_GETTER:
		got_ptr(g, e);
		break;
	case TRACE_PASID_FOR_EACH:
	case TRACE_PASID_FOR_EACH_FREE:
	case TRACE_PASID_FOR_EACH_STOP:	/* result 1: the callback stopped the walk */
		if (e->result < 0 || (e->result && op != TRACE_PASID_FOR_EACH_STOP)) {
			got_errno(g, e);
		} else {
			g->res = TRACE_RES_COUNT;
			g->val = e->value;
		}
		break;
	case TRACE_VFIO_FREE_RANGE:
		if (e->result < 0) {
			got_errno(g, e);
		} else {
			g->res = TRACE_RES_COUNT;
			g->val = e->result;
		}
		break;
	case TRACE_MMIO_READ:
	case TRACE_VIRTIO_REQUEST:
		if (e->result) {
			got_errno(g, e);
		} else {
			g->res = TRACE_RES_VALUE;
			g->val = (long long)e->value;
		}
		break;
	case TRACE_PASID_EXIT:
	case TRACE_IOASID_FREE:
	case TRACE_MMIO_WRITE:
	case TRACE_VM_DESTROY:
	case TRACE_VMM_EXIT:
	case TRACE_SCHED_TIEBREAK:
	case TRACE_WORLD_RUN:
	case TRACE_VM_BOOT:
	case TRACE_FAULT_NEXT:
		g->res = TRACE_RES_NONE;	/* void in the trace */
		g->val = e->result;
		break;
	default:	/* init, free, set_data, lifecycle, vfio free and quota */
		got_errno(g, e);
		break;
	}
}

/* An op returned an ID: bind the name the trace gave it. */
static void settle_id(struct replay *r, const struct trace_event *ev, const struct got *g,
		      bool checkable)
{
	const char *name = ev->res == TRACE_RES_ID ? ev->res_name : ev->id;
	long prev = -1, e;
	int owner_c = -1, owner_mm = -1;

	if (ev->op == TRACE_SVA_ALLOC && name)
		prev = rp_pasid_get(r->k, name, false);
	if (ev->op == TRACE_SVA_ALLOC && prev >= 0 && r->k->p.v[prev].bound &&
	    r->k->p.v[prev].id == g->id)
		return;	/* the mm's existing PASID, already bound to this name */
	if (ev->op == TRACE_PASID_ALLOC)	/* bare metal looked it up already */
		owner_c = ev == r->ev && r->ev_ci >= 0 ? r->ev_ci :
			  rp_consumer_get(r->k, ev->c, false);
	if (ev->op == TRACE_SVA_ALLOC)
		owner_mm = ((struct tokobj *)rp_token_ptr(r, ev->mm, false))->idx;
	e = rp_bind(r, name, g->id, r->o->check && checkable, owner_c, owner_mm);
	if (e < 0)
		rp_input_error(r, "out of memory");
	else
		r->k->p.v[e].raw = ev->op == TRACE_IOASID_ALLOC;
}

/* Compare with the recorded result and bind names. */
void rp_settle(struct replay *r, const struct trace_event *ev, const struct got *g,
		   bool checkable, char *resbuf, const char **res_name)
{
	bool check = r->o->check && ev->res != TRACE_RES_NONE;
	bool is_alloc = rp_op_alloc(ev->op);
	char a[160], b[160];

	*res_name = NULL;
	if (check) {
		if (checkable)
			r->st->checked++;
		else
			r->st->unchecked++;
	}
	check = check && checkable;
	if (g->res == TRACE_RES_ID) {
		if (check && ev->res != TRACE_RES_ID)
			rp_diverge(r, "%s returned PASID %u, the trace recorded %s",
				trace_op_name(ev->op), g->id, rec_str(ev, a, sizeof(a)));
		settle_id(r, ev, g, checkable);
		if (r->recording)	/* the name is for --record only */
			*res_name = rp_u32_dec(resbuf, g->id);
		return;
	}
	if (is_alloc && (ev->res == TRACE_RES_ID || ev->id)) {
		const char *name = ev->res == TRACE_RES_ID ? ev->res_name : ev->id;
		long e = rp_pasid_get(r->k, name, true);

		if (e < 0) {
			rp_input_error(r, "out of memory");
			return;
		}
		if (!r->k->p.v[e].bound) {
			r->k->p.v[e].failed = true;
			r->k->p.v[e].epoch = r->k->epoch;
		}
	}
	if (g->res == TRACE_RES_TOKEN) {
		struct tokobj *o = g->ptr;

		*res_name = o->magic == TOKEN_MAGIC && o->idx < r->k->t.n ?
			    r->k->t.v[o->idx].name : "unknown";
	}
	if (!check || ev->res == TRACE_RES_NONE)
		return;
	if (ev->res != g->res ||
	    ((g->res == TRACE_RES_ERRNO || g->res == TRACE_RES_COUNT ||
	      g->res == TRACE_RES_VALUE) && ev->res_val != g->val) ||
	    (g->res == TRACE_RES_TOKEN && rp_token_ptr(r, ev->res_name, false) != g->ptr))
		rp_diverge(r, "%s returned %s, the trace recorded %s", trace_op_name(ev->op),
			got_str(r, g, a, sizeof(a)), rec_str(ev, b, sizeof(b)));
}

/*
 * Explicit schedules (traces/README.md): no name maps for PASIDs, a recorded
 * ID is the number it names; the result's name for --record into @resbuf.
 */
void rp_settle_literal(struct replay *r, const struct trace_event *ev, const struct got *g,
		       char *resbuf, const char **res_name)
{
	bool same = ev->res == g->res;
	uint64_t id;
	char a[160], b[160];

	*res_name = NULL;
	if (g->res == TRACE_RES_ID) {
		rp_u32_dec(resbuf, g->id);
		*res_name = resbuf;
	} else if (g->res == TRACE_RES_TOKEN) {
		struct tokobj *o = g->ptr;

		*res_name = o && o->magic == TOKEN_MAGIC && o->idx < r->k->t.n ?
			    r->k->t.v[o->idx].name : "unknown";
	}
	if (!r->o->check || ev->res == TRACE_RES_NONE)
		return;
	r->st->checked++;
	if (same && g->res == TRACE_RES_ID)
		same = trace_parse_u64(ev->res_name, strlen(ev->res_name), &id) && id == g->id;
	else if (same && g->res == TRACE_RES_TOKEN)
		same = rp_token_ptr(r, ev->res_name, false) == g->ptr;
	else if (same && g->res != TRACE_RES_NULL && g->res != TRACE_RES_INVALID)
		same = ev->res_val == g->val;
	if (!same)
		rp_diverge(r, "%s returned %s, the trace recorded %s", trace_op_name(ev->op),
			   got_str(r, g, a, sizeof(a)), rec_str(ev, b, sizeof(b)));
}

void rp_record_event(struct replay *r, const struct trace_event *ev, const struct got *g,
			 const char *rec_id, const char *res_name)
{
	struct trace_event out = *ev;
	bool is_alloc = rp_op_alloc(ev->op);
	int e;

	/*
	 * An alloc that succeeded is named by its ID (the result); one that
	 * failed keeps the name the trace gave it, with the error as result, and
	 * so do the ops that use that name: a replay of the recording sees the
	 * same names fail, and waits for the same ops.
	 */
	if (is_alloc)
		out.id = g->res == TRACE_RES_ID ? NULL :
			 ev->res == TRACE_RES_ID ? ev->res_name : ev->id;
	else if (ev->id)
		out.id = rec_id;
	out.res = g->res;
	out.res_val = g->val;
	out.res_name = res_name;
	if (ev->op == TRACE_PASID_EXIT || ev->op == TRACE_IOASID_FREE || ev->op == TRACE_GAP ||
	    ev->op == TRACE_WORLD_RUN || ev->op == TRACE_SCHED_TIEBREAK)
		out.res = TRACE_RES_NONE;
	e = trace_write_event(&r->w, &out);
	if (e && r->status < 2)
		rp_input_error(r, "--record: cannot write the event (%s)", strerror(-e));
}

/* Report one executed op to the caller (results store). */
void rp_report_op(struct replay *r, const struct trace_event *ev, const struct got *g,
		      bool timed, uint64_t start, uint64_t end)
{
	struct replay_op op = {
		.line = r->line, .op = ev->op, .kernel = ev->kernel, .res = g->res,
		.val = g->val, .timed = timed, .start_ns = start, .end_ns = end,
	};

	if (!r->o->on_op)
		return;
	if (g->res == TRACE_RES_ID)
		op.val = g->id;
	else if (g->res == TRACE_RES_TOKEN)
		op.val = g->ptr && ((struct tokobj *)g->ptr)->magic == TOKEN_MAGIC ?
			 ((struct tokobj *)g->ptr)->idx : -1;
	r->o->on_op(r->o->hook_arg, &op);
}

/* --flavour: every kernel runs the chosen flavour; --record writes what ran. -1 if unknown. */
static int apply_flavour(struct trace_header *h, const char *name, const char *flavour,
			 struct replay_stats *st)
{
	int f = !strcmp(flavour, "pasidsim") ? TRACE_FLAVOUR_PASIDSIM :
		!strcmp(flavour, "linux-6.1") ? TRACE_FLAVOUR_LINUX61 :
		!strcmp(flavour, "ida") ? TRACE_FLAVOUR_IDA : -1;

	if (f < 0) {
		snprintf(st->error, sizeof(st->error),
			 "%s: unknown flavour '%s' (expected pasidsim, linux-6.1 or ida)", name,
			 flavour);
		return -1;
	}
	h->flavour_host = f;
	if (h->mode == TRACE_VMS)
		h->flavour_guest = f;
	for (unsigned int i = 0; i < h->nr_vms && h->vms; i++)
		h->vms[i].flavour = f;
	return 0;
}

static void bm_config(struct replay_stats *st, const struct trace_header *h)
{
	struct json j;

	if (json_buf_begin(&j, st->config, sizeof(st->config)))
		return;
	json_obj_begin(&j, NULL);
	json_str(&j, "mode", "bare-metal");
	json_u64(&j, "host_cpus", h->host_cpus);
	json_str(&j, "flavour_host", st->flavour);
	json_obj_end(&j);
	json_buf_end(&j, st->config, sizeof(st->config));
}

/* The executor of the header: a world, or the bare-metal one in r->bw. -1 (exit 2). */
static int replay_setup(struct replay *r, const struct trace_header *h,
			struct sim_world **world)
{
	struct replay_stats *st = r->st;
	const char *want = st->flavour;

	if (h->mode == TRACE_VMS) {
		*world = rp_world_build(h, r->name, r->o, st);
		return *world ? 0 : -1;
	}
	bm_config(st, h);
	r->bw = rp_bm_world(h, r->name, r->o, r->msg, st);
	if (!r->bw)
		return -1;
	/* --any-flavour: the run is on another flavour than the trace's */
	if (strcmp(want, st->flavour))
		bm_config(st, h);
	return 0;
}

/* The header, --flavour, and the kernels' name maps. Exit status 2 or 0. */
static int replay_begin(struct replay *r, struct trace_parser *tp, struct trace_header *h)
{
	struct replay_stats *st = r->st;

	if (trace_parser_header(tp, h)) {
		snprintf(st->error, sizeof(st->error), "%s", trace_parser_error(tp));
		return 2;
	}
	if (r->o->flavour && apply_flavour(h, r->name, r->o->flavour, st))
		return 2;
	st->mode = trace_mode_name(h->mode);
	st->flavour = trace_flavour_name(h->flavour_host);
	st->seed = h->seed;
	r->nk = h->mode == TRACE_VMS ? 1 + h->nr_vms : 1;
	r->ks = calloc(r->nk, sizeof(*r->ks));
	if (!r->ks) {
		snprintf(st->error, sizeof(st->error), "%s: out of memory", r->name);
		return 2;
	}
	r->k = &r->ks[0];
	return 0;
}

/* The gap warning, the end of the recording, and the exit status. */
static int replay_finish(struct replay *r)
{
	struct replay_stats *st = r->st;
	int status;

	if (r->gaplen)
		fprintf(r->msg, "%s: warning: %llu gap%s in the trace (events lost): %s; results "
			"after a gap are checked only for names bound after it\n", r->name,
			st->gaps, st->gaps == 1 ? "" : "s", r->gapmsg);
	if (r->unbound_warned > UNBOUND_WARN_MAX)
		fprintf(r->msg, "%s: warning: %lu more op(s) on IDs the trace never allocated\n",
			r->name, r->unbound_warned - UNBOUND_WARN_MAX);
	if (r->recording && trace_writer_finish(&r->w) && r->status < 2) {
		r->status = 2;
		snprintf(st->error, sizeof(st->error), "--record: write error");
	}
	status = r->status;
	if (!status && (st->findings || (st->leaked && !st->gaps)))
		status = 1;
	return status;
}

static int replay_run(struct trace_parser *tp, const char *name, const struct replay_opts *o,
		      struct replay_stats *st)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct trace_header h;
	struct timespec t0, t1;
	struct sim_world *world = NULL;
	int status;

	memset(st, 0, sizeof(*st));
	st->mode = "?";
	st->flavour = "?";
	if (!r || !tp) {
		snprintf(st->error, sizeof(st->error), "%s: out of memory", name);
		free(r);
		return 2;
	}
	r->o = o;
	r->st = st;
	r->name = name;
	r->ev_ci = -1;
	r->msg = o->msg ? o->msg : stderr;
	status = replay_begin(r, tp, &h);
	if (status || replay_setup(r, &h, &world)) {
		status = 2;
		goto out;
	}
	if (o->on_start)
		o->on_start(o->hook_arg, st);
	if (o->record) {
		if (trace_writer_start(&r->w, o->record, &h)) {
			snprintf(st->error, sizeof(st->error), "--record: cannot write the header");
			status = 2;
			goto out;
		}
		r->recording = true;
	}
	if (world) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (h.schedule == TRACE_SCHEDULE_EXPLICIT)
			rp_replay_explicit(r, tp, &h, world);
		else
			rp_replay_world(r, tp, &h, world);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		st->wall_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		sim_world_destroy(world);
		world = NULL;
	} else {
		rp_replay_bare(r, tp);	/* times its loop in st->wall_s */
	}
	status = replay_finish(r);
out:
	sim_world_destroy(world);
	sim_world_destroy(r->bw);
	for (unsigned int i = 0; i < r->nk; i++)
		rp_rkernel_free(&r->ks[i]);
	free(r->ks);
	free(r->keys);
	trace_header_release(&h);
	free(r);
	return status;
}

int replay_file(const char *path, const struct replay_opts *o, struct replay_stats *st)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct trace_parser *p;
	int ret;

	if (!f) {
		memset(st, 0, sizeof(*st));
		st->mode = st->flavour = "?";
		snprintf(st->error, sizeof(st->error), "%s: %s", path, strerror(errno));
		return 2;
	}
	p = trace_parser_new(f, path);
	ret = replay_run(p, path, o, st);
	trace_parser_free(p);
	if (f != stdin)
		fclose(f);
	return ret;
}

int replay_mem(const void *buf, size_t len, const char *name, const struct replay_opts *o,
	       struct replay_stats *st)
{
	struct trace_parser *p = trace_parser_mem(buf, len, name);
	int ret = replay_run(p, name, o, st);

	trace_parser_free(p);
	return ret;
}
