// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: run a trace, check its recorded results, optionally
 * record the replayed run as a trace (format: traces/README.md), and record
 * the run into the results store (docs/results.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sim/kernel.h>

#include "builtin.h"
#include "replay.h"
#include "results.h"
#include "trace.h"

static const char *const replay_usage =
	"usage: pasidsim replay [--check | --no-check] [--timing=fast|recorded|scale:F]\n"
	"                       [--record=OUT] [--any-flavour] [--flavour=NAME]\n"
	"                       [--cost=FIELD=NS,...]\n"
	"                       [--db=FILE | --no-db] [--json] TRACE\n\n"
	"Replays TRACE ('-' for stdin). Bare-metal traces run on a private copy of the\n"
	"core object of the trace's flavour, multi-VM traces in a world built from the\n"
	"header; recorded PASIDs are names mapped to the replayed IDs.\n"
	"  --check        compare every recorded result (default); the first divergence\n"
	"                 is reported with its line and the exit status is 1\n"
	"  --no-check     do not compare results\n"
	"  --timing=MODE  fast (default), recorded (sleep the recorded gaps in wall-clock\n"
	"                 time), scale:F (recorded gaps times F)\n"
	"  --record=OUT   write the replayed run as a trace to OUT ('-' for stdout)\n"
	"  --any-flavour  bare metal: if the trace's flavour is not built, replay on the\n"
	"                 core linked into pasidsim instead of refusing\n"
	"  --flavour=NAME run every kernel on allocator flavour NAME (pasidsim or\n"
	"                 linux-6.1) instead of the trace's; --record writes NAME\n"
	"  --cost=F=NS    world: override cost-model fields (e.g. op_ns=500,poll_ns=20)\n"
	"  --db=FILE      record the run into FILE (default $PASIDSIM_DB, else\n"
	"                 ./" RESULTS_DEFAULT_DB "); --no-db: do not record\n"
	"  --json         print the summary as JSON\n"
	"Exit: 0 ok, 1 divergence, finding or leak, 2 usage, input or unsupported trace.\n";

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* ---- recording into the results store ------------------------------------------ */

struct lat {
	uint64_t *v;
	size_t n, cap;
};

struct rec {
	struct results_run *run;
	char hash[64];
	bool have_hash;
	struct results_digest *digest;
	struct lat lat[TRACE_OP__NR];
	struct results_hist *hist[TRACE_OP__NR];
	uint64_t contentions, acquisitions;
	const char *path;
	int oom;
};

static void rec_op(void *arg, const struct replay_op *op)
{
	struct rec *rc = arg;
	uint64_t v = (uint64_t)op->op << 56 ^ (uint64_t)op->res << 48 ^
		     (uint64_t)(uint32_t)(op->kernel + 1) << 32 ^ (uint32_t)op->val;

	results_digest_add(rc->digest, v);
	if (op->timed && op->op >= 0 && op->op < TRACE_OP__NR) {
		struct lat *l = &rc->lat[op->op];
		uint64_t ns = op->end_ns - op->start_ns;

		if (!rc->hist[op->op]) {
			char name[64];

			snprintf(name, sizeof(name), "latency.%s", trace_op_name(op->op));
			rc->hist[op->op] = results_run_hist(rc->run, name, "ns", RESULTS_VIRTUAL);
		}
		if (rc->hist[op->op])
			results_hist_add(rc->hist[op->op], ns);
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 256;
			uint64_t *nv = realloc(l->v, cap * sizeof(*nv));

			if (!nv) {
				rc->oom = 1;
				return;
			}
			l->v = nv;
			l->cap = cap;
		}
		l->v[l->n++] = ns;
	}
}

struct lock_ctx {
	struct rec *rc;
	const char *inst;
};

static void rec_lock(const struct sim_lockstat *st, void *arg)
{
	struct lock_ctx *lc = arg;
	char name[160];
	struct results_lockstat l = {
		.name = name, .acquisitions = st->acquisitions,
		.contentions = st->contentions, .wait_min_ns = st->wait_min_ns,
		.wait_max_ns = st->wait_max_ns, .wait_total_ns = st->wait_total_ns,
		.hold_min_ns = st->hold_min_ns, .hold_max_ns = st->hold_max_ns,
		.hold_total_ns = st->hold_total_ns,
	};

	snprintf(name, sizeof(name), "%s:%s", lc->inst, st->name);
	results_lockstat_add(lc->rc->run, &l);
	lc->rc->contentions += st->contentions;
	lc->rc->acquisitions += st->acquisitions;
}

static void rec_kernel(void *arg, const char *inst, struct sim_kernel *k)
{
	struct rec *rc = arg;
	struct lock_ctx lc = { rc, inst };
	char msg[600];

	sim_lockstat_foreach(k, rec_lock, &lc);
	for (size_t i = 0; i < sim_findings_count(k, -1); i++) {
		const struct sim_finding *f = sim_finding_get(k, i);

		snprintf(msg, sizeof(msg), "%s: %s", inst, f->msg);
		results_finding(rc->run, sim_finding_kind_name(f->kind), msg, -1, rc->path);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A digest of the trace file: 64-bit, over its bytes (not cryptographic). */
static int trace_digest(const char *path, char *out, size_t len)
{
	struct results_digest d;
	unsigned char buf[65536];
	unsigned long long size = 0;
	FILE *f;
	size_t n;

	if (!strcmp(path, "-"))
		return -1;
	f = fopen(path, "rb");
	if (!f)
		return -1;
	results_digest_init(&d);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		size_t i;

		for (i = 0; i + 8 <= n; i += 8) {
			uint64_t w;

			memcpy(&w, buf + i, 8);
			results_digest_add(&d, w);
		}
		for (; i < n; i++)
			results_digest_add(&d, buf[i]);
		size += n;
	}
	fclose(f);
	snprintf(out, len, "digest64:%016" PRIx64 ":%llu", d.h, size);
	return 0;
}

/* The header is read: the scenario is known, the run begins. */
static void rec_start(void *arg, const struct replay_stats *st)
{
	struct rec *rc = arg;
	struct results_run_info info = {
		.command = "replay", .trace_hash = rc->have_hash ? rc->hash : NULL,
		.config = st->config, .flavour = st->flavour, .seed = st->seed,
		.cost_model = st->world ? st->cost_model : NULL, .git_dirty = -1,
	};

	rc->run = results_run_new(&info);
	if (rc->run)
		rc->digest = results_run_digest(rc->run);
	else
		rc->oom = 1;
}

static void rec_op_checked(void *arg, const struct replay_op *op)
{
	struct rec *rc = arg;

	if (rc->run)
		rec_op(arg, op);
}

static void rec_kernel_checked(void *arg, const char *inst, struct sim_kernel *k)
{
	struct rec *rc = arg;

	if (rc->run)
		rec_kernel(arg, inst, k);
}

static struct rec *rec_begin(const char *path)
{
	struct rec *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return NULL;
	rc->path = path;
	rc->have_hash = !trace_digest(path, rc->hash, sizeof(rc->hash));
	return rc;
}

static void rec_free(struct rec *rc)
{
	if (!rc)
		return;
	for (int i = 0; i < TRACE_OP__NR; i++)
		free(rc->lat[i].v);
	results_run_free(rc->run);
	free(rc);
}

/* Add the counts and metrics, commit. 0, or -1 (reported). */
static int rec_end(struct rec *rc, const char *dbpath, const char *path,
		   const struct replay_stats *st, int ret)
{
	char err[1024], name[96];
	struct results_db *db;
	int64_t id;

	if (!rc->run || rc->oom) {
		fprintf(stderr, "replay: not recorded: out of memory\n");
		return -1;
	}
	results_metric(rc->run, "replay.ops", "count", RESULTS_EQUAL, st->ops);
	results_metric(rc->run, "replay.errors", "count", RESULTS_EQUAL, st->errors);
	results_metric(rc->run, "replay.checked", "count", RESULTS_EQUAL, st->checked);
	results_metric(rc->run, "replay.divergences", "count", RESULTS_LOWER, st->divergences);
	results_metric(rc->run, "replay.findings", "count", RESULTS_LOWER, st->findings);
	if (st->world) {
		results_metric(rc->run, "virtual.total_ns", "ns", RESULTS_LOWER, st->virtual_ns);
		for (int i = 0; i < TRACE_OP__NR; i++) {
			struct lat *l = &rc->lat[i];
			double sum = 0;

			if (!l->n)
				continue;
			qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
			for (size_t j = 0; j < l->n; j++)
				sum += l->v[j];
			snprintf(name, sizeof(name), "virtual.%s.mean_ns", trace_op_name(i));
			results_metric(rc->run, name, "ns", RESULTS_LOWER, sum / l->n);
			snprintf(name, sizeof(name), "virtual.%s.p50_ns", trace_op_name(i));
			results_metric(rc->run, name, "ns", RESULTS_LOWER, l->v[(l->n - 1) / 2]);
			snprintf(name, sizeof(name), "virtual.%s.p99_ns", trace_op_name(i));
			results_metric(rc->run, name, "ns", RESULTS_LOWER,
				       l->v[(size_t)((l->n - 1) * 0.99)]);
		}
		results_metric(rc->run, "virtual.lock_acquisitions", "count", RESULTS_LOWER,
			       rc->acquisitions);
		results_metric(rc->run, "virtual.lock_contentions", "count", RESULTS_LOWER,
			       rc->contentions);
	}
	results_sample(rc->run, "wall.s", "s", RESULTS_LOWER, st->wall_s);
	results_sample(rc->run, "wall.ops_per_s", "ops/s", RESULTS_HIGHER,
		       st->wall_s > 0 ? st->ops / st->wall_s : 0);
	if (st->div_line)
		results_finding(rc->run, st->divergences ? "divergence" : "world-stopped",
				st->divergence, st->div_line, path);
	results_run_set_outcome(rc->run, st->ops, ret == 0 ? "ok" : "problem");
	results_run_set_duration(rc->run, st->wall_s * 1e9);
	db = results_open(dbpath, 0, err, sizeof(err));
	id = db ? results_run_commit(db, rc->run, err, sizeof(err)) : -1;
	results_close(db);
	if (id < 0) {
		fprintf(stderr, "replay: not recorded: %s\n", err);
		return -1;
	}
	fprintf(stderr, "replay: recorded run %lld in %s\n", (long long)id, dbpath);
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "no-check", no_argument, NULL, 'C' },
		{ "timing", required_argument, NULL, 't' },
		{ "record", required_argument, NULL, 'r' },
		{ "any-flavour", no_argument, NULL, 'a' },
		{ "flavour", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "cost", required_argument, NULL, 'k' },
		{ "db", required_argument, NULL, 'd' },
		{ "no-db", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *record = NULL, *path, *dbopt = NULL;
	bool nodb = false;
	struct rec *rc = NULL;
	struct replay_opts o;
	struct replay_stats st;
	bool json = false;
	FILE *rec = NULL;
	int opt, ret;

	replay_opts_init(&o);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o.check = true;
			break;
		case 'C':
			o.check = false;
			break;
		case 't':
			if (replay_parse_timing(optarg, &o.timing, &o.scale)) {
				fprintf(stderr, "replay: bad --timing '%s' (expected fast, recorded "
					"or scale:F with F >= 0)\n", optarg);
				return PASIDSIM_EXIT_USAGE;
			}
			break;
		case 'r':
			record = optarg;
			break;
		case 'a':
			o.any_flavour = true;
			break;
		case 'f':
			o.flavour = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'k':
			o.cost = optarg;
			break;
		case 'd':
			dbopt = optarg;
			nodb = false;
			break;
		case 'D':
			nodb = true;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			fputs(replay_usage, stderr);
			return PASIDSIM_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(replay_usage, stderr);
		return PASIDSIM_EXIT_USAGE;
	}
	path = argv[optind];
	if (record) {
		rec = strcmp(record, "-") ? fopen(record, "w") : stdout;
		if (!rec) {
			perror(record);
			return PASIDSIM_EXIT_USAGE;
		}
		o.record = rec;
	}
	if (!nodb) {
		rc = rec_begin(path);
		if (!rc) {
			fprintf(stderr, "replay: out of memory\n");
			return PASIDSIM_EXIT_USAGE;
		}
		o.on_start = rec_start;
		o.on_op = rec_op_checked;
		o.on_kernel = rec_kernel_checked;
		o.hook_arg = rc;
	}
	ret = replay_file(path, &o, &st);
	if (rec && rec != stdout && fclose(rec) && ret < 2) {
		perror(record);
		ret = PASIDSIM_EXIT_USAGE;
	}
	if (ret == PASIDSIM_EXIT_USAGE && st.error[0])
		fprintf(stderr, "replay: %s\n", st.error);
	if (st.divergence[0])
		fprintf(stderr, "replay: %s\n", st.divergence);
	if (json) {
		FILE *out = rec == stdout ? stderr : stdout;

		fprintf(out, "{\"command\":\"replay\",\"trace\":");
		json_str(out, path);
		fprintf(out, ",\"mode\":\"%s\",\"flavour\":\"%s\",\"seed\":%llu,\"ops\":%llu,"
			"\"errors\":%llu,\"checked\":%llu,\"unchecked\":%llu,\"divergences\":%llu,"
			"\"first_divergence_line\":%lu,\"gaps\":%llu,\"findings\":%llu,"
			"\"leaked\":%llu,\"wall_s\":%.6f,\"ops_per_s\":%.0f,\"exit\":%d",
			st.mode, st.flavour, (unsigned long long)st.seed, st.ops, st.errors,
			st.checked, st.unchecked, st.divergences, st.div_line, st.gaps,
			st.findings, st.leaked, st.wall_s,
			st.wall_s > 0 ? st.ops / st.wall_s : 0.0, ret);
		if (st.world)
			fprintf(out, ",\"virtual_ns\":%llu,\"cost_model\":\"%s\"",
				(unsigned long long)st.virtual_ns, st.cost_model);
		if (st.error[0]) {
			fprintf(out, ",\"error\":");
			json_str(out, st.error);
		}
		if (st.divergence[0]) {
			fprintf(out, ",\"divergence\":");
			json_str(out, st.divergence);
		}
		fprintf(out, "}\n");
	} else if (ret != PASIDSIM_EXIT_USAGE || st.ops) {
		FILE *out = rec == stdout ? stderr : stdout;

		fprintf(out, "pasidsim replay: %s (%s, flavour %s, seed %llu)\n", path, st.mode,
			st.flavour, (unsigned long long)st.seed);
		fprintf(out, "  ops %llu, errors %llu, checked %llu, unchecked %llu, "
			"divergences %llu, gaps %llu, findings %llu, leaked %llu\n", st.ops,
			st.errors, st.checked, st.unchecked, st.divergences, st.gaps, st.findings,
			st.leaked);
		fprintf(out, "  wall %.6f s, %.0f ops/s\n", st.wall_s,
			st.wall_s > 0 ? st.ops / st.wall_s : 0.0);
		if (st.world)
			fprintf(out, "  virtual %llu ns (cost model %s)\n",
				(unsigned long long)st.virtual_ns, st.cost_model);
		fprintf(out, "  result: %s\n", ret == 0 ? "OK" : ret == 1 ? "PROBLEM" : "ERROR");
	}
	/* input errors are not runs */
	if (rc && ret < PASIDSIM_EXIT_USAGE && rec_end(rc, results_db_path(dbopt), path, &st,
						       ret) && !ret)
		ret = PASIDSIM_EXIT_USAGE;
	rec_free(rc);
	return ret;
}
