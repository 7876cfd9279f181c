// SPDX-License-Identifier: GPL-2.0
/*
 * The bitmap lower bound of the allocator benchmarks (bench-bitmap.h).
 *
 * Level 0 has a bit per ID; level 1 a bit per level-0 word that is full;
 * level 2 a bit per level-1 word that is full. The search for the lowest
 * free ID at or above @min walks up from @min's word only as far as it
 * must: a not-full level-0 word at or after @min in the same level-1 group,
 * else the next group whose level-1 bit is clear, found through level 2.
 */
#include <stdlib.h>
#include <string.h>

#include "bench-bitmap.h"

int bench_bitmap_init(struct bench_bitmap *bm)
{
	memset(bm->l0, 0, sizeof(bm->l0));
	memset(bm->l1, 0, sizeof(bm->l1));
	memset(bm->l2, 0, sizeof(bm->l2));
	bm->count = 0;
	bm->priv = calloc(BM_BITS, sizeof(*bm->priv));
	return bm->priv ? 0 : -1;
}

void bench_bitmap_fini(struct bench_bitmap *bm)
{
	free(bm->priv);
	bm->priv = NULL;
}

/* The first clear bit of @w at or above bit @from (< 64), or 64. */
static unsigned int first_zero_from(uint64_t w, unsigned int from)
{
	uint64_t free_bits = ~w & (~0ULL << from);

	return free_bits ? (unsigned int)__builtin_ctzll(free_bits) : 64;
}

/* The first level-0 word index >= @w0 that is not full, or BM_L0. */
static uint32_t next_free_word(const struct bench_bitmap *bm, uint32_t w0)
{
	uint32_t w1 = w0 / 64, w2;
	unsigned int b;

	if (w0 >= BM_L0)
		return BM_L0;
	b = first_zero_from(bm->l1[w1], w0 % 64);
	if (b < 64)
		return w1 * 64 + b;
	/* The rest of this level-1 word is full: the next level-1 word not full. */
	for (w1++; w1 < BM_L1; w1 = (w2 + 1) * 64) {
		w2 = w1 / 64;
		b = first_zero_from(bm->l2[w2], w1 % 64);
		if (b < 64) {
			w1 = w2 * 64 + b;
			return w1 * 64 + (uint32_t)__builtin_ctzll(~bm->l1[w1]);
		}
	}
	return BM_L0;
}

static void set_bit_at(struct bench_bitmap *bm, uint32_t id)
{
	uint32_t w0 = id / 64, w1 = w0 / 64;

	bm->l0[w0] |= 1ULL << (id % 64);
	if (~bm->l0[w0])
		return;
	bm->l1[w1] |= 1ULL << (w0 % 64);
	if (~bm->l1[w1])
		return;
	bm->l2[w1 / 64] |= 1ULL << (w1 % 64);
}

static void clear_bit_at(struct bench_bitmap *bm, uint32_t id)
{
	uint32_t w0 = id / 64, w1 = w0 / 64;

	bm->l0[w0] &= ~(1ULL << (id % 64));
	bm->l1[w1] &= ~(1ULL << (w0 % 64));
	bm->l2[w1 / 64] &= ~(1ULL << (w1 % 64));
}

uint32_t bench_bitmap_alloc(struct bench_bitmap *bm, uint32_t min, uint32_t max, void *priv)
{
	uint32_t w0, id;
	unsigned int b;

	if (min > max || max >= BM_BITS)
		return UINT32_MAX;
	w0 = min / 64;
	b = first_zero_from(bm->l0[w0], min % 64);
	if (b == 64) {
		w0 = next_free_word(bm, w0 + 1);
		if (w0 >= BM_L0)
			return UINT32_MAX;
		b = (unsigned int)__builtin_ctzll(~bm->l0[w0]);
	}
	id = w0 * 64 + b;
	if (id > max)
		return UINT32_MAX;
	set_bit_at(bm, id);
	bm->priv[id] = priv;
	bm->count++;
	return id;
}

bool bench_bitmap_free(struct bench_bitmap *bm, uint32_t id)
{
	if (id >= BM_BITS || !(bm->l0[id / 64] & (1ULL << (id % 64))))
		return false;
	clear_bit_at(bm, id);
	bm->priv[id] = NULL;
	bm->count--;
	return true;
}

void *bench_bitmap_find(const struct bench_bitmap *bm, uint32_t id)
{
	if (id >= BM_BITS || !(bm->l0[id / 64] & (1ULL << (id % 64))))
		return NULL;
	return bm->priv[id];
}

int bench_bitmap_for_each(const struct bench_bitmap *bm,
			  int (*fn)(uint32_t id, void *priv, void *arg), void *arg)
{
	for (uint32_t w = 0; w < BM_L0; w++) {
		uint64_t bits = bm->l0[w];

		while (bits) {
			uint32_t id = w * 64 + (uint32_t)__builtin_ctzll(bits);
			int ret = fn(id, bm->priv[id], arg);

			if (ret)
				return ret;
			bits &= bits - 1;
		}
	}
	return 0;
}
