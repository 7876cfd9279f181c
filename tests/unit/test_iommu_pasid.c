// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the iommu_pasid_* consumer API (core/iommu-pasid.c), on whichever
 * ioasid allocator flavour the build selected.
 */
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <string.h>
#include <ktest.h>
#include <ktest-pasid.h>


/* ---- helpers --------------------------------------------------------------- */

static void consumer_setup(struct iommu_pasid *p, const char *name,
			   ioasid_t min, ioasid_t max,
			   const struct iommu_pasid_ops *ops)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->min = min;
	p->max = max;
	p->ops = ops;
}

static void consumer_init(struct iommu_pasid *p, const char *name,
			  ioasid_t min, ioasid_t max)
{
	int ret;

	consumer_setup(p, name, min, max, NULL);
	ret = iommu_pasid_init(p);
	cr_assert_eq(ret, 0, "init %s [%u, %u]: %d", name, min, max, ret);
}

static ioasid_t alloc_ok(struct iommu_pasid *p, ioasid_t min, ioasid_t max,
			 void *priv)
{
	ioasid_t id = SENTINEL;
	int ret = iommu_pasid_alloc(p, min, max, priv, &id);

	cr_assert_eq(ret, 0, "%s: alloc [%u, %u]: %d", p->name, min, max, ret);
	cr_assert_neq(id, SENTINEL);
	return id;
}

static void alloc_expect(struct iommu_pasid *p, ioasid_t min, ioasid_t max,
			 void *priv, ioasid_t expect)
{
	ioasid_t id = alloc_ok(p, min, max, priv);

	cr_assert_eq(id, expect, "%s: alloc [%u, %u] gave %u, expected %u",
		     p->name, min, max, id, expect);
}

static void alloc_err(struct iommu_pasid *p, ioasid_t min, ioasid_t max, int err)
{
	ioasid_t id = SENTINEL;
	int ret = iommu_pasid_alloc(p, min, max, NULL, &id);

	cr_assert_eq(ret, err, "alloc [%u, %u]: %d, expected %d", min, max, ret, err);
	cr_assert_eq(id, SENTINEL, "a failed alloc wrote the out-parameter");
}

struct collect {
	ioasid_t ids[256];
	void *priv[256];
	unsigned int n;
	unsigned int stop_at;	/* return stop_ret at this visit (1-based); 0 never */
	int stop_ret;
	struct iommu_pasid *free_odd;	/* __iommu_pasid_free odd IDs on this */
};

static int collect_fn(ioasid_t id, void *priv, void *data)
{
	struct collect *c = data;

	cr_assert_lt(c->n, ARRAY_SIZE(c->ids));
	c->ids[c->n] = id;
	c->priv[c->n] = priv;
	c->n++;
	if (c->free_odd && (id & 1)) {
		int ret = __iommu_pasid_free(c->free_odd, id);

		cr_assert_eq(ret, 0, "__iommu_pasid_free(%u) in for_each: %d", id, ret);
	}
	if (c->stop_at && c->n == c->stop_at)
		return c->stop_ret;
	return 0;
}

static void assert_holds(struct iommu_pasid *p, const ioasid_t *ids, unsigned int n)
{
	struct collect c = { 0 };
	int ret = iommu_pasid_for_each(p, collect_fn, &c);

	cr_assert_eq(ret, 0);
	cr_assert_eq(c.n, n, "%s holds %u IDs, expected %u", p->name, c.n, n);
	for (unsigned int i = 0; i < n; i++)
		cr_assert_eq(c.ids[i], ids[i], "%s: ID #%u is %u, expected %u",
			     p->name, i, c.ids[i], ids[i]);
	cr_assert_eq(p->count, n);
}

/* ---- init --------------------------------------------------------------------- */

KTEST(iommu_pasid, init_default_range)
{
	struct iommu_pasid a;

	consumer_init(&a, "a", 0, 0);
	cr_assert_eq(a.range_min, 1);
	cr_assert_eq(a.range_max, IOMMU_PASID_MAX);
	cr_assert_eq(IOMMU_PASID_MAX, 0xFFFFF);
	cr_assert_eq(IOMMU_PASID_BITS, 20);
	cr_assert_eq(IOMMU_PASID_RID2PASID, 0);
	/* PASID 0 is never handed out, even when asked for explicitly. */
	alloc_expect(&a, 0, UINT_MAX, NULL, 1);
	alloc_expect(&a, 0, 0xFFFFF, NULL, 2);
	alloc_err(&a, 0, 0, -EINVAL);
	alloc_expect(&a, IOMMU_PASID_MAX, IOMMU_PASID_MAX, NULL, 0xFFFFF);
	alloc_expect(&a, 0xFFFFE, UINT_MAX, NULL, 0xFFFFE);
	alloc_err(&a, IOMMU_PASID_MAX + 1, UINT_MAX, -EINVAL);
	alloc_err(&a, UINT_MAX, UINT_MAX, -EINVAL);
	iommu_pasid_exit(&a);
}

KTEST(iommu_pasid, init_requested_range)
{
	struct iommu_pasid a, b, c;

	consumer_init(&a, "a", 100, 200);
	cr_assert_eq(a.range_min, 100);
	cr_assert_eq(a.range_max, 200);
	alloc_expect(&a, 0, UINT_MAX, NULL, 100);
	alloc_expect(&a, 150, 300, NULL, 150);
	alloc_err(&a, 1, 99, -EINVAL);
	alloc_err(&a, 201, 500, -EINVAL);
	alloc_expect(&a, 199, 200, NULL, 199);

	/* min 0: PASID 0 is cut off, max alone is honoured. */
	consumer_init(&b, "b", 0, 10);
	cr_assert_eq(b.range_min, 1);
	cr_assert_eq(b.range_max, 10);
	alloc_expect(&b, 0, UINT_MAX, NULL, 1);

	/* A max beyond 20 bits is cut to IOMMU_PASID_MAX. */
	consumer_init(&c, "c", 5, 0x200000);
	cr_assert_eq(c.range_min, 5);
	cr_assert_eq(c.range_max, IOMMU_PASID_MAX);
	alloc_expect(&c, IOMMU_PASID_MAX, UINT_MAX, NULL, IOMMU_PASID_MAX);

	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
	iommu_pasid_exit(&c);
}

KTEST(iommu_pasid, init_bad_args)
{
	struct iommu_pasid a;

	cr_assert_eq(iommu_pasid_init(NULL), -EINVAL);

	consumer_setup(&a, "inverted", 10, 5, NULL);
	cr_assert_eq(iommu_pasid_init(&a), -EINVAL);
	alloc_err(&a, 0, UINT_MAX, -EINVAL);

	consumer_setup(&a, "beyond", IOMMU_PASID_MAX + 1, UINT_MAX, NULL);
	cr_assert_eq(iommu_pasid_init(&a), -EINVAL);

	/* 0/0 does not mean "only PASID 0": it means the whole space. */
	consumer_setup(&a, "zero", 0, 0, NULL);
	cr_assert_eq(iommu_pasid_init(&a), 0);
	cr_assert_eq(a.range_max, IOMMU_PASID_MAX);
	iommu_pasid_exit(&a);

	consumer_setup(&a, "garbage", 0, 0, NULL);
	a.state = 77;
	cr_assert_eq(iommu_pasid_init(&a), -EINVAL);
}

KTEST(iommu_pasid, init_twice_and_reinit)
{
	struct iommu_pasid a;
	ioasid_t one = 1;

	consumer_init(&a, "a", 0, 0);
	alloc_expect(&a, 0, UINT_MAX, NULL, 1);
	cr_assert_eq(iommu_pasid_init(&a), -EBUSY);
	/* The failed init changed nothing. */
	assert_holds(&a, &one, 1);
	alloc_expect(&a, 0, UINT_MAX, NULL, 2);
	iommu_pasid_exit(&a);
	ktest_assert_unallocated(1);
	ktest_assert_unallocated(2);

	/* A stopped handle can be initialised again, with a new range. */
	a.min = 50;
	a.max = 60;
	cr_assert_eq(iommu_pasid_init(&a), 0);
	assert_holds(&a, NULL, 0);
	alloc_expect(&a, 0, UINT_MAX, NULL, 50);
	iommu_pasid_exit(&a);
	ktest_assert_unallocated(50);
}

/* ---- alloc -------------------------------------------------------------------- */

KTEST(iommu_pasid, alloc_bad_args)
{
	struct iommu_pasid a;
	ioasid_t id = SENTINEL;

	consumer_init(&a, "a", 0, 0);
	cr_assert_eq(iommu_pasid_alloc(NULL, 1, 10, NULL, &id), -EINVAL);
	cr_assert_eq(iommu_pasid_alloc(&a, 1, 10, NULL, NULL), -EINVAL);
	cr_assert_eq(id, SENTINEL);
	alloc_err(&a, 10, 9, -EINVAL);
	alloc_err(&a, UINT_MAX, 0, -EINVAL);
	/* Nothing was allocated by the failed calls. */
	assert_holds(&a, NULL, 0);
	ktest_assert_unallocated(1);
	alloc_expect(&a, 10, 10, NULL, 10);
	iommu_pasid_exit(&a);
}

KTEST(iommu_pasid, alloc_exhaust_and_reuse_lowest_first)
{
	struct iommu_pasid a, b;
	ioasid_t held[] = { 10, 12 };

	consumer_init(&a, "a", 10, 13);
	consumer_init(&b, "b", 0, 0);
	for (ioasid_t id = 10; id <= 13; id++)
		alloc_expect(&a, 0, UINT_MAX, NULL, id);
	alloc_err(&a, 0, UINT_MAX, -ENOSPC);
	alloc_err(&a, 12, 12, -ENOSPC);
	/* Another consumer with a wider range is not affected. */
	alloc_expect(&b, 0, UINT_MAX, NULL, 1);
	alloc_expect(&b, 10, 20, NULL, 14);

	/* A freed ID is reused at once, lowest first (not cyclic). */
	cr_assert_eq(iommu_pasid_free(&a, 11), 0);
	alloc_expect(&a, 0, UINT_MAX, NULL, 11);
	cr_assert_eq(iommu_pasid_free(&a, 13), 0);
	cr_assert_eq(iommu_pasid_free(&a, 11), 0);
	alloc_expect(&a, 0, UINT_MAX, NULL, 11);
	alloc_expect(&a, 0, UINT_MAX, NULL, 13);
	alloc_err(&a, 0, UINT_MAX, -ENOSPC);
	cr_assert_eq(iommu_pasid_free(&a, 11), 0);
	cr_assert_eq(iommu_pasid_free(&a, 13), 0);
	assert_holds(&a, held, 2);
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}

KTEST(iommu_pasid, alloc_lowest_free_across_consumers)
{
	struct iommu_pasid a, b;

	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	alloc_expect(&a, 0, UINT_MAX, NULL, 1);
	alloc_expect(&a, 0, UINT_MAX, NULL, 2);
	alloc_expect(&b, 0, UINT_MAX, NULL, 3);
	cr_assert_eq(iommu_pasid_free(&a, 1), 0);
	/* The space is shared: b gets the ID a gave back. */
	alloc_expect(&b, 0, UINT_MAX, NULL, 1);
	alloc_expect(&a, 0, UINT_MAX, NULL, 4);
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
	for (ioasid_t id = 0; id <= 5; id++)
		ktest_assert_unallocated(id);
}

/* ---- find and private data ------------------------------------------------------ */

static DEFINE_SPINLOCK(find_test_lock);

KTEST(iommu_pasid, find_private_data)
{
	struct iommu_pasid a, b;
	int x, y;
	ioasid_t ia, ib, in;

	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	ia = alloc_ok(&a, 0, UINT_MAX, &x);
	in = alloc_ok(&a, 0, UINT_MAX, NULL);
	ib = alloc_ok(&b, 0, UINT_MAX, &y);

	cr_assert_eq(iommu_pasid_find(&a, ia), &x);
	cr_assert_eq(iommu_pasid_find(&a, in), NULL, "NULL private data is not an error");
	cr_assert_eq(iommu_pasid_find(&b, ib), &y);
	/* Owner checks. */
	cr_assert_eq(iommu_pasid_find(&a, ib), ERR_PTR(-EACCES));
	cr_assert_eq(iommu_pasid_find(&b, ia), ERR_PTR(-EACCES));
	cr_assert_eq(iommu_pasid_find(&b, in), ERR_PTR(-EACCES));
	/* Not allocated. */
	cr_assert_eq(iommu_pasid_find(&a, 0), ERR_PTR(-ENOENT));
	cr_assert_eq(iommu_pasid_find(&a, 100), ERR_PTR(-ENOENT));
	cr_assert_eq(iommu_pasid_find(&a, IOMMU_PASID_MAX), ERR_PTR(-ENOENT));
	cr_assert_eq(iommu_pasid_find(&a, INVALID_IOASID), ERR_PTR(-ENOENT));
	cr_assert_eq(iommu_pasid_find(NULL, ia), ERR_PTR(-EINVAL));

	/* Any context: inside an RCU read-side section, under a spinlock. */
	rcu_read_lock();
	cr_assert_eq(iommu_pasid_find(&a, ia), &x);
	rcu_read_unlock();
	spin_lock(&find_test_lock);
	cr_assert_eq(iommu_pasid_find(&b, ia), ERR_PTR(-EACCES));
	cr_assert_eq(iommu_pasid_find(&a, ia), &x);
	spin_unlock(&find_test_lock);

	cr_assert_eq(iommu_pasid_free(&a, ia), 0);
	cr_assert_eq(iommu_pasid_find(&a, ia), ERR_PTR(-ENOENT));
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}

/* ---- free ----------------------------------------------------------------------- */

KTEST(iommu_pasid, free_owner_checks)
{
	struct iommu_pasid a, b;
	int y;
	ioasid_t ia, ib, raw, held_a[1], held_b[1];

	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	ia = alloc_ok(&a, 0, UINT_MAX, NULL);
	ib = alloc_ok(&b, 0, UINT_MAX, &y);
	held_a[0] = ia;
	held_b[0] = ib;

	cr_assert_eq(iommu_pasid_free(NULL, ia), -EINVAL);
	/* b's ID through a: refused, and b still holds it with its data. */
	cr_assert_eq(iommu_pasid_free(&a, ib), -EACCES);
	cr_assert_eq(iommu_pasid_find(&b, ib), &y);
	assert_holds(&b, held_b, 1);
	assert_holds(&a, held_a, 1);
	/* Not allocated at all. */
	cr_assert_eq(iommu_pasid_free(&a, 500), -ENOENT);
	cr_assert_eq(iommu_pasid_free(&a, 0), -ENOENT);
	cr_assert_eq(iommu_pasid_free(&a, INVALID_IOASID), -ENOENT);
	/* An ID taken directly from the allocator, without a consumer. */
	raw = ioasid_alloc(NULL, 1, IOMMU_PASID_MAX, NULL);
	cr_assert(pasid_valid(raw));
	cr_assert_eq(iommu_pasid_free(&a, raw), -EACCES);
	cr_assert_eq(ioasid_find(NULL, raw, NULL), NULL, "raw ID must survive");
	ioasid_free(raw);

	cr_assert_eq(iommu_pasid_free(&a, ia), 0);
	ktest_assert_unallocated(ia);
	/* Double free. */
	cr_assert_eq(iommu_pasid_free(&a, ia), -ENOENT);
	assert_holds(&a, NULL, 0);
	assert_holds(&b, held_b, 1);
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}

/* ---- for_each ------------------------------------------------------------------- */

KTEST(iommu_pasid, for_each_exact_contents_in_order)
{
	struct iommu_pasid a, b;
	struct collect c = { 0 };
	int tag[8];
	ioasid_t ids[8];

	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	/* Interleave a's and b's IDs in the shared space. */
	for (int i = 0; i < 8; i++) {
		ids[i] = alloc_ok(&a, 0, UINT_MAX, &tag[i]);
		alloc_ok(&b, 0, UINT_MAX, NULL);
	}
	cr_assert_eq(iommu_pasid_free(&a, ids[2]), 0);
	cr_assert_eq(iommu_pasid_free(&a, ids[5]), 0);

	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), 0);
	cr_assert_eq(c.n, 6);
	for (int i = 0, j = 0; i < 8; i++) {
		if (i == 2 || i == 5)
			continue;
		cr_assert_eq(c.ids[j], ids[i], "visit %d: %u, expected %u", j, c.ids[j], ids[i]);
		cr_assert_eq(c.priv[j], &tag[i]);
		if (j)
			cr_assert_gt(c.ids[j], c.ids[j - 1], "not ascending");
		j++;
	}
	cr_assert_eq(a.count, 6);
	cr_assert_eq(b.count, 8);

	cr_assert_eq(iommu_pasid_for_each(NULL, collect_fn, &c), -EINVAL);
	cr_assert_eq(iommu_pasid_for_each(&a, NULL, &c), -EINVAL);
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}

KTEST(iommu_pasid, for_each_empty)
{
	struct iommu_pasid a;
	struct collect c = { .stop_at = 1, .stop_ret = 5 };

	consumer_init(&a, "a", 0, 0);
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), 0);
	cr_assert_eq(c.n, 0);
	iommu_pasid_exit(&a);
}

KTEST(iommu_pasid, for_each_early_stop)
{
	struct iommu_pasid a;
	struct collect c = { .stop_at = 3, .stop_ret = 42 };

	consumer_init(&a, "a", 0, 0);
	for (int i = 0; i < 6; i++)
		alloc_ok(&a, 0, UINT_MAX, NULL);
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), 42);
	cr_assert_eq(c.n, 3);
	cr_assert_eq(c.ids[2], 3);

	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	c.stop_ret = -EIO;
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), -EIO);
	cr_assert_eq(c.n, 1);

	memset(&c, 0, sizeof(c));
	c.stop_at = 6;
	c.stop_ret = 1;
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), 1);
	cr_assert_eq(c.n, 6);
	/* Stopping the walk changes nothing. */
	cr_assert_eq(a.count, 6);
	iommu_pasid_exit(&a);
}

KTEST(iommu_pasid, for_each_may_free_with_lock_held)
{
	struct iommu_pasid a;
	struct collect c = { 0 };
	ioasid_t even[] = { 2, 4, 6, 8 };

	consumer_init(&a, "a", 0, 0);
	for (int i = 0; i < 8; i++)
		alloc_ok(&a, 0, UINT_MAX, NULL);
	c.free_odd = &a;
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), 0);
	cr_assert_eq(c.n, 8, "every ID visited once, even while freeing");
	assert_holds(&a, even, 4);
	for (ioasid_t id = 1; id <= 7; id += 2)
		ktest_assert_unallocated(id);
	iommu_pasid_exit(&a);
}

/*
 * A callback that frees IDs around the one it visits: at @at it frees
 * [@from, @to], @at itself and a whole XArray node among them; at every
 * multiple of 3 outside that range, the next ID.
 */
struct free_ahead {
	struct iommu_pasid *p;
	ioasid_t at, from, to;
	ioasid_t seen[512];
	unsigned int n;
};

static int free_ahead_fn(ioasid_t id, void *priv, void *data)
{
	struct free_ahead *f = data;

	cr_assert_lt(f->n, ARRAY_SIZE(f->seen));
	f->seen[f->n++] = id;
	if (id == f->at)
		for (ioasid_t x = f->from; x <= f->to; x++)
			__iommu_pasid_free(f->p, x);	/* some are gone already */
	if (id % 3 == 0 && (id + 1 < f->from || id > f->to))
		__iommu_pasid_free(f->p, id + 1);
	return 0;
}

/*
 * The walk goes on from where it was while the callback frees nothing, and
 * starts again from the root when it does: IDs freed ahead of the walk are
 * never visited, and the node the walk stood in may go away (its memory is
 * poisoned once the grace period of the free has passed).
 */
KTEST(iommu_pasid, for_each_callback_frees_later_ids)
{
	struct free_ahead f = { .at = 10, .from = 1, .to = 150 };
	struct iommu_pasid a;
	unsigned int n = 0;
	bool gone[301] = { false };

	consumer_init(&a, "a", 0, 0);
	for (int i = 0; i < 300; i++)
		alloc_ok(&a, 0, UINT_MAX, NULL);
	f.p = &a;
	cr_assert_eq(iommu_pasid_for_each(&a, free_ahead_fn, &f), 0);
	/* The model: visit in order what is still held, free as the callback does. */
	for (ioasid_t id = 1; id <= 300; id++) {
		if (gone[id])
			continue;
		cr_assert_lt(n, f.n);
		cr_assert_eq(f.seen[n], id, "visit #%u is %u, expected %u", n, f.seen[n], id);
		n++;
		if (id == f.at)
			for (ioasid_t x = f.from; x <= f.to; x++)
				gone[x] = true;
		if (id % 3 == 0 && id + 1 <= 300 && (id + 1 < f.from || id > f.to))
			gone[id + 1] = true;
	}
	cr_assert_eq(f.n, n, "%u visits, expected %u", f.n, n);
	iommu_pasid_exit(&a);
}

/* ---- exit ----------------------------------------------------------------------- */

KTEST(iommu_pasid, exit_frees_every_held_id)
{
	struct iommu_pasid a, b;
	int tag;
	ioasid_t ids_a[10], ids_b[3];
	ioasid_t id = SENTINEL;
	struct collect c = { 0 };

	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	for (int i = 0; i < 10; i++) {
		ids_a[i] = alloc_ok(&a, 0, UINT_MAX, &tag);
		if (i < 3)
			ids_b[i] = alloc_ok(&b, 0, UINT_MAX, NULL);
	}
	iommu_pasid_exit(&a);
	for (int i = 0; i < 10; i++)
		ktest_assert_unallocated(ids_a[i]);
	assert_holds(&b, ids_b, 3);

	/* Every later call on the stopped handle is refused. */
	cr_assert_eq(iommu_pasid_alloc(&a, 0, UINT_MAX, NULL, &id), -EINVAL);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(iommu_pasid_free(&a, ids_a[0]), -EINVAL);
	cr_assert_eq(iommu_pasid_free(&a, ids_b[0]), -EINVAL);
	cr_assert_eq(iommu_pasid_find(&a, ids_b[0]), ERR_PTR(-EINVAL));
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), -EINVAL);
	cr_assert_eq(c.n, 0);
	iommu_pasid_exit(&a);	/* a second exit does nothing */

	iommu_pasid_exit(&b);
	for (int i = 0; i < 3; i++)
		ktest_assert_unallocated(ids_b[i]);
	/* The whole space is free again: a raw allocation starts at 1. */
	id = ioasid_alloc(NULL, 1, IOMMU_PASID_MAX, NULL);
	cr_assert_eq(id, 1);
	ioasid_free(id);
}

KTEST(iommu_pasid, calls_before_init)
{
	struct iommu_pasid a;
	struct collect c = { 0 };

	consumer_setup(&a, "zeroed", 0, 0, NULL);
	alloc_err(&a, 0, UINT_MAX, -EINVAL);
	cr_assert_eq(iommu_pasid_free(&a, 1), -EINVAL);
	cr_assert_eq(iommu_pasid_find(&a, 1), ERR_PTR(-EINVAL));
	cr_assert_eq(iommu_pasid_for_each(&a, collect_fn, &c), -EINVAL);
	iommu_pasid_exit(&a);
	iommu_pasid_exit(NULL);
	ktest_assert_unallocated(1);
}

/* ---- vendor range callback ------------------------------------------------------- */

struct range_cb {
	struct iommu_pasid_ops ops;
	ioasid_t set_min, set_max;	/* what the callback reports */
	int ret;
	/* what it saw */
	unsigned int calls;
	struct iommu_pasid *seen;
	ioasid_t seen_min, seen_max;
};

static struct range_cb cb_a, cb_b;

static int range_common(struct range_cb *cb, struct iommu_pasid *pasid,
			ioasid_t *min, ioasid_t *max)
{
	cb->calls++;
	cb->seen = pasid;
	cb->seen_min = *min;
	cb->seen_max = *max;
	if (cb->ret)
		return cb->ret;
	*min = cb->set_min;
	*max = cb->set_max;
	return 0;
}

static int range_a(struct iommu_pasid *pasid, ioasid_t *min, ioasid_t *max)
{
	return range_common(&cb_a, pasid, min, max);
}

static int range_b(struct iommu_pasid *pasid, ioasid_t *min, ioasid_t *max)
{
	return range_common(&cb_b, pasid, min, max);
}

static void cb_setup(struct range_cb *cb, int (*fn)(struct iommu_pasid *, ioasid_t *, ioasid_t *),
		     ioasid_t min, ioasid_t max, int ret)
{
	memset(cb, 0, sizeof(*cb));
	cb->ops.range = fn;
	cb->set_min = min;
	cb->set_max = max;
	cb->ret = ret;
}

KTEST(iommu_pasid, vendor_range_narrows)
{
	struct iommu_pasid a, b;

	/* VT-d-like: a PSS of 3 gives 16 PASIDs, PASID 0 reserved. */
	cb_setup(&cb_a, range_a, 1, 15, 0);
	consumer_setup(&a, "a", 0, 0, &cb_a.ops);
	cr_assert_eq(iommu_pasid_init(&a), 0);
	cr_assert_eq(cb_a.calls, 1);
	cr_assert_eq(cb_a.seen, &a);
	cr_assert_eq(cb_a.seen_min, 1, "callback sees the default range");
	cr_assert_eq(cb_a.seen_max, IOMMU_PASID_MAX);
	for (ioasid_t id = 1; id <= 15; id++)
		alloc_expect(&a, 0, UINT_MAX, NULL, id);
	alloc_err(&a, 0, UINT_MAX, -ENOSPC);
	alloc_err(&a, 16, UINT_MAX, -EINVAL);

	/* The callback sees the consumer's own request. */
	cb_setup(&cb_b, range_b, 40, 45, 0);
	consumer_setup(&b, "b", 30, 50, &cb_b.ops);
	cr_assert_eq(iommu_pasid_init(&b), 0);
	cr_assert_eq(cb_b.seen_min, 30);
	cr_assert_eq(cb_b.seen_max, 50);
	alloc_expect(&b, 0, UINT_MAX, NULL, 40);
	alloc_err(&b, 46, 50, -EINVAL);

	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}

KTEST(iommu_pasid, vendor_range_widening_is_clamped)
{
	struct iommu_pasid a, b;

	ktest_expect(SIM_FINDING_WARN, 2);
	cb_setup(&cb_a, range_a, 0, 0x200000, 0);
	consumer_setup(&a, "a", 0, 0, &cb_a.ops);
	cr_assert_eq(iommu_pasid_init(&a), 0);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 1);
	cr_assert_eq(a.range_min, 1, "PASID 0 must stay reserved");
	cr_assert_eq(a.range_max, IOMMU_PASID_MAX);
	alloc_expect(&a, 0, UINT_MAX, NULL, 1);

	/* Partly wider, partly narrower: each side clamped on its own. */
	cb_setup(&cb_b, range_b, 5, 15, 0);
	consumer_setup(&b, "b", 10, 20, &cb_b.ops);
	cr_assert_eq(iommu_pasid_init(&b), 0);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 2);
	cr_assert_eq(b.range_min, 10);
	cr_assert_eq(b.range_max, 15);
	alloc_expect(&b, 0, UINT_MAX, NULL, 10);
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}

KTEST(iommu_pasid, vendor_range_errors)
{
	struct iommu_pasid a;

	cb_setup(&cb_a, range_a, 0, 0, -ENODEV);
	consumer_setup(&a, "a", 0, 0, &cb_a.ops);
	cr_assert_eq(iommu_pasid_init(&a), -ENODEV);
	cr_assert_eq(cb_a.calls, 1);
	alloc_err(&a, 0, UINT_MAX, -EINVAL);
	cr_assert_eq(iommu_pasid_find(&a, 1), ERR_PTR(-EINVAL));

	/* An empty range from the vendor. */
	cb_setup(&cb_a, range_a, 9, 8, 0);
	consumer_setup(&a, "a", 0, 0, &cb_a.ops);
	cr_assert_eq(iommu_pasid_init(&a), -EINVAL);

	/* A range disjoint from the request is clamped to nothing. */
	ktest_expect(SIM_FINDING_WARN, 1);
	cb_setup(&cb_a, range_a, 100, 200, 0);
	consumer_setup(&a, "a", 10, 20, &cb_a.ops);
	cr_assert_eq(iommu_pasid_init(&a), -EINVAL);

	/* A positive return is not success. */
	cb_setup(&cb_a, range_a, 1, 10, 1);
	consumer_setup(&a, "a", 0, 0, &cb_a.ops);
	cr_assert_eq(iommu_pasid_init(&a), -EINVAL);
	alloc_err(&a, 0, UINT_MAX, -EINVAL);
}

KTEST(iommu_pasid, system_ops_and_override)
{
	struct iommu_pasid a, b, c;

	cb_setup(&cb_a, range_a, 1, 31, 0);
	cb_setup(&cb_b, range_b, 64, 127, 0);
	cr_assert_eq(iommu_pasid_set_ops(&cb_a.ops), 0);
	cr_assert_eq(iommu_pasid_set_ops(&cb_a.ops), 0, "same ops twice is fine");
	cr_assert_eq(iommu_pasid_set_ops(&cb_b.ops), -EBUSY);

	consumer_init(&a, "a", 0, 0);		/* system ops */
	cr_assert_eq(a.range_max, 31);
	consumer_setup(&b, "b", 0, 0, &cb_b.ops);	/* its own */
	cr_assert_eq(iommu_pasid_init(&b), 0);
	cr_assert_eq(b.range_min, 64);
	cr_assert_eq(cb_a.calls, 1);
	cr_assert_eq(cb_b.calls, 1);
	alloc_expect(&a, 0, UINT_MAX, NULL, 1);
	alloc_expect(&b, 0, UINT_MAX, NULL, 64);

	/* Removing the system ops: new consumers get the whole space. */
	cr_assert_eq(iommu_pasid_set_ops(NULL), 0);
	consumer_init(&c, "c", 0, 0);
	cr_assert_eq(c.range_max, IOMMU_PASID_MAX);
	cr_assert_eq(cb_a.calls, 1);
	cr_assert_eq(a.range_max, 31, "live consumers keep their range");
	cr_assert_eq(iommu_pasid_set_ops(&cb_b.ops), 0);
	cr_assert_eq(iommu_pasid_set_ops(NULL), 0);

	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
	iommu_pasid_exit(&c);
}

/* ---- a custom allocator underneath ----------------------------------------------- */

/*
 * A paravirtual allocator in the style of VT-d's virtual command interface:
 * the "host" has its own table, and the free callback refuses to release an
 * ID that ioasid_find() still reports (intel_vcmd_ioasid_free() does).
 */
#define HOST_IDS 64

struct fake_host {
	struct ioasid_allocator_ops ops;
	bool used[HOST_IDS];
	unsigned int allocs, frees, refused;
	ioasid_t bogus;			/* if set, alloc returns it */
	void *seen_at_free;		/* ioasid_find() in the last free */
};

static struct fake_host host;

static ioasid_t host_alloc(ioasid_t min, ioasid_t max, void *data)
{
	struct fake_host *h = data;

	cr_assert_eq(h, &host);
	if (h->bogus) {
		h->used[h->bogus] = true;
		h->allocs++;
		return h->bogus;
	}
	for (ioasid_t id = min; id <= max && id < HOST_IDS; id++) {
		if (!h->used[id]) {
			h->used[id] = true;
			h->allocs++;
			return id;
		}
	}
	return INVALID_IOASID;
}

static void host_free(ioasid_t id, void *data)
{
	struct fake_host *h = data;

	h->seen_at_free = ioasid_find(NULL, id, NULL);
	if (h->seen_at_free) {
		h->refused++;		/* "Cannot free active IOASID" */
		return;
	}
	cr_assert_lt(id, HOST_IDS);
	cr_assert(h->used[id], "host frees %u twice", id);
	h->used[id] = false;
	h->frees++;
}

static void host_register(void)
{
	memset(&host, 0, sizeof(host));
	host.ops.alloc = host_alloc;
	host.ops.free = host_free;
	host.ops.pdata = &host;
	/* Other guests hold the first host IDs. */
	for (int i = 0; i < 5; i++)
		host.used[i] = true;
	cr_assert_eq(ioasid_register_allocator(&host.ops), 0);
}

static unsigned int host_used(void)
{
	unsigned int n = 0;

	for (int i = 5; i < HOST_IDS; i++)
		n += host.used[i];
	return n;
}

KTEST(iommu_pasid, custom_allocator_routes_and_clears_private)
{
	struct iommu_pasid a;
	int tag;
	ioasid_t id, raw;

	host_register();
	consumer_init(&a, "guest", 0, 0);
	id = alloc_ok(&a, 0, UINT_MAX, &tag);
	cr_assert_eq(id, 5, "the host's choice, not the default allocator's");
	cr_assert_eq(host.allocs, 1);
	cr_assert(host.used[5]);
	cr_assert_eq(iommu_pasid_find(&a, id), &tag);

	/*
	 * The API clears the private data before ioasid_free(), so the
	 * host's "still active?" check lets the host free the PASID.
	 */
	cr_assert_eq(iommu_pasid_free(&a, id), 0);
	cr_assert_eq(host.seen_at_free, NULL);
	cr_assert_eq(host.frees, 1);
	cr_assert_eq(host.refused, 0);
	cr_assert_not(host.used[5]);
	ktest_assert_unallocated(id);

	/* Contrast: raw ioasid_free() with private data attached leaks on the host. */
	raw = ioasid_alloc(NULL, 1, IOMMU_PASID_MAX, &tag);
	cr_assert_eq(raw, 5);
	ioasid_free(raw);
	cr_assert_eq(host.seen_at_free, &tag);
	cr_assert_eq(host.refused, 1);
	cr_assert(host.used[5], "the host still holds the PASID the guest forgot");
	ktest_assert_unallocated(raw);
	host.used[5] = false;	/* forget the leak for the checks below */

	/* exit routes every outstanding free through the host, too. */
	for (int i = 0; i < 6; i++)
		alloc_expect(&a, 0, UINT_MAX, &tag, 5 + i);
	cr_assert_eq(host_used(), 6);
	iommu_pasid_exit(&a);
	cr_assert_eq(host_used(), 0);
	cr_assert_eq(host.refused, 1);
	cr_assert_eq(host.frees, 7);
	for (ioasid_t i = 5; i < 11; i++)
		ktest_assert_unallocated(i);

	ioasid_unregister_allocator(&host.ops);
}

KTEST(iommu_pasid, custom_allocator_exhaustion_and_owner)
{
	struct iommu_pasid a, b;
	ioasid_t ia;

	host_register();
	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	ia = alloc_ok(&a, 0, UINT_MAX, NULL);
	cr_assert_eq(iommu_pasid_free(&b, ia), -EACCES);
	cr_assert(host.used[ia]);
	cr_assert_eq(iommu_pasid_find(&b, ia), ERR_PTR(-EACCES));
	/* The host has 64 - 6 IDs left. */
	for (ioasid_t id = 6; id < HOST_IDS; id++)
		alloc_expect(&b, 0, UINT_MAX, NULL, id);
	alloc_err(&b, 0, UINT_MAX, -ENOSPC);
	alloc_err(&a, 0, UINT_MAX, -ENOSPC);
	iommu_pasid_exit(&b);
	iommu_pasid_exit(&a);
	cr_assert_eq(host_used(), 0);
	cr_assert_eq(host.refused, 0);
	ioasid_unregister_allocator(&host.ops);
}

KTEST(iommu_pasid, custom_allocator_out_of_range_id_given_back)
{
	struct iommu_pasid a;

	host_register();
	consumer_init(&a, "a", 1, 10);
	host.bogus = 60;	/* a misbehaving host ignores the range */
	alloc_err(&a, 0, UINT_MAX, -EIO);
	cr_assert_eq(host.frees, 1);
	cr_assert_not(host.used[60], "the bogus ID went back to the host");
	ktest_assert_unallocated(60);
	assert_holds(&a, NULL, 0);
	host.bogus = 0;
	alloc_expect(&a, 0, UINT_MAX, NULL, 5);
	iommu_pasid_exit(&a);
	cr_assert_eq(host_used(), 0);
	ioasid_unregister_allocator(&host.ops);
}

/*
 * A custom allocator goes away while a consumer still holds its IDs: the
 * I/O ASID core WARNs and orphans them, and the default allocator hands the
 * same numbers to another consumer. The stale holder's free and exit must
 * drop its entries (a WARN each) without touching the new holder's IDs or
 * private data. Own instance: Linux 6.1 leaks the orphaned records
 * (docs/flavours.md (c)), which is counted here, not fatal.
 */
static ioasid_t orphan_next;
static unsigned int orphan_frees;

static ioasid_t orphan_alloc(ioasid_t min, ioasid_t max, void *data)
{
	return orphan_next++;
}

static void orphan_free(ioasid_t id, void *data)
{
	orphan_frees++;
}

Test(iommu_pasid, orphaned_ids_are_dropped_not_freed)
{
	static struct ioasid_allocator_ops ops = {
		.alloc = orphan_alloc,
		.free = orphan_free,
	};
	struct sim_kernel *k = sim_kernel_create("orphans");
	struct sim_kernel *prev = sim_kernel_enter(k);
	struct iommu_pasid c1, c2;
	struct sim_slab_stats st;
	int tag1, tag2;
	u64 live;

	orphan_next = 1;
	cr_assert_eq(ioasid_register_allocator(&ops), 0);
	ktest_consumer_init(&c1, "c1");
	ktest_consumer_init(&c2, "c2");
	for (ioasid_t i = 1; i <= 3; i++)
		cr_assert_eq(ktest_alloc(&c1, NULL), i);
	ioasid_unregister_allocator(&ops);	/* orphans 1..3: one WARN */
	cr_assert_eq(sim_findings_count(k, SIM_FINDING_WARN), 1);

	/* The default allocator hands out 1 and 2 again, to c2. */
	cr_assert_eq(ktest_alloc(&c2, &tag1), 1);
	cr_assert_eq(ktest_alloc(&c2, &tag2), 2);
	cr_assert_eq(iommu_pasid_find(&c1, 1), ERR_PTR(-EACCES));

	/* c1 no longer holds 1 (c2 does): dropped, nothing else changes. */
	cr_assert_eq(iommu_pasid_free(&c1, 1), -ENOENT);
	cr_assert_eq(sim_findings_count(k, SIM_FINDING_WARN), 2);
	cr_assert_eq(iommu_pasid_find(&c2, 1), &tag1, "c1 took c2's PASID 1");
	cr_assert_eq(iommu_pasid_free(&c1, 1), -EACCES, "the entry was not dropped");

	/* 3 is allocated by nobody now: dropped too. */
	cr_assert_eq(iommu_pasid_free(&c1, 3), -ENOENT);
	cr_assert_eq(sim_findings_count(k, SIM_FINDING_WARN), 3);
	ktest_assert_unallocated(3);

	/* exit drops 2 the same way and leaves c2's 2 alone. */
	iommu_pasid_exit(&c1);
	cr_assert_eq(sim_findings_count(k, SIM_FINDING_WARN), 4);
	cr_assert_eq(sim_findings_count(k, -1), 4);
	cr_assert_eq(iommu_pasid_find(&c2, 2), &tag2, "c1's exit took c2's PASID 2");
	cr_assert_eq(orphan_frees, 0, "the removed allocator was called");

	cr_assert_eq(iommu_pasid_free(&c2, 1), 0);
	cr_assert_eq(iommu_pasid_free(&c2, 2), 0);
	ktest_assert_unallocated(1);
	ktest_assert_unallocated(2);
	iommu_pasid_exit(&c2);

	rcu_barrier();
	sim_slab_stats(k, &st);
	live = st.live_objects;
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), live);
	if (strcmp(PASIDSIM_FLAVOUR, "linux-6.1") == 0)
		cr_assert_geq(live, 3, "6.1 leaks the 3 orphaned records");
	else
		cr_assert_eq(live, 0);
}

/* ---- allocation failures ---------------------------------------------------------- */

/*
 * Fail each allocation made inside one iommu_pasid_alloc() in turn: the
 * call fails with -ENOSPC (inside ioasid_alloc) and leaves nothing behind,
 * or succeeds where the failed allocation was an XArray node (allocated
 * again by the XArray). The consumer holds 1..63 first,
 * so that ID 64 needs new XArray nodes both in the allocator and in the
 * consumer's bookkeeping.
 */
KTEST(iommu_pasid, alloc_failure_leaves_nothing)
{
	struct iommu_pasid a;
	struct sim_slab_stats st0, st;
	ioasid_t held[64];
	unsigned int n_held = 0, n_enospc = 0, n_enomem = 0, n_retried = 0;
	int tag;
	u64 nth;

	consumer_init(&a, "a", 0, 0);
	for (int i = 0; i < 63; i++)
		held[n_held++] = alloc_ok(&a, 0, UINT_MAX, &tag);

	for (nth = 1; ; nth++) {
		ioasid_t id = SENTINEL;
		int ret;

		cr_assert_lt(nth, 100, "no end to the allocations of one alloc()");
		sim_slab_stats(NULL, &st0);
		sim_fault_fail_nth(NULL, nth);
		ret = iommu_pasid_alloc(&a, 0, UINT_MAX, &tag, &id);
		sim_fault_fail_nth(NULL, 0);
		sim_slab_stats(NULL, &st);
		if (st.injected == st0.injected) {
			cr_assert_eq(ret, 0, "nth %llu: no failure injected, but %d",
				     (unsigned long long)nth, ret);
			cr_assert_eq(id, 64);
			held[n_held++] = id;
			break;
		}
		if (ret == 0) {
			/* A failed XArray node, allocated again by __xas_nomem(). */
			cr_assert_eq(id, 64);
			cr_assert_eq(iommu_pasid_free(&a, id), 0);
			n_retried++;
			continue;
		}
		cr_assert(ret == -ENOSPC || ret == -ENOMEM,
			  "nth %llu: %d", (unsigned long long)nth, ret);
		n_enospc += ret == -ENOSPC;
		n_enomem += ret == -ENOMEM;
		cr_assert_eq(id, SENTINEL);
		ktest_assert_unallocated(64);
		cr_assert_eq(iommu_pasid_find(&a, 64), ERR_PTR(-ENOENT));
		assert_holds(&a, held, n_held);
		rcu_barrier();
		sim_slab_stats(NULL, &st);
		cr_assert_eq(st.live_objects, st0.live_objects,
			     "nth %llu: %lld objects leaked", (unsigned long long)nth,
			     (long long)(st.live_objects - st0.live_objects));
	}
	/*
	 * Failures inside the allocator were met. The bookkeeping allocates
	 * XArray nodes only, and a failed node is allocated again by the
	 * XArray (__xas_nomem()), so a single failure never reaches it.
	 */
	cr_assert_gt(n_enospc, 0);
	cr_assert_eq(n_enomem, 0);
	cr_assert_gt(n_retried, 0);
	cr_log_info("alloc of ID 64: %llu allocations, %u gave -ENOSPC, %u -ENOMEM\n",
		    (unsigned long long)nth - 1, n_enospc, n_enomem);
	assert_holds(&a, held, n_held);
	iommu_pasid_exit(&a);
}

/*
 * The consumer cannot track the PASID it got (every XArray node allocation
 * fails): -ENOMEM, and the PASID goes back to the allocator. Raw IDs 1..62
 * fill the allocator's first XArray node; with 40 free again, the allocator
 * needs no new node for it, while the consumer's empty XArray needs one.
 */
static void fill_but_40(void)
{
	for (ioasid_t i = 1; i <= 62; i++)
		cr_assert_eq(ioasid_alloc(NULL, 1, 62, NULL), i);
	ioasid_free(40);
	rcu_barrier();
}

static void free_but_40(void)
{
	for (ioasid_t i = 1; i <= 62; i++)
		if (i != 40)
			ioasid_free(i);
}

static int alloc_untrackable(struct iommu_pasid *a, ioasid_t *id)
{
	int ret;

	sim_fault_fail_site(NULL, "radix_tree_node");
	ret = iommu_pasid_alloc(a, 0, UINT_MAX, NULL, id);
	sim_fault_reset(NULL);
	return ret;
}

KTEST(iommu_pasid, tracking_failure_gives_the_id_back)
{
	struct iommu_pasid a;
	ioasid_t id = SENTINEL;

	fill_but_40();
	consumer_init(&a, "a", 0, 0);
	cr_assert_eq(alloc_untrackable(&a, &id), -ENOMEM);
	cr_assert_eq(id, SENTINEL);
	ktest_assert_unallocated(40);
	assert_holds(&a, NULL, 0);
	alloc_expect(&a, 0, UINT_MAX, NULL, 40);
	iommu_pasid_exit(&a);
	free_but_40();
}

/*
 * ---- seeded bugs (fuzz/bugbench) ----------------------------------------------
 *
 * Built only into test_iommu_pasid+<bug>, against core/ with
 * fuzz/bugbench/<bug>.patch applied (PASIDSIM_BUG_<bug>): each test asserts
 * the bug's effect (ctest bugbench/<bug>/detected), and the iommu_pasid
 * suite above fails against the patched copy (bugbench/<bug>/killed).
 */

#ifdef PASIDSIM_BUG_pasid_alloc_top_refused
KTEST(bugbench, pasid_alloc_top_refused)
{
	struct iommu_pasid a;

	consumer_init(&a, "a", 10, 12);
	alloc_expect(&a, 0, UINT_MAX, NULL, 10);
	alloc_expect(&a, 0, UINT_MAX, NULL, 11);
	alloc_err(&a, 0, UINT_MAX, -EIO);	/* 12 is the inclusive top */
	ktest_assert_unallocated(12);
	iommu_pasid_exit(&a);
}
#endif

#ifdef PASIDSIM_BUG_pasid_find_any_owner
KTEST(bugbench, pasid_find_any_owner)
{
	struct iommu_pasid a, b;
	int y;
	ioasid_t ib;

	consumer_init(&a, "a", 0, 0);
	consumer_init(&b, "b", 0, 0);
	ib = alloc_ok(&b, 0, UINT_MAX, &y);
	cr_assert_eq(iommu_pasid_find(&a, ib), &y, "a reads b's private data");
	iommu_pasid_exit(&a);
	iommu_pasid_exit(&b);
}
#endif

#ifdef PASIDSIM_BUG_pasid_free_keeps_private
KTEST(bugbench, pasid_free_keeps_private)
{
	struct iommu_pasid a;
	int tag;
	ioasid_t id;

	host_register();
	consumer_init(&a, "guest", 0, 0);
	id = alloc_ok(&a, 0, UINT_MAX, &tag);
	cr_assert_eq(iommu_pasid_free(&a, id), 0);
	cr_assert_eq(host.seen_at_free, &tag, "freed with its private data attached");
	cr_assert_eq(host.refused, 1);
	cr_assert(host.used[id], "the host keeps the PASID the guest dropped");
	ktest_assert_unallocated(id);
	host.used[id] = false;
	iommu_pasid_exit(&a);
	ioasid_unregister_allocator(&host.ops);
}
#endif

#ifdef PASIDSIM_BUG_pasid_track_fail_leaks
KTEST(bugbench, pasid_track_fail_leaks)
{
	struct iommu_pasid a;
	ioasid_t id = SENTINEL;

	fill_but_40();
	consumer_init(&a, "a", 0, 0);
	cr_assert_eq(alloc_untrackable(&a, &id), -ENOMEM);
	cr_assert_eq(iommu_pasid_find(&a, 40), NULL, "40 is allocated in a's set");
	assert_holds(&a, NULL, 0);
	iommu_pasid_exit(&a);
	cr_assert_eq(ioasid_find(NULL, 40, NULL), NULL, "and outlives the consumer: leaked");
	ioasid_free(40);
	free_but_40();
}
#endif
