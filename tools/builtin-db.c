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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "builtin.h"
#include "builtin-db.h"
#include "json.h"
#include "opt.h"
#include "results.h"

/* Repeated options: each use appends to the list at o->value (count at o->data). */
static int append_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	const char **list = o->value;
	unsigned int *n = o->data;

	if (*n == MAX_ITEMS) {
		snprintf(err, len, "expected at most %d of them", MAX_ITEMS);
		return -1;
	}
	list[(*n)++] = arg;
	return 0;
}

static int seed_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	struct db_args *a = o->value;

	if (opt_parse_u64(arg, 0, UINT64_MAX, &a->seed)) {
		snprintf(err, len, "expected an unsigned 64-bit integer (decimal or 0x hex)");
		return -1;
	}
	a->has_seed = true;
	return 0;
}

static int config_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	if (!json_valid(arg, strlen(arg))) {
		snprintf(err, len, "expected one JSON value (valid UTF-8), e.g. '{\"vms\":4}'");
		return -1;
	}
	*(const char **)o->value = arg;
	return 0;
}

enum { S_INIT = 1, S_LIST = 2, S_SHOW = 4, S_MERGE = 8, S_EXPORT = 16, S_RECORD = 32,
       S_CHECK = 64, S_ALL = 127 };

/* Every option of every subcommand, with the subcommands that take it. */
static int db_opts(struct db_args *a, unsigned int sub, struct opt *out)
{
	const struct {
		unsigned int subs;
		struct opt o;
	} all[] = {
		{ S_ALL, OPT_DB(&a->db) },
		{ S_ALL, OPT_JSON(&a->json) },
		{ S_EXPORT, OPT_BOOLEAN(0, "csv", &a->csv, "export metrics as CSV") },
		{ S_EXPORT, OPT_OUTPUT(&a->out, "write to FILE ('-': standard output, the "
				       "default), through a temporary file") },
		{ S_EXPORT, { .type = OPT_STRING, .long_name = "out", .value = &a->out,
			      .argh = "FILE", .flags = OPT_HIDDEN } },
		{ S_LIST | S_RECORD, OPT_STR(0, "command", &a->command, "NAME",
					     "the command (list: only runs of NAME)") },
		{ S_LIST, OPT_STR(0, "branch", &a->branch, "NAME", "only runs on branch NAME") },
		{ S_LIST, OPT_STR(0, "commit", &a->commit, "REV",
				  "only runs at commits starting REV") },
		{ S_LIST, OPT_UNSIGNED64(0, "limit", &a->limit, 0, INT64_MAX, "N",
					 "at most N runs, 0: all (default 50)") },
		{ S_RECORD, OPT_CB(0, "config", &a->config, config_cb, "JSON",
				   "configuration of the run, JSON text") },
		{ S_RECORD, OPT_STR(0, "flavour", &a->flavour, "NAME", "allocator flavour") },
		{ S_RECORD, OPT_CB(0, "seed", a, seed_cb, "N", "seed") },
		{ S_RECORD, OPT_STR(0, "trace-hash", &a->trace, "HASH", "digest of the input") },
		{ S_RECORD, { .type = OPT_CALLBACK, .long_name = "metric", .value = a->metric,
			      .data = &a->nmetric, .cb = append_cb, .argh = "NAME:UNIT:V[:BETTER]",
			      .help = "a virtual-time metric (repeatable; BETTER lower, higher "
				      "or equal)" } },
		{ S_RECORD, { .type = OPT_CALLBACK, .long_name = "sample", .value = a->sample,
			      .data = &a->nsample, .cb = append_cb,
			      .argh = "NAME:UNIT:V,V...[:BETTER]",
			      .help = "wall-clock samples of a metric (repeatable)" } },
		{ S_RECORD, { .type = OPT_CALLBACK, .long_name = "finding", .value = a->finding,
			      .data = &a->nfinding, .cb = append_cb, .argh = "KIND:MESSAGE",
			      .help = "a finding (repeatable)" } },
		{ S_RECORD, OPT_STR(0, "reproducer", &a->reproducer, "PATH",
				    "reproducer of the findings") },
		{ S_RECORD, OPT_STR(0, "coverage-file", &a->coverage, "FILE",
				    "fuzz coverage points: '<seconds> <execs> <coverage> "
				    "<corpus>' lines") },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i].subs & sub)
			out[n++] = all[i].o;
	out[n] = (struct opt)OPT_END();
	return n;
}

struct results_db *db_open(const struct db_args *a, unsigned int flags)
{
	char err[1024];
	struct results_db *db = results_open(results_db_path(a->db), flags, err, sizeof(err));

	if (!db)
		fprintf(stderr, "pasidsim db: %s\n", err);
	return db;
}

const char *db_col(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? s : "";
}

#define col db_col

static int db_init(struct db_args *a)
{
	struct results_db *db = db_open(a, 0);
	int found;

	if (!db)
		return PASIDSIM_EXIT_USAGE;
	found = results_version_found(db);
	if (a->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "db", results_path(db));
		json_str(&j, "action", !found ? "created" : found < RESULTS_SCHEMA_VERSION ?
			 "migrated" : "up to date");
		json_i64(&j, "schema_found", found);
		json_i64(&j, "schema", RESULTS_SCHEMA_VERSION);
		json_obj_end(&j);
	} else if (!found)
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
	struct results_db *db = db_open(a, RESULTS_OPEN_READONLY);
	char *pat = NULL;
	sqlite3_stmt *st;
	struct json j;
	int rc;

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
	json_init(&j, stdout);
	if (a->json)
		json_arr_begin(&j, NULL);
	else
		printf("%6s  %-26s %-13s %-12s %-12s %-10s %8s %-7s %s\n", "id", "started (UTC)",
		       "commit", "branch", "command", "flavour", "seed", "status", "digest");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (a->json) {
			json_obj_begin(&j, NULL);
			for (int i = 0; i < sqlite3_column_count(st); i++)
				db_json_col(&j, sqlite3_column_name(st, i), st, i);
			json_obj_end(&j);
			continue;
		}
		printf("%6lld  %-26s %-.12s%-*s %-12.12s %-12.12s %-10.10s %8llu %-7.7s %s\n",
		       (long long)sqlite3_column_int64(st, 0), col(st, 1), col(st, 2),
		       13 - (int)(strlen(col(st, 2)) < 12 ? strlen(col(st, 2)) : 12),
		       sqlite3_column_int(st, 3) ? "*" : "", col(st, 4), col(st, 5), col(st, 6),
		       (unsigned long long)sqlite3_column_int64(st, 7), col(st, 8), col(st, 9));
	}
	if (a->json)
		json_arr_end(&j);
	sqlite3_finalize(st);
	free(pat);
	if (rc != SQLITE_DONE)
		fprintf(stderr, "pasidsim db: %s\n", sqlite3_errmsg(results_sqlite(db)));
	results_close(db);
	return rc == SQLITE_DONE ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
}

static int db_merge(struct db_args *a)
{
	struct results_merge_stats ms;
	struct results_db *db;
	struct json j;
	char err[1024];
	int ret = PASIDSIM_EXIT_OK;

	db = db_open(a, 0);
	if (!db)
		return PASIDSIM_EXIT_USAGE;
	json_init(&j, stdout);
	if (a->json)
		json_arr_begin(&j, NULL);
	for (int i = 0; i < a->nrest; i++) {
		if (results_merge(db, a->rest[i], &ms, err, sizeof(err))) {
			fprintf(stderr, "pasidsim db: %s\n", err);
			ret = PASIDSIM_EXIT_USAGE;
			continue;
		}
		if (a->json) {
			json_obj_begin(&j, NULL);
			json_str(&j, "file", a->rest[i]);
			json_u64(&j, "added", ms.added);
			json_u64(&j, "skipped", ms.skipped);
			json_obj_end(&j);
		} else {
			printf("%s: %u runs added, %u duplicates skipped\n", a->rest[i], ms.added,
			       ms.skipped);
		}
	}
	if (a->json)
		json_arr_end(&j);
	results_close(db);
	return ret;
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

static void print_recorded(int64_t id, const char *uuid)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_i64(&j, "run", id);
	json_str(&j, "uuid", uuid);
	json_obj_end(&j);
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

	if (!a->command) {
		fprintf(stderr, "pasidsim db record: --command=NAME is required\n");
		return PASIDSIM_EXIT_USAGE;
	}
	run = results_run_new(&info);
	if (!run || add_items(run, a) || (a->coverage && add_coverage(run, a->coverage))) {
		results_run_free(run);
		return PASIDSIM_EXIT_USAGE;
	}
	results_run_set_outcome(run, 0, a->nfinding ? "problem" : "ok");
	db = db_open(a, 0);
	if (!db) {
		results_run_free(run);
		return PASIDSIM_EXIT_USAGE;
	}
	id = results_run_commit(db, run, err, sizeof(err));
	if (id < 0)
		fprintf(stderr, "pasidsim db: %s\n", err);
	else if (a->json)
		print_recorded(id, results_run_uuid(run));
	else
		printf("%s: recorded run %lld (%s)\n", results_path(db), (long long)id,
		       results_run_uuid(run));
	results_run_free(run);
	results_close(db);
	return id < 0 ? PASIDSIM_EXIT_USAGE : PASIDSIM_EXIT_OK;
}

static int db_check(struct db_args *a)
{
	struct results_db *db = db_open(a, RESULTS_OPEN_READONLY);
	char err[1024];
	int ret;

	if (!db)
		return PASIDSIM_EXIT_USAGE;
	ret = results_check(db, err, sizeof(err));
	if (a->json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_str(&j, "db", results_path(db));
		json_bool(&j, "ok", !ret);
		if (ret)
			json_str(&j, "error", err);
		json_obj_end(&j);
	}
	if (ret)
		fprintf(stderr, "pasidsim db: %s\n", err);
	else if (!a->json)
		printf("%s: ok\n", results_path(db));
	results_close(db);
	return ret ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
}

static const struct db_sub {
	const char *name;
	int (*fn)(struct db_args *a);
	unsigned int opts;
	struct opt_cmd cmd;
} db_subs[] = {
	{ "init", db_init, S_INIT, { "db init", "[--db=FILE]",
	  "Creates the store, or migrates an older schema.\n", NULL, 0, 0 } },
	{ "list", db_list, S_LIST, { "db list", "[options]", "Runs, newest first.\n", NULL,
	  0, 0 } },
	{ "show", db_show, S_SHOW, { "db show", "[options] RUN", "One run: what, where, "
	  "outcome, metrics, findings.\n", NULL, 1, 1 } },
	{ "merge", db_merge, S_MERGE, { "db merge", "[options] OTHER.db...", "Adds the runs of "
	  "other stores (CI machines); duplicates are skipped by UUID.\n", NULL, 1, 4096 } },
	{ "export", db_export, S_EXPORT, { "db export", "[options] (--json | --csv) [RUN...]",
	  "Every run (or the runs named) as JSON, or their metrics as CSV.\n", NULL, 0,
	  4096 } },
	{ "record", db_record, S_RECORD, { "db record", "--command=NAME [options]",
	  "Adds a run from the command line (scripts, external benchmarks).\n", NULL, 0,
	  0 } },
	{ "check", db_check, S_CHECK, { "db check", "[--db=FILE]", "PRAGMA integrity_check "
	  "(CHECK constraints included) on a copy of the store; exit 1 if it fails.\n", NULL,
	  0, 0 } },
};

static void db_usage(FILE *f)
{
	fprintf(f, "usage: pasidsim db <subcommand> [options]\n\n");
	for (size_t i = 0; i < sizeof(db_subs) / sizeof(db_subs[0]); i++)
		fprintf(f, "   %-8s %s", db_subs[i].name, db_subs[i].cmd.about);
	fprintf(f, "\nThe store is --db, else $PASIDSIM_DB, else ./" RESULTS_DEFAULT_DB ".\n"
		"RUN is a run id, a UUID (prefix), a git revision (latest run at that\n"
		"commit), branch:NAME (latest run on the branch) or 'latest'.\n"
		"'pasidsim db <subcommand> --help' describes a subcommand.\n");
}

int cmd_db(int argc, char **argv)
{
	struct opt opts[32];
	struct db_args a;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		db_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? PASIDSIM_EXIT_USAGE : PASIDSIM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--list-opts")) {
		for (size_t i = 0; i < sizeof(db_subs) / sizeof(db_subs[0]); i++)
			fprintf(opt_list_file ? opt_list_file : stdout, "%s\n", db_subs[i].name);
		return PASIDSIM_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(db_subs) / sizeof(db_subs[0]); i++) {
		int n;

		if (strcmp(argv[1], db_subs[i].name))
			continue;
		memset(&a, 0, sizeof(a));
		a.limit = 50;
		db_opts(&a, db_subs[i].opts, opts);
		n = opt_parse(&db_subs[i].cmd, opts, argc - 1, argv + 1);
		if (n < 0)
			return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
		a.rest = argv + 2;
		a.nrest = n;
		return db_subs[i].fn(&a);
	}
	fprintf(stderr, "pasidsim db: unknown subcommand '%s'\n\n", argv[1]);
	db_usage(stderr);
	return PASIDSIM_EXIT_USAGE;
}
