// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model --calibrate: measure on this machine the host-side costs
 * that can be measured here, write them as cost-model overrides, and check
 * the model against real execution (docs/validation.md).
 *
 * Threads mode: T pthreads in one kernel instance, each with its own VFIO
 * VM on a loaded copy of the host's core/, run the host side of the churn
 * (vfio_pasid_alloc of 8 PASIDs, then vfio_pasid_free of them) on the
 * shim's real locks; the wall-clock throughput is the median of 5 runs.
 *
 * Calibration, from the single-thread run: T1, the wall time per operation;
 * k, lock acquisitions per operation; H, the mean hold of the host's global
 * ioasid_allocator_lock (lockstat in wall time). The model charges
 * cs_hold_ns per acquisition, so a hold of the allocator lock in the model
 * is cs_hold_ns times the acquisitions inside it: a model run with
 * cs_hold_ns = 1 and nothing else counts them (h1), and cs_hold_ns = H / h1.
 * op_ns takes the rest of T1 (op_ns = T1 - k cs_hold_ns). lock_handoff_ns
 * is measured by two threads taking one shim spinlock in turn (time per
 * contended acquisition minus an uncontended one). VM exits, VMM handling
 * and host calls cannot be measured here (no VMs): they stay estimates.
 *
 * Then the model runs the same host-side churn in a world (T host CPUs
 * submitting host operations on T VMs) with those costs, at 1 and 2
 * threads, against the threads mode.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/ioasid.h>
#include <linux/spinlock.h>
#include <sim/core.h>

#include "builtin.h"
#include "model.h"

#define CAL_REPS	5
#define CAL_BATCH	8
#define CAL_MAX_THREADS	2

struct vfio_pasid_vm;

struct host_api {
	struct vfio_pasid_vm *(*create)(const char *name, unsigned int quota);
	void (*destroy)(struct vfio_pasid_vm *vm);
	int (*alloc)(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max, ioasid_t *id);
	int (*free)(struct vfio_pasid_vm *vm, ioasid_t pasid);
};

struct thr {
	struct host_api *api;
	struct sim_kernel *k;
	struct vfio_pasid_vm *vm;
	pthread_barrier_t *bar;
	unsigned long pairs;
	int err;
};

static double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void *thr_main(void *p)
{
	struct thr *t = p;
	struct sim_kernel *prev = sim_kernel_enter(t->k);
	ioasid_t id[CAL_BATCH];

	pthread_barrier_wait(t->bar);
	for (unsigned long done = 0; done < t->pairs && !t->err; done += CAL_BATCH) {
		for (int i = 0; i < CAL_BATCH; i++)
			t->err |= t->api->alloc(t->vm, 1, 0xFFFFF, &id[i]);
		for (int i = 0; i < CAL_BATCH && !t->err; i++)
			t->err |= t->api->free(t->vm, id[i]);
	}
	pthread_barrier_wait(t->bar);
	sim_kernel_leave(prev);
	return NULL;
}

struct thr_result {
	double ops_per_s;
	double acq_per_op;	/* lock acquisitions per operation */
	double alloc_hold_ns;	/* mean hold of the host's ioasid_allocator_lock */
	double cont_per_op;	/* contended acquisitions per operation (every lock) */
};

struct stat_sum {
	u64 acq, cont, alloc_acq, alloc_hold;
};

static void stat_cb(const struct sim_lockstat *st, void *arg)
{
	struct stat_sum *s = arg;

	s->acq += st->acquisitions;
	s->cont += st->contentions;
	if (!strcmp(st->name, MODEL_ALLOC_LOCK)) {
		s->alloc_acq += st->acquisitions;
		s->alloc_hold += st->hold_total_ns;
	}
}

/* One threads-mode run of @n threads, @pairs alloc/free pairs each. 0 or -1. */
static int threads_run(struct sim_core *core, struct host_api *api, unsigned int n,
		       unsigned long pairs, struct thr_result *r)
{
	struct sim_kernel *k = sim_kernel_create("threads"), *prev;
	struct thr t[CAL_MAX_THREADS];
	pthread_t tid[CAL_MAX_THREADS];
	pthread_barrier_t bar;
	struct stat_sum s = { 0 };
	double t0 = 0, t1;
	int err = 0;

	sim_core_reset(core);
	pthread_barrier_init(&bar, NULL, n + 1);
	prev = sim_kernel_enter(k);
	for (unsigned int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "thr%u", i);
		t[i] = (struct thr){ api, k, api->create(name, 1000000), &bar, pairs, 0 };
		if (!t[i].vm)
			err = -1;
	}
	sim_lockstat_reset(k);
	for (unsigned int i = 0; i < n; i++)
		pthread_create(&tid[i], NULL, thr_main, &t[i]);
	pthread_barrier_wait(&bar);
	t0 = wall_ns();
	pthread_barrier_wait(&bar);
	t1 = wall_ns();
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(tid[i], NULL);
		err |= t[i].err;
	}
	sim_lockstat_foreach(k, stat_cb, &s);
	for (unsigned int i = 0; i < n; i++)
		if (t[i].vm)
			api->destroy(t[i].vm);
	sim_kernel_leave(prev);
	sim_kernel_destroy(k);
	pthread_barrier_destroy(&bar);
	r->ops_per_s = 2.0 * pairs * n / ((t1 - t0) * 1e-9);
	r->acq_per_op = (double)s.acq / (2.0 * pairs * n);
	r->cont_per_op = (double)s.cont / (2.0 * pairs * n);
	r->alloc_hold_ns = s.alloc_acq ? (double)s.alloc_hold / s.alloc_acq : 0;
	return err ? -1 : 0;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of CAL_REPS runs; the lock figures of the median run. */
static int threads_median(struct sim_core *core, struct host_api *api, unsigned int n,
			  unsigned long pairs, struct thr_result *out)
{
	struct thr_result r[CAL_REPS];
	double v[CAL_REPS];

	for (int i = 0; i < CAL_REPS; i++) {
		if (threads_run(core, api, n, pairs, &r[i]))
			return -1;
		v[i] = r[i].ops_per_s;
	}
	qsort(v, CAL_REPS, sizeof(v[0]), cmp_dbl);
	for (int i = 0; i < CAL_REPS; i++)
		if (r[i].ops_per_s == v[CAL_REPS / 2])
			*out = r[i];
	return 0;
}

/* ---- lock hand-off ------------------------------------------------------------------- */

static DEFINE_SPINLOCK(cal_lock);

struct pp {
	pthread_barrier_t *bar;
	unsigned long n;
};

static void *pp_main(void *p)
{
	struct pp *a = p;

	pthread_barrier_wait(a->bar);
	for (unsigned long i = 0; i < a->n; i++) {
		spin_lock(&cal_lock);
		spin_unlock(&cal_lock);
	}
	return NULL;
}

/* ns per acquisition with @n threads taking one spinlock in turn. */
static double pingpong(unsigned int n, unsigned long iters)
{
	pthread_t tid[2];
	pthread_barrier_t bar;
	struct pp a;
	double t0, t1;

	pthread_barrier_init(&bar, NULL, n + 1);
	a = (struct pp){ &bar, iters };
	for (unsigned int i = 0; i < n; i++)
		pthread_create(&tid[i], NULL, pp_main, &a);
	pthread_barrier_wait(&bar);
	t0 = wall_ns();
	for (unsigned int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	t1 = wall_ns();
	pthread_barrier_destroy(&bar);
	return (t1 - t0) / (iters * n);
}

/* ---- the machine's parallelism ------------------------------------------------------------- */

struct spin {
	pthread_barrier_t *bar;
	unsigned long n;
	volatile u64 sink;
};

static void *spin_main(void *p)
{
	struct spin *a = p;
	u64 x = 1;

	pthread_barrier_wait(a->bar);
	for (unsigned long i = 0; i < a->n; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	a->sink = x;
	return NULL;
}

/* Wall time of @n threads each running @iters steps of private work. */
static double spin_ns(unsigned int n, unsigned long iters)
{
	pthread_t tid[2];
	pthread_barrier_t bar;
	struct spin a[2];
	double t0, t1;

	pthread_barrier_init(&bar, NULL, n + 1);
	for (unsigned int i = 0; i < n; i++) {
		a[i] = (struct spin){ &bar, iters, 0 };
		pthread_create(&tid[i], NULL, spin_main, &a[i]);
	}
	pthread_barrier_wait(&bar);
	t0 = wall_ns();
	for (unsigned int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	t1 = wall_ns();
	pthread_barrier_destroy(&bar);
	return t1 - t0;
}

/*
 * The speedup 2 threads of private work get on this machine right now (2 on
 * 2 idle cores; less when other processes take CPU time): median of 5.
 */
static double machine_speedup(unsigned long iters)
{
	double v[CAL_REPS];

	for (int i = 0; i < CAL_REPS; i++)
		v[i] = 2.0 * spin_ns(1, iters) / spin_ns(2, iters);
	qsort(v, CAL_REPS, sizeof(v[0]), cmp_dbl);
	return v[CAL_REPS / 2];
}

/* ---- the model's side ------------------------------------------------------------------ */

struct model_result {
	double ops_per_s;
	double alloc_hold_ns;	/* mean hold of the host allocator lock */
	double acq_per_op;
	double cont_per_op;
};

static void cont_cb(const struct sim_lockstat *st, void *arg)
{
	*(double *)arg += st->contentions;
}

/* The host-side churn in a world: @n host CPUs, each on its own VM. 0 or -1. */
static int model_host_run(const struct model *m, const struct sim_cost_model *cost,
			  unsigned int n, unsigned long pairs, struct model_result *r)
{
	struct sim_world_params p;
	struct sim_world *w;
	struct sim_hold_lock *sum = NULL;
	const struct sim_hold *log;
	char err[256];
	size_t nl, nh;
	u64 hold = 0, acq = 0;
	int ret = -1;

	sim_world_params_init(&p);
	p.nvms = n;
	p.host_cpus = n;
	p.host_flavour = p.guest_flavour = m->flavour;
	p.quota = MODEL_QUOTA;
	p.seed = m->seed;
	p.cost = *cost;
	p.hold_log = true;
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "model: calibrate: %s\n", err);
		return -1;
	}
	for (unsigned long done = 0; done < pairs; done += CAL_BATCH) {
		struct sim_op op = { .kind = SIM_OP_HOST_ALLOC, .a = 1, .b = 0xFFFFF };
		size_t from = sim_world_nevents(w), mid;

		for (unsigned int c = 0; c < n; c++)
			for (int i = 0; i < CAL_BATCH; i++) {
				op.arg = c;
				sim_world_submit(w, SIM_WORLD_HOST, c, &op);
			}
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			goto out;
		mid = sim_world_nevents(w);
		for (size_t i = from; i < mid; i++) {
			const struct sim_event *e = sim_world_event(w, i);
			struct sim_op f = { .kind = SIM_OP_HOST_FREE, .a = e->value,
					    .arg = e->cpu };

			if (e->result)
				goto out;
			sim_world_submit(w, SIM_WORLD_HOST, e->cpu, &f);
		}
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			goto out;
	}
	log = sim_sched_hold_log(sim_world_sched(w), &nh);
	sum = calloc(nh ? nh : 1, sizeof(*sum));
	if (!sum)
		goto out;
	nl = sim_hold_summary(log, nh, sum, nh);
	for (size_t i = 0; i < nl; i++) {
		acq += sum[i].acquisitions;
		if (!strcmp(sum[i].name, MODEL_ALLOC_LOCK)) {
			hold += sum[i].hold_ns;
			r->alloc_hold_ns = (double)hold / sum[i].acquisitions;
		}
	}
	r->acq_per_op = (double)acq / sim_world_nevents(w);
	for (int v = -1; v < (int)n; v++)
		sim_lockstat_foreach(sim_world_kernel(w, v), cont_cb, &r->cont_per_op);
	r->cont_per_op /= sim_world_nevents(w);
	r->ops_per_s = sim_world_nevents(w) * 1e9 / sim_sched_now(sim_world_sched(w));
	ret = 0;
out:
	if (ret)
		fprintf(stderr, "model: calibrate: the host-side world run failed: %s\n",
			sim_world_report(w));
	free(sum);
	sim_world_destroy(w);
	return ret;
}

/* Write @spec to @path through a temporary file. 0 or -1. */
static int write_spec(const char *path, const char *spec)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", spec) < 0 || fclose(f)) {
		if (f)
			fclose(f);
		return -1;
	}
	return rename(tmp, path);
}

static int load_host(const struct model *m, struct sim_core **core, struct host_api *api)
{
	char path[4096], err[512];

	*core = sim_core_load(sim_core_path(m->flavour, path, sizeof(path)), err, sizeof(err));
	if (!*core) {
		fprintf(stderr, "model: calibrate: %s\n", err);
		return -1;
	}
	*(void **)&api->create = sim_core_sym(*core, "vfio_pasid_vm_create");
	*(void **)&api->destroy = sim_core_sym(*core, "vfio_pasid_vm_destroy");
	*(void **)&api->alloc = sim_core_sym(*core, "vfio_pasid_alloc");
	*(void **)&api->free = sim_core_sym(*core, "vfio_pasid_free");
	return api->create && api->destroy && api->alloc && api->free ? 0 : -1;
}

int model_calibrate(struct model *m, const char *outfile)
{
	unsigned long pairs = (unsigned long)m->ops * 1000;
	struct thr_result thr[CAL_MAX_THREADS + 1];
	struct model_result unit, mod[CAL_MAX_THREADS + 1];
	struct sim_cost_model c = m->cost;
	struct host_api api;
	struct sim_core *core;
	double t1, one, two, handoff, cs, opns, speedup;
	char spec[256];
	int ret = -1;

	if (load_host(m, &core, &api))
		return -1;
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++)
		if (threads_median(core, &api, n, pairs, &thr[n])) {
			fprintf(stderr, "model: calibrate: a threads-mode run failed\n");
			goto out;
		}
	speedup = machine_speedup(pairs * 40);
	one = pingpong(1, pairs * 4);
	two = pingpong(2, pairs * 4);
	handoff = two > one ? two - one : 0;
	/* the model's allocator-lock hold in acquisitions (cs_hold_ns = 1, nothing else) */
	memset(&c, 0, sizeof(c));
	c.version = m->cost.version;
	c.cs_hold_ns = 1;
	if (model_host_run(m, &c, 1, 64, &unit))
		goto out;
	t1 = 1e9 / thr[1].ops_per_s;
	cs = unit.alloc_hold_ns > 0 ? thr[1].alloc_hold_ns / unit.alloc_hold_ns : 0;
	opns = t1 - thr[1].acq_per_op * cs;
	if (opns < 0)
		opns = 0;
	snprintf(spec, sizeof(spec), "cs_hold_ns=%.0f,op_ns=%.0f,lock_handoff_ns=%.0f", cs, opns,
		 handoff);
	c = m->cost;
	c.cs_hold_ns = (u64)(cs + 0.5);
	c.op_ns = (u64)(opns + 0.5);
	c.lock_handoff_ns = (u64)(handoff + 0.5);
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++)
		if (model_host_run(m, &c, n, pairs / 100 < 64 ? 64 : pairs / 100, &mod[n]))
			goto out;
	printf("pasidsim model --calibrate: flavour %s, host side only (vfio_pasid_alloc/free, "
	       "batches of %d), %lu pairs per thread, median of %d runs\n\n", m->flavour,
	       CAL_BATCH, pairs, CAL_REPS);
	printf("measured here (wall ns): %.1f per operation at 1 thread, %.2f lock acquisitions "
	       "per operation,\n  %s held %.1f per acquisition (the model counts %.2f "
	       "acquisitions inside a hold),\n  spinlock taken in turn by 2 threads %.1f, "
	       "by 1 thread %.1f\n", t1, thr[1].acq_per_op, MODEL_ALLOC_LOCK,
	       thr[1].alloc_hold_ns, unit.alloc_hold_ns, two, one);
	printf("calibrated cost overrides: %s\n\n", spec);
	printf("2 threads of private work run %.2fx as fast as 1 on this machine now "
	       "(2.00 on 2 idle cores)\n\n", speedup);
	printf("%7s %14s %14s %9s %16s %16s %12s %12s %12s\n", "threads", "threads_ops/s",
	       "model_ops/s", "error", "threads_hold_ns", "model_hold_ns", "err_machine",
	       "thr_cont/op", "model_cont/op");
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++) {
		/* the model on the parallelism the machine gave (speedup/2 per extra thread) */
		double eff = n == 1 ? 1 : speedup / n;

		printf("%7u %14.0f %14.0f %+8.2f%% %16.1f %16.1f %+11.2f%% %12.4f %12.4f\n", n,
		       thr[n].ops_per_s, mod[n].ops_per_s,
		       100.0 * (mod[n].ops_per_s - thr[n].ops_per_s) / thr[n].ops_per_s,
		       thr[n].alloc_hold_ns, mod[n].alloc_hold_ns,
		       100.0 * (mod[n].ops_per_s * eff - thr[n].ops_per_s) / thr[n].ops_per_s,
		       thr[n].cont_per_op, mod[n].cont_per_op);
	}
	fflush(stdout);
	if (outfile && write_spec(outfile, spec)) {
		fprintf(stderr, "model: calibrate: cannot write %s\n", outfile);
		goto out;
	}
	if (outfile)
		fprintf(stderr, "model: calibrated costs written to %s (use --cost=$(cat %s))\n",
			outfile, outfile);
	ret = 0;
out:
	sim_core_unload(core);
	return ret;
}
