/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: <linux/stddef.h>. */
#ifndef _SIM_LINUX_STDDEF_H
#define _SIM_LINUX_STDDEF_H

#include_next <linux/stddef.h>
#include <stddef.h>
#include <stdbool.h>

#endif /* _SIM_LINUX_STDDEF_H */
