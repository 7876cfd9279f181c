// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the deterministic multi-VM world (see <sim/world.h>,
 * docs/world.md).
 *
 * Instances. The host and every guest are a struct sim_kernel with a private
 * copy of core/. Kernel code of an instance is reached only through its
 * copy's symbols (sim_core_sym), called with that instance current.
 *
 * Per VM: a VMM (sim/vmm), the devices (VT-d register files, or one
 * virtio-iommu device) whose backend is the VMM, the guest driver's state
 * (struct pv_vtd_iommu or struct virtio_pasid_dev), one iommu_pasid consumer
 * shared by the VM's vCPUs, and the host's struct vfio_pasid_vm. These
 * structures live in world memory (libc), not in slab: resetting an
 * instance frees its slab objects and restores its copy's globals, after
 * which the world zeroes them and boots the instance again.
 *
 * CPUs run a loop: take the next operation of their queue, run it, log it,
 * yield (an operation boundary); park when the queue is empty.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/err.h>
#include <linux/intel-pasid.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/iommu-pasid.h>
#include <linux/vfio-pasid.h>
#include <linux/virtio-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/task.h>
#include <sim/virtio-iommu.h>
#include <sim/vmm.h>
#include <sim/vtd.h>
#include <sim/world.h>

#include "world-int.h"

#define SYM(w, field, name) do {					\
	*(void **)&(w)->field = sim_core_sym((w)->host.core, name);	\
	if (!(w)->field) {						\
		snprintf(err, errlen, "host core copy has no symbol %s", name); \
		return -1;						\
	}								\
} while (0)


/* ---- parameters ---------------------------------------------------------------- */

void sim_world_params_init(struct sim_world_params *p)
{
	memset(p, 0, sizeof(*p));
	p->nvms = 1;
	p->vcpus = 1;
	p->viommus = 1;
	p->host_cpus = 1;
	p->path = SIM_WORLD_PATH_VTD;
	vtd_params_init(&p->vtd, VTD_LAYOUT_33);
	virtio_iommu_faults_init(&p->virtio_faults);
	p->quota = 0;
	p->host_flavour = "pasidsim";
	p->guest_flavour = "pasidsim";
	p->seed = 1;
	p->cost = sim_cost_default;
	p->checks = true;
}

struct sim_sched *sim_world_sched(struct sim_world *w)
{
	return w->sched;
}

const struct sim_world_params *sim_world_params(const struct sim_world *w)
{
	return &w->p;
}

const char *sim_world_flavour(const struct sim_world *w, int vm)
{
	if (vm == SIM_WORLD_HOST)
		return sim_core_flavour(w->host.core);
	if (vm < 0 || (unsigned int)vm >= w->p.nvms)
		return NULL;
	return sim_core_flavour(w->vms[vm].inst.core);
}

/* ---- instances ------------------------------------------------------------------ */

static const struct {
	const char *name;
	size_t off;
} api_syms[] = {
#define API_SYM(f, n) { n, offsetof(struct world_api, f) }
	API_SYM(pasid_init, "iommu_pasid_init"),
	API_SYM(pasid_alloc, "iommu_pasid_alloc"),
	API_SYM(pasid_free, "iommu_pasid_free"),
	API_SYM(pasid_find, "iommu_pasid_find"),
	API_SYM(pasid_for_each, "iommu_pasid_for_each"),
	API_SYM(pasid_exit, "iommu_pasid_exit"),
	API_SYM(ioasid_alloc, "ioasid_alloc"),
	API_SYM(ioasid_free, "ioasid_free"),
	API_SYM(ioasid_find, "ioasid_find"),
	API_SYM(ioasid_set_data, "ioasid_set_data"),
	API_SYM(ioasid_register_allocator, "ioasid_register_allocator"),
	API_SYM(ioasid_unregister_allocator, "ioasid_unregister_allocator"),
	API_SYM(pasid_set_ops, "iommu_pasid_set_ops"),
	API_SYM(pasid_free_locked, "__iommu_pasid_free"),
#undef API_SYM
};

static int inst_api(struct world_inst *in, const char *name, char *err, size_t errlen)
{
	for (size_t i = 0; i < ARRAY_SIZE(api_syms); i++) {
		void *f = sim_core_sym(in->core, api_syms[i].name);

		if (!f) {
			snprintf(err, errlen, "%s: core copy has no symbol %s", name,
				 api_syms[i].name);
			return -1;
		}
		memcpy((char *)&in->api + api_syms[i].off, &f, sizeof(f));
	}
	return 0;
}

static int inst_load(struct sim_world *w, struct world_inst *in, const char *name,
		     const char *flavour, char *err, size_t errlen)
{
	char path[4096], why[512];

	in->core = sim_core_load(sim_core_path(flavour, path, sizeof(path)), why, sizeof(why));
	if (!in->core) {
		snprintf(err, errlen, "%s: %s", name, why);
		return -1;
	}
	in->k = sim_kernel_create(name);
	return inst_api(in, name, err, errlen);
}

static void inst_reset(struct world_inst *in)
{
	sim_kernel_reset(in->k);
	sim_core_reset(in->core);
	in->fault_pending = false;
}

static void inst_free(struct world_inst *in)
{
	if (in->k) {
		sim_kernel_reset(in->k);
		sim_kernel_destroy(in->k);
	}
	sim_core_unload(in->core);
	in->k = NULL;
	in->core = NULL;
}

static int host_syms(struct sim_world *w, char *err, size_t errlen)
{
	struct world_inst *in = &w->host;

	SYM(w, vfio_create, "vfio_pasid_vm_create");
	SYM(w, vfio_destroy, "vfio_pasid_vm_destroy");
	SYM(w, vfio_free_range, "vfio_pasid_free_range");
	SYM(w, vfio_lookup, "vfio_pasid_lookup");
	SYM(w, vfio_count, "vfio_pasid_count");
	SYM(w, vfio_quota, "vfio_pasid_quota");
	SYM(w, vfio_refused, "vfio_pasid_refused_frees");
	SYM(w, vfio_set_quota, "vfio_pasid_set_quota");
	SYM(w, vfio_for_each, "vfio_pasid_for_each");
	*(void **)&w->vmm_host.alloc = sim_core_sym(in->core, "vfio_pasid_alloc");
	*(void **)&w->vmm_host.free = sim_core_sym(in->core, "vfio_pasid_free");
	if (!w->vmm_host.alloc || !w->vmm_host.free) {
		snprintf(err, errlen, "host core copy lacks vfio_pasid_alloc/free");
		return -1;
	}
	w->vmm_host.k = in->k;
	return 0;
}

#undef SYM
#define SYM(vm, field, name) do {					\
	*(void **)&(vm)->field = sim_core_sym((vm)->inst.core, name);	\
	if (!(vm)->field) {						\
		snprintf(err, errlen, "guest core copy has no symbol %s", name); \
		return -1;						\
	}								\
} while (0)

static int guest_syms(struct world_vm *vm, char *err, size_t errlen)
{
	SYM(vm, vtd_init, "pv_vtd_iommu_init");
	SYM(vm, vtd_exit, "pv_vtd_iommu_exit");
	SYM(vm, vtd_active, "pv_vtd_iommu_vcmd_active");
	SYM(vm, vp_remove, "virtio_pasid_remove");
	SYM(vm, vp_probe, "virtio_pasid_probe");
	return 0;
}

/* ---- boot ------------------------------------------------------------------------ */

static struct sim_slab_stats host_stats(struct sim_world *w)
{
	struct sim_slab_stats st;

	sim_slab_stats(w->host.k, &st);
	return st;
}

static int boot_host(struct sim_world *w, char *err, size_t errlen)
{
	struct sim_kernel *prev = sim_kernel_enter(w->host.k);
	int ret = 0;

	w->host_baseline = host_stats(w).live_objects;
	world_halloc_init(w);
	for (unsigned int i = 0; i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		vm->dead = false;
		vm->set_data_running = 0;	/* a run a panic stopped may leave one */
		vm->booting = false;
		vm->off = vm->late;
		vm->hvm = NULL;
		if (vm->vmm)
			sim_vmm_set_hvm(vm->vmm, NULL);
		if (vm->off)
			continue;	/* its host state comes with SIM_OP_VM_CREATE */
		vm->hvm = w->vfio_create(vm->name, vm->quota);
		if (IS_ERR_OR_NULL(vm->hvm)) {
			vm->hvm = NULL;
			snprintf(err, errlen, "host: vfio_pasid_vm_create(%s) failed", vm->name);
			ret = -1;
			break;
		}
		if (vm->vmm)
			sim_vmm_set_hvm(vm->vmm, vm->hvm);
	}
	sim_kernel_leave(prev);
	return ret;
}

static void cpu_main(struct sim_cpu *cpu, void *arg);

/*
 * Off every CPU (boot, the invariant checks after a run), the world's
 * instances read the scheduler's clock: virtual, so lockstat stays
 * deterministic. On a CPU, its own clock wins (sim_clock_ns()).
 */
static u64 world_clock(void *arg)
{
	struct sim_world *w = arg;

	return w->sched ? sim_sched_now(w->sched) : 0;
}

static void world_clocks(struct sim_world *w)
{
	sim_kernel_set_clock(w->host.k, world_clock, w);
	for (unsigned int i = 0; i < w->p.nvms; i++)
		sim_kernel_set_clock(w->vms[i].inst.k, world_clock, w);
}

static void cpus_create(struct sim_world *w)
{
	char name[32];

	w->sched = sim_sched_create(&w->p.cost, w->p.seed);
	sim_sched_set_time_limit(w->sched, w->p.time_limit_ns);
	sim_sched_set_hold_log(w->sched, w->p.hold_log);
	sim_sched_set_pcpus(w->sched, w->p.pcpus);
	for (unsigned int v = 0; v < w->p.nvms; v++) {
		struct world_vm *vm = &w->vms[v];

		for (unsigned int c = 0; c < w->p.vcpus; c++) {
			snprintf(name, sizeof(name), "%s.cpu%u", vm->name, c);
			vm->cpus[c].cpu = sim_cpu_create(w->sched, name, vm->inst.k, cpu_main,
							 &vm->cpus[c], 0, 0);
		}
		sim_set_panic_handler(vm->inst.k, sim_sched_panic_handler, w->sched);
	}
	for (unsigned int c = 0; c < w->p.host_cpus; c++) {
		snprintf(name, sizeof(name), "host.cpu%u", c);
		w->host_cpus[c].cpu = sim_cpu_create(w->sched, name, w->host.k, cpu_main,
						     &w->host_cpus[c], 0, 0);
	}
	sim_set_panic_handler(w->host.k, sim_sched_panic_handler, w->sched);
	world_clocks(w);
}

static void wcpu_init(struct sim_world *w, struct wcpu *c, int vm, unsigned int idx)
{
	c->w = w;
	c->vm = vm;
	c->idx = idx;
}

/* VM @i of @p: its instance and core copy, consumer and vCPUs (not booted yet). */
static int vm_load(struct sim_world *w, const struct sim_world_params *p, unsigned int i,
		   char *err, size_t errlen)
{
	struct world_vm *vm = &w->vms[i];

	vm->w = w;
	vm->idx = i;
	snprintf(vm->name, sizeof(vm->name), "vm%u", i);
	vm->quota = p->quota ? p->quota : VFIO_PASID_DEFAULT_QUOTA;
	if (p->quotas && p->quotas[i])
		vm->quota = p->quotas[i];
	vm->late = p->late && p->late[i];
	if (inst_load(w, &vm->inst, vm->name,
		      p->guest_flavours && p->guest_flavours[i] ?
		      p->guest_flavours[i] : w->p.guest_flavour, err, errlen) ||
	    guest_syms(vm, err, errlen))
		return -1;
	vm->consumer = calloc(1, sizeof(*vm->consumer));
	vm->cpus = calloc(p->vcpus, sizeof(*vm->cpus));
	if (!vm->consumer || !vm->cpus) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int c = 0; c < p->vcpus; c++)
		wcpu_init(w, &vm->cpus[c], i, c);
	return 0;
}

struct sim_world *sim_world_create(const struct sim_world_params *p, char *err, size_t errlen)
{
	struct sim_world *w;

	err[0] = '\0';
	if (p->nvms > SIM_WORLD_MAX_VMS || !p->vcpus || !p->host_cpus ||
	    (p->path == SIM_WORLD_PATH_VTD && !p->viommus)) {
		snprintf(err, errlen, "invalid world parameters");
		return NULL;
	}
	if ((u64)p->nvms * p->vcpus + p->host_cpus > SIM_WORLD_MAX_CPUS) {
		snprintf(err, errlen, "%llu simulated CPUs (%u VMs x %u vCPUs + %u host CPUs) "
			 "exceed the world's limit of %u", (unsigned long long)p->nvms * p->vcpus +
			 p->host_cpus, p->nvms, p->vcpus, p->host_cpus, SIM_WORLD_MAX_CPUS);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto oom;
	w->p = *p;
	if (!w->p.host_flavour)
		w->p.host_flavour = "pasidsim";
	if (!w->p.guest_flavour)
		w->p.guest_flavour = "pasidsim";
	if (!w->p.cost.version)
		w->p.cost = sim_cost_default;
	if (!w->p.virtio_timeout_ns)
		w->p.virtio_timeout_ns = 1000000000ull;
	w->p.quotas = NULL;	/* copied into the VMs below */
	w->p.late = NULL;
	w->p.guest_flavours = NULL;
	w->hash = 0xcbf29ce484222325ull;

	if (inst_load(w, &w->host, "host", w->p.host_flavour, err, errlen) ||
	    host_syms(w, err, errlen))
		goto fail;
	w->vms = calloc(p->nvms ? p->nvms : 1, sizeof(*w->vms));
	w->host_cpus = calloc(p->host_cpus, sizeof(*w->host_cpus));
	if (!w->vms || !w->host_cpus)
		goto oom;
	for (unsigned int c = 0; c < p->host_cpus; c++)
		wcpu_init(w, &w->host_cpus[c], SIM_WORLD_HOST, c);

	for (unsigned int i = 0; i < p->nvms; i++)
		if (vm_load(w, p, i, err, errlen))
			goto fail;

	if (boot_host(w, err, errlen))
		goto fail;
	for (unsigned int i = 0; i < p->nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		vm->vmm = sim_vmm_create(vm->name, &w->vmm_host, vm->hvm, &w->p.cost);
		if (!vm->vmm)
			goto oom;
		if (p->path == SIM_WORLD_PATH_VTD) {
			vm->vtd = calloc(p->viommus, sizeof(*vm->vtd));
			vm->iommus = calloc(p->viommus, sizeof(*vm->iommus));
			vm->kept_iommus = calloc(p->viommus, sizeof(*vm->kept_iommus));
			vm->absent_base = calloc(p->viommus, sizeof(*vm->absent_base));
			if (!vm->vtd || !vm->iommus || !vm->kept_iommus || !vm->absent_base)
				goto oom;
		}
		if (!vm->off && world_boot_guest(w, vm, err, errlen))
			goto fail;
	}
	cpus_create(w);
	return w;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	sim_world_destroy(w);
	return NULL;
}

void sim_world_destroy(struct sim_world *w)
{
	if (!w)
		return;
	sim_sched_destroy(w->sched);
	for (unsigned int i = 0; w->vms && i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		for (unsigned int d = 0; vm->vtd && d < w->p.viommus; d++)
			vtd_destroy(vm->vtd[d]);
		for (size_t d = 0; d < vm->nold_vtd; d++)
			vtd_destroy(vm->old_vtd[d]);
		if (vm->vdev)
			virtio_iommu_destroy(vm->vdev);
		for (size_t d = 0; d < vm->nold_vdev; d++)
			virtio_iommu_destroy(vm->old_vdev[d]);
		sim_vmm_destroy(vm->vmm);
		inst_free(&vm->inst);
		for (unsigned int c = 0; vm->cpus && c < w->p.vcpus; c++)
			free(vm->cpus[c].q);
		free(vm->vtd);
		free(vm->iommus);
		free(vm->kept_iommus);
		free(vm->absent_base);
		free(vm->old_vtd);
		free(vm->old_vdev);
		world_check_free(vm);
		free(vm->consumer);
		free(vm->cpus);
	}
	inst_free(&w->host);
	world_halloc_free(w);
	for (unsigned int c = 0; w->host_cpus && c < w->p.host_cpus; c++)
		free(w->host_cpus[c].q);
	free(w->host_cpus);
	free(w->vms);
	free(w->events);
	free(w);
}

static double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

void sim_world_vtd_params(const struct sim_world *w, unsigned int d, struct vtd_params *out)
{
	const struct sim_world_vtd_slot *s = d < SIM_WORLD_VTD_SLOTS ? &w->p.vtd_slot[d] : NULL;

	*out = w->p.vtd;
	if (!s || !s->set)
		return;
	out->pss = s->pss;
	out->vcs = s->vcs;
	out->pas = s->pas;
}

int sim_world_set_knobs(struct sim_world *w, const struct sim_world_vtd_slot *slots,
			bool replug_keeps_state)
{
	for (unsigned int d = 0; slots && d < SIM_WORLD_VTD_SLOTS; d++)
		if (slots[d].set && slots[d].pss > 19)
			return -EINVAL;
	for (unsigned int d = 0; d < SIM_WORLD_VTD_SLOTS; d++) {
		struct sim_world_vtd_slot s = slots ? slots[d] : (struct sim_world_vtd_slot){ 0 };

		if (memcmp(&s, &w->p.vtd_slot[d], sizeof(s)))
			w->knobs_changed = true;
		w->p.vtd_slot[d] = s;
	}
	w->p.replug_keeps_state = replug_keeps_state;
	return 0;
}

int sim_world_set_late(struct sim_world *w, unsigned int vm, bool late)
{
	if (vm >= w->p.nvms)
		return -EINVAL;
	w->vms[vm].late = late;
	return 0;
}

bool sim_world_late(const struct sim_world *w, unsigned int vm)
{
	return vm < w->p.nvms && w->vms[vm].late;
}

/*
 * At a reset: the register file of slot @d, with new knobs if they changed;
 * either way its fault knobs count commands from now, as in a new world (an
 * input behaves the same alone and in a campaign).
 */
static void vtd_reset_slot(struct sim_world *w, struct vtd_dev *dev, unsigned int d)
{
	struct vtd_params vp;
	struct vtd_faults f;

	if (w->knobs_changed) {
		sim_world_vtd_params(w, d, &vp);
		vtd_reconfigure(dev, &vp);
		return;
	}
	vtd_reset(dev);
	vtd_get_faults(dev, &f);
	vtd_set_faults(dev, &f);	/* the drop counter starts again */
}

int sim_world_reset(struct sim_world *w)
{
	char err[256];
	double t0;

	/* CPUs first: an abandoned CPU's task may still claim locks. */
	sim_sched_destroy(w->sched);
	w->sched = NULL;
	/* no CPU can be inside an unplugged device model any more: free them */
	for (unsigned int i = 0; i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		for (size_t d = 0; d < vm->nold_vtd; d++)
			vtd_destroy(vm->old_vtd[d]);
		for (size_t d = 0; d < vm->nold_vdev; d++)
			virtio_iommu_destroy(vm->old_vdev[d]);
		vm->nold_vtd = vm->nold_vdev = 0;
	}
	t0 = wall_ns();
	inst_reset(&w->host);
	for (unsigned int i = 0; i < w->p.nvms; i++)
		inst_reset(&w->vms[i].inst);
	w->reset_ns = (wall_ns() - t0) / (w->p.nvms + 1);

	for (unsigned int i = 0; i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		for (unsigned int d = 0; vm->vtd && d < w->p.viommus; d++)
			if (vm->vtd[d])
				vtd_reset_slot(w, vm->vtd[d], d);
		if (vm->vdev) {
			virtio_iommu_reset(vm->vdev);
			virtio_iommu_set_driver_features(vm->vdev,
							 virtio_iommu_device_features(vm->vdev));
		}
		for (unsigned int c = 0; c < w->p.vcpus; c++)
			vm->cpus[c].n = vm->cpus[c].head = 0;
	}
	w->knobs_changed = false;
	for (unsigned int c = 0; c < w->p.host_cpus; c++)
		w->host_cpus[c].n = w->host_cpus[c].head = 0;
	w->nevents = 0;
	w->hash = 0xcbf29ce484222325ull;
	w->report[0] = '\0';
	w->last_cookie = 0;
	world_check_reset(w);
	if (boot_host(w, err, sizeof(err)))
		return -1;
	for (unsigned int i = 0; i < w->p.nvms; i++) {
		if (w->vms[i].off)
			world_guest_forget(w, &w->vms[i]);
		else if (world_boot_guest(w, &w->vms[i], err, sizeof(err)))
			return -1;
	}
	cpus_create(w);
	return 0;
}

double sim_world_last_reset_ns(const struct sim_world *w)
{
	return w->reset_ns;
}

/* ---- operations ------------------------------------------------------------------ */

/* Does @kind touch a vIOMMU's registers outside the guest driver? */
static bool raw_reg_op(enum sim_op_kind kind)
{
	return kind == SIM_OP_REG_WRITE || kind == SIM_OP_REG_READ ||
	       kind == SIM_OP_REG_WRITE32 || kind == SIM_OP_REG_READ32;
}

static struct wcpu *wcpu_of(struct sim_world *w, int vm, unsigned int cpu)
{
	if (vm == SIM_WORLD_HOST)
		return cpu < w->p.host_cpus ? &w->host_cpus[cpu] : NULL;
	if (vm < 0 || (unsigned int)vm >= w->p.nvms || cpu >= w->p.vcpus)
		return NULL;
	return &w->vms[vm].cpus[cpu];
}

int sim_world_submit(struct sim_world *w, int vm, unsigned int cpu, const struct sim_op *op)
{
	struct wcpu *c = wcpu_of(w, vm, cpu);

	if (!c || op->kind >= SIM_OP__COUNT)
		return -EINVAL;
	if (!world_op_allowed(op->kind, vm == SIM_WORLD_HOST))
		return -EINVAL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct sim_op *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < c->n; i++)
			q[i] = c->q[(c->head + i) & (c->cap - 1)];
		free(c->q);
		c->q = q;
		c->cap = cap;
		c->head = 0;
	}
	c->q[(c->head + c->n) & (c->cap - 1)] = *op;	/* cap: a power of two */
	c->n++;
	if (vm != SIM_WORLD_HOST && raw_reg_op(op->kind))
		w->vms[vm].raw_regs = true;	/* invariants.c: vtd-absent */
	if (c->cpu && sim_cpu_is_idle(c->cpu))
		sim_cpu_wake(c->cpu, 0);
	return 0;
}

/*
 * FNV-1a over 64-bit words, with a fold of the high half after each
 * multiply so that high bits reach the low ones: each step is a bijection of
 * the running value, so two logs that differ in one word always differ.
 */
static inline u64 hash_word(u64 v, u64 word)
{
	v = (v ^ word) * 0x100000001b3ull;
	return v ^ (v >> 32);
}

static void log_event(struct sim_world *w, struct sim_event *ev)
{
	u64 h = w->hash;

	if (w->nevents == w->events_cap) {
		size_t cap = w->events_cap ? 2 * w->events_cap : 1024;
		struct sim_event *e = realloc(w->events, cap * sizeof(*e));

		if (!e) {
			fprintf(stderr, "pasidsim: world: out of memory for the event log\n");
			abort();
		}
		w->events = e;
		w->events_cap = cap;
	}
	ev->seq = w->nevents;
	w->events[w->nevents++] = *ev;
	/* these ten words in this order, one step each (no loop: every event pays it) */
	h = hash_word(h, ev->start_ns);
	h = hash_word(h, ev->end_ns);
	h = hash_word(h, (u64)(s64)ev->vm);
	h = hash_word(h, ev->cpu);
	h = hash_word(h, ev->kind);
	h = hash_word(h, ev->a);
	h = hash_word(h, ev->b);
	h = hash_word(h, ev->arg);
	h = hash_word(h, (u64)(s64)ev->result);
	h = hash_word(h, ev->value);
	w->hash = h;
}

static void quiesce(struct sim_kernel *k);

static void cpu_main(struct sim_cpu *cpu, void *arg)
{
	struct wcpu *c = arg;
	struct sim_world *w = c->w;

	for (;;) {
		while (c->n) {
			struct sim_op op = c->q[c->head];
			struct sim_event ev = { 0 };
			u64 now = sim_clock_ns();

			c->head = (c->head + 1) & (c->cap - 1);
			c->n--;
			/* Submitted for later: idle until then, and let the others catch up. */
			if (op.at_ns > now) {
				sim_cpu_advance(op.at_ns - now);
				sim_cpu_yield();
			}
			ev.start_ns = sim_clock_ns();
			ev.vm = c->vm;
			ev.cpu = c->idx;
			ev.kind = op.kind;
			ev.a = op.a;
			ev.b = op.b;
			ev.arg = op.arg;
			sim_cpu_advance(w->p.cost.op_ns);
			ev.cookie = op.cookie;
			world_run_op(w, c->vm, &op, &ev);
			ev.end_ns = sim_clock_ns();
			w->last_cookie = op.cookie;
			log_event(w, &ev);
			/* An operation boundary: now and then a quiescent state too. */
			if (!(++c->ops % WORLD_QS_EVERY)) {
				sim_rcu_quiescent();
				if (c->vm != SIM_WORLD_HOST)
					quiesce(w->host.k);
			}
			sim_cpu_yield();
		}
		sim_cpu_idle();
	}
}

/* ---- running and results ------------------------------------------------------------- */

/* Run the RCU callbacks of @k that no reader holds back. */
static void quiesce(struct sim_kernel *k)
{
	struct sim_kernel *prev = sim_kernel_enter(k);

	sim_rcu_quiescent();
	sim_kernel_leave(prev);
}

enum sim_sched_result sim_world_run(struct sim_world *w)
{
	enum sim_sched_result r = sim_sched_run(w->sched);
	const char *report;

	/* Every CPU is at an operation boundary: a quiescent state for all. */
	if (r == SIM_SCHED_IDLE) {
		quiesce(w->host.k);
		for (unsigned int i = 0; i < w->p.nvms; i++)
			quiesce(w->vms[i].inst.k);
		world_check(w);
	}

	report = sim_sched_report(w->sched);
	if (report[0] || w->report[0])	/* most runs have nothing to say: no copy */
		snprintf(w->report, sizeof(w->report), "%s", report);
	return r;
}

const char *sim_world_report(const struct sim_world *w)
{
	return w->report;
}

void sim_world_set_tiebreak(struct sim_world *w, sim_tiebreak_fn fn, void *arg)
{
	sim_sched_set_tiebreak(w->sched, fn, arg);
}

void sim_world_log_trim(struct sim_world *w)
{
	w->nevents = 0;
}

size_t sim_world_nevents(const struct sim_world *w)
{
	return w->nevents;
}

const struct sim_event *sim_world_event(const struct sim_world *w, size_t i)
{
	return i < w->nevents ? &w->events[i] : NULL;
}

u64 sim_world_log_hash(const struct sim_world *w)
{
	return w->hash;
}

void sim_world_log_print(const struct sim_world *w, FILE *out)
{
	for (size_t i = 0; i < w->nevents; i++) {
		const struct sim_event *e = &w->events[i];
		char who[16];

		if (e->vm == SIM_WORLD_HOST)
			snprintf(who, sizeof(who), "host");
		else
			snprintf(who, sizeof(who), "vm%d", e->vm);
		fprintf(out, "%llu %llu..%llu %s cpu%u %s %u %u %#llx = %d value %#llx\n",
			(unsigned long long)e->seq, (unsigned long long)e->start_ns,
			(unsigned long long)e->end_ns, who, e->cpu, sim_op_name(e->kind), e->a,
			e->b, (unsigned long long)e->arg, e->result,
			(unsigned long long)e->value);
	}
}

struct sim_kernel *sim_world_kernel(struct sim_world *w, int vm)
{
	if (vm == SIM_WORLD_HOST)
		return w->host.k;
	return vm >= 0 && (unsigned int)vm < w->p.nvms ? w->vms[vm].inst.k : NULL;
}

unsigned int sim_world_host_count(struct sim_world *w, int vm)
{
	struct sim_kernel *prev;
	unsigned int n;

	if (vm < 0 || (unsigned int)vm >= w->p.nvms || !w->vms[vm].hvm)
		return 0;
	prev = sim_kernel_enter(w->host.k);
	n = w->vfio_count(w->vms[vm].hvm);
	sim_kernel_leave(prev);
	return n;
}

u64 sim_world_host_refused(struct sim_world *w, int vm)
{
	struct sim_kernel *prev;
	u64 n;

	if (vm < 0 || (unsigned int)vm >= w->p.nvms || !w->vms[vm].hvm)
		return 0;
	prev = sim_kernel_enter(w->host.k);
	n = w->vfio_refused(w->vms[vm].hvm);
	sim_kernel_leave(prev);
	return n;
}

u64 sim_world_host_live_objects(struct sim_world *w)
{
	return host_stats(w).live_objects;
}

u64 sim_world_host_baseline_objects(struct sim_world *w)
{
	return w->host_baseline;
}

size_t sim_world_findings(struct sim_world *w, int kind)
{
	size_t n = sim_findings_count(w->host.k, kind);

	for (unsigned int i = 0; i < w->p.nvms; i++)
		n += sim_findings_count(w->vms[i].inst.k, kind);
	return n;
}

struct vtd_dev *sim_world_vtd(struct sim_world *w, int vm, unsigned int i)
{
	if (vm < 0 || (unsigned int)vm >= w->p.nvms || !w->vms[vm].vtd || i >= w->p.viommus)
		return NULL;
	return w->vms[vm].vtd[i];
}

struct virtio_iommu_dev *sim_world_virtio(struct sim_world *w, int vm)
{
	if (vm < 0 || (unsigned int)vm >= w->p.nvms)
		return NULL;
	return w->vms[vm].vdev;
}

void *sim_world_sym(struct sim_world *w, int vm, const char *name)
{
	if (vm == SIM_WORLD_HOST)
		return sim_core_sym(w->host.core, name);
	if (vm < 0 || (unsigned int)vm >= w->p.nvms)
		return NULL;
	return sim_core_sym(w->vms[vm].inst.core, name);
}
