/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: simulated tasks and the shim's hooks for a scheduler.
 *
 * A task (struct sim_task, private to sim/kernel) is one thread of simulated
 * execution: its held-lock stack, preemption and IRQ depth and RCU read-side
 * nesting. Every pthread gets one on first use. The deterministic world
 * (sim/sched/sched.c) runs many simulated CPUs as coroutines on one pthread:
 * it creates a task per CPU and makes it current with sim_task_switch()
 * whenever it switches coroutines.
 *
 * A task may carry hooks. The shim calls them, with the task current, at
 * the points where a simulated CPU may yield to another one:
 *   - before every lock acquisition (lock_acquire), then, while the lock is
 *     held by another task, instead of blocking the pthread (lock_wait);
 *     once the lock word is taken, to wait in virtual time for the previous
 *     holder's release (lock_vtime); once it is recorded held
 *     (lock_acquired); after every release (lock_release), so that the
 *     release time is recorded and waiters can be woken;
 *   - cpu_relax() (relax), ndelay()/udelay()/msleep()... (delay);
 *   - while a grace period waits for readers (rcu_wait), and at its start
 *     and end (rcu_gp);
 *   - at the preemption points of schedule fuzzing (preempt): inside every
 *     RCU read-side section, right after rcu_read_lock() entered it and
 *     right before rcu_read_unlock() leaves it, at every nesting level
 *     (SIM_PREEMPT_RCU). A scheduler that does not fuzz schedules leaves
 *     the hook NULL (the default: nothing is drawn, nothing changes).
 * A task without hooks (threads mode) blocks and spins as before.
 *
 * This header also gives the world what it needs to reset a kernel instance
 * to its boot state without destroying it.
 */
#ifndef _SIM_TASK_H
#define _SIM_TASK_H

#include <linux/types.h>

struct sim_kernel;
struct sim_task;

/*
 * Preemption points of schedule fuzzing (<sim/sched.h>,
 * sim_sched_set_preempt()): where a CPU may be preempted so that others run
 * in the middle of what it does.
 */
#define SIM_PREEMPT_RCU		0x1u	/* inside a read-side section: its entry and exit */
#define SIM_PREEMPT_UNLOCK	0x2u	/* right after a spinlock or mutex release */

/* lock_vtime's answer to a trylock of a lock still held in virtual time. */
#define SIM_LOCK_VT_BUSY	(~0ull)

struct sim_lock_vt;

struct sim_task_hooks {
	/* A lock is about to be taken (any lock, contended or not). */
	void (*lock_acquire)(void *arg, const void *lock);
	/*
	 * @lock was just taken (its lock word; not yet recorded as held) and
	 * @vt is its virtual-time record: move the task's clock to when the
	 * lock is free in virtual time (after the previous holder's release
	 * plus the hand-off) and return how far it moved. For a trylock (@try)
	 * that finds the lock still held at the task's clock, return
	 * SIM_LOCK_VT_BUSY instead (the shim gives the lock word back).
	 */
	u64 (*lock_vtime)(void *arg, const void *lock, struct sim_lock_vt *vt, bool try);
	/* @lock was just taken (held-lock stack updated): charge hold costs. */
	void (*lock_acquired)(void *arg, const void *lock);
	/* @lock is held by another task: return when it may be free. */
	void (*lock_wait)(void *arg, const void *lock);
	/*
	 * @lock, held since virtual time @acquired_ns, was just released by
	 * this task: record the release in @vt, wake waiters.
	 */
	void (*lock_release)(void *arg, const void *lock, struct sim_lock_vt *vt,
			     u64 acquired_ns);
	/* cpu_relax() */
	void (*relax)(void *arg);
	/* a delay of @ns nanoseconds */
	void (*delay)(void *arg, u64 ns);
	/* a grace period waits for readers: return to check again */
	void (*rcu_wait)(void *arg);
	/*
	 * A grace period is about to start (@start true: a scheduling point,
	 * so CPUs behind the waiter catch up) or has ended (@start false):
	 * the readers it waited for left their sections at virtual time @ns at
	 * the latest; the waiter's clock moves to at least @ns.
	 */
	void (*rcu_gp)(void *arg, bool start, u64 ns);
	/* A preemption point of kind @point (SIM_PREEMPT_*); may switch CPUs. */
	void (*preempt)(void *arg, unsigned int point);
};

/*
 * A new task named @name, registered for RCU (its readers hold grace periods
 * back). @hooks (may be NULL) must outlive the task. Never NULL.
 */
struct sim_task *sim_task_create(const char *name, const struct sim_task_hooks *hooks,
				 void *arg);
/*
 * Make @t the calling thread's current task; NULL returns to the thread's
 * own task. Returns the previous current task (NULL if the thread's own).
 */
struct sim_task *sim_task_switch(struct sim_task *t);
/*
 * Give @t other hooks (the same argument): a scheduler turning schedule
 * fuzzing on or off. Not while @t is inside a hook.
 */
void sim_task_set_hooks(struct sim_task *t, const struct sim_task_hooks *hooks);
/* Unregister and free @t, which must not be current on any thread. */
void sim_task_destroy(struct sim_task *t);
const char *sim_task_name(const struct sim_task *t);
/*
 * Forget a task's state after the coroutine running it was abandoned (a
 * panic, a deadlock): the locks it holds are released (no lockstat, no
 * wake-up: call it on the thread that ran the task, when no task runs), and
 * its preemption and IRQ depth and RCU read-side nesting are zeroed.
 */
void sim_task_forget(struct sim_task *t);

/*
 * @clock (or NULL) is @t's virtual clock: while @t runs, the shim reads it
 * directly where it would call sim_clock_ns() (lock hold and wait times), so
 * it must be what the installed clock function returns for @t.
 */
void sim_task_set_clock(struct sim_task *t, const u64 *clock);

/*
 * For a grace period of instance @k (NULL: any) that started at virtual time
 * @g: the latest exit time of @t's read-side sections in @k that began before
 * @g and ended after it, from the last few sections @t remembers (when it does
 * not remember back to @g, the entry of the oldest it does, whatever its
 * instance: an upper bound). 0 if none.
 */
u64 sim_task_rcu_straddle(const struct sim_task *t, u64 g, const struct sim_kernel *k);
/*
 * Also write the exit time of @t's last read-side section to *@slot (and
 * now: 0 if none), and keep *@max the largest written: a scheduler keeps
 * its CPUs' in one array for a quick check before sim_task_rcu_straddle()
 * (nothing of @t straddles a start at or after it). NULL: stop.
 */
void sim_task_set_rcu_slot(struct sim_task *t, u64 *slot, u64 *max);

/*
 * The RCU readers of the current kernel instance inside a read-side section
 * now (other tasks than the caller; a grace period waits for no others), to
 * tell later whether one of them is still in that same
 * section: what a caller of a function that promises a grace period
 * (ioasid_set_data(): "the caller may free the old data") can check once it
 * returns. Up to SIM_RCU_SNAP_MAX readers are remembered.
 */
#define SIM_RCU_SNAP_MAX	16
struct sim_rcu_snap {
	unsigned int n;
	struct {
		const struct sim_task *t;
		unsigned long long qs;	/* its last exit stamp: the same while in that section */
	} r[SIM_RCU_SNAP_MAX];
};
void sim_rcu_snapshot(struct sim_rcu_snap *snap);
/* How many readers of @snap are still inside the section they were in then. */
unsigned int sim_rcu_snapshot_held(const struct sim_rcu_snap *snap);

/*
 * For a scheduler resuming a coroutine: make @t (NULL: the thread's own task)
 * the running task and @k the current instance, in one call. Returns the
 * instance that was current (the one the coroutine switched away from ran in).
 */
struct sim_kernel *sim_task_resume(struct sim_task *t, struct sim_kernel *k);

/* ---- instance reset ------------------------------------------------------- */

/*
 * Bring @k back to the state of a freshly created instance, in place: free
 * every live slab object (and the quarantine) without reporting leaks, zero
 * the slab counters, drop pending RCU callbacks without running them, forget
 * every lock class, lockstat row and lock-order edge, clear findings and the
 * printk log, disarm fault injection. No task may hold a lock of @k.
 */
void sim_kernel_reset(struct sim_kernel *k);

/* The pieces, one per subsystem. */
void sim_slab_free_all(struct sim_kernel *k);
void sim_lock_reset(struct sim_kernel *k);
void sim_rcu_reset(struct sim_kernel *k);

#endif /* _SIM_TASK_H */
