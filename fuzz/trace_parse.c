// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz harness: the trace parser (tools/trace.c) on arbitrary bytes.
 *
 * Oracles: no crash or sanitizer report on any input; every error message
 * is "fuzz.trace:LINE:COL: ..."; and whatever the parser accepts, the writer
 * accepts too, and parsing the writer's output gives the same header and
 * the same events (parse(write(parse(x))) == parse(x)).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "trace.h"

static void check_error(const struct trace_parser *p)
{
	const char *e = trace_parser_error(p);
	unsigned long line;
	unsigned int col;
	int n = 0;

	if (!e)
		return;
	if (sscanf(e, "fuzz.trace:%lu:%u: %n", &line, &col, &n) != 2 || !n || !line || !col ||
	    col > TRACE_MAX_LINE + 1) {
		fprintf(stderr, "malformed error message: %s\n", e);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_parser *p = trace_parser_mem(data, size, "fuzz.trace"), *a, *b;
	struct trace_header h, h2, h3;
	struct trace_event ev, eb;
	struct trace_writer w;
	unsigned long n = 0;
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	if (!p)
		return 0;
	if (trace_parser_header(p, &h)) {
		check_error(p);
		trace_header_release(&h);
		trace_parser_free(p);
		return 0;
	}
	f = open_memstream(&out, &len);
	if (!f)
		abort();
	if (trace_writer_start(&w, f, &h)) {
		fprintf(stderr, "the writer refuses a header the parser accepted\n");
		abort();
	}
	while ((r = trace_parser_next(p, &ev)) > 0) {
		if (trace_write_event(&w, &ev)) {
			fprintf(stderr, "the writer refuses event %lu (line %lu)\n", n,
				trace_parser_line(p));
			abort();
		}
		n++;
	}
	if (r < 0)
		check_error(p);
	trace_writer_finish(&w);
	fclose(f);
	trace_parser_free(p);

	/* lockstep: the input's events against the output's */
	a = trace_parser_mem(data, size, "fuzz.trace");
	b = trace_parser_mem(out, len, "written");
	if (trace_parser_header(a, &h2) || trace_parser_header(b, &h3) ||
	    !trace_header_equal(&h, &h3) || !trace_header_equal(&h2, &h3)) {
		fprintf(stderr, "header round trip differs: %s\n", out);
		abort();
	}
	for (unsigned long i = 0; i < n; i++) {
		if (trace_parser_next(a, &ev) != 1 || trace_parser_next(b, &eb) != 1 ||
		    !trace_event_equal(&ev, &eb)) {
			fprintf(stderr, "event %lu differs after a round trip\n", i);
			abort();
		}
	}
	if (trace_parser_next(b, &eb) != 0) {
		fprintf(stderr, "the written trace has more events or an error: %s\n",
			trace_parser_error(b) ? trace_parser_error(b) : "");
		abort();
	}
	trace_parser_free(a);
	trace_parser_free(b);
	trace_header_release(&h);
	trace_header_release(&h2);
	trace_header_release(&h3);
	free(out);
	return 0;
}
