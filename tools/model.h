/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim model: the sweep's data (tools/builtin-model.c parses the
 * command line, tools/model-run.c runs a grid point, tools/model-out.c
 * prints and records). See docs/world.md, "Modelling contention".
 */
#ifndef PASIDSIM_MODEL_H
#define PASIDSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <sim/cost.h>
#include <sim/kernel.h>
#include <sim/sched.h>
#include <sim/world.h>

#include "results.h"

#define MODEL_MAX_LIST		32
#define MODEL_MAX_VCPUS		64
#define MODEL_MAX_HCPUS		1024
#define MODEL_BATCH		8	/* allocations per vCPU before they are freed */
#define MODEL_QUOTA		100000
#define MODEL_CLASSES		48	/* lock classes kept per point */
/* The lock classes reported by name (in the host instance). */
#define MODEL_ALLOC_LOCK	"ioasid_allocator_lock"
#define MODEL_VMM_LOCK		"&vmm->lock"
#define MODEL_XA_LOCK		"xa_lock"

struct lk {
	u64 acq, cont, wait;
};

struct lat {
	u64 *v;
	size_t n;
	u64 sum;
	struct results_hist hist;
};

/* One lock class of a point: the host's ("host:NAME") or every guest's together ("guest:NAME"). */
struct lkclass {
	char name[80];
	struct sim_lockstat st;
};

/* The figures of one run of a point (the baseline, or the what-if variant). */
struct pres {
	u64 ops, end_ns;
	struct lat alloc, free, all;
	struct lk alloc_lock, vmm_lock, xa_lock, host_all, guests, lk_all;
	u64 split[SIM_T_N];
	struct lkclass classes[MODEL_CLASSES];
	size_t nclasses;
	double share_min, share_max, jain;	/* per-VM fairness */
	char serial[80];			/* the most utilised lock or host-CPU set */
	double serial_util;
};

struct point {
	unsigned int vms, vcpus, hcpus;
	u64 sweep_val;			/* the swept cost field's value (--sweep) */
	char key[96];			/* "vms4.vcpus2[.hcpus8][.FIELD<v>]": metric names */
	struct pres base, what;
};

struct model {
	unsigned int vms[MODEL_MAX_LIST], nvms;
	unsigned int vcpus[MODEL_MAX_LIST], nvcpus;
	unsigned int hcpus[MODEL_MAX_LIST], nhcpus;
	unsigned int ops;
	const char *path, *flavour;
	struct sim_cost_model cost;
	char cost_name[256];
	char cost_spec[512];		/* every --cost, joined (for the replay engine) */
	const char *workload;		/* NULL: the built-in churn */
	u64 seed;
	/* --sweep=FIELD=V1,V2,...: one cost field as a fourth axis */
	char sweep_field[64];
	char sweep_spec[256];
	u64 sweep_vals[MODEL_MAX_LIST];
	unsigned int nsweep;		/* 1 (no value) without --sweep */
	/* --what-if=NAME*FACTOR: a cost field, else a lock class */
	char whatif[160];
	char whatif_name[128];
	double whatif_factor;
	bool whatif_cost;
	struct point *pts;
	size_t npts;
	struct results_digest digest;
	struct results_run *run;	/* NULL: --no-db */
};

/* model-run.c */
int model_point_run(struct model *m, struct point *pt, bool variant);
void model_point_free(struct point *pt);
void model_point_key(const struct model *m, struct point *pt);
void model_lockstat_add(struct pres *r, struct sim_kernel *k, bool host);
void model_lockstat_sort(struct pres *r);

/*
 * model-calibrate.c: measure, write @outfile (NULL: none), compare, and
 * with @record put the figures into the results store @dbopt. 0 or -1.
 */
int model_calibrate(struct model *m, const char *outfile, const char *dbopt, bool record);

/* model-workload.c */
bool model_workload_is_gen(const char *w);
int model_workload_point(struct model *m, struct point *pt, bool variant);
u64 lat_pct1000(const struct lat *l, unsigned int per_mille);
double lat_mean(const struct lat *l);
double lk_ratio(const struct lk *l);
double pres_ops_per_vs(const struct pres *r);

/* model-out.c */
void model_print_table(const struct model *m, FILE *out);
void model_print_json(const struct model *m, FILE *out);
void model_print_config(const struct model *m, FILE *out);
int model_record(const struct model *m, const char *dbopt, double wall_s,
		 struct results_run *run);

#endif /* PASIDSIM_MODEL_H */
