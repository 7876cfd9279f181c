// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim report: fuzz coverage, findings (their reproducers copied into
 * the report, or reported when they cannot be found) and the runs table.
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin-report.h"
#include "json.h"
#include "outfile.h"

#define col report_col
#define jcol report_jcol

/* "points": [[seconds, execs, coverage, corpus], ...] of fuzz campaign @run (@pt: their query). */
void report_coverage_points(struct json *j, sqlite3_stmt *pt, int64_t run)
{
	json_arr_begin(j, "points");
	sqlite3_reset(pt);
	sqlite3_bind_int64(pt, 1, run);
	while (sqlite3_step(pt) == SQLITE_ROW) {
		json_arr_begin(j, NULL);
		json_dbl(j, NULL, sqlite3_column_double(pt, 0));
		for (int i = 1; i <= 3; i++)
			json_i64(j, NULL, sqlite3_column_int64(pt, i));
		json_arr_end(j);
	}
	json_arr_end(j);
}

void report_emit_coverage(struct report *r)
{
	struct json *j = &r->j;
	sqlite3_stmt *st, *pt;

	sqlite3_prepare_v2(r->h, "SELECT r.id, r.git_commit, r.command FROM runs r WHERE EXISTS "
			   "(SELECT 1 FROM coverage c WHERE c.run_id = r.id) ORDER BY "
			   "r.started_at DESC, r.id DESC LIMIT 24", -1, &st, NULL);
	sqlite3_prepare_v2(r->h, "SELECT t_s, execs, coverage, corpus FROM coverage WHERE "
			   "run_id = ?1 ORDER BY seq", -1, &pt, NULL);
	json_arr_begin(j, "coverage");
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_obj_begin(j, NULL);
		json_i64(j, "run", sqlite3_column_int64(st, 0));
		jcol(j, "commit", st, 1);
		jcol(j, "label", st, 2);
		report_coverage_points(j, pt, sqlite3_column_int64(st, 0));
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(pt);
	sqlite3_finalize(st);
}

/*
 * Where a reproducer recorded as @path is: as recorded (absolute, or
 * relative to the current directory), else relative to the store's
 * directory. A malloc'ed path, or NULL if it is in neither.
 */
static char *find_reproducer(struct report *r, const char *path)
{
	char *dbdir, *cand = NULL, *slash;
	struct stat sb;

	if (!stat(path, &sb) && S_ISREG(sb.st_mode))
		return strdup(path);
	if (path[0] == '/')
		return NULL;
	dbdir = strdup(results_path(r->db));
	if (!dbdir)
		return NULL;
	slash = strrchr(dbdir, '/');
	if (slash) {
		*slash = '\0';
		if (asprintf(&cand, "%s/%s", dbdir, path) < 0)
			cand = NULL;
	}
	free(dbdir);
	if (cand && !stat(cand, &sb) && S_ISREG(sb.st_mode))
		return cand;
	free(cand);
	return NULL;
}

/*
 * Copy a reproducer into DIR/traces/ (through a temporary file) and return
 * its link, or NULL: not found (*@missing set, reported), too large or not
 * copied.
 */
static char *copy_reproducer(struct report *r, int64_t run, int seq, const char *path,
			     bool *missing)
{
	char name[PATH_MAX], dst[PATH_MAX * 2], err[PATH_MAX * 2 + 64], *src, *tmp;
	char *link = NULL, buf[65536];
	struct outfile out;
	struct stat sb;
	FILE *in;
	size_t n;
	bool ok = true;

	*missing = false;
	if (!path || !*path)
		return NULL;
	src = find_reproducer(r, path);
	if (!src) {
		*missing = true;
		r->missing_reproducers++;
		if (!r->quiet)
			fprintf(stderr, "pasidsim report: run %lld: reproducer '%s' not found (nor "
				"beside the store); listed without a link\n", (long long)run, path);
		return NULL;
	}
	tmp = strdup(src);
	if (!tmp || stat(src, &sb) || sb.st_size > 16 << 20) {
		free(tmp);
		free(src);
		return NULL;
	}
	snprintf(name, sizeof(name), "traces/%lld-%d-%s", (long long)run, seq, basename(tmp));
	free(tmp);
	snprintf(dst, sizeof(dst), "%s/%s", r->dir, name);
	in = fopen(src, "rb");
	free(src);
	if (!in || outfile_open(&out, dst, err, sizeof(err))) {
		if (in)
			fclose(in);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok &= fwrite(buf, 1, n, out.f) == n;
	ok &= !ferror(in);
	fclose(in);
	if (!ok)
		outfile_abort(&out);
	else if (!outfile_commit(&out, err, sizeof(err)))
		link = strdup(name);
	return link;
}

void report_emit_findings(struct report *r)
{
	struct json *j = &r->j;
	sqlite3_stmt *st;

	sqlite3_prepare_v2(r->h, "SELECT f.run_id, r.git_commit, f.seq, f.kind, f.position, "
			   "f.message, f.reproducer FROM findings f JOIN runs r ON r.id = f.run_id "
			   "ORDER BY r.started_at DESC, f.run_id DESC, f.seq LIMIT 500", -1, &st,
			   NULL);
	json_arr_begin(j, "findings");
	while (sqlite3_step(st) == SQLITE_ROW) {
		bool missing;
		char *link = copy_reproducer(r, sqlite3_column_int64(st, 0),
					     sqlite3_column_int(st, 2), col(st, 6), &missing);
		char abs[PATH_MAX + 8];

		json_obj_begin(j, NULL);
		json_i64(j, "run", sqlite3_column_int64(st, 0));
		jcol(j, "commit", st, 1);
		jcol(j, "kind", st, 3);
		jcol(j, "position", st, 4);
		jcol(j, "message", st, 5);
		jcol(j, "reproducer", st, 6);
		json_bool(j, "missing", missing);
		if (!link && !missing && col(st, 6)[0] == '/') {
			snprintf(abs, sizeof(abs), "file://%s", col(st, 6));
			json_str(j, "link", abs);
		} else {
			json_str(j, "link", link);
		}
		json_obj_end(j);
		free(link);
	}
	json_arr_end(j);
	sqlite3_finalize(st);
}

void report_emit_runs_table(struct report *r)
{
	static const char *const names[] = {
		"id", "started", "commit", "dirty", "branch", "command", "flavour", "status",
		"digest", "machine",
	};
	struct json *j = &r->j;
	sqlite3_stmt *st;

	sqlite3_prepare_v2(r->h, "SELECT id, started_at, git_commit, git_dirty, branch, command, "
			   "flavour, status, digest, machine FROM runs ORDER BY started_at DESC, "
			   "id DESC LIMIT 200", -1, &st, NULL);
	json_arr_begin(j, "runs");
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_obj_begin(j, NULL);
		for (int i = 0; i < 10; i++)
			jcol(j, names[i], st, i);
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(st);
}
