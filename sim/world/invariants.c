// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the executor's cross-layer invariants (docs/world.md,
 * "Invariants"), checked whenever a run of the world goes idle: every CPU is
 * at an operation boundary, so no operation is in flight and what the
 * guests and the host hold must agree.
 *
 * The first two compare a guest's kernel with the host, and are not checked
 * for a VM that wrote its vIOMMU registers itself (a hostile guest holds
 * what its kernel does not know); the others are the host's own and hold
 * whatever any guest does.
 *
 *   guest-without-host  a guest whose vIOMMU allocator is active holds a
 *                       PASID the host does not hold for that VM
 *   host-without-guest  the host holds a PASID for a VM that the guest does
 *                       not hold (a leak of the VM's quota)
 *   two-vms             one PASID in the host sets of two VMs
 *   quota-count         a VM's quota count differs from what it holds
 *   quota               a VM holds more PASIDs than its quota (the quota
 *                       refuses an alloc at the limit, and a new quota
 *                       below what the VM holds is refused)
 *   destroyed-vm        a PASID a destroyed VM held is still allocated on
 *                       the host and held by no live VM
 *   vtd-active-free     a VT-d guest freed a PASID the host held for it
 *                       while its private data was attached, and the host
 *                       no longer holds it: the driver must refuse to free
 *                       an active IOASID on the host (DOMAIN.md 2.4)
 *   vtd-status          a VT-d guest driver counted a status code it does
 *                       not know while the VMM answers only with the
 *                       layout's own codes (no fault knob changes them): it
 *                       misread "no PASID" or "invalid PASID" (-ENODEV where
 *                       docs/api.md's -ENOSPC or -ENOENT is meant)
 *   vtd-absent          a VT-d guest driver read or wrote a virtual command
 *                       register of a vIOMMU with ECAP.VCS = 0, which does
 *                       not exist (not checked for a VM given raw register
 *                       operations)
 *   vtd-limit           the PASID range a new consumer of a VT-d guest gets
 *                       is not the one its bound vIOMMUs support: [1, the
 *                       smallest PSS limit of them], or every PASID when
 *                       none is bound (checked when the world has
 *                       per-vIOMMU knobs, sim_world_params.vtd_slot)
 *   rebind              a re-plug bound the guest driver to the state its
 *                       remove left (sim_world_params.replug_keeps_state),
 *                       and the probe refused it as still bound (-EBUSY):
 *                       the remove forgot to unbind it
 *
 * Each broken invariant is a SIM_FINDING_INVARIANT finding in the kernel
 * instance it concerns (the guest's, or the host's), reported once per
 * invariant, VM and PASID, naming the last operation completed (its cookie,
 * labelled by sim_world_params.cookie_label).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>

#include "world-int.h"

static int idset_add(struct idset *s, ioasid_t id)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		ioasid_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = id;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	ioasid_t x = *(const ioasid_t *)a, y = *(const ioasid_t *)b;

	return x < y ? -1 : x > y;
}

/* Sort and drop duplicates. */
static void idset_norm(struct idset *s)
{
	size_t j = 0;

	if (!s->n)
		return;
	qsort(s->v, s->n, sizeof(*s->v), cmp_id);
	for (size_t i = 1; i < s->n; i++)
		if (s->v[i] != s->v[j])
			s->v[++j] = s->v[i];
	s->n = j + 1;
}

static bool idset_has(const struct idset *s, ioasid_t id)
{
	if (!s->n)
		return false;
	return bsearch(&id, s->v, s->n, sizeof(*s->v), cmp_id) != NULL;
}

static int collect_cb(ioasid_t id, void *data)
{
	return idset_add(data, id);
}

void world_seen_add(struct world_vm *vm, ioasid_t id)
{
	if (idset_add(&vm->seen, id))
		vm->seen.n = 0;	/* out of memory: forget, the host set still guides */
}

/* Report @name for @vm (NULL: the host) and @id once. */
static void violate(struct sim_world *w, struct world_vm *vm, const char *name, ioasid_t id,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void violate(struct sim_world *w, struct world_vm *vm, const char *name, ioasid_t id,
		    const char *fmt, ...)
{
	u64 key = ((u64)(vm ? vm->idx + 1 : 0) << 40) ^ ((u64)(uintptr_t)name << 20) ^ id;
	char msg[256];
	va_list ap;

	for (size_t i = 0; i < w->nreported; i++)
		if (w->reported[i] == key)
			return;
	if (w->nreported < ARRAY_SIZE(w->reported))
		w->reported[w->nreported++] = key;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sim_finding_add(vm ? vm->inst.k : w->host.k, SIM_FINDING_INVARIANT, NULL, 0,
			"%s: %s (after %s %llu)", name, msg, w->p.cookie_label ?
			w->p.cookie_label : "operation", (unsigned long long)w->last_cookie);
}

/* Does the guest's driver believe it allocates through a vIOMMU? */
static bool guest_paravirt(struct sim_world *w, struct world_vm *vm)
{
	if (w->p.path == SIM_WORLD_PATH_VIRTIO)
		return vm->vpdev && vm->vpdev->registered;
	for (unsigned int d = 0; d < w->p.viommus; d++)
		if (vm->iommus[d] && vm->vtd_active(vm->iommus[d]))
			return true;
	return false;
}

/* Does the guest's I/O ASID space hold @id? */
static bool guest_holds(struct world_vm *vm, ioasid_t id)
{
	struct sim_kernel *prev = sim_kernel_enter(vm->inst.k);
	void *p = vm->inst.api.ioasid_find(NULL, id, NULL);

	sim_kernel_leave(prev);
	return !IS_ERR(p) || PTR_ERR(p) != -ENOENT;
}

/* The host side of one VM: its set, and the quota count against it. */
static void check_host_set(struct sim_world *w, struct world_vm *vm, struct idset *h)
{
	struct sim_kernel *prev = sim_kernel_enter(w->host.k);
	unsigned int count, quota;

	w->vfio_for_each(vm->hvm, collect_cb, h);
	count = w->vfio_count(vm->hvm);
	quota = w->vfio_quota(vm->hvm);
	sim_kernel_leave(prev);
	idset_norm(h);
	if (count != h->n)
		violate(w, vm, "quota-count", 0, "%s: the quota counts %u PASIDs, the VM holds %zu",
			vm->name, count, h->n);
	if (h->n > quota)
		violate(w, vm, "quota", 0, "%s holds %zu PASIDs, more than its quota of %u",
			vm->name, h->n, quota);
}

/* The guest against the host: both directions, over the PASIDs either has seen. */
static void check_guest(struct sim_world *w, struct world_vm *vm, const struct idset *h)
{
	bool pv = guest_paravirt(w, vm);
	size_t keep = 0;

	for (size_t i = 0; i < h->n; i++)
		if (!guest_holds(vm, h->v[i]))
			violate(w, vm, "host-without-guest", h->v[i], "the host holds PASID %u "
				"for %s, which the guest does not hold", h->v[i], vm->name);
	idset_norm(&vm->seen);
	for (size_t i = 0; i < vm->seen.n; i++) {
		ioasid_t id = vm->seen.v[i];
		bool held = guest_holds(vm, id);

		if (held && pv && !idset_has(h, id))
			violate(w, vm, "guest-without-host", id, "%s holds PASID %u as allocated "
				"through its vIOMMU; the host does not hold it for the VM",
				vm->name, id);
		if (held)
			vm->seen.v[keep++] = id;
	}
	vm->seen.n = keep;
}

void world_active_free_note(struct world_vm *vm, ioasid_t id)
{
	if (idset_has(&vm->hostset, id) && idset_add(&vm->afreed, id))
		vm->afreed.n = 0;	/* out of memory: forget */
}

/* Raw frees of active IDs since the last check: the host must still hold them. */
static void check_active_frees(struct sim_world *w, struct world_vm *vm, const struct idset *h)
{
	/* a hostile guest may free on the host itself (VCMD) */
	for (size_t i = 0; i < vm->afreed.n && !vm->hostile; i++)
		if (!idset_has(h, vm->afreed.v[i]))
			violate(w, vm, "vtd-active-free", vm->afreed.v[i], "%s freed PASID %u with "
				"its private data attached, and the host no longer holds it",
				vm->name, vm->afreed.v[i]);
	vm->afreed.n = 0;
	vm->hostset.n = 0;
	for (size_t i = 0; i < h->n; i++)
		if (idset_add(&vm->hostset, h->v[i]))
			break;	/* out of memory: a shorter memory of the host set */
}

/* Does every vIOMMU answer only with its layout's own status codes? */
static bool vtd_honest(const struct sim_world *w)
{
	const struct vtd_params *v = &w->p.vtd;
	struct vtd_params d;

	vtd_params_init(&d, v->layout);
	return v->faults.force_sc < 0 && !v->faults.stuck_ip && !v->faults.drop_nth &&
	       !v->faults.drop_every && v->sc_no_pasid == d.sc_no_pasid &&
	       v->sc_invalid_pasid == d.sc_invalid_pasid && v->sc_undefined == d.sc_undefined;
}

/* A guest VT-d driver that took a defined status code for an unexpected one. */
static void check_vtd_status(struct sim_world *w, struct world_vm *vm)
{
	if (w->p.path != SIM_WORLD_PATH_VTD || !vtd_honest(w))
		return;
	for (unsigned int d = 0; d < w->p.viommus; d++) {
		struct pv_vtd_iommu *iommu = vm->iommus[d];
		s64 n = iommu ? atomic64_read(&iommu->stats[PV_VTD_STAT_ERRORS]) : 0;

		if (n)
			violate(w, vm, "vtd-status", d, "%s: vIOMMU %u read %lld answers of its "
				"VMM as unexpected status codes", vm->name, d, (long long)n);
	}
}

/* A guest driver that touched a virtual command register its vIOMMU does not have. */
static void check_vtd_absent(struct sim_world *w, struct world_vm *vm)
{
	struct vtd_stats st;

	if (w->p.path != SIM_WORLD_PATH_VTD || vm->raw_regs)
		return;
	for (unsigned int d = 0; d < w->p.viommus; d++) {
		if (!vm->vtd[d])
			continue;
		vtd_get_stats(vm->vtd[d], &st);
		if (st.absent_reads + st.absent_writes != vm->absent_base[d])
			violate(w, vm, "vtd-absent", d, "%s: the driver made %llu accesses to "
				"virtual command registers of vIOMMU %u, which has ECAP.VCS = 0",
				vm->name, (unsigned long long)(st.absent_reads + st.absent_writes -
							       vm->absent_base[d]), d);
	}
}

/* Does the world have per-vIOMMU knobs? */
static bool vtd_slots_set(const struct sim_world *w)
{
	for (unsigned int d = 0; d < SIM_WORLD_VTD_SLOTS; d++)
		if (w->p.vtd_slot[d].set)
			return true;
	return false;
}

/* Has a failed VCMD registration turned scalable mode off in the guest (sticky)? */
static bool vtd_sm_off(struct world_vm *vm)
{
	bool (*enabled)(void) = (bool (*)(void))sim_core_sym(vm->inst.core, "pv_vtd_sm_enabled");

	return enabled && !enabled();
}

/*
 * What a new consumer's range must end at: the smallest PSS limit of the
 * bound vIOMMUs; -EOPNOTSUPP when none of them has PASIDs or scalable mode
 * went off (a failed registration).
 */
static int vtd_expected_max(struct sim_world *w, struct world_vm *vm, ioasid_t *max)
{
	unsigned int bound = 0, capable = 0;

	*max = IOMMU_PASID_MAX;
	for (unsigned int d = 0; d < w->p.viommus; d++) {
		struct vtd_params vp;
		ioasid_t lim;

		if (!vm->iommus[d])
			continue;
		bound++;
		sim_world_vtd_params(w, d, &vp);
		if (!vp.pasid)
			continue;
		lim = vp.pss >= 19 ? IOMMU_PASID_MAX : (ioasid_t)((1u << (vp.pss + 1)) - 1);
		*max = lim < *max ? lim : *max;
		capable++;
	}
	return bound && (!capable || vtd_sm_off(vm)) ? -EOPNOTSUPP : 0;
}

/* A new consumer's range against the one the bound vIOMMUs support (scalable mode on). */
static void check_vtd_limit(struct sim_world *w, struct world_vm *vm)
{
	struct iommu_pasid c = { .name = "invariant" };
	struct sim_kernel *prev;
	ioasid_t want;
	int ret, exp;

	if (w->p.path != SIM_WORLD_PATH_VTD || !w->p.vtd.smts || !vtd_slots_set(w))
		return;
	exp = vtd_expected_max(w, vm, &want);
	prev = sim_kernel_enter(vm->inst.k);
	ret = vm->inst.api.pasid_init(&c);
	if (!ret)
		vm->inst.api.pasid_exit(&c);
	sim_kernel_leave(prev);
	if (ret != exp)
		violate(w, vm, "vtd-limit", 0, "%s: a new consumer's iommu_pasid_init() "
			"returned %d, its bound vIOMMUs call for %d", vm->name, ret, exp);
	else if (!ret && c.range_max != want)
		violate(w, vm, "vtd-limit", 1, "%s: a new consumer's range ends at PASID %u, "
			"its bound vIOMMUs support up to %u", vm->name, c.range_max, want);
}

/* A re-plug the driver refused as still bound: its remove left the state bound. */
static void check_rebind(struct sim_world *w, struct world_vm *vm)
{
	if (vm->rebind_refused)
		violate(w, vm, "rebind", vm->rebind_refused - 1, "%s: re-plugged vIOMMU %u: "
			"the driver refused (-EBUSY) the state its remove left, as still bound",
			vm->name, vm->rebind_refused - 1);
}

/* PASIDs a destroyed VM held, still allocated on the host and held by no live VM. */
static void check_zombies(struct sim_world *w, struct world_vm *vm, const struct idset *all)
{
	struct sim_kernel *prev = sim_kernel_enter(w->host.k);

	for (size_t i = 0; i < vm->zombies.n; i++) {
		ioasid_t id = vm->zombies.v[i];
		void *p = w->host.api.ioasid_find(NULL, id, NULL);

		if ((!IS_ERR(p) || PTR_ERR(p) != -ENOENT) && !idset_has(all, id))
			violate(w, vm, "destroyed-vm", id, "PASID %u of destroyed %s is still "
				"allocated on the host", id, vm->name);
	}
	sim_kernel_leave(prev);
}

/* Before the VMM dies: what the VM holds becomes what must go with it. */
void world_zombies_note(struct sim_world *w, struct world_vm *vm)
{
	struct sim_kernel *prev;

	if (!vm->hvm || !w->p.checks)
		return;
	prev = sim_kernel_enter(w->host.k);
	w->vfio_for_each(vm->hvm, collect_cb, &vm->zombies);
	sim_kernel_leave(prev);
	idset_norm(&vm->zombies);
}

void world_check(struct sim_world *w)
{
	struct idset all = { 0 };

	if (!w->p.checks)
		return;
	for (unsigned int i = 0; i < w->p.nvms; i++) {
		struct world_vm *vm = &w->vms[i];
		struct idset h = { 0 };

		if (vm->dead || !vm->hvm)
			continue;
		check_host_set(w, vm, &h);
		check_active_frees(w, vm, &h);
		if (!vm->hostile) {
			check_guest(w, vm, &h);
			check_vtd_status(w, vm);
		}
		if (!vm->off) {
			check_vtd_absent(w, vm);
			check_vtd_limit(w, vm);
			check_rebind(w, vm);
		}
		for (size_t j = 0; j < h.n; j++)
			idset_add(&all, h.v[j]);
		free(h.v);
	}
	if (all.n)
		qsort(all.v, all.n, sizeof(*all.v), cmp_id);
	for (size_t j = 1; j < all.n; j++)
		if (all.v[j] == all.v[j - 1])
			violate(w, NULL, "two-vms", all.v[j], "PASID %u is in the host sets of two "
				"VMs", all.v[j]);
	for (unsigned int i = 0; i < w->p.nvms; i++)
		if (w->vms[i].zombies.n)
			check_zombies(w, &w->vms[i], &all);
	free(all.v);
}

void world_check_reset(struct sim_world *w)
{
	w->nreported = 0;
	for (unsigned int i = 0; i < w->p.nvms; i++) {
		w->vms[i].seen.n = 0;
		w->vms[i].zombies.n = 0;
		w->vms[i].hostset.n = 0;
		w->vms[i].afreed.n = 0;
		w->vms[i].hostile = false;
		w->vms[i].raw_regs = false;
		for (unsigned int d = 0; w->vms[i].vtd && d < w->p.viommus; d++) {
			struct vtd_stats st;

			if (!w->vms[i].vtd[d])
				continue;
			vtd_get_stats(w->vms[i].vtd[d], &st);
			w->vms[i].absent_base[d] = st.absent_reads + st.absent_writes;
		}
		w->vms[i].rebind_refused = 0;
	}
}

void world_check_free(struct world_vm *vm)
{
	free(vm->seen.v);
	free(vm->zombies.v);
	free(vm->hostset.v);
	free(vm->afreed.v);
}
