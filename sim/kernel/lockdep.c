// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: the lock checker's bookkeeping apart from taking
 * and releasing (lock.c): the lock-order graph and its AB-BA reports,
 * findings formatted under the state mutex and recorded after it, and
 * lockstat. The per-instance state is struct sim_lock_state (lock-int.h).
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
