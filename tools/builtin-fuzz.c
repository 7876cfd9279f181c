// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim fuzz: a fuzzing campaign on one harness (fuzz/README.md), with
 * libFuzzer (the fuzz preset's <h>_libfuzzer) or AFL++ (the afl preset's
 * <h>_afl), recorded into the results store as a run of command
 * "fuzz:<harness>": executions, exec/s, peak RSS, the coverage curve and
 * any finding with its reproducer (tools/fuzz-campaign.h).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "fuzz-campaign.h"
#include "fuzz-trace.h"
#include "fuzz-min.h"
#include "json.h"
#include "opt.h"
#include "results.h"

static const char *const harnesses[] = {
	"api", "diff_ioasid", "world", "trace_parse", "import_ftrace", NULL,
};

static const char fuzz_about[] =
	"Runs a fuzzing campaign on HARNESS (api, diff_ioasid, world, trace_parse,\n"
	"import_ftrace) for --time seconds, from its seed corpus fuzz/corpus/HARNESS\n"
	"(read only) into a scratch corpus, with a progress line on a terminal, and\n"
	"records it as a fuzz:HARNESS run:\n"
	"executions, exec/s, peak RSS, coverage over time and the first finding\n"
	"with its reproducer. The binaries come from the fuzz preset (libfuzzer) or\n"
	"the afl preset (afl), beside this executable's build tree, or --bin-dir.\n"
	"--flavour=[FLAVOUR][+BUG] chooses the core copies the kernel harnesses load\n"
	"(PASIDSIM_FUZZ_CORE): one flavour, and/or a seeded bug's patched copy.\n";

static const char fuzz_footer[] =
	"Exit status: 0 no finding, 1 a finding, 2 usage error, harness not built or the\n"
	"engine failed; with --to-trace, 3: nothing written, the input injects\n"
	"allocation failures (world byte 0 bit 6), which a trace cannot hold;\n"
	"with --minimize, 0 written, 2 nothing written (no finding to minimise, or the\n"
	"smaller input gives another finding).\n";

struct fuzz_args {
	const char *flavour, *corpus, *bin_dir, *work, *db, *to_trace, *minimize, *out;
	int engine;
	unsigned int seconds, jobs;
	uint64_t seed;
	bool no_db, json, quiet;
};

static void print_result(const struct fuzz_campaign *c, int64_t id, const char *db, bool json)
{
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "harness", c->harness);
		json_str(&j, "engine", fuzz_engine_names[c->engine]);
		json_u64(&j, "seconds", c->seconds);
		json_fixed(&j, "elapsed_s", c->elapsed, 1);
		json_u64(&j, "execs", c->execs);
		json_fixed(&j, "exec_per_s", c->exec_per_s, 0);
		json_fixed(&j, "exec_per_cpu_s", c->cpu > 0 ? c->execs / c->cpu : 0, 0);
		json_u64(&j, "coverage", c->cov);
		if (c->core_total) {
			json_u64(&j, "core_edges", c->core_edges);
			json_u64(&j, "core_edges_total", c->core_total);
			json_obj_begin(&j, "core_files");
			for (unsigned int i = 0; i < c->ncore_files; i++) {
				json_obj_begin(&j, c->core_files[i].name);
				json_u64(&j, "covered", c->core_files[i].covered);
				json_u64(&j, "total", c->core_files[i].total);
				json_obj_end(&j);
			}
			json_obj_end(&j);
		} else {
			json_null(&j, "core_edges");
			json_null(&j, "core_edges_total");
		}
		json_u64(&j, "corpus", c->corpus_size);
		json_u64(&j, "peak_rss_mb", c->peak_rss_mb);
		json_u64(&j, "samples", c->nsamples);
		json_u64(&j, "findings", c->findings);
		json_str(&j, "finding", c->finding[0] ? c->finding : NULL);
		json_str(&j, "message", c->finding_msg[0] ? c->finding_msg : NULL);
		if (id > 0)
			json_i64(&j, "run", id);
		else
			json_null(&j, "run");
		json_obj_end(&j);
		return;
	}
	printf("fuzz %s (%s, %u s): %llu execs, %.0f exec/s", c->harness,
	       fuzz_engine_names[c->engine], c->seconds, (unsigned long long)c->execs,
	       c->exec_per_s);
	if (c->cpu > 0)
		printf(" (%.0f per CPU second)", c->execs / c->cpu);
	printf(", coverage %llu edges", (unsigned long long)c->cov);
	if (c->core_total) {
		printf(" (core/ %lu of %lu:", c->core_edges, c->core_total);
		for (unsigned int i = 0; i < c->ncore_files; i++)
			printf(" %s %lu/%lu", c->core_files[i].name, c->core_files[i].covered,
			       c->core_files[i].total);
		printf(")");
	}
	printf(", corpus %llu, ", (unsigned long long)c->corpus_size);
	if (c->peak_rss_mb)	/* AFL++ reports 0 */
		printf("peak RSS %llu MB, ", (unsigned long long)c->peak_rss_mb);
	if (c->findings)
		printf("FINDING after %.1f s: %s (%s)\n", c->finding_s, c->finding,
		       c->finding_msg);
	else
		printf("no finding\n");
	if (id > 0)
		printf("recorded run %lld in %s\n", (long long)id, db);
}

static int64_t record(const struct fuzz_campaign *c, const struct fuzz_args *a)
{
	char cmd[64], config[512], err[1024];
	struct results_run_info info = { 0 };
	struct results_run *run;
	struct results_db *db;
	struct json j;
	int64_t id = -1;

	json_buf_begin(&j, config, sizeof(config));
	json_obj_begin(&j, NULL);
	json_str(&j, "harness", c->harness);
	json_str(&j, "engine", fuzz_engine_names[c->engine]);
	json_u64(&j, "seconds", c->seconds);
	json_u64(&j, "jobs", c->jobs);
	json_str(&j, "core", a->flavour);
	json_obj_end(&j);
	json_buf_end(&j, config, sizeof(config));
	snprintf(cmd, sizeof(cmd), "fuzz:%s", c->harness);
	info.command = cmd;
	info.config = config;
	info.flavour = a->flavour;	/* NULL: every flavour the harness loads */
	info.seed = a->seed;
	info.git_dirty = -1;
	run = results_run_new(&info);
	if (!run || fuzz_campaign_record(c, run)) {
		fprintf(stderr, "pasidsim fuzz: not recorded: out of memory\n");
		results_run_free(run);
		return -1;
	}
	db = results_open(results_db_path(a->db), 0, err, sizeof(err));
	if (db)
		id = results_run_commit(db, run, err, sizeof(err));
	if (id < 0)
		fprintf(stderr, "pasidsim fuzz: not recorded: %s\n", err);
	results_close(db);
	results_run_free(run);
	return id;
}

/*
 * --to-trace INPUT: an input of @harness (world) run through the harness's own
 * decoder and written as a trace that 'pasidsim replay' reproduces with the
 * same findings (tools/fuzz-trace.c); --flavour names the host's core (a seeded
 * bug's copy, as PASIDSIM_FUZZ_WORLD_HOST). Exit 0 written, 1 written with a
 * finding, 2 error, 3 nothing written: the input injects allocation failures
 * (byte 0 bit 6), which a trace cannot hold.
 */
static int to_trace(const char *input, const char *harness, const struct fuzz_args *a)
{
	struct fuzz_trace_opts o = { .host = a->flavour };
	char err[1024], host[256];
	int ret;

	if (a->flavour && a->flavour[0] == '+') {	/* +BUG: the pasidsim flavour's copy */
		snprintf(host, sizeof(host), "pasidsim%s", a->flavour);
		o.host = host;
	}

	ret = fuzz_to_trace(harness, input, a->out ? a->out : "-", &o, err, sizeof(err));
	if (ret < 0) {
		fprintf(stderr, "pasidsim fuzz: --to-trace: %s\n", err);
		return ret == -2 ? PASIDSIM_EXIT_NO_TRACE : PASIDSIM_EXIT_USAGE;
	}
	if (ret)
		fprintf(stderr, "pasidsim fuzz: %s: finding: %s\n", input, err);
	return ret ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
}

/*
 * The fuzz preset's standalone replayer of @harness (its counters are never
 * reset, fuzz/coverage.c), beside a libFuzzer binary @bin or in the fuzz
 * preset next to the afl one.
 */
static const char *replayer(const char *bin, int engine, const char *harness, char *buf)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", bin);
	if (strrchr(dir, '/'))
		*strrchr(dir, '/') = '\0';
	snprintf(buf, PATH_MAX + 64, engine == FUZZ_AFL ? "%s/../../fuzz/fuzz/fuzz_%s" :
		 "%s/fuzz_%s", dir, harness);
	return buf;
}

/*
 * --minimize INPUT: the engine's minimiser shrinks a finding of @harness into
 * -o FILE (default INPUT.min), kept only when the harness's standalone
 * replayer shows the same finding for it (tools/fuzz-min.h); --time bounds
 * each libFuzzer step. Exit 0 written, 2 nothing written.
 */
static int minimize(const char *harness, const struct fuzz_args *a)
{
	char bin[PATH_MAX], rep[PATH_MAX + 64], out[PATH_MAX], err[PATH_MAX * 3];
	struct fuzz_min m = { .engine = a->engine, .core = a->flavour, .input = a->minimize,
			      .seconds = a->seconds };

	if (fuzz_find_binary(harness, a->engine, a->bin_dir, bin, PATH_MAX, err, sizeof(err))) {
		fprintf(stderr, "pasidsim fuzz: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	if (a->flavour && !fuzz_core_built(bin, a->flavour)) {
		fprintf(stderr, "pasidsim fuzz: --flavour=%s: no core object of it beside %s\n",
			a->flavour, bin);
		return PASIDSIM_EXIT_USAGE;
	}
	m.bin = bin;
	m.replayer = replayer(bin, a->engine, harness, rep);
	if (access(m.replayer, X_OK)) {
		fprintf(stderr, "pasidsim fuzz: --minimize: no standalone replayer %s (cmake --build "
			"--preset fuzz)\n", m.replayer);
		return PASIDSIM_EXIT_USAGE;
	}
	if (a->out && !strcmp(a->out, "-")) {
		fprintf(stderr, "pasidsim fuzz: --minimize: -o: expected a file, not standard "
			"output\n");
		return PASIDSIM_EXIT_USAGE;
	}
	if (snprintf(out, sizeof(out), a->out ? "%s" : "%s.min", a->out ? a->out : a->minimize) >=
	    (int)sizeof(out)) {
		fprintf(stderr, "pasidsim fuzz: --minimize: output name too long\n");
		return PASIDSIM_EXIT_USAGE;
	}
	m.out = out;
	if (fuzz_minimize(&m, err, sizeof(err))) {
		fprintf(stderr, "pasidsim fuzz: --minimize: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	if (!a->quiet)
		printf("minimised %s (%zu bytes) to %s (%zu bytes), the same finding: %s\n",
		       m.input, m.in_len, m.out, m.out_len, m.min_finding);
	return PASIDSIM_EXIT_OK;
}

static int check_harness(const char *h)
{
	for (int i = 0; harnesses[i]; i++)
		if (!strcmp(harnesses[i], h))
			return 0;
	fprintf(stderr, "pasidsim fuzz: '%s': expected a harness: api, diff_ioasid, world, "
		"trace_parse or import_ftrace\n", h);
	return -1;
}

/* Fill @c from @a for @harness: the binary, the source tree's seeds and dictionary. */
static int setup(struct fuzz_campaign *c, const struct fuzz_args *a, const char *harness,
		 char *bin, char *seeds, char *dict, char *corpus, char *work)
{
	char err[PATH_MAX * 3], src[PATH_MAX], build[PATH_MAX];

	if (fuzz_find_binary(harness, a->engine, a->bin_dir, bin, PATH_MAX, err, sizeof(err))) {
		fprintf(stderr, "pasidsim fuzz: %s\n", err);
		return -1;
	}
	if (a->flavour && !fuzz_core_built(bin, a->flavour)) {
		fprintf(stderr, "pasidsim fuzz: --flavour=%s: no core object of it beside %s (a "
			"seeded bug's copy is built from fuzz/bugbench/BUG.patch)\n", a->flavour, bin);
		return -1;
	}
	if (fuzz_source_dir(bin, src, sizeof(src))) {
		seeds[0] = dict[0] = '\0';
		c->max_len = 0;
	} else {
		fuzz_harness_files(src, harness, seeds, dict, PATH_MAX, &c->max_len);
	}
	snprintf(build, sizeof(build), "%s", bin);
	for (int up = 0; up < 2 && strrchr(build, '/'); up++)
		*strrchr(build, '/') = '\0';
	if ((a->work ? snprintf(work, PATH_MAX, "%s", a->work) :
	     snprintf(work, PATH_MAX, "%s/fuzz-work/%s-%s-%d", build, harness,
		      fuzz_engine_names[a->engine], (int)getpid())) >= PATH_MAX ||
	    (a->corpus ? snprintf(corpus, PATH_MAX, "%s", a->corpus) :
	     snprintf(corpus, PATH_MAX, "%s/corpus", work)) >= PATH_MAX) {
		fprintf(stderr, "pasidsim fuzz: work directory name too long\n");
		return -1;
	}
	c->harness = harness;
	c->engine = a->engine;
	c->bin = bin;
	c->seconds = a->seconds;
	c->jobs = a->jobs;
	c->core = a->flavour;
	c->corpus = corpus;
	c->seeds = seeds;
	c->dict = dict;
	c->work = work;
	c->seed = a->seed;
	c->progress = a->quiet || a->json ? NULL : stderr;
	return 0;
}

int cmd_fuzz(int argc, char **argv)
{
	struct fuzz_args a = { .seconds = 60, .jobs = 1 };
	char bin[PATH_MAX], seeds[PATH_MAX], dict[PATH_MAX], corpus[PATH_MAX], work[PATH_MAX];
	char seeds_dir_buf[PATH_MAX + 64];
	struct fuzz_campaign c = { 0 };
	char err[1024];
	int64_t id = -1;
	const struct opt opts[] = {
		OPT_CHOOSE(0, "engine", &a.engine, fuzz_engine_names, "ENGINE",
			   "libfuzzer (default; the fuzz preset) or afl (the afl preset)"),
		OPT_UNSIGNED(0, "time", &a.seconds, 1, 86400, "S", "seconds to fuzz (default 60)"),
		OPT_UNSIGNED('j', "jobs", &a.jobs, 1, 16, "N",
			     "engine processes on one corpus (default 1)"),
		OPT_CB(0, "flavour", &a.flavour, fuzz_flavour_opt, "[FLAVOUR][+BUG]",
		       "core copies the harness loads (PASIDSIM_FUZZ_CORE)"),
		OPT_STR(0, "corpus", &a.corpus, "DIR",
			"new inputs go to DIR (default WORK/corpus); the seeds are read as well"),
		OPT_STR(0, "bin-dir", &a.bin_dir, "DIR",
			"the harness binaries' directory (default $PASIDSIM_FUZZ_BIN_DIR, else the "
			"preset's build tree)"),
		OPT_STR(0, "work", &a.work, "DIR",
			"logs and findings (default <build>/fuzz-work/<harness>-<engine>-<pid>)"),
		OPT_UNSIGNED64(0, "seed", &a.seed, 0, UINT32_MAX, "N",
			       "libFuzzer -seed of the first job (default: the engine picks)"),
		OPT_STR(0, "to-trace", &a.to_trace, "INPUT",
			"convert an input (a finding) of HARNESS (default world) into a trace "
			"that 'pasidsim replay' reproduces, instead of fuzzing"),
		OPT_STR(0, "minimize", &a.minimize, "INPUT",
			"shrink a finding of HARNESS with the engine's minimiser into -o FILE "
			"(default INPUT.min), kept only if it gives the same finding"),
		OPT_OUTPUT(&a.out, "--to-trace: write the trace to FILE (default: standard output); "
			   "--minimize: the smaller input"),
		OPT_DB(&a.db),
		OPT_NO_DB(&a.no_db),
		OPT_JSON(&a.json),
		OPT_QUIET(&a.quiet),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"fuzz", "[options] HARNESS", fuzz_about, fuzz_footer, 0, 1,
	};
	int n = opt_parse(&cmd, opts, argc, argv);

	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	if (a.to_trace)
		return to_trace(a.to_trace, n == 1 ? argv[1] : "world", &a);
	if (n != 1) {
		fprintf(stderr, "pasidsim fuzz: expected a HARNESS\n");
		return PASIDSIM_EXIT_USAGE;
	}
	if (a.minimize)
		return check_harness(argv[1]) ? PASIDSIM_EXIT_USAGE : minimize(argv[1], &a);
	if (check_harness(argv[1]) || setup(&c, &a, argv[1], bin, seeds, dict, corpus, work))
		return PASIDSIM_EXIT_USAGE;
	if (fuzz_campaign_run(&c, err, sizeof(err))) {
		fprintf(stderr, "pasidsim fuzz: %s\n", err);
		fuzz_campaign_free(&c);
		return PASIDSIM_EXIT_USAGE;
	}
	if (c.status == 2)
		fprintf(stderr, "pasidsim fuzz: the engine failed; its output is in %s/%s.log\n",
			work, c.harness);
	if (c.status != 2 && strcmp(c.harness, "trace_parse") && strcmp(c.harness, "import_ftrace"))
		fuzz_campaign_core_edges(&c, replayer(bin, a.engine, c.harness, seeds_dir_buf));
	if (!a.no_db && c.status != 2)
		id = record(&c, &a);
	print_result(&c, id, results_db_path(a.db), a.json);
	fuzz_campaign_free(&c);
	return c.status == 1 ? PASIDSIM_EXIT_FOUND : c.status ? PASIDSIM_EXIT_USAGE :
	       PASIDSIM_EXIT_OK;
}
