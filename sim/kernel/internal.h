/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim internals, shared by the .c files of sim/kernel only.
 *
 * An instance (struct sim_kernel) owns one state block per subsystem; each
 * subsystem file allocates its block in sim_<sub>_init() and releases it in
 * sim_<sub>_fini(). The shim's own bookkeeping uses libc malloc, never
 * kmalloc, so it is invisible to slab accounting and fault injection.
 *
 * A task (struct sim_task) is one thread of simulated execution: a host CPU,
 * a vCPU, or a pthread in threads mode. It carries the held-lock stack, the
 * preemption depth and the RCU read-side nesting. Each pthread has one by
 * default; the deterministic world switches tasks when it switches coroutines.
 */
#ifndef _SIM_KERNEL_INTERNAL_H
#define _SIM_KERNEL_INTERNAL_H

#include <pthread.h>
#include <sched.h>
#include <sim/kernel.h>
#include <sim/task.h>

struct sim_slab_state;
struct sim_lock_state;
struct sim_rcu_state;
struct sim_log_state;

struct sim_kernel {
	char name[32];
	pthread_mutex_t mu;		/* findings */
	struct sim_finding *findings;
	size_t nfindings, findings_cap;
	unsigned long long finding_seq;
	sim_panic_fn panic_fn;
	void *panic_arg;
	sim_clock_fn clock_fn;		/* sim_kernel_set_clock(), or NULL */
	void *clock_arg;

	struct sim_log_state *log;	/* printk.c */
	struct sim_slab_state *slab;	/* slab.c */
	struct sim_lock_state *locks;	/* lock.c */
	struct sim_rcu_state *rcu;	/* rcu.c */
};

/* Subsystem lifetime, called by instance.c in this order (fini reversed). */
void sim_log_init(struct sim_kernel *k);
void sim_log_fini(struct sim_kernel *k);
void sim_slab_init(struct sim_kernel *k);
void sim_slab_fini(struct sim_kernel *k);	/* leak report happens in destroy */
void sim_lock_init(struct sim_kernel *k);
void sim_lock_fini(struct sim_kernel *k);
void sim_rcu_init(struct sim_kernel *k);
void sim_rcu_fini(struct sim_kernel *k);	/* runs every pending callback */

/* Record up to @max LEAK findings for live objects (slab.c, at destroy). */
void sim_slab_leak_findings(struct sim_kernel *k, size_t max);

/*
 * A mutex for the shim's own short critical sections (bookkeeping, never held
 * across a scheduling point or a call out of the shim): an atomic flag, so
 * the uncontended case is one exchange and one store instead of a pthread
 * mutex's type and owner checks. Contended (threads mode), it yields.
 */
struct sim_mu {
	int v;
};

static inline void sim_mu_lock(struct sim_mu *m)
{
	while (__atomic_exchange_n(&m->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&m->v, __ATOMIC_RELAXED))
			sched_yield();
}

static inline void sim_mu_unlock(struct sim_mu *m)
{
	__atomic_store_n(&m->v, 0, __ATOMIC_RELEASE);
}

#define SIM_MAX_HELD_LOCKS 48

/* Read-side sections a task remembers in virtual time (rcu.c). */
#define SIM_RCU_SECTIONS	4
/* A section that ran in two instances: every instance's grace periods wait for it. */
#define SIM_RCU_ANY_KERNEL	((const struct sim_kernel *)1)

struct sim_held_lock {
	void *lock;			/* spinlock_t / struct mutex address */
	const void *class;		/* struct sim_lock_class *; NULL: not taken */
	u64 acquired_ns;
	const char *file;
	int line;
};

struct sim_task {
	/* What every lock operation and scheduling point touches, first. */
	unsigned int nheld;
	unsigned int preempt_count;	/* spinlocks held + preempt_disable() */
	unsigned int irq_disabled;	/* local_irq_save depth */
	unsigned int rcu_nesting;	/* rcu_read_lock depth */
	unsigned int untracked;		/* locks taken past the stack's end, held */
	const struct sim_task_hooks *hooks;	/* scheduler hooks, or NULL */
	void *hooks_arg;
	const u64 *clock;		/* its virtual clock (sim_task_set_clock), or NULL */
	struct sim_held_lock held[SIM_MAX_HELD_LOCKS];
	unsigned long long rcu_qs_seq;	/* bumped at each outermost rcu_read_unlock */
	/*
	 * Virtual time (tasks with a clock): the outermost section's entry,
	 * and the last SIM_RCU_SECTIONS sections as (entry, exit), a ring.
	 */
	u64 rcu_enter_ns;
	/*
	 * The instance the outermost section runs in (rcu.c): its grace
	 * periods wait for it, others' do not. SIM_RCU_ANY_KERNEL when a
	 * nested rcu_read_lock() ran in another instance.
	 */
	const struct sim_kernel *rcu_k;
	const struct sim_kernel *rcu_sec_k[SIM_RCU_SECTIONS];	/* of rcu_sec[] */
	u64 rcu_last_exit;		/* exit of the last section (0: none) */
	u64 *rcu_exit_slot;		/* also written there (sim_task_set_rcu_slot) */
	u64 *rcu_exit_max;		/* ... and the maximum kept there */
	u64 rcu_sec[SIM_RCU_SECTIONS][2];
	unsigned int rcu_nsec;		/* sections recorded, ever */
	struct sim_task *rcu_next;	/* registry of tasks, see rcu.c */
	bool rcu_registered;
	bool own;			/* a pthread's own task (freed at thread exit) */
	char name[32];
};

/* Call hook @fn of task @t if it has one. */
#define sim_task_hook(t, fn, ...) do {					\
	const struct sim_task_hooks *__h = (t)->hooks;			\
	if (__h && __h->fn)						\
		__h->fn((t)->hooks_arg, ##__VA_ARGS__);			\
} while (0)

/*
 * Release the pthread mutexes behind every lock @t holds and empty its
 * held-lock stack: @t was abandoned (a panic) and will never unlock them.
 * Must run on the thread that took them (lock.c).
 */
void sim_lock_task_abandon(struct sim_task *t);

/* The task running on this thread; created on first use. */
struct sim_task *sim_task_current(void);

/* What sim_task_current() and sim_kernel_current() read (rcu.c, instance.c). */
extern __thread struct sim_task *sim_task_cur;
extern __thread struct sim_kernel *sim_kernel_cur;

/* sim_task_current(), inlined for the shim's hot paths. */
static inline struct sim_task *task_current(void)
{
	struct sim_task *t = sim_task_cur;

	return __builtin_expect(t != NULL, 1) ? t : sim_task_current();
}

/* sim_kernel_current(), inlined. */
static inline struct sim_kernel *kernel_current(void)
{
	struct sim_kernel *k = sim_kernel_cur;

	return __builtin_expect(k != NULL, 1) ? k : sim_kernel_current();
}

/* Resolve NULL to the current instance. */
static inline struct sim_kernel *sim_k(struct sim_kernel *k)
{
	return k ? k : kernel_current();
}

/* The clock of task @t: its virtual clock when it has one, else sim_clock_ns(). */
static inline u64 task_clock(const struct sim_task *t)
{
	return t->clock ? *t->clock : sim_clock_ns();
}

/* CLOCK_MONOTONIC in ns (instance.c). */
u64 sim_clock_monotonic(void);

/*
 * sim_clock_ns() for the running task @t: its virtual clock, else the
 * current instance's clock function, else CLOCK_MONOTONIC.
 */
static inline u64 task_clock_now(const struct sim_task *t)
{
	struct sim_kernel *k;
	sim_clock_fn fn;

	if (t->clock)
		return *t->clock;
	k = kernel_current();
	fn = __atomic_load_n(&k->clock_fn, __ATOMIC_ACQUIRE);
	if (fn)
		return fn(__atomic_load_n(&k->clock_arg, __ATOMIC_RELAXED));
	return sim_clock_monotonic();
}

#endif /* _SIM_KERNEL_INTERNAL_H */
