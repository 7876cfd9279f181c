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
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "trace.h"

static const char *const gen_usage =
	"usage: pasidsim gen WORKLOAD [--bare-metal] [--vms=N] [--vcpus=N] [--consumers=N]\n"
	"                    [--ops=N] [--mix=A:F:S:W] [--range=MIN:MAX] [--seed=N] [-o OUT]\n\n"
	"WORKLOAD: churn, exhaustion, boot-storm, teardown, mixed.\n"
	"  --bare-metal   one host kernel (churn, exhaustion, mixed); default: VMs\n"
	"  --vms=N        VMs (default 4), --vcpus=N vCPUs per VM (default 2)\n"
	"  --consumers=N  consumers per kernel (default 2; boot-storm: one per vCPU)\n"
	"  --ops=N        operations (default 1000)\n"
	"  --mix=A:F:S:W  weights of alloc, free, find, for_each (default 40:40:17:3)\n"
	"  --range=MIN:MAX  allocation range (default 1:1048575; exhaustion 1:64)\n"
	"  --seed=N       seed (default 1)\n"
	"  -o OUT         write to OUT (default stdout)\n";

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

static int parse_u(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || !*s || *out > max ? -1 : 0;
}

int cmd_gen(int argc, char **argv)
{
	static const struct option options[] = {
		{ "bare-metal", no_argument, NULL, 'b' },
		{ "vms", required_argument, NULL, 'v' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "consumers", required_argument, NULL, 'n' },
		{ "ops", required_argument, NULL, 'O' },
		{ "mix", required_argument, NULL, 'm' },
		{ "range", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const workloads[] = {
		"churn", "exhaustion", "boot-storm", "teardown", "mixed",
	};
	struct gen g;
	unsigned long long v, seed = 1;
	const char *out = NULL, *wl;
	bool range_set = false, known = false;
	unsigned int nk;
	char meta[160];
	FILE *f;
	int opt, ret;

	memset(&g, 0, sizeof(g));
	g.nvms = 4;
	g.vcpus = 2;
	g.ncons = 2;
	g.ops = 1000;
	g.mix[0] = 40;
	g.mix[1] = 40;
	g.mix[2] = 17;
	g.mix[3] = 3;
	g.lo = 1;
	g.hi = 0xfffff;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			g.bare = true;
			break;
		case 'v':
			if (parse_u(optarg, TRACE_MAX_VMS, &v) || !v)
				goto bad;
			g.nvms = v;
			break;
		case 'c':
			if (parse_u(optarg, TRACE_MAX_CPUS, &v) || !v)
				goto bad;
			g.vcpus = v;
			break;
		case 'n':
			if (parse_u(optarg, 1024, &v) || !v)
				goto bad;
			g.ncons = v;
			break;
		case 'O':
			if (parse_u(optarg, 100000000, &v))
				goto bad;
			g.ops = v;
			break;
		case 'm':
			if (sscanf(optarg, "%u:%u:%u:%u", &g.mix[0], &g.mix[1], &g.mix[2],
				   &g.mix[3]) != 4 || g.mix[0] > 1000000 || g.mix[1] > 1000000 ||
			    g.mix[2] > 1000000 || g.mix[3] > 1000000 || !g.mix[0])
				goto bad;
			break;
		case 'r': {
			unsigned long long a, b;

			if (sscanf(optarg, "%llu:%llu", &a, &b) != 2 || a > b || b > UINT32_MAX)
				goto bad;
			g.lo = a;
			g.hi = b;
			range_set = true;
			break;
		}
		case 's':
			if (parse_u(optarg, UINT64_MAX, &seed))
				goto bad;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(gen_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			goto bad;
		}
	}
	if (optind + 1 != argc)
		goto bad;
	wl = argv[optind];
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		known |= !strcmp(wl, workloads[i]);
	if (!known) {
		fprintf(stderr, "gen: unknown workload '%s'\n", wl);
		goto bad;
	}
	if (g.bare && (!strcmp(wl, "boot-storm") || !strcmp(wl, "teardown"))) {
		fprintf(stderr, "gen: %s needs VMs (no --bare-metal)\n", wl);
		goto bad;
	}
	if (!range_set && !strcmp(wl, "exhaustion"))
		g.hi = 64;
	if (!strcmp(wl, "boot-storm"))
		g.ncons = g.vcpus;
	g.rng = seed;
	g.model = g.bare;
	trace_header_init(&g.h);
	g.h.seed = seed;
	if (!g.bare) {
		g.h.vcpus = g.vcpus;
		g.h.host_cpus = 4;
		if (trace_header_set_vms(&g.h, g.nvms))
			goto oom;
	} else {
		g.h.host_cpus = 4;
	}
	snprintf(meta, sizeof(meta), "pasidsim gen %s%s seed=%llu ops=%llu consumers=%u "
		 "vms=%u vcpus=%u mix=%u:%u:%u:%u range=%u:%u", wl, g.bare ? " --bare-metal" : "",
		 seed, g.ops, g.ncons, g.bare ? 0 : g.nvms, g.bare ? 0 : g.vcpus, g.mix[0],
		 g.mix[1], g.mix[2], g.mix[3], g.lo, g.hi);
	if (trace_header_add_meta(&g.h, "generator", meta))
		goto oom;
	nk = 1 + (g.bare ? 0 : g.nvms);
	g.k = calloc(nk, sizeof(*g.k));
	g.kcons = calloc(nk, sizeof(*g.kcons));
	g.next_name = calloc(nk, sizeof(*g.next_name));
	g.dead = calloc(g.nvms, 1);
	if (!g.k || !g.kcons || !g.next_name || !g.dead)
		goto oom;
	for (unsigned int i = 0; i < nk; i++) {
		g.kcons[i] = g.ncons;
		g.k[i] = calloc(g.ncons, sizeof(**g.k));
		if (!g.k[i])
			goto oom;
		for (unsigned int c = 0; c < g.ncons; c++)
			snprintf(g.k[i][c].name, sizeof(g.k[i][c].name), "c%u", c);
	}
	if (g.model) {
		g.space = calloc(MODEL_SPACE, 1);
		if (!g.space)
			goto oom;
	}
	f = out && strcmp(out, "-") ? fopen(out, "w") : stdout;
	if (!f) {
		perror(out);
		return PASIDSIM_EXIT_USAGE;
	}
	ret = trace_writer_start(&g.w, f, &g.h);
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
	if (f != stdout && fclose(f) && !ret)
		ret = -EIO;
	for (unsigned int i = 0; i < nk; i++) {
		for (unsigned int c = 0; c < g.ncons; c++) {
			free(g.k[i][c].held);
			free(g.k[i][c].held_id);
		}
		free(g.k[i]);
	}
	free(g.k);
	free(g.kcons);
	free(g.next_name);
	free(g.dead);
	free(g.space);
	trace_header_release(&g.h);
	if (ret) {
		fprintf(stderr, "gen: cannot write the trace: %s\n", strerror(-ret));
		return PASIDSIM_EXIT_USAGE;
	}
	return PASIDSIM_EXIT_OK;
oom:
	fprintf(stderr, "gen: out of memory\n");
	return PASIDSIM_EXIT_USAGE;
bad:
	fputs(gen_usage, stderr);
	return PASIDSIM_EXIT_USAGE;
}
