// SPDX-License-Identifier: GPL-2.0
/*
 * crit-lite runner (see criterion/criterion.h): --list, --filter=GLOB, each
 * test in a forked child with its .timeout, Criterion-style result lines and
 * closing synthesis line. Other Criterion options are accepted and ignored.
 */
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#define EXIT_SKIP 77

static struct crit_lite_test *tests, **tail = &tests;
static struct crit_lite_suite *suites;

void crit_lite_register_suite(struct crit_lite_suite *s)
{
	s->next = suites;
	suites = s;
}

void crit_lite_register(struct crit_lite_test *t)
{
	*tail = t;
	tail = &t->next;
}

void crit_lite_fail(const char *file, int line, const char *expr, bool fatal,
		    const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "[----] %s:%d: Assertion failed: %s", file, line, expr);
	if (fmt && *fmt) {
		fputs(": ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	fflush(stderr);
	_exit(1);
}

void crit_lite_skip(const char *fmt, ...)
{
	va_list ap;

	fputs("[SKIP] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
	_exit(EXIT_SKIP);
}

void crit_lite_log(const char *fmt, ...)
{
	va_list ap;

	fputs("[----] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void run_body(struct crit_lite_test *t)
{
	for (struct crit_lite_suite *s = suites; s; s = s->next) {
		if (strcmp(s->name, t->suite))
			continue;
		if (!t->data.init)
			t->data.init = s->data.init;
		if (!t->data.fini)
			t->data.fini = s->data.fini;
		if (t->data.timeout <= 0)
			t->data.timeout = s->data.timeout;
	}
	if (t->data.timeout > 0)
		alarm((unsigned int)t->data.timeout + 1);
	if (t->data.init)
		t->data.init();
	if (t->fn) {
		t->fn();
	} else {
		struct criterion_test_params p = t->params();

		for (size_t i = 0; i < p.length; i++)
			t->pfn((char *)p.params + i * p.size);
	}
	if (t->data.fini)
		t->data.fini();
	fflush(NULL);
	exit(0);
}

static void list(void)
{
	for (struct crit_lite_test *t = tests; t; t = t->next) {
		size_t n = 0;

		if (t != tests) {
			bool seen = false;

			for (struct crit_lite_test *u = tests; u != t; u = u->next)
				seen |= !strcmp(u->suite, t->suite);
			if (seen)
				continue;
		}
		for (struct crit_lite_test *u = t; u; u = u->next)
			n += !strcmp(u->suite, t->suite);
		printf("%s: %zu test%s\n", t->suite, n, n == 1 ? "" : "s");
		for (struct crit_lite_test *u = t; u; u = u->next) {
			if (strcmp(u->suite, t->suite))
				continue;
			printf("%s── %s\n", --n ? "├" : "└", u->name);
		}
	}
}

int main(int argc, char **argv)
{
	const char *filter = "*";
	unsigned int tested = 0, passing = 0, failing = 0, crashing = 0, skipped = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--list")) {
			list();
			return 0;
		}
		if (!strncmp(argv[i], "--filter=", 9))
			filter = argv[i] + 9;
	}
	for (struct crit_lite_test *t = tests; t; t = t->next) {
		char full[512];
		int status;
		pid_t pid;

		snprintf(full, sizeof(full), "%s/%s", t->suite, t->name);
		if (fnmatch(filter, full, 0) || t->data.disabled)
			continue;
		fflush(NULL);
		pid = fork();
		if (pid == 0)
			run_body(t);
		if (pid < 0 || waitpid(pid, &status, 0) < 0) {
			perror("crit-lite: fork/wait");
			return 2;
		}
		tested++;
		if (t->data.signal) {
			bool ok = WIFSIGNALED(status) && WTERMSIG(status) == t->data.signal;

			passing += ok;
			failing += !ok;
			printf("[%s] %s::%s (expects signal %d)\n", ok ? "PASS" : "FAIL",
			       t->suite, t->name, t->data.signal);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == t->data.exit_code &&
			   t->data.exit_code) {
			passing++;
			printf("[PASS] %s::%s (exit code %d)\n", t->suite, t->name,
			       t->data.exit_code);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !t->data.exit_code) {
			passing++;
			printf("[PASS] %s::%s\n", t->suite, t->name);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
			tested--;
			skipped++;
			printf("[SKIP] %s::%s\n", t->suite, t->name);
		} else if (WIFEXITED(status)) {
			failing++;
			printf("[FAIL] %s::%s\n", t->suite, t->name);
		} else {
			crashing++;
			failing++;
			printf("[FAIL] %s::%s: CRASH (signal %d)\n", t->suite, t->name,
			       WIFSIGNALED(status) ? WTERMSIG(status) : -1);
		}
	}
	printf("[====] Synthesis: Tested: %u | Passing: %u | Failing: %u | Crashing: %u \n",
	       tested, passing, failing, crashing);
	(void)skipped;
	return failing ? 1 : 0;
}
