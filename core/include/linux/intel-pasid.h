/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paravirtual PASID allocation through the Intel VT-d virtual command
 * interface (VCMD): the guest side of a vIOMMU whose host hands out PASIDs.
 *
 * A guest kernel describes each of its vIOMMUs with a struct pv_vtd_iommu
 * and calls pv_vtd_iommu_init(). If the vIOMMU shows the guest signature
 * (CAP.CM = 1, scalable mode, ECAP.VCS = 1 and VCCAP.PAS = 1), a custom
 * I/O ASID allocator is registered so that every ioasid_alloc() (and so
 * every iommu_pasid_alloc()) asks the host through VCMD. All vIOMMUs of a
 * guest share one allocator and one ID space.
 *
 * The names carry a pv_vtd_ prefix: the kernel's own VT-d driver exports
 * intel_* symbols. See docs/paravirt.md.
 */
#ifndef __LINUX_INTEL_PASID_H
#define __LINUX_INTEL_PASID_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/ioasid.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/* Capability registers (both layouts). */
#define PV_VTD_CAP_REG		0x08
#define PV_VTD_ECAP_REG		0x10

#define PV_VTD_CAP_CM		BIT_ULL(7)	/* caching mode: a vIOMMU */
#define PV_VTD_ECAP_PSS_SHIFT	35		/* PASID size supported, 39:35 */
#define PV_VTD_ECAP_PSS_MASK	0x1fULL
#define PV_VTD_ECAP_PASID	BIT_ULL(40)
#define PV_VTD_ECAP_SMTS	BIT_ULL(43)	/* scalable mode */
#define PV_VTD_ECAP_VCS		BIT_ULL(44)	/* virtual command registers */
#define PV_VTD_VCCAP_PAS	BIT_ULL(0)	/* PASID allocation command */

/* Virtual command registers, VT-d 3.3 (Linux v5.15 and later). */
#define PV_VTD_VCMD_REG		0xe00
#define PV_VTD_VCRSP_REG	0xe10
#define PV_VTD_VCCAP_REG	0xe30
#define PV_VTD_OPERAND_SHIFT	16	/* VCMD operand and VCRSP result */
#define PV_VTD_SC_MASK		0x7f	/* VCRSP bits 7:1 */
#define PV_VTD_SC_NO_PASID	16	/* no PASID left / invalid PASID */

/* The VT-d 3.0 layout (Linux v5.7 - v5.14). */
#define PV_VTD_30_VCCAP_REG	0xe00
#define PV_VTD_30_VCMD_REG	0xe10
#define PV_VTD_30_VCRSP_REG	0xe20
#define PV_VTD_30_OPERAND_SHIFT	8
#define PV_VTD_30_SC_MASK	0x3	/* VCRSP bits 2:1 */
#define PV_VTD_30_SC_NO_PASID	2	/* 1 before v5.12 (bug B1) */

/* Both layouts. */
#define PV_VTD_VCMD_ALLOC	1
#define PV_VTD_VCMD_FREE	2
#define PV_VTD_VCRSP_IP		BIT_ULL(0)	/* in progress */
#define PV_VTD_SC_SUCCESS	0
#define PV_VTD_RESULT_MASK	0xfffffULL	/* 20-bit PASID */

/*
 * How long a command may stay in progress by default (DMAR_OPERATION_TIMEOUT),
 * in milliseconds: the vcmd_timeout_ms module parameter.
 */
#define PV_VTD_VCMD_TIMEOUT_MS	10000

/**
 * enum pv_vtd_layout - the VCMD register layout the driver assumes
 * @PV_VTD_LAYOUT_3_3: VT-d 3.3, as in Linux v5.15 and later (the default)
 * @PV_VTD_LAYOUT_3_0: VT-d 3.0, as in Linux v5.7 - v5.14 (against a 3.3
 *	VMM: the layout mismatch B3)
 */
enum pv_vtd_layout {
	PV_VTD_LAYOUT_3_3 = 0,
	PV_VTD_LAYOUT_3_0,
};

/**
 * enum pv_vtd_stat - per-vIOMMU counters, read with pv_vtd_iommu_stat()
 * @PV_VTD_STAT_CMDS: commands written to VCMD (answered: IP cleared)
 * @PV_VTD_STAT_ALLOC_OK: allocations the host granted
 * @PV_VTD_STAT_ALLOC_NOSPC: allocations answered "no PASID available"
 * @PV_VTD_STAT_FREE_OK: frees the host accepted
 * @PV_VTD_STAT_FREE_INVALID: frees answered "invalid PASID"
 * @PV_VTD_STAT_ERRORS: answers with an unexpected status code
 * @PV_VTD_STAT_FREE_SKIPPED: frees not sent because the ID still had
 *	private data ("Cannot free active IOASID"): the host keeps the PASID
 * @PV_VTD_STAT_BAD_RESULT: granted PASIDs refused by the driver (outside
 *	the requested range, or already in use in the guest)
 * @PV_VTD_STAT__COUNT: number of counters
 */
enum pv_vtd_stat {
	PV_VTD_STAT_CMDS,
	PV_VTD_STAT_ALLOC_OK,
	PV_VTD_STAT_ALLOC_NOSPC,
	PV_VTD_STAT_FREE_OK,
	PV_VTD_STAT_FREE_INVALID,
	PV_VTD_STAT_ERRORS,
	PV_VTD_STAT_FREE_SKIPPED,
	PV_VTD_STAT_BAD_RESULT,
	PV_VTD_STAT__COUNT
};

/**
 * struct pv_vtd_iommu - a guest's view of one (v)IOMMU
 * @name: set by the caller: used in messages
 * @reg: set by the caller: the register window
 * @layout: set by the caller: enum pv_vtd_layout the driver assumes
 * @register_lock: private: serialises VCMD round trips (raw, IRQs off)
 * @cap: private: CAP as read at init
 * @ecap: private: ECAP as read at init
 * @vccap: private: VCCAP as read at init, 0 if never read
 * @pasid_max: private: highest PASID per ECAP.PSS, 0 without PASID support
 * @vcmd: private: the VCMD allocator of this vIOMMU is registered
 * @allocator: private: its ops (pdata = this vIOMMU)
 * @node: private: entry in the list of initialised vIOMMUs
 * @stats: private: enum pv_vtd_stat counters
 *
 * Zero the structure, fill in the caller's fields, then call
 * pv_vtd_iommu_init(). It must stay in place until pv_vtd_iommu_exit().
 */
struct pv_vtd_iommu {
	const char *name;
	void __iomem *reg;
	enum pv_vtd_layout layout;

	/* private: */
	raw_spinlock_t register_lock;	/* one VCMD round trip at a time */
	u64 cap;
	u64 ecap;
	u64 vccap;
	ioasid_t pasid_max;
	bool vcmd;
	struct ioasid_allocator_ops allocator;
	struct list_head node;
	atomic64_t stats[PV_VTD_STAT__COUNT];
};

int pv_vtd_iommu_init(struct pv_vtd_iommu *iommu);
void pv_vtd_iommu_exit(struct pv_vtd_iommu *iommu);
bool pv_vtd_iommu_vcmd_active(struct pv_vtd_iommu *iommu);
u64 pv_vtd_iommu_stat(struct pv_vtd_iommu *iommu, enum pv_vtd_stat stat);
bool pv_vtd_sm_enabled(void);
int pv_vtd_alloc_pasid(struct pv_vtd_iommu *iommu, ioasid_t min, ioasid_t max,
		       ioasid_t *pasid);
int pv_vtd_free_pasid(struct pv_vtd_iommu *iommu, ioasid_t pasid);

#endif /* __LINUX_INTEL_PASID_H */
