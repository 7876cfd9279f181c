// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim import: a real kernel capture (ftrace / trace-cmd report / perf
 * script text of kprobe and kretprobe events, docs/recording.md) -> a
 * pasidsim trace (traces/README.md), through import_convert().
 *
 * import_convert() reads the capture twice, so standard input ("-") is
 * copied to a temporary file first. The output is written to a temporary
 * file beside -o OUT and renamed (tools/outfile.h), so a failed import
 * leaves no half trace behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "json.h"
#include "opt.h"
#include "outfile.h"
#include "progress.h"
#include "import.h"
#include "trace.h"

static const char import_about[] =
	"Converts a kernel capture of kprobe/kretprobe events on the PASID allocator\n"
	"(ftrace trace file or trace_pipe text, trace-cmd report, perf script; see\n"
	"docs/recording.md) into a pasidsim trace with recorded results, on OUT or\n"
	"standard output. CAPTURE '-' reads standard input. Lost events, ring-buffer\n"
	"overwrites and calls whose entry or return is missing become 'gap' events,\n"
	"each reported on standard error with its line.\n";

static const char import_footer[] =
	"OUT is written to a temporary file renamed when the import succeeds.\n"
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

static void print_json(FILE *f, const char *capture, const char *out,
		       const struct import_stats *st)
{
	struct json j;

	json_init(&j, f);
	json_obj_begin(&j, NULL);
	json_str(&j, "capture", capture);
	json_str(&j, "output", out);
	json_str(&j, "format", import_format_name(st->format));
	json_u64(&j, "lines", st->lines);
	json_u64(&j, "events", st->events);
	json_u64(&j, "entries", st->entries);
	json_u64(&j, "returns", st->returns);
	json_u64(&j, "pairs", st->pairs);
	json_u64(&j, "nested", st->nested);
	json_u64(&j, "unpaired_entries", st->unpaired_entries);
	json_u64(&j, "unpaired_returns", st->unpaired_returns);
	json_u64(&j, "gaps", st->gaps);
	json_u64(&j, "lost", st->lost);
	json_u64(&j, "lost_unknown", st->lost_unknown);
	json_u64(&j, "skipped_lines", st->skipped_lines);
	json_u64(&j, "unknown_events", st->unknown_events);
	json_u64(&j, "calls", st->ops);
	json_u64(&j, "unknown_results", st->unknown_results);
	json_u64(&j, "clamped", st->clamped);
	json_u64(&j, "unknown_frees", st->unknown_frees);
	json_i64(&j, "cpus", st->max_cpu + 1);
	json_obj_begin(&j, "per_function");
	for (int i = 0; i < IMPORT_FN__NR; i++)
		if (st->per_fn[i])
			json_u64(&j, import_fn_name(i), st->per_fn[i]);
	json_obj_end(&j);
	json_obj_begin(&j, "unknown_names");
	for (unsigned int i = 0; i < st->nr_unknown_names; i++)
		json_u64(&j, st->unknown[i].name, st->unknown[i].count);
	json_obj_end(&j);
	json_obj_end(&j);
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
	if (st->unknown_frees)
		fprintf(f, "  frees of IDs the capture never allocated: %lu\n", st->unknown_frees);
}

static const char *const formats[] = { "auto", "ftrace", "perf", NULL };
static const char *const flavours[] = { "pasidsim", "linux-6.1", NULL };

static void import_progress(void *arg, unsigned long lines, int pass)
{
	progress_update(arg, "import: pass %d of 2: %lu lines", pass, lines);
}

int cmd_import(int argc, char **argv)
{
	int fmt = IMPORT_FMT_AUTO, flavour = 0;
	const char *outpath = "-", *capture;
	bool json = false, quiet = false;
	struct import_stats st;
	struct outfile out;
	struct progress pr;
	char err[1024];
	FILE *in;
	int ret;
	const struct opt opts[] = {
		OPT_CHOOSE(0, "format", &fmt, formats, "FMT",
			   "capture format: auto (from the first event line), ftrace or perf"),
		OPT_CHOOSE(0, "flavour", &flavour, flavours, "NAME",
			   "allocator flavour the trace asks the replay to use (default "
			   "pasidsim)"),
		OPT_OUTPUT(&outpath, "write the trace to FILE ('-': standard output, the "
			   "default)"),
		OPT_JSON(&json),
		OPT_QUIET(&quiet),
		OPT_END(),
	};
	static const struct opt_cmd cmd = {
		"import", "[options] CAPTURE", import_about, import_footer, 1, 1,
	};
	int n = opt_parse(&cmd, opts, argc, argv);

	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	if (json && opt_is_stdio(outpath)) {
		fprintf(stderr, "pasidsim import: --json prints on standard output: it needs "
			"-o FILE for the trace\n");
		return PASIDSIM_EXIT_USAGE;
	}
	capture = argv[1];
	in = opt_is_stdio(capture) ? spool_stdin() : fopen(capture, "r");
	if (!in) {
		fprintf(stderr, "pasidsim import: %s: %s\n", capture, strerror(errno));
		return PASIDSIM_EXIT_USAGE;
	}
	if (outfile_open(&out, outpath, err, sizeof(err))) {
		fprintf(stderr, "pasidsim import: -o %s\n", err);
		fclose(in);
		return PASIDSIM_EXIT_USAGE;
	}
	progress_start(&pr, stderr);
	import_set_progress(import_progress, &pr);
	ret = import_convert(in, capture, fmt, flavour ? TRACE_FLAVOUR_LINUX61 :
			     TRACE_FLAVOUR_PASIDSIM, out.f, quiet ? NULL : stderr, &st, err,
			     sizeof(err));
	import_set_progress(NULL, NULL);
	progress_end(&pr);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		outfile_abort(&out);
		ret = PASIDSIM_EXIT_USAGE;
	} else if (outfile_commit(&out, err, sizeof(err))) {
		fprintf(stderr, "pasidsim import: %s\n", err);
		ret = PASIDSIM_EXIT_USAGE;
	}
	if (!ret) {
		if (json)
			print_json(stdout, capture, outpath, &st);
		else if (!quiet)
			print_text(stderr, capture, &st);
	}
	fclose(in);
	return ret;
}
