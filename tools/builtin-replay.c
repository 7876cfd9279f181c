// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: run a trace, check its recorded results, optionally
 * record the replayed run as a trace (format: traces/README.md), and record
 * the run into the results store (docs/results.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sim/kernel.h>

#include "builtin.h"
#include "json.h"
#include "opt.h"
#include "outfile.h"
#include "progress.h"
#include "replay.h"
#include "results.h"
#include "stats.h"
#include "trace.h"

static const char replay_about[] =
	"Replays TRACE ('-' for stdin). Bare-metal traces run on a private copy of the\n"
	"core object of the trace's flavour, multi-VM traces in a world built from the\n"
	"header; recorded PASIDs are names mapped to the replayed IDs.\n";

static const char replay_footer[] =
	"--record writes to a temporary file renamed over OUT when the replay ends without\n"
	"an input error: OUT may be TRACE itself, and a failed run leaves it untouched.\n"
	"Exit: 0 ok, 1 divergence, finding or leak, 2 usage, input or unsupported trace.\n";

/* ---- recording into the results store ------------------------------------------ */

struct rec {
	struct results_run *run;
	char hash[64];
	bool have_hash;
	struct results_digest *digest;
	struct stats lat[TRACE_OP__NR];
	struct results_hist *hist[TRACE_OP__NR];
	uint64_t contentions, acquisitions;
	const char *path;
	int oom;
	bool nodb;			/* not recorded: the hooks only drive the progress line */
	unsigned long long nops;
	struct progress progress;
};

static void rec_op(void *arg, const struct replay_op *op)
{
	struct rec *rc = arg;
	uint64_t v = (uint64_t)op->op << 56 ^ (uint64_t)op->res << 48 ^
		     (uint64_t)(uint32_t)(op->kernel + 1) << 32 ^ (uint32_t)op->val;

	results_digest_add(rc->digest, v);
	if (op->timed && op->op >= 0 && op->op < TRACE_OP__NR) {
		uint64_t ns = op->end_ns - op->start_ns;

		if (!rc->hist[op->op]) {
			char name[64];

			snprintf(name, sizeof(name), "latency.%s", trace_op_name(op->op));
			rc->hist[op->op] = results_run_hist(rc->run, name, "ns", RESULTS_VIRTUAL);
		}
		if (rc->hist[op->op])
			results_hist_add(rc->hist[op->op], ns);
		if (stats_add(&rc->lat[op->op], ns))
			rc->oom = 1;
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

	if (rc->run && !rc->nodb)
		rec_op(arg, op);
	if (!(++rc->nops & 0xfff))
		progress_update(&rc->progress, "replay: %llu ops, at trace line %lu", rc->nops,
				op->line);
}

static void rec_kernel_checked(void *arg, const char *inst, struct sim_kernel *k)
{
	struct rec *rc = arg;

	if (rc->run && !rc->nodb)
		rec_kernel(arg, inst, k);
}

static struct rec *rec_begin(const char *path, bool nodb)
{
	struct rec *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return NULL;
	rc->path = path;
	rc->nodb = nodb;
	rc->have_hash = !nodb && !trace_digest(path, rc->hash, sizeof(rc->hash));
	return rc;
}

static void rec_free(struct rec *rc)
{
	if (!rc)
		return;
	for (int i = 0; i < TRACE_OP__NR; i++)
		stats_free(&rc->lat[i]);
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
			struct stats *l = &rc->lat[i];

			if (!l->n)
				continue;
			snprintf(name, sizeof(name), "virtual.%s.mean_ns", trace_op_name(i));
			results_metric(rc->run, name, "ns", RESULTS_LOWER, stats_mean(l));
			snprintf(name, sizeof(name), "virtual.%s.p50_ns", trace_op_name(i));
			results_metric(rc->run, name, "ns", RESULTS_LOWER, stats_pct(l, 50));
			snprintf(name, sizeof(name), "virtual.%s.p99_ns", trace_op_name(i));
			results_metric(rc->run, name, "ns", RESULTS_LOWER, stats_pct(l, 99));
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

static int timing_cb(const struct opt *opt, const char *arg, char *err, size_t len)
{
	struct replay_opts *o = opt->value;

	if (replay_parse_timing(arg, &o->timing, &o->scale)) {
		snprintf(err, len, "expected fast, recorded or scale:F with F >= 0");
		return -1;
	}
	return 0;
}

static const char *const flavours[] = { "pasidsim", "linux-6.1", "ida", NULL };

static void print_json(FILE *out, const char *path, const struct replay_stats *st, int ret)
{
	struct json j;

	json_init(&j, out);
	json_obj_begin(&j, NULL);
	json_str(&j, "command", "replay");
	json_str(&j, "trace", path);
	json_str(&j, "mode", st->mode);
	json_str(&j, "flavour", st->flavour);
	json_u64(&j, "seed", st->seed);
	json_u64(&j, "ops", st->ops);
	json_u64(&j, "errors", st->errors);
	json_u64(&j, "checked", st->checked);
	json_u64(&j, "unchecked", st->unchecked);
	json_u64(&j, "divergences", st->divergences);
	json_u64(&j, "first_divergence_line", st->div_line);
	json_u64(&j, "gaps", st->gaps);
	json_u64(&j, "findings", st->findings);
	json_u64(&j, "leaked", st->leaked);
	json_fixed(&j, "wall_s", st->wall_s, 6);
	json_fixed(&j, "ops_per_s", st->wall_s > 0 ? st->ops / st->wall_s : 0.0, 0);
	json_i64(&j, "exit", ret);
	if (st->world) {
		json_u64(&j, "virtual_ns", st->virtual_ns);
		json_str(&j, "cost_model", st->cost_model);
	}
	if (st->error[0])
		json_str(&j, "error", st->error);
	if (st->divergence[0])
		json_str(&j, "divergence", st->divergence);
	json_obj_end(&j);
}

static void print_text(FILE *out, const char *path, const struct replay_stats *st, int ret)
{
	fprintf(out, "pasidsim replay: %s (%s, flavour %s, seed %llu)\n", path, st->mode,
		st->flavour, (unsigned long long)st->seed);
	fprintf(out, "  ops %llu, errors %llu, checked %llu, unchecked %llu, "
		"divergences %llu, gaps %llu, findings %llu, leaked %llu\n", st->ops,
		st->errors, st->checked, st->unchecked, st->divergences, st->gaps, st->findings,
		st->leaked);
	fprintf(out, "  wall %.6f s, %.0f ops/s\n", st->wall_s,
		st->wall_s > 0 ? st->ops / st->wall_s : 0.0);
	if (st->world)
		fprintf(out, "  virtual %llu ns (cost model %s)\n",
			(unsigned long long)st->virtual_ns, st->cost_model);
	fprintf(out, "  result: %s\n", ret == 0 ? "OK" : ret == 1 ? "PROBLEM" : "ERROR");
}

struct replay_cli {
	const char *record, *dbopt;
	bool nodb, json, quiet;
	struct replay_opts o;
};

/* The options into @c: the number of arguments, OPT_HELP or OPT_ERROR. */
static int replay_parse(int argc, char **argv, struct replay_cli *c)
{
	int flavour = -1, check = 1, n;
	const struct opt opts[] = {
		OPT_FLAG(0, "check", &check, 1,
			 "compare every recorded result (default); the first divergence "
			 "is reported with its line, exit 1"),
		OPT_FLAG(0, "no-check", &check, 0, "do not compare results"),
		OPT_CB(0, "timing", &c->o, timing_cb, "MODE",
		       "fast (default), recorded (sleep the recorded gaps in wall-clock "
		       "time), scale:F (recorded gaps times F)"),
		OPT_DBL(0, "max-gap", &c->o.max_gap_s, 0, 1e6, "S",
			"recorded/scaled timing: sleep at most S seconds between two "
			"events (default 10; 0: no cap), with a warning when capped"),
		OPT_STR(0, "record", &c->record, "OUT",
			"write the replayed run as a trace to OUT ('-' for stdout)"),
		OPT_BOOLEAN(0, "any-flavour", &c->o.any_flavour,
			    "bare metal: if the trace's flavour is not built, replay on "
			    "the core linked into pasidsim instead of refusing"),
		OPT_CHOOSE(0, "flavour", &flavour, flavours, "NAME",
			   "run every kernel on allocator flavour NAME (pasidsim or "
			   "linux-6.1) instead of the trace's; --record writes NAME"),
		OPT_STR(0, "host-core", &c->o.host_core, "CORE",
			"world: the host runs core object CORE, e.g. a seeded bug's "
			"'pasidsim+BUG' (fuzz/bugbench)"),
		OPT_STR(0, "cost", &c->o.cost, "F=NS,...",
			"world: override cost-model fields (e.g. op_ns=500,poll_ns=20)"),
		OPT_DB(&c->dbopt),
		OPT_NO_DB(&c->nodb),
		OPT_JSON(&c->json),
		OPT_QUIET(&c->quiet),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"replay", "[options] TRACE", replay_about, replay_footer, 1, 1,
	};

	replay_opts_init(&c->o);
	n = opt_parse(&cmd, opts, argc, argv);
	c->o.check = check;
	if (flavour >= 0)
		c->o.flavour = flavours[flavour];
	return n;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_cli c = { 0 };
	struct replay_opts *o = &c.o;
	const char *path;
	struct outfile rec = { 0 };
	struct rec *rc = NULL;
	struct replay_stats st;
	char err[1024];
	int ret = replay_parse(argc, argv, &c);

	if (ret < 0)
		return ret == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	path = argv[1];
	if (c.record) {
		if (outfile_open(&rec, c.record, err, sizeof(err))) {
			fprintf(stderr, "replay: --record: %s\n", err);
			return PASIDSIM_EXIT_USAGE;
		}
		o->record = rec.f;
	}
	rc = rec_begin(path, c.nodb);
	if (!rc) {
		fprintf(stderr, "replay: out of memory\n");
		outfile_abort(&rec);
		return PASIDSIM_EXIT_USAGE;
	}
	if (!c.nodb)
		o->on_start = rec_start;
	o->on_op = rec_op_checked;
	o->on_kernel = rec_kernel_checked;
	o->hook_arg = rc;
	progress_start(&rc->progress, c.quiet || c.json ? NULL : stderr);
	ret = replay_file(path, o, &st);
	progress_end(&rc->progress);
	if (c.record) {
		/* an input error: what was written is not a replay of the trace; keep OUT */
		if (ret >= PASIDSIM_EXIT_USAGE) {
			outfile_abort(&rec);
		} else if (outfile_commit(&rec, err, sizeof(err))) {
			fprintf(stderr, "replay: --record: %s\n", err);
			ret = PASIDSIM_EXIT_USAGE;
		}
	}
	if (ret == PASIDSIM_EXIT_USAGE && st.error[0])
		fprintf(stderr, "replay: %s\n", st.error);
	if (st.divergence[0])
		fprintf(stderr, "replay: %s\n", st.divergence);
	{
		FILE *out = c.record && opt_is_stdio(c.record) ? stderr : stdout;

		if (c.json)
			print_json(out, path, &st, ret);
		else if (!c.quiet && (ret != PASIDSIM_EXIT_USAGE || st.ops))
			print_text(out, path, &st, ret);
	}
	/* input errors are not runs */
	if (!c.nodb && ret < PASIDSIM_EXIT_USAGE &&
	    rec_end(rc, results_db_path(c.dbopt), path, &st, ret) && !ret)
		ret = PASIDSIM_EXIT_USAGE;
	rec_free(rc);
	return ret;
}
