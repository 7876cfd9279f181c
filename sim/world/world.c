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

#define SYM(w, field, name) do {					\
	*(void **)&(w)->field = sim_core_sym((w)->host.core, name);	\
	if (!(w)->field) {						\
		snprintf(err, errlen, "host core copy has no symbol %s", name); \
		return -1;						\
	}								\
} while (0)

/* The kernel entry points an operation can call, in one instance's core copy. */
struct world_api {
	int (*pasid_init)(struct iommu_pasid *p);
	int (*pasid_alloc)(struct iommu_pasid *p, ioasid_t min, ioasid_t max, void *priv,
			   ioasid_t *id);
	int (*pasid_free)(struct iommu_pasid *p, ioasid_t id);
	void *(*pasid_find)(struct iommu_pasid *p, ioasid_t id);
	int (*pasid_for_each)(struct iommu_pasid *p, int (*fn)(ioasid_t, void *, void *),
			      void *data);
	void (*pasid_exit)(struct iommu_pasid *p);
	ioasid_t (*ioasid_alloc)(struct ioasid_set *set, ioasid_t min, ioasid_t max, void *priv);
	void (*ioasid_free)(ioasid_t id);
	void *(*ioasid_find)(struct ioasid_set *set, ioasid_t id, bool (*getter)(void *));
	int (*ioasid_set_data)(ioasid_t id, void *data);
};

struct world_inst {
	struct sim_kernel *k;
	struct sim_core *core;
	struct world_api api;
};

struct wcpu {
	struct sim_world *w;
	int vm;
	unsigned int idx;
	struct sim_cpu *cpu;
	struct sim_op *q;
	size_t head, n, cap;
	u64 ops;			/* operations run */
};

/* A CPU passes a quiescent state every this many operations. */
#define WORLD_QS_EVERY	32

struct world_vm {
	struct sim_world *w;
	int idx;
	char name[16];
	struct world_inst inst;
	struct sim_vmm *vmm;
	struct vfio_pasid_vm *hvm;
	unsigned int quota;
	bool dead;
	/* guest driver entry points (the API's are in inst.api) */
	int (*vtd_init)(struct pv_vtd_iommu *iommu);
	int (*vp_probe)(struct virtio_pasid_dev *vdev);
	/* devices and guest driver state */
	struct vtd_dev **vtd;
	struct pv_vtd_iommu *iommus;
	struct virtio_iommu_dev *vdev;
	struct virtio_pasid_dev *vpdev;
	struct iommu_pasid *consumer;
	struct wcpu *cpus;
};

struct sim_world {
	struct sim_world_params p;
	struct world_inst host;
	struct sim_vmm_host vmm_host;
	struct vfio_pasid_vm *(*vfio_create)(const char *name, unsigned int quota);
	void (*vfio_destroy)(struct vfio_pasid_vm *vm);
	int (*vfio_free_range)(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max);
	int (*vfio_lookup)(struct vfio_pasid_vm *vm, ioasid_t pasid);
	unsigned int (*vfio_count)(struct vfio_pasid_vm *vm);
	u64 (*vfio_refused)(struct vfio_pasid_vm *vm);
	u64 host_baseline;

	struct world_vm *vms;
	struct wcpu *host_cpus;
	struct sim_sched *sched;
	char report[1100];

	struct sim_event *events;
	size_t nevents, events_cap;
	u64 hash;
	double reset_ns;
};

static const struct virtio_pasid_transport world_vp_transport;

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
	SYM(w, vfio_refused, "vfio_pasid_refused_frees");
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
	for (unsigned int i = 0; i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		vm->dead = false;
		vm->hvm = w->vfio_create(vm->name, vm->quota);
		if (!vm->hvm) {
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

static int boot_guest(struct sim_world *w, struct world_vm *vm, char *err, size_t errlen)
{
	struct sim_kernel *prev = sim_kernel_enter(vm->inst.k);
	int ret = 0;

	if (w->p.path == SIM_WORLD_PATH_VTD) {
		for (unsigned int i = 0; i < w->p.viommus; i++) {
			struct pv_vtd_iommu *iommu = &vm->iommus[i];

			memset(iommu, 0, sizeof(*iommu));
			iommu->name = vm->name;
			iommu->reg = vtd_regs(vm->vtd[i]);
			iommu->layout = w->p.vtd.layout == VTD_LAYOUT_30 ? PV_VTD_LAYOUT_3_0 :
					PV_VTD_LAYOUT_3_3;
			ret = vm->vtd_init(iommu);
			if (ret) {
				snprintf(err, errlen, "%s: pv_vtd_iommu_init: %d", vm->name, ret);
				goto out;
			}
		}
	} else {
		memset(vm->vpdev, 0, sizeof(*vm->vpdev));
		vm->vpdev->name = vm->name;
		vm->vpdev->transport = &world_vp_transport;
		vm->vpdev->priv = vm;
		vm->vpdev->features = virtio_iommu_driver_features(vm->vdev);
		ret = vm->vp_probe(vm->vpdev);
		if (ret) {
			snprintf(err, errlen, "%s: virtio_pasid_probe: %d", vm->name, ret);
			goto out;
		}
	}
	memset(vm->consumer, 0, sizeof(*vm->consumer));
	vm->consumer->name = vm->name;
	ret = vm->inst.api.pasid_init(vm->consumer);
	if (ret)
		snprintf(err, errlen, "%s: iommu_pasid_init: %d", vm->name, ret);
out:
	sim_kernel_leave(prev);
	return ret ? -1 : 0;
}

static void cpu_main(struct sim_cpu *cpu, void *arg);

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
}

static void wcpu_init(struct sim_world *w, struct wcpu *c, int vm, unsigned int idx)
{
	c->w = w;
	c->vm = vm;
	c->idx = idx;
}

struct sim_world *sim_world_create(const struct sim_world_params *p, char *err, size_t errlen)
{
	struct sim_world *w;
	char name[16];

	err[0] = '\0';
	if (p->nvms > SIM_WORLD_MAX_VMS || !p->vcpus || !p->host_cpus ||
	    (p->path == SIM_WORLD_PATH_VTD && !p->viommus)) {
		snprintf(err, errlen, "invalid world parameters");
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

	for (unsigned int i = 0; i < p->nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		vm->w = w;
		vm->idx = i;
		snprintf(vm->name, sizeof(vm->name), "vm%u", i);
		snprintf(name, sizeof(name), "vm%u", i);
		vm->quota = p->quota ? p->quota : VFIO_PASID_DEFAULT_QUOTA;
		if (p->quotas && p->quotas[i])
			vm->quota = p->quotas[i];
		if (inst_load(w, &vm->inst, name,
			      p->guest_flavours && p->guest_flavours[i] ?
			      p->guest_flavours[i] : w->p.guest_flavour, err, errlen) ||
		    guest_syms(vm, err, errlen))
			goto fail;
		vm->consumer = calloc(1, sizeof(*vm->consumer));
		vm->cpus = calloc(p->vcpus, sizeof(*vm->cpus));
		if (!vm->consumer || !vm->cpus)
			goto oom;
		for (unsigned int c = 0; c < p->vcpus; c++)
			wcpu_init(w, &vm->cpus[c], i, c);
	}

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
			if (!vm->vtd || !vm->iommus)
				goto oom;
			for (unsigned int d = 0; d < p->viommus; d++) {
				vm->vtd[d] = vtd_create(&w->p.vtd, &sim_vmm_vtd_ops, vm->vmm);
				if (!vm->vtd[d]) {
					snprintf(err, errlen, "%s: vtd_create failed", vm->name);
					goto fail;
				}
			}
		} else {
			struct virtio_iommu_params vp;

			virtio_iommu_params_init(&vp);
			vp.faults = w->p.virtio_faults;
			vm->vdev = virtio_iommu_create(&vp, &sim_vmm_virtio_ops, vm->vmm);
			vm->vpdev = calloc(1, sizeof(*vm->vpdev));
			if (!vm->vdev || !vm->vpdev) {
				snprintf(err, errlen, "%s: virtio_iommu_create failed", vm->name);
				goto fail;
			}
			virtio_iommu_set_driver_features(vm->vdev,
							 virtio_iommu_device_features(vm->vdev));
		}
		if (boot_guest(w, vm, err, errlen))
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
		if (vm->vdev)
			virtio_iommu_destroy(vm->vdev);
		sim_vmm_destroy(vm->vmm);
		inst_free(&vm->inst);
		for (unsigned int c = 0; vm->cpus && c < w->p.vcpus; c++)
			free(vm->cpus[c].q);
		free(vm->vtd);
		free(vm->iommus);
		free(vm->vpdev);
		free(vm->consumer);
		free(vm->cpus);
	}
	inst_free(&w->host);
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

int sim_world_reset(struct sim_world *w)
{
	char err[256];
	double t0;

	/* CPUs first: an abandoned CPU's task may still claim locks. */
	sim_sched_destroy(w->sched);
	w->sched = NULL;
	t0 = wall_ns();
	inst_reset(&w->host);
	for (unsigned int i = 0; i < w->p.nvms; i++)
		inst_reset(&w->vms[i].inst);
	w->reset_ns = (wall_ns() - t0) / (w->p.nvms + 1);

	for (unsigned int i = 0; i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];

		for (unsigned int d = 0; vm->vtd && d < w->p.viommus; d++)
			vtd_reset(vm->vtd[d]);
		if (vm->vdev) {
			virtio_iommu_reset(vm->vdev);
			virtio_iommu_set_driver_features(vm->vdev,
							 virtio_iommu_device_features(vm->vdev));
		}
		for (unsigned int c = 0; c < w->p.vcpus; c++)
			vm->cpus[c].n = vm->cpus[c].head = 0;
	}
	for (unsigned int c = 0; c < w->p.host_cpus; c++)
		w->host_cpus[c].n = w->host_cpus[c].head = 0;
	w->nevents = 0;
	w->hash = 0xcbf29ce484222325ull;
	w->report[0] = '\0';
	if (boot_host(w, err, sizeof(err)))
		return -1;
	for (unsigned int i = 0; i < w->p.nvms; i++)
		if (boot_guest(w, &w->vms[i], err, sizeof(err)))
			return -1;
	cpus_create(w);
	return 0;
}

double sim_world_last_reset_ns(const struct sim_world *w)
{
	return w->reset_ns;
}

/* ---- operations ------------------------------------------------------------------ */

static struct wcpu *wcpu_of(struct sim_world *w, int vm, unsigned int cpu)
{
	if (vm == SIM_WORLD_HOST)
		return cpu < w->p.host_cpus ? &w->host_cpus[cpu] : NULL;
	if (vm < 0 || (unsigned int)vm >= w->p.nvms || cpu >= w->p.vcpus)
		return NULL;
	return &w->vms[vm].cpus[cpu];
}

/*
 * FNV-1a over 64-bit words, with a fold of the high half after each
 * multiply so that high bits reach the low ones: each step is a bijection of
 * the running value, so two logs that differ in one word always differ.
 */
static void hash_words(u64 *h, const u64 *w, size_t n)
{
	u64 v = *h;

	for (size_t i = 0; i < n; i++) {
		v = (v ^ w[i]) * 0x100000001b3ull;
		v ^= v >> 32;
	}
	*h = v;
}

static void log_event(struct sim_world *w, struct sim_event *ev)
{
	u64 f[10];

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
	f[0] = ev->start_ns;
	f[1] = ev->end_ns;
	f[2] = (u64)(s64)ev->vm;
	f[3] = ev->cpu;
	f[4] = ev->kind;
	f[5] = ev->a;
	f[6] = ev->b;
	f[7] = ev->arg;
	f[8] = (u64)(s64)ev->result;
	f[9] = ev->value;
	hash_words(&w->hash, f, ARRAY_SIZE(f));
}

static int count_cb(ioasid_t id, void *priv, void *data)
{
	(*(u64 *)data)++;
	return 0;
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
	ev->value = ev->result ? 0 : id;
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
	ev->result = x->in->api.pasid_for_each(x->cons, count_cb, &ev->value);
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
	x->in->api.ioasid_free(op->a);
}

static void op_ioasid_find(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	ptr_result(x->in->api.ioasid_find(op->set, op->a, NULL), ev);
}

static void op_ioasid_set_data(const struct op_ctx *x, const struct sim_op *op,
			       struct sim_event *ev)
{
	ev->result = x->in->api.ioasid_set_data(op->a, (void *)(uintptr_t)op->arg);
}

/* A register of vIOMMU @op->a at offset @op->b, @width bytes wide, or NULL. */
static void __iomem *vm_reg(const struct op_ctx *x, const struct sim_op *op, unsigned int width)
{
	if (!x->vm->vtd || op->a >= x->w->p.viommus || op->b > VTD_WINDOW_SIZE - width)
		return NULL;
	return (char __iomem *)vtd_regs(x->vm->vtd[op->a]) + op->b;
}

static void op_reg_write(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	void __iomem *reg = vm_reg(x, op, 8);

	if (reg)
		writeq(op->arg, reg);
	else
		ev->result = -EINVAL;
}

static void op_reg_read(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	void __iomem *reg = vm_reg(x, op, 8);

	if (reg)
		ev->value = readq(reg);
	else
		ev->result = -EINVAL;
}

static void op_reg_write32(const struct op_ctx *x, const struct sim_op *op,
			   struct sim_event *ev)
{
	void __iomem *reg = vm_reg(x, op, 4);

	if (reg)
		writel((u32)op->arg, reg);
	else
		ev->result = -EINVAL;
}

static void op_reg_read32(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	void __iomem *reg = vm_reg(x, op, 4);

	if (reg)
		ev->value = readl(reg);
	else
		ev->result = -EINVAL;
}

/* VM teardown, on one of its vCPUs: the VMM process exits, the host reclaims. */
static void op_vm_destroy(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	struct sim_world *w = x->w;
	struct world_vm *vm = x->vm;
	struct sim_kernel *prev;

	vm->dead = true;
	sim_cpu_advance(w->p.cost.vm_exit_ns);
	sim_cpu_task_alt(true);
	prev = sim_kernel_enter(w->host.k);
	w->vfio_destroy(vm->hvm);
	sim_kernel_leave(prev);
	sim_cpu_task_alt(false);
	vm->hvm = NULL;
	sim_vmm_set_hvm(vm->vmm, NULL);
}

/* Host VFIO requests name their VM in @op->arg. */
static struct vfio_pasid_vm *host_target(const struct op_ctx *x, const struct sim_op *op)
{
	return op->arg < x->w->p.nvms ? x->w->vms[op->arg].hvm : NULL;
}

static void op_host_alloc(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	struct vfio_pasid_vm *hvm = host_target(x, op);
	ioasid_t id = 0;

	ev->result = hvm ? x->w->vmm_host.alloc(hvm, op->a, op->b, &id) : -ENODEV;
	ev->value = ev->result ? 0 : id;
}

static void op_host_free(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	struct vfio_pasid_vm *hvm = host_target(x, op);

	ev->result = hvm ? x->w->vmm_host.free(hvm, op->a) : -ENODEV;
}

static void op_host_free_range(const struct op_ctx *x, const struct sim_op *op,
			       struct sim_event *ev)
{
	struct vfio_pasid_vm *hvm = host_target(x, op);

	ev->result = hvm ? x->w->vfio_free_range(hvm, op->a, op->b) : -ENODEV;
}

static void op_host_lookup(const struct op_ctx *x, const struct sim_op *op, struct sim_event *ev)
{
	struct vfio_pasid_vm *hvm = host_target(x, op);

	ev->result = hvm ? x->w->vfio_lookup(hvm, op->a) : -ENODEV;
}

/*
 * The operation vocabulary of the executor: name, where it may run, whether
 * it needs a consumer (the VM's booted one in a guest unless sim_op.consumer
 * names another; sim_op.consumer on the host), and what it runs.
 */
#define NEEDS_CONSUMER	1u	/* the VM's own, or sim_op.consumer */
#define NEEDS_GIVEN	2u	/* sim_op.consumer, always */

static const struct {
	const char *name;
	unsigned int where, needs;
	op_fn run;
} op_table[SIM_OP__COUNT] = {
	[SIM_OP_ALLOC] = { "alloc", ON_ANY, NEEDS_CONSUMER, op_alloc },
	[SIM_OP_FREE] = { "free", ON_ANY, NEEDS_CONSUMER, op_free },
	[SIM_OP_FIND] = { "find", ON_ANY, NEEDS_CONSUMER, op_find },
	[SIM_OP_FOR_EACH] = { "for_each", ON_ANY, NEEDS_CONSUMER, op_for_each },
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
	[SIM_OP_IOASID_FIND] = { "ioasid_find", ON_ANY, 0, op_ioasid_find },
	[SIM_OP_IOASID_SET_DATA] = { "ioasid_set_data", ON_ANY, 0, op_ioasid_set_data },
	[SIM_OP_REG_WRITE32] = { "reg_write32", ON_GUEST, 0, op_reg_write32 },
	[SIM_OP_REG_READ32] = { "reg_read32", ON_GUEST, 0, op_reg_read32 },
};

const char *sim_op_name(enum sim_op_kind kind)
{
	return kind < SIM_OP__COUNT && op_table[kind].name ? op_table[kind].name : "?";
}

int sim_world_submit(struct sim_world *w, int vm, unsigned int cpu, const struct sim_op *op)
{
	struct wcpu *c = wcpu_of(w, vm, cpu);

	if (!c || op->kind >= SIM_OP__COUNT)
		return -EINVAL;
	if (!(op_table[op->kind].where & (vm == SIM_WORLD_HOST ? ON_HOST : ON_GUEST)))
		return -EINVAL;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct sim_op *q = malloc(cap * sizeof(*q));

		if (!q)
			return -ENOMEM;
		for (size_t i = 0; i < c->n; i++)
			q[i] = c->q[(c->head + i) % c->cap];
		free(c->q);
		c->q = q;
		c->cap = cap;
		c->head = 0;
	}
	c->q[(c->head + c->n) % c->cap] = *op;
	c->n++;
	if (c->cpu && sim_cpu_is_idle(c->cpu))
		sim_cpu_wake(c->cpu, 0);
	return 0;
}

/* Run @op on a CPU of VM @vm (SIM_WORLD_HOST: the host). */
static void run_op(struct sim_world *w, int vm, const struct sim_op *op, struct sim_event *ev)
{
	struct op_ctx x = { .w = w };

	if (vm == SIM_WORLD_HOST) {
		x.in = &w->host;
		x.cons = op->consumer;
	} else {
		x.vm = &w->vms[vm];
		x.in = &x.vm->inst;
		x.cons = op->consumer ? op->consumer : x.vm->consumer;
		if (x.vm->dead) {
			ev->result = -ENODEV;
			return;
		}
	}
	if ((op_table[op->kind].needs & NEEDS_GIVEN && !op->consumer) ||
	    (op_table[op->kind].needs & NEEDS_CONSUMER && !x.cons)) {
		ev->result = -EINVAL;
		return;
	}
	op_table[op->kind].run(&x, op, ev);
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

			c->head = (c->head + 1) % c->cap;
			c->n--;
			/* Submitted for later: idle until then, and let the others catch up. */
			if (op.at_ns > sim_clock_ns()) {
				sim_cpu_advance(op.at_ns - sim_clock_ns());
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
			run_op(w, c->vm, &op, &ev);
			ev.end_ns = sim_clock_ns();
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

/* ---- virtio transport ---------------------------------------------------------------- */

static int world_vp_request(void *priv, const void *out, size_t out_len, void *in,
			    size_t in_len)
{
	struct world_vm *vm = priv;
	struct sim_world *w = vm->w;

	return sim_vmm_virtio_request(vm->vmm, vm->vdev, out, out_len, in, in_len,
				      w->p.virtio_timeout_ns);
}

static const struct virtio_pasid_transport world_vp_transport = {
	.request = world_vp_request,
};

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

	/* Every CPU is at an operation boundary: a quiescent state for all. */
	if (r == SIM_SCHED_IDLE) {
		quiesce(w->host.k);
		for (unsigned int i = 0; i < w->p.nvms; i++)
			quiesce(w->vms[i].inst.k);
	}

	snprintf(w->report, sizeof(w->report), "%s", sim_sched_report(w->sched));
	return r;
}

const char *sim_world_report(const struct sim_world *w)
{
	return w->report;
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
