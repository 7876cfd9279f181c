/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: local locks, as on !PREEMPT_RT: preemption off. */
#ifndef _SIM_LINUX_LOCAL_LOCK_H
#define _SIM_LINUX_LOCAL_LOCK_H

#include <linux/percpu.h>
#include <linux/preempt.h>

typedef struct {
	char dummy;
} local_lock_t;

#define INIT_LOCAL_LOCK(lockname)	{ 0 }
#define local_lock(lock)		do { (void)(lock); preempt_disable(); } while (0)
#define local_unlock(lock)		do { (void)(lock); preempt_enable(); } while (0)

#endif /* _SIM_LINUX_LOCAL_LOCK_H */
