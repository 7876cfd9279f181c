// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the VT-d virtual command path (core/intel-pasid.c) against a
 * test-local fake vIOMMU: a register window (sim_mmio_map()) whose VCMD
 * responder allocates from a small fake host pool and counts every access.
 * The real device models and VMMs (sim/hw, sim/vmm) are tested end to end
 * elsewhere.
 *
 * Each Criterion test runs in its own process, so the driver's and the
 * allocator's global state start from boot in every test.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>
#include <linux/intel-pasid.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <sim/mmio.h>
#include <ktest.h>
#include <ktest-pasid.h>

#define HOST_IDS	4096
#define WINDOW		0x1000

static bool linux61(void)
{
	return strcmp(PASIDSIM_FLAVOUR, "linux-6.1") == 0;
}

/* ---- the fake host and vIOMMU ---------------------------------------------- */

struct fake_host {
	bool used[HOST_IDS];
	unsigned int limit;		/* highest PASID handed out */
	unsigned int held;
};

struct fake_vtd {
	void __iomem *reg;
	struct fake_host *host;
	enum pv_vtd_layout layout;	/* the VMM's layout */
	u64 cap, ecap, vccap;
	u64 vcmd, vcrsp;
	u8 sc_no_pasid;			/* the VMM's "no PASID" code */
	/* fault knobs */
	bool stuck;			/* IP never clears */
	unsigned int busy_polls;	/* IP stays set for this many reads */
	unsigned int max_polls;		/* more VCRSP reads than this: no timeout (0: off) */
	jmp_buf *escape;		/* ... then longjmp here instead of failing */
	int force_sc;			/* answer this SC (-1: no) */
	long long force_result;		/* grant this PASID (-1: no) */
	/* counters */
	unsigned int vccap_reads, vcrsp_reads, vcmd_writes, other_reads;
	unsigned int allocs, frees, bad_frees;
	unsigned int freed[64];		/* operands of the frees, in order */
	unsigned int busy_left;
};

static u32 f_vccap(const struct fake_vtd *f)
{
	return f->layout == PV_VTD_LAYOUT_3_0 ? PV_VTD_30_VCCAP_REG : PV_VTD_VCCAP_REG;
}

static u32 f_vcmd(const struct fake_vtd *f)
{
	return f->layout == PV_VTD_LAYOUT_3_0 ? PV_VTD_30_VCMD_REG : PV_VTD_VCMD_REG;
}

static u32 f_vcrsp(const struct fake_vtd *f)
{
	return f->layout == PV_VTD_LAYOUT_3_0 ? PV_VTD_30_VCRSP_REG : PV_VTD_VCRSP_REG;
}

static unsigned int f_shift(const struct fake_vtd *f)
{
	return f->layout == PV_VTD_LAYOUT_3_0 ? PV_VTD_30_OPERAND_SHIFT : PV_VTD_OPERAND_SHIFT;
}

static u64 fake_read(void *opaque, u64 off, unsigned int size)
{
	struct fake_vtd *f = opaque;

	cr_assert_eq(size, 8, "VT-d registers are read with readq");
	if (off == PV_VTD_CAP_REG)
		return f->cap;
	if (off == PV_VTD_ECAP_REG)
		return f->ecap;
	if (off == f_vccap(f)) {
		f->vccap_reads++;
		return f->vccap;
	}
	if (off == f_vcrsp(f)) {
		f->vcrsp_reads++;
		if (f->max_polls && f->vcrsp_reads > f->max_polls) {
			if (f->escape)
				longjmp(*f->escape, 1);
			cr_assert_fail("VCRSP polled %u times: the driver has no timeout",
				       f->vcrsp_reads);
		}
		if (f->busy_left) {
			f->busy_left--;
			return f->vcrsp;
		}
		if (!f->stuck)
			f->vcrsp &= ~PV_VTD_VCRSP_IP;
		return f->vcrsp;
	}
	if (off == f_vcmd(f))
		return f->vcmd;
	f->other_reads++;
	return 0;
}

static u64 rsp(const struct fake_vtd *f, unsigned int sc, u64 result)
{
	return (result << f_shift(f)) | ((u64)sc << 1);
}

static void fake_alloc(struct fake_vtd *f)
{
	struct fake_host *h = f->host;
	unsigned int id;

	f->allocs++;
	if (f->force_sc >= 0) {
		f->vcrsp = rsp(f, f->force_sc, 0);
		return;
	}
	if (f->force_result >= 0) {
		f->vcrsp = rsp(f, 0, (u64)f->force_result);
		return;
	}
	for (id = 1; id <= h->limit; id++) {
		if (!h->used[id]) {
			h->used[id] = true;
			h->held++;
			f->vcrsp = rsp(f, 0, id);
			return;
		}
	}
	f->vcrsp = rsp(f, f->sc_no_pasid, 0);
}

static void fake_free(struct fake_vtd *f, unsigned int id)
{
	struct fake_host *h = f->host;

	if (f->frees < ARRAY_SIZE(f->freed))
		f->freed[f->frees] = id;
	f->frees++;
	if (f->force_sc >= 0) {
		f->vcrsp = rsp(f, f->force_sc, 0);
		return;
	}
	if (id >= HOST_IDS || !h->used[id]) {
		f->bad_frees++;
		f->vcrsp = rsp(f, f->sc_no_pasid, 0);
		return;
	}
	h->used[id] = false;
	h->held--;
	f->vcrsp = rsp(f, 0, 0);
}

static void fake_write(void *opaque, u64 off, u64 val, unsigned int size)
{
	struct fake_vtd *f = opaque;

	cr_assert_eq(size, 8, "VT-d registers are written with writeq");
	if (off != f_vcmd(f))
		return;			/* read-only or unassigned: ignored */
	f->vcmd_writes++;
	f->vcmd = val;
	if (f->stuck) {
		f->vcrsp = PV_VTD_VCRSP_IP;
		return;
	}
	switch (val & 0xff) {
	case PV_VTD_VCMD_ALLOC:
		fake_alloc(f);
		break;
	case PV_VTD_VCMD_FREE:
		fake_free(f, (val >> f_shift(f)) & PV_VTD_RESULT_MASK);
		break;
	default:
		f->vcrsp = rsp(f, 1, 0);	/* undefined command */
		break;
	}
	if (f->busy_polls) {
		f->vcrsp |= PV_VTD_VCRSP_IP;
		f->busy_left = f->busy_polls;
	}
}

static const struct sim_mmio_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
};

/* Guest-signature capability bits (CM, SMTS, VCS, PAS), PSS = @pss. */
#define GUEST_CAPS	(PV_VTD_CAP_CM)
#define GUEST_ECAP(pss)	(PV_VTD_ECAP_PASID | PV_VTD_ECAP_SMTS | PV_VTD_ECAP_VCS | \
			 ((u64)(pss) << PV_VTD_ECAP_PSS_SHIFT))

static struct fake_vtd *fake_new(struct fake_host *host, enum pv_vtd_layout layout,
				 u64 cap, u64 ecap, u64 vccap)
{
	struct fake_vtd *f = calloc(1, sizeof(*f));

	cr_assert_not_null(f);
	f->host = host;
	f->layout = layout;
	f->cap = cap;
	f->ecap = ecap;
	f->vccap = vccap;
	/* The specification's codes, not the driver's: a seeded bug may change those. */
	f->sc_no_pasid = layout == PV_VTD_LAYOUT_3_0 ? 2 : 16;
	f->force_sc = -1;
	f->force_result = -1;
	f->reg = sim_mmio_map(WINDOW, &fake_ops, f);
	cr_assert_not_null(f->reg);
	return f;
}

static struct fake_vtd *fake_guest(struct fake_host *host, unsigned int pss)
{
	return fake_new(host, PV_VTD_LAYOUT_3_3, GUEST_CAPS, GUEST_ECAP(pss), PV_VTD_VCCAP_PAS);
}

static void fake_free_all(struct fake_vtd *f)
{
	sim_mmio_unmap(f->reg);
	free(f);
}

static struct fake_host *host_new(unsigned int limit)
{
	struct fake_host *h = calloc(1, sizeof(*h));

	cr_assert_not_null(h);
	h->limit = limit;
	return h;
}

static void viommu_init(struct pv_vtd_iommu *v, const char *name, struct fake_vtd *f,
			enum pv_vtd_layout layout)
{
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->reg = f->reg;
	v->layout = layout;
	cr_assert_eq(pv_vtd_iommu_init(v), 0);
}

/* ---- detection -------------------------------------------------------------- */

KTEST(intel_pasid, detection_matrix)
{
	struct fake_host *h = host_new(100);

	for (unsigned int m = 0; m < 16; m++) {
		bool cm = m & 1, smts = m & 2, vcs = m & 4, pas = m & 8;
		u64 ecap = PV_VTD_ECAP_PASID | (19ULL << PV_VTD_ECAP_PSS_SHIFT);
		struct fake_vtd *f;
		struct pv_vtd_iommu v;

		ecap |= (smts ? PV_VTD_ECAP_SMTS : 0) | (vcs ? PV_VTD_ECAP_VCS : 0);
		f = fake_new(h, PV_VTD_LAYOUT_3_3, cm ? PV_VTD_CAP_CM : 0, ecap,
			     pas ? PV_VTD_VCCAP_PAS : 0);
		viommu_init(&v, "dmar", f, PV_VTD_LAYOUT_3_3);
		cr_assert_eq(pv_vtd_iommu_vcmd_active(&v), cm && smts && vcs && pas,
			     "CM %d SMTS %d VCS %d PAS %d", cm, smts, vcs, pas);
		cr_assert_eq(f->vccap_reads, cm && smts && vcs ? 1u : 0u,
			     "CM %d SMTS %d VCS %d PAS %d: %u VCCAP reads", cm, smts, vcs,
			     pas, f->vccap_reads);
		if (!vcs)
			cr_assert_eq(f->vccap_reads, 0, "VCCAP read with ECAP.VCS = 0 (B2)");
		cr_assert_eq(f->vcmd_writes, 0, "init sent a command");
		cr_assert(pv_vtd_sm_enabled());
		pv_vtd_iommu_exit(&v);
		fake_free_all(f);
	}
	free(h);
}

/* B2 (fuzz/bugbench/vtd-vccap-ungated.patch) read VCCAP without ECAP.VCS. */
KTEST(intel_pasid, vccap_gated_by_vcs)
{
	struct fake_host *h = host_new(100);
	u64 ecap = GUEST_ECAP(19) & ~PV_VTD_ECAP_VCS;
	struct fake_vtd *f = fake_new(h, PV_VTD_LAYOUT_3_3, GUEST_CAPS, ecap, PV_VTD_VCCAP_PAS);
	struct pv_vtd_iommu v;

	viommu_init(&v, "fixed", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(f->vccap_reads, 0);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v));
	pv_vtd_iommu_exit(&v);
	f->cap = 0;
	viommu_init(&v, "bare", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(f->vccap_reads, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, init_bad_args)
{
	struct pv_vtd_iommu v;

	cr_assert_eq(pv_vtd_iommu_init(NULL), -EINVAL);
	memset(&v, 0, sizeof(v));
	cr_assert_eq(pv_vtd_iommu_init(&v), -EINVAL, "no register window");
	v.reg = (void __iomem *)0x1000;
	v.layout = 7;
	cr_assert_eq(pv_vtd_iommu_init(&v), -EINVAL, "unknown layout");
	cr_assert_eq(sim_mmio_unassigned_accesses(), 0, "a refused init touched registers");
	pv_vtd_iommu_exit(NULL);
}

KTEST(intel_pasid, init_twice_exit_twice)
{
	struct fake_host *h = host_new(10);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v, zero;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(pv_vtd_iommu_init(&v), -EBUSY);
	cr_assert(pv_vtd_iommu_vcmd_active(&v), "a refused init undid the first");
	cr_assert_eq(f->vccap_reads, 1, "a refused init probed again");
	memset(&zero, 0, sizeof(zero));
	pv_vtd_iommu_exit(&zero);
	cr_assert(pv_vtd_iommu_vcmd_active(&v));
	pv_vtd_iommu_exit(&v);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v));
	pv_vtd_iommu_exit(&v);
	/* Exited: it may be initialised again, and registers again. */
	cr_assert_eq(pv_vtd_iommu_init(&v), 0);
	cr_assert(pv_vtd_iommu_vcmd_active(&v));
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, pss_sets_consumer_range)
{
	struct fake_host *h = host_new(HOST_IDS - 1);
	struct fake_vtd *f = fake_guest(h, 4);		/* 2^5 - 1 = 31 */
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(iommu_pasid_alloc(&c, 32, 100, NULL, &id), -EINVAL,
		     "[32, 100] is outside [1, 31]");
	for (ioasid_t i = 1; i <= 31; i++)
		cr_assert_eq(ktest_alloc(&c, NULL), i);
	/* The host has more, but the range is full: the 32nd it gives is refused. */
	cr_assert_eq(iommu_pasid_alloc(&c, 0, UINT_MAX, NULL, &id), -ENOSPC);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_BAD_RESULT), 1);
	cr_assert_eq(f->freed[0], 32, "the out-of-range PASID went back to the host");
	cr_assert_eq(h->held, 31);
	iommu_pasid_exit(&c);
	cr_assert_eq(h->held, 0);

	/* A direct ioasid_alloc() beyond the PSS limit is refused, as in 6.1. */
	cr_assert_eq(ioasid_alloc(NULL, 1, 32, NULL), INVALID_IOASID);
	cr_assert_eq(ioasid_alloc(NULL, 0, 31, NULL), INVALID_IOASID, "PASID 0 reserved");
	cr_assert_eq(f->allocs, 32, "refused requests reached the host");

	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, no_pasid_capable_viommu)
{
	struct fake_host *h = host_new(10);
	struct fake_vtd *f = fake_new(h, PV_VTD_LAYOUT_3_3, 0, PV_VTD_ECAP_SMTS, 0);
	struct pv_vtd_iommu v;
	struct iommu_pasid c = { .name = "c" };

	viommu_init(&v, "legacy", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(iommu_pasid_init(&c), -EOPNOTSUPP);
	pv_vtd_iommu_exit(&v);
	/* With the last vIOMMU gone, its range callback is gone too. */
	cr_assert_eq(iommu_pasid_init(&c), 0);
	iommu_pasid_exit(&c);
	fake_free_all(f);
	free(h);
}

/* ---- allocation through the API --------------------------------------------- */

KTEST(intel_pasid, api_routes_to_vcmd)
{
	struct fake_host *h = host_new(HOST_IDS - 1);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	int priv;
	ioasid_t a, b;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	cr_assert(pv_vtd_iommu_vcmd_active(&v));
	ktest_consumer_init(&c, "c");

	/* The host holds 1..3 for other VMs: the guest gets what the host picks. */
	h->used[1] = h->used[2] = h->used[3] = true;
	a = ktest_alloc(&c, &priv);
	b = ktest_alloc(&c, NULL);
	cr_assert_eq(a, 4);
	cr_assert_eq(b, 5);
	cr_assert_eq(f->vcmd_writes, 2);
	cr_assert_eq(f->vcmd & 0xff, PV_VTD_VCMD_ALLOC);
	cr_assert_eq(iommu_pasid_find(&c, a), &priv);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_ALLOC_OK), 2);

	/* Private data is cleared before the free: the host frees it. */
	cr_assert_eq(iommu_pasid_free(&c, a), 0);
	cr_assert_eq(f->frees, 1);
	cr_assert_eq(f->freed[0], a);
	cr_assert_eq(f->vcmd, PV_VTD_VCMD_FREE | ((u64)a << PV_VTD_OPERAND_SHIFT));
	cr_assert_not(h->used[a]);
	ktest_assert_unallocated(a);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_FREE_OK), 1);

	iommu_pasid_exit(&c);
	cr_assert_not(h->used[b]);
	cr_assert_eq(f->bad_frees, 0);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_CMDS), 4);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, host_exhaustion_is_enospc)
{
	struct fake_host *h = host_new(3);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	for (int i = 0; i < 3; i++)
		ktest_alloc(&c, NULL);
	cr_assert_eq(iommu_pasid_alloc(&c, 1, 100, NULL, &id), -ENOSPC);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_ALLOC_NOSPC), 1);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), -ENOSPC);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 9, 8, &id), -EINVAL);
	cr_assert_eq(f->allocs, 5, "min > max reached the host");
	iommu_pasid_exit(&c);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/* ---- status codes: B1 ---------------------------------------------------------- */

static int alloc_with_sc(struct pv_vtd_iommu *v, struct fake_vtd *f, int sc)
{
	ioasid_t id = SENTINEL;
	int ret;

	f->force_sc = sc;
	ret = pv_vtd_alloc_pasid(v, 1, 100, &id);
	f->force_sc = -1;
	cr_assert_eq(id, SENTINEL);
	return ret;
}

static int free_with_sc(struct pv_vtd_iommu *v, struct fake_vtd *f, int sc)
{
	int ret;

	f->force_sc = sc;
	ret = pv_vtd_free_pasid(v, 42);
	f->force_sc = -1;
	return ret;
}

KTEST(intel_pasid, status_codes_3_3)
{
	struct fake_host *h = host_new(10);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(alloc_with_sc(&v, f, 16), -ENOSPC);
	sim_log_clear(NULL);
	cr_assert_eq(alloc_with_sc(&v, f, 2), -ENODEV, "3.0's code against a 3.3 driver");
	cr_assert(sim_log_contains(NULL, "Unexpected error code 2"));
	cr_assert_eq(alloc_with_sc(&v, f, 1), -ENODEV);
	cr_assert_eq(alloc_with_sc(&v, f, 0x7f), -ENODEV);
	cr_assert_eq(free_with_sc(&v, f, 16), -ENOENT);
	cr_assert_eq(free_with_sc(&v, f, 1), -ENODEV);
	cr_assert_eq(free_with_sc(&v, f, 0), 0);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_ALLOC_NOSPC), 1);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_ERRORS), 4);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_FREE_INVALID), 1);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/* B1 (fuzz/bugbench/vtd-sc-no-pasid-v30.patch) read 1 as "no PASID". */
KTEST(intel_pasid, layout_3_0_status_codes)
{
	struct fake_host *h = host_new(2);
	struct fake_vtd *f = fake_new(h, PV_VTD_LAYOUT_3_0, GUEST_CAPS, GUEST_ECAP(19),
				      PV_VTD_VCCAP_PAS);
	struct pv_vtd_iommu v;
	ioasid_t id;

	/* Fixed 3.0 driver: the host's "no PASID" (2) is -ENOSPC. */
	viommu_init(&v, "fixed", f, PV_VTD_LAYOUT_3_0);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), 0);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), 0);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), -ENOSPC);
	cr_assert_eq(pv_vtd_free_pasid(&v, 99), -ENOENT);
	cr_assert_eq(pv_vtd_free_pasid(&v, 1), 0);
	cr_assert_eq(pv_vtd_free_pasid(&v, 2), 0);
	cr_assert_eq(h->held, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/* ---- layouts: B3 ---------------------------------------------------------------- */

KTEST(intel_pasid, layout_3_0_end_to_end)
{
	struct fake_host *h = host_new(HOST_IDS - 1);
	struct fake_vtd *f = fake_new(h, PV_VTD_LAYOUT_3_0, GUEST_CAPS, GUEST_ECAP(19),
				      PV_VTD_VCCAP_PAS);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id;

	h->used[1] = true;
	for (int i = 2; i < 300; i++)	/* IDs above 255 need all 20 bits at shift 8 */
		h->used[i] = true;
	viommu_init(&v, "dmar30", f, PV_VTD_LAYOUT_3_0);
	cr_assert(pv_vtd_iommu_vcmd_active(&v));
	cr_assert_eq(f->vccap_reads, 1);
	ktest_consumer_init(&c, "c");
	id = ktest_alloc(&c, NULL);
	cr_assert_eq(id, 300);
	cr_assert_eq(iommu_pasid_free(&c, id), 0);
	cr_assert_eq(f->vcmd, PV_VTD_VCMD_FREE | ((u64)300 << PV_VTD_30_OPERAND_SHIFT));
	cr_assert_not(h->used[300]);
	iommu_pasid_exit(&c);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, b3_layout_mismatch)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f30 = fake_new(h, PV_VTD_LAYOUT_3_0, GUEST_CAPS, GUEST_ECAP(19),
					PV_VTD_VCCAP_PAS);
	struct fake_vtd *f33 = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	ioasid_t id = SENTINEL;

	/* A 3.3 driver on a 3.0 VMM looks for VCCAP at 0xe30: nothing there. */
	viommu_init(&v, "d33-on-30", f30, PV_VTD_LAYOUT_3_3);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v));
	cr_assert_eq(f30->vccap_reads, 0);
	pv_vtd_iommu_exit(&v);

	/* A 3.0 driver on a 3.3 VMM reads VCMD (0) as VCCAP. */
	viommu_init(&v, "d30-on-33", f33, PV_VTD_LAYOUT_3_0);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v));
	cr_assert_eq(f33->vccap_reads, 0);

	/*
	 * Forced through anyway, its command lands on the read-only VCRSP and
	 * it polls an empty register: "success" with PASID 0, which the range
	 * check refuses. 6.1 (no check: fuzz/bugbench/vtd-no-result-check.patch) hands PASID 0
	 * out.
	 */
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), -EIO);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(f33->vcmd_writes, 0);
	cr_assert_eq(f33->allocs, 0);
	pv_vtd_iommu_exit(&v);

	fake_free_all(f30);
	fake_free_all(f33);
	free(h);
}

/* ---- results the host should not give --------------------------------------------- */

KTEST(intel_pasid, out_of_range_result_given_back)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	f->force_result = 5;
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 10, 20, &id), -EIO);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(f->frees, 1);
	cr_assert_eq(f->freed[0], 5);
	f->force_result = 0;
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 0, 20, &id), -EIO, "PASID 0 is never valid");
	cr_assert_eq(f->freed[1], 0);
	f->force_result = 21;
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 10, 20, &id), -EIO);
	f->force_result = 20;
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 10, 20, &id), 0, "max is inclusive");
	cr_assert_eq(id, 20);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_BAD_RESULT), 3);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, duplicate_result_refused_without_free)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, NULL), 1);
	f->force_result = 1;
	cr_assert_eq(iommu_pasid_alloc(&c, 1, 100, NULL, &id), -ENOSPC);
	cr_assert_eq(f->frees, 0, "the holder's host PASID was freed");
	cr_assert(h->used[1]);
	cr_assert_eq(iommu_pasid_find(&c, 1), NULL, "the holder lost PASID 1");
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_BAD_RESULT), 1);
	f->force_result = -1;
	iommu_pasid_exit(&c);
	cr_assert_eq(h->held, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/*
 * A duplicate outside the requested range: the duplicate check runs on the
 * raw answer before the range check, so nothing is freed back either.
 */
KTEST(intel_pasid, out_of_range_duplicate_refused_without_free)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	int priv;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, &priv), 1);
	f->force_result = 1;
	cr_assert_eq(iommu_pasid_alloc(&c, 10, 100, NULL, &id), -ENOSPC);
	cr_assert_eq(f->frees, 0, "the holder's host PASID 1 was freed");
	cr_assert(h->used[1]);
	/* The exported call: -EEXIST and no free, in the range or not. */
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 10, 100, &id), -EEXIST);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), -EEXIST);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(f->frees, 0);
	cr_assert(h->used[1]);
	cr_assert_eq(iommu_pasid_find(&c, 1), &priv, "the holder lost PASID 1");
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_BAD_RESULT), 3);
	/* An untracked PASID outside the range is still given back. */
	f->force_result = 5;
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 10, 100, &id), -EIO);
	cr_assert_eq(f->frees, 1);
	cr_assert_eq(f->freed[0], 5);
	f->force_result = -1;
	iommu_pasid_exit(&c);
	cr_assert_eq(h->held, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/* ---- free order and fire-and-forget frees (DOMAIN.md §2.4, §8.11) ---------------- */

KTEST(intel_pasid, free_with_private_data_leaks_on_host)
{
	static DECLARE_IOASID_SET(set);
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	int priv;
	ioasid_t a, b;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	a = ioasid_alloc(&set, 1, 100, &priv);
	b = ioasid_alloc(&set, 1, 100, NULL);
	cr_assert_eq(a, 1);
	cr_assert_eq(b, 2);

	sim_log_clear(NULL);
	ioasid_free(a);
	cr_assert(sim_log_contains(NULL, "Cannot free active IOASID 1"));
	cr_assert_eq(f->frees, 0, "the host was told to free an ID with data");
	ktest_assert_unallocated(a);
	cr_assert(h->used[a], "the host keeps it: leaked");
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_FREE_SKIPPED), 1);

	ioasid_free(b);
	cr_assert_eq(f->frees, 1);
	cr_assert_eq(f->freed[0], b);
	cr_assert_not(h->used[b]);

	/* Clearing the data first (what the iommu_pasid layer does) frees it. */
	a = ioasid_alloc(&set, 1, 100, &priv);
	cr_assert_eq(a, 2, "the host still holds 1");
	cr_assert_eq(ioasid_set_data(a, NULL), 0);
	ioasid_free(a);
	cr_assert_not(h->used[a]);
	cr_assert_eq(h->held, 1);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

static void tracking_failure(bool expect_host_free)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	/* The host grants PASID 1, then the guest cannot track it. */
	sim_fault_fail_site(NULL, "radix_tree_node");
	cr_assert_eq(ioasid_alloc(NULL, 1, 100, NULL), INVALID_IOASID);
	sim_fault_reset(NULL);
	cr_assert_eq(f->allocs, 1);
	ktest_assert_unallocated(1);
	cr_assert_eq(f->frees, expect_host_free ? 1u : 0u);
	cr_assert_eq(h->used[1], !expect_host_free);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, tracking_failure_frees_on_host)
{
	tracking_failure(true);
}

KTEST(intel_pasid, host_free_errors_are_only_logged)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	id = ktest_alloc(&c, NULL);
	f->force_sc = 16;	/* the host claims the PASID is not ours */
	cr_assert_eq(iommu_pasid_free(&c, id), 0, "fire and forget");
	f->force_sc = -1;
	ktest_assert_unallocated(id);
	cr_assert(h->used[id], "guest and host diverge");
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_FREE_INVALID), 1);
	iommu_pasid_exit(&c);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/* ---- several vIOMMUs, registration failure --------------------------------------- */

/*
 * The consumers' range follows the vIOMMUs present: when the one with the
 * smallest PSS goes, the limit widens again; when the last PASID-capable
 * one goes, consumers fail (fuzz/bugbench/vtd-exit-keeps-limit.patch).
 */
static void limit_scenario(bool restored)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f1 = fake_guest(h, 19), *f2 = fake_guest(h, 4);
	struct fake_vtd *f3 = fake_new(h, PV_VTD_LAYOUT_3_3, 0, PV_VTD_ECAP_SMTS, 0);
	struct pv_vtd_iommu v1, v2, v3;
	struct iommu_pasid c;

	viommu_init(&v1, "dmar0", f1, PV_VTD_LAYOUT_3_3);
	viommu_init(&v2, "dmar1", f2, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "narrow");
	cr_assert_eq(c.range_max, 31, "PSS 4: [1, 31]");
	iommu_pasid_exit(&c);

	pv_vtd_iommu_exit(&v2);
	ktest_consumer_init(&c, "after");
	cr_assert_eq(c.range_max, restored ? IOMMU_PASID_MAX : 31,
		     "range [1, %u] after the PSS-4 vIOMMU went", c.range_max);
	iommu_pasid_exit(&c);

	/* A legacy vIOMMU stays; the only PASID-capable one goes. */
	viommu_init(&v3, "legacy", f3, PV_VTD_LAYOUT_3_3);
	pv_vtd_iommu_exit(&v1);
	memset(&c, 0, sizeof(c));
	c.name = "none";
	cr_assert_eq(iommu_pasid_init(&c), restored ? -EOPNOTSUPP : 0);
	iommu_pasid_exit(&c);
	pv_vtd_iommu_exit(&v3);
	fake_free_all(f1);
	fake_free_all(f2);
	fake_free_all(f3);
	free(h);
}

KTEST(intel_pasid, exit_restores_the_limit)
{
	limit_scenario(true);
}

KTEST(intel_pasid, two_viommus_share_one_space)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f1 = fake_guest(h, 19);
	struct fake_vtd *f2 = fake_guest(h, 10);
	struct pv_vtd_iommu v1, v2;
	struct fake_vtd *server;
	struct iommu_pasid c;
	ioasid_t ids[6];

	viommu_init(&v1, "dmar0", f1, PV_VTD_LAYOUT_3_3);
	viommu_init(&v2, "dmar1", f2, PV_VTD_LAYOUT_3_3);
	cr_assert(pv_vtd_iommu_vcmd_active(&v1));
	cr_assert(pv_vtd_iommu_vcmd_active(&v2));
	ktest_consumer_init(&c, "c");
	for (int i = 0; i < 4; i++)
		ids[i] = ktest_alloc(&c, NULL);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(ids[i], (ioasid_t)i + 1);
	/* The shared space is served through the first vIOMMU. */
	cr_assert_eq(f1->allocs, 4);
	cr_assert_eq(f2->allocs, 0);

	/*
	 * The first goes away; the space and its IDs stay. pasidsim's allocator
	 * then serves it through the second vIOMMU. Linux 6.1's keeps calling
	 * the departed lead ops with its pdata (a use-after-free once the
	 * vIOMMU is freed; here it is still mapped): docs/paravirt.md.
	 */
	pv_vtd_iommu_exit(&v1);
	server = linux61() ? f1 : f2;
	for (int i = 0; i < 4; i++)
		cr_assert_eq(iommu_pasid_find(&c, ids[i]), NULL, "ID %u lost", ids[i]);
	ids[4] = ktest_alloc(&c, NULL);
	cr_assert_eq(ids[4], 5);
	cr_assert_eq(f1->allocs + f2->allocs, 5);
	cr_assert_eq(server->allocs, linux61() ? 5 : 1);
	cr_assert_eq(iommu_pasid_free(&c, ids[0]), 0);
	cr_assert_eq(server->frees, 1);
	cr_assert_eq(server->freed[0], 1);
	cr_assert_eq(f1->frees + f2->frees, 1);
	iommu_pasid_exit(&c);
	cr_assert_eq(h->held, 0);

	/* The range is the smallest PSS: 2^11 - 1. */
	memset(&c, 0, sizeof(c));
	c.name = "c2";
	c.min = 2000;
	c.max = 3000;
	cr_assert_eq(iommu_pasid_init(&c), 0);
	ids[5] = SENTINEL;
	cr_assert_eq(iommu_pasid_alloc(&c, 2048, 3000, NULL, &ids[5]), -EINVAL);
	iommu_pasid_exit(&c);

	pv_vtd_iommu_exit(&v2);
	fake_free_all(f1);
	fake_free_all(f2);
	free(h);
}

KTEST(intel_pasid, registration_failure_disables_pasids)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f1 = fake_guest(h, 19);
	struct fake_vtd *f2 = fake_guest(h, 19);
	struct pv_vtd_iommu v1, v2;
	struct iommu_pasid c = { .name = "c" };
	ioasid_t local;

	/* A PASID from the default allocator: a custom one cannot take over. */
	local = ioasid_alloc(NULL, 1, 10, NULL);
	cr_assert_eq(local, 1);
	sim_log_clear(NULL);
	viommu_init(&v1, "dmar0", f1, PV_VTD_LAYOUT_3_3);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v1));
	cr_assert_not(pv_vtd_sm_enabled());
	cr_assert(sim_log_contains(NULL, "registration failed (-11)"));
	cr_assert_eq(iommu_pasid_init(&c), -EOPNOTSUPP);

	/* Later vIOMMUs do not even look at VCCAP. */
	viommu_init(&v2, "dmar1", f2, PV_VTD_LAYOUT_3_3);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v2));
	cr_assert_eq(f2->vccap_reads, 0);
	cr_assert_eq(f1->vcmd_writes + f2->vcmd_writes, 0);
	ioasid_free(local);

	pv_vtd_iommu_exit(&v2);
	pv_vtd_iommu_exit(&v1);
	cr_assert_not(pv_vtd_sm_enabled(), "scalable mode stays off");
	fake_free_all(f1);
	fake_free_all(f2);
	free(h);
}

/* ---- polling and the timeout ---------------------------------------------------- */

static jmp_buf panic_jmp;
static u64 fake_now;

static void on_panic(struct sim_kernel *k, const struct sim_finding *f, void *arg)
{
	longjmp(panic_jmp, 1);
}

/* Every reading of the clock is 1 ms later than the one before. */
static u64 ticking_clock(void *arg)
{
	fake_now += 1000000;
	return fake_now;
}

KTEST(intel_pasid, slow_host_is_polled)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	f->busy_polls = 100;
	sim_kernel_set_clock(NULL, ticking_clock, NULL);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), 0);
	sim_kernel_set_clock(NULL, NULL, NULL);
	cr_assert_eq(id, 1);
	cr_assert_eq(f->vcrsp_reads, 101, "polled until IP cleared");
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(intel_pasid, timeout_panics)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	volatile int panicked = 0;
	const struct sim_finding *fnd;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	f->stuck = true;
	f->max_polls = 100000;	/* 100 s of 1 ms clock ticks */
	ktest_expect(SIM_FINDING_PANIC, 1);
	sim_set_panic_handler(NULL, on_panic, NULL);
	sim_kernel_set_clock(NULL, ticking_clock, NULL);
	if (setjmp(panic_jmp) == 0)
		pv_vtd_alloc_pasid(&v, 1, 100, &id);
	else
		panicked = 1;
	sim_kernel_set_clock(NULL, NULL, NULL);
	sim_set_panic_handler(NULL, NULL, NULL);

	cr_assert(panicked, "a stuck VCMD returned");
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_PANIC), 1);
	fnd = sim_finding_get(NULL, sim_findings_count(NULL, -1) - 1);
	cr_assert_eq(fnd->kind, SIM_FINDING_PANIC);
	cr_assert(strstr(fnd->msg, "DMAR hardware is malfunctioning"), "%s", fnd->msg);
	/* 10 s of 1 ms clock ticks went by: the deadline really passed. */
	cr_assert_geq(f->vcrsp_reads, 9999);

	/* The world would reset the instance; release what the dead CPU held. */
	spin_unlock_irqrestore(&v.register_lock, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

/*
 * ---- seeded bugs (fuzz/bugbench) ----------------------------------------------
 *
 * Built only into test_intel_pasid+<bug>, against core/ with
 * fuzz/bugbench/<bug>.patch applied (PASIDSIM_BUG_<bug>): each test asserts
 * the bug's effect (ctest bugbench/<bug>/detected), and the intel_pasid suite
 * above fails against the patched copy (bugbench/<bug>/killed).
 */

#ifdef PASIDSIM_BUG_vtd_vccap_ungated
KTEST(bugbench, vtd_vccap_ungated)
{
	struct fake_host *h = host_new(100);
	u64 ecap = GUEST_ECAP(19) & ~PV_VTD_ECAP_VCS;
	struct fake_vtd *f = fake_new(h, PV_VTD_LAYOUT_3_3, GUEST_CAPS, ecap, PV_VTD_VCCAP_PAS);
	struct pv_vtd_iommu v;

	/* Before v5.10: VCCAP is read anyway, and what it returns decides. */
	viommu_init(&v, "b2", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(f->vccap_reads, 1);
	cr_assert(pv_vtd_iommu_vcmd_active(&v), "B2: PAS from a non-existent register");
	pv_vtd_iommu_exit(&v);

	/* Even on bare metal (CM = 0) the buggy driver reads it. */
	f->cap = 0;
	viommu_init(&v, "b2-bare", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(f->vccap_reads, 2);
	cr_assert_not(pv_vtd_iommu_vcmd_active(&v));
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif

#ifdef PASIDSIM_BUG_vtd_sc_no_pasid_v30
KTEST(bugbench, vtd_sc_no_pasid_v30)
{
	struct fake_host *h = host_new(2);
	struct fake_vtd *f = fake_new(h, PV_VTD_LAYOUT_3_0, GUEST_CAPS, GUEST_ECAP(19),
				      PV_VTD_VCCAP_PAS);
	struct pv_vtd_iommu v;
	ioasid_t id;

	/* B1: the driver expects 1, so exhaustion reads as a device error. */
	viommu_init(&v, "b1", f, PV_VTD_LAYOUT_3_0);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), 0);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), 0);
	sim_log_clear(NULL);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), -ENODEV);
	cr_assert(sim_log_contains(NULL, "Unexpected error code 2"));
	cr_assert_eq(pv_vtd_free_pasid(&v, 99), -ENODEV);
	cr_assert_eq(pv_vtd_free_pasid(&v, 1), 0);
	cr_assert_eq(pv_vtd_free_pasid(&v, 2), 0);
	cr_assert_eq(h->held, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif

#ifdef PASIDSIM_BUG_vtd_no_result_check
KTEST(bugbench, vtd_no_result_check_b3_pasid_0)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f33 = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	ioasid_t id = SENTINEL;

	/* A 3.0 driver on a 3.3 VMM, forced through: "success" with PASID 0. */
	viommu_init(&v, "d30-on-33-61", f33, PV_VTD_LAYOUT_3_0);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, 100, &id), 0);
	cr_assert_eq(id, 0, "B3: the guest believes it got PASID 0");
	pv_vtd_iommu_exit(&v);
	fake_free_all(f33);
	free(h);
}

KTEST(bugbench, vtd_no_result_check_caught_by_consumer_layer)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 4);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	/* 6.1 behaviour: the driver passes 50 on although PSS allows 31. */
	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	f->force_result = 50;
	h->used[50] = true;
	h->held = 1;
	cr_assert_eq(iommu_pasid_alloc(&c, 1, 31, NULL, &id), -EIO);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(f->frees, 1, "the consumer layer gave it back");
	cr_assert_eq(f->freed[0], 50);
	cr_assert_eq(h->held, 0);
	ktest_assert_unallocated(50);
	iommu_pasid_exit(&c);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}

KTEST(bugbench, vtd_no_result_check_frees_the_holders_pasid)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, NULL), 1);
	f->force_result = 1;
	cr_assert_eq(iommu_pasid_alloc(&c, 1, 100, NULL, &id), -ENOSPC);
	/* The I/O ASID core handed the duplicate to free(): the host let 1 go. */
	cr_assert_eq(f->frees, 1);
	cr_assert_eq(f->freed[0], 1);
	cr_assert_not(h->used[1], "guest and host now disagree about PASID 1");
	cr_assert_eq(iommu_pasid_find(&c, 1), NULL, "the guest still holds 1");
	f->force_result = -1;
	iommu_pasid_exit(&c);
	cr_assert_eq(f->bad_frees, 1, "the holder's own free found nothing on the host");
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif

#ifdef PASIDSIM_BUG_vtd_free_unchecked
KTEST(bugbench, vtd_free_unchecked_frees_active_ids)
{
	static DECLARE_IOASID_SET(set);
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	int priv;
	ioasid_t a;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	a = ioasid_alloc(&set, 1, 100, &priv);
	ioasid_free(a);
	cr_assert_eq(f->frees, 1);
	cr_assert_eq(h->held, 0);
	cr_assert_eq(pv_vtd_iommu_stat(&v, PV_VTD_STAT_FREE_SKIPPED), 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif

#ifdef PASIDSIM_BUG_vtd_free_err_active
KTEST(bugbench, vtd_free_err_active_leaks_on_host)
{
	tracking_failure(false);
}
#endif

#ifdef PASIDSIM_BUG_vtd_vcmd_no_timeout
KTEST(bugbench, vtd_vcmd_no_timeout)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	jmp_buf escape;
	volatile int escaped = 0;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	f->stuck = true;
	f->max_polls = 50000;
	f->escape = &escape;
	sim_kernel_set_clock(NULL, ticking_clock, NULL);
	if (setjmp(escape) == 0)
		pv_vtd_alloc_pasid(&v, 1, 100, &id);
	else
		escaped = 1;
	sim_kernel_set_clock(NULL, NULL, NULL);
	cr_assert(escaped, "the stuck command returned");
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_PANIC), 0, "no panic");
	cr_assert_gt(fake_now, 50ULL * 1000 * 1000 * 1000, "50 s of polling past a 10 s deadline");
	spin_unlock_irqrestore(&v.register_lock, 0);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif

#ifdef PASIDSIM_BUG_vtd_range_lock_inversion
KTEST(bugbench, vtd_range_lock_inversion)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	struct iommu_pasid c;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);	/* pv_vtd_lock -> ops lock */
	ktest_expect(SIM_FINDING_LOCKDEP, 1);
	ktest_consumer_init(&c, "c");			/* ops lock -> pv_vtd_lock */
	cr_assert_eq(sim_findings_count(NULL, SIM_FINDING_LOCKDEP), 1, "AB-BA");
	iommu_pasid_exit(&c);
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif

#ifdef PASIDSIM_BUG_vtd_exit_keeps_limit
KTEST(bugbench, vtd_exit_keeps_limit)
{
	limit_scenario(false);
}
#endif

#ifdef PASIDSIM_BUG_vtd_result_shift
KTEST(bugbench, vtd_result_shift)
{
	struct fake_host *h = host_new(100);
	struct fake_vtd *f = fake_guest(h, 19);
	struct pv_vtd_iommu v;
	ioasid_t id = SENTINEL;

	viommu_init(&v, "dmar0", f, PV_VTD_LAYOUT_3_3);
	cr_assert_eq(pv_vtd_alloc_pasid(&v, 1, IOMMU_PASID_MAX, &id), 0);
	cr_assert(h->used[1], "the host granted PASID 1");
	cr_assert_eq(id, 1 << 8, "the guest reads it as %u", id);
	cr_assert_eq(pv_vtd_free_pasid(&v, id), 0);
	cr_assert_eq(f->freed[0], 1, "the same wrong shift back");
	pv_vtd_iommu_exit(&v);
	fake_free_all(f);
	free(h);
}
#endif
