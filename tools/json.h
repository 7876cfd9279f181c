/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one JSON writer of tools/: objects, arrays, escaped strings that are
 * always valid UTF-8 (a byte that does not start or continue a valid UTF-8
 * sequence becomes U+FFFD), numbers (NaN and infinities become null), and
 * a validator for JSON text given by users (db record --config).
 *
 * A writer tracks commas and nesting: inside an object every value takes
 * a key, inside an array (and at the top level) the key is NULL.
 */
#ifndef PASIDSIM_JSON_H
#define PASIDSIM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	32

struct json {
	FILE *f;
	int depth;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);		/* at depth 0 it also ends the line */
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *s);	/* NULL -> null */
void json_strn(struct json *j, const char *key, const char *s, size_t n);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_dbl(struct json *j, const char *key, double v);	/* %.17g; NaN/inf -> null */
void json_fixed(struct json *j, const char *key, double v, int decimals);
void json_bool(struct json *j, const char *key, bool v);
void json_null(struct json *j, const char *key);
/* Already valid JSON text (checked by the caller with json_valid()). */
void json_raw(struct json *j, const char *key, const char *text);
/*
 * One JSON value into @buf (@len bytes), on one line without its newline:
 * json_buf_begin(), the json_*() calls, json_buf_end(). 0, or -1 (@buf is
 * then "": it did not fit).
 */
int json_buf_begin(struct json *j, char *buf, size_t len);
int json_buf_end(struct json *j, char *buf, size_t len);
/* A line break before the next value (whitespace: one array element a line). */
void json_newline(struct json *j);

/*
 * A quoted, escaped, valid-UTF-8 JSON string of @n bytes of @s. Control
 * characters, <, > and & are \u escapes (safe inside an HTML <script>).
 */
void json_write_string(FILE *f, const char *s, size_t n);

/* Is @s one complete JSON value (RFC 8259, valid UTF-8, nesting <= JSON_MAX_DEPTH)? */
bool json_valid(const char *s, size_t n);

/* Length of the valid UTF-8 sequence at @s (1-4), or 0 if it is not one. */
size_t json_utf8_len(const unsigned char *s, size_t n);

#endif /* PASIDSIM_JSON_H */
