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

#include "import-int.h"


/* ---- the probed functions --------------------------------------------------- */

#define P_REQ(...)	{ { __VA_ARGS__ }, true, true }
#define P_OPT(...)	{ { __VA_ARGS__ }, true, false }
#define F_REQ(...)	{ { __VA_ARGS__ }, false, true }	/* fetched field */
#define F_OPT(...)	{ { __VA_ARGS__ }, false, false }
#define CONSUMER	P_REQ("pasid", "consumer", "c")
#define ID		{ { "ioasid", "id", "pasid" }, true, true, true }
#define P_U32(...)	{ { __VA_ARGS__ }, true, true, true }
#define F_U32(...)	{ { __VA_ARGS__ }, false, true, true }
#define PRIV		P_REQ("private", "priv", "data")

const struct fn_desc import_fns[IMPORT_FN__NR] = {
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
	return fn < IMPORT_FN__NR ? import_fns[fn].name : "?";
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
	return import_fns[outer].outer && !import_fns[inner].outer;
}

/* ---- the importer: pairing, order, conversion ----------------------------------- */

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
			"before it) never allocated: the ID predates the capture", import_fns[s->fn].name,
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
	if (!import_convert_call(s, &ev, im->names, &im->st, &why) && s->has_ret && s->fn != IMPORT_FN_PASID_FOR_EACH) {
		im->st.unknown_results++;
		im_diag(im, s->line, "note: %s (pid %d) returned %#" PRIx64 " but its result "
			"cannot be recovered (%s); written without a result", import_fns[s->fn].name,
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
			"line %lu: its return event was lost", import_fns[s->fn].name, s->pid, s->cpu,
			im->st.lines);
		if (s->parent)
			s->parent->lost_return = true;
		else
			s->lost_return = true;
	} else {
		im_diag(im, s->line, "note: %s entered here (pid %d, CPU %d) had not returned when "
			"the capture ended; written without a result", import_fns[s->fn].name, s->pid,
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
			"the entry event was lost", import_fns[rec->fn].name, rec->pid, rec->cpu);
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

void import_progress_pass(int pass)
{
	progress_pass = pass;
}

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

