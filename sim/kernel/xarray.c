// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: the XArray (see <linux/xarray.h> for the API).
 *
 * Layout. A radix tree of 64-slot nodes. xa_head is NULL (empty), a plain
 * entry (only index 0 is used: no node at all) or a tagged pointer to the
 * root node. A node of shift s maps index bits [s, s + 6) to its slots; a
 * leaf (s = 0) holds entries, other nodes hold child nodes. The tree is as
 * tall as the highest index needs and shrinks back when entries go away;
 * a node whose last slot empties is released, so an empty array owns no
 * memory.
 *
 * Bitmaps (writers only, under xa_lock). @used has a bit per non-NULL slot.
 * @full has a bit per slot with no free index below it: a used leaf slot,
 * or a child node whose @full is all ones. The lowest free index at or
 * above some min is found by walking down along clear @full bits, at most
 * one failed descent per level, instead of scanning indices.
 *
 * Concurrency. Writers hold xa_lock. Readers (xa_load, xa_find) hold only
 * rcu_read_lock() and follow xa_head and slots with acquire loads; writers
 * publish with release stores, fill a node before linking it, never write
 * a slot of a node once it is unlinked, and free nodes with kfree_rcu().
 * A node's shift is set before it is published and never changes.
 *
 * Allocation. Nodes come from the shim's kmalloc with the caller's gfp, so
 * slab accounting and fault injection see them. Every node a store needs is
 * allocated before the tree is touched, so a failed allocation (-ENOMEM)
 * leaves the array exactly as it was.
 *
 * Sleeping-context check. The kernel drops xa_lock to make a blocking
 * allocation; this shim allocates inside the lock instead. So the entry
 * points that take xa_lock first run might_sleep_if(gfpflags_allow_blocking)
 * themselves, which reports a caller in atomic context as the kernel would,
 * and then allocate with __GFP_DIRECT_RECLAIM cleared, so that the slab's
 * own might_sleep check does not count xa_lock, which the kernel would not
 * be holding. A consequence: slab fault injection restricted to atomic
 * allocations also hits xarray nodes.
 *
 * Differences from the kernel, none visible through this API: an ALLOC1
 * array does not keep a reserved entry at index 0 inside its nodes (the
 * kernel does, which makes xa_insert() at index 0 of a non-empty ALLOC1
 * array fail with -EBUSY), and *id is left unchanged when xa_alloc() fails.
 */
#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/xarray.h>

/* Every xa_lock's class, as in xarray.h: one class "xa_lock" for all arrays. */
struct lock_class_key __sim_xa_lock_key;

#define XA_CHUNK_SHIFT	6
#define XA_CHUNK_SIZE	(1U << XA_CHUNK_SHIFT)
#define XA_CHUNK_MASK	(XA_CHUNK_SIZE - 1)
#define XA_INDEX_BITS	(8 * (unsigned int)sizeof(unsigned long))
#define XA_ALL_FULL	(~0UL)
/* Enough nodes for any store: a leaf for the old head entry, growth, a path. */
#define XA_MAX_NEW	(2 * (XA_INDEX_BITS / XA_CHUNK_SHIFT + 1) + 1)

struct xa_node {
	struct xa_node *parent;
	unsigned char shift;
	unsigned char offset;		/* slot in parent */
	unsigned long used;
	unsigned long full;
	struct rcu_head rcu;
	void __rcu *slots[XA_CHUNK_SIZE];
};

_Static_assert(sizeof(unsigned long) * 8 == XA_CHUNK_SIZE,
	       "one bitmap word per node");

/* Nodes sit in xa_head tagged as internal entries above 4096. */
static inline bool xa_is_node(const void *entry)
{
	return xa_is_internal(entry) && (unsigned long)entry > 4096;
}

static inline struct xa_node *xa_to_node(const void *entry)
{
	return (struct xa_node *)((unsigned long)entry - 2);
}

static inline void *xa_mk_node(const struct xa_node *node)
{
	return (void *)((unsigned long)node | 2);
}

/* Entries a caller may store: anything but our internal entries, except XA_ZERO_ENTRY. */
static inline bool xa_bad_entry(const void *entry)
{
	return xa_is_internal(entry) && !xa_is_zero(entry);
}

static inline bool xa_track_free(const struct xarray *xa)
{
	return xa->xa_flags & XA_FLAGS_TRACK_FREE;
}

static inline void *xa_zero_to_null(void *entry)
{
	return xa_is_zero(entry) ? NULL : entry;
}

/* Mask of the index bits below a node of @shift; its highest index if it is the root. */
static inline unsigned long xa_span_mask(unsigned int shift)
{
	if (shift + XA_CHUNK_SHIFT >= XA_INDEX_BITS)
		return ~0UL;
	return (1UL << (shift + XA_CHUNK_SHIFT)) - 1;
}

static inline unsigned int xa_offset(unsigned long index, unsigned int shift)
{
	return (index >> shift) & XA_CHUNK_MASK;
}

/* Shift of the smallest root that holds @index (> 0). */
static unsigned int xa_root_shift(unsigned long index)
{
	unsigned int shift = 0;

	while (index > xa_span_mask(shift))
		shift += XA_CHUNK_SHIFT;
	return shift;
}

static inline void *xa_head_locked(const struct xarray *xa)
{
	return rcu_dereference_protected(xa->xa_head, 1);
}

static inline void *xa_slot_locked(const struct xa_node *node, unsigned int off)
{
	return rcu_dereference_protected(node->slots[off], 1);
}

/* ---- node allocation ------------------------------------------------------ */

struct xa_pool {
	unsigned int n;
	struct xa_node *nodes[XA_MAX_NEW];
};

static struct xa_node *xa_node_alloc(gfp_t gfp)
{
	return kmalloc(sizeof(struct xa_node), gfp | __GFP_ZERO);
}

static void xa_pool_release(struct xa_pool *pool)
{
	while (pool->n)
		kfree(pool->nodes[--pool->n]);
}

/* Allocate @want nodes, all or none; see the top comment for the gfp. */
static int xa_pool_fill(struct xarray *xa, struct xa_pool *pool,
			unsigned int want, gfp_t gfp)
{
	gfp &= ~__GFP_DIRECT_RECLAIM;
	if (xa->xa_flags & XA_FLAGS_ACCOUNT)
		gfp |= __GFP_ACCOUNT;
	pool->n = 0;
	while (pool->n < want) {
		struct xa_node *node = xa_node_alloc(gfp);

		if (!node) {
			xa_pool_release(pool);
			return -ENOMEM;
		}
		pool->nodes[pool->n++] = node;
	}
	return 0;
}

static struct xa_node *xa_pool_take(struct xa_pool *pool, unsigned int shift,
				    struct xa_node *parent, unsigned int offset)
{
	struct xa_node *node;

	BUG_ON(!pool->n);
	node = pool->nodes[--pool->n];
	node->shift = shift;
	node->parent = parent;
	node->offset = offset;
	return node;
}

static void xa_node_free(struct xa_node *node)
{
	kfree_rcu(node, rcu);
}

/* ---- bitmaps ------------------------------------------------------------------ */

/* Slot @off of @node became used (leaf) or its child became full. */
static void xa_mark_full(struct xa_node *node, unsigned int off)
{
	node->full |= 1UL << off;
	while (node->full == XA_ALL_FULL && node->parent) {
		node->parent->full |= 1UL << node->offset;
		node = node->parent;
	}
}

/* Slot @off of @node has a free index again. */
static void xa_mark_free(struct xa_node *node, unsigned int off)
{
	bool was_full = node->full == XA_ALL_FULL;

	node->full &= ~(1UL << off);
	while (was_full && node->parent) {
		struct xa_node *parent = node->parent;

		was_full = parent->full == XA_ALL_FULL;
		parent->full &= ~(1UL << node->offset);
		node = parent;
	}
}

/* ---- writer-side walk ------------------------------------------------------ */

/* The leaf that would hold @index, or NULL; xa_lock held, head is a node. */
static struct xa_node *xa_leaf_locked(struct xarray *xa, unsigned long index)
{
	void *head = xa_head_locked(xa);
	struct xa_node *node;

	if (!xa_is_node(head))
		return NULL;
	node = xa_to_node(head);
	if (index > xa_span_mask(node->shift))
		return NULL;
	while (node && node->shift)
		node = xa_slot_locked(node, xa_offset(index, node->shift));
	return node;
}

/* The entry at @index as stored (zero entries included); xa_lock held. */
static void *xa_get_locked(struct xarray *xa, unsigned long index)
{
	void *head = xa_head_locked(xa);
	struct xa_node *leaf;

	if (!xa_is_node(head))
		return index ? NULL : head;
	leaf = xa_leaf_locked(xa, index);
	return leaf ? xa_slot_locked(leaf, xa_offset(index, 0)) : NULL;
}

/* How many nodes storing a non-NULL entry at @index needs. */
static unsigned int xa_nodes_needed(struct xarray *xa, unsigned long index)
{
	void *head = xa_head_locked(xa);
	struct xa_node *node;
	unsigned int top;

	if (!xa_is_node(head)) {
		if (!index)
			return 0;
		top = xa_root_shift(index) / XA_CHUNK_SHIFT;
		/* the old entry at 0 needs its own path below the new root */
		return head ? 2 * top + 1 : top + 1;
	}
	node = xa_to_node(head);
	if (index > xa_span_mask(node->shift)) {
		top = xa_root_shift(index);
		return (top - node->shift) / XA_CHUNK_SHIFT + top / XA_CHUNK_SHIFT;
	}
	while (node->shift) {
		struct xa_node *child = xa_slot_locked(node, xa_offset(index, node->shift));

		if (!child)
			return node->shift / XA_CHUNK_SHIFT;
		node = child;
	}
	return 0;
}

/* Make the root cover @index, taking nodes from @pool; head is not NULL. */
static struct xa_node *xa_grow(struct xarray *xa, unsigned long index,
			       struct xa_pool *pool)
{
	void *head = xa_head_locked(xa);
	struct xa_node *root;

	if (!xa_is_node(head)) {
		/* move the entry at index 0 into a leaf */
		root = xa_pool_take(pool, 0, NULL, 0);
		RCU_INIT_POINTER(root->slots[0], head);
		root->used = 1;
		root->full = 1;
		rcu_assign_pointer(xa->xa_head, xa_mk_node(root));
	} else {
		root = xa_to_node(head);
	}
	while (index > xa_span_mask(root->shift)) {
		struct xa_node *top = xa_pool_take(pool, root->shift + XA_CHUNK_SHIFT,
						   NULL, 0);

		RCU_INIT_POINTER(top->slots[0], root);
		top->used = 1;
		top->full = root->full == XA_ALL_FULL;
		root->parent = top;
		root->offset = 0;
		rcu_assign_pointer(xa->xa_head, xa_mk_node(top));
		root = top;
	}
	return root;
}

/* The leaf for @index, creating what is missing from @pool; index > 0 or a node head. */
static struct xa_node *xa_create(struct xarray *xa, unsigned long index,
				 struct xa_pool *pool)
{
	struct xa_node *node;

	if (!xa_head_locked(xa)) {
		node = xa_pool_take(pool, xa_root_shift(index), NULL, 0);
		rcu_assign_pointer(xa->xa_head, xa_mk_node(node));
	} else {
		node = xa_grow(xa, index, pool);
	}
	while (node->shift) {
		unsigned int off = xa_offset(index, node->shift);
		struct xa_node *child = xa_slot_locked(node, off);

		if (!child) {
			child = xa_pool_take(pool, node->shift - XA_CHUNK_SHIFT, node, off);
			rcu_assign_pointer(node->slots[off], child);
			node->used |= 1UL << off;
		}
		node = child;
	}
	return node;
}

/* Store a non-NULL @entry at @index; the old entry, or an error entry. */
static void *xa_set(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	struct xa_pool pool;
	struct xa_node *leaf;
	unsigned int off = xa_offset(index, 0);
	void *old;
	int err;

	if (!index && !xa_is_node(xa_head_locked(xa))) {
		old = xa_head_locked(xa);
		rcu_assign_pointer(xa->xa_head, entry);
		return old;
	}
	err = xa_pool_fill(xa, &pool, xa_nodes_needed(xa, index), gfp);
	if (err)
		return xa_mk_internal(err);
	leaf = xa_create(xa, index, &pool);
	WARN_ON(pool.n);
	xa_pool_release(&pool);

	old = xa_slot_locked(leaf, off);
	rcu_assign_pointer(leaf->slots[off], entry);
	if (!old) {
		leaf->used |= 1UL << off;
		xa_mark_full(leaf, off);
	}
	return old;
}

/* Release empty nodes from @node up, then lower the tree while only slot 0 is used. */
static void xa_prune(struct xarray *xa, struct xa_node *node)
{
	struct xa_node *root;

	while (node && !node->used) {
		struct xa_node *parent = node->parent;

		if (parent) {
			rcu_assign_pointer(parent->slots[node->offset], NULL);
			parent->used &= ~(1UL << node->offset);
		} else {
			rcu_assign_pointer(xa->xa_head, NULL);
		}
		xa_node_free(node);
		node = parent;
	}
	while (xa_is_node(xa_head_locked(xa))) {
		root = xa_to_node(xa_head_locked(xa));
		if (root->used != 1)
			break;
		if (root->shift) {
			struct xa_node *child = xa_slot_locked(root, 0);

			child->parent = NULL;
			rcu_assign_pointer(xa->xa_head, xa_mk_node(child));
		} else {
			rcu_assign_pointer(xa->xa_head, xa_slot_locked(root, 0));
		}
		xa_node_free(root);
	}
}

/* Remove whatever is at @index (zero entries too); the old entry as stored. */
static void *xa_clear(struct xarray *xa, unsigned long index)
{
	void *head = xa_head_locked(xa);
	unsigned int off = xa_offset(index, 0);
	struct xa_node *leaf;
	void *old;

	if (!xa_is_node(head)) {
		if (index || !head)
			return NULL;
		rcu_assign_pointer(xa->xa_head, NULL);
		return head;
	}
	leaf = xa_leaf_locked(xa, index);
	if (!leaf)
		return NULL;
	old = xa_slot_locked(leaf, off);
	if (!old)
		return NULL;
	rcu_assign_pointer(leaf->slots[off], NULL);
	leaf->used &= ~(1UL << off);
	xa_mark_free(leaf, off);
	xa_prune(xa, leaf);
	return old;
}

/* ---- lowest free index ---------------------------------------------------- */

/* Lowest free index >= *index inside @node's subtree (*index is inside it). */
static bool xa_node_find_free(const struct xa_node *node, unsigned long *index)
{
	unsigned long base = *index & ~xa_span_mask(node->shift);
	unsigned int off = xa_offset(*index, node->shift);

	for (;;) {
		unsigned long avail = ~node->full & (XA_ALL_FULL << off);
		const struct xa_node *child;
		unsigned int bit;

		if (!avail)
			return false;
		bit = __builtin_ctzl(avail);
		if (bit != off)
			*index = base | ((unsigned long)bit << node->shift);
		if (!node->shift)
			return true;
		child = xa_slot_locked(node, bit);
		if (!child || xa_node_find_free(child, index))
			return true;
		/* the free index below @bit lies under *index: go on after it */
		if (bit == XA_CHUNK_MASK)
			return false;
		off = bit + 1;
		*index = base | ((unsigned long)off << node->shift);
	}
}

/* Lowest free index in [min, max]; xa_lock held. */
static bool xa_find_free(struct xarray *xa, unsigned long min, unsigned long max,
			 unsigned long *out)
{
	void *head = xa_head_locked(xa);
	unsigned long index = min;
	struct xa_node *root;

	if (min > max)
		return false;
	if (!xa_is_node(head)) {
		if (head && !index)
			index = 1;
	} else {
		root = xa_to_node(head);
		if (index <= xa_span_mask(root->shift) &&
		    !xa_node_find_free(root, &index)) {
			/* the tree is full from min on: the first index above it */
			if (xa_span_mask(root->shift) == ~0UL)
				return false;
			index = xa_span_mask(root->shift) + 1;
		}
	}
	if (index > max)
		return false;
	*out = index;
	return true;
}

/* ---- reader side ---------------------------------------------------------- */

/**
 * xa_load() - the entry at an index.
 * @xa: the XArray.
 * @index: where to look.
 *
 * Context: Any context. Takes and releases the RCU lock.
 * Return: The entry, or NULL if nothing (or a reserved entry) is there.
 */
void *xa_load(struct xarray *xa, unsigned long index)
{
	struct xa_node *node;
	void *entry;

	rcu_read_lock();
	entry = rcu_dereference(xa->xa_head);
	if (!xa_is_node(entry)) {
		if (index)
			entry = NULL;
		goto out;
	}
	node = xa_to_node(entry);
	if (index > xa_span_mask(node->shift)) {
		entry = NULL;
		goto out;
	}
	for (;;) {
		entry = rcu_dereference(node->slots[xa_offset(index, node->shift)]);
		if (!node->shift || !entry)
			break;
		node = entry;
	}
out:
	rcu_read_unlock();
	return xa_zero_to_null(entry);
}

/* First present entry with index in [*index, max] below @node; RCU held. */
static void *xa_node_find(struct xa_node *node, unsigned long *index,
			  unsigned long max)
{
	unsigned long base = *index & ~xa_span_mask(node->shift);
	unsigned int off;

	for (off = xa_offset(*index, node->shift); off < XA_CHUNK_SIZE; off++) {
		unsigned long first = base | ((unsigned long)off << node->shift);
		unsigned long at = first > *index ? first : *index;
		void *entry;

		if (first > max)
			break;
		entry = rcu_dereference(node->slots[off]);
		if (!entry)
			continue;
		if (node->shift) {
			entry = xa_node_find(entry, &at, max);
			if (!entry)
				continue;
		} else if (xa_is_zero(entry)) {
			continue;
		}
		*index = at;
		return entry;
	}
	return NULL;
}

static void *xa_find_from(struct xarray *xa, unsigned long *indexp,
			  unsigned long max, xa_mark_t filter)
{
	unsigned long index = *indexp;
	void *entry;

	if (WARN_ON_ONCE(filter != XA_PRESENT) || index > max)
		return NULL;
	rcu_read_lock();
	entry = rcu_dereference(xa->xa_head);
	if (xa_is_node(entry)) {
		struct xa_node *root = xa_to_node(entry);

		if (index <= xa_span_mask(root->shift))
			entry = xa_node_find(root, &index, max);
		else
			entry = NULL;
	} else if (index || xa_is_zero(entry)) {
		entry = NULL;
	}
	rcu_read_unlock();
	if (entry)
		*indexp = index;
	return entry;
}

/**
 * xa_find() - the first present entry at or above an index.
 * @xa: the XArray.
 * @indexp: where to start; receives the index of the entry found.
 * @max: the highest index to consider.
 * @filter: XA_PRESENT (marks are not supported by the shim).
 *
 * Reserved entries are skipped. @indexp is left alone if nothing is found.
 *
 * Context: Any context. Takes and releases the RCU lock.
 * Return: The entry, or NULL.
 */
void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max,
	      xa_mark_t filter)
{
	return xa_find_from(xa, indexp, max, filter);
}

/**
 * xa_find_after() - the first present entry above an index.
 * @xa: the XArray.
 * @indexp: the index to search above; receives the index of the entry found.
 * @max: the highest index to consider.
 * @filter: XA_PRESENT.
 *
 * Context: Any context. Takes and releases the RCU lock.
 * Return: The entry, or NULL.
 */
void *xa_find_after(struct xarray *xa, unsigned long *indexp,
		    unsigned long max, xa_mark_t filter)
{
	unsigned long index = *indexp + 1;
	void *entry;

	if (!index)
		return NULL;
	entry = xa_find_from(xa, &index, max, filter);
	if (entry)
		*indexp = index;
	return entry;
}

/* ---- writers, xa_lock held ------------------------------------------------- */

/**
 * __xa_store() - store an entry, with xa_lock held.
 * @xa: the XArray.
 * @index: where to store.
 * @entry: the new entry; NULL erases, except in an ALLOC array, where it
 *	reserves @index.
 * @gfp: allocation flags for new nodes.
 *
 * Context: Any context. Expects xa_lock to be held on entry; never drops
 * it (nodes are allocated without direct reclaim).
 * Return: The old entry (NULL if it was reserved), or an xa_err() entry:
 * -EINVAL for an entry that cannot be stored, -ENOMEM if a node could not
 * be allocated (the array is then unchanged).
 */
void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	lockdep_assert_held(&xa->xa_lock);
	if (WARN_ON_ONCE(xa_bad_entry(entry)))
		return xa_mk_internal(-EINVAL);
	if (!entry && xa_track_free(xa))
		entry = XA_ZERO_ENTRY;
	if (entry)
		return xa_zero_to_null(xa_set(xa, index, entry, gfp));
	return xa_zero_to_null(xa_clear(xa, index));
}

/**
 * __xa_erase() - erase an entry, with xa_lock held.
 * @xa: the XArray.
 * @index: which entry.
 *
 * Also ends a reservation. Never allocates.
 *
 * Context: Any context. Expects xa_lock to be held on entry.
 * Return: The old entry (NULL if none or reserved).
 */
void *__xa_erase(struct xarray *xa, unsigned long index)
{
	lockdep_assert_held(&xa->xa_lock);
	return xa_zero_to_null(xa_clear(xa, index));
}

/**
 * __xa_cmpxchg() - store an entry if the current one is @old, xa_lock held.
 * @xa: the XArray.
 * @index: where.
 * @old: the expected entry (XA_ZERO_ENTRY for a reserved index).
 * @entry: the new entry (NULL erases).
 * @gfp: allocation flags for new nodes.
 *
 * Context: Any context. Expects xa_lock to be held on entry.
 * Return: The entry that was there (as stored, so XA_ZERO_ENTRY for a
 * reserved index, as in the kernel), or an xa_err() entry.
 */
void *__xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
		   void *entry, gfp_t gfp)
{
	void *curr;

	lockdep_assert_held(&xa->xa_lock);
	if (WARN_ON_ONCE(xa_bad_entry(entry)))
		return xa_mk_internal(-EINVAL);
	curr = xa_get_locked(xa, index);
	if (curr != old)
		return curr;
	if (entry) {
		void *res = xa_set(xa, index, entry, gfp);

		if (xa_is_err(res))
			return res;
	} else {
		xa_clear(xa, index);
	}
	return curr;
}

/**
 * __xa_insert() - store an entry where nothing is, with xa_lock held.
 * @xa: the XArray.
 * @index: where.
 * @entry: the new entry; NULL reserves @index.
 * @gfp: allocation flags for new nodes.
 *
 * Context: Any context. Expects xa_lock to be held on entry.
 * Return: 0, -EBUSY if @index is in use (reserved included), -ENOMEM, or
 * -EINVAL for an entry that cannot be stored.
 */
int __xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	lockdep_assert_held(&xa->xa_lock);
	if (WARN_ON_ONCE(xa_bad_entry(entry)))
		return -EINVAL;
	if (xa_get_locked(xa, index))
		return -EBUSY;
	return xa_err(xa_set(xa, index, entry ? entry : XA_ZERO_ENTRY, gfp));
}

/**
 * __xa_alloc() - store an entry at the lowest free index, xa_lock held.
 * @xa: an XArray made with XA_FLAGS_ALLOC or XA_FLAGS_ALLOC1.
 * @id: receives the index (left unchanged on failure).
 * @entry: the new entry; NULL reserves the index.
 * @limit: the inclusive range to choose from.
 * @gfp: allocation flags for new nodes.
 *
 * Context: Any context. Expects xa_lock to be held on entry.
 * Return:
 * * 0 - stored at *@id.
 * * -EBUSY - no free index in @limit (also when @limit.min > @limit.max).
 * * -ENOMEM - a node could not be allocated; the array is unchanged.
 * * -EINVAL - @xa does not track free indices (with a WARN), or a bad @entry.
 */
int __xa_alloc(struct xarray *xa, u32 *id, void *entry, struct xa_limit limit,
	       gfp_t gfp)
{
	unsigned long min = limit.min, index;
	int err;

	lockdep_assert_held(&xa->xa_lock);
	if (WARN_ON_ONCE(xa_bad_entry(entry)))
		return -EINVAL;
	if (WARN_ON_ONCE(!xa_track_free(xa)))
		return -EINVAL;
	if ((xa->xa_flags & XA_FLAGS_ZERO_BUSY) && !min)
		min = 1;
	if (!xa_find_free(xa, min, limit.max, &index))
		return -EBUSY;
	err = xa_err(xa_set(xa, index, entry ? entry : XA_ZERO_ENTRY, gfp));
	if (err)
		return err;
	*id = index;
	return 0;
}

/**
 * __xa_alloc_cyclic() - allocate from *@next on, wrapping to @limit.min.
 * @xa: an ALLOC XArray.
 * @id: receives the index.
 * @entry: the new entry; NULL reserves the index.
 * @limit: the inclusive range to choose from.
 * @next: where the search starts; updated to the index after *@id.
 * @gfp: allocation flags for new nodes.
 *
 * Context: Any context. Expects xa_lock to be held on entry.
 * Return: 0, 1 if the search wrapped, or a negative errno as __xa_alloc().
 */
int __xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry,
		      struct xa_limit limit, u32 *next, gfp_t gfp)
{
	struct xa_limit upper = limit;
	int ret;

	if (*next > upper.min)
		upper.min = *next;
	ret = __xa_alloc(xa, id, entry, upper, gfp);
	if (!ret && (xa->xa_flags & XA_FLAGS_ALLOC_WRAPPED)) {
		xa->xa_flags &= ~XA_FLAGS_ALLOC_WRAPPED;
		ret = 1;
	}
	/* like the kernel, retry from the bottom after any failure */
	if (ret < 0 && upper.min > limit.min) {
		ret = __xa_alloc(xa, id, entry, limit, gfp);
		if (!ret)
			ret = 1;
	}
	if (ret >= 0) {
		*next = *id + 1;
		if (!*next)
			xa->xa_flags |= XA_FLAGS_ALLOC_WRAPPED;
	}
	return ret;
}

/* ---- writers taking xa_lock -------------------------------------------------- */

/**
 * xa_store() - store an entry.
 * @xa: the XArray.
 * @index: where to store.
 * @entry: the new entry; NULL erases, except in an ALLOC array, where it
 *	reserves @index.
 * @gfp: allocation flags.
 *
 * Context: Any context if @gfp does not allow blocking, else process
 * context. Takes and releases xa_lock.
 * Return: As __xa_store().
 */
void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	void *curr;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	xa_lock(xa);
	curr = __xa_store(xa, index, entry, gfp);
	xa_unlock(xa);
	return curr;
}

/**
 * xa_erase() - erase an entry.
 * @xa: the XArray.
 * @index: which entry.
 *
 * Context: Any context. Takes and releases xa_lock.
 * Return: The old entry (NULL if none or reserved).
 */
void *xa_erase(struct xarray *xa, unsigned long index)
{
	void *entry;

	xa_lock(xa);
	entry = __xa_erase(xa, index);
	xa_unlock(xa);
	return entry;
}

/**
 * xa_cmpxchg() - store an entry if the current one is @old.
 * @xa: the XArray.
 * @index: where.
 * @old: the expected entry.
 * @entry: the new entry.
 * @gfp: allocation flags.
 *
 * Context: Any context if @gfp does not allow blocking, else process
 * context. Takes and releases xa_lock.
 * Return: As __xa_cmpxchg().
 */
void *xa_cmpxchg(struct xarray *xa, unsigned long index, void *old,
		 void *entry, gfp_t gfp)
{
	void *curr;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	xa_lock(xa);
	curr = __xa_cmpxchg(xa, index, old, entry, gfp);
	xa_unlock(xa);
	return curr;
}

/**
 * xa_insert() - store an entry where nothing is.
 * @xa: the XArray.
 * @index: where.
 * @entry: the new entry; NULL reserves @index.
 * @gfp: allocation flags.
 *
 * Context: Any context if @gfp does not allow blocking, else process
 * context. Takes and releases xa_lock.
 * Return: As __xa_insert().
 */
int xa_insert(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	int err;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	xa_lock(xa);
	err = __xa_insert(xa, index, entry, gfp);
	xa_unlock(xa);
	return err;
}

/**
 * xa_alloc() - store an entry at the lowest free index in a range.
 * @xa: an XArray made with XA_FLAGS_ALLOC or XA_FLAGS_ALLOC1.
 * @id: receives the index.
 * @entry: the new entry; NULL reserves the index.
 * @limit: the inclusive range to choose from.
 * @gfp: allocation flags.
 *
 * Context: Any context if @gfp does not allow blocking, else process
 * context. Takes and releases xa_lock.
 * Return: As __xa_alloc().
 */
int xa_alloc(struct xarray *xa, u32 *id, void *entry, struct xa_limit limit,
	     gfp_t gfp)
{
	int err;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	xa_lock(xa);
	err = __xa_alloc(xa, id, entry, limit, gfp);
	xa_unlock(xa);
	return err;
}

/**
 * xa_alloc_cyclic() - allocate from *@next on, wrapping to @limit.min.
 * @xa: an ALLOC XArray.
 * @id: receives the index.
 * @entry: the new entry; NULL reserves the index.
 * @limit: the inclusive range to choose from.
 * @next: where the search starts; updated.
 * @gfp: allocation flags.
 *
 * Context: Any context if @gfp does not allow blocking, else process
 * context. Takes and releases xa_lock.
 * Return: As __xa_alloc_cyclic().
 */
int xa_alloc_cyclic(struct xarray *xa, u32 *id, void *entry,
		    struct xa_limit limit, u32 *next, gfp_t gfp)
{
	int ret;

	might_sleep_if(gfpflags_allow_blocking(gfp));
	xa_lock(xa);
	ret = __xa_alloc_cyclic(xa, id, entry, limit, next, gfp);
	xa_unlock(xa);
	return ret;
}

static void xa_free_subtree(struct xa_node *node)
{
	unsigned int off;

	if (node->shift) {
		for (off = 0; off < XA_CHUNK_SIZE; off++) {
			struct xa_node *child = xa_slot_locked(node, off);

			if (child)
				xa_free_subtree(child);
		}
	}
	xa_node_free(node);
}

/**
 * xa_destroy() - erase every entry and release every node.
 * @xa: the XArray; it may be used again afterwards.
 *
 * Context: Any context. Takes and releases xa_lock.
 */
void xa_destroy(struct xarray *xa)
{
	void *head;

	xa_lock(xa);
	head = xa_head_locked(xa);
	rcu_assign_pointer(xa->xa_head, NULL);
	if (xa_is_node(head))
		xa_free_subtree(xa_to_node(head));
	xa_unlock(xa);
}
