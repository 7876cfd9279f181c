/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: compiler attributes, annotations and ONCE accessors. */
#ifndef _SIM_LINUX_COMPILER_H
#define _SIM_LINUX_COMPILER_H

#include <linux/kconfig.h>

#define __always_inline __inline __attribute__ ((__always_inline__)) /* as glibc */
#define noinline		__attribute__((__noinline__))
#define __noreturn		__attribute__((__noreturn__))
#define __cold			__attribute__((__cold__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __packed		__attribute__((__packed__))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __section(s)		__attribute__((__section__(s)))
#define __weak			__attribute__((__weak__))
#define __pure			__attribute__((__pure__))

#ifndef fallthrough
#define fallthrough		__attribute__((__fallthrough__))
#endif

/* sparse annotations: meaningless to gcc and clang */
#define __rcu
#define __iomem
#define __user
#define __kernel
#define __force
#define __bitwise
#define __percpu
#define __acquires(x)
#define __releases(x)
#define __must_hold(x)
#define __acquire(x)		((void)0)
#define __release(x)		((void)0)

#define __init
#define __exit
#define __initdata
#define __read_mostly
#define __ro_after_init

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")
#define unreachable()		__builtin_unreachable()

#define __same_type(a, b)	__builtin_types_compatible_p(typeof(a), typeof(b))
#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)

/*
 * READ_ONCE()/WRITE_ONCE() are relaxed atomics here: the same single access
 * the kernel guarantees, and visible to ThreadSanitizer as intended races.
 */
#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, val)	__atomic_store_n(&(x), (val), __ATOMIC_RELAXED)

#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

#endif /* _SIM_LINUX_COMPILER_H */
