// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the shim's deterministic RCU (sim/kernel/rcu.c): readers hold
 * back grace periods, callbacks run in order in the instance that queued
 * them, only at synchronize_rcu()/rcu_barrier()/sim_rcu_quiescent()/teardown.
 *
 * Threads hand off with flags, never with timing assumptions: a test may
 * give a wrong implementation time to misbehave (a short sleep) but never
 * depends on a sleep to pass.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <ktest.h>

/* ---- helpers -------------------------------------------------------------- */

static int flag_get(const int *f)
{
	return __atomic_load_n(f, __ATOMIC_SEQ_CST);
}

static void flag_set(int *f, int v)
{
	__atomic_store_n(f, v, __ATOMIC_SEQ_CST);
}

static void flag_wait(const int *f, int v)
{
	while (flag_get(f) != v)
		sched_yield();
}

static void short_nap(void)
{
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/*
 * A reader on its own thread: enters a read-side section, says so, stays
 * until told to leave (after a short nap if @nap is set by then).
 */
struct reader {
	pthread_t th;
	struct sim_kernel *k;	/* the instance it reads in: the test's */
	int inside;		/* 1 once inside */
	int nap;		/* set by the test */
	int leave;		/* set by the test */
	int exiting;		/* set just before the outermost unlock */
	int left;		/* 1 once outside */
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	sim_kernel_enter(r->k);
	rcu_read_lock();
	rcu_read_lock();	/* nested: only the outermost unlock counts */
	rcu_read_unlock();
	flag_set(&r->inside, 1);
	flag_wait(&r->leave, 1);
	if (flag_get(&r->nap))
		short_nap();
	flag_set(&r->exiting, 1);
	rcu_read_unlock();
	flag_set(&r->left, 1);
	return NULL;
}

static void reader_start(struct reader *r)
{
	memset(r, 0, sizeof(*r));
	r->k = sim_kernel_current();
	cr_assert_eq(pthread_create(&r->th, NULL, reader_main, r), 0);
	flag_wait(&r->inside, 1);
}

static void reader_stop(struct reader *r)
{
	flag_set(&r->leave, 1);
	pthread_join(r->th, NULL);
}

struct flag_cb {
	struct rcu_head rcu;
	int ran;
	struct sim_kernel *k;		/* instance current when it ran */
	int order;			/* its rank among callbacks that ran */
};

static int cb_rank;

static void flag_cb_fn(struct rcu_head *head)
{
	struct flag_cb *f = container_of(head, struct flag_cb, rcu);

	f->k = sim_kernel_current();
	f->order = cb_rank++;
	flag_set(&f->ran, 1);
}

struct item {
	int payload;
	struct rcu_head rcu;
};

static u64 live_objects(void)
{
	struct sim_slab_stats st;

	sim_slab_stats(NULL, &st);
	return st.live_objects;
}

/* ---- readers hold back callbacks ---------------------------------------------- */

KTEST(rcu, reader_holds_back_callback, .timeout = 30)
{
	struct flag_cb f = { 0 };
	struct reader r;

	reader_start(&r);
	call_rcu(&f.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_pending(NULL), 1);
	cr_assert_eq(sim_rcu_quiescent(), 0);
	cr_assert_eq(flag_get(&f.ran), 0);
	cr_assert_eq(sim_rcu_pending(NULL), 1);

	reader_stop(&r);
	cr_assert_eq(sim_rcu_quiescent(), 1);
	cr_assert_eq(flag_get(&f.ran), 1);
	cr_assert_eq(f.k, ktest_kernel());
	cr_assert_eq(sim_rcu_pending(NULL), 0);
}

struct syncer {
	pthread_t th;
	struct sim_kernel *k;
	int started, done;
};

static void *syncer_main(void *arg)
{
	struct syncer *s = arg;
	struct sim_kernel *prev = sim_kernel_enter(s->k);

	flag_set(&s->started, 1);
	synchronize_rcu();
	flag_set(&s->done, 1);
	sim_kernel_leave(prev);
	return NULL;
}

KTEST(rcu, kfree_rcu_waits_for_reader, .timeout = 30)
{
	struct flag_cb f = { 0 };
	struct syncer s = { .k = ktest_kernel() };
	struct reader r;
	struct item *it;

	it = kmalloc(sizeof(*it), GFP_KERNEL);
	cr_assert_not_null(it);
	it->payload = 42;

	reader_start(&r);
	call_rcu(&f.rcu, flag_cb_fn);
	kfree_rcu(it, rcu);
	cr_assert_eq(pthread_create(&s.th, NULL, syncer_main, &s), 0);
	flag_wait(&s.started, 1);
	short_nap();		/* room for a wrong implementation to return */
	cr_assert_eq(flag_get(&s.done), 0);
	cr_assert_eq(flag_get(&f.ran), 0);
	cr_assert_eq(live_objects(), 1);

	reader_stop(&r);
	pthread_join(s.th, NULL);
	cr_assert_eq(flag_get(&s.done), 1);
	cr_assert_eq(flag_get(&f.ran), 1);
	cr_assert_eq(f.k, ktest_kernel());
	cr_assert_eq(live_objects(), 0);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
}

KTEST(rcu, synchronize_waits_for_reader_exit, .timeout = 30)
{
	struct reader r;

	reader_start(&r);
	flag_set(&r.nap, 1);
	flag_set(&r.leave, 1);	/* it leaves after a nap, while we wait */
	synchronize_rcu();
	/* exiting is set inside the section, before the outermost unlock */
	cr_assert_eq(flag_get(&r.exiting), 1);
	pthread_join(r.th, NULL);
	cr_assert_eq(flag_get(&r.left), 1);
}

KTEST(rcu, synchronize_without_readers)
{
	struct flag_cb f = { 0 };

	synchronize_rcu();
	call_rcu(&f.rcu, flag_cb_fn);
	synchronize_rcu();
	cr_assert_eq(f.ran, 1);
}

/* ---- ordering and instances -------------------------------------------------------- */

KTEST(rcu, fifo_order_in_queuing_instance)
{
	struct flag_cb f[5] = { 0 };

	cb_rank = 0;
	for (int i = 0; i < 5; i++)
		call_rcu(&f[i].rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_pending(NULL), 5);
	synchronize_rcu();
	for (int i = 0; i < 5; i++) {
		cr_assert_eq(f[i].ran, 1);
		cr_assert_eq(f[i].order, i, "callback %d ran as #%d", i, f[i].order);
		cr_assert_eq(f[i].k, ktest_kernel());
	}
}

KTEST(rcu, instances_have_separate_queues)
{
	struct sim_kernel *k2 = sim_kernel_create("other");
	struct flag_cb f1 = { 0 }, f2 = { 0 }, f3 = { 0 };
	struct sim_kernel *prev;

	prev = sim_kernel_enter(k2);
	call_rcu(&f2.rcu, flag_cb_fn);
	call_rcu(&f3.rcu, flag_cb_fn);
	sim_kernel_leave(prev);
	call_rcu(&f1.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_pending(NULL), 1);
	cr_assert_eq(sim_rcu_pending(k2), 2);

	rcu_barrier();
	cr_assert_eq(f1.ran, 1);
	cr_assert_eq(f2.ran, 0);
	cr_assert_eq(sim_rcu_pending(k2), 2);

	/* k2 runs its callbacks itself, with k2 current */
	prev = sim_kernel_enter(k2);
	synchronize_rcu();
	sim_kernel_leave(prev);
	cr_assert_eq(f2.ran, 1);
	cr_assert_eq(f2.k, k2);
	cr_assert_eq(f3.k, k2);
	cr_assert_eq(sim_kernel_current(), ktest_kernel());
	cr_assert_eq(sim_kernel_destroy(k2), 0);
}

KTEST(rcu, teardown_runs_pending_in_instance)
{
	struct sim_kernel *k2 = sim_kernel_create("other");
	struct sim_kernel *prev = sim_kernel_enter(k2);
	struct flag_cb f = { 0 };
	struct item *it = kmalloc(sizeof(*it), GFP_KERNEL);

	cr_assert_not_null(it);
	kfree_rcu(it, rcu);
	call_rcu(&f.rcu, flag_cb_fn);
	sim_kernel_leave(prev);
	cr_assert_eq(sim_rcu_pending(k2), 2);
	/* no leak: the kfree_rcu() ran at teardown, in k2 */
	cr_assert_eq(sim_kernel_destroy(k2), 0);
	cr_assert_eq(f.ran, 1);
	cr_assert_eq(f.k, k2);
}

/*
 * Grace periods are per instance: a reader in another kernel instance (another
 * VM's guest kernel) holds up none of this instance's callbacks, only its own
 * instance's.
 */
KTEST(rcu, another_instances_reader_holds_back_only_its_own, .timeout = 30)
{
	struct sim_kernel *k2 = sim_kernel_create("other"), *prev;
	struct flag_cb mine = { 0 }, theirs = { 0 };
	struct reader r;

	memset(&r, 0, sizeof(r));
	r.k = k2;
	cr_assert_eq(pthread_create(&r.th, NULL, reader_main, &r), 0);
	flag_wait(&r.inside, 1);

	call_rcu(&mine.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_quiescent(), 1, "a reader of another instance held a callback back");
	synchronize_rcu();	/* returns: nothing of this instance to wait for */
	prev = sim_kernel_enter(k2);
	call_rcu(&theirs.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_quiescent(), 0, "the reader's own instance did not wait for it");
	sim_kernel_leave(prev);
	cr_assert_eq(flag_get(&theirs.ran), 0);

	reader_stop(&r);
	prev = sim_kernel_enter(k2);
	cr_assert_eq(sim_rcu_quiescent(), 1);
	sim_kernel_leave(prev);
	cr_assert_eq(theirs.k, k2);
	cr_assert_eq(sim_kernel_destroy(k2), 0);
}

/* A section that nests a read lock taken in a second instance holds up both instances. */
struct two_reader {
	pthread_t th;
	struct sim_kernel *outer, *inner;
	int inside, leave;
};

static void *two_reader_main(void *arg)
{
	struct two_reader *r = arg;

	sim_kernel_enter(r->outer);
	rcu_read_lock();
	sim_kernel_enter(r->inner);
	rcu_read_lock();
	sim_kernel_enter(r->outer);
	flag_set(&r->inside, 1);
	flag_wait(&r->leave, 1);
	rcu_read_unlock();
	rcu_read_unlock();
	return NULL;
}

KTEST(rcu, a_section_in_two_instances_holds_back_both, .timeout = 30)
{
	struct sim_kernel *k2 = sim_kernel_create("other"), *prev;
	struct flag_cb mine = { 0 }, theirs = { 0 };
	struct two_reader r = { .outer = k2, .inner = ktest_kernel() };

	cr_assert_eq(pthread_create(&r.th, NULL, two_reader_main, &r), 0);
	flag_wait(&r.inside, 1);
	call_rcu(&mine.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_quiescent(), 0);
	prev = sim_kernel_enter(k2);
	call_rcu(&theirs.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_quiescent(), 0);
	sim_kernel_leave(prev);

	flag_set(&r.leave, 1);
	pthread_join(r.th, NULL);
	cr_assert_eq(sim_rcu_quiescent(), 1);
	prev = sim_kernel_enter(k2);
	cr_assert_eq(sim_rcu_quiescent(), 1);
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k2), 0);
}

/* ---- rcu_barrier, chained callbacks ------------------------------------------------- */

struct chain {
	struct rcu_head rcu;
	struct flag_cb next;
	int ran;
};

static void chain_fn(struct rcu_head *head)
{
	struct chain *c = container_of(head, struct chain, rcu);

	c->ran = 1;
	call_rcu(&c->next.rcu, flag_cb_fn);	/* queued from a callback */
}

KTEST(rcu, barrier_runs_all_queued_so_far)
{
	struct flag_cb f[3] = { 0 };
	struct chain c = { 0 };
	struct item *it = kmalloc(sizeof(*it), GFP_KERNEL);

	cr_assert_not_null(it);
	for (int i = 0; i < 3; i++)
		call_rcu(&f[i].rcu, flag_cb_fn);
	call_rcu(&c.rcu, chain_fn);
	kfree_rcu(it, rcu);
	cr_assert_eq(sim_rcu_pending(NULL), 5);
	rcu_barrier();
	for (int i = 0; i < 3; i++)
		cr_assert_eq(f[i].ran, 1);
	cr_assert_eq(c.ran, 1);
	cr_assert_eq(live_objects(), 0);
	/* the callback queued by a callback waits for the next grace period */
	cr_assert_eq(c.next.ran, 0);
	cr_assert_eq(sim_rcu_pending(NULL), 1);
	rcu_barrier();
	cr_assert_eq(c.next.ran, 1);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
}

/*
 * rcu_barrier() waits for the callbacks queued before it, even when another
 * task took one off the queue and it is still running, and however many
 * later callbacks complete meanwhile (they used to count towards its
 * target).
 */
struct barrier_case {
	struct sim_kernel *k;
	struct rcu_head h1, h2;
	int cb1_started, cb1_release, cb1_done;
	int barrier_entering, barrier_returned, cb1_done_at_return;
};

static struct barrier_case bc;

static void barrier_cb1(struct rcu_head *head)
{
	flag_set(&bc.cb1_started, 1);
	flag_wait(&bc.cb1_release, 1);
	flag_set(&bc.cb1_done, 1);
}

static void barrier_cb2(struct rcu_head *head)
{
}

static void *barrier_queue_first(void *arg)
{
	struct sim_kernel *prev = sim_kernel_enter(bc.k);

	call_rcu(&bc.h1, barrier_cb1);
	synchronize_rcu();		/* runs cb1 here: it blocks */
	sim_kernel_leave(prev);
	return NULL;
}

static void *barrier_waiter(void *arg)
{
	struct sim_kernel *prev = sim_kernel_enter(bc.k);

	flag_set(&bc.barrier_entering, 1);
	rcu_barrier();
	flag_set(&bc.cb1_done_at_return, flag_get(&bc.cb1_done));
	flag_set(&bc.barrier_returned, 1);
	sim_kernel_leave(prev);
	return NULL;
}

static void *barrier_queue_later(void *arg)
{
	struct sim_kernel *prev = sim_kernel_enter(bc.k);

	call_rcu(&bc.h2, barrier_cb2);
	synchronize_rcu();		/* runs cb2, which completes */
	sim_kernel_leave(prev);
	return NULL;
}

KTEST(rcu, barrier_waits_for_running_earlier_callback, .timeout = 30)
{
	pthread_t b, c, d;

	memset(&bc, 0, sizeof(bc));
	bc.k = sim_kernel_current();
	cr_assert_eq(pthread_create(&b, NULL, barrier_queue_first, NULL), 0);
	flag_wait(&bc.cb1_started, 1);	/* queued before the barrier, running */
	cr_assert_eq(pthread_create(&d, NULL, barrier_waiter, NULL), 0);
	flag_wait(&bc.barrier_entering, 1);
	short_nap();			/* time to take its target (1) */
	cr_assert_eq(pthread_create(&c, NULL, barrier_queue_later, NULL), 0);
	pthread_join(c, NULL);
	short_nap();			/* time for a wrong barrier to return */
	cr_assert_eq(flag_get(&bc.barrier_returned), 0,
		     "rcu_barrier() returned while an earlier callback runs");
	flag_set(&bc.cb1_release, 1);
	pthread_join(b, NULL);
	pthread_join(d, NULL);
	cr_assert_eq(flag_get(&bc.barrier_returned), 1);
	cr_assert_eq(flag_get(&bc.cb1_done_at_return), 1);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
}

/* ---- kfree_rcu() ------------------------------------------------------------------- */

KTEST(rcu, kfree_rcu_null_is_noop)
{
	struct item *it = NULL;

	kfree_rcu(it, rcu);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
}

KTEST(rcu, kfree_rcu_under_spinlock_does_not_block, .timeout = 30)
{
	struct item *it = kmalloc(sizeof(*it), GFP_KERNEL);
	struct reader r;
	spinlock_t lock;

	cr_assert_not_null(it);
	spin_lock_init(&lock);
	reader_start(&r);	/* a grace period cannot end now */
	spin_lock(&lock);
	kfree_rcu(it, rcu);
	spin_unlock(&lock);
	cr_assert_eq(sim_rcu_pending(NULL), 1);
	cr_assert_eq(live_objects(), 1);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	reader_stop(&r);
	rcu_barrier();
	cr_assert_eq(live_objects(), 0);
}

/* ---- misuse ------------------------------------------------------------------------- */

KTEST(rcu, synchronize_inside_reader_is_finding)
{
	struct flag_cb f = { 0 };

	call_rcu(&f.rcu, flag_cb_fn);
	rcu_read_lock();
	cr_assert(rcu_read_lock_held());
	synchronize_rcu();	/* reported; returns without waiting */
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 1);
	cr_assert(strstr(sim_finding_get(NULL, 0)->msg, "synchronize_rcu"));
	cr_assert_eq(f.ran, 0);
	rcu_barrier();
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 2);
	cr_assert_eq(sim_rcu_quiescent(), 0);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 3);
	rcu_read_unlock();
	cr_assert_not(rcu_read_lock_held());
	cr_assert_eq(f.ran, 0);
	rcu_barrier();
	cr_assert_eq(f.ran, 1);
	cr_assert_eq(sim_findings_count(NULL, -1), 3);
	ktest_expect(SIM_FINDING_RCU, 3);
}

KTEST(rcu, unbalanced_unlock_is_finding)
{
	rcu_read_unlock();
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 1);
	cr_assert_not(rcu_read_lock_held());
	ktest_expect(SIM_FINDING_RCU, 1);
}

/* ---- checked dereferences (PROVE_RCU) ---------------------------------------------------- */

struct deref_rec {
	int v;
};

static struct deref_rec __rcu *deref_gp;
static DEFINE_SPINLOCK(deref_lock);
static int cond_calls;

static bool counted(bool v)
{
	cond_calls++;
	return v;
}

/* The last finding is an RCU one naming @what and this file at @line. */
static void assert_last_rcu_finding(const char *what, int line)
{
	const struct sim_finding *f = sim_finding_get(NULL, sim_findings_count(NULL, -1) - 1);
	char at[64];

	snprintf(at, sizeof(at), "test_rcu.c:%d", line);
	cr_assert_eq(f->kind, SIM_FINDING_RCU);
	cr_assert(strstr(f->msg, what), "%s", f->msg);
	cr_assert(strstr(f->msg, at), "%s (want %s)", f->msg, at);
	cr_assert_eq(f->line, line);
}

KTEST(rcu, dereference_checks)
{
	struct deref_rec rec = { .v = 7 }, *r;
	unsigned long flags;
	int line;

	RCU_INIT_POINTER(deref_gp, &rec);

	/* rcu_dereference(): legal inside rcu_read_lock() only. */
	rcu_read_lock();
	r = rcu_dereference(deref_gp);
	rcu_read_unlock();
	cr_assert_eq(r, &rec);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	line = __LINE__ + 1;
	r = rcu_dereference(deref_gp);
	cr_assert_eq(r, &rec, "the pointer is still returned");
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 1);
	assert_last_rcu_finding("suspicious rcu_dereference() usage", line);

	/* A spinlock or preempt_disable() is not a read-side section here. */
	spin_lock(&deref_lock);
	r = rcu_dereference(deref_gp);
	spin_unlock(&deref_lock);
	preempt_disable();
	r = rcu_dereference(deref_gp);
	preempt_enable();
	spin_lock_irqsave(&deref_lock, flags);
	r = rcu_dereference(deref_gp);
	spin_unlock_irqrestore(&deref_lock, flags);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 4);

	/* lockdep_is_held(): true only while this task holds the lock. */
	cr_assert_not(lockdep_is_held(&deref_lock));
	spin_lock(&deref_lock);
	cr_assert(lockdep_is_held(&deref_lock));
	spin_unlock(&deref_lock);
	cr_assert_not(lockdep_is_held(&deref_lock));

	/* rcu_dereference_protected(): the condition is evaluated, RCU does not help. */
	spin_lock(&deref_lock);
	r = rcu_dereference_protected(deref_gp, counted(lockdep_is_held(&deref_lock)));
	spin_unlock(&deref_lock);
	cr_assert_eq(r, &rec);
	cr_assert_eq(cond_calls, 1, "the condition was not evaluated");
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 4);
	rcu_read_lock();
	line = __LINE__ + 1;
	r = rcu_dereference_protected(deref_gp, lockdep_is_held(&deref_lock));
	rcu_read_unlock();
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 5);
	assert_last_rcu_finding("suspicious rcu_dereference_protected() usage", line);

	/* rcu_dereference_check(): the condition or a read-side section. */
	spin_lock(&deref_lock);
	r = rcu_dereference_check(deref_gp, counted(lockdep_is_held(&deref_lock)));
	spin_unlock(&deref_lock);
	rcu_read_lock();
	r = rcu_dereference_check(deref_gp, counted(false));
	rcu_read_unlock();
	cr_assert_eq(cond_calls, 3);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 5);
	line = __LINE__ + 1;
	r = rcu_dereference_check(deref_gp, counted(false));
	cr_assert_eq(r, &rec);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 6);
	assert_last_rcu_finding("suspicious rcu_dereference_check() usage", line);

	/* Neither raw nor access_pointer checks anything. */
	r = rcu_dereference_raw(deref_gp);
	r = rcu_access_pointer(deref_gp);
	cr_assert_eq(r, &rec);
	cr_assert_eq(sim_findings_count(NULL, -1), 6);
	ktest_expect(SIM_FINDING_RCU, 6);
}

/* ---- sim_rcu_quiescent() -------------------------------------------------------------- */

/* A reader that completes a section after being told to, then enters a new one. */
struct late_reader {
	pthread_t th;
	struct sim_kernel *k;
	int inside, again, inside_again, leave;
};

static void *late_reader_main(void *arg)
{
	struct late_reader *r = arg;

	sim_kernel_enter(r->k);
	rcu_read_lock();
	flag_set(&r->inside, 1);
	flag_wait(&r->again, 1);
	rcu_read_unlock();
	rcu_read_lock();
	flag_set(&r->inside_again, 1);
	flag_wait(&r->leave, 1);
	rcu_read_unlock();
	return NULL;
}

KTEST(rcu, quiescent_semantics, .timeout = 30)
{
	struct flag_cb a = { 0 }, b = { 0 }, c = { 0 };
	struct late_reader r = { 0 };

	/* no reader: everything queued runs, in order */
	cb_rank = 0;
	call_rcu(&a.rcu, flag_cb_fn);
	call_rcu(&b.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_quiescent(), 2);
	cr_assert_eq(a.order, 0);
	cr_assert_eq(b.order, 1);
	cr_assert_eq(sim_rcu_quiescent(), 0);

	/* a reader that began before the callback holds it back... */
	r.k = sim_kernel_current();
	cr_assert_eq(pthread_create(&r.th, NULL, late_reader_main, &r), 0);
	flag_wait(&r.inside, 1);
	call_rcu(&c.rcu, flag_cb_fn);
	cr_assert_eq(sim_rcu_quiescent(), 0);
	cr_assert_eq(flag_get(&c.ran), 0);

	/* ...a new section it began after the callback was queued does not */
	flag_set(&r.again, 1);
	flag_wait(&r.inside_again, 1);
	cr_assert_eq(sim_rcu_quiescent(), 1);
	cr_assert_eq(flag_get(&c.ran), 1);

	flag_set(&r.leave, 1);
	pthread_join(r.th, NULL);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
}

KTEST(rcu, pending_counts)
{
	struct flag_cb f[4] = { 0 };
	struct item *it = kmalloc(sizeof(*it), GFP_KERNEL);

	cr_assert_not_null(it);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
	for (int i = 0; i < 4; i++) {
		call_rcu(&f[i].rcu, flag_cb_fn);
		cr_assert_eq(sim_rcu_pending(NULL), i + 1);
	}
	kfree_rcu(it, rcu);
	cr_assert_eq(sim_rcu_pending(NULL), 5);
	cr_assert_eq(sim_rcu_pending(ktest_kernel()), 5);
	cr_assert_eq(sim_rcu_quiescent(), 5);
	cr_assert_eq(sim_rcu_pending(NULL), 0);
}

/* Readers and updaters on several threads, for ThreadSanitizer. */
struct shared {
	struct item *cur;
	struct sim_kernel *k;
	int stop;
	long seen;
};

static void *stress_reader(void *arg)
{
	struct shared *s = arg;

	sim_kernel_enter(s->k);	/* it reads the instance's data: a reader of its RCU */
	while (!flag_get(&s->stop)) {
		struct item *it;

		rcu_read_lock();
		it = rcu_dereference(s->cur);
		if (it)
			__atomic_add_fetch(&s->seen, it->payload, __ATOMIC_RELAXED);
		rcu_read_unlock();
	}
	return NULL;
}

static void *stress_writer(void *arg)
{
	struct shared *s = arg;
	struct sim_kernel *prev = sim_kernel_enter(s->k);
	DEFINE_SPINLOCK(lock);

	for (int i = 0; i < 300; i++) {
		struct item *it = kmalloc(sizeof(*it), GFP_KERNEL), *old;

		if (!it)
			abort();
		it->payload = 1;
		spin_lock(&lock);
		old = rcu_dereference_protected(s->cur, 1);
		rcu_assign_pointer(s->cur, it);
		kfree_rcu(old, rcu);
		spin_unlock(&lock);
		if (i % 3 == 0)
			synchronize_rcu();
		else
			sim_rcu_quiescent();
	}
	sim_kernel_leave(prev);
	return NULL;
}

KTEST(rcu, readers_and_writer_threads, .timeout = 60)
{
	struct shared s = { .k = ktest_kernel() };
	pthread_t rd[2], wr;

	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&rd[i], NULL, stress_reader, &s), 0);
	cr_assert_eq(pthread_create(&wr, NULL, stress_writer, &s), 0);
	pthread_join(wr, NULL);
	flag_set(&s.stop, 1);
	for (int i = 0; i < 2; i++)
		pthread_join(rd[i], NULL);
	kfree_rcu(s.cur, rcu);
	rcu_barrier();
	cr_assert_eq(live_objects(), 0);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
}
