// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim traces: the writer (format: traces/README.md). It writes the
 * canonical form: the header keys in the order of trace_hkey_write_order,
 * event arguments in each operation's order, by walking the descriptor
 * tables of trace.c (trace-int.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "trace-int.h"

/* ---- header ------------------------------------------------------------------------ */

/* Every VM key of @h at its default? (A bare-metal header must have them so.) */
static bool vm_keys_default(const struct trace_header *h)
{
	struct trace_header d;

	trace_header_init(&d);
	for (int k = 0; k < TRACE_NR_HKEYS; k++) {
		const struct trace_field *f = &trace_hkeys[k];

		if ((f->flags & HKF_PER_VM) && f->kind == HKIND_FIELD &&
		    trace_field_get(h, f) != trace_field_get(&d, f))
			return false;
	}
	return true;
}

static bool header_valid(const struct trace_header *h)
{
	const struct trace_faults *f = &h->faults;

	for (int k = 0; k < TRACE_NR_HKEYS; k++)
		if (trace_hkeys[k].kind == HKIND_FIELD && !trace_field_valid(h, &trace_hkeys[k]))
			return false;
	if (h->nr_meta > TRACE_MAX_META || (!f->virtio_bad_result && f->virtio_result))
		return false;
	if (h->mode == TRACE_BARE_METAL) {
		if (h->nr_vms || trace_faults_any(f) || !vm_keys_default(h))
			return false;
	} else if (!h->nr_vms || h->nr_vms > TRACE_MAX_VMS || !h->vms) {
		return false;
	}
	for (unsigned int i = 0; i < h->nr_vms; i++)
		for (int k = 0; k < TRACE_NR_VMKEYS; k++)
			if (!trace_field_valid(&h->vms[i], &trace_vmkeys[k]))
				return false;
	for (unsigned int i = 0; i < h->nr_meta; i++)
		if (!trace_name_valid(h->meta[i].key) || !trace_meta_value_ok(h->meta[i].value))
			return false;
	for (unsigned int d = 0; d < TRACE_MAX_VTD_SLOTS; d++)
		if (h->viommu[d].set && (h->mode == TRACE_BARE_METAL || h->viommu[d].pss > 19))
			return false;
	return true;
}

static void write_value(FILE *f, const void *base, const struct trace_field *k)
{
	uint64_t v = trace_field_get(base, k);

	if (k->type == TF_ENUM)
		fputs(k->names[v], f);
	else if (k->type == TF_INT)
		fprintf(f, "%d", (int)(int64_t)v);
	else
		fprintf(f, "%" PRIu64, v);
}

/* Is header key @k written for @h? (@d: the defaults) */
static bool key_written(const struct trace_header *h, const struct trace_header *d,
			const struct trace_field *k)
{
	bool set;

	if ((k->flags & HKF_PER_VM) && h->mode != TRACE_VMS)
		return false;
	if (!(k->flags & (HKF_FAULT | HKF_V4 | HKF_V5)))
		return true;
	if (k->flag_off) {
		memcpy(&set, (const char *)h + k->flag_off, sizeof(set));
		return set;
	}
	return trace_field_get(h, k) != trace_field_get(d, k);
}

/* "vm N key=value..." for a VM that differs from the defaults. */
static void write_vm(FILE *f, const struct trace_header *h, unsigned int i)
{
	const struct trace_vm *vm = &h->vms[i];
	struct trace_vm d;

	trace_vm_defaults(h, &d);
	if (!memcmp(vm, &d, sizeof(d)))
		return;
	fprintf(f, "vm %u", i);
	for (int k = 0; k < TRACE_NR_VMKEYS; k++) {
		if (trace_field_get(vm, &trace_vmkeys[k]) == trace_field_get(&d, &trace_vmkeys[k]))
			continue;
		fprintf(f, " %s=", trace_vmkeys[k].name);
		write_value(f, vm, &trace_vmkeys[k]);
	}
	fputc('\n', f);
}

/* "viommu N pss=P vcs=V pas=A" for an index with knobs of its own (version 5). */
static void write_viommu(FILE *f, const struct trace_header *h, unsigned int d)
{
	if (!h->viommu[d].set)
		return;
	fprintf(f, "viommu %u", d);
	for (int k = 0; k < TRACE_NR_VIOMMUKEYS; k++) {
		fprintf(f, " %s=", trace_viommukeys[k].name);
		write_value(f, &h->viommu[d], &trace_viommukeys[k]);
	}
	fputc('\n', f);
}

int trace_writer_start(struct trace_writer *w, FILE *f, const struct trace_header *h)
{
	struct trace_header d;

	memset(w, 0, sizeof(*w));
	w->f = f;
	w->h = h;
	if (!header_valid(h))
		return w->err = -EINVAL;
	trace_header_init(&d);
	fprintf(f, TRACE_MAGIC " %u\n", trace_header_min_version(h));
	for (unsigned int i = 0; i < trace_hkey_write_count; i++) {
		const struct trace_field *k = &trace_hkeys[trace_hkey_write_order[i]];

		if (!key_written(h, &d, k))
			continue;
		fprintf(f, "%s ", k->name);
		write_value(f, h, k);
		fputc('\n', f);
	}
	for (unsigned int i = 0; i < h->nr_vms; i++)
		write_vm(f, h, i);
	for (unsigned int d = 0; h->mode == TRACE_VMS && d < TRACE_MAX_VTD_SLOTS; d++)
		write_viommu(f, h, d);
	for (unsigned int i = 0; i < h->nr_meta; i++)
		fprintf(f, "meta %s%s%s\n", h->meta[i].key, *h->meta[i].value ? " " : "",
			h->meta[i].value);
	fputs("events\n", f);
	if (ferror(f))
		return w->err = -EIO;
	return 0;
}

/* ---- events ------------------------------------------------------------------------ */

/* Append helpers for trace_format_event(). */
struct out {
	char *b;
	size_t len, o;
	bool over;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->o + n >= o->len) {
		o->over = true;
		return;
	}
	memcpy(o->b + o->o, s, n);
	o->o += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static void putu(struct out *o, uint64_t v)
{
	char tmp[24];
	int n = 24;

	do {
		tmp[--n] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(o, tmp + n, 24 - n);
}

static void putx(struct out *o, uint64_t v)
{
	char tmp[24];
	int n = 24;

	do {
		tmp[--n] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	tmp[--n] = 'x';
	tmp[--n] = '0';
	put(o, tmp + n, 24 - n);
}

static void put_errno(struct out *o, long long e)
{
	const char *n = trace_errno_name(e);

	if (!e) {
		put(o, "0", 1);
	} else if (n) {
		put(o, "-", 1);
		puts_(o, n);
	} else {
		put(o, "-", 1);
		putu(o, (uint64_t)-e);
	}
}

/* Was argument @a given? (An optional one that was not is not written.) */
static bool arg_present(const struct trace_event *ev, const struct trace_argdesc *d)
{
	const char *s;
	bool yes;

	if (d->present_off) {
		memcpy(&yes, (const char *)ev + d->present_off, sizeof(yes));
		return yes;
	}
	if (d->type != TA_NAME && d->type != TA_TOKEN && d->type != TA_KEYS)
		return true;
	memcpy(&s, (const char *)ev + d->off, sizeof(s));
	return s;
}

static void put_arg(struct out *o, const struct trace_event *ev, const struct trace_argdesc *d)
{
	const char *field = (const char *)ev + d->off;
	const char *s;
	uint64_t q;
	unsigned int u;

	put(o, " ", 1);
	puts_(o, d->name);
	put(o, "=", 1);
	if (d->type == TA_NAME || d->type == TA_TOKEN || d->type == TA_KEYS) {
		memcpy(&s, field, sizeof(s));
		if (s)
			puts_(o, s);
		else if (d->type == TA_TOKEN)
			puts_(o, "null");
	} else if (d->type == TA_U64 || d->type == TA_HEX) {
		memcpy(&q, field, sizeof(q));
		if (d->type == TA_HEX)
			putx(o, q);
		else
			putu(o, q);
	} else {
		memcpy(&u, field, sizeof(u));
		putu(o, u);
	}
}

static void put_result(struct out *o, const struct trace_event *ev)
{
	if (ev->res == TRACE_RES_NONE)
		return;
	puts_(o, " = ");
	if (ev->res == TRACE_RES_ERRNO)
		put_errno(o, ev->res_val);
	else if (ev->res == TRACE_RES_ID || ev->res == TRACE_RES_TOKEN)
		puts_(o, ev->res_name ? ev->res_name : "?");
	else if (ev->res == TRACE_RES_INVALID)
		puts_(o, "invalid");
	else if (ev->res == TRACE_RES_NULL)
		puts_(o, "null");
	else if (ev->res == TRACE_RES_COUNT)
		putu(o, (uint64_t)ev->res_val);
	else if (ev->res == TRACE_RES_VALUE)
		putx(o, (uint64_t)ev->res_val);
}

int trace_format_event(char *buf, size_t len, const struct trace_event *ev)
{
	struct out o = { buf, len, 0, false };
	const struct trace_opdesc *d;

	if ((unsigned int)ev->op >= TRACE_OP__NR || !len)
		return -1;
	d = &trace_ops[ev->op];
	putu(&o, ev->time);
	if (ev->kernel == TRACE_HOST) {
		puts_(&o, " host ");
	} else {
		puts_(&o, " vm");
		putu(&o, (unsigned int)ev->kernel);
		put(&o, " ", 1);
	}
	putu(&o, ev->cpu);
	put(&o, " ", 1);
	put(&o, d->name, d->len);
	for (const unsigned char *a = d->order; *a != ARG__NR; a++) {
		if ((d->optional & (1u << *a)) && !arg_present(ev, &trace_args[*a]))
			continue;
		put_arg(&o, ev, &trace_args[*a]);
	}
	if ((unsigned int)ev->res <= TRACE_RES_VALUE)
		put_result(&o, ev);
	if (o.over)
		return -1;
	buf[o.o] = 0;
	return o.o;
}

/* The names and ranges of @ev's arguments. */
static bool event_args_valid(const struct trace_header *h, const struct trace_event *ev,
			     const struct trace_opdesc *d)
{
	if (((d->required | d->optional) & A(C)) && !trace_name_valid(ev->c))
		return false;
	if ((d->required & A(ID)) && !trace_name_valid(ev->id))
		return false;
	if ((d->optional & A(ID)) && ev->id && (!trace_name_valid(ev->id) ||
	    (ev->res == TRACE_RES_ID && !trace_str_eq(ev->id, ev->res_name))))
		return false;
	if ((d->required & A(SET)) && ev->set && !trace_name_valid(ev->set))
		return false;
	if ((d->required & A(PRIV)) && ev->priv && !trace_name_valid(ev->priv))
		return false;
	if ((d->required & A(MM)) && ev->mm && !trace_name_valid(ev->mm))
		return false;
	if (ev->reason && (!(d->optional & A(REASON)) || !trace_name_valid(ev->reason)))
		return false;
	if (ev->min > UINT32_MAX || ev->max > UINT32_MAX || ev->off > UINT32_MAX ||
	    ev->len > 16 || ev->tail > UINT32_MAX || ev->slot > 2)
		return false;
	for (int a = ARG_OPS; a <= ARG_GETTER; a++) {	/* the API corners' numbers */
		uint64_t v;

		memcpy(&v, (const char *)ev + trace_args[a].off, sizeof(v));
		if ((d->required & (1u << a)) && v > trace_args[a].max)
			return false;
	}
	if ((d->required & A(KEYS)) &&
	    (!ev->keys || trace_keys_parse(ev->keys, strlen(ev->keys), NULL, 0) < 0))
		return false;
	return !(d->required & A(WIDTH)) ||
	       ((ev->width == 4 || ev->width == 8) && ev->viommu < h->vms[ev->kernel].viommus);
}

static bool event_result_valid(const struct trace_event *ev, const struct trace_opdesc *d)
{
	if (ev->res == TRACE_RES_NONE)
		return true;
	if ((unsigned int)ev->res > TRACE_RES_VALUE || !(d->results & (1u << ev->res)))
		return false;
	if (ev->res == TRACE_RES_ERRNO)
		return ev->res_val <= 0 && ev->res_val >= -4095 &&
		       (ev->res_val < 0 || !(d->results & ~R(ERRNO)));
	if (ev->res == TRACE_RES_ID || ev->res == TRACE_RES_TOKEN)
		return trace_name_valid(ev->res_name);
	if (ev->res == TRACE_RES_COUNT)
		return ev->res_val >= 0 && ev->res_val <= UINT32_MAX;
	return true;
}

static bool event_valid(const struct trace_writer *w, const struct trace_event *ev)
{
	const struct trace_header *h = w->h;
	const struct trace_opdesc *d;
	unsigned int ncpu;

	if ((unsigned int)ev->op >= TRACE_OP__NR || ev->time < w->last_time)
		return false;
	d = &trace_ops[ev->op];
	if (trace_op_version(ev->op) > trace_header_min_version(h))
		return false;
	if (ev->kernel == TRACE_HOST) {
		if (d->vm_only)
			return false;
		ncpu = h->host_cpus;
	} else if (ev->kernel >= 0 && (unsigned int)ev->kernel < h->nr_vms && !d->host_only) {
		ncpu = h->vms[ev->kernel].vcpus;
	} else {
		return false;
	}
	return ev->cpu < ncpu && event_args_valid(h, ev, d) && event_result_valid(ev, d);
}

int trace_write_event(struct trace_writer *w, const struct trace_event *ev)
{
	char line[TRACE_MAX_LINE + 1];
	int n;

	if (!event_valid(w, ev))
		return -EINVAL;
	n = trace_format_event(line, sizeof(line) - 1, ev);
	if (n < 0)
		return -EINVAL;
	line[n++] = '\n';
	if (fwrite(line, 1, n, w->f) != (size_t)n) {
		if (!w->err)
			w->err = -EIO;
		return -EIO;
	}
	w->last_time = ev->time;
	w->events++;
	return 0;
}

int trace_writer_finish(struct trace_writer *w)
{
	if (fflush(w->f) && !w->err)
		w->err = -EIO;
	return w->err;
}
