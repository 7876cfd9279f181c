/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the scheduler's own structures, shared by sched.c (the hot
 * path: heap, context switches, scheduling points, the CPU calls) and
 * sched-run.c (creating, running and destroying a scheduler and its CPUs).
 */
#ifndef SIM_SCHED_INT_H
#define SIM_SCHED_INT_H

#include <pthread.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/compiler.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <sim/kernel.h>
#include <sim/sched.h>
#include <sim/task.h>

#if defined(__SANITIZE_ADDRESS__)
#define SCHED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCHED_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SCHED_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SCHED_TSAN 1
#endif
#endif

#ifdef SCHED_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SCHED_TSAN
#include <sanitizer/tsan_interface.h>
#endif

#if defined(SCHED_ASAN) || defined(SCHED_TSAN)
#define SCHED_STACK_DEFAULT	(1024 * 1024)
#else
#define SCHED_STACK_DEFAULT	(256 * 1024)
#endif
#define SCHED_TIME_LIMIT_DEFAULT	(120ull * 1000 * 1000 * 1000)
#define SCHED_WAIT_BUCKETS	256

enum cpu_state {
	CPU_NEW,		/* runnable, not started */
	CPU_RUNNABLE,		/* in the heap */
	CPU_RUNNING,
	CPU_BLOCKED,		/* on a lock */
	CPU_IDLE,		/* parked until sim_cpu_wake() */
	CPU_DONE,		/* its function returned */
	CPU_PANICKED,		/* abandoned */
};

/*
 * Without sanitizers a switch saves and restores only what the compiler's
 * __builtin_setjmp()/__builtin_longjmp() need (frame, stack pointer, resume
 * address; the compiler spills every other live register around the
 * setjmp): no signal mask, no pointer mangling, no cleanup-handler walk.
 * TSan intercepts libc's longjmp to follow the stack, so it keeps it.
 * ASan's longjmp interceptor (__asan_handle_no_return) unpoisons the stack
 * it leaves, a sigaltstack() call and a memset of up to a megabyte of
 * shadow on every switch (a fifth of the api fuzzer's time); a switch
 * abandons no frame (the context it leaves resumes where it was, and the
 * fiber annotations tell ASan which stack runs), so it is skipped, except
 * when the context left is dying, and a CPU's stack is unpoisoned before
 * it is unmapped.
 */
#if !defined(SCHED_TSAN) && (defined(__GNUC__) || defined(__clang__))
#define SCHED_BUILTIN_JMP 1
#endif

/*
 * An execution context: a CPU's, or the main one of sim_sched_run(). What a
 * switch touches comes first; the ucontext (about 1 KiB, used only for the
 * first entry, and for every switch under TSan) last.
 */
struct ctx {
#ifdef SCHED_BUILTIN_JMP
	void *bjb[5];
#else
	jmp_buf jb;
#endif
	bool started;
	struct sim_kernel *kernel;	/* current instance while switched out */
	struct sim_task *task;		/* NULL for main: the thread's own */
	struct sim_cpu *cpu;		/* NULL for main */
	void *stack;		/* usable stack (NULL for main) */
	size_t stack_size;
	void *map;		/* mapping including the guard page */
	size_t map_size;
#ifdef SCHED_ASAN
	void *fake_stack;
	const void *asan_bottom;
	size_t asan_size;
#endif
#ifdef SCHED_TSAN
	void *fiber;
#endif
	ucontext_t uc;
};

/* A host CPU: who runs on it, or since when it is free and who ran last. */
struct pcpu {
	struct sim_cpu *owner;
	struct sim_cpu *last;
	u64 free_at;
	u64 busy_ns;			/* time owned */
};

/* A heap entry: the CPU's order, copied so that sifting touches only the heap. */
struct hent {
	u64 clock;
	u64 key;
	unsigned int id;
	struct sim_cpu *cpu;
};

/* The hot fields first, the context (with its ucontext at the end) last. */
struct sim_cpu {
	struct sim_sched *s;
	unsigned int id;
	enum cpu_state state;
	u64 clock;
	u64 key;			/* tie-break key while in the heap */
	const void *wait_lock;		/* CPU_BLOCKED: the lock */
	struct sim_cpu *bnext, *bprev;	/* blocked list */
	u64 bseq;			/* CPU_BLOCKED: order of blocking (FIFO wake-up) */
	struct sim_kernel *home;
	struct sim_task *task;		/* the CPU's own task */
	struct sim_task *alt;		/* its second task (a VMM thread) */
	bool vwaited;			/* waited for a lock in virtual time: yield */
	u64 acquired_at;		/* clock when it last took a lock (before the hold) */
	int pcpu;			/* the host CPU it runs on, or -1 */
	u64 slice_start;		/* when it got it */
	u64 rq_since;			/* waiting for a host CPU since */
	u64 rq_wait;			/* total run-queue wait */
	u64 tacct[SIM_T_N];		/* where its virtual time went */
	u64 tmark;			/* clock up to which tacct is settled */
	sim_cpu_fn fn;
	void *arg;
	void *data;
	char name[32];
	struct ctx ctx;
};

/*
 * A grace period looks only at the CPUs whose last RCU exit is after its
 * start: rcu_exits is scanned a block at a time, skipping every block whose
 * maximum is not after it (in a large world nearly all of them).
 */
#define RCU_EXIT_BLOCK		64

struct sim_sched {
	struct sim_cost_model cost;
	u64 prng;
	sim_tiebreak_fn tiebreak;
	void *tb_arg;
	u64 time_limit, stop_at;

	struct sim_cpu **cpus;
	unsigned int ncpus, cpus_cap;
	u64 *rcu_exits;			/* [2 id]: own task's last RCU exit, [2 id + 1]: alt's */
	/* [i / RCU_EXIT_BLOCK]: the largest rcu_exits[i] of that block ever */
	u64 *rcu_exit_max;
	struct hent *heap;
	unsigned int nheap;
	/* CPU_BLOCKED, by lock: newest first, so the oldest is at the tail */
	struct sim_cpu *blocked[SCHED_WAIT_BUCKETS], *blocked_tail[SCHED_WAIT_BUCKETS];
	unsigned int nblocked;
	u64 bseq;			/* blockings so far */

	struct ctx main;
	struct ctx *cur;		/* context running now */
	struct ctx *switch_from;	/* context of the last switch away */
	bool running, stopped;
	enum sim_sched_result result;
	struct sim_cpu *panicked;
	char report[1024];
	u64 switches;
	u64 now;			/* highest clock seen */
	u64 epoch;			/* this scheduler's clock domain in lock records */
	u64 wprng;			/* workload PRNG: exponential holds and think times */

	/* Host CPUs (sim_sched_set_pcpus); none: every CPU has its own. */
	struct pcpu *pcpu;
	unsigned int npcpu;
	unsigned int pcpu_waiters;	/* CPUs inside pcpu_get() */
	u64 rq_wait;			/* total of every CPU's run-queue wait */

	const char *scale_name;		/* sim_sched_scale_lock() */
	double scale;

	bool hold_log_on;
	struct sim_hold *hold_log;
	size_t nhold, hold_cap;

	unsigned int preempt;		/* schedule fuzzing: SIM_PREEMPT_* (preempt.c) */
	u64 preemptions;
	struct sim_bounce bounce;	/* cost.bounce_ns: last CPU per instance */
};

/* A spinlock_t and a struct mutex keep their class name at the same place. */
_Static_assert(offsetof(spinlock_t, name) == offsetof(struct mutex, name),
	       "lock names at one offset");

static inline const char *lock_name(const void *lock)
{
	const char *n = ((const spinlock_t *)lock)->name;

	return n ? n : "(uninitialised)";
}

/*
 * Time accounting: a CPU's clock advances either by a charge of a known
 * kind (sim_cpu_advance_as(), lock and run-queue waits, idling) or by
 * plain work, which counts for the task it ran as: the VMM thread's (in the
 * host kernel) or the CPU's own (the guest, or a host CPU's caller).
 */
static inline void acct_settle(struct sim_cpu *c)
{
	c->tacct[c->alt && c->ctx.task == c->alt ? SIM_T_HOST : SIM_T_GUEST] += c->clock - c->tmark;
	c->tmark = c->clock;
}

/* Settle, then count what the clock moved since @from as @cat. */
static inline void acct_wait(struct sim_cpu *c, u64 from, enum sim_time_cat cat)
{
	c->tacct[cat] += c->clock - from;
	c->tmark = c->clock;
}

/* Clock domains: never reused, so a lock's release record from another scheduler is ignored. */
extern u64 sched_epochs;

extern const struct sim_task_hooks cpu_hooks, cpu_hooks_preempt;

/* A CPU's tasks' hooks: with the preemption points only while schedules are fuzzed. */
static inline const struct sim_task_hooks *hooks_of(const struct sim_sched *s)
{
	return s->preempt ? &cpu_hooks_preempt : &cpu_hooks;
}

extern __thread struct sim_sched *cur_sched;
extern __thread struct sim_cpu *cur_cpu;
extern __thread struct sim_cpu *starting_cpu;

void __attribute__((noreturn)) sched_oom(void);
#define oom sched_oom

/* The block maximum that rcu_exits[@i] keeps up to date. */
static inline u64 *exit_max_of(struct sim_sched *s, unsigned int i)
{
	return &s->rcu_exit_max[i / RCU_EXIT_BLOCK];
}

/* sched.c, for sched-run.c */
u64 sched_clock(void *arg);
struct ctx *sched_pick_next(struct sim_sched *s);
void sched_heap_push(struct sim_sched *s, struct sim_cpu *c);
void sched_ctx_switch(struct sim_sched *s, struct ctx *from, struct ctx *to, bool dying);
void sched_cpu_trampoline(void);

#endif /* SIM_SCHED_INT_H */
