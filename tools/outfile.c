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

/*
 * Is @path something other than a file (a character device such as /dev/null,
 * a FIFO, a socket), or a symbolic link to one (/dev/stdout)? Renaming over it
 * would replace the device with a file.
 */
static bool is_device(const char *path)
{
	struct stat sb;

	if (stat(path, &sb))
		return false;
	return S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) ||
	       S_ISBLK(sb.st_mode);
}

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
	if (o->path && is_device(path)) {
		/* /dev/null, a FIFO, a terminal: written through, never replaced */
		o->f = fopen(path, "w");
		if (o->f)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
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
	if (!o->tmp) {		/* a device, written through */
		ret = fflush(o->f) || ferror(o->f) ? -1 : 0;
		if (ret)
			snprintf(err, errlen, "%s: %s", o->path, strerror(errno ? errno : EIO));
		if (fclose(o->f) && !ret) {
			snprintf(err, errlen, "%s: %s", o->path, strerror(errno));
			ret = -1;
		}
		o->f = NULL;
		free(o->path);
		o->path = NULL;
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
