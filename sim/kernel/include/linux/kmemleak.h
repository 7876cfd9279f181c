/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: kmemleak hints; the slab's own leak report replaces it. */
#ifndef _SIM_LINUX_KMEMLEAK_H
#define _SIM_LINUX_KMEMLEAK_H

static inline void kmemleak_update_trace(const void *ptr)
{
}

#endif /* _SIM_LINUX_KMEMLEAK_H */
