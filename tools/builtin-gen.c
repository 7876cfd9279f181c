// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim gen: deterministic synthetic workloads, written as traces.
 *
 * Same arguments and seed, same bytes. Bare-metal workloads carry recorded
 * results from a reference model of the system-wide allocator (lowest free
 * ID first, one space shared by every consumer), so their replays check
 * themselves; multi-VM workloads name their PASIDs with id= and record no
 * results (the outcome depends on the world: quotas, the paravirtual path).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim/world.h>

#include "builtin.h"
#include "opt.h"
#include "outfile.h"
#include "trace.h"

static const char gen_about[] =
	"Writes a deterministic synthetic workload as a trace: same options and seed,\n"
	"same bytes. WORKLOAD: churn, exhaustion, boot-storm, teardown, mixed.\n";

static const char gen_footer[] =
	"Exit status: 0 written, 2 usage or output error (the output is not created).\n";

#define MODEL_SPACE	(1u << 20)

struct gk_consumer {
	char name[16];
	char (*held)[16];	/* PASID names */
	uint32_t *held_id;	/* model IDs (bare metal) */
	unsigned int nheld, cap;
	bool live;
};

struct gen {
	struct trace_writer w;
	struct trace_header h;
	uint64_t rng, now;
	bool bare, model;
	unsigned int ncons, nvms, vcpus;
	unsigned int mix[4];
	uint32_t lo, hi;
	unsigned long long ops, emitted;
	/* per kernel (index 0 host, 1.. VMs) */
	struct gk_consumer **k;
	unsigned int *kcons;
	unsigned long *next_name;
	bool *dead;
	uint8_t *space;		/* model: 1 = allocated (bare metal) */
	int err;
};

static uint64_t rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(struct gen *g, unsigned int n)
{
	return n ? rnd(g) % n : 0;
}

static void emit(struct gen *g, struct trace_event *ev)
{
	int e;

	g->now += 100 + below(g, 900);
	ev->time = g->now;
	e = trace_write_event(&g->w, ev);
	if (e && !g->err)
		g->err = e;
	g->emitted++;
}

static struct trace_event base(int kernel, unsigned int cpu, enum trace_op op)
{
	struct trace_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kernel = kernel;
	ev.cpu = cpu;
	ev.op = op;
	return ev;
}

static unsigned int kcpus(struct gen *g, int kernel)
{
	return kernel < 0 ? g->h.host_cpus : g->vcpus;
}

static void do_init(struct gen *g, int kernel, struct gk_consumer *c)
{
	struct trace_event ev = base(kernel, below(g, kcpus(g, kernel)), TRACE_PASID_INIT);

	ev.c = c->name;
	if (g->model) {
		ev.res = TRACE_RES_ERRNO;
		ev.res_val = 0;
	}
	emit(g, &ev);
	c->live = true;
}

static void do_alloc(struct gen *g, int kernel, struct gk_consumer *c)
{
	struct trace_event ev = base(kernel, below(g, kcpus(g, kernel)), TRACE_PASID_ALLOC);
	char name[16];

	ev.c = c->name;
	ev.min = g->lo;
	ev.max = g->hi;
	ev.priv = c->name;	/* private data: a token named after the consumer */
	if (c->nheld == c->cap) {
		unsigned int ncap = c->cap ? c->cap * 2 : 16;

		c->held = realloc(c->held, ncap * sizeof(*c->held));
		c->held_id = realloc(c->held_id, ncap * sizeof(*c->held_id));
		if (!c->held || !c->held_id) {
			g->err = -ENOMEM;
			return;
		}
		c->cap = ncap;
	}
	if (g->model) {
		uint32_t lo = g->lo ? g->lo : 1, hi = g->hi < MODEL_SPACE - 1 ? g->hi :
						      MODEL_SPACE - 1, id;

		for (id = lo; id <= hi && g->space[id]; id++)
			;
		if (id > hi) {
			ev.res = TRACE_RES_ERRNO;
			ev.res_val = lo > hi ? -EINVAL : -ENOSPC;
			emit(g, &ev);
			return;
		}
		g->space[id] = 1;
		snprintf(name, sizeof(name), "%u", id);
		ev.res = TRACE_RES_ID;
		ev.res_name = name;
		c->held_id[c->nheld] = id;
	} else {
		snprintf(name, sizeof(name), "p%lu", g->next_name[kernel + 1]++);
		ev.id = name;
	}
	emit(g, &ev);
	memcpy(c->held[c->nheld++], name, sizeof(name));
}

static void do_free(struct gen *g, int kernel, struct gk_consumer *c)
{
	struct trace_event ev = base(kernel, below(g, kcpus(g, kernel)), TRACE_PASID_FREE);
	unsigned int i = below(g, c->nheld);

	ev.c = c->name;
	ev.id = c->held[i];
	if (g->model) {
		ev.res = TRACE_RES_ERRNO;
		ev.res_val = 0;
		g->space[c->held_id[i]] = 0;
	}
	emit(g, &ev);
	c->nheld--;
	memcpy(c->held[i], c->held[c->nheld], sizeof(c->held[i]));
	if (g->model)
		c->held_id[i] = c->held_id[c->nheld];
}

static void do_find(struct gen *g, int kernel, struct gk_consumer *c, struct gk_consumer *other)
{
	struct trace_event ev = base(kernel, below(g, kcpus(g, kernel)), TRACE_PASID_FIND);

	ev.c = c->name;
	ev.id = other->held[below(g, other->nheld)];
	if (g->model) {
		if (c == other) {
			ev.res = TRACE_RES_TOKEN;
			ev.res_name = c->name;
		} else {
			ev.res = TRACE_RES_ERRNO;
			ev.res_val = -EACCES;
		}
	}
	emit(g, &ev);
}

static void do_walk(struct gen *g, int kernel, struct gk_consumer *c)
{
	struct trace_event ev = base(kernel, below(g, kcpus(g, kernel)), TRACE_PASID_FOR_EACH);

	ev.c = c->name;
	if (g->model) {
		ev.res = TRACE_RES_COUNT;
		ev.res_val = c->nheld;
	}
	emit(g, &ev);
}

static void do_exit(struct gen *g, int kernel, struct gk_consumer *c)
{
	struct trace_event ev = base(kernel, below(g, kcpus(g, kernel)), TRACE_PASID_EXIT);

	ev.c = c->name;
	emit(g, &ev);
	if (g->model)
		for (unsigned int i = 0; i < c->nheld; i++)
			g->space[c->held_id[i]] = 0;
	c->nheld = 0;
	c->live = false;
}

/* One random API step in @kernel. */
static void step(struct gen *g, int kernel)
{
	unsigned int n = g->kcons[kernel + 1];
	struct gk_consumer *cs = g->k[kernel + 1], *c = &cs[below(g, n)], *o;
	unsigned int total = g->mix[0] + g->mix[1] + g->mix[2] + g->mix[3];
	unsigned int d = below(g, total ? total : 1);

	if (!c->live) {
		do_init(g, kernel, c);
		return;
	}
	if (d < g->mix[0] || !c->nheld) {
		do_alloc(g, kernel, c);
	} else if (d < g->mix[0] + g->mix[1]) {
		do_free(g, kernel, c);
	} else if (d < g->mix[0] + g->mix[1] + g->mix[2]) {
		o = &cs[below(g, n)];
		do_find(g, kernel, c, o->nheld && o->live ? o : c);
	} else {
		do_walk(g, kernel, c);
	}
}

static int live_vm(struct gen *g)
{
	unsigned int start = below(g, g->nvms);

	for (unsigned int i = 0; i < g->nvms; i++) {
		unsigned int v = (start + i) % g->nvms;

		if (!g->dead[v])
			return v;
	}
	return -1;
}

static void vm_destroy(struct gen *g, int v)
{
	struct trace_event ev = base(v, 0, TRACE_VM_DESTROY);

	emit(g, &ev);
	g->dead[v] = true;
	for (unsigned int i = 0; i < g->kcons[v + 1]; i++) {
		g->k[v + 1][i].nheld = 0;
		g->k[v + 1][i].live = false;
	}
}

static void run(struct gen *g, const char *workload)
{
	if (!strcmp(workload, "churn")) {
		for (unsigned long long i = 0; i < g->ops && !g->err; i++)
			step(g, g->bare ? TRACE_HOST : live_vm(g));
	} else if (!strcmp(workload, "exhaustion")) {
		/* fill the range, overshoot, free some, refill */
		for (unsigned long long i = 0; i < g->ops && !g->err; i++) {
			int k = g->bare ? TRACE_HOST : live_vm(g);
			struct gk_consumer *c = &g->k[k + 1][below(g, g->kcons[k + 1])];

			if (!c->live)
				do_init(g, k, c);
			else if (c->nheld && below(g, 100) < 10)
				do_free(g, k, c);
			else
				do_alloc(g, k, c);
		}
	} else if (!strcmp(workload, "boot-storm")) {
		unsigned long long per = g->ops / (g->nvms * g->vcpus) + 1;

		for (unsigned int v = 0; v < g->nvms; v++) {
			struct trace_event ev = base(v, 0, TRACE_VM_BOOT);

			emit(g, &ev);
		}
		for (unsigned long long r = 0; r < per && !g->err; r++)
			for (unsigned int v = 0; v < g->nvms; v++)
				for (unsigned int c = 0; c < g->vcpus; c++) {
					struct gk_consumer *gc = &g->k[v + 1][c];

					if (!gc->live)
						do_init(g, v, gc);
					else
						do_alloc(g, v, gc);
				}
	} else if (!strcmp(workload, "teardown")) {
		unsigned long long i;

		for (i = 0; i < g->ops * 3 / 4 && !g->err; i++) {
			int v = live_vm(g);
			struct gk_consumer *c = &g->k[v + 1][below(g, g->kcons[v + 1])];

			if (!c->live)
				do_init(g, v, c);
			else
				do_alloc(g, v, c);
		}
		/* tear half the VMs down with their PASIDs outstanding, churn the rest */
		for (unsigned int v = 0; v < g->nvms; v += 2)
			vm_destroy(g, v);
		for (; i < g->ops && !g->err && live_vm(g) >= 0; i++)
			step(g, live_vm(g));
	} else {	/* mixed */
		for (unsigned long long i = 0; i < g->ops && !g->err; i++) {
			unsigned int d = below(g, 1000);
			int k = g->bare ? TRACE_HOST : live_vm(g);

			if (!g->bare && k < 0)
				break;
			if (!g->bare && d < 3 && g->nvms > 1) {
				vm_destroy(g, k);
			} else if (!g->bare && d < 6) {
				struct trace_event ev = base(k, below(g, g->vcpus), TRACE_MMIO_WRITE);

				ev.viommu = 0;
				ev.off = g->h.vtd_version == TRACE_VTD_3_3 ? 0xe00 : 0xe10;
				ev.val = rnd(g) & 0xffffffffff;
				ev.width = 8;
				emit(g, &ev);
			} else {
				step(g, k);
			}
		}
	}
}

static int mix_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	unsigned int *mix = o->value;
	uint64_t v[4];
	const char *p = arg;
	int n;

	for (n = 0; n < 4; n++) {
		const char *e = n < 3 ? strchr(p, ':') : p + strlen(p);
		char part[24];

		if (!e || (size_t)(e - p) >= sizeof(part))
			break;
		memcpy(part, p, e - p);
		part[e - p] = '\0';
		if (opt_parse_u64(part, 0, 1000000, &v[n]))
			break;
		p = e + 1;
	}
	if (n < 4 || !v[0]) {
		snprintf(err, len, "expected A:F:S:W, four weights from 0 to 1000000, A above 0");
		return -1;
	}
	for (n = 0; n < 4; n++)
		mix[n] = v[n];
	return 0;
}

static int range_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	uint32_t *r = o->value;
	const char *colon = strchr(arg, ':');
	char lo[32];
	uint64_t a, b;

	if (!colon || (size_t)(colon - arg) >= sizeof(lo))
		goto bad;
	memcpy(lo, arg, colon - arg);
	lo[colon - arg] = '\0';
	if (opt_parse_u64(lo, 0, UINT32_MAX, &a) || opt_parse_u64(colon + 1, 0, UINT32_MAX, &b))
		goto bad;
	if (a > b) {
		snprintf(err, len, "expected MIN:MAX with MIN <= MAX");
		return -1;
	}
	r[0] = a;
	r[1] = b;
	r[2] = 1;	/* set */
	return 0;
bad:
	snprintf(err, len, "expected MIN:MAX, two integers from 0 to 4294967295");
	return -1;
}

static const char *const workloads[] = {
	"churn", "exhaustion", "boot-storm", "teardown", "mixed", NULL,
};

/* Options that contradict each other or the workload: 0, or -1 (reported). */
static int gen_check(struct gen *g, const char *wl, unsigned int vms, unsigned int vcpus,
		     const uint32_t *range)
{
	const char *bad = NULL;

	if (g->bare && vms)
		bad = "--vms";
	else if (g->bare && vcpus)
		bad = "--vcpus";
	if (bad) {
		fprintf(stderr, "pasidsim gen: %s: a --bare-metal workload has no VMs\n", bad);
		return -1;
	}
	if (g->bare && (!strcmp(wl, "boot-storm") || !strcmp(wl, "teardown"))) {
		fprintf(stderr, "pasidsim gen: %s needs VMs (no --bare-metal)\n", wl);
		return -1;
	}
	g->nvms = vms ? vms : 4;
	g->vcpus = vcpus ? vcpus : 2;
	if (range[2]) {
		g->lo = range[0];
		g->hi = range[1];
	} else if (!strcmp(wl, "exhaustion")) {
		g->hi = 64;
	}
	if (!strcmp(wl, "boot-storm"))
		g->ncons = g->vcpus;
	return 0;
}

static void gen_free(struct gen *g, unsigned int nk)
{
	for (unsigned int i = 0; g->k && i < nk; i++) {
		for (unsigned int c = 0; g->k[i] && c < g->ncons; c++) {
			free(g->k[i][c].held);
			free(g->k[i][c].held_id);
		}
		free(g->k[i]);
	}
	free(g->k);
	free(g->kcons);
	free(g->next_name);
	free(g->dead);
	free(g->space);
	trace_header_release(&g->h);
}

/* The header and the per-kernel state: 0, or -1 out of memory. */
static int gen_setup(struct gen *g, const char *wl, uint64_t seed, unsigned int nk)
{
	char meta[200];

	g->rng = seed;
	g->model = g->bare;
	g->h.seed = seed;
	g->h.host_cpus = 4;
	if (!g->bare) {
		g->h.vcpus = g->vcpus;
		if (trace_header_set_vms(&g->h, g->nvms))
			return -1;
	}
	snprintf(meta, sizeof(meta), "pasidsim gen %s%s seed=%llu ops=%llu consumers=%u "
		 "vms=%u vcpus=%u mix=%u:%u:%u:%u range=%u:%u", wl, g->bare ? " --bare-metal" : "",
		 (unsigned long long)seed, g->ops, g->ncons, g->bare ? 0 : g->nvms,
		 g->bare ? 0 : g->vcpus, g->mix[0], g->mix[1], g->mix[2], g->mix[3], g->lo, g->hi);
	if (trace_header_add_meta(&g->h, "generator", meta))
		return -1;
	g->k = calloc(nk, sizeof(*g->k));
	g->kcons = calloc(nk, sizeof(*g->kcons));
	g->next_name = calloc(nk, sizeof(*g->next_name));
	g->dead = calloc(g->nvms, 1);
	if (!g->k || !g->kcons || !g->next_name || !g->dead)
		return -1;
	for (unsigned int i = 0; i < nk; i++) {
		g->kcons[i] = g->ncons;
		g->k[i] = calloc(g->ncons, sizeof(**g->k));
		if (!g->k[i])
			return -1;
		for (unsigned int c = 0; c < g->ncons; c++)
			snprintf(g->k[i][c].name, sizeof(g->k[i][c].name), "c%u", c);
	}
	if (g->model) {
		g->space = calloc(MODEL_SPACE, 1);
		if (!g->space)
			return -1;
	}
	return 0;
}

int cmd_gen(int argc, char **argv)
{
	struct gen g = {
		.ncons = 2, .ops = 1000, .mix = { 40, 40, 17, 3 }, .lo = 1, .hi = 0xfffff,
	};
	unsigned int vms = 0, vcpus = 0, nk;
	uint32_t range[3] = { 0 };
	uint64_t seed = 1;
	const char *out = "-", *wl;
	struct outfile of;
	char err[1024];
	int ret, n;
	const struct opt opts[] = {
		OPT_BOOLEAN(0, "bare-metal", &g.bare,
			    "one host kernel (churn, exhaustion, mixed); default: VMs"),
		OPT_UNSIGNED(0, "vms", &vms, 1, SIM_WORLD_MAX_VMS, "N", "VMs (default 4)"),
		OPT_UNSIGNED(0, "vcpus", &vcpus, 1, TRACE_MAX_CPUS, "N",
			     "vCPUs per VM (default 2)"),
		OPT_UNSIGNED(0, "consumers", &g.ncons, 1, 1024, "N",
			     "consumers per kernel (default 2; boot-storm: one per vCPU)"),
		OPT_UNSIGNED64(0, "ops", &g.ops, 0, 100000000, "N", "operations (default 1000)"),
		OPT_CB(0, "mix", g.mix, mix_cb, "A:F:S:W",
		       "weights of alloc, free, find, for_each (default 40:40:17:3)"),
		OPT_CB(0, "range", range, range_cb, "MIN:MAX",
		       "allocation range (default 1:1048575; exhaustion 1:64)"),
		OPT_UNSIGNED64(0, "seed", &seed, 0, UINT64_MAX, "N", "seed (default 1)"),
		OPT_OUTPUT(&out, "write the trace to FILE ('-': standard output, the default)"),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"gen", "[options] WORKLOAD", gen_about, gen_footer, 1, 1,
	};

	n = opt_parse(&cmd, opts, argc, argv);
	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	wl = argv[1];
	for (n = 0; workloads[n] && strcmp(wl, workloads[n]); n++)
		;
	if (!workloads[n]) {
		fprintf(stderr, "pasidsim gen: unknown workload '%s' (expected churn, exhaustion, "
			"boot-storm, teardown or mixed)\n", wl);
		return PASIDSIM_EXIT_USAGE;
	}
	if (gen_check(&g, wl, vms, vcpus, range))
		return PASIDSIM_EXIT_USAGE;
	trace_header_init(&g.h);
	nk = 1 + (g.bare ? 0 : g.nvms);
	if (gen_setup(&g, wl, seed, nk)) {
		fprintf(stderr, "pasidsim gen: out of memory\n");
		gen_free(&g, nk);
		return PASIDSIM_EXIT_USAGE;
	}
	if (outfile_open(&of, out, err, sizeof(err))) {
		fprintf(stderr, "pasidsim gen: -o %s\n", err);
		gen_free(&g, nk);
		return PASIDSIM_EXIT_USAGE;
	}
	ret = trace_writer_start(&g.w, of.f, &g.h);
	if (!ret) {
		run(&g, wl);
		/* bare metal: every consumer exits at the end (a clean teardown) */
		for (unsigned int c = 0; g.bare && c < g.ncons; c++)
			if (g.k[0][c].live)
				do_exit(&g, TRACE_HOST, &g.k[0][c]);
		ret = trace_writer_finish(&g.w);
	}
	if (!ret)
		ret = g.err;
	gen_free(&g, nk);
	if (ret) {
		fprintf(stderr, "pasidsim gen: cannot write the trace: %s\n", strerror(-ret));
		outfile_abort(&of);
		return PASIDSIM_EXIT_USAGE;
	}
	if (outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "pasidsim gen: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	return PASIDSIM_EXIT_OK;
}
