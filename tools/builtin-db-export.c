// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim db show and db export: one run, or every run, as text, JSON or
 * CSV. Exports go to a temporary file renamed when the export succeeds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "builtin-db.h"
#include "json.h"
#include "opt.h"
#include "outfile.h"

#define col db_col

void db_json_col(struct json *j, const char *key, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		json_null(j, key);
		break;
	case SQLITE_INTEGER:
		json_i64(j, key, sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		json_dbl(j, key, sqlite3_column_double(st, i));
		break;
	default:
		json_strn(j, key, col(st, i), sqlite3_column_bytes(st, i));
	}
}

/* Every row of @sql (bound to @id) as a JSON array of objects. */
static int json_rows(struct json *j, const char *key, sqlite3 *h, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	json_arr_begin(j, key);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_obj_begin(j, NULL);
		for (int i = 0; i < sqlite3_column_count(st); i++)
			db_json_col(j, sqlite3_column_name(st, i), st, i);
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int run_json(struct json *j, sqlite3 *h, int64_t id)
{
	static const char *const parts[][2] = {
		{ "metrics", "SELECT name, unit, kind, better, value, (SELECT json_group_array(value)"
			     " FROM (SELECT value FROM samples s WHERE s.run_id = m.run_id AND "
			     "s.name = m.name ORDER BY seq)) AS samples FROM metrics m "
			     "WHERE run_id = ?1 ORDER BY name" },
		{ "histograms", "SELECT name, unit, kind, count, sum, min, max, (SELECT "
				"json_group_array(json_array(bucket, count)) FROM hist_buckets b "
				"WHERE b.run_id = h.run_id AND b.name = h.name) AS buckets "
				"FROM histograms h WHERE run_id = ?1 ORDER BY name" },
		{ "findings", "SELECT seq, kind, message, position, reproducer FROM findings "
			      "WHERE run_id = ?1 ORDER BY seq" },
		{ "lockstat", "SELECT class, acquisitions, contentions, wait_min_ns, wait_max_ns, "
			      "wait_total_ns, hold_min_ns, hold_max_ns, hold_total_ns FROM lockstat "
			      "WHERE run_id = ?1 ORDER BY seq" },
		{ "coverage", "SELECT t_s, execs, coverage, corpus FROM coverage WHERE run_id = ?1 "
			      "ORDER BY seq" },
	};
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h, "SELECT * FROM runs WHERE id = ?1", -1, &st, NULL))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	json_obj_begin(j, NULL);
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		const char *name = sqlite3_column_name(st, i);

		/* the configuration is JSON text (checked again: older stores did not) */
		if (!strcmp(name, "config") && sqlite3_column_type(st, i) == SQLITE_TEXT &&
		    json_valid(col(st, i), sqlite3_column_bytes(st, i)))
			json_raw(j, name, col(st, i));
		else
			db_json_col(j, name, st, i);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (json_rows(j, parts[i][0], h, parts[i][1], id))
			return -1;
	json_obj_end(j);
	return 0;
}

static void show_text(sqlite3 *h, int64_t id)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(h, "SELECT uuid, command, trace_hash, config, flavour, seed, "
			   "cost_model, git_commit, git_dirty, branch, build_type, compiler, "
			   "machine, started_at, duration_ns, ops, digest, status FROM runs "
			   "WHERE id = ?1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		printf("run %lld  %s\n", (long long)id, col(st, 0));
		printf("  what:    %s, flavour %s, seed %llu%s%s%s%s\n", col(st, 1), col(st, 4),
		       (unsigned long long)sqlite3_column_int64(st, 5),
		       *col(st, 2) ? ", trace " : "", col(st, 2),
		       *col(st, 6) ? ", cost model " : "", col(st, 6));
		if (*col(st, 3))
			printf("  config:  %s\n", col(st, 3));
		printf("  where:   commit %s%s on %s, %s build, %s\n", col(st, 7),
		       sqlite3_column_int(st, 8) ? " (dirty)" : "",
		       *col(st, 9) ? col(st, 9) : "(no branch)", col(st, 10), col(st, 11));
		printf("           %s, started %s, %.3f s\n", col(st, 12), col(st, 13),
		       sqlite3_column_int64(st, 14) / 1e9);
		printf("  outcome: %s, %lld operations, digest %s\n", col(st, 17),
		       (long long)sqlite3_column_int64(st, 15), col(st, 16));
	}
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT name, value, unit, kind, better, (SELECT count(*) FROM "
			   "samples s WHERE s.run_id = m.run_id AND s.name = m.name) FROM "
			   "metrics m WHERE run_id = ?1 ORDER BY name", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  metrics:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    %-36s %16.6g %-8s %-7s %s-better%s%s\n", col(st, 0),
		       sqlite3_column_double(st, 1), col(st, 2), col(st, 3), col(st, 4),
		       sqlite3_column_int(st, 5) ? ", median of samples: " : "",
		       sqlite3_column_int(st, 5) ? col(st, 5) : "");
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT name, count, unit, min, max, sum FROM histograms "
			   "WHERE run_id = ?1 ORDER BY name", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  histograms:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    %-36s %10lld values (%s), min %lld, max %lld, mean %.1f\n", col(st, 0),
		       (long long)sqlite3_column_int64(st, 1), col(st, 2),
		       (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
		       sqlite3_column_int64(st, 1) ? (double)sqlite3_column_int64(st, 5) /
		       sqlite3_column_int64(st, 1) : 0.0);
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT class, acquisitions, contentions, wait_total_ns, "
			   "hold_total_ns FROM lockstat WHERE run_id = ?1 ORDER BY seq",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  lockstat: %-28s %12s %11s %14s %14s\n", "class", "acquisitions", "contentions",
	       "wait ns", "hold ns");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("            %-28s %12lld %11lld %14lld %14lld\n", col(st, 0),
		       (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
		       (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT kind, position, message, reproducer FROM findings "
			   "WHERE run_id = ?1 ORDER BY seq", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  findings:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    %-10s at op %-8s %s%s%s\n", col(st, 0),
		       sqlite3_column_type(st, 1) == SQLITE_NULL ? "?" : col(st, 1), col(st, 2),
		       *col(st, 3) ? "  reproducer: " : "", col(st, 3));
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT count(*), max(t_s), max(coverage), max(execs) FROM coverage "
			   "WHERE run_id = ?1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0))
		printf("  fuzz coverage: %d points over %.1f s, %lld edges, %lld execs\n",
		       sqlite3_column_int(st, 0), sqlite3_column_double(st, 1),
		       (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
}

int db_show(struct db_args *a)
{
	struct results_db *db;
	char err[1024];
	int64_t id;

	db = db_open(a, RESULTS_OPEN_READONLY);
	if (!db)
		return PASIDSIM_EXIT_USAGE;
	id = results_resolve(db, a->rest[0], 0, err, sizeof(err));
	if (id < 0) {
		fprintf(stderr, "pasidsim db: %s\n", err);
		results_close(db);
		return PASIDSIM_EXIT_USAGE;
	}
	if (a->json) {
		struct json j;

		json_init(&j, stdout);
		run_json(&j, results_sqlite(db), id);
	} else {
		show_text(results_sqlite(db), id);
	}
	results_close(db);
	return PASIDSIM_EXIT_OK;
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int export_csv(FILE *out, sqlite3 *h, int64_t only)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h, "SELECT r.id, r.uuid, r.started_at, r.git_commit, r.git_dirty,"
				" r.branch, r.command, r.flavour, r.seed, r.machine, r.build_type,"
				" r.digest, m.name, m.unit, m.kind, m.better, m.value, (SELECT"
				" count(*) FROM samples s WHERE s.run_id = m.run_id AND"
				" s.name = m.name) FROM runs r JOIN metrics m ON m.run_id = r.id"
				" WHERE ?1 <= 0 OR r.id = ?1 ORDER BY r.started_at, r.id, m.name",
				-1, &st, NULL);
	if (rc)
		return -1;
	sqlite3_bind_int64(st, 1, only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			if (i)
				fputc(',', out);
			if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
				fprintf(out, "%.17g", sqlite3_column_double(st, i));
			else
				csv_field(out, col(st, i));
		}
		fputc('\n', out);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Every run (or the runs named) into @out: 0, or -1 with @err. */
/* Every run (or the runs named) into @out: 0, or -1 with @err. */
static int export_runs(struct db_args *a, struct results_db *db, FILE *out, char *err,
		       size_t errlen)
{
	sqlite3 *h = results_sqlite(db);
	sqlite3_stmt *st;
	struct json j;
	int ret = 0;

	json_init(&j, out);
	if (a->csv)
		fputs("run_id,uuid,started_at,git_commit,git_dirty,branch,command,flavour,seed,"
		      "machine,build_type,digest,metric,unit,kind,better,value,samples\n", out);
	else
		json_arr_begin(&j, NULL);
	for (int i = 0; i < a->nrest && !ret; i++) {
		int64_t id = results_resolve(db, a->rest[i], 0, err, errlen);

		if (id < 0)
			return -1;
		ret = a->csv ? export_csv(out, h, id) : run_json(&j, h, id);
	}
	if (!a->nrest && a->csv) {
		ret = export_csv(out, h, 0);
	} else if (!a->nrest) {
		if (sqlite3_prepare_v2(h, "SELECT id FROM runs ORDER BY started_at, id", -1, &st,
				       NULL))
			ret = -1;
		while (!ret && sqlite3_step(st) == SQLITE_ROW)
			ret = run_json(&j, h, sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
	}
	if (!a->csv)
		json_arr_end(&j);
	if (ret)
		snprintf(err, errlen, "%s: %s", results_path(db), sqlite3_errmsg(h));
	return ret;
}

int db_export(struct db_args *a)
{
	struct results_db *db;
	struct outfile out;
	char err[1024];
	int ret;

	if (a->json == a->csv) {
		fprintf(stderr, "pasidsim db export: expected one of --json and --csv\n");
		return PASIDSIM_EXIT_USAGE;
	}
	db = db_open(a, RESULTS_OPEN_READONLY);
	if (!db)
		return PASIDSIM_EXIT_USAGE;
	if (outfile_open(&out, a->out ? a->out : "-", err, sizeof(err))) {
		fprintf(stderr, "pasidsim db export: %s\n", err);
		results_close(db);
		return PASIDSIM_EXIT_USAGE;
	}
	ret = export_runs(a, db, out.f, err, sizeof(err));
	if (ret)
		outfile_abort(&out);	/* the old file stays; stdout has what was written */
	else
		ret = outfile_commit(&out, err, sizeof(err));
	if (ret)
		fprintf(stderr, "pasidsim db export: %s\n", err);
	results_close(db);
	return ret ? PASIDSIM_EXIT_USAGE : PASIDSIM_EXIT_OK;
}
