/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * PASID allocation over virtio-iommu: the wire format (a pasidsim extension).
 *
 * The virtio-iommu specification has no PASID allocation request (the
 * published proposals attach guest-owned PASID tables instead). This header
 * defines two requests of the project's own, framed like every virtio-iommu
 * request: a head, type-specific fields, and a tail whose status the device
 * writes. All fields are little-endian. They are answered with the
 * specification's status codes and need feature bit
 * VIRTIO_IOMMU_F_PASID_ALLOC, which no specified device offers: a driver
 * that did not negotiate it gets VIRTIO_IOMMU_S_UNSUPP. Request types 0x80
 * and up are unassigned by the specification and clear of the proposals'
 * 0x06-0x08.
 *
 * The one definition of the format, included by the guest driver
 * (core/virtio-pasid.c) and by the device model (sim/hw/virtio-iommu.c).
 */
#ifndef _UAPI_LINUX_VIRTIO_IOMMU_PASID_H
#define _UAPI_LINUX_VIRTIO_IOMMU_PASID_H

#include <linux/types.h>

/* Feature bit: the device answers the two requests below. */
#define VIRTIO_IOMMU_F_PASID_ALLOC	16

/* Request types (head.type). */
#define VIRTIO_IOMMU_T_PASID_ALLOC	0x80
#define VIRTIO_IOMMU_T_PASID_FREE	0x81

/*
 * Status codes (tail.status): the specification's, with the same values as
 * <linux/virtio_iommu.h>.
 */
#define VIRTIO_IOMMU_S_OK		0x00
#define VIRTIO_IOMMU_S_IOERR		0x01
#define VIRTIO_IOMMU_S_UNSUPP		0x02
#define VIRTIO_IOMMU_S_DEVERR		0x03
#define VIRTIO_IOMMU_S_INVAL		0x04
#define VIRTIO_IOMMU_S_RANGE		0x05
#define VIRTIO_IOMMU_S_NOENT		0x06
#define VIRTIO_IOMMU_S_FAULT		0x07
#define VIRTIO_IOMMU_S_NOMEM		0x08

/* The PASID space of the requests: 20 bits; PASID 0 is never allocated. */
#define VIRTIO_IOMMU_PASID_MAX		0xfffff

struct virtio_iommu_pasid_head {
	__u8	type;
	__u8	reserved[3];
};

struct virtio_iommu_pasid_tail {
	__u8	status;
	__u8	reserved[3];
};

/*
 * ALLOC: the driver fills head, min and max (inclusive); the device writes
 * pasid and tail. OK with the PASID; NOMEM when the VM's quota or the host's
 * space is exhausted; INVAL when min > max; RANGE when [min, max] lies
 * outside the 20-bit PASID space or holds only PASID 0.
 */
struct virtio_iommu_req_pasid_alloc {
	struct virtio_iommu_pasid_head	head;
	__le32				min;
	__le32				max;

	/* Device-writable */
	__le32				pasid;
	struct virtio_iommu_pasid_tail	tail;
};

/*
 * FREE: the driver fills head and pasid; the device writes tail. OK when the
 * PASID was the VM's and is freed; NOENT when it is not allocated to this VM
 * (another VM's PASIDs are indistinguishable from free ones).
 */
struct virtio_iommu_req_pasid_free {
	struct virtio_iommu_pasid_head	head;
	__le32				pasid;
	__u8				reserved[4];

	/* Device-writable */
	struct virtio_iommu_pasid_tail	tail;
};

/*
 * Bytes of each part of a request as a virtqueue carries it: the
 * device-readable part (OUT) up to the first device-writable field, the
 * device-writable part (IN) from there to the end of the structure.
 */
#define VIRTIO_IOMMU_PASID_ALLOC_OUT	12	/* head, min, max */
#define VIRTIO_IOMMU_PASID_ALLOC_IN	8	/* pasid, tail */
#define VIRTIO_IOMMU_PASID_FREE_OUT	12	/* head, pasid, reserved */
#define VIRTIO_IOMMU_PASID_FREE_IN	4	/* tail */

#endif /* _UAPI_LINUX_VIRTIO_IOMMU_PASID_H */
