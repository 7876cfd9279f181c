// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: simulated PASID operations per second of wall time, for a
 * world of 64 VMs x 4 vCPUs churning (alloc then free, through VCMD and the
 * VMMs to the host), and the cost of resetting kernel instances and worlds.
 *
 *   bench_world_churn [--db=<file> | --no-db] [--reps=<n>] [--seed=<n>]
 *                     [vms] [vcpus] [rounds] [vtd|virtio]
 *
 * Each repetition builds a fresh world and runs the same churn: the wall
 * figures are one sample per repetition, the virtual-time figures (virtual
 * time, op latency, lock contention, the event log's digest) must come out
 * identical in every repetition, which the benchmark checks (a determinism
 * check on the way). Prints one "metric value unit" line per figure; with
 * --db (default: no recording) the run goes into the results store as
 * command "bench:world_churn" (docs/results.md), cost model attached.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <results.h>
#include <linux/iommu-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/task.h>
#include <sim/world.h>

#define MAX_REPS	64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, struct sim_world *w)
{
	fprintf(stderr, "bench_world_churn: %s: %s\n", what, w ? sim_world_report(w) : "");
	exit(1);
}

struct cfg {
	unsigned int nvms, vcpus, rounds, per_cpu;
	const char *path;
	u64 seed;
};

/* Deterministic figures of one repetition: identical across repetitions. */
struct virt {
	u64 ops, events, end_ns, lat_sum_ns, lat_alloc_sum, lat_free_sum, n_alloc, n_free;
	u64 acquisitions, contentions, wait_ns;
	u64 log_hash;
	struct results_digest digest;
	struct results_hist lat_alloc, lat_free;
};

/* Wall figures of one repetition. */
struct wall {
	double churn_s, world_reset_s, instance_reset_ns, kernel_reset_s;
};

struct lock_sum {
	u64 acquisitions, contentions, wait_ns;
};

static void sum_lockstat(const struct sim_lockstat *st, void *arg)
{
	struct lock_sum *s = arg;

	s->acquisitions += st->acquisitions;
	s->contentions += st->contentions;
	s->wait_ns += st->wait_total_ns;
}

static void account_events(struct sim_world *w, size_t from, struct virt *v)
{
	for (size_t i = from; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);
		u64 lat = e->end_ns - e->start_ns;

		v->events++;
		v->lat_sum_ns += lat;
		if (e->end_ns > v->end_ns)
			v->end_ns = e->end_ns;
		if (e->kind == SIM_OP_ALLOC) {
			v->n_alloc++;
			v->lat_alloc_sum += lat;
			results_hist_add(&v->lat_alloc, lat);
		} else {
			v->n_free++;
			v->lat_free_sum += lat;
			results_hist_add(&v->lat_free, lat);
		}
		results_digest_add(&v->digest, e->start_ns);
		results_digest_add(&v->digest, e->end_ns);
		results_digest_add(&v->digest, ((u64)(u32)e->vm << 32) | e->cpu);
		results_digest_add(&v->digest, ((u64)e->kind << 32) | (u32)e->result);
		results_digest_add(&v->digest, e->value);
	}
}

/* Reset timings: the whole world (with boot), then one instance at a time. */
static void time_resets(struct sim_world *w, struct wall *wl)
{
	struct sim_kernel *k = sim_world_kernel(w, 0);
	struct sim_op op = { .kind = SIM_OP_ALLOC, .a = 1, .b = IOMMU_PASID_DEFAULT_MAX };
	const int n = 2000;
	double t0 = now_s();

	for (int i = 0; i < 10; i++)
		if (sim_world_reset(w))
			die("reset", w);
	wl->world_reset_s = (now_s() - t0) / 10;
	wl->instance_reset_ns = sim_world_last_reset_ns(w);
	for (int i = 0; i < 64; i++)
		sim_world_submit(w, 0, 0, &op);
	if (sim_world_run(w) != SIM_SCHED_IDLE)
		die("run", w);
	t0 = now_s();
	for (int i = 0; i < n; i++)
		sim_kernel_reset(k);
	wl->kernel_reset_s = (now_s() - t0) / n;
}

/* One repetition: a fresh world, the churn (timed), then the resets (timed). */
static struct sim_world *one_rep(const struct cfg *cfg, struct virt *v, struct wall *wl)
{
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];
	double t0;
	struct lock_sum ls = { 0 };

	memset(v, 0, sizeof(*v));
	memset(wl, 0, sizeof(*wl));
	results_digest_init(&v->digest);
	sim_world_params_init(&p);
	p.nvms = cfg->nvms;
	p.vcpus = cfg->vcpus;
	p.seed = cfg->seed;
	p.path = strcmp(cfg->path, "virtio") ? SIM_WORLD_PATH_VTD : SIM_WORLD_PATH_VIRTIO;
	p.quota = 100000;
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "bench_world_churn: %s\n", err);
		exit(1);
	}

	for (unsigned int r = 0; r < cfg->rounds; r++) {
		struct sim_op op = { .kind = SIM_OP_ALLOC, .a = 1, .b = IOMMU_PASID_DEFAULT_MAX };
		size_t from = sim_world_nevents(w), mid;

		for (unsigned int vm = 0; vm < cfg->nvms; vm++)
			for (unsigned int c = 0; c < cfg->vcpus; c++)
				for (unsigned int i = 0; i < cfg->per_cpu; i++)
					sim_world_submit(w, vm, c, &op);
		t0 = now_s();
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			die("alloc run", w);
		wl->churn_s += now_s() - t0;
		mid = sim_world_nevents(w);
		op.kind = SIM_OP_FREE;
		for (size_t i = from; i < mid; i++) {
			const struct sim_event *e = sim_world_event(w, i);

			if (e->result)
				die("allocation failed", w);
			op.a = e->value;
			sim_world_submit(w, e->vm, e->cpu, &op);
		}
		t0 = now_s();
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			die("free run", w);
		wl->churn_s += now_s() - t0;
		v->ops += 2ull * cfg->nvms * cfg->vcpus * cfg->per_cpu;
		if (sim_world_findings(w, -1))
			die("findings", w);
		account_events(w, from, v);
	}
	v->log_hash = sim_world_log_hash(w);
	sim_lockstat_foreach(sim_world_kernel(w, SIM_WORLD_HOST), sum_lockstat, &ls);
	for (unsigned int vm = 0; vm < cfg->nvms; vm++)
		sim_lockstat_foreach(sim_world_kernel(w, vm), sum_lockstat, &ls);
	v->acquisitions = ls.acquisitions;
	v->contentions = ls.contentions;
	v->wait_ns = ls.wait_ns;

	time_resets(w, wl);
	return w;
}

static bool virt_equal(const struct virt *a, const struct virt *b)
{
	return a->ops == b->ops && a->events == b->events && a->end_ns == b->end_ns &&
	       a->lat_sum_ns == b->lat_sum_ns && a->acquisitions == b->acquisitions &&
	       a->contentions == b->contentions && a->wait_ns == b->wait_ns &&
	       a->log_hash == b->log_hash && a->digest.h == b->digest.h;
}

static void hist_copy(struct results_run *run, const char *name, const struct results_hist *h)
{
	struct results_hist *d = results_run_hist(run, name, "ns", RESULTS_VIRTUAL);

	if (d)
		*d = *h;
}

static int record(const char *dbopt, const struct cfg *cfg, const char *cost_version,
		  const struct virt *v, const struct wall *wl, int reps, double total_s)
{
	struct results_run_info info = {
		.command = "bench:world_churn", .flavour = "pasidsim",
		.cost_model = cost_version, .seed = cfg->seed, .git_dirty = -1,
	};
	struct results_run *run;
	struct results_db *db;
	char config[256], err[1024];
	int64_t id;

	snprintf(config, sizeof(config),
		 "{\"vms\":%u,\"vcpus\":%u,\"rounds\":%u,\"per_cpu\":%u,\"path\":\"%s\","
		 "\"quota\":100000,\"host_flavour\":\"pasidsim\",\"guest_flavour\":\"pasidsim\"}",
		 cfg->nvms, cfg->vcpus, cfg->rounds, cfg->per_cpu, cfg->path);
	info.config = config;
	run = results_run_new(&info);
	if (!run)
		return -1;
	/* Exact, in virtual time (cost model attached to the run). */
	results_metric(run, "world.ops", "count", RESULTS_EQUAL, v->ops);
	results_metric(run, "world.virtual_ns_total", "ns", RESULTS_LOWER, v->end_ns);
	results_metric(run, "world.op_latency_mean_ns", "ns", RESULTS_LOWER,
		       (double)v->lat_sum_ns / v->events);
	results_metric(run, "world.alloc_latency_mean_ns", "ns", RESULTS_LOWER,
		       v->n_alloc ? (double)v->lat_alloc_sum / v->n_alloc : 0);
	results_metric(run, "world.free_latency_mean_ns", "ns", RESULTS_LOWER,
		       v->n_free ? (double)v->lat_free_sum / v->n_free : 0);
	results_metric(run, "world.lock_acquisitions", "count", RESULTS_EQUAL, v->acquisitions);
	results_metric(run, "world.lock_contentions", "count", RESULTS_LOWER, v->contentions);
	results_metric(run, "world.lock_wait_ns", "ns", RESULTS_LOWER, v->wait_ns);
	hist_copy(run, "world.alloc_latency", &v->lat_alloc);
	hist_copy(run, "world.free_latency", &v->lat_free);
	*results_run_digest(run) = v->digest;
	/* Wall clock: one sample per repetition. */
	for (int i = 0; i < reps; i++) {
		results_sample(run, "world.ops_per_wall_s", "ops/s", RESULTS_HIGHER,
			       v->ops / wl[i].churn_s);
		results_sample(run, "world.wall_ns_per_op", "ns", RESULTS_LOWER,
			       wl[i].churn_s * 1e9 / v->ops);
		results_sample(run, "world.reset_ms", "ms", RESULTS_LOWER,
			       wl[i].world_reset_s * 1e3);
		results_sample(run, "world.instance_reset_us", "us", RESULTS_LOWER,
			       wl[i].instance_reset_ns / 1e3);
		results_sample(run, "world.kernel_reset_empty_us", "us", RESULTS_LOWER,
			       wl[i].kernel_reset_s * 1e6);
	}
	results_run_set_outcome(run, v->ops * reps, "ok");
	results_run_set_duration(run, total_s * 1e9);
	db = results_open(results_db_path(dbopt), 0, err, sizeof(err));
	id = db ? results_run_commit(db, run, err, sizeof(err)) : -1;
	if (id < 0)
		fprintf(stderr, "bench_world_churn: not recorded: %s\n", err);
	else
		printf("recorded run %lld in %s (%s)\n", (long long)id, results_path(db),
		       results_run_uuid(run));
	results_close(db);
	results_run_free(run);
	return id < 0 ? -1 : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	struct cfg cfg = { 64, 4, 200, 8, "vtd", 1 };
	const char *dbopt = NULL, *cost_version = NULL;
	bool use_db = false;
	int reps = 1, npos = 0;
	struct virt v0, v;
	struct wall wl[MAX_REPS];
	double ops_s[MAX_REPS], ireset[MAX_REPS], wreset[MAX_REPS], t_start = now_s();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "--db=", 5)) {
			dbopt = a + 5;
			use_db = true;
		} else if (!strcmp(a, "--db")) {
			use_db = true;
		} else if (!strcmp(a, "--no-db")) {
			use_db = false;
		} else if (!strncmp(a, "--reps=", 7)) {
			reps = atoi(a + 7);
		} else if (!strncmp(a, "--seed=", 7)) {
			cfg.seed = strtoull(a + 7, NULL, 0);
		} else if (a[0] == '-') {
			fprintf(stderr, "usage: bench_world_churn [--db[=<file>] | --no-db] "
				"[--reps=<n>] [--seed=<n>] [vms] [vcpus] [rounds] [vtd|virtio]\n");
			return 2;
		} else {
			switch (npos++) {
			case 0: cfg.nvms = atoi(a); break;
			case 1: cfg.vcpus = atoi(a); break;
			case 2: cfg.rounds = atoi(a); break;
			default: cfg.path = a; break;
			}
		}
	}
	if (reps < 1 || reps > MAX_REPS || !cfg.nvms || !cfg.vcpus || !cfg.rounds) {
		fprintf(stderr, "bench_world_churn: bad arguments\n");
		return 2;
	}

	for (int r = 0; r < reps; r++) {
		struct sim_world *w = one_rep(&cfg, r ? &v : &v0, &wl[r]);

		if (!r)
			cost_version = sim_world_params(w)->cost.version;
		else if (!virt_equal(&v0, &v))
			die("virtual-time figures differ between repetitions (not deterministic)",
			    NULL);
		sim_world_destroy(w);
		ops_s[r] = v0.ops / wl[r].churn_s;
		ireset[r] = wl[r].instance_reset_ns / 1e3;
		wreset[r] = wl[r].world_reset_s * 1e3;
		fprintf(stderr, "bench_world_churn: rep %d/%d: %.0f ops/s\n", r + 1, reps,
			ops_s[r]);
	}

	printf("world %u VMs x %u vCPUs, %s path, %u rounds, seed %llu, cost model %s, %d rep(s)\n",
	       cfg.nvms, cfg.vcpus, cfg.path, cfg.rounds, (unsigned long long)cfg.seed,
	       cost_version, reps);
	printf("pasid_ops %llu ops\n", (unsigned long long)v0.ops);
	printf("pasid_ops_per_wall_s %.0f ops/s (median)\n", median(ops_s, reps));
	printf("wall_per_op %.1f ns\n", 1e9 / median(ops_s, reps));
	printf("world_reset_with_boot %.3f ms (median)\n", median(wreset, reps));
	printf("instance_reset %.2f us (median)\n", median(ireset, reps));
	printf("kernel_reset_empty %.3f us\n", wl[0].kernel_reset_s * 1e6);
	printf("virtual_time_total %llu ns\n", (unsigned long long)v0.end_ns);
	printf("op_latency_mean %.1f ns (virtual)\n", (double)v0.lat_sum_ns / v0.events);
	printf("lock_acquisitions %llu\n", (unsigned long long)v0.acquisitions);
	printf("lock_contentions %llu\n", (unsigned long long)v0.contentions);
	printf("lock_wait_total %llu ns (virtual)\n", (unsigned long long)v0.wait_ns);
	printf("log_hash %016llx\n", (unsigned long long)v0.log_hash);
	if (use_db && record(dbopt, &cfg, cost_version, &v0, wl, reps, now_s() - t_start))
		return 1;
	return 0;
}
