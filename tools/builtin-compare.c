// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim compare: gate a candidate run against a baseline.
 *
 * Virtual-time metrics and the outcome digest are compared exactly;
 * wall-clock metrics with repetitions by a two-sided Mann-Whitney U test
 * plus a minimum relative effect. Exit 0: no regression, 1: regression,
 * 2: usage or data error. Two bugbench runs are compared on bug-finding
 * power instead (bugbench.h).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bugbench.h"
#include "builtin.h"
#include "json.h"
#include "opt.h"
#include "results.h"

static const char compare_about[] =
	"BASELINE and CANDIDATE: a run id, a run UUID (prefix), a git revision\n"
	"(latest run at that commit), branch:NAME (latest run on the branch) or\n"
	"'latest'. The candidate is resolved first; a revision or branch baseline\n"
	"then means the latest run there of the same scenario (command, trace,\n"
	"config, flavour, seed). A baseline metric the candidate lacks counts as a\n"
	"regression. Two bugbench runs are compared on bug-finding power: fewer bugs\n"
	"found (Fisher's exact test) or slower to find them (Mann-Whitney U on the\n"
	"times to detection, censored at the budget), at --alpha.\n";

static const char compare_footer[] =
	"Exit status: 0 no regression, 1 regression, 2 usage or data error.\n";

static void print_text(const struct results_cmp *c)
{
	printf("baseline run %lld, candidate run %lld%s\n", (long long)c->base, (long long)c->cand,
	       c->same_scenario ? "" : " (different scenarios)");
	if (c->digest_compared)
		printf("  outcome digest: %s %s %s\n", c->base_digest,
		       c->digest_equal ? "==" : "!=", c->cand_digest);
	else
		printf("  outcome digest: not compared\n");
	printf("  findings: %u -> %u%s\n", c->base_findings, c->cand_findings,
	       c->cand_findings > c->base_findings ? "  REGRESSED" : "");
	printf("  %-36s %-7s %14s %14s %8s %7s %6s  %s\n", "metric", "kind", "baseline",
	       "candidate", "change", "p", "n", "verdict");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct results_cmp_row *r = &c->rows[i];
		char n[16] = "", p[16] = "";

		if (r->kind == RESULTS_WALL) {
			snprintf(n, sizeof(n), "%u/%u", r->nbase, r->ncand);
			if (r->verdict != RESULTS_TOO_FEW && r->verdict <= RESULTS_NOISE)
				snprintf(p, sizeof(p), "%.4f", r->p);
		}
		printf("  %-36s %-7s %14.6g %14.6g %+7.2f%% %7s %6s  %s\n", r->name,
		       results_kind_name(r->kind), r->base, r->cand, r->effect * 100, p, n,
		       results_verdict_name(r->verdict));
	}
	printf("%s: %u regression%s", c->regressions ? "REGRESSION" : "OK", c->regressions,
	       c->regressions == 1 ? "" : "s");
	if (c->missing)
		printf(" (%u metric%s of the baseline missing from the candidate)", c->missing,
		       c->missing == 1 ? "" : "s");
	printf("\n");
}

static void print_json(const struct results_cmp *c)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_i64(&j, "baseline", c->base);
	json_i64(&j, "candidate", c->cand);
	json_bool(&j, "same_scenario", c->same_scenario);
	json_obj_begin(&j, "digest");
	json_bool(&j, "compared", c->digest_compared);
	json_bool(&j, "equal", c->digest_equal);
	json_str(&j, "baseline", c->base_digest[0] ? c->base_digest : NULL);
	json_str(&j, "candidate", c->cand_digest[0] ? c->cand_digest : NULL);
	json_obj_end(&j);
	json_obj_begin(&j, "findings");
	json_u64(&j, "baseline", c->base_findings);
	json_u64(&j, "candidate", c->cand_findings);
	json_obj_end(&j);
	json_arr_begin(&j, "metrics");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct results_cmp_row *r = &c->rows[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "name", r->name);
		json_str(&j, "unit", r->unit);
		json_str(&j, "kind", results_kind_name(r->kind));
		json_str(&j, "better", results_better_name(r->better));
		json_dbl(&j, "baseline", r->base);
		json_dbl(&j, "candidate", r->cand);
		json_u64(&j, "n_baseline", r->nbase);
		json_u64(&j, "n_candidate", r->ncand);
		json_dbl(&j, "p", r->p);
		json_dbl(&j, "effect", isfinite(r->effect) ? r->effect : 0);
		json_str(&j, "verdict", results_verdict_name(r->verdict));
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_u64(&j, "regressions", c->regressions);
	json_u64(&j, "missing", c->missing);
	json_str(&j, "result", c->regressions ? "regression" : "ok");
	json_obj_end(&j);
}

int cmd_compare(int argc, char **argv)
{
	struct results_cmp_opts o = { 0.05, 0.05 };
	const char *dbpath = NULL;
	bool json = false, any = false;
	struct results_db *db;
	struct results_cmp cmp;
	int64_t base, cand;
	char err[1024];
	int ret;
	const struct opt opts[] = {
		OPT_DB(&dbpath),
		OPT_DBL(0, "alpha", &o.alpha, 1e-9, 1, "P",
			"significance level of the Mann-Whitney U test (default 0.05)"),
		OPT_DBL(0, "min-effect", &o.min_effect, 0, 1e9, "FRACTION",
			"smallest relative change that counts (default 0.05)"),
		OPT_BOOLEAN(0, "any-scenario", &any, "compare runs of different scenarios"),
		OPT_JSON(&json),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"compare", "[options] BASELINE CANDIDATE", compare_about, compare_footer, 2, 2,
	};
	int n = opt_parse(&cmd, opts, argc, argv);

	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	db = results_open(results_db_path(dbpath), RESULTS_OPEN_READONLY, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "pasidsim compare: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	cand = results_resolve(db, argv[2], 0, err, sizeof(err));
	base = cand < 0 ? -1 : results_resolve(db, argv[1], any ? 0 : cand, err, sizeof(err));
	/* two bugbench runs: bug-finding power (tools/bugbench-stats.c) */
	if (cand >= 0 && base >= 0 && bugbench_is_run(db, base) && bugbench_is_run(db, cand)) {
		ret = bugbench_compare_runs(db, base, cand, o.alpha, json);
		results_close(db);
		return ret;
	}
	if (cand < 0 || base < 0 ||
	    results_compare(db, base, cand, &o, &cmp, err, sizeof(err))) {
		fprintf(stderr, "pasidsim compare: %s\n", err);
		results_close(db);
		return PASIDSIM_EXIT_USAGE;
	}
	results_close(db);
	if (!cmp.same_scenario && !any) {
		fprintf(stderr, "pasidsim compare: runs %lld and %lld are of different scenarios "
			"(command, trace, config, flavour or seed differ); --any-scenario compares "
			"them anyway\n", (long long)base, (long long)cand);
		results_cmp_free(&cmp);
		return PASIDSIM_EXIT_USAGE;
	}
	if (json)
		print_json(&cmp);
	else
		print_text(&cmp);
	ret = cmp.regressions ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
	results_cmp_free(&cmp);
	return ret;
}
