// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the VT-d vIOMMU register file and its virtual command interface.
 *
 * State is QEMU's: four byte arrays the size of the window (values,
 * writable bits, write-1-to-clear bits, write-only bits), filled from a
 * register table that vtd_init_regs() builds from the parameters. Reset is
 * re-initialisation. Guest accesses apply the masks; only VCMD writes have
 * side effects, and VCRSP.IP is cleared lazily, at the first access after
 * the modelled completion time.
 *
 * Locking: one mutex per device guards everything here. It is never held
 * across a call out of the device (backend, access hook), so a backend may
 * block, take the VMM's lock or yield to the world's scheduler; VCRSP.IP is
 * what serialises commands, as in the hardware interface.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <sim/kernel.h>
#include <sim/mmio.h>
#include <sim/vtd.h>

#include "vtd-internal.h"

#define VTD_NEVER	(~0ULL)

struct vtd_dev {
	pthread_mutex_t lock;
	struct vtd_params p;
	const struct vtd_vc_layout *vl;
	struct vtd_backend_ops ops;
	void *opaque;
	void __iomem *base;

	u8 csr[VTD_WINDOW_SIZE];	/* values */
	u8 wmask[VTD_WINDOW_SIZE];	/* guest-writable bits */
	u8 w1cmask[VTD_WINDOW_SIZE];	/* write-1-to-clear bits */
	u8 womask[VTD_WINDOW_SIZE];	/* write-only bits: read as 0 */
	s8 slot[VTD_WINDOW_SIZE / 4];	/* register covering each dword, -1: none */
	struct vtd_reg regs[VTD_MAX_REGS];
	size_t nregs;

	bool busy;			/* a command is with the backend */
	u64 done_at;			/* IP clears once sim_clock_ns() reaches it */
	u64 gen;			/* bumped by reset: forget commands in flight */
	u64 accepted;			/* commands accepted since the knobs were set */

	struct vtd_stats st;
	char last_error[160];
};

static const struct vtd_vc_layout vtd_layouts[] = {
	[VTD_LAYOUT_33] = {
		.vccap = A_VCCAP33, .vcmd = A_VCMD33, .vcrsp = A_VCRSP33,
		.operand_shift = R_VCMD33_OPERAND_SHIFT,
		.sc_shift = R_VCRSP33_SC_SHIFT, .sc_len = R_VCRSP33_SC_LENGTH,
		.result_shift = R_VCRSP33_RESULT_SHIFT,
	},
	[VTD_LAYOUT_30] = {
		.vccap = A_VCCAP30, .vcmd = A_VCMD30, .vcrsp = A_VCRSP30,
		.operand_shift = R_VCMD30_OPERAND_SHIFT,
		.sc_shift = R_VCRSP30_SC_SHIFT, .sc_len = R_VCRSP30_SC_LENGTH,
		.result_shift = R_VCRSP30_RESULT_SHIFT,
	},
};

/* ---- parameters ------------------------------------------------------------ */

const struct vtd_vc_layout *vtd_vc_layout(enum vtd_layout layout)
{
	if ((unsigned int)layout >= ARRAY_SIZE(vtd_layouts))
		return NULL;
	return &vtd_layouts[layout];
}

void vtd_faults_init(struct vtd_faults *f)
{
	memset(f, 0, sizeof(*f));
	f->force_sc = -1;
}

void vtd_params_init(struct vtd_params *p, enum vtd_layout layout)
{
	u64 cap = 0, ecap = 0;

	memset(p, 0, sizeof(*p));
	p->layout = layout;
	p->ver = layout == VTD_LAYOUT_30 ? 0x30 : 0x33;

	cap = FIELD_DP64(cap, CAP, ND, 6);		/* 64K domains */
	cap = FIELD_DP64(cap, CAP, SAGAW, 0x6);		/* 3- and 4-level tables */
	cap = FIELD_DP64(cap, CAP, MGAW, 47);		/* 48-bit guest addresses */
	cap = FIELD_DP64(cap, CAP, FRO, 0x22);		/* fault records at 0x220 */
	cap = FIELD_DP64(cap, CAP, SLLPS, 1);		/* 2 MiB pages */
	cap = FIELD_DP64(cap, CAP, PSI, 1);
	cap = FIELD_DP64(cap, CAP, MAMV, 18);
	p->cap = cap;

	ecap = FIELD_DP64(ecap, ECAP, QI, 1);
	ecap = FIELD_DP64(ecap, ECAP, DT, 1);
	ecap = FIELD_DP64(ecap, ECAP, PT, 1);
	ecap = FIELD_DP64(ecap, ECAP, IRO, 0xf);	/* IOTLB registers at 0xf0 */
	ecap = FIELD_DP64(ecap, ECAP, MHMV, 0xf);
	ecap = FIELD_DP64(ecap, ECAP, SLTS, 1);
	p->ecap = ecap;

	p->cm = true;
	p->pasid = true;
	p->pss = VTD_PASID_BITS - 1;
	p->smts = true;
	p->vcs = true;
	p->pas = true;
	p->sc_undefined = VTD_SC_UNDEFINED;
	p->sc_no_pasid = layout == VTD_LAYOUT_30 ? VTD_SC_NO_PASID_V30 : VTD_SC_NO_PASID_V33;
	p->sc_invalid_pasid = p->sc_no_pasid;
	vtd_faults_init(&p->faults);
}

static bool vtd_params_valid(const struct vtd_params *p)
{
	return vtd_vc_layout(p->layout) && p->pss < 32 && p->ver <= 0xff;
}

/* ---- the register file ------------------------------------------------------- */

/* Little-endian loads and stores of 1..8 bytes (4 and 8 are the hot sizes). */
static u64 ld_le(const u8 *b, unsigned int size)
{
	u64 v = 0;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (size == 8 || size == 4) {
		memcpy(&v, b, size);
		return v;
	}
#endif
	for (unsigned int i = 0; i < size; i++)
		v |= (u64)b[i] << (8 * i);
	return v;
}

static void st_le(u8 *b, unsigned int size, u64 v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (size == 8 || size == 4) {
		memcpy(b, &v, size);
		return;
	}
#endif
	for (unsigned int i = 0; i < size; i++)
		b[i] = (u8)(v >> (8 * i));
}

static u64 size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static void vtd_define(struct vtd_dev *d, const char *name, u32 off, u8 size, u8 flags,
		       u64 reset, u64 wmask, u64 w1cmask)
{
	struct vtd_reg *r = &d->regs[d->nregs];

	if (flags & VTD_REG_RO)
		wmask = w1cmask = 0;
	*r = (struct vtd_reg){ name, off, size, flags, reset & size_mask(size),
			       wmask & size_mask(size), w1cmask & size_mask(size) };
	st_le(&d->csr[off], size, r->reset);
	st_le(&d->wmask[off], size, r->wmask);
	st_le(&d->w1cmask[off], size, r->w1cmask);
	st_le(&d->womask[off], size, (flags & VTD_REG_WO) ? ~0ULL : 0);
	for (u32 s = off / 4; s < (off + size) / 4; s++)
		d->slot[s] = (s8)d->nregs;
	d->nregs++;
}

static void vtd_define_vc(struct vtd_dev *d, const char *name, u32 off)
{
	const struct vtd_params *p = &d->p;
	u64 vcmd_wmask = p->layout == VTD_LAYOUT_30 ? VTD_VCMD30_WMASK : VTD_VCMD33_WMASK;

	if (off == d->vl->vccap)
		vtd_define(d, name, off, 8, VTD_REG_RO | VTD_REG_VC,
			   FIELD_DP64(0, VCCAP33, PAS, p->pas), 0, 0);
	else if (off == d->vl->vcmd)
		vtd_define(d, name, off, 8, VTD_REG_VC, 0, vcmd_wmask, 0);
	else
		vtd_define(d, name, off, 8, VTD_REG_RO | VTD_REG_VC, 0, 0, 0);
}

/* Build the register table and the arrays from the parameters: init and reset. */
static void vtd_init_regs(struct vtd_dev *d)
{
	const struct vtd_params *p = &d->p;
	u64 cap, ecap;

	memset(d->csr, 0, sizeof(d->csr));
	memset(d->wmask, 0, sizeof(d->wmask));
	memset(d->w1cmask, 0, sizeof(d->w1cmask));
	memset(d->womask, 0, sizeof(d->womask));
	memset(d->slot, -1, sizeof(d->slot));
	d->nregs = 0;

	cap = FIELD_DP64(p->cap, CAP, CM, p->cm);
	ecap = FIELD_DP64(p->ecap, ECAP, PSS, p->pss);
	ecap = FIELD_DP64(ecap, ECAP, PASID, p->pasid);
	ecap = FIELD_DP64(ecap, ECAP, SMTS, p->smts);
	ecap = FIELD_DP64(ecap, ECAP, VCS, p->vcs);

	vtd_define(d, "VER", A_VER, 4, VTD_REG_RO, p->ver, 0, 0);
	vtd_define(d, "CAP", A_CAP, 8, VTD_REG_RO, cap, 0, 0);
	vtd_define(d, "ECAP", A_ECAP, 8, VTD_REG_RO, ecap, 0, 0);
	vtd_define(d, "GCMD", A_GCMD, 4, VTD_REG_WO, 0, FIELD_MASK(GCMD, CMDS), 0);
	vtd_define(d, "GSTS", A_GSTS, 4, VTD_REG_RO, 0, 0, 0);
	vtd_define(d, "FSTS", A_FSTS, 4, 0, 0, 0, VTD_FSTS_W1C);
	vtd_define(d, "FECTL", A_FECTL, 4, 0, FIELD_MASK(FECTL, IM), FIELD_MASK(FECTL, IM), 0);
	if (!p->vcs)
		return;
	if (p->layout == VTD_LAYOUT_30) {
		vtd_define_vc(d, "VCCAP", A_VCCAP30);
		vtd_define_vc(d, "VCMD", A_VCMD30);
		vtd_define_vc(d, "VCRSP", A_VCRSP30);
	} else {
		vtd_define_vc(d, "VCMD", A_VCMD33);
		vtd_define_vc(d, "VCRSP", A_VCRSP33);
		vtd_define_vc(d, "VCCAP", A_VCCAP33);
	}
}

static void vtd_reset_locked(struct vtd_dev *d)
{
	vtd_init_regs(d);
	d->busy = false;
	d->done_at = 0;
	d->gen++;
}

/* Guest write of @size bytes at @off: masks applied, no side effects. */
static void vtd_masked_write(struct vtd_dev *d, u32 off, u64 val, unsigned int size)
{
	u64 old = ld_le(&d->csr[off], size);
	u64 w = ld_le(&d->wmask[off], size);
	u64 c = ld_le(&d->w1cmask[off], size);

	st_le(&d->csr[off], size, ((old & ~w) | (val & w)) & ~(val & c));
}

static __printf(2, 3) void vtd_log(struct vtd_dev *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->last_error, sizeof(d->last_error), fmt, ap);
	va_end(ap);
	if (d->p.verbose)
		fprintf(stderr, "vtd: %s\n", d->last_error);
}

static bool vtd_access_ok(u64 off, unsigned int size)
{
	return (size == 4 || size == 8) && off < VTD_WINDOW_SIZE &&
	       size <= VTD_WINDOW_SIZE - off && !(off & (size - 1));
}

static bool overlaps(u64 off, unsigned int size, u32 reg)
{
	return off < reg + 8 && reg < off + size;
}

/* The access touches a virtual command register of the layout while VCS = 0. */
static bool vtd_vc_absent(struct vtd_dev *d, u64 off, unsigned int size)
{
	return !d->p.vcs && (overlaps(off, size, d->vl->vccap) ||
			     overlaps(off, size, d->vl->vcmd) ||
			     overlaps(off, size, d->vl->vcrsp));
}

static bool vtd_covered(struct vtd_dev *d, u64 off, unsigned int size)
{
	for (u64 s = off / 4; s < (off + size) / 4; s++)
		if (d->slot[s] < 0)
			return false;
	return true;
}

/* ---- virtual commands ---------------------------------------------------------- */

static u64 vcrsp_get(struct vtd_dev *d)
{
	return ld_le(&d->csr[d->vl->vcrsp], 8);
}

static void vcrsp_set(struct vtd_dev *d, u64 v)
{
	st_le(&d->csr[d->vl->vcrsp], 8, v);
}

/* Clear IP once the modelled completion time has come. */
static void vtd_vcmd_update(struct vtd_dev *d)
{
	u64 rsp;

	if (!d->p.vcs || d->busy || d->done_at == VTD_NEVER)
		return;
	rsp = vcrsp_get(d);
	if ((rsp & 1) && sim_clock_ns() >= d->done_at)
		vcrsp_set(d, rsp & ~1ULL);
}

static u8 vtd_sc_of(const struct vtd_dev *d, unsigned int cmd, int ret)
{
	if (ret > 0)
		return (u8)ret;
	if (ret == 0)
		return VTD_SC_SUCCESS;
	return cmd == VTD_VCMD_ALLOC ? d->p.sc_no_pasid : d->p.sc_invalid_pasid;
}

/* Called with the lock held, VCMD's low dword written; returns with it released. */
static void vtd_vcmd_run(struct vtd_dev *d)
{
	const struct vtd_vc_layout *vl = d->vl;
	u64 vcmd = ld_le(&d->csr[vl->vcmd], 8);
	unsigned int cmd = vcmd & 0xff;
	u32 operand = (u32)field_ex(vcmd, vl->operand_shift, VTD_PASID_BITS);
	const struct vtd_faults *f = &d->p.faults;
	u32 pasid = 0;
	u64 gen, rsp, now, result;
	int ret = 0;
	u8 sc;

	gen = d->gen;
	d->busy = true;
	pthread_mutex_unlock(&d->lock);

	if (cmd == VTD_VCMD_ALLOC)
		ret = d->ops.alloc(d->opaque, &pasid);
	else if (cmd == VTD_VCMD_FREE)
		ret = d->ops.free(d->opaque, operand);

	pthread_mutex_lock(&d->lock);
	if (gen != d->gen) {
		/* reset while the backend worked: the answer has nowhere to go */
		pthread_mutex_unlock(&d->lock);
		return;
	}
	d->busy = false;
	if (cmd == VTD_VCMD_ALLOC || cmd == VTD_VCMD_FREE)
		sc = vtd_sc_of(d, cmd, ret);
	else
		sc = d->p.sc_undefined;
	if (f->force_sc >= 0)
		sc = (u8)f->force_sc;

	rsp = field_dp(1, vl->sc_shift, vl->sc_len, sc);
	if (cmd == VTD_VCMD_ALLOC && ret == 0) {
		switch (f->result_mode) {
		case VTD_RESULT_SET:
			result = f->result;
			break;
		case VTD_RESULT_RAW:
			rsp |= f->result << vl->result_shift;
			goto written;
		default:
			result = pasid;
			break;
		}
		rsp = field_dp(rsp, vl->result_shift, VTD_PASID_BITS, result);
	}
written:
	if (field_ex(rsp, vl->sc_shift, vl->sc_len) == VTD_SC_SUCCESS)
		d->st.sc_success++;
	else
		d->st.sc_error++;

	now = sim_clock_ns();
	if (f->stuck_ip)
		d->done_at = VTD_NEVER;
	else if (f->latency_ns > VTD_NEVER - 1 - now)
		d->done_at = VTD_NEVER - 1;
	else
		d->done_at = now + f->latency_ns;
	if (!f->stuck_ip && !f->latency_ns)
		rsp &= ~1ULL;
	vcrsp_set(d, rsp);
	pthread_mutex_unlock(&d->lock);
}

/* A guest write touching VCMD; lock held, released on return. */
static void vtd_vcmd_write(struct vtd_dev *d, u64 off, u64 val, unsigned int size)
{
	const struct vtd_vc_layout *vl = d->vl;
	const struct vtd_faults *f = &d->p.faults;
	bool drop;
	u64 n;

	if (!d->p.pas) {
		d->st.ignored_pas++;
		vtd_log(d, "VCMD write %#llx ignored: VCCAP.PAS is clear",
			(unsigned long long)val);
		goto out;
	}
	if (vcrsp_get(d) & 1) {
		d->st.ignored_ip++;
		vtd_log(d, "VCMD write %#llx ignored: VCRSP.IP is set", (unsigned long long)val);
		goto out;
	}
	if (off != vl->vcmd) {
		/* the upper half alone: stored, no command */
		vtd_masked_write(d, off, val, size);
		goto out;
	}

	n = ++d->accepted;
	drop = (f->drop_nth && n == f->drop_nth) || (f->drop_every && n % f->drop_every == 0);
	if (drop && f->drop_mode == VTD_DROP_LOST) {
		d->st.dropped++;
		goto out;
	}
	vtd_masked_write(d, off, val, size);
	switch (ld_le(&d->csr[vl->vcmd], 1)) {
	case VTD_VCMD_ALLOC:
		d->st.cmd_alloc++;
		break;
	case VTD_VCMD_FREE:
		d->st.cmd_free++;
		break;
	default:
		d->st.cmd_undefined++;
		break;
	}
	/* IP set, SC and result cleared */
	vcrsp_set(d, 1);
	if (drop) {
		d->st.dropped++;
		d->done_at = VTD_NEVER;
		goto out;
	}
	vtd_vcmd_run(d);
	return;
out:
	pthread_mutex_unlock(&d->lock);
}

/* ---- guest accesses -------------------------------------------------------------- */

u64 vtd_guest_read(struct vtd_dev *d, u64 off, unsigned int size)
{
	u64 v;

	if (d->ops.access)
		d->ops.access(d->opaque, off, size, false);
	pthread_mutex_lock(&d->lock);
	d->st.reads++;
	if (!vtd_access_ok(off, size)) {
		d->st.bad_accesses++;
		vtd_log(d, "bad read of %u bytes at %#llx", size, (unsigned long long)off);
		pthread_mutex_unlock(&d->lock);
		return size_mask(size > 8 ? 8 : size);
	}
	vtd_vcmd_update(d);
	if (vtd_vc_absent(d, off, size)) {
		d->st.absent_reads++;
		vtd_log(d, "read of absent register at %#llx (ECAP.VCS = 0)",
			(unsigned long long)off);
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	if (!vtd_covered(d, off, size))
		d->st.undefined_accesses++;
	v = ld_le(&d->csr[off], size) & ~ld_le(&d->womask[off], size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

void vtd_guest_write(struct vtd_dev *d, u64 off, u64 val, unsigned int size)
{
	if (d->ops.access)
		d->ops.access(d->opaque, off, size, true);
	pthread_mutex_lock(&d->lock);
	d->st.writes++;
	if (!vtd_access_ok(off, size)) {
		d->st.bad_accesses++;
		vtd_log(d, "bad write of %u bytes at %#llx", size, (unsigned long long)off);
		goto out;
	}
	vtd_vcmd_update(d);
	if (vtd_vc_absent(d, off, size)) {
		d->st.absent_writes++;
		vtd_log(d, "write to absent register at %#llx (ECAP.VCS = 0)",
			(unsigned long long)off);
		goto out;
	}
	val &= size_mask(size);
	if (overlaps(off, size, d->vl->vcmd)) {
		vtd_vcmd_write(d, off, val, size);
		return;
	}
	if (!vtd_covered(d, off, size))
		d->st.undefined_accesses++;
	vtd_masked_write(d, (u32)off, val, size);
out:
	pthread_mutex_unlock(&d->lock);
}

static u64 vtd_mmio_read(void *opaque, u64 offset, unsigned int size)
{
	return vtd_guest_read(opaque, offset, size);
}

static void vtd_mmio_write(void *opaque, u64 offset, u64 val, unsigned int size)
{
	vtd_guest_write(opaque, offset, val, size);
}

static const struct sim_mmio_ops vtd_mmio_ops = {
	.read = vtd_mmio_read,
	.write = vtd_mmio_write,
};

/* ---- device-side API ----------------------------------------------------------- */

struct vtd_dev *vtd_create(const struct vtd_params *p, const struct vtd_backend_ops *ops,
			   void *opaque)
{
	struct vtd_dev *d;

	if (!p || !ops || !ops->alloc || !ops->free || !vtd_params_valid(p))
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	pthread_mutex_init(&d->lock, NULL);
	d->p = *p;
	d->vl = vtd_vc_layout(p->layout);
	d->ops = *ops;
	d->opaque = opaque;
	vtd_reset_locked(d);
	d->base = sim_mmio_map(VTD_WINDOW_SIZE, &vtd_mmio_ops, d);
	if (!d->base) {
		pthread_mutex_destroy(&d->lock);
		free(d);
		return NULL;
	}
	return d;
}

void vtd_destroy(struct vtd_dev *d)
{
	if (!d)
		return;
	sim_mmio_unmap(d->base);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

void __iomem *vtd_regs(struct vtd_dev *d)
{
	return d->base;
}

void vtd_get_params(struct vtd_dev *d, struct vtd_params *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->p;
	pthread_mutex_unlock(&d->lock);
}

int vtd_reconfigure(struct vtd_dev *d, const struct vtd_params *p)
{
	if (!vtd_params_valid(p))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	d->p = *p;
	d->vl = vtd_vc_layout(p->layout);
	d->accepted = 0;
	vtd_reset_locked(d);
	d->st.resets++;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void vtd_reset(struct vtd_dev *d)
{
	pthread_mutex_lock(&d->lock);
	vtd_reset_locked(d);
	d->st.resets++;
	pthread_mutex_unlock(&d->lock);
}

static bool raw_ok(u32 off, unsigned int size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) &&
	       off < VTD_WINDOW_SIZE && size <= VTD_WINDOW_SIZE - off;
}

u64 vtd_get_raw(struct vtd_dev *d, u32 off, unsigned int size)
{
	u64 v = 0;

	if (!raw_ok(off, size))
		return 0;
	pthread_mutex_lock(&d->lock);
	v = ld_le(&d->csr[off], size);
	pthread_mutex_unlock(&d->lock);
	return v;
}

void vtd_set_raw(struct vtd_dev *d, u32 off, u64 val, unsigned int size)
{
	if (!raw_ok(off, size))
		return;
	pthread_mutex_lock(&d->lock);
	st_le(&d->csr[off], size, val);
	pthread_mutex_unlock(&d->lock);
}

size_t vtd_reg_count(struct vtd_dev *d)
{
	size_t n;

	pthread_mutex_lock(&d->lock);
	n = d->nregs;
	pthread_mutex_unlock(&d->lock);
	return n;
}

const struct vtd_reg *vtd_reg_at(struct vtd_dev *d, size_t i)
{
	const struct vtd_reg *r = NULL;

	pthread_mutex_lock(&d->lock);
	if (i < d->nregs)
		r = &d->regs[i];
	pthread_mutex_unlock(&d->lock);
	return r;
}

const struct vtd_reg *vtd_reg_find(struct vtd_dev *d, const char *name)
{
	const struct vtd_reg *r = NULL;

	pthread_mutex_lock(&d->lock);
	for (size_t i = 0; i < d->nregs; i++) {
		if (!strcmp(d->regs[i].name, name)) {
			r = &d->regs[i];
			break;
		}
	}
	pthread_mutex_unlock(&d->lock);
	return r;
}

void vtd_set_faults(struct vtd_dev *d, const struct vtd_faults *f)
{
	pthread_mutex_lock(&d->lock);
	d->p.faults = *f;
	d->accepted = 0;
	pthread_mutex_unlock(&d->lock);
}

void vtd_get_faults(struct vtd_dev *d, struct vtd_faults *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->p.faults;
	pthread_mutex_unlock(&d->lock);
}

void vtd_get_stats(struct vtd_dev *d, struct vtd_stats *out)
{
	pthread_mutex_lock(&d->lock);
	*out = d->st;
	pthread_mutex_unlock(&d->lock);
}

void vtd_clear_stats(struct vtd_dev *d)
{
	pthread_mutex_lock(&d->lock);
	memset(&d->st, 0, sizeof(d->st));
	pthread_mutex_unlock(&d->lock);
}

const char *vtd_last_error(struct vtd_dev *d, char *buf, size_t len)
{
	pthread_mutex_lock(&d->lock);
	snprintf(buf, len, "%s", d->last_error);
	pthread_mutex_unlock(&d->lock);
	return buf;
}
