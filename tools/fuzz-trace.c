// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim fuzz --to-trace: a world harness input as a reproducer trace
 * (tools/fuzz-trace.h). The input runs once through the harness's decoder
 * (<sim/world-decode.h>) in the world its first byte picks; what ran is
 * written as a version 4 trace (5 with the input's device knobs) with
 * 'schedule explicit': each batch's tie-break keys (sched_tiebreak), its
 * operations in submission order at their submit times, with the results
 * they got, and a world_run. Each
 * operation's trace form comes from the vocabulary's row (trace_ops[], tools/trace-ops.c):
 * trace_op_of_sim() finds it, and the same argument mapping the replay
 * reads fills its arguments, so replaying the trace submits the same
 * operations.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim/world-decode.h>

#include "builtin.h"
#include "fuzz-trace.h"
#include "opt.h"
#include "outfile.h"
#include "replay-int.h"
#include "trace-int.h"

/* What the run did: operations, batch ends, keys drawn, events. */
struct fitem {
	bool run;		/* a batch's end (world_run) */
	int vm;
	unsigned int cpu;
	struct sim_op op;
	size_t key_end;		/* run: keys[..key_end) were drawn by then */
};

struct frun {
	struct wdec *d;
	struct fitem *items;
	size_t n, cap;
	u64 *keys;
	size_t nkeys, keys_cap;
	struct sim_event *events;	/* by cookie - 1 */
	bool *done;
	size_t nevents, logpos;
	bool oom, stopped;
	char finding[300];
};

static void *grow(void *v, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *nv;

	if (need <= *cap)
		return v;
	while (c < need)
		c *= 2;
	nv = realloc(v, c * size);
	if (nv)
		*cap = c;
	return nv;
}

static struct fitem *item_add(struct frun *f)
{
	struct fitem *it = grow(f->items, &f->cap, f->n + 1, sizeof(*it));

	if (!it) {
		f->oom = true;
		return NULL;
	}
	f->items = it;
	memset(&it[f->n], 0, sizeof(*it));
	return &it[f->n++];
}

static void on_submit(void *arg, int vm, unsigned int cpu, const struct sim_op *op)
{
	struct fitem *it = item_add(arg);

	if (it) {
		it->vm = vm;
		it->cpu = cpu;
		it->op = *op;
	}
}

static void on_key(void *arg, u64 key)
{
	struct frun *f = arg;
	u64 *k = grow(f->keys, &f->keys_cap, f->nkeys + 1, sizeof(*k));

	if (!k) {
		f->oom = true;
		return;
	}
	f->keys = k;
	k[f->nkeys++] = key;
}

/* After a run: its events by cookie; stop where the harness would report a finding. */
static bool on_ran(void *arg, struct sim_world *w, enum sim_sched_result r)
{
	struct frun *f = arg;
	const struct sim_finding *fd;
	struct fitem *it = item_add(f);
	size_t ne = sim_world_nevents(w);
	int vm;

	if (!it)
		return false;
	it->run = true;
	it->key_end = f->nkeys;
	for (; f->logpos < ne; f->logpos++) {
		const struct sim_event *e = sim_world_event(w, f->logpos);

		if (e->cookie && e->cookie <= f->nevents) {
			f->events[e->cookie - 1] = *e;
			f->done[e->cookie - 1] = true;
		}
	}
	if (r != SIM_SCHED_IDLE) {
		snprintf(f->finding, sizeof(f->finding), "the world stopped: %s",
			 sim_world_report(w));
		f->stopped = true;
		return false;
	}
	fd = sim_wdec_unexpected(f->d, w, &vm);
	if (fd) {
		snprintf(f->finding, sizeof(f->finding), "%s %s: %s", vm < 0 ? "host" : "guest",
			 sim_finding_kind_name(fd->kind), fd->msg);
		return false;
	}
	return true;
}

/* ---- the trace ------------------------------------------------------------------------ */

struct fnames {
	char id[16], res[16];
	const char *tokens[WDEC_NTOKENS];
};

static const char *const token_names[WDEC_NTOKENS] = { "t0", "t1", "t2", "t3" };
static const char *const set_names[WDEC_NSETS] = { "s0", "s1" };

/* The trace name of a harness pointer: a token, a set, or NULL. */
static const char *ptr_name(const struct wdec *d, uintptr_t p)
{
	for (int i = 0; i < WDEC_NTOKENS; i++)
		if (p == (uintptr_t)&d->tokens[i])
			return token_names[i];
	for (int i = 0; i < WDEC_NSETS; i++)
		if (p == (uintptr_t)&d->sets[i])
			return set_names[i];
	return NULL;
}

/* Set trace argument @a of @ev to @v (a number, or an ID/token in its name form). */
static void put_field(const struct wdec *d, struct trace_event *ev, int a, u64 v,
		      struct fnames *nm)
{
	const struct trace_argdesc *ad = &trace_args[a];
	char *p = (char *)ev + ad->off;
	unsigned int u = v;

	if (a == ARG_ID) {
		snprintf(nm->id, sizeof(nm->id), "%u", (unsigned int)v);
		ev->id = nm->id;
	} else if (a == ARG_PRIV) {
		ev->priv = ptr_name(d, v);
	} else if (ad->type == TA_U64 || ad->type == TA_HEX) {
		memcpy(p, &v, sizeof(v));
	} else {
		memcpy(p, &u, sizeof(u));
	}
}

/* The result the event got, in the trace's form (none for a token it cannot name). */
static void put_result(const struct wdec *d, struct trace_event *ev, const struct sim_event *se,
		       struct fnames *nm)
{
	struct got g;

	rp_got_of(ev->op, se, &g);
	ev->res = g.res;
	ev->res_val = g.val;
	if (g.res == TRACE_RES_ID) {
		snprintf(nm->res, sizeof(nm->res), "%u", g.id);
		ev->res_name = nm->res;
	} else if (g.res == TRACE_RES_TOKEN) {
		ev->res_name = ptr_name(d, (uintptr_t)g.ptr);
		if (!ev->res_name)
			ev->res = TRACE_RES_NONE;
	}
	if (!(trace_op_results(ev->op) & (1u << ev->res)))
		ev->res = TRACE_RES_NONE;	/* void in the trace */
}

/* Operation @it as a trace event; false if the vocabulary has no trace form for it. */
static bool item_event(const struct frun *f, const struct fitem *it, struct trace_event *ev,
		       struct fnames *nm)
{
	const struct sim_op *op = &it->op;
	unsigned int width;
	const char fields[3] = { 'a', 'b', 'x' };
	const u64 vals[3] = { op->a, op->b, op->arg };

	memset(ev, 0, sizeof(*ev));
	ev->op = trace_op_of_sim(op->kind, &width);
	if (ev->op == TRACE_OP__NR)
		return false;
	ev->time = op->at_ns;
	ev->kernel = it->vm;
	ev->cpu = it->cpu;
	ev->width = width;
	for (int i = 0; i < 3; i++) {
		int a = trace_op_field(ev->op, fields[i]);

		if (a >= 0)
			put_field(f->d, ev, a, vals[i], nm);
	}
	if (trace_ops[ev->op].required & A(SET))
		ev->set = ptr_name(f->d, (uintptr_t)op->set);
	if (trace_ops[ev->op].required & A(C))
		ev->c = op->consumer ? "extra" : "boot";
	if (op->cookie && op->cookie <= f->nevents && f->done[op->cookie - 1])
		put_result(f->d, ev, &f->events[op->cookie - 1], nm);
	return true;
}

/* The keys of one batch, as many lines as they need. */
static int write_keys(struct trace_writer *tw, const u64 *k, size_t n, u64 t)
{
	char buf[TRACE_MAX_LINE];
	size_t i = 0;

	while (i < n) {
		struct trace_event ev = { .time = t, .kernel = TRACE_HOST,
					  .op = TRACE_SCHED_TIEBREAK, .keys = buf };
		size_t o = 0, c = 0;

		for (; i < n && c < TRACE_MAX_KEYS && o < TRACE_MAX_LINE - 200; i++, c++)
			o += snprintf(buf + o, sizeof(buf) - o, "%s%llu", c ? "," : "",
				      (unsigned long long)k[i]);
		if (trace_write_event(tw, &ev))
			return -1;
	}
	return 0;
}

/* Every batch: its keys, its operations, its run. */
static int write_events(struct trace_writer *tw, const struct frun *f)
{
	size_t first = 0, key0 = 0;
	u64 t = 0;

	for (size_t i = 0; i < f->n; i++) {
		struct trace_event ev;
		struct fnames nm;

		if (!f->items[i].run)
			continue;
		if (write_keys(tw, f->keys + key0, f->items[i].key_end - key0, t))
			return -1;
		for (size_t j = first; j < i; j++) {
			if (!item_event(f, &f->items[j], &ev, &nm))
				continue;
			t = ev.time;
			if (trace_write_event(tw, &ev))
				return -1;
		}
		ev = (struct trace_event){ .time = t, .kernel = TRACE_HOST, .op = TRACE_WORLD_RUN };
		if (trace_write_event(tw, &ev))
			return -1;
		key0 = f->items[i].key_end;
		first = i + 1;
	}
	return 0;
}

/* A meta value: what the format allows (printable, no '#', single spaces). */
static void meta_clean(char *v)
{
	size_t o = 0;

	for (size_t i = 0; v[i]; i++) {
		char c = v[i] < 0x20 || v[i] > 0x7e || v[i] == '#' ? '_' : v[i];

		if (c == ' ' && (!o || v[o - 1] == ' '))
			continue;
		v[o++] = c;
	}
	while (o && v[o - 1] == ' ')
		o--;
	v[o] = 0;
}

/* The trace's header: the world of @p, an explicit schedule, where it came from. */
static int make_header(struct trace_header *h, const struct sim_world_params *p,
		       const struct frun *f, const char *name, struct sim_world *w)
{
	char v[400];
	int e;

	trace_header_init(h);
	h->version = TRACE_VERSION_SCHEDULE;
	h->schedule = TRACE_SCHEDULE_EXPLICIT;
	h->seed = p->seed;
	h->host_cpus = p->host_cpus;
	h->vcpus = p->vcpus;
	h->viommus = p->viommus;
	h->quota_default = p->quota;
	h->pv = p->path == SIM_WORLD_PATH_VIRTIO ? TRACE_PV_VIRTIO : TRACE_PV_VTD_VCMD;
	h->vtd_version = p->vtd.layout == VTD_LAYOUT_30 ? TRACE_VTD_3_0 : TRACE_VTD_3_3;
	h->faults.vtd_stuck_ip = p->vtd.faults.stuck_ip;
	h->faults.vtd_drop_mode = p->vtd.faults.drop_mode == VTD_DROP_HANG ? TRACE_VTD_DROP_HANG :
				  TRACE_VTD_DROP_LOST;
	h->faults.vtd_drop_nth = p->vtd.faults.drop_nth;
	h->faults.vtd_drop_every = p->vtd.faults.drop_every;
	h->faults.vtd_result_mode = p->vtd.faults.result_mode == VTD_RESULT_SET ?
				    TRACE_VTD_RESULT_SET : p->vtd.faults.result_mode ==
				    VTD_RESULT_RAW ? TRACE_VTD_RESULT_RAW : TRACE_VTD_RESULT_REAL;
	h->faults.vtd_result = p->vtd.faults.result;
	/* the input's own knobs (byte 1 when byte 0 bit 7 is set), as its run had them */
	for (unsigned int d = 0; d < SIM_WORLD_VTD_SLOTS && d < TRACE_MAX_VTD_SLOTS; d++) {
		const struct sim_world_vtd_slot *s = &sim_world_params(w)->vtd_slot[d];

		h->viommu[d] = (struct trace_viommu){ .set = s->set, .pss = s->pss,
						      .vcs = s->vcs, .pas = s->pas };
	}
	h->replug = sim_world_params(w)->replug_keeps_state ? TRACE_REPLUG_KEEP :
		    TRACE_REPLUG_FRESH;
	h->vcmd_timeout_ms = p->vcmd_timeout_ms;	/* a stuck VMM's world: 1 ms */
	h->flavour_host = !strncmp(p->host_flavour, "linux-6.1", 9) ? TRACE_FLAVOUR_LINUX61 :
			  TRACE_FLAVOUR_PASIDSIM;
	h->flavour_guest = !strcmp(p->guest_flavour, "linux-6.1") ? TRACE_FLAVOUR_LINUX61 :
			   TRACE_FLAVOUR_PASIDSIM;
	/* schedule fuzzing (variant bit WDEC_V_PREEMPT): the preemption keys are among the tie-breaks */
	h->sched_preempt = sim_sched_preempt(sim_world_sched(w)) ? 1 : 0;
	e = trace_header_set_vms(h, p->nvms);
	for (unsigned int i = 0; !e && i < p->nvms; i++)	/* variant bit WDEC_V_LATE_VM1 */
		if (sim_world_late(w, i))
			h->vms[i].boot = TRACE_BOOT_EVENT;
	snprintf(v, sizeof(v), "world input %s", name);
	meta_clean(v);
	e = e ? e : trace_header_add_meta(h, "fuzz-harness", v);
	if (!e && strcmp(p->host_flavour, trace_flavour_name(h->flavour_host)))
		e = trace_header_add_meta(h, "host-core", p->host_flavour);
	/* replay counts a stopped world (a panic, a hang) as one finding more */
	snprintf(v, sizeof(v), "%zu", sim_world_findings(w, -1) + f->stopped);
	e = e ? e : trace_header_add_meta(h, "findings", v);
	if (!e && f->finding[0]) {
		snprintf(v, sizeof(v), "%s", f->finding);
		meta_clean(v);
		e = trace_header_add_meta(h, "finding", v);
	}
	return e;
}

static int read_input(const char *path, uint8_t **data, size_t *size, char *err, size_t errlen)
{
	FILE *in = fopen(path, "rb");
	size_t cap = 0;

	*data = NULL;
	*size = 0;
	if (!in) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		uint8_t *nd = grow(*data, &cap, *size + 4096, 1);

		if (!nd) {
			snprintf(err, errlen, "%s: out of memory", path);
			break;
		}
		*data = nd;
		*size += fread(*data + *size, 1, 4096, in);
		if (feof(in) || ferror(in))
			break;
	}
	if (ferror(in) && !err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	fclose(in);
	return err[0] ? -1 : 0;
}

/* Write what ran as a trace at @out_path. */
static int write_trace(const char *out_path, const struct trace_header *h, const struct frun *f,
		       char *err, size_t errlen)
{
	struct trace_writer tw;
	struct outfile of;

	if (outfile_open(&of, out_path, err, errlen))
		return -1;
	if (trace_writer_start(&tw, of.f, h) || write_events(&tw, f) || trace_writer_finish(&tw)) {
		outfile_abort(&of);
		snprintf(err, errlen, "%s: cannot write the trace", out_path);
		return -1;
	}
	return outfile_commit(&of, err, errlen);
}

/* Run input @data in a world of its own, recording into @f. The world, or NULL. */
static struct sim_world *run_input(struct frun *f, const uint8_t *data, size_t size,
				   const struct fuzz_trace_opts *o, struct sim_world_params *p,
				   char *err, size_t errlen)
{
	struct wdec_hooks hooks = { on_submit, on_key, on_ran, f };
	struct sim_world *w;

	sim_wdec_params(data[0], o ? o->host : NULL, p);
	w = sim_world_create(p, err, errlen);
	if (!w)
		return NULL;
	/* at most an operation per input byte (each starts on a byte of the input) */
	f->nevents = size;
	f->events = calloc(size, sizeof(*f->events));
	f->done = calloc(size, sizeof(*f->done));
	if (!f->events || !f->done || sim_wdec_run(f->d, w, data, size, &hooks) < 0 || f->oom) {
		snprintf(err, errlen, "out of memory, or the world's reset failed");
		sim_world_destroy(w);
		return NULL;
	}
	return w;
}

int fuzz_to_trace(const char *harness, const char *input_path, const char *out_path,
		  const struct fuzz_trace_opts *o, char *err, size_t errlen)
{
	struct wdec *d = calloc(1, sizeof(*d));
	struct frun f = { .d = d };
	struct sim_world_params p;
	struct sim_world *w = NULL;
	struct trace_header h;
	uint8_t *data = NULL;
	size_t size;
	int ret = -1;

	err[0] = 0;
	trace_header_init(&h);
	if (strcmp(harness, "world")) {
		snprintf(err, errlen, "harness '%s' has no trace form (only 'world' has)", harness);
		goto out;
	}
	if (!d || read_input(input_path, &data, &size, err, errlen))
		goto out;
	if (size < 2) {
		snprintf(err, errlen, "%s: %zu byte(s): the harness runs nothing below 2",
			 input_path, size);
		goto out;
	}
	w = run_input(&f, data, size, o, &p, err, errlen);
	if (w && d->faults) {
		snprintf(err, errlen, "%s: the input injects %llu allocation failure(s), which a "
			 "trace cannot hold", input_path, (unsigned long long)d->faults);
		ret = -2;
		goto out;
	}
	if (!w || make_header(&h, &p, &f, o && o->name ? o->name : input_path, w)) {
		if (w)
			snprintf(err, errlen, "%s: cannot make the trace's header", input_path);
		goto out;
	}
	if (write_trace(out_path, &h, &f, err, errlen))
		goto out;
	ret = f.finding[0] ? 1 : 0;
	if (ret)
		snprintf(err, errlen, "%s", f.finding);
out:
	trace_header_release(&h);
	sim_world_destroy(w);
	free(f.items);
	free(f.keys);
	free(f.events);
	free(f.done);
	free(data);
	free(d);
	return ret;
}
