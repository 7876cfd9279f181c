// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim world: a guest's devices and drivers. Each vIOMMU slot's device
 * model (a VT-d register file, or the virtio-iommu device with its transport
 * through the VMM), the guest driver's probe and remove (hot-plug and
 * hot-unplug), and a guest's boot: its module parameters, its devices, its
 * drivers and its consumer, at world creation and reset or at a
 * SIM_OP_VM_CREATE (world.c creates the instances these run in).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>
#include <linux/intel-pasid.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/iommu-pasid.h>
#include <linux/vfio-pasid.h>
#include <linux/virtio-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/virtio-iommu.h>
#include <sim/vmm.h>
#include <sim/vtd.h>
#include <sim/world.h>

#include "world-int.h"

/* ---- the virtio transport, through the VMM --------------------------------------------- */

static int world_vp_request(void *priv, const void *out, size_t out_len, void *in,
			    size_t in_len)
{
	struct world_vm *vm = priv;
	struct sim_world *w = vm->w;

	if (!vm->vdev)
		return -ENODEV;	/* hot-unplugged under the request */
	return sim_vmm_virtio_request(vm->vmm, vm->vdev, out, out_len, in, in_len,
				      w->p.virtio_timeout_ns);
}

static const struct virtio_pasid_transport world_vp_transport = {
	.request = world_vp_request,
};

/* ---- devices and hot-plug ------------------------------------------------------------- */

static unsigned int dev_slots(const struct sim_world *w)
{
	return w->p.path == SIM_WORLD_PATH_VTD ? w->p.viommus : 1;
}

/* Create the device model of slot @d if it is not there. */
static int dev_create(struct sim_world *w, struct world_vm *vm, unsigned int d)
{
	struct virtio_iommu_params vp;

	if (w->p.path == SIM_WORLD_PATH_VTD) {
		struct vtd_params vp;

		if (!vm->vtd[d]) {
			sim_world_vtd_params(w, d, &vp);
			vm->vtd[d] = vtd_create(&vp, &sim_vmm_vtd_ops, vm->vmm);
			vm->absent_base[d] = 0;
		}
		return vm->vtd[d] ? 0 : -ENOMEM;
	}
	if (vm->vdev)
		return 0;
	virtio_iommu_params_init(&vp);
	vp.faults = w->p.virtio_faults;
	vm->vdev = virtio_iommu_create(&vp, &sim_vmm_virtio_ops, vm->vmm);
	if (!vm->vdev)
		return -ENOMEM;
	virtio_iommu_set_driver_features(vm->vdev, virtio_iommu_device_features(vm->vdev));
	return 0;
}

/* Bind the guest driver to device @d (the guest instance is current). */
static int driver_probe(struct sim_world *w, struct world_vm *vm, unsigned int d)
{
	int ret;

	if (w->p.path == SIM_WORLD_PATH_VTD) {
		struct pv_vtd_iommu *iommu = vm->kept_iommus[d];

		if (!iommu)
			iommu = kzalloc(sizeof(*iommu), GFP_KERNEL);
		if (!iommu)
			return -ENOMEM;
		iommu->name = vm->name;
		iommu->reg = vtd_regs(vm->vtd[d]);
		iommu->layout = w->p.vtd.layout == VTD_LAYOUT_30 ? PV_VTD_LAYOUT_3_0 :
				PV_VTD_LAYOUT_3_3;
		ret = vm->vtd_init(iommu);
		if (ret == -EBUSY && vm->kept_iommus[d])
			vm->rebind_refused = d + 1;
		if (!ret) {
			vm->iommus[d] = iommu;
			vm->kept_iommus[d] = NULL;
		} else if (!vm->kept_iommus[d]) {
			kfree(iommu);	/* a kept state stays kept for the next plug */
		}
		return ret;
	}
	vm->vpdev = vm->kept_vpdev ? vm->kept_vpdev : kzalloc(sizeof(*vm->vpdev), GFP_KERNEL);
	if (!vm->vpdev)
		return -ENOMEM;
	vm->vpdev->name = vm->name;
	vm->vpdev->transport = &world_vp_transport;
	vm->vpdev->priv = vm;
	vm->vpdev->features = virtio_iommu_driver_features(vm->vdev);
	ret = vm->vp_probe(vm->vpdev);
	if (ret == -EBUSY && vm->kept_vpdev)
		vm->rebind_refused = d + 1;
	if (!ret)
		vm->kept_vpdev = NULL;
	else if (!vm->kept_vpdev)
		kfree(vm->vpdev);
	if (ret)
		vm->vpdev = NULL;
	return ret;
}

static bool plugged(const struct sim_world *w, const struct world_vm *vm, unsigned int d)
{
	return w->p.path == SIM_WORLD_PATH_VTD ? vm->vtd[d] != NULL : vm->vdev != NULL;
}

int world_plug(struct sim_world *w, struct world_vm *vm, unsigned int d)
{
	int ret;

	if (d >= dev_slots(w))
		return -EINVAL;
	if (vm->hotplug || plugged(w, vm, d))
		return -EBUSY;
	/* one hot-plug at a time per VM: the probe sleeps, others see -EBUSY */
	vm->hotplug = true;
	ret = dev_create(w, vm, d);
	if (!ret)
		ret = driver_probe(w, vm, d);
	vm->hotplug = false;
	return ret;
}

/* Keep an unplugged device model: a CPU may still be inside one of its handlers. */
static int keep_old(void ***v, size_t *n, void *dev)
{
	void **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = dev;
	*v = nv;
	return 0;
}

int world_unplug(struct sim_world *w, struct world_vm *vm, unsigned int d)
{
	int ret = 0;

	if (d >= dev_slots(w))
		return -EINVAL;
	if (vm->hotplug)
		return -EBUSY;
	if (!plugged(w, vm, d))
		return -ENODEV;
	vm->hotplug = true;
	if (w->p.path == SIM_WORLD_PATH_VTD) {
		struct pv_vtd_iommu *iommu = vm->iommus[d];

		if (keep_old((void ***)&vm->old_vtd, &vm->nold_vtd, vm->vtd[d]))
			ret = -ENOMEM;
		else
			vm->vtd[d] = NULL;
		if (!ret && iommu) {
			vm->vtd_exit(iommu);	/* sleeps: the slot is already gone */
			vm->iommus[d] = NULL;
			if (w->p.replug_keeps_state)
				vm->kept_iommus[d] = iommu;
			else
				kfree(iommu);
		}
	} else {
		struct virtio_pasid_dev *vpdev = vm->vpdev;

		if (keep_old((void ***)&vm->old_vdev, &vm->nold_vdev, vm->vdev))
			ret = -ENOMEM;
		else
			vm->vdev = NULL;
		if (!ret && vpdev) {
			vm->vp_remove(vpdev);
			vm->vpdev = NULL;
			if (w->p.replug_keeps_state)
				vm->kept_vpdev = vpdev;
			else
				kfree(vpdev);
		}
	}
	vm->hotplug = false;
	return ret;
}

/* The slab was emptied by a reset: no driver state survives it. */
void world_guest_forget(struct sim_world *w, struct world_vm *vm)
{
	vm->hotplug = false;
	for (unsigned int d = 0; vm->iommus && d < w->p.viommus; d++)
		vm->iommus[d] = vm->kept_iommus[d] = NULL;
	vm->vpdev = vm->kept_vpdev = NULL;
}

/*
 * The guest's module parameters, set before its drivers probe, as its kernel
 * command line would (a reset of its core copy restores the defaults).
 */
static int guest_params(struct sim_world *w, struct world_vm *vm, char *err, size_t errlen)
{
	void *(*param)(void);

	if (!w->p.vcmd_timeout_ms)
		return 0;
	*(void **)&param = sim_core_sym(vm->inst.core, "__sim_param_vcmd_timeout_ms");
	if (!param) {
		snprintf(err, errlen, "%s: the guest core copy has no vcmd_timeout_ms parameter",
			 vm->name);
		return -1;
	}
	*(unsigned int *)param() = w->p.vcmd_timeout_ms;
	return 0;
}

int world_boot_guest(struct sim_world *w, struct world_vm *vm, char *err, size_t errlen)
{
	struct sim_kernel *prev;
	int ret = 0;

	if (guest_params(w, vm, err, errlen))
		return -1;
	prev = sim_kernel_enter(vm->inst.k);
	world_guest_forget(w, vm);
	/*
	 * The consumer first: a boot whose probe fails (a late VM's, at its
	 * SIM_OP_VM_CREATE) leaves a consumer that was never initialised, not
	 * the previous run's, whose memory the reset freed.
	 */
	memset(vm->consumer, 0, sizeof(*vm->consumer));
	vm->consumer->name = vm->name;
	for (unsigned int d = 0; d < dev_slots(w); d++) {
		ret = dev_create(w, vm, d);
		if (!ret)
			ret = driver_probe(w, vm, d);
		if (ret) {
			snprintf(err, errlen, "%s: %s: %d", vm->name,
				 w->p.path == SIM_WORLD_PATH_VTD ? "pv_vtd_iommu_init" :
				 "virtio_pasid_probe", ret);
			goto out;
		}
	}
	ret = vm->inst.api.pasid_init(vm->consumer);
	if (ret)
		snprintf(err, errlen, "%s: iommu_pasid_init: %d", vm->name, ret);
out:
	sim_kernel_leave(prev);
	return ret ? -1 : 0;
}

/*
 * A VM created powered off boots, on one of its vCPUs (SIM_OP_VM_CREATE):
 * the host's VFIO state for it, then the guest as sim_world_create() boots
 * one (its devices, drivers and consumer).
 */
int world_vm_boot(struct sim_world *w, struct world_vm *vm)
{
	struct sim_kernel *prev = sim_kernel_enter(w->host.k);
	struct vfio_pasid_vm *hvm = w->vfio_create(vm->name, vm->quota);
	char err[256];
	int ret;

	sim_kernel_leave(prev);
	if (IS_ERR_OR_NULL(hvm))	/* ERR_PTR(-ENOMEM): the VM stays off */
		return hvm ? (int)PTR_ERR(hvm) : -ENOMEM;
	vm->hvm = hvm;
	sim_vmm_set_hvm(vm->vmm, hvm);
	vm->off = false;
	vm->booting = true;	/* its other vCPUs wait for the boot (world_run_op()) */
	ret = world_boot_guest(w, vm, err, sizeof(err)) ? -EIO : 0;
	vm->booting = false;
	return ret;
}
