// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: schedule fuzzing, what a preemption point's key means
 * (<sim/sched.h>, docs/world.md "Schedule fuzzing"). The scheduler
 * (sched.c) draws the key at the point and preempts the CPU for
 * sim_preempt_ns(key) of virtual time; everything else (the points
 * themselves) is in the shim (rcu.c: read-side sections; the scheduler's
 * lock release hook: unlocks) and the VMM (vmm.c: unserialised calls).
 */
#include <stdio.h>

#include <sim/sched.h>

u64 sim_preempt_ns(u64 key)
{
	unsigned int b = key & 0xff;

	return b < 0x80 ? 0 : (u64)(b - 0x7f) * SIM_PREEMPT_UNIT_NS;
}

const char *sim_preempt_name(unsigned int mask, char *buf, size_t len)
{
	static const char *const names[] = { "rcu", "unlock", "vmm-calls" };
	size_t o = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!(mask & SIM_PREEMPT_ALL)) {
		snprintf(buf, len, "off");
		return buf;
	}
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(mask & (1u << i)) || o >= len)
			continue;
		o += snprintf(buf + o, len - o, "%s%s", o ? "," : "", names[i]);
	}
	return buf;
}
