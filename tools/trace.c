// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim traces (format: traces/README.md): the descriptor tables of the
 * header keys and per-VM keys, and the header and event helpers; the event
 * arguments and operations (the vocabulary) are in trace-ops.c. The parser is trace-parse.c, the writer trace-write.c;
 * both walk these tables (trace-int.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace-int.h"

#ifndef ENOTSUPP
#define ENOTSUPP 524
#endif

/* The fields are read and written as 4-byte integers. */
_Static_assert(sizeof(enum trace_mode) == 4 && sizeof(enum trace_flavour) == 4 &&
	       sizeof(enum trace_pv) == 4 && sizeof(enum trace_vtd_version) == 4 &&
	       sizeof(enum trace_vtd_result) == 4 && sizeof(enum trace_vtd_drop) == 4 &&
	       sizeof(unsigned int) == 4 && sizeof(int) == 4, "4-byte fields");

/* ---- names -------------------------------------------------------------------- */

const char *const trace_flavour_names[3] = { "pasidsim", "linux-6.1", "ida" };
const char *const trace_pv_names[2] = { "vtd-vcmd", "virtio" };
const char *const trace_mode_names[2] = { "bare-metal", "vms" };
static const char *const vtd_names[] = { "3.3", "3.0" };
static const char *const vtd_result_names[] = { "real", "set", "raw" };
static const char *const vtd_drop_names[] = { "lost", "hang" };
static const char *const schedule_names[] = { "auto", "explicit" };
static const char *const boot_names[] = { "start", "event" };
static const char *const replug_names[] = { "fresh", "keep" };
static const char *const onoff_names[] = { "off", "on" };

/* ---- header keys ---------------------------------------------------------------- */

#define H(f)		offsetof(struct trace_header, f)
#define HF(f)		(offsetof(struct trace_header, faults) + offsetof(struct trace_faults, f))
#define ENUM(n)		.type = TF_ENUM, .names = n, .nnames = sizeof(n) / sizeof(n[0])
#define RANGE(t, lo, hi)	.type = t, .min = lo, .max = hi

#define W_FLAVOUR	"'pasidsim', 'linux-6.1' or 'ida'"
#define W_PV		"'vtd-vcmd' or 'virtio'"
#define W_CPUS		"a CPU count (1-4096)"
#define W_VIOMMUS	"a vIOMMU count (1-64)"
#define W_BOOL		"'0' or '1'"
#define W_SC		"a status code (0-255)"

/* In the order the "unknown key" message lists them. */
const struct trace_field trace_hkeys[TRACE_NR_HKEYS] = {
	{ "mode", ENUM(trace_mode_names), .off = H(mode), .what = "'bare-metal' or 'vms'" },
	{ "flavour-host", ENUM(trace_flavour_names), .off = H(flavour_host), .what = W_FLAVOUR },
	{ "flavour-guest", ENUM(trace_flavour_names), .off = H(flavour_guest),
	  .flags = HKF_PER_VM, .what = W_FLAVOUR },
	{ "seed", RANGE(TF_U64, 0, UINT64_MAX), .off = H(seed), .what = "a seed (u64)" },
	{ "cost-model", RANGE(TF_UINT, 0, UINT32_MAX), .off = H(cost_model), .what = "a u32" },
	{ "host-cpus", RANGE(TF_UINT, 1, TRACE_MAX_CPUS), .off = H(host_cpus), .what = W_CPUS },
	{ "vms", RANGE(TF_UINT, 1, TRACE_MAX_VMS), .off = H(nr_vms), .kind = HKIND_VMS,
	  .flags = HKF_PER_VM, .what = "a VM count (1-4096)" },
	{ "vcpus", RANGE(TF_UINT, 1, TRACE_MAX_CPUS), .off = H(vcpus), .flags = HKF_PER_VM,
	  .what = W_CPUS },
	{ "viommus", RANGE(TF_UINT, 1, 64), .off = H(viommus), .flags = HKF_PER_VM,
	  .what = W_VIOMMUS },
	{ "pv", ENUM(trace_pv_names), .off = H(pv), .flags = HKF_PER_VM, .what = W_PV },
	{ "quota-default", RANGE(TF_UINT, 0, UINT32_MAX), .off = H(quota_default),
	  .flags = HKF_PER_VM, .what = "a u32" },
	{ "vtd-version", ENUM(vtd_names), .off = H(vtd_version), .what = "'3.3' or '3.0'" },
	{ "vtd-pss", RANGE(TF_UINT, 0, 19), .off = H(vtd_pss), .what = "ECAP.PSS (0-19)" },
	{ "vtd-vccap-pas", RANGE(TF_BOOL, 0, 1), .off = H(vtd_vccap_pas), .what = W_BOOL },
	/* fault knobs (version 2, vms mode) */
	{ "vtd-latency-ns", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(vtd_latency_ns),
	  .flags = HKF_FAULT, .what = "a u64" },
	{ "vtd-stuck-ip", RANGE(TF_BOOL, 0, 1), .off = HF(vtd_stuck_ip), .flags = HKF_FAULT,
	  .what = W_BOOL },
	{ "vtd-force-sc", RANGE(TF_INT, 0, 255), .off = HF(vtd_force_sc), .flags = HKF_FAULT,
	  .what = W_SC },
	{ "vtd-sc-no-pasid", RANGE(TF_INT, 0, 255), .off = HF(vtd_sc_no_pasid),
	  .flags = HKF_FAULT, .what = W_SC },
	{ "vtd-result-mode", ENUM(vtd_result_names), .off = HF(vtd_result_mode),
	  .flags = HKF_FAULT, .what = "'real', 'set' or 'raw'" },
	{ "vtd-result", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(vtd_result), .flags = HKF_FAULT,
	  .what = "a u64" },
	{ "vtd-drop-mode", ENUM(vtd_drop_names), .off = HF(vtd_drop_mode), .flags = HKF_FAULT,
	  .what = "'lost' or 'hang'" },
	{ "vtd-drop-nth", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(vtd_drop_nth),
	  .flags = HKF_FAULT, .what = "a u64" },
	{ "vtd-drop-every", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(vtd_drop_every),
	  .flags = HKF_FAULT, .what = "a u64" },
	{ "virtio-latency-ns", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(virtio_latency_ns),
	  .flags = HKF_FAULT, .what = "a u64" },
	{ "virtio-force-status", RANGE(TF_INT, 0, 255), .off = HF(virtio_force_status),
	  .flags = HKF_FAULT, .what = W_SC },
	{ "virtio-bad-result", RANGE(TF_UINT, 0, UINT32_MAX), .off = HF(virtio_result),
	  .flag_off = HF(virtio_bad_result), .flags = HKF_FAULT, .what = "a PASID (u32)" },
	{ "virtio-drop-nth", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(virtio_drop_nth),
	  .flags = HKF_FAULT, .what = "a u64" },
	{ "virtio-drop-every", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(virtio_drop_every),
	  .flags = HKF_FAULT, .what = "a u64" },
	{ "virtio-timeout-ns", RANGE(TF_U64, 0, UINT64_MAX), .off = HF(virtio_timeout_ns),
	  .flags = HKF_FAULT, .what = "a u64" },
	/* version 4, vms mode */
	{ "schedule", ENUM(schedule_names), .off = H(schedule), .flags = HKF_PER_VM | HKF_V4,
	  .what = "'auto' or 'explicit'" },
	{ "vm-boot", ENUM(boot_names), .off = H(vm_boot), .flags = HKF_PER_VM | HKF_V4,
	  .what = "'start' or 'event'" },
	{ "sched-preempt", ENUM(onoff_names), .off = H(sched_preempt),
	  .flags = HKF_PER_VM | HKF_V4, .what = "'off' or 'on'" },
	{ "vm", .kind = HKIND_VM, .flags = HKF_PER_VM | HKF_REPEAT },
	{ "meta", .kind = HKIND_META, .flags = HKF_REPEAT },
	{ "events", .kind = HKIND_EVENTS },
	/* version 5, vms mode (after 'events' in the table: the indexes above stay) */
	{ "replug", ENUM(replug_names), .off = H(replug), .flags = HKF_PER_VM | HKF_V5,
	  .what = "'fresh' or 'keep'" },
	{ "viommu", .kind = HKIND_VIOMMU, .flags = HKF_PER_VM | HKF_REPEAT | HKF_V5 },
	{ "vcmd-timeout-ms", RANGE(TF_UINT, 0, UINT32_MAX), .off = H(vcmd_timeout_ms),
	  .flags = HKF_PER_VM | HKF_V5, .what = "milliseconds (a u32; 0: the driver's 10 s)" },
};

/* mode, flavour-host, seed, cost-model, host-cpus, VM keys, vtd-*, fault keys */
const unsigned char trace_hkey_write_order[] = {
	0, 1, 3, 4, 5, 6, 7, 8, 9, 2, 10, 11, 12, 13,
	14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 35, 37,
};
const unsigned int trace_hkey_write_count = sizeof(trace_hkey_write_order);

#define VI(f)	offsetof(struct trace_viommu, f)

const struct trace_field trace_viommukeys[TRACE_NR_VIOMMUKEYS] = {
	{ "pss", RANGE(TF_UINT, 0, 19), .off = VI(pss), .what = "ECAP.PSS (0-19)" },
	{ "vcs", RANGE(TF_BOOL, 0, 1), .off = VI(vcs), .what = W_BOOL },
	{ "pas", RANGE(TF_BOOL, 0, 1), .off = VI(pas), .what = W_BOOL },
};

#define V(f)	offsetof(struct trace_vm, f)

const struct trace_field trace_vmkeys[TRACE_NR_VMKEYS] = {
	{ "vcpus", RANGE(TF_UINT, 1, TRACE_MAX_CPUS), .off = V(vcpus), .dflt_off = H(vcpus),
	  .what = W_CPUS },
	{ "viommus", RANGE(TF_UINT, 1, 64), .off = V(viommus), .dflt_off = H(viommus),
	  .what = W_VIOMMUS },
	{ "pv", ENUM(trace_pv_names), .off = V(pv), .dflt_off = H(pv), .what = W_PV },
	{ "flavour", ENUM(trace_flavour_names), .off = V(flavour), .dflt_off = H(flavour_guest),
	  .what = W_FLAVOUR },
	{ "quota", RANGE(TF_UINT, 0, UINT32_MAX), .off = V(quota), .dflt_off = H(quota_default),
	  .what = "a u32" },
	{ "boot", ENUM(boot_names), .off = V(boot), .dflt_off = H(vm_boot), .flags = HKF_V4,
	  .what = "'start' or 'event'" },
};

uint64_t trace_field_get(const void *base, const struct trace_field *k)
{
	const char *p = (const char *)base + k->off;
	uint32_t u;
	int32_t i;
	uint64_t q;
	bool b;

	switch (k->type) {
	case TF_BOOL:
		memcpy(&b, p, sizeof(b));
		return b;
	case TF_INT:
		memcpy(&i, p, sizeof(i));
		return (uint64_t)(int64_t)i;
	case TF_U64:
		memcpy(&q, p, sizeof(q));
		return q;
	default:
		memcpy(&u, p, sizeof(u));
		return u;
	}
}

void trace_field_set(void *base, const struct trace_field *k, uint64_t v)
{
	char *p = (char *)base + k->off;
	uint32_t u = (uint32_t)v;
	bool b = v;

	if (k->type == TF_BOOL)
		memcpy(p, &b, sizeof(b));
	else if (k->type == TF_U64)
		memcpy(p, &v, sizeof(v));
	else
		memcpy(p, &u, sizeof(u));
	if (k->flag_off) {
		b = true;
		memcpy((char *)base + k->flag_off, &b, sizeof(b));
	}
}

bool trace_field_valid(const void *base, const struct trace_field *k)
{
	uint64_t v = trace_field_get(base, k);

	if (k->type == TF_ENUM)
		return v < k->nnames;
	if (k->type == TF_INT && (int64_t)v == -1)
		return true;
	if (k->type == TF_INT)
		return (int64_t)v >= (int64_t)k->min && (int64_t)v <= (int64_t)k->max;
	return v >= k->min && v <= k->max;
}

int trace_hkey_lookup(const char *name)
{
	for (int k = 0; k < TRACE_NR_HKEYS; k++)
		if (!strcmp(name, trace_hkeys[k].name))
			return k;
	return -1;
}

void trace_cat(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o += n;
}

const char *trace_hkey_list(char *buf, size_t len, unsigned int version)
{
	size_t o = 0;
	int n = 0;

	trace_cat(buf, len, &o, "a header key (");
	for (int k = 0; k < TRACE_NR_HKEYS; k++)
		if (!(trace_hkeys[k].flags & (HKF_FAULT | HKF_V4 | HKF_V5)) &&
		    trace_hkeys[k].kind != HKIND_EVENTS)
			trace_cat(buf, len, &o, "%s%s", n++ ? ", " : "", trace_hkeys[k].name);
	trace_cat(buf, len, &o, "; version 2: ");
	n = 0;
	for (int k = 0; k < TRACE_NR_HKEYS; k++)
		if (trace_hkeys[k].flags & HKF_FAULT)
			trace_cat(buf, len, &o, "%s%s", n++ ? ", " : "", trace_hkeys[k].name);
	/* (named to version 4 traces only: the messages of older ones stay as they were) */
	if (version >= TRACE_VERSION_SCHEDULE)
		trace_cat(buf, len, &o, "; version 4: ");
	n = 0;
	for (int k = 0; k < TRACE_NR_HKEYS && version >= TRACE_VERSION_SCHEDULE; k++)
		if (trace_hkeys[k].flags & HKF_V4)
			trace_cat(buf, len, &o, "%s%s", n++ ? ", " : "", trace_hkeys[k].name);
	if (version >= TRACE_VERSION_KNOBS)
		trace_cat(buf, len, &o, "; version 5: ");
	n = 0;
	for (int k = 0; k < TRACE_NR_HKEYS && version >= TRACE_VERSION_KNOBS; k++)
		if (trace_hkeys[k].flags & HKF_V5)
			trace_cat(buf, len, &o, "%s%s", n++ ? ", " : "", trace_hkeys[k].name);
	trace_cat(buf, len, &o, ") or 'events'");
	return buf;
}

const char *trace_vmkey_list(char *buf, size_t len, unsigned int version)
{
	int n = version >= TRACE_VERSION_SCHEDULE ? TRACE_NR_VMKEYS : TRACE_NR_VMKEYS - 1;
	size_t o = 0;

	/* boot= (version 4, the last row) is named to version 4 traces only */
	for (int k = 0; k < n; k++)
		trace_cat(buf, len, &o, "%s%s=", !k ? "" : k == n - 1 ? " or " : ", ",
		    trace_vmkeys[k].name);
	return buf;
}

/* ---- errnos and names ------------------------------------------------------------ */

#define E(e)	{ e, #e, sizeof(#e) - 1 }

static const struct {
	int err;
	const char *name;
	unsigned char len;
} errnos[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
	E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(ENODEV), E(EINVAL),
	E(ENOSPC), E(ERANGE), E(ENOSYS), E(EOVERFLOW), E(EOPNOTSUPP), E(ETIMEDOUT), E(EDQUOT),
	E(ENOTSUPP),
};

#undef E

const char *trace_errno_name(int err)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].err == -err)
			return errnos[i].name;
	return NULL;
}

int trace_errno_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].len == len && errnos[i].name[1] == name[1] &&
		    !memcmp(errnos[i].name, name, len))
			return -errnos[i].err;
	return 0;
}

/* Quote at most 40 bytes of @s for a message, escaping what is not printable. */
void trace_quote(char *out, size_t outlen, const char *s, size_t len)
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

/* ---- numbers ------------------------------------------------------------------- */

static bool parse_hex(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len > 18)
		return false;
	for (size_t i = 2; i < len; i++) {
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

bool trace_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len)
		return false;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_hex(s, len, out);
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

int trace_parse_errno(const char *s, size_t len, long long *out)
{
	uint64_t v;

	if (len == 1 && s[0] == '0') {
		*out = 0;
		return 0;
	}
	if (len < 2 || s[0] != '-')
		return -1;
	if (s[1] == 'E') {
		int e = trace_errno_lookup(s + 1, len - 1);

		if (!e)
			return -1;
		*out = e;
		return 0;
	}
	if (s[1] < '1' || s[1] > '9' || !trace_parse_u64(s + 1, len - 1, &v) || v > 4095)
		return -1;
	*out = -(long long)v;
	return 0;
}

const char *trace_flavour_name(enum trace_flavour f)
{
	return (unsigned int)f < 3 ? trace_flavour_names[f] : "?";
}

const char *trace_pv_name(enum trace_pv pv)
{
	return (unsigned int)pv < 2 ? trace_pv_names[pv] : "?";
}

const char *trace_mode_name(enum trace_mode m)
{
	return (unsigned int)m < 2 ? trace_mode_names[m] : "?";
}

bool trace_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("_.:/+@-", c));
}

bool trace_is_name(const char *s, size_t len)
{
	if (!len || len > TRACE_MAX_NAME || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!trace_name_char(s[i]))
			return false;
	if ((len == 4 && !memcmp(s, "null", 4)) || (len == 7 && !memcmp(s, "invalid", 7)))
		return false;
	return true;
}

bool trace_name_valid(const char *s)
{
	return s && trace_is_name(s, strnlen(s, TRACE_MAX_NAME + 1));
}

int trace_keys_parse(const char *s, size_t len, uint64_t *out, size_t max)
{
	size_t n = 0, i = 0;

	while (i < len) {
		size_t j = i;
		uint64_t v;

		while (j < len && s[j] != ',')
			j++;
		if (n == TRACE_MAX_KEYS || !trace_parse_u64(s + i, j - i, &v))
			return -1;
		if (out && n < max)
			out[n] = v;
		n++;
		if (j == len)
			return n;
		i = j + 1;
		if (i == len)
			return -1;	/* a trailing comma */
	}
	return n ? (int)n : -1;
}

bool trace_str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* ---- header helpers -------------------------------------------------------------- */

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

/* Does @h set a version 5 knob? */
static bool knobs_any(const struct trace_header *h)
{
	for (unsigned int d = 0; d < TRACE_MAX_VTD_SLOTS; d++)
		if (h->viommu[d].set)
			return true;
	return h->replug != TRACE_REPLUG_FRESH || h->vcmd_timeout_ms;
}

unsigned int trace_header_min_version(const struct trace_header *h)
{
	if (h->version >= TRACE_VERSION_KNOBS || knobs_any(h))
		return TRACE_VERSION_KNOBS;
	if (h->version >= TRACE_VERSION_SCHEDULE || h->schedule != TRACE_SCHEDULE_AUTO ||
	    h->vm_boot != TRACE_BOOT_START || h->sched_preempt)
		return TRACE_VERSION_SCHEDULE;
	for (unsigned int i = 0; i < h->nr_vms && h->vms; i++)
		if (h->vms[i].boot != TRACE_BOOT_START)
			return TRACE_VERSION_SCHEDULE;
	if (h->version >= TRACE_VERSION_LIFECYCLE)
		return TRACE_VERSION_LIFECYCLE;
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

void trace_vm_defaults(const struct trace_header *h, struct trace_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	for (int k = 0; k < TRACE_NR_VMKEYS; k++) {
		struct trace_field dflt = trace_vmkeys[k];

		dflt.off = dflt.dflt_off;
		trace_field_set(vm, &trace_vmkeys[k], trace_field_get(h, &dflt));
	}
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
		trace_vm_defaults(h, &vms[i]);
	return 0;
}

bool trace_meta_value_ok(const char *v)
{
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

	if (!trace_name_valid(key) || !value || !trace_meta_value_ok(value) ||
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
	    a->schedule != b->schedule || a->vm_boot != b->vm_boot ||
	    a->sched_preempt != b->sched_preempt ||
	    a->nr_meta != b->nr_meta || a->replug != b->replug ||
	    a->vcmd_timeout_ms != b->vcmd_timeout_ms)
		return false;
	for (unsigned int d = 0; d < TRACE_MAX_VTD_SLOTS; d++)
		if (a->viommu[d].set != b->viommu[d].set || (a->viommu[d].set &&
		    (a->viommu[d].pss != b->viommu[d].pss || a->viommu[d].vcs != b->viommu[d].vcs ||
		     a->viommu[d].pas != b->viommu[d].pas)))
			return false;
	for (unsigned int i = 0; i < a->nr_vms; i++)
		for (int k = 0; k < TRACE_NR_VMKEYS; k++)
			if (trace_field_get(&a->vms[i], &trace_vmkeys[k]) !=
			    trace_field_get(&b->vms[i], &trace_vmkeys[k]))
				return false;
	for (unsigned int i = 0; i < a->nr_meta; i++)
		if (strcmp(a->meta[i].key, b->meta[i].key) ||
		    strcmp(a->meta[i].value, b->meta[i].value))
			return false;
	return true;
}

bool trace_event_equal(const struct trace_event *a, const struct trace_event *b)
{
	return a->time == b->time && a->kernel == b->kernel && a->cpu == b->cpu &&
	       a->op == b->op && trace_str_eq(a->c, b->c) && trace_str_eq(a->id, b->id) &&
	       trace_str_eq(a->set, b->set) && trace_str_eq(a->priv, b->priv) &&
	       trace_str_eq(a->mm, b->mm) && a->min == b->min && a->max == b->max &&
	       a->viommu == b->viommu && a->off == b->off && a->val == b->val &&
	       a->width == b->width && a->lost_known == b->lost_known && a->lost == b->lost &&
	       a->vm == b->vm && a->quota == b->quota && a->len == b->len &&
	       a->tail == b->tail && trace_str_eq(a->keys, b->keys) && a->slot == b->slot &&
	       a->ops == b->ops && a->mask == b->mask && a->call == b->call &&
	       a->stop == b->stop && a->getter == b->getter &&
	       trace_str_eq(a->reason, b->reason) && a->res == b->res &&
	       a->res_val == b->res_val && trace_str_eq(a->res_name, b->res_name);
}
