// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrent stress of the iommu_pasid_* API with real pthreads, all in the
 * test's kernel instance: allocators, freers and finders race on three
 * consumers that share one allocator. The length is a fixed number of
 * operations per thread (deterministic per thread, not in interleaving), so
 * the test runs the same amount of work everywhere; it asserts behaviour,
 * never timing. Built for TSan and ASan.
 *
 * Each thread frees only the IDs it allocated, so a thread knows exactly
 * what find() must return for those; for everything else it checks that the
 * answer is one of the possible ones. A global claim table catches an ID
 * handed out twice.
 */
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ktest.h>

#define NTHREADS	4
#define NCONS		3
#define OPS		20000	/* per thread */
#define MAX_HELD	40	/* per thread */
#define ID_SPACE	256	/* every ID the consumers below can get is below this */

/* Consumer ranges overlap, so they compete for the same IDs. */
static const ioasid_t cons_min[NCONS] = { 1, 24, 0 };
static const ioasid_t cons_max[NCONS] = { 48, 96, 160 };
/* Threads 0 and 1 share consumer 0. */
static const int thread_cons[NTHREADS] = { 0, 0, 1, 2 };

static struct iommu_pasid cons[NCONS];
static int claim[ID_SPACE];		/* 1 while some thread holds the ID */
static pthread_barrier_t start;

struct worker {
	int tid, c;
	u64 rng;
	ioasid_t held[MAX_HELD];
	void *held_priv[MAX_HELD];
	unsigned int nheld;
	/* outcome counters, and the first error found */
	unsigned long allocs, enospc, frees, finds, walks, cross;
	char err[256];
};

static struct worker workers[NTHREADS];

static u64 rnd(struct worker *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

#define BAD(w, fmt, ...) do {						\
	if (!(w)->err[0])						\
		snprintf((w)->err, sizeof((w)->err), "thread %d: " fmt,	\
			 (w)->tid, ##__VA_ARGS__);			\
} while (0)

/* Private data: not dereferenced, only decoded (consumer, thread, slot). */
static void *make_priv(int c, int tid, unsigned int slot)
{
	return (void *)(uintptr_t)(0x10000u | (c << 12) | (tid << 8) | (slot << 2));
}

static int priv_cons(const void *p)
{
	return ((uintptr_t)p >> 12) & 0xf;
}

static void do_alloc(struct worker *w)
{
	unsigned int slot = w->nheld;
	void *priv = make_priv(w->c, w->tid, slot);
	ioasid_t id = INVALID_IOASID;
	int ret;

	ret = iommu_pasid_alloc(&cons[w->c], 0, UINT_MAX, priv, &id);
	if (ret == -ENOSPC) {
		w->enospc++;
		return;
	}
	if (ret) {
		BAD(w, "alloc: %d", ret);
		return;
	}
	if (id < cons_min[w->c] || id > cons_max[w->c] || id >= ID_SPACE || !id) {
		BAD(w, "alloc: ID %u outside c%d's range", id, w->c);
		return;
	}
	if (__atomic_exchange_n(&claim[id], 1, __ATOMIC_ACQ_REL))
		BAD(w, "alloc: ID %u handed out while someone holds it", id);
	w->held[slot] = id;
	w->held_priv[slot] = priv;
	w->nheld++;
	w->allocs++;
}

static void do_free(struct worker *w)
{
	unsigned int i = rnd(w) % w->nheld;
	ioasid_t id = w->held[i];
	int ret;

	/* Release the claim first: once freed, anyone may get the ID. */
	__atomic_store_n(&claim[id], 0, __ATOMIC_RELEASE);
	ret = iommu_pasid_free(&cons[w->c], id);
	if (ret)
		BAD(w, "free(%u): %d", id, ret);
	w->nheld--;
	w->held[i] = w->held[w->nheld];
	w->held_priv[i] = w->held_priv[w->nheld];
	w->frees++;
}

static void do_find(struct worker *w)
{
	int c = rnd(w) % NCONS;
	ioasid_t id = rnd(w) % (ID_SPACE + 8);
	void *p;

	w->finds++;
	/* One of ours: the answer is certain. */
	if (w->nheld && (rnd(w) & 1)) {
		unsigned int i = rnd(w) % w->nheld;

		p = iommu_pasid_find(&cons[w->c], w->held[i]);
		if (p != w->held_priv[i])
			BAD(w, "find(own %u) = %p, expected %p", w->held[i], p, w->held_priv[i]);
		return;
	}
	p = iommu_pasid_find(&cons[c], id);
	if (IS_ERR(p)) {
		if (p != ERR_PTR(-ENOENT) && p != ERR_PTR(-EACCES))
			BAD(w, "find(c%d, %u) = %ld", c, id, PTR_ERR(p));
		return;
	}
	/* NULL: the owner is between detaching the data and freeing the ID. */
	if (p && priv_cons(p) != c)
		BAD(w, "find(c%d, %u) returned c%d's data", c, id, priv_cons(p));
}

/* Free one of ours through the wrong consumer: refused, nothing changes. */
static void do_cross_free(struct worker *w)
{
	int other = (w->c + 1 + rnd(w) % (NCONS - 1)) % NCONS;
	unsigned int i = rnd(w) % w->nheld;
	int ret;

	w->cross++;
	ret = iommu_pasid_free(&cons[other], w->held[i]);
	if (ret != -EACCES)
		BAD(w, "free(c%d, %u) of c%d's ID: %d", other, w->held[i], w->c, ret);
	if (iommu_pasid_find(&cons[w->c], w->held[i]) != w->held_priv[i])
		BAD(w, "a refused cross free changed ID %u", w->held[i]);
}

struct walk {
	int c;
	ioasid_t last;
	bool seen[ID_SPACE];
	char *err;
	bool bad;
};

static int walk_fn(ioasid_t id, void *priv, void *data)
{
	struct walk *k = data;

	if (id >= ID_SPACE || (k->last != INVALID_IOASID && id <= k->last) ||
	    !priv || priv_cons(priv) != k->c) {
		k->bad = true;
		return -EINVAL;
	}
	k->seen[id] = true;
	k->last = id;
	return 0;
}

static void do_walk(struct worker *w)
{
	struct walk k = { .c = w->c, .last = INVALID_IOASID };
	int ret;

	w->walks++;
	ret = iommu_pasid_for_each(&cons[w->c], walk_fn, &k);
	if (ret || k.bad)
		BAD(w, "for_each(c%d): %d (order or data wrong)", w->c, ret);
	for (unsigned int i = 0; i < w->nheld; i++)
		if (!k.seen[w->held[i]])
			BAD(w, "for_each(c%d) missed held ID %u", w->c, w->held[i]);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct sim_kernel *prev = sim_kernel_enter(ktest_kernel());

	pthread_barrier_wait(&start);
	for (int n = 0; n < OPS && !w->err[0]; n++) {
		unsigned int dice = rnd(w) % 100;

		if (dice < 40 && w->nheld < MAX_HELD)
			do_alloc(w);
		else if (dice < 75 && w->nheld)
			do_free(w);
		else if (dice < 92)
			do_find(w);
		else if (dice < 96 && w->nheld)
			do_cross_free(w);
		else
			do_walk(w);
	}
	sim_kernel_leave(prev);
	return NULL;
}

struct collect {
	ioasid_t ids[ID_SPACE];
	unsigned int n;
};

static int collect_fn(ioasid_t id, void *priv, void *data)
{
	struct collect *c = data;

	cr_assert_lt(c->n, ID_SPACE);
	c->ids[c->n++] = id;
	return 0;
}

static void run_stress(void)
{
	pthread_t th[NTHREADS];
	int owner[ID_SPACE];
	unsigned long total_allocs = 0, total_frees = 0;

	for (int c = 0; c < NCONS; c++) {
		memset(&cons[c], 0, sizeof(cons[c]));
		cons[c].name = "stress";
		cons[c].min = cons_min[c];
		cons[c].max = cons_max[c];
		cr_assert_eq(iommu_pasid_init(&cons[c]), 0);
	}
	memset(claim, 0, sizeof(claim));
	cr_assert_eq(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (int t = 0; t < NTHREADS; t++) {
		memset(&workers[t], 0, sizeof(workers[t]));
		workers[t].tid = t;
		workers[t].c = thread_cons[t];
		workers[t].rng = 0x9e3779b97f4a7c15ull * (t + 1);
		cr_assert_eq(pthread_create(&th[t], NULL, worker_fn, &workers[t]), 0);
	}
	for (int t = 0; t < NTHREADS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start);

	for (int t = 0; t < NTHREADS; t++) {
		struct worker *w = &workers[t];

		cr_assert_eq(w->err[0], 0, "%s", w->err);
		cr_log_info("thread %d (c%d): %lu allocs (%lu -ENOSPC), %lu frees, %lu finds, "
			    "%lu walks, %lu cross frees, %u held\n", t, w->c, w->allocs,
			    w->enospc, w->frees, w->finds, w->walks, w->cross, w->nheld);
		/*
		 * A thread that the OS starts late can find its consumer's range
		 * held by the others until they finish: -ENOSPC is then its right
		 * answer. Every thread tried; the threads together did the work.
		 */
		cr_assert_gt(w->allocs + w->enospc, 0);
		total_allocs += w->allocs;
		total_frees += w->frees;
	}
	cr_assert_gt(total_allocs, 0);
	cr_assert_gt(total_frees, 0);

	/* What the threads say they hold is exactly what the consumers hold. */
	for (int i = 0; i < ID_SPACE; i++)
		owner[i] = -1;
	for (int t = 0; t < NTHREADS; t++) {
		for (unsigned int i = 0; i < workers[t].nheld; i++) {
			ioasid_t id = workers[t].held[i];

			cr_assert_eq(owner[id], -1, "ID %u held twice", id);
			owner[id] = workers[t].c;
			cr_assert_eq(iommu_pasid_find(&cons[workers[t].c], id),
				     workers[t].held_priv[i]);
		}
	}
	for (int c = 0; c < NCONS; c++) {
		struct collect col = { .n = 0 };
		unsigned int n = 0;

		cr_assert_eq(iommu_pasid_for_each(&cons[c], collect_fn, &col), 0);
		for (unsigned int i = 0; i < col.n; i++)
			cr_assert_eq(owner[col.ids[i]], c, "c%d lists ID %u, owner %d", c,
				     col.ids[i], owner[col.ids[i]]);
		for (int id = 0; id < ID_SPACE; id++)
			n += owner[id] == c;
		cr_assert_eq(col.n, n, "c%d lists %u IDs, threads hold %u", c, col.n, n);
		cr_assert_eq(cons[c].count, n);
	}
	for (int id = 0; id < ID_SPACE; id++) {
		void *p = ioasid_find(NULL, id, NULL);

		cr_assert_eq(owner[id] < 0, p == ERR_PTR(-ENOENT),
			     "allocator and threads disagree on ID %d", id);
	}

	/* Exit frees everything that is left. */
	for (int c = 0; c < NCONS; c++)
		iommu_pasid_exit(&cons[c]);
	for (int id = 0; id < ID_SPACE + 8; id++)
		cr_assert_eq(ioasid_find(NULL, id, NULL), ERR_PTR(-ENOENT),
			     "ID %d survived exit", id);
}

KTEST(stress, alloc_free_find_race)
{
	run_stress();
}

/* Exit of one consumer while others keep working on theirs. */
struct exit_arg {
	int c;
	unsigned long rounds;
	char err[128];
};

static void *exit_worker(void *arg)
{
	struct exit_arg *a = arg;
	struct sim_kernel *prev = sim_kernel_enter(ktest_kernel());

	pthread_barrier_wait(&start);
	for (unsigned long r = 0; r < 200 && !a->err[0]; r++) {
		struct iommu_pasid p = { .name = "churn", .min = cons_min[a->c],
					 .max = cons_max[a->c] };
		ioasid_t ids[8];
		int n = 0, ret;

		ret = iommu_pasid_init(&p);
		if (ret) {
			snprintf(a->err, sizeof(a->err), "init: %d", ret);
			break;
		}
		for (int i = 0; i < 8; i++) {
			ret = iommu_pasid_alloc(&p, 0, UINT_MAX, &p, &ids[n]);
			if (!ret)
				n++;
			else if (ret != -ENOSPC)
				snprintf(a->err, sizeof(a->err), "alloc: %d", ret);
		}
		for (int i = 0; i < n; i++)
			if (iommu_pasid_find(&p, ids[i]) != &p)
				snprintf(a->err, sizeof(a->err), "find(%u) wrong", ids[i]);
		/* Leave the IDs for exit to free. */
		iommu_pasid_exit(&p);
		for (int i = 0; i < n; i++)
			if (iommu_pasid_find(&p, ids[i]) != ERR_PTR(-EINVAL))
				snprintf(a->err, sizeof(a->err), "find after exit");
		a->rounds++;
	}
	sim_kernel_leave(prev);
	return NULL;
}

KTEST(stress, init_exit_churn)
{
	pthread_t th[NCONS];
	struct exit_arg args[NCONS];

	cr_assert_eq(pthread_barrier_init(&start, NULL, NCONS), 0);
	for (int c = 0; c < NCONS; c++) {
		memset(&args[c], 0, sizeof(args[c]));
		args[c].c = c;
		cr_assert_eq(pthread_create(&th[c], NULL, exit_worker, &args[c]), 0);
	}
	for (int c = 0; c < NCONS; c++)
		pthread_join(th[c], NULL);
	pthread_barrier_destroy(&start);
	for (int c = 0; c < NCONS; c++) {
		cr_assert_eq(args[c].err[0], 0, "churn %d: %s", c, args[c].err);
		cr_assert_eq(args[c].rounds, 200);
	}
	for (int id = 0; id < ID_SPACE; id++)
		cr_assert_eq(ioasid_find(NULL, id, NULL), ERR_PTR(-ENOENT));
}
