// SPDX-License-Identifier: GPL-2.0
/*
 * Temporary file + rename (outfile.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "outfile.h"

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	mode_t mask;
	int fd;

	memset(o, 0, sizeof(*o));
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	o->path = strdup(path);
	if (!o->path || asprintf(&o->tmp, "%s.tmp.XXXXXX", path) < 0) {
		o->tmp = NULL;
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	/* mkstemp makes 0600; a new output gets the usual 0666 & ~umask */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask)) {
		/* keep the private mode */
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	o->path = NULL;
	return -1;
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	int ret = 0;

	if (!o->f)
		return -1;
	if (!o->path) {
		if (fflush(o->f)) {
			snprintf(err, errlen, "standard output: %s", strerror(errno));
			ret = -1;
		}
		o->f = NULL;
		return ret;
	}
	if (fflush(o->f) || ferror(o->f) || fsync(fileno(o->f))) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno ? errno : EIO));
		outfile_abort(o);
		return -1;
	}
	if (fclose(o->f)) {
		o->f = NULL;
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
		outfile_abort(o);
		return -1;
	}
	o->f = NULL;
	if (rename(o->tmp, o->path)) {
		snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
		outfile_abort(o);
		return -1;
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->f && o->path)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
}

int outfile_mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0777) && errno != EEXIST ? -1 : 0;
}
