// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: spinlocks and mutexes that check and count
 * (preemption and IRQ state, delays and refcount warnings: preempt.c).
 *
 * A lock is its owner field, a lock word (a pthread mutex in TSan builds,
 * see "the lock word" below). Around it, each acquisition and release
 *   - updates the calling task's held-lock stack and preemption depth;
 *   - finds the lock's class in the current kernel instance: the address of
 *     the spin_lock_init()/mutex_init() call site's key or, for a statically
 *     defined lock (DEFINE_SPINLOCK(), DEFINE_MUTEX(), no key), the lock's own
 *     address together with its name pointer, as lockdep keys static locks
 *     by address. Two distinct static locks are two classes even when their
 *     names read the same; the name is only for messages and lockstat. A
 *     statically initialised lock on the stack gets a class per address and
 *     name, the nearest the shim has to lockdep's refusal of non-static keys.
 *     Locks that must share a class use a common key (every xarray's
 *     xa_lock does);
 *   - adds an edge A -> B to the instance's lock-order graph for every class
 *     A held when class B is taken, and reports an AB-BA inversion (a path
 *     B -> ... -> A already in the graph) once per pair of classes;
 *   - counts acquisitions, contentions, wait and hold time per class.
 *
 * Design choices, where lockdep differs:
 *   - Nesting two locks of the same class (two objects initialised at the same
 *     call site) adds no edge and reports nothing: there is no
 *     spin_lock_nested() annotation here, so such nesting would otherwise be
 *     a false positive in code that orders same-class locks by other means.
 *   - Recursive acquisition of a lock the task already holds is reported and
 *     skipped (the task would deadlock on itself); the matching unlock is
 *     accepted silently. A trylock of a lock the task holds just fails.
 *   - A trylock adds no edge towards the lock it takes (it cannot deadlock),
 *     but locks taken while holding it do get edges from it.
 *   - Wait time is recorded for contended acquisitions only (as lockstat
 *     does); hold time for every release. In a deterministic world a lock
 *     can be free in execution order yet still held at the acquiring
 *     CPU's virtual clock (its clock is behind the release): the
 *     scheduler's lock_vtime hook moves the clock past the release, and
 *     that counts as a contention with its wait, like a real block.
 *
 * The fast build (SIM_CHECKS 0, <sim/checks.h>) keeps all of this except the
 * lock-order graph, lockdep_assert_held() and might_sleep().
 *
 * All per-instance data sits in struct sim_lock_state behind one sim_mu,
 * except lockstat's counters, which threads update with relaxed atomics
 * (coroutines, one pthread, with plain operations). A lock remembers its
 * class (the memo, below), so the common acquisition in threads mode takes
 * neither the class hash nor the mutex: lock_acquire() is that fast path
 * inline, lock_acquire_co() a coroutine's common case, lock_acquire_slow()
 * every other case.
 * Findings are formatted under that mutex and recorded after dropping it.
 * A held lock points at its class, so it must be released before the
 * instance it was taken in is destroyed.
 */
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/preempt.h>
#include <linux/processor.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include "internal.h"
#include "lock-int.h"

#if defined(__SANITIZE_THREAD__)
#define LOCK_PTHREAD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOCK_PTHREAD 1
#endif
#endif

#define LOCK_REF(l, spin) ((struct lock_ref){					\
	(l), &(l)->m, (l)->name, (l)->key, &(l)->owner, &(l)->vt, (spin) })
#define SPIN_REF(l)	LOCK_REF(l, true)
#define MUTEX_REF(l)	LOCK_REF(l, false)


/* ---- the lock word ------------------------------------------------------------------ */

/*
 * Outside ThreadSanitizer builds a lock is its owner field: taking it is a
 * compare-and-swap from NULL to the task (acquire), releasing it a store of
 * NULL (release); a thread that must block (threads mode) yields until the
 * swap succeeds. Under TSan the lock is the pthread mutex, so TSan sees the
 * locking it knows, and the owner field only records the holder.
 */
static inline bool raw_trylock(const struct lock_ref *r, struct sim_task *t)
{
#ifdef LOCK_PTHREAD
	if (pthread_mutex_trylock(r->m))
		return false;
	__atomic_store_n(r->owner, t, __ATOMIC_RELAXED);
	return true;
#else
	void *none = NULL;

	return __atomic_compare_exchange_n(r->owner, &none, t, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
#endif
}

/* Block the thread until @r is taken (threads mode). */
static void raw_lock(const struct lock_ref *r, struct sim_task *t)
{
#ifdef LOCK_PTHREAD
	pthread_mutex_lock(r->m);
	__atomic_store_n(r->owner, t, __ATOMIC_RELAXED);
#else
	while (!raw_trylock(r, t))
		sched_yield();
#endif
}

static inline void raw_unlock(void **owner, pthread_mutex_t *m)
{
#ifdef LOCK_PTHREAD
	__atomic_store_n(owner, NULL, __ATOMIC_RELAXED);
	pthread_mutex_unlock(m);
#else
	__atomic_store_n(owner, NULL, __ATOMIC_RELEASE);
#endif
}

/*
 * Coroutine tasks (those with a lock_wait hook: the CPUs of a deterministic
 * scheduler) all run on the one pthread that runs the scheduler, and the
 * instances they run in are private to their world, used by that pthread
 * alone. Outside TSan builds their lock words and their instance's lock state
 * are therefore updated without atomic read-modify-writes (no exchange, no
 * compare-and-swap): nothing else can touch them meanwhile. TSan builds keep
 * the pthread mutexes and the state mutex, so TSan would see a violation.
 */
static inline bool task_is_coroutine(const struct sim_task_hooks *hk)
{
#ifdef LOCK_PTHREAD
	return false;
#else
	return hk && hk->lock_wait;
#endif
}

static inline bool lock_take(const struct lock_ref *r, struct sim_task *t, bool co)
{
	if (co) {
		if (__atomic_load_n(r->owner, __ATOMIC_RELAXED))
			return false;
		__atomic_store_n(r->owner, t, __ATOMIC_RELAXED);
		return true;
	}
	return raw_trylock(r, t);
}

/* Give back a lock word lock_take() took (a trylock that fails in virtual time). */
static inline void lock_untake(const struct lock_ref *r, bool co)
{
	if (co)
		__atomic_store_n(r->owner, NULL, __ATOMIC_RELAXED);
	else
		raw_unlock(r->owner, r->m);
}

static inline void ls_lock(struct sim_lock_state *ls, bool co)
{
	if (!co)
		sim_mu_lock(&ls->mu);
}

static inline void ls_unlock(struct sim_lock_state *ls, bool co)
{
	if (!co)
		sim_mu_unlock(&ls->mu);
}

/*
 * A lock's class, remembered in the lock. Outside TSan builds the lock's
 * pthread mutex is never used as a mutex (see above), so its storage holds
 * the class the lock had when it was last taken, with the lock-state
 * generation of that instance and the (key, name) it was found by.
 * Generations are never reused (lock_gen_next()), so any reset of the
 * classes, another instance, or a lock re-initialised under another name
 * misses and looks the class up again. The memo is read and written only by
 * the holder of the lock word (threads mode) or by a coroutine (one pthread
 * runs them all), so it is never torn.
 */
#ifndef LOCK_PTHREAD
struct lock_memo {
	unsigned long gen;
	struct sim_lock_class *c;
	const void *lock;		/* the lock it was found for, */
	const void *raw_key;		/* with its key and name fields then */
	const char *name;
};

_Static_assert(sizeof(struct lock_memo) <= sizeof(pthread_mutex_t),
	       "a lock's class memo must fit in its pthread mutex");

static inline struct sim_lock_class *memo_get(const struct lock_ref *r,
					      const struct sim_lock_state *ls)
{
	const struct lock_memo *m = (const struct lock_memo *)r->m;

	if (m->gen == ls->gen && m->lock == r->lock && m->raw_key == r->raw_key &&
	    m->name == r->name)
		return m->c;
	return NULL;
}

static inline void memo_set(const struct lock_ref *r, struct sim_lock_state *ls,
			    struct sim_lock_class *c)
{
	*(struct lock_memo *)r->m = (struct lock_memo){ ls->gen, c, r->lock, r->raw_key, r->name };
}
#endif


/* ---- held-lock stack ---------------------------------------------------------- */

/*
 * spinlock_t and struct mutex keep their fields in the same places, so a
 * held lock's word and memo are found from its address alone.
 */
_Static_assert(offsetof(spinlock_t, m) == offsetof(struct mutex, m) &&
	       offsetof(spinlock_t, owner) == offsetof(struct mutex, owner),
	       "spinlock_t and struct mutex must keep their lock word in one place");

static inline void **lock_owner(const void *lock)
{
	return (void **)((char *)lock + offsetof(spinlock_t, owner));
}

static inline pthread_mutex_t *lock_mutex(const void *lock)
{
	return (pthread_mutex_t *)((char *)lock + offsetof(spinlock_t, m));
}

static int held_find(const struct sim_task *t, const void *lock)
{
	for (int i = (int)t->nheld - 1; i >= 0; i--)
		if (t->held[i].lock == lock)
			return i;
	return -1;
}

/*
 * Does @t hold @lock (a spinlock_t or struct mutex)? Every lock on @t's
 * stack has @t in its owner field (set when its word was taken, cleared
 * only when it is released), so a lock owned by anybody else, or nobody, is
 * not held. One owned by @t is on the stack unless @t took locks past the
 * stack's end (t->untracked), which only the search can tell apart.
 */
static inline bool held_by(const struct sim_task *t, const void *lock)
{
	if (__atomic_load_n(lock_owner(lock), __ATOMIC_RELAXED) != t)
		return false;
	return likely(!t->untracked) || held_find(t, lock) >= 0;
}

/* Push @lock; @class NULL marks a skipped recursive acquisition. */
static __always_inline bool held_push(struct sim_task *t, void *lock, const void *class,
				      u64 now, const char *file, int line)
{
	struct sim_held_lock *h;

	if (unlikely(t->nheld == SIM_MAX_HELD_LOCKS))
		return false;
	h = &t->held[t->nheld++];
	h->lock = lock;
	h->class = class;
	h->acquired_ns = now;
	h->file = file;
	h->line = line;
	return true;
}

/* A lock's word is @t's, but the stack is full: count it, report it. */
static noinline void held_overflow(struct sim_task *t, const struct sim_lock_class *c,
				   const char *file, int line)
{
	t->untracked++;
	sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
			"more than %d locks held: %s not tracked", SIM_MAX_HELD_LOCKS, c->name);
}

static void held_remove(struct sim_task *t, int i)
{
	if ((unsigned int)i + 1 < t->nheld)
		memmove(&t->held[i], &t->held[i + 1], (t->nheld - i - 1) * sizeof(t->held[0]));
	t->nheld--;
}

void sim_lock_task_abandon(struct sim_task *t)
{
	while (t->nheld) {
		struct sim_held_lock *h = &t->held[--t->nheld];

		if (!h->class)
			continue;	/* a skipped recursive acquisition */
		raw_unlock(lock_owner(h->lock), lock_mutex(h->lock));
	}
}

unsigned int sim_locks_held(void)
{
	return task_current()->nheld;
}

/* ---- acquire and release --------------------------------------------------------- */

/* Recursive acquisition of a lock @t holds: report, do not deadlock. */
static void acquire_recursive(struct sim_task *t, const struct lock_ref *r, int i,
			      const char *file, int line)
{
	const struct sim_held_lock *h = &t->held[i];

	sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
			"recursive locking: %s %s at %s:%d already held by this task (%s:%d); "
			"acquisition skipped",
			r->spin ? "spinlock" : "mutex", r->name ? r->name : "(uninitialised)",
			lock_base_name(file), line, lock_base_name(h->file), h->line);
	if (!held_push(t, r->lock, NULL, 0, file, line))
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"more than %d locks held", SIM_MAX_HELD_LOCKS);
	if (r->spin)
		t->preempt_count++;
}

/* The lock-order graph against what @t holds: compiled out in the fast build. */
static inline void order_check(const struct sim_task *t, struct sim_lock_state *ls,
			       struct sim_lock_class *c, const char *file, int line,
			       struct pending_finding *pf)
{
	for (unsigned int j = 0; j < t->nheld; j++) {
		const struct sim_lock_class *hc = t->held[j].class;

		if (hc && hc->ls == ls && !lock_order_known(&t->held[j], c))
			lock_order_check(ls, &t->held[j], c, file, line, pf);
	}
}

/*
 * The class of @r for an acquisition by @t, counted (@contended: it had to
 * wait), with the lock order checked against what @t holds (a finding goes
 * to @pf, reported by the caller once the state lock is dropped). @held:
 * @t holds @r's word already, so the class memo in the lock is @t's to use.
 */
static inline struct sim_lock_class *acquire_class(struct sim_task *t, struct sim_lock_state *ls,
						   const struct lock_ref *r, bool co, bool held,
						   bool try, bool contended, const char *file,
						   int line, struct pending_finding *pf)
{
	struct sim_lock_class *c;

	ls_lock(ls, co);
#ifndef LOCK_PTHREAD
	c = co || held ? memo_get(r, ls) : NULL;
	if (!c) {
		c = class_get(ls, r, file, line, pf);
		if (co || held)
			memo_set(r, ls, c);
	}
#else
	(void)held;
	c = class_get(ls, r, file, line, pf);
#endif
	if (SIM_CHECKS && !try)
		order_check(t, ls, c, file, line, pf);
	ls_unlock(ls, co);
	stat_add(&c->st.acquisitions, 1, co);
	if (contended)
		stat_add(&c->st.contentions, 1, co);
	return c;
}

/*
 * @t holds @r once this returns: if it was @busy (since @t0), after waiting
 * for its holder, else after the virtual-time wait @vwait the scheduler
 * charged; the wait goes to @c's lockstat. Returns @t's clock then.
 */
static inline u64 acquire_wait(struct sim_task *t, const struct lock_ref *r,
			       struct sim_lock_class *c, bool co, u64 t0, bool busy, u64 vwait)
{
	const struct sim_task_hooks *hk = t->hooks;
	u64 now, wait = vwait;

	if (busy) {
		if (hk && hk->lock_wait) {
			/*
			 * All simulated CPUs share this pthread: the holder is
			 * another coroutine, which must run to release it.
			 */
			while (!lock_take(r, t, co))
				hk->lock_wait(t->hooks_arg, r->lock);
			if (hk->lock_vtime)
				hk->lock_vtime(t->hooks_arg, r->lock, r->vt, false);
		} else {
			raw_lock(r, t);
		}
	}
	now = task_clock_now(t);
	if (busy)
		wait = now >= t0 ? now - t0 : 0;
	if (busy || vwait)
		wait_account(&c->st, wait, co);
	return now;
}

/*
 * lock_acquire_slow() once the scheduling point is behind: take @r's word,
 * waiting if it is busy, then count, check and record it. @k is the
 * instance current at the start.
 */
static bool acquire_after_hook(const struct lock_ref *r, struct sim_task *t, struct sim_kernel *k,
			       bool try, const char *file, int line)
{
	struct sim_lock_state *ls = k->locks;
	const struct sim_task_hooks *hk = t->hooks;
	bool co = task_is_coroutine(hk);
	struct pending_finding pf;	/* only .set initialised: msg is large */
	struct sim_lock_class *c;
	bool busy;
	u64 t0 = 0, now, vwait = 0;

	pf.set = false;
	busy = !lock_take(r, t, co);
	if (busy && try)
		return false;
	if (busy) {
		t0 = task_clock_now(t);
	} else if (hk && hk->lock_vtime) {
		/* Free now, but maybe not yet in virtual time: wait for the release. */
		vwait = hk->lock_vtime(t->hooks_arg, r->lock, r->vt, try);
		if (vwait == SIM_LOCK_VT_BUSY) {
			lock_untake(r, co);
			return false;
		}
	}

	c = acquire_class(t, ls, r, co, !busy, try, busy || vwait, file, line, &pf);
	/* Report before blocking: a real inversion may deadlock right here. */
	if (unlikely(pf.set))
		lock_pending_flush(k, &pf);
	now = acquire_wait(t, r, c, co, busy ? t0 : 0, busy, vwait);

	if (!held_push(t, r->lock, c, now, file, line))
		held_overflow(t, c, file, line);
	if (r->spin)
		t->preempt_count++;
	if (hk && hk->lock_acquired)
		hk->lock_acquired(t->hooks_arg, r->lock);
	return true;
}

/*
 * Take @r for the calling task @t, every case: scheduler hooks, contention,
 * recursion, trylocks. Returns false only for a failed trylock.
 */
static bool lock_acquire_slow(const struct lock_ref *r, struct sim_task *t, bool try,
			      const char *file, int line)
{
	struct sim_kernel *k = kernel_current();
	const struct sim_task_hooks *hk = t->hooks;
	int i;

	/* Unless its owner field names this task, the task does not hold it. */
	if (__atomic_load_n(r->owner, __ATOMIC_RELAXED) != t)
		i = -1;
	else
		i = held_find(t, r->lock);
	if (i >= 0) {
		if (try)
			return false;
		acquire_recursive(t, r, i, file, line);
		return true;
	}

	/* A scheduling point: another simulated CPU may run first. */
	if (hk && hk->lock_acquire)
		hk->lock_acquire(t->hooks_arg, r->lock);
	return acquire_after_hook(r, t, k, try, file, line);
}

/* The lock_ref of @lock, a spinlock_t if @spin, else a struct mutex. */
static inline struct lock_ref lock_ref_of(void *lock, bool spin)
{
	return spin ? SPIN_REF((spinlock_t *)lock) : MUTEX_REF((struct mutex *)lock);
}

/* lock_acquire_slow() from the lock's address: keeps the fast path's lock_ref in registers. */
static noinline bool lock_acquire_other(void *lock, bool spin, bool try, const char *file,
					int line)
{
	struct lock_ref r = lock_ref_of(lock, spin);

	return lock_acquire_slow(&r, task_current(), try, file, line);
}

#ifndef LOCK_PTHREAD
/* acquire_after_hook() from the lock's address (the coroutine path's fallback). */
static noinline bool acquire_after_hook_of(void *lock, bool spin, struct sim_task *t,
					   struct sim_kernel *k, bool try, const char *file,
					   int line)
{
	struct lock_ref r = lock_ref_of(lock, spin);

	return acquire_after_hook(&r, t, k, try, file, line);
}

/*
 * The coroutine path's class of @lock when the memo misses (@c NULL) or the
 * lock order must be checked (the checked build): no state mutex, one
 * pthread runs every coroutine. Findings go to @pf.
 */
static noinline struct sim_lock_class *acquire_class_co(struct sim_task *t,
							struct sim_lock_state *ls, void *lock,
							bool spin, struct sim_lock_class *c, bool try,
							const char *file, int line,
							struct pending_finding *pf)
{
	struct lock_ref r = lock_ref_of(lock, spin);

	if (!c) {
		c = class_get(ls, &r, file, line, pf);
		memo_set(&r, ls, c);
	}
	if (SIM_CHECKS && !try)
		order_check(t, ls, c, file, line, pf);
	return c;
}

/*
 * A coroutine's acquisition of @lock (@t has a lock_wait hook: a CPU of a
 * deterministic scheduler), straight through in its common case: not held
 * by @t and free once the scheduling point is behind. It does what
 * lock_acquire_slow() does then, in the same order; a busy lock takes
 * acquire_after_hook(), a held one lock_acquire_slow().
 */
static __always_inline bool lock_acquire_co(void *lock, bool spin, struct sim_task *t,
					    bool try, const char *file, int line)
{
	const struct lock_ref ref = lock_ref_of(lock, spin), *r = &ref;
	const struct sim_task_hooks *hk = t->hooks;
	struct sim_kernel *k = kernel_current();
	struct sim_lock_state *ls;
	struct sim_lock_class *c;
	struct pending_finding pf;	/* only .set initialised: msg is large */
	u64 vwait = 0, now;

	if (unlikely(__atomic_load_n(r->owner, __ATOMIC_RELAXED) == t))
		return lock_acquire_other(r->lock, r->spin, try, file, line);
	/* A scheduling point: another simulated CPU may run first. */
	if (hk->lock_acquire)
		hk->lock_acquire(t->hooks_arg, r->lock);
	if (__atomic_load_n(r->owner, __ATOMIC_RELAXED))
		return acquire_after_hook_of(r->lock, r->spin, t, k, try, file, line);
	__atomic_store_n(r->owner, t, __ATOMIC_RELAXED);
	if (hk->lock_vtime) {
		/* Free now, but maybe not yet in virtual time: wait for the release. */
		vwait = hk->lock_vtime(t->hooks_arg, r->lock, r->vt, try);
		if (vwait == SIM_LOCK_VT_BUSY) {
			__atomic_store_n(r->owner, NULL, __ATOMIC_RELAXED);
			return false;
		}
	}

	ls = k->locks;
	pf.set = false;
	c = memo_get(r, ls);
	if (unlikely(!c) || (SIM_CHECKS && !try && t->nheld))
		c = acquire_class_co(t, ls, r->lock, r->spin, c, try, file, line, &pf);
	c->st.acquisitions++;
	if (vwait)
		c->st.contentions++;
	/* Report before blocking: a real inversion may deadlock right here. */
	if (unlikely(pf.set))
		lock_pending_flush(k, &pf);
	now = task_clock_now(t);
	if (vwait)
		wait_account(&c->st, vwait, true);

	if (unlikely(!held_push(t, r->lock, c, now, file, line)))
		held_overflow(t, c, file, line);
	if (r->spin)
		t->preempt_count++;
	if (hk->lock_acquired)
		hk->lock_acquired(t->hooks_arg, r->lock);
	return true;
}
#endif

#ifndef LOCK_PTHREAD
/*
 * The fast path's class of @lock, taken by @t in threads mode, when the memo
 * in the lock does not have it (@c NULL) or the lock order must be checked:
 * under the state mutex. Counts the acquisition and reports what was found,
 * as lock_acquire_slow() does.
 */
static noinline struct sim_lock_class *acquire_class_locked(struct sim_task *t, void *lock,
							    bool spin, struct sim_lock_class *c,
							    bool try, const char *file, int line)
{
	struct lock_ref r = lock_ref_of(lock, spin);
	struct sim_kernel *k = kernel_current();
	struct sim_lock_state *ls = k->locks;
	struct pending_finding pf;

	pf.set = false;
	sim_mu_lock(&ls->mu);
	if (!c) {
		c = class_get(ls, &r, file, line, &pf);
		memo_set(&r, ls, c);
	}
	if (SIM_CHECKS && !try)
		order_check(t, ls, c, file, line, &pf);
	sim_mu_unlock(&ls->mu);
	stat_add(&c->st.acquisitions, 1, false);
	if (unlikely(pf.set))
		lock_pending_flush(k, &pf);
	return c;
}
#endif

/*
 * Take @r for the calling task. The common case is inline: threads mode (no
 * scheduler hooks), @r free and not held by the task. Its word is taken
 * first, so the class memo in it is the task's to read; then it does what
 * lock_acquire_slow() does in that case, in the same order. A coroutine
 * goes to lock_acquire_co() (inline too, behind unlikely(): out of the way
 * of the threads path's registers). Returns false only for a failed trylock.
 */
static __always_inline bool lock_acquire(const struct lock_ref *r, bool try, const char *file,
					 int line)
{
#ifndef LOCK_PTHREAD
	struct sim_task *t = task_current();
	struct sim_lock_state *ls;
	struct sim_lock_class *c;
	void *none = NULL;

	if (unlikely(t->hooks)) {
		if (t->hooks->lock_wait)
			return lock_acquire_co(r->lock, r->spin, t, try, file, line);
	} else if (likely(__atomic_compare_exchange_n(r->owner, &none, t, false,
						      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))) {
		ls = kernel_current()->locks;
		c = memo_get(r, ls);
		if (likely(c) && !(SIM_CHECKS && !try && t->nheld))
			stat_add(&c->st.acquisitions, 1, false);
		else
			c = acquire_class_locked(t, r->lock, r->spin, c, try, file, line);
		if (unlikely(!held_push(t, r->lock, c, task_clock_now(t), file, line)))
			held_overflow(t, c, file, line);
		if (r->spin)
			t->preempt_count++;
		return true;
	}
#endif
	return lock_acquire_other(r->lock, r->spin, try, file, line);
}

/* Release @r's word, held by @t since @acquired, into @c's lockstat. */
static __always_inline void release_word(const struct lock_ref *r, struct sim_task *t,
					 struct sim_lock_class *c, u64 acquired)
{
	const struct sim_task_hooks *hk = t->hooks;
	bool co = task_is_coroutine(hk);
	u64 now = task_clock_now(t);

	if (co)
		__atomic_store_n(r->owner, NULL, __ATOMIC_RELAXED);
	else
		raw_unlock(r->owner, r->m);
	hold_account(&c->st, now >= acquired ? now - acquired : 0, co);
	if (hk && hk->lock_release)
		hk->lock_release(t->hooks_arg, r->lock, r->vt, acquired);
}

/* Release @lock, which is not on top of @t's stack: deeper, untracked, or not held. */
static noinline void lock_release_other(void *lock, bool spin, const char *file, int line)
{
	struct lock_ref r = lock_ref_of(lock, spin);
	struct sim_task *t = task_current();
	struct sim_lock_class *c;
	int i = held_find(t, lock);
	u64 acquired;

	if (i < 0) {
		if (__atomic_load_n(r.owner, __ATOMIC_RELAXED) == t) {
			/* held but not tracked (stack overflow) */
			if (t->untracked)
				t->untracked--;
			raw_unlock(r.owner, r.m);
			if (spin)
				t->preempt_count--;
			sim_task_hook(t, lock_release, lock, r.vt, task_clock_now(t));
			return;
		}
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"bad unlock balance: %s %s released at %s:%d not held by this task",
				spin ? "spinlock" : "mutex",
				r.name ? r.name : "(uninitialised)", lock_base_name(file), line);
		return;
	}
	c = (struct sim_lock_class *)t->held[i].class;
	acquired = t->held[i].acquired_ns;
	held_remove(t, i);
	if (spin && t->preempt_count)
		t->preempt_count--;
	if (c)
		release_word(&r, t, c, acquired);
}

/* Release @r; locks are mostly released in the reverse order of taking them. */
static __always_inline void lock_release(const struct lock_ref *r, const char *file, int line)
{
	struct sim_task *t = task_current();
	unsigned int n = t->nheld;
	const struct sim_held_lock *h;
	struct sim_lock_class *c;

	if (unlikely(!n || t->held[n - 1].lock != r->lock)) {
		lock_release_other(r->lock, r->spin, file, line);
		return;
	}
	h = &t->held[n - 1];
	c = (struct sim_lock_class *)h->class;
	t->nheld = n - 1;
	if (r->spin && t->preempt_count)
		t->preempt_count--;
	if (c)
		release_word(r, t, c, h->acquired_ns);
}

/* ---- spinlocks ------------------------------------------------------------------- */

void __sim_spin_lock_init(spinlock_t *lock, const char *name, struct lock_class_key *key)
{
	pthread_mutex_init(&lock->m, NULL);
	lock->name = name;
	lock->key = key;
	lock->owner = NULL;
	memset(&lock->vt, 0, sizeof(lock->vt));
}

void __sim_spin_lock(spinlock_t *lock, const char *file, int line)
{
	lock_acquire(&SPIN_REF(lock), false, file, line);
}

int __sim_spin_trylock(spinlock_t *lock, const char *file, int line)
{
	return lock_acquire(&SPIN_REF(lock), true, file, line);
}

void __sim_spin_unlock(spinlock_t *lock, const char *file, int line)
{
	lock_release(&SPIN_REF(lock), file, line);
}

unsigned long __sim_spin_lock_irqsave(spinlock_t *lock, const char *file, int line)
{
	unsigned long flags = __sim_local_irq_save();

	lock_acquire(&SPIN_REF(lock), false, file, line);
	return flags;
}

void __sim_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags,
				  const char *file, int line)
{
	lock_release(&SPIN_REF(lock), file, line);
	local_irq_restore(flags);
}

bool spin_is_locked(spinlock_t *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != NULL;
}

/* ---- mutexes --------------------------------------------------------------------- */

void __sim_mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key)
{
	pthread_mutex_init(&lock->m, NULL);
	lock->name = name;
	lock->key = key;
	lock->owner = NULL;
	memset(&lock->vt, 0, sizeof(lock->vt));
}

void __sim_mutex_lock(struct mutex *lock, const char *file, int line)
{
	if (SIM_CHECKS)
		__might_sleep(file, line);
	lock_acquire(&MUTEX_REF(lock), false, file, line);
}

int __sim_mutex_trylock(struct mutex *lock, const char *file, int line)
{
	return lock_acquire(&MUTEX_REF(lock), true, file, line);
}

void __sim_mutex_unlock(struct mutex *lock, const char *file, int line)
{
	lock_release(&MUTEX_REF(lock), file, line);
}

bool mutex_is_locked(struct mutex *lock)
{
	return __atomic_load_n(&lock->owner, __ATOMIC_RELAXED) != NULL;
}

void mutex_destroy(struct mutex *lock)
{
	if (mutex_is_locked(lock))
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, NULL, 0,
				"mutex_destroy() of mutex %s while it is held",
				lock->name ? lock->name : "(uninitialised)");
}

/* ---- assertions -------------------------------------------------------------------- */

void __sim_lockdep_assert_held(const void *lock, const char *file, int line)
{
	if (!held_by(task_current(), lock))
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"lockdep_assert_held() failed at %s:%d: %p not held by this task",
				lock_base_name(file), line, lock);
}

bool __sim_lockdep_is_held(const void *lock)
{
	return held_by(task_current(), lock);
}

void __sim_lockdep_assert_not_held(const void *lock, const char *file, int line)
{
	if (held_by(task_current(), lock))
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"lockdep_assert_not_held() failed at %s:%d: %p held by this task",
				lock_base_name(file), line, lock);
}
