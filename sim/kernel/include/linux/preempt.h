/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: preemption and IRQ state of the simulated task. */
#ifndef _SIM_LINUX_PREEMPT_H
#define _SIM_LINUX_PREEMPT_H

#include <linux/types.h>

void preempt_disable(void);
void preempt_enable(void);
/* Non-zero while the task must not sleep: spinlock held, preempt off, IRQs off. */
unsigned int preempt_count(void);
bool in_atomic(void);
#define preemptible()		(!in_atomic())
/* Simulated code never runs in hard or soft interrupt context. */
#define in_interrupt()		0

unsigned long __sim_local_irq_save(void);
void local_irq_restore(unsigned long flags);
#define local_irq_save(flags)	((flags) = __sim_local_irq_save())

#endif /* _SIM_LINUX_PREEMPT_H */
