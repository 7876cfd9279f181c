/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel harnesses' bare-metal executor (api, diff_ioasid): a world with
 * no VMs and one host CPU (<sim/world.h>), built once per flavour and reset
 * in place when an input leaves state behind. Every kernel call of a
 * harness is an operation submitted to it; the harness reads results from
 * the events (matched by cookie) and, for its whole-state checks, from
 * read-only queries (sim_world_query) and the for_each visitor.
 */
#ifndef PASIDSIM_FUZZ_BARE_H
#define PASIDSIM_FUZZ_BARE_H

#include <sim/world.h>

struct fuzz_bare {
	const char *flavour;
	struct sim_world *w;
	struct sim_kernel *k;		/* the host instance */
	u64 cookie;
	bool need_reset;		/* reset in place before the next input */
};

/* Build @b's world on core copy @flavour (a fuzz_core_choose() name). */
void fuzz_bare_create(struct fuzz_bare *b, const char *flavour);
/* Reset in place if an input asked for it (the counters are saved first). */
void fuzz_bare_prepare(struct fuzz_bare *b);
/* Submit @op without running (fuzz_bare_run() runs the batch); its cookie. */
u64 fuzz_bare_submit(struct fuzz_bare *b, struct sim_op op);
/* Run what was submitted; the world must go idle. */
void fuzz_bare_run(struct fuzz_bare *b);
/* Run @op alone: its event. */
struct sim_event fuzz_bare_exec(struct fuzz_bare *b, struct sim_op op);
/* A read-only operation off every CPU (sim_world_query): its event. */
struct sim_event fuzz_bare_query(struct fuzz_bare *b, struct sim_op op);
/* Allocation failures injected in the host instance so far. */
u64 fuzz_bare_injected(struct fuzz_bare *b);
/* Live slab objects of the host instance beyond what its boot left. */
u64 fuzz_bare_live(struct fuzz_bare *b);
/* The pointer an event of a find returns (its ERR_PTR on an error). */
void *fuzz_bare_ptr(const struct sim_event *e);

#endif /* PASIDSIM_FUZZ_BARE_H */
