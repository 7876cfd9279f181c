// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim traces: the parser's lines and tokens (format: traces/README.md).
 * A line is read from memory or a FILE and split into tokens at blanks,
 * eight bytes at a time; the common line (single spaces, '\n') in one pass
 * from the input (fast_line()), any other through read_line() and
 * tokenize(). trace-parse.c parses the tokens.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace-int.h"
#include "trace-parse-int.h"

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

int trace_parser_next_tokens(struct trace_parser *p)
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

