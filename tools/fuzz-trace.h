/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: a fuzz harness's input as a trace (a reproducer): the world
 * harness's input is decoded by the harness's own decoder
 * (<sim/world-decode.h>) and run in the same world, and every operation,
 * run and tie-break key it took is written as a version 4 trace with an
 * explicit schedule, with the results it got, so that `pasidsim replay`
 * runs the same interleaving and reports the same findings.
 */
#ifndef PASIDSIM_FUZZ_TRACE_H
#define PASIDSIM_FUZZ_TRACE_H

#include <stddef.h>

struct fuzz_trace_opts {
	/* the host's core ("pasidsim+BUG": a seeded bug's), as PASIDSIM_FUZZ_WORLD_HOST */
	const char *host;
	/* the input's name in the trace's meta lines (NULL: its path) */
	const char *name;
};

/*
 * Convert @input_path, an input of harness @harness ("world"), into a trace
 * at @out_path ("-": standard output; written through a temporary file and
 * renamed). Returns 0 when the run had no finding the harness would report,
 * 1 when it had one (named in the trace's "meta finding" line and in @err),
 * -1 on an error (in @err): an unknown harness, an unreadable input, a world
 * that cannot be built, a write error; -2 (nothing written) when the input
 * injects allocation failures (byte 0 bit 6), which a trace cannot hold.
 */
int fuzz_to_trace(const char *harness, const char *input_path, const char *out_path,
		  const struct fuzz_trace_opts *o, char *err, size_t errlen);


#endif /* PASIDSIM_FUZZ_TRACE_H */
