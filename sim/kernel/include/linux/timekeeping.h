/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/timekeeping.h>, the monotonic clock only.
 *
 * Every reading is sim_clock_ns() (<sim/kernel.h>, sim/kernel/lock.c), so
 * the world's virtual clock, or a test's fake clock, drives timeouts.
 */
#ifndef _SIM_LINUX_TIMEKEEPING_H
#define _SIM_LINUX_TIMEKEEPING_H

#include <linux/ktime.h>
#include <linux/types.h>

/* Declared again here (same prototype as <sim/kernel.h>) to keep libc out. */
u64 sim_clock_ns(void);

static inline ktime_t ktime_get(void)
{
	return (ktime_t)sim_clock_ns();
}

static inline u64 ktime_get_ns(void)
{
	return sim_clock_ns();
}

#define ktime_get_raw()		ktime_get()
#define ktime_get_raw_ns()	ktime_get_ns()
#define ktime_get_mono_fast_ns()	ktime_get_ns()

#endif /* _SIM_LINUX_TIMEKEEPING_H */
