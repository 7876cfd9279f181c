// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim results store: statistics (Mann-Whitney U), comparing two runs
 * (docs/results.md, "Comparing"), and output helpers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "results-int.h"

/* ---- statistics ------------------------------------------------------------- */

struct ranked {
	double v;
	int from_x;
};

static int cmp_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->v, y = ((const struct ranked *)b)->v;

	return x < y ? -1 : x > y;
}

/* P(U <= u) under H0 for sample sizes m, n without ties (exact). */
static double mwu_exact_cdf(size_t m, size_t n, double u)
{
	size_t kmax = m * n;
	double *prev, *cur, *tmp, total, below = 0;

	/* f[j][k]: arrangements of i x's and j y's with U = k, row i kept. */
	prev = calloc((n + 1) * (kmax + 1), sizeof(double));
	cur = calloc((n + 1) * (kmax + 1), sizeof(double));
	if (!prev || !cur) {
		free(prev);
		free(cur);
		return NAN;
	}
	for (size_t j = 0; j <= n; j++)
		prev[j * (kmax + 1)] = 1;	/* i = 0: U = 0 */
	for (size_t i = 1; i <= m; i++) {
		memset(cur, 0, (n + 1) * (kmax + 1) * sizeof(double));
		cur[0] = 1;			/* j = 0 */
		for (size_t j = 1; j <= n; j++)
			for (size_t k = 0; k <= i * j; k++) {
				/* the largest value is an x (beats all j y's) or a y */
				double a = k >= j ? prev[j * (kmax + 1) + k - j] : 0;

				cur[j * (kmax + 1) + k] = a + cur[(j - 1) * (kmax + 1) + k];
			}
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	total = 0;
	for (size_t k = 0; k <= kmax; k++) {
		total += prev[n * (kmax + 1) + k];
		if ((double)k <= u + 1e-9)
			below += prev[n * (kmax + 1) + k];
	}
	free(prev);
	free(cur);
	return below / total;
}

double results_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, double *u)
{
	size_t n = nx + ny, i = 0;
	struct ranked *r;
	double r1 = 0, ties = 0, u1, umin, p;
	bool tied = false;

	if (u)
		*u = 0;
	if (!nx || !ny)
		return 1;
	r = malloc(n * sizeof(*r));
	if (!r)
		return NAN;
	for (size_t k = 0; k < nx; k++)
		r[k] = (struct ranked){ x[k], 1 };
	for (size_t k = 0; k < ny; k++)
		r[nx + k] = (struct ranked){ y[k], 0 };
	qsort(r, n, sizeof(*r), cmp_ranked);
	while (i < n) {
		size_t j = i;
		double rank;

		while (j + 1 < n && r[j + 1].v == r[i].v)
			j++;
		rank = (i + j) / 2.0 + 1;	/* average of ranks i+1 .. j+1 */
		for (size_t k = i; k <= j; k++)
			if (r[k].from_x)
				r1 += rank;
		if (j > i) {
			double t = j - i + 1;

			tied = true;
			ties += t * t * t - t;
		}
		i = j + 1;
	}
	free(r);
	u1 = r1 - nx * (nx + 1) / 2.0;
	if (u)
		*u = u1;
	umin = fmin(u1, (double)nx * ny - u1);
	if (!tied && nx <= 25 && ny <= 25) {
		p = 2 * mwu_exact_cdf(nx, ny, umin);
	} else {
		double mu = nx * (double)ny / 2;
		double var = nx * (double)ny / 12.0 * ((n + 1) - ties / ((double)n * (n - 1)));
		double z;

		if (var <= 0)
			return 1;
		z = (fabs(u1 - mu) - 0.5) / sqrt(var);
		if (z < 0)
			z = 0;
		p = erfc(z / M_SQRT2);
	}
	return p > 1 ? 1 : p;
}

/* ---- comparing ------------------------------------------------------------ */

const char *results_kind_name(enum results_kind k)
{
	return k == RESULTS_WALL ? "wall" : "virtual";
}

const char *results_better_name(enum results_better b)
{
	return b == RESULTS_HIGHER ? "higher" : b == RESULTS_EQUAL ? "equal" : "lower";
}

const char *results_verdict_name(enum results_verdict v)
{
	static const char *const names[] = {
		[RESULTS_SAME] = "same", [RESULTS_IMPROVED] = "improved",
		[RESULTS_REGRESSED] = "REGRESSED", [RESULTS_NOISE] = "noise",
		[RESULTS_TOO_FEW] = "too-few-samples", [RESULTS_MISSING] = "missing",
		[RESULTS_NEW] = "new",
	};

	return v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

struct side_metric {
	char name[96], unit[24];
	enum results_kind kind;
	enum results_better better;
	double value;
	double *s;
	size_t ns;
};

static void free_side(struct side_metric *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(m[i].s);
	free(m);
}

static int load_side(struct results_db *db, int64_t run, struct side_metric **out, size_t *nout)
{
	sqlite3_stmt *st, *ss;
	struct side_metric *m = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT name, unit, kind, better, value FROM metrics "
			       "WHERE run_id = ?1 ORDER BY name", -1, &st, NULL))
		return -1;
	if (sqlite3_prepare_v2(db->h, "SELECT value FROM samples WHERE run_id = ?1 AND name = ?2",
			       -1, &ss, NULL)) {
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct side_metric *e;
		size_t scap = 0;

		if (!results_vec_grow((void **)&m, &cap, n, sizeof(*m)))
			break;
		e = &m[n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->name, sizeof(e->name), "%s", sqlite3_column_text(st, 0));
		snprintf(e->unit, sizeof(e->unit), "%s", sqlite3_column_text(st, 1));
		e->kind = !strcmp((const char *)sqlite3_column_text(st, 2), "wall");
		e->better = !strcmp((const char *)sqlite3_column_text(st, 3), "higher") ?
			    RESULTS_HIGHER : !strcmp((const char *)sqlite3_column_text(st, 3),
						     "equal") ? RESULTS_EQUAL : RESULTS_LOWER;
		e->value = sqlite3_column_double(st, 4);
		sqlite3_reset(ss);
		sqlite3_bind_int64(ss, 1, run);
		sqlite3_bind_text(ss, 2, e->name, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(ss) == SQLITE_ROW) {
			if (!results_vec_grow((void **)&e->s, &scap, e->ns, sizeof(double)))
				break;
			e->s[e->ns++] = sqlite3_column_double(ss, 0);
		}
	}
	sqlite3_finalize(ss);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free_side(m, n);
		return -1;
	}
	*out = m;
	*nout = n;
	return 0;
}

static void judge(struct results_cmp_row *row, const struct side_metric *b,
		  const struct side_metric *c, const struct results_cmp_opts *o)
{
	bool worse, large;

	row->base = b->value;
	row->cand = c->value;
	row->nbase = b->ns;
	row->ncand = c->ns;
	row->p = 1;
	row->effect = b->value ? (c->value - b->value) / fabs(b->value) : 0;
	worse = row->better == RESULTS_EQUAL ? c->value != b->value :
		row->better == RESULTS_LOWER ? c->value > b->value : c->value < b->value;
	if (row->kind == RESULTS_VIRTUAL || b->kind != c->kind) {
		row->verdict = c->value == b->value ? RESULTS_SAME :
			       worse ? RESULTS_REGRESSED : RESULTS_IMPROVED;
		return;
	}
	if (b->ns < 2 || c->ns < 2) {
		row->verdict = RESULTS_TOO_FEW;
		return;
	}
	row->p = results_mann_whitney(b->s, b->ns, c->s, c->ns, NULL);
	large = b->value ? fabs(row->effect) >= o->min_effect : c->value != 0;
	if (row->p < o->alpha && large)
		row->verdict = worse ? RESULTS_REGRESSED : RESULTS_IMPROVED;
	else
		row->verdict = c->value == b->value ? RESULTS_SAME : RESULTS_NOISE;
}

static int load_run_head(struct results_db *db, int64_t id, char *digest, unsigned int *nf,
			 char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->h, "SELECT digest, (SELECT count(*) FROM findings f WHERE "
			       "f.run_id = r.id) FROM runs r WHERE id = ?1", -1, &st, NULL)) {
		results_seterr(err, errlen, "%s: %s", db->path, sqlite3_errmsg(db->h));
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);

		snprintf(digest, 24, "%s", d ? d : "");
		*nf = sqlite3_column_int(st, 1);
	} else {
		results_seterr(err, errlen, "%s: no run %lld", db->path, (long long)id);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static bool same_scenario(struct results_db *db, int64_t a, int64_t b)
{
	sqlite3_stmt *st;
	bool same = false;

	if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM runs x, runs y WHERE x.id = ?1 AND y.id = ?2"
			       " AND x.command IS y.command AND x.trace_hash IS y.trace_hash"
			       " AND x.config IS y.config AND x.flavour IS y.flavour"
			       " AND x.seed IS y.seed", -1, &st, NULL))
		return false;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	same = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return same;
}

static void cmp_row_init(struct results_cmp_row *row, const struct side_metric *m)
{
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", m->name);
	snprintf(row->unit, sizeof(row->unit), "%s", m->unit);
	row->kind = m->kind;
	row->better = m->better;
	row->p = 1;
	row->nbase = row->ncand = 0;
}

int results_compare(struct results_db *db, int64_t base, int64_t cand,
		    const struct results_cmp_opts *opts, struct results_cmp *out,
		    char *err, size_t errlen)
{
	struct results_cmp_opts o = { 0.05, 0.05 };
	struct side_metric *bm = NULL, *cm = NULL;
	size_t nb = 0, nc = 0, i = 0, j = 0;

	if (opts)
		o = *opts;
	memset(out, 0, sizeof(*out));
	out->base = base;
	out->cand = cand;
	if (load_run_head(db, base, out->base_digest, &out->base_findings, err, errlen) ||
	    load_run_head(db, cand, out->cand_digest, &out->cand_findings, err, errlen))
		return -1;
	out->same_scenario = same_scenario(db, base, cand);
	out->digest_compared = out->same_scenario && out->base_digest[0] && out->cand_digest[0];
	out->digest_equal = !strcmp(out->base_digest, out->cand_digest);
	if (load_side(db, base, &bm, &nb) || load_side(db, cand, &cm, &nc)) {
		results_seterr(err, errlen, "%s: reading metrics: %s", db->path, sqlite3_errmsg(db->h));
		free_side(bm, nb);
		return -1;
	}
	out->rows = calloc(nb + nc + 1, sizeof(*out->rows));
	if (!out->rows) {
		free_side(bm, nb);
		free_side(cm, nc);
		results_seterr(err, errlen, "out of memory");
		return -1;
	}
	while (i < nb || j < nc) {
		int c = i >= nb ? 1 : j >= nc ? -1 : strcmp(bm[i].name, cm[j].name);
		struct results_cmp_row *row = &out->rows[out->nrows++];

		if (c < 0) {
			cmp_row_init(row, &bm[i]);
			row->base = bm[i].value;
			row->nbase = bm[i++].ns;
			row->verdict = RESULTS_MISSING;
		} else if (c > 0) {
			cmp_row_init(row, &cm[j]);
			row->cand = cm[j].value;
			row->ncand = cm[j++].ns;
			row->verdict = RESULTS_NEW;
		} else {
			cmp_row_init(row, &cm[j]);
			judge(row, &bm[i++], &cm[j++], &o);
		}
		out->regressions += row->verdict == RESULTS_REGRESSED;
		out->missing += row->verdict == RESULTS_MISSING;
	}
	/* a candidate that no longer measures what the baseline did cannot pass the gate */
	out->regressions += out->missing;
	free_side(bm, nb);
	free_side(cm, nc);
	if (out->digest_compared && !out->digest_equal)
		out->regressions++;
	if (out->cand_findings > out->base_findings)
		out->regressions++;
	return 0;
}

void results_cmp_free(struct results_cmp *cmp)
{
	free(cmp->rows);
	cmp->rows = NULL;
	cmp->nrows = 0;
}

/* ---- output helpers --------------------------------------------------------- */

void results_json_str(FILE *out, const char *s)
{
	if (!s)
		fputs("null", out);
	else
		json_write_string(out, s, strlen(s));	/* valid UTF-8, safe inside <script> */
}
