/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: integer base-2 logarithms. */
#ifndef _SIM_LINUX_LOG2_H
#define _SIM_LINUX_LOG2_H

/* floor(log2(n)); undefined for 0, like the kernel's. */
#define ilog2(n)		((int)(63 - __builtin_clzll((unsigned long long)(n))))
#define is_power_of_2(n)	((n) != 0 && (((n) & ((n) - 1)) == 0))

#endif /* _SIM_LINUX_LOG2_H */
