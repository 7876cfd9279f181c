/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The bug benchmark's results (pasidsim bugbench, tools/builtin-bugbench.c):
 * how a bugbench run is stored, and how two runs are compared.
 *
 * A bugbench run keeps, per seeded bug x harness (a "cell", named
 * "<bug>.<harness>"), one sample per trial of
 *   bugbench.<cell>.detected  1 detected, 0 not                (higher)
 *   bugbench.<cell>.ttd_s     time to detection in seconds, the
 *                             budget when not detected (censored) (lower)
 *   bugbench.<cell>.reached   1/0 when it could be decided      (higher)
 * the budget as the metric bugbench.budget_s, and for --mutation per bug
 * mutation.<bug>.killed (1/0) with a "mutation" finding naming the test.
 *
 * Comparing a candidate with a baseline (bugbench_compare_cells):
 *   fewer found: Fisher's exact test, one-sided, on the detections over all
 *     cells' trials pooled (p < alpha), or in one cell (p < alpha / cells);
 *   slower: Mann-Whitney U on the times to detection (censored at the
 *     budget) pooled (p < alpha and the candidate ranks higher), or in one
 *     cell (p < alpha / cells).
 */
#ifndef PASIDSIM_BUGBENCH_H
#define PASIDSIM_BUGBENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct results_db;

#define BUGBENCH_CELL_MAX	160

struct bugbench_cell {
	char name[BUGBENCH_CELL_MAX];	/* "<bug>.<harness>" */
	unsigned int trials, detected;
	double *ttd;			/* one per trial, censored at the budget */
	size_t nttd;
	int reached;			/* trials that reached the bug, -1 unknown */
};

/*
 * Fisher's exact test, one-sided: with @a of @na trials detected by the
 * candidate and @b of @nb by the baseline, the probability of @a or fewer
 * candidate detections if both detect alike (hypergeometric). 1 if na = 0.
 */
double bugbench_fisher_less(unsigned int a, unsigned int na, unsigned int b, unsigned int nb);

/* Nearest-rank median (tools/stats.h) of @n times in seconds (0 if none). */
double bugbench_median(const double *v, size_t n);

struct bugbench_cmp_row {
	char name[BUGBENCH_CELL_MAX];
	unsigned int bd, bn, cd, cn;	/* detected / trials, baseline and candidate */
	double bmed, cmed;		/* median time to detection */
	double p_found, p_time;
	bool fewer, slower;		/* significant at alpha / cells */
};

struct bugbench_cmp {
	struct bugbench_cmp_row *rows;
	size_t nrows;
	unsigned int bd, bn, cd, cn;	/* pooled */
	double bmed, cmed, p_found, p_time;
	bool fewer, slower;		/* pooled, significant at alpha */
	unsigned int regressions;	/* pooled and per-cell verdicts that fired */
	unsigned int missing;		/* baseline cells the candidate lacks */
	double alpha;
};

/* Compare cells by name (both arrays in any order). 0, or -1 out of memory. */
int bugbench_compare_cells(const struct bugbench_cell *b, size_t nb,
			   const struct bugbench_cell *c, size_t nc, double alpha,
			   struct bugbench_cmp *out);
void bugbench_cmp_free(struct bugbench_cmp *cmp);

/* The cells of bugbench run @run. 0, or -1 with @err. */
int bugbench_load_cells(struct results_db *db, int64_t run, struct bugbench_cell **out,
			size_t *n, char *err, size_t errlen);
void bugbench_cells_free(struct bugbench_cell *cells, size_t n);
/* Is run @run a bugbench run? */
bool bugbench_is_run(struct results_db *db, int64_t run);

/* ---- seeded bugs (fuzz/bugbench/<name>.patch) ------------------------------------ */

struct bugbench_line {
	char file[128];			/* "core/vfio-pasid.c" */
	unsigned int line;		/* in the patched file */
};

struct bugbench_bug {
	char name[96];
	char flavours[128];		/* "Flavours:", space-separated */
	char suite[64];			/* "Suite:" */
	char harnesses[128];		/* "Harnesses:" (all kernel harnesses when absent) */
	bool has_harnesses;
	struct bugbench_line *lines;	/* lines the patch adds (or deletes before) */
	size_t nlines;
};

/* Read a patch's header and the lines it changes. 0, or -1 with FILE:LINE: why in @err. */
int bugbench_read_patch(const char *path, struct bugbench_bug *bug, char *err, size_t errlen);
void bugbench_bug_free(struct bugbench_bug *bug);
/* Is @word in the space-separated @list? */
bool bugbench_in_list(const char *list, const char *word);

/*
 * Did a replay reach @bug's changed lines in the object whose path ends in
 * @object? @edges is what the
 * fuzz preset's replayer wrote (PASIDSIM_FUZZ_COVERAGE, fuzz/coverage.c):
 * every edge of each loaded copy and whether it was covered. Each edge is
 * symbolized (llvm-symbolizer, inlined frames too); a changed line counts
 * as reached when an edge at that line was covered or, when it has none
 * (it shares its basic block's counter), when its function was entered (an
 * edge of the function of the nearest instrumented line before it, at most
 * 40 lines up, was covered). 1, 0, or -1 when it cannot be told (no edges
 * of @object, no symbolizer, no code near any changed line: a changed
 * constant in a header).
 */
int bugbench_reached(const char *edges, const char *object, const struct bugbench_bug *bug);

/*
 * The core/ edges a replay reached: every edge of every object in @edges
 * (as for bugbench_reached()) whose outermost frame is in core/ or the
 * hosted Linux sources (Linux's ioasid.c of the linux-6.1 flavour), as
 * scripts/fuzz-coverage.sh counts them, in all and per file (@files, up to
 * BUGBENCH_CORE_FILES, NULL: none). 0, or -1.
 */
#define BUGBENCH_CORE_FILES	8
struct bugbench_core_file {
	char name[32];			/* the source file's name, without directories */
	unsigned long covered, total;
};
int bugbench_core_edges(const char *edges, unsigned long *covered, unsigned long *total,
			struct bugbench_core_file *files, unsigned int *nfiles);

/* 'pasidsim compare' of two bugbench runs: prints the verdict; 0 ok, 1 regression, 2 error. */
int bugbench_compare_runs(struct results_db *db, int64_t base, int64_t cand, double alpha,
			  bool json);

#endif /* PASIDSIM_BUGBENCH_H */
