/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim replay engine: runs a trace (tools/trace.h) against the core
 * linked into the program, maps recorded names to replayed IDs, checks
 * recorded results, and can write the replayed run as a trace.
 */
#ifndef PASIDSIM_REPLAY_H
#define PASIDSIM_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum replay_timing {
	REPLAY_FAST,		/* as fast as possible */
	REPLAY_RECORDED,	/* sleep the recorded gaps (wall clock on bare metal) */
	REPLAY_SCALED,		/* recorded gaps times a factor */
};

struct replay_opts {
	bool check;			/* compare recorded results (default true) */
	enum replay_timing timing;
	double scale;			/* REPLAY_SCALED: wall gap = recorded gap * scale */
	FILE *record;			/* write the replayed run here, or NULL */
	FILE *msg;			/* warnings and divergences (NULL: stderr) */
	bool any_flavour;		/* run even if the trace wants another flavour */
};

struct replay_stats {
	const char *mode;		/* "bare-metal", "vms" */
	const char *flavour;
	uint64_t seed;
	unsigned long long ops;		/* events executed (gaps not counted) */
	unsigned long long errors;	/* ops that returned an error */
	unsigned long long checked;	/* recorded results compared */
	unsigned long long unchecked;	/* recorded results skipped (after a gap) */
	unsigned long long divergences;
	unsigned long long gaps;
	unsigned long long findings;
	unsigned long long leaked;	/* slab objects live after teardown */
	unsigned long div_line;		/* line of the first divergence, 0 if none */
	char divergence[600];		/* "FILE:LINE: divergence: ..." */
	char error[600];		/* input error (exit 2) */
	double wall_s;
};

void replay_opts_init(struct replay_opts *o);

/*
 * Replay the trace at @path ("-": stdin). Returns the exit status:
 * 0 ok, 1 divergence/finding/leak, 2 input error or unsupported trace.
 */
int replay_file(const char *path, const struct replay_opts *o, struct replay_stats *st);
/* Same, from memory. */
int replay_mem(const void *buf, size_t len, const char *name, const struct replay_opts *o,
	       struct replay_stats *st);

/* "fast", "recorded", "scale:F". 0 or -1. */
int replay_parse_timing(const char *s, enum replay_timing *t, double *scale);

#endif /* PASIDSIM_REPLAY_H */
