// SPDX-License-Identifier: GPL-2.0
/*
 * Trace parser and writer (tools/trace.[ch]): every error names
 * file:line:col, unknown keys and future versions are refused, and
 * parse(write(x)) == x over generated traces.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace-int.h"
#include "trace.h"

#define HDR "pasidsim-trace 1\nmode bare-metal\nhost-cpus 2\nevents\n"

/* Parse @text completely; returns the number of events, or -1 with the error in @err. */
static int parse_all(const char *text, char *err, size_t errlen)
{
	struct trace_parser *p = trace_parser_mem(text, strlen(text), "t.trace");
	struct trace_header h;
	struct trace_event ev;
	int n = 0, r;

	cr_assert_not_null(p);
	err[0] = 0;
	if (trace_parser_header(p, &h)) {
		snprintf(err, errlen, "%s", trace_parser_error(p));
		trace_header_release(&h);
		trace_parser_free(p);
		return -1;
	}
	while ((r = trace_parser_next(p, &ev)) > 0)
		n++;
	if (r < 0) {
		snprintf(err, errlen, "%s", trace_parser_error(p));
		n = -1;
	}
	trace_header_release(&h);
	trace_parser_free(p);
	return n;
}

static void expect_error(const char *text, const char *where, const char *what)
{
	char err[1024];

	cr_assert_eq(parse_all(text, err, sizeof(err)), -1, "accepted: %s", text);
	cr_expect(!strncmp(err, where, strlen(where)), "error '%s' does not start with '%s'",
		  err, where);
	cr_expect(strstr(err, what), "error '%s' does not say '%s'", err, what);
}

Test(trace, parses_a_commented_trace)
{
	static const char text[] =
		"# leading comment\n\n"
		"pasidsim-trace 1   # version\n"
		"mode bare-metal\nseed 0x10\nhost-cpus 2\n"
		"meta source   hand   written\n"
		"events\n"
		"0 host 0 iommu_pasid_init c=dma0 min=0 max=0 = 0\n"
		"\t5 host 1 iommu_pasid_alloc priv=null max=0xff min=1 c=dma0 = 7 # reordered\n"
		"6 host 1 iommu_pasid_find c=dma0 id=7 = null\r\n"
		"7 host 1 ioasid_find set=s id=7 = -EACCES\n"
		"8 host 0 iommu_pasid_for_each c=dma0 = 1\n"
		"9 host 0 gap lost=12 reason=overwrite\n"
		"9 host 0 ioasid_alloc set=s min=1 max=2 priv=p = invalid\n"
		"10 host 0 iommu_pasid_free c=dma0 id=7 = -22\n";
	struct trace_parser *p = trace_parser_mem(text, strlen(text), "t");
	struct trace_header h;
	struct trace_event ev;

	cr_assert_eq(trace_parser_header(p, &h), 0, "%s", trace_parser_error(p));
	cr_expect_eq(h.seed, 16);
	cr_expect_eq(h.host_cpus, 2);
	cr_assert_eq(h.nr_meta, 1);
	cr_expect_str_eq(h.meta[0].key, "source");
	cr_expect_str_eq(h.meta[0].value, "hand written");
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.op, TRACE_PASID_INIT);
	cr_expect_eq(ev.res, TRACE_RES_ERRNO);
	cr_expect_eq(ev.res_val, 0);
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(trace_parser_line(p), 10);
	cr_expect_eq(ev.time, 5);
	cr_expect_eq(ev.cpu, 1);
	cr_expect_eq(ev.op, TRACE_PASID_ALLOC);
	cr_expect_null(ev.priv);
	cr_expect_eq(ev.min, 1);
	cr_expect_eq(ev.max, 255);
	cr_expect_str_eq(ev.c, "dma0");
	cr_expect_eq(ev.res, TRACE_RES_ID);
	cr_expect_str_eq(ev.res_name, "7");
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.res, TRACE_RES_NULL);
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.res, TRACE_RES_ERRNO);
	cr_expect_eq(ev.res_val, -EACCES);
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.res, TRACE_RES_COUNT);
	cr_expect_eq(ev.res_val, 1);
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.op, TRACE_GAP);
	cr_expect(ev.lost_known);
	cr_expect_eq(ev.lost, 12);
	cr_expect_str_eq(ev.reason, "overwrite");
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.res, TRACE_RES_INVALID);
	cr_assert_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.res_val, -EINVAL);
	cr_expect_eq(trace_parser_next(p, &ev), 0);
	cr_expect_eq(trace_parser_gaps(p), 1);
	cr_expect_null(trace_parser_error(p));
	trace_header_release(&h);
	trace_parser_free(p);
}

Test(trace, header_errors_name_line_and_column)
{
	expect_error("", "t.trace:1:1:", "empty file");
	expect_error("hello 1\n", "t.trace:1:1:", "not a pasidsim trace");
	expect_error("pasidsim-trace 6\nmode vms\n", "t.trace:1:16:", "newer than this");
	/* per-vIOMMU knobs: version 5, vms mode, each key and value checked */
	expect_error("pasidsim-trace 4\nmode vms\nvms 1\nviommu 1 pss=3\nevents\n",
		     "t.trace:4:1:", "'viommu', 'replug' and 'vcmd-timeout-ms' need 'pasidsim-trace 5'");
	expect_error("pasidsim-trace 4\nmode vms\nvms 1\nvcmd-timeout-ms 1\nevents\n",
		     "t.trace:4:1:", "'vcmd-timeout-ms' need 'pasidsim-trace 5'");
	expect_error("pasidsim-trace 5\nmode vms\nvms 1\nvcmd-timeout-ms 1ms\nevents\n",
		     "t.trace:4:17:", "milliseconds");
	expect_error("pasidsim-trace 5\nmode bare-metal\nvcmd-timeout-ms 1\nevents\n",
		     "t.trace:4:1:", "vcmd-timeout-ms, vm) in a bare-metal header");
	expect_error("pasidsim-trace 5\nmode vms\nvms 1\nviommu 8 pss=3\nevents\n",
		     "t.trace:4:8:", "a vIOMMU index (0-7)");
	expect_error("pasidsim-trace 5\nmode vms\nvms 1\nviommu 1 pss=20\nevents\n",
		     "t.trace:4:14:", "ECAP.PSS (0-19)");
	expect_error("pasidsim-trace 5\nmode vms\nvms 1\nviommu 1 vcs=0 ecap=1\nevents\n",
		     "t.trace:4:16:", "a vIOMMU key (pss, vcs, pas)");
	expect_error("pasidsim-trace 5\nmode vms\nvms 1\nviommu 1 vcs=0\nviommu 1 pss=2\n"
		     "events\n", "t.trace:5:8:", "each vIOMMU index at most once");
	expect_error("pasidsim-trace 5\nmode vms\nvms 1\nreplug maybe\nevents\n",
		     "t.trace:4:8:", "'fresh' or 'keep'");
	expect_error("pasidsim-trace 5\nmode bare-metal\nreplug keep\nevents\n",
		     "t.trace:4:1:", "replug, viommu, vcmd-timeout-ms, vm) in a bare-metal header");
	/* fault keys: version 2, vms mode, each value checked */
	expect_error("pasidsim-trace 1\nmode vms\nvms 1\nvtd-stuck-ip 1\nevents\n", "t.trace:4:1:",
		     "fault keys need 'pasidsim-trace 2'");
	expect_error("pasidsim-trace 2\nmode bare-metal\nvtd-latency-ns 5\nevents\n",
		     "t.trace:4:1:", "no fault keys");
	expect_error("pasidsim-trace 2\nmode vms\nvms 1\nvtd-force-sc 256\nevents\n",
		     "t.trace:4:14:", "a status code (0-255), got '256'");
	expect_error("pasidsim-trace 2\nmode vms\nvms 1\nvtd-result-mode odd\nevents\n",
		     "t.trace:4:17:", "'real', 'set' or 'raw'");
	expect_error("pasidsim-trace 2\nmode vms\nvms 1\nvtd-drop-mode late\nevents\n",
		     "t.trace:4:15:", "'lost' or 'hang'");
	expect_error("pasidsim-trace 2\nmode vms\nvms 1\nvirtio-bad-result 0x100000000\nevents\n",
		     "t.trace:4:19:", "a PASID (u32)");
	expect_error("pasidsim-trace 2\nmode vms\nvms 1\nvtd-stuck-ip 1\nvtd-stuck-ip 0\nevents\n",
		     "t.trace:5:1:", "at most once");
	expect_error("pasidsim-trace 0\n", "t.trace:1:16:", "expected a version number");
	expect_error("pasidsim-trace 1\nmode bare-metal\ncolour blue\nevents\n", "t.trace:3:1:",
		     "expected a header key");
	expect_error("pasidsim-trace 1\nmode metal\nevents\n", "t.trace:2:6:",
		     "expected 'bare-metal' or 'vms', got 'metal'");
	expect_error("pasidsim-trace 1\nmode vms\nvms 2\nvm 2 vcpus=2\nevents\n", "t.trace:4:4:",
		     "VM index below vms");
	expect_error("pasidsim-trace 1\nmode vms\nvms 2\nvm 1 cpus=2\nevents\n", "t.trace:4:6:",
		     "vcpus=");
	expect_error("pasidsim-trace 1\nmode vms\nvm 0 vcpus=2\n", "t.trace:3:1:",
		     "'vms N' before");
	expect_error("pasidsim-trace 1\nmode bare-metal\nseed 1\nseed 2\nevents\n",
		     "t.trace:4:1:", "at most once");
	expect_error("pasidsim-trace 1\nmode bare-metal\nvtd-pss 20\nevents\n", "t.trace:3:9:",
		     "ECAP.PSS");
	expect_error("pasidsim-trace 1\nmode bare-metal\nvcpus 2\nevents\n", "t.trace:4:1:",
		     "bare-metal header");
	expect_error("pasidsim-trace 1\nmode bare-metal\n", "t.trace:3:1:", "end of file");
	expect_error("pasidsim-trace 1\nseed 1\nevents\n", "t.trace:3:1:", "'mode' line");
	expect_error("pasidsim-trace 1\nmode vms\nevents\n", "t.trace:3:1:", "'vms N'");
	expect_error("pasidsim-trace 1\nmode bare-metal x\nevents\n", "t.trace:2:17:",
		     "expected end of line");
}

Test(trace, event_errors_name_line_and_column)
{
	expect_error(HDR "x host 0 ioasid_free id=1\n", "t.trace:5:1:", "expected a time");
	expect_error(HDR "5 host 0 ioasid_free id=1\n4 host 0 ioasid_free id=1\n", "t.trace:6:1:",
		     "never go back");
	expect_error(HDR "1 vm0 0 ioasid_free id=1\n", "t.trace:5:3:", "this trace has no VMs");
	expect_error(HDR "1 host 2 ioasid_free id=1\n", "t.trace:5:8:", "CPU number below 2");
	expect_error(HDR "1 host 0 ioasid_frees id=1\n", "t.trace:5:10:", "expected an operation");
	expect_error(HDR "1 host 0 ioasid_free pasid=1\n", "t.trace:5:22:",
		     "expected id= for ioasid_free");
	expect_error(HDR "1 host 0 ioasid_free id=1 id=2\n", "t.trace:5:27:", "only once");
	expect_error(HDR "1 host 0 ioasid_alloc set=s min=1 priv=p\n", "t.trace:5:41:",
		     "max= for ioasid_alloc");
	expect_error(HDR "1 host 0 ioasid_alloc set=s min=1 max=0x100000000 priv=p\n",
		     "t.trace:5:39:", "a u32");
	expect_error(HDR "1 host 0 ioasid_free id=-3\n", "t.trace:5:25:", "a name");
	expect_error(HDR "1 host 0 ioasid_free id=1 = 0\n", "t.trace:5:27:", "returns nothing");
	expect_error(HDR "1 host 0 iommu_pasid_free c=a id=1 =\n", "t.trace:5:37:",
		     "a result after '='");
	expect_error(HDR "1 host 0 iommu_pasid_free c=a id=1 = 3\n", "t.trace:5:38:",
		     "an errno");
	expect_error(HDR "1 host 0 iommu_pasid_free c=a id=1 = -EWHAT\n", "t.trace:5:38:",
		     "an errno");
	expect_error(HDR "1 host 0 ioasid_alloc set=s min=1 max=2 priv=p = -ENOSPC\n",
		     "t.trace:5:50:", "'invalid'");
	expect_error(HDR "1 host 0 ioasid_alloc set=s min=1 max=2 priv=p id=a = b\n",
		     "t.trace:5:55:", "repeat id=a");
	expect_error(HDR "1 host 0 vm_destroy\n", "t.trace:5:3:", "a VM kernel");
	expect_error(HDR "1 host 0 ioasid_free id=1 = 0 0\n", "t.trace:5:27:", "returns nothing");
	expect_error(HDR "1 host 0 iommu_pasid_free c=a id=1 = 0 0\n", "t.trace:5:40:",
		     "end of line after the result");
	expect_error(HDR "1 host 0 ioasid_free id=1#x\n", "t.trace:5:26:", "blank before '#'");
	expect_error(HDR "1 host 0 ioasid_free id=\x01\n", "t.trace:5:25:", "printable ASCII");
	expect_error(HDR "1 host 0\n", "t.trace:5:9:", "got end of line");
	expect_error(HDR "1 host 0 iommu_pasid_find c=a id=1 = -\n", "t.trace:5:38:",
		     "a token name, 'null' or a negative errno");
	/* the word-at-a-time tokenizer: stops past the first word, names past 7 bytes */
	expect_error(HDR "1 host 0 ioasid_free id=abcdefghij#k\n", "t.trace:5:35:",
		     "blank before '#'");
	expect_error(HDR "1 host 0 ioasid_free \x7f\n", "t.trace:5:22:", "printable ASCII");
	expect_error(HDR "1 host 0 ioasid_free idid_idid=1\n", "t.trace:5:22:",
		     "expected id= for ioasid_free");
	expect_error(HDR "1 host 0 ioasid_free =1\n", "t.trace:5:22:",
		     "expected id= for ioasid_free");
	expect_error(HDR "1 host 0 ioasid_free id\n", "t.trace:5:22:",
		     "expected id= for ioasid_free");
	expect_error(HDR "1 host 0 ioasid_free id=1234567,8\n", "t.trace:5:25:", "a name");
	/* numbers of 5 to 8 digits are read as one word: a bad byte anywhere in them */
	expect_error(HDR "12a45 host 0 ioasid_free id=1\n", "t.trace:5:1:", "a time in ns");
	expect_error(HDR "1234567: host 0 ioasid_free id=1\n", "t.trace:5:1:", "a time in ns");
	expect_error(HDR "/2345 host 0 ioasid_free id=1\n", "t.trace:5:1:", "a time in ns");
	expect_error(HDR "1 host 0 ioasid_alloc set=s min=1 max=4294967296 priv=p\n",
		     "t.trace:5:39:", "a u32");
}

Test(trace, tokenizer_blanks_comments_and_long_numbers)
{
	static const char text[] = HDR "# a comment\n   \t \n"
		"123456789012345678\thost  0 \t ioasid_free\tid=a   # id=b\n"
		"123456789012345679 host 1 ioasid_alloc set=s min=10000 max=99999999 priv=p\n"
		"00000000123456789012345679 host 1 ioasid_alloc set=s min=00000012 max=4294967295 "
		"priv=p\n"
		"123456789012345678 host 0 ioasid_free id=abcdefghijklmnop#not-a-comment-start\n";
	struct trace_parser *p = trace_parser_mem(text, sizeof(text) - 1, "t.trace");
	struct trace_header h;
	struct trace_event ev;

	cr_assert_eq(trace_parser_header(p, &h), 0);
	cr_assert_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.time, 123456789012345678ull);
	cr_expect_eq(ev.op, TRACE_IOASID_FREE);
	cr_expect_str_eq(ev.id, "a");
	cr_expect_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.time, 123456789012345679ull);
	cr_expect_eq(ev.min, 10000);
	cr_expect_eq(ev.max, 99999999);
	cr_expect_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.time, 123456789012345679ull);
	cr_expect_eq(ev.min, 12);
	cr_expect_eq(ev.max, 4294967295ull);
	cr_expect_eq(trace_parser_next(p, &ev), -1);
	cr_expect(strstr(trace_parser_error(p), "t.trace:10:58: expected a blank before '#'"),
		  "%s", trace_parser_error(p));
	trace_header_release(&h);
	trace_parser_free(p);
}

Test(trace, long_lines_and_nul_bytes_are_refused)
{
	size_t n = TRACE_MAX_LINE + 100;
	char *text = malloc(strlen(HDR) + n + 2);
	char err[1024];

	strcpy(text, HDR);
	memset(text + strlen(HDR), 'a', n);
	text[strlen(HDR) + n] = 0;
	cr_expect_eq(parse_all(text, err, sizeof(err)), -1);
	cr_expect(strstr(err, "t.trace:5:") && strstr(err, "at most 4096 bytes"), "%s", err);
	free(text);

	static const char nul[] = HDR "1 host 0 ioasid_free id=1\0\n";
	struct trace_parser *p = trace_parser_mem(nul, sizeof(nul) - 1, "t.trace");
	struct trace_header h;
	struct trace_event ev;

	cr_assert_eq(trace_parser_header(p, &h), 0);
	cr_expect_eq(trace_parser_next(p, &ev), -1);
	cr_expect(strstr(trace_parser_error(p), "t.trace:5:26: expected printable ASCII"), "%s",
		  trace_parser_error(p));
	trace_header_release(&h);
	trace_parser_free(p);
}

/* A trace cut in the middle of its last line: "= 100" cut to "= 10". */
Test(trace, last_line_without_newline_is_an_error)
{
	static const char whole[] = HDR "1 host 0 iommu_pasid_init c=a min=1 max=100\n";
	char cut[sizeof(whole)], err[1024];
	FILE *f;

	cr_expect_eq(parse_all(whole, err, sizeof(err)), 1, "%s", err);
	memcpy(cut, whole, sizeof(whole) - 3);
	cut[sizeof(whole) - 3] = 0;		/* "... max=10" */
	expect_error(cut, "t.trace:5:43:", "expected a newline at the end of the line");
	expect_error(HDR "1 host 0 ioasid_free id=1\r", "t.trace:5:27:", "expected a newline");
	expect_error("pasidsim-trace 1\nmode bare-metal\nevents", "t.trace:3:7:",
		     "expected a newline");
	expect_error(HDR "# a comment, then nothing", "t.trace:5:26:", "expected a newline");
	/* The same through a FILE. */
	f = fmemopen(cut, strlen(cut), "r");
	cr_assert_not_null(f);
	{
		struct trace_parser *p = trace_parser_new(f, "t.trace");
		struct trace_header h;
		struct trace_event ev;

		cr_assert_eq(trace_parser_header(p, &h), 0);
		cr_expect_eq(trace_parser_next(p, &ev), -1, "the cut event was accepted");
		cr_expect(strstr(trace_parser_error(p), "t.trace:5:43: expected a newline"), "%s",
			  trace_parser_error(p));
		trace_header_release(&h);
		trace_parser_free(p);
	}
	fclose(f);
	/* An empty file and a file that ends with its newline are not cut. */
	cr_expect_eq(parse_all(HDR, err, sizeof(err)), 0, "%s", err);
	expect_error("", "t.trace:1:1:", "got an empty file");
}

/* A line of @content bytes ('#' then 'x's) ending with @ending, after HDR. */
static char *line_of(size_t content, const char *ending)
{
	char *t = malloc(strlen(HDR) + content + strlen(ending) + 1);
	size_t o = strlen(HDR);

	cr_assert_not_null(t);
	strcpy(t, HDR);
	t[o] = '#';
	memset(t + o + 1, 'x', content - 1);
	strcpy(t + o + content, ending);
	return t;
}

/* TRACE_MAX_LINE counts the line's bytes, not its "\n" or "\r\n". */
Test(trace, line_limit_does_not_count_the_line_ending)
{
	static const char *const endings[] = { "\n", "\r\n" };
	char err[1024];

	for (int e = 0; e < 2; e++) {
		char *t = line_of(TRACE_MAX_LINE, endings[e]);

		cr_expect_eq(parse_all(t, err, sizeof(err)), 0, "%zu bytes + ending %d: %s",
			     (size_t)TRACE_MAX_LINE, e, err);
		free(t);
		t = line_of(TRACE_MAX_LINE + 1, endings[e]);
		expect_error(t, "t.trace:5:4097:", "expected a line of at most 4096 bytes");
		free(t);
	}
	/* The same through a FILE (the buffered reader). */
	for (int e = 0; e < 2; e++) {
		char *t = line_of(TRACE_MAX_LINE, endings[e]);
		FILE *f = fmemopen(t, strlen(t), "r");
		struct trace_parser *p = trace_parser_new(f, "t.trace");
		struct trace_header h;
		struct trace_event ev;

		cr_assert_eq(trace_parser_header(p, &h), 0);
		cr_expect_eq(trace_parser_next(p, &ev), 0, "%s", trace_parser_error(p));
		trace_header_release(&h);
		trace_parser_free(p);
		fclose(f);
		free(t);
	}
}

/*
 * The one-pass reader of common lines (fast_line()) and the general one
 * (read_line() + tokenize()) agree: a trace of more than one file chunk
 * (64 KiB), with lines the general reader takes (tabs, double spaces,
 * comments, "\r\n") among common ones, read from memory and through a FILE.
 */
Test(trace, common_and_general_lines_read_alike_across_chunks)
{
	static const char *const forms[] = {
		"%d host 1 ioasid_alloc set=s min=1 max=99999 priv=p = %d\n",
		"%d  host 1 ioasid_alloc\tset=s min=1 max=99999 priv=p = %d # c\n",
		"%d host 1 ioasid_alloc set=s min=1 max=99999 priv=p = %d\r\n",
		"# %d %d\n\n",
	};
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);
	int n = 0;

	len += snprintf(text, cap, "%s", HDR);
	for (int i = 0; len < 200000; i++)
		len += snprintf(text + len, cap - len, forms[i % 4 == 3 || i % 7 == 5 ? i % 4 : 0],
				i, i + 1);

	FILE *f = fmemopen(text, len, "r");
	struct trace_parser *pm = trace_parser_mem(text, len, "t.trace");
	struct trace_parser *pf = trace_parser_new(f, "t.trace");
	struct trace_header hm, hf;
	struct trace_event em, ef;
	int rm, rf;

	cr_assert_eq(trace_parser_header(pm, &hm), 0);
	cr_assert_eq(trace_parser_header(pf, &hf), 0);
	do {
		rm = trace_parser_next(pm, &em);
		rf = trace_parser_next(pf, &ef);
		cr_assert_eq(rm, rf, "event %d: %s / %s", n, trace_parser_error(pm) ?: "",
			     trace_parser_error(pf) ?: "");
		if (rm > 0) {
			cr_assert(trace_event_equal(&em, &ef), "event %d differs", n);
			cr_assert_eq(trace_parser_line(pm), trace_parser_line(pf));
			n++;
		}
	} while (rm > 0);
	cr_expect_eq(rm, 0, "%s", trace_parser_error(pm));
	cr_expect_gt(n, 2000);
	trace_header_release(&hm);
	trace_header_release(&hf);
	trace_parser_free(pm);
	trace_parser_free(pf);
	fclose(f);
	free(text);
}

Test(trace, vm_header_defaults_and_overrides)
{
	static const char text[] =
		"pasidsim-trace 1\nmode vms\nvms 3\nvm 1 vcpus=8 pv=virtio quota=5\n"
		"vcpus 2\nflavour-guest linux-6.1\nquota-default 50\nvtd-version 3.0\n"
		"vtd-vccap-pas 0\nevents\n1 vm1 7 iommu_pasid_init c=a min=0 max=0\n"
		"2 vm2 0 mmio_write viommu=0 off=0xe10 val=0x1 width=8\n";
	struct trace_parser *p = trace_parser_mem(text, strlen(text), "t");
	struct trace_header h;
	struct trace_event ev;

	cr_assert_eq(trace_parser_header(p, &h), 0, "%s", trace_parser_error(p));
	cr_assert_eq(h.nr_vms, 3);
	cr_expect_eq(h.vms[0].vcpus, 2);
	cr_expect_eq(h.vms[0].flavour, TRACE_FLAVOUR_LINUX61);
	cr_expect_eq(h.vms[0].quota, 50);
	cr_expect_eq(h.vms[1].vcpus, 8);
	cr_expect_eq(h.vms[1].pv, TRACE_PV_VIRTIO);
	cr_expect_eq(h.vms[1].quota, 5);
	cr_expect_eq(h.vtd_version, TRACE_VTD_3_0);
	cr_expect_not(h.vtd_vccap_pas);
	cr_expect_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.kernel, 1);
	cr_expect_eq(ev.cpu, 7);
	cr_expect_eq(trace_parser_next(p, &ev), 1);
	cr_expect_eq(ev.off, 0xe10);
	cr_expect_eq(trace_parser_next(p, &ev), 0);
	trace_header_release(&h);
	trace_parser_free(p);
	/* vCPU 7 is fine on vm1, not on vm0 (2 vCPUs) */
	expect_error("pasidsim-trace 1\nmode vms\nvms 2\nvm 1 vcpus=8\nvcpus 2\nevents\n"
		     "1 vm0 7 vm_boot\n", "t.trace:7:7:", "CPU number below 2");
	expect_error("pasidsim-trace 1\nmode vms\nvms 2\nevents\n1 vm00 0 vm_boot\n",
		     "t.trace:5:3:", "'vm0'..'vm1'");
	expect_error("pasidsim-trace 1\nmode vms\nvms 2\nevents\n"
		     "1 vm0 0 mmio_write viommu=1 off=0 val=0 width=8\n", "t.trace:5:27:",
		     "vIOMMU index below 1");
}

/* ---- round trips ---- */

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static const char *const names[] = { "a", "b0", "17", "0xffff888100", "dev.0:1/x+y@z", "-" };

static const char *rname(uint64_t *s, bool nullable)
{
	unsigned int i = rnd(s) % (nullable ? 6 : 5);

	return i == 5 ? NULL : names[i];
}

/* A random valid event for header @h. */
static void random_event(uint64_t *s, const struct trace_header *h, uint64_t *t,
			 struct trace_event *ev)
{
	unsigned int results;
	int r;

	memset(ev, 0, sizeof(*ev));
	*t += rnd(s) % 3 ? rnd(s) % 1000 : 0;
	ev->time = *t;
	ev->kernel = h->nr_vms && rnd(s) % 2 ? (int)(rnd(s) % h->nr_vms) : TRACE_HOST;
	ev->cpu = rnd(s) % (ev->kernel == TRACE_HOST ? h->host_cpus : h->vms[ev->kernel].vcpus);
	do
		ev->op = rnd(s) % TRACE_OP__NR;
	while ((ev->kernel == TRACE_HOST && trace_ops[ev->op].vm_only) ||
	       (ev->kernel != TRACE_HOST && trace_ops[ev->op].host_only) ||
	       trace_op_version(ev->op) > trace_header_min_version(h));
	switch (ev->op) {
	case TRACE_PASID_INIT: case TRACE_PASID_EXIT: case TRACE_PASID_FOR_EACH:
		ev->c = rname(s, false);
		break;
	case TRACE_PASID_FREE: case TRACE_PASID_FIND:
		ev->c = rname(s, false);
		ev->id = rname(s, false);
		break;
	case TRACE_PASID_ALLOC:
		ev->c = rname(s, false);
		ev->priv = rname(s, true);
		break;
	case TRACE_IOASID_ALLOC:
		ev->set = rname(s, true);
		ev->priv = rname(s, true);
		break;
	case TRACE_IOASID_FREE:
		ev->id = rname(s, false);
		break;
	case TRACE_IOASID_FIND:
		ev->set = rname(s, true);
		ev->id = rname(s, false);
		break;
	case TRACE_IOASID_SET_DATA:
		ev->id = rname(s, false);
		ev->priv = rname(s, true);
		break;
	case TRACE_SVA_ALLOC:
		ev->mm = rname(s, true);
		break;
	case TRACE_MMIO_WRITE: case TRACE_MMIO_READ:
		ev->viommu = rnd(s) % h->vms[ev->kernel].viommus;
		ev->off = rnd(s) & 0xffffffff;
		ev->val = ev->op == TRACE_MMIO_WRITE ? rnd(s) : 0;
		ev->width = rnd(s) % 2 ? 4 : 8;
		break;
	case TRACE_VIRTIO_REQUEST:
		ev->len = rnd(s) % 17;
		ev->val = rnd(s);
		ev->tail = rnd(s) & 0xffffffff;
		break;
	case TRACE_SCHED_TIEBREAK: {
		static const char *const keys[] = { "0", "1,2,3", "0xff,18446744073709551615,7" };

		ev->keys = keys[rnd(s) % 3];
		break;
	}
	case TRACE_HOST_ALLOCATOR_REGISTER: case TRACE_HOST_ALLOCATOR_UNREGISTER:
		ev->slot = rnd(s) % 3;
		break;
	case TRACE_PASID_SET_OPS:
		ev->ops = rnd(s) % 6;
		break;
	case TRACE_PASID_INIT_OPS:
		ev->c = rname(s, false);
		ev->ops = rnd(s) % 6;
		break;
	case TRACE_FAULT_NEXT:
		ev->mask = rnd(s) & 0xffffffff;
		break;
	case TRACE_PASID_NULL_ARG:
		ev->c = rname(s, false);
		ev->call = rnd(s) % 8;
		break;
	case TRACE_PASID_FOR_EACH_STOP:
		ev->c = rname(s, false);
		ev->stop = rnd(s) & 0xffffffff;
		break;
	case TRACE_PASID_FOR_EACH_FREE:
		ev->c = rname(s, false);
		break;
	case TRACE_IOASID_FIND_GETTER:
		ev->set = rname(s, true);
		ev->id = rname(s, false);
		ev->getter = rnd(s) % 3;
		break;
	case TRACE_VFIO_LOOKUP:
		ev->vm = rnd(s) % 8;
		ev->id = rname(s, false);
		break;
	case TRACE_VIOMMU_PLUG: case TRACE_VIOMMU_UNPLUG:
	case TRACE_ALLOCATOR_UNREGISTER: case TRACE_ALLOCATOR_REGISTER:
		ev->viommu = rnd(s) % h->vms[ev->kernel].viommus;
		break;
	case TRACE_VFIO_ALLOC: case TRACE_VFIO_FREE_RANGE:
		ev->vm = rnd(s) & 0xffffffff;
		break;
	case TRACE_VFIO_FREE:
		ev->vm = rnd(s) % 8;
		ev->id = rname(s, false);
		break;
	case TRACE_VFIO_SET_QUOTA:
		ev->vm = rnd(s) % 8;
		ev->quota = rnd(s) & 0xffffffff;
		break;
	case TRACE_VMM_EXIT:
		ev->vm = rnd(s) % 300;
		break;
	case TRACE_GAP:
		ev->lost_known = rnd(s) % 2;
		ev->lost = ev->lost_known ? rnd(s) : 0;
		ev->reason = rname(s, true);
		break;
	default:
		break;
	}
	if (ev->op == TRACE_PASID_ALLOC || ev->op == TRACE_IOASID_ALLOC ||
	    ev->op == TRACE_SVA_ALLOC || ev->op == TRACE_PASID_INIT ||
	    ev->op == TRACE_VFIO_ALLOC || ev->op == TRACE_VFIO_FREE_RANGE) {
		ev->min = rnd(s) % 2 ? rnd(s) & 0xffffffff : rnd(s) % 100;
		ev->max = rnd(s) % 2 ? rnd(s) & 0xffffffff : rnd(s) % 100;
	}
	results = trace_op_results(ev->op);
	if (!results || rnd(s) % 4 == 0)
		return;
	do
		r = rnd(s) % 8;
	while (!(results & (1u << r)));
	ev->res = r;
	switch (ev->res) {
	case TRACE_RES_ERRNO: {
		static const int e[] = { -ENOSPC, -EINVAL, -4095, -200, 0 };

		ev->res_val = e[rnd(s) % (results == (1u << TRACE_RES_ERRNO) ? 5 : 4)];
		break;
	}
	case TRACE_RES_ID:
	case TRACE_RES_TOKEN:
		ev->res_name = rname(s, false);
		if (ev->res == TRACE_RES_ID && rnd(s) % 2)
			ev->id = ev->res_name;	/* optional id= repeating the result */
		break;
	case TRACE_RES_COUNT:
		ev->res_val = rnd(s) % 2 ? rnd(s) % 5 : 0xffffffff;
		break;
	case TRACE_RES_VALUE:
		ev->res_val = (long long)rnd(s);
		break;
	default:
		break;
	}
	if ((ev->op == TRACE_PASID_ALLOC || ev->op == TRACE_IOASID_ALLOC ||
	     ev->op == TRACE_SVA_ALLOC) && ev->res != TRACE_RES_ID && rnd(s) % 2)
		ev->id = rname(s, false);	/* id= naming an unrecorded result */
}

static void random_header(uint64_t *s, struct trace_header *h)
{
	trace_header_init(h);
	h->version = rnd(s) % 3 == 2 ? TRACE_VERSION_SCHEDULE :
		     rnd(s) % 2 ? TRACE_VERSION_LIFECYCLE : 1;
	h->seed = rnd(s);
	h->cost_model = rnd(s) % 5;
	h->host_cpus = 1 + rnd(s) % 8;
	h->flavour_host = rnd(s) % 2;
	h->vtd_pss = rnd(s) % 20;
	h->vtd_version = rnd(s) % 2;
	h->vtd_vccap_pas = rnd(s) % 2;
	if (rnd(s) % 2) {
		h->vcpus = 1 + rnd(s) % 4;
		h->viommus = 1 + rnd(s) % 3;
		h->pv = rnd(s) % 2;
		h->flavour_guest = rnd(s) % 2;
		h->quota_default = rnd(s) % 2000;
		cr_assert_eq(trace_header_set_vms(h, 1 + rnd(s) % 6), 0);
		for (unsigned int i = 0; i < h->nr_vms; i++)
			if (rnd(s) % 3 == 0) {
				h->vms[i].vcpus = 1 + rnd(s) % 9;
				h->vms[i].quota = rnd(s) % 7;
				h->vms[i].pv = rnd(s) % 2;
				h->vms[i].flavour = rnd(s) % 2;
				h->vms[i].viommus = 1 + rnd(s) % 4;
			}
	}
	if (h->mode == TRACE_VMS && rnd(s) % 2) {
		struct trace_faults *f = &h->faults;

		f->vtd_latency_ns = rnd(s) % 3 ? 0 : rnd(s);
		f->vtd_stuck_ip = rnd(s) % 2;
		f->vtd_force_sc = (int)(rnd(s) % 257) - 1;
		f->vtd_sc_no_pasid = (int)(rnd(s) % 257) - 1;
		f->vtd_result_mode = rnd(s) % 3;
		f->vtd_result = rnd(s) % 2 ? rnd(s) : 0;
		f->vtd_drop_mode = rnd(s) % 2;
		f->vtd_drop_nth = rnd(s) % 4;
		f->vtd_drop_every = rnd(s) % 4;
		f->virtio_latency_ns = rnd(s) % 5000;
		f->virtio_force_status = (int)(rnd(s) % 257) - 1;
		f->virtio_bad_result = rnd(s) % 2;
		f->virtio_result = f->virtio_bad_result ? (uint32_t)rnd(s) : 0;
		f->virtio_drop_nth = rnd(s) % 4;
		f->virtio_drop_every = rnd(s) % 4;
		f->virtio_timeout_ns = rnd(s) % 2 ? rnd(s) : 0;
	}
	if (h->mode == TRACE_VMS && h->version == TRACE_VERSION_SCHEDULE && rnd(s) % 2)
		h->schedule = TRACE_SCHEDULE_EXPLICIT;
	if (rnd(s) % 2)
		cr_assert_eq(trace_header_add_meta(h, "source", "a b c-d=e"), 0);
	if (rnd(s) % 2)
		cr_assert_eq(trace_header_add_meta(h, "empty", ""), 0);
}

Test(trace, parse_of_write_is_identity)
{
	for (uint64_t seed = 1; seed <= 200; seed++) {
		uint64_t s = seed, t = 0;
		struct trace_header h, h2;
		struct trace_event *evs = calloc(200, sizeof(*evs));
		struct trace_writer w;
		struct trace_parser *p;
		struct trace_event ev;
		size_t len;
		char *buf;
		FILE *f = open_memstream(&buf, &len);
		int n = 0;

		random_header(&s, &h);
		cr_assert_eq(trace_writer_start(&w, f, &h), 0, "seed %llu",
			     (unsigned long long)seed);
		for (int i = 0; i < 200; i++) {
			random_event(&s, &h, &t, &evs[i]);
			cr_assert_eq(trace_write_event(&w, &evs[i]), 0, "seed %llu event %d op %s",
				     (unsigned long long)seed, i, trace_op_name(evs[i].op));
		}
		cr_assert_eq(trace_writer_finish(&w), 0);
		fclose(f);
		p = trace_parser_mem(buf, len, "rt");
		cr_assert_eq(trace_parser_header(p, &h2), 0, "%s\n%s", trace_parser_error(p), buf);
		cr_assert(trace_header_equal(&h, &h2), "seed %llu: header differs\n%s",
			  (unsigned long long)seed, buf);
		while (trace_parser_next(p, &ev) > 0) {
			cr_assert(trace_event_equal(&ev, &evs[n]), "seed %llu: event %d differs",
				  (unsigned long long)seed, n);
			n++;
		}
		cr_assert_null(trace_parser_error(p), "%s", trace_parser_error(p));
		cr_assert_eq(n, 200);
		trace_parser_free(p);
		trace_header_release(&h);
		trace_header_release(&h2);
		free(evs);
		free(buf);
	}
}

Test(trace, writer_refuses_what_the_parser_would)
{
	struct trace_header h;
	struct trace_writer w;
	struct trace_event ev = { .kernel = TRACE_HOST, .op = TRACE_IOASID_FREE, .id = "a" };
	char *buf;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	trace_header_init(&h);
	cr_assert_eq(trace_writer_start(&w, f, &h), 0);
	ev.time = 10;
	cr_expect_eq(trace_write_event(&w, &ev), 0);
	ev.time = 9;
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "time going back");
	ev.time = 10;
	ev.id = "a b";
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "blank in a name");
	ev.id = "null";
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "reserved word");
	ev.id = "a";
	ev.cpu = 1;
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "CPU outside the world");
	ev.cpu = 0;
	ev.kernel = 0;
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "no VMs");
	ev.kernel = TRACE_HOST;
	ev.res = TRACE_RES_ERRNO;
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "void op with a result");
	ev.op = TRACE_VM_DESTROY;
	ev.res = TRACE_RES_NONE;
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "VM op on the host");
	cr_expect_eq(trace_header_add_meta(&h, "k", "has # hash"), -EINVAL);
	cr_expect_eq(trace_header_add_meta(&h, "k", " lead"), -EINVAL);
	cr_expect_eq(trace_header_add_meta(&h, "bad key", "x"), -EINVAL);
	cr_expect_eq(trace_writer_finish(&w), 0);
	fclose(f);
	free(buf);
	cr_expect_eq(w.events, 1);
	h.vcpus = 3;	/* per-VM keys in a bare-metal header */
	f = open_memstream(&buf, &len);
	cr_expect_eq(trace_writer_start(&w, f, &h), -EINVAL);
	fclose(f);
	free(buf);
	trace_header_release(&h);
}

Test(trace, errno_names_round_trip)
{
	cr_expect_str_eq(trace_errno_name(-ENOSPC), "ENOSPC");
	cr_expect_str_eq(trace_errno_name(-524), "ENOTSUPP");
	cr_expect_null(trace_errno_name(-4000));
	cr_expect(trace_name_valid("0xffff888100"));
	cr_expect_not(trace_name_valid("-1"));
	cr_expect_not(trace_name_valid("invalid"));
	cr_expect_not(trace_name_valid(""));
}

Test(trace, fault_keys_need_version_2_and_round_trip)
{
	static const char text[] =
		"pasidsim-trace 2\nmode vms\nvms 2\n"
		"vtd-latency-ns 2000\nvtd-stuck-ip 1\nvtd-force-sc 5\nvtd-sc-no-pasid 2\n"
		"vtd-result-mode raw\nvtd-result 0x200000\nvtd-drop-mode hang\nvtd-drop-nth 3\n"
		"vtd-drop-every 7\nvirtio-latency-ns 300\nvirtio-force-status 8\n"
		"virtio-bad-result 0\nvirtio-drop-nth 1\nvirtio-drop-every 2\n"
		"virtio-timeout-ns 5000000\nevents\n";
	struct trace_parser *p = trace_parser_mem(text, strlen(text), "f");
	struct trace_header h, h2;
	struct trace_writer w;
	const struct trace_faults *f = &h.faults;
	size_t len;
	char *buf;
	FILE *out;

	cr_assert_eq(trace_parser_header(p, &h), 0, "%s", trace_parser_error(p));
	trace_parser_free(p);
	cr_expect_eq(h.version, 2);
	cr_expect_eq(f->vtd_latency_ns, 2000);
	cr_expect(f->vtd_stuck_ip);
	cr_expect_eq(f->vtd_force_sc, 5);
	cr_expect_eq(f->vtd_sc_no_pasid, 2);
	cr_expect_eq(f->vtd_result_mode, TRACE_VTD_RESULT_RAW);
	cr_expect_eq(f->vtd_result, 0x200000);
	cr_expect_eq(f->vtd_drop_mode, TRACE_VTD_DROP_HANG);
	cr_expect_eq(f->vtd_drop_nth, 3);
	cr_expect_eq(f->vtd_drop_every, 7);
	cr_expect_eq(f->virtio_latency_ns, 300);
	cr_expect_eq(f->virtio_force_status, 8);
	cr_expect(f->virtio_bad_result);
	cr_expect_eq(f->virtio_result, 0);
	cr_expect_eq(f->virtio_drop_nth, 1);
	cr_expect_eq(f->virtio_drop_every, 2);
	cr_expect_eq(f->virtio_timeout_ns, 5000000);
	cr_expect_eq(trace_header_min_version(&h), 2);
	/* written as version 2, parsed back equal */
	out = open_memstream(&buf, &len);
	cr_assert_eq(trace_writer_start(&w, out, &h), 0);
	cr_assert_eq(trace_writer_finish(&w), 0);
	fclose(out);
	cr_expect(!strncmp(buf, "pasidsim-trace 2\n", 17), "%s", buf);
	cr_expect(strstr(buf, "\nvirtio-bad-result 0\n"), "%s", buf);
	p = trace_parser_mem(buf, len, "rt");
	cr_assert_eq(trace_parser_header(p, &h2), 0, "%s", trace_parser_error(p));
	cr_expect(trace_header_equal(&h, &h2));
	trace_parser_free(p);
	free(buf);
	trace_header_release(&h2);
	/* without knobs: version 1, exactly as before (older parsers read it) */
	trace_faults_init(&h.faults);
	cr_expect_eq(trace_header_min_version(&h), 1);
	out = open_memstream(&buf, &len);
	cr_assert_eq(trace_writer_start(&w, out, &h), 0);
	cr_assert_eq(trace_writer_finish(&w), 0);
	fclose(out);
	cr_expect(!strncmp(buf, "pasidsim-trace 1\n", 17), "%s", buf);
	cr_expect_null(strstr(buf, "vtd-latency"), "%s", buf);
	free(buf);
	/* the writer refuses knobs on bare metal, as the parser does */
	trace_header_release(&h);
	h.faults.vtd_stuck_ip = true;
	out = open_memstream(&buf, &len);
	cr_expect_eq(trace_writer_start(&w, out, &h), -EINVAL);
	fclose(out);
	free(buf);
	trace_header_release(&h);
}

/* Version 4: its operations, value results, tie-break keys and the schedule key. */
Test(trace, version_4_ops_keys_and_schedule)
{
	static const char v4[] =
		"pasidsim-trace 4\nmode vms\nvms 1\nviommus 2\nschedule explicit\nevents\n"
		"0 host 0 sched_tiebreak keys=3,0x10,18446744073709551615\n"
		"0 vm0 0 mmio_read viommu=1 off=0xe00 width=4 = 0x12\n"
		"0 vm0 0 virtio_request len=12 val=0x80 tail=0x1 = -ENODEV\n"
		"5 host 0 vfio_pasid_lookup vm=0 id=3 = 0\n"
		"5 host 0 world_run\n";
	struct trace_parser *p = trace_parser_mem(v4, sizeof(v4) - 1, "t.trace");
	struct trace_header h;
	struct trace_event ev;
	uint64_t k[4];

	cr_assert_eq(trace_parser_header(p, &h), 0, "%s", trace_parser_error(p));
	cr_expect_eq(h.schedule, TRACE_SCHEDULE_EXPLICIT);
	cr_expect_eq(trace_header_min_version(&h), 4);
	cr_assert_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.op, TRACE_SCHED_TIEBREAK);
	cr_expect_eq(trace_keys_parse(ev.keys, strlen(ev.keys), k, 4), 3);
	cr_expect_eq(k[1], 16);
	cr_expect_eq(k[2], UINT64_MAX);
	cr_assert_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.op, TRACE_MMIO_READ);
	cr_expect_eq(ev.res, TRACE_RES_VALUE);
	cr_expect_eq(ev.res_val, 0x12);
	cr_expect_eq(trace_op_sim(ev.op, ev.width), SIM_OP_REG_READ32);
	cr_assert_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.op, TRACE_VIRTIO_REQUEST);
	cr_expect_eq(ev.len, 12);
	cr_expect_eq(ev.res_val, -ENODEV);
	cr_assert_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.op, TRACE_VFIO_LOOKUP);
	cr_assert_eq(trace_parser_next(p, &ev), 1, "%s", trace_parser_error(p));
	cr_expect_eq(ev.op, TRACE_WORLD_RUN);
	cr_expect_eq(trace_parser_next(p, &ev), 0);
	trace_header_release(&h);
	trace_parser_free(p);
	/* older versions refuse them, with the version they need */
	expect_error("pasidsim-trace 3\nmode vms\nvms 1\nevents\n"
			   "0 vm0 0 mmio_read viommu=0 off=0 width=8\n", "t.trace:5:9:",
			   "mmio_read needs trace format version 4");
	expect_error("pasidsim-trace 3\nmode vms\nvms 1\nschedule explicit\nevents\n",
		     "t.trace:4:1:", "'schedule' needs 'pasidsim-trace 4'");
	expect_error("pasidsim-trace 4\nmode bare-metal\nschedule auto\nevents\n",
		     "t.trace:4:1:", "no VM keys");
	/* bad key lists */
	expect_error("pasidsim-trace 4\nmode vms\nvms 1\nevents\n"
			   "0 host 0 sched_tiebreak keys=1,,2\n", "t.trace:5:30:", "tie-break keys");
	expect_error("pasidsim-trace 4\nmode vms\nvms 1\nevents\n"
			   "0 host 0 sched_tiebreak keys=1,\n", "t.trace:5:30:", "tie-break keys");
	expect_error("pasidsim-trace 4\nmode vms\nvms 1\nevents\n"
			   "0 vm0 0 world_run\n", "t.trace:5:3:", "expected 'host' for world_run");
}

/* Every executor operation has one trace form, and the two directions agree. */
Test(trace, vocabulary_maps_every_executor_op_both_ways)
{
	for (int k = 0; k < SIM_OP__COUNT; k++) {
		unsigned int width;
		enum trace_op op = trace_op_of_sim(k, &width);

		cr_assert_neq(op, TRACE_OP__NR, "executor op %d has no trace form", k);
		cr_expect_eq(trace_op_sim(op, width), (enum sim_op_kind)k, "%s", trace_op_name(op));
	}
	cr_expect_eq(trace_op_sim(TRACE_GAP, 0), SIM_OP__COUNT);
	cr_expect_eq(trace_op_sim(TRACE_SVA_ALLOC, 0), SIM_OP__COUNT);
	cr_expect_eq(trace_op_field(TRACE_MMIO_WRITE, 'x'), ARG_VAL);
	cr_expect_eq(trace_op_field(TRACE_VFIO_SET_QUOTA, 'a'), ARG_QUOTA);
	cr_expect_eq(trace_op_field(TRACE_PASID_EXIT, 'a'), -1);
}

/* Version 4's arguments and header keys: the writer refuses what the parser would. */
Test(trace, writer_refuses_bad_version_4_events_and_headers)
{
	struct trace_header h;
	struct trace_writer w;
	struct trace_event ev = { .kernel = TRACE_HOST, .op = TRACE_SCHED_TIEBREAK,
				  .keys = "1,2" };
	char *buf;
	size_t len;
	FILE *f;

	trace_header_init(&h);
	cr_assert_eq(trace_header_set_vms(&h, 1), 0);
	f = open_memstream(&buf, &len);
	cr_assert_eq(trace_writer_start(&w, f, &h), 0);
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "a version 1 header cannot hold it");
	trace_writer_finish(&w);
	fclose(f);
	free(buf);
	h.vms[0].boot = TRACE_BOOT_EVENT;	/* a VM booted by its event: version 4 */
	cr_expect_eq(trace_header_min_version(&h), 4);
	f = open_memstream(&buf, &len);
	cr_assert_eq(trace_writer_start(&w, f, &h), 0);
	cr_expect_eq(trace_write_event(&w, &ev), 0);
	ev.keys = "1,,2";
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "an empty key");
	ev.keys = NULL;
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "no keys");
	ev = (struct trace_event){ .kernel = TRACE_HOST, .op = TRACE_HOST_ALLOCATOR_REGISTER,
				   .slot = 3 };
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "slot 0-2");
	ev = (struct trace_event){ .kernel = TRACE_HOST, .op = TRACE_PASID_SET_OPS, .ops = 6 };
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "ops 0-5");
	ev = (struct trace_event){ .kernel = TRACE_HOST, .op = TRACE_PASID_NULL_ARG, .c = "c",
				   .call = 8 };
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "call 0-7");
	ev = (struct trace_event){ .kernel = 0, .op = TRACE_VIRTIO_REQUEST, .len = 17 };
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "len 0-16");
	ev = (struct trace_event){ .kernel = 0, .op = TRACE_MMIO_READ, .width = 2 };
	cr_expect_eq(trace_write_event(&w, &ev), -EINVAL, "width 4 or 8");
	ev.width = 4;
	ev.res = TRACE_RES_VALUE;
	ev.res_val = -1;	/* 0xffff...: a value, not an errno */
	cr_expect_eq(trace_write_event(&w, &ev), 0);
	cr_expect_eq(trace_writer_finish(&w), 0);
	fclose(f);
	cr_expect(strstr(buf, "pasidsim-trace 4\n"), "%s", buf);
	cr_expect(strstr(buf, "\nvm 0 boot=event\n"), "%s", buf);
	cr_expect(strstr(buf, "\n0 vm0 0 mmio_read viommu=0 off=0x0 width=4 = 0xffffffffffffffff\n"),
		  "%s", buf);
	free(buf);
	trace_header_release(&h);
}
