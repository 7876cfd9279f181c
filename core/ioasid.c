// SPDX-License-Identifier: GPL-2.0
/*
 * I/O Address Space ID allocator.
 *
 * One ID space serves the whole system. By default IDs come from an XArray in
 * ALLOC mode (the lowest free ID in [min, max]). A custom allocator, such as
 * the VT-d virtual command interface of a guest that asks its host, can take
 * the space over: it then picks every ID, and an XArray of its own only tracks
 * what it handed out.
 *
 * Results and error codes are those of Linux 6.1's drivers/iommu/ioasid.c.
 * Where that code is memory-unsafe, this one is not; docs/flavours.md lists
 * each difference and the test that shows it.
 */
#include <linux/bits.h>
#include <linux/bug.h>
#include <linux/ioasid.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

/*
 * Developer's notes.
 *
 * Spaces. The default space always exists and is never registered, so early
 * boot code may allocate before any driver registers an allocator. Each
 * distinct pair of (alloc, free) functions registered gets a custom space;
 * ops with the same pair but other pdata join that space and share its IDs
 * (several vIOMMUs of one guest talking to one host). The space calls its
 * functions with the pdata of its lead ops: the earliest registered of its
 * users still registered. The first custom space registered becomes active,
 * but only while the default space is empty; spaces registered later wait in
 * registration order and take over when the active one goes away.
 *
 * Locking. ioasid_allocator_lock serialises every change: registration, ID
 * allocation and release, private data updates. It is a spinlock, so memory
 * is allocated with GFP_ATOMIC under it, and custom allocator functions run
 * with it held. ioasid_find() takes no lock: it reads the active space and
 * the ID records under RCU, so both are freed only after a grace period.
 */

/**
 * struct ioasid_data - what the space records for one allocated ID
 * @id:      the ID
 * @set:     the set it was allocated in, checked by ioasid_find()
 * @private: the caller's data, returned by ioasid_find()
 * @rcu:     frees the record once lock-free readers are done with it
 */
struct ioasid_data {
	ioasid_t id;
	struct ioasid_set *set;
	void __rcu *private;
	struct rcu_head rcu;
};

/* ioasid_space.flags: a custom allocator picks the IDs, the XArray tracks them */
#define IOASID_SPACE_CUSTOM	BIT(0)

/**
 * struct ioasid_space - an ID space and the allocator that fills it
 * @ops:   custom space: the lead ops, whose functions and pdata serve it
 * @node:  custom space: entry in ioasid_custom_spaces
 * @users: custom space: the registered ops sharing it, linked by their ->list
 * @flags: %IOASID_SPACE_CUSTOM or 0
 * @xa:    every ID handed out, mapped to its struct ioasid_data
 * @rcu:   frees the space once lock-free readers are done with it
 */
struct ioasid_space {
	struct ioasid_allocator_ops *ops;
	struct list_head node;
	struct list_head users;
	unsigned long flags;
	struct xarray xa;
	struct rcu_head rcu;
};

static DEFINE_SPINLOCK(ioasid_allocator_lock);
/* Custom spaces in registration order */
static LIST_HEAD(ioasid_custom_spaces);

static struct ioasid_space default_space = {
	.xa = XARRAY_INIT(default_space.xa, XA_FLAGS_ALLOC),
};

/* The space ioasid_alloc(), ioasid_free() and ioasid_find() work on */
static struct ioasid_space __rcu *active_space = &default_space;

static struct ioasid_space *active_locked(void)
{
	return rcu_dereference_protected(active_space,
					 lockdep_is_held(&ioasid_allocator_lock));
}

static bool space_is_custom(const struct ioasid_space *space)
{
	return space->flags & IOASID_SPACE_CUSTOM;
}

/*
 * The lowest free ID of the default space in [@min, @max], or INVALID_IOASID.
 * INVALID_IOASID itself is never handed out: it would read as a failure, and
 * the caller could never free it.
 */
static ioasid_t default_alloc(struct ioasid_data *data, ioasid_t min, ioasid_t max)
{
	ioasid_t last = min_t(ioasid_t, max, INVALID_IOASID - 1);
	u32 id;

	if (min > last ||
	    xa_alloc(&default_space.xa, &id, data, XA_LIMIT(min, last), GFP_ATOMIC)) {
		pr_err("Failed to alloc ioasid from %u to %u\n", min, max);
		return INVALID_IOASID;
	}
	return id;
}

/*
 * Track in @space the @id its custom allocator picked. If that fails (the ID
 * is already tracked, or no memory), the ID goes back to the allocator.
 */
static int custom_track(struct ioasid_space *space, struct ioasid_data *data,
			ioasid_t id)
{
	u32 slot;
	int ret;

	data->id = id;
	ret = xa_alloc(&space->xa, &slot, data, XA_LIMIT(id, id), GFP_ATOMIC);
	if (ret) {
		pr_err("Failed to alloc ioasid from %u\n", id);
		space->ops->free(id, space->ops->pdata);
	}
	return ret;
}

/* ioasid_alloc() with ioasid_allocator_lock held: publish @data under a new ID */
static ioasid_t __ioasid_alloc(struct ioasid_data *data, ioasid_t min, ioasid_t max)
{
	struct ioasid_space *space = active_locked();
	ioasid_t id;

	lockdep_assert_held(&ioasid_allocator_lock);
	if (!space_is_custom(space)) {
		id = default_alloc(data, min, max);
		if (id != INVALID_IOASID)
			data->id = id;
	} else {
		id = space->ops->alloc(min, max, space->ops->pdata);
		if (id != INVALID_IOASID && custom_track(space, data, id))
			return INVALID_IOASID;
	}
	if (id == INVALID_IOASID)
		pr_err("Failed ASID allocation %lu\n", space->flags);
	return id;
}

/**
 * ioasid_alloc() - Allocate an I/O address space ID.
 * @set: the set the ID belongs to, checked by ioasid_find() (may be NULL)
 * @min: the lowest acceptable ID
 * @max: the highest acceptable ID
 * @private: data the caller keeps with the ID, returned by ioasid_find()
 *
 * The default allocator hands out the lowest free ID in [@min, @max]; nothing
 * keeps it from handing out 0, so callers that reserve 0 pass @min >= 1. With
 * a custom allocator active, the ID is whatever its alloc() returns (called
 * with @min, @max and the pdata of its ops), tracked here unless it already
 * is, in which case it is handed back to the allocator's free().
 *
 * Context: Process context. Takes and releases ioasid_allocator_lock, under
 * which a custom alloc() and free() run. Does not sleep (GFP_ATOMIC).
 * Return: the new ID, or %INVALID_IOASID if the range holds no free ID,
 * memory ran out, or the custom allocator failed.
 */
ioasid_t ioasid_alloc(struct ioasid_set *set, ioasid_t min, ioasid_t max,
		      void *private)
{
	struct ioasid_data *data;
	ioasid_t id;

	data = kzalloc(sizeof(*data), GFP_ATOMIC);
	if (!data)
		return INVALID_IOASID;
	data->set = set;
	RCU_INIT_POINTER(data->private, private);

	spin_lock(&ioasid_allocator_lock);
	id = __ioasid_alloc(data, min, max);
	spin_unlock(&ioasid_allocator_lock);

	if (id == INVALID_IOASID)
		kfree(data);
	return id;
}
EXPORT_SYMBOL_GPL(ioasid_alloc);

/**
 * ioasid_free() - Free an I/O address space ID.
 * @ioasid: the ID, as returned by ioasid_alloc()
 *
 * There is no ownership check: any caller may free any ID of the active
 * space. An ID the active space does not hold is only logged. With a custom
 * allocator active, its free() runs first, while ioasid_find() still returns
 * the ID's private data; then the ID is forgotten. Lock-free readers may use
 * the ID's record until the next RCU grace period.
 *
 * Context: Process context. Takes and releases ioasid_allocator_lock, under
 * which a custom free() runs. Does not sleep.
 */
void ioasid_free(ioasid_t ioasid)
{
	struct ioasid_space *space;
	struct ioasid_data *data;

	spin_lock(&ioasid_allocator_lock);
	space = active_locked();
	data = xa_load(&space->xa, ioasid);
	if (!data) {
		pr_err("Trying to free unknown IOASID %u\n", ioasid);
		goto out_unlock;
	}
	/* VT-d refuses to free an ID whose private data it can still find. */
	if (space_is_custom(space))
		space->ops->free(ioasid, space->ops->pdata);
	xa_erase(&space->xa, ioasid);
	kfree_rcu(data, rcu);
out_unlock:
	spin_unlock(&ioasid_allocator_lock);
}
EXPORT_SYMBOL_GPL(ioasid_free);

/**
 * ioasid_find() - Look up the private data of an I/O address space ID.
 * @set: the set the ID must belong to, or NULL to accept any set
 * @ioasid: the ID
 * @getter: if not NULL, called on the private data before it is returned,
 *          e.g. to take a reference; returning false makes the result NULL
 *
 * Only the active space is searched.
 *
 * Context: Any context. Takes and releases the RCU read lock, inside which
 * @getter runs, so @getter must not sleep.
 * Return:
 * * the private data (which may be NULL) - the ID is allocated in @set
 * * NULL - @getter returned false
 * * ERR_PTR(-ENOENT) - the ID is not allocated
 * * ERR_PTR(-EACCES) - @set is not NULL and the ID belongs to another set
 */
void *ioasid_find(struct ioasid_set *set, ioasid_t ioasid,
		  bool (*getter)(void *))
{
	struct ioasid_space *space;
	struct ioasid_data *data;
	void *private;

	rcu_read_lock();
	space = rcu_dereference(active_space);
	data = xa_load(&space->xa, ioasid);
	if (!data) {
		private = ERR_PTR(-ENOENT);
		goto out_unlock;
	}
	if (set && data->set != set) {
		private = ERR_PTR(-EACCES);
		goto out_unlock;
	}
	private = rcu_dereference(data->private);
	if (getter && !getter(private))
		private = NULL;
out_unlock:
	rcu_read_unlock();
	return private;
}
EXPORT_SYMBOL_GPL(ioasid_find);

/**
 * ioasid_set_data() - Replace the private data of an I/O address space ID.
 * @ioasid: the ID
 * @data: the new private data (may be NULL)
 *
 * There is no set check. On success, lock-free readers that may still see the
 * old data have finished when this returns, so the caller may free it.
 *
 * Context: Process context. Takes and releases ioasid_allocator_lock, then
 * waits for an RCU grace period: sleeps.
 * Return: 0 on success, or -ENOENT if the active space does not hold @ioasid.
 */
int ioasid_set_data(ioasid_t ioasid, void *data)
{
	struct ioasid_data *record;

	spin_lock(&ioasid_allocator_lock);
	record = xa_load(&active_locked()->xa, ioasid);
	if (record)
		rcu_assign_pointer(record->private, data);
	spin_unlock(&ioasid_allocator_lock);

	if (!record)
		return -ENOENT;
	synchronize_rcu();
	return 0;
}
EXPORT_SYMBOL_GPL(ioasid_set_data);

/* The custom space served by the functions of @ops, or NULL */
static struct ioasid_space *find_custom_space(const struct ioasid_allocator_ops *ops)
{
	struct ioasid_space *space;

	list_for_each_entry(space, &ioasid_custom_spaces, node) {
		if (space->ops->alloc == ops->alloc && space->ops->free == ops->free)
			return space;
	}
	return NULL;
}

static bool space_has_user(struct ioasid_space *space,
			   const struct ioasid_allocator_ops *ops)
{
	struct ioasid_allocator_ops *user;

	list_for_each_entry(user, &space->users, list) {
		if (user == ops)
			return true;
	}
	return false;
}

/* Make @space a custom space served by @ops, its first user */
static void space_init_custom(struct ioasid_space *space,
			      struct ioasid_allocator_ops *ops)
{
	space->ops = ops;
	space->flags = IOASID_SPACE_CUSTOM;
	xa_init_flags(&space->xa, XA_FLAGS_ALLOC);
	INIT_LIST_HEAD(&space->users);
	list_add_tail(&ops->list, &space->users);
}

/**
 * ioasid_register_allocator() - Register a custom IOASID allocator.
 * @ops: the allocator's functions and data; must stay valid until
 *       ioasid_unregister_allocator(@ops) returns
 *
 * The first custom allocator takes over ID allocation from the default one,
 * which must hold no ID at that point. Allocators registered later wait, in
 * registration order, for the ones before them to be unregistered. Ops with
 * the same alloc() and free() functions as registered ops share their ID
 * space and its IDs, and are called with the pdata of the earliest of them
 * still registered. Registering ops that already share a space again changes
 * nothing and returns 0, as in Linux 6.1.
 *
 * Context: Process context. Takes and releases ioasid_allocator_lock. Does
 * not sleep (GFP_ATOMIC).
 * Return:
 * * 0 - @ops are registered
 * * -ENOMEM - out of memory (checked first, whatever the other outcome)
 * * -EAGAIN - no custom allocator yet and the default one holds IDs
 * * -EEXIST - @ops are already registered and serve their space
 */
int ioasid_register_allocator(struct ioasid_allocator_ops *ops)
{
	struct ioasid_space *space;
	struct ioasid_space *new;
	int ret = 0;

	spin_lock(&ioasid_allocator_lock);
	new = kzalloc(sizeof(*new), GFP_ATOMIC);
	if (!new) {
		ret = -ENOMEM;
		goto out_unlock;
	}

	if (list_empty(&ioasid_custom_spaces) && !xa_empty(&default_space.xa)) {
		/* Taking over would orphan the default allocator's IDs. */
		pr_warn("Default allocator active with outstanding IOASID\n");
		ret = -EAGAIN;
		goto out_free;
	}

	space = find_custom_space(ops);
	if (!space) {
		space_init_custom(new, ops);
		if (list_empty(&ioasid_custom_spaces))
			rcu_assign_pointer(active_space, new);
		list_add_tail(&new->node, &ioasid_custom_spaces);
		goto out_unlock;
	}

	if (space->ops == ops) {
		pr_err("IOASID allocator already registered\n");
		ret = -EEXIST;
	} else if (!space_has_user(space, ops)) {
		list_add_tail(&ops->list, &space->users);
	}
out_free:
	kfree(new);
out_unlock:
	spin_unlock(&ioasid_allocator_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(ioasid_register_allocator);

/*
 * Release the records of IDs still allocated in @space, which is going away.
 * Lock-free readers may still walk it: records and nodes go after a grace
 * period.
 */
static void release_orphans(struct ioasid_space *space)
{
	struct ioasid_data *data;
	unsigned long index;

	xa_for_each(&space->xa, index, data)
		kfree_rcu(data, rcu);
	xa_destroy(&space->xa);
}

/* Unlink @space, which lost its last user, and hand its role on */
static void retire_space(struct ioasid_space *space)
{
	struct ioasid_space *next;

	list_del(&space->node);
	/* Its IDs are orphaned: no space will ever find or free them again. */
	if (WARN_ON(!xa_empty(&space->xa)))
		release_orphans(space);
	if (list_empty(&ioasid_custom_spaces)) {
		pr_info("No custom IOASID allocators, switch to default.\n");
		rcu_assign_pointer(active_space, &default_space);
	} else if (space == active_locked()) {
		next = list_first_entry(&ioasid_custom_spaces, struct ioasid_space, node);
		rcu_assign_pointer(active_space, next);
		pr_info("IOASID allocator changed\n");
	}
	kfree_rcu(space, rcu);
}

/**
 * ioasid_unregister_allocator() - Unregister a custom IOASID allocator.
 * @ops: ops given to ioasid_register_allocator()
 *
 * If other ops share the space of @ops, the space and its IDs stay, served
 * by the earliest registered of them. Otherwise the space goes away: if it
 * was active, the earliest registered remaining custom allocator takes over,
 * or the default one if none remains. IDs still allocated in a space that
 * goes away are orphaned (with a warning): they should all be freed first.
 * Ops that are not registered change nothing.
 *
 * Context: Process context. Takes and releases ioasid_allocator_lock. Does
 * not sleep.
 */
void ioasid_unregister_allocator(struct ioasid_allocator_ops *ops)
{
	struct ioasid_space *space;

	spin_lock(&ioasid_allocator_lock);
	if (list_empty(&ioasid_custom_spaces)) {
		pr_warn("No custom IOASID allocators active!\n");
		goto out_unlock;
	}

	space = find_custom_space(ops);
	if (!space || !space_has_user(space, ops))
		goto out_unlock;

	list_del(&ops->list);
	if (list_empty(&space->users))
		retire_space(space);
	else if (space->ops == ops)
		space->ops = list_first_entry(&space->users,
					      struct ioasid_allocator_ops, list);
out_unlock:
	spin_unlock(&ioasid_allocator_lock);
}
EXPORT_SYMBOL_GPL(ioasid_unregister_allocator);

MODULE_DESCRIPTION("I/O Address Space ID (IOASID) allocator");
MODULE_LICENSE("GPL");
