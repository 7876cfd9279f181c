/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <asm/processor.h>.
 *
 * cpu_relax() is a scheduling point: in threads mode it yields the host CPU,
 * in the deterministic world the scheduler may switch simulated CPUs there
 * (sim/kernel/lock.c, __sim_cpu_relax()).
 */
#ifndef _SIM_ASM_PROCESSOR_H
#define _SIM_ASM_PROCESSOR_H

void __sim_cpu_relax(void);

#define cpu_relax()	__sim_cpu_relax()

#endif /* _SIM_ASM_PROCESSOR_H */
