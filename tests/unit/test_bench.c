// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim bench's parts that can be wrong without any timing: the bitmap
 * lower bound (against a reference model of "lowest free ID first"), and the
 * callgrind output parser (on tests/bench/callgrind.out and broken copies).
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench-bitmap.h"

static struct bench_bitmap bm;

static void bm_setup(void)
{
	cr_assert_eq(bench_bitmap_init(&bm), 0);
}

static void bm_teardown(void)
{
	bench_bitmap_fini(&bm);
}

TestSuite(bench_bitmap, .init = bm_setup, .fini = bm_teardown);

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The reference: a byte per ID, scanned from min. */
static uint32_t model_alloc(uint8_t *used, uint32_t min, uint32_t max)
{
	for (uint32_t id = min; id <= max; id++)
		if (!used[id]) {
			used[id] = 1;
			return id;
		}
	return UINT32_MAX;
}

Test(bench_bitmap, lowest_free_first_like_the_model)
{
	uint8_t *used = calloc(BM_BITS, 1);
	uint32_t *live = malloc(20000 * sizeof(*live)), nlive = 0;
	uint64_t s = 88172645463325252ULL;

	cr_assert(used && live);
	for (int i = 0; i < 20000; i++) {
		if (nlive && rng(&s) % 3 == 0) {
			uint32_t k = rng(&s) % nlive, id = live[k];

			cr_assert(bench_bitmap_free(&bm, id), "free %u", id);
			used[id] = 0;
			live[k] = live[--nlive];
		} else {
			uint32_t min = rng(&s) % 4 ? 1 : rng(&s) % 70000;
			uint32_t want = model_alloc(used, min, BM_BITS - 1);
			uint32_t got = bench_bitmap_alloc(&bm, min, BM_BITS - 1, &live[0]);

			cr_assert_eq(got, want, "op %d: alloc from %u gave %u, expected %u", i, min,
				     got, want);
			live[nlive++] = got;
		}
	}
	cr_assert_eq(bm.count, nlive);
	free(used);
	free(live);
}

Test(bench_bitmap, crosses_every_summary_level_and_fills_up)
{
	/* Fill all but three IDs spread over the levels, then find them in order. */
	const uint32_t holes[] = { 63, 64 * 64 * 7 + 5, BM_BITS - 1 };
	uint32_t id;

	for (uint32_t i = 0; i < BM_BITS; i++)
		cr_assert_eq(bench_bitmap_alloc(&bm, 0, BM_BITS - 1, NULL), i);
	cr_assert_eq(bench_bitmap_alloc(&bm, 0, BM_BITS - 1, NULL), UINT32_MAX, "full");
	for (int i = 2; i >= 0; i--)
		cr_assert(bench_bitmap_free(&bm, holes[i]));
	cr_assert_eq(bench_bitmap_alloc(&bm, 64, 64 * 64 * 7 + 4, NULL), UINT32_MAX,
		     "no hole in that range");
	for (int i = 0; i < 3; i++) {
		id = bench_bitmap_alloc(&bm, 0, BM_BITS - 1, NULL);
		cr_assert_eq(id, holes[i]);
	}
	cr_assert_not(bench_bitmap_free(&bm, BM_BITS), "out of range");
	cr_assert_eq(bench_bitmap_alloc(&bm, 5, 4, NULL), UINT32_MAX, "empty range");
}

static int collect(uint32_t id, void *priv, void *arg)
{
	uint32_t **p = arg;

	*(*p)++ = id;
	return id == 9000 ? 7 : 0;
}

Test(bench_bitmap, find_and_for_each)
{
	uint32_t seen[16], *p = seen;
	int tok;

	for (uint32_t i = 0; i < 10; i++)
		bench_bitmap_alloc(&bm, i * 1000, BM_BITS - 1, &tok);
	cr_assert(bench_bitmap_free(&bm, 3000));
	cr_assert_not(bench_bitmap_free(&bm, 3000), "double free is refused");
	cr_assert_eq(bench_bitmap_find(&bm, 2000), &tok);
	cr_assert_null(bench_bitmap_find(&bm, 3000));
	cr_assert_null(bench_bitmap_find(&bm, 2001));
	/* stops at 9000, the callback's non-zero return comes back */
	cr_assert_eq(bench_bitmap_for_each(&bm, collect, &p), 7);
	cr_assert_eq(p - seen, 9);
	cr_assert_eq(seen[0], 0);
	cr_assert_eq(seen[3], 4000);
}

/* ---- callgrind output ----------------------------------------------------------------- */

static int parse_text(const char *text, uint64_t *ir)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	cr_assert(f);
	ret = bench_callgrind_parse(f, ir);
	fclose(f);
	return ret;
}

Test(bench_callgrind, fixture_totals_at_the_ir_column)
{
	FILE *f = fopen(PASIDSIM_SOURCE_DIR "/tests/bench/callgrind.out", "r");
	uint64_t ir = 0;

	cr_assert(f);
	cr_assert_eq(bench_callgrind_parse(f, &ir), 0);
	fclose(f);
	/* events: Bc Ir Dr -> the second column of "totals:", not "summary: 0" */
	cr_assert_eq(ir, 262037);
}

Test(bench_callgrind, summary_without_totals)
{
	uint64_t ir = 0;

	cr_assert_eq(parse_text("events: Ir\nsummary: 1234\n", &ir), 0);
	cr_assert_eq(ir, 1234);
}

Test(bench_callgrind, broken_files_are_refused)
{
	uint64_t ir = 99;

	cr_assert_eq(parse_text("", &ir), -1);
	cr_assert_eq(parse_text("totals: 5\n", &ir), -1, "no events: line");
	cr_assert_eq(parse_text("events: Dr Bc\ntotals: 5 6\n", &ir), -1, "no Ir event");
	cr_assert_eq(parse_text("events: Bc Ir\ntotals: 5\n", &ir), -1, "Ir column missing");
	cr_assert_eq(parse_text("events: Ir\ntotals: x\n", &ir), -1, "not a number");
	cr_assert_eq(ir, 99, "unchanged on failure");
}
