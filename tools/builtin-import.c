// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim import: a real kernel capture (ftrace / trace-cmd report / perf
 * script text of kprobe and kretprobe events, docs/recording.md) -> a
 * pasidsim trace (traces/README.md), through import_convert().
 *
 * import_convert() reads the capture twice, so standard input ("-") is
 * copied to a temporary file first. The output is written to a temporary
 * file beside -o OUT and renamed, so a failed import leaves no half trace
 * behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "import.h"
#include "trace.h"

static const char *const import_usage =
	"usage: pasidsim import [--format=auto|ftrace|perf] [--flavour=pasidsim|linux-6.1]\n"
	"                       [-o OUT] [--json] CAPTURE\n\n"
	"Converts a kernel capture of kprobe/kretprobe events on the PASID allocator\n"
	"(ftrace trace file or trace_pipe text, trace-cmd report, perf script; see\n"
	"docs/recording.md) into a pasidsim trace with recorded results, on OUT or\n"
	"standard output. CAPTURE '-' reads standard input. Lost events, ring-buffer\n"
	"overwrites and calls whose entry or return is missing become 'gap' events,\n"
	"each reported on standard error with its line.\n\n"
	"  --format    capture format (default: auto, from the first event line)\n"
	"  --flavour   allocator flavour the trace asks the replay to use (default pasidsim)\n"
	"  -o OUT      write the trace to OUT (default: standard output)\n"
	"  --json      print the summary as JSON on standard output (needs -o)\n\n"
	"Exit status: 0 imported, 2 usage or input error (FILE:LINE:COL: expected ...).\n";

/* A seekable copy of standard input. */
static FILE *spool_stdin(void)
{
	FILE *f = tmpfile();
	char buf[65536];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (fwrite(buf, 1, n, f) != n) {
			fclose(f);
			return NULL;
		}
	}
	if (ferror(stdin) || fflush(f) || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return NULL;
	}
	return f;
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_json(FILE *f, const char *capture, const char *out,
		       const struct import_stats *st)
{
	fprintf(f, "{\"capture\":");
	json_str(f, capture);
	fprintf(f, ",\"output\":");
	json_str(f, out);
	fprintf(f, ",\"format\":\"%s\",\"lines\":%lu,\"events\":%lu,\"entries\":%lu,"
		"\"returns\":%lu,\"pairs\":%lu,\"nested\":%lu,\"unpaired_entries\":%lu,"
		"\"unpaired_returns\":%lu,\"gaps\":%lu,\"lost\":%" PRIu64 ",\"lost_unknown\":%lu,"
		"\"skipped_lines\":%lu,\"unknown_events\":%lu,\"calls\":%lu,"
		"\"unknown_results\":%lu,\"clamped\":%lu,\"cpus\":%d,\"per_function\":{",
		import_format_name(st->format), st->lines, st->events, st->entries, st->returns,
		st->pairs, st->nested, st->unpaired_entries, st->unpaired_returns, st->gaps,
		st->lost, st->lost_unknown, st->skipped_lines, st->unknown_events, st->ops,
		st->unknown_results, st->clamped, st->max_cpu + 1);
	for (int i = 0, n = 0; i < IMPORT_FN__NR; i++)
		if (st->per_fn[i])
			fprintf(f, "%s\"%s\":%lu", n++ ? "," : "", import_fn_name(i),
				st->per_fn[i]);
	fprintf(f, "},\"unknown_names\":{");
	for (unsigned int i = 0; i < st->nr_unknown_names; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_str(f, st->unknown[i].name);
		fprintf(f, ":%lu", st->unknown[i].count);
	}
	fprintf(f, "}}\n");
}

static void print_text(FILE *f, const char *capture, const struct import_stats *st)
{
	fprintf(f, "import: %s (%s): %lu lines, %lu events (%lu entries, %lu returns)\n",
		capture, import_format_name(st->format), st->lines, st->events, st->entries,
		st->returns);
	fprintf(f, "  paired %lu, nested calls folded %lu, unpaired entries %lu, "
		"unpaired returns %lu\n", st->pairs, st->nested, st->unpaired_entries,
		st->unpaired_returns);
	fprintf(f, "  gaps %lu (%" PRIu64 " events lost where counted, %lu of unknown size)\n",
		st->gaps, st->lost, st->lost_unknown);
	fprintf(f, "  skipped lines %lu, events of other functions %lu", st->skipped_lines,
		st->unknown_events);
	for (unsigned int i = 0; i < st->nr_unknown_names; i++)
		fprintf(f, "%s%s %lu", i ? ", " : " (", st->unknown[i].name, st->unknown[i].count);
	fprintf(f, "%s\n", st->nr_unknown_names ? ")" : "");
	fprintf(f, "  written: %lu call%s and %lu gap%s on %d CPU%s; results not recoverable %lu, "
		"timestamps clamped %lu\n", st->ops, st->ops == 1 ? "" : "s", st->gaps,
		st->gaps == 1 ? "" : "s", st->max_cpu + 1, st->max_cpu ? "s" : "",
		st->unknown_results, st->clamped);
}

int cmd_import(int argc, char **argv)
{
	enum { OPT_FORMAT = 256, OPT_FLAVOUR, OPT_JSON };
	static const struct option options[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "flavour", required_argument, NULL, OPT_FLAVOUR },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum import_format fmt = IMPORT_FMT_AUTO;
	enum trace_flavour flavour = TRACE_FLAVOUR_PASIDSIM;
	const char *outpath = NULL, *capture;
	struct import_stats st;
	char *tmppath = NULL, err[1024];
	FILE *in, *out = stdout;
	bool json = false;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:", options, NULL)) != -1) {
		switch (opt) {
		case OPT_FORMAT:
			if (import_format_parse(optarg, &fmt))
				goto usage;
			break;
		case OPT_FLAVOUR:
			if (!strcmp(optarg, "pasidsim"))
				flavour = TRACE_FLAVOUR_PASIDSIM;
			else if (!strcmp(optarg, "linux-6.1"))
				flavour = TRACE_FLAVOUR_LINUX61;
			else
				goto usage;
			break;
		case 'o':
			outpath = optarg;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			fputs(import_usage, stdout);
			return PASIDSIM_EXIT_OK;
		default:
			goto usage;
		}
	}
	if (argc - optind != 1 || (json && !outpath))
		goto usage;
	capture = argv[optind];
	in = strcmp(capture, "-") ? fopen(capture, "r") : spool_stdin();
	if (!in) {
		fprintf(stderr, "pasidsim import: %s: %s\n", capture, strerror(errno));
		return PASIDSIM_EXIT_USAGE;
	}
	if (outpath) {
		if (asprintf(&tmppath, "%s.tmp.%ld", outpath, (long)getpid()) < 0) {
			tmppath = NULL;
			ret = PASIDSIM_EXIT_USAGE;
			goto out_in;
		}
		out = fopen(tmppath, "w");
		if (!out) {
			fprintf(stderr, "pasidsim import: %s: %s\n", tmppath, strerror(errno));
			ret = PASIDSIM_EXIT_USAGE;
			goto out_tmp;
		}
	}
	ret = import_convert(in, capture, fmt, flavour, out, stderr, &st, err, sizeof(err));
	if (ret)
		fprintf(stderr, "%s\n", err);
	ret = ret ? PASIDSIM_EXIT_USAGE : 0;
	if (outpath) {
		if (fclose(out) && !ret) {
			fprintf(stderr, "pasidsim import: %s: %s\n", tmppath, strerror(errno));
			ret = PASIDSIM_EXIT_USAGE;
		}
		if (!ret && rename(tmppath, outpath)) {
			fprintf(stderr, "pasidsim import: %s: %s\n", outpath, strerror(errno));
			ret = PASIDSIM_EXIT_USAGE;
		}
		if (ret)
			unlink(tmppath);
	} else if (fflush(stdout) && !ret) {
		ret = PASIDSIM_EXIT_USAGE;
	}
	if (!ret) {
		if (json)
			print_json(stdout, capture, outpath, &st);
		else
			print_text(stderr, capture, &st);
	}
out_tmp:
	free(tmppath);
out_in:
	fclose(in);
	return ret;
usage:
	fputs(import_usage, stderr);
	return PASIDSIM_EXIT_USAGE;
}
