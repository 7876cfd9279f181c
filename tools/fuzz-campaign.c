// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing campaigns: the engines' status output, finding the harness
 * binaries, and recording a campaign (fuzz-campaign.h). Running one is in
 * fuzz-run.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz-campaign.h"
#include "opt.h"
#include "results.h"

const char *const fuzz_engine_names[] = { "libfuzzer", "afl", NULL };

/* ---- libFuzzer ------------------------------------------------------------------ */

/* The unsigned number after "@key " in @line (0 if absent); *@found set when present. */
static uint64_t field_u64(const char *line, const char *key, bool *found)
{
	const char *p = line;
	size_t n = strlen(key);

	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') && p[n] == ' ') {
			if (found)
				*found = true;
			return strtoull(p + n + 1, NULL, 10);
		}
		p += n;
	}
	return 0;
}

int fuzz_parse_libfuzzer(const char *line, struct fuzz_lf_status *st)
{
	const char *p = line + 1;
	char *end;
	bool cov = false;
	size_t k;

	if (line[0] != '#' || *p < '0' || *p > '9')
		return 0;
	memset(st, 0, sizeof(*st));
	st->execs = strtoull(p, &end, 10);
	if (*end != '\t' && *end != ' ')
		return 0;
	p = end + strspn(end, " \t");
	k = strcspn(p, " \t");
	if (!k || k >= sizeof(st->kind))
		return 0;
	memcpy(st->kind, p, k);
	st->kind[k] = '\0';
	st->cov = field_u64(line, "cov:", &cov);
	if (!cov)
		return 0;
	st->ft = field_u64(line, "ft:", NULL);
	st->corpus = field_u64(line, "corp:", NULL);
	st->rss_mb = field_u64(line, "rss:", NULL);
	p = strstr(line, " exec/s: ");
	st->exec_s = p ? strtod(p + 9, NULL) : 0;
	return 1;
}

int fuzz_parse_libfuzzer_stat(const char *line, struct fuzz_lf_final *f)
{
	static const char pre[] = "stat::";
	const char *colon;
	size_t n;

	if (strncmp(line, pre, sizeof(pre) - 1))
		return 0;
	line += sizeof(pre) - 1;
	colon = strchr(line, ':');
	if (!colon)
		return 0;
	n = colon - line;
#define IS(s) (n == sizeof(s) - 1 && !strncmp(line, s, n))
	if (IS("number_of_executed_units"))
		f->execs = strtoull(colon + 1, NULL, 10);
	else if (IS("average_exec_per_sec"))
		f->exec_per_s = strtod(colon + 1, NULL);
	else if (IS("peak_rss_mb"))
		f->peak_rss_mb = strtoull(colon + 1, NULL, 10);
	else if (IS("new_units_added"))
		f->new_units = strtoull(colon + 1, NULL, 10);
#undef IS
	f->seen = true;
	return 1;
}

const char *fuzz_libfuzzer_artifact(const char *line, size_t *len)
{
	static const char key[] = "Test unit written to ";
	const char *p = strstr(line, key);

	if (!p)
		return NULL;
	p += sizeof(key) - 1;
	*len = strcspn(p, "\r\n");
	while (*len && p[*len - 1] == ' ')
		(*len)--;
	return *len ? p : NULL;
}

/* ---- AFL++ ------------------------------------------------------------------------ */

int fuzz_parse_afl_stats(const char *text, struct fuzz_afl_stats *st)
{
	static const struct {
		const char *key;
		size_t off;
		bool dbl;
	} keys[] = {
#define K(n, d) { #n, offsetof(struct fuzz_afl_stats, n), d }
		K(execs_done, false), K(saved_crashes, false), K(corpus_count, false),
		K(edges_found, false), K(peak_rss_mb, false), K(execs_per_sec, true),
		K(run_time, true),
#undef K
	};
	bool execs = false;

	memset(st, 0, sizeof(*st));
	for (const char *line = text; line && *line; line = strchr(line, '\n'),
	     line = line ? line + 1 : NULL) {
		size_t n = strcspn(line, " :\n");
		const char *v = line + n;

		v += strspn(v, " ");
		if (*v != ':')
			continue;
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			if (strlen(keys[i].key) != n || strncmp(line, keys[i].key, n))
				continue;
			if (keys[i].dbl)
				*(double *)((char *)st + keys[i].off) = strtod(v + 1, NULL);
			else
				*(uint64_t *)((char *)st + keys[i].off) = strtoull(v + 1, NULL, 10);
			execs |= i == 0;
		}
	}
	return execs ? 0 : -1;
}

int fuzz_afl_plot_header(const char *line, struct fuzz_afl_cols *c)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "relative_time", offsetof(struct fuzz_afl_cols, time) },
		{ "corpus_count", offsetof(struct fuzz_afl_cols, corpus) },
		{ "total_execs", offsetof(struct fuzz_afl_cols, execs) },
		{ "edges_found", offsetof(struct fuzz_afl_cols, edges) },
		{ "saved_crashes", offsetof(struct fuzz_afl_cols, crashes) },
	};
	int col = 0;

	if (line[0] != '#')
		return 0;
	memset(c, 0xff, sizeof(*c));	/* every index -1 */
	for (const char *p = line + 1; *p; col++) {
		size_t n;

		p += strspn(p, " \t");
		n = strcspn(p, ",\r\n");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n))
				*(int *)((char *)c + names[i].off) = col;
		p += strcspn(p, ",\r\n");
		if (*p != ',')
			break;
		p++;
	}
	return c->time < 0 || c->corpus < 0 || c->execs < 0 || c->edges < 0 ? -1 : 1;
}

int fuzz_parse_afl_plot(const char *line, const struct fuzz_afl_cols *c, struct fuzz_sample *s,
			uint64_t *crashes)
{
	int col = 0, got = 0;
	const char *p = line;

	if (!*p || *p == '#' || *p < '0' || *p > '9')
		return 0;
	memset(s, 0, sizeof(*s));
	for (; *p; col++) {
		char *end;
		double v = strtod(p, &end);

		if (end == p)
			return 0;
		if (col == c->time) {
			s->t = v;
			got++;
		} else if (col == c->corpus) {
			s->corpus = v;
			got++;
		} else if (col == c->execs) {
			s->execs = v;
			got++;
		} else if (col == c->edges) {
			s->cov = v;
			got++;
		} else if (col == c->crashes && crashes) {
			*crashes = v;
		}
		p = end + strspn(end, " %");
		if (*p != ',')
			break;
		p++;
		p += strspn(p, " ");
	}
	return got == 4;
}

double fuzz_afl_crash_ms(const char *name)
{
	const char *p = strstr(name, ",time:");
	char *end;
	double v;

	if (!p)
		return -1;
	v = strtod(p + 6, &end);
	return end == p + 6 ? -1 : v;
}

/* ---- binaries ------------------------------------------------------------------- */

const char *fuzz_engine_preset(enum fuzz_engine e)
{
	return e == FUZZ_AFL ? "afl" : "fuzz";
}

int fuzz_find_binary(const char *harness, enum fuzz_engine e, const char *dir, char *buf,
		     size_t len, char *err, size_t errlen)
{
	const char *suffix = e == FUZZ_AFL ? "afl" : "libfuzzer";
	const char *env = getenv("PASIDSIM_FUZZ_BIN_DIR");
	char exe[PATH_MAX], tried[3][PATH_MAX + 128];
	unsigned int n = 0;
	ssize_t k;

	if (!dir && env && *env)
		dir = env;
	if (dir) {
		snprintf(tried[n++], sizeof(tried[0]), "%s/%s_%s", dir, harness, suffix);
	} else {
		k = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[k > 0 ? k : 0] = '\0';
		if (strrchr(exe, '/'))
			*strrchr(exe, '/') = '\0';
		snprintf(tried[n++], sizeof(tried[0]), "%s/fuzz/%s_%s", exe, harness, suffix);
		snprintf(tried[n++], sizeof(tried[0]), "%s/../%s/fuzz/%s_%s", exe,
			 fuzz_engine_preset(e), harness, suffix);
	}
	for (unsigned int i = 0; i < n; i++) {
		if (access(tried[i], X_OK))
			continue;
		if (!realpath(tried[i], buf) || strlen(buf) >= len)
			snprintf(buf, len, "%s", tried[i]);
		return 0;
	}
	snprintf(err, errlen, "no %s binary of harness '%s' (looked for %s%s%s); the '%s' cmake "
		 "preset builds it: cmake --preset %s && cmake --build --preset %s", suffix,
		 harness, tried[0], n > 1 ? " and " : "", n > 1 ? tried[1] : "",
		 fuzz_engine_preset(e), fuzz_engine_preset(e), fuzz_engine_preset(e));
	return -1;
}

int fuzz_source_dir(const char *path, char *buf, size_t len)
{
	char dir[PATH_MAX], probe[PATH_MAX + 32];

	if (!realpath(path, dir))
		return -1;
	for (;;) {
		char *slash = strrchr(dir, '/');

		snprintf(probe, sizeof(probe), "%s/fuzz/corpus", dir);
		if (!access(probe, R_OK)) {
			snprintf(buf, len, "%s", dir);
			return 0;
		}
		if (!slash || slash == dir)
			return -1;
		*slash = '\0';
	}
}

void fuzz_harness_files(const char *src, const char *harness, char *seeds, char *dict,
			size_t len, unsigned int *max_len)
{
	char path[PATH_MAX], line[512];
	bool lf = false;
	FILE *f;

	*max_len = 0;
	snprintf(seeds, len, "%s/fuzz/corpus/%s", src, harness);
	if (access(seeds, R_OK))
		seeds[0] = '\0';
	snprintf(dict, len, "%s/fuzz/dict/%s.dict", src, harness);
	if (access(dict, R_OK))
		dict[0] = '\0';
	snprintf(path, sizeof(path), "%s/fuzz/options/%s.options", src, harness);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char key[64], val[256];

		if (line[0] == '[')
			lf = !strncmp(line, "[libfuzzer]", 11);
		else if (lf && sscanf(line, " %63[a-z_] = %255s", key, val) == 2 &&
			 !strcmp(key, "max_len"))
			*max_len = strtoul(val, NULL, 10);
		else if (lf && sscanf(line, " %63[a-z_] = %255s", key, val) == 2 &&
			 !strcmp(key, "dict"))
			snprintf(dict, len, "%s/fuzz/dict/%s", src, val);
	}
	if (f)
		fclose(f);
}

/* ---- flavours ---------------------------------------------------------------- */

/* --flavour: [FLAVOUR][+BUG], FLAVOUR pasidsim or linux-6.1, BUG a patch's name. */
int fuzz_flavour_opt(const struct opt *o, const char *arg, char *err, size_t len)
{
	const char *plus = strchr(arg, '+');
	size_t n = plus ? (size_t)(plus - arg) : strlen(arg);

	if ((n && !(n == 8 && !strncmp(arg, "pasidsim", 8)) &&
	     !(n == 9 && !strncmp(arg, "linux-6.1", 9))) ||
	    (plus && (!plus[1] || strspn(plus + 1, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
				  strlen(plus + 1))) || !*arg) {
		snprintf(err, len, "expected [pasidsim|linux-6.1][+BUG]");
		return -1;
	}
	*(const char **)o->value = arg;
	return 0;
}

/* Is a core object of @spec ([FLAVOUR][+BUG]) built beside the harness @bin? */
bool fuzz_core_built(const char *bin, const char *spec)
{
	static const char *const flavours[] = { "pasidsim", "linux-6.1" };
	char dir[PATH_MAX], path[PATH_MAX * 2];

	snprintf(dir, sizeof(dir), "%s", bin);
	for (int up = 0; up < 2 && strrchr(dir, '/'); up++)
		*strrchr(dir, '/') = '\0';	/* <build>/fuzz/<bin> -> <build> */
	for (int i = 0; i < 2; i++) {
		if (spec[0] == '+')
			snprintf(path, sizeof(path), "%s/core/libpasidsim-core-%s%s.so", dir,
				 flavours[i], spec);
		else
			snprintf(path, sizeof(path), "%s/core/libpasidsim-core-%s.so", dir, spec);
		if (!access(path, R_OK))
			return true;
	}
	return false;
}

/* ---- recording ----------------------------------------------------------------- */

int fuzz_campaign_sample(struct fuzz_campaign *c, const struct fuzz_sample *s)
{
	/* at most about four points a second: the newest replaces the last one */
	if ((c->nsamples && c->samples[c->nsamples - 1].t >= s->t) ||
	    (c->nsamples > 1 && s->t - c->samples[c->nsamples - 2].t < 0.25)) {
		c->samples[c->nsamples - 1] = *s;
		return 0;
	}
	if (c->nsamples == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct fuzz_sample *v = realloc(c->samples, cap * sizeof(*v));

		if (!v)
			return -1;
		c->samples = v;
		c->cap = cap;
	}
	c->samples[c->nsamples++] = *s;
	return 0;
}

void fuzz_campaign_free(struct fuzz_campaign *c)
{
	free(c->samples);
	c->samples = NULL;
	c->nsamples = c->cap = 0;
}

int fuzz_campaign_record(const struct fuzz_campaign *c, struct results_run *run)
{
	int rc = 0;

	for (size_t i = 0; i < c->nsamples; i++)
		rc |= results_coverage(run, c->samples[i].t, c->samples[i].execs,
				       c->samples[i].cov, c->samples[i].corpus);
	rc |= results_sample(run, "fuzz.execs", "1", RESULTS_HIGHER, c->execs);
	rc |= results_sample(run, "fuzz.exec_per_s", "1/s", RESULTS_HIGHER, c->exec_per_s);
	if (c->cpu > 0)
		rc |= results_sample(run, "fuzz.exec_per_cpu_s", "1/s", RESULTS_HIGHER,
				     c->execs / c->cpu);
	if (c->peak_rss_mb)
		rc |= results_sample(run, "fuzz.peak_rss", "MB", RESULTS_LOWER, c->peak_rss_mb);
	rc |= results_sample(run, "fuzz.coverage", "edges", RESULTS_HIGHER, c->cov);
	rc |= results_sample(run, "fuzz.corpus", "inputs", RESULTS_HIGHER, c->corpus_size);
	if (c->core_total)
		rc |= results_sample(run, "fuzz.core_edges", "edges", RESULTS_HIGHER,
				     c->core_edges);
	for (unsigned int i = 0; i < c->ncore_files; i++) {
		char name[64];

		snprintf(name, sizeof(name), "fuzz.core_edges.%s", c->core_files[i].name);
		rc |= results_sample(run, name, "edges", RESULTS_HIGHER, c->core_files[i].covered);
	}
	if (c->findings) {
		char msg[512];

		snprintf(msg, sizeof(msg), "%s (%s) after %.1f s: %s", c->harness,
			 fuzz_engine_names[c->engine], c->finding_s,
			 c->finding_msg[0] ? c->finding_msg : "crash");
		rc |= results_finding(run, "crash", msg, -1, c->finding[0] ? c->finding : NULL);
	}
	results_run_set_duration(run, (uint64_t)(c->elapsed * 1e9));
	results_run_set_outcome(run, c->execs, c->status == 1 ? "finding" :
				c->status ? "failed" : "ok");
	return rc ? -1 : 0;
}
