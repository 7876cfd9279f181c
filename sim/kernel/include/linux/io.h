/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: MMIO accessors.
 *
 * An __iomem address is a cookie handed out by sim_mmio_map() (see
 * <sim/mmio.h>); every access is dispatched to the device model that owns
 * the address. An access outside every mapping reads as all-ones and is
 * recorded as a finding, the way QEMU treats an unassigned address.
 */
#ifndef _SIM_LINUX_IO_H
#define _SIM_LINUX_IO_H

#include <linux/compiler.h>
#include <linux/types.h>

u64 __sim_mmio_read(const volatile void __iomem *addr, unsigned int size);
void __sim_mmio_write(volatile void __iomem *addr, u64 val, unsigned int size);

static inline u8 readb(const volatile void __iomem *addr)
{
	return (u8)__sim_mmio_read(addr, 1);
}

static inline u16 readw(const volatile void __iomem *addr)
{
	return (u16)__sim_mmio_read(addr, 2);
}

static inline u32 readl(const volatile void __iomem *addr)
{
	return (u32)__sim_mmio_read(addr, 4);
}

static inline u64 readq(const volatile void __iomem *addr)
{
	return __sim_mmio_read(addr, 8);
}

static inline void writeb(u8 val, volatile void __iomem *addr)
{
	__sim_mmio_write(addr, val, 1);
}

static inline void writew(u16 val, volatile void __iomem *addr)
{
	__sim_mmio_write(addr, val, 2);
}

static inline void writel(u32 val, volatile void __iomem *addr)
{
	__sim_mmio_write(addr, val, 4);
}

static inline void writeq(u64 val, volatile void __iomem *addr)
{
	__sim_mmio_write(addr, val, 8);
}

#define readl_relaxed(a)	readl(a)
#define readq_relaxed(a)	readq(a)
#define writel_relaxed(v, a)	writel(v, a)
#define writeq_relaxed(v, a)	writeq(v, a)

#endif /* _SIM_LINUX_IO_H */
