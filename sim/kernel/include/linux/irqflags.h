/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: IRQ state of the simulated task (sim/kernel/lock.c).
 *
 * There are no interrupts: the IRQ state only feeds the atomic-context
 * checks. local_irq_save() returns the previous disable depth and
 * local_irq_restore() puts it back, so saves and restores nest.
 */
#ifndef _SIM_LINUX_IRQFLAGS_H
#define _SIM_LINUX_IRQFLAGS_H

#include <linux/types.h>
#include <linux/preempt.h>

void local_irq_disable(void);
void local_irq_enable(void);
bool irqs_disabled(void);

#define irqs_disabled_flags(flags)	((flags) != 0)

#endif /* _SIM_LINUX_IRQFLAGS_H */
