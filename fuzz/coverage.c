// SPDX-License-Identifier: GPL-2.0
/*
 * Edge coverage of the loaded core copies, for the campaign note.
 *
 * libFuzzer counts the edges of every module it sees, but cannot name the
 * source files of the core copies: they are loaded from a memfd
 * (/proc/self/fd/N), which llvm-symbolizer, another process, cannot open.
 * So the replayer measures them itself: in a build instrumented with
 * -fsanitize=fuzzer-no-link and no fuzzing engine (fuzz_<h> of the fuzz
 * preset) the inline 8-bit counters are never reset, and after a corpus
 * replay they hold every edge the corpus reaches. With
 * PASIDSIM_FUZZ_COVERAGE=FILE set, exit appends one line per edge of each
 * registered copy:
 *	<object file> <offset of the edge's PC> <1 covered, 0 not>
 * scripts/fuzz-coverage.sh symbolizes the offsets against the object file
 * and counts edges per core/ source file. The sections are found from the
 * object's section headers; a build without them writes nothing.
 * sim_core_reset() copies the counters back to zero with the rest of the
 * writable segments: a harness calls fuzz_coverage_save() before each reset,
 * which keeps the edges seen so far.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim/core.h>

#include "fuzz.h"

#define COV_MAX 64	/* a world harness loads up to 8 worlds x 3 copies */

struct cov_obj {
	char path[4096];
	struct sim_core *core;
	uintptr_t base;
	uint8_t *cntrs;		/* the copy's counters, NULL: not found */
	uint8_t *seen;		/* edges seen before the resets so far */
	const uintptr_t *pcs;
	size_t n;
};

static struct cov_obj objs[COV_MAX];
static unsigned int nobjs;

/* File offsets and sizes of sections @a and @b of the ELF file @path. */
static int find_sections(const char *path, const char *a, const char *b, Elf64_Shdr *out)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	char *names = NULL;
	int found = 0;
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	if (fread(&eh, sizeof(eh), 1, f) != 1 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		goto out;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || fseek(f, eh.e_shoff, SEEK_SET) ||
	    fread(sh, sizeof(*sh), eh.e_shnum, f) != eh.e_shnum)
		goto out;
	names = malloc(sh[eh.e_shstrndx].sh_size + 1);
	if (!names || fseek(f, sh[eh.e_shstrndx].sh_offset, SEEK_SET) ||
	    fread(names, 1, sh[eh.e_shstrndx].sh_size, f) != sh[eh.e_shstrndx].sh_size)
		goto out;
	names[sh[eh.e_shstrndx].sh_size] = '\0';
	for (unsigned int i = 0; i < eh.e_shnum; i++) {
		const char *n = names + (sh[i].sh_name < sh[eh.e_shstrndx].sh_size ?
					 sh[i].sh_name : 0);

		if (!strcmp(n, a)) {
			out[0] = sh[i];
			found |= 1;
		} else if (!strcmp(n, b)) {
			out[1] = sh[i];
			found |= 2;
		}
	}
out:
	free(names);
	free(sh);
	fclose(f);
	return found == 3 ? 0 : -1;
}

/* Copies of one object file count as one: their edges are merged into the first. */
static void cov_merge(void)
{
	for (unsigned int i = 0; i < nobjs; i++) {
		struct cov_obj *o = &objs[i];

		for (unsigned int j = 0; o->cntrs && j < i; j++) {
			struct cov_obj *first = &objs[j];

			if (!first->cntrs || first->n != o->n || strcmp(first->path, o->path))
				continue;
			for (size_t e = 0; e < o->n; e++)
				first->seen[e] |= o->cntrs[e] || o->seen[e];
			o->cntrs = NULL;
		}
	}
}

static void cov_dump(void)
{
	const char *file = getenv("PASIDSIM_FUZZ_COVERAGE");
	FILE *out;

	if (!file || !file[0])
		return;
	out = fopen(file, "a");
	if (!out) {
		perror(file);
		return;
	}
	cov_merge();
	for (unsigned int i = 0; i < nobjs; i++) {
		struct cov_obj *o = &objs[i];

		for (size_t e = 0; o->cntrs && e < o->n; e++)
			fprintf(out, "%s %#lx %d\n", o->path, (unsigned long)(o->pcs[2 * e] - o->base),
				o->cntrs[e] || o->seen[e]);
	}
	fclose(out);
}

static void cov_add(const char *path, struct sim_core *core, uintptr_t base)
{
	static bool hooked;
	struct cov_obj *o;
	Elf64_Shdr s[2] = { 0 };

	if (nobjs == COV_MAX)
		return;
	o = &objs[nobjs++];
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->core = core;
	o->base = base;
	if (!find_sections(path, "__sancov_cntrs", "__sancov_pcs", s)) {
		o->cntrs = (uint8_t *)(o->base + s[0].sh_addr);
		o->pcs = (const uintptr_t *)(o->base + s[1].sh_addr);
		o->n = s[0].sh_size;
		if (o->n > s[1].sh_size / (2 * sizeof(*o->pcs)))
			o->n = s[1].sh_size / (2 * sizeof(*o->pcs));
		o->seen = calloc(o->n ? o->n : 1, 1);
		if (!o->seen)
			o->cntrs = NULL;
	}
	if (!hooked) {
		atexit(cov_dump);
		hooked = true;
	}
}

void fuzz_coverage_register(struct sim_core *core, const char *path)
{
	Dl_info info;
	void *sym = sim_core_sym(core, "pasidsim_core_flavour");

	if (!getenv("PASIDSIM_FUZZ_COVERAGE") || !sym || !dladdr(sym, &info))
		return;
	cov_add(path, core, (uintptr_t)info.dli_fbase);
}

/*
 * A copy loaded from /proc/self/fd/N that is not registered yet: its file
 * is the first of the names (flavours, "pasidsim+BUG") whose base flavour
 * its pasidsim_core_flavour names.
 */
static int cov_loaded(struct dl_phdr_info *info, size_t size, void *arg)
{
	const char *const *names = arg;
	const char *fl;
	char path[4096];
	void *h;

	if (strncmp(info->dlpi_name, "/proc/self/fd/", 14))
		return 0;
	for (unsigned int i = 0; i < nobjs; i++)
		if (objs[i].base == info->dlpi_addr)
			return 0;
	h = dlopen(info->dlpi_name, RTLD_NOW | RTLD_NOLOAD);
	fl = h ? dlsym(h, "pasidsim_core_flavour") : NULL;
	for (size_t n = fl ? strlen(fl) : 0; fl && *names; names++)
		if (!strncmp(*names, fl, n) && ((*names)[n] == '\0' || (*names)[n] == '+')) {
			cov_add(fuzz_core_path(*names, path, sizeof(path)), NULL, info->dlpi_addr);
			break;
		}
	if (h)
		dlclose(h);
	return 0;
}

void fuzz_coverage_register_loaded(const char *const *names)
{
	if (getenv("PASIDSIM_FUZZ_COVERAGE"))
		dl_iterate_phdr(cov_loaded, (void *)names);
}

void fuzz_coverage_save_all(void)
{
	for (unsigned int i = 0; i < nobjs; i++)
		for (size_t e = 0; objs[i].cntrs && e < objs[i].n; e++)
			objs[i].seen[e] |= objs[i].cntrs[e] != 0;
}

void fuzz_coverage_save(struct sim_core *core)
{
	for (unsigned int i = 0; i < nobjs; i++) {
		struct cov_obj *o = &objs[i];

		if (o->core != core || !o->cntrs)
			continue;
		for (size_t e = 0; e < o->n; e++)
			o->seen[e] |= o->cntrs[e] != 0;
	}
}
