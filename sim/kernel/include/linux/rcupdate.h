/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: deterministic RCU without background threads
 * (sim/kernel/rcu.c).
 *
 * Readers are tracked per simulated task. A grace period ends once every
 * task that was inside a read-side critical section when it began has left
 * it. Callbacks queued by call_rcu()/kfree_rcu() run only at defined points:
 * synchronize_rcu(), rcu_barrier(), sim_rcu_quiescent() and instance
 * teardown, so a use-after-free of an RCU-protected record shows up at a
 * reproducible point.
 */
#ifndef _SIM_LINUX_RCUPDATE_H
#define _SIM_LINUX_RCUPDATE_H

#include <linux/compiler.h>
#include <linux/types.h>

void rcu_read_lock(void);
void rcu_read_unlock(void);
bool rcu_read_lock_held(void);

#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_ACQUIRE)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_dereference_raw(p)		rcu_dereference(p)
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
