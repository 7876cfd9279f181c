// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer and validator (json.h).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json.h"

size_t json_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_write_string(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		size_t len;

		if (c == '"' || c == '\\') {
			fprintf(f, "\\%c", c);
			i++;
		} else if (c == '\n') {
			fputs("\\n", f);
			i++;
		} else if (c == '\t') {
			fputs("\\t", f);
			i++;
		} else if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&') {
			/* <, >, &: also safe inside an HTML <script> element */
			fprintf(f, "\\u%04x", c);
			i++;
		} else if ((len = json_utf8_len(s + i, n - i))) {
			fwrite(s + i, 1, len, f);
			i += len;
		} else {
			fputs("\\ufffd", f);
			i++;
		}
	}
	fputc('"', f);
}

void json_init(struct json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->first[0] = true;
}

static void sep(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (key) {
		json_write_string(j->f, key, strlen(key));
		fputc(':', j->f);
	}
}

static void open_(struct json *j, const char *key, char c)
{
	sep(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_(struct json *j, char c)
{
	fputc(c, j->f);
	if (j->depth)
		j->depth--;
	if (!j->depth) {
		fputc('\n', j->f);
		j->first[0] = true;
	}
}

void json_obj_begin(struct json *j, const char *key)
{
	open_(j, key, '{');
}

void json_obj_end(struct json *j)
{
	close_(j, '}');
}

void json_arr_begin(struct json *j, const char *key)
{
	open_(j, key, '[');
}

void json_arr_end(struct json *j)
{
	close_(j, ']');
}

void json_strn(struct json *j, const char *key, const char *s, size_t n)
{
	sep(j, key);
	json_write_string(j->f, s, n);
}

void json_str(struct json *j, const char *key, const char *s)
{
	if (!s) {
		json_null(j, key);
		return;
	}
	json_strn(j, key, s, strlen(s));
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	sep(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	sep(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void json_dbl(struct json *j, const char *key, double v)
{
	sep(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.17g", v);
	else
		fputs("null", j->f);
}

void json_fixed(struct json *j, const char *key, double v, int decimals)
{
	sep(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool v)
{
	sep(j, key);
	fputs(v ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	sep(j, key);
	fputs("null", j->f);
}

void json_raw(struct json *j, const char *key, const char *text)
{
	sep(j, key);
	fputs(text, j->f);
}

int json_buf_begin(struct json *j, char *buf, size_t len)
{
	FILE *f = len ? fmemopen(buf, len, "w") : NULL;

	if (!f)
		return -1;
	json_init(j, f);
	return 0;
}

int json_buf_end(struct json *j, char *buf, size_t len)
{
	size_t n;
	int over = fflush(j->f) || ferror(j->f);

	fclose(j->f);
	buf[len - 1] = '\0';
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (over || n + 1 >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

void json_newline(struct json *j)
{
	fputc('\n', j->f);
}

/* ---- validation ------------------------------------------------------------------ */

struct jp {
	const unsigned char *s;
	size_t n, i;
};

static void ws(struct jp *p)
{
	while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]) && p->s[p->i])
		p->i++;
}

static bool lit(struct jp *p, const char *w)
{
	size_t l = strlen(w);

	if (p->n - p->i < l || memcmp(p->s + p->i, w, l))
		return false;
	p->i += l;
	return true;
}

static bool digits(struct jp *p)
{
	size_t st = p->i;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	return p->i > st;
}

static bool number(struct jp *p)
{
	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i < p->n && p->s[p->i] == '0')
		p->i++;
	else if (!digits(p))
		return false;
	if (p->i < p->n && p->s[p->i] == '.') {
		p->i++;
		if (!digits(p))
			return false;
	}
	if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		if (!digits(p))
			return false;
	}
	return true;
}

static bool string(struct jp *p)
{
	p->i++;		/* the opening quote */
	while (p->i < p->n) {
		unsigned char c = p->s[p->i];
		size_t len;

		if (c == '"') {
			p->i++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++p->i >= p->n)
				return false;
			c = p->s[p->i];
			if (c == 'u') {
				for (int k = 1; k <= 4; k++)
					if (p->i + k >= p->n || !strchr("0123456789abcdefABCDEF",
									p->s[p->i + k]) ||
					    !p->s[p->i + k])
						return false;
				p->i += 5;
			} else if (strchr("\"\\/bfnrt", c) && c) {
				p->i++;
			} else {
				return false;
			}
			continue;
		}
		len = json_utf8_len(p->s + p->i, p->n - p->i);
		if (!len)
			return false;
		p->i += len;
	}
	return false;
}

static bool value(struct jp *p, int depth);

static bool members(struct jp *p, int depth, char close, bool obj)
{
	p->i++;
	ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return true;
	}
	for (;;) {
		ws(p);
		if (obj) {
			if (p->i >= p->n || p->s[p->i] != '"' || !string(p))
				return false;
			ws(p);
			if (p->i >= p->n || p->s[p->i++] != ':')
				return false;
		}
		if (!value(p, depth + 1))
			return false;
		ws(p);
		if (p->i >= p->n)
			return false;
		if (p->s[p->i] == close) {
			p->i++;
			return true;
		}
		if (p->s[p->i++] != ',')
			return false;
	}
}

static bool value(struct jp *p, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return false;
	ws(p);
	if (p->i >= p->n)
		return false;
	switch (p->s[p->i]) {
	case '{':
		return members(p, depth, '}', true);
	case '[':
		return members(p, depth, ']', false);
	case '"':
		return string(p);
	case 't':
		return lit(p, "true");
	case 'f':
		return lit(p, "false");
	case 'n':
		return lit(p, "null");
	default:
		return number(p);
	}
}

bool json_valid(const char *s, size_t n)
{
	struct jp p = { (const unsigned char *)s, n, 0 };

	if (!value(&p, 0))
		return false;
	ws(&p);
	return p.i == n;
}
