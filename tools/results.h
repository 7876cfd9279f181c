/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim results store: every run in one SQLite file.
 *
 * A run is built in memory while it executes (struct results_run: what ran,
 * where, outcome digest, metrics, samples, histograms, findings, lockstat,
 * fuzz coverage) and written by results_run_commit() in one transaction, so
 * a run that is interrupted or killed leaves nothing behind, and the write
 * lock is held only for the few milliseconds of the commit.
 *
 * Schema: PRAGMA application_id marks the file as pasidsim's, PRAGMA
 * user_version holds MAJOR * 1000 + MINOR. A minor step only adds (columns,
 * tables, indexes), so an older build of the same major can still read the
 * file; a newer major is refused. docs/results.md describes every table.
 */
#ifndef PASIDSIM_RESULTS_H
#define PASIDSIM_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RESULTS_SCHEMA_MAJOR	1
#define RESULTS_SCHEMA_MINOR	1
#define RESULTS_SCHEMA_VERSION	(RESULTS_SCHEMA_MAJOR * 1000 + RESULTS_SCHEMA_MINOR)
#define RESULTS_APPLICATION_ID	0x50534d52	/* "PSMR" */
#define RESULTS_DEFAULT_DB	"pasidsim.db"
#define RESULTS_BUSY_TIMEOUT_MS	30000

struct results_db;
struct results_run;
typedef struct sqlite3 sqlite3;

/* ---- opening ------------------------------------------------------------- */

enum results_open_flags {
	RESULTS_OPEN_READONLY	= 1 << 0,	/* never write, never migrate */
	RESULTS_OPEN_NOCREATE	= 1 << 1,	/* the file must exist */
};

/* @opt if set, else $PASIDSIM_DB if set and non-empty, else "pasidsim.db". */
const char *results_db_path(const char *opt);

/*
 * Open (creating and initialising if needed) the store at @path, migrate an
 * older schema forward. On error returns NULL and writes a message naming
 * the file into @err; a corrupt, foreign or too new file is not written to.
 */
struct results_db *results_open(const char *path, unsigned int flags, char *err, size_t errlen);
void results_close(struct results_db *db);
sqlite3 *results_sqlite(struct results_db *db);
const char *results_path(const struct results_db *db);
/* The file's schema version as found when it was opened (0 if new). */
int results_version_found(const struct results_db *db);
/* PRAGMA integrity_check: 0 if "ok", else -1 with the first problem in @err. */
int results_check(struct results_db *db, char *err, size_t errlen);

/* ---- building a run ------------------------------------------------------ */

enum results_kind {
	RESULTS_VIRTUAL,	/* exact, deterministic: compared with == */
	RESULTS_WALL,		/* sampled wall clock: repetitions kept as samples */
};

enum results_better {
	RESULTS_LOWER,		/* an increase is a regression (time, memory) */
	RESULTS_HIGHER,		/* a decrease is a regression (throughput) */
	RESULTS_EQUAL,		/* any change is a regression (deterministic counts) */
};

/* What ran and where. NULL "where" fields are detected (git, uname, clock). */
struct results_run_info {
	const char *command;		/* "demo", "replay", "fuzz", "bench:record", ... */
	const char *trace_hash;		/* hash of the input trace, or NULL */
	const char *config;		/* world configuration as JSON text, or NULL */
	const char *flavour;		/* allocator flavour */
	const char *cost_model;		/* cost-model version, or NULL */
	uint64_t seed;
	/* where (overrides; env PASIDSIM_GIT_COMMIT/_BRANCH/_DIRTY also override) */
	const char *git_commit;
	const char *git_branch;
	int git_dirty;			/* -1 detect, 0 clean, 1 dirty */
	const char *started_at;		/* ISO 8601 UTC; NULL = now */
	const char *machine;
};

/* Per-operation outcome digest: 64-bit, order-sensitive, not cryptographic. */
struct results_digest {
	uint64_t h;
	uint64_t n;
};

static inline void results_digest_init(struct results_digest *d)
{
	d->h = 0x6a09e667f3bcc908ULL;
	d->n = 0;
}

static inline void results_digest_add(struct results_digest *d, uint64_t v)
{
	uint64_t x = v + 0x9e3779b97f4a7c15ULL * ++d->n;

	x = (x ^ (x >> 31)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 29)) * 0x94d049bb133111ebULL;
	d->h = ((d->h ^ x ^ (x >> 32)) << 23 | (d->h ^ x ^ (x >> 32)) >> 41) *
	       0x9fb21c651e98df25ULL;
}

/* Latency histogram in log2 buckets: bucket b counts values v with bit length b. */
#define RESULTS_HIST_BUCKETS	65

struct results_hist {
	uint64_t count, sum, min, max;
	uint64_t bucket[RESULTS_HIST_BUCKETS];
};

static inline unsigned int results_hist_bucket(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

static inline void results_hist_add(struct results_hist *h, uint64_t v)
{
	h->bucket[results_hist_bucket(v)]++;
	h->sum += v;
	if (!h->count++ || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

struct results_lockstat {
	const char *name;
	uint64_t acquisitions, contentions;
	uint64_t wait_min_ns, wait_max_ns, wait_total_ns;
	uint64_t hold_min_ns, hold_max_ns, hold_total_ns;
};

/* A new run; "where" is filled now (git is asked once). NULL on OOM. */
struct results_run *results_run_new(const struct results_run_info *info);
void results_run_free(struct results_run *run);
/* The run's UUID (36 characters), unique across machines. */
const char *results_run_uuid(const struct results_run *run);
struct results_digest *results_run_digest(struct results_run *run);
/* Number of operations and the status text ("ok", "problem", ...). */
void results_run_set_outcome(struct results_run *run, uint64_t ops, const char *status);
void results_run_set_duration(struct results_run *run, uint64_t ns);

/* An exact metric (kind virtual). Setting a name again replaces the value. */
int results_metric(struct results_run *run, const char *name, const char *unit,
		   enum results_better better, double value);
/* One more wall-clock sample of metric @name (kind wall). */
int results_sample(struct results_run *run, const char *name, const char *unit,
		   enum results_better better, double value);
/* The run's histogram @name (created empty on first use), NULL on OOM. */
struct results_hist *results_run_hist(struct results_run *run, const char *name,
				      const char *unit, enum results_kind kind);
int results_finding(struct results_run *run, const char *kind, const char *message,
		    int64_t position, const char *reproducer);
int results_lockstat_add(struct results_run *run, const struct results_lockstat *st);
int results_coverage(struct results_run *run, double t_s, uint64_t execs, uint64_t coverage,
		     uint64_t corpus);

/* Called every 4096 rows written during a commit (progress, tests). */
typedef void (*results_progress_fn)(void *arg, uint64_t rows);
void results_run_set_progress(struct results_run *run, results_progress_fn fn, void *arg);

/*
 * Write @run in one transaction. Returns the new run id (> 0), or -1 with a
 * message in @err; on failure nothing of the run is in the file.
 */
int64_t results_run_commit(struct results_db *db, struct results_run *run, char *err,
			   size_t errlen);

/* ---- merging ------------------------------------------------------------- */

struct results_merge_stats {
	unsigned int added, skipped;
};

/* Copy every run of @other (by UUID, duplicates skipped) in one transaction. */
int results_merge(struct results_db *db, const char *other, struct results_merge_stats *st,
		  char *err, size_t errlen);

/* ---- comparing ----------------------------------------------------------- */

/*
 * Resolve @spec to a run id: a run id ("42"), a UUID or its prefix, a git
 * revision (latest run at that commit; a hex prefix is looked up in the
 * store first, then "git rev-parse"), or "branch:<name>" (latest run on that
 * branch). With @like > 0 only runs of the same scenario as run @like
 * (command, trace, config, flavour, seed) are candidates, other than @like.
 */
int64_t results_resolve(struct results_db *db, const char *spec, int64_t like, char *err,
			size_t errlen);

/*
 * Two-sided Mann-Whitney U test of @x against @y: exact distribution when
 * both samples have at most 25 values and there are no ties, else the
 * normal approximation with tie and continuity correction. Returns p and
 * stores U of @x in @u. p = 1 if either sample is empty.
 */
double results_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, double *u);

enum results_verdict {
	RESULTS_SAME,
	RESULTS_IMPROVED,
	RESULTS_REGRESSED,
	RESULTS_NOISE,		/* wall: different but not significant or too small */
	RESULTS_TOO_FEW,	/* wall: fewer than 2 samples on a side */
	RESULTS_MISSING,	/* only in the baseline */
	RESULTS_NEW,		/* only in the candidate */
};

struct results_cmp_row {
	char name[96];
	char unit[24];
	enum results_kind kind;
	enum results_better better;
	double base, cand;		/* value, or median of samples */
	unsigned int nbase, ncand;	/* samples */
	double p;			/* wall only; 1 otherwise */
	double effect;			/* (cand - base) / |base|, 0 when base == 0 */
	enum results_verdict verdict;
};

struct results_cmp_opts {
	double alpha;			/* significance level, default 0.05 */
	double min_effect;		/* minimum relative effect, default 0.05 */
};

struct results_cmp {
	int64_t base, cand;
	char base_digest[24], cand_digest[24];
	bool digest_compared, digest_equal;
	bool same_scenario;
	unsigned int base_findings, cand_findings;
	struct results_cmp_row *rows;
	size_t nrows;
	unsigned int regressions;
	unsigned int missing;	/* baseline metrics the candidate lacks (counted as regressions) */
};

int results_compare(struct results_db *db, int64_t base, int64_t cand,
		    const struct results_cmp_opts *opts, struct results_cmp *out,
		    char *err, size_t errlen);
void results_cmp_free(struct results_cmp *cmp);
const char *results_verdict_name(enum results_verdict v);
const char *results_kind_name(enum results_kind k);
const char *results_better_name(enum results_better b);

/* ---- output helpers ------------------------------------------------------ */

/* Write @s as a JSON string literal (quotes included); NULL as null. */
void results_json_str(FILE *out, const char *s);

#endif /* PASIDSIM_RESULTS_H */
