// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: the slab allocator, its accounting and fault
 * injection.
 *
 * Object layout (one libc allocation):
 *
 *	[ struct sim_slab_hdr | object (size bytes) | redzone (SIM_REDZONE) ]
 *
 * The header records the magic, the size, the owning instance, the cache and
 * the allocation site, and links the object into its owner's live list. The
 * object is 16-byte aligned and filled with POISON_INUSE (0x5a) unless
 * __GFP_ZERO; the redzone holds SIM_REDZONE_BYTE and is checked at free.
 *
 * Accounting: every object belongs to the instance that was current when it
 * was allocated, and kfree() unaccounts it from that owner whatever instance
 * is current. One mutex per instance guards the live list, the counters and
 * the fault-injection knobs.
 *
 * Free and the quarantine: kfree() fills the object with POISON_FREE (0x6b,
 * last byte POISON_END), marks the header freed and puts it in the owner's
 * quarantine, a ring of the last SIM_QUARANTINE frees whose memory is not yet
 * returned to libc. This is what makes double-free detection safe: the
 * header of a recently freed object is still ours to read, so a second
 * kfree() sees the "freed" magic and is reported as a SIM_FINDING_SLAB
 * finding instead of being undefined behaviour. Under ASan the quarantined
 * object and redzone are poisoned (use-after-poison on access), and the
 * header of a pointer is read only if ASan says it is addressable, so a
 * double free of an object already evicted from the quarantine, or a bad
 * pointer into freed heap, is also reported as a finding. When an object
 * leaves the quarantine, its poison is checked (a write after free is a
 * finding of the owner) and the memory is given back to libc, where ASan
 * takes over. Without ASan, kfree() of a wild pointer reads the 80 bytes
 * before it (the kernel would oops too).
 *
 * The fast build (SIM_CHECKS 0, <sim/checks.h>) neither poisons nor redzones:
 * no fill at allocation (__GFP_ZERO still zeroes), no redzone, no poison at
 * free nor its check at release. The header, the accounting, the quarantine
 * and double-free detection stay.
 *
 * Fault injection is decided per allocation attempt, in this order: fail-nth,
 * fail-site, probability (splitmix64 PRNG seeded per instance), then the
 * hook. Attempts that may not fail are not eligible and do not count
 * towards fail-nth nor draw from the PRNG: __GFP_NOFAIL ones, and with
 * atomic-only on, those that may sleep. kmalloc(0) returns ZERO_SIZE_PTR
 * without counting an attempt (the kernel's failslab never sees it either).
 * With nothing armed (no knob, no hook) an attempt cannot fail: it is counted
 * in the same mutex section that links the object, so an allocation takes
 * the instance's mutex once.
 *
 * Teardown (sim_slab_fini) releases the quarantine and every object still
 * live: the leak report is made before that, by sim_kernel_destroy(). A
 * kfree() of such an object afterwards is a use-after-free.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIM_ASAN 1
#endif
#endif

#ifdef SIM_ASAN
#include <sanitizer/asan_interface.h>
#define sim_poison(p, n)	ASAN_POISON_MEMORY_REGION((p), (n))
#define sim_unpoison(p, n)	ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define sim_addressable(p, n)	(__asan_region_is_poisoned((void *)(p), (n)) == NULL)
#else
#define sim_poison(p, n)	((void)(p), (void)(n))
#define sim_unpoison(p, n)	((void)(p), (void)(n))
#define sim_addressable(p, n)	((void)(p), (void)(n), true)
#endif

#define POISON_INUSE		0x5a
#define POISON_FREE		0x6b
#define POISON_END		0xa5
#define SIM_REDZONE		16
#define SIM_REDZONE_BYTE	0xcc
#define SIM_QUARANTINE		4096

/* Stored XORed with the header address, so stale copies do not match. */
#define SIM_SLAB_LIVE		0x51ab0b1ec7a11ceULL
#define SIM_SLAB_FREED		0x51abf4eedf4eed0ULL

struct sim_slab_hdr {
	u64 magic;
	size_t size;
	struct sim_slab_state *owner;
	struct kmem_cache *cache;
	const char *func;
	const char *file;
	struct sim_slab_hdr *prev, *next;	/* owner's live list */
	int line;
} __aligned(ARCH_KMALLOC_MINALIGN);

struct sim_slab_state {
	struct sim_mu mu;
	struct sim_kernel *k;
	struct sim_slab_hdr *first, *last;	/* live objects, oldest first */
	struct sim_slab_stats st;

	/* fault injection */
	u64 nth_left;
	char *fail_site;
	u32 per_million;
	u64 prng;
	bool atomic_only;
	sim_fault_fn hook;
	void *hook_arg;
	bool armed;			/* a knob or the hook may fail an attempt */

	/* recently freed objects, oldest at q_head */
	struct sim_slab_hdr **quarantine;
	size_t q_head, q_count;
};

static inline void *sim_obj(struct sim_slab_hdr *h)
{
	return h + 1;
}

static inline u64 sim_magic(const struct sim_slab_hdr *h, u64 magic)
{
	return magic ^ (uintptr_t)h;
}

static const char *sim_site(const char *s)
{
	return s ? s : "?";
}

/* ---- instance lifetime ---------------------------------------------------- */

void sim_slab_init(struct sim_kernel *k)
{
	struct sim_slab_state *s = calloc(1, sizeof(*s));

	if (!s) {
		fprintf(stderr, "pasidsim: out of memory creating slab state\n");
		abort();
	}
	s->k = k;
	k->slab = s;
}

/* Is every byte of @p[0..@n) equal to @c? Word by word: objects are large. */
static bool sim_mem_is(const u8 *p, u8 c, size_t n)
{
	const u64 pat = 0x0101010101010101ULL * c;
	u64 acc = 0, w;

	while (n && ((uintptr_t)p & 7)) {
		if (*p++ != c)
			return false;
		n--;
	}
	for (; n >= 32; p += 32, n -= 32) {
		u64 a, b, d;

		memcpy(&w, p, 8);
		memcpy(&a, p + 8, 8);
		memcpy(&b, p + 16, 8);
		memcpy(&d, p + 24, 8);
		acc |= (w ^ pat) | (a ^ pat) | (b ^ pat) | (d ^ pat);
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		acc |= w ^ pat;
	}
	if (acc)
		return false;
	while (n--)
		if (*p++ != c)
			return false;
	return true;
}

/* What a freed object's bytes must read, a block at a time (GNU range initialiser). */
static const u8 sim_free_block[256] = { [0 ... 255] = POISON_FREE };

/* Is every byte of @p[0..@n) POISON_FREE? memcmp() against a block: objects are large. */
static bool sim_mem_is_free_poison(const u8 *p, size_t n)
{
	for (; n >= sizeof(sim_free_block); p += sizeof(sim_free_block), n -= sizeof(sim_free_block))
		if (memcmp(p, sim_free_block, sizeof(sim_free_block)))
			return false;
	return !n || !memcmp(p, sim_free_block, n);
}

static bool sim_free_poison_intact(struct sim_slab_hdr *h)
{
	const u8 *obj = sim_obj(h);

	return sim_mem_is_free_poison(obj, h->size - 1) && obj[h->size - 1] == POISON_END;
}

/* Give a quarantined object back to libc, checking nobody wrote to it. */
static void sim_slab_release(struct sim_slab_state *s, struct sim_slab_hdr *h)
{
	sim_unpoison(sim_obj(h), h->size + SIM_REDZONE);
	if (SIM_CHECKS && !sim_free_poison_intact(h))
		sim_finding_add(s->k, SIM_FINDING_SLAB, h->file, h->line,
				"use after free: %zu-byte object %p allocated by %s() was written after kfree",
				h->size, sim_obj(h), sim_site(h->func));
	WRITE_ONCE(h->magic, 0);
	free(h);
}

void sim_slab_fini(struct sim_kernel *k)
{
	struct sim_slab_state *s = k->slab;
	struct sim_slab_hdr *h, *next;

	for (size_t i = 0; i < s->q_count; i++)
		sim_slab_release(s, s->quarantine[(s->q_head + i) % SIM_QUARANTINE]);
	for (h = s->first; h; h = next) {
		next = h->next;
		h->magic = 0;
		free(h);
	}
	free(s->quarantine);
	free(s->fail_site);
	free(s);
	k->slab = NULL;
}

/*
 * Declared in <sim/task.h>, for instance reset: release the quarantine and
 * every live object without reporting them, and zero the counters. Fault
 * knobs are left alone (sim_fault_reset() disarms them).
 */
void sim_slab_free_all(struct sim_kernel *k)
{
	struct sim_slab_state *s = sim_k(k)->slab;
	struct sim_slab_hdr *h, *next, *first;
	struct sim_slab_hdr **q;
	size_t q_head, q_count;

	sim_mu_lock(&s->mu);
	first = s->first;
	s->first = s->last = NULL;
	q = s->quarantine;
	q_head = s->q_head;
	q_count = s->q_count;
	s->q_head = s->q_count = 0;
	memset(&s->st, 0, sizeof(s->st));
	sim_mu_unlock(&s->mu);

	for (size_t i = 0; i < q_count; i++)
		sim_slab_release(s, q[(q_head + i) % SIM_QUARANTINE]);
	for (h = first; h; h = next) {
		next = h->next;
		WRITE_ONCE(h->magic, 0);
		free(h);
	}
}

void sim_slab_leak_findings(struct sim_kernel *k, size_t max)
{
	struct sim_slab_state *s = k->slab;
	size_t n = 0;

	sim_mu_lock(&s->mu);
	for (struct sim_slab_hdr *h = s->first; h && n < max; h = h->next, n++)
		sim_finding_add(k, SIM_FINDING_LEAK, h->file, h->line,
				"leak: %zu-byte %s%sobject allocated by %s()", h->size,
				h->cache ? h->cache->name : "", h->cache ? " " : "",
				sim_site(h->func));
	sim_mu_unlock(&s->mu);
}

/* ---- fault injection -------------------------------------------------------- */

/* splitmix64 (Steele, Lea, Flood 2014) */
static u64 sim_prng_next(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool sim_prng_chance(u64 *state, u32 per_million)
{
	u64 r = sim_prng_next(state) >> 32;

	return ((r * 1000000) >> 32) < per_million;
}

/*
 * Under s->mu, after changing a knob: can an attempt fail? Read without the
 * mutex by sim_slab_alloc(), so that an allocation with nothing armed takes
 * the mutex once.
 */
static void sim_fault_rearm(struct sim_slab_state *s)
{
	__atomic_store_n(&s->armed, s->nth_left || s->fail_site || s->per_million || s->hook,
			 __ATOMIC_RELAXED);
}

/*
 * Under s->mu: do the knobs fail this eligible attempt? A fail-site names
 * the allocating function or, for a cache object, the cache
 * ("radix_tree_node": every XArray node, whichever function allocates it).
 */
static bool sim_fault_knobs(struct sim_slab_state *s, const char *func,
			    const struct kmem_cache *cache)
{
	if (s->nth_left && --s->nth_left == 0) {
		sim_fault_rearm(s);
		return true;
	}
	if (s->fail_site && func && strcmp(func, s->fail_site) == 0)
		return true;
	if (s->fail_site && cache && strcmp(cache->name, s->fail_site) == 0)
		return true;
	if (s->per_million && sim_prng_chance(&s->prng, s->per_million))
		return true;
	return false;
}

/* Count an allocation attempt and decide whether to fail it. */
static bool sim_fault_should_fail(struct sim_slab_state *s, size_t size, gfp_t flags,
				  const char *func, const struct kmem_cache *cache)
{
	sim_fault_fn hook = NULL;
	void *arg = NULL;
	bool fail = false;

	sim_mu_lock(&s->mu);
	s->st.attempts++;
	if (!(flags & __GFP_NOFAIL) && (!s->atomic_only || !gfpflags_allow_blocking(flags))) {
		fail = sim_fault_knobs(s, func, cache);
		if (!fail) {
			hook = s->hook;
			arg = s->hook_arg;
		}
	}
	s->st.injected += fail;
	sim_mu_unlock(&s->mu);

	/* The hook runs unlocked: it may log, or even allocate. */
	if (hook && hook(arg, func, size, flags)) {
		sim_mu_lock(&s->mu);
		s->st.injected++;
		sim_mu_unlock(&s->mu);
		fail = true;
	}
	return fail;
}

static struct sim_slab_state *sim_slab_of(struct sim_kernel *k)
{
	return sim_k(k)->slab;
}

void sim_fault_fail_nth(struct sim_kernel *k, u64 nth)
{
	struct sim_slab_state *s = sim_slab_of(k);

	sim_mu_lock(&s->mu);
	s->nth_left = nth;
	sim_fault_rearm(s);
	sim_mu_unlock(&s->mu);
}

void sim_fault_fail_site(struct sim_kernel *k, const char *func)
{
	struct sim_slab_state *s = sim_slab_of(k);
	char *copy = func ? strdup(func) : NULL;
	char *old;

	if (func && !copy) {
		fprintf(stderr, "pasidsim: out of memory arming fail-site\n");
		abort();
	}
	sim_mu_lock(&s->mu);
	old = s->fail_site;
	s->fail_site = copy;
	sim_fault_rearm(s);
	sim_mu_unlock(&s->mu);
	free(old);
}

void sim_fault_fail_probability(struct sim_kernel *k, u32 per_million, u64 seed)
{
	struct sim_slab_state *s = sim_slab_of(k);

	sim_mu_lock(&s->mu);
	s->per_million = per_million > 1000000 ? 1000000 : per_million;
	s->prng = seed;
	sim_fault_rearm(s);
	sim_mu_unlock(&s->mu);
}

void sim_fault_atomic_only(struct sim_kernel *k, bool on)
{
	struct sim_slab_state *s = sim_slab_of(k);

	sim_mu_lock(&s->mu);
	s->atomic_only = on;
	sim_mu_unlock(&s->mu);
}

void sim_fault_set_hook(struct sim_kernel *k, sim_fault_fn fn, void *arg)
{
	struct sim_slab_state *s = sim_slab_of(k);

	sim_mu_lock(&s->mu);
	s->hook = fn;
	s->hook_arg = arg;
	sim_fault_rearm(s);
	sim_mu_unlock(&s->mu);
}

void sim_fault_reset(struct sim_kernel *k)
{
	struct sim_slab_state *s = sim_slab_of(k);
	char *old;

	sim_mu_lock(&s->mu);
	s->nth_left = 0;
	old = s->fail_site;
	s->fail_site = NULL;
	s->per_million = 0;
	s->atomic_only = false;
	s->hook = NULL;
	s->hook_arg = NULL;
	sim_fault_rearm(s);
	sim_mu_unlock(&s->mu);
	free(old);
}

/* ---- stats and leaks ---------------------------------------------------------- */

void sim_slab_stats(struct sim_kernel *k, struct sim_slab_stats *out)
{
	struct sim_slab_state *s = sim_slab_of(k);

	sim_mu_lock(&s->mu);
	*out = s->st;
	sim_mu_unlock(&s->mu);
}

size_t sim_slab_report_leaks(struct sim_kernel *k, FILE *out)
{
	struct sim_slab_state *s = sim_slab_of(k);
	size_t n = 0;

	sim_mu_lock(&s->mu);
	for (struct sim_slab_hdr *h = s->first; h; h = h->next, n++)
		fprintf(out, "  leak: %zu bytes at %p%s%s, allocated by %s() at %s:%d\n",
			h->size, sim_obj(h), h->cache ? " from cache " : "",
			h->cache ? h->cache->name : "", sim_site(h->func),
			sim_site(h->file), h->line);
	sim_mu_unlock(&s->mu);
	return n;
}

size_t sim_slab_live_in_cache(struct sim_kernel *k, const char *name)
{
	struct sim_slab_state *s = sim_slab_of(k);
	size_t n = 0;

	sim_mu_lock(&s->mu);
	for (struct sim_slab_hdr *h = s->first; h; h = h->next)
		n += h->cache && !strcmp(h->cache->name, name);
	sim_mu_unlock(&s->mu);
	return n;
}

/* ---- allocation ----------------------------------------------------------------- */

/* An attempt that no knob could fail: counted on its own only if it goes no further. */
static noinline void sim_slab_count_attempt(struct sim_slab_state *s)
{
	sim_mu_lock(&s->mu);
	s->st.attempts++;
	sim_mu_unlock(&s->mu);
}

static void *sim_slab_alloc(size_t size, gfp_t flags, struct kmem_cache *cache, size_t max,
			    const char *func, const char *file, int line)
{
	struct sim_slab_state *s;
	struct sim_slab_hdr *h;
	bool counted = false;
	u8 *obj;

	might_sleep_if(gfpflags_allow_blocking(flags));
	if (unlikely(!size))
		return ZERO_SIZE_PTR;

	s = kernel_current()->slab;
	/*
	 * With nothing armed the attempt cannot fail: it is counted below, in
	 * the one mutex section that also links the object.
	 */
	if (unlikely(__atomic_load_n(&s->armed, __ATOMIC_RELAXED))) {
		if (sim_fault_should_fail(s, size, flags, func, cache))
			return NULL;
		counted = true;
	}
	if (unlikely(size > max)) {
		if (!counted)
			sim_slab_count_attempt(s);
		if (!(flags & __GFP_NOWARN))
			__sim_warn(file, line, "size > KMALLOC_MAX_SIZE",
				   "%s(): allocation of %zu bytes is too large",
				   sim_site(func), size);
		return NULL;
	}

	h = malloc(sizeof(*h) + size + SIM_REDZONE);
	if (unlikely(!h)) {
		if (!counted)
			sim_slab_count_attempt(s);
		return NULL;
	}
	obj = sim_obj(h);
	if (flags & __GFP_ZERO)
		memset(obj, 0, size);
	else if (SIM_CHECKS)
		memset(obj, POISON_INUSE, size);
	if (SIM_CHECKS)
		memset(obj + size, SIM_REDZONE_BYTE, SIM_REDZONE);
	h->size = size;
	h->owner = s;
	h->cache = cache;
	h->func = func;
	h->file = file;
	h->line = line;
	h->next = NULL;
	WRITE_ONCE(h->magic, sim_magic(h, SIM_SLAB_LIVE));

	sim_mu_lock(&s->mu);
	s->st.attempts += !counted;
	h->prev = s->last;
	if (s->last)
		s->last->next = h;
	else
		s->first = h;
	s->last = h;
	s->st.allocs++;
	s->st.live_objects++;
	s->st.live_bytes += size;
	if (s->st.live_bytes > s->st.peak_bytes)
		s->st.peak_bytes = s->st.live_bytes;
	sim_mu_unlock(&s->mu);
	return obj;
}

void *__sim_kmalloc(size_t size, gfp_t flags, const char *func, const char *file, int line)
{
	return sim_slab_alloc(size, flags, NULL, KMALLOC_MAX_SIZE, func, file, line);
}

void *__sim_kvmalloc(size_t size, gfp_t flags, const char *func, const char *file, int line)
{
	return sim_slab_alloc(size, flags, NULL, SIZE_MAX / 4, func, file, line);
}

/* ---- free ------------------------------------------------------------------------- */

static void sim_slab_report_bad(const void *objp, const char *op, const char *file, int line)
{
	sim_finding_add(NULL, SIM_FINDING_SLAB, file, line,
			"%s(%p): not a live slab object (bad pointer, or freed long ago)",
			op, objp);
}

static void sim_slab_report_double(struct sim_slab_hdr *h, const char *op,
				   const char *file, int line)
{
	sim_finding_add(NULL, SIM_FINDING_SLAB, file, line,
			"%s(%p): double free of %zu-byte object allocated by %s() at %s:%d",
			op, sim_obj(h), h->size, sim_site(h->func), sim_site(h->file), h->line);
}

/*
 * The header of @objp if it is a live slab object; otherwise report it and
 * return NULL. Reads the header only where it is safe (see the top).
 */
static struct sim_slab_hdr *sim_slab_check(const void *objp, const char *op,
					   const char *file, int line)
{
	uintptr_t addr = (uintptr_t)objp;
	struct sim_slab_hdr *h = (struct sim_slab_hdr *)(addr - sizeof(*h));
	u64 magic;

	if ((addr & (ARCH_KMALLOC_MINALIGN - 1)) || addr < 4096 ||
	    !sim_addressable(h, sizeof(*h))) {
		sim_slab_report_bad(objp, op, file, line);
		return NULL;
	}
	magic = READ_ONCE(h->magic);
	if (magic == sim_magic(h, SIM_SLAB_LIVE))
		return h;
	if (magic == sim_magic(h, SIM_SLAB_FREED))
		sim_slab_report_double(h, op, file, line);
	else
		sim_slab_report_bad(objp, op, file, line);
	return NULL;
}

static void sim_slab_check_redzone(struct sim_slab_hdr *h, const char *op,
				   const char *file, int line)
{
	u8 *rz = (u8 *)sim_obj(h) + h->size;

	if (sim_mem_is(rz, SIM_REDZONE_BYTE, SIM_REDZONE))
		return;
	sim_finding_add(NULL, SIM_FINDING_SLAB, file, line,
			"%s(%p): redzone overwritten after %zu-byte object allocated by %s() at %s:%d",
			op, sim_obj(h), h->size, sim_site(h->func), sim_site(h->file), h->line);
}

static void sim_slab_free(struct sim_slab_hdr *h, const char *op, const char *file, int line)
{
	struct sim_slab_state *s = h->owner;
	struct sim_slab_hdr *victim = NULL;
	u8 *obj = sim_obj(h);

	if (SIM_CHECKS) {
		sim_slab_check_redzone(h, op, file, line);
		memset(obj, POISON_FREE, h->size - 1);
		obj[h->size - 1] = POISON_END;
	}

	sim_mu_lock(&s->mu);
	if (unlikely(READ_ONCE(h->magic) != sim_magic(h, SIM_SLAB_LIVE))) {
		/* Lost a race with another kfree() of the same object. */
		sim_mu_unlock(&s->mu);
		sim_slab_report_double(h, op, file, line);
		return;
	}
	if (unlikely(!s->quarantine)) {
		s->quarantine = malloc(SIM_QUARANTINE * sizeof(*s->quarantine));
		if (!s->quarantine) {
			fprintf(stderr, "pasidsim: out of memory allocating the slab quarantine\n");
			abort();
		}
	}
	WRITE_ONCE(h->magic, sim_magic(h, SIM_SLAB_FREED));
	if (h->prev)
		h->prev->next = h->next;
	else
		s->first = h->next;
	if (h->next)
		h->next->prev = h->prev;
	else
		s->last = h->prev;
	s->st.frees++;
	s->st.live_objects--;
	s->st.live_bytes -= h->size;
	if (h->cache)
		__atomic_fetch_sub(&h->cache->live, 1, __ATOMIC_RELAXED);

	if (s->q_count == SIM_QUARANTINE) {
		victim = s->quarantine[s->q_head];
		s->quarantine[s->q_head] = h;
		s->q_head = (s->q_head + 1) % SIM_QUARANTINE;
	} else {
		s->quarantine[(s->q_head + s->q_count++) % SIM_QUARANTINE] = h;
	}
	sim_poison(obj, h->size + SIM_REDZONE);
	sim_mu_unlock(&s->mu);

	if (victim)
		sim_slab_release(s, victim);
}

void __sim_kfree(const void *objp, const char *func, const char *file, int line)
{
	struct sim_slab_hdr *h;

	if (unlikely(ZERO_OR_NULL_PTR(objp)))
		return;
	h = sim_slab_check(objp, "kfree", file, line);
	if (h)
		sim_slab_free(h, "kfree", file, line);
}

void (kfree)(const void *objp)
{
	__sim_kfree(objp, NULL, NULL, 0);
}

void kfree_sensitive(const void *objp)
{
	struct sim_slab_hdr *h;

	if (unlikely(ZERO_OR_NULL_PTR(objp)))
		return;
	h = sim_slab_check(objp, "kfree_sensitive", NULL, 0);
	if (!h)
		return;
	memzero_explicit(sim_obj(h), h->size);
	sim_slab_free(h, "kfree_sensitive", NULL, 0);
}

size_t ksize(const void *objp)
{
	struct sim_slab_hdr *h;

	if (unlikely(ZERO_OR_NULL_PTR(objp)))
		return 0;
	h = sim_slab_check(objp, "ksize", NULL, 0);
	return h ? h->size : 0;
}

/* ---- helpers built on kmalloc ------------------------------------------------------ */

void *__sim_krealloc(const void *p, size_t new_size, gfp_t flags, const char *func,
		     const char *file, int line)
{
	struct sim_slab_hdr *h;
	u8 *n;

	if (unlikely(!new_size)) {
		__sim_kfree(p, func, file, line);
		return ZERO_SIZE_PTR;
	}
	if (ZERO_OR_NULL_PTR(p))
		return __sim_kmalloc(new_size, flags, func, file, line);
	h = sim_slab_check(p, "krealloc", file, line);
	if (!h)
		return NULL;
	n = __sim_kmalloc(new_size, flags & ~__GFP_ZERO, func, file, line);
	if (!n)
		return NULL;
	memcpy(n, p, min(h->size, new_size));
	if (new_size > h->size && (flags & __GFP_ZERO))
		memset(n + h->size, 0, new_size - h->size);
	sim_slab_free(h, "krealloc", file, line);
	return n;
}

char *__sim_kstrdup(const char *s, gfp_t gfp, const char *func, const char *file, int line)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strlen(s);
	p = __sim_kmalloc(len + 1, gfp, func, file, line);
	if (p)
		memcpy(p, s, len + 1);
	return p;
}

char *__sim_kstrndup(const char *s, size_t max, gfp_t gfp, const char *func,
		     const char *file, int line)
{
	size_t len;
	char *p;

	if (!s)
		return NULL;
	len = strnlen(s, max);
	p = __sim_kmalloc(len + 1, gfp, func, file, line);
	if (p) {
		memcpy(p, s, len);
		p[len] = '\0';
	}
	return p;
}

void *__sim_kmemdup(const void *src, size_t len, gfp_t gfp, const char *func,
		    const char *file, int line)
{
	void *p = __sim_kmalloc(len, gfp, func, file, line);

	if (!ZERO_OR_NULL_PTR(p))
		memcpy(p, src, len);
	return p;
}

/* ---- object caches ------------------------------------------------------------------- */

/*
 * Caches the kernel creates at boot belong to no instance: lib/radix-tree.c's
 * "radix_tree_node", which every XArray allocates its nodes from, is created
 * once per process by the constructor below, with libc memory, and never
 * destroyed. Its objects are accounted to the instance that allocates them,
 * like any other slab object.
 */
static bool sim_slab_booting;

void radix_tree_init(void);	/* lib/radix-tree.c, called by start_kernel() */

__attribute__((constructor)) static void sim_slab_boot(void)
{
	sim_slab_booting = true;
	radix_tree_init();
	sim_slab_booting = false;
}

struct kmem_cache *__sim_kmem_cache_create(const char *name, unsigned int size,
					   unsigned int align, slab_flags_t flags,
					   void (*ctor)(void *), const char *func,
					   const char *file, int line)
{
	struct kmem_cache *c = NULL;

	if (WARN(align > ARCH_KMALLOC_MINALIGN || !size,
		 "kmem_cache_create(%s): size %u align %u not supported", name, size, align))
		goto out;
	if (sim_slab_booting)
		c = calloc(1, sizeof(*c));
	else
		c = __sim_kmalloc(sizeof(*c), GFP_KERNEL, func, file, line);
	if (!c)
		goto out;
	strscpy(c->name, name ? name : "?", sizeof(c->name));
	c->size = size;
	c->align = align;
	c->flags = flags;
	c->ctor = ctor;
	c->live = 0;
out:
	if (!c && (flags & SLAB_PANIC))
		panic("kmem_cache_create: failed to create slab '%s'", name ? name : "?");
	return c;
}

void *__sim_kmem_cache_alloc(struct kmem_cache *c, gfp_t flags, const char *func,
			     const char *file, int line)
{
	void *obj = sim_slab_alloc(c->size, flags, c, KMALLOC_MAX_SIZE, func, file, line);

	if (!obj)
		return NULL;
	__atomic_fetch_add(&c->live, 1, __ATOMIC_RELAXED);
	if (c->ctor)
		c->ctor(obj);
	return obj;
}

void kmem_cache_free(struct kmem_cache *c, void *objp)
{
	struct sim_slab_hdr *h;

	if (unlikely(ZERO_OR_NULL_PTR(objp)))
		return;
	h = sim_slab_check(objp, "kmem_cache_free", NULL, 0);
	if (!h)
		return;
	if (h->cache != c)
		sim_finding_add(NULL, SIM_FINDING_SLAB, NULL, 0,
				"kmem_cache_free(%s, %p): object belongs to %s%s",
				c ? c->name : "NULL", objp, h->cache ? "cache " : "kmalloc",
				h->cache ? h->cache->name : "");
	sim_slab_free(h, "kmem_cache_free", NULL, 0);
}

void kmem_cache_destroy(struct kmem_cache *c)
{
	long live;

	if (!c)
		return;
	live = __atomic_load_n(&c->live, __ATOMIC_RELAXED);
	if (live) {
		/* As the kernel does, keep the cache: its objects still point to it. */
		sim_finding_add(NULL, SIM_FINDING_SLAB, NULL, 0,
				"kmem_cache_destroy %s: slab cache still has %ld objects",
				c->name, live);
		return;
	}
	kfree(c);
}
