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
#include "sched-int.h"

u64 sched_epochs;
__thread struct sim_sched *cur_sched;
__thread struct sim_cpu *cur_cpu;
__thread struct sim_cpu *starting_cpu;

void sched_oom(void)
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
u64 sched_clock(void *arg)
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
struct ctx *sched_pick_next(struct sim_sched *s)
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
	next = sched_pick_next(s);
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

void sched_cpu_trampoline(void)
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

const struct sim_task_hooks cpu_hooks = {
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

const struct sim_task_hooks cpu_hooks_preempt = {
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

/* ---- CPUs ------------------------------------------------------------------------- */

struct sim_cpu *sim_cpu_current(void)
{
	return cur_cpu;
}

u64 sim_cpu_clock(const struct sim_cpu *cpu)
{
	return cpu->clock;
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

/* ---- for sched-run.c ------------------------------------------------------------- */

void sched_heap_push(struct sim_sched *s, struct sim_cpu *c)
{
	heap_push(s, c);
}

void sched_ctx_switch(struct sim_sched *s, struct ctx *from, struct ctx *to, bool dying)
{
	ctx_switch(s, from, to, dying);
}
