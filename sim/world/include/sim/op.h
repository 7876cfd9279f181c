/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the executor's operation kinds, alone (no includes), so that the
 * trace format's vocabulary table (tools/trace.c) can name, for each trace
 * operation, the executor operation it is without depending on the
 * simulator's headers. <sim/world.h> includes it; the meaning of each
 * operation and its arguments is documented there (struct sim_op).
 */
#ifndef _SIM_OP_H
#define _SIM_OP_H

/*
 * The executor's operations. Where each may run (a guest's vCPU, a host CPU)
 * is in the table of sim/world/ops.c; sim_world_submit() refuses the
 * others with -EINVAL. The iommu_pasid and ioasid operations run in the
 * instance of the CPU they are submitted to: the host on bare metal (a world
 * with no VMs), a guest in a VM. Append only: the values are in event logs.
 */
enum sim_op_kind {
	/*
	 * iommu_pasid API, guest or host: through sim_op.consumer, or in a
	 * guest the VM's own booted consumer when that is NULL. The range is
	 * passed as it is (docs/api.md: an empty intersection is -EINVAL).
	 */
	SIM_OP_ALLOC,		/* a..b range; arg: private data token */
	SIM_OP_FREE,		/* a: PASID */
	SIM_OP_FIND,		/* a: PASID; result 0 or the errno of the ERR_PTR */
	SIM_OP_FOR_EACH,	/* result: number of PASIDs the consumer holds */
	SIM_OP_REG_WRITE,	/* guest: vIOMMU a, offset b, value arg, 8 bytes */
	SIM_OP_REG_READ,	/* guest: vIOMMU a, offset b: value in the event's value */
	SIM_OP_VM_DESTROY,	/* the VM goes away: host reclaims, guest instance reset */
	/* host, on a host CPU; arg: the VM whose VFIO state is used */
	SIM_OP_HOST_ALLOC,	/* a..b range */
	SIM_OP_HOST_FREE,	/* a: PASID */
	SIM_OP_HOST_FREE_RANGE,	/* a..b */
	SIM_OP_HOST_LOOKUP,	/* a: PASID; result 0 if the VM owns it */
	/* guest or host: sim_op.consumer, required */
	SIM_OP_INIT,		/* iommu_pasid_init with the requested range a..b */
	SIM_OP_EXIT,		/* iommu_pasid_exit */
	/* raw ioasid API, guest or host; set: sim_op.set, private data: arg */
	SIM_OP_IOASID_ALLOC,	/* a..b; value: the ID or INVALID_IOASID (result -ENOSPC) */
	SIM_OP_IOASID_FREE,	/* a */
	SIM_OP_IOASID_FIND,	/* set, a; result 0 or the errno of the ERR_PTR */
	SIM_OP_IOASID_SET_DATA,	/* a, arg */
	/* hostile guest, 4 bytes: vIOMMU a, offset b (value arg) */
	SIM_OP_REG_WRITE32,
	SIM_OP_REG_READ32,
	/*
	 * guest lifecycle: hot-plug and hot-unplug of vIOMMU a (the VT-d
	 * vIOMMU a, or the virtio-iommu device for a = 0), through the guest
	 * driver's probe and remove paths; unplug kfree()s the driver's state.
	 * Results: 0, -EBUSY (plug: there), -ENODEV (unplug: not there),
	 * -EINVAL (no such slot), or the probe's error.
	 */
	SIM_OP_VIOMMU_PLUG,
	SIM_OP_VIOMMU_UNPLUG,
	/*
	 * guest: ioasid_unregister_allocator() / ioasid_register_allocator()
	 * of vIOMMU a's allocator ops, behind its driver's back (-ENODEV: no
	 * driver bound there; register: the allocator's own result).
	 */
	SIM_OP_ALLOCATOR_UNREGISTER,
	SIM_OP_ALLOCATOR_REGISTER,
	/* host, VM arg: the VMM sets its quota to a; the VMM process dies */
	SIM_OP_HOST_SET_QUOTA,
	SIM_OP_HOST_VM_DESTROY,
	/*
	 * hostile guest, virtio path: a raw request on the virtio-iommu queue,
	 * outside the driver: a bytes of device-readable buffer (0..16: the
	 * 8 bytes of arg, then b's 4 bytes, little-endian), an 8-byte
	 * device-writable buffer whose bytes come back in value. Result: the
	 * transport's (0, -EIO lost, -EINVAL malformed, -ENODEV no device).
	 */
	SIM_OP_VIRTIO_RAW,
	/*
	 * guest: a VM created powered off (sim_world_params.late) boots: the
	 * host's VFIO state for it, its vIOMMUs probed, its consumer set up,
	 * on its own vCPU. -EEXIST if it runs already, -ENODEV once destroyed,
	 * -EBUSY while another VM_CREATE boots it; during a boot the VM's
	 * other operations get -ENODEV, but a VM_DESTROY goes ahead. A failed
	 * boot (-EIO) leaves the VM running without its drivers, its consumer
	 * never initialised.
	 */
	SIM_OP_VM_CREATE,
	/*
	 * host: ioasid_register_allocator() / ioasid_unregister_allocator() of
	 * the host's custom allocator a (0 or 1; both share one ID space, as
	 * two vIOMMUs of one driver do), which hands out the lowest free ID of
	 * the range asked for, from a table of the world's own (-EINVAL: no
	 * such allocator; register: the core's result).
	 */
	SIM_OP_HOST_ALLOCATOR_REGISTER,
	SIM_OP_HOST_ALLOCATOR_UNREGISTER,
	/*
	 * guest or host: iommu_pasid_set_ops() with the executor's vendor
	 * range callbacks of kind a (enum sim_vendor_ops; SIM_VENDOR_NONE
	 * clears them). Result: the call's.
	 */
	SIM_OP_PASID_SET_OPS,
	/*
	 * guest or host, sim_op.consumer required: iommu_pasid_init with the
	 * requested range a..b and the consumer's own vendor callbacks of
	 * kind arg (enum sim_vendor_ops). Result: the call's.
	 */
	SIM_OP_INIT_OPS,
	/*
	 * guest or host: the next operation that runs in this CPU's kernel
	 * instance fails its i-th allocation attempt for each bit i set in a
	 * (bits 0-31); a later one replaces it, 0 disarms. The fault hook of
	 * the instance is the executor's for that operation.
	 */
	SIM_OP_FAULT_NEXT,
	/*
	 * guest or host: an iommu_pasid call with a NULL argument (docs/api.md:
	 * -EINVAL, nothing written): a is the call (enum sim_null_call); the
	 * handle is sim_op.consumer for the calls that take a real one.
	 * Result: the call's (find: the errno of its ERR_PTR); value: 1 if a
	 * result was written anyway.
	 */
	SIM_OP_PASID_NULL_ARG,
	/*
	 * iommu_pasid_for_each whose callback stops the walk (returns 1) at
	 * the a-th visit; result: the call's (1 when stopped), value: visits.
	 */
	SIM_OP_FOR_EACH_STOP,
	/*
	 * iommu_pasid_for_each whose callback __iommu_pasid_free()s each
	 * visited ID; result: the call's, value: the IDs freed.
	 */
	SIM_OP_FOR_EACH_FREE,
	/*
	 * ioasid_find(set, a, getter) with a getter of kind b: 1 returns
	 * true, 2 false (0: none, as SIM_OP_IOASID_FIND).
	 */
	SIM_OP_IOASID_FIND_GETTER,
	SIM_OP__COUNT
};

/* Vendor range callbacks the executor has (SIM_OP_PASID_SET_OPS, SIM_OP_INIT_OPS). */
enum sim_vendor_ops {
	SIM_VENDOR_NONE,	/* no callbacks */
	SIM_VENDOR_NARROW,	/* narrows the range to [8, 48] */
	SIM_VENDOR_WIDEN,	/* widens it by one at each end (a vendor bug: WARN) */
	SIM_VENDOR_FAIL,	/* returns -ENODEV */
	SIM_VENDOR_POSITIVE,	/* returns 1 (not an errno) */
	SIM_VENDOR_EMPTY,	/* answers the empty range [10, 5] */
	SIM_VENDOR__COUNT
};
#define SIM_VENDOR_NARROW_MIN	8
#define SIM_VENDOR_NARROW_MAX	48

/* The NULL-argument calls of SIM_OP_PASID_NULL_ARG. */
enum sim_null_call {
	SIM_NULL_INIT,		/* iommu_pasid_init(NULL) */
	SIM_NULL_EXIT,		/* iommu_pasid_exit(NULL) (void: result 0 if it returns) */
	SIM_NULL_ALLOC_HANDLE,	/* iommu_pasid_alloc(NULL, ...) */
	SIM_NULL_ALLOC_RESULT,	/* iommu_pasid_alloc(consumer, ..., NULL) */
	SIM_NULL_FREE,		/* iommu_pasid_free(NULL, 0) */
	SIM_NULL_FOR_EACH_HANDLE,	/* iommu_pasid_for_each(NULL, fn, ...) */
	SIM_NULL_FOR_EACH_FUNC,	/* iommu_pasid_for_each(consumer, NULL, ...) */
	SIM_NULL_FIND,		/* iommu_pasid_find(NULL, 0) */
	SIM_NULL__COUNT
};

#endif /* _SIM_OP_H */
