/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: <linux/processor.h>, spin-wait helpers over cpu_relax(). */
#ifndef _SIM_LINUX_PROCESSOR_H
#define _SIM_LINUX_PROCESSOR_H

#include <asm/processor.h>

#define spin_begin()		do { } while (0)
#define spin_cpu_relax()	cpu_relax()
#define spin_end()		do { } while (0)

#define spin_until_cond(cond) do {					\
	while (!(cond))							\
		cpu_relax();						\
} while (0)

#endif /* _SIM_LINUX_PROCESSOR_H */
