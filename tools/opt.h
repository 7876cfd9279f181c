/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One option layer for every pasidsim command, in the style of perf's
 * parse-options: a command describes its options in a table (type, short
 * and long name, where the value goes, its bounds, a help line), and
 * opt_parse() parses argv against it, prints the generated --help, and
 * names the option and the value in every error ("pasidsim gen: --vms=0:
 * expected an integer from 1 to 256").
 *
 * Conventions shared by every command: -o/--output FILE ('-' for standard
 * output), --db=FILE / --no-db, --json, --quiet, --help. --list-opts (not
 * shown in the help) prints the long options, one a line: the bash
 * completion (pasidsim completion bash) is generated from it.
 */
#ifndef PASIDSIM_OPT_H
#define PASIDSIM_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_END,
	OPT_GROUP,	/* a heading in the help; no option */
	OPT_BOOL,	/* bool *: --name sets true; --no-name sets false */
	OPT_SET,	/* int *: --name stores .imin (a flag choosing one of several) */
	OPT_STRING,	/* const char **: the argument as given */
	OPT_U64,	/* uint64_t *: decimal or 0x hex, from .umin to .umax */
	OPT_UINT,	/* unsigned int *: as OPT_U64, .umax at most UINT_MAX */
	OPT_DOUBLE,	/* double *: finite, from .dmin to .dmax */
	OPT_CHOICE,	/* int *: index of the argument in .choices (NULL-ended) */
	OPT_CALLBACK,	/* .cb(opt, arg, err): 0, or -1 with "expected ..." in err */
};

#define OPT_NONEG	0x1	/* OPT_BOOL: no --no-name form */
#define OPT_HIDDEN	0x2	/* not in --help */
#define OPT_OPTARG	0x4	/* the value is optional: only --name=VALUE gives one;
				 * --name alone passes NULL (callbacks, strings) */

struct opt;
typedef int (*opt_cb_t)(const struct opt *o, const char *arg, char *err, size_t errlen);

struct opt {
	enum opt_type type;
	char short_name;
	const char *long_name;
	void *value;
	const char *argh;	/* the argument's name in the help ("N", "FILE") */
	const char *help;
	const char *def;	/* default, shown in the help ("1", "pasidsim") */
	int flags;
	uint64_t umin, umax;
	double dmin, dmax;
	int imin;
	const char *const *choices;
	opt_cb_t cb;
	void *data;		/* for callbacks */
};

#define OPT_END()	{ .type = OPT_END }
#define OPT_GROUP(h)	{ .type = OPT_GROUP, .help = (h) }
#define OPT_BOOLEAN(s, l, v, h) \
	{ .type = OPT_BOOL, .short_name = (s), .long_name = (l), .value = (v), .help = (h) }
#define OPT_FLAG(s, l, v, i, h) \
	{ .type = OPT_SET, .short_name = (s), .long_name = (l), .value = (v), .imin = (i), \
	  .help = (h) }
#define OPT_STR(s, l, v, a, h) \
	{ .type = OPT_STRING, .short_name = (s), .long_name = (l), .value = (v), \
	  .argh = (a), .help = (h) }
#define OPT_UNSIGNED64(s, l, v, lo, hi, a, h) \
	{ .type = OPT_U64, .short_name = (s), .long_name = (l), .value = (v), .umin = (lo), \
	  .umax = (hi), .argh = (a), .help = (h) }
#define OPT_UNSIGNED(s, l, v, lo, hi, a, h) \
	{ .type = OPT_UINT, .short_name = (s), .long_name = (l), .value = (v), .umin = (lo), \
	  .umax = (hi), .argh = (a), .help = (h) }
#define OPT_DBL(s, l, v, lo, hi, a, h) \
	{ .type = OPT_DOUBLE, .short_name = (s), .long_name = (l), .value = (v), .dmin = (lo), \
	  .dmax = (hi), .argh = (a), .help = (h) }
#define OPT_CHOOSE(s, l, v, c, a, h) \
	{ .type = OPT_CHOICE, .short_name = (s), .long_name = (l), .value = (v), \
	  .choices = (c), .argh = (a), .help = (h) }
#define OPT_CB(s, l, v, f, a, h) \
	{ .type = OPT_CALLBACK, .short_name = (s), .long_name = (l), .value = (v), .cb = (f), \
	  .argh = (a), .help = (h) }

/* The shared spellings. */
#define OPT_OUTPUT(v, h)	OPT_STR('o', "output", v, "FILE", h)
#define OPT_JSON(v)		{ .type = OPT_BOOL, .long_name = "json", .value = (v), \
				  .flags = OPT_NONEG, .help = "print the results as JSON" }
#define OPT_QUIET(v)		{ .type = OPT_BOOL, .short_name = 'q', .long_name = "quiet", \
				  .value = (v), .flags = OPT_NONEG, \
				  .help = "print nothing but errors" }
#define OPT_DB(v)		OPT_STR(0, "db", v, "FILE", \
				"results store (default $PASIDSIM_DB, else ./pasidsim.db)")
#define OPT_NO_DB(v)		{ .type = OPT_BOOL, .long_name = "no-db", .value = (v), \
				  .flags = OPT_NONEG, .help = "do not record the run" }

/* What a command tells opt_parse() about itself. */
struct opt_cmd {
	const char *name;	/* "gen", "db merge" */
	const char *usage;	/* "[options] WORKLOAD" (after "usage: pasidsim NAME ") */
	const char *about;	/* paragraphs printed after the usage line, or NULL */
	const char *footer;	/* printed after the options (exit status, ...), or NULL */
	unsigned int min_args, max_args;	/* positional arguments */
};

#define OPT_HELP	(-1)	/* --help or --list-opts printed: exit 0 */
#define OPT_ERROR	(-2)	/* an error was printed: exit 2 */

/*
 * Parse @argv (argv[0] is the command's name) against @opts. Options and
 * positional arguments may be mixed; "--" ends the options. Positional
 * arguments are moved to argv[1..n]; returns n, OPT_HELP or OPT_ERROR.
 */
int opt_parse(const struct opt_cmd *cmd, const struct opt *opts, int argc, char **argv);

void opt_help(const struct opt_cmd *cmd, const struct opt *opts, FILE *f);

/* Where --list-opts prints (standard output unless the completion generator sets it). */
extern FILE *opt_list_file;

/* Parse an unsigned integer (decimal or 0x hex) with bounds: 0 or -1. */
int opt_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);

/* "-" is standard output/input. */
static inline bool opt_is_stdio(const char *path)
{
	return path && path[0] == '-' && !path[1];
}

#endif /* PASIDSIM_OPT_H */
