/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: deterministic RCU without background threads
 * (sim/kernel/rcu.c).
 *
 * Readers are tracked per simulated task. A grace period ends once every
 * task that was inside a read-side critical section of the same kernel
 * instance when it began has left it: a thread reads an instance's
 * RCU-protected data after sim_kernel_enter() of that instance. Callbacks queued by call_rcu()/kfree_rcu() run only at defined points:
 * synchronize_rcu(), rcu_barrier(), sim_rcu_quiescent() and instance
 * teardown, so a use-after-free of an RCU-protected record shows up at a
 * reproducible point.
 */
#ifndef _SIM_LINUX_RCUPDATE_H
#define _SIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <sim/checks.h>

void rcu_read_lock(void);
void rcu_read_unlock(void);
/* True inside rcu_read_lock() only: see "Checked dereferences" below. */
bool rcu_read_lock_held(void);

/*
 * Checked dereferences, as with CONFIG_PROVE_RCU. A failed check records a
 * SIM_FINDING_RCU finding "suspicious <macro> usage at file:line" (every
 * time, not once per site, so that each instance counts its own) and the
 * pointer is still returned.
 *
 * - rcu_dereference(p): the task must be inside rcu_read_lock().
 * - rcu_dereference_check(p, c): @c must be true or the task inside
 *   rcu_read_lock().
 * - rcu_dereference_protected(p, c): @c must be true (typically
 *   lockdep_is_held(&lock)); a read-side section does not help.
 *
 * @c is always evaluated, so it must compile (kernel lockdep builds do).
 *
 * Preempt-disabled, IRQ-disabled and spinlock-held regions do not count as
 * read-side sections here (preempt_count() > 0 is not enough). They are
 * RCU-sched readers in the kernel, which since v4.20 hold back a grace
 * period, but PROVE_RCU still rejects a plain rcu_dereference() there
 * (rcu_read_lock_held() looks at rcu_read_lock() only; such code must use
 * rcu_dereference_sched() or a _check condition). The shim's grace periods
 * also wait for rcu_read_lock() readers only, so accepting them would hide
 * a real use-after-free risk in the simulation.
 */
void __sim_rcu_dereference_report(const char *what, const char *file, int line);

#if SIM_CHECKS
#define __sim_rcu_check(c, what) do {					\
	if (__builtin_expect(!(c), 0))					\
		__sim_rcu_dereference_report(what, __FILE__, __LINE__);	\
} while (0)
#else
/* As without PROVE_RCU: the condition compiles but is not evaluated. */
#define __sim_rcu_check(c, what)	do { } while (0 && (c))
#endif

#define rcu_dereference_check(p, c) ({					\
	__sim_rcu_check((c) || rcu_read_lock_held(),			\
			"rcu_dereference_check()");			\
	__atomic_load_n(&(p), __ATOMIC_ACQUIRE);			\
})
#define rcu_dereference(p) ({						\
	__sim_rcu_check(rcu_read_lock_held(), "rcu_dereference()");	\
	__atomic_load_n(&(p), __ATOMIC_ACQUIRE);			\
})
#define rcu_dereference_protected(p, c) ({				\
	__sim_rcu_check(c, "rcu_dereference_protected()");		\
	(p);								\
})
/* Unchecked: for callers that guarantee safety some other way. */
#define rcu_dereference_raw(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_access_pointer(p)		__atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_assign_pointer(p, v)					\
	__atomic_store_n(&(p), (typeof(p))(v), __ATOMIC_RELEASE)
#define RCU_INIT_POINTER(p, v)						\
	__atomic_store_n(&(p), (typeof(p))(v), __ATOMIC_RELAXED)

typedef void (*rcu_callback_t)(struct rcu_head *head);

/* Wait for a grace period, then run the callbacks it completed. May sleep. */
void synchronize_rcu(void);
/* Queue @func to run after a grace period. Never blocks. */
void call_rcu(struct rcu_head *head, rcu_callback_t func);
/* Wait until every callback queued so far in this instance has run. */
void rcu_barrier(void);

/* kfree(@ptr) after a grace period; @ptr may be NULL. Never blocks. */
void __sim_kfree_rcu(struct rcu_head *head, void *ptr);
#define kfree_rcu(ptr, rhf) do {					\
	typeof(ptr) ___p = (ptr);					\
	if (___p)							\
		__sim_kfree_rcu(&___p->rhf, (void *)___p);		\
} while (0)

#endif /* _SIM_LINUX_RCUPDATE_H */
