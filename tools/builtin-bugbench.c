// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim bugbench: the bug benchmark (issue 12, fuzz/bugbench/README.md).
 *
 * For each seeded bug (fuzz/bugbench/<bug>.patch, whose patched core copy
 * libpasidsim-core-<flavour>+<bug>.so the fuzz preset builds) and each
 * harness that should detect it (the patch's Harnesses: line, else every
 * kernel harness), runs --trials campaigns of --time seconds on the patched
 * copy (PASIDSIM_FUZZ_CORE=<flavour>+<bug>, tools/fuzz-campaign.h), each
 * from the harness's seed corpus with its own libFuzzer seed, and records
 * per bug x harness x trial (bugbench.h):
 *   detected  the campaign's finding does not reproduce on the correct copy
 *             (the replayer fuzz_<h> runs the input on it), so it is the bug's;
 *   ttd       when the finding was made (the budget when there was none);
 *   reached   the changed lines were executed (bugbench_reached(): the corpus
 *             replayed with edge coverage; a detection implies it);
 *   triggered recorded as detected: telling a triggered but undetected bug
 *             apart needs a canary in core/, which holds kernel C only.
 * --mutation runs each bug's unit suite test_<suite>+<bug> (built by the
 * tests presets) and records the first test that kills it.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bugbench.h"
#include "builtin.h"
#include "fuzz-campaign.h"
#include "json.h"
#include "opt.h"
#include "results.h"

#define MAX_TRIALS	100

static const char bugbench_about[] =
	"For each seeded bug of fuzz/bugbench/ (--bugs, default all) and each harness\n"
	"expected to detect it (the patch's Harnesses: line, else api, diff_ioasid and\n"
	"world; --harness narrows), runs --trials campaigns of --time seconds on the\n"
	"bug's patched core copy and records reached / triggered / detected and the\n"
	"time to detection per bug x harness x trial. --mutation also runs each bug's\n"
	"unit suite (test_<suite>+<bug>, default preset) and records which test kills it\n"
	"first. The harnesses and patched copies come from the fuzz preset.\n";

struct bb_args {
	const char *bugs, *harness, *flavour, *bin_dir, *test_dir, *src, *work, *db;
	unsigned int seconds, trials;
	int engine;
	bool mutation, all, no_db, json, quiet;
};

struct bb_cell {
	struct bugbench_bug *bug;
	const char *harness;
	const char *flavour;		/* the copy patched */
	char label[128];		/* the bug, "<bug>@<flavour>" with --flavour=all */
	unsigned int trials, detected, unattributed;
	int reached;			/* trials that reached it, -1 unknown */
	double ttd[MAX_TRIALS];
	bool det[MAX_TRIALS];
	signed char rch[MAX_TRIALS];	/* reached: 1, 0, -1 unknown */
	char finding[256];		/* the first detection's message */
};

struct bb {
	struct bb_args a;
	char src[PATH_MAX], build[PATH_MAX], work[PATH_MAX];
	char bins[3][PATH_MAX];		/* engine binary per harness, "" unused */
	const char *harnesses[3];
	unsigned int nharness;
	struct bugbench_bug *bugs;
	size_t nbugs;
	struct bb_cell *cells;
	size_t ncells;
	char (*killer)[160];		/* --mutation: per bug, "" survived, NULL not run */
	bool *mutated;
};

/* ---- setup ---------------------------------------------------------------------- */

static int pick_harnesses(struct bb *b)
{
	char list[256], *save = NULL;
	static const char *const known[] = { "api", "diff_ioasid", "world" };
	bool want[3] = { false };

	/* every name first, so a wrong one is named even where nothing is built */
	snprintf(list, sizeof(list), "%s", b->a.harness ? b->a.harness : "api,diff_ioasid,world");
	for (char *h = strtok_r(list, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		int k = -1;

		for (int i = 0; i < 3; i++)
			if (!strcmp(h, known[i]))
				k = i;
		if (k < 0) {
			fprintf(stderr, "pasidsim bugbench: --harness=%s: '%s': expected api, "
				"diff_ioasid or world\n", b->a.harness, h);
			return -1;
		}
		want[k] = true;
	}
	for (int k = 0; k < 3; k++) {
		char err[PATH_MAX * 3];

		if (!want[k] || b->bins[k][0])
			continue;
		if (fuzz_find_binary(known[k], b->a.engine, b->a.bin_dir, b->bins[k],
				     PATH_MAX, err, sizeof(err))) {
			fprintf(stderr, "pasidsim bugbench: %s\n", err);
			return -1;
		}
		b->harnesses[b->nharness++] = known[k];
	}
	return 0;
}

static const char *bin_of(const struct bb *b, const char *harness)
{
	static const char *const known[] = { "api", "diff_ioasid", "world" };

	for (int i = 0; i < 3; i++)
		if (!strcmp(harness, known[i]))
			return b->bins[i];
	return "";
}

static int dirs(struct bb *b)
{
	const char *bin = b->bins[0][0] ? b->bins[0] : b->bins[1][0] ? b->bins[1] : b->bins[2];
	char *slash;

	if (b->a.src)
		snprintf(b->src, sizeof(b->src), "%s", b->a.src);
	else if (fuzz_source_dir(bin, b->src, sizeof(b->src))) {
		fprintf(stderr, "pasidsim bugbench: no source tree above %s; --src=DIR\n", bin);
		return -1;
	}
	snprintf(b->build, sizeof(b->build), "%s", bin);
	for (int up = 0; up < 2 && (slash = strrchr(b->build, '/')); up++)
		*slash = '\0';
	if ((b->a.work ? snprintf(b->work, sizeof(b->work), "%s", b->a.work) :
	     snprintf(b->work, sizeof(b->work), "%s/fuzz-work/bugbench-%d", b->build,
		      (int)getpid())) >= (int)sizeof(b->work)) {
		fprintf(stderr, "pasidsim bugbench: work directory name too long\n");
		return -1;
	}
	return 0;
}

static bool wanted(const char *list, const char *name)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *p = buf; *p; p++)
		if (*p == ',')
			*p = ' ';
	return bugbench_in_list(buf, name);
}

static int load_bugs(struct bb *b)
{
	char pat[PATH_MAX + 32], err[PATH_MAX + 128];
	glob_t g;
	size_t found = 0;

	snprintf(pat, sizeof(pat), "%s/fuzz/bugbench/*.patch", b->src);
	if (glob(pat, 0, NULL, &g)) {
		fprintf(stderr, "pasidsim bugbench: no %s\n", pat);
		return -1;
	}
	b->bugs = calloc(g.gl_pathc, sizeof(*b->bugs));
	for (size_t i = 0; b->bugs && i < g.gl_pathc; i++) {
		struct bugbench_bug *bug = &b->bugs[b->nbugs];

		if (bugbench_read_patch(g.gl_pathv[i], bug, err, sizeof(err))) {
			fprintf(stderr, "pasidsim bugbench: %s\n", err);
			globfree(&g);
			return -1;
		}
		if (b->a.bugs && !wanted(b->a.bugs, bug->name)) {
			bugbench_bug_free(bug);
			continue;
		}
		found++;
		if (strcmp(b->a.flavour, "all") && !bugbench_in_list(bug->flavours, b->a.flavour)) {
			fprintf(stderr, "pasidsim bugbench: %s: not a bug of flavour %s (Flavours: "
				"%s); skipped\n", bug->name, b->a.flavour, bug->flavours);
			bugbench_bug_free(bug);
			continue;
		}
		b->nbugs++;
	}
	globfree(&g);
	if (b->a.bugs) {
		char list[1024], *save = NULL;

		snprintf(list, sizeof(list), "%s", b->a.bugs);
		for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
			snprintf(pat, sizeof(pat), "%s/fuzz/bugbench/%s.patch", b->src, w);
			if (access(pat, R_OK)) {
				fprintf(stderr, "pasidsim bugbench: --bugs=%s: '%s': no %s\n",
					b->a.bugs, w, pat);
				return -1;
			}
		}
	}
	if (!b->bugs || !found) {
		fprintf(stderr, "pasidsim bugbench: no seeded bug to run\n");
		return -1;
	}
	return 0;
}

/* The cells: bug x harness expected to detect it (or every harness with --all-harnesses). */
static int make_cells(struct bb *b)
{
	static const char *const flavours[] = { "pasidsim", "linux-6.1" };
	bool all = !strcmp(b->a.flavour, "all");

	b->cells = calloc(b->nbugs * b->nharness * 2 + 1, sizeof(*b->cells));
	if (!b->cells)
		return -1;
	for (size_t k = 0; k < b->nbugs * 2; k++) {
		const char *fl = all ? flavours[k % 2] : b->a.flavour;
		size_t i = k / 2;
		char spec[256];

		if ((!all && k % 2) || !bugbench_in_list(b->bugs[i].flavours, fl))
			continue;
		snprintf(spec, sizeof(spec), "%s+%s", fl, b->bugs[i].name);
		for (unsigned int h = 0; h < b->nharness; h++) {
			struct bb_cell *c;

			if (!b->a.all && b->bugs[i].has_harnesses &&
			    !bugbench_in_list(b->bugs[i].harnesses, b->harnesses[h]))
				continue;
			if (!fuzz_core_built(bin_of(b, b->harnesses[h]), spec)) {
				fprintf(stderr, "pasidsim bugbench: no patched copy %s beside %s (the "
					"fuzz preset builds them: cmake --build --preset fuzz)\n", spec,
					bin_of(b, b->harnesses[h]));
				return -1;
			}
			c = &b->cells[b->ncells++];
			c->bug = &b->bugs[i];
			c->harness = b->harnesses[h];
			c->flavour = fl;
			snprintf(c->label, sizeof(c->label), all ? "%s@%s" : "%s", b->bugs[i].name, fl);
			c->reached = -1;
		}
	}
	return 0;
}

/* ---- one trial ------------------------------------------------------------------- */

/* The standalone replayer fuzz_<h> beside the engine binary. */
static void replayer(const struct bb *b, const char *harness, char *buf, size_t len)
{
	snprintf(buf, len, "%s/fuzz/fuzz_%s", b->build, harness);
}

/* Does the finding reproduce on the correct copy? Then it is not the bug's. */
static bool attributable(const struct bb *b, const struct bb_cell *c, const char *crash)
{
	char bin[PATH_MAX + 32];
	char *argv[] = { bin, (char *)crash, NULL };

	replayer(b, c->harness, bin, sizeof(bin));
	return access(bin, X_OK) || fuzz_replay(argv, c->flavour, NULL) == 0;
}

static int reached(const struct bb *b, const struct bb_cell *c, const struct fuzz_campaign *f,
		   const char *spec)
{
	char bin[PATH_MAX + 32], cov[PATH_MAX + 32], obj[512];
	char *argv[] = { bin, (char *)f->corpus, (char *)f->seeds, NULL };
	int r = -1;

	replayer(b, c->harness, bin, sizeof(bin));
	if (!f->seeds || !*f->seeds)
		argv[2] = NULL;
	snprintf(cov, sizeof(cov), "%s/edges", f->work);
	unlink(cov);
	snprintf(obj, sizeof(obj), "/libpasidsim-core-%s.so", spec);
	if (!access(bin, X_OK) && fuzz_replay(argv, spec, cov) == 0)
		r = bugbench_reached(cov, obj, c->bug);
	unlink(cov);
	return r;
}

static int trial(struct bb *b, struct bb_cell *c, unsigned int t)
{
	char spec[256], work[PATH_MAX], corpus[PATH_MAX + 16];
	char seeds[PATH_MAX], dict[PATH_MAX], err[1024];
	struct fuzz_campaign f = { 0 };
	bool det;
	int r;

	snprintf(spec, sizeof(spec), "%s+%s", c->flavour, c->bug->name);
	if (snprintf(work, sizeof(work), "%s/%s/%s-%u", b->work, c->label, c->harness,
		     t + 1) >= (int)sizeof(work))
		return -1;
	snprintf(corpus, sizeof(corpus), "%s/corpus", work);
	fuzz_harness_files(b->src, c->harness, seeds, dict, PATH_MAX, &f.max_len);
	f.harness = c->harness;
	f.engine = b->a.engine;
	f.bin = bin_of(b, c->harness);
	f.seconds = b->a.seconds;
	f.jobs = 1;
	f.core = spec;
	f.corpus = corpus;
	f.seeds = seeds;
	f.dict = dict;
	f.work = work;
	f.seed = t + 1;
	f.stop_on_finding = true;
	f.progress = b->a.quiet || b->a.json ? NULL : stderr;
	if (fuzz_campaign_run(&f, err, sizeof(err))) {
		fprintf(stderr, "pasidsim bugbench: %s x %s: %s\n", c->label, c->harness, err);
		return -1;
	}
	det = f.status == 1 && attributable(b, c, f.finding);
	c->unattributed += f.status == 1 && !det;
	c->trials++;
	c->detected += det;
	c->ttd[t] = det ? f.finding_s : b->a.seconds;
	c->det[t] = det;
	if (det && !c->finding[0])
		snprintf(c->finding, sizeof(c->finding), "%s", f.finding_msg);
	r = det ? 1 : reached(b, c, &f, spec);
	c->rch[t] = r;
	if (r >= 0)
		c->reached = (c->reached < 0 ? 0 : c->reached) + r;
	if (!b->a.quiet && !b->a.json)
		fprintf(stderr, "bugbench: %s x %s, trial %u/%u: %s%s%s\n", c->label,
			c->harness, t + 1, b->a.trials, det ? "detected" : f.status == 1 ?
			"a finding that the correct copy shares (not counted)" : f.status ?
			"the engine failed" : "not detected", det ? " after " : "",
			det ? f.finding_msg : "");
	fuzz_campaign_free(&f);
	return f.status == 2 ? -1 : 0;
}

/* ---- mutation: the unit suites ----------------------------------------------------- */

/* The first failing test in Criterion's output ("[FAIL] suite::test: ..."), colours stripped. */
static void first_failure(FILE *p, char *out, size_t len)
{
	char line[1024];

	out[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		char clean[1024], *q = clean, *f, *end;

		for (char *s = line; *s; s++) {
			if (*s == '\033') {
				s += strcspn(s, "m");
				if (!*s)
					break;
				continue;
			}
			*q++ = *s;
		}
		*q = '\0';
		f = strstr(clean, "[FAIL] ");
		if (!f || out[0])
			continue;
		f += 7;
		end = strstr(f, ": ");
		if (end)
			*end = '\0';
		f[strcspn(f, "\r\n")] = '\0';
		for (char *s; (s = strstr(f, "::"));)
			memmove(s, s + 1, strlen(s));	/* suite::test -> suite:test */
		for (char *s = f; *s; s++)
			if (*s == ':')
				*s = '/';
		snprintf(out, len, "%s", f);
	}
}

static int mutation(struct bb *b, size_t i)
{
	const struct bugbench_bug *bug = &b->bugs[i];
	const char *env = getenv("PASIDSIM_BUGBENCH_TEST_DIR");
	char dir[PATH_MAX], cmd[PATH_MAX * 2 + 128];
	FILE *p;

	if (b->a.test_dir)
		snprintf(dir, sizeof(dir), "%s", b->a.test_dir);
	else if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else if (snprintf(dir, sizeof(dir), "%s/build/default/fuzz/bugbench", b->src) >=
		 (int)sizeof(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "'%s/test_%s+%s' --filter='%s/*' --jobs=1 2>&1", dir,
		 bug->suite, bug->name, bug->suite);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/test_%s+%s", bug->suite,
		 bug->name);
	if (access(dir, X_OK)) {
		fprintf(stderr, "pasidsim bugbench: --mutation: no %s (the default preset builds "
			"it; --test-dir=DIR)\n", dir);
		return -1;
	}
	p = popen(cmd, "r");
	if (!p)
		return -1;
	first_failure(p, b->killer[i], sizeof(b->killer[i]));
	pclose(p);
	b->mutated[i] = true;
	if (!b->a.quiet && !b->a.json)
		fprintf(stderr, "bugbench: %s: %s%s\n", bug->name, b->killer[i][0] ?
			"killed by " : "survived the suite ", b->killer[i][0] ? b->killer[i] :
			bug->suite);
	return 0;
}

/* ---- output and recording ---------------------------------------------------------- */

static void median_text(const struct bb *b, const struct bb_cell *c, char *buf, size_t len)
{
	double m = bugbench_median(c->ttd, c->trials);

	if (!c->trials)
		snprintf(buf, len, "-");
	else if (c->detected * 2 < c->trials || !c->detected)
		snprintf(buf, len, ">%u s", b->a.seconds);
	else
		snprintf(buf, len, "%.1f s", m);
}

static void print_table(const struct bb *b)
{
	unsigned int killed = 0, ran = 0;

	printf("%-34s %-12s %9s %9s %12s  %s\n", "bug", "harness", "detected", "reached",
	       "median TTD", "first detection");
	for (size_t i = 0; i < b->ncells; i++) {
		const struct bb_cell *c = &b->cells[i];
		char det[32], rch[32], med[32];

		snprintf(det, sizeof(det), "%u/%u", c->detected, c->trials);
		if (c->reached < 0)
			snprintf(rch, sizeof(rch), "?");
		else
			snprintf(rch, sizeof(rch), "%d/%u", c->reached, c->trials);
		median_text(b, c, med, sizeof(med));
		printf("%-34s %-12s %9s %9s %12s  %.60s%s\n", c->label, c->harness, det, rch,
		       med, c->finding, c->unattributed ? " (+findings the correct copy shares)" :
		       "");
	}
	for (size_t i = 0; b->mutated && i < b->nbugs; i++) {
		if (!b->mutated[i])
			continue;
		ran++;
		killed += b->killer[i][0] != '\0';
		printf("mutation %-28s %s\n", b->bugs[i].name,
		       b->killer[i][0] ? b->killer[i] : "SURVIVED");
	}
	if (ran)
		printf("unit suites kill %u of %u seeded bugs\n", killed, ran);
}

static void print_json(const struct bb *b, int64_t id)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_u64(&j, "seconds", b->a.seconds);
	json_u64(&j, "trials", b->a.trials);
	json_str(&j, "flavour", b->a.flavour);
	json_arr_begin(&j, "cells");
	for (size_t i = 0; i < b->ncells; i++) {
		const struct bb_cell *c = &b->cells[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "bug", c->bug->name);
		json_str(&j, "flavour", c->flavour);
		json_str(&j, "harness", c->harness);
		json_u64(&j, "trials", c->trials);
		json_u64(&j, "detected", c->detected);
		if (c->reached < 0)
			json_null(&j, "reached");
		else
			json_i64(&j, "reached", c->reached);
		json_arr_begin(&j, "ttd_s");
		for (unsigned int t = 0; t < c->trials; t++)
			json_fixed(&j, NULL, c->ttd[t], 3);
		json_arr_end(&j);
		json_dbl(&j, "median_ttd_s", c->detected * 2 >= c->trials && c->detected ?
			 bugbench_median(c->ttd, c->trials) : NAN);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_arr_begin(&j, "mutation");
	for (size_t i = 0; b->mutated && i < b->nbugs; i++) {
		if (!b->mutated[i])
			continue;
		json_obj_begin(&j, NULL);
		json_str(&j, "bug", b->bugs[i].name);
		json_str(&j, "killed_by", b->killer[i][0] ? b->killer[i] : NULL);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	if (id > 0)
		json_i64(&j, "run", id);
	else
		json_null(&j, "run");
	json_obj_end(&j);
}

static void config_json(const struct bb *b, char *buf, size_t len)
{
	struct json j;

	json_buf_begin(&j, buf, len);
	json_obj_begin(&j, NULL);
	json_arr_begin(&j, "bugs");
	for (size_t i = 0; i < b->nbugs; i++)
		json_str(&j, NULL, b->bugs[i].name);
	json_arr_end(&j);
	json_arr_begin(&j, "harnesses");
	for (unsigned int h = 0; h < b->nharness; h++)
		json_str(&j, NULL, b->harnesses[h]);
	json_arr_end(&j);
	json_u64(&j, "seconds", b->a.seconds);
	json_u64(&j, "trials", b->a.trials);
	json_str(&j, "engine", fuzz_engine_names[b->a.engine]);
	json_bool(&j, "mutation", b->a.mutation);
	json_obj_end(&j);
	json_buf_end(&j, buf, len);
}

static void record_cells(const struct bb *b, struct results_run *run)
{
	for (size_t i = 0; i < b->ncells; i++) {
		const struct bb_cell *c = &b->cells[i];
		char name[BUGBENCH_CELL_MAX + 32], msg[512];

		for (unsigned int t = 0; t < c->trials; t++) {
			snprintf(name, sizeof(name), "bugbench.%s.%s.detected", c->label,
				 c->harness);
			results_sample(run, name, "1", RESULTS_HIGHER, c->det[t]);
			snprintf(name, sizeof(name), "bugbench.%s.%s.ttd_s", c->label,
				 c->harness);
			results_sample(run, name, "s", RESULTS_LOWER, c->ttd[t]);
		}
		for (unsigned int t = 0; t < c->trials; t++) {
			if (c->rch[t] < 0)
				continue;
			snprintf(name, sizeof(name), "bugbench.%s.%s.reached", c->label,
				 c->harness);
			results_sample(run, name, "1", RESULTS_HIGHER, c->rch[t]);
		}
		if (c->detected) {
			snprintf(msg, sizeof(msg), "%s x %s: detected in %u of %u trials: %s",
				 c->label, c->harness, c->detected, c->trials, c->finding);
			results_finding(run, "bugbench", msg, -1, NULL);
		}
	}
}

static int64_t record(const struct bb *b)
{
	char config[4096], err[1024], name[256];
	struct results_run_info info = { .command = "bugbench", .config = config,
					 .flavour = b->a.flavour, .git_dirty = -1 };
	unsigned int killed = 0, ran = 0;
	struct results_run *run;
	struct results_db *db;
	int64_t id = -1;

	config_json(b, config, sizeof(config));
	run = results_run_new(&info);
	if (!run)
		return -1;
	record_cells(b, run);
	results_metric(run, "bugbench.budget_s", "s", RESULTS_EQUAL, b->a.seconds);
	for (size_t i = 0; b->mutated && i < b->nbugs; i++) {
		char msg[512];

		if (!b->mutated[i])
			continue;
		ran++;
		killed += b->killer[i][0] != '\0';
		snprintf(name, sizeof(name), "mutation.%s.killed", b->bugs[i].name);
		results_metric(run, name, "1", RESULTS_HIGHER, b->killer[i][0] != '\0');
		snprintf(msg, sizeof(msg), "%s: %s%s", b->bugs[i].name,
			 b->killer[i][0] ? "killed by " : "survived the suite ",
			 b->killer[i][0] ? b->killer[i] : b->bugs[i].suite);
		results_finding(run, "mutation", msg, -1, NULL);
	}
	if (ran) {
		results_metric(run, "mutation.killed", "bugs", RESULTS_HIGHER, killed);
		results_metric(run, "mutation.bugs", "bugs", RESULTS_EQUAL, ran);
	}
	results_run_set_outcome(run, b->ncells, "ok");
	db = results_open(results_db_path(b->a.db), 0, err, sizeof(err));
	if (db)
		id = results_run_commit(db, run, err, sizeof(err));
	if (id < 0)
		fprintf(stderr, "pasidsim bugbench: not recorded: %s\n", err);
	results_close(db);
	results_run_free(run);
	return id;
}

static void bb_free(struct bb *b)
{
	for (size_t i = 0; i < b->nbugs; i++)
		bugbench_bug_free(&b->bugs[i]);
	free(b->bugs);
	free(b->cells);
	free(b->killer);
	free(b->mutated);
}

static int run_all(struct bb *b)
{
	for (size_t i = 0; i < b->ncells; i++)
		for (unsigned int t = 0; t < b->a.trials; t++)
			if (trial(b, &b->cells[i], t))
				return -1;
	if (!b->a.mutation)
		return 0;
	b->killer = calloc(b->nbugs, sizeof(*b->killer));
	b->mutated = calloc(b->nbugs, sizeof(*b->mutated));
	for (size_t i = 0; b->killer && b->mutated && i < b->nbugs; i++)
		if (mutation(b, i))
			return -1;
	return b->killer && b->mutated ? 0 : -1;
}

int cmd_bugbench(int argc, char **argv)
{
	static const char *const flavours[] = { "pasidsim", "linux-6.1", "all", NULL };
	struct bb b = { .a = { .seconds = 60, .trials = 5, .flavour = "pasidsim" } };
	int flavour = 0, n;
	int64_t id = -1;
	int ret = PASIDSIM_EXIT_USAGE;
	const struct opt opts[] = {
		OPT_STR(0, "bugs", &b.a.bugs, "BUG,...", "seeded bugs to run (default all)"),
		OPT_STR(0, "harness", &b.a.harness, "H,...",
			"harnesses: api, diff_ioasid, world (default all three)"),
		OPT_BOOLEAN(0, "all-harnesses", &b.a.all,
			    "every harness on every bug, not only those its Harnesses: line names"),
		OPT_UNSIGNED(0, "time", &b.a.seconds, 1, 86400, "S",
			     "seconds per campaign (default 60)"),
		OPT_UNSIGNED(0, "trials", &b.a.trials, 1, MAX_TRIALS, "N",
			     "campaigns per bug x harness (default 5)"),
		OPT_CHOOSE(0, "flavour", &flavour, flavours, "FLAVOUR",
			   "allocator flavour patched: pasidsim (default), linux-6.1, or all (each "
			   "flavour a bug is for: cells <bug>@<flavour>)"),
		OPT_CHOOSE(0, "engine", &b.a.engine, fuzz_engine_names, "ENGINE",
			   "libfuzzer (default) or afl"),
		OPT_BOOLEAN(0, "mutation", &b.a.mutation,
			    "also run each bug's unit suite and record the test that kills it"),
		OPT_STR(0, "bin-dir", &b.a.bin_dir, "DIR", "the harness binaries' directory"),
		OPT_STR(0, "test-dir", &b.a.test_dir, "DIR",
			"where test_<suite>+<bug> are (default <src>/build/default/fuzz/bugbench, "
			"or $PASIDSIM_BUGBENCH_TEST_DIR)"),
		OPT_STR(0, "src", &b.a.src, "DIR", "the source tree (default: above the binaries)"),
		OPT_STR(0, "work", &b.a.work, "DIR", "campaign directories"),
		OPT_DB(&b.a.db),
		OPT_NO_DB(&b.a.no_db),
		OPT_JSON(&b.a.json),
		OPT_QUIET(&b.a.quiet),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"bugbench", "[options]", bugbench_about,
		"Exit status: 0 measured, 2 usage error or something not built.\n", 0, 0,
	};

	n = opt_parse(&cmd, opts, argc, argv);
	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	b.a.flavour = flavours[flavour];
	if (!pick_harnesses(&b) && !dirs(&b) && !load_bugs(&b) && !make_cells(&b) &&
	    !run_all(&b)) {
		if (!b.a.no_db)
			id = record(&b);
		if (b.a.json)
			print_json(&b, id);
		else
			print_table(&b);
		if (id > 0 && !b.a.json)
			printf("recorded run %lld in %s\n", (long long)id, results_db_path(b.a.db));
		ret = PASIDSIM_EXIT_OK;
	}
	bb_free(&b);
	return ret;
}
