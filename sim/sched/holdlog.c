// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: checks over a scheduler's lock hold log (<sim/sched.h>).
 *
 * The log is one record per release: the lock, the virtual time it was
 * taken (after any wait) and released, and the CPU. Mutual exclusion in
 * virtual time means that, per lock, the intervals sorted by start never
 * overlap; it implies that the lock's total hold time fits in the run and
 * that a lock held at least S per acquisition is taken at most once per S
 * (the bottleneck law). sim_hold_check() checks all three.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim/sched.h>

static int hold_cmp(const void *a, const void *b)
{
	const struct sim_hold *x = a, *y = b;

	if (x->lock != y->lock)
		return (uintptr_t)x->lock < (uintptr_t)y->lock ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return 0;
}

static struct sim_hold *sorted_copy(const struct sim_hold *log, size_t n)
{
	struct sim_hold *v = malloc((n ? n : 1) * sizeof(*v));

	if (!v)
		return NULL;
	if (n)
		memcpy(v, log, n * sizeof(*v));
	qsort(v, n, sizeof(*v), hold_cmp);
	return v;
}

size_t sim_hold_summary(const struct sim_hold *log, size_t n, struct sim_hold_lock *out,
			size_t max)
{
	struct sim_hold *v = sorted_copy(log, n);
	size_t nl = 0;

	if (!v)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct sim_hold_lock *l;
		u64 hold = v[i].end - v[i].start;

		if (!i || v[i].lock != v[i - 1].lock) {
			if (nl == max)
				break;
			l = &out[nl++];
			*l = (struct sim_hold_lock){ .lock = v[i].lock, .name = v[i].name,
						     .first_start = v[i].start,
						     .min_hold_ns = hold };
		} else {
			l = &out[nl - 1];
		}
		l->acquisitions++;
		l->hold_ns += hold;
		if (hold < l->min_hold_ns)
			l->min_hold_ns = hold;
		if (v[i].end > l->last_end)
			l->last_end = v[i].end;
	}
	free(v);
	return nl;
}

/* Per-lock checks over the intervals v[a..b) of one lock. */
static int check_lock(const struct sim_hold *v, size_t a, size_t b, u64 begin, u64 end,
		      char *err, size_t len)
{
	u64 total = 0, min = ~0ull;

	for (size_t i = a; i < b; i++) {
		u64 hold = v[i].end - v[i].start;

		if (v[i].end < v[i].start || v[i].start < begin || v[i].end > end) {
			snprintf(err, len, "lock %p: interval [%llu, %llu] (CPU %u) outside "
				 "the run [%llu, %llu] or reversed", v[i].lock,
				 (unsigned long long)v[i].start, (unsigned long long)v[i].end,
				 v[i].cpu, (unsigned long long)begin, (unsigned long long)end);
			return -1;
		}
		if (i > a && v[i].start < v[i - 1].end) {
			snprintf(err, len, "lock %p: hold intervals overlap: [%llu, %llu] (CPU %u) "
				 "and [%llu, %llu] (CPU %u)", v[i].lock,
				 (unsigned long long)v[i - 1].start,
				 (unsigned long long)v[i - 1].end, v[i - 1].cpu,
				 (unsigned long long)v[i].start, (unsigned long long)v[i].end,
				 v[i].cpu);
			return -1;
		}
		total += hold;
		if (hold < min)
			min = hold;
	}
	if (total > end - begin) {
		snprintf(err, len, "lock %p: held %llu ns in a run of %llu ns", v[a].lock,
			 (unsigned long long)total, (unsigned long long)(end - begin));
		return -1;
	}
	if (min && (b - a) * min > end - begin) {
		snprintf(err, len, "lock %p: %zu acquisitions held >= %llu ns each in %llu ns: "
			 "throughput above 1/S", v[a].lock, b - a, (unsigned long long)min,
			 (unsigned long long)(end - begin));
		return -1;
	}
	return 0;
}

int sim_hold_check(const struct sim_hold *log, size_t n, u64 begin, u64 end, char *err,
		   size_t len)
{
	struct sim_hold *v = sorted_copy(log, n);
	int ret = 0;
	size_t a = 0;

	if (!v) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	err[0] = '\0';
	for (size_t i = 1; i <= n && !ret; i++)
		if (i == n || v[i].lock != v[a].lock) {
			ret = check_lock(v, a, i, begin, end, err, len);
			a = i;
		}
	free(v);
	return ret;
}
