// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim traces: the streaming parser (format: traces/README.md). Header
 * keys, per-VM keys and event arguments are parsed by walking the
 * descriptor tables of trace.c (trace-int.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace-int.h"
#include "trace-parse-int.h"


/* A hash of an argument name's word (p->arg_word) for p->arg_slot: none collide today. */
#define ARG_HASH(word)	((unsigned int)(((word) * 0x63ca828dd5f4b3b3ull) >> 58))

/* A hash of an op name (@len >= 1 bytes) for p->op_head: few collisions among the ops. */
static unsigned int op_hash(const char *s, unsigned int len)
{
	return (len * 26 + (unsigned char)s[len - 1] + (unsigned char)s[len / 2] * 2) & 63;
}

static struct trace_parser *parser_alloc(const char *name)
{
	struct trace_parser *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	memset(p->op_head, -1, sizeof(p->op_head));
	for (int i = TRACE_OP__NR - 1; i >= 0; i--) {
		unsigned int h = op_hash(trace_ops[i].name, trace_ops[i].len);

		p->op_next[i] = p->op_head[h];
		p->op_head[h] = i;
	}
	memset(p->arg_slot, -1, sizeof(p->arg_slot));
	p->arg_hashed = true;
	for (int a = 0; a < ARG__NR; a++) {
		if (trace_args[a].len >= 8)
			continue;
		memcpy(&p->arg_word[a], trace_args[a].name, trace_args[a].len);
		if (p->arg_slot[ARG_HASH(p->arg_word[a])] >= 0)
			p->arg_hashed = false;	/* a collision: arg_find() walks the mask */
		p->arg_slot[ARG_HASH(p->arg_word[a])] = a;
	}
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "<trace>");
	return p;
}

struct trace_parser *trace_parser_new(FILE *f, const char *name)
{
	struct trace_parser *p = parser_alloc(name);

	if (!p)
		return NULL;
	p->f = f;
	p->buf = malloc(READ_CHUNK);
	if (!p->buf) {
		free(p);
		return NULL;
	}
	return p;
}

struct trace_parser *trace_parser_mem(const void *buf, size_t len, const char *name)
{
	struct trace_parser *p = parser_alloc(name);

	if (!p)
		return NULL;
	p->mem = buf;
	p->mem_len = len;
	return p;
}

void trace_parser_free(struct trace_parser *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p->vm_set);
	free(p);
}

const char *trace_parser_error(const struct trace_parser *p)
{
	return p->failed ? p->err : NULL;
}

unsigned long trace_parser_line(const struct trace_parser *p)
{
	return p->lineno;
}

unsigned long trace_parser_gaps(const struct trace_parser *p)
{
	return p->gaps;
}

/* ---- errors ------------------------------------------------------------------- */

int fail_at(struct trace_parser *p, unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return -1;
	p->failed = true;
	n = snprintf(p->err, sizeof(p->err), "%s:%lu:%u: ", p->name, p->lineno, col);
	if (n < 0 || (size_t)n >= sizeof(p->err))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(p->err + n, sizeof(p->err) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* "expected WHAT, got 'TOKEN'" at the token. */
static int expected(struct trace_parser *p, const struct token *t, const char *what)
{
	char q[200];

	trace_quote(q, sizeof(q), t->s, t->len);
	return fail_at(p, t->col, "expected %s, got '%s'", what, q);
}

static int expected_end(struct trace_parser *p, const char *what)
{
	return fail_at(p, p->line_len + 1, "expected %s, got end of line", what);
}

/* ---- values ------------------------------------------------------------------- */

/* A number in [@min, @max] at @t, else "expected WHAT". */
static int tok_range(struct trace_parser *p, const struct token *t, uint64_t min, uint64_t max,
		     const char *what, uint64_t *out)
{
	if (!parse_u64(t->s, t->len, out) || *out < min || *out > max)
		return expected(p, t, what);
	return 0;
}

static int tok_enum(struct trace_parser *p, const struct token *t, const char *const *names,
		    unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(t->s, names[i]))
			return i;
	return expected(p, t, what);
}

/* The value at @t of field @k of @base (a header or a VM). */
static int field_value(struct trace_parser *p, void *base, const struct trace_field *k,
		       const struct token *t)
{
	uint64_t n;
	int e;

	if (k->type == TF_ENUM) {
		e = tok_enum(p, t, k->names, k->nnames, k->what);
		if (e < 0)
			return -1;
		n = e;
	} else if (tok_range(p, t, k->min, k->max, k->what, &n)) {
		return -1;
	}
	trace_field_set(base, k, n);
	return 0;
}

static int want_ntok(struct trace_parser *p, unsigned int n, const char *what)
{
	if (p->ntok < n)
		return expected_end(p, what);
	if (p->ntok > n)
		return expected(p, &p->tok[n], "end of line");
	return 0;
}

/* ---- header ---------------------------------------------------------------------- */

typedef int (*hkey_fn)(struct trace_parser *p, struct trace_header *h,
		       const struct trace_field *k);

static int hk_field(struct trace_parser *p, struct trace_header *h, const struct trace_field *k)
{
	if (want_ntok(p, 2, k->what))
		return -1;
	return field_value(p, h, k, &p->tok[1]);
}

static int hk_vms(struct trace_parser *p, struct trace_header *h, const struct trace_field *k)
{
	uint64_t n;

	if (want_ntok(p, 2, k->what) || tok_range(p, &p->tok[1], k->min, k->max, k->what, &n))
		return -1;
	h->vms = calloc(n, sizeof(*h->vms));
	p->vm_set = calloc(n, 1);
	if (!h->vms || !p->vm_set)
		return fail_at(p, 1, "out of memory");
	h->nr_vms = n;
	return 0;
}

/* One "key=value" of a vm line, for VM @idx. */
static int vm_setting(struct trace_parser *p, struct trace_header *h, unsigned int idx,
		      struct token *t)
{
	char *eq = memchr(t->s, '=', t->len);
	struct token val;
	char list[128];
	int vk = -1;

	for (int j = 0; eq && j < TRACE_NR_VMKEYS; j++)
		if (strlen(trace_vmkeys[j].name) == (size_t)(eq - t->s) &&
		    !memcmp(t->s, trace_vmkeys[j].name, eq - t->s))
			vk = j;
	if (vk >= 0 && (trace_vmkeys[vk].flags & HKF_V4) && h->version < TRACE_VERSION_SCHEDULE)
		vk = -1;	/* a version 4 key in an older trace */
	if (vk < 0)
		return expected(p, t, trace_vmkey_list(list, sizeof(list), h->version));
	if (p->vm_set[idx] & (1u << vk))
		return expected(p, t, "each VM key at most once");
	p->vm_set[idx] |= 1u << vk;
	val.s = eq + 1;
	val.len = t->len - (eq - t->s) - 1;
	val.col = t->col + (eq - t->s) + 1;
	return field_value(p, &h->vms[idx], &trace_vmkeys[vk], &val);
}

static int hk_vm(struct trace_parser *p, struct trace_header *h, const struct trace_field *k)
{
	uint64_t idx;

	if (p->ntok < 3)
		return expected_end(p, "'vm N key=value...'");
	if (!h->nr_vms)
		return fail_at(p, p->tok[0].col, "expected 'vms N' before 'vm' lines");
	if (tok_range(p, &p->tok[1], 0, h->nr_vms - 1, "a VM index below vms", &idx))
		return -1;
	for (unsigned int i = 2; i < p->ntok; i++)
		if (vm_setting(p, h, idx, &p->tok[i]))
			return -1;
	return 0;
}

static int hk_meta(struct trace_parser *p, struct trace_header *h, const struct trace_field *k)
{
	const struct token *v = &p->tok[1];
	char tmp[TRACE_MAX_LINE + 1];
	size_t o = 0;
	int e;

	if (p->ntok < 2)
		return expected_end(p, "a meta name");
	if (!is_name(v->s, v->len))
		return expected(p, v, "a meta name");
	/* The value: the remaining tokens joined by single spaces. */
	for (unsigned int i = 2; i < p->ntok; i++) {
		if (o)
			tmp[o++] = ' ';
		memcpy(tmp + o, p->tok[i].s, p->tok[i].len);
		o += p->tok[i].len;
	}
	tmp[o] = 0;
	e = trace_header_add_meta(h, v->s, tmp);
	if (e == -ENOMEM)
		return fail_at(p, 1, "out of memory");
	if (e)
		return fail_at(p, v->col, "expected at most %d meta lines", TRACE_MAX_META);
	return 0;
}

static int hk_events(struct trace_parser *p, struct trace_header *h, const struct trace_field *k)
{
	return want_ntok(p, 1, "nothing after 'events'");
}

/* "viommu N key=value...": the knobs of vIOMMU N of every VM (version 5). */
static int hk_viommu(struct trace_parser *p, struct trace_header *h,
		     const struct trace_field *k)
{
	unsigned int given = 0;
	struct trace_viommu *v;
	uint64_t idx;

	if (p->ntok < 3)
		return expected_end(p, "'viommu N key=value...'");
	if (tok_range(p, &p->tok[1], 0, TRACE_MAX_VTD_SLOTS - 1, "a vIOMMU index (0-7)", &idx))
		return -1;
	v = &h->viommu[idx];
	if (v->set)
		return expected(p, &p->tok[1], "each vIOMMU index at most once");
	*v = (struct trace_viommu){ .set = true, .vcs = true };
	for (unsigned int i = 2; i < p->ntok; i++) {
		struct token *t = &p->tok[i], val;
		char *eq = memchr(t->s, '=', t->len);
		int vk = -1;

		for (int j = 0; eq && j < TRACE_NR_VIOMMUKEYS; j++)
			if (strlen(trace_viommukeys[j].name) == (size_t)(eq - t->s) &&
			    !memcmp(t->s, trace_viommukeys[j].name, eq - t->s))
				vk = j;
		if (vk < 0)
			return expected(p, t, "a vIOMMU key (pss, vcs, pas)");
		if (given & (1u << vk))
			return expected(p, t, "each vIOMMU key at most once");
		given |= 1u << vk;
		val = (struct token){ .s = eq + 1, .len = t->len - (eq - t->s) - 1,
				      .col = t->col + (eq - t->s) + 1 };
		if (field_value(p, v, &trace_viommukeys[vk], &val))
			return -1;
	}
	v->given = given;	/* header_finish: the others from the header */
	return 0;
}

static const hkey_fn hkey_parse[HKIND__NR] = {
	[HKIND_FIELD] = hk_field,
	[HKIND_VMS] = hk_vms,
	[HKIND_VM] = hk_vm,
	[HKIND_META] = hk_meta,
	[HKIND_EVENTS] = hk_events,
	[HKIND_VIOMMU] = hk_viommu,
};

/* "pasidsim-trace N": the version into @h. */
static int header_magic(struct trace_parser *p, struct trace_header *h)
{
	uint64_t v;
	int r = trace_parser_next_tokens(p);

	if (r <= 0)
		return r ? -1 : fail_at(p, 1, "expected '" TRACE_MAGIC " 1', got an empty file");
	if (strcmp(p->tok[0].s, TRACE_MAGIC))
		return expected(p, &p->tok[0], "'" TRACE_MAGIC " 1' (not a pasidsim trace?)");
	if (p->ntok < 2)
		return expected_end(p, "a version number");
	if (!parse_u64(p->tok[1].s, p->tok[1].len, &v) || !v)
		return expected(p, &p->tok[1], "a version number");
	if (v > TRACE_VERSION)
		return fail_at(p, p->tok[1].col,
			       "trace version %" PRIu64 " is newer than this pasidsim understands "
			       "(%d); expected version %d", v, TRACE_VERSION, TRACE_VERSION);
	if (want_ntok(p, 2, "a version number"))
		return -1;
	h->version = v;
	return 0;
}

/* One header line: 1 after 'events', 0 for another key, -1 on error. */
static int header_line(struct trace_parser *p, struct trace_header *h, uint64_t *seen)
{
	const struct trace_field *k;
	char list[1024];
	int r = trace_parser_next_tokens(p), i;

	if (r < 0)
		return -1;
	if (!r)
		return fail_at(p, 1, "expected a header line or 'events', got end of file");
	i = trace_hkey_lookup(p->tok[0].s);
	if (i < 0)
		return expected(p, &p->tok[0], trace_hkey_list(list, sizeof(list), h->version));
	k = &trace_hkeys[i];
	if (!(k->flags & HKF_REPEAT) && (*seen & (1ull << i)))
		return expected(p, &p->tok[0], "each header key at most once");
	if ((k->flags & HKF_FAULT) && h->version < TRACE_VERSION_FAULTS)
		return expected(p, &p->tok[0], "a version 1 header key (fault keys need "
				"'" TRACE_MAGIC " 2')");
	if ((k->flags & HKF_V4) && h->version < TRACE_VERSION_SCHEDULE)
		return expected(p, &p->tok[0], "a header key of this version ('schedule' needs "
				"'" TRACE_MAGIC " 4')");
	if ((k->flags & HKF_V5) && h->version < TRACE_VERSION_KNOBS)
		return expected(p, &p->tok[0], "a header key of this version ('viommu', "
				"'replug' and 'vcmd-timeout-ms' need '" TRACE_MAGIC " 5')");
	*seen |= 1ull << i;
	if (hkey_parse[k->kind](p, h, k))
		return -1;
	return k->kind == HKIND_EVENTS;
}

/* Does @seen hold a key with one of @flags? */
static bool seen_flags(uint64_t seen, unsigned int flags)
{
	for (int k = 0; k < TRACE_NR_HKEYS; k++)
		if ((seen & (1ull << k)) && (trace_hkeys[k].flags & flags))
			return true;
	return false;
}

/* The whole header read: what it must and must not have; VM defaults. */
static int header_finish(struct trace_parser *p, struct trace_header *h, uint64_t seen)
{
	if (!(seen & (1ull << trace_hkey_lookup("mode"))))
		return fail_at(p, 1, "expected a 'mode' line in the header");
	if (h->mode == TRACE_BARE_METAL && seen_flags(seen, HKF_PER_VM))
		return fail_at(p, 1, "expected no VM keys (vms, vcpus, viommus, pv, flavour-guest, "
			       "quota-default, %s%svm) in a bare-metal header",
			       h->version >= TRACE_VERSION_SCHEDULE ?
			       "schedule, vm-boot, sched-preempt, " : "",
			       h->version >= TRACE_VERSION_KNOBS ? "replug, viommu, vcmd-timeout-ms, " : "");
	if (h->mode == TRACE_BARE_METAL && seen_flags(seen, HKF_FAULT))
		return fail_at(p, 1, "expected no fault keys (vtd-*, virtio-* knobs of the devices) "
			       "in a bare-metal header");
	if (h->mode == TRACE_VMS && !h->nr_vms)
		return fail_at(p, 1, "expected a 'vms N' line in a vms header");
	for (unsigned int d = 0; d < TRACE_MAX_VTD_SLOTS; d++) {
		struct trace_viommu *v = &h->viommu[d];

		if (v->set && !(v->given & 1))
			v->pss = h->vtd_pss;
		if (v->set && !(v->given & 4))
			v->pas = h->vtd_vccap_pas;
	}
	for (unsigned int i = 0; i < h->nr_vms; i++) {
		for (int k = 0; k < TRACE_NR_VMKEYS; k++) {
			struct trace_field dflt = trace_vmkeys[k];

			if (p->vm_set[i] & (1u << k))
				continue;
			dflt.off = dflt.dflt_off;
			trace_field_set(&h->vms[i], &trace_vmkeys[k], trace_field_get(h, &dflt));
		}
	}
	return 0;
}

int trace_parser_header(struct trace_parser *p, struct trace_header *h)
{
	uint64_t seen = 0;
	int r;

	trace_header_init(h);
	if (p->failed || header_magic(p, h))
		return -1;
	do {
		r = header_line(p, h, &seen);
		if (r < 0)
			return -1;
	} while (!r);
	if (header_finish(p, h, seen))
		return -1;
	p->h = h;
	p->header_done = true;
	return 0;
}

/* ---- events ---------------------------------------------------------------------- */

static int op_lookup(const struct trace_parser *p, const struct token *t)
{
	for (int i = p->op_head[op_hash(t->s, t->len)]; i >= 0; i = p->op_next[i])
		if (trace_ops[i].len == t->len && !memcmp(trace_ops[i].name, t->s, t->len))
			return i;
	return -1;
}

/* The argument named by @s (@len bytes) among those in @mask, or -1. */
static int arg_lookup(const char *s, size_t len, unsigned int mask)
{
	while (mask) {
		int a = __builtin_ctz(mask);

		mask &= mask - 1;
		if (trace_args[a].len == len && trace_args[a].name[0] == s[0] &&
		    !memcmp(trace_args[a].name, s, len))
			return a;
	}
	return -1;
}

static void list_args(char *out, size_t len, unsigned int mask)
{
	size_t o = 0;

	out[0] = 0;
	for (int a = 0; a < ARG__NR && o < len; a++)
		if (mask & (1u << a))
			o += snprintf(out + o, len - o, "%s%s=", o ? ", " : "", trace_args[a].name);
	if (!o)
		snprintf(out, len, "no arguments");
}

/* "expected a kernel ('host' or 'vm0'..'vmN')" at @t. */
static __attribute__((noinline, cold)) int kernel_error(struct trace_parser *p,
							const struct token *t)
{
	char what[160];

	snprintf(what, sizeof(what), p->h->nr_vms ? "a kernel ('host' or 'vm0'..'vm%u')" :
		 "a kernel ('host'; this trace has no VMs)", p->h->nr_vms - 1);
	return expected(p, t, what);
}

/* The kernel token: *ncpu gets its CPU count. */
static int parse_kernel(struct trace_parser *p, struct trace_event *ev, unsigned int *ncpu)
{
	const struct token *t = &p->tok[1];
	uint64_t v;

	if (t->len == 4 && !memcmp(t->s, "host", 4)) {
		ev->kernel = TRACE_HOST;
		*ncpu = p->h->host_cpus;
		return 0;
	}
	if (t->len > 2 && t->len < 8 && t->s[0] == 'v' && t->s[1] == 'm' &&
	    t->s[2] >= '0' && t->s[2] <= '9' && (t->s[2] != '0' || t->len == 3) &&
	    parse_u64(t->s + 2, t->len - 2, &v) && v < p->h->nr_vms) {
		ev->kernel = v;
		*ncpu = p->h->vms[v].vcpus;
		return 0;
	}
	return kernel_error(p, t);
}

/* Time, kernel, CPU and operation: the op, or -1. */
/* "expected a CPU number below N" or "expected an operation (list)" at @t. */
static __attribute__((noinline, cold)) int prefix_error(struct trace_parser *p,
							const struct token *t, bool cpu,
							unsigned int ncpu)
{
	char what[1024];

	if (cpu)
		snprintf(what, sizeof(what), "a CPU number below %u", ncpu);
	else
		trace_op_list(what, sizeof(what), p->h->version);
	return expected(p, t, what);
}

static int parse_prefix(struct trace_parser *p, struct trace_event *ev)
{
	const struct token *t = &p->tok[0];
	unsigned int ncpu = 0;
	uint64_t v;
	int op;

	if (tok_range(p, t, 0, UINT64_MAX, "a time in ns (u64)", &ev->time))
		return -1;
	if (ev->time < p->last_time)
		return fail_at(p, t->col, "expected a time >= %" PRIu64 " (times never go back), "
			       "got %" PRIu64, p->last_time, ev->time);
	if (p->ntok < 2)
		return expected_end(p, "a kernel ('host' or 'vmN')");
	if (parse_kernel(p, ev, &ncpu))
		return -1;
	if (p->ntok < 3)
		return expected_end(p, "a CPU number");
	t = &p->tok[2];
	if (!parse_u64(t->s, t->len, &v) || v >= ncpu)
		return prefix_error(p, t, true, ncpu);
	ev->cpu = v;
	if (p->ntok < 4)
		return expected_end(p, "an operation");
	op = op_lookup(p, &p->tok[3]);
	if (op < 0)
		return prefix_error(p, &p->tok[3], false, 0);
	if (trace_ops[op].vm_only && ev->kernel == TRACE_HOST)
		return fail_at(p, p->tok[1].col, "expected a VM kernel for %s, got 'host'",
			       trace_ops[op].name);
	if (trace_ops[op].host_only && ev->kernel != TRACE_HOST)
		return fail_at(p, p->tok[1].col, "expected 'host' for %s, got vm%d",
			       trace_ops[op].name, ev->kernel);
	if (trace_ops[op].version > p->h->version)	/* 0 is 1, never above */
		return fail_at(p, p->tok[3].col, "%s needs trace format version %u; this trace "
			       "is version %u", trace_ops[op].name, trace_op_version(op),
			       p->h->version);
	ev->op = op;
	return op;
}

static void set_ptr(struct trace_event *ev, unsigned int off, const char *s)
{
	memcpy((char *)ev + off, &s, sizeof(s));
}

/* A vIOMMU index of VM @ev->kernel at @v into *@n, else "expected a vIOMMU index below N". */
static __attribute__((noinline)) int viommu_value(struct trace_parser *p,
						  const struct trace_event *ev,
						  const struct token *v, uint64_t *n)
{
	uint64_t max = p->h->vms[ev->kernel].viommus - 1;
	char what[64];

	snprintf(what, sizeof(what), "a vIOMMU index below %u", (unsigned int)max + 1);
	return tok_range(p, v, 0, max, what, n);
}

/* The value @v of argument @a. */
static int arg_value(struct trace_parser *p, struct trace_event *ev, int a,
		     const struct token *v)
{
	const struct trace_argdesc *d = &trace_args[a];
	const char *what = d->what;
	unsigned int u;
	uint64_t n;
	bool yes = true;

	if (d->type == TA_TOKEN && v->len == 4 && !memcmp(v->s, "null", 4)) {
		set_ptr(ev, d->off, NULL);
		return 0;
	}
	if (d->type == TA_KEYS) {
		if (trace_keys_parse(v->s, v->len, NULL, 0) < 0)
			return expected(p, v, d->what);
		set_ptr(ev, d->off, v->s);
		return 0;
	}
	if (d->type == TA_NAME || d->type == TA_TOKEN) {
		if (!is_name(v->s, v->len))
			return expected(p, v, d->what);
		set_ptr(ev, d->off, v->s);
		return 0;
	}
	if (d->type == TA_VIOMMU ? viommu_value(p, ev, v, &n) : tok_range(p, v, 0, d->max, what, &n))
		return -1;
	if (d->type == TA_WIDTH && n != 4 && n != 8)
		return expected(p, v, what);
	if (d->type == TA_U64 || d->type == TA_HEX) {
		memcpy((char *)ev + d->off, &n, sizeof(n));
	} else {
		u = n;
		memcpy((char *)ev + d->off, &u, sizeof(u));
	}
	if (d->present_off)
		memcpy((char *)ev + d->present_off, &yes, sizeof(yes));
	return 0;
}

/* One "name=value" argument of op @d; @seen collects the arguments. */
/* The error of argument @t of op @d: an unknown one (@a < 0), else a repeated one. */
static __attribute__((noinline, cold)) int arg_error(struct trace_parser *p, const struct trace_opdesc *d,
			      const struct token *t, unsigned int seen, int a)
{
	char what[160], list[128];

	if (a < 0) {
		list_args(list, sizeof(list), (d->required | d->optional) & ~seen);
		snprintf(what, sizeof(what), "%s for %s, or '= RESULT'", list, d->name);
	} else {
		snprintf(what, sizeof(what), "%s= only once", trace_args[a].name);
	}
	return expected(p, t, what);
}

/*
 * The argument "NAME=..." at @t among those in @mask: its index, -1 if
 * unknown (or not the op's); *eq gets the '=' (or NULL). Names of up to 7
 * bytes are compared as one word with p->arg_word (the line has room for a
 * word read past any token); longer ones are compared byte by byte.
 */
static int arg_find(const struct trace_parser *p, const struct token *t, unsigned int mask,
		    char **eq)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, x, at;
	char *e = t->s, *end = t->s + t->len;

	memcpy(&w, t->s, sizeof(w));
	x = w ^ (ones * '=');
	at = ~(((x & ~high) + ones * 0x7f) | x) & high;	/* exact: the bytes equal to '=' */
	if (at && __builtin_ctzll(at) / 8 < t->len) {
		unsigned int k = __builtin_ctzll(at) / 8;
		uint64_t name = k ? w & (~0ull >> (64 - 8 * k)) : 0;

		*eq = t->s + k;
		if (p->arg_hashed) {
			int a = name ? p->arg_slot[ARG_HASH(name)] : -1;

			return a >= 0 && p->arg_word[a] == name && (mask >> a) & 1 ? a : -1;
		}
		while (mask) {
			int a = __builtin_ctz(mask);

			mask &= mask - 1;
			if (p->arg_word[a] == name && name)
				return a;
		}
		return -1;
	}
	while (e < end && *e != '=')
		e++;
	*eq = e < end ? e : NULL;
	return e < end ? arg_lookup(t->s, e - t->s, mask) : -1;
}

static int parse_arg(struct trace_parser *p, struct trace_event *ev,
		     const struct trace_opdesc *d, const struct token *t, unsigned int *seen)
{
	struct token v;
	char *eq;
	/* Only the op's own arguments are looked for: any other is the same error. */
	int a = arg_find(p, t, d->required | d->optional, &eq);

	if (a < 0 || (*seen & (1u << a)))
		return arg_error(p, d, t, *seen, a);
	*seen |= 1u << a;
	v.s = eq + 1;
	v.len = t->len - (v.s - t->s);
	v.col = t->col + (v.s - t->s);
	return arg_value(p, ev, a, &v);
}

/* The result token @t of op @d. */
static int parse_result(struct trace_parser *p, struct trace_event *ev,
			const struct trace_opdesc *d, const struct token *t)
{
	uint64_t v;

	if (t->s[0] == '-' || (d->results == R(ERRNO) && t->len == 1 && t->s[0] == '0')) {
		if (!(d->results & R(ERRNO)) || trace_parse_errno(t->s, t->len, &ev->res_val) ||
		    (ev->res_val == 0 && (d->results & ~R(ERRNO))))
			return expected(p, t, d->result_what);
		ev->res = TRACE_RES_ERRNO;
	} else if ((d->results & R(NULL)) && t->len == 4 && !memcmp(t->s, "null", 4)) {
		ev->res = TRACE_RES_NULL;
	} else if ((d->results & R(INVALID)) && t->len == 7 && !memcmp(t->s, "invalid", 7)) {
		ev->res = TRACE_RES_INVALID;
	} else if (d->results & R(VALUE)) {
		if (!trace_parse_u64(t->s, t->len, &v))
			return expected(p, t, d->result_what);
		ev->res = TRACE_RES_VALUE;
		ev->res_val = (long long)v;
	} else if (d->results & R(COUNT)) {
		if (!parse_u64(t->s, t->len, &v) || v > UINT32_MAX)
			return expected(p, t, d->result_what);
		ev->res = TRACE_RES_COUNT;
		ev->res_val = v;
	} else if ((d->results & (R(ID) | R(TOKEN))) && is_name(t->s, t->len)) {
		ev->res = d->results & R(ID) ? TRACE_RES_ID : TRACE_RES_TOKEN;
		ev->res_name = t->s;
	} else {
		return expected(p, t, d->result_what);
	}
	return 0;
}

/* "expected ARGS for OP" at token @i (or the end of the line): required arguments missing. */
static __attribute__((noinline, cold)) int missing_args(struct trace_parser *p,
							const struct trace_opdesc *d,
							unsigned int i, unsigned int seen)
{
	char what[160], list[128];

	list_args(list, sizeof(list), d->required & ~seen);
	snprintf(what, sizeof(what), "%s for %s", list, d->name);
	if (i < p->ntok)
		return expected(p, &p->tok[i], what);
	return expected_end(p, what);
}

/* "expected the result to repeat id=ID" at @t. */
static __attribute__((noinline, cold)) int result_not_id(struct trace_parser *p,
							 const struct trace_event *ev,
							 const struct token *t)
{
	char what[160];

	snprintf(what, sizeof(what), "the result to repeat id=%.64s", ev->id);
	return expected(p, t, what);
}

/* From token @i: "= RESULT" or the end of the line. */
static int parse_tail(struct trace_parser *p, struct trace_event *ev,
		      const struct trace_opdesc *d, unsigned int i, unsigned int seen)
{
	if ((seen & d->required) != d->required)
		return missing_args(p, d, i, seen);
	if (i == p->ntok)
		return 0;
	if (!d->results)
		return expected(p, &p->tok[i], "end of line (this op returns nothing)");
	if (i + 1 >= p->ntok)
		return expected_end(p, "a result after '='");
	if (i + 2 < p->ntok)
		return expected(p, &p->tok[i + 2], "end of line after the result");
	if (parse_result(p, ev, d, &p->tok[i + 1]))
		return -1;
	if (ev->id && ev->res == TRACE_RES_ID && (d->optional & A(ID)) &&
	    strcmp(ev->id, ev->res_name))
		return result_not_id(p, ev, &p->tok[i + 1]);
	return 0;
}

int trace_parser_next(struct trace_parser *p, struct trace_event *ev)
{
	const struct trace_opdesc *d;
	unsigned int seen = 0, i;
	int r, op;

	if (p->failed || !p->header_done)
		return p->failed ? -1 : fail_at(p, 1, "expected the header to be read first");
	r = trace_parser_next_tokens(p);
	if (r <= 0)
		return r;
	*ev = (struct trace_event){ 0 };
	op = parse_prefix(p, ev);
	if (op < 0)
		return -1;
	d = &trace_ops[op];
	for (i = 4; i < p->ntok; i++) {
		const struct token *t = &p->tok[i];

		if (t->len == 1 && t->s[0] == '=')
			break;
		if (parse_arg(p, ev, d, t, &seen))
			return -1;
	}
	if (parse_tail(p, ev, d, i, seen))
		return -1;
	if (op == TRACE_GAP)
		p->gaps++;
	p->last_time = ev->time;
	return 1;
}
