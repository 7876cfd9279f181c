/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: register and field declarations for device models, in the
 * manner of QEMU's registerfields.h (written anew).
 *
 *   REG32(FOO, 0x34)            A_FOO (byte offset), R_FOO (32-bit index)
 *   REG64(BAR, 0x08)            A_BAR, A_BAR_HI (upper half), R_BAR (64-bit index)
 *   FIELD(BAR, CM, 7, 1)        R_BAR_CM_SHIFT, R_BAR_CM_LENGTH
 *   FIELD_MASK(BAR, CM)         the field's mask, u64
 *   FIELD_EX64(v, BAR, CM)      extract
 *   FIELD_DP64(v, BAR, CM, x)   deposit: @v with the field replaced by @x
 *
 * FIELD_DP64 passes the value through a bit-field of the field's width, so
 * a constant too wide for the field draws -Woverflow; a run-time value is
 * truncated to the field, as hardware would.
 */
#ifndef _SIM_HW_REGFIELDS_H
#define _SIM_HW_REGFIELDS_H

#include <linux/types.h>

#define MASK64(shift, len)						\
	((len) >= 64 ? ~0ULL : ((1ULL << (len)) - 1) << (shift))

#define REG32(reg, addr)						\
	enum { A_##reg = (addr), R_##reg = (addr) / 4 }
#define REG64(reg, addr)						\
	enum { A_##reg = (addr), A_##reg##_HI = (addr) + 4, R_##reg = (addr) / 8 }

#define FIELD(reg, field, shift, len)					\
	enum { R_##reg##_##field##_SHIFT = (shift),			\
	       R_##reg##_##field##_LENGTH = (len) }

#define FIELD_MASK(reg, field)						\
	MASK64(R_##reg##_##field##_SHIFT, R_##reg##_##field##_LENGTH)

#define FIELD_EX64(v, reg, field)					\
	(((u64)(v) & FIELD_MASK(reg, field)) >> R_##reg##_##field##_SHIFT)

#define FIELD_DP64(v, reg, field, x) ({					\
	struct { u64 f : R_##reg##_##field##_LENGTH; } __dp = { .f = (x) }; \
	((u64)(v) & ~FIELD_MASK(reg, field)) |				\
		((u64)__dp.f << R_##reg##_##field##_SHIFT);		\
})

/* Run-time shift and length (layout-dependent fields). */
static inline u64 field_ex(u64 v, unsigned int shift, unsigned int len)
{
	return (v & MASK64(shift, len)) >> shift;
}

static inline u64 field_dp(u64 v, unsigned int shift, unsigned int len, u64 x)
{
	return (v & ~MASK64(shift, len)) | ((x << shift) & MASK64(shift, len));
}

#endif /* _SIM_HW_REGFIELDS_H */
