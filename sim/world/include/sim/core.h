/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim: loaded copies of core/.
 *
 * core/ is built as a shared object per allocator flavour
 * (libpasidsim-core-<flavour>.so, linked -Bsymbolic), whose calls into the
 * kernel shim resolve to the executable. sim_core_load() maps a private copy
 * (through a memfd, so the same file can be loaded many times), which gives
 * each kernel instance its own copy of the core's global state: the host
 * and every guest of a world, or the two flavours of a differential run.
 */
#ifndef _SIM_CORE_H
#define _SIM_CORE_H

#include <linux/ioasid.h>
#include <stddef.h>

struct sim_core;

/* The ioasid API of one loaded copy (same signatures as <linux/ioasid.h>). */
struct sim_core_ioasid_api {
	ioasid_t (*alloc)(struct ioasid_set *set, ioasid_t min, ioasid_t max, void *private);
	void (*free)(ioasid_t ioasid);
	void *(*find)(struct ioasid_set *set, ioasid_t ioasid, bool (*getter)(void *));
	int (*register_allocator)(struct ioasid_allocator_ops *ops);
	void (*unregister_allocator)(struct ioasid_allocator_ops *ops);
	int (*set_data)(ioasid_t ioasid, void *data);
};

/*
 * Load a private copy of the core object at @path. On failure returns NULL
 * and writes the reason into @err.
 */
struct sim_core *sim_core_load(const char *path, char *err, size_t errlen);
/*
 * Release a copy: it is reset (sim_core_reset()) and kept in a per-process
 * pool of pristine copies, which the next sim_core_load() of the same file
 * takes instead of loading the file again (see core.c; PASIDSIM_CORE_POOL=N
 * caps the pool at N copies, 0 turns it off).
 */
void sim_core_unload(struct sim_core *core);
/* True if @core came from the pool (a copy loaded and released before). */
bool sim_core_recycled(const struct sim_core *core);
/* How many copies the pool holds. */
unsigned int sim_core_pool_size(void);
/* Unload every pooled copy (the next loads are cold); returns how many. */
unsigned int sim_core_pool_drain(void);
/* A symbol of this copy, or NULL. */
void *sim_core_sym(struct sim_core *core, const char *name);
/* "pasidsim" or "linux-6.1": the allocator flavour the object was built with. */
const char *sim_core_flavour(const struct sim_core *core);
const struct sim_core_ioasid_api *sim_core_ioasid(const struct sim_core *core);

/*
 * Put the copy's global state back as it was right after sim_core_load():
 * every writable segment (.data, .bss, and the rest of the writable PT_LOAD
 * segments outside RELRO) is snapshotted at load and copied back here. The
 * memory that state pointed to (slab objects of the kernel instance the
 * copy ran in) is the caller's to release: see sim_kernel_reset().
 */
void sim_core_reset(struct sim_core *core);
/* Bytes restored by sim_core_reset(). */
size_t sim_core_snapshot_bytes(const struct sim_core *core);

/*
 * Path of the built core object for @flavour, next to the executable's build
 * (PASIDSIM_CORE_DIR) or in the directory named by env PASIDSIM_CORE_DIR.
 */
const char *sim_core_path(const char *flavour, char *buf, size_t len);

#endif /* _SIM_CORE_H */
