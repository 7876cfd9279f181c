/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: the XArray subset used by core/ and by Linux 6.1's
 * drivers/iommu/ioasid.c (implemented in sim/kernel/xarray.c).
 *
 * Semantics follow the kernel's XArray:
 *   - an array made with XA_FLAGS_ALLOC hands out the lowest free index in an
 *     inclusive [min, max] (first fit, never cyclic unless xa_alloc_cyclic()
 *     is asked), and storing NULL there reserves the index (a "zero entry":
 *     xa_load() returns NULL, iteration skips it, xa_empty() is false, the
 *     index is not allocated again) until xa_erase();
 *   - in any other array storing NULL erases;
 *   - XA_FLAGS_ALLOC1 never hands out index 0;
 *   - readers (xa_load(), xa_find(), xa_for_each()) run under RCU only and
 *     may race with writers, who hold xa_lock;
 *   - an empty array owns no memory, so a structure embedding one may be
 *     freed without xa_destroy().
 * Only single-index entries and the XA_PRESENT filter are supported: no
 * marks, no multi-index entries, no xa_state API.
 */
#ifndef _SIM_LINUX_XARRAY_H
#define _SIM_LINUX_XARRAY_H

/*
 * What the kernel's <linux/xarray.h> brings in, directly or through
 * bitmap.h, sched/mm.h and spinlock.h (list.h comes that way), and what
 * Linux's ioasid.c relies on getting from it.
 */
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/kernel.h>
#include <linux/limits.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* ---- entries ------------------------------------------------------------- */

/*
 * An entry's two low bits tell what it is: 00 a pointer, x1 a value (an
 * integer shifted left by one), 10 an internal entry of the XArray itself
 * (the zero entry of a reserved index, an error code, a node).
 */
static inline void *xa_mk_value(unsigned long v)
{
	return (void *)((v << 1) | 1);
}

static inline unsigned long xa_to_value(const void *entry)
{
	return (unsigned long)entry >> 1;
}

static inline bool xa_is_value(const void *entry)
{
	return (unsigned long)entry & 1;
}

static inline void *xa_mk_internal(unsigned long v)
{
	return (void *)((v << 2) | 2);
}

static inline unsigned long xa_to_internal(const void *entry)
{
	return (unsigned long)entry >> 2;
}

static inline bool xa_is_internal(const void *entry)
{
	return ((unsigned long)entry & 3) == 2;
}

/* What a reserved index holds; xa_load() and friends report it as NULL. */
#define XA_ZERO_ENTRY		xa_mk_internal(257)

static inline bool xa_is_zero(const void *entry)
{
	return unlikely(entry == XA_ZERO_ENTRY);
}

/* An error from xa_store() and friends, encoded as an internal entry. */
static inline bool xa_is_err(const void *entry)
{
	return unlikely(xa_is_internal(entry) &&
			entry >= xa_mk_internal(-MAX_ERRNO));
}

/* The errno in @entry (0 if it is not an error). */
static inline int xa_err(void *entry)
{
	if (xa_is_err(entry))
		return (long)entry >> 2;
	return 0;
}

/* ---- arrays -------------------------------------------------------------- */

typedef unsigned int xa_mark_t;
#define XA_MARK_0		((xa_mark_t)0U)
#define XA_MARK_1		((xa_mark_t)1U)
#define XA_MARK_2		((xa_mark_t)2U)
#define XA_PRESENT		((xa_mark_t)8U)
#define XA_FREE_MARK		XA_MARK_0

#define XA_FLAGS_LOCK_IRQ	((gfp_t)1U)
#define XA_FLAGS_LOCK_BH	((gfp_t)2U)
#define XA_FLAGS_TRACK_FREE	((gfp_t)4U)
#define XA_FLAGS_ZERO_BUSY	((gfp_t)8U)
#define XA_FLAGS_ALLOC_WRAPPED	((gfp_t)16U)
#define XA_FLAGS_ACCOUNT	((gfp_t)32U)
#define XA_FLAGS_ALLOC		XA_FLAGS_TRACK_FREE
#define XA_FLAGS_ALLOC1		(XA_FLAGS_TRACK_FREE | XA_FLAGS_ZERO_BUSY)

/**
 * struct xarray - an array of pointers indexed by unsigned long.
 * @xa_lock: taken by the modifying functions; one lock class ("xa_lock")
 *	for every array.
 * @xa_flags: XA_FLAGS_*.
 * @xa_head: NULL, the entry at index 0, or (tagged) the root node.
 */
struct xarray {
	spinlock_t xa_lock;
	gfp_t xa_flags;
	void __rcu *xa_head;
};

/*
 * The one lock class of every xa_lock, static or initialised at run time
 * (sim/kernel/xarray.c). A static lock without a key would be a class of
 * its own, by address.
 */
extern struct lock_class_key __sim_xa_lock_key;

#define XARRAY_INIT(xa_name, flags) {					\
	.xa_lock = { .m = PTHREAD_MUTEX_INITIALIZER, .name = "xa_lock",	\
		     .key = &__sim_xa_lock_key },			\
	.xa_flags = (flags),						\
	.xa_head = NULL,						\
}

#define DEFINE_XARRAY_FLAGS(name, flags)				\
	struct xarray name = XARRAY_INIT(name, flags)
#define DEFINE_XARRAY(name)		DEFINE_XARRAY_FLAGS(name, 0)
#define DEFINE_XARRAY_ALLOC(name)	DEFINE_XARRAY_FLAGS(name, XA_FLAGS_ALLOC)
#define DEFINE_XARRAY_ALLOC1(name)	DEFINE_XARRAY_FLAGS(name, XA_FLAGS_ALLOC1)

/* Both static and dynamic arrays get the one lock class named "xa_lock". */
static inline void xa_init_flags(struct xarray *xa, gfp_t flags)
{
	__sim_spin_lock_init(&xa->xa_lock, "xa_lock", &__sim_xa_lock_key);
	xa->xa_flags = flags;
	xa->xa_head = NULL;
}

static inline void xa_init(struct xarray *xa)
{
	xa_init_flags(xa, 0);
}

/* True if nothing is stored in @xa, reserved entries included. Any context. */
static inline bool xa_empty(const struct xarray *xa)
{
	return __atomic_load_n(&xa->xa_head, __ATOMIC_RELAXED) == NULL;
}

/**
 * struct xa_limit - the range xa_alloc() may choose from.
 * @max: highest index, inclusive.
 * @min: lowest index, inclusive.
 */
struct xa_limit {
	u32 max;
	u32 min;
};

#define XA_LIMIT(_min, _max)	(struct xa_limit) { .min = _min, .max = _max }
#define xa_limit_32b		XA_LIMIT(0, UINT_MAX)
#define xa_limit_31b		XA_LIMIT(0, INT_MAX)
#define xa_limit_16b		XA_LIMIT(0, USHRT_MAX)

#define xa_trylock(xa)		spin_trylock(&(xa)->xa_lock)
#define xa_lock(xa)		spin_lock(&(xa)->xa_lock)
#define xa_unlock(xa)		spin_unlock(&(xa)->xa_lock)
#define xa_lock_bh(xa)		spin_lock_bh(&(xa)->xa_lock)
#define xa_unlock_bh(xa)	spin_unlock_bh(&(xa)->xa_lock)
#define xa_lock_irq(xa)		spin_lock_irq(&(xa)->xa_lock)
#define xa_unlock_irq(xa)	spin_unlock_irq(&(xa)->xa_lock)
#define xa_lock_irqsave(xa, flags)	spin_lock_irqsave(&(xa)->xa_lock, flags)
#define xa_unlock_irqrestore(xa, flags)					\
	spin_unlock_irqrestore(&(xa)->xa_lock, flags)

/* ---- API (sim/kernel/xarray.c) --------------------------------------------- */

void *xa_load(struct xarray *xa, unsigned long index);
void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *xa_erase(struct xarray *xa, unsigned long index);
void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
		 void *entry, gfp_t gfp);
int __must_check xa_insert(struct xarray *xa, unsigned long index,
			   void *entry, gfp_t gfp);
int __must_check xa_alloc(struct xarray *xa, u32 *id, void *entry,
			  struct xa_limit limit, gfp_t gfp);
int xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry,
		    struct xa_limit limit, u32 *next, gfp_t gfp);
void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max,
	      xa_mark_t filter);
void *xa_find_after(struct xarray *xa, unsigned long *indexp,
		    unsigned long max, xa_mark_t filter);
void xa_destroy(struct xarray *xa);

/* The same with xa_lock held by the caller (never dropped). */
void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp);
void *__xa_erase(struct xarray *xa, unsigned long index);
void *__xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
		   void *entry, gfp_t gfp);
int __must_check __xa_insert(struct xarray *xa, unsigned long index,
			     void *entry, gfp_t gfp);
int __must_check __xa_alloc(struct xarray *xa, u32 *id, void *entry,
			    struct xa_limit limit, gfp_t gfp);
int __xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry,
		      struct xa_limit limit, u32 *next, gfp_t gfp);

/* The shim's IRQs and softirqs are not real: the _irq and _bh forms are the plain ones. */
static inline void *xa_store_irq(struct xarray *xa, unsigned long index,
				 void *entry, gfp_t gfp)
{
	return xa_store(xa, index, entry, gfp);
}

static inline void *xa_store_bh(struct xarray *xa, unsigned long index,
				void *entry, gfp_t gfp)
{
	return xa_store(xa, index, entry, gfp);
}

static inline void *xa_erase_irq(struct xarray *xa, unsigned long index)
{
	return xa_erase(xa, index);
}

static inline void *xa_erase_bh(struct xarray *xa, unsigned long index)
{
	return xa_erase(xa, index);
}

static inline int __must_check xa_alloc_irq(struct xarray *xa, u32 *id,
					    void *entry, struct xa_limit limit,
					    gfp_t gfp)
{
	return xa_alloc(xa, id, entry, limit, gfp);
}

static inline int __must_check xa_alloc_bh(struct xarray *xa, u32 *id,
					   void *entry, struct xa_limit limit,
					   gfp_t gfp)
{
	return xa_alloc(xa, id, entry, limit, gfp);
}

static inline int __must_check xa_insert_irq(struct xarray *xa,
					     unsigned long index, void *entry,
					     gfp_t gfp)
{
	return xa_insert(xa, index, entry, gfp);
}

static inline int __must_check xa_insert_bh(struct xarray *xa,
					    unsigned long index, void *entry,
					    gfp_t gfp)
{
	return xa_insert(xa, index, entry, gfp);
}

/* Reserve @index (0, or -ENOMEM); a no-op if something is stored there. */
static inline __must_check int xa_reserve(struct xarray *xa,
					  unsigned long index, gfp_t gfp)
{
	return xa_err(xa_cmpxchg(xa, index, NULL, XA_ZERO_ENTRY, gfp));
}

/* Undo xa_reserve(); a no-op if a real entry was stored meanwhile. */
static inline void xa_release(struct xarray *xa, unsigned long index)
{
	xa_cmpxchg(xa, index, XA_ZERO_ENTRY, NULL, 0);
}

/*
 * Iterate over the present entries with index in [start, last], lowest index
 * first; reserved entries are skipped. Only RCU is taken, so the body may
 * modify the array (even erase the current entry) and may sleep.
 */
#define xa_for_each_range(xa, index, entry, start, last)		\
	for (index = (start),						\
	     entry = xa_find(xa, &index, last, XA_PRESENT);		\
	     entry;							\
	     entry = xa_find_after(xa, &index, last, XA_PRESENT))

#define xa_for_each_start(xa, index, entry, start)			\
	xa_for_each_range(xa, index, entry, start, ULONG_MAX)

#define xa_for_each(xa, index, entry)					\
	xa_for_each_start(xa, index, entry, 0)

#endif /* _SIM_LINUX_XARRAY_H */
