/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: module glue.
 *
 * module_init()/module_exit() place the function in a named section, so a
 * loaded copy of core/ can list its initcalls (sim_initcall/sim_exitcall)
 * the way the kernel walks .initcall sections.
 */
#ifndef _SIM_LINUX_MODULE_H
#define _SIM_LINUX_MODULE_H

#include <linux/compiler.h>
#include <linux/export.h>
#include <linux/init.h>

#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_VERSION(x)
#define MODULE_ALIAS(x)
#define MODULE_IMPORT_NS(x)
#define MODULE_PARM_DESC(name, desc)
/*
 * A module parameter: in a copy of core/, __sim_param_NAME() returns the
 * variable's address, so that a simulated machine sets it before the code
 * runs, as a kernel command line (NAME.PARAM=) would (sim_core_sym()).
 */
#define module_param(name, type, perm)					\
	void *__sim_param_##name(void);					\
	void *__sim_param_##name(void) { return &(name); }
#define module_param_named(name, value, type, perm)			\
	void *__sim_param_##name(void);					\
	void *__sim_param_##name(void) { return &(value); }

#define THIS_MODULE	((struct module *)0)
struct module;

#endif /* _SIM_LINUX_MODULE_H */
