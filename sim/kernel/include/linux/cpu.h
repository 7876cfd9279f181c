/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: CPU hotplug states. Simulated CPUs never go offline,
 * so a state registered without calls (the radix tree's "dead" callback)
 * never runs.
 */
#ifndef _SIM_LINUX_CPU_H
#define _SIM_LINUX_CPU_H

enum cpuhp_state {
	CPUHP_RADIX_DEAD = 1,
};

static inline int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
					    int (*startup)(unsigned int cpu),
					    int (*teardown)(unsigned int cpu))
{
	return 0;
}

#endif /* _SIM_LINUX_CPU_H */
