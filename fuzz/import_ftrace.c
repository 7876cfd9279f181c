// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness: pasidsim import's capture parsers (ftrace, trace-cmd report,
 * perf script) and its pairing, on arbitrary text.
 *
 * The input is a capture, fed line by line under each format (auto, ftrace,
 * perf). Besides "no crash, no leak, no UB" the harness checks that:
 * - every event handed out is one the trace writer accepts (valid names,
 *   CPUs, results, time that never goes back) and that the parser reads
 *   back identically (import -> trace text -> parse);
 * - the counts add up: every entry is paired or unpaired, every return too;
 * - an error names the capture, a line within the input and a column.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "import.h"
#include "trace.h"

#define MAX_INPUT	(64 * 1024)

struct harness {
	struct trace_writer w;
	char **lines;
	size_t n, cap;
	uint64_t last_time;
};

static int sink(void *arg, const struct trace_event *ev, unsigned long line)
{
	struct harness *h = arg;
	char buf[TRACE_MAX_LINE];
	int ret;

	FUZZ_ASSERT(ev->time >= h->last_time, "time went back at capture line %lu", line);
	h->last_time = ev->time;
	FUZZ_ASSERT(trace_format_event(buf, sizeof(buf), ev) >= 0, "unformattable event");
	ret = trace_write_event(&h->w, ev);
	FUZZ_ASSERT(!ret, "the writer refused '%s' (capture line %lu): %d", buf, line, ret);
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->lines = realloc(h->lines, h->cap * sizeof(*h->lines));
		FUZZ_ASSERT(h->lines, "out of memory");
	}
	h->lines[h->n] = strdup(buf);
	FUZZ_ASSERT(h->lines[h->n], "out of memory");
	h->n++;
	return 0;
}

/* The written trace parses back to the events handed out, in order. */
static void check_round_trip(struct harness *h, const char *text, size_t len)
{
	struct trace_parser *p = trace_parser_mem(text, len, "fuzz");
	struct trace_header hdr;
	struct trace_event ev;
	char buf[TRACE_MAX_LINE];
	size_t i = 0;
	int ret;

	FUZZ_ASSERT(p, "out of memory");
	FUZZ_ASSERT(!trace_parser_header(p, &hdr), "header: %s", trace_parser_error(p));
	while ((ret = trace_parser_next(p, &ev)) == 1) {
		FUZZ_ASSERT(i < h->n, "more events parsed than written");
		FUZZ_ASSERT(trace_format_event(buf, sizeof(buf), &ev) >= 0, "unformattable");
		FUZZ_ASSERT(!strcmp(buf, h->lines[i]), "round trip: '%s' became '%s'",
			    h->lines[i], buf);
		i++;
	}
	FUZZ_ASSERT(ret == 0, "parse: %s", trace_parser_error(p));
	FUZZ_ASSERT(i == h->n, "%zu events written, %zu parsed", h->n, i);
	trace_parser_free(p);
	trace_header_release(&hdr);
}

static void run(const uint8_t *data, size_t size, enum import_format fmt)
{
	struct harness h = { 0 };
	struct trace_header hdr;
	const struct import_stats *st;
	struct importer *im;
	unsigned long nlines = 1;
	char *text = NULL;
	size_t text_len = 0, pos = 0;
	FILE *out;
	int ret = 0;

	trace_header_init(&hdr);
	hdr.host_cpus = TRACE_MAX_CPUS;
	out = open_memstream(&text, &text_len);
	FUZZ_ASSERT(out, "open_memstream");
	FUZZ_ASSERT(!trace_writer_start(&h.w, out, &hdr), "header");
	im = importer_new(fmt, "fuzz", sink, &h, NULL);
	FUZZ_ASSERT(im, "out of memory");
	for (size_t i = 0; i < size; i++)
		nlines += data[i] == '\n';
	while (pos < size && !ret) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;

		ret = importer_feed(im, (const char *)data + pos, len);
		pos += len + 1;
	}
	if (!ret)
		ret = importer_finish(im);
	st = importer_stats(im);
	if (ret) {
		const char *err = importer_error(im);
		unsigned long line;

		FUZZ_ASSERT(err && !strncmp(err, "fuzz:", 5), "error without position: %s", err);
		line = strtoul(err + 5, NULL, 10);
		FUZZ_ASSERT(line >= 1 && line <= nlines, "error line %lu of %lu", line, nlines);
	} else {
		FUZZ_ASSERT(st->entries == st->pairs + st->unpaired_entries,
			    "entries %lu != pairs %lu + unpaired %lu", st->entries, st->pairs,
			    st->unpaired_entries);
		FUZZ_ASSERT(st->returns == st->pairs + st->unpaired_returns,
			    "returns %lu != pairs %lu + unpaired %lu", st->returns, st->pairs,
			    st->unpaired_returns);
		FUZZ_ASSERT(st->events == st->entries + st->returns, "events");
		FUZZ_ASSERT(st->ops + st->gaps == h.n, "ops + gaps != events handed out");
	}
	importer_free(im);
	FUZZ_ASSERT(!trace_writer_finish(&h.w), "writer");
	fclose(out);
	check_round_trip(&h, text, text_len);
	free(text);
	for (size_t i = 0; i < h.n; i++)
		free(h.lines[i]);
	free(h.lines);
	trace_header_release(&hdr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	run(data, size, IMPORT_FMT_AUTO);
	run(data, size, IMPORT_FMT_FTRACE);
	run(data, size, IMPORT_FMT_PERF);
	return 0;
}
