// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim results store: building a run in memory (where it ran: git,
 * machine, time; its metrics, samples, histograms, findings, lockstat and
 * coverage) before results_run_commit() writes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "results-int.h"

/* ---- where: git, machine, time -------------------------------------------- */

/* First line of @cmd's stdout, or NULL. */
char *results_run_line(const char *cmd)
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
		run->git_commit = results_run_line("git rev-parse HEAD 2>/dev/null </dev/null");
	run->git_branch = info->git_branch ? strdup(info->git_branch) :
			  env_dup("PASIDSIM_GIT_BRANCH");
	if (!run->git_branch && run->git_commit && !info->git_commit) {
		run->git_branch = results_run_line("git symbolic-ref --short -q HEAD 2>/dev/null </dev/null");
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
		char *line = results_run_line("git status --porcelain --untracked-files=no 2>/dev/null "
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
	if (!results_vec_grow((void **)&m->samples, &m->cap, m->nsamples, sizeof(double)))
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

