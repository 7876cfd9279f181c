/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: a VT-d remapping unit as a guest sees it (a vIOMMU), reduced to
 * what PASID allocation needs: VER, CAP, ECAP, the fault status/control
 * registers and the virtual command interface (VCCAP, VCMD, VCRSP).
 *
 * The register file is declared as data (offset, size, reset value,
 * writable, write-1-to-clear and write-only masks), QEMU style; the map and
 * the field positions are in sim/hw/vtd-internal.h and docs/registers.md.
 * The device maps a 4 KiB MMIO window with sim_mmio_map(); a driver in core/
 * reaches it with readq()/writeq() on vtd_regs().
 *
 * A VCMD command is performed through a backend (the VMM's forwarding to
 * the host). Behaviour, fault knobs and the backend contract:
 * docs/registers.md.
 */
#ifndef _SIM_VTD_H
#define _SIM_VTD_H

#include <linux/compiler.h>
#include <linux/types.h>

#define VTD_WINDOW_SIZE		0x1000

/* Layout of the virtual command registers. */
enum vtd_layout {
	VTD_LAYOUT_33 = 0,	/* VT-d 3.3: VCMD 0xE00, VCRSP 0xE10, VCCAP 0xE30 */
	VTD_LAYOUT_30,		/* VT-d 3.0: VCCAP 0xE00, VCMD 0xE10, VCRSP 0xE20 */
};

/* VCMD commands (VCMD bits 7:0). */
#define VTD_VCMD_NULL		0
#define VTD_VCMD_ALLOC		1
#define VTD_VCMD_FREE		2

/* VCRSP status codes. */
#define VTD_SC_SUCCESS		0
#define VTD_SC_UNDEFINED	1	/* undefined command (spec, QEMU RFC) */
#define VTD_SC_NO_PASID_V30	2	/* spec 3.0 §10.4.45, QEMU RFC: no PASID / invalid PASID */
#define VTD_SC_NO_PASID_V33	16	/* Linux 5.15-6.3 (3.3 layout): no PASID / invalid PASID */
#define VTD_SC_NO_PASID_OLD	1	/* Linux 5.7-5.11 before "Fix status code" (bug B1) */

/* What happens to a command the "drop" knobs select. */
enum vtd_drop_mode {
	/*
	 * The trap is lost: the write never reaches the VMM. VCMD keeps its old
	 * value, IP is not set, the backend is not called; the guest polls the
	 * previous command's stale VCRSP (IP clear at once).
	 */
	VTD_DROP_LOST = 0,
	/*
	 * The VMM takes the trap, sets IP and never answers: the backend is not
	 * called and IP stays set until reset.
	 */
	VTD_DROP_HANG,
};

/* What the result knob writes into VCRSP.RESULT of a successful ALLOC. */
enum vtd_result_mode {
	VTD_RESULT_REAL = 0,	/* the backend's PASID */
	VTD_RESULT_SET,		/* @result, masked to the 20-bit field */
	VTD_RESULT_RAW,		/* @result shifted into place unmasked: bits above the field */
};

/* Fault knobs; all off when zeroed except force_sc (use vtd_faults_init()). */
struct vtd_faults {
	u64 latency_ns;		/* IP clears this long (sim_clock_ns) after the backend returns */
	bool stuck_ip;		/* commands accepted while set never clear IP (until reset) */
	int force_sc;		/* < 0: off; else this SC replaces the real one (backend called) */
	enum vtd_result_mode result_mode;
	u64 result;
	enum vtd_drop_mode drop_mode;
	u64 drop_nth;		/* drop the Nth accepted command from now (1 = the next); 0: off */
	u64 drop_every;		/* drop every Nth accepted command from now; 0: off */
};

struct vtd_params {
	enum vtd_layout layout;
	u32 ver;		/* VER: MAX 7:4, MIN 3:0 */
	u64 cap;		/* CAP bits other than CM */
	u64 ecap;		/* ECAP bits other than PSS, PASID, SMTS, VCS */
	bool cm;		/* CAP.CM, caching mode: "I am a vIOMMU" */
	bool pasid;		/* ECAP.PASID */
	u8 pss;			/* ECAP.PSS: PASID width - 1 (19 = 20-bit PASIDs), 5 bits */
	bool smts;		/* ECAP.SMTS, scalable mode */
	bool vcs;		/* ECAP.VCS: the virtual command registers exist */
	bool pas;		/* VCCAP.PAS: PASID allocation through VCMD */
	u8 sc_undefined;	/* SC for an undefined command */
	u8 sc_no_pasid;		/* SC when the backend fails an ALLOC */
	u8 sc_invalid_pasid;	/* SC when the backend fails a FREE */
	bool verbose;		/* log guest errors on stderr */
	struct vtd_faults faults;
};

/*
 * The backend: how the VMM performs a command. Called without any device
 * lock held, on the thread (simulated CPU) that wrote VCMD. Return 0 on
 * success, a negative errno on failure (mapped to sc_no_pasid for ALLOC and
 * sc_invalid_pasid for FREE), or a positive value to have exactly that SC
 * written (masked to the layout's SC field).
 */
struct vtd_backend_ops {
	int (*alloc)(void *opaque, u32 *pasid);
	int (*free)(void *opaque, u32 pasid);
	/*
	 * Optional: called at every guest access (MMIO or vtd_guest_*) before
	 * it is handled, without locks held: a VM exit, for the cost model and
	 * scheduler yields.
	 */
	void (*access)(void *opaque, u64 offset, unsigned int size, bool write);
};

struct vtd_stats {
	u64 reads, writes;		/* guest accesses */
	u64 cmd_alloc, cmd_free, cmd_undefined;	/* accepted commands */
	u64 sc_success, sc_error;	/* completed commands by SC written */
	u64 ignored_ip;			/* VCMD writes ignored: IP set */
	u64 ignored_pas;		/* VCMD writes ignored: VCCAP.PAS clear */
	u64 dropped;			/* commands dropped by the knobs */
	u64 absent_reads, absent_writes;	/* VC registers while ECAP.VCS = 0 */
	u64 bad_accesses;		/* outside the window, odd size, unaligned */
	u64 undefined_accesses;		/* inside the window, no register there */
	u64 resets;
};

/* One register of the file: what the device declares. */
#define VTD_REG_RO	0x1		/* the guest writes nothing */
#define VTD_REG_WO	0x2		/* reads as 0 */
#define VTD_REG_VC	0x4		/* a virtual command register (exists iff ECAP.VCS) */

struct vtd_reg {
	const char *name;
	u32 offset;
	u8 size;			/* 4 or 8 */
	u8 flags;
	u64 reset;
	u64 wmask;			/* bits the guest writes */
	u64 w1cmask;			/* bits the guest clears by writing 1 */
};

/* Offsets and field positions of the virtual command registers of a layout. */
struct vtd_vc_layout {
	u32 vccap, vcmd, vcrsp;
	u8 operand_shift;		/* VCMD: 20-bit operand */
	u8 sc_shift, sc_len;		/* VCRSP.SC */
	u8 result_shift;		/* VCRSP: 20-bit result */
};

struct vtd_dev;

/* Defaults of a VCMD-capable vIOMMU of @layout (with no-PASID SCs for it). */
void vtd_params_init(struct vtd_params *p, enum vtd_layout layout);
void vtd_faults_init(struct vtd_faults *f);
const struct vtd_vc_layout *vtd_vc_layout(enum vtd_layout layout);

/*
 * Create a device in its reset state and map its window. NULL if @p is
 * invalid (unknown layout, PSS wider than 5 bits), @ops lacks alloc or
 * free, or the window cannot be mapped.
 */
struct vtd_dev *vtd_create(const struct vtd_params *p, const struct vtd_backend_ops *ops,
			   void *opaque);
void vtd_destroy(struct vtd_dev *dev);
/* The __iomem cookie of the window, for readq()/writeq(). */
void __iomem *vtd_regs(struct vtd_dev *dev);
void vtd_get_params(struct vtd_dev *dev, struct vtd_params *out);
/* Replace the parameters (capabilities, layout, knobs) and reset. -EINVAL if invalid. */
int vtd_reconfigure(struct vtd_dev *dev, const struct vtd_params *p);
/* Every register back to its reset value; a command in flight is forgotten. */
void vtd_reset(struct vtd_dev *dev);

/* Exactly what a guest MMIO access does (for tests and hostile guests). */
u64 vtd_guest_read(struct vtd_dev *dev, u64 offset, unsigned int size);
void vtd_guest_write(struct vtd_dev *dev, u64 offset, u64 val, unsigned int size);

/* Device-side access, bypassing masks and side effects (QEMU's _raw). */
u64 vtd_get_raw(struct vtd_dev *dev, u32 offset, unsigned int size);
void vtd_set_raw(struct vtd_dev *dev, u32 offset, u64 val, unsigned int size);

/* The register table: index 0..count-1, or by name; NULL past the end. */
size_t vtd_reg_count(struct vtd_dev *dev);
const struct vtd_reg *vtd_reg_at(struct vtd_dev *dev, size_t i);
const struct vtd_reg *vtd_reg_find(struct vtd_dev *dev, const char *name);

/* Fault knobs, at run time. Setting them restarts the drop counter. */
void vtd_set_faults(struct vtd_dev *dev, const struct vtd_faults *f);
void vtd_get_faults(struct vtd_dev *dev, struct vtd_faults *out);

void vtd_get_stats(struct vtd_dev *dev, struct vtd_stats *out);
void vtd_clear_stats(struct vtd_dev *dev);
/* The last guest error logged (bad access, ignored write...), "" if none. */
const char *vtd_last_error(struct vtd_dev *dev, char *buf, size_t len);

#endif /* _SIM_VTD_H */
