/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim report: what builtin-report.c (scenarios, metrics, summaries,
 * the command) and builtin-report-extra.c (coverage, findings and their
 * reproducers, the runs table) share.
 */
#ifndef PASIDSIM_BUILTIN_REPORT_H
#define PASIDSIM_BUILTIN_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

#include "json.h"
#include "results.h"

struct report_asset {
	const char *name;
	const unsigned char *data;
	size_t size;
};

struct report {
	struct results_db *db;
	sqlite3 *h;
	FILE *out;			/* data.js being written */
	struct json j;			/* ... through the JSON writer */
	const char *dir;
	struct results_cmp_opts opts;
	uint64_t max_runs;
	bool quiet;
	unsigned int open_regressions;
	unsigned int missing_reproducers;
};

/* A regression still open at the newest run of a scenario. */
#define MAX_OPEN_REGS	64
struct open_reg {
	char metric[96];
	char commit[48], last_good[48];
	int64_t run;
};

const char *report_col(sqlite3_stmt *st, int i);
/* Column @i of a row as the JSON value @key (NULL inside an array). */
void report_jcol(struct json *j, const char *key, sqlite3_stmt *st, int i);
/* DIR/NAME through a temporary file: 0, or -1 (reported). */
int report_write_file(const char *dir, const char *name, const void *data, size_t len);

void report_coverage_points(struct json *j, sqlite3_stmt *pt, int64_t run);
void report_emit_coverage(struct report *r);
void report_emit_findings(struct report *r);
void report_emit_runs_table(struct report *r);
/* The "Benchmarks" section: latest bench:<name> runs and issue 13's goals (builtin-report-bench.c). */
void report_emit_benchmarks(struct report *r);
/* Fuzz campaigns per harness and engine, the newest bugbench run (builtin-report-fuzz.c). */
void report_emit_fuzz(struct report *r);

#endif /* PASIDSIM_BUILTIN_REPORT_H */
