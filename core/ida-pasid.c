// SPDX-License-Identifier: GPL-2.0
/*
 * The global PASID allocator of Linux 6.4 and later, behind the I/O ASID API.
 *
 * Linux 6.4 removed the I/O ASID allocator. Every PASID now comes from one
 * system-wide IDA (iommu_alloc_global_pasid() over ida_alloc_range(), PASID
 * 0 reserved as IOMMU_NO_PASID) and its holder keeps it (mm->pasid for SVA).
 * There are no sets, no private data and no custom allocators: a guest
 * allocates its PASIDs from its own kernel's IDA, and no PASID is asked of
 * the host.
 *
 * This file gives that design the <linux/ioasid.h> names, so the rest of
 * core/ builds against it: ioasid_alloc() and ioasid_free() are the global
 * IDA; the calls the design lacks refuse with -EOPNOTSUPP. docs/flavours.md
 * lists every difference from the I/O ASID allocator.
 */
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/idr.h>
#include <linux/ioasid.h>
#include <linux/limits.h>
#include <linux/module.h>

/* PASID 0 is IOMMU_NO_PASID: DMA without a PASID. */
#define IDA_PASID_FIRST		1U

static DEFINE_IDA(ida_pasid_ida);

/**
 * ioasid_alloc() - allocate a PASID from the global space
 * @set:     ignored: there is one global space and no sets
 * @min:     the lowest acceptable PASID; 0 is raised to 1
 * @max:     the highest acceptable PASID, at most INT_MAX (the IDA's limit)
 * @private: ignored: the design keeps no data with a PASID
 *
 * The lowest free PASID in [@min, @max], as iommu_alloc_global_pasid() gets
 * it from ida_alloc_range() (with GFP_KERNEL: may sleep).
 *
 * Return: the PASID, or %INVALID_IOASID if the range is empty or full, or
 * memory ran out.
 */
ioasid_t ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max,
		      void *private)
{
	int id;

	if (min < IDA_PASID_FIRST)
		min = IDA_PASID_FIRST;
	if (max > INT_MAX)
		max = INT_MAX;
	if (min > max)
		return INVALID_IOASID;
	id = ida_alloc_range(&ida_pasid_ida, min, max, GFP_KERNEL);
	if (id < 0)
		return INVALID_IOASID;
	return id;
}
EXPORT_SYMBOL_GPL(ioasid_alloc);

/**
 * ioasid_free() - give a PASID back to the global space
 * @ioasid: the PASID
 *
 * As iommu_free_global_pasid(): %INVALID_IOASID is ignored; freeing a PASID
 * that is not allocated is the IDA's WARN.
 */
void ioasid_free(ioasid_t ioasid)
{
	if (WARN_ON(ioasid == INVALID_IOASID))
		return;
	if (ioasid > INT_MAX) {
		WARN(1, "%s called for id=%u which is not allocated.\n", __func__, ioasid);
		return;
	}
	ida_free(&ida_pasid_ida, ioasid);
}
EXPORT_SYMBOL_GPL(ioasid_free);

/**
 * ioasid_find() - not in the global PASID design
 * @set:    unused
 * @ioasid: unused
 * @getter: unused
 *
 * Return: ERR_PTR(-EOPNOTSUPP): no data is kept with a PASID.
 */
void *ioasid_find(struct ioasid_set *set, ioasid_t ioasid,
		  bool (*getter)(void *))
{
	return ERR_PTR(-EOPNOTSUPP);
}
EXPORT_SYMBOL_GPL(ioasid_find);

/**
 * ioasid_set_data() - not in the global PASID design
 * @ioasid: unused
 * @data:   unused
 *
 * Return: -EOPNOTSUPP.
 */
int ioasid_set_data(ioasid_t ioasid, void *data)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(ioasid_set_data);

/**
 * ioasid_register_allocator() - not in the global PASID design
 * @allocator: unused
 *
 * A guest allocates from its own global space; nothing asks the host.
 *
 * Return: -EOPNOTSUPP.
 */
int ioasid_register_allocator(struct ioasid_allocator_ops *allocator)
{
	return -EOPNOTSUPP;
}
EXPORT_SYMBOL_GPL(ioasid_register_allocator);

/**
 * ioasid_unregister_allocator() - not in the global PASID design
 * @allocator: never registered
 *
 * Nothing can be registered, so there is nothing to undo.
 */
void ioasid_unregister_allocator(struct ioasid_allocator_ops *allocator)
{
}
EXPORT_SYMBOL_GPL(ioasid_unregister_allocator);

MODULE_LICENSE("GPL");
