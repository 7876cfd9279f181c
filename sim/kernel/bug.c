// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim kernel shim: findings, WARN, BUG and panic.
 *
 * Findings are kept per instance, in order, in a growable array under k->mu
 * (every finding is kept: an instance that keeps warning keeps growing). A
 * pointer returned by sim_finding_get() stays valid until the next finding is
 * recorded in that instance or the findings are cleared. The panic handler
 * gets a private copy of the fatal finding, so it may keep using it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bug.h>
#include <linux/printk.h>

#include "internal.h"

static const char *const sim_finding_names[SIM_FINDING__COUNT] = {
	[SIM_FINDING_WARN]		= "WARN",
	[SIM_FINDING_BUG]		= "BUG",
	[SIM_FINDING_PANIC]		= "PANIC",
	[SIM_FINDING_LOCKDEP]		= "LOCKDEP",
	[SIM_FINDING_ATOMIC_SLEEP]	= "ATOMIC_SLEEP",
	[SIM_FINDING_RCU]		= "RCU",
	[SIM_FINDING_SLAB]		= "SLAB",
	[SIM_FINDING_LEAK]		= "LEAK",
	[SIM_FINDING_INVARIANT]		= "INVARIANT",
};

const char *sim_finding_kind_name(enum sim_finding_kind kind)
{
	if ((unsigned int)kind >= SIM_FINDING__COUNT)
		return "UNKNOWN";
	return sim_finding_names[kind];
}

/* Record a finding; copy it to @copy if not NULL. False if it was dropped. */
static bool sim_finding_vadd(struct sim_kernel *k, enum sim_finding_kind kind,
			     const char *file, int line, struct sim_finding *copy,
			     const char *fmt, va_list ap)
{
	struct sim_finding f = { .kind = kind, .file = file, .line = line };
	bool ok = true;

	if (fmt)
		vsnprintf(f.msg, sizeof(f.msg), fmt, ap);

	pthread_mutex_lock(&k->mu);
	f.seq = k->finding_seq++;
	if (k->nfindings == k->findings_cap) {
		size_t cap = k->findings_cap ? 2 * k->findings_cap : 16;
		struct sim_finding *n = realloc(k->findings, cap * sizeof(*n));

		if (n) {
			k->findings = n;
			k->findings_cap = cap;
		}
	}
	if (k->nfindings < k->findings_cap)
		k->findings[k->nfindings++] = f;
	else
		ok = false;
	pthread_mutex_unlock(&k->mu);

	if (!ok)
		fprintf(stderr, "pasidsim: out of memory, finding dropped: %s: %s\n",
			sim_finding_kind_name(kind), f.msg);
	if (copy)
		*copy = f;
	return ok;
}

void sim_finding_add(struct sim_kernel *k, enum sim_finding_kind kind,
		     const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sim_finding_vadd(sim_k(k), kind, file, line, NULL, fmt, ap);
	va_end(ap);
}

static __printf(6, 7) void sim_finding_add_copy(struct sim_kernel *k,
						 enum sim_finding_kind kind,
						 const char *file, int line,
						 struct sim_finding *copy,
						 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sim_finding_vadd(k, kind, file, line, copy, fmt, ap);
	va_end(ap);
}

size_t sim_findings_count(struct sim_kernel *k, int kind)
{
	size_t n = 0;

	k = sim_k(k);
	pthread_mutex_lock(&k->mu);
	if (kind < 0) {
		n = k->nfindings;
	} else {
		for (size_t i = 0; i < k->nfindings; i++)
			n += k->findings[i].kind == (enum sim_finding_kind)kind;
	}
	pthread_mutex_unlock(&k->mu);
	return n;
}

const struct sim_finding *sim_finding_get(struct sim_kernel *k, size_t i)
{
	const struct sim_finding *f = NULL;

	k = sim_k(k);
	pthread_mutex_lock(&k->mu);
	if (i < k->nfindings)
		f = &k->findings[i];
	pthread_mutex_unlock(&k->mu);
	return f;
}

void sim_findings_clear(struct sim_kernel *k)
{
	k = sim_k(k);
	pthread_mutex_lock(&k->mu);
	free(k->findings);
	k->findings = NULL;
	k->nfindings = 0;
	k->findings_cap = 0;
	pthread_mutex_unlock(&k->mu);
}

static void sim_finding_fprint(FILE *out, const struct sim_kernel *k,
			       const struct sim_finding *f)
{
	fprintf(out, "[%s #%llu] %s: %s", k->name, f->seq,
		sim_finding_kind_name(f->kind), f->msg);
	if (f->file)
		fprintf(out, " (%s:%d)", f->file, f->line);
	fputc('\n', out);
}

void sim_findings_print(struct sim_kernel *k, FILE *out)
{
	k = sim_k(k);
	pthread_mutex_lock(&k->mu);
	for (size_t i = 0; i < k->nfindings; i++)
		sim_finding_fprint(out, k, &k->findings[i]);
	pthread_mutex_unlock(&k->mu);
}

void sim_set_panic_handler(struct sim_kernel *k, sim_panic_fn fn, void *arg)
{
	k = sim_k(k);
	pthread_mutex_lock(&k->mu);
	k->panic_fn = fn;
	k->panic_arg = arg;
	pthread_mutex_unlock(&k->mu);
}

static void __noreturn sim_fatal(struct sim_kernel *k, const struct sim_finding *f)
{
	sim_panic_fn fn;
	void *arg;

	pthread_mutex_lock(&k->mu);
	fn = k->panic_fn;
	arg = k->panic_arg;
	pthread_mutex_unlock(&k->mu);
	if (fn)
		fn(k, f, arg);

	fprintf(stderr, "pasidsim: fatal finding in kernel '%s':\n", k->name);
	sim_finding_fprint(stderr, k, f);
	fprintf(stderr, "pasidsim: all findings of '%s':\n", k->name);
	sim_findings_print(k, stderr);
	fflush(stderr);
	abort();
}

void __sim_warn(const char *file, int line, const char *cond, const char *fmt, ...)
{
	struct sim_kernel *k = sim_kernel_current();
	char text[sizeof(((struct sim_finding *)0)->msg)] = "";
	size_t len;
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		len = strlen(text);
		if (len && text[len - 1] == '\n')
			text[len - 1] = '\0';
	}
	if (!cond)
		cond = "";
	if (text[0])
		sim_finding_add(k, SIM_FINDING_WARN, file, line, "%s: %s", cond, text);
	else
		sim_finding_add(k, SIM_FINDING_WARN, file, line, "%s", cond);

	if (text[0])
		printk(KERN_WARNING "%s\n", text);
	printk(KERN_WARNING "WARNING: at %s:%d %s\n", file, line, cond);
}

void __sim_bug(const char *file, int line, const char *cond)
{
	struct sim_kernel *k = sim_kernel_current();
	struct sim_finding f;

	printk(KERN_CRIT "kernel BUG at %s:%d!%s%s\n", file, line,
	       cond ? " " : "", cond ? cond : "");
	/* The handler gets a copy: the array may move. */
	if (cond)
		sim_finding_add_copy(k, SIM_FINDING_BUG, file, line, &f, "BUG_ON(%s)", cond);
	else
		sim_finding_add_copy(k, SIM_FINDING_BUG, file, line, &f, "BUG()");
	sim_fatal(k, &f);
}

void panic(const char *fmt, ...)
{
	struct sim_kernel *k = sim_kernel_current();
	struct sim_finding f;
	va_list ap;

	va_start(ap, fmt);
	sim_finding_vadd(k, SIM_FINDING_PANIC, NULL, 0, &f, fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "Kernel panic - not syncing: %s\n", f.msg);
	sim_fatal(k, &f);
}
