/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the deterministic scheduler of simulated CPUs.
 *
 * Every simulated CPU (a vCPU of a VM, a host CPU) is a coroutine on the
 * calling pthread, with its own struct sim_task and its own virtual clock.
 * A CPU runs until it reaches a scheduling point: a lock acquisition, a
 * contended lock (it blocks until the holder releases it), cpu_relax(), a
 * delay, an RCU grace period waiting for readers, or sim_cpu_yield() (an
 * operation boundary). There, the runnable CPU with the lowest clock runs
 * next; equal clocks are ordered by a key drawn from a PRNG seeded at
 * creation, or from a caller-supplied function (a fuzzer's input bytes).
 * sim_clock_ns() returns the running CPU's clock.
 *
 * sim_sched_run() returns when no CPU can run: all idle or finished
 * (SIM_SCHED_IDLE), some blocked on locks (SIM_SCHED_DEADLOCK), a CPU
 * panicked (SIM_SCHED_PANIC: install sim_sched_panic_handler() on every
 * kernel instance the CPUs run in), or a CPU's clock passed the time limit
 * (SIM_SCHED_TIME_LIMIT). It never hangs on a deadlock and never aborts on
 * a simulated panic. After DEADLOCK, PANIC or TIME_LIMIT the scheduler is
 * stopped for good: destroy it (and reset the kernels the CPUs ran in).
 *
 * See docs/world.md.
 */
#ifndef _SIM_SCHED_H
#define _SIM_SCHED_H

#include <linux/types.h>
#include <sim/cost.h>
#include <sim/task.h>

struct sim_kernel;
struct sim_finding;
struct sim_sched;
struct sim_cpu;

enum sim_sched_result {
	SIM_SCHED_IDLE,		/* nothing left to run */
	SIM_SCHED_DEADLOCK,	/* every CPU left is blocked on a lock */
	SIM_SCHED_PANIC,	/* a CPU panicked (BUG, panic) */
	SIM_SCHED_TIME_LIMIT,	/* a CPU's clock passed the time limit */
};

/* Returns a tie-break key; lower runs first. */
typedef u64 (*sim_tiebreak_fn)(void *arg);
/* The body of a CPU; the CPU is finished when it returns. */
typedef void (*sim_cpu_fn)(struct sim_cpu *cpu, void *arg);

/* @cost: NULL for sim_cost_default; copied. */
struct sim_sched *sim_sched_create(const struct sim_cost_model *cost, u64 seed);
/*
 * Destroy every CPU (finished or not) and the scheduler. Not while running.
 * The CPUs' stacks are kept in a per-process pool for the next CPUs created
 * (memory, not simulation state; not under TSan).
 */
void sim_sched_destroy(struct sim_sched *s);
/* Stacks in that pool now. */
unsigned int sim_sched_stack_pool_size(void);
/* Use @fn instead of the seeded PRNG for tie-break keys (NULL: the PRNG). */
void sim_sched_set_tiebreak(struct sim_sched *s, sim_tiebreak_fn fn, void *arg);
/* Stop a run when a CPU's clock passes its start + @ns (default 120 s). */
void sim_sched_set_time_limit(struct sim_sched *s, u64 ns);
const struct sim_cost_model *sim_sched_cost(const struct sim_sched *s);

/*
 * A new CPU, runnable at virtual time @start, that runs @fn(cpu, @arg) in
 * kernel instance @k (it may enter others). @stack_size 0: the default.
 */
struct sim_cpu *sim_cpu_create(struct sim_sched *s, const char *name, struct sim_kernel *k,
			       sim_cpu_fn fn, void *arg, u64 start, size_t stack_size);

enum sim_sched_result sim_sched_run(struct sim_sched *s);
/* What stopped the last run, in words ("" after IDLE). */
const char *sim_sched_report(const struct sim_sched *s);
/* The CPU that panicked in the last run, or NULL. */
struct sim_cpu *sim_sched_panicked(const struct sim_sched *s);
/* Context switches so far. */
u64 sim_sched_switches(const struct sim_sched *s);
/* The highest clock any CPU has reached. */
u64 sim_sched_now(const struct sim_sched *s);

/* ---- schedule fuzzing (sim/sched/preempt.c) ------------------------------------- */

/*
 * Not a preemption point: a VMM's host VFIO calls (sim_vmm_call()) are not
 * serialised by its big lock, as a VMM issuing its VFIO ioctls from several
 * threads would have them (the kernel must be right whatever a VMM
 * serialises).
 */
#define SIM_PREEMPT_VMM_CALLS	0x4u
#define SIM_PREEMPT_ALL		(SIM_PREEMPT_RCU | SIM_PREEMPT_UNLOCK | SIM_PREEMPT_VMM_CALLS)
/* The unit of a preemption's length: a key's byte 0x80 + n preempts (n + 1) x this. */
#define SIM_PREEMPT_UNIT_NS	1000ull

/*
 * Schedule fuzzing, off (0) by default: at every preemption point of @mask
 * (SIM_PREEMPT_RCU, SIM_PREEMPT_UNLOCK) the running CPU draws a key from
 * the tie-break function (or the PRNG), and sim_preempt_ns(key) says for how
 * long it is preempted: its clock moves on by that much (run-queue wait)
 * and it yields, so every CPU behind it runs first -- a reader stopped in
 * the middle of its read-side section, a lock just released with the rest
 * of the function still to run. SIM_PREEMPT_VMM_CALLS also drops a VMM's
 * serialisation of host VFIO calls. Off: nothing is drawn (every event log
 * as before). Any time, also between runs; lasts for the scheduler's life.
 */
void sim_sched_set_preempt(struct sim_sched *s, unsigned int mask);
unsigned int sim_sched_preempt(const struct sim_sched *s);
/* Preemptions so far (keys that asked for one). */
u64 sim_sched_preemptions(const struct sim_sched *s);
/* The schedule-fuzzing mask of the running CPU's scheduler; 0 off every CPU. */
unsigned int sim_cpu_preempt(void);
/*
 * How long a preemption point preempts for key @key: its low byte b, 0 when
 * b < 0x80 (no preemption; so a fuzzer's bytes past the input's end, 0,
 * never preempt), else (b - 0x7f) * SIM_PREEMPT_UNIT_NS (1 to 128 us).
 */
u64 sim_preempt_ns(u64 key);
/* "off", or the points of @mask: "rcu,unlock,vmm-calls"; returns @buf. */
const char *sim_preempt_name(unsigned int mask, char *buf, size_t len);

/* ---- host CPUs ---------------------------------------------------------------- */

/*
 * Run the CPUs on @n host CPUs, time-shared (quantum cost.quantum_ns, a
 * FIFO run queue in virtual time, cost.host_switch_ns when a host CPU
 * changes threads); 0 (the default): every CPU has a host CPU of its own.
 * Before the first run only. See docs/world.md.
 */
void sim_sched_set_pcpus(struct sim_sched *s, unsigned int n);
unsigned int sim_sched_pcpus(const struct sim_sched *s);
/* Total run-queue wait (waiting for a host CPU) of every CPU so far. */
u64 sim_sched_rq_wait(const struct sim_sched *s);
/* Total time host CPUs were owned, up to the last release. */
u64 sim_sched_pcpu_busy(const struct sim_sched *s);
u64 sim_cpu_rq_wait(const struct sim_cpu *cpu);

/* ---- the lock hold log ------------------------------------------------------- */

/* One lock hold, in virtual time: taken at @start (after any wait), released at @end. */
struct sim_hold {
	const void *lock;
	const char *name;	/* its class name ("host CPUs" for a host CPU) */
	u64 start, end;
	unsigned int cpu;	/* sim_cpu_id() */
};

/* Per lock, from a hold log. */
struct sim_hold_lock {
	const void *lock;
	const char *name;
	u64 acquisitions;
	u64 hold_ns;		/* total */
	u64 min_hold_ns;
	u64 first_start, last_end;
};

/*
 * Record every lock release of @s's CPUs (off by default; costs a record
 * per release). The log keeps growing until the scheduler is destroyed.
 */
void sim_sched_set_hold_log(struct sim_sched *s, bool on);
const struct sim_hold *sim_sched_hold_log(const struct sim_sched *s, size_t *n);
/*
 * Check a hold log of a run over virtual time [@begin, @end]: for every
 * lock, no two hold intervals overlap, every interval lies in the run,
 * the total hold is at most @end - @begin, and acquisitions x minimum hold
 * is at most @end - @begin (throughput <= 1/S). 0, or -1 with @err set.
 */
int sim_hold_check(const struct sim_hold *log, size_t n, u64 begin, u64 end, char *err,
		   size_t len);
/* Per-lock totals of a hold log, by lock address; returns how many (<= @max). */
size_t sim_hold_summary(const struct sim_hold *log, size_t n, struct sim_hold_lock *out,
			size_t max);

/*
 * The panic handler for every kernel a CPU of @arg (the struct sim_sched)
 * runs in: sim_set_panic_handler(k, sim_sched_panic_handler, s). The
 * panicking CPU is abandoned and the run stops with SIM_SCHED_PANIC.
 */
void sim_sched_panic_handler(struct sim_kernel *k, const struct sim_finding *f, void *arg);

/* ---- CPUs ------------------------------------------------------------------- */

/* The CPU running on this thread, or NULL outside any. */
struct sim_cpu *sim_cpu_current(void);
const char *sim_cpu_name(const struct sim_cpu *cpu);
unsigned int sim_cpu_id(const struct sim_cpu *cpu);
struct sim_kernel *sim_cpu_kernel(const struct sim_cpu *cpu);
u64 sim_cpu_clock(const struct sim_cpu *cpu);
bool sim_cpu_finished(const struct sim_cpu *cpu);
/* Per-CPU user data. */
void sim_cpu_set_data(struct sim_cpu *cpu, void *data);
void *sim_cpu_data(const struct sim_cpu *cpu);

/* On a CPU: charge @ns of virtual time (no scheduling point). */
void sim_cpu_advance(u64 ns);

/* Where virtual time goes (sim_sched_time_split()). */
enum sim_time_cat {
	SIM_T_GUEST,		/* the CPU's own task: guest kernel and the caller's code */
	SIM_T_EXIT,		/* VM exits and entries */
	SIM_T_VMM,		/* the VMM's handling of a trapped access */
	SIM_T_HOST,		/* the VMM thread in the host kernel (the VFIO call, host locks) */
	SIM_T_LOCK_WAIT,	/* waiting for a lock, blocked or in virtual time */
	SIM_T_RQ_WAIT,		/* waiting for a host CPU, and host CPU switches */
	SIM_T_IDLE,		/* nothing to do */
	SIM_T_N
};

/* sim_cpu_advance(), counted as @cat. */
void sim_cpu_advance_as(enum sim_time_cat cat, u64 ns);
/* Every CPU's virtual time so far, by category. */
void sim_sched_time_split(const struct sim_sched *s, u64 out[SIM_T_N]);
/*
 * What-if: every acquisition of a lock of class @name (kept, not copied)
 * holds it @factor times its hold cost (cs_hold_ns or the exponential
 * draw). NULL: none.
 */
void sim_sched_scale_lock(struct sim_sched *s, const char *name, double factor);
/* On a CPU: a scheduling point. */
void sim_cpu_yield(void);
/*
 * On a CPU: think for an exponential time of mean cost.think_exp_ns (the
 * queueing mode; nothing when it is 0), then a scheduling point.
 */
void sim_cpu_think(void);
/* The CPU's clock when it last took a lock, before the hold was charged. */
u64 sim_cpu_acquired_at(const struct sim_cpu *cpu);
/* On a CPU: park until sim_cpu_wake(). */
void sim_cpu_idle(void);
/* Make an idle CPU runnable, its clock at least @at. No-op if not idle. */
void sim_cpu_wake(struct sim_cpu *cpu, u64 at);
bool sim_cpu_is_idle(const struct sim_cpu *cpu);
/*
 * On a CPU: run as the CPU's second task (@on) or its own again. A vCPU's
 * second task is its VMM thread: on a VM exit the CPU leaves the guest's
 * context (held locks, preemption and RCU state stay with the guest task)
 * for the VMM's, and comes back on VM entry. No-op off a CPU.
 */
void sim_cpu_task_alt(bool on);

#endif /* _SIM_SCHED_H */
