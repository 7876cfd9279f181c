/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim model --calibrate: what tools/model-calibrate.c (threads mode,
 * calibration, comparison) and tools/model-baton.c (the 2-thread baton
 * microbenchmarks) share.
 */
#ifndef PASIDSIM_MODEL_CAL_H
#define PASIDSIM_MODEL_CAL_H

#include <stdbool.h>

#include <linux/ioasid.h>
#include <sim/core.h>

struct vfio_pasid_vm;

/* The host's VFIO PASID API in a loaded copy of core/. */
struct host_api {
	struct vfio_pasid_vm *(*create)(const char *name, unsigned int quota);
	void (*destroy)(struct vfio_pasid_vm *vm);
	int (*alloc)(struct vfio_pasid_vm *vm, ioasid_t min, ioasid_t max, ioasid_t *id);
	int (*free)(struct vfio_pasid_vm *vm, ioasid_t pasid);
};

/* The baton figures, ns per turn (the fastest round), and what they give. */
struct micro {
	double none, own, shared, solo;	/* bare; own lock; shared lock; own lock alone */
	double op, op_solo;		/* one host operation per turn; alone */
	double handoff;			/* shared - own */
	double bounce_lock;		/* own - none - solo */
	double op_extra;		/* op - none - op_solo: per operation */
	bool unmeasured;		/* some figure had no round on 2 CPUs at once (0) */
};

double model_wall_ns(void);
/* The baton figures, each the fastest of 5 measurements, interleaved. */
void micro_measure(struct micro *m, struct sim_core *core, struct host_api *api);
/* The bare baton turn alone (the fastest of 5): where the vCPUs sit now. */
double micro_bare(void);

#endif /* PASIDSIM_MODEL_CAL_H */
