/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: slab allocator (sim/kernel/slab.c).
 *
 * Every object is accounted to the kernel instance that allocated it (live
 * objects and bytes, the allocation site), poisoned when freed, and checked
 * for double free and redzone damage. Allocations can be made to fail: the
 * Nth, those from a named function, at random from a seeded PRNG, or as a
 * fuzzer decides (see <sim/kernel.h>). A sleeping allocation in atomic
 * context is reported.
 *
 * The allocation site recorded for an object is the function, file and line
 * of the kmalloc() call (for kstrdup() & co., of their caller). kfree() is
 * also a function, so its address can be taken; called directly it goes
 * through a macro that passes the call site for findings.
 */
#ifndef _SIM_LINUX_SLAB_H
#define _SIM_LINUX_SLAB_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>

#define ZERO_SIZE_PTR		((void *)16)
#define ZERO_OR_NULL_PTR(x)	((unsigned long)(x) <= (unsigned long)ZERO_SIZE_PTR)

/*
 * The largest object kmalloc() hands out (SLUB on x86-64 with 4 KiB pages);
 * larger requests fail with a WARN unless __GFP_NOWARN.
 */
#define KMALLOC_MAX_SIZE	(1UL << 22)
/* Every object is aligned to at least this. */
#define ARCH_KMALLOC_MINALIGN	16

void *__sim_kmalloc(size_t size, gfp_t flags, const char *func,
		    const char *file, int line) __attribute__((__malloc__));
void kfree(const void *objp);
void kfree_sensitive(const void *objp);
size_t ksize(const void *objp);

void __sim_kfree(const void *objp, const char *func, const char *file, int line);
#define kfree(objp)		__sim_kfree((objp), __func__, __FILE__, __LINE__)

#define kmalloc(size, flags) \
	__sim_kmalloc((size), (flags), __func__, __FILE__, __LINE__)
#define kzalloc(size, flags) \
	__sim_kmalloc((size), (flags) | __GFP_ZERO, __func__, __FILE__, __LINE__)
#define kmalloc_array(n, size, flags) ({				\
	size_t __bytes;							\
	__builtin_mul_overflow((size_t)(n), (size_t)(size), &__bytes) ?	\
		NULL : kmalloc(__bytes, (flags)); })
#define kcalloc(n, size, flags)	kmalloc_array((n), (size), (flags) | __GFP_ZERO)

#define kmalloc_node(size, flags, node)		kmalloc((size), (flags))
#define kzalloc_node(size, flags, node)		kzalloc((size), (flags))
#define kcalloc_node(n, size, flags, node)	kcalloc((n), (size), (flags))

/*
 * krealloc() always moves the object (a stale pointer to the old copy is then
 * a use-after-free the poison and ASan can see). Failure leaves @p intact.
 */
void *__sim_krealloc(const void *p, size_t new_size, gfp_t flags,
		     const char *func, const char *file, int line);
#define krealloc(p, new_size, flags) \
	__sim_krealloc((p), (new_size), (flags), __func__, __FILE__, __LINE__)

/* No vmalloc here: the kv* variants are kmalloc without the size limit. */
void *__sim_kvmalloc(size_t size, gfp_t flags, const char *func,
		     const char *file, int line) __attribute__((__malloc__));
#define kvmalloc(size, flags) \
	__sim_kvmalloc((size), (flags), __func__, __FILE__, __LINE__)
#define kvzalloc(size, flags)	kvmalloc((size), (flags) | __GFP_ZERO)
#define kvmalloc_array(n, size, flags) ({				\
	size_t __bytes;							\
	__builtin_mul_overflow((size_t)(n), (size_t)(size), &__bytes) ?	\
		NULL : kvmalloc(__bytes, (flags)); })
#define kvcalloc(n, size, flags) kvmalloc_array((n), (size), (flags) | __GFP_ZERO)
#define kvfree(p)		kfree(p)
#define kvfree_sensitive(p, len) kfree_sensitive(p)

/*
 * Object caches: a kmem_cache is itself a slab object (accounted, leak
 * reported, its creation can be made to fail); its objects are kmalloc
 * objects of the cache's size, tagged with the cache. A constructor runs at
 * every allocation (objects are not kept type-stable across free, so
 * SLAB_TYPESAFE_BY_RCU gives no guarantee here). kmem_cache_free() with the
 * wrong cache and kmem_cache_destroy() with live objects are SLAB findings.
 */
typedef unsigned int slab_flags_t;

#define SLAB_HWCACHE_ALIGN	((slab_flags_t)0x00002000u)
#define SLAB_PANIC		((slab_flags_t)0x00040000u)
#define SLAB_TYPESAFE_BY_RCU	((slab_flags_t)0x00080000u)
#define SLAB_RECLAIM_ACCOUNT	((slab_flags_t)0x00020000u)
#define SLAB_ACCOUNT		((slab_flags_t)0x04000000u)

struct kmem_cache {
	char name[32];
	unsigned int size;
	unsigned int align;
	slab_flags_t flags;
	void (*ctor)(void *obj);
	long live;		/* objects allocated and not freed (atomic) */
};

struct kmem_cache *__sim_kmem_cache_create(const char *name, unsigned int size,
					   unsigned int align, slab_flags_t flags,
					   void (*ctor)(void *), const char *func,
					   const char *file, int line);
void *__sim_kmem_cache_alloc(struct kmem_cache *s, gfp_t flags, const char *func,
			     const char *file, int line) __attribute__((__malloc__));
void kmem_cache_free(struct kmem_cache *s, void *objp);
void kmem_cache_destroy(struct kmem_cache *s);

#define kmem_cache_create(name, size, align, flags, ctor)		\
	__sim_kmem_cache_create((name), (size), (align), (flags), (ctor), \
				__func__, __FILE__, __LINE__)
#define KMEM_CACHE(__struct, __flags)					\
	kmem_cache_create(#__struct, sizeof(struct __struct),		\
			  __alignof__(struct __struct), (__flags), NULL)
#define kmem_cache_alloc(s, flags) \
	__sim_kmem_cache_alloc((s), (flags), __func__, __FILE__, __LINE__)
/* No list_lru reclaim here: the object is an ordinary cache object. */
#define kmem_cache_alloc_lru(s, lru, flags)	kmem_cache_alloc((s), (flags))
#define kmem_cache_zalloc(s, flags)	kmem_cache_alloc((s), (flags) | __GFP_ZERO)

#endif /* _SIM_LINUX_SLAB_H */
