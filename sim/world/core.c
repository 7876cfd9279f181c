// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: load private copies of the core shared object.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sim/core.h>

#if defined(__SANITIZE_ADDRESS__)
#define CORE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORE_ASAN 1
#endif
#endif

#define CORE_MAX_SEGS 4

/* A writable range of the loaded copy and its contents right after load. */
struct core_seg {
	char *addr;
	size_t len;
	char *saved;
};

/* What a pooled copy was loaded from: the path and the file's identity then. */
struct core_key {
	char *path;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct sim_core {
	void *handle;
	int fd;
	const char *flavour;
	struct sim_core_ioasid_api ioasid;
	struct core_seg segs[CORE_MAX_SEGS];
	unsigned int nsegs;
	struct core_key key;
	bool recycled;		/* taken from the pool, not loaded for its caller */
	struct sim_core *pool_next;
};

/* ---- snapshot of the writable segments ------------------------------------ */

struct phdr_find {
	struct sim_core *core;
	ElfW(Addr) base;
	bool found;
};

static void seg_add(struct sim_core *core, uintptr_t start, uintptr_t end)
{
	struct core_seg *sg;

	if (start >= end || core->nsegs == CORE_MAX_SEGS)
		return;
	sg = &core->segs[core->nsegs++];
	sg->addr = (char *)start;
	sg->len = end - start;
}

/*
 * The PT_LOAD segments with PF_W (their memory size includes .bss), minus
 * the PT_GNU_RELRO part, which the loader made read-only after relocation
 * and which never changes afterwards.
 */
static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct phdr_find *pf = data;
	uintptr_t relro_start = 0, relro_end = 0;

	if (info->dlpi_addr != pf->base || pf->found)
		return 0;
	pf->found = true;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_GNU_RELRO) {
			relro_start = info->dlpi_addr + ph->p_vaddr;
			relro_end = (relro_start + ph->p_memsz + 4095) & ~(uintptr_t)4095;
		}
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start, end;

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W))
			continue;
		start = info->dlpi_addr + ph->p_vaddr;
		end = start + ph->p_memsz;
		if (relro_end > start && relro_start < end) {
			seg_add(pf->core, start, relro_start);
			seg_add(pf->core, relro_end > end ? end : relro_end, end);
		} else {
			seg_add(pf->core, start, end);
		}
	}
	return 1;
}

/*
 * Under ASan the copy's globals are surrounded by poisoned redzones, which a
 * memcpy() would report: copy word by word, uninstrumented.
 */
#ifdef CORE_ASAN
__attribute__((no_sanitize("address")))
static void raw_copy(char *dst, const char *src, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		*(volatile unsigned long long *)(dst + i) = *(const unsigned long long *)(src + i);
	}
	for (; i < len; i++)
		*(volatile char *)(dst + i) = src[i];
}
#else
static void raw_copy(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
}
#endif

static int core_snapshot(struct sim_core *core, char *err, size_t errlen)
{
	struct phdr_find pf = { .core = core };
	struct link_map *lm;

	if (dlinfo(core->handle, RTLD_DI_LINKMAP, &lm) || !lm) {
		snprintf(err, errlen, "dlinfo: %s", dlerror());
		return -1;
	}
	pf.base = lm->l_addr;
	dl_iterate_phdr(phdr_cb, &pf);
	if (!pf.found || !core->nsegs) {
		snprintf(err, errlen, "no writable segment found in the loaded copy");
		return -1;
	}
	for (unsigned int i = 0; i < core->nsegs; i++) {
		struct core_seg *sg = &core->segs[i];

		sg->saved = malloc(sg->len);
		if (!sg->saved) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		raw_copy(sg->saved, sg->addr, sg->len);
	}
	return 0;
}

static void core_snapshot_free(struct sim_core *core)
{
	for (unsigned int i = 0; i < core->nsegs; i++)
		free(core->segs[i].saved);
	core->nsegs = 0;
}

void sim_core_reset(struct sim_core *core)
{
	for (unsigned int i = 0; i < core->nsegs; i++)
		raw_copy(core->segs[i].addr, core->segs[i].saved, core->segs[i].len);
}

size_t sim_core_snapshot_bytes(const struct sim_core *core)
{
	size_t n = 0;

	for (unsigned int i = 0; i < core->nsegs; i++)
		n += core->segs[i].len;
	return n;
}

/*
 * A new file for a copy: a memfd, or with PASIDSIM_CORE_COPY_DIR set, a file
 * in that directory whose name goes to @name (profilers such as callgrind read
 * a mapped object's symbols from its path, which a memfd does not have).
 */
static int copy_create(char *name, size_t namelen, char *err, size_t errlen)
{
	const char *dir = getenv("PASIDSIM_CORE_COPY_DIR");
	int fd;

	name[0] = '\0';
	if (!dir || !dir[0]) {
		fd = memfd_create("pasidsim-core", MFD_CLOEXEC);
		if (fd < 0)
			snprintf(err, errlen, "memfd_create: %s", strerror(errno));
		return fd;
	}
	snprintf(name, namelen, "%s/pasidsim-core-XXXXXX", dir);
	fd = mkostemp(name, O_CLOEXEC);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
	return fd;
}

/* Copy @path into a new file so that every load maps a distinct object. */
static int copy_to_file(const char *path, char *name, size_t namelen,
			 char *err, size_t errlen)
{
	char buf[65536];
	ssize_t n;
	int in, fd;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fd = copy_create(name, namelen, err, errlen);
	if (fd < 0) {
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

/* A copy freshly loaded from @path (the dlopen() of a memfd copy of the file). */
static struct sim_core *core_load_cold(const char *path, char *err, size_t errlen)
{
	struct sim_core *core;
	char fdpath[4096];
	bool named;

	core = calloc(1, sizeof(*core));
	if (!core) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	core->fd = copy_to_file(path, fdpath, sizeof(fdpath), err, errlen);
	if (core->fd < 0) {
		free(core);
		return NULL;
	}
	named = fdpath[0];
	if (!named)
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", core->fd);
	core->handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (named)
		unlink(fdpath);	/* the mapping and the fd keep it */
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
	if (core_snapshot(core, err, errlen))
		goto fail;
	return core;
fail:
	core_snapshot_free(core);
	dlclose(core->handle);
	close(core->fd);
	free(core);
	return NULL;
}

static void core_destroy(struct sim_core *core)
{
	core_snapshot_free(core);
	dlclose(core->handle);
	close(core->fd);
	free(core->key.path);
	free(core);
}

/*
 * ---- the pool of pristine copies -------------------------------------------
 *
 * dlopen() of a private copy costs a few hundred microseconds (the memfd
 * copy, mapping, relocation); putting a copy back as it was right after its
 * load (sim_core_reset()) costs well under one. sim_core_unload() therefore
 * resets the copy and keeps it here, and sim_core_load() of the same file
 * takes it back. A copy's mutable state is its writable segments (core/ has
 * no thread-local storage and no constructors: initcalls are run by the
 * caller), so a reset copy is indistinguishable from a fresh one to the code
 * that runs in it: this is a cache of pristine code, not simulation state
 * (docs/design.md, "No process-wide simulation state"). Only its address
 * differs, as a fresh dlopen()'s does. A copy is matched by path and by the
 * file's device, inode, size and modification time, so a rebuilt object is
 * loaded afresh. At most PASIDSIM_CORE_POOL copies are kept (default 256:
 * the host and guests of the largest benchmarked world; 0 turns the pool off).
 */
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sim_core *pool_head;
static unsigned int pool_len;

static unsigned int pool_cap(void)
{
	const char *v = getenv("PASIDSIM_CORE_POOL");
	char *end;
	unsigned long n;

	if (!v || !v[0])
		return 256;
	n = strtoul(v, &end, 10);
	return *end || n > 65536 ? 256 : (unsigned int)n;
}

static bool key_stat(const char *path, struct core_key *k)
{
	struct stat st;

	if (stat(path, &st))
		return false;
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->mtime = st.st_mtim;
	return true;
}

static bool key_equal(const struct core_key *a, const struct core_key *b, const char *path)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->path && !strcmp(a->path, path);
}

/* A pooled copy of the file @k at @path, taken out of the pool, or NULL. */
static struct sim_core *pool_take(const char *path, const struct core_key *k)
{
	struct sim_core **pp, *core = NULL;

	pthread_mutex_lock(&pool_lock);
	for (pp = &pool_head; *pp; pp = &(*pp)->pool_next) {
		if (key_equal(&(*pp)->key, k, path)) {
			core = *pp;
			*pp = core->pool_next;
			core->pool_next = NULL;
			pool_len--;
			break;
		}
	}
	pthread_mutex_unlock(&pool_lock);
	return core;
}

struct sim_core *sim_core_load(const char *path, char *err, size_t errlen)
{
	struct core_key k = { 0 };
	struct sim_core *core;
	bool keyed;

	err[0] = '\0';
	keyed = key_stat(path, &k);
	if (keyed && (core = pool_take(path, &k))) {
		core->recycled = true;
		return core;
	}
	core = core_load_cold(path, err, errlen);
	if (!core)
		return NULL;
	if (keyed && (k.path = strdup(path)))
		core->key = k;
	return core;
}

void sim_core_unload(struct sim_core *core)
{
	unsigned int cap;

	if (!core)
		return;
	cap = pool_cap();
	if (core->key.path && cap) {
		sim_core_reset(core);
		pthread_mutex_lock(&pool_lock);
		if (pool_len < cap) {
			core->pool_next = pool_head;
			pool_head = core;
			pool_len++;
			core = NULL;
		}
		pthread_mutex_unlock(&pool_lock);
		if (!core)
			return;
	}
	core_destroy(core);
}

bool sim_core_recycled(const struct sim_core *core)
{
	return core->recycled;
}

unsigned int sim_core_pool_size(void)
{
	unsigned int n;

	pthread_mutex_lock(&pool_lock);
	n = pool_len;
	pthread_mutex_unlock(&pool_lock);
	return n;
}

unsigned int sim_core_pool_drain(void)
{
	struct sim_core *list, *next;
	unsigned int n = 0;

	pthread_mutex_lock(&pool_lock);
	list = pool_head;
	pool_head = NULL;
	pool_len = 0;
	pthread_mutex_unlock(&pool_lock);
	for (; list; list = next, n++) {
		next = list->pool_next;
		core_destroy(list);
	}
	return n;
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
