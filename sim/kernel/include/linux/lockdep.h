/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: lockdep assertions (implemented in sim/kernel/lock.c). */
#ifndef _SIM_LINUX_LOCKDEP_H
#define _SIM_LINUX_LOCKDEP_H

#include <linux/types.h>
#include <sim/checks.h>

/* Its address identifies a lock class; see spin_lock_init(). */
struct lock_class_key {
	char dummy;
};

/*
 * A lock's last release in virtual time, kept in the lock by the scheduler
 * whose CPU released it (sim/sched/sched.c): mutual exclusion in virtual
 * time needs to know when the previous holder let go. Zero-initialised.
 */
struct sim_lock_vt {
	u64 epoch;		/* the clock domain of @released_ns; 0: none */
	u64 released_ns;	/* virtual time of the last release */
	const void *by;		/* the releasing CPU (its scheduler's token) */
};

/* Records a SIM_FINDING_LOCKDEP finding unless the calling task holds @lock. */
void __sim_lockdep_assert_held(const void *lock, const char *file, int line);
void __sim_lockdep_assert_not_held(const void *lock, const char *file, int line);

/* True iff the calling task holds @lock (lockdep_is_held()). */
bool __sim_lockdep_is_held(const void *lock);
#define lockdep_is_held(l)	__sim_lockdep_is_held(l)

#if SIM_CHECKS
#define lockdep_assert_held(l)	__sim_lockdep_assert_held((l), __FILE__, __LINE__)
#define lockdep_assert_not_held(l) \
	__sim_lockdep_assert_not_held((l), __FILE__, __LINE__)
#else
/* As in a kernel without lockdep: compiled, never evaluated. */
#define lockdep_assert_held(l)		do { (void)(l); } while (0)
#define lockdep_assert_not_held(l)	do { (void)(l); } while (0)
#endif

#endif /* _SIM_LINUX_LOCKDEP_H */
