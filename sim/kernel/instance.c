// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: kernel instances and the current instance.
 *
 * Each thread has a current instance (thread-local). A thread that entered
 * none runs in the process-wide default instance, created on first use and
 * never destroyed.
 *
 * Teardown reports leaks: one SIM_FINDING_LEAK finding per live slab object
 * for the first SIM_LEAK_FINDINGS_MAX of them, then a single summary finding
 * for the rest, and the full list with allocation sites on stderr. The
 * findings are recorded before the instance goes away so that a panic or
 * finding hook installed later can see them; the return value is the exact
 * number of leaked objects. The leaked objects themselves are released with
 * the instance (see sim_slab_fini()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/compiler.h>

#include "internal.h"

#define SIM_LEAK_FINDINGS_MAX	100

__thread struct sim_kernel *sim_kernel_cur;
static struct sim_kernel *sim_default;
static pthread_once_t sim_default_once = PTHREAD_ONCE_INIT;

struct sim_kernel *sim_kernel_create(const char *name)
{
	struct sim_kernel *k = calloc(1, sizeof(*k));

	if (!k) {
		fprintf(stderr, "pasidsim: out of memory creating kernel instance\n");
		abort();
	}
	snprintf(k->name, sizeof(k->name), "%s", name ? name : "kernel");
	pthread_mutex_init(&k->mu, NULL);
	sim_log_init(k);
	sim_slab_init(k);
	sim_lock_init(k);
	sim_rcu_init(k);
	return k;
}

static void sim_default_create(void)
{
	__atomic_store_n(&sim_default, sim_kernel_create("default"), __ATOMIC_RELEASE);
}

static struct sim_kernel *sim_kernel_default(void)
{
	struct sim_kernel *k = __atomic_load_n(&sim_default, __ATOMIC_ACQUIRE);

	if (likely(k))
		return k;
	pthread_once(&sim_default_once, sim_default_create);
	return __atomic_load_n(&sim_default, __ATOMIC_ACQUIRE);
}

struct sim_kernel *sim_kernel_current(void)
{
	struct sim_kernel *k = sim_kernel_cur;

	return likely(k) ? k : sim_kernel_default();
}

struct sim_kernel *sim_kernel_enter(struct sim_kernel *k)
{
	struct sim_kernel *prev = sim_kernel_cur;

	sim_kernel_cur = k;
	return prev;
}

void sim_kernel_leave(struct sim_kernel *prev)
{
	sim_kernel_cur = prev;
}

const char *sim_kernel_name(const struct sim_kernel *k)
{
	return k ? k->name : sim_kernel_current()->name;
}

static void sim_record_leaks(struct sim_kernel *k, size_t leaked)
{
	struct sim_slab_stats st;

	if (!leaked)
		return;
	sim_slab_stats(k, &st);
	fprintf(stderr, "pasidsim: kernel '%s' torn down with %zu live slab object(s), %llu bytes:\n",
		k->name, leaked, (unsigned long long)st.live_bytes);
	sim_slab_report_leaks(k, stderr);
	if (leaked > SIM_LEAK_FINDINGS_MAX)
		sim_finding_add(k, SIM_FINDING_LEAK, NULL, 0,
				"%zu more leaked objects (not listed one by one)",
				leaked - SIM_LEAK_FINDINGS_MAX);
}

size_t sim_kernel_destroy(struct sim_kernel *k)
{
	struct sim_kernel *prev;
	struct sim_slab_stats st;
	size_t leaked;

	k = sim_k(k);
	if (k == __atomic_load_n(&sim_default, __ATOMIC_ACQUIRE)) {
		fprintf(stderr, "pasidsim: the default kernel instance cannot be destroyed\n");
		abort();
	}

	prev = sim_kernel_enter(k);
	sim_rcu_fini(k);
	sim_slab_stats(k, &st);
	leaked = st.live_objects;
	sim_slab_leak_findings(k, SIM_LEAK_FINDINGS_MAX);
	sim_record_leaks(k, leaked);
	sim_lock_fini(k);
	sim_slab_fini(k);
	sim_log_fini(k);
	sim_kernel_leave(prev == k ? NULL : prev);

	free(k->findings);
	pthread_mutex_destroy(&k->mu);
	free(k);
	return leaked;
}

/* ---- clock ----------------------------------------------------------------- */

void sim_kernel_set_clock(struct sim_kernel *k, sim_clock_fn fn, void *arg)
{
	k = sim_k(k);
	__atomic_store_n(&k->clock_arg, arg, __ATOMIC_RELAXED);
	__atomic_store_n(&k->clock_fn, fn, __ATOMIC_RELEASE);
}

/*
 * The running task's virtual clock (a CPU of a world), else the current
 * instance's clock function, else CLOCK_MONOTONIC. Nothing here is
 * process-wide: two worlds, or a world and a bare-metal run, in one process
 * each read their own time.
 */
u64 sim_clock_ns(void)
{
	return task_clock_now(task_current());
}

u64 sim_clock_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}
