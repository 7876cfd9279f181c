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
	/* The line, a '\r' before its '\n', a NUL; read a word at a time (token_end()). */
	char line[TRACE_MAX_LINE + 2 + 8];
	unsigned int line_len;
	struct token tok[MAX_TOKENS];
	unsigned int ntok;
	/* state */
	bool header_done;
	bool failed;
	const struct trace_header *h;
	unsigned char *vm_set;	/* per VM: override mask */
	uint64_t last_time;
	unsigned long gaps;
	/* op names by hash (op_hash()): the first op of a chain, the next; -1 ends */
	signed char op_head[64], op_next[TRACE_OP__NR];
	/* argument names of up to 7 bytes, zero-padded little-endian words; else 0 */
	uint64_t arg_word[ARG__NR];
	char err[TRACE_MAX_LINE / 4 + 256];
};

_Static_assert(TRACE_OP__NR < 128, "op indices fit the signed char chains of the op hash");

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
	for (int a = 0; a < ARG__NR; a++)
		if (trace_args[a].len < 8)
			memcpy(&p->arg_word[a], trace_args[a].name, trace_args[a].len);
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

	trace_quote(q, sizeof(q), t->s, t->len);
	return fail_at(p, t->col, "expected %s, got '%s'", what, q);
}

static int expected_end(struct trace_parser *p, const char *what)
{
	return fail_at(p, p->line_len + 1, "expected %s, got end of line", what);
}

/* ---- lines and tokens ------------------------------------------------------------- */

/* The unread input: from memory, or refilled from the file. 0 at the end. */
static size_t input(struct trace_parser *p, const char **src)
{
	if (p->mem) {
		*src = p->mem + p->mem_pos;
		return p->mem_len - p->mem_pos;
	}
	if (p->buf_pos == p->buf_len && !p->eof) {
		p->buf_len = fread(p->buf, 1, READ_CHUNK, p->f);
		p->buf_pos = 0;
		if (p->buf_len < READ_CHUNK) {
			if (ferror(p->f))
				return fail_at(p, 1, "read error: %s", strerror(errno)), 0;
			if (!p->buf_len)
				p->eof = true;
		}
	}
	*src = p->buf + p->buf_pos;
	return p->buf_len - p->buf_pos;
}

static void consume(struct trace_parser *p, size_t n)
{
	if (p->mem)
		p->mem_pos += n;
	else
		p->buf_pos += n;
}

static int too_long(struct trace_parser *p)
{
	return fail_at(p, TRACE_MAX_LINE + 1, "expected a line of at most %u bytes (not counting "
		       "its line ending)", TRACE_MAX_LINE);
}

/*
 * Read the next raw line into p->line, without its line ending ("\n" or
 * "\r\n"). 1: a line; 0: end of input; -1: error (line too long, a last
 * line without its newline, read error).
 */
static int read_line(struct trace_parser *p)
{
	const char *src, *nl;
	size_t avail, n;

	p->lineno++;
	p->line_len = 0;
	for (;;) {
		avail = input(p, &src);
		if (p->failed)
			return -1;
		if (!avail && !p->mem && !p->eof)
			continue;
		if (!avail && !p->line_len)
			return 0;
		if (!avail)	/* cut in the middle of a line? */
			return fail_at(p, p->line_len + 1, "expected a newline at the end of the "
				       "line, got the end of the file (a cut trace?)");
		nl = memchr(src, '\n', avail);
		n = nl ? (size_t)(nl - src) : avail;
		/* One byte more than the limit: a '\r' before the '\n'. */
		if (p->line_len + n > TRACE_MAX_LINE + 1)
			return too_long(p);
		memcpy(p->line + p->line_len, src, n);
		p->line_len += n;
		consume(p, n + !!nl);
		if (nl)
			break;
	}
	if (p->line_len && p->line[p->line_len - 1] == '\r')
		p->line_len--;
	if (p->line_len > TRACE_MAX_LINE)
		return too_long(p);
	p->line[p->line_len] = 0;
	return 1;
}

/* The bytes of a name, as trace_name_char() says. */
static const bool name_byte[256] = {
	['a' ... 'z'] = true, ['A' ... 'Z'] = true, ['0' ... '9'] = true,
	['_'] = true, ['.'] = true, [':'] = true, ['/'] = true, ['+'] = true, ['@'] = true,
	['-'] = true,
};

/* What trace_is_name says, a table lookup per byte. */
static inline __attribute__((always_inline)) bool is_name(const char *s, size_t len)
{
	if (!len || len > TRACE_MAX_NAME || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_byte[(unsigned char)s[i]])
			return false;
	if ((len == 4 && !memcmp(s, "null", 4)) || (len == 7 && !memcmp(s, "invalid", 7)))
		return false;
	return true;
}

/*
 * @len (5..8) decimal digits at @s as one word: false if one is not a
 * digit. The digits are shifted to the top of the word (the bytes after the
 * token drop out, zero bytes come in as leading zeros) and combined
 * pairwise in three multiplications. @s is in p->line, which has room for a
 * word read past any token.
 */
static bool parse_digits8(const char *s, size_t len, uint64_t *out)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t w, lo, bad;

	memcpy(&w, s, sizeof(w));
	w <<= 8 * (8 - len);
	lo = w & ~high;
	bad = (((lo + ones * (0x80 - '0')) | w) ^ high) |	/* below '0' */
	      ((lo + ones * (0x80 - ':')) | w);			/* above '9' */
	if (bad & high & (~0ull << (8 * (8 - len))))
		return false;
	w &= ones * 0x0f;
	w = (w * (10 * 256 + 1)) >> 8;
	w = ((w & 0x00ff00ff00ff00ffull) * (100 * 65536 + 1)) >> 16;
	*out = ((w & 0x0000ffff0000ffffull) * (10000 * (1ull << 32) + 1)) >> 32;
	return true;
}

/*
 * What trace_parse_u64 says: up to 19 decimal digits cannot overflow, so
 * they need no check; longer numbers and hexadecimal go to it. Up to 4
 * digits a digit at a time, 5 to 8 as one word (parse_digits8()).
 */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (!len || len > 19 || (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')))
		return trace_parse_u64(s, len, out);
	if (len > 4 && len <= 8)
		return parse_digits8(s, len, out);
	for (size_t i = 0; i < len; i++) {
		unsigned int d = (unsigned char)s[i] - '0';

		if (d > 9)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * The bytes of the 64-bit word @w (eight bytes of a line) that are not
 * token bytes: a blank, a control byte, the line's NUL, '#' or a byte from
 * 0x7f, each marked by its top bit. Exact for every byte (the additions
 * stay inside a byte: no carry reaches the next), so every bit can be used.
 */
static inline uint64_t stop_bytes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	const uint64_t lo = w & ~high, hash = w ^ (ones * '#');
	const uint64_t ge_21 = (lo + ones * (0x80 - 0x21)) | w;	/* >= '!' */
	const uint64_t ge_7f = (lo + ones) | w;				/* >= 0x7f */
	const uint64_t not_hash = ((hash & ~high) + ones * 0x7f) | hash;

	return (~ge_21 | ge_7f | ~not_hash) & high;
}

/* A byte that ends a token and is not a blank: '#' or a bad byte. */
static int bad_in_token(struct trace_parser *p, const char *s)
{
	if (*s == '#')
		return fail_at(p, s - p->line + 1, "expected a blank before '#' (a comment)");
	return fail_at(p, s - p->line + 1, "expected printable ASCII, got byte 0x%02x",
		       (unsigned char)*s);
}

/*
 * The byte at @pos of p->line stops the token started at @start: a blank
 * ends it (1), the line's end or a comment ends the line (0), anything else
 * is an error (-1). A token is added to p->tok[*n] if it is not empty.
 */
static int token_stop(struct trace_parser *p, unsigned int start, unsigned int pos,
		      unsigned int *n)
{
	char *line = p->line, c = line[pos];
	bool blank = c == ' ' || c == '\t';

	if (!blank && pos != p->line_len && !(c == '#' && pos == start)) {
		if (*n == MAX_TOKENS)	/* the token at @start would be one too many */
			goto too_many;
		return bad_in_token(p, line + pos);
	}
	if (pos > start) {
		if (*n == MAX_TOKENS)
			goto too_many;
		p->tok[*n].s = line + start;
		p->tok[*n].len = pos - start;
		p->tok[*n].col = start + 1;
		(*n)++;
	}
	if (!blank)
		return 0;
	line[pos] = 0;
	return 1;
too_many:
	p->ntok = *n;
	return fail_at(p, start + 1, "expected at most %d fields on a line", MAX_TOKENS);
}

/*
 * Split p->line (NUL-terminated) into tokens; stops at a comment. 0 or -1.
 * The line is read eight bytes at a time: each byte that is not a token
 * byte (stop_bytes()) ends a token or is an error, in the order of the line.
 * The line's NUL is the last stop read; p->line has room for the word after it.
 */
static int tokenize(struct trace_parser *p)
{
	unsigned int len = p->line_len, start = 0, n = 0;

	for (unsigned int base = 0; base <= len; base += 8) {
		uint64_t w, stop;

		memcpy(&w, p->line + base, sizeof(w));
		for (stop = stop_bytes(w); stop; stop &= stop - 1) {
			unsigned int pos = base + __builtin_ctzll(stop) / 8;
			int r = token_stop(p, start, pos, &n);

			if (r < 0)
				return -1;
			if (!r)
				goto done;
			start = pos + 1;
		}
	}
done:
	p->ntok = n;
	return 0;
}

/* Next line with at least one token: 1, 0 at EOF, -1 on error. */
/*
 * The common line in one pass: read from the input eight bytes at a time,
 * copied into p->line and split at single spaces as tokenize() splits
 * it, up to its '\n'. 1: the line is read and split (it may have no token);
 * 0: nothing consumed, the line is for read_line() and tokenize(): any
 * other stop byte (a tab, '#', '\r', a bad byte), a line that does not end
 * within whole words of the input at hand, or one too long or with too
 * many fields.
 */
static int fast_line(struct trace_parser *p)
{
	const char *src;
	size_t avail = input(p, &src);
	unsigned int start = 0, n = 0;
	char *line = p->line;
	struct token *tok = p->tok;

	if (p->failed)
		return 0;
	for (size_t base = 0; base + 8 <= avail && base <= TRACE_MAX_LINE; base += 8) {
		uint64_t w, stop;

		memcpy(&w, src + base, sizeof(w));
		memcpy(line + base, &w, sizeof(w));
		for (stop = stop_bytes(w); stop; stop &= stop - 1) {
			unsigned int pos = base + __builtin_ctzll(stop) / 8;
			char c = line[pos];

			if (c != ' ' && c != '\n')
				return 0;
			if (pos > start) {
				if (n == MAX_TOKENS)
					return 0;
				tok[n].s = line + start;
				tok[n].len = pos - start;
				tok[n].col = start + 1;
				n++;
			}
			line[pos] = 0;
			start = pos + 1;
			if (c == ' ')
				continue;
			if (pos > TRACE_MAX_LINE)
				return 0;
			p->lineno++;
			p->line_len = pos;
			p->ntok = n;
			consume(p, pos + 1);
			return 1;
		}
	}
	return 0;
}

static int next_tokens(struct trace_parser *p)
{
	for (;;) {
		int r = fast_line(p);

		if (r > 0) {
			if (p->ntok)
				return 1;
			continue;
		}
		r = read_line(p);

		if (r <= 0)
			return r;
		if (tokenize(p))
			return -1;
		if (p->ntok)
			return 1;
	}
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

static const hkey_fn hkey_parse[HKIND__NR] = {
	[HKIND_FIELD] = hk_field,
	[HKIND_VMS] = hk_vms,
	[HKIND_VM] = hk_vm,
	[HKIND_META] = hk_meta,
	[HKIND_EVENTS] = hk_events,
};

/* "pasidsim-trace N": the version into @h. */
static int header_magic(struct trace_parser *p, struct trace_header *h)
{
	uint64_t v;
	int r = next_tokens(p);

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
	int r = next_tokens(p), i;

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
			       "quota-default, %svm) in a bare-metal header",
			       h->version >= TRACE_VERSION_SCHEDULE ? "schedule, vm-boot, " : "");
	if (h->mode == TRACE_BARE_METAL && seen_flags(seen, HKF_FAULT))
		return fail_at(p, 1, "expected no fault keys (vtd-*, virtio-* knobs of the devices) "
			       "in a bare-metal header");
	if (h->mode == TRACE_VMS && !h->nr_vms)
		return fail_at(p, 1, "expected a 'vms N' line in a vms header");
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
	if (trace_op_version(op) > p->h->version)
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
	r = next_tokens(p);
	if (r <= 0)
		return r;
	memset(ev, 0, sizeof(*ev));
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
