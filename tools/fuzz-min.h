/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimising a fuzz finding ('pasidsim fuzz HARNESS --minimize=INPUT'):
 * the engine's own minimiser (libFuzzer's -minimize_crash, AFL++'s
 * afl-tmin) shrinks the input, and the harness's standalone replayer
 * checks that the smaller input still gives the same finding: the same
 * signature, which is the most telling line the replayer prints (a
 * FUZZ_ASSERT's message, else a sanitizer's SUMMARY or ERROR line) with
 * addresses and numbers taken out, so that "vm0 holds 9 PASIDs" and "vm0
 * holds 1 PASIDs" are one finding and a heap-use-after-free is not a
 * different FUZZ_ASSERT.
 */
#ifndef PASIDSIM_FUZZ_MIN_H
#define PASIDSIM_FUZZ_MIN_H

#include <stdbool.h>
#include <stddef.h>

#include "fuzz-campaign.h"

/*
 * The signature of the finding in @log (a replayer's or engine's output) into
 * @sig, and the line it comes from into @line (both may be NULL): 1 found, 0
 * the log shows no finding.
 */
int fuzz_finding_signature(const char *log, char *sig, size_t siglen, char *line,
			   size_t linelen);

struct fuzz_min {
	/* in */
	enum fuzz_engine engine;
	const char *bin;	/* the engine's binary of the harness */
	const char *replayer;	/* the fuzz preset's standalone fuzz_<harness> */
	const char *core;	/* PASIDSIM_FUZZ_CORE, or NULL */
	const char *input, *out;
	unsigned int seconds;	/* libFuzzer: -max_total_time of each step */
	/* out */
	size_t in_len, out_len;
	char finding[512];	/* the input's finding line */
	char min_finding[512];	/* the minimised input's */
};

/*
 * Minimise @m->input into @m->out (written whole or not at all): 0 done, the
 * same finding; -1 with @err (the input gives no finding, the engine failed,
 * or the smaller input gives another finding: nothing written).
 */
int fuzz_minimize(struct fuzz_min *m, char *err, size_t errlen);

#endif /* PASIDSIM_FUZZ_MIN_H */
