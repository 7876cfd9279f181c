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
 * newest run, the first bad commit and the last good one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "builtin.h"
#include "results.h"

struct report_asset {
	const char *name;
	const unsigned char *data;
	size_t size;
};

extern const struct report_asset report_assets[];

static const char *const report_usage =
	"usage: pasidsim report [--db=<file>] [--out=<dir>] [--max-runs=<n>]\n"
	"                       [--alpha=<p>] [--min-effect=<fraction>]\n\n"
	"Writes a static dashboard (default directory pasidsim-report) and prints\n"
	"the path of its index.html. It opens offline, from file://.\n";

struct report {
	struct results_db *db;
	sqlite3 *h;
	FILE *out;
	const char *dir;
	struct results_cmp_opts opts;
	long long max_runs;
	unsigned int open_regressions;
};

struct group {
	char *key, *label;
	int64_t *runs;
	size_t n, cap;
};

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

static void jcol(FILE *out, sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		fputs("null", out);
	else if (sqlite3_column_type(st, i) == SQLITE_INTEGER)
		fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
	else if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
		fprintf(out, "%.17g", sqlite3_column_double(st, i));
	else
		results_json_str(out, col(st, i));
}

static int write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "pasidsim report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	ret = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f) || ret) {
		fprintf(stderr, "pasidsim report: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0777) && errno != EEXIST ? -1 : 0;
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
	sqlite3_stmt *st;

	sqlite3_prepare_v2(r->h, "SELECT id, git_commit, git_dirty, branch, started_at, digest, "
			   "status FROM runs WHERE id = ?1", -1, &st, NULL);
	fputs("\"runs\":[", r->out);
	for (size_t i = 0; i < g->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, g->runs[i]);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		fprintf(r->out, "%s{\"id\":%lld,\"commit\":", i ? "," : "", (long long)g->runs[i]);
		jcol(r->out, st, 1);
		fprintf(r->out, ",\"dirty\":%d,\"branch\":", sqlite3_column_int(st, 2));
		jcol(r->out, st, 3);
		fputs(",\"started\":", r->out);
		jcol(r->out, st, 4);
		fputs(",\"digest\":", r->out);
		jcol(r->out, st, 5);
		fputs(",\"status\":", r->out);
		jcol(r->out, st, 6);
		fprintf(r->out, ",\"digest_changed\":%s}",
			i && cmps[i].digest_compared && !cmps[i].digest_equal ? "true" : "false");
	}
	fputc(']', r->out);
	sqlite3_finalize(st);
}

static void emit_first_bad(struct report *r, const struct group *g, size_t at)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(r->h, "SELECT (SELECT git_commit FROM runs WHERE id = ?1), "
			   "(SELECT git_commit FROM runs WHERE id = ?2)", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, g->runs[at]);
	sqlite3_bind_int64(st, 2, g->runs[at - 1]);
	sqlite3_step(st);
	fprintf(r->out, "{\"run\":%lld,\"commit\":", (long long)g->runs[at]);
	jcol(r->out, st, 0);
	fputs(",\"last_good\":", r->out);
	jcol(r->out, st, 1);
	fputc('}', r->out);
	sqlite3_finalize(st);
	r->open_regressions++;
}

static void emit_metric(struct report *r, const struct group *g, const struct results_cmp *cmps,
			sqlite3_stmt *meta, sqlite3_stmt *val)
{
	const char *name = col(meta, 0);
	enum results_better better = !strcmp(col(meta, 3), "higher") ? RESULTS_HIGHER :
				     !strcmp(col(meta, 3), "equal") ? RESULTS_EQUAL : RESULTS_LOWER;
	double *v = calloc(g->n, sizeof(double));
	bool *has = calloc(g->n, sizeof(bool));
	size_t open = 0;
	double ref = 0;

	fputs("{\"name\":", r->out);
	results_json_str(r->out, name);
	fputs(",\"unit\":", r->out);
	jcol(r->out, meta, 1);
	fputs(",\"kind\":", r->out);
	jcol(r->out, meta, 2);
	fputs(",\"better\":", r->out);
	jcol(r->out, meta, 3);
	fputs(",\"values\":[", r->out);
	for (size_t i = 0; i < g->n; i++) {
		sqlite3_reset(val);
		sqlite3_bind_int64(val, 1, g->runs[i]);
		sqlite3_bind_text(val, 2, name, -1, SQLITE_TRANSIENT);
		if (v && has && sqlite3_step(val) == SQLITE_ROW) {
			v[i] = sqlite3_column_double(val, 0);
			has[i] = true;
			fprintf(r->out, "%s%.17g", i ? "," : "", v[i]);
		} else {
			fputs(i ? ",null" : "null", r->out);
		}
	}
	fputs("],\"verdicts\":[", r->out);
	for (size_t i = 0; i < g->n; i++) {
		const struct results_cmp_row *row = i ? find_row(&cmps[i], name) : NULL;

		fputs(i ? "," : "", r->out);
		if (row)
			fprintf(r->out, "\"%s\"", results_verdict_name(row->verdict));
		else
			fputs("null", r->out);
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
	fputs("],\"first_bad\":", r->out);
	if (open)
		emit_first_bad(r, g, open);
	else
		fputs("null", r->out);
	fputc('}', r->out);
	free(v);
	free(has);
}

static void emit_latest_details(struct report *r, int64_t run)
{
	sqlite3_stmt *st, *bk;
	int n = 0;

	sqlite3_prepare_v2(r->h, "SELECT name, unit, count, sum, min, max FROM histograms "
			   "WHERE run_id = ?1 ORDER BY name", -1, &st, NULL);
	sqlite3_prepare_v2(r->h, "SELECT bucket, count FROM hist_buckets WHERE run_id = ?1 AND "
			   "name = ?2 ORDER BY bucket", -1, &bk, NULL);
	sqlite3_bind_int64(st, 1, run);
	fputs(",\"histograms\":[", r->out);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int nb = 0;

		fprintf(r->out, "%s{\"run\":%lld,\"name\":", n++ ? "," : "", (long long)run);
		jcol(r->out, st, 0);
		fputs(",\"unit\":", r->out);
		jcol(r->out, st, 1);
		fprintf(r->out, ",\"count\":%lld,\"sum\":%lld,\"min\":%lld,\"max\":%lld,\"buckets\":[",
			(long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3),
			(long long)sqlite3_column_int64(st, 4), (long long)sqlite3_column_int64(st, 5));
		sqlite3_reset(bk);
		sqlite3_bind_int64(bk, 1, run);
		sqlite3_bind_text(bk, 2, col(st, 0), -1, SQLITE_TRANSIENT);
		while (sqlite3_step(bk) == SQLITE_ROW)
			fprintf(r->out, "%s[%d,%lld]", nb++ ? "," : "", sqlite3_column_int(bk, 0),
				(long long)sqlite3_column_int64(bk, 1));
		fputs("]}", r->out);
	}
	fputc(']', r->out);
	sqlite3_finalize(bk);
	sqlite3_finalize(st);

	sqlite3_prepare_v2(r->h, "SELECT class, acquisitions, contentions, wait_total_ns, "
			   "wait_max_ns, hold_total_ns, hold_max_ns FROM lockstat WHERE run_id = ?1 "
			   "ORDER BY seq", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, run);
	fprintf(r->out, ",\"lockstat_run\":%lld,\"lockstat\":[", (long long)run);
	n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		fputs(n++ ? ",{" : "{", r->out);
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			fprintf(r->out, "%s\"%s\":", i ? "," : "", sqlite3_column_name(st, i));
			jcol(r->out, st, i);
		}
		fputc('}', r->out);
	}
	fputc(']', r->out);
	sqlite3_finalize(st);
}

static int emit_group(struct report *r, const struct group *g)
{
	struct results_cmp *cmps = calloc(g->n, sizeof(*cmps));
	sqlite3_stmt *meta, *val;
	char err[512];
	int n = 0;

	if (!cmps)
		return -1;
	for (size_t i = 1; i < g->n; i++)
		if (results_compare(r->db, g->runs[i - 1], g->runs[i], &r->opts, &cmps[i], err,
				    sizeof(err)))
			fprintf(stderr, "pasidsim report: %s\n", err);
	fputs("{\"key\":", r->out);
	results_json_str(r->out, g->key);
	fputs(",\"label\":", r->out);
	results_json_str(r->out, g->label);
	fputc(',', r->out);
	emit_runs(r, g, cmps);
	fputs(",\"metrics\":[", r->out);
	/* Every metric of the group, in name order, with the newest run's unit and kind. */
	sqlite3_prepare_v2(r->h, "SELECT m.name, m.unit, m.kind, m.better, max(x.started_at) "
			   "FROM metrics m JOIN runs x ON x.id = m.run_id WHERE m.run_id IN "
			   "(SELECT value FROM json_each(?1)) GROUP BY m.name ORDER BY m.name", -1, &meta, NULL);
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
	while (sqlite3_step(meta) == SQLITE_ROW) {
		fputs(n++ ? "," : "", r->out);
		emit_metric(r, g, cmps, meta, val);
	}
	fputc(']', r->out);
	sqlite3_finalize(meta);
	sqlite3_finalize(val);
	emit_latest_details(r, g->runs[g->n - 1]);
	fputc('}', r->out);
	for (size_t i = 0; i < g->n; i++)
		results_cmp_free(&cmps[i]);
	free(cmps);
	return 0;
}

/* ---- coverage, findings, runs -------------------------------------------- */

static void emit_coverage(struct report *r)
{
	sqlite3_stmt *st, *pt;
	int n = 0;

	sqlite3_prepare_v2(r->h, "SELECT r.id, r.git_commit, r.command FROM runs r WHERE EXISTS "
			   "(SELECT 1 FROM coverage c WHERE c.run_id = r.id) ORDER BY "
			   "r.started_at DESC, r.id DESC LIMIT 24", -1, &st, NULL);
	sqlite3_prepare_v2(r->h, "SELECT t_s, execs, coverage, corpus FROM coverage WHERE "
			   "run_id = ?1 ORDER BY seq", -1, &pt, NULL);
	fputs(",\"coverage\":[", r->out);
	while (sqlite3_step(st) == SQLITE_ROW) {
		int np = 0;

		fprintf(r->out, "%s{\"run\":%lld,\"commit\":", n++ ? "," : "",
			(long long)sqlite3_column_int64(st, 0));
		jcol(r->out, st, 1);
		fputs(",\"label\":", r->out);
		jcol(r->out, st, 2);
		fputs(",\"points\":[", r->out);
		sqlite3_reset(pt);
		sqlite3_bind_int64(pt, 1, sqlite3_column_int64(st, 0));
		while (sqlite3_step(pt) == SQLITE_ROW)
			fprintf(r->out, "%s[%.17g,%lld,%lld,%lld]", np++ ? "," : "",
				sqlite3_column_double(pt, 0), (long long)sqlite3_column_int64(pt, 1),
				(long long)sqlite3_column_int64(pt, 2),
				(long long)sqlite3_column_int64(pt, 3));
		fputs("]}", r->out);
	}
	fputc(']', r->out);
	sqlite3_finalize(pt);
	sqlite3_finalize(st);
}

/* Copy a reproducer into DIR/traces/ and return its link, or NULL. */
static char *copy_reproducer(struct report *r, int64_t run, int seq, const char *path)
{
	char name[PATH_MAX], dst[PATH_MAX * 2], *tmp, *link = NULL;
	struct stat sb;
	FILE *in, *out;
	char buf[65536];
	size_t n;

	if (!path || !*path || stat(path, &sb) || !S_ISREG(sb.st_mode) ||
	    sb.st_size > 16 << 20)
		return NULL;
	tmp = strdup(path);
	if (!tmp)
		return NULL;
	snprintf(name, sizeof(name), "traces/%lld-%d-%s", (long long)run, seq, basename(tmp));
	free(tmp);
	snprintf(dst, sizeof(dst), "%s/%s", r->dir, name);
	in = fopen(path, "rb");
	out = in ? fopen(dst, "wb") : NULL;
	if (in && out) {
		bool ok = true;

		while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
			ok &= fwrite(buf, 1, n, out) == n;
		if (ok)
			link = strdup(name);
	}
	if (in)
		fclose(in);
	if (out && fclose(out)) {
		free(link);
		link = NULL;
	}
	return link;
}

static void emit_findings(struct report *r)
{
	sqlite3_stmt *st;
	int n = 0;

	sqlite3_prepare_v2(r->h, "SELECT f.run_id, r.git_commit, f.seq, f.kind, f.position, "
			   "f.message, f.reproducer FROM findings f JOIN runs r ON r.id = f.run_id "
			   "ORDER BY r.started_at DESC, f.run_id DESC, f.seq LIMIT 500", -1, &st,
			   NULL);
	fputs(",\"findings\":[", r->out);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char *link = copy_reproducer(r, sqlite3_column_int64(st, 0),
					     sqlite3_column_int(st, 2), col(st, 6));
		char abs[PATH_MAX + 8];

		fprintf(r->out, "%s{\"run\":%lld,\"commit\":", n++ ? "," : "",
			(long long)sqlite3_column_int64(st, 0));
		jcol(r->out, st, 1);
		fputs(",\"kind\":", r->out);
		jcol(r->out, st, 3);
		fputs(",\"position\":", r->out);
		jcol(r->out, st, 4);
		fputs(",\"message\":", r->out);
		jcol(r->out, st, 5);
		fputs(",\"reproducer\":", r->out);
		jcol(r->out, st, 6);
		fputs(",\"link\":", r->out);
		if (!link && col(st, 6)[0] == '/') {
			snprintf(abs, sizeof(abs), "file://%s", col(st, 6));
			results_json_str(r->out, abs);
		} else {
			results_json_str(r->out, link);
		}
		fputc('}', r->out);
		free(link);
	}
	fputc(']', r->out);
	sqlite3_finalize(st);
}

static void emit_runs_table(struct report *r)
{
	static const char *const names[] = {
		"id", "started", "commit", "dirty", "branch", "command", "flavour", "status",
		"digest", "machine",
	};
	sqlite3_stmt *st;
	int n = 0;

	sqlite3_prepare_v2(r->h, "SELECT id, started_at, git_commit, git_dirty, branch, command, "
			   "flavour, status, digest, machine FROM runs ORDER BY started_at DESC, "
			   "id DESC LIMIT 200", -1, &st, NULL);
	fputs(",\"runs\":[", r->out);
	while (sqlite3_step(st) == SQLITE_ROW) {
		fputs(n++ ? ",{" : "{", r->out);
		for (int i = 0; i < 10; i++) {
			fprintf(r->out, "%s\"%s\":", i ? "," : "", names[i]);
			jcol(r->out, st, i);
		}
		fputc('}', r->out);
	}
	fputc(']', r->out);
	sqlite3_finalize(st);
}

static int write_data(struct report *r)
{
	char path[PATH_MAX], now[40];
	struct group *g = NULL;
	long long nruns = 0, total = 0;
	size_t ng = 0;
	time_t t = time(NULL);
	struct tm tm;
	sqlite3_stmt *st;
	int ret;

	snprintf(path, sizeof(path), "%s/data.js", r->dir);
	r->out = fopen(path, "w");
	if (!r->out) {
		fprintf(stderr, "pasidsim report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (load_groups(r, &g, &ng)) {
		fprintf(stderr, "pasidsim report: %s\n", sqlite3_errmsg(r->h));
		fclose(r->out);
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
	fputs("/* Generated by 'pasidsim report'. */\nwindow.PASIDSIM_DATA = {\"generated\":", r->out);
	results_json_str(r->out, now);
	fputs(",\"db\":", r->out);
	results_json_str(r->out, results_path(r->db));
	fprintf(r->out, ",\"nruns\":%lld,\"runs_omitted\":%lld,\"groups\":[", nruns,
		total > 200 ? total - 200 : 0);
	for (size_t i = 0; i < ng; i++) {
		if (i)
			fputc(',', r->out);
		emit_group(r, &g[i]);
	}
	fputc(']', r->out);
	emit_coverage(r);
	emit_findings(r);
	emit_runs_table(r);
	fputs("};\n", r->out);
	free_groups(g, ng);
	ret = ferror(r->out) ? -1 : 0;
	if (fclose(r->out) || ret) {
		fprintf(stderr, "pasidsim report: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

int cmd_report(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_OUT, OPT_MAX, OPT_ALPHA, OPT_EFFECT };
	static const struct option options[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "out", required_argument, NULL, OPT_OUT },
		{ "max-runs", required_argument, NULL, OPT_MAX },
		{ "alpha", required_argument, NULL, OPT_ALPHA },
		{ "min-effect", required_argument, NULL, OPT_EFFECT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report r = { .dir = "pasidsim-report", .opts = { 0.05, 0.05 }, .max_runs = 2000 };
	const char *dbpath = NULL;
	char err[1024], path[PATH_MAX], *end, *abs;
	int opt, ret = PASIDSIM_EXIT_OK;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DB:
			dbpath = optarg;
			break;
		case OPT_OUT:
			r.dir = optarg;
			break;
		case OPT_MAX:
			r.max_runs = strtoll(optarg, &end, 10);
			if (*end || r.max_runs < 1)
				goto usage;
			break;
		case OPT_ALPHA:
			r.opts.alpha = strtod(optarg, &end);
			if (*end || !(r.opts.alpha > 0 && r.opts.alpha < 1))
				goto usage;
			break;
		case OPT_EFFECT:
			r.opts.min_effect = strtod(optarg, &end);
			if (*end || !(r.opts.min_effect >= 0))
				goto usage;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	r.db = results_open(results_db_path(dbpath), RESULTS_OPEN_READONLY, err, sizeof(err));
	if (!r.db) {
		fprintf(stderr, "pasidsim report: %s\n", err);
		return PASIDSIM_EXIT_USAGE;
	}
	r.h = results_sqlite(r.db);
	snprintf(path, sizeof(path), "%s/traces", r.dir);
	if (mkdir_p(path)) {
		fprintf(stderr, "pasidsim report: %s: %s\n", path, strerror(errno));
		results_close(r.db);
		return PASIDSIM_EXIT_USAGE;
	}
	for (const struct report_asset *a = report_assets; a->name && !ret; a++)
		if (write_file(r.dir, a->name, a->data, a->size))
			ret = PASIDSIM_EXIT_USAGE;
	if (!ret && write_data(&r))
		ret = PASIDSIM_EXIT_USAGE;
	results_close(r.db);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/index.html", r.dir);
	abs = realpath(path, NULL);
	printf("%s\n", abs ? abs : path);
	if (r.open_regressions)
		fprintf(stderr, "pasidsim report: %u metric(s) with an open regression\n",
			r.open_regressions);
	free(abs);
	return PASIDSIM_EXIT_OK;
usage:
	fputs(report_usage, stderr);
	return PASIDSIM_EXIT_USAGE;
}
