// SPDX-License-Identifier: GPL-2.0
/*
 * Replay engine (tools/replay.[ch]) and the gen/replay commands: name
 * mapping, check-mode divergences with their line, gaps, --record round
 * trips, timing-mode parsing, gen determinism.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sim/core.h>

#include "replay.h"
#include "replay-int.h"

#define HDR "pasidsim-trace 1\nmode bare-metal\nhost-cpus 2\nevents\n"

struct run {
	int ret;
	struct replay_stats st;
	char *rec;		/* --record output */
	size_t rec_len;
};

static bool strict_flavour;

static void replay_text(const char *text, bool record, struct run *r)
{
	struct replay_opts o;
	FILE *f = NULL;

	replay_opts_init(&o);
	o.msg = fopen("/dev/null", "w");
	/* bare metal runs on whichever core this build links in (linux-6.1 builds too) */
	o.any_flavour = !strict_flavour;
	if (record) {
		f = open_memstream(&r->rec, &r->rec_len);
		o.record = f;
	}
	r->ret = replay_mem(text, strlen(text), "t.trace", &o, &r->st);
	if (f)
		fclose(f);
	fclose(o.msg);
}

Test(replay, recorded_ids_are_names)
{
	/* The capture got 100 and 200; the replay gets 1 and 2. */
	struct run r = { 0 };

	replay_text(HDR
		    "1 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 host 0 iommu_pasid_alloc c=a min=1 max=1000 priv=x = 100\n"
		    "3 host 1 iommu_pasid_alloc c=a min=1 max=1000 priv=y = 200\n"
		    "4 host 1 iommu_pasid_find c=a id=200 = y\n"
		    "5 host 0 iommu_pasid_free c=a id=100 = 0\n"
		    "6 host 0 iommu_pasid_find c=a id=200 = y\n"
		    "7 host 0 iommu_pasid_free c=a id=100 = -ENOENT\n"
		    "8 host 0 iommu_pasid_for_each c=a = 1\n"
		    "9 host 0 ioasid_alloc set=s min=1 max=9 priv=p = 300\n"
		    "10 host 0 ioasid_find set=s id=300 = p\n"
		    "11 host 0 ioasid_find set=t id=300 = -EACCES\n"
		    "12 host 0 ioasid_set_data id=300 priv=q = 0\n"
		    "13 host 0 ioasid_find set=null id=300 = q\n"
		    "14 host 0 ioasid_free id=300\n"
		    "15 host 0 iommu_pasid_exit c=a\n", true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.ops, 15);
	cr_expect_eq(r.st.checked, 13);
	cr_expect_eq(r.st.errors, 2);
	cr_expect_eq(r.st.divergences, 0);
	/* --record writes the replayed IDs */
	cr_expect(strstr(r.rec, "iommu_pasid_alloc c=a min=1 max=1000 priv=x = 1\n"), "%s", r.rec);
	cr_expect(strstr(r.rec, "iommu_pasid_find c=a id=2 = y\n"), "%s", r.rec);
	cr_expect(strstr(r.rec, "ioasid_alloc set=s min=1 max=9 priv=p = 1\n"), "%s", r.rec);
	free(r.rec);
}

Test(replay, first_divergence_is_reported_with_its_line)
{
	struct run r = { 0 };

	replay_text(HDR
		    "1 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 host 0 iommu_pasid_alloc c=a min=1 max=1 priv=x = 5\n"
		    "# the range holds one ID: the second alloc fails, not as recorded\n"
		    "3 host 0 iommu_pasid_alloc c=a min=1 max=1 priv=x = 6\n"
		    "4 host 0 iommu_pasid_free c=a id=5 = -EINVAL\n", false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.st.div_line, 8);
	cr_expect(strstr(r.st.divergence, "t.trace:8: divergence: iommu_pasid_alloc returned "
			 "-ENOSPC, the trace recorded PASID '6'"), "%s", r.st.divergence);

	replay_text(HDR
		    "1 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 host 0 iommu_pasid_alloc c=a min=1 max=9 priv=x = 5\n"
		    "3 host 0 iommu_pasid_find c=a id=5 = y\n", false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect(strstr(r.st.divergence, "t.trace:7: divergence: iommu_pasid_find returned "
			 "token x, the trace recorded token y"), "%s", r.st.divergence);

	replay_text(HDR "1 host 0 iommu_pasid_for_each c=a = 0\n", false, &r);
	cr_expect_eq(r.ret, 1, "for_each on an uninitialised consumer is -EINVAL");
	cr_expect(strstr(r.st.divergence, "returned -EINVAL, the trace recorded 0"), "%s",
		  r.st.divergence);
}

Test(replay, no_check_ignores_recorded_results)
{
	struct replay_opts o;
	struct replay_stats st;
	static const char text[] = HDR "1 host 0 iommu_pasid_for_each c=a = 3\n";

	replay_opts_init(&o);
	o.any_flavour = true;
	o.check = false;
	cr_expect_eq(replay_mem(text, strlen(text), "t", &o, &st), 0);
	cr_expect_eq(st.checked, 0);
}

Test(replay, a_numeric_name_frees_no_id_behind_a_live_name)
{
	/* "1" is not bound (a is, to replayed 1): its free runs on an ID nobody holds. */
	struct run r = { 0 };

	replay_text(HDR
		    "1 host 0 ioasid_alloc set=s min=1 max=9 priv=p = a\n"
		    "2 host 0 ioasid_free id=1\n"
		    "3 host 0 ioasid_alloc set=s min=1 max=9 priv=p = b\n"
		    "4 host 0 ioasid_find set=s id=a = p\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s", r.st.divergence);
}

Test(replay, two_names_for_one_id_is_a_divergence)
{
	/* The bijection check, broken on purpose: bind a live replayed ID to a second name. */
	struct replay_stats st = { 0 };
	struct replay_opts o;
	struct rkernel k = { 0 };
	struct replay r = { .o = &o, .st = &st, .name = "t.trace", .k = &k, .ks = &k, .nk = 1 };

	replay_opts_init(&o);
	r.line = 7;
	cr_assert_geq(rp_bind(&r, "a", 1, true, -1, -1), 0);
	cr_expect_eq(st.divergences, 0);
	cr_assert_geq(rp_bind(&r, "b", 1, true, -1, -1), 0);
	cr_expect_eq(r.status, 1);
	cr_expect(strstr(st.divergence, "t.trace:7: divergence: replayed PASID 1 is already "
			 "bound to live name 'a'"), "%s", st.divergence);
	rp_rkernel_free(&k);
}

Test(replay, input_errors_exit_2_with_the_line)
{
	struct run r = { 0 };

	replay_text(HDR "1 host 0 ioasid_free id=ghost\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "t.trace:5: PASID name 'ghost' is not bound"), "%s",
		  r.st.error);
	replay_text(HDR "1 host 0 ioasid_free id=1 extra\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "t.trace:5:27: expected"), "%s", r.st.error);
	/* a world the build cannot make */
	replay_text("pasidsim-trace 1\nmode vms\nvms 300\nevents\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "not supported in a world: 300 VMs (at most 256)"), "%s",
		  r.st.error);
	/*
	 * No core object is built (no such directory): bare metal runs in the
	 * executor, on a loaded copy, so every flavour is refused with the
	 * reason, --any-flavour or not; nothing falls back to a linked-in core.
	 */
	cr_assert_eq(setenv("PASIDSIM_CORE_DIR", "/nonexistent-pasidsim-core", 1), 0);
	for (int any = 0; any < 2; any++) {
		strict_flavour = !any;
		replay_text("pasidsim-trace 1\nmode bare-metal\nflavour-host linux-6.1\nevents\n",
			    false, &r);
		cr_expect_eq(r.ret, 2);
		cr_expect(strstr(r.st.error, "--any-flavour"), "%s", r.st.error);
		cr_expect(strstr(r.st.error, "not built"), "%s", r.st.error);
		replay_text("pasidsim-trace 1\nmode bare-metal\nflavour-host pasidsim\nevents\n",
			    false, &r);
		cr_expect_eq(r.ret, 2);
		cr_expect(strstr(r.st.error, "not built"), "%s", r.st.error);
	}
	strict_flavour = false;
	cr_assert_eq(unsetenv("PASIDSIM_CORE_DIR"), 0);
}

static bool flavour_built(const char *flavour)
{
	char path[4096];
	FILE *f = fopen(sim_core_path(flavour, path, sizeof(path)), "r");

	if (f)
		fclose(f);
	return f;
}

/* The same body under a header naming @flavour. */
static void replay_flavour(const char *flavour, const char *body, bool record, struct run *r)
{
	char text[4096];

	snprintf(text, sizeof(text), "pasidsim-trace 1\nmode bare-metal\nflavour-host %s\n"
		 "host-cpus 2\nevents\n%s", flavour, body);
	strict_flavour = true;
	replay_text(text, record, r);
	strict_flavour = false;
}

Test(replay, bare_metal_runs_on_the_flavour_the_trace_names)
{
	static const char body[] =
		"1 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		"2 host 0 iommu_pasid_alloc c=a min=1 max=1000 priv=x = p\n"
		"3 host 1 ioasid_alloc set=s min=1 max=9 priv=y = q\n"
		"4 host 1 ioasid_find set=s id=q = y\n"
		"5 host 0 ioasid_find set=t id=q = -EACCES\n"
		"6 host 0 iommu_sva_alloc_pasid mm=m min=1 max=100 = r\n"
		"7 host 0 ioasid_find set=sva id=r = m\n"
		"8 host 0 iommu_pasid_free c=a id=p = 0\n"
		"9 host 0 ioasid_free id=q\n";
	/*
	 * Linux 6.1 difference (f), docs/flavours.md: an alloc whose only free
	 * ID is INVALID_IOASID fails in both, but 6.1 leaves the XArray nodes
	 * behind (a leak the replay counts); pasidsim stores nothing.
	 */
	static const char diff[] =
		"1 host 0 ioasid_alloc set=s min=4294967295 max=4294967295 priv=p = invalid\n";
	struct run a = { 0 }, b = { 0 };

	if (!flavour_built("linux-6.1") || !flavour_built("pasidsim"))
		cr_skip_test("the linux-6.1 core object is not built (no kernel source)");
	replay_flavour("pasidsim", body, true, &a);
	cr_assert_eq(a.ret, 0, "%s %s", a.st.error, a.st.divergence);
	cr_expect_str_eq(a.st.flavour, "pasidsim");
	cr_expect_eq(a.st.checked, 8);
	replay_flavour("linux-6.1", body, true, &b);
	cr_assert_eq(b.ret, 0, "%s %s", b.st.error, b.st.divergence);
	cr_expect_str_eq(b.st.flavour, "linux-6.1");
	cr_expect_eq(b.st.checked, 8);
	cr_expect(strstr(b.rec, "flavour-host linux-6.1\n"), "%s", b.rec);
	/* the same results, so the same recording but for the header */
	cr_expect_str_eq(strstr(a.rec, "events\n"), strstr(b.rec, "events\n"));
	free(a.rec);
	free(b.rec);
	/* the flavour really changed */
	replay_flavour("pasidsim", diff, false, &a);
	cr_expect_eq(a.ret, 0, "%s %s", a.st.error, a.st.divergence);
	cr_expect_eq(a.st.leaked, 0);
	replay_flavour("linux-6.1", diff, false, &b);
	cr_expect_eq(b.ret, 1, "6.1 leaks its XArray nodes here");
	cr_expect_gt(b.st.leaked, 0);
}

Test(replay, sva_alloc_follows_linux_6_1)
{
	struct run r = { 0 };

	replay_text(HDR
		    "1 host 0 iommu_sva_alloc_pasid mm=m1 min=0 max=10 = -EINVAL\n"
		    "2 host 0 iommu_sva_alloc_pasid mm=m1 min=1 max=10 = p\n"
		    "3 host 0 iommu_sva_alloc_pasid mm=m1 min=1 max=10 = p\n"
		    "# 6.1 refuses pasid >= max: PASID 1 with max 1\n"
		    "4 host 0 iommu_sva_alloc_pasid mm=m1 min=1 max=1 = -EOVERFLOW\n"
		    "5 host 0 iommu_sva_alloc_pasid mm=m2 min=1 max=10 = q\n"
		    "6 host 0 ioasid_find set=null id=q = m2\n"
		    "7 host 0 ioasid_free id=p\n"
		    "8 host 0 iommu_sva_alloc_pasid mm=m1 min=1 max=10 = p2\n"
		    "9 host 0 ioasid_free id=p2\n10 host 0 ioasid_free id=q\n", true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.checked, 7);
	cr_expect(strstr(r.rec, "iommu_sva_alloc_pasid mm=m1 min=1 max=10 = 1\n"), "%s", r.rec);
	cr_expect(strstr(r.rec, "iommu_sva_alloc_pasid mm=m2 min=1 max=10 = 2\n"), "%s", r.rec);
	free(r.rec);
}

Test(replay, gaps_are_reported_and_limit_checking)
{
	struct run r = { 0 };

	/*
	 * Before the gap: a holds old. After it: old's result is not checked
	 * (it is wrong here on purpose), allocs are not checked (this one
	 * fails as recorded success would not), names bound after the gap are.
	 */
	replay_text(HDR
		    "1 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 host 0 iommu_pasid_alloc c=a min=1 max=2 priv=x = old\n"
		    "3 host 0 gap lost=5 reason=lost-events\n"
		    "4 host 0 iommu_pasid_find c=a id=old = -ENOENT\n"
		    "5 host 0 iommu_pasid_init c=b min=0 max=0 = 0\n"
		    "6 host 0 iommu_pasid_alloc c=b min=1 max=2 priv=y = new\n"
		    "7 host 0 iommu_pasid_alloc c=b min=1 max=2 priv=y = newer\n"
		    "8 host 0 iommu_pasid_find c=b id=new = y\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.gaps, 1);
	cr_expect_eq(r.st.unchecked, 3);
	cr_expect_eq(r.st.checked, 4);

	replay_text(HDR
		    "1 host 0 gap\n"
		    "2 host 0 iommu_pasid_init c=b min=0 max=0 = 0\n"
		    "3 host 0 iommu_pasid_alloc c=b min=1 max=2 priv=y = new\n"
		    "4 host 0 iommu_pasid_find c=b id=new = z\n", false, &r);
	cr_expect_eq(r.ret, 1, "names bound after the gap are checked");
	cr_expect_eq(r.st.div_line, 8);
}

Test(replay, record_round_trip_is_byte_identical)
{
	static const char text[] = HDR
		"# names, reordered arguments, comments: the recording is canonical\n"
		"1 host 0 iommu_pasid_init max=0 min=0 c=a\n"
		"2 host 1 iommu_pasid_alloc c=a min=1 max=50 priv=x id=first\n"
		"2 host 1 iommu_pasid_alloc c=a min=1 max=50 priv=null\n"
		"3 host 0 ioasid_alloc set=s min=10 max=20 priv=p = raw\n"
		"4 host 0 iommu_pasid_find c=a id=first\n"
		"5 host 0 ioasid_find set=s id=first\n"
		"6 host 0 iommu_pasid_free c=a id=first\n"
		"7 host 0 gap lost=3\n"
		"8 host 0 iommu_pasid_for_each c=a\n"
		"9 host 0 iommu_sva_alloc_pasid mm=mm0 min=1 max=100\n"
		"10 host 1 iommu_pasid_exit c=a\n";
	struct run b = { 0 }, c = { 0 };

	replay_text(text, true, &b);
	cr_assert_eq(b.ret, 0, "%s %s", b.st.error, b.st.divergence);
	replay_text(b.rec, true, &c);
	cr_assert_eq(c.ret, 0, "%s %s", c.st.error, c.st.divergence);
	cr_expect_eq(c.st.checked, 7, "every result recorded, checked up to the gap");
	cr_expect_eq(c.st.unchecked, 2);
	cr_assert_eq(b.rec_len, c.rec_len);
	cr_expect_eq(memcmp(b.rec, c.rec, b.rec_len), 0, "B:\n%s\nC:\n%s", b.rec, c.rec);
	cr_expect(strstr(b.rec, "5 host 0 ioasid_find set=s id=1 = -EACCES\n"), "%s", b.rec);
	free(b.rec);
	free(c.rec);
}

Test(replay, timing_modes_parse)
{
	enum replay_timing t;
	double f;

	cr_expect_eq(replay_parse_timing("fast", &t, &f), 0);
	cr_expect_eq(t, REPLAY_FAST);
	cr_expect_eq(replay_parse_timing("recorded", &t, &f), 0);
	cr_expect_eq(t, REPLAY_RECORDED);
	cr_expect_eq(replay_parse_timing("scale:0.25", &t, &f), 0);
	cr_expect_eq(t, REPLAY_SCALED);
	cr_expect_float_eq(f, 0.25, 1e-12);
	cr_expect_eq(replay_parse_timing("scale:", &t, &f), -1);
	cr_expect_eq(replay_parse_timing("scale:-1", &t, &f), -1);
	cr_expect_eq(replay_parse_timing("scale:x", &t, &f), -1);
	cr_expect_eq(replay_parse_timing("scale:nan", &t, &f), -1);
	cr_expect_eq(replay_parse_timing("slow", &t, &f), -1);
}

Test(replay, timed_replay_gives_the_same_results)
{
	/* 2 ms of recorded gaps, scaled down; results must not depend on timing. */
	static const char text[] = HDR
		"0 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		"1000000 host 0 iommu_pasid_alloc c=a min=1 max=9 priv=x = 1\n"
		"2000000 host 0 iommu_pasid_free c=a id=1 = 0\n";
	struct replay_opts o;
	struct replay_stats st;

	replay_opts_init(&o);
	o.any_flavour = true;
	cr_assert_eq(replay_parse_timing("scale:0.5", &o.timing, &o.scale), 0);
	cr_expect_eq(replay_mem(text, strlen(text), "t", &o, &st), 0, "%s", st.divergence);
	cr_expect_eq(st.checked, 3);
	cr_assert_eq(replay_parse_timing("recorded", &o.timing, &o.scale), 0);
	cr_expect_eq(replay_mem(text, strlen(text), "t", &o, &st), 0, "%s", st.divergence);
}

/* ---- the CLI: gen determinism, and gen | replay --record ---- */

static char *run_cli(const char *args, size_t *len, int *status)
{
	char cmd[1024], *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s %s", PASIDSIM_CLI, args);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	for (;;) {
		if (n + 4096 > cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
		}
		size_t k = fread(buf + n, 1, cap - n, p);

		if (!k)
			break;
		n += k;
	}
	buf[n] = 0;
	*status = pclose(p);
	*len = n;
	return buf;
}

Test(replay, gen_is_deterministic_by_seed)
{
	static const char *const wl[] = {
		"churn --bare-metal", "exhaustion --bare-metal", "mixed --bare-metal", "churn",
		"exhaustion", "boot-storm --vms=8", "teardown", "mixed",
	};

	for (size_t i = 0; i < sizeof(wl) / sizeof(wl[0]); i++) {
		char args[256];
		size_t la, lb, lc;
		int sa, sb, sc;
		char *a, *b, *c;

		snprintf(args, sizeof(args), "gen %s --ops=500 --seed=9", wl[i]);
		a = run_cli(args, &la, &sa);
		b = run_cli(args, &lb, &sb);
		snprintf(args, sizeof(args), "gen %s --ops=500 --seed=10", wl[i]);
		c = run_cli(args, &lc, &sc);
		cr_expect_eq(sa, 0, "%s", wl[i]);
		cr_expect_eq(sc, 0, "%s", wl[i]);
		cr_expect(la > 200, "%s", wl[i]);
		cr_expect(la == lb && !memcmp(a, b, la), "%s: same seed, different bytes", wl[i]);
		cr_expect(la != lc || memcmp(a, c, la), "%s: the seed changes nothing", wl[i]);
		free(a);
		free(b);
		free(c);
	}
}

Test(replay, generated_bare_metal_traces_check_and_round_trip)
{
	static const char *const wl[] = { "churn", "exhaustion", "mixed" };

	for (size_t i = 0; i < sizeof(wl) / sizeof(wl[0]); i++) {
		char args[256];
		size_t lg, lb;
		int sg, sb;
		char *g, *b;

		snprintf(args, sizeof(args), "gen %s --bare-metal --ops=3000 --seed=4", wl[i]);
		g = run_cli(args, &lg, &sg);
		snprintf(args, sizeof(args), "gen %s --bare-metal --ops=3000 --seed=4 | %s replay "
			 "--no-db --any-flavour --record=- - 2>/dev/null", wl[i], PASIDSIM_CLI);
		b = run_cli(args, &lb, &sb);
		cr_expect_eq(sg, 0);
		cr_expect_eq(sb, 0, "%s: the generated trace does not replay cleanly", wl[i]);
		/* the model's recorded results are exactly what the replay records */
		cr_expect(lg == lb && !memcmp(g, b, lg), "%s: gen output != replay --record", wl[i]);
		free(g);
		free(b);
	}
}

/* ---- the reserved SVA set token, failed allocs ---- */

Test(replay, sva_token_is_the_replays_sva_set)
{
	struct run r = { 0 };

	replay_text(HDR
		    "1 host 0 iommu_sva_alloc_pasid mm=mmA min=1 max=1048575 = 7\n"
		    "2 host 0 ioasid_find set=sva id=7 = mmA\n"
		    "3 host 0 ioasid_alloc set=sva min=1 max=100 priv=p = 8\n"
		    "4 host 0 ioasid_find set=sva id=8 = p\n"
		    "5 host 0 ioasid_free id=8\n"
		    "6 host 0 ioasid_free id=7\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.checked, 4);
	replay_text(HDR "1 host 0 ioasid_alloc set=s min=1 max=9 priv=sva\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "t.trace:5: priv=sva: the token name 'sva' is reserved"),
		  "%s", r.st.error);
}

Test(replay, a_failed_allocs_name_is_an_id_nobody_holds)
{
	struct run r = { 0 };

	replay_text(HDR
		    "1 host 0 iommu_pasid_init c=a min=1 max=1 = 0\n"
		    "2 host 0 iommu_pasid_alloc c=a min=1 max=1 priv=x id=one\n"
		    "3 host 0 iommu_pasid_alloc c=a min=1 max=1 priv=x id=two\n"
		    "4 host 0 iommu_pasid_free c=a id=two\n"
		    "5 host 0 iommu_pasid_free c=a id=one\n"
		    "6 host 0 iommu_pasid_exit c=a\n", true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	/* the failed alloc keeps its name, and so does the free that uses it */
	cr_expect(strstr(r.rec, "iommu_pasid_alloc c=a min=1 max=1 priv=x id=two = -ENOSPC\n"),
		  "%s", r.rec);
	cr_expect(strstr(r.rec, "iommu_pasid_free c=a id=two = -ENOENT\n") ||
		  strstr(r.rec, "iommu_pasid_free c=a id=two = -EINVAL\n"), "%s", r.rec);
	free(r.rec);
}

/* ---- multi-VM replay in a world ---- */

#define WHDR "pasidsim-trace 1\nmode vms\nseed 3\nhost-cpus 2\nvms 2\nvcpus 2\nevents\n"

Test(world_replay, guest_ops_run_on_their_vcpus_with_names_and_results)
{
	struct run r = { 0 };

	replay_text(WHDR
		    "10 vm0 0 vm_boot\n"
		    "20 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "20 vm0 1 iommu_pasid_init c=b min=0 max=0 = 0\n"
		    "30 vm1 1 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "40 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = p\n"
		    "40 vm0 1 iommu_pasid_alloc c=b min=1 max=1048575 priv=y = q\n"
		    "40 vm1 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=z = r\n"
		    "50 vm0 0 iommu_pasid_find c=a id=p = x\n"
		    "50 vm0 1 iommu_pasid_find c=b id=p = -EACCES\n"
		    "50 vm1 1 iommu_pasid_find c=a id=r = z\n"
		    "60 vm0 1 iommu_pasid_for_each c=b = 1\n"
		    "70 vm0 0 iommu_pasid_free c=a id=p = 0\n"
		    "80 vm0 1 iommu_pasid_exit c=b\n"
		    "90 vm1 0 vm_destroy\n"
		    "100 vm1 1 iommu_pasid_alloc c=a min=1 max=1048575 priv=z = -ENODEV\n",
		    true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect(r.st.world);
	cr_expect_eq(r.st.ops, 15);
	cr_expect_eq(r.st.checked, 12);
	cr_expect_eq(r.st.divergences, 0);
	cr_expect(r.st.virtual_ns > 100, "a VCMD round trip takes virtual time");
	/* PASIDs come from the host: three different IDs across the two VMs */
	cr_expect(strstr(r.rec, "40 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = "),
		  "%s", r.rec);
	cr_expect(strstr(r.rec, "10 vm0 0 vm_boot\n"), "%s", r.rec);
	cr_expect(strstr(r.st.config, "\"vms\":2"), "%s", r.st.config);
	free(r.rec);
}

Test(world_replay, check_mode_reports_the_first_divergence_with_its_line)
{
	struct run r = { 0 };

	/* quota 2: the third alloc of vm0 fails, the trace says it did not */
	replay_text("pasidsim-trace 1\nmode vms\nvms 1\nvcpus 2\nquota-default 2\nevents\n"
		    "1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = 1\n"
		    "3 vm0 1 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = 2\n"
		    "4 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = 3\n"
		    "5 vm0 0 iommu_pasid_for_each c=a = 2\n", false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.st.div_line, 10);
	cr_expect(strstr(r.st.divergence, "t.trace:10: divergence: iommu_pasid_alloc returned "
			 "-ENOSPC, the trace recorded PASID '3'"), "%s", r.st.divergence);
}

static void expect_round_trip(const char *text)
{
	struct run b = { 0 }, c = { 0 };

	replay_text(text, true, &b);
	cr_assert_eq(b.ret, 0, "%s %s", b.st.error, b.st.divergence);
	replay_text(b.rec, true, &c);
	cr_assert_eq(c.ret, 0, "%s %s\n%s", c.st.error, c.st.divergence, b.rec);
	cr_expect_eq(c.st.divergences, 0);
	cr_expect(c.st.checked > 0);
	cr_expect_eq(b.st.virtual_ns, c.st.virtual_ns);
	cr_expect(b.rec_len == c.rec_len && !memcmp(b.rec, c.rec, b.rec_len),
		  "B:\n%s\nC:\n%s", b.rec, c.rec);
	free(b.rec);
	free(c.rec);
}

Test(world_replay, record_round_trip_is_byte_identical)
{
	/* names reused across VMs and CPUs, an ID freed and allocated again at once */
	expect_round_trip(WHDR
			  "1 vm0 0 iommu_pasid_init c=a min=0 max=0\n"
			  "1 vm1 0 iommu_pasid_init c=a min=0 max=0\n"
			  "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x id=a1\n"
			  "2 vm1 1 iommu_pasid_alloc c=a min=1 max=1048575 priv=x id=b1\n"
			  "3 vm0 1 iommu_pasid_free c=a id=a1\n"
			  "3 vm1 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=y id=b2\n"
			  "4 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x id=a2\n"
			  "5 vm1 1 iommu_pasid_find c=a id=b2\n"
			  "5 vm0 1 iommu_pasid_for_each c=a\n"
			  "6 vm0 0 mmio_write viommu=0 off=0x20 val=0 width=8\n"
			  "7 vm1 0 iommu_pasid_exit c=a\n");
	/* the same on the virtio path */
	expect_round_trip("pasidsim-trace 1\nmode vms\nvms 2\nvcpus 2\npv virtio\nevents\n"
			  "1 vm0 0 iommu_pasid_init c=a min=0 max=0\n"
			  "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x id=a1\n"
			  "2 vm0 1 iommu_pasid_alloc c=a min=1 max=1048575 priv=x id=a2\n"
			  "3 vm0 1 iommu_pasid_free c=a id=a1\n"
			  "3 vm1 0 vm_destroy\n");
}

Test(world_replay, generated_vm_workloads_round_trip)
{
	static const char *const wl[] = { "churn", "exhaustion", "boot-storm", "teardown",
					   "mixed" };

	for (size_t i = 0; i < sizeof(wl) / sizeof(wl[0]); i++) {
		char args[512];
		size_t lb, lc;
		int sb, sc;
		char *b, *c;

		snprintf(args, sizeof(args), "gen %s --ops=400 --vms=3 --vcpus=3 --seed=5 | %s "
			 "replay --no-db --record=- - 2>/dev/null", wl[i], PASIDSIM_CLI);
		b = run_cli(args, &lb, &sb);
		cr_expect_eq(sb, 0, "%s", wl[i]);
		snprintf(args, sizeof(args), "gen %s --ops=400 --vms=3 --vcpus=3 --seed=5 | %s "
			 "replay --no-db --record=- - 2>/dev/null | %s replay --no-db "
			 "--record=- - 2>/dev/null", wl[i], PASIDSIM_CLI, PASIDSIM_CLI);
		c = run_cli(args, &lc, &sc);
		cr_expect_eq(sc, 0, "%s: the recording does not replay in check mode", wl[i]);
		cr_expect(lb > 1000 && lb == lc && !memcmp(b, c, lb), "%s: not byte-identical",
			  wl[i]);
		free(b);
		free(c);
	}
}

Test(world_replay, what_a_world_cannot_do_is_refused_with_the_line)
{
	static const struct {
		const char *ev, *msg;
	} cases[] = {
		{ "5 vm0 0 iommu_sva_alloc_pasid mm=m min=1 max=9\n",
		  "t.trace:9: not supported in a world: iommu_sva_alloc_pasid" },
		{ "5 vm1 0 vm_boot\n",
		  "t.trace:9: not supported in a world: vm_boot of vm1 after its first operation" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		struct run r = { 0 };

		snprintf(text, sizeof(text), WHDR "1 vm1 0 iommu_pasid_init c=a min=0 max=0\n%s",
			 cases[i].ev);
		replay_text(text, false, &r);
		cr_expect_eq(r.ret, 2, "%s", cases[i].ev);
		cr_expect(strstr(r.st.error, cases[i].msg), "%s: %s", cases[i].ev, r.st.error);
	}
}

Test(world_replay, a_cost_model_this_build_lacks_is_refused)
{
	struct run r = { 0 };

	replay_text("pasidsim-trace 1\nmode vms\nvms 1\ncost-model 2\nevents\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "the trace wants cost model 2, this pasidsim has only "
			 "cost-1"), "%s", r.st.error);
}

/* ---- results store: replays recorded, compared ---- */

Test(world_replay, replays_are_recorded_and_compare_gates_them)
{
	char dir[] = "/tmp/pasidsim-replay-XXXXXX", args[2048], trace[600], bad[600];
	const char *sample = PASIDSIM_SOURCE_DIR "/traces/samples/vms4-mixed.trace";
	size_t len;
	int st;
	char *out;
	FILE *in, *o;
	char line[4096];
	int n = 0;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(trace, sizeof(trace), "%s/t.trace", dir);
	snprintf(bad, sizeof(bad), "%s/bad.trace", dir);
	/* a copy of the sample, and one whose 40th event records another result */
	in = fopen(sample, "r");
	cr_assert_not_null(in);
	o = fopen(bad, "w");
	cr_assert_not_null(o);
	while (fgets(line, sizeof(line), in)) {
		char *eq = strstr(line, "iommu_pasid_free") ? strstr(line, " = 0\n") : NULL;

		if (eq && ++n == 40)
			strcpy(eq, " = -ENOENT\n");
		fputs(line, o);
	}
	fclose(in);
	fclose(o);
	snprintf(args, sizeof(args), "cp %s %s", sample, trace);
	cr_assert_eq(system(args), 0);
	for (int i = 0; i < 2; i++) {
		snprintf(args, sizeof(args), "replay --db=%s/r.db %s 2>&1", dir, trace);
		out = run_cli(args, &len, &st);
		cr_expect_eq(WEXITSTATUS(st), 0, "%s", out);
		cr_expect(strstr(out, "replay: recorded run"), "%s", out);
		free(out);
	}
	/* two replays of the same trace: same digest, same virtual metrics */
	snprintf(args, sizeof(args), "compare --db=%s/r.db 1 2 2>&1", dir);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 0, "%s", out);
	cr_expect(strstr(out, "virtual.total_ns"), "%s", out);
	cr_expect(strstr(out, "virtual.iommu_pasid_alloc.p99_ns"), "%s", out);
	free(out);
	/* a modified cost model (another schedule, so not checked): virtual metrics regress */
	snprintf(args, sizeof(args), "replay --db=%s/r.db --no-check --cost=op_ns=2000 %s 2>&1",
		 dir, trace);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 0, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "compare --db=%s/r.db 1 3 2>&1", dir);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 1, "%s", out);
	cr_expect(strstr(out, "REGRESSED"), "%s", out);
	free(out);
	/* a divergent run: finding with its line, other digest */
	snprintf(args, sizeof(args), "replay --db=%s/r.db %s 2>&1", dir, bad);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 1, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "compare --db=%s/r.db --any-scenario 1 4 2>&1", dir);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 1, "%s", out);
	free(out);
	snprintf(args, sizeof(args), "db show --db=%s/r.db --json 4 2>&1", dir);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 0, "%s", out);
	cr_expect(strstr(out, "divergence"), "%s", out);
	cr_expect(strstr(out, "bad.trace"), "the reproducer is the trace: %s", out);
	cr_expect(strstr(out, "\"mode\\\":\\\"vms\\\"") || strstr(out, "\"vms\":4") ||
		  strstr(out, "vms\\\":4"), "the world configuration: %s", out);
	free(out);
	snprintf(args, sizeof(args), "rm -rf %s", dir);
	cr_expect_eq(system(args), 0);
}

/* ---- fault knobs in the header; leaks and teardown in a world ---- */

#define FHDR(knobs) "pasidsim-trace 2\nmode vms\nvms 1\nvcpus 2\n" knobs "events\n"
#define INIT_ALLOC "1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n" \
		   "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = p\n"

Test(world_replay, fault_knobs_in_the_header_reach_the_devices)
{
	struct run base = { 0 }, r = { 0 };

	/* latency: the same results, at least the latency later */
	replay_text("pasidsim-trace 1\nmode vms\nvms 1\nvcpus 2\nevents\n" INIT_ALLOC, false,
		    &base);
	cr_assert_eq(base.ret, 0, "%s %s", base.st.error, base.st.divergence);
	replay_text(FHDR("vtd-latency-ns 50000\n") INIT_ALLOC, true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	/* (the guest's polling accesses, charged without the knob, overlap the wait) */
	cr_expect_geq(r.st.virtual_ns, base.st.virtual_ns + 45000, "%llu vs %llu",
		      (unsigned long long)r.st.virtual_ns,
		      (unsigned long long)base.st.virtual_ns);
	cr_expect(!strncmp(r.rec, "pasidsim-trace 2\n", 17), "%s", r.rec);
	cr_expect(strstr(r.rec, "\nvtd-latency-ns 50000\n"), "%s", r.rec);
	cr_expect(strstr(r.st.config, "\"faults\":{\"vtd_latency_ns\":50000}"), "%s",
		  r.st.config);
	free(r.rec);
	/* the second command is dropped (lost trap): that alloc fails, the next works */
	replay_text(FHDR("vtd-drop-nth 2\n") INIT_ALLOC
		    "3 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = -ENOSPC\n"
		    "4 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = q\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.leaked, 0);
	/* forced SC: -ENOSPC, and the host's PASID leaks: counted, exit 1 */
	replay_text(FHDR("vtd-force-sc 5\n")
		    "1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = -ENOSPC\n",
		    false, &r);
	cr_expect_eq(r.ret, 1, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.divergences, 0);
	cr_expect_eq(r.st.leaked, 1, "the host holds the PASID the guest never learned");
	/* virtio: a lost request times out (-ENOSPC at the API), nothing leaks */
	replay_text("pasidsim-trace 2\nmode vms\nvms 1\npv virtio\nvirtio-drop-nth 1\n"
		    "virtio-timeout-ns 2000000\nevents\n" INIT_ALLOC, false, &r);
	cr_expect_eq(r.ret, 1, "the trace recorded a PASID");
	cr_expect(strstr(r.st.divergence, "t.trace:9: divergence: iommu_pasid_alloc returned "
			 "-ENOSPC"), "%s", r.st.divergence);
	/* virtio: forced NOMEM status; the host's PASID leaks */
	replay_text("pasidsim-trace 2\nmode vms\nvms 1\npv virtio\nvirtio-force-status 8\n"
		    "events\n1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = -ENOSPC\n",
		    false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.st.leaked, 1);
}

Test(world_replay, consumers_left_live_are_torn_down_and_guests_checked_for_leaks)
{
	struct run r = { 0 };

	/*
	 * Two consumers keep their PASIDs at the end of the trace: the replay
	 * exits them; the guest is back at its boot objects, the host holds
	 * nothing. A destroyed VM is not checked (its memory stays).
	 */
	replay_text(WHDR
		    "1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "1 vm0 1 iommu_pasid_init c=b min=0 max=0 = 0\n"
		    "1 vm1 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = p\n"
		    "2 vm0 1 iommu_pasid_alloc c=b min=1 max=1048575 priv=x = q\n"
		    "2 vm1 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = s\n"
		    "3 vm1 1 vm_destroy\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.leaked, 0);
	cr_expect_eq(r.st.findings, 0);
}

Test(world_replay, a_stuck_vcmd_stops_the_world_with_the_line)
{
	char dir[] = "/tmp/pasidsim-stuck-XXXXXX", path[600], args[2048];
	static const char text[] = FHDR("vtd-stuck-ip 1\n")
		"1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		"2 vm0 0 iommu_pasid_alloc c=a min=1 max=1048575 priv=x = p\n"
		"3 vm0 0 iommu_pasid_for_each c=a = 1\n";
	struct run r = { 0 };
	size_t len;
	char *out;
	FILE *f;
	int st;

	/* the guest polls VCMD for 10 s of virtual time, then panics */
	replay_text(text, false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.st.div_line, 8, "the alloc was running");
	cr_expect(strstr(r.st.divergence, "t.trace:8: the world stopped: "), "%s",
		  r.st.divergence);
	cr_expect_geq(r.st.findings, 1);
	cr_expect_eq(r.st.leaked, 0, "no teardown after the world stopped");
	/* through the CLI, into the results store: a finding with the line */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/stuck.trace", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	snprintf(args, sizeof(args), "replay --db=%s/r.db %s 2>&1", dir, path);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 1, "%s", out);
	cr_expect(strstr(out, "stuck.trace:8: the world stopped"), "%s", out);
	cr_expect(strstr(out, "replay: recorded run"), "%s", out);
	free(out);
	snprintf(args, sizeof(args), "db show --db=%s/r.db --json 1 2>&1", dir);
	out = run_cli(args, &len, &st);
	cr_expect_eq(WEXITSTATUS(st), 0, "%s", out);
	cr_expect(strstr(out, "world-stopped"), "%s", out);
	cr_expect(strstr(out, "stuck.trace"), "the reproducer is the trace: %s", out);
	cr_expect(strstr(out, "\"position\":8") || strstr(out, ":8:"), "%s", out);
	free(out);
	snprintf(args, sizeof(args), "rm -rf %s", dir);
	cr_expect_eq(system(args), 0);
}

/* ---- no process-wide simulation state ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	*len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(*len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, *len, f), *len);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Replay a sample in this process, recording it; returns the recording. */
static char *replay_sample(const char *file)
{
	char path[600];
	size_t len;
	char *text, *rec = NULL;
	struct replay_stats st;
	struct replay_opts o;
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), PASIDSIM_SOURCE_DIR "/traces/samples/%s", file);
	text = slurp(path, &len);
	replay_opts_init(&o);
	o.msg = fopen("/dev/null", "w");
	o.any_flavour = true;
	f = open_memstream(&rec, &len);
	o.record = f;
	ret = replay_mem(text, strlen(text), file, &o, &st);
	fclose(f);
	fclose(o.msg);
	free(text);
	cr_assert_eq(ret, 0, "%s: %s%s", file, st.error, st.divergence);
	return rec;
}

/*
 * World A, bare metal B, world A again, in one process (no fork between
 * them): the clock, RCU and MMIO state of one run cannot leak into the next,
 * so both world runs record the same bytes (results and virtual times).
 */
Test(world_replay, world_bare_metal_world_in_one_process)
{
	char *a1 = replay_sample("vms4-mixed.trace");
	char *b1 = replay_sample("bare-metal.trace");
	char *a2 = replay_sample("vms4-mixed.trace");
	char *b2 = replay_sample("bare-metal.trace");

	cr_expect_str_eq(a1, a2, "world replay after a bare-metal replay differs");
	cr_expect_str_eq(b1, b2, "bare-metal replay after a world replay differs");
	free(a1);
	free(a2);
	free(b1);
	free(b2);
}

/*
 * The pool of core copies (sim/world/core.c): a world built from recycled
 * copies (reset in place when the previous world released them) records
 * the same bytes as one built from fresh dlopen()s, and as one built with
 * the pool turned off.
 */
Test(world_replay, recycled_core_copies_record_what_fresh_ones_do, .timeout = 60)
{
	char *fresh, *recycled, *unpooled;
	unsigned int n;

	sim_core_pool_drain();
	fresh = replay_sample("vms4-mixed.trace");
	n = sim_core_pool_size();
	cr_assert_geq(n, 5, "the host's and 4 guests' copies are pooled (%u)", n);
	recycled = replay_sample("vms4-mixed.trace");
	/* every copy was taken back: none was loaded afresh beside them */
	cr_expect_eq(sim_core_pool_size(), n);
	setenv("PASIDSIM_CORE_POOL", "0", 1);
	cr_expect_eq(sim_core_pool_drain(), n);
	unpooled = replay_sample("vms4-mixed.trace");
	cr_expect_eq(sim_core_pool_size(), 0);
	unsetenv("PASIDSIM_CORE_POOL");
	cr_expect_str_eq(fresh, recycled, "a world of recycled core copies records differently");
	cr_expect_str_eq(fresh, unpooled, "a world without the pool records differently");
	free(fresh);
	free(recycled);
	free(unpooled);
}

/*
 * PASIDSIM_CORE_COPY_DIR: each copy is a file in that directory, which is
 * what the loader (and so a profiler) names it by, and which is gone from the
 * directory once loaded; the world records the same bytes as with memfds.
 */
Test(world_replay, core_copies_in_a_directory_are_named_and_record_the_same)
{
	char dir[] = "/tmp/pasidsim-copies-XXXXXX", path[4096], err[256];
	char *memfd_run, *file_run;
	struct sim_core *core;
	Dl_info info;
	DIR *d;
	struct dirent *de;
	int files = 0;

	cr_assert_not_null(mkdtemp(dir));
	sim_core_pool_drain();
	memfd_run = replay_sample("vms4-mixed.trace");
	setenv("PASIDSIM_CORE_COPY_DIR", dir, 1);
	sim_core_pool_drain();
	core = sim_core_load(sim_core_path("pasidsim", path, sizeof(path)), err, sizeof(err));
	cr_assert_not_null(core, "%s", err);
	cr_assert(dladdr(sim_core_sym(core, "ioasid_alloc"), &info));
	cr_expect_eq(strncmp(info.dli_fname, dir, strlen(dir)), 0,
		     "the loader names the copy %s, not a file in %s", info.dli_fname, dir);
	sim_core_unload(core);
	file_run = replay_sample("vms4-mixed.trace");
	sim_core_pool_drain();
	unsetenv("PASIDSIM_CORE_COPY_DIR");
	d = opendir(dir);
	cr_assert_not_null(d);
	while ((de = readdir(d)))
		files += de->d_name[0] != '.';
	closedir(d);
	rmdir(dir);
	cr_expect_eq(files, 0, "%d copies were left in %s", files, dir);
	cr_expect_str_eq(memfd_run, file_run, "copies in files record differently");
	free(memfd_run);
	free(file_run);
}

/* ---- format 3: lifecycle and host calls reach the paravirtual paths ---- */

#define V3HDR "pasidsim-trace 3\nmode vms\nseed 3\nhost-cpus 2\nvms 2\nvcpus 2\nviommus 2\n" \
	      "events\n"

/*
 * A guest frees, with the raw API, a PASID whose private data is still set:
 * the VT-d driver keeps the host's PASID ("Cannot free active IOASID") while
 * the guest's allocator forgets it. The executor's invariant names the leak
 * and the line; the replay fails (exit 1).
 */
Test(world_replay, raw_free_of_an_active_id_leaks_on_the_host)
{
	struct run r = { 0 };

	replay_text(V3HDR
		    "1 vm0 1 ioasid_alloc set=s min=1 max=1048575 priv=p = 1\n"
		    "2 vm0 1 ioasid_free id=1\n", false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect_geq(r.st.findings, 1);
	cr_expect_eq(r.st.divergences, 0);
}

/* The same free with no private data reaches the host: clean. */
Test(world_replay, raw_free_of_an_idle_id_is_clean)
{
	struct run r = { 0 };

	replay_text(V3HDR
		    "1 vm0 1 ioasid_alloc set=s min=1 max=1048575 priv=null = 1\n"
		    "2 vm0 1 ioasid_free id=1\n"
		    "3 host 0 vfio_pasid_free vm=1 id=1 = -ENOENT\n"
		    "4 host 0 vfio_pasid_free_range vm=0 min=1 max=100 = 0\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.checked, 3);
}

/*
 * The host allocates for a VM on its own (a VMM calling VFIO without a guest
 * request): no guest allocator tracks the PASID, and the invariant says so.
 */
Test(world_replay, host_side_allocation_is_a_finding)
{
	struct run r = { 0 };

	replay_text(V3HDR "3 host 0 vfio_pasid_alloc vm=0 min=1 max=9 = 1\n"
		    "4 host 0 vfio_pasid_free vm=0 id=1 = 0\n", false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect_eq(r.st.findings, 1);
	cr_expect_eq(r.st.divergences, 0);
}

/* Version-3 operations in an older trace are refused at their line and column. */
Test(world_replay, lifecycle_ops_need_format_3)
{
	struct run r = { 0 };

	replay_text(WHDR "1 vm0 0 viommu_unplug viommu=0\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "t.trace:8:9: viommu_unplug needs trace format version 3"),
		  "%s", r.st.error);
	replay_text(V3HDR "1 vm0 0 vfio_pasid_set_quota vm=0 quota=1\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "expected 'host' for vfio_pasid_set_quota"), "%s",
		  r.st.error);
}

/*
 * Linux 6.1's ioasid.c keeps, as the active allocator's ops, the ops of the
 * first allocator registered with those functions; unregistering that one
 * while another with the same functions stays (hot-unplug of the first of
 * two vIOMMUs) leaves the active allocator calling through the freed
 * vIOMMU's ops: a use-after-free of the 6.1 flavour (docs/flavours.md). The
 * pasidsim flavour serves the next allocation through the other vIOMMU.
 * The replay runs in a child: on 6.1 it dies.
 */
Test(world_replay, linux61_unplug_of_the_first_viommu_uses_freed_ops)
{
	static const char *const flavours[] = { "pasidsim", "linux-6.1" };
	char dir[] = "/tmp/pasidsim-uaf-XXXXXX", path[600];
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.trace", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(V3HDR "1 vm0 0 iommu_pasid_init c=c min=0 max=0\n"
	      "2 vm0 0 iommu_pasid_alloc c=c min=1 max=1048575 priv=p\n"
	      "3 vm0 0 viommu_unplug viommu=0\n"
	      "4 vm0 0 iommu_pasid_alloc c=c min=1 max=1048575 priv=q\n", f);
	fclose(f);
	for (size_t i = 0; i < 2; i++) {
		char args[1024];
		size_t len;
		int st;
		char *out;

		if (i && !flavour_built("linux-6.1"))
			continue;
		snprintf(args, sizeof(args), "replay --no-db --flavour=%s %s 2>&1", flavours[i],
			 path);
		out = run_cli(args, &len, &st);
		if (i == 0)
			cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "pasidsim: %s", out);
		else
			cr_expect(!WIFEXITED(st) || WEXITSTATUS(st) != 0,
				  "linux-6.1 survived the stale ops: %s", out);
		free(out);
	}
	unlink(path);
	rmdir(dir);
}

/* ---- issue 15: numeric names that alias replayed IDs, unbounded recorded sleeps ---- */

/* Replay @text (bare metal) with its warnings in @msg (freed by the caller). */
static void replay_msgs(const char *text, const struct replay_opts *base, struct run *r,
			char **msg)
{
	struct replay_opts o = *base;
	size_t len;
	FILE *m = open_memstream(msg, &len);

	cr_assert(m);
	o.msg = m;
	o.any_flavour = true;
	r->ret = replay_mem(text, strlen(text), "t.trace", &o, &r->st);
	fclose(m);
}

Test(replay, an_unbound_numeric_id_never_aliases_a_replayed_one)
{
	/* The capture's 9 is the replay's 1; "id=1" is the capture's 1, never allocated. */
	static const char text[] = HDR
		"0 host 0 ioasid_alloc set=s min=1 max=1048575 priv=null = 9\n"
		"1 host 0 ioasid_free id=1\n"
		"2 host 0 ioasid_find set=s id=9 = null\n";
	struct replay_opts o;
	struct run r = { 0 };
	char *msg = NULL;

	replay_opts_init(&o);
	replay_msgs(text, &o, &r, &msg);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.divergences, 0);
	cr_expect(strstr(msg, "t.trace:6: warning: ioasid_free id=1: the trace never allocated"),
		  "the free of an ID never allocated is reported as such: %s", msg);
	free(msg);
}

Test(replay, after_a_gap_an_unbound_numeric_id_does_not_alias_silently)
{
	static const char text[] = HDR
		"0 host 0 ioasid_alloc set=s min=1 max=1048575 priv=null = 9\n"
		"1 host 0 gap lost=3\n"
		"2 host 0 ioasid_free id=1\n"
		"3 host 0 ioasid_find set=s id=9 = null\n";
	struct replay_opts o;
	struct run r = { 0 };
	char *msg = NULL, *rec = NULL;
	size_t len;

	replay_opts_init(&o);
	o.record = open_memstream(&rec, &len);
	replay_msgs(text, &o, &r, &msg);
	fclose(o.record);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	/* the find of the capture's 9 still finds it: the free went elsewhere */
	cr_expect(strstr(rec, "ioasid_find id=1 set=s = null\n") ||
		  strstr(rec, "ioasid_find set=s id=1 = null\n"), "%s", rec);
	cr_expect(strstr(msg, "t.trace:7: warning: ioasid_free id=1: the trace never allocated"),
		  "%s", msg);
	cr_expect(strstr(msg, "gap"), "%s", msg);
	free(msg);
	free(rec);
}

Test(replay, a_freed_numeric_name_does_not_alias_the_id_reused_under_another_name)
{
	/* The replay reuses 1 for b, the trace's second free of a must not free b's ID. */
	static const char text[] = HDR
		"0 host 0 ioasid_alloc set=s min=1 max=1 priv=null = 1\n"
		"1 host 0 ioasid_free id=1\n"
		"2 host 0 ioasid_alloc set=s min=1 max=1 priv=null = 2\n"
		"3 host 0 ioasid_free id=1\n"
		"4 host 0 ioasid_find set=s id=2 = null\n";
	struct replay_opts o;
	struct run r = { 0 };
	char *msg = NULL;

	replay_opts_init(&o);
	replay_msgs(text, &o, &r, &msg);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	free(msg);
}

Test(replay, recorded_timing_caps_each_sleep, .timeout = 30)
{
	/* 100 s between two events: the replay sleeps at most max_gap_s, and says so */
	static const char text[] = HDR
		"0 host 0 ioasid_alloc set=s min=1 max=9 priv=null = 1\n"
		"100000000000 host 0 ioasid_free id=1\n";
	struct replay_opts o;
	struct run r = { 0 };
	char *msg = NULL;

	replay_opts_init(&o);
	cr_expect_float_eq(o.max_gap_s, 10.0, 1e-9, "the documented default cap");
	cr_assert_eq(replay_parse_timing("recorded", &o.timing, &o.scale), 0);
	o.max_gap_s = 0.001;
	replay_msgs(text, &o, &r, &msg);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect(strstr(msg, "t.trace:6: warning: recorded gap of 100 s capped at 0.001 s"),
		  "%s", msg);
	free(msg);
}

Test(replay, flavour_override_records_a_bare_metal_header)
{
	/* --flavour sets only the host's flavour on bare metal: the header stays writable */
	static const char text[] = "pasidsim-trace 1\nmode bare-metal\nflavour-host linux-6.1\n"
		"events\n0 host 0 ioasid_alloc set=s min=1 max=9 priv=null = 1\n";
	struct replay_opts o;
	struct replay_stats st;
	char *rec = NULL;
	size_t len;

	replay_opts_init(&o);
	o.any_flavour = true;
	o.flavour = "pasidsim";
	o.msg = fopen("/dev/null", "w");
	o.record = open_memstream(&rec, &len);
	cr_expect_eq(replay_mem(text, strlen(text), "t", &o, &st), 0, "%s", st.error);
	fclose(o.record);
	fclose(o.msg);
	cr_expect(strstr(rec, "flavour-host pasidsim\n"), "%s", rec);
	cr_expect_null(strstr(rec, "flavour-guest"), "%s", rec);
	free(rec);
}

Test(world_replay, an_unbound_numeric_id_never_aliases_a_replayed_one)
{
	/* the same trace as on bare metal, on the host of a world (raw calls run anywhere) */
	struct run r = { 0 };

	replay_text(V3HDR
		    "0 host 0 ioasid_alloc set=s min=1 max=1048575 priv=null = 9\n"
		    "1 host 0 ioasid_free id=1\n"
		    "2 host 0 ioasid_find set=s id=9 = null\n", false, &r);
	cr_expect_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.divergences, 0);
}

/* ---- the ida flavour (upstream's global PASID IDA): where its semantics apply ---- */

Test(replay, ida_flavour_replays_raw_allocations_and_refuses_the_rest)
{
	struct replay_opts o;
	struct replay_stats st;
	static const char raw[] = HDR
		"1 host 0 ioasid_alloc set=s min=1 max=100 priv=null = 1\n"
		"2 host 1 ioasid_alloc set=t min=1 max=100 priv=p = 2\n"
		"3 host 0 ioasid_free id=1\n"
		"4 host 1 ioasid_alloc set=s min=1 max=100 priv=null = 1\n";
	static const char api[] = HDR "1 host 0 iommu_pasid_init c=a min=0 max=0 = 0\n";
	static const char vms[] = WHDR "1 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n";

	if (!flavour_built("ida"))
		cr_skip_test("the ida core object is not built");
	replay_opts_init(&o);
	o.msg = fopen("/dev/null", "w");
	o.flavour = "ida";
	cr_expect_eq(replay_mem(raw, strlen(raw), "t.trace", &o, &st), 0, "%s%s", st.error,
		     st.divergence);
	cr_expect_eq(st.checked, 3);
	cr_expect_str_eq(st.flavour, "ida");
	cr_expect_eq(replay_mem(api, strlen(api), "t.trace", &o, &st), 2);
	cr_expect(strstr(st.error, "t.trace:5: iommu_pasid_init is not supported by the ida "
			 "flavour"), "%s", st.error);
	cr_expect_eq(replay_mem(vms, strlen(vms), "t.trace", &o, &st), 2);
	cr_expect(strstr(st.error, "not supported in a world: the ida flavour"), "%s", st.error);
	fclose(o.msg);
}

/* ---- version 4: explicit schedules, tie-break keys, late VMs ---- */

#define XHDR "pasidsim-trace 4\nmode vms\nvms 2\nvcpus 2\nschedule explicit\nevents\n"

/* Both VMs ask the host at the same time on both vCPUs; @keys decide who comes first. */
static char *tie_trace(const char *keys)
{
	size_t len = strlen(keys) + 1024;
	char *t = malloc(len);

	cr_assert_not_null(t);
	snprintf(t, len, XHDR "0 host 0 sched_tiebreak keys=%s\n"
		 "0 vm0 0 iommu_pasid_alloc c=boot min=1 max=100 priv=a\n"
		 "0 vm1 0 iommu_pasid_alloc c=boot min=1 max=100 priv=b\n"
		 "0 vm0 1 iommu_pasid_alloc c=boot min=1 max=100 priv=c\n"
		 "0 vm1 1 iommu_pasid_alloc c=boot min=1 max=100 priv=d\n"
		 "0 host 0 world_run\n", keys);
	return t;
}

static char *keys_pattern(int phase)
{
	static char buf[2048];
	size_t o = 0;

	for (int i = 0; i < 256; i++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%d", i ? "," : "",
			      (i * 37 + phase * 101) % 256);
	return buf;
}

Test(world_replay, tiebreak_keys_in_the_trace_choose_the_interleaving)
{
	struct run a = { 0 }, b = { 0 };
	char *t = tie_trace(keys_pattern(0)), *recs[4];
	int distinct = 0;

	replay_text(t, true, &a);
	cr_assert_eq(a.ret, 0, "%s %s", a.st.error, a.st.divergence);
	cr_expect_eq(a.st.ops, 4);
	/* the same keys: the same run, byte for byte, and the recording replays itself */
	replay_text(a.rec, true, &b);
	cr_assert_eq(b.ret, 0, "%s %s\n%s", b.st.error, b.st.divergence, a.rec);
	cr_expect_eq(b.st.checked, 4);
	cr_expect(a.rec_len == b.rec_len && !memcmp(a.rec, b.rec, a.rec_len), "A:\n%s\nB:\n%s",
		  a.rec, b.rec);
	free(t);
	free(b.rec);
	/* other keys: other interleavings (which VM gets which PASID) */
	recs[0] = a.rec;
	for (int p = 1; p < 4; p++) {
		struct run c = { 0 };

		t = tie_trace(keys_pattern(p));
		replay_text(t, true, &c);
		cr_assert_eq(c.ret, 0, "%s %s", c.st.error, c.st.divergence);
		recs[p] = c.rec;
		distinct += strcmp(c.rec, a.rec) != 0;
		free(t);
	}
	cr_expect_geq(distinct, 1, "3 other key lists, %d other interleavings", distinct);
	for (int p = 0; p < 4; p++)
		free(recs[p]);
}

Test(world_replay, explicit_schedules_use_numbers_and_the_vms_own_consumer)
{
	struct run r = { 0 };

	replay_text(XHDR "0 vm0 0 iommu_pasid_alloc c=boot min=1 max=100 priv=a = 1\n"
		    "0 host 0 world_run\n"
		    "1 host 0 vfio_pasid_lookup vm=0 id=1 = 0\n"
		    "1 host 0 vfio_pasid_lookup vm=1 id=1 = -EACCES\n"
		    "1 vm0 1 iommu_pasid_find c=boot id=1 = a\n"
		    "1 vm0 1 mmio_read viommu=0 off=0xe10 width=8\n"
		    "1 vm0 1 virtio_request len=12 val=0x80 tail=0 = -ENODEV\n"
		    "2 vm0 0 iommu_pasid_free c=boot id=1 = 0\n", true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.checked, 6);
	cr_expect(strstr(r.rec, "\n1 vm0 1 mmio_read viommu=0 off=0xe10 width=8 = 0x"), "%s", r.rec);
	free(r.rec);
	/* a recorded result that differs is a divergence with its line */
	replay_text(XHDR "0 vm0 0 iommu_pasid_alloc c=boot min=1 max=100 priv=a = 2\n", false, &r);
	cr_expect_eq(r.ret, 1);
	cr_expect(strstr(r.st.divergence, "t.trace:7: divergence"), "%s", r.st.divergence);
	/* IDs are numbers; the host has no 'boot' consumer */
	replay_text(XHDR "0 vm0 0 iommu_pasid_free c=boot id=first\n", false, &r);
	cr_expect_eq(r.ret, 2);
	cr_expect(strstr(r.st.error, "by number"), "%s", r.st.error);
	replay_text(XHDR "0 host 0 iommu_pasid_init c=boot min=0 max=0\n", false, &r);
	cr_expect_eq(r.ret, 2);
}

Test(world_replay, a_vm_booted_by_its_event)
{
	struct run r = { 0 };

	replay_text("pasidsim-trace 4\nmode vms\nvms 2\nvm 1 boot=event\nevents\n"
		    "0 vm1 0 iommu_pasid_init c=a min=0 max=0 = -ENODEV\n"
		    "1 vm1 0 vm_boot\n"
		    "2 vm1 0 iommu_pasid_init c=a min=0 max=0 = 0\n"
		    "3 vm1 0 iommu_pasid_alloc c=a min=1 max=100 priv=p = x\n"
		    "3 vm0 0 iommu_pasid_init c=a min=0 max=0 = 0\n", true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.leaked, 0, "its boot-time objects are its baseline");
	cr_expect(strstr(r.rec, "\nvm 1 boot=event\n"), "%s", r.rec);
	free(r.rec);
	/* a version 3 trace's vm_boot after the VM's first operation is still refused */
	replay_text("pasidsim-trace 3\nmode vms\nvms 1\nevents\n"
		    "0 vm0 0 iommu_pasid_init c=a min=0 max=0\n1 vm0 0 vm_boot\n", false, &r);
	cr_expect_eq(r.ret, 2);
}

/* Version 4's corners of the API (what the api and diff_ioasid fuzzers submit) replay on bare metal. */
Test(replay, api_corners_replay_on_bare_metal)
{
	struct run r = { 0 };

	replay_text("pasidsim-trace 4\nmode bare-metal\nhost-cpus 1\nevents\n"
		    "1 host 0 iommu_pasid_set_ops ops=1 = 0\n"
		    "2 host 0 iommu_pasid_set_ops ops=3 = -EBUSY\n"
		    "3 host 0 iommu_pasid_init_ops c=a min=0 max=0 ops=0 = 0\n"
		    "4 host 0 iommu_pasid_alloc c=a min=0 max=100 priv=x = p8\n"
		    "5 host 0 iommu_pasid_alloc c=a min=0 max=100 priv=y = p9\n"
		    "6 host 0 iommu_pasid_for_each_stop c=a stop=1 = 1\n"
		    "7 host 0 iommu_pasid_null_arg c=a call=3 = -EINVAL\n"
		    "8 host 0 fault_next mask=0xff\n"
		    "9 host 0 iommu_pasid_alloc c=a min=0 max=100 priv=z = -ENOSPC\n"
		    "10 host 0 iommu_pasid_for_each_free c=a = 2\n"
		    "11 host 0 ioasid_alloc set=s min=1 max=9 priv=p = q1\n"
		    "12 host 0 ioasid_find_getter set=s id=q1 getter=2 = null\n"
		    "13 host 0 ioasid_find_getter set=s id=q1 getter=1 = p\n"
		    "14 host 0 ioasid_free id=q1\n"
		    "15 host 0 iommu_pasid_exit c=a\n"
		    "16 host 0 iommu_pasid_set_ops ops=0 = 0\n", true, &r);
	cr_assert_eq(r.ret, 0, "%s %s", r.st.error, r.st.divergence);
	cr_expect_eq(r.st.divergences, 0);
	cr_expect_eq(r.st.leaked, 0);
	cr_expect(strstr(r.rec, "iommu_pasid_alloc c=a min=0 max=100 priv=x = 8\n"), "%s", r.rec);
	cr_expect(strstr(r.rec, "fault_next mask=0xff\n"), "%s", r.rec);
	free(r.rec);
}
