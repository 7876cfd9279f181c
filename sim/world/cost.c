// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: default cost model (docs/cost-model.md gives the source of
 * every figure; most are estimates and are marked as such there).
 */
#include <sim/cost.h>

const struct sim_cost_model sim_cost_default = {
	.version = SIM_COST_MODEL_VERSION,
	.vm_exit_ns = 600,
	.vm_entry_ns = 400,
	.vmm_handle_ns = 3000,
	.host_call_ns = 800,
	.lock_handoff_ns = 80,
	.cs_hold_ns = 20,
	.poll_ns = 100,
	.mmio_ns = 150,
	.op_ns = 100,
};
