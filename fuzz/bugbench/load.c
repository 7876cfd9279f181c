// SPDX-License-Identifier: GPL-2.0
/*
 * bugbench_load FLAVOUR+BUG...: each patched core object loads as a private
 * copy (sim_core_load(), as a world or a harness loads it), names its
 * allocator flavour, and exports the API a harness drives.
 */
#include <stdio.h>
#include <string.h>

#include <sim/core.h>

static const char *const syms[] = {
	"ioasid_alloc", "iommu_pasid_alloc", "pv_vtd_iommu_init", "virtio_pasid_probe",
	"vfio_pasid_alloc",
};

int main(int argc, char **argv)
{
	int fail = 0;

	for (int i = 1; i < argc; i++) {
		char path[4096], err[256];
		const char *plus = strchr(argv[i], '+');
		size_t flen = plus ? (size_t)(plus - argv[i]) : strlen(argv[i]);
		struct sim_core *c;

		sim_core_path(argv[i], path, sizeof(path));
		c = sim_core_load(path, err, sizeof(err));
		if (!c) {
			printf("%s: FAIL: %s\n", argv[i], err);
			fail = 1;
			continue;
		}
		if (strlen(sim_core_flavour(c)) != flen ||
		    strncmp(sim_core_flavour(c), argv[i], flen)) {
			printf("%s: FAIL: flavour %s\n", argv[i], sim_core_flavour(c));
			fail = 1;
		}
		for (size_t s = 0; s < sizeof(syms) / sizeof(syms[0]); s++) {
			if (!sim_core_sym(c, syms[s])) {
				printf("%s: FAIL: no %s\n", argv[i], syms[s]);
				fail = 1;
			}
		}
		printf("%s: loaded %s\n", argv[i], path);
		sim_core_unload(c);
	}
	return fail;
}
