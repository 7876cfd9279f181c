/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim replay engine: runs a trace (tools/trace.h) -- bare metal on a
 * loaded copy of the trace's flavour, multi-VM traces in a world (<sim/world.h>)
 * -- maps recorded names to replayed IDs, checks recorded results, and can
 * write the replayed run as a trace.
 */
#ifndef PASIDSIM_REPLAY_H
#define PASIDSIM_REPLAY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct sim_kernel;
struct replay_stats;

enum replay_timing {
	REPLAY_FAST,		/* as fast as possible */
	REPLAY_RECORDED,	/* sleep the recorded gaps (wall clock on bare metal) */
	REPLAY_SCALED,		/* recorded gaps times a factor */
};

/* One executed operation, for the results store (replay_opts.on_op). */
struct replay_op {
	unsigned long line;		/* in the trace */
	int op;				/* enum trace_op */
	int kernel;			/* TRACE_HOST or a VM */
	int res;			/* enum trace_result the replay got */
	long long val;			/* errno, count, replayed ID, token index */
	bool timed;			/* world: start_ns/end_ns are virtual times */
	uint64_t start_ns, end_ns;
};

struct replay_opts {
	bool check;			/* compare recorded results (default true) */
	enum replay_timing timing;
	double scale;			/* REPLAY_SCALED: wall gap = recorded gap * scale */
	/* recorded/scaled timing: sleep at most this long between two events (default 10 s) */
	double max_gap_s;
	FILE *record;			/* write the replayed run here, or NULL */
	FILE *msg;			/* warnings and divergences (NULL: stderr) */
	bool any_flavour;		/* bare metal: flavour not built? run the linked one */
	/* run every kernel on this flavour instead of the trace's (NULL: the trace's) */
	const char *flavour;
	/* world: the host's core object instead of the trace's flavour ("pasidsim+BUG") */
	const char *host_core;
	/* world: cost-model overrides, "field=ns[,field=ns...]" (docs/cost-model.md) */
	const char *cost;
	/* called once the header is read (st: mode, flavour, seed, config, cost model) */
	void (*on_start)(void *arg, const struct replay_stats *st);
	/* called for every executed op, in execution order (world: completion order) */
	void (*on_op)(void *arg, const struct replay_op *op);
	/* called for every kernel instance ("host", "vm3") before it goes away */
	void (*on_kernel)(void *arg, const char *name, struct sim_kernel *k);
	void *hook_arg;
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
	bool world;			/* ran in a world (vms mode) */
	uint64_t virtual_ns;		/* world: virtual time of the last op's end */
	char cost_model[96];		/* world: "cost-1" (+ overrides) */
	char config[2048];		/* the world configuration as JSON */
};

/* The default cap of one sleep in recorded/scaled timing, in seconds. */
#define REPLAY_MAX_GAP_S 10.0

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
