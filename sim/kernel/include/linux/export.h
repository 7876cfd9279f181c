/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: symbol exports (nothing to export in user space). */
#ifndef _SIM_LINUX_EXPORT_H
#define _SIM_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define EXPORT_PER_CPU_SYMBOL_GPL(sym)

#endif /* _SIM_LINUX_EXPORT_H */
