// SPDX-License-Identifier: GPL-2.0
/*
 * PASID allocation over virtio-iommu (a pasidsim extension).
 *
 * The guest side of the VIRTIO_IOMMU_T_PASID_ALLOC / _FREE requests of
 * <uapi/linux/virtio_iommu_pasid.h>. Like the VT-d virtual command path, the driver
 * registers a custom I/O ASID allocator, so every PASID of the guest comes
 * from the host; all virtio-iommu devices of a guest share it.
 *
 * Developer's notes:
 * - No virtqueue here: the caller hands in a transport whose request()
 *   stands in for add-buffers/kick/poll-used, with the request split into
 *   its device-readable and device-writable parts as a virtqueue would carry
 *   it. Requests go one at a time, from buffers inside the device structure,
 *   under a spinlock: the allocator runs with the I/O ASID spinlock held, as
 *   Linux's virtio-iommu driver polls for its synchronous requests.
 * - The driver trusts nothing the device writes: an unknown status is -EIO,
 *   a PASID outside the requested range (or 0) is freed back and refused,
 *   and a PASID the guest already tracks is refused without a free.
 * - Unlike the VT-d path there is no "still active" check on free: the
 *   request is ours to define, and a free always reaches the device.
 */
#define pr_fmt(fmt) "virtio-pasid: " fmt

#include <asm/byteorder.h>
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <linux/virtio-pasid.h>
#include <uapi/linux/virtio_iommu_pasid.h>

/* A status the device never writes: a request it did not answer reads as this. */
#define VIRTIO_PASID_S_UNANSWERED	0xff

static const char *vp_name(const struct virtio_pasid_dev *vdev)
{
	return vdev->name ? vdev->name : "(unnamed)";
}

static void vp_count(struct virtio_pasid_dev *vdev, enum virtio_pasid_stat stat)
{
	atomic64_inc(&vdev->stats[stat]);
}

static bool vp_negotiated(const struct virtio_pasid_dev *vdev)
{
	return vdev->features & BIT_ULL(VIRTIO_IOMMU_F_PASID_ALLOC);
}

/**
 * virtio_pasid_status_to_errno() - Map a virtio-iommu status to an errno
 * @status: the tail status the device wrote
 *
 * Context: Any context.
 * Return:
 * * 0		- %VIRTIO_IOMMU_S_OK.
 * * -ENOSPC	- %VIRTIO_IOMMU_S_NOMEM or %VIRTIO_IOMMU_S_RANGE (no PASID
 *		  left for this VM, or none in the range).
 * * -EINVAL	- %VIRTIO_IOMMU_S_INVAL.
 * * -ENOENT	- %VIRTIO_IOMMU_S_NOENT.
 * * -EOPNOTSUPP	- %VIRTIO_IOMMU_S_UNSUPP.
 * * -EIO	- Any other status.
 */
int virtio_pasid_status_to_errno(u8 status)
{
	switch (status) {
	case VIRTIO_IOMMU_S_OK:
		return 0;
	case VIRTIO_IOMMU_S_NOMEM:
	case VIRTIO_IOMMU_S_RANGE:
		return -ENOSPC;
	case VIRTIO_IOMMU_S_INVAL:
		return -EINVAL;
	case VIRTIO_IOMMU_S_NOENT:
		return -ENOENT;
	case VIRTIO_IOMMU_S_UNSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}
EXPORT_SYMBOL_GPL(virtio_pasid_status_to_errno);

/*
 * Send the request in vdev->req: its first @out_len bytes to the device,
 * the next @in_len from it. Called with vdev->lock held. Returns the
 * transport's error, or 0 when the device answered.
 */
static int vp_send(struct virtio_pasid_dev *vdev, size_t out_len, size_t in_len)
{
	u8 *buf = (u8 *)&vdev->req;
	int ret;

	lockdep_assert_held(&vdev->lock);
	ret = vdev->transport->request(vdev->priv, buf, out_len, buf + out_len, in_len);
	if (ret) {
		pr_err("%s: request failed: %d\n", vp_name(vdev), ret);
		vp_count(vdev, VIRTIO_PASID_STAT_TRANSPORT_ERRORS);
		return ret < 0 ? ret : -EIO;
	}
	vp_count(vdev, VIRTIO_PASID_STAT_REQUESTS);

	return 0;
}

/* One FREE request; the device's status, mapped. */
static int vp_request_free(struct virtio_pasid_dev *vdev, ioasid_t pasid)
{
	struct virtio_iommu_req_pasid_free *req = &vdev->req.free;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&vdev->lock, flags);
	memset(req, 0, sizeof(*req));
	req->head.type = VIRTIO_IOMMU_T_PASID_FREE;
	req->pasid = cpu_to_le32(pasid);
	req->tail.status = VIRTIO_PASID_S_UNANSWERED;
	BUILD_BUG_ON(offsetof(struct virtio_iommu_req_pasid_free, tail) !=
		     VIRTIO_IOMMU_PASID_FREE_OUT);
	BUILD_BUG_ON(sizeof(*req) != VIRTIO_IOMMU_PASID_FREE_OUT + VIRTIO_IOMMU_PASID_FREE_IN);
	ret = vp_send(vdev, VIRTIO_IOMMU_PASID_FREE_OUT, VIRTIO_IOMMU_PASID_FREE_IN);
	if (!ret)
		ret = virtio_pasid_status_to_errno(req->tail.status);
	spin_unlock_irqrestore(&vdev->lock, flags);

	return ret;
}

/**
 * virtio_pasid_free() - Give a PASID back to the host
 * @vdev: a probed device
 * @pasid: the PASID
 *
 * Sends a FREE request whatever the guest's own bookkeeping says.
 *
 * Context: Any context. Takes and releases @vdev's request lock (IRQs off);
 * does not sleep.
 * Return: 0 on success; -EOPNOTSUPP if the feature was not negotiated
 * (nothing sent); the transport's negative errno; or the errno
 * virtio_pasid_status_to_errno() gives for the device's status (-ENOENT:
 * not this VM's PASID).
 */
int virtio_pasid_free(struct virtio_pasid_dev *vdev, ioasid_t pasid)
{
	int ret;

	if (!vp_negotiated(vdev))
		return -EOPNOTSUPP;

	ret = vp_request_free(vdev, pasid);
	if (ret) {
		pr_warn("%s: freeing PASID %u failed: %d\n", vp_name(vdev), pasid, ret);
		vp_count(vdev, VIRTIO_PASID_STAT_FREE_FAILED);
		return ret;
	}
	vp_count(vdev, VIRTIO_PASID_STAT_FREE_OK);

	return 0;
}
EXPORT_SYMBOL_GPL(virtio_pasid_free);

/* One ALLOC request; the device's status, mapped, and its PASID. */
static int vp_request_alloc(struct virtio_pasid_dev *vdev, ioasid_t min,
			    ioasid_t max, ioasid_t *pasid)
{
	struct virtio_iommu_req_pasid_alloc *req = &vdev->req.alloc;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&vdev->lock, flags);
	memset(req, 0, sizeof(*req));
	req->head.type = VIRTIO_IOMMU_T_PASID_ALLOC;
	req->min = cpu_to_le32(min);
	req->max = cpu_to_le32(max);
	req->tail.status = VIRTIO_PASID_S_UNANSWERED;
	BUILD_BUG_ON(offsetof(struct virtio_iommu_req_pasid_alloc, pasid) !=
		     VIRTIO_IOMMU_PASID_ALLOC_OUT);
	BUILD_BUG_ON(sizeof(*req) != VIRTIO_IOMMU_PASID_ALLOC_OUT + VIRTIO_IOMMU_PASID_ALLOC_IN);
	ret = vp_send(vdev, VIRTIO_IOMMU_PASID_ALLOC_OUT, VIRTIO_IOMMU_PASID_ALLOC_IN);
	if (!ret)
		ret = virtio_pasid_status_to_errno(req->tail.status);
	*pasid = le32_to_cpu(req->pasid);
	spin_unlock_irqrestore(&vdev->lock, flags);

	return ret;
}

/**
 * virtio_pasid_alloc() - Allocate a host PASID
 * @vdev: a probed device
 * @min: the lowest acceptable PASID (inclusive)
 * @max: the highest acceptable PASID (inclusive)
 * @pasid: where the PASID is stored on success
 *
 * The device picks a PASID in [@min, @max]. Its answer is checked first
 * against the guest's I/O ASID allocator: a PASID the guest already tracks
 * is refused and not freed, whatever its value, since the device would take
 * it from its holder. An untracked PASID outside [@min, @max], or PASID 0,
 * is freed back to the device. Either way the call fails.
 *
 * Context: Any context. Takes and releases @vdev's request lock (IRQs off);
 * does not sleep.
 * Return:
 * * 0		- Success; the PASID is in *@pasid.
 * * -EINVAL	- @min > @max (nothing sent), or the device said INVAL.
 * * -EOPNOTSUPP	- The feature was not negotiated (nothing sent), or the
 *		  device said UNSUPP.
 * * -EEXIST	- The device returned a PASID the guest already tracks (not
 *		  freed).
 * * -EIO	- The device returned an untracked PASID outside the range
 *		  (freed back) or an unknown status.
 * * <0		- The transport's error, or another mapped status (see
 *		  virtio_pasid_status_to_errno(); -ENOSPC: none left).
 */
int virtio_pasid_alloc(struct virtio_pasid_dev *vdev, ioasid_t min, ioasid_t max,
		       ioasid_t *pasid)
{
	ioasid_t id;
	int ret;

	if (!vp_negotiated(vdev))
		return -EOPNOTSUPP;
	if (min > max)
		return -EINVAL;

	ret = vp_request_alloc(vdev, min, max, &id);
	if (ret) {
		vp_count(vdev, VIRTIO_PASID_STAT_ALLOC_FAILED);
		return ret;
	}
	vp_count(vdev, VIRTIO_PASID_STAT_ALLOC_OK);

	/* Tracked already: freeing it would free its holder's PASID. */
	if (!IS_ERR(ioasid_find(NULL, id, NULL))) {
		pr_err("%s: device returned PASID %u, which is in use\n",
		       vp_name(vdev), id);
		vp_count(vdev, VIRTIO_PASID_STAT_BAD_RESULT);
		return -EEXIST;
	}
	if (id == IOMMU_PASID_RID2PASID || id < min || id > max) {
		pr_err("%s: device returned PASID %u outside [%u, %u], giving it back\n",
		       vp_name(vdev), id, min, max);
		vp_count(vdev, VIRTIO_PASID_STAT_BAD_RESULT);
		virtio_pasid_free(vdev, id);
		return -EIO;
	}
	*pasid = id;

	return 0;
}
EXPORT_SYMBOL_GPL(virtio_pasid_alloc);

/* The custom I/O ASID allocator: called with the I/O ASID spinlock held. */
static ioasid_t vp_ioasid_alloc(ioasid_t min, ioasid_t max, void *data)
{
	struct virtio_pasid_dev *vdev = data;
	ioasid_t pasid;

	/*
	 * virtio_pasid_alloc() refuses a PASID the guest tracks already: the
	 * core would free it again, its holder's PASID.
	 */
	if (!vdev || virtio_pasid_alloc(vdev, min, max, &pasid))
		return INVALID_IOASID;

	return pasid;
}

/* The custom I/O ASID free: errors are logged by virtio_pasid_free(). */
static void vp_ioasid_free(ioasid_t ioasid, void *data)
{
	struct virtio_pasid_dev *vdev = data;

	if (vdev)
		virtio_pasid_free(vdev, ioasid);
}

/**
 * virtio_pasid_probe() - Start PASID allocation through a virtio-iommu
 * @vdev: zeroed, with @vdev->transport, @vdev->features and optionally
 *	@vdev->name and @vdev->priv filled in
 *
 * Registers the custom I/O ASID allocator, shared by every device of the
 * guest, so that every PASID of the guest comes from the host.
 *
 * Context: Process context. Takes and releases the I/O ASID spinlock.
 * Return:
 * * 0		- The device serves the guest's PASIDs.
 * * -EINVAL	- @vdev or its transport is missing.
 * * -EBUSY	- @vdev already serves the guest's PASIDs.
 * * -EOPNOTSUPP	- %VIRTIO_IOMMU_F_PASID_ALLOC was not negotiated; nothing
 *		  registered.
 * * <0		- ioasid_register_allocator() failed (-EAGAIN: the guest
 *		  already holds PASIDs of its own; -EEXIST; -ENOMEM).
 */
int virtio_pasid_probe(struct virtio_pasid_dev *vdev)
{
	int i, ret;

	if (!vdev || !vdev->transport || !vdev->transport->request)
		return -EINVAL;
	if (vdev->registered)
		return -EBUSY;

	spin_lock_init(&vdev->lock);
	for (i = 0; i < VIRTIO_PASID_STAT__COUNT; i++)
		atomic64_set(&vdev->stats[i], 0);
	vdev->registered = false;
	if (!vp_negotiated(vdev)) {
		pr_info("%s: PASID allocation not negotiated\n", vp_name(vdev));
		return -EOPNOTSUPP;
	}

	vdev->allocator.alloc = vp_ioasid_alloc;
	vdev->allocator.free = vp_ioasid_free;
	vdev->allocator.pdata = vdev;
	ret = ioasid_register_allocator(&vdev->allocator);
	if (ret) {
		pr_err("%s: custom PASID allocator registration failed (%d)\n",
		       vp_name(vdev), ret);
		return ret;
	}
	vdev->registered = true;

	return 0;
}
EXPORT_SYMBOL_GPL(virtio_pasid_probe);

/**
 * virtio_pasid_remove() - Stop PASID allocation through a virtio-iommu
 * @vdev: a device given to virtio_pasid_probe() (whatever it returned)
 *
 * Unregisters the device's allocator. The shared space and its IDs stay
 * with the guest's other devices; if this was the last one, the I/O ASID
 * core orphans (and WARNs about) any ID still allocated.
 *
 * Context: Process context. Takes and releases the I/O ASID spinlock.
 */
void virtio_pasid_remove(struct virtio_pasid_dev *vdev)
{
	if (!vdev || !vdev->registered)
		return;
	ioasid_unregister_allocator(&vdev->allocator);
	vdev->registered = false;
}
EXPORT_SYMBOL_GPL(virtio_pasid_remove);

/**
 * virtio_pasid_stat() - Read a counter of a device
 * @vdev: a probed device
 * @stat: which counter
 *
 * Context: Any context.
 * Return: the counter's value, 0 for an unknown @stat.
 */
u64 virtio_pasid_stat(struct virtio_pasid_dev *vdev, enum virtio_pasid_stat stat)
{
	if (stat >= VIRTIO_PASID_STAT__COUNT)
		return 0;
	return atomic64_read(&vdev->stats[stat]);
}
EXPORT_SYMBOL_GPL(virtio_pasid_stat);
