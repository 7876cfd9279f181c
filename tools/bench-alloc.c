// SPDX-License-Identifier: GPL-2.0
/*
 * The allocator benchmarks of 'pasidsim bench': on each flavour (a private
 * copy of its core object loaded with sim_core_load() into a kernel
 * instance of its own, as the fuzzers do) and on the bitmap lower bound
 * (bench-bitmap.c), with the same ID sequence (lowest free ID first):
 *
 *   alloc.F.N	one ioasid_alloc() + ioasid_free() pair with N IDs live
 *		(IDs 1..N, allocated in setup; the pair gets ID N+1 each time)
 *   find.F.N	ioasid_find() of a live ID picked by a seeded PRNG
 *   walk.F.N	one iommu_pasid_for_each() over a consumer holding N IDs
 *
 * and the floor under the flavours: alloc.xarray.100k, a bare XArray
 * (XA_FLAGS_ALLOC) in a kernel instance of its own, one xa_alloc() +
 * xa_erase() pair with 100k entries live, on the same ID sequence, no
 * ioasid code: what of a pair is Linux's own XArray (with the shim's locks,
 * slab and RCU under it), which core/ must use unmodified.
 *
 * The calls run on the calling thread (not in a world): no scheduler, the
 * shim's locks in their threads-mode form. The instance's clock is a
 * counter, so no clock_gettime() is timed. RCU callbacks (kfree_rcu()) run
 * at a quiescent point every 64 pairs, inside the timed part: processing
 * them is part of what a free costs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/iommu-pasid.h>
#include <linux/xarray.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/task.h>

#include "bench.h"
#include "bench-bitmap.h"

enum alloc_kind { K_PAIR, K_FIND, K_WALK };

typedef int (*pasid_init_fn)(struct iommu_pasid *);
typedef void (*pasid_exit_fn)(struct iommu_pasid *);
typedef int (*pasid_alloc_fn)(struct iommu_pasid *, ioasid_t, ioasid_t, void *, ioasid_t *);
typedef int (*pasid_for_each_fn)(struct iommu_pasid *, int (*)(ioasid_t, void *, void *),
				 void *);

struct alloc_state {
	enum alloc_kind kind;
	bool bitmap;
	bool xarray;			/* the bare XArray floor: @xa, no core copy */
	struct xarray xa;
	struct sim_kernel *k, *prev;
	struct sim_core *core;
	const struct sim_core_ioasid_api *api;
	struct ioasid_set set;
	struct iommu_pasid pasid;
	bool pasid_live;
	pasid_exit_fn pasid_exit;
	pasid_for_each_fn pasid_for_each;
	struct bench_bitmap *bm;
	u64 clock;
	uint64_t rng;
	uint32_t *ids;			/* the live IDs (find) */
	size_t nids;
	uint64_t sum;			/* what the walks saw (kept, so they are not elided) */
};

static enum alloc_kind kind_of(const struct bench *b)
{
	return !strncmp(b->name, "find.", 5) ? K_FIND : !strncmp(b->name, "walk.", 5) ?
	       K_WALK : K_PAIR;
}

static u64 counter_clock(void *arg)
{
	return ++*(u64 *)arg;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

const char *bench_skip_flavour(const struct bench *b, char *buf, size_t len)
{
	char path[4096];

	if (!b->flavour || !strcmp(b->flavour, "bitmap") || !strcmp(b->flavour, "xarray"))
		return NULL;
	sim_core_path(b->flavour, path, sizeof(path));
	if (access(path, R_OK)) {
		snprintf(buf, len, "%s not built (%s)", path, strerror(errno));
		return buf;
	}
	return NULL;
}

static void *token(uint32_t i)
{
	return (void *)(uintptr_t)(0x1000 + i);
}

/* Live IDs 1..N on a flavour: raw ioasid_alloc(), or one consumer (walks). */
static int populate_core(struct bench_ctx *c, struct alloc_state *s, uint64_t n)
{
	pasid_init_fn init = (pasid_init_fn)sim_core_sym(s->core, "iommu_pasid_init");
	pasid_alloc_fn alloc = (pasid_alloc_fn)sim_core_sym(s->core, "iommu_pasid_alloc");

	s->pasid_exit = (pasid_exit_fn)sim_core_sym(s->core, "iommu_pasid_exit");
	s->pasid_for_each = (pasid_for_each_fn)sim_core_sym(s->core, "iommu_pasid_for_each");
	if (s->kind == K_WALK) {
		if (!init || !alloc || !s->pasid_exit || !s->pasid_for_each) {
			snprintf(c->err, sizeof(c->err), "the core has no iommu_pasid API");
			return -1;
		}
		s->pasid.name = "bench";
		if (init(&s->pasid)) {
			snprintf(c->err, sizeof(c->err), "iommu_pasid_init failed");
			return -1;
		}
		s->pasid_live = true;
	}
	for (uint64_t i = 0; i < n; i++) {
		ioasid_t id = INVALID_IOASID;

		if (s->kind == K_WALK) {
			if (alloc(&s->pasid, 1, IOMMU_PASID_MAX, token(i), &id))
				id = INVALID_IOASID;
		} else {
			id = s->api->alloc(&s->set, 1, IOMMU_PASID_MAX, token(i));
		}
		if (id != i + 1) {
			snprintf(c->err, sizeof(c->err),
				 "allocation %llu gave ID %u, expected %llu (lowest free first)",
				 (unsigned long long)i, id, (unsigned long long)i + 1);
			return -1;
		}
		if (s->ids)
			s->ids[s->nids++] = id;
		if (!(i % 1024))
			sim_rcu_quiescent();
	}
	sim_rcu_quiescent();
	return 0;
}

/* One xa_alloc() as ioasid_alloc() makes it: lowest free in [1, max], GFP_ATOMIC. */
static u32 xa_bench_alloc(struct alloc_state *s, void *entry)
{
	u32 id;

	if (xa_alloc(&s->xa, &id, entry, XA_LIMIT(1, IOMMU_PASID_MAX), GFP_ATOMIC))
		return INVALID_IOASID;
	return id;
}

/* Entries 1..N in a bare XArray (the xarray floor). */
static int populate_xarray(struct bench_ctx *c, struct alloc_state *s, uint64_t n)
{
	xa_init_flags(&s->xa, XA_FLAGS_ALLOC);
	for (uint64_t i = 0; i < n; i++) {
		u32 id = xa_bench_alloc(s, token(i));

		if (id != i + 1) {
			snprintf(c->err, sizeof(c->err), "xa_alloc %llu gave %u",
				 (unsigned long long)i, id);
			return -1;
		}
		if (!(i % 1024))
			sim_rcu_quiescent();
	}
	sim_rcu_quiescent();
	return 0;
}

static int populate_bitmap(struct bench_ctx *c, struct alloc_state *s, uint64_t n)
{
	s->bm = malloc(sizeof(*s->bm));
	if (!s->bm || bench_bitmap_init(s->bm)) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint32_t id = bench_bitmap_alloc(s->bm, 1, IOMMU_PASID_MAX, token(i));

		if (id != i + 1) {
			snprintf(c->err, sizeof(c->err), "bitmap allocation %llu gave %u",
				 (unsigned long long)i, id);
			return -1;
		}
		if (s->ids)
			s->ids[s->nids++] = id;
	}
	return 0;
}

static void alloc_teardown(struct bench_ctx *c)
{
	struct alloc_state *s = c->state;

	if (!s)
		return;
	if (s->bm) {
		bench_bitmap_fini(s->bm);
		free(s->bm);
	}
	if (s->k) {
		if (s->xarray)
			xa_destroy(&s->xa);
		if (s->pasid_live)
			s->pasid_exit(&s->pasid);	/* frees the consumer's IDs */
		/* The raw IDs go with the instance: no leak report for them. */
		sim_kernel_reset(s->k);
		sim_kernel_leave(s->prev);
		sim_kernel_destroy(s->k);
	}
	if (s->core)
		sim_core_unload(s->core);
	free(s->ids);
	free(s);
	c->state = NULL;
}

static int alloc_setup(struct bench_ctx *c)
{
	const struct bench *b = c->b;
	struct alloc_state *s = calloc(1, sizeof(*s));
	char path[4096];

	c->state = s;
	if (!s)
		return -1;
	s->kind = kind_of(b);
	s->bitmap = !strcmp(b->flavour, "bitmap");
	s->rng = 1;
	if (s->kind == K_FIND) {
		s->ids = malloc((b->p1 ? b->p1 : 1) * sizeof(*s->ids));
		if (!s->ids)
			return -1;
	}
	if (s->bitmap)
		return populate_bitmap(c, s, b->p1);
	if (!strcmp(b->flavour, "xarray")) {
		s->xarray = true;
		s->k = sim_kernel_create(b->name);
		sim_kernel_set_clock(s->k, counter_clock, &s->clock);
		s->prev = sim_kernel_enter(s->k);
		return populate_xarray(c, s, b->p1);
	}
	s->core = sim_core_load(sim_core_path(b->flavour, path, sizeof(path)), c->err,
				sizeof(c->err));
	if (!s->core)
		return -1;
	s->api = sim_core_ioasid(s->core);
	s->k = sim_kernel_create(b->name);
	sim_kernel_set_clock(s->k, counter_clock, &s->clock);
	s->prev = sim_kernel_enter(s->k);
	return populate_core(c, s, b->p1);
}

static int walk_count(ioasid_t id, void *priv, void *arg)
{
	*(uint64_t *)arg += id;
	return 0;
}

static int bm_walk_count(uint32_t id, void *priv, void *arg)
{
	*(uint64_t *)arg += id;
	return 0;
}

static int run_pair(struct bench_ctx *c, struct alloc_state *s)
{
	const ioasid_t want = (ioasid_t)c->b->p1 + 1;

	for (uint64_t i = 0; i < c->ops; i++) {
		ioasid_t id;

		if (s->bitmap) {
			id = bench_bitmap_alloc(s->bm, 1, IOMMU_PASID_MAX, token(0));
			bench_bitmap_free(s->bm, id);
		} else if (s->xarray) {
			id = xa_bench_alloc(s, token(0));
			xa_erase(&s->xa, id);
			if (!(i % 64))
				sim_rcu_quiescent();
		} else {
			id = s->api->alloc(&s->set, 1, IOMMU_PASID_MAX, token(0));
			s->api->free(id);
			if (!(i % 64))
				sim_rcu_quiescent();
		}
		if (id != want) {
			snprintf(c->err, sizeof(c->err), "pair %llu got ID %u, expected %u",
				 (unsigned long long)i, id, want);
			return -1;
		}
	}
	return 0;
}

static int alloc_run(struct bench_ctx *c)
{
	struct alloc_state *s = c->state;

	switch (s->kind) {
	case K_PAIR:
		return run_pair(c, s);
	case K_FIND:
		for (uint64_t i = 0; i < c->ops; i++) {
			uint32_t id = s->ids[rng_next(&s->rng) % s->nids];
			void *p = s->bitmap ? bench_bitmap_find(s->bm, id) :
				  s->api->find(&s->set, id, NULL);

			if (p != token(id - 1)) {
				snprintf(c->err, sizeof(c->err), "find(%u) returned %p", id, p);
				return -1;
			}
		}
		return 0;
	case K_WALK:
		for (uint64_t i = 0; i < c->ops; i++) {
			uint64_t before = s->sum;

			if (s->bitmap)
				bench_bitmap_for_each(s->bm, bm_walk_count, &s->sum);
			else
				s->pasid_for_each(&s->pasid, walk_count, &s->sum);
			if (s->sum - before != c->b->p1 * (c->b->p1 + 1) / 2) {
				snprintf(c->err, sizeof(c->err), "a walk did not visit IDs 1..%llu",
					 (unsigned long long)c->b->p1);
				return -1;
			}
		}
		return 0;
	}
	return -1;
}

#define A(kind, opname, what_, fl, n, label, ops_, cg_)				\
	{ .name = kind "." fl "." label, .flavour = fl, .p1 = (n), .ops = (ops_),	\
	  .cg_ops = (cg_), .skip = bench_skip_flavour, .setup = alloc_setup,		\
	  .run = alloc_run, .teardown = alloc_teardown, .op = opname, .what = what_,	\
	  .cg_skip = "setting up 1M live IDs takes minutes under valgrind" }
/*
 * @k scales the operations of a sample: a bitmap pair takes nanoseconds, so
 * the bitmap's samples do 100 times as many to last as long as the others.
 */
#define PAIR(fl, k, n, label, cg)	A("alloc", "pair", "alloc + free pair (ioasid_alloc/free), " \
					  label " IDs live", fl, n, label, 100000 * (k), cg)
#define FLAVOUR(fl, k)									\
	PAIR(fl, k, 0, "0", 2000),							\
	PAIR(fl, k, 1000, "1k", 2000),							\
	PAIR(fl, k, 100000, "100k", 2000),						\
	PAIR(fl, k, 1000000, "1M", 0),							\
	A("find", "find", "find of a random live ID (ioasid_find), 100k live", fl, 100000,	\
	  "100k", 200000 * (k), 5000),							\
	A("walk", "walk", "walk over 1k IDs (iommu_pasid_for_each)", fl, 1000, "1k", 300, 20), \
	A("walk", "walk", "walk over 100k IDs (iommu_pasid_for_each)", fl, 100000, "100k", 4, 1)

const struct bench bench_alloc_table[] = {
	FLAVOUR("pasidsim", 1),
	FLAVOUR("linux-6.1", 1),
	FLAVOUR("bitmap", 100),
	A("alloc", "pair", "xa_alloc + xa_erase pair on a bare XArray, 100k entries live "
	  "(the floor: no ioasid code)", "xarray", 100000, "100k", 100000, 2000),
	{ .name = NULL },
};
