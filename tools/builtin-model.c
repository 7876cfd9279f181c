// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model: a contention sweep in virtual time (docs/world.md,
 * "Modelling contention").
 *
 * For every point of a grid of world sizes (VMs x vCPUs) a fresh
 * deterministic world runs the same churn as bench_world_churn: each vCPU
 * allocates a batch of PASIDs through its VM's paravirtual path, then frees
 * them, until it has done --ops alloc/free pairs. The figures are exact
 * virtual-time ones (latencies, throughput per virtual second, lockstat of
 * the host instance and the guests), so the same arguments print the same
 * bytes, and the run recorded into the results store (command "model") is
 * gated exactly by "pasidsim compare".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sim/cost.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "builtin.h"
#include "results.h"

#define MODEL_MAX_LIST		32
#define MODEL_MAX_VCPUS		64
#define MODEL_BATCH		8	/* allocations per vCPU before they are freed */
#define MODEL_QUOTA		100000
/* The lock classes reported by name (in the host instance). */
#define MODEL_ALLOC_LOCK	"ioasid_allocator_lock"
#define MODEL_VMM_LOCK		"&vmm->lock"
#define MODEL_XA_LOCK		"xa_lock"

static const char *const model_usage =
	"usage: pasidsim model [--vms=LIST] [--vcpus=LIST] [--ops=N] [--path=vtd|virtio]\n"
	"                      [--host-cpus=N] [--flavour=pasidsim|linux-6.1]\n"
	"                      [--cost=FIELD=NS,...] [--seed=N] [--json]\n"
	"                      [--db=FILE | --no-db]\n\n"
	"Sweeps a grid of world sizes (every VMs x vCPUs pair) and reports how virtual-time\n"
	"latency and lock contention scale. At each point a fresh world runs a churn: every\n"
	"vCPU allocates up to 8 PASIDs through its VM's vIOMMU and the VMM to the host,\n"
	"then frees them, until it has done N alloc/free pairs. Every figure is exact\n"
	"virtual time (cost model docs/cost-model.md): the same arguments print the same\n"
	"bytes.\n"
	"  --vms=LIST       VMs per world, comma-separated (default 1,2,4,8)\n"
	"  --vcpus=LIST     vCPUs per VM (default 1,2,4)\n"
	"  --ops=N          alloc/free pairs per vCPU (default 100)\n"
	"  --path=P         vtd (VT-d virtual commands, default) or virtio\n"
	"  --host-cpus=N    host CPUs (default 1)\n"
	"  --flavour=NAME   allocator of the host and every guest: pasidsim (default) or\n"
	"                   linux-6.1\n"
	"  --cost=F=NS,...  cost-model overrides (e.g. vmm_handle_ns=1500,lock_handoff_ns=200)\n"
	"  --seed=N         scheduler tie-breaks (default 1)\n"
	"  --json           print a JSON document instead of the table\n"
	"  --db=FILE        record the sweep into FILE (default $PASIDSIM_DB, else\n"
	"                   ./" RESULTS_DEFAULT_DB "); --no-db: do not record\n"
	"Exit: 0 ok, 1 a world did not complete (deadlock, panic, failed allocation,\n"
	"finding) or the run could not be recorded, 2 usage.\n";

struct lk {
	u64 acq, cont, wait;
};

struct lat {
	u64 *v;
	size_t n;
	u64 sum;
	struct results_hist hist;
};

struct point {
	unsigned int vms, vcpus;
	u64 ops, end_ns;
	struct lat alloc, free;
	struct lk alloc_lock, vmm_lock, xa_lock, host_all, guests, all;
};

struct model {
	unsigned int vms[MODEL_MAX_LIST], nvms;
	unsigned int vcpus[MODEL_MAX_LIST], nvcpus;
	unsigned int ops, host_cpus;
	const char *path, *flavour, *cost_spec;
	struct sim_cost_model cost;
	char cost_name[256];
	u64 seed;
	struct point *pts;
	size_t npts;
	struct results_digest digest;
	struct results_run *run;	/* NULL: --no-db */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* "1,2,4" into @out: values in [1, max], at most MODEL_MAX_LIST. 0 or -1. */
static int parse_list(const char *s, unsigned int max, unsigned int *out, unsigned int *n)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		unsigned long v;
		char *end;

		if (*p < '0' || *p > '9' || *n == MODEL_MAX_LIST)
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v < 1 || v > max)
			return -1;
		out[(*n)++] = v;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || *out > max ? -1 : 0;
}

/* ---- one grid point ---------------------------------------------------------------- */

struct lock_acc {
	struct point *pt;
	bool host;
};

static void lk_add(struct lk *l, const struct sim_lockstat *st)
{
	l->acq += st->acquisitions;
	l->cont += st->contentions;
	l->wait += st->wait_total_ns;
}

static void acc_lock(const struct sim_lockstat *st, void *arg)
{
	struct lock_acc *a = arg;

	lk_add(&a->pt->all, st);
	if (!a->host) {
		lk_add(&a->pt->guests, st);
		return;
	}
	lk_add(&a->pt->host_all, st);
	if (!strcmp(st->name, MODEL_ALLOC_LOCK))
		lk_add(&a->pt->alloc_lock, st);
	else if (!strcmp(st->name, MODEL_VMM_LOCK))
		lk_add(&a->pt->vmm_lock, st);
	else if (strlen(st->name) >= strlen(MODEL_XA_LOCK) &&
		 !strcmp(st->name + strlen(st->name) - strlen(MODEL_XA_LOCK), MODEL_XA_LOCK))
		lk_add(&a->pt->xa_lock, st);	/* "&xa->xa_lock", "<array>.xa_lock" */
}

/* The point's host lockstat rows, into the results run ("vms4.vcpus2:host:<class>"). */
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

	snprintf(name, sizeof(name), "vms%u.vcpus%u:host:%s", lr->pt->vms, lr->pt->vcpus,
		 st->name);
	results_lockstat_add(lr->run, &l);
}

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

static void lat_sort(struct lat *l)
{
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
}

/* Nearest-rank percentile @pc (0..100) of the sorted values, integer arithmetic. */
static u64 lat_pct(const struct lat *l, unsigned int pc)
{
	return l->n ? l->v[(l->n - 1) * pc / 100] : 0;
}

static double lat_mean(const struct lat *l)
{
	return l->n ? (double)l->sum / l->n : 0;
}

static void point_account(struct model *m, struct point *pt, struct sim_world *w, size_t from,
			  size_t cap, bool *overflow)
{
	for (size_t i = from; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);
		u64 lat = e->end_ns - e->start_ns;

		if (e->end_ns > pt->end_ns)
			pt->end_ns = e->end_ns;
		if (lat_add(e->kind == SIM_OP_ALLOC ? &pt->alloc : &pt->free, cap, lat))
			*overflow = true;
		results_digest_add(&m->digest, e->start_ns);
		results_digest_add(&m->digest, e->end_ns);
		results_digest_add(&m->digest, ((u64)(u32)e->vm << 32) | e->cpu);
		results_digest_add(&m->digest, ((u64)e->kind << 32) | (u32)e->result);
		results_digest_add(&m->digest, e->value);
	}
}

/* Build the world of @pt, run the churn, take its figures. 0, or -1 (reported). */
static int point_run(struct model *m, struct point *pt)
{
	size_t cap = (size_t)m->ops * pt->vms * pt->vcpus;
	struct sim_world_params p;
	struct sim_world *w;
	bool overflow = false;
	char err[512];
	int ret = -1;

	pt->alloc.v = calloc(cap, sizeof(u64));
	pt->free.v = calloc(cap, sizeof(u64));
	if (!pt->alloc.v || !pt->free.v) {
		fprintf(stderr, "model: out of memory\n");
		return -1;
	}
	sim_world_params_init(&p);
	p.nvms = pt->vms;
	p.vcpus = pt->vcpus;
	p.host_cpus = m->host_cpus;
	p.path = strcmp(m->path, "virtio") ? SIM_WORLD_PATH_VTD : SIM_WORLD_PATH_VIRTIO;
	p.host_flavour = m->flavour;
	p.guest_flavour = m->flavour;
	p.seed = m->seed;
	p.quota = MODEL_QUOTA;
	p.cost = m->cost;
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "model: %u VMs x %u vCPUs: cannot build the world: %s\n",
			pt->vms, pt->vcpus, err);
		return -1;
	}
	for (unsigned int done = 0; done < m->ops;) {
		unsigned int batch = m->ops - done < MODEL_BATCH ? m->ops - done : MODEL_BATCH;
		struct sim_op op = { .kind = SIM_OP_ALLOC };
		size_t from = sim_world_nevents(w), mid;

		for (unsigned int vm = 0; vm < pt->vms; vm++)
			for (unsigned int c = 0; c < pt->vcpus; c++)
				for (unsigned int i = 0; i < batch; i++)
					sim_world_submit(w, vm, c, &op);
		if (sim_world_run(w) != SIM_SCHED_IDLE) {
			fprintf(stderr, "model: %u VMs x %u vCPUs: allocation run stopped: %s\n",
				pt->vms, pt->vcpus, sim_world_report(w));
			goto out;
		}
		mid = sim_world_nevents(w);
		op.kind = SIM_OP_FREE;
		for (size_t i = from; i < mid; i++) {
			const struct sim_event *e = sim_world_event(w, i);

			if (e->result) {
				fprintf(stderr, "model: %u VMs x %u vCPUs: allocation failed "
					"(vm %d, cpu %u): %d\n", pt->vms, pt->vcpus, e->vm, e->cpu,
					e->result);
				goto out;
			}
			op.a = e->value;
			sim_world_submit(w, e->vm, e->cpu, &op);
		}
		if (sim_world_run(w) != SIM_SCHED_IDLE) {
			fprintf(stderr, "model: %u VMs x %u vCPUs: free run stopped: %s\n",
				pt->vms, pt->vcpus, sim_world_report(w));
			goto out;
		}
		for (size_t i = mid; i < sim_world_nevents(w); i++) {
			if (sim_world_event(w, i)->result) {
				fprintf(stderr, "model: %u VMs x %u vCPUs: free failed: %d\n",
					pt->vms, pt->vcpus, sim_world_event(w, i)->result);
				goto out;
			}
		}
		point_account(m, pt, w, from, cap, &overflow);
		done += batch;
	}
	if (overflow) {
		fprintf(stderr, "model: %u VMs x %u vCPUs: more events than operations\n",
			pt->vms, pt->vcpus);
		goto out;
	}
	if (sim_world_findings(w, -1)) {
		fprintf(stderr, "model: %u VMs x %u vCPUs: findings:\n", pt->vms, pt->vcpus);
		for (int v = -1; v < (int)pt->vms; v++)
			sim_findings_print(sim_world_kernel(w, v), stderr);
		goto out;
	}
	pt->ops = pt->alloc.n + pt->free.n;
	for (int v = -1; v < (int)pt->vms; v++) {
		struct lock_acc a = { pt, v < 0 };

		sim_lockstat_foreach(sim_world_kernel(w, v), acc_lock, &a);
	}
	if (m->run) {
		struct lock_rec lr = { m->run, pt };

		sim_lockstat_foreach(sim_world_kernel(w, SIM_WORLD_HOST), rec_lock, &lr);
	}
	lat_sort(&pt->alloc);
	lat_sort(&pt->free);
	ret = 0;
out:
	sim_world_destroy(w);
	return ret;
}

/* ---- output ----------------------------------------------------------------------- */

static double ratio(const struct lk *l)
{
	return l->acq ? (double)l->cont / l->acq : 0;
}

static double ops_per_vs(const struct point *pt)
{
	return pt->end_ns ? pt->ops * 1e9 / pt->end_ns : 0;
}

static void print_table(const struct model *m, FILE *out)
{
	fprintf(out, "pasidsim model: %s path, flavour %s, %u alloc/free pairs per vCPU, "
		"%u host CPU%s, seed %llu, cost model %s\n\n", m->path, m->flavour, m->ops,
		m->host_cpus, m->host_cpus == 1 ? "" : "s", (unsigned long long)m->seed,
		m->cost_name);
	fprintf(out, "latency (virtual ns)\n");
	fprintf(out, "%5s %5s %9s %13s %11s %10s %9s %9s %10s %9s %9s\n", "vms", "vcpus",
		"ops", "virtual_ns", "ops/vsec", "alloc_mean", "alloc_p50", "alloc_p99",
		"free_mean", "free_p50", "free_p99");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];

		fprintf(out, "%5u %5u %9llu %13llu %11.1f %10.1f %9llu %9llu %10.1f %9llu %9llu\n",
			pt->vms, pt->vcpus, (unsigned long long)pt->ops,
			(unsigned long long)pt->end_ns, ops_per_vs(pt), lat_mean(&pt->alloc),
			(unsigned long long)lat_pct(&pt->alloc, 50),
			(unsigned long long)lat_pct(&pt->alloc, 99), lat_mean(&pt->free),
			(unsigned long long)lat_pct(&pt->free, 50),
			(unsigned long long)lat_pct(&pt->free, 99));
	}
	fprintf(out, "\nlocks (acquisitions/contentions, ratio, wait in virtual ns)\n");
	fprintf(out, "%5s %5s  %-30s  %-30s  %-30s  %-30s  %s\n", "vms", "vcpus",
		"host " MODEL_ALLOC_LOCK, "host vmm->lock", "host " MODEL_XA_LOCK,
		"guests (all classes)", "all (host + guests)");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];
		const struct lk *ls[] = { &pt->alloc_lock, &pt->vmm_lock, &pt->xa_lock,
					  &pt->guests, &pt->all };

		fprintf(out, "%5u %5u", pt->vms, pt->vcpus);
		for (size_t j = 0; j < 5; j++) {
			char cell[96];

			snprintf(cell, sizeof(cell), "%llu/%llu %.4f %llu",
				 (unsigned long long)ls[j]->acq, (unsigned long long)ls[j]->cont,
				 ratio(ls[j]), (unsigned long long)ls[j]->wait);
			if (j < 4)
				fprintf(out, "  %-30s", cell);
			else
				fprintf(out, "  %s\n", cell);
		}
	}
}

static void json_lk(FILE *out, const char *name, const struct lk *l, bool last)
{
	fprintf(out, "\"%s\":{\"acquisitions\":%llu,\"contentions\":%llu,"
		"\"contention_ratio\":%.6f,\"wait_ns\":%llu}%s", name,
		(unsigned long long)l->acq, (unsigned long long)l->cont, ratio(l),
		(unsigned long long)l->wait, last ? "" : ",");
}

static void json_lat(FILE *out, const char *name, const struct lat *l)
{
	fprintf(out, "\"%s\":{\"count\":%zu,\"mean_ns\":%.3f,\"p50_ns\":%llu,\"p99_ns\":%llu,"
		"\"max_ns\":%llu},", name, l->n, lat_mean(l),
		(unsigned long long)lat_pct(l, 50), (unsigned long long)lat_pct(l, 99),
		(unsigned long long)(l->n ? l->v[l->n - 1] : 0));
}

static void print_list(FILE *out, const unsigned int *v, unsigned int n)
{
	fputc('[', out);
	for (unsigned int i = 0; i < n; i++)
		fprintf(out, "%s%u", i ? "," : "", v[i]);
	fputc(']', out);
}

/* The run's configuration (also the scenario key of the results store). */
static void print_config(const struct model *m, FILE *out)
{
	fprintf(out, "{\"vms\":");
	print_list(out, m->vms, m->nvms);
	fprintf(out, ",\"vcpus\":");
	print_list(out, m->vcpus, m->nvcpus);
	fprintf(out, ",\"ops_per_vcpu\":%u,\"batch\":%u,\"path\":\"%s\",\"host_cpus\":%u,"
		"\"flavour\":\"%s\",\"quota\":%u,\"cost_model\":\"%s\"}", m->ops, MODEL_BATCH,
		m->path, m->host_cpus, m->flavour, MODEL_QUOTA, m->cost_name);
}

static void print_json(const struct model *m, FILE *out)
{
	fprintf(out, "{\"command\":\"model\",\"config\":");
	print_config(m, out);
	fprintf(out, ",\"seed\":%llu,\"cost_model\":\"%s\",\"digest\":\"%016llx\",\"points\":[",
		(unsigned long long)m->seed, m->cost_name, (unsigned long long)m->digest.h);
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];

		fprintf(out, "%s\n{\"vms\":%u,\"vcpus\":%u,\"ops\":%llu,\"virtual_ns\":%llu,"
			"\"ops_per_virtual_s\":%.3f,", i ? "," : "", pt->vms, pt->vcpus,
			(unsigned long long)pt->ops, (unsigned long long)pt->end_ns,
			ops_per_vs(pt));
		json_lat(out, "alloc", &pt->alloc);
		json_lat(out, "free", &pt->free);
		fprintf(out, "\"locks\":{");
		json_lk(out, "host_allocator", &pt->alloc_lock, false);
		json_lk(out, "host_vmm", &pt->vmm_lock, false);
		json_lk(out, "host_xa_lock", &pt->xa_lock, false);
		json_lk(out, "host_all", &pt->host_all, false);
		json_lk(out, "guests", &pt->guests, false);
		json_lk(out, "all", &pt->all, true);
		fprintf(out, "}}");
	}
	fprintf(out, "\n]}\n");
}

/* ---- the results store ------------------------------------------------------------- */

static void metric(struct results_run *run, const struct point *pt, const char *what,
		   const char *unit, enum results_better better, double v)
{
	char name[128];

	snprintf(name, sizeof(name), "model.vms%u.vcpus%u.%s", pt->vms, pt->vcpus, what);
	results_metric(run, name, unit, better, v);
}

static void metric_lk(struct results_run *run, const struct point *pt, const char *what,
		      const struct lk *l)
{
	char name[96];

	snprintf(name, sizeof(name), "%s_acquisitions", what);
	metric(run, pt, name, "count", RESULTS_EQUAL, l->acq);
	snprintf(name, sizeof(name), "%s_contentions", what);
	metric(run, pt, name, "count", RESULTS_LOWER, l->cont);
	snprintf(name, sizeof(name), "%s_contention_ratio", what);
	metric(run, pt, name, "ratio", RESULTS_LOWER, ratio(l));
	snprintf(name, sizeof(name), "%s_wait_ns", what);
	metric(run, pt, name, "ns", RESULTS_LOWER, l->wait);
}

static void hist(struct results_run *run, const struct point *pt, const char *what,
		 const struct lat *l)
{
	char name[128];
	struct results_hist *h;

	snprintf(name, sizeof(name), "model.vms%u.vcpus%u.%s", pt->vms, pt->vcpus, what);
	h = results_run_hist(run, name, "ns", RESULTS_VIRTUAL);
	if (h)
		*h = l->hist;
}

/* Metrics of every point, the digest and the wall time; commit. 0, or -1 (reported). */
static int record(const struct model *m, const char *dbopt, double wall_s,
		  struct results_run *run)
{
	struct results_db *db;
	char err[1024];
	int64_t id;
	u64 ops = 0;

	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];

		ops += pt->ops;
		metric(run, pt, "ops", "count", RESULTS_EQUAL, pt->ops);
		metric(run, pt, "virtual_ns_total", "ns", RESULTS_LOWER, pt->end_ns);
		metric(run, pt, "ops_per_virtual_s", "ops/s", RESULTS_HIGHER, ops_per_vs(pt));
		metric(run, pt, "alloc_mean_ns", "ns", RESULTS_LOWER, lat_mean(&pt->alloc));
		metric(run, pt, "alloc_p50_ns", "ns", RESULTS_LOWER, lat_pct(&pt->alloc, 50));
		metric(run, pt, "alloc_p99_ns", "ns", RESULTS_LOWER, lat_pct(&pt->alloc, 99));
		metric(run, pt, "free_mean_ns", "ns", RESULTS_LOWER, lat_mean(&pt->free));
		metric(run, pt, "free_p50_ns", "ns", RESULTS_LOWER, lat_pct(&pt->free, 50));
		metric(run, pt, "free_p99_ns", "ns", RESULTS_LOWER, lat_pct(&pt->free, 99));
		metric_lk(run, pt, "host_alloc_lock", &pt->alloc_lock);
		metric_lk(run, pt, "host_vmm_lock", &pt->vmm_lock);
		metric_lk(run, pt, "host_xa_lock", &pt->xa_lock);
		metric_lk(run, pt, "host_lock", &pt->host_all);
		metric_lk(run, pt, "guest_lock", &pt->guests);
		metric_lk(run, pt, "lock", &pt->all);
		hist(run, pt, "alloc_latency", &pt->alloc);
		hist(run, pt, "free_latency", &pt->free);
	}
	*results_run_digest(run) = m->digest;
	results_sample(run, "model.wall_s", "s", RESULTS_LOWER, wall_s);
	results_run_set_outcome(run, ops, "ok");
	results_run_set_duration(run, wall_s * 1e9);
	db = results_open(results_db_path(dbopt), 0, err, sizeof(err));
	id = db ? results_run_commit(db, run, err, sizeof(err)) : -1;
	if (id < 0)
		fprintf(stderr, "model: not recorded: %s\n", err);
	else
		fprintf(stderr, "model: recorded run %lld in %s (%s)\n", (long long)id,
			results_path(db), results_run_uuid(run));
	results_close(db);
	return id < 0 ? -1 : 0;
}

int cmd_model(int argc, char **argv)
{
	static const struct option options[] = {
		{ "vms", required_argument, NULL, 'v' },
		{ "vcpus", required_argument, NULL, 'c' },
		{ "ops", required_argument, NULL, 'o' },
		{ "path", required_argument, NULL, 'p' },
		{ "host-cpus", required_argument, NULL, 'H' },
		{ "flavour", required_argument, NULL, 'f' },
		{ "cost", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "db", required_argument, NULL, 'd' },
		{ "no-db", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct model m = {
		.vms = { 1, 2, 4, 8 }, .nvms = 4, .vcpus = { 1, 2, 4 }, .nvcpus = 3,
		.ops = 100, .host_cpus = 1, .path = "vtd", .flavour = "pasidsim", .seed = 1,
	};
	const char *dbopt = NULL;
	struct results_run *run = NULL;
	char err[256];
	bool json = false, nodb = false;
	unsigned long long v;
	double t0 = now_s(), wall_s;
	int opt, ret = PASIDSIM_EXIT_OK;

	m.cost = sim_cost_default;
	snprintf(m.cost_name, sizeof(m.cost_name), "%s", m.cost.version);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'v':
			if (parse_list(optarg, SIM_WORLD_MAX_VMS, m.vms, &m.nvms))
				goto bad;
			break;
		case 'c':
			if (parse_list(optarg, MODEL_MAX_VCPUS, m.vcpus, &m.nvcpus))
				goto bad;
			break;
		case 'o':
			if (parse_uint(optarg, 10000000, &v) || !v)
				goto bad;
			m.ops = v;
			break;
		case 'p':
			if (strcmp(optarg, "vtd") && strcmp(optarg, "virtio"))
				goto bad;
			m.path = optarg;
			break;
		case 'H':
			if (parse_uint(optarg, 256, &v) || !v)
				goto bad;
			m.host_cpus = v;
			break;
		case 'f':
			if (strcmp(optarg, "pasidsim") && strcmp(optarg, "linux-6.1"))
				goto bad;
			m.flavour = optarg;
			break;
		case 'k':
			if (sim_cost_override(&m.cost, optarg, m.cost_name, sizeof(m.cost_name),
					      err, sizeof(err))) {
				fprintf(stderr, "model: %s\n", err);
				return PASIDSIM_EXIT_USAGE;
			}
			break;
		case 's':
			if (parse_uint(optarg, UINT64_MAX, &v))
				goto bad;
			m.seed = v;
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			dbopt = optarg;
			nodb = false;
			break;
		case 'D':
			nodb = true;
			break;
		case 'h':
			fputs(model_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			fputs(model_usage, stderr);
			return PASIDSIM_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "model: unexpected argument '%s'\n", argv[optind]);
		fputs(model_usage, stderr);
		return PASIDSIM_EXIT_USAGE;
	}

	m.npts = (size_t)m.nvms * m.nvcpus;
	m.pts = calloc(m.npts, sizeof(*m.pts));
	if (!m.pts) {
		fprintf(stderr, "model: out of memory\n");
		return PASIDSIM_EXIT_FOUND;
	}
	results_digest_init(&m.digest);
	if (!nodb) {
		struct results_run_info info = {
			.command = "model", .flavour = m.flavour, .cost_model = m.cost_name,
			.seed = m.seed, .git_dirty = -1,
		};
		char *config = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&config, &len);

		if (f) {
			print_config(&m, f);
			fclose(f);
		}
		info.config = config;
		run = config ? results_run_new(&info) : NULL;
		free(config);
		m.run = run;
		if (!run) {
			fprintf(stderr, "model: out of memory\n");
			free(m.pts);
			return PASIDSIM_EXIT_FOUND;
		}
	}
	for (size_t i = 0; i < m.npts; i++) {
		struct point *pt = &m.pts[i];

		pt->vms = m.vms[i / m.nvcpus];
		pt->vcpus = m.vcpus[i % m.nvcpus];
		if (point_run(&m, pt)) {
			ret = PASIDSIM_EXIT_FOUND;
			break;
		}
	}
	wall_s = now_s() - t0;
	if (!ret) {
		if (json)
			print_json(&m, stdout);
		else
			print_table(&m, stdout);
		fflush(stdout);
		fprintf(stderr, "model: %zu grid point(s) in %.3f s of wall time\n", m.npts,
			wall_s);
		if (run && record(&m, dbopt, wall_s, run))
			ret = PASIDSIM_EXIT_FOUND;
	}
	for (size_t i = 0; i < m.npts; i++) {
		free(m.pts[i].alloc.v);
		free(m.pts[i].free.v);
	}
	free(m.pts);
	results_run_free(run);
	return ret;
bad:
	fprintf(stderr, "model: bad value '%s' for --%s\n", optarg,
		options[opt == 'v' ? 0 : opt == 'c' ? 1 : opt == 'o' ? 2 : opt == 'p' ? 3 :
			opt == 'H' ? 4 : opt == 'f' ? 5 : 7].name);
	fputs(model_usage, stderr);
	return PASIDSIM_EXIT_USAGE;
}
