// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: load private copies of the core shared object.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sim/core.h>

struct sim_core {
	void *handle;
	int fd;
	const char *flavour;
	struct sim_core_ioasid_api ioasid;
};

/* Copy @path into a memfd so that every load maps a distinct object. */
static int copy_to_memfd(const char *path, char *err, size_t errlen)
{
	char buf[65536];
	ssize_t n;
	int in, fd;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fd = memfd_create("pasidsim-core", MFD_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, n) != n) {
			snprintf(err, errlen, "memfd write: %s", strerror(errno));
			n = -1;
			break;
		}
	}
	if (n < 0 && !err[0])
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	close(in);
	if (n < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

#define RESOLVE(core, field, name) do {					\
	*(void **)&(core)->field = dlsym((core)->handle, name);		\
	if (!(core)->field) {						\
		snprintf(err, errlen, "%s: no symbol %s", path, name);	\
		goto fail;						\
	}								\
} while (0)

struct sim_core *sim_core_load(const char *path, char *err, size_t errlen)
{
	struct sim_core *core;
	char fdpath[64];

	err[0] = '\0';
	core = calloc(1, sizeof(*core));
	if (!core) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	core->fd = copy_to_memfd(path, err, errlen);
	if (core->fd < 0) {
		free(core);
		return NULL;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", core->fd);
	core->handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (!core->handle) {
		snprintf(err, errlen, "%s: %s", path, dlerror());
		close(core->fd);
		free(core);
		return NULL;
	}
	core->flavour = dlsym(core->handle, "pasidsim_core_flavour");
	if (!core->flavour) {
		snprintf(err, errlen, "%s: not a pasidsim core object", path);
		goto fail;
	}
	RESOLVE(core, ioasid.alloc, "ioasid_alloc");
	RESOLVE(core, ioasid.free, "ioasid_free");
	RESOLVE(core, ioasid.find, "ioasid_find");
	RESOLVE(core, ioasid.register_allocator, "ioasid_register_allocator");
	RESOLVE(core, ioasid.unregister_allocator, "ioasid_unregister_allocator");
	RESOLVE(core, ioasid.set_data, "ioasid_set_data");
	return core;
fail:
	dlclose(core->handle);
	close(core->fd);
	free(core);
	return NULL;
}

void sim_core_unload(struct sim_core *core)
{
	if (!core)
		return;
	dlclose(core->handle);
	close(core->fd);
	free(core);
}

void *sim_core_sym(struct sim_core *core, const char *name)
{
	return dlsym(core->handle, name);
}

const char *sim_core_flavour(const struct sim_core *core)
{
	return core->flavour;
}

const struct sim_core_ioasid_api *sim_core_ioasid(const struct sim_core *core)
{
	return &core->ioasid;
}

const char *sim_core_path(const char *flavour, char *buf, size_t len)
{
	const char *dir = getenv("PASIDSIM_CORE_DIR");

	if (!dir || !dir[0])
		dir = PASIDSIM_CORE_DIR;
	snprintf(buf, len, "%s/libpasidsim-core-%s.so", dir, flavour);
	return buf;
}
