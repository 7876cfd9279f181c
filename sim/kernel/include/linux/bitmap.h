/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: the bitmap and find-bit operations Linux's
 * lib/xarray.c and lib/idr.c use. Bits past @nbits are never looked at.
 */
#ifndef _SIM_LINUX_BITMAP_H
#define _SIM_LINUX_BITMAP_H

#include <linux/bitops.h>
#include <linux/string.h>
#include <linux/types.h>

#define BITMAP_FIRST_WORD_MASK(start)	(~0UL << ((start) & (BITS_PER_LONG - 1)))
#define BITMAP_LAST_WORD_MASK(nbits)	(~0UL >> (-(nbits) & (BITS_PER_LONG - 1)))

/* The first bit at or after @start that is @set, or @size if none. */
static inline unsigned long __sim_find_bit(const unsigned long *addr, unsigned long size,
					   unsigned long start, bool set)
{
	unsigned long i, word;

	for (i = start; i < size; i = (i | (BITS_PER_LONG - 1)) + 1) {
		word = set ? addr[BIT_WORD(i)] : ~addr[BIT_WORD(i)];
		word &= BITMAP_FIRST_WORD_MASK(i);
		if (word) {
			i = (i & ~(BITS_PER_LONG - 1UL)) + __ffs(word);
			return i < size ? i : size;
		}
	}
	return size;
}

static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	return __sim_find_bit(addr, size, offset, true);
}

static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	return __sim_find_bit(addr, size, offset, false);
}

#define find_first_bit(addr, size)	find_next_bit((addr), (size), 0)
#define find_first_zero_bit(addr, size)	find_next_zero_bit((addr), (size), 0)

static inline void bitmap_zero(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline void bitmap_fill(unsigned long *dst, unsigned int nbits)
{
	memset(dst, 0xff, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

static inline bool bitmap_empty(const unsigned long *src, unsigned int nbits)
{
	return find_first_bit(src, nbits) == nbits;
}

static inline bool bitmap_full(const unsigned long *src, unsigned int nbits)
{
	return find_first_zero_bit(src, nbits) == nbits;
}

static inline unsigned int bitmap_weight(const unsigned long *src, unsigned int nbits)
{
	unsigned int i, w = 0;

	for (i = 0; i < nbits / BITS_PER_LONG; i++)
		w += __builtin_popcountl(src[i]);
	if (nbits % BITS_PER_LONG)
		w += __builtin_popcountl(src[i] & BITMAP_LAST_WORD_MASK(nbits));
	return w;
}

static inline void bitmap_set(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len--)
		__set_bit(start++, map);
}

static inline void bitmap_clear(unsigned long *map, unsigned int start, unsigned int len)
{
	while (len--)
		__clear_bit(start++, map);
}

#endif /* _SIM_LINUX_BITMAP_H */
