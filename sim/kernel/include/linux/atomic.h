/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: atomic_t, atomic64_t and atomic_long_t over the
 * compiler's __atomic builtins.
 *
 * Ordering follows Documentation/atomic_t.txt: atomic_read()/atomic_set()
 * and the operations that return nothing are relaxed; operations that return
 * a value (add_return, fetch_add, xchg, a successful cmpxchg, dec_and_test,
 * ...) are fully ordered (seq_cst); the _relaxed, _acquire and _release
 * variants are what their names say. A failed cmpxchg is unordered.
 */
#ifndef _SIM_LINUX_ATOMIC_H
#define _SIM_LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	ATOMIC64_INIT(i)

#define __SIM_RLX	__ATOMIC_RELAXED
#define __SIM_ACQ	__ATOMIC_ACQUIRE
#define __SIM_REL	__ATOMIC_RELEASE
#define __SIM_FULL	__ATOMIC_SEQ_CST

/* One value-returning operation in its four orderings. */
#define __SIM_ATOMIC_RET(pfx, at, it, name, builtin)			\
static __always_inline it pfx##_##name(it i, at *v)			\
{ return builtin(&v->counter, i, __SIM_FULL); }				\
static __always_inline it pfx##_##name##_relaxed(it i, at *v)		\
{ return builtin(&v->counter, i, __SIM_RLX); }				\
static __always_inline it pfx##_##name##_acquire(it i, at *v)		\
{ return builtin(&v->counter, i, __SIM_ACQ); }				\
static __always_inline it pfx##_##name##_release(it i, at *v)		\
{ return builtin(&v->counter, i, __SIM_REL); }

#define __SIM_ATOMIC_VOID(pfx, at, it, name, builtin)			\
static __always_inline void pfx##_##name(it i, at *v)			\
{ builtin(&v->counter, i, __SIM_RLX); }

/* @old may differ in type from the counter (atomic_long_t is atomic64_t). */
#define __SIM_TRY_CMPXCHG(v, old, new, succ, fail) ({			\
	typeof((v)->counter) __o = *(old);				\
	bool __ok = __atomic_compare_exchange_n(&(v)->counter, &__o,	\
						(new), false, succ, fail);\
	*(old) = __o;							\
	__ok; })

#define __SIM_ATOMIC_OPS(pfx, at, it)					\
static __always_inline it pfx##_read(const at *v)			\
{ return __atomic_load_n(&v->counter, __SIM_RLX); }			\
static __always_inline it pfx##_read_acquire(const at *v)		\
{ return __atomic_load_n(&v->counter, __SIM_ACQ); }			\
static __always_inline void pfx##_set(at *v, it i)			\
{ __atomic_store_n(&v->counter, i, __SIM_RLX); }			\
static __always_inline void pfx##_set_release(at *v, it i)		\
{ __atomic_store_n(&v->counter, i, __SIM_REL); }			\
									\
__SIM_ATOMIC_VOID(pfx, at, it, add, __atomic_fetch_add)			\
__SIM_ATOMIC_VOID(pfx, at, it, sub, __atomic_fetch_sub)			\
__SIM_ATOMIC_VOID(pfx, at, it, and, __atomic_fetch_and)			\
__SIM_ATOMIC_VOID(pfx, at, it, or, __atomic_fetch_or)			\
__SIM_ATOMIC_VOID(pfx, at, it, xor, __atomic_fetch_xor)			\
static __always_inline void pfx##_andnot(it i, at *v)			\
{ __atomic_fetch_and(&v->counter, ~i, __SIM_RLX); }			\
static __always_inline void pfx##_inc(at *v)				\
{ __atomic_fetch_add(&v->counter, 1, __SIM_RLX); }			\
static __always_inline void pfx##_dec(at *v)				\
{ __atomic_fetch_sub(&v->counter, 1, __SIM_RLX); }			\
									\
__SIM_ATOMIC_RET(pfx, at, it, add_return, __atomic_add_fetch)		\
__SIM_ATOMIC_RET(pfx, at, it, sub_return, __atomic_sub_fetch)		\
__SIM_ATOMIC_RET(pfx, at, it, fetch_add, __atomic_fetch_add)		\
__SIM_ATOMIC_RET(pfx, at, it, fetch_sub, __atomic_fetch_sub)		\
__SIM_ATOMIC_RET(pfx, at, it, fetch_and, __atomic_fetch_and)		\
__SIM_ATOMIC_RET(pfx, at, it, fetch_or, __atomic_fetch_or)			\
__SIM_ATOMIC_RET(pfx, at, it, fetch_xor, __atomic_fetch_xor)		\
									\
static __always_inline it pfx##_inc_return(at *v)			\
{ return __atomic_add_fetch(&v->counter, 1, __SIM_FULL); }		\
static __always_inline it pfx##_inc_return_relaxed(at *v)		\
{ return __atomic_add_fetch(&v->counter, 1, __SIM_RLX); }		\
static __always_inline it pfx##_dec_return(at *v)			\
{ return __atomic_sub_fetch(&v->counter, 1, __SIM_FULL); }		\
static __always_inline it pfx##_dec_return_relaxed(at *v)		\
{ return __atomic_sub_fetch(&v->counter, 1, __SIM_RLX); }		\
static __always_inline it pfx##_fetch_inc(at *v)			\
{ return __atomic_fetch_add(&v->counter, 1, __SIM_FULL); }		\
static __always_inline it pfx##_fetch_dec(at *v)			\
{ return __atomic_fetch_sub(&v->counter, 1, __SIM_FULL); }		\
static __always_inline bool pfx##_inc_and_test(at *v)			\
{ return __atomic_add_fetch(&v->counter, 1, __SIM_FULL) == 0; }		\
static __always_inline bool pfx##_dec_and_test(at *v)			\
{ return __atomic_sub_fetch(&v->counter, 1, __SIM_FULL) == 0; }		\
static __always_inline bool pfx##_sub_and_test(it i, at *v)		\
{ return __atomic_sub_fetch(&v->counter, i, __SIM_FULL) == 0; }		\
static __always_inline bool pfx##_add_negative(it i, at *v)		\
{ return __atomic_add_fetch(&v->counter, i, __SIM_FULL) < 0; }		\
									\
static __always_inline it pfx##_xchg(at *v, it i)			\
{ return __atomic_exchange_n(&v->counter, i, __SIM_FULL); }		\
static __always_inline it pfx##_xchg_relaxed(at *v, it i)		\
{ return __atomic_exchange_n(&v->counter, i, __SIM_RLX); }		\
static __always_inline bool pfx##_try_cmpxchg(at *v, it *old, it new)	\
{ return __SIM_TRY_CMPXCHG(v, old, new, __SIM_FULL, __SIM_RLX); }	\
static __always_inline bool pfx##_try_cmpxchg_relaxed(at *v, it *old,	\
						       it new)		\
{ return __SIM_TRY_CMPXCHG(v, old, new, __SIM_RLX, __SIM_RLX); }	\
static __always_inline bool pfx##_try_cmpxchg_acquire(at *v, it *old,	\
						       it new)		\
{ return __SIM_TRY_CMPXCHG(v, old, new, __SIM_ACQ, __SIM_ACQ); }	\
static __always_inline bool pfx##_try_cmpxchg_release(at *v, it *old,	\
						       it new)		\
{ return __SIM_TRY_CMPXCHG(v, old, new, __SIM_REL, __SIM_RLX); }	\
static __always_inline it pfx##_cmpxchg(at *v, it old, it new)		\
{ pfx##_try_cmpxchg(v, &old, new); return old; }			\
static __always_inline it pfx##_cmpxchg_relaxed(at *v, it old, it new)	\
{ pfx##_try_cmpxchg_relaxed(v, &old, new); return old; }		\
									\
/* Add @a unless the value is @u; true if it added. */			\
static __always_inline bool pfx##_add_unless(at *v, it a, it u)		\
{									\
	it c = pfx##_read(v), n;					\
									\
	do {								\
		if (c == u)						\
			return false;					\
		__builtin_add_overflow(c, a, &n);			\
	} while (!pfx##_try_cmpxchg(v, &c, n));				\
	return true;							\
}									\
static __always_inline bool pfx##_inc_not_zero(at *v)			\
{ return pfx##_add_unless(v, 1, 0); }					\
/* Decrement unless that would go negative; the old value minus 1. */	\
static __always_inline it pfx##_dec_if_positive(at *v)			\
{									\
	it c = pfx##_read(v), n;					\
									\
	do {								\
		__builtin_sub_overflow(c, 1, &n);			\
		if (c <= 0)						\
			return n;					\
	} while (!pfx##_try_cmpxchg(v, &c, n));				\
	return n;							\
}

__SIM_ATOMIC_OPS(atomic, atomic_t, int)
__SIM_ATOMIC_OPS(atomic64, atomic64_t, s64)
__SIM_ATOMIC_OPS(atomic_long, atomic_long_t, long)

/* Plain-variable exchange, as the kernel's <asm/cmpxchg.h>. */
#define xchg(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define cmpxchg(ptr, o, n) ({						\
	typeof(*(ptr)) __sim_old = (o);					\
	__atomic_compare_exchange_n((ptr), &__sim_old, (n), false,	\
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED);\
	__sim_old; })
#define cmpxchg_relaxed(ptr, o, n) ({					\
	typeof(*(ptr)) __sim_old = (o);					\
	__atomic_compare_exchange_n((ptr), &__sim_old, (n), false,	\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);\
	__sim_old; })
#define try_cmpxchg(ptr, po, n)						\
	__atomic_compare_exchange_n((ptr), (po), (n), false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)

#define smp_mb__before_atomic()	smp_mb()
#define smp_mb__after_atomic()	smp_mb()

#endif /* _SIM_LINUX_ATOMIC_H */
