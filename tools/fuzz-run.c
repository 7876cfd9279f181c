// SPDX-License-Identifier: GPL-2.0
/*
 * Running a fuzzing campaign (fuzz-campaign.h): one or more engine
 * processes, each in its own process group, their output read as it comes
 * (libFuzzer) or their statistics files polled (AFL++), a progress line,
 * and the whole output kept in WORK/<harness>.log.
 *
 * Sanitizer settings are those of scripts/fuzz.sh (docs/fuzzing.md):
 * LeakSanitizer off (the kernel harnesses check leaks per input from the
 * slab accounting), a 16 MB ASan quarantine, no malloc fill.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bugbench.h"
#include "fuzz-campaign.h"
#include "outfile.h"
#include "progress.h"

#define MAX_JOBS	16
#define GRACE_S		20	/* past the budget before an engine is killed */

struct job {
	pid_t pid;
	int fd;			/* libFuzzer: its output; -1 when closed */
	char buf[16384];
	size_t n;
	struct fuzz_lf_status last;
	struct fuzz_lf_final fin;
	char name[16];		/* AFL++: main, s1, ... */
	bool done;
};

struct run {
	struct fuzz_campaign *c;
	struct job jobs[MAX_JOBS];
	unsigned int njobs;
	double start;
	FILE *log;
	struct progress prog;
	int msg_rank;		/* what kind of line finding_msg holds */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child_env(const struct fuzz_campaign *c)
{
	setenv("ASAN_OPTIONS", c->engine == FUZZ_AFL ?
	       "detect_leaks=0:abort_on_error=1:quarantine_size_mb=16:max_malloc_fill_size=0:"
	       "symbolize=0" :
	       "detect_leaks=0:abort_on_error=1:quarantine_size_mb=16:max_malloc_fill_size=0", 1);
	setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1", 1);
	if (c->core)
		setenv("PASIDSIM_FUZZ_CORE", c->core, 1);
	if (c->engine != FUZZ_AFL)
		return;
	setenv("AFL_NO_UI", "1", 1);
	setenv("AFL_SKIP_CPUFREQ", "1", 1);
	setenv("AFL_NO_AFFINITY", "1", 1);
	setenv("AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES", "1", 1);
	if (c->stop_on_finding)
		setenv("AFL_BENCH_UNTIL_CRASH", "1", 1);
}

/* Start @argv as job @j, its output into a pipe (@to_pipe) or @logfd. */
static int spawn(struct run *r, struct job *j, char **argv, bool to_pipe, char *err,
		 size_t errlen)
{
	int fds[2] = { -1, -1 };

	if (to_pipe && pipe2(fds, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (!j->pid) {
		int out = to_pipe ? fds[1] : fileno(r->log);

		setpgid(0, 0);
		child_env(r->c);
		dup2(out, STDOUT_FILENO);
		dup2(out, STDERR_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "pasidsim fuzz: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(j->pid, j->pid);
	j->fd = fds[0];
	if (to_pipe)
		close(fds[1]);
	return 0;
}

/* ---- libFuzzer ---------------------------------------------------------------------- */

static void lf_sample(struct run *r)
{
	struct fuzz_sample s = { now_s() - r->start, 0, 0, 0 };
	struct fuzz_campaign *c = r->c;

	for (unsigned int i = 0; i < r->njobs; i++) {
		s.execs += r->jobs[i].last.execs;
		if (r->jobs[i].last.cov > s.cov)
			s.cov = r->jobs[i].last.cov;
		if (r->jobs[i].last.corpus > s.corpus)
			s.corpus = r->jobs[i].last.corpus;
	}
	fuzz_campaign_sample(c, &s);
	progress_update(&r->prog, "fuzz %s (%s): %.0f/%u s, %llu execs, %.0f exec/s, cov %llu, "
			"corpus %llu, %u finding%s", c->harness, fuzz_engine_names[c->engine], s.t,
			c->seconds, (unsigned long long)s.execs, s.t > 0 ? s.execs / s.t : 0,
			(unsigned long long)s.cov, (unsigned long long)s.corpus, c->findings,
			c->findings == 1 ? "" : "s");
}

/* Why a finding happened: the most telling line the engine printed. */
static void lf_message(struct run *r, const char *line)
{
	static const char *const marks[] = { "SUMMARY: ", "ERROR: ", "FUZZ_ASSERT(" };
	int rank = 0;

	for (int i = 0; i < 3; i++)
		if (strstr(line, marks[i]))
			rank = i + 1;
	if (rank > r->msg_rank) {
		const char *p = line + strspn(line, " =0123456789");

		r->msg_rank = rank;
		snprintf(r->c->finding_msg, sizeof(r->c->finding_msg), "%s", p);
	}
}

static void lf_line(struct run *r, struct job *j, const char *line)
{
	struct fuzz_campaign *c = r->c;
	size_t n;
	const char *art;

	fprintf(r->log, "%s\n", line);
	if (fuzz_parse_libfuzzer(line, &j->last)) {
		if (j->last.rss_mb > c->peak_rss_mb)
			c->peak_rss_mb = j->last.rss_mb;
		lf_sample(r);
	} else if (fuzz_parse_libfuzzer_stat(line, &j->fin)) {
		return;
	} else if ((art = fuzz_libfuzzer_artifact(line, &n))) {
		if (!c->findings++) {
			snprintf(c->finding, sizeof(c->finding), "%.*s", (int)n, art);
			c->finding_s = now_s() - r->start;
		}
	} else {
		lf_message(r, line);
	}
}

static void lf_read(struct run *r, struct job *j)
{
	ssize_t k = read(j->fd, j->buf + j->n, sizeof(j->buf) - 1 - j->n);
	char *p, *nl;

	if (k <= 0) {
		if (j->n) {
			j->buf[j->n] = '\0';
			lf_line(r, j, j->buf);
			j->n = 0;
		}
		close(j->fd);
		j->fd = -1;
		return;
	}
	j->n += k;
	j->buf[j->n] = '\0';
	for (p = j->buf; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		lf_line(r, j, p);
	}
	j->n -= p - j->buf;
	memmove(j->buf, p, j->n);
	if (j->n == sizeof(j->buf) - 1) {	/* a line too long for the buffer */
		lf_line(r, j, j->buf);
		j->n = 0;
	}
}

static int lf_start(struct run *r, char *err, size_t errlen)
{
	struct fuzz_campaign *c = r->c;
	char a[8][PATH_MAX + 32];

	for (unsigned int i = 0; i < r->njobs; i++) {
		char *argv[16];
		int n = 0, k = 0;

		argv[n++] = (char *)c->bin;
		snprintf(a[k], sizeof(a[k]), "-max_total_time=%u", c->seconds);
		argv[n++] = a[k++];
		argv[n++] = "-print_final_stats=1";
		argv[n++] = "-detect_leaks=0";
		snprintf(a[k], sizeof(a[k]), "-artifact_prefix=%s/", c->work);
		argv[n++] = a[k++];
		if (c->seed) {
			snprintf(a[k], sizeof(a[k]), "-seed=%llu", (unsigned long long)c->seed + i);
			argv[n++] = a[k++];
		}
		if (c->dict && *c->dict) {
			snprintf(a[k], sizeof(a[k]), "-dict=%s", c->dict);
			argv[n++] = a[k++];
		}
		if (c->max_len) {
			snprintf(a[k], sizeof(a[k]), "-max_len=%u", c->max_len);
			argv[n++] = a[k++];
		}
		argv[n++] = (char *)c->corpus;
		if (c->seeds && *c->seeds)
			argv[n++] = (char *)c->seeds;
		argv[n] = NULL;
		if (spawn(r, &r->jobs[i], argv, true, err, errlen))
			return -1;
	}
	return 0;
}

/* ---- AFL++ ---------------------------------------------------------------------------- */

static int afl_start(struct run *r, char *err, size_t errlen)
{
	struct fuzz_campaign *c = r->c;
	char secs[32], out[PATH_MAX + 8];

	snprintf(secs, sizeof(secs), "%u", c->seconds);
	snprintf(out, sizeof(out), "%s/afl", c->work);
	for (unsigned int i = 0; i < r->njobs; i++) {
		char *argv[20];
		int n = 0;

		snprintf(r->jobs[i].name, sizeof(r->jobs[i].name), i ? "s%u" : "main", i);
		argv[n++] = "/usr/bin/afl-fuzz";
		argv[n++] = "-V";
		argv[n++] = secs;
		if (r->njobs > 1) {
			argv[n++] = i ? "-S" : "-M";
			argv[n++] = r->jobs[i].name;
		}
		if (c->dict && *c->dict) {
			argv[n++] = "-x";
			argv[n++] = (char *)c->dict;
		}
		argv[n++] = "-i";
		argv[n++] = (char *)(c->seeds && *c->seeds ? c->seeds : c->corpus);
		argv[n++] = "-o";
		argv[n++] = out;
		argv[n++] = "--";
		argv[n++] = (char *)c->bin;
		argv[n] = NULL;
		if (access(argv[0], X_OK))
			argv[0] = "afl-fuzz";
		if (spawn(r, &r->jobs[i], argv, false, err, errlen))
			return -1;
	}
	return 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* The instance's directory: <work>/afl/default alone, <work>/afl/<name> with -M/-S. */
static void afl_dir(const struct run *r, unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "%s/afl/%s", r->c->work, r->njobs > 1 ? r->jobs[i].name : "default");
}

/* plot_data of the first instance: the curve (@all) or its last row (progress). */
static void afl_plot(struct run *r, bool all)
{
	char path[PATH_MAX + 64], *text, *line, *save = NULL;
	struct fuzz_afl_cols cols;
	struct fuzz_sample s, last = { 0 };
	bool hdr = false, any = false;

	afl_dir(r, 0, path, sizeof(path) - 16);
	strcat(path, "/plot_data");
	text = slurp(path);
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!hdr) {
			hdr = fuzz_afl_plot_header(line, &cols) == 1;
			continue;
		}
		if (!fuzz_parse_afl_plot(line, &cols, &s, NULL))
			continue;
		last = s;
		any = true;
		if (all)
			fuzz_campaign_sample(r->c, &s);
	}
	free(text);
	if (any && !all)
		progress_update(&r->prog, "fuzz %s (afl): %.0f/%u s, %llu execs, cov %llu, "
				"corpus %llu", r->c->harness, last.t, r->c->seconds,
				(unsigned long long)last.execs, (unsigned long long)last.cov,
				(unsigned long long)last.corpus);
}

/* Crash files of every instance: the count and the earliest. */
static void afl_crashes(struct run *r)
{
	struct fuzz_campaign *c = r->c;

	for (unsigned int i = 0; i < r->njobs; i++) {
		char dir[PATH_MAX];
		struct dirent *e;
		DIR *d;

		afl_dir(r, i, dir, sizeof(dir) - 16);
		strcat(dir, "/crashes");
		d = opendir(dir);
		while (d && (e = readdir(d))) {
			double ms = fuzz_afl_crash_ms(e->d_name);

			if (strncmp(e->d_name, "id:", 3))
				continue;
			c->findings++;
			if (c->finding_s < 0 || (ms >= 0 && ms / 1000 < c->finding_s)) {
				c->finding_s = ms >= 0 ? ms / 1000 : now_s() - r->start;
				snprintf(c->finding, sizeof(c->finding), "%s/%s", dir, e->d_name);
			}
		}
		if (d)
			closedir(d);
	}
	if (c->findings)
		snprintf(c->finding_msg, sizeof(c->finding_msg), "AFL++ saved %u crash%s",
			 c->findings, c->findings == 1 ? "" : "es");
}

/*
 * AFL++ skips a seed that crashes in its dry run ("Test case '...orig:NAME'
 * results in a crash"), and refuses to start when every seed does: the
 * first such seed is then the finding, at time 0.
 */
static void afl_dry_run(struct run *r)
{
	struct fuzz_campaign *c = r->c;
	char path[PATH_MAX + 16], *text, *p, *q;

	snprintf(path, sizeof(path), "%s/%s.log", c->work, c->harness);
	fflush(r->log);
	text = slurp(path);
	p = text ? strstr(text, "results in a crash") : NULL;
	while (p && p > text && strncmp(p, "orig:", 5))
		p--;
	q = p ? strchr(p, '\'') : NULL;
	if (p && q && c->seeds && *c->seeds && !strncmp(p, "orig:", 5)) {
		c->findings = 1;
		c->finding_s = 0;
		snprintf(c->finding, sizeof(c->finding), "%s/%.*s", c->seeds, (int)(q - p - 5),
			 p + 5);
		snprintf(c->finding_msg, sizeof(c->finding_msg), "AFL++ dry run: the seed %.*s "
			 "crashes", (int)(q - p - 5), p + 5);
	}
	free(text);
}

static void afl_finish(struct run *r)
{
	struct fuzz_campaign *c = r->c;

	afl_plot(r, true);
	for (unsigned int i = 0; i < r->njobs; i++) {
		char path[PATH_MAX + 64], *text;
		struct fuzz_afl_stats st;

		afl_dir(r, i, path, sizeof(path) - 16);
		strcat(path, "/fuzzer_stats");
		text = slurp(path);
		if (text && !fuzz_parse_afl_stats(text, &st)) {
			r->jobs[i].last.execs = st.execs_done;
			if (st.edges_found > c->cov)
				c->cov = st.edges_found;
			if (st.corpus_count > c->corpus_size)
				c->corpus_size = st.corpus_count;
			if (st.peak_rss_mb > c->peak_rss_mb)
				c->peak_rss_mb = st.peak_rss_mb;
		}
		free(text);
	}
	afl_crashes(r);
	if (!c->findings)
		afl_dry_run(r);
}

int fuzz_replay(char *const argv[], const char *core, const char *cov)
{
	int st;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		if (core)
			setenv("PASIDSIM_FUZZ_CORE", core, 1);
		if (cov)
			setenv("PASIDSIM_FUZZ_COVERAGE", cov, 1);
		setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
		alarm(120);
		execv(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

void fuzz_campaign_core_edges(struct fuzz_campaign *c, const char *replayer)
{
	char cov[PATH_MAX + 16];
	char queue[PATH_MAX + 32];
	char *argv[] = { (char *)replayer, (char *)c->corpus, (char *)c->seeds, NULL };

	c->core_edges = c->core_total = c->ncore_files = 0;
	if (c->engine == FUZZ_AFL) {	/* AFL++ keeps its corpus in the first instance's queue */
		snprintf(queue, sizeof(queue), "%s/afl/%s/queue", c->work,
			 c->jobs > 1 ? "main" : "default");
		argv[1] = queue;
	}
	if (access(replayer, X_OK) || snprintf(cov, sizeof(cov), "%s/edges", c->work) >=
	    (int)sizeof(cov))
		return;
	if (!c->seeds || !*c->seeds)
		argv[2] = NULL;
	unlink(cov);
	if (fuzz_replay(argv, c->core, cov) ||
	    bugbench_core_edges(cov, &c->core_edges, &c->core_total, c->core_files,
				&c->ncore_files))
		c->core_edges = c->core_total = c->ncore_files = 0;
	unlink(cov);
}

/* ---- the campaign ----------------------------------------------------------------------- */

static void stop_all(struct run *r, int sig)
{
	for (unsigned int i = 0; i < r->njobs; i++)
		if (!r->jobs[i].done)
			kill(-r->jobs[i].pid, sig);
}

static void reap(struct run *r, bool block, int *failed)
{
	for (unsigned int i = 0; i < r->njobs; i++) {
		struct job *j = &r->jobs[i];
		struct rusage ru;
		int st;

		if (j->done || wait4(j->pid, &st, block ? 0 : WNOHANG, &ru) != j->pid)
			continue;
		j->done = true;
		r->c->cpu += ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			     ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			(*failed)++;
	}
}

static bool all_done(const struct run *r)
{
	for (unsigned int i = 0; i < r->njobs; i++)
		if (!r->jobs[i].done || r->jobs[i].fd >= 0)
			return false;
	return true;
}

/* Read output and reap until every engine has ended (or is killed past the budget). */
static void loop(struct run *r, int *failed)
{
	double kill_at = r->start + r->c->seconds + GRACE_S;
	int killed = 0;

	while (!all_done(r)) {
		struct pollfd p[MAX_JOBS];
		unsigned int n = 0, map[MAX_JOBS];
		double t = now_s() - r->start;

		for (unsigned int i = 0; i < r->njobs; i++)
			if (r->jobs[i].fd >= 0) {
				p[n] = (struct pollfd){ r->jobs[i].fd, POLLIN, 0 };
				map[n++] = i;
			}
		if (n)
			poll(p, n, 250);
		else
			usleep(250000);
		for (unsigned int i = 0; i < n; i++)
			if (p[i].revents)
				lf_read(r, &r->jobs[map[i]]);
		reap(r, false, failed);
		if (r->c->engine == FUZZ_AFL)
			afl_plot(r, false);
		if (t + r->start >= kill_at && killed < 2) {
			stop_all(r, killed ? SIGKILL : SIGTERM);
			killed++;
			kill_at += 5;	/* SIGKILL 5 s after SIGTERM */
		}
	}
}

int fuzz_campaign_run(struct fuzz_campaign *c, char *err, size_t errlen)
{
	struct run *r = calloc(1, sizeof(*r));
	char path[PATH_MAX + 16];
	int failed = 0, rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->elapsed = c->cpu = c->exec_per_s = 0;
	c->execs = c->cov = c->corpus_size = c->peak_rss_mb = 0;
	c->nsamples = 0;
	c->findings = 0;
	c->finding[0] = c->finding_msg[0] = '\0';
	c->finding_s = -1;
	c->status = 0;
	r->c = c;
	r->njobs = c->jobs < 1 ? 1 : c->jobs > MAX_JOBS ? MAX_JOBS : c->jobs;
	if (outfile_mkdir_p(c->work) || outfile_mkdir_p(c->corpus)) {
		snprintf(err, errlen, "%s: %s", c->work, strerror(errno));
		free(r);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.log", c->work, c->harness);
	r->log = fopen(path, "w");
	if (!r->log) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(r);
		return -1;
	}
	progress_start(&r->prog, c->progress ? c->progress : stderr);
	r->prog.tty &= c->progress != NULL;
	r->start = now_s();
	rc = c->engine == FUZZ_AFL ? afl_start(r, err, errlen) : lf_start(r, err, errlen);
	if (!rc)
		loop(r, &failed);
	else
		stop_all(r, SIGKILL);
	reap(r, true, &failed);
	progress_end(&r->prog);
	c->elapsed = now_s() - r->start;
	if (c->engine == FUZZ_AFL) {
		/* afl-fuzz's own CPU time, not that of the targets its fork server runs */
		c->cpu = 0;
		afl_finish(r);
	} else {
		for (unsigned int i = 0; i < r->njobs; i++) {
			struct job *j = &r->jobs[i];

			c->execs += j->fin.seen && j->fin.execs ? j->fin.execs : j->last.execs;
			if (j->fin.peak_rss_mb > c->peak_rss_mb)
				c->peak_rss_mb = j->fin.peak_rss_mb;
			if (j->last.cov > c->cov)
				c->cov = j->last.cov;
			if (j->last.corpus > c->corpus_size)
				c->corpus_size = j->last.corpus;
		}
	}
	if (c->engine == FUZZ_AFL)
		for (unsigned int i = 0; i < r->njobs; i++)
			c->execs += r->jobs[i].last.execs;
	c->exec_per_s = c->elapsed > 0 ? c->execs / c->elapsed : 0;
	if (c->findings)
		c->status = 1;
	else if (failed || (!c->execs && !rc))
		c->status = 2;
	if (!rc) {
		struct fuzz_sample s = { c->elapsed, c->execs, c->cov, c->corpus_size };

		if (c->engine == FUZZ_LIBFUZZER || !c->nsamples)
			fuzz_campaign_sample(c, &s);
	}
	fclose(r->log);
	free(r);
	return rc;
}
