/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim traces, internal: the descriptor tables shared by the parser
 * (trace-parse.c) and the writer (trace-write.c); trace.c and trace-ops.c define them.
 *
 * Every header key, per-VM key and event argument is a row: its name, the
 * type and offset of the field it fills, the range of its values and the
 * words an error message uses. The parser and the writer walk the rows;
 * adding a key is adding a row (and a field to trace.h).
 */
#ifndef PASIDSIM_TRACE_INT_H
#define PASIDSIM_TRACE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sim/op.h>

#include "trace.h"

/* ---- fields: header keys and per-VM keys --------------------------------------- */

enum trace_ftype {
	TF_ENUM,	/* an enum (int-sized): one of names[0..nnames) */
	TF_UINT,	/* unsigned int / uint32_t, decimal */
	TF_BOOL,	/* bool, '0' or '1' */
	TF_INT,		/* int, decimal; -1 is "off" and never written */
	TF_U64,		/* uint64_t, decimal */
};

/* How a header key is parsed (table index into the parser's handlers). */
enum trace_hkind {
	HKIND_FIELD,	/* "key VALUE": one field, described by the row */
	HKIND_VMS,	/* "vms N": allocates the VMs */
	HKIND_VM,	/* "vm N key=value...": per-VM overrides (vm_keys[]) */
	HKIND_META,	/* "meta NAME free text" */
	HKIND_EVENTS,	/* "events": the end of the header */
	HKIND_VIOMMU,	/* "viommu N key=value...": one vIOMMU index's knobs */
	HKIND__NR,
};

/* Header key flags. */
#define HKF_PER_VM	0x01	/* a VM key: refused in bare-metal headers, written with VMs only */
#define HKF_FAULT	0x02	/* a fault knob: version 2, vms mode; written if not the default */
#define HKF_REPEAT	0x04	/* may appear more than once (vm, meta) */
#define HKF_V4		0x08	/* version 4; written if not the default */
#define HKF_V5		0x10	/* version 5; written if not the default */

struct trace_field {
	const char *name;
	unsigned char type;		/* enum trace_ftype */
	unsigned char kind;		/* enum trace_hkind (header keys) */
	unsigned char flags;		/* HKF_* (header keys) */
	unsigned char nnames;		/* TF_ENUM: number of names */
	unsigned short off;		/* of the field in its struct */
	unsigned short flag_off;	/* 0, or a bool set with the field (virtio-bad-result) */
	unsigned short dflt_off;	/* per-VM keys: the header's default field */
	uint64_t min, max;		/* TF_UINT, TF_INT, TF_U64 */
	const char *const *names;	/* TF_ENUM */
	const char *what;		/* "expected WHAT" */
};

enum {
	TRACE_NR_HKEYS = 38,
	TRACE_NR_VMKEYS = 6,
	TRACE_NR_VIOMMUKEYS = 3,
};

extern const struct trace_field trace_hkeys[TRACE_NR_HKEYS];
extern const struct trace_field trace_vmkeys[TRACE_NR_VMKEYS];
/* The keys of a 'viommu N' line (fields of struct trace_viommu). */
extern const struct trace_field trace_viommukeys[TRACE_NR_VIOMMUKEYS];
/* The order the writer emits the header keys in (indices into trace_hkeys). */
extern const unsigned char trace_hkey_write_order[];
extern const unsigned int trace_hkey_write_count;

uint64_t trace_field_get(const void *base, const struct trace_field *k);
void trace_field_set(void *base, const struct trace_field *k, uint64_t v);
/* True if the value at @base is one the parser accepts for @k. */
bool trace_field_valid(const void *base, const struct trace_field *k);
/* The index of the header key @name, or -1. */
int trace_hkey_lookup(const char *name);

/* Messages built from the tables, into @buf: */
/* "a header key (mode, ...; version 2: ...; version 4: ...) or 'events'" */
const char *trace_hkey_list(char *buf, size_t len, unsigned int version);
/* "vcpus=, viommus=, pv=, flavour= or quota=" (and boot= for @version 4) */
const char *trace_vmkey_list(char *buf, size_t len, unsigned int version);

/* ---- events: arguments and operations --------------------------------------------- */

enum trace_arg {
	ARG_C, ARG_ID, ARG_SET, ARG_PRIV, ARG_MM, ARG_MIN, ARG_MAX, ARG_VIOMMU, ARG_OFF,
	ARG_VAL, ARG_WIDTH, ARG_LOST, ARG_REASON, ARG_VM, ARG_QUOTA, ARG_LEN, ARG_TAIL, ARG_KEYS,
	ARG_SLOT, ARG_OPS, ARG_MASK, ARG_CALL, ARG_STOP, ARG_GETTER, ARG__NR,
};

enum trace_atype {
	TA_NAME,	/* a name (const char *) */
	TA_TOKEN,	/* a token name or 'null' (const char *, NULL for null) */
	TA_U64,		/* a decimal or 0x number up to max, into a uint64_t */
	TA_HEX,		/* as TA_U64, written in hex */
	TA_VIOMMU,	/* a vIOMMU index of the event's VM, into an unsigned int */
	TA_WIDTH,	/* 4 or 8, into an unsigned int */
	TA_KEYS,	/* a key list (trace_keys_parse), as text (const char *) */
};

struct trace_argdesc {
	const char *name;
	unsigned char len;
	unsigned char type;		/* enum trace_atype */
	unsigned short off;		/* of the field in struct trace_event */
	unsigned short present_off;	/* 0, or a bool that says the field was given (lost) */
	uint64_t max;
	const char *what;
};

extern const struct trace_argdesc trace_args[ARG__NR];

#define A(x)	(1u << ARG_##x)
#define R(x)	(1u << TRACE_RES_##x)

/*
 * One operation of the vocabulary: its trace form (name, arguments, results,
 * where it may appear, the version that has it) and what it is in the
 * executor (the sim_op it becomes and which trace argument fills each of
 * its fields), so that the parser, the writer, the replay (bare metal and
 * worlds) and the fuzz-input converter all read one row. The token and ID
 * arguments are resolved by the user: ARG_ID becomes an ID, ARG_PRIV a
 * pointer, ARG_SET goes to sim_op.set and ARG_C to sim_op.consumer.
 */
struct trace_opdesc {
	const char *name;
	unsigned int len;
	unsigned int required, optional;	/* A() masks */
	const unsigned char *order;		/* writer's argument order, ends with ARG__NR */
	unsigned int results;			/* R() mask */
	bool vm_only;
	const char *result_what;		/* "expected WHAT" for a bad result */
	bool host_only;
	unsigned char version;			/* the first trace version with it (0: 1) */
	/* the executor */
	unsigned char sim;			/* 1 + enum sim_op_kind; 0: none */
	unsigned char sim4;			/* 1 + the kind for width=4 (0: sim) */
	unsigned char to_a, to_b, to_arg;	/* 1 + the trace argument; 0: none */
	unsigned char flags;			/* OPF_* */
};

#define OPF_BARRIER	0x01	/* auto schedules: runs alone, after what came before */
#define OPF_ALLOC	0x02	/* a successful one binds its result's name */

extern const struct trace_opdesc trace_ops[TRACE_OP__NR];

/* The executor's kind of @op with @width (mmio ops), or SIM_OP__COUNT if it has none. */
enum sim_op_kind trace_op_sim(enum trace_op op, unsigned int width);
/*
 * The trace op whose executor kind is @kind (*width: 4 or 8 for the mmio
 * ops, else 0), or TRACE_OP__NR. The converse of trace_op_sim().
 */
enum trace_op trace_op_of_sim(enum sim_op_kind kind, unsigned int *width);
/* The trace argument that fills sim_op field @field ('a', 'b' or 'x' for arg), or -1. */
int trace_op_field(enum trace_op op, char field);

/* "an operation (iommu_pasid_init, ..., gap)", into @buf; version 4's ops for @version 4 */
const char *trace_op_list(char *buf, size_t len, unsigned int version);

/* ---- shared helpers ---------------------------------------------------------------- */

/* Append to @buf at *@o (a message that does not fit is cut). */
void trace_cat(char *buf, size_t len, size_t *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

extern const char *const trace_flavour_names[3];
extern const char *const trace_pv_names[2];
extern const char *const trace_mode_names[2];

/* Name characters: [A-Za-z0-9_.:/+@-]. */
bool trace_name_char(unsigned char c);
/* A name of @len bytes (not NUL-terminated). */
bool trace_is_name(const char *s, size_t len);
/* Canonical meta text: printable, single spaces, no '#', no edge blanks. */
bool trace_meta_value_ok(const char *v);
/* The per-VM defaults of @h. */
void trace_vm_defaults(const struct trace_header *h, struct trace_vm *vm);
/* -errno of an errno name ("ENOSPC", @len bytes), or 0 if unknown. */
int trace_errno_lookup(const char *name, size_t len);
bool trace_str_eq(const char *a, const char *b);
/* At most 40 bytes of @s for a message, what is not printable escaped. */
void trace_quote(char *out, size_t outlen, const char *s, size_t len);
/* A decimal or 0x number of @len bytes. */
bool trace_parse_u64(const char *s, size_t len, uint64_t *out);
/* "0", "-ENOSPC" or "-28" (1-4095) of @len bytes into *out; 0 or -1. */
int trace_parse_errno(const char *s, size_t len, long long *out);

#endif /* PASIDSIM_TRACE_INT_H */
