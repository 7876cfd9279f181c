/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pasidsim import: real kernel captures -> pasidsim traces.
 *
 * Reads the text of kprobe/kretprobe events on the PASID allocator entry
 * points, as printed by ftrace (/sys/kernel/tracing/trace, trace_pipe),
 * by "trace-cmd report" and by "perf script", pairs every entry with its
 * return (per task), folds calls nested in an outer call of the API into
 * that call, and hands out trace events (tools/trace.h) in entry order:
 * one event per top-level call, and a "gap" event wherever the capture
 * lost events. docs/recording.md says how to record such a capture.
 *
 * Two layers:
 * - import_parse_line(): one line of capture text -> struct import_rec
 *   (an entry, a return, a lost-events marker, ..., or an error with its
 *   column);
 * - struct importer: feeds lines through the parser, pairs, orders and
 *   converts, and calls a sink for every trace event. Errors name
 *   "FILE:LINE:COL: expected ..." and stop the import.
 */
#ifndef PASIDSIM_IMPORT_H
#define PASIDSIM_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "trace.h"

enum import_format {
	IMPORT_FMT_AUTO,	/* decided by the first event line */
	IMPORT_FMT_FTRACE,	/* ftrace trace file, trace_pipe, trace-cmd report */
	IMPORT_FMT_PERF,	/* perf script */
};

/* The probed functions. */
enum import_fn {
	IMPORT_FN_IOASID_ALLOC,
	IMPORT_FN_IOASID_FREE,
	IMPORT_FN_IOASID_FIND,
	IMPORT_FN_IOASID_SET_DATA,
	IMPORT_FN_SVA_ALLOC_PASID,
	IMPORT_FN_PASID_INIT,
	IMPORT_FN_PASID_EXIT,
	IMPORT_FN_PASID_ALLOC,
	IMPORT_FN_PASID_FREE,
	IMPORT_FN_PASID_FIND,
	IMPORT_FN_PASID_FOR_EACH,
	IMPORT_FN__NR,
};

#define IMPORT_MAX_ARGS		6
#define IMPORT_MAX_EVENT	64	/* bytes of an event name kept */
#define IMPORT_MAX_LINE		65536	/* bytes of a capture line, without its newline */

enum import_rec_kind {
	IMPORT_REC_SKIP,	/* blank, comment, header or other non-event line */
	IMPORT_REC_ENTRY,	/* kprobe hit: function entry with its arguments */
	IMPORT_REC_RETURN,	/* kretprobe hit: function return with its value */
	IMPORT_REC_LOST,	/* events lost here (ftrace, trace-cmd, perf LOST record) */
	IMPORT_REC_OVERWRITE,	/* ring buffer overwrote its oldest events */
	IMPORT_REC_LOST_SUMMARY, /* perf: "lost N chunks" with no position */
	IMPORT_REC_UNKNOWN,	/* a well-formed event of some other function */
};

/* One parsed line of capture text. */
struct import_rec {
	enum import_rec_kind kind;
	enum import_fn fn;		/* ENTRY, RETURN */
	int cpu;			/* -1: the line has no CPU column */
	int pid;			/* the task (perf: the tid) */
	bool has_ts;
	uint64_t ts;			/* ns since the capture's clock origin */
	uint32_t argmask;		/* ENTRY: which arg[] were given */
	uint64_t arg[IMPORT_MAX_ARGS];	/* ENTRY: by parameter position */
	bool has_ret;			/* RETURN: the value was fetched */
	uint64_t ret;
	bool lost_known;		/* LOST, OVERWRITE, LOST_SUMMARY */
	uint64_t lost;
	int declared_cpus;		/* SKIP: a header line saying how many CPUs, or 0 */
	unsigned int col;		/* 1-based column of the event name (or 1) */
	char event[IMPORT_MAX_EVENT];	/* ENTRY, RETURN, UNKNOWN: the event's name */
};

/*
 * Parse one line (without its newline; NUL bytes end it). @fmt is the
 * format of the capture: with IMPORT_FMT_AUTO it is set by the first event
 * line and later lines must agree. Returns 0, or -1 with the 1-based
 * column in *@col and "expected ..." in @msg.
 */
int import_parse_line(enum import_format *fmt, const char *line, size_t len,
		      struct import_rec *rec, unsigned int *col, char *msg, size_t msglen);

const char *import_fn_name(enum import_fn fn);		/* "ioasid_alloc", ... */
const char *import_format_name(enum import_format fmt);	/* "auto", "ftrace", "perf" */
/* "ftrace", "perf", "auto" -> 0 and *@fmt, or -1. */
int import_format_parse(const char *s, enum import_format *fmt);

#define IMPORT_MAX_UNKNOWN	16	/* distinct unknown event names counted by name */

struct import_unknown {
	char name[IMPORT_MAX_EVENT];
	unsigned long count;
};

struct import_stats {
	enum import_format format;	/* as detected */
	unsigned long lines;
	unsigned long events;		/* entries + returns of probed functions */
	unsigned long entries;
	unsigned long returns;
	unsigned long pairs;		/* entries matched with their return */
	unsigned long nested;		/* calls folded into an outer call */
	unsigned long unpaired_entries;	/* entries whose return never came */
	unsigned long unpaired_returns;	/* returns whose entry was lost */
	unsigned long gaps;		/* gap events written */
	uint64_t lost;			/* events lost, where the capture counts them */
	unsigned long lost_unknown;	/* gaps with no count */
	unsigned long skipped_lines;	/* header, comments, blank, other records */
	unsigned long unknown_events;	/* events of functions not probed by pasidsim */
	unsigned int nr_unknown_names;	/* entries in unknown[] */
	struct import_unknown unknown[IMPORT_MAX_UNKNOWN];
	unsigned long ops;		/* call events written */
	unsigned long unknown_results;	/* calls whose result could not be recovered */
	unsigned long clamped;		/* timestamps raised to keep time non-decreasing */
	unsigned long unknown_frees;	/* frees of IDs the capture never allocated, no gap before */
	unsigned long per_fn[IMPORT_FN__NR];	/* call events written, per function */
	bool summary_gap;		/* perf's positionless "lost N chunks" became a gap */
	bool summary_lost_known;
	uint64_t summary_lost;
	unsigned long summary_line;
	int max_cpu;			/* highest CPU seen, -1 if none */
	int declared_cpus;		/* from the capture's header, 0 if none */
	/*
	 * The SVA set: the set of the ioasid_alloc nested in an
	 * iommu_sva_alloc_pasid. ioasid_alloc/ioasid_find on it are written
	 * with the reserved token "sva" (the replay's own SVA set).
	 */
	bool sva_set_known;
	uint64_t sva_set;
};

/*
 * Receives every trace event, in order. @line is the capture line the
 * event comes from. Strings in @ev are valid during the call only. A
 * non-zero return stops the import with that value from
 * importer_feed()/importer_finish().
 */
typedef int (*import_sink_t)(void *arg, const struct trace_event *ev, unsigned long line);

struct importer;

/*
 * @name names the capture in messages. @diag, if not NULL, receives one
 * line per gap, unpaired call and unknown result ("FILE:LINE: ...").
 */
struct importer *importer_new(enum import_format fmt, const char *name,
			      import_sink_t sink, void *arg, FILE *diag);
void importer_free(struct importer *im);

/*
 * Use what an earlier pass over the same capture found (@prev: its
 * stats): the format, the SVA set's address (so that calls on it before the
 * first iommu_sva_alloc_pasid also name it "sva"), and perf's positionless
 * lost-chunks summary, which is
 * then written as a gap before the first event instead of where perf
 * printed it (at the end). Call before the first importer_feed().
 */
int importer_prime(struct importer *im, const struct import_stats *prev);
/* One line of capture text, without its newline. 0, -1 (error) or the sink's value. */
int importer_feed(struct importer *im, const char *line, size_t len);
/* End of capture: closes open calls and flushes. 0, -1 or the sink's value. */
int importer_finish(struct importer *im);
/* Feed every line of @f, then finish. */
int importer_read(struct importer *im, FILE *f);

/* "FILE:LINE:COL: expected ..." of the error that stopped the import, or NULL. */
const char *importer_error(const struct importer *im);
const struct import_stats *importer_stats(const struct importer *im);

/*
 * The trace header of an import: one kernel (host), bare metal, @flavour,
 * as many host CPUs as the capture shows or declares, and meta lines naming
 * the importer and the capture. 0, or -1 (out of memory; @h released).
 */
int import_header(struct trace_header *h, const struct import_stats *st,
		  enum trace_flavour flavour, const char *capture);

/*
 * The whole conversion: read @in (seekable: it is read twice) and write the
 * trace to @out through the trace writer. Gaps, unpaired calls and
 * unrecoverable results are reported on @diag (if not NULL). Returns 0, or
 * -1 with "FILE:LINE:COL: expected ..." (or another reason) in @err. @st
 * gets the counts of the pass that wrote (or failed).
 */
int import_convert(FILE *in, const char *capture, enum import_format fmt,
		   enum trace_flavour flavour, FILE *out, FILE *diag,
		   struct import_stats *st, char *err, size_t errlen);

/*
 * Call @fn every 65,536 capture lines read by importer_read() in this
 * thread, with the line count and the pass of import_convert() (1 or 2).
 * NULL: no calls.
 */
void import_set_progress(void (*fn)(void *arg, unsigned long lines, int pass), void *arg);

#endif /* PASIDSIM_IMPORT_H */
