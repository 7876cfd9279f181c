/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: sleeping mutexes, checked and counted like spinlocks
 * (sim/kernel/lock.c). mutex_lock() in atomic context is reported as
 * SIM_FINDING_ATOMIC_SLEEP.
 */
#ifndef _SIM_LINUX_MUTEX_H
#define _SIM_LINUX_MUTEX_H

#include <pthread.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/lockdep.h>

struct mutex {
	pthread_mutex_t m;
	const char *name;
	struct lock_class_key *key;
	void *owner;
	struct sim_lock_vt vt;		/* last release in virtual time */
};

#define __MUTEX_INITIALIZER(lockname)					\
	{ .m = PTHREAD_MUTEX_INITIALIZER, .name = #lockname }
#define DEFINE_MUTEX(mutexname)						\
	struct mutex mutexname = __MUTEX_INITIALIZER(mutexname)

void __sim_mutex_init(struct mutex *lock, const char *name,
		      struct lock_class_key *key);
#define mutex_init(mutex) do {						\
	static struct lock_class_key __key;				\
	__sim_mutex_init((mutex), #mutex, &__key);			\
} while (0)

void __sim_mutex_lock(struct mutex *lock, const char *file, int line);
int __sim_mutex_trylock(struct mutex *lock, const char *file, int line);
void __sim_mutex_unlock(struct mutex *lock, const char *file, int line);
bool mutex_is_locked(struct mutex *lock);
void mutex_destroy(struct mutex *lock);

#define mutex_lock(l)		__sim_mutex_lock((l), __FILE__, __LINE__)
#define mutex_trylock(l)	__sim_mutex_trylock((l), __FILE__, __LINE__)
#define mutex_unlock(l)		__sim_mutex_unlock((l), __FILE__, __LINE__)

#endif /* _SIM_LINUX_MUTEX_H */
