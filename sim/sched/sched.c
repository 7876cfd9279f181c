// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the deterministic scheduler (see <sim/sched.h>, docs/world.md).
 *
 * Coroutines. Each CPU has its own stack (mmap, with a guard page). It is
 * entered the first time with setcontext() on a makecontext() context;
 * after that, switches use _setjmp()/_longjmp(), which unlike swapcontext()
 * make no system call (no signal mask to save). Under ThreadSanitizer every
 * switch is a swapcontext() after __tsan_switch_to_fiber(), the sequence TSan
 * documents for fibers. Under AddressSanitizer each switch is bracketed by
 * __sanitizer_start_switch_fiber()/__sanitizer_finish_switch_fiber() so that
 * ASan knows which stack is in use (and a finished or abandoned CPU's fake
 * stack is released).
 *
 * Switching a CPU in makes its struct sim_task current (sim_task_switch())
 * and restores the kernel instance it was running in; switching it out
 * saves that instance. The shim calls back into this file through the
 * task's hooks (<sim/task.h>) at its scheduling points.
 *
 * Order. Runnable CPUs wait in a binary heap ordered by (clock, key, id):
 * the key is drawn when the CPU enters the heap, from the PRNG or the
 * caller's tie-break function, so equal clocks are ordered by the seed. At
 * a scheduling point the running CPU keeps the processor when no waiting
 * CPU is ahead of it; otherwise it goes back in the heap and the first one
 * runs (a direct coroutine-to-coroutine switch). The main context (the
 * caller of sim_sched_run()) is returned to only when the heap is empty or
 * the run must stop.
 *
 * Blocking. A CPU that finds a lock held blocks on the lock's address; a
 * release wakes the CPU that blocked on it first, at the releaser's clock
 * plus the lock hand-off cost (the others wait for later releases: no
 * thundering herd); a CPU that finds the lock free in execution order at a
 * clock before its release may still take it first (see below). If the heap empties while
 * CPUs are blocked, that is a deadlock.
 *
 * Mutual exclusion in virtual time. A CPU's clock jumps ahead between
 * scheduling points (a critical section charges its costs without
 * yielding), so a lock can be free in execution order while a CPU whose
 * clock is behind the release reaches it. Every release therefore records
 * its virtual time in the lock (struct sim_lock_vt, stamped with this
 * scheduler's epoch), and an acquisition takes the lock at
 * max(own clock, release + lock_handoff_ns) (no hand-off when the same
 * CPU released it), counts the difference as lock wait, and then yields
 * so that CPUs behind its new clock run first, as a woken waiter would.
 * A trylock at a clock before the release fails. Hold intervals of one
 * lock therefore never overlap; the optional hold log records them.
 */
#define _GNU_SOURCE
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
static u64 sched_epochs;

static const struct sim_task_hooks cpu_hooks, cpu_hooks_preempt;

/* A CPU's tasks' hooks: with the preemption points only while schedules are fuzzed. */
static inline const struct sim_task_hooks *hooks_of(const struct sim_sched *s)
{
	return s->preempt ? &cpu_hooks_preempt : &cpu_hooks;
}

static __thread struct sim_sched *cur_sched;
static __thread struct sim_cpu *cur_cpu;
static __thread struct sim_cpu *starting_cpu;

static void __attribute__((noreturn)) oom(void)
{
	fprintf(stderr, "pasidsim: sched.c: out of memory\n");
	abort();
}

/* ---- clock ---------------------------------------------------------------------- */

/*
 * On a CPU, sim_clock_ns() reads the CPU's task clock (sim_task_set_clock).
 * Off every CPU, an instance that CPUs run in reads the clock of the scheduler
 * running on this thread (the highest clock a CPU has reached), or
 * CLOCK_MONOTONIC outside sim_sched_run(). It is installed per instance
 * (sim_cpu_create), never process-wide.
 */
static u64 sched_clock(void *arg)
{
	struct timespec ts;

	if (cur_sched)
		return cur_sched->now;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

/* ---- PRNG and heap ------------------------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014) */
static u64 prng_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 draw_key(struct sim_sched *s)
{
	u64 k = s->tiebreak ? s->tiebreak(s->tb_arg) : prng_next(&s->prng);

	/* With host CPUs, keys with the top bit set order CPUs waiting for one. */
	return s->npcpu ? k >> 1 : k;
}

static inline bool before(const struct hent *a, const struct hent *b)
{
	if (a->clock != b->clock)
		return a->clock < b->clock;
	if (a->key != b->key)
		return a->key < b->key;
	return a->id < b->id;
}

static inline struct hent hent_of(const struct sim_cpu *c)
{
	return (struct hent){ c->clock, c->key, c->id, (struct sim_cpu *)c };
}

/* The runnable CPU that runs next (the heap is not empty). */
static inline struct sim_cpu *heap_top(const struct sim_sched *s)
{
	return s->heap[0].cpu;
}

static void heap_push_keyed(struct sim_sched *s, struct sim_cpu *c);

static void heap_push(struct sim_sched *s, struct sim_cpu *c)
{
	c->key = draw_key(s);
	heap_push_keyed(s, c);
}

/* Push @c with the key it has. */
static void heap_push_keyed(struct sim_sched *s, struct sim_cpu *c)
{
	unsigned int i = s->nheap++;
	struct hent e = hent_of(c);

	while (i) {
		unsigned int p = (i - 1) / 2;

		if (!before(&e, &s->heap[p]))
			break;
		s->heap[i] = s->heap[p];
		i = p;
	}
	s->heap[i] = e;
}

/* Put @e at slot @i and sift it down into place among the first @n entries. */
static void heap_sift_down(struct sim_sched *s, unsigned int i, unsigned int n,
			   const struct hent *e)
{
	struct hent *h = s->heap;

	while (2 * i + 1 < n) {
		unsigned int c = 2 * i + 1;

		if (c + 1 < n && before(&h[c + 1], &h[c]))
			c++;
		if (!before(&h[c], e))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = *e;
}

static struct sim_cpu *heap_pop(struct sim_sched *s)
{
	struct sim_cpu *top;

	if (!s->nheap)
		return NULL;
	top = s->heap[0].cpu;
	if (--s->nheap)
		heap_sift_down(s, 0, s->nheap, &s->heap[s->nheap]);
	return top;
}

/*
 * Pop the first CPU and push @c (its key already drawn) in one sift: the same
 * heap contents as heap_push(@c) then heap_pop() when @c is not first.
 */
static struct sim_cpu *heap_replace_top(struct sim_sched *s, struct sim_cpu *c)
{
	struct sim_cpu *top = s->heap[0].cpu;
	struct hent e = hent_of(c);

	heap_sift_down(s, 0, s->nheap, &e);
	return top;
}

/* ---- context switching ------------------------------------------------------------- */

/* Bookkeeping once @to runs again. */
static void ctx_resumed(struct sim_sched *s, struct ctx *to)
{
#ifdef SCHED_ASAN
	struct ctx *from = s->switch_from;
	const void *bottom;
	size_t size;

	__sanitizer_finish_switch_fiber(to->fake_stack, &bottom, &size);
	if (from && !from->stack) {
		/* Learn the main stack's bounds for switching back to it. */
		from->asan_bottom = bottom;
		from->asan_size = size;
	}
#endif
	s->cur = to;
	cur_cpu = to->cpu;
	/* The instance current until now is the one @from ran in. */
	if (s->switch_from)
		s->switch_from->kernel = sim_task_resume(to->task, to->kernel);
	else
		sim_task_resume(to->task, to->kernel);
	if (to->cpu)
		to->cpu->state = CPU_RUNNING;
}

static void cpu_trampoline(void);

#ifndef SCHED_TSAN
/*
 * Resume @to where it switched away, or start it. Out of line: see
 * __builtin_longjmp. Under ASan it is neither noreturn nor instrumented:
 * ASan's instrumentation would call __asan_handle_no_return() before the
 * jump (see SCHED_BUILTIN_JMP).
 */
#ifdef SCHED_ASAN
#define CTX_ENTER_ATTR	__attribute__((no_sanitize("address")))
#else
#define CTX_ENTER_ATTR	__attribute__((noreturn))
#endif
static noinline CTX_ENTER_ATTR void ctx_enter(struct ctx *to)
{
	if (to->started) {
#ifdef SCHED_BUILTIN_JMP
		__builtin_longjmp(to->bjb, 1);
#else
		_longjmp(to->jb, 1);
#endif
	}
	to->started = true;
	starting_cpu = to->cpu;
	setcontext(&to->uc);
	abort();
}
#endif

/*
 * Switch from @from (the running context) to @to. Returns when @from runs
 * again; never if @dying (@from is finished or abandoned).
 */
#ifdef SCHED_ASAN
/* no instrumentation: it would call __asan_handle_no_return() before ctx_enter() */
__attribute__((no_sanitize("address")))
#endif
static void ctx_switch(struct sim_sched *s, struct ctx *from, struct ctx *to, bool dying)
{
	s->switches++;
#ifdef SCHED_ASAN
	if (to->stack)
		__sanitizer_start_switch_fiber(dying ? NULL : &from->fake_stack, to->stack,
					       to->stack_size);
	else
		__sanitizer_start_switch_fiber(dying ? NULL : &from->fake_stack, to->asan_bottom,
					       to->asan_size);
#endif
	s->cur = to;
	s->switch_from = from;
#ifdef SCHED_TSAN
	__tsan_switch_to_fiber(to->fiber, 0);
	if (!to->started) {
		to->started = true;
		starting_cpu = to->cpu;
	}
	swapcontext(&from->uc, &to->uc);
#elif defined(SCHED_BUILTIN_JMP)
#ifdef SCHED_ASAN
	if (dying)
		__asan_handle_no_return();	/* what its longjmp would do */
#endif
	if (!__builtin_setjmp(from->bjb))
		ctx_enter(to);
#else
	if (!_setjmp(from->jb))
		ctx_enter(to);
#endif
	ctx_resumed(s, from);
}

/* The next context to run after the running CPU stops or yields. */
static struct ctx *pick_next(struct sim_sched *s)
{
	struct sim_cpu *c;

	if (s->stopped || !s->nheap)
		return &s->main;
	c = heap_top(s);
	if (c->clock > s->stop_at) {
		s->stopped = true;
		s->result = SIM_SCHED_TIME_LIMIT;
		snprintf(s->report, sizeof(s->report),
			 "time limit: CPU %s reached %llu ns (limit %llu ns)", c->name,
			 (unsigned long long)c->clock, (unsigned long long)s->stop_at);
		return &s->main;
	}
	heap_pop(s);
	return &c->ctx;
}

/* The running CPU gives up the processor (its state is already set). */
static void cpu_leave(struct sim_cpu *self, bool dying)
{
	struct sim_sched *s = self->s;
	struct ctx *next;

	if (self->clock > s->now)
		s->now = self->clock;
	next = pick_next(s);
	if (next == &self->ctx) {
		self->state = CPU_RUNNING;
		return;
	}
	ctx_switch(s, &self->ctx, next, dying);
}

/* ---- host CPUs ------------------------------------------------------------------ */

/*
 * Time-sharing of host CPUs (sim_sched_set_pcpus), see docs/world.md. A CPU
 * runs only while it owns a host CPU. It gives it back when it blocks on a
 * lock, idles, finishes, or at a scheduling point after a quantum; then it
 * asks again. A CPU asking for one (pcpu_get) takes the earliest free host
 * CPU at max(own clock, when it was freed) (then pays host_switch_ns if
 * another CPU ran on it last), but only once no CPU can free one earlier
 * in virtual time and
 * no CPU that asked earlier is still waiting: until then it moves its clock
 * to the next event (the earliest free host CPU or the lowest clock of an
 * owner) and yields behind every CPU at that clock, ordered by the time it
 * asked (keys with the top bit set; see draw_key()). The run queue is
 * therefore FIFO in virtual time, and the time spent waiting is run-queue
 * wait.
 */
static void cpu_leave(struct sim_cpu *self, bool dying);

/* Go back in the heap behind every CPU at @c's clock that does not wait for a host CPU. */
static void yield_waiting(struct sim_cpu *c)
{
	struct sim_sched *s = c->s;

	if (!s->nheap)
		return;
	if (c->clock > s->now)
		s->now = c->clock;
	c->key = (1ull << 63) | (c->rq_since < (1ull << 63) ? c->rq_since : (1ull << 63) - 1);
	c->state = CPU_RUNNABLE;
	heap_push_keyed(s, c);
	cpu_leave(c, false);
}

static void hold_log_add(struct sim_sched *s, const void *lock, const char *name, u64 start,
			 u64 end, unsigned int cpu);

static void pcpu_put(struct sim_cpu *c)
{
	struct pcpu *p;

	if (c->pcpu < 0)
		return;
	p = &c->s->pcpu[c->pcpu];
	/* Host CPUs are in the hold log too: their owners must not overlap either. */
	if (unlikely(c->s->hold_log_on))
		hold_log_add(c->s, p, "host CPUs", c->slice_start, c->clock, c->id);
	p->owner = NULL;
	p->last = c;
	p->free_at = c->clock;
	p->busy_ns += c->clock - c->slice_start;
	c->pcpu = -1;
}

/* The free host CPU @c could start on first (-1: none), and when; the lowest owner clock. */
static int pcpu_best(const struct sim_cpu *c, u64 *at, u64 *next)
{
	const struct sim_sched *s = c->s;
	int best = -1;

	*at = *next = ~0ull;
	for (unsigned int i = 0; i < s->npcpu; i++) {
		const struct pcpu *p = &s->pcpu[i];
		u64 t;

		if (p->owner) {
			if (p->owner->clock < *next)
				*next = p->owner->clock;
			continue;
		}
		t = p->free_at > c->clock ? p->free_at : c->clock;
		/* the earliest; on a tie the one it ran on last (no switch) */
		if (t < *at || (t == *at && p->last == c)) {
			*at = t;
			best = (int)i;
		}
	}
	return best;
}

static void pcpu_get(struct sim_cpu *c)
{
	struct sim_sched *s = c->s;
	u64 t0 = c->clock;
	bool first = true, switched = false;

	if (!s->npcpu || c->pcpu >= 0)
		return;
	acct_settle(c);
	c->rq_since = c->clock;
	s->pcpu_waiters++;
	for (;;) {
		u64 at, next;
		int best;

		/* Someone asked before: let the earlier requests go first. */
		if (first && s->pcpu_waiters > 1) {
			first = false;
			yield_waiting(c);
			continue;
		}
		first = false;
		best = pcpu_best(c, &at, &next);
		if (best >= 0 && at <= c->clock) {
			c->pcpu = best;
			s->pcpu[best].owner = c;
			if (s->pcpu[best].last && s->pcpu[best].last != c)
				switched = true;
			break;
		}
		if (best < 0 || next < at)
			at = next;
		if (unlikely(at == ~0ull))
			break;		/* no host CPU will ever be free (a panicked owner) */
		if (at > c->clock)
			c->clock = at;
		yield_waiting(c);
		if (unlikely(s->stopped))
			break;
	}
	s->pcpu_waiters--;
	c->slice_start = c->clock;
	c->rq_wait += c->clock - t0;
	s->rq_wait += c->clock - t0;
	/* The switch is overhead on the host CPU, after the wait: run-queue time too. */
	if (switched)
		c->clock += s->cost.host_switch_ns;
	acct_wait(c, t0, SIM_T_RQ_WAIT);
}

/* At a scheduling point: requeue after a quantum. */
static inline void pcpu_tick(struct sim_cpu *c)
{
	struct sim_sched *s = c->s;

	if (s->npcpu && c->pcpu >= 0 && c->clock - c->slice_start >= s->cost.quantum_ns) {
		pcpu_put(c);
		pcpu_get(c);
	}
}

static void cpu_trampoline(void)
{
	struct sim_cpu *c = starting_cpu;
	struct sim_sched *s = c->s;

	starting_cpu = NULL;
	c->ctx.kernel = c->home;
	ctx_resumed(s, &c->ctx);
	pcpu_get(c);
	c->fn(c, c->arg);
	pcpu_put(c);
	c->state = CPU_DONE;
	cpu_leave(c, true);
	abort();		/* a finished CPU is never resumed */
}

/* ---- scheduling points ---------------------------------------------------------- */

static void yield_point(struct sim_cpu *c)
{
	struct sim_sched *s = c->s;

	if (unlikely(s->npcpu))
		pcpu_tick(c);

	if (unlikely(c->clock > s->stop_at)) {
		s->stopped = true;
		s->result = SIM_SCHED_TIME_LIMIT;
		snprintf(s->report, sizeof(s->report),
			 "time limit: CPU %s reached %llu ns (limit %llu ns)", c->name,
			 (unsigned long long)c->clock, (unsigned long long)s->stop_at);
		c->state = CPU_RUNNABLE;
		heap_push(s, c);
		cpu_leave(c, false);
		return;
	}
	/* Fast path: nobody is ahead of us. */
	if (!s->nheap || s->heap[0].clock > c->clock)
		return;
	/*
	 * A tie, or someone is ahead: as if @c went into the heap (drawing
	 * its key) and the first CPU came out, in one sift.
	 */
	c->key = draw_key(s);
	{
		struct hent e = hent_of(c);

		if (before(&e, &s->heap[0]))
			return;		/* @c would come out first: keep running */
	}
	if (unlikely(s->stopped)) {
		c->state = CPU_RUNNABLE;
		heap_push_keyed(s, c);
		cpu_leave(c, false);
		return;
	}
	if (c->clock > s->now)
		s->now = c->clock;
	c->state = CPU_RUNNABLE;
	ctx_switch(s, &c->ctx, &heap_replace_top(s, c)->ctx, false);
}

static void hook_lock_acquire(void *arg, const void *lock)
{
	yield_point(arg);
}

/*
 * An exponential variate with mean @mean ns (inverse transform), from the
 * workload PRNG, which is apart from the tie-break keys: a queueing run
 * draws the same holds whatever the interleaving.
 */
static u64 exp_ns(struct sim_sched *s, u64 mean)
{
	double u = (double)((prng_next(&s->wprng) >> 11) + 1) * 0x1.0p-53;	/* (0, 1] */

	return (u64)(-(double)mean * log(u) + 0.5);
}

static u64 hook_lock_vtime(void *arg, const void *lock, struct sim_lock_vt *vt, bool try)
{
	struct sim_cpu *c = arg;
	struct sim_sched *s = c->s;
	u64 free_at, wait;

	if (vt->epoch != s->epoch)
		return 0;	/* never released in this scheduler's time */
	free_at = vt->released_ns;
	if (vt->by != c)
		free_at += s->cost.lock_handoff_ns;
	if (c->clock >= free_at)
		return 0;
	if (try && c->clock < vt->released_ns)
		return SIM_LOCK_VT_BUSY;
	acct_settle(c);
	wait = free_at - c->clock;
	c->clock = free_at;
	acct_wait(c, c->clock - wait, SIM_T_LOCK_WAIT);
	c->vwaited = true;
	return wait;
}

/*
 * cost.bounce_ns: a lock acquisition or release finds its instance's lock
 * bookkeeping last touched by another CPU (<sim/cost.h>).
 */
static void bounce_charge(struct sim_cpu *c)
{
	c->clock += sim_bounce_touch(&c->s->bounce, sim_kernel_current(), c->id, c->clock,
				     c->s->cost.bounce_ns);
}

static void hook_lock_acquired(void *arg, const void *lock)
{
	struct sim_cpu *c = arg;

	if (c->vwaited) {
		/* As a woken waiter would: CPUs behind the new clock go first. */
		c->vwaited = false;
		yield_point(c);
	}
	u64 hold = c->s->cost.cs_exp_ns ? exp_ns(c->s, c->s->cost.cs_exp_ns) :
		   c->s->cost.cs_hold_ns;

	if (unlikely(c->s->cost.bounce_ns))
		bounce_charge(c);
	c->acquired_at = c->clock;
	if (unlikely(c->s->scale_name) && !strcmp(lock_name(lock), c->s->scale_name))
		hold = (u64)(hold * c->s->scale + 0.5);
	c->clock += hold;
}

static void hold_log_add(struct sim_sched *s, const void *lock, const char *name, u64 start,
			 u64 end, unsigned int cpu)
{
	if (s->nhold == s->hold_cap) {
		s->hold_cap = s->hold_cap ? 2 * s->hold_cap : 1024;
		s->hold_log = realloc(s->hold_log, s->hold_cap * sizeof(*s->hold_log));
		if (!s->hold_log)
			oom();
	}
	s->hold_log[s->nhold++] = (struct sim_hold){ lock, name, start, end, cpu };
}

static unsigned int wait_bucket(const void *lock)
{
	uintptr_t h = (uintptr_t)lock >> 3;

	h ^= h >> 7;
	return (unsigned int)(h * 2654435761u) % SCHED_WAIT_BUCKETS;
}

static void hook_lock_wait(void *arg, const void *lock)
{
	struct sim_cpu *c = arg;
	struct sim_sched *s = c->s;
	unsigned int b = wait_bucket(lock);
	struct sim_cpu **head = &s->blocked[b];

	c->state = CPU_BLOCKED;
	c->wait_lock = lock;
	c->bseq = ++s->bseq;
	c->bprev = NULL;
	c->bnext = *head;
	if (*head)
		(*head)->bprev = c;
	else
		s->blocked_tail[b] = c;
	*head = c;
	s->nblocked++;
	acct_settle(c);
	pcpu_put(c);
	cpu_leave(c, false);
	acct_wait(c, c->tmark, SIM_T_LOCK_WAIT);
	pcpu_get(c);
}

static void blocked_del(struct sim_sched *s, struct sim_cpu *c)
{
	unsigned int b = wait_bucket(c->wait_lock);

	if (c->bprev)
		c->bprev->bnext = c->bnext;
	else
		s->blocked[b] = c->bnext;
	if (c->bnext)
		c->bnext->bprev = c->bprev;
	else
		s->blocked_tail[b] = c->bprev;
	c->bnext = c->bprev = NULL;
	s->nblocked--;
}

static void hook_lock_release(void *arg, const void *lock, struct sim_lock_vt *vt,
			      u64 acquired_ns)
{
	struct sim_cpu *c = arg, *w, *first = NULL;
	struct sim_sched *s = c->s;
	u64 at = c->clock + s->cost.lock_handoff_ns;

	vt->epoch = s->epoch;
	vt->released_ns = c->clock;
	vt->by = c;
	if (unlikely(s->hold_log_on))
		hold_log_add(s, lock, lock_name(lock), acquired_ns, c->clock, c->id);
	if (unlikely(s->cost.bounce_ns))
		bounce_charge(c);	/* after the release: the lock is free meanwhile */
	if (!s->nblocked)
		return;
	/*
	 * Wake the CPU that blocked first (FIFO); the others wait for later
	 * releases. A bucket is in blocking order, newest first: the first of
	 * @lock's waiters from the tail is the one.
	 */
	for (w = s->blocked_tail[wait_bucket(lock)]; w; w = w->bprev) {
		if (w->wait_lock == lock) {
			first = w;
			break;
		}
	}
	if (!first)
		return;
	blocked_del(s, first);
	first->wait_lock = NULL;
	if (first->clock < at)
		first->clock = at;
	first->state = CPU_RUNNABLE;
	heap_push(s, first);
}

static void hook_relax(void *arg)
{
	struct sim_cpu *c = arg;

	c->clock += c->s->cost.poll_ns;
	yield_point(c);
}

static void hook_delay(void *arg, u64 ns)
{
	struct sim_cpu *c = arg;

	c->clock += ns;
	yield_point(c);
}

static void hook_rcu_wait(void *arg)
{
	struct sim_cpu *c = arg;

	c->clock += c->s->cost.poll_ns;
	yield_point(c);
}

/*
 * A grace period: it starts at a scheduling point (every CPU behind the
 * waiter runs up to its clock first, so a reader that entered before the
 * start in virtual time did so in execution order too), and it ends no
 * earlier than the last exit of a read-side section in the same kernel
 * instance, of any of this scheduler's CPUs, that straddled the start
 * (another VM's readers hold up only their own kernel's grace periods).
 */
static void hook_rcu_gp(void *arg, bool start, u64 g)
{
	struct sim_cpu *c = arg;
	struct sim_sched *s = c->s;
	const struct sim_kernel *k;
	u64 end = 0;

	if (start) {
		yield_point(c);
		return;
	}
	k = sim_kernel_current();
	for (unsigned int b = 0, n = 2 * s->ncpus; b * RCU_EXIT_BLOCK < n; b++) {
		unsigned int hi = n < (b + 1) * RCU_EXIT_BLOCK ? n : (b + 1) * RCU_EXIT_BLOCK;

		if (likely(s->rcu_exit_max[b] <= g))
			continue;	/* no section in the block ends after the start */
		for (unsigned int i = b * RCU_EXIT_BLOCK; i < hi; i++) {
			const struct sim_cpu *o;
			u64 e;

			if (likely(s->rcu_exits[i] <= g))
				continue;
			o = s->cpus[i / 2];
			e = sim_task_rcu_straddle(i % 2 ? o->alt : o->task, g, k);
			if (e > end)
				end = e;
		}
	}
	if (end > c->clock) {
		c->clock = end;
		yield_point(c);
	}
}

static const struct sim_task_hooks cpu_hooks = {
	.lock_acquire = hook_lock_acquire,
	.lock_vtime = hook_lock_vtime,
	.lock_acquired = hook_lock_acquired,
	.lock_wait = hook_lock_wait,
	.lock_release = hook_lock_release,
	.relax = hook_relax,
	.delay = hook_delay,
	.rcu_wait = hook_rcu_wait,
	.rcu_gp = hook_rcu_gp,
};

/* ---- schedule fuzzing: preemption points (<sim/sched.h>, preempt.c) ---------------- */

/*
 * A preemption point of a kind the scheduler fuzzes: draw a key; if it asks
 * for a preemption, the CPU loses its processor for that long (its clock
 * moves on, counted as run-queue wait) and every CPU behind it runs first.
 */
static void hook_preempt(void *arg, unsigned int point)
{
	struct sim_cpu *c = arg;
	struct sim_sched *s = c->s;
	u64 ns;

	if (!(s->preempt & point) || s->stopped)
		return;
	ns = sim_preempt_ns(s->tiebreak ? s->tiebreak(s->tb_arg) : prng_next(&s->prng));
	if (!ns)
		return;
	s->preemptions++;
	acct_settle(c);
	c->clock += ns;
	acct_wait(c, c->clock - ns, SIM_T_RQ_WAIT);
	yield_point(c);
}

static void hook_lock_release_preempt(void *arg, const void *lock, struct sim_lock_vt *vt,
				      u64 acquired_ns)
{
	hook_lock_release(arg, lock, vt, acquired_ns);
	hook_preempt(arg, SIM_PREEMPT_UNLOCK);
}

static const struct sim_task_hooks cpu_hooks_preempt = {
	.lock_acquire = hook_lock_acquire,
	.lock_vtime = hook_lock_vtime,
	.lock_acquired = hook_lock_acquired,
	.lock_wait = hook_lock_wait,
	.lock_release = hook_lock_release_preempt,
	.relax = hook_relax,
	.delay = hook_delay,
	.rcu_wait = hook_rcu_wait,
	.rcu_gp = hook_rcu_gp,
	.preempt = hook_preempt,
};

void sim_sched_set_preempt(struct sim_sched *s, unsigned int mask)
{
	s->preempt = mask & SIM_PREEMPT_ALL;
	for (unsigned int i = 0; i < s->ncpus; i++) {
		sim_task_set_hooks(s->cpus[i]->task, hooks_of(s));
		if (s->cpus[i]->alt)
			sim_task_set_hooks(s->cpus[i]->alt, hooks_of(s));
	}
}

unsigned int sim_sched_preempt(const struct sim_sched *s)
{
	return s->preempt;
}

u64 sim_sched_preemptions(const struct sim_sched *s)
{
	return s->preemptions;
}

unsigned int sim_cpu_preempt(void)
{
	return cur_cpu ? cur_cpu->s->preempt : 0;
}

/* ---- the scheduler ------------------------------------------------------------- */

struct sim_sched *sim_sched_create(const struct sim_cost_model *cost, u64 seed)
{
	struct sim_sched *s = calloc(1, sizeof(*s));

	if (!s)
		oom();
	s->cost = cost ? *cost : sim_cost_default;
	s->prng = seed;
	s->epoch = __atomic_add_fetch(&sched_epochs, 1, __ATOMIC_RELAXED);
	s->wprng = seed ^ 0x6a09e667f3bcc909ULL;
	s->time_limit = SCHED_TIME_LIMIT_DEFAULT;
	s->main.started = true;	/* resumed, never entered */
#ifdef SCHED_TSAN
	s->main.fiber = NULL;
#endif
	return s;
}

void sim_sched_set_tiebreak(struct sim_sched *s, sim_tiebreak_fn fn, void *arg)
{
	s->tiebreak = fn;
	s->tb_arg = arg;
}

void sim_sched_set_time_limit(struct sim_sched *s, u64 ns)
{
	s->time_limit = ns ? ns : SCHED_TIME_LIMIT_DEFAULT;
}

const struct sim_cost_model *sim_sched_cost(const struct sim_sched *s)
{
	return &s->cost;
}

/* Out of line: getcontext() returns twice, which the caller's locals need not know. */
static noinline void ctx_make(struct ctx *x)
{
	if (getcontext(&x->uc))
		oom();
	x->uc.uc_stack.ss_sp = x->stack;
	x->uc.uc_stack.ss_size = x->stack_size;
	x->uc.uc_link = NULL;
	makecontext(&x->uc, cpu_trampoline, 0);
}

/* The block maximum that rcu_exits[@i] keeps up to date. */
static u64 *exit_max_of(struct sim_sched *s, unsigned int i)
{
	return &s->rcu_exit_max[i / RCU_EXIT_BLOCK];
}

/* Room for twice as many CPUs; the arrays move, so every task gets its slots again. */
static void cpus_grow(struct sim_sched *s)
{
	unsigned int old = s->cpus_cap ? 2 * s->cpus_cap / RCU_EXIT_BLOCK + 1 : 0, nb;

	s->cpus_cap = s->cpus_cap ? 2 * s->cpus_cap : 16;
	nb = 2 * s->cpus_cap / RCU_EXIT_BLOCK + 1;
	s->cpus = realloc(s->cpus, s->cpus_cap * sizeof(*s->cpus));
	s->heap = realloc(s->heap, s->cpus_cap * sizeof(*s->heap));
	s->rcu_exits = realloc(s->rcu_exits, 2 * s->cpus_cap * sizeof(*s->rcu_exits));
	s->rcu_exit_max = realloc(s->rcu_exit_max, nb * sizeof(*s->rcu_exit_max));
	if (!s->cpus || !s->heap || !s->rcu_exits || !s->rcu_exit_max)
		oom();
	memset(s->rcu_exit_max + old, 0, (nb - old) * sizeof(*s->rcu_exit_max));
	for (unsigned int i = 0; i < s->ncpus; i++) {
		sim_task_set_rcu_slot(s->cpus[i]->task, &s->rcu_exits[2 * i], exit_max_of(s, 2 * i));
		s->rcu_exits[2 * i + 1] = 0;
		if (s->cpus[i]->alt)
			sim_task_set_rcu_slot(s->cpus[i]->alt, &s->rcu_exits[2 * i + 1],
					      exit_max_of(s, 2 * i + 1));
	}
}

struct sim_cpu *sim_cpu_create(struct sim_sched *s, const char *name, struct sim_kernel *k,
			       sim_cpu_fn fn, void *arg, u64 start, size_t stack_size)
{
	long page = sysconf(_SC_PAGESIZE);
	struct sim_cpu *c = calloc(1, sizeof(*c));

	if (!c)
		oom();
	if (!stack_size)
		stack_size = SCHED_STACK_DEFAULT;
	stack_size = (stack_size + page - 1) & ~(size_t)(page - 1);
	c->s = s;
	c->id = s->ncpus;
	snprintf(c->name, sizeof(c->name), "%s", name ? name : "cpu");
	c->home = k;
	c->fn = fn;
	c->arg = arg;
	c->clock = start;
	c->tmark = start;
	c->pcpu = -1;
	c->ctx.cpu = c;
	c->ctx.map_size = stack_size + page;
	c->ctx.map = mmap(NULL, c->ctx.map_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (c->ctx.map == MAP_FAILED)
		oom();
	mprotect(c->ctx.map, page, PROT_NONE);	/* guard page: stacks grow down */
	c->ctx.stack = (char *)c->ctx.map + page;
	c->ctx.stack_size = stack_size;
	c->task = sim_task_create(c->name, hooks_of(s), c);
	sim_task_set_clock(c->task, &c->clock);
	if (k)
		sim_kernel_set_clock(k, sched_clock, NULL);
	c->ctx.task = c->task;
	ctx_make(&c->ctx);
#ifdef SCHED_TSAN
	c->ctx.fiber = __tsan_create_fiber(0);
#endif

	if (s->ncpus == s->cpus_cap)
		cpus_grow(s);
	sim_task_set_rcu_slot(c->task, &s->rcu_exits[2 * s->ncpus],
			      exit_max_of(s, 2 * s->ncpus));
	s->rcu_exits[2 * s->ncpus + 1] = 0;
	s->cpus[s->ncpus++] = c;
	c->state = CPU_NEW;
	heap_push(s, c);
	return c;
}

/*
 * Release what an abandoned CPU's tasks hold. Under TSan the mutexes must be
 * released by the fiber that took them, so TSan is told the CPU's fiber runs
 * for the time of the unlocks (no stack switch happens).
 */
static void cpu_forget(struct sim_cpu *c)
{
#ifdef SCHED_TSAN
	void *self = __tsan_get_current_fiber();

	__tsan_switch_to_fiber(c->ctx.fiber, 0);
#endif
	sim_task_forget(c->task);
	if (c->alt)
		sim_task_forget(c->alt);
#ifdef SCHED_TSAN
	__tsan_switch_to_fiber(self, 0);
#endif
}

void sim_sched_destroy(struct sim_sched *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < s->ncpus; i++) {
		struct sim_cpu *c = s->cpus[i];

		cpu_forget(c);
		sim_task_destroy(c->task);
		if (c->alt)
			sim_task_destroy(c->alt);
#ifdef SCHED_TSAN
		__tsan_destroy_fiber(c->ctx.fiber);
#endif
#ifdef SCHED_ASAN
		/* its suspended frames' redzones: not for the next mapping there */
		__asan_unpoison_memory_region(c->ctx.map, c->ctx.map_size);
#endif
		munmap(c->ctx.map, c->ctx.map_size);
		free(c);
	}
	free(s->cpus);
	free(s->heap);
	free(s->hold_log);
	free(s->pcpu);
	free(s->rcu_exits);
	free(s->rcu_exit_max);
	sim_bounce_free(&s->bounce);
	free(s);
}

void sim_sched_set_pcpus(struct sim_sched *s, unsigned int n)
{
	free(s->pcpu);
	s->pcpu = n ? calloc(n, sizeof(*s->pcpu)) : NULL;
	if (n && !s->pcpu)
		oom();
	s->npcpu = n;
}

unsigned int sim_sched_pcpus(const struct sim_sched *s)
{
	return s->npcpu;
}

u64 sim_sched_rq_wait(const struct sim_sched *s)
{
	return s->rq_wait;
}

u64 sim_sched_pcpu_busy(const struct sim_sched *s)
{
	u64 t = 0;

	for (unsigned int i = 0; i < s->npcpu; i++)
		t += s->pcpu[i].busy_ns;
	return t;
}

u64 sim_cpu_rq_wait(const struct sim_cpu *cpu)
{
	return cpu->rq_wait;
}

void sim_sched_set_hold_log(struct sim_sched *s, bool on)
{
	s->hold_log_on = on;
}

const struct sim_hold *sim_sched_hold_log(const struct sim_sched *s, size_t *n)
{
	*n = s->nhold;
	return s->hold_log;
}

enum sim_sched_result sim_sched_run(struct sim_sched *s)
{
	struct sim_sched *prev_sched = cur_sched;
	struct ctx *next;

	if (s->running) {
		fprintf(stderr, "pasidsim: sim_sched_run() is not reentrant\n");
		abort();
	}
	if (s->stopped)
		return s->result;
	s->running = true;
	s->report[0] = '\0';
	s->result = SIM_SCHED_IDLE;
	s->panicked = NULL;
	s->stop_at = (s->nheap ? s->heap[0].clock : s->now) + s->time_limit;
	cur_sched = s;
#ifdef SCHED_TSAN
	s->main.fiber = __tsan_get_current_fiber();
#endif
	next = pick_next(s);
	if (next != &s->main)
		ctx_switch(s, &s->main, next, false);

	if (!s->stopped && s->nblocked) {
		size_t len;

		s->stopped = true;
		s->result = SIM_SCHED_DEADLOCK;
		len = snprintf(s->report, sizeof(s->report), "deadlock: %u CPU(s) blocked:",
			       s->nblocked);
		for (unsigned int b = 0; b < SCHED_WAIT_BUCKETS; b++)
			for (struct sim_cpu *c = s->blocked[b]; c && len < sizeof(s->report);
			     c = c->bnext)
				len += snprintf(s->report + len, sizeof(s->report) - len,
						" %s on lock %p at %llu ns;", c->name,
						c->wait_lock, (unsigned long long)c->clock);
	}
	cur_sched = prev_sched;
	s->running = false;
	return s->result;
}

const char *sim_sched_report(const struct sim_sched *s)
{
	return s->report;
}

struct sim_cpu *sim_sched_panicked(const struct sim_sched *s)
{
	return s->panicked;
}

u64 sim_sched_switches(const struct sim_sched *s)
{
	return s->switches;
}

u64 sim_sched_now(const struct sim_sched *s)
{
	return s->now;
}

void sim_sched_panic_handler(struct sim_kernel *k, const struct sim_finding *f, void *arg)
{
	struct sim_sched *s = arg;
	struct sim_cpu *c = cur_cpu;

	if (!c || c->s != s)
		return;		/* not on one of our CPUs: the shim aborts */
	c->state = CPU_PANICKED;
	s->stopped = true;
	s->result = SIM_SCHED_PANIC;
	s->panicked = c;
	snprintf(s->report, sizeof(s->report), "panic on CPU %s at %llu ns in kernel %s: %s",
		 c->name, (unsigned long long)c->clock, sim_kernel_name(k), f->msg);
	if (c->clock > s->now)
		s->now = c->clock;
	sim_task_forget(c->task);
	if (c->alt)
		sim_task_forget(c->alt);
	ctx_switch(s, &c->ctx, &s->main, true);
	abort();
}

/* ---- CPUs ------------------------------------------------------------------------- */

struct sim_cpu *sim_cpu_current(void)
{
	return cur_cpu;
}

const char *sim_cpu_name(const struct sim_cpu *cpu)
{
	return cpu->name;
}

unsigned int sim_cpu_id(const struct sim_cpu *cpu)
{
	return cpu->id;
}

struct sim_kernel *sim_cpu_kernel(const struct sim_cpu *cpu)
{
	return cpu->home;
}

u64 sim_cpu_clock(const struct sim_cpu *cpu)
{
	return cpu->clock;
}

bool sim_cpu_finished(const struct sim_cpu *cpu)
{
	return cpu->state == CPU_DONE || cpu->state == CPU_PANICKED;
}

void sim_cpu_set_data(struct sim_cpu *cpu, void *data)
{
	cpu->data = data;
}

void *sim_cpu_data(const struct sim_cpu *cpu)
{
	return cpu->data;
}

void sim_cpu_advance(u64 ns)
{
	if (cur_cpu)
		cur_cpu->clock += ns;
}

void sim_cpu_think(void)
{
	struct sim_cpu *c = cur_cpu;

	if (!c)
		return;
	if (c->s->cost.think_exp_ns)
		c->clock += exp_ns(c->s, c->s->cost.think_exp_ns);
	yield_point(c);
}

u64 sim_cpu_acquired_at(const struct sim_cpu *cpu)
{
	return cpu->acquired_at;
}

void sim_cpu_yield(void)
{
	if (cur_cpu)
		yield_point(cur_cpu);
}

void sim_cpu_idle(void)
{
	struct sim_cpu *c = cur_cpu;

	if (!c)
		return;
	c->state = CPU_IDLE;
	acct_settle(c);
	pcpu_put(c);
	cpu_leave(c, false);
	acct_wait(c, c->tmark, SIM_T_IDLE);
	pcpu_get(c);
}

void sim_cpu_wake(struct sim_cpu *cpu, u64 at)
{
	if (cpu->state != CPU_IDLE)
		return;
	if (cpu->clock < at)
		cpu->clock = at;
	cpu->state = CPU_RUNNABLE;
	heap_push(cpu->s, cpu);
}

void sim_cpu_task_alt(bool on)
{
	struct sim_cpu *c = cur_cpu;

	if (!c)
		return;
	if (on && !c->alt) {
		char name[40];

		snprintf(name, sizeof(name), "%s/vmm", c->name);
		c->alt = sim_task_create(name, hooks_of(c->s), c);
		sim_task_set_clock(c->alt, &c->clock);
		sim_task_set_rcu_slot(c->alt, &c->s->rcu_exits[2 * c->id + 1],
				      exit_max_of(c->s, 2 * c->id + 1));
	}
	acct_settle(c);
	c->ctx.task = on ? c->alt : c->task;
	sim_task_switch(c->ctx.task);
}

void sim_cpu_advance_as(enum sim_time_cat cat, u64 ns)
{
	struct sim_cpu *c = cur_cpu;

	if (!c)
		return;
	acct_settle(c);
	c->clock += ns;
	c->tacct[cat] += ns;
	c->tmark = c->clock;
}

void sim_sched_time_split(const struct sim_sched *s, u64 out[SIM_T_N])
{
	memset(out, 0, SIM_T_N * sizeof(u64));
	for (unsigned int i = 0; i < s->ncpus; i++) {
		const struct sim_cpu *c = s->cpus[i];

		for (int k = 0; k < SIM_T_N; k++)
			out[k] += c->tacct[k];
		out[c->alt && c->ctx.task == c->alt ? SIM_T_HOST : SIM_T_GUEST] +=
			c->clock - c->tmark;
	}
}

void sim_sched_scale_lock(struct sim_sched *s, const char *name, double factor)
{
	s->scale_name = name;
	s->scale = factor;
}

bool sim_cpu_is_idle(const struct sim_cpu *cpu)
{
	return cpu->state == CPU_IDLE;
}
