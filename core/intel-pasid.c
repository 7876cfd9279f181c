// SPDX-License-Identifier: GPL-2.0
/*
 * Enlightened PASID allocation for VT-d guests: the virtual command
 * interface (VCMD).
 *
 * A VMM that wants its guests to use host PASIDs (shared work queues and
 * ENQCMD need one system-wide PASID space) exposes VCMD on its vIOMMUs. The
 * guest writes a command (allocate, or free with the PASID as operand) to
 * VCMD, polls VCRSP until the in-progress bit clears, and reads a status
 * code and, for an allocation, the PASID the host picked. The guest
 * registers this as a custom I/O ASID allocator, so all of its PASIDs come
 * from the host.
 *
 * Developer's notes:
 * - Detection follows Linux 6.1: caching mode (CAP.CM) marks a vIOMMU,
 *   scalable mode (ECAP.SMTS) is required, and VCCAP is read only when
 *   ECAP.VCS says the virtual command registers exist (bug B2, before
 *   v5.10, read it anyway).
 * - Every vIOMMU registers ops with the same two functions, so the I/O ASID
 *   core puts them in one shared space: all vIOMMUs of a guest end up at the
 *   same host allocator, and the space is served through the earliest
 *   registered vIOMMU still present.
 * - A failed registration turns scalable-mode PASID use off for the whole
 *   guest (pv_vtd_sm_disabled, like 6.1's intel_iommu_sm = 0): consumers
 *   then fail to initialise.
 * - The allocator's functions run under the I/O ASID spinlock, and a round
 *   trip holds register_lock (raw, IRQs off) as well: nothing here sleeps.
 *   A command that never completes panics after vcmd_timeout_ms (10 s by
 *   default, DMAR_OPERATION_TIMEOUT), as the real driver does; it never
 *   hangs.
 * - Deliberate hardening over 6.1: the PASID the host returns is checked
 *   against the requested range and against the IDs the guest already
 *   tracks, and an ID whose tracking failed is really freed on the host.
 *   6.1's behaviour, and the historical bugs, are patches against this
 *   file in the bug benchmark (fuzz/bugbench/), never switches in here.
 */
#define pr_fmt(fmt) "pv-vtd: " fmt

#include <linux/err.h>
#include <linux/intel-pasid.h>
#include <linux/io.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/processor.h>
#include <linux/spinlock.h>

/* Where a layout puts the virtual command registers and fields. */
struct pv_vtd_regs {
	u32 vccap;
	u32 vcmd;
	u32 vcrsp;
	u8 shift;
	u8 sc_mask;
	u8 sc_no_pasid;
};

static const struct pv_vtd_regs pv_vtd_layouts[] = {
	[PV_VTD_LAYOUT_3_3] = {
		.vccap = PV_VTD_VCCAP_REG,
		.vcmd = PV_VTD_VCMD_REG,
		.vcrsp = PV_VTD_VCRSP_REG,
		.shift = PV_VTD_OPERAND_SHIFT,
		.sc_mask = PV_VTD_SC_MASK,
		.sc_no_pasid = PV_VTD_SC_NO_PASID,
	},
	[PV_VTD_LAYOUT_3_0] = {
		.vccap = PV_VTD_30_VCCAP_REG,
		.vcmd = PV_VTD_30_VCMD_REG,
		.vcrsp = PV_VTD_30_VCRSP_REG,
		.shift = PV_VTD_30_OPERAND_SHIFT,
		.sc_mask = PV_VTD_30_SC_MASK,
		.sc_no_pasid = PV_VTD_30_SC_NO_PASID,
	},
};

/* Protects the list and serialises init and exit. */
static DEFINE_MUTEX(pv_vtd_lock);
static LIST_HEAD(pv_vtd_iommus);
/* Read locklessly by the range callback; written under pv_vtd_lock. */
static bool pv_vtd_sm_disabled;
static unsigned int pv_vtd_pasid_capable;
static ioasid_t pv_vtd_pasid_limit = IOMMU_PASID_MAX;
static bool pv_vtd_ops_installed;

static unsigned int vcmd_timeout_ms = PV_VTD_VCMD_TIMEOUT_MS;
module_param(vcmd_timeout_ms, uint, 0444);
MODULE_PARM_DESC(vcmd_timeout_ms, "Virtual command timeout in ms, then panic (default 10000)");

static const char *pv_vtd_name(const struct pv_vtd_iommu *iommu)
{
	return iommu->name ? iommu->name : "(unnamed)";
}

static const struct pv_vtd_regs *pv_vtd_regs(const struct pv_vtd_iommu *iommu)
{
	return &pv_vtd_layouts[iommu->layout];
}

static u8 pv_vtd_sc_no_pasid(const struct pv_vtd_iommu *iommu)
{
	return pv_vtd_regs(iommu)->sc_no_pasid;
}

static void pv_vtd_count(struct pv_vtd_iommu *iommu, enum pv_vtd_stat stat)
{
	atomic64_inc(&iommu->stats[stat]);
}

/*
 * One round trip: write @cmd to VCMD and poll VCRSP until the host clears
 * IP. Returns VCRSP. A host that never answers takes the guest down.
 */
static u64 pv_vtd_vcmd(struct pv_vtd_iommu *iommu, u64 cmd)
{
	const struct pv_vtd_regs *regs = pv_vtd_regs(iommu);
	unsigned long flags;
	u64 deadline, rsp;

	raw_spin_lock_irqsave(&iommu->register_lock, flags);
	writeq(cmd, iommu->reg + regs->vcmd);
	deadline = ktime_get_ns() + (u64)vcmd_timeout_ms * NSEC_PER_MSEC;
	for (;;) {
		rsp = readq(iommu->reg + regs->vcrsp);
		if (!(rsp & PV_VTD_VCRSP_IP))
			break;
		if (ktime_get_ns() > deadline)
			panic("DMAR hardware is malfunctioning\n");
		cpu_relax();
	}
	raw_spin_unlock_irqrestore(&iommu->register_lock, flags);
	pv_vtd_count(iommu, PV_VTD_STAT_CMDS);

	return rsp;
}

static u8 pv_vtd_rsp_sc(const struct pv_vtd_iommu *iommu, u64 rsp)
{
	return (rsp >> 1) & pv_vtd_regs(iommu)->sc_mask;
}

static ioasid_t pv_vtd_rsp_result(const struct pv_vtd_iommu *iommu, u64 rsp)
{
	return (rsp >> pv_vtd_regs(iommu)->shift) & PV_VTD_RESULT_MASK;
}

/**
 * pv_vtd_free_pasid() - Free a host PASID through VCMD
 * @iommu: an initialised vIOMMU
 * @pasid: the PASID to give back to the host
 *
 * Sends the free command whatever the guest's own bookkeeping says; the
 * I/O ASID allocator path goes through the "still active" check first.
 * Errors are logged, not retried.
 *
 * Context: Any context. Takes and releases @iommu's register_lock (IRQs
 * off); does not sleep. Panics if the host never completes the command.
 * Return:
 * * 0		- The host freed @pasid.
 * * -ENOENT	- The host answered "invalid PASID".
 * * -ENODEV	- The host answered with an unexpected status code.
 */
int pv_vtd_free_pasid(struct pv_vtd_iommu *iommu, ioasid_t pasid)
{
	u64 cmd = PV_VTD_VCMD_FREE | ((u64)pasid << pv_vtd_regs(iommu)->shift);
	u64 rsp = pv_vtd_vcmd(iommu, cmd);
	u8 sc = pv_vtd_rsp_sc(iommu, rsp);

	if (sc == PV_VTD_SC_SUCCESS) {
		pv_vtd_count(iommu, PV_VTD_STAT_FREE_OK);
		return 0;
	}
	if (sc == pv_vtd_sc_no_pasid(iommu)) {
		pr_info("%s: host says PASID %u is invalid\n", pv_vtd_name(iommu), pasid);
		pv_vtd_count(iommu, PV_VTD_STAT_FREE_INVALID);
		return -ENOENT;
	}
	pr_warn("%s: Unexpected error code %u freeing PASID %u\n",
		pv_vtd_name(iommu), sc, pasid);
	pv_vtd_count(iommu, PV_VTD_STAT_ERRORS);
	return -ENODEV;
}
EXPORT_SYMBOL_GPL(pv_vtd_free_pasid);

/*
 * Check the host's answer. A PASID the guest already tracks is refused and
 * never freed: the host gave out its holder's PASID again, and freeing it
 * would take it from the holder. This runs on the raw answer, before the
 * range check. Only an untracked PASID outside [min, max], or PASID 0, is
 * given back to the host.
 */
static int pv_vtd_check_result(struct pv_vtd_iommu *iommu, ioasid_t pasid,
			       ioasid_t min, ioasid_t max)
{
	if (!IS_ERR(ioasid_find(NULL, pasid, NULL))) {
		pr_err("%s: host returned PASID %u, which is in use\n",
		       pv_vtd_name(iommu), pasid);
		pv_vtd_count(iommu, PV_VTD_STAT_BAD_RESULT);
		return -EEXIST;
	}
	if (pasid != IOMMU_PASID_RID2PASID && pasid >= min && pasid <= max)
		return 0;

	pr_err("%s: host returned PASID %u outside [%u, %u], giving it back\n",
	       pv_vtd_name(iommu), pasid, min, max);
	pv_vtd_count(iommu, PV_VTD_STAT_BAD_RESULT);
	pv_vtd_free_pasid(iommu, pasid);
	return -EIO;
}

/**
 * pv_vtd_alloc_pasid() - Allocate a host PASID through VCMD
 * @iommu: an initialised vIOMMU
 * @min: the lowest acceptable PASID (inclusive)
 * @max: the highest acceptable PASID (inclusive)
 * @pasid: where the PASID is stored on success
 *
 * The allocate command carries no range: the host picks from its whole
 * space. Unlike Linux 6.1 the result is checked: first, a PASID the guest already
 * tracks in the I/O ASID allocator is refused and not freed, whatever its
 * value, since the host would take it from its holder; then an untracked
 * PASID outside [@min, @max], or PASID 0, is freed back to the host.
 *
 * Context: Any context. Takes and releases @iommu's register_lock (IRQs
 * off); does not sleep. Panics if the host never completes the command.
 * Return:
 * * 0		- Success; the PASID is in *@pasid.
 * * -EINVAL	- @min > @max; nothing was sent.
 * * -ENOSPC	- The host answered "no PASID available".
 * * -ENODEV	- The host answered with an unexpected status code.
 * * -EEXIST	- The host returned a PASID the guest already tracks; it was
 *		  not freed.
 * * -EIO	- The host returned an untracked PASID outside the range; it
 *		  was freed.
 */
int pv_vtd_alloc_pasid(struct pv_vtd_iommu *iommu, ioasid_t min, ioasid_t max,
		       ioasid_t *pasid)
{
	ioasid_t id;
	u64 rsp;
	int ret;
	u8 sc;

	if (min > max)
		return -EINVAL;

	rsp = pv_vtd_vcmd(iommu, PV_VTD_VCMD_ALLOC);
	sc = pv_vtd_rsp_sc(iommu, rsp);
	if (sc == pv_vtd_sc_no_pasid(iommu)) {
		pv_vtd_count(iommu, PV_VTD_STAT_ALLOC_NOSPC);
		return -ENOSPC;
	}
	if (sc != PV_VTD_SC_SUCCESS) {
		pr_warn("%s: Unexpected error code %u allocating a PASID\n",
			pv_vtd_name(iommu), sc);
		pv_vtd_count(iommu, PV_VTD_STAT_ERRORS);
		return -ENODEV;
	}
	pv_vtd_count(iommu, PV_VTD_STAT_ALLOC_OK);

	id = pv_vtd_rsp_result(iommu, rsp);
	ret = pv_vtd_check_result(iommu, id, min, max);
	if (ret)
		return ret;
	*pasid = id;

	return 0;
}
EXPORT_SYMBOL_GPL(pv_vtd_alloc_pasid);

/* The custom I/O ASID allocator: called with the I/O ASID spinlock held. */
static ioasid_t pv_vtd_ioasid_alloc(ioasid_t min, ioasid_t max, void *data)
{
	struct pv_vtd_iommu *iommu = data;
	ioasid_t pasid;

	/* As in 6.1: PASID 0 is reserved, the vIOMMUs' PSS bounds the top. */
	if (!iommu || min < IOMMU_PASID_DEFAULT_MIN ||
	    max > READ_ONCE(pv_vtd_pasid_limit))
		return INVALID_IOASID;
	/*
	 * A PASID the guest already tracks would make the I/O ASID core hand
	 * it straight back to pv_vtd_ioasid_free(), freeing its holder's host
	 * PASID: pv_vtd_alloc_pasid() refuses it and sends nothing.
	 */
	if (pv_vtd_alloc_pasid(iommu, min, max, &pasid))
		return INVALID_IOASID;

	return pasid;
}

/*
 * Linux 6.1 does not free an ID on the host while ioasid_find() returns
 * anything but NULL for it. The I/O ASID core calls the free function
 * before it forgets the ID, so this tests whether private data is still
 * attached (consumers clear it first, see iommu-pasid.c). 6.1 also treats a
 * failed lookup as "active"; this driver does not.
 */
static bool pv_vtd_still_active(struct pv_vtd_iommu *iommu, ioasid_t ioasid)
{
	void *private = ioasid_find(NULL, ioasid, NULL);

	if (IS_ERR(private))
		return false;
	return !!private;
}

/* The custom I/O ASID free: fire and forget, host errors are only logged. */
static void pv_vtd_ioasid_free(ioasid_t ioasid, void *data)
{
	struct pv_vtd_iommu *iommu = data;

	if (!iommu)
		return;
	if (pv_vtd_still_active(iommu, ioasid)) {
		pr_err("%s: Cannot free active IOASID %u\n", pv_vtd_name(iommu), ioasid);
		pv_vtd_count(iommu, PV_VTD_STAT_FREE_SKIPPED);
		return;
	}
	pv_vtd_free_pasid(iommu, ioasid);
}

/* Vendor range for PASID consumers: what every PASID-capable vIOMMU supports. */
static int pv_vtd_pasid_range(struct iommu_pasid *pasid, ioasid_t *min, ioasid_t *max)
{
	if (READ_ONCE(pv_vtd_sm_disabled) || !READ_ONCE(pv_vtd_pasid_capable))
		return -EOPNOTSUPP;
	*max = min(*max, READ_ONCE(pv_vtd_pasid_limit));

	return 0;
}

static const struct iommu_pasid_ops pv_vtd_pasid_ops = {
	.range = pv_vtd_pasid_range,
};

/* The highest PASID ECAP allows: 2^(PSS + 1) - 1, 0 without PASID support. */
static ioasid_t pv_vtd_pss_max(u64 ecap)
{
	u64 pss = (ecap >> PV_VTD_ECAP_PSS_SHIFT) & PV_VTD_ECAP_PSS_MASK;

	if (!(ecap & PV_VTD_ECAP_PASID) || !(ecap & PV_VTD_ECAP_SMTS))
		return 0;
	return min_t(u64, BIT_ULL(pss + 1) - 1, IOMMU_PASID_MAX);
}

/* Recompute the system-wide PASID limit. Called with pv_vtd_lock held. */
static void pv_vtd_update_limit(void)
{
	struct pv_vtd_iommu *iommu;
	ioasid_t limit = IOMMU_PASID_MAX;
	unsigned int capable = 0;

	lockdep_assert_held(&pv_vtd_lock);
	list_for_each_entry(iommu, &pv_vtd_iommus, node) {
		if (!iommu->pasid_max)
			continue;
		limit = min(limit, iommu->pasid_max);
		capable++;
	}
	WRITE_ONCE(pv_vtd_pasid_limit, limit);
	WRITE_ONCE(pv_vtd_pasid_capable, capable);
}

/* Does @iommu offer VCMD PASID allocation? Reads VCCAP only if it exists. */
static bool pv_vtd_has_vcmd(struct pv_vtd_iommu *iommu)
{
	if (!(iommu->cap & PV_VTD_CAP_CM))
		return false;	/* bare metal: the host's own allocator */
	if (!(iommu->ecap & PV_VTD_ECAP_SMTS) || pv_vtd_sm_disabled) {
		pr_warn("%s: scalable mode off, no enlightened PASID allocation\n",
			pv_vtd_name(iommu));
		return false;
	}
	if (!(iommu->ecap & PV_VTD_ECAP_VCS))
		return false;
	iommu->vccap = readq(iommu->reg + pv_vtd_regs(iommu)->vccap);

	return iommu->vccap & PV_VTD_VCCAP_PAS;
}

/*
 * Is @iommu initialised? A zeroed node (never initialised) and a node that
 * points at itself (exited) are not. Called with pv_vtd_lock held.
 */
static bool pv_vtd_listed(struct pv_vtd_iommu *iommu)
{
	lockdep_assert_held(&pv_vtd_lock);
	return iommu->node.next && !list_empty(&iommu->node);
}

/* Called with pv_vtd_lock held. */
static void pv_vtd_register_allocator(struct pv_vtd_iommu *iommu)
{
	int ret;

	if (!pv_vtd_has_vcmd(iommu))
		return;

	iommu->allocator.alloc = pv_vtd_ioasid_alloc;
	iommu->allocator.free = pv_vtd_ioasid_free;
	iommu->allocator.pdata = iommu;
	ret = ioasid_register_allocator(&iommu->allocator);
	if (ret) {
		/* Mixing enlightened and local PASIDs is not supported. */
		pr_err("%s: custom PASID allocator registration failed (%d), disabling scalable mode\n",
		       pv_vtd_name(iommu), ret);
		WRITE_ONCE(pv_vtd_sm_disabled, true);
		return;
	}
	iommu->vcmd = true;
	pr_info("%s: PASIDs come from the host (virtual command)\n", pv_vtd_name(iommu));
}

/**
 * pv_vtd_iommu_init() - Probe a (v)IOMMU for PASID support and VCMD
 * @iommu: zeroed, with @iommu->name, @iommu->reg and optionally
 *	@iommu->layout filled in
 *
 * Reads CAP and ECAP, derives the PASID range from ECAP.PSS and installs
 * the vendor range callback for PASID consumers (iommu_pasid_set_ops()).
 * On a vIOMMU with caching mode, scalable mode, ECAP.VCS and VCCAP.PAS it
 * registers the VCMD allocator, shared with the guest's other vIOMMUs. If
 * that registration fails, scalable-mode PASID use is turned off for the
 * whole guest: the range callback then fails every consumer with
 * -EOPNOTSUPP. That is not an error of this call, as in Linux 6.1.
 *
 * Context: Process context. Takes and releases the global pv_vtd mutex and,
 * inside, the I/O ASID and PASID-ops locks; may sleep.
 * Return:
 * * 0		- @iommu is initialised (whether or not it uses VCMD).
 * * -EINVAL	- @iommu or its register window is missing, or @iommu->layout
 *		  is unknown.
 * * -EBUSY	- @iommu is already initialised.
 */
int pv_vtd_iommu_init(struct pv_vtd_iommu *iommu)
{
	int i;

	if (!iommu || !iommu->reg || iommu->layout >= ARRAY_SIZE(pv_vtd_layouts))
		return -EINVAL;

	mutex_lock(&pv_vtd_lock);
	if (pv_vtd_listed(iommu)) {
		mutex_unlock(&pv_vtd_lock);
		return -EBUSY;
	}
	raw_spin_lock_init(&iommu->register_lock);
	for (i = 0; i < PV_VTD_STAT__COUNT; i++)
		atomic64_set(&iommu->stats[i], 0);
	iommu->vcmd = false;
	iommu->vccap = 0;
	iommu->cap = readq(iommu->reg + PV_VTD_CAP_REG);
	iommu->ecap = readq(iommu->reg + PV_VTD_ECAP_REG);
	iommu->pasid_max = pv_vtd_pss_max(iommu->ecap);

	list_add_tail(&iommu->node, &pv_vtd_iommus);
	pv_vtd_update_limit();
	if (!pv_vtd_ops_installed) {
		if (iommu_pasid_set_ops(&pv_vtd_pasid_ops))
			pr_warn("other PASID range callbacks are installed\n");
		else
			pv_vtd_ops_installed = true;
	}
	pv_vtd_register_allocator(iommu);
	mutex_unlock(&pv_vtd_lock);

	return 0;
}
EXPORT_SYMBOL_GPL(pv_vtd_iommu_init);

/**
 * pv_vtd_iommu_exit() - Stop using a (v)IOMMU
 * @iommu: a vIOMMU initialised with pv_vtd_iommu_init(); anything else
 *	(NULL, a zeroed or an exited structure) is ignored
 *
 * Unregisters its VCMD allocator. IDs of the shared space stay with the
 * remaining vIOMMUs; if this was the last user of the space, the I/O ASID
 * core orphans (and WARNs about) any ID still allocated, so consumers should
 * have freed theirs. The range callback is removed with the last vIOMMU.
 * Scalable mode, once turned off, stays off.
 *
 * Context: Process context. Takes and releases the global pv_vtd mutex and,
 * inside, the I/O ASID and PASID-ops locks; may sleep.
 */
void pv_vtd_iommu_exit(struct pv_vtd_iommu *iommu)
{
	if (!iommu)
		return;

	mutex_lock(&pv_vtd_lock);
	if (!pv_vtd_listed(iommu))
		goto out_unlock;
	if (iommu->vcmd) {
		ioasid_unregister_allocator(&iommu->allocator);
		iommu->vcmd = false;
	}
	list_del_init(&iommu->node);
	pv_vtd_update_limit();
	if (list_empty(&pv_vtd_iommus) && pv_vtd_ops_installed) {
		iommu_pasid_set_ops(NULL);
		pv_vtd_ops_installed = false;
	}
out_unlock:
	mutex_unlock(&pv_vtd_lock);
}
EXPORT_SYMBOL_GPL(pv_vtd_iommu_exit);

/**
 * pv_vtd_iommu_vcmd_active() - Does a vIOMMU serve PASIDs through VCMD?
 * @iommu: an initialised vIOMMU
 *
 * Context: Any context.
 * Return: true if its VCMD allocator is registered.
 */
bool pv_vtd_iommu_vcmd_active(struct pv_vtd_iommu *iommu)
{
	return READ_ONCE(iommu->vcmd);
}
EXPORT_SYMBOL_GPL(pv_vtd_iommu_vcmd_active);

/**
 * pv_vtd_iommu_stat() - Read a counter of a vIOMMU
 * @iommu: an initialised vIOMMU
 * @stat: which counter
 *
 * Context: Any context.
 * Return: the counter's value, 0 for an unknown @stat.
 */
u64 pv_vtd_iommu_stat(struct pv_vtd_iommu *iommu, enum pv_vtd_stat stat)
{
	if (stat >= PV_VTD_STAT__COUNT)
		return 0;
	return atomic64_read(&iommu->stats[stat]);
}
EXPORT_SYMBOL_GPL(pv_vtd_iommu_stat);

/**
 * pv_vtd_sm_enabled() - May the guest use scalable-mode PASIDs?
 *
 * Context: Any context.
 * Return: false once a VCMD allocator registration has failed.
 */
bool pv_vtd_sm_enabled(void)
{
	return !READ_ONCE(pv_vtd_sm_disabled);
}
EXPORT_SYMBOL_GPL(pv_vtd_sm_enabled);
