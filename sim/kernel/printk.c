// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: printk captured per kernel instance.
 *
 * Each instance keeps the most recent SIM_LOG_MAX records (level and text,
 * the trailing newline stripped) in a ring that grows on demand; older
 * records are dropped and counted. As in the kernel, the level comes from the
 * KERN_SOH prefix of the formatted text, a message without one has the
 * default level (-1 here), and KERN_CONT appends to the previous record if
 * that one did not end with a newline (otherwise it starts a new record). A
 * record holds at most SIM_LOG_REC_MAX bytes; the rest is cut off.
 *
 * A pointer returned by sim_log_text() stays valid until the next printk() or
 * sim_log_clear() in that instance.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/printk.h>

#include "internal.h"

#define SIM_LOG_MAX		4096
#define SIM_LOG_REC_MAX		4096

struct sim_log_rec {
	char *text;
	size_t len;
	int level;
	bool open;		/* no trailing newline: KERN_CONT may extend it */
};

struct sim_log_state {
	pthread_mutex_t mu;
	struct sim_log_rec *ring;
	size_t cap;		/* slots allocated, at most SIM_LOG_MAX */
	size_t head;		/* oldest record */
	size_t count;
	size_t dropped;
	bool echo;
	bool echo_open;		/* the last echoed line is not finished */
};

void sim_log_init(struct sim_kernel *k)
{
	struct sim_log_state *s = calloc(1, sizeof(*s));
	const char *env = getenv("PASIDSIM_PRINTK");

	if (!s) {
		fprintf(stderr, "pasidsim: out of memory creating printk log\n");
		abort();
	}
	pthread_mutex_init(&s->mu, NULL);
	s->echo = env && env[0] && strcmp(env, "0") != 0;
	k->log = s;
}

static void sim_log_free_records(struct sim_log_state *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->ring[(s->head + i) % s->cap].text);
	free(s->ring);
	s->ring = NULL;
	s->cap = 0;
	s->head = 0;
	s->count = 0;
}

void sim_log_fini(struct sim_kernel *k)
{
	struct sim_log_state *s = k->log;

	if (s->echo_open)
		fputc('\n', stderr);
	sim_log_free_records(s);
	pthread_mutex_destroy(&s->mu);
	free(s);
	k->log = NULL;
}

static struct sim_log_rec *sim_log_rec(struct sim_log_state *s, size_t i)
{
	return &s->ring[(s->head + i) % s->cap];
}

/* A slot for a new record at the end of the ring, or NULL on OOM. */
static struct sim_log_rec *sim_log_slot(struct sim_log_state *s)
{
	struct sim_log_rec *r;

	if (s->count == s->cap && s->cap < SIM_LOG_MAX) {
		/* Only a ring that never wrapped grows, so head is 0. */
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct sim_log_rec *n = realloc(s->ring, cap * sizeof(*n));

		if (!n)
			return NULL;
		s->ring = n;
		s->cap = cap;
	}
	if (s->count == s->cap) {
		r = sim_log_rec(s, 0);
		free(r->text);
		s->head = (s->head + 1) % s->cap;
		s->count--;
		s->dropped++;
	}
	r = sim_log_rec(s, s->count);
	memset(r, 0, sizeof(*r));
	return r;
}

static bool sim_log_append(struct sim_log_rec *r, const char *text, size_t len)
{
	char *n;

	if (r->len + len > SIM_LOG_REC_MAX)
		len = SIM_LOG_REC_MAX - r->len;
	n = realloc(r->text, r->len + len + 1);
	if (!n)
		return false;
	memcpy(n + r->len, text, len);
	r->len += len;
	n[r->len] = '\0';
	r->text = n;
	return true;
}

static void sim_log_echo_text(struct sim_kernel *k, struct sim_log_state *s, bool cont,
			      int level, const char *text, size_t len, bool newline)
{
	if (!cont) {
		if (s->echo_open)
			fputc('\n', stderr);
		if (level >= 0)
			fprintf(stderr, "<%d>", level);
		fprintf(stderr, "[%s] ", k->name);
	}
	fwrite(text, 1, len, stderr);
	if (newline)
		fputc('\n', stderr);
	s->echo_open = !newline;
}

static void sim_log_store(struct sim_kernel *k, int level, bool cont, const char *text)
{
	struct sim_log_state *s = k->log;
	size_t len = strlen(text);
	bool newline = len && text[len - 1] == '\n';
	struct sim_log_rec *r = NULL;

	if (newline)
		len--;
	pthread_mutex_lock(&s->mu);
	if (cont && s->count && sim_log_rec(s, s->count - 1)->open)
		r = sim_log_rec(s, s->count - 1);
	else
		cont = false;
	if (!r) {
		r = sim_log_slot(s);
		if (r) {
			r->level = level;
			s->count++;
		}
	}
	if (r) {
		sim_log_append(r, text, len);	/* on OOM the record keeps less */
		r->open = !newline;
	}
	if (s->echo)
		sim_log_echo_text(k, s, cont, level, text, len, newline);
	pthread_mutex_unlock(&s->mu);
}

/* Strip the KERN_SOH prefixes of @text: its level (or -1) and KERN_CONT. */
static const char *sim_log_parse(const char *text, int *level, bool *cont)
{
	*level = LOGLEVEL_DEFAULT;
	*cont = false;
	while (text[0] == KERN_SOH_ASCII && text[1]) {
		char c = text[1];

		if (c >= '0' && c <= '7')
			*level = c - '0';
		else if (c == 'c')
			*cont = true;
		else if (c != 'd')
			break;
		text += 2;
	}
	return text;
}

int printk(const char *fmt, ...)
{
	struct sim_kernel *k = sim_kernel_current();
	char buf[512], *text = buf;
	const char *msg;
	va_list ap;
	bool cont;
	int level, n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return n;
	if ((size_t)n >= sizeof(buf)) {
		text = malloc((size_t)n + 1);
		if (!text)
			return -1;
		va_start(ap, fmt);
		vsnprintf(text, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	msg = sim_log_parse(text, &level, &cont);
	n -= (int)(msg - text);
	sim_log_store(k, level, cont, msg);
	if (text != buf)
		free(text);
	return n;
}

size_t sim_log_count(struct sim_kernel *k)
{
	struct sim_log_state *s = sim_k(k)->log;
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->count;
	pthread_mutex_unlock(&s->mu);
	return n;
}

size_t sim_log_dropped(struct sim_kernel *k)
{
	struct sim_log_state *s = sim_k(k)->log;
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->dropped;
	pthread_mutex_unlock(&s->mu);
	return n;
}

const char *sim_log_text(struct sim_kernel *k, size_t i, int *level)
{
	struct sim_log_state *s = sim_k(k)->log;
	const char *text = NULL;
	int lvl = LOGLEVEL_DEFAULT;

	pthread_mutex_lock(&s->mu);
	if (i < s->count) {
		struct sim_log_rec *r = sim_log_rec(s, i);

		text = r->text ? r->text : "";
		lvl = r->level;
	}
	pthread_mutex_unlock(&s->mu);
	if (level)
		*level = lvl;
	return text;
}

bool sim_log_contains(struct sim_kernel *k, const char *needle)
{
	struct sim_log_state *s = sim_k(k)->log;
	bool found = false;

	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < s->count && !found; i++) {
		struct sim_log_rec *r = sim_log_rec(s, i);

		found = strstr(r->text ? r->text : "", needle) != NULL;
	}
	pthread_mutex_unlock(&s->mu);
	return found;
}

void sim_log_clear(struct sim_kernel *k)
{
	struct sim_log_state *s = sim_k(k)->log;

	pthread_mutex_lock(&s->mu);
	sim_log_free_records(s);
	s->dropped = 0;
	pthread_mutex_unlock(&s->mu);
}

void sim_log_echo(struct sim_kernel *k, bool on)
{
	struct sim_log_state *s = sim_k(k)->log;

	pthread_mutex_lock(&s->mu);
	s->echo = on;
	pthread_mutex_unlock(&s->mu);
}
