/* SPDX-License-Identifier: GPL-2.0 */
/*
 * crit-lite: the subset of Criterion's test API that pasidsim's suites use,
 * for ThreadSanitizer builds only.
 *
 * Criterion cannot start under TSan (its boxfort arena cannot be mapped in
 * TSan's address layout: "Could not initialize inheritable arena", upstream
 * Snaipe/Criterion#274). The tsan preset compiles the same test sources
 * against this header and crit-lite.c instead: tests register themselves,
 * each runs in a forked child, and the runner accepts Criterion's --list
 * and --filter, so ctest discovers and runs cases exactly as with Criterion.
 */
#ifndef CRIT_LITE_CRITERION_H
#define CRIT_LITE_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct criterion_test_extra_data {
	void (*init)(void);
	void (*fini)(void);
	double timeout;
	bool disabled;
	const char *description;
	int signal;
	int exit_code;
};

struct criterion_test_params {
	size_t size;
	void *params;
	size_t length;
	void (*cleanup)(struct criterion_test_params *);
};

struct crit_lite_test {
	const char *suite;
	const char *name;
	void (*fn)(void);
	struct criterion_test_params (*params)(void);
	void (*pfn)(void *);
	struct criterion_test_extra_data data;
	struct crit_lite_test *next;
};

struct crit_lite_suite {
	const char *name;
	struct criterion_test_extra_data data;
	struct crit_lite_suite *next;
};

void crit_lite_register(struct crit_lite_test *t);
void crit_lite_register_suite(struct crit_lite_suite *s);
void crit_lite_fail(const char *file, int line, const char *expr, bool fatal,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void crit_lite_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void crit_lite_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define Test(suite, name, ...)						\
	static void crit_lite_##suite##_##name(void);			\
	static struct crit_lite_test crit_lite_t_##suite##_##name = {	\
		#suite, #name, crit_lite_##suite##_##name, NULL, NULL,	\
		{ __VA_ARGS__ }, NULL };				\
	__attribute__((constructor)) static void			\
	crit_lite_reg_##suite##_##name(void)				\
	{								\
		crit_lite_register(&crit_lite_t_##suite##_##name);	\
	}								\
	static void crit_lite_##suite##_##name(void)

/* Suite-wide .init/.fini/.timeout apply where a test sets none. */
#define TestSuite(suite, ...)						\
	static struct crit_lite_suite crit_lite_s_##suite = {		\
		#suite, { __VA_ARGS__ }, NULL };			\
	__attribute__((constructor)) static void			\
	crit_lite_sreg_##suite(void)					\
	{								\
		crit_lite_register_suite(&crit_lite_s_##suite);		\
	}

#define ParameterizedTestParameters(suite, name)			\
	static struct criterion_test_params crit_lite_p_##suite##_##name(void)

#define ParameterizedTest(param, suite, name, ...)			\
	static void crit_lite_##suite##_##name(param);			\
	static void crit_lite_pw_##suite##_##name(void *p)		\
	{								\
		crit_lite_##suite##_##name(p);				\
	}								\
	static struct crit_lite_test crit_lite_t_##suite##_##name = {	\
		#suite, #name, NULL, crit_lite_p_##suite##_##name,	\
		crit_lite_pw_##suite##_##name, { __VA_ARGS__ }, NULL };	\
	__attribute__((constructor)) static void			\
	crit_lite_reg_##suite##_##name(void)				\
	{								\
		crit_lite_register(&crit_lite_t_##suite##_##name);	\
	}								\
	static void crit_lite_##suite##_##name(param)

#define cr_make_param_array(type, arr, len, ...)			\
	((struct criterion_test_params){ sizeof(type), (void *)(arr), (len), NULL })

#define crit_lite_check(cond, expr, ...) do {				\
	if (!(cond))							\
		crit_lite_fail(__FILE__, __LINE__, expr, true, " " __VA_ARGS__); \
} while (0)

#define cr_assert(c, ...)		crit_lite_check((c), #c, ##__VA_ARGS__)
#define cr_assert_not(c, ...)		crit_lite_check(!(c), "!(" #c ")", ##__VA_ARGS__)
#define cr_assert_eq(a, b, ...)		crit_lite_check((a) == (b), #a " == " #b, ##__VA_ARGS__)
#define cr_assert_neq(a, b, ...)	crit_lite_check((a) != (b), #a " != " #b, ##__VA_ARGS__)
#define cr_assert_lt(a, b, ...)		crit_lite_check((a) < (b), #a " < " #b, ##__VA_ARGS__)
#define cr_assert_leq(a, b, ...)	crit_lite_check((a) <= (b), #a " <= " #b, ##__VA_ARGS__)
#define cr_assert_gt(a, b, ...)		crit_lite_check((a) > (b), #a " > " #b, ##__VA_ARGS__)
#define cr_assert_geq(a, b, ...)	crit_lite_check((a) >= (b), #a " >= " #b, ##__VA_ARGS__)
#define cr_assert_null(p, ...)		crit_lite_check((p) == NULL, #p " == NULL", ##__VA_ARGS__)
#define cr_assert_not_null(p, ...)	crit_lite_check((p) != NULL, #p " != NULL", ##__VA_ARGS__)
#define cr_assert_str_eq(a, b, ...)					\
	crit_lite_check(!strcmp((a), (b)), "strcmp(" #a ", " #b ") == 0", ##__VA_ARGS__)
#define cr_assert_str_neq(a, b, ...)					\
	crit_lite_check(strcmp((a), (b)), "strcmp(" #a ", " #b ") != 0", ##__VA_ARGS__)
#define cr_assert_float_eq(a, b, eps, ...)				\
	crit_lite_check(((a) - (b)) <= (eps) && ((b) - (a)) <= (eps),	\
			"|" #a " - " #b "| <= " #eps, ##__VA_ARGS__)
#define cr_assert_fail(...)						\
	crit_lite_fail(__FILE__, __LINE__, "cr_assert_fail", true, " " __VA_ARGS__)
/* cr_expect*() stop the test at the first failure here, unlike Criterion. */
#define cr_expect			cr_assert
#define cr_expect_not			cr_assert_not
#define cr_expect_eq			cr_assert_eq
#define cr_expect_neq			cr_assert_neq
#define cr_expect_lt			cr_assert_lt
#define cr_expect_leq			cr_assert_leq
#define cr_expect_gt			cr_assert_gt
#define cr_expect_geq			cr_assert_geq
#define cr_expect_null			cr_assert_null
#define cr_expect_not_null		cr_assert_not_null
#define cr_expect_str_eq		cr_assert_str_eq
#define cr_expect_str_neq		cr_assert_str_neq
#define cr_expect_fail			cr_assert_fail
#define cr_expect_float_eq		cr_assert_float_eq
#define cr_skip_test(...)		crit_lite_skip(" " __VA_ARGS__)
#define cr_log_info(...)		crit_lite_log(__VA_ARGS__)
#define cr_log_warn(...)		crit_lite_log(__VA_ARGS__)
#define cr_log_error(...)		crit_lite_log(__VA_ARGS__)

#endif /* CRIT_LITE_CRITERION_H */
