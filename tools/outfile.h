/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Output files written whole or not at all: the output goes to a
 * temporary file beside its final name (NAME.tmp.XXXXXX, same directory,
 * so the rename is atomic) and is renamed over NAME only when the command
 * succeeds. A failed or killed run leaves the old NAME as it was. A
 * symbolic link at NAME is replaced, never followed. "-" is standard
 * output (nothing is renamed).
 */
#ifndef PASIDSIM_OUTFILE_H
#define PASIDSIM_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f;		/* write here */
	char *path;		/* final name; NULL for standard output */
	char *tmp;		/* the temporary file */
};

/* 0, or -1 with "NAME: reason" in @err. */
int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
/* Flush, sync, close and rename: 0, or -1 with "NAME: reason" (the temporary file removed). */
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* Close and remove the temporary file; NAME is untouched. Safe to call twice. */
void outfile_abort(struct outfile *o);
/* mkdir -p @dir: 0, or -1 with errno set. */
int outfile_mkdir_p(const char *dir);

#endif /* PASIDSIM_OUTFILE_H */
