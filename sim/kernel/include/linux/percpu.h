/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: per-CPU variables.
 *
 * A per-CPU variable is thread-local: each pthread (a host CPU in threads
 * mode) has its own copy. The simulated CPUs of a world are coroutines of
 * one pthread and share its copy. The only user is lib/radix-tree.c's
 * preload pool (idr_preload(), radix_tree_insert()), which nothing in
 * pasidsim calls; two simulated CPUs preloading at once would share one pool.
 */
#ifndef _SIM_LINUX_PERCPU_H
#define _SIM_LINUX_PERCPU_H

#include <linux/compiler.h>
#include <linux/preempt.h>

#define DECLARE_PER_CPU(type, name)	extern __thread __typeof__(type) name
#define DEFINE_PER_CPU(type, name)	__thread __typeof__(type) name
#define this_cpu_ptr(ptr)		(ptr)
#define per_cpu(var, cpu)		(var)

#endif /* _SIM_LINUX_PERCPU_H */
