/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: VT-d register map of the simulated vIOMMU (private to sim/hw).
 *
 * Offsets from the VT-d specification (3.0 and 3.3) and Linux 6.1's
 * drivers/iommu/intel/iommu.h; see docs/registers.md for the table with
 * reset values and masks.
 */
#ifndef _SIM_HW_VTD_INTERNAL_H
#define _SIM_HW_VTD_INTERNAL_H

#include "regfields.h"

/* Version: 32 bits, RO. */
REG32(VER, 0x00);
FIELD(VER, MIN, 0, 4);
FIELD(VER, MAX, 4, 4);

/* Capability: 64 bits, RO. */
REG64(CAP, 0x08);
FIELD(CAP, ND, 0, 3);		/* number of domains: 2^(4 + 2 * ND) */
FIELD(CAP, RWBF, 4, 1);
FIELD(CAP, CM, 7, 1);		/* caching mode: set by vIOMMUs */
FIELD(CAP, SAGAW, 8, 5);
FIELD(CAP, MGAW, 16, 6);	/* max guest address width - 1 */
FIELD(CAP, FRO, 24, 10);	/* fault recording register offset / 16 */
FIELD(CAP, SLLPS, 34, 4);
FIELD(CAP, PSI, 39, 1);
FIELD(CAP, NFR, 40, 8);		/* number of fault recording registers - 1 */
FIELD(CAP, MAMV, 48, 6);

/* Extended capability: 64 bits, RO. */
REG64(ECAP, 0x10);
FIELD(ECAP, C, 0, 1);
FIELD(ECAP, QI, 1, 1);
FIELD(ECAP, DT, 2, 1);
FIELD(ECAP, IR, 3, 1);
FIELD(ECAP, EIM, 4, 1);
FIELD(ECAP, PT, 6, 1);
FIELD(ECAP, SC, 7, 1);
FIELD(ECAP, IRO, 8, 10);	/* IOTLB register offset / 16 */
FIELD(ECAP, MHMV, 20, 4);
FIELD(ECAP, PSS, 35, 5);	/* PASID width - 1 */
FIELD(ECAP, PASID, 40, 1);
FIELD(ECAP, SMTS, 43, 1);	/* scalable mode */
FIELD(ECAP, VCS, 44, 1);	/* virtual command support */
FIELD(ECAP, SLTS, 46, 1);

/* Global command (WO, no side effects in this model) and status (RO). */
REG32(GCMD, 0x18);
FIELD(GCMD, CMDS, 23, 9);	/* bits 31:23: TE SRTP SFL EAFL WBF QIE IRE SIRTP CFI */
REG32(GSTS, 0x1c);

/* Fault status (RW1C bits) and fault event control. */
REG32(FSTS, 0x34);
FIELD(FSTS, PFO, 0, 1);		/* RW1C */
FIELD(FSTS, PPF, 1, 1);		/* RO */
FIELD(FSTS, IQE, 4, 1);		/* RW1C */
FIELD(FSTS, ICE, 5, 1);		/* RW1C */
FIELD(FSTS, ITE, 6, 1);		/* RW1C */
FIELD(FSTS, FRI, 8, 8);		/* RO */
REG32(FECTL, 0x38);
FIELD(FECTL, IP, 30, 1);	/* RO */
FIELD(FECTL, IM, 31, 1);	/* RW, set at reset */

/* Virtual command registers, VT-d 3.3 layout (Linux 5.15-6.3). */
REG64(VCMD33, 0xe00);
FIELD(VCMD33, CMD, 0, 8);
FIELD(VCMD33, OPERAND, 16, 20);
REG64(VCRSP33, 0xe10);
FIELD(VCRSP33, IP, 0, 1);
FIELD(VCRSP33, SC, 1, 7);
FIELD(VCRSP33, RESULT, 16, 20);
REG64(VCCAP33, 0xe30);
FIELD(VCCAP33, PAS, 0, 1);

/* Virtual command registers, VT-d 3.0 layout (Linux 5.7-5.14). */
REG64(VCCAP30, 0xe00);
FIELD(VCCAP30, PAS, 0, 1);
REG64(VCMD30, 0xe10);
FIELD(VCMD30, CMD, 0, 8);
FIELD(VCMD30, OPERAND, 8, 20);
REG64(VCRSP30, 0xe20);
FIELD(VCRSP30, IP, 0, 1);
FIELD(VCRSP30, SC, 1, 2);
FIELD(VCRSP30, RESULT, 8, 20);

/* Bits of VCMD the guest may write (reserved bits read back as 0). */
#define VTD_VCMD33_WMASK	(FIELD_MASK(VCMD33, CMD) | MASK64(16, 48))
#define VTD_VCMD30_WMASK	(FIELD_MASK(VCMD30, CMD) | MASK64(8, 56))

#define VTD_FSTS_W1C		(FIELD_MASK(FSTS, PFO) | FIELD_MASK(FSTS, IQE) | \
				 FIELD_MASK(FSTS, ICE) | FIELD_MASK(FSTS, ITE))

#define VTD_PASID_BITS		20
#define VTD_MAX_REGS		16

#endif /* _SIM_HW_VTD_INTERNAL_H */
