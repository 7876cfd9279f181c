/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: user-space control of the simulated kernel.
 *
 * Kernel code (core/, Linux's ioasid.c) sees only <linux/...> headers. Tests, the
 * world, fuzzers and tools use this header to create kernel instances, choose
 * which one is running, inject faults and read what happened: findings (WARN,
 * BUG, lockdep reports, leaks), the printk log, slab accounting and lockstat.
 *
 * Every function that takes a struct sim_kernel * accepts NULL to mean the
 * current instance (sim_kernel_current()).
 */
#ifndef _SIM_KERNEL_H
#define _SIM_KERNEL_H

#include <linux/types.h>
#include <stdio.h>

struct sim_kernel;

/* ---- instances (sim/kernel/instance.c) ---------------------------------- */

/* A new kernel instance with empty state. Never NULL (aborts on OOM). */
struct sim_kernel *sim_kernel_create(const char *name);
/*
 * Tear an instance down: run every pending RCU callback, report live slab
 * objects as SIM_FINDING_LEAK findings (and on stderr), free the instance.
 * Returns the number of leaked objects.
 */
size_t sim_kernel_destroy(struct sim_kernel *k);
const char *sim_kernel_name(const struct sim_kernel *k);
/*
 * The instance running on this thread. Never NULL: a thread that entered
 * none runs in the process-wide default instance ("default").
 */
struct sim_kernel *sim_kernel_current(void);
/* Make @k current on this thread; returns the previous one (maybe NULL). */
struct sim_kernel *sim_kernel_enter(struct sim_kernel *k);
/* Restore what sim_kernel_enter() returned. */
void sim_kernel_leave(struct sim_kernel *prev);

/* ---- findings (sim/kernel/bug.c) ---------------------------------------- */

enum sim_finding_kind {
	SIM_FINDING_WARN,		/* WARN_ON() and friends */
	SIM_FINDING_BUG,		/* BUG()/BUG_ON() */
	SIM_FINDING_PANIC,		/* panic() */
	SIM_FINDING_LOCKDEP,		/* lock order inversion, bad unlock, ... */
	SIM_FINDING_ATOMIC_SLEEP,	/* sleeping function in atomic context */
	SIM_FINDING_RCU,		/* RCU misuse (sync in read side, ...) */
	SIM_FINDING_SLAB,		/* double free, bad pointer, redzone */
	SIM_FINDING_LEAK,		/* live objects at instance teardown */
	SIM_FINDING_INVARIANT,		/* a cross-layer invariant of a world broke */
	SIM_FINDING__COUNT
};

struct sim_finding {
	enum sim_finding_kind kind;
	const char *file;		/* static string, or NULL */
	int line;
	unsigned long long seq;		/* order among all findings of the instance */
	char msg[256];
};

void sim_finding_add(struct sim_kernel *k, enum sim_finding_kind kind,
		     const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Number of findings of @kind, or of every kind when @kind is -1. */
size_t sim_findings_count(struct sim_kernel *k, int kind);
/* The @i-th finding (0-based, in order of occurrence), NULL past the end. */
const struct sim_finding *sim_finding_get(struct sim_kernel *k, size_t i);
void sim_findings_clear(struct sim_kernel *k);
const char *sim_finding_kind_name(enum sim_finding_kind kind);
/* Print every finding, one per line, to @out. */
void sim_findings_print(struct sim_kernel *k, FILE *out);

/*
 * Called on BUG() and panic() after the finding is recorded. It must not
 * return (longjmp out of the simulated CPU); if it does, or none is set, the
 * process prints the finding and aborts.
 */
typedef void (*sim_panic_fn)(struct sim_kernel *k, const struct sim_finding *f,
			     void *arg);
void sim_set_panic_handler(struct sim_kernel *k, sim_panic_fn fn, void *arg);

/* ---- printk log (sim/kernel/printk.c) ----------------------------------- */

size_t sim_log_count(struct sim_kernel *k);
/* Text of record @i without the level prefix; @level gets 0..7 or -1. */
const char *sim_log_text(struct sim_kernel *k, size_t i, int *level);
/* True if any record contains @needle. */
bool sim_log_contains(struct sim_kernel *k, const char *needle);
void sim_log_clear(struct sim_kernel *k);
/* Records dropped so far because the log keeps only the most recent 4096. */
size_t sim_log_dropped(struct sim_kernel *k);
/* Echo records to stderr as they are logged (default: env PASIDSIM_PRINTK). */
void sim_log_echo(struct sim_kernel *k, bool on);

/* ---- slab accounting and fault injection (sim/kernel/slab.c) ------------- */

struct sim_slab_stats {
	u64 live_objects;
	u64 live_bytes;
	u64 peak_bytes;
	u64 attempts;		/* kmalloc-family calls, failed ones included */
	u64 allocs;		/* successful allocations */
	u64 frees;
	u64 injected;		/* failures injected */
};

void sim_slab_stats(struct sim_kernel *k, struct sim_slab_stats *out);
/* Live objects of the kmem_cache called @name (e.g. "radix_tree_node"). */
size_t sim_slab_live_in_cache(struct sim_kernel *k, const char *name);
/* Print live objects with their allocation sites; returns how many. */
size_t sim_slab_report_leaks(struct sim_kernel *k, FILE *out);

/* Fail the @nth allocation attempt from now on (1 = the next); 0 disarms. */
void sim_fault_fail_nth(struct sim_kernel *k, u64 nth);
/*
 * Fail every allocation made from function @func, or from the kmem_cache named
 * @func ("radix_tree_node": every XArray node); NULL disarms.
 */
void sim_fault_fail_site(struct sim_kernel *k, const char *func);
/* Fail each allocation with probability @per_million, from a PRNG seeded by @seed. */
void sim_fault_fail_probability(struct sim_kernel *k, u32 per_million, u64 seed);
/* Restrict injection to allocations that cannot sleep (GFP_ATOMIC, GFP_NOWAIT). */
void sim_fault_atomic_only(struct sim_kernel *k, bool on);
/*
 * A hook asked at every allocation attempt (after the knobs above): return
 * true to fail it. Fuzzers decide from their input bytes.
 */
typedef bool (*sim_fault_fn)(void *arg, const char *site, size_t size, gfp_t gfp);
void sim_fault_set_hook(struct sim_kernel *k, sim_fault_fn fn, void *arg);
/* Disarm every knob and the hook. */
void sim_fault_reset(struct sim_kernel *k);

/* ---- locks and lockstat (sim/kernel/lock.c) ------------------------------ */

struct sim_lockstat {
	const char *name;		/* lock class name */
	u64 acquisitions;
	u64 contentions;
	u64 wait_min_ns, wait_max_ns, wait_total_ns;
	u64 hold_min_ns, hold_max_ns, hold_total_ns;
};

typedef void (*sim_lockstat_fn)(const struct sim_lockstat *st, void *arg);
/* Visit every lock class used in @k, in first-use order. */
void sim_lockstat_foreach(struct sim_kernel *k, sim_lockstat_fn fn, void *arg);
void sim_lockstat_reset(struct sim_kernel *k);
/* Locks the calling task holds right now. */
unsigned int sim_locks_held(void);

/* ---- clock (sim/kernel/instance.c) -------------------------------------- */

/*
 * Time source for lockstat, delays and the device models. sim_clock_ns() is
 * the running task's virtual clock when it has one (a CPU of a world,
 * sim_task_set_clock), else the current instance's clock function, else
 * CLOCK_MONOTONIC. The clock belongs to a task or an instance, never to the
 * process: @k NULL sets the current instance's; @fn NULL removes it.
 */
typedef u64 (*sim_clock_fn)(void *arg);
void sim_kernel_set_clock(struct sim_kernel *k, sim_clock_fn fn, void *arg);
u64 sim_clock_ns(void);

/* ---- RCU (sim/kernel/rcu.c) --------------------------------------------- */

/* Callbacks queued in @k and not yet run. */
size_t sim_rcu_pending(struct sim_kernel *k);
/*
 * A quiescent point of the calling task: if no reader is inside a read-side
 * critical section that began before the callbacks were queued, run them.
 * Must be called outside any read-side section and without locks held.
 * Returns the number of callbacks run.
 */
size_t sim_rcu_quiescent(void);

#endif /* _SIM_KERNEL_H */
