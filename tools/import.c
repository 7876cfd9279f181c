// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim import: ftrace / trace-cmd report / perf script text of kprobe
 * and kretprobe events -> pasidsim trace events. See import.h for the
 * layers and docs/recording.md for what a capture must contain.
 *
 * Pairing. Entries and returns are matched per task (the pid; for pid 0,
 * the idle task of each CPU, per CPU): a task may sleep inside
 * iommu_sva_alloc_pasid() or iommu_pasid_alloc() (mutexes) and come back on
 * another CPU, so the CPU is not part of the key. Each task has a stack of
 * open calls. An ioasid_*() call entered while an iommu_*() call is open on
 * the same task is nested: it is folded into the outer call (its result
 * gives the outer call's PASID) and not written on its own, since replaying
 * the outer call repeats it. Any other entry while a call is open means the
 * open call's return was lost: it is closed without a result and a gap
 * follows it. A return with no matching open call means its entry was
 * lost: a gap. Calls still open at the end of the capture are written
 * without a result (the capture ended; no gap).
 *
 * Order. Events are handed out in the order of their entries, so a call is
 * held back until every call entered before it has returned (or been given
 * up on). Times are relative to the first probe event and never go back.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define INVALID_ID	0xffffffffu
#define MAX_ERRNO	4095

/* ---- the probed functions --------------------------------------------------- */

enum ret_kind {
	RET_VOID,	/* no value */
	RET_U32,	/* ioasid_t */
	RET_INT,	/* 0 or -errno */
	RET_PTR,	/* a pointer, NULL or ERR_PTR(-errno) */
};

struct fn_param {
	const char *names[4];	/* accepted argument names */
	bool positional;	/* a real parameter: argN also accepted */
	bool required;
	bool u32;		/* an ioasid_t: must fit in 32 bits */
};

struct fn_desc {
	const char *name;
	enum trace_op op;
	enum ret_kind ret;
	bool outer;		/* an iommu_*() call: ioasid_*() calls nest in it */
	struct fn_param param[IMPORT_MAX_ARGS];
};

#define P_REQ(...)	{ { __VA_ARGS__ }, true, true }
#define P_OPT(...)	{ { __VA_ARGS__ }, true, false }
#define F_REQ(...)	{ { __VA_ARGS__ }, false, true }	/* fetched field */
#define F_OPT(...)	{ { __VA_ARGS__ }, false, false }
#define CONSUMER	P_REQ("pasid", "consumer", "c")
#define ID		{ { "ioasid", "id", "pasid" }, true, true, true }
#define P_U32(...)	{ { __VA_ARGS__ }, true, true, true }
#define F_U32(...)	{ { __VA_ARGS__ }, false, true, true }
#define PRIV		P_REQ("private", "priv", "data")

static const struct fn_desc fns[IMPORT_FN__NR] = {
	[IMPORT_FN_IOASID_ALLOC] = { "ioasid_alloc", TRACE_IOASID_ALLOC, RET_U32, false,
		{ P_REQ("set"), P_U32("min"), P_U32("max"), PRIV } },
	[IMPORT_FN_IOASID_FREE] = { "ioasid_free", TRACE_IOASID_FREE, RET_VOID, false,
		{ ID } },
	[IMPORT_FN_IOASID_FIND] = { "ioasid_find", TRACE_IOASID_FIND, RET_PTR, false,
		{ P_REQ("set"), ID, P_OPT("getter") } },
	[IMPORT_FN_IOASID_SET_DATA] = { "ioasid_set_data", TRACE_IOASID_SET_DATA, RET_INT, false,
		{ ID, P_REQ("data", "private", "priv") } },
	[IMPORT_FN_SVA_ALLOC_PASID] = { "iommu_sva_alloc_pasid", TRACE_SVA_ALLOC, RET_INT, true,
		{ P_REQ("mm"), P_U32("min"), P_U32("max"), F_OPT("mm_pasid") } },
	[IMPORT_FN_PASID_INIT] = { "iommu_pasid_init", TRACE_PASID_INIT, RET_INT, true,
		{ CONSUMER, F_U32("min"), F_U32("max") } },
	[IMPORT_FN_PASID_EXIT] = { "iommu_pasid_exit", TRACE_PASID_EXIT, RET_VOID, true,
		{ CONSUMER } },
	[IMPORT_FN_PASID_ALLOC] = { "iommu_pasid_alloc", TRACE_PASID_ALLOC, RET_INT, true,
		{ CONSUMER, P_U32("min"), P_U32("max"), PRIV, P_OPT("ioasid") } },
	[IMPORT_FN_PASID_FREE] = { "iommu_pasid_free", TRACE_PASID_FREE, RET_INT, true,
		{ CONSUMER, P_U32("ioasid", "id") } },
	[IMPORT_FN_PASID_FIND] = { "iommu_pasid_find", TRACE_PASID_FIND, RET_PTR, true,
		{ CONSUMER, P_U32("ioasid", "id") } },
	[IMPORT_FN_PASID_FOR_EACH] = { "iommu_pasid_for_each", TRACE_PASID_FOR_EACH, RET_INT,
		true, { CONSUMER, P_OPT("func"), P_OPT("data") } },
};

const char *import_fn_name(enum import_fn fn)
{
	return fn < IMPORT_FN__NR ? fns[fn].name : "?";
}

static const char *const format_names[] = {
	[IMPORT_FMT_AUTO] = "auto",
	[IMPORT_FMT_FTRACE] = "ftrace",
	[IMPORT_FMT_PERF] = "perf",
};

const char *import_format_name(enum import_format fmt)
{
	return fmt <= IMPORT_FMT_PERF ? format_names[fmt] : "?";
}

int import_format_parse(const char *s, enum import_format *fmt)
{
	for (int i = IMPORT_FMT_AUTO; i <= IMPORT_FMT_PERF; i++) {
		if (!strcmp(s, format_names[i])) {
			*fmt = i;
			return 0;
		}
	}
	return -1;
}

/* ioasid_*() calls nest in an open iommu_*() call of the same task; nothing else does. */
static bool may_nest(enum import_fn outer, enum import_fn inner)
{
	return fns[outer].outer && !fns[inner].outer;
}

/* ---- the line parser ------------------------------------------------------------ */

/* A view of part of the line being parsed. */
struct tok {
	const char *s;
	size_t len;
};

struct lp {
	const char *line;
	size_t len;
	unsigned int *col;
	char *msg;
	size_t msglen;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static int lp_fail(struct lp *lp, const char *at, const char *fmt, ...)
{
	va_list ap;

	*lp->col = (unsigned int)(at - lp->line) + 1;
	va_start(ap, fmt);
	vsnprintf(lp->msg, lp->msglen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool tok_eq(struct tok t, const char *s)
{
	return t.len == strlen(s) && !memcmp(t.s, s, t.len);
}

static bool tok_has_prefix(struct tok t, const char *s)
{
	size_t n = strlen(s);

	return t.len >= n && !memcmp(t.s, s, n);
}

static bool tok_has_suffix(struct tok t, const char *s)
{
	size_t n = strlen(s);

	return t.len >= n && !memcmp(t.s + t.len - n, s, n);
}

/* Next blank-separated token at or after *@p; false at the end. */
static bool next_tok(const char **p, const char *end, struct tok *t)
{
	const char *s = *p;

	while (s < end && is_blank(*s))
		s++;
	if (s == end)
		return false;
	t->s = s;
	while (s < end && !is_blank(*s))
		s++;
	t->len = s - t->s;
	*p = s;
	return true;
}

/* Unsigned decimal of the whole token; false if not digits or too large. */
static bool tok_u64(struct tok t, uint64_t *v)
{
	uint64_t x = 0;

	if (!t.len || t.len > 20)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		unsigned int d = (unsigned char)t.s[i] - '0';

		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool tok_hex(struct tok t, uint64_t *v)
{
	uint64_t x = 0;

	if (!t.len || t.len > 16)
		return false;
	for (size_t i = 0; i < t.len; i++) {
		int c = (unsigned char)t.s[i];

		if (!isxdigit(c))
			return false;
		x = x << 4 | (uint64_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
	}
	*v = x;
	return true;
}

enum val_kind { VAL_NUM, VAL_FAULT, VAL_BAD };

/* A probe argument's value: 0x-hex, decimal (negative: two's complement), "(fault)". */
static enum val_kind parse_value(struct tok t, uint64_t *v)
{
	if (tok_eq(t, "(fault)"))
		return VAL_FAULT;
	if (tok_has_prefix(t, "0x") || tok_has_prefix(t, "0X")) {
		struct tok h = { t.s + 2, t.len - 2 };

		return tok_hex(h, v) ? VAL_NUM : VAL_BAD;
	}
	if (t.len > 1 && t.s[0] == '-') {
		struct tok d = { t.s + 1, t.len - 1 };
		uint64_t m;

		if (!tok_u64(d, &m) || m > (uint64_t)INT64_MAX + 1)
			return VAL_BAD;
		*v = (uint64_t)0 - m;
		return VAL_NUM;
	}
	return tok_u64(t, v) ? VAL_NUM : VAL_BAD;
}

/* "SECONDS[.FRACTION]:" -> ns. Fractions of 1-9 digits. */
static bool parse_ts(struct tok t, uint64_t *ns)
{
	const char *dot;
	struct tok sec, frac = { NULL, 0 };
	uint64_t s, f = 0;

	if (t.len < 2 || t.s[t.len - 1] != ':')
		return false;
	t.len--;
	dot = memchr(t.s, '.', t.len);
	sec.s = t.s;
	sec.len = dot ? (size_t)(dot - t.s) : t.len;
	if (dot) {
		frac.s = dot + 1;
		frac.len = t.len - sec.len - 1;
		if (!frac.len || frac.len > 9 || !tok_u64(frac, &f))
			return false;
		for (size_t i = frac.len; i < 9; i++)
			f *= 10;
	}
	if (!tok_u64(sec, &s))
		return false;
	if (!dot) {			/* a raw counter clock: taken as ns */
		*ns = s;
		return true;
	}
	if (s > UINT64_MAX / 1000000000u - 1)
		return false;
	*ns = s * 1000000000u + f;
	return true;
}

static bool tok_all(struct tok t, int (*pred)(int))
{
	if (!t.len)
		return false;
	for (size_t i = 0; i < t.len; i++)
		if (!pred((unsigned char)t.s[i]))
			return false;
	return true;
}

/* "[003]" */
static bool parse_cpu_col(struct tok t, int *cpu)
{
	struct tok d = { t.s + 1, t.len - 2 };
	uint64_t v;

	if (t.len < 3 || t.s[0] != '[' || t.s[t.len - 1] != ']')
		return false;
	if (!tok_u64(d, &v) || v >= TRACE_MAX_CPUS)
		return false;
	*cpu = (int)v;
	return true;
}

static bool parse_pid(struct tok t, int *pid)
{
	uint64_t v;

	if (!tok_u64(t, &v) || v > INT32_MAX)
		return false;
	*pid = (int)v;
	return true;
}

/*
 * Map an event name to a probed function. Accepts the names recording.md
 * defines and the usual variants: an optional group ("probe:", "kprobes/"),
 * ftrace's default "p_FN_0" / "r_FN_0", perf's "FN__return" and a "_N"
 * duplicate suffix, "FN_ret", "FN_return", "FN_entry". *@is_ret is 1 or 0
 * when the name tells, else -1.
 */
static bool resolve_event(struct tok name, enum import_fn *fn, int *is_ret)
{
	static const char *const ret_sfx[] = { "__return", "_return", "__ret", "_ret" };
	static const char *const ent_sfx[] = { "__entry", "_entry" };
	struct tok t = name;

	for (size_t i = t.len; i > 0; i--) {
		if (t.s[i - 1] == ':' || t.s[i - 1] == '/') {
			t.s += i;
			t.len -= i;
			break;
		}
	}
	*is_ret = -1;
	if (tok_has_prefix(t, "p_") || tok_has_prefix(t, "r_")) {
		*is_ret = t.s[0] == 'r';
		t.s += 2;
		t.len -= 2;
	}
	/* a trailing _N (ftrace's p_FN_0, perf's duplicates) */
	for (size_t i = t.len; i > 1; i--) {
		if (isdigit((unsigned char)t.s[i - 1]))
			continue;
		if (t.s[i - 1] == '_' && i < t.len)
			t.len = i - 1;
		break;
	}
	for (size_t i = 0; i < sizeof(ret_sfx) / sizeof(ret_sfx[0]); i++) {
		if (tok_has_suffix(t, ret_sfx[i])) {
			t.len -= strlen(ret_sfx[i]);
			*is_ret = 1;
			break;
		}
	}
	for (size_t i = 0; i < sizeof(ent_sfx) / sizeof(ent_sfx[0]); i++) {
		if (*is_ret != 1 && tok_has_suffix(t, ent_sfx[i])) {
			t.len -= strlen(ent_sfx[i]);
			*is_ret = 0;
			break;
		}
	}
	for (int i = 0; i < IMPORT_FN__NR; i++) {
		if (tok_eq(t, fns[i].name)) {
			*fn = i;
			if (*is_ret < 0)
				*is_ret = 0;
			return true;
		}
	}
	return false;
}

/*
 * A probe location "name+0x0/0x190 [module]" -> "name". A bare address, or
 * with @entry an offset other than 0 (a probe inside the function, not on
 * its entry), gives an empty token.
 */
static struct tok location_symbol(struct tok t, bool entry)
{
	const char *plus;

	while (t.len && is_blank(t.s[0])) {
		t.s++;
		t.len--;
	}
	for (size_t i = 0; i < t.len; i++) {
		if (is_blank(t.s[i])) {
			t.len = i;
			break;
		}
	}
	plus = memchr(t.s, '+', t.len);
	if (plus) {
		const char *slash = memchr(plus, '/', t.s + t.len - plus);
		struct tok off = { plus + 1, (slash ? slash : t.s + t.len) - plus - 1 };
		uint64_t v;

		if (entry && (!tok_has_prefix(off, "0x") ||
			      !tok_hex((struct tok){ off.s + 2, off.len - 2 }, &v) || v)) {
			t.len = 0;
			return t;
		}
		t.len = plus - t.s;
	}
	if (tok_all(t, isxdigit) && t.len >= 8)
		t.len = 0;
	return t;
}

/* Which parameter of @fn an argument called @name sets, or -1. */
static int param_index(enum import_fn fn, struct tok name)
{
	const struct fn_desc *d = &fns[fn];

	for (int i = 0; i < IMPORT_MAX_ARGS; i++) {
		const struct fn_param *p = &d->param[i];

		for (int k = 0; k < 4 && p->names[k]; k++)
			if (tok_eq(name, p->names[k]))
				return i;
	}
	if (tok_has_prefix(name, "arg") && name.len == 4 && name.s[3] >= '1' &&
	    name.s[3] <= '0' + IMPORT_MAX_ARGS) {
		int i = name.s[3] - '1';

		if (d->param[i].names[0] && d->param[i].positional)
			return i;
	}
	return -1;
}

/* The arguments after the location: NAME=VALUE ... */
static int parse_args(struct lp *lp, const char *p, const char *end, struct import_rec *rec)
{
	bool is_ret = rec->kind == IMPORT_REC_RETURN;
	struct tok t, seen[IMPORT_MAX_ARGS] = { 0 };
	unsigned int nr = 0;

	while (next_tok(&p, end, &t)) {
		const char *eq = memchr(t.s, '=', t.len);
		struct tok name, val;
		enum val_kind k;
		uint64_t v = 0;
		int idx;

		if (!eq || eq == t.s)
			return lp_fail(lp, t.s,
				       "expected NAME=VALUE (a probe argument), got '%.*s'",
				       (int)(t.len > 40 ? 40 : t.len), t.s);
		name.s = t.s;
		name.len = eq - t.s;
		val.s = eq + 1;
		val.len = t.len - name.len - 1;
		if (val.len && val.s[0] == '"') {
			/* a string argument (comm=+0(...):string): skip to its closing quote */
			const char *q = memchr(val.s + 1, '"', end - val.s - 1);

			if (!q)
				return lp_fail(lp, val.s, "expected a closing '\"'");
			p = q + 1;
			continue;
		}
		k = parse_value(val, &v);
		nr++;
		if (is_ret) {
			/* the return value: named ret/retval/rc/arg1, or the only argument */
			if (!tok_eq(name, "arg1") && !tok_eq(name, "ret") &&
			    !tok_eq(name, "retval") && !tok_eq(name, "rc") && nr > 1)
				continue;
			if (k == VAL_BAD)
				return lp_fail(lp, val.s, "expected a number (decimal or 0x hex) "
					       "for the return value");
			rec->has_ret = k == VAL_NUM;
			rec->ret = v;
			continue;
		}
		idx = param_index(rec->fn, name);
		if (idx < 0)
			continue;	/* an extra fetch argument: not ours */
		if (k == VAL_BAD)
			return lp_fail(lp, val.s,
				       "expected a number (decimal or 0x hex) for '%.*s'",
				       (int)name.len, name.s);
		/* an argument given twice (or two of its names with different values) */
		if (seen[idx].s && ((name.len == seen[idx].len &&
		    !memcmp(name.s, seen[idx].s, name.len)) || (k == VAL_NUM &&
		    (rec->argmask & 1u << idx) && rec->arg[idx] != v)))
			return lp_fail(lp, name.s, "expected each argument once, got '%.*s' "
				       "again", (int)name.len, name.s);
		seen[idx] = name;
		if (k == VAL_NUM && fns[rec->fn].param[idx].u32 && v > UINT32_MAX &&
		    v < (uint64_t)INT32_MIN)
			return lp_fail(lp, val.s, "expected a 32-bit value for '%.*s', got '%.*s'",
				       (int)name.len, name.s, (int)(val.len > 40 ? 40 : val.len),
				       val.s);
		if (k == VAL_NUM) {
			rec->argmask |= 1u << idx;
			rec->arg[idx] = v;
		}
	}
	if (rec->kind == IMPORT_REC_ENTRY) {
		for (int i = 0; i < IMPORT_MAX_ARGS; i++) {
			const struct fn_param *fp = &fns[rec->fn].param[i];

			if (!fp->required || (rec->argmask & 1u << i))
				continue;
			if (fp->positional)
				return lp_fail(lp, end,
					       "%s entry: expected argument '%s' (or arg%d)",
					       fns[rec->fn].name, fp->names[0], i + 1);
			return lp_fail(lp, end, "%s entry: expected argument '%s'",
				       fns[rec->fn].name, fp->names[0]);
		}
	}
	return 0;
}

/*
 * First unsigned decimal number in [p, end): 1, 0 if there is none, or -1
 * with *@at where it is not one (a minus sign before it, digits running into
 * letters, more than 64 bits).
 */
static int first_number(const char *p, const char *end, uint64_t *v, const char **at)
{
	const char *start = p;
	struct tok t;

	while (p < end && !isdigit((unsigned char)*p))
		p++;
	if (p == end)
		return 0;
	*at = p;
	if (p > start && p[-1] == '-') {
		*at = p - 1;
		return -1;
	}
	t.s = p;
	while (p < end && isdigit((unsigned char)*p))
		p++;
	t.len = p - t.s;
	if (!tok_u64(t, v) || (p < end && isalnum((unsigned char)*p)))
		return -1;
	return 1;
}

/* A count in a line: first_number(), its error reported at its column. */
static int count_in(struct lp *lp, const char *p, const char *end, uint64_t *v, bool *known)
{
	const char *at = p;
	int r = first_number(p, end, v, &at);

	if (r < 0)
		return lp_fail(lp, at, "expected an unsigned decimal count, got '%.*s'",
			       (int)(end - at > 24 ? 24 : end - at), at);
	if (known)
		*known = r > 0;
	return r;
}

static bool contains_ci(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp(s + i, word, n))
			return true;
	return false;
}

static const char *find_str(const char *s, size_t len, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= len; i++)
		if (!memcmp(s + i, word, n))
			return s + i;
	return NULL;
}

/*
 * "# entries-in-buffer/entries-written: 12/40   #P:4": 28 events were
 * overwritten. "#P:" and perf's "# nrcpus avail : 8" give the CPU count.
 */
static int parse_comment(struct lp *lp, const char *p, const char *end,
			 struct import_rec *rec)
{
	const char *e = find_str(p, end - p, "entries-in-buffer/entries-written:");
	const char *cpus = find_str(p, end - p, "#P:");
	uint64_t n, m, c;

	if (e) {
		const char *slash, *send;

		e += strlen("entries-in-buffer/entries-written:");
		slash = memchr(e, '/', end - e);
		send = slash ? slash + 1 : end;
		while (send < end && !is_blank(*send))
			send++;
		if (slash && (count_in(lp, e, slash, &n, NULL) < 0 ||
			      count_in(lp, slash, send, &m, NULL) < 0))
			return -1;
		if (slash && first_number(e, slash, &n, &e) > 0 &&
		    first_number(slash, send, &m, &e) > 0 && m > n) {
			rec->kind = IMPORT_REC_OVERWRITE;
			rec->lost_known = true;
			rec->lost = m - n;
		}
	}
	if (cpus && first_number(cpus, end, &c, &e) > 0 && c && c <= TRACE_MAX_CPUS)
		rec->declared_cpus = (int)c;
	cpus = find_str(p, end - p, "nrcpus avail");
	if (cpus && first_number(cpus, end, &c, &e) > 0 && c && c <= TRACE_MAX_CPUS)
		rec->declared_cpus = (int)c;
	return 0;
}

/*
 * ftrace "CPU:2 [LOST 17 EVENTS]", trace-cmd "CPU:2 [17 EVENTS DROPPED]" /
 * "CPU:2 [EVENTS DROPPED]", and the "CPU 2 events lost" variants. Other
 * "CPU..." lines (trace-cmd's "CPU 3 is empty") are skipped.
 */
static int parse_cpu_line(struct lp *lp, const char *p, const char *end,
			  struct import_rec *rec)
{
	const char *q = p + 3;
	struct tok d;
	uint64_t cpu, n;

	if (end - p < 4 || memcmp(p, "CPU", 3))
		return false;
	if (q < end && (*q == ':' || *q == ' '))
		q++;
	d.s = q;
	while (q < end && isdigit((unsigned char)*q))
		q++;
	d.len = q - d.s;
	if (!tok_u64(d, &cpu) || cpu >= TRACE_MAX_CPUS)
		return false;
	if (!contains_ci(q, end - q, "lost") && !contains_ci(q, end - q, "dropped")) {
		rec->kind = IMPORT_REC_SKIP;
		return true;
	}
	rec->kind = IMPORT_REC_LOST;
	rec->cpu = (int)cpu;
	if (count_in(lp, q, end, &n, &rec->lost_known) < 0)
		return -1;
	rec->lost = rec->lost_known ? n : 0;
	return true;
}

/*
 * perf: "PERF_RECORD_LOST lost 17" (perf script --show-lost-events, or a
 * perf script -D dump), "PERF_RECORD_LOST_SAMPLES lost 3", and the
 * positionless summary "Processed 1234 events and lost 5 chunks!".
 */
static int parse_perf_lost(struct lp *lp, const char *p, const char *end,
			   struct import_rec *rec)
{
	const char *r = find_str(p, end - p, "PERF_RECORD_LOST");
	const char *l;
	uint64_t n;

	if (!r) {
		l = find_str(p, end - p, "Processed ");
		if (!l || !find_str(l, end - l, " events and lost "))
			return false;
		l = find_str(l, end - l, " events and lost ");
		rec->kind = IMPORT_REC_LOST_SUMMARY;
		if (count_in(lp, l, end, &n, &rec->lost_known) < 0)
			return -1;
		rec->lost = rec->lost_known ? n : 0;
		return true;
	}
	rec->kind = IMPORT_REC_LOST;
	l = find_str(r, end - r, " lost ");
	if (l && count_in(lp, l, end, &n, &rec->lost_known) < 0)
		return -1;
	rec->lost = rec->lost_known ? n : 0;
	/* the sample header before it, if any, gives the CPU and time */
	{
		struct tok t;
		const char *s = p;

		while (next_tok(&s, r, &t)) {
			int cpu;

			if (parse_cpu_col(t, &cpu))
				rec->cpu = cpu;
			else if (parse_ts(t, &rec->ts))
				rec->has_ts = true;
		}
	}
	(void)lp;
	return true;
}

#define MAX_PREFIX	32	/* tokens before the timestamp */

/*
 * TASK-PID [(TGID)] [[CPU]] [FLAGS] SECONDS: EVENT: (LOCATION) ARGS   (ftrace)
 * COMM TID[/TID] [[CPU]] SECONDS: EVENT: (LOCATION) ARGS              (perf)
 */
static int parse_event(struct lp *lp, enum import_format *fmt, const char *p, const char *end,
		       struct import_rec *rec)
{
	struct tok tk[MAX_PREFIX], ev, last;
	const char *s = p, *loc_end;
	enum import_format style;
	int n = 0, ts_at = -1, k, is_ret, loc_ret = -1;
	struct tok loc_sym = { NULL, 0 };
	const char *dash;

	while (n < MAX_PREFIX && next_tok(&s, end, &tk[n])) {
		if (n >= 1 && parse_ts(tk[n], &rec->ts)) {
			const char *s2 = s;

			if (next_tok(&s2, end, &ev) && ev.len > 1 && ev.s[ev.len - 1] == ':') {
				ts_at = n;
				s = s2;
				break;
			}
		}
		n++;
	}
	if (ts_at < 0)
		return lp_fail(lp, p, "expected an event line 'TASK-PID [CPU] SECONDS: EVENT: ...' "
			       "(ftrace) or 'COMM TID [CPU] SECONDS: EVENT: ...' (perf)");
	rec->has_ts = true;
	/* the columns before the timestamp, from the right */
	k = ts_at - 1;
	if (k >= 1 && !parse_cpu_col(tk[k], &rec->cpu) && parse_cpu_col(tk[k - 1], &rec->cpu))
		k -= 2;			/* FLAGS after [CPU]: "d..1." */
	else if (rec->cpu >= 0)
		k -= 1;
	if (k >= 1 && tk[k].len >= 3 && tk[k].s[0] == '(' && tk[k].s[tk[k].len - 1] == ')')
		k -= 1;			/* ftrace's record-tgid column */
	if (k < 0)
		return lp_fail(lp, p,
			       "expected the task ('COMM-PID' or 'COMM TID') before the CPU");
	last = tk[k];
	{
		const char *slash = memchr(last.s, '/', last.len);
		struct tok a = last, b;

		if (slash) {
			a.len = slash - last.s;
			b.s = slash + 1;
			b.len = last.len - a.len - 1;
		}
		if (slash ? (tok_all(a, isdigit) && parse_pid(b, &rec->pid)) :
			    parse_pid(last, &rec->pid)) {
			style = IMPORT_FMT_PERF;
			goto styled;
		}
	}
	dash = NULL;
	for (size_t i = last.len; i > 0; i--) {
		if (last.s[i - 1] == '-') {
			dash = last.s + i - 1;
			break;
		}
	}
	if (dash) {
		struct tok pid = { dash + 1, last.s + last.len - dash - 1 };

		if (!parse_pid(pid, &rec->pid))
			return lp_fail(lp, dash + 1, "expected the PID after '-' in 'COMM-PID'");
		style = IMPORT_FMT_FTRACE;
	} else {
		return lp_fail(lp, last.s, "expected the task as 'COMM-PID' (ftrace) or "
			       "'COMM TID' (perf), got '%.*s'",
			       (int)(last.len > 40 ? 40 : last.len), last.s);
	}
styled:
	if (*fmt == IMPORT_FMT_AUTO)
		*fmt = style;
	else if (*fmt != style)
		return lp_fail(lp, last.s, *fmt == IMPORT_FMT_FTRACE ?
			       "expected an ftrace task 'COMM-PID' "
			       "(this line looks like perf script)" :
			       "expected a perf script task 'COMM TID' "
			       "(this line looks like ftrace)");

	/* EVENT: (LOCATION) */
	ev.len--;
	rec->col = (unsigned int)(ev.s - lp->line) + 1;
	snprintf(rec->event, sizeof(rec->event), "%.*s", (int)ev.len, ev.s);
	while (s < end && is_blank(*s))
		s++;
	loc_end = s;
	if (s < end && *s == '(') {
		const char *close = memchr(s, ')', end - s);
		const char *arrow;

		if (!close)
			return lp_fail(lp, s, "expected ')' closing the probe location");
		arrow = find_str(s, close - s, "<-");
		if (arrow) {
			/*
			 * ftrace prints "(caller+0x6f/0xb0 <- func)"; the event's
			 * print fmt, used by perf and trace-cmd, "(func <- caller)",
			 * in hex. The function is the side without an offset.
			 */
			struct tok left = { s + 1, arrow - s - 1 };
			struct tok right = { arrow + 2, close - arrow - 2 };
			bool lo = memchr(left.s, '+', left.len);
			bool ro = memchr(right.s, '+', right.len);

			if (lo != ro)
				loc_sym = location_symbol(lo ? right : left, false);
			else if (style == IMPORT_FMT_PERF)
				loc_sym = location_symbol(left, false);
			else
				loc_sym = location_symbol(right, false);
			loc_ret = 1;
		} else {
			struct tok in = { s + 1, close - s - 1 };

			loc_sym = location_symbol(in, true);
			loc_ret = 0;
		}
		loc_end = close + 1;
	}
	{
		enum import_fn fn_name, fn_loc;
		bool by_name = resolve_event(ev, &fn_name, &is_ret);
		bool by_loc = loc_sym.len && resolve_event(loc_sym, &fn_loc, &(int){ 0 });

		if (!by_name && !by_loc) {
			rec->kind = IMPORT_REC_UNKNOWN;
			return 0;
		}
		rec->fn = by_loc ? fn_loc : fn_name;
		if (loc_ret >= 0)
			is_ret = loc_ret;
	}
	rec->kind = is_ret ? IMPORT_REC_RETURN : IMPORT_REC_ENTRY;
	return parse_args(lp, loc_end, end, rec);
}

/* "cpus=4", "version = 6": trace-cmd report's header */
static bool parse_keyval(const char *p, const char *end, struct import_rec *rec)
{
	const char *eq = memchr(p, '=', end - p);
	struct tok key = { p, 0 };
	const char *at;
	uint64_t v;

	if (!eq || eq == p)
		return false;
	for (const char *q = p; q < eq; q++)
		if (!isalnum((unsigned char)*q) && *q != '_' && *q != '-' && !is_blank(*q))
			return false;
	key.len = eq - p;
	while (key.len && is_blank(key.s[key.len - 1]))
		key.len--;
	if (tok_eq(key, "cpus") && first_number(eq, end, &v, &at) > 0 && v &&
	    v <= TRACE_MAX_CPUS)
		rec->declared_cpus = (int)v;
	rec->kind = IMPORT_REC_SKIP;
	return true;
}

/* perf script callchain line: "\t ffffffff8176f6a0 ioasid_alloc+0x0 ([kernel.kallsyms])" */
static bool is_callchain(const char *line, const char *p, const char *end)
{
	struct tok t;
	const char *s = p;

	return p > line && next_tok(&s, end, &t) && t.len >= 8 && tok_all(t, isxdigit);
}

int import_parse_line(enum import_format *fmt, const char *line, size_t len,
		      struct import_rec *rec, unsigned int *col, char *msg, size_t msglen)
{
	struct lp lp = { line, len, col, msg, msglen };
	const char *nul = memchr(line, '\0', len);
	const char *p = line, *end;

	memset(rec, 0, sizeof(*rec));
	rec->cpu = -1;
	rec->col = 1;
	*col = 0;
	if (msglen)
		msg[0] = '\0';
	if (nul)
		return lp_fail(&lp, nul, "expected text, got a NUL byte");
	end = line + len;
	while (end > line && (end[-1] == '\r' || end[-1] == '\n'))
		end--;
	while (p < end && is_blank(*p))
		p++;
	if (p == end)
		return 0;			/* blank */
	if (*p == '#')
		return parse_comment(&lp, p, end, rec);
	switch (parse_cpu_line(&lp, p, end, rec)) {
	case -1:
		return -1;
	case 1:
		return 0;
	}
	if (*fmt != IMPORT_FMT_FTRACE) {
		switch (parse_perf_lost(&lp, p, end, rec)) {
		case -1:
			return -1;
		case 1:
			return 0;
		}
	}
	if (find_str(p, end - p, "PERF_RECORD_") ||
	    (end - p >= 8 && !memcmp(p, "Warning:", 8)) ||
	    find_str(p, end - p, "Check IO/CPU overload") ||
	    (*p == '.' && p + 1 < end && p[1] == ' '))
		return 0;			/* other perf -D records, warnings, dumps */
	if (find_str(p, end - p, "[LOST") && !find_str(p, end - p, ": ")) {
		uint64_t n;

		rec->kind = IMPORT_REC_LOST;
		if (count_in(&lp, p, end, &n, &rec->lost_known) < 0)
			return -1;
		rec->lost = rec->lost_known ? n : 0;
		return 0;
	}
	if (parse_event(&lp, fmt, p, end, rec) == 0)
		return 0;
	{
		struct import_rec other = { .cpu = -1, .col = 1 };

		if (parse_keyval(p, end, &other) || is_callchain(line, p, end)) {
			*rec = other;
			if (msglen)
				msg[0] = '\0';
			*col = 0;
			return 0;
		}
	}
	return -1;
}

/* ---- the importer: pairing, order, conversion ----------------------------------- */

/* A call (open, nested or done) or a gap, waiting to be written. */
struct slot {
	struct slot *next;		/* FIFO of top-level calls and gaps */
	struct slot *parent;		/* nested call: the open outer call */
	bool is_gap;
	bool done;			/* returned, or given up on */
	bool lost_return;		/* its return (or a nested one) was lost: a gap follows */
	enum import_fn fn;
	int cpu;
	int pid;
	uint64_t ts;			/* absolute capture time */
	unsigned long line;
	uint32_t argmask;
	uint64_t arg[IMPORT_MAX_ARGS];
	bool has_ret;
	uint64_t ret;
	bool has_inner_id;		/* a nested ioasid_alloc() gave this PASID */
	uint32_t inner_id;
	/* gap */
	bool lost_known;
	uint64_t lost;
	const char *reason;
};

struct task {
	long long key;
	bool used;
	unsigned int depth, cap;
	struct slot **stack;
};

struct importer {
	enum import_format fmt;
	char *name;
	import_sink_t sink;
	void *arg;
	FILE *diag;
	struct import_stats st;
	char err[512];
	bool failed;
	bool finished;
	bool have_first;
	uint64_t first_ts;
	uint64_t last_ts;		/* absolute time of the last timed line */
	uint64_t out_time;		/* last time handed out */
	bool saw_lost_record;
	bool summary_placed;		/* importer_prime() already put the summary gap first */
	struct slot *head, *tail;
	struct task *tasks;
	size_t nr_tasks, cap_tasks;
	char *buf;			/* importer_read() */
	size_t buf_cap;
	char names[6][24];
	/* IDs the capture handed out, for frees of IDs it never allocated: key id + 1, 0 free */
	uint64_t *ids;
	size_t ids_cap, ids_n;
};

struct importer *importer_new(enum import_format fmt, const char *name,
			      import_sink_t sink, void *arg, FILE *diag)
{
	struct importer *im = calloc(1, sizeof(*im));

	if (!im)
		return NULL;
	im->name = strdup(name ? name : "<capture>");
	if (!im->name) {
		free(im);
		return NULL;
	}
	im->fmt = fmt;
	im->sink = sink;
	im->arg = arg;
	im->diag = diag;
	im->st.format = fmt;
	im->st.max_cpu = -1;
	return im;
}

void importer_free(struct importer *im)
{
	struct slot *s, *next;

	if (!im)
		return;
	free(im->ids);
	for (size_t i = 0; i < im->cap_tasks; i++) {
		struct task *t = &im->tasks[i];

		/* nested calls are only on a stack; top-level ones are also in the FIFO */
		for (unsigned int d = 0; t->used && d < t->depth; d++)
			if (t->stack[d]->parent)
				free(t->stack[d]);
		free(t->stack);
	}
	free(im->tasks);
	for (s = im->head; s; s = next) {
		next = s->next;
		free(s);
	}
	free(im->buf);
	free(im->name);
	free(im);
}

const char *importer_error(const struct importer *im)
{
	return im->failed ? im->err : NULL;
}

const struct import_stats *importer_stats(const struct importer *im)
{
	return &im->st;
}

static int im_fail(struct importer *im, unsigned int col, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (im->failed)
		return -1;
	n = snprintf(im->err, sizeof(im->err), "%s:%lu:%u: ", im->name, im->st.lines, col);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(im->err))
		vsnprintf(im->err + n, sizeof(im->err) - n, fmt, ap);
	va_end(ap);
	im->failed = true;
	return -1;
}

static void im_diag(struct importer *im, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (!im->diag)
		return;
	fprintf(im->diag, "%s:%lu: ", im->name, line);
	va_start(ap, fmt);
	vfprintf(im->diag, fmt, ap);
	va_end(ap);
	fputc('\n', im->diag);
}

static uint64_t hash_key(long long key)
{
	uint64_t x = (uint64_t)key * 0x9e3779b97f4a7c15ull;

	return x ^ (x >> 29);
}

static struct task *task_get(struct importer *im, long long key)
{
	size_t i;

	if ((im->nr_tasks + 1) * 2 > im->cap_tasks) {
		size_t cap = im->cap_tasks ? im->cap_tasks * 2 : 64;
		struct task *t = calloc(cap, sizeof(*t));

		if (!t)
			return NULL;
		for (size_t j = 0; j < im->cap_tasks; j++) {
			struct task *o = &im->tasks[j];

			if (!o->used)
				continue;
			for (i = hash_key(o->key) & (cap - 1); t[i].used; i = (i + 1) & (cap - 1))
				;
			t[i] = *o;
		}
		free(im->tasks);
		im->tasks = t;
		im->cap_tasks = cap;
	}
	for (i = hash_key(key) & (im->cap_tasks - 1); im->tasks[i].used;
	     i = (i + 1) & (im->cap_tasks - 1))
		if (im->tasks[i].key == key)
			return &im->tasks[i];
	im->tasks[i].used = true;
	im->tasks[i].key = key;
	im->nr_tasks++;
	return &im->tasks[i];
}

/* The pairing key: the task, or the CPU for pid 0 (one idle task per CPU). */
static long long task_key(const struct import_rec *rec)
{
	return rec->pid ? rec->pid : -1 - (long long)(rec->cpu < 0 ? 0 : rec->cpu);
}

static void fifo_append(struct importer *im, struct slot *s)
{
	if (im->tail)
		im->tail->next = s;
	else
		im->head = s;
	im->tail = s;
}

static uint64_t rel_time(struct importer *im, uint64_t ts)
{
	uint64_t t = ts >= im->first_ts ? ts - im->first_ts : 0;

	if (ts < im->first_ts || t < im->out_time) {
		im->st.clamped++;
		t = im->out_time;
	}
	im->out_time = t;
	return t;
}

/* The reserved token of the SVA set (traces/README.md). */
#define SVA_SET_TOKEN	"sva"

static const char *tok_name(char *buf, uint64_t v);

/* A set argument: "sva" for the capture's SVA set, else its address. */
static const char *set_name(const struct importer *im, char *buf, uint64_t v)
{
	if (v && im->st.sva_set_known && v == im->st.sva_set)
		return SVA_SET_TOKEN;
	return tok_name(buf, v);
}

static const char *tok_name(char *buf, uint64_t v)
{
	if (!v)
		return NULL;
	snprintf(buf, 24, "0x%" PRIx64, v);
	return buf;
}

/* A consumer handle: its address, never null */
static const char *consumer_name(char *buf, uint64_t v)
{
	snprintf(buf, 24, "0x%" PRIx64, v);
	return buf;
}

static const char *id_name(char *buf, uint32_t v)
{
	snprintf(buf, 24, "%" PRIu32, v);
	return buf;
}

static bool is_err_ptr(uint64_t v)
{
	return v >= (uint64_t)-MAX_ERRNO;
}

static bool errno_result(struct trace_event *ev, uint64_t v)
{
	int32_t e = (int32_t)(uint32_t)v;

	if (e > 0 || e < -MAX_ERRNO)
		return false;
	ev->res = TRACE_RES_ERRNO;
	ev->res_val = e;
	return true;
}

static bool ptr_result(struct importer *im, struct trace_event *ev, uint64_t v)
{
	if (!v) {
		ev->res = TRACE_RES_NULL;
	} else if (is_err_ptr(v)) {
		ev->res = TRACE_RES_ERRNO;
		ev->res_val = (int64_t)v;
	} else {
		ev->res = TRACE_RES_TOKEN;
		ev->res_name = tok_name(im->names[5], v);
	}
	return true;
}

/*
 * Fill @ev with the call @s. False if it returned but its result cannot be
 * written, with the reason in *@why.
 */
static bool convert_call(struct importer *im, const struct slot *s, struct trace_event *ev,
			 const char **why)
{
	char (*nm)[24] = im->names;
	const uint64_t *a = s->arg;
	bool known = true;

	*why = "not a 0/-errno value";

	ev->op = fns[s->fn].op;
	switch (s->fn) {
	case IMPORT_FN_IOASID_ALLOC:
		ev->set = set_name(im, nm[0], a[0]);
		ev->min = (uint32_t)a[1];
		ev->max = (uint32_t)a[2];
		ev->priv = tok_name(nm[1], a[3]);
		if (s->has_ret && (uint32_t)s->ret == INVALID_ID) {
			ev->res = TRACE_RES_INVALID;
		} else if (s->has_ret) {
			ev->res = TRACE_RES_ID;
			ev->res_name = id_name(nm[5], (uint32_t)s->ret);
		}
		break;
	case IMPORT_FN_IOASID_FREE:
		ev->id = id_name(nm[2], (uint32_t)a[0]);
		break;
	case IMPORT_FN_IOASID_FIND:
		ev->set = set_name(im, nm[0], a[0]);
		ev->id = id_name(nm[2], (uint32_t)a[1]);
		/* a getter that said no makes the result NULL: not replayable */
		if (s->has_ret && s->ret == 0 && (s->argmask & 4) && a[2]) {
			known = false;
			*why = "NULL from a getter, which the replay does not have";
		} else if (s->has_ret) {
			ptr_result(im, ev, s->ret);
		}
		break;
	case IMPORT_FN_IOASID_SET_DATA:
		ev->id = id_name(nm[2], (uint32_t)a[0]);
		ev->priv = tok_name(nm[1], a[1]);
		if (s->has_ret)
			known = errno_result(ev, s->ret);
		break;
	case IMPORT_FN_SVA_ALLOC_PASID:
		ev->mm = tok_name(nm[3], a[0]);
		ev->min = (uint32_t)a[1];
		ev->max = (uint32_t)a[2];
		if (!s->has_ret)
			break;
		if ((int32_t)s->ret) {
			known = errno_result(ev, s->ret);
		} else if (s->has_inner_id) {
			ev->res = TRACE_RES_ID;
			ev->res_name = id_name(nm[5], s->inner_id);
		} else if ((s->argmask & 8) && (uint32_t)a[3] != INVALID_ID) {
			ev->res = TRACE_RES_ID;		/* the mm already had this PASID */
			ev->res_name = id_name(nm[5], (uint32_t)a[3]);
		} else {
			known = false;
			*why = "the mm's PASID: neither a nested ioasid_alloc return nor mm_pasid";
		}
		break;
	case IMPORT_FN_PASID_INIT:
		ev->c = consumer_name(nm[4], a[0]);
		ev->min = (uint32_t)a[1];
		ev->max = (uint32_t)a[2];
		if (s->has_ret)
			known = errno_result(ev, s->ret);
		break;
	case IMPORT_FN_PASID_EXIT:
		ev->c = consumer_name(nm[4], a[0]);
		break;
	case IMPORT_FN_PASID_ALLOC:
		ev->c = consumer_name(nm[4], a[0]);
		ev->min = (uint32_t)a[1];
		ev->max = (uint32_t)a[2];
		ev->priv = tok_name(nm[1], a[3]);
		if (!s->has_ret)
			break;
		if ((int32_t)s->ret) {
			known = errno_result(ev, s->ret);
		} else if (s->has_inner_id) {
			ev->res = TRACE_RES_ID;
			ev->res_name = id_name(nm[5], s->inner_id);
		} else {
			known = false;
			*why = "no nested ioasid_alloc return gave the PASID";
		}
		break;
	case IMPORT_FN_PASID_FREE:
		ev->c = consumer_name(nm[4], a[0]);
		ev->id = id_name(nm[2], (uint32_t)a[1]);
		if (s->has_ret)
			known = errno_result(ev, s->ret);
		break;
	case IMPORT_FN_PASID_FIND:
		ev->c = consumer_name(nm[4], a[0]);
		ev->id = id_name(nm[2], (uint32_t)a[1]);
		if (s->has_ret)
			ptr_result(im, ev, s->ret);
		break;
	case IMPORT_FN_PASID_FOR_EACH:
		/* the kernel returns the callback's verdict, the trace records a count */
		ev->c = consumer_name(nm[4], a[0]);
		known = false;
		*why = "for_each returns the callback's verdict, a trace records a count";
		break;
	default:
		break;
	}
	if (ev->res != TRACE_RES_NONE && !(trace_op_results(ev->op) & 1u << ev->res)) {
		known = false;
		*why = "a result this operation cannot record";
	}
	if (!known) {
		ev->res = TRACE_RES_NONE;
		ev->res_name = NULL;
		ev->res_val = 0;
	}
	return known;
}

static int emit_gap(struct importer *im, int cpu, uint64_t ts, bool lost_known, uint64_t lost,
		    const char *reason, unsigned long line)
{
	struct trace_event ev = { 0 };

	ev.op = TRACE_GAP;
	ev.kernel = TRACE_HOST;
	ev.cpu = cpu < 0 ? 0 : cpu;
	ev.time = rel_time(im, ts);
	ev.lost_known = lost_known;
	ev.lost = lost;
	ev.reason = reason;
	im->st.gaps++;
	if (lost_known)
		im->st.lost += lost;
	else
		im->st.lost_unknown++;
	if ((int)ev.cpu > im->st.max_cpu)
		im->st.max_cpu = ev.cpu;
	return im->sink ? im->sink(im->arg, &ev, line) : 0;
}

/* The set of IDs seen (open addressing, never shrinks): is @id in it; add it if @add. */
static bool id_seen(struct importer *im, uint32_t id, bool add)
{
	size_t i;

	if (add && (im->ids_n + 1) * 2 > im->ids_cap) {
		size_t cap = im->ids_cap ? im->ids_cap * 2 : 256;
		uint64_t *n = calloc(cap, sizeof(*n));

		if (!n)
			return false;	/* not tracked: at worst a note is missed */
		for (size_t k = 0; k < im->ids_cap; k++) {
			if (!im->ids[k])
				continue;
			for (i = (im->ids[k] * 0x9e3779b97f4a7c15ULL) >> 40 & (cap - 1); n[i];
			     i = (i + 1) & (cap - 1))
				;
			n[i] = im->ids[k];
		}
		free(im->ids);
		im->ids = n;
		im->ids_cap = cap;
	}
	if (!im->ids_cap)
		return false;
	for (i = ((id + 1ULL) * 0x9e3779b97f4a7c15ULL) >> 40 & (im->ids_cap - 1); im->ids[i];
	     i = (i + 1) & (im->ids_cap - 1))
		if (im->ids[i] == id + 1ULL)
			return true;
	if (add) {
		im->ids[i] = id + 1ULL;
		im->ids_n++;
	}
	return false;
}

/*
 * IDs the capture allocated; a free of one it never did, with no gap before
 * it, is noted: the ID predates the capture (or the capture is wrong), and
 * the trace names it by its number, which no replayed ID is bound to.
 */
static void track_ids(struct importer *im, const struct slot *s, const struct trace_event *ev)
{
	if (ev->res == TRACE_RES_ID && ev->res_name)
		id_seen(im, strtoul(ev->res_name, NULL, 10), true);
	if ((s->fn == IMPORT_FN_IOASID_FREE || s->fn == IMPORT_FN_PASID_FREE) && ev->id &&
	    !id_seen(im, strtoul(ev->id, NULL, 10), false) && !im->st.gaps) {
		im->st.unknown_frees++;
		im_diag(im, s->line, "note: %s of ID %s, which this capture (no events lost "
			"before it) never allocated: the ID predates the capture", fns[s->fn].name,
			ev->id);
	}
}

static int emit(struct importer *im, struct slot *s)
{
	struct trace_event ev = { 0 };
	const char *why;
	int ret;

	if (s->is_gap)
		return emit_gap(im, s->cpu, s->ts, s->lost_known, s->lost, s->reason, s->line);
	ev.kernel = TRACE_HOST;
	ev.cpu = s->cpu < 0 ? 0 : s->cpu;
	ev.time = rel_time(im, s->ts);
	/* for_each: by design, not worth a note on every call */
	if (!convert_call(im, s, &ev, &why) && s->has_ret && s->fn != IMPORT_FN_PASID_FOR_EACH) {
		im->st.unknown_results++;
		im_diag(im, s->line, "note: %s (pid %d) returned %#" PRIx64 " but its result "
			"cannot be recovered (%s); written without a result", fns[s->fn].name,
			s->pid, s->ret, why);
	}
	track_ids(im, s, &ev);
	im->st.ops++;
	im->st.per_fn[s->fn]++;
	if ((int)ev.cpu > im->st.max_cpu)
		im->st.max_cpu = ev.cpu;
	ret = im->sink ? im->sink(im->arg, &ev, s->line) : 0;
	if (!ret && s->lost_return)
		ret = emit_gap(im, s->cpu, s->ts, true, 1, "lost-return", s->line);
	return ret;
}

static int flush(struct importer *im)
{
	while (im->head && (im->head->is_gap || im->head->done)) {
		struct slot *s = im->head;
		int ret;

		im->head = s->next;
		if (!im->head)
			im->tail = NULL;
		ret = emit(im, s);
		free(s);
		if (ret)
			return ret;
	}
	return 0;
}

static struct slot *new_slot(struct importer *im)
{
	struct slot *s = calloc(1, sizeof(*s));

	if (!s)
		im_fail(im, 1, "out of memory");
	return s;
}

static int add_gap(struct importer *im, int cpu, uint64_t ts, bool lost_known, uint64_t lost,
		   const char *reason)
{
	struct slot *s = new_slot(im);

	if (!s)
		return -1;
	s->is_gap = true;
	s->cpu = cpu;
	s->ts = ts;
	s->lost_known = lost_known;
	s->lost = lost;
	s->reason = reason;
	s->line = im->st.lines;
	fifo_append(im, s);
	return 0;
}

/* Give up on the innermost open call of @t: its return never came. */
static void close_unpaired(struct importer *im, struct task *t, bool mid_capture)
{
	struct slot *s = t->stack[--t->depth];

	im->st.unpaired_entries++;
	if (mid_capture) {
		im_diag(im, s->line, "gap: %s entered here (pid %d, CPU %d) never returned before "
			"line %lu: its return event was lost", fns[s->fn].name, s->pid, s->cpu,
			im->st.lines);
		if (s->parent)
			s->parent->lost_return = true;
		else
			s->lost_return = true;
	} else {
		im_diag(im, s->line, "note: %s entered here (pid %d, CPU %d) had not returned when "
			"the capture ended; written without a result", fns[s->fn].name, s->pid,
			s->cpu);
	}
	if (s->parent)
		free(s);
	else
		s->done = true;
}

static int push(struct importer *im, struct task *t, struct slot *s)
{
	if (t->depth == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 4;
		struct slot **st = realloc(t->stack, cap * sizeof(*st));

		if (!st)
			return im_fail(im, 1, "out of memory");
		t->stack = st;
		t->cap = cap;
	}
	t->stack[t->depth++] = s;
	return 0;
}

static void fold(struct slot *outer, enum import_fn fn, bool has_ret, uint64_t ret)
{
	if (fn != IMPORT_FN_IOASID_ALLOC || !has_ret || (uint32_t)ret == INVALID_ID)
		return;
	if (outer->fn == IMPORT_FN_PASID_ALLOC || outer->fn == IMPORT_FN_SVA_ALLOC_PASID) {
		outer->has_inner_id = true;
		outer->inner_id = (uint32_t)ret;
	}
}

static int on_entry(struct importer *im, const struct import_rec *rec)
{
	struct task *t = task_get(im, task_key(rec));
	struct slot *s;

	if (!t)
		return im_fail(im, rec->col, "out of memory");
	while (t->depth && !may_nest(t->stack[t->depth - 1]->fn, rec->fn))
		close_unpaired(im, t, true);
	s = new_slot(im);
	if (!s)
		return -1;
	s->fn = rec->fn;
	s->cpu = rec->cpu;
	s->pid = rec->pid;
	s->ts = rec->ts;
	s->line = im->st.lines;
	s->argmask = rec->argmask;
	memcpy(s->arg, rec->arg, sizeof(s->arg));
	if (t->depth)
		s->parent = t->stack[t->depth - 1];
	else
		fifo_append(im, s);
	/* the set iommu_sva_alloc_pasid allocates in: the SVA set (the first one seen) */
	if (s->parent && s->parent->fn == IMPORT_FN_SVA_ALLOC_PASID &&
	    s->fn == IMPORT_FN_IOASID_ALLOC && (s->argmask & 1) && !im->st.sva_set_known) {
		im->st.sva_set_known = true;
		im->st.sva_set = s->arg[0];
	}
	if (push(im, t, s)) {
		if (s->parent)
			free(s);
		else
			s->done = true;
		return -1;
	}
	return flush(im);
}

static int on_return(struct importer *im, const struct import_rec *rec)
{
	struct task *t = task_get(im, task_key(rec));
	struct slot *s;
	int i;

	if (!t)
		return im_fail(im, rec->col, "out of memory");
	for (i = (int)t->depth - 1; i >= 0; i--)
		if (t->stack[i]->fn == rec->fn)
			break;
	if (i < 0) {
		im->st.unpaired_returns++;
		im_diag(im, im->st.lines, "gap: return of %s (pid %d, CPU %d) without its entry: "
			"the entry event was lost", fns[rec->fn].name, rec->pid, rec->cpu);
		if (t->depth && may_nest(t->stack[t->depth - 1]->fn, rec->fn))
			fold(t->stack[t->depth - 1], rec->fn, rec->has_ret, rec->ret);
		if (add_gap(im, rec->cpu, rec->ts, true, 1, "lost-entry"))
			return -1;
		return flush(im);
	}
	while ((int)t->depth - 1 > i)
		close_unpaired(im, t, true);
	s = t->stack[--t->depth];
	s->has_ret = rec->has_ret;
	s->ret = rec->ret;
	im->st.pairs++;
	if (s->parent) {
		fold(s->parent, s->fn, s->has_ret, s->ret);
		im->st.nested++;
		free(s);
	} else {
		s->done = true;
	}
	return flush(im);
}

static void count_unknown(struct importer *im, const char *name)
{
	struct import_stats *st = &im->st;

	st->unknown_events++;
	for (unsigned int i = 0; i < st->nr_unknown_names; i++) {
		if (!strcmp(st->unknown[i].name, name)) {
			st->unknown[i].count++;
			return;
		}
	}
	if (st->nr_unknown_names < IMPORT_MAX_UNKNOWN) {
		struct import_unknown *u = &st->unknown[st->nr_unknown_names++];

		snprintf(u->name, sizeof(u->name), "%s", name);
		u->count = 1;
	}
}

static void note_time(struct importer *im, const struct import_rec *rec)
{
	if (!rec->has_ts)
		return;
	if (!im->have_first) {
		im->have_first = true;
		im->first_ts = rec->ts;
	}
	im->last_ts = rec->ts;
}

static const char *lost_text(const struct import_rec *rec, char *buf, size_t len)
{
	if (rec->lost_known)
		snprintf(buf, len, "%" PRIu64 " events", rec->lost);
	else
		snprintf(buf, len, "an unknown number of events");
	return buf;
}

int importer_feed(struct importer *im, const char *line, size_t len)
{
	struct import_rec rec;
	unsigned int col;
	char msg[256], lost[48];

	if (im->failed)
		return -1;
	im->st.lines++;
	if (import_parse_line(&im->fmt, line, len, &rec, &col, msg, sizeof(msg)))
		return im_fail(im, col, "%s", msg);
	im->st.format = im->fmt;
	if (rec.declared_cpus > im->st.declared_cpus)
		im->st.declared_cpus = rec.declared_cpus;
	switch (rec.kind) {
	case IMPORT_REC_SKIP:
		im->st.skipped_lines++;
		return 0;
	case IMPORT_REC_UNKNOWN:
		count_unknown(im, rec.event);
		return 0;
	case IMPORT_REC_OVERWRITE:
		im_diag(im, im->st.lines, "gap: the ring buffer overwrote its oldest %s before "
			"the capture starts", lost_text(&rec, lost, sizeof(lost)));
		if (add_gap(im, 0, im->have_first ? im->last_ts : 0, rec.lost_known, rec.lost,
			    "overwrite"))
			return -1;
		return flush(im);
	case IMPORT_REC_LOST:
		note_time(im, &rec);
		im->saw_lost_record = true;
		im_diag(im, im->st.lines, "gap: CPU %d lost %s here", rec.cpu < 0 ? 0 : rec.cpu,
			lost_text(&rec, lost, sizeof(lost)));
		if (add_gap(im, rec.cpu, im->have_first ? im->last_ts : 0, rec.lost_known, rec.lost,
			    "lost-events"))
			return -1;
		return flush(im);
	case IMPORT_REC_LOST_SUMMARY:
		im->st.skipped_lines++;
		if (im->saw_lost_record || im->summary_placed || im->st.summary_gap)
			return 0;	/* counted by its LOST records, or already placed first */
		im->st.summary_gap = true;
		im->st.summary_lost_known = rec.lost_known;
		im->st.summary_lost = rec.lost;
		im->st.summary_line = im->st.lines;
		im_diag(im, im->st.lines, "gap: perf lost %s at unknown positions (record "
			"with --show-lost-events to place them)",
			lost_text(&rec, lost, sizeof(lost)));
		if (add_gap(im, 0, im->have_first ? im->last_ts : 0, rec.lost_known, rec.lost,
			    "perf-lost-summary"))
			return -1;
		return flush(im);
	case IMPORT_REC_ENTRY:
		note_time(im, &rec);
		im->st.events++;
		im->st.entries++;
		return on_entry(im, &rec);
	case IMPORT_REC_RETURN:
		note_time(im, &rec);
		im->st.events++;
		im->st.returns++;
		return on_return(im, &rec);
	}
	return 0;
}

int importer_prime(struct importer *im, const struct import_stats *prev)
{
	if (prev->format != IMPORT_FMT_AUTO && im->fmt == IMPORT_FMT_AUTO)
		im->fmt = prev->format;
	if (prev->sva_set_known && !im->st.sva_set_known) {
		im->st.sva_set_known = true;
		im->st.sva_set = prev->sva_set;
	}
	if (!prev->summary_gap || im->summary_placed)
		return 0;
	im->summary_placed = true;
	im->st.summary_gap = true;
	im->st.summary_lost_known = prev->summary_lost_known;
	im->st.summary_lost = prev->summary_lost;
	im_diag(im, prev->summary_line, "gap: perf lost %s%" PRIu64 " events at unknown positions "
		"(record with --show-lost-events to place them); written at the start",
		prev->summary_lost_known ? "" : "an unknown number of ", prev->summary_lost);
	if (add_gap(im, 0, 0, prev->summary_lost_known, prev->summary_lost, "perf-lost-summary"))
		return -1;
	return flush(im);
}

int importer_finish(struct importer *im)
{
	if (im->failed)
		return -1;
	if (im->finished)
		return 0;
	im->finished = true;
	for (size_t i = 0; i < im->cap_tasks; i++) {
		struct task *t = &im->tasks[i];

		while (t->used && t->depth)
			close_unpaired(im, t, false);
	}
	return flush(im);
}

/*
 * One line of @f into im->buf (at most IMPORT_MAX_LINE bytes before its
 * newline): its length with the newline, 0 at the end, -1 with the error
 * reported (a read error, a line too long, a last line without newline).
 */
static ssize_t read_line(struct importer *im, FILE *f)
{
	size_t n = 0;
	int c;

	if (!im->buf) {
		im->buf_cap = IMPORT_MAX_LINE + 2;
		im->buf = malloc(im->buf_cap);
		if (!im->buf)
			return im_fail(im, 1, "out of memory");
	}
	while ((c = getc_unlocked(f)) != EOF) {
		if (n == IMPORT_MAX_LINE) {
			im->st.lines++;
			return im_fail(im, n + 1, "expected a line of at most %d bytes",
				       IMPORT_MAX_LINE);
		}
		im->buf[n++] = (char)c;
		if (c == '\n')
			return n;
	}
	if (ferror(f)) {
		im->st.lines++;
		return im_fail(im, n + 1, "read error: %s", strerror(errno));
	}
	if (n) {
		/* a capture cut in the middle of its last line: its values may be cut too */
		im->st.lines++;
		return im_fail(im, n + 1, "expected a newline at the end of the last line "
			       "(is the capture cut short?)");
	}
	return 0;
}

static __thread void (*progress_fn)(void *arg, unsigned long lines, int pass);
static __thread void *progress_arg;
static __thread int progress_pass;

void import_set_progress(void (*fn)(void *arg, unsigned long lines, int pass), void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

int importer_read(struct importer *im, FILE *f)
{
	ssize_t n;
	int ret;

	while ((n = read_line(im, f)) > 0) {
		if (progress_fn && !(im->st.lines & 0xffff))
			progress_fn(progress_arg, im->st.lines, progress_pass);
		ret = importer_feed(im, im->buf, (size_t)n);
		if (ret)
			return ret;
	}
	if (n < 0)
		return -1;
	return importer_finish(im);
}

/* ---- the whole conversion ------------------------------------------------------- */

int import_header(struct trace_header *h, const struct import_stats *st,
		  enum trace_flavour flavour, const char *capture)
{
	const char *base = strrchr(capture, '/');
	int cpus = st->max_cpu + 1;
	char buf[320], name[260];
	size_t n = 0;

	trace_header_init(h);
	if (st->declared_cpus > cpus)
		cpus = st->declared_cpus;
	h->host_cpus = cpus < 1 ? 1 : cpus;
	h->flavour_host = flavour;
	base = base ? base + 1 : capture;
	/* meta text is printable ASCII with single spaces and no '#': others become '_' */
	for (const char *c = base; *c && n < sizeof(name) - 1; c++) {
		unsigned char u = *c;

		if (u == ' ' && (!n || name[n - 1] == ' '))
			continue;
		name[n++] = u < 0x20 || u > 0x7e || u == '#' ? '_' : u;
	}
	while (n && name[n - 1] == ' ')
		n--;
	name[n] = '\0';
	if (trace_header_add_meta(h, "importer", "pasidsim import"))
		goto fail;
	snprintf(buf, sizeof(buf), "%s (%s)", n ? name : "-", import_format_name(st->format));
	if (trace_header_add_meta(h, "capture", buf))
		goto fail;
	if (trace_header_add_meta(h, "note", "one kernel (host); CPUs as recorded; time in ns "
				  "from the first probe event"))
		goto fail;
	return 0;
fail:
	trace_header_release(h);
	return -1;
}

struct write_ctx {
	struct trace_writer w;
	const char *capture;
	char *err;
	size_t errlen;
};

static int write_sink(void *arg, const struct trace_event *ev, unsigned long line)
{
	struct write_ctx *c = arg;
	int ret = trace_write_event(&c->w, ev);
	char text[TRACE_MAX_LINE];

	if (!ret)
		return 0;
	if (trace_format_event(text, sizeof(text), ev) < 0)
		snprintf(text, sizeof(text), "%s", trace_op_name(ev->op));
	snprintf(c->err, c->errlen, "%s:%lu: cannot write the trace event '%.300s': %s",
		 c->capture, line, text, strerror(ret < 0 ? -ret : ret));
	return ret ? ret : -1;
}

int import_convert(FILE *in, const char *capture, enum import_format fmt,
		   enum trace_flavour flavour, FILE *out, FILE *diag,
		   struct import_stats *st, char *err, size_t errlen)
{
	struct write_ctx ctx = { .capture = capture, .err = err, .errlen = errlen };
	struct import_stats first;
	struct trace_header h;
	struct importer *im;
	int ret;

	err[0] = '\0';
	/* pass 1: the CPUs to declare, the format, a positionless perf summary */
	progress_pass = 1;
	im = importer_new(fmt, capture, NULL, NULL, NULL);
	if (!im)
		goto nomem;
	ret = importer_read(im, in);
	if (ret)
		snprintf(err, errlen, "%s", importer_error(im) ?: "import failed");
	first = *importer_stats(im);
	*st = first;
	importer_free(im);
	if (ret)
		return -1;
	if (!first.events && !first.gaps && !first.summary_gap) {
		snprintf(err, errlen, "%s:%lu:1: expected kprobe events of the PASID allocator "
			 "(docs/recording.md), found none in %lu line%s", capture,
			 first.lines ? first.lines : 1, first.lines, first.lines == 1 ? "" : "s");
		return -1;
	}
	if (fseek(in, 0, SEEK_SET)) {
		snprintf(err, errlen, "%s: cannot read it a second time: %s", capture,
			 strerror(errno));
		return -1;
	}
	/* pass 2: write */
	progress_pass = 2;
	if (import_header(&h, &first, flavour, capture))
		goto nomem;
	ret = trace_writer_start(&ctx.w, out, &h);
	if (ret) {
		snprintf(err, errlen, "%s: cannot write the trace header: %s", capture,
			 strerror(-ret));
		trace_header_release(&h);
		return -1;
	}
	im = importer_new(fmt, capture, write_sink, &ctx, diag);
	if (!im) {
		trace_header_release(&h);
		goto nomem;
	}
	ret = importer_prime(im, &first);
	if (!ret)
		ret = importer_read(im, in);
	if (ret && !err[0])
		snprintf(err, errlen, "%s", importer_error(im) ?: "import failed");
	*st = *importer_stats(im);
	importer_free(im);
	if (!ret) {
		ret = trace_writer_finish(&ctx.w);
		if (ret)
			snprintf(err, errlen, "%s: writing the trace: %s", capture, strerror(-ret));
	}
	trace_header_release(&h);
	return ret ? -1 : 0;
nomem:
	snprintf(err, errlen, "%s: out of memory", capture);
	return -1;
}
