/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the cost model of the deterministic world, in virtual
 * nanoseconds. docs/cost-model.md gives every default and its source.
 *
 * The model is versioned: a change to a default or to where a cost is
 * charged bumps SIM_COST_MODEL_VERSION, which is recorded with every result
 * computed under it, so virtual-time metrics are compared only between runs
 * of the same model.
 */
#ifndef _SIM_COST_H
#define _SIM_COST_H

#include <linux/types.h>

#define SIM_COST_MODEL_VERSION	"cost-1"

struct sim_cost_model {
	const char *version;	/* SIM_COST_MODEL_VERSION for the defaults */
	u64 vm_exit_ns;		/* guest -> VMM transition on a trapped access */
	u64 vm_entry_ns;	/* VMM -> guest transition */
	u64 vmm_handle_ns;	/* VMM work per trapped access (decode, dispatch) */
	u64 host_call_ns;	/* VMM -> host kernel call and return (ioctl) */
	u64 lock_handoff_ns;	/* a released lock reaching a waiting CPU */
	u64 cs_hold_ns;		/* minimum time a lock is held once taken */
	u64 poll_ns;		/* one iteration of a polling loop (cpu_relax) */
	u64 mmio_ns;		/* an MMIO register access that does not trap */
	u64 op_ns;		/* guest/host code around an API call */
	/*
	 * The queueing mode (docs/validation.md). Nonzero: every lock is held
	 * an exponentially distributed time with this mean (instead of
	 * cs_hold_ns), drawn from the scheduler's seeded workload PRNG.
	 */
	u64 cs_exp_ns;
	/* Mean of the exponential think time of sim_cpu_think(); 0: none. */
	u64 think_exp_ns;
	/* Host CPUs (sim_sched_set_pcpus): a CPU's time slice before it requeues. */
	u64 quantum_ns;
	/* Host CPUs: a host CPU switching to another simulated CPU's thread. */
	u64 host_switch_ns;
	/*
	 * A lock acquisition or release in a kernel instance whose previous
	 * acquisition or release was made by another CPU: the instance's
	 * shared lock bookkeeping (the shim's lock-state mutex and class
	 * counters) moving between caches. Charged inside the hold at an
	 * acquisition, after it at a release. 0 by default; `model
	 * --calibrate` measures it.
	 */
	u64 bounce_ns;
};

/*
 * Per kernel instance (bounce_ns): the CPU that last took or released a
 * lock in it, and the virtual time its bookkeeping is busy until. Keys are
 * instance addresses, compared whole, so the charge does not depend on
 * where the instances were allocated. Zero-initialise; sim_bounce_free().
 */
struct sim_bounce_ent {
	const void *inst;
	unsigned int cpu;
	u64 free_at;
};

struct sim_bounce {
	struct sim_bounce_ent *ent;
	size_t n, cap;
};

/*
 * CPU @cpu, at virtual time @now, takes or releases a lock in instance
 * @inst. If another CPU did so last, the bookkeeping moves: it is busy
 * for @ns from max(@now, the end of the previous move) (the shim's
 * lock-state mutex serialises it). Returns the time @cpu spends (waiting
 * and moving; 0 when it was the last) and records @cpu as the last.
 */
u64 sim_bounce_touch(struct sim_bounce *b, const void *inst, unsigned int cpu, u64 now,
		     u64 ns);
void sim_bounce_free(struct sim_bounce *b);

/* The defaults of SIM_COST_MODEL_VERSION. */
extern const struct sim_cost_model sim_cost_default;

/*
 * Apply overrides "field=ns[,field=ns...]" (fields as in struct
 * sim_cost_model, e.g. "vmm_handle_ns=1500,poll_ns=20") to @c, and append
 * "+field=ns" for each to @name (which the caller starts with c->version),
 * so results name the model they were computed under. 0, or -1 with the
 * reason in @err; @c may be partly changed on error.
 */
/* The field called @name ("vm_exit_ns", ...) of @c, or NULL. */
u64 *sim_cost_field(struct sim_cost_model *c, const char *name);

int sim_cost_override(struct sim_cost_model *c, const char *spec, char *name, size_t nlen,
		      char *err, size_t errlen);

#endif /* _SIM_COST_H */
