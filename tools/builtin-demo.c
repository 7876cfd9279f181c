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

static const char *const demo_usage =
	"usage: pasidsim demo [--consumers=<n>] [--ops=<n>] [--seed=<n>]\n"
	"                     [--range=<min>:<max>] [--json]\n";

struct demo_consumer {
	struct iommu_pasid handle;
	ioasid_t *held;
	unsigned int nheld;
	char name[16];
};

struct demo_stats {
	unsigned long long allocs, alloc_fail, frees, finds, foreign_denied, walks;
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
		      ioasid_t lo, ioasid_t hi, struct demo_stats *st)
{
	struct demo_consumer *me = &c[splitmix(rng) % n];
	unsigned int dice = splitmix(rng) % 100;
	ioasid_t id;
	int ret;

	if (dice < 50 || !me->nheld) {
		ret = iommu_pasid_alloc(&me->handle, lo, hi, me, &id);
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
	bool json = false, ok = true;
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

	rng = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long long i = 0; ok && i < ops; i++) {
		ok = demo_step(c, consumers, &rng, lo, hi, &st);
		if ((i & 1023) == 0)
			sim_rcu_quiescent();
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

	if (json) {
		printf("{\"command\":\"demo\",\"flavour\":\"%s\",\"seed\":%llu,\"consumers\":%llu,"
		       "\"ops\":%llu,\"allocs\":%llu,\"alloc_enospc\":%llu,\"frees\":%llu,"
		       "\"finds\":%llu,\"foreign_denied\":%llu,\"walks\":%llu,"
		       "\"wall_s\":%.6f,\"slab_allocs\":%llu,\"findings\":%zu,\"ok\":%s,"
		       "\"lockstat\":[", PASIDSIM_FLAVOUR, seed, consumers, ops, st.allocs,
		       st.alloc_fail, st.frees, st.finds, st.foreign_denied, st.walks, secs,
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
