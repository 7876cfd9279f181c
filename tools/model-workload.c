// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model --workload: instead of the built-in churn, each grid point
 * replays a trace in a world through the replay engine (tools/replay.h):
 * a "pasidsim gen" workload generated for the point's VMs x vCPUs, or a
 * trace file (its own VMs x vCPUs: one point). The engine builds the world
 * from the trace, so per point this mode reports throughput, latency
 * percentiles, per-VM fairness and lock contention per class (acquisitions,
 * contentions, waits); hold times (boot runs outside virtual time), the
 * time split, host CPUs and the serialising resource need the built-in
 * churn. Results are not checked against the trace (a model, not a replay).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "model.h"
#include "replay.h"
#include "trace.h"

static const char *const gen_workloads[] = {
	"churn", "exhaustion", "boot-storm", "teardown", "mixed",
};

bool model_workload_is_gen(const char *w)
{
	for (size_t i = 0; i < sizeof(gen_workloads) / sizeof(gen_workloads[0]); i++)
		if (!strcmp(w, gen_workloads[i]))
			return true;
	return false;
}

struct wl_acc {
	struct model *m;
	struct pres *r;
	bool variant;
	u64 *last, *done;	/* per VM: last end, ops (two passes: see fairness) */
	unsigned int nvms;
	size_t cap;
	u64 *ends;		/* every op's (vm, end) for the fairness cut */
	int *vms;
	size_t nends;
};

static void wl_lat_add(struct lat *l, u64 ns)
{
	u64 *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return;
	l->v = v;
	l->v[l->n++] = ns;
	l->sum += ns;
	results_hist_add(&l->hist, ns);
}

static void wl_op(void *arg, const struct replay_op *op)
{
	struct wl_acc *a = arg;
	u64 lat;

	if (!op->timed)
		return;
	lat = op->end_ns - op->start_ns;
	wl_lat_add(&a->r->all, lat);
	if (op->op == TRACE_PASID_ALLOC)
		wl_lat_add(&a->r->alloc, lat);
	else if (op->op == TRACE_PASID_FREE)
		wl_lat_add(&a->r->free, lat);
	if (op->kernel >= 0 && a->nends < a->cap) {
		a->ends[a->nends] = op->end_ns;
		a->vms[a->nends++] = op->kernel;
	}
	if (!a->variant) {
		results_digest_add(&a->m->digest, op->start_ns);
		results_digest_add(&a->m->digest, op->end_ns);
		results_digest_add(&a->m->digest, ((u64)(u32)op->kernel << 32) | (u32)op->op);
		results_digest_add(&a->m->digest, (u64)op->val);
	}
}

static void wl_kernel(void *arg, const char *name, struct sim_kernel *k)
{
	struct wl_acc *a = arg;

	model_lockstat_add(a->r, k, !strcmp(name, "host"));
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Shares of the ops completed while every VM that did any was still busy. */
static void wl_fairness(struct wl_acc *a)
{
	u64 *last = calloc(a->nvms ? a->nvms : 1, sizeof(u64));
	u64 *done = calloc(a->nvms ? a->nvms : 1, sizeof(u64)), cut = ~0ull;
	unsigned int active = 0;
	double sum = 0, sq = 0;

	a->r->share_min = a->r->share_max = a->r->jain = 1;
	if (!last || !done)
		goto out;
	for (size_t i = 0; i < a->nends; i++)
		if ((unsigned int)a->vms[i] < a->nvms && a->ends[i] > last[a->vms[i]])
			last[a->vms[i]] = a->ends[i];
	for (unsigned int v = 0; v < a->nvms; v++)
		if (last[v] && last[v] < cut)
			cut = last[v];
	for (size_t i = 0; i < a->nends; i++)
		if ((unsigned int)a->vms[i] < a->nvms && a->ends[i] <= cut)
			done[a->vms[i]]++;
	for (unsigned int v = 0; v < a->nvms; v++)
		if (last[v]) {
			active++;
			sum += done[v];
			sq += (double)done[v] * done[v];
		}
	if (!sum)
		goto out;
	a->r->share_min = 1;
	a->r->share_max = 0;
	for (unsigned int v = 0; v < a->nvms; v++) {
		if (!last[v])
			continue;
		if (done[v] / sum < a->r->share_min)
			a->r->share_min = done[v] / sum;
		if (done[v] / sum > a->r->share_max)
			a->r->share_max = done[v] / sum;
	}
	a->r->jain = sum * sum / (active * sq);
out:
	free(last);
	free(done);
}

/* Generate the point's gen workload into @path. 0 or -1. */
static int wl_gen(const struct model *m, const struct point *pt, const char *path)
{
	char vms[32], vcpus[32], ops[32], seed[48];
	char *argv[] = { "gen", (char *)m->workload, vms, vcpus, ops, seed, "-o", (char *)path,
			 NULL };

	snprintf(vms, sizeof(vms), "--vms=%u", pt->vms);
	snprintf(vcpus, sizeof(vcpus), "--vcpus=%u", pt->vcpus);
	snprintf(ops, sizeof(ops), "--ops=%llu", (unsigned long long)m->ops * pt->vms * pt->vcpus);
	snprintf(seed, sizeof(seed), "--seed=%llu", (unsigned long long)m->seed);
	return cmd_gen(8, argv) ? -1 : 0;
}

int model_workload_point(struct model *m, struct point *pt, bool variant)
{
	struct pres *r = variant ? &pt->what : &pt->base;
	char tmp[] = "/tmp/pasidsim-model-XXXXXX", cost[512];
	const char *path = m->workload;
	struct replay_opts o;
	struct replay_stats st;
	struct wl_acc a = { m, r, variant };
	int rc, ret = -1, fd = -1;

	snprintf(cost, sizeof(cost), "%s", m->cost_spec);
	if (m->sweep_field[0]) {
		size_t l = strlen(cost);

		snprintf(cost + l, sizeof(cost) - l, "%s%s=%llu", l ? "," : "", m->sweep_field,
			 (unsigned long long)pt->sweep_val);
	}
	if (variant && m->whatif_cost) {
		struct sim_cost_model c = m->cost;

		if (m->sweep_field[0])
			*sim_cost_field(&c, m->sweep_field) = pt->sweep_val;
		u64 *f = sim_cost_field(&c, m->whatif_name);
		size_t l = strlen(cost);

		snprintf(cost + l, sizeof(cost) - l, "%s%s=%llu", l ? "," : "", m->whatif_name,
			 (unsigned long long)(*f * m->whatif_factor + 0.5));
	}
	if (model_workload_is_gen(m->workload)) {
		fd = mkstemp(tmp);
		if (fd < 0 || wl_gen(m, pt, tmp)) {
			fprintf(stderr, "model: cannot generate workload %s\n", m->workload);
			goto out;
		}
		path = tmp;
	}
	a.nvms = SIM_WORLD_MAX_VMS;
	a.cap = 1u << 22;
	a.ends = calloc(a.cap, sizeof(u64));
	a.vms = calloc(a.cap, sizeof(int));
	if (!a.ends || !a.vms)
		goto out;
	replay_opts_init(&o);
	o.check = false;
	o.flavour = m->flavour;
	o.cost = cost[0] ? cost : NULL;
	o.on_op = wl_op;
	o.on_kernel = wl_kernel;
	o.hook_arg = &a;
	o.msg = stderr;
	memset(&st, 0, sizeof(st));
	rc = replay_file(path, &o, &st);
	if (rc == PASIDSIM_EXIT_USAGE || !st.world) {
		fprintf(stderr, "model: %s: %s\n", m->workload,
			st.error[0] ? st.error : "not a multi-VM trace (a world is needed)");
		goto out;
	}
	r->ops = r->all.n;
	r->end_ns = st.virtual_ns;
	qsort(r->alloc.v, r->alloc.n, sizeof(u64), cmp_u64);
	qsort(r->free.v, r->free.n, sizeof(u64), cmp_u64);
	qsort(r->all.v, r->all.n, sizeof(u64), cmp_u64);
	model_lockstat_sort(r);
	wl_fairness(&a);
	snprintf(r->serial, sizeof(r->serial), "-");
	ret = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(a.ends);
	free(a.vms);
	return ret;
}
