// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim - simulator and fuzzing testbed for IOMMU PASID allocation.
 *
 * git/perf-style front end: "pasidsim <command> [<options>]". Every command
 * parses its options through one table (tools/opt.h); "pasidsim completion
 * bash" generates the bash completion from those tables.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builtin.h"
#include "opt.h"

static int cmd_completion(int argc, char **argv);

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	bool list_opts;		/* takes --list-opts (the option table); else read from --help */
};

static const struct cmd_struct commands[] = {
	{ "demo", cmd_demo, "bare-metal workload through the iommu_pasid API", true },
	{ "db", cmd_db, "results store: init, list, show, merge, export, record, check", true },
	{ "compare", cmd_compare, "gate a candidate run against a baseline (exit 1: regression)",
	  true },
	{ "report", cmd_report, "static HTML dashboard of the results store", true },
	{ "replay", cmd_replay, "replay a trace, check its recorded results (exit 1: divergence)",
	  true },
	{ "gen", cmd_gen, "deterministic synthetic workload by seed -> trace", true },
	{ "import", cmd_import, "kernel capture (ftrace, trace-cmd, perf script) -> trace", true },
	{ "model", cmd_model, "contention sweep over VMs x vCPUs, in virtual time", true },
	{ "bench", cmd_bench, "benchmark suite: allocator, world, replay, parse, instances, recorded into the results store",
	  true },
	{ "fuzz", cmd_fuzz, "a fuzzing campaign on one harness, recorded (exit 1: a finding)",
	  true },
	{ "bugbench", cmd_bugbench, "seeded bugs x harnesses x trials: time to detection", true },
	{ "completion", cmd_completion, "print the bash completion script (completion bash)",
	  true },
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: pasidsim [--version] [--help] <command> [<args>]\n\n"
		"commands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'pasidsim <command> --help' describes a command.\n"
		"Exit status: 0 ok, 1 the run found a problem, 2 usage or input error.\n");
}

/*
 * What a command prints for @arg (--list-opts, or --help for a command
 * without a table), captured: its standard output goes to a temporary file
 * for the call. A malloc'ed string, or NULL.
 */
static char *capture(const struct cmd_struct *c, const char *sub, const char *arg)
{
	char *argv[] = { (char *)c->name, (char *)(sub ? sub : arg), (char *)arg, NULL };
	FILE *tmp = tmpfile();
	int saved, argc = sub ? 3 : 2;
	char *buf = NULL;
	long n;

	if (!tmp)
		return NULL;
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fileno(tmp), STDOUT_FILENO) < 0) {
		fclose(tmp);
		return NULL;
	}
	c->fn(argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = ftell(tmp);
	if (n >= 0 && !fseek(tmp, 0, SEEK_SET) && (buf = calloc(1, n + 1)) &&
	    fread(buf, 1, n, tmp) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(tmp);
	return buf;
}

/* The words of @text: one a line (--list-opts), or every --option in a help text. */
static void print_words(const char *text, bool from_help)
{
	const char *p = text;
	char seen[4096] = " ";

	while (p && *p) {
		size_t n;

		if (from_help) {
			p = strstr(p, "--");
			if (!p)
				break;
			char w[96];

			n = 2 + strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
			snprintf(w, sizeof(w), " %.*s%s ", (int)(n < 80 ? n : 80), p,
				 p[n] == '=' ? "=" : "");
			if (n > 2 && (p == text || p[-1] == ' ' || p[-1] == '[' || p[-1] == '(') &&
			    !strstr(seen, w) && strlen(seen) + strlen(w) < sizeof(seen)) {
				strcat(seen, w + 1);
				printf("%.*s", (int)strlen(w) - 1, w);
			}
			p += n;
			continue;
		}
		n = strcspn(p, "\n");
		if (n)
			printf(" %.*s", (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static void completion_command(const struct cmd_struct *c)
{
	char *words = capture(c, NULL, c->list_opts ? "--list-opts" : "--help");

	printf("\t%s)\n", c->name);
	if (strcmp(c->name, "db")) {
		printf("\t\twords=\"");
		print_words(words, !c->list_opts);
		printf(" \"\n\t\t;;\n");
		free(words);
		return;
	}
	/* db: its subcommands, then each subcommand's options */
	printf("\t\tif [ \"$COMP_CWORD\" -eq 2 ]; then\n\t\t\twords=\"");
	print_words(words, false);
	printf(" \"\n\t\telse\n\t\t\tcase \"${COMP_WORDS[2]}\" in\n");
	for (char *s = words, *save = NULL, *sub = strtok_r(s, "\n", &save); sub;
	     sub = strtok_r(NULL, "\n", &save)) {
		char *opts = capture(c, sub, "--list-opts");

		printf("\t\t\t%s) words=\"", sub);
		print_words(opts, false);
		printf(" \" ;;\n");
		free(opts);
	}
	printf("\t\t\tesac\n\t\tfi\n\t\t;;\n");
	free(words);
}

static int cmd_completion(int argc, char **argv)
{
	static const struct opt opts[] = { OPT_END() };
	static const struct opt_cmd cmd = {
		"completion", "bash", "Prints the bash completion of pasidsim, generated from the "
		"option tables:\n  source <(pasidsim completion bash)\n", NULL, 1, 1,
	};
	int n = opt_parse(&cmd, opts, argc, argv);

	if (n < 0)
		return n == OPT_HELP ? PASIDSIM_EXIT_OK : PASIDSIM_EXIT_USAGE;
	if (strcmp(argv[1], "bash")) {
		fprintf(stderr, "pasidsim completion: '%s': expected bash\n", argv[1]);
		return PASIDSIM_EXIT_USAGE;
	}
	printf("# bash completion for pasidsim, generated by 'pasidsim completion bash'\n"
	       "_pasidsim()\n{\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} words=\n"
	       "\tif [ \"$COMP_CWORD\" -eq 1 ]; then\n\t\twords=\"--help --version");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		printf(" %s", commands[i].name);
	printf("\"\n\telse\n\t\tcase \"${COMP_WORDS[1]}\" in\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (commands[i].fn != cmd_completion)
			completion_command(&commands[i]);
	printf("\tcompletion)\n\t\twords=\"bash\"\n\t\t;;\n");
	printf("\t\tesac\n\tfi\n"
	       "\tif [[ $cur == -* || $COMP_CWORD -eq 1 ]] ||\n"
	       "\t   [[ ${COMP_WORDS[1]} == db && $COMP_CWORD -eq 2 ]] ||\n"
	       "\t   [[ ${COMP_WORDS[1]} == completion ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
	       "\t\t[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] &&\n"
	       "\t\t\tcompopt -o nospace 2>/dev/null\n"
	       "\telse\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\tfi\n}\ncomplete -F _pasidsim pasidsim\n");
	return PASIDSIM_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return PASIDSIM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2) {
			char *sub[] = { argv[2], "--help", NULL };

			for (size_t i = 0; i < NR_COMMANDS; i++)
				if (!strcmp(commands[i].name, argv[2]))
					return commands[i].fn(2, sub);
		}
		usage(stdout);
		return PASIDSIM_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pasidsim %s (allocator flavour %s)\n", PASIDSIM_VERSION,
		       PASIDSIM_FLAVOUR);
		return PASIDSIM_EXIT_OK;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, argv[1]))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pasidsim: '%s' is not a pasidsim command\n\n", argv[1]);
	usage(stderr);
	return PASIDSIM_EXIT_USAGE;
}
