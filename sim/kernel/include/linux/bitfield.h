/* SPDX-License-Identifier: GPL-2.0 */
/* pasidsim kernel shim: FIELD_GET()/FIELD_PREP() on constant masks. */
#ifndef _SIM_LINUX_BITFIELD_H
#define _SIM_LINUX_BITFIELD_H

#include <linux/bits.h>

#define __bf_shf(x)		(__builtin_ffsll(x) - 1)
#define FIELD_PREP(_mask, _val)						\
	((typeof(_mask))(((typeof(_mask))(_val) << __bf_shf(_mask)) & (_mask)))
#define FIELD_GET(_mask, _reg)						\
	((typeof(_mask))(((_reg) & (_mask)) >> __bf_shf(_mask)))
#define FIELD_FIT(_mask, _val)						\
	(!((((typeof(_mask))(_val)) << __bf_shf(_mask)) & ~(_mask)))
#define FIELD_MAX(_mask)	((typeof(_mask))((_mask) >> __bf_shf(_mask)))

#endif /* _SIM_LINUX_BITFIELD_H */
