// SPDX-License-Identifier: GPL-2.0
/*
 * The goals of issue 13 as a table, evaluated from the median ns per
 * operation of the benchmarks they name: by 'pasidsim bench' from what it
 * just measured, by 'pasidsim report' from the latest recorded runs.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

enum goal_kind {
	G_MIN_RATE,	/* 1e9 / ns(a) >= limit (operations per second) */
	G_MAX_NS,	/* ns(a) <= limit */
	G_MAX_RATIO,	/* ns(a) / (scale * ns(b)) <= limit */
	G_NOT_SLOWER,	/* every <kind>.pasidsim.X at most <kind>.linux-6.1.X (worst ratio) */
};

struct goal {
	const char *text;
	const char *mode;
	enum goal_kind kind;
	const char *a, *b;
	double scale, limit;
};

static const struct goal goals[] = {
	{ "world 64 x 8, checked: >= 1,000,000 simulated ops/s", "checked", G_MIN_RATE,
	  "world.64x8", NULL, 1, 1e6 },
	{ "world: cost per op grows <= 1.3x from 8 to 256 VMs (x 8 vCPUs)", "checked",
	  G_MAX_RATIO, "world.256x8", "world.8x8", 1, 1.3 },
	{ "bare-metal replay >= 2,000,000 ops/s (no walks)", "checked", G_MIN_RATE,
	  "replay.nowalk", NULL, 1, 2e6 },
	{ "bare-metal replay >= 2,000,000 ops/s, default mix with walks", "checked",
	  G_MIN_RATE, "replay.default", NULL, 1, 2e6 },
	{ "parsing >= 8,000,000 events/s", "checked", G_MIN_RATE, "parse", NULL, 1, 8e6 },
	{ "for_each linear: one walk over 100k <= 2x 100 walks over 1k (pasidsim)", "checked",
	  G_MAX_RATIO, "walk.pasidsim.100k", "walk.pasidsim.1k", 100, 2 },
	{ "instance creation <= 20 us, first in a process (cold: dlopen)", "checked", G_MAX_NS,
	  "instance.create", NULL, 1, 20000 },
	{ "instance creation <= 20 us, steady state (a pooled core copy)", "checked", G_MAX_NS,
	  "instance.create.warm", NULL, 1, 20000 },
	{ "allocator, fast mode: alloc+free at 100k live <= 3x the bitmap bound", "fast",
	  G_MAX_RATIO, "alloc.pasidsim.100k", "alloc.bitmap.100k", 1, 3 },
	{ "allocator, fast mode: no slower than Linux 6.1 on any benchmark", "fast",
	  G_NOT_SLOWER, NULL, NULL, 1, 1 },
};

static const char *const compared[][2] = {
	{ "alloc", "0" }, { "alloc", "1k" }, { "alloc", "100k" }, { "alloc", "1M" },
	{ "find", "100k" }, { "walk", "1k" }, { "walk", "100k" },
};

size_t bench_goal_count(void)
{
	return sizeof(goals) / sizeof(goals[0]);
}

/* The worst pasidsim / linux-6.1 ratio over the allocator benchmarks; NaN if none. */
static double worst_ratio(const struct goal *g, bench_median_fn median, void *arg,
			  bool instr, size_t *which)
{
	double worst = NAN;

	for (size_t i = 0; i < sizeof(compared) / sizeof(compared[0]); i++) {
		char a[64], b[64];
		double r;

		snprintf(a, sizeof(a), "%s.pasidsim.%s", compared[i][0], compared[i][1]);
		snprintf(b, sizeof(b), "%s.linux-6.1.%s", compared[i][0], compared[i][1]);
		r = median(arg, a, g->mode, instr) / median(arg, b, g->mode, instr);
		if (!isnan(r) && (isnan(worst) || r > worst)) {
			worst = r;
			*which = i;
		}
	}
	return worst;
}

/* The goal's figure from wall medians, or (@instr) from instruction counts. */
static double goal_value(const struct goal *g, bench_median_fn median, void *arg, bool instr,
			 size_t *which)
{
	switch (g->kind) {
	case G_MIN_RATE:
	case G_MAX_NS:
		return median(arg, g->a, g->mode, instr);
	case G_MAX_RATIO:
		return median(arg, g->a, g->mode, instr) /
		       (g->scale * median(arg, g->b, g->mode, instr));
	case G_NOT_SLOWER:
		return worst_ratio(g, median, arg, instr, which);
	}
	return NAN;
}

void bench_goal_eval(size_t i, bench_median_fn median, void *arg, struct bench_goal_result *r)
{
	const struct goal *g = &goals[i];
	size_t which = 0, wi = 0, len = sizeof(r->measured);
	double v = goal_value(g, median, arg, false, &which);
	double vi = goal_value(g, median, arg, true, &wi);
	char *m = r->measured;

	r->goal = g->text;
	r->mode = g->mode;
	r->met = -1;
	snprintf(m, len, "not measured (%s mode)", g->mode);
	if (isnan(v))
		return;
	switch (g->kind) {
	case G_MIN_RATE:
		snprintf(m, len, "%.3gM/s (%s", 1e9 / v / 1e6, g->a);
		if (!isnan(vi))
			snprintf(m + strlen(m), len - strlen(m), "; %.0f instructions/op", vi);
		r->met = 1e9 / v >= g->limit;
		break;
	case G_MAX_NS:
		snprintf(m, len, "%.3g us (%s", v / 1e3, g->a);
		if (!isnan(vi))
			snprintf(m + strlen(m), len - strlen(m), "; %.0f instructions", vi);
		r->met = v <= g->limit;
		break;
	case G_MAX_RATIO:
		snprintf(m, len, "%.2fx (%s / %s%s", v, g->a, g->scale != 1 ? "100 x " : "", g->b);
		if (!isnan(vi))
			snprintf(m + strlen(m), len - strlen(m), "; instructions %.2fx", vi);
		r->met = v <= g->limit;
		break;
	case G_NOT_SLOWER:
		snprintf(m, len, "worst %.2fx (%s.*.%s", v, compared[which][0], compared[which][1]);
		if (!isnan(vi))
			snprintf(m + strlen(m), len - strlen(m), "; instructions worst %.3fx at %s.*.%s",
				 vi, compared[wi][0], compared[wi][1]);
		r->met = v <= g->limit;
		break;
	}
	snprintf(m + strlen(m), len - strlen(m), ")");
}
