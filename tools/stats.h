/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One statistics helper for tools/: a growable sample of unsigned 64-bit
 * values (latencies in ns) with count, min, max, mean and percentiles.
 *
 * Percentiles are nearest-rank: the p-th percentile of n sorted values is
 * the value of rank ceil(p/100 * n) (1-based; rank 1 for p = 0). It is
 * always one of the samples: p50 of {1,2,3,4} is 2, p99 of 100 values is
 * the 99th, p100 the maximum.
 */
#ifndef PASIDSIM_STATS_H
#define PASIDSIM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stats {
	uint64_t *v;
	size_t n, cap;
	uint64_t min, max;
	long double sum;
	bool sorted;
};

#define STATS_INIT	{ 0 }

/* Add one value: 0, or -1 out of memory (the sample is unchanged). */
int stats_add(struct stats *s, uint64_t v);
void stats_free(struct stats *s);
double stats_mean(const struct stats *s);		/* 0 when empty */
/* Nearest-rank percentile, @pct in [0, 100]; sorts the sample once. 0 when empty. */
uint64_t stats_pct(struct stats *s, double pct);
/* The same on an array sorted in ascending order. */
uint64_t stats_pct_sorted(const uint64_t *v, size_t n, double pct);
/* Rank (1-based) of the nearest-rank percentile @pct of @n values (0 when n is 0). */
size_t stats_rank(size_t n, double pct);

#endif /* PASIDSIM_STATS_H */
