/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: delays (sim/kernel/lock.c).
 *
 * Every delay goes through __sim_delay_ns(), the hook where the world will
 * advance the simulated CPU's virtual clock. For now no time passes; the hook
 * only yields so that polling loops in threads mode make progress.
 * msleep() and usleep_range() may sleep and check the context like
 * might_sleep().
 */
#ifndef _SIM_LINUX_DELAY_H
#define _SIM_LINUX_DELAY_H

#include <linux/kernel.h>
#include <linux/types.h>

void __sim_delay_ns(u64 ns);

#define ndelay(n)	__sim_delay_ns((u64)(n))
#define udelay(n)	__sim_delay_ns((u64)(n) * 1000ull)
#define mdelay(n)	__sim_delay_ns((u64)(n) * 1000000ull)

#define msleep(ms) do {							\
	might_sleep();							\
	__sim_delay_ns((u64)(ms) * 1000000ull);				\
} while (0)
#define usleep_range(min, max) do {					\
	might_sleep();							\
	__sim_delay_ns((u64)(min) * 1000ull);				\
} while (0)
#define fsleep(us)	usleep_range((us), (us))

#endif /* _SIM_LINUX_DELAY_H */
