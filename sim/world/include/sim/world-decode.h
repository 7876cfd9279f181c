/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: the world fuzz harness's input decoder (docs/fuzzing.md), one
 * for the harness (fuzz/world.c) and for the converter of its inputs into
 * traces (tools/fuzz-trace.c), so that a converted input runs the same
 * operations, runs and tie-break keys as the harness ran.
 *
 * Input: byte 0 picks the world (path x host flavour x guest flavour x
 * VT-d knobs, sim_wdec_params); then batches until the input ends: a byte
 * (1..8 operations), the operations (each: which one, where, its
 * arguments, a delay added to the submit time), with byte 0 bit 6 a byte
 * of allocation failures, and a run of the world, whose ties are broken by
 * the next input bytes (with schedule fuzzing, WDEC_V_PREEMPT, its
 * preemptions decided by them too). With byte 0 bit 7 (WDEC_VARIANT), byte
 * 1 is a variant byte of WDEC_V_* bits and the batches start at byte 2.
 * Past the end, every byte reads 0.
 */
#ifndef _SIM_WORLD_DECODE_H
#define _SIM_WORLD_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <sim/kernel.h>
#include <sim/world.h>

#define WDEC_NVMS	2
#define WDEC_NVCPUS	2
#define WDEC_NVIOMMUS	2
#define WDEC_NPOOL	16	/* PASIDs seen lately, for the arguments */
#define WDEC_NSETS	2
#define WDEC_NTOKENS	4

/* Input byte 0: byte 1 is a variant byte. */
#define WDEC_VARIANT		0x80u
/* The variant byte's bits (sim_wdec_run()); the others mean nothing yet. */
#define WDEC_V_NO_VCS		1u	/* vIOMMU 1 has no virtual commands (ECAP.VCS = 0) */
#define WDEC_V_PSS3		2u	/* vIOMMU 1 has PSS 3 (PASIDs up to 15) */
#define WDEC_V_REPLUG_KEEP	4u	/* a re-plug binds the state its unplug removed */
#define WDEC_V_PREEMPT		8u	/* schedule fuzzing (SIM_PREEMPT_ALL) in every run */
#define WDEC_V_LATE_VM1		16u	/* VM 1 is powered off until a drawn SIM_OP_VM_CREATE */

/* What an input did that causes findings by design (docs/fuzzing.md). */
#define WDEC_TAINT_ORPHAN	1u	/* allocator gone with IDs outstanding: WARN, leaks */
#define WDEC_TAINT_HOST		2u	/* the host acted for a VM on its own: invariants */
#define WDEC_TAINT_RAWFREE	4u	/* a guest freed an ID behind its consumer */

struct wdec_hooks {
	/* an operation was submitted (op->cookie: its number in the input, from 1) */
	void (*submitted)(void *arg, int vm, unsigned int cpu, const struct sim_op *op);
	/* the scheduler drew tie-break key @key from the input */
	void (*key)(void *arg, u64 key);
	/* a run of the world ended with @r; false: decode no further */
	bool (*ran)(void *arg, struct sim_world *w, enum sim_sched_result r);
	void *arg;
};

/* The decoder's state: the objects its operations point to live here. */
struct wdec {
	struct iommu_pasid extra[WDEC_NVMS];	/* one more consumer per VM */
	struct ioasid_set sets[WDEC_NSETS];
	int tokens[WDEC_NTOKENS];		/* private data: &tokens[i] */
	u64 pool[WDEC_NPOOL];
	unsigned int npool, taint;
	u64 t;					/* the submit time, never decreasing */
	u64 cookie;
	const char *guest, *host;		/* the world's guest and host flavours */
	bool vcmd_hang;				/* a VMM may never complete a VCMD */
	bool lying;				/* a VMM answers other PASIDs than granted */
	bool faulty;				/* byte 0 bit 6: allocation failures */
	uint8_t variant;			/* WDEC_V_*: the variant byte, or 0 */
	u64 fault_seen, fault_from, fault_len;	/* attempts in this run; which fail */
	u64 faults;				/* failures injected by this input */
	/* the input */
	const uint8_t *data;
	size_t size, pos;
	const struct wdec_hooks *hooks;
	bool verbose;				/* each operation on stderr */
};

/*
 * The world of input byte @b0 into @p (2 VMs x 2 vCPUs x 2 vIOMMUs, quota
 * 8): bit 0 the virtio path, bit 1 a linux-6.1 host, bit 2 linux-6.1
 * guests (pasidsim when that flavour is not built), bit 3 the VT-d 3.0
 * register layout (else 3.3), bits 5:4 the VMM (0, 1 honest; 2 one that
 * answers PASID 1 to every granted ALLOC; 3 one whose 4th VCMD never
 * completes: a world stopped by the driver's timeout panic is what it
 * must cause, one stopped at the time limit is a hang), bit 6 no other
 * world but allocation failures chosen by the input in each run (bits
 * 3-5: VT-d path only), bit 7 no other world but byte 1 is a variant byte
 * for the run (sim_wdec_run(), WDEC_V_*: per-vIOMMU ECAP.VCS and PSS, a
 * re-plug that keeps the driver's state, schedule fuzzing, VM 1 created at
 * an operation); @host, if not NULL,
 * replaces the host's flavour (a seeded bug's copy, "pasidsim+BUG").
 */
void sim_wdec_params(uint8_t b0, const char *host, struct sim_world_params *p);
/*
 * Decode and run input @data (@size >= 2) in @w, the world of its byte 0,
 * reset first. Returns the number of operations submitted, or -1 if the
 * reset failed.
 */
long sim_wdec_run(struct wdec *d, struct sim_world *w, const uint8_t *data, size_t size,
		 const struct wdec_hooks *hooks);
/*
 * The first finding of @w that the input's own operations do not explain
 * (docs/fuzzing.md), or NULL; its VM (SIM_WORLD_HOST: the host) into @vm.
 */
const struct sim_finding *sim_wdec_unexpected(const struct wdec *d, struct sim_world *w,
					      int *vm);

#endif /* _SIM_WORLD_DECODE_H */
