/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the replay engine (tools/replay*.c): the name maps, the
 * replay state, and the functions the parts share.
 */
#ifndef PASIDSIM_REPLAY_INT_H
#define PASIDSIM_REPLAY_INT_H

#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/err.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <sim/core.h>
#include <sim/cost.h>
#include <sim/kernel.h>
#include <sim/world.h>

#include "replay.h"
#include "trace.h"
#include "trace-int.h"

#define TOKEN_MAGIC 0x746f6b6e	/* "tokn" */

struct smap {
	uint32_t *slot;		/* entry index + 1; 0 = empty */
	uint32_t cap;		/* power of two */
	uint32_t n;
};

/* The first fields of a consumer, a PASID and a token: the name, its hash and length. */
struct entry_hdr {
	char *name;
	uint32_t hash, len;
};

struct umap {
	uint32_t *key;
	uint32_t *val;		/* entry index + 1; 0 empty; UINT32_MAX deleted */
	uint32_t cap, used;
};

#define UMAP_DEL UINT32_MAX

/* ---- the kernel's name maps --------------------------------------------------- */

struct consumer {
	char *name;
	uint32_t hash, len;	/* as struct entry_hdr */
	struct iommu_pasid *h;
	unsigned int epoch;
	unsigned long pend_use;		/* world: batch of the last op on it */
	unsigned long pend_life;	/* world: batch of its last init/exit */
	bool live;			/* world: initialised and not torn down */
};

struct pasid {
	char *name;
	uint32_t hash, len;	/* as struct entry_hdr */
	ioasid_t id;
	bool bound;
	unsigned int epoch;
	int owner_c;		/* consumer index, or -1 */
	int owner_mm;		/* token index (iommu_sva_alloc_pasid), or -1 */
	/* world: the batch of the last op that used, freed, or binds the name */
	unsigned long pend_use, pend_free, pend_bind;
	bool failed;		/* unbound: the alloc that named it failed */
	bool raw;		/* world: bound by ioasid_alloc (freed at teardown) */
};

struct tokobj {
	struct ioasid_set set;	/* first: a set token is &obj->set */
	uint32_t magic;
	uint32_t idx;
	ioasid_t mm_pasid;	/* as an mm: its PASID or INVALID_IOASID */
};

struct token {
	char *name;
	uint32_t hash, len;	/* as struct entry_hdr */
	struct tokobj *obj;
};

#define VEC(T) struct { T *v; uint32_t n, cap; }

struct rkernel {
	VEC(struct consumer) c;
	VEC(struct pasid) p;
	VEC(struct token) t;
	struct smap cmap, pmap, tmap;
	struct umap rev;
	/* literal IDs a replayed name holds: literal -> (LIT_TOP - the ID they run on) */
	struct umap lit;
	uint32_t lit_next;	/* IDs LIT_TOP - lit_next and below are not used yet */
	unsigned int epoch;
	struct ioasid_set sva_set;
	bool dead;		/* world: the VM was destroyed */
};

/* Where the IDs literals run on when a replayed name holds their number, downwards. */
#define LIT_TOP 0xfffffffeu
/* Warnings about unbound numeric IDs printed one by one; then only their count. */
#define UNBOUND_WARN_MAX 10

/* The reserved token name of the SVA set (traces/README.md). */
#define SVA_SET_TOKEN	"sva"

/* ---- the replay ------------------------------------------------------------------- */

struct got {
	enum trace_result res;
	long long val;		/* errno, count */
	ioasid_t id;		/* TRACE_RES_ID */
	void *ptr;		/* TOKEN */
};

struct replay {
	const struct replay_opts *o;
	struct sim_world *bw;		/* bare metal: the executor, a world with no VMs */
	uint64_t now;			/* bare metal: the trace time of the event */
	struct replay_stats *st;
	const char *name;
	FILE *msg;
	struct rkernel *k;		/* the event's kernel: ks[0] host, ks[1 + N] vmN */
	struct rkernel *ks;
	unsigned int nk;
	struct trace_writer w;
	bool recording;
	int status;		/* 0, 1 (divergence), 2 (input error) */
	/* timing */
	bool t_started;
	uint64_t t0;
	struct timespec w0;
	uint64_t t_prev;		/* trace time of the previous event */
	double wall_ns;			/* wall-clock target of it, from w0 */
	unsigned long line;
	/* gaps: lines for the warning */
	char gapmsg[512];
	size_t gaplen;
	const struct trace_event *ev;	/* the event being submitted (for warnings) */
	long ev_ci;			/* bare metal: r->ev's consumer index (-1: none known) */
	unsigned long unbound_warned;	/* warnings about unbound numeric IDs */
	/* sched_tiebreak: the keys not drawn yet, keys[key_head..nkeys) */
	u64 *keys;
	size_t nkeys, key_head, keys_cap;
	bool keys_on;			/* the scheduler takes them */
	bool ida;			/* bare metal: on the ida flavour */
};

/* replay-names.c: the name maps */
long rp_consumer_get(struct rkernel *k, const char *name, bool create);
long rp_pasid_get(struct rkernel *k, const char *name, bool create);
void rp_pasid_unbind(struct rkernel *k, struct pasid *p);
void rp_rkernel_free(struct rkernel *k);
int rp_resolve_id(struct replay *r, const char *name, ioasid_t *id, long *entry,
		  bool *current);
void *rp_token_ptr(struct replay *r, const char *name, bool as_set);
long rp_bind(struct replay *r, const char *name, ioasid_t id, bool check, int owner_c,
	     int owner_mm);
void rp_note_gap(struct replay *r, const struct trace_event *ev);
bool rp_sva_check(struct replay *r, const struct trace_event *ev);

/* priv=sva or mm=sva (an input error, said in r): a first byte 's' is checked further. */
static inline bool rp_sva_misused(struct replay *r, const struct trace_event *ev)
{
	return ((ev->priv && ev->priv[0] == 's') || (ev->mm && ev->mm[0] == 's')) &&
	       rp_sva_check(r, ev);
}

/* replay.c: errors, timing, and what every mode does with a result */
/* The next event of @tp in @ev (r->line its line): 1; 0 at the end, or on a parse error (status 2, the error in r->st). */
int rp_next_event(struct replay *r, struct trace_parser *tp, struct trace_event *ev);
/* The world stopped (a finding; the first divergence if none came before) at @line. */
void rp_world_stopped(struct replay *r, struct sim_world *w, unsigned long line);
void rp_input_error(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* @v in decimal into @buf (at least 11 bytes), as "%u" would; returns @buf. */
const char *rp_u32_dec(char *buf, uint32_t v);
void rp_diverge(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void rp_wait_for(struct replay *r, uint64_t t);
void rp_got_of(enum trace_op op, const struct sim_event *e, struct got *g);
static inline bool rp_is_error(const struct got *g)
{
	return (g->res == TRACE_RES_ERRNO && g->val) || g->res == TRACE_RES_INVALID;
}
void rp_settle(struct replay *r, const struct trace_event *ev, const struct got *g,
	       bool checkable, char *resbuf, const char **res_name);
/* Explicit schedules: compare with the recorded result, IDs as the numbers they are. */
void rp_settle_literal(struct replay *r, const struct trace_event *ev, const struct got *g,
		       char *resbuf, const char **res_name);
void rp_record_event(struct replay *r, const struct trace_event *ev, const struct got *g,
		     const char *rec_id, const char *res_name);
void rp_report_op(struct replay *r, const struct trace_event *ev, const struct got *g,
		  bool timed, uint64_t start, uint64_t end);

/* replay-ops.c: a trace event as an executor operation, by the vocabulary's row */
/* Kind, a, b, arg and set of @op from @ev (@id: its resolved id=). -1: no executor op. */
int rp_op_build(struct replay *r, const struct trace_event *ev, ioasid_t id, struct sim_op *op);
bool rp_op_barrier(enum trace_op op);	/* runs alone in an auto schedule */

/* @op binds its result's name (inline: every event asks, twice). */
static inline bool rp_op_alloc(enum trace_op op)
{
	return trace_ops[op].flags & OPF_ALLOC;
}

bool rp_op_bare_metal(enum trace_op op);	/* bare metal runs it in the executor */
/* Copy @ev with its strings / free them. */
int rp_event_copy(struct trace_event *out, const struct trace_event *ev);
void rp_event_release(struct trace_event *ev);
/* Queue sched_tiebreak @ev's keys for @w's scheduler. -1: out of memory or bad keys. */
int rp_push_keys(struct replay *r, struct sim_world *w, const struct trace_event *ev);

/* replay-explicit.c: vms traces with 'schedule explicit' */
void rp_replay_explicit(struct replay *r, struct trace_parser *tp, const struct trace_header *h,
			struct sim_world *w);
/* replay-world.c: every kernel's findings printed, and the on_kernel hook */
void rp_world_kernels(struct replay *r, struct sim_world *w, unsigned int nvms);

/* replay-bare.c: bare metal */
struct sim_world *rp_bm_world(const struct trace_header *h, const char *name,
			      const struct replay_opts *o, FILE *msg, struct replay_stats *st);
void rp_replay_bare(struct replay *r, struct trace_parser *tp);

/* replay-world-build.c, replay-world.c: multi-VM traces */
struct sim_world *rp_world_build(const struct trace_header *h, const char *name,
				 const struct replay_opts *o, struct replay_stats *st);
void rp_replay_world(struct replay *r, struct trace_parser *tp, const struct trace_header *h,
		     struct sim_world *w);

#endif /* PASIDSIM_REPLAY_INT_H */
