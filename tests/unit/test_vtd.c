// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the VT-d vIOMMU model (sim/hw/vtd.c): the register file (reset
 * values, masks, layouts), VCMD semantics driven the way a guest driver
 * does it (readq/writeq on the window), every fault knob, reset
 * consistency and hostile writes.
 *
 * Offsets and field positions are written here as literal numbers, from
 * the VT-d specification and Linux, not taken from the model's headers.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <linux/io.h>
#include <linux/kernel.h>
#include <sim/vtd.h>
#include <ktest.h>

/* ---- the layouts, as a driver knows them ------------------------------------ */

struct lit_layout {
	u32 vccap, vcmd, vcrsp;
	unsigned int op_shift, sc_shift, sc_bits, res_shift;
};

static const struct lit_layout L33 = { 0xe30, 0xe00, 0xe10, 16, 1, 7, 16 };
static const struct lit_layout L30 = { 0xe00, 0xe10, 0xe20, 8, 1, 2, 8 };

static unsigned int rsp_sc(const struct lit_layout *l, u64 rsp)
{
	return (rsp >> l->sc_shift) & ((1u << l->sc_bits) - 1);
}

static u32 rsp_result(const struct lit_layout *l, u64 rsp)
{
	return (rsp >> l->res_shift) & 0xfffff;
}

/* ---- a fake host allocator ---------------------------------------------------- */

#define FAKE_MAX	64

struct fake {
	u32 limit;			/* PASIDs 1..limit */
	bool used[FAKE_MAX + 1];
	int alloc_calls, free_calls;
	u32 last_free;
	int ret_override;		/* != 0: returned by both ops */
	u64 advance_ns;			/* added to the fake clock per call */
	int accesses, writes;
	u64 last_access_off;
	unsigned int last_access_size;
};

static u64 fake_now;

static u64 fake_clock(void *arg)
{
	return fake_now;
}

static int fake_alloc(void *opaque, u32 *pasid)
{
	struct fake *f = opaque;

	f->alloc_calls++;
	fake_now += f->advance_ns;
	if (f->ret_override)
		return f->ret_override;
	for (u32 i = 1; i <= f->limit; i++) {
		if (!f->used[i]) {
			f->used[i] = true;
			*pasid = i;
			return 0;
		}
	}
	return -ENOSPC;
}

static int fake_free(void *opaque, u32 pasid)
{
	struct fake *f = opaque;

	f->free_calls++;
	f->last_free = pasid;
	fake_now += f->advance_ns;
	if (f->ret_override)
		return f->ret_override;
	if (pasid < 1 || pasid > f->limit || !f->used[pasid])
		return -ENOENT;
	f->used[pasid] = false;
	return 0;
}

static void fake_access(void *opaque, u64 off, unsigned int size, bool write)
{
	struct fake *f = opaque;

	f->accesses++;
	f->writes += write;
	f->last_access_off = off;
	f->last_access_size = size;
}

static const struct vtd_backend_ops fake_ops = {
	.alloc = fake_alloc,
	.free = fake_free,
};

static struct vtd_dev *mkdev(const struct vtd_params *p, struct fake *f)
{
	struct vtd_dev *d;

	memset(f, 0, sizeof(*f));
	f->limit = FAKE_MAX;
	d = vtd_create(p, &fake_ops, f);
	cr_assert_not_null(d);
	return d;
}

static struct vtd_dev *mkdefault(enum vtd_layout layout, struct fake *f)
{
	struct vtd_params p;

	vtd_params_init(&p, layout);
	return mkdev(&p, f);
}

/* Issue a command as 6.1's vcmd_alloc_pasid() does: write, poll IP, read. */
static u64 vcmd(struct vtd_dev *d, const struct lit_layout *l, u64 cmd, u32 operand)
{
	void __iomem *regs = vtd_regs(d);
	u64 rsp;
	int i;

	writeq(cmd | (u64)operand << l->op_shift, regs + l->vcmd);
	for (i = 0; i < 100; i++) {
		rsp = readq(regs + l->vcrsp);
		if (!(rsp & 1))
			break;
	}
	cr_assert_eq(rsp & 1, 0, "VCRSP.IP still set after %d polls", i);
	return rsp;
}

static struct vtd_stats stats(struct vtd_dev *d)
{
	struct vtd_stats st;

	vtd_get_stats(d, &st);
	return st;
}

static void snapshot(struct vtd_dev *d, u32 *buf)
{
	void __iomem *regs = vtd_regs(d);

	for (u32 off = 0; off < VTD_WINDOW_SIZE; off += 4)
		buf[off / 4] = readl(regs + off);
}

/* ---- parameters and reset values ------------------------------------------------ */

KTEST(vtd, default_params)
{
	struct vtd_params p;

	vtd_params_init(&p, VTD_LAYOUT_33);
	cr_assert_eq(p.layout, VTD_LAYOUT_33);
	cr_assert(p.cm && p.pasid && p.smts && p.vcs && p.pas);
	cr_assert_eq(p.pss, 19);
	cr_assert_eq(p.sc_undefined, 1);
	cr_assert_eq(p.sc_no_pasid, 16);
	cr_assert_eq(p.sc_invalid_pasid, 16);
	cr_assert_eq(p.faults.force_sc, -1);
	cr_assert_eq(p.faults.latency_ns, 0);
	cr_assert_eq(p.faults.drop_nth, 0);
	cr_assert(!p.faults.stuck_ip);

	vtd_params_init(&p, VTD_LAYOUT_30);
	cr_assert_eq(p.sc_no_pasid, 2);
	cr_assert_eq(p.sc_invalid_pasid, 2);
}

KTEST(vtd, fixed_bits_33)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	void __iomem *regs = vtd_regs(d);
	u64 cap = readq(regs + 0x8), ecap = readq(regs + 0x10);

	cr_assert_eq(readl(regs + 0x0), 0x33);
	cr_assert(cap & (1ull << 7), "CAP.CM");
	cr_assert(ecap & (1ull << 40), "ECAP.PASID");
	cr_assert(ecap & (1ull << 43), "ECAP.SMTS");
	cr_assert(ecap & (1ull << 44), "ECAP.VCS");
	cr_assert_eq((ecap >> 35) & 0x1f, 19, "ECAP.PSS");
	cr_assert_eq(readq(regs + 0xe30), 1, "VCCAP.PAS");
	cr_assert_eq(readq(regs + 0xe00), 0, "VCMD");
	cr_assert_eq(readq(regs + 0xe10), 0, "VCRSP");
	/* the 64-bit registers read the same in two 32-bit halves */
	cr_assert_eq(readl(regs + 0x10) | (u64)readl(regs + 0x14) << 32, ecap);
	cr_assert_eq(readl(regs + 0x8) | (u64)readl(regs + 0xc) << 32, cap);
	cr_assert_eq(readl(regs + 0x38), 0x80000000u, "FECTL.IM set at reset");
	vtd_destroy(d);
}

KTEST(vtd, every_register_reads_its_reset_value)
{
	for (int layout = VTD_LAYOUT_33; layout <= VTD_LAYOUT_30; layout++) {
		struct fake f;
		struct vtd_dev *d = mkdefault(layout, &f);
		void __iomem *regs = vtd_regs(d);
		size_t n = vtd_reg_count(d);

		cr_assert_eq(n, 10, "VER CAP ECAP GCMD GSTS FSTS FECTL VCCAP VCMD VCRSP");
		for (size_t i = 0; i < n; i++) {
			const struct vtd_reg *r = vtd_reg_at(d, i);
			u64 v = r->size == 8 ? readq(regs + r->offset) : readl(regs + r->offset);
			u64 want = (r->flags & VTD_REG_WO) ? 0 : r->reset;

			cr_assert_eq(v, want, "%s reads %#llx, reset %#llx", r->name,
				     (unsigned long long)v, (unsigned long long)want);
			cr_assert(r->size == 4 || r->size == 8);
			cr_assert_eq(r->offset % r->size, 0, "%s aligned", r->name);
			if (r->flags & VTD_REG_RO)
				cr_assert(!r->wmask && !r->w1cmask, "%s RO has no masks", r->name);
		}
		cr_assert_null(vtd_reg_at(d, n));
		vtd_destroy(d);
	}
}

/* Write all-ones then zero to every register; the masks decide what sticks. */
KTEST(vtd, masks_applied_to_guest_writes)
{
	for (int layout = VTD_LAYOUT_33; layout <= VTD_LAYOUT_30; layout++) {
		struct fake f;
		struct vtd_dev *d = mkdefault(layout, &f);
		void __iomem *regs = vtd_regs(d);

		for (size_t i = 0; i < vtd_reg_count(d); i++) {
			const struct vtd_reg *r = vtd_reg_at(d, i);
			u64 ones = r->size == 8 ? ~0ull : 0xffffffffull;
			u64 want, v;

			if (!strcmp(r->name, "VCMD"))
				continue;	/* side effects: tested below */
			vtd_guest_write(d, r->offset, ones, r->size);
			want = ((r->reset & ~r->wmask) | r->wmask) & ~r->w1cmask;
			if (r->flags & VTD_REG_WO)
				want = 0;
			v = vtd_guest_read(d, r->offset, r->size);
			cr_assert_eq(v, want, "%s after ~0: %#llx, want %#llx", r->name,
				     (unsigned long long)v, (unsigned long long)want);
			vtd_guest_write(d, r->offset, 0, r->size);
			want = r->reset & ~r->wmask & ~r->w1cmask;
			if (r->flags & VTD_REG_WO)
				want = 0;
			v = vtd_guest_read(d, r->offset, r->size);
			cr_assert_eq(v, want, "%s after 0", r->name);
			if (r->flags & VTD_REG_RO)
				cr_assert_eq(v, r->reset, "%s is read-only", r->name);
		}
		/* read-only registers by name, with literal offsets */
		cr_assert_eq(readl(regs + 0x0), layout == VTD_LAYOUT_30 ? 0x30 : 0x33);
		cr_assert(readq(regs + 0x8) & (1ull << 7));
		cr_assert(readq(regs + 0x10) & (1ull << 44));
		/* GCMD is write-only: what was written reads as 0, the raw value kept it */
		vtd_guest_write(d, 0x18, 0x80000000u, 4);
		cr_assert_eq(readl(regs + 0x18), 0);
		cr_assert_eq(vtd_get_raw(d, 0x18, 4), 0x80000000u);
		vtd_destroy(d);
	}
}

KTEST(vtd, fsts_write_one_to_clear)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	void __iomem *regs = vtd_regs(d);
	const struct vtd_reg *r = vtd_reg_find(d, "FSTS");

	cr_assert_not_null(r);
	cr_assert_eq(r->offset, 0x34);
	cr_assert_eq(r->w1cmask, 0x71, "PFO IQE ICE ITE are RW1C");
	/* the device records faults: PFO, PPF (RO), IQE, ITE, FRI = 3 */
	vtd_set_raw(d, 0x34, 0x1 | 0x2 | 0x10 | 0x40 | 0x300, 4);
	writel(0x1, regs + 0x34);
	cr_assert_eq(readl(regs + 0x34), 0x2 | 0x10 | 0x40 | 0x300);
	writel(0, regs + 0x34);
	cr_assert_eq(readl(regs + 0x34), 0x2 | 0x10 | 0x40 | 0x300, "0 clears nothing");
	writel(0xffffffff, regs + 0x34);
	cr_assert_eq(readl(regs + 0x34), 0x2 | 0x300, "RO bits survive");
	vtd_destroy(d);
}

KTEST(vtd, capability_fields_are_parameters)
{
	struct vtd_params p;
	struct fake f;
	struct vtd_dev *d;
	void __iomem *regs;
	u64 cap, ecap;

	vtd_params_init(&p, VTD_LAYOUT_33);
	p.ver = 0x10;
	p.cap = ~0ull;
	p.ecap = 0;
	p.cm = false;
	p.pasid = false;
	p.pss = 7;
	p.smts = false;
	p.vcs = true;
	d = mkdev(&p, &f);
	regs = vtd_regs(d);
	cap = readq(regs + 0x8);
	ecap = readq(regs + 0x10);
	cr_assert_eq(readl(regs), 0x10);
	cr_assert_eq(cap, ~0ull & ~(1ull << 7), "CAP: parameter with CM cleared");
	cr_assert_eq(ecap, 7ull << 35 | 1ull << 44, "ECAP: PSS 7 and VCS only");

	p.ecap = ~0ull;
	p.vcs = false;
	p.pss = 31;
	cr_assert_eq(vtd_reconfigure(d, &p), 0);
	ecap = readq(regs + 0x10);
	cr_assert_eq(ecap, ~0ull & ~(1ull << 40) & ~(1ull << 43) & ~(1ull << 44));
	p.pss = 32;
	cr_assert_eq(vtd_reconfigure(d, &p), -EINVAL);
	vtd_destroy(d);
}

KTEST(vtd, invalid_params_and_ops)
{
	struct vtd_params p;
	struct vtd_backend_ops half = { .alloc = fake_alloc };
	struct fake f = { .limit = 1 };

	vtd_params_init(&p, VTD_LAYOUT_33);
	cr_assert_null(vtd_create(&p, &half, &f));
	cr_assert_null(vtd_create(&p, NULL, &f));
	p.layout = 7;
	cr_assert_null(vtd_create(&p, &fake_ops, &f));
	vtd_params_init(&p, VTD_LAYOUT_33);
	p.pss = 40;
	cr_assert_null(vtd_create(&p, &fake_ops, &f));
}

/* ---- layouts --------------------------------------------------------------------- */

KTEST(vtd, layout_33_alloc_free)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	u64 rsp;

	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp_sc(&L33, rsp), 0);
	cr_assert_eq(rsp_result(&L33, rsp), 1);
	cr_assert_eq(rsp, 1ull << 16, "only the result at bit 16");
	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp_result(&L33, rsp), 2);
	cr_assert_eq(readq(vtd_regs(d) + 0xe00), 1, "VCMD reads back the command");

	rsp = vcmd(d, &L33, 2, 1);
	cr_assert_eq(rsp_sc(&L33, rsp), 0);
	cr_assert_eq(f.last_free, 1);
	cr_assert(!f.used[1] && f.used[2]);
	cr_assert_eq(readq(vtd_regs(d) + 0xe00), 2 | 1ull << 16);

	rsp = vcmd(d, &L33, 2, 1);
	cr_assert_eq(rsp_sc(&L33, rsp), 16, "invalid PASID");
	cr_assert_eq(rsp_result(&L33, rsp), 0);

	cr_assert_eq(f.alloc_calls, 2);
	cr_assert_eq(f.free_calls, 2);
	cr_assert_eq(stats(d).cmd_alloc, 2);
	cr_assert_eq(stats(d).cmd_free, 2);
	cr_assert_eq(stats(d).sc_success, 3);
	cr_assert_eq(stats(d).sc_error, 1);
	vtd_destroy(d);
}

KTEST(vtd, layout_30_offsets_and_fields)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_30, &f);
	void __iomem *regs = vtd_regs(d);
	u64 rsp;

	cr_assert_eq(readq(regs + 0xe00), 1, "VCCAP.PAS at 0xE00");
	cr_assert_eq(readq(regs + 0xe30), 0, "nothing at 0xE30");
	cr_assert_eq(stats(d).undefined_accesses, 1);
	cr_assert_eq(vtd_reg_find(d, "VCMD")->offset, 0xe10);
	cr_assert_eq(vtd_reg_find(d, "VCRSP")->offset, 0xe20);

	rsp = vcmd(d, &L30, 1, 0);
	cr_assert_eq(rsp, 1ull << 8, "result at bit 8");
	rsp = vcmd(d, &L30, 1, 0);
	cr_assert_eq(rsp_result(&L30, rsp), 2);
	/* free with the operand at bit 8 */
	rsp = vcmd(d, &L30, 2, 2);
	cr_assert_eq(f.last_free, 2);
	cr_assert_eq(rsp_sc(&L30, rsp), 0);
	rsp = vcmd(d, &L30, 2, 2);
	cr_assert_eq(rsp, 2 << 1, "SC 2 in bits 2:1, nothing else");
	/* a 3.3 driver on a 3.0 device (bug B3): its VCMD write hits VCCAP (RO) */
	writeq(1, regs + 0xe00);
	cr_assert_eq(f.alloc_calls, 2);
	cr_assert_eq(readq(regs + 0xe00), 1);
	vtd_destroy(d);
}

KTEST(vtd, layout_table)
{
	const struct vtd_vc_layout *a = vtd_vc_layout(VTD_LAYOUT_33);
	const struct vtd_vc_layout *b = vtd_vc_layout(VTD_LAYOUT_30);

	cr_assert(a->vcmd == 0xe00 && a->vcrsp == 0xe10 && a->vccap == 0xe30);
	cr_assert(a->sc_shift == 1 && a->sc_len == 7 && a->result_shift == 16);
	cr_assert_eq(a->operand_shift, 16);
	cr_assert(b->vccap == 0xe00 && b->vcmd == 0xe10 && b->vcrsp == 0xe20);
	cr_assert(b->sc_shift == 1 && b->sc_len == 2 && b->result_shift == 8);
	cr_assert_eq(b->operand_shift, 8);
	cr_assert_null(vtd_vc_layout(2));
}

/* ---- VCCAP gating (bug B2) ---------------------------------------------------------- */

KTEST(vtd, vc_registers_absent_without_vcs)
{
	for (int layout = VTD_LAYOUT_33; layout <= VTD_LAYOUT_30; layout++) {
		const struct lit_layout *l = layout == VTD_LAYOUT_30 ? &L30 : &L33;
		struct vtd_params p;
		struct fake f;
		struct vtd_dev *d;
		void __iomem *regs;

		vtd_params_init(&p, layout);
		p.vcs = false;
		d = mkdev(&p, &f);
		regs = vtd_regs(d);
		cr_assert_eq(readq(regs + 0x10) & (1ull << 44), 0);
		cr_assert_null(vtd_reg_find(d, "VCCAP"));
		cr_assert_eq(vtd_reg_count(d), 7);
		cr_assert_eq(readq(regs + l->vccap), 0, "absent VCCAP reads 0");
		cr_assert_eq(stats(d).absent_reads, 1);
		cr_assert_eq(readl(regs + l->vccap + 4), 0);
		cr_assert_eq(stats(d).absent_reads, 2);
		writeq(1, regs + l->vcmd);
		cr_assert_eq(stats(d).absent_writes, 1);
		cr_assert_eq(readq(regs + l->vcrsp), 0);
		cr_assert_eq(f.alloc_calls, 0);
		cr_assert_eq(stats(d).cmd_alloc, 0);
		cr_assert_eq(stats(d).absent_reads, 3);
		vtd_destroy(d);
	}
}

/* ---- VCMD semantics ---------------------------------------------------------------------- */

KTEST(vtd, write_ignored_while_ip_set)
{
	struct vtd_params p;
	struct fake f;
	struct vtd_dev *d;
	void __iomem *regs;
	u64 rsp;

	fake_now = 1000;
	sim_kernel_set_clock(NULL, fake_clock, NULL);
	vtd_params_init(&p, VTD_LAYOUT_33);
	p.faults.latency_ns = 500;
	d = mkdev(&p, &f);
	regs = vtd_regs(d);

	writeq(1, regs + 0xe00);
	rsp = readq(regs + 0xe10);
	cr_assert_eq(rsp & 1, 1, "IP set until the clock reaches 1500");
	cr_assert_eq(rsp >> 16, 1, "SC and result already written under IP");
	writeq(2 | 1ull << 16, regs + 0xe00);
	cr_assert_eq(stats(d).ignored_ip, 1);
	cr_assert_eq(f.free_calls, 0);
	cr_assert_eq(readq(regs + 0xe00), 1, "the ignored write left VCMD alone");
	fake_now = 1499;
	cr_assert_eq(readq(regs + 0xe10) & 1, 1);
	fake_now = 1500;
	rsp = readq(regs + 0xe10);
	cr_assert_eq(rsp, 1ull << 16, "IP clear, result of the first command");
	writeq(2 | 1ull << 16, regs + 0xe00);
	cr_assert_eq(f.free_calls, 1);
	cr_assert_eq(stats(d).ignored_ip, 1);
	vtd_destroy(d);
	sim_kernel_set_clock(NULL, NULL, NULL);
}

/* The completion time counts from the backend's return (it may charge time). */
KTEST(vtd, latency_counts_from_backend_return)
{
	struct vtd_params p;
	struct fake f;
	struct vtd_dev *d;
	void __iomem *regs;

	fake_now = 0;
	sim_kernel_set_clock(NULL, fake_clock, NULL);
	vtd_params_init(&p, VTD_LAYOUT_33);
	p.faults.latency_ns = 100;
	d = mkdev(&p, &f);
	f.advance_ns = 1000;		/* the host call costs 1 us of virtual time */
	regs = vtd_regs(d);
	writeq(1, regs + 0xe00);
	cr_assert_eq(fake_now, 1000);
	fake_now = 1099;
	cr_assert_eq(readq(regs + 0xe10) & 1, 1);
	fake_now = 1100;
	cr_assert_eq(readq(regs + 0xe10) & 1, 0);
	vtd_destroy(d);
	sim_kernel_set_clock(NULL, NULL, NULL);
}

KTEST(vtd, write_ignored_when_pas_clear)
{
	struct vtd_params p;
	struct fake f;
	struct vtd_dev *d;
	void __iomem *regs;

	vtd_params_init(&p, VTD_LAYOUT_33);
	p.pas = false;
	d = mkdev(&p, &f);
	regs = vtd_regs(d);
	cr_assert_eq(readq(regs + 0xe30), 0, "VCCAP.PAS = 0");
	writeq(1, regs + 0xe00);
	writeq(2 | 5ull << 16, regs + 0xe00);
	cr_assert_eq(stats(d).ignored_pas, 2);
	cr_assert_eq(readq(regs + 0xe00), 0);
	cr_assert_eq(readq(regs + 0xe10), 0);
	cr_assert_eq(f.alloc_calls + f.free_calls, 0);
	vtd_destroy(d);
}

KTEST(vtd, undefined_commands)
{
	static const u64 cmds[] = { 0, 3, 0x7f, 0xff, 0x80 | 5ull << 16 };
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
		u64 rsp = vcmd(d, &L33, cmds[i], 0);

		cr_assert_eq(rsp, 1 << 1, "cmd %#llx: SC 1 and no result",
			     (unsigned long long)cmds[i]);
	}
	cr_assert_eq(f.alloc_calls + f.free_calls, 0);
	cr_assert_eq(stats(d).cmd_undefined, ARRAY_SIZE(cmds));
	vtd_destroy(d);
}

KTEST(vtd, no_pasid_status_codes)
{
	static const struct {
		int layout;
		int sc_param;		/* -1: default */
		unsigned int want;
	} cases[] = {
		{ VTD_LAYOUT_33, -1, 16 },
		{ VTD_LAYOUT_33, 2, 2 },
		{ VTD_LAYOUT_33, 1, 1 },	/* B1: the old constant */
		{ VTD_LAYOUT_30, -1, 2 },
		{ VTD_LAYOUT_30, 1, 1 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct lit_layout *l = cases[i].layout == VTD_LAYOUT_30 ? &L30 : &L33;
		struct vtd_params p;
		struct fake f;
		struct vtd_dev *d;
		u64 rsp;

		vtd_params_init(&p, cases[i].layout);
		if (cases[i].sc_param >= 0)
			p.sc_no_pasid = p.sc_invalid_pasid = cases[i].sc_param;
		d = mkdev(&p, &f);
		f.limit = 1;
		cr_assert_eq(rsp_sc(l, vcmd(d, l, 1, 0)), 0);
		rsp = vcmd(d, l, 1, 0);
		cr_assert_eq(rsp_sc(l, rsp), cases[i].want, "case %zu alloc", i);
		cr_assert_eq(rsp_result(l, rsp), 0);
		rsp = vcmd(d, l, 2, 7);
		cr_assert_eq(rsp_sc(l, rsp), cases[i].want, "case %zu free", i);
		vtd_destroy(d);
	}
}

KTEST(vtd, backend_positive_return_is_raw_sc)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	u64 rsp;

	f.ret_override = 0x45;
	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp_sc(&L33, rsp), 0x45);
	cr_assert_eq(rsp_result(&L33, rsp), 0, "no result without success");
	f.ret_override = 0x1ff;		/* wider than SC: masked to 7 bits */
	rsp = vcmd(d, &L33, 2, 3);
	cr_assert_eq(rsp_sc(&L33, rsp), 0x7f);
	vtd_destroy(d);
}

KTEST(vtd, operand_spans_halves_and_is_20_bits)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	void __iomem *regs = vtd_regs(d);
	u64 cmd = 2 | 0xabcdeull << 16;

	/* bits 35:16: a driver using 32-bit writes sends the upper half first */
	writel((u32)(cmd >> 32), regs + 0xe04);
	cr_assert_eq(f.free_calls, 0, "the upper half alone issues nothing");
	writel((u32)cmd, regs + 0xe00);
	cr_assert_eq(f.free_calls, 1);
	cr_assert_eq(f.last_free, 0xabcde);
	/* operand bits above the 20-bit field are stored but not passed on */
	vcmd(d, &L33, 2, 0);
	writeq(2 | (0x100000ull | 5) << 16, regs + 0xe00);
	cr_assert_eq(f.last_free, 5);
	cr_assert_eq(readq(regs + 0xe00), 2 | (0x100000ull | 5) << 16);
	/* reserved bits 15:8 of VCMD are not writable */
	vcmd(d, &L33, 0xff01, 0);
	cr_assert_eq(readq(regs + 0xe00), 1);
	vtd_destroy(d);
}

KTEST(vtd, access_hook_sees_every_access)
{
	struct vtd_params p;
	struct vtd_backend_ops ops = fake_ops;
	struct fake f = { .limit = 4 };
	struct vtd_dev *d;
	void __iomem *regs;

	ops.access = fake_access;
	vtd_params_init(&p, VTD_LAYOUT_33);
	d = vtd_create(&p, &ops, &f);
	cr_assert_not_null(d);
	regs = vtd_regs(d);
	readq(regs + 0x10);
	cr_assert(f.accesses == 1 && f.writes == 0 && f.last_access_off == 0x10);
	writel(0, regs + 0x38);
	cr_assert(f.accesses == 2 && f.writes == 1 && f.last_access_size == 4);
	vtd_guest_read(d, 0x2000, 2);
	cr_assert(f.accesses == 3 && f.last_access_off == 0x2000);
	vtd_destroy(d);
}

/* ---- fault knobs --------------------------------------------------------------------- */

KTEST(vtd, fault_stuck_ip)
{
	struct vtd_faults k;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	void __iomem *regs = vtd_regs(d);

	vtd_faults_init(&k);
	k.stuck_ip = true;
	vtd_set_faults(d, &k);
	writeq(1, regs + 0xe00);
	cr_assert_eq(f.alloc_calls, 1, "the VMM performed the command");
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(readq(regs + 0xe10) & 1, 1);
	writeq(1, regs + 0xe00);
	cr_assert_eq(stats(d).ignored_ip, 1);
	/* clearing the knob does not unstick the command already lost */
	vtd_faults_init(&k);
	vtd_set_faults(d, &k);
	cr_assert_eq(readq(regs + 0xe10) & 1, 1);
	vtd_reset(d);
	cr_assert_eq(readq(regs + 0xe10), 0);
	cr_assert_eq(rsp_result(&L33, vcmd(d, &L33, 1, 0)), 2);
	vtd_destroy(d);
}

KTEST(vtd, fault_force_sc)
{
	struct vtd_faults k;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	u64 rsp;

	vtd_faults_init(&k);
	k.force_sc = 3;			/* an unknown code */
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp_sc(&L33, rsp), 3);
	cr_assert(f.used[1], "the host allocated anyway: the guest will leak it");
	cr_assert_eq(stats(d).sc_error, 1);
	k.force_sc = 0;			/* success for a failed free */
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L33, 2, 9);
	cr_assert_eq(rsp_sc(&L33, rsp), 0);
	vtd_destroy(d);

	/* 3.0: a forced code wider than the 2-bit field is truncated */
	d = mkdefault(VTD_LAYOUT_30, &f);
	k.force_sc = 16;
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L30, 1, 0);
	cr_assert_eq(rsp_sc(&L30, rsp), 0, "16 does not fit in SC[2:1]");
	cr_assert_eq(rsp & 0xff, 0);
	vtd_destroy(d);
}

KTEST(vtd, fault_result)
{
	struct vtd_faults k;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	u64 rsp;

	vtd_faults_init(&k);
	k.result_mode = VTD_RESULT_SET;
	k.result = 0;			/* PASID 0: outside any requested range */
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp, 0);
	k.result = 0x1234567;		/* masked to the 20-bit field */
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp, 0x34567ull << 16);
	k.result_mode = VTD_RESULT_RAW;
	k.result = 0x100001;		/* out of 20 bits: bit 36 set */
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L33, 1, 0);
	cr_assert_eq(rsp >> 16, 0x100001);
	cr_assert_eq(rsp_result(&L33, rsp), 1, "a masking driver sees 1");
	cr_assert_eq(rsp_sc(&L33, rsp), 0);
	/* free answers carry no result whatever the knob */
	rsp = vcmd(d, &L33, 2, 1);
	cr_assert_eq(rsp, 0);
	cr_assert_eq(f.alloc_calls, 3);
	vtd_destroy(d);

	d = mkdefault(VTD_LAYOUT_30, &f);
	k.result_mode = VTD_RESULT_RAW;
	k.result = 0x100002;
	vtd_set_faults(d, &k);
	rsp = vcmd(d, &L30, 1, 0);
	cr_assert_eq(rsp >> 8, 0x100002, "bit 28 set in the 3.0 layout");
	vtd_destroy(d);
}

KTEST(vtd, fault_drop_lost)
{
	struct vtd_faults k;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	void __iomem *regs = vtd_regs(d);
	u64 rsp;

	vtd_faults_init(&k);
	k.drop_nth = 2;
	vtd_set_faults(d, &k);
	cr_assert_eq(rsp_result(&L33, vcmd(d, &L33, 1, 0)), 1);
	/* the 2nd command's trap is lost: the guest reads the stale answer */
	rsp = vcmd(d, &L33, 2, 1);
	cr_assert_eq(rsp, 1ull << 16, "stale VCRSP of the alloc");
	cr_assert_eq(f.free_calls, 0);
	cr_assert_eq(readq(regs + 0xe00), 1, "VCMD never took the lost write");
	cr_assert_eq(stats(d).dropped, 1);
	/* one-shot: the 3rd goes through */
	rsp = vcmd(d, &L33, 2, 1);
	cr_assert_eq(rsp, 0);
	cr_assert_eq(f.free_calls, 1);
	vtd_destroy(d);
}

KTEST(vtd, fault_drop_every)
{
	struct vtd_faults k;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);

	vtd_faults_init(&k);
	k.drop_every = 3;
	vtd_set_faults(d, &k);
	for (int i = 0; i < 9; i++)
		vcmd(d, &L33, 1, 0);
	cr_assert_eq(f.alloc_calls, 6);
	cr_assert_eq(stats(d).dropped, 3);
	cr_assert_eq(stats(d).cmd_alloc, 6);
	vtd_destroy(d);
}

KTEST(vtd, fault_drop_hang)
{
	struct vtd_faults k;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_30, &f);
	void __iomem *regs = vtd_regs(d);

	vtd_faults_init(&k);
	k.drop_nth = 1;
	k.drop_mode = VTD_DROP_HANG;
	vtd_set_faults(d, &k);
	writeq(1, regs + 0xe10);
	cr_assert_eq(f.alloc_calls, 0);
	cr_assert_eq(readq(regs + 0xe20), 1, "IP set, no SC, no result");
	cr_assert_eq(readq(regs + 0xe10), 1, "the command was taken");
	writeq(1, regs + 0xe10);
	cr_assert_eq(stats(d).ignored_ip, 1);
	cr_assert_eq(readq(regs + 0xe20), 1, "still in progress");
	cr_assert_eq(stats(d).dropped, 1);
	vtd_reset(d);
	cr_assert_eq(rsp_result(&L30, vcmd(d, &L30, 1, 0)), 1);
	vtd_destroy(d);
}

KTEST(vtd, faults_round_trip)
{
	struct vtd_faults k, got;
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);

	vtd_faults_init(&k);
	k.latency_ns = 77;
	k.force_sc = 4;
	k.drop_every = 9;
	k.drop_mode = VTD_DROP_HANG;
	vtd_set_faults(d, &k);
	vtd_get_faults(d, &got);
	cr_assert_eq(memcmp(&k, &got, sizeof(k)), 0);
	vtd_reset(d);
	vtd_get_faults(d, &got);
	cr_assert_eq(got.latency_ns, 77, "reset keeps the knobs");
	vtd_destroy(d);
}

/* ---- reset consistency and hostile guests --------------------------------------------- */

static u32 before[VTD_WINDOW_SIZE / 4], after[VTD_WINDOW_SIZE / 4];

KTEST(vtd, reset_restores_the_window)
{
	for (int layout = VTD_LAYOUT_33; layout <= VTD_LAYOUT_30; layout++) {
		const struct lit_layout *l = layout == VTD_LAYOUT_30 ? &L30 : &L33;
		struct fake f;
		struct vtd_dev *d = mkdefault(layout, &f);
		void __iomem *regs = vtd_regs(d);

		snapshot(d, before);
		writel(0, regs + 0x38);
		writel(0xffffffff, regs + 0x18);
		vtd_set_raw(d, 0x34, 0x71, 4);
		vcmd(d, l, 1, 0);
		vcmd(d, l, 2, 0x777);
		writel(0x12345678, regs + l->vcmd + 4);
		snapshot(d, after);
		cr_assert_neq(memcmp(before, after, sizeof(before)), 0, "dirtied");
		vtd_reset(d);
		snapshot(d, after);
		cr_assert_eq(memcmp(before, after, sizeof(before)), 0, "layout %d", layout);
		cr_assert_eq(stats(d).resets, 1);
		vtd_destroy(d);
	}
}

static bool lit_bad(u64 off, unsigned int size)
{
	return (size != 4 && size != 8) || off % size || off + size > 0x1000;
}

KTEST(vtd, hostile_writes_to_every_offset)
{
	static const u64 vals[] = { 0, ~0ull, 1, 2, 0x5a5a5a5a5a5a5a5aull, 2 | 1ull << 16 };
	static const unsigned int sizes[] = { 1, 2, 4, 8, 3, 16 };

	for (int layout = VTD_LAYOUT_33; layout <= VTD_LAYOUT_30; layout++) {
		const struct lit_layout *l = layout == VTD_LAYOUT_30 ? &L30 : &L33;
		u64 bad = 0, cap, ecap;
		struct vtd_stats st;
		struct fake f;
		struct vtd_dev *d = mkdefault(layout, &f);
		void __iomem *regs = vtd_regs(d);

		snapshot(d, before);
		cap = readq(regs + 0x8);
		ecap = readq(regs + 0x10);
		for (size_t v = 0; v < ARRAY_SIZE(vals); v++) {
			for (u64 off = 0; off < 0x1010; off++) {
				for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
					vtd_guest_write(d, off, vals[v], sizes[s]);
					vtd_guest_read(d, off, sizes[s]);
					bad += 2 * lit_bad(off, sizes[s]);
				}
			}
		}
		st = stats(d);
		cr_assert_eq(st.bad_accesses, bad);
		cr_assert_eq(readq(regs + 0x8), cap, "CAP unchanged");
		cr_assert_eq(readq(regs + 0x10), ecap, "ECAP unchanged");
		cr_assert_eq(readq(regs + l->vccap), 1, "VCCAP unchanged");
		cr_assert_eq(readl(regs), before[0], "VER unchanged");
		cr_assert_eq(readq(regs + l->vcrsp) & 1, 0, "no latency: IP is clear");
		/* the backend saw exactly the accepted commands */
		cr_assert_eq(f.alloc_calls, st.cmd_alloc);
		cr_assert_eq(f.free_calls, st.cmd_free);
		cr_assert_gt(st.cmd_alloc, 0);
		cr_assert_gt(st.cmd_undefined, 0);
		for (size_t i = 0; i < ARRAY_SIZE(before); i++) {
			u32 off = i * 4;

			if (off == 0x18 || off == 0x34 || off == 0x38 ||
			    (off >= l->vcmd && off < l->vcmd + 8) ||
			    (off >= l->vcrsp && off < l->vcrsp + 8))
				continue;
			cr_assert_eq(readl(regs + off), before[i], "offset %#x changed", off);
		}
		vtd_reset(d);
		snapshot(d, after);
		cr_assert_eq(memcmp(before, after, sizeof(before)), 0);
		vtd_destroy(d);
	}
}

KTEST(vtd, bad_accesses_through_mmio)
{
	struct fake f;
	struct vtd_dev *d = mkdefault(VTD_LAYOUT_33, &f);
	void __iomem *regs = vtd_regs(d);
	char msg[160];

	cr_assert_eq(readb(regs + 0x8), 0xff);
	cr_assert_eq(readw(regs + 0x10), 0xffff);
	cr_assert_eq(readl(regs + 0x2), 0xffffffffu);
	cr_assert_eq(readq(regs + 0xc), ~0ull, "8 bytes at a 4-byte boundary");
	writeb(0, regs + 0x38);
	writeq(0, regs + 0x3c);
	cr_assert_eq(readl(regs + 0x38), 0x80000000u, "bad writes ignored");
	cr_assert_eq(stats(d).bad_accesses, 6);
	cr_assert_eq(vtd_guest_read(d, 0x1000, 4), 0xffffffffu);
	cr_assert_eq(vtd_guest_read(d, 0xffc, 8), ~0ull);
	cr_assert_eq(vtd_guest_read(d, ~0ull - 3, 4), 0xffffffffu);
	vtd_guest_write(d, 0x1000, 1, 8);
	cr_assert_eq(stats(d).bad_accesses, 10);
	cr_assert(strstr(vtd_last_error(d, msg, sizeof(msg)), "bad write"));
	/* inside the window, no register: reads 0, counted */
	cr_assert_eq(readl(regs + 0x100), 0);
	writel(~0u, regs + 0x100);
	cr_assert_eq(readl(regs + 0x100), 0);
	cr_assert_eq(stats(d).undefined_accesses, 3);
	vtd_destroy(d);
}

/* ---- concurrency: guests racing on VCMD without a register lock ---------------------- */

struct racer {
	struct vtd_dev *d;
	struct sim_kernel *k;
	int ok;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct sim_kernel *prev = sim_kernel_enter(r->k);
	void __iomem *regs = vtd_regs(r->d);

	for (int i = 0; i < 2000; i++) {
		writeq(i & 1 ? 1 : 2 | (u64)(i % 8) << 16, regs + 0xe00);
		while (readq(regs + 0xe10) & 1)
			;
		r->ok++;
	}
	sim_kernel_leave(prev);
	return NULL;
}

static pthread_mutex_t fake_mutex = PTHREAD_MUTEX_INITIALIZER;

static int locked_alloc(void *opaque, u32 *pasid)
{
	int ret;

	pthread_mutex_lock(&fake_mutex);
	ret = fake_alloc(opaque, pasid);
	pthread_mutex_unlock(&fake_mutex);
	return ret;
}

static int locked_free(void *opaque, u32 pasid)
{
	int ret;

	pthread_mutex_lock(&fake_mutex);
	ret = fake_free(opaque, pasid);
	pthread_mutex_unlock(&fake_mutex);
	return ret;
}

KTEST(vtd, racing_writers_are_serialised_by_ip)
{
	static const struct vtd_backend_ops ops = { .alloc = locked_alloc, .free = locked_free };
	struct vtd_params p;
	struct fake f = { .limit = FAKE_MAX };
	struct racer r[3];
	pthread_t th[3];
	struct vtd_stats st;
	struct vtd_dev *d;

	vtd_params_init(&p, VTD_LAYOUT_33);
	d = vtd_create(&p, &ops, &f);
	cr_assert_not_null(d);
	for (int i = 0; i < 3; i++) {
		r[i] = (struct racer){ d, ktest_kernel(), 0 };
		pthread_create(&th[i], NULL, racer_main, &r[i]);
	}
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	st = stats(d);
	cr_assert_eq(st.writes, 6000);
	cr_assert_eq(st.cmd_alloc + st.cmd_free + st.ignored_ip, 6000);
	cr_assert_eq(f.alloc_calls, st.cmd_alloc);
	cr_assert_eq(f.free_calls, st.cmd_free);
	cr_assert_eq(readq(vtd_regs(d) + 0xe10) & 1, 0);
	vtd_destroy(d);
}
