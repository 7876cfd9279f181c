// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model --calibrate: measure on this machine the host-side costs
 * that can be measured here, write them as cost-model overrides, and check
 * the model against real execution (docs/validation.md).
 *
 * Threads mode: T pthreads in one kernel instance, each with its own VFIO
 * VM on a loaded copy of the host's core/, run the host side of the churn
 * (vfio_pasid_alloc of 8 PASIDs, then vfio_pasid_free of them) on the
 * shim's real locks, each call under a per-VM mutex as the world's VMM
 * makes it (sim_vmm_call() takes the VMM's big lock). Runs of 1 and 2
 * threads alternate; every figure is the median of 5 runs.
 *
 * The machine is shared, so besides the wall-clock throughput each thread
 * times every batch (16 operations) in wall and CPU time. A batch is clean
 * when its CPU time is at least 90 % of its wall time (the thread was not
 * descheduled). The on-CPU time per operation is the median over clean
 * batches; with 2 threads, over clean batches of one thread that lie
 * entirely within clean batches of the other (both threads on a CPU at
 * once: co-running), so that the figure is what 2 threads cost when they
 * really run in parallel.
 *
 * Calibration: T1, the on-CPU time per operation of 1 thread; H, the mean
 * hold of the host's global ioasid_allocator_lock (lockstat, wall time,
 * scaled by on-CPU over wall time per operation). The model charges
 * cs_hold_ns per acquisition, so its hold of the allocator lock is
 * cs_hold_ns times the acquisitions inside it, and its time per operation
 * on one CPU is op_ns plus cs_hold_ns times its acquisitions per operation:
 * a model run with cs_hold_ns = 1 and nothing else counts both (h1, k), so
 * cs_hold_ns = H / h1 and op_ns = T1 - k cs_hold_ns. The 2-thread baton
 * (tools/model-baton.c) gives lock_handoff_ns (a shared spinlock at every
 * turn, less each thread's own) and bounce_ns (a host operation at every
 * turn, less the bare baton and one thread's operations alone, over k: an
 * operation's extra cost after the other CPU's, per acquisition). VM exits,
 * VMM handling and host calls cannot be measured here (no VMs): they stay
 * estimates.
 *
 * Then the model runs the same host-side churn in a world (T host CPUs
 * submitting host operations on T VMs) with those costs, at 1 and 2
 * threads (and at 2 with the baton's lock-only bounce and without any),
 * against the threads mode, and the
 * figures go into the results store (command "model", config
 * {"calibrate":...}).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <linux/ioasid.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <sim/core.h>

#include "builtin.h"
#include "model-cal.h"
#include "model.h"

#define CAL_REPS	5
#define CAL_BATCH	8
#define CAL_MAX_THREADS	2
#define CAL_CLEAN	0.9	/* a batch's CPU time over its wall time, at least */
#define CAL_MIN_CO	20	/* co-running batches needed for a figure */

struct vfio_pasid_vm;


/* One batch of a thread: when it ended (wall) and the thread's CPU time then. */
struct batch {
	double wall, cpu;
};

struct thr {
	struct host_api *api;
	struct sim_kernel *k;
	struct vfio_pasid_vm *vm;
	struct mutex vmm_lock;		/* the VMM's big lock, as sim_vmm_call() takes it */
	pthread_barrier_t *bar;
	unsigned long pairs;
	int err;
	struct batch *b;		/* b[0]: the start; b[1..nb]: batch ends */
	size_t nb;
	long ivcsw;			/* involuntary context switches */
};

double model_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#define wall_ns model_wall_ns

static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long ivcsw_now(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) ? 0 : ru.ru_nivcsw;
}

static int vmm_alloc(struct thr *t, ioasid_t *id)
{
	int ret;

	mutex_lock(&t->vmm_lock);
	ret = t->api->alloc(t->vm, 1, 0xFFFFF, id);
	mutex_unlock(&t->vmm_lock);
	return ret;
}

static int vmm_free(struct thr *t, ioasid_t id)
{
	int ret;

	mutex_lock(&t->vmm_lock);
	ret = t->api->free(t->vm, id);
	mutex_unlock(&t->vmm_lock);
	return ret;
}

static void *thr_main(void *p)
{
	struct thr *t = p;
	struct sim_kernel *prev = sim_kernel_enter(t->k);
	ioasid_t id[CAL_BATCH];
	long iv;

	pthread_barrier_wait(t->bar);
	iv = ivcsw_now();
	t->b[0] = (struct batch){ wall_ns(), cpu_ns() };
	t->nb = 0;
	for (unsigned long done = 0; done < t->pairs && !t->err; done += CAL_BATCH) {
		for (int i = 0; i < CAL_BATCH; i++)
			t->err |= vmm_alloc(t, &id[i]);
		for (int i = 0; i < CAL_BATCH && !t->err; i++)
			t->err |= vmm_free(t, id[i]);
		t->b[++t->nb] = (struct batch){ wall_ns(), cpu_ns() };
	}
	t->ivcsw = ivcsw_now() - iv;
	pthread_barrier_wait(t->bar);
	sim_kernel_leave(prev);
	return NULL;
}

struct thr_result {
	double ops_per_s;	/* wall clock */
	double run_ns;		/* on-CPU ns per operation per thread (clean batches) */
	double co_ns;		/* 2 threads: the same over co-running batches; 0: too few */
	double co_frac;		/* co-running batches over all */
	double ivcsw_per_kop;	/* involuntary context switches per 1,000 operations */
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

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(v[0]), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool clean(const struct batch *b, size_t i)
{
	return b[i].cpu - b[i - 1].cpu >= CAL_CLEAN * (b[i].wall - b[i - 1].wall);
}

/* ns per operation of every clean batch of @a into @v; how many. */
static size_t clean_batches(const struct thr *a, double *v)
{
	size_t n = 0;

	for (size_t i = 1; i <= a->nb; i++)
		if (clean(a->b, i))
			v[n++] = (a->b[i].wall - a->b[i - 1].wall) / (2.0 * CAL_BATCH);
	return n;
}

/* The same for the clean batches of @a that lie within clean batches of @o. */
static size_t co_batches(const struct thr *a, const struct thr *o, double *v)
{
	size_t n = 0, j = 1;

	for (size_t i = 1; i <= a->nb; i++) {
		double s = a->b[i - 1].wall, e = a->b[i].wall;
		size_t k;
		bool ok;

		if (!clean(a->b, i))
			continue;
		while (j <= o->nb && o->b[j].wall < s)
			j++;
		ok = j <= o->nb && o->b[j - 1].wall <= s;
		for (k = j; ok && k <= o->nb && o->b[k - 1].wall < e; k++)
			ok = clean(o->b, k);
		if (ok && k <= o->nb + 1 && o->b[k - 1].wall >= e)
			v[n++] = (e - s) / (2.0 * CAL_BATCH);
	}
	return n;
}

/* The batch figures of a run of @n threads into @r. 0 or -1 (no memory). */
static int batch_figures(const struct thr *t, unsigned int n, struct thr_result *r)
{
	size_t all = 0, nv = 0, nco = 0;
	double *v;

	for (unsigned int i = 0; i < n; i++)
		all += t[i].nb;
	v = malloc((all + 1) * sizeof(*v));
	if (!v)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		nv += clean_batches(&t[i], v + nv);
	r->run_ns = median(v, nv);
	if (n == 2) {
		nco = co_batches(&t[0], &t[1], v);
		nco += co_batches(&t[1], &t[0], v + nco);
		r->co_ns = nco >= CAL_MIN_CO ? median(v, nco) : 0;
		r->co_frac = all ? (double)nco / all : 0;
	}
	free(v);
	return 0;
}

/* One threads-mode run of @n threads, @pairs alloc/free pairs each. 0 or -1. */
static int threads_run(struct sim_core *core, struct host_api *api, unsigned int n,
		       unsigned long pairs, struct thr_result *r)
{
	static struct lock_class_key vmm_key;
	struct sim_kernel *k = sim_kernel_create("threads"), *prev;
	struct thr t[CAL_MAX_THREADS] = { 0 };
	pthread_t tid[CAL_MAX_THREADS];
	pthread_barrier_t bar;
	struct stat_sum s = { 0 };
	double t0 = 0, t1, ops = 2.0 * pairs * n;
	long iv = 0;
	int err = 0;

	*r = (struct thr_result){ 0 };
	sim_core_reset(core);
	pthread_barrier_init(&bar, NULL, n + 1);
	prev = sim_kernel_enter(k);
	for (unsigned int i = 0; i < n; i++) {
		char name[16];

		snprintf(name, sizeof(name), "thr%u", i);
		t[i] = (struct thr){ .api = api, .k = k, .vm = api->create(name, 1000000),
				     .bar = &bar, .pairs = pairs };
		__sim_mutex_init(&t[i].vmm_lock, "&vmm->lock", &vmm_key);
		t[i].b = malloc((pairs / CAL_BATCH + 2) * sizeof(*t[i].b));
		if (!t[i].vm || !t[i].b)
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
		iv += t[i].ivcsw;
	}
	sim_lockstat_foreach(k, stat_cb, &s);
	for (unsigned int i = 0; i < n; i++)
		if (t[i].vm)
			api->destroy(t[i].vm);
	sim_kernel_leave(prev);
	sim_kernel_destroy(k);
	pthread_barrier_destroy(&bar);
	if (!err && batch_figures(t, n, r))
		err = -1;
	for (unsigned int i = 0; i < n; i++)
		free(t[i].b);
	r->ops_per_s = ops / ((t1 - t0) * 1e-9);
	r->ivcsw_per_kop = 1000.0 * iv / ops;
	r->acq_per_op = (double)s.acq / ops;
	r->cont_per_op = (double)s.cont / ops;
	r->alloc_hold_ns = s.alloc_acq ? (double)s.alloc_hold / s.alloc_acq : 0;
	return err ? -1 : 0;
}

#define FIELD_MEDIAN(out, r, f) do {				\
	double v_[CAL_REPS];					\
	for (int i_ = 0; i_ < CAL_REPS; i_++)			\
		v_[i_] = (r)[i_].f;				\
	(out)->f = median(v_, CAL_REPS);			\
} while (0)

/*
 * CAL_REPS runs of 1 and of 2 threads, alternating (so that both see the
 * same machine); every figure the median of its runs. @all gets every run.
 */
static int threads_medians(struct sim_core *core, struct host_api *api, unsigned long pairs,
			   struct thr_result all[][CAL_REPS], struct thr_result *out)
{
	for (int i = 0; i < CAL_REPS; i++)
		for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++)
			if (threads_run(core, api, n, pairs, &all[n][i]))
				return -1;
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++) {
		struct thr_result *r = all[n], *o = &out[n];

		FIELD_MEDIAN(o, r, ops_per_s);
		FIELD_MEDIAN(o, r, run_ns);
		{	/* over the runs that had enough co-running batches */
			double v[CAL_REPS];
			size_t nv = 0;

			for (int i = 0; i < CAL_REPS; i++)
				if (r[i].co_ns > 0)
					v[nv++] = r[i].co_ns;
			o->co_ns = median(v, nv);
		}
		FIELD_MEDIAN(o, r, co_frac);
		FIELD_MEDIAN(o, r, ivcsw_per_kop);
		FIELD_MEDIAN(o, r, acq_per_op);
		FIELD_MEDIAN(o, r, alloc_hold_ns);
		FIELD_MEDIAN(o, r, cont_per_op);
	}
	return 0;
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

struct cal {
	struct thr_result thr[CAL_MAX_THREADS + 1];
	struct thr_result all[CAL_MAX_THREADS + 1][CAL_REPS];
	struct model_result unit, mod[CAL_MAX_THREADS + 1], nobounce, lockonly;
	struct micro mi;
	double none_before;	/* the bare baton turn before the threads-mode runs */
	double t1, hold, kmodel, cs, opns, bounce;
	double wall_ns;		/* the whole calibration */
	unsigned long pairs;
	char spec[256];
};

/* What the threads mode did per second with its threads on CPUs (0: unknown). */
static double thr_oncpu(const struct thr_result *r, unsigned int n)
{
	double ns = n == 1 ? r->run_ns : r->co_ns;

	return ns > 0 ? n * 1e9 / ns : 0;
}

static double err_pct(double model, double real)
{
	return real > 0 ? 100.0 * (model - real) / real : 0;
}

/* Measure, derive the costs (c->spec), run the model. 0 or -1. */
static int cal_measure(const struct model *m, struct sim_core *core, struct host_api *api,
		       struct cal *c)
{
	struct sim_cost_model u;

	c->none_before = micro_bare();
	if (threads_medians(core, api, c->pairs, c->all, c->thr)) {
		fprintf(stderr, "model: calibrate: a threads-mode run failed\n");
		return -1;
	}
	micro_measure(&c->mi, core, api);
	/* the model's acquisitions per operation and inside an allocator-lock hold */
	memset(&u, 0, sizeof(u));
	u.version = m->cost.version;
	u.cs_hold_ns = 1;
	if (model_host_run(m, &u, 1, 64, &c->unit))
		return -1;
	c->kmodel = 1e9 / c->unit.ops_per_s;
	c->t1 = c->thr[1].run_ns;
	/* lockstat holds are wall time: scale them to time on a CPU */
	c->hold = c->thr[1].alloc_hold_ns * c->t1 * c->thr[1].ops_per_s * 1e-9;
	c->cs = c->unit.alloc_hold_ns > 0 ? c->hold / c->unit.alloc_hold_ns : 0;
	c->opns = c->t1 - c->kmodel * c->cs;
	if (c->opns < 0) {	/* the scaled hold overshot: the locks take all of T1 */
		c->cs = c->t1 / c->kmodel;
		c->opns = 0;
	}
	/* an operation's extra cost at a baton turn, spread over its acquisitions */
	c->bounce = c->kmodel > 0 ? c->mi.op_extra / c->kmodel : 0;
	snprintf(c->spec, sizeof(c->spec),
		 "cs_hold_ns=%.0f,op_ns=%.0f,lock_handoff_ns=%.0f,bounce_ns=%.0f", c->cs, c->opns,
		 c->mi.handoff, c->bounce);
	u = m->cost;
	u.cs_hold_ns = (u64)(c->cs + 0.5);
	u.op_ns = (u64)(c->opns + 0.5);
	u.lock_handoff_ns = (u64)(c->mi.handoff + 0.5);
	u.bounce_ns = (u64)(c->bounce + 0.5);
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++)
		if (model_host_run(m, &u, n, c->pairs / 100 < 64 ? 64 : c->pairs / 100,
				   &c->mod[n]))
			return -1;
	u.bounce_ns = (u64)(c->mi.bounce_lock + 0.5);
	if (model_host_run(m, &u, 2, c->pairs / 100 < 64 ? 64 : c->pairs / 100, &c->lockonly))
		return -1;
	u.bounce_ns = 0;
	return model_host_run(m, &u, 2, c->pairs / 100 < 64 ? 64 : c->pairs / 100,
			      &c->nobounce);
}

static void cal_print(const struct model *m, const struct cal *c)
{
	const struct micro *mi = &c->mi;

	printf("pasidsim model --calibrate: flavour %s, host side only (vfio_pasid_alloc/free "
	       "under a per-VM mutex, batches of %d), %lu pairs per thread, median of %d runs\n\n",
	       m->flavour, CAL_BATCH, c->pairs, CAL_REPS);
	printf("measured here (ns): %.1f per operation at 1 thread on its CPU (%.1f wall), "
	       "%.2f lock acquisitions per operation\n  (the model takes %.2f), %s held %.1f "
	       "per acquisition on a CPU (the model counts %.2f acquisitions inside a hold)\n",
	       c->t1, 1e9 / c->thr[1].ops_per_s, c->thr[1].acq_per_op, c->kmodel,
	       MODEL_ALLOC_LOCK, c->hold, c->unit.alloc_hold_ns);
	if (c->thr[1].acq_per_op - c->kmodel > 0.01 || c->kmodel - c->thr[1].acq_per_op > 0.01)
		printf("  WARNING: the model and the threads mode take different locks per "
		       "operation\n");
	printf("baton of 2 threads (ns per turn, fastest round): alone %.1f, with its own lock "
	       "%.1f, with a shared lock %.1f, with an operation %.1f;\n  one thread alone: own "
	       "lock %.1f, operation %.1f; so an operation costs %.1f more after the other\n"
	       "  thread's (%.1f per acquisition), an acquisition of its own lock %.1f more\n",
	       mi->none, mi->own, mi->shared, mi->op, mi->solo, mi->op_solo, mi->op_extra,
	       c->bounce, mi->bounce_lock);

	if (c->none_before > 1.5 * mi->none || mi->none > 1.5 * c->none_before)
		printf("  NOTE: a bare baton turn took %.1f ns before the threads-mode runs and "
		       "%.1f after:\n  the vCPUs moved on the host meanwhile, and the 2-thread "
		       "comparison mixes two machines\n", c->none_before, mi->none);
	if (mi->unmeasured)
		printf("  in some baton the 2 threads never ran at once in a whole round (machine "
		       "busy): what it gives is not measured (0)\n");
	printf("calibrated cost overrides: %s\n\n", c->spec);
	printf("%7s %12s %12s %12s %9s %9s %10s %9s %12s %12s\n", "threads", "wall_ops/s",
	       "oncpu_ops/s", "model_ops/s", "err_cpu", "err_wall", "co-running", "csw/kop",
	       "thr_cont/op", "model_cont/op");
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++) {
		const struct thr_result *t = &c->thr[n];
		double on = thr_oncpu(t, n);

		char ec[16] = "n/a";

		if (on > 0)
			snprintf(ec, sizeof(ec), "%+.2f%%", err_pct(c->mod[n].ops_per_s, on));
		printf("%7u %12.0f %12.0f %12.0f %9s %+8.2f%% %9.2f%% %9.2f %12.4f %12.4f\n",
		       n, t->ops_per_s, on, c->mod[n].ops_per_s, ec,
		       err_pct(c->mod[n].ops_per_s, t->ops_per_s),
		       n == 1 ? 100.0 : 100.0 * t->co_frac, t->ivcsw_per_kop, t->cont_per_op,
		       c->mod[n].cont_per_op);
	}
	for (int v = 0; v < 2; v++) {
		const struct model_result *r = v ? &c->nobounce : &c->lockonly;

		printf("with bounce_ns=%.0f (%s) the model gives %.0f ops/s at 2 threads "
		       "(%+.2f%% wall", v ? 0.0 : mi->bounce_lock, v ? "none" : "the lock's only",
		       r->ops_per_s, err_pct(r->ops_per_s, c->thr[2].ops_per_s));
		if (thr_oncpu(&c->thr[2], 2) > 0)
			printf(", %+.2f%% on CPU", err_pct(r->ops_per_s, thr_oncpu(&c->thr[2], 2)));
		printf(")\n");
	}
	fflush(stdout);
}

/*
 * Every figure of a calibration comes from wall-clock measurements (the
 * model's too, through the costs), so each is a sample, compared as noisy.
 */
static void cal_metric(struct results_run *run, const char *n, const char *unit,
		       enum results_better b, double v)
{
	results_sample(run, n, unit, b, v);
}

/* Into the results store: command "model", config {"calibrate":...}. 0 or -1. */
static int cal_record(const struct model *m, const struct cal *c, const char *dbopt)
{
	static const char *const tn[] = { "", "threads1", "threads2" };
	struct results_run_info info = {
		.command = "model", .flavour = m->flavour, .cost_model = m->cost_name,
		.seed = m->seed, .git_dirty = -1,
	};
	struct results_run *run;
	struct results_db *db;
	char config[256], name[96], err[1024];
	int64_t id;

	snprintf(config, sizeof(config), "{\"calibrate\":{\"flavour\":\"%s\",\"ops\":%u,"
		 "\"batch\":%d,\"reps\":%d}}", m->flavour, m->ops, CAL_BATCH, CAL_REPS);
	info.config = config;
	run = results_run_new(&info);
	if (!run)
		return -1;
	for (unsigned int n = 1; n <= CAL_MAX_THREADS; n++) {
		for (int i = 0; i < CAL_REPS; i++) {
			const struct thr_result *r = &c->all[n][i];

			snprintf(name, sizeof(name), "calibrate.%s.wall_ops_per_s", tn[n]);
			results_sample(run, name, "ops/s", RESULTS_HIGHER, r->ops_per_s);
			snprintf(name, sizeof(name), "calibrate.%s.oncpu_ops_per_s", tn[n]);
			if (thr_oncpu(r, n) > 0)
				results_sample(run, name, "ops/s", RESULTS_HIGHER, thr_oncpu(r, n));
		}
		snprintf(name, sizeof(name), "calibrate.%s.model_ops_per_virtual_s", tn[n]);
		cal_metric(run, name, "ops/s", RESULTS_HIGHER, c->mod[n].ops_per_s);
		snprintf(name, sizeof(name), "calibrate.%s.error_oncpu_pct", tn[n]);
		if (thr_oncpu(&c->thr[n], n) > 0)
			cal_metric(run, name, "%", RESULTS_EQUAL,
				   err_pct(c->mod[n].ops_per_s, thr_oncpu(&c->thr[n], n)));
		snprintf(name, sizeof(name), "calibrate.%s.error_wall_pct", tn[n]);
		cal_metric(run, name, "%", RESULTS_EQUAL,
			   err_pct(c->mod[n].ops_per_s, c->thr[n].ops_per_s));
	}
	results_run_set_duration(run, (u64)c->wall_ns);
	cal_metric(run, "calibrate.cs_hold_ns", "ns", RESULTS_LOWER, c->cs);
	cal_metric(run, "calibrate.op_ns", "ns", RESULTS_LOWER, c->opns);
	cal_metric(run, "calibrate.lock_handoff_ns", "ns", RESULTS_LOWER, c->mi.handoff);
	cal_metric(run, "calibrate.bounce_ns", "ns", RESULTS_LOWER, c->bounce);
	cal_metric(run, "calibrate.bounce_lock_ns", "ns", RESULTS_LOWER, c->mi.bounce_lock);
	cal_metric(run, "calibrate.threads2.co_running", "ratio", RESULTS_HIGHER,
		   c->thr[2].co_frac);
	results_run_set_outcome(run, (u64)(2.0 * c->pairs * 3 * CAL_REPS), "ok");
	db = results_open(results_db_path(dbopt), 0, err, sizeof(err));
	id = db ? results_run_commit(db, run, err, sizeof(err)) : -1;
	if (id < 0)
		fprintf(stderr, "model: calibrate: not recorded: %s\n", err);
	else
		fprintf(stderr, "model: calibrate: recorded run %lld in %s (%s)\n",
			(long long)id, results_path(db), results_run_uuid(run));
	results_close(db);
	results_run_free(run);
	return id < 0 ? -1 : 0;
}

int model_calibrate(struct model *m, const char *outfile, const char *dbopt, bool record)
{
	struct host_api api;
	struct sim_core *core;
	struct cal *c = calloc(1, sizeof(*c));
	int ret = -1;

	if (!c || load_host(m, &core, &api)) {
		free(c);
		return -1;
	}
	c->pairs = (unsigned long)m->ops * 1000;
	c->wall_ns = wall_ns();
	if (cal_measure(m, core, &api, c))
		goto out;
	c->wall_ns = wall_ns() - c->wall_ns;
	cal_print(m, c);
	if (outfile && write_spec(outfile, c->spec)) {
		fprintf(stderr, "model: calibrate: cannot write %s\n", outfile);
		goto out;
	}
	if (outfile)
		fprintf(stderr, "model: calibrated costs written to %s (use --cost=$(cat %s))\n",
			outfile, outfile);
	ret = record ? cal_record(m, c, dbopt) : 0;
out:
	sim_core_unload(core);
	free(c);
	return ret;
}
