// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the simulated kernel's XArray: Linux 6.1's lib/xarray.c, hosted unmodified.
 *
 * script: table-driven sequences of operations, each step checked; several
 *         sequences restate the expectations of Linux 6.1's own
 *         lib/test_xarray.c (check_xa_alloc_1/2/3) so the shim is held to
 *         the kernel's allocation order.
 * differential: thousands of random operations checked one by one against a
 *         plain array model, optionally with allocation failures injected.
 * The rest: iteration, memory use, fault injection, the lock class, the
 * sleeping-context check, and readers racing a writer (for TSan).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

/* criterion.h (from ktest.h) must come before parameterized.h */
#include <ktest.h>
#include <criterion/parameterized.h>

/* ---- helpers ---------------------------------------------------------------- */

static u64 live_objects(void)
{
	struct sim_slab_stats st;

	sim_slab_stats(NULL, &st);
	return st.live_objects;
}

static u64 live_bytes(void)
{
	struct sim_slab_stats st;

	sim_slab_stats(NULL, &st);
	return st.live_bytes;
}

static u64 injected(void)
{
	struct sim_slab_stats st;

	sim_slab_stats(NULL, &st);
	return st.injected;
}

/* Let RCU free what erase released. */
static void settle(void)
{
	rcu_barrier();
}

/* ---- scripts ----------------------------------------------------------------- */

enum op {
	OP_END,
	OP_ALLOC,	/* xa_alloc(value(tag)) in [a, b]: ret, id == tag on success */
	OP_RESERVE,	/* xa_alloc(NULL) in [a, b]: ret, id == tag on success */
	OP_CYCLIC,	/* xa_alloc_cyclic(value(tag)) in [a, b] from next = c: ret, id == tag */
	OP_STORE,	/* xa_store(a, value(tag) or NULL): old == value(ret) or NULL */
	OP_INSERT,	/* xa_insert(a, value(tag) or NULL) == ret */
	OP_ERASE,	/* xa_erase(a) == value(tag) or NULL */
	OP_LOAD,	/* xa_load(a) == value(tag) or NULL */
	OP_EMPTY,	/* xa_empty() == tag */
	OP_DESTROY,
	OP_ERASE_ALL,	/* xa_for_each + xa_erase */
};

#define NONE	(-1L)	/* tag for NULL */

struct step {
	enum op op;
	u64 a, b, c;
	long tag;
	long ret;
};

#define ALLOC(mn, mx, r, id)	{ OP_ALLOC, (mn), (mx), 0, (id), (r) }
#define RESERVE(mn, mx, r, id)	{ OP_RESERVE, (mn), (mx), 0, (id), (r) }
#define CYCLIC(mn, mx, nx, r, id) { OP_CYCLIC, (mn), (mx), (nx), (id), (r) }
#define STORE(i, t, old)	{ OP_STORE, (i), 0, 0, (t), (old) }
#define INSERT(i, t, r)		{ OP_INSERT, (i), 0, 0, (t), (r) }
#define ERASE(i, old)		{ OP_ERASE, (i), 0, 0, (old), 0 }
#define LOAD(i, t)		{ OP_LOAD, (i), 0, 0, (t), 0 }
#define EMPTY(b)		{ OP_EMPTY, 0, 0, 0, (b), 0 }
#define DESTROY()		{ OP_DESTROY, 0, 0, 0, 0, 0 }
#define ERASE_ALL()		{ OP_ERASE_ALL, 0, 0, 0, 0, 0 }

#define UMAX	((u64)UINT_MAX)

/* Criterion copies parameters into a fresh process: no pointers in them. */
struct script {
	char name[64];
	gfp_t flags;
	struct step steps[40];
};

static void *tag_entry(long tag)
{
	return tag == NONE ? NULL : xa_mk_value(tag);
}

/* Failure messages name the script and the step. */
#define STEP_FMT	"%s, step %d: "
#define STEP_ARGS	s->name, n

static void run_step(struct xarray *xa, const struct script *s, int n, const struct step *st)
{
	u32 id = 0xdeadbeef;
	u32 next;
	void *p;
	int ret;

	switch (st->op) {
	case OP_ALLOC:
	case OP_RESERVE:
		ret = xa_alloc(xa, &id, st->op == OP_ALLOC ? xa_mk_value(st->tag) : NULL,
			       XA_LIMIT(st->a, st->b), GFP_KERNEL);
		cr_assert_eq(ret, st->ret, STEP_FMT "xa_alloc [%llu, %llu] returned %d, not %ld",
			     STEP_ARGS, (unsigned long long)st->a, (unsigned long long)st->b,
			     ret, st->ret);
		if (!ret)
			cr_assert_eq(id, (u32)st->tag,
				     STEP_FMT "xa_alloc [%llu, %llu] gave id %u, not %u",
				     STEP_ARGS, (unsigned long long)st->a,
				     (unsigned long long)st->b, id, (u32)st->tag);
		else
			cr_assert_eq(id, 0xdeadbeef, STEP_FMT "failed xa_alloc changed *id",
				     STEP_ARGS);
		break;
	case OP_CYCLIC:
		next = st->c;
		ret = xa_alloc_cyclic(xa, &id, xa_mk_value(st->tag), XA_LIMIT(st->a, st->b),
				      &next, GFP_KERNEL);
		cr_assert_eq(ret, st->ret, STEP_FMT "xa_alloc_cyclic returned %d, not %ld",
			     STEP_ARGS, ret, st->ret);
		if (ret >= 0)
			cr_assert_eq(id, (u32)st->tag, STEP_FMT "xa_alloc_cyclic gave %u, not %u",
				     STEP_ARGS, id, (u32)st->tag);
		break;
	case OP_STORE:
		p = xa_store(xa, st->a, tag_entry(st->tag), GFP_KERNEL);
		cr_assert_eq(p, tag_entry(st->ret), STEP_FMT "xa_store(%llu) returned %p, not %p",
			     STEP_ARGS, (unsigned long long)st->a, p, tag_entry(st->ret));
		break;
	case OP_INSERT:
		ret = xa_insert(xa, st->a, tag_entry(st->tag), GFP_KERNEL);
		cr_assert_eq(ret, st->ret, STEP_FMT "xa_insert(%llu) returned %d, not %ld",
			     STEP_ARGS, (unsigned long long)st->a, ret, st->ret);
		break;
	case OP_ERASE:
		p = xa_erase(xa, st->a);
		cr_assert_eq(p, tag_entry(st->tag), STEP_FMT "xa_erase(%llu) returned %p, not %p",
			     STEP_ARGS, (unsigned long long)st->a, p, tag_entry(st->tag));
		break;
	case OP_LOAD:
		p = xa_load(xa, st->a);
		cr_assert_eq(p, tag_entry(st->tag), STEP_FMT "xa_load(%llu) returned %p, not %p",
			     STEP_ARGS, (unsigned long long)st->a, p, tag_entry(st->tag));
		break;
	case OP_EMPTY:
		cr_assert_eq(xa_empty(xa), !!st->tag, STEP_FMT "xa_empty() is %d",
			     STEP_ARGS, xa_empty(xa));
		break;
	case OP_DESTROY:
		xa_destroy(xa);
		break;
	case OP_ERASE_ALL: {
		unsigned long index;

		xa_for_each(xa, index, p)
			cr_assert_eq(xa_erase(xa, index), p, "%s, step %d: erase of %lu",
				     s->name, n, index);
		break;
	}
	case OP_END:
		break;
	}
}

static struct script scripts[] = {
	{ "lowest free first", XA_FLAGS_ALLOC, {
		ALLOC(0, UMAX, 0, 0), ALLOC(0, UMAX, 0, 1), ALLOC(0, UMAX, 0, 2),
		ALLOC(0, UMAX, 0, 3), ERASE(1, 1), ERASE(2, 2),
		ALLOC(0, UMAX, 0, 1), ALLOC(0, UMAX, 0, 2), ALLOC(0, UMAX, 0, 4),
		ERASE(0, 0), ALLOC(0, UMAX, 0, 0), ALLOC(0, UMAX, 0, 5),
		ERASE_ALL(), EMPTY(true) } },
	{ "min is honoured, lower ids stay free", XA_FLAGS_ALLOC, {
		ALLOC(5, 10, 0, 5), ALLOC(5, 10, 0, 6), ALLOC(0, 10, 0, 0),
		ALLOC(5, 10, 0, 7), ALLOC(1, 10, 0, 1), ALLOC(1000, UMAX, 0, 1000),
		ALLOC(64, UMAX, 0, 64), ALLOC(63, UMAX, 0, 63), ERASE_ALL(), EMPTY(true) } },
	{ "limit [0,0]", XA_FLAGS_ALLOC, {
		ALLOC(0, 0, 0, 0), ALLOC(0, 0, -EBUSY, 0), LOAD(0, 0), ERASE(0, 0),
		EMPTY(true), ALLOC(0, 0, 0, 0), ALLOC(0, 1, 0, 1), ERASE_ALL() } },
	{ "limit [5,5]", XA_FLAGS_ALLOC, {
		ALLOC(5, 5, 0, 5), ALLOC(5, 5, -EBUSY, 0), ALLOC(4, 5, 0, 4),
		ALLOC(4, 6, 0, 6), ERASE(5, 5), ALLOC(5, 5, 0, 5), ERASE_ALL() } },
	{ "limit [UINT_MAX-1, UINT_MAX]", XA_FLAGS_ALLOC, {
		ALLOC(UMAX - 1, UMAX, 0, UMAX - 1), ALLOC(UMAX - 1, UMAX, 0, UMAX),
		ALLOC(UMAX - 1, UMAX, -EBUSY, 0), ALLOC(UMAX, UMAX, -EBUSY, 0),
		LOAD(UMAX, UMAX), LOAD(UMAX - 1, UMAX - 1), LOAD(UMAX - 2, NONE),
		ERASE(UMAX, UMAX), ALLOC(0, UMAX, 0, 0), ALLOC(UMAX - 1, UMAX, 0, UMAX),
		ERASE_ALL(), EMPTY(true) } },
	{ "min > max", XA_FLAGS_ALLOC, {
		ALLOC(10, 5, -EBUSY, 0), ALLOC(1, 0, -EBUSY, 0), EMPTY(true),
		STORE(3, 3, NONE), ALLOC(10, 5, -EBUSY, 0), ERASE(3, 3), EMPTY(true) } },
	{ "exhaustion and reuse, lowest freed first", XA_FLAGS_ALLOC, {
		ALLOC(100, 103, 0, 100), ALLOC(100, 103, 0, 101), ALLOC(100, 103, 0, 102),
		ALLOC(100, 103, 0, 103), ALLOC(100, 103, -EBUSY, 0),
		ERASE(102, 102), ERASE(101, 101), ALLOC(100, 103, 0, 101),
		ALLOC(100, 103, 0, 102), ALLOC(100, 103, -EBUSY, 0),
		ALLOC(100, 104, 0, 104), ERASE_ALL(), EMPTY(true) } },
	{ "exhaustion across a node boundary", XA_FLAGS_ALLOC, {
		ALLOC(62, 65, 0, 62), ALLOC(62, 65, 0, 63), ALLOC(62, 65, 0, 64),
		ALLOC(62, 65, 0, 65), ALLOC(62, 65, -EBUSY, 0), ERASE(64, 64),
		ALLOC(62, 65, 0, 64), ALLOC(0, UMAX, 0, 0), ALLOC(60, UMAX, 0, 60),
		ALLOC(60, UMAX, 0, 61), ALLOC(60, UMAX, 0, 66), ERASE_ALL(), EMPTY(true) } },
	/*
	 * ALLOC1 does not hand out 0 until a store at 0 is erased: Linux's
	 * erase marks the index free, and index 0 is then allocated like any
	 * other (also after the array is empty again).
	 */
	{ "ALLOC1 hands out 0 only after an erase of 0", XA_FLAGS_ALLOC1, {
		ALLOC(0, UMAX, 0, 1), ALLOC(0, 0, -EBUSY, 0), ALLOC(0, 1, -EBUSY, 0),
		ALLOC(0, 2, 0, 2), STORE(0, 7, NONE), LOAD(0, 7), ERASE(0, 7),
		ALLOC(0, UMAX, 0, 0), ALLOC(0, UMAX, 0, 3), ERASE(1, 1), ALLOC(0, UMAX, 0, 1),
		ERASE_ALL(), EMPTY(true), ALLOC(0, UMAX, 0, 0), ERASE(0, 0), EMPTY(true) } },
	{ "reserved entries", XA_FLAGS_ALLOC, {
		RESERVE(0, UMAX, 0, 0), LOAD(0, NONE), EMPTY(false), ALLOC(0, UMAX, 0, 1),
		INSERT(0, 5, -EBUSY), ALLOC(0, 0, -EBUSY, 0), ERASE(0, NONE),
		ALLOC(0, UMAX, 0, 0), ERASE(0, 0), ERASE(1, 1), EMPTY(true),
		RESERVE(70, 70, 0, 70), EMPTY(false), ERASE_ALL(), EMPTY(false),
		ERASE(70, NONE), EMPTY(true) } },
	{ "storing NULL in an ALLOC array reserves", XA_FLAGS_ALLOC, {
		STORE(3, NONE, NONE), EMPTY(false), LOAD(3, NONE), ALLOC(3, 3, -EBUSY, 0),
		INSERT(3, 1, -EBUSY), STORE(3, 9, NONE), STORE(3, NONE, 9),
		ALLOC(3, 4, 0, 4), ERASE(3, NONE), ALLOC(3, 3, 0, 3), ERASE_ALL(), EMPTY(true) } },
	{ "storing NULL in a plain array erases", 0, {
		STORE(3, 7, NONE), STORE(3, NONE, 7), EMPTY(true), STORE(0, 1, NONE),
		STORE(0, NONE, 1), EMPTY(true), STORE(1000, 2, NONE), STORE(1000, NONE, 2),
		EMPTY(true), INSERT(5, NONE, 0), EMPTY(false), LOAD(5, NONE),
		STORE(5, NONE, NONE), EMPTY(true) } },
	{ "store, insert and erase return values", 0, {
		STORE(5, 1, NONE), STORE(5, 2, 1), INSERT(5, 3, -EBUSY), LOAD(5, 2),
		ERASE(5, 2), ERASE(5, NONE), INSERT(5, 3, 0), INSERT(6, NONE, 0),
		INSERT(6, 4, -EBUSY), ERASE(6, NONE), INSERT(6, 4, 0), ERASE(7, NONE),
		ERASE(1UL << 40, NONE), ERASE_ALL(), EMPTY(true) } },
	{ "index 0 alone needs no node, and comes back", XA_FLAGS_ALLOC, {
		ALLOC(0, UMAX, 0, 0), ALLOC(0, UMAX, 0, 1), ERASE(1, 1), LOAD(0, 0),
		ALLOC(0, UMAX, 0, 1), ALLOC(5000, UMAX, 0, 5000), ERASE(1, 1),
		ERASE(5000, 5000), LOAD(0, 0), ALLOC(0, UMAX, 0, 1), ERASE_ALL(), EMPTY(true) } },
	{ "full 64-bit indices in a plain array", 0, {
		STORE(~0UL, 1, NONE), STORE(0, 2, NONE), STORE(1UL << 63, 3, NONE),
		LOAD(~0UL, 1), LOAD(~0UL - 1, NONE), LOAD(1UL << 63, 3), LOAD(0, 2),
		ERASE(0, 2), LOAD(~0UL, 1), ERASE(~0UL, 1), ERASE(1UL << 63, 3), EMPTY(true) } },
	/* lib/test_xarray.c check_xa_alloc_1(), base 0 and base 1 (ALLOC1) */
	{ "linux check_xa_alloc_1 base 0", XA_FLAGS_ALLOC, {
		ALLOC(0, UMAX, 0, 0), ERASE(0, 0), EMPTY(true), ALLOC(0, UMAX, 0, 0),
		DESTROY(), ALLOC(0, UMAX, 0, 0), ALLOC(0, UMAX, 0, 1), ERASE(1, 1),
		STORE(1, 1, NONE), ALLOC(0, UMAX, 0, 2), ERASE(0, 0), ALLOC(0, UMAX, 0, 0),
		ERASE(1, 1), ERASE(2, 2), DESTROY(),
		ALLOC(UMAX - 1, UMAX, 0, UMAX - 1), ALLOC(UMAX - 1, UMAX, 0, UMAX),
		ALLOC(UMAX - 1, UMAX, -EBUSY, 0), DESTROY(),
		ALLOC(10, 5, -EBUSY, 0), STORE(3, 3, NONE), ALLOC(10, 5, -EBUSY, 0),
		ERASE(3, 3), EMPTY(true) } },
	{ "linux check_xa_alloc_1 base 1", XA_FLAGS_ALLOC1, {
		ALLOC(0, UMAX, 0, 1), ERASE(1, 1), EMPTY(true), ALLOC(0, UMAX, 0, 1),
		DESTROY(), ALLOC(0, UMAX, 0, 1), ALLOC(0, UMAX, 0, 2), ERASE(2, 2),
		STORE(2, 2, NONE), ALLOC(0, UMAX, 0, 3), ERASE(1, 1), ALLOC(0, UMAX, 0, 1),
		ERASE(2, 2), ERASE(3, 3), DESTROY(),
		ALLOC(UMAX - 1, UMAX, 0, UMAX - 1), ALLOC(UMAX - 1, UMAX, 0, UMAX),
		ALLOC(UMAX - 1, UMAX, -EBUSY, 0), DESTROY(), EMPTY(true) } },
	/* check_xa_alloc_2(): reserved entries and xa_empty() */
	{ "linux check_xa_alloc_2 base 0", XA_FLAGS_ALLOC, {
		RESERVE(0, UMAX, 0, 0), EMPTY(false), ERASE(0, NONE), EMPTY(true),
		RESERVE(0, UMAX, 0, 0), DESTROY(), EMPTY(true),
		RESERVE(0, UMAX, 0, 0), RESERVE(0, UMAX, 0, 1), RESERVE(0, UMAX, 0, 2),
		RESERVE(0, UMAX, 0, 3), RESERVE(0, UMAX, 0, 4), RESERVE(0, UMAX, 0, 5),
		RESERVE(0, UMAX, 0, 6), RESERVE(0, UMAX, 0, 7), RESERVE(0, UMAX, 0, 8),
		RESERVE(0, UMAX, 0, 9),
		STORE(3, 3, NONE), STORE(4, 4, NONE), STORE(4, NONE, 4), ERASE(5, NONE),
		RESERVE(0, UMAX, 0, 5), ERASE_ALL(), EMPTY(false),
		ERASE(0, NONE), ERASE(1, NONE), ERASE(2, NONE), ERASE(3, NONE),
		ERASE(4, NONE), ERASE(5, NONE), ERASE(6, NONE), ERASE(7, NONE),
		ERASE(8, NONE), EMPTY(false), ERASE(9, NONE), EMPTY(true) } },
	/* check_xa_alloc_3(): cyclic allocation and its wrap report */
	{ "linux check_xa_alloc_3 base 0", XA_FLAGS_ALLOC, {
		CYCLIC(1, 0x3fff, 0, 0, 1), CYCLIC(1, 0x3fff, 0x3ffd, 0, 0x3ffd),
		ERASE(0x3ffd, 0x3ffd), ERASE(1, 1), EMPTY(true),
		CYCLIC(1, 0x3fff, 0x3ffe, 0, 0x3ffe), CYCLIC(1, 0x3fff, 0x3fff, 0, 0x3fff),
		CYCLIC(1, 0x3fff, 0x4000, 1, 1), CYCLIC(1, 0x3fff, 2, 0, 2),
		CYCLIC(0, UMAX, UMAX, 0, UMAX), ERASE_ALL(), EMPTY(true) } },
};

ParameterizedTestParameters(xarray, script)
{
	return cr_make_param_array(struct script, scripts, ARRAY_SIZE(scripts));
}

ParameterizedTest(struct script *s, xarray, script)
{
	struct xarray xa;
	int n;

	ktest_begin();
	xa_init_flags(&xa, s->flags);
	for (n = 0; n < (int)ARRAY_SIZE(s->steps) && s->steps[n].op != OP_END; n++)
		run_step(&xa, s, n, &s->steps[n]);
	xa_destroy(&xa);
	ktest_end();
}

/* xa_alloc_cyclic() reports the wrap once, after handing out UINT_MAX. */
KTEST(xarray, cyclic_wrap_flag)
{
	DEFINE_XARRAY_ALLOC(xa);
	u32 next = UINT_MAX, id;

	cr_assert_eq(xa_alloc_cyclic(&xa, &id, xa_mk_value(1), xa_limit_32b, &next,
				     GFP_KERNEL), 0);
	cr_assert_eq(id, UINT_MAX);
	cr_assert_eq(next, 0);
	cr_assert_eq(xa_alloc_cyclic(&xa, &id, xa_mk_value(2), xa_limit_32b, &next,
				     GFP_KERNEL), 1);
	cr_assert_eq(id, 0);
	cr_assert_eq(xa_alloc_cyclic(&xa, &id, xa_mk_value(3), xa_limit_32b, &next,
				     GFP_KERNEL), 0);
	cr_assert_eq(id, 1);
	xa_destroy(&xa);
}

/* ---- iteration ----------------------------------------------------------------- */

static size_t collect(struct xarray *xa, unsigned long start, unsigned long last,
		      unsigned long *out, size_t cap)
{
	unsigned long index;
	size_t n = 0;
	void *entry;

	xa_for_each_range(xa, index, entry, start, last) {
		cr_assert_eq(entry, xa_mk_value(index), "entry at %lu is %p", index, entry);
		cr_assert_lt(n, cap);
		out[n++] = index;
	}
	return n;
}

KTEST(xarray, for_each_order_skips_reserved)
{
	static const unsigned long stored[] = {
		70000, 5, 64, 63, 0, 1UL << 31, UINT_MAX, 4096, 65,
	};
	static const unsigned long want[] = {
		0, 5, 63, 64, 65, 4096, 70000, 1UL << 31, UINT_MAX,
	};
	static const struct { unsigned long start, last; size_t first, n; } ranges[] = {
		{ 0, ULONG_MAX, 0, 9 }, { 6, ULONG_MAX, 2, 7 }, { 6, 64, 2, 2 },
		{ 64, 64, 3, 1 }, { 66, 4095, 0, 0 }, { UINT_MAX, UINT_MAX, 8, 1 },
		{ 0, 0, 0, 1 }, { 1, 4, 0, 0 }, { (1UL << 31) + 1, ULONG_MAX, 8, 1 },
	};
	DEFINE_XARRAY_ALLOC(xa);
	unsigned long got[16];
	unsigned long index;
	void *entry;
	size_t i, n;
	u32 id;

	for (i = 0; i < ARRAY_SIZE(stored); i++)
		cr_assert_null(xa_store(&xa, stored[i], xa_mk_value(stored[i]), GFP_KERNEL));
	/* reserved entries in between, in a leaf of their own and beside others */
	cr_assert_eq(xa_alloc(&xa, &id, NULL, XA_LIMIT(6, 100), GFP_KERNEL), 0);
	cr_assert_eq(id, 6);
	cr_assert_eq(xa_alloc(&xa, &id, NULL, XA_LIMIT(200000, 300000), GFP_KERNEL), 0);
	cr_assert_null(xa_store(&xa, 1, NULL, GFP_KERNEL));

	for (i = 0; i < ARRAY_SIZE(ranges); i++) {
		n = collect(&xa, ranges[i].start, ranges[i].last, got, ARRAY_SIZE(got));
		cr_assert_eq(n, ranges[i].n, "range %zu [%lu, %lu]: %zu entries, not %zu", i,
			     ranges[i].start, ranges[i].last, n, ranges[i].n);
		for (size_t j = 0; j < n; j++)
			cr_assert_eq(got[j], want[ranges[i].first + j],
				     "range %zu [%lu, %lu]: entry %zu at %lu, not %lu", i,
				     ranges[i].start, ranges[i].last, j, got[j],
				     want[ranges[i].first + j]);
	}

	/* xa_find()/xa_find_after() leave the index alone when nothing is found */
	index = 66;
	cr_assert_null(xa_find(&xa, &index, 4095, XA_PRESENT));
	cr_assert_eq(index, 66);
	index = 10;
	cr_assert_null(xa_find(&xa, &index, 5, XA_PRESENT));
	cr_assert_eq(index, 10);
	index = UINT_MAX;
	cr_assert_null(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT));
	cr_assert_eq(index, UINT_MAX);
	index = ULONG_MAX;
	cr_assert_null(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT));
	index = 5;
	cr_assert_eq(xa_find_after(&xa, &index, ULONG_MAX, XA_PRESENT), xa_mk_value(63));
	cr_assert_eq(index, 63);

	/* erasing the current entry inside the loop is allowed */
	n = 0;
	xa_for_each(&xa, index, entry) {
		cr_assert_eq(xa_erase(&xa, index), entry);
		n++;
	}
	cr_assert_eq(n, ARRAY_SIZE(stored));
	cr_assert_not(xa_empty(&xa), "the reserved entries are still there");
	n = 0;
	xa_for_each(&xa, index, entry)
		n++;
	cr_assert_eq(n, 0);
	cr_assert_null(xa_erase(&xa, 1));
	cr_assert_null(xa_erase(&xa, 6));
	cr_assert_null(xa_erase(&xa, 200000));
	cr_assert(xa_empty(&xa));
	settle();
	cr_assert_eq(live_objects(), 0);
}

/* ---- memory --------------------------------------------------------------------- */

KTEST(xarray, sparse_ids_bounded_memory)
{
	static const u32 ids[] = { 0, 1U << 20, 1U << 31, UINT_MAX };
	DEFINE_XARRAY_ALLOC(xa);
	size_t i;
	u32 id;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(i), XA_LIMIT(ids[i], ids[i]),
				      GFP_KERNEL), 0, "id %u", ids[i]);
		cr_assert_eq(id, ids[i]);
	}
	/* 64-slot nodes, six levels for 32-bit indices: at most 6 nodes per id */
	cr_assert_leq(live_objects(), 6 * ARRAY_SIZE(ids), "%llu nodes",
		      (unsigned long long)live_objects());
	cr_assert_lt(live_bytes(), 6 * ARRAY_SIZE(ids) * 1024, "%llu bytes",
		     (unsigned long long)live_bytes());
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		cr_assert_eq(xa_load(&xa, ids[i]), xa_mk_value(i), "id %u", ids[i]);
		cr_assert_null(xa_load(&xa, ids[i] ^ 1), "id %u", ids[i] ^ 1);
	}
	/* the lowest free id is found without scanning the 2^32 range */
	cr_assert_eq(xa_alloc(&xa, &id, NULL, XA_LIMIT(1U << 31, UINT_MAX), GFP_KERNEL), 0);
	cr_assert_eq(id, (1U << 31) + 1);
	cr_assert_eq(xa_alloc(&xa, &id, NULL, XA_LIMIT(UINT_MAX - 1, UINT_MAX), GFP_KERNEL), 0);
	cr_assert_eq(id, UINT_MAX - 1);
	for (i = 0; i < ARRAY_SIZE(ids); i++)
		cr_assert_eq(xa_erase(&xa, ids[i]), xa_mk_value(i));
	cr_assert_null(xa_erase(&xa, (1U << 31) + 1));
	cr_assert_null(xa_erase(&xa, UINT_MAX - 1));
	cr_assert(xa_empty(&xa));
	settle();
	cr_assert_eq(live_objects(), 0, "an empty array keeps %llu objects",
		     (unsigned long long)live_objects());
}

/*
 * After the last erase an array owns nothing (Linux 6.1 frees structs that
 * embed an empty xarray without xa_destroy()): no xa_destroy() here.
 */
KTEST(xarray, empty_array_holds_no_memory)
{
	static const gfp_t flags[] = { XA_FLAGS_ALLOC, XA_FLAGS_ALLOC1 };
	u32 order[5000];
	size_t f, i;

	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		struct xarray xa;
		u32 seed = 12345, id;

		xa_init_flags(&xa, flags[f]);
		for (i = 0; i < ARRAY_SIZE(order); i++) {
			cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(i), xa_limit_32b,
					      GFP_KERNEL), 0);
			order[i] = id;
		}
		cr_assert_gt(live_objects(), 0);
		/* erase in a shuffled order */
		for (i = ARRAY_SIZE(order) - 1; i > 0; i--) {
			u32 j, t;

			seed = seed * 1103515245 + 12345;
			j = (seed >> 8) % (i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < ARRAY_SIZE(order); i++)
			cr_assert_not_null(xa_erase(&xa, order[i]));
		cr_assert(xa_empty(&xa), "flags %#x", flags[f]);
		settle();
		cr_assert_eq(live_objects(), 0, "flags %#x: %llu objects after erasing all",
			     flags[f], (unsigned long long)live_objects());
	}
}

/* ---- fault injection -------------------------------------------------------------- */

static void check_unchanged(struct xarray *xa, const unsigned long *idx, size_t n,
			    u64 bytes, const char *what, u64 nth)
{
	unsigned long index;
	size_t i = 0;
	void *entry;

	settle();
	cr_assert_eq(live_bytes(), bytes, "%s, fail #%llu: %llu live bytes, %llu before",
		     what, (unsigned long long)nth, (unsigned long long)live_bytes(),
		     (unsigned long long)bytes);
	xa_for_each(xa, index, entry) {
		cr_assert_lt(i, n, "%s, fail #%llu: extra entry at %lu", what,
			     (unsigned long long)nth, index);
		cr_assert_eq(index, idx[i], "%s, fail #%llu", what, (unsigned long long)nth);
		cr_assert_eq(entry, xa_mk_value(idx[i]), "%s, fail #%llu", what,
			     (unsigned long long)nth);
		i++;
	}
	cr_assert_eq(i, n, "%s, fail #%llu: %zu entries, not %zu", what,
		     (unsigned long long)nth, i, n);
}

/*
 * A store that needs nodes fails with -ENOMEM only when the XArray's retry
 * fails too: Linux allocates a node under xa_lock without sleeping first
 * (GFP_NOWAIT) and, if that fails, again with the caller's flags after
 * dropping the lock (__xas_nomem()). With every node allocation failing the
 * array (and the slab) stays as it was; any single failure is absorbed.
 */
KTEST(xarray, enomem_leaves_array_unchanged)
{
	static const unsigned long idx[] = { 0 };
	static const unsigned long both[] = { 0, 1UL << 31 };
	DEFINE_XARRAY_ALLOC(xa);
	u64 nth, bytes, before, absorbed = 0;
	u32 id = 0xdeadbeef;
	int ret;

	cr_assert_null(xa_store(&xa, 0, xa_mk_value(0), GFP_KERNEL));
	bytes = live_bytes();
	before = injected();
	sim_fault_fail_site(NULL, "radix_tree_node");
	ret = xa_alloc(&xa, &id, xa_mk_value(1U << 31), XA_LIMIT(1U << 31, UINT_MAX),
		       GFP_KERNEL);
	sim_fault_reset(NULL);
	cr_assert_eq(ret, -ENOMEM);
	cr_assert_eq(injected(), before + 2, "the GFP_NOWAIT attempt and the retry");
	check_unchanged(&xa, idx, 1, bytes, "xa_alloc", 0);

	for (nth = 1; ; nth++) {
		before = injected();
		sim_fault_fail_nth(NULL, nth);
		ret = xa_alloc(&xa, &id, xa_mk_value(1U << 31), XA_LIMIT(1U << 31, UINT_MAX),
			       GFP_KERNEL);
		sim_fault_fail_nth(NULL, 0);
		cr_assert_eq(ret, 0, "fail #%llu: %d", (unsigned long long)nth, ret);
		cr_assert_eq(id, 1U << 31);
		if (injected() == before)
			break;
		absorbed++;
		cr_assert_eq(xa_erase(&xa, id), xa_mk_value(1U << 31));
		check_unchanged(&xa, idx, 1, bytes, "xa_alloc", nth);
	}
	/* the entry at 0 moves into a leaf, plus two paths of five nodes */
	cr_assert_eq(absorbed, 11, "%llu allocations needed", (unsigned long long)absorbed);

	/* xa_store() and xa_insert() report -ENOMEM the same way */
	bytes = live_bytes();
	sim_fault_fail_site(NULL, "radix_tree_node");
	cr_assert_eq(xa_err(xa_store(&xa, 1UL << 40, xa_mk_value(1), GFP_KERNEL)), -ENOMEM);
	check_unchanged(&xa, both, 2, bytes, "xa_store", 1);
	cr_assert_eq(xa_insert(&xa, 1UL << 20, xa_mk_value(1), GFP_KERNEL), -ENOMEM);
	check_unchanged(&xa, both, 2, bytes, "xa_insert", 2);
	/* overwriting needs no node, so it cannot fail */
	cr_assert_eq(xa_store(&xa, 1UL << 31, xa_mk_value(5), GFP_KERNEL),
		     xa_mk_value(1UL << 31));
	cr_assert_eq(xa_alloc(&xa, &id, NULL, XA_LIMIT(70, 80), GFP_KERNEL), -ENOMEM);
	/* -EBUSY is decided before any allocation */
	cr_assert_eq(xa_alloc(&xa, &id, NULL, XA_LIMIT(0, 0), GFP_KERNEL), -EBUSY);
	sim_fault_reset(NULL);
	xa_destroy(&xa);
}

/* ---- where Linux's XArray differs from the hand-written one it replaced ---------- */

struct nomem_probe {
	struct xarray *xa;
	unsigned int calls;
	bool locked[4];
	gfp_t gfp[4];
};

/* Fails the first node allocation; records whether xa_lock was held at each. */
static bool nomem_probe_hook(void *arg, const char *site, size_t size, gfp_t gfp)
{
	struct nomem_probe *p = arg;

	if (p->calls < ARRAY_SIZE(p->locked)) {
		p->locked[p->calls] = spin_is_locked(&p->xa->xa_lock);
		p->gfp[p->calls] = gfp;
	}
	return p->calls++ == 0;
}

/*
 * __xas_nomem(): a node is first allocated under xa_lock without sleeping;
 * if that fails, xa_lock is dropped and the node is allocated with the
 * caller's GFP_KERNEL (which may sleep), then the lock is taken again.
 */
KTEST(xarray, nomem_retry_drops_the_lock)
{
	DEFINE_XARRAY(xa);
	struct nomem_probe p = { .xa = &xa };

	sim_fault_set_hook(NULL, nomem_probe_hook, &p);
	cr_assert_null(xa_store(&xa, 1000, xa_mk_value(1), GFP_KERNEL));
	sim_fault_reset(NULL);
	cr_assert_geq(p.calls, 2);
	cr_assert(p.locked[0], "the first attempt runs under xa_lock");
	cr_assert_not(gfpflags_allow_blocking(p.gfp[0]), "and may not sleep");
	cr_assert_not(p.locked[1], "the retry runs with xa_lock dropped");
	cr_assert(gfpflags_allow_blocking(p.gfp[1]), "with the caller's GFP_KERNEL");
	cr_assert_eq(xa_load(&xa, 1000), xa_mk_value(1));
	xa_destroy(&xa);
}

/* With only atomic allocations failing, a GFP_KERNEL store succeeds. */
KTEST(xarray, gfp_kernel_store_survives_atomic_faults)
{
	DEFINE_XARRAY(xa);

	sim_fault_atomic_only(NULL, true);
	sim_fault_fail_site(NULL, "radix_tree_node");
	cr_assert_null(xa_store(&xa, 1000, xa_mk_value(1), GFP_KERNEL));
	cr_assert_eq(xa_err(xa_store(&xa, 1UL << 30, xa_mk_value(2), GFP_ATOMIC)), -ENOMEM);
	sim_fault_reset(NULL);
	cr_assert_eq(xa_load(&xa, 1000), xa_mk_value(1));
	cr_assert_null(xa_load(&xa, 1UL << 30));
	xa_destroy(&xa);
}

/* xa_cmpxchg() of a reserved index with old = XA_ZERO_ENTRY: NULL, as Linux. */
KTEST(xarray, cmpxchg_reserved_returns_null)
{
	DEFINE_XARRAY(xa);

	cr_assert_eq(xa_reserve(&xa, 12345678, GFP_KERNEL), 0);
	cr_assert_null(xa_cmpxchg(&xa, 12345678, XA_ZERO_ENTRY, xa_mk_value(5), GFP_KERNEL));
	cr_assert_eq(xa_load(&xa, 12345678), xa_mk_value(5));
	xa_destroy(&xa);
}

/* A failed xa_alloc() (-ENOMEM) has already written the ID it tried. */
KTEST(xarray, nomem_alloc_writes_id)
{
	DEFINE_XARRAY_ALLOC(xa);
	u32 id = 0xdeadbeef;

	sim_fault_fail_site(NULL, "radix_tree_node");
	cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(0), XA_LIMIT(5, 9), GFP_KERNEL), -ENOMEM);
	sim_fault_reset(NULL);
	cr_assert_eq(id, 5);
	cr_assert(xa_empty(&xa));
}

/* ---- checks and warnings ---------------------------------------------------------- */

KTEST(xarray, alloc_on_plain_array_warns)
{
	DEFINE_XARRAY(xa);
	u32 id = 7;

	ktest_expect(SIM_FINDING_WARN, 1);
	cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(1), xa_limit_32b, GFP_KERNEL), -EINVAL);
	cr_assert_eq(id, 7);
	cr_assert(xa_empty(&xa));
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 1);
}

KTEST(xarray, internal_entries_rejected)
{
	DEFINE_XARRAY(xa);

	ktest_expect(SIM_FINDING_WARN, 1);
	cr_assert_eq(xa_err(xa_store(&xa, 1, xa_mk_internal(5), GFP_KERNEL)), -EINVAL);
	cr_assert(xa_empty(&xa));
	/* XA_ZERO_ENTRY is the one internal entry a caller may store */
	cr_assert_eq(xa_reserve(&xa, 4, GFP_KERNEL), 0);
	cr_assert_null(xa_load(&xa, 4));
	cr_assert_eq(xa_insert(&xa, 4, xa_mk_value(4), GFP_KERNEL), -EBUSY);
	xa_release(&xa, 4);
	cr_assert(xa_empty(&xa));
}

static int entry_encoding_dummy;

KTEST(xarray, entry_encoding)
{
	cr_assert(xa_is_value(xa_mk_value(0)));
	cr_assert_eq(xa_to_value(xa_mk_value(LONG_MAX)), LONG_MAX);
	cr_assert_not(xa_is_value(&entry_encoding_dummy));
	cr_assert(xa_is_err(xa_mk_internal(-ENOMEM)));
	cr_assert_eq(xa_err(xa_mk_internal(-EBUSY)), -EBUSY);
	cr_assert_eq(xa_err(xa_mk_value(3)), 0);
	cr_assert_not(xa_is_err(XA_ZERO_ENTRY));
	cr_assert_eq(xa_err(NULL), 0);
}

/*
 * Callers holding xa_lock use the __ forms; others get a suspicious RCU usage
 * finding, as with CONFIG_PROVE_RCU: Linux's XArray checks the lock in its
 * rcu_dereference_check(..., lockdep_is_held(&xa->xa_lock)), not with
 * lockdep_assert_held().
 */
KTEST(xarray, locked_forms)
{
	DEFINE_XARRAY_ALLOC(xa);
	u32 id;

	xa_lock(&xa);
	cr_assert_eq(__xa_alloc(&xa, &id, xa_mk_value(0), xa_limit_32b, GFP_ATOMIC), 0);
	cr_assert_eq(__xa_insert(&xa, 9, xa_mk_value(9), GFP_ATOMIC), 0);
	cr_assert_null(__xa_store(&xa, 3, xa_mk_value(3), GFP_ATOMIC));
	cr_assert_eq(__xa_erase(&xa, 3), xa_mk_value(3));
	cr_assert_eq(__xa_erase(&xa, 9), xa_mk_value(9));
	xa_unlock(&xa);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);

	ktest_expect(SIM_FINDING_RCU, 1);
	cr_assert_eq(__xa_erase(&xa, 0), xa_mk_value(0));
	cr_assert(xa_empty(&xa));
}

static void count_xa_lock(const struct sim_lockstat *st, void *arg)
{
	unsigned long long *acq = arg;

	if (!strcmp(st->name, "&xa->xa_lock"))
		acq[0] += st->acquisitions, acq[1]++;
	else if (!strcmp(st->name, "static_xa.xa_lock"))
		acq[2] += st->acquisitions, acq[3]++;
}

static DEFINE_XARRAY_ALLOC1(static_xa);

/*
 * Linux's xa_lock classes: a static array's lock is its own class, named
 * after the array; arrays set up by xa_init_flags() in one compilation unit
 * share the class "&xa->xa_lock".
 */
KTEST(xarray, lock_classes)
{
	unsigned long long seen[4] = { 0, 0, 0, 0 };
	struct xarray dyn, dyn2;
	u32 id;

	xa_init_flags(&dyn, XA_FLAGS_ALLOC);
	xa_init_flags(&dyn2, XA_FLAGS_ALLOC);
	sim_lockstat_reset(NULL);
	cr_assert_eq(xa_alloc(&static_xa, &id, xa_mk_value(1), xa_limit_32b, GFP_KERNEL), 0);
	cr_assert_eq(id, 1);
	cr_assert_eq(xa_alloc(&dyn, &id, xa_mk_value(0), xa_limit_32b, GFP_KERNEL), 0);
	cr_assert_eq(id, 0);
	cr_assert_eq(xa_alloc(&dyn2, &id, xa_mk_value(0), xa_limit_32b, GFP_KERNEL), 0);
	xa_erase(&static_xa, 1);
	xa_erase(&dyn, 0);
	xa_erase(&dyn2, 0);
	sim_lockstat_foreach(NULL, count_xa_lock, seen);
	cr_assert_eq(seen[1], 1, "%llu classes named &xa->xa_lock", seen[1]);
	cr_assert_eq(seen[0], 4, "%llu acquisitions of &xa->xa_lock", seen[0]);
	cr_assert_eq(seen[3], 1, "%llu classes named static_xa.xa_lock", seen[3]);
	cr_assert_eq(seen[2], 2, "%llu acquisitions of static_xa.xa_lock", seen[2]);
}

/*
 * GFP_KERNEL in process context is fine even though nodes are allocated
 * under xa_lock; with another spinlock held it is reported, once.
 */
KTEST(xarray, sleeping_check)
{
	DEFINE_SPINLOCK(outer);
	DEFINE_XARRAY_ALLOC(xa);
	u32 id;

	cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(0), XA_LIMIT(1000, 2000), GFP_KERNEL), 0);
	cr_assert_null(xa_store(&xa, 1UL << 30, xa_mk_value(1), GFP_KERNEL));
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 0);

	spin_lock(&outer);
	cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(2), XA_LIMIT(1UL << 20, UINT_MAX),
			      GFP_ATOMIC), 0);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 0);
	ktest_expect(SIM_FINDING_ATOMIC_SLEEP, 1);
	cr_assert_eq(xa_alloc(&xa, &id, xa_mk_value(3), XA_LIMIT(1UL << 24, UINT_MAX),
			      GFP_KERNEL), 0);
	spin_unlock(&outer);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 1);
	xa_destroy(&xa);
}

/* ---- differential test against a plain model ---------------------------------------- */

#define DENSE	300	/* indices [0, DENSE) */
static const unsigned long far_idx[] = {
	4095, 4096, 262143, 262144, 1UL << 20, (1UL << 31) - 1, 1UL << 31,
	UINT_MAX - 1, UINT_MAX,
};
#define NFAR	ARRAY_SIZE(far_idx)

#define NEXTRA	4096	/* indices outside the above that xa_alloc() handed out */

struct model {
	long dense[DENSE];	/* 0 empty, -1 reserved, else the tag */
	long far[NFAR];
	unsigned long extra_idx[NEXTRA];
	long extra[NEXTRA];
	size_t nextra;
	size_t used;
};

static long *model_slot(struct model *m, unsigned long index, bool create)
{
	size_t i;

	if (index < DENSE)
		return &m->dense[index];
	for (i = 0; i < NFAR; i++)
		if (far_idx[i] == index)
			return &m->far[i];
	for (i = 0; i < m->nextra; i++)
		if (m->extra_idx[i] == index)
			return &m->extra[i];
	if (!create)
		return NULL;
	cr_assert_lt(m->nextra, NEXTRA, "model: too many extra indices");
	m->extra_idx[m->nextra] = index;
	m->extra[m->nextra] = 0;
	return &m->extra[m->nextra++];
}

/* The model's value at @index (0 outside it). */
static long model_get(struct model *m, unsigned long index)
{
	long *slot = model_slot(m, index, false);

	return slot ? *slot : 0;
}

/* Lowest free index in [min, max] (every index outside the model is free). */
static bool model_free(struct model *m, u64 min, u64 max, u64 *out)
{
	u64 i;

	for (i = min; i <= max; i++) {
		if (!model_get(m, i)) {
			*out = i;
			return true;
		}
	}
	return false;
}

static void model_set(struct model *m, unsigned long index, long v)
{
	long *slot = model_slot(m, index, true);

	m->used += !*slot && v;
	m->used -= *slot && !v;
	*slot = v;
}

static void *model_entry(long v)
{
	return v > 0 ? xa_mk_value(v) : NULL;
}

static u64 rnd_state;
/*
 * The fault armed for this operation: every XArray node allocation fails
 * (the operation fails with -ENOMEM if it needs a node), or only the first
 * allocation attempt fails (fail_all false), which the XArray retries
 * (__xas_nomem()), so the operation must succeed.
 */
static bool fail_all;

static u64 rnd(void)
{
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545F4914F6CDD1DULL;
}

static struct model model;

static unsigned long rnd_index(void)
{
	unsigned int r = rnd() % 16;

	if (r < 2)
		return far_idx[rnd() % NFAR];
	if (r == 2 && model.nextra)
		return model.extra_idx[rnd() % model.nextra];
	return rnd() % DENSE;
}

struct diff_case {
	char name[32];
	gfp_t flags;
	u64 seed;
	unsigned int ops;
	unsigned int fault_per_256;	/* chance to inject a node allocation failure */
};

static struct diff_case diff_cases[] = {
	{ "alloc", XA_FLAGS_ALLOC, 1, 20000, 0 },
	{ "alloc1", XA_FLAGS_ALLOC1, 2, 20000, 0 },
	{ "plain", 0, 3, 20000, 0 },
	{ "alloc, faults", XA_FLAGS_ALLOC, 4, 20000, 32 },
	{ "alloc1, faults", XA_FLAGS_ALLOC1, 5, 20000, 32 },
	{ "plain, faults", 0, 6, 20000, 32 },
};

static void diff_compare_all(struct xarray *xa, struct model *m, const struct diff_case *c,
			     unsigned int op)
{
	unsigned long index, prev = 0;
	size_t n = 0, present = 0, i;
	void *entry;

	for (i = 0; i < DENSE; i++)
		present += m->dense[i] > 0;
	for (i = 0; i < NFAR; i++)
		present += m->far[i] > 0;
	for (i = 0; i < m->nextra; i++)
		present += m->extra[i] > 0;
	xa_for_each(xa, index, entry) {
		long v = model_get(m, index);

		cr_assert(v > 0, "%s seed %llu op %u: stray entry at %lu", c->name,
			  (unsigned long long)c->seed, op, index);
		cr_assert_eq(entry, xa_mk_value(v), "%s seed %llu op %u: entry at %lu",
			     c->name, (unsigned long long)c->seed, op, index);
		cr_assert(!n || index > prev, "%s seed %llu op %u: %lu after %lu", c->name,
			  (unsigned long long)c->seed, op, index, prev);
		prev = index;
		n++;
	}
	cr_assert_eq(n, present, "%s seed %llu op %u: %zu entries, model has %zu", c->name,
		     (unsigned long long)c->seed, op, n, present);
	cr_assert_eq(xa_empty(xa), m->used == 0, "%s seed %llu op %u: xa_empty() is %d",
		     c->name, (unsigned long long)c->seed, op, xa_empty(xa));
}

#define DIFF_FMT	"%s seed %llu op %u: "
#define DIFF_ARGS	c->name, (unsigned long long)c->seed, op

/* xa_alloc() with a random limit, a value or NULL; checked against the model. */
static void diff_alloc(struct xarray *xa, struct model *m, const struct diff_case *c,
		       unsigned int op, long tag)
{
	u64 min = rnd() % 4 ? rnd_index() : 0, max, want = 0;
	bool null = rnd() % 4 == 0;
	u64 before = injected();
	u32 id = 0xdeadbeef;
	int ret;

	switch (rnd() % 4) {
	case 0:
		max = UINT_MAX;
		break;
	case 1:
		max = min + rnd() % 70;
		break;
	case 2:
		max = rnd_index();
		break;
	default:
		max = min ? min - 1 : 0;	/* min > max, or [0,0] */
		break;
	}
	if (max > UINT_MAX)
		max = UINT_MAX;
	ret = xa_alloc(xa, &id, null ? NULL : xa_mk_value(tag), XA_LIMIT(min, max),
		       GFP_KERNEL);
	if ((c->flags & XA_FLAGS_ZERO_BUSY) && !min)
		min = 1;
	if (!model_free(m, min, max, &want)) {
		cr_assert_eq(ret, -EBUSY, DIFF_FMT "alloc [%llu, %llu] = %d, want -EBUSY",
			     DIFF_ARGS, (unsigned long long)min, (unsigned long long)max, ret);
	} else if (injected() != before && fail_all) {
		cr_assert_eq(ret, -ENOMEM, DIFF_FMT "alloc = %d with a failure injected",
			     DIFF_ARGS, ret);
	} else {
		cr_assert_eq(ret, 0, DIFF_FMT "alloc [%llu, %llu] = %d, want id %llu",
			     DIFF_ARGS, (unsigned long long)min, (unsigned long long)max, ret,
			     (unsigned long long)want);
		cr_assert_eq(id, want, DIFF_FMT "alloc [%llu, %llu] gave %u, want %llu",
			     DIFF_ARGS, (unsigned long long)min, (unsigned long long)max, id,
			     (unsigned long long)want);
		model_set(m, id, null ? -1 : tag);
	}
	/* Linux sets *id before it allocates nodes: only -EBUSY leaves it alone. */
	if (ret == -EBUSY)
		cr_assert_eq(id, 0xdeadbeef, DIFF_FMT "failed alloc changed *id", DIFF_ARGS);
}

static void diff_store(struct xarray *xa, struct model *m, const struct diff_case *c,
		       unsigned int op, long tag, unsigned long i)
{
	bool null = rnd() % 3 == 0;
	u64 before = injected();
	long old = model_get(m, i);
	void *got;

	got = xa_store(xa, i, null ? NULL : xa_mk_value(tag), GFP_KERNEL);
	if (injected() != before && fail_all && xa_is_err(got)) {
		cr_assert_eq(xa_err(got), -ENOMEM,
			     DIFF_FMT "store(%lu) = %p with a failure injected", DIFF_ARGS, i, got);
		return;
	}
	cr_assert_eq(got, model_entry(old), DIFF_FMT "store(%lu) returned %p, want %p",
		     DIFF_ARGS, i, got, model_entry(old));
	model_set(m, i, null ? ((c->flags & XA_FLAGS_TRACK_FREE) ? -1 : 0) : tag);
}

static void diff_insert(struct xarray *xa, struct model *m, const struct diff_case *c,
			unsigned int op, long tag, unsigned long i)
{
	bool null = rnd() % 3 == 0;
	u64 before = injected();
	int ret;

	ret = xa_insert(xa, i, null ? NULL : xa_mk_value(tag), GFP_KERNEL);
	if (model_get(m, i)) {
		cr_assert_eq(ret, -EBUSY, DIFF_FMT "insert(%lu) = %d, want -EBUSY",
			     DIFF_ARGS, i, ret);
	} else if (injected() != before && fail_all) {
		cr_assert_eq(ret, -ENOMEM, DIFF_FMT "insert(%lu) = %d with a failure injected",
			     DIFF_ARGS, i, ret);
	} else {
		cr_assert_eq(ret, 0, DIFF_FMT "insert(%lu) = %d", DIFF_ARGS, i, ret);
		model_set(m, i, null ? -1 : tag);
	}
}

ParameterizedTestParameters(xarray, differential)
{
	return cr_make_param_array(struct diff_case, diff_cases, ARRAY_SIZE(diff_cases));
}

ParameterizedTest(struct diff_case *c, xarray, differential)
{
	bool alloc = c->flags & XA_FLAGS_TRACK_FREE;
	struct model *m = &model;
	struct xarray xa;
	unsigned long index;
	unsigned int op;
	long tag = 0;
	void *entry;
	size_t k;

	ktest_begin();
	memset(m, 0, sizeof(*m));
	rnd_state = c->seed * 0x9E3779B97F4A7C15ULL + 1;
	xa_init_flags(&xa, c->flags);

	for (op = 0; op < c->ops; op++) {
		unsigned int kind = rnd() % 10;
		unsigned long i = rnd_index();

		/*
		 * Index 0 of an ALLOC1 array holds Linux's hidden reservation
		 * (XA_ZERO_ENTRY, once the array has a node) until it is erased:
		 * the script "ALLOC1 hands out 0 only after an erase of 0" covers
		 * it; the model leaves it alone.
		 */
		if (!i && (c->flags & XA_FLAGS_ZERO_BUSY))
			i = 1;
		bool armed = c->fault_per_256 && rnd() % 256 < c->fault_per_256;
		void *got;

		tag++;
		fail_all = armed && rnd() % 2;
		if (fail_all)
			sim_fault_fail_site(NULL, "radix_tree_node");
		else if (armed)
			sim_fault_fail_nth(NULL, 1);
		switch (kind) {
		case 0: case 1: case 2:
			if (alloc)	/* plain arrays: see alloc_on_plain_array_warns */
				diff_alloc(&xa, m, c, op, tag);
			break;
		case 3:
			diff_store(&xa, m, c, op, tag, i);
			break;
		case 4:
			diff_insert(&xa, m, c, op, tag, i);
			break;
		case 5: case 6: case 7:
			got = xa_erase(&xa, i);
			cr_assert_eq(got, model_entry(model_get(m, i)),
				     DIFF_FMT "erase(%lu) returned %p", DIFF_ARGS, i, got);
			model_set(m, i, 0);
			break;
		default:
			got = xa_load(&xa, i);
			cr_assert_eq(got, model_entry(model_get(m, i)),
				     DIFF_FMT "load(%lu) returned %p", DIFF_ARGS, i, got);
			break;
		}
		/* a failed operation changed nothing: the next comparison sees it */
		if (armed)
			sim_fault_reset(NULL);
		if (op % 128 == 0 || op + 1 == c->ops)
			diff_compare_all(&xa, m, c, op);
	}

	/* empty it entry by entry (reserved ones too): no memory may remain */
	xa_for_each(&xa, index, entry)
		xa_erase(&xa, index);
	for (k = 0; k < DENSE; k++)
		xa_erase(&xa, k);
	for (k = 0; k < NFAR; k++)
		xa_erase(&xa, far_idx[k]);
	for (k = 0; k < m->nextra; k++)
		xa_erase(&xa, m->extra_idx[k]);
	cr_assert(xa_empty(&xa), "%s: not empty after erasing everything", c->name);
	settle();
	cr_assert_eq(live_objects(), 0, "%s: %llu objects left in an empty array", c->name,
		     (unsigned long long)live_objects());
	ktest_end();
}

/* ---- readers racing a writer ------------------------------------------------------ */

#define RACE_RANGE	4096
#define RACE_FAR	((unsigned long)UINT_MAX - 7)

struct race {
	struct xarray xa;
	struct sim_kernel *k;
	int stop;
	unsigned long bad;
};

static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct sim_kernel *prev = sim_kernel_enter(r->k);
	unsigned long i = 0, bad = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		unsigned long index = (i * 2654435761UL) % RACE_RANGE;
		void *entry = xa_load(&r->xa, index);

		if (entry && entry != xa_mk_value(index))
			bad++;
		if (i % 64 == 0) {
			unsigned long n = 0;

			xa_for_each(&r->xa, index, entry) {
				if (entry != xa_mk_value(index))
					bad++;
				if (++n > 64)
					break;
			}
			entry = xa_load(&r->xa, RACE_FAR);
			if (entry && entry != xa_mk_value(RACE_FAR))
				bad++;
		}
		i++;
	}
	__atomic_fetch_add(&r->bad, bad, __ATOMIC_RELAXED);
	sim_kernel_leave(prev);
	return NULL;
}

/*
 * Lock-free readers against a writer that grows, shrinks and frees nodes
 * (and lets RCU callbacks run): every entry read must be the one stored at
 * that index. Under TSan this also checks the publication protocol.
 */
KTEST(xarray, concurrent_readers)
{
	static struct race r;
	pthread_t readers[2];
	unsigned int n;
	u64 seed = 99;

	memset(&r, 0, sizeof(r));
	xa_init_flags(&r.xa, XA_FLAGS_ALLOC);
	r.k = ktest_kernel();
	for (n = 0; n < ARRAY_SIZE(readers); n++)
		cr_assert_eq(pthread_create(&readers[n], NULL, race_reader, &r), 0);

	for (n = 0; n < 30000; n++) {
		unsigned long index;
		u32 id;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		index = (seed >> 33) % RACE_RANGE;
		switch ((seed >> 20) % 4) {
		case 0:
			if (!xa_alloc(&r.xa, &id, NULL, XA_LIMIT(index, RACE_RANGE - 1),
				      GFP_KERNEL))
				xa_store(&r.xa, id, xa_mk_value(id), GFP_KERNEL);
			break;
		case 1:
			xa_store(&r.xa, index, xa_mk_value(index), GFP_KERNEL);
			break;
		case 2:
			xa_erase(&r.xa, index);
			break;
		default:
			if (n % 2)
				xa_store(&r.xa, RACE_FAR, xa_mk_value(RACE_FAR), GFP_KERNEL);
			else
				xa_erase(&r.xa, RACE_FAR);
			break;
		}
		if (n % 512 == 0) {
			/* empty it now and then so the tree shrinks to nothing */
			unsigned long i;
			void *entry;

			xa_for_each(&r.xa, i, entry)
				xa_erase(&r.xa, i);
			for (i = 0; i < RACE_RANGE; i++)
				xa_erase(&r.xa, i);
			xa_erase(&r.xa, RACE_FAR);
			sim_rcu_quiescent();
		}
	}
	__atomic_store_n(&r.stop, 1, __ATOMIC_RELEASE);
	for (n = 0; n < ARRAY_SIZE(readers); n++)
		pthread_join(readers[n], NULL);
	cr_assert_eq(r.bad, 0, "%lu wrong entries read", r.bad);
	xa_destroy(&r.xa);
}
