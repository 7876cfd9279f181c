/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/sched.h>.
 *
 * Scheduling points (cond_resched(), declared in <linux/kernel.h>) are no-ops
 * outside a world. There is no `current`: kernel code under simulation does
 * not look at task_struct.
 */
#ifndef _SIM_LINUX_SCHED_H
#define _SIM_LINUX_SCHED_H

#include <linux/kernel.h>
#include <linux/preempt.h>
#include <linux/types.h>

static inline bool need_resched(void)
{
	return false;
}

#endif /* _SIM_LINUX_SCHED_H */
