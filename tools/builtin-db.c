// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim db: manage the results store.
 *
 *   init     create the file, or migrate an older schema
 *   list     runs, newest first, with filters
 *   show     one run: what, where, outcome, metrics, findings, ...
 *   merge    runs of other stores (CI machines), duplicates skipped by UUID
 *   export   everything (or some runs) as JSON or CSV
 *   record   add a run from the command line (scripts, external benchmarks)
 *   check    PRAGMA integrity_check
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "builtin.h"
#include "results.h"

#define DB_INIT_USAGE	"pasidsim db init [--db=<file>]"
#define DB_LIST_USAGE	"pasidsim db list [--db=<file>] [--command=<name>] [--branch=<name>]\n" \
			"                 [--commit=<rev>] [--limit=<n>] [--json]"
#define DB_SHOW_USAGE	"pasidsim db show [--db=<file>] [--json] <run>"
#define DB_MERGE_USAGE	"pasidsim db merge [--db=<file>] [--json] <other.db>..."
#define DB_EXPORT_USAGE	"pasidsim db export [--db=<file>] (--json | --csv) [--out=<file>] [<run>...]"
#define DB_RECORD_USAGE	"pasidsim db record [--db=<file>] --command=<name> [--config=<json>]\n" \
			"                   [--flavour=<name>] [--seed=<n>] [--trace-hash=<hash>]\n" \
			"                   [--metric=<name>:<unit>:<value>[:<better>]]...\n" \
			"                   [--sample=<name>:<unit>:<v>,<v>...[:<better>]]...\n" \
			"                   [--finding=<kind>:<message>]... [--reproducer=<path>]\n" \
			"                   [--coverage-file=<file>]"
#define DB_CHECK_USAGE	"pasidsim db check [--db=<file>]"

static const char *const db_usage =
	"usage: " DB_INIT_USAGE "\n"
	"   or: " DB_LIST_USAGE "\n"
	"   or: " DB_SHOW_USAGE "\n"
	"   or: " DB_MERGE_USAGE "\n"
	"   or: " DB_EXPORT_USAGE "\n"
	"   or: " DB_RECORD_USAGE "\n"
	"   or: " DB_CHECK_USAGE "\n\n"
	"The store is --db, else $PASIDSIM_DB, else ./" RESULTS_DEFAULT_DB ".\n"
	"<run> is a run id, a UUID (prefix), a git revision (latest run at that\n"
	"commit), branch:<name> (latest run on the branch) or 'latest'.\n";

enum {
	OPT_DB = 256, OPT_JSON, OPT_CSV, OPT_COMMAND, OPT_BRANCH, OPT_COMMIT, OPT_LIMIT, OPT_OUT,
	OPT_CONFIG, OPT_FLAVOUR, OPT_SEED, OPT_TRACE, OPT_METRIC, OPT_SAMPLE, OPT_FINDING,
	OPT_REPRODUCER, OPT_COVERAGE, OPT_HELP,
};

static const struct option db_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "csv", no_argument, NULL, OPT_CSV },
	{ "command", required_argument, NULL, OPT_COMMAND },
	{ "branch", required_argument, NULL, OPT_BRANCH },
	{ "commit", required_argument, NULL, OPT_COMMIT },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "flavour", required_argument, NULL, OPT_FLAVOUR },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "trace-hash", required_argument, NULL, OPT_TRACE },
	{ "metric", required_argument, NULL, OPT_METRIC },
	{ "sample", required_argument, NULL, OPT_SAMPLE },
	{ "finding", required_argument, NULL, OPT_FINDING },
	{ "reproducer", required_argument, NULL, OPT_REPRODUCER },
	{ "coverage-file", required_argument, NULL, OPT_COVERAGE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

#define MAX_ITEMS 256

struct db_args {
	const char *db, *command, *branch, *commit, *out, *config, *flavour, *trace;
	const char *reproducer, *coverage;
	bool json, csv, help, has_seed;
	long long limit;
	unsigned long long seed;
	const char *metric[MAX_ITEMS], *sample[MAX_ITEMS], *finding[MAX_ITEMS];
	unsigned int nmetric, nsample, nfinding;
	char **rest;
	int nrest;
};

static int parse_args(int argc, char **argv, struct db_args *a)
{
	int opt;
	char *end;

	memset(a, 0, sizeof(*a));
	a->limit = 50;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", db_options, NULL)) != -1) {
		switch (opt) {
		case OPT_DB: a->db = optarg; break;
		case OPT_JSON: a->json = true; break;
		case OPT_CSV: a->csv = true; break;
		case OPT_COMMAND: a->command = optarg; break;
		case OPT_BRANCH: a->branch = optarg; break;
		case OPT_COMMIT: a->commit = optarg; break;
		case OPT_OUT: a->out = optarg; break;
		case OPT_CONFIG: a->config = optarg; break;
		case OPT_FLAVOUR: a->flavour = optarg; break;
		case OPT_TRACE: a->trace = optarg; break;
		case OPT_REPRODUCER: a->reproducer = optarg; break;
		case OPT_COVERAGE: a->coverage = optarg; break;
		case OPT_LIMIT:
			a->limit = strtoll(optarg, &end, 10);
			if (*end || a->limit < 0)
				return -1;
			break;
		case OPT_SEED:
			errno = 0;
			a->seed = strtoull(optarg, &end, 0);
			if (errno || *end)
				return -1;
			a->has_seed = true;
			break;
		case OPT_METRIC:
			if (a->nmetric == MAX_ITEMS)
				return -1;
			a->metric[a->nmetric++] = optarg;
			break;
		case OPT_SAMPLE:
			if (a->nsample == MAX_ITEMS)
				return -1;
			a->sample[a->nsample++] = optarg;
			break;
		case OPT_FINDING:
			if (a->nfinding == MAX_ITEMS)
				return -1;
			a->finding[a->nfinding++] = optarg;
			break;
		case 'h':
		case OPT_HELP:
			a->help = true;
			break;
		default:
			return -1;
		}
	}
	a->rest = argv + optind;
	a->nrest = argc - optind;
	return 0;
}

static struct results_db *open_db(const struct db_args *a, unsigned int flags)
{
	char err[1024];
	struct results_db *db = results_open(results_db_path(a->db), flags, err, sizeof(err));

	if (!db)
		fprintf(stderr, "pasidsim db: %s\n", err);
	return db;
}

static const char *col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

static void json_col(FILE *out, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("null", out);
		break;
	case SQLITE_INTEGER:
		fprintf(out, "%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		fprintf(out, "%.17g", sqlite3_column_double(st, i));
		break;
	default:
		results_json_str(out, col(st, i));
	}
}

/* Every row of @sql (bound to @id) as a JSON array of objects. */
static int json_rows(FILE *out, sqlite3 *h, const char *sql, int64_t id)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	fputc('[', out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		fputs(n++ ? ",{" : "{", out);
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			fprintf(out, "%s\"%s\":", i ? "," : "", sqlite3_column_name(st, i));
			json_col(out, st, i);
		}
		fputc('}', out);
	}
	fputc(']', out);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int run_json(FILE *out, sqlite3 *h, int64_t id)
{
	static const char *const parts[][2] = {
		{ "metrics", "SELECT name, unit, kind, better, value, (SELECT json_group_array(value)"
			     " FROM (SELECT value FROM samples s WHERE s.run_id = m.run_id AND "
			     "s.name = m.name ORDER BY seq)) AS samples FROM metrics m "
			     "WHERE run_id = ?1 ORDER BY name" },
		{ "histograms", "SELECT name, unit, kind, count, sum, min, max, (SELECT "
				"json_group_array(json_array(bucket, count)) FROM hist_buckets b "
				"WHERE b.run_id = h.run_id AND b.name = h.name) AS buckets "
				"FROM histograms h WHERE run_id = ?1 ORDER BY name" },
		{ "findings", "SELECT seq, kind, message, position, reproducer FROM findings "
			      "WHERE run_id = ?1 ORDER BY seq" },
		{ "lockstat", "SELECT class, acquisitions, contentions, wait_min_ns, wait_max_ns, "
			      "wait_total_ns, hold_min_ns, hold_max_ns, hold_total_ns FROM lockstat "
			      "WHERE run_id = ?1 ORDER BY seq" },
		{ "coverage", "SELECT t_s, execs, coverage, corpus FROM coverage WHERE run_id = ?1 "
			      "ORDER BY seq" },
	};
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(h, "SELECT * FROM runs WHERE id = ?1", -1, &st, NULL))
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	fputc('{', out);
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		fprintf(out, "%s\"%s\":", i ? "," : "", sqlite3_column_name(st, i));
		if (!strcmp(sqlite3_column_name(st, i), "config") &&
		    sqlite3_column_type(st, i) == SQLITE_TEXT && col(st, i)[0] == '{')
			fputs(col(st, i), out);	/* JSON text, checked by the writer */
		else
			json_col(out, st, i);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		fprintf(out, ",\"%s\":", parts[i][0]);
		if (json_rows(out, h, parts[i][1], id))
			return -1;
	}
	fputc('}', out);
	return 0;
}

static int db_init(struct db_args *a)
{
	struct results_db *db = open_db(a, 0);
	int found;

	if (!db)
		return PASIDSIM_EXIT_USAGE;
	found = results_version_found(db);
	if (!found)
		printf("%s: created (schema %d.%d)\n", results_path(db), RESULTS_SCHEMA_MAJOR,
		       RESULTS_SCHEMA_MINOR);
	else if (found < RESULTS_SCHEMA_VERSION)
		printf("%s: migrated from schema %d.%d to %d.%d\n", results_path(db), found / 1000,
		       found % 1000, RESULTS_SCHEMA_MAJOR, RESULTS_SCHEMA_MINOR);
	else
		printf("%s: up to date (schema %d.%d)\n", results_path(db), found / 1000,
		       found % 1000);
	results_close(db);
	return PASIDSIM_EXIT_OK;
}

static int db_list(struct db_args *a)
{
	struct results_db *db = open_db(a, RESULTS_OPEN_READONLY);
	char *pat = NULL;
	sqlite3_stmt *st;
	int rc, n = 0;

	if (!db)
		return PASIDSIM_EXIT_USAGE;
	if (a->commit && asprintf(&pat, "%s%%", a->commit) < 0)
		pat = NULL;
	rc = sqlite3_prepare_v2(results_sqlite(db),
				"SELECT id, started_at, git_commit, git_dirty, branch, command, "
				"flavour, seed, status, digest, ops, uuid, machine FROM runs "
				"WHERE (?1 IS NULL OR command = ?1) AND (?2 IS NULL OR branch = ?2) "
				"AND (?3 IS NULL OR git_commit LIKE ?3) "
				"ORDER BY started_at DESC, id DESC LIMIT ?4", -1, &st, NULL);
	if (rc) {
		fprintf(stderr, "pasidsim db: %s\n", sqlite3_errmsg(results_sqlite(db)));
		results_close(db);
		free(pat);
		return PASIDSIM_EXIT_USAGE;
	}
	if (a->command)
		sqlite3_bind_text(st, 1, a->command, -1, SQLITE_STATIC);
	if (a->branch)
		sqlite3_bind_text(st, 2, a->branch, -1, SQLITE_STATIC);
	if (pat)
		sqlite3_bind_text(st, 3, pat, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->limit ? a->limit : -1);
	if (a->json)
		putchar('[');
	else
		printf("%6s  %-26s %-13s %-12s %-12s %-10s %8s %-7s %s\n", "id", "started (UTC)",
		       "commit", "branch", "command", "flavour", "seed", "status", "digest");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (a->json) {
			fputs(n++ ? ",{" : "{", stdout);
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				printf("%s\"%s\":", i ? "," : "", sqlite3_column_name(st, i));
				json_col(stdout, st, i);
			}
			putchar('}');
			continue;
		}
		printf("%6lld  %-26s %-.12s%-*s %-12.12s %-12.12s %-10.10s %8llu %-7.7s %s\n",
		       (long long)sqlite3_column_int64(st, 0), col(st, 1), col(st, 2),
		       13 - (int)(strlen(col(st, 2)) < 12 ? strlen(col(st, 2)) : 12),
		       sqlite3_column_int(st, 3) ? "*" : "", col(st, 4), col(st, 5), col(st, 6),
		       (unsigned long long)sqlite3_column_int64(st, 7), col(st, 8), col(st, 9));
	}
	if (a->json)
		puts("]");
	sqlite3_finalize(st);
	free(pat);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "pasidsim db: %s\n", sqlite3_errmsg(results_sqlite(db)));
	results_close(db);
	return rc == SQLITE_DONE ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
}

static void show_text(sqlite3 *h, int64_t id)
{
	sqlite3_stmt *st;

	sqlite3_prepare_v2(h, "SELECT uuid, command, trace_hash, config, flavour, seed, "
			   "cost_model, git_commit, git_dirty, branch, build_type, compiler, "
			   "machine, started_at, duration_ns, ops, digest, status FROM runs "
			   "WHERE id = ?1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		printf("run %lld  %s\n", (long long)id, col(st, 0));
		printf("  what:    %s, flavour %s, seed %llu%s%s%s%s\n", col(st, 1), col(st, 4),
		       (unsigned long long)sqlite3_column_int64(st, 5),
		       *col(st, 2) ? ", trace " : "", col(st, 2),
		       *col(st, 6) ? ", cost model " : "", col(st, 6));
		if (*col(st, 3))
			printf("  config:  %s\n", col(st, 3));
		printf("  where:   commit %s%s on %s, %s build, %s\n", col(st, 7),
		       sqlite3_column_int(st, 8) ? " (dirty)" : "",
		       *col(st, 9) ? col(st, 9) : "(no branch)", col(st, 10), col(st, 11));
		printf("           %s, started %s, %.3f s\n", col(st, 12), col(st, 13),
		       sqlite3_column_int64(st, 14) / 1e9);
		printf("  outcome: %s, %lld operations, digest %s\n", col(st, 17),
		       (long long)sqlite3_column_int64(st, 15), col(st, 16));
	}
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT name, value, unit, kind, better, (SELECT count(*) FROM "
			   "samples s WHERE s.run_id = m.run_id AND s.name = m.name) FROM "
			   "metrics m WHERE run_id = ?1 ORDER BY name", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  metrics:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    %-36s %16.6g %-8s %-7s %s-better%s%s\n", col(st, 0),
		       sqlite3_column_double(st, 1), col(st, 2), col(st, 3), col(st, 4),
		       sqlite3_column_int(st, 5) ? ", median of samples: " : "",
		       sqlite3_column_int(st, 5) ? col(st, 5) : "");
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT name, count, unit, min, max, sum FROM histograms "
			   "WHERE run_id = ?1 ORDER BY name", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  histograms:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    %-36s %10lld values (%s), min %lld, max %lld, mean %.1f\n", col(st, 0),
		       (long long)sqlite3_column_int64(st, 1), col(st, 2),
		       (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4),
		       sqlite3_column_int64(st, 1) ? (double)sqlite3_column_int64(st, 5) /
		       sqlite3_column_int64(st, 1) : 0.0);
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT class, acquisitions, contentions, wait_total_ns, "
			   "hold_total_ns FROM lockstat WHERE run_id = ?1 ORDER BY seq",
			   -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  lockstat: %-28s %12s %11s %14s %14s\n", "class", "acquisitions", "contentions",
	       "wait ns", "hold ns");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("            %-28s %12lld %11lld %14lld %14lld\n", col(st, 0),
		       (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
		       (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT kind, position, message, reproducer FROM findings "
			   "WHERE run_id = ?1 ORDER BY seq", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	printf("  findings:\n");
	while (sqlite3_step(st) == SQLITE_ROW)
		printf("    %-10s at op %-8s %s%s%s\n", col(st, 0),
		       sqlite3_column_type(st, 1) == SQLITE_NULL ? "?" : col(st, 1), col(st, 2),
		       *col(st, 3) ? "  reproducer: " : "", col(st, 3));
	sqlite3_finalize(st);

	sqlite3_prepare_v2(h, "SELECT count(*), max(t_s), max(coverage), max(execs) FROM coverage "
			   "WHERE run_id = ?1", -1, &st, NULL);
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0))
		printf("  fuzz coverage: %d points over %.1f s, %lld edges, %lld execs\n",
		       sqlite3_column_int(st, 0), sqlite3_column_double(st, 1),
		       (long long)sqlite3_column_int64(st, 2), (long long)sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
}

static int db_show(struct db_args *a)
{
	struct results_db *db;
	char err[1024];
	int64_t id;

	if (a->nrest != 1)
		return -1;
	db = open_db(a, RESULTS_OPEN_READONLY);
	if (!db)
		return PASIDSIM_EXIT_USAGE;
	id = results_resolve(db, a->rest[0], 0, err, sizeof(err));
	if (id < 0) {
		fprintf(stderr, "pasidsim db: %s\n", err);
		results_close(db);
		return PASIDSIM_EXIT_USAGE;
	}
	if (a->json) {
		run_json(stdout, results_sqlite(db), id);
		putchar('\n');
	} else {
		show_text(results_sqlite(db), id);
	}
	results_close(db);
	return PASIDSIM_EXIT_OK;
}

static int db_merge(struct db_args *a)
{
	struct results_merge_stats ms;
	struct results_db *db;
	char err[1024];
	int ret = PASIDSIM_EXIT_OK;

	if (a->nrest < 1)
		return -1;
	db = open_db(a, 0);
	if (!db)
		return PASIDSIM_EXIT_USAGE;
	if (a->json)
		putchar('[');
	for (int i = 0; i < a->nrest; i++) {
		if (results_merge(db, a->rest[i], &ms, err, sizeof(err))) {
			fprintf(stderr, "pasidsim db: %s\n", err);
			ret = PASIDSIM_EXIT_USAGE;
			continue;
		}
		if (a->json) {
			printf("%s{\"file\":", i ? "," : "");
			results_json_str(stdout, a->rest[i]);
			printf(",\"added\":%u,\"skipped\":%u}", ms.added, ms.skipped);
		} else {
			printf("%s: %u runs added, %u duplicates skipped\n", a->rest[i], ms.added,
			       ms.skipped);
		}
	}
	if (a->json)
		puts("]");
	results_close(db);
	return ret;
}

static void csv_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static int export_csv(FILE *out, sqlite3 *h, int64_t only)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h, "SELECT r.id, r.uuid, r.started_at, r.git_commit, r.git_dirty,"
				" r.branch, r.command, r.flavour, r.seed, r.machine, r.build_type,"
				" r.digest, m.name, m.unit, m.kind, m.better, m.value, (SELECT"
				" count(*) FROM samples s WHERE s.run_id = m.run_id AND"
				" s.name = m.name) FROM runs r JOIN metrics m ON m.run_id = r.id"
				" WHERE ?1 <= 0 OR r.id = ?1 ORDER BY r.started_at, r.id, m.name",
				-1, &st, NULL);
	if (rc)
		return -1;
	sqlite3_bind_int64(st, 1, only);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			if (i)
				fputc(',', out);
			if (sqlite3_column_type(st, i) == SQLITE_FLOAT)
				fprintf(out, "%.17g", sqlite3_column_double(st, i));
			else
				csv_field(out, col(st, i));
		}
		fputc('\n', out);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int db_export(struct db_args *a)
{
	struct results_db *db;
	FILE *out = stdout;
	sqlite3_stmt *st;
	char err[1024];
	int ret = 0, n = 0;

	if (a->json == a->csv)
		return -1;
	db = open_db(a, RESULTS_OPEN_READONLY);
	if (!db)
		return PASIDSIM_EXIT_USAGE;
	if (a->out && !(out = fopen(a->out, "w"))) {
		fprintf(stderr, "pasidsim db: %s: %s\n", a->out, strerror(errno));
		results_close(db);
		return PASIDSIM_EXIT_USAGE;
	}
	if (a->csv)
		fputs("run_id,uuid,started_at,git_commit,git_dirty,branch,command,flavour,seed,"
		      "machine,build_type,digest,metric,unit,kind,better,value,samples\n", out);
	else
		fputc('[', out);
	if (a->nrest) {
		for (int i = 0; i < a->nrest && !ret; i++) {
			int64_t id = results_resolve(db, a->rest[i], 0, err, sizeof(err));

			if (id < 0) {
				fprintf(stderr, "pasidsim db: %s\n", err);
				ret = -1;
			} else if (a->csv) {
				ret = export_csv(out, results_sqlite(db), id);
			} else {
				if (n++)
					fputc(',', out);
				ret = run_json(out, results_sqlite(db), id);
			}
		}
	} else if (a->csv) {
		ret = export_csv(out, results_sqlite(db), 0);
	} else {
		sqlite3_prepare_v2(results_sqlite(db), "SELECT id FROM runs ORDER BY started_at, id",
				   -1, &st, NULL);
		while (!ret && sqlite3_step(st) == SQLITE_ROW) {
			if (n++)
				fputc(',', out);
			ret = run_json(out, results_sqlite(db), sqlite3_column_int64(st, 0));
		}
		sqlite3_finalize(st);
	}
	if (a->json)
		fputs("]\n", out);
	if (out != stdout && fclose(out))
		ret = -1;
	if (ret)
		fprintf(stderr, "pasidsim db: export failed: %s\n",
			sqlite3_errmsg(results_sqlite(db)));
	results_close(db);
	return ret ? PASIDSIM_EXIT_USAGE : PASIDSIM_EXIT_OK;
}

static int parse_better(const char *s, enum results_better *b)
{
	if (!s || !strcmp(s, "lower"))
		*b = RESULTS_LOWER;
	else if (!strcmp(s, "higher"))
		*b = RESULTS_HIGHER;
	else if (!strcmp(s, "equal"))
		*b = RESULTS_EQUAL;
	else
		return -1;
	return 0;
}

/* "<name>:<unit>:<values>[:<better>]" into pieces (modifies @s). */
static int split_metric(char *s, char **name, char **unit, char **values, enum results_better *b)
{
	char *better;

	*name = s;
	*unit = strchr(s, ':');
	if (!*unit)
		return -1;
	*(*unit)++ = 0;
	*values = strchr(*unit, ':');
	if (!*values)
		return -1;
	*(*values)++ = 0;
	better = strchr(*values, ':');
	if (better)
		*better++ = 0;
	return **name ? parse_better(better, b) : -1;
}

static int add_items(struct results_run *run, struct db_args *a)
{
	enum results_better b;
	char *name, *unit, *vals, *end, *copy;

	for (unsigned int i = 0; i < a->nmetric + a->nsample; i++) {
		bool sample = i >= a->nmetric;
		int bad;

		copy = strdup(sample ? a->sample[i - a->nmetric] : a->metric[i]);
		bad = !copy || split_metric(copy, &name, &unit, &vals, &b);
		while (!bad) {
			double v = strtod(vals, &end);

			bad = end == vals || (*end && *end != ',') ||
			      (sample ? results_sample(run, name, unit, b, v) :
			       results_metric(run, name, unit, b, v));
			if (!*end || !sample)
				bad |= *end != 0;
			if (!*end)
				break;
			vals = end + 1;
		}
		free(copy);
		if (bad) {
			fprintf(stderr, "pasidsim db: bad --%s '%s'\n", sample ? "sample" : "metric",
				sample ? a->sample[i - a->nmetric] : a->metric[i]);
			return -1;
		}
	}
	for (unsigned int i = 0; i < a->nfinding; i++) {
		const char *msg = strchr(a->finding[i], ':');
		char kind[64];

		snprintf(kind, sizeof(kind), "%.*s", msg ? (int)(msg - a->finding[i]) : 0,
			 a->finding[i]);
		if (!msg || results_finding(run, kind, msg + 1, -1, a->reproducer)) {
			fprintf(stderr, "pasidsim db: bad --finding '%s'\n", a->finding[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Coverage points, one per line: "<seconds> <execs> <coverage> <corpus>"
 * (what scripts/fuzz.sh extracts from libFuzzer's status lines).
 */
static int add_coverage(struct results_run *run, const char *path)
{
	unsigned long long execs, cov, corpus;
	unsigned int lineno = 0;
	char line[256];
	double t;
	FILE *f;
	int ret = 0;

	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "pasidsim db: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%lf %llu %llu %llu", &t, &execs, &cov, &corpus) != 4 || t < 0) {
			fprintf(stderr, "pasidsim db: %s:%u: expected '<seconds> <execs> "
				"<coverage> <corpus>'\n", path, lineno);
			ret = -1;
		} else if (results_coverage(run, t, execs, cov, corpus)) {
			fprintf(stderr, "pasidsim db: out of memory\n");
			ret = -1;
		}
	}
	fclose(f);
	return ret;
}

static int db_record(struct db_args *a)
{
	struct results_run_info info = {
		.command = a->command, .config = a->config, .flavour = a->flavour,
		.trace_hash = a->trace, .seed = a->seed, .git_dirty = -1,
	};
	struct results_run *run;
	struct results_db *db;
	char err[1024];
	int64_t id;

	if (!a->command || a->nrest)
		return -1;
	run = results_run_new(&info);
	if (!run || add_items(run, a) || (a->coverage && add_coverage(run, a->coverage))) {
		results_run_free(run);
		return PASIDSIM_EXIT_USAGE;
	}
	results_run_set_outcome(run, 0, a->nfinding ? "problem" : "ok");
	db = open_db(a, 0);
	if (!db) {
		results_run_free(run);
		return PASIDSIM_EXIT_USAGE;
	}
	id = results_run_commit(db, run, err, sizeof(err));
	if (id < 0)
		fprintf(stderr, "pasidsim db: %s\n", err);
	else if (a->json)
		printf("{\"run\":%lld,\"uuid\":\"%s\"}\n", (long long)id, results_run_uuid(run));
	else
		printf("%s: recorded run %lld (%s)\n", results_path(db), (long long)id,
		       results_run_uuid(run));
	results_run_free(run);
	results_close(db);
	return id < 0 ? PASIDSIM_EXIT_USAGE : PASIDSIM_EXIT_OK;
}

static int db_check(struct db_args *a)
{
	struct results_db *db = open_db(a, RESULTS_OPEN_READONLY);
	char err[1024];
	int ret;

	if (!db)
		return PASIDSIM_EXIT_USAGE;
	ret = results_check(db, err, sizeof(err));
	if (ret)
		fprintf(stderr, "pasidsim db: %s\n", err);
	else
		printf("%s: ok\n", results_path(db));
	results_close(db);
	return ret ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(struct db_args *a);
	const char *usage;
} db_subcommands[] = {
	{ "init", db_init, DB_INIT_USAGE },
	{ "list", db_list, DB_LIST_USAGE },
	{ "show", db_show, DB_SHOW_USAGE },
	{ "merge", db_merge, DB_MERGE_USAGE },
	{ "export", db_export, DB_EXPORT_USAGE },
	{ "record", db_record, DB_RECORD_USAGE },
	{ "check", db_check, DB_CHECK_USAGE },
};

int cmd_db(int argc, char **argv)
{
	struct db_args a;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(db_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? PASIDSIM_EXIT_USAGE : PASIDSIM_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(db_subcommands) / sizeof(db_subcommands[0]); i++) {
		int ret;

		if (strcmp(argv[1], db_subcommands[i].name))
			continue;
		if (parse_args(argc - 1, argv + 1, &a)) {
			fprintf(stderr, "usage: %s\n", db_subcommands[i].usage);
			return PASIDSIM_EXIT_USAGE;
		}
		if (a.help) {
			printf("usage: %s\n", db_subcommands[i].usage);
			return PASIDSIM_EXIT_OK;
		}
		ret = db_subcommands[i].fn(&a);
		if (ret < 0) {
			fprintf(stderr, "usage: %s\n", db_subcommands[i].usage);
			return PASIDSIM_EXIT_USAGE;
		}
		return ret;
	}
	fprintf(stderr, "pasidsim db: unknown subcommand '%s'\n\n%s", argv[1], db_usage);
	return PASIDSIM_EXIT_USAGE;
}
