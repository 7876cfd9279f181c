// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim traces: streaming parser and writer (format: traces/README.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/* ---- tables ----------------------------------------------------------------- */

enum arg {
	ARG_C, ARG_ID, ARG_SET, ARG_PRIV, ARG_MM, ARG_MIN, ARG_MAX, ARG_VIOMMU, ARG_OFF,
	ARG_VAL, ARG_WIDTH, ARG_LOST, ARG_REASON, ARG__NR,
};

static const char *const arg_names[ARG__NR] = {
	"c", "id", "set", "priv", "mm", "min", "max", "viommu", "off", "val", "width", "lost",
	"reason",
};

#define A(x)	(1u << ARG_##x)
#define R(x)	(1u << TRACE_RES_##x)

static const struct op_desc {
	const char *name;
	unsigned int len;
	unsigned int required, optional;
	const unsigned char *order;	/* writer's argument order */
	unsigned int results;
	bool vm_only;
} ops[TRACE_OP__NR] = {
#define ORDER(...) (const unsigned char[]){ __VA_ARGS__, ARG__NR }
	[TRACE_PASID_INIT] = { "iommu_pasid_init", 16, A(C) | A(MIN) | A(MAX), 0,
			       ORDER(ARG_C, ARG_MIN, ARG_MAX), R(ERRNO) },
	[TRACE_PASID_EXIT] = { "iommu_pasid_exit", 16, A(C), 0, ORDER(ARG_C), 0 },
	[TRACE_PASID_ALLOC] = { "iommu_pasid_alloc", 17, A(C) | A(MIN) | A(MAX) | A(PRIV), A(ID),
				ORDER(ARG_C, ARG_MIN, ARG_MAX, ARG_PRIV, ARG_ID), R(ID) | R(ERRNO) },
	[TRACE_PASID_FREE] = { "iommu_pasid_free", 16, A(C) | A(ID), 0, ORDER(ARG_C, ARG_ID),
			       R(ERRNO) },
	[TRACE_PASID_FIND] = { "iommu_pasid_find", 16, A(C) | A(ID), 0, ORDER(ARG_C, ARG_ID),
			       R(TOKEN) | R(NULL) | R(ERRNO) },
	[TRACE_PASID_FOR_EACH] = { "iommu_pasid_for_each", 20, A(C), 0, ORDER(ARG_C),
				   R(COUNT) | R(ERRNO) },
	[TRACE_IOASID_ALLOC] = { "ioasid_alloc", 12, A(SET) | A(MIN) | A(MAX) | A(PRIV), A(ID),
				 ORDER(ARG_SET, ARG_MIN, ARG_MAX, ARG_PRIV, ARG_ID), R(ID) | R(INVALID) },
	[TRACE_IOASID_FREE] = { "ioasid_free", 11, A(ID), 0, ORDER(ARG_ID), 0 },
	[TRACE_IOASID_FIND] = { "ioasid_find", 11, A(SET) | A(ID), 0, ORDER(ARG_SET, ARG_ID),
				R(TOKEN) | R(NULL) | R(ERRNO) },
	[TRACE_IOASID_SET_DATA] = { "ioasid_set_data", 15, A(ID) | A(PRIV), 0,
				    ORDER(ARG_ID, ARG_PRIV), R(ERRNO) },
	[TRACE_SVA_ALLOC] = { "iommu_sva_alloc_pasid", 21, A(MM) | A(MIN) | A(MAX), A(ID),
			      ORDER(ARG_MM, ARG_MIN, ARG_MAX, ARG_ID), R(ID) | R(ERRNO) },
	[TRACE_VM_BOOT] = { "vm_boot", 7, 0, 0, ORDER(ARG__NR), 0, true },
	[TRACE_VM_DESTROY] = { "vm_destroy", 10, 0, 0, ORDER(ARG__NR), 0, true },
	[TRACE_MMIO_WRITE] = { "mmio_write", 10, A(VIOMMU) | A(OFF) | A(VAL) | A(WIDTH), 0,
			       ORDER(ARG_VIOMMU, ARG_OFF, ARG_VAL, ARG_WIDTH), 0, true },
	[TRACE_GAP] = { "gap", 3, 0, A(LOST) | A(REASON), ORDER(ARG_LOST, ARG_REASON), 0 },
#undef ORDER
};

const char *trace_op_name(enum trace_op op)
{
	return (unsigned int)op < TRACE_OP__NR ? ops[op].name : "?";
}

unsigned int trace_op_results(enum trace_op op)
{
	return (unsigned int)op < TRACE_OP__NR ? ops[op].results : 0;
}

static const struct {
	int err;
	const char *name;
} errnos[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EINTR, "EINTR" },
	{ EIO, "EIO" }, { ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" },
	{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" },
	{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ EDQUOT, "EDQUOT" }, { ENOTSUPP, "ENOTSUPP" },
};

const char *trace_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == -err)
			return errnos[i].name;
	return NULL;
}

static const char *const flavour_names[] = { "pasidsim", "linux-6.1" };
static const char *const pv_names[] = { "vtd-vcmd", "virtio" };
static const char *const mode_names[] = { "bare-metal", "vms" };
static const char *const vtd_names[] = { "3.3", "3.0" };
static const char *const vtd_result_names[] = { "real", "set", "raw" };
static const char *const vtd_drop_names[] = { "lost", "hang" };

const char *trace_flavour_name(enum trace_flavour f)
{
	return (unsigned int)f < 2 ? flavour_names[f] : "?";
}

const char *trace_pv_name(enum trace_pv pv)
{
	return (unsigned int)pv < 2 ? pv_names[pv] : "?";
}

const char *trace_mode_name(enum trace_mode m)
{
	return (unsigned int)m < 2 ? mode_names[m] : "?";
}

/* Name characters: [A-Za-z0-9_.:/+@-] */
static unsigned char name_ok[256];

static void init_tables(void)
{
	static bool done;

	if (done)
		return;
	for (int c = 0; c < 256; c++)
		name_ok[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || (c && strchr("_.:/+@-", c));
	done = true;
}

bool trace_name_valid(const char *s)
{
	size_t n;

	init_tables();
	if (!s || !*s || *s == '-' || !strcmp(s, "null") || !strcmp(s, "invalid"))
		return false;
	for (n = 0; s[n]; n++)
		if (!name_ok[(unsigned char)s[n]] || n >= TRACE_MAX_NAME)
			return false;
	return true;
}

/* ---- header helpers ----------------------------------------------------------- */

void trace_faults_init(struct trace_faults *f)
{
	memset(f, 0, sizeof(*f));
	f->vtd_force_sc = -1;
	f->vtd_sc_no_pasid = -1;
	f->virtio_force_status = -1;
}

static bool faults_equal(const struct trace_faults *f, const struct trace_faults *d)
{
	return f->vtd_latency_ns == d->vtd_latency_ns && f->vtd_stuck_ip == d->vtd_stuck_ip &&
	       f->vtd_force_sc == d->vtd_force_sc && f->vtd_sc_no_pasid == d->vtd_sc_no_pasid &&
	       f->vtd_result_mode == d->vtd_result_mode && f->vtd_result == d->vtd_result &&
	       f->vtd_drop_mode == d->vtd_drop_mode && f->vtd_drop_nth == d->vtd_drop_nth &&
	       f->vtd_drop_every == d->vtd_drop_every &&
	       f->virtio_latency_ns == d->virtio_latency_ns &&
	       f->virtio_force_status == d->virtio_force_status &&
	       f->virtio_bad_result == d->virtio_bad_result &&
	       f->virtio_result == d->virtio_result && f->virtio_drop_nth == d->virtio_drop_nth &&
	       f->virtio_drop_every == d->virtio_drop_every &&
	       f->virtio_timeout_ns == d->virtio_timeout_ns;
}

bool trace_faults_any(const struct trace_faults *f)
{
	struct trace_faults d;

	trace_faults_init(&d);
	return !faults_equal(f, &d);
}

unsigned int trace_header_min_version(const struct trace_header *h)
{
	return trace_faults_any(&h->faults) ? TRACE_VERSION_FAULTS : 1;
}

void trace_header_init(struct trace_header *h)
{
	memset(h, 0, sizeof(*h));
	h->version = 1;
	trace_faults_init(&h->faults);
	h->mode = TRACE_BARE_METAL;
	h->cost_model = 1;
	h->host_cpus = 1;
	h->vcpus = 1;
	h->viommus = 1;
	h->quota_default = 1000;
	h->vtd_pss = 19;
	h->vtd_vccap_pas = true;
}

static void vm_defaults(const struct trace_header *h, struct trace_vm *vm)
{
	vm->vcpus = h->vcpus;
	vm->viommus = h->viommus;
	vm->pv = h->pv;
	vm->flavour = h->flavour_guest;
	vm->quota = h->quota_default;
}

int trace_header_set_vms(struct trace_header *h, unsigned int nr_vms)
{
	struct trace_vm *vms;

	if (!nr_vms || nr_vms > TRACE_MAX_VMS)
		return -EINVAL;
	vms = calloc(nr_vms, sizeof(*vms));
	if (!vms)
		return -ENOMEM;
	free(h->vms);
	h->vms = vms;
	h->nr_vms = nr_vms;
	h->mode = TRACE_VMS;
	for (unsigned int i = 0; i < nr_vms; i++)
		vm_defaults(h, &vms[i]);
	return 0;
}

static bool meta_value_ok(const char *v)
{
	/* canonical free text: printable, single spaces, no '#', no edge blanks */
	size_t n = strlen(v);

	if (n > TRACE_MAX_LINE - TRACE_MAX_NAME - 16)
		return false;
	if (n && (v[0] == ' ' || v[n - 1] == ' '))
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '#' || (v[i] == ' ' && v[i + 1] == ' '))
			return false;
	return true;
}

int trace_header_add_meta(struct trace_header *h, const char *key, const char *value)
{
	struct trace_meta *m;

	if (!trace_name_valid(key) || !value || !meta_value_ok(value) ||
	    h->nr_meta >= TRACE_MAX_META)
		return -EINVAL;
	m = realloc(h->meta, (h->nr_meta + 1) * sizeof(*m));
	if (!m)
		return -ENOMEM;
	h->meta = m;
	m[h->nr_meta].key = strdup(key);
	m[h->nr_meta].value = strdup(value);
	if (!m[h->nr_meta].key || !m[h->nr_meta].value) {
		free(m[h->nr_meta].key);
		free(m[h->nr_meta].value);
		return -ENOMEM;
	}
	h->nr_meta++;
	return 0;
}

void trace_header_release(struct trace_header *h)
{
	for (unsigned int i = 0; i < h->nr_meta; i++) {
		free(h->meta[i].key);
		free(h->meta[i].value);
	}
	free(h->meta);
	free(h->vms);
	trace_header_init(h);
}

bool trace_header_equal(const struct trace_header *a, const struct trace_header *b)
{
	if (a->mode != b->mode || !faults_equal(&a->faults, &b->faults) ||
	    a->flavour_host != b->flavour_host || a->seed != b->seed ||
	    a->cost_model != b->cost_model || a->host_cpus != b->host_cpus ||
	    a->vcpus != b->vcpus || a->viommus != b->viommus || a->pv != b->pv ||
	    a->flavour_guest != b->flavour_guest || a->quota_default != b->quota_default ||
	    a->vtd_version != b->vtd_version || a->vtd_pss != b->vtd_pss ||
	    a->vtd_vccap_pas != b->vtd_vccap_pas || a->nr_vms != b->nr_vms ||
	    a->nr_meta != b->nr_meta)
		return false;
	for (unsigned int i = 0; i < a->nr_vms; i++)
		if (a->vms[i].vcpus != b->vms[i].vcpus || a->vms[i].viommus != b->vms[i].viommus ||
		    a->vms[i].pv != b->vms[i].pv || a->vms[i].flavour != b->vms[i].flavour ||
		    a->vms[i].quota != b->vms[i].quota)
			return false;
	for (unsigned int i = 0; i < a->nr_meta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) ||
		    strcmp(a->meta[i].value, b->meta[i].value))
			return false;
	return true;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

bool trace_event_equal(const struct trace_event *a, const struct trace_event *b)
{
	return a->time == b->time && a->kernel == b->kernel && a->cpu == b->cpu &&
	       a->op == b->op && str_eq(a->c, b->c) && str_eq(a->id, b->id) &&
	       str_eq(a->set, b->set) && str_eq(a->priv, b->priv) && str_eq(a->mm, b->mm) &&
	       a->min == b->min && a->max == b->max && a->viommu == b->viommu &&
	       a->off == b->off && a->val == b->val && a->width == b->width &&
	       a->lost_known == b->lost_known && a->lost == b->lost &&
	       str_eq(a->reason, b->reason) && a->res == b->res && a->res_val == b->res_val &&
	       str_eq(a->res_name, b->res_name);
}

/* ---- parser -------------------------------------------------------------------- */

#define MAX_TOKENS	128
#define READ_CHUNK	(1u << 16)

struct token {
	char *s;
	unsigned int len;
	unsigned int col;	/* 1-based */
};

struct trace_parser {
	FILE *f;
	const char *mem;
	size_t mem_len, mem_pos;
	char *buf;		/* file input: READ_CHUNK bytes */
	size_t buf_len, buf_pos;
	bool eof;
	char name[128];
	unsigned long lineno;	/* of the line in @line */
	char line[TRACE_MAX_LINE + 1];
	unsigned int line_len;
	struct token tok[MAX_TOKENS];
	unsigned int ntok;
	/* state */
	bool header_done;
	bool failed;
	const struct trace_header *h;
	struct trace_header *hw;	/* the header being read */
	unsigned char *vm_set;	/* per VM: override mask */
	uint64_t last_time;
	unsigned long gaps;
	char err[TRACE_MAX_LINE / 4 + 256];
};

static struct trace_parser *parser_alloc(const char *name)
{
	struct trace_parser *p = calloc(1, sizeof(*p));

	init_tables();
	if (!p)
		return NULL;
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

/* Quote at most 40 bytes of @s for a message, escaping what is not printable. */
static void quote(char *out, size_t outlen, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < outlen; i++) {
		unsigned char c = s[i];

		if (i == 40) {
			o += snprintf(out + o, outlen - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\'')
			out[o++] = c;
		else
			o += snprintf(out + o, outlen - o, "\\x%02x", c);
	}
	out[o] = 0;
}

static int fail_at(struct trace_parser *p, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct trace_parser *p, unsigned int col, const char *fmt, ...)
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

	quote(q, sizeof(q), t->s, t->len);
	return fail_at(p, t->col, "expected %s, got '%s'", what, q);
}

static int expected_end(struct trace_parser *p, const char *what)
{
	return fail_at(p, p->line_len + 1, "expected %s, got end of line", what);
}

/*
 * Read the next raw line into p->line. 1: a line; 0: end of input;
 * -1: error (line too long, NUL byte).
 */
static int read_line(struct trace_parser *p)
{
	const char *src, *nl;
	size_t avail, n;

	p->lineno++;
	p->line_len = 0;
	for (;;) {
		if (p->mem) {
			src = p->mem + p->mem_pos;
			avail = p->mem_len - p->mem_pos;
		} else {
			if (p->buf_pos == p->buf_len && !p->eof) {
				p->buf_len = fread(p->buf, 1, READ_CHUNK, p->f);
				p->buf_pos = 0;
				if (p->buf_len < READ_CHUNK) {
					if (ferror(p->f))
						return fail_at(p, 1, "read error: %s",
							       strerror(errno));
					if (!p->buf_len)
						p->eof = true;
				}
			}
			src = p->buf + p->buf_pos;
			avail = p->buf_len - p->buf_pos;
		}
		if (!avail) {
			if (p->mem || p->eof)
				return p->line_len ? 1 : 0;
			continue;
		}
		nl = memchr(src, '\n', avail);
		n = nl ? (size_t)(nl - src) : avail;
		if (p->line_len + n > TRACE_MAX_LINE - 1)
			return fail_at(p, TRACE_MAX_LINE, "expected a line of at most %u bytes",
				       TRACE_MAX_LINE);
		memcpy(p->line + p->line_len, src, n);
		p->line_len += n;
		if (p->mem)
			p->mem_pos += n + !!nl;
		else
			p->buf_pos += n + !!nl;
		if (nl)
			break;
		if (p->mem)
			p->mem_pos = p->mem_len;
	}
	if (p->line_len && p->line[p->line_len - 1] == '\r')
		p->line_len--;
	p->line[p->line_len] = 0;
	return 1;
}

/* Split p->line into tokens; stops at a comment. 0 or -1. */
static int tokenize(struct trace_parser *p)
{
	char *s = p->line, *end = p->line + p->line_len;

	p->ntok = 0;
	while (s < end) {
		char *start;

		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s == end || *s == '#')
			break;
		if (p->ntok == MAX_TOKENS)
			return fail_at(p, s - p->line + 1, "expected at most %d fields on a line",
				       MAX_TOKENS);
		start = s;
		while (s < end && *s != ' ' && *s != '\t') {
			if (*s == '#')
				return fail_at(p, s - p->line + 1,
					       "expected a blank before '#' (a comment)");
			if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
				return fail_at(p, s - p->line + 1,
					       "expected printable ASCII, got byte 0x%02x",
					       (unsigned char)*s);
			s++;
		}
		p->tok[p->ntok].s = start;
		p->tok[p->ntok].len = s - start;
		p->tok[p->ntok].col = start - p->line + 1;
		p->ntok++;
		*s++ = 0;	/* the blank (or the final NUL) */
	}
	return 0;
}

/* Next line with at least one token: 1, 0 at EOF, -1 on error. */
static int next_tokens(struct trace_parser *p)
{
	for (;;) {
		int r = read_line(p);

		if (r <= 0)
			return r;
		if (tokenize(p))
			return -1;
		if (p->ntok)
			return 1;
	}
}

static bool parse_u64_str(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (!len)
		return false;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (len > 18)
			return false;
		for (i = 2; i < len; i++) {
			unsigned char c = s[i];
			unsigned int d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return false;
			v = v << 4 | d;
		}
		*out = v;
		return true;
	}
	for (; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int tok_u64(struct trace_parser *p, const struct token *t, const char *s, size_t len,
		   unsigned int col, uint64_t max, const char *what, uint64_t *out)
{
	if (!parse_u64_str(s, len, out) || *out > max) {
		char q[200];

		quote(q, sizeof(q), s, len);
		return fail_at(p, col, "expected %s, got '%s'", what, q);
	}
	return 0;
}

static bool is_name(const char *s, size_t len)
{
	if (!len || len > TRACE_MAX_NAME || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_ok[(unsigned char)s[i]])
			return false;
	if ((len == 4 && !memcmp(s, "null", 4)) || (len == 7 && !memcmp(s, "invalid", 7)))
		return false;
	return true;
}

static int parse_errno(const char *s, size_t len, long long *out)
{
	uint64_t v;

	if (len == 1 && s[0] == '0') {
		*out = 0;
		return 0;
	}
	if (len < 2 || s[0] != '-')
		return -1;
	if (s[1] == 'E') {
		for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
			if (strlen(errnos[i].name) == len - 1 &&
			    !memcmp(errnos[i].name, s + 1, len - 1)) {
				*out = -errnos[i].err;
				return 0;
			}
		return -1;
	}
	if (s[1] < '1' || s[1] > '9' || !parse_u64_str(s + 1, len - 1, &v) || v > 4095)
		return -1;
	*out = -(long long)v;
	return 0;
}

/* ---- header ---- */

enum hkey {
	HK_MODE, HK_FLAVOUR_HOST, HK_FLAVOUR_GUEST, HK_SEED, HK_COST_MODEL, HK_HOST_CPUS,
	HK_VMS, HK_VCPUS, HK_VIOMMUS, HK_PV, HK_QUOTA_DEFAULT, HK_VTD_VERSION, HK_VTD_PSS,
	HK_VTD_VCCAP_PAS,
	/* fault knobs (version 2, vms mode) */
	HK_VTD_LATENCY_NS, HK_VTD_STUCK_IP, HK_VTD_FORCE_SC, HK_VTD_SC_NO_PASID,
	HK_VTD_RESULT_MODE, HK_VTD_RESULT, HK_VTD_DROP_MODE, HK_VTD_DROP_NTH, HK_VTD_DROP_EVERY,
	HK_VIRTIO_LATENCY_NS, HK_VIRTIO_FORCE_STATUS, HK_VIRTIO_BAD_RESULT, HK_VIRTIO_DROP_NTH,
	HK_VIRTIO_DROP_EVERY, HK_VIRTIO_TIMEOUT_NS,
	HK_VM, HK_META, HK_EVENTS, HK__NR,
};

static const char *const hkey_names[HK__NR] = {
	"mode", "flavour-host", "flavour-guest", "seed", "cost-model", "host-cpus", "vms",
	"vcpus", "viommus", "pv", "quota-default", "vtd-version", "vtd-pss", "vtd-vccap-pas",
	"vtd-latency-ns", "vtd-stuck-ip", "vtd-force-sc", "vtd-sc-no-pasid", "vtd-result-mode",
	"vtd-result", "vtd-drop-mode", "vtd-drop-nth", "vtd-drop-every", "virtio-latency-ns",
	"virtio-force-status", "virtio-bad-result", "virtio-drop-nth", "virtio-drop-every",
	"virtio-timeout-ns",
	"vm", "meta", "events",
};

#define HK_BIT(k)	(1ull << (k))
#define HK_PER_VM	(HK_BIT(HK_VMS) | HK_BIT(HK_VCPUS) | HK_BIT(HK_VIOMMUS) | HK_BIT(HK_PV) | \
			 HK_BIT(HK_FLAVOUR_GUEST) | HK_BIT(HK_QUOTA_DEFAULT) | HK_BIT(HK_VM))
/* HK_VTD_LATENCY_NS..HK_VIRTIO_TIMEOUT_NS */
#define HK_FAULTS	(HK_BIT(HK_VIRTIO_TIMEOUT_NS + 1) - HK_BIT(HK_VTD_LATENCY_NS))

enum vmkey { VK_VCPUS, VK_VIOMMUS, VK_PV, VK_FLAVOUR, VK_QUOTA, VK__NR };
static const char *const vmkey_names[VK__NR] = { "vcpus", "viommus", "pv", "flavour", "quota" };

static int tok_enum(struct trace_parser *p, const struct token *t, const char *const *names,
		    unsigned int n, const char *what)
{
	for (unsigned int i = 0; i < n; i++)
		if (!strcmp(t->s, names[i]))
			return i;
	return expected(p, t, what);
}

static int want_ntok(struct trace_parser *p, unsigned int n, const char *what)
{
	if (p->ntok < n)
		return expected_end(p, what);
	if (p->ntok > n)
		return expected(p, &p->tok[n], "end of line");
	return 0;
}

static int header_value(struct trace_parser *p, struct trace_header *h, enum hkey k)
{
	const struct token *v = &p->tok[1];
	uint64_t n;
	int e;

	switch (k) {
	case HK_MODE:
		if (want_ntok(p, 2, "'bare-metal' or 'vms'"))
			return -1;
		e = tok_enum(p, v, mode_names, 2, "'bare-metal' or 'vms'");
		if (e < 0)
			return -1;
		h->mode = e;
		return 0;
	case HK_FLAVOUR_HOST:
	case HK_FLAVOUR_GUEST:
		if (want_ntok(p, 2, "'pasidsim' or 'linux-6.1'"))
			return -1;
		e = tok_enum(p, v, flavour_names, 2, "'pasidsim' or 'linux-6.1'");
		if (e < 0)
			return -1;
		if (k == HK_FLAVOUR_HOST)
			h->flavour_host = e;
		else
			h->flavour_guest = e;
		return 0;
	case HK_PV:
		if (want_ntok(p, 2, "'vtd-vcmd' or 'virtio'"))
			return -1;
		e = tok_enum(p, v, pv_names, 2, "'vtd-vcmd' or 'virtio'");
		if (e < 0)
			return -1;
		h->pv = e;
		return 0;
	case HK_VTD_VERSION:
		if (want_ntok(p, 2, "'3.3' or '3.0'"))
			return -1;
		e = tok_enum(p, v, vtd_names, 2, "'3.3' or '3.0'");
		if (e < 0)
			return -1;
		h->vtd_version = e;
		return 0;
	case HK_SEED:
		if (want_ntok(p, 2, "a seed (u64)") ||
		    tok_u64(p, v, v->s, v->len, v->col, UINT64_MAX, "a seed (u64)", &h->seed))
			return -1;
		return 0;
	case HK_COST_MODEL:
	case HK_QUOTA_DEFAULT:
		if (want_ntok(p, 2, "a u32") ||
		    tok_u64(p, v, v->s, v->len, v->col, UINT32_MAX, "a u32", &n))
			return -1;
		if (k == HK_COST_MODEL)
			h->cost_model = n;
		else
			h->quota_default = n;
		return 0;
	case HK_HOST_CPUS:
	case HK_VCPUS:
		if (want_ntok(p, 2, "a CPU count (1-4096)") ||
		    tok_u64(p, v, v->s, v->len, v->col, TRACE_MAX_CPUS, "a CPU count (1-4096)", &n))
			return -1;
		if (!n)
			return expected(p, v, "a CPU count (1-4096)");
		if (k == HK_HOST_CPUS)
			h->host_cpus = n;
		else
			h->vcpus = n;
		return 0;
	case HK_VIOMMUS:
		if (want_ntok(p, 2, "a vIOMMU count (1-64)") ||
		    tok_u64(p, v, v->s, v->len, v->col, 64, "a vIOMMU count (1-64)", &n))
			return -1;
		if (!n)
			return expected(p, v, "a vIOMMU count (1-64)");
		h->viommus = n;
		return 0;
	case HK_VTD_PSS:
		if (want_ntok(p, 2, "ECAP.PSS (0-19)") ||
		    tok_u64(p, v, v->s, v->len, v->col, 19, "ECAP.PSS (0-19)", &n))
			return -1;
		h->vtd_pss = n;
		return 0;
	case HK_VTD_VCCAP_PAS:
		if (want_ntok(p, 2, "'0' or '1'") ||
		    tok_u64(p, v, v->s, v->len, v->col, 1, "'0' or '1'", &n))
			return -1;
		h->vtd_vccap_pas = n;
		return 0;
	case HK_VMS:
		if (want_ntok(p, 2, "a VM count (1-4096)") ||
		    tok_u64(p, v, v->s, v->len, v->col, TRACE_MAX_VMS, "a VM count (1-4096)", &n))
			return -1;
		if (!n)
			return expected(p, v, "a VM count (1-4096)");
		h->vms = calloc(n, sizeof(*h->vms));
		p->vm_set = calloc(n, 1);
		if (!h->vms || !p->vm_set)
			return fail_at(p, 1, "out of memory");
		h->nr_vms = n;
		return 0;
	case HK_META: {
		char tmp[TRACE_MAX_LINE + 1];
		size_t o = 0;

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
			return fail_at(p, v->col, "expected at most %d meta lines",
				       TRACE_MAX_META);
		return 0;
	}
	case HK_VM: {
		uint64_t idx;
		struct trace_vm *vm;

		if (p->ntok < 3)
			return expected_end(p, "'vm N key=value...'");
		if (!h->nr_vms)
			return fail_at(p, p->tok[0].col, "expected 'vms N' before 'vm' lines");
		if (tok_u64(p, v, v->s, v->len, v->col, h->nr_vms - 1, "a VM index below vms",
			    &idx))
			return -1;
		vm = &h->vms[idx];
		for (unsigned int i = 2; i < p->ntok; i++) {
			struct token *t = &p->tok[i];
			char *eq = memchr(t->s, '=', t->len);
			unsigned int vcol;
			int vk = -1;

			if (eq) {
				*eq = 0;
				for (int j = 0; j < VK__NR; j++)
					if (!strcmp(t->s, vmkey_names[j]))
						vk = j;
				*eq = '=';
			}
			if (vk < 0)
				return expected(p, t, "vcpus=, viommus=, pv=, flavour= or quota=");
			if (p->vm_set[idx] & (1u << vk))
				return expected(p, t, "each VM key at most once");
			p->vm_set[idx] |= 1u << vk;
			vcol = t->col + (eq - t->s) + 1;
			{
				struct token val = { eq + 1, t->len - (eq - t->s) - 1, vcol };

				switch (vk) {
				case VK_VCPUS:
					if (tok_u64(p, &val, val.s, val.len, vcol, TRACE_MAX_CPUS,
						    "a CPU count (1-4096)", &n))
						return -1;
					if (!n)
						return expected(p, &val, "a CPU count (1-4096)");
					vm->vcpus = n;
					break;
				case VK_VIOMMUS:
					if (tok_u64(p, &val, val.s, val.len, vcol, 64,
						    "a vIOMMU count (1-64)", &n))
						return -1;
					if (!n)
						return expected(p, &val, "a vIOMMU count (1-64)");
					vm->viommus = n;
					break;
				case VK_QUOTA:
					if (tok_u64(p, &val, val.s, val.len, vcol, UINT32_MAX,
						    "a u32", &n))
						return -1;
					vm->quota = n;
					break;
				case VK_PV:
					e = tok_enum(p, &val, pv_names, 2, "'vtd-vcmd' or 'virtio'");
					if (e < 0)
						return -1;
					vm->pv = e;
					break;
				case VK_FLAVOUR:
					e = tok_enum(p, &val, flavour_names, 2,
						     "'pasidsim' or 'linux-6.1'");
					if (e < 0)
						return -1;
					vm->flavour = e;
					break;
				}
			}
		}
		return 0;
	}
	case HK_VTD_STUCK_IP:
		if (want_ntok(p, 2, "'0' or '1'") ||
		    tok_u64(p, v, v->s, v->len, v->col, 1, "'0' or '1'", &n))
			return -1;
		h->faults.vtd_stuck_ip = n;
		return 0;
	case HK_VTD_FORCE_SC:
	case HK_VTD_SC_NO_PASID:
	case HK_VIRTIO_FORCE_STATUS:
		if (want_ntok(p, 2, "a status code (0-255)") ||
		    tok_u64(p, v, v->s, v->len, v->col, 255, "a status code (0-255)", &n))
			return -1;
		if (k == HK_VTD_FORCE_SC)
			h->faults.vtd_force_sc = n;
		else if (k == HK_VTD_SC_NO_PASID)
			h->faults.vtd_sc_no_pasid = n;
		else
			h->faults.virtio_force_status = n;
		return 0;
	case HK_VTD_RESULT_MODE:
		if (want_ntok(p, 2, "'real', 'set' or 'raw'"))
			return -1;
		e = tok_enum(p, v, vtd_result_names, 3, "'real', 'set' or 'raw'");
		if (e < 0)
			return -1;
		h->faults.vtd_result_mode = e;
		return 0;
	case HK_VTD_DROP_MODE:
		if (want_ntok(p, 2, "'lost' or 'hang'"))
			return -1;
		e = tok_enum(p, v, vtd_drop_names, 2, "'lost' or 'hang'");
		if (e < 0)
			return -1;
		h->faults.vtd_drop_mode = e;
		return 0;
	case HK_VIRTIO_BAD_RESULT:
		if (want_ntok(p, 2, "a PASID (u32)") ||
		    tok_u64(p, v, v->s, v->len, v->col, UINT32_MAX, "a PASID (u32)", &n))
			return -1;
		h->faults.virtio_bad_result = true;
		h->faults.virtio_result = n;
		return 0;
	case HK_VTD_LATENCY_NS:
	case HK_VTD_RESULT:
	case HK_VTD_DROP_NTH:
	case HK_VTD_DROP_EVERY:
	case HK_VIRTIO_LATENCY_NS:
	case HK_VIRTIO_DROP_NTH:
	case HK_VIRTIO_DROP_EVERY:
	case HK_VIRTIO_TIMEOUT_NS: {
		static const size_t off[HK__NR] = {
			[HK_VTD_LATENCY_NS] = offsetof(struct trace_faults, vtd_latency_ns),
			[HK_VTD_RESULT] = offsetof(struct trace_faults, vtd_result),
			[HK_VTD_DROP_NTH] = offsetof(struct trace_faults, vtd_drop_nth),
			[HK_VTD_DROP_EVERY] = offsetof(struct trace_faults, vtd_drop_every),
			[HK_VIRTIO_LATENCY_NS] = offsetof(struct trace_faults, virtio_latency_ns),
			[HK_VIRTIO_DROP_NTH] = offsetof(struct trace_faults, virtio_drop_nth),
			[HK_VIRTIO_DROP_EVERY] = offsetof(struct trace_faults, virtio_drop_every),
			[HK_VIRTIO_TIMEOUT_NS] = offsetof(struct trace_faults, virtio_timeout_ns),
		};

		if (want_ntok(p, 2, "a u64") ||
		    tok_u64(p, v, v->s, v->len, v->col, UINT64_MAX, "a u64", &n))
			return -1;
		*(uint64_t *)((char *)&h->faults + off[k]) = n;
		return 0;
	}
	case HK_EVENTS:
		return want_ntok(p, 1, "nothing after 'events'");
	default:
		return -1;
	}
}

int trace_parser_header(struct trace_parser *p, struct trace_header *h)
{
	uint64_t seen = 0;
	uint64_t v;
	int r;

	trace_header_init(h);
	if (p->failed)
		return -1;
	r = next_tokens(p);
	if (r <= 0)
		return r ? -1 : fail_at(p, 1, "expected '" TRACE_MAGIC " 1', got an empty file");
	if (strcmp(p->tok[0].s, TRACE_MAGIC))
		return expected(p, &p->tok[0], "'" TRACE_MAGIC " 1' (not a pasidsim trace?)");
	if (p->ntok < 2)
		return expected_end(p, "a version number");
	if (!parse_u64_str(p->tok[1].s, p->tok[1].len, &v) || !v)
		return expected(p, &p->tok[1], "a version number");
	if (v > TRACE_VERSION)
		return fail_at(p, p->tok[1].col,
			       "trace version %" PRIu64 " is newer than this pasidsim understands "
			       "(%d); expected version %d", v, TRACE_VERSION, TRACE_VERSION);
	if (want_ntok(p, 2, "a version number"))
		return -1;
	h->version = v;
	p->hw = h;
	for (;;) {
		int k;

		r = next_tokens(p);
		if (r < 0)
			goto err;
		if (!r) {
			fail_at(p, 1, "expected a header line or 'events', got end of file");
			goto err;
		}
		for (k = 0; k < HK__NR; k++)
			if (!strcmp(p->tok[0].s, hkey_names[k]))
				break;
		if (k == HK__NR) {
			expected(p, &p->tok[0],
				 "a header key (mode, flavour-host, flavour-guest, seed, "
				 "cost-model, host-cpus, vms, vcpus, viommus, pv, quota-default, "
				 "vtd-version, vtd-pss, vtd-vccap-pas, vm, meta; version 2: "
				 "vtd-latency-ns, vtd-stuck-ip, vtd-force-sc, vtd-sc-no-pasid, "
				 "vtd-result-mode, vtd-result, vtd-drop-mode, vtd-drop-nth, "
				 "vtd-drop-every, virtio-latency-ns, virtio-force-status, "
				 "virtio-bad-result, virtio-drop-nth, virtio-drop-every, "
				 "virtio-timeout-ns) or 'events'");
			goto err;
		}
		if (k != HK_VM && k != HK_META && (seen & HK_BIT(k))) {
			expected(p, &p->tok[0], "each header key at most once");
			goto err;
		}
		if ((HK_BIT(k) & HK_FAULTS) && h->version < TRACE_VERSION_FAULTS) {
			expected(p, &p->tok[0], "a version 1 header key (fault keys need "
				 "'" TRACE_MAGIC " 2')");
			goto err;
		}
		seen |= HK_BIT(k);
		if (header_value(p, h, k))
			goto err;
		if (k == HK_EVENTS)
			break;
	}
	if (!(seen & HK_BIT(HK_MODE))) {
		fail_at(p, 1, "expected a 'mode' line in the header");
		goto err;
	}
	if (h->mode == TRACE_BARE_METAL && (seen & HK_PER_VM)) {
		fail_at(p, 1, "expected no VM keys (vms, vcpus, viommus, pv, flavour-guest, "
			"quota-default, vm) in a bare-metal header");
		goto err;
	}
	if (h->mode == TRACE_BARE_METAL && (seen & HK_FAULTS)) {
		fail_at(p, 1, "expected no fault keys (vtd-*, virtio-* knobs of the devices) in a "
			"bare-metal header");
		goto err;
	}
	if (h->mode == TRACE_VMS && !h->nr_vms) {
		fail_at(p, 1, "expected a 'vms N' line in a vms header");
		goto err;
	}
	for (unsigned int i = 0; i < h->nr_vms; i++) {
		struct trace_vm *vm = &h->vms[i];
		unsigned char m = p->vm_set[i];

		if (!(m & (1u << VK_VCPUS)))
			vm->vcpus = h->vcpus;
		if (!(m & (1u << VK_VIOMMUS)))
			vm->viommus = h->viommus;
		if (!(m & (1u << VK_PV)))
			vm->pv = h->pv;
		if (!(m & (1u << VK_FLAVOUR)))
			vm->flavour = h->flavour_guest;
		if (!(m & (1u << VK_QUOTA)))
			vm->quota = h->quota_default;
	}
	p->h = h;
	p->hw = NULL;
	p->header_done = true;
	return 0;
err:
	p->hw = NULL;
	return -1;
}

/* ---- events ---- */

static int op_lookup(const struct token *t)
{
	for (int i = 0; i < TRACE_OP__NR; i++)
		if (ops[i].len == t->len && !memcmp(ops[i].name, t->s, t->len))
			return i;
	return -1;
}

static int arg_lookup(const char *s, size_t len)
{
	switch (len) {
	case 1:
		return s[0] == 'c' ? ARG_C : -1;
	case 2:
		return !memcmp(s, "id", 2) ? ARG_ID : !memcmp(s, "mm", 2) ? ARG_MM : -1;
	case 3:
		if (!memcmp(s, "set", 3))
			return ARG_SET;
		if (!memcmp(s, "min", 3))
			return ARG_MIN;
		if (!memcmp(s, "max", 3))
			return ARG_MAX;
		if (!memcmp(s, "off", 3))
			return ARG_OFF;
		if (!memcmp(s, "val", 3))
			return ARG_VAL;
		return -1;
	case 4:
		return !memcmp(s, "priv", 4) ? ARG_PRIV : !memcmp(s, "lost", 4) ? ARG_LOST : -1;
	case 5:
		return !memcmp(s, "width", 5) ? ARG_WIDTH : -1;
	case 6:
		return !memcmp(s, "viommu", 6) ? ARG_VIOMMU :
		       !memcmp(s, "reason", 6) ? ARG_REASON : -1;
	}
	return -1;
}

static void list_args(char *out, size_t len, unsigned int mask)
{
	size_t o = 0;

	out[0] = 0;
	for (int a = 0; a < ARG__NR && o < len; a++)
		if (mask & (1u << a))
			o += snprintf(out + o, len - o, "%s%s=", o ? ", " : "", arg_names[a]);
	if (!o)
		snprintf(out, len, "no arguments");
}

int trace_parser_next(struct trace_parser *p, struct trace_event *ev)
{
	const struct op_desc *d;
	const struct token *t;
	unsigned int seen = 0, i, ncpu;
	char what[160];
	uint64_t v;
	int r, op;

	if (p->failed || !p->header_done)
		return p->failed ? -1 : fail_at(p, 1, "expected the header to be read first");
	r = next_tokens(p);
	if (r <= 0)
		return r;
	memset(ev, 0, sizeof(*ev));
	t = &p->tok[0];
	if (tok_u64(p, t, t->s, t->len, t->col, UINT64_MAX, "a time in ns (u64)", &ev->time))
		return -1;
	if (ev->time < p->last_time)
		return fail_at(p, t->col, "expected a time >= %" PRIu64 " (times never go back), "
			       "got %" PRIu64, p->last_time, ev->time);
	if (p->ntok < 2)
		return expected_end(p, "a kernel ('host' or 'vmN')");
	t = &p->tok[1];
	if (t->len == 4 && !memcmp(t->s, "host", 4)) {
		ev->kernel = TRACE_HOST;
		ncpu = p->h->host_cpus;
	} else if (t->len > 2 && t->len < 8 && t->s[0] == 'v' && t->s[1] == 'm' &&
		   t->s[2] >= '0' && t->s[2] <= '9' && (t->s[2] != '0' || t->len == 3) &&
		   parse_u64_str(t->s + 2, t->len - 2, &v) && v < p->h->nr_vms) {
		ev->kernel = v;
		ncpu = p->h->vms[v].vcpus;
	} else {
		snprintf(what, sizeof(what), p->h->nr_vms ? "a kernel ('host' or 'vm0'..'vm%u')" :
			 "a kernel ('host'; this trace has no VMs)", p->h->nr_vms - 1);
		return expected(p, t, what);
	}
	if (p->ntok < 3)
		return expected_end(p, "a CPU number");
	t = &p->tok[2];
	if (!parse_u64_str(t->s, t->len, &v) || v >= ncpu) {
		snprintf(what, sizeof(what), "a CPU number below %u", ncpu);
		return expected(p, t, what);
	}
	ev->cpu = v;
	if (p->ntok < 4)
		return expected_end(p, "an operation");
	t = &p->tok[3];
	op = op_lookup(t);
	if (op < 0)
		return expected(p, t, "an operation (iommu_pasid_init, iommu_pasid_exit, "
				"iommu_pasid_alloc, iommu_pasid_free, iommu_pasid_find, "
				"iommu_pasid_for_each, ioasid_alloc, ioasid_free, ioasid_find, "
				"ioasid_set_data, iommu_sva_alloc_pasid, vm_boot, vm_destroy, "
				"mmio_write, gap)");
	d = &ops[op];
	ev->op = op;
	if (d->vm_only && ev->kernel == TRACE_HOST)
		return fail_at(p, p->tok[1].col, "expected a VM kernel for %s, got 'host'",
			       d->name);
	for (i = 4; i < p->ntok; i++) {
		char *eq, *val;
		unsigned int vlen, vcol;
		int a;

		t = &p->tok[i];
		if (t->len == 1 && t->s[0] == '=')
			break;
		eq = memchr(t->s, '=', t->len);
		a = eq ? arg_lookup(t->s, eq - t->s) : -1;
		if (a < 0 || !((d->required | d->optional) & (1u << a))) {
			char list[128];

			list_args(list, sizeof(list), (d->required | d->optional) & ~seen);
			snprintf(what, sizeof(what), "%s for %s, or '= RESULT'", list, d->name);
			return expected(p, t, what);
		}
		if (seen & (1u << a)) {
			snprintf(what, sizeof(what), "%s= only once", arg_names[a]);
			return expected(p, t, what);
		}
		seen |= 1u << a;
		val = eq + 1;
		vlen = t->len - (val - t->s);
		vcol = t->col + (val - t->s);
		switch (a) {
		case ARG_C:
		case ARG_ID:
		case ARG_REASON:
			if (!is_name(val, vlen)) {
				struct token vt = { val, vlen, vcol };

				return expected(p, &vt, "a name");
			}
			if (a == ARG_C)
				ev->c = val;
			else if (a == ARG_ID)
				ev->id = val;
			else
				ev->reason = val;
			break;
		case ARG_SET:
		case ARG_PRIV:
		case ARG_MM: {
			const char *tokv = val;

			if (vlen == 4 && !memcmp(val, "null", 4)) {
				tokv = NULL;
			} else if (!is_name(val, vlen)) {
				struct token vt = { val, vlen, vcol };

				return expected(p, &vt, "a token name or 'null'");
			}
			if (a == ARG_SET)
				ev->set = tokv;
			else if (a == ARG_PRIV)
				ev->priv = tokv;
			else
				ev->mm = tokv;
			break;
		}
		case ARG_MIN:
		case ARG_MAX:
			if (tok_u64(p, t, val, vlen, vcol, UINT32_MAX, "a u32", &v))
				return -1;
			if (a == ARG_MIN)
				ev->min = v;
			else
				ev->max = v;
			break;
		case ARG_VIOMMU: {
			unsigned int n = p->h->vms[ev->kernel].viommus;

			snprintf(what, sizeof(what), "a vIOMMU index below %u", n);
			if (tok_u64(p, t, val, vlen, vcol, n - 1, what, &v))
				return -1;
			ev->viommu = v;
			break;
		}
		case ARG_OFF:
			if (tok_u64(p, t, val, vlen, vcol, UINT32_MAX, "a register offset (u32)",
				    &ev->off))
				return -1;
			break;
		case ARG_VAL:
			if (tok_u64(p, t, val, vlen, vcol, UINT64_MAX, "a value (u64)", &ev->val))
				return -1;
			break;
		case ARG_WIDTH:
			if (tok_u64(p, t, val, vlen, vcol, 8, "width 4 or 8", &v) ||
			    (v != 4 && v != 8)) {
				struct token vt = { val, vlen, vcol };

				return expected(p, &vt, "width 4 or 8");
			}
			ev->width = v;
			break;
		case ARG_LOST:
			if (tok_u64(p, t, val, vlen, vcol, UINT64_MAX, "a count (u64)", &ev->lost))
				return -1;
			ev->lost_known = true;
			break;
		}
	}
	if ((seen & d->required) != d->required) {
		char list[128];

		list_args(list, sizeof(list), d->required & ~seen);
		snprintf(what, sizeof(what), "%s for %s", list, d->name);
		if (i < p->ntok)
			return expected(p, &p->tok[i], what);
		return expected_end(p, what);
	}
	if (i < p->ntok) {
		/* "= RESULT" */
		if (!d->results)
			return expected(p, &p->tok[i], "end of line (this op returns nothing)");
		if (i + 1 >= p->ntok)
			return expected_end(p, "a result after '='");
		if (i + 2 < p->ntok)
			return expected(p, &p->tok[i + 2], "end of line after the result");
		t = &p->tok[i + 1];
		if (t->s[0] == '-' || (d->results == R(ERRNO) && t->len == 1 && t->s[0] == '0')) {
			if (!(d->results & R(ERRNO)) || parse_errno(t->s, t->len, &ev->res_val) ||
			    (ev->res_val == 0 && (d->results & ~R(ERRNO))))
				goto bad_result;
			ev->res = TRACE_RES_ERRNO;
		} else if ((d->results & R(NULL)) && t->len == 4 && !memcmp(t->s, "null", 4)) {
			ev->res = TRACE_RES_NULL;
		} else if ((d->results & R(INVALID)) && t->len == 7 &&
			   !memcmp(t->s, "invalid", 7)) {
			ev->res = TRACE_RES_INVALID;
		} else if (d->results & R(COUNT)) {
			if (!parse_u64_str(t->s, t->len, &v) || v > UINT32_MAX)
				goto bad_result;
			ev->res = TRACE_RES_COUNT;
			ev->res_val = v;
		} else if ((d->results & (R(ID) | R(TOKEN))) && is_name(t->s, t->len)) {
			ev->res = d->results & R(ID) ? TRACE_RES_ID : TRACE_RES_TOKEN;
			ev->res_name = t->s;
		} else {
			goto bad_result;
		}
	}
	if (ev->id && ev->res == TRACE_RES_ID && (d->optional & A(ID)) &&
	    strcmp(ev->id, ev->res_name)) {
		snprintf(what, sizeof(what), "the result to repeat id=%.64s", ev->id);
		return expected(p, t, what);
	}
	if (op == TRACE_GAP)
		p->gaps++;
	p->last_time = ev->time;
	return 1;
bad_result:
	switch (d->results) {
	case R(ERRNO):
		snprintf(what, sizeof(what), "an errno (0, -ENOSPC, -22, ...)");
		break;
	case R(ID) | R(ERRNO):
		snprintf(what, sizeof(what), "a PASID name or a negative errno");
		break;
	case R(ID) | R(INVALID):
		snprintf(what, sizeof(what), "a PASID name or 'invalid'");
		break;
	case R(TOKEN) | R(NULL) | R(ERRNO):
		snprintf(what, sizeof(what), "a token name, 'null' or a negative errno");
		break;
	default:
		snprintf(what, sizeof(what), "a count or a negative errno");
		break;
	}
	return expected(p, t, what);
}

/* ---- writer -------------------------------------------------------------------- */

static bool header_valid(const struct trace_header *h)
{
	const struct trace_faults *f = &h->faults;

	if ((unsigned int)h->mode > TRACE_VMS ||
	    (unsigned int)h->flavour_host > 1 || (unsigned int)h->flavour_guest > 1 ||
	    (unsigned int)h->pv > 1 || (unsigned int)h->vtd_version > 1 || h->vtd_pss > 19 ||
	    !h->host_cpus || h->host_cpus > TRACE_MAX_CPUS || !h->vcpus ||
	    h->vcpus > TRACE_MAX_CPUS || !h->viommus || h->viommus > 64 ||
	    h->nr_meta > TRACE_MAX_META)
		return false;
	if (f->vtd_force_sc < -1 || f->vtd_force_sc > 255 || f->vtd_sc_no_pasid < -1 ||
	    f->vtd_sc_no_pasid > 255 || f->virtio_force_status < -1 ||
	    f->virtio_force_status > 255 || (unsigned int)f->vtd_result_mode > 2 ||
	    (unsigned int)f->vtd_drop_mode > 1 || (!f->virtio_bad_result && f->virtio_result))
		return false;
	if (h->mode == TRACE_BARE_METAL) {
		struct trace_header d;

		trace_header_init(&d);
		if (h->nr_vms || trace_faults_any(f) || h->vcpus != d.vcpus ||
		    h->viommus != d.viommus ||
		    h->pv != d.pv || h->flavour_guest != d.flavour_guest ||
		    h->quota_default != d.quota_default)
			return false;
	} else if (!h->nr_vms || h->nr_vms > TRACE_MAX_VMS || !h->vms) {
		return false;
	}
	for (unsigned int i = 0; i < h->nr_vms; i++) {
		const struct trace_vm *vm = &h->vms[i];

		if (!vm->vcpus || vm->vcpus > TRACE_MAX_CPUS || !vm->viommus ||
		    vm->viommus > 64 || (unsigned int)vm->pv > 1 || (unsigned int)vm->flavour > 1)
			return false;
	}
	for (unsigned int i = 0; i < h->nr_meta; i++)
		if (!trace_name_valid(h->meta[i].key) || !meta_value_ok(h->meta[i].value))
			return false;
	return true;
}

/* The fault keys that differ from their defaults (version 2). */
static void write_faults(FILE *out, const struct trace_faults *f)
{
	struct trace_faults d;

	trace_faults_init(&d);
	if (f->vtd_latency_ns != d.vtd_latency_ns)
		fprintf(out, "vtd-latency-ns %" PRIu64 "\n", f->vtd_latency_ns);
	if (f->vtd_stuck_ip != d.vtd_stuck_ip)
		fprintf(out, "vtd-stuck-ip %d\n", f->vtd_stuck_ip);
	if (f->vtd_force_sc != d.vtd_force_sc)
		fprintf(out, "vtd-force-sc %d\n", f->vtd_force_sc);
	if (f->vtd_sc_no_pasid != d.vtd_sc_no_pasid)
		fprintf(out, "vtd-sc-no-pasid %d\n", f->vtd_sc_no_pasid);
	if (f->vtd_result_mode != d.vtd_result_mode)
		fprintf(out, "vtd-result-mode %s\n", vtd_result_names[f->vtd_result_mode]);
	if (f->vtd_result != d.vtd_result)
		fprintf(out, "vtd-result %" PRIu64 "\n", f->vtd_result);
	if (f->vtd_drop_mode != d.vtd_drop_mode)
		fprintf(out, "vtd-drop-mode %s\n", vtd_drop_names[f->vtd_drop_mode]);
	if (f->vtd_drop_nth != d.vtd_drop_nth)
		fprintf(out, "vtd-drop-nth %" PRIu64 "\n", f->vtd_drop_nth);
	if (f->vtd_drop_every != d.vtd_drop_every)
		fprintf(out, "vtd-drop-every %" PRIu64 "\n", f->vtd_drop_every);
	if (f->virtio_latency_ns != d.virtio_latency_ns)
		fprintf(out, "virtio-latency-ns %" PRIu64 "\n", f->virtio_latency_ns);
	if (f->virtio_force_status != d.virtio_force_status)
		fprintf(out, "virtio-force-status %d\n", f->virtio_force_status);
	if (f->virtio_bad_result)
		fprintf(out, "virtio-bad-result %" PRIu32 "\n", f->virtio_result);
	if (f->virtio_drop_nth != d.virtio_drop_nth)
		fprintf(out, "virtio-drop-nth %" PRIu64 "\n", f->virtio_drop_nth);
	if (f->virtio_drop_every != d.virtio_drop_every)
		fprintf(out, "virtio-drop-every %" PRIu64 "\n", f->virtio_drop_every);
	if (f->virtio_timeout_ns != d.virtio_timeout_ns)
		fprintf(out, "virtio-timeout-ns %" PRIu64 "\n", f->virtio_timeout_ns);
}

int trace_writer_start(struct trace_writer *w, FILE *f, const struct trace_header *h)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->h = h;
	if (!header_valid(h))
		return w->err = -EINVAL;
	fprintf(f, TRACE_MAGIC " %d\nmode %s\nflavour-host %s\nseed %" PRIu64 "\n"
		"cost-model %u\nhost-cpus %u\n", trace_header_min_version(h), mode_names[h->mode],
		flavour_names[h->flavour_host], h->seed, h->cost_model, h->host_cpus);
	if (h->mode == TRACE_VMS)
		fprintf(f, "vms %u\nvcpus %u\nviommus %u\npv %s\nflavour-guest %s\n"
			"quota-default %u\n", h->nr_vms, h->vcpus, h->viommus, pv_names[h->pv],
			flavour_names[h->flavour_guest], h->quota_default);
	fprintf(f, "vtd-version %s\nvtd-pss %u\nvtd-vccap-pas %d\n", vtd_names[h->vtd_version],
		h->vtd_pss, h->vtd_vccap_pas);
	write_faults(f, &h->faults);
	for (unsigned int i = 0; i < h->nr_vms; i++) {
		const struct trace_vm *vm = &h->vms[i];
		struct trace_vm d;

		vm_defaults(h, &d);
		if (!memcmp(vm, &d, sizeof(d)))
			continue;
		fprintf(f, "vm %u", i);
		if (vm->vcpus != d.vcpus)
			fprintf(f, " vcpus=%u", vm->vcpus);
		if (vm->viommus != d.viommus)
			fprintf(f, " viommus=%u", vm->viommus);
		if (vm->pv != d.pv)
			fprintf(f, " pv=%s", pv_names[vm->pv]);
		if (vm->flavour != d.flavour)
			fprintf(f, " flavour=%s", flavour_names[vm->flavour]);
		if (vm->quota != d.quota)
			fprintf(f, " quota=%u", vm->quota);
		fputc('\n', f);
	}
	for (unsigned int i = 0; i < h->nr_meta; i++)
		fprintf(f, "meta %s%s%s\n", h->meta[i].key, *h->meta[i].value ? " " : "",
			h->meta[i].value);
	fputs("events\n", f);
	if (ferror(f))
		return w->err = -EIO;
	return 0;
}

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

int trace_format_event(char *buf, size_t len, const struct trace_event *ev)
{
	struct out o = { buf, len, 0, false };
	const struct op_desc *d;

	if ((unsigned int)ev->op >= TRACE_OP__NR || !len)
		return -1;
	d = &ops[ev->op];
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
		const char *s = NULL;
		bool is_tok = false;

		if (*a == ARG_LOST && !ev->lost_known)
			continue;
		if (*a == ARG_REASON && !ev->reason)
			continue;
		if (*a == ARG_ID && !ev->id && (d->optional & A(ID)))
			continue;
		put(&o, " ", 1);
		puts_(&o, arg_names[*a]);
		put(&o, "=", 1);
		switch (*a) {
		case ARG_C: s = ev->c; break;
		case ARG_ID: s = ev->id; break;
		case ARG_REASON: s = ev->reason; break;
		case ARG_SET: s = ev->set; is_tok = true; break;
		case ARG_PRIV: s = ev->priv; is_tok = true; break;
		case ARG_MM: s = ev->mm; is_tok = true; break;
		case ARG_MIN: putu(&o, ev->min); break;
		case ARG_MAX: putu(&o, ev->max); break;
		case ARG_VIOMMU: putu(&o, ev->viommu); break;
		case ARG_OFF: putx(&o, ev->off); break;
		case ARG_VAL: putx(&o, ev->val); break;
		case ARG_WIDTH: putu(&o, ev->width); break;
		case ARG_LOST: putu(&o, ev->lost); break;
		}
		if (s)
			puts_(&o, s);
		else if (is_tok)
			puts_(&o, "null");
	}
	switch (ev->res) {
	case TRACE_RES_NONE:
		break;
	case TRACE_RES_ERRNO:
		puts_(&o, " = ");
		put_errno(&o, ev->res_val);
		break;
	case TRACE_RES_ID:
	case TRACE_RES_TOKEN:
		puts_(&o, " = ");
		puts_(&o, ev->res_name ? ev->res_name : "?");
		break;
	case TRACE_RES_INVALID:
		puts_(&o, " = invalid");
		break;
	case TRACE_RES_NULL:
		puts_(&o, " = null");
		break;
	case TRACE_RES_COUNT:
		puts_(&o, " = ");
		putu(&o, (uint64_t)ev->res_val);
		break;
	}
	if (o.over)
		return -1;
	buf[o.o] = 0;
	return o.o;
}

static bool event_valid(const struct trace_writer *w, const struct trace_event *ev)
{
	const struct trace_header *h = w->h;
	const struct op_desc *d;
	unsigned int ncpu;

	if ((unsigned int)ev->op >= TRACE_OP__NR || ev->time < w->last_time)
		return false;
	d = &ops[ev->op];
	if (ev->kernel == TRACE_HOST) {
		if (d->vm_only)
			return false;
		ncpu = h->host_cpus;
	} else if (ev->kernel >= 0 && (unsigned int)ev->kernel < h->nr_vms) {
		ncpu = h->vms[ev->kernel].vcpus;
	} else {
		return false;
	}
	if (ev->cpu >= ncpu)
		return false;
	if (((d->required | d->optional) & A(C)) && !trace_name_valid(ev->c))
		return false;
	if ((d->required & A(ID)) && !trace_name_valid(ev->id))
		return false;
	if ((d->optional & A(ID)) && ev->id && (!trace_name_valid(ev->id) ||
	    (ev->res == TRACE_RES_ID && !str_eq(ev->id, ev->res_name))))
		return false;
	if ((d->required & A(SET)) && ev->set && !trace_name_valid(ev->set))
		return false;
	if ((d->required & A(PRIV)) && ev->priv && !trace_name_valid(ev->priv))
		return false;
	if ((d->required & A(MM)) && ev->mm && !trace_name_valid(ev->mm))
		return false;
	if (ev->reason && (!(d->optional & A(REASON)) || !trace_name_valid(ev->reason)))
		return false;
	if (ev->min > UINT32_MAX || ev->max > UINT32_MAX || ev->off > UINT32_MAX)
		return false;
	if (ev->op == TRACE_MMIO_WRITE &&
	    ((ev->width != 4 && ev->width != 8) || ev->viommu >= h->vms[ev->kernel].viommus))
		return false;
	if (ev->res == TRACE_RES_NONE)
		return true;
	if ((unsigned int)ev->res > TRACE_RES_COUNT || !(d->results & (1u << ev->res)))
		return false;
	switch (ev->res) {
	case TRACE_RES_ERRNO:
		if (ev->res_val > 0 || ev->res_val < -4095)
			return false;
		return ev->res_val < 0 || !(d->results & ~R(ERRNO));
	case TRACE_RES_ID:
	case TRACE_RES_TOKEN:
		return trace_name_valid(ev->res_name);
	case TRACE_RES_COUNT:
		return ev->res_val >= 0 && ev->res_val <= UINT32_MAX;
	default:
		return true;
	}
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
