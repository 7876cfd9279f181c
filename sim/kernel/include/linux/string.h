/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <linux/string.h>.
 *
 * libc's <string.h> (glibc never includes <linux/string.h> itself, so there
 * is nothing to chain) plus the kernel helpers. The k*dup() functions are
 * slab allocations attributed to their caller (sim/kernel/slab.c).
 */
#ifndef _SIM_LINUX_STRING_H
#define _SIM_LINUX_STRING_H

#include <limits.h>
#include <string.h>
#include <sys/types.h>
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/types.h>

char *__sim_kstrdup(const char *s, gfp_t gfp, const char *func,
		    const char *file, int line) __attribute__((__malloc__));
char *__sim_kstrndup(const char *s, size_t max, gfp_t gfp, const char *func,
		     const char *file, int line) __attribute__((__malloc__));
void *__sim_kmemdup(const void *src, size_t len, gfp_t gfp, const char *func,
		    const char *file, int line) __attribute__((__malloc__));

/* NULL @s gives NULL, as in the kernel. */
#define kstrdup(s, gfp)	__sim_kstrdup((s), (gfp), __func__, __FILE__, __LINE__)
#define kstrndup(s, max, gfp) \
	__sim_kstrndup((s), (max), (gfp), __func__, __FILE__, __LINE__)
#define kmemdup(src, len, gfp) \
	__sim_kmemdup((src), (len), (gfp), __func__, __FILE__, __LINE__)

/*
 * strscpy() - copy a C string into a sized buffer, always NUL-terminated
 * (unless @count is 0).
 * Return: the length copied, or -E2BIG if @src did not fit (truncated).
 */
static inline ssize_t strscpy(char *dest, const char *src, size_t count)
{
	size_t len;

	if (count == 0 || count > (size_t)SSIZE_MAX)
		return -E2BIG;
	len = strnlen(src, count);
	if (len == count) {
		memcpy(dest, src, count - 1);
		dest[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dest, src, len + 1);
	return (ssize_t)len;
}

/* strscpy() that also zeroes the rest of @dest. */
static inline ssize_t strscpy_pad(char *dest, const char *src, size_t count)
{
	ssize_t ret = strscpy(dest, src, count);
	size_t used = ret < 0 ? count : (size_t)ret + 1;

	if (used < count)
		memset(dest + used, 0, count - used);
	return ret;
}

#define memzero_explicit(s, n)	explicit_bzero((s), (n))

#endif /* _SIM_LINUX_STRING_H */
