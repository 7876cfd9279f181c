/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: might_alloc(), what <linux/xarray.h> takes from here. */
#ifndef _SIM_LINUX_SCHED_MM_H
#define _SIM_LINUX_SCHED_MM_H

#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/list.h>

/* An allocation with @gfp may sleep: check the context as the kernel does. */
#define might_alloc(gfp)	might_sleep_if(gfpflags_allow_blocking(gfp))

#endif /* _SIM_LINUX_SCHED_MM_H */
