/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The lower bound of the allocator benchmarks: a minimal PASID allocator,
 * a bitmap of 2^20 IDs with two summary levels (a bit per full word below
 * it), so the lowest free ID in a range is found in a few word scans, plus
 * an array of private pointers for find. Lowest free ID first, like
 * xa_alloc(), so it hands out the same ID sequence as both flavours. No
 * locks, no RCU, no slab: what the operation costs with nothing else.
 */
#ifndef PASIDSIM_BENCH_BITMAP_H
#define PASIDSIM_BENCH_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

#define BM_BITS		(1u << 20)
#define BM_L0		(BM_BITS / 64)		/* 16384 words: a bit per ID */
#define BM_L1		(BM_L0 / 64)		/* 256 words: a bit per full L0 word */
#define BM_L2		(BM_L1 / 64)		/* 4 words: a bit per full L1 word */

struct bench_bitmap {
	uint64_t l0[BM_L0], l1[BM_L1], l2[BM_L2];
	void **priv;				/* BM_BITS pointers */
	uint32_t count;
};

/* 0, or -1 out of memory. */
int bench_bitmap_init(struct bench_bitmap *bm);
void bench_bitmap_fini(struct bench_bitmap *bm);
/* The lowest free ID in [min, max] (max < BM_BITS), or UINT32_MAX if none. */
uint32_t bench_bitmap_alloc(struct bench_bitmap *bm, uint32_t min, uint32_t max, void *priv);
/* false if @id was not allocated. */
bool bench_bitmap_free(struct bench_bitmap *bm, uint32_t id);
/* The private pointer of @id, NULL if it is not allocated. */
void *bench_bitmap_find(const struct bench_bitmap *bm, uint32_t id);
/* @fn on every allocated ID in increasing order; stops at a non-zero return. */
int bench_bitmap_for_each(const struct bench_bitmap *bm,
			  int (*fn)(uint32_t id, void *priv, void *arg), void *arg);

#endif /* PASIDSIM_BENCH_BITMAP_H */
