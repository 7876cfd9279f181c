/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: <linux/errno.h>, UAPI codes plus kernel-internal ones. */
#ifndef _SIM_LINUX_ERRNO_H
#define _SIM_LINUX_ERRNO_H

#include_next <linux/errno.h>

#ifndef ERESTARTSYS
#define ERESTARTSYS	512
#endif
#ifndef ENOTSUPP
#define ENOTSUPP	524	/* Operation is not supported */
#endif
#ifndef EPROBE_DEFER
#define EPROBE_DEFER	517
#endif

#endif /* _SIM_LINUX_ERRNO_H */
