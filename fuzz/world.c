// SPDX-License-Identifier: GPL-2.0
/*
 * world: multi-VM operation sequences through the executor (<sim/world.h>),
 * decoded from the input over its operation vocabulary by the decoder the
 * trace converter shares (<sim/world-decode.h>: what an input means, and
 * which findings its own operations cause by design); the scheduler's
 * tie-breaks come from the input too, and with the variant bit WDEC_V_PREEMPT its preemptions
 * (schedule fuzzing: CPUs stopped inside RCU read-side sections and after
 * unlocks, VFIO calls not serialised by the VMM). `pasidsim fuzz --to-trace=INPUT`
 * writes the same run as a trace that `pasidsim replay` reproduces.
 *
 * Oracles: every run goes idle (no deadlock, no panic, no time limit; in a
 * world whose VMM never completes a VCMD, the guest driver's timeout panic
 * ends the input instead), and
 * no finding of any instance (WARN, lockdep, sleeping in atomic context,
 * RCU misuse, slab corruption, the executor's cross-layer invariants) but
 * the ones the input's own operations are known to cause by design
 * (docs/fuzzing.md).
 *
 * Each world (byte 0 of the input, mod 64; bits 6 and 7 are decoding modes)
 * is built once and reset in place between inputs.
 */
#include <stdio.h>
#include <stdlib.h>

#include <sim/kernel.h>
#include <sim/world-decode.h>
#include <sim/world.h>

#include "fuzz.h"

static struct sim_world *worlds[64];
static bool tried[64];
static struct wdec dec;
/*
 * PASIDSIM_FUZZ_WORLD_HOST: the host's flavour in every world, e.g. a seeded
 * bug's patched copy ("pasidsim+vfio-free-keeps-entry"): the oracles must
 * fire (the ctests fuzz/world/oracle/BUG).
 */
static const char *host_override;

/*
 * The world of input byte @b0: bits 0-5 (bit 6 is a decoding mode), the
 * VT-d knobs (bits 3-5) only on the VT-d path, VMM kinds 0 and 1 both
 * honest (<sim/world-decode.h>): 28 distinct worlds.
 */
static uint8_t world_key(uint8_t b0)
{
	uint8_t vmm = (b0 >> 4) & 3;

	if (b0 & 1)
		return b0 & 7;
	return (b0 & 0xf) | (vmm == 1 ? 0 : vmm) << 4;
}

static struct sim_world *world_of(uint8_t b)
{
	struct sim_world_params p;
	char err[512];

	b = world_key(b);
	if (worlds[b] || tried[b])
		return worlds[b];
	tried[b] = true;
	sim_wdec_params(b, host_override, &p);
	p.guest_flavour = fuzz_core_choose(p.guest_flavour, false);	/* PASIDSIM_FUZZ_CORE */
	if (!host_override)
		p.host_flavour = fuzz_core_choose(p.host_flavour, false);
	worlds[b] = sim_world_create(&p, err, sizeof(err));
	FUZZ_ASSERT(worlds[b], "world %u: %s", b, err);
	fuzz_coverage_register_loaded((const char *const[]){ p.host_flavour, p.guest_flavour,
							     NULL });
	return worlds[b];
}

/* After each run: it went idle, and no finding the input does not explain. */
static bool ran(void *arg, struct sim_world *w, enum sim_sched_result r)
{
	const struct sim_finding *f;
	int vm;

	/* a stuck VMM may stop the world with the driver's timeout panic, never with a hang */
	FUZZ_ASSERT(r == SIM_SCHED_IDLE || (r == SIM_SCHED_PANIC && dec.vcmd_hang),
		    "the world stopped (%d): %s", r, sim_world_report(w));
	f = sim_wdec_unexpected(&dec, w, &vm);
	if (f) {
		sim_findings_print(sim_world_kernel(w, vm), stderr);
		FUZZ_ASSERT(0, "%s: %s finding: %s", vm < 0 ? "host" : "guest",
			    sim_finding_kind_name(f->kind), f->msg);
	}
	return r == SIM_SCHED_IDLE;
}

static const struct wdec_hooks hooks = { .ran = ran };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	dec.verbose = getenv("PASIDSIM_FUZZ_VERBOSE");
	host_override = getenv("PASIDSIM_FUZZ_WORLD_HOST");
	/*
	 * Every world now, not at its first input: under AFL++ the core copies
	 * must be loaded before the fork server starts (afl-main.c).
	 */
	for (unsigned int b = 0; b < 64; b++)
		world_of(b);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_world *w;

	if (size < 2)
		return 0;
	w = world_of(data[0]);
	FUZZ_ASSERT(w, "no world");
	fuzz_coverage_save_all();	/* PASIDSIM_FUZZ_COVERAGE: before the counters reset */
	FUZZ_ASSERT(sim_wdec_run(&dec, w, data, size, &hooks) >= 0, "reset");
	return 0;
}
