/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fuzzing campaigns for 'pasidsim fuzz' and 'pasidsim bugbench': find a
 * harness's engine binary, run it (libFuzzer or AFL++, one or more jobs)
 * for a time budget with a progress line, and read what the engine says
 * about itself into executions, exec/s, coverage over time, peak RSS and
 * findings, which fuzz_campaign_record() puts into a results run.
 *
 * The engines' status output is parsed by pure functions (tested on
 * captured lines, tests/data/fuzz/):
 *   libFuzzer: "#N<TAB>KIND cov: E ft: F corp: K/Sb ... exec/s: X rss: RMb"
 *              and the final "stat::name: value" lines (-print_final_stats=1);
 *   AFL++:     fuzzer_stats ("key : value") and plot_data (a header naming
 *              the comma-separated columns, then one row per sample).
 */
#ifndef PASIDSIM_FUZZ_CAMPAIGN_H
#define PASIDSIM_FUZZ_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bugbench.h"

struct results_run;

enum fuzz_engine {
	FUZZ_LIBFUZZER,
	FUZZ_AFL,
};

extern const char *const fuzz_engine_names[];	/* "libfuzzer", "afl", NULL */

/* One point of the coverage curve. */
struct fuzz_sample {
	double t;		/* seconds since the campaign started */
	uint64_t execs, cov, corpus;
};

/* ---- the engines' output ------------------------------------------------------ */

/* A libFuzzer status line. */
struct fuzz_lf_status {
	char kind[16];		/* INITED, NEW, REDUCE, pulse, DONE, ... */
	uint64_t execs, cov, ft, corpus, rss_mb;
	double exec_s;
};

/* 1: @line is a status line (filled in), 0: it is not. */
int fuzz_parse_libfuzzer(const char *line, struct fuzz_lf_status *st);

/* libFuzzer's final statistics (-print_final_stats=1). */
struct fuzz_lf_final {
	uint64_t execs, peak_rss_mb, new_units;
	double exec_per_s;
	bool seen;
};

/* 1: @line is a "stat::name: value" line (folded into @f), 0: it is not. */
int fuzz_parse_libfuzzer_stat(const char *line, struct fuzz_lf_final *f);

/* The path a libFuzzer finding was written to ("Test unit written to PATH"), or NULL. */
const char *fuzz_libfuzzer_artifact(const char *line, size_t *len);

/* AFL++'s fuzzer_stats. */
struct fuzz_afl_stats {
	uint64_t execs_done, saved_crashes, corpus_count, edges_found, peak_rss_mb;
	double execs_per_sec, run_time;
};

/* Parse a fuzzer_stats text: 0, or -1 if it has no execs_done. */
int fuzz_parse_afl_stats(const char *text, struct fuzz_afl_stats *st);

/* Column indexes of AFL++'s plot_data, from its header line. */
struct fuzz_afl_cols {
	int time, corpus, execs, edges, crashes;
};

/* 1: @line is plot_data's header (columns found), 0: it is not, -1: it lacks a column. */
int fuzz_afl_plot_header(const char *line, struct fuzz_afl_cols *c);
/* 1: a data row of plot_data (sample filled; *@crashes if not NULL), 0: not one. */
int fuzz_parse_afl_plot(const char *line, const struct fuzz_afl_cols *c, struct fuzz_sample *s,
			uint64_t *crashes);
/* The time in ms an AFL++ crash file name carries (",time:1234,"), or -1. */
double fuzz_afl_crash_ms(const char *name);

/* ---- binaries ----------------------------------------------------------------- */

/*
 * The engine binary of @harness (<h>_libfuzzer of the fuzz preset,
 * <h>_afl of the afl preset): in @dir if given (or $PASIDSIM_FUZZ_BIN_DIR),
 * else beside this executable's build tree (<exe dir>/fuzz,
 * <exe dir>/../<preset>/fuzz). 0 with the path in @buf, or -1 with what was
 * looked for in @err.
 */
int fuzz_find_binary(const char *harness, enum fuzz_engine e, const char *dir, char *buf,
		     size_t len, char *err, size_t errlen);
/* The preset that builds @e's binaries ("fuzz", "afl"). */
const char *fuzz_engine_preset(enum fuzz_engine e);
/*
 * The source tree a binary was built from: the first directory above
 * @path that holds fuzz/corpus (a build tree lives inside its checkout).
 */
int fuzz_source_dir(const char *path, char *buf, size_t len);

/*
 * A harness's files in the source tree @src: its seed corpus
 * (fuzz/corpus/<h>, "" if none), dictionary and libFuzzer -max_len from
 * fuzz/options/<h>.options (ClusterFuzzLite's format; else fuzz/dict/<h>.dict).
 */
void fuzz_harness_files(const char *src, const char *harness, char *seeds, char *dict,
			size_t len, unsigned int *max_len);

struct opt;
/* Option callback of --flavour=[FLAVOUR][+BUG] (FLAVOUR pasidsim or linux-6.1). */
int fuzz_flavour_opt(const struct opt *o, const char *arg, char *err, size_t len);
/* Is a core object of @spec ([FLAVOUR][+BUG]) built in the build tree of harness @bin? */
bool fuzz_core_built(const char *bin, const char *spec);

/* ---- a campaign --------------------------------------------------------------- */

struct fuzz_campaign {
	/* what to run */
	const char *harness;
	enum fuzz_engine engine;
	const char *bin;		/* the engine binary */
	unsigned int seconds, jobs;
	const char *core;		/* PASIDSIM_FUZZ_CORE for the harness, or NULL */
	const char *corpus;		/* the campaign's corpus (created; new inputs go here) */
	const char *seeds;		/* read-only seed corpus, or NULL */
	const char *dict;		/* dictionary, or NULL */
	unsigned int max_len;		/* libFuzzer -max_len (0: its default) */
	const char *work;		/* logs and findings (created) */
	uint64_t seed;			/* libFuzzer -seed of job 0 (0: the engine picks) */
	bool stop_on_finding;		/* AFL++: stop at the first crash (libFuzzer always does) */
	FILE *progress;			/* progress line (a terminal), or NULL */

	/* what it did */
	double elapsed;			/* wall seconds */
	double cpu;			/* user + system seconds of the engine processes */
	uint64_t execs, cov, corpus_size, peak_rss_mb;
	double exec_per_s;
	struct fuzz_sample *samples;
	size_t nsamples, cap;
	unsigned int findings;
	char finding[4096];		/* the first finding's file, "" if none */
	char finding_msg[256];		/* what the engine said about it */
	double finding_s;		/* when it was found (seconds), -1 if none */
	int status;			/* 0 ran to the end, 1 a finding, 2 the engine failed */
	unsigned long core_edges, core_total;	/* fuzz_campaign_core_edges() */
	struct bugbench_core_file core_files[BUGBENCH_CORE_FILES];	/* per file */
	unsigned int ncore_files;
};

/*
 * Run @c (its inputs set, outputs zeroed by the call). 0 when the engine
 * ran (a finding is c->status 1), -1 with @err when it could not be run.
 */
int fuzz_campaign_run(struct fuzz_campaign *c, char *err, size_t errlen);
void fuzz_campaign_free(struct fuzz_campaign *c);
/*
 * Run @argv (a standalone replayer fuzz_<h>) with PASIDSIM_FUZZ_CORE=@core
 * (when not NULL) and PASIDSIM_FUZZ_COVERAGE=@cov (when not NULL), its
 * output discarded, killed after 120 s: its exit status, or -1.
 */
int fuzz_replay(char *const argv[], const char *core, const char *cov);
/*
 * The core/ edges the campaign's corpus and seeds reach: replayed by
 * @replayer (the fuzz preset's fuzz_<h>, whose counters are never reset)
 * on the same core copies, counted like scripts/fuzz-coverage.sh
 * (bugbench_core_edges()). Sets c->core_edges and c->core_total (0 when
 * it cannot be told).
 */
void fuzz_campaign_core_edges(struct fuzz_campaign *c, const char *replayer);
/*
 * Add a sample, kept ascending in time and about 0.25 s apart (a sample
 * closer to the one before the last replaces the last). 0 or -1.
 */
int fuzz_campaign_sample(struct fuzz_campaign *c, const struct fuzz_sample *s);
/* The campaign's figures and curve into @run (fuzz.* samples, coverage rows, findings). */
int fuzz_campaign_record(const struct fuzz_campaign *c, struct results_run *run);

#endif /* PASIDSIM_FUZZ_CAMPAIGN_H */
