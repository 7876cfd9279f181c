// SPDX-License-Identifier: GPL-2.0
/*
 * The terminal progress line (progress.h).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_start(struct progress *p, FILE *f)
{
	const char *term = getenv("TERM");

	memset(p, 0, sizeof(*p));
	p->f = f;
	p->tty = f && isatty(fileno(f)) && !(term && !strcmp(term, "dumb"));
	p->start = p->last = p->tty ? now() : 0;
}

void progress_update(struct progress *p, const char *fmt, ...)
{
	va_list ap;
	double t;

	if (!p || !p->tty)
		return;
	t = now();
	if (t - p->start < 1.0 || (p->shown && t - p->last < 0.1))
		return;
	p->last = t;
	p->shown = true;
	fputs("\r", p->f);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	fputs("\033[K", p->f);
	fflush(p->f);
}

void progress_end(struct progress *p)
{
	if (p && p->shown) {
		fputs("\r\033[K", p->f);
		fflush(p->f);
	}
	if (p)
		p->shown = false;
}
