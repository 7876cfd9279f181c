/* SPDX-License-Identifier: GPL-2.0 */
/* crit-lite: parameterized tests live in criterion.h. */
#include <criterion/criterion.h>
