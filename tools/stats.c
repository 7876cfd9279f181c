// SPDX-License-Identifier: GPL-2.0
/*
 * Sample statistics with nearest-rank percentiles (stats.h).
 */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

int stats_add(struct stats *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *nv = realloc(s->v, cap * sizeof(*nv));

		if (!nv)
			return -1;
		s->v = nv;
		s->cap = cap;
	}
	if (!s->n || v < s->min)
		s->min = v;
	if (!s->n || v > s->max)
		s->max = v;
	s->v[s->n++] = v;
	s->sum += v;
	s->sorted = s->n == 1 || (s->sorted && s->v[s->n - 2] <= v);
	return 0;
}

void stats_free(struct stats *s)
{
	free(s->v);
	*s = (struct stats)STATS_INIT;
}

double stats_mean(const struct stats *s)
{
	return s->n ? (double)(s->sum / s->n) : 0;
}

size_t stats_rank(size_t n, double pct)
{
	double r;

	if (!n)
		return 0;
	if (!(pct > 0))
		return 1;
	if (pct >= 100)
		return n;
	/* ceil(pct * n / 100), with the product rounded to 1e-9 so 99 * 100 / 100 is 99 */
	r = ceil(pct * (double)n / 100.0 - 1e-9);
	if (r < 1)
		r = 1;
	return r > (double)n ? n : (size_t)r;
}

uint64_t stats_pct_sorted(const uint64_t *v, size_t n, double pct)
{
	return n ? v[stats_rank(n, pct) - 1] : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t stats_pct(struct stats *s, double pct)
{
	if (!s->sorted && s->n) {
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
		s->sorted = true;
	}
	return stats_pct_sorted(s->v, s->n, pct);
}
