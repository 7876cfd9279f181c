// SPDX-License-Identifier: GPL-2.0
/*
 * trace_roundtrip FILE [NAME]: parse FILE (named NAME in messages) and write
 * it back in canonical form on stdout, then every parser or writer error
 * and the parser's counters. tests/trace/roundtrip.sh runs it over every
 * trace and corpus file of the repository and compares the bytes with
 * tests/trace/roundtrip.golden, taken before the parser became tables.
 */
#include <stdio.h>
#include <stdlib.h>

#include "trace.h"

static void line(const char *what, const struct trace_parser *p)
{
	const char *e = trace_parser_error(p);

	printf("%s: %s (line %lu, gaps %lu)\n", what, e ? e : "(none)",
	       trace_parser_line(p), trace_parser_gaps(p));
}

int main(int argc, char **argv)
{
	struct trace_parser *p;
	struct trace_header h;
	struct trace_writer w;
	struct trace_event ev;
	char buf[TRACE_MAX_LINE * 2];
	unsigned long n = 0;
	FILE *f;
	int r;

	if (argc < 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: trace_roundtrip FILE [NAME]\n");
		return 2;
	}
	p = trace_parser_new(f, argc > 2 ? argv[2] : argv[1]);
	if (!p)
		return 2;
	if (trace_parser_header(p, &h)) {
		line("header error", p);
		goto out;
	}
	r = trace_writer_start(&w, stdout, &h);
	printf("# writer start %d\n", r);
	while ((r = trace_parser_next(p, &ev)) > 0) {
		int len = trace_format_event(buf, sizeof(buf), &ev);

		r = trace_write_event(&w, &ev);
		if (r || len < 0)
			printf("# event %lu: write %d, format %d\n", n, r, len);
		n++;
	}
	printf("# writer finish %d, %lu events\n", trace_writer_finish(&w), n);
	line(r < 0 ? "event error" : "end", p);
out:
	trace_header_release(&h);
	trace_parser_free(p);
	fclose(f);
	return 0;
}
