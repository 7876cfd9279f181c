// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim import: one paired call -> one trace event. A table says, for each
 * probed function, which event field each parameter fills and how its return
 * becomes the event's result (tools/import.c pairs the calls, import-int.h
 * describes them).
 */
#include <inttypes.h>
#include <stdio.h>

#include "import-int.h"

/* The reserved token of the SVA set (traces/README.md). */
#define SVA_SET_TOKEN	"sva"

/* The event field a parameter fills, with the name buffer it is formatted into. */
enum conv_field {
	CF_NONE,
	CF_SET,		/* names[0]: "sva" or the set's address */
	CF_MIN,
	CF_MAX,
	CF_PRIV,	/* names[1]: a token, or none for NULL */
	CF_ID,		/* names[2]: the ID in decimal */
	CF_MM,		/* names[3]: a token */
	CF_C,		/* names[4]: the consumer's address, never none */
};

/* How the return value becomes the result (names[5] holds its name). */
enum conv_result {
	CR_NONE,	/* void */
	CR_IOASID,	/* an ID, or INVALID_IOASID */
	CR_PTR,		/* a pointer: NULL, ERR_PTR(-errno) or a token */
	CR_FIND,	/* CR_PTR, unless a getter made it NULL */
	CR_ERRNO,	/* 0 or -errno */
	CR_INNER,	/* -errno, or 0 with the PASID a nested ioasid_alloc() returned */
	CR_INNER_MM,	/* CR_INNER, else the mm's PASID the entry fetched (mm_pasid) */
	CR_VERDICT,	/* the callback's verdict: a trace records a count instead */
};

static const struct conv {
	enum conv_field field[IMPORT_MAX_ARGS];
	enum conv_result result;
} convs[IMPORT_FN__NR] = {
	[IMPORT_FN_IOASID_ALLOC] = { { CF_SET, CF_MIN, CF_MAX, CF_PRIV }, CR_IOASID },
	[IMPORT_FN_IOASID_FREE] = { { CF_ID }, CR_NONE },
	[IMPORT_FN_IOASID_FIND] = { { CF_SET, CF_ID }, CR_FIND },
	[IMPORT_FN_IOASID_SET_DATA] = { { CF_ID, CF_PRIV }, CR_ERRNO },
	[IMPORT_FN_SVA_ALLOC_PASID] = { { CF_MM, CF_MIN, CF_MAX }, CR_INNER_MM },
	[IMPORT_FN_PASID_INIT] = { { CF_C, CF_MIN, CF_MAX }, CR_ERRNO },
	[IMPORT_FN_PASID_EXIT] = { { CF_C }, CR_NONE },
	[IMPORT_FN_PASID_ALLOC] = { { CF_C, CF_MIN, CF_MAX, CF_PRIV }, CR_INNER },
	[IMPORT_FN_PASID_FREE] = { { CF_C, CF_ID }, CR_ERRNO },
	[IMPORT_FN_PASID_FIND] = { { CF_C, CF_ID }, CR_PTR },
	[IMPORT_FN_PASID_FOR_EACH] = { { CF_C }, CR_VERDICT },
};

static const char *tok_name(char *buf, uint64_t v)
{
	if (!v)
		return NULL;
	snprintf(buf, 24, "0x%" PRIx64, v);
	return buf;
}

static const char *id_name(char *buf, uint32_t v)
{
	snprintf(buf, 24, "%" PRIu32, v);
	return buf;
}

static void fill_field(struct trace_event *ev, enum conv_field f, uint64_t v, char (*nm)[24],
		       const struct import_stats *st)
{
	switch (f) {
	case CF_SET:	/* "sva" for the capture's SVA set, else its address */
		ev->set = v && st->sva_set_known && v == st->sva_set ? SVA_SET_TOKEN :
			  tok_name(nm[0], v);
		break;
	case CF_MIN:
		ev->min = (uint32_t)v;
		break;
	case CF_MAX:
		ev->max = (uint32_t)v;
		break;
	case CF_PRIV:
		ev->priv = tok_name(nm[1], v);
		break;
	case CF_ID:
		ev->id = id_name(nm[2], (uint32_t)v);
		break;
	case CF_MM:
		ev->mm = tok_name(nm[3], v);
		break;
	case CF_C:
		snprintf(nm[4], 24, "0x%" PRIx64, v);
		ev->c = nm[4];
		break;
	case CF_NONE:
		break;
	}
}

static bool errno_result(struct trace_event *ev, uint64_t v)
{
	int32_t e = (int32_t)(uint32_t)v;

	if (e > 0 || e < -MAX_ERRNO)
		return false;
	ev->res = TRACE_RES_ERRNO;
	ev->res_val = e;
	return true;
}

static bool ptr_result(struct trace_event *ev, uint64_t v, char *buf)
{
	if (!v) {
		ev->res = TRACE_RES_NULL;
	} else if (v >= (uint64_t)-MAX_ERRNO) {
		ev->res = TRACE_RES_ERRNO;
		ev->res_val = (int64_t)v;
	} else {
		ev->res = TRACE_RES_TOKEN;
		ev->res_name = tok_name(buf, v);
	}
	return true;
}

static bool id_result(struct trace_event *ev, uint32_t id, char *buf)
{
	ev->res = TRACE_RES_ID;
	ev->res_name = id_name(buf, id);
	return true;
}

/* The PASID of a call that returns 0 and hands its PASID out elsewhere (CR_INNER*). */
static bool inner_result(const struct slot *s, struct trace_event *ev, bool mm, char *buf,
			 const char **why)
{
	if ((int32_t)s->ret)
		return errno_result(ev, s->ret);
	if (s->has_inner_id)
		return id_result(ev, s->inner_id, buf);
	if (mm && (s->argmask & 8) && (uint32_t)s->arg[3] != INVALID_ID)
		return id_result(ev, (uint32_t)s->arg[3], buf);	/* the mm had it already */
	*why = mm ? "the mm's PASID: neither a nested ioasid_alloc return nor mm_pasid" :
		    "no nested ioasid_alloc return gave the PASID";
	return false;
}

/* The result of a call that returned: false if it cannot be written (*@why). */
static bool result(const struct slot *s, enum conv_result r, struct trace_event *ev,
		   char *buf, const char **why)
{
	switch (r) {
	case CR_IOASID:
		if ((uint32_t)s->ret == INVALID_ID) {
			ev->res = TRACE_RES_INVALID;
			return true;
		}
		return id_result(ev, (uint32_t)s->ret, buf);
	case CR_FIND:	/* a getter that said no makes the result NULL: not replayable */
		if (s->ret == 0 && (s->argmask & 4) && s->arg[2]) {
			*why = "NULL from a getter, which the replay does not have";
			return false;
		}
		return ptr_result(ev, s->ret, buf);
	case CR_PTR:
		return ptr_result(ev, s->ret, buf);
	case CR_ERRNO:
		return errno_result(ev, s->ret);
	case CR_INNER:
	case CR_INNER_MM:
		return inner_result(s, ev, r == CR_INNER_MM, buf, why);
	case CR_VERDICT:
	case CR_NONE:
		break;
	}
	return true;
}

bool import_convert_call(const struct slot *s, struct trace_event *ev, char (*names)[24],
			 const struct import_stats *st, const char **why)
{
	const struct conv *cv = &convs[s->fn];
	bool known = true;

	*why = "not a 0/-errno value";
	ev->op = import_fns[s->fn].op;
	for (int i = 0; i < IMPORT_MAX_ARGS; i++)
		fill_field(ev, cv->field[i], s->arg[i], names, st);
	if (cv->result == CR_VERDICT) {
		known = false;
		*why = "for_each returns the callback's verdict, a trace records a count";
	} else if (s->has_ret) {
		known = result(s, cv->result, ev, names[5], why);
	}
	if (ev->res != TRACE_RES_NONE && !(trace_op_results(ev->op) & 1u << ev->res)) {
		known = false;
		*why = "a result this operation cannot record";
	}
	if (!known) {
		ev->res = TRACE_RES_NONE;
		ev->res_name = NULL;
		ev->res_val = 0;
	}
	return known;
}
