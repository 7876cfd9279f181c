/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: initcalls collected in named sections. */
#ifndef _SIM_LINUX_INIT_H
#define _SIM_LINUX_INIT_H

#include <linux/compiler.h>

typedef int (*initcall_t)(void);
typedef void (*exitcall_t)(void);

#define __sim_define_initcall(fn, sec)					\
	static initcall_t __sim_initcall_##fn __used			\
		__attribute__((__section__(sec))) = fn

#define module_init(fn)		__sim_define_initcall(fn, "sim_initcall")
#define subsys_initcall(fn)	__sim_define_initcall(fn, "sim_initcall")
#define device_initcall(fn)	__sim_define_initcall(fn, "sim_initcall")
#define module_exit(fn)							\
	static exitcall_t __sim_exitcall_##fn __used			\
		__attribute__((__section__("sim_exitcall"))) = fn

#endif /* _SIM_LINUX_INIT_H */
