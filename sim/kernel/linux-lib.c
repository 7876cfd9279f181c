// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: what the hosted Linux library code (lib/xarray.c,
 * lib/radix-tree.c, lib/idr.c and their test modules) calls that no other
 * part of the shim provides.
 */
#include <linux/kernel.h>
#include <linux/printk.h>

/* The shim keeps no kernel stacks: say so where the kernel would print one. */
void dump_stack(void)
{
	printk(KERN_DEFAULT "Call Trace: (not available in the simulated kernel)\n");
}
