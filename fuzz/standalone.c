// SPDX-License-Identifier: GPL-2.0
/*
 * Standalone fuzz driver: feeds each file (directories are walked, one
 * level) to LLVMFuzzerTestOneInput once. A harness that finds a problem
 * aborts, so the exit status says whether the corpus passed.
 *   <harness> FILE|DIR...
 * Ends with "N passed, 0 failed" (an abort ends the run before).
 * PASIDSIM_FUZZ_TIMES=FILE appends "SECONDS<TAB>PATH" per input to FILE (which
 * inputs are slow; CPU time of this process).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz.h"

static FILE *times;

static int run_file(const char *path, unsigned long *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "%s: cannot size: %s\n", path, strerror(errno));
		fclose(f);
		return -1;
	}
	buf = malloc(size ? size : 1);
	if (!buf || fread(buf, 1, size, f) != (size_t)size) {
		fprintf(stderr, "%s: read failed\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	if (times) {
		struct timespec a, b;

		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
		LLVMFuzzerTestOneInput(buf, size);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
		fprintf(times, "%.6f\t%s\n", (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9,
			path);
	} else {
		LLVMFuzzerTestOneInput(buf, size);
	}
	free(buf);
	(*count)++;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int errors = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (getenv("PASIDSIM_FUZZ_TIMES")) {
		times = fopen(getenv("PASIDSIM_FUZZ_TIMES"), "a");
		if (!times) {
			fprintf(stderr, "%s: %s\n", getenv("PASIDSIM_FUZZ_TIMES"), strerror(errno));
			return 2;
		}
		setvbuf(times, NULL, _IOLBF, 0);
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st)) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			errors++;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int n = scandir(argv[i], &names, NULL, alphasort);

			for (int j = 0; j < n; j++) {
				char path[4096];

				if (names[j]->d_name[0] != '.') {
					snprintf(path, sizeof(path), "%s/%s", argv[i],
						 names[j]->d_name);
					if (run_file(path, &count))
						errors++;
				}
				free(names[j]);
			}
			free(names);
		} else if (run_file(argv[i], &count)) {
			errors++;
		}
	}
	printf("%lu passed, %d failed\n", count, errors);
	return errors ? 1 : 0;
}
