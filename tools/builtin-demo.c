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
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/err.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <sim/kernel.h>

#include "builtin.h"
#include "results.h"

static const char *const demo_usage =
	"usage: pasidsim demo [--consumers=<n>] [--ops=<n>] [--seed=<n>]\n"
	"                     [--range=<min>:<max>] [--json] [--db=<file> | --no-db]\n\n"
	"Records the run into the results store (--db, else $PASIDSIM_DB, else\n"
	"./" RESULTS_DEFAULT_DB "): per-operation outcome digest, latency histograms,\n"
	"counts, wall time, lockstat and findings.\n";

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

	snprintf(config, sizeof(config), "{\"consumers\":%llu,\"ops\":%llu,\"range\":[%u,%u]}",
		 cfg->consumers, cfg->ops, cfg->lo, cfg->hi);
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

static int count_cb(ioasid_t id, void *priv, void *data)
{
	(*(unsigned int *)data)++;
	return 0;
}

struct lockstat_out {
	bool json;
	unsigned int n;
};

static void print_lockstat(const struct sim_lockstat *st, void *arg)
{
	struct lockstat_out *out = arg;

	if (out->json)
		printf("%s{\"class\":\"%s\",\"acquisitions\":%llu,\"contentions\":%llu,"
		       "\"hold_total_ns\":%llu}", out->n++ ? "," : "", st->name,
		       (unsigned long long)st->acquisitions,
		       (unsigned long long)st->contentions,
		       (unsigned long long)st->hold_total_ns);
	else
		printf("  %-32s %12llu %11llu %14llu\n", st->name,
		       (unsigned long long)st->acquisitions,
		       (unsigned long long)st->contentions,
		       (unsigned long long)st->hold_total_ns);
}

static int parse_u64(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || !*s ? -1 : 0;
}

/* One step of the workload; returns false on a model mismatch. */
static bool demo_step(struct demo_consumer *c, unsigned int n, unsigned long long *rng,
		      ioasid_t lo, ioasid_t hi, struct demo_stats *st, struct demo_rec *rec)
{
	struct demo_consumer *me = &c[splitmix(rng) % n];
	unsigned int dice = splitmix(rng) % 100;

	rec->op = DEMO_NOP;
	rec->who = me - c;
	ioasid_t id;
	int ret;

	if (dice < 50 || !me->nheld) {
		ret = iommu_pasid_alloc(&me->handle, lo, hi, me, &id);
		rec->op = DEMO_ALLOC;
		rec->res = ret ? ret : (long long)id;
		if (ret == -ENOSPC) {
			st->alloc_fail++;
			return true;
		}
		if (ret) {
			fprintf(stderr, "demo: %s: alloc: %d\n", me->name, ret);
			return false;
		}
		me->held[me->nheld++] = id;
		st->allocs++;
	} else if (dice < 85) {
		unsigned int i = splitmix(rng) % me->nheld;

		ret = iommu_pasid_free(&me->handle, me->held[i]);
		rec->op = DEMO_FREE;
		rec->res = ret;
		if (ret) {
			fprintf(stderr, "demo: %s: free %u: %d\n", me->name, me->held[i], ret);
			return false;
		}
		me->held[i] = me->held[--me->nheld];
		st->frees++;
	} else if (dice < 97) {
		struct demo_consumer *other = &c[splitmix(rng) % n];
		void *priv;

		if (!other->nheld)
			return true;
		id = other->held[splitmix(rng) % other->nheld];
		priv = iommu_pasid_find(&me->handle, id);
		rec->op = DEMO_FIND;
		rec->res = IS_ERR(priv) ? PTR_ERR(priv) : (struct demo_consumer *)priv - c;
		st->finds++;
		if (other == me ? priv != me : PTR_ERR(priv) != -EACCES) {
			fprintf(stderr, "demo: %s: find %u of %s: %p\n", me->name, id,
				other->name, priv);
			return false;
		}
		if (other != me)
			st->foreign_denied++;
	} else {
		unsigned int seen = 0;

		iommu_pasid_for_each(&me->handle, count_cb, &seen);
		rec->op = DEMO_WALK;
		rec->res = seen;
		st->walks++;
		if (seen != me->nheld) {
			fprintf(stderr, "demo: %s: for_each saw %u of %u\n", me->name, seen,
				me->nheld);
			return false;
		}
	}
	return true;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option options[] = {
		{ "consumers", required_argument, NULL, 'c' },
		{ "ops", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "range", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "db", required_argument, NULL, 'd' },
		{ "no-db", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long consumers = 4, ops = 200000, seed = 1, rng;
	ioasid_t lo = 1, hi = IOMMU_PASID_MAX;
	struct demo_stats st = { 0 };
	struct sim_slab_stats slab;
	struct demo_consumer *c;
	struct sim_kernel *k;
	struct timespec t0, t1;
	struct lockstat_out lso = { false, 0 };
	bool json = false, ok = true, record = true;
	const char *dbopt = NULL;
	struct demo_rec rec = { 0 };
	long long record_ns = 0;
	size_t leaks, findings;
	double secs;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		unsigned long long a, b;

		switch (opt) {
		case 'c':
			if (parse_u64(optarg, &consumers) || !consumers || consumers > 1024)
				goto bad;
			break;
		case 'n':
			if (parse_u64(optarg, &ops))
				goto bad;
			break;
		case 's':
			if (parse_u64(optarg, &seed))
				goto bad;
			break;
		case 'r':
			if (sscanf(optarg, "%llu:%llu", &a, &b) != 2 || a > b || b > UINT32_MAX)
				goto bad;
			lo = a;
			hi = b;
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			dbopt = optarg;
			record = true;
			break;
		case 'D':
			record = false;
			break;
		case 'h':
			fputs(demo_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			goto bad;
		}
	}
	if (optind != argc)
		goto bad;

	k = sim_kernel_create("host");
	sim_kernel_enter(k);
	c = calloc(consumers, sizeof(*c));
	for (unsigned int i = 0; c && i < consumers; i++) {
		snprintf(c[i].name, sizeof(c[i].name), "consumer%u", i);
		c[i].handle.name = c[i].name;
		c[i].held = calloc(ops + 1, sizeof(ioasid_t));
		if (!c[i].held || iommu_pasid_init(&c[i].handle)) {
			fprintf(stderr, "demo: cannot set up %s\n", c[i].name);
			return PASIDSIM_EXIT_FOUND;
		}
	}
	if (!c) {
		fprintf(stderr, "demo: out of memory\n");
		return PASIDSIM_EXIT_FOUND;
	}

	struct demo_config cfg = { consumers, ops, seed, lo, hi };

	if (record && !demo_record_begin(&cfg, &rec)) {
		fprintf(stderr, "demo: out of memory\n");
		return PASIDSIM_EXIT_FOUND;
	}
	rng = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (record) {
		unsigned long long prev = now_ns();

		for (unsigned long long i = 0; ok && i < ops; i++) {
			unsigned long long t;

			ok = demo_step(c, consumers, &rng, lo, hi, &st, &rec);
			t = now_ns();
			if (rec.op != DEMO_NOP)
				results_hist_add(rec.lat[rec.op], t - prev);
			results_digest_add(rec.digest, (unsigned long long)rec.op << 56 ^
					   (unsigned long long)rec.who << 40 ^
					   (rec.res & 0xffffffffffULL));
			if ((i & 1023) == 0) {
				sim_rcu_quiescent();
				t = now_ns();
			}
			prev = t;
		}
	} else {
		for (unsigned long long i = 0; ok && i < ops; i++) {
			ok = demo_step(c, consumers, &rng, lo, hi, &st, &rec);
			if ((i & 1023) == 0)
				sim_rcu_quiescent();
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	for (unsigned int i = 0; i < consumers; i++) {
		iommu_pasid_exit(&c[i].handle);
		free(c[i].held);
	}
	free(c);
	rcu_barrier();
	sim_slab_stats(k, &slab);
	findings = sim_findings_count(k, -1);
	if (findings)
		sim_findings_print(k, stderr);
	if (record)
		record_ns = demo_record_end(&rec, results_db_path(dbopt), k, &st, &slab, &cfg, secs,
					    ok);

	if (json) {
		printf("{\"command\":\"demo\",\"flavour\":\"%s\",\"seed\":%llu,\"consumers\":%llu,"
		       "\"ops\":%llu,\"allocs\":%llu,\"alloc_enospc\":%llu,\"frees\":%llu,"
		       "\"finds\":%llu,\"foreign_denied\":%llu,\"walks\":%llu,"
		       "\"wall_s\":%.6f,\"record_s\":%.6f,\"slab_allocs\":%llu,\"findings\":%zu,"
		       "\"ok\":%s,\"lockstat\":[", PASIDSIM_FLAVOUR, seed, consumers, ops, st.allocs,
		       st.alloc_fail, st.frees, st.finds, st.foreign_denied, st.walks, secs,
		       record_ns > 0 ? record_ns / 1e9 : 0.0,
		       (unsigned long long)slab.allocs, findings, ok ? "true" : "false");
		lso.json = json;
		sim_lockstat_foreach(k, print_lockstat, &lso);
		printf("]}\n");
	} else {
		printf("pasidsim demo: bare metal, allocator flavour %s, seed %llu\n",
		       PASIDSIM_FLAVOUR, seed);
		printf("  consumers %llu, range [%u, %u], %llu operations in %.3f s (%.0f ops/s)\n",
		       consumers, lo, hi, ops, secs, secs > 0 ? ops / secs : 0.0);
		printf("  allocs %llu (-ENOSPC %llu), frees %llu, finds %llu (foreign denied %llu), "
		       "walks %llu\n", st.allocs, st.alloc_fail, st.frees, st.finds,
		       st.foreign_denied, st.walks);
		printf("  slab: %llu allocations, %llu live after exit; findings: %zu\n",
		       (unsigned long long)slab.allocs, (unsigned long long)slab.live_objects,
		       findings);
		printf("  lockstat:\n  %-32s %12s %11s %14s\n", "class", "acquisitions",
		       "contentions", "hold ns");
		lso.json = json;
		sim_lockstat_foreach(k, print_lockstat, &lso);
		printf("  result: %s\n", ok && !findings && !slab.live_objects ? "OK" : "PROBLEM");
	}
	sim_kernel_enter(NULL);
	leaks = sim_kernel_destroy(k);
	return ok && !findings && !leaks ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_FOUND;
bad:
	fputs(demo_usage, stderr);
	return PASIDSIM_EXIT_USAGE;
}
