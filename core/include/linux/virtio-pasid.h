/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PASID allocation over virtio-iommu: the guest driver (core/virtio-pasid.c).
 *
 * The requests, a pasidsim extension of virtio-iommu, and their wire format
 * are in <uapi/linux/virtio_iommu_pasid.h>, which the device model includes
 * too.
 */
#ifndef __LINUX_VIRTIO_PASID_H
#define __LINUX_VIRTIO_PASID_H

#include <linux/atomic.h>
#include <linux/ioasid.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/virtio_iommu_pasid.h>

/* ---- driver side (core/virtio-pasid.c) ---------------------------------- */

/**
 * struct virtio_pasid_transport - how the driver reaches the device
 * @request: sends one request and waits for the answer, standing in for
 *	adding a buffer pair to the request virtqueue, kicking the device and
 *	polling for the used buffer. @out (@out_len bytes) is the
 *	device-readable part of the request, @in (@in_len bytes) the
 *	device-writable part, which the device fills in. Called in atomic
 *	context (the I/O ASID spinlock and the driver's request lock are held):
 *	must not sleep. Returns 0 when the device answered, else a negative
 *	errno.
 */
struct virtio_pasid_transport {
	int (*request)(void *priv, const void *out, size_t out_len, void *in,
		       size_t in_len);
};

/**
 * enum virtio_pasid_stat - per-device counters, read with virtio_pasid_stat()
 * @VIRTIO_PASID_STAT_REQUESTS: requests the transport delivered
 * @VIRTIO_PASID_STAT_ALLOC_OK: allocations the device granted
 * @VIRTIO_PASID_STAT_ALLOC_FAILED: allocations the device refused
 * @VIRTIO_PASID_STAT_FREE_OK: frees the device accepted
 * @VIRTIO_PASID_STAT_FREE_FAILED: frees the device refused
 * @VIRTIO_PASID_STAT_TRANSPORT_ERRORS: requests the transport failed
 * @VIRTIO_PASID_STAT_BAD_RESULT: granted PASIDs the driver refused (outside
 *	the requested range, or already in use in the guest)
 * @VIRTIO_PASID_STAT__COUNT: number of counters
 */
enum virtio_pasid_stat {
	VIRTIO_PASID_STAT_REQUESTS,
	VIRTIO_PASID_STAT_ALLOC_OK,
	VIRTIO_PASID_STAT_ALLOC_FAILED,
	VIRTIO_PASID_STAT_FREE_OK,
	VIRTIO_PASID_STAT_FREE_FAILED,
	VIRTIO_PASID_STAT_TRANSPORT_ERRORS,
	VIRTIO_PASID_STAT_BAD_RESULT,
	VIRTIO_PASID_STAT__COUNT
};

/**
 * struct virtio_pasid_dev - the PASID part of a virtio-iommu driver
 * @name: set by the caller: used in messages
 * @transport: set by the caller: how requests reach the device
 * @priv: set by the caller: passed to @transport->request
 * @features: set by the caller: the negotiated feature bits (bit N is
 *	feature N)
 * @lock: private: one request at a time; protects @req
 * @req: private: the request buffers (not on the stack: the device reads
 *	and writes them)
 * @req.alloc: an ALLOC request
 * @req.free: a FREE request
 * @allocator: private: the custom I/O ASID allocator (pdata = this device)
 * @registered: private: @allocator is registered
 * @stats: private: enum virtio_pasid_stat counters
 *
 * Zero the structure, fill in the caller's fields, then call
 * virtio_pasid_probe(). It must stay in place until virtio_pasid_remove().
 */
struct virtio_pasid_dev {
	const char *name;
	const struct virtio_pasid_transport *transport;
	void *priv;
	u64 features;

	/* private: */
	spinlock_t lock;		/* serialises requests */
	union {
		struct virtio_iommu_req_pasid_alloc alloc;
		struct virtio_iommu_req_pasid_free free;
	} req;
	struct ioasid_allocator_ops allocator;
	bool registered;
	atomic64_t stats[VIRTIO_PASID_STAT__COUNT];
};

int virtio_pasid_probe(struct virtio_pasid_dev *vdev);
void virtio_pasid_remove(struct virtio_pasid_dev *vdev);
int virtio_pasid_alloc(struct virtio_pasid_dev *vdev, ioasid_t min, ioasid_t max,
		       ioasid_t *pasid);
int virtio_pasid_free(struct virtio_pasid_dev *vdev, ioasid_t pasid);
int virtio_pasid_status_to_errno(u8 status);
u64 virtio_pasid_stat(struct virtio_pasid_dev *vdev, enum virtio_pasid_stat stat);

#endif /* __LINUX_VIRTIO_PASID_H */
