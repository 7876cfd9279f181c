// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side PASID allocation for VMs: one set and one quota per VM.
 *
 * A guest that allocates its PASIDs through its vIOMMU (VT-d virtual
 * command, virtio-iommu PASID requests) really asks its VMM, which asks the
 * host kernel. The host hands out PASIDs from its system-wide I/O ASID
 * space, so that PASIDs are unique across VMs, and keeps per-VM accounts:
 * which PASIDs each VM holds, how many it may hold, and what it tried to
 * free that was not its own.
 *
 * Developer's notes:
 * - Modelled on Liu Yi L's unmerged vfio_pasid.c (2020): one vfio_mm per
 *   VM process, an ioasid set per VM, a quota (module parameter
 *   pasid_quota, default 1000), PASIDs allocated with NULL private data,
 *   free of a range that skips IDs the VM does not own, and reclaim of
 *   everything when the VM goes away. Linux 6.1's ioasid sets are bare
 *   tokens, so the quota and the list of a VM's PASIDs live here.
 * - A VM's PASIDs are kept in an XArray indexed by PASID. Freeing a range
 *   walks that XArray, not the numeric range, so the work is bounded by
 *   what the VM holds (Alex Williamson's concern about FREE over
 *   [0, UINT_MAX]).
 * - A free of a PASID the VM does not hold changes nothing; it is logged
 *   (rate limited) and counted, because a guest that frees what it does
 *   not own is either broken or probing another VM's PASIDs.
 * - Every call runs in the VMM's process context; a per-VM mutex serialises
 *   them. Inside, the I/O ASID allocator takes its spinlock, and freeing an
 *   ID never waits for RCU readers (ioasid_free() defers the release).
 */
#define pr_fmt(fmt) "vfio-pasid: " fmt

#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vfio-pasid.h>
#include <linux/xarray.h>

static unsigned int pasid_quota = VFIO_PASID_DEFAULT_QUOTA;
module_param(pasid_quota, uint, 0444);
MODULE_PARM_DESC(pasid_quota, "PASIDs a VM may hold unless its VMM says otherwise (default 1000)");

/**
 * struct vfio_pasid_vm - the host's accounts of one VM
 * @name: used in messages
 * @set: the token that tags the VM's PASIDs in the I/O ASID allocator
 * @lock: serialises every call on the VM
 * @pasids: the PASIDs the VM holds (each entry points back at the VM)
 * @count: number of entries in @pasids
 * @quota: the most PASIDs the VM may hold
 * @refused_frees: frees of PASIDs the VM did not hold
 */
struct vfio_pasid_vm {
	char name[32];
	struct ioasid_set set;
	struct mutex lock;		/* protects everything below */
	struct xarray pasids;
	unsigned int count;
	unsigned int quota;
	u64 refused_frees;
};

static unsigned int vfio_pasid_resolve_quota(unsigned int quota)
{
	return quota == VFIO_PASID_QUOTA_DEFAULT ? READ_ONCE(pasid_quota) : quota;
}

/**
 * vfio_pasid_vm_create() - Open the PASID accounts of a VM
 * @name: used in messages (copied; may be NULL)
 * @quota: how many PASIDs the VM may hold at once, or
 *	%VFIO_PASID_QUOTA_DEFAULT for the pasid_quota module parameter
 *
 * Context: Process context; may sleep (GFP_KERNEL).
 * Return: the new VM, or ERR_PTR(-ENOMEM).
 */
struct vfio_pasid_vm *vfio_pasid_vm_create(const char *name, unsigned int quota)
{
	struct vfio_pasid_vm *vm;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);

	strscpy(vm->name, name ? name : "vm", sizeof(vm->name));
	mutex_init(&vm->lock);
	xa_init(&vm->pasids);
	vm->quota = vfio_pasid_resolve_quota(quota);

	return vm;
}
EXPORT_SYMBOL_GPL(vfio_pasid_vm_create);

/* Forget and free one of the VM's PASIDs. Called with vm->lock held. */
static void vfio_pasid_release(struct vfio_pasid_vm *vm, ioasid_t pasid)
{
	lockdep_assert_held(&vm->lock);
	xa_erase(&vm->pasids, pasid);
	vm->count--;
	ioasid_free(pasid);
}

/**
 * vfio_pasid_vm_destroy() - Close a VM's accounts, reclaiming its PASIDs
 * @vm: the VM (may be NULL or an error pointer: nothing happens)
 *
 * Every PASID the VM still holds goes back to the host's allocator, as when
 * the last VFIO container of a VM process is released. No other call on
 * @vm may run concurrently or follow.
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 */
void vfio_pasid_vm_destroy(struct vfio_pasid_vm *vm)
{
	unsigned long index;
	void *entry;

	if (IS_ERR_OR_NULL(vm))
		return;

	mutex_lock(&vm->lock);
	xa_for_each(&vm->pasids, index, entry)
		vfio_pasid_release(vm, index);
	WARN_ON(vm->count);
	xa_destroy(&vm->pasids);
	mutex_unlock(&vm->lock);

	mutex_destroy(&vm->lock);
	kfree(vm);
}
EXPORT_SYMBOL_GPL(vfio_pasid_vm_destroy);

/**
 * vfio_pasid_alloc() - Allocate a host PASID for a VM
 * @vm: the VM
 * @min: the lowest acceptable PASID (inclusive)
 * @max: the highest acceptable PASID (inclusive)
 * @pasid: where the PASID is stored on success
 *
 * Allocates the lowest free PASID in [@min, @max] cut to [1, 0xfffff]: the
 * 20-bit PASID space without PASID 0, which tags DMA without PASID. The
 * PASID is tagged with the VM's set and has no private data. On failure
 * nothing is allocated and @pasid is not written.
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return:
 * * 0		- Success; the PASID is in *@pasid.
 * * -EINVAL	- @vm or @pasid is NULL, or @min > @max.
 * * -ERANGE	- [@min, @max] holds no PASID of the space (only 0, or only
 *		  IDs above 0xfffff).
 * * -ENOSPC	- The VM holds its quota, or the host has no free PASID in
 *		  the range.
 * * -ENOMEM	- The VM's accounts could not grow; the PASID was given back.
 */
int vfio_pasid_alloc(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max,
		     ioasid_t *pasid)
{
	ioasid_t id, lo, hi;
	int ret;

	if (!vm || !pasid || min > max)
		return -EINVAL;
	lo = max(min, IOMMU_PASID_DEFAULT_MIN);
	hi = min(max, IOMMU_PASID_MAX);
	if (lo > hi)
		return -ERANGE;

	mutex_lock(&vm->lock);
	ret = -ENOSPC;
	if (vm->count >= vm->quota)
		goto out_unlock;
	id = ioasid_alloc(&vm->set, lo, hi, NULL);
	if (!pasid_valid(id))
		goto out_unlock;

	ret = xa_insert(&vm->pasids, id, vm, GFP_KERNEL);
	if (ret) {
		/* -EBUSY would mean the allocator handed out an ID twice. */
		WARN_ON(ret != -ENOMEM);
		ret = -ENOMEM;
		goto out_free;
	}
	vm->count++;
	mutex_unlock(&vm->lock);

	*pasid = id;
	return 0;

out_free:
	ioasid_free(id);
out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pasid_alloc);

/* Whose is @pasid, if not @vm's? Called with vm->lock held. */
static int vfio_pasid_not_mine(struct vfio_pasid_vm *vm, ioasid_t pasid)
{
	void *private;

	lockdep_assert_held(&vm->lock);
	private = ioasid_find(&vm->set, pasid, NULL);
	if (PTR_ERR(private) == -EACCES)
		return -EACCES;
	/* In the VM's set but not in its accounts: cannot happen. */
	WARN_ON(!IS_ERR(private));
	return -ENOENT;
}

/**
 * vfio_pasid_free() - Free one of a VM's PASIDs
 * @vm: the VM
 * @pasid: the PASID
 *
 * Only a PASID the VM holds is freed. Any other free changes nothing, is
 * logged (rate limited) and counted in vfio_pasid_refused_frees().
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return:
 * * 0		- Success.
 * * -EINVAL	- @vm is NULL.
 * * -EACCES	- @pasid is allocated, but not to this VM.
 * * -ENOENT	- @pasid is not allocated.
 */
int vfio_pasid_free(struct vfio_pasid_vm *vm, ioasid_t pasid)
{
	int ret = 0;

	if (!vm)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (xa_load(&vm->pasids, pasid)) {
		vfio_pasid_release(vm, pasid);
		goto out_unlock;
	}
	ret = vfio_pasid_not_mine(vm, pasid);
	vm->refused_frees++;
	pr_warn_ratelimited("%s: refused to free PASID %u: %s\n", vm->name, pasid,
			    ret == -EACCES ? "not its own" : "not allocated");
out_unlock:
	mutex_unlock(&vm->lock);
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pasid_free);

/**
 * vfio_pasid_free_range() - Free every PASID a VM holds in a range
 * @vm: the VM
 * @min: the lowest PASID (inclusive)
 * @max: the highest PASID (inclusive)
 *
 * PASIDs in the range that the VM does not hold are skipped silently (they
 * are not refusals). The work is bounded by the number of PASIDs the VM
 * holds, whatever the width of the range.
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return: the number of PASIDs freed (0 or more), or -EINVAL if @vm is NULL
 * or @min > @max.
 */
int vfio_pasid_free_range(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max)
{
	unsigned long index;
	void *entry;
	int freed = 0;

	if (!vm || min > max)
		return -EINVAL;

	mutex_lock(&vm->lock);
	xa_for_each_range(&vm->pasids, index, entry, min, max) {
		vfio_pasid_release(vm, index);
		freed++;
	}
	mutex_unlock(&vm->lock);

	return freed;
}
EXPORT_SYMBOL_GPL(vfio_pasid_free_range);

/**
 * vfio_pasid_lookup() - Does a VM hold a PASID?
 * @vm: the VM
 * @pasid: the PASID
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return:
 * * 0		- The VM holds @pasid.
 * * -EINVAL	- @vm is NULL.
 * * -EACCES	- @pasid is allocated, but not to this VM.
 * * -ENOENT	- @pasid is not allocated.
 */
int vfio_pasid_lookup(struct vfio_pasid_vm *vm, ioasid_t pasid)
{
	int ret = 0;

	if (!vm)
		return -EINVAL;

	mutex_lock(&vm->lock);
	if (!xa_load(&vm->pasids, pasid))
		ret = vfio_pasid_not_mine(vm, pasid);
	mutex_unlock(&vm->lock);

	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pasid_lookup);

/**
 * vfio_pasid_for_each() - Visit every PASID a VM holds
 * @vm: the VM
 * @func: called with each PASID, in ascending order, and @data; a non-zero
 *	return stops the walk
 * @data: passed to @func
 *
 * @func runs with @vm's mutex held: it must not call back into this VM.
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return: 0, -EINVAL if @vm or @func is NULL, or the first non-zero return
 * of @func.
 */
int vfio_pasid_for_each(struct vfio_pasid_vm *vm, int (*func)(ioasid_t pasid, void *data),
			void *data)
{
	unsigned long index;
	void *entry;
	int ret = 0;

	if (!vm || !func)
		return -EINVAL;

	mutex_lock(&vm->lock);
	xa_for_each(&vm->pasids, index, entry) {
		ret = func(index, data);
		if (ret)
			break;
	}
	mutex_unlock(&vm->lock);

	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pasid_for_each);

/**
 * vfio_pasid_set_quota() - Change how many PASIDs a VM may hold
 * @vm: the VM
 * @quota: the new quota, or %VFIO_PASID_QUOTA_DEFAULT for the pasid_quota
 *	module parameter
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return:
 * * 0		- Success.
 * * -EINVAL	- @vm is NULL, or the VM holds more than @quota PASIDs
 *		  (the quota is unchanged).
 */
int vfio_pasid_set_quota(struct vfio_pasid_vm *vm, unsigned int quota)
{
	int ret = 0;

	if (!vm)
		return -EINVAL;

	quota = vfio_pasid_resolve_quota(quota);
	mutex_lock(&vm->lock);
	if (quota < vm->count)
		ret = -EINVAL;
	else
		vm->quota = quota;
	mutex_unlock(&vm->lock);

	return ret;
}
EXPORT_SYMBOL_GPL(vfio_pasid_set_quota);

/**
 * vfio_pasid_count() - How many PASIDs a VM holds
 * @vm: the VM
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return: the number of PASIDs.
 */
unsigned int vfio_pasid_count(struct vfio_pasid_vm *vm)
{
	unsigned int count;

	mutex_lock(&vm->lock);
	count = vm->count;
	mutex_unlock(&vm->lock);

	return count;
}
EXPORT_SYMBOL_GPL(vfio_pasid_count);

/**
 * vfio_pasid_quota() - How many PASIDs a VM may hold
 * @vm: the VM
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return: the quota.
 */
unsigned int vfio_pasid_quota(struct vfio_pasid_vm *vm)
{
	unsigned int quota;

	mutex_lock(&vm->lock);
	quota = vm->quota;
	mutex_unlock(&vm->lock);

	return quota;
}
EXPORT_SYMBOL_GPL(vfio_pasid_quota);

/**
 * vfio_pasid_refused_frees() - How many frees of a VM were refused
 * @vm: the VM
 *
 * Counts vfio_pasid_free() calls for PASIDs the VM did not hold (another
 * VM's, or not allocated), since the VM was created.
 *
 * Context: Process context. Takes and releases @vm's mutex; may sleep.
 * Return: the number of refused frees.
 */
u64 vfio_pasid_refused_frees(struct vfio_pasid_vm *vm)
{
	u64 refused;

	mutex_lock(&vm->lock);
	refused = vm->refused_frees;
	mutex_unlock(&vm->lock);

	return refused;
}
EXPORT_SYMBOL_GPL(vfio_pasid_refused_frees);
