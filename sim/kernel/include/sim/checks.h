/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: the checked and the fast build of the simulated
 * kernel.
 *
 * SIM_CHECKS is 1 (the default, every preset but "fast"): the shim checks
 * like a debug kernel with lockdep, PROVE_RCU, DEBUG_ATOMIC_SLEEP and
 * SLUB_DEBUG: the lock-order graph, lockdep_assert_held(), checked
 * rcu_dereference(), might_sleep(), slab poison and redzones.
 *
 * SIM_CHECKS is 0 (CMake -DPASIDSIM_KERNEL_CHECKS=OFF, preset "fast"): those
 * checks are compiled out, as in a production kernel without them. What a
 * correct program computes is the same (docs/benchmarks.md says how that is
 * checked); what stays: the lock words and everything the scheduler sees
 * (virtual time, contention, lockstat counts), the held-lock stack (a
 * panicking CPU's locks are released from it), recursive-acquisition
 * detection (it would deadlock otherwise), slab accounting, leak reports,
 * double-free detection, fault injection, WARN/BUG.
 */
#ifndef _SIM_CHECKS_H
#define _SIM_CHECKS_H

#ifndef SIM_CHECKS
#define SIM_CHECKS	1
#endif

#endif /* _SIM_CHECKS_H */
