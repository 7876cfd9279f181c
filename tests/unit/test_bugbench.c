// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim fuzz and pasidsim bugbench (issues 11 and 12): the engines'
 * status parsers on captured output (tests/data/fuzz/), the seeded-bug patch
 * reader, the statistics (Fisher's exact test, Mann-Whitney U, the median)
 * against hand-computed values, the bugbench regression decision, the
 * commands' usage errors, and, when the fuzz preset is built, a short
 * campaign recorded into a store and the "reached" decision on a replay.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "bugbench.h"
#include "fuzz-campaign.h"
#include "fuzz-min.h"
#include "results.h"

#define DATA PASIDSIM_SOURCE_DIR "/tests/data/fuzz/"
#define FUZZ_BUILD PASIDSIM_SOURCE_DIR "/build/fuzz"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	cr_assert(f, "%s", path);
	cr_assert(getdelim(&buf, &len, '\0', f) > 0);
	fclose(f);
	return buf;
}

/* Run a shell command; its output (stdout and stderr) into @out; the exit status. */
static int run(const char *cmd, char *out, size_t len)
{
	char full[8192];
	FILE *p;
	size_t n = 0;
	int st;

	snprintf(full, sizeof(full), "%s 2>&1", cmd);
	p = popen(full, "r");
	cr_assert(p);
	if (out) {
		n = fread(out, 1, len - 1, p);
		out[n] = '\0';
	}
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- libFuzzer ---------------------------------------------------------------------- */

Test(fuzz_parse, libfuzzer_campaign)
{
	char *text = slurp(DATA "libfuzzer-ok.log"), *save = NULL;
	struct fuzz_lf_status st, last = { 0 };
	struct fuzz_lf_final fin = { 0 };
	unsigned int nstatus = 0, nstat = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (fuzz_parse_libfuzzer(l, &st)) {
			nstatus++;
			last = st;
		}
		nstat += fuzz_parse_libfuzzer_stat(l, &fin);
	}
	cr_expect_eq(nstatus, 6, "INITED, two NEW, two pulse, DONE: %u", nstatus);
	cr_expect_str_eq(last.kind, "DONE");
	cr_expect_eq(last.execs, 113864);
	cr_expect_eq(last.cov, 1000);
	cr_expect_eq(last.ft, 5623);
	cr_expect_eq(last.corpus, 810);
	cr_expect_eq(last.rss_mb, 87);
	cr_expect_float_eq(last.exec_s, 18977, 0.5);
	cr_expect_eq(nstat, 5);
	cr_expect(fin.seen);
	cr_expect_eq(fin.execs, 113864);
	cr_expect_eq(fin.peak_rss_mb, 87);
	cr_expect_eq(fin.new_units, 1594);
	cr_expect_float_eq(fin.exec_per_s, 18977, 0.5);
	free(text);
}

Test(fuzz_parse, libfuzzer_not_status)
{
	struct fuzz_lf_status st;

	cr_expect(!fuzz_parse_libfuzzer("    #0 0x4f5a in foo /x/y.c:12", &st), "a stack frame");
	cr_expect(!fuzz_parse_libfuzzer("#0 0x4f5a in foo /x/y.c:12", &st), "no cov:");
	cr_expect(!fuzz_parse_libfuzzer("\tNEW_FUNC[1/1]: 0x56 in f /a.c:1", &st));
	cr_expect(!fuzz_parse_libfuzzer("INFO: Seed: 857650860", &st));
	cr_expect(!fuzz_parse_libfuzzer("#12x\tNEW cov: 3", &st));
	cr_expect(fuzz_parse_libfuzzer("#7\tNEW    cov: 3 ft: 4 corp: 2/9b lim: 4 exec/s: 0 "
				       "rss: 30Mb L: 3/3 MS: 1 ChangeBit-", &st));
	cr_expect_eq(st.execs, 7);
	cr_expect_eq(st.cov, 3);
	cr_expect_eq(st.corpus, 2);
	cr_expect_str_eq(st.kind, "NEW");
}

Test(fuzz_parse, libfuzzer_crash)
{
	char *text = slurp(DATA "libfuzzer-crash.log"), *save = NULL;
	const char *art = NULL;
	struct fuzz_lf_final fin = { 0 };
	size_t n = 0;

	for (char *l = strtok_r(text, "\n", &save); l && !art; l = strtok_r(NULL, "\n", &save)) {
		art = fuzz_libfuzzer_artifact(l, &n);
		fuzz_parse_libfuzzer_stat(l, &fin);
	}
	cr_assert(art);
	cr_expect(n > 6 && strstr(art, "/crash-") && art[n - 1] != '\n');
	cr_expect(!fin.seen, "the artifact comes before the final stats");
	cr_expect(!fuzz_libfuzzer_artifact("Test unit written to ", &n));
	free(text);
}

/* ---- AFL++ -------------------------------------------------------------------------- */

Test(fuzz_parse, afl_fuzzer_stats)
{
	char *text = slurp(DATA "afl-fuzzer_stats");
	struct fuzz_afl_stats st;

	cr_assert_eq(fuzz_parse_afl_stats(text, &st), 0);
	cr_expect_eq(st.execs_done, 24066);
	cr_expect_eq(st.corpus_count, 3);
	cr_expect_eq(st.edges_found, 8);
	cr_expect_eq(st.saved_crashes, 1);
	cr_expect_eq(st.peak_rss_mb, 0);
	cr_expect_float_eq(st.execs_per_sec, 1503.28, 1e-9);
	cr_expect_float_eq(st.run_time, 16, 1e-9);
	cr_expect_eq(fuzz_parse_afl_stats("start_time : 1\nexecs_doneX : 5\n", &st), -1,
		     "no execs_done");
	free(text);
}

Test(fuzz_parse, afl_plot_data)
{
	char *text = slurp(DATA "afl-plot_data"), *save = NULL;
	char *hdr = strtok_r(text, "\n", &save), *row = strtok_r(NULL, "\n", &save);
	struct fuzz_afl_cols c;
	struct fuzz_sample s;
	uint64_t crashes = 0;

	cr_assert_eq(fuzz_afl_plot_header(hdr, &c), 1);
	cr_expect_eq(c.time, 0);
	cr_expect_eq(c.corpus, 3);
	cr_expect_eq(c.crashes, 7);
	cr_expect_eq(c.execs, 11);
	cr_expect_eq(c.edges, 12);
	cr_assert_eq(fuzz_parse_afl_plot(row, &c, &s, &crashes), 1);
	cr_expect_float_eq(s.t, 16, 1e-9);
	cr_expect_eq(s.corpus, 3);
	cr_expect_eq(s.execs, 24066);
	cr_expect_eq(s.cov, 8);
	cr_expect_eq(crashes, 1);
	/* a row with the percentage column and a header missing a column */
	cr_expect_eq(fuzz_parse_afl_plot("5, 1, 0, 2, 0, 0, 50.00%, 0, 0, 1, 99.5, 400, 6",
					 &c, &s, NULL), 1);
	cr_expect_eq(s.execs, 400);
	cr_expect_eq(s.cov, 6);
	cr_expect_eq(fuzz_parse_afl_plot(hdr, &c, &s, NULL), 0);
	cr_expect_eq(fuzz_afl_plot_header("# relative_time, total_execs", &c), -1);
	cr_expect_eq(fuzz_afl_plot_header("1, 2", &c), 0);
	free(text);
}

Test(fuzz_parse, afl_crash_name)
{
	char *name = slurp(DATA "afl-crashes");

	cr_expect_float_eq(fuzz_afl_crash_ms(name), 2411, 1e-9);
	cr_expect_float_eq(fuzz_afl_crash_ms("id:000000,sig:06,src:000000"), -1, 1e-9);
	free(name);
}

/* ---- seeded-bug patches ---------------------------------------------------------------- */

Test(bugbench_patch, header_and_lines)
{
	struct bugbench_bug bug;
	char err[512];

	cr_assert_eq(bugbench_read_patch(DATA "sample.patch", &bug, err, sizeof(err)), 0, "%s",
		     err);
	cr_expect_str_eq(bug.name, "sample");
	cr_expect_str_eq(bug.flavours, "pasidsim linux-6.1");
	cr_expect_str_eq(bug.suite, "vfio_pasid");
	cr_expect(!bug.has_harnesses);
	cr_assert_eq(bug.nlines, 2);
	cr_expect_str_eq(bug.lines[0].file, "core/vfio-pasid.c");
	cr_expect_eq(bug.lines[0].line, 242);
	cr_expect_eq(bug.lines[1].line, 243);
	cr_expect(bugbench_in_list(bug.flavours, "linux-6.1"));
	cr_expect(!bugbench_in_list(bug.flavours, "linux"));
	bugbench_bug_free(&bug);
}

Test(bugbench_patch, harnesses_key_and_deletion)
{
	char path[] = "/tmp/bb-h-XXXXXX.patch", err[512];
	struct bugbench_bug bug;
	int fd = mkstemps(path, 6);
	FILE *f = fdopen(fd, "w");

	fputs("Name: x\nFlavours: pasidsim\nHarnesses: api world\nSuite: ioasid\n\n"
	      "--- a/core/ioasid.c\n+++ b/core/ioasid.c\n@@ -10,4 +10,3 @@\n ctx\n-gone\n"
	      " next\n last\n", f);
	fclose(f);
	cr_assert_eq(bugbench_read_patch(path, &bug, err, sizeof(err)), 0, "%s", err);
	cr_expect(bug.has_harnesses);
	cr_expect(bugbench_in_list(bug.harnesses, "world"));
	cr_expect(!bugbench_in_list(bug.harnesses, "diff_ioasid"));
	/* a deletion counts at the line that follows it in the patched file */
	cr_assert_eq(bug.nlines, 1);
	cr_expect_str_eq(bug.lines[0].file, "core/ioasid.c");
	cr_expect_eq(bug.lines[0].line, 11);
	bugbench_bug_free(&bug);
	unlink(path);
}

Test(bugbench_patch, bad_patch_names_the_line)
{
	char path[] = "/tmp/bb-bad-XXXXXX.patch", err[512];
	struct bugbench_bug bug;
	int fd = mkstemps(path, 6);
	FILE *f = fdopen(fd, "w");

	fputs("Name: x\nFlavours: pasidsim\nSuite: ioasid\n@@ -1 +1 @@\n", f);
	fclose(f);
	cr_expect_eq(bugbench_read_patch(path, &bug, err, sizeof(err)), -1);
	cr_expect(strstr(err, ":4:1: expected a hunk header"), "%s", err);
	unlink(path);
}

/* ---- statistics ------------------------------------------------------------------------ */

Test(bugbench_stats, fisher_by_hand)
{
	/* 0 of 5 against 5 of 5: C(5,0)C(5,5)/C(10,5) = 1/252 */
	cr_expect_float_eq(bugbench_fisher_less(0, 5, 5, 5), 1.0 / 252, 1e-12);
	/* 1 of 4 against 3 of 4: (C(4,0)C(4,4) + C(4,1)C(4,3)) / C(8,4) = 17/70 */
	cr_expect_float_eq(bugbench_fisher_less(1, 4, 3, 4), 17.0 / 70, 1e-12);
	/* 2 of 3 against 1 of 3: 1 - C(3,3)C(3,0)/C(6,3) = 19/20 */
	cr_expect_float_eq(bugbench_fisher_less(2, 3, 1, 3), 19.0 / 20, 1e-12);
	cr_expect_float_eq(bugbench_fisher_less(5, 5, 5, 5), 1, 1e-12);
	cr_expect_float_eq(bugbench_fisher_less(0, 0, 3, 5), 1, 1e-12);
}

Test(bugbench_stats, mann_whitney_by_hand)
{
	double x[] = { 1, 2, 3 }, y[] = { 4, 5, 6 }, u;

	/* U = 0; exact: 1 arrangement of C(6,3) = 20 each tail, two-sided 0.1 */
	cr_expect_float_eq(results_mann_whitney(x, 3, y, 3, &u), 0.1, 1e-12);
	cr_expect_float_eq(u, 0, 1e-12);
	/* two detected of three vs none (censored at 60): ties at the budget use the
	 * normal approximation; the candidate ranks higher */
	double b[] = { 1, 2, 60 }, c[] = { 60, 60, 60 };

	cr_expect_lt(results_mann_whitney(c, 3, b, 3, &u), 1);
	cr_expect_gt(u, 4.5);
}

Test(bugbench_stats, median_nearest_rank)
{
	double a[] = { 3, 1, 2 }, b[] = { 1.5, 2.25, 3, 4 };

	cr_expect_float_eq(bugbench_median(a, 3), 2, 1e-9);
	cr_expect_float_eq(bugbench_median(b, 4), 2.25, 1e-9, "rank ceil(0.5 * 4) = 2");
	cr_expect_float_eq(bugbench_median(NULL, 0), 0, 1e-9);
}

/* ---- the regression decision ----------------------------------------------------------- */

static void cell(struct bugbench_cell *c, const char *name, unsigned int det, const double *t,
		 size_t n)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->trials = n;
	c->detected = det;
	c->ttd = (double *)t;
	c->nttd = n;
	c->reached = -1;
}

static const double fast[] = { 1, 2, 1.5, 3, 2.5 }, none[] = { 60, 60, 60, 60, 60 };
static const double slow[] = { 40, 45, 50, 42, 48 };

Test(bugbench_compare, equal_runs_do_not_regress)
{
	struct bugbench_cell b[2], c[2];
	struct bugbench_cmp cmp;

	cell(&b[0], "bug-a.api", 5, fast, 5);
	cell(&b[1], "bug-b.world", 0, none, 5);
	cell(&c[0], "bug-a.api", 5, fast, 5);
	cell(&c[1], "bug-b.world", 0, none, 5);
	cr_assert_eq(bugbench_compare_cells(b, 2, c, 2, 0.05, &cmp), 0);
	cr_expect_eq(cmp.regressions, 0);
	cr_expect(!cmp.fewer && !cmp.slower);
	/* pooled 5 of 10 each: P(X <= 5), X ~ Hypergeometric(20, 10, 10) = 0.67186 */
	cr_expect_float_eq(cmp.p_found, 0.6718591, 1e-6);
	bugbench_cmp_free(&cmp);
}

Test(bugbench_compare, fewer_found_regresses)
{
	struct bugbench_cell b[2], c[2];
	struct bugbench_cmp cmp;

	cell(&b[0], "bug-a.api", 5, fast, 5);
	cell(&b[1], "bug-b.api", 5, fast, 5);
	cell(&c[0], "bug-a.api", 0, none, 5);
	cell(&c[1], "bug-b.api", 0, none, 5);
	cr_assert_eq(bugbench_compare_cells(b, 2, c, 2, 0.05, &cmp), 0);
	cr_expect(cmp.fewer);
	/* pooled 0 of 10 against 10 of 10: 1 / C(20, 10) */
	cr_expect_float_eq(cmp.p_found, 1.0 / 184756, 1e-12);
	cr_expect(cmp.slower, "undetected trials count at the budget");
	cr_expect_geq(cmp.regressions, 2);
	bugbench_cmp_free(&cmp);
}

Test(bugbench_compare, slower_regresses_and_missing_cells_count)
{
	struct bugbench_cell b[3], c[2];
	struct bugbench_cmp cmp;

	cell(&b[0], "bug-a.api", 5, fast, 5);
	cell(&b[1], "bug-b.api", 5, fast, 5);
	cell(&b[2], "bug-c.world", 5, fast, 5);
	cell(&c[0], "bug-a.api", 5, slow, 5);
	cell(&c[1], "bug-b.api", 5, slow, 5);
	cr_assert_eq(bugbench_compare_cells(b, 3, c, 2, 0.05, &cmp), 0);
	cr_expect(!cmp.fewer);
	cr_expect(cmp.slower, "p %g", cmp.p_time);
	cr_expect_eq(cmp.missing, 1);
	/* each cell: 5 against 5 without ties, exact two-sided p = 2/252 < 0.05/3 */
	cr_expect_float_eq(cmp.rows[0].p_time, 2.0 / 252, 1e-12);
	cr_expect(cmp.rows[0].slower && cmp.rows[1].slower);
	cr_expect_eq(cmp.regressions, 4, "two cells, the pool, the missing cell");
	/* faster is not a regression */
	bugbench_cmp_free(&cmp);
	cr_assert_eq(bugbench_compare_cells(c, 2, b, 3, 0.05, &cmp), 0);
	cr_expect(!cmp.slower && !cmp.fewer);
	cr_expect_eq(cmp.regressions, 0);
	bugbench_cmp_free(&cmp);
}

/* Two bugbench runs in a store, compared by 'pasidsim compare'. */
static void store_run(const char *db, const double *ttd, unsigned int det)
{
	struct results_run_info info = { .command = "bugbench", .config = "{\"t\":1}",
					 .flavour = "pasidsim", .git_dirty = 0 };
	struct results_run *run = results_run_new(&info);
	struct results_db *h;
	char err[512];

	cr_assert(run);
	for (const char *const *c = (const char *const[]){ "bug-a.api", "bug-b.world", NULL };
	     *c; c++) {
		char name[128];

		for (unsigned int t = 0; t < 5; t++) {
			snprintf(name, sizeof(name), "bugbench.%s.detected", *c);
			results_sample(run, name, "1", RESULTS_HIGHER, t < det);
			snprintf(name, sizeof(name), "bugbench.%s.ttd_s", *c);
			results_sample(run, name, "s", RESULTS_LOWER, ttd[t]);
		}
	}
	h = results_open(db, 0, err, sizeof(err));
	cr_assert(h, "%s", err);
	cr_assert_gt(results_run_commit(h, run, err, sizeof(err)), 0, "%s", err);
	results_close(h);
	results_run_free(run);
}

Test(bugbench_compare, cli_exit_status)
{
	char db[] = "/tmp/bb-cmp-XXXXXX", cmd[1024], out[8192];
	int fd = mkstemp(db);

	close(fd);
	unlink(db);
	store_run(db, fast, 5);
	store_run(db, fast, 5);
	store_run(db, none, 0);
	snprintf(cmd, sizeof(cmd), "%s compare --db=%s 1 2", PASIDSIM_CLI, db);
	cr_expect_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "OK: 0 regressions"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s compare --db=%s 1 3", PASIDSIM_CLI, db);
	cr_expect_eq(run(cmd, out, sizeof(out)), 1, "%s", out);
	cr_expect(strstr(out, "FEWER"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s compare --db=%s --json 1 3", PASIDSIM_CLI, db);
	cr_expect_eq(run(cmd, out, sizeof(out)), 1, "%s", out);
	cr_expect(strstr(out, "\"result\":\"regression\""), "%s", out);
	/* the report's bug x harness table: the newest run's cells */
	char dir[] = "/tmp/bb-rep-XXXXXX", path[64], *data;

	cr_assert(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "%s report --db=%s -o %s -q", PASIDSIM_CLI, db, dir);
	cr_expect_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	snprintf(path, sizeof(path), "%s/data.js", dir);
	data = slurp(path);
	cr_expect(strstr(data, "\"bugbench\":{\"run\":3,"), "%.300s", strstr(data, "bugbench"));
	cr_expect(strstr(data, "{\"bug\":\"bug-a\",\"harness\":\"api\",\"trials\":5,"
			       "\"detected\":0,\"reached\":null,\"median_s\":null"),
		  "%.300s", strstr(data, "cells"));
	free(data);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd, NULL, 0);
	unlink(db);
}

/* ---- usage errors: exit 2 naming the option --------------------------------------------- */

Test(fuzz_cli, bad_input_exits_2)
{
	static const struct {
		const char *args, *says;
	} cases[] = {
		{ "fuzz api --time=0", "--time" },
		{ "fuzz api --jobs=99", "--jobs" },
		{ "fuzz api --engine=honggfuzz", "--engine" },
		{ "fuzz api --flavour=ida", "--flavour" },
		{ "fuzz api --flavour=pasidsim+", "--flavour" },
		{ "fuzz api --flavour=pasidsim+a/b", "--flavour" },
		{ "fuzz nosuch", "'nosuch': expected a harness" },
		{ "fuzz", "expected a HARNESS" },
		{ "fuzz api --bin-dir=/nonexistent", "cmake --preset fuzz" },
		{ "fuzz api --engine=afl --bin-dir=/nonexistent", "cmake --preset afl" },
		{ "fuzz --to-trace=/dev/null", "the harness runs nothing below 2" },
		{ "fuzz --to-trace=/nonexistent", "/nonexistent: No such file" },
		{ "fuzz --to-trace=/dev/null api", "harness 'api' has no trace form" },
		{ "bugbench --trials=0", "--trials" },
		{ "bugbench --time=x", "--time" },
		{ "bugbench --flavour=ida", "--flavour" },
		{ "bugbench --harness=api,nope", "--harness=api,nope: 'nope'" },
		{ "bugbench --harness=api --bin-dir=/nonexistent", "cmake --preset fuzz" },
	};
	char cmd[512], out[4096];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s", PASIDSIM_CLI, cases[i].args);
		cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s: %s", cases[i].args, out);
		cr_expect(strstr(out, cases[i].says), "%s: expected '%s' in: %s", cases[i].args,
			  cases[i].says, out);
	}
}

Test(fuzz_cli, unknown_bug_exits_2)
{
	char cmd[1024], out[4096];

	if (access(FUZZ_BUILD "/fuzz/api_libfuzzer", X_OK))
		cr_skip_test("the fuzz preset is not built (cmake --build --preset fuzz)");
	snprintf(cmd, sizeof(cmd), "%s bugbench --bugs=no-such-bug --harness=api --bin-dir=%s "
		 "--no-db", PASIDSIM_CLI, FUZZ_BUILD "/fuzz");
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "--bugs=no-such-bug: 'no-such-bug'"), "%s", out);
}

/* ---- with the fuzz preset built ----------------------------------------------------------- */

Test(fuzz_cli, campaign_recorded, .timeout = 120)
{
	char dir[] = "/tmp/bb-e2e-XXXXXX", cmd[8192], out[8192], db[PATH_MAX];
	sqlite3 *h;
	sqlite3_stmt *st;
	long long runs = 0, points = 0;

	if (access(FUZZ_BUILD "/fuzz/api_libfuzzer", X_OK))
		cr_skip_test("the fuzz preset is not built (cmake --build --preset fuzz)");
	cr_assert(mkdtemp(dir));
	snprintf(db, sizeof(db), "%s/store.db", dir);
	snprintf(cmd, sizeof(cmd), "%s fuzz api --time=2 --seed=1 --bin-dir=%s --work=%s/work "
		 "--db=%s --quiet", PASIDSIM_CLI, FUZZ_BUILD "/fuzz", dir, db);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "fuzz api (libfuzzer, 2 s):"), "%s", out);
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	sqlite3_prepare_v2(h, "SELECT count(*), (SELECT count(*) FROM coverage) FROM runs WHERE "
			   "command = 'fuzz:api' AND status = 'ok'", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW) {
		runs = sqlite3_column_int64(st, 0);
		points = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	cr_expect_eq(runs, 1);
	cr_expect_geq(points, 2, "the coverage curve: %lld points", points);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd, NULL, 0);
}

/* The line of @needle in @file (1-based), 0 if absent. */
static unsigned int line_of(const char *file, const char *needle)
{
	char line[1024];
	unsigned int n = 0;
	FILE *f = fopen(file, "r");

	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (strstr(line, needle)) {
			fclose(f);
			return n;
		}
	}
	fclose(f);
	return 0;
}

Test(bugbench_reach, api_reaches_alloc_not_vfio_world_reaches_vfio, .timeout = 120)
{
	char edges[] = "/tmp/bb-edges-XXXXXX", cmd[2048];
	struct bugbench_line l[1];
	struct bugbench_bug bug = { .lines = l, .nlines = 1 };
	int fd;

	if (access(FUZZ_BUILD "/fuzz/fuzz_api", X_OK))
		cr_skip_test("the fuzz preset is not built (cmake --build --preset fuzz)");
	fd = mkstemp(edges);
	close(fd);
	unlink(edges);
	snprintf(cmd, sizeof(cmd), "PASIDSIM_FUZZ_CORE=pasidsim PASIDSIM_FUZZ_COVERAGE=%s "
		 "ASAN_OPTIONS=detect_leaks=0 %s %s", edges, FUZZ_BUILD "/fuzz/fuzz_api",
		 PASIDSIM_SOURCE_DIR "/fuzz/corpus/api");
	cr_assert_eq(run(cmd, NULL, 0), 0);
	snprintf(l[0].file, sizeof(l[0].file), "core/iommu-pasid.c");
	l[0].line = line_of(PASIDSIM_SOURCE_DIR "/core/iommu-pasid.c", "int iommu_pasid_alloc(") + 3;
	cr_expect_eq(bugbench_reached(edges, "/libpasidsim-core-pasidsim.so", &bug), 1);
	snprintf(l[0].file, sizeof(l[0].file), "core/vfio-pasid.c");
	l[0].line = line_of(PASIDSIM_SOURCE_DIR "/core/vfio-pasid.c", "xa_load(&vm->pasids") + 1;
	cr_expect_eq(bugbench_reached(edges, "/libpasidsim-core-pasidsim.so", &bug), 0,
		     "api does not reach the VFIO handler");
	cr_expect_eq(bugbench_reached(edges, "/libpasidsim-core-nosuch.so", &bug), -1);
	/* core/ edges as scripts/fuzz-coverage.sh counts them, of the one (pasidsim) copy */
	unsigned long covered, total, sum_covered = 0, sum_total = 0;
	struct bugbench_core_file files[BUGBENCH_CORE_FILES];
	unsigned int nfiles;

	cr_expect_eq(bugbench_core_edges(edges, &covered, &total, files, &nfiles), 0);
	cr_expect_gt(covered, 100, "%lu", covered);
	cr_expect_gt(total, 600, "%lu", total);
	cr_expect_lt(covered, total);
	/* per file: the API's files reached, not the VFIO handler; the rows add up */
	cr_expect_geq(nfiles, 3);
	for (unsigned int i = 0; i < nfiles; i++) {
		sum_covered += files[i].covered;
		sum_total += files[i].total;
		if (!strcmp(files[i].name, "iommu-pasid.c") || !strcmp(files[i].name, "ioasid.c"))
			cr_expect_gt(files[i].covered, 20, "%s", files[i].name);
		if (!strcmp(files[i].name, "vfio-pasid.c"))
			cr_expect_eq(files[i].covered, 0);
	}
	cr_expect_eq(sum_covered, covered);
	cr_expect_eq(sum_total, total);
	unlink(edges);
	/* the world harness's copies (loaded by the world itself) are counted too */
	snprintf(cmd, sizeof(cmd), "PASIDSIM_FUZZ_CORE=pasidsim PASIDSIM_FUZZ_COVERAGE=%s "
		 "ASAN_OPTIONS=detect_leaks=0 %s %s", edges, FUZZ_BUILD "/fuzz/fuzz_world",
		 PASIDSIM_SOURCE_DIR "/fuzz/corpus/world");
	cr_assert_eq(run(cmd, NULL, 0), 0);
	cr_expect_eq(bugbench_reached(edges, "/libpasidsim-core-pasidsim.so", &bug), 1,
		     "world reaches the VFIO handler");
	unlink(edges);
}

/* ---- pasidsim fuzz --minimize (tools/fuzz-min.c) -------------------------------------------
 * The finding signature on made-up logs, and, with the fuzz preset built, a
 * world finding of a seeded bug (tests/data/fuzz/world-vfio-quota-off-by-one.crash,
 * 85 bytes, found by a 1 s campaign on the vfio-quota-off-by-one copy) shrunk by
 * libFuzzer with the same finding.
 */

#define CRASH PASIDSIM_SOURCE_DIR "/tests/data/fuzz/world-vfio-quota-off-by-one.crash"

Test(fuzz_min, fuzz_assert_beats_the_sanitizer_lines)
{
	const char *log =
		"INFO: Seed: 1\n"
		"==123==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020000000f0\n"
		"fuzz/world.c:87: FUZZ_ASSERT(0) failed: guest: INVARIANT finding: quota: vm0 "
		"holds 9 PASIDs, more than its quota of 8 (after operation 9)\n"
		"SUMMARY: AddressSanitizer: heap-use-after-free core/ioasid.c:42:7 in ioasid_find\n";
	char sig[256], line[256];

	cr_assert_eq(fuzz_finding_signature(log, sig, sizeof(sig), line, sizeof(line)), 1);
	cr_expect_str_eq(sig, "fuzz/world.c:#: FUZZ_ASSERT(#) failed: guest: INVARIANT finding: "
			 "quota: vm# holds # PASIDs, more than its quota of # (after operation #)");
	cr_expect(!strncmp(line, "fuzz/world.c:87: FUZZ_ASSERT", 28), "%s", line);
}

Test(fuzz_min, numbers_and_addresses_do_not_make_another_finding)
{
	char a[256], b[256], c[256];

	cr_assert(fuzz_finding_signature("==1==ERROR: x\nSUMMARY: AddressSanitizer: "
					 "heap-use-after-free core/ioasid.c:42:7 in f 0xdead\n",
					 a, sizeof(a), NULL, 0));
	cr_assert(fuzz_finding_signature("SUMMARY: AddressSanitizer: heap-use-after-free "
					 "core/ioasid.c:420:17 in f 0xbeef  \n", b, sizeof(b),
					 NULL, 0));
	cr_expect_str_eq(a, b);
	cr_assert(fuzz_finding_signature("SUMMARY: AddressSanitizer: heap-use-after-free "
					 "core/ioasid.c:42:7 in g\n", c, sizeof(c), NULL, 0));
	cr_expect_str_neq(a, c, "another function is another finding");
}

Test(fuzz_min, ubsan_and_no_finding)
{
	char sig[256];

	cr_expect_eq(fuzz_finding_signature("INFO: Running\nExecuted x in 3 ms\n", sig,
					    sizeof(sig), NULL, 0), 0);
	cr_expect_eq(fuzz_finding_signature("", sig, sizeof(sig), NULL, 0), 0);
	cr_assert_eq(fuzz_finding_signature("core/vfio-pasid.c:12:3: runtime error: signed "
					    "integer overflow\n", sig, sizeof(sig), NULL, 0), 1);
	cr_expect(strstr(sig, "runtime error: signed integer overflow"), "%s", sig);
}

/* ---- with the fuzz preset built (scripts/test.sh reruns fuzz_cli after building it) -------- */

static bool min_built(void)
{
	return !access(FUZZ_BUILD "/fuzz/world_libfuzzer", X_OK) &&
	       !access(FUZZ_BUILD "/fuzz/fuzz_world", X_OK) &&
	       !access(FUZZ_BUILD "/fuzz/bugbench/vfio-quota-off-by-one", F_OK);
}

Test(fuzz_cli, minimize_keeps_the_finding, .timeout = 240)
{
	char dir[] = "/tmp/fuzz-min-XXXXXX", cmd[PATH_MAX + 1024], out[8192], min[256];
	struct stat in_sb, out_sb;

	if (!min_built())
		cr_skip_test("the fuzz preset is not built (cmake --build --preset fuzz)");
	cr_assert(mkdtemp(dir));
	snprintf(min, sizeof(min), "%s/min", dir);
	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s --flavour=+vfio-quota-off-by-one "
		 "--time=15 --bin-dir=%s -o %s", PASIDSIM_CLI, CRASH, FUZZ_BUILD "/fuzz", min);
	cr_assert_eq(run(cmd, out, sizeof(out)), 0, "%s", out);
	cr_expect(strstr(out, "the same finding:") && strstr(out, "INVARIANT finding: quota:"),
		  "%s", out);
	cr_assert_eq(stat(CRASH, &in_sb), 0);
	cr_assert_eq(stat(min, &out_sb), 0);
	cr_expect_lt(out_sb.st_size, in_sb.st_size, "%lld bytes from %lld",
		     (long long)out_sb.st_size, (long long)in_sb.st_size);
	/* the correct core gives no finding: nothing to minimise, nothing written */
	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s --time=3 --bin-dir=%s -o %s/x",
		 PASIDSIM_CLI, CRASH, FUZZ_BUILD "/fuzz", dir);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "shows no finding for it: nothing to minimise"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s/x", dir);
	cr_expect_neq(access(cmd, F_OK), 0, "nothing written");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd, NULL, 0);
}

Test(fuzz_cli, minimize_usage_errors)
{
	char cmd[1024], out[4096];

	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s -o - --bin-dir=%s", PASIDSIM_CLI,
		 CRASH, FUZZ_BUILD "/fuzz");
	if (min_built()) {
		cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
		cr_expect(strstr(out, "expected a file, not standard output"), "%s", out);
	}
	snprintf(cmd, sizeof(cmd), "%s fuzz nosuch --minimize=%s", PASIDSIM_CLI, CRASH);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "'nosuch': expected a harness"), "%s", out);
	snprintf(cmd, sizeof(cmd), "%s fuzz world --minimize=%s --bin-dir=/nonexistent",
		 PASIDSIM_CLI, CRASH);
	cr_expect_eq(run(cmd, out, sizeof(out)), 2, "%s", out);
	cr_expect(strstr(out, "cmake --preset fuzz"), "%s", out);
}
