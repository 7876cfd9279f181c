// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: creating, running and destroying a scheduler and its CPUs
 * (<sim/sched.h>; the scheduling itself is in sched.c).
 */
#define _GNU_SOURCE
#include "sched-int.h"

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
	makecontext(&x->uc, sched_cpu_trampoline, 0);
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

/*
 * ---- a pool of CPU stacks ---------------------------------------------------------
 *
 * Mapping a CPU's stack, protecting its guard page, faulting in its top and
 * unmapping it again cost system calls and page faults for every CPU of every
 * scheduler: more than half a world fuzzer's time, which makes a world per
 * input. A destroyed CPU's stack is kept instead (up to STACK_POOL of them in
 * the process) and the next CPU with a stack of that size takes it. This is
 * memory, not simulation state: a CPU's context is made afresh on it, as on
 * a new mapping (docs/design.md, "No process-wide simulation state"). Under
 * TSan stacks are unmapped as before (unmapping clears its shadow of them).
 */
#define STACK_POOL	64

static pthread_mutex_t stack_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	void *map;
	size_t size;
} stack_pool[STACK_POOL];
static unsigned int stack_n;

/* A stack mapping of @map_size bytes, its first page the guard. */
static void *stack_get(size_t map_size, long page)
{
	void *m = NULL;

	pthread_mutex_lock(&stack_lock);
	for (unsigned int i = stack_n; i-- > 0;) {
		if (stack_pool[i].size == map_size) {
			m = stack_pool[i].map;
			stack_pool[i] = stack_pool[--stack_n];
			break;
		}
	}
	pthread_mutex_unlock(&stack_lock);
	if (m)
		return m;
	m = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (m == MAP_FAILED)
		oom();
	mprotect(m, page, PROT_NONE);	/* guard page: stacks grow down */
	return m;
}

static void stack_put(void *map, size_t map_size)
{
#ifndef SCHED_TSAN
	pthread_mutex_lock(&stack_lock);
	if (stack_n < STACK_POOL) {
		stack_pool[stack_n].map = map;
		stack_pool[stack_n++].size = map_size;
		map = NULL;
	}
	pthread_mutex_unlock(&stack_lock);
#endif
	if (map)
		munmap(map, map_size);
}

unsigned int sim_sched_stack_pool_size(void)
{
	unsigned int n;

	pthread_mutex_lock(&stack_lock);
	n = stack_n;
	pthread_mutex_unlock(&stack_lock);
	return n;
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
	c->ctx.map = stack_get(c->ctx.map_size, page);
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
	sched_heap_push(s, c);
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
		stack_put(c->ctx.map, c->ctx.map_size);
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
	next = sched_pick_next(s);
	if (next != &s->main)
		sched_ctx_switch(s, &s->main, next, false);

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
	sched_ctx_switch(s, &c->ctx, &s->main, true);
	abort();
}

/* ---- CPUs and the scheduler: what callers read and set ------------------------- */

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
