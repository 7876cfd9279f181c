// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim report: fuzz campaigns per harness and engine (their coverage
 * curves and figures, from 'pasidsim fuzz' and scripts/fuzz.sh runs) and
 * the newest bugbench run's bug x harness table with the unit suites'
 * kill count (bugbench.h).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bugbench.h"
#include "builtin-report.h"
#include "json.h"

#define col report_col
#define jcol report_jcol

#define RUNS_PER_CAMPAIGN	8

/* "fuzz": [{harness, engine, runs: [{run, commit, started, execs, exec_per_s, ...}]}] */
static void emit_campaigns(struct report *r)
{
	struct json *j = &r->j;
	sqlite3_stmt *st, *pt;
	char key[256] = "";
	unsigned int n = 0;
	bool open = false;

	sqlite3_prepare_v2(r->h, "SELECT r.id, CASE WHEN r.command LIKE 'fuzz:%' THEN "
			   "substr(r.command, 6) ELSE json_extract(r.config, '$.harness') END AS h, "
			   "coalesce(json_extract(r.config, '$.engine'), 'libfuzzer') AS e, "
			   "r.git_commit, r.started_at, r.flavour, "
			   "(SELECT value FROM metrics WHERE run_id = r.id AND name = 'fuzz.execs'), "
			   "(SELECT value FROM metrics WHERE run_id = r.id AND name = "
			   "'fuzz.exec_per_s'), (SELECT value FROM metrics WHERE run_id = r.id AND "
			   "name = 'fuzz.coverage'), (SELECT value FROM metrics WHERE run_id = r.id "
			   "AND name = 'fuzz.core_edges'), (SELECT count(*) FROM findings f WHERE "
			   "f.run_id = r.id) FROM runs r WHERE (r.command = 'fuzz' OR r.command LIKE "
			   "'fuzz:%') AND json_valid(ifnull(r.config, '{}')) ORDER BY h, e, "
			   "r.started_at DESC, r.id DESC", -1, &st, NULL);
	sqlite3_prepare_v2(r->h, "SELECT t_s, execs, coverage, corpus FROM coverage WHERE "
			   "run_id = ?1 ORDER BY seq", -1, &pt, NULL);
	json_arr_begin(j, "fuzz");
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char k[256];

		snprintf(k, sizeof(k), "%s|%s", col(st, 1), col(st, 2));
		if (strcmp(k, key)) {
			if (open) {
				json_arr_end(j);
				json_obj_end(j);
			}
			snprintf(key, sizeof(key), "%s", k);
			json_obj_begin(j, NULL);
			jcol(j, "harness", st, 1);
			jcol(j, "engine", st, 2);
			json_arr_begin(j, "runs");
			open = true;
			n = 0;
		}
		if (n++ >= RUNS_PER_CAMPAIGN)
			continue;
		json_obj_begin(j, NULL);
		json_i64(j, "run", sqlite3_column_int64(st, 0));
		jcol(j, "commit", st, 3);
		jcol(j, "started", st, 4);
		jcol(j, "flavour", st, 5);
		jcol(j, "execs", st, 6);
		jcol(j, "exec_per_s", st, 7);
		jcol(j, "coverage", st, 8);
		jcol(j, "core_edges", st, 9);
		json_i64(j, "findings", sqlite3_column_int64(st, 10));
		report_coverage_points(&r->j, pt, sqlite3_column_int64(st, 0));
		json_obj_end(j);
	}
	if (open) {
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(pt);
	sqlite3_finalize(st);
}

static void emit_cells(struct report *r, int64_t run, double budget)
{
	struct bugbench_cell *cells = NULL;
	struct json *j = &r->j;
	size_t n = 0;
	char err[256];

	json_arr_begin(j, "cells");
	if (!bugbench_load_cells(r->db, run, &cells, &n, err, sizeof(err))) {
		for (size_t i = 0; i < n; i++) {
			const struct bugbench_cell *c = &cells[i];
			const char *dot = strrchr(c->name, '.');
			bool med = c->detected && c->detected * 2 >= c->trials;

			json_obj_begin(j, NULL);
			json_strn(j, "bug", c->name, dot ? (size_t)(dot - c->name) : strlen(c->name));
			json_str(j, "harness", dot ? dot + 1 : "");
			json_u64(j, "trials", c->trials);
			json_u64(j, "detected", c->detected);
			if (c->reached < 0)
				json_null(j, "reached");
			else
				json_i64(j, "reached", c->reached);
			json_dbl(j, "median_s", med ? bugbench_median(c->ttd, c->nttd) : NAN);
			json_dbl(j, "budget_s", budget);
			json_obj_end(j);
		}
	}
	json_arr_end(j);
	bugbench_cells_free(cells, n);
}

/* "bugbench": the newest bugbench run, or null. */
static void emit_bugbench(struct report *r)
{
	struct json *j = &r->j;
	sqlite3_stmt *st, *ms;
	int64_t run;
	double budget;

	/* the newest run, and the suites' kills from the newest run with --mutation */
	sqlite3_prepare_v2(r->h, "SELECT id, git_commit, started_at, flavour, config, "
			   "(SELECT value FROM metrics WHERE run_id = r.id AND name = "
			   "'bugbench.budget_s'), m.value, n.value, m.run_id FROM runs r LEFT JOIN "
			   "(SELECT x.run_id, x.value FROM metrics x JOIN runs y ON y.id = x.run_id "
			   "WHERE x.name = 'mutation.killed' ORDER BY y.started_at DESC, y.id DESC "
			   "LIMIT 1) m LEFT JOIN metrics n ON n.run_id = m.run_id AND n.name = "
			   "'mutation.bugs' WHERE command = 'bugbench' ORDER BY started_at DESC, id DESC "
			   "LIMIT 1", -1, &st, NULL);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		json_null(j, "bugbench");
		sqlite3_finalize(st);
		return;
	}
	run = sqlite3_column_int64(st, 0);
	budget = sqlite3_column_double(st, 5);
	json_obj_begin(j, "bugbench");
	json_i64(j, "run", run);
	jcol(j, "commit", st, 1);
	jcol(j, "started", st, 2);
	jcol(j, "flavour", st, 3);
	jcol(j, "budget_s", st, 5);
	jcol(j, "killed", st, 6);
	jcol(j, "mutated", st, 7);
	jcol(j, "mutation_run", st, 8);
	emit_cells(r, run, budget);
	sqlite3_prepare_v2(r->h, "SELECT message FROM findings WHERE run_id = ?1 AND kind = "
			   "'mutation' ORDER BY seq", -1, &ms, NULL);
	sqlite3_bind_int64(ms, 1, sqlite3_column_int64(st, 8));
	json_arr_begin(j, "mutation");
	while (ms && sqlite3_step(ms) == SQLITE_ROW)
		jcol(j, NULL, ms, 0);
	json_arr_end(j);
	sqlite3_finalize(ms);
	json_obj_end(j);
	sqlite3_finalize(st);
}

void report_emit_fuzz(struct report *r)
{
	emit_campaigns(r);
	emit_bugbench(r);
}
