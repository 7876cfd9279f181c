/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the world's internals, shared by sim/world/world.c (instances,
 * boot, CPUs, the event log), ops.c (the operation table) and invariants.c
 * (the cross-layer checks). Not an API: <sim/world.h> is.
 */
#ifndef _SIM_WORLD_INT_H
#define _SIM_WORLD_INT_H

#include <linux/intel-pasid.h>
#include <linux/iommu-pasid.h>
#include <linux/vfio-pasid.h>
#include <linux/virtio-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/virtio-iommu.h>
#include <sim/vmm.h>
#include <sim/vtd.h>
#include <sim/world.h>

/* A set of PASIDs (libc memory: the world's, not a kernel's); invariants.c */
struct idset {
	ioasid_t *v;
	size_t n, cap;
};

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
	int (*ioasid_register_allocator)(struct ioasid_allocator_ops *ops);
	void (*ioasid_unregister_allocator)(struct ioasid_allocator_ops *ops);
	int (*pasid_set_ops)(const struct iommu_pasid_ops *ops);
	int (*pasid_free_locked)(struct iommu_pasid *p, ioasid_t id);
};

struct world_inst {
	struct sim_kernel *k;
	struct sim_core *core;
	struct world_api api;
	/* SIM_OP_FAULT_NEXT: armed for the next operation in this instance */
	u32 fault_mask;
	unsigned int fault_pos;
	bool fault_pending;
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
	bool late;			/* created powered off (sim_world_params.late) */
	bool booting;			/* a SIM_OP_VM_CREATE boots it on one of its vCPUs */
	/* ioasid_set_data() calls started in the VM (for the vtd-active-free oracle) */
	u64 set_data_calls;
	unsigned int set_data_running;
	bool off;			/* powered off: not booted yet (SIM_OP_VM_CREATE) */
	/* guest driver entry points (the API's are in inst.api) */
	int (*vtd_init)(struct pv_vtd_iommu *iommu);
	void (*vtd_exit)(struct pv_vtd_iommu *iommu);
	bool (*vtd_active)(struct pv_vtd_iommu *iommu);
	int (*vp_probe)(struct virtio_pasid_dev *vdev);
	void (*vp_remove)(struct virtio_pasid_dev *vdev);
	/*
	 * Devices (NULL: unplugged) and the guest driver's state for each, in
	 * the guest's slab (NULL: no driver bound): a hot-unplug kfree()s it,
	 * so a pointer the guest kept is a use-after-free the slab sees.
	 */
	struct vtd_dev **vtd;
	struct pv_vtd_iommu **iommus;
	struct virtio_iommu_dev *vdev;
	struct virtio_pasid_dev *vpdev;
	/* unplugged device models, kept until the world goes (see world_unplug) */
	struct vtd_dev **old_vtd;
	struct virtio_iommu_dev **old_vdev;
	size_t nold_vtd, nold_vdev;
	/*
	 * sim_world_params.replug_keeps_state: the driver state of each
	 * unplugged slot, removed but kept for a re-plug (in the guest's slab)
	 */
	struct pv_vtd_iommu **kept_iommus;
	struct virtio_pasid_dev *kept_vpdev;
	struct iommu_pasid *consumer;
	struct wcpu *cpus;
	/* invariants.c: PASIDs the guest was given; what it held when it died */
	struct idset seen, zombies;
	/*
	 * invariants.c: the host set of the last check, and the PASIDs of it
	 * the guest freed raw since, with their private data still attached
	 */
	struct idset hostset, afreed;
	bool hostile;			/* wrote vIOMMU registers itself */
	bool raw_regs;			/* was given a raw register operation */
	/* invariants.c: per vIOMMU, its absent-register accesses at the last reset */
	u64 *absent_base;
	/* invariants.c: slot + 1 of a kept driver state a re-plug's probe refused (-EBUSY) */
	unsigned int rebind_refused;
	bool hotplug;			/* a plug or unplug is in progress (-EBUSY) */
};

/*
 * The host's custom allocators (SIM_OP_HOST_ALLOCATOR_*): ops 0 and 1 share
 * their functions and one backing table of IDs (as two vIOMMUs of one VM
 * share their host), lowest free ID first; ops 2 has functions of its own
 * (highest free ID first) and a table of its own.
 */
#define WORLD_HOST_ALLOCATORS	3

struct sim_world {
	struct sim_world_params p;
	struct world_inst host;
	struct ioasid_allocator_ops halloc[WORLD_HOST_ALLOCATORS];
	struct idset halloc_ids;	/* allocated through ops 0 and 1, sorted */
	struct idset halloc_ids2;	/* through ops 2, sorted */
	/* their free callbacks: calls, and calls that found the ID (observed) */
	u64 halloc_frees, halloc_frees_active;
	bool halloc_observe;
	/* for_each visits (sim_world_set_visitor) */
	sim_world_visit_fn visit_fn;
	void *visit_arg;
	struct sim_vmm_host vmm_host;
	struct vfio_pasid_vm *(*vfio_create)(const char *name, unsigned int quota);
	void (*vfio_destroy)(struct vfio_pasid_vm *vm);
	int (*vfio_free_range)(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max);
	int (*vfio_lookup)(struct vfio_pasid_vm *vm, ioasid_t pasid);
	unsigned int (*vfio_count)(struct vfio_pasid_vm *vm);
	unsigned int (*vfio_quota)(struct vfio_pasid_vm *vm);
	u64 (*vfio_refused)(struct vfio_pasid_vm *vm);
	int (*vfio_set_quota)(struct vfio_pasid_vm *vm, unsigned int quota);
	int (*vfio_for_each)(struct vfio_pasid_vm *vm, int (*fn)(ioasid_t pasid, void *data),
			     void *data);
	u64 host_baseline;
	bool knobs_changed;		/* sim_world_set_knobs() since the last reset */

	struct world_vm *vms;
	struct wcpu *host_cpus;
	struct sim_sched *sched;
	char report[1100];

	struct sim_event *events;
	size_t nevents, events_cap;
	u64 hash;
	double reset_ns;

	/* invariants.c */
	u64 last_cookie;		/* of the last operation completed */
	u64 reported[64];		/* (invariant, VM, PASID) already reported */
	size_t nreported;
};

/*
 * Hot-plug: create device @d of @vm (the VT-d vIOMMU @d, or the virtio-iommu
 * device for @d 0) and bind the guest driver to it, in the guest instance,
 * which must be current. 0, -EBUSY (there already), -EINVAL (no such
 * slot), -ENOMEM, or the driver's probe error (the device stays, unbound).
 */
int world_plug(struct sim_world *w, struct world_vm *vm, unsigned int d);
/*
 * Hot-unplug: the guest driver's remove path, its state kfree()d, the device
 * gone from the VM. 0, -ENODEV (not there), -EINVAL (no such slot).
 */
int world_unplug(struct sim_world *w, struct world_vm *vm, unsigned int d);

/* A VM created powered off boots now, on one of its vCPUs: 0 or -errno. */
int world_vm_boot(struct sim_world *w, struct world_vm *vm);
/*
 * Boot @vm's guest (sim/world/guest.c): its module parameters, devices,
 * drivers and consumer. 0, or -1 with @err.
 */
int world_boot_guest(struct sim_world *w, struct world_vm *vm, char *err, size_t errlen);
/* Forget @vm's drivers' state (a powered-off VM at a reset). */
void world_guest_forget(struct sim_world *w, struct world_vm *vm);

/* The host's custom allocators, unregistered and empty (a boot of the host). */
void world_halloc_init(struct sim_world *w);
void world_halloc_free(struct sim_world *w);

/* The VM's VMM process exits: the host reclaims what it held (on a CPU). */
void world_vm_destroy(struct sim_world *w, struct world_vm *vm);

/* invariants.c: check every invariant (a run went idle); forget; free a VM's sets */
void world_check(struct sim_world *w);
void world_check_reset(struct sim_world *w);
void world_check_free(struct world_vm *vm);
/* A guest allocation returned @id to the guest. */
void world_seen_add(struct world_vm *vm, ioasid_t id);
/* A VT-d guest freed @id raw while its private data was attached. */
void world_active_free_note(struct world_vm *vm, ioasid_t id);
/* @vm's VMM is about to die: note what the host holds for it. */
void world_zombies_note(struct sim_world *w, struct world_vm *vm);

/* Run @op on a CPU of VM @vm (SIM_WORLD_HOST: the host); fills @ev (ops.c). */
void world_run_op(struct sim_world *w, int vm, const struct sim_op *op, struct sim_event *ev);
/* May @kind run on a host CPU (@host) or a vCPU? (ops.c) */
bool world_op_allowed(enum sim_op_kind kind, bool host);

#endif /* _SIM_WORLD_INT_H */
