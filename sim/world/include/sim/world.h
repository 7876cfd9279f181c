/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: a deterministic multi-VM world (docs/world.md).
 *
 * A world is one host kernel and N guest kernels, each a kernel instance
 * (struct sim_kernel) running its own private copy of core/ (sim_core_load),
 * plus per VM: vCPUs, vIOMMUs (VT-d register files, or one virtio-iommu
 * device) and a VMM forwarding their commands to the host's VFIO PASID
 * handler. Every CPU is a coroutine of the deterministic scheduler
 * (<sim/sched.h>) with its own virtual clock.
 *
 * Operations are submitted to a CPU's queue; sim_world_run() runs until
 * every queue is drained (or a deadlock, a panic, the time limit). Each
 * completed operation is an event in the world's log, which keeps a running
 * hash: the same parameters, seed and submissions give the same hash.
 */
#ifndef _SIM_WORLD_H
#define _SIM_WORLD_H

#include <stdio.h>

#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/types.h>
#include <sim/cost.h>
#include <sim/op.h>
#include <sim/sched.h>
#include <sim/virtio-iommu.h>
#include <sim/vtd.h>

struct iommu_pasid;
struct sim_kernel;
struct sim_world;

/* The host, in the @vm argument of the functions below. */
#define SIM_WORLD_HOST		(-1)
#define SIM_WORLD_MAX_VMS	256
/*
 * Simulated CPUs of one world (VMs x vCPUs + host CPUs): each is a coroutine
 * with a stack mapping and a guard page, and the kernel's default
 * vm.max_map_count (65530) bounds the mappings of a process.
 */
#define SIM_WORLD_MAX_CPUS	16384

/*
 * Per-vIOMMU VT-d knobs (sim_world_params.vtd_slot): vIOMMU d of every VM
 * for d below this; the others take sim_world_params.vtd as they are.
 */
#define SIM_WORLD_VTD_SLOTS	8

struct sim_world_vtd_slot {
	bool set;		/* false: @vtd's register parameters */
	u8 pss;			/* ECAP.PSS (0-19) */
	bool vcs;		/* ECAP.VCS: the virtual command registers exist */
	bool pas;		/* VCCAP.PAS */
};

enum sim_world_path {
	SIM_WORLD_PATH_VTD = 0,	/* VT-d virtual command interface (VCMD) */
	SIM_WORLD_PATH_VIRTIO,	/* virtio-iommu PASID requests (project extension) */
};

struct sim_world_params {
	unsigned int nvms;		/* guests, 0..SIM_WORLD_MAX_VMS */
	unsigned int vcpus;		/* per VM, >= 1 */
	unsigned int viommus;		/* VT-d vIOMMUs per VM, >= 1 (VT-d path) */
	unsigned int host_cpus;		/* >= 1 */
	enum sim_world_path path;
	struct vtd_params vtd;		/* register parameters of every vIOMMU */
	struct virtio_iommu_faults virtio_faults;	/* of every virtio-iommu device */
	unsigned int quota;		/* per VM; 0: VFIO_PASID_DEFAULT_QUOTA */
	const unsigned int *quotas;	/* optional: per VM, overrides @quota (0: @quota) */
	const char *host_flavour;	/* "pasidsim" (default) or "linux-6.1" */
	const char *guest_flavour;	/* every guest's, unless @guest_flavours says */
	const char *const *guest_flavours;	/* optional: per VM (NULL entry: @guest_flavour) */
	u64 seed;			/* scheduler tie-breaks */
	struct sim_cost_model cost;
	u64 time_limit_ns;		/* per run; 0: the scheduler's default */
	u64 virtio_timeout_ns;		/* a lost virtio request; 0: 1 s */
	/*
	 * Every guest's vcmd_timeout_ms module parameter (core/intel-pasid.c):
	 * how long a VT-d virtual command may stay in progress before the
	 * guest panics; 0: the driver's default, 10 s.
	 */
	unsigned int vcmd_timeout_ms;
	bool hold_log;			/* keep the scheduler's lock hold log */
	/*
	 * Host CPUs every simulated CPU (vCPU threads with their VMM work, host
	 * CPUs) is time-shared on; 0: one each (no overcommit).
	 */
	unsigned int pcpus;
	/*
	 * Check the cross-layer invariants whenever a run goes idle (default
	 * on; docs/world.md, "Invariants"): a broken one is a
	 * SIM_FINDING_INVARIANT finding naming the last operation's cookie,
	 * labelled @cookie_label ("operation" when NULL; replay says "line").
	 */
	bool checks;
	const char *cookie_label;
	/*
	 * Optional: per VM, true: the VM is created powered off (its host VFIO
	 * state, devices and guest drivers do not exist; its operations get
	 * -ENODEV) until a SIM_OP_VM_CREATE on one of its vCPUs boots it. A
	 * reset powers it off again.
	 */
	const bool *late;
	/*
	 * vIOMMU d's ECAP.PSS, ECAP.VCS and VCCAP.PAS, where vtd_slot[d].set
	 * (the rest of @vtd applies to every vIOMMU); sim_world_set_knobs()
	 * changes them between runs.
	 */
	struct sim_world_vtd_slot vtd_slot[SIM_WORLD_VTD_SLOTS];
	/*
	 * A hot-unplug keeps the guest driver's state (removed, not freed) and
	 * a re-plug of the slot binds the driver to that same state again, as
	 * a driver whose per-device state outlives an unbind does; false: the
	 * unplug kfree()s it and a re-plug allocates a zeroed one.
	 */
	bool replug_keeps_state;
};

/* Defaults: 1 VM, 1 vCPU, 1 vIOMMU (VT-d 3.3, VCMD capable), 1 host CPU. */
void sim_world_params_init(struct sim_world_params *p);

/*
 * Build a world: load the core copies, create the instances, boot the host
 * (one VFIO PASID VM per guest) and every guest (vIOMMU driver and one
 * iommu_pasid consumer per VM). NULL on failure, with the reason in @err.
 */
struct sim_world *sim_world_create(const struct sim_world_params *p, char *err, size_t errlen);
void sim_world_destroy(struct sim_world *w);
/*
 * Put every instance back to its boot state (core copies restored from
 * their snapshots, every slab object freed, findings/log/lockstat cleared),
 * reset the devices, forget the event log, and boot again: the world is as
 * sim_world_create() left it, without reloading anything.
 */
int sim_world_reset(struct sim_world *w);

/*
 * Change the per-vIOMMU VT-d knobs (@slots: SIM_WORLD_VTD_SLOTS entries, NULL:
 * none set) and sim_world_params.replug_keeps_state; they apply from the
 * next sim_world_reset(), which re-creates the register files that
 * changed. -EINVAL for a PSS above 19 (nothing changed).
 */
/*
 * VM @vm is created powered off (as sim_world_params.late says) from the next
 * sim_world_reset() on, or not. -EINVAL for no such VM.
 */
int sim_world_set_late(struct sim_world *w, unsigned int vm, bool late);
/* Whether VM @vm is created powered off at a reset (false for no such VM). */
bool sim_world_late(const struct sim_world *w, unsigned int vm);
int sim_world_set_knobs(struct sim_world *w, const struct sim_world_vtd_slot *slots,
			bool replug_keeps_state);
/* The register parameters of vIOMMU @d (@vtd with its slot's knobs applied). */
void sim_world_vtd_params(const struct sim_world *w, unsigned int d, struct vtd_params *out);

/* ---- operations ------------------------------------------------------------ */

/* The executor's operations: enum sim_op_kind, in <sim/op.h>. */

struct sim_op {
	enum sim_op_kind kind;
	u32 a, b;
	u64 arg;
	/*
	 * Guest ALLOC/FREE/FIND/FOR_EACH/INIT/EXIT: the consumer to use, a
	 * zeroed struct iommu_pasid the caller owns (NULL: the VM's own, booted
	 * consumer). Neither field is part of the event log or its hash.
	 */
	struct iommu_pasid *consumer;
	struct ioasid_set *set;	/* IOASID_ALLOC, IOASID_FIND (not logged) */
	u64 at_ns;		/* not before: the CPU idles until its clock reaches it */
	u64 cookie;		/* the caller's: copied to the event (not hashed) */
};

struct sim_event {
	u64 seq;		/* completion order */
	u64 start_ns, end_ns;	/* virtual time on the CPU */
	int vm;			/* SIM_WORLD_HOST for the host */
	unsigned int cpu;	/* vCPU index in the VM, or host CPU index */
	enum sim_op_kind kind;
	u32 a, b;
	u64 arg;
	int result;		/* 0 or a negative errno */
	u64 value;		/* ALLOC: the PASID; FOR_EACH: count; REG_READ: the value */
	u64 cookie;		/* sim_op.cookie of the operation (not hashed) */
};

/*
 * Queue @op on CPU @cpu of VM @vm (SIM_WORLD_HOST: host CPU @cpu). The op
 * runs at the next sim_world_run(). -EINVAL for a bad VM/CPU/op.
 */
int sim_world_submit(struct sim_world *w, int vm, unsigned int cpu, const struct sim_op *op);
/*
 * Choose the scheduler's tie-breaks (which of the runnable CPUs with equal
 * clocks runs next; lower key first) with @fn, e.g. from a fuzzer's input
 * bytes; NULL: the seeded PRNG again. Lasts until sim_world_reset().
 */
void sim_world_set_tiebreak(struct sim_world *w, sim_tiebreak_fn fn, void *arg);
/*
 * Run a read-only operation (FIND, FOR_EACH, IOASID_FIND,
 * IOASID_FIND_GETTER) at once in the instance of VM @vm (SIM_WORLD_HOST: the
 * host), off every CPU: no virtual time, not logged, not hashed. For a
 * driver's checks between runs (a fuzzer's whole-state check). 0 with @ev
 * filled, or -EINVAL (a kind that is not read-only, no such VM).
 */
int sim_world_query(struct sim_world *w, int vm, const struct sim_op *op, struct sim_event *ev);
/*
 * Every ID a FOR_EACH, FOR_EACH_STOP or FOR_EACH_FREE operation (or query)
 * visits, in order, with its private data and, for FOR_EACH_FREE, what
 * __iommu_pasid_free() returned (0 otherwise). NULL: none. Not logged.
 */
typedef void (*sim_world_visit_fn)(void *arg, ioasid_t id, void *priv, int freed);
void sim_world_set_visitor(struct sim_world *w, sim_world_visit_fn fn, void *arg);
/*
 * The host's custom allocators' free callbacks: how many ran, and (when
 * observed) how many found the ID's private data with ioasid_find(NULL, id),
 * as the VT-d driver's free does. Observing is off by default (it calls
 * ioasid_find() inside the callback).
 */
void sim_world_observe_allocator_frees(struct sim_world *w, bool on);
void sim_world_host_allocator_frees(const struct sim_world *w, u64 *calls, u64 *active);
/* Run until every queue is empty; see enum sim_sched_result. */
enum sim_sched_result sim_world_run(struct sim_world *w);
/* Why the last run stopped ("" when it went idle). */
const char *sim_world_report(const struct sim_world *w);

/* ---- results -------------------------------------------------------------- */

size_t sim_world_nevents(const struct sim_world *w);
const struct sim_event *sim_world_event(const struct sim_world *w, size_t i);
/*
 * Forget the events kept so far (their memory is reused), keeping the hash:
 * a driver that reads each event as it completes need not keep them all.
 */
void sim_world_log_trim(struct sim_world *w);
/* FNV-1a over every event so far (all fields but none of the wall clock). */
u64 sim_world_log_hash(const struct sim_world *w);
/* Print the event log, one line per event. */
void sim_world_log_print(const struct sim_world *w, FILE *out);
const char *sim_op_name(enum sim_op_kind kind);

/* The kernel instance of VM @vm, or of the host. */
struct sim_kernel *sim_world_kernel(struct sim_world *w, int vm);
/* PASIDs VM @vm holds on the host (its VFIO set). */
unsigned int sim_world_host_count(struct sim_world *w, int vm);
/* Frees the host refused from VM @vm (not its PASID). */
u64 sim_world_host_refused(struct sim_world *w, int vm);
/* The host instance's live slab objects. */
u64 sim_world_host_live_objects(struct sim_world *w);
/* Findings of every instance. */
size_t sim_world_findings(struct sim_world *w, int kind);
/* The VT-d device @i of VM @vm (NULL on the virtio path). */
struct vtd_dev *sim_world_vtd(struct sim_world *w, int vm, unsigned int i);
/* The virtio-iommu device of VM @vm (NULL on the VT-d path). */
struct virtio_iommu_dev *sim_world_virtio(struct sim_world *w, int vm);
/* A symbol of VM @vm's (or the host's) core copy. */
void *sim_world_sym(struct sim_world *w, int vm, const char *name);
const struct sim_world_params *sim_world_params(const struct sim_world *w);
/* The world's scheduler (its hold log, clock); replaced by sim_world_reset(). */
struct sim_sched *sim_world_sched(struct sim_world *w);
/* The allocator flavour VM @vm's (or the host's) core copy was built with. */
const char *sim_world_flavour(const struct sim_world *w, int vm);
/* Host live slab objects after the host booted, before any VM's state. */
u64 sim_world_host_baseline_objects(struct sim_world *w);
/* Nanoseconds of wall time per instance the last sim_world_reset() took. */
double sim_world_last_reset_ns(const struct sim_world *w);

#endif /* _SIM_WORLD_H */
