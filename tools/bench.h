/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim bench: the benchmarks of 'pasidsim bench' (docs/benchmarks.md).
 *
 * A benchmark is a row of a table: a name ("alloc.pasidsim.100k"), its
 * parameters, and three functions. setup() builds what the timed part needs
 * (a kernel instance with a loaded core copy and N live IDs, a world, a
 * trace in memory) for a given number of operations; run() does the
 * operations and is the only part timed; teardown() undoes setup(). The
 * driver (builtin-bench.c) times run() for wall-clock samples, and runs the
 * same setup/run/teardown in a child process under callgrind, with
 * instrumentation on around run() only, for instructions per operation.
 */
#ifndef PASIDSIM_BENCH_H
#define PASIDSIM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bench;

/* One sample's state. */
struct bench_ctx {
	const struct bench *b;
	uint64_t ops;		/* operations asked for (0: the callgrind baseline) */
	uint64_t done;		/* operations run() did (set by setup() or run()) */
	uint64_t ns;		/* run() timed itself: its ns (else 0: the driver times it) */
	void *state;		/* the benchmark's own */
	char err[512];		/* why setup() or run() failed */
};

struct bench {
	const char *name;
	const char *what;		/* one line for --list and the report */
	const char *flavour;		/* "pasidsim", "linux-6.1", "bitmap", or NULL */
	const char *op;			/* what one operation is: "pair", "walk", "event" ... */
	uint64_t ops;			/* operations of one wall-clock sample */
	uint64_t cg_ops;		/* operations under callgrind (0: not measured there) */
	const char *cg_skip;		/* why not, when cg_ops is 0 */
	uint64_t p1, p2;		/* parameters: live IDs, VMs x vCPUs, ... */
	/* NULL, or why the benchmark cannot run here (written into @buf) */
	const char *(*skip)(const struct bench *b, char *buf, size_t len);
	int (*setup)(struct bench_ctx *c);
	int (*run)(struct bench_ctx *c);
	void (*teardown)(struct bench_ctx *c);
};

/* The tables, each ended by an entry with a NULL name. */
extern const struct bench bench_alloc_table[];	/* bench-alloc.c */
extern const struct bench bench_sys_table[];	/* bench-sys.c */

/* Every benchmark, in table order: the @i-th, or NULL past the end. */
const struct bench *bench_nth(size_t i);
const struct bench *bench_find(const char *name);

/* skip(): the benchmark's flavour's core object is not built. */
const char *bench_skip_flavour(const struct bench *b, char *buf, size_t len);

/* "checked" or "fast": how the simulated kernel was built (<sim/checks.h>). */
const char *bench_mode(void);

/* Path of the running pasidsim executable (for children), or NULL. */
const char *bench_self(void);

/* ---- callgrind (bench-callgrind.c) -------------------------------------------------- */

/* Is valgrind installed and usable? If not, the reason in @why. */
bool bench_callgrind_available(char *why, size_t len);

/*
 * Instructions (Ir) from a callgrind output file: the "totals:" line (or,
 * without one, the "summary:" line) at the position of "Ir" in "events:"
 * (with --instr-atstart=no callgrind writes "summary: 0" and the count in
 * "totals:").
 * 0, or -1 if the file has neither.
 */
int bench_callgrind_parse(FILE *f, uint64_t *ir);

/*
 * Run benchmark @b in a child under callgrind with @ops operations
 * (instrumentation on around run() only): the instructions counted in
 * @ir, the operations the child did in @done. 0, or -1 with @err.
 */
int bench_callgrind_run(const struct bench *b, uint64_t ops, uint64_t *ir, uint64_t *done,
			char *err, size_t len);

/* The child's side: setup, run under instrumentation, teardown; prints "done N". */
int bench_child(const struct bench *b, uint64_t ops);

/* ---- goals (bench-goals.c) ----------------------------------------------------------- */

/*
 * The median ns per operation of benchmark @name in build @mode (with
 * @instructions: its instructions per operation), or NaN if not measured.
 */
typedef double (*bench_median_fn)(void *arg, const char *name, const char *mode,
				  bool instructions);

struct bench_goal_result {
	const char *goal;		/* the goal, as issue 13 words it */
	const char *mode;		/* the build mode it is measured in */
	/* "1.23M/s (world.64x8; 21,739 instructions/op)", "2.1x (...)", "not measured" */
	char measured[192];
	int met;			/* 1 met, 0 not, -1 not measured */
};

/*
 * How many goals there are, and goal @i evaluated from @median: met or not
 * by the wall-clock medians (the goals are speeds); the same figure from
 * instruction counts is added where they were measured.
 */
size_t bench_goal_count(void);
void bench_goal_eval(size_t i, bench_median_fn median, void *arg, struct bench_goal_result *r);

#endif /* PASIDSIM_BENCH_H */
