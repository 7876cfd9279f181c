// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: the host's custom allocators of the executor
 * (SIM_OP_HOST_ALLOCATOR_REGISTER/UNREGISTER, sim/world/ops.c): ops 0 and 1
 * share their functions and one table (lowest free ID first), ops 2 has its
 * own (highest free ID first); their free callbacks are counted and, when
 * observed, look the ID up as the VT-d driver's free does.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/err.h>

#include "world-int.h"

/* Called by the host's I/O ASID core under its spinlock: libc memory only, no yield. */
static ioasid_t halloc_alloc(ioasid_t min, ioasid_t max, void *data)
{
	struct idset *ids = data;
	ioasid_t id = min;

	for (size_t i = 0; i < ids->n && ids->v[i] <= id; i++)
		if (ids->v[i] == id)
			id++;
	if (id > max || id < min || id == INVALID_IOASID)
		return INVALID_IOASID;
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? 2 * ids->cap : 64;
		ioasid_t *v = realloc(ids->v, cap * sizeof(*v));

		if (!v)
			return INVALID_IOASID;
		ids->v = v;
		ids->cap = cap;
	}
	for (size_t i = ids->n++; ; i--) {	/* keep them sorted */
		if (!i || ids->v[i - 1] < id) {
			ids->v[i] = id;
			break;
		}
		ids->v[i] = ids->v[i - 1];
	}
	return id;
}

/* Ops 2: the highest free ID of the range, from a table of its own. */
static ioasid_t halloc_alloc_high(ioasid_t min, ioasid_t max, void *data)
{
	struct idset *ids = data;
	ioasid_t id = max == INVALID_IOASID ? max - 1 : max;

	if (min > id)
		return INVALID_IOASID;
	for (size_t i = ids->n; i-- > 0 && ids->v[i] >= id;)
		if (ids->v[i] == id) {
			if (id == min)
				return INVALID_IOASID;
			id--;
		}
	/* below every ID taken above it: insert in order through the common path */
	return halloc_alloc(id, id, data);
}

static void halloc_del(struct idset *ids, ioasid_t id)
{
	size_t o = 0;

	for (size_t i = 0; i < ids->n; i++)
		if (ids->v[i] != id)
			ids->v[o++] = ids->v[i];
	ids->n = o;
}

/* The world of a table (either one). */
static struct sim_world *halloc_world(struct idset *ids, bool high)
{
	return high ? container_of(ids, struct sim_world, halloc_ids2) :
		      container_of(ids, struct sim_world, halloc_ids);
}

/* A free callback; observed, it looks the ID up first, as the VT-d driver's does. */
static void halloc_note_free(struct sim_world *w, ioasid_t id)
{
	w->halloc_frees++;
	if (w->halloc_observe && !IS_ERR_OR_NULL(w->host.api.ioasid_find(NULL, id, NULL)))
		w->halloc_frees_active++;
}

static void halloc_free(ioasid_t id, void *data)
{
	halloc_note_free(halloc_world(data, false), id);
	halloc_del(data, id);
}

static void halloc_free_high(ioasid_t id, void *data)
{
	halloc_note_free(halloc_world(data, true), id);
	halloc_del(data, id);
}

void world_halloc_init(struct sim_world *w)
{
	for (int i = 0; i < WORLD_HOST_ALLOCATORS; i++) {
		bool high = i == 2;

		memset(&w->halloc[i], 0, sizeof(w->halloc[i]));
		w->halloc[i].alloc = high ? halloc_alloc_high : halloc_alloc;
		w->halloc[i].free = high ? halloc_free_high : halloc_free;
		w->halloc[i].pdata = high ? &w->halloc_ids2 : &w->halloc_ids;
	}
	w->halloc_ids.n = 0;
	w->halloc_ids2.n = 0;
	w->halloc_frees = w->halloc_frees_active = 0;
}

void world_halloc_free(struct sim_world *w)
{
	free(w->halloc_ids.v);
	free(w->halloc_ids2.v);
}

void sim_world_observe_allocator_frees(struct sim_world *w, bool on)
{
	w->halloc_observe = on;
}

void sim_world_host_allocator_frees(const struct sim_world *w, u64 *calls, u64 *active)
{
	*calls = w->halloc_frees;
	*active = w->halloc_frees_active;
}

