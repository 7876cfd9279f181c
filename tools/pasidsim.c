// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim - simulator and fuzzing testbed for IOMMU PASID allocation.
 *
 * git/perf-style front end: "pasidsim <command> [<options>]".
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd_struct commands[] = {
	{ "demo", cmd_demo, "bare-metal workload through the iommu_pasid API" },
	{ "db", cmd_db, "results store: init, list, show, merge, export, record, check" },
	{ "compare", cmd_compare, "gate a candidate run against a baseline (exit 1: regression)" },
	{ "report", cmd_report, "static HTML dashboard of the results store" },
	{ "replay", cmd_replay, "replay a trace, check its recorded results (exit 1: divergence)" },
	{ "gen", cmd_gen, "deterministic synthetic workload by seed -> trace" },
	{ "import", cmd_import, "kernel capture (ftrace, trace-cmd, perf script) -> trace" },
	{ "model", cmd_model, "contention sweep over VMs x vCPUs, in virtual time" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: pasidsim [--version] [--help] <command> [<args>]\n\n"
		"commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n'pasidsim <command> --help' describes a command.\n");
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

			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
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
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, argv[1]))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pasidsim: '%s' is not a pasidsim command\n\n", argv[1]);
	usage(stderr);
	return PASIDSIM_EXIT_USAGE;
}
