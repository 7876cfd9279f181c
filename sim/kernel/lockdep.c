// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: the lock checker's bookkeeping apart from taking
 * and releasing (lock.c): the instance's lock state and its classes, the
 * lock-order graph and its AB-BA reports, findings formatted under the
 * state mutex and recorded after it, and lockstat. The per-instance state is struct sim_lock_state (lock-int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/spinlock.h>

#include "internal.h"
#include "lock-int.h"

/* ---- helpers ------------------------------------------------------------------- */

void __noreturn lock_oom(void)
{
	fprintf(stderr, "pasidsim: lock.c: out of memory\n");
	abort();
}

void *lock_xrealloc(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (!p)
		lock_oom();
	return p;
}

const char *lock_base_name(const char *file)
{
	const char *s;

	if (!file)
		return "?";
	s = strrchr(file, '/');
	return s ? s + 1 : file;
}

void lock_pending_set(struct pending_finding *pf, enum sim_finding_kind kind,
			   const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	pf->set = true;
	pf->kind = kind;
	pf->file = file;
	pf->line = line;
	va_start(ap, fmt);
	vsnprintf(pf->msg, sizeof(pf->msg), fmt, ap);
	va_end(ap);
}

void lock_pending_flush(struct sim_kernel *k, struct pending_finding *pf)
{
	if (pf->set)
		sim_finding_add(k, pf->kind, pf->file, pf->line, "%s", pf->msg);
	pf->set = false;
}

/* ---- instance state ----------------------------------------------------------- */

/* Generations of lock states: never reused, so a stale memo never matches. */
static unsigned long lock_gen;

static unsigned long lock_gen_next(void)
{
	return __atomic_add_fetch(&lock_gen, 1, __ATOMIC_RELAXED);
}

void sim_lock_init(struct sim_kernel *k)
{
	struct sim_lock_state *ls = calloc(1, sizeof(*ls));

	if (!ls)
		lock_oom();
	ls->gen = lock_gen_next();
	k->locks = ls;
}

/* Free every class, edge and report of @ls. Called with ls->mu held or unshared. */
static void classes_free(struct sim_lock_state *ls)
{
	for (size_t i = 0; i < ls->nclasses; i++) {
		free(ls->classes[i]->edges);
		free(ls->classes[i]->edge_to);
		free(ls->classes[i]->name);
		free(ls->classes[i]);
	}
	free(ls->classes);
	free(ls->reported);
	free(ls->stack);
	ls->classes = NULL;
	ls->nclasses = ls->classes_cap = 0;
	ls->reported = NULL;
	ls->nreported = ls->reported_cap = 0;
	ls->stack = NULL;
	ls->stack_cap = 0;
	memset(ls->hash, 0, sizeof(ls->hash));
	memset(ls->cache, 0, sizeof(ls->cache));
	ls->gen = lock_gen_next();
}

void sim_lock_fini(struct sim_kernel *k)
{
	struct sim_lock_state *ls = k->locks;

	if (!ls)
		return;
	classes_free(ls);
	free(ls);
	k->locks = NULL;
}

/* Declared in <sim/task.h>: no task may hold a lock of @k. */
void sim_lock_reset(struct sim_kernel *k)
{
	struct sim_lock_state *ls = sim_k(k)->locks;

	sim_mu_lock(&ls->mu);
	classes_free(ls);
	sim_mu_unlock(&ls->mu);
}

/*
 * A statically defined lock (a name, no key) is classed by its own
 * address, as lockdep keys static locks.
 */
static inline bool ref_by_addr(const struct lock_ref *r)
{
	return !r->raw_key && r->name;
}

/*
 * The class key of @r: its lock_class_key or, for a static lock, its
 * address; NULL only for a lock that was never initialised.
 */
static inline const void *ref_key(const struct lock_ref *r)
{
	return r->raw_key ? r->raw_key : r->name ? r->lock : NULL;
}

static unsigned int class_hash(const void *key)
{
	unsigned long h = (unsigned long)key >> 3;

	h ^= h >> 17;
	return (unsigned int)(h * 2654435761u) >> (32 - LOCK_HASH_BITS);
}

/*
 * Same key; for a static lock also the same name pointer, so that two static
 * locks that lived at one stack address in turn are not mixed up. Locks
 * never initialised (no key) all share one class.
 */
static bool class_match(const struct sim_lock_class *c, const struct lock_ref *r)
{
	if (c->key != ref_key(r) || c->by_addr != ref_by_addr(r))
		return false;
	return !ref_by_addr(r) || c->name_id == r->name;
}

/* Atomic stores: threads may be counting meanwhile (see stat_add()). */
void lock_stat_clear(struct sim_lockstat *st)
{
	u64 *zero[] = { &st->acquisitions, &st->contentions, &st->wait_max_ns,
			&st->wait_total_ns, &st->hold_max_ns, &st->hold_total_ns };

	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		__atomic_store_n(zero[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->wait_min_ns, UINT64_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&st->hold_min_ns, UINT64_MAX, __ATOMIC_RELAXED);
}

static struct sim_lock_cache_ent *cache_slot(struct sim_lock_state *ls, const struct lock_ref *r)
{
	uintptr_t h = ((uintptr_t)ref_key(r) ^ (uintptr_t)r->name) >> 3;

	h ^= h >> 11;
	return &ls->cache[(unsigned int)(h * 2654435761u) >> (32 - LOCK_CACHE_BITS)];
}

/* Find or create the class of @r. Called with ls->mu held. */
struct sim_lock_class *class_get(struct sim_lock_state *ls, const struct lock_ref *r,
				 const char *file, int line, struct pending_finding *pf)
{
	struct sim_lock_cache_ent *ce = cache_slot(ls, r);
	unsigned int h;
	struct sim_lock_class *c;

	if (likely(ce->c && ce->key == ref_key(r) && ce->name == r->name))
		return ce->c;
	h = class_hash(ref_key(r));
	for (c = ls->hash[h]; c; c = c->hnext)
		if (class_match(c, r)) {
			ce->key = ref_key(r);
			ce->name = r->name;
			ce->c = c;
			return c;
		}

	c = calloc(1, sizeof(*c));
	if (!c)
		lock_oom();
	c->ls = ls;
	c->key = ref_key(r);
	c->name_id = r->name;
	c->by_addr = ref_by_addr(r);
	c->name = strdup(r->name ? r->name : "(uninitialised)");
	if (!c->name)
		lock_oom();
	c->st.name = c->name;
	lock_stat_clear(&c->st);
	c->hnext = ls->hash[h];
	ls->hash[h] = c;
	if (ls->nclasses == ls->classes_cap) {
		ls->classes_cap = ls->classes_cap ? 2 * ls->classes_cap : 16;
		ls->classes = lock_xrealloc(ls->classes, ls->classes_cap, sizeof(*ls->classes));
	}
	ls->classes[ls->nclasses++] = c;
	if (!r->name && !r->raw_key)
		lock_pending_set(pf, SIM_FINDING_LOCKDEP, file, line,
				 "%s %p used without %s at %s:%d", r->spin ? "spinlock" : "mutex",
				 r->lock, r->spin ? "spin_lock_init()" : "mutex_init()",
				 lock_base_name(file), line);
	return c;
}

/* ---- lock-order graph ------------------------------------------------------- */

static struct sim_lock_edge *edge_find(struct sim_lock_class *from, struct sim_lock_class *to)
{
	for (unsigned int i = 0; i < from->nedges; i++)
		if (from->edge_to[i] == to)
			return &from->edges[i];
	return NULL;
}

static void edge_add(struct sim_lock_class *from, struct sim_lock_class *to,
		     const struct sim_held_lock *held, const char *file, int line)
{
	struct sim_lock_edge *e;

	if (from->nedges == from->edges_cap) {
		from->edges_cap = from->edges_cap ? 2 * from->edges_cap : 4;
		from->edges = lock_xrealloc(from->edges, from->edges_cap, sizeof(*from->edges));
		from->edge_to = lock_xrealloc(from->edge_to, from->edges_cap, sizeof(*from->edge_to));
	}
	from->edge_to[from->nedges] = to;
	e = &from->edges[from->nedges++];
	e->to = to;
	e->from_file = held->file;
	e->from_line = held->line;
	e->to_file = file;
	e->to_line = line;
}

/* Is there a path @from -> ... -> @to? Called with ls->mu held. */
static bool path_exists(struct sim_lock_state *ls, struct sim_lock_class *from,
			struct sim_lock_class *to)
{
	unsigned long long gen = ++ls->mark_gen;
	size_t n = 0;

	if (ls->stack_cap < ls->nclasses) {
		ls->stack_cap = ls->classes_cap;
		ls->stack = lock_xrealloc(ls->stack, ls->stack_cap, sizeof(*ls->stack));
	}
	from->mark = gen;
	ls->stack[n++] = from;
	while (n) {
		struct sim_lock_class *c = ls->stack[--n];

		if (c == to)
			return true;
		for (unsigned int i = 0; i < c->nedges; i++) {
			struct sim_lock_class *d = c->edge_to[i];

			if (d->mark != gen) {
				d->mark = gen;
				ls->stack[n++] = d;
			}
		}
	}
	return false;
}

static bool pair_reported(struct sim_lock_state *ls, const struct sim_lock_class *a,
			  const struct sim_lock_class *b)
{
	for (size_t i = 0; i < ls->nreported; i++) {
		const struct sim_lock_pair *p = &ls->reported[i];

		if ((p->a == a && p->b == b) || (p->a == b && p->b == a))
			return true;
	}
	if (ls->nreported == ls->reported_cap) {
		ls->reported_cap = ls->reported_cap ? 2 * ls->reported_cap : 8;
		ls->reported = lock_xrealloc(ls->reported, ls->reported_cap, sizeof(*ls->reported));
	}
	ls->reported[ls->nreported++] = (struct sim_lock_pair){ a, b };
	return false;
}

/*
 * Class @c is being taken at @file:@line while @held is held: add the edge, or
 * report the inversion if @c already leads to the held class. Called with
 * ls->mu held.
 */
void lock_order_check(struct sim_lock_state *ls, const struct sim_held_lock *held,
		      struct sim_lock_class *c, const char *file, int line,
		      struct pending_finding *pf)
{
	struct sim_lock_class *a = (struct sim_lock_class *)held->class;
	struct sim_lock_edge *rev;

	if (a == c || edge_find(a, c))
		return;
	if (!path_exists(ls, c, a)) {
		edge_add(a, c, held, file, line);
		return;
	}
	/* Leave the graph acyclic: the inverted edge is not added. */
	if (pair_reported(ls, a, c) || pf->set)
		return;
	rev = edge_find(c, a);
	if (rev)
		lock_pending_set(pf, SIM_FINDING_LOCKDEP, file, line,
				 "possible circular locking dependency: "
				 "%s at %s:%d while holding %s (%s:%d); "
				 "earlier %s at %s:%d while holding %s (%s:%d)",
				 c->name, lock_base_name(file), line, a->name, lock_base_name(held->file),
				 held->line, a->name, lock_base_name(rev->to_file), rev->to_line,
				 c->name, lock_base_name(rev->from_file), rev->from_line);
	else
		lock_pending_set(pf, SIM_FINDING_LOCKDEP, file, line,
				 "possible circular locking dependency: "
				 "%s at %s:%d while holding %s (%s:%d); "
				 "earlier %s -> ... -> %s",
				 c->name, lock_base_name(file), line, a->name, lock_base_name(held->file),
				 held->line, c->name, a->name);
}

/* ---- lockstat ------------------------------------------------------------------------ */

/* Threads update the counters with relaxed atomics, without the state mutex (lock.c). */
static u64 stat_get(const u64 *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void stat_export(struct sim_lockstat *out, const struct sim_lockstat *in)
{
	out->name = in->name;
	out->acquisitions = stat_get(&in->acquisitions);
	out->contentions = stat_get(&in->contentions);
	out->wait_min_ns = stat_get(&in->wait_min_ns);
	out->wait_max_ns = stat_get(&in->wait_max_ns);
	out->wait_total_ns = stat_get(&in->wait_total_ns);
	out->hold_min_ns = stat_get(&in->hold_min_ns);
	out->hold_max_ns = stat_get(&in->hold_max_ns);
	out->hold_total_ns = stat_get(&in->hold_total_ns);
	if (out->wait_min_ns == UINT64_MAX)
		out->wait_min_ns = 0;
	if (out->hold_min_ns == UINT64_MAX)
		out->hold_min_ns = 0;
}

void sim_lockstat_foreach(struct sim_kernel *k, sim_lockstat_fn fn, void *arg)
{
	struct sim_lock_state *ls = sim_k(k)->locks;
	struct sim_lockstat *copy;
	size_t n;

	/* Copy first: @fn may take locks itself. */
	sim_mu_lock(&ls->mu);
	n = ls->nclasses;
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		lock_oom();
	for (size_t i = 0; i < n; i++)
		stat_export(&copy[i], &ls->classes[i]->st);
	sim_mu_unlock(&ls->mu);

	for (size_t i = 0; i < n; i++)
		fn(&copy[i], arg);
	free(copy);
}

void sim_lockstat_reset(struct sim_kernel *k)
{
	struct sim_lock_state *ls = sim_k(k)->locks;

	sim_mu_lock(&ls->mu);
	for (size_t i = 0; i < ls->nclasses; i++)
		lock_stat_clear(&ls->classes[i]->st);
	sim_mu_unlock(&ls->mu);
}
