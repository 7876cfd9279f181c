// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the executor's operations (see enum sim_op_kind in <sim/world.h>
 * and docs/world.md): one table of what each operation is called, where it
 * may run, what it needs and what it calls, and one function per operation.
 * An operation runs on a simulated CPU, in the kernel instance of that CPU.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <sim/task.h>

#include "world-int.h"

/* A for_each walk: the operation, its visits, and what the callback does. */
struct walk {
	struct sim_world *w;
	const struct world_inst *in;
	struct iommu_pasid *cons;
	u64 visits, freed;
	u32 stop;			/* FOR_EACH_STOP: stop at this visit (0: never) */
	bool free;			/* FOR_EACH_FREE */
};

static int walk_cb(ioasid_t id, void *priv, void *data)
{
	struct walk *k = data;
	int freed = 0;

	k->visits++;
	if (k->free) {
		freed = k->in->api.pasid_free_locked(k->cons, id);
		k->freed += !freed;
	}
	if (k->w->visit_fn)
		k->w->visit_fn(k->w->visit_arg, id, priv, freed);
	return k->stop && k->visits == k->stop;
}

/* Where an operation runs: on a vCPU of a guest, on a host CPU, or both. */
#define ON_GUEST	1u
#define ON_HOST		2u
#define ON_ANY		(ON_GUEST | ON_HOST)

/* What an operation runs against: the instance of the CPU it runs on. */
struct op_ctx {
	struct sim_world *w;
	struct world_inst *in;		/* the CPU's instance (host or guest) */
	struct world_vm *vm;		/* the guest's VM, or NULL on the host */
	struct iommu_pasid *cons;	/* the consumer (NULL: none given on the host) */
};

typedef void (*op_fn)(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev);

static void ptr_result(void *p, struct sim_event *ev)
{
	ev->result = IS_ERR(p) ? (int)PTR_ERR(p) : 0;
	ev->value = IS_ERR(p) ? 0 : (u64)(uintptr_t)p;
}

static void op_alloc(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ioasid_t id = 0;

	ev->result = x->in->api.pasid_alloc(x->cons, op->a, op->b, (void *)(uintptr_t)op->arg,
					    &id);
	ev->value = id;		/* 0 on a failure, unless the failed call wrote an ID */
}

static void op_free(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ev->result = x->in->api.pasid_free(x->cons, op->a);
}

static void op_find(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ptr_result(x->in->api.pasid_find(x->cons, op->a), ev);
}

static void op_for_each(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	struct walk k = { x->w, x->in, x->cons };

	ev->result = x->in->api.pasid_for_each(x->cons, walk_cb, &k);
	ev->value = k.visits;
}

static void op_for_each_stop(const struct op_ctx *x, const struct sim_op *op,
			     struct sim_event *ev)
{
	struct walk k = { x->w, x->in, x->cons, .stop = op->a };

	ev->result = x->in->api.pasid_for_each(x->cons, walk_cb, &k);
	ev->value = k.visits;
}

static void op_for_each_free(const struct op_ctx *x, const struct sim_op *op,
			     struct sim_event *ev)
{
	struct walk k = { x->w, x->in, x->cons, .free = true };

	ev->result = x->in->api.pasid_for_each(x->cons, walk_cb, &k);
	ev->value = k.freed;
}

/* ---- vendor range callbacks (enum sim_vendor_ops) ---------------------------------- */

static int range_narrow(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	*min = *min > SIM_VENDOR_NARROW_MIN ? *min : SIM_VENDOR_NARROW_MIN;
	*max = *max < SIM_VENDOR_NARROW_MAX ? *max : SIM_VENDOR_NARROW_MAX;
	return 0;
}

static int range_widen(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	*min -= 1;		/* the core never asks below 1: always wider */
	if (*max < IOMMU_PASID_MAX)
		*max += 1;
	return 0;
}

static int range_fail(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	return -ENODEV;
}

static int range_positive(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	return 1;
}

static int range_empty(struct iommu_pasid *p, ioasid_t *min, ioasid_t *max)
{
	*min = 10;
	*max = 5;
	return 0;
}

static const struct iommu_pasid_ops vendor_ops[SIM_VENDOR__COUNT] = {
	[SIM_VENDOR_NARROW] = { range_narrow },
	[SIM_VENDOR_WIDEN] = { range_widen },
	[SIM_VENDOR_FAIL] = { range_fail },
	[SIM_VENDOR_POSITIVE] = { range_positive },
	[SIM_VENDOR_EMPTY] = { range_empty },
};

/* The callbacks of kind @kind, NULL for none; -EINVAL in *@bad for no such kind. */
static const struct iommu_pasid_ops *vendor_of(u64 kind, bool *bad)
{
	*bad = kind >= SIM_VENDOR__COUNT;
	return kind == SIM_VENDOR_NONE || *bad ? NULL : &vendor_ops[kind];
}

static void op_set_ops(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	bool bad;
	const struct iommu_pasid_ops *ops = vendor_of(op->a, &bad);

	ev->result = bad ? -EINVAL : x->in->api.pasid_set_ops(ops);
}

/*
 * iommu_pasid_init with the consumer's own callbacks (as SIM_OP_INIT, the
 * requested range and callbacks are written even to a live consumer, which
 * init refuses with -EBUSY: its range is already computed).
 */
static void op_init_ops(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	bool bad;
	const struct iommu_pasid_ops *ops = vendor_of(op->arg, &bad);

	if (bad) {
		ev->result = -EINVAL;
		return;
	}
	op->consumer->min = op->a;
	op->consumer->max = op->b;
	op->consumer->ops = ops;
	ev->result = x->in->api.pasid_init(op->consumer);
}

/* ---- allocation failures (SIM_OP_FAULT_NEXT) --------------------------------------- */

static bool fault_next_hook(void *arg, const char *site, size_t size, gfp_t gfp)
{
	struct world_inst *in = arg;
	unsigned int pos = in->fault_pos++;

	return pos < 32 && (in->fault_mask >> pos) & 1;
}

static void op_fault_next(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	x->in->fault_mask = op->a;
	x->in->fault_pending = op->a != 0;
}

/* ---- NULL arguments (SIM_OP_PASID_NULL_ARG) ----------------------------------------- */

static int null_walk(ioasid_t id, void *priv, void *data)
{
	return 0;
}

static void op_null_arg(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	const struct world_api *api = &x->in->api;
	ioasid_t id = INVALID_IOASID;

	switch (op->a) {
	case SIM_NULL_INIT: ev->result = api->pasid_init(NULL); break;
	case SIM_NULL_EXIT: api->pasid_exit(NULL); ev->result = -EINVAL; break;
	case SIM_NULL_ALLOC_HANDLE:
		ev->result = api->pasid_alloc(NULL, 0, IOMMU_PASID_MAX, NULL, &id);
		break;
	case SIM_NULL_ALLOC_RESULT:
		ev->result = api->pasid_alloc(op->consumer, 0, IOMMU_PASID_MAX, NULL, NULL);
		break;
	case SIM_NULL_FREE: ev->result = api->pasid_free(NULL, 0); break;
	case SIM_NULL_FOR_EACH_HANDLE: ev->result = api->pasid_for_each(NULL, null_walk, NULL); break;
	case SIM_NULL_FOR_EACH_FUNC: ev->result = api->pasid_for_each(op->consumer, NULL, NULL); break;
	case SIM_NULL_FIND: ptr_result(api->pasid_find(NULL, 0), ev); break;
	default: ev->result = -EINVAL; return;
	}
	ev->value = id != INVALID_IOASID;
}

static void op_init(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	op->consumer->min = op->a;
	op->consumer->max = op->b;
	ev->result = x->in->api.pasid_init(op->consumer);
}

static void op_exit(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	x->in->api.pasid_exit(op->consumer);
}

static void op_ioasid_alloc(const struct op_ctx *x, const struct sim_op *op,
			    struct sim_event *ev)
{
	ioasid_t id = x->in->api.ioasid_alloc(op->set, op->a, op->b, (void *)(uintptr_t)op->arg);

	ev->value = id;
	ev->result = id == INVALID_IOASID ? -ENOSPC : 0;
}

static void op_ioasid_free(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	bool active = false;
	u64 calls = 0;

	/*
	 * For the invariants: a VT-d guest's free of an ID with its private data
	 * attached. The data is looked up before the free; an ioasid_set_data()
	 * of the VM running at that moment or started before the free returns
	 * may change it before the free decides, and then the oracle cannot
	 * tell: no note.
	 */
	if (x->vm && x->w->p.path == SIM_WORLD_PATH_VTD) {
		void *p = x->in->api.ioasid_find(NULL, op->a, NULL);

		active = !IS_ERR_OR_NULL(p) && !x->vm->set_data_running;
		calls = x->vm->set_data_calls;
	}
	x->in->api.ioasid_free(op->a);
	if (active && !x->vm->set_data_running && x->vm->set_data_calls == calls)
		world_active_free_note(x->vm, op->a);
}

static void op_ioasid_find(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ptr_result(x->in->api.ioasid_find(op->set, op->a, NULL), ev);
}

static bool getter_true(void *priv)
{
	return true;
}

static bool getter_false(void *priv)
{
	return false;
}

static void op_ioasid_find_getter(const struct op_ctx *x, const struct sim_op *op,
				  struct sim_event *ev)
{
	bool (*getter)(void *) = op->b == 1 ? getter_true : op->b == 2 ? getter_false : NULL;

	ptr_result(x->in->api.ioasid_find(op->set, op->a, getter), ev);
}

/*
 * On success ioasid_set_data() promises that no lock-free reader can still
 * see the old private data (docs/api.md): the caller may free it at once. A
 * reader that was inside its read-side section before the call and still is
 * (schedule fuzzing preempts readers there) would read it after that free.
 */
static void op_ioasid_set_data(const struct op_ctx *x, const struct sim_op *op,
			       struct sim_event *ev)
{
	struct sim_rcu_snap before;

	sim_rcu_snapshot(&before);
	if (x->vm) {
		x->vm->set_data_calls++;
		x->vm->set_data_running++;
	}
	ev->result = x->in->api.ioasid_set_data(op->a, (void *)(uintptr_t)op->arg);
	if (x->vm)
		x->vm->set_data_running--;
	if (!ev->result && sim_rcu_snapshot_held(&before))
		sim_finding_add(NULL, SIM_FINDING_RCU, __FILE__, __LINE__,
				"ioasid_set_data(%u) returned while a reader inside its read-side "
				"section since before the call still is: freeing the old private "
				"data now would free it under that reader", op->a);
}

/* A register of vIOMMU @op->a at offset @op->b, @width bytes wide, or NULL. */
static void __iomem *vm_reg(const struct op_ctx *x, const struct sim_op *op, unsigned int width)
{
	if (!x->vm->vtd || op->a >= x->w->p.viommus || op->b > VTD_WINDOW_SIZE - width ||
	    !x->vm->vtd[op->a])
		return NULL;
	return (char __iomem *)vtd_regs(x->vm->vtd[op->a]) + op->b;
}

/* A hostile guest's raw access of @width bytes (4 or 8) to a vIOMMU register. */
static void reg_access(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev,
		       unsigned int width, bool write)
{
	void __iomem *reg = vm_reg(x, op, width);

	if (!reg)
		ev->result = -EINVAL;
	else if (write && width == 8)
		writeq(op->arg, reg);
	else if (write)
		writel((u32)op->arg, reg);
	else
		ev->value = width == 8 ? readq(reg) : readl(reg);
}

static void op_reg_write(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	reg_access(x, op, ev, 8, true);
}

static void op_reg_read(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	reg_access(x, op, ev, 8, false);
}

static void op_reg_write32(const struct op_ctx *x, const struct sim_op *op,
			   struct sim_event *ev)
{
	reg_access(x, op, ev, 4, true);
}

static void op_reg_read32(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	reg_access(x, op, ev, 4, false);
}

static void op_virtio_raw(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	u8 out[12], in[8] = { 0 };
	u64 v = 0;

	for (int i = 0; i < 8; i++)
		out[i] = op->arg >> (8 * i);
	for (int i = 0; i < 4; i++)
		out[8 + i] = op->b >> (8 * i);
	if (!x->vm->vdev) {
		ev->result = -ENODEV;
		return;
	}
	ev->result = sim_vmm_virtio_request(x->vm->vmm, x->vm->vdev, out,
					    op->a < sizeof(out) ? op->a : sizeof(out), in,
					    sizeof(in), x->w->p.virtio_timeout_ns);
	for (int i = 7; i >= 0; i--)
		v = v << 8 | in[i];
	ev->value = v;
	x->vm->hostile = true;
}

/* VM teardown, on one of its vCPUs: the VMM process exits, the host reclaims. */
/* Under the VMM's lock: what the VM holds becomes what must go with it, then it goes. */
static void vm_teardown(struct vfio_pasid_vm *hvm, void *arg)
{
	struct world_vm *vm = arg;

	world_zombies_note(vm->w, vm);
	vm->w->vfio_destroy(hvm);
}

void world_vm_destroy(struct sim_world *w, struct world_vm *vm)
{
	vm->dead = true;
	if (sim_cpu_current() && vm->inst.k == sim_kernel_current())
		sim_cpu_advance(w->p.cost.vm_exit_ns);	/* the guest's last exit */
	sim_vmm_kill(vm->vmm, vm_teardown, vm);
	vm->hvm = NULL;
}

static void op_vm_destroy(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	world_vm_destroy(x->w, x->vm);
}

static void op_vm_create(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ev->result = x->vm->off ? world_vm_boot(x->w, x->vm) : -EEXIST;
}

static void op_plug(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ev->result = world_plug(x->w, x->vm, op->a);
}

static void op_unplug(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ev->result = world_unplug(x->w, x->vm, op->a);
}

/* The allocator ops of the driver bound to slot @op->a, or NULL. */
static struct ioasid_allocator_ops *slot_allocator(const struct op_ctx *x, const struct sim_op *op)
{
	if (x->vm->hotplug)
		return NULL;	/* the driver is being bound or removed */
	if (x->w->p.path == SIM_WORLD_PATH_VIRTIO)
		return !op->a && x->vm->vpdev ? &x->vm->vpdev->allocator : NULL;
	if (op->a >= x->w->p.viommus || !x->vm->iommus[op->a] ||
	    !x->vm->iommus[op->a]->allocator.alloc)
		return NULL;	/* no driver there, or one without VCMD (ECAP.VCS = 0) */
	return &x->vm->iommus[op->a]->allocator;
}

/*
 * The allocator calls hold the VM's hot-plug slot while they run (they sleep
 * on the I/O ASID locks): an unplug meanwhile gets -EBUSY instead of freeing
 * the ops under them.
 */
static void allocator_call(const struct op_ctx *x, const struct sim_op *op,
			   struct sim_event *ev, bool reg)
{
	struct ioasid_allocator_ops *ops = slot_allocator(x, op);

	if (!ops) {
		ev->result = -ENODEV;
		return;
	}
	x->vm->hotplug = true;
	if (reg)
		ev->result = x->in->api.ioasid_register_allocator(ops);
	else
		x->in->api.ioasid_unregister_allocator(ops);
	x->vm->hotplug = false;
}

static void op_allocator_unregister(const struct op_ctx *x, const struct sim_op *op,
				    struct sim_event *ev)
{
	allocator_call(x, op, ev, false);
}

static void op_allocator_register(const struct op_ctx *x, const struct sim_op *op,
				  struct sim_event *ev)
{
	allocator_call(x, op, ev, true);
}

/* ---- the host's custom allocators: halloc.c ----------------------------------------- */

void sim_world_set_visitor(struct sim_world *w, sim_world_visit_fn fn, void *arg)
{
	w->visit_fn = fn;
	w->visit_arg = arg;
}

static void op_host_allocator(const struct op_ctx *x, const struct sim_op *op,
			      struct sim_event *ev, bool reg)
{
	struct ioasid_allocator_ops *ops;

	if (op->a >= WORLD_HOST_ALLOCATORS) {
		ev->result = -EINVAL;
		return;
	}
	ops = &x->w->halloc[op->a];
	if (reg)
		ev->result = x->in->api.ioasid_register_allocator(ops);
	else
		x->in->api.ioasid_unregister_allocator(ops);
}

static void op_host_allocator_register(const struct op_ctx *x, const struct sim_op *op,
				       struct sim_event *ev)
{
	op_host_allocator(x, op, ev, true);
}

static void op_host_allocator_unregister(const struct op_ctx *x, const struct sim_op *op,
					 struct sim_event *ev)
{
	op_host_allocator(x, op, ev, false);
}

/*
 * Host VFIO requests name their VM in @op->arg; each goes through that VM's
 * VMM (under its big lock), so none races the VM's destruction.
 */
struct host_call {
	struct sim_world *w;
	const struct sim_op *op;
	ioasid_t id;
};

static int hc_alloc(struct vfio_pasid_vm *hvm, void *arg)
{
	struct host_call *hc = arg;

	return hc->w->vmm_host.alloc(hvm, hc->op->a, hc->op->b, &hc->id);
}

static int hc_free(struct vfio_pasid_vm *hvm, void *arg)
{
	struct host_call *hc = arg;

	return hc->w->vmm_host.free(hvm, hc->op->a);
}

static int hc_free_range(struct vfio_pasid_vm *hvm, void *arg)
{
	struct host_call *hc = arg;

	return hc->w->vfio_free_range(hvm, hc->op->a, hc->op->b);
}

static int hc_lookup(struct vfio_pasid_vm *hvm, void *arg)
{
	struct host_call *hc = arg;

	return hc->w->vfio_lookup(hvm, hc->op->a);
}

static int hc_set_quota(struct vfio_pasid_vm *hvm, void *arg)
{
	struct host_call *hc = arg;

	return hc->w->vfio_set_quota(hvm, hc->op->a);
}

static int host_call(const struct op_ctx *x, const struct sim_op *op,
		     int (*fn)(struct vfio_pasid_vm *hvm, void *arg), ioasid_t *id)
{
	struct host_call hc = { x->w, op, 0 };
	int ret;

	if (op->arg >= x->w->p.nvms)
		return -ENODEV;
	ret = sim_vmm_call(x->w->vms[op->arg].vmm, fn, &hc);
	if (id)
		*id = hc.id;
	return ret;
}

static void op_host_alloc(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ioasid_t id = 0;

	ev->result = host_call(x, op, hc_alloc, &id);
	ev->value = ev->result ? 0 : id;
}

static void op_host_free(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ev->result = host_call(x, op, hc_free, NULL);
}

static void op_host_free_range(const struct op_ctx *x, const struct sim_op *op,
			       struct sim_event *ev)
{
	ev->result = host_call(x, op, hc_free_range, NULL);
}

static void op_host_set_quota(const struct op_ctx *x, const struct sim_op *op,
			      struct sim_event *ev)
{
	ev->result = host_call(x, op, hc_set_quota, NULL);
}

static void op_host_vm_destroy(const struct op_ctx *x, const struct sim_op *op,
			       struct sim_event *ev)
{
	if (op->arg < x->w->p.nvms && x->w->vms[op->arg].hvm)
		world_vm_destroy(x->w, &x->w->vms[op->arg]);
	else
		ev->result = -ENODEV;
}

static void op_host_lookup(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ev->result = host_call(x, op, hc_lookup, NULL);
}

/*
 * The operation vocabulary of the executor: name, where it may run, whether
 * it needs a consumer (the VM's booted one in a guest unless sim_op.consumer
 * names another; sim_op.consumer on the host), and what it runs.
 */
#define NEEDS_CONSUMER	1u	/* the VM's own, or sim_op.consumer */
#define NEEDS_GIVEN	2u	/* sim_op.consumer, always */
#define READ_ONLY	4u	/* changes nothing: sim_world_query() may run it */

static const struct {
	const char *name;
	unsigned int where, needs;
	op_fn run;
} op_table[SIM_OP__COUNT] = {
	[SIM_OP_ALLOC] = { "alloc", ON_ANY, NEEDS_CONSUMER, op_alloc },
	[SIM_OP_FREE] = { "free", ON_ANY, NEEDS_CONSUMER, op_free },
	[SIM_OP_FIND] = { "find", ON_ANY, NEEDS_CONSUMER | READ_ONLY, op_find },
	[SIM_OP_FOR_EACH] = { "for_each", ON_ANY, NEEDS_CONSUMER | READ_ONLY, op_for_each },
	[SIM_OP_REG_WRITE] = { "reg_write", ON_GUEST, 0, op_reg_write },
	[SIM_OP_REG_READ] = { "reg_read", ON_GUEST, 0, op_reg_read },
	[SIM_OP_VM_DESTROY] = { "vm_destroy", ON_GUEST, 0, op_vm_destroy },
	[SIM_OP_HOST_ALLOC] = { "host_alloc", ON_HOST, 0, op_host_alloc },
	[SIM_OP_HOST_FREE] = { "host_free", ON_HOST, 0, op_host_free },
	[SIM_OP_HOST_FREE_RANGE] = { "host_free_range", ON_HOST, 0, op_host_free_range },
	[SIM_OP_HOST_LOOKUP] = { "host_lookup", ON_HOST, 0, op_host_lookup },
	[SIM_OP_INIT] = { "init", ON_ANY, NEEDS_GIVEN, op_init },
	[SIM_OP_EXIT] = { "exit", ON_ANY, NEEDS_GIVEN, op_exit },
	[SIM_OP_IOASID_ALLOC] = { "ioasid_alloc", ON_ANY, 0, op_ioasid_alloc },
	[SIM_OP_IOASID_FREE] = { "ioasid_free", ON_ANY, 0, op_ioasid_free },
	[SIM_OP_IOASID_FIND] = { "ioasid_find", ON_ANY, READ_ONLY, op_ioasid_find },
	[SIM_OP_IOASID_SET_DATA] = { "ioasid_set_data", ON_ANY, 0, op_ioasid_set_data },
	[SIM_OP_REG_WRITE32] = { "reg_write32", ON_GUEST, 0, op_reg_write32 },
	[SIM_OP_REG_READ32] = { "reg_read32", ON_GUEST, 0, op_reg_read32 },
	[SIM_OP_VIOMMU_PLUG] = { "viommu_plug", ON_GUEST, 0, op_plug },
	[SIM_OP_VIOMMU_UNPLUG] = { "viommu_unplug", ON_GUEST, 0, op_unplug },
	[SIM_OP_ALLOCATOR_UNREGISTER] = { "allocator_unregister", ON_GUEST, 0,
					  op_allocator_unregister },
	[SIM_OP_ALLOCATOR_REGISTER] = { "allocator_register", ON_GUEST, 0,
					op_allocator_register },
	[SIM_OP_HOST_SET_QUOTA] = { "host_set_quota", ON_HOST, 0, op_host_set_quota },
	[SIM_OP_HOST_VM_DESTROY] = { "host_vm_destroy", ON_HOST, 0, op_host_vm_destroy },
	[SIM_OP_VIRTIO_RAW] = { "virtio_raw", ON_GUEST, 0, op_virtio_raw },
	[SIM_OP_VM_CREATE] = { "vm_create", ON_GUEST, 0, op_vm_create },
	[SIM_OP_HOST_ALLOCATOR_REGISTER] = { "host_allocator_register", ON_HOST, 0,
					     op_host_allocator_register },
	[SIM_OP_HOST_ALLOCATOR_UNREGISTER] = { "host_allocator_unregister", ON_HOST, 0,
					       op_host_allocator_unregister },
	[SIM_OP_PASID_SET_OPS] = { "set_ops", ON_ANY, 0, op_set_ops },
	[SIM_OP_INIT_OPS] = { "init_ops", ON_ANY, NEEDS_GIVEN, op_init_ops },
	[SIM_OP_FAULT_NEXT] = { "fault_next", ON_ANY, 0, op_fault_next },
	[SIM_OP_PASID_NULL_ARG] = { "null_arg", ON_ANY, 0, op_null_arg },
	[SIM_OP_FOR_EACH_STOP] = { "for_each_stop", ON_ANY, NEEDS_CONSUMER, op_for_each_stop },
	[SIM_OP_FOR_EACH_FREE] = { "for_each_free", ON_ANY, NEEDS_CONSUMER, op_for_each_free },
	[SIM_OP_IOASID_FIND_GETTER] = { "ioasid_find_getter", ON_ANY, READ_ONLY,
					op_ioasid_find_getter },
};

const char *sim_op_name(enum sim_op_kind kind)
{
	return kind < SIM_OP__COUNT && op_table[kind].name ? op_table[kind].name : "?";
}

/* Run @op on a CPU of VM @vm (SIM_WORLD_HOST: the host). */
void world_run_op(struct sim_world *w, int vm, const struct sim_op *op, struct sim_event *ev)
{
	struct op_ctx x = { .w = w };

	if (vm == SIM_WORLD_HOST) {
		x.in = &w->host;
		x.cons = op->consumer;
	} else {
		x.vm = &w->vms[vm];
		x.in = &x.vm->inst;
		x.cons = op->consumer ? op->consumer : x.vm->consumer;
		/* while a VM_CREATE boots it, nothing but a VM_DESTROY runs there */
		if (x.vm->dead || (x.vm->off && op->kind != SIM_OP_VM_CREATE) ||
		    (x.vm->booting && op->kind != SIM_OP_VM_DESTROY)) {
			ev->result = x.vm->booting && op->kind == SIM_OP_VM_CREATE ? -EBUSY :
				     -ENODEV;
			return;
		}
	}
	if ((op_table[op->kind].needs & NEEDS_GIVEN && !op->consumer) ||
	    (op_table[op->kind].needs & NEEDS_CONSUMER && !x.cons)) {
		ev->result = -EINVAL;
		return;
	}
	if (x.in->fault_pending && op->kind != SIM_OP_FAULT_NEXT) {
		/* SIM_OP_FAULT_NEXT armed this operation's allocation failures */
		x.in->fault_pending = false;
		x.in->fault_pos = 0;
		sim_fault_set_hook(x.in->k, fault_next_hook, x.in);
		op_table[op->kind].run(&x, op, ev);
		sim_fault_set_hook(x.in->k, NULL, NULL);
	} else {
		op_table[op->kind].run(&x, op, ev);
	}
	/*
	 * For the invariants: what a guest allocation handed out; a guest that
	 * writes its vIOMMU's registers itself holds what its kernel does not.
	 */
	if (x.vm && (op->kind == SIM_OP_REG_WRITE || op->kind == SIM_OP_REG_WRITE32))
		x.vm->hostile = true;
	if (x.vm && !ev->result && (op->kind == SIM_OP_ALLOC || op->kind == SIM_OP_IOASID_ALLOC))
		world_seen_add(x.vm, ev->value);
}

int sim_world_query(struct sim_world *w, int vm, const struct sim_op *op, struct sim_event *ev)
{
	struct op_ctx x = { .w = w };
	struct sim_kernel *prev;

	memset(ev, 0, sizeof(*ev));
	if (op->kind >= SIM_OP__COUNT || !(op_table[op->kind].needs & READ_ONLY))
		return -EINVAL;
	if (vm == SIM_WORLD_HOST) {
		x.in = &w->host;
		x.cons = op->consumer;
	} else if (vm >= 0 && (unsigned int)vm < w->p.nvms && !w->vms[vm].dead &&
		   !w->vms[vm].off && !w->vms[vm].booting) {
		x.vm = &w->vms[vm];
		x.in = &x.vm->inst;
		x.cons = op->consumer ? op->consumer : x.vm->consumer;
	} else {
		return -EINVAL;
	}
	ev->vm = vm;
	ev->kind = op->kind;
	ev->a = op->a;
	ev->b = op->b;
	ev->arg = op->arg;
	ev->cookie = op->cookie;
	if (op_table[op->kind].needs & NEEDS_CONSUMER && !x.cons) {
		ev->result = -EINVAL;
		return 0;
	}
	prev = sim_kernel_enter(x.in->k);
	op_table[op->kind].run(&x, op, ev);
	sim_kernel_leave(prev);
	return 0;
}

bool world_op_allowed(enum sim_op_kind kind, bool host)
{
	return kind < SIM_OP__COUNT && (op_table[kind].where & (host ? ON_HOST : ON_GUEST));
}
