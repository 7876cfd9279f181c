// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim import: the whole conversion, a capture file into a trace (two
 * passes of the importer: names first, then the events), and the header
 * the trace gets (import.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-int.h"

/* ---- the whole conversion ------------------------------------------------------- */

int import_header(struct trace_header *h, const struct import_stats *st,
		  enum trace_flavour flavour, const char *capture)
{
	const char *base = strrchr(capture, '/');
	int cpus = st->max_cpu + 1;
	char buf[320], name[260];
	size_t n = 0;

	trace_header_init(h);
	if (st->declared_cpus > cpus)
		cpus = st->declared_cpus;
	h->host_cpus = cpus < 1 ? 1 : cpus;
	h->flavour_host = flavour;
	base = base ? base + 1 : capture;
	/* meta text is printable ASCII with single spaces and no '#': others become '_' */
	for (const char *c = base; *c && n < sizeof(name) - 1; c++) {
		unsigned char u = *c;

		if (u == ' ' && (!n || name[n - 1] == ' '))
			continue;
		name[n++] = u < 0x20 || u > 0x7e || u == '#' ? '_' : u;
	}
	while (n && name[n - 1] == ' ')
		n--;
	name[n] = '\0';
	if (trace_header_add_meta(h, "importer", "pasidsim import"))
		goto fail;
	snprintf(buf, sizeof(buf), "%s (%s)", n ? name : "-", import_format_name(st->format));
	if (trace_header_add_meta(h, "capture", buf))
		goto fail;
	if (trace_header_add_meta(h, "note", "one kernel (host); CPUs as recorded; time in ns "
				  "from the first probe event"))
		goto fail;
	return 0;
fail:
	trace_header_release(h);
	return -1;
}

struct write_ctx {
	struct trace_writer w;
	const char *capture;
	char *err;
	size_t errlen;
};

static int write_sink(void *arg, const struct trace_event *ev, unsigned long line)
{
	struct write_ctx *c = arg;
	int ret = trace_write_event(&c->w, ev);
	char text[TRACE_MAX_LINE];

	if (!ret)
		return 0;
	if (trace_format_event(text, sizeof(text), ev) < 0)
		snprintf(text, sizeof(text), "%s", trace_op_name(ev->op));
	snprintf(c->err, c->errlen, "%s:%lu: cannot write the trace event '%.300s': %s",
		 c->capture, line, text, strerror(ret < 0 ? -ret : ret));
	return ret ? ret : -1;
}

int import_convert(FILE *in, const char *capture, enum import_format fmt,
		   enum trace_flavour flavour, FILE *out, FILE *diag,
		   struct import_stats *st, char *err, size_t errlen)
{
	struct write_ctx ctx = { .capture = capture, .err = err, .errlen = errlen };
	struct import_stats first;
	struct trace_header h;
	struct importer *im;
	int ret;

	err[0] = '\0';
	/* pass 1: the CPUs to declare, the format, a positionless perf summary */
	import_progress_pass(1);
	im = importer_new(fmt, capture, NULL, NULL, NULL);
	if (!im)
		goto nomem;
	ret = importer_read(im, in);
	if (ret)
		snprintf(err, errlen, "%s", importer_error(im) ?: "import failed");
	first = *importer_stats(im);
	*st = first;
	importer_free(im);
	if (ret)
		return -1;
	if (!first.events && !first.gaps && !first.summary_gap) {
		snprintf(err, errlen, "%s:%lu:1: expected kprobe events of the PASID allocator "
			 "(docs/recording.md), found none in %lu line%s", capture,
			 first.lines ? first.lines : 1, first.lines, first.lines == 1 ? "" : "s");
		return -1;
	}
	if (fseek(in, 0, SEEK_SET)) {
		snprintf(err, errlen, "%s: cannot read it a second time: %s", capture,
			 strerror(errno));
		return -1;
	}
	/* pass 2: write */
	import_progress_pass(2);
	if (import_header(&h, &first, flavour, capture))
		goto nomem;
	ret = trace_writer_start(&ctx.w, out, &h);
	if (ret) {
		snprintf(err, errlen, "%s: cannot write the trace header: %s", capture,
			 strerror(-ret));
		trace_header_release(&h);
		return -1;
	}
	im = importer_new(fmt, capture, write_sink, &ctx, diag);
	if (!im) {
		trace_header_release(&h);
		goto nomem;
	}
	ret = importer_prime(im, &first);
	if (!ret)
		ret = importer_read(im, in);
	if (ret && !err[0])
		snprintf(err, errlen, "%s", importer_error(im) ?: "import failed");
	*st = *importer_stats(im);
	importer_free(im);
	if (!ret) {
		ret = trace_writer_finish(&ctx.w);
		if (ret)
			snprintf(err, errlen, "%s: writing the trace: %s", capture, strerror(-ret));
	}
	trace_header_release(&h);
	return ret ? -1 : 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", capture);
	return -1;
}
