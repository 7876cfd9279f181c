/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: a virtio-iommu device that answers the project's PASID
 * requests (VIRTIO_IOMMU_T_PASID_ALLOC/FREE, a project extension needing
 * feature bit VIRTIO_IOMMU_F_PASID_ALLOC). Their wire format, shared with
 * the guest driver, is <uapi/linux/virtio_iommu_pasid.h> (core/include).
 *
 * A request is one virtqueue element: a driver-readable buffer (head and
 * request fields) and a device-writable buffer (reply fields and the tail).
 * The device handles it the way QEMU's virtio-iommu does: sizes checked
 * first, head copied in, one handler per type under the device mutex, the
 * tail written last. Either call virtio_iommu_handle() per element, or queue
 * elements and kick the device (virtio_iommu_queue_add/kick/elem_done).
 * Request format and status mapping: docs/registers.md.
 */
#ifndef _SIM_VIRTIO_IOMMU_H
#define _SIM_VIRTIO_IOMMU_H

#include <linux/types.h>
#include <uapi/linux/virtio_iommu_pasid.h>

#define VIRTIO_F_VERSION_1		32	/* virtio 1.x (<linux/virtio_config.h>) */

/* Fault knobs; all off when zeroed except force_status (virtio_iommu_faults_init()). */
struct virtio_iommu_faults {
	u64 latency_ns;		/* a request completes this long after it was handled */
	int force_status;	/* < 0: off; else this status replaces the real one */
	bool bad_result;	/* an ALLOC answered OK carries @result instead of the PASID */
	u32 result;
	u64 drop_nth;		/* drop the Nth request from now (1 = the next); 0: off */
	u64 drop_every;		/* drop every Nth request from now; 0: off */
};

struct virtio_iommu_params {
	u64 features;		/* offered: VERSION_1 and PASID_ALLOC by default */
	unsigned int queue_size;	/* ring slots, 1..1024 (default 64) */
	bool verbose;		/* log driver errors on stderr */
	struct virtio_iommu_faults faults;
};

/*
 * The backend (the VMM's forwarding to the host). alloc and free return a
 * VIRTIO_IOMMU_S_* status (>= 0), or a negative errno: NOMEM for ALLOC,
 * NOENT for FREE. alloc gets a range inside [1, VIRTIO_IOMMU_PASID_MAX].
 * They are called with the device mutex held: lock/unlock (optional) replace
 * that mutex, e.g. with the VMM's big lock when the backend yields to the
 * world's scheduler. notify (optional) is the used-buffer notification after
 * a kick processed requests; called without locks held.
 */
struct virtio_iommu_backend_ops {
	int (*alloc)(void *opaque, u32 min, u32 max, u32 *pasid);
	int (*free)(void *opaque, u32 pasid);
	void (*lock)(void *opaque);
	void (*unlock)(void *opaque);
	void (*notify)(void *opaque);
};

struct virtio_iommu_stats {
	u64 requests;			/* elements handled or dropped */
	u64 alloc, free;		/* PASID requests by type */
	u64 status[VIRTIO_IOMMU_S_NOMEM + 1];	/* tails written, by status */
	u64 status_other;		/* tails with a status above NOMEM */
	u64 malformed;			/* dropped: no room for head or tail */
	u64 dropped;			/* dropped by the knobs */
	u64 queue_full;			/* queue_add refused */
	u64 resets;
};

/* A queued request. The device fills the fields after "device:". */
struct virtio_iommu_elem {
	const void *out;
	size_t out_len;
	void *in;
	size_t in_len;
	/* device: */
	int state;			/* VIRTIO_IOMMU_ELEM_* */
	u32 used_len;			/* bytes written to @in */
	u64 done_at;			/* sim_clock_ns() from which the element is used */
};

#define VIRTIO_IOMMU_ELEM_FREE		0	/* not queued, or reclaimed by reset */
#define VIRTIO_IOMMU_ELEM_QUEUED	1
#define VIRTIO_IOMMU_ELEM_USED		2	/* handled; visible once done_at has come */
#define VIRTIO_IOMMU_ELEM_LOST		3	/* dropped: never completes */

struct virtio_iommu_dev;

void virtio_iommu_params_init(struct virtio_iommu_params *p);
void virtio_iommu_faults_init(struct virtio_iommu_faults *f);

/* NULL if @ops lacks alloc or free, or queue_size is out of range. */
struct virtio_iommu_dev *virtio_iommu_create(const struct virtio_iommu_params *p,
					     const struct virtio_iommu_backend_ops *ops,
					     void *opaque);
void virtio_iommu_destroy(struct virtio_iommu_dev *dev);

u64 virtio_iommu_device_features(struct virtio_iommu_dev *dev);
/* The driver's accepted features; -EINVAL (and nothing set) unless a subset of the offer. */
int virtio_iommu_set_driver_features(struct virtio_iommu_dev *dev, u64 features);
u64 virtio_iommu_driver_features(struct virtio_iommu_dev *dev);
/* Device reset: driver features cleared, queued elements back to FREE. */
void virtio_iommu_reset(struct virtio_iommu_dev *dev);

/*
 * Handle one element now. Returns the bytes written to @in (used length),
 * or -EINVAL when the element is dropped as malformed (no room for a head or
 * a tail), -EIO when a knob dropped it; nothing is written then. *done_at
 * (if not NULL) gets the time from which the driver may see the answer.
 */
int virtio_iommu_handle(struct virtio_iommu_dev *dev, const void *out, size_t out_len,
			void *in, size_t in_len, u64 *done_at);

/* Queue @elem (state becomes QUEUED); -ENOSPC when the ring is full. */
int virtio_iommu_queue_add(struct virtio_iommu_dev *dev, struct virtio_iommu_elem *elem);
/*
 * Process every queued element in order, then notify. A kick while another
 * thread is processing returns at once: that thread also takes the new
 * elements. Returns the number of elements this call processed.
 */
unsigned int virtio_iommu_kick(struct virtio_iommu_dev *dev);
/* True once @elem is USED and sim_clock_ns() has reached its done_at. */
bool virtio_iommu_elem_done(struct virtio_iommu_dev *dev, const struct virtio_iommu_elem *elem);
unsigned int virtio_iommu_queue_pending(struct virtio_iommu_dev *dev);

void virtio_iommu_set_faults(struct virtio_iommu_dev *dev, const struct virtio_iommu_faults *f);
void virtio_iommu_get_faults(struct virtio_iommu_dev *dev, struct virtio_iommu_faults *out);
void virtio_iommu_get_stats(struct virtio_iommu_dev *dev, struct virtio_iommu_stats *out);
const char *virtio_iommu_last_error(struct virtio_iommu_dev *dev, char *buf, size_t len);

#endif /* _SIM_VIRTIO_IOMMU_H */
