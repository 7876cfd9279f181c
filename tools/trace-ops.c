// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim traces: the vocabulary (docs/design.md, "The vocabulary"): the
 * event arguments and one row per operation, with its trace form and the
 * executor operation it is (trace-int.h). The parser and writer, the replay
 * and the fuzz-input converter read these rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "trace-int.h"

/* ---- event arguments and operations ------------------------------------------------ */

#define EV(f)	offsetof(struct trace_event, f)

const struct trace_argdesc trace_args[ARG__NR] = {
	[ARG_C] = { "c", 1, TA_NAME, EV(c), 0, 0, "a name" },
	[ARG_ID] = { "id", 2, TA_NAME, EV(id), 0, 0, "a name" },
	[ARG_SET] = { "set", 3, TA_TOKEN, EV(set), 0, 0, "a token name or 'null'" },
	[ARG_PRIV] = { "priv", 4, TA_TOKEN, EV(priv), 0, 0, "a token name or 'null'" },
	[ARG_MM] = { "mm", 2, TA_TOKEN, EV(mm), 0, 0, "a token name or 'null'" },
	[ARG_MIN] = { "min", 3, TA_U64, EV(min), 0, UINT32_MAX, "a u32" },
	[ARG_MAX] = { "max", 3, TA_U64, EV(max), 0, UINT32_MAX, "a u32" },
	[ARG_VIOMMU] = { "viommu", 6, TA_VIOMMU, EV(viommu), 0, 0, "a vIOMMU index below %u" },
	[ARG_OFF] = { "off", 3, TA_HEX, EV(off), 0, UINT32_MAX, "a register offset (u32)" },
	[ARG_VAL] = { "val", 3, TA_HEX, EV(val), 0, UINT64_MAX, "a value (u64)" },
	[ARG_WIDTH] = { "width", 5, TA_WIDTH, EV(width), 0, 8, "width 4 or 8" },
	[ARG_LOST] = { "lost", 4, TA_U64, EV(lost), EV(lost_known), UINT64_MAX, "a count (u64)" },
	[ARG_REASON] = { "reason", 6, TA_NAME, EV(reason), 0, 0, "a name" },
	[ARG_VM] = { "vm", 2, TA_U64, EV(vm), 0, UINT32_MAX, "a VM number (u32)" },
	[ARG_QUOTA] = { "quota", 5, TA_U64, EV(quota), 0, UINT32_MAX, "a quota (u32)" },
	[ARG_LEN] = { "len", 3, TA_U64, EV(len), 0, 16, "a length (0-16)" },
	[ARG_TAIL] = { "tail", 4, TA_HEX, EV(tail), 0, UINT32_MAX, "a u32" },
	[ARG_KEYS] = { "keys", 4, TA_KEYS, EV(keys), 0, 0,
		       "tie-break keys (u64 numbers separated by commas, at most 512)" },
	[ARG_SLOT] = { "slot", 4, TA_U64, EV(slot), 0, 2, "a host allocator (0-2)" },
	[ARG_OPS] = { "ops", 3, TA_U64, EV(ops), 0, SIM_VENDOR__COUNT - 1,
		      "a vendor callbacks kind (0-5)" },
	[ARG_MASK] = { "mask", 4, TA_HEX, EV(mask), 0, UINT32_MAX, "a mask of allocation attempts (u32)" },
	[ARG_CALL] = { "call", 4, TA_U64, EV(call), 0, SIM_NULL__COUNT - 1,
		       "a NULL-argument call (0-7)" },
	[ARG_STOP] = { "stop", 4, TA_U64, EV(stop), 0, UINT32_MAX, "a visit number (u32)" },
	[ARG_GETTER] = { "getter", 6, TA_U64, EV(getter), 0, 2, "a getter kind (0-2)" },
};

#define RW_ERRNO	"an errno (0, -ENOSPC, -22, ...)"
#define RW_ID		"a PASID name or a negative errno"
#define RW_FIND		"a token name, 'null' or a negative errno"
#define RW_VALUE	"a value (u64) or a negative errno"
#define ORDER(...)	(const unsigned char[]){ __VA_ARGS__, ARG__NR }
/* The executor's operation, and the trace arguments that fill its a, b and arg. */
#define SIM(k)		.sim = 1 + SIM_OP_##k
#define TO(a_, b_, x_)	.to_a = 1 + ARG_##a_, .to_b = 1 + ARG_##b_, .to_arg = 1 + ARG_##x_
#define ARG_NONE	ARG__NR
#define V3		.version = 3
#define V4		.version = 4

/*
 * The vocabulary: one row per trace operation (docs/design.md, "The
 * vocabulary"). Adding an operation is a row here (and, if the executor
 * does not have it yet, a row in sim/world/ops.c's table).
 */
const struct trace_opdesc trace_ops[TRACE_OP__NR] = {
	[TRACE_PASID_INIT] = { "iommu_pasid_init", 16, A(C) | A(MIN) | A(MAX), 0,
			       ORDER(ARG_C, ARG_MIN, ARG_MAX), R(ERRNO), false, RW_ERRNO,
			       SIM(INIT), TO(MIN, MAX, NONE) },
	[TRACE_PASID_EXIT] = { "iommu_pasid_exit", 16, A(C), 0, ORDER(ARG_C), 0, SIM(EXIT),
			       TO(NONE, NONE, NONE) },
	[TRACE_PASID_ALLOC] = { "iommu_pasid_alloc", 17, A(C) | A(MIN) | A(MAX) | A(PRIV), A(ID),
				ORDER(ARG_C, ARG_MIN, ARG_MAX, ARG_PRIV, ARG_ID), R(ID) | R(ERRNO),
				false, RW_ID, SIM(ALLOC), TO(MIN, MAX, PRIV), .flags = OPF_ALLOC },
	[TRACE_PASID_FREE] = { "iommu_pasid_free", 16, A(C) | A(ID), 0, ORDER(ARG_C, ARG_ID),
			       R(ERRNO), false, RW_ERRNO, SIM(FREE), TO(ID, NONE, NONE) },
	[TRACE_PASID_FIND] = { "iommu_pasid_find", 16, A(C) | A(ID), 0, ORDER(ARG_C, ARG_ID),
			       R(TOKEN) | R(NULL) | R(ERRNO), false, RW_FIND, SIM(FIND),
			       TO(ID, NONE, NONE) },
	[TRACE_PASID_FOR_EACH] = { "iommu_pasid_for_each", 20, A(C), 0, ORDER(ARG_C),
				   R(COUNT) | R(ERRNO), false, "a count or a negative errno",
				   SIM(FOR_EACH), TO(NONE, NONE, NONE) },
	[TRACE_IOASID_ALLOC] = { "ioasid_alloc", 12, A(SET) | A(MIN) | A(MAX) | A(PRIV), A(ID),
				 ORDER(ARG_SET, ARG_MIN, ARG_MAX, ARG_PRIV, ARG_ID),
				 R(ID) | R(INVALID), false, "a PASID name or 'invalid'",
				 SIM(IOASID_ALLOC), TO(MIN, MAX, PRIV), .flags = OPF_ALLOC },
	[TRACE_IOASID_FREE] = { "ioasid_free", 11, A(ID), 0, ORDER(ARG_ID), 0, SIM(IOASID_FREE),
				TO(ID, NONE, NONE) },
	[TRACE_IOASID_FIND] = { "ioasid_find", 11, A(SET) | A(ID), 0, ORDER(ARG_SET, ARG_ID),
				R(TOKEN) | R(NULL) | R(ERRNO), false, RW_FIND, SIM(IOASID_FIND),
				TO(ID, NONE, NONE) },
	[TRACE_IOASID_SET_DATA] = { "ioasid_set_data", 15, A(ID) | A(PRIV), 0,
				    ORDER(ARG_ID, ARG_PRIV), R(ERRNO), false, RW_ERRNO,
				    SIM(IOASID_SET_DATA), TO(ID, NONE, PRIV) },
	/* emulated by the bare-metal replay on ioasid_alloc (no executor op of its own) */
	[TRACE_SVA_ALLOC] = { "iommu_sva_alloc_pasid", 21, A(MM) | A(MIN) | A(MAX), A(ID),
			      ORDER(ARG_MM, ARG_MIN, ARG_MAX, ARG_ID), R(ID) | R(ERRNO), false,
			      RW_ID, .flags = OPF_ALLOC },
	/* runs (SIM_OP_VM_CREATE) for a VM that boots at its event (vm N boot=event) */
	[TRACE_VM_BOOT] = { "vm_boot", 7, 0, 0, ORDER(ARG__NR), 0, true, SIM(VM_CREATE),
			    TO(NONE, NONE, NONE) },
	[TRACE_VM_DESTROY] = { "vm_destroy", 10, 0, 0, ORDER(ARG__NR), 0, true, SIM(VM_DESTROY),
			       TO(NONE, NONE, NONE), .flags = OPF_BARRIER },
	[TRACE_MMIO_WRITE] = { "mmio_write", 10, A(VIOMMU) | A(OFF) | A(VAL) | A(WIDTH), 0,
			       ORDER(ARG_VIOMMU, ARG_OFF, ARG_VAL, ARG_WIDTH), 0, true,
			       SIM(REG_WRITE), .sim4 = 1 + SIM_OP_REG_WRITE32,
			       TO(VIOMMU, OFF, VAL) },
	[TRACE_GAP] = { "gap", 3, 0, A(LOST) | A(REASON), ORDER(ARG_LOST, ARG_REASON), 0 },
	[TRACE_VIOMMU_PLUG] = { "viommu_plug", 11, A(VIOMMU), 0, ORDER(ARG_VIOMMU), R(ERRNO),
				true, RW_ERRNO, false, V3, SIM(VIOMMU_PLUG),
				TO(VIOMMU, NONE, NONE), .flags = OPF_BARRIER },
	[TRACE_VIOMMU_UNPLUG] = { "viommu_unplug", 13, A(VIOMMU), 0, ORDER(ARG_VIOMMU),
				  R(ERRNO), true, RW_ERRNO, false, V3, SIM(VIOMMU_UNPLUG),
				  TO(VIOMMU, NONE, NONE), .flags = OPF_BARRIER },
	[TRACE_ALLOCATOR_UNREGISTER] = { "ioasid_unregister_allocator", 27, A(VIOMMU), 0,
					 ORDER(ARG_VIOMMU), R(ERRNO), true, RW_ERRNO, false, V3,
					 SIM(ALLOCATOR_UNREGISTER), TO(VIOMMU, NONE, NONE),
					 .flags = OPF_BARRIER },
	[TRACE_ALLOCATOR_REGISTER] = { "ioasid_register_allocator", 25, A(VIOMMU), 0,
				       ORDER(ARG_VIOMMU), R(ERRNO), true, RW_ERRNO, false, V3,
				       SIM(ALLOCATOR_REGISTER), TO(VIOMMU, NONE, NONE),
				       .flags = OPF_BARRIER },
	[TRACE_VFIO_ALLOC] = { "vfio_pasid_alloc", 16, A(VM) | A(MIN) | A(MAX), A(ID),
			       ORDER(ARG_VM, ARG_MIN, ARG_MAX, ARG_ID), R(ID) | R(ERRNO), false,
			       RW_ID, true, V3, SIM(HOST_ALLOC), TO(MIN, MAX, VM),
			       .flags = OPF_ALLOC | OPF_BARRIER },
	[TRACE_VFIO_FREE] = { "vfio_pasid_free", 15, A(VM) | A(ID), 0, ORDER(ARG_VM, ARG_ID),
			      R(ERRNO), false, RW_ERRNO, true, V3, SIM(HOST_FREE), TO(ID, NONE, VM),
			      .flags = OPF_BARRIER },
	[TRACE_VFIO_FREE_RANGE] = { "vfio_pasid_free_range", 21, A(VM) | A(MIN) | A(MAX), 0,
				    ORDER(ARG_VM, ARG_MIN, ARG_MAX), R(COUNT) | R(ERRNO), false,
				    "a count or a negative errno", true, V3, SIM(HOST_FREE_RANGE),
				    TO(MIN, MAX, VM), .flags = OPF_BARRIER },
	[TRACE_VFIO_SET_QUOTA] = { "vfio_pasid_set_quota", 20, A(VM) | A(QUOTA), 0,
				   ORDER(ARG_VM, ARG_QUOTA), R(ERRNO), false, RW_ERRNO, true, V3,
				   SIM(HOST_SET_QUOTA), TO(QUOTA, NONE, VM), .flags = OPF_BARRIER },
	[TRACE_VMM_EXIT] = { "vmm_exit", 8, A(VM), 0, ORDER(ARG_VM), 0, false, NULL, true, V3,
			     SIM(HOST_VM_DESTROY), TO(NONE, NONE, VM), .flags = OPF_BARRIER },
	[TRACE_MMIO_READ] = { "mmio_read", 9, A(VIOMMU) | A(OFF) | A(WIDTH), 0,
			      ORDER(ARG_VIOMMU, ARG_OFF, ARG_WIDTH), R(VALUE) | R(ERRNO), true,
			      RW_VALUE, false, V4, SIM(REG_READ), .sim4 = 1 + SIM_OP_REG_READ32,
			      TO(VIOMMU, OFF, NONE) },
	[TRACE_VIRTIO_REQUEST] = { "virtio_request", 14, A(LEN) | A(VAL) | A(TAIL), 0,
				   ORDER(ARG_LEN, ARG_VAL, ARG_TAIL), R(VALUE) | R(ERRNO), true,
				   RW_VALUE, false, V4, SIM(VIRTIO_RAW), TO(LEN, TAIL, VAL) },
	[TRACE_VFIO_LOOKUP] = { "vfio_pasid_lookup", 17, A(VM) | A(ID), 0, ORDER(ARG_VM, ARG_ID),
				R(ERRNO), false, RW_ERRNO, true, V4, SIM(HOST_LOOKUP),
				TO(ID, NONE, VM), .flags = OPF_BARRIER },
	/* the replay's own: tie-break keys for the scheduler, a run of the world */
	[TRACE_SCHED_TIEBREAK] = { "sched_tiebreak", 14, A(KEYS), 0, ORDER(ARG_KEYS), 0, false,
				   NULL, true, V4 },
	[TRACE_WORLD_RUN] = { "world_run", 9, 0, 0, ORDER(ARG__NR), 0, false, NULL, true, V4,
			      .flags = OPF_BARRIER },
	[TRACE_HOST_ALLOCATOR_REGISTER] = { "host_register_allocator", 23, A(SLOT), 0,
					    ORDER(ARG_SLOT), R(ERRNO), false, RW_ERRNO, true, V4,
					    SIM(HOST_ALLOCATOR_REGISTER), TO(SLOT, NONE, NONE),
					    .flags = OPF_BARRIER },
	[TRACE_HOST_ALLOCATOR_UNREGISTER] = { "host_unregister_allocator", 25, A(SLOT), 0,
					      ORDER(ARG_SLOT), R(ERRNO), false, RW_ERRNO, true, V4,
					      SIM(HOST_ALLOCATOR_UNREGISTER), TO(SLOT, NONE, NONE),
					      .flags = OPF_BARRIER },
	/* the API's corners the api and diff_ioasid fuzzers reach (sim/world/ops.c) */
	[TRACE_PASID_SET_OPS] = { "iommu_pasid_set_ops", 19, A(OPS), 0, ORDER(ARG_OPS), R(ERRNO), false, RW_ERRNO, false, V4,
			 SIM(PASID_SET_OPS), TO(OPS, NONE, NONE), .flags = OPF_BARRIER },
	[TRACE_PASID_INIT_OPS] = { "iommu_pasid_init_ops", 20, A(C) | A(MIN) | A(MAX) | A(OPS), 0,
			 ORDER(ARG_C, ARG_MIN, ARG_MAX, ARG_OPS), R(ERRNO), false, RW_ERRNO, false, V4,
			 SIM(INIT_OPS), TO(MIN, MAX, OPS) },
	[TRACE_FAULT_NEXT] = { "fault_next", 10, A(MASK), 0, ORDER(ARG_MASK), 0, false, NULL, false, V4,
			 SIM(FAULT_NEXT), TO(MASK, NONE, NONE), .flags = OPF_BARRIER },
	[TRACE_PASID_NULL_ARG] = { "iommu_pasid_null_arg", 20, A(C) | A(CALL), 0, ORDER(ARG_C, ARG_CALL), R(ERRNO), false,
			 RW_ERRNO, false, V4, SIM(PASID_NULL_ARG), TO(CALL, NONE, NONE) },
	[TRACE_PASID_FOR_EACH_STOP] = { "iommu_pasid_for_each_stop", 25, A(C) | A(STOP), 0, ORDER(ARG_C, ARG_STOP),
			 R(COUNT) | R(ERRNO), false, "a count or a negative errno", false, V4,
			 SIM(FOR_EACH_STOP), TO(STOP, NONE, NONE) },
	[TRACE_PASID_FOR_EACH_FREE] = { "iommu_pasid_for_each_free", 25, A(C), 0, ORDER(ARG_C), R(COUNT) | R(ERRNO), false,
			 "a count or a negative errno", false, V4, SIM(FOR_EACH_FREE),
			 TO(NONE, NONE, NONE) },
	[TRACE_IOASID_FIND_GETTER] = { "ioasid_find_getter", 18, A(SET) | A(ID) | A(GETTER), 0,
			 ORDER(ARG_SET, ARG_ID, ARG_GETTER), R(TOKEN) | R(NULL) | R(ERRNO), false,
			 RW_FIND, false, V4, SIM(IOASID_FIND_GETTER), TO(ID, GETTER, NONE) },
};

enum sim_op_kind trace_op_sim(enum trace_op op, unsigned int width)
{
	const struct trace_opdesc *d;

	if ((unsigned int)op >= TRACE_OP__NR || !trace_ops[op].sim)
		return SIM_OP__COUNT;
	d = &trace_ops[op];
	return (enum sim_op_kind)((width == 4 && d->sim4 ? d->sim4 : d->sim) - 1);
}

enum trace_op trace_op_of_sim(enum sim_op_kind kind, unsigned int *width)
{
	for (int i = 0; i < TRACE_OP__NR; i++) {
		const struct trace_opdesc *d = &trace_ops[i];

		if (d->sim && (d->sim - 1 == (int)kind || (d->sim4 && d->sim4 - 1 == (int)kind))) {
			*width = !(d->required & A(WIDTH)) ? 0 : d->sim - 1 == (int)kind ? 8 : 4;
			return i;
		}
	}
	*width = 0;
	return TRACE_OP__NR;
}

int trace_op_field(enum trace_op op, char field)
{
	const struct trace_opdesc *d;
	unsigned char v;

	if ((unsigned int)op >= TRACE_OP__NR)
		return -1;
	d = &trace_ops[op];
	v = field == 'a' ? d->to_a : field == 'b' ? d->to_b : d->to_arg;
	return v && v - 1 != ARG__NR ? v - 1 : -1;
}

const char *trace_op_list(char *buf, size_t len, unsigned int version)
{
	size_t o = 0;

	/* version 4's ops are named to version 4 traces (older messages stay as they were) */
	trace_cat(buf, len, &o, "an operation (");
	for (int i = 0; i < TRACE_OP__NR; i++)
		if (trace_ops[i].version < TRACE_VERSION_SCHEDULE || version >= TRACE_VERSION_SCHEDULE)
			trace_cat(buf, len, &o, "%s%s", i ? ", " : "", trace_ops[i].name);
	trace_cat(buf, len, &o, ")");
	return buf;
}

const char *trace_op_name(enum trace_op op)
{
	return (unsigned int)op < TRACE_OP__NR ? trace_ops[op].name : "?";
}

unsigned int trace_op_results(enum trace_op op)
{
	return (unsigned int)op < TRACE_OP__NR ? trace_ops[op].results : 0;
}


unsigned int trace_op_version(enum trace_op op)
{
	return (unsigned int)op < TRACE_OP__NR && trace_ops[op].version ? trace_ops[op].version : 1;
}
