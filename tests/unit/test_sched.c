// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the deterministic scheduler (sim/sched/sched.c): order by virtual
 * clock, seeded tie-breaks, locks that block coroutines instead of the
 * thread, lockstat in virtual time, deadlock detection, caught panics, RCU
 * grace periods across CPUs, idle/wake and the time limit.
 */
#include <string.h>

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <asm/processor.h>
#include <linux/iommu-pasid.h>
#include <sim/sched.h>
#include <ktest.h>

#define MAXLOG 256

struct trace {
	unsigned int n;
	unsigned int who[MAXLOG];
	u64 when[MAXLOG];
};

static void trace_add(struct trace *t, unsigned int who)
{
	cr_assert_lt(t->n, MAXLOG);
	t->who[t->n] = who;
	t->when[t->n] = sim_clock_ns();
	t->n++;
}

/* ---- order by clock ---------------------------------------------------------------- */

struct step_arg {
	struct trace *t;
	unsigned int who;
	u64 step;
	int n;
};

static void stepper(struct sim_cpu *cpu, void *p)
{
	struct step_arg *a = p;

	for (int i = 0; i < a->n; i++) {
		trace_add(a->t, a->who);
		sim_cpu_advance(a->step);
		sim_cpu_yield();
	}
}

KTEST(sched, order_by_clock)
{
	struct sim_sched *s = sim_sched_create(NULL, 1);
	struct trace t = { 0 };
	struct step_arg a[3] = {
		{ &t, 0, 70, 5 }, { &t, 1, 110, 5 }, { &t, 2, 30, 5 },
	};

	sim_sched_set_tiebreak(s, NULL, NULL);
	sim_cpu_create(s, "a", ktest_kernel(), stepper, &a[0], 300, 0);
	sim_cpu_create(s, "b", ktest_kernel(), stepper, &a[1], 100, 0);
	sim_cpu_create(s, "c", ktest_kernel(), stepper, &a[2], 200, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	cr_assert_eq(t.n, 15);
	/* Every step ran at its CPU's clock, in non-decreasing clock order. */
	for (unsigned int i = 1; i < t.n; i++)
		cr_assert_leq(t.when[i - 1], t.when[i], "step %u at %llu before step %u at %llu",
			      i - 1, (unsigned long long)t.when[i - 1], i,
			      (unsigned long long)t.when[i]);
	cr_assert_eq(t.who[0], 1);
	cr_assert_eq(t.when[0], 100);
	cr_assert_eq(t.who[t.n - 1], 0, "a's last step (300 + 4 * 70) is the latest");
	cr_assert_eq(sim_sched_now(s), 300 + 5 * 70);
	sim_sched_destroy(s);
}

/* ---- tie-breaks -------------------------------------------------------------------- */

#define NTIE 8

static void tie_cpu(struct sim_cpu *cpu, void *p)
{
	struct trace *t = p;

	for (int i = 0; i < 4; i++) {
		trace_add(t, sim_cpu_id(cpu));
		sim_cpu_advance(10);
		sim_cpu_yield();
	}
}

static void tie_run(u64 seed, struct trace *t)
{
	struct sim_sched *s = sim_sched_create(NULL, seed);

	memset(t, 0, sizeof(*t));
	for (int i = 0; i < NTIE; i++)
		sim_cpu_create(s, "tie", ktest_kernel(), tie_cpu, t, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE);
	cr_assert_eq(t->n, 4 * NTIE);
	sim_sched_destroy(s);
}

KTEST(sched, tiebreak_by_seed)
{
	struct trace t1, t2;
	int distinct = 0;

	tie_run(42, &t1);
	tie_run(42, &t2);
	cr_assert(!memcmp(t1.who, t2.who, sizeof(t1.who)), "same seed, same order");
	for (u64 seed = 1; seed <= 8; seed++) {
		tie_run(seed, &t2);
		distinct += memcmp(t1.who, t2.who, sizeof(t1.who)) != 0;
		/* Ties never reorder different clocks. */
		for (unsigned int i = 1; i < t2.n; i++)
			cr_assert_leq(t2.when[i - 1], t2.when[i]);
	}
	cr_assert_geq(distinct, 6, "other seeds order ties differently (%d of 8)", distinct);
}

static u64 fuzz_bytes_next(void *arg)
{
	unsigned int *i = arg;

	/* Reverse order of arrival: a "fuzzer" that prefers the last CPU. */
	return ~(u64)(*i)++;
}

KTEST(sched, tiebreak_from_caller)
{
	struct sim_sched *s = sim_sched_create(NULL, 0);
	struct trace t = { 0 };
	unsigned int i = 0;

	sim_sched_set_tiebreak(s, fuzz_bytes_next, &i);
	for (int c = 0; c < 4; c++)
		sim_cpu_create(s, "f", ktest_kernel(), tie_cpu, &t, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE);
	/* All at clock 0: the last created (largest draw index) runs first. */
	cr_assert_eq(t.who[0], 3);
	cr_assert_eq(t.who[1], 2);
	sim_sched_destroy(s);
}

/* ---- locks -------------------------------------------------------------------------- */

static DEFINE_SPINLOCK(shared_lock);
static int in_section;

static void lock_user(struct sim_cpu *cpu, void *p)
{
	struct trace *t = p;

	spin_lock(&shared_lock);
	cr_assert_eq(in_section, 0, "mutual exclusion");
	in_section = 1;
	trace_add(t, sim_cpu_id(cpu));
	udelay(10);			/* yields while holding the lock */
	in_section = 0;
	spin_unlock(&shared_lock);
}

struct stat_find {
	const char *name;
	struct sim_lockstat st;
	int found;
};

static void stat_cb(const struct sim_lockstat *st, void *arg)
{
	struct stat_find *f = arg;

	if (!strcmp(st->name, f->name)) {
		f->st = *st;
		f->found++;
	}
}

KTEST(sched, contended_lock_yields)
{
	struct sim_sched *s = sim_sched_create(NULL, 7);
	const struct sim_cost_model *cm = sim_sched_cost(s);
	struct stat_find f = { .name = "shared_lock" };
	struct trace t = { 0 };

	sim_cpu_create(s, "v0", ktest_kernel(), lock_user, &t, 0, 0);
	sim_cpu_create(s, "v1", ktest_kernel(), lock_user, &t, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	cr_assert_eq(t.n, 2);
	/* The second holder got the lock after the first's 10 us and the hand-off. */
	cr_assert_geq(t.when[1], t.when[0] + 10000 + cm->lock_handoff_ns);
	sim_lockstat_foreach(ktest_kernel(), stat_cb, &f);
	cr_assert_eq(f.found, 1);
	cr_assert_eq(f.st.acquisitions, 2);
	cr_assert_eq(f.st.contentions, 1);
	cr_assert_geq(f.st.wait_total_ns, 10000, "wait in virtual time: %llu",
		      (unsigned long long)f.st.wait_total_ns);
	cr_assert_geq(f.st.hold_max_ns, 10000);
	sim_sched_destroy(s);
}

/* ---- deadlock ------------------------------------------------------------------------- */

static DEFINE_MUTEX(mutex_a);
static DEFINE_MUTEX(mutex_b);

static void ab(struct sim_cpu *cpu, void *p)
{
	mutex_lock(&mutex_a);
	udelay(5);
	mutex_lock(&mutex_b);
	mutex_unlock(&mutex_b);
	mutex_unlock(&mutex_a);
}

static void ba(struct sim_cpu *cpu, void *p)
{
	mutex_lock(&mutex_b);
	udelay(5);
	mutex_lock(&mutex_a);
	mutex_unlock(&mutex_a);
	mutex_unlock(&mutex_b);
}

KTEST(sched, deadlock_detected)
{
	struct sim_sched *s = sim_sched_create(NULL, 3);

	sim_cpu_create(s, "ab", ktest_kernel(), ab, NULL, 0, 0);
	sim_cpu_create(s, "ba", ktest_kernel(), ba, NULL, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_DEADLOCK);
	cr_assert(strstr(sim_sched_report(s), "2 CPU(s) blocked"), "%s", sim_sched_report(s));
	/* The run is over for good. */
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_DEADLOCK);
	ktest_expect(SIM_FINDING_LOCKDEP, 1);	/* the AB-BA inversion */
	sim_sched_destroy(s);
}

/* ---- panic ------------------------------------------------------------------------------ */

static int after_panic;

static void panicker(struct sim_cpu *cpu, void *p)
{
	udelay(3);
	panic("simulated %s", "failure");
	after_panic = 1;
}

static void bystander(struct sim_cpu *cpu, void *p)
{
	int *steps = p;

	for (int i = 0; i < 100; i++) {
		(*steps)++;
		udelay(1);
	}
}

KTEST(sched, panic_caught)
{
	struct sim_sched *s = sim_sched_create(NULL, 5);
	int steps = 0;

	sim_set_panic_handler(ktest_kernel(), sim_sched_panic_handler, s);
	sim_cpu_create(s, "p", ktest_kernel(), panicker, NULL, 0, 0);
	sim_cpu_create(s, "b", ktest_kernel(), bystander, &steps, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_PANIC);
	cr_assert_eq(after_panic, 0);
	cr_assert(strstr(sim_sched_report(s), "simulated failure"), "%s", sim_sched_report(s));
	cr_assert_str_eq(sim_cpu_name(sim_sched_panicked(s)), "p");
	/* The bystander ran up to the panic's virtual time, then the world stopped. */
	cr_assert_geq(steps, 3);
	cr_assert_lt(steps, 100);
	ktest_expect(SIM_FINDING_PANIC, 1);
	sim_set_panic_handler(ktest_kernel(), NULL, NULL);
	sim_sched_destroy(s);
}

/* ---- RCU --------------------------------------------------------------------------------- */

static u64 reader_left;

static void reader(struct sim_cpu *cpu, void *p)
{
	rcu_read_lock();
	udelay(50);
	reader_left = sim_clock_ns();
	rcu_read_unlock();
}

static void syncer(struct sim_cpu *cpu, void *p)
{
	u64 *done = p;

	udelay(1);		/* the reader is inside its section by now */
	synchronize_rcu();
	*done = sim_clock_ns();
}

KTEST(sched, rcu_grace_period_waits_for_reader_cpu)
{
	struct sim_sched *s = sim_sched_create(NULL, 9);
	u64 done = 0;

	sim_cpu_create(s, "reader", ktest_kernel(), reader, NULL, 0, 0);
	sim_cpu_create(s, "syncer", ktest_kernel(), syncer, &done, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	cr_assert_geq(reader_left, 50000);
	cr_assert_geq(done, reader_left, "grace period ended at %llu, reader left at %llu",
		      (unsigned long long)done, (unsigned long long)reader_left);
	sim_sched_destroy(s);
}

/*
 * Per instance: the same reader on a CPU of another kernel instance (another
 * VM) holds up none of the syncer's grace period, in virtual time; on a CPU of
 * the syncer's instance it does (the test above, and the control here).
 */
static u64 gp_with_reader_in(struct sim_kernel *rk)
{
	struct sim_sched *s = sim_sched_create(NULL, 9);
	u64 done = 0;

	reader_left = 0;
	sim_cpu_create(s, "reader", rk, reader, NULL, 0, 0);
	sim_cpu_create(s, "syncer", ktest_kernel(), syncer, &done, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	cr_assert_geq(reader_left, 50000);
	sim_sched_destroy(s);
	return done;
}

KTEST(sched, rcu_grace_period_ignores_another_instances_reader)
{
	struct sim_kernel *k2 = sim_kernel_create("other-vm");
	u64 other = gp_with_reader_in(k2), same = gp_with_reader_in(ktest_kernel());

	cr_assert_lt(other, 50000, "a reader of another instance held the grace period "
		     "to %llu ns", (unsigned long long)other);
	cr_assert_geq(same, 50000, "the instance's own reader did not (%llu ns)",
		      (unsigned long long)same);
	cr_assert_eq(sim_kernel_destroy(k2), 0);
}

/*
 * A destroyed scheduler's CPU stacks go to the pool and the next CPUs take
 * them: a CPU runs on a recycled stack as on a new one (deep frames, the
 * same virtual times), and the pool gives back what it took.
 */
#if defined(__SANITIZE_THREAD__)
#define TEST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TEST_TSAN 1
#endif
#endif

static void deep(struct sim_cpu *cpu, void *p)
{
	volatile char frame[64 * 1024];
	u64 *out = p;

	frame[0] = 1;
	frame[sizeof(frame) - 1] = 2;
	sim_cpu_advance(1000);
	sim_cpu_yield();
	*out = sim_clock_ns() + frame[0] + frame[sizeof(frame) - 1];
}

static u64 run_deep_cpus(void)
{
	struct sim_sched *s = sim_sched_create(NULL, 5);
	u64 out[3] = { 0 };

	for (int i = 0; i < 3; i++)
		sim_cpu_create(s, "deep", ktest_kernel(), deep, &out[i], i * 10, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	sim_sched_destroy(s);
	return out[0] * 1000000 + out[1] * 1000 + out[2];
}

KTEST(sched, recycled_stacks_run_as_new_ones)
{
	u64 first = run_deep_cpus(), again;
	unsigned int pooled = sim_sched_stack_pool_size();

#ifdef TEST_TSAN
	cr_assert_eq(pooled, 0, "TSan: stacks are unmapped");
#else
	cr_assert_geq(pooled, 3, "the destroyed CPUs' stacks were not kept (%u)", pooled);
#endif
	again = run_deep_cpus();
	cr_assert_eq(again, first, "CPUs on recycled stacks computed %llu, not %llu",
		     (unsigned long long)again, (unsigned long long)first);
	cr_assert_eq(sim_sched_stack_pool_size(), pooled, "the pool did not get its stacks back");
}

/* ---- clock, polling, idle, time limit ---------------------------------------------------- */

static void poller(struct sim_cpu *cpu, void *p)
{
	u64 *seen = p;

	seen[0] = sim_clock_ns();
	for (int i = 0; i < 10; i++)
		cpu_relax();
	seen[1] = sim_clock_ns();
	ndelay(123);
	seen[2] = sim_clock_ns();
}

KTEST(sched, virtual_clock_and_polling)
{
	struct sim_sched *s = sim_sched_create(NULL, 1);
	u64 seen[3];

	sim_cpu_create(s, "poll", ktest_kernel(), poller, seen, 1000, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE);
	cr_assert_eq(seen[0], 1000);
	cr_assert_eq(seen[1], 1000 + 10 * sim_sched_cost(s)->poll_ns);
	cr_assert_eq(seen[2], seen[1] + 123);
	sim_sched_destroy(s);
}

static void sleeper(struct sim_cpu *cpu, void *p)
{
	int *rounds = p;

	for (;;) {
		(*rounds)++;
		sim_cpu_idle();
		if (*rounds == 2)
			return;
	}
}

KTEST(sched, idle_and_wake)
{
	struct sim_sched *s = sim_sched_create(NULL, 1);
	struct sim_cpu *c;
	int rounds = 0;

	c = sim_cpu_create(s, "sleeper", ktest_kernel(), sleeper, &rounds, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE);
	cr_assert_eq(rounds, 1);
	cr_assert(sim_cpu_is_idle(c));
	sim_cpu_wake(c, 5000);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE);
	cr_assert_eq(rounds, 2);
	cr_assert_eq(sim_cpu_clock(c), 5000);
	sim_cpu_wake(c, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE);
	cr_assert(sim_cpu_finished(c));
	sim_sched_destroy(s);
}

static void spinner(struct sim_cpu *cpu, void *p)
{
	for (;;)
		cpu_relax();
}

KTEST(sched, time_limit_stops_spinning)
{
	struct sim_sched *s = sim_sched_create(NULL, 1);

	sim_sched_set_time_limit(s, 1000000);
	sim_cpu_create(s, "spin", ktest_kernel(), spinner, NULL, 0, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_TIME_LIMIT);
	cr_assert(strstr(sim_sched_report(s), "time limit"));
	sim_sched_destroy(s);
}

#if defined(__SANITIZE_ADDRESS__)
#define SCHED_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCHED_TEST_ASAN 1
#endif
#endif
#ifdef SCHED_TEST_ASAN
#include <sanitizer/asan_interface.h>

struct redzone_arg {
	int poisoned;		/* redzones found poisoned after switches */
	int switches;
};

static noinline void redzone_cpu(struct sim_cpu *cpu, void *p)
{
	struct redzone_arg *a = p;
	volatile char buf[32];

	buf[0] = 1;
	for (int i = 0; i < 4; i++) {
		sim_cpu_advance(10);
		sim_cpu_yield();	/* the other CPU runs: a switch away and back */
		a->switches++;
		a->poisoned += __asan_address_is_poisoned((const char *)buf + sizeof(buf));
	}
}
#endif

/*
 * Under ASan a switch leaves the suspended CPU's frames as they are: a
 * local array's redzone is still poisoned when the CPU resumes (ASan's
 * longjmp cleanup used to unpoison the stack it left, blinding it to an
 * overflow of a frame that had yielded).
 */
KTEST(sched, asan_keeps_redzones_of_frames_across_switches)
{
#ifdef SCHED_TEST_ASAN
	struct sim_sched *s = sim_sched_create(NULL, 1);
	struct redzone_arg a[2] = { { 0 } };

	sim_cpu_create(s, "a", ktest_kernel(), redzone_cpu, &a[0], 0, 0);
	sim_cpu_create(s, "b", ktest_kernel(), redzone_cpu, &a[1], 5, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	cr_expect_gt(sim_sched_switches(s), 8);
	for (int i = 0; i < 2; i++) {
		cr_expect_eq(a[i].switches, 4);
		cr_expect_eq(a[i].poisoned, 4, "CPU %d: a redzone unpoisoned by a switch", i);
	}
	sim_sched_destroy(s);
#else
	cr_skip_test("needs ASan");
#endif
}
