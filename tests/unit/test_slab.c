// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the shim's slab allocator, fault injection, kernel instances,
 * findings (WARN/BUG/panic) and the printk log.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include <ktest.h>

static struct sim_slab_stats stats(struct sim_kernel *k)
{
	struct sim_slab_stats st;

	sim_slab_stats(k, &st);
	return st;
}

static bool all_bytes(const void *p, int c, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)c)
			return false;
	return true;
}

/* The last finding of the current instance. */
static const struct sim_finding *last_finding(void)
{
	size_t n = sim_findings_count(NULL, -1);

	cr_assert_gt(n, 0, "no finding recorded");
	return sim_finding_get(NULL, n - 1);
}

/* ---- accounting -------------------------------------------------------------------- */

KTEST(slab, accounting_exact)
{
	struct sim_slab_stats st;
	void *a, *b, *c, *d;

	a = kmalloc(10, GFP_KERNEL);
	b = kmalloc(100, GFP_KERNEL);
	c = kzalloc(7, GFP_ATOMIC);
	cr_assert(a && b && c);
	st = stats(NULL);
	cr_assert_eq(st.live_objects, 3);
	cr_assert_eq(st.live_bytes, 117);
	cr_assert_eq(st.peak_bytes, 117);

	kfree(b);
	d = kmalloc(50, GFP_KERNEL);
	st = stats(NULL);
	cr_assert_eq(st.live_objects, 3);
	cr_assert_eq(st.live_bytes, 67);
	cr_assert_eq(st.peak_bytes, 117);

	kfree(a);
	kfree(c);
	kfree(d);
	st = stats(NULL);
	cr_assert_eq(st.live_objects, 0);
	cr_assert_eq(st.live_bytes, 0);
	cr_assert_eq(st.peak_bytes, 117);
	cr_assert_eq(st.attempts, 4);
	cr_assert_eq(st.allocs, 4);
	cr_assert_eq(st.frees, 4);
	cr_assert_eq(st.injected, 0);
}

KTEST(slab, zero_size_and_null)
{
	void *p = kmalloc(0, GFP_KERNEL);
	struct sim_slab_stats st;

	cr_assert_eq(p, ZERO_SIZE_PTR);
	cr_assert(ZERO_OR_NULL_PTR(p));
	kfree(p);
	kfree(NULL);
	kfree_sensitive(NULL);
	cr_assert_eq(ksize(NULL), 0);
	cr_assert_eq(ksize(ZERO_SIZE_PTR), 0);
	st = stats(NULL);
	cr_assert_eq(st.attempts, 0, "kmalloc(0) is not an attempt");
	cr_assert_eq(st.allocs, 0);
	cr_assert_eq(st.frees, 0);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
}

KTEST(slab, kzalloc_zeroes_kmalloc_poisons)
{
	unsigned char *p = kmalloc(333, GFP_KERNEL);
	unsigned char *z = kzalloc(333, GFP_KERNEL);
	unsigned int *c = kcalloc(17, sizeof(*c), GFP_KERNEL);

	cr_assert(p && z && c);
	cr_assert(all_bytes(p, 0x5a, 333), "kmalloc memory is not POISON_INUSE");
	cr_assert(all_bytes(z, 0, 333), "kzalloc memory is not zero");
	cr_assert(all_bytes(c, 0, 17 * sizeof(*c)), "kcalloc memory is not zero");
	cr_assert_eq(ksize(p), 333);
	cr_assert_eq((unsigned long)p % ARCH_KMALLOC_MINALIGN, 0);
	kfree(p);
	kfree(z);
	kfree(c);
}

KTEST(slab, kmalloc_array_overflow_fails_without_attempt)
{
	void *p = kmalloc_array(SIZE_MAX / 2, 4, GFP_KERNEL);

	cr_assert_null(p);
	cr_assert_eq(stats(NULL).attempts, 0);
}

KTEST(slab, oversize_warns_unless_nowarn)
{
	ktest_expect(SIM_FINDING_WARN, 1);
	cr_assert_null(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL));
	cr_assert_eq(last_finding()->kind, SIM_FINDING_WARN);
	cr_assert_str_eq(last_finding()->file, __FILE__);
	cr_assert_null(kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL | __GFP_NOWARN));
	cr_assert_eq(stats(NULL).injected, 0);
}

KTEST(slab, kfree_through_function_pointer)
{
	void (*f)(const void *) = kfree;
	void *p = kmalloc(8, GFP_KERNEL);

	f(p);
	cr_assert_eq(stats(NULL).frees, 1);
}

/* ---- leaks and teardown ---------------------------------------------------------------- */

static void *leaky_function(size_t n)
{
	return kmalloc(n, GFP_KERNEL);
}

Test(slab, leak_report_and_destroy_count)
{
	struct sim_kernel *k = sim_kernel_create("leaky");
	struct sim_kernel *prev = sim_kernel_enter(k);
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	void *keep;

	leaky_function(24);
	leaky_function(48);
	keep = kmalloc(8, GFP_KERNEL);
	kfree(keep);

	out = open_memstream(&buf, &len);
	cr_assert_not_null(out);
	cr_assert_eq(sim_slab_report_leaks(k, out), 2);
	fclose(out);
	cr_assert_not_null(strstr(buf, "leaky_function"), "report: %s", buf);
	cr_assert_not_null(strstr(buf, "test_slab.c:"), "report: %s", buf);
	cr_assert_not_null(strstr(buf, "24 bytes"), "report: %s", buf);
	cr_assert_not_null(strstr(buf, "48 bytes"), "report: %s", buf);
	free(buf);

	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), 2);
}

Test(slab, destroy_clean_instance_returns_zero)
{
	struct sim_kernel *k = sim_kernel_create("clean");
	struct sim_kernel *prev = sim_kernel_enter(k);

	kfree(kmalloc(10, GFP_KERNEL));
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), 0);
}

struct rcu_obj {
	int payload;
	struct rcu_head rcu;
};

Test(slab, destroy_runs_pending_kfree_rcu)
{
	struct sim_kernel *k = sim_kernel_create("rcu");
	struct sim_kernel *prev = sim_kernel_enter(k);
	struct rcu_obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	cr_assert_not_null(o);
	kfree_rcu(o, rcu);
	cr_assert_eq(stats(k).live_objects, 1);
	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_destroy(k), 0, "the pending kfree_rcu ran before the leak check");
}

/* ---- misuse: double free, bad pointers, redzone, use after free --------------------------- */

KTEST(slab, double_free_is_a_finding)
{
	char *p = kmalloc(40, GFP_KERNEL);
	const struct sim_finding *f;
	int line;

	ktest_expect(SIM_FINDING_SLAB, 1);
	kfree(p);
	line = __LINE__ + 1;
	kfree(p);
	f = last_finding();
	cr_assert_eq(f->kind, SIM_FINDING_SLAB);
	cr_assert_not_null(strstr(f->msg, "double free"), "msg: %s", f->msg);
	cr_assert_not_null(strstr(f->msg, "40-byte"), "msg: %s", f->msg);
	cr_assert_str_eq(f->file, __FILE__);
	cr_assert_eq(f->line, line);
	cr_assert_eq(stats(NULL).frees, 1, "the second kfree() freed nothing");
	cr_assert_eq(ksize(p), 0);
	ktest_expect(SIM_FINDING_SLAB, 1);	/* ksize() of a freed object */
}

KTEST(slab, bad_pointers_are_findings)
{
	char *p = kmalloc(256, GFP_KERNEL);

	ktest_expect(SIM_FINDING_SLAB, 2);
	kfree(p + 128);		/* interior, aligned: header check fails */
	cr_assert_not_null(strstr(last_finding()->msg, "not a live slab object"));
	kfree(p + 1);		/* misaligned */
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_SLAB), 2);
	cr_assert_eq(stats(NULL).live_objects, 1, "nothing was freed");
	cr_assert(all_bytes(p, 0x5a, 256), "a bad kfree() must not touch memory");
	kfree(p);
}

KTEST(slab, redzone_overwrite_is_a_finding)
{
	char *p = kmalloc(13, GFP_KERNEL);

	ktest_expect(SIM_FINDING_SLAB, 1);
	p[13] = 'x';		/* one past the end: in the redzone */
	kfree(p);
	cr_assert_not_null(strstr(last_finding()->msg, "redzone"), "msg: %s", last_finding()->msg);
	cr_assert_eq(stats(NULL).live_objects, 0, "the object is freed anyway");
}

static void churn_quarantine(void)
{
	for (int i = 0; i < 4200; i++)
		kfree(kmalloc(8, GFP_KERNEL));
}

KTEST(slab, freed_object_is_poisoned_for_asan)
{
#ifdef TEST_ASAN
	char *p = kmalloc(64, GFP_KERNEL);

	cr_assert_eq(__asan_address_is_poisoned(p), 0);
	kfree(p);
	cr_assert_eq(__asan_address_is_poisoned(p), 1, "quarantined object must be poisoned");
	cr_assert_eq(__asan_address_is_poisoned(p + 63), 1);
#else
	cr_skip_test("needs ASan");
#endif
}

KTEST(slab, double_free_after_quarantine_eviction)
{
#ifdef TEST_ASAN
	char *p = kmalloc(40, GFP_KERNEL);

	kfree(p);
	churn_quarantine();
	ktest_expect(SIM_FINDING_SLAB, 1);
	kfree(p);	/* its memory went back to libc: found through ASan's shadow */
	cr_assert_not_null(strstr(last_finding()->msg, "not a live slab object"));
#else
	cr_skip_test("reading memory given back to libc is only safe under ASan");
#endif
}

KTEST(slab, write_after_free_found_at_eviction)
{
#ifdef TEST_ASAN
	cr_skip_test("ASan reports the write itself");
#else
	volatile char *p = kmalloc(32, GFP_KERNEL);

	kfree((void *)p);
	p[3] = 1;	/* deliberate: the object is still in the quarantine */
	ktest_expect(SIM_FINDING_SLAB, 1);
	churn_quarantine();
	cr_assert_not_null(strstr(last_finding()->msg, "use after free"));
#endif
}

/* The poison of a large object is checked to its end, past the first 256 bytes. */
KTEST(slab, write_after_free_in_a_large_object)
{
#ifdef TEST_ASAN
	cr_skip_test("ASan reports the write itself");
#else
	static const size_t at[] = { 300, 598 };	/* the last poison byte: 598 of 600 */

	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		volatile char *p = kmalloc(600, GFP_KERNEL);

		kfree((void *)p);
		p[at[i]] = 0;	/* deliberate: the object is still in the quarantine */
	}
	ktest_expect(SIM_FINDING_SLAB, 2);
	churn_quarantine();
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_SLAB), 2);
	cr_assert_not_null(strstr(last_finding()->msg, "use after free"));
#endif
}

KTEST(slab, kfree_sensitive_and_ksize)
{
	char *p = kmalloc(20, GFP_KERNEL);

	cr_assert_eq(ksize(p), 20);
	kfree_sensitive(p);
	cr_assert_eq(stats(NULL).live_objects, 0);
}

/* ---- per-instance accounting -------------------------------------------------------- */

KTEST(slab, objects_belong_to_the_allocating_instance)
{
	struct sim_kernel *other = sim_kernel_create("other");
	struct sim_kernel *prev = sim_kernel_enter(other);
	void *p = kmalloc(40, GFP_KERNEL);

	sim_kernel_leave(prev);
	cr_assert_eq(sim_kernel_current(), ktest_kernel());
	cr_assert_eq(stats(other).live_objects, 1);
	cr_assert_eq(stats(other).live_bytes, 40);
	cr_assert_eq(stats(NULL).live_objects, 0);

	kfree(p);	/* from the test instance: unaccounted from the owner */
	cr_assert_eq(stats(other).live_objects, 0);
	cr_assert_eq(stats(other).live_bytes, 0);
	cr_assert_eq(stats(other).frees, 1);
	cr_assert_eq(stats(NULL).frees, 0);
	cr_assert_eq(sim_kernel_destroy(other), 0);
}

/* ---- fault injection -------------------------------------------------------------------- */

KTEST(slab, fail_nth_exact_and_disarms)
{
	void *p[6];

	sim_fault_fail_nth(NULL, 3);
	for (int i = 0; i < 6; i++)
		p[i] = kmalloc(8, GFP_KERNEL);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(p[i] == NULL, i == 2, "attempt %d", i + 1);
	cr_assert_eq(stats(NULL).injected, 1);
	cr_assert_eq(stats(NULL).attempts, 6);
	for (int i = 0; i < 6; i++)
		kfree(p[i]);

	sim_fault_fail_nth(NULL, 1);
	cr_assert_null(kmalloc(8, GFP_KERNEL));

	sim_fault_fail_nth(NULL, 2);
	sim_fault_fail_nth(NULL, 0);
	for (int i = 0; i < 4; i++) {
		p[i] = kmalloc(8, GFP_KERNEL);
		cr_assert_not_null(p[i], "disarmed, attempt %d", i + 1);
		kfree(p[i]);
	}
}

static noinline void *alloc_site_a(void)
{
	return kmalloc(16, GFP_KERNEL);
}

static noinline void *alloc_site_b(void)
{
	return kzalloc(16, GFP_KERNEL);
}

KTEST(slab, fail_site)
{
	void *b;

	sim_fault_fail_site(NULL, "alloc_site_a");
	for (int i = 0; i < 3; i++)
		cr_assert_null(alloc_site_a());
	b = alloc_site_b();
	cr_assert_not_null(b);
	kfree(b);
	cr_assert_eq(stats(NULL).injected, 3);

	sim_fault_fail_site(NULL, NULL);
	b = alloc_site_a();
	cr_assert_not_null(b);
	kfree(b);
}

static void fail_pattern(u64 seed, u32 per_million, bool *out, int n)
{
	sim_fault_fail_probability(NULL, per_million, seed);
	for (int i = 0; i < n; i++) {
		void *p = kmalloc(8, GFP_KERNEL);

		out[i] = !p;
		kfree(p);
	}
	sim_fault_fail_probability(NULL, 0, 0);
}

KTEST(slab, probability_is_deterministic_per_seed)
{
	static bool a[1000], b[1000], c[1000];

	fail_pattern(42, 300000, a, 1000);
	fail_pattern(42, 300000, b, 1000);
	fail_pattern(43, 300000, c, 1000);
	cr_assert(memcmp(a, b, sizeof(a)) == 0, "same seed, different failures");
	cr_assert(memcmp(a, c, sizeof(a)) != 0, "different seeds, same failures");
}

KTEST(slab, probability_rate)
{
	const int tries = 100000;
	u64 failed = 0;

	sim_fault_fail_probability(NULL, 250000, 7);
	for (int i = 0; i < tries; i++) {
		void *p = kmalloc(8, GFP_ATOMIC);

		failed += !p;
		kfree(p);
	}
	/* expected 25000, sd ~137: a loose bound */
	cr_assert(failed > 23500 && failed < 26500, "%llu failures in %d tries at 25%%",
		  (unsigned long long)failed, tries);
	cr_assert_eq(stats(NULL).injected, failed);

	sim_fault_fail_probability(NULL, 1000000, 7);
	cr_assert_null(kmalloc(8, GFP_KERNEL));
	sim_fault_fail_probability(NULL, 0, 7);
	kfree(kmalloc(8, GFP_KERNEL));
}

KTEST(slab, atomic_only)
{
	void *p;

	sim_fault_atomic_only(NULL, true);
	sim_fault_fail_probability(NULL, 1000000, 1);
	p = kmalloc(8, GFP_KERNEL);
	cr_assert_not_null(p, "GFP_KERNEL failed with atomic-only on");
	kfree(p);
	cr_assert_null(kmalloc(8, GFP_ATOMIC));
	cr_assert_null(kmalloc(8, GFP_NOWAIT));
	sim_fault_fail_probability(NULL, 0, 0);

	/* fail-nth counts only eligible attempts */
	sim_fault_fail_nth(NULL, 2);
	p = kmalloc(8, GFP_KERNEL);
	kfree(p);
	p = kmalloc(8, GFP_ATOMIC);
	cr_assert_not_null(p);
	kfree(p);
	p = kmalloc(8, GFP_KERNEL);
	cr_assert_not_null(p);
	kfree(p);
	cr_assert_null(kmalloc(8, GFP_ATOMIC));

	sim_fault_atomic_only(NULL, false);
	sim_fault_fail_nth(NULL, 1);
	cr_assert_null(kmalloc(8, GFP_KERNEL), "atomic-only off: GFP_KERNEL fails again");
}

KTEST(slab, nofail_is_never_injected)
{
	void *p;

	sim_fault_fail_probability(NULL, 1000000, 3);
	sim_fault_fail_nth(NULL, 1);
	p = kmalloc(8, GFP_KERNEL | __GFP_NOFAIL);
	cr_assert_not_null(p);
	kfree(p);
	cr_assert_null(kmalloc(8, GFP_KERNEL), "fail-nth still armed: NOFAIL did not count");
	sim_fault_reset(NULL);
	p = kmalloc(8, GFP_KERNEL);
	cr_assert_not_null(p, "sim_fault_reset() disarms everything");
	kfree(p);
}

struct hook_log {
	int calls;
	const char *site;
	size_t size;
	gfp_t gfp;
};

static bool fail_size_77(void *arg, const char *site, size_t size, gfp_t gfp)
{
	struct hook_log *log = arg;

	log->calls++;
	log->site = site;
	log->size = size;
	log->gfp = gfp;
	return size == 77;
}

KTEST(slab, hook)
{
	struct hook_log log = { 0 };
	void *p;

	sim_fault_set_hook(NULL, fail_size_77, &log);
	p = kmalloc(76, GFP_ATOMIC);
	cr_assert_not_null(p);
	kfree(p);
	cr_assert_eq(log.calls, 1);
	cr_assert_str_eq(log.site, __func__);
	cr_assert_eq(log.size, 76);
	cr_assert_eq(log.gfp, GFP_ATOMIC);

	cr_assert_null(kzalloc(77, GFP_KERNEL));
	cr_assert_eq(log.gfp, GFP_KERNEL | __GFP_ZERO);
	cr_assert_eq(stats(NULL).injected, 1);

	/* a knob that already failed the attempt: the hook is not asked */
	sim_fault_fail_nth(NULL, 1);
	cr_assert_null(kmalloc(5, GFP_KERNEL));
	cr_assert_eq(log.calls, 2);

	sim_fault_set_hook(NULL, NULL, NULL);
	p = kmalloc(77, GFP_KERNEL);
	cr_assert_not_null(p);
	kfree(p);
	cr_assert_eq(log.calls, 2);
}

static DEFINE_SPINLOCK(test_lock);

KTEST(slab, sleeping_alloc_under_spinlock_is_reported)
{
	void *a, *b;

	spin_lock(&test_lock);
	a = kmalloc(8, GFP_ATOMIC);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 0);
	b = kmalloc(8, GFP_KERNEL);
	spin_unlock(&test_lock);
	ktest_expect(SIM_FINDING_ATOMIC_SLEEP, 1);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_ATOMIC_SLEEP), 1);
	kfree(a);
	kfree(b);
}

/* ---- helpers on top of kmalloc ---------------------------------------------------------- */

KTEST(slab, krealloc_kstrdup_kmemdup)
{
	static const char text[] = "pasid";
	char *s, *t, *n;
	int *v, *w;

	s = kstrdup(text, GFP_KERNEL);
	cr_assert_str_eq(s, text);
	cr_assert_eq(ksize(s), sizeof(text));
	t = kstrndup(text, 3, GFP_KERNEL);
	cr_assert_str_eq(t, "pas");
	cr_assert_null(kstrdup(NULL, GFP_KERNEL));
	n = kmemdup(text, 2, GFP_KERNEL);
	cr_assert_eq(memcmp(n, "pa", 2), 0);

	v = kmalloc(2 * sizeof(*v), GFP_KERNEL);
	v[0] = 1;
	v[1] = 2;
	w = krealloc(v, 4 * sizeof(*v), GFP_KERNEL | __GFP_ZERO);
	cr_assert_not_null(w);
	cr_assert_neq(w, v, "krealloc moves the object");
	v = w;
	cr_assert(v[0] == 1 && v[1] == 2 && v[2] == 0 && v[3] == 0);
	cr_assert_eq(ksize(v), 4 * sizeof(*v));
	sim_fault_fail_nth(NULL, 1);
	cr_assert_null(krealloc(v, 100, GFP_KERNEL));
	cr_assert_eq(v[1], 2, "a failed krealloc keeps the object");
	cr_assert_eq(krealloc(v, 0, GFP_KERNEL), ZERO_SIZE_PTR);

	kfree(s);
	kfree(t);
	kfree(n);
	cr_assert_eq(stats(NULL).live_objects, 0);
}

KTEST(slab, strscpy)
{
	char buf[4];

	cr_assert_eq(strscpy(buf, "ab", sizeof(buf)), 2);
	cr_assert_str_eq(buf, "ab");
	cr_assert_eq(strscpy(buf, "abcd", sizeof(buf)), -E2BIG);
	cr_assert_str_eq(buf, "abc");
	cr_assert_eq(strscpy(buf, "x", 0), -E2BIG);
	memset(buf, 'z', sizeof(buf));
	cr_assert_eq(strscpy_pad(buf, "a", sizeof(buf)), 1);
	cr_assert(buf[0] == 'a' && buf[1] == 0 && buf[2] == 0 && buf[3] == 0);
}

static int ctor_calls;

static void obj_ctor(void *p)
{
	ctor_calls++;
	memset(p, 0x11, 24);
}

KTEST(slab, kmem_cache)
{
	struct kmem_cache *c = kmem_cache_create("thing", 24, 8, 0, obj_ctor);
	struct kmem_cache *d = kmem_cache_create("other", 24, 8, 0, NULL);
	unsigned char *a, *b;

	cr_assert(c && d);
	cr_assert_eq(stats(NULL).live_objects, 2, "caches are slab objects themselves");
	a = kmem_cache_alloc(c, GFP_KERNEL);
	b = kmem_cache_zalloc(d, GFP_KERNEL);
	cr_assert_eq(ctor_calls, 1);
	cr_assert(all_bytes(a, 0x11, 24));
	cr_assert(all_bytes(b, 0, 24));
	cr_assert_eq(ksize(a), 24);

	ktest_expect(SIM_FINDING_SLAB, 2);
	kmem_cache_destroy(c);	/* a is live: reported, cache kept */
	cr_assert_not_null(strstr(last_finding()->msg, "still has 1 objects"));
	kmem_cache_free(d, a);	/* wrong cache: reported, freed anyway */
	cr_assert_not_null(strstr(last_finding()->msg, "belongs to cache thing"));
	kmem_cache_free(d, b);
	kmem_cache_destroy(c);
	kmem_cache_destroy(d);
	kmem_cache_destroy(NULL);

	sim_fault_fail_nth(NULL, 1);
	cr_assert_null(kmem_cache_create("nomem", 8, 0, 0, NULL));
}

/* ---- findings, WARN, BUG, panic ---------------------------------------------------------- */

KTEST(slab, findings_api)
{
	const struct sim_finding *f;

	sim_finding_add(NULL, SIM_FINDING_LOCKDEP, "x.c", 1, "first %d", 1);
	sim_finding_add(NULL, SIM_FINDING_RCU, NULL, 0, "second");
	sim_finding_add(NULL, SIM_FINDING_LOCKDEP, "y.c", 3, "third");
	cr_assert_eq(sim_findings_count(NULL, -1), 3);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 2);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 1);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 0);

	f = sim_finding_get(NULL, 0);
	cr_assert_eq(f->kind, SIM_FINDING_LOCKDEP);
	cr_assert_str_eq(f->msg, "first 1");
	cr_assert_str_eq(f->file, "x.c");
	cr_assert_eq(f->line, 1);
	cr_assert_lt(f->seq, sim_finding_get(NULL, 1)->seq);
	cr_assert_lt(sim_finding_get(NULL, 1)->seq, sim_finding_get(NULL, 2)->seq);
	cr_assert_str_eq(sim_finding_get(NULL, 2)->msg, "third");
	cr_assert_null(sim_finding_get(NULL, 3));

	cr_assert_str_eq(sim_finding_kind_name(SIM_FINDING_SLAB), "SLAB");
	cr_assert_str_eq(sim_finding_kind_name(SIM_FINDING_ATOMIC_SLEEP), "ATOMIC_SLEEP");

	sim_findings_clear(NULL);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);
	cr_assert_null(sim_finding_get(NULL, 0));
}

KTEST(slab, findings_grow)
{
	for (int i = 0; i < 1000; i++)
		sim_finding_add(NULL, SIM_FINDING_RCU, NULL, 0, "n%d", i);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_RCU), 1000);
	cr_assert_str_eq(sim_finding_get(NULL, 999)->msg, "n999");
	cr_assert_str_eq(sim_finding_get(NULL, 0)->msg, "n0");
	sim_findings_clear(NULL);
}

KTEST(slab, warn_on_records_and_returns)
{
	volatile int x = 1;
	const struct sim_finding *f;
	int line, r;

	cr_assert_eq(WARN_ON(x == 2), 0);
	cr_assert_eq(sim_findings_count(NULL, -1), 0);

	line = __LINE__ + 1;
	r = WARN_ON(x == 1);
	cr_assert_eq(r, 1);
	f = last_finding();
	cr_assert_eq(f->kind, SIM_FINDING_WARN);
	cr_assert_str_eq(f->file, __FILE__);
	cr_assert_eq(f->line, line);
	cr_assert_not_null(strstr(f->msg, "x == 1"), "msg: %s", f->msg);
	cr_assert(sim_log_contains(NULL, "WARNING: at"));

	cr_assert(WARN(x, "pasid %d busy\n", 42));
	cr_assert_not_null(strstr(last_finding()->msg, "pasid 42 busy"));
	cr_assert(sim_log_contains(NULL, "pasid 42 busy"));
	ktest_expect(SIM_FINDING_WARN, 2);
}

static bool warn_once_site(int v)
{
	return WARN_ON_ONCE(v > 0);
}

KTEST(slab, warn_on_once_fires_once)
{
	for (int i = 0; i < 3; i++)
		cr_assert(warn_once_site(1), "WARN_ON_ONCE returns the condition every time");
	cr_assert_not(warn_once_site(0));
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_WARN), 1);
	ktest_expect(SIM_FINDING_WARN, 1);
}

static jmp_buf panic_jmp;
static struct sim_finding panic_seen;
static void *panic_arg_seen;

static void longjmp_handler(struct sim_kernel *k, const struct sim_finding *f, void *arg)
{
	panic_seen = *f;
	panic_arg_seen = arg;
	longjmp(panic_jmp, 1);
}

KTEST(slab, panic_and_bug_call_the_handler)
{
	static int token;
	volatile int line = 0;

	sim_set_panic_handler(NULL, longjmp_handler, &token);
	if (!setjmp(panic_jmp)) {
		panic("pasid table %s", "corrupt");
		cr_assert_fail("panic() returned");
	}
	cr_assert_eq(panic_seen.kind, SIM_FINDING_PANIC);
	cr_assert_str_eq(panic_seen.msg, "pasid table corrupt");
	cr_assert_eq(panic_arg_seen, &token);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_PANIC), 1);
	cr_assert(sim_log_contains(NULL, "Kernel panic - not syncing: pasid table corrupt"));

	if (!setjmp(panic_jmp)) {
		line = __LINE__ + 1;
		BUG_ON(line > 0);
		cr_assert_fail("BUG_ON() returned");
	}
	cr_assert_eq(panic_seen.kind, SIM_FINDING_BUG);
	cr_assert_str_eq(panic_seen.file, __FILE__);
	cr_assert_eq(panic_seen.line, line);
	cr_assert_not_null(strstr(panic_seen.msg, "line > 0"));
	cr_assert(sim_log_contains(NULL, "kernel BUG at"));
	sim_set_panic_handler(NULL, NULL, NULL);
	ktest_expect(SIM_FINDING_PANIC, 1);
	ktest_expect(SIM_FINDING_BUG, 1);
}

Test(slab, bug_without_handler_aborts, .signal = SIGABRT)
{
	BUG();
}

/* ---- printk ------------------------------------------------------------------------------ */

KTEST(slab, printk_levels_and_cont)
{
	int level;

	cr_assert_eq(sim_log_count(NULL), 0);
	pr_info("hello %d\n", 5);
	printk("plain\n");
	pr_err("a");
	pr_cont("b");
	pr_cont("c\n");
	pr_cont("d\n");
	printk(KERN_DEBUG "dbg");

	cr_assert_eq(sim_log_count(NULL), 5);
	cr_assert_str_eq(sim_log_text(NULL, 0, &level), "hello 5");
	cr_assert_eq(level, LOGLEVEL_INFO);
	cr_assert_str_eq(sim_log_text(NULL, 1, &level), "plain");
	cr_assert_eq(level, -1);
	cr_assert_str_eq(sim_log_text(NULL, 2, &level), "abc");
	cr_assert_eq(level, LOGLEVEL_ERR);
	cr_assert_str_eq(sim_log_text(NULL, 3, &level), "d",
			 "KERN_CONT after a newline starts a record");
	cr_assert_eq(level, -1);
	cr_assert_str_eq(sim_log_text(NULL, 4, &level), "dbg");
	cr_assert_eq(level, LOGLEVEL_DEBUG);
	cr_assert_null(sim_log_text(NULL, 5, &level));

	cr_assert(sim_log_contains(NULL, "llo 5"));
	cr_assert(sim_log_contains(NULL, "abc"));
	cr_assert_not(sim_log_contains(NULL, "abcd"));
	cr_assert_not(sim_log_contains(NULL, "\001"));

	sim_log_clear(NULL);
	cr_assert_eq(sim_log_count(NULL), 0);
	cr_assert_not(sim_log_contains(NULL, "abc"));
}

KTEST(slab, printk_long_message)
{
	char big[2000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_eq(printk(KERN_NOTICE "%s!\n", big), (int)sizeof(big) + 1);
	cr_assert_eq(strlen(sim_log_text(NULL, 0, NULL)), sizeof(big));
}

KTEST(slab, printk_drops_oldest)
{
	for (int i = 0; i < 5000; i++)
		pr_info("msg %d\n", i);
	cr_assert_eq(sim_log_count(NULL), 4096);
	cr_assert_eq(sim_log_dropped(NULL), 5000 - 4096);
	cr_assert_str_eq(sim_log_text(NULL, 0, NULL), "msg 904");
	cr_assert_str_eq(sim_log_text(NULL, 4095, NULL), "msg 4999");
	cr_assert_not(sim_log_contains(NULL, "msg 903"));
	sim_log_clear(NULL);
	cr_assert_eq(sim_log_dropped(NULL), 0);
}

KTEST(slab, printk_is_per_instance)
{
	struct sim_kernel *other = sim_kernel_create("other");
	struct sim_kernel *prev = sim_kernel_enter(other);

	pr_info("in other\n");
	sim_kernel_leave(prev);
	pr_info("in test\n");
	cr_assert(sim_log_contains(other, "in other"));
	cr_assert_not(sim_log_contains(other, "in test"));
	cr_assert_not(sim_log_contains(NULL, "in other"));
	cr_assert_eq(sim_kernel_destroy(other), 0);
}

/* ---- instances ------------------------------------------------------------------------------ */

static void *current_of_thread(void *arg)
{
	return sim_kernel_current();
}

Test(slab, default_instance_is_stable)
{
	struct sim_kernel *d = sim_kernel_current();
	pthread_t t;
	void *other;

	cr_assert_not_null(d);
	cr_assert_eq(sim_kernel_current(), d);
	cr_assert_str_eq(sim_kernel_name(d), "default");
	cr_assert_str_eq(sim_kernel_name(NULL), "default");
	cr_assert_eq(pthread_create(&t, NULL, current_of_thread, NULL), 0);
	cr_assert_eq(pthread_join(t, &other), 0);
	cr_assert_eq(other, d, "another thread sees the same default instance");

	kfree(kmalloc(1, GFP_KERNEL));
	cr_assert_eq(stats(d).allocs, 1);
}

Test(slab, enter_leave_nesting)
{
	struct sim_kernel *a = sim_kernel_create("a");
	struct sim_kernel *b = sim_kernel_create("b");
	struct sim_kernel *p0, *p1;

	cr_assert_str_eq(sim_kernel_name(a), "a");
	p0 = sim_kernel_enter(a);
	cr_assert_null(p0, "this thread had entered no instance");
	cr_assert_eq(sim_kernel_current(), a);
	p1 = sim_kernel_enter(b);
	cr_assert_eq(p1, a);
	cr_assert_eq(sim_kernel_current(), b);
	cr_assert_str_eq(sim_kernel_name(NULL), "b");
	sim_kernel_leave(p1);
	cr_assert_eq(sim_kernel_current(), a);
	sim_kernel_leave(p0);
	cr_assert_str_eq(sim_kernel_name(sim_kernel_current()), "default");
	cr_assert_eq(sim_kernel_destroy(a), 0);
	cr_assert_eq(sim_kernel_destroy(b), 0);
}

struct churn_arg {
	struct sim_kernel *k;
	int n;
};

static void *churn_thread(void *p)
{
	struct churn_arg *arg = p;
	struct sim_kernel *prev = sim_kernel_enter(arg->k);

	for (int i = 0; i < arg->n; i++) {
		void *a = kmalloc(1 + i % 64, GFP_KERNEL);
		void *b = kzalloc(8, GFP_ATOMIC);

		kfree(a);
		kfree(b);
	}
	sim_kernel_leave(prev);
	return NULL;
}

KTEST(slab, threads_share_an_instance)
{
	struct churn_arg arg = { .k = ktest_kernel(), .n = 20000 };
	pthread_t t[2];
	struct sim_slab_stats st;

	for (int i = 0; i < 2; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, churn_thread, &arg), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	st = stats(NULL);
	cr_assert_eq(st.allocs, 80000);
	cr_assert_eq(st.frees, 80000);
	cr_assert_eq(st.live_objects, 0);
	cr_assert_eq(st.live_bytes, 0);
}
