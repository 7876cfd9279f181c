// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim bench: the benchmark suite of issue 13 (docs/benchmarks.md).
 *
 * Every benchmark (bench.h; the tables are in bench-alloc.c and
 * bench-sys.c) runs --reps rounds; within a round every selected benchmark
 * takes one sample in turn (round-robin, so a slow phase of a shared
 * machine spreads over all of them instead of hitting one). A sample is
 * setup (untimed), run (timed: ns per operation), teardown. The figure is
 * the median of the samples (stats.h's nearest-rank p50). With --callgrind
 * each benchmark also runs in a child under callgrind for instructions per
 * operation (bench-callgrind.c). Each benchmark is recorded as one run of
 * command "bench:<name>", a wall sample per round, the instruction count as
 * an exact metric.
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sim/checks.h>

#include "bench.h"
#include "builtin.h"
#include "json.h"
#include "opt.h"
#include "results.h"
#include "stats.h"

static const char bench_about[] =
	"Runs the benchmarks of issue 13 and records each as a run of command\n"
	"bench:<name>: allocator pairs, find and for_each on both flavours and on a\n"
	"bitmap lower bound, world churn, bare-metal replay, trace parsing, instance\n"
	"creation and reset, fuzz exec/s. Rounds are interleaved (each round samples\n"
	"every benchmark once); the figure is the median. --callgrind adds\n"
	"instructions per operation (valgrind). docs/benchmarks.md describes them.\n";

static const char bench_footer[] =
	"Exit status: 0 done, 1 a benchmark failed, 2 usage error.\n";

#define MAX_BENCH	64

struct result {
	const struct bench *b;
	struct stats ps;		/* picoseconds per op, one a sample */
	uint64_t ops_total, ns_total;
	const char *skip;
	char skipbuf[512];
	char err[512];
	bool failed;
	double ipo;			/* instructions per op, NaN if not measured */
	char cg_note[256];
	int64_t run_id;
};

struct bench_cmd {
	const char *only, *dbopt, *child;
	unsigned int reps;
	uint64_t child_ops;
	bool callgrind, json, nodb, list, quiet;
	bool progress;			/* progress lines: stderr is a terminal */
	struct result r[MAX_BENCH];
	size_t n;
};

const struct bench *bench_nth(size_t i)
{
	static const struct bench *const tables[] = { bench_alloc_table, bench_sys_table };

	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		size_t n = 0;

		while (tables[t][n].name)
			n++;
		if (i < n)
			return &tables[t][i];
		i -= n;
	}
	return NULL;
}

const struct bench *bench_find(const char *name)
{
	const struct bench *b;

	for (size_t i = 0; (b = bench_nth(i)); i++)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

const char *bench_mode(void)
{
	return SIM_CHECKS ? "checked" : "fast";
}

/* Does @name match one pattern: fnmatch, or a prefix ending at a dot ("alloc" matches alloc.*). */
static bool pattern_match(const char *pat, size_t n, const char *name)
{
	char p[128];

	if (n >= sizeof(p))
		return false;
	memcpy(p, pat, n);
	p[n] = '\0';
	if (!fnmatch(p, name, 0))
		return true;
	return !strncmp(name, p, n) && name[n] == '.';
}

/* The benchmarks --only selects (all without it); -1 for a pattern that selects none. */
static int select_benchmarks(struct bench_cmd *c)
{
	const char *p = c->only;
	const struct bench *b;

	for (size_t i = 0; (b = bench_nth(i)); i++) {
		bool take = !p;

		for (const char *q = p; q && *q && !take;) {
			size_t n = strcspn(q, ",");

			take = pattern_match(q, n, b->name);
			q += n + (q[n] == ',');
		}
		if (take && c->n < MAX_BENCH) {
			memset(&c->r[c->n], 0, sizeof(c->r[0]));
			c->r[c->n].b = b;
			c->r[c->n].ipo = NAN;
			c->n++;
		}
	}
	while (p && *p) {
		size_t n = strcspn(p, ",");
		bool any = false;

		for (size_t i = 0; (b = bench_nth(i)) && !any; i++)
			any = n && pattern_match(p, n, b->name);
		if (!any) {
			fprintf(stderr, "pasidsim bench: --only=%s: no benchmark matches '%.*s' "
				"(expected names from 'pasidsim bench --list')\n", c->only, (int)n, p);
			return -1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* One wall-clock sample of @r. */
static int sample(struct result *r)
{
	const struct bench *b = r->b;
	struct bench_ctx c = { .b = b, .ops = b->ops, .done = b->ops };
	uint64_t t0, ns;
	int ret = 0;

	if (b->setup)
		ret = b->setup(&c);
	if (!ret) {
		t0 = now_ns();
		ret = b->run(&c);
		ns = c.ns ? c.ns : now_ns() - t0;
	}
	if (b->teardown)
		b->teardown(&c);
	if (ret || !c.done) {
		snprintf(r->err, sizeof(r->err), "%s", c.err[0] ? c.err : "no operations done");
		r->failed = true;
		return -1;
	}
	r->ops_total += c.done;
	r->ns_total += ns;
	stats_add(&r->ps, (uint64_t)((double)ns * 1000 / c.done + 0.5));
	return 0;
}

static double median_ns(struct result *r)
{
	return r->ps.n ? stats_pct(&r->ps, 50) / 1000.0 : NAN;
}

static void rounds(struct bench_cmd *c)
{
	for (unsigned int round = 0; round < c->reps; round++)
		for (size_t i = 0; i < c->n; i++) {
			struct result *r = &c->r[i];

			if (r->skip || r->failed)
				continue;
			if (c->progress)
				fprintf(stderr, "\rpasidsim bench: round %u/%u: %-24s", round + 1,
					c->reps, r->b->name);
			if (sample(r) && !c->quiet)
				fprintf(stderr, "\npasidsim bench: %s failed: %s\n", r->b->name,
					r->err);
		}
	if (c->progress)
		fprintf(stderr, "\r%60s\r", "");
}

static void callgrind_all(struct bench_cmd *c)
{
	char why[256];
	bool ok = bench_callgrind_available(why, sizeof(why));

	for (size_t i = 0; i < c->n; i++) {
		struct result *r = &c->r[i];
		uint64_t ir, done;

		if (r->skip || r->failed)
			continue;
		if (!ok) {
			snprintf(r->cg_note, sizeof(r->cg_note), "%s", why);
			continue;
		}
		if (!r->b->cg_ops) {
			snprintf(r->cg_note, sizeof(r->cg_note), "%s",
				 r->b->cg_skip ? r->b->cg_skip : "not measured");
			continue;
		}
		if (c->progress)
			fprintf(stderr, "\rpasidsim bench: callgrind: %-24s", r->b->name);
		if (bench_callgrind_run(r->b, r->b->cg_ops, &ir, &done, r->cg_note,
					sizeof(r->cg_note)))
			continue;
		r->ipo = (double)ir / done;
	}
	if (c->progress)
		fprintf(stderr, "\r%60s\r", "");
}

static int record_one(struct results_db *db, struct result *r, char *err, size_t len)
{
	const struct bench *b = r->b;
	struct results_run_info info = {
		.command = NULL, .flavour = b->flavour ? b->flavour : PASIDSIM_FLAVOUR,
		.seed = 1, .git_dirty = -1,
	};
	char command[160], config[512];
	struct results_run *run;
	struct json j;
	int ret = -1;

	snprintf(command, sizeof(command), "bench:%s", b->name);
	info.command = command;
	if (!json_buf_begin(&j, config, sizeof(config))) {
		json_obj_begin(&j, NULL);
		json_str(&j, "benchmark", b->name);
		json_str(&j, "mode", bench_mode());
		json_str(&j, "op", b->op);
		json_u64(&j, "ops", b->ops);
		json_obj_end(&j);
		json_buf_end(&j, config, sizeof(config));
		info.config = config;
	}
	run = results_run_new(&info);
	if (!run) {
		snprintf(err, len, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < r->ps.n; i++) {
		double ns = r->ps.v[i] / 1000.0;

		results_sample(run, "bench.ns_per_op", "ns", RESULTS_LOWER, ns);
		results_sample(run, "bench.ops_per_s", "ops/s", RESULTS_HIGHER, 1e9 / ns);
	}
	if (!isnan(r->ipo))
		results_metric(run, "bench.instructions_per_op", "instructions", RESULTS_LOWER,
			       r->ipo);
	results_run_set_outcome(run, r->ops_total, "ok");
	results_run_set_duration(run, r->ns_total);
	r->run_id = results_run_commit(db, run, err, len);
	if (r->run_id > 0)
		ret = 0;
	results_run_free(run);
	return ret;
}

static int record(struct bench_cmd *c)
{
	char err[1024];
	struct results_db *db = results_open(results_db_path(c->dbopt), 0, err, sizeof(err));
	int ret = 0;

	if (!db) {
		fprintf(stderr, "pasidsim bench: not recorded: %s\n", err);
		return -1;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->r[i].ps.n && record_one(db, &c->r[i], err, sizeof(err))) {
			fprintf(stderr, "pasidsim bench: %s not recorded: %s\n", c->r[i].b->name,
				err);
			ret = -1;
		}
	if (!ret && !c->quiet && !c->json)
		fprintf(stderr, "pasidsim bench: recorded %zu run(s) in %s\n", c->n,
			results_path(db));
	results_close(db);
	return ret;
}

/* bench_median_fn over this invocation's results. */
static double current_median(void *arg, const char *name, const char *mode, bool instr)
{
	struct bench_cmd *c = arg;

	if (strcmp(mode, bench_mode()))
		return NAN;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->r[i].b->name, name))
			return instr ? c->r[i].ipo : median_ns(&c->r[i]);
	return NAN;
}

static void fmt_rate(char *buf, size_t len, double per_s)
{
	if (isnan(per_s))
		snprintf(buf, len, "-");
	else if (per_s >= 1e6)
		snprintf(buf, len, "%.3gM", per_s / 1e6);
	else if (per_s >= 1e3)
		snprintf(buf, len, "%.3gk", per_s / 1e3);
	else
		snprintf(buf, len, "%.3g", per_s);
}

static void print_table(struct bench_cmd *c)
{
	printf("pasidsim bench: %s mode, %u round(s), medians\n", bench_mode(), c->reps);
	printf("%-22s %-9s %12s %10s %12s %12s  %s\n", "benchmark", "op", "ns/op", "op/s",
	       "min-max ns", "instr/op", "note");
	for (size_t i = 0; i < c->n; i++) {
		struct result *r = &c->r[i];
		char rate[32], range[40], ipo[32];
		double med = median_ns(r);

		if (r->skip || !r->ps.n) {
			printf("%-22s %-9s %12s %10s %12s %12s  %s: %s\n", r->b->name, r->b->op,
			       "-", "-", "-", "-", r->skip ? "skipped" : "failed",
			       r->skip ? r->skip : r->err);
			continue;
		}
		fmt_rate(rate, sizeof(rate), 1e9 / med);
		snprintf(range, sizeof(range), "%.4g-%.4g", r->ps.min / 1000.0,
			 r->ps.max / 1000.0);
		if (isnan(r->ipo))
			snprintf(ipo, sizeof(ipo), "-");
		else
			snprintf(ipo, sizeof(ipo), "%.0f", r->ipo);
		printf("%-22s %-9s %12.4g %10s %12s %12s  %s\n", r->b->name, r->b->op, med, rate,
		       range, ipo, r->failed ? r->err : c->callgrind && isnan(r->ipo) ?
		       r->cg_note : "");
	}
	printf("\ngoals (issue 13)\n");
	for (size_t i = 0; i < bench_goal_count(); i++) {
		struct bench_goal_result g;

		bench_goal_eval(i, current_median, c, &g);
		printf("  %-4s %-68s %s\n", g.met < 0 ? "-" : g.met ? "met" : "NOT", g.goal,
		       g.measured);
	}
}

static void print_json(struct bench_cmd *c)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_str(&j, "mode", bench_mode());
	json_u64(&j, "rounds", c->reps);
	json_arr_begin(&j, "benchmarks");
	for (size_t i = 0; i < c->n; i++) {
		struct result *r = &c->r[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "name", r->b->name);
		json_str(&j, "op", r->b->op);
		json_str(&j, "skipped", r->skip);
		json_str(&j, "error", r->failed ? r->err : NULL);
		json_arr_begin(&j, "ns_per_op");
		for (size_t k = 0; k < r->ps.n; k++)
			json_dbl(&j, NULL, r->ps.v[k] / 1000.0);
		json_arr_end(&j);
		json_dbl(&j, "median_ns_per_op", median_ns(r));
		json_dbl(&j, "instructions_per_op", r->ipo);
		if (r->run_id > 0)
			json_i64(&j, "run", r->run_id);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "goals");
	for (size_t i = 0; i < bench_goal_count(); i++) {
		struct bench_goal_result g;

		bench_goal_eval(i, current_median, c, &g);
		json_obj_begin(&j, NULL);
		json_str(&j, "goal", g.goal);
		json_str(&j, "mode", g.mode);
		json_str(&j, "measured", g.measured);
		if (g.met < 0)
			json_null(&j, "met");
		else
			json_bool(&j, "met", g.met);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_obj_end(&j);
}

static void list(void)
{
	const struct bench *b;

	for (size_t i = 0; (b = bench_nth(i)); i++)
		printf("%-22s %s\n", b->name, b->what);
}

int cmd_bench(int argc, char **argv)
{
	static struct bench_cmd c;
	const struct opt opts[] = {
		OPT_STR(0, "only", &c.only, "NAME,...",
			"only these benchmarks: names, globs, or prefixes (alloc, world)"),
		OPT_UNSIGNED(0, "reps", &c.reps, 1, 100, "N", "rounds (default 5)"),
		OPT_BOOLEAN(0, "callgrind", &c.callgrind,
			    "also count instructions per operation under callgrind"),
		OPT_BOOLEAN(0, "list", &c.list, "list the benchmarks and exit"),
		OPT_DB(&c.dbopt),
		OPT_NO_DB(&c.nodb),
		OPT_JSON(&c.json),
		OPT_QUIET(&c.quiet),
		{ .type = OPT_STRING, .long_name = "child", .value = &c.child, .argh = "NAME",
		  .flags = OPT_HIDDEN, .help = "run NAME once (under callgrind)" },
		{ .type = OPT_U64, .long_name = "child-ops", .value = &c.child_ops,
		  .umax = UINT64_MAX, .flags = OPT_HIDDEN, .help = "operations of --child" },
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"bench", "[options]", bench_about, bench_footer, 0, 0,
	};
	int n, failed = 0;

	memset(&c, 0, sizeof(c));
	c.reps = 5;
	n = opt_parse(&cmd, opts, argc, argv);
	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	if (c.child) {
		const struct bench *b = bench_find(c.child);

		if (!b) {
			fprintf(stderr, "pasidsim bench: --child=%s: no such benchmark\n", c.child);
			return PASIDSIM_EXIT_USAGE;
		}
		return bench_child(b, c.child_ops) ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
	}
	if (c.list) {
		list();
		return PASIDSIM_EXIT_OK;
	}
	c.progress = !c.quiet && isatty(STDERR_FILENO);
	if (select_benchmarks(&c))
		return PASIDSIM_EXIT_USAGE;
	for (size_t i = 0; i < c.n; i++)
		if (c.r[i].b->skip)
			c.r[i].skip = c.r[i].b->skip(c.r[i].b, c.r[i].skipbuf,
						     sizeof(c.r[i].skipbuf));
	rounds(&c);
	if (c.callgrind)
		callgrind_all(&c);
	if (!c.nodb && record(&c))
		failed = 1;
	if (c.json)
		print_json(&c);
	else
		print_table(&c);
	for (size_t i = 0; i < c.n; i++) {
		failed |= c.r[i].failed;
		stats_free(&c.r[i].ps);
	}
	return failed ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
}
