// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: run a trace, check its recorded results, optionally
 * record the replayed run as a trace (format: traces/README.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "replay.h"

static const char *const replay_usage =
	"usage: pasidsim replay [--check | --no-check] [--timing=fast|recorded|scale:F]\n"
	"                       [--record=OUT] [--any-flavour] [--json] TRACE\n\n"
	"Replays TRACE ('-' for stdin). Bare-metal traces run on the core linked into\n"
	"pasidsim; recorded PASIDs are names mapped to the replayed IDs.\n"
	"  --check        compare every recorded result (default); the first divergence\n"
	"                 is reported with its line and the exit status is 1\n"
	"  --no-check     do not compare results\n"
	"  --timing=MODE  fast (default), recorded (sleep the recorded gaps in wall-clock\n"
	"                 time), scale:F (recorded gaps times F)\n"
	"  --record=OUT   write the replayed run as a trace to OUT ('-' for stdout)\n"
	"  --any-flavour  replay even if the trace names another allocator flavour\n"
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

int cmd_replay(int argc, char **argv)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "no-check", no_argument, NULL, 'C' },
		{ "timing", required_argument, NULL, 't' },
		{ "record", required_argument, NULL, 'r' },
		{ "any-flavour", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *record = NULL, *path;
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
		case 'j':
			json = true;
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
		fprintf(out, "  result: %s\n", ret == 0 ? "OK" : ret == 1 ? "PROBLEM" : "ERROR");
	}
	return ret;
}
