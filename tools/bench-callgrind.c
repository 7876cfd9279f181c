// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions per operation, from callgrind.
 *
 * The parent runs 'valgrind --tool=callgrind --instr-atstart=no pasidsim
 * bench --child=NAME --child-ops=N' twice: with the benchmark's callgrind
 * op count and with 0 operations. The child sets up with instrumentation
 * off (at near-native speed), turns it on around run() only
 * (CALLGRIND_START/STOP_INSTRUMENTATION) and tears down with it off again;
 * the zero-op run measures what is left of the toggling and of run()'s own
 * fixed cost (a replay's instance, a world's first round of scheduling), so
 *
 *   instructions/op = (Ir(N ops) - Ir(0 ops)) / N
 *
 * Wall time varies with the machine's load; guest instruction counts do
 * not, which is why the goal table reports both.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND_H 1
#endif
#endif

const char *bench_self(void)
{
	static char path[4096];
	ssize_t n;

	if (path[0])
		return path;
	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	if (n <= 0)
		return NULL;
	path[n] = '\0';
	return path;
}

bool bench_callgrind_available(char *why, size_t len)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

#ifndef HAVE_CALLGRIND_H
	snprintf(why, len, "built without <valgrind/callgrind.h>");
	return false;
#endif
	if (!bench_self()) {
		snprintf(why, len, "cannot find the pasidsim executable");
		return false;
	}
	while (path && *path) {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/valgrind", (int)n, path);
		if (n && !access(buf, X_OK))
			return true;
		path += n + (path[n] == ':');
	}
	snprintf(why, len, "valgrind is not installed");
	return false;
}

/* The position of "Ir" among the words after "events:", or -1. */
static int ir_index(const char *line)
{
	char copy[1024], *save = NULL;
	int i = 0;

	snprintf(copy, sizeof(copy), "%.1000s", line);
	for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save))
		if (!strcmp(w, "Ir"))
			return i;
		else
			i++;
	return -1;
}

/* The @idx-th number on @line, or -1. */
static int nth_number(const char *line, int idx, uint64_t *out)
{
	const char *p = line;

	for (int i = 0; i <= idx; i++) {
		char *end;
		unsigned long long v;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || end == p)
			return -1;
		if (i == idx) {
			*out = v;
			return 0;
		}
		p = end;
	}
	return -1;
}

int bench_callgrind_parse(FILE *f, uint64_t *ir)
{
	char line[4096];
	int idx = -1;
	bool have_totals = false, have_summary = false;
	uint64_t totals = 0, summary = 0;

	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "events:", 7))
			idx = ir_index(line + 7);
		else if (!strncmp(line, "summary:", 8) && idx >= 0)
			have_summary = !nth_number(line + 8, idx, &summary);
		else if (!strncmp(line, "totals:", 7) && idx >= 0)
			have_totals = !nth_number(line + 7, idx, &totals);
	}
	if (!have_totals && !have_summary)
		return -1;
	*ir = have_totals ? totals : summary;
	return 0;
}

/* One child under callgrind: its Ir and the ops it did. */
static int run_once(const struct bench *b, uint64_t ops, uint64_t *ir, uint64_t *done,
		    char *err, size_t len)
{
	char dir[] = "/tmp/pasidsim-cg-XXXXXX", out[PATH_MAX], res[PATH_MAX], log[PATH_MAX];
	char outarg[PATH_MAX + 32], name[160], opsarg[48], line[256];
	const char *self = bench_self();
	int st, ret = -1;
	pid_t pid;
	FILE *f;

	if (!mkdtemp(dir)) {
		snprintf(err, len, "mkdtemp: %s", strerror(errno));
		return -1;
	}
	snprintf(out, sizeof(out), "%s/callgrind.out", dir);
	snprintf(res, sizeof(res), "%s/stdout", dir);
	snprintf(log, sizeof(log), "%s/stderr", dir);
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s", out);
	snprintf(name, sizeof(name), "--child=%s", b->name);
	snprintf(opsarg, sizeof(opsarg), "--child-ops=%" PRIu64, ops);
	fflush(NULL);
	pid = fork();
	if (!pid) {
		int fo = open(res, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int fe = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fo >= 0 && fe >= 0) {
			dup2(fo, 1);
			dup2(fe, 2);
		}
		execlp("valgrind", "valgrind", "--tool=callgrind", "--instr-atstart=no",
		       outarg, self, "bench", name, opsarg, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(err, len, "the callgrind child failed (see %s)", log);
		return -1;
	}
	f = fopen(res, "r");
	*done = 0;
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "done %" SCNu64, done);
	if (f)
		fclose(f);
	f = fopen(out, "r");
	if (f && !bench_callgrind_parse(f, ir))
		ret = 0;
	else
		snprintf(err, len, "%s: no instruction count", out);
	if (f)
		fclose(f);
	if (!ret) {
		unlink(out);
		unlink(res);
		unlink(log);
		rmdir(dir);
	}
	return ret;
}

int bench_callgrind_run(const struct bench *b, uint64_t ops, uint64_t *ir, uint64_t *done,
			char *err, size_t len)
{
	uint64_t ir0, done0, irn;

	if (run_once(b, 0, &ir0, &done0, err, len) ||
	    run_once(b, ops, &irn, done, err, len))
		return -1;
	if (!*done) {
		snprintf(err, len, "the child did no operations");
		return -1;
	}
	*ir = irn > ir0 ? irn - ir0 : 0;
	return 0;
}

int bench_child(const struct bench *b, uint64_t ops)
{
	struct bench_ctx c = { .b = b, .ops = ops, .done = ops };
	int ret;

	if (b->setup && b->setup(&c)) {
		fprintf(stderr, "pasidsim bench: %s: setup: %s\n", b->name, c.err);
		if (b->teardown)
			b->teardown(&c);
		return 1;
	}
#ifdef HAVE_CALLGRIND_H
	CALLGRIND_START_INSTRUMENTATION;
#endif
	ret = b->run(&c);
#ifdef HAVE_CALLGRIND_H
	CALLGRIND_STOP_INSTRUMENTATION;
#endif
	if (b->teardown)
		b->teardown(&c);
	if (ret) {
		fprintf(stderr, "pasidsim bench: %s: %s\n", b->name, c.err);
		return 1;
	}
	printf("done %" PRIu64 "\n", c.done);
	return 0;
}
