// SPDX-License-Identifier: GPL-2.0
/*
 * Standalone fuzz driver: feeds each file (directories are walked, one
 * level) to LLVMFuzzerTestOneInput once. A harness that finds a problem
 * aborts, so the exit status says whether the corpus passed.
 *   <harness> FILE|DIR...
 * Ends with "N passed, 0 failed" (an abort ends the run before).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

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
	LLVMFuzzerTestOneInput(buf, size);
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
