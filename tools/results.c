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
#include "results.h"

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

/* Child tables copied by merge: name and columns after run_id. */
static const char *const results_child_tables[][2] = {
	{ "metrics", "name, unit, kind, better, value" },
	{ "samples", "name, seq, value" },
	{ "findings", "seq, kind, message, position, reproducer" },
	{ "histograms", "name, unit, kind, count, sum, min, max" },
	{ "hist_buckets", "name, bucket, count" },
	{ "lockstat", "seq, class, acquisitions, contentions, wait_min_ns, wait_max_ns, "
		      "wait_total_ns, hold_min_ns, hold_max_ns, hold_total_ns" },
	{ "coverage", "seq, t_s, execs, coverage, corpus" },
};

#define RUN_COLUMNS "uuid, command, trace_hash, config, flavour, seed, git_commit, git_dirty, " \
	"build_type, compiler, machine, started_at, ops, digest, status, branch, cost_model, " \
	"duration_ns"

enum results_stmt {
	ST_RUN,
	ST_METRIC,
	ST_SAMPLE,
	ST_FINDING,
	ST_HIST,
	ST_BUCKET,
	ST_LOCKSTAT,
	ST_COVERAGE,
	ST__COUNT
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

struct results_db {
	sqlite3 *h;
	char *path;
	int version_found;
	bool readonly;
	sqlite3_stmt *stmt[ST__COUNT];
};

/* ---- in-memory run ------------------------------------------------------- */

struct run_metric {
	char *name, *unit;
	enum results_kind kind;
	enum results_better better;
	double value;
	double *samples;
	size_t nsamples, cap;
};

struct run_hist {
	char *name, *unit;
	enum results_kind kind;
	struct results_hist *h;
};

struct run_finding {
	char *kind, *message, *reproducer;
	int64_t position;
};

struct run_lock {
	struct results_lockstat st;
	char *name;
};

struct run_cov {
	double t;
	uint64_t execs, coverage, corpus;
};

#define VEC(type) struct { type *v; size_t n, cap; }

struct results_run {
	char uuid[37];
	char *command, *trace_hash, *config, *flavour, *cost_model;
	uint64_t seed;
	char *git_commit, *git_branch, *started_at, *machine;
	int git_dirty;
	uint64_t ops, duration_ns;
	bool has_ops, has_duration;
	char *status;
	struct results_digest digest;
	VEC(struct run_metric) metrics;
	VEC(struct run_hist) hists;
	VEC(struct run_finding) findings;
	VEC(struct run_lock) locks;
	VEC(struct run_cov) cov;
	results_progress_fn progress;
	void *progress_arg;
};

static bool vec_grow(void **v, size_t *cap, size_t n, size_t size)
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

#define VEC_PUSH(vec) \
	(vec_grow((void **)&(vec).v, &(vec).cap, (vec).n, sizeof(*(vec).v)) ? \
	 &(vec).v[(vec).n++] : NULL)

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- where: git, machine, time -------------------------------------------- */

/* First line of @cmd's stdout, or NULL. */
static char *run_line(const char *cmd)
{
	char buf[512];
	FILE *p = popen(cmd, "r");
	char *ret = NULL;

	if (!p)
		return NULL;
	if (fgets(buf, sizeof(buf), p)) {
		buf[strcspn(buf, "\r\n")] = 0;
		if (buf[0])
			ret = strdup(buf);
	}
	if (pclose(p) != 0) {
		free(ret);
		ret = NULL;
	}
	return ret;
}

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

static void detect_where(struct results_run *run, const struct results_run_info *info)
{
	const char *dirty = getenv("PASIDSIM_GIT_DIRTY");
	struct utsname u;

	run->git_commit = info->git_commit ? strdup(info->git_commit) :
			  env_dup("PASIDSIM_GIT_COMMIT");
	if (!run->git_commit)
		run->git_commit = run_line("git rev-parse HEAD 2>/dev/null </dev/null");
	run->git_branch = info->git_branch ? strdup(info->git_branch) :
			  env_dup("PASIDSIM_GIT_BRANCH");
	if (!run->git_branch && run->git_commit && !info->git_commit) {
		run->git_branch = run_line("git symbolic-ref --short -q HEAD 2>/dev/null </dev/null");
		if (!run->git_branch)
			run->git_branch = env_dup("GITHUB_HEAD_REF");
		if (!run->git_branch)
			run->git_branch = env_dup("GITHUB_REF_NAME");
		if (!run->git_branch)
			run->git_branch = env_dup("CI_COMMIT_REF_NAME");
	}
	if (info->git_dirty >= 0 && (info->git_commit || info->git_dirty > 0)) {
		run->git_dirty = info->git_dirty;
	} else if (dirty && *dirty) {
		run->git_dirty = atoi(dirty) != 0;
	} else if (run->git_commit && !info->git_commit) {
		char *line = run_line("git status --porcelain --untracked-files=no 2>/dev/null "
				      "</dev/null");

		run->git_dirty = line != NULL;
		free(line);
	}
	if (info->machine) {
		run->machine = strdup(info->machine);
	} else if (!uname(&u)) {
		size_t len = strlen(u.nodename) + strlen(u.machine) + 2;

		run->machine = malloc(len);
		if (run->machine)
			snprintf(run->machine, len, "%s %s", u.nodename, u.machine);
	}
	if (info->started_at) {
		run->started_at = strdup(info->started_at);
	} else {
		struct timespec ts;
		struct tm tm;
		char buf[40];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ".%06ldZ",
			 ts.tv_nsec / 1000);
		run->started_at = strdup(buf);
	}
}

static void make_uuid(char out[37])
{
	unsigned char b[16];
	size_t got = 0;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* No entropy source: time and pid, still unique enough per run. */
			struct timespec ts;
			uint64_t x;

			clock_gettime(CLOCK_REALTIME, &ts);
			x = ((uint64_t)ts.tv_sec << 32) ^ ts.tv_nsec ^ ((uint64_t)getpid() << 48);
			for (size_t i = 0; i < sizeof(b); i++) {
				x = x * 6364136223846793005ULL + 1442695040888963407ULL;
				b[i] = x >> 56;
			}
			break;
		}
		got += n;
	}
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		 b[12], b[13], b[14], b[15]);
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

static int exec(struct results_db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		seterr(err, errlen, "%s: %s", db->path, msg ? msg : sqlite3_errstr(rc));
	sqlite3_free(msg);
	return rc;
}

static int apply_step(struct results_db *db, const struct results_upgrade *u, char *err,
		      size_t errlen)
{
	char sql[64];

	if (exec(db, u->sql, err, errlen) != SQLITE_OK)
		return -1;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", u->version);
	return exec(db, sql, err, errlen) == SQLITE_OK ? 0 : -1;
}

/* Create a new store, or step an older one up one version per transaction. */
static int migrate(struct results_db *db, char *err, size_t errlen)
{
	long long ver = 0, nobj = 0;
	char sql[64];

	for (const struct results_upgrade *u = results_upgrades; u->sql; u++) {
		if (exec(db, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
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
			if (exec(db, sql, err, errlen) != SQLITE_OK)
				goto fail;
			return exec(db, "COMMIT", err, errlen) == SQLITE_OK ? 0 : -1;
		}
		if (ver < u->version && apply_step(db, u, err, errlen))
			goto fail;
		if (exec(db, "COMMIT", err, errlen) != SQLITE_OK)
			goto fail;
	}
	return 0;
fail_sql:
	seterr(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->h));
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
			seterr(err, errlen, "%s: not a usable results database: the file is %s "
			       "(sqlite: %s)", db->path, base == SQLITE_NOTADB ?
			       "not an SQLite database or its header is damaged" : "corrupt",
			       sqlite3_errmsg(db->h));
		else
			seterr(err, errlen, "%s: cannot read: %s", db->path,
			       sqlite3_errmsg(db->h));
		return -1;
	}
	if (app != RESULTS_APPLICATION_ID && (app || ver || nobj)) {
		seterr(err, errlen, "%s: not a pasidsim results database (an SQLite file with "
		       "application_id 0x%llx, user_version %lld, %lld schema objects); "
		       "refusing to touch it", db->path, (unsigned long long)(uint32_t)app,
		       ver, nobj);
		return -1;
	}
	db->version_found = ver;
	if (ver / 1000 > RESULTS_SCHEMA_MAJOR) {
		seterr(err, errlen, "%s: written by a newer pasidsim (schema %lld.%lld; this build "
		       "knows %d.%d and older): use a newer pasidsim", db->path, ver / 1000,
		       ver % 1000, RESULTS_SCHEMA_MAJOR, RESULTS_SCHEMA_MINOR);
		return -1;
	}
	if (app == RESULTS_APPLICATION_ID && ver < 1000) {
		seterr(err, errlen, "%s: pasidsim database with an invalid schema version %lld",
		       db->path, ver);
		return -1;
	}
	if (db->readonly && ver < RESULTS_SCHEMA_VERSION) {
		if (!ver)
			seterr(err, errlen, "%s: empty, not a results database yet", db->path);
		else
			seterr(err, errlen, "%s: schema %lld.%lld is older than %d.%d; open it "
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
			seterr(err, errlen, "%s: cannot switch to WAL: %s", db->path,
			       sqlite3_errmsg(db->h));
			return -1;
		}
		usleep(10000);
	}
	seterr(err, errlen, "%s: cannot switch to WAL: database busy", db->path);
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
		seterr(err, errlen, "no database path");
		return NULL;
	}
	if ((flags & (RESULTS_OPEN_READONLY | RESULTS_OPEN_NOCREATE)) && stat(path, &sb)) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	/* a directory, FIFO or device is no store (a FIFO would block the open) */
	if (!stat(path, &sb) && !S_ISREG(sb.st_mode)) {
		seterr(err, errlen, "%s: %s, not a results database file", path,
		       S_ISDIR(sb.st_mode) ? "a directory" : "not a regular file");
		return NULL;
	}
	db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path))) {
		free(db);
		seterr(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	db->readonly = flags & RESULTS_OPEN_READONLY;
	oflags = db->readonly ? SQLITE_OPEN_READONLY :
		 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
	if (db->readonly && immutable_ok(path)) {
		/* nobody can write here: no -shm to create, nothing to lock */
		uri = immutable_uri(path);
		if (!uri) {
			seterr(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		oflags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(uri ? uri : path, &db->h, oflags, NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		seterr(err, errlen, "%s: cannot open: %s", path,
		       db->h ? sqlite3_errmsg(db->h) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, RESULTS_BUSY_TIMEOUT_MS);
	if (probe(db, err, errlen))
		goto fail;
	if (exec(db, "PRAGMA foreign_keys = ON", err, errlen) != SQLITE_OK)
		goto fail;
	if (db->readonly)
		return db;
	if (set_wal(db, err, errlen) ||
	    exec(db, "PRAGMA synchronous = NORMAL", err, errlen) != SQLITE_OK ||
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
		seterr(err, errlen, "%s: out of memory", db->path);
		sqlite3_close(mem);
		return -1;
	}
	bk = sqlite3_backup_init(mem, "main", db->h, "main");
	if (!bk || sqlite3_backup_step(bk, -1) != SQLITE_DONE) {
		seterr(err, errlen, "%s: cannot read it whole: %s", db->path,
		       sqlite3_errmsg(bk ? db->h : mem));
		sqlite3_backup_finish(bk);
		sqlite3_close(mem);
		return -1;
	}
	sqlite3_backup_finish(bk);
	if (sqlite3_prepare_v2(mem, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
		seterr(err, errlen, "%s: %s", db->path, sqlite3_errmsg(mem));
		sqlite3_close(mem);
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(st, 0);

		if (r && !strcmp(r, "ok"))
			ret = 0;
		else
			seterr(err, errlen, "%s: integrity check: %s", db->path, r ? r : "?");
	} else {
		seterr(err, errlen, "%s: integrity check: %s", db->path, sqlite3_errmsg(mem));
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

/* ---- building a run --------------------------------------------------------- */

struct results_run *results_run_new(const struct results_run_info *info)
{
	struct results_run *run = calloc(1, sizeof(*run));

	if (!run)
		return NULL;
	make_uuid(run->uuid);
	run->command = strdup(info->command ? info->command : "unknown");
	run->trace_hash = xstrdup(info->trace_hash);
	run->config = xstrdup(info->config);
	run->flavour = xstrdup(info->flavour);
	run->cost_model = xstrdup(info->cost_model);
	run->seed = info->seed;
	detect_where(run, info);
	results_digest_init(&run->digest);
	return run;
}

void results_run_free(struct results_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->metrics.n; i++) {
		free(run->metrics.v[i].name);
		free(run->metrics.v[i].unit);
		free(run->metrics.v[i].samples);
	}
	for (size_t i = 0; i < run->hists.n; i++) {
		free(run->hists.v[i].name);
		free(run->hists.v[i].unit);
		free(run->hists.v[i].h);
	}
	for (size_t i = 0; i < run->findings.n; i++) {
		free(run->findings.v[i].kind);
		free(run->findings.v[i].message);
		free(run->findings.v[i].reproducer);
	}
	for (size_t i = 0; i < run->locks.n; i++)
		free(run->locks.v[i].name);
	free(run->metrics.v);
	free(run->hists.v);
	free(run->findings.v);
	free(run->locks.v);
	free(run->cov.v);
	free(run->command);
	free(run->trace_hash);
	free(run->config);
	free(run->flavour);
	free(run->cost_model);
	free(run->git_commit);
	free(run->git_branch);
	free(run->started_at);
	free(run->machine);
	free(run->status);
	free(run);
}

const char *results_run_uuid(const struct results_run *run)
{
	return run->uuid;
}

struct results_digest *results_run_digest(struct results_run *run)
{
	return &run->digest;
}

void results_run_set_outcome(struct results_run *run, uint64_t ops, const char *status)
{
	run->ops = ops;
	run->has_ops = true;
	free(run->status);
	run->status = xstrdup(status);
}

void results_run_set_duration(struct results_run *run, uint64_t ns)
{
	run->duration_ns = ns;
	run->has_duration = true;
}

void results_run_set_progress(struct results_run *run, results_progress_fn fn, void *arg)
{
	run->progress = fn;
	run->progress_arg = arg;
}

static struct run_metric *get_metric(struct results_run *run, const char *name, const char *unit,
				     enum results_kind kind, enum results_better better)
{
	struct run_metric *m;

	for (size_t i = 0; i < run->metrics.n; i++)
		if (!strcmp(run->metrics.v[i].name, name))
			return run->metrics.v[i].kind == kind ? &run->metrics.v[i] : NULL;
	m = VEC_PUSH(run->metrics);
	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->name = strdup(name);
	m->unit = strdup(unit ? unit : "");
	m->kind = kind;
	m->better = better;
	if (!m->name || !m->unit) {
		free(m->name);
		free(m->unit);
		run->metrics.n--;
		return NULL;
	}
	return m;
}

int results_metric(struct results_run *run, const char *name, const char *unit,
		   enum results_better better, double value)
{
	struct run_metric *m = get_metric(run, name, unit, RESULTS_VIRTUAL, better);

	if (!m || !isfinite(value))
		return -EINVAL;
	m->value = value;
	return 0;
}

int results_sample(struct results_run *run, const char *name, const char *unit,
		   enum results_better better, double value)
{
	struct run_metric *m = get_metric(run, name, unit, RESULTS_WALL, better);

	if (!m || !isfinite(value))
		return -EINVAL;
	if (!vec_grow((void **)&m->samples, &m->cap, m->nsamples, sizeof(double)))
		return -ENOMEM;
	m->samples[m->nsamples++] = value;
	return 0;
}

struct results_hist *results_run_hist(struct results_run *run, const char *name,
				      const char *unit, enum results_kind kind)
{
	struct run_hist *rh;

	for (size_t i = 0; i < run->hists.n; i++)
		if (!strcmp(run->hists.v[i].name, name))
			return run->hists.v[i].h;
	rh = VEC_PUSH(run->hists);
	if (!rh)
		return NULL;
	rh->name = strdup(name);
	rh->unit = strdup(unit ? unit : "");
	rh->kind = kind;
	rh->h = calloc(1, sizeof(*rh->h));
	if (!rh->name || !rh->unit || !rh->h) {
		free(rh->name);
		free(rh->unit);
		free(rh->h);
		run->hists.n--;
		return NULL;
	}
	return rh->h;
}

int results_finding(struct results_run *run, const char *kind, const char *message,
		    int64_t position, const char *reproducer)
{
	struct run_finding *f = VEC_PUSH(run->findings);

	if (!f)
		return -ENOMEM;
	f->kind = strdup(kind ? kind : "finding");
	f->message = strdup(message ? message : "");
	f->reproducer = xstrdup(reproducer);
	f->position = position;
	return 0;
}

int results_lockstat_add(struct results_run *run, const struct results_lockstat *st)
{
	struct run_lock *l = VEC_PUSH(run->locks);

	if (!l)
		return -ENOMEM;
	l->st = *st;
	l->name = strdup(st->name ? st->name : "?");
	l->st.name = l->name;
	return 0;
}

int results_coverage(struct results_run *run, double t_s, uint64_t execs, uint64_t coverage,
		     uint64_t corpus)
{
	struct run_cov *c = VEC_PUSH(run->cov);

	if (!c)
		return -ENOMEM;
	*c = (struct run_cov){ t_s, execs, coverage, corpus };
	return 0;
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
		seterr(err, errlen, "%s: opened read-only", db->path);
		return -1;
	}
	if (exec(db, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
		return -1;
	if (write_run_row(&w) || write_metrics(&w) || write_hists(&w) ||
	    write_findings(&w) || write_locks_cov(&w)) {
		seterr(err, errlen, "%s: recording run %s: %s", db->path, run->uuid,
		       sqlite3_errmsg(db->h));
		goto fail;
	}
	if (exec(db, "COMMIT", err, errlen) != SQLITE_OK)
		goto fail;
	return w.id;
fail:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* ---- merging ------------------------------------------------------------- */

static int merge_one(struct results_db *db, int64_t old, char *err, size_t errlen)
{
	char sql[512];
	sqlite3_stmt *st;
	int64_t id;
	int rc;

	rc = sqlite3_prepare_v2(db->h, "INSERT INTO main.runs(" RUN_COLUMNS ") SELECT "
				RUN_COLUMNS " FROM other.runs WHERE id = ?1", -1, &st, NULL);
	if (rc)
		goto fail;
	sqlite3_bind_int64(st, 1, old);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto fail;
	id = sqlite3_last_insert_rowid(db->h);
	for (size_t i = 0; i < sizeof(results_child_tables) / sizeof(results_child_tables[0]);
	     i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO main.%s(run_id, %s) SELECT ?1, %s "
			 "FROM other.%s WHERE run_id = ?2", results_child_tables[i][0],
			 results_child_tables[i][1], results_child_tables[i][1],
			 results_child_tables[i][0]);
		rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
		if (rc)
			goto fail;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int64(st, 2, old);
		rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			goto fail;
	}
	return 0;
fail:
	seterr(err, errlen, "%s: merge: %s", db->path, sqlite3_errmsg(db->h));
	return -1;
}

int results_merge(struct results_db *db, const char *other, struct results_merge_stats *ms,
		  char *err, size_t errlen)
{
	struct results_db *o = results_open(other, RESULTS_OPEN_READONLY, err, errlen);
	sqlite3_stmt *st = NULL;
	int ret = -1, rc;

	struct stat sa, sb;

	memset(ms, 0, sizeof(*ms));
	if (!o)
		return -1;
	results_close(o);
	if (!stat(db->path, &sa) && !stat(other, &sb) && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino) {
		seterr(err, errlen, "%s: is the store itself (%s); nothing to merge", other,
		       db->path);
		return -1;
	}
	if (sqlite3_prepare_v2(db->h, "ATTACH DATABASE ?1 AS other", -1, &st, NULL) ||
	    (sqlite3_bind_text(st, 1, other, -1, SQLITE_STATIC),
	     sqlite3_step(st) != SQLITE_DONE)) {
		seterr(err, errlen, "%s: cannot attach: %s", other, sqlite3_errmsg(db->h));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(db, "BEGIN IMMEDIATE", err, errlen) != SQLITE_OK)
		goto detach;
	rc = sqlite3_prepare_v2(db->h, "SELECT o.id, EXISTS (SELECT 1 FROM main.runs m "
				"WHERE m.uuid = o.uuid) FROM other.runs o "
				"ORDER BY o.started_at, o.id", -1, &st, NULL);
	if (rc) {
		seterr(err, errlen, "%s: %s", other, sqlite3_errmsg(db->h));
		goto rollback;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 1)) {
			ms->skipped++;
			continue;
		}
		if (merge_one(db, sqlite3_column_int64(st, 0), err, errlen))
			goto rollback;
		ms->added++;
	}
	if (rc != SQLITE_DONE) {
		seterr(err, errlen, "%s: %s", other, sqlite3_errmsg(db->h));
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(db, "COMMIT", err, errlen) == SQLITE_OK)
		ret = 0;
	else
rollback:
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(st);
detach:
	sqlite3_exec(db->h, "DETACH DATABASE other", NULL, NULL, NULL);
	if (ret)
		memset(ms, 0, sizeof(*ms));
	return ret;
}

/* ---- resolving run specs ------------------------------------------------- */

#define SCENARIO_FILTER \
	" AND (?2 <= 0 OR (r.id != ?2 AND EXISTS (SELECT 1 FROM runs l WHERE l.id = ?2" \
	" AND l.command IS r.command AND l.trace_hash IS r.trace_hash" \
	" AND l.config IS r.config AND l.flavour IS r.flavour AND l.seed IS r.seed)))" \
	" ORDER BY r.started_at DESC, r.id DESC LIMIT 1"

static int64_t lookup(struct results_db *db, const char *sql, const char *arg, int64_t like)
{
	sqlite3_stmt *st;
	int64_t id = 0;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, like);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static bool is_hex(const char *s, size_t min)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return n >= min && !s[n];
}

/* "git rev-parse" of @spec, or NULL; @spec is passed as one argument. */
static char *git_rev_parse(const char *spec)
{
	char *q, *cmd, *out, *p;
	size_t len = strlen(spec);

	q = malloc(len * 4 + 3);
	if (!q)
		return NULL;
	p = q;
	*p++ = '\'';
	for (const char *s = spec; *s; s++) {
		if (*s == '\'') {
			memcpy(p, "'\\''", 4);
			p += 4;
		} else {
			*p++ = *s;
		}
	}
	*p++ = '\'';
	*p = 0;
	if (asprintf(&cmd, "git rev-parse --verify --quiet --end-of-options %s^{commit} "
		     "2>/dev/null </dev/null", q) < 0) {
		free(q);
		return NULL;
	}
	free(q);
	out = run_line(cmd);
	free(cmd);
	return out;
}

int64_t results_resolve(struct results_db *db, const char *spec, int64_t like, char *err,
			size_t errlen)
{
	const char *what = like > 0 ? " of the same scenario" : "";
	char *full;
	int64_t id;

	if (!spec || !*spec) {
		seterr(err, errlen, "empty run specification");
		return -1;
	}
	if (!strncmp(spec, "branch:", 7)) {
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.branch = ?1" SCENARIO_FILTER,
			    spec + 7, like);
		if (id <= 0)
			seterr(err, errlen, "%s: no run%s on branch '%s'", db->path, what,
			       spec + 7);
		return id > 0 ? id : -1;
	}
	if (!strcmp(spec, "latest")) {
		id = lookup(db, "SELECT r.id FROM runs r WHERE (?1 IS NULL OR 1)" SCENARIO_FILTER,
			    NULL, like);
		if (id <= 0)
			seterr(err, errlen, "%s: no run%s", db->path, what);
		return id > 0 ? id : -1;
	}
	if (strspn(spec, "0123456789") == strlen(spec)) {
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.id = CAST(?1 AS INTEGER)", spec, 0);
		if (id > 0)
			return id;
	}
	if (strlen(spec) >= 8 && strspn(spec, "0123456789abcdef-") == strlen(spec)) {
		char *pat;

		if (asprintf(&pat, "%s%%", spec) < 0)
			return -1;
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.uuid LIKE ?1 "
			    "ORDER BY r.started_at DESC, r.id DESC LIMIT 1", pat, 0);
		free(pat);
		if (id > 0)
			return id;
	}
	if (is_hex(spec, 4)) {
		char *pat;

		if (asprintf(&pat, "%s%%", spec) < 0)
			return -1;
		id = lookup(db, "SELECT r.id FROM runs r WHERE r.git_commit LIKE ?1"
			    SCENARIO_FILTER, pat, like);
		free(pat);
		if (id > 0)
			return id;
	}
	full = git_rev_parse(spec);
	if (!full) {
		seterr(err, errlen, "'%s' is neither a run id, a run UUID, a commit with runs "
		       "in %s, nor a git revision", spec, db->path);
		return -1;
	}
	id = lookup(db, "SELECT r.id FROM runs r WHERE r.git_commit = ?1" SCENARIO_FILTER,
		    full, like);
	if (id <= 0)
		seterr(err, errlen, "%s: no run%s at commit %.12s ('%s')", db->path, what, full,
		       spec);
	free(full);
	return id > 0 ? id : -1;
}

/* ---- statistics ------------------------------------------------------------- */

struct ranked {
	double v;
	int from_x;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;

	return x < y ? -1 : x > y;
}

/* P(U <= u) under H0 for sample sizes m, n without ties (exact). */
static double mwu_exact_cdf(size_t m, size_t n, double u)
{
	size_t kmax = m * n;
	double *prev, *cur, *tmp, total, below = 0;

	/* f[j][k]: arrangements of i x's and j y's with U = k, row i kept. */
	prev = calloc((n + 1) * (kmax + 1), sizeof(double));
	cur = calloc((n + 1) * (kmax + 1), sizeof(double));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return NAN;
	}
	for (size_t j = 0; j <= n; j++)
		prev[j * (kmax + 1)] = 1;	/* i = 0: U = 0 */
	for (size_t i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * (kmax + 1) * sizeof(double));
		cur[0] = 1;			/* j = 0 */
		for (size_t j = 1; j <= n; j++)
			for (size_t k = 0; k <= i * j; k++) {
				/* the largest value is an x (beats all j y's) or a y */
				double a = k >= j ? prev[j * (kmax + 1) + k - j] : 0;

				cur[j * (kmax + 1) + k] = a + cur[(j - 1) * (kmax + 1) + k];
			}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	total = 0;
	for (size_t k = 0; k <= kmax; k++) {
		total += prev[n * (kmax + 1) + k];
		if ((double)k <= u + 1e-9)
			below += prev[n * (kmax + 1) + k];
	}
	free(prev);
	free(cur);
	return below / total;
}

double results_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, double *u)
{
	size_t n = nx + ny, i = 0;
	struct ranked *r;
	double r1 = 0, ties = 0, u1, umin, p;
	bool tied = false;

	if (u)
		*u = 0;
	if (!nx || !ny)
		return 1;
	r = malloc(n * sizeof(*r));
	if (!r)
		return NAN;
	for (size_t k = 0; k < nx; k++)
		r[k] = (struct ranked){ x[k], 1 };
	for (size_t k = 0; k < ny; k++)
		r[nx + k] = (struct ranked){ y[k], 0 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	while (i < n) {
		size_t j = i;
		double rank;

		while (j + 1 < n && r[j + 1].v == r[i].v)
			j++;
		rank = (i + j) / 2.0 + 1;	/* average of ranks i+1 .. j+1 */
		for (size_t k = i; k <= j; k++)
			if (r[k].from_x)
				r1 += rank;
		if (j > i) {
			double t = j - i + 1;

			tied = true;
			ties += t * t * t - t;
		}
		i = j + 1;
	}
	free(r);
	u1 = r1 - nx * (nx + 1) / 2.0;
	if (u)
		*u = u1;
	umin = fmin(u1, (double)nx * ny - u1);
	if (!tied && nx <= 25 && ny <= 25) {
		p = 2 * mwu_exact_cdf(nx, ny, umin);
	} else {
		double mu = nx * (double)ny / 2;
		double var = nx * (double)ny / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
		double z;

		if (var <= 0)
			return 1;
		z = (fabs(u1 - mu) - 0.5) / sqrt(var);
		if (z < 0)
			z = 0;
		p = erfc(z / M_SQRT2);
	}
	return p > 1 ? 1 : p;
}

/* ---- comparing ------------------------------------------------------------ */

const char *results_kind_name(enum results_kind k)
{
	return k == RESULTS_WALL ? "wall" : "virtual";
}

const char *results_better_name(enum results_better b)
{
	return b == RESULTS_HIGHER ? "higher" : b == RESULTS_EQUAL ? "equal" : "lower";
}

const char *results_verdict_name(enum results_verdict v)
{
	static const char *const names[] = {
		[RESULTS_SAME] = "same", [RESULTS_IMPROVED] = "improved",
		[RESULTS_REGRESSED] = "REGRESSED", [RESULTS_NOISE] = "noise",
		[RESULTS_TOO_FEW] = "too-few-samples", [RESULTS_MISSING] = "missing",
		[RESULTS_NEW] = "new",
	};

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

struct side_metric {
	char name[96], unit[24];
	enum results_kind kind;
	enum results_better better;
	double value;
	double *s;
	size_t ns;
};

static void free_side(struct side_metric *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].s);
	free(m);
}

static int load_side(struct results_db *db, int64_t run, struct side_metric **out, size_t *nout)
{
	sqlite3_stmt *st, *ss;
	struct side_metric *m = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT name, unit, kind, better, value FROM metrics "
			       "WHERE run_id = ?1 ORDER BY name", -1, &st, NULL))
		return -1;
	if (sqlite3_prepare_v2(db->h, "SELECT value FROM samples WHERE run_id = ?1 AND name = ?2",
			       -1, &ss, NULL)) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct side_metric *e;
		size_t scap = 0;

		if (!vec_grow((void **)&m, &cap, n, sizeof(*m)))
			break;
		e = &m[n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", sqlite3_column_text(st, 0));
		snprintf(e->unit, sizeof(e->unit), "%s", sqlite3_column_text(st, 1));
		e->kind = !strcmp((const char *)sqlite3_column_text(st, 2), "wall");
		e->better = !strcmp((const char *)sqlite3_column_text(st, 3), "higher") ?
			    RESULTS_HIGHER : !strcmp((const char *)sqlite3_column_text(st, 3),
						     "equal") ? RESULTS_EQUAL : RESULTS_LOWER;
		e->value = sqlite3_column_double(st, 4);
		sqlite3_reset(ss);
		sqlite3_bind_int64(ss, 1, run);
		sqlite3_bind_text(ss, 2, e->name, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(ss) == SQLITE_ROW) {
			if (!vec_grow((void **)&e->s, &scap, e->ns, sizeof(double)))
				break;
			e->s[e->ns++] = sqlite3_column_double(ss, 0);
		}
	}
	sqlite3_finalize(ss);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free_side(m, n);
		return -1;
	}
	*out = m;
	*nout = n;
	return 0;
}

static void judge(struct results_cmp_row *row, const struct side_metric *b,
		  const struct side_metric *c, const struct results_cmp_opts *o)
{
	bool worse, large;

	row->base = b->value;
	row->cand = c->value;
	row->nbase = b->ns;
	row->ncand = c->ns;
	row->p = 1;
	row->effect = b->value ? (c->value - b->value) / fabs(b->value) : 0;
	worse = row->better == RESULTS_EQUAL ? c->value != b->value :
		row->better == RESULTS_LOWER ? c->value > b->value : c->value < b->value;
	if (row->kind == RESULTS_VIRTUAL || b->kind != c->kind) {
		row->verdict = c->value == b->value ? RESULTS_SAME :
			       worse ? RESULTS_REGRESSED : RESULTS_IMPROVED;
		return;
	}
	if (b->ns < 2 || c->ns < 2) {
		row->verdict = RESULTS_TOO_FEW;
		return;
	}
	row->p = results_mann_whitney(b->s, b->ns, c->s, c->ns, NULL);
	large = b->value ? fabs(row->effect) >= o->min_effect : c->value != 0;
	if (row->p < o->alpha && large)
		row->verdict = worse ? RESULTS_REGRESSED : RESULTS_IMPROVED;
	else
		row->verdict = c->value == b->value ? RESULTS_SAME : RESULTS_NOISE;
}

static int load_run_head(struct results_db *db, int64_t id, char *digest, unsigned int *nf,
			 char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT digest, (SELECT count(*) FROM findings f WHERE "
			       "f.run_id = r.id) FROM runs r WHERE id = ?1", -1, &st, NULL)) {
		seterr(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->h));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);

		snprintf(digest, 24, "%s", d ? d : "");
		*nf = sqlite3_column_int(st, 1);
	} else {
		seterr(err, errlen, "%s: no run %lld", db->path, (long long)id);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static bool same_scenario(struct results_db *db, int64_t a, int64_t b)
{
	sqlite3_stmt *st;
	bool same = false;

	if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM runs x, runs y WHERE x.id = ?1 AND y.id = ?2"
			       " AND x.command IS y.command AND x.trace_hash IS y.trace_hash"
			       " AND x.config IS y.config AND x.flavour IS y.flavour"
			       " AND x.seed IS y.seed", -1, &st, NULL))
		return false;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	same = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return same;
}

static void cmp_row_init(struct results_cmp_row *row, const struct side_metric *m)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", m->name);
	snprintf(row->unit, sizeof(row->unit), "%s", m->unit);
	row->kind = m->kind;
	row->better = m->better;
	row->p = 1;
	row->nbase = row->ncand = 0;
}

int results_compare(struct results_db *db, int64_t base, int64_t cand,
		    const struct results_cmp_opts *opts, struct results_cmp *out,
		    char *err, size_t errlen)
{
	struct results_cmp_opts o = { 0.05, 0.05 };
	struct side_metric *bm = NULL, *cm = NULL;
	size_t nb = 0, nc = 0, i = 0, j = 0;

	if (opts)
		o = *opts;
	memset(out, 0, sizeof(*out));
	out->base = base;
	out->cand = cand;
	if (load_run_head(db, base, out->base_digest, &out->base_findings, err, errlen) ||
	    load_run_head(db, cand, out->cand_digest, &out->cand_findings, err, errlen))
		return -1;
	out->same_scenario = same_scenario(db, base, cand);
	out->digest_compared = out->same_scenario && out->base_digest[0] && out->cand_digest[0];
	out->digest_equal = !strcmp(out->base_digest, out->cand_digest);
	if (load_side(db, base, &bm, &nb) || load_side(db, cand, &cm, &nc)) {
		seterr(err, errlen, "%s: reading metrics: %s", db->path, sqlite3_errmsg(db->h));
		free_side(bm, nb);
		return -1;
	}
	out->rows = calloc(nb + nc + 1, sizeof(*out->rows));
	if (!out->rows) {
		free_side(bm, nb);
		free_side(cm, nc);
		seterr(err, errlen, "out of memory");
		return -1;
	}
	while (i < nb || j < nc) {
		int c = i >= nb ? 1 : j >= nc ? -1 : strcmp(bm[i].name, cm[j].name);
		struct results_cmp_row *row = &out->rows[out->nrows++];

		if (c < 0) {
			cmp_row_init(row, &bm[i]);
			row->base = bm[i].value;
			row->nbase = bm[i++].ns;
			row->verdict = RESULTS_MISSING;
		} else if (c > 0) {
			cmp_row_init(row, &cm[j]);
			row->cand = cm[j].value;
			row->ncand = cm[j++].ns;
			row->verdict = RESULTS_NEW;
		} else {
			cmp_row_init(row, &cm[j]);
			judge(row, &bm[i++], &cm[j++], &o);
		}
		out->regressions += row->verdict == RESULTS_REGRESSED;
		out->missing += row->verdict == RESULTS_MISSING;
	}
	/* a candidate that no longer measures what the baseline did cannot pass the gate */
	out->regressions += out->missing;
	free_side(bm, nb);
	free_side(cm, nc);
	if (out->digest_compared && !out->digest_equal)
		out->regressions++;
	if (out->cand_findings > out->base_findings)
		out->regressions++;
	return 0;
}

void results_cmp_free(struct results_cmp *cmp)
{
	free(cmp->rows);
	cmp->rows = NULL;
	cmp->nrows = 0;
}

/* ---- output helpers --------------------------------------------------------- */

void results_json_str(FILE *out, const char *s)
{
	if (!s)
		fputs("null", out);
	else
		json_write_string(out, s, strlen(s));	/* valid UTF-8, safe inside <script> */
}
