// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the results store (tools/results.c): schema and migrations,
 * round trips, statistics, compare, merge, and reliability (concurrent
 * writers, SIGKILL in the middle of a commit, corrupt and foreign files).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "results.h"

static char dir[64];
static char err[1024];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pasidsim-results-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	err[0] = 0;
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		cr_log_warn("could not remove %s", dir);
}

static const char *path(const char *name)
{
	static char buf[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static long long q(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	cr_assert_eq(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK, "%s: %s", sql,
		     sqlite3_errmsg(h));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static long long qdb(struct results_db *db, const char *sql)
{
	return q(results_sqlite(db), sql);
}

static struct results_run *new_run(const char *cmd, const char *commit, const char *branch,
				   const char *when, uint64_t seed)
{
	struct results_run_info info = {
		.command = cmd, .flavour = "pasidsim", .seed = seed, .config = "{\"vms\":2}",
		.git_commit = commit, .git_branch = branch, .git_dirty = 0, .started_at = when,
		.machine = "test",
	};
	struct results_run *run = results_run_new(&info);

	cr_assert_not_null(run);
	return run;
}

static int64_t commit_run(struct results_db *db, struct results_run *run)
{
	int64_t id = results_run_commit(db, run, err, sizeof(err));

	cr_assert_gt(id, 0, "commit: %s", err);
	results_run_free(run);
	return id;
}

/* One run with a virtual metric and wall samples. */
static int64_t simple_run(struct results_db *db, const char *commit, const char *branch,
			  const char *when, double vt, const double *wall, size_t nwall)
{
	struct results_run *run = new_run("bench:t", commit, branch, when, 1);

	results_metric(run, "vt", "ns", RESULTS_LOWER, vt);
	for (size_t i = 0; i < nwall; i++)
		results_sample(run, "wall", "ns", RESULTS_LOWER, wall[i]);
	return commit_run(db, run);
}

static struct results_db *open_ok(const char *p)
{
	struct results_db *db = results_open(p, 0, err, sizeof(err));

	cr_assert_not_null(db, "open %s: %s", p, err);
	return db;
}

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *buf;

	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

static bool exists(const char *p)
{
	struct stat sb;

	return !stat(p, &sb);
}

TestSuite(results, .init = setup, .fini = teardown, .timeout = 60);

/* ---- schema ----------------------------------------------------------------- */

Test(results, new_file_has_current_schema_and_wal)
{
	struct results_db *db = open_ok(path("r.db"));

	cr_expect_eq(results_version_found(db), 0);
	cr_expect_eq(qdb(db, "PRAGMA user_version"), RESULTS_SCHEMA_VERSION);
	cr_expect_eq(qdb(db, "PRAGMA application_id"), RESULTS_APPLICATION_ID);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'coverage'"), 1);
	cr_expect_eq(qdb(db, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	results_close(db);
	db = open_ok(path("r.db"));
	cr_expect_eq(results_version_found(db), RESULTS_SCHEMA_VERSION);
	cr_expect_eq(results_check(db, err, sizeof(err)), 0, "%s", err);
	results_close(db);
}

/* The schema 1.0 that the first release wrote, by hand. */
static const char *const schema_v1000 =
	"CREATE TABLE runs (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
	" command TEXT NOT NULL, trace_hash TEXT, config TEXT, flavour TEXT, seed INTEGER,"
	" git_commit TEXT, git_dirty INTEGER NOT NULL DEFAULT 0, build_type TEXT,"
	" compiler TEXT, machine TEXT, started_at TEXT NOT NULL, ops INTEGER, digest TEXT,"
	" status TEXT);"
	"CREATE INDEX runs_commit ON runs(git_commit);"
	"CREATE TABLE metrics (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" name TEXT NOT NULL, unit TEXT NOT NULL,"
	" kind TEXT NOT NULL CHECK (kind IN ('virtual', 'wall')),"
	" better TEXT NOT NULL CHECK (better IN ('lower', 'higher', 'equal')),"
	" value REAL NOT NULL, PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
	"CREATE TABLE samples (run_id INTEGER NOT NULL, name TEXT NOT NULL,"
	" seq INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (run_id, name, seq),"
	" FOREIGN KEY (run_id, name) REFERENCES metrics(run_id, name) ON DELETE CASCADE)"
	" WITHOUT ROWID;"
	"CREATE TABLE findings (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL, position INTEGER,"
	" PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	"INSERT INTO runs(id, uuid, command, git_commit, started_at, digest)"
	" VALUES (7, 'old-run-uuid', 'demo', 'abc123', '2020-01-01T00:00:00Z', '00ff');"
	"INSERT INTO metrics VALUES (7, 'vt', 'ns', 'virtual', 'lower', 42);"
	"INSERT INTO findings VALUES (7, 0, 'WARN', 'old warning', 12);"
	"PRAGMA application_id = 1347636562;"
	"PRAGMA user_version = 1000;";

static void make_v1000(const char *p)
{
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(p, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, schema_v1000, NULL, NULL, NULL), SQLITE_OK, "%s",
		     sqlite3_errmsg(h));
	sqlite3_close(h);
}

Test(results, older_schema_is_migrated)
{
	struct results_db *db;
	struct results_run *run;
	int64_t id;

	cr_assert_eq(RESULTS_APPLICATION_ID, 1347636562);
	make_v1000(path("old.db"));
	/* Read-only use of an old file is refused with the way out. */
	cr_expect_null(results_open(path("old.db"), RESULTS_OPEN_READONLY, err, sizeof(err)));
	cr_expect(strstr(err, "older") && strstr(err, "db init"), "%s", err);

	db = open_ok(path("old.db"));
	cr_expect_eq(results_version_found(db), 1000);
	cr_expect_eq(qdb(db, "PRAGMA user_version"), RESULTS_SCHEMA_VERSION);
	cr_expect_eq(qdb(db, "SELECT value FROM metrics WHERE run_id = 7"), 42);
	cr_expect_eq(qdb(db, "SELECT position FROM findings WHERE run_id = 7"), 12);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs WHERE branch IS NULL"), 1);
	run = new_run("demo", "def456", "main", NULL, 1);
	results_hist_add(results_run_hist(run, "lat", "ns", RESULTS_WALL), 100);
	results_finding(run, "WARN", "new", 3, "traces/regress/x.trace");
	id = commit_run(db, run);
	cr_expect_eq(id, 8);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM hist_buckets WHERE run_id = 8"), 1);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM findings WHERE reproducer IS NOT NULL"), 1);
	cr_expect_eq(results_check(db, err, sizeof(err)), 0, "%s", err);
	results_close(db);
}

Test(results, newer_major_is_refused_untouched)
{
	const char *p = path("new.db");
	size_t l0, l1;
	char *a, *b;
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(p, &h), SQLITE_OK);
	sqlite3_exec(h, "CREATE TABLE runs(id); PRAGMA application_id = 1347636562;"
		     "PRAGMA user_version = 2000;", NULL, NULL, NULL);
	sqlite3_close(h);
	a = slurp(p, &l0);
	cr_expect_null(results_open(p, 0, err, sizeof(err)));
	cr_expect(strstr(err, p) && strstr(err, "newer pasidsim") && strstr(err, "2.0"), "%s", err);
	b = slurp(p, &l1);
	cr_expect(l0 == l1 && !memcmp(a, b, l0), "file changed");
	cr_expect_not(exists(path("new.db-wal")));
	free(a);
	free(b);
}

Test(results, foreign_sqlite_file_is_refused_untouched)
{
	const char *p = path("other.db");
	size_t l0, l1;
	char *a, *b;
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(p, &h), SQLITE_OK);
	sqlite3_exec(h, "CREATE TABLE customers(name); INSERT INTO customers VALUES ('x');",
		     NULL, NULL, NULL);
	sqlite3_close(h);
	a = slurp(p, &l0);
	cr_expect_null(results_open(p, 0, err, sizeof(err)));
	cr_expect(strstr(err, p) && strstr(err, "not a pasidsim results database"), "%s", err);
	b = slurp(p, &l1);
	cr_expect(l0 == l1 && !memcmp(a, b, l0), "file changed");
	cr_expect_not(exists(path("other.db-wal")));
	free(a);
	free(b);
}

Test(results, non_sqlite_file_is_refused_untouched)
{
	const char *p = path("notes.txt");
	FILE *f = fopen(p, "w");
	size_t len;
	char *a;

	for (int i = 0; i < 200; i++)
		fprintf(f, "this is not a database, line %d\n", i);
	fclose(f);
	cr_expect_null(results_open(p, 0, err, sizeof(err)));
	cr_expect(strstr(err, p) && strstr(err, "not an SQLite database"), "%s", err);
	a = slurp(p, &len);
	cr_expect(!strncmp(a, "this is not a database, line 0\n", 31));
	cr_expect_not(exists(path("notes.txt-wal")));
	free(a);
}

Test(results, corrupt_file_gives_clear_error)
{
	const char *p = path("c.db");
	struct results_db *db = open_ok(p);
	size_t l0, l1;
	char *a, *b;
	FILE *f;

	simple_run(db, "c1", "main", NULL, 1, NULL, 0);
	results_close(db);	/* checkpoints the WAL into the main file */
	cr_assert_not(exists(path("c.db-wal")));
	/* Scramble page 1 after its header: the schema b-tree. */
	f = fopen(p, "r+b");
	fseek(f, 100, SEEK_SET);
	for (int i = 0; i < 400; i++)
		fputc(0xa5 ^ i, f);
	fclose(f);
	a = slurp(p, &l0);
	cr_expect_null(results_open(p, 0, err, sizeof(err)));
	cr_expect(strstr(err, p) && (strstr(err, "corrupt") || strstr(err, "malformed") ||
				     strstr(err, "damaged")), "%s", err);
	b = slurp(p, &l1);
	cr_expect(l0 == l1 && !memcmp(a, b, l0), "corrupt file was written to");
	free(a);
	free(b);
}

/* ---- recording ---------------------------------------------------------------- */

Test(results, run_round_trip)
{
	struct results_db *db = open_ok(path("r.db"));
	struct results_run *run = new_run("demo", "0123456789abcdef", "main", NULL, 99);
	struct results_lockstat ls = { .name = "ioasid_allocator_lock", .acquisitions = 10,
				       .contentions = 2, .hold_total_ns = 500 };
	struct results_hist *h = results_run_hist(run, "latency.alloc", "ns", RESULTS_WALL);
	int64_t id;

	cr_assert_not_null(h);
	cr_expect_eq(results_run_hist(run, "latency.alloc", "ns", RESULTS_WALL), h);
	for (uint64_t v = 0; v < 1000; v++)
		results_hist_add(h, v);
	results_digest_add(results_run_digest(run), 5);
	cr_expect_eq(results_metric(run, "vt.total", "ns", RESULTS_LOWER, 1234), 0);
	cr_expect_eq(results_metric(run, "vt.total", "ns", RESULTS_LOWER, 1235), 0);
	cr_expect_neq(results_sample(run, "vt.total", "ns", RESULTS_LOWER, 1), 0,
		      "a virtual metric cannot take samples");
	cr_expect_neq(results_metric(run, "bad", "ns", RESULTS_LOWER, NAN), 0);
	for (int i = 0; i < 5; i++)
		results_sample(run, "wall.t", "ns", RESULTS_LOWER, 10 + i);
	results_finding(run, "WARN", "WARN_ON at core/ioasid.c:42", 17, "/tmp/x.trace");
	results_lockstat_add(run, &ls);
	results_coverage(run, 1.5, 1000, 55, 12);
	results_coverage(run, 3.0, 2000, 60, 14);
	results_run_set_outcome(run, 1000, "ok");
	id = commit_run(db, run);

	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs"), 1);
	cr_expect_eq(qdb(db, "SELECT seed FROM runs"), 99);
	cr_expect_eq(qdb(db, "SELECT length(uuid) FROM runs"), 36);
	cr_expect_eq(qdb(db, "SELECT value FROM metrics WHERE name = 'vt.total'"), 1235);
	cr_expect_eq(qdb(db, "SELECT value FROM metrics WHERE name = 'wall.t'"), 12, "median");
	cr_expect_eq(qdb(db, "SELECT count(*) FROM samples WHERE name = 'wall.t'"), 5);
	cr_expect_eq(qdb(db, "SELECT count FROM histograms"), 1000);
	cr_expect_eq(qdb(db, "SELECT max FROM histograms"), 999);
	/* log2 buckets: 0 -> 0, 1 -> 1, [2,4) -> 2, ..., [512,1024) -> 10 */
	cr_expect_eq(qdb(db, "SELECT count(*) FROM hist_buckets"), 11);
	cr_expect_eq(qdb(db, "SELECT count FROM hist_buckets WHERE bucket = 10"), 1000 - 512);
	cr_expect_eq(qdb(db, "SELECT position FROM findings"), 17);
	cr_expect_eq(qdb(db, "SELECT hold_total_ns FROM lockstat"), 500);
	cr_expect_eq(qdb(db, "SELECT max(coverage) FROM coverage"), 60);
	cr_expect_eq(qdb(db, "SELECT ops FROM runs"), 1000);
	cr_expect_eq(qdb(db, "SELECT length(digest) FROM runs"), 16);
	cr_expect_eq(qdb(db, "SELECT json_extract(config, '$.vms') FROM runs"), 2);
	cr_expect_gt(id, 0);
	results_close(db);
}

Test(results, hist_buckets_are_log2)
{
	cr_expect_eq(results_hist_bucket(0), 0);
	cr_expect_eq(results_hist_bucket(1), 1);
	cr_expect_eq(results_hist_bucket(2), 2);
	cr_expect_eq(results_hist_bucket(3), 2);
	cr_expect_eq(results_hist_bucket(4), 3);
	cr_expect_eq(results_hist_bucket(1023), 10);
	cr_expect_eq(results_hist_bucket(1024), 11);
	cr_expect_eq(results_hist_bucket(UINT64_MAX), 64);
}

Test(results, digest_is_order_sensitive_and_deterministic)
{
	struct results_digest a, b, c;

	results_digest_init(&a);
	results_digest_init(&b);
	results_digest_init(&c);
	for (uint64_t i = 0; i < 1000; i++) {
		results_digest_add(&a, i);
		results_digest_add(&b, i);
		results_digest_add(&c, i == 500 ? 501 : i == 501 ? 500 : i);
	}
	cr_expect_eq(a.h, b.h);
	cr_expect_neq(a.h, c.h, "swapping two results must change the digest");
	results_digest_add(&b, 0);
	cr_expect_neq(a.h, b.h, "one more result must change the digest");
}

Test(results, db_path_precedence)
{
	unsetenv("PASIDSIM_DB");
	cr_expect_str_eq(results_db_path(NULL), "pasidsim.db");
	setenv("PASIDSIM_DB", "/x/env.db", 1);
	cr_expect_str_eq(results_db_path(NULL), "/x/env.db");
	cr_expect_str_eq(results_db_path("opt.db"), "opt.db");
	unsetenv("PASIDSIM_DB");
}

/* ---- statistics --------------------------------------------------------------- */

Test(results, mann_whitney_exact_known_values)
{
	const double a[] = { 1, 2, 3, 4, 5 }, b[] = { 6, 7, 8, 9, 10 };
	const double c[] = { 1, 2, 3 }, d[] = { 4, 5, 6 };
	const double x[] = { 1.5, 2.25, 3.75, 8.0, 9.5 };
	const double y[] = { 4.0, 5.5, 6.25, 7.0, 10.5, 11.0 };
	double u;

	/* Complete separation of 5 and 5: 2 of C(10,5) = 252 arrangements. */
	cr_expect_float_eq(results_mann_whitney(a, 5, b, 5, &u), 2.0 / 252, 1e-12);
	cr_expect_float_eq(u, 0, 1e-12);
	cr_expect_float_eq(results_mann_whitney(b, 5, a, 5, &u), 2.0 / 252, 1e-12);
	cr_expect_float_eq(u, 25, 1e-12);
	cr_expect_float_eq(results_mann_whitney(c, 3, d, 3, NULL), 0.1, 1e-12);
	/* Enumerated by brute force over all 462 splits: 114 as extreme. */
	cr_expect_float_eq(results_mann_whitney(x, 5, y, 6, &u), 114.0 / 462, 1e-12);
	cr_expect_float_eq(u, 8, 1e-12);
	cr_expect_float_eq(results_mann_whitney(a, 5, a, 5, NULL), 1, 1e-12);
	cr_expect_float_eq(results_mann_whitney(a, 0, b, 5, NULL), 1, 1e-12);
}

Test(results, mann_whitney_normal_with_ties)
{
	const double x[] = { 1, 2, 2, 3, 3, 3 }, y[] = { 3, 4, 4, 5, 5, 6 };
	double big_x[40], big_y[40], u;

	/* U = 1.5, tie term 78, continuity corrected: erfc(16 / sqrt(37.2272...) / sqrt 2). */
	cr_expect_float_eq(results_mann_whitney(x, 6, y, 6, &u), 0.00873276851253925, 1e-12);
	cr_expect_float_eq(u, 1.5, 1e-12);
	/* Large samples use the normal approximation; shifted data is significant. */
	for (int i = 0; i < 40; i++) {
		big_x[i] = 100 + i % 10;
		big_y[i] = 103 + i % 10;
	}
	cr_expect_lt(results_mann_whitney(big_x, 40, big_y, 40, NULL), 1e-4);
	cr_expect_float_eq(results_mann_whitney(big_x, 40, big_x, 40, NULL), 1, 1e-12);
}

/* ---- compare and resolve -------------------------------------------------------- */

static const struct results_cmp_row *row(const struct results_cmp *c, const char *name)
{
	for (size_t i = 0; i < c->nrows; i++)
		if (!strcmp(c->rows[i].name, name))
			return &c->rows[i];
	cr_assert_fail("no row %s", name);
	return NULL;
}

Test(results, compare_verdicts)
{
	struct results_db *db = open_ok(path("r.db"));
	const double base[] = { 100, 101, 99, 100, 102, 98 };
	const double slow[] = { 120, 121, 119, 122, 118, 120 };
	const double tiny[] = { 101, 102, 100, 101, 103, 99.5 };
	const double noisy[] = { 90, 115, 99, 104, 97, 110 };
	struct results_cmp c;
	int64_t r[6];

	r[0] = simple_run(db, "a", "main", "2024-01-01T00:00:00Z", 500, base, 6);
	r[1] = simple_run(db, "b", "main", "2024-01-02T00:00:00Z", 500, base, 6);
	r[2] = simple_run(db, "c", "main", "2024-01-03T00:00:00Z", 501, slow, 6);
	r[3] = simple_run(db, "d", "main", "2024-01-04T00:00:00Z", 499, tiny, 6);
	r[4] = simple_run(db, "e", "main", "2024-01-05T00:00:00Z", 499, noisy, 6);
	r[5] = simple_run(db, "f", "main", "2024-01-06T00:00:00Z", 499, base, 1);

	cr_assert_eq(results_compare(db, r[0], r[1], NULL, &c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c.regressions, 0);
	cr_expect_eq(row(&c, "vt")->verdict, RESULTS_SAME);
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_SAME);
	cr_expect(c.same_scenario);
	results_cmp_free(&c);

	results_compare(db, r[1], r[2], NULL, &c, err, sizeof(err));
	cr_expect_eq(row(&c, "vt")->verdict, RESULTS_REGRESSED, "virtual: exact, 1 ns counts");
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_REGRESSED);
	cr_expect_lt(row(&c, "wall")->p, 0.01);
	cr_expect_eq(c.regressions, 2);
	results_cmp_free(&c);

	results_compare(db, r[2], r[1], NULL, &c, err, sizeof(err));
	cr_expect_eq(row(&c, "vt")->verdict, RESULTS_IMPROVED);
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_IMPROVED);
	cr_expect_eq(c.regressions, 0);
	results_cmp_free(&c);

	/* Significant but only ~1%: below the 5% minimum effect. */
	results_compare(db, r[1], r[3], NULL, &c, err, sizeof(err));
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_NOISE);
	results_cmp_free(&c);
	results_compare(db, r[1], r[3], &(struct results_cmp_opts){ 0.5, 0.001 }, &c, err,
			sizeof(err));
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_REGRESSED);
	results_cmp_free(&c);

	results_compare(db, r[1], r[4], NULL, &c, err, sizeof(err));
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_NOISE);
	results_cmp_free(&c);

	results_compare(db, r[1], r[5], NULL, &c, err, sizeof(err));
	cr_expect_eq(row(&c, "wall")->verdict, RESULTS_TOO_FEW);
	results_cmp_free(&c);
	results_close(db);
}

Test(results, compare_digest_findings_and_missing)
{
	struct results_db *db = open_ok(path("r.db"));
	struct results_run *a = new_run("demo", "a", "main", "2024-01-01T00:00:00Z", 1);
	struct results_run *b = new_run("demo", "b", "main", "2024-01-02T00:00:00Z", 1);
	struct results_cmp c;
	int64_t ia, ib;

	results_digest_add(results_run_digest(a), 1);
	results_digest_add(results_run_digest(b), 2);
	results_metric(a, "gone", "count", RESULTS_EQUAL, 1);
	results_metric(b, "fresh", "count", RESULTS_EQUAL, 1);
	results_finding(b, "WARN", "boom", 3, NULL);
	ia = commit_run(db, a);
	ib = commit_run(db, b);
	cr_assert_eq(results_compare(db, ia, ib, NULL, &c, err, sizeof(err)), 0, "%s", err);
	cr_expect(c.digest_compared && !c.digest_equal);
	cr_expect_eq(c.cand_findings, 1);
	cr_expect_eq(c.regressions, 3, "digest, the new finding and the missing metric");
	cr_expect_eq(c.missing, 1);
	cr_expect_eq(row(&c, "gone")->verdict, RESULTS_MISSING);
	cr_expect_eq(row(&c, "fresh")->verdict, RESULTS_NEW);
	results_cmp_free(&c);
	cr_expect_neq(results_compare(db, ia, 999, NULL, &c, err, sizeof(err)), 0);
	cr_expect(strstr(err, "no run 999"), "%s", err);
	results_close(db);
}

Test(results, resolve_specs)
{
	struct results_db *db = open_ok(path("r.db"));
	struct results_run *other;
	int64_t r1, r2, r3, r4, r5;

	r1 = simple_run(db, "aaaa1111", "main", "2024-01-01T00:00:00Z", 1, NULL, 0);
	r2 = simple_run(db, "bbbb2222", "main", "2024-01-02T00:00:00Z", 1, NULL, 0);
	r3 = simple_run(db, "cccc3333", "feature", "2024-01-03T00:00:00Z", 1, NULL, 0);
	other = new_run("other", "bbbb2222", "main", "2024-01-02T12:00:00Z", 1);
	r4 = commit_run(db, other);
	r5 = simple_run(db, "bbbb2222", "main", "2024-01-01T12:00:00Z", 1, NULL, 0);

	cr_expect_eq(results_resolve(db, "1", 0, err, sizeof(err)), r1);
	cr_expect_eq(results_resolve(db, "branch:main", 0, err, sizeof(err)), r4);
	cr_expect_eq(results_resolve(db, "branch:main", r3, err, sizeof(err)), r2,
		     "same scenario as run %lld", (long long)r3);
	cr_expect_eq(results_resolve(db, "branch:feature", 0, err, sizeof(err)), r3);
	cr_expect_eq(results_resolve(db, "latest", 0, err, sizeof(err)), r3);
	cr_expect_eq(results_resolve(db, "latest", r3, err, sizeof(err)), r2);
	cr_expect_eq(results_resolve(db, "bbbb", r3, err, sizeof(err)), r2);
	cr_expect_eq(results_resolve(db, "bbbb", 0, err, sizeof(err)), r4);
	cr_expect_eq(results_resolve(db, "aaaa1111", 0, err, sizeof(err)), r1);
	cr_expect_eq(results_resolve(db, "branch:nope", 0, err, sizeof(err)), -1);
	cr_expect(strstr(err, "nope"), "%s", err);
	cr_expect_eq(results_resolve(db, "no-such-rev-xyz", 0, err, sizeof(err)), -1);
	cr_expect(strstr(err, "no-such-rev-xyz"), "%s", err);
	cr_expect_gt(r5, 0);
	results_close(db);
}

/* ---- merge ------------------------------------------------------------------------ */

Test(results, merge_skips_duplicates)
{
	struct results_db *a = open_ok(path("a.db")), *b = open_ok(path("b.db"));
	struct results_merge_stats ms;
	const double w[] = { 1, 2, 3 };
	struct results_run *run;

	simple_run(a, "a1", "main", NULL, 1, w, 3);
	simple_run(b, "b1", "main", NULL, 2, w, 3);
	run = new_run("demo", "b2", "main", NULL, 3);
	results_hist_add(results_run_hist(run, "lat", "ns", RESULTS_WALL), 5);
	results_finding(run, "BUG", "x", 1, "r.trace");
	results_coverage(run, 1, 2, 3, 4);
	results_lockstat_add(run, &(struct results_lockstat){ .name = "l", .acquisitions = 1 });
	commit_run(b, run);
	results_close(b);

	cr_assert_eq(results_merge(a, path("b.db"), &ms, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(ms.added, 2);
	cr_expect_eq(ms.skipped, 0);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM runs"), 3);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM samples"), 6);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM hist_buckets"), 1);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM findings"), 1);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM coverage"), 1);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM lockstat"), 1);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM metrics m JOIN runs r ON r.id = m.run_id "
			 "WHERE r.git_commit = 'b1'"), 2);

	cr_assert_eq(results_merge(a, path("b.db"), &ms, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(ms.added, 0);
	cr_expect_eq(ms.skipped, 2);
	cr_expect_eq(qdb(a, "SELECT count(*) FROM runs"), 3);

	cr_expect_neq(results_merge(a, path("missing.db"), &ms, err, sizeof(err)), 0);
	cr_expect(strstr(err, "missing.db"), "%s", err);
	cr_expect_eq(results_check(a, err, sizeof(err)), 0, "%s", err);
	results_close(a);
}

/* ---- reliability ------------------------------------------------------------------ */

static void writer_child(const char *p, int tag, int runs)
{
	char e[512];

	for (int i = 0; i < runs; i++) {
		struct results_db *db = results_open(p, 0, e, sizeof(e));
		struct results_run_info info = { .command = "conc", .git_commit = "c",
						 .git_dirty = 0, .machine = "m" };
		struct results_run *run;

		if (!db) {
			fprintf(stderr, "child %d: %s\n", tag, e);
			_exit(1);
		}
		run = results_run_new(&info);
		results_metric(run, "tag", "id", RESULTS_EQUAL, tag);
		for (int s = 0; s < 50; s++)
			results_sample(run, "wall", "ns", RESULTS_LOWER, s);
		if (results_run_commit(db, run, e, sizeof(e)) < 0) {
			fprintf(stderr, "child %d: %s\n", tag, e);
			_exit(1);
		}
		results_run_free(run);
		results_close(db);
	}
	_exit(0);
}

Test(results, two_writers_lose_nothing)
{
	const char *p = path("conc.db");
	struct results_db *db;
	pid_t pid[2];
	int st;

	/* Both start on a file that does not exist yet: initialisation races too. */
	for (int i = 0; i < 2; i++) {
		pid[i] = fork();
		cr_assert_geq(pid[i], 0);
		if (!pid[i])
			writer_child(p, i, 40);
	}
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(waitpid(pid[i], &st, 0), pid[i]);
		cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer %d failed", i);
	}
	db = open_ok(p);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs"), 80);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM metrics WHERE name = 'tag' AND value = 0"), 40);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM metrics WHERE name = 'tag' AND value = 1"), 40);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM samples"), 80 * 50);
	cr_expect_eq(results_check(db, err, sizeof(err)), 0, "%s", err);
	results_close(db);
}

static int killpipe = -1;

static void stall(void *arg, uint64_t rows)
{
	if (rows >= 8192) {
		/* In the middle of the transaction: tell the parent, wait to be killed. */
		if (write(killpipe, "k", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
}

Test(results, sigkill_mid_run_leaves_consistent_store)
{
	const char *p = path("kill.db");
	struct results_db *db = open_ok(p);
	int fds[2], st;
	char c;
	pid_t pid;

	simple_run(db, "before", "main", NULL, 1, NULL, 0);
	results_close(db);
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		struct results_run *run;
		char e[512];

		close(fds[0]);
		killpipe = fds[1];
		db = results_open(p, 0, e, sizeof(e));
		if (!db)
			_exit(2);
		run = new_run("killed", "mid", "main", NULL, 1);
		for (int i = 0; i < 100000; i++)
			results_sample(run, "wall", "ns", RESULTS_LOWER, i);
		results_run_set_progress(run, stall, NULL);
		results_run_commit(db, run, e, sizeof(e));
		_exit(4);	/* not reached: killed in stall() */
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &c, 1), 1, "child did not reach the middle of the commit");
	kill(pid, SIGKILL);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	close(fds[0]);

	db = open_ok(p);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs"), 1, "the killed run must be absent");
	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs WHERE command = 'killed'"), 0);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM samples"), 0);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM metrics"), 1, "the earlier run is intact");
	cr_expect_eq(results_check(db, err, sizeof(err)), 0, "%s", err);
	simple_run(db, "after", "main", NULL, 1, NULL, 0);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs"), 2);
	results_close(db);
}

Test(results, readonly_open_never_creates)
{
	cr_expect_null(results_open(path("none.db"), RESULTS_OPEN_READONLY, err, sizeof(err)));
	cr_expect(strstr(err, "none.db"), "%s", err);
	cr_expect_not(exists(path("none.db")));
}

/* ---- hostile stores (issue 15) ---------------------------------------------------- */

Test(results, check_sees_check_constraints_on_a_readonly_open)
{
	struct results_db *db = open_ok(path("c.db"));
	struct results_run *run = new_run("demo", "a", "main", "2024-01-01T00:00:00Z", 1);

	results_metric(run, "m", "ns", RESULTS_LOWER, 1);
	commit_run(db, run);
	cr_assert_eq(sqlite3_exec(results_sqlite(db), "PRAGMA ignore_check_constraints = 1; "
				  "UPDATE metrics SET kind = 'bogus'", NULL, NULL, NULL), SQLITE_OK);
	results_close(db);
	db = results_open(path("c.db"), RESULTS_OPEN_READONLY, err, sizeof(err));
	cr_assert_not_null(db, "%s", err);
	/* a read-only connection's integrity_check used to say "ok" here */
	cr_expect_eq(results_check(db, err, sizeof(err)), -1);
	cr_expect(strstr(err, "CHECK constraint failed"), "%s", err);
	results_close(db);
}

Test(results, merge_of_the_store_into_itself_is_refused_at_once)
{
	struct results_db *db = open_ok(path("m.db"));
	struct results_merge_stats ms;

	simple_run(db, "a", "main", "2024-01-01T00:00:00Z", 1, NULL, 0);
	/* used to wait 30 s for its own lock, then fail "database is locked" */
	cr_expect_eq(results_merge(db, path("m.db"), &ms, err, sizeof(err)), -1);
	cr_expect(strstr(err, "is the store itself"), "%s", err);
	cr_expect_eq(qdb(db, "SELECT count(*) FROM runs"), 1);
	results_close(db);
}

Test(results, a_directory_or_fifo_is_no_store)
{
	cr_assert_eq(mkfifo(path("fifo"), 0600), 0);
	cr_expect_null(results_open(dir, 0, err, sizeof(err)));
	cr_expect(strstr(err, "a directory"), "%s", err);
	/* a FIFO used to block the open forever */
	cr_expect_null(results_open(path("fifo"), RESULTS_OPEN_READONLY, err, sizeof(err)));
	cr_expect(strstr(err, "not a regular file"), "%s", err);
}

Test(results, json_strings_are_valid_utf8)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	results_json_str(f, "a\xff\"<\xc3\xa9\xe2\x82");
	fclose(f);
	cr_expect_str_eq(buf, "\"a\\ufffd\\\"\\u003c\xc3\xa9\\ufffd\\ufffd\"");
	free(buf);
}
