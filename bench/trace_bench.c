// SPDX-License-Identifier: GPL-2.0
/*
 * Trace benchmarks: parse throughput (events/s) and bare-metal replay
 * throughput (operations/s), both from memory.
 *
 *   trace_bench [--events=N] [--reps=R] [--db=FILE | --no-db]
 *
 * The trace is a bare-metal churn built here (4 consumers, alloc/free/find
 * with recorded results, bounded number of live IDs). Prints the best of R
 * repetitions and records every repetition into the results store as wall
 * samples (bench:trace_parse.events_per_s, bench:trace_replay.ops_per_s).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "replay.h"
#include "results.h"
#include "trace.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A churn with recorded results, from a first-fit model (like pasidsim gen). */
static char *build(unsigned long n, size_t *len)
{
	enum { NC = 4, MAXH = 256 };
	static const char *const cn[NC] = { "c0", "c1", "c2", "c3" };
	uint32_t held[NC][MAXH];
	unsigned int nheld[NC] = { 0 };
	uint8_t *space = calloc(1 << 20, 1);
	struct trace_header h;
	struct trace_writer w;
	struct trace_event ev;
	char *buf = NULL, name[16], idn[16];
	uint64_t rng = 42, t = 0;
	FILE *f = open_memstream(&buf, len);

	if (!space || !f)
		exit(2);
	trace_header_init(&h);
	h.host_cpus = 4;
	trace_writer_start(&w, f, &h);
	for (int c = 0; c < NC; c++) {
		memset(&ev, 0, sizeof(ev));
		ev.time = t++;
		ev.kernel = TRACE_HOST;
		ev.op = TRACE_PASID_INIT;
		ev.c = cn[c];
		ev.res = TRACE_RES_ERRNO;
		trace_write_event(&w, &ev);
	}
	for (unsigned long i = 0; i < n; i++) {
		unsigned int c = rng_next(&rng) % NC, d = rng_next(&rng) % 100;

		memset(&ev, 0, sizeof(ev));
		ev.time = (t += 100 + rng_next(&rng) % 900);
		ev.kernel = TRACE_HOST;
		ev.cpu = c;
		ev.c = cn[c];
		if ((d < 45 || !nheld[c]) && nheld[c] < MAXH) {
			uint32_t id = 1;

			while (space[id])
				id++;
			space[id] = 1;
			held[c][nheld[c]++] = id;
			snprintf(name, sizeof(name), "%u", id);
			ev.op = TRACE_PASID_ALLOC;
			ev.min = 1;
			ev.max = 0xfffff;
			ev.priv = cn[c];
			ev.res = TRACE_RES_ID;
			ev.res_name = name;
		} else if (d < 90 || nheld[c] == MAXH) {
			unsigned int k = rng_next(&rng) % nheld[c];

			snprintf(idn, sizeof(idn), "%u", held[c][k]);
			space[held[c][k]] = 0;
			held[c][k] = held[c][--nheld[c]];
			ev.op = TRACE_PASID_FREE;
			ev.id = idn;
			ev.res = TRACE_RES_ERRNO;
		} else {
			snprintf(idn, sizeof(idn), "%u", held[c][rng_next(&rng) % nheld[c]]);
			ev.op = TRACE_PASID_FIND;
			ev.id = idn;
			ev.res = TRACE_RES_TOKEN;
			ev.res_name = cn[c];
		}
		trace_write_event(&w, &ev);
	}
	trace_writer_finish(&w);
	fclose(f);
	free(space);
	trace_header_release(&h);
	return buf;
}

int main(int argc, char **argv)
{
	unsigned long n = 1000000, reps = 5;
	const char *db = NULL;
	bool record = true;
	double best_p = 0, best_r = 0, *ps, *rs;
	size_t len;
	char *buf;

	for (int i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--events=", 9))
			n = strtoul(argv[i] + 9, NULL, 0);
		else if (!strncmp(argv[i], "--reps=", 7))
			reps = strtoul(argv[i] + 7, NULL, 0);
		else if (!strncmp(argv[i], "--db=", 5))
			db = argv[i] + 5;
		else if (!strcmp(argv[i], "--no-db"))
			record = false;
		else {
			fprintf(stderr, "usage: trace_bench [--events=N] [--reps=R] [--db=F|--no-db]\n");
			return 2;
		}
	}
	if (!reps)
		reps = 1;
	ps = calloc(reps, sizeof(*ps));
	rs = calloc(reps, sizeof(*rs));
	buf = build(n, &len);
	printf("trace_bench: %lu events, %zu bytes (%.1f bytes/event)\n", n + 4, len,
	       (double)len / (n + 4));
	for (unsigned long r = 0; r < reps; r++) {
		struct trace_parser *p = trace_parser_mem(buf, len, "bench");
		struct trace_header h;
		struct trace_event ev;
		unsigned long long cnt = 0;
		double t0 = now_s(), dt;

		if (trace_parser_header(p, &h))
			return 2;
		while (trace_parser_next(p, &ev) > 0)
			cnt++;
		dt = now_s() - t0;
		if (trace_parser_error(p)) {
			fprintf(stderr, "%s\n", trace_parser_error(p));
			return 1;
		}
		trace_parser_free(p);
		trace_header_release(&h);
		ps[r] = cnt / dt;
		if (ps[r] > best_p)
			best_p = ps[r];
	}
	printf("parse:  %.0f events/s (best of %lu; goal >= 5000000)\n", best_p, reps);
	for (unsigned long r = 0; r < reps; r++) {
		struct replay_opts o;
		struct replay_stats st;
		int ret;

		replay_opts_init(&o);
		ret = replay_mem(buf, len, "bench", &o, &st);
		if (ret) {
			fprintf(stderr, "replay failed (%d): %s%s\n", ret, st.error, st.divergence);
			return 1;
		}
		rs[r] = st.ops / st.wall_s;
		if (rs[r] > best_r)
			best_r = rs[r];
	}
	printf("replay: %.0f ops/s (bare metal, check mode, best of %lu; goal >= 2000000)\n",
	       best_r, reps);
	if (record) {
		struct results_run_info info = { .command = "bench:trace", .flavour = PASIDSIM_FLAVOUR,
						 .seed = 42, .git_dirty = -1 };
		struct results_run *run = results_run_new(&info);
		struct results_db *d;
		char err[512];
		int64_t id = -1;

		for (unsigned long r = 0; run && r < reps; r++) {
			results_sample(run, "trace_parse.events_per_s", "events/s", RESULTS_HIGHER,
				       ps[r]);
			results_sample(run, "trace_replay.ops_per_s", "ops/s", RESULTS_HIGHER, rs[r]);
		}
		if (run) {
			results_run_set_outcome(run, n, "ok");
			d = results_open(results_db_path(db), 0, err, sizeof(err));
			id = d ? results_run_commit(d, run, err, sizeof(err)) : -1;
			results_close(d);
			results_run_free(run);
		}
		if (id < 0)
			fprintf(stderr, "trace_bench: not recorded: %s\n", run ? err : "out of memory");
		else
			fprintf(stderr, "trace_bench: recorded run %lld in %s\n", (long long)id,
				results_db_path(db));
	}
	free(buf);
	free(ps);
	free(rs);
	return 0;
}
