// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model: the table, the JSON document and the results store
 * (see tools/model.h). Virtual-time figures only: the same arguments print
 * the same bytes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "model.h"

static const char *const split_names[SIM_T_N] = {
	"guest", "exit_entry", "vmm", "host", "lock_wait", "rq_wait", "idle",
};

/* A point's columns: VMs, vCPUs, host CPUs, and the swept cost field's value. */
static void key_head(const struct model *m, FILE *out)
{
	fprintf(out, "%5s %5s %5s", "vms", "vcpus", "hcpus");
	if (m->sweep_field[0])
		fprintf(out, " %15s", m->sweep_field);
}

static void key_row(const struct model *m, const struct point *pt, FILE *out)
{
	fprintf(out, "%5u %5u %5u", pt->vms, pt->vcpus, pt->hcpus);
	if (m->sweep_field[0])
		fprintf(out, " %15llu", (unsigned long long)pt->sweep_val);
}

static double per_op(const struct pres *r, int k)
{
	return r->ops ? (double)r->split[k] / r->ops : 0;
}

static double change(double base, double v)
{
	return base ? 100.0 * (v - base) / base : 0;
}

static void table_latency(const struct model *m, FILE *out)
{
	fprintf(out, "latency (virtual ns)\n");
	key_head(m, out);
	fprintf(out, " %9s %13s %11s %10s %9s %9s %10s %9s %9s\n", "ops", "virtual_ns",
		"ops/vsec", "alloc_mean", "alloc_p50", "alloc_p99", "free_mean", "free_p50", "free_p99");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];
		const struct pres *r = &pt->base;

		key_row(m, pt, out);
		fprintf(out, " %9llu %13llu %11.1f %10.1f %9llu %9llu %10.1f %9llu "
			"%9llu\n", (unsigned long long)r->ops,
			(unsigned long long)r->end_ns, pres_ops_per_vs(r), lat_mean(&r->alloc),
			(unsigned long long)lat_pct1000(&r->alloc, 500),
			(unsigned long long)lat_pct1000(&r->alloc, 990), lat_mean(&r->free),
			(unsigned long long)lat_pct1000(&r->free, 500),
			(unsigned long long)lat_pct1000(&r->free, 990));
	}
	fprintf(out, "\nevery operation: latency percentiles (virtual ns), time split (ns per op)\n");
	key_head(m, out);
	fprintf(out, " %8s %8s %8s %8s %9s %8s %8s %8s %8s %8s %8s\n", "p50", "p90", "p99",
		"p99.9", "max", "guest", "exit", "vmm", "host", "lockwait", "rqwait");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];
		const struct pres *r = &pt->base;

		key_row(m, pt, out);
		fprintf(out, " %8llu %8llu %8llu %8llu %9llu",
			(unsigned long long)lat_pct1000(&r->all, 500),
			(unsigned long long)lat_pct1000(&r->all, 900),
			(unsigned long long)lat_pct1000(&r->all, 990),
			(unsigned long long)lat_pct1000(&r->all, 999),
			(unsigned long long)lat_pct1000(&r->all, 1000));
		for (int k = 0; k < SIM_T_IDLE; k++)
			if (m->workload)
				fprintf(out, " %8s", "-");
			else
				fprintf(out, " %8.1f", per_op(r, k));
		fputc('\n', out);
	}
}

static void table_fairness(const struct model *m, FILE *out)
{
	fprintf(out, "\nper-VM fairness (shares of the ops completed while every VM ran) and the "
		"serialising resource\n");
	key_head(m, out);
	fprintf(out, " %9s %9s %7s  %-36s %s\n", "min_share",
		"max_share", "jain", "busiest (one lock, or the host CPUs)", "utilisation");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];
		const struct pres *r = &pt->base;

		key_row(m, pt, out);
		fprintf(out, " %9.4f %9.4f %7.4f  %-36s %.4f\n", r->share_min, r->share_max,
			r->jain, r->serial, r->serial_util);
	}
}

static void table_locks(const struct model *m, FILE *out)
{
	fprintf(out, "\nlocks (acquisitions/contentions, ratio, wait in virtual ns)\n");
	key_head(m, out);
	fprintf(out, "  %-30s  %-30s  %-30s  %-30s  %s\n", "host " MODEL_ALLOC_LOCK,
		"host vmm->lock", "host " MODEL_XA_LOCK, "guests (all classes)",
		"all (host + guests)");
	for (size_t i = 0; i < m->npts; i++) {
		const struct pres *r = &m->pts[i].base;
		const struct lk *ls[] = { &r->alloc_lock, &r->vmm_lock, &r->xa_lock, &r->guests,
					  &r->lk_all };

		key_row(m, &m->pts[i], out);
		for (size_t j = 0; j < 5; j++) {
			char cell[96];

			snprintf(cell, sizeof(cell), "%llu/%llu %.4f %llu",
				 (unsigned long long)ls[j]->acq, (unsigned long long)ls[j]->cont,
				 lk_ratio(ls[j]), (unsigned long long)ls[j]->wait);
			fprintf(out, j < 4 ? "  %-30s" : "  %s\n", cell);
		}
	}
}

/* /proc/lock_stat's columns; bounces are not modelled (0). */
static void table_lockstat(const struct model *m, FILE *out)
{
	fprintf(out, "\nlock_stat per class (virtual ns; bounces not modelled)\n");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];
		const struct pres *r = &pt->base;

		fprintf(out, "%u VMs x %u vCPUs, %u host CPUs", pt->vms, pt->vcpus, pt->hcpus);
		if (m->sweep_field[0])
			fprintf(out, ", %s=%llu", m->sweep_field, (unsigned long long)pt->sweep_val);
		fprintf(out, ":\n");
		fprintf(out, "%40s %12s %12s %12s %12s %14s %12s %12s %12s %12s %12s %14s %12s\n",
			"class name", "con-bounces", "contentions", "waittime-min", "waittime-max",
			"waittime-total", "waittime-avg", "acq-bounces", "acquisitions",
			"holdtime-min", "holdtime-max", "holdtime-total", "holdtime-avg");
		for (size_t j = 0; j < r->nclasses; j++) {
			const struct sim_lockstat *st = &r->classes[j].st;

			if (m->workload) {
				/* hold times include the boot, outside virtual time */
				fprintf(out, "%40s %12d %12llu %12llu %12llu %14llu %12.2f %12d "
					"%12llu %12s %12s %14s %12s\n", r->classes[j].name, 0,
					(unsigned long long)st->contentions,
					(unsigned long long)st->wait_min_ns,
					(unsigned long long)st->wait_max_ns,
					(unsigned long long)st->wait_total_ns,
					st->contentions ?
					(double)st->wait_total_ns / st->contentions : 0, 0,
					(unsigned long long)st->acquisitions, "-", "-", "-", "-");
				continue;
			}
			fprintf(out, "%40s %12d %12llu %12llu %12llu %14llu %12.2f %12d %12llu "
				"%12llu %12llu %14llu %12.2f\n", r->classes[j].name, 0,
				(unsigned long long)st->contentions,
				(unsigned long long)st->wait_min_ns,
				(unsigned long long)st->wait_max_ns,
				(unsigned long long)st->wait_total_ns,
				st->contentions ? (double)st->wait_total_ns / st->contentions : 0, 0,
				(unsigned long long)st->acquisitions,
				(unsigned long long)st->hold_min_ns,
				(unsigned long long)st->hold_max_ns,
				(unsigned long long)st->hold_total_ns,
				st->acquisitions ? (double)st->hold_total_ns / st->acquisitions : 0);
		}
	}
}

static void table_whatif(const struct model *m, FILE *out)
{
	fprintf(out, "\nwhat-if %s: baseline -> variant (exact, virtual time)\n", m->whatif);
	key_head(m, out);
	fprintf(out, " %13s %13s %9s %10s %10s %9s\n", "ops/vsec", "variant", "change",
		"p99_ns", "variant", "change");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];
		double x0 = pres_ops_per_vs(&pt->base), x1 = pres_ops_per_vs(&pt->what);
		u64 p0 = lat_pct1000(&pt->base.all, 990), p1 = lat_pct1000(&pt->what.all, 990);

		key_row(m, pt, out);
		fprintf(out, " %13.1f %13.1f %+8.2f%% %10llu %10llu %+8.2f%%\n", x0, x1,
			change(x0, x1), (unsigned long long)p0, (unsigned long long)p1,
			change(p0, p1));
	}
}

void model_print_table(const struct model *m, FILE *out)
{
	char seed[32];

	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)m->seed);
	if (m->workload)
		fprintf(out, "pasidsim model: workload %s, flavour %s, seed %s, cost model %s "
			"(hcpus: host CPUs, 0 = one per CPU; no time split, hold times or "
			"serialising resource for a replayed workload)\n\n", m->workload,
			m->flavour, model_workload_is_gen(m->workload) ? seed : "the trace's",
			m->cost_name);
	else
		fprintf(out, "pasidsim model: %s path, flavour %s, %u alloc/free pairs per vCPU, "
			"seed %llu, cost model %s (hcpus: host CPUs, 0 = one per CPU)\n\n",
			m->path, m->flavour, m->ops, (unsigned long long)m->seed, m->cost_name);
	table_latency(m, out);
	table_fairness(m, out);
	table_locks(m, out);
	if (m->whatif[0])
		table_whatif(m, out);
	table_lockstat(m, out);
}

/* ---- JSON (tools/json.h) ------------------------------------------------------------- */

static void json_lk(struct json *j, const char *name, const struct lk *l)
{
	json_obj_begin(j, name);
	json_u64(j, "acquisitions", l->acq);
	json_u64(j, "contentions", l->cont);
	json_fixed(j, "contention_ratio", lk_ratio(l), 6);
	json_u64(j, "wait_ns", l->wait);
	json_obj_end(j);
}

static void json_lat(struct json *j, const char *name, const struct lat *l)
{
	static const struct { const char *key; unsigned int pm; } pcts[] = {
		{ "p50_ns", 500 }, { "p90_ns", 900 }, { "p99_ns", 990 }, { "p999_ns", 999 },
		{ "max_ns", 1000 },
	};

	json_obj_begin(j, name);
	json_u64(j, "count", l->n);
	json_fixed(j, "mean_ns", lat_mean(l), 3);
	for (size_t i = 0; i < ARRAY_SIZE(pcts); i++)
		json_u64(j, pcts[i].key, lat_pct1000(l, pcts[i].pm));
	json_obj_end(j);
}

static void json_lock_stat(struct json *j, const struct model *m, const struct pres *r)
{
	json_arr_begin(j, "lock_stat");
	for (size_t i = 0; i < r->nclasses; i++) {
		const struct sim_lockstat *st = &r->classes[i].st;

		json_obj_begin(j, NULL);
		json_str(j, "class", r->classes[i].name);
		json_u64(j, "contentions", st->contentions);
		json_u64(j, "waittime_min", st->wait_min_ns);
		json_u64(j, "waittime_max", st->wait_max_ns);
		json_u64(j, "waittime_total", st->wait_total_ns);
		json_u64(j, "acquisitions", st->acquisitions);
		if (!m->workload) {
			json_u64(j, "holdtime_min", st->hold_min_ns);
			json_u64(j, "holdtime_max", st->hold_max_ns);
			json_u64(j, "holdtime_total", st->hold_total_ns);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
}

static void json_pres(struct json *j, const struct model *m, const struct pres *r)
{
	json_u64(j, "ops", r->ops);
	json_u64(j, "virtual_ns", r->end_ns);
	json_fixed(j, "ops_per_virtual_s", pres_ops_per_vs(r), 3);
	json_lat(j, "alloc", &r->alloc);
	json_lat(j, "free", &r->free);
	json_lat(j, "all", &r->all);
	if (!m->workload) {
		json_obj_begin(j, "split_ns_per_op");
		for (int k = 0; k < SIM_T_IDLE; k++)
			json_fixed(j, split_names[k], per_op(r, k), 3);
		json_obj_end(j);
	}
	json_obj_begin(j, "fairness");
	json_fixed(j, "min_share", r->share_min, 6);
	json_fixed(j, "max_share", r->share_max, 6);
	json_fixed(j, "jain", r->jain, 6);
	json_obj_end(j);
	if (!m->workload) {
		json_obj_begin(j, "serialising");
		json_str(j, "resource", r->serial);
		json_fixed(j, "utilisation", r->serial_util, 6);
		json_obj_end(j);
	}
	json_obj_begin(j, "locks");
	json_lk(j, "host_allocator", &r->alloc_lock);
	json_lk(j, "host_vmm", &r->vmm_lock);
	json_lk(j, "host_xa_lock", &r->xa_lock);
	json_lk(j, "host_all", &r->host_all);
	json_lk(j, "guests", &r->guests);
	json_lk(j, "all", &r->lk_all);
	json_obj_end(j);
	json_lock_stat(j, m, r);
}

static void json_list(struct json *j, const char *key, const unsigned int *v, unsigned int n)
{
	json_arr_begin(j, key);
	for (unsigned int i = 0; i < n; i++)
		json_u64(j, NULL, v[i]);
	json_arr_end(j);
}

static void json_config(struct json *j, const struct model *m, const char *key)
{
	json_obj_begin(j, key);
	json_list(j, "vms", m->vms, m->nvms);
	json_list(j, "vcpus", m->vcpus, m->nvcpus);
	json_list(j, "host_cpus", m->hcpus, m->nhcpus);
	json_u64(j, "ops_per_vcpu", m->ops);
	json_u64(j, "batch", MODEL_BATCH);
	json_str(j, "path", m->path);
	json_str(j, "flavour", m->flavour);
	json_u64(j, "quota", MODEL_QUOTA);
	json_str(j, "cost_model", m->cost_name);
	json_str(j, "what_if", m->whatif);
	json_str(j, "sweep", m->sweep_spec);
	json_str(j, "workload", m->workload ? m->workload : "churn (built in)");
	json_obj_end(j);
}

/* The run's configuration (also the scenario key of the results store), one line. */
void model_print_config(const struct model *m, FILE *out)
{
	struct json j;

	json_init(&j, out);
	json_config(&j, m, NULL);
}

void model_print_json(const struct model *m, FILE *out)
{
	struct json j;
	char digest[24];

	snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)m->digest.h);
	json_init(&j, out);
	json_obj_begin(&j, NULL);
	json_str(&j, "command", "model");
	json_config(&j, m, "config");
	json_u64(&j, "seed", m->seed);
	json_str(&j, "cost_model", m->cost_name);
	json_str(&j, "digest", digest);
	json_arr_begin(&j, "points");
	for (size_t i = 0; i < m->npts; i++) {
		const struct point *pt = &m->pts[i];

		json_newline(&j);	/* one point a line */
		json_obj_begin(&j, NULL);
		json_u64(&j, "vms", pt->vms);
		json_u64(&j, "vcpus", pt->vcpus);
		json_u64(&j, "host_cpus", pt->hcpus);
		if (m->sweep_field[0])
			json_u64(&j, m->sweep_field, pt->sweep_val);
		json_pres(&j, m, &pt->base);
		if (m->whatif[0]) {
			json_obj_begin(&j, "what_if");
			json_pres(&j, m, &pt->what);
			json_obj_end(&j);
		}
		json_obj_end(&j);
	}
	json_newline(&j);
	json_arr_end(&j);
	json_obj_end(&j);
}

/* ---- the results store ---------------------------------------------------------------- */

static void metric(struct results_run *run, const struct point *pt, const char *what,
		   const char *unit, enum results_better better, double v)
{
	char name[256], pn[128];

	snprintf(pn, sizeof(pn), "%s", pt->key);
	snprintf(name, sizeof(name), "model.%s.%s", pn, what);
	results_metric(run, name, unit, better, v);
}

static void metric_lk(struct results_run *run, const struct point *pt, const char *what,
		      const struct lk *l)
{
	char name[96];

	snprintf(name, sizeof(name), "%s_acquisitions", what);
	metric(run, pt, name, "count", RESULTS_EQUAL, l->acq);
	snprintf(name, sizeof(name), "%s_contentions", what);
	metric(run, pt, name, "count", RESULTS_LOWER, l->cont);
	snprintf(name, sizeof(name), "%s_contention_ratio", what);
	metric(run, pt, name, "ratio", RESULTS_LOWER, lk_ratio(l));
	snprintf(name, sizeof(name), "%s_wait_ns", what);
	metric(run, pt, name, "ns", RESULTS_LOWER, l->wait);
}

static void hist(struct results_run *run, const struct point *pt, const char *what,
		 const struct lat *l)
{
	char name[256], pn[128];
	struct results_hist *h;

	snprintf(pn, sizeof(pn), "%s", pt->key);
	snprintf(name, sizeof(name), "model.%s.%s", pn, what);
	h = results_run_hist(run, name, "ns", RESULTS_VIRTUAL);
	if (h)
		*h = l->hist;
}

static void record_point(struct results_run *run, const struct model *m,
			 const struct point *pt)
{
	const struct pres *r = &pt->base;
	static const struct { const char *n; unsigned int pm; } pcts[] = {
		{ "p50", 500 }, { "p90", 900 }, { "p99", 990 }, { "p999", 999 }, { "max", 1000 },
	};
	char name[96];

	metric(run, pt, "ops", "count", RESULTS_EQUAL, r->ops);
	metric(run, pt, "virtual_ns_total", "ns", RESULTS_LOWER, r->end_ns);
	metric(run, pt, "ops_per_virtual_s", "ops/s", RESULTS_HIGHER, pres_ops_per_vs(r));
	metric(run, pt, "alloc_mean_ns", "ns", RESULTS_LOWER, lat_mean(&r->alloc));
	metric(run, pt, "alloc_p50_ns", "ns", RESULTS_LOWER, lat_pct1000(&r->alloc, 500));
	metric(run, pt, "alloc_p99_ns", "ns", RESULTS_LOWER, lat_pct1000(&r->alloc, 990));
	metric(run, pt, "free_mean_ns", "ns", RESULTS_LOWER, lat_mean(&r->free));
	metric(run, pt, "free_p50_ns", "ns", RESULTS_LOWER, lat_pct1000(&r->free, 500));
	metric(run, pt, "free_p99_ns", "ns", RESULTS_LOWER, lat_pct1000(&r->free, 990));
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		snprintf(name, sizeof(name), "op_%s_ns", pcts[i].n);
		metric(run, pt, name, "ns", RESULTS_LOWER, lat_pct1000(&r->all, pcts[i].pm));
	}
	for (int k = 0; k < SIM_T_IDLE && !m->workload; k++) {
		snprintf(name, sizeof(name), "split_%s_ns_per_op", split_names[k]);
		metric(run, pt, name, "ns", RESULTS_LOWER, per_op(r, k));
	}
	metric(run, pt, "fair_min_share", "ratio", RESULTS_HIGHER, r->share_min);
	metric(run, pt, "fair_max_share", "ratio", RESULTS_LOWER, r->share_max);
	metric(run, pt, "fair_jain", "ratio", RESULTS_HIGHER, r->jain);
	if (!m->workload)
		metric(run, pt, "serialising_utilisation", "ratio", RESULTS_LOWER,
		       r->serial_util);
	metric_lk(run, pt, "host_alloc_lock", &r->alloc_lock);
	metric_lk(run, pt, "host_vmm_lock", &r->vmm_lock);
	metric_lk(run, pt, "host_xa_lock", &r->xa_lock);
	metric_lk(run, pt, "host_lock", &r->host_all);
	metric_lk(run, pt, "guest_lock", &r->guests);
	metric_lk(run, pt, "lock", &r->lk_all);
	hist(run, pt, "alloc_latency", &r->alloc);
	hist(run, pt, "free_latency", &r->free);
	if (m->whatif[0]) {
		metric(run, pt, "whatif_ops_per_virtual_s", "ops/s", RESULTS_HIGHER,
		       pres_ops_per_vs(&pt->what));
		metric(run, pt, "whatif_op_p99_ns", "ns", RESULTS_LOWER,
		       lat_pct1000(&pt->what.all, 990));
	}
}

/* Metrics of every point, the digest and the wall time; commit. 0, or -1 (reported). */
int model_record(const struct model *m, const char *dbopt, double wall_s,
		 struct results_run *run)
{
	struct results_db *db;
	char err[1024];
	int64_t id;
	u64 ops = 0;

	for (size_t i = 0; i < m->npts; i++) {
		ops += m->pts[i].base.ops;
		record_point(run, m, &m->pts[i]);
	}
	*results_run_digest(run) = m->digest;
	results_sample(run, "model.wall_s", "s", RESULTS_LOWER, wall_s);
	results_run_set_outcome(run, ops, "ok");
	results_run_set_duration(run, wall_s * 1e9);
	db = results_open(results_db_path(dbopt), 0, err, sizeof(err));
	id = db ? results_run_commit(db, run, err, sizeof(err)) : -1;
	if (id < 0)
		fprintf(stderr, "model: not recorded: %s\n", err);
	else
		fprintf(stderr, "model: recorded run %lld in %s (%s)\n", (long long)id,
			results_path(db), results_run_uuid(run));
	results_close(db);
	return id < 0 ? -1 : 0;
}
