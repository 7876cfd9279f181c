/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: spinlocks that check and count.
 *
 * A spinlock is a pthread mutex (so threads mode and TSan see real locking)
 * plus lockdep-style checking and lockstat-style counting, done in
 * sim/kernel/lock.c:
 *   - held-by-me assertions (lockdep_assert_held), unlock of a lock not held;
 *   - a lock-order graph across lock classes that reports an AB-BA inversion;
 *   - acquisitions, contentions, wait and hold time per lock class.
 * A lock class is the static key of the spin_lock_init() call site or, for
 * a statically defined lock (no key), the lock's own address: two distinct
 * DEFINE_SPINLOCK()s are two classes even with the same name. The name is
 * for messages and lockstat only.
 */
#ifndef _SIM_LINUX_SPINLOCK_H
#define _SIM_LINUX_SPINLOCK_H

#include <pthread.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/lockdep.h>
#include <linux/preempt.h>

typedef struct spinlock {
	pthread_mutex_t m;
	const char *name;		/* class name */
	struct lock_class_key *key;	/* class key, NULL: class by address */
	void *owner;			/* struct sim_task * holding it */
	struct sim_lock_vt vt;		/* last release in virtual time */
} spinlock_t;

typedef spinlock_t raw_spinlock_t;

#define __SPIN_LOCK_UNLOCKED(lockname)					\
	{ .m = PTHREAD_MUTEX_INITIALIZER, .name = #lockname }
#define __RAW_SPIN_LOCK_UNLOCKED(lockname) __SPIN_LOCK_UNLOCKED(lockname)
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define DEFINE_RAW_SPINLOCK(x)	raw_spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

void __sim_spin_lock_init(spinlock_t *lock, const char *name,
			  struct lock_class_key *key);
#define spin_lock_init(lock) do {					\
	static struct lock_class_key __key;				\
	__sim_spin_lock_init((lock), #lock, &__key);			\
} while (0)
#define raw_spin_lock_init(lock) spin_lock_init(lock)

void __sim_spin_lock(spinlock_t *lock, const char *file, int line);
int __sim_spin_trylock(spinlock_t *lock, const char *file, int line);
void __sim_spin_unlock(spinlock_t *lock, const char *file, int line);
unsigned long __sim_spin_lock_irqsave(spinlock_t *lock, const char *file, int line);
void __sim_spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags,
				  const char *file, int line);
bool spin_is_locked(spinlock_t *lock);

#define spin_lock(l)		__sim_spin_lock((l), __FILE__, __LINE__)
#define spin_trylock(l)		__sim_spin_trylock((l), __FILE__, __LINE__)
#define spin_unlock(l)		__sim_spin_unlock((l), __FILE__, __LINE__)
#define spin_lock_irqsave(l, flags) \
	((flags) = __sim_spin_lock_irqsave((l), __FILE__, __LINE__))
#define spin_unlock_irqrestore(l, flags) \
	__sim_spin_unlock_irqrestore((l), (flags), __FILE__, __LINE__)
#define spin_lock_irq(l)	__sim_spin_lock((l), __FILE__, __LINE__)
#define spin_unlock_irq(l)	__sim_spin_unlock((l), __FILE__, __LINE__)
#define spin_lock_bh(l)		__sim_spin_lock((l), __FILE__, __LINE__)
#define spin_unlock_bh(l)	__sim_spin_unlock((l), __FILE__, __LINE__)

#define raw_spin_lock(l)		spin_lock(l)
#define raw_spin_unlock(l)		spin_unlock(l)
#define raw_spin_lock_irqsave(l, f)	spin_lock_irqsave(l, f)
#define raw_spin_unlock_irqrestore(l, f) spin_unlock_irqrestore(l, f)

#define assert_spin_locked(l)	lockdep_assert_held(l)

#endif /* _SIM_LINUX_SPINLOCK_H */
