// SPDX-License-Identifier: GPL-2.0
/*
 * The option table parser (opt.h).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

FILE *opt_list_file;

int opt_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static bool takes_arg(const struct opt *o)
{
	return o->type != OPT_BOOL && o->type != OPT_SET;
}

static void expect_range(const struct opt *o, char *err, size_t len)
{
	if (o->umax == UINT64_MAX && !o->umin)
		snprintf(err, len, "expected an unsigned 64-bit integer (decimal or 0x hex)");
	else if (o->umax == UINT64_MAX)
		snprintf(err, len, "expected an integer of at least %llu",
			 (unsigned long long)o->umin);
	else
		snprintf(err, len, "expected an integer from %llu to %llu",
			 (unsigned long long)o->umin, (unsigned long long)o->umax);
}

static int set_choice(const struct opt *o, const char *arg, char *err, size_t len)
{
	size_t n = 0;

	for (int i = 0; o->choices[i]; i++)
		if (!strcmp(o->choices[i], arg)) {
			*(int *)o->value = i;
			return 0;
		}
	n += snprintf(err, len, "expected ");
	for (int i = 0; o->choices[i] && n < len; i++)
		n += snprintf(err + n, len - n, "%s%s", i ? (o->choices[i + 1] ? ", " : " or ")
			      : "", o->choices[i]);
	return -1;
}

/* Store @arg (NULL for flags) into @o: 0, or -1 with "expected ..." in @err. */
static int set_value(const struct opt *o, const char *arg, bool neg, char *err, size_t len)
{
	uint64_t u;
	double d;
	char *end;

	switch (o->type) {
	case OPT_BOOL:
		*(bool *)o->value = !neg;
		return 0;
	case OPT_SET:
		*(int *)o->value = o->imin;
		return 0;
	case OPT_STRING:
		if (!*arg) {
			snprintf(err, len, "expected a non-empty %s", o->argh ? o->argh : "value");
			return -1;
		}
		*(const char **)o->value = arg;
		return 0;
	case OPT_U64:
	case OPT_UINT:
		if (opt_parse_u64(arg, o->umin, o->umax, &u)) {
			expect_range(o, err, len);
			return -1;
		}
		if (o->type == OPT_U64)
			*(uint64_t *)o->value = u;
		else
			*(unsigned int *)o->value = u;
		return 0;
	case OPT_DOUBLE:
		errno = 0;
		d = strtod(arg, &end);
		if (!*arg || *end || errno || !isfinite(d) || d < o->dmin || d > o->dmax) {
			snprintf(err, len, "expected a number from %g to %g", o->dmin, o->dmax);
			return -1;
		}
		*(double *)o->value = d;
		return 0;
	case OPT_CHOICE:
		return set_choice(o, arg, err, len);
	case OPT_CALLBACK:
		return o->cb(o, arg, err, len);
	default:
		snprintf(err, len, "internal error");
		return -1;
	}
}

/* Does @o match "--@name" (@n bytes), exactly (2), as a prefix (1) or not (0)? */
static int match_long(const struct opt *o, const char *name, size_t n, bool neg)
{
	const char *l = o->long_name;

	if (neg) {
		if (o->type != OPT_BOOL || (o->flags & OPT_NONEG) || n <= 3 ||
		    strncmp(name, "no-", 3))
			return 0;
		name += 3;
		n -= 3;
	}
	if (!l || strncmp(l, name, n))
		return 0;
	return l[n] ? 1 : 2;
}

static const struct opt *find_long(const struct opt *opts, const char *name, size_t n,
				   bool *neg, bool *ambiguous)
{
	const struct opt *hit = NULL;
	int nhits = 0;

	*ambiguous = false;
	for (int exact = 2; exact >= 1; exact--) {
		for (const struct opt *o = opts; o->type != OPT_END; o++) {
			for (int ng = 0; ng < 2; ng++) {
				if (match_long(o, name, n, ng) != exact)
					continue;
				if (exact == 2) {
					*neg = ng;
					return o;
				}
				if (hit != o)
					nhits++;
				hit = o;
				*neg = ng;
			}
		}
	}
	*ambiguous = nhits > 1;
	return nhits == 1 ? hit : NULL;
}

static void list_opts(const struct opt *opts)
{
	FILE *f = opt_list_file ? opt_list_file : stdout;

	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		if (!o->long_name || (o->flags & OPT_HIDDEN))
			continue;
		fprintf(f, "--%s%s\n", o->long_name, takes_arg(o) ? "=" : "");
		if (o->type == OPT_BOOL && !(o->flags & OPT_NONEG))
			fprintf(f, "--no-%s\n", o->long_name);
	}
	fprintf(f, "--help\n");
}

static int fail(const struct opt_cmd *cmd, const char *fmt, const char *a, const char *b,
		const char *c)
{
	fprintf(stderr, "pasidsim %s: ", cmd->name);
	fprintf(stderr, fmt, a, b, c);
	fprintf(stderr, "\n(see 'pasidsim %s --help')\n", cmd->name);
	return OPT_ERROR;
}

/* One "--name[=value]" at argv[*i]. */
static int parse_long(const struct opt_cmd *cmd, const struct opt *opts, int argc, char **argv,
		      int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '='), *arg = NULL;
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	bool neg = false, amb;
	const struct opt *o = find_long(opts, name, n, &neg, &amb);
	char err[256], optname[160];

	if (!o)
		return fail(cmd, amb ? "option '--%s' is ambiguous%s%s" :
			    "unknown option '--%s'%s%s", name, "", "");
	snprintf(optname, sizeof(optname), "--%s%s", neg ? "no-" : "", o->long_name);
	if (!takes_arg(o) || neg) {
		if (eq)
			return fail(cmd, "%s takes no value (got '%s')%s", optname, eq + 1, "");
		arg = NULL;
	} else if (eq) {
		arg = eq + 1;
	} else if (o->flags & OPT_OPTARG) {
		arg = NULL;
	} else if (*i + 1 < argc) {
		arg = argv[++*i];
	} else {
		return fail(cmd, "%s needs a value (%s)%s", optname, o->argh ? o->argh : "VALUE",
			    "");
	}
	if (set_value(o, arg, neg, err, sizeof(err)))
		return fail(cmd, "%s='%s': %s", optname, arg, err);
	return 0;
}

/* One "-x[value]" (or bundled flags "-qj") at argv[*i]. */
static int parse_short(const struct opt_cmd *cmd, const struct opt *opts, int argc,
		       char **argv, int *i)
{
	for (const char *p = argv[*i] + 1; *p; p++) {
		const struct opt *o = opts;
		char err[256], optname[4] = { '-', *p, 0 };
		const char *arg = NULL;

		while (o->type != OPT_END && o->short_name != *p)
			o++;
		if (o->type == OPT_END || !*p)
			return fail(cmd, "unknown option '%s'%s%s", optname, "", "");
		if (takes_arg(o)) {
			if (p[1])
				arg = p + 1;
			else if (*i + 1 < argc)
				arg = argv[++*i];
			else
				return fail(cmd, "%s needs a value (%s)%s", optname,
					    o->argh ? o->argh : "VALUE", "");
		}
		if (set_value(o, arg, false, err, sizeof(err)))
			return fail(cmd, "%s '%s': %s", optname, arg, err);
		if (arg)
			break;
	}
	return 0;
}

int opt_parse(const struct opt_cmd *cmd, const struct opt *opts, int argc, char **argv)
{
	int nargs = 0, ret;
	bool dashdash = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || a[0] != '-' || !a[1]) {
			argv[1 + nargs++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			opt_help(cmd, opts, stdout);
			return OPT_HELP;
		}
		if (!strcmp(a, "--list-opts")) {
			list_opts(opts);
			return OPT_HELP;
		}
		ret = a[1] == '-' ? parse_long(cmd, opts, argc, argv, &i) :
		      parse_short(cmd, opts, argc, argv, &i);
		if (ret)
			return ret;
	}
	if ((unsigned int)nargs < cmd->min_args)
		return fail(cmd, "%s%s%s", cmd->min_args == 1 && cmd->max_args == 1 ?
			    "expected one argument" : "missing arguments", "", "");
	if ((unsigned int)nargs > cmd->max_args)
		return fail(cmd, "unexpected argument '%s'%s%s", argv[1 + cmd->max_args], "", "");
	return nargs;
}

/* The help text from column 30, wrapped at 80. */
static void wrap(FILE *f, const char *s, const char *def)
{
	char buf[512];
	size_t col = 30;

	snprintf(buf, sizeof(buf), "%s%s%s%s", s, def ? " (default " : "", def ? def : "",
		 def ? ")" : "");
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " ")) {
		size_t l = strlen(w);

		if (col > 30 && col + 1 + l > 80) {
			fprintf(f, "\n%30s", "");
			col = 30;
		}
		fprintf(f, "%s%s", col > 30 ? " " : "", w);
		col += l + (col > 30);
	}
	fputc('\n', f);
}

void opt_help(const struct opt_cmd *cmd, const struct opt *opts, FILE *f)
{
	fprintf(f, "usage: pasidsim %s %s\n", cmd->name, cmd->usage);
	if (cmd->about)
		fprintf(f, "\n%s", cmd->about);
	fprintf(f, "\n");
	for (const struct opt *o = opts; o->type != OPT_END; o++) {
		char lhs[96];
		int n = 0;

		if (o->type == OPT_GROUP) {
			fprintf(f, "\n%s\n", o->help);
			continue;
		}
		if (o->flags & OPT_HIDDEN)
			continue;
		n = snprintf(lhs, sizeof(lhs), "    %s%c%s", o->short_name ? "-" : "  ",
			     o->short_name ? o->short_name : ' ',
			     o->short_name && o->long_name ? "," : " ");
		if (o->long_name)
			n += snprintf(lhs + n, sizeof(lhs) - n, " --%s%s", o->type == OPT_BOOL &&
				      !(o->flags & OPT_NONEG) ? "[no-]" : "", o->long_name);
		if (takes_arg(o) && n < (int)sizeof(lhs))
			snprintf(lhs + n, sizeof(lhs) - n, "%s%s", o->long_name ? "=" : " ",
				 o->argh ? o->argh : "VALUE");
		if (strlen(lhs) > 28)
			fprintf(f, "%s\n%30s", lhs, "");
		else
			fprintf(f, "%-30s", lhs);
		wrap(f, o->help ? o->help : "", o->def);
	}
	fprintf(f, "%-30s%s\n", "    -h, --help", "this help");
	if (cmd->footer)
		fprintf(f, "\n%s", cmd->footer);
}
