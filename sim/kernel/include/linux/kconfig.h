/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/kconfig.h>.
 *
 * IS_ENABLED(CONFIG_FOO) is 1 when CONFIG_FOO is defined to 1 (built in) or
 * CONFIG_FOO_MODULE is defined to 1, else 0. It works in #if and in C
 * expressions. The expansion relies on a placeholder that turns "1" into an
 * extra macro argument, so the second argument picked is 1 only then.
 */
#ifndef _SIM_LINUX_KCONFIG_H
#define _SIM_LINUX_KCONFIG_H

#define __SIM_ARG_1 0,
#define __sim_second(ignored, val, ...) val
#define __sim_is_set3(arg_or_junk) __sim_second(arg_or_junk 1, 0, 0)
#define __sim_is_set2(val) __sim_is_set3(__SIM_ARG_##val)
#define __sim_is_set(x) __sim_is_set2(x)

#define IS_BUILTIN(option) __sim_is_set(option)
#define IS_MODULE(option) __sim_is_set(option##_MODULE)
#define IS_ENABLED(option) (IS_BUILTIN(option) || IS_MODULE(option))
#define IS_REACHABLE(option) IS_ENABLED(option)

/*
 * The configuration of the kernel the shim stands for, as far as hosted
 * kernel code asks (Debian's 6.1 amd64 build: THP selects XARRAY_MULTI).
 */
#define CONFIG_BASE_SMALL	0
#define CONFIG_XARRAY_MULTI	1

#endif /* _SIM_LINUX_KCONFIG_H */
