/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the suites that drive core/ through the ioasid and
 * iommu_pasid APIs. Header-only: the shim-only suites do not link core/.
 */
#ifndef _KTEST_PASID_H
#define _KTEST_PASID_H

#include <string.h>

#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <ktest.h>

/* Written into out-parameters first, so a call that does not set them shows. */
#define SENTINEL	0xdeadbeefu

/* The ID is allocated by nobody, in the allocator's own view. */
static inline void ktest_assert_unallocated(ioasid_t id)
{
	void *r = ioasid_find(NULL, id, NULL);

	cr_assert_eq(r, ERR_PTR(-ENOENT), "ID %u still allocated (find: %p)", id, r);
}

/* A consumer over the whole PASID space; initialisation must succeed. */
static inline void ktest_consumer_init(struct iommu_pasid *c, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->name = name;
	cr_assert_eq(iommu_pasid_init(c), 0, "init %s", name);
}

/* iommu_pasid_alloc() over the consumer's range; it must succeed. */
static inline ioasid_t ktest_alloc(struct iommu_pasid *c, void *priv)
{
	ioasid_t id = SENTINEL;
	int ret = iommu_pasid_alloc(c, 0, UINT_MAX, priv, &id);

	cr_assert_eq(ret, 0, "iommu_pasid_alloc: %d", ret);
	return id;
}

#endif /* _KTEST_PASID_H */
