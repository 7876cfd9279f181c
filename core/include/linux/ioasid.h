/* SPDX-License-Identifier: GPL-2.0 */
/*
 * I/O Address Space IDs (PASIDs, SSIDs): one system-wide ID space, with
 * optional custom allocators that take it over (e.g. a paravirtual IOMMU
 * asking its host). API-compatible with Linux 6.1's <linux/ioasid.h>.
 */
#ifndef __LINUX_IOASID_H
#define __LINUX_IOASID_H

#include <linux/errno.h>
#include <linux/types.h>

typedef u32 ioasid_t;

/* Never a valid ID: ioasid_alloc() returns it on failure. */
#define INVALID_IOASID ((ioasid_t)-1)

typedef ioasid_t (*ioasid_alloc_fn_t)(ioasid_t min, ioasid_t max, void *data);
typedef void (*ioasid_free_fn_t)(ioasid_t ioasid, void *data);

/*
 * A set is only a token: ioasid_find() compares it with the set an ID was
 * allocated in. It carries no quota and no list of IDs.
 */
struct ioasid_set {
	int dummy;
};

/**
 * struct ioasid_allocator_ops - a custom IOASID allocator
 * @alloc: returns an ID in [min, max] or %INVALID_IOASID; called with
 *         a spinlock held, so it must not sleep
 * @free:  releases an ID; called with the same spinlock held, while the ID
 *         can still be looked up with ioasid_find()
 * @list:  owned by the IOASID core while the ops are registered (links the
 *         ops that share one ID space)
 * @pdata: passed to @alloc and @free
 *
 * Ops with the same @alloc and @free functions share one ID space.
 */
struct ioasid_allocator_ops {
	ioasid_alloc_fn_t alloc;
	ioasid_free_fn_t free;
	struct list_head list;
	void *pdata;
};

#define DECLARE_IOASID_SET(name) struct ioasid_set name = { 0 }

#if IS_ENABLED(CONFIG_IOASID)
ioasid_t ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max,
		      void *private);
void ioasid_free(ioasid_t ioasid);
void *ioasid_find(struct ioasid_set *set, ioasid_t ioasid,
		  bool (*getter)(void *));
int ioasid_register_allocator(struct ioasid_allocator_ops *allocator);
void ioasid_unregister_allocator(struct ioasid_allocator_ops *allocator);
int ioasid_set_data(ioasid_t ioasid, void *data);

static inline bool pasid_valid(ioasid_t ioasid)
{
	return ioasid != INVALID_IOASID;
}

#else /* !CONFIG_IOASID */

static inline ioasid_t ioasid_alloc(struct ioasid_set *set, ioasid_t min,
				    ioasid_t max, void *private)
{
	return INVALID_IOASID;
}

static inline void ioasid_free(ioasid_t ioasid)
{
}

static inline void *ioasid_find(struct ioasid_set *set, ioasid_t ioasid,
				bool (*getter)(void *))
{
	return NULL;
}

static inline int ioasid_register_allocator(struct ioasid_allocator_ops *allocator)
{
	return -ENOTSUPP;
}

static inline void ioasid_unregister_allocator(struct ioasid_allocator_ops *allocator)
{
}

static inline int ioasid_set_data(ioasid_t ioasid, void *data)
{
	return -ENOTSUPP;
}

/* Without an allocator no ID is ever valid. */
static inline bool pasid_valid(ioasid_t ioasid)
{
	return false;
}

#endif /* CONFIG_IOASID */
#endif /* __LINUX_IOASID_H */
