// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded bugs: reading a patch of fuzz/bugbench/ (its header and the lines
 * it changes), and deciding whether a corpus replay reached those lines
 * (bugbench.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bugbench.h"

bool bugbench_in_list(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == ',') &&
		    (!p[n] || p[n] == ' ' || p[n] == ','))
			return true;
	return false;
}

void bugbench_bug_free(struct bugbench_bug *bug)
{
	free(bug->lines);
	bug->lines = NULL;
	bug->nlines = 0;
}

static int add_line(struct bugbench_bug *bug, const char *file, unsigned int line)
{
	struct bugbench_line *v;

	if (bug->nlines && bug->lines[bug->nlines - 1].line == line &&
	    !strcmp(bug->lines[bug->nlines - 1].file, file))
		return 0;
	v = realloc(bug->lines, (bug->nlines + 1) * sizeof(*v));
	if (!v)
		return -1;
	bug->lines = v;
	snprintf(v[bug->nlines].file, sizeof(v[0].file), "%s", file);
	v[bug->nlines++].line = line;
	return 0;
}

/* A header line "Key: value" into @dst if it is @key. */
static bool header(const char *line, const char *key, char *dst, size_t len)
{
	size_t n = strlen(key);

	if (strncmp(line, key, n) || line[n] != ':')
		return false;
	line += n + 1;
	line += strspn(line, " \t");
	snprintf(dst, len, "%.*s", (int)strcspn(line, "\r\n"), line);
	return true;
}

int bugbench_read_patch(const char *path, struct bugbench_bug *bug, char *err, size_t errlen)
{
	char line[4096], file[128] = "";
	const char *base = strrchr(path, '/');
	unsigned int lineno = 0, newl = 0;
	bool body = false, deleted = false;
	FILE *f = fopen(path, "r");

	memset(bug, 0, sizeof(*bug));
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(bug->name, sizeof(bug->name), "%.*s", (int)(strlen(base ? base + 1 : path) - 6),
		 base ? base + 1 : path);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!body && (header(line, "Flavours", bug->flavours, sizeof(bug->flavours)) ||
			      header(line, "Suite", bug->suite, sizeof(bug->suite))))
			continue;
		if (!body && header(line, "Harnesses", bug->harnesses, sizeof(bug->harnesses))) {
			bug->has_harnesses = true;
			continue;
		}
		if (!strncmp(line, "+++ b/", 6)) {
			body = true;
			snprintf(file, sizeof(file), "%.*s", (int)strcspn(line + 6, "\t\r\n"),
				 line + 6);
		} else if (!strncmp(line, "@@ ", 3)) {
			const char *plus = strstr(line, " +");

			if (!plus || !file[0]) {
				snprintf(err, errlen, "%s:%u:1: expected a hunk header after +++",
					 path, lineno);
				fclose(f);
				return -1;
			}
			newl = strtoul(plus + 2, NULL, 10);
			deleted = false;
		} else if (body && newl && line[0] == '+') {
			if (add_line(bug, file, newl++))
				goto oom;
			deleted = false;
		} else if (body && newl && line[0] == '-' && strncmp(line, "--- ", 4)) {
			deleted = true;
		} else if (body && newl && line[0] == ' ') {
			if (deleted && add_line(bug, file, newl))	/* a deletion before it */
				goto oom;
			deleted = false;
			newl++;
		}
	}
	fclose(f);
	if (!bug->flavours[0] || !bug->suite[0] || !bug->nlines) {
		snprintf(err, errlen, "%s:%u:1: expected Flavours:, Suite: and a diff", path,
			 lineno);
		bugbench_bug_free(bug);
		return -1;
	}
	return 0;
oom:
	fclose(f);
	bugbench_bug_free(bug);
	snprintf(err, errlen, "%s: out of memory", path);
	return -1;
}

/* ---- reached ------------------------------------------------------------------- */

struct frame {
	size_t edge;
	unsigned int line;
	char file[128];		/* "core/..." suffix of the source path */
	char func[96];		/* the function this frame is in */
};

struct edges {
	bool *covered;
	size_t n;
	struct frame *fr;
	size_t nfr;
};

/*
 * The edges of the object whose path ends in @object, in @path: their
 * offsets into @offs (a file), coverage into @e, the object's path into @obj.
 */
static int read_edges(const char *path, const char *object, const char *offs, struct edges *e,
		      char *obj, size_t objlen)
{
	char line[PATH_MAX + 64];
	size_t olen = strlen(object);
	FILE *in = fopen(path, "r"), *out = fopen(offs, "w");
	int rc = 0;

	while (in && out && fgets(line, sizeof(line), in)) {
		size_t plen = strcspn(line, " ");
		unsigned long off;
		int cov;
		bool *v;

		if (plen < olen || strncmp(line + plen - olen, object, olen) ||
		    sscanf(line + plen, " %lx %d", &off, &cov) != 2)
			continue;
		if (!e->n)
			snprintf(obj, objlen, "%.*s", (int)plen, line);
		v = realloc(e->covered, (e->n + 1) * sizeof(*v));
		if (!v) {
			rc = -1;
			break;
		}
		e->covered = v;
		e->covered[e->n++] = cov;
		fprintf(out, "%#lx\n", off);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return in && out && !rc ? 0 : -1;
}

/*
 * Every frame of every edge, from llvm-symbolizer's output (innermost
 * first, a blank line after each edge): a frame's file is "core/<f>" for
 * core/, "linux-6.1:<f>" for the hosted Linux sources, "" for anything else.
 */
static int symbolize(const char *object, const char *offs, struct edges *e)
{
	char cmd[PATH_MAX * 2 + 128], line[PATH_MAX], func[256];
	size_t edge = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "llvm-symbolizer --obj='%s' --functions=linkage < '%s' "
		 "2>/dev/null", object, offs);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	/* per frame a function line, then its location line */
	while (fgets(func, sizeof(func), p) && edge < e->n) {
		char *core, *lsrc, *colon;
		struct frame *f;

		if (func[0] == '\n') {
			edge++;
			continue;
		}
		func[strcspn(func, "\n")] = '\0';
		if (!fgets(line, sizeof(line), p))
			break;
		core = strstr(line, "/core/");
		lsrc = strstr(line, "/linux-src/");
		colon = strrchr(line, ':');
		if (colon && colon > line && colon[-1] >= '0' && colon[-1] <= '9') {
			*colon = '\0';		/* drop the column */
			colon = strrchr(line, ':');
		}
		if (!colon)
			continue;
		f = realloc(e->fr, (e->nfr + 1) * sizeof(*f));
		if (!f)
			break;
		e->fr = f;
		f = &e->fr[e->nfr++];
		f->edge = edge;
		f->line = strtoul(colon + 1, NULL, 10);
		snprintf(f->func, sizeof(f->func), "%.95s", func);
		*colon = '\0';
		if (core && core < colon)
			snprintf(f->file, sizeof(f->file), "%s", core + 1);
		else if (lsrc && lsrc < colon)
			snprintf(f->file, sizeof(f->file), "linux-6.1:%s", lsrc + 11);
		else
			f->file[0] = '\0';
	}
	return pclose(p) == 0 && edge ? 0 : -1;
}

/* Is an edge at @line of @l's file (in @func, when given) covered? */
static bool covered_at(const struct edges *e, const struct bugbench_line *l, unsigned int line,
		       const char *func)
{
	for (size_t i = 0; line && i < e->nfr; i++)
		if (e->fr[i].line == line && !strcmp(e->fr[i].file, l->file) &&
		    (!func || !strcmp(e->fr[i].func, func)) && e->covered[e->fr[i].edge])
			return true;
	return false;
}

/*
 * A changed line with an edge of its own is reached when one of its edges
 * was covered. One without (it shares a basic block and its counter with
 * the lines around it, or the compiler folded it, "false && ..."): when its
 * function was entered, i.e. an edge in the function of the nearest
 * instrumented line before it (at most 40 lines up) was covered. -1 when
 * neither exists (a changed macro or constant in a header).
 */
static int line_reached(const struct edges *e, const struct bugbench_line *l)
{
	unsigned int before = 0;
	const char *func = NULL;

	for (size_t i = 0; i < e->nfr; i++) {
		unsigned int ln = e->fr[i].line;

		if (strcmp(e->fr[i].file, l->file))
			continue;
		if (ln == l->line)	/* the line has an edge of its own: that decides */
			return covered_at(e, l, ln, NULL);
		if (ln < l->line && ln > before && ln + 40 >= l->line) {
			before = ln;
			func = e->fr[i].func;
		}
	}
	if (!func)
		return -1;	/* no code near it (a changed macro or constant) */
	for (size_t i = 0; i < e->nfr; i++)
		if (!strcmp(e->fr[i].file, l->file) && !strcmp(e->fr[i].func, func) &&
		    e->covered[e->fr[i].edge])
			return 1;
	return 0;
}

/* Edges whose outermost frame is in core/ or the hosted Linux sources, over every object. */
/* Count an edge of @path (covered or not) in its file's row of @files. */
static void file_count(struct bugbench_core_file *files, unsigned int *nfiles, const char *path,
		       bool covered)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	unsigned int i;

	for (i = 0; i < *nfiles && strcmp(files[i].name, base); i++)
		;
	if (i == *nfiles) {
		if (i == BUGBENCH_CORE_FILES)
			return;
		snprintf(files[i].name, sizeof(files[i].name), "%s", base);
		files[i].covered = files[i].total = 0;
		++*nfiles;
	}
	files[i].total++;
	files[i].covered += covered;
}

int bugbench_core_edges(const char *edges, unsigned long *covered, unsigned long *total,
			struct bugbench_core_file *files, unsigned int *nfiles)
{
	char line[PATH_MAX + 64], seen[16][PATH_MAX], offs[] = "/tmp/pasidsim-offsets-XXXXXX";
	unsigned int nseen = 0;
	FILE *in = fopen(edges, "r");
	int fd = mkstemp(offs), rc = 0;

	*covered = *total = 0;
	if (nfiles)
		*nfiles = 0;
	if (fd >= 0)
		close(fd);
	while (in && fd >= 0 && !rc && fgets(line, sizeof(line), in) && nseen < 16) {
		size_t plen = strcspn(line, " ");
		struct edges e = { 0 };
		char obj[PATH_MAX];
		bool dup = false;

		line[plen] = '\0';
		for (unsigned int i = 0; i < nseen; i++)
			dup |= !strcmp(seen[i], line);
		if (dup)
			continue;
		if (snprintf(seen[nseen], sizeof(seen[0]), "%s", line) >= (int)sizeof(seen[0]))
			continue;
		nseen++;
		rc = read_edges(edges, line, offs, &e, obj, sizeof(obj)) || !e.n ||
		     symbolize(obj, offs, &e) ? -1 : 0;
		/* the outermost frame of each edge is its last */
		for (size_t i = 0; !rc && i < e.nfr; i++)
			if ((i + 1 == e.nfr || e.fr[i + 1].edge != e.fr[i].edge) && e.fr[i].file[0]) {
				++*total;
				*covered += e.covered[e.fr[i].edge];
				if (files && nfiles)
					file_count(files, nfiles, e.fr[i].file,
						   e.covered[e.fr[i].edge]);
			}
		free(e.covered);
		free(e.fr);
	}
	if (in)
		fclose(in);
	if (fd >= 0)
		unlink(offs);
	return in && fd >= 0 && !rc ? 0 : -1;
}

int bugbench_reached(const char *edges, const char *object, const struct bugbench_bug *bug)
{
	char offs[] = "/tmp/pasidsim-offsets-XXXXXX";
	struct edges e = { 0 };
	char obj[PATH_MAX];
	int fd = mkstemp(offs), rc = -1;

	if (fd < 0)
		return -1;
	close(fd);
	if (!read_edges(edges, object, offs, &e, obj, sizeof(obj)) && e.n &&
	    !symbolize(obj, offs, &e)) {
		/* any line reached: 1; else any line decided: 0; else unknown */
		for (size_t i = 0; i < bug->nlines && rc < 1; i++) {
			int r = line_reached(&e, &bug->lines[i]);

			rc = r > rc ? r : rc;
		}
	}
	unlink(offs);
	free(e.covered);
	free(e.fr);
	return rc;
}
