/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side PASID accounting for VMs, after Liu Yi L's unmerged
 * "vfio: Add PASID allocation/free support" (vfio_pasid.c, 2020).
 *
 * The VMM creates one struct vfio_pasid_vm per VM. Guest requests (a VT-d
 * virtual command, a virtio-iommu PASID request) become vfio_pasid_alloc()
 * and vfio_pasid_free() calls on it: PASIDs come from the host's I/O ASID
 * allocator, tagged with the VM's own set, up to the VM's quota; a VM may
 * free only its own; everything a VM still holds is reclaimed when it goes
 * away. See docs/paravirt.md.
 */
#ifndef __LINUX_VFIO_PASID_H
#define __LINUX_VFIO_PASID_H

#include <linux/ioasid.h>
#include <linux/types.h>

/* Quota of a VM when none is given: the module parameter's value. */
#define VFIO_PASID_DEFAULT_QUOTA	1000
/* Pass as a quota to take the pasid_quota module parameter. */
#define VFIO_PASID_QUOTA_DEFAULT	((unsigned int)-1)

struct vfio_pasid_vm;

struct vfio_pasid_vm *vfio_pasid_vm_create(const char *name, unsigned int quota);
void vfio_pasid_vm_destroy(struct vfio_pasid_vm *vm);
int vfio_pasid_alloc(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max,
		     ioasid_t *pasid);
int vfio_pasid_free(struct vfio_pasid_vm *vm, ioasid_t pasid);
int vfio_pasid_free_range(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max);
int vfio_pasid_lookup(struct vfio_pasid_vm *vm, ioasid_t pasid);
int vfio_pasid_for_each(struct vfio_pasid_vm *vm, int (*func)(ioasid_t pasid, void *data),
			void *data);
int vfio_pasid_set_quota(struct vfio_pasid_vm *vm, unsigned int quota);
unsigned int vfio_pasid_count(struct vfio_pasid_vm *vm);
unsigned int vfio_pasid_quota(struct vfio_pasid_vm *vm);
u64 vfio_pasid_refused_frees(struct vfio_pasid_vm *vm);

#endif /* __LINUX_VFIO_PASID_H */
