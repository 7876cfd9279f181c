/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: the lock checker's per-instance state, shared by
 * lock.c (taking and releasing) and lockdep.c (the lock-order graph,
 * pending findings, lockstat). Not an API.
 */
#ifndef _SIM_LOCK_INT_H
#define _SIM_LOCK_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/compiler.h>
#include <linux/types.h>

#include "internal.h"

#define LOCK_HASH_BITS	8
#define LOCK_HASH_SIZE	(1u << LOCK_HASH_BITS)
#define LOCK_CACHE_BITS	6
#define LOCK_CACHE_SIZE	(1u << LOCK_CACHE_BITS)

struct sim_lock_class;

/* A spinlock_t or struct mutex, seen through its fields. */
struct lock_ref {
	void *lock;
	pthread_mutex_t *m;
	const char *name;
	const void *raw_key;		/* the lock's key field */
	void **owner;
	struct sim_lock_vt *vt;
	bool spin;
};

/* class @to was taken while class @from was held */
struct sim_lock_edge {
	struct sim_lock_class *to;
	const char *from_file;		/* where the held lock was taken */
	int from_line;
	const char *to_file;		/* where the new lock was taken */
	int to_line;
};

/*
 * The targets of a class's edges are kept apart from their details, packed,
 * so that the check at every acquisition ("is there an edge A -> B?") reads
 * a line or two, not one 40-byte record per edge.
 */
struct sim_lock_class {
	struct sim_lock_state *ls;	/* owning instance state */
	struct sim_lock_class **edge_to;	/* edges[i].to, packed */
	unsigned int nedges, edges_cap;
	const void *key;		/* lock_class_key, or a static lock's address */
	const char *name_id;		/* the lock's name pointer (static locks) */
	bool by_addr;			/* a static lock: key is its address */
	char *name;			/* copy: lock names may be built at run time */
	struct sim_lock_class *hnext;	/* hash chain */
	struct sim_lockstat st;		/* *_min_ns is U64_MAX while unset */
	struct sim_lock_edge *edges;
	unsigned long long mark;	/* DFS visit generation */
};

struct sim_lock_pair {
	const struct sim_lock_class *a, *b;
};

/*
 * A lock's class by its class key (see struct lock_ref) and name pointer:
 * equal pointers give the same class, so a hit skips the hash chain.
 * Emptied whenever the classes are freed.
 */
struct sim_lock_cache_ent {
	const void *key;
	const char *name;
	struct sim_lock_class *c;
};

struct sim_lock_state {
	struct sim_mu mu;
	unsigned long gen;		/* new at init and whenever the classes are freed */
	struct sim_lock_cache_ent cache[LOCK_CACHE_SIZE];
	struct sim_lock_class *hash[LOCK_HASH_SIZE];
	struct sim_lock_class **classes;	/* first-use order */
	size_t nclasses, classes_cap;
	struct sim_lock_pair *reported;		/* inversions already reported */
	size_t nreported, reported_cap;
	struct sim_lock_class **stack;		/* DFS work stack */
	size_t stack_cap;
	unsigned long long mark_gen;
};

/* A finding formatted under the state mutex, recorded after dropping it. */
struct pending_finding {
	bool set;
	enum sim_finding_kind kind;
	const char *file;
	int line;
	char msg[256];
};

/*
 * A class's counters are shared by every lock of the class. A coroutine
 * (one pthread runs them all) updates them with plain operations; a thread
 * in threads mode with relaxed atomics, without the state mutex (lock.c).
 * Readers (lockdep.c) load them atomically.
 */
static inline void stat_add(u64 *p, u64 v, bool co)
{
	if (co)
		*p += v;
	else
		__atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}

static inline void stat_min(u64 *p, u64 v, bool co)
{
	u64 cur;

	if (co) {
		if (v < *p)
			*p = v;
		return;
	}
	cur = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v < cur && !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

static inline void stat_max(u64 *p, u64 v, bool co)
{
	u64 cur;

	if (co) {
		if (v > *p)
			*p = v;
		return;
	}
	cur = __atomic_load_n(p, __ATOMIC_RELAXED);
	while (v > cur && !__atomic_compare_exchange_n(p, &cur, v, true, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

static inline void wait_account(struct sim_lockstat *st, u64 wait, bool co)
{
	stat_add(&st->wait_total_ns, wait, co);
	stat_min(&st->wait_min_ns, wait, co);
	stat_max(&st->wait_max_ns, wait, co);
}

static inline void hold_account(struct sim_lockstat *st, u64 hold, bool co)
{
	stat_add(&st->hold_total_ns, hold, co);
	stat_min(&st->hold_min_ns, hold, co);
	stat_max(&st->hold_max_ns, hold, co);
}

void __noreturn lock_oom(void);
void *lock_xrealloc(void *p, size_t n, size_t size);
/* The file name of @file, without directories ("?" for NULL). */
const char *lock_base_name(const char *file);
void lock_stat_clear(struct sim_lockstat *st);

/* Format a finding into @pf (under the state mutex) ... */
void lock_pending_set(struct pending_finding *pf, enum sim_finding_kind kind,
		      const char *file, int line, const char *fmt, ...) __printf(5, 6);
/* ... and record it in @k once the mutex is dropped. */
void lock_pending_flush(struct sim_kernel *k, struct pending_finding *pf);

/*
 * Find or create the class of @r (a finding, for a lock never initialised,
 * goes to @pf). Called with ls->mu held, or by a coroutine.
 */
struct sim_lock_class *class_get(struct sim_lock_state *ls, const struct lock_ref *r,
				 const char *file, int line, struct pending_finding *pf);

/* Is the order @held -> @c known already (an edge, or the same class)? Inline: the common case. */
static inline bool lock_order_known(const struct sim_held_lock *held,
				    const struct sim_lock_class *c)
{
	const struct sim_lock_class *a = held->class;

	if (a == c)
		return true;
	for (unsigned int i = 0; i < a->nedges; i++)
		if (a->edge_to[i] == c)
			return true;
	return false;
}

/*
 * The lock-order graph: @c taken while @held is held adds an edge, and an
 * AB-BA inversion (a path back from @c to @held's class) is reported into
 * @pf once per pair of classes.
 */
void lock_order_check(struct sim_lock_state *ls, const struct sim_held_lock *held,
		      struct sim_lock_class *c, const char *file, int line,
		      struct pending_finding *pf);

#endif /* _SIM_LOCK_INT_H */
