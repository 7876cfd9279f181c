/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the VMM of one VM (QEMU semantics), between the VM's device
 * models (sim/hw) and the host kernel's VFIO PASID handler.
 *
 * The device models trap guest accesses and call the VMM as their backend.
 * On the simulated CPU that trapped (a vCPU of this VM), the VMM
 *   - charges a VM exit, its own handling and a VM entry for every guest
 *     access to the vIOMMU (each one traps in QEMU), with a scheduling point;
 *   - for a command: takes the VMM's big lock (a shim mutex, so it shows in
 *     the host's lockstat and lock-order graph), enters the host kernel
 *     instance, calls the host copy's vfio_pasid_alloc()/vfio_pasid_free()
 *     for this VM, and leaves, charging the host call.
 * Off any simulated CPU (a test calling the device directly, VM boot) no
 * time is charged and nothing yields.
 *
 * The VT-d model itself ignores a VCMD write while IP is set or VCCAP.PAS is
 * clear, sets IP, and clears it after its modelled latency (docs/registers.md).
 */
#ifndef _SIM_VMM_H
#define _SIM_VMM_H

#include <linux/ioasid.h>
#include <linux/types.h>
#include <sim/cost.h>
#include <sim/virtio-iommu.h>
#include <sim/vtd.h>

struct sim_kernel;
struct vfio_pasid_vm;

/* The host kernel: its instance and the entry points of its core copy. */
struct sim_vmm_host {
	struct sim_kernel *k;
	int (*alloc)(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max, ioasid_t *pasid);
	int (*free)(struct vfio_pasid_vm *vm, ioasid_t pasid);
};

struct sim_vmm_stats {
	u64 exits;		/* trapped guest accesses and requests */
	u64 alloc_ok, alloc_failed;
	u64 free_ok, free_failed;
};

struct sim_vmm;

/*
 * A VMM for the VM whose host-side PASID state is @hvm. @host and @cost are
 * referenced, not copied: they must outlive the VMM.
 */
struct sim_vmm *sim_vmm_create(const char *name, const struct sim_vmm_host *host,
			       struct vfio_pasid_vm *hvm, const struct sim_cost_model *cost);
void sim_vmm_destroy(struct sim_vmm *vmm);
/* The VM's host-side state changed (VM re-created after a reset). */
void sim_vmm_set_hvm(struct sim_vmm *vmm, struct vfio_pasid_vm *hvm);
/*
 * A VFIO call the VMM makes for its VM: @fn(hvm, @arg) under the big lock,
 * in the host kernel, so it never races the VM's destruction; -ENODEV once
 * the VM's host-side state is gone.
 */
int sim_vmm_call(struct sim_vmm *vmm, int (*fn)(struct vfio_pasid_vm *hvm, void *arg), void *arg);
/*
 * The VMM process exits: under the big lock (so no request of another vCPU
 * is inside the host call, as a process's last file reference goes only
 * after its threads left their ioctls), @destroy(hvm, @arg) the VM's host-side state;
 * from then on every request fails with -ENODEV.
 */
void sim_vmm_kill(struct sim_vmm *vmm, void (*destroy)(struct vfio_pasid_vm *hvm, void *arg),
		  void *arg);
void sim_vmm_get_stats(struct sim_vmm *vmm, struct sim_vmm_stats *out);

/* Backends for the device models; their opaque is the struct sim_vmm. */
extern const struct vtd_backend_ops sim_vmm_vtd_ops;
extern const struct virtio_iommu_backend_ops sim_vmm_virtio_ops;

/*
 * The guest's side of a virtio request: the kick (a trapped notification,
 * charged as a VM exit and entry), the device's handling, and the wait for
 * the used buffer. Returns 0 when answered, -EIO if the request was lost
 * (after waiting @timeout_ns of virtual time), -EINVAL if malformed.
 */
int sim_vmm_virtio_request(struct sim_vmm *vmm, struct virtio_iommu_dev *dev,
			   const void *out, size_t out_len, void *in, size_t in_len,
			   u64 timeout_ns);

#endif /* _SIM_VMM_H */
