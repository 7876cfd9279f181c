// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim import: the line parser. One line of ftrace, trace-cmd report or
 * perf script text (a kprobe or kretprobe event, a lost-events marker, a
 * comment, a CPU header) into a struct import_rec, or an error at its
 * column (import.h, docs/recording.md).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import-int.h"

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
		if (tok_eq(t, import_fns[i].name)) {
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
	const struct fn_desc *d = &import_fns[fn];

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
/* An entry record has every argument its function requires; else a failure at @end. */
static int check_required(struct lp *lp, const char *end, const struct import_rec *rec)
{
	for (int i = 0; i < IMPORT_MAX_ARGS; i++) {
		const struct fn_param *fp = &import_fns[rec->fn].param[i];

		if (!fp->required || (rec->argmask & 1u << i))
			continue;
		if (fp->positional)
			return lp_fail(lp, end, "%s entry: expected argument '%s' (or arg%d)",
				       import_fns[rec->fn].name, fp->names[0], i + 1);
		return lp_fail(lp, end, "%s entry: expected argument '%s'",
			       import_fns[rec->fn].name, fp->names[0]);
	}
	return 0;
}

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
		if (k == VAL_NUM && import_fns[rec->fn].param[idx].u32 && v > UINT32_MAX &&
		    v < (uint64_t)INT32_MIN)
			return lp_fail(lp, val.s, "expected a 32-bit value for '%.*s', got '%.*s'",
				       (int)name.len, name.s, (int)(val.len > 40 ? 40 : val.len),
				       val.s);
		if (k == VAL_NUM) {
			rec->argmask |= 1u << idx;
			rec->arg[idx] = v;
		}
	}
	return rec->kind == IMPORT_REC_ENTRY ? check_required(lp, end, rec) : 0;
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
	return memmem(s, len, word, strlen(word));
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
/*
 * The task column @last: "COMM-PID" (ftrace) or "COMM TID" / "PID/TID" (perf):
 * the PID into @rec, the style it shows into *@style.
 */
static int parse_task(struct lp *lp, struct tok last, struct import_rec *rec,
		      enum import_format *style)
{
	const char *slash = memchr(last.s, '/', last.len), *dash = NULL;
	struct tok a = last, b;

	if (slash) {
		a.len = slash - last.s;
		b.s = slash + 1;
		b.len = last.len - a.len - 1;
	}
	if (slash ? (tok_all(a, isdigit) && parse_pid(b, &rec->pid)) :
		    parse_pid(last, &rec->pid)) {
		*style = IMPORT_FMT_PERF;
		return 0;
	}
	for (size_t i = last.len; i > 0 && !dash; i--)
		if (last.s[i - 1] == '-')
			dash = last.s + i - 1;
	if (!dash)
		return lp_fail(lp, last.s, "expected the task as 'COMM-PID' (ftrace) or "
			       "'COMM TID' (perf), got '%.*s'",
			       (int)(last.len > 40 ? 40 : last.len), last.s);
	b.s = dash + 1;
	b.len = last.s + last.len - dash - 1;
	if (!parse_pid(b, &rec->pid))
		return lp_fail(lp, dash + 1, "expected the PID after '-' in 'COMM-PID'");
	*style = IMPORT_FMT_FTRACE;
	return 0;
}

/*
 * The columns before "EVENT:": the timestamp (the first token, past the
 * first, that parses as one and is followed by "EVENT:"), then, from the
 * right, the CPU, its flags, ftrace's record-tgid column and the task (into
 * @task). *@s is left after "EVENT:", which is in @ev.
 */
static int parse_prefix(struct lp *lp, const char *p, const char *end, const char **s,
			struct tok *ev, struct tok *task, struct import_rec *rec,
			enum import_format *style)
{
	struct tok tk[MAX_PREFIX];
	int n = 0, ts_at = -1, k;

	while (n < MAX_PREFIX && next_tok(s, end, &tk[n])) {
		if (n >= 1 && parse_ts(tk[n], &rec->ts)) {
			const char *s2 = *s;

			if (next_tok(&s2, end, ev) && ev->len > 1 && ev->s[ev->len - 1] == ':') {
				ts_at = n;
				*s = s2;
				break;
			}
		}
		n++;
	}
	if (ts_at < 0)
		return lp_fail(lp, p, "expected an event line 'TASK-PID [CPU] SECONDS: EVENT: ...' "
			       "(ftrace) or 'COMM TID [CPU] SECONDS: EVENT: ...' (perf)");
	rec->has_ts = true;
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
	*task = tk[k];
	return parse_task(lp, tk[k], rec, style);
}

/*
 * An optional "(LOCATION)" at *@s: the probed function's name into @sym and
 * whether it names a return (1) or an entry (0) into *@is_ret (-1: no
 * location). *@s is left after it.
 */
static int parse_location(struct lp *lp, const char **s, const char *end,
			  enum import_format style, struct tok *sym, int *is_ret)
{
	const char *close, *arrow;

	*is_ret = -1;
	if (*s >= end || **s != '(')
		return 0;
	close = memchr(*s, ')', end - *s);
	if (!close)
		return lp_fail(lp, *s, "expected ')' closing the probe location");
	arrow = find_str(*s, close - *s, "<-");
	if (arrow) {
		/*
		 * ftrace prints "(caller+0x6f/0xb0 <- func)"; the event's print
		 * fmt, used by perf and trace-cmd, "(func <- caller)", in hex.
		 * The function is the side without an offset.
		 */
		struct tok left = { *s + 1, arrow - *s - 1 };
		struct tok right = { arrow + 2, close - arrow - 2 };
		bool lo = memchr(left.s, '+', left.len);
		bool ro = memchr(right.s, '+', right.len);

		if (lo != ro)
			*sym = location_symbol(lo ? right : left, false);
		else
			*sym = location_symbol(style == IMPORT_FMT_PERF ? left : right, false);
		*is_ret = 1;
	} else {
		struct tok in = { *s + 1, close - *s - 1 };

		*sym = location_symbol(in, true);
		*is_ret = 0;
	}
	*s = close + 1;
	return 0;
}

static int parse_event(struct lp *lp, enum import_format *fmt, const char *p, const char *end,
		       struct import_rec *rec)
{
	struct tok ev, task = { p, 0 }, loc_sym = { NULL, 0 };
	const char *s = p;
	enum import_format style = IMPORT_FMT_AUTO;
	enum import_fn fn_name, fn_loc;
	int is_ret, loc_ret;
	bool by_name, by_loc;

	if (parse_prefix(lp, p, end, &s, &ev, &task, rec, &style))
		return -1;
	if (*fmt == IMPORT_FMT_AUTO)
		*fmt = style;
	else if (*fmt != style)
		return lp_fail(lp, task.s, *fmt == IMPORT_FMT_FTRACE ?
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
	if (parse_location(lp, &s, end, style, &loc_sym, &loc_ret))
		return -1;
	by_name = resolve_event(ev, &fn_name, &is_ret);
	by_loc = loc_sym.len && resolve_event(loc_sym, &fn_loc, &(int){ 0 });
	if (!by_name && !by_loc) {
		rec->kind = IMPORT_REC_UNKNOWN;
		return 0;
	}
	rec->fn = by_loc ? fn_loc : fn_name;
	if (loc_ret >= 0)
		is_ret = loc_ret;
	rec->kind = is_ret ? IMPORT_REC_RETURN : IMPORT_REC_ENTRY;
	return parse_args(lp, s, end, rec);
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

