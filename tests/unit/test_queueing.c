// SPDX-License-Identifier: GPL-2.0
/*
 * Queueing oracles for the scheduler's contention model (docs/validation.md).
 *
 * The queueing mode of the cost model: every lock hold is exponential with
 * mean cs_exp_ns, sim_cpu_think() thinks an exponential time of mean
 * think_exp_ns, no hand-off cost. One spinlock is the server.
 *   - Open M/M/1: Poisson arrivals at rate lambda, spread over enough CPUs
 *     that a customer practically never waits for its CPU; the mean wait
 *     (arrival to acquisition) must be within 5% of lambda/(mu(mu-lambda))
 *     at rho = 0.3, 0.6, 0.9, and a 95% batch-means confidence interval is
 *     reported.
 *   - Closed machine-repairman: N CPUs think (Z) and take the lock (S);
 *     throughput and response time within 5% of exact mean-value analysis
 *     for N = 1 ... 64.
 * Every run is seeded, hence deterministic: the same figures every time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/spinlock.h>
#include <sim/sched.h>
#include <ktest.h>

#define S_NS	1000ull		/* mean service time */

/*
 * Under sanitizers (about 20x slower) the closed model runs a subset of N;
 * every run is deterministic, so each figure is the default build's.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SLOW 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SLOW 1
#endif
#endif
#ifdef SLOW
#define SUBSET	1
#else
#define SUBSET	0
#endif
/* ThreadSanitizer is slower still: rho 0.9 runs 300,000 customers there. */
#if defined(__SANITIZE_THREAD__)
#define TSAN_BUILD 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TSAN_BUILD 1
#endif
#endif
#ifndef TSAN_BUILD
#define TSAN_BUILD 0
#endif

static DEFINE_SPINLOCK(server);

static u64 splitmix(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double expo(u64 *x, double mean)
{
	return -mean * log((double)((splitmix(x) >> 11) + 1) * 0x1.0p-53);
}

static struct sim_cost_model queue_costs(u64 think)
{
	struct sim_cost_model c = sim_cost_default;

	c.lock_handoff_ns = 0;
	c.cs_hold_ns = 0;
	c.cs_exp_ns = S_NS;
	c.think_exp_ns = think;
	return c;
}

/* ---- open M/M/1 ------------------------------------------------------------------ */

#define MM1_CPUS	512

struct mm1 {
	const u64 *arrival;
	double *wait;
	size_t n;
	unsigned int late;	/* customers whose CPU was still busy at their arrival */
};

struct mm1_cpu {
	struct mm1 *m;
	unsigned int k;
};

static void mm1_customer(struct sim_cpu *cpu, void *p)
{
	struct mm1_cpu *mc = p;
	struct mm1 *m = mc->m;

	for (size_t i = mc->k; i < m->n; i += MM1_CPUS) {
		u64 a = m->arrival[i], now = sim_clock_ns();

		if (now < a)
			sim_cpu_advance(a - now);
		else if (now > a)
			m->late++;
		sim_cpu_yield();
		spin_lock(&server);
		m->wait[i] = (double)(sim_cpu_acquired_at(cpu) - a);
		spin_unlock(&server);
	}
}

static void mm1(double rho, size_t n, u64 seed)
{
	struct sim_cost_model cm = queue_costs(0);
	struct sim_sched *s = sim_sched_create(&cm, seed);
	struct mm1_cpu cpus[MM1_CPUS];
	struct mm1 m = { .n = n };
	u64 *arr = calloc(n, sizeof(*arr)), rng = seed;
	double lambda = rho / S_NS, mu = 1.0 / S_NS, theory = lambda / (mu * (mu - lambda));
	double t = 0, sum = 0, bsum[20] = { 0 }, bmean = 0, bvar = 0, mean, half, err;
	size_t warm = n / 20, per;

	cr_assert_not_null(arr);
	m.wait = calloc(n, sizeof(double));
	cr_assert_not_null(m.wait);
	for (size_t i = 0; i < n; i++) {
		t += expo(&rng, 1.0 / lambda);
		arr[i] = (u64)t;
	}
	m.arrival = arr;
	for (unsigned int k = 0; k < MM1_CPUS; k++) {
		cpus[k] = (struct mm1_cpu){ &m, k };
		sim_cpu_create(s, "customer", ktest_kernel(), mm1_customer, &cpus[k], 0, 64 * 1024);
	}
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	/* batch means over 20 batches after a 5% warm-up */
	per = (n - warm) / 20;
	for (size_t b = 0; b < 20; b++) {
		for (size_t i = warm + b * per; i < warm + (b + 1) * per; i++)
			bsum[b] += m.wait[i];
		bsum[b] /= per;
		sum += bsum[b];
	}
	mean = sum / 20;
	for (size_t b = 0; b < 20; b++)
		bvar += (bsum[b] - mean) * (bsum[b] - mean);
	bvar /= 19;
	half = 2.093 * sqrt(bvar / 20);	/* t(0.975, 19) */
	err = (mean - theory) / theory;
	(void)bmean;
	fprintf(stderr, "M/M/1 rho=%.1f: %zu customers, mean wait %.1f ns +- %.1f (95%% CI), "
		"theory %.1f ns, error %+.2f%%, late starts %u\n", rho, n, mean, half, theory,
		100 * err, m.late);
	cr_expect_lt(m.late, n / 1000, "customers delayed by their CPU: %u", m.late);
	cr_expect_lt(fabs(err), 0.05, "rho %.1f: mean wait %.1f, theory %.1f (%+.2f%%)", rho,
		     mean, theory, 100 * err);
	sim_sched_destroy(s);
	free(arr);
	free(m.wait);
}

KTEST(queueing, mm1_rho_0_3)
{
	mm1(0.3, 200000, 11);
}

KTEST(queueing, mm1_rho_0_6)
{
	mm1(0.6, 300000, 12);
}

KTEST(queueing, mm1_rho_0_9, .timeout = 120)
{
	/* under sanitizers shorter (their own figures, also within 5 %) */
	mm1(0.9, TSAN_BUILD ? 300000 : SUBSET ? 500000 : 1000000, 13);
}

/* ---- closed machine-repairman vs exact MVA ------------------------------------------ */

struct closed {
	u64 warm, end;		/* measurement window */
	u64 done;		/* completions released in the window */
	double rsum;		/* their response times */
};

static void repairman(struct sim_cpu *cpu, void *p)
{
	struct closed *c = p;

	while (sim_clock_ns() < c->end) {
		u64 t0;

		sim_cpu_think();
		t0 = sim_clock_ns();
		spin_lock(&server);
		spin_unlock(&server);
		if (t0 >= c->warm && sim_clock_ns() <= c->end) {
			c->done++;
			c->rsum += (double)(sim_clock_ns() - t0);
		}
	}
}

/* Exact MVA for one queueing station (S) and think time (Z): X(N), R(N). */
static void mva(unsigned int n, double s, double z, double *x, double *r)
{
	double q = 0;

	for (unsigned int k = 1; k <= n; k++) {
		*r = s * (1 + q);
		*x = k / (*r + z);
		q = *x * *r;
	}
}

/* The N printed for docs/validation.md (and run under sanitizers). */
static bool shown(unsigned int n)
{
	return n == 1 || n == 2 || n == 4 || n == 8 || n == 16 || n == 17 || n == 24 ||
	       n == 32 || n == 48 || n == 64;
}

KTEST(queueing, closed_repairman_vs_mva, .timeout = 120)
{
	const double z = 16.0 * S_NS;
	double worst_x = 0, worst_r = 0;

	for (unsigned int n = 1; n <= 64; n++) {
		struct sim_cost_model cm = queue_costs((u64)z);
		struct sim_sched *s = sim_sched_create(&cm, 100 + n);
		struct closed c = { 0 };
		double x, r, mx, mr, ex, er;

		if (SUBSET && !shown(n)) {
			sim_sched_destroy(s);
			continue;
		}
		mva(n, S_NS, z, &x, &r);
		/* about 30,000 completions in the window after a warm-up of 2,000 */
		c.warm = (u64)(2000 / x);
		c.end = c.warm + (u64)(30000 / x);
		for (unsigned int k = 0; k < n; k++)
			sim_cpu_create(s, "client", ktest_kernel(), repairman, &c, 0, 64 * 1024);
		cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
		mx = c.done / (double)(c.end - c.warm);
		mr = c.rsum / c.done;
		ex = (mx - x) / x;
		er = (mr - r) / r;
		if (fabs(ex) > fabs(worst_x))
			worst_x = ex;
		if (fabs(er) > fabs(worst_r))
			worst_r = er;
		if (shown(n))
			fprintf(stderr, "repairman N=%u: X %.6f/us (MVA %.6f, %+.2f%%), "
				"R %.1f ns (MVA %.1f, %+.2f%%)\n", n, mx * 1000, x * 1000,
				100 * ex, mr, r, 100 * er);
		cr_expect_lt(fabs(ex), 0.05, "N=%u: throughput %g, MVA %g", n, mx, x);
		cr_expect_lt(fabs(er), 0.05, "N=%u: response %g, MVA %g", n, mr, r);
		sim_sched_destroy(s);
	}
	fprintf(stderr, "repairman N=1..64: worst throughput error %+.2f%%, worst response "
		"error %+.2f%%\n", 100 * worst_x, 100 * worst_r);
}
