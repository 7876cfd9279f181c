// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel harnesses' bare-metal executor: see bare.h.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/err.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "bare.h"
#include "fuzz.h"

/*
 * The world loads its copy from sim_core_path(): where the harness found
 * the object (the build tree, or next to the executable in a
 * ClusterFuzzLite $OUT), unless PASIDSIM_CORE_DIR says.
 */
static void core_dir(const char *flavour)
{
	char path[4096], *slash;

	if (getenv("PASIDSIM_CORE_DIR"))
		return;
	fuzz_core_path(flavour, path, sizeof(path));
	slash = strrchr(path, '/');
	if (!slash)
		return;
	*slash = '\0';
	setenv("PASIDSIM_CORE_DIR", path, 1);
}

void fuzz_bare_create(struct fuzz_bare *b, const char *flavour)
{
	struct sim_world_params p;
	char err[512];

	memset(b, 0, sizeof(*b));
	core_dir(flavour);
	sim_world_params_init(&p);
	p.nvms = 0;
	p.host_cpus = 1;
	p.host_flavour = flavour;
	b->flavour = flavour;
	b->w = sim_world_create(&p, err, sizeof(err));
	FUZZ_ASSERT(b->w, "%s: %s", flavour, err);
	b->k = sim_world_kernel(b->w, SIM_WORLD_HOST);
	fuzz_coverage_register_loaded((const char *const[]){ flavour, NULL });
}

void fuzz_bare_prepare(struct fuzz_bare *b)
{
	if (!b->need_reset)
		return;
	fuzz_coverage_save_all();	/* the reset copies the counters back too */
	FUZZ_ASSERT(sim_world_reset(b->w) == 0, "%s: reset failed", b->flavour);
	b->need_reset = false;
}

u64 fuzz_bare_submit(struct fuzz_bare *b, struct sim_op op)
{
	op.cookie = ++b->cookie;
	FUZZ_ASSERT(sim_world_submit(b->w, SIM_WORLD_HOST, 0, &op) == 0, "%s: cannot submit %s",
		    b->flavour, sim_op_name(op.kind));
	return op.cookie;
}

void fuzz_bare_run(struct fuzz_bare *b)
{
	enum sim_sched_result r = sim_world_run(b->w);

	FUZZ_ASSERT(r == SIM_SCHED_IDLE, "%s: the executor stopped (%d): %s", b->flavour, r,
		    sim_world_report(b->w));
	sim_world_log_trim(b->w);
}

struct sim_event fuzz_bare_exec(struct fuzz_bare *b, struct sim_op op)
{
	u64 cookie = fuzz_bare_submit(b, op);
	enum sim_sched_result r = sim_world_run(b->w);
	size_t n = sim_world_nevents(b->w);
	struct sim_event e;

	FUZZ_ASSERT(r == SIM_SCHED_IDLE, "%s: the executor stopped (%d): %s", b->flavour, r,
		    sim_world_report(b->w));
	FUZZ_ASSERT(n && sim_world_event(b->w, n - 1)->cookie == cookie,
		    "%s: no event for %s", b->flavour, sim_op_name(op.kind));
	e = *sim_world_event(b->w, n - 1);
	sim_world_log_trim(b->w);
	return e;
}

struct sim_event fuzz_bare_query(struct fuzz_bare *b, struct sim_op op)
{
	struct sim_event e;

	FUZZ_ASSERT(sim_world_query(b->w, SIM_WORLD_HOST, &op, &e) == 0, "%s: cannot query %s",
		    b->flavour, sim_op_name(op.kind));
	return e;
}

u64 fuzz_bare_injected(struct fuzz_bare *b)
{
	struct sim_slab_stats st;

	sim_slab_stats(b->k, &st);
	return st.injected;
}

u64 fuzz_bare_live(struct fuzz_bare *b)
{
	struct sim_slab_stats st;

	sim_slab_stats(b->k, &st);
	return st.live_objects - sim_world_host_baseline_objects(b->w);
}

void *fuzz_bare_ptr(const struct sim_event *e)
{
	return e->result ? ERR_PTR(e->result) : (void *)(uintptr_t)e->value;
}
