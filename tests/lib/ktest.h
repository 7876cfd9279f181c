/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktest: Criterion glue for tests of kernel code running on the shim.
 *
 * KTEST(suite, name, ...) is Criterion's Test() with a fresh kernel instance
 * around the body. When the body returns, the test fails if any slab object
 * is still live (after pending RCU callbacks ran), or if the instance
 * recorded findings (WARN, lockdep, ...) other than those announced with
 * ktest_expect(). LeakSanitizer alone cannot fail a Criterion test; this can.
 */
#ifndef _KTEST_H
#define _KTEST_H

#include <criterion/criterion.h>
#include <sim/kernel.h>

/* TEST_ASAN: built with AddressSanitizer (gcc or clang), with its interface. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

void ktest_begin(void);
void ktest_end(void);
/* The test will cause exactly @n (more) findings of @kind. */
void ktest_expect(enum sim_finding_kind kind, size_t n);
/* The instance the current test runs in. */
struct sim_kernel *ktest_kernel(void);

#define KTEST(suite, name, ...)						\
	static void ktest_body_##suite##_##name(void);			\
	Test(suite, name, ##__VA_ARGS__)				\
	{								\
		ktest_begin();						\
		ktest_body_##suite##_##name();				\
		ktest_end();						\
	}								\
	static void ktest_body_##suite##_##name(void)

#endif /* _KTEST_H */
