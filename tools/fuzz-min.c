// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim fuzz --minimize: shrink a finding with the engine's minimiser and
 * keep the result only when the harness's standalone replayer shows the same
 * finding for it (tools/fuzz-min.h).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz-min.h"

/* What a replayer or engine prints about a finding, the most telling first. */
static const char *const finding_marks[] = {
	"FUZZ_ASSERT(", "SUMMARY: ", "runtime error: ", "ERROR: ",
};

#define NMARKS (sizeof(finding_marks) / sizeof(finding_marks[0]))

/* @line without addresses and numbers (0x1f, 42 -> #) and without trailing blanks. */
static void normalise(const char *line, size_t len, char *sig, size_t siglen)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < siglen; ) {
		if (line[i] == '0' && i + 1 < len && (line[i + 1] == 'x' || line[i + 1] == 'X')) {
			i += 2;
			while (i < len && isxdigit((unsigned char)line[i]))
				i++;
			sig[o++] = '#';
		} else if (isdigit((unsigned char)line[i])) {
			while (i < len && isdigit((unsigned char)line[i]))
				i++;
			sig[o++] = '#';
		} else {
			sig[o++] = line[i++];
		}
	}
	while (o && isspace((unsigned char)sig[o - 1]))
		o--;
	if (siglen)
		sig[o] = '\0';
}

int fuzz_finding_signature(const char *log, char *sig, size_t siglen, char *line,
			   size_t linelen)
{
	const char *best = NULL;
	size_t best_len = 0, rank = NMARKS;

	for (const char *p = log; p && *p; ) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		for (size_t m = 0; m < rank; m++) {
			const char *hit = memmem(p, len, finding_marks[m], strlen(finding_marks[m]));

			if (hit) {
				/* from the line's start, less ASan's "==PID==" and blanks */
				best = p + strspn(p, " =0123456789");
				if (best > p + len)
					best = p + len;
				best_len = len - (size_t)(best - p);
				rank = m;
				break;
			}
		}
		p = nl ? nl + 1 : NULL;
	}
	if (!best)
		return 0;
	if (sig)
		normalise(best, best_len, sig, siglen);
	if (line && linelen)
		snprintf(line, linelen, "%.*s", (int)best_len, best);
	return 1;
}

/* The whole of @fd from its start, NUL-terminated (malloc'd), or NULL. */
static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf || lseek(fd, 0, SEEK_SET) < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

/*
 * Run @argv with the campaign's environment (@afl: afl-tmin's, which wants
 * symbolize=0 and, for the harnesses' large coverage maps with their
 * dlopen'd core copies, AFL_MAP_SIZE), its output into @fd (truncated): the
 * status.
 */
static int run_logged(char *const argv[], const struct fuzz_min *m, int fd, unsigned int limit,
		      bool afl)
{
	int st;
	pid_t pid;

	if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		setenv("ASAN_OPTIONS", afl ? "detect_leaks=0:abort_on_error=1:symbolize=0" :
		       "detect_leaks=0:abort_on_error=1:quarantine_size_mb=16:"
		       "max_malloc_fill_size=0", 1);
		if (afl)
			setenv("AFL_MAP_SIZE", "8388608", 0);
		setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1", 1);
		if (m->core)
			setenv("PASIDSIM_FUZZ_CORE", m->core, 1);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		alarm(limit);
		execv(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The finding the replayer shows for @input: 1 (@sig, @line filled in), 0 none, -1 error. */
static int replay_finding(const struct fuzz_min *m, const char *input, int fd, char *sig,
			  size_t siglen, char *line, size_t linelen)
{
	char *argv[] = { (char *)m->replayer, (char *)input, NULL };
	char *log;
	int st = run_logged(argv, m, fd, 300, false), found;

	if (st < 0 || !(log = read_all(fd)))
		return -1;
	found = st != 0 && fuzz_finding_signature(log, sig, siglen, line, linelen);
	free(log);
	return found;
}

static size_t file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) ? 0 : (size_t)sb.st_size;
}

/* The last non-blank line of @text (cut at its newline, in place). */
static const char *last_line(char *text)
{
	size_t n = strlen(text);

	while (n && isspace((unsigned char)text[n - 1]))
		text[--n] = '\0';
	while (n && text[n - 1] != '\n')
		n--;
	return text + n;
}

/* libFuzzer runs (seeds 1, 2, ...) before a minimisation gives up on another finding */
#define MIN_TRIES	3

/* Run the engine's minimiser (libFuzzer's with @seed) from @m->input into @tmp: 0, or -1. */
static int engine_minimize(const struct fuzz_min *m, unsigned int seed, const char *tmp, int fd,
			   char *err, size_t errlen)
{
	char budget[32], artifact[PATH_MAX + 32], seedarg[32];
	char *lf[] = { (char *)m->bin, "-minimize_crash=1", budget, seedarg, artifact,
		       (char *)m->input, NULL };
	char *afl[] = { "/usr/bin/afl-tmin", "-i", (char *)m->input, "-o", (char *)tmp,
			"-t", "10000", "-m", "none", "--", (char *)m->bin, NULL };
	char *log;
	const char *last;
	int st;

	snprintf(budget, sizeof(budget), "-max_total_time=%u", m->seconds);
	snprintf(seedarg, sizeof(seedarg), "-seed=%u", seed);
	snprintf(artifact, sizeof(artifact), "-exact_artifact_path=%s", tmp);
	st = run_logged(m->engine == FUZZ_AFL ? afl : lf, m, fd, 0, m->engine == FUZZ_AFL);
	if (st >= 0 && file_size(tmp) > 0)
		return 0;
	log = read_all(fd);
	last = log ? last_line(log) : "";
	snprintf(err, errlen, "%s (%s) wrote no smaller input (status %d); its last line: %s",
		 m->engine == FUZZ_AFL ? "afl-tmin" : "libFuzzer -minimize_crash",
		 m->engine == FUZZ_AFL ? afl[0] : m->bin, st, last);
	free(log);
	return -1;
}

static int minimize_into(struct fuzz_min *m, const char *tmp, int fd, char *err, size_t errlen)
{
	char sig[512], min_sig[512];
	int r = replay_finding(m, m->input, fd, sig, sizeof(sig), m->finding, sizeof(m->finding));

	if (r <= 0) {
		snprintf(err, errlen, r < 0 ? "%s: could not run %s" :
			 "%s: %s shows no finding for it: nothing to minimise", m->input,
			 m->replayer);
		return -1;
	}
	/*
	 * libFuzzer keeps the smallest input that crashes in any way: on
	 * another finding, try again from the input with the next seed.
	 */
	for (unsigned int seed = 1; seed <= MIN_TRIES; seed++) {
		if (engine_minimize(m, seed, tmp, fd, err, errlen))
			return -1;
		r = replay_finding(m, tmp, fd, min_sig, sizeof(min_sig), m->min_finding,
				   sizeof(m->min_finding));
		if ((r > 0 && !strcmp(sig, min_sig)) || m->engine == FUZZ_AFL)
			break;
	}
	if (r <= 0 || strcmp(sig, min_sig)) {
		snprintf(err, errlen, "%s: the minimised input gives %s%s, not the input's finding "
			 "(%s): nothing written", m->input, r <= 0 ? "no finding" : "another finding: ",
			 r <= 0 ? "" : m->min_finding, m->finding);
		return -1;
	}
	m->out_len = file_size(tmp);
	if (rename(tmp, m->out)) {
		snprintf(err, errlen, "%s: %s", m->out, strerror(errno));
		return -1;
	}
	return 0;
}

int fuzz_minimize(struct fuzz_min *m, char *err, size_t errlen)
{
	char tmp[PATH_MAX], log[] = "/tmp/pasidsim-min-log-XXXXXX";
	int tfd, lfd, ret;

	m->in_len = file_size(m->input);
	m->out_len = 0;
	m->finding[0] = m->min_finding[0] = '\0';
	if (access(m->input, R_OK)) {
		snprintf(err, errlen, "%s: %s", m->input, strerror(errno));
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", m->out) >= (int)sizeof(tmp) ||
	    (tfd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: %s", m->out, strerror(errno));
		return -1;
	}
	close(tfd);
	lfd = mkstemp(log);
	if (lfd < 0) {
		unlink(tmp);
		snprintf(err, errlen, "%s: %s", log, strerror(errno));
		return -1;
	}
	unlink(log);
	ret = minimize_into(m, tmp, lfd, err, errlen);
	close(lfd);
	if (ret)
		unlink(tmp);
	return ret;
}
