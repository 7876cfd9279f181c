// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim compare: gate a candidate run against a baseline.
 *
 * Virtual-time metrics and the outcome digest are compared exactly;
 * wall-clock metrics with repetitions by a two-sided Mann-Whitney U test
 * plus a minimum relative effect. Exit 0: no regression, 1: regression,
 * 2: usage or data error.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "results.h"

static const char *const compare_usage =
	"usage: pasidsim compare [--db=<file>] [--alpha=<p>] [--min-effect=<fraction>]\n"
	"                        [--any-scenario] [--json] <baseline> <candidate>\n\n"
	"<baseline> and <candidate>: a run id, a run UUID (prefix), a git revision\n"
	"(latest run at that commit), branch:<name> (latest run on the branch) or\n"
	"'latest'. The candidate is resolved first; a revision or branch baseline\n"
	"then means the latest run there of the same scenario (command, trace,\n"
	"config, flavour, seed). Defaults: --alpha=0.05 --min-effect=0.05.\n"
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
	printf("%s: %u regression%s\n", c->regressions ? "REGRESSION" : "OK", c->regressions,
	       c->regressions == 1 ? "" : "s");
}

static void print_json(const struct results_cmp *c)
{
	printf("{\"baseline\":%lld,\"candidate\":%lld,\"same_scenario\":%s,",
	       (long long)c->base, (long long)c->cand, c->same_scenario ? "true" : "false");
	printf("\"digest\":{\"compared\":%s,\"equal\":%s,\"baseline\":", c->digest_compared ?
	       "true" : "false", c->digest_equal ? "true" : "false");
	results_json_str(stdout, c->base_digest[0] ? c->base_digest : NULL);
	printf(",\"candidate\":");
	results_json_str(stdout, c->cand_digest[0] ? c->cand_digest : NULL);
	printf("},\"findings\":{\"baseline\":%u,\"candidate\":%u},\"metrics\":[",
	       c->base_findings, c->cand_findings);
	for (size_t i = 0; i < c->nrows; i++) {
		const struct results_cmp_row *r = &c->rows[i];

		printf("%s{\"name\":", i ? "," : "");
		results_json_str(stdout, r->name);
		printf(",\"unit\":");
		results_json_str(stdout, r->unit);
		printf(",\"kind\":\"%s\",\"better\":\"%s\",\"baseline\":%.17g,\"candidate\":%.17g,"
		       "\"n_baseline\":%u,\"n_candidate\":%u,\"p\":%.6g,\"effect\":%.6g,"
		       "\"verdict\":\"%s\"}", results_kind_name(r->kind),
		       results_better_name(r->better), r->base, r->cand, r->nbase, r->ncand, r->p,
		       isfinite(r->effect) ? r->effect : 0, results_verdict_name(r->verdict));
	}
	printf("],\"regressions\":%u,\"result\":\"%s\"}\n", c->regressions,
	       c->regressions ? "regression" : "ok");
}

int cmd_compare(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_ALPHA, OPT_EFFECT, OPT_ANY, OPT_JSON };
	static const struct option options[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "min-effect", required_argument, NULL, OPT_EFFECT },
		{ "any-scenario", no_argument, NULL, OPT_ANY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct results_cmp_opts o = { 0.05, 0.05 };
	const char *dbpath = NULL;
	bool json = false, any = false;
	struct results_db *db;
	struct results_cmp cmp;
	int64_t base, cand;
	char err[1024], *end;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DB:
			dbpath = optarg;
			break;
		case OPT_ALPHA:
			o.alpha = strtod(optarg, &end);
			if (*end || !(o.alpha > 0 && o.alpha < 1))
				goto usage;
			break;
		case OPT_EFFECT:
			o.min_effect = strtod(optarg, &end);
			if (*end || !(o.min_effect >= 0))
				goto usage;
			break;
		case OPT_ANY:
			any = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			fputs(compare_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	db = results_open(results_db_path(dbpath), RESULTS_OPEN_READONLY, err, sizeof(err));
	if (!db) {
		fprintf(stderr, "pasidsim compare: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	cand = results_resolve(db, argv[optind + 1], 0, err, sizeof(err));
	base = cand < 0 ? -1 : results_resolve(db, argv[optind], any ? 0 : cand, err, sizeof(err));
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
usage:
	fputs(compare_usage, stderr);
	return PASIDSIM_EXIT_USAGE;
}
