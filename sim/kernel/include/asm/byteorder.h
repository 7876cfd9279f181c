/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim kernel shim: <asm/byteorder.h>, the kernel's cpu_to_le*() and
 * le*_to_cpu() conversions (what virtio wire formats use). Self-contained:
 * the UAPI header of the same name is not chained.
 */
#ifndef _SIM_ASM_BYTEORDER_H
#define _SIM_ASM_BYTEORDER_H

#include <linux/types.h>

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define cpu_to_le16(x)	((__le16)(u16)(x))
#define cpu_to_le32(x)	((__le32)(u32)(x))
#define cpu_to_le64(x)	((__le64)(u64)(x))
#define le16_to_cpu(x)	((u16)(__le16)(x))
#define le32_to_cpu(x)	((u32)(__le32)(x))
#define le64_to_cpu(x)	((u64)(__le64)(x))
#else
#define cpu_to_le16(x)	((__le16)__builtin_bswap16((u16)(x)))
#define cpu_to_le32(x)	((__le32)__builtin_bswap32((u32)(x)))
#define cpu_to_le64(x)	((__le64)__builtin_bswap64((u64)(x)))
#define le16_to_cpu(x)	__builtin_bswap16((u16)(__le16)(x))
#define le32_to_cpu(x)	__builtin_bswap32((u32)(__le32)(x))
#define le64_to_cpu(x)	__builtin_bswap64((u64)(__le64)(x))
#endif

#endif /* _SIM_ASM_BYTEORDER_H */
