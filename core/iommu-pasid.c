// SPDX-License-Identifier: GPL-2.0
/*
 * IOMMU PASID consumers, on top of the I/O ASID allocator.
 *
 * A consumer registers a struct iommu_pasid handle, allocates PASIDs in the
 * range it and the vendor IOMMU driver agreed on, and gives them back. The
 * IDs themselves come from ioasid_alloc(): the system-wide default allocator
 * on bare metal, or a custom allocator (VT-d virtual command, virtio-iommu)
 * that a vendor driver registered in a guest. This layer does not care
 * which: the routing happens inside the ioasid allocator.
 *
 * Developer's notes:
 * - Each consumer owns an ioasid_set token (embedded in the handle), so
 *   ioasid_find() with that set tells "mine" (the private data), "someone
 *   else's" (-EACCES) and "not allocated" (-ENOENT) apart without a lock.
 * - The private data lives only in the allocator's record; the consumer's
 *   XArray records which IDs it holds (each entry points back at the
 *   handle), so there is a single copy of the private pointer and any
 *   pointer value, NULL included, can be stored.
 * - Before an ID goes back to the allocator its private data is cleared:
 *   a custom allocator's free callback may look the ID up and refuse to
 *   release it while it still carries data (VT-d does), which would leak the
 *   PASID on the host.
 * - ioasid_set_data() waits for an RCU grace period, so everything that
 *   frees IDs runs in process context under the consumer's mutex.
 */
#define pr_fmt(fmt) "iommu-pasid: " fmt

#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

/* The vendor callbacks used by consumers that bring none of their own. */
static const struct iommu_pasid_ops *iommu_pasid_sys_ops;
/* Protects iommu_pasid_sys_ops and is held across the range callback. */
static DEFINE_MUTEX(iommu_pasid_ops_lock);

static const char *pasid_name(const struct iommu_pasid *pasid)
{
	return pasid->name ? pasid->name : "(unnamed)";
}

static bool pasid_live(const struct iommu_pasid *pasid)
{
	return READ_ONCE(pasid->state) == IOMMU_PASID_LIVE;
}

/**
 * iommu_pasid_set_ops() - Install the vendor callbacks for PASID consumers
 * @ops: the vendor IOMMU driver's callbacks, or NULL to remove them
 *
 * A vendor IOMMU driver calls this once at probe time, the way it would
 * call bus_set_iommu(). The callbacks apply to every consumer initialised
 * afterwards that has no @ops of its own; consumers already initialised keep
 * the range they got. Installing the same @ops again is harmless.
 *
 * Context: Process context. Takes and releases the global ops mutex, which
 * also waits for range callbacks in progress; may sleep.
 * Return:
 * * 0		- Success.
 * * -EBUSY	- Other callbacks are installed; remove them first.
 */
int iommu_pasid_set_ops(const struct iommu_pasid_ops *ops)
{
	int ret = 0;

	mutex_lock(&iommu_pasid_ops_lock);
	if (ops && iommu_pasid_sys_ops && iommu_pasid_sys_ops != ops)
		ret = -EBUSY;
	else
		iommu_pasid_sys_ops = ops;
	mutex_unlock(&iommu_pasid_ops_lock);

	return ret;
}
EXPORT_SYMBOL_GPL(iommu_pasid_set_ops);

/* Let the vendor narrow [*min, *max]; widening is clamped back. */
static int pasid_vendor_range(struct iommu_pasid *pasid, ioasid_t *min,
			      ioasid_t *max)
{
	const struct iommu_pasid_ops *ops;
	ioasid_t lo = *min, hi = *max;
	int ret = 0;

	mutex_lock(&iommu_pasid_ops_lock);
	ops = pasid->ops ? pasid->ops : iommu_pasid_sys_ops;
	if (ops && ops->range)
		ret = ops->range(pasid, &lo, &hi);
	mutex_unlock(&iommu_pasid_ops_lock);

	if (ret)
		return ret < 0 ? ret : -EINVAL;
	if (WARN(lo < *min || hi > *max,
		 "%s: vendor range [%u, %u] is wider than [%u, %u]\n",
		 pasid_name(pasid), lo, hi, *min, *max)) {
		lo = max(lo, *min);
		hi = min(hi, *max);
	}
	*min = lo;
	*max = hi;

	return 0;
}

/**
 * iommu_pasid_init() - Register a PASID consumer
 * @pasid: the consumer handle: zeroed, then @pasid->name and optionally
 *	@pasid->min, @pasid->max and @pasid->ops filled in
 *
 * The consumer's range starts as [@pasid->min, @pasid->max], or the whole
 * space [1, %IOMMU_PASID_MAX] when both are 0, cut to [1, %IOMMU_PASID_MAX]
 * (PASID 0 is reserved for DMA without PASID). The vendor's range callback
 * (@pasid->ops, else the ones from iommu_pasid_set_ops()) may then narrow
 * it; a callback that widens it is clamped, with a WARN. A handle that was
 * stopped with iommu_pasid_exit() may be initialised again.
 *
 * Context: Process context. Takes and releases the global ops mutex; may
 * sleep (so may the vendor's range callback).
 * Return:
 * * 0		- Success; the consumer may allocate.
 * * -EINVAL	- @pasid is NULL or not a zeroed/stopped handle, or the range
 *		  is empty.
 * * -EBUSY	- @pasid is already initialised.
 * * <0		- The error the vendor's range callback returned.
 */
int iommu_pasid_init(struct iommu_pasid *pasid)
{
	ioasid_t lo, hi;
	int ret;

	if (!pasid)
		return -EINVAL;
	if (pasid->state == IOMMU_PASID_LIVE)
		return -EBUSY;
	if (pasid->state != IOMMU_PASID_UNUSED && pasid->state != IOMMU_PASID_DEAD)
		return -EINVAL;

	lo = pasid->min;
	hi = pasid->max;
	if (!lo && !hi) {
		lo = IOMMU_PASID_DEFAULT_MIN;
		hi = IOMMU_PASID_DEFAULT_MAX;
	}
	lo = max(lo, IOMMU_PASID_DEFAULT_MIN);
	hi = min(hi, IOMMU_PASID_MAX);
	if (lo > hi)
		return -EINVAL;

	ret = pasid_vendor_range(pasid, &lo, &hi);
	if (ret)
		return ret;
	if (lo > hi)
		return -EINVAL;

	pasid->range_min = lo;
	pasid->range_max = hi;
	pasid->count = 0;
	xa_init(&pasid->ids);
	mutex_init(&pasid->lock);
	WRITE_ONCE(pasid->state, IOMMU_PASID_LIVE);

	return 0;
}
EXPORT_SYMBOL_GPL(iommu_pasid_init);

/*
 * Give @ioasid back to the allocator. The private data is cleared first so
 * that a custom allocator's free callback, which may refuse to release an ID
 * that still has data, really releases it.
 *
 * The consumer's XArray alone does not prove ownership: when a custom
 * allocator is unregistered while it still serves IDs, the I/O ASID core
 * orphans them (with a WARN) and the next allocator may hand the same
 * numbers to someone else. So the allocator is asked first; if the ID is
 * not allocated in the consumer's set any more (-ENOENT) or belongs to
 * someone else (-EACCES), the allocator is left alone and -ENOENT is
 * returned: the consumer no longer holds the ID. The caller has already
 * dropped its own entry.
 */
static int pasid_release(struct iommu_pasid *pasid, ioasid_t ioasid)
{
	void *owner = ioasid_find(&pasid->set, ioasid, NULL);

	if (WARN(IS_ERR(owner),
		 "%s: PASID %u is no longer the consumer's (%ld), dropped\n",
		 pasid_name(pasid), ioasid, PTR_ERR(owner)))
		return -ENOENT;
	if (WARN(ioasid_set_data(ioasid, NULL),
		 "%s: PASID %u vanished from the allocator\n",
		 pasid_name(pasid), ioasid))
		return -ENOENT;
	ioasid_free(ioasid);

	return 0;
}

/**
 * iommu_pasid_alloc() - Allocate a PASID for a consumer
 * @pasid: an initialised consumer
 * @min: the lowest acceptable PASID (inclusive)
 * @max: the highest acceptable PASID (inclusive)
 * @private: data returned by iommu_pasid_find() and passed to the
 *	iommu_pasid_for_each() callback; may be NULL
 * @ioasid: where the allocated PASID is stored on success
 *
 * Allocates the lowest free PASID in [@min, @max] intersected with the
 * consumer's range (so @min = 0 and @max = %UINT_MAX are fine: they are
 * clamped). On failure nothing is allocated and @ioasid is not written.
 *
 * ioasid_alloc() returns only an ID or %INVALID_IOASID, so an exhausted
 * range and an allocation failure inside the allocator look the same; both
 * are reported as -ENOSPC.
 *
 * Context: Process context. Takes and releases @pasid's mutex (and, inside
 * the ioasid allocator, its spinlock); may sleep.
 * Return:
 * * 0		- Success; the PASID is in *@ioasid.
 * * -EINVAL	- @pasid or @ioasid is NULL, @pasid is not initialised,
 *		  @min > @max, or [@min, @max] misses the consumer's range.
 * * -ENOSPC	- The allocator had no free PASID in the range (or no
 *		  memory: it cannot tell the two apart).
 * * -ENOMEM	- The consumer's bookkeeping could not grow; the PASID
 *		  was given back.
 * * -EIO	- The allocator returned a PASID outside the range (a
 *		  misbehaving custom allocator); it was given back.
 */
int iommu_pasid_alloc(struct iommu_pasid *pasid, ioasid_t min, ioasid_t max,
		      void *private, ioasid_t *ioasid)
{
	ioasid_t id, lo, hi;
	int ret;

	if (!pasid || !ioasid || min > max || !pasid_live(pasid))
		return -EINVAL;

	mutex_lock(&pasid->lock);
	ret = -EINVAL;
	if (pasid->state != IOMMU_PASID_LIVE)
		goto out_unlock;
	lo = max(min, pasid->range_min);
	hi = min(max, pasid->range_max);
	if (lo > hi)
		goto out_unlock;

	id = ioasid_alloc(&pasid->set, lo, hi, private);
	ret = -ENOSPC;
	if (!pasid_valid(id))
		goto out_unlock;
	if (id < lo || id > hi) {
		pr_err("%s: allocator returned PASID %u outside [%u, %u]\n",
		       pasid_name(pasid), id, lo, hi);
		ret = -EIO;
		goto out_release;
	}

	ret = xa_insert(&pasid->ids, id, pasid, GFP_KERNEL);
	if (ret) {
		/* -EBUSY: the allocator handed out an ID we hold. */
		WARN_ON(ret != -ENOMEM);
		ret = -ENOMEM;
		goto out_release;
	}
	pasid->count++;
	mutex_unlock(&pasid->lock);

	*ioasid = id;
	return 0;

out_release:
	pasid_release(pasid, id);
out_unlock:
	mutex_unlock(&pasid->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(iommu_pasid_alloc);

/**
 * __iommu_pasid_free() - Free a consumer's PASID, lock held
 * @pasid: an initialised consumer
 * @ioasid: a PASID the consumer holds
 *
 * Like iommu_pasid_free(), for callers that already hold @pasid's mutex:
 * an iommu_pasid_for_each() callback may free the PASID it is visiting.
 *
 * Context: Process context. Expects @pasid's mutex to be held; sleeps (waits
 * for an RCU grace period).
 * Return: see iommu_pasid_free().
 */
int __iommu_pasid_free(struct iommu_pasid *pasid, ioasid_t ioasid)
{
	void *owner;

	lockdep_assert_held(&pasid->lock);
	if (pasid->state != IOMMU_PASID_LIVE)
		return -EINVAL;

	if (!xa_load(&pasid->ids, ioasid)) {
		owner = ioasid_find(&pasid->set, ioasid, NULL);
		if (IS_ERR(owner))
			return PTR_ERR(owner);
		/* Only a failing alloc() has an ID in the set but not here. */
		return -ENOENT;
	}

	xa_erase(&pasid->ids, ioasid);
	pasid->count--;

	return pasid_release(pasid, ioasid);
}
EXPORT_SYMBOL_GPL(__iommu_pasid_free);

/**
 * iommu_pasid_free() - Free a consumer's PASID
 * @pasid: an initialised consumer
 * @ioasid: a PASID the consumer holds
 *
 * Only the consumer that allocated @ioasid may free it; for any other
 * PASID nothing changes and an error says why. The private data is detached
 * before the PASID goes back to the allocator, and the call returns after
 * an RCU grace period: a reader that got the private data from
 * iommu_pasid_find() inside rcu_read_lock() is done with it by then, so the
 * consumer may free it.
 *
 * Context: Process context. Takes and releases @pasid's mutex; sleeps
 * (waits for an RCU grace period).
 * Return:
 * * 0		- Success.
 * * -EINVAL	- @pasid is NULL or not initialised.
 * * -EACCES	- @ioasid is allocated, but not by this consumer.
 * * -ENOENT	- @ioasid is not allocated, or the consumer lost it: its
 *		  custom allocator went away with the ID outstanding and the
 *		  I/O ASID core orphaned it (it may since belong to someone
 *		  else). The consumer's entry is dropped with a WARN and the
 *		  allocator is not touched.
 */
int iommu_pasid_free(struct iommu_pasid *pasid, ioasid_t ioasid)
{
	int ret;

	if (!pasid || !pasid_live(pasid))
		return -EINVAL;

	mutex_lock(&pasid->lock);
	ret = __iommu_pasid_free(pasid, ioasid);
	mutex_unlock(&pasid->lock);

	return ret;
}
EXPORT_SYMBOL_GPL(iommu_pasid_free);

/*
 * Visit the consumer's PASIDs with one walk of its XArray: each step runs in
 * a read-side section of its own, left before the PASID's private data is
 * looked up and @func runs (it may sleep). The tree changes only under
 * @pasid's mutex, which the caller holds, so while @func frees nothing the
 * walk's position stays valid and the next step goes on from it; @func can
 * only free (it may not allocate), which lowers ->count, and then the next
 * step starts again from the root, just above the PASID visited.
 */
static int pasid_walk(struct iommu_pasid *pasid,
		      int (*func)(ioasid_t ioasid, void *private, void *data),
		      void *data)
{
	XA_STATE(xas, &pasid->ids, 0);
	unsigned int count = pasid->count;
	void *entry, *private;
	int ret = 0;

	rcu_read_lock();
	for (entry = xas_find(&xas, ULONG_MAX); entry;
	     entry = xas_next_entry(&xas, ULONG_MAX)) {
		if (xas_retry(&xas, entry))
			continue;
		rcu_read_unlock();
		private = ioasid_find(&pasid->set, xas.xa_index, NULL);
		if (WARN(IS_ERR(private), "%s: PASID %lu is not in its set\n",
			 pasid_name(pasid), xas.xa_index))
			ret = 0;
		else
			ret = func(xas.xa_index, private, data);
		if (ret)
			return ret;
		if (pasid->count != count) {
			count = pasid->count;
			xas_set(&xas, xas.xa_index + 1);
		}
		rcu_read_lock();
	}
	rcu_read_unlock();

	return 0;
}

/**
 * iommu_pasid_for_each() - Call a function for each PASID of a consumer
 * @pasid: an initialised consumer
 * @func: called with each PASID, its private data and @data
 * @data: passed to @func
 *
 * Visits exactly the PASIDs the consumer holds, in ascending order. The
 * first non-zero value @func returns stops the walk. @func runs with
 * @pasid's mutex held: it may sleep and may call iommu_pasid_find() and
 * __iommu_pasid_free() (for the PASID being visited or any other of the
 * consumer's), but not the other iommu_pasid_*() calls on @pasid. The walk
 * costs the same per PASID whatever their number.
 *
 * Context: Process context. Takes and releases @pasid's mutex; may sleep.
 * Return:
 * * 0		- @func returned 0 for every PASID (or there were none).
 * * -EINVAL	- @pasid or @func is NULL, or @pasid is not initialised.
 * * other	- The first non-zero value @func returned.
 */
int iommu_pasid_for_each(struct iommu_pasid *pasid,
			 int (*func)(ioasid_t ioasid, void *private, void *data),
			 void *data)
{
	int ret = -EINVAL;

	if (!pasid || !func || !pasid_live(pasid))
		return -EINVAL;

	mutex_lock(&pasid->lock);
	if (pasid->state == IOMMU_PASID_LIVE)
		ret = pasid_walk(pasid, func, data);
	mutex_unlock(&pasid->lock);

	return ret;
}
EXPORT_SYMBOL_GPL(iommu_pasid_for_each);

/**
 * iommu_pasid_find() - Find the private data of a consumer's PASID
 * @pasid: an initialised consumer
 * @ioasid: the PASID to look up
 *
 * Lock-free: the answer is a snapshot. While iommu_pasid_free() of @ioasid
 * runs, the private data reads as NULL before the PASID disappears.
 *
 * Context: Any context. Takes and releases the RCU read lock.
 * Return:
 * * ptr		- The private data given to iommu_pasid_alloc(), which
 *			  may be NULL.
 * * ERR_PTR(-ENOENT)	- @ioasid is not allocated.
 * * ERR_PTR(-EACCES)	- @ioasid belongs to someone else.
 * * ERR_PTR(-EINVAL)	- @pasid is NULL or not initialised.
 */
void *iommu_pasid_find(struct iommu_pasid *pasid, ioasid_t ioasid)
{
	if (!pasid || !pasid_live(pasid))
		return ERR_PTR(-EINVAL);

	return ioasid_find(&pasid->set, ioasid, NULL);
}
EXPORT_SYMBOL_GPL(iommu_pasid_find);

/**
 * iommu_pasid_exit() - Stop a PASID consumer
 * @pasid: the consumer handle
 *
 * Every PASID the consumer still holds is freed, as iommu_pasid_free()
 * would; one the allocator no longer knows as the consumer's is only
 * dropped, with a WARN. Afterwards the other calls on @pasid fail with -EINVAL (or
 * ERR_PTR(-EINVAL)) until it is initialised again. Calling it on a handle
 * that is not initialised does nothing. No other call on @pasid may run
 * concurrently.
 *
 * Context: Process context. Takes and releases @pasid's mutex; sleeps (one
 * RCU grace period per PASID freed).
 */
void iommu_pasid_exit(struct iommu_pasid *pasid)
{
	unsigned long index;
	void *entry;

	if (!pasid || !pasid_live(pasid))
		return;

	mutex_lock(&pasid->lock);
	xa_for_each(&pasid->ids, index, entry)
		__iommu_pasid_free(pasid, index);
	WARN_ON(pasid->count);
	xa_destroy(&pasid->ids);
	WRITE_ONCE(pasid->state, IOMMU_PASID_DEAD);
	mutex_unlock(&pasid->lock);
	mutex_destroy(&pasid->lock);
}
EXPORT_SYMBOL_GPL(iommu_pasid_exit);

MODULE_DESCRIPTION("IOMMU PASID consumer API");
MODULE_LICENSE("GPL");
