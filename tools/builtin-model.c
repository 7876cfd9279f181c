// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim model: a contention sweep in virtual time (docs/world.md,
 * "Modelling contention"): the command line. tools/model-run.c runs a grid
 * point, tools/model-out.c prints and records.
 *
 * For every point of a grid of world sizes (VMs x vCPUs x host CPUs) a
 * fresh deterministic world runs the churn of bench_world_churn. The
 * figures are exact virtual-time ones, so the same arguments print the
 * same bytes, and the run recorded into the results store (command
 * "model") is gated exactly by "pasidsim compare".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "builtin.h"
#include "model.h"
#include "opt.h"

static const char model_about[] =
	"Sweeps a grid of world sizes (every VMs x vCPUs x host CPUs triple) and reports how\n"
	"virtual-time latency and lock contention scale. At each point a fresh world runs a\n"
	"churn: every vCPU allocates up to 8 PASIDs through its VM's vIOMMU and the VMM to\n"
	"the host, then frees them, until it has done N alloc/free pairs. Per point: throughput,\n"
	"latency percentiles, the time split per operation, per-VM fairness, the most utilised\n"
	"lock or host-CPU set, lockstat per class. Every figure is exact virtual time (cost\n"
	"model docs/cost-model.md): the same arguments print the same bytes.\n";

static const char model_footer[] =
	"--what-if=N*F also runs every point with cost field N, or the hold cost of lock class\n"
	"N, scaled by F (e.g. cs_hold_ns*2, ioasid_allocator_lock*0.5). --workload=W runs a gen\n"
	"workload (churn, exhaustion, boot-storm, teardown, mixed; --ops per vCPU) at every\n"
	"point, or a multi-VM trace file (one point). --calibrate[=FILE] measures the host-side\n"
	"costs on this machine in threads mode, writes them to FILE as --cost overrides and\n"
	"compares the model with threads mode at 1 and 2 threads (recorded unless --no-db).\n"
	"Exit: 0 ok, 1 a world did not complete (deadlock, panic, failed allocation,\n"
	"finding) or the run could not be recorded, 2 usage.\n";

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* "1,2,4" into @out: values in [min, max], at most MODEL_MAX_LIST. 0 or -1. */
static int parse_list(const char *s, unsigned int min, unsigned int max, unsigned int *out,
		      unsigned int *n)
{
	const char *p = s;

	*n = 0;
	for (;;) {
		unsigned long v;
		char *end;

		if (*p < '0' || *p > '9' || *n == MODEL_MAX_LIST)
			return -1;
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno || v < min || v > max)
			return -1;
		out[(*n)++] = v;
		if (!*end)
			return 0;
		if (*end != ',')
			return -1;
		p = end + 1;
	}
}

/* NAME*FACTOR: a cost field, or a lock class name. 0 or -1. */
static int parse_whatif(struct model *m, const char *s)
{
	const char *star = strrchr(s, '*');
	char *end;
	struct sim_cost_model c = m->cost;

	if (!star || star == s || (size_t)(star - s) >= sizeof(m->whatif_name) ||
	    strlen(s) >= sizeof(m->whatif))
		return -1;
	errno = 0;
	m->whatif_factor = strtod(star + 1, &end);
	if (errno || end == star + 1 || *end || !(m->whatif_factor >= 0) ||
	    m->whatif_factor > 1e6)
		return -1;
	memcpy(m->whatif_name, s, star - s);
	m->whatif_name[star - s] = '\0';
	m->whatif_cost = sim_cost_field(&c, m->whatif_name) != NULL;
	snprintf(m->whatif, sizeof(m->whatif), "%s", s);
	return 0;
}

/* FIELD=V1,V2,...: a cost field swept as a fourth axis. 0 or -1. */
static int parse_sweep(struct model *m, const char *s)
{
	const char *eq = strchr(s, '=');
	unsigned long long v;
	char *end;
	const char *p;

	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(m->sweep_field) ||
	    strlen(s) >= sizeof(m->sweep_spec))
		return -1;
	memcpy(m->sweep_field, s, eq - s);
	m->sweep_field[eq - s] = '\0';
	if (!sim_cost_field(&m->cost, m->sweep_field))
		return -1;
	m->nsweep = 0;
	for (p = eq + 1;; p = end + 1) {
		if (*p < '0' || *p > '9' || m->nsweep == MODEL_MAX_LIST)
			return -1;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || (*end && *end != ','))
			return -1;
		m->sweep_vals[m->nsweep++] = v;
		if (!*end)
			break;
	}
	snprintf(m->sweep_spec, sizeof(m->sweep_spec), "%s", s);
	return 0;
}

/*
 * A trace file as the workload: one point, its VMs x vCPUs from the header.
 * 0, or -1 (reported: exit 2).
 */
static int trace_point(struct model *m)
{
	FILE *f = fopen(m->workload, "r");
	char line[512];
	unsigned int vms = 0, vcpus = 0, n = 0;

	if (!f) {
		fprintf(stderr, "model: --workload=%s: not a gen workload (churn, exhaustion, "
			"boot-storm, teardown, mixed) and not a readable trace file\n", m->workload);
		return -1;
	}
	while (fgets(line, sizeof(line), f) && strncmp(line, "events", 6)) {
		n++;
		if (sscanf(line, "vms %u", &vms) == 1 || sscanf(line, "vcpus %u", &vcpus) == 1)
			continue;
	}
	fclose(f);
	if (!vms || !vcpus) {
		fprintf(stderr, "model: %s:%u:1: expected a multi-VM trace header ('vms N' and "
			"'vcpus N' before 'events')\n", m->workload, n + 1);
		return -1;
	}
	m->vms[0] = vms;
	m->nvms = 1;
	m->vcpus[0] = vcpus;
	m->nvcpus = 1;
	return 0;
}

/* Every point (and its what-if variant); a progress line on a terminal after a second. */
static int run_points(struct model *m, double t0)
{
	bool tty = isatty(STDERR_FILENO), shown = false;

	for (size_t i = 0; i < m->npts; i++) {
		struct point *pt = &m->pts[i];

		size_t j = i / m->nsweep;

		pt->vms = m->vms[j / (m->nvcpus * m->nhcpus)];
		pt->vcpus = m->vcpus[j / m->nhcpus % m->nvcpus];
		pt->hcpus = m->hcpus[j % m->nhcpus];
		pt->sweep_val = m->sweep_vals[i % m->nsweep];
		model_point_key(m, pt);
		if (tty && now_s() - t0 > 1) {
			fprintf(stderr, "\rmodel: point %zu/%zu (%u VMs x %u vCPUs, %u host CPUs)   ",
				i + 1, m->npts, pt->vms, pt->vcpus, pt->hcpus);
			shown = true;
		}
		if (m->workload && !model_workload_is_gen(m->workload)) {
			pt->vms = m->vms[0];
			pt->vcpus = m->vcpus[0];
			model_point_key(m, pt);
		}
		if (m->workload ? model_workload_point(m, pt, false) ||
				  (m->whatif[0] && model_workload_point(m, pt, true)) :
				  model_point_run(m, pt, false) ||
				  (m->whatif[0] && model_point_run(m, pt, true)))
			return -1;
	}
	if (shown)
		fprintf(stderr, "\r%70s\r", "");
	return 0;
}

/* What the command line asks beyond the model itself. */
struct cli {
	const char *dbopt, *whatif, *calfile;
	bool json, nodb, calibrate;
	int path, flavour;
};

/* Append --cost @spec (already applied) to the spec the replay engine gets. */
static void cost_spec_add(struct model *m, const char *spec)
{
	size_t l = strlen(m->cost_spec);

	snprintf(m->cost_spec + l, sizeof(m->cost_spec) - l, "%s%s", l ? "," : "", spec);
}

/* A comma-separated list option: where it goes and its bounds. */
struct list_opt {
	unsigned int *v, *n;
	unsigned int min, max;
};

static int list_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	const struct list_opt *l = o->data;

	if (!parse_list(arg, l->min, l->max, l->v, l->n))
		return 0;
	snprintf(err, len, "expected up to %u comma-separated integers from %u to %u",
		 MODEL_MAX_LIST, l->min, l->max);
	return -1;
}

static int cost_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	struct model *m = o->value;

	if (sim_cost_override(&m->cost, arg, m->cost_name, sizeof(m->cost_name), err, len))
		return -1;
	cost_spec_add(m, arg);
	return 0;
}

static int sweep_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	if (!parse_sweep(o->value, arg))
		return 0;
	snprintf(err, len, "expected FIELD=V1,V2,... (a cost field and up to %u values)",
		 MODEL_MAX_LIST);
	return -1;
}

static int calibrate_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	struct cli *c = o->value;

	c->calibrate = true;
	c->calfile = arg;
	return 0;
}

static const char *const model_paths[] = { "vtd", "virtio", NULL };
static const char *const model_flavours[] = { "pasidsim", "linux-6.1", "ida", NULL };

/* What needs every option first: --what-if after every --cost, --workload limits. 0 or -1. */
static int check_args(struct model *m, const struct cli *c)
{
	bool shared = false;

	if (c->whatif && parse_whatif(m, c->whatif)) {
		fprintf(stderr, "model: bad value '%s' for --what-if (expected NAME*FACTOR: a "
			"cost field or a lock class, and a factor)\n", c->whatif);
		return -1;
	}
	if (!m->workload)
		return 0;
	for (unsigned int i = 0; i < m->nhcpus; i++)
		shared |= m->hcpus[i] != 0;
	if (shared || (m->whatif[0] && !m->whatif_cost)) {
		fprintf(stderr, "model: --workload runs on one host CPU per vCPU and scales "
			"cost fields only (--host-cpus and a lock's --what-if need the "
			"built-in churn)\n");
		return -1;
	}
	return !model_workload_is_gen(m->workload) && trace_point(m) ? -1 : 0;
}

/* The results-store run of the sweep (its config is the scenario key), or NULL. */
static struct results_run *run_open(const struct model *m)
{
	struct results_run_info info = {
		.command = "model", .flavour = m->flavour, .cost_model = m->cost_name,
		.seed = m->seed, .git_dirty = -1,
	};
	struct results_run *run;
	char *config = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&config, &len);

	if (f) {
		model_print_config(m, f);
		fclose(f);
		if (config && len && config[len - 1] == '\n')
			config[--len] = '\0';	/* the scenario key is the bare object */
	}
	info.config = config;
	run = config ? results_run_new(&info) : NULL;
	free(config);
	return run;
}

/* --flavour=ida has no custom allocators: only bare metal (--vms=0) models it. */
static bool ida_with_vms(const struct model *m)
{
	for (unsigned int i = 0; !strcmp(m->flavour, "ida") && i < m->nvms; i++) {
		if (!m->vms[i])
			continue;
		fprintf(stderr, "pasidsim model: --flavour=ida with --vms=%u: guests allocate "
			"through their vIOMMUs, and the ida flavour has no custom allocators "
			"(docs/flavours.md); --vms=0 models it on bare metal\n", m->vms[i]);
		return true;
	}
	return false;
}

/* Every point of the grid, printed and recorded: the exit status. */
static int model_sweep(struct model *m, const struct cli *c, double t0)
{
	int ret = PASIDSIM_EXIT_OK;
	double wall_s;

	m->npts = (size_t)m->nvms * m->nvcpus * m->nhcpus * m->nsweep;
	m->pts = calloc(m->npts, sizeof(*m->pts));
	m->run = c->nodb || !m->pts ? NULL : run_open(m);
	if (!m->pts || (!c->nodb && !m->run)) {
		fprintf(stderr, "model: out of memory\n");
		free(m->pts);
		return PASIDSIM_EXIT_FOUND;
	}
	results_digest_init(&m->digest);
	if (run_points(m, t0))
		ret = PASIDSIM_EXIT_FOUND;
	wall_s = now_s() - t0;
	if (!ret) {
		if (c->json)
			model_print_json(m, stdout);
		else
			model_print_table(m, stdout);
		fflush(stdout);
		fprintf(stderr, "model: %zu grid point(s) in %.3f s of wall time\n", m->npts,
			wall_s);
		if (m->run && model_record(m, c->dbopt, wall_s, m->run))
			ret = PASIDSIM_EXIT_FOUND;
	}
	for (size_t i = 0; i < m->npts; i++)
		model_point_free(&m->pts[i]);
	free(m->pts);
	results_run_free(m->run);
	return ret;
}

int cmd_model(int argc, char **argv)
{
	struct model m = {
		.vms = { 1, 2, 4, 8 }, .nvms = 4, .vcpus = { 1, 2, 4 }, .nvcpus = 3,
		.hcpus = { 0 }, .nhcpus = 1, .nsweep = 1,
		.ops = 100, .path = "vtd", .flavour = "pasidsim", .seed = 1,
	};
	struct cli c = { 0 };
	double t0 = now_s();
	struct list_opt lv = { m.vms, &m.nvms, 0, SIM_WORLD_MAX_VMS };
	struct list_opt lc = { m.vcpus, &m.nvcpus, 1, MODEL_MAX_VCPUS };
	struct list_opt lh = { m.hcpus, &m.nhcpus, 0, MODEL_MAX_HCPUS };
	const struct opt opts[] = {
		{ .type = OPT_CALLBACK, .long_name = "vms", .cb = list_cb, .data = &lv,
		  .argh = "LIST", .def = "1,2,4,8", .help = "VMs per world, comma-separated; 0: "
		  "bare metal (the host's CPUs churn ioasid_alloc/free)" },
		{ .type = OPT_CALLBACK, .long_name = "vcpus", .cb = list_cb, .data = &lc,
		  .argh = "LIST", .def = "1,2,4", .help = "vCPUs per VM (bare metal: host CPUs)" },
		{ .type = OPT_CALLBACK, .long_name = "host-cpus", .cb = list_cb, .data = &lh,
		  .argh = "LIST", .def = "0", .help = "host CPUs the vCPU threads (with their VMM "
		  "work) share; 0: one per vCPU" },
		OPT_UNSIGNED(0, "ops", &m.ops, 1, 10000000, "N", "alloc/free pairs per vCPU "
			     "(default 100)"),
		OPT_CHOOSE(0, "path", &c.path, model_paths, "P", "vtd (VT-d virtual commands, "
			   "default) or virtio"),
		OPT_CHOOSE(0, "flavour", &c.flavour, model_flavours, "NAME", "allocator of the "
			   "host and every guest (default pasidsim)"),
		OPT_CB(0, "cost", &m, cost_cb, "F=NS,...", "cost-model overrides "
		       "(e.g. vmm_handle_ns=1500,lock_handoff_ns=200)"),
		OPT_STR(0, "what-if", &c.whatif, "N*F", "also run with cost field or lock class N "
			"scaled by F"),
		OPT_STR(0, "workload", &m.workload, "W", "a gen workload or a multi-VM trace "
			"instead of the churn"),
		OPT_CB(0, "sweep", &m, sweep_cb, "F=V,...", "a fourth axis: cost field F at each "
		       "value V"),
		{ .type = OPT_CALLBACK, .long_name = "calibrate", .value = &c, .cb = calibrate_cb,
		  .flags = OPT_OPTARG, .argh = "FILE", .help = "instead of a sweep: measure the "
		  "host-side costs here (=FILE: write them as --cost overrides)" },
		OPT_UNSIGNED64(0, "seed", &m.seed, 0, UINT64_MAX, "N", "scheduler tie-breaks "
			       "(default 1)"),
		OPT_JSON(&c.json),
		OPT_DB(&c.dbopt),
		OPT_NO_DB(&c.nodb),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"model", "[options]", model_about, model_footer, 0, 0,
	};
	int n;

	m.cost = sim_cost_default;
	snprintf(m.cost_name, sizeof(m.cost_name), "%s", m.cost.version);
	n = opt_parse(&cmd, opts, argc, argv);
	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	m.path = model_paths[c.path];
	m.flavour = model_flavours[c.flavour];
	if (ida_with_vms(&m))
		return PASIDSIM_EXIT_USAGE;
	if (c.calibrate)
		return model_calibrate(&m, c.calfile, c.dbopt, !c.nodb) ? PASIDSIM_EXIT_FOUND :
									 PASIDSIM_EXIT_OK;
	if (check_args(&m, &c))
		return PASIDSIM_EXIT_USAGE;
	return model_sweep(&m, &c, t0);
}
