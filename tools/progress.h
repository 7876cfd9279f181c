/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A progress line for long work (imports, replays, sweeps): shown on a
 * terminal only (isatty), only once the work has taken a second, redrawn
 * at most ten times a second, and erased at the end. When the stream is not
 * a terminal nothing is ever printed.
 */
#ifndef PASIDSIM_PROGRESS_H
#define PASIDSIM_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

struct progress {
	FILE *f;
	bool tty;
	bool shown;
	double start, last;	/* monotonic seconds */
};

void progress_start(struct progress *p, FILE *f);
void progress_update(struct progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void progress_end(struct progress *p);

#endif /* PASIDSIM_PROGRESS_H */
