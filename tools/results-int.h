/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim results store internals, shared by tools/results.c (schema,
 * opening, runs, committing, merging, resolving) and tools/results-compare.c
 * (statistics, comparing, output helpers). Not an API: results.h is.
 */
#ifndef PASIDSIM_RESULTS_INT_H
#define PASIDSIM_RESULTS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "results.h"

#define RUN_COLUMNS "uuid, command, trace_hash, config, flavour, seed, git_commit, git_dirty, " \
	"build_type, compiler, machine, started_at, ops, digest, status, branch, cost_model, " \
	"duration_ns"

enum results_stmt {
	ST_RUN,
	ST_METRIC,
	ST_SAMPLE,
	ST_FINDING,
	ST_HIST,
	ST_BUCKET,
	ST_LOCKSTAT,
	ST_COVERAGE,
	ST__COUNT
};

struct results_db {
	sqlite3 *h;
	char *path;
	int version_found;
	bool readonly;
	sqlite3_stmt *stmt[ST__COUNT];
};

/* ---- a run being built, in memory -------------------------------------------- */

struct run_metric {
	char *name, *unit;
	enum results_kind kind;
	enum results_better better;
	double value;
	double *samples;
	size_t nsamples, cap;
};

struct run_hist {
	char *name, *unit;
	enum results_kind kind;
	struct results_hist *h;
};

struct run_finding {
	char *kind, *message, *reproducer;
	int64_t position;
};

struct run_lock {
	struct results_lockstat st;
	char *name;
};

struct run_cov {
	double t;
	uint64_t execs, coverage, corpus;
};

#define VEC(type) struct { type *v; size_t n, cap; }

struct results_run {
	char uuid[37];
	char *command, *trace_hash, *config, *flavour, *cost_model;
	uint64_t seed;
	char *git_commit, *git_branch, *started_at, *machine;
	int git_dirty;
	uint64_t ops, duration_ns;
	bool has_ops, has_duration;
	char *status;
	struct results_digest digest;
	VEC(struct run_metric) metrics;
	VEC(struct run_hist) hists;
	VEC(struct run_finding) findings;
	VEC(struct run_lock) locks;
	VEC(struct run_cov) cov;
	results_progress_fn progress;
	void *progress_arg;
};

#define VEC_PUSH(vec) \
	(results_vec_grow((void **)&(vec).v, &(vec).cap, (vec).n, sizeof(*(vec).v)) ? \
	 &(vec).v[(vec).n++] : NULL)

static inline char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Grow *@v (of *@cap elements of @size bytes) to hold @n + 1: false on ENOMEM. */
bool results_vec_grow(void **v, size_t *cap, size_t n, size_t size);
/* Format an error into @err (may be NULL). */
void results_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run @sql (no result rows): 0, or -1 with @err. */
int results_exec(struct results_db *db, const char *sql, char *err, size_t errlen);
/* The first line @cmd prints (popen), malloc'd, or NULL. */
char *results_run_line(const char *cmd);

#endif /* PASIDSIM_RESULTS_INT_H */
