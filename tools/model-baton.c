// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model --calibrate: the 2-thread baton microbenchmarks
 * (docs/validation.md). Two threads pass a baton (strict alternation on one
 * cache line) and do a piece of work at every turn; the fastest of many
 * rounds of BATON_TURNS turns is the figure, so a round in which the
 * machine descheduled a thread does not count. Each turn therefore finds
 * whatever the work shares last touched by the other CPU, which is the
 * case the model's bounce_ns stands for. The work: nothing (the baton
 * alone); each thread's own spinlock (one class in one instance: only the
 * instance's lock bookkeeping is shared); one shared spinlock; one host
 * operation (vfio_pasid_alloc, then vfio_pasid_free of it at the thread's
 * next turn, on the thread's own VM under its own mutex). The solo figures
 * are one thread doing the same work without a baton.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <sim/kernel.h>

#include "model-cal.h"

#define BATON_REPS	5
#define BATON_TURNS	64	/* turns per round */
#define BATON_ROUNDS	400
#define BATON_BUDGET_NS	4e8	/* wall time a measurement may take (a busy machine) */
#define BATON_CO_NS	2000	/* a bare turn slower than this: the threads never co-ran */
#define BATON_OP_CO_NS	6000	/* the same for a turn with an operation (about 2,500 here) */

enum baton_work { BATON_NONE, BATON_OWN, BATON_SHARED, BATON_SOLO, BATON_OP, BATON_OP_SOLO };

static struct {
	unsigned long turn __attribute__((aligned(64)));
	spinlock_t own[2] __attribute__((aligned(64)));
	spinlock_t shared __attribute__((aligned(64)));
	struct mutex vmm[2];
	struct vfio_pasid_vm *vm[2];
	ioasid_t id[2];
	struct host_api *api;
	struct sim_kernel *k;
	enum baton_work work;
	bool stop;
	double deadline;	/* wall time: a waiting thread gives up after it */
	int err;
	pthread_barrier_t bar;
	double best;		/* thread 0: the fastest round, ns per turn */
} bt;

/* An allocation at one turn, the free of it at the thread's next. */
static void baton_op(int id)
{
	int err;

	mutex_lock(&bt.vmm[id]);
	if (bt.id[id]) {
		err = bt.api->free(bt.vm[id], bt.id[id]);
		bt.id[id] = 0;
	} else {
		err = bt.api->alloc(bt.vm[id], 1, 0xFFFFF, &bt.id[id]);
	}
	mutex_unlock(&bt.vmm[id]);
	if (err) {	/* the other thread must not wait for this one */
		__atomic_store_n(&bt.err, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&bt.stop, true, __ATOMIC_RELAXED);
	}
}

static void baton_work(int id)
{
	spinlock_t *l = bt.work == BATON_SHARED ? &bt.shared : &bt.own[id];

	if (bt.work == BATON_NONE)
		return;
	if (bt.work == BATON_OP || bt.work == BATON_OP_SOLO) {
		baton_op(id);
		return;
	}
	spin_lock(l);
	spin_unlock(l);
}

/* Wait for turn @want; false if the measurement stopped meanwhile. */
static bool baton_wait(unsigned long want)
{
	unsigned int spins = 0;

	while (__atomic_load_n(&bt.turn, __ATOMIC_ACQUIRE) != want) {
		if (__atomic_load_n(&bt.stop, __ATOMIC_RELAXED))
			return false;
		if (++spins % 256) {
			__builtin_ia32_pause();
			continue;
		}
		sched_yield();	/* the other thread is off its CPU: let it on */
		if (model_wall_ns() > bt.deadline) {
			__atomic_store_n(&bt.stop, true, __ATOMIC_RELAXED);
			return false;
		}
	}
	return true;
}

static void *baton_main(void *p)
{
	int id = (int)(long)p;
	struct sim_kernel *prev = sim_kernel_enter(bt.k);
	bool solo = bt.work == BATON_SOLO || bt.work == BATON_OP_SOLO;
	unsigned long turns = BATON_TURNS;
	double start;

	pthread_barrier_wait(&bt.bar);
	start = model_wall_ns();
	for (unsigned long r = 0; r < BATON_ROUNDS; r++) {
		unsigned long base = r * turns;
		double t0 = model_wall_ns(), t1;

		for (unsigned long i = id; i < turns; i += solo ? 1 : 2) {
			if (!solo && !baton_wait(base + i))
				goto out;
			baton_work(id);
			if (!solo)
				__atomic_store_n(&bt.turn, base + i + 1, __ATOMIC_RELEASE);
		}
		if (!solo && !baton_wait(base + turns))
			goto out;
		t1 = model_wall_ns();
		if (!id && (t1 - t0) / turns < bt.best)
			bt.best = (t1 - t0) / turns;
		if (!id && t1 - start > BATON_BUDGET_NS)
			__atomic_store_n(&bt.stop, true, __ATOMIC_RELAXED);
		if (__atomic_load_n(&bt.stop, __ATOMIC_RELAXED))
			break;
	}
out:
	sim_kernel_leave(prev);
	return NULL;
}

static void baton_setup(struct sim_core *core, struct host_api *api)
{
	static struct lock_class_key vmm_key;
	struct sim_kernel *prev;

	bt.k = sim_kernel_create("baton");
	prev = sim_kernel_enter(bt.k);
	for (int i = 0; i < 2; i++) {
		spin_lock_init(&bt.own[i]);	/* one class, as the churn's xa_locks */
		__sim_mutex_init(&bt.vmm[i], "&vmm->lock", &vmm_key);
	}
	spin_lock_init(&bt.shared);
	if (bt.work == BATON_OP || bt.work == BATON_OP_SOLO) {
		sim_core_reset(core);
		bt.api = api;
		for (int i = 0; i < 2; i++) {
			bt.vm[i] = api->create(i ? "baton1" : "baton0", 1000000);
			bt.id[i] = 0;
			bt.err |= !bt.vm[i];
		}
	}
	sim_kernel_leave(prev);
}

static void baton_teardown(void)
{
	struct sim_kernel *prev = sim_kernel_enter(bt.k);

	for (int i = 0; i < 2; i++) {
		if (bt.vm[i] && bt.id[i])
			bt.api->free(bt.vm[i], bt.id[i]);
		if (bt.vm[i])
			bt.api->destroy(bt.vm[i]);
		bt.vm[i] = NULL;
	}
	sim_kernel_leave(prev);
	sim_kernel_destroy(bt.k);
}

/* ns per turn of the fastest round (1e18: the measurement failed). */
static double baton(enum baton_work w, struct sim_core *core, struct host_api *api)
{
	unsigned int n = w == BATON_SOLO || w == BATON_OP_SOLO ? 1 : 2;
	pthread_t tid[2];
	unsigned int made = 0;

	bt.work = w;
	bt.turn = 0;
	bt.stop = false;
	bt.err = 0;
	bt.best = 1e18;
	bt.deadline = model_wall_ns() + 2 * BATON_BUDGET_NS;
	baton_setup(core, api);
	pthread_barrier_init(&bt.bar, NULL, n);
	for (bool setup_ok = !bt.err; setup_ok && made < n; made++)
		pthread_create(&tid[made], NULL, baton_main, (void *)(long)made);
	for (unsigned int i = 0; i < made; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&bt.bar);
	baton_teardown();
	return bt.err ? 1e18 : bt.best;
}

void micro_measure(struct micro *m, struct sim_core *core, struct host_api *api)
{
	double *f[6] = { &m->none, &m->own, &m->shared, &m->solo, &m->op, &m->op_solo };

	*m = (struct micro){ 0 };
	for (int j = 0; j < 6; j++)
		*f[j] = 1e18;
	for (int i = 0; i < BATON_REPS; i++)
		for (int j = 0; j < 6; j++) {
			double v = baton((enum baton_work)j, core, api);

			if (v < *f[j])
				*f[j] = v;
		}
	m->handoff = m->shared - m->own;
	m->bounce_lock = m->own - m->none - m->solo;
	m->op_extra = m->op - m->none - m->op_solo;
	/* a figure from rounds that never ran on 2 CPUs at once is not one */
	if (m->own > BATON_CO_NS || m->shared > BATON_CO_NS)
		m->handoff = 0;
	if (m->none > BATON_CO_NS || m->own > BATON_CO_NS)
		m->bounce_lock = 0;
	if (m->none > BATON_CO_NS || m->op > BATON_OP_CO_NS)
		m->op_extra = 0;
	m->unmeasured = m->none > BATON_CO_NS || m->own > BATON_CO_NS ||
			m->shared > BATON_CO_NS || m->op > BATON_OP_CO_NS;
	if (m->handoff < 0)
		m->handoff = 0;
	if (m->bounce_lock < 0)
		m->bounce_lock = 0;
	if (m->op_extra < 0)
		m->op_extra = 0;
}

double micro_bare(void)
{
	double best = 1e18;

	for (int i = 0; i < BATON_REPS; i++) {
		double v = baton(BATON_NONE, NULL, NULL);

		if (v < best)
			best = v;
	}
	return best;
}
