/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim command line: one builtin per file (builtin-<name>.c), each
 * int cmd_<name>(int argc, char **argv), dispatched by pasidsim.c.
 *
 * Exit codes: 0 success, 1 the run found a problem (regression, finding,
 * divergence), 2 usage or input error.
 */
#ifndef PASIDSIM_BUILTIN_H
#define PASIDSIM_BUILTIN_H

#define PASIDSIM_EXIT_OK	0
#define PASIDSIM_EXIT_FOUND	1
#define PASIDSIM_EXIT_USAGE	2
/* fuzz --to-trace: nothing written, the input has no trace form (allocation failures) */
#define PASIDSIM_EXIT_NO_TRACE	3

int cmd_demo(int argc, char **argv);
int cmd_db(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_model(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_fuzz(int argc, char **argv);
int cmd_bugbench(int argc, char **argv);

#endif /* PASIDSIM_BUILTIN_H */
