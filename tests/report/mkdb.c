// SPDX-License-Identifier: GPL-2.0
/*
 * results_mkdb <db> <reproducer>: a small synthetic history for the
 * dashboard test. Scenario "demo": six commits on main; the virtual metric
 * vt.ns_total regresses at commit c4 and stays; the wall metric regresses at
 * c3 and recovers at c5; the outcome digest changes at c6. Scenario "fuzz":
 * two campaigns with coverage curves and a finding with a reproducer.
 * Scenario "bench:clean": four commits, nothing changes (the summary must not
 * flag it, and must list it after the regressions although its name sorts
 * first). The second campaign has another finding, whose reproducer does not
 * exist.
 */
#include <stdio.h>
#include <stdlib.h>

#include "results.h"

static void die(const char *what, const char *err)
{
	fprintf(stderr, "results_mkdb: %s: %s\n", what, err);
	exit(2);
}

static void demo_run(struct results_db *db, int i)
{
	char commit[48], when[32], err[512];
	struct results_run_info info = {
		.command = "demo", .flavour = "pasidsim", .seed = 1, .git_branch = "main",
		.git_dirty = 0, .machine = "ci-1", .config = "{\"consumers\":4,\"ops\":1000}",
		.git_commit = commit, .started_at = when,
	};
	struct results_run *run;
	struct results_hist *h;

	snprintf(commit, sizeof(commit), "c%d%038d", i, i);
	snprintf(when, sizeof(when), "2024-03-0%dT10:00:00Z", i);
	run = results_run_new(&info);
	if (!run)
		die("run", "out of memory");
	results_digest_add(results_run_digest(run), i >= 6 ? 2 : 1);
	results_metric(run, "vt.ns_total", "ns", RESULTS_LOWER, i >= 4 ? 1300 : 1000);
	results_metric(run, "allocs", "count", RESULTS_EQUAL, 500);
	for (int s = 0; s < 8; s++)
		results_sample(run, "wall.ns_per_op", "ns", RESULTS_LOWER,
			       (i == 3 || i == 4 ? 150 : 100) + s % 4);
	h = results_run_hist(run, "latency.alloc", "ns", RESULTS_WALL);
	for (unsigned int v = 1; v < 5000; v += 7)
		results_hist_add(h, v * (v % 3 + 1));
	results_lockstat_add(run, &(struct results_lockstat){ .name = "ioasid_allocator_lock",
		.acquisitions = 1000 + i, .contentions = i, .wait_total_ns = 10 * i,
		.hold_total_ns = 5000, .hold_max_ns = 40 });
	results_run_set_outcome(run, 1000, "ok");
	if (results_run_commit(db, run, err, sizeof(err)) < 0)
		die("commit", err);
	results_run_free(run);
}

static void fuzz_run(struct results_db *db, int i, const char *repro)
{
	char err[512], when[32];
	struct results_run_info info = {
		.command = "fuzz", .flavour = "pasidsim", .seed = 7, .git_branch = "main",
		.git_dirty = 0, .machine = "ci-2", .git_commit = i ? "c6000000" : "c5000000",
		.started_at = when,
	};
	struct results_run *run;

	snprintf(when, sizeof(when), "2024-03-0%dT12:00:00Z", 5 + i);
	run = results_run_new(&info);
	for (int t = 0; t <= 20; t++)
		results_coverage(run, t * 3.0, t * 10000ULL, 100 + 40 * t - t * t + i * 10,
				 10 + t);
	results_metric(run, "fuzz.edges", "edges", RESULTS_HIGHER, 400 + i * 10);
	if (i)
		results_finding(run, "WARN", "WARN_ON(ioasid freed twice) at core/ioasid.c:210",
				4711, repro);
	if (i)
		results_finding(run, "WARN", "a finding whose reproducer is gone", 1,
				"no/such/reproducer.trace");
	results_run_set_outcome(run, 200000, i ? "problem" : "ok");
	if (results_run_commit(db, run, err, sizeof(err)) < 0)
		die("commit", err);
	results_run_free(run);
}

static void clean_run(struct results_db *db, int i)
{
	char commit[48], when[32], err[512];
	struct results_run_info info = {
		.command = "bench:clean", .flavour = "pasidsim", .seed = 3, .git_branch = "main",
		.git_dirty = 0, .machine = "ci-1", .git_commit = commit, .started_at = when,
	};
	struct results_run *run;

	snprintf(commit, sizeof(commit), "c%d%038d", i, i);
	snprintf(when, sizeof(when), "2024-03-0%dT09:00:00Z", i);
	run = results_run_new(&info);
	if (!run)
		die("run", "out of memory");
	results_digest_add(results_run_digest(run), 7);
	results_metric(run, "vt.ops", "count", RESULTS_EQUAL, 100);
	results_run_set_outcome(run, 100, "ok");
	if (results_run_commit(db, run, err, sizeof(err)) < 0)
		die("commit", err);
	results_run_free(run);
}

int main(int argc, char **argv)
{
	struct results_db *db;
	char err[512];

	if (argc != 3) {
		fprintf(stderr, "usage: results_mkdb <db> <reproducer>\n");
		return 2;
	}
	db = results_open(argv[1], 0, err, sizeof(err));
	if (!db)
		die("open", err);
	for (int i = 1; i <= 6; i++)
		demo_run(db, i);
	for (int i = 1; i <= 4; i++)
		clean_run(db, i);
	fuzz_run(db, 0, argv[2]);
	fuzz_run(db, 1, argv[2]);
	results_close(db);
	return 0;
}
