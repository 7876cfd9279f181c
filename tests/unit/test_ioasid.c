// SPDX-License-Identifier: GPL-2.0
/*
 * API tests of the I/O ASID allocator (<linux/ioasid.h>), run unchanged on
 * both allocator flavours: pasidsim (core/ioasid.c) and linux-6.1 (Linux's
 * own drivers/iommu/ioasid.c). Where the flavours differ on purpose, a test
 * checks each flavour's own behaviour; docs/flavours.md lists those tests.
 *
 * Each Criterion test runs in its own process, so the allocator's global
 * state starts from boot in every test.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/err.h>
#include <linux/printk.h>
#include <linux/ioasid.h>
#include <linux/rcupdate.h>
#include <ktest.h>

static bool linux61(void)
{
	return strcmp(PASIDSIM_FLAVOUR, "linux-6.1") == 0;
}

/* ---- log helpers ------------------------------------------------------------ */

/* True if a printk record at @level contains the formatted text. */
static bool logged(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool logged(int level, const char *fmt, ...)
{
	char needle[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(needle, sizeof(needle), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < sim_log_count(NULL); i++) {
		int lvl;
		const char *text = sim_log_text(NULL, i, &lvl);

		if (lvl == level && strstr(text, needle))
			return true;
	}
	return false;
}

static u64 live_objects(void)
{
	struct sim_slab_stats st;

	rcu_barrier();
	sim_slab_stats(NULL, &st);
	return st.live_objects;
}

static u64 injected(void)
{
	struct sim_slab_stats st;

	sim_slab_stats(NULL, &st);
	return st.injected;
}

/* ---- a custom allocator: a small host-side ID space ------------------------- */

#define HOST_IDS 64

struct host {
	const char *name;
	bool used[HOST_IDS];
	bool forcing;		/* alloc() returns @force instead of a free ID */
	ioasid_t force;
	unsigned int allocs, frees;
	ioasid_t last_freed;
	void *seen_in_free;	/* ioasid_find(NULL, id, NULL) from inside free() */
};

static struct host *last_alloc_host;
static struct host *last_free_host;

static ioasid_t host_alloc(ioasid_t min, ioasid_t max, void *pdata)
{
	struct host *h = pdata;

	h->allocs++;
	last_alloc_host = h;
	if (h->forcing)
		return h->force;
	for (ioasid_t id = min; id <= max && id < HOST_IDS; id++) {
		if (!h->used[id]) {
			h->used[id] = true;
			return id;
		}
	}
	return INVALID_IOASID;
}

static void host_free(ioasid_t id, void *pdata)
{
	struct host *h = pdata;

	h->frees++;
	h->last_freed = id;
	last_free_host = h;
	h->seen_in_free = ioasid_find(NULL, id, NULL);
	if (id < HOST_IDS)
		h->used[id] = false;
}

/* Two more pairs of functions: ops using them get spaces of their own. */
static ioasid_t other_alloc(ioasid_t min, ioasid_t max, void *pdata)
{
	return host_alloc(min, max, pdata);
}

static void other_free(ioasid_t id, void *pdata)
{
	host_free(id, pdata);
}

static ioasid_t third_alloc(ioasid_t min, ioasid_t max, void *pdata)
{
	return host_alloc(min, max, pdata);
}

static void third_free(ioasid_t id, void *pdata)
{
	host_free(id, pdata);
}

static struct host ha = { .name = "a" }, hb = { .name = "b" }, hc = { .name = "c" };
static struct host hd = { .name = "d" }, hx = { .name = "x" };

/* a, b and x share functions (one space); c and d have their own. x is never registered. */
static struct ioasid_allocator_ops ops_a = { .alloc = host_alloc, .free = host_free, .pdata = &ha };
static struct ioasid_allocator_ops ops_b = { .alloc = host_alloc, .free = host_free, .pdata = &hb };
static struct ioasid_allocator_ops ops_x = { .alloc = host_alloc, .free = host_free, .pdata = &hx };
static struct ioasid_allocator_ops ops_c = {
	.alloc = other_alloc, .free = other_free, .pdata = &hc
};
static struct ioasid_allocator_ops ops_d = {
	.alloc = third_alloc, .free = third_free, .pdata = &hd
};

/*
 * Which allocator serves allocations now: the host whose pdata alloc() got,
 * or NULL for the default allocator. Allocates one ID and frees it again.
 */
static struct host *serving(void)
{
	struct host *h;
	ioasid_t id;

	last_alloc_host = NULL;
	id = ioasid_alloc(NULL, 1, HOST_IDS - 1, NULL);
	cr_assert(pasid_valid(id), "probe allocation failed");
	h = last_alloc_host;
	ioasid_free(id);
	return h;
}

static const char *host_name(const struct host *h)
{
	return h ? h->name : "default";
}

#define assert_serving(h) \
	cr_assert_eq(serving(), (h), "served by %s, %s expected", host_name(serving()), \
		     host_name(h))

/* ---- default allocator: ranges and order ------------------------------------ */

static DECLARE_IOASID_SET(set_a);
static DECLARE_IOASID_SET(set_b);
static int priv1, priv2, priv3;

KTEST(ioasid, alloc_lowest_first)
{
	ioasid_t a = ioasid_alloc(&set_a, 1, 100, &priv1);
	ioasid_t b = ioasid_alloc(&set_a, 1, 100, &priv2);
	ioasid_t c = ioasid_alloc(&set_b, 1, 100, &priv3);

	cr_assert_eq(a, 1);
	cr_assert_eq(b, 2);
	cr_assert_eq(c, 3);
	cr_assert_eq(ioasid_find(&set_a, a, NULL), &priv1);
	cr_assert_eq(ioasid_find(&set_a, b, NULL), &priv2);
	cr_assert_eq(ioasid_find(&set_b, c, NULL), &priv3);
	ioasid_free(a);
	ioasid_free(b);
	ioasid_free(c);
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, b, NULL)), -ENOENT);
	cr_assert_eq(sim_log_count(NULL), 0, "nothing to log on success");
}

KTEST(ioasid, alloc_min_zero_hands_out_zero)
{
	ioasid_t id = ioasid_alloc(NULL, 0, 10, NULL);

	/* Nothing in the allocator reserves 0 (VT-d's RID2PASID): callers must. */
	cr_assert_eq(id, 0);
	cr_assert(pasid_valid(id));
	cr_assert_eq(ioasid_alloc(NULL, 0, 10, NULL), 1);
	ioasid_free(0);
	ioasid_free(1);
}

KTEST(ioasid, alloc_min_above_start)
{
	ioasid_t id = ioasid_alloc(NULL, 500, 600, NULL);

	cr_assert_eq(id, 500);
	/* A lower range is served independently: first fit from its own min. */
	cr_assert_eq(ioasid_alloc(NULL, 1, 600, NULL), 1);
	cr_assert_eq(ioasid_alloc(NULL, 499, 600, NULL), 499);
	cr_assert_eq(ioasid_alloc(NULL, 499, 600, NULL), 501);
	ioasid_free(1);
	ioasid_free(499);
	ioasid_free(500);
	ioasid_free(501);
}

KTEST(ioasid, alloc_single_id_range)
{
	cr_assert_eq(ioasid_alloc(NULL, 5, 5, NULL), 5);
	cr_assert_eq(sim_log_count(NULL), 0);
	cr_assert_eq(ioasid_alloc(NULL, 5, 5, NULL), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 5 to 5"));
	cr_assert(logged(LOGLEVEL_ERR, "Failed ASID allocation 0"));
	ioasid_free(5);
}

KTEST(ioasid, alloc_min_greater_than_max_fails)
{
	u64 live = live_objects();

	cr_assert_eq(ioasid_alloc(NULL, 10, 5, &priv1), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 10 to 5"));
	cr_assert(logged(LOGLEVEL_ERR, "Failed ASID allocation 0"));
	cr_assert_eq(live_objects(), live, "the record is freed on failure");
	/* Nothing was reserved: the space is still empty. */
	cr_assert_eq(ioasid_alloc(NULL, 0, 5, NULL), 0);
	ioasid_free(0);
}

KTEST(ioasid, alloc_top_of_20bit_space)
{
	cr_assert_eq(ioasid_alloc(NULL, 0xFFFFF, 0xFFFFF, NULL), 0xFFFFF);
	cr_assert_eq(ioasid_alloc(NULL, 0xFFFFF, 0xFFFFF, NULL), INVALID_IOASID);
	cr_assert_eq(ioasid_alloc(NULL, 0xFFFFE, 0xFFFFF, NULL), 0xFFFFE);
	cr_assert_eq(ioasid_alloc(NULL, 0xFFFFE, 0xFFFFF, NULL), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 1048574 to 1048575"));
	/* Nothing stops the default allocator above 20 bits. */
	cr_assert_eq(ioasid_alloc(NULL, 0xFFFFE, 0x100000, NULL), 0x100000);
	ioasid_free(0xFFFFE);
	ioasid_free(0xFFFFF);
	ioasid_free(0x100000);
}

KTEST(ioasid, alloc_max_uint)
{
	cr_assert_eq(ioasid_alloc(NULL, 0, UINT_MAX, NULL), 0);
	cr_assert_eq(ioasid_alloc(NULL, UINT_MAX - 1, UINT_MAX, &priv1), UINT_MAX - 1);
	cr_assert_eq(ioasid_find(NULL, UINT_MAX - 1, NULL), &priv1);
	cr_assert_eq(ioasid_alloc(NULL, UINT_MAX - 1, UINT_MAX - 1, NULL), INVALID_IOASID);
	/* The log text differs: 6.1 prints the bounds with %d. */
	if (linux61())
		cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from -2 to -2"));
	else
		cr_assert(logged(LOGLEVEL_ERR,
				 "Failed to alloc ioasid from 4294967294 to 4294967294"));
	ioasid_free(0);
	ioasid_free(UINT_MAX - 1);
}

/*
 * The only free ID left in [min, max] is INVALID_IOASID itself. 6.1 stores the
 * record at index 0xFFFFFFFF, sees INVALID, frees the record and leaves the
 * XArray pointing at freed memory (and its nodes allocated for good). This
 * test runs in an instance of its own, so that 6.1's leak can be counted
 * instead of failing the test; nothing here touches the freed record.
 */
Test(ioasid, alloc_never_hands_out_invalid)
{
	struct sim_kernel *k = sim_kernel_create("invalid-id");
	struct sim_kernel *prev = sim_kernel_enter(k);
	u64 leaked_live;

	cr_assert_eq(ioasid_alloc(NULL, UINT_MAX, UINT_MAX, &priv1), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed ASID allocation 0"));
	if (linux61()) {
		/* The default space now looks busy for good. */
		cr_assert_eq(ioasid_register_allocator(&ops_a), -EAGAIN);
	} else {
		cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 4294967295"));
		cr_assert_eq(PTR_ERR(ioasid_find(NULL, INVALID_IOASID, NULL)), -ENOENT);
		cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
		ioasid_unregister_allocator(&ops_a);
	}
	leaked_live = live_objects();
	cr_assert_eq(sim_findings_count(k, -1), 0);
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), leaked_live);
	if (linux61())
		cr_assert_gt(leaked_live, 0,
			     "6.1 keeps the XArray nodes of index 0xFFFFFFFF");
	else
		cr_assert_eq(leaked_live, 0);
}

KTEST(ioasid, exhaust_small_range_then_reuse_lowest)
{
	for (ioasid_t i = 1; i <= 4; i++)
		cr_assert_eq(ioasid_alloc(NULL, 1, 4, NULL), i);
	cr_assert_eq(ioasid_alloc(NULL, 1, 4, NULL), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 1 to 4"));
	ioasid_free(3);
	ioasid_free(2);
	/* First fit, not cyclic: 2 before 3, although 3 was freed first. */
	cr_assert_eq(ioasid_alloc(NULL, 1, 4, NULL), 2);
	cr_assert_eq(ioasid_alloc(NULL, 1, 4, NULL), 3);
	cr_assert_eq(ioasid_alloc(NULL, 1, 4, NULL), INVALID_IOASID);
	for (ioasid_t i = 1; i <= 4; i++)
		ioasid_free(i);
}

KTEST(ioasid, freed_id_is_reused_at_once)
{
	cr_assert_eq(ioasid_alloc(NULL, 1, 100, &priv1), 1);
	cr_assert_eq(ioasid_alloc(NULL, 1, 100, &priv2), 2);
	ioasid_free(1);
	cr_assert_eq(ioasid_alloc(NULL, 1, 100, &priv3), 1);
	cr_assert_eq(ioasid_find(NULL, 1, NULL), &priv3, "the new owner's data");
	ioasid_free(1);
	ioasid_free(2);
}

KTEST(ioasid, alloc_record_nomem)
{
	u64 live = live_objects();

	sim_fault_fail_nth(NULL, 1);
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, &priv1), INVALID_IOASID);
	sim_fault_fail_nth(NULL, 0);
	cr_assert_eq(injected(), 1);
	cr_assert_eq(live_objects(), live);
	cr_assert_eq(sim_log_count(NULL), 0, "a failed record allocation is silent");
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, &priv1), 1, "nothing was reserved");
	ioasid_free(1);
}

/*
 * Fail each allocation of ioasid_alloc() in turn. Only the record's failure
 * (the first) shows: Linux's XArray allocates a node again after a failure
 * (__xas_nomem(), dropping xa_lock for GFP_KERNEL), so a single failed node
 * costs nothing. With every node allocation failing, the call fails:
 * INVALID, logged, no leak, no trace.
 */
KTEST(ioasid, alloc_nomem_sweep)
{
	ioasid_t id = INVALID_IOASID;
	u64 n, live;

	/* IDs far apart, so the next allocation needs new XArray nodes. */
	cr_assert_eq(ioasid_alloc(NULL, 1, 1, NULL), 1);
	for (n = 1; n < 32; n++) {
		u64 before = injected();

		live = live_objects();
		sim_log_clear(NULL);
		sim_fault_fail_nth(NULL, n);
		id = ioasid_alloc(NULL, 0x54321, 0xFFFFF, &priv1);
		sim_fault_fail_nth(NULL, 0);
		if (injected() == before)
			break;
		if (n == 1) {
			cr_assert_eq(id, INVALID_IOASID);
			cr_assert_eq(live_objects(), live);
			cr_assert_eq(sim_log_count(NULL), 0, "a failed record is silent");
			continue;
		}
		cr_assert_eq(id, 0x54321, "failure %llu is retried", (unsigned long long)n);
		cr_assert_eq(ioasid_find(NULL, id, NULL), &priv1);
		ioasid_free(id);
		cr_assert_eq(live_objects(), live, "leak after failure %llu",
			     (unsigned long long)n);
	}
	cr_assert_gt(n, 2, "the record and at least one XArray node are allocated");
	cr_assert_eq(id, 0x54321);
	ioasid_free(id);

	live = live_objects();
	sim_log_clear(NULL);
	sim_fault_fail_site(NULL, "radix_tree_node");
	id = ioasid_alloc(NULL, 0x54321, 0xFFFFF, &priv1);
	sim_fault_reset(NULL);
	cr_assert_eq(id, INVALID_IOASID);
	cr_assert_eq(live_objects(), live);
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, 0x54321, NULL)), -ENOENT);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 344865 to 1048575"));
	ioasid_free(1);
}

/* ---- free ------------------------------------------------------------------- */

KTEST(ioasid, free_unknown_id_only_logs)
{
	ioasid_free(42);
	cr_assert(logged(LOGLEVEL_ERR, "Trying to free unknown IOASID 42"));
	ioasid_free(INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Trying to free unknown IOASID 4294967295"));
}

KTEST(ioasid, double_free_only_logs)
{
	ioasid_t id = ioasid_alloc(NULL, 1, 10, &priv1);

	ioasid_free(id);
	cr_assert_eq(sim_log_count(NULL), 0);
	ioasid_free(id);
	cr_assert(logged(LOGLEVEL_ERR, "Trying to free unknown IOASID 1"));
}

KTEST(ioasid, free_has_no_ownership_check)
{
	ioasid_t id = ioasid_alloc(&set_a, 1, 10, &priv1);

	/* Anyone may free it: only ioasid_find() looks at sets. */
	ioasid_free(id);
	cr_assert_eq(PTR_ERR(ioasid_find(&set_a, id, NULL)), -ENOENT);
	cr_assert_eq(sim_log_count(NULL), 0);
}

KTEST(ioasid, free_defers_record_to_grace_period)
{
	ioasid_t a = ioasid_alloc(NULL, 1, 10, &priv1);
	ioasid_t b = ioasid_alloc(NULL, 1, 10, &priv2);
	struct sim_slab_stats st;
	u64 live = live_objects();

	ioasid_free(b);
	sim_slab_stats(NULL, &st);
	cr_assert_eq(st.live_objects, live, "the record outlives ioasid_free()");
	cr_assert_geq(sim_rcu_pending(NULL), 1);
	cr_assert_eq(live_objects(), live - 1, "and goes after a grace period");
	ioasid_free(a);
}

/* ---- find ------------------------------------------------------------------- */

static unsigned int getter_calls;
static void *getter_arg;

static bool getter_yes(void *p)
{
	getter_calls++;
	getter_arg = p;
	return true;
}

static bool getter_no(void *p)
{
	getter_calls++;
	getter_arg = p;
	return false;
}

KTEST(ioasid, find_checks_set)
{
	ioasid_t id = ioasid_alloc(&set_a, 1, 10, &priv1);
	ioasid_t anon = ioasid_alloc(NULL, 1, 10, &priv2);

	cr_assert_eq(ioasid_find(&set_a, id, NULL), &priv1);
	cr_assert_eq(ioasid_find(NULL, id, NULL), &priv1, "NULL set matches any");
	cr_assert_eq(PTR_ERR(ioasid_find(&set_b, id, NULL)), -EACCES);
	cr_assert_eq(PTR_ERR(ioasid_find(&set_a, anon, NULL)), -EACCES,
		     "an ID allocated without a set belongs to no set");
	cr_assert_eq(ioasid_find(NULL, anon, NULL), &priv2);
	cr_assert_eq(PTR_ERR(ioasid_find(&set_a, 7, NULL)), -ENOENT);
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, 7, NULL)), -ENOENT);
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, INVALID_IOASID, NULL)), -ENOENT);
	ioasid_free(id);
	ioasid_free(anon);
}

KTEST(ioasid, find_getter)
{
	ioasid_t id = ioasid_alloc(&set_a, 1, 10, &priv1);

	cr_assert_eq(ioasid_find(&set_a, id, getter_yes), &priv1);
	cr_assert_eq(getter_calls, 1);
	cr_assert_eq(getter_arg, &priv1);
	cr_assert_null(ioasid_find(&set_a, id, getter_no));
	cr_assert_eq(getter_calls, 2);
	cr_assert_eq(getter_arg, &priv1);
	/* No getter call when the lookup fails. */
	cr_assert_eq(PTR_ERR(ioasid_find(&set_b, id, getter_yes)), -EACCES);
	cr_assert_eq(PTR_ERR(ioasid_find(&set_a, id + 1, getter_yes)), -ENOENT);
	cr_assert_eq(getter_calls, 2);
	ioasid_free(id);
}

KTEST(ioasid, find_null_private)
{
	ioasid_t id = ioasid_alloc(&set_a, 1, 10, NULL);

	cr_assert_null(ioasid_find(&set_a, id, NULL));
	getter_arg = &priv1;
	/* The getter sees NULL data too. */
	cr_assert_null(ioasid_find(&set_a, id, getter_yes));
	cr_assert_eq(getter_calls, 1);
	cr_assert_null(getter_arg);
	ioasid_free(id);
}

/* ---- set_data --------------------------------------------------------------- */

KTEST(ioasid, set_data_replaces_and_waits_for_readers)
{
	ioasid_t a = ioasid_alloc(&set_a, 1, 10, &priv1);
	ioasid_t b = ioasid_alloc(&set_a, 1, 10, &priv2);

	ioasid_free(b);
	cr_assert_geq(sim_rcu_pending(NULL), 1, "the freed record waits for a grace period");
	cr_assert_eq(ioasid_set_data(a, &priv3), 0);
	cr_assert_eq(sim_rcu_pending(NULL), 0, "set_data() waited for a grace period");
	cr_assert_eq(ioasid_find(&set_a, a, NULL), &priv3);
	cr_assert_eq(ioasid_set_data(a, NULL), 0);
	cr_assert_null(ioasid_find(&set_a, a, NULL));
	ioasid_free(a);
}

KTEST(ioasid, set_data_unknown_id)
{
	ioasid_t a = ioasid_alloc(NULL, 1, 10, &priv1);

	ioasid_free(a);
	cr_assert_eq(ioasid_set_data(a, &priv2), -ENOENT);
	cr_assert_geq(sim_rcu_pending(NULL), 1, "no grace period on failure");
	cr_assert_eq(ioasid_set_data(12345, &priv2), -ENOENT);
	cr_assert_eq(sim_log_count(NULL), 0, "set_data() logs nothing");
}

KTEST(ioasid, set_data_has_no_set_check)
{
	ioasid_t a = ioasid_alloc(&set_a, 1, 10, &priv1);

	cr_assert_eq(ioasid_set_data(a, &priv2), 0);
	cr_assert_eq(ioasid_find(&set_a, a, NULL), &priv2, "the set is unchanged");
	cr_assert_eq(PTR_ERR(ioasid_find(&set_b, a, NULL)), -EACCES);
	ioasid_free(a);
}

/* ---- custom allocators: registration ---------------------------------------- */

KTEST(ioasid, custom_allocator_takes_over)
{
	ioasid_t id;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(sim_log_count(NULL), 0);
	id = ioasid_alloc(&set_a, 3, 10, &priv1);
	cr_assert_eq(id, 3);
	cr_assert_eq(ha.allocs, 1);
	cr_assert_eq(last_alloc_host, &ha, "alloc() gets the ops' pdata");
	cr_assert_eq(ioasid_find(&set_a, id, NULL), &priv1);
	cr_assert_eq(PTR_ERR(ioasid_find(&set_b, id, NULL)), -EACCES);
	cr_assert_eq(ioasid_set_data(id, &priv2), 0);
	cr_assert_eq(ioasid_find(NULL, id, NULL), &priv2);
	ioasid_free(id);
	cr_assert_eq(ha.frees, 1);
	cr_assert_eq(ha.last_freed, id);
	cr_assert_eq(last_free_host, &ha);
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, id, NULL)), -ENOENT);

	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_INFO, "No custom IOASID allocators, switch to default."));
	assert_serving(NULL);
	cr_assert_eq(ha.allocs, 1, "the default allocator is back");
}

KTEST(ioasid, custom_alloc_range_passed_through)
{
	ioasid_t id;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	ha.forcing = true;
	ha.force = 1000;
	/* The core trusts the custom allocator: no check against [min, max]. */
	id = ioasid_alloc(NULL, 1, 10, &priv1);
	cr_assert_eq(id, 1000);
	cr_assert_eq(ioasid_find(NULL, 1000, NULL), &priv1);
	ioasid_free(id);
	ioasid_unregister_allocator(&ops_a);
}

KTEST(ioasid, register_with_default_ids_eagain)
{
	ioasid_t id = ioasid_alloc(NULL, 1, 10, &priv1);

	cr_assert_eq(ioasid_register_allocator(&ops_a), -EAGAIN);
	cr_assert(logged(LOGLEVEL_WARNING, "Default allocator active with outstanding IOASID"));
	assert_serving(NULL);
	cr_assert_eq(ioasid_find(NULL, id, NULL), &priv1);
	ioasid_free(id);
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0, "fine once the space is empty");
	assert_serving(&ha);
	ioasid_unregister_allocator(&ops_a);
}

KTEST(ioasid, register_twice_eexist)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_a), -EEXIST);
	cr_assert(logged(LOGLEVEL_ERR, "IOASID allocator already registered"));
	assert_serving(&ha);
	ioasid_unregister_allocator(&ops_a);
	assert_serving(NULL);
}

KTEST(ioasid, register_nomem)
{
	u64 live = live_objects();

	sim_fault_fail_nth(NULL, 1);
	cr_assert_eq(ioasid_register_allocator(&ops_a), -ENOMEM);
	sim_fault_fail_nth(NULL, 0);
	cr_assert_eq(live_objects(), live);
	assert_serving(NULL);
	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_WARNING, "No custom IOASID allocators active!"));
}

KTEST(ioasid, register_nomem_comes_first)
{
	ioasid_t id = ioasid_alloc(NULL, 1, 10, NULL);

	/* Memory is allocated before any check: -ENOMEM beats -EAGAIN and -EEXIST. */
	sim_fault_fail_nth(NULL, 1);
	cr_assert_eq(ioasid_register_allocator(&ops_a), -ENOMEM);
	ioasid_free(id);
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	sim_fault_fail_nth(NULL, 1);
	cr_assert_eq(ioasid_register_allocator(&ops_a), -ENOMEM);
	sim_fault_fail_nth(NULL, 1);
	cr_assert_eq(ioasid_register_allocator(&ops_b), -ENOMEM);
	sim_fault_fail_nth(NULL, 0);
	cr_assert(!logged(LOGLEVEL_ERR, "already registered"));
	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_INFO, "switch to default"), "ops_b never joined");
}

KTEST(ioasid, unregister_without_custom_allocator_warns)
{
	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_WARNING, "No custom IOASID allocators active!"));
	assert_serving(NULL);
}

/* ---- custom allocators: sharing ---------------------------------------------- */

KTEST(ioasid, shared_ops_share_one_space)
{
	ioasid_t a, b;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	a = ioasid_alloc(&set_a, 1, 10, &priv1);
	b = ioasid_alloc(&set_b, 1, 10, &priv2);
	cr_assert_eq(a, 1);
	cr_assert_eq(b, 2);
	/* The space is served with the first registered ops' pdata. */
	cr_assert_eq(ha.allocs, 2);
	cr_assert_eq(hb.allocs, 0);

	/* The later sharing ops go: the space and its IDs stay. */
	ioasid_unregister_allocator(&ops_b);
	cr_assert_eq(ioasid_find(&set_a, a, NULL), &priv1);
	cr_assert_eq(ioasid_find(&set_b, b, NULL), &priv2);
	ioasid_free(a);
	ioasid_free(b);
	cr_assert_eq(ha.frees, 2);
	cr_assert_eq(sim_log_count(NULL), 0);
	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
}

KTEST(ioasid, shared_ops_registered_twice)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	/* Not -EEXIST: 6.1 only compares with the ops that serve the space. */
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	cr_assert(!logged(LOGLEVEL_ERR, "already registered"));
	ioasid_unregister_allocator(&ops_a);
	assert_serving(linux61() ? &ha : &hb);
	ioasid_unregister_allocator(&ops_b);
	cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
	assert_serving(NULL);
}

/*
 * The same ops registered twice, then unregistered in the other order. 6.1
 * linked ops_b into the list twice (ops_b->list points to itself): after
 * unregistering ops_b then ops_a, its space looks as if ops_b still used it
 * and stays active until ops_b is unregistered once more. pasidsim keeps
 * ops_b once, so the space goes with ops_a.
 */
KTEST(ioasid, shared_ops_registered_twice_unregister_order)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	ioasid_unregister_allocator(&ops_b);
	ioasid_unregister_allocator(&ops_a);
	if (linux61()) {
		cr_assert(!logged(LOGLEVEL_INFO, "switch to default"));
		assert_serving(&ha);
		ioasid_unregister_allocator(&ops_b);
	}
	cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
	assert_serving(NULL);
}

/*
 * Unregistering the ops that serve a shared space while other ops remain.
 * 6.1 keeps calling alloc() and free() with the removed ops' pdata (the ops
 * pointer dangles; here the ops are static, so nothing is freed) and refuses
 * to register those ops again (-EEXIST). pasidsim hands the space to the
 * next sharing ops and takes the removed ones back as a sharer.
 */
KTEST(ioasid, unregister_lead_of_shared_space)
{
	ioasid_t id;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	id = ioasid_alloc(&set_a, 1, 10, &priv1);
	ioasid_unregister_allocator(&ops_a);
	cr_assert_eq(ioasid_find(&set_a, id, NULL), &priv1, "IDs are kept");

	ioasid_free(id);
	cr_assert_eq(last_free_host, linux61() ? &ha : &hb);
	assert_serving(linux61() ? &ha : &hb);

	if (linux61()) {
		cr_assert_eq(ioasid_register_allocator(&ops_a), -EEXIST);
		ioasid_unregister_allocator(&ops_b);
		cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
	} else {
		cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
		ioasid_unregister_allocator(&ops_b);
		assert_serving(&ha);
		ioasid_unregister_allocator(&ops_a);
		cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
	}
	assert_serving(NULL);
}

/*
 * Unregistering ops that were never registered but have the functions of a
 * registered space whose only user is someone else. 6.1 drops that space
 * (and its allocator); pasidsim ignores the call.
 */
KTEST(ioasid, unregister_unknown_sharing_ops)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	ioasid_unregister_allocator(&ops_x);
	if (linux61()) {
		cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
		assert_serving(NULL);
		ioasid_unregister_allocator(&ops_a);
		cr_assert(logged(LOGLEVEL_WARNING, "No custom IOASID allocators active!"));
	} else {
		cr_assert_eq(sim_log_count(NULL), 0);
		assert_serving(&ha);
		ioasid_unregister_allocator(&ops_a);
		cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
	}
	assert_serving(NULL);
	cr_assert_eq(hx.allocs + hx.frees, 0);
}

KTEST(ioasid, unregister_unknown_ops_with_sharers)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	/* Both flavours: the space has two users, neither is ops_x: no change. */
	ioasid_unregister_allocator(&ops_x);
	ioasid_unregister_allocator(&ops_c);
	cr_assert_eq(sim_log_count(NULL), 0);
	assert_serving(&ha);
	ioasid_unregister_allocator(&ops_b);
	ioasid_unregister_allocator(&ops_a);
	assert_serving(NULL);
}

/*
 * The ops that serve a space registered a second time (-EEXIST), then a
 * sharer joins and the first ops go. 6.1 had linked the ops' list node into
 * the temporary allocator it freed on -EEXIST, so this unregistration writes
 * into freed memory: the sequence runs on pasidsim only.
 */
KTEST(ioasid, reregister_lead_then_unregister_it)
{
	ioasid_t id;

	if (linux61())
		cr_skip_test("6.1 writes to freed memory in this sequence (docs/flavours.md)");
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_a), -EEXIST);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	ioasid_unregister_allocator(&ops_a);
	id = ioasid_alloc(NULL, 1, 10, &priv1);
	cr_assert_eq(last_alloc_host, &hb);
	ioasid_free(id);
	ioasid_unregister_allocator(&ops_b);
	assert_serving(NULL);
}

/* The same -EEXIST, with the unregistrations in the order 6.1 survives. */
KTEST(ioasid, reregister_lead_then_unregister_sharer)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_a), -EEXIST);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	ioasid_unregister_allocator(&ops_b);
	assert_serving(&ha);
	ioasid_unregister_allocator(&ops_a);
	assert_serving(NULL);
}

/* ---- custom allocators: several spaces ------------------------------------------ */

KTEST(ioasid, later_allocators_wait_in_order)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_c), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_d), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_c), -EEXIST);
	assert_serving(&ha);

	/* An inactive one goes: nothing changes. */
	ioasid_unregister_allocator(&ops_c);
	cr_assert(!logged(LOGLEVEL_INFO, "IOASID allocator changed"));
	assert_serving(&ha);
	cr_assert_eq(ioasid_register_allocator(&ops_c), 0, "back, behind ops_d");

	/* The active one goes: the earliest registered of the others takes over. */
	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_INFO, "IOASID allocator changed"));
	assert_serving(&hd);
	ioasid_unregister_allocator(&ops_d);
	assert_serving(&hc);
	cr_assert(!logged(LOGLEVEL_INFO, "switch to default"));
	ioasid_unregister_allocator(&ops_c);
	cr_assert(logged(LOGLEVEL_INFO, "No custom IOASID allocators, switch to default."));
	assert_serving(NULL);
}

KTEST(ioasid, later_allocator_registers_despite_ids)
{
	ioasid_t id;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	id = ioasid_alloc(NULL, 1, 10, &priv1);
	/* Only the first registration needs an empty space. */
	cr_assert_eq(ioasid_register_allocator(&ops_c), 0);
	cr_assert_eq(ioasid_find(NULL, id, NULL), &priv1);
	ioasid_free(id);
	ioasid_unregister_allocator(&ops_a);
	assert_serving(&hc);
	ioasid_unregister_allocator(&ops_c);
}

/*
 * The last ops of the active space go while it still holds IDs. Both
 * flavours WARN and orphan the IDs (the space that takes over does not know
 * them). 6.1 also leaks their records and XArray nodes; pasidsim frees them
 * after a grace period. Own instance, so that 6.1's leak is counted, not
 * fatal.
 */
Test(ioasid, unregister_with_outstanding_ids)
{
	struct sim_kernel *k = sim_kernel_create("orphans");
	struct sim_kernel *prev = sim_kernel_enter(k);
	u64 leaked_live;
	ioasid_t id1, id2;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_c), 0);
	id1 = ioasid_alloc(&set_a, 1, 10, &priv1);
	id2 = ioasid_alloc(&set_a, 1, 10, &priv2);
	cr_assert_eq(id1, 1);
	cr_assert_eq(id2, 2);
	ioasid_unregister_allocator(&ops_a);
	cr_assert_eq(sim_findings_count(k, SIM_FINDING_WARN), 1);
	cr_assert_eq(sim_findings_count(k, -1), 1);
	cr_assert(logged(LOGLEVEL_INFO, "IOASID allocator changed"));
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, id1, NULL)), -ENOENT, "orphaned");
	ioasid_free(id1);
	cr_assert(logged(LOGLEVEL_ERR, "Trying to free unknown IOASID 1"));
	cr_assert_eq(ha.frees, 0, "the removed allocator is not told");
	cr_assert_eq(hc.frees, 0);
	ioasid_unregister_allocator(&ops_c);

	leaked_live = live_objects();
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), leaked_live);
	if (linux61())
		cr_assert_geq(leaked_live, 3, "6.1 leaks 2 records and XArray memory");
	else
		cr_assert_eq(leaked_live, 0);
}

/*
 * ioasid_find() reads the active space under RCU and takes no lock, so a
 * reader may still be inside its read-side section, holding the space, when
 * the allocator serving it is unregistered: the space must outlive the
 * unregistration until a grace period (fuzz/bugbench/ioasid-unregister-frees-space.patch).
 */
KTEST(ioasid, unregister_defers_space_to_grace_period)
{
	struct sim_slab_stats st;
	u64 live;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	live = live_objects();
	rcu_read_lock();
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, 5, NULL)), -ENOENT);
	ioasid_unregister_allocator(&ops_a);
	sim_slab_stats(NULL, &st);
	cr_assert_eq(st.live_objects, live, "the space went while a reader may still hold it");
	cr_assert_geq(sim_rcu_pending(NULL), 1);
	rcu_read_unlock();
	cr_assert_eq(live_objects(), live - 1, "and goes after a grace period");
	assert_serving(NULL);
}

/* ---- custom allocators: alloc and free paths ---------------------------------- */

KTEST(ioasid, custom_free_runs_before_erase)
{
	ioasid_t id;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	id = ioasid_alloc(&set_a, 1, 10, &priv1);
	ioasid_free(id);
	/* VT-d's "Cannot free active IOASID" check depends on this. */
	cr_assert_eq(ha.seen_in_free, &priv1, "free() could still find the ID's data");

	id = ioasid_alloc(&set_a, 1, 10, NULL);
	ioasid_free(id);
	cr_assert_null(ha.seen_in_free);
	cr_assert_eq(ha.frees, 2);
	ioasid_unregister_allocator(&ops_a);
}

KTEST(ioasid, custom_alloc_failure)
{
	u64 live = live_objects();

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	ha.forcing = true;
	ha.force = INVALID_IOASID;
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, &priv1), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed ASID allocation 1"));
	cr_assert(!logged(LOGLEVEL_ERR, "Failed to alloc ioasid"));
	cr_assert_eq(ha.frees, 0);
	ioasid_unregister_allocator(&ops_a);
	cr_assert_eq(live_objects(), live);
}

KTEST(ioasid, custom_alloc_returns_tracked_id)
{
	ioasid_t id;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	id = ioasid_alloc(&set_a, 1, 10, &priv1);
	cr_assert_eq(id, 1);
	ha.forcing = true;
	ha.force = id;
	cr_assert_eq(ioasid_alloc(&set_b, 1, 10, &priv2), INVALID_IOASID);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 1"));
	cr_assert(!logged(LOGLEVEL_ERR, "Failed ASID allocation"));
	/* The ID goes back to the allocator, although its first owner keeps it. */
	cr_assert_eq(ha.frees, 1);
	cr_assert_eq(ha.last_freed, id);
	cr_assert_eq(ha.seen_in_free, &priv1);
	cr_assert_eq(ioasid_find(&set_a, id, NULL), &priv1);
	ha.forcing = false;
	ioasid_free(id);
	cr_assert_eq(ha.frees, 2);
	ioasid_unregister_allocator(&ops_a);
}

/*
 * Fail each allocation in turn with a custom allocator active: only the
 * record's failure shows (a failed XArray node is allocated again, see
 * alloc_nomem_sweep). With every node allocation failing, the custom
 * allocator's ID cannot be tracked and goes back to it.
 */
KTEST(ioasid, custom_alloc_nomem_sweep)
{
	ioasid_t id = INVALID_IOASID;
	unsigned int allocs, frees;
	u64 n, live;

	/* The XArray is empty: tracking ID 40 needs a node. */
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	for (n = 1; n < 32; n++) {
		u64 before = injected();

		allocs = ha.allocs;
		live = live_objects();
		sim_log_clear(NULL);
		sim_fault_fail_nth(NULL, n);
		id = ioasid_alloc(NULL, 40, 50, &priv1);
		sim_fault_fail_nth(NULL, 0);
		if (injected() == before)
			break;
		if (n == 1) {
			cr_assert_eq(id, INVALID_IOASID);
			cr_assert_eq(live_objects(), live);
			cr_assert_eq(ha.allocs, allocs, "no record, no call");
			cr_assert_eq(sim_log_count(NULL), 0);
			continue;
		}
		cr_assert_eq(id, 40, "failure %llu is retried", (unsigned long long)n);
		ioasid_free(id);
		cr_assert_eq(live_objects(), live);
	}
	cr_assert_gt(n, 2);
	cr_assert_eq(id, 40);
	cr_assert_eq(ioasid_find(NULL, id, NULL), &priv1);
	ioasid_free(id);

	allocs = ha.allocs;
	frees = ha.frees;
	live = live_objects();
	sim_log_clear(NULL);
	sim_fault_fail_site(NULL, "radix_tree_node");
	id = ioasid_alloc(NULL, 40, 50, &priv1);
	sim_fault_reset(NULL);
	cr_assert_eq(id, INVALID_IOASID);
	cr_assert_eq(live_objects(), live);
	cr_assert_eq(ha.allocs, allocs + 1);
	cr_assert_eq(ha.frees, frees + 1, "the untracked ID goes back");
	cr_assert_eq(ha.last_freed, 40);
	cr_assert(logged(LOGLEVEL_ERR, "Failed to alloc ioasid from 40"));
	ioasid_unregister_allocator(&ops_a);
}

/* ---- header ------------------------------------------------------------------- */

KTEST(ioasid, header_constants)
{
	DECLARE_IOASID_SET(local);

	cr_assert_eq(INVALID_IOASID, 0xFFFFFFFFu);
	cr_assert_eq(sizeof(ioasid_t), 4);
	cr_assert(!pasid_valid(INVALID_IOASID));
	cr_assert(pasid_valid(0));
	cr_assert(pasid_valid(0xFFFFF));
	cr_assert_eq(local.dummy, 0);
}

/*
 * ---- seeded bugs (fuzz/bugbench) ----------------------------------------------
 *
 * Built only into test_ioasid+<bug>, against core/ with
 * fuzz/bugbench/<bug>.patch applied (PASIDSIM_BUG_<bug>): each test asserts
 * the bug's effect (ctest bugbench/<bug>/detected), and the ioasid suite
 * above fails against the patched copy (bugbench/<bug>/killed).
 */

#ifdef PASIDSIM_BUG_ioasid_unregister_frees_space
KTEST(bugbench, ioasid_unregister_frees_space)
{
	struct sim_slab_stats st;
	u64 live;

	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	live = live_objects();
	rcu_read_lock();
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, 5, NULL)), -ENOENT);
	ioasid_unregister_allocator(&ops_a);
	sim_slab_stats(NULL, &st);
	cr_assert_eq(st.live_objects, live - 1, "the space is freed under a reader");
	rcu_read_unlock();
	assert_serving(NULL);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_set_data_no_grace
KTEST(bugbench, ioasid_set_data_no_grace)
{
	ioasid_t a = ioasid_alloc(&set_a, 1, 10, &priv1);
	ioasid_t b = ioasid_alloc(&set_a, 1, 10, &priv2);

	ioasid_free(b);
	cr_assert_eq(ioasid_set_data(a, &priv3), 0);
	cr_assert_geq(sim_rcu_pending(NULL), 1, "set_data() returned before a grace period");
	cr_assert_eq(ioasid_find(&set_a, a, NULL), &priv3);
	ioasid_free(a);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_track_fail_keeps_id
KTEST(bugbench, ioasid_track_fail_keeps_id)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	/* The space's XArray is empty: tracking the host's ID 40 needs a node. */
	sim_fault_fail_site(NULL, "radix_tree_node");
	cr_assert_eq(ioasid_alloc(NULL, 40, 50, &priv1), INVALID_IOASID);
	sim_fault_reset(NULL);
	cr_assert_eq(ha.allocs, 1);
	cr_assert_eq(ha.frees, 0, "the untracked ID never went back to its allocator");
	cr_assert(ha.used[40], "the host keeps an ID the guest does not know");
	ioasid_unregister_allocator(&ops_a);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_unregister_keeps_active
KTEST(bugbench, ioasid_unregister_keeps_active)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	ioasid_unregister_allocator(&ops_a);
	cr_assert(logged(LOGLEVEL_INFO, "switch to default"));
	/* Until the grace period frees the space, the departed allocator serves. */
	assert_serving(&ha);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_register_orphans_default
KTEST(bugbench, ioasid_register_orphans_default)
{
	ioasid_t id = ioasid_alloc(NULL, 1, 10, &priv1);
	ioasid_t again;

	cr_assert_eq(id, 1);
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0, "took over with a default ID out");
	cr_assert_eq(PTR_ERR(ioasid_find(NULL, id, NULL)), -ENOENT, "orphaned by the switch");
	again = ioasid_alloc(NULL, 1, 10, &priv2);
	cr_assert_eq(again, id, "the host hands the same number out again");
	ioasid_free(again);
	ioasid_unregister_allocator(&ops_a);
	cr_assert_eq(ioasid_find(NULL, id, NULL), &priv1, "back with the default space");
	ioasid_free(id);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_max_exclusive
KTEST(bugbench, ioasid_max_exclusive)
{
	cr_assert_eq(ioasid_alloc(NULL, 5, 5, NULL), INVALID_IOASID, "[5, 5] is always full");
	cr_assert_eq(ioasid_alloc(NULL, 5, 6, NULL), 5);
	cr_assert_eq(ioasid_alloc(NULL, 5, 6, NULL), INVALID_IOASID, "6 is free but never handed out");
	ioasid_free(5);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_free_keeps_record
/* Own instance: the XArray keeps the freed records, so its nodes leak. */
Test(bugbench, ioasid_free_keeps_record)
{
	struct sim_kernel *k = sim_kernel_create("double-free");
	struct sim_kernel *prev = sim_kernel_enter(k);
	ioasid_t id = ioasid_alloc(NULL, 1, 10, NULL);

	cr_assert_eq(id, 1);
	ioasid_free(id);
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, NULL), 2, "1 was freed but is not reused");
	ioasid_free(id);
	cr_assert_not(logged(LOGLEVEL_ERR, "unknown IOASID"), "the second free found the record");
	rcu_barrier();
	cr_assert_eq(sim_findings_count(k, SIM_FINDING_SLAB), 1, "the record is freed twice");
	sim_kernel_leave(prev);
	sim_kernel_destroy(k);
}
#endif

#ifdef PASIDSIM_BUG_ioasid_unregister_keeps_lead
KTEST(bugbench, ioasid_unregister_keeps_lead)
{
	cr_assert_eq(ioasid_register_allocator(&ops_a), 0);
	cr_assert_eq(ioasid_register_allocator(&ops_b), 0);
	ioasid_unregister_allocator(&ops_a);
	assert_serving(&ha);	/* the departed ops' pdata: a freed vIOMMU in a guest */
	cr_assert_eq(ioasid_register_allocator(&ops_a), -EEXIST);
	ioasid_unregister_allocator(&ops_b);
	assert_serving(NULL);
}
#endif
