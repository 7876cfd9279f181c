/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: slab allocator (sim/kernel/slab.c).
 *
 * Every object is accounted to the kernel instance that allocated it (live
 * objects and bytes, the allocation site), poisoned when freed, and checked
 * for double free and redzone damage. Allocations can be made to fail: the
 * Nth, those from a named function, at random from a seeded PRNG, or as a
 * fuzzer decides (see <sim/kernel.h>). A sleeping allocation in atomic
 * context is reported.
 */
#ifndef _SIM_LINUX_SLAB_H
#define _SIM_LINUX_SLAB_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>

#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

void *__sim_kmalloc(size_t size, gfp_t flags, const char *func,
		    const char *file, int line) __attribute__((__malloc__));
void kfree(const void *objp);
void kfree_sensitive(const void *objp);
size_t ksize(const void *objp);

#define kmalloc(size, flags) \
	__sim_kmalloc((size), (flags), __func__, __FILE__, __LINE__)
#define kzalloc(size, flags) \
	__sim_kmalloc((size), (flags) | __GFP_ZERO, __func__, __FILE__, __LINE__)
#define kmalloc_array(n, size, flags) ({				\
	size_t __bytes;							\
	__builtin_mul_overflow((size_t)(n), (size_t)(size), &__bytes) ?	\
		NULL : kmalloc(__bytes, (flags)); })
#define kcalloc(n, size, flags)	kmalloc_array((n), (size), (flags) | __GFP_ZERO)

#endif /* _SIM_LINUX_SLAB_H */
