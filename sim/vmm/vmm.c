// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: one VMM per VM (see <sim/vmm.h>).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <asm/processor.h>
#include <linux/delay.h>
#include <linux/mutex.h>
#include <sim/kernel.h>
#include <sim/sched.h>
#include <sim/vmm.h>

/* Host range QEMU asked for (DOMAIN.md §2.5). */
#define VMM_PASID_MIN	1
#define VMM_PASID_MAX	0xfffff

struct sim_vmm {
	char name[32];
	const struct sim_vmm_host *host;
	struct vfio_pasid_vm *hvm;
	const struct sim_cost_model *cost;
	struct mutex lock;		/* QEMU's big lock */
	struct sim_kernel *lock_prev;	/* instance to go back to on unlock */
	unsigned int unserialised;	/* host calls in flight without the big lock */
	struct sim_vmm_stats st;
};

struct sim_vmm *sim_vmm_create(const char *name, const struct sim_vmm_host *host,
			       struct vfio_pasid_vm *hvm, const struct sim_cost_model *cost)
{
	struct sim_vmm *vmm = calloc(1, sizeof(*vmm));

	if (!vmm)
		return NULL;
	snprintf(vmm->name, sizeof(vmm->name), "%s", name ? name : "vmm");
	vmm->host = host;
	vmm->hvm = hvm;
	vmm->cost = cost;
	mutex_init(&vmm->lock);
	return vmm;
}

void sim_vmm_destroy(struct sim_vmm *vmm)
{
	free(vmm);
}

void sim_vmm_set_hvm(struct sim_vmm *vmm, struct vfio_pasid_vm *hvm)
{
	vmm->hvm = hvm;
	vmm->unserialised = 0;	/* a reset: a call abandoned by a panic is not in flight */
}

void sim_vmm_get_stats(struct sim_vmm *vmm, struct sim_vmm_stats *out)
{
	*out = vmm->st;
}

/* A trapped access: exit, VMM dispatch, entry; then others may run. */
static void vmm_trap(struct sim_vmm *vmm)
{
	vmm->st.exits++;
	if (!sim_cpu_current())
		return;
	sim_cpu_advance_as(SIM_T_EXIT, vmm->cost->vm_exit_ns);
	sim_cpu_advance_as(SIM_T_VMM, vmm->cost->vmm_handle_ns);
	sim_cpu_advance_as(SIM_T_EXIT, vmm->cost->vm_entry_ns);
	sim_cpu_yield();
}

/*
 * Leave the guest for the VMM thread (its own task: the guest's spinlocks do
 * not make the VMM atomic), enter the host kernel and take the big lock.
 */
static void vmm_lock(void *opaque)
{
	struct sim_vmm *vmm = opaque;
	struct sim_kernel *prev;

	sim_cpu_task_alt(true);
	prev = sim_kernel_enter(vmm->host->k);
	mutex_lock(&vmm->lock);
	vmm->lock_prev = prev;
}

static void vmm_unlock(void *opaque)
{
	struct sim_vmm *vmm = opaque;
	struct sim_kernel *prev = vmm->lock_prev;

	mutex_unlock(&vmm->lock);
	sim_kernel_leave(prev);
	sim_cpu_task_alt(false);
}

static int vmm_host_alloc(struct sim_vmm *vmm, u32 min, u32 max, u32 *pasid)
{
	ioasid_t id = 0;
	int ret;

	if (!vmm->hvm)
		return -ENODEV;
	sim_cpu_advance(vmm->cost->host_call_ns);
	ret = vmm->host->alloc(vmm->hvm, min, max, &id);
	if (ret) {
		vmm->st.alloc_failed++;
		return ret;
	}
	vmm->st.alloc_ok++;
	*pasid = id;
	return 0;
}

static int vmm_host_free(struct sim_vmm *vmm, u32 pasid)
{
	int ret;

	if (!vmm->hvm)
		return -ENODEV;
	sim_cpu_advance(vmm->cost->host_call_ns);
	ret = vmm->host->free(vmm->hvm, pasid);
	if (ret)
		vmm->st.free_failed++;
	else
		vmm->st.free_ok++;
	return ret;
}

/* ---- VT-d: VCMD ------------------------------------------------------------- */

static int vtd_alloc(void *opaque, u32 *pasid)
{
	struct sim_vmm *vmm = opaque;
	int ret;

	vmm_lock(vmm);
	ret = vmm_host_alloc(vmm, VMM_PASID_MIN, VMM_PASID_MAX, pasid);
	vmm_unlock(vmm);
	return ret;
}

static int vtd_free(void *opaque, u32 pasid)
{
	struct sim_vmm *vmm = opaque;
	int ret;

	vmm_lock(vmm);
	ret = vmm_host_free(vmm, pasid);
	vmm_unlock(vmm);
	return ret;
}

static void vtd_access(void *opaque, u64 offset, unsigned int size, bool write)
{
	vmm_trap(opaque);
}

const struct vtd_backend_ops sim_vmm_vtd_ops = {
	.alloc = vtd_alloc,
	.free = vtd_free,
	.access = vtd_access,
};

/* ---- virtio-iommu ------------------------------------------------------------ */

/* Called with the big lock held and the host kernel entered (vmm_lock). */
static int virtio_alloc(void *opaque, u32 min, u32 max, u32 *pasid)
{
	return vmm_host_alloc(opaque, min, max, pasid);
}

static int virtio_free(void *opaque, u32 pasid)
{
	return vmm_host_free(opaque, pasid);
}

const struct virtio_iommu_backend_ops sim_vmm_virtio_ops = {
	.alloc = virtio_alloc,
	.free = virtio_free,
	.lock = vmm_lock,
	.unlock = vmm_unlock,
};

/*
 * Schedule fuzzing (SIM_PREEMPT_VMM_CALLS): a host call from a VMM thread
 * that does not hold the big lock, as a VMM issuing VFIO ioctls from several
 * threads would make it. The kernel must stay right whatever the VMM
 * serialises; only the VMM's own teardown waits for it (a file descriptor's
 * release waits for its ioctls in flight).
 */
static int vmm_call_unserialised(struct sim_vmm *vmm,
				 int (*fn)(struct vfio_pasid_vm *hvm, void *arg), void *arg)
{
	struct sim_kernel *prev;
	int ret = -ENODEV;

	sim_cpu_task_alt(true);
	prev = sim_kernel_enter(vmm->host->k);
	if (vmm->hvm) {
		vmm->unserialised++;
		ret = fn(vmm->hvm, arg);
		vmm->unserialised--;
	}
	sim_kernel_leave(prev);
	sim_cpu_task_alt(false);
	return ret;
}

int sim_vmm_call(struct sim_vmm *vmm, int (*fn)(struct vfio_pasid_vm *hvm, void *arg), void *arg)
{
	int ret = -ENODEV;

	if (unlikely(sim_cpu_preempt() & SIM_PREEMPT_VMM_CALLS))
		return vmm_call_unserialised(vmm, fn, arg);
	vmm_lock(vmm);
	if (vmm->hvm)
		ret = fn(vmm->hvm, arg);
	vmm_unlock(vmm);
	return ret;
}

void sim_vmm_kill(struct sim_vmm *vmm, void (*destroy)(struct vfio_pasid_vm *hvm, void *arg),
		  void *arg)
{
	struct vfio_pasid_vm *hvm;

	vmm_lock(vmm);
	/* no host call starts from now on, and those in flight without the big lock end */
	hvm = vmm->hvm;
	vmm->hvm = NULL;
	while (vmm->unserialised && sim_cpu_current())
		cpu_relax();	/* (off every CPU none can be in flight) */
	if (hvm)
		destroy(hvm, arg);
	vmm_unlock(vmm);
}

int sim_vmm_virtio_request(struct sim_vmm *vmm, struct virtio_iommu_dev *dev,
			   const void *out, size_t out_len, void *in, size_t in_len,
			   u64 timeout_ns)
{
	u64 done_at = 0, now;
	int ret;

	vmm_trap(vmm);		/* the kick */
	ret = virtio_iommu_handle(dev, out, out_len, in, in_len, &done_at);
	if (ret == -EIO) {
		/* Lost: the driver polls the used ring until it gives up. */
		if (sim_cpu_current())
			ndelay(timeout_ns);
		return -EIO;
	}
	if (ret < 0)
		return ret;
	/* Polling the used ring (guest memory, no trap) until the answer shows. */
	now = sim_clock_ns();
	if (sim_cpu_current() && done_at > now)
		ndelay(done_at - now);
	return 0;
}
