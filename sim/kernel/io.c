// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: MMIO dispatch.
 *
 * Regions live in an array sorted by base address and are found by binary
 * search. Lookups take a read lock; mapping and unmapping are rare. Each
 * thread keeps the regions it found in a small direct-mapped cache (by page
 * of the address), valid while no region was mapped or unmapped since: every
 * map and unmap bumps a generation number the cached entries carry.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/io.h>
#include <sim/mmio.h>
#include "internal.h"

struct sim_mmio_region {
	uintptr_t base;
	size_t size;
	const struct sim_mmio_ops *ops;
	void *opaque;
};

/*
 * The address map of the process: every region is a distinct PROT_NONE
 * reservation, so devices of different worlds and instances never share an
 * address, and a lookup by address finds only the device mapped there. It
 * grows as regions are mapped (no fixed limit on devices).
 */
static pthread_rwlock_t mmio_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct sim_mmio_region *regions;
static size_t nregions, regions_cap;
static u64 unassigned;
static unsigned long mmio_gen = 1;	/* bumped by every map and unmap */

#define MMIO_CACHE_SIZE	128

struct mmio_cache_ent {
	unsigned long gen;
	struct sim_mmio_region r;
};

static __thread struct mmio_cache_ent mmio_cache[MMIO_CACHE_SIZE];

static inline struct mmio_cache_ent *mmio_cache_slot(uintptr_t addr)
{
	return &mmio_cache[(addr >> 12) % MMIO_CACHE_SIZE];
}

void __iomem *sim_mmio_map(size_t size, const struct sim_mmio_ops *ops, void *opaque)
{
	void *base;
	size_t i;

	if (!size || !ops)
		return NULL;
	base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	pthread_rwlock_wrlock(&mmio_lock);
	if (nregions == regions_cap) {
		size_t cap = regions_cap ? 2 * regions_cap : 256;
		struct sim_mmio_region *r = realloc(regions, cap * sizeof(*r));

		if (!r) {
			pthread_rwlock_unlock(&mmio_lock);
			munmap(base, size);
			return NULL;
		}
		regions = r;
		regions_cap = cap;
	}
	for (i = nregions; i > 0 && regions[i - 1].base > (uintptr_t)base; i--)
		regions[i] = regions[i - 1];
	regions[i] = (struct sim_mmio_region){ (uintptr_t)base, size, ops, opaque };
	nregions++;
	__atomic_fetch_add(&mmio_gen, 1, __ATOMIC_RELEASE);
	pthread_rwlock_unlock(&mmio_lock);
	return (void __iomem *)base;
}

void sim_mmio_unmap(void __iomem *base)
{
	size_t i, size = 0;

	pthread_rwlock_wrlock(&mmio_lock);
	for (i = 0; i < nregions; i++) {
		if (regions[i].base == (uintptr_t)base) {
			size = regions[i].size;
			memmove(&regions[i], &regions[i + 1],
				(nregions - i - 1) * sizeof(regions[0]));
			nregions--;
			__atomic_fetch_add(&mmio_gen, 1, __ATOMIC_RELEASE);
			break;
		}
	}
	pthread_rwlock_unlock(&mmio_lock);
	if (size)
		munmap((void *)base, size);
}

u64 sim_mmio_unassigned_accesses(void)
{
	return __atomic_load_n(&unassigned, __ATOMIC_RELAXED);
}

/* Find the region holding [addr, addr+size); copies it out under the lock. */
static bool mmio_lookup(uintptr_t addr, unsigned int size, struct sim_mmio_region *out)
{
	struct mmio_cache_ent *ce = mmio_cache_slot(addr);
	size_t lo = 0, hi;
	bool found = false;
	unsigned long gen;

	if (ce->gen == __atomic_load_n(&mmio_gen, __ATOMIC_ACQUIRE) && ce->r.base <= addr &&
	    addr + size <= ce->r.base + ce->r.size) {
		*out = ce->r;
		return true;
	}
	pthread_rwlock_rdlock(&mmio_lock);
	gen = __atomic_load_n(&mmio_gen, __ATOMIC_RELAXED);
	hi = nregions;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (regions[mid].base + regions[mid].size <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < nregions && regions[lo].base <= addr &&
	    addr + size <= regions[lo].base + regions[lo].size) {
		*out = regions[lo];
		found = true;
		ce->gen = gen;
		ce->r = regions[lo];
	}
	pthread_rwlock_unlock(&mmio_lock);
	return found;
}

static void mmio_unassigned(const char *what, uintptr_t addr, unsigned int size)
{
	__atomic_fetch_add(&unassigned, 1, __ATOMIC_RELAXED);
	sim_finding_add(NULL, SIM_FINDING_BUG, NULL, 0,
			"MMIO %s of %u bytes at unassigned address %#lx", what, size,
			(unsigned long)addr);
}

u64 __sim_mmio_read(const volatile void __iomem *addr, unsigned int size)
{
	struct sim_mmio_region r;
	uintptr_t a = (uintptr_t)addr;

	if (!mmio_lookup(a, size, &r)) {
		mmio_unassigned("read", a, size);
		return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	}
	return r.ops->read ? r.ops->read(r.opaque, a - r.base, size) : 0;
}

void __sim_mmio_write(volatile void __iomem *addr, u64 val, unsigned int size)
{
	struct sim_mmio_region r;
	uintptr_t a = (uintptr_t)addr;

	if (!mmio_lookup(a, size, &r)) {
		mmio_unassigned("write", a, size);
		return;
	}
	if (r.ops->write)
		r.ops->write(r.opaque, a - r.base, val, size);
}
