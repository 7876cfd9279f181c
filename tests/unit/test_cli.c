// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the shared layer of tools/ (issue 15): the option table parser
 * (tools/opt.c), the JSON writer and validator (tools/json.c), nearest-rank
 * percentiles (tools/stats.c) and temp-file outputs (tools/outfile.c).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "opt.h"
#include "outfile.h"
#include "stats.h"

/* ---- option tables ------------------------------------------------------------- */

struct vals {
	bool flag, json;
	const char *out, *db;
	uint64_t n;
	unsigned int u;
	double d;
	int choice;
};

static const char *const colours[] = { "red", "green", "blue", NULL };

static char errbuf[4096];

/* Parse @args (NULL-ended) into @v; stderr captured in errbuf. */
static int parse(struct vals *v, const char *const *args, char ***rest)
{
	static char *argv[32];
	const struct opt opts[] = {
		OPT_BOOLEAN('f', "flag", &v->flag, "a flag"),
		OPT_OUTPUT(&v->out, "output"),
		OPT_DB(&v->db),
		OPT_JSON(&v->json),
		OPT_UNSIGNED64('n', "count", &v->n, 1, 100, "N", "a count"),
		OPT_UNSIGNED(0, "small", &v->u, 0, 7, "N", "a small one"),
		OPT_DBL(0, "alpha", &v->d, 0.001, 1, "P", "a probability"),
		OPT_CHOOSE(0, "colour", &v->choice, colours, "C", "a colour"),
		OPT_END(),
	};
	static const struct opt_cmd cmd = { "t", "[options] ARG...", NULL, NULL, 0, 3 };
	FILE *saved = stderr, *mem = fmemopen(errbuf, sizeof(errbuf), "w");
	int argc = 1, n;

	argv[0] = "t";
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	argv[argc] = NULL;
	memset(errbuf, 0, sizeof(errbuf));
	stderr = mem;
	n = opt_parse(&cmd, opts, argc, argv);
	stderr = saved;
	fclose(mem);
	*rest = argv + 1;
	return n;
}

Test(opt, values_positional_and_mixed_order)
{
	struct vals v = { 0 };
	char **rest;
	int n = parse(&v, (const char *const[]){ "a", "--flag", "-o", "x.trace", "--count=7",
		"b", "--colour", "blue", "--db=s.db", "--json", "--", "--c", NULL }, &rest);

	cr_assert_eq(n, 3, "%s", errbuf);
	cr_expect(v.flag && v.json);
	cr_expect_str_eq(v.out, "x.trace");
	cr_expect_str_eq(v.db, "s.db");
	cr_expect_eq(v.n, 7);
	cr_expect_eq(v.choice, 2);
	cr_expect_str_eq(rest[0], "a");
	cr_expect_str_eq(rest[1], "b");
	cr_expect_str_eq(rest[2], "--c");
}

Test(opt, short_forms_prefixes_and_negation)
{
	struct vals v = { .flag = true };
	char **rest;

	cr_assert_eq(parse(&v, (const char *const[]){ "-n5", "--no-flag", "--sma=3", "-o-",
		NULL }, &rest), 0, "%s", errbuf);
	cr_expect_eq(v.n, 5);
	cr_expect_not(v.flag);
	cr_expect_eq(v.u, 3);
	cr_expect(opt_is_stdio(v.out));
}

Test(opt, errors_name_the_option_and_the_value)
{
	static const struct {
		const char *arg, *msg;
	} cases[] = {
		{ "--count=0", "t: --count='0': expected an integer from 1 to 100" },
		{ "--count=-1", "--count='-1': expected an integer from 1 to 100" },
		{ "--count=101", "--count='101': expected an integer" },
		{ "--count=5x", "--count='5x'" },
		{ "--count=99999999999999999999999", "expected an integer from 1 to 100" },
		{ "--small=8", "--small='8': expected an integer from 0 to 7" },
		{ "--alpha=2", "--alpha='2': expected a number from 0.001 to 1" },
		{ "--alpha=nan", "--alpha='nan'" },
		{ "--colour=pink", "--colour='pink': expected red, green or blue" },
		{ "--bogus", "unknown option '--bogus'" },
		{ "-z", "unknown option '-z'" },
		{ "--json=1", "--json takes no value" },
		{ "--no-db", "unknown option '--no-db'" },
		{ "--output", "--output needs a value (FILE)" },
		{ "--output=", "--output='': expected a non-empty FILE" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vals v = { 0 };
		char **rest;

		cr_expect_eq(parse(&v, (const char *const[]){ cases[i].arg, NULL }, &rest),
			     OPT_ERROR, "%s", cases[i].arg);
		cr_expect(strstr(errbuf, cases[i].msg), "%s: '%s' lacks '%s'", cases[i].arg,
			  errbuf, cases[i].msg);
		cr_expect(strstr(errbuf, "(see 'pasidsim t --help')"), "%s", errbuf);
	}
}

Test(opt, too_many_arguments)
{
	struct vals v = { 0 };
	char **rest;

	cr_expect_eq(parse(&v, (const char *const[]){ "a", "b", "c", "d", NULL }, &rest),
		     OPT_ERROR);
	cr_expect(strstr(errbuf, "unexpected argument 'd'"), "%s", errbuf);
}

Test(opt, help_is_generated_from_the_table)
{
	const struct opt opts[] = {
		OPT_STR('o', "output", NULL, "FILE", "write the result to FILE"),
		{ .type = OPT_STRING, .long_name = "hidden", .flags = OPT_HIDDEN },
		OPT_END(),
	};
	static const struct opt_cmd cmd = { "t", "[options] X", "About t.\n", "Exit 0.\n", 1, 1 };
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	opt_help(&cmd, opts, f);
	fclose(f);
	cr_expect(strstr(buf, "usage: pasidsim t [options] X\n\nAbout t.\n"), "%s", buf);
	cr_expect(strstr(buf, "-o, --output=FILE"), "%s", buf);
	cr_expect(strstr(buf, "write the result to FILE"), "%s", buf);
	cr_expect(strstr(buf, "Exit 0.\n"), "%s", buf);
	cr_expect_null(strstr(buf, "hidden"), "%s", buf);
	free(buf);
}

/* ---- JSON ------------------------------------------------------------------------ */

static char *json_text(void (*fn)(struct json *j))
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	fn(&j);
	fclose(f);
	return buf;
}

static void nested(struct json *j)
{
	json_obj_begin(j, NULL);
	json_str(j, "s", "a\"b\\c\n\t\x01<&>");
	json_u64(j, "u", UINT64_MAX);
	json_i64(j, "i", -5);
	json_dbl(j, "nan", 0.0 / 0.0);
	json_arr_begin(j, "a");
	json_bool(j, NULL, true);
	json_null(j, NULL);
	json_obj_begin(j, NULL);
	json_obj_end(j);
	json_arr_end(j);
	json_obj_end(j);
}

Test(json, writer_escapes_and_nests)
{
	char *t = json_text(nested);

	cr_expect_str_eq(t, "{\"s\":\"a\\\"b\\\\c\\n\\t\\u0001\\u003c\\u0026\\u003e\","
			 "\"u\":18446744073709551615,\"i\":-5,\"nan\":null,"
			 "\"a\":[true,null,{}]}\n");
	cr_expect(json_valid(t, strlen(t)), "%s", t);
	free(t);
}

Test(json, strings_are_always_valid_utf8)
{
	static const char *const in[] = {
		"caf\xc3\xa9", "\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80" /* surrogate */,
		"\xc0\xaf" /* overlong */, "\xf4\x90\x80\x80" /* > U+10FFFF */,
		"\xf0\x9f\x98\x80",
	};
	static const char *const out[] = {
		"\"caf\xc3\xa9\"", "\"\\ufffd\"", "\"\\ufffd\"", "\"\\ufffd\\ufffd\"",
		"\"\\ufffd\\ufffd\\ufffd\"", "\"\\ufffd\\ufffd\"",
		"\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "\"\xf0\x9f\x98\x80\"",
	};

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *buf = NULL;
		size_t len;
		FILE *f = open_memstream(&buf, &len);

		json_write_string(f, in[i], strlen(in[i]));
		fclose(f);
		cr_expect_str_eq(buf, out[i], "case %zu", i);
		cr_expect(json_valid(buf, len), "case %zu: %s", i, buf);
		free(buf);
	}
}

Test(json, validator)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-1.5e+3", "\"\\u00e9\"", " {\"a\": [1, true, null, \"x\"]} ",
		"{\"a\":{\"b\":[[]]}}",
	};
	static const char *const bad[] = {
		"", "{\"a\":", "{\"a\":1,}", "[1 2]", "01", "1.", "\"\x01\"", "\"\xff\"", "{a:1}",
		"tru", "[] []", "\"\\x\"", "{\"a\":1", "nul",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_expect(json_valid(good[i], strlen(good[i])), "'%s'", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_not(json_valid(bad[i], strlen(bad[i])), "'%s'", bad[i]);
}

/* ---- statistics ------------------------------------------------------------------ */

Test(stats, nearest_rank_percentiles)
{
	struct stats s = STATS_INIT;

	cr_expect_eq(stats_pct(&s, 50), 0, "empty");
	for (uint64_t v = 100; v >= 1; v--)	/* descending: sorted on demand */
		cr_assert_eq(stats_add(&s, v), 0);
	cr_expect_eq(stats_pct(&s, 0), 1);
	cr_expect_eq(stats_pct(&s, 50), 50);
	cr_expect_eq(stats_pct(&s, 99), 99);
	cr_expect_eq(stats_pct(&s, 99.5), 100);
	cr_expect_eq(stats_pct(&s, 100), 100);
	cr_expect_eq(s.min, 1);
	cr_expect_eq(s.max, 100);
	cr_expect_float_eq(stats_mean(&s), 50.5, 1e-9);
	stats_free(&s);

	/* {1,2,3,4}: p50 is the 2nd value, p75 the 3rd, p76 the 4th */
	static const uint64_t four[] = { 1, 2, 3, 4 };

	cr_expect_eq(stats_pct_sorted(four, 4, 50), 2);
	cr_expect_eq(stats_pct_sorted(four, 4, 75), 3);
	cr_expect_eq(stats_pct_sorted(four, 4, 76), 4);
	cr_expect_eq(stats_pct_sorted(four, 1, 99), 1);
	/* the two formulas replay and model used disagreed here: (n-1)*p/100 gave 1 */
	static const uint64_t two[] = { 1, 1000 };

	cr_expect_eq(stats_pct_sorted(two, 2, 99), 1000);
}

/* ---- outputs --------------------------------------------------------------------- */

static char dir[64];

static void mkscratch(void)
{
	snprintf(dir, sizeof(dir), "/tmp/pasidsim-cli-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void rmscratch(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		cr_log_warn("could not remove %s", dir);
}

static char *slurp(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int count_entries(void)
{
	char cmd[128], buf[16];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	cr_assert_not_null(fgets(buf, sizeof(buf), p));
	pclose(p);
	return atoi(buf);
}

Test(outfile, commit_replaces_abort_keeps, .init = mkscratch, .fini = rmscratch)
{
	char path[128], err[256];
	struct outfile o;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/out", dir);
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("one", o.f);
	cr_assert_eq(outfile_commit(&o, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(slurp(path), "one");
	cr_expect_eq(stat(path, &sb), 0);
	cr_expect_eq(sb.st_mode & 0777, 0666 & ~umask(022), "mode %o", sb.st_mode & 0777);

	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("two, half written", o.f);
	fflush(o.f);
	cr_expect_str_eq(slurp(path), "one", "the old file stays while the new one is written");
	outfile_abort(&o);
	outfile_abort(&o);
	cr_expect_str_eq(slurp(path), "one");
	cr_expect_eq(count_entries(), 1, "no temporary file left");
}

Test(outfile, symlink_is_replaced_not_followed, .init = mkscratch, .fini = rmscratch)
{
	char path[128], target[128], err[256];
	struct outfile o;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/link", dir);
	snprintf(target, sizeof(target), "%s/target", dir);
	FILE *t = fopen(target, "w");

	fputs("precious", t);
	fclose(t);
	cr_assert_eq(symlink(target, path), 0);
	cr_assert_eq(outfile_open(&o, path, err, sizeof(err)), 0, "%s", err);
	fputs("new", o.f);
	cr_assert_eq(outfile_commit(&o, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(slurp(target), "precious");
	cr_expect_eq(lstat(path, &sb), 0);
	cr_expect(S_ISREG(sb.st_mode));
	cr_expect_str_eq(slurp(path), "new");
}

/* A FIFO (like /dev/null, a device) is written through, not replaced by a file. */
Test(outfile, device_is_written_through_not_replaced, .init = mkscratch, .fini = rmscratch,
     .timeout = 10)
{
	char path[128], link[128], err[256], buf[16];
	struct outfile o;
	struct stat sb;
	ssize_t n;
	int r;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	snprintf(link, sizeof(link), "%s/link-to-fifo", dir);
	cr_assert_eq(mkfifo(path, 0600), 0);
	cr_assert_eq(symlink(path, link), 0);
	for (int i = 0; i < 2; i++) {
		const char *p = i ? link : path;

		r = open(path, O_RDONLY | O_NONBLOCK);	/* a reader, so the writer's open returns */
		cr_assert_geq(r, 0);
		cr_assert_eq(outfile_open(&o, p, err, sizeof(err)), 0, "%s", err);
		fputs("through", o.f);
		cr_assert_eq(outfile_commit(&o, err, sizeof(err)), 0, "%s", err);
		n = read(r, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		cr_expect_str_eq(buf, "through", "%s: the FIFO's reader got '%s'", p, buf);
		close(r);
		cr_expect_eq(lstat(path, &sb), 0);
		cr_expect(S_ISFIFO(sb.st_mode), "%s: the FIFO was replaced", p);
		cr_expect_eq(lstat(link, &sb), 0);
		cr_expect(S_ISLNK(sb.st_mode), "%s: the link to the FIFO was replaced", p);
		if (!S_ISFIFO(sb.st_mode) || !S_ISLNK(sb.st_mode))
			break;
	}
}

Test(outfile, unwritable_directory_and_stdout, .init = mkscratch, .fini = rmscratch)
{
	char err[256];
	struct outfile o;

	cr_expect_eq(outfile_open(&o, "/nonexistent/dir/x", err, sizeof(err)), -1);
	cr_expect(strstr(err, "/nonexistent/dir/x: No such file or directory"), "%s", err);
	cr_assert_eq(outfile_open(&o, "-", err, sizeof(err)), 0);
	cr_expect_eq(o.f, stdout);
	cr_expect_eq(outfile_commit(&o, err, sizeof(err)), 0);
}
