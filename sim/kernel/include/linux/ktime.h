/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/ktime.h>.
 *
 * ktime_t is signed nanoseconds, as in the kernel. The time itself comes
 * from <linux/timekeeping.h>, i.e. from sim_clock_ns(): CLOCK_MONOTONIC by
 * default, the world's virtual clock once it installs one.
 */
#ifndef _SIM_LINUX_KTIME_H
#define _SIM_LINUX_KTIME_H

#include <linux/types.h>

typedef s64 ktime_t;

#define KTIME_MAX	((s64)~((u64)1 << 63))

/* <vdso/time64.h> */
#define MSEC_PER_SEC	1000L
#define NSEC_PER_USEC	1000L
#define NSEC_PER_MSEC	1000000L
#define NSEC_PER_SEC	1000000000L

static inline ktime_t ns_to_ktime(u64 ns)
{
	return (ktime_t)ns;
}

static inline s64 ktime_to_ns(const ktime_t kt)
{
	return kt;
}

#define ktime_add_ns(kt, nsval)	((kt) + (s64)(nsval))
#define ktime_sub(lhs, rhs)	((lhs) - (rhs))

static inline int ktime_compare(const ktime_t cmp1, const ktime_t cmp2)
{
	if (cmp1 < cmp2)
		return -1;
	return cmp1 > cmp2;
}

static inline bool ktime_after(const ktime_t cmp1, const ktime_t cmp2)
{
	return ktime_compare(cmp1, cmp2) > 0;
}

static inline bool ktime_before(const ktime_t cmp1, const ktime_t cmp2)
{
	return ktime_compare(cmp1, cmp2) < 0;
}

#include <linux/timekeeping.h>

#endif /* _SIM_LINUX_KTIME_H */
