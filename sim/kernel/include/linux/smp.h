/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/smp.h>.
 *
 * Each simulated task runs on one CPU; until the world numbers them, every
 * task reports CPU 0. get_cpu()/put_cpu() disable and enable preemption.
 */
#ifndef _SIM_LINUX_SMP_H
#define _SIM_LINUX_SMP_H

#include <linux/preempt.h>

#define raw_smp_processor_id()	0
#define smp_processor_id()	raw_smp_processor_id()
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()

#endif /* _SIM_LINUX_SMP_H */
