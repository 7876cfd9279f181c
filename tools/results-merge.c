// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim results store: merging another store into this one, and
 * resolving run specs (ids, "latest", uuid or commit prefixes) to runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results-int.h"

/* Child tables copied by merge: name and columns after run_id. */
static const char *const results_child_tables[][2] = {
	{ "metrics", "name, unit, kind, better, value" },
	{ "samples", "name, seq, value" },
	{ "findings", "seq, kind, message, position, reproducer" },
	{ "histograms", "name, unit, kind, count, sum, min, max" },
	{ "hist_buckets", "name, bucket, count" },
	{ "lockstat", "seq, class, acquisitions, contentions, wait_min_ns, wait_max_ns, "
		      "wait_total_ns, hold_min_ns, hold_max_ns, hold_total_ns" },
	{ "coverage", "seq, t_s, execs, coverage, corpus" },
};


/* ---- merging ------------------------------------------------------------- */

static int merge_one(struct results_db *db, int64_t old, char *err, size_t errlen)
{
	char sql[512];
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	rc = sqlite3_prepare_v2(db->h, "INSERT INTO main.runs(" RUN_COLUMNS ") SELECT "
				RUN_COLUMNS " FROM other.runs WHERE id = ?1", -1, &st, NULL);
	if (rc)
		goto fail;
	sqlite3_bind_int64(st, 1, old);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db->h);
	for (size_t i = 0; i < sizeof(results_child_tables) / sizeof(results_child_tables[0]);
	     i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO main.%s(run_id, %s) SELECT ?1, %s "
			 "FROM other.%s WHERE run_id = ?2", results_child_tables[i][0],
			 results_child_tables[i][1], results_child_tables[i][1],
			 results_child_tables[i][0]);
		rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
		if (rc)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, old);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	return 0;
fail:
	results_seterr(err, errlen, "%s: merge: %s", db->path, sqlite3_errmsg(db->h));
	return -1;
}

int results_merge(struct results_db *db, const char *other, struct results_merge_stats *ms,
		  char *err, size_t errlen)
{
	struct results_db *o = results_open(other, RESULTS_OPEN_READONLY, err, errlen);
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	struct stat sa, sb;

	memset(ms, 0, sizeof(*ms));
	if (!o)
		return -1;
	results_close(o);
	if (!stat(db->path, &sa) && !stat(other, &sb) && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino) {
		results_seterr(err, errlen, "%s: is the store itself (%s); nothing to merge", other,
		       db->path);
		return -1;
	}
	if (sqlite3_prepare_v2(db->h, "ATTACH DATABASE ?1 AS other", -1, &st, NULL) ||
	    (sqlite3_bind_text(st, 1, other, -1, SQLITE_STATIC),
	     sqlite3_step(st) != SQLITE_DONE)) {
		results_seterr(err, errlen, "%s: cannot attach: %s", other, sqlite3_errmsg(db->h));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (results_exec(db, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
		goto detach;
	rc = sqlite3_prepare_v2(db->h, "SELECT o.id, EXISTS (SELECT 1 FROM main.runs m "
				"WHERE m.uuid = o.uuid) FROM other.runs o "
				"ORDER BY o.started_at, o.id", -1, &st, NULL);
	if (rc) {
		results_seterr(err, errlen, "%s: %s", other, sqlite3_errmsg(db->h));
		goto rollback;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1)) {
			ms->skipped++;
			continue;
		}
		if (merge_one(db, sqlite3_column_int64(st, 0), err, errlen))
			goto rollback;
		ms->added++;
	}
	if (rc != SQLITE_DONE) {
		results_seterr(err, errlen, "%s: %s", other, sqlite3_errmsg(db->h));
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (results_exec(db, "COMMIT", err, errlen) == SQLITE_OK)
		ret = 0;
	else
rollback:
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st);
detach:
	sqlite3_exec(db->h, "DETACH DATABASE other", NULL, NULL, NULL);
	if (ret)
		memset(ms, 0, sizeof(*ms));
	return ret;
}

/* ---- resolving run specs ------------------------------------------------- */

#define SCENARIO_FILTER \
	" AND (?2 <= 0 OR (r.id != ?2 AND EXISTS (SELECT 1 FROM runs l WHERE l.id = ?2" \
	" AND l.command IS r.command AND l.trace_hash IS r.trace_hash" \
	" AND l.config IS r.config AND l.flavour IS r.flavour AND l.seed IS r.seed)))" \
	" ORDER BY r.started_at DESC, r.id DESC LIMIT 1"

static int64_t lookup(struct results_db *db, const char *sql, const char *arg, int64_t like)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, like);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static bool is_hex(const char *s, size_t min)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return n >= min && !s[n];
}

/* "git rev-parse" of @spec, or NULL; @spec is passed as one argument. */
static char *git_rev_parse(const char *spec)
{
	char *q, *cmd, *out, *p;
	size_t len = strlen(spec);

	q = malloc(len * 4 + 3);
	if (!q)
		return NULL;
	p = q;
	*p++ = '\'';
	for (const char *s = spec; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = 0;
	if (asprintf(&cmd, "git rev-parse --verify --quiet --end-of-options %s^{commit} "
		     "2>/dev/null </dev/null", q) < 0) {
		free(q);
		return NULL;
	}
	free(q);
	out = results_run_line(cmd);
	free(cmd);
	return out;
}

int64_t results_resolve(struct results_db *db, const char *spec, int64_t like, char *err,
			size_t errlen)
{
	const char *what = like > 0 ? " of the same scenario" : "";
	char *full;
	int64_t id;

	if (!spec || !*spec) {
		results_seterr(err, errlen, "empty run specification");
		return -1;
	}
	if (!strncmp(spec, "branch:", 7)) {
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.branch = ?1" SCENARIO_FILTER,
			    spec + 7, like);
		if (id <= 0)
			results_seterr(err, errlen, "%s: no run%s on branch '%s'", db->path, what,
			       spec + 7);
		return id > 0 ? id : -1;
	}
	if (!strcmp(spec, "latest")) {
		id = lookup(db, "SELECT r.id FROM runs r WHERE (?1 IS NULL OR 1)" SCENARIO_FILTER,
			    NULL, like);
		if (id <= 0)
			results_seterr(err, errlen, "%s: no run%s", db->path, what);
		return id > 0 ? id : -1;
	}
	if (strspn(spec, "0123456789") == strlen(spec)) {
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.id = CAST(?1 AS INTEGER)", spec, 0);
		if (id > 0)
			return id;
	}
	if (strlen(spec) >= 8 && strspn(spec, "0123456789abcdef-") == strlen(spec)) {
		char *pat;

		if (asprintf(&pat, "%s%%", spec) < 0)
			return -1;
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.uuid LIKE ?1 "
			    "ORDER BY r.started_at DESC, r.id DESC LIMIT 1", pat, 0);
		free(pat);
		if (id > 0)
			return id;
	}
	if (is_hex(spec, 4)) {
		char *pat;

		if (asprintf(&pat, "%s%%", spec) < 0)
			return -1;
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.git_commit LIKE ?1"
			    SCENARIO_FILTER, pat, like);
		free(pat);
		if (id > 0)
			return id;
	}
	full = git_rev_parse(spec);
	if (!full) {
		results_seterr(err, errlen, "'%s' is neither a run id, a run UUID, a commit with runs "
		       "in %s, nor a git revision", spec, db->path);
		return -1;
	}
	id = lookup(db, "SELECT r.id FROM runs r WHERE r.git_commit = ?1" SCENARIO_FILTER,
		    full, like);
	if (id <= 0)
		results_seterr(err, errlen, "%s: no run%s at commit %.12s ('%s')", db->path, what, full,
		       spec);
	free(full);
	return id > 0 ? id : -1;
}

