/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: WARN and BUG.
 *
 * A WARN is recorded as a finding of the current kernel instance and
 * execution goes on, as in the kernel; a test fails on a WARN it did not
 * expect. BUG() and panic() record a fatal finding and call the instance's
 * panic handler, which by default reports and aborts the process.
 */
#ifndef _SIM_LINUX_BUG_H
#define _SIM_LINUX_BUG_H

#include <linux/compiler.h>

void __sim_warn(const char *file, int line, const char *cond,
		const char *fmt, ...) __printf(4, 5);
void __sim_bug(const char *file, int line, const char *cond) __noreturn;
void panic(const char *fmt, ...) __printf(1, 2) __noreturn;

#define __WARN_printf(cond_str, fmt, ...)				\
	__sim_warn(__FILE__, __LINE__, cond_str, fmt, ##__VA_ARGS__)

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_printf(#condition, NULL);			\
	unlikely(__ret_warn_on); })

#define WARN(condition, fmt...) ({					\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_printf(#condition, fmt);				\
	unlikely(__ret_warn_on); })

/*
 * The _ONCE variants fire once per call site per process, like the kernel's
 * per-site static flag. The flag lives in the object that holds the call
 * site, so each loaded copy of core/ has its own.
 */
#define WARN_ON_ONCE(condition) ({					\
	static bool __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		__WARN_printf(#condition, NULL);			\
	}								\
	unlikely(__ret_warn_once); })

#define WARN_ONCE(condition, fmt...) ({					\
	static bool __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = true;					\
		__WARN_printf(#condition, fmt);				\
	}								\
	unlikely(__ret_warn_once); })

#define BUG()			__sim_bug(__FILE__, __LINE__, NULL)
#define BUG_ON(condition) do {						\
	if (unlikely(condition))					\
		__sim_bug(__FILE__, __LINE__, #condition);		\
} while (0)

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), "BUILD_BUG_ON: " #cond)
#define BUILD_BUG_ON_MSG(cond, msg) _Static_assert(!(cond), msg)

#endif /* _SIM_LINUX_BUG_H */
