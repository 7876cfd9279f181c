/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IOMMU PASID consumer API, after "iommu: APIs for paravirtual PASID
 * allocation" (RFC, 2018). A consumer (an IOMMU driver, a device driver, an
 * SVA layer) registers a handle with iommu_pasid_init(), allocates and frees
 * PASIDs through it, and stops with iommu_pasid_exit(), which frees whatever
 * the consumer still holds. The IDs come from the I/O ASID allocator
 * (<linux/ioasid.h>): the system-wide default allocator on bare metal, or a
 * custom allocator registered by a vendor driver in a guest.
 *
 * See docs/api.md for the contract.
 */
#ifndef __LINUX_IOMMU_PASID_H
#define __LINUX_IOMMU_PASID_H

#include <linux/ioasid.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>

/* PCIe PASIDs are 20 bits wide. */
#define IOMMU_PASID_BITS	20
#define IOMMU_PASID_MAX		((ioasid_t)((1U << IOMMU_PASID_BITS) - 1))
/* PASID 0 tags DMA without PASID (VT-d RID2PASID); it is never allocated. */
#define IOMMU_PASID_RID2PASID	((ioasid_t)0)
/* The range a consumer gets when neither it nor the vendor asks for less. */
#define IOMMU_PASID_DEFAULT_MIN	((ioasid_t)1)
#define IOMMU_PASID_DEFAULT_MAX	IOMMU_PASID_MAX

struct iommu_pasid;

/**
 * struct iommu_pasid_ops - vendor callbacks for PASID consumers
 * @range: optional. Called by iommu_pasid_init() with the range the
 *	consumer asked for in @min and @max (inclusive); may narrow it to
 *	what the hardware supports. Widening is not allowed: the result is
 *	clamped to the range passed in, with a WARN. A negative errno fails
 *	the initialisation. Process context, may sleep.
 */
struct iommu_pasid_ops {
	int (*range)(struct iommu_pasid *pasid, ioasid_t *min, ioasid_t *max);
};

/* Lifecycle of a consumer handle; a zeroed handle is UNUSED. */
enum iommu_pasid_state {
	IOMMU_PASID_UNUSED = 0,
	IOMMU_PASID_LIVE,
	IOMMU_PASID_DEAD,
};

/**
 * struct iommu_pasid - a PASID consumer
 * @name: set by the consumer before iommu_pasid_init(); used in messages.
 * @min: set by the consumer: lowest PASID it wants (inclusive).
 * @max: set by the consumer: highest PASID it wants (inclusive). @min and
 *	@max both 0 mean the whole space [1, IOMMU_PASID_MAX].
 * @ops: optional, set by the consumer: vendor callbacks overriding the ones
 *	installed with iommu_pasid_set_ops().
 * @set: private: the ioasid_set token that marks this consumer's IDs.
 * @ids: private: the IDs the consumer holds (the private data itself lives
 *	in the ioasid allocator's record).
 * @lock: private: serialises alloc, free, for_each and exit.
 * @count: private: number of IDs in @ids.
 * @range_min: private: effective lowest PASID, set by iommu_pasid_init().
 * @range_max: private: effective highest PASID, set by iommu_pasid_init().
 * @state: private: enum iommu_pasid_state.
 *
 * The handle must be zeroed before the consumer fills in its fields (static
 * storage, kzalloc() or ``= { }``).
 */
struct iommu_pasid {
	const char *name;
	ioasid_t min;
	ioasid_t max;
	const struct iommu_pasid_ops *ops;

	/* private: */
	struct ioasid_set set;
	struct xarray ids;
	struct mutex lock;		/* protects ids, count, state changes */
	unsigned int count;
	ioasid_t range_min;
	ioasid_t range_max;
	int state;
};

int iommu_pasid_set_ops(const struct iommu_pasid_ops *ops);
int iommu_pasid_init(struct iommu_pasid *pasid);
void iommu_pasid_exit(struct iommu_pasid *pasid);
int iommu_pasid_alloc(struct iommu_pasid *pasid, ioasid_t min, ioasid_t max,
		      void *private, ioasid_t *ioasid);
int __iommu_pasid_free(struct iommu_pasid *pasid, ioasid_t ioasid);
int iommu_pasid_free(struct iommu_pasid *pasid, ioasid_t ioasid);
int iommu_pasid_for_each(struct iommu_pasid *pasid,
			 int (*func)(ioasid_t ioasid, void *private, void *data),
			 void *data);
void *iommu_pasid_find(struct iommu_pasid *pasid, ioasid_t ioasid);

#endif /* __LINUX_IOMMU_PASID_H */
