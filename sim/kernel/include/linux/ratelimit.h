/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/ratelimit.h> and the pr_*_ratelimited()
 * macros (in the kernel they live in <linux/printk.h>).
 *
 * No rate limiting: in the simulator every message is logged, so runs stay
 * comparable whatever the clock does (the printk log keeps the most recent
 * 4096 records and counts the ones it dropped).
 */
#ifndef _SIM_LINUX_RATELIMIT_H
#define _SIM_LINUX_RATELIMIT_H

#include <linux/printk.h>

#ifndef pr_warn_ratelimited
#define printk_ratelimited(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_emerg_ratelimited(fmt, ...)	pr_emerg(fmt, ##__VA_ARGS__)
#define pr_alert_ratelimited(fmt, ...)	pr_alert(fmt, ##__VA_ARGS__)
#define pr_crit_ratelimited(fmt, ...)	pr_crit(fmt, ##__VA_ARGS__)
#define pr_err_ratelimited(fmt, ...)	pr_err(fmt, ##__VA_ARGS__)
#define pr_warn_ratelimited(fmt, ...)	pr_warn(fmt, ##__VA_ARGS__)
#define pr_notice_ratelimited(fmt, ...)	pr_notice(fmt, ##__VA_ARGS__)
#define pr_info_ratelimited(fmt, ...)	pr_info(fmt, ##__VA_ARGS__)
#endif

#endif /* _SIM_LINUX_RATELIMIT_H */
