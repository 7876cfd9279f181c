/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim traces: the parser's state, shared by trace-parse.c (header and
 * events) and trace-lex.c (lines and tokens), and the number and name
 * checks both use on the hot path.
 */
#ifndef PASIDSIM_TRACE_PARSE_INT_H
#define PASIDSIM_TRACE_PARSE_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
	/* those words by hash (ARG_HASH()): the argument, -1 none; arg_hashed: no collision */
	signed char arg_slot[64];
	bool arg_hashed;
	char err[TRACE_MAX_LINE / 4 + 256];
};

_Static_assert(TRACE_OP__NR < 128, "op indices fit the signed char chains of the op hash");

#define fail_at trace_parser_fail_at
/* Fail at column @col of the current line (FILE:LINE:COL: message); returns -1. */
int fail_at(struct trace_parser *p, unsigned int col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Next line with at least one token: 1, 0 at EOF, -1 on error (trace-lex.c). */
int trace_parser_next_tokens(struct trace_parser *p);

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
static inline bool parse_digits8(const char *s, size_t len, uint64_t *out)
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
static inline bool parse_u64(const char *s, size_t len, uint64_t *out)
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

#endif /* PASIDSIM_TRACE_PARSE_INT_H */
