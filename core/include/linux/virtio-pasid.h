/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PASID allocation over virtio-iommu: a pasidsim extension.
 *
 * The virtio-iommu specification has no PASID allocation request (the
 * published proposals attach guest-owned PASID tables instead). This header
 * defines two requests of the project's own, framed like every virtio-iommu
 * request (a head, type-specific fields, a tail whose status the device
 * writes; all fields little-endian) and answered with the specification's
 * status codes. They need feature bit VIRTIO_IOMMU_F_PASID_ALLOC, which no
 * specified device offers: a driver that did not negotiate it gets
 * VIRTIO_IOMMU_S_UNSUPP. Request types 0x80 and up are unassigned by the
 * specification and clear of the proposals' 0x06-0x08.
 */
#ifndef __LINUX_VIRTIO_PASID_H
#define __LINUX_VIRTIO_PASID_H

#include <linux/types.h>

#define VIRTIO_IOMMU_F_PASID_ALLOC	16

#define VIRTIO_IOMMU_T_PASID_ALLOC	0x80
#define VIRTIO_IOMMU_T_PASID_FREE	0x81

/* Status codes of the virtio-iommu specification (tail.status). */
#define VIRTIO_IOMMU_S_OK		0x00
#define VIRTIO_IOMMU_S_IOERR		0x01
#define VIRTIO_IOMMU_S_UNSUPP		0x02
#define VIRTIO_IOMMU_S_DEVERR		0x03
#define VIRTIO_IOMMU_S_INVAL		0x04
#define VIRTIO_IOMMU_S_RANGE		0x05
#define VIRTIO_IOMMU_S_NOENT		0x06
#define VIRTIO_IOMMU_S_FAULT		0x07
#define VIRTIO_IOMMU_S_NOMEM		0x08

struct virtio_iommu_pasid_head {
	__u8 type;
	__u8 reserved[3];
};

struct virtio_iommu_pasid_tail {
	__u8 status;
	__u8 reserved[3];
};

/*
 * ALLOC: the driver fills head, min and max (inclusive); the device writes
 * pasid and tail. OK with the PASID; NOMEM when the VM's quota or the host's
 * space is exhausted; INVAL when min > max; RANGE when [min,max] lies outside
 * the 20-bit PASID space or holds only PASID 0.
 */
struct virtio_iommu_req_pasid_alloc {
	struct virtio_iommu_pasid_head head;
	__le32 min;
	__le32 max;
	/* device-writable */
	__le32 pasid;
	struct virtio_iommu_pasid_tail tail;
};

/*
 * FREE: the driver fills head and pasid; the device writes tail. OK when the
 * PASID was the VM's and is freed; NOENT when it is not allocated to this VM
 * (another VM's PASIDs are indistinguishable from free ones).
 */
struct virtio_iommu_req_pasid_free {
	struct virtio_iommu_pasid_head head;
	__le32 pasid;
	__u8 reserved[4];
	/* device-writable */
	struct virtio_iommu_pasid_tail tail;
};

#endif /* __LINUX_VIRTIO_PASID_H */
