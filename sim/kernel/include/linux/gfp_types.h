/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: the GFP flags live in <linux/gfp.h>. */
#include <linux/gfp.h>
