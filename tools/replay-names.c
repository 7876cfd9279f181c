// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim replay: the name maps (traces/README.md, "Names and the name maps").
 * Names (traces/README.md, "Names and the name maps"): per kernel, three
 * maps from recorded names to what the replay has: consumers (a zeroed
 * struct iommu_pasid each), PASIDs (the replayed ID, bound while live) and
 * tokens (one object per name, used as set, private data or mm). A reverse
 * map from replayed ID to the PASID name bound to it enforces the
 * bijection check.
 */
#include "replay-int.h"

/* ---- string map: name -> entry index ------------------------------------------ */

/* FNV-1a of @s, and its length in *@len. */
static uint32_t rp_hash_str(const char *s, uint32_t *len)
{
	uint32_t h = 2166136261u;
	const char *p = s;

	while (*p)
		h = (h ^ (unsigned char)*p++) * 16777619u;
	*len = p - s;
	return h;
}

/* The first @len bytes of @a and @b are equal (names are short: no call). */
static bool same_bytes(const char *a, const char *b, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Find @name (@len bytes) in @m over entries of @size bytes at @base; returns the index or -1. */
static inline __attribute__((always_inline)) long
smap_find(const struct smap *m, const void *base, size_t size, const char *name, uint32_t h,
	  uint32_t len)
{
	if (!m->cap)
		return -1;
	for (uint32_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		uint32_t s = m->slot[i];
		const struct entry_hdr *e;

		if (!s)
			return -1;
		e = (const void *)((const char *)base + (size_t)(s - 1) * size);
		if (e->hash == h && e->len == len && same_bytes(e->name, name, len))
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

static uint32_t hash_u32(uint32_t x)
{
	x *= 0x9e3779b1u;
	return x ^ (x >> 15);
}

static inline __attribute__((always_inline)) long umap_get(const struct umap *m, uint32_t k)
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

/* Delete @k from @m if it maps to @v (one probe). */
static void umap_del_if(struct umap *m, uint32_t k, uint32_t v)
{
	if (!m->cap)
		return;
	for (uint32_t i = hash_u32(k) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->val[i])
			return;
		if (m->val[i] != UMAP_DEL && m->key[i] == k) {
			if (m->val[i] == v + 1)
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

/* A new consumer named @name (hash @h, @len bytes): its index, or -1 (out of memory). */
static __attribute__((__noinline__)) long
consumer_new(struct rkernel *k, const char *name, uint32_t h, uint32_t len)
{
	struct consumer *c;

	if (vec_grow((void **)&k->c.v, &k->c.cap, k->c.n, sizeof(*k->c.v)))
		return -1;
	c = &k->c.v[k->c.n];
	memset(c, 0, sizeof(*c));	/* live, pend_*: a new consumer is none of them */
	c->name = strdup(name);
	c->h = calloc(1, sizeof(*c->h));
	if (!c->name || !c->h) {
		free(c->name);
		free(c->h);
		return -1;
	}
	c->hash = h;
	c->len = len;
	c->epoch = k->epoch;
	c->h->name = c->name;
	if (smap_insert(&k->cmap, k->c.v, sizeof(*k->c.v), k->c.n, h)) {
		free(c->name);
		free(c->h);
		return -1;
	}
	return k->c.n++;
}

long rp_consumer_get(struct rkernel *k, const char *name, bool create)
{
	uint32_t len, h = rp_hash_str(name, &len);
	long i = smap_find(&k->cmap, k->c.v, sizeof(*k->c.v), name, h, len);

	if (i >= 0 || !create)
		return i;
	return consumer_new(k, name, h, len);
}

/* A new token named @name (hash @h, @len bytes): its index, or -1 (out of memory). */
static __attribute__((__noinline__)) long
token_new(struct rkernel *k, const char *name, uint32_t h, uint32_t len)
{
	struct token *t;

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
	t->len = len;
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

static long rp_token_get(struct rkernel *k, const char *name)
{
	uint32_t len, h = rp_hash_str(name, &len);
	long i = smap_find(&k->tmap, k->t.v, sizeof(*k->t.v), name, h, len);

	return i >= 0 ? i : token_new(k, name, h, len);
}

/* A new PASID name @name (hash @h, @len bytes): its index, or -1 (out of memory). */
static __attribute__((__noinline__)) long
pasid_new(struct rkernel *k, const char *name, uint32_t h, uint32_t len)
{
	struct pasid *p;

	if (vec_grow((void **)&k->p.v, &k->p.cap, k->p.n, sizeof(*k->p.v)))
		return -1;
	p = &k->p.v[k->p.n];
	memset(p, 0, sizeof(*p));
	p->name = strdup(name);
	if (!p->name)
		return -1;
	p->hash = h;
	p->len = len;
	p->owner_c = p->owner_mm = -1;
	if (smap_insert(&k->pmap, k->p.v, sizeof(*k->p.v), k->p.n, h)) {
		free(p->name);
		return -1;
	}
	return k->p.n++;
}

long rp_pasid_get(struct rkernel *k, const char *name, bool create)
{
	uint32_t len, h = rp_hash_str(name, &len);
	long i = smap_find(&k->pmap, k->p.v, sizeof(*k->p.v), name, h, len);

	if (i >= 0 || !create)
		return i;
	return pasid_new(k, name, h, len);
}

void rp_pasid_unbind(struct rkernel *k, struct pasid *p)
{
	if (!p->bound)
		return;
	umap_del_if(&k->rev, p->id, p - k->p.v);	/* if it maps to this name */
	p->bound = false;
}

void rp_rkernel_free(struct rkernel *k)
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
	free(k->lit.key);
	free(k->lit.val);
}

/* Does a replayed name, in any kernel, hold @id? */
static bool id_held(const struct replay *r, ioasid_t id)
{
	for (unsigned int i = 0; i < r->nk; i++) {
		long e = umap_get(&r->ks[i].rev, id);

		if (e >= 0 && r->ks[i].p.v[e].bound)
			return true;
	}
	return false;
}

/*
 * The ID a numeric name no replayed name is bound to runs on: its number
 * if no replayed name holds that ID, else an ID from the top of the space
 * (LIT_TOP downwards, the same one for the same number while it is free),
 * so that it never aliases a replayed ID. Sets @moved when it is not the number.
 */
static int literal_id(struct replay *r, uint32_t v, ioasid_t *id, bool *moved)
{
	struct rkernel *k = r->k;
	long a;

	*moved = false;
	if (!id_held(r, v)) {
		*id = v;
		return 0;
	}
	*moved = true;
	a = umap_get(&k->lit, v);
	if (a >= 0 && !id_held(r, LIT_TOP - (uint32_t)a)) {
		*id = LIT_TOP - (uint32_t)a;
		return 0;
	}
	while (k->lit_next < LIT_TOP && id_held(r, LIT_TOP - k->lit_next))
		k->lit_next++;
	*id = LIT_TOP - k->lit_next;
	return umap_put(&k->lit, v, k->lit_next++);
}

/* Say that @name, numeric and unbound, is an ID the trace never allocated (or freed). */
static void unbound_warning(struct replay *r, const char *name, bool seen, bool moved,
			    ioasid_t id)
{
	const struct trace_event *ev = r->ev;

	if (++r->unbound_warned > UNBOUND_WARN_MAX)
		return;
	fprintf(r->msg, "%s:%lu: warning: %s id=%s: the trace never allocated that ID%s%s; it "
		"runs on ID %u, which no replayed name holds%s\n", r->name, r->line,
		ev ? trace_op_name(ev->op) : "op", name, seen ? " (or freed it before)" : "",
		r->k->epoch ? " (it may have been allocated in a gap)" : "", id,
		moved ? " (the replay gave its number to another name)" : "");
}

/* Resolve id=NAME: the bound ID or a literal number. -1 on input error. */
int rp_resolve_id(struct replay *r, const char *name, ioasid_t *id, long *entry,
		  bool *current)
{
	long i = rp_pasid_get(r->k, name, false);
	uint64_t v = 0;
	char *end;
	bool moved;

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
		rp_input_error(r, "PASID name '%s' is not bound (never allocated, or freed) and is "
			       "not a number", name);
		return -1;
	}
	if (literal_id(r, v, id, &moved)) {
		rp_input_error(r, "out of memory");
		return -1;
	}
	if (i < 0 || moved)
		unbound_warning(r, name, i >= 0, moved, *id);
	*entry = -1;
	*current = r->k->epoch == 0;
	return 0;
}

void *rp_token_ptr(struct replay *r, const char *name, bool as_set)
{
	long i;

	if (!name)
		return NULL;
	if (as_set && !strcmp(name, SVA_SET_TOKEN))
		return &r->k->sva_set;
	i = rp_token_get(r->k, name);
	if (i < 0)
		return NULL;
	return as_set ? (void *)&r->k->t.v[i].obj->set : (void *)r->k->t.v[i].obj;
}

const char *rp_u32_dec(char *buf, uint32_t v)
{
	char tmp[10];
	int n = 0, i = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = 0;
	return buf;
}

/*
 * Bind @name (or the decimal ID when NULL) to @id; enforce the bijection.
 * Returns the entry index, or -1 (out of memory).
 */
long rp_bind(struct replay *r, const char *name, ioasid_t id, bool check, int owner_c,
		 int owner_mm)
{
	char dec[16];
	long prev = umap_get(&r->k->rev, id), i;
	struct pasid *p;

	if (!name)
		name = rp_u32_dec(dec, id);
	i = rp_pasid_get(r->k, name, true);
	if (i < 0)
		return -1;
	if (prev >= 0 && prev != i && r->k->p.v[prev].bound) {
		struct pasid *o = &r->k->p.v[prev];

		if (check && o->epoch == r->k->epoch)
			rp_diverge(r, "replayed PASID %u is already bound to live name '%s' (now also "
				"'%s')", id, o->name, name);
		o->bound = false;
	}
	p = &r->k->p.v[i];
	rp_pasid_unbind(r->k, p);
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

void rp_note_gap(struct replay *r, const struct trace_event *ev)
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

static bool is_sva(const char *s)
{
	return s && s[0] == 's' && !strcmp(s, SVA_SET_TOKEN);
}

/* priv=sva or mm=sva: the name is reserved for the SVA set (rp_sva_misused()). */
bool rp_sva_check(struct replay *r, const struct trace_event *ev)
{
	const char *bad = is_sva(ev->priv) ? "priv" : is_sva(ev->mm) ? "mm" : NULL;

	if (bad)
		rp_input_error(r, "%s=%s: the token name '%s' is reserved for the SVA set (set=%s)",
			    bad, SVA_SET_TOKEN, SVA_SET_TOKEN, SVA_SET_TOKEN);
	return bad;
}
