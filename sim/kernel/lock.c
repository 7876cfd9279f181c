// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: spinlocks and mutexes that check and count
 * (preemption and IRQ state, delays and refcount warnings: preempt.c).
 *
 * A lock is a pthread mutex. Around it, each acquisition and release
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
 * All per-instance data sits in struct sim_lock_state behind one sim_mu.
 * Findings are formatted under that mutex and recorded after dropping it.
 * A held lock points at its class, so it must be released before the
 * instance it was taken in is destroyed.
 */
#include <sched.h>
#include <stdarg.h>
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

/*
 * A spinlock_t or struct mutex, seen through its fields. @key is the class
 * key: the lock's lock_class_key or, for a statically defined lock (a name,
 * no key), the lock's own address (@by_addr); NULL only for a lock that was
 * never initialised.
 */
struct lock_ref {
	void *lock;
	pthread_mutex_t *m;
	const char *name;
	const void *key;
	void **owner;
	struct sim_lock_vt *vt;
	bool spin;
	bool by_addr;
};

#define LOCK_REF(l, spin) ((struct lock_ref){					\
	(l), &(l)->m, (l)->name,						\
	(l)->key ? (const void *)(l)->key : (l)->name ? (const void *)(l) : NULL,	\
	&(l)->owner, &(l)->vt, (spin), !(l)->key && (l)->name })
#define SPIN_REF(l)	LOCK_REF(l, true)
#define MUTEX_REF(l)	LOCK_REF(l, false)


/* ---- instance state ----------------------------------------------------------- */

/* Generations of lock states: never reused, so a stale memo never matches. */
static unsigned long lock_gen;

static unsigned long lock_gen_next(void)
{
	return __atomic_add_fetch(&lock_gen, 1, __ATOMIC_RELAXED);
}

void sim_lock_init(struct sim_kernel *k)
{
	struct sim_lock_state *ls = calloc(1, sizeof(*ls));

	if (!ls)
		lock_oom();
	ls->gen = lock_gen_next();
	k->locks = ls;
}

/* Free every class, edge and report of @ls. Called with ls->mu held or unshared. */
static void classes_free(struct sim_lock_state *ls)
{
	for (size_t i = 0; i < ls->nclasses; i++) {
		free(ls->classes[i]->edges);
		free(ls->classes[i]->edge_to);
		free(ls->classes[i]->name);
		free(ls->classes[i]);
	}
	free(ls->classes);
	free(ls->reported);
	free(ls->stack);
	ls->classes = NULL;
	ls->nclasses = ls->classes_cap = 0;
	ls->reported = NULL;
	ls->nreported = ls->reported_cap = 0;
	ls->stack = NULL;
	ls->stack_cap = 0;
	memset(ls->hash, 0, sizeof(ls->hash));
	memset(ls->cache, 0, sizeof(ls->cache));
	ls->gen = lock_gen_next();
}

void sim_lock_fini(struct sim_kernel *k)
{
	struct sim_lock_state *ls = k->locks;

	if (!ls)
		return;
	classes_free(ls);
	free(ls);
	k->locks = NULL;
}

/* Declared in <sim/task.h>: no task may hold a lock of @k. */
void sim_lock_reset(struct sim_kernel *k)
{
	struct sim_lock_state *ls = sim_k(k)->locks;

	sim_mu_lock(&ls->mu);
	classes_free(ls);
	sim_mu_unlock(&ls->mu);
}

static unsigned int class_hash(const void *key)
{
	unsigned long h = (unsigned long)key >> 3;

	h ^= h >> 17;
	return (unsigned int)(h * 2654435761u) >> (32 - LOCK_HASH_BITS);
}

/*
 * Same key; for a static lock also the same name pointer, so that two static
 * locks that lived at one stack address in turn are not mixed up. Locks
 * never initialised (no key) all share one class.
 */
static bool class_match(const struct sim_lock_class *c, const struct lock_ref *r)
{
	if (c->key != r->key || c->by_addr != r->by_addr)
		return false;
	return !r->by_addr || c->name_id == r->name;
}

void lock_stat_clear(struct sim_lockstat *st)
{
	const char *name = st->name;

	memset(st, 0, sizeof(*st));
	st->name = name;
	st->wait_min_ns = UINT64_MAX;
	st->hold_min_ns = UINT64_MAX;
}

static struct sim_lock_cache_ent *cache_slot(struct sim_lock_state *ls, const struct lock_ref *r)
{
	uintptr_t h = ((uintptr_t)r->key ^ (uintptr_t)r->name) >> 3;

	h ^= h >> 11;
	return &ls->cache[(unsigned int)(h * 2654435761u) >> (32 - LOCK_CACHE_BITS)];
}

/* Find or create the class of @r. Called with ls->mu held. */
static struct sim_lock_class *class_get(struct sim_lock_state *ls, const struct lock_ref *r,
					const char *file, int line,
					struct pending_finding *pf)
{
	struct sim_lock_cache_ent *ce = cache_slot(ls, r);
	unsigned int h;
	struct sim_lock_class *c;

	if (likely(ce->c && ce->key == r->key && ce->name == r->name))
		return ce->c;
	h = class_hash(r->key);
	for (c = ls->hash[h]; c; c = c->hnext)
		if (class_match(c, r)) {
			ce->key = r->key;
			ce->name = r->name;
			ce->c = c;
			return c;
		}

	c = calloc(1, sizeof(*c));
	if (!c)
		lock_oom();
	c->ls = ls;
	c->key = r->key;
	c->name_id = r->name;
	c->by_addr = r->by_addr;
	c->name = strdup(r->name ? r->name : "(uninitialised)");
	if (!c->name)
		lock_oom();
	c->st.name = c->name;
	lock_stat_clear(&c->st);
	c->hnext = ls->hash[h];
	ls->hash[h] = c;
	if (ls->nclasses == ls->classes_cap) {
		ls->classes_cap = ls->classes_cap ? 2 * ls->classes_cap : 16;
		ls->classes = lock_xrealloc(ls->classes, ls->classes_cap, sizeof(*ls->classes));
	}
	ls->classes[ls->nclasses++] = c;
	if (!r->name && !r->key)
		lock_pending_set(pf, SIM_FINDING_LOCKDEP, file, line,
				 "%s %p used without %s at %s:%d", r->spin ? "spinlock" : "mutex",
				 r->lock, r->spin ? "spin_lock_init()" : "mutex_init()",
				 lock_base_name(file), line);
	return c;
}

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
 * the class the lock had in the last instance a coroutine took it in,
 * with that instance's lock-state generation and the (key, name) it was
 * found by: any reset of the classes, another instance, or a lock
 * re-initialised under another name misses and looks the class up again.
 * Only coroutine tasks read or write it (one pthread: no torn memo).
 */
#ifndef LOCK_PTHREAD
struct lock_memo {
	struct sim_lock_state *ls;
	unsigned long gen;
	struct sim_lock_class *c;
	const void *key;
	const char *name;
};

_Static_assert(sizeof(struct lock_memo) <= sizeof(pthread_mutex_t),
	       "a lock's class memo must fit in its pthread mutex");

static inline struct sim_lock_class *memo_get(const struct lock_ref *r,
					      const struct sim_lock_state *ls)
{
	const struct lock_memo *m = (const struct lock_memo *)r->m;

	if (m->ls == ls && m->gen == ls->gen && m->key == r->key && m->name == r->name)
		return m->c;
	return NULL;
}

static inline void memo_set(const struct lock_ref *r, struct sim_lock_state *ls,
			    struct sim_lock_class *c)
{
	*(struct lock_memo *)r->m = (struct lock_memo){ ls, ls->gen, c, r->key, r->name };
}
#endif

/* ---- held-lock stack ---------------------------------------------------------- */

static int held_find(const struct sim_task *t, const void *lock)
{
	for (int i = (int)t->nheld - 1; i >= 0; i--)
		if (t->held[i].lock == lock)
			return i;
	return -1;
}

/* Push @lock; @class NULL marks a skipped recursive acquisition. */
static bool held_push(struct sim_task *t, const struct lock_ref *r, const void *class,
		      u64 now, const char *file, int line)
{
	struct sim_held_lock *h;

	if (t->nheld == SIM_MAX_HELD_LOCKS)
		return false;
	h = &t->held[t->nheld++];
	h->lock = r->lock;
	h->m = class ? r->m : NULL;
	h->owner = r->owner;
	h->class = class;
	h->acquired_ns = now;
	h->file = file;
	h->line = line;
	return true;
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

		if (!h->m)
			continue;
		raw_unlock(h->owner, h->m);
	}
}

unsigned int sim_locks_held(void)
{
	return task_current()->nheld;
}

/* ---- acquire and release --------------------------------------------------------- */

static void wait_account(struct sim_lockstat *st, u64 wait)
{
	st->wait_total_ns += wait;
	if (wait < st->wait_min_ns)
		st->wait_min_ns = wait;
	if (wait > st->wait_max_ns)
		st->wait_max_ns = wait;
}

static void hold_account(struct sim_lockstat *st, u64 hold)
{
	st->hold_total_ns += hold;
	if (hold < st->hold_min_ns)
		st->hold_min_ns = hold;
	if (hold > st->hold_max_ns)
		st->hold_max_ns = hold;
}

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
	if (!held_push(t, r, NULL, 0, file, line))
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"more than %d locks held", SIM_MAX_HELD_LOCKS);
	if (r->spin)
		t->preempt_count++;
}

/*
 * The class of @r for an acquisition by @t, counted (@contended: it had to
 * wait), with the lock order checked against what @t holds (a finding goes
 * to @pf, reported by the caller once the state lock is dropped).
 */
static inline struct sim_lock_class *acquire_class(struct sim_task *t, struct sim_lock_state *ls,
						   const struct lock_ref *r, bool co, bool try,
						   bool contended, const char *file, int line,
						   struct pending_finding *pf)
{
	struct sim_lock_class *c;

	ls_lock(ls, co);
#ifndef LOCK_PTHREAD
	c = co ? memo_get(r, ls) : NULL;
	if (!c) {
		c = class_get(ls, r, file, line, pf);
		if (co)
			memo_set(r, ls, c);
	}
#else
	c = class_get(ls, r, file, line, pf);
#endif
	c->st.acquisitions++;
	if (contended)
		c->st.contentions++;
	/* The lock-order graph: compiled out in the fast build (<sim/checks.h>). */
	if (SIM_CHECKS && !try)
		for (unsigned int j = 0; j < t->nheld; j++) {
			const struct sim_lock_class *hc = t->held[j].class;

			if (hc && hc->ls == ls && !lock_order_known(&t->held[j], c))
				lock_order_check(ls, &t->held[j], c, file, line, pf);
		}
	ls_unlock(ls, co);
	return c;
}

/*
 * @t holds @r once this returns: if it was @busy (since @t0), after waiting
 * for its holder, else after the virtual-time wait @vwait the scheduler
 * charged; the wait goes to @c's lockstat. Returns @t's clock then.
 */
static inline u64 acquire_wait(struct sim_task *t, struct sim_lock_state *ls,
			       const struct lock_ref *r, struct sim_lock_class *c, bool co,
			       u64 t0, bool busy, u64 vwait)
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
	now = task_clock(t);
	if (busy)
		wait = now >= t0 ? now - t0 : 0;
	if (busy || vwait) {
		ls_lock(ls, co);
		wait_account(&c->st, wait);
		ls_unlock(ls, co);
	}
	return now;
}

/*
 * Take @r for the calling task. Returns false only for a failed trylock.
 */
static bool lock_acquire(const struct lock_ref *r, bool try, const char *file, int line)
{
	struct sim_task *t = task_current();
	struct sim_kernel *k = kernel_current();
	struct sim_lock_state *ls = k->locks;
	const struct sim_task_hooks *hk = t->hooks;
	bool co = task_is_coroutine(hk);
	struct pending_finding pf;	/* only .set initialised: msg is large */
	struct sim_lock_class *c;
	bool busy;
	u64 t0 = 0, now, vwait = 0;
	int i;

	pf.set = false;
	/*
	 * A coroutine's lock word is its owner field: unless it names this
	 * task, the task does not hold the lock and the stack need not be
	 * searched.
	 */
	if (co && __atomic_load_n(r->owner, __ATOMIC_RELAXED) != t)
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
	busy = !lock_take(r, t, co);
	if (busy && try)
		return false;
	if (busy) {
		t0 = task_clock(t);
	} else if (hk && hk->lock_vtime) {
		/* Free now, but maybe not yet in virtual time: wait for the release. */
		vwait = hk->lock_vtime(t->hooks_arg, r->lock, r->vt, try);
		if (vwait == SIM_LOCK_VT_BUSY) {
			lock_untake(r, co);
			return false;
		}
	}

	c = acquire_class(t, ls, r, co, try, busy || vwait, file, line, &pf);
	/* Report before blocking: a real inversion may deadlock right here. */
	if (unlikely(pf.set))
		lock_pending_flush(k, &pf);
	now = acquire_wait(t, ls, r, c, co, busy ? t0 : 0, busy, vwait);

	if (!held_push(t, r, c, now, file, line))
		sim_finding_add(k, SIM_FINDING_LOCKDEP, file, line,
				"more than %d locks held: %s not tracked", SIM_MAX_HELD_LOCKS,
				c->name);
	if (r->spin)
		t->preempt_count++;
	if (hk && hk->lock_acquired)
		hk->lock_acquired(t->hooks_arg, r->lock);
	return true;
}

static void lock_release(const struct lock_ref *r, const char *file, int line)
{
	struct sim_task *t = task_current();
	const struct sim_task_hooks *hk = t->hooks;
	struct sim_held_lock *h;
	struct sim_lock_class *c;
	int i = held_find(t, r->lock);
	u64 now, acquired;

	if (i < 0) {
		if (__atomic_load_n(r->owner, __ATOMIC_RELAXED) == t) {
			/* held but not tracked (stack overflow) */
			raw_unlock(r->owner, r->m);
			if (r->spin)
				t->preempt_count--;
			now = task_clock(t);
			sim_task_hook(t, lock_release, r->lock, r->vt, now);
			return;
		}
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"bad unlock balance: %s %s released at %s:%d not held by this task",
				r->spin ? "spinlock" : "mutex",
				r->name ? r->name : "(uninitialised)", lock_base_name(file), line);
		return;
	}
	h = &t->held[i];
	c = (struct sim_lock_class *)h->class;
	acquired = h->acquired_ns;
	if ((unsigned int)i + 1 < t->nheld)
		held_remove(t, i);
	else
		t->nheld--;
	if (r->spin && t->preempt_count)
		t->preempt_count--;
	if (!c)
		return;		/* skipped recursive acquisition */

	now = task_clock(t);
	if (task_is_coroutine(hk)) {
		__atomic_store_n(r->owner, NULL, __ATOMIC_RELAXED);
		hold_account(&c->st, now >= acquired ? now - acquired : 0);
	} else {
		raw_unlock(r->owner, r->m);
		sim_mu_lock(&c->ls->mu);
		hold_account(&c->st, now >= acquired ? now - acquired : 0);
		sim_mu_unlock(&c->ls->mu);
	}
	if (hk && hk->lock_release)
		hk->lock_release(t->hooks_arg, r->lock, r->vt, acquired);
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
	if (held_find(task_current(), lock) < 0)
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"lockdep_assert_held() failed at %s:%d: %p not held by this task",
				lock_base_name(file), line, lock);
}

bool __sim_lockdep_is_held(const void *lock)
{
	return held_find(task_current(), lock) >= 0;
}

void __sim_lockdep_assert_not_held(const void *lock, const char *file, int line)
{
	if (held_find(task_current(), lock) >= 0)
		sim_finding_add(NULL, SIM_FINDING_LOCKDEP, file, line,
				"lockdep_assert_not_held() failed at %s:%d: %p held by this task",
				lock_base_name(file), line, lock);
}
