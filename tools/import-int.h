/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim import internals, shared by tools/import.c (the probed functions,
 * pairing, order, conversion) and tools/import-parse.c (the line parser).
 * Not an API: import.h is.
 */
#ifndef PASIDSIM_IMPORT_INT_H
#define PASIDSIM_IMPORT_INT_H

#include "import.h"

#define INVALID_ID	0xffffffffu
#define MAX_ERRNO	4095

enum ret_kind {
	RET_VOID,	/* no value */
	RET_U32,	/* ioasid_t */
	RET_INT,	/* 0 or -errno */
	RET_PTR,	/* a pointer, NULL or ERR_PTR(-errno) */
};

struct fn_param {
	const char *names[4];	/* accepted argument names */
	bool positional;	/* a real parameter: argN also accepted */
	bool required;
	bool u32;		/* an ioasid_t: must fit in 32 bits */
};

struct fn_desc {
	const char *name;
	enum trace_op op;
	enum ret_kind ret;
	bool outer;		/* an iommu_*() call: ioasid_*() calls nest in it */
	struct fn_param param[IMPORT_MAX_ARGS];
};

/* The probed functions: their names, trace operation, return and parameters. */
extern const struct fn_desc import_fns[IMPORT_FN__NR];

/* A call (open, nested or done) or a gap, waiting to be written. */
struct slot {
	struct slot *next;		/* FIFO of top-level calls and gaps */
	struct slot *parent;		/* nested call: the open outer call */
	bool is_gap;
	bool done;			/* returned, or given up on */
	bool lost_return;		/* its return (or a nested one) was lost: a gap follows */
	enum import_fn fn;
	int cpu;
	int pid;
	uint64_t ts;			/* absolute capture time */
	unsigned long line;
	uint32_t argmask;
	uint64_t arg[IMPORT_MAX_ARGS];
	bool has_ret;
	uint64_t ret;
	bool has_inner_id;		/* a nested ioasid_alloc() gave this PASID */
	uint32_t inner_id;
	/* gap */
	bool lost_known;
	uint64_t lost;
	const char *reason;
};

/*
 * Fill @ev with the call @s (tools/import-call.c): its arguments, and its
 * result when it returned. Names are formatted into @names (six buffers that
 * must outlive @ev); @st says which set is the SVA set. False if it returned
 * but its result cannot be written, with the reason in *@why.
 */
bool import_convert_call(const struct slot *s, struct trace_event *ev, char (*names)[24],
			 const struct import_stats *st, const char **why);

/* Which pass of import_convert() the progress line reports (1 or 2). */
void import_progress_pass(int pass);

#endif /* PASIDSIM_IMPORT_INT_H */
