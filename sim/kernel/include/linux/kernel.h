/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/kernel.h>.
 *
 * glibc's <sys/sysinfo.h> includes the UAPI <linux/kernel.h>, which is chained.
 */
#ifndef _SIM_LINUX_KERNEL_H
#define _SIM_LINUX_KERNEL_H

#include_next <linux/kernel.h>
#include <linux/compiler.h>
#include <linux/types.h>
#include <sim/checks.h>
#include <linux/limits.h>
#include <linux/err.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <linux/minmax.h>
#include <linux/bitops.h>
#include <linux/log2.h>
#include <linux/math.h>

#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))

#define container_of(ptr, type, member) ({				\
	void *__mptr = (void *)(ptr);					\
	((type *)(__mptr - offsetof(type, member))); })

#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN(x, a)		(((x) + ((typeof(x))(a) - 1)) & ~((typeof(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define upper_32_bits(n)	((u32)(((n) >> 16) >> 16))
#define lower_32_bits(n)	((u32)((n) & 0xffffffff))

/*
 * might_sleep() reports "sleeping function called from invalid context" as a
 * finding when the current simulated task holds a spinlock, has preemption
 * off or is inside an RCU read-side critical section.
 */
void __might_sleep(const char *file, int line);
#if SIM_CHECKS
#define might_sleep()		__might_sleep(__FILE__, __LINE__)
#else
#define might_sleep()		do { } while (0)	/* no DEBUG_ATOMIC_SLEEP */
#endif
#define might_sleep_if(cond)	do { if (cond) might_sleep(); } while (0)

/* Logs that no stack trace is available (hosted kernel code calls it on failure). */
void dump_stack(void);

/* A scheduling point for the simulated CPU; a no-op outside a world. */
void cond_resched(void);

#endif /* _SIM_LINUX_KERNEL_H */
