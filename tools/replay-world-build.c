// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: the world of a multi-VM trace header, and its
 * configuration as JSON for the results store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "replay-int.h"

/* The header's fault knobs into the world's parameters (docs/world.md). */
static void world_faults(struct sim_world_params *p, const struct trace_faults *f)
{
	struct vtd_faults *v = &p->vtd.faults;
	struct virtio_iommu_faults *vi = &p->virtio_faults;

	v->latency_ns = f->vtd_latency_ns;
	v->stuck_ip = f->vtd_stuck_ip;
	v->force_sc = f->vtd_force_sc;
	if (f->vtd_sc_no_pasid >= 0)
		p->vtd.sc_no_pasid = f->vtd_sc_no_pasid;
	v->result_mode = f->vtd_result_mode == TRACE_VTD_RESULT_SET ? VTD_RESULT_SET :
			 f->vtd_result_mode == TRACE_VTD_RESULT_RAW ? VTD_RESULT_RAW :
			 VTD_RESULT_REAL;
	v->result = f->vtd_result;
	v->drop_mode = f->vtd_drop_mode == TRACE_VTD_DROP_HANG ? VTD_DROP_HANG : VTD_DROP_LOST;
	v->drop_nth = f->vtd_drop_nth;
	v->drop_every = f->vtd_drop_every;
	vi->latency_ns = f->virtio_latency_ns;
	vi->force_status = f->virtio_force_status;
	vi->bad_result = f->virtio_bad_result;
	vi->result = f->virtio_result;
	vi->drop_nth = f->virtio_drop_nth;
	vi->drop_every = f->virtio_drop_every;
	p->virtio_timeout_ns = f->virtio_timeout_ns;
}

/* The fault knobs that are set, as a JSON member of the configuration. */
static void cfg_faults(struct json *j, const struct trace_faults *f)
{
	static const char *const rmode[] = { "real", "set", "raw" };
	struct trace_faults d;

	trace_faults_init(&d);
	json_obj_begin(j, "faults");
	if (f->vtd_latency_ns)
		json_u64(j, "vtd_latency_ns", f->vtd_latency_ns);
	if (f->vtd_stuck_ip)
		json_u64(j, "vtd_stuck_ip", 1);
	if (f->vtd_force_sc >= 0)
		json_i64(j, "vtd_force_sc", f->vtd_force_sc);
	if (f->vtd_sc_no_pasid >= 0)
		json_i64(j, "vtd_sc_no_pasid", f->vtd_sc_no_pasid);
	if (f->vtd_result_mode != d.vtd_result_mode)
		json_str(j, "vtd_result_mode", rmode[f->vtd_result_mode % 3]);
	if (f->vtd_result)
		json_u64(j, "vtd_result", f->vtd_result);
	if (f->vtd_drop_mode != d.vtd_drop_mode)
		json_str(j, "vtd_drop_mode", "hang");
	if (f->vtd_drop_nth)
		json_u64(j, "vtd_drop_nth", f->vtd_drop_nth);
	if (f->vtd_drop_every)
		json_u64(j, "vtd_drop_every", f->vtd_drop_every);
	if (f->virtio_latency_ns)
		json_u64(j, "virtio_latency_ns", f->virtio_latency_ns);
	if (f->virtio_force_status >= 0)
		json_i64(j, "virtio_force_status", f->virtio_force_status);
	if (f->virtio_bad_result)
		json_u64(j, "virtio_bad_result", f->virtio_result);
	if (f->virtio_drop_nth)
		json_u64(j, "virtio_drop_nth", f->virtio_drop_nth);
	if (f->virtio_drop_every)
		json_u64(j, "virtio_drop_every", f->virtio_drop_every);
	if (f->virtio_timeout_ns)
		json_u64(j, "virtio_timeout_ns", f->virtio_timeout_ns);
	json_obj_end(j);
}

/* Version 5's knobs, when a trace has them (older scenario keys stay as they were). */
static void cfg_knobs(struct json *j, const struct trace_header *h)
{
	char s[TRACE_MAX_VTD_SLOTS * 32] = "";
	size_t o = 0;

	for (unsigned int d = 0; d < TRACE_MAX_VTD_SLOTS; d++)
		if (h->viommu[d].set)
			o += snprintf(s + o, sizeof(s) - o, "%s%u:pss=%u,vcs=%d,pas=%d", o ? ";" : "",
				      d, h->viommu[d].pss, h->viommu[d].vcs, h->viommu[d].pas);
	if (o)
		json_str(j, "viommu_knobs", s);
	if (h->replug != TRACE_REPLUG_FRESH)
		json_str(j, "replug", "keep");
	if (h->vcmd_timeout_ms)
		json_u64(j, "vcmd_timeout_ms", h->vcmd_timeout_ms);
}

/* The header's configuration members (the scenario key of the results store). */
static void cfg_header(struct json *j, const struct trace_header *h)
{
	json_str(j, "mode", "vms");
	json_u64(j, "vms", h->nr_vms);
	json_u64(j, "vcpus", h->vcpus);
	json_u64(j, "viommus", h->viommus);
	json_u64(j, "host_cpus", h->host_cpus);
	json_str(j, "pv", trace_pv_name(h->pv));
	json_str(j, "vtd_version", h->vtd_version == TRACE_VTD_3_0 ? "3.0" : "3.3");
	json_u64(j, "vtd_pss", h->vtd_pss);
	json_u64(j, "vtd_vccap_pas", h->vtd_vccap_pas);
	json_u64(j, "quota_default", h->quota_default);
	json_str(j, "flavour_host", trace_flavour_name(h->flavour_host));
	json_str(j, "flavour_guest", trace_flavour_name(h->flavour_guest));
	cfg_knobs(j, h);
}

/* A VM that differs from the header's defaults, as a member of "overrides". */
static void cfg_vm(struct json *j, const struct trace_header *h, unsigned int i)
{
	const struct trace_vm *v = &h->vms[i];
	char key[16];

	if (v->vcpus == h->vcpus && v->viommus == h->viommus && v->quota == h->quota_default &&
	    v->flavour == h->flavour_guest && v->boot == TRACE_BOOT_START)
		return;
	snprintf(key, sizeof(key), "%u", i);
	json_obj_begin(j, key);
	json_u64(j, "vcpus", v->vcpus);
	json_u64(j, "viommus", v->viommus);
	json_u64(j, "quota", v->quota);
	json_str(j, "flavour", trace_flavour_name(v->flavour));
	if (v->boot == TRACE_BOOT_EVENT)	/* (version 4 only: older keys stay as they were) */
		json_str(j, "boot", "event");
	json_obj_end(j);
}

/* The configuration JSON into st->config, one line without its newline. */
static void cfg_write(const struct trace_header *h, struct replay_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	st->config[0] = '\0';
	if (!f)
		return;
	json_init(&j, f);
	json_obj_begin(&j, NULL);
	cfg_header(&j, h);
	json_obj_begin(&j, "overrides");
	for (unsigned int i = 0; i < h->nr_vms; i++)
		cfg_vm(&j, h, i);
	json_obj_end(&j);
	if (trace_faults_any(&h->faults))
		cfg_faults(&j, &h->faults);
	json_obj_end(&j);
	fclose(f);
	if (buf && len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (buf && len < sizeof(st->config))
		memcpy(st->config, buf, len + 1);
	free(buf);
}

/*
 * The VMs of the header into @p (the largest vCPU and vIOMMU counts), their
 * quotas and flavours into @quotas and @flavours, and the configuration JSON
 * into st->config. -1 with st->error if the world cannot run them.
 */
static int world_vms(const struct trace_header *h, const char *name, struct sim_world_params *p,
		     unsigned int *quotas, const char **flavours, bool *late,
		     struct replay_stats *st)
{
	for (unsigned int i = 0; i < h->nr_vms; i++) {
		const struct trace_vm *v = &h->vms[i];

		if (v->pv != h->vms[0].pv) {
			snprintf(st->error, sizeof(st->error), "%s: not supported in a world: VMs "
				 "on different paravirtual paths (vm0 %s, vm%u %s)", name,
				 trace_pv_name(h->vms[0].pv), i, trace_pv_name(v->pv));
			return -1;
		}
		/* a VM with fewer vCPUs or vIOMMUs leaves the extra ones unused */
		if (v->vcpus > p->vcpus)
			p->vcpus = v->vcpus;
		if (v->viommus > p->viommus)
			p->viommus = v->viommus;
		quotas[i] = v->quota;
		flavours[i] = trace_flavour_name(v->flavour);
		late[i] = v->boot == TRACE_BOOT_EVENT;
	}
	cfg_write(h, st);
	return 0;
}

static bool world_has_ida(const struct trace_header *h)
{
	bool ida = h->flavour_host == TRACE_FLAVOUR_IDA || h->flavour_guest == TRACE_FLAVOUR_IDA;

	for (unsigned int i = 0; i < h->nr_vms && h->vms; i++)
		ida |= h->vms[i].flavour == TRACE_FLAVOUR_IDA;
	return ida;
}

/* The world of the header; NULL with st->error set (exit 2). */
struct sim_world *rp_world_build(const struct trace_header *h, const char *name,
				     const struct replay_opts *o, struct replay_stats *st)
{
	struct sim_world_params p;
	unsigned int *quotas = NULL, build_cost = 0;
	const char **flavours = NULL;
	bool *late = NULL;
	struct sim_world *w = NULL;
	char err[512];

	if (world_has_ida(h)) {
		snprintf(st->error, sizeof(st->error), "%s: not supported in a world: the ida "
			 "flavour (no custom allocators: guests cannot get PASIDs through a vIOMMU, "
			 "and the host keeps no sets for its VMs)", name);
		return NULL;
	}
	sscanf(SIM_COST_MODEL_VERSION, "cost-%u", &build_cost);
	if (h->cost_model != build_cost) {
		snprintf(st->error, sizeof(st->error), "%s: the trace wants cost model %u, this "
			 "pasidsim has only %s", name, h->cost_model, SIM_COST_MODEL_VERSION);
		return NULL;
	}
	if (h->nr_vms > SIM_WORLD_MAX_VMS) {
		snprintf(st->error, sizeof(st->error), "%s: not supported in a world: %u VMs (at "
			 "most %u)", name, h->nr_vms, SIM_WORLD_MAX_VMS);
		return NULL;
	}
	sim_world_params_init(&p);
	p.nvms = h->nr_vms;
	p.host_cpus = h->host_cpus;
	p.vcpus = 1;
	p.viommus = 1;
	p.path = h->pv == TRACE_PV_VIRTIO ? SIM_WORLD_PATH_VIRTIO : SIM_WORLD_PATH_VTD;
	vtd_params_init(&p.vtd, h->vtd_version == TRACE_VTD_3_0 ? VTD_LAYOUT_30 : VTD_LAYOUT_33);
	p.vtd.pss = h->vtd_pss;
	p.vtd.pas = h->vtd_vccap_pas;
	for (unsigned int d = 0; d < TRACE_MAX_VTD_SLOTS && d < SIM_WORLD_VTD_SLOTS; d++)
		p.vtd_slot[d] = (struct sim_world_vtd_slot){ h->viommu[d].set, h->viommu[d].pss,
							     h->viommu[d].vcs, h->viommu[d].pas };
	p.replug_keeps_state = h->replug == TRACE_REPLUG_KEEP;
	p.vcmd_timeout_ms = h->vcmd_timeout_ms;
	world_faults(&p, &h->faults);
	p.quota = h->quota_default;
	p.host_flavour = o->host_core ? o->host_core : trace_flavour_name(h->flavour_host);
	p.guest_flavour = trace_flavour_name(h->flavour_guest);
	p.seed = h->seed;
	p.cookie_label = "line";	/* invariant findings name the trace line */
	quotas = calloc(h->nr_vms + 1, sizeof(*quotas));
	flavours = calloc(h->nr_vms + 1, sizeof(*flavours));
	late = calloc(h->nr_vms + 1, sizeof(*late));
	if (!quotas || !flavours || !late) {
		snprintf(st->error, sizeof(st->error), "%s: out of memory", name);
		goto out;
	}
	if (world_vms(h, name, &p, quotas, flavours, late, st))
		goto out;
	p.path = h->nr_vms && h->vms[0].pv == TRACE_PV_VIRTIO ? SIM_WORLD_PATH_VIRTIO :
		 SIM_WORLD_PATH_VTD;
	p.quotas = quotas;
	p.guest_flavours = flavours;
	p.late = late;
	snprintf(st->cost_model, sizeof(st->cost_model), "%s", p.cost.version);
	if (sim_cost_override(&p.cost, o->cost, st->cost_model, sizeof(st->cost_model), err,
			   sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		goto out;
	}
	w = sim_world_create(&p, err, sizeof(err));
	if (!w)
		snprintf(st->error, sizeof(st->error), "%s: cannot build the world: %s", name, err);
	else if (h->sched_preempt)	/* schedule fuzzing: its keys are the trace's tie-breaks */
		sim_sched_set_preempt(sim_world_sched(w), SIM_PREEMPT_ALL);
out:
	free(late);
	free(quotas);
	free(flavours);
	return w;
}

