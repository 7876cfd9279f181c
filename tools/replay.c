// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay engine: bare-metal traces on a private copy of the core
 * object of the trace's flavour (one kernel instance, the iommu_pasid API and
 * the ioasid API; the core linked into the program if that object is absent),
 * multi-VM traces in a world (sim/world: a host and guests, each with its
 * own copy of core/, ops on the CPUs in virtual time).
 *
 * Names (traces/README.md, "Names and the name maps"): per kernel, three
 * maps from recorded names to what the replay has: consumers (a zeroed
 * struct iommu_pasid each), PASIDs (the replayed ID, bound while live) and
 * tokens (one object per name, used as set, private data or mm). A reverse
 * map from replayed ID to the PASID name bound to it enforces the
 * bijection check.
 */
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

#define TOKEN_MAGIC 0x746f6b6e	/* "tokn" */

/* ---- string map: name -> entry index ------------------------------------------ */

struct smap {
	uint32_t *slot;		/* entry index + 1; 0 = empty */
	uint32_t cap;		/* power of two */
	uint32_t n;
};

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct entry_hdr {
	char *name;
	uint32_t hash;
};

/* Find @name in @m over entries of @size bytes at @base; returns the index or -1. */
static long smap_find(const struct smap *m, const void *base, size_t size, const char *name,
		      uint32_t h)
{
	if (!m->cap)
		return -1;
	for (uint32_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		uint32_t s = m->slot[i];
		const struct entry_hdr *e;

		if (!s)
			return -1;
		e = (const void *)((const char *)base + (size_t)(s - 1) * size);
		if (e->hash == h && !strcmp(e->name, name))
			return s - 1;
	}
}

static int smap_insert(struct smap *m, const void *base, size_t size, uint32_t idx,
		       uint32_t h)
{
	if ((m->n + 1) * 2 > m->cap) {
		uint32_t ncap = m->cap ? m->cap * 2 : 64;
		uint32_t *ns = calloc(ncap, sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		for (uint32_t i = 0; i < m->cap; i++) {
			uint32_t s = m->slot[i], j;
			const struct entry_hdr *e;

			if (!s)
				continue;
			e = (const void *)((const char *)base + (size_t)(s - 1) * size);
			for (j = e->hash & (ncap - 1); ns[j]; j = (j + 1) & (ncap - 1))
				;
			ns[j] = s;
		}
		free(m->slot);
		m->slot = ns;
		m->cap = ncap;
	}
	for (uint32_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1))
		if (!m->slot[i]) {
			m->slot[i] = idx + 1;
			m->n++;
			return 0;
		}
}

/* ---- u32 map: replayed ID -> PASID entry index (with deletion) ------------------ */

struct umap {
	uint32_t *key;
	uint32_t *val;		/* entry index + 1; 0 empty; UINT32_MAX deleted */
	uint32_t cap, used;
};

#define UMAP_DEL UINT32_MAX

static uint32_t hash_u32(uint32_t x)
{
	x *= 0x9e3779b1u;
	return x ^ (x >> 15);
}

static long umap_get(const struct umap *m, uint32_t k)
{
	if (!m->cap)
		return -1;
	for (uint32_t i = hash_u32(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->val[i])
			return -1;
		if (m->val[i] != UMAP_DEL && m->key[i] == k)
			return m->val[i] - 1;
	}
}

static void umap_del(struct umap *m, uint32_t k)
{
	if (!m->cap)
		return;
	for (uint32_t i = hash_u32(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->val[i])
			return;
		if (m->val[i] != UMAP_DEL && m->key[i] == k) {
			m->val[i] = UMAP_DEL;
			return;
		}
	}
}

static int umap_put(struct umap *m, uint32_t k, uint32_t v)
{
	if ((m->used + 1) * 2 > m->cap) {
		uint32_t ncap = m->cap ? m->cap : 64, *nk, *nv;

		/* grow only if live entries need it; otherwise just drop tombstones */
		uint32_t live = 0;

		for (uint32_t i = 0; i < m->cap; i++)
			live += m->val[i] && m->val[i] != UMAP_DEL;
		while ((live + 1) * 4 > ncap)
			ncap *= 2;
		nk = calloc(ncap, sizeof(*nk));
		nv = calloc(ncap, sizeof(*nv));
		if (!nk || !nv) {
			free(nk);
			free(nv);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < m->cap; i++) {
			uint32_t j;

			if (!m->val[i] || m->val[i] == UMAP_DEL)
				continue;
			for (j = hash_u32(m->key[i]) & (ncap - 1); nv[j]; j = (j + 1) & (ncap - 1))
				;
			nk[j] = m->key[i];
			nv[j] = m->val[i];
		}
		free(m->key);
		free(m->val);
		m->key = nk;
		m->val = nv;
		m->cap = ncap;
		m->used = live;
	}
	for (uint32_t i = hash_u32(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->val[i] && m->val[i] != UMAP_DEL && m->key[i] == k) {
			m->val[i] = v + 1;
			return 0;
		}
		if (!m->val[i] || m->val[i] == UMAP_DEL) {
			if (!m->val[i])
				m->used++;
			m->key[i] = k;
			m->val[i] = v + 1;
			return 0;
		}
	}
}

/* ---- the kernel's name maps --------------------------------------------------- */

struct consumer {
	char *name;
	uint32_t hash;
	struct iommu_pasid *h;
	unsigned int epoch;
	unsigned long pend_use;		/* world: batch of the last op on it */
	unsigned long pend_life;	/* world: batch of its last init/exit */
	bool live;			/* world: initialised and not torn down */
};

struct pasid {
	char *name;
	uint32_t hash;
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
	uint32_t hash;
	struct tokobj *obj;
};

#define VEC(T) struct { T *v; uint32_t n, cap; }

struct rkernel {
	VEC(struct consumer) c;
	VEC(struct pasid) p;
	VEC(struct token) t;
	struct smap cmap, pmap, tmap;
	struct umap rev;
	unsigned int epoch;
	struct ioasid_set sva_set;
	bool dead;		/* world: the VM was destroyed */
};

static int vec_grow(void **v, uint32_t *cap, uint32_t n, size_t size)
{
	void *nv;
	uint32_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static long consumer_get(struct rkernel *k, const char *name, bool create)
{
	uint32_t h = hash_str(name);
	long i = smap_find(&k->cmap, k->c.v, sizeof(*k->c.v), name, h);
	struct consumer *c;

	if (i >= 0 || !create)
		return i;
	if (vec_grow((void **)&k->c.v, &k->c.cap, k->c.n, sizeof(*k->c.v)))
		return -1;
	c = &k->c.v[k->c.n];
	c->name = strdup(name);
	c->h = calloc(1, sizeof(*c->h));
	if (!c->name || !c->h) {
		free(c->name);
		free(c->h);
		return -1;
	}
	c->hash = h;
	c->epoch = k->epoch;
	c->h->name = c->name;
	if (smap_insert(&k->cmap, k->c.v, sizeof(*k->c.v), k->c.n, h)) {
		free(c->name);
		free(c->h);
		return -1;
	}
	return k->c.n++;
}

static long token_get(struct rkernel *k, const char *name)
{
	uint32_t h = hash_str(name);
	long i = smap_find(&k->tmap, k->t.v, sizeof(*k->t.v), name, h);
	struct token *t;

	if (i >= 0)
		return i;
	if (vec_grow((void **)&k->t.v, &k->t.cap, k->t.n, sizeof(*k->t.v)))
		return -1;
	t = &k->t.v[k->t.n];
	t->name = strdup(name);
	t->obj = calloc(1, sizeof(*t->obj));
	if (!t->name || !t->obj) {
		free(t->name);
		free(t->obj);
		return -1;
	}
	t->hash = h;
	t->obj->magic = TOKEN_MAGIC;
	t->obj->idx = k->t.n;
	t->obj->mm_pasid = INVALID_IOASID;
	if (smap_insert(&k->tmap, k->t.v, sizeof(*k->t.v), k->t.n, h)) {
		free(t->name);
		free(t->obj);
		return -1;
	}
	return k->t.n++;
}

static long pasid_get(struct rkernel *k, const char *name, bool create)
{
	uint32_t h = hash_str(name);
	long i = smap_find(&k->pmap, k->p.v, sizeof(*k->p.v), name, h);
	struct pasid *p;

	if (i >= 0 || !create)
		return i;
	if (vec_grow((void **)&k->p.v, &k->p.cap, k->p.n, sizeof(*k->p.v)))
		return -1;
	p = &k->p.v[k->p.n];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return -1;
	p->hash = h;
	p->owner_c = p->owner_mm = -1;
	if (smap_insert(&k->pmap, k->p.v, sizeof(*k->p.v), k->p.n, h)) {
		free(p->name);
		return -1;
	}
	return k->p.n++;
}

static void pasid_unbind(struct rkernel *k, struct pasid *p)
{
	if (!p->bound)
		return;
	if (umap_get(&k->rev, p->id) == p - k->p.v)
		umap_del(&k->rev, p->id);
	p->bound = false;
}

static void rkernel_free(struct rkernel *k)
{
	for (uint32_t i = 0; i < k->c.n; i++) {
		free(k->c.v[i].name);
		free(k->c.v[i].h);
	}
	for (uint32_t i = 0; i < k->p.n; i++)
		free(k->p.v[i].name);
	for (uint32_t i = 0; i < k->t.n; i++) {
		free(k->t.v[i].name);
		free(k->t.v[i].obj);
	}
	free(k->c.v);
	free(k->p.v);
	free(k->t.v);
	free(k->cmap.slot);
	free(k->pmap.slot);
	free(k->tmap.slot);
	free(k->rev.key);
	free(k->rev.val);
}

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
	unsigned long line;
	/* gaps: lines for the warning */
	char gapmsg[512];
	size_t gaplen;
};

void replay_opts_init(struct replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->check = true;
	o->timing = REPLAY_FAST;
	o->scale = 1.0;
}

int replay_parse_timing(const char *s, enum replay_timing *t, double *scale)
{
	char *end;
	double f;

	if (!strcmp(s, "fast")) {
		*t = REPLAY_FAST;
		*scale = 1.0;
		return 0;
	}
	if (!strcmp(s, "recorded")) {
		*t = REPLAY_RECORDED;
		*scale = 1.0;
		return 0;
	}
	if (strncmp(s, "scale:", 6) || !s[6])
		return -1;
	errno = 0;
	f = strtod(s + 6, &end);
	if (errno || *end || !(f >= 0) || f > 1e6)
		return -1;
	*t = REPLAY_SCALED;
	*scale = f;
	return 0;
}

static void input_error(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void input_error(struct replay *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->status == 2)
		return;
	r->status = 2;
	n = snprintf(r->st->error, sizeof(r->st->error), "%s:%lu: ", r->name, r->line);
	if (n < 0 || (size_t)n >= sizeof(r->st->error))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->st->error + n, sizeof(r->st->error) - n, fmt, ap);
	va_end(ap);
}

static void diverge(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void diverge(struct replay *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	r->st->divergences++;
	if (r->st->div_line)
		return;
	r->st->div_line = r->line;
	n = snprintf(r->st->divergence, sizeof(r->st->divergence), "%s:%lu: divergence: ",
		     r->name, r->line);
	if (n < 0 || (size_t)n >= sizeof(r->st->divergence))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(r->st->divergence + n, sizeof(r->st->divergence) - n, fmt, ap);
	va_end(ap);
	if (r->status < 1)
		r->status = 1;
}

static void wait_for(struct replay *r, uint64_t t)
{
	struct timespec ts;
	double ns;

	if (r->o->timing == REPLAY_FAST)
		return;
	if (!r->t_started) {
		r->t_started = true;
		r->t0 = t;
		clock_gettime(CLOCK_MONOTONIC, &r->w0);
		return;
	}
	ns = (double)(t - r->t0) * (r->o->timing == REPLAY_SCALED ? r->o->scale : 1.0);
	if (ns > 1e15)
		ns = 1e15;
	ts = r->w0;
	ts.tv_sec += (time_t)(ns / 1e9);
	ts.tv_nsec += (long)(ns - (double)(time_t)(ns / 1e9) * 1e9);
	while (ts.tv_nsec >= 1000000000L) {
		ts.tv_nsec -= 1000000000L;
		ts.tv_sec++;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static const char *errname(long long e, char *buf, size_t len)
{
	const char *n = trace_errno_name(e);

	if (n)
		snprintf(buf, len, "-%s", n);
	else
		snprintf(buf, len, "%lld", e);
	return buf;
}

/* Describe a result for messages. */
static const char *got_str(struct replay *r, const struct got *g, char *buf, size_t len)
{
	char e[32];

	switch (g->res) {
	case TRACE_RES_ERRNO:
		return errname(g->val, buf, len);
	case TRACE_RES_ID:
		snprintf(buf, len, "PASID %u", g->id);
		return buf;
	case TRACE_RES_INVALID:
		return "invalid";
	case TRACE_RES_NULL:
		return "null";
	case TRACE_RES_COUNT:
		snprintf(buf, len, "%lld", g->val);
		return buf;
	case TRACE_RES_TOKEN: {
		struct tokobj *o = g->ptr;

		snprintf(buf, len, "token %s", o && o->magic == TOKEN_MAGIC &&
			 o->idx < r->k->t.n ? r->k->t.v[o->idx].name : "(unknown pointer)");
		return buf;
	}
	default:
		(void)e;
		return "nothing";
	}
}

static const char *rec_str(const struct trace_event *ev, char *buf, size_t len)
{
	switch (ev->res) {
	case TRACE_RES_ERRNO:
		return errname(ev->res_val, buf, len);
	case TRACE_RES_ID:
		snprintf(buf, len, "PASID '%s'", ev->res_name);
		return buf;
	case TRACE_RES_TOKEN:
		snprintf(buf, len, "token %s", ev->res_name);
		return buf;
	case TRACE_RES_COUNT:
		snprintf(buf, len, "%lld", ev->res_val);
		return buf;
	case TRACE_RES_INVALID:
		return "invalid";
	case TRACE_RES_NULL:
		return "null";
	default:
		return "nothing";
	}
}

/* Resolve id=NAME: the bound ID or a literal number. -1 on input error. */
static int resolve_id(struct replay *r, const char *name, ioasid_t *id, long *entry,
		      bool *current)
{
	long i = pasid_get(r->k, name, false);
	uint64_t v = 0;
	char *end;

	if (i >= 0 && r->k->p.v[i].bound) {
		*id = r->k->p.v[i].id;
		*entry = i;
		*current = r->k->p.v[i].epoch == r->k->epoch;
		return 0;
	}
	if (i >= 0 && r->k->p.v[i].failed) {
		/* named by an alloc that failed: an ID nobody holds */
		*id = INVALID_IOASID;
		*entry = -2;
		*current = r->k->p.v[i].epoch == r->k->epoch;
		return 0;
	}
	errno = 0;
	if (name[0] >= '0' && name[0] <= '9')
		v = strtoull(name, &end, 0);
	if (name[0] < '0' || name[0] > '9' || errno || *end || v > UINT32_MAX) {
		input_error(r, "PASID name '%s' is not bound (never allocated, or freed) and is "
			    "not a number", name);
		return -1;
	}
	*id = v;
	*entry = -1;
	*current = r->k->epoch == 0;
	return 0;
}

/* The reserved token name of the SVA set (traces/README.md). */
#define SVA_SET_TOKEN	"sva"

static void *token_ptr(struct replay *r, const char *name, bool as_set)
{
	long i;

	if (!name)
		return NULL;
	if (as_set && !strcmp(name, SVA_SET_TOKEN))
		return &r->k->sva_set;
	i = token_get(r->k, name);
	if (i < 0)
		return NULL;
	return as_set ? (void *)&r->k->t.v[i].obj->set : (void *)r->k->t.v[i].obj;
}

/*
 * Bind @name (or the decimal ID when NULL) to @id; enforce the bijection.
 * Returns the entry index, or -1 (out of memory).
 */
static long bind(struct replay *r, const char *name, ioasid_t id, bool check, int owner_c,
		 int owner_mm)
{
	char dec[16];
	long prev = umap_get(&r->k->rev, id), i;
	struct pasid *p;

	if (!name) {
		snprintf(dec, sizeof(dec), "%u", id);
		name = dec;
	}
	i = pasid_get(r->k, name, true);
	if (i < 0)
		return -1;
	if (prev >= 0 && prev != i && r->k->p.v[prev].bound) {
		struct pasid *o = &r->k->p.v[prev];

		if (check && o->epoch == r->k->epoch)
			diverge(r, "replayed PASID %u is already bound to live name '%s' (now also "
				"'%s')", id, o->name, name);
		o->bound = false;
	}
	p = &r->k->p.v[i];
	pasid_unbind(r->k, p);
	p->id = id;
	p->bound = true;
	p->failed = false;
	p->epoch = r->k->epoch;
	p->owner_c = owner_c;
	p->owner_mm = owner_mm;
	if (umap_put(&r->k->rev, id, i))
		return -1;
	return i;
}

static void note_gap(struct replay *r, const struct trace_event *ev)
{
	int n;

	r->st->gaps++;
	/* a gap on the host raises every kernel's epoch: the guests' PASIDs come from it */
	if (ev->kernel == TRACE_HOST)
		for (unsigned int i = 0; i < r->nk; i++)
			r->ks[i].epoch++;
	else
		r->k->epoch++;
	if (r->gaplen >= sizeof(r->gapmsg) - 64) {
		if (r->gaplen < sizeof(r->gapmsg) - 4)
			r->gaplen += snprintf(r->gapmsg + r->gaplen, sizeof(r->gapmsg) - r->gaplen,
					      " ...");
		return;
	}
	if (ev->lost_known)
		n = snprintf(r->gapmsg + r->gaplen, sizeof(r->gapmsg) - r->gaplen,
			     "%sline %lu (%" PRIu64 " lost%s%s)", r->gaplen ? ", " : "", r->line,
			     ev->lost, ev->reason ? ", " : "", ev->reason ? ev->reason : "");
	else
		n = snprintf(r->gapmsg + r->gaplen, sizeof(r->gapmsg) - r->gaplen,
			     "%sline %lu (unknown count%s%s)", r->gaplen ? ", " : "", r->line,
			     ev->reason ? ", " : "", ev->reason ? ev->reason : "");
	if (n > 0)
		r->gaplen += n;
}

/* priv=sva or mm=sva: the name is reserved for the SVA set. */
static bool sva_misused(struct replay *r, const struct trace_event *ev)
{
	const char *bad = ev->priv && !strcmp(ev->priv, SVA_SET_TOKEN) ? "priv" :
			  ev->mm && !strcmp(ev->mm, SVA_SET_TOKEN) ? "mm" : NULL;

	if (bad)
		input_error(r, "%s=%s: the token name '%s' is reserved for the SVA set (set=%s)",
			    bad, SVA_SET_TOKEN, SVA_SET_TOKEN, SVA_SET_TOKEN);
	return bad;
}

/*
 * Bare metal: run @op on host CPU @cpu of the executor (a world with no VMs)
 * at the event's trace time, and return its event. -1 if it could not run
 * (an input error or the kernel stopped: a panic, a deadlock), said in st.
 */
static int bm_exec(struct replay *r, unsigned int cpu, struct sim_op *op, struct sim_event *out)
{
	enum sim_sched_result res;
	size_t n;

	op->at_ns = r->now;
	op->cookie = r->line;
	if (sim_world_submit(r->bw, SIM_WORLD_HOST, cpu, op)) {
		input_error(r, "cannot run %s on host cpu %u", sim_op_name(op->kind), cpu);
		return -1;
	}
	res = sim_world_run(r->bw);
	n = sim_world_nevents(r->bw);
	if (res != SIM_SCHED_IDLE || !n || sim_world_event(r->bw, n - 1)->cookie != op->cookie) {
		r->st->findings++;
		diverge(r, "the host kernel stopped: %s", sim_world_report(r->bw));
		return -1;
	}
	*out = *sim_world_event(r->bw, n - 1);
	sim_world_log_trim(r->bw);
	return 0;
}

static void got_errno(struct got *g, const struct sim_event *e)
{
	g->res = TRACE_RES_ERRNO;
	g->val = e->result;
}

static void got_ptr(struct got *g, const struct sim_event *e)
{
	if (e->result) {
		got_errno(g, e);
	} else if (!e->value) {
		g->res = TRACE_RES_NULL;
	} else {
		g->res = TRACE_RES_TOKEN;
		g->ptr = (void *)(uintptr_t)e->value;
	}
}

static void got_alloc(struct got *g, const struct sim_event *e)
{
	if (e->result) {
		got_errno(g, e);
	} else {
		g->res = TRACE_RES_ID;
		g->id = e->value;
	}
}

/*
 * What the replay got, from the executor's event of trace operation @op:
 * the one translation for bare metal and worlds.
 */
static void got_of(enum trace_op op, const struct sim_event *e, struct got *g)
{
	memset(g, 0, sizeof(*g));
	switch (op) {
	case TRACE_PASID_ALLOC:
	case TRACE_VFIO_ALLOC:
		got_alloc(g, e);
		break;
	case TRACE_IOASID_ALLOC:
		if (e->value == INVALID_IOASID) {
			g->res = TRACE_RES_INVALID;
		} else {
			g->res = TRACE_RES_ID;
			g->id = e->value;
		}
		break;
	case TRACE_PASID_FIND:
	case TRACE_IOASID_FIND:
		got_ptr(g, e);
		break;
	case TRACE_PASID_FOR_EACH:
		if (e->result) {
			got_errno(g, e);
		} else {
			g->res = TRACE_RES_COUNT;
			g->val = e->value;
		}
		break;
	case TRACE_VFIO_FREE_RANGE:
		if (e->result < 0) {
			got_errno(g, e);
		} else {
			g->res = TRACE_RES_COUNT;
			g->val = e->result;
		}
		break;
	case TRACE_PASID_EXIT:
	case TRACE_IOASID_FREE:
	case TRACE_MMIO_WRITE:
	case TRACE_VM_DESTROY:
	case TRACE_VMM_EXIT:
		g->res = TRACE_RES_NONE;	/* void in the trace */
		g->val = e->result;
		break;
	default:	/* init, free, set_data, lifecycle, vfio free and quota */
		got_errno(g, e);
		break;
	}
}

/* iommu_sva_alloc_pasid(), as Linux 6.1 builds it on ioasid_alloc() in the SVA set. */
static void run_sva_alloc(struct replay *r, const struct trace_event *ev, struct got *g)
{
	struct tokobj *mm = token_ptr(r, ev->mm, false);
	struct sim_op op = { .kind = SIM_OP_IOASID_ALLOC };
	struct sim_event e;

	g->res = TRACE_RES_ERRNO;
	if (ev->min == INVALID_IOASID || ev->max == INVALID_IOASID || !ev->min ||
	    ev->max < ev->min) {
		g->val = -EINVAL;
	} else if (!mm) {
		/* the kernel would dereference NULL: refuse the trace */
		input_error(r, "iommu_sva_alloc_pasid with mm=null");
	} else if (mm->mm_pasid != INVALID_IOASID) {
		if (mm->mm_pasid < ev->min || mm->mm_pasid >= ev->max) {
			g->val = -EOVERFLOW;
		} else {
			g->res = TRACE_RES_ID;
			g->id = mm->mm_pasid;
		}
	} else {
		op.set = &r->k->sva_set;
		op.a = ev->min;
		op.b = ev->max;
		op.arg = (uintptr_t)mm;
		if (bm_exec(r, ev->cpu, &op, &e))
			return;
		if (e.value == INVALID_IOASID) {
			g->val = -ENOMEM;
		} else {
			mm->mm_pasid = e.value;
			g->res = TRACE_RES_ID;
			g->id = e.value;
		}
	}
}

/* Forget the names of what an event released (exit, ioasid_free). */
static void run_unbind(struct replay *r, const struct trace_event *ev, long ci, long pe,
		       ioasid_t id)
{
	struct rkernel *k = r->k;

	if (ev->op == TRACE_PASID_EXIT) {
		for (uint32_t i = 0; i < k->p.n; i++)
			if (k->p.v[i].bound && k->p.v[i].owner_c == ci)
				pasid_unbind(k, &k->p.v[i]);
	} else if (pe >= 0) {
		struct pasid *pp = &k->p.v[pe];

		if (pp->owner_mm >= 0 && (uint32_t)pp->owner_mm < k->t.n &&
		    k->t.v[pp->owner_mm].obj->mm_pasid == id)
			k->t.v[pp->owner_mm].obj->mm_pasid = INVALID_IOASID;
		pasid_unbind(k, pp);
	}
}

/* The executor's operation for a bare-metal trace event, by trace op. */
static const enum sim_op_kind bm_ops[TRACE_OP__NR] = {
	[TRACE_PASID_INIT] = SIM_OP_INIT,
	[TRACE_PASID_EXIT] = SIM_OP_EXIT,
	[TRACE_PASID_ALLOC] = SIM_OP_ALLOC,
	[TRACE_PASID_FREE] = SIM_OP_FREE,
	[TRACE_PASID_FIND] = SIM_OP_FIND,
	[TRACE_PASID_FOR_EACH] = SIM_OP_FOR_EACH,
	[TRACE_IOASID_ALLOC] = SIM_OP_IOASID_ALLOC,
	[TRACE_IOASID_FREE] = SIM_OP_IOASID_FREE,
	[TRACE_IOASID_FIND] = SIM_OP_IOASID_FIND,
	[TRACE_IOASID_SET_DATA] = SIM_OP_IOASID_SET_DATA,
};

/* Run one API event through the executor; fills @g. */
static void run_api(struct replay *r, const struct trace_event *ev, struct got *g,
		    struct consumer *c, ioasid_t id)
{
	struct sim_op op = { .kind = bm_ops[ev->op], .a = id };
	struct sim_event e;

	op.consumer = c ? c->h : NULL;
	op.set = token_ptr(r, ev->set, true);
	op.arg = (uintptr_t)token_ptr(r, ev->priv, false);
	if (ev->op == TRACE_PASID_INIT || ev->op == TRACE_PASID_ALLOC ||
	    ev->op == TRACE_IOASID_ALLOC) {
		op.a = ev->min;
		op.b = ev->max;
	}
	if (bm_exec(r, ev->cpu, &op, &e))
		return;
	got_of(ev->op, &e, g);
}

/* Run one event; fills @g with what the replay got. */
static void run_event(struct replay *r, const struct trace_event *ev, struct got *g,
		      char *idbuf, const char **rec_id, bool *checkable)
{
	struct rkernel *k = r->k;
	long ci = -1, pe = -1;
	bool cur_c = true, cur_id = true;
	struct consumer *c = NULL;
	ioasid_t id = 0;

	memset(g, 0, sizeof(*g));
	*rec_id = NULL;
	if (sva_misused(r, ev))
		return;
	if (ev->c) {
		ci = consumer_get(k, ev->c, true);
		if (ci < 0) {
			input_error(r, "out of memory");
			return;
		}
		c = &k->c.v[ci];
		cur_c = c->epoch == k->epoch;
	}
	if (ev->id && ev->op != TRACE_PASID_ALLOC && ev->op != TRACE_IOASID_ALLOC &&
	    ev->op != TRACE_SVA_ALLOC) {
		if (resolve_id(r, ev->id, &id, &pe, &cur_id))
			return;
		snprintf(idbuf, 16, "%u", id);
		/* a failed alloc's name is recorded as such (see record_event) */
		*rec_id = pe == -2 ? ev->id : idbuf;
	}
	*checkable = cur_c && cur_id;
	if (ev->op == TRACE_PASID_ALLOC)
		*checkable = cur_c && k->epoch == 0;
	else if (ev->op == TRACE_IOASID_ALLOC || ev->op == TRACE_SVA_ALLOC)
		*checkable = k->epoch == 0;

	if (ev->op == TRACE_GAP) {
		note_gap(r, ev);
	} else if (ev->op == TRACE_SVA_ALLOC) {
		run_sva_alloc(r, ev, g);
	} else if (ev->op < TRACE_OP__NR && (bm_ops[ev->op] || ev->op == TRACE_PASID_ALLOC)) {
		run_api(r, ev, g, c, id);
		if (ev->op == TRACE_PASID_EXIT || ev->op == TRACE_IOASID_FREE ||
		    (ev->op == TRACE_PASID_FREE && !g->val))
			run_unbind(r, ev, ci, pe, id);
	} else {
		input_error(r, "%s is not supported on bare metal", trace_op_name(ev->op));
	}
}

static bool is_error(const struct got *g)
{
	return (g->res == TRACE_RES_ERRNO && g->val) || g->res == TRACE_RES_INVALID;
}

/* Compare with the recorded result and bind names. */
static void settle(struct replay *r, const struct trace_event *ev, const struct got *g,
		   bool checkable, char *resbuf, const char **res_name)
{
	bool check = r->o->check && ev->res != TRACE_RES_NONE;
	bool is_alloc = ev->op == TRACE_PASID_ALLOC || ev->op == TRACE_IOASID_ALLOC ||
			ev->op == TRACE_SVA_ALLOC || ev->op == TRACE_VFIO_ALLOC;
	char a[160], b[160];

	*res_name = NULL;
	if (check) {
		if (checkable)
			r->st->checked++;
		else
			r->st->unchecked++;
	}
	check = check && checkable;
	if (g->res == TRACE_RES_ID) {
		const char *name = ev->res == TRACE_RES_ID ? ev->res_name : ev->id;
		long prev = -1, e;
		int owner_c = -1, owner_mm = -1;

		if (check && ev->res != TRACE_RES_ID)
			diverge(r, "%s returned PASID %u, the trace recorded %s",
				trace_op_name(ev->op), g->id, rec_str(ev, a, sizeof(a)));
		if (ev->op == TRACE_SVA_ALLOC && name)
			prev = pasid_get(r->k, name, false);
		if (ev->op == TRACE_SVA_ALLOC && prev >= 0 && r->k->p.v[prev].bound &&
		    r->k->p.v[prev].id == g->id) {
			/* the mm's existing PASID, already bound to this name */
		} else {
			if (ev->op == TRACE_PASID_ALLOC)
				owner_c = consumer_get(r->k, ev->c, false);
			if (ev->op == TRACE_SVA_ALLOC)
				owner_mm = ((struct tokobj *)token_ptr(r, ev->mm, false))->idx;
			e = bind(r, name, g->id, r->o->check && checkable, owner_c, owner_mm);
			if (e < 0)
				input_error(r, "out of memory");
			else
				r->k->p.v[e].raw = ev->op == TRACE_IOASID_ALLOC;
		}
		snprintf(resbuf, 16, "%u", g->id);
		*res_name = resbuf;
		return;
	}
	if (is_alloc && (ev->res == TRACE_RES_ID || ev->id)) {
		const char *name = ev->res == TRACE_RES_ID ? ev->res_name : ev->id;
		long e = pasid_get(r->k, name, true);

		if (e < 0) {
			input_error(r, "out of memory");
			return;
		}
		if (!r->k->p.v[e].bound) {
			r->k->p.v[e].failed = true;
			r->k->p.v[e].epoch = r->k->epoch;
		}
	}
	if (g->res == TRACE_RES_TOKEN) {
		struct tokobj *o = g->ptr;

		*res_name = o->magic == TOKEN_MAGIC && o->idx < r->k->t.n ?
			    r->k->t.v[o->idx].name : "unknown";
	}
	if (!check || ev->res == TRACE_RES_NONE)
		return;
	if (ev->res != g->res ||
	    ((g->res == TRACE_RES_ERRNO || g->res == TRACE_RES_COUNT) && ev->res_val != g->val) ||
	    (g->res == TRACE_RES_TOKEN && token_ptr(r, ev->res_name, false) != g->ptr))
		diverge(r, "%s returned %s, the trace recorded %s", trace_op_name(ev->op),
			got_str(r, g, a, sizeof(a)), rec_str(ev, b, sizeof(b)));
}

static void record_event(struct replay *r, const struct trace_event *ev, const struct got *g,
			 const char *rec_id, const char *res_name)
{
	struct trace_event out = *ev;
	bool is_alloc = ev->op == TRACE_PASID_ALLOC || ev->op == TRACE_IOASID_ALLOC ||
			ev->op == TRACE_SVA_ALLOC || ev->op == TRACE_VFIO_ALLOC;
	int e;

	/*
	 * An alloc that succeeded is named by its ID (the result); one that
	 * failed keeps the name the trace gave it, with the error as result, and
	 * so do the ops that use that name: a replay of the recording sees the
	 * same names fail, and waits for the same ops.
	 */
	if (is_alloc)
		out.id = g->res == TRACE_RES_ID ? NULL :
			 ev->res == TRACE_RES_ID ? ev->res_name : ev->id;
	else if (ev->id)
		out.id = rec_id;
	out.res = g->res;
	out.res_val = g->val;
	out.res_name = res_name;
	if (ev->op == TRACE_PASID_EXIT || ev->op == TRACE_IOASID_FREE || ev->op == TRACE_GAP)
		out.res = TRACE_RES_NONE;
	e = trace_write_event(&r->w, &out);
	if (e && r->status < 2)
		input_error(r, "--record: cannot write the event (%s)", strerror(-e));
}

/* Report one executed op to the caller (results store). */
static void report_op(struct replay *r, const struct trace_event *ev, const struct got *g,
		      bool timed, uint64_t start, uint64_t end)
{
	struct replay_op op = {
		.line = r->line, .op = ev->op, .kernel = ev->kernel, .res = g->res,
		.val = g->val, .timed = timed, .start_ns = start, .end_ns = end,
	};

	if (!r->o->on_op)
		return;
	if (g->res == TRACE_RES_ID)
		op.val = g->id;
	else if (g->res == TRACE_RES_TOKEN)
		op.val = g->ptr && ((struct tokobj *)g->ptr)->magic == TOKEN_MAGIC ?
			 ((struct tokobj *)g->ptr)->idx : -1;
	r->o->on_op(r->o->hook_arg, &op);
}

/* ---- multi-VM replay in a world ------------------------------------------------ */

/*
 * Ops are submitted to the CPU the event names, not before the event's time
 * (sim_op.at_ns), and the scheduler interleaves the CPUs in virtual time.
 * Names are resolved when an op is submitted, so an op that uses a name an
 * op still in flight binds or unbinds (a PASID name, or a consumer being
 * initialised or torn down) first waits for the ops submitted so far: they
 * run as a batch (sim_world_run) and their results are settled in the
 * order they completed. Everything else runs concurrently.
 */
struct wentry {
	struct trace_event ev;	/* strings owned */
	unsigned long line;
	int slot;		/* CPU slot, or -1 for an op the world does not run */
	int next;		/* next entry of the same CPU in this batch, -1 */
	bool done;
	bool checkable;
	char idbuf[16], resbuf[16];	/* (the batch moves: no pointers into them) */
	bool has_id, keep_name;
	const char *res_name;
	struct got g;
};

struct wreplay {
	struct sim_world *w;
	struct wentry *b;
	size_t n, cap;
	unsigned long gen;	/* batch number, from 1 */
	int *head, *tail;	/* per CPU slot: entries of this batch */
	unsigned int nslots, vcpus, host_cpus;
	size_t logpos;
	bool *vm_used;
	bool stopped;		/* the world stopped (panic, deadlock, time limit) */
};

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void wentry_release(struct wentry *e)
{
	free((char *)e->ev.c);
	free((char *)e->ev.id);
	free((char *)e->ev.set);
	free((char *)e->ev.priv);
	free((char *)e->ev.mm);
	free((char *)e->ev.reason);
	free((char *)e->ev.res_name);
}

static int slot_of(struct wreplay *wr, int vm, unsigned int cpu)
{
	return vm == TRACE_HOST ? (int)cpu : (int)(wr->host_cpus + vm * wr->vcpus + cpu);
}

static void world_settle(struct replay *r, struct wentry *e, const struct sim_event *se)
{
	r->line = e->line;
	r->k = &r->ks[e->ev.kernel + 1];
	if (se)
		got_of(e->ev.op, se, &e->g);
	if (e->ev.op == TRACE_PASID_EXIT && se) {
		long ci = consumer_get(r->k, e->ev.c, false);

		for (uint32_t i = 0; i < r->k->p.n; i++)
			if (r->k->p.v[i].bound && r->k->p.v[i].owner_c == ci)
				pasid_unbind(r->k, &r->k->p.v[i]);
		if (ci >= 0 && !se->result)
			r->k->c.v[ci].live = false;
	}
	if (e->ev.op == TRACE_PASID_INIT && se && !se->result) {
		long ci = consumer_get(r->k, e->ev.c, false);

		if (ci >= 0)
			r->k->c.v[ci].live = true;
	}
	if (e->ev.op == TRACE_VM_DESTROY && se && !se->result)
		r->k->dead = true;
	/* the VMM died: the VM runs nothing more (its guest kernel stays until the world goes) */
	if (e->ev.op == TRACE_VMM_EXIT && se && !se->result && e->ev.vm < r->nk - 1)
		r->ks[e->ev.vm + 1].dead = true;
	r->st->ops++;
	if (is_error(&e->g))
		r->st->errors++;
	settle(r, &e->ev, &e->g, e->checkable, e->resbuf, &e->res_name);
	if (e->ev.op == TRACE_PASID_FREE && !e->g.val && e->ev.id) {
		long pe = pasid_get(r->k, e->ev.id, false);

		struct pasid *pp = pe >= 0 ? &r->k->p.v[pe] : NULL;

		if (pp && pp->bound && pp->id == strtoul(e->idbuf, NULL, 10))
			pasid_unbind(r->k, pp);
	}
	report_op(r, &e->ev, &e->g, !!se, se ? se->start_ns : 0, se ? se->end_ns : 0);
	if (se && se->end_ns > r->st->virtual_ns)
		r->st->virtual_ns = se->end_ns;
	e->done = true;
}

/* Run the batch, settle its ops in completion order, record them in file order. */
static void world_flush(struct replay *r, struct wreplay *wr)
{
	struct rkernel *cur = r->k;
	unsigned long line = r->line;
	enum sim_sched_result res;
	size_t ne;

	if (!wr->n)
		return;
	res = sim_world_run(wr->w);
	ne = sim_world_nevents(wr->w);
	for (size_t i = wr->logpos; i < ne && r->status < 2; i++) {
		const struct sim_event *se = sim_world_event(wr->w, i);
		int slot = slot_of(wr, se->vm, se->cpu), idx = wr->head[slot];

		if (idx < 0)
			continue;	/* not ours */
		wr->head[slot] = wr->b[idx].next;
		world_settle(r, &wr->b[idx], se);
	}
	wr->logpos = ne;
	for (size_t i = 0; i < wr->n && r->status < 2; i++)
		if (wr->b[i].slot < 0)
			world_settle(r, &wr->b[i], NULL);
	if (res != SIM_SCHED_IDLE) {
		for (size_t i = 0; i < wr->n; i++)
			if (!wr->b[i].done) {
				r->line = wr->b[i].line;
				break;
			}
		r->st->findings++;
		if (!r->st->div_line) {
			r->st->div_line = r->line;
			snprintf(r->st->divergence, sizeof(r->st->divergence),
				 "%s:%lu: the world stopped: %s", r->name, r->line,
				 sim_world_report(wr->w));
		}
		if (r->status < 1)
			r->status = 1;
		wr->stopped = true;
	}
	for (size_t i = 0; i < wr->n; i++) {
		struct wentry *e = &wr->b[i];

		if (r->recording && e->done && r->status < 2) {
			r->line = e->line;
			record_event(r, &e->ev, &e->g, e->keep_name ? e->ev.id : e->has_id ?
				     e->idbuf : NULL, e->res_name);
		}
		wentry_release(e);
	}
	for (unsigned int i = 0; i < wr->nslots; i++)
		wr->head[i] = wr->tail[i] = -1;
	wr->n = 0;
	wr->gen++;
	r->k = cur;
	if (!wr->stopped)
		r->line = line;
}

static void unsupported(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void unsupported(struct replay *r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	input_error(r, "not supported in a world: %s", msg);
}

/*
 * Must @ev wait for the ops of the current batch? Yes if its consumer is
 * being set up or torn down (or, for init/exit, used), or if its PASID name
 * refers to a binding an op of the batch uses, or to the binding a pending
 * alloc makes: a name bound and not being freed refers to that binding, any
 * other name to the one a pending alloc makes. An alloc never waits for the
 * name it binds. With these rules a recording, which names PASIDs by their
 * IDs (the same name for an ID freed and allocated again), batches exactly
 * as the run it records, whose names were all different.
 */
static bool world_conflict(struct replay *r, struct wreplay *wr, const struct trace_event *ev)
{
	struct rkernel *k = r->k;
	long i;

	if (ev->c) {
		i = consumer_get(k, ev->c, false);
		if (i >= 0 && (k->c.v[i].pend_life == wr->gen ||
			       ((ev->op == TRACE_PASID_INIT || ev->op == TRACE_PASID_EXIT) &&
				k->c.v[i].pend_use == wr->gen)))
			return true;
	}
	if (ev->id && ev->op != TRACE_PASID_ALLOC) {
		i = pasid_get(k, ev->id, false);
		if (i >= 0) {
			const struct pasid *p = &k->p.v[i];

			if (p->bound && p->pend_free != wr->gen)
				return p->pend_use == wr->gen;
			return p->pend_bind == wr->gen;
		}
	}
	return false;
}

/*
 * How a trace operation runs in a world: the executor's operation and where
 * its arguments go. W_ALLOC: its id= names the result; W_RANGE: min and max
 * are a and b; W_PRIV: priv is arg; W_SET: set is the set token; W_VIOMMU:
 * viommu is a; W_VM: vm is arg (the VMM's VM); W_QUOTA: quota is a;
 * W_BARRIER: it runs alone, after everything submitted before it.
 */
enum {
	W_ALLOC = 1, W_RANGE = 2, W_PRIV = 4, W_SET = 8, W_VIOMMU = 16, W_VM = 32, W_QUOTA = 64,
	W_BARRIER = 128, W_MMIO = 256,
};

static const struct {
	bool run;
	enum sim_op_kind kind;
	unsigned int flags;
} wops[TRACE_OP__NR] = {
	[TRACE_PASID_INIT] = { true, SIM_OP_INIT, W_RANGE },
	[TRACE_PASID_EXIT] = { true, SIM_OP_EXIT, 0 },
	[TRACE_PASID_ALLOC] = { true, SIM_OP_ALLOC, W_ALLOC | W_RANGE | W_PRIV },
	[TRACE_PASID_FREE] = { true, SIM_OP_FREE, 0 },
	[TRACE_PASID_FIND] = { true, SIM_OP_FIND, 0 },
	[TRACE_PASID_FOR_EACH] = { true, SIM_OP_FOR_EACH, 0 },
	[TRACE_IOASID_ALLOC] = { true, SIM_OP_IOASID_ALLOC, W_ALLOC | W_RANGE | W_PRIV | W_SET },
	[TRACE_IOASID_FREE] = { true, SIM_OP_IOASID_FREE, 0 },
	[TRACE_IOASID_FIND] = { true, SIM_OP_IOASID_FIND, W_SET },
	[TRACE_IOASID_SET_DATA] = { true, SIM_OP_IOASID_SET_DATA, W_PRIV },
	[TRACE_VM_BOOT] = { true, SIM_OP__COUNT, 0 },
	[TRACE_VM_DESTROY] = { true, SIM_OP_VM_DESTROY, W_BARRIER },
	[TRACE_MMIO_WRITE] = { true, SIM_OP_REG_WRITE, W_VIOMMU | W_MMIO },
	[TRACE_VIOMMU_PLUG] = { true, SIM_OP_VIOMMU_PLUG, W_VIOMMU | W_BARRIER },
	[TRACE_VIOMMU_UNPLUG] = { true, SIM_OP_VIOMMU_UNPLUG, W_VIOMMU | W_BARRIER },
	[TRACE_ALLOCATOR_UNREGISTER] = { true, SIM_OP_ALLOCATOR_UNREGISTER,
					 W_VIOMMU | W_BARRIER },
	[TRACE_ALLOCATOR_REGISTER] = { true, SIM_OP_ALLOCATOR_REGISTER, W_VIOMMU | W_BARRIER },
	[TRACE_VFIO_ALLOC] = { true, SIM_OP_HOST_ALLOC, W_ALLOC | W_RANGE | W_VM | W_BARRIER },
	[TRACE_VFIO_FREE] = { true, SIM_OP_HOST_FREE, W_VM | W_BARRIER },
	[TRACE_VFIO_FREE_RANGE] = { true, SIM_OP_HOST_FREE_RANGE, W_RANGE | W_VM | W_BARRIER },
	[TRACE_VFIO_SET_QUOTA] = { true, SIM_OP_HOST_SET_QUOTA, W_VM | W_QUOTA | W_BARRIER },
	[TRACE_VMM_EXIT] = { true, SIM_OP_HOST_VM_DESTROY, W_VM | W_BARRIER },
};

/* Fill @op's kind and arguments from @ev by the table; the alloc's name entry into @pe. */
static int wop_build(struct replay *r, const struct trace_event *ev, struct sim_op *op, long *pe)
{
	unsigned int f = wops[ev->op].flags;

	op->kind = wops[ev->op].kind;
	if (f & W_RANGE) {
		op->a = ev->min;
		op->b = ev->max;
	}
	if (f & W_PRIV)
		op->arg = (uintptr_t)token_ptr(r, ev->priv, false);
	if (f & W_SET)
		op->set = token_ptr(r, ev->set, true);
	if (f & W_VIOMMU)
		op->a = ev->viommu;
	if (f & W_VM)
		op->arg = ev->vm;
	if (f & W_QUOTA)
		op->a = ev->quota;
	if (f & W_MMIO) {
		op->kind = ev->width == 4 ? SIM_OP_REG_WRITE32 : SIM_OP_REG_WRITE;
		op->b = ev->off;
		op->arg = ev->val;
	}
	if (f & W_ALLOC) {
		const char *name = ev->res == TRACE_RES_ID ? ev->res_name : ev->id;

		if (name) {
			*pe = pasid_get(r->k, name, true);
			if (*pe < 0) {
				input_error(r, "out of memory");
				return -1;
			}
		}
	}
	return 0;
}

static void world_event(struct replay *r, struct wreplay *wr, const struct trace_event *ev)
{
	struct sim_op op = { 0 };
	struct wentry *e;
	bool runs = true;
	long ci = -1, pe = -1;
	bool cur_c = true, cur_id = true;
	ioasid_t id = 0;
	int vm = ev->kernel;

	r->k = &r->ks[vm + 1];
	switch (ev->op) {
	case TRACE_GAP:
		world_flush(r, wr);
		note_gap(r, ev);
		if (r->recording) {
			struct got g = { 0 };

			record_event(r, ev, &g, NULL, NULL);
		}
		return;
	case TRACE_VM_BOOT:
		if (wr->vm_used[vm]) {
			unsupported(r, "vm_boot of vm%d after its first operation (the world boots "
				    "every VM when it is created)", vm);
			return;
		}
		runs = false;
		break;
	case TRACE_MMIO_WRITE:
		if (ev->off > UINT32_MAX - ev->width) {
			input_error(r, "mmio_write off=%#" PRIx64 " is outside the register window",
				    ev->off);
			return;
		}
		break;
	default:
		if (!wops[ev->op].run) {
			unsupported(r, "%s (SVA allocation runs on bare metal only)",
				    trace_op_name(ev->op));
			return;
		}
		break;
	}
	/* lifecycle and host calls run alone, after everything before them */
	if (wops[ev->op].flags & W_BARRIER)
		world_flush(r, wr);
	if (sva_misused(r, ev))
		return;
	if (world_conflict(r, wr, ev))
		world_flush(r, wr);
	if (r->status == 2 || wr->stopped)
		return;
	if (vm != TRACE_HOST)
		wr->vm_used[vm] = true;
	if (wr->n == wr->cap) {
		size_t cap = wr->cap ? wr->cap * 2 : 64;
		struct wentry *nb = realloc(wr->b, cap * sizeof(*nb));

		if (!nb) {
			input_error(r, "out of memory");
			return;
		}
		wr->b = nb;
		wr->cap = cap;
	}
	e = &wr->b[wr->n];
	memset(e, 0, sizeof(*e));
	e->ev = *ev;
	e->ev.c = dup_or_null(ev->c);
	e->ev.id = dup_or_null(ev->id);
	e->ev.set = dup_or_null(ev->set);
	e->ev.priv = dup_or_null(ev->priv);
	e->ev.mm = dup_or_null(ev->mm);
	e->ev.reason = dup_or_null(ev->reason);
	e->ev.res_name = dup_or_null(ev->res_name);
	e->line = r->line;
	e->slot = -1;
	e->next = -1;
	wr->n++;
	if (ev->c) {
		ci = consumer_get(r->k, ev->c, true);
		if (ci < 0) {
			input_error(r, "out of memory");
			return;
		}
		cur_c = r->k->c.v[ci].epoch == r->k->epoch;
		r->k->c.v[ci].pend_use = wr->gen;
		if (ev->op == TRACE_PASID_INIT || ev->op == TRACE_PASID_EXIT)
			r->k->c.v[ci].pend_life = wr->gen;
		op.consumer = r->k->c.v[ci].h;
	}
	if (ev->id && !(wops[ev->op].flags & W_ALLOC)) {
		if (resolve_id(r, ev->id, &id, &pe, &cur_id))
			return;
		snprintf(e->idbuf, sizeof(e->idbuf), "%u", id);
		e->has_id = true;
		e->keep_name = pe == -2;
		op.a = id;
	}
	e->checkable = cur_c && cur_id;
	if (wop_build(r, ev, &op, &pe))
		return;
	if (wops[ev->op].flags & W_ALLOC)
		e->checkable = cur_c && r->k->epoch == 0;
	if (pe >= 0 && (wops[ev->op].flags & W_ALLOC)) {
		r->k->p.v[pe].pend_bind = wr->gen;
	} else if (pe >= 0) {
		r->k->p.v[pe].pend_use = wr->gen;
		if (ev->op == TRACE_PASID_FREE || ev->op == TRACE_IOASID_FREE ||
		    ev->op == TRACE_VFIO_FREE)
			r->k->p.v[pe].pend_free = wr->gen;
	}
	if (!runs)
		return;
	op.at_ns = ev->time;
	op.cookie = r->line;
	if (sim_world_submit(wr->w, vm, ev->cpu, &op)) {
		input_error(r, "cannot submit %s to %s cpu %u", trace_op_name(ev->op),
			    vm == TRACE_HOST ? "host" : "the VM's", ev->cpu);
		return;
	}
	e->slot = slot_of(wr, vm, ev->cpu);
	if (wr->tail[e->slot] >= 0)
		wr->b[wr->tail[e->slot]].next = wr->n - 1;
	else
		wr->head[e->slot] = wr->n - 1;
	wr->tail[e->slot] = wr->n - 1;
	if (wops[ev->op].flags & W_BARRIER)
		world_flush(r, wr);
}

static void cfg_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cfg_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t l = strlen(buf);
	va_list ap;

	if (l + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + l, len - l, fmt, ap);
	va_end(ap);
}

/* The header's fault knobs into the world's parameters (docs/world.md). */
static void world_faults(struct sim_world_params *p, const struct trace_faults *f)
{
	struct vtd_faults *v = &p->vtd.faults;
	struct virtio_iommu_faults *vi = &p->virtio_faults;

	v->latency_ns = f->vtd_latency_ns;
	v->stuck_ip = f->vtd_stuck_ip;
	v->force_sc = f->vtd_force_sc;
	if (f->vtd_sc_no_pasid >= 0)
		p->vtd.sc_no_pasid = f->vtd_sc_no_pasid;
	v->result_mode = f->vtd_result_mode == TRACE_VTD_RESULT_SET ? VTD_RESULT_SET :
			 f->vtd_result_mode == TRACE_VTD_RESULT_RAW ? VTD_RESULT_RAW :
			 VTD_RESULT_REAL;
	v->result = f->vtd_result;
	v->drop_mode = f->vtd_drop_mode == TRACE_VTD_DROP_HANG ? VTD_DROP_HANG : VTD_DROP_LOST;
	v->drop_nth = f->vtd_drop_nth;
	v->drop_every = f->vtd_drop_every;
	vi->latency_ns = f->virtio_latency_ns;
	vi->force_status = f->virtio_force_status;
	vi->bad_result = f->virtio_bad_result;
	vi->result = f->virtio_result;
	vi->drop_nth = f->virtio_drop_nth;
	vi->drop_every = f->virtio_drop_every;
	p->virtio_timeout_ns = f->virtio_timeout_ns;
}

/* The fault knobs that are set, as a JSON member of the configuration. */
static void cfg_faults(char *buf, size_t len, const struct trace_faults *f)
{
	static const char *const rmode[] = { "real", "set", "raw" };
	struct trace_faults d;
	bool sep = false;

	trace_faults_init(&d);
	cfg_add(buf, len, ",\"faults\":{");
#define FK(cond, fmt, ...) do {							\
	if (cond) {								\
		cfg_add(buf, len, "%s" fmt, sep ? "," : "", __VA_ARGS__);	\
		sep = true;							\
	}									\
} while (0)
	FK(f->vtd_latency_ns, "\"vtd_latency_ns\":%" PRIu64, f->vtd_latency_ns);
	FK(f->vtd_stuck_ip, "\"vtd_stuck_ip\":%d", 1);
	FK(f->vtd_force_sc >= 0, "\"vtd_force_sc\":%d", f->vtd_force_sc);
	FK(f->vtd_sc_no_pasid >= 0, "\"vtd_sc_no_pasid\":%d", f->vtd_sc_no_pasid);
	FK(f->vtd_result_mode != d.vtd_result_mode, "\"vtd_result_mode\":\"%s\"",
	   rmode[f->vtd_result_mode % 3]);
	FK(f->vtd_result, "\"vtd_result\":%" PRIu64, f->vtd_result);
	FK(f->vtd_drop_mode != d.vtd_drop_mode, "\"vtd_drop_mode\":\"%s\"", "hang");
	FK(f->vtd_drop_nth, "\"vtd_drop_nth\":%" PRIu64, f->vtd_drop_nth);
	FK(f->vtd_drop_every, "\"vtd_drop_every\":%" PRIu64, f->vtd_drop_every);
	FK(f->virtio_latency_ns, "\"virtio_latency_ns\":%" PRIu64, f->virtio_latency_ns);
	FK(f->virtio_force_status >= 0, "\"virtio_force_status\":%d", f->virtio_force_status);
	FK(f->virtio_bad_result, "\"virtio_bad_result\":%" PRIu32, f->virtio_result);
	FK(f->virtio_drop_nth, "\"virtio_drop_nth\":%" PRIu64, f->virtio_drop_nth);
	FK(f->virtio_drop_every, "\"virtio_drop_every\":%" PRIu64, f->virtio_drop_every);
	FK(f->virtio_timeout_ns, "\"virtio_timeout_ns\":%" PRIu64, f->virtio_timeout_ns);
#undef FK
	cfg_add(buf, len, "}");
}

/* The world of the header; NULL with st->error set (exit 2). */
static struct sim_world *world_build(const struct trace_header *h, const char *name,
				     const struct replay_opts *o, struct replay_stats *st)
{
	struct sim_world_params p;
	unsigned int *quotas = NULL, build_cost = 0;
	const char **flavours = NULL;
	struct sim_world *w = NULL;
	char err[512];
	bool sep = false;

	sscanf(SIM_COST_MODEL_VERSION, "cost-%u", &build_cost);
	if (h->cost_model != build_cost) {
		snprintf(st->error, sizeof(st->error), "%s: the trace wants cost model %u, this "
			 "pasidsim has only %s", name, h->cost_model, SIM_COST_MODEL_VERSION);
		return NULL;
	}
	if (h->nr_vms > SIM_WORLD_MAX_VMS) {
		snprintf(st->error, sizeof(st->error), "%s: not supported in a world: %u VMs (at "
			 "most %u)", name, h->nr_vms, SIM_WORLD_MAX_VMS);
		return NULL;
	}
	sim_world_params_init(&p);
	p.nvms = h->nr_vms;
	p.host_cpus = h->host_cpus;
	p.vcpus = 1;
	p.viommus = 1;
	p.path = h->pv == TRACE_PV_VIRTIO ? SIM_WORLD_PATH_VIRTIO : SIM_WORLD_PATH_VTD;
	vtd_params_init(&p.vtd, h->vtd_version == TRACE_VTD_3_0 ? VTD_LAYOUT_30 : VTD_LAYOUT_33);
	p.vtd.pss = h->vtd_pss;
	p.vtd.pas = h->vtd_vccap_pas;
	world_faults(&p, &h->faults);
	p.quota = h->quota_default;
	p.host_flavour = trace_flavour_name(h->flavour_host);
	p.guest_flavour = trace_flavour_name(h->flavour_guest);
	p.seed = h->seed;
	p.cookie_label = "line";	/* invariant findings name the trace line */
	quotas = calloc(h->nr_vms + 1, sizeof(*quotas));
	flavours = calloc(h->nr_vms + 1, sizeof(*flavours));
	if (!quotas || !flavours) {
		snprintf(st->error, sizeof(st->error), "%s: out of memory", name);
		goto out;
	}
	snprintf(st->config, sizeof(st->config), "{\"mode\":\"vms\",\"vms\":%u,\"vcpus\":%u,"
		 "\"viommus\":%u,\"host_cpus\":%u,\"pv\":\"%s\",\"vtd_version\":\"%s\","
		 "\"vtd_pss\":%u,\"vtd_vccap_pas\":%d,\"quota_default\":%u,"
		 "\"flavour_host\":\"%s\",\"flavour_guest\":\"%s\",\"overrides\":{", h->nr_vms,
		 h->vcpus, h->viommus, h->host_cpus, trace_pv_name(h->pv),
		 h->vtd_version == TRACE_VTD_3_0 ? "3.0" : "3.3", h->vtd_pss, h->vtd_vccap_pas,
		 h->quota_default, trace_flavour_name(h->flavour_host),
		 trace_flavour_name(h->flavour_guest));
	for (unsigned int i = 0; i < h->nr_vms; i++) {
		const struct trace_vm *v = &h->vms[i];

		if (v->pv != h->vms[0].pv) {
			snprintf(st->error, sizeof(st->error), "%s: not supported in a world: VMs "
				 "on different paravirtual paths (vm0 %s, vm%u %s)", name,
				 trace_pv_name(h->vms[0].pv), i, trace_pv_name(v->pv));
			goto out;
		}
		/* a VM with fewer vCPUs or vIOMMUs leaves the extra ones unused */
		if (v->vcpus > p.vcpus)
			p.vcpus = v->vcpus;
		if (v->viommus > p.viommus)
			p.viommus = v->viommus;
		quotas[i] = v->quota;
		flavours[i] = trace_flavour_name(v->flavour);
		if (v->vcpus != h->vcpus || v->viommus != h->viommus || v->quota !=
		    h->quota_default || v->flavour != h->flavour_guest) {
			cfg_add(st->config, sizeof(st->config), "%s\"%u\":{\"vcpus\":%u,"
				"\"viommus\":%u,\"quota\":%u,\"flavour\":\"%s\"}", sep ? "," : "",
				i, v->vcpus, v->viommus, v->quota, flavours[i]);
			sep = true;
		}
	}
	cfg_add(st->config, sizeof(st->config), "}");
	if (trace_faults_any(&h->faults))
		cfg_faults(st->config, sizeof(st->config), &h->faults);
	cfg_add(st->config, sizeof(st->config), "}");
	p.path = h->nr_vms && h->vms[0].pv == TRACE_PV_VIRTIO ? SIM_WORLD_PATH_VIRTIO :
		 SIM_WORLD_PATH_VTD;
	p.quotas = quotas;
	p.guest_flavours = flavours;
	snprintf(st->cost_model, sizeof(st->cost_model), "%s", p.cost.version);
	if (sim_cost_override(&p.cost, o->cost, st->cost_model, sizeof(st->cost_model), err,
			   sizeof(err))) {
		snprintf(st->error, sizeof(st->error), "%s", err);
		goto out;
	}
	w = sim_world_create(&p, err, sizeof(err));
	if (!w)
		snprintf(st->error, sizeof(st->error), "%s: cannot build the world: %s", name, err);
out:
	free(quotas);
	free(flavours);
	return w;
}

static void world_kernels(struct replay *r, struct sim_world *w, unsigned int nvms)
{
	char name[16];

	for (int v = -1; v < (int)nvms; v++) {
		struct sim_kernel *k = sim_world_kernel(w, v);

		if (v < 0)
			snprintf(name, sizeof(name), "host");
		else
			snprintf(name, sizeof(name), "vm%d", v);
		if (sim_findings_count(k, -1))
			sim_findings_print(k, r->msg);
		if (r->o->on_kernel)
			r->o->on_kernel(r->o->hook_arg, name, k);
	}
}

/*
 * After the run: every consumer the trace left initialised exits (on vCPU 0
 * of its VM), then each VM that is still there must have no more slab
 * objects than at boot, and the host must hold no PASID for it. Leaks are
 * counted in st->leaked, as on bare metal. Findings raised by the teardown
 * are counted too (those of the run were reported before it).
 */
static void world_teardown(struct replay *r, struct sim_world *w, unsigned int nvms,
			   const u64 *boot)
{
	size_t findings = sim_world_findings(w, -1);
	enum sim_sched_result res;
	bool any = false;

	for (int v = -1; v < (int)nvms; v++) {
		struct rkernel *k = &r->ks[v + 1];

		if (k->dead)
			continue;
		for (uint32_t i = 0; i < k->c.n; i++) {
			struct sim_op op = { .kind = SIM_OP_EXIT, .consumer = k->c.v[i].h };

			if (!k->c.v[i].live)
				continue;
			if (sim_world_submit(w, v, 0, &op)) {
				fprintf(r->msg, "%s: teardown: cannot submit the exit of %s's "
					"consumer %s\n", r->name, v < 0 ? "the host" : "a VM",
					k->c.v[i].name);
				continue;
			}
			k->c.v[i].live = false;
			any = true;
		}
		/* raw IDs the trace left allocated go back, as on bare metal */
		for (uint32_t i = 0; i < k->p.n; i++) {
			struct sim_op op = { .kind = SIM_OP_IOASID_FREE, .a = k->p.v[i].id };

			if (!k->p.v[i].bound || !k->p.v[i].raw)
				continue;
			if (!sim_world_submit(w, v, 0, &op))
				any = true;
			k->p.v[i].bound = false;
		}
	}
	if (any) {
		res = sim_world_run(w);
		if (res != SIM_SCHED_IDLE) {
			r->st->findings++;
			fprintf(r->msg, "%s: teardown: the world stopped: %s\n", r->name,
				sim_world_report(w));
			return;
		}
	}
	if (sim_world_findings(w, -1) > findings) {
		r->st->findings += sim_world_findings(w, -1) - findings;
		fprintf(r->msg, "%s: teardown: %zu finding(s) while the consumers exited\n",
			r->name, sim_world_findings(w, -1) - findings);
	}
	for (unsigned int v = 0; v < nvms; v++) {
		struct sim_kernel *k = sim_world_kernel(w, v);
		struct sim_slab_stats ss;
		unsigned int held;

		if (r->ks[v + 1].dead)
			continue;
		sim_slab_stats(k, &ss);
		if (ss.live_objects > boot[v]) {
			r->st->leaked += ss.live_objects - boot[v];
			if (!r->st->gaps) {
				fprintf(r->msg, "%s: vm%u: %llu slab object(s) more than at boot "
					"after every consumer exited\n", r->name, v,
					(unsigned long long)(ss.live_objects - boot[v]));
			}
		}
		held = sim_world_host_count(w, v);
		if (held) {
			r->st->leaked += held;
			if (!r->st->gaps)
				fprintf(r->msg, "%s: host: holds %u PASID(s) of vm%u after every "
					"consumer of the guest exited\n", r->name, held, v);
		}
	}
}

static void replay_world(struct replay *r, struct trace_parser *tp, const struct trace_header *h,
			 struct sim_world *w)
{
	struct wreplay wr = { .w = w, .gen = 1 };
	u64 *boot = calloc(h->nr_vms + 1, sizeof(*boot));
	struct trace_event ev;
	unsigned int maxv = 1;

	for (unsigned int i = 0; i < h->nr_vms; i++)
		if (h->vms[i].vcpus > maxv)
			maxv = h->vms[i].vcpus;
	wr.vcpus = maxv;
	wr.host_cpus = h->host_cpus;
	wr.nslots = h->host_cpus + h->nr_vms * maxv;
	wr.head = malloc(wr.nslots * sizeof(*wr.head));
	wr.tail = malloc(wr.nslots * sizeof(*wr.tail));
	wr.vm_used = calloc(h->nr_vms + 1, sizeof(*wr.vm_used));
	if (!wr.head || !wr.tail || !wr.vm_used || !boot) {
		input_error(r, "out of memory");
		goto out;
	}
	/* the guests' boot-time objects stay until the world goes: the baseline */
	for (unsigned int v = 0; v < h->nr_vms; v++) {
		struct sim_slab_stats ss;

		sim_slab_stats(sim_world_kernel(w, v), &ss);
		boot[v] = ss.live_objects;
	}
	for (unsigned int i = 0; i < wr.nslots; i++)
		wr.head[i] = wr.tail[i] = -1;
	r->st->world = true;
	for (;;) {
		int n = trace_parser_next(tp, &ev);

		if (n < 0) {
			r->status = 2;
			snprintf(r->st->error, sizeof(r->st->error), "%s", trace_parser_error(tp));
			break;
		}
		if (!n)
			break;
		r->line = trace_parser_line(tp);
		world_event(r, &wr, &ev);
		if (r->status == 2 || wr.stopped || (r->status == 1 && r->st->div_line))
			break;
	}
	if (r->status < 2 && !wr.stopped)
		world_flush(r, &wr);
	r->st->findings += sim_world_findings(w, -1);
	world_kernels(r, w, h->nr_vms);
	if (r->status < 2 && !wr.stopped)
		world_teardown(r, w, h->nr_vms, boot);
out:
	free(boot);
	for (size_t i = 0; i < wr.n; i++)
		wentry_release(&wr.b[i]);
	free(wr.b);
	free(wr.head);
	free(wr.tail);
	free(wr.vm_used);
}

/* ---- bare metal: the executor with no VMs ------------------------------------------ */

static bool flavour_built(const char *flavour)
{
	char path[4096];

	return !access(sim_core_path(flavour, path, sizeof(path)), R_OK);
}

/*
 * Bare metal runs in the executor (a world with no VMs: the host kernel and
 * its CPUs) on a private copy of the core object of the trace's flavour. If
 * that object is not built: an error (exit 2), or with --any-flavour the
 * flavour this program was configured with (said on @msg). NULL, with
 * st->error.
 */
static struct sim_world *bm_world(const struct trace_header *h, const char *name,
				  const struct replay_opts *o, FILE *msg, struct replay_stats *st)
{
	const char *flavour = st->flavour;
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];

	if (!flavour_built(flavour)) {
		if (!o->any_flavour || !flavour_built(PASIDSIM_FLAVOUR)) {
			snprintf(st->error, sizeof(st->error), "%s: the trace wants allocator "
				 "flavour %s on the host, whose core object is not built: configure "
				 "with the Linux source (PASIDSIM_LINUX61=ON) or pass --any-flavour "
				 "to replay on %s", name, flavour, PASIDSIM_FLAVOUR);
			return NULL;
		}
		fprintf(msg, "%s: warning: the trace wants flavour %s, whose core object is not "
			"built; replaying on %s (--any-flavour)\n", name, flavour, PASIDSIM_FLAVOUR);
		flavour = PASIDSIM_FLAVOUR;
	}
	sim_world_params_init(&p);
	p.nvms = 0;
	p.host_cpus = h->host_cpus;
	p.host_flavour = flavour;
	p.seed = h->seed;
	p.cookie_label = "line";
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		snprintf(st->error, sizeof(st->error), "%s: cannot load the %s core: %.400s", name,
			 flavour, err);
		return NULL;
	}
	/* a string that outlives the world (the core copy's goes with it) */
	st->flavour = !strcmp(flavour, "linux-6.1") ? "linux-6.1" : "pasidsim";
	return w;
}

/* After the run: every consumer exits, every raw ID still bound is freed. */
static void bm_teardown(struct replay *r)
{
	struct rkernel *k = &r->ks[0];
	struct sim_event e;

	for (uint32_t i = 0; i < k->c.n && r->status < 2; i++) {
		struct sim_op op = { .kind = SIM_OP_EXIT, .consumer = k->c.v[i].h };

		if (bm_exec(r, 0, &op, &e))
			return;
	}
	for (uint32_t i = 0; i < k->p.n && r->status < 2; i++) {
		struct sim_op op = { .kind = SIM_OP_IOASID_FREE, .a = k->p.v[i].id };

		if (k->p.v[i].bound && k->p.v[i].owner_c < 0 && bm_exec(r, 0, &op, &e))
			return;
	}
}

static int replay_run(struct trace_parser *tp, const char *name, const struct replay_opts *o,
		      struct replay_stats *st)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct trace_header h;
	struct trace_event ev;
	struct timespec t0, t1;
	struct sim_kernel *kern, *prev;
	struct sim_slab_stats slab;
	struct sim_world *world = NULL;
	int status;

	memset(st, 0, sizeof(*st));
	st->mode = "?";
	st->flavour = "?";
	if (!r || !tp) {
		snprintf(st->error, sizeof(st->error), "%s: out of memory", name);
		free(r);
		return 2;
	}
	r->o = o;
	r->st = st;
	r->name = name;
	r->msg = o->msg ? o->msg : stderr;
	if (trace_parser_header(tp, &h)) {
		snprintf(st->error, sizeof(st->error), "%s", trace_parser_error(tp));
		trace_header_release(&h);
		free(r);
		return 2;
	}
	if (o->flavour) {
		int f = !strcmp(o->flavour, "pasidsim") ? TRACE_FLAVOUR_PASIDSIM :
			!strcmp(o->flavour, "linux-6.1") ? TRACE_FLAVOUR_LINUX61 : -1;

		if (f < 0) {
			snprintf(st->error, sizeof(st->error),
				 "%s: unknown flavour '%s' (expected pasidsim or linux-6.1)", name,
				 o->flavour);
			trace_header_release(&h);
			free(r);
			return 2;
		}
		/* every kernel runs the chosen flavour; --record writes what ran */
		h.flavour_host = f;
		if (h.mode == TRACE_VMS)
			h.flavour_guest = f;
		for (unsigned int i = 0; i < h.nr_vms && h.vms; i++)
			h.vms[i].flavour = f;
	}
	st->mode = trace_mode_name(h.mode);
	st->flavour = trace_flavour_name(h.flavour_host);
	st->seed = h.seed;
	r->nk = h.mode == TRACE_VMS ? 1 + h.nr_vms : 1;
	r->ks = calloc(r->nk, sizeof(*r->ks));
	if (!r->ks) {
		snprintf(st->error, sizeof(st->error), "%s: out of memory", name);
		trace_header_release(&h);
		free(r);
		return 2;
	}
	r->k = &r->ks[0];
	if (h.mode == TRACE_VMS) {
		world = world_build(&h, name, o, st);
		if (!world) {
			status = 2;
			goto out;
		}
	} else {
		snprintf(st->config, sizeof(st->config), "{\"mode\":\"bare-metal\","
			 "\"host_cpus\":%u,\"flavour_host\":\"%s\"}", h.host_cpus, st->flavour);
	}
	if (!world) {
		const char *want = st->flavour;

		r->bw = bm_world(&h, name, o, r->msg, st);
		if (!r->bw) {
			status = 2;
			goto out;
		}
		if (strcmp(want, st->flavour)) {
			/* --any-flavour: the run is on another flavour than the trace's */
			snprintf(st->config, sizeof(st->config), "{\"mode\":\"bare-metal\","
				 "\"host_cpus\":%u,\"flavour_host\":\"%s\"}", h.host_cpus,
				 st->flavour);
		}
	}
	if (o->on_start)
		o->on_start(o->hook_arg, st);
	if (o->record) {
		if (trace_writer_start(&r->w, o->record, &h)) {
			snprintf(st->error, sizeof(st->error), "--record: cannot write the header");
			status = 2;
			goto out;
		}
		r->recording = true;
	}
	if (world) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		replay_world(r, tp, &h, world);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		st->wall_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
		sim_world_destroy(world);
		world = NULL;
		goto finish;
	}

	kern = sim_world_kernel(r->bw, SIM_WORLD_HOST);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char idbuf[16], resbuf[16];
		const char *rec_id, *res_name;
		bool checkable = false;
		struct got g;
		int n = trace_parser_next(tp, &ev);

		if (n < 0) {
			r->status = 2;
			snprintf(st->error, sizeof(st->error), "%s", trace_parser_error(tp));
			break;
		}
		if (!n)
			break;
		r->line = trace_parser_line(tp);
		wait_for(r, ev.time);
		r->now = ev.time;
		run_event(r, &ev, &g, idbuf, &rec_id, &checkable);
		if (r->status == 2 || (r->status == 1 && st->div_line && st->findings))
			break;
		if (ev.op != TRACE_GAP) {
			st->ops++;
			if (is_error(&g))
				st->errors++;
		}
		settle(r, &ev, &g, checkable, resbuf, &res_name);
		if (r->status == 2)
			break;
		if (ev.op != TRACE_GAP)
			report_op(r, &ev, &g, false, 0, 0);
		if (r->recording)
			record_event(r, &ev, &g, rec_id, res_name);
		if (r->status == 1 && st->div_line)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->wall_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	r->k = &r->ks[0];
	if (r->status < 2)
		bm_teardown(r);
	prev = sim_kernel_enter(kern);
	rcu_barrier();
	sim_kernel_leave(prev);
	st->findings += sim_findings_count(kern, -1);
	if (sim_findings_count(kern, -1))
		sim_findings_print(kern, r->msg);
	sim_slab_stats(kern, &slab);
	st->leaked = slab.live_objects - sim_world_host_baseline_objects(r->bw);
	if (st->leaked && !st->gaps)
		sim_slab_report_leaks(kern, r->msg);
	if (o->on_kernel)
		o->on_kernel(o->hook_arg, "host", kern);

finish:
	if (r->gaplen)
		fprintf(r->msg, "%s: warning: %llu gap%s in the trace (events lost): %s; results "
			"after a gap are checked only for names bound after it\n", name,
			st->gaps, st->gaps == 1 ? "" : "s", r->gapmsg);
	if (r->recording && trace_writer_finish(&r->w) && r->status < 2) {
		r->status = 2;
		snprintf(st->error, sizeof(st->error), "--record: write error");
	}
	status = r->status;
	if (!status && (st->findings || (st->leaked && !st->gaps)))
		status = 1;
out:
	sim_world_destroy(r->bw);
	for (unsigned int i = 0; i < r->nk; i++)
		rkernel_free(&r->ks[i]);
	free(r->ks);
	trace_header_release(&h);
	free(r);
	return status;
}

int replay_file(const char *path, const struct replay_opts *o, struct replay_stats *st)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct trace_parser *p;
	int ret;

	if (!f) {
		memset(st, 0, sizeof(*st));
		st->mode = st->flavour = "?";
		snprintf(st->error, sizeof(st->error), "%s: %s", path, strerror(errno));
		return 2;
	}
	p = trace_parser_new(f, path);
	ret = replay_run(p, path, o, st);
	trace_parser_free(p);
	if (f != stdin)
		fclose(f);
	return ret;
}

int replay_mem(const void *buf, size_t len, const char *name, const struct replay_opts *o,
	       struct replay_stats *st)
{
	struct trace_parser *p = trace_parser_mem(buf, len, name);
	int ret = replay_run(p, name, o, st);

	trace_parser_free(p);
	return ret;
}
