// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim results store over SQLite (see results.h and docs/results.md).
 *
 * Habits: the schema is an append-only list of {version, sql} steps, each
 * applied in its own transaction together with the new user_version; a new
 * file gets every step in one transaction. Statements are prepared once per
 * connection from an enum-indexed table. Writers take the lock up front
 * (BEGIN IMMEDIATE) so two processes queue on the busy timeout instead of
 * failing on a lock upgrade.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "json.h"
#include "results-int.h"

#ifndef PASIDSIM_BUILD_TYPE
#define PASIDSIM_BUILD_TYPE ""
#endif
#ifdef __clang__
#define RESULTS_COMPILER "clang " __clang_version__
#else
#define RESULTS_COMPILER "gcc " __VERSION__
#endif

/* ---- schema -------------------------------------------------------------- */

struct results_upgrade {
	int version;
	const char *sql;
};

/* Append only: never edit a released step, add a new one. */
static const struct results_upgrade results_upgrades[] = {
	{ 1000,
	  "CREATE TABLE runs ("
	  " id INTEGER PRIMARY KEY,"
	  " uuid TEXT NOT NULL UNIQUE,"
	  " command TEXT NOT NULL,"
	  " trace_hash TEXT, config TEXT, flavour TEXT, seed INTEGER,"
	  " git_commit TEXT, git_dirty INTEGER NOT NULL DEFAULT 0,"
	  " build_type TEXT, compiler TEXT, machine TEXT,"
	  " started_at TEXT NOT NULL,"
	  " ops INTEGER, digest TEXT, status TEXT);"
	  "CREATE INDEX runs_commit ON runs(git_commit);"
	  "CREATE TABLE metrics ("
	  " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	  " name TEXT NOT NULL, unit TEXT NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('virtual', 'wall')),"
	  " better TEXT NOT NULL CHECK (better IN ('lower', 'higher', 'equal')),"
	  " value REAL NOT NULL,"
	  " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
	  "CREATE TABLE samples ("
	  " run_id INTEGER NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL,"
	  " value REAL NOT NULL,"
	  " PRIMARY KEY (run_id, name, seq),"
	  " FOREIGN KEY (run_id, name) REFERENCES metrics(run_id, name) ON DELETE CASCADE)"
	  " WITHOUT ROWID;"
	  "CREATE TABLE findings ("
	  " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	  " seq INTEGER NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL,"
	  " position INTEGER,"
	  " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;" },
	{ 1001,
	  "ALTER TABLE runs ADD COLUMN branch TEXT;"
	  "ALTER TABLE runs ADD COLUMN cost_model TEXT;"
	  "ALTER TABLE runs ADD COLUMN duration_ns INTEGER;"
	  "CREATE INDEX runs_branch ON runs(branch, started_at);"
	  "ALTER TABLE findings ADD COLUMN reproducer TEXT;"
	  "CREATE TABLE histograms ("
	  " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	  " name TEXT NOT NULL, unit TEXT NOT NULL,"
	  " kind TEXT NOT NULL CHECK (kind IN ('virtual', 'wall')),"
	  " count INTEGER NOT NULL, sum INTEGER NOT NULL, min INTEGER, max INTEGER,"
	  " PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
	  "CREATE TABLE hist_buckets ("
	  " run_id INTEGER NOT NULL, name TEXT NOT NULL, bucket INTEGER NOT NULL,"
	  " count INTEGER NOT NULL,"
	  " PRIMARY KEY (run_id, name, bucket),"
	  " FOREIGN KEY (run_id, name) REFERENCES histograms(run_id, name) ON DELETE CASCADE)"
	  " WITHOUT ROWID;"
	  "CREATE TABLE lockstat ("
	  " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	  " seq INTEGER NOT NULL, class TEXT NOT NULL,"
	  " acquisitions INTEGER NOT NULL, contentions INTEGER NOT NULL,"
	  " wait_min_ns INTEGER, wait_max_ns INTEGER, wait_total_ns INTEGER,"
	  " hold_min_ns INTEGER, hold_max_ns INTEGER, hold_total_ns INTEGER,"
	  " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
	  "CREATE TABLE coverage ("
	  " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	  " seq INTEGER NOT NULL, t_s REAL NOT NULL, execs INTEGER NOT NULL,"
	  " coverage INTEGER NOT NULL, corpus INTEGER NOT NULL,"
	  " PRIMARY KEY (run_id, seq)) WITHOUT ROWID;" },
	{ -1, NULL },
};


static const char *const results_sql[ST__COUNT] = {
	[ST_RUN] = "INSERT INTO runs(" RUN_COLUMNS ") VALUES "
		   "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
	[ST_METRIC] = "INSERT INTO metrics(run_id, name, unit, kind, better, value) "
		      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_SAMPLE] = "INSERT INTO samples(run_id, name, seq, value) VALUES (?1, ?2, ?3, ?4)",
	[ST_FINDING] = "INSERT INTO findings(run_id, seq, kind, message, position, reproducer) "
		       "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_HIST] = "INSERT INTO histograms(run_id, name, unit, kind, count, sum, min, max) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_BUCKET] = "INSERT INTO hist_buckets(run_id, name, bucket, count) "
		      "VALUES (?1, ?2, ?3, ?4)",
	[ST_LOCKSTAT] = "INSERT INTO lockstat(run_id, seq, class, acquisitions, contentions, "
			"wait_min_ns, wait_max_ns, wait_total_ns, hold_min_ns, hold_max_ns, "
			"hold_total_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
	[ST_COVERAGE] = "INSERT INTO coverage(run_id, seq, t_s, execs, coverage, corpus) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};


bool results_vec_grow(void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return false;
	*v = nv;
	*cap = ncap;
	return true;
}


void results_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- opening -------------------------------------------------------------- */

const char *results_db_path(const char *opt)
{
	const char *env = getenv("PASIDSIM_DB");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return RESULTS_DEFAULT_DB;
}

static int query_int(sqlite3 *h, const char *sql, long long *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		*out = 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

int results_exec(struct results_db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		results_seterr(err, errlen, "%s: %s", db->path, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

static int apply_step(struct results_db *db, const struct results_upgrade *u, char *err,
		      size_t errlen)
{
	char sql[64];

	if (results_exec(db, u->sql, err, errlen) != SQLITE_OK)
		return -1;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", u->version);
	return results_exec(db, sql, err, errlen) == SQLITE_OK ? 0 : -1;
}

/* Create a new store, or step an older one up one version per transaction. */
static int migrate(struct results_db *db, char *err, size_t errlen)
{
	long long ver = 0, nobj = 0;
	char sql[64];

	for (const struct results_upgrade *u = results_upgrades; u->sql; u++) {
		if (results_exec(db, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
			return -1;
		if (query_int(db->h, "PRAGMA user_version", &ver) ||
		    query_int(db->h, "SELECT count(*) FROM sqlite_schema", &nobj))
			goto fail_sql;
		if (ver == 0 && nobj == 0) {
			/* A new file: the whole schema in this one transaction. */
			for (; u->sql; u++)
				if (apply_step(db, u, err, errlen))
					goto fail;
			snprintf(sql, sizeof(sql), "PRAGMA application_id = %d",
				 RESULTS_APPLICATION_ID);
			if (results_exec(db, sql, err, errlen) != SQLITE_OK)
				goto fail;
			return results_exec(db, "COMMIT", err, errlen) == SQLITE_OK ? 0 : -1;
		}
		if (ver < u->version && apply_step(db, u, err, errlen))
			goto fail;
		if (results_exec(db, "COMMIT", err, errlen) != SQLITE_OK)
			goto fail;
	}
	return 0;
fail_sql:
	results_seterr(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->h));
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	if (err && errlen && !strstr(err, "migrat")) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "%s (while migrating the schema)", err);
		snprintf(err, errlen, "%s", tmp);
	}
	return -1;
}

/* The three header facts in one statement, so from one snapshot. */
static int probe_read(sqlite3 *h, long long *app, long long *ver, long long *nobj)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(h, "SELECT (SELECT application_id FROM pragma_application_id),"
				    " (SELECT user_version FROM pragma_user_version),"
				    " (SELECT count(*) FROM sqlite_schema)", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*app = sqlite3_column_int64(st, 0);
		*ver = sqlite3_column_int64(st, 1);
		*nobj = sqlite3_column_int64(st, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Is the file pasidsim's, of a schema this build can use? Reads only. */
static int probe(struct results_db *db, char *err, size_t errlen)
{
	long long app = 0, ver = 0, nobj = 0;
	int rc, tries = 0;

	/* Another process may be creating the file or recovering its WAL right now. */
	do {
		if (tries)
			usleep(10000);
		rc = probe_read(db->h, &app, &ver, &nobj);
	} while (((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) &&
		 ++tries < RESULTS_BUSY_TIMEOUT_MS / 10);
	if (rc) {
		int base = rc & 0xff;

		if (base == SQLITE_NOTADB || base == SQLITE_CORRUPT)
			results_seterr(err, errlen, "%s: not a usable results database: the file is %s "
			       "(sqlite: %s)", db->path, base == SQLITE_NOTADB ?
			       "not an SQLite database or its header is damaged" : "corrupt",
			       sqlite3_errmsg(db->h));
		else
			results_seterr(err, errlen, "%s: cannot read: %s", db->path,
			       sqlite3_errmsg(db->h));
		return -1;
	}
	if (app != RESULTS_APPLICATION_ID && (app || ver || nobj)) {
		results_seterr(err, errlen, "%s: not a pasidsim results database (an SQLite file with "
		       "application_id 0x%llx, user_version %lld, %lld schema objects); "
		       "refusing to touch it", db->path, (unsigned long long)(uint32_t)app,
		       ver, nobj);
		return -1;
	}
	db->version_found = ver;
	if (ver / 1000 > RESULTS_SCHEMA_MAJOR) {
		results_seterr(err, errlen, "%s: written by a newer pasidsim (schema %lld.%lld; this build "
		       "knows %d.%d and older): use a newer pasidsim", db->path, ver / 1000,
		       ver % 1000, RESULTS_SCHEMA_MAJOR, RESULTS_SCHEMA_MINOR);
		return -1;
	}
	if (app == RESULTS_APPLICATION_ID && ver < 1000) {
		results_seterr(err, errlen, "%s: pasidsim database with an invalid schema version %lld",
		       db->path, ver);
		return -1;
	}
	if (db->readonly && ver < RESULTS_SCHEMA_VERSION) {
		if (!ver)
			results_seterr(err, errlen, "%s: empty, not a results database yet", db->path);
		else
			results_seterr(err, errlen, "%s: schema %lld.%lld is older than %d.%d; open it "
			       "read-write once to migrate it ('pasidsim db init --db %s')",
			       db->path, ver / 1000, ver % 1000, RESULTS_SCHEMA_MAJOR,
			       RESULTS_SCHEMA_MINOR, db->path);
		return -1;
	}
	return 0;
}

static int set_wal(struct results_db *db, char *err, size_t errlen)
{
	for (int tries = 0; tries < 200; tries++) {
		sqlite3_stmt *st;
		int rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode = WAL", -1, &st, NULL);

		if (rc == SQLITE_OK) {
			rc = sqlite3_step(st);
			sqlite3_finalize(st);
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) {
			results_seterr(err, errlen, "%s: cannot switch to WAL: %s", db->path,
			       sqlite3_errmsg(db->h));
			return -1;
		}
		usleep(10000);
	}
	results_seterr(err, errlen, "%s: cannot switch to WAL: database busy", db->path);
	return -1;
}

/*
 * A store in a directory nobody may write (read-only mount, no write
 * permission) cannot get the -shm file a WAL reader needs: open it
 * immutable (no locks, no -shm) when it has no WAL content to read.
 */
static bool immutable_ok(const char *path)
{
	char *dir = strdup(path), *wal = NULL, *slash;
	struct stat sb;
	bool ok = false;

	if (!dir || asprintf(&wal, "%s-wal", path) < 0) {
		free(dir);
		return false;
	}
	slash = strrchr(dir, '/');
	if (slash)
		slash[slash == dir] = '\0';
	ok = access(slash ? dir : ".", W_OK) && (stat(wal, &sb) || !sb.st_size);
	free(dir);
	free(wal);
	return ok;
}

/* "file:PATH?immutable=1", with ?, # and % in PATH escaped. */
static char *immutable_uri(const char *path)
{
	size_t n = strlen(path);
	char *uri = malloc(3 * n + 32), *o = uri;

	if (!uri)
		return NULL;
	o += sprintf(o, "file:");
	for (const char *c = path; *c; c++) {
		if (*c == '?' || *c == '#' || *c == '%')
			o += sprintf(o, "%%%02x", (unsigned char)*c);
		else
			*o++ = *c;
	}
	strcpy(o, "?immutable=1");
	return uri;
}

struct results_db *results_open(const char *path, unsigned int flags, char *err, size_t errlen)
{
	struct results_db *db;
	struct stat sb;
	char *uri = NULL;
	int oflags, rc;

	if (!path || !*path) {
		results_seterr(err, errlen, "no database path");
		return NULL;
	}
	if ((flags & (RESULTS_OPEN_READONLY | RESULTS_OPEN_NOCREATE)) && stat(path, &sb)) {
		results_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* a directory, FIFO or device is no store (a FIFO would block the open) */
	if (!stat(path, &sb) && !S_ISREG(sb.st_mode)) {
		results_seterr(err, errlen, "%s: %s, not a results database file", path,
		       S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		results_seterr(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	db->readonly = flags & RESULTS_OPEN_READONLY;
	oflags = db->readonly ? SQLITE_OPEN_READONLY :
		 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (db->readonly && immutable_ok(path)) {
		/* nobody can write here: no -shm to create, nothing to lock */
		uri = immutable_uri(path);
		if (!uri) {
			results_seterr(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		oflags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(uri ? uri : path, &db->h, oflags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		results_seterr(err, errlen, "%s: cannot open: %s", path,
		       db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, RESULTS_BUSY_TIMEOUT_MS);
	if (probe(db, err, errlen))
		goto fail;
	if (results_exec(db, "PRAGMA foreign_keys = ON", err, errlen) != SQLITE_OK)
		goto fail;
	if (db->readonly)
		return db;
	if (set_wal(db, err, errlen) ||
	    results_exec(db, "PRAGMA synchronous = NORMAL", err, errlen) != SQLITE_OK ||
	    migrate(db, err, errlen))
		goto fail;
	return db;
fail:
	results_close(db);
	return NULL;
}

void results_close(struct results_db *db)
{
	if (!db)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(db->stmt[i]);
	sqlite3_close_v2(db->h);
	free(db->path);
	free(db);
}

sqlite3 *results_sqlite(struct results_db *db)
{
	return db->h;
}

const char *results_path(const struct results_db *db)
{
	return db->path;
}

int results_version_found(const struct results_db *db)
{
	return db->version_found;
}

/*
 * A read-only connection's integrity_check skips CHECK constraints: check a
 * read-write in-memory copy of the store instead.
 */
int results_check(struct results_db *db, char *err, size_t errlen)
{
	sqlite3_backup *bk;
	sqlite3_stmt *st;
	sqlite3 *mem;
	int ret = -1;

	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		results_seterr(err, errlen, "%s: out of memory", db->path);
		sqlite3_close(mem);
		return -1;
	}
	bk = sqlite3_backup_init(mem, "main", db->h, "main");
	if (!bk || sqlite3_backup_step(bk, -1) != SQLITE_DONE) {
		results_seterr(err, errlen, "%s: cannot read it whole: %s", db->path,
		       sqlite3_errmsg(bk ? db->h : mem));
		sqlite3_backup_finish(bk);
		sqlite3_close(mem);
		return -1;
	}
	sqlite3_backup_finish(bk);
	if (sqlite3_prepare_v2(mem, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		results_seterr(err, errlen, "%s: %s", db->path, sqlite3_errmsg(mem));
		sqlite3_close(mem);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r && !strcmp(r, "ok"))
			ret = 0;
		else
			results_seterr(err, errlen, "%s: integrity check: %s", db->path, r ? r : "?");
	} else {
		results_seterr(err, errlen, "%s: integrity check: %s", db->path, sqlite3_errmsg(mem));
	}
	sqlite3_finalize(st);
	sqlite3_close(mem);
	return ret;
}

static sqlite3_stmt *stmt(struct results_db *db, enum results_stmt id)
{
	if (!db->stmt[id] &&
	    sqlite3_prepare_v3(db->h, results_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
			       &db->stmt[id], NULL) != SQLITE_OK)
		return NULL;
	sqlite3_reset(db->stmt[id]);
	sqlite3_clear_bindings(db->stmt[id]);
	return db->stmt[id];
}

/* ---- committing ----------------------------------------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

struct writer {
	struct results_db *db;
	struct results_run *run;
	int64_t id;
	uint64_t rows;
};

/* Step a bound insert; count rows for the progress callback. */
static int put(struct writer *w, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return -1;
	if (++w->rows % 4096 == 0 && w->run->progress)
		w->run->progress(w->run->progress_arg, w->rows);
	return 0;
}

static int write_run_row(struct writer *w)
{
	struct results_run *r = w->run;
	sqlite3_stmt *st = stmt(w->db, ST_RUN);
	char digest[24], compiler[128];
	size_t len;

	if (!st)
		return -1;
	len = snprintf(compiler, sizeof(compiler), "%s", RESULTS_COMPILER);
	while (len && compiler[len - 1] == ' ')
		compiler[--len] = 0;
	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)r->digest.h);
	bind_text(st, 1, r->uuid);
	bind_text(st, 2, r->command);
	bind_text(st, 3, r->trace_hash);
	bind_text(st, 4, r->config);
	bind_text(st, 5, r->flavour);
	sqlite3_bind_int64(st, 6, (int64_t)r->seed);
	bind_text(st, 7, r->git_commit);
	sqlite3_bind_int(st, 8, r->git_dirty);
	bind_text(st, 9, PASIDSIM_BUILD_TYPE);
	bind_text(st, 10, compiler);
	bind_text(st, 11, r->machine);
	bind_text(st, 12, r->started_at);
	if (r->has_ops)
		sqlite3_bind_int64(st, 13, (int64_t)r->ops);
	bind_text(st, 14, r->digest.n ? digest : NULL);
	bind_text(st, 15, r->status);
	bind_text(st, 16, r->git_branch);
	bind_text(st, 17, r->cost_model);
	if (r->has_duration)
		sqlite3_bind_int64(st, 18, (int64_t)r->duration_ns);
	if (put(w, st))
		return -1;
	w->id = sqlite3_last_insert_rowid(w->db->h);
	return 0;
}

static int write_metrics(struct writer *w)
{
	for (size_t i = 0; i < w->run->metrics.n; i++) {
		struct run_metric *m = &w->run->metrics.v[i];
		sqlite3_stmt *st = stmt(w->db, ST_METRIC);
		double value = m->value;

		if (!st)
			return -1;
		if (m->kind == RESULTS_WALL) {
			double *s = malloc(m->nsamples * sizeof(double) + 1);

			if (!s)
				return -1;
			memcpy(s, m->samples, m->nsamples * sizeof(double));
			for (size_t a = 1; a < m->nsamples; a++)
				for (size_t b = a; b && s[b - 1] > s[b]; b--) {
					double t = s[b];

					s[b] = s[b - 1];
					s[b - 1] = t;
				}
			value = m->nsamples % 2 ? s[m->nsamples / 2] :
				(s[m->nsamples / 2 - 1] + s[m->nsamples / 2]) / 2;
			free(s);
		}
		sqlite3_bind_int64(st, 1, w->id);
		bind_text(st, 2, m->name);
		bind_text(st, 3, m->unit);
		bind_text(st, 4, results_kind_name(m->kind));
		bind_text(st, 5, results_better_name(m->better));
		sqlite3_bind_double(st, 6, value);
		if (put(w, st))
			return -1;
		for (size_t j = 0; j < m->nsamples; j++) {
			st = stmt(w->db, ST_SAMPLE);
			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, w->id);
			bind_text(st, 2, m->name);
			sqlite3_bind_int64(st, 3, j);
			sqlite3_bind_double(st, 4, m->samples[j]);
			if (put(w, st))
				return -1;
		}
	}
	return 0;
}

static int write_hists(struct writer *w)
{
	for (size_t i = 0; i < w->run->hists.n; i++) {
		struct run_hist *rh = &w->run->hists.v[i];
		sqlite3_stmt *st = stmt(w->db, ST_HIST);

		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		bind_text(st, 2, rh->name);
		bind_text(st, 3, rh->unit);
		bind_text(st, 4, results_kind_name(rh->kind));
		sqlite3_bind_int64(st, 5, (int64_t)rh->h->count);
		sqlite3_bind_int64(st, 6, (int64_t)rh->h->sum);
		if (rh->h->count) {
			sqlite3_bind_int64(st, 7, (int64_t)rh->h->min);
			sqlite3_bind_int64(st, 8, (int64_t)rh->h->max);
		}
		if (put(w, st))
			return -1;
		for (int b = 0; b < RESULTS_HIST_BUCKETS; b++) {
			if (!rh->h->bucket[b])
				continue;
			st = stmt(w->db, ST_BUCKET);
			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, w->id);
			bind_text(st, 2, rh->name);
			sqlite3_bind_int(st, 3, b);
			sqlite3_bind_int64(st, 4, (int64_t)rh->h->bucket[b]);
			if (put(w, st))
				return -1;
		}
	}
	return 0;
}

static int write_findings(struct writer *w)
{
	for (size_t i = 0; i < w->run->findings.n; i++) {
		struct run_finding *f = &w->run->findings.v[i];
		sqlite3_stmt *st = stmt(w->db, ST_FINDING);

		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		sqlite3_bind_int64(st, 2, i);
		bind_text(st, 3, f->kind);
		bind_text(st, 4, f->message);
		if (f->position >= 0)
			sqlite3_bind_int64(st, 5, f->position);
		bind_text(st, 6, f->reproducer);
		if (put(w, st))
			return -1;
	}
	return 0;
}

static int write_locks_cov(struct writer *w)
{
	for (size_t i = 0; i < w->run->locks.n; i++) {
		const struct results_lockstat *l = &w->run->locks.v[i].st;
		sqlite3_stmt *st = stmt(w->db, ST_LOCKSTAT);
		const uint64_t v[] = { l->acquisitions, l->contentions, l->wait_min_ns,
				       l->wait_max_ns, l->wait_total_ns, l->hold_min_ns,
				       l->hold_max_ns, l->hold_total_ns };

		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		sqlite3_bind_int64(st, 2, i);
		bind_text(st, 3, l->name);
		for (int j = 0; j < 8; j++)
			sqlite3_bind_int64(st, 4 + j, (int64_t)v[j]);
		if (put(w, st))
			return -1;
	}
	for (size_t i = 0; i < w->run->cov.n; i++) {
		struct run_cov *c = &w->run->cov.v[i];
		sqlite3_stmt *st = stmt(w->db, ST_COVERAGE);

		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, w->id);
		sqlite3_bind_int64(st, 2, i);
		sqlite3_bind_double(st, 3, c->t);
		sqlite3_bind_int64(st, 4, (int64_t)c->execs);
		sqlite3_bind_int64(st, 5, (int64_t)c->coverage);
		sqlite3_bind_int64(st, 6, (int64_t)c->corpus);
		if (put(w, st))
			return -1;
	}
	return 0;
}

int64_t results_run_commit(struct results_db *db, struct results_run *run, char *err,
			   size_t errlen)
{
	struct writer w = { .db = db, .run = run };

	if (db->readonly) {
		results_seterr(err, errlen, "%s: opened read-only", db->path);
		return -1;
	}
	if (results_exec(db, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
		return -1;
	if (write_run_row(&w) || write_metrics(&w) || write_hists(&w) ||
	    write_findings(&w) || write_locks_cov(&w)) {
		results_seterr(err, errlen, "%s: recording run %s: %s", db->path, run->uuid,
		       sqlite3_errmsg(db->h));
		goto fail;
	}
	if (results_exec(db, "COMMIT", err, errlen) != SQLITE_OK)
		goto fail;
	return w.id;
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

