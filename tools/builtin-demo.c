// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim demo: a bare-metal workload through the iommu_pasid API.
 *
 * Several consumers share the system-wide allocator and allocate, free and
 * look up PASIDs in a seeded random mix. Every result is checked against a
 * small reference model (who owns what); the run ends with every consumer
 * exiting, then a leak check of the kernel instance. Prints a summary with
 * the allocator's lockstat.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/err.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "builtin.h"
#include "json.h"
#include "opt.h"
#include "results.h"

struct demo_stats {
	unsigned long long allocs, alloc_fail, frees, finds, foreign_denied, walks;
};

/* What one step did, for the outcome digest and the latency histograms. */
enum demo_op { DEMO_ALLOC, DEMO_FREE, DEMO_FIND, DEMO_WALK, DEMO_NOP, DEMO__NR };
static const char *const demo_op_names[4] = {
	"latency.alloc", "latency.free", "latency.find", "latency.walk",
};

struct demo_rec {
	struct results_run *run;
	struct results_digest *digest;
	struct results_hist *lat[DEMO__NR];
	enum demo_op op;
	unsigned int who;
	long long res;
};

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct demo_config {
	unsigned long long consumers, ops, seed;
	ioasid_t lo, hi;
};

static void record_lockstat(const struct sim_lockstat *st, void *arg)
{
	struct results_lockstat l = {
		.name = st->name, .acquisitions = st->acquisitions,
		.contentions = st->contentions, .wait_min_ns = st->wait_min_ns,
		.wait_max_ns = st->wait_max_ns, .wait_total_ns = st->wait_total_ns,
		.hold_min_ns = st->hold_min_ns, .hold_max_ns = st->hold_max_ns,
		.hold_total_ns = st->hold_total_ns,
	};

	results_lockstat_add(arg, &l);
}

static struct results_run *demo_record_begin(const struct demo_config *cfg, struct demo_rec *rec)
{
	struct results_run_info info = { .command = "demo", .flavour = PASIDSIM_FLAVOUR,
					 .seed = cfg->seed, .git_dirty = -1 };
	char config[160];
	struct json j;

	if (json_buf_begin(&j, config, sizeof(config)))
		return NULL;
	json_obj_begin(&j, NULL);
	json_u64(&j, "consumers", cfg->consumers);
	json_u64(&j, "ops", cfg->ops);
	json_arr_begin(&j, "range");
	json_u64(&j, NULL, cfg->lo);
	json_u64(&j, NULL, cfg->hi);
	json_arr_end(&j);
	json_obj_end(&j);
	json_buf_end(&j, config, sizeof(config));
	info.config = config;
	rec->run = results_run_new(&info);
	if (!rec->run)
		return NULL;
	rec->digest = results_run_digest(rec->run);
	for (int i = 0; i < DEMO_NOP; i++) {
		rec->lat[i] = results_run_hist(rec->run, demo_op_names[i], "ns", RESULTS_WALL);
		if (!rec->lat[i]) {
			results_run_free(rec->run);
			return rec->run = NULL;
		}
	}
	return rec->run;
}

/* Add the counts, times, lockstat and findings; commit; returns the commit time in ns. */
static long long demo_record_end(struct demo_rec *rec, const char *dbpath, struct sim_kernel *k,
				 const struct demo_stats *st, const struct sim_slab_stats *slab,
				 const struct demo_config *cfg, double secs, bool ok)
{
	struct results_run *run = rec->run;
	unsigned long long t0 = now_ns();
	const struct {
		const char *name;
		unsigned long long v;
	} counts[] = {
		{ "ops", cfg->ops }, { "allocs", st->allocs }, { "alloc_enospc", st->alloc_fail },
		{ "frees", st->frees }, { "finds", st->finds },
		{ "foreign_denied", st->foreign_denied }, { "walks", st->walks },
	};
	struct results_db *db;
	char err[1024];
	int64_t id;

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		results_metric(run, counts[i].name, "count", RESULTS_EQUAL, counts[i].v);
	results_metric(run, "slab.allocs", "count", RESULTS_LOWER, slab->allocs);
	results_metric(run, "slab.peak_bytes", "bytes", RESULTS_LOWER, slab->peak_bytes);
	results_sample(run, "wall.ns_per_op", "ns", RESULTS_LOWER,
		       cfg->ops ? secs * 1e9 / cfg->ops : 0);
	results_sample(run, "wall.ops_per_s", "ops/s", RESULTS_HIGHER,
		       secs > 0 ? cfg->ops / secs : 0);
	sim_lockstat_foreach(k, record_lockstat, run);
	for (size_t i = 0; i < sim_findings_count(k, -1); i++) {
		const struct sim_finding *f = sim_finding_get(k, i);

		results_finding(run, sim_finding_kind_name(f->kind), f->msg, -1, NULL);
	}
	results_run_set_outcome(run, cfg->ops, ok && !sim_findings_count(k, -1) &&
				!slab->live_objects ? "ok" : "problem");
	results_run_set_duration(run, secs * 1e9);
	db = results_open(dbpath, 0, err, sizeof(err));
	id = db ? results_run_commit(db, run, err, sizeof(err)) : -1;
	results_close(db);
	if (id < 0)
		fprintf(stderr, "demo: not recorded: %s\n", err);
	else
		fprintf(stderr, "demo: recorded run %lld in %s\n", (long long)id, dbpath);
	results_run_free(run);
	rec->run = NULL;
	return id < 0 ? -1 : (long long)(now_ns() - t0);
}

struct demo_consumer {
	struct iommu_pasid handle;
	ioasid_t *held;
	unsigned int nheld;
	char name[16];
};

static unsigned long long splitmix(unsigned long long *s)
{
	unsigned long long z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Run @op on the host CPU of the executor (a world with no VMs: bare
 * metal) and return its event; false if the world stopped.
 */
static bool demo_exec(struct sim_world *w, struct sim_op op, struct sim_event *ev)
{
	static u64 cookie;
	size_t n;

	op.cookie = ++cookie;
	if (sim_world_submit(w, SIM_WORLD_HOST, 0, &op) || sim_world_run(w) != SIM_SCHED_IDLE) {
		fprintf(stderr, "demo: the host stopped: %s\n", sim_world_report(w));
		return false;
	}
	n = sim_world_nevents(w);
	*ev = *sim_world_event(w, n - 1);
	sim_world_log_trim(w);
	return ev->cookie == op.cookie;
}

struct lockstat_out {
	bool json;
	struct json j;
};

static void print_lockstat(const struct sim_lockstat *st, void *arg)
{
	struct lockstat_out *out = arg;

	if (out->json) {
		json_obj_begin(&out->j, NULL);
		json_str(&out->j, "class", st->name);
		json_u64(&out->j, "acquisitions", st->acquisitions);
		json_u64(&out->j, "contentions", st->contentions);
		json_u64(&out->j, "hold_total_ns", st->hold_total_ns);
		json_obj_end(&out->j);
	} else {
		printf("  %-32s %12llu %11llu %14llu\n", st->name,
		       (unsigned long long)st->acquisitions,
		       (unsigned long long)st->contentions,
		       (unsigned long long)st->hold_total_ns);
	}
}

/* One step of the workload, for one consumer (@me). */
struct step {
	struct sim_world *w;
	struct demo_consumer *c, *me;
	unsigned int n;
	unsigned long long *rng;
	struct demo_stats *st;
	struct demo_rec *rec;
	struct sim_op op;
	struct sim_event ev;
};

static bool step_alloc(struct step *x, ioasid_t lo, ioasid_t hi)
{
	struct demo_consumer *me = x->me;
	int ret;

	x->op.kind = SIM_OP_ALLOC;
	x->op.a = lo;
	x->op.b = hi;
	x->op.arg = (uintptr_t)me;
	if (!demo_exec(x->w, x->op, &x->ev))
		return false;
	ret = x->ev.result;
	x->rec->op = DEMO_ALLOC;
	x->rec->res = ret ? ret : (long long)x->ev.value;
	if (ret == -ENOSPC) {
		x->st->alloc_fail++;
		return true;
	}
	if (ret) {
		fprintf(stderr, "demo: %s: alloc: %d\n", me->name, ret);
		return false;
	}
	me->held[me->nheld++] = x->ev.value;
	x->st->allocs++;
	return true;
}

static bool step_free(struct step *x)
{
	struct demo_consumer *me = x->me;
	unsigned int i = splitmix(x->rng) % me->nheld;

	x->op.kind = SIM_OP_FREE;
	x->op.a = me->held[i];
	if (!demo_exec(x->w, x->op, &x->ev))
		return false;
	x->rec->op = DEMO_FREE;
	x->rec->res = x->ev.result;
	if (x->ev.result) {
		fprintf(stderr, "demo: %s: free %u: %d\n", me->name, me->held[i], x->ev.result);
		return false;
	}
	me->held[i] = me->held[--me->nheld];
	x->st->frees++;
	return true;
}

/* A find of another consumer's PASID (or one's own): -EACCES unless it is one's own. */
static bool step_find(struct step *x)
{
	struct demo_consumer *me = x->me, *other = &x->c[splitmix(x->rng) % x->n];
	ioasid_t id;
	void *priv;

	if (!other->nheld)
		return true;
	id = other->held[splitmix(x->rng) % other->nheld];
	x->op.kind = SIM_OP_FIND;
	x->op.a = id;
	if (!demo_exec(x->w, x->op, &x->ev))
		return false;
	priv = x->ev.result ? ERR_PTR(x->ev.result) : (void *)(uintptr_t)x->ev.value;
	x->rec->op = DEMO_FIND;
	x->rec->res = IS_ERR(priv) ? PTR_ERR(priv) : (struct demo_consumer *)priv - x->c;
	x->st->finds++;
	if (other == me ? priv != me : PTR_ERR(priv) != -EACCES) {
		fprintf(stderr, "demo: %s: find %u of %s: %p\n", me->name, id, other->name, priv);
		return false;
	}
	if (other != me)
		x->st->foreign_denied++;
	return true;
}

static bool step_walk(struct step *x)
{
	struct demo_consumer *me = x->me;

	x->op.kind = SIM_OP_FOR_EACH;
	if (!demo_exec(x->w, x->op, &x->ev))
		return false;
	x->rec->op = DEMO_WALK;
	x->rec->res = x->ev.value;
	x->st->walks++;
	if (x->ev.value != me->nheld) {
		fprintf(stderr, "demo: %s: for_each saw %u of %u\n", me->name,
			(unsigned int)x->ev.value, me->nheld);
		return false;
	}
	return true;
}

/* One step of the workload; returns false on a model mismatch. */
static bool demo_step(struct sim_world *w, struct demo_consumer *c, unsigned int n,
		      unsigned long long *rng, ioasid_t lo, ioasid_t hi, struct demo_stats *st,
		      struct demo_rec *rec)
{
	struct step x = { .w = w, .c = c, .n = n, .rng = rng, .st = st, .rec = rec };
	unsigned int dice;

	x.me = &c[splitmix(rng) % n];
	dice = splitmix(rng) % 100;
	x.op.consumer = &x.me->handle;
	rec->op = DEMO_NOP;
	rec->who = x.me - c;
	if (dice < 50 || !x.me->nheld)
		return step_alloc(&x, lo, hi);
	if (dice < 85)
		return step_free(&x);
	if (dice < 97)
		return step_find(&x);
	return step_walk(&x);
}

static int range_cb(const struct opt *o, const char *arg, char *err, size_t len)
{
	ioasid_t *r = o->value;
	const char *colon = strchr(arg, ':');
	char lo[32];
	uint64_t a, b;

	if (colon && (size_t)(colon - arg) < sizeof(lo)) {
		memcpy(lo, arg, colon - arg);
		lo[colon - arg] = '\0';
		if (!opt_parse_u64(lo, 0, UINT32_MAX, &a) &&
		    !opt_parse_u64(colon + 1, 0, UINT32_MAX, &b) && a <= b) {
			r[0] = a;
			r[1] = b;
			return 0;
		}
	}
	snprintf(err, len, "expected MIN:MAX, integers from 0 to 4294967295, MIN <= MAX");
	return -1;
}

struct demo_result {
	struct demo_stats st;
	struct sim_slab_stats slab;
	size_t findings;
	double secs;
	long long record_ns;
	bool ok;
};

/* The workload, recorded into @rec when it has a run. */
static void demo_loop(struct sim_world *w, struct demo_consumer *c,
		      const struct demo_config *cfg, struct demo_rec *rec, struct demo_result *r)
{
	unsigned long long rng = cfg->seed, prev = now_ns();
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long long i = 0; r->ok && i < cfg->ops; i++) {
		unsigned long long t;

		r->ok = demo_step(w, c, cfg->consumers, &rng, cfg->lo, cfg->hi, &r->st, rec);
		if (rec->run) {
			t = now_ns();
			if (rec->op != DEMO_NOP)
				results_hist_add(rec->lat[rec->op], t - prev);
			results_digest_add(rec->digest, (unsigned long long)rec->op << 56 ^
					   (unsigned long long)rec->who << 40 ^
					   (rec->res & 0xffffffffffULL));
			prev = t;
		}
		if ((i & 1023) == 0)
			prev = now_ns();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void demo_print_json(struct sim_kernel *k, const struct demo_config *cfg,
			    const struct demo_result *r)
{
	struct lockstat_out lso = { .json = true };
	struct json *j = &lso.j;

	json_init(j, stdout);
	json_obj_begin(j, NULL);
	json_str(j, "command", "demo");
	json_str(j, "flavour", PASIDSIM_FLAVOUR);
	json_u64(j, "seed", cfg->seed);
	json_u64(j, "consumers", cfg->consumers);
	json_u64(j, "ops", cfg->ops);
	json_u64(j, "allocs", r->st.allocs);
	json_u64(j, "alloc_enospc", r->st.alloc_fail);
	json_u64(j, "frees", r->st.frees);
	json_u64(j, "finds", r->st.finds);
	json_u64(j, "foreign_denied", r->st.foreign_denied);
	json_u64(j, "walks", r->st.walks);
	json_fixed(j, "wall_s", r->secs, 6);
	json_fixed(j, "record_s", r->record_ns > 0 ? r->record_ns / 1e9 : 0.0, 6);
	json_u64(j, "slab_allocs", r->slab.allocs);
	json_u64(j, "findings", r->findings);
	json_bool(j, "ok", r->ok);
	json_bool(j, "recorded", r->record_ns >= 0);
	json_arr_begin(j, "lockstat");
	sim_lockstat_foreach(k, print_lockstat, &lso);
	json_arr_end(j);
	json_obj_end(j);
}

static void demo_print_text(struct sim_kernel *k, const struct demo_config *cfg,
			    const struct demo_result *r)
{
	struct lockstat_out lso = { .json = false };

	printf("pasidsim demo: bare metal, allocator flavour %s, seed %llu\n",
	       PASIDSIM_FLAVOUR, cfg->seed);
	printf("  consumers %llu, range [%u, %u], %llu operations in %.3f s (%.0f ops/s)\n",
	       cfg->consumers, cfg->lo, cfg->hi, cfg->ops, r->secs,
	       r->secs > 0 ? cfg->ops / r->secs : 0.0);
	printf("  allocs %llu (-ENOSPC %llu), frees %llu, finds %llu (foreign denied %llu), "
	       "walks %llu\n", r->st.allocs, r->st.alloc_fail, r->st.frees, r->st.finds,
	       r->st.foreign_denied, r->st.walks);
	printf("  slab: %llu allocations, %llu live after exit; findings: %zu\n",
	       (unsigned long long)r->slab.allocs, (unsigned long long)r->slab.live_objects,
	       r->findings);
	printf("  lockstat:\n  %-32s %12s %11s %14s\n", "class", "acquisitions",
	       "contentions", "hold ns");
	sim_lockstat_foreach(k, print_lockstat, &lso);
	printf("  result: %s\n", r->ok && !r->findings && !r->slab.live_objects ? "OK" :
	       "PROBLEM");
}

static const char demo_footer[] =
	"Records the run into the results store: per-operation outcome digest, latency\n"
	"histograms, counts, wall time, lockstat and findings.\n"
	"Exit: 0 ok, 1 model mismatch, finding or leak, 2 usage error, or the run was\n"
	"to be recorded and was not (the same rule as replay).\n";

/* The executor for bare metal: a world with no VMs, on this build's flavour. */
static struct sim_world *demo_world(void)
{
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];

	sim_world_params_init(&p);
	p.nvms = 0;
	p.host_flavour = PASIDSIM_FLAVOUR;
	w = sim_world_create(&p, err, sizeof(err));
	if (!w)
		fprintf(stderr, "demo: cannot build the host: %s\n", err);
	return w;
}

/* The demo's consumers, each iommu_pasid_init()ed through the executor; NULL on failure. */
static struct demo_consumer *demo_consumers_init(struct sim_world *w,
						 const struct demo_config *cfg)
{
	struct demo_consumer *c = calloc(cfg->consumers, sizeof(*c));

	if (!c) {
		fprintf(stderr, "demo: out of memory\n");
		return NULL;
	}
	for (unsigned int i = 0; i < cfg->consumers; i++) {
		struct sim_event ev;

		snprintf(c[i].name, sizeof(c[i].name), "consumer%u", i);
		c[i].handle.name = c[i].name;
		c[i].held = calloc(cfg->ops + 1, sizeof(ioasid_t));
		if (!c[i].held || !demo_exec(w, (struct sim_op){ .kind = SIM_OP_INIT,
					     .consumer = &c[i].handle }, &ev) || ev.result) {
			fprintf(stderr, "demo: cannot set up %s\n", c[i].name);
			return NULL;
		}
	}
	return c;
}

/* iommu_pasid_exit() every consumer through the executor and free them. */
static void demo_consumers_exit(struct sim_world *w, struct demo_consumer *c,
				const struct demo_config *cfg)
{
	for (unsigned int i = 0; i < cfg->consumers; i++) {
		struct sim_event ev;

		demo_exec(w, (struct sim_op){ .kind = SIM_OP_EXIT, .consumer = &c[i].handle }, &ev);
		free(c[i].held);
	}
	free(c);
}

int cmd_demo(int argc, char **argv)
{
	struct demo_config cfg = { 4, 200000, 1, 1, IOMMU_PASID_MAX };
	struct demo_result r = { .ok = true, .record_ns = -1 };
	bool json = false, quiet = false, nodb = false;
	const char *dbopt = NULL;
	struct demo_rec rec = { 0 };
	struct demo_consumer *c;
	struct sim_kernel *k, *prev;
	struct sim_world *w;
	size_t leaks;
	int ret;
	const struct opt opts[] = {
		OPT_UNSIGNED64(0, "consumers", &cfg.consumers, 1, 1024, "N",
			       "consumers sharing the allocator (default 4)"),
		OPT_UNSIGNED64(0, "ops", &cfg.ops, 0, 1ULL << 32, "N",
			       "operations (default 200000)"),
		OPT_UNSIGNED64(0, "seed", &cfg.seed, 0, UINT64_MAX, "N", "seed (default 1)"),
		OPT_CB(0, "range", &cfg.lo, range_cb, "MIN:MAX",
		       "allocation range (default 1:1048575)"),
		OPT_DB(&dbopt),
		OPT_NO_DB(&nodb),
		OPT_JSON(&json),
		OPT_QUIET(&quiet),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"demo", "[options]", "A bare-metal workload through the iommu_pasid API, "
		"checked against a\nreference model, then a leak check.\n", demo_footer, 0, 0,
	};
	int n = opt_parse(&cmd, opts, argc, argv);

	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	w = demo_world();
	if (!w)
		return PASIDSIM_EXIT_FOUND;
	k = sim_world_kernel(w, SIM_WORLD_HOST);
	c = demo_consumers_init(w, &cfg);
	if (!c)
		return PASIDSIM_EXIT_FOUND;
	if (!nodb && !demo_record_begin(&cfg, &rec)) {
		fprintf(stderr, "demo: out of memory\n");
		return PASIDSIM_EXIT_FOUND;
	}
	demo_loop(w, c, &cfg, &rec, &r);
	demo_consumers_exit(w, c, &cfg);
	prev = sim_kernel_enter(k);
	rcu_barrier();
	sim_kernel_leave(prev);
	sim_slab_stats(k, &r.slab);
	r.slab.live_objects -= sim_world_host_baseline_objects(w);
	r.findings = sim_findings_count(k, -1);
	if (r.findings)
		sim_findings_print(k, stderr);
	if (!nodb)
		r.record_ns = demo_record_end(&rec, results_db_path(dbopt), k, &r.st, &r.slab,
					      &cfg, r.secs, r.ok);
	if (json)
		demo_print_json(k, &cfg, &r);
	else if (!quiet)
		demo_print_text(k, &cfg, &r);
	leaks = r.slab.live_objects;
	sim_world_destroy(w);
	ret = r.ok && !r.findings && !leaks ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_FOUND;
	/* one rule for every command: a run that was to be recorded and was not is an error */
	if (!nodb && r.record_ns < 0 && ret == PASIDSIM_EXIT_OK)
		ret = PASIDSIM_EXIT_USAGE;
	return ret;
}
