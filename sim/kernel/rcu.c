// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: simulated tasks and a deterministic RCU.
 *
 * Tasks. Each pthread gets a struct sim_task on first use (libc malloc),
 * freed by a pthread key destructor when the thread exits. Every task is in
 * a process-wide registry so that a grace period sees the readers of all
 * threads. It waits only for those whose section runs in its own kernel
 * instance (the instance current at the outermost rcu_read_lock(); one that
 * a nested rcu_read_lock() ran in another instance counts for every one),
 * as each guest kernel has an RCU of its own.
 *
 * Read side. rcu_read_lock()/rcu_read_unlock() nest per task. Leaving the
 * outermost section stamps the task's rcu_qs_seq with a new value of a
 * process-wide counter, rcu_stamp.
 *
 * Grace periods. A callback queued by call_rcu() records the value of
 * rcu_stamp at that moment, T. A task inside a read-side section whose
 * rcu_qs_seq is greater than T left a section after the callback was queued,
 * so its current section began later and cannot hold the old pointer; only
 * readers with rcu_qs_seq <= T hold the callback back. This is conservative
 * (a reader that entered after the callback was queued, without completing a
 * section in between, also holds it back) and needs no per-callback reader
 * snapshot. synchronize_rcu() takes T = rcu_stamp at its start and waits
 * until no reader holds T back.
 *
 * Callbacks run only in synchronize_rcu(), rcu_barrier(), sim_rcu_quiescent()
 * and sim_rcu_fini(), in FIFO order, with the instance that queued them
 * current and no internal lock held (a callback may kfree() or call_rcu()).
 * No background thread exists.
 *
 * Preemption points. A task whose scheduler fuzzes schedules (the preempt
 * hook, <sim/task.h>) may be switched out inside a read-side section: right
 * after rcu_read_lock() counted it in, right before rcu_read_unlock() counts
 * it out, at every nesting level (so inside ioasid_find(), between loading
 * the active space and xa_load() walking it). A preempted reader is still
 * inside its section: grace periods wait for it as for any reader, and an
 * object kfree()d under it (instead of after a grace period) is poisoned
 * (the slab's quarantine, ASan) when it resumes and reads it.
 *
 * Not modelled: preemption-disabled regions as implicit read-side sections
 * (the kernel's RCU-sched flavour); only rcu_read_lock() counts.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <asm/processor.h>
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "internal.h"

/* ---- tasks and their registry ------------------------------------------------ */

static pthread_once_t task_once = PTHREAD_ONCE_INIT;
static pthread_key_t task_key;
__thread struct sim_task *sim_task_cur;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sim_task *registry;
static unsigned int task_count;

/* Bumped at every outermost rcu_read_unlock() of any task. */
static unsigned long long rcu_stamp;
/* Tasks inside a read-side section now: none lets a grace period skip the scan. */
static unsigned long rcu_readers;

static void __noreturn oom(void)
{
	fprintf(stderr, "pasidsim: rcu.c: out of memory\n");
	abort();
}

static void registry_del(struct sim_task *t);

static void task_exit(void *arg)
{
	struct sim_task *t = arg;

	registry_del(t);
	if (sim_task_cur == t)
		sim_task_cur = NULL;
	free(t);
}

static void task_key_create(void)
{
	if (pthread_key_create(&task_key, task_exit))
		oom();
}

static void registry_add(struct sim_task *t)
{
	pthread_mutex_lock(&registry_mu);
	if (!t->name[0])
		snprintf(t->name, sizeof(t->name), "task%u", task_count);
	task_count++;
	t->rcu_next = registry;
	registry = t;
	t->rcu_registered = true;
	pthread_mutex_unlock(&registry_mu);
}

static void registry_del(struct sim_task *t)
{
	struct sim_task **pp;

	pthread_mutex_lock(&registry_mu);
	for (pp = &registry; *pp; pp = &(*pp)->rcu_next) {
		if (*pp == t) {
			*pp = t->rcu_next;
			break;
		}
	}
	t->rcu_registered = false;
	pthread_mutex_unlock(&registry_mu);
}

/* The pthread's own task, created on first use. */
static struct sim_task *task_own(void)
{
	struct sim_task *t;

	pthread_once(&task_once, task_key_create);
	t = pthread_getspecific(task_key);
	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		oom();
	t->own = true;
	registry_add(t);
	pthread_setspecific(task_key, t);
	return t;
}

struct sim_task *sim_task_current(void)
{
	struct sim_task *t = sim_task_cur;

	if (likely(t))
		return t;
	t = task_own();
	sim_task_cur = t;
	return t;
}

struct sim_task *sim_task_create(const char *name, const struct sim_task_hooks *hooks,
				 void *arg)
{
	struct sim_task *t = calloc(1, sizeof(*t));

	if (!t)
		oom();
	snprintf(t->name, sizeof(t->name), "%s", name ? name : "");
	t->hooks = hooks;
	t->hooks_arg = arg;
	registry_add(t);
	return t;
}

void sim_task_set_hooks(struct sim_task *t, const struct sim_task_hooks *hooks)
{
	t->hooks = hooks;
}

void sim_task_set_clock(struct sim_task *t, const u64 *clock)
{
	t->clock = clock;
}

struct sim_kernel *sim_task_resume(struct sim_task *t, struct sim_kernel *k)
{
	struct sim_kernel *prev = sim_kernel_cur;

	sim_task_cur = t ? t : task_own();
	sim_kernel_cur = k;
	return prev;
}

struct sim_task *sim_task_switch(struct sim_task *t)
{
	struct sim_task *prev = sim_task_cur;

	if (prev && prev->own)
		prev = NULL;
	sim_task_cur = t ? t : task_own();
	return prev;
}

void sim_task_destroy(struct sim_task *t)
{
	if (!t)
		return;
	if (sim_task_cur == t)
		sim_task_cur = NULL;
	registry_del(t);
	free(t);
}

const char *sim_task_name(const struct sim_task *t)
{
	return t ? t->name : task_current()->name;
}

void sim_task_forget(struct sim_task *t)
{
	sim_lock_task_abandon(t);
	t->preempt_count = 0;
	t->irq_disabled = 0;
	if (__atomic_exchange_n(&t->rcu_nesting, 0, __ATOMIC_SEQ_CST))
		__atomic_fetch_sub(&rcu_readers, 1, __ATOMIC_SEQ_CST);
}

/*
 * The smallest rcu_qs_seq among tasks inside a read-side section, or
 * ULLONG_MAX if there is none: callbacks stamped below it may run.
 */
static bool reads_in(const struct sim_kernel *rk, const struct sim_kernel *k)
{
	return rk == k || rk == SIM_RCU_ANY_KERNEL;
}

static unsigned long long readers_min_qs(const struct sim_kernel *k)
{
	unsigned long long min = ULLONG_MAX;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!__atomic_load_n(&rcu_readers, __ATOMIC_SEQ_CST))
		return min;
	pthread_mutex_lock(&registry_mu);
	for (struct sim_task *t = registry; t; t = t->rcu_next) {
		unsigned long long qs;

		if (!__atomic_load_n(&t->rcu_nesting, __ATOMIC_ACQUIRE))
			continue;
		qs = __atomic_load_n(&t->rcu_qs_seq, __ATOMIC_ACQUIRE);
		if (!reads_in(__atomic_load_n(&t->rcu_k, __ATOMIC_ACQUIRE), k))
			continue;	/* another instance's reader */
		if (qs < min)
			min = qs;
	}
	pthread_mutex_unlock(&registry_mu);
	return min;
}

/* Wait until no reader of @k holds back stamp @s; returns the last readers_min_qs(). */
static unsigned long long wait_for_readers(const struct sim_kernel *k, unsigned long long s)
{
	unsigned long long min;
	unsigned int spins = 0;

	while ((min = readers_min_qs(k)) <= s) {
		struct sim_task *t = task_current();

		if (t->hooks && t->hooks->rcu_wait) {
			/* The readers are other simulated CPUs: let them run. */
			t->hooks->rcu_wait(t->hooks_arg);
		} else if (++spins < 64) {
			cpu_relax();
		} else {
			struct timespec ts = { .tv_nsec = 50 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	return min;
}

/* ---- readers now and later (declared in <sim/task.h>) --------------------------- */

void sim_rcu_snapshot(struct sim_rcu_snap *snap)
{
	struct sim_task *self = task_current();
	const struct sim_kernel *k = kernel_current();

	snap->n = 0;
	if (!__atomic_load_n(&rcu_readers, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&registry_mu);
	for (struct sim_task *t = registry; t && snap->n < SIM_RCU_SNAP_MAX; t = t->rcu_next) {
		if (t == self || !__atomic_load_n(&t->rcu_nesting, __ATOMIC_ACQUIRE) ||
		    !reads_in(__atomic_load_n(&t->rcu_k, __ATOMIC_ACQUIRE), k))
			continue;
		snap->r[snap->n].t = t;
		snap->r[snap->n].qs = __atomic_load_n(&t->rcu_qs_seq, __ATOMIC_ACQUIRE);
		snap->n++;
	}
	pthread_mutex_unlock(&registry_mu);
}

unsigned int sim_rcu_snapshot_held(const struct sim_rcu_snap *snap)
{
	unsigned int held = 0;

	if (!snap->n)
		return 0;
	pthread_mutex_lock(&registry_mu);
	for (struct sim_task *t = registry; t; t = t->rcu_next) {
		for (unsigned int i = 0; i < snap->n; i++) {
			if (snap->r[i].t != t || !__atomic_load_n(&t->rcu_nesting, __ATOMIC_ACQUIRE))
				continue;
			/* no outermost exit since: the same section */
			if (__atomic_load_n(&t->rcu_qs_seq, __ATOMIC_ACQUIRE) == snap->r[i].qs)
				held++;
		}
	}
	pthread_mutex_unlock(&registry_mu);
	return held;
}

/* ---- read side --------------------------------------------------------------- */

void rcu_read_lock(void)
{
	struct sim_task *t = task_current();
	unsigned int n = t->rcu_nesting;

	if (!n) {
		__atomic_store_n(&t->rcu_k, kernel_current(), __ATOMIC_RELEASE);
		__atomic_fetch_add(&rcu_readers, 1, __ATOMIC_SEQ_CST);
		if (t->clock)
			t->rcu_enter_ns = *t->clock;
	} else if (t->rcu_k != kernel_current()) {
		__atomic_store_n(&t->rcu_k, SIM_RCU_ANY_KERNEL, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&t->rcu_nesting, n + 1, __ATOMIC_RELAXED);
	/* Pairs with the fence in readers_min_qs(): publish before reading. */
	if (!n)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Inside the section: a preempted reader holds grace periods back. */
	sim_task_hook(t, preempt, SIM_PREEMPT_RCU);
}

void rcu_read_unlock(void)
{
	struct sim_task *t = task_current();
	unsigned int n = t->rcu_nesting;

	if (!n) {
		sim_finding_add(NULL, SIM_FINDING_RCU, NULL, 0,
				"rcu_read_unlock() without rcu_read_lock() in %s", t->name);
		return;
	}
	/* Still inside the section (a panic may forget it meanwhile: read again). */
	if (unlikely(t->hooks && t->hooks->preempt)) {
		t->hooks->preempt(t->hooks_arg, SIM_PREEMPT_RCU);
		n = t->rcu_nesting;
		if (!n)
			return;
	}
	if (n == 1) {
		unsigned long long s = __atomic_add_fetch(&rcu_stamp, 1, __ATOMIC_SEQ_CST);

		__atomic_store_n(&t->rcu_qs_seq, s, __ATOMIC_RELEASE);
		if (t->clock) {
			u64 *sec = t->rcu_sec[t->rcu_nsec % SIM_RCU_SECTIONS];

			t->rcu_sec_k[t->rcu_nsec++ % SIM_RCU_SECTIONS] = t->rcu_k;
			sec[0] = t->rcu_enter_ns;
			sec[1] = *t->clock;
			t->rcu_last_exit = sec[1];
			if (t->rcu_exit_slot) {
				*t->rcu_exit_slot = sec[1];
				if (sec[1] > *t->rcu_exit_max)
					*t->rcu_exit_max = sec[1];
			}
		}
	}
	__atomic_store_n(&t->rcu_nesting, n - 1, __ATOMIC_RELEASE);
	if (n == 1)
		__atomic_fetch_sub(&rcu_readers, 1, __ATOMIC_SEQ_CST);
}

bool rcu_read_lock_held(void)
{
	return task_current()->rcu_nesting != 0;
}

void __sim_rcu_dereference_report(const char *what, const char *file, int line)
{
	const char *base = file ? strrchr(file, '/') : NULL;

	base = base ? base + 1 : file ? file : "?";
	sim_finding_add(NULL, SIM_FINDING_RCU, file, line,
			"suspicious %s usage at %s:%d in %s", what, base, line,
			task_current()->name);
}

/* ---- callback queues, one per instance ------------------------------------------ */

struct rcu_cb {
	struct rcu_head *head;
	void *obj;			/* kfree_rcu(): the object to kfree() */
	unsigned long long stamp;	/* rcu_stamp when queued */
	unsigned long long index;	/* queue index: the queued count before it */
};

struct sim_rcu_state {
	struct sim_mu mu;
	struct rcu_cb *q;		/* ring buffer */
	size_t cap, first, n;
	unsigned long long queued;	/* callbacks ever queued */
	unsigned long long dequeued;	/* ... taken off to run: front's index */
	/*
	 * Indices of the callbacks taken off and still running (any task may
	 * run them). rcu_barrier() waits until every index below its target
	 * was taken off and none of them is here; a completed count would also
	 * count callbacks queued after the barrier.
	 */
	unsigned long long *running;
	size_t nrunning, running_cap;
};

void sim_rcu_init(struct sim_kernel *k)
{
	struct sim_rcu_state *rs = calloc(1, sizeof(*rs));

	if (!rs)
		oom();
	k->rcu = rs;
}

static void queue_grow(struct sim_rcu_state *rs)
{
	size_t cap = rs->cap ? 2 * rs->cap : 16;
	struct rcu_cb *q = malloc(cap * sizeof(*q));

	if (!q)
		oom();
	for (size_t i = 0; i < rs->n; i++)
		q[i] = rs->q[(rs->first + i) % rs->cap];
	free(rs->q);
	rs->q = q;
	rs->cap = cap;
	rs->first = 0;
}

static void enqueue(struct rcu_head *head, rcu_callback_t func, void *obj)
{
	struct sim_rcu_state *rs = kernel_current()->rcu;
	struct rcu_cb *cb;

	head->next = NULL;
	head->func = func;
	/* The stamp must be read after the caller unpublished the object. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	sim_mu_lock(&rs->mu);
	if (rs->n == rs->cap)
		queue_grow(rs);
	cb = &rs->q[(rs->first + rs->n) % rs->cap];
	cb->head = head;
	cb->obj = obj;
	cb->stamp = __atomic_load_n(&rcu_stamp, __ATOMIC_SEQ_CST);
	cb->index = rs->queued;
	rs->n++;
	rs->queued++;
	sim_mu_unlock(&rs->mu);
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	enqueue(head, func, NULL);
}

static void kfree_rcu_marker(struct rcu_head *head)
{
	/* Never called: kfree_rcu() entries carry the object in struct rcu_cb. */
}

void __sim_kfree_rcu(struct rcu_head *head, void *ptr)
{
	enqueue(head, kfree_rcu_marker, ptr);
}

/*
 * Take the front callback off @rs if it was queued before index @target and
 * is stamped below @limit.
 */
static bool dequeue(struct sim_rcu_state *rs, unsigned long long target,
		    unsigned long long limit, struct rcu_cb *out)
{
	bool ok = false;

	sim_mu_lock(&rs->mu);
	if (rs->n && rs->dequeued < target && rs->q[rs->first].stamp < limit) {
		*out = rs->q[rs->first];
		rs->first = (rs->first + 1) % rs->cap;
		rs->n--;
		rs->dequeued++;
		if (rs->nrunning == rs->running_cap) {
			size_t cap = rs->running_cap ? 2 * rs->running_cap : 8;
			unsigned long long *r = realloc(rs->running, cap * sizeof(*r));

			if (!r)
				oom();
			rs->running = r;
			rs->running_cap = cap;
		}
		rs->running[rs->nrunning++] = out->index;
		ok = true;
	}
	sim_mu_unlock(&rs->mu);
	return ok;
}

static void run_cb(struct sim_kernel *k, const struct rcu_cb *cb)
{
	struct sim_kernel *prev = sim_kernel_enter(k);
	struct sim_rcu_state *rs = k->rcu;

	if (cb->obj)
		__sim_kfree(cb->obj, "kfree_rcu", __FILE__, __LINE__);
	else
		cb->head->func(cb->head);
	sim_kernel_leave(prev);
	sim_mu_lock(&rs->mu);
	for (size_t i = 0; i < rs->nrunning; i++) {
		if (rs->running[i] == cb->index) {
			rs->running[i] = rs->running[--rs->nrunning];
			break;
		}
	}
	sim_mu_unlock(&rs->mu);
}

/* Every callback queued before index @target has returned. */
static bool completed_below(struct sim_rcu_state *rs, unsigned long long target)
{
	bool done;

	sim_mu_lock(&rs->mu);
	done = rs->dequeued >= target;
	for (size_t i = 0; done && i < rs->nrunning; i++)
		if (rs->running[i] < target)
			done = false;
	sim_mu_unlock(&rs->mu);
	return done;
}

/* Run, in order, the callbacks of @k before index @target stamped below @limit. */
static size_t run_ready(struct sim_kernel *k, unsigned long long target,
			unsigned long long limit)
{
	struct rcu_cb cb;
	size_t n = 0;

	while (dequeue(k->rcu, target, limit, &cb)) {
		run_cb(k, &cb);
		n++;
	}
	return n;
}

static unsigned long long queued_now(struct sim_rcu_state *rs)
{
	unsigned long long q;

	sim_mu_lock(&rs->mu);
	q = rs->queued;
	sim_mu_unlock(&rs->mu);
	return q;
}

/*
 * A full grace period for the callbacks of the current instance queued so
 * far: returns the current instance, sets *@target to their count and
 * *@limit to a stamp above all of theirs. Inside a read-side section it
 * reports (only that: no might_sleep() finding on top) and returns NULL.
 */
static struct sim_kernel *grace_period(const char *what, unsigned long long *target,
				       unsigned long long *limit)
{
	struct sim_task *t = task_current();
	struct sim_kernel *k = kernel_current();
	unsigned long long s;
	u64 g;

	if (t->rcu_nesting) {
		sim_finding_add(k, SIM_FINDING_RCU, NULL, 0,
				"%s() inside an RCU read-side critical section (nesting %u): "
				"would deadlock",
				what, t->rcu_nesting);
		return NULL;
	}
	might_sleep();
	/* In virtual time: a scheduling point first, so CPUs behind catch up. */
	sim_task_hook(t, rcu_gp, true, 0);
	g = task_clock(t);
	*target = queued_now(k->rcu);
	s = __atomic_load_n(&rcu_stamp, __ATOMIC_SEQ_CST);
	*limit = wait_for_readers(k, s);
	/* ... and it ends no earlier than the readers it waited for left. */
	sim_task_hook(t, rcu_gp, false, g);
	return k;
}

void sim_task_set_rcu_slot(struct sim_task *t, u64 *slot, u64 *max)
{
	t->rcu_exit_slot = slot;
	t->rcu_exit_max = max;
	if (slot)
		*slot = t->rcu_last_exit;
	if (slot && t->rcu_last_exit > *max)
		*max = t->rcu_last_exit;
}

u64 sim_task_rcu_straddle(const struct sim_task *t, u64 g, const struct sim_kernel *k)
{
	unsigned int n = t->rcu_nsec, have = n < SIM_RCU_SECTIONS ? n : SIM_RCU_SECTIONS;
	u64 end = 0, oldest = ~0ull;

	/* Sections are in order: none straddles @g unless the last one ends after it. */
	if (!n || t->rcu_sec[(n - 1) % SIM_RCU_SECTIONS][1] <= g)
		return 0;

	for (unsigned int i = 0; i < have; i++) {
		const u64 *sec = t->rcu_sec[(n - 1 - i) % SIM_RCU_SECTIONS];

		if (sec[0] < g && sec[1] > g && sec[1] > end &&
		    (!k || reads_in(t->rcu_sec_k[(n - 1 - i) % SIM_RCU_SECTIONS], k)))
			end = sec[1];
		if (sec[0] < oldest)
			oldest = sec[0];
	}
	/* The ring does not reach back to @g: a forgotten section may straddle it. */
	if (n > SIM_RCU_SECTIONS && oldest > g && oldest > end)
		end = oldest;
	return end;
}

void synchronize_rcu(void)
{
	unsigned long long target, limit;
	struct sim_kernel *k;

	k = grace_period("synchronize_rcu", &target, &limit);
	if (k)
		run_ready(k, target, limit);
}

void rcu_barrier(void)
{
	unsigned long long target, limit;
	struct sim_kernel *k;

	k = grace_period("rcu_barrier", &target, &limit);
	if (!k)
		return;
	run_ready(k, target, limit);
	/*
	 * Callbacks that other tasks took off the queue may still be running;
	 * later ones completing in the meantime do not count.
	 */
	while (!completed_below(k->rcu, target))
		cpu_relax();
}

size_t sim_rcu_quiescent(void)
{
	struct sim_task *t = task_current();
	struct sim_kernel *k = kernel_current();
	unsigned long long target;

	if (t->rcu_nesting) {
		sim_finding_add(k, SIM_FINDING_RCU, NULL, 0,
				"sim_rcu_quiescent() inside an RCU read-side critical section");
		return 0;
	}
	target = queued_now(k->rcu);
	return run_ready(k, target, readers_min_qs(k));
}

size_t sim_rcu_pending(struct sim_kernel *k)
{
	struct sim_rcu_state *rs = sim_k(k)->rcu;
	size_t n;

	sim_mu_lock(&rs->mu);
	n = rs->n;
	sim_mu_unlock(&rs->mu);
	return n;
}

void sim_rcu_fini(struct sim_kernel *k)
{
	struct sim_rcu_state *rs = k->rcu;

	if (!rs)
		return;
	/* Teardown: no reader of @k may be left; callbacks may queue more. */
	run_ready(k, ULLONG_MAX, ULLONG_MAX);
	free(rs->q);
	free(rs->running);
	free(rs);
	k->rcu = NULL;
}

void sim_rcu_reset(struct sim_kernel *k)
{
	struct sim_rcu_state *rs = sim_k(k)->rcu;

	/* Drop, do not run: the objects they refer to are about to be freed. */
	sim_mu_lock(&rs->mu);
	rs->first = 0;
	rs->n = 0;
	rs->queued = 0;
	rs->dequeued = 0;
	rs->nrunning = 0;
	sim_mu_unlock(&rs->mu);
}

/* ---- instance reset (declared in <sim/task.h>) ------------------------------ */

void sim_kernel_reset(struct sim_kernel *k)
{
	k = sim_k(k);
	sim_rcu_reset(k);
	sim_slab_free_all(k);
	sim_fault_reset(k);
	sim_lock_reset(k);
	sim_log_clear(k);
	sim_findings_clear(k);
}
