// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the shim's locks (sim/kernel/lock.c): lockdep-style checks,
 * lockstat counters, preemption/IRQ state, atomics and refcount_t.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include <linux/atomic.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>
#include <ktest.h>

/* ---- helpers -------------------------------------------------------------- */

struct thread_call {
	void (*fn)(void *arg);
	void *arg;
	struct sim_kernel *k;
};

static void *thread_main(void *p)
{
	struct thread_call *c = p;
	struct sim_kernel *prev = sim_kernel_enter(c->k);

	c->fn(c->arg);
	sim_kernel_leave(prev);
	return NULL;
}

/* Start @fn(@arg) on a new thread running in the test's kernel instance. */
static pthread_t thread_start(struct thread_call *c, void (*fn)(void *), void *arg)
{
	pthread_t th;

	c->fn = fn;
	c->arg = arg;
	c->k = ktest_kernel();
	cr_assert_eq(pthread_create(&th, NULL, thread_main, c), 0);
	return th;
}

static void thread_run(void (*fn)(void *), void *arg)
{
	struct thread_call c;

	pthread_join(thread_start(&c, fn, arg), NULL);
}

struct stat_find {
	const char *name;
	struct sim_lockstat st;
	int found;
};

static void stat_find_fn(const struct sim_lockstat *st, void *arg)
{
	struct stat_find *f = arg;

	if (!strcmp(st->name, f->name)) {
		f->st = *st;
		f->found++;
	}
}

/* The lockstat row of class @name; fails the test if there is not exactly one. */
static struct sim_lockstat stat_of(const char *name)
{
	struct stat_find f = { .name = name };

	sim_lockstat_foreach(NULL, stat_find_fn, &f);
	cr_assert_eq(f.found, 1, "lock class %s: %d lockstat rows", name, f.found);
	return f.st;
}

/* The number of lockstat rows (classes) named @name. */
static int stat_count(const char *name)
{
	struct stat_find f = { .name = name };

	sim_lockstat_foreach(NULL, stat_find_fn, &f);
	return f.found;
}

static u64 stat_contentions(const char *name)
{
	struct stat_find f = { .name = name };

	sim_lockstat_foreach(NULL, stat_find_fn, &f);
	return f.found ? f.st.contentions : 0;
}

static const struct sim_finding *last_finding(void)
{
	size_t n = sim_findings_count(NULL, -1);

	cr_assert_gt(n, 0);
	return sim_finding_get(NULL, n - 1);
}

/* "file.c:line" of this test file */
static void site(char *buf, size_t len, int line)
{
	snprintf(buf, len, "test_lock.c:%d", line);
}

static u64 fake_now;

static u64 fake_clock(void *arg)
{
	return __atomic_load_n(&fake_now, __ATOMIC_SEQ_CST);
}

static void fake_set(u64 ns)
{
	__atomic_store_n(&fake_now, ns, __ATOMIC_SEQ_CST);
}

/* ---- held-by-me assertions, bad unlock ---------------------------------------- */

KTEST(lock, assert_held)
{
	spinlock_t a, b;
	struct mutex m;

	spin_lock_init(&a);
	spin_lock_init(&b);
	mutex_init(&m);

	spin_lock(&a);
	lockdep_assert_held(&a);
	lockdep_assert_not_held(&b);
	assert_spin_locked(&a);
	cr_assert(spin_is_locked(&a));
	cr_assert_not(spin_is_locked(&b));
	cr_assert_eq(sim_locks_held(), 1);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);

	lockdep_assert_held(&b);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert(strstr(last_finding()->msg, "lockdep_assert_held"));
	lockdep_assert_not_held(&a);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 2);
	spin_unlock(&a);
	cr_assert_eq(sim_locks_held(), 0);

	mutex_lock(&m);
	lockdep_assert_held(&m);
	cr_assert(mutex_is_locked(&m));
	mutex_unlock(&m);
	cr_assert_not(mutex_is_locked(&m));
	lockdep_assert_held(&m);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 3);
	ktest_expect(SIM_FINDING_LOCKDEP, 3);
}

struct held_elsewhere {
	spinlock_t *lock;
	int stage;		/* 1: locked, 2: may unlock */
};

static void hold_until_told(void *arg)
{
	struct held_elsewhere *h = arg;

	spin_lock(h->lock);
	__atomic_store_n(&h->stage, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&h->stage, __ATOMIC_SEQ_CST) != 2)
		sched_yield();
	spin_unlock(h->lock);
}

KTEST(lock, unlock_not_held, .timeout = 20)
{
	struct held_elsewhere h;
	struct thread_call c;
	spinlock_t a;
	pthread_t th;
	char where[64];
	int line;

	spin_lock_init(&a);
	spin_unlock(&a); line = __LINE__;
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert(strstr(last_finding()->msg, "not held"));
	site(where, sizeof(where), line);
	cr_assert(strstr(last_finding()->msg, where), "%s", last_finding()->msg);
	cr_assert_eq(preempt_count(), 0);

	/* Held by another thread: reported, and that thread keeps it. */
	h.lock = &a;
	h.stage = 0;
	th = thread_start(&c, hold_until_told, &h);
	while (__atomic_load_n(&h.stage, __ATOMIC_SEQ_CST) != 1)
		sched_yield();
	spin_unlock(&a);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 2);
	cr_assert(spin_is_locked(&a));
	cr_assert_eq(spin_trylock(&a), 0);
	__atomic_store_n(&h.stage, 2, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	cr_assert_not(spin_is_locked(&a));
	ktest_expect(SIM_FINDING_LOCKDEP, 2);
}

/*
 * Past the held-lock stack's end a lock is taken but not tracked: reported,
 * released by its unlock, and not seen by lockdep_is_held() (the shim's
 * check reads the owner field first, and must fall back to the stack while
 * such a lock is held: without that fallback the untracked lock reads held).
 */
KTEST(lock, held_stack_overflow)
{
	spinlock_t l[80];
	unsigned int n = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(l); i++)
		spin_lock_init(&l[i]);
	while (n < ARRAY_SIZE(l) - 1 && !sim_findings_count(NULL, SIM_FINDING_LOCKDEP))
		spin_lock(&l[n++]);
	cr_assert_lt(n, ARRAY_SIZE(l) - 1, "no lock went untracked");
	cr_assert(strstr(last_finding()->msg, "not tracked"), "%s", last_finding()->msg);
	cr_assert_eq(sim_locks_held(), n - 1);
	cr_assert_eq(preempt_count(), n);
	cr_assert(spin_is_locked(&l[n - 1]));
	cr_assert_not(lockdep_is_held(&l[n - 1]));
	cr_assert(lockdep_is_held(&l[n - 2]));
	cr_assert(lockdep_is_held(&l[0]));
	cr_assert_not(lockdep_is_held(&l[n]));

	spin_unlock(&l[n - 1]);
	cr_assert_not(spin_is_locked(&l[n - 1]));
	cr_assert_eq(preempt_count(), n - 1);
	for (unsigned int i = n - 1; i > 0; i--) {
		cr_assert(lockdep_is_held(&l[i - 1]));
		spin_unlock(&l[i - 1]);
		cr_assert_not(lockdep_is_held(&l[i - 1]));
	}
	cr_assert_eq(sim_locks_held(), 0);
	cr_assert_eq(preempt_count(), 0);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

/* ---- lock order ------------------------------------------------------------- */

KTEST(lock, abba_one_thread)
{
	spinlock_t lock_alpha, lock_beta;
	char s1[64], s2[64];
	const char *msg;
	int l_b, l_a;

	spin_lock_init(&lock_alpha);
	spin_lock_init(&lock_beta);

	spin_lock(&lock_alpha);
	spin_lock(&lock_beta);
	spin_unlock(&lock_beta);
	spin_unlock(&lock_alpha);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);

	spin_lock(&lock_beta); l_b = __LINE__;
	spin_lock(&lock_alpha); l_a = __LINE__;
	spin_unlock(&lock_alpha);
	spin_unlock(&lock_beta);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	msg = last_finding()->msg;
	cr_assert(strstr(msg, "circular locking dependency"), "%s", msg);
	cr_assert(strstr(msg, "&lock_alpha"), "%s", msg);
	cr_assert(strstr(msg, "&lock_beta"), "%s", msg);
	site(s1, sizeof(s1), l_a);
	site(s2, sizeof(s2), l_b);
	cr_assert(strstr(msg, s1), "%s not in %s", s1, msg);
	cr_assert(strstr(msg, s2), "%s not in %s", s2, msg);
	cr_assert_eq(last_finding()->line, l_a);

	/* Each inversion pair is reported once. */
	spin_lock(&lock_beta);
	spin_lock(&lock_alpha);
	spin_unlock(&lock_alpha);
	spin_unlock(&lock_beta);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

struct two_locks {
	spinlock_t *first, *second;
};

static void lock_in_order(void *arg)
{
	struct two_locks *t = arg;

	spin_lock(t->first);
	spin_lock(t->second);
	spin_unlock(t->second);
	spin_unlock(t->first);
}

KTEST(lock, abba_two_threads, .timeout = 20)
{
	spinlock_t lock_x, lock_y;
	struct two_locks xy = { &lock_x, &lock_y }, yx = { &lock_y, &lock_x };

	spin_lock_init(&lock_x);
	spin_lock_init(&lock_y);
	thread_run(lock_in_order, &xy);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	thread_run(lock_in_order, &yx);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert(strstr(last_finding()->msg, "&lock_x"));
	cr_assert(strstr(last_finding()->msg, "&lock_y"));
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

KTEST(lock, consistent_order_no_finding)
{
	spinlock_t a, b, c;
	struct mutex m;
	unsigned long flags;

	spin_lock_init(&a);
	spin_lock_init(&b);
	spin_lock_init(&c);
	mutex_init(&m);
	for (int i = 0; i < 10; i++) {
		mutex_lock(&m);
		spin_lock(&a);
		spin_lock_irqsave(&b, flags);
		spin_lock(&c);
		spin_unlock(&c);
		spin_unlock_irqrestore(&b, flags);
		spin_unlock(&a);
		/* a subset of the same order */
		spin_lock(&a);
		spin_lock(&c);
		spin_unlock(&a);	/* out of order release is fine */
		spin_unlock(&c);
		mutex_unlock(&m);
	}
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	cr_assert_eq(stat_of("&a").acquisitions, 20);
	cr_assert_eq(stat_of("&b").acquisitions, 10);
	cr_assert_eq(stat_of("&c").acquisitions, 20);
	cr_assert_eq(stat_of("&m").acquisitions, 10);
	cr_assert_eq(sim_locks_held(), 0);
	cr_assert_eq(preempt_count(), 0);
}

KTEST(lock, three_lock_cycle)
{
	spinlock_t la, lb, lc;

	spin_lock_init(&la);
	spin_lock_init(&lb);
	spin_lock_init(&lc);
	spin_lock(&la);
	spin_lock(&lb);
	spin_unlock(&lb);
	spin_unlock(&la);
	spin_lock(&lb);
	spin_lock(&lc);
	spin_unlock(&lc);
	spin_unlock(&lb);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	/* c -> a closes la -> lb -> lc -> la */
	spin_lock(&lc);
	spin_lock(&la);
	spin_unlock(&la);
	spin_unlock(&lc);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert(strstr(last_finding()->msg, "&la"));
	cr_assert(strstr(last_finding()->msg, "&lc"));
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

struct obj {
	spinlock_t lock;
};

static void obj_init(struct obj *o)
{
	spin_lock_init(&o->lock);	/* one call site: one class */
}

/*
 * Two locks of one class nested in both orders: no edge inside a class, so
 * no report (there is no spin_lock_nested() annotation to tell the orders
 * apart). Documented in sim/kernel/lock.c.
 */
KTEST(lock, same_class_nesting)
{
	struct obj o1, o2;

	obj_init(&o1);
	obj_init(&o2);
	spin_lock(&o1.lock);
	spin_lock(&o2.lock);
	spin_unlock(&o2.lock);
	spin_unlock(&o1.lock);
	spin_lock(&o2.lock);
	spin_lock(&o1.lock);
	spin_unlock(&o1.lock);
	spin_unlock(&o2.lock);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	cr_assert_eq(stat_of("&o->lock").acquisitions, 4);
}

KTEST(lock, recursive_spinlock_reported_not_deadlocked)
{
	spinlock_t a;
	struct mutex m;

	spin_lock_init(&a);
	mutex_init(&m);
	spin_lock(&a);
	spin_lock(&a);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert(strstr(last_finding()->msg, "recursive"));
	cr_assert_eq(preempt_count(), 2);
	spin_unlock(&a);
	cr_assert(spin_is_locked(&a));
	spin_unlock(&a);
	cr_assert_not(spin_is_locked(&a));
	cr_assert_eq(preempt_count(), 0);
	cr_assert_eq(sim_locks_held(), 0);

	mutex_lock(&m);
	mutex_lock(&m);
	mutex_unlock(&m);
	mutex_unlock(&m);
	cr_assert_not(mutex_is_locked(&m));
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 2);
	cr_assert_eq(stat_of("&a").acquisitions, 1);
	ktest_expect(SIM_FINDING_LOCKDEP, 2);
}

static DEFINE_SPINLOCK(static_lock);

/* A static lock's class is its address: a same-named twin is another class. */
KTEST(lock, static_class_by_address)
{
	char name[] = "static_lock";
	spinlock_t twin = { .m = PTHREAD_MUTEX_INITIALIZER, .name = name };
	spinlock_t other;

	spin_lock_init(&other);
	spin_lock(&static_lock);
	spin_unlock(&static_lock);
	spin_lock(&static_lock);
	spin_unlock(&static_lock);
	cr_assert_eq(stat_of("static_lock").acquisitions, 2);
	/* same name content, another lock: its own class */
	spin_lock(&twin);
	spin_lock(&other);
	spin_unlock(&other);
	spin_unlock(&twin);
	cr_assert_eq(stat_count("static_lock"), 2);
	/* other -> static_lock does not invert twin -> other */
	spin_lock(&other);
	spin_lock(&static_lock);
	spin_unlock(&static_lock);
	spin_unlock(&other);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 0);
	/* static_lock -> other does invert other -> static_lock */
	spin_lock(&static_lock);
	spin_lock(&other);
	spin_unlock(&other);
	spin_unlock(&static_lock);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

/* Two distinct static mutexes with the same name (/tmp/review/shim1.c case 3). */
static struct mutex *same_name_a(void)
{
	static DEFINE_MUTEX(lock);

	return &lock;
}

static struct mutex *same_name_b(void)
{
	static DEFINE_MUTEX(lock);

	return &lock;
}

KTEST(lock, abba_same_named_static_mutexes)
{
	mutex_lock(same_name_a());
	mutex_lock(same_name_b());
	mutex_unlock(same_name_b());
	mutex_unlock(same_name_a());
	cr_assert_eq(sim_findings_count(NULL, -1), 0, "one class: nesting it is silent");
	mutex_lock(same_name_b());
	mutex_lock(same_name_a());
	mutex_unlock(same_name_a());
	mutex_unlock(same_name_b());
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1, "AB-BA not reported");
	cr_assert_eq(stat_count("lock"), 2);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

/*
 * Linux's lock classes for xa_lock: a statically defined array's lock is a
 * class of its own named after the array, like every static lock; arrays set
 * up by xa_init() share the class of the spin_lock_init() in xa_init_flags()
 * (one per compilation unit), named "&xa->xa_lock".
 */
KTEST(lock, xa_lock_classes)
{
	static DEFINE_XARRAY(xa_static);
	struct xarray xa_dyn, xa_dyn2;
	DEFINE_SPINLOCK(outer);

	xa_init(&xa_dyn);
	xa_init(&xa_dyn2);
	cr_assert_null(xa_store(&xa_static, 1, xa_mk_value(1), GFP_KERNEL));
	cr_assert_null(xa_store(&xa_dyn, 1, xa_mk_value(1), GFP_KERNEL));
	cr_assert_null(xa_store(&xa_dyn2, 1, xa_mk_value(1), GFP_KERNEL));
	cr_assert_eq(stat_count("xa_static.xa_lock"), 1);
	cr_assert_eq(stat_count("&xa->xa_lock"), 1);
	cr_assert_eq(stat_of("&xa->xa_lock").acquisitions, 2);
	/* outer -> &xa->xa_lock, then &xa->xa_lock -> outer through another array: AB-BA */
	spin_lock(&outer);
	xa_lock(&xa_dyn);
	xa_unlock(&xa_dyn);
	spin_unlock(&outer);
	xa_lock(&xa_dyn2);
	spin_lock(&outer);
	spin_unlock(&outer);
	xa_unlock(&xa_dyn2);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
	xa_destroy(&xa_static);
	xa_destroy(&xa_dyn);
	xa_destroy(&xa_dyn2);
}

KTEST(lock, uninitialised_lock_reported)
{
	spinlock_t z;

	memset(&z, 0, sizeof(z));
	spin_lock(&z);
	spin_unlock(&z);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert(strstr(last_finding()->msg, "spin_lock_init"));
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

/* ---- sleeping in atomic context ---------------------------------------------------- */

KTEST(lock, sleep_in_atomic)
{
	spinlock_t s;
	struct mutex m;
	unsigned long flags;

	spin_lock_init(&s);
	mutex_init(&m);

	might_sleep();
	mutex_lock(&m);
	mutex_unlock(&m);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);

	spin_lock(&s);
	might_sleep();
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 1);
	cr_assert(strstr(last_finding()->msg, "sleeping function called from invalid context"));
	mutex_lock(&m);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 2);
	mutex_unlock(&m);
	spin_unlock(&s);

	rcu_read_lock();
	mutex_lock(&m);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 3);
	mutex_unlock(&m);
	rcu_read_unlock();

	local_irq_save(flags);
	might_sleep();
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 4);
	local_irq_restore(flags);

	preempt_disable();
	might_sleep_if(true);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 5);
	preempt_enable();

	/* all back to a sleepable context */
	might_sleep();
	mutex_lock(&m);
	cr_assert_eq(mutex_trylock(&m), 0);
	mutex_unlock(&m);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 5);
	cr_assert_eq(sim_findings_count(NULL, -1), 5);
	ktest_expect(SIM_FINDING_ATOMIC_SLEEP, 5);
}

KTEST(lock, preempt_and_irq_state)
{
	unsigned long f1, f2;
	spinlock_t s;

	spin_lock_init(&s);
	cr_assert_not(in_atomic());
	cr_assert_not(irqs_disabled());

	local_irq_save(f1);
	cr_assert(irqs_disabled());
	local_irq_save(f2);
	cr_assert(in_atomic());
	local_irq_restore(f2);
	cr_assert(irqs_disabled());
	local_irq_restore(f1);
	cr_assert_not(irqs_disabled());
	cr_assert_eq(preempt_count(), 0);

	spin_lock_irqsave(&s, f1);
	cr_assert(irqs_disabled());
	cr_assert_eq(preempt_count(), 2);	/* one spinlock + IRQs off */
	spin_unlock_irqrestore(&s, f1);
	cr_assert_not(irqs_disabled());
	cr_assert_eq(preempt_count(), 0);

	/* irqsave nested inside a region that already disabled IRQs */
	local_irq_disable();
	spin_lock_irqsave(&s, f1);
	spin_unlock_irqrestore(&s, f1);
	cr_assert(irqs_disabled());
	local_irq_enable();
	cr_assert_not(irqs_disabled());

	preempt_disable();
	preempt_disable();
	cr_assert_eq(preempt_count(), 2);
	preempt_enable();
	preempt_enable();
	cr_assert_not(in_atomic());
	preempt_enable();	/* underflow */
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1);
	cr_assert_eq(preempt_count(), 0);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
}

/* ---- trylock ------------------------------------------------------------------ */

KTEST(lock, trylock, .timeout = 20)
{
	struct held_elsewhere h = { 0 };
	struct thread_call c;
	spinlock_t s;
	struct mutex m;
	pthread_t th;

	spin_lock_init(&s);
	mutex_init(&m);
	cr_assert_eq(spin_trylock(&s), 1);
	cr_assert_eq(preempt_count(), 1);
	lockdep_assert_held(&s);
	cr_assert_eq(spin_trylock(&s), 0);	/* held by me: fails, no report */
	spin_unlock(&s);
	cr_assert_eq(preempt_count(), 0);

	cr_assert_eq(mutex_trylock(&m), 1);
	cr_assert_eq(mutex_trylock(&m), 0);
	mutex_unlock(&m);

	h.lock = &s;
	th = thread_start(&c, hold_until_told, &h);
	while (__atomic_load_n(&h.stage, __ATOMIC_SEQ_CST) != 1)
		sched_yield();
	cr_assert_eq(spin_trylock(&s), 0);
	cr_assert_eq(preempt_count(), 0);
	cr_assert_eq(sim_locks_held(), 0);
	__atomic_store_n(&h.stage, 2, __ATOMIC_SEQ_CST);
	pthread_join(th, NULL);
	cr_assert_eq(spin_trylock(&s), 1);
	spin_unlock(&s);

	/* failed trylocks are neither acquisitions nor contentions */
	cr_assert_eq(stat_of("&s").acquisitions, 3);
	cr_assert_eq(stat_of("&s").contentions, 0);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
}

/* ---- lockstat ------------------------------------------------------------------ */

KTEST(lock, lockstat_fake_clock_hold)
{
	struct sim_lockstat st;
	spinlock_t s;

	sim_kernel_set_clock(NULL, fake_clock, NULL);
	spin_lock_init(&s);
	fake_set(100);
	cr_assert_eq(sim_clock_ns(), 100);
	spin_lock(&s);
	fake_set(250);
	spin_unlock(&s);
	spin_lock(&s);
	fake_set(260);
	spin_unlock(&s);

	st = stat_of("&s");
	cr_assert_eq(st.acquisitions, 2);
	cr_assert_eq(st.contentions, 0);
	cr_assert_eq(st.hold_total_ns, 160);
	cr_assert_eq(st.hold_min_ns, 10);
	cr_assert_eq(st.hold_max_ns, 150);
	cr_assert_eq(st.wait_total_ns, 0);
	cr_assert_eq(st.wait_min_ns, 0);
	cr_assert_eq(st.wait_max_ns, 0);

	sim_lockstat_reset(NULL);
	st = stat_of("&s");
	cr_assert_eq(st.acquisitions, 0);
	cr_assert_eq(st.hold_total_ns, 0);
	cr_assert_eq(st.hold_max_ns, 0);

	sim_kernel_set_clock(NULL, NULL, NULL);
	cr_assert_neq(sim_clock_ns(), 260);
}

static void lock_unlock(void *arg)
{
	spin_lock(arg);
	spin_unlock(arg);
}

KTEST(lock, lockstat_contention_exact, .timeout = 20)
{
	struct sim_lockstat st;
	struct thread_call c;
	spinlock_t s;
	pthread_t th;

	sim_kernel_set_clock(NULL, fake_clock, NULL);
	spin_lock_init(&s);
	fake_set(1000);
	spin_lock(&s);
	th = thread_start(&c, lock_unlock, &s);
	/* the contention is counted before the other thread blocks */
	while (!stat_contentions("&s"))
		sched_yield();
	fake_set(1700);
	spin_unlock(&s);
	pthread_join(th, NULL);

	st = stat_of("&s");
	cr_assert_eq(st.acquisitions, 2);
	cr_assert_eq(st.contentions, 1);
	cr_assert_eq(st.wait_total_ns, 700);
	cr_assert_eq(st.wait_min_ns, 700);
	cr_assert_eq(st.wait_max_ns, 700);
	cr_assert_eq(st.hold_total_ns, 700);
	cr_assert_eq(st.hold_min_ns, 0);
	cr_assert_eq(st.hold_max_ns, 700);
	sim_kernel_set_clock(NULL, NULL, NULL);
}

struct hammer {
	struct mutex *m;
	pthread_barrier_t *bar;
	long *counter;
};

static void hammer_fn(void *arg)
{
	struct hammer *h = arg;

	pthread_barrier_wait(h->bar);
	for (int i = 0; i < 2000; i++) {
		mutex_lock(h->m);
		(*h->counter)++;
		if (!(i % 64))
			sched_yield();	/* hold it across a reschedule now and then */
		mutex_unlock(h->m);
	}
}

KTEST(lock, lockstat_mutex_threads, .timeout = 60)
{
	struct thread_call c[2];
	pthread_barrier_t bar;
	struct sim_lockstat st;
	struct hammer h;
	struct mutex m;
	long counter = 0;
	pthread_t th[2];

	mutex_init(&m);
	pthread_barrier_init(&bar, NULL, 2);
	h = (struct hammer){ &m, &bar, &counter };
	for (int i = 0; i < 2; i++)
		th[i] = thread_start(&c[i], hammer_fn, &h);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);

	st = stat_of("&m");
	cr_assert_eq(counter, 4000);
	cr_assert_eq(st.acquisitions, 4000);
	cr_assert_leq(st.contentions, 4000);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
}

/* ---- atomics and refcount_t --------------------------------------------------------- */

KTEST(lock, atomics)
{
	atomic_t a = ATOMIC_INIT(5);
	atomic64_t b = ATOMIC64_INIT(1ll << 40);
	atomic_long_t l = ATOMIC_LONG_INIT(0);
	long lold = 3;
	int old = 7;
	void *p = NULL, *q = &old;

	cr_assert_eq(atomic_read(&a), 5);
	atomic_inc(&a);
	atomic_add(10, &a);
	atomic_sub(2, &a);
	atomic_dec(&a);
	cr_assert_eq(atomic_read(&a), 13);
	cr_assert_eq(atomic_inc_return(&a), 14);
	cr_assert_eq(atomic_dec_return(&a), 13);
	cr_assert_eq(atomic_add_return(7, &a), 20);
	cr_assert_eq(atomic_sub_return(19, &a), 1);
	cr_assert_eq(atomic_fetch_add(4, &a), 1);
	cr_assert_eq(atomic_fetch_sub(4, &a), 5);
	cr_assert(atomic_dec_and_test(&a));
	atomic_set(&a, -1);
	cr_assert(atomic_inc_and_test(&a));
	cr_assert_eq(atomic_cmpxchg(&a, 1, 9), 0);	/* fails: 0 != 1 */
	cr_assert_eq(atomic_cmpxchg(&a, 0, 9), 0);
	cr_assert_eq(atomic_read(&a), 9);
	cr_assert_not(atomic_try_cmpxchg(&a, &old, 8));
	cr_assert_eq(old, 9);
	cr_assert(atomic_try_cmpxchg(&a, &old, 8));
	cr_assert_eq(atomic_xchg(&a, 0), 8);
	cr_assert_not(atomic_inc_not_zero(&a));
	cr_assert_not(atomic_add_unless(&a, 1, 0));
	atomic_set(&a, 1);
	cr_assert(atomic_add_unless(&a, 1, 0));
	cr_assert_eq(atomic_dec_if_positive(&a), 1);
	cr_assert_eq(atomic_dec_if_positive(&a), 0);
	cr_assert_eq(atomic_dec_if_positive(&a), -1);
	cr_assert_eq(atomic_read(&a), 0);
	atomic_set(&a, INT_MAX);
	cr_assert_eq(atomic_inc_return(&a), INT_MIN);	/* wraps, no UB */

	cr_assert_eq(atomic64_add_return(1, &b), (1ll << 40) + 1);
	cr_assert_eq(atomic64_xchg(&b, 2), (1ll << 40) + 1);
	cr_assert(atomic64_dec_and_test(&b) == false && atomic64_dec_and_test(&b));

	atomic_long_set(&l, 3);
	cr_assert(atomic_long_try_cmpxchg(&l, &lold, 1l << 50));
	cr_assert_eq(atomic_long_read(&l), 1l << 50);
	cr_assert_eq(atomic_long_fetch_or(1, &l), 1l << 50);
	cr_assert_eq(atomic_long_read(&l), (1l << 50) | 1);

	cr_assert_null(cmpxchg(&p, NULL, q));
	cr_assert_eq(p, q);
	cr_assert_eq(xchg(&p, NULL), q);
	cr_assert_null(p);
}

KTEST(lock, refcount)
{
	refcount_t r = REFCOUNT_INIT(1);

	refcount_inc(&r);
	cr_assert_eq(refcount_read(&r), 2);
	cr_assert(refcount_inc_not_zero(&r));
	refcount_add(2, &r);
	cr_assert_eq(refcount_read(&r), 5);
	refcount_dec(&r);
	cr_assert_not(refcount_dec_and_test(&r));
	cr_assert_not(refcount_sub_and_test(2, &r));
	cr_assert(refcount_dec_and_test(&r));
	cr_assert_eq(refcount_read(&r), 0);
	cr_assert_not(refcount_inc_not_zero(&r));
	cr_assert_eq(sim_findings_count(NULL, -1), 0);

	/* increment from 0: use after free, saturates */
	refcount_inc(&r);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 1);
	cr_assert(strstr(last_finding()->msg, "addition on 0"));
	cr_assert_eq((int)refcount_read(&r), REFCOUNT_SATURATED);
	/* a saturated counter never reaches 0 again */
	cr_assert_not(refcount_dec_and_test(&r));
	cr_assert_eq((int)refcount_read(&r), REFCOUNT_SATURATED);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 2);

	/* underflow */
	refcount_set(&r, 0);
	cr_assert_not(refcount_dec_and_test(&r));
	cr_assert(strstr(last_finding()->msg, "underflow"));
	cr_assert_eq((int)refcount_read(&r), REFCOUNT_SATURATED);

	/* refcount_dec() must not hit 0 */
	refcount_set(&r, 1);
	refcount_dec(&r);
	cr_assert(strstr(last_finding()->msg, "decrement hit 0"));

	/* overflow */
	refcount_set(&r, REFCOUNT_MAX);
	refcount_inc(&r);
	cr_assert(strstr(last_finding()->msg, "saturated"));
	cr_assert_eq((int)refcount_read(&r), REFCOUNT_SATURATED);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 5);
	ktest_expect(SIM_FINDING_WARN, 5);
}
