// SPDX-License-Identifier: GPL-2.0
/*
 * The bug benchmark's statistics and comparison (bugbench.h): Fisher's
 * exact test on detections, Mann-Whitney U (results.h) on censored times
 * to detection, the cells of a stored run, and 'pasidsim compare' of two
 * bugbench runs.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "bugbench.h"
#include "builtin.h"
#include "json.h"
#include "results.h"
#include "stats.h"

/* log C(n, k) */
static double lchoose(unsigned int n, unsigned int k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

double bugbench_fisher_less(unsigned int a, unsigned int na, unsigned int b, unsigned int nb)
{
	unsigned int k = a + b, n = na + nb, lo;
	double p = 0;

	if (!na || a > na || b > nb)
		return 1;
	/* X = candidate detections ~ Hypergeometric(n, k, na); P(X <= a) */
	lo = k > nb ? k - nb : 0;
	for (unsigned int x = lo; x <= a; x++)
		p += exp(lchoose(k, x) + lchoose(n - k, na - x) - lchoose(n, na));
	return p > 1 ? 1 : p;
}

double bugbench_median(const double *v, size_t n)
{
	struct stats s = STATS_INIT;
	double m;

	for (size_t i = 0; i < n; i++)
		stats_add(&s, (uint64_t)llround(v[i] * 1000));	/* ms */
	m = n ? stats_pct(&s, 50) / 1000.0 : 0;
	stats_free(&s);
	return m;
}

static const struct bugbench_cell *find_cell(const struct bugbench_cell *v, size_t n,
					     const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

/* Append @src's times to *@dst (of *@n). false on ENOMEM. */
static bool pool(double **dst, size_t *n, const struct bugbench_cell *src)
{
	double *v = realloc(*dst, (*n + src->nttd + 1) * sizeof(double));

	if (!v)
		return false;
	memcpy(v + *n, src->ttd, src->nttd * sizeof(double));
	*dst = v;
	*n += src->nttd;
	return true;
}

/* Is the candidate's sample significantly later (two-sided p, candidate ranks higher)? */
static double later(const double *b, size_t nb, const double *c, size_t nc, bool *is_later)
{
	double u, p = results_mann_whitney(c, nc, b, nb, &u);

	*is_later = u > (double)nb * nc / 2;
	return p;
}

int bugbench_compare_cells(const struct bugbench_cell *b, size_t nb,
			   const struct bugbench_cell *c, size_t nc, double alpha,
			   struct bugbench_cmp *out)
{
	double *pb = NULL, *pc = NULL;
	size_t npb = 0, npc = 0;
	bool lat;

	memset(out, 0, sizeof(*out));
	out->alpha = alpha;
	out->rows = calloc(nb + 1, sizeof(*out->rows));
	if (!out->rows)
		return -1;
	for (size_t i = 0; i < nb; i++) {
		const struct bugbench_cell *cc = find_cell(c, nc, b[i].name);
		struct bugbench_cmp_row *r;

		if (!cc) {
			out->missing++;
			continue;
		}
		r = &out->rows[out->nrows++];
		snprintf(r->name, sizeof(r->name), "%s", b[i].name);
		r->bd = b[i].detected;
		r->bn = b[i].trials;
		r->cd = cc->detected;
		r->cn = cc->trials;
		r->bmed = bugbench_median(b[i].ttd, b[i].nttd);
		r->cmed = bugbench_median(cc->ttd, cc->nttd);
		r->p_found = bugbench_fisher_less(r->cd, r->cn, r->bd, r->bn);
		r->p_time = later(b[i].ttd, b[i].nttd, cc->ttd, cc->nttd, &lat);
		out->bd += r->bd;
		out->bn += r->bn;
		out->cd += r->cd;
		out->cn += r->cn;
		if (!pool(&pb, &npb, &b[i]) || !pool(&pc, &npc, cc)) {
			free(pb);
			free(pc);
			return -1;
		}
		r->slower = lat && r->p_time < alpha / nb && r->cmed > r->bmed;
		r->fewer = r->p_found < alpha / nb;
		out->regressions += r->fewer + r->slower;
	}
	out->p_found = bugbench_fisher_less(out->cd, out->cn, out->bd, out->bn);
	out->p_time = later(pb, npb, pc, npc, &lat);
	out->bmed = bugbench_median(pb, npb);
	out->cmed = bugbench_median(pc, npc);
	out->fewer = out->p_found < alpha;
	out->slower = lat && out->p_time < alpha;
	out->regressions += out->fewer + out->slower + out->missing;
	free(pb);
	free(pc);
	return 0;
}

void bugbench_cmp_free(struct bugbench_cmp *cmp)
{
	free(cmp->rows);
	cmp->rows = NULL;
	cmp->nrows = 0;
}

/* ---- stored runs --------------------------------------------------------------- */

void bugbench_cells_free(struct bugbench_cell *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(cells[i].ttd);
	free(cells);
}

bool bugbench_is_run(struct results_db *db, int64_t run)
{
	sqlite3_stmt *st;
	bool is = false;

	if (sqlite3_prepare_v2(results_sqlite(db), "SELECT 1 FROM runs WHERE id = ?1 AND "
			       "command = 'bugbench'", -1, &st, NULL))
		return false;
	sqlite3_bind_int64(st, 1, run);
	is = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return is;
}

/* The cell of metric @name ("bugbench.<cell>.<what>"), created; NULL on ENOMEM. */
static struct bugbench_cell *cell_of(struct bugbench_cell **v, size_t *n, const char *name,
				     size_t len)
{
	struct bugbench_cell *nv;

	for (size_t i = 0; i < *n; i++)
		if (strlen((*v)[i].name) == len && !strncmp((*v)[i].name, name, len))
			return &(*v)[i];
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	*v = nv;
	memset(&nv[*n], 0, sizeof(nv[*n]));
	snprintf(nv[*n].name, sizeof(nv[*n].name), "%.*s", (int)len, name);
	nv[*n].reached = -1;
	return &nv[(*n)++];
}

int bugbench_load_cells(struct results_db *db, int64_t run, struct bugbench_cell **out,
			size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	struct bugbench_cell *v = NULL;
	size_t nv = 0;
	int rc;

	if (sqlite3_prepare_v2(results_sqlite(db), "SELECT name, value FROM samples WHERE "
			       "run_id = ?1 AND name LIKE 'bugbench.%' ORDER BY name, seq", -1,
			       &st, NULL)) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(results_sqlite(db)));
		return -1;
	}
	sqlite3_bind_int64(st, 1, run);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0) + 9;
		const char *what = strrchr(name, '.');
		double val = sqlite3_column_double(st, 1);
		struct bugbench_cell *c;

		if (!what || what == name)
			continue;
		c = cell_of(&v, &nv, name, what - name);
		if (!c)
			break;
		if (!strcmp(what, ".detected")) {
			c->trials++;
			c->detected += val > 0;
		} else if (!strcmp(what, ".ttd_s")) {
			double *t = realloc(c->ttd, (c->nttd + 1) * sizeof(double));

			if (!t)
				break;
			c->ttd = t;
			c->ttd[c->nttd++] = val;
		} else if (!strcmp(what, ".reached")) {
			c->reached = (c->reached < 0 ? 0 : c->reached) + (val > 0);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading run %lld: out of memory", (long long)run);
		bugbench_cells_free(v, nv);
		return -1;
	}
	*out = v;
	*n = nv;
	return 0;
}

static void print_cmp_json(const struct bugbench_cmp *c, int64_t base, int64_t cand)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_i64(&j, "baseline", base);
	json_i64(&j, "candidate", cand);
	json_dbl(&j, "alpha", c->alpha);
	json_obj_begin(&j, "found");
	json_u64(&j, "baseline", c->bd);
	json_u64(&j, "baseline_trials", c->bn);
	json_u64(&j, "candidate", c->cd);
	json_u64(&j, "candidate_trials", c->cn);
	json_dbl(&j, "p_fisher", c->p_found);
	json_bool(&j, "fewer", c->fewer);
	json_obj_end(&j);
	json_obj_begin(&j, "time_to_detection");
	json_dbl(&j, "baseline_median_s", c->bmed);
	json_dbl(&j, "candidate_median_s", c->cmed);
	json_dbl(&j, "p_mann_whitney", c->p_time);
	json_bool(&j, "slower", c->slower);
	json_obj_end(&j);
	json_arr_begin(&j, "cells");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct bugbench_cmp_row *r = &c->rows[i];

		json_obj_begin(&j, NULL);
		json_str(&j, "cell", r->name);
		json_u64(&j, "baseline_detected", r->bd);
		json_u64(&j, "baseline_trials", r->bn);
		json_u64(&j, "candidate_detected", r->cd);
		json_u64(&j, "candidate_trials", r->cn);
		json_dbl(&j, "baseline_median_s", r->bmed);
		json_dbl(&j, "candidate_median_s", r->cmed);
		json_dbl(&j, "p_fisher", r->p_found);
		json_dbl(&j, "p_mann_whitney", r->p_time);
		json_bool(&j, "fewer", r->fewer);
		json_bool(&j, "slower", r->slower);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_u64(&j, "missing", c->missing);
	json_u64(&j, "regressions", c->regressions);
	json_str(&j, "result", c->regressions ? "regression" : "ok");
	json_obj_end(&j);
}

static void print_cmp_text(const struct bugbench_cmp *c, int64_t base, int64_t cand)
{
	printf("bugbench: baseline run %lld, candidate run %lld (alpha %g; per cell %g)\n",
	       (long long)base, (long long)cand, c->alpha, c->nrows ? c->alpha / c->nrows : 0);
	printf("  %-40s %9s %9s %8s %9s %9s %8s\n", "", "baseline", "candidate", "Fisher",
	       "baseline", "candidate", "MWU");
	printf("  %-40s %9s %9s %8s %9s %9s %8s  %s\n", "bug.harness", "found", "found",
	       "p", "median s", "median s", "p", "verdict");
	for (size_t i = 0; i < c->nrows; i++) {
		const struct bugbench_cmp_row *r = &c->rows[i];

		printf("  %-40s %4u/%-4u %4u/%-4u %8.4f %9.1f %9.1f %8.4f  %s\n", r->name, r->bd,
		       r->bn, r->cd, r->cn, r->p_found, r->bmed, r->cmed, r->p_time,
		       r->fewer && r->slower ? "FEWER, SLOWER" : r->fewer ? "FEWER" :
		       r->slower ? "SLOWER" : "same");
	}
	printf("  %-40s %4u/%-4u %4u/%-4u %8.4f %9.1f %9.1f %8.4f  %s\n", "all cells", c->bd,
	       c->bn, c->cd, c->cn, c->p_found, c->bmed, c->cmed, c->p_time,
	       c->fewer && c->slower ? "FEWER, SLOWER" : c->fewer ? "FEWER" :
	       c->slower ? "SLOWER" : "same");
	if (c->missing)
		printf("  %u cell(s) of the baseline missing from the candidate\n", c->missing);
	printf("%s: %u regression%s (found: Fisher's exact test, one-sided; time to detection: "
	       "Mann-Whitney U, censored at the budget)\n", c->regressions ? "REGRESSION" : "OK",
	       c->regressions, c->regressions == 1 ? "" : "s");
}

int bugbench_compare_runs(struct results_db *db, int64_t base, int64_t cand, double alpha,
			  bool json)
{
	struct bugbench_cell *b = NULL, *c = NULL;
	size_t nb = 0, nc = 0;
	struct bugbench_cmp cmp;
	char err[512];
	int ret;

	if (bugbench_load_cells(db, base, &b, &nb, err, sizeof(err)) ||
	    bugbench_load_cells(db, cand, &c, &nc, err, sizeof(err)) ||
	    (snprintf(err, sizeof(err), "out of memory"),
	     bugbench_compare_cells(b, nb, c, nc, alpha, &cmp))) {
		fprintf(stderr, "pasidsim compare: %s\n", err);
		bugbench_cells_free(b, nb);
		bugbench_cells_free(c, nc);
		return PASIDSIM_EXIT_USAGE;
	}
	if (json)
		print_cmp_json(&cmp, base, cand);
	else
		print_cmp_text(&cmp, base, cand);
	ret = cmp.regressions ? PASIDSIM_EXIT_FOUND : PASIDSIM_EXIT_OK;
	bugbench_cmp_free(&cmp);
	bugbench_cells_free(b, nb);
	bugbench_cells_free(c, nc);
	return ret;
}
