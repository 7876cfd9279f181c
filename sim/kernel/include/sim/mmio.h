/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: MMIO regions for device models.
 *
 * A device model maps a register window and gets an __iomem cookie for the
 * kernel code that drives it. The cookie is a real, inaccessible address
 * (reserved PROT_NONE), so a driver that dereferences it directly instead of
 * using readl()/writeq() faults at once.
 */
#ifndef _SIM_MMIO_H
#define _SIM_MMIO_H

#include <linux/compiler.h>
#include <linux/types.h>

struct sim_mmio_ops {
	/* @offset is from the start of the window; @size is 1, 2, 4 or 8. */
	u64 (*read)(void *opaque, u64 offset, unsigned int size);
	void (*write)(void *opaque, u64 offset, u64 val, unsigned int size);
};

/* Map a window of @size bytes; NULL if out of address space or table room. */
void __iomem *sim_mmio_map(size_t size, const struct sim_mmio_ops *ops, void *opaque);
void sim_mmio_unmap(void __iomem *base);
/* Accesses that hit no mapping so far (process-wide). */
u64 sim_mmio_unassigned_accesses(void);

#endif /* _SIM_MMIO_H */
