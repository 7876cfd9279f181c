// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim report: the "Benchmarks" section. For every benchmark recorded
 * by 'pasidsim bench' (runs of command bench:<name>), the latest run in
 * each build mode (config.mode: checked, fast): the median of its
 * bench.ns_per_op samples (stats.h's nearest-rank p50) and its
 * instructions per operation; then issue 13's goals (bench-goals.c)
 * evaluated from those medians, each in the mode it names.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "builtin-report.h"
#include "stats.h"

#define MAX_ROWS	256

struct bench_row {
	int64_t run;
	char name[96], mode[16], op[24], commit[48], started[40];
	double median_ns, ipo;
	size_t nsamples;
};

struct bench_rows {
	struct bench_row *v;
	size_t n;
};

static void copy_col(char *dst, size_t len, sqlite3_stmt *st, int i)
{
	const char *s = report_col(st, i);

	snprintf(dst, len, "%s", s ? s : "");
}

/* The median ns/op and the instruction count of run @row->run. */
static void row_figures(sqlite3 *h, struct bench_row *row)
{
	struct stats s = STATS_INIT;
	sqlite3_stmt *st;

	row->ipo = NAN;
	row->median_ns = NAN;
	if (sqlite3_prepare_v2(h, "SELECT value FROM samples WHERE run_id = ?1 AND "
			       "name = 'bench.ns_per_op'", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, row->run);
		/* picoseconds: the percentile helper takes integers */
		while (sqlite3_step(st) == SQLITE_ROW)
			stats_add(&s, (uint64_t)(sqlite3_column_double(st, 0) * 1000 + 0.5));
		sqlite3_finalize(st);
	}
	row->nsamples = s.n;
	if (s.n)
		row->median_ns = stats_pct(&s, 50) / 1000.0;
	stats_free(&s);
	if (sqlite3_prepare_v2(h, "SELECT value FROM metrics WHERE run_id = ?1 AND "
			       "name = 'bench.instructions_per_op'", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, row->run);
		if (sqlite3_step(st) == SQLITE_ROW)
			row->ipo = sqlite3_column_double(st, 0);
		sqlite3_finalize(st);
	}
}

/* The latest run of every bench:<name> in every mode, by name and mode. */
static void load_rows(struct report *r, struct bench_rows *rows)
{
	sqlite3_stmt *st;

	rows->n = 0;
	rows->v = calloc(MAX_ROWS, sizeof(*rows->v));
	if (!rows->v || sqlite3_prepare_v2(r->h,
		"WITH b AS (SELECT id, substr(command, 7) AS name, "
		"  coalesce(json_extract(config, '$.mode'), 'checked') AS mode, "
		"  coalesce(json_extract(config, '$.op'), 'op') AS op, git_commit, started_at, "
		"  row_number() OVER (PARTITION BY command, "
		"    coalesce(json_extract(config, '$.mode'), 'checked') "
		"    ORDER BY started_at DESC, id DESC) AS k "
		"  FROM runs WHERE command LIKE 'bench:%' AND json_valid(coalesce(config, '{}'))) "
		"SELECT id, name, mode, op, git_commit, started_at FROM b WHERE k = 1 "
		"ORDER BY name, mode", -1, &st, NULL) != SQLITE_OK)
		return;
	while (rows->n < MAX_ROWS && sqlite3_step(st) == SQLITE_ROW) {
		struct bench_row *row = &rows->v[rows->n++];

		row->run = sqlite3_column_int64(st, 0);
		copy_col(row->name, sizeof(row->name), st, 1);
		copy_col(row->mode, sizeof(row->mode), st, 2);
		copy_col(row->op, sizeof(row->op), st, 3);
		copy_col(row->commit, sizeof(row->commit), st, 4);
		copy_col(row->started, sizeof(row->started), st, 5);
		row_figures(r->h, row);
	}
	sqlite3_finalize(st);
}

/* bench_median_fn over the loaded rows. */
static double row_median(void *arg, const char *name, const char *mode, bool instr)
{
	const struct bench_rows *rows = arg;

	for (size_t i = 0; i < rows->n; i++)
		if (!strcmp(rows->v[i].name, name) && !strcmp(rows->v[i].mode, mode))
			return instr ? rows->v[i].ipo : rows->v[i].median_ns;
	return NAN;
}

static void emit_rows(struct json *j, const struct bench_rows *rows)
{
	json_arr_begin(j, "rows");
	for (size_t i = 0; i < rows->n; i++) {
		const struct bench_row *row = &rows->v[i];
		const struct bench *b = bench_find(row->name);

		json_obj_begin(j, NULL);
		json_str(j, "name", row->name);
		json_str(j, "what", b ? b->what : NULL);
		json_str(j, "mode", row->mode);
		json_str(j, "op", row->op);
		json_dbl(j, "median_ns", row->median_ns);
		json_dbl(j, "ops_per_s", 1e9 / row->median_ns);
		json_dbl(j, "instructions_per_op", row->ipo);
		json_u64(j, "samples", row->nsamples);
		json_i64(j, "run", row->run);
		json_str(j, "commit", row->commit);
		json_str(j, "started", row->started);
		json_obj_end(j);
	}
	json_arr_end(j);
}

void report_emit_benchmarks(struct report *r)
{
	struct json *j = &r->j;
	struct bench_rows rows;

	load_rows(r, &rows);
	json_obj_begin(j, "benchmarks");
	emit_rows(j, &rows);
	json_arr_begin(j, "goals");
	for (size_t i = 0; rows.n && i < bench_goal_count(); i++) {
		struct bench_goal_result g;

		bench_goal_eval(i, row_median, &rows, &g);
		json_obj_begin(j, NULL);
		json_str(j, "goal", g.goal);
		json_str(j, "mode", g.mode);
		json_str(j, "measured", g.measured);
		if (g.met < 0)
			json_null(j, "met");
		else
			json_bool(j, "met", g.met);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
	free(rows.v);
}
