// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of pasidsim import (tools/import.c): the line parser on every
 * layout it accepts, lost-event markers, pairing (interleaved CPUs, nested
 * calls, migration, lost entries and returns), ordering and time, errors
 * with their positions, and the whole conversion of the captures under
 * traces/captures/: the trace written parses back to the same events, the
 * imported sample under traces/samples/ is exactly what the importer
 * writes today, and it replays in check mode without a divergence.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "import.h"
#include "replay.h"
#include "trace.h"

#define CAPTURES	PASIDSIM_SOURCE_DIR "/traces/captures/"
#define SAMPLES		PASIDSIM_SOURCE_DIR "/traces/samples/"
#define MAX_OUT		128

/* ---- helpers ---------------------------------------------------------------- */

/* What an import handed to its sink: each event formatted as a trace line. */
struct out {
	int n;
	char line[MAX_OUT][512];
	unsigned long src[MAX_OUT];	/* capture line of each */
};

static int collect(void *arg, const struct trace_event *ev, unsigned long line)
{
	struct out *o = arg;

	cr_assert_lt(o->n, MAX_OUT);
	cr_assert_geq(trace_format_event(o->line[o->n], sizeof(o->line[0]), ev), 0);
	o->src[o->n++] = line;
	return 0;
}

struct run {
	struct out out;
	struct import_stats st;
	int ret;
	char err[512];
	char *diag;
	size_t diag_len;
};

/* Import @text (lines separated by '\n') through the importer. */
static void run_text(struct run *r, enum import_format fmt, const char *text)
{
	FILE *diag = open_memstream(&r->diag, &r->diag_len);
	struct importer *im;
	const char *p = text;

	cr_assert_not_null(diag);
	memset(&r->out, 0, sizeof(r->out));
	im = importer_new(fmt, "cap", collect, &r->out, diag);
	cr_assert_not_null(im);
	r->ret = 0;
	while (*p && !r->ret) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		r->ret = importer_feed(im, p, len);
		p += len + (nl != NULL);
	}
	if (!r->ret)
		r->ret = importer_finish(im);
	snprintf(r->err, sizeof(r->err), "%s", importer_error(im) ? importer_error(im) : "");
	r->st = *importer_stats(im);
	importer_free(im);
	fclose(diag);
}

static void run_free(struct run *r)
{
	free(r->diag);
}

/* Event @i without its leading time. */
static const char *body(const struct run *r, int i)
{
	const char *s = r->out.line[i];

	cr_assert_lt(i, r->out.n);
	return strchr(s, ' ') + 1;
}

static uint64_t time_of(const struct run *r, int i)
{
	cr_assert_lt(i, r->out.n);
	return strtoull(r->out.line[i], NULL, 10);
}

static struct import_rec parse1(enum import_format fmt, const char *line)
{
	struct import_rec rec;
	unsigned int col;
	char msg[256];
	int ret = import_parse_line(&fmt, line, strlen(line), &rec, &col, msg, sizeof(msg));

	cr_assert_eq(ret, 0, "parse of '%s' failed at column %u: %s", line, col, msg);
	return rec;
}

static void parse_fails(enum import_format fmt, const char *line, unsigned int want_col,
			const char *want_msg)
{
	struct import_rec rec;
	unsigned int col;
	char msg[256];
	int ret = import_parse_line(&fmt, line, strlen(line), &rec, &col, msg, sizeof(msg));

	cr_assert_eq(ret, -1, "'%s' parsed", line);
	cr_expect_eq(col, want_col, "'%s': column %u, expected %u (%s)", line, col, want_col, msg);
	cr_expect(strstr(msg, want_msg), "'%s': message '%s' lacks '%s'", line, msg, want_msg);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = n;
	return buf;
}

/* The whole conversion of a capture file, the trace text in memory. */
static char *convert_file(const char *name, struct import_stats *st, size_t *len)
{
	char path[512], err[512], *text = NULL;
	FILE *in, *out;
	int ret;

	snprintf(path, sizeof(path), CAPTURES "%s", name);
	in = fopen(path, "r");
	cr_assert_not_null(in, "%s", path);
	out = open_memstream(&text, len);
	cr_assert_not_null(out);
	ret = import_convert(in, path, IMPORT_FMT_AUTO, TRACE_FLAVOUR_PASIDSIM, out, NULL, st,
			     err, sizeof(err));
	fclose(out);
	fclose(in);
	cr_assert_eq(ret, 0, "%s: %s", name, err);
	return text;
}

/* ---- the line parser ------------------------------------------------------------- */

Test(import, ftrace_raw_line_with_flags)
{
	struct import_rec r = parse1(IMPORT_FMT_AUTO,
		"       idxd_test-2001    [001] d..1.   912.104570: ioasid_alloc: "
		"(ioasid_alloc+0x0/0x1b0) set=0xffffffff8a5c3e40 min=1 max=1048575 "
		"private=0xffff8881053a2c00");

	cr_assert_eq(r.kind, IMPORT_REC_ENTRY);
	cr_expect_eq(r.fn, IMPORT_FN_IOASID_ALLOC);
	cr_expect_eq(r.cpu, 1);
	cr_expect_eq(r.pid, 2001);
	cr_expect_eq(r.ts, 912104570000ull);
	cr_expect_eq(r.argmask, 0xf);
	cr_expect_eq(r.arg[0], 0xffffffff8a5c3e40ull);
	cr_expect_eq(r.arg[1], 1);
	cr_expect_eq(r.arg[2], 1048575);
	cr_expect_eq(r.arg[3], 0xffff8881053a2c00ull);
	cr_expect_str_eq(r.event, "ioasid_alloc");
}

Test(import, tracecmd_nine_decimals_no_flags)
{
	struct import_rec r = parse1(IMPORT_FMT_AUTO,
		"        modprobe-412   [000]   204.118329733: ioasid_alloc_ret:     "
		"(ffffffff8176f6a0 <- ffffffffc0a215c7) ret=0x1");

	cr_assert_eq(r.kind, IMPORT_REC_RETURN);
	cr_expect_eq(r.fn, IMPORT_FN_IOASID_ALLOC);
	cr_expect_eq(r.cpu, 0);
	cr_expect_eq(r.pid, 412);
	cr_expect_eq(r.ts, 204118329733ull);
	cr_expect(r.has_ret);
	cr_expect_eq(r.ret, 1);
}

Test(import, tracecmd_without_cpu_column)
{
	struct import_rec r = parse1(IMPORT_FMT_AUTO,
		"     kworker/1:0-97    4521.003817: p_ioasid_free_0: (ffffffff8176f860) "
		"arg1=0x11");

	cr_assert_eq(r.kind, IMPORT_REC_ENTRY);
	cr_expect_eq(r.fn, IMPORT_FN_IOASID_FREE);
	cr_expect_eq(r.cpu, -1);
	cr_expect_eq(r.pid, 97);
	cr_expect_eq(r.arg[0], 17);
	cr_expect_eq(r.ts, 4521003817000ull);
}

Test(import, ftrace_tgid_column_and_comm_with_spaces)
{
	struct import_rec r = parse1(IMPORT_FMT_FTRACE,
		"  Web Content-4410  (4400)  [003] ...1.  10.000002: ioasid_free: "
		"(ioasid_free+0x0/0xc0) ioasid=5");

	cr_assert_eq(r.kind, IMPORT_REC_ENTRY);
	cr_expect_eq(r.pid, 4410);
	cr_expect_eq(r.cpu, 3);
	cr_expect_eq(r.arg[0], 5);
}

Test(import, perf_script_tid_and_pid_tid)
{
	enum import_format fmt = IMPORT_FMT_AUTO;
	struct import_rec r = parse1(fmt,
		"       idxd_test  2001 [001]   912.104581:  probe:ioasid_alloc__return: "
		"(ffffffff8176f6a0 <- ffffffff8177a32f) arg1=0x1");

	cr_assert_eq(r.kind, IMPORT_REC_RETURN);
	cr_expect_eq(r.fn, IMPORT_FN_IOASID_ALLOC);
	cr_expect_eq(r.pid, 2001);
	cr_expect_eq(r.cpu, 1);
	cr_expect_eq(r.ret, 1);
	r = parse1(fmt, "     kworker/0:2   150/153   [000]   912.250020:   probe:ioasid_find: "
		   "(ffffffff8176f9e0) set=0xffffffffc09a4100 ioasid=4 getter=0x0");
	cr_assert_eq(r.kind, IMPORT_REC_ENTRY);
	cr_expect_eq(r.fn, IMPORT_FN_IOASID_FIND);
	cr_expect_eq(r.pid, 153, "pairing uses the thread id");
	cr_expect_eq(r.argmask, 0x7);
}

Test(import, format_is_detected_and_then_enforced)
{
	enum import_format fmt = IMPORT_FMT_AUTO;
	struct import_rec rec;
	unsigned int col;
	char msg[256];
	const char *perf = "  x  12 [000] 1.000001: probe:ioasid_free: (ffffffff8176f860) ioasid=1";
	const char *ftrace = "  x-12 [000] 1.000001: ioasid_free: (ioasid_free+0x0/0x10) ioasid=1";

	cr_assert_eq(import_parse_line(&fmt, perf, strlen(perf), &rec, &col, msg, sizeof(msg)), 0);
	cr_assert_eq(fmt, IMPORT_FMT_PERF);
	cr_assert_eq(import_parse_line(&fmt, ftrace, strlen(ftrace), &rec, &col, msg, sizeof(msg)),
		     -1);
	cr_expect_eq(col, 3);
	cr_expect(strstr(msg, "expected a perf script task"), "%s", msg);
	parse_fails(IMPORT_FMT_FTRACE, perf, 6, "expected an ftrace task");
}

Test(import, hex_and_decimal_arguments_agree)
{
	struct import_rec a = parse1(IMPORT_FMT_AUTO,
		"  k-9 [000] 1.000000: ioasid_alloc: (ioasid_alloc+0x0/0x10) "
		"set=0xffffffffc09a4100 min=0x10 max=0x3E8 private=0x0");
	struct import_rec b = parse1(IMPORT_FMT_AUTO,
		"  k-9 [000] 1.000000: ioasid_alloc: (ioasid_alloc+0x0/0x10) "
		"set=18446744072645918976 min=16 max=1000 private=0");

	cr_expect_eq(a.argmask, b.argmask);
	for (int i = 0; i < 4; i++)
		cr_expect_eq(a.arg[i], b.arg[i], "argument %d", i);
	a = parse1(IMPORT_FMT_AUTO, "  k-9 [000] 1.000001: ioasid_set_data_ret: "
		   "(vdev+0x5b/0x90 [vdev] <- ioasid_set_data) ret=-2");
	b = parse1(IMPORT_FMT_AUTO, "  k-9 [000] 1.000001: ioasid_set_data_ret: "
		   "(vdev+0x5b/0x90 [vdev] <- ioasid_set_data) ret=0xfffffffffffffffe");
	cr_expect_eq(a.ret, b.ret);
}

Test(import, positional_and_named_arguments)
{
	struct import_rec r = parse1(IMPORT_FMT_AUTO,
		"  k-9 [000] 1.000000: p_iommu_pasid_alloc_0: (iommu_pasid_alloc+0x0/0x1c0 [core]) "
		"arg1=0xffff888100d4e000 arg2=1 max=255 arg4=0x0 comm=\"a b\" extra=7");

	cr_assert_eq(r.kind, IMPORT_REC_ENTRY);
	cr_expect_eq(r.fn, IMPORT_FN_PASID_ALLOC);
	cr_expect_eq(r.argmask, 0xf);
	cr_expect_eq(r.arg[2], 255);
	/* iommu_pasid_init's range is not a parameter: no positional form */
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: iommu_pasid_init: "
		    "(iommu_pasid_init+0x0/0x10) arg1=0x1 arg2=0 arg3=0", 86,
		    "expected argument 'min'");
}

Test(import, event_name_variants)
{
	static const struct {
		const char *name;
		enum import_fn fn;
		enum import_rec_kind kind;
	} cases[] = {
		{ "p_ioasid_alloc_0", IMPORT_FN_IOASID_ALLOC, IMPORT_REC_ENTRY },
		{ "r_ioasid_alloc_0", IMPORT_FN_IOASID_ALLOC, IMPORT_REC_RETURN },
		{ "probe:ioasid_free__return", IMPORT_FN_IOASID_FREE, IMPORT_REC_RETURN },
		{ "probe:ioasid_free_1", IMPORT_FN_IOASID_FREE, IMPORT_REC_ENTRY },
		{ "iommu_pasid_exit_ret", IMPORT_FN_PASID_EXIT, IMPORT_REC_RETURN },
		{ "iommu_pasid_exit_return", IMPORT_FN_PASID_EXIT, IMPORT_REC_RETURN },
		{ "iommu_pasid_exit_entry", IMPORT_FN_PASID_EXIT, IMPORT_REC_ENTRY },
		{ "iommu_sva_alloc_pasid__return_2", IMPORT_FN_SVA_ALLOC_PASID, IMPORT_REC_RETURN },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[256];
		struct import_rec r;

		snprintf(line, sizeof(line), "  x  7 [000] 1.5: %s: (ffffffff81000000%s) "
			 "ioasid=1 pasid=0x1 mm=0x1 set=0x1 min=1 max=2 private=0x0", cases[i].name,
			 cases[i].kind == IMPORT_REC_RETURN ? " <- ffffffff81000100" : "");
		r = parse1(IMPORT_FMT_PERF, line);
		cr_expect_eq(r.kind, cases[i].kind, "%s", cases[i].name);
		cr_expect_eq(r.fn, cases[i].fn, "%s", cases[i].name);
	}
}

Test(import, location_names_the_function)
{
	/* a custom event name: the location says which function, and entry or return */
	struct import_rec r = parse1(IMPORT_FMT_AUTO, "  k-9 [000] 1.000000: mine: "
				     "(iommu_sva_alloc_pasid+0x6f/0xb0 <- ioasid_alloc) rc=4");

	cr_expect_eq(r.kind, IMPORT_REC_RETURN);
	cr_expect_eq(r.fn, IMPORT_FN_IOASID_ALLOC);
	cr_expect_eq(r.ret, 4);
	/* a probe inside the function is not its entry */
	r = parse1(IMPORT_FMT_AUTO, "  k-9 [000] 1.000000: mid: (ioasid_alloc+0x2c/0x1b0) x=1");
	cr_expect_eq(r.kind, IMPORT_REC_UNKNOWN);
	cr_expect_str_eq(r.event, "mid");
}

Test(import, timestamps_six_and_nine_decimals)
{
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "  k-9 [000] 0.000001: other: x=1").ts, 1000);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "  k-9 [000] 0.000000001: other: x=1").ts, 1);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "  k-9 [000] 12.5: other: x=1").ts, 12500000000ull);
}

Test(import, lost_markers)
{
	struct import_rec r;

	r = parse1(IMPORT_FMT_AUTO, "CPU:3 [LOST 17 EVENTS]");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_eq(r.cpu, 3);
	cr_expect(r.lost_known);
	cr_expect_eq(r.lost, 17);
	r = parse1(IMPORT_FMT_AUTO, "CPU:1 [204600 EVENTS DROPPED]");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_eq(r.lost, 204600);
	r = parse1(IMPORT_FMT_AUTO, "CPU:0 [EVENTS DROPPED]");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_not(r.lost_known);
	r = parse1(IMPORT_FMT_AUTO, "CPU 2 events lost");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_eq(r.cpu, 2);
	r = parse1(IMPORT_FMT_AUTO, "[LOST EVENTS]");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_eq(r.cpu, -1);
	r = parse1(IMPORT_FMT_AUTO, "CPU 3 is empty");
	cr_expect_eq(r.kind, IMPORT_REC_SKIP);
	r = parse1(IMPORT_FMT_AUTO,
		   "            perf     0 [002]   912.104700: PERF_RECORD_LOST lost 5");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_eq(r.cpu, 2);
	cr_expect_eq(r.lost, 5);
	cr_expect_eq(r.ts, 912104700000ull);
	r = parse1(IMPORT_FMT_AUTO, "0 0x5a8 [0x30]: PERF_RECORD_LOST lost 17");
	cr_expect_eq(r.kind, IMPORT_REC_LOST);
	cr_expect_eq(r.lost, 17);
	r = parse1(IMPORT_FMT_AUTO, "Processed 912 events and lost 3 chunks!");
	cr_expect_eq(r.kind, IMPORT_REC_LOST_SUMMARY);
	cr_expect_eq(r.lost, 3);
}

Test(import, headers)
{
	struct import_rec r;

	r = parse1(IMPORT_FMT_AUTO, "# entries-in-buffer/entries-written: 11/33   #P:2");
	cr_expect_eq(r.kind, IMPORT_REC_OVERWRITE);
	cr_expect_eq(r.lost, 22);
	cr_expect_eq(r.declared_cpus, 2);
	r = parse1(IMPORT_FMT_AUTO, "# entries-in-buffer/entries-written: 34/34   #P:4");
	cr_expect_eq(r.kind, IMPORT_REC_SKIP, "nothing overwritten");
	cr_expect_eq(r.declared_cpus, 4);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "cpus=8").declared_cpus, 8);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "version = 6").kind, IMPORT_REC_SKIP);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "# tracer: nop").kind, IMPORT_REC_SKIP);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "").kind, IMPORT_REC_SKIP);
	cr_expect_eq(parse1(IMPORT_FMT_AUTO, "\t ffffffff8176f6a0 ioasid_alloc+0x0 "
			    "([kernel.kallsyms])").kind, IMPORT_REC_SKIP);
}

Test(import, errors_name_the_column)
{
	parse_fails(IMPORT_FMT_AUTO, "hello world", 1, "expected an event line");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_alloc: (ioasid_alloc+0x0/0x10) "
		    "set=0x1 min=zz max=3 private=0", 68, "expected a number");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_alloc: (ioasid_alloc+0x0/0x10 "
		    "set=0x1", 32, "expected ')'");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x10) 5",
		    54, "expected NAME=VALUE");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x10) id=1 "
		    "x=\"open", 61, "closing");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x10)", 53,
		    "expected argument 'ioasid'");
	parse_fails(IMPORT_FMT_AUTO, "  kworker [000] 1.0: ioasid_free: (x) ioasid=1", 3,
		    "expected the task");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_free_ret: (a <- ioasid_free) ret=x",
		    58, "return value");
}

Test(import, importer_errors_name_file_line_and_column)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		 "# tracer: nop\n"
		 "  k-9 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x10) ioasid=1\n"
		 "  k-9 [000] 1.1: ioasid_free: (ioasid_free+0x0/0x10) ioasid=0xzz\n");
	cr_expect_eq(r.ret, -1);
	cr_expect_str_eq(r.err, "cap:3:61: expected a number (decimal or 0x hex) for 'ioasid'");
	cr_expect_eq(r.out.n, 0, "nothing is handed out past an open call");
	run_free(&r);
}

/* ---- pairing, order, gaps ------------------------------------------------------- */

Test(import, interleaved_cpus_pair_per_task_in_entry_order)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-10 [000] 1.000000: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0x5 min=1 max=9 "
		"private=0xa\n"
		"  b-20 [001] 1.000002: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0x5 min=1 max=9 "
		"private=0xb\n"
		"  b-20 [001] 1.000003: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=1\n"
		"  a-10 [000] 1.000004: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=2\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 2);
	cr_expect_str_eq(body(&r, 0), "host 0 ioasid_alloc set=0x5 min=1 max=9 priv=0xa = 2");
	cr_expect_str_eq(body(&r, 1), "host 1 ioasid_alloc set=0x5 min=1 max=9 priv=0xb = 1");
	cr_expect_eq(time_of(&r, 0), 0);
	cr_expect_eq(time_of(&r, 1), 2000);
	cr_expect_eq(r.st.pairs, 2);
	cr_expect_eq(r.st.gaps, 0);
	run_free(&r);
}

Test(import, a_task_that_migrates_still_pairs)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-10 [000] 1.0: iommu_sva_alloc_pasid: (iommu_sva_alloc_pasid+0x0/0x1) mm=0x77 "
		"min=1 max=99\n"
		"  a-10 [003] 1.1: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0x5 min=1 max=99 "
		"private=0x77\n"
		"  a-10 [003] 1.2: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=7\n"
		"  a-10 [002] 1.3: iommu_sva_alloc_pasid_ret: (f+0x1/0x2 <- iommu_sva_alloc_pasid) "
		"ret=0\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 1);
	cr_expect_str_eq(body(&r, 0), "host 0 iommu_sva_alloc_pasid mm=0x77 min=1 max=99 = 7",
			 "the nested ioasid_alloc gives the PASID; the CPU is the entry's");
	cr_expect_eq(r.st.nested, 1);
	cr_expect_eq(r.st.pairs, 2);
	run_free(&r);
}

Test(import, idle_tasks_pair_per_cpu)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  <idle>-0 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x1) ioasid=1\n"
		"  <idle>-0 [001] 1.1: ioasid_free: (ioasid_free+0x0/0x1) ioasid=2\n"
		"  <idle>-0 [000] 1.2: ioasid_free_ret: (f+0x1/0x2 <- ioasid_free)\n"
		"  <idle>-0 [001] 1.3: ioasid_free_ret: (f+0x1/0x2 <- ioasid_free)\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_expect_eq(r.st.pairs, 2);
	cr_expect_eq(r.st.unpaired_entries, 0);
	cr_expect_eq(r.st.gaps, 0);
	cr_assert_eq(r.out.n, 2);
	cr_expect_str_eq(body(&r, 0), "host 0 ioasid_free id=1");
	cr_expect_str_eq(body(&r, 1), "host 1 ioasid_free id=2");
	run_free(&r);
}

Test(import, nested_calls_fold_into_the_outer_call)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  m-4 [000] 1.0: iommu_pasid_alloc: (iommu_pasid_alloc+0x0/0x1) pasid=0xc0 min=1 "
		"max=50 private=0xd0\n"
		"  m-4 [000] 1.1: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0xc8 min=1 max=50 "
		"private=0xd0\n"
		"  m-4 [000] 1.2: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=9\n"
		"  m-4 [000] 1.3: iommu_pasid_alloc_ret: (f+0x1/0x2 <- iommu_pasid_alloc) ret=0\n"
		"  m-4 [000] 1.4: iommu_pasid_exit: (iommu_pasid_exit+0x0/0x1) pasid=0xc0\n"
		"  m-4 [000] 1.5: ioasid_free: (ioasid_free+0x0/0x1) ioasid=9\n"
		"  m-4 [000] 1.6: ioasid_free_ret: (f+0x1/0x2 <- ioasid_free)\n"
		"  m-4 [000] 1.7: iommu_pasid_exit_ret: (f+0x1/0x2 <- iommu_pasid_exit)\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 2);
	cr_expect_str_eq(body(&r, 0), "host 0 iommu_pasid_alloc c=0xc0 min=1 max=50 priv=0xd0 = 9");
	cr_expect_str_eq(body(&r, 1), "host 0 iommu_pasid_exit c=0xc0");
	cr_expect_eq(r.st.nested, 2);
	cr_expect_eq(r.st.ops, 2);
	run_free(&r);
}

Test(import, return_without_entry_is_a_gap)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-10 [002] 5.0: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=3\n"
		"  a-10 [002] 5.5: ioasid_free: (ioasid_free+0x0/0x1) ioasid=3\n"
		"  a-10 [002] 5.6: ioasid_free_ret: (f+0x1/0x2 <- ioasid_free)\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 2);
	cr_expect_str_eq(body(&r, 0), "host 2 gap lost=1 reason=lost-entry");
	cr_expect_eq(r.out.src[0], 1);
	cr_expect_str_eq(body(&r, 1), "host 2 ioasid_free id=3");
	cr_expect_eq(r.st.unpaired_returns, 1);
	cr_expect_eq(r.st.gaps, 1);
	cr_expect(strstr(r.diag, "cap:1: gap: return of ioasid_alloc (pid 10, CPU 2) without its "
			 "entry"), "%s", r.diag);
	run_free(&r);
}

Test(import, entry_whose_return_was_lost_is_written_without_result_then_a_gap)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-10 [000] 1.0: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0x5 min=1 max=9 "
		"private=0x0\n"
		"  b-11 [001] 1.1: ioasid_find: (ioasid_find+0x0/0x1) set=0x5 ioasid=1 getter=0x0\n"
		"  a-10 [000] 1.2: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0x5 min=1 max=9 "
		"private=0x0\n"
		"  a-10 [000] 1.3: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=2\n"
		"  b-11 [001] 1.4: ioasid_find_ret: (f+0x1/0x2 <- ioasid_find) ret=0x0\n"
		"  a-10 [000] 1.5: ioasid_free: (ioasid_free+0x0/0x1) ioasid=2\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 5);
	cr_expect_str_eq(body(&r, 0), "host 0 ioasid_alloc set=0x5 min=1 max=9 priv=null");
	cr_expect_str_eq(body(&r, 1), "host 0 gap lost=1 reason=lost-return");
	cr_expect_str_eq(body(&r, 2), "host 1 ioasid_find set=0x5 id=1 = null");
	cr_expect_str_eq(body(&r, 3), "host 0 ioasid_alloc set=0x5 min=1 max=9 priv=null = 2");
	cr_expect_str_eq(body(&r, 4), "host 0 ioasid_free id=2",
			 "an entry still open at the end is written, without a gap");
	cr_expect_eq(r.st.unpaired_entries, 2);
	cr_expect_eq(r.st.gaps, 1);
	cr_expect(strstr(r.diag, "cap:1: gap: ioasid_alloc entered here (pid 10, CPU 0) never "
			 "returned before line 3"), "%s", r.diag);
	cr_expect(strstr(r.diag, "cap:6: note: ioasid_free entered here"), "%s", r.diag);
	run_free(&r);
}

Test(import, lost_events_and_overwrite_become_gaps)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"# entries-in-buffer/entries-written: 3/10   #P:4\n"
		"  a-10 [000] 2.0: ioasid_free: (ioasid_free+0x0/0x1) ioasid=1\n"
		"  a-10 [000] 2.1: ioasid_free_ret: (f+0x1/0x2 <- ioasid_free)\n"
		"CPU:3 [LOST 40 EVENTS]\n"
		"  a-10 [000] 2.3: ioasid_free: (ioasid_free+0x0/0x1) ioasid=2\n"
		"CPU:1 [EVENTS DROPPED]\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 5);
	cr_expect_str_eq(r.out.line[0], "0 host 0 gap lost=7 reason=overwrite");
	cr_expect_str_eq(body(&r, 1), "host 0 ioasid_free id=1");
	cr_expect_str_eq(r.out.line[2], "100000000 host 3 gap lost=40 reason=lost-events");
	/* the open free on CPU 0 was entered before the CPU 1 gap: it comes first */
	cr_expect_str_eq(body(&r, 3), "host 0 ioasid_free id=2");
	cr_expect_str_eq(r.out.line[4], "300000000 host 1 gap reason=lost-events");
	cr_expect_eq(r.st.gaps, 3, "overwrite, LOST 40 and the unknown drop");
	cr_expect_eq(r.st.lost, 47);
	cr_expect_eq(r.st.lost_unknown, 1);
	cr_expect_eq(r.st.declared_cpus, 4);
	cr_expect(strstr(r.diag, "cap:4: gap: CPU 3 lost 40 events here"), "%s", r.diag);
	cr_expect(strstr(r.diag, "cap:6: gap: CPU 1 lost an unknown number of events here"),
		  "%s", r.diag);
	cr_expect(strstr(r.diag, "cap:1: gap: the ring buffer overwrote its oldest 7 events"),
		  "%s", r.diag);
	run_free(&r);
}

Test(import, unknown_events_are_skipped_and_counted)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-1 [000] 1.0: sched_switch: prev_comm=a prev_pid=1 ==> next_comm=b next_pid=2\n"
		"  a-1 [000] 1.1: sched_switch: prev_comm=b prev_pid=2 ==> next_comm=a next_pid=1\n"
		"  a-1 [000] 1.2: p_kmalloc_0: (__kmalloc+0x0/0x30) arg1=64\n"
		"  a-1 [000] 1.3: ioasid_free: (ioasid_free+0x0/0x1) ioasid=1\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_expect_eq(r.st.unknown_events, 3);
	cr_assert_eq(r.st.nr_unknown_names, 2);
	cr_expect_str_eq(r.st.unknown[0].name, "sched_switch");
	cr_expect_eq(r.st.unknown[0].count, 2);
	cr_expect_str_eq(r.st.unknown[1].name, "p_kmalloc_0");
	cr_expect_eq(r.st.unknown[1].count, 1);
	cr_expect_eq(r.out.n, 1);
	cr_expect_eq(time_of(&r, 0), 0, "time starts at the first probe event");
	run_free(&r);
}

Test(import, time_never_goes_back)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-1 [000] 3.000010: ioasid_free: (ioasid_free+0x0/0x1) ioasid=1\n"
		"  b-2 [001] 3.000004: ioasid_free: (ioasid_free+0x0/0x1) ioasid=2\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 2);
	cr_expect_eq(time_of(&r, 0), 0);
	cr_expect_eq(time_of(&r, 1), 0, "clock skew between CPUs: clamped");
	cr_expect_eq(r.st.clamped, 1);
	run_free(&r);
}

Test(import, results_by_return_type)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  a-1 [000] 1.0: ioasid_alloc: (ioasid_alloc+0x0/0x1) set=0x5 min=3 max=3 "
		"private=0x0\n"
		"  a-1 [000] 1.1: ioasid_alloc_ret: (f+0x1/0x2 <- ioasid_alloc) ret=0xffffffff\n"
		"  a-1 [000] 1.2: ioasid_find: (ioasid_find+0x0/0x1) set=0x5 ioasid=3 getter=0x0\n"
		"  a-1 [000] 1.3: ioasid_find_ret: (f+0x1/0x2 <- ioasid_find) "
		"ret=0xfffffffffffffff3\n"
		"  a-1 [000] 1.4: ioasid_find: (ioasid_find+0x0/0x1) set=0x5 ioasid=3 getter=0xf1\n"
		"  a-1 [000] 1.5: ioasid_find_ret: (f+0x1/0x2 <- ioasid_find) ret=0x0\n"
		"  a-1 [000] 1.6: ioasid_set_data: (ioasid_set_data+0x0/0x1) ioasid=3 data=0xee\n"
		"  a-1 [000] 1.7: ioasid_set_data_ret: (f+0x1/0x2 <- ioasid_set_data) "
		"ret=0xfffffffe\n"
		"  a-1 [000] 1.8: iommu_pasid_for_each: (iommu_pasid_for_each+0x0/0x1) pasid=0xc0\n"
		"  a-1 [000] 1.9: iommu_pasid_for_each_ret: (f+0x1/0x2 <- iommu_pasid_for_each) "
		"ret=7\n"
		"  a-1 [000] 2.0: iommu_pasid_alloc: (iommu_pasid_alloc+0x0/0x1) pasid=0xc0 min=1 "
		"max=5 private=0x0\n"
		"  a-1 [000] 2.1: iommu_pasid_alloc_ret: (f+0x1/0x2 <- iommu_pasid_alloc) ret=0\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 6);
	cr_expect_str_eq(body(&r, 0),
			 "host 0 ioasid_alloc set=0x5 min=3 max=3 priv=null = invalid");
	cr_expect_str_eq(body(&r, 1), "host 0 ioasid_find set=0x5 id=3 = -EACCES");
	cr_expect_str_eq(body(&r, 2), "host 0 ioasid_find set=0x5 id=3",
			 "a getter that refused makes NULL: not recorded");
	cr_expect_str_eq(body(&r, 3), "host 0 ioasid_set_data id=3 priv=0xee = -ENOENT");
	cr_expect_str_eq(body(&r, 4), "host 0 iommu_pasid_for_each c=0xc0");
	cr_expect_str_eq(body(&r, 5), "host 0 iommu_pasid_alloc c=0xc0 min=1 max=5 priv=null",
			 "success without a nested ioasid_alloc: the ID is unknown");
	cr_expect_eq(r.st.unknown_results, 2, "the getter's NULL and the alloc's ID");
	cr_expect(strstr(r.diag, "cap:5: note: ioasid_find (pid 1) returned 0 but its result "
			 "cannot be recovered (NULL from a getter"), "%s", r.diag);
	cr_expect(strstr(r.diag, "cap:11: note: iommu_pasid_alloc (pid 1) returned 0 but its "
			 "result cannot be recovered (no nested ioasid_alloc"), "%s", r.diag);
	run_free(&r);
}

Test(import, perf_summary_is_placed_first_by_the_second_pass)
{
	struct run r;

	run_text(&r, IMPORT_FMT_AUTO,
		"  t  5 [000] 1.0: probe:ioasid_free: (ffffffff8176f860) ioasid=1\n"
		"Warning:\n"
		"Processed 12 events and lost 2 chunks!\n");
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_assert_eq(r.out.n, 2, "one pass: the gap stays where perf printed it");
	cr_expect_str_eq(body(&r, 1), "host 0 gap lost=2 reason=perf-lost-summary");
	cr_expect(r.st.summary_gap);
	run_free(&r);
}

/* ---- whole captures ------------------------------------------------------------- */

struct capture_case {
	const char *file;
	enum import_format format;
	unsigned long calls, gaps, nested, unpaired_entries, unpaired_returns;
	int cpus;
};

static const struct capture_case captures[] = {
	{ "ftrace-sva.txt", IMPORT_FMT_FTRACE, 13, 0, 3, 0, 0, 4 },
	{ "ftrace-sva-find.txt", IMPORT_FMT_FTRACE, 7, 0, 1, 0, 0, 2 },
	{ "trace-cmd-iommu-pasid.txt", IMPORT_FMT_FTRACE, 11, 2, 14, 1, 1, 2 },
	{ "trace-cmd-nocpu.txt", IMPORT_FMT_FTRACE, 5, 1, 0, 0, 0, 4 },	/* cpus=4 */
	{ "ftrace-overwrite.txt", IMPORT_FMT_FTRACE, 5, 5, 0, 2, 2, 2 },
	{ "perf-script.txt", IMPORT_FMT_PERF, 5, 2, 1, 1, 0, 3 },
	{ "perf-script-summary.txt", IMPORT_FMT_PERF, 1, 1, 1, 0, 0, 2 },
};

/* Import, parse the trace back, and compare with what the importer handed out. */
static void check_capture(const struct capture_case *c)
{
	struct import_stats st;
	struct trace_header h;
	struct trace_parser *p;
	struct trace_event ev;
	unsigned long n = 0, gaps = 0;
	size_t len;
	char *text = convert_file(c->file, &st, &len);
	int ret;

	cr_expect_eq(st.format, c->format, "%s", c->file);
	cr_expect_eq(st.ops, c->calls, "%s: calls", c->file);
	cr_expect_eq(st.gaps, c->gaps, "%s: gaps", c->file);
	cr_expect_eq(st.nested, c->nested, "%s: nested", c->file);
	cr_expect_eq(st.unpaired_entries, c->unpaired_entries, "%s: unpaired entries", c->file);
	cr_expect_eq(st.unpaired_returns, c->unpaired_returns, "%s: unpaired returns", c->file);
	p = trace_parser_mem(text, len, c->file);
	cr_assert_not_null(p);
	cr_assert_eq(trace_parser_header(p, &h), 0, "%s", trace_parser_error(p));
	cr_expect_eq(h.mode, TRACE_BARE_METAL);
	cr_expect_eq((int)h.host_cpus, c->cpus, "%s: host-cpus", c->file);
	while ((ret = trace_parser_next(p, &ev)) == 1) {
		n++;
		cr_expect_eq(ev.kernel, TRACE_HOST);
		gaps += ev.op == TRACE_GAP;
	}
	cr_expect_eq(ret, 0, "%s: %s", c->file, trace_parser_error(p));
	cr_expect_eq(n, c->calls + c->gaps, "%s", c->file);
	cr_expect_eq(gaps, c->gaps, "%s", c->file);
	cr_expect_eq(trace_parser_gaps(p), c->gaps);
	trace_parser_free(p);
	trace_header_release(&h);
	free(text);
}

Test(import, captures_import_and_parse_back)
{
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++)
		check_capture(&captures[i]);
}

Test(import, trace_text_round_trips_through_the_parser)
{
	/* every event the importer hands out is written and parsed back unchanged */
	struct import_stats st;
	struct trace_header h;
	struct trace_parser *p;
	struct trace_event ev;
	struct run r;
	size_t len, n;
	char *cap = slurp(CAPTURES "trace-cmd-iommu-pasid.txt", &len);
	char *text = convert_file("trace-cmd-iommu-pasid.txt", &st, &len);
	char line[512];
	int i = 0;

	run_text(&r, IMPORT_FMT_AUTO, cap);
	cr_assert_eq(r.ret, 0, "%s", r.err);
	p = trace_parser_mem(text, len, "mem");
	cr_assert_eq(trace_parser_header(p, &h), 0, "%s", trace_parser_error(p));
	while (trace_parser_next(p, &ev) == 1) {
		cr_assert_lt(i, r.out.n);
		cr_assert_geq(trace_format_event(line, sizeof(line), &ev), 0);
		cr_expect_str_eq(line, r.out.line[i], "event %d", i);
		i++;
	}
	cr_expect_eq(i, r.out.n);
	n = strlen(text);
	cr_expect_eq(n, len);
	trace_parser_free(p);
	trace_header_release(&h);
	run_free(&r);
	free(text);
	free(cap);
}

Test(import, gaps_are_written_into_the_trace)
{
	struct import_stats st;
	size_t len;
	char *text = convert_file("ftrace-overwrite.txt", &st, &len);

	cr_expect(strstr(text, "\n0 host 0 gap lost=22 reason=overwrite\n"), "%s", text);
	cr_expect(strstr(text, " host 1 gap lost=3 reason=lost-events\n"), "%s", text);
	cr_expect(strstr(text, " host 1 gap lost=1 reason=lost-entry\n"), "%s", text);
	cr_expect(strstr(text, " host 0 gap lost=1 reason=lost-return\n"), "%s", text);
	free(text);
	text = convert_file("perf-script-summary.txt", &st, &len);
	cr_expect(strstr(text, "events\n0 host 0 gap lost=3 reason=perf-lost-summary\n"),
		  "the positionless perf summary goes before the first event: %s", text);
	free(text);
}

Test(import, sample_is_what_the_importer_writes)
{
	struct import_stats st;
	size_t len, slen;
	char *text = convert_file("ftrace-sva.txt", &st, &len);
	char *sample = slurp(SAMPLES "imported-sva.trace", &slen);

	cr_expect_str_eq(sample, text, "traces/samples/imported-sva.trace is stale: regenerate it "
			 "with pasidsim import traces/captures/ftrace-sva.txt -o ...");
	free(sample);
	free(text);
}

Test(import, imported_captures_replay_in_check_mode)
{
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		struct replay_opts o;
		struct replay_stats rs;
		struct import_stats st;
		size_t len;
		char *text = convert_file(captures[i].file, &st, &len);
		FILE *msg = fopen("/dev/null", "w");
		int ret;

		replay_opts_init(&o);
		o.check = true;
		o.msg = msg;
		/* the captures' results hold for both allocator flavours */
		o.any_flavour = true;
		ret = replay_mem(text, len, captures[i].file, &o, &rs);
		cr_expect_eq(ret, 0, "%s: %s%s", captures[i].file, rs.divergence, rs.error);
		cr_expect_eq(rs.divergences, 0, "%s", captures[i].file);
		cr_expect_eq(rs.gaps, captures[i].gaps, "%s", captures[i].file);
		cr_expect_eq(rs.ops, captures[i].calls, "%s", captures[i].file);
		if (!captures[i].gaps)
			cr_expect_eq(rs.unchecked, 0, "%s", captures[i].file);
		fclose(msg);
		free(text);
	}
}

Test(import, sample_check_catches_a_wrong_result)
{
	/* the check is real: change one recorded ID in the sample and it diverges */
	struct replay_opts o;
	struct replay_stats rs;
	size_t len;
	char *text = slurp(SAMPLES "imported-sva.trace", &len);
	char *at = strstr(text, "min=3 max=3 priv=null = invalid");
	FILE *msg = fopen("/dev/null", "w");

	cr_assert_not_null(at);
	memcpy(strstr(at, "invalid"), "4      ", 7);
	replay_opts_init(&o);
	o.msg = msg;
	o.any_flavour = true;
	cr_expect_eq(replay_mem(text, len, "mutated", &o, &rs), 1);
	cr_expect_eq(rs.divergences, 1);
	fclose(msg);
	free(text);
}

Test(import, the_sva_set_is_named_by_the_reserved_token)
{
	struct replay_opts o;
	struct replay_stats rs;
	struct import_stats st;
	size_t len;
	char *text = convert_file("ftrace-sva-find.txt", &st, &len), *at;
	FILE *msg = fopen("/dev/null", "w");

	/* learned from the ioasid_alloc nested in iommu_sva_alloc_pasid */
	cr_expect(st.sva_set_known);
	cr_expect_eq(st.sva_set, 0xffffffff8a5c3e40ull);
	/* the first pass's finding names a find that comes before the SVA alloc too */
	cr_expect(strstr(text, "\n0 host 1 ioasid_find set=sva id=5 = -ENOENT\n"), "%s", text);
	cr_expect(strstr(text, " ioasid_find set=sva id=1 = 0xffff8881053a2c00\n"), "%s", text);
	/* other sets keep their address */
	cr_expect(strstr(text, " ioasid_find set=0xffffffffc09a4100 id=1 = -EACCES\n"), "%s",
		  text);
	cr_expect_null(strstr(text, "0xffffffff8a5c3e40"), "%s", text);
	/* it replays against the replay's SVA set, in check mode */
	replay_opts_init(&o);
	o.msg = msg;
	cr_expect_eq(replay_mem(text, len, "sva-find", &o, &rs), 0, "%s%s", rs.divergence,
		     rs.error);
	cr_expect_eq(rs.checked, 6);
	/* named by its address, the set is another one than the replay's SVA set */
	while ((at = strstr(text, "set=sva id=1 = 0xffff")))
		memcpy(at, "set=x  ", 7);
	cr_expect_eq(replay_mem(text, len, "by-address", &o, &rs), 1);
	cr_expect(strstr(rs.divergence, "ioasid_find returned -EACCES"), "%s", rs.divergence);
	fclose(msg);
	free(text);
}

/* ---- hostile input (issue 15) ----------------------------------------------------- */

/* The whole conversion of @len bytes of capture text: 0, or -1 with @err. */
static int convert_mem(const char *name, const char *text, size_t len, char *err,
		       size_t errlen)
{
	struct import_stats st;
	char *out_text = NULL;
	size_t out_len;
	FILE *in = fmemopen((void *)text, len, "r");
	FILE *out = open_memstream(&out_text, &out_len);
	int ret;

	cr_assert(in && out);
	ret = import_convert(in, name, IMPORT_FMT_AUTO, TRACE_FLAVOUR_PASIDSIM, out, NULL, &st,
			     err, errlen);
	fclose(in);
	fclose(out);
	free(out_text);
	return ret;
}

#define ALLOC_ENTRY	"  k-9 [000] 1.0: ioasid_alloc: (ioasid_alloc+0x0/0x10) set=0x1 "
#define ALLOC_RETURN	"  k-9 [000] 1.1: ioasid_alloc_ret: (ioasid_alloc+0x0 <- x) "

Test(import_hostile, numbers_that_would_wrap_or_truncate_are_errors)
{
	/* ioasid_t arguments are 32-bit: 0x100000000 used to become 0 */
	parse_fails(IMPORT_FMT_AUTO, ALLOC_ENTRY "min=0x100000000 max=2 private=0x0",
		    strlen(ALLOC_ENTRY) + 5, "expected a 32-bit value for 'min'");
	/* a sign before a count used to be skipped: -5 lost events became 5 */
	parse_fails(IMPORT_FMT_AUTO, "CPU:2 [LOST -5 EVENTS]", 13, "expected an unsigned");
	parse_fails(IMPORT_FMT_AUTO, "[LOST -5 EVENTS]", 7, "expected an unsigned");
	parse_fails(IMPORT_FMT_AUTO, "# entries-in-buffer/entries-written: 8/-1450   #P:4",
		    40, "expected an unsigned");
	parse_fails(IMPORT_FMT_AUTO, "# entries-in-buffer/entries-written: 8/14x50   #P:4",
		    40, "expected an unsigned");
	parse_fails(IMPORT_FMT_AUTO,
		    "# entries-in-buffer/entries-written: 22/99999999999999999999999   #P:4",
		    41, "expected an unsigned");
	parse_fails(IMPORT_FMT_PERF, "Processed 912 events and lost -3 chunks!", 31,
		    "expected an unsigned");
}

Test(import_hostile, a_nul_byte_and_a_repeated_argument_are_errors)
{
	static const char nul[] = ALLOC_ENTRY "min=1\0 max=2 private=0x0";
	struct import_rec rec;
	enum import_format fmt = IMPORT_FMT_AUTO;
	unsigned int col;
	char msg[256];

	cr_assert_eq(import_parse_line(&fmt, nul, sizeof(nul) - 1, &rec, &col, msg,
				       sizeof(msg)), -1, "a NUL byte used to end the line");
	cr_expect_eq(col, strlen(ALLOC_ENTRY) + 6);
	cr_expect(strstr(msg, "NUL byte"), "%s", msg);
	parse_fails(IMPORT_FMT_AUTO, ALLOC_ENTRY "min=1 max=2 min=3 private=0x0",
		    strlen(ALLOC_ENTRY) + 13, "expected each argument once, got 'min' again");
	/* two names of one parameter agreeing are fine; disagreeing are not */
	parse1(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x10) ioasid=7 "
	       "pasid=0x7");
	parse_fails(IMPORT_FMT_AUTO, "  k-9 [000] 1.0: ioasid_free: (ioasid_free+0x0/0x10) "
		    "ioasid=7 pasid=0x8", 63, "again");
}

Test(import_hostile, a_last_line_without_newline_is_reported)
{
	/* ret=0x5 cut to ret=0 used to import as '= 0' */
	static const char cut[] = ALLOC_ENTRY "min=1 max=9 private=0x0\n" ALLOC_RETURN "ret=0";
	char err[512];

	cr_assert_eq(convert_mem("cut.txt", cut, sizeof(cut) - 1, err, sizeof(err)), -1);
	cr_expect(strstr(err, "cut.txt:2:"), "%s", err);
	cr_expect(strstr(err, "expected a newline at the end of the last line"), "%s", err);
}

Test(import_hostile, a_line_longer_than_the_limit_is_an_error_not_end_of_file)
{
	size_t len = IMPORT_MAX_LINE + 100;
	char *text = malloc(len + 200), err[512];

	cr_assert_not_null(text);
	strcpy(text, ALLOC_ENTRY "min=1 max=9 private=0x0\n# ");
	memset(text + strlen(text), 'x', len);
	strcpy(text + len, "\n");
	cr_assert_eq(convert_mem("long.txt", text, strlen(text), err, sizeof(err)), -1);
	cr_expect(strstr(err, "long.txt:2:65537: expected a line of at most 65536 bytes"),
		  "%s", err);
	free(text);
}

Test(import_hostile, a_capture_without_events_is_an_error)
{
	static const char none[] = "# tracer: nop\n#\n  k-9 [000] 1.0: sched_switch: x=1\n";
	char err[512];

	cr_assert_eq(convert_mem("none.txt", none, sizeof(none) - 1, err, sizeof(err)), -1,
		     "an import of no events used to succeed with an empty trace");
	cr_expect(strstr(err, "none.txt:3:1: expected kprobe events"), "%s", err);
}

Test(import_hostile, capture_names_with_hash_tabs_and_unicode_are_imported)
{
	static const char *const names[] = { "cap #1.txt", "cap\t1.txt", "d/\xc3\xa9t\xc3\xa9.txt",
					     "  two  spaces  " };
	static const char ok[] = ALLOC_ENTRY "min=1 max=9 private=0x0\n" ALLOC_RETURN "ret=0x5\n";
	char err[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect_eq(convert_mem(names[i], ok, sizeof(ok) - 1, err, sizeof(err)), 0,
			     "'%s': %s", names[i], err);
}

#define FREE(t, id)	"  k-9 [000] " t ": ioasid_free: (ioasid_free+0x0/0x10) ioasid=" id "\n" \
			"  k-9 [000] " t "1: ioasid_free_ret: (ioasid_free+0x0 <- x) ret=0x0\n"

Test(import_hostile, a_free_of_an_id_the_capture_never_allocated_is_noted)
{
	struct run r;

	/* ID 9 allocated, ID 1 never: only the free of 1 is noted */
	run_text(&r, IMPORT_FMT_AUTO, ALLOC_ENTRY "min=1 max=1048575 private=0x0\n"
		 ALLOC_RETURN "ret=0x9\n" FREE("2.0", "1") FREE("3.0", "9"));
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_expect_eq(r.st.unknown_frees, 1);
	cr_expect(strstr(r.diag, "cap:3: note: ioasid_free of ID 1, which this capture"),
		  "%s", r.diag);
	cr_expect_null(strstr(r.diag, "ID 9"), "%s", r.diag);
	run_free(&r);
	/* after lost events the ID may have been allocated in the gap: no note */
	run_text(&r, IMPORT_FMT_AUTO, "CPU:0 [LOST 3 EVENTS]\n" FREE("2.0", "1"));
	cr_assert_eq(r.ret, 0, "%s", r.err);
	cr_expect_eq(r.st.unknown_frees, 0);
	run_free(&r);
}
