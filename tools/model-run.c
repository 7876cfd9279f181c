// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model: one grid point (see tools/model.h). A fresh deterministic
 * world runs the churn of bench_world_churn: every vCPU allocates a batch of
 * PASIDs through its VM's paravirtual path, then frees them, until it has
 * done --ops alloc/free pairs. Every figure is exact virtual time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "stats.h"

static int lat_add(struct lat *l, size_t cap, u64 ns)
{
	if (l->n == cap)
		return -1;
	l->v[l->n++] = ns;
	l->sum += ns;
	results_hist_add(&l->hist, ns);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Percentile (per mille: 500 = p50, 999 = p99.9) of sorted values: the one
 * definition of every command, the nearest rank (tools/stats.h).
 */
u64 lat_pct1000(const struct lat *l, unsigned int per_mille)
{
	return stats_pct_sorted((const uint64_t *)l->v, l->n, per_mille / 10.0);
}

double lat_mean(const struct lat *l)
{
	return l->n ? (double)l->sum / l->n : 0;
}

double lk_ratio(const struct lk *l)
{
	return l->acq ? (double)l->cont / l->acq : 0;
}

double pres_ops_per_vs(const struct pres *r)
{
	return r->end_ns ? r->ops * 1e9 / r->end_ns : 0;
}

/* ---- lockstat ------------------------------------------------------------------------ */

struct lock_acc {
	struct pres *r;
	bool host;
};

static void lk_add(struct lk *l, const struct sim_lockstat *st)
{
	l->acq += st->acquisitions;
	l->cont += st->contentions;
	l->wait += st->wait_total_ns;
}

/* Add @st to the class list under @name (the host's and every guest's apart). */
static void class_add(struct pres *r, const char *name, const struct sim_lockstat *st)
{
	struct lkclass *c = NULL;

	for (size_t i = 0; i < r->nclasses && !c; i++)
		if (!strcmp(r->classes[i].name, name))
			c = &r->classes[i];
	if (!c) {
		if (r->nclasses == MODEL_CLASSES)
			return;
		c = &r->classes[r->nclasses++];
		snprintf(c->name, sizeof(c->name), "%s", name);
		c->st = *st;
		c->st.name = c->name;
		return;
	}
	c->st.acquisitions += st->acquisitions;
	c->st.contentions += st->contentions;
	c->st.wait_total_ns += st->wait_total_ns;
	c->st.hold_total_ns += st->hold_total_ns;
	if (st->acquisitions && (st->hold_min_ns < c->st.hold_min_ns || !c->st.acquisitions))
		c->st.hold_min_ns = st->hold_min_ns;
	if (st->contentions && (st->wait_min_ns < c->st.wait_min_ns || !c->st.contentions))
		c->st.wait_min_ns = st->wait_min_ns;
	if (st->wait_max_ns > c->st.wait_max_ns)
		c->st.wait_max_ns = st->wait_max_ns;
	if (st->hold_max_ns > c->st.hold_max_ns)
		c->st.hold_max_ns = st->hold_max_ns;
}

static void acc_lock(const struct sim_lockstat *st, void *arg)
{
	struct lock_acc *a = arg;
	char name[80];

	snprintf(name, sizeof(name), "%s:%s", a->host ? "host" : "guest", st->name);
	class_add(a->r, name, st);
	lk_add(&a->r->lk_all, st);
	if (!a->host) {
		lk_add(&a->r->guests, st);
		return;
	}
	lk_add(&a->r->host_all, st);
	if (!strcmp(st->name, MODEL_ALLOC_LOCK))
		lk_add(&a->r->alloc_lock, st);
	else if (!strcmp(st->name, MODEL_VMM_LOCK))
		lk_add(&a->r->vmm_lock, st);
	else if (strlen(st->name) >= strlen(MODEL_XA_LOCK) &&
		 !strcmp(st->name + strlen(st->name) - strlen(MODEL_XA_LOCK), MODEL_XA_LOCK))
		/* "&xa->xa_lock", "<array>.xa_lock": the kernel's XArray classes */
		lk_add(&a->r->xa_lock, st);
}

/* Most waited-for first; ties by name. */
static int class_cmp(const void *a, const void *b)
{
	const struct lkclass *x = a, *y = b;

	if (x->st.wait_total_ns != y->st.wait_total_ns)
		return x->st.wait_total_ns > y->st.wait_total_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

void model_lockstat_add(struct pres *r, struct sim_kernel *k, bool host)
{
	struct lock_acc a = { r, host };

	sim_lockstat_foreach(k, acc_lock, &a);
}

void model_lockstat_sort(struct pres *r)
{
	qsort(r->classes, r->nclasses, sizeof(r->classes[0]), class_cmp);
}

/* ---- per-VM fairness and the serialising resource -------------------------------------------- */

/*
 * Shares of the operations completed while every VM was still busy (up to
 * the earliest time a VM did its last): min and max share, Jain's index
 * (sum x)^2 / (n sum x^2).
 */
static unsigned int fair_key(const struct sim_event *e, bool bare)
{
	return bare ? e->cpu : (unsigned int)e->vm;
}

static void fairness(struct pres *r, struct sim_world *w, unsigned int nvms, bool bare)
{
	u64 *last = calloc(nvms, sizeof(u64)), *done = calloc(nvms, sizeof(u64)), cut = ~0ull;
	double sum = 0, sq = 0;

	if (!last || !done)
		goto out;
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if ((bare || e->vm >= 0) && e->end_ns > last[fair_key(e, bare)])
			last[fair_key(e, bare)] = e->end_ns;
	}
	for (unsigned int v = 0; v < nvms; v++)
		if (last[v] < cut)
			cut = last[v];
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if ((bare || e->vm >= 0) && e->end_ns <= cut)
			done[fair_key(e, bare)]++;
	}
	for (unsigned int v = 0; v < nvms; v++) {
		sum += done[v];
		sq += (double)done[v] * done[v];
	}
	r->share_min = 1;
	r->share_max = 0;
	for (unsigned int v = 0; v < nvms && sum; v++) {
		double s = done[v] / sum;

		if (s < r->share_min)
			r->share_min = s;
		if (s > r->share_max)
			r->share_max = s;
	}
	r->jain = sq ? sum * sum / (nvms * sq) : 1;
out:
	free(last);
	free(done);
}

/* The lock (one lock, not a class) or host-CPU set with the highest utilisation. */
static void serialising(struct pres *r, struct sim_world *w)
{
	struct sim_sched *s = sim_world_sched(w);
	struct sim_hold_lock *sum;
	const struct sim_hold *log;
	u64 pbusy = 0;
	size_t n, nl;

	log = sim_sched_hold_log(s, &n);
	sum = calloc(n ? n : 1, sizeof(*sum));
	if (!sum || !r->end_ns)
		goto out;
	nl = sim_hold_summary(log, n, sum, n);
	for (size_t i = 0; i < nl; i++) {
		double u = (double)sum[i].hold_ns / r->end_ns;

		if (!strcmp(sum[i].name, "host CPUs")) {
			pbusy += sum[i].hold_ns;
			continue;
		}
		if (u > r->serial_util) {
			r->serial_util = u;
			snprintf(r->serial, sizeof(r->serial), "lock %s", sum[i].name);
		}
	}
	if (sim_sched_pcpus(s)) {
		double u = (double)pbusy / ((double)sim_sched_pcpus(s) * r->end_ns);

		if (u >= r->serial_util) {
			r->serial_util = u;
			snprintf(r->serial, sizeof(r->serial), "%u host CPUs", sim_sched_pcpus(s));
		}
	}
out:
	free(sum);
}

/* ---- running a point ----------------------------------------------------------------------- */

static struct sim_world *point_world(struct model *m, struct point *pt, bool variant)
{
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];

	sim_world_params_init(&p);
	/* lockstat counts the workload alone: no invariant walks between runs */
	p.checks = false;
	p.nvms = pt->vms;
	p.vcpus = pt->vcpus;
	if (!pt->vms)
		p.host_cpus = pt->vcpus;	/* bare metal: the host's CPUs churn */
	p.pcpus = pt->hcpus;
	p.path = strcmp(m->path, "virtio") ? SIM_WORLD_PATH_VTD : SIM_WORLD_PATH_VIRTIO;
	p.host_flavour = m->flavour;
	p.guest_flavour = m->flavour;
	p.seed = m->seed;
	p.quota = MODEL_QUOTA;
	p.cost = m->cost;
	p.hold_log = true;
	if (m->sweep_field[0])
		*sim_cost_field(&p.cost, m->sweep_field) = pt->sweep_val;
	if (variant && m->whatif_cost) {
		u64 *f = sim_cost_field(&p.cost, m->whatif_name);

		*f = (u64)(*f * m->whatif_factor + 0.5);
	}
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "model: %u VMs x %u vCPUs: cannot build the world: %s\n",
			pt->vms, pt->vcpus, err);
		return NULL;
	}
	if (variant && !m->whatif_cost)
		sim_sched_scale_lock(sim_world_sched(w), m->whatif_name, m->whatif_factor);
	/* Boot ran outside virtual time (wall-clock holds): count the run only. */
	for (int v = -1; v < (int)pt->vms; v++)
		sim_lockstat_reset(sim_world_kernel(w, v));
	return w;
}

/* The set bare-metal churns allocate in (the token only: its address). */
static struct ioasid_set model_set;

/*
 * One batch of allocations: through each VM's consumer on its vCPUs, or on
 * bare metal (no VMs) raw ioasid_alloc() on the host's CPUs.
 */
static void submit_allocs(const struct point *pt, struct sim_world *w, unsigned int batch)
{
	struct sim_op op = { .kind = SIM_OP_ALLOC, .a = 1, .b = IOMMU_PASID_DEFAULT_MAX };

	if (!pt->vms) {
		op.kind = SIM_OP_IOASID_ALLOC;
		op.set = &model_set;
		for (unsigned int c = 0; c < pt->vcpus; c++)
			for (unsigned int i = 0; i < batch; i++)
				sim_world_submit(w, SIM_WORLD_HOST, c, &op);
		return;
	}
	for (unsigned int vm = 0; vm < pt->vms; vm++)
		for (unsigned int c = 0; c < pt->vcpus; c++)
			for (unsigned int i = 0; i < batch; i++)
				sim_world_submit(w, vm, c, &op);
}

/* The churn; 0, or -1 (reported). */
static int churn(struct model *m, struct point *pt, struct sim_world *w)
{
	for (unsigned int done = 0; done < m->ops;) {
		unsigned int batch = m->ops - done < MODEL_BATCH ? m->ops - done : MODEL_BATCH;
		struct sim_op op = { .kind = pt->vms ? SIM_OP_FREE : SIM_OP_IOASID_FREE };
		size_t from = sim_world_nevents(w), mid;

		submit_allocs(pt, w, batch);
		if (sim_world_run(w) != SIM_SCHED_IDLE) {
			fprintf(stderr, "model: %u VMs x %u vCPUs: allocation run stopped: %s\n",
				pt->vms, pt->vcpus, sim_world_report(w));
			return -1;
		}
		mid = sim_world_nevents(w);
		for (size_t i = from; i < mid; i++) {
			const struct sim_event *e = sim_world_event(w, i);

			if (e->result) {
				fprintf(stderr, "model: %u VMs x %u vCPUs: allocation failed "
					"(vm %d, cpu %u): %d\n", pt->vms, pt->vcpus, e->vm, e->cpu,
					e->result);
				return -1;
			}
			op.a = e->value;
			sim_world_submit(w, e->vm, e->cpu, &op);
		}
		if (sim_world_run(w) != SIM_SCHED_IDLE) {
			fprintf(stderr, "model: %u VMs x %u vCPUs: free run stopped: %s\n",
				pt->vms, pt->vcpus, sim_world_report(w));
			return -1;
		}
		for (size_t i = mid; i < sim_world_nevents(w); i++)
			if (sim_world_event(w, i)->result) {
				fprintf(stderr, "model: %u VMs x %u vCPUs: free failed: %d\n",
					pt->vms, pt->vcpus, sim_world_event(w, i)->result);
				return -1;
			}
		done += batch;
	}
	return 0;
}

/* Latencies, the digest (baseline only), lockstat, split, fairness, the busiest resource. */
static int point_figures(struct model *m, struct point *pt, struct pres *r,
			 struct sim_world *w, bool variant)
{
	size_t n = sim_world_nevents(w);

	r->alloc.v = calloc(n ? n : 1, sizeof(u64));
	r->free.v = calloc(n ? n : 1, sizeof(u64));
	r->all.v = calloc(n ? n : 1, sizeof(u64));
	if (!r->alloc.v || !r->free.v || !r->all.v) {
		fprintf(stderr, "model: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct sim_event *e = sim_world_event(w, i);
		u64 lat = e->end_ns - e->start_ns;

		if (e->end_ns > r->end_ns)
			r->end_ns = e->end_ns;
		lat_add(e->kind == SIM_OP_ALLOC || e->kind == SIM_OP_IOASID_ALLOC ? &r->alloc : &r->free,
			n, lat);
		lat_add(&r->all, n, lat);
		if (variant)
			continue;
		results_digest_add(&m->digest, e->start_ns);
		results_digest_add(&m->digest, e->end_ns);
		results_digest_add(&m->digest, ((u64)(u32)e->vm << 32) | e->cpu);
		results_digest_add(&m->digest, ((u64)e->kind << 32) | (u32)e->result);
		results_digest_add(&m->digest, e->value);
	}
	r->ops = n;
	qsort(r->alloc.v, r->alloc.n, sizeof(u64), cmp_u64);
	qsort(r->free.v, r->free.n, sizeof(u64), cmp_u64);
	qsort(r->all.v, r->all.n, sizeof(u64), cmp_u64);
	for (int v = -1; v < (int)pt->vms; v++)
		model_lockstat_add(r, sim_world_kernel(w, v), v < 0);
	model_lockstat_sort(r);
	sim_sched_time_split(sim_world_sched(w), r->split);
	/* per VM; on bare metal, per host CPU */
	fairness(r, w, pt->vms ? pt->vms : pt->vcpus, !pt->vms);
	serialising(r, w);
	return 0;
}

/* The host lockstat rows into the results run ("vms4.vcpus2:host:<class>"). */
struct lock_rec {
	struct results_run *run;
	const struct point *pt;
};

static void rec_lock(const struct sim_lockstat *st, void *arg)
{
	struct lock_rec *lr = arg;
	char name[200];
	struct results_lockstat l = {
		.name = name, .acquisitions = st->acquisitions,
		.contentions = st->contentions, .wait_min_ns = st->wait_min_ns,
		.wait_max_ns = st->wait_max_ns, .wait_total_ns = st->wait_total_ns,
		.hold_min_ns = st->hold_min_ns, .hold_max_ns = st->hold_max_ns,
		.hold_total_ns = st->hold_total_ns,
	};

	snprintf(name, sizeof(name), "%s:host:%s", lr->pt->key, st->name);
	results_lockstat_add(lr->run, &l);
}

/* Build the world of @pt (the what-if variant if @variant), run, take figures. 0 or -1. */
int model_point_run(struct model *m, struct point *pt, bool variant)
{
	struct pres *r = variant ? &pt->what : &pt->base;
	struct sim_world *w = point_world(m, pt, variant);
	int ret = -1;

	if (!w)
		return -1;
	if (churn(m, pt, w))
		goto out;
	if (sim_world_findings(w, -1)) {
		fprintf(stderr, "model: %u VMs x %u vCPUs: findings:\n", pt->vms, pt->vcpus);
		for (int v = -1; v < (int)pt->vms; v++)
			sim_findings_print(sim_world_kernel(w, v), stderr);
		goto out;
	}
	if (point_figures(m, pt, r, w, variant))
		goto out;
	if (m->run && !variant) {
		struct lock_rec lr = { m->run, pt };

		sim_lockstat_foreach(sim_world_kernel(w, SIM_WORLD_HOST), rec_lock, &lr);
	}
	ret = 0;
out:
	sim_world_destroy(w);
	return ret;
}

void model_point_key(const struct model *m, struct point *pt)
{
	size_t l = snprintf(pt->key, sizeof(pt->key), "vms%u.vcpus%u", pt->vms, pt->vcpus);

	if (pt->hcpus)
		l += snprintf(pt->key + l, sizeof(pt->key) - l, ".hcpus%u", pt->hcpus);
	if (m->sweep_field[0])
		snprintf(pt->key + l, sizeof(pt->key) - l, ".%s%llu", m->sweep_field,
			 (unsigned long long)pt->sweep_val);
}

void model_point_free(struct point *pt)
{
	struct pres *rs[] = { &pt->base, &pt->what };

	for (int i = 0; i < 2; i++) {
		free(rs[i]->alloc.v);
		free(rs[i]->free.v);
		free(rs[i]->all.v);
	}
}
