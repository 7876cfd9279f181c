// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim report: a static HTML dashboard of the results store.
 *
 * Writes index.html, report.js and report.css (embedded in the binary) and
 * data.js (the data, as a script so that the page works from file:// with
 * no server) into the output directory, copies reproducer traces into
 * traces/, and prints the path of index.html.
 *
 * Runs are grouped by scenario (command, trace, config, flavour, seed);
 * each consecutive pair in a group is compared like 'pasidsim compare', so
 * the page marks regressions and names, for a regression still open at the
 * newest run, the first bad commit and the last good one. Each group has a
 * summary (its newest run's verdict against the previous run, how many
 * metrics changed, its open regressions) that the page opens on.
 *
 * Every file is written to a temporary file and renamed (tools/outfile.h):
 * a symbolic link in the output directory is replaced, never followed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "builtin.h"
#include "builtin-report.h"
#include "json.h"
#include "opt.h"
#include "outfile.h"
#include "results.h"

extern const struct report_asset report_assets[];

static const char report_about[] =
	"Writes a static dashboard of the results store (default directory\n"
	"pasidsim-report) and prints the path of its index.html. It opens offline,\n"
	"from file://, on a summary of what changed: one row per scenario, regressions\n"
	"first.\n";

struct group {
	char *key, *label;
	int64_t *runs;
	size_t n, cap;
};

const char *report_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

void report_jcol(struct json *j, const char *key, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		json_null(j, key);
	else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		json_i64(j, key, sqlite3_column_int64(st, i));
	else if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
		json_dbl(j, key, sqlite3_column_double(st, i));
	else
		json_str(j, key, report_col(st, i));
}

#define col report_col
#define jcol report_jcol

int report_write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX], err[PATH_MAX + 64];
	struct outfile f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (outfile_open(&f, path, err, sizeof(err))) {
		fprintf(stderr, "pasidsim report: %s\n", err);
		return -1;
	}
	if (fwrite(data, 1, len, f.f) != len) {
		outfile_abort(&f);
		fprintf(stderr, "pasidsim report: %s: write failed\n", path);
		return -1;
	}
	if (outfile_commit(&f, err, sizeof(err))) {
		fprintf(stderr, "pasidsim report: %s\n", err);
		return -1;
	}
	return 0;
}

/* ---- grouping runs into scenarios ---------------------------------------- */

static int load_groups(struct report *r, struct group **out, size_t *nout)
{
	struct group *g = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(r->h, "SELECT id, command || ' | flavour=' || ifnull(flavour, '-')"
				" || ' | seed=' || ifnull(seed, '-') || ' | trace=' ||"
				" ifnull(trace_hash, '-') || ' | config=' || ifnull(config, '-'),"
				" command || ' (' || ifnull(flavour, '-') || ', seed ' ||"
				" ifnull(seed, '-') || ')' FROM (SELECT * FROM runs ORDER BY"
				" started_at DESC, id DESC LIMIT ?1) ORDER BY started_at, id",
				-1, &st, NULL);
	if (rc)
		return -1;
	sqlite3_bind_int64(st, 1, r->max_runs);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = col(st, 1);
		struct group *e = NULL;

		for (size_t i = 0; i < n && !e; i++)
			if (!strcmp(g[i].key, key))
				e = &g[i];
		if (!e) {
			struct group *ng = realloc(g, (n + 1) * sizeof(*g));

			if (!ng)
				break;
			g = ng;
			e = &g[n++];
			memset(e, 0, sizeof(*e));
			e->key = strdup(key);
			e->label = strdup(col(st, 2));
		}
		if (e->n == e->cap) {
			int64_t *nr = realloc(e->runs, (e->cap ? e->cap * 2 : 16) * sizeof(int64_t));

			if (!nr)
				break;
			e->runs = nr;
			e->cap = e->cap ? e->cap * 2 : 16;
		}
		e->runs[e->n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	*out = g;
	*nout = n;
	return rc == SQLITE_DONE ? 0 : -1;
}

static void free_groups(struct group *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(g[i].key);
		free(g[i].label);
		free(g[i].runs);
	}
	free(g);
}

/* ---- one scenario ----------------------------------------------------------- */

static const struct results_cmp_row *find_row(const struct results_cmp *c, const char *name)
{
	for (size_t i = 0; c && i < c->nrows; i++)
		if (!strcmp(c->rows[i].name, name))
			return &c->rows[i];
	return NULL;
}

static bool not_worse(enum results_better b, double v, double ref)
{
	return b == RESULTS_LOWER ? v <= ref : b == RESULTS_HIGHER ? v >= ref : v == ref;
}

static void emit_runs(struct report *r, const struct group *g, const struct results_cmp *cmps)
{
	struct json *j = &r->j;
	sqlite3_stmt *st;

	sqlite3_prepare_v2(r->h, "SELECT id, git_commit, git_dirty, branch, started_at, digest, "
			   "status FROM runs WHERE id = ?1", -1, &st, NULL);
	json_arr_begin(j, "runs");
	for (size_t i = 0; i < g->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, g->runs[i]);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		json_obj_begin(j, NULL);
		json_i64(j, "id", g->runs[i]);
		jcol(j, "commit", st, 1);
		json_i64(j, "dirty", sqlite3_column_int(st, 2));
		jcol(j, "branch", st, 3);
		jcol(j, "started", st, 4);
		jcol(j, "digest", st, 5);
		jcol(j, "status", st, 6);
		json_bool(j, "digest_changed", i && cmps[i].digest_compared &&
			  !cmps[i].digest_equal);
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(st);
}

static void emit_first_bad(struct report *r, const struct group *g, size_t at,
			   const char *metric, struct open_reg *regs, size_t *nregs)
{
	struct json *j = &r->j;
	sqlite3_stmt *st;

	sqlite3_prepare_v2(r->h, "SELECT (SELECT git_commit FROM runs WHERE id = ?1), "
			   "(SELECT git_commit FROM runs WHERE id = ?2)", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, g->runs[at]);
	sqlite3_bind_int64(st, 2, g->runs[at - 1]);
	sqlite3_step(st);
	json_obj_begin(j, "first_bad");
	json_i64(j, "run", g->runs[at]);
	jcol(j, "commit", st, 0);
	jcol(j, "last_good", st, 1);
	json_obj_end(j);
	if (*nregs < MAX_OPEN_REGS) {
		struct open_reg *o = &regs[(*nregs)++];

		snprintf(o->metric, sizeof(o->metric), "%s", metric);
		snprintf(o->commit, sizeof(o->commit), "%s", col(st, 0));
		snprintf(o->last_good, sizeof(o->last_good), "%s", col(st, 1));
		o->run = g->runs[at];
	}
	sqlite3_finalize(st);
	r->open_regressions++;
}

static void emit_metric(struct report *r, const struct group *g, const struct results_cmp *cmps,
			sqlite3_stmt *meta, sqlite3_stmt *val, struct open_reg *regs, size_t *nregs)
{
	const char *name = col(meta, 0);
	enum results_better better = !strcmp(col(meta, 3), "higher") ? RESULTS_HIGHER :
				     !strcmp(col(meta, 3), "equal") ? RESULTS_EQUAL : RESULTS_LOWER;
	double *v = calloc(g->n, sizeof(double));
	bool *has = calloc(g->n, sizeof(bool));
	struct json *j = &r->j;
	size_t open = 0;
	double ref = 0;
	bool changed = false;

	json_obj_begin(j, NULL);
	json_str(j, "name", name);
	jcol(j, "unit", meta, 1);
	jcol(j, "kind", meta, 2);
	jcol(j, "better", meta, 3);
	json_arr_begin(j, "values");
	for (size_t i = 0; i < g->n; i++) {
		sqlite3_reset(val);
		sqlite3_bind_int64(val, 1, g->runs[i]);
		sqlite3_bind_text(val, 2, name, -1, SQLITE_TRANSIENT);
		if (v && has && sqlite3_step(val) == SQLITE_ROW) {
			v[i] = sqlite3_column_double(val, 0);
			has[i] = true;
			json_dbl(j, NULL, v[i]);
		} else {
			json_null(j, NULL);
		}
	}
	json_arr_end(j);
	json_arr_begin(j, "verdicts");
	for (size_t i = 0; i < g->n; i++) {
		const struct results_cmp_row *row = i ? find_row(&cmps[i], name) : NULL;

		json_str(j, NULL, row ? results_verdict_name(row->verdict) : NULL);
		changed |= row && (row->verdict == RESULTS_REGRESSED ||
				   row->verdict == RESULTS_IMPROVED ||
				   row->verdict == RESULTS_MISSING || row->verdict == RESULTS_NEW);
		if (!v || !has)
			continue;
		/* Track the oldest regression that the newest runs have not undone. */
		if (row && row->verdict == RESULTS_REGRESSED && !open && has[i - 1]) {
			open = i;
			ref = v[i - 1];
		} else if (open && has[i] && not_worse(better, v[i], ref)) {
			open = 0;
		}
	}
	json_arr_end(j);
	if (open)
		emit_first_bad(r, g, open, name, regs, nregs);
	else
		json_null(j, "first_bad");
	json_bool(j, "changed", changed || open);
	json_obj_end(j);
	free(v);
	free(has);
}

static void emit_latest_details(struct report *r, int64_t run)
{
	struct json *j = &r->j;
	sqlite3_stmt *st, *bk;

	sqlite3_prepare_v2(r->h, "SELECT name, unit, count, sum, min, max FROM histograms "
			   "WHERE run_id = ?1 ORDER BY name", -1, &st, NULL);
	sqlite3_prepare_v2(r->h, "SELECT bucket, count FROM hist_buckets WHERE run_id = ?1 AND "
			   "name = ?2 ORDER BY bucket", -1, &bk, NULL);
	sqlite3_bind_int64(st, 1, run);
	json_arr_begin(j, "histograms");
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_obj_begin(j, NULL);
		json_i64(j, "run", run);
		jcol(j, "name", st, 0);
		jcol(j, "unit", st, 1);
		json_i64(j, "count", sqlite3_column_int64(st, 2));
		json_i64(j, "sum", sqlite3_column_int64(st, 3));
		json_i64(j, "min", sqlite3_column_int64(st, 4));
		json_i64(j, "max", sqlite3_column_int64(st, 5));
		json_arr_begin(j, "buckets");
		sqlite3_reset(bk);
		sqlite3_bind_int64(bk, 1, run);
		sqlite3_bind_text(bk, 2, col(st, 0), -1, SQLITE_TRANSIENT);
		while (sqlite3_step(bk) == SQLITE_ROW) {
			json_arr_begin(j, NULL);
			json_i64(j, NULL, sqlite3_column_int(bk, 0));
			json_i64(j, NULL, sqlite3_column_int64(bk, 1));
			json_arr_end(j);
		}
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(bk);
	sqlite3_finalize(st);

	sqlite3_prepare_v2(r->h, "SELECT class, acquisitions, contentions, wait_total_ns, "
			   "wait_max_ns, hold_total_ns, hold_max_ns FROM lockstat WHERE run_id = ?1 "
			   "ORDER BY seq", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, run);
	json_i64(j, "lockstat_run", run);
	json_arr_begin(j, "lockstat");
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_obj_begin(j, NULL);
		for (int i = 0; i < sqlite3_column_count(st); i++)
			jcol(j, sqlite3_column_name(st, i), st, i);
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(st);
}

/*
 * The group's summary: its newest run against the previous one (verdict,
 * metrics changed) and every regression still open at the newest run.
 */
static void emit_summary(struct report *r, const struct group *g, const struct results_cmp *last,
			 const struct open_reg *regs, size_t nregs)
{
	unsigned int changed = 0, improved = 0;
	const char *verdict = "first run";
	bool digest = false;
	struct json *j = &r->j;

	if (g->n > 1) {
		for (size_t i = 0; i < last->nrows; i++) {
			enum results_verdict v = last->rows[i].verdict;

			improved += v == RESULTS_IMPROVED;
			changed += v == RESULTS_REGRESSED || v == RESULTS_IMPROVED ||
				   v == RESULTS_MISSING || v == RESULTS_NEW;
		}
		digest = last->digest_compared && !last->digest_equal;
		verdict = last->regressions ? "regression" : improved ? "improved" :
			  changed || digest ? "changed" : "unchanged";
	}
	json_obj_begin(j, "summary");
	json_i64(j, "latest", g->runs[g->n - 1]);
	if (g->n > 1)
		json_i64(j, "previous", g->runs[g->n - 2]);
	else
		json_null(j, "previous");
	json_str(j, "verdict", verdict);
	json_u64(j, "regressions", g->n > 1 ? last->regressions : 0);
	json_u64(j, "changed", changed);
	json_bool(j, "digest_changed", digest);
	json_bool(j, "new_findings", g->n > 1 && last->cand_findings > last->base_findings);
	json_arr_begin(j, "open");
	for (size_t i = 0; i < nregs; i++) {
		json_obj_begin(j, NULL);
		json_str(j, "metric", regs[i].metric);
		json_str(j, "commit", regs[i].commit);
		json_i64(j, "run", regs[i].run);
		json_str(j, "last_good", regs[i].last_good);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_obj_end(j);
}

static int emit_group(struct report *r, const struct group *g)
{
	struct results_cmp *cmps = calloc(g->n, sizeof(*cmps));
	struct open_reg regs[MAX_OPEN_REGS];
	struct json *j = &r->j;
	size_t nregs = 0;
	sqlite3_stmt *meta, *val;
	char err[512];

	if (!cmps)
		return -1;
	for (size_t i = 1; i < g->n; i++)
		if (results_compare(r->db, g->runs[i - 1], g->runs[i], &r->opts, &cmps[i], err,
				    sizeof(err)))
			fprintf(stderr, "pasidsim report: %s\n", err);
	json_obj_begin(j, NULL);
	json_str(j, "key", g->key);
	json_str(j, "label", g->label);
	emit_runs(r, g, cmps);
	json_arr_begin(j, "metrics");
	/* Every metric of the group, in name order, with the newest run's unit and kind. */
	sqlite3_prepare_v2(r->h, "SELECT m.name, m.unit, m.kind, m.better, max(x.started_at) "
			   "FROM metrics m JOIN runs x ON x.id = m.run_id WHERE m.run_id IN "
			   "(SELECT value FROM json_each(?1)) GROUP BY m.name ORDER BY m.name", -1,
			   &meta, NULL);
	sqlite3_prepare_v2(r->h, "SELECT value FROM metrics WHERE run_id = ?1 AND name = ?2", -1,
			   &val, NULL);
	{
		size_t len = g->n * 24 + 3, off = 1;
		char *ids = malloc(len);

		if (ids) {
			ids[0] = '[';
			for (size_t i = 0; i < g->n; i++)
				off += snprintf(ids + off, len - off, "%s%lld", i ? "," : "",
						(long long)g->runs[i]);
			snprintf(ids + off, len - off, "]");
			sqlite3_bind_text(meta, 1, ids, -1, SQLITE_TRANSIENT);
			free(ids);
		}
	}
	while (sqlite3_step(meta) == SQLITE_ROW)
		emit_metric(r, g, cmps, meta, val, regs, &nregs);
	json_arr_end(j);
	sqlite3_finalize(meta);
	sqlite3_finalize(val);
	emit_summary(r, g, &cmps[g->n - 1], regs, nregs);
	emit_latest_details(r, g->runs[g->n - 1]);
	json_obj_end(j);
	for (size_t i = 0; i < g->n; i++)
		results_cmp_free(&cmps[i]);
	free(cmps);
	return 0;
}

static int write_data(struct report *r)
{
	char path[PATH_MAX], now[40], err[PATH_MAX + 64];
	struct json *j = &r->j;
	struct outfile of;
	struct group *g = NULL;
	long long nruns = 0, total = 0;
	size_t ng = 0;
	time_t t = time(NULL);
	struct tm tm;
	sqlite3_stmt *st;

	snprintf(path, sizeof(path), "%s/data.js", r->dir);
	if (outfile_open(&of, path, err, sizeof(err))) {
		fprintf(stderr, "pasidsim report: %s\n", err);
		return -1;
	}
	r->out = of.f;
	if (load_groups(r, &g, &ng)) {
		fprintf(stderr, "pasidsim report: %s\n", sqlite3_errmsg(r->h));
		outfile_abort(&of);
		return -1;
	}
	for (size_t i = 0; i < ng; i++)
		nruns += g[i].n;
	sqlite3_prepare_v2(r->h, "SELECT count(*) FROM runs", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		total = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	gmtime_r(&t, &tm);
	strftime(now, sizeof(now), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs("/* Generated by 'pasidsim report'. */\nwindow.PASIDSIM_DATA = ", r->out);
	json_init(j, r->out);
	json_obj_begin(j, NULL);
	json_str(j, "generated", now);
	json_str(j, "db", results_path(r->db));
	json_i64(j, "nruns", nruns);
	json_i64(j, "runs_omitted", total > 200 ? total - 200 : 0);
	json_arr_begin(j, "groups");
	for (size_t i = 0; i < ng; i++)
		emit_group(r, &g[i]);
	json_arr_end(j);
	report_emit_benchmarks(r);
	report_emit_coverage(r);
	report_emit_fuzz(r);
	report_emit_findings(r);
	report_emit_runs_table(r);
	json_obj_end(j);
	fputs(";\n", r->out);
	free_groups(g, ng);
	r->out = NULL;
	if (outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "pasidsim report: %s\n", err);
		return -1;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct report r = { .dir = "pasidsim-report", .opts = { 0.05, 0.05 }, .max_runs = 2000 };
	const char *dbpath = NULL;
	char err[1024], path[PATH_MAX], *abs;
	bool json = false, quiet = false;
	int ret = PASIDSIM_EXIT_OK;
	const struct opt opts[] = {
		OPT_DB(&dbpath),
		OPT_STR('o', "output", &r.dir, "DIR",
			"write the dashboard into DIR (default pasidsim-report)"),
		{ .type = OPT_STRING, .long_name = "out", .value = &r.dir, .argh = "DIR",
		  .flags = OPT_HIDDEN },
		OPT_UNSIGNED64(0, "max-runs", &r.max_runs, 1, INT64_MAX, "N",
			       "the newest N runs only (default 2000)"),
		OPT_DBL(0, "alpha", &r.opts.alpha, 1e-9, 1, "P",
			"significance level of the wall-clock test (default 0.05)"),
		OPT_DBL(0, "min-effect", &r.opts.min_effect, 0, 1e9, "FRACTION",
			"smallest relative change that counts (default 0.05)"),
		OPT_JSON(&json),
		OPT_QUIET(&quiet),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"report", "[options]", report_about, "Exit status: 0 written, 2 usage, store or "
		"output error.\n", 0, 0,
	};
	int n = opt_parse(&cmd, opts, argc, argv);

	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	r.quiet = quiet;
	r.db = results_open(results_db_path(dbpath), RESULTS_OPEN_READONLY, err, sizeof(err));
	if (!r.db) {
		fprintf(stderr, "pasidsim report: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	r.h = results_sqlite(r.db);
	snprintf(path, sizeof(path), "%s/traces", r.dir);
	if (outfile_mkdir_p(path)) {
		fprintf(stderr, "pasidsim report: %s: %s\n", path, strerror(errno));
		results_close(r.db);
		return PASIDSIM_EXIT_USAGE;
	}
	for (const struct report_asset *a = report_assets; a->name && !ret; a++)
		if (report_write_file(r.dir, a->name, a->data, a->size))
			ret = PASIDSIM_EXIT_USAGE;
	if (!ret && write_data(&r))
		ret = PASIDSIM_EXIT_USAGE;
	results_close(r.db);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/index.html", r.dir);
	abs = realpath(path, NULL);
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "index", abs ? abs : path);
		json_u64(&j, "open_regressions", r.open_regressions);
		json_u64(&j, "missing_reproducers", r.missing_reproducers);
		json_obj_end(&j);
	} else {
		printf("%s\n", abs ? abs : path);
	}
	if (r.open_regressions && !quiet)
		fprintf(stderr, "pasidsim report: %u metric(s) with an open regression\n",
			r.open_regressions);
	free(abs);
	return PASIDSIM_EXIT_OK;
}
