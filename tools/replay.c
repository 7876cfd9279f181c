// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay engine: bare-metal traces on the core linked into the
 * program (one kernel instance, the iommu_pasid API and the ioasid API).
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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/err.h>
#include <linux/iommu-pasid.h>
#include <linux/rcupdate.h>
#include <sim/kernel.h>

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
};

struct pasid {
	char *name;
	uint32_t hash;
	ioasid_t id;
	bool bound;
	unsigned int epoch;
	int owner_c;		/* consumer index, or -1 */
	int owner_mm;		/* token index (iommu_sva_alloc_pasid), or -1 */
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
	struct replay_stats *st;
	const char *name;
	FILE *msg;
	struct rkernel k;
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
			 o->idx < r->k.t.n ? r->k.t.v[o->idx].name : "(unknown pointer)");
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
	long i = pasid_get(&r->k, name, false);
	uint64_t v = 0;
	char *end;

	if (i >= 0 && r->k.p.v[i].bound) {
		*id = r->k.p.v[i].id;
		*entry = i;
		*current = r->k.p.v[i].epoch == r->k.epoch;
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
	*current = r->k.epoch == 0;
	return 0;
}

static void *token_ptr(struct replay *r, const char *name, bool as_set)
{
	long i;

	if (!name)
		return NULL;
	i = token_get(&r->k, name);
	if (i < 0)
		return NULL;
	return as_set ? (void *)&r->k.t.v[i].obj->set : (void *)r->k.t.v[i].obj;
}

/*
 * Bind @name (or the decimal ID when NULL) to @id; enforce the bijection.
 * Returns the entry index, or -1 (out of memory).
 */
static long bind(struct replay *r, const char *name, ioasid_t id, bool check, int owner_c,
		 int owner_mm)
{
	char dec[16];
	long prev = umap_get(&r->k.rev, id), i;
	struct pasid *p;

	if (!name) {
		snprintf(dec, sizeof(dec), "%u", id);
		name = dec;
	}
	i = pasid_get(&r->k, name, true);
	if (i < 0)
		return -1;
	if (prev >= 0 && prev != i && r->k.p.v[prev].bound) {
		struct pasid *o = &r->k.p.v[prev];

		if (check && o->epoch == r->k.epoch)
			diverge(r, "replayed PASID %u is already bound to live name '%s' (now also "
				"'%s')", id, o->name, name);
		o->bound = false;
	}
	p = &r->k.p.v[i];
	pasid_unbind(&r->k, p);
	p->id = id;
	p->bound = true;
	p->epoch = r->k.epoch;
	p->owner_c = owner_c;
	p->owner_mm = owner_mm;
	if (umap_put(&r->k.rev, id, i))
		return -1;
	return i;
}

static int count_cb(ioasid_t id, void *priv, void *data)
{
	(*(long long *)data)++;
	return 0;
}

static void note_gap(struct replay *r, const struct trace_event *ev)
{
	int n;

	r->st->gaps++;
	r->k.epoch++;
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

/* Run one event; fills @g with what the replay got. */
static void run_event(struct replay *r, const struct trace_event *ev, struct got *g,
		      char *idbuf, const char **rec_id, bool *checkable)
{
	struct rkernel *k = &r->k;
	long ci = -1, pe = -1;
	bool cur_c = true, cur_id = true;
	struct consumer *c = NULL;
	ioasid_t id = 0;
	void *p;
	int ret;

	memset(g, 0, sizeof(*g));
	*rec_id = NULL;
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
		*rec_id = idbuf;
	}
	*checkable = cur_c && cur_id;

	switch (ev->op) {
	case TRACE_PASID_INIT:
		c->h->min = ev->min;
		c->h->max = ev->max;
		g->res = TRACE_RES_ERRNO;
		g->val = iommu_pasid_init(c->h);
		break;
	case TRACE_PASID_EXIT:
		iommu_pasid_exit(c->h);
		for (uint32_t i = 0; i < k->p.n; i++)
			if (k->p.v[i].bound && k->p.v[i].owner_c == ci)
				pasid_unbind(k, &k->p.v[i]);
		break;
	case TRACE_PASID_ALLOC:
		ret = iommu_pasid_alloc(c->h, ev->min, ev->max, token_ptr(r, ev->priv, false), &id);
		*checkable = cur_c && k->epoch == 0;
		if (ret) {
			g->res = TRACE_RES_ERRNO;
			g->val = ret;
		} else {
			g->res = TRACE_RES_ID;
			g->id = id;
		}
		break;
	case TRACE_PASID_FREE:
		g->res = TRACE_RES_ERRNO;
		g->val = iommu_pasid_free(c->h, id);
		if (!g->val && pe >= 0)
			pasid_unbind(k, &k->p.v[pe]);
		break;
	case TRACE_PASID_FIND:
		p = iommu_pasid_find(c->h, id);
		goto ptr_result;
	case TRACE_PASID_FOR_EACH: {
		long long n = 0;

		ret = iommu_pasid_for_each(c->h, count_cb, &n);
		if (ret) {
			g->res = TRACE_RES_ERRNO;
			g->val = ret;
		} else {
			g->res = TRACE_RES_COUNT;
			g->val = n;
		}
		break;
	}
	case TRACE_IOASID_ALLOC:
		id = ioasid_alloc(token_ptr(r, ev->set, true), ev->min, ev->max,
				  token_ptr(r, ev->priv, false));
		*checkable = k->epoch == 0;
		if (id == INVALID_IOASID) {
			g->res = TRACE_RES_INVALID;
		} else {
			g->res = TRACE_RES_ID;
			g->id = id;
		}
		break;
	case TRACE_IOASID_FREE:
		ioasid_free(id);
		if (pe >= 0) {
			struct pasid *pp = &k->p.v[pe];

			if (pp->owner_mm >= 0 && (uint32_t)pp->owner_mm < k->t.n &&
			    k->t.v[pp->owner_mm].obj->mm_pasid == id)
				k->t.v[pp->owner_mm].obj->mm_pasid = INVALID_IOASID;
			pasid_unbind(k, pp);
		}
		break;
	case TRACE_IOASID_FIND:
		p = ioasid_find(token_ptr(r, ev->set, true), id, NULL);
		goto ptr_result;
	case TRACE_IOASID_SET_DATA:
		g->res = TRACE_RES_ERRNO;
		g->val = ioasid_set_data(id, token_ptr(r, ev->priv, false));
		break;
	case TRACE_SVA_ALLOC: {
		struct tokobj *mm = token_ptr(r, ev->mm, false);

		*checkable = k->epoch == 0;
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
			id = ioasid_alloc(&k->sva_set, ev->min, ev->max, mm);
			if (id == INVALID_IOASID) {
				g->val = -ENOMEM;
			} else {
				mm->mm_pasid = id;
				g->res = TRACE_RES_ID;
				g->id = id;
			}
		}
		break;
	}
	case TRACE_GAP:
		note_gap(r, ev);
		break;
	default:
		input_error(r, "%s is not supported on bare metal", trace_op_name(ev->op));
		break;
	}
	return;
ptr_result:
	if (IS_ERR(p)) {
		g->res = TRACE_RES_ERRNO;
		g->val = PTR_ERR(p);
	} else if (!p) {
		g->res = TRACE_RES_NULL;
	} else {
		g->res = TRACE_RES_TOKEN;
		g->ptr = p;
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
			ev->op == TRACE_SVA_ALLOC;
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
			prev = pasid_get(&r->k, name, false);
		if (ev->op == TRACE_SVA_ALLOC && prev >= 0 && r->k.p.v[prev].bound &&
		    r->k.p.v[prev].id == g->id) {
			/* the mm's existing PASID, already bound to this name */
		} else {
			if (ev->op == TRACE_PASID_ALLOC)
				owner_c = consumer_get(&r->k, ev->c, false);
			if (ev->op == TRACE_SVA_ALLOC)
				owner_mm = ((struct tokobj *)token_ptr(r, ev->mm, false))->idx;
			e = bind(r, name, g->id, r->o->check && checkable, owner_c, owner_mm);
			if (e < 0)
				input_error(r, "out of memory");
		}
		snprintf(resbuf, 16, "%u", g->id);
		*res_name = resbuf;
		return;
	}
	if (g->res == TRACE_RES_TOKEN) {
		struct tokobj *o = g->ptr;

		*res_name = o->magic == TOKEN_MAGIC && o->idx < r->k.t.n ?
			    r->k.t.v[o->idx].name : "unknown";
	}
	if (!check || ev->res == TRACE_RES_NONE)
		return;
	if (ev->res != g->res ||
	    ((g->res == TRACE_RES_ERRNO || g->res == TRACE_RES_COUNT) && ev->res_val != g->val) ||
	    (g->res == TRACE_RES_TOKEN && token_ptr(r, ev->res_name, false) != g->ptr))
		diverge(r, "%s returned %s, the trace recorded %s", trace_op_name(ev->op),
			got_str(r, g, a, sizeof(a)), rec_str(ev, b, sizeof(b)));
	(void)is_alloc;
}

static void record_event(struct replay *r, const struct trace_event *ev, const struct got *g,
			 const char *rec_id, const char *res_name)
{
	struct trace_event out = *ev;
	bool is_alloc = ev->op == TRACE_PASID_ALLOC || ev->op == TRACE_IOASID_ALLOC ||
			ev->op == TRACE_SVA_ALLOC;
	int e;

	if (is_alloc)
		out.id = NULL;
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

/* Lockstat runs on the trace's virtual time: deterministic, and no clock calls. */
static uint64_t replay_vtime;

static u64 replay_clock(void *arg)
{
	return replay_vtime;
}

static int replay_run(struct trace_parser *tp, const char *name, const struct replay_opts *o,
		      struct replay_stats *st)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct trace_header h;
	struct trace_event ev;
	struct timespec t0, t1;
	struct sim_kernel *kern;
	struct sim_slab_stats slab;
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
	st->mode = trace_mode_name(h.mode);
	st->flavour = trace_flavour_name(h.flavour_host);
	st->seed = h.seed;
	if (h.mode == TRACE_VMS) {
		snprintf(st->error, sizeof(st->error), "%s: multi-VM replay (vms %u) is not yet "
			 "supported: it needs the world (sim/world), which this build does not "
			 "integrate yet", name, h.nr_vms);
		trace_header_release(&h);
		free(r);
		return 2;
	}
	if (strcmp(st->flavour, PASIDSIM_FLAVOUR)) {
		if (!o->any_flavour) {
			snprintf(st->error, sizeof(st->error), "%s: the trace wants allocator flavour "
				 "%s on the host, this pasidsim links %s (build with "
				 "-DPASIDSIM_ALLOCATOR=%s, or pass --any-flavour)", name,
				 st->flavour, PASIDSIM_FLAVOUR, st->flavour);
			trace_header_release(&h);
			free(r);
			return 2;
		}
		fprintf(r->msg, "%s: warning: the trace wants flavour %s, replaying on %s\n", name,
			st->flavour, PASIDSIM_FLAVOUR);
	}
	if (o->record) {
		if (trace_writer_start(&r->w, o->record, &h)) {
			snprintf(st->error, sizeof(st->error), "--record: cannot write the header");
			trace_header_release(&h);
			free(r);
			return 2;
		}
		r->recording = true;
	}

	kern = sim_kernel_create("replay-host");
	sim_kernel_enter(kern);
	replay_vtime = 0;
	sim_clock_set(replay_clock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char idbuf[16], resbuf[16];
		const char *rec_id, *res_name;
		bool checkable;
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
		replay_vtime = ev.time;
		run_event(r, &ev, &g, idbuf, &rec_id, &checkable);
		if (r->status == 2)
			break;
		if (ev.op != TRACE_GAP) {
			st->ops++;
			if (is_error(&g))
				st->errors++;
		}
		settle(r, &ev, &g, checkable, resbuf, &res_name);
		if (r->status == 2)
			break;
		if (r->recording)
			record_event(r, &ev, &g, rec_id, res_name);
		if (r->status == 1 && st->div_line)
			break;
		if ((st->ops & 1023) == 0)
			sim_rcu_quiescent();
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->wall_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	/* teardown: every consumer exits, every raw ID still bound is freed */
	for (uint32_t i = 0; i < r->k.c.n; i++)
		iommu_pasid_exit(r->k.c.v[i].h);
	for (uint32_t i = 0; i < r->k.p.n; i++)
		if (r->k.p.v[i].bound && r->k.p.v[i].owner_c < 0)
			ioasid_free(r->k.p.v[i].id);
	rcu_barrier();
	st->findings = sim_findings_count(kern, -1);
	if (st->findings)
		sim_findings_print(kern, r->msg);
	sim_slab_stats(kern, &slab);
	st->leaked = slab.live_objects;
	if (st->leaked && !st->gaps)
		sim_slab_report_leaks(kern, r->msg);
	sim_kernel_enter(NULL);
	sim_kernel_destroy(kern);
	sim_clock_set(NULL, NULL);

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
	rkernel_free(&r->k);
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
