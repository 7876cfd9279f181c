// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the virtio-iommu PASID path (core/virtio-pasid.c) against a
 * test-local fake device behind the driver's transport callback. The fake
 * parses only the device-readable part of each request and writes only the
 * device-writable part, as a virtqueue would let it.
 *
 * Each Criterion test runs in its own process, so the driver's and the
 * allocator's global state start from boot in every test.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/byteorder.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <linux/virtio-pasid.h>
#include <ktest.h>
#include <ktest-pasid.h>

#define HOST_IDS	4096
#define FEATURES	BIT_ULL(VIRTIO_IOMMU_F_PASID_ALLOC)

static bool linux61(void)
{
	return strcmp(PASIDSIM_FLAVOUR, "linux-6.1") == 0;
}

/* ---- the fake device ---------------------------------------------------------- */

struct fake_pool {
	bool used[HOST_IDS];
	unsigned int limit;
	unsigned int held;
};

struct fake_dev {
	struct fake_pool *pool;
	bool negotiated;		/* the device's view of the feature */
	/* fault knobs */
	int transport_err;		/* request() returns this */
	bool no_answer;			/* leave the device-writable part alone */
	int force_status;		/* -1: no */
	long long force_pasid;		/* OK with this PASID; -1: no */
	/* what it saw */
	unsigned int requests, allocs, frees;
	u32 last_min, last_max;
	u32 freed[64];
};

static u32 rd32(const void *buf, size_t off)
{
	__le32 v;

	memcpy(&v, (const u8 *)buf + off, sizeof(v));
	return le32_to_cpu(v);
}

static void wr32(void *buf, size_t off, u32 val)
{
	__le32 v = cpu_to_le32(val);

	memcpy((u8 *)buf + off, &v, sizeof(v));
}

static u8 pool_alloc(struct fake_dev *d, u32 min, u32 max, u32 *pasid)
{
	struct fake_pool *p = d->pool;
	u32 lo = min ? min : 1, hi = max < p->limit ? max : p->limit;

	if (min > max)
		return VIRTIO_IOMMU_S_INVAL;
	if (lo > IOMMU_PASID_MAX || max == 0)
		return VIRTIO_IOMMU_S_RANGE;
	for (u32 id = lo; id <= hi; id++) {
		if (!p->used[id]) {
			p->used[id] = true;
			p->held++;
			*pasid = id;
			return VIRTIO_IOMMU_S_OK;
		}
	}
	return VIRTIO_IOMMU_S_NOMEM;
}

static u8 pool_free(struct fake_dev *d, u32 pasid)
{
	struct fake_pool *p = d->pool;

	if (pasid >= HOST_IDS || !p->used[pasid])
		return VIRTIO_IOMMU_S_NOENT;
	p->used[pasid] = false;
	p->held--;
	return VIRTIO_IOMMU_S_OK;
}

static int fake_request(void *priv, const void *out, size_t out_len, void *in,
			size_t in_len)
{
	struct fake_dev *d = priv;
	const struct virtio_iommu_pasid_head *head = out;
	u32 pasid = 0;
	u8 status;

	if (d->transport_err)
		return d->transport_err;
	d->requests++;
	switch (head->type) {
	case VIRTIO_IOMMU_T_PASID_ALLOC:
		cr_assert_eq(out_len, offsetof(struct virtio_iommu_req_pasid_alloc, pasid));
		cr_assert_eq(in_len, sizeof(struct virtio_iommu_req_pasid_alloc) - out_len);
		d->allocs++;
		d->last_min = rd32(out, offsetof(struct virtio_iommu_req_pasid_alloc, min));
		d->last_max = rd32(out, offsetof(struct virtio_iommu_req_pasid_alloc, max));
		if (!d->negotiated)
			status = VIRTIO_IOMMU_S_UNSUPP;
		else if (d->force_pasid >= 0)
			status = VIRTIO_IOMMU_S_OK, pasid = d->force_pasid;
		else
			status = pool_alloc(d, d->last_min, d->last_max, &pasid);
		if (d->force_status >= 0)
			status = d->force_status;
		if (d->no_answer)
			return 0;
		wr32(in, 0, pasid);
		((struct virtio_iommu_pasid_tail *)((u8 *)in + 4))->status = status;
		return 0;
	case VIRTIO_IOMMU_T_PASID_FREE:
		cr_assert_eq(out_len, offsetof(struct virtio_iommu_req_pasid_free, tail));
		cr_assert_eq(in_len, sizeof(struct virtio_iommu_pasid_tail));
		pasid = rd32(out, offsetof(struct virtio_iommu_req_pasid_free, pasid));
		if (d->frees < ARRAY_SIZE(d->freed))
			d->freed[d->frees] = pasid;
		d->frees++;
		status = d->negotiated ? pool_free(d, pasid) : VIRTIO_IOMMU_S_UNSUPP;
		if (d->force_status >= 0)
			status = d->force_status;
		if (d->no_answer)
			return 0;
		((struct virtio_iommu_pasid_tail *)in)->status = status;
		return 0;
	default:
		cr_assert_fail("unknown request type %#x", head->type);
		return -EIO;
	}
}

static const struct virtio_pasid_transport fake_transport = {
	.request = fake_request,
};

static struct fake_pool *pool_new(unsigned int limit)
{
	struct fake_pool *p = calloc(1, sizeof(*p));

	cr_assert_not_null(p);
	p->limit = limit;
	return p;
}

static struct fake_dev *dev_new(struct fake_pool *pool)
{
	struct fake_dev *d = calloc(1, sizeof(*d));

	cr_assert_not_null(d);
	d->pool = pool;
	d->negotiated = true;
	d->force_status = -1;
	d->force_pasid = -1;
	return d;
}

static void vdev_setup(struct virtio_pasid_dev *v, const char *name, struct fake_dev *d,
		       u64 features)
{
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->transport = &fake_transport;
	v->priv = d;
	v->features = features;
}

static void vdev_probe(struct virtio_pasid_dev *v, const char *name, struct fake_dev *d)
{
	vdev_setup(v, name, d, FEATURES);
	cr_assert_eq(virtio_pasid_probe(v), 0);
}

/* ---- tests ---------------------------------------------------------------------- */

KTEST(virtio_pasid, wire_layout)
{
	cr_assert_eq(sizeof(struct virtio_iommu_req_pasid_alloc), 20);
	cr_assert_eq(sizeof(struct virtio_iommu_req_pasid_free), 16);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_alloc, pasid), 12);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_free, tail), 12);
}

KTEST(virtio_pasid, probe_requires_the_feature)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	ioasid_t id = SENTINEL;

	vdev_setup(&v, "viommu", d, BIT_ULL(VIRTIO_IOMMU_F_PASID_ALLOC) - 1);
	cr_assert_eq(virtio_pasid_probe(&v), -EOPNOTSUPP);
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 10, &id), -EOPNOTSUPP);
	cr_assert_eq(virtio_pasid_free(&v, 1), -EOPNOTSUPP);
	cr_assert_eq(id, SENTINEL);
	/* Nothing registered: the guest's own allocator answers. */
	id = ioasid_alloc(NULL, 1, 10, NULL);
	cr_assert_eq(id, 1);
	ioasid_free(id);
	cr_assert_eq(d->requests, 0, "a request without the feature");
	virtio_pasid_remove(&v);

	/* A device that did not negotiate it answers UNSUPP. */
	d->negotiated = false;
	vdev_probe(&v, "viommu", d);
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 10, &id), -EOPNOTSUPP);
	cr_assert_eq(d->requests, 1);
	virtio_pasid_remove(&v);

	cr_assert_eq(virtio_pasid_probe(NULL), -EINVAL);
	vdev_setup(&v, "viommu", d, FEATURES);
	v.transport = NULL;
	cr_assert_eq(virtio_pasid_probe(&v), -EINVAL);
	virtio_pasid_remove(NULL);
	free(d);
	free(p);
}

KTEST(virtio_pasid, api_routes_to_the_device)
{
	struct fake_pool *p = pool_new(HOST_IDS - 1);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	struct iommu_pasid c;
	int priv;
	ioasid_t a, b;

	vdev_probe(&v, "viommu0", d);
	cr_assert_eq(virtio_pasid_probe(&v), -EBUSY);
	ktest_consumer_init(&c, "c");
	p->used[1] = p->used[2] = true;	/* other VMs' */
	a = ktest_alloc(&c, &priv);
	b = ktest_alloc(&c, NULL);
	cr_assert_eq(a, 3);
	cr_assert_eq(b, 4);
	cr_assert_eq(d->allocs, 2);
	cr_assert_eq(d->last_min, 1, "the consumer's range is sent");
	cr_assert_eq(d->last_max, IOMMU_PASID_MAX);
	cr_assert_eq(iommu_pasid_find(&c, a), &priv);

	cr_assert_eq(iommu_pasid_free(&c, a), 0);
	cr_assert_eq(d->frees, 1);
	cr_assert_eq(d->freed[0], a);
	cr_assert_not(p->used[a]);
	ktest_assert_unallocated(a);
	iommu_pasid_exit(&c);
	cr_assert_eq(p->held, 0);
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_REQUESTS), 4);
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_ALLOC_OK), 2);
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_FREE_OK), 2);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, free_with_private_data_reaches_the_device)
{
	static DECLARE_IOASID_SET(set);
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	int priv;
	ioasid_t a;

	vdev_probe(&v, "viommu0", d);
	a = ioasid_alloc(&set, 1, 100, &priv);
	cr_assert_eq(a, 1);
	ioasid_free(a);
	cr_assert_eq(d->frees, 1, "unlike VT-d, no 'still active' check");
	cr_assert_eq(p->held, 0);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, status_mapping)
{
	static const struct {
		int status;
		int err;
	} map[] = {
		{ VIRTIO_IOMMU_S_OK, 0 },
		{ VIRTIO_IOMMU_S_IOERR, -EIO },
		{ VIRTIO_IOMMU_S_UNSUPP, -EOPNOTSUPP },
		{ VIRTIO_IOMMU_S_DEVERR, -EIO },
		{ VIRTIO_IOMMU_S_INVAL, -EINVAL },
		{ VIRTIO_IOMMU_S_RANGE, -ENOSPC },
		{ VIRTIO_IOMMU_S_NOENT, -ENOENT },
		{ VIRTIO_IOMMU_S_FAULT, -EIO },
		{ VIRTIO_IOMMU_S_NOMEM, -ENOSPC },
		{ 0x09, -EIO },
		{ 0x42, -EIO },
		{ 0xff, -EIO },
	};
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;

	vdev_probe(&v, "viommu0", d);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		ioasid_t id = SENTINEL;
		int ret;

		cr_assert_eq(virtio_pasid_status_to_errno(map[i].status), map[i].err);
		d->force_status = map[i].status;
		d->force_pasid = 7;
		ret = virtio_pasid_alloc(&v, 1, 100, &id);
		cr_assert_eq(ret, map[i].err, "alloc, status %#x: %d", map[i].status, ret);
		cr_assert_eq(id, map[i].err ? SENTINEL : 7);
		d->force_pasid = -1;
		ret = virtio_pasid_free(&v, 7);
		cr_assert_eq(ret, map[i].err, "free, status %#x: %d", map[i].status, ret);
	}
	d->force_status = -1;
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_ALLOC_OK), 1);
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_ALLOC_FAILED), ARRAY_SIZE(map) - 1);
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_FREE_FAILED), ARRAY_SIZE(map) - 1);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, device_ranges_and_exhaustion)
{
	struct fake_pool *p = pool_new(3);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	vdev_probe(&v, "viommu0", d);
	cr_assert_eq(virtio_pasid_alloc(&v, 9, 8, &id), -EINVAL);
	cr_assert_eq(d->requests, 0, "min > max was sent");
	cr_assert_eq(virtio_pasid_alloc(&v, 0, 0, &id), -ENOSPC, "RANGE");
	cr_assert_eq(d->last_min, 0);
	cr_assert_eq(d->last_max, 0);
	ktest_consumer_init(&c, "c");
	for (int i = 1; i <= 3; i++)
		cr_assert_eq(ktest_alloc(&c, NULL), (ioasid_t)i);
	cr_assert_eq(iommu_pasid_alloc(&c, 1, 100, NULL, &id), -ENOSPC, "NOMEM");
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 100, &id), -ENOSPC);
	cr_assert_eq(id, SENTINEL);
	iommu_pasid_exit(&c);
	cr_assert_eq(p->held, 0);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, bad_results_given_back)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	ioasid_t id = SENTINEL;

	vdev_probe(&v, "viommu0", d);
	d->force_pasid = 5;
	cr_assert_eq(virtio_pasid_alloc(&v, 10, 20, &id), -EIO);
	cr_assert_eq(d->frees, 1);
	cr_assert_eq(d->freed[0], 5);
	d->force_pasid = 0;
	cr_assert_eq(virtio_pasid_alloc(&v, 0, 20, &id), -EIO, "PASID 0 is never valid");
	cr_assert_eq(d->freed[1], 0);
	d->force_pasid = 21;
	cr_assert_eq(virtio_pasid_alloc(&v, 10, 20, &id), -EIO);
	cr_assert_eq(id, SENTINEL);
	d->force_pasid = 20;
	cr_assert_eq(virtio_pasid_alloc(&v, 10, 20, &id), 0, "max is inclusive");
	cr_assert_eq(id, 20);
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_BAD_RESULT), 3);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, duplicate_result_refused_without_free)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	struct iommu_pasid c;
	ioasid_t id = SENTINEL;

	vdev_probe(&v, "viommu0", d);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, NULL), 1);
	d->force_pasid = 1;
	cr_assert_eq(iommu_pasid_alloc(&c, 1, 100, NULL, &id), -ENOSPC);
	cr_assert_eq(d->frees, 0, "the holder's PASID was freed on the host");
	cr_assert(p->used[1]);
	cr_assert_eq(iommu_pasid_find(&c, 1), NULL);
	d->force_pasid = -1;
	iommu_pasid_exit(&c);
	cr_assert_eq(p->held, 0);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

/*
 * A duplicate outside the requested range: the duplicate check runs on the
 * raw answer before the range check, so nothing is freed back either.
 */
KTEST(virtio_pasid, out_of_range_duplicate_refused_without_free)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	struct iommu_pasid c;
	int priv;
	ioasid_t id = SENTINEL;

	vdev_probe(&v, "viommu0", d);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, &priv), 1);
	d->force_pasid = 1;
	cr_assert_eq(iommu_pasid_alloc(&c, 10, 100, NULL, &id), -ENOSPC);
	cr_assert_eq(d->frees, 0, "the device got a FREE for PASID %u held by c", d->freed[0]);
	cr_assert(p->used[1]);
	/* The exported call: -EEXIST and no free, in the range or not. */
	cr_assert_eq(virtio_pasid_alloc(&v, 10, 100, &id), -EEXIST);
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 100, &id), -EEXIST);
	cr_assert_eq(id, SENTINEL);
	cr_assert_eq(d->frees, 0);
	cr_assert(p->used[1]);
	cr_assert_eq(iommu_pasid_find(&c, 1), &priv, "the holder lost PASID 1");
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_BAD_RESULT), 3);
	/* An untracked PASID outside the range is still given back. */
	d->force_pasid = 5;
	cr_assert_eq(virtio_pasid_alloc(&v, 10, 100, &id), -EIO);
	cr_assert_eq(d->frees, 1);
	cr_assert_eq(d->freed[0], 5);
	d->force_pasid = -1;
	iommu_pasid_exit(&c);
	cr_assert_eq(p->held, 0);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, transport_failures)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	ioasid_t id = SENTINEL;

	vdev_probe(&v, "viommu0", d);
	d->transport_err = -ETIMEDOUT;
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 10, &id), -ETIMEDOUT);
	cr_assert_eq(virtio_pasid_free(&v, 1), -ETIMEDOUT);
	d->transport_err = 1;
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 10, &id), -EIO, "positive: -EIO");
	d->transport_err = 0;
	cr_assert_eq(virtio_pasid_stat(&v, VIRTIO_PASID_STAT_TRANSPORT_ERRORS), 3);

	/* The device leaves the request unanswered: never read as success. */
	d->no_answer = true;
	cr_assert_eq(virtio_pasid_alloc(&v, 1, 10, &id), -EIO);
	cr_assert_eq(virtio_pasid_free(&v, 50), -EIO);
	cr_assert_eq(id, SENTINEL);
	d->no_answer = false;
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, NULL), 2, "the device kept the unanswered 1");
	ioasid_free(2);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}

KTEST(virtio_pasid, two_devices_share_one_space)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d1 = dev_new(p), *d2 = dev_new(p), *server;
	struct virtio_pasid_dev v1, v2;
	struct iommu_pasid c;
	ioasid_t id;

	vdev_probe(&v1, "viommu0", d1);
	vdev_probe(&v2, "viommu1", d2);
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, NULL), 1);
	cr_assert_eq(ktest_alloc(&c, NULL), 2);
	cr_assert_eq(d1->allocs, 2);
	cr_assert_eq(d2->allocs, 0);

	/* See test_intel_pasid.c: 6.1 keeps the departed lead's ops. */
	virtio_pasid_remove(&v1);
	server = linux61() ? d1 : d2;
	cr_assert_eq(iommu_pasid_find(&c, 1), NULL, "the shared space lost ID 1");
	id = ktest_alloc(&c, NULL);
	cr_assert_eq(id, 3);
	cr_assert_eq(iommu_pasid_free(&c, 1), 0);
	cr_assert_eq(server->frees, 1);
	cr_assert_eq(d1->allocs + d2->allocs, 3);
	iommu_pasid_exit(&c);
	cr_assert_eq(p->held, 0);
	virtio_pasid_remove(&v2);
	free(d1);
	free(d2);
	free(p);
}

/*
 * A device removed (hot-unplug) and probed again serves the guest's PASIDs
 * again (fuzz/bugbench/virtio-remove-keeps-registered.patch).
 */
KTEST(virtio_pasid, remove_then_probe_again)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	struct iommu_pasid c;

	vdev_probe(&v, "viommu0", d);
	virtio_pasid_remove(&v);
	cr_assert_eq(virtio_pasid_probe(&v), 0, "the removed device cannot come back");
	p->used[1] = true;	/* another VM's */
	ktest_consumer_init(&c, "c");
	cr_assert_eq(ktest_alloc(&c, NULL), 2, "not from the device");
	cr_assert_eq(d->allocs, 1);
	iommu_pasid_exit(&c);
	cr_assert_eq(p->held, 0);
	virtio_pasid_remove(&v);
	virtio_pasid_remove(&v);
	/* Gone for good: the guest's own allocator answers. */
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, NULL), 1);
	ioasid_free(1);
	cr_assert_eq(d->requests, 2);
	free(d);
	free(p);
}

KTEST(virtio_pasid, registration_failure)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	ioasid_t local = ioasid_alloc(NULL, 1, 10, NULL);

	cr_assert_eq(local, 1);
	vdev_setup(&v, "viommu0", d, FEATURES);
	cr_assert_eq(virtio_pasid_probe(&v), -EAGAIN);
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, NULL), 2, "the default allocator stays");
	cr_assert_eq(d->requests, 0);
	virtio_pasid_remove(&v);
	ioasid_free(1);
	ioasid_free(2);
	free(d);
	free(p);
}

/*
 * ---- seeded bugs (fuzz/bugbench) ----------------------------------------------
 *
 * Built only into test_virtio_pasid+<bug>, against core/ with
 * fuzz/bugbench/<bug>.patch applied (PASIDSIM_BUG_<bug>): each test asserts
 * the bug's effect (ctest bugbench/<bug>/detected), and the virtio_pasid
 * suite above fails against the patched copy (bugbench/<bug>/killed).
 */

#ifdef PASIDSIM_BUG_virtio_remove_keeps_registered
KTEST(bugbench, virtio_remove_keeps_registered)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;

	vdev_probe(&v, "viommu0", d);
	virtio_pasid_remove(&v);
	cr_assert_eq(virtio_pasid_probe(&v), -EBUSY, "still marked registered");
	p->used[1] = true;
	cr_assert_eq(ioasid_alloc(NULL, 1, 10, NULL), 1,
		     "the guest's own allocator hands out a PASID the host gave another VM");
	cr_assert_eq(d->requests, 0);
	ioasid_free(1);
	free(d);
	free(p);
}
#endif

#ifdef PASIDSIM_BUG_virtio_alloc_reads_min
KTEST(bugbench, virtio_alloc_reads_min)
{
	struct fake_pool *p = pool_new(100);
	struct fake_dev *d = dev_new(p);
	struct virtio_pasid_dev v;
	ioasid_t id = SENTINEL;

	vdev_probe(&v, "viommu0", d);
	p->used[10] = p->used[11] = true;
	cr_assert_eq(virtio_pasid_alloc(&v, 10, 100, &id), 0);
	cr_assert(p->used[12], "the device granted 12");
	cr_assert_eq(id, 10, "the guest took %u, another VM's PASID", id);
	cr_assert_eq(virtio_pasid_free(&v, 12), 0);
	virtio_pasid_remove(&v);
	free(d);
	free(p);
}
#endif
