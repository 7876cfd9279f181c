// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the virtio-iommu model (sim/hw/virtio-iommu.c) and the project's
 * PASID ALLOC/FREE requests: sizes, types, features, status mapping,
 * little-endian encoding, the queue, latency and the fault knobs.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <linux/kernel.h>
#include <sim/virtio-iommu.h>
#include <ktest.h>

#define FAKE_MAX	64

struct fake {
	u32 limit;
	bool used[FAKE_MAX + 1];
	int alloc_calls, free_calls;
	u32 last_min, last_max, last_free;
	int ret_override;		/* != 0: returned by both ops */
	u32 fixed;			/* != 0: alloc answers this PASID */
	int lock_calls, unlock_calls;
	bool locked;
	int notified;
	int inside;			/* backend calls in progress */
	bool overlap;			/* two were ever in progress at once */
};

static u64 fake_now;

static u64 fake_clock(void *arg)
{
	return fake_now;
}

static void enter(struct fake *f)
{
	if (__atomic_add_fetch(&f->inside, 1, __ATOMIC_SEQ_CST) > 1)
		f->overlap = true;
}

static void leave(struct fake *f)
{
	__atomic_sub_fetch(&f->inside, 1, __ATOMIC_SEQ_CST);
}

static int fake_alloc(void *opaque, u32 min, u32 max, u32 *pasid)
{
	struct fake *f = opaque;
	int ret = -ENOSPC;

	enter(f);
	f->alloc_calls++;
	f->last_min = min;
	f->last_max = max;
	if (f->ret_override) {
		ret = f->ret_override;
		goto out;
	}
	if (f->fixed) {
		*pasid = f->fixed;
		ret = 0;
		goto out;
	}
	for (u32 i = min; i <= max && i <= f->limit; i++) {
		if (!f->used[i]) {
			f->used[i] = true;
			*pasid = i;
			ret = 0;
			break;
		}
	}
out:
	leave(f);
	return ret;
}

static int fake_free(void *opaque, u32 pasid)
{
	struct fake *f = opaque;
	int ret = -ENOENT;

	enter(f);
	f->free_calls++;
	f->last_free = pasid;
	if (f->ret_override)
		ret = f->ret_override;
	else if (pasid <= f->limit && f->used[pasid])
		ret = f->used[pasid] = false;
	leave(f);
	return ret;
}

static void fake_lock(void *opaque)
{
	struct fake *f = opaque;

	cr_assert(!f->locked);
	f->locked = true;
	f->lock_calls++;
}

static void fake_unlock(void *opaque)
{
	struct fake *f = opaque;

	cr_assert(f->locked);
	f->locked = false;
	f->unlock_calls++;
}

static void fake_notify(void *opaque)
{
	((struct fake *)opaque)->notified++;
}

static const struct virtio_iommu_backend_ops fake_ops = {
	.alloc = fake_alloc,
	.free = fake_free,
	.notify = fake_notify,
};

static struct virtio_iommu_dev *mkdev(struct fake *f, bool negotiate)
{
	struct virtio_iommu_params p;
	struct virtio_iommu_dev *d;

	memset(f, 0, sizeof(*f));
	f->limit = FAKE_MAX;
	virtio_iommu_params_init(&p);
	d = virtio_iommu_create(&p, &fake_ops, f);
	cr_assert_not_null(d);
	if (negotiate)
		cr_assert_eq(virtio_iommu_set_driver_features(d, virtio_iommu_device_features(d)),
			     0);
	return d;
}

/* A driver's ALLOC: returns the status; *pasid gets the reply. */
static int do_alloc(struct virtio_iommu_dev *d, u32 min, u32 max, u32 *pasid)
{
	struct virtio_iommu_req_pasid_alloc req = {
		.head.type = VIRTIO_IOMMU_T_PASID_ALLOC,
		.min = min,
		.max = max,
	};
	int used;

	memset(&req.pasid, 0xee, 8);
	used = virtio_iommu_handle(d, &req, offsetof(typeof(req), pasid), &req.pasid, 8, NULL);
	cr_assert_eq(used, 8);
	if (pasid)
		*pasid = req.pasid;
	return req.tail.status;
}

static int do_free(struct virtio_iommu_dev *d, u32 pasid)
{
	struct virtio_iommu_req_pasid_free req = {
		.head.type = VIRTIO_IOMMU_T_PASID_FREE,
		.pasid = pasid,
	};
	int used;

	req.tail.status = 0xee;
	used = virtio_iommu_handle(d, &req, offsetof(typeof(req), tail), &req.tail, 4, NULL);
	cr_assert_eq(used, 4);
	return req.tail.status;
}

static struct virtio_iommu_stats stats(struct virtio_iommu_dev *d)
{
	struct virtio_iommu_stats st;

	virtio_iommu_get_stats(d, &st);
	return st;
}

/* ---- the wire format ---------------------------------------------------------------- */

KTEST(virtio_iommu, request_layout)
{
	cr_assert_eq(VIRTIO_IOMMU_F_PASID_ALLOC, 16);
	cr_assert_eq(VIRTIO_IOMMU_T_PASID_ALLOC, 0x80);
	cr_assert_eq(VIRTIO_IOMMU_T_PASID_FREE, 0x81);
	cr_assert_eq(sizeof(struct virtio_iommu_req_pasid_alloc), 20);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_alloc, pasid),
		     VIRTIO_IOMMU_PASID_ALLOC_OUT);
	cr_assert_eq(sizeof(struct virtio_iommu_req_pasid_alloc) - VIRTIO_IOMMU_PASID_ALLOC_OUT,
		     VIRTIO_IOMMU_PASID_ALLOC_IN);
	cr_assert_eq(sizeof(struct virtio_iommu_req_pasid_free), 16);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_free, tail),
		     VIRTIO_IOMMU_PASID_FREE_OUT);
	cr_assert_eq(VIRTIO_IOMMU_PASID_FREE_IN, 4);
	/* Field offsets: the device model reads through these structures. */
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_alloc, min), 4);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_alloc, max), 8);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_alloc, tail), 16);
	cr_assert_eq(offsetof(struct virtio_iommu_req_pasid_free, pasid), 4);
	/* The specification's status codes and the 20-bit PASID space. */
	cr_assert_eq(VIRTIO_IOMMU_S_UNSUPP, 2);
	cr_assert_eq(VIRTIO_IOMMU_S_NOENT, 6);
	cr_assert_eq(VIRTIO_IOMMU_S_NOMEM, 8);
	cr_assert_eq(VIRTIO_IOMMU_PASID_MAX, 0xfffff);
}

KTEST(virtio_iommu, little_endian_bytes)
{
	const u8 out[12] = { 0x80, 0, 0, 0, 0x34, 0x12, 0, 0, 0x78, 0x56, 0x0f, 0 };
	const u8 fout[12] = { 0x81, 0xff, 0xff, 0xff, 0x01, 0xef, 0x0c, 0, 0xaa, 0xaa, 0xaa, 0xaa };
	const u8 want[8] = { 0x56, 0x34, 0x0a, 0, 0, 0, 0, 0 };
	u8 in[8], fin[4];
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	f.fixed = 0xa3456;
	memset(in, 0xee, sizeof(in));
	cr_assert_eq(virtio_iommu_handle(d, out, 12, in, 8, NULL), 8);
	cr_assert_eq(f.last_min, 0x1234);
	cr_assert_eq(f.last_max, 0xf5678);
	cr_assert_eq(memcmp(in, want, 8), 0, "pasid LE, tail OK, reserved 0");

	/* reserved bytes of the head and of FREE are ignored */
	memset(fin, 0xee, sizeof(fin));
	cr_assert_eq(virtio_iommu_handle(d, fout, 12, fin, 4, NULL), 4);
	cr_assert_eq(f.last_free, 0xcef01);
	cr_assert_eq(fin[0], VIRTIO_IOMMU_S_NOENT);
	cr_assert(!fin[1] && !fin[2] && !fin[3]);
	virtio_iommu_destroy(d);
}

/* ---- features ------------------------------------------------------------------------- */

KTEST(virtio_iommu, feature_negotiation)
{
	struct virtio_iommu_params p;
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, false);
	u64 offered = virtio_iommu_device_features(d);

	cr_assert_eq(offered, 1ull << 32 | 1ull << 16);
	cr_assert_eq(virtio_iommu_driver_features(d), 0);
	cr_assert_eq(virtio_iommu_set_driver_features(d, 1ull << 16 | 1ull << 3), -EINVAL);
	cr_assert_eq(virtio_iommu_driver_features(d), 0);
	cr_assert_eq(virtio_iommu_set_driver_features(d, 1ull << 16), 0);
	cr_assert_eq(virtio_iommu_driver_features(d), 1ull << 16);
	virtio_iommu_destroy(d);

	/* a device that does not offer the extension */
	virtio_iommu_params_init(&p);
	p.features = 1ull << 32;
	d = virtio_iommu_create(&p, &fake_ops, &f);
	cr_assert_not_null(d);
	cr_assert_eq(virtio_iommu_set_driver_features(d, 1ull << 16), -EINVAL);
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_UNSUPP);
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, unsupported_without_feature)
{
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, false);

	cr_assert_eq(virtio_iommu_set_driver_features(d, 1ull << 32), 0);
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_UNSUPP);
	cr_assert_eq(do_free(d, 1), VIRTIO_IOMMU_S_UNSUPP);
	cr_assert_eq(f.alloc_calls + f.free_calls, 0);
	cr_assert_eq(stats(d).status[VIRTIO_IOMMU_S_UNSUPP], 2);
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, invalid_create)
{
	struct virtio_iommu_params p;
	struct virtio_iommu_backend_ops ops = fake_ops;
	struct fake f;

	virtio_iommu_params_init(&p);
	cr_assert_eq(p.queue_size, 64);
	cr_assert_eq(p.faults.force_status, -1);
	ops.free = NULL;
	cr_assert_null(virtio_iommu_create(&p, &ops, &f));
	ops = fake_ops;
	ops.lock = fake_lock;
	cr_assert_null(virtio_iommu_create(&p, &ops, &f), "lock without unlock");
	p.queue_size = 0;
	cr_assert_null(virtio_iommu_create(&p, &fake_ops, &f));
	p.queue_size = 1025;
	cr_assert_null(virtio_iommu_create(&p, &fake_ops, &f));
}

/* ---- ALLOC and FREE status mapping ----------------------------------------------------- */

KTEST(virtio_iommu, alloc_and_free)
{
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	u32 pasid;

	cr_assert_eq(do_alloc(d, 1, 100, &pasid), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(pasid, 1);
	cr_assert_eq(do_alloc(d, 5, 100, &pasid), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(pasid, 5);
	cr_assert_eq(do_free(d, 5), VIRTIO_IOMMU_S_OK);
	cr_assert(!f.used[5]);
	cr_assert_eq(do_free(d, 5), VIRTIO_IOMMU_S_NOENT, "not allocated");
	cr_assert_eq(f.free_calls, 2);
	cr_assert_eq(stats(d).alloc, 2);
	cr_assert_eq(stats(d).free, 2);
	cr_assert_eq(stats(d).status[VIRTIO_IOMMU_S_OK], 3);
	cr_assert_eq(stats(d).status[VIRTIO_IOMMU_S_NOENT], 1);
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, alloc_range_checks)
{
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	u32 pasid = 7;

	cr_assert_eq(do_alloc(d, 10, 9, &pasid), VIRTIO_IOMMU_S_INVAL);
	cr_assert_eq(pasid, 0, "no PASID in a failed reply");
	cr_assert_eq(do_alloc(d, 0, 0, NULL), VIRTIO_IOMMU_S_RANGE, "only PASID 0");
	cr_assert_eq(do_alloc(d, 1, 0x100000, NULL), VIRTIO_IOMMU_S_RANGE);
	cr_assert_eq(do_alloc(d, 0x100000, 0x100000, NULL), VIRTIO_IOMMU_S_RANGE);
	cr_assert_eq(do_alloc(d, 0, 0xffffffff, NULL), VIRTIO_IOMMU_S_RANGE);
	cr_assert_eq(f.alloc_calls, 0);
	/* PASID 0 in the range is skipped: the backend sees min 1 */
	cr_assert_eq(do_alloc(d, 0, 3, &pasid), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(f.last_min, 1);
	cr_assert_eq(f.last_max, 3);
	cr_assert_eq(pasid, 1);
	cr_assert_eq(do_alloc(d, 0xfffff, 0xfffff, NULL), VIRTIO_IOMMU_S_NOMEM);
	cr_assert_eq(f.last_min, 0xfffff);
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, backend_errors)
{
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	f.limit = 2;
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_NOMEM, "exhausted");
	f.ret_override = -EDQUOT;
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_NOMEM, "quota");
	cr_assert_eq(do_free(d, 1), VIRTIO_IOMMU_S_NOENT, "any free error");
	f.ret_override = VIRTIO_IOMMU_S_INVAL;
	cr_assert_eq(do_alloc(d, 1, 10, NULL), VIRTIO_IOMMU_S_INVAL, "status passed through");
	f.ret_override = VIRTIO_IOMMU_S_FAULT;
	cr_assert_eq(do_free(d, 1), VIRTIO_IOMMU_S_FAULT);
	f.ret_override = 0;
	/* PASIDs that cannot be allocated are refused without asking the backend */
	f.free_calls = 0;
	cr_assert_eq(do_free(d, 0), VIRTIO_IOMMU_S_NOENT);
	cr_assert_eq(do_free(d, 0x100000), VIRTIO_IOMMU_S_NOENT);
	cr_assert_eq(do_free(d, 0xffffffff), VIRTIO_IOMMU_S_NOENT);
	cr_assert_eq(f.free_calls, 0);
	virtio_iommu_destroy(d);
}

/* ---- sizes and types -------------------------------------------------------------------- */

KTEST(virtio_iommu, too_short_is_dropped)
{
	u8 out[12] = { VIRTIO_IOMMU_T_PASID_ALLOC, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0 };
	u8 in[8];
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	char msg[160];

	memset(in, 0xaa, sizeof(in));
	cr_assert_eq(virtio_iommu_handle(d, out, 3, in, 8, NULL), -EINVAL);
	cr_assert_eq(virtio_iommu_handle(d, out, 12, in, 3, NULL), -EINVAL);
	cr_assert_eq(virtio_iommu_handle(d, out, 0, in, 0, NULL), -EINVAL);
	cr_assert_eq(virtio_iommu_handle(d, NULL, 12, in, 8, NULL), -EINVAL);
	for (int i = 0; i < 8; i++)
		cr_assert_eq(in[i], 0xaa, "nothing written");
	cr_assert_eq(stats(d).malformed, 4);
	cr_assert_eq(stats(d).requests, 4);
	cr_assert_eq(f.alloc_calls, 0);
	cr_assert(strstr(virtio_iommu_last_error(d, msg, sizeof(msg)), "dropped"));
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, size_mismatch_is_deverr)
{
	static const struct {
		u8 type;
		size_t out_len, in_len;
	} cases[] = {
		{ VIRTIO_IOMMU_T_PASID_ALLOC, 11, 8 },
		{ VIRTIO_IOMMU_T_PASID_ALLOC, 13, 8 },
		{ VIRTIO_IOMMU_T_PASID_ALLOC, 4, 8 },
		{ VIRTIO_IOMMU_T_PASID_ALLOC, 12, 4 },
		{ VIRTIO_IOMMU_T_PASID_ALLOC, 12, 12 },
		{ VIRTIO_IOMMU_T_PASID_FREE, 8, 4 },
		{ VIRTIO_IOMMU_T_PASID_FREE, 16, 4 },
		{ VIRTIO_IOMMU_T_PASID_FREE, 12, 8 },
	};
	u8 out[16] = { 0, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0 };
	u8 in[16];
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = cases[i].in_len;

		out[0] = cases[i].type;
		memset(in, 0xaa, sizeof(in));
		cr_assert_eq(virtio_iommu_handle(d, out, cases[i].out_len, in, n, NULL), (int)n);
		cr_assert_eq(in[n - 4], VIRTIO_IOMMU_S_DEVERR, "case %zu: tail at the end", i);
		for (size_t j = 0; j < n; j++)
			if (j != n - 4)
				cr_assert_eq(in[j], 0, "case %zu: byte %zu", i, j);
		cr_assert_eq(in[n], 0xaa, "case %zu: nothing past the buffer", i);
	}
	cr_assert_eq(f.alloc_calls + f.free_calls, 0);
	cr_assert_eq(stats(d).status[VIRTIO_IOMMU_S_DEVERR], ARRAY_SIZE(cases));
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, unknown_types_are_unsupp)
{
	static const u8 types[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7f, 0x82, 0xff };
	u8 out[64] = { 0 };
	u8 in[8];
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		out[0] = types[i];
		memset(in, 0xaa, sizeof(in));
		cr_assert_eq(virtio_iommu_handle(d, out, 4 + i, in, 4 + i % 5, NULL),
			     (int)(4 + i % 5));
		cr_assert_eq(in[i % 5], VIRTIO_IOMMU_S_UNSUPP, "type %#x", types[i]);
	}
	cr_assert_eq(stats(d).status[VIRTIO_IOMMU_S_UNSUPP], ARRAY_SIZE(types));
	cr_assert_eq(stats(d).alloc + stats(d).free, 0);
	virtio_iommu_destroy(d);
}

/* ---- the queue ---------------------------------------------------------------------------- */

KTEST(virtio_iommu, queue_in_order_with_notify)
{
	struct virtio_iommu_req_pasid_alloc req[3];
	struct virtio_iommu_elem e[4];
	struct virtio_iommu_params p;
	struct fake f = { .limit = FAKE_MAX };
	struct virtio_iommu_dev *d;

	virtio_iommu_params_init(&p);
	p.queue_size = 3;
	d = virtio_iommu_create(&p, &fake_ops, &f);
	cr_assert_not_null(d);
	virtio_iommu_set_driver_features(d, 1ull << 16);
	for (int i = 0; i < 3; i++) {
		req[i] = (struct virtio_iommu_req_pasid_alloc){
			.head.type = VIRTIO_IOMMU_T_PASID_ALLOC, .min = 10 - i, .max = 20 };
		e[i] = (struct virtio_iommu_elem){ &req[i], 12, &req[i].pasid, 8 };
		cr_assert_eq(virtio_iommu_queue_add(d, &e[i]), 0);
		cr_assert_eq(e[i].state, VIRTIO_IOMMU_ELEM_QUEUED);
	}
	e[3] = e[0];
	cr_assert_eq(virtio_iommu_queue_add(d, &e[3]), -ENOSPC);
	cr_assert_eq(stats(d).queue_full, 1);
	cr_assert_eq(virtio_iommu_queue_pending(d), 3);
	cr_assert(!virtio_iommu_elem_done(d, &e[0]));
	cr_assert_eq(f.alloc_calls, 0, "nothing happens before the kick");

	cr_assert_eq(virtio_iommu_kick(d), 3);
	cr_assert_eq(f.notified, 1);
	cr_assert_eq(virtio_iommu_queue_pending(d), 0);
	/* in order: 10, then 9, then 8 */
	for (int i = 0; i < 3; i++) {
		cr_assert(virtio_iommu_elem_done(d, &e[i]));
		cr_assert_eq(e[i].used_len, 8);
		cr_assert_eq(req[i].tail.status, VIRTIO_IOMMU_S_OK);
		cr_assert_eq(req[i].pasid, 10 - i);
	}
	cr_assert_eq(virtio_iommu_kick(d), 0);
	cr_assert_eq(f.notified, 1, "no notification without work");
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, latency_with_virtual_clock)
{
	struct virtio_iommu_req_pasid_free req = { .head.type = VIRTIO_IOMMU_T_PASID_FREE };
	struct virtio_iommu_elem e = { &req, 12, &req.tail, 4 };
	struct virtio_iommu_faults k;
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	u64 done_at = 0;

	fake_now = 5000;
	sim_kernel_set_clock(NULL, fake_clock, NULL);
	virtio_iommu_faults_init(&k);
	k.latency_ns = 250;
	virtio_iommu_set_faults(d, &k);
	req.pasid = 3;
	cr_assert_eq(virtio_iommu_handle(d, &req, 12, &req.tail, 4, &done_at), 4);
	cr_assert_eq(done_at, 5250);
	cr_assert_eq(virtio_iommu_queue_add(d, &e), 0);
	cr_assert_eq(virtio_iommu_kick(d), 1);
	cr_assert_eq(e.state, VIRTIO_IOMMU_ELEM_USED);
	cr_assert_eq(e.done_at, 5250);
	fake_now = 5249;
	cr_assert(!virtio_iommu_elem_done(d, &e));
	fake_now = 5250;
	cr_assert(virtio_iommu_elem_done(d, &e));
	virtio_iommu_destroy(d);
	sim_kernel_set_clock(NULL, NULL, NULL);
}

KTEST(virtio_iommu, malformed_element_in_queue_is_lost)
{
	u8 out[2] = { VIRTIO_IOMMU_T_PASID_ALLOC, 0 };
	u8 in[8];
	struct virtio_iommu_elem e = { out, 2, in, 8 };
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	cr_assert_eq(virtio_iommu_queue_add(d, &e), 0);
	cr_assert_eq(virtio_iommu_kick(d), 1);
	cr_assert_eq(e.state, VIRTIO_IOMMU_ELEM_LOST);
	cr_assert(!virtio_iommu_elem_done(d, &e));
	cr_assert_eq(stats(d).malformed, 1);
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, reset_reclaims_queue_and_features)
{
	struct virtio_iommu_req_pasid_alloc req = {
		.head.type = VIRTIO_IOMMU_T_PASID_ALLOC, .min = 1, .max = 5 };
	struct virtio_iommu_elem e = { &req, 12, &req.pasid, 8 };
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	cr_assert_eq(virtio_iommu_queue_add(d, &e), 0);
	virtio_iommu_reset(d);
	cr_assert_eq(e.state, VIRTIO_IOMMU_ELEM_FREE);
	cr_assert_eq(virtio_iommu_queue_pending(d), 0);
	cr_assert_eq(virtio_iommu_kick(d), 0);
	cr_assert_eq(f.alloc_calls, 0);
	cr_assert_eq(virtio_iommu_driver_features(d), 0);
	cr_assert_eq(do_alloc(d, 1, 5, NULL), VIRTIO_IOMMU_S_UNSUPP, "renegotiate after reset");
	cr_assert_eq(stats(d).resets, 1);
	virtio_iommu_destroy(d);
}

/* ---- fault knobs ---------------------------------------------------------------------------- */

KTEST(virtio_iommu, fault_force_status)
{
	struct virtio_iommu_faults k;
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	u32 pasid;

	virtio_iommu_faults_init(&k);
	k.force_status = VIRTIO_IOMMU_S_IOERR;
	virtio_iommu_set_faults(d, &k);
	cr_assert_eq(do_alloc(d, 1, 5, &pasid), VIRTIO_IOMMU_S_IOERR);
	cr_assert(f.used[1], "the backend allocated: a leak the driver cannot see");
	cr_assert_eq(pasid, 0);
	k.force_status = 0x42;		/* not a specified status */
	virtio_iommu_set_faults(d, &k);
	cr_assert_eq(do_free(d, 1), 0x42);
	cr_assert_eq(stats(d).status_other, 1);
	k.force_status = VIRTIO_IOMMU_S_OK;
	virtio_iommu_set_faults(d, &k);
	cr_assert_eq(do_free(d, 9), VIRTIO_IOMMU_S_OK, "OK for a failed free");
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, fault_bad_result)
{
	struct virtio_iommu_faults k;
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	u32 pasid;

	virtio_iommu_faults_init(&k);
	k.bad_result = true;
	k.result = 0x12345678;
	virtio_iommu_set_faults(d, &k);
	cr_assert_eq(do_alloc(d, 1, 5, &pasid), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(pasid, 0x12345678);
	cr_assert(f.used[1]);
	f.limit = 1;
	cr_assert_eq(do_alloc(d, 1, 5, &pasid), VIRTIO_IOMMU_S_NOMEM);
	cr_assert_eq(pasid, 0, "only OK replies carry the bad result");
	virtio_iommu_destroy(d);
}

KTEST(virtio_iommu, fault_drop)
{
	struct virtio_iommu_req_pasid_alloc req = {
		.head.type = VIRTIO_IOMMU_T_PASID_ALLOC, .min = 1, .max = 5 };
	struct virtio_iommu_elem e = { &req, 12, &req.pasid, 8 };
	struct virtio_iommu_faults k;
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);

	virtio_iommu_faults_init(&k);
	k.drop_nth = 2;
	virtio_iommu_set_faults(d, &k);
	cr_assert_eq(do_alloc(d, 1, 5, NULL), VIRTIO_IOMMU_S_OK);
	req.tail.status = 0xee;
	cr_assert_eq(virtio_iommu_queue_add(d, &e), 0);
	cr_assert_eq(virtio_iommu_kick(d), 1);
	cr_assert_eq(e.state, VIRTIO_IOMMU_ELEM_LOST);
	cr_assert_eq(req.tail.status, 0xee, "nothing written");
	cr_assert_eq(f.alloc_calls, 1);
	cr_assert_eq(do_alloc(d, 1, 5, NULL), VIRTIO_IOMMU_S_OK, "one-shot");

	k.drop_nth = 0;
	k.drop_every = 2;
	virtio_iommu_set_faults(d, &k);
	for (int i = 0; i < 6; i++) {
		struct virtio_iommu_req_pasid_free fr = {
			.head.type = VIRTIO_IOMMU_T_PASID_FREE, .pasid = 50 };
		int ret = virtio_iommu_handle(d, &fr, 12, &fr.tail, 4, NULL);

		cr_assert_eq(ret, i % 2 ? -EIO : 4, "request %d", i + 1);
	}
	cr_assert_eq(stats(d).dropped, 4);
	cr_assert_eq(f.free_calls, 3);
	virtio_iommu_destroy(d);
}

/* ---- locking ------------------------------------------------------------------ */

KTEST(virtio_iommu, lock_hooks_around_dispatch)
{
	struct virtio_iommu_backend_ops ops = fake_ops;
	struct virtio_iommu_params p;
	struct fake f = { .limit = FAKE_MAX };
	struct virtio_iommu_dev *d;

	ops.lock = fake_lock;
	ops.unlock = fake_unlock;
	virtio_iommu_params_init(&p);
	d = virtio_iommu_create(&p, &ops, &f);
	cr_assert_not_null(d);
	virtio_iommu_set_driver_features(d, 1ull << 16);
	cr_assert_eq(do_alloc(d, 1, 5, NULL), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(do_free(d, 1), VIRTIO_IOMMU_S_OK);
	cr_assert_eq(do_free(d, 0), VIRTIO_IOMMU_S_NOENT);
	cr_assert_eq(f.lock_calls, 3);
	cr_assert_eq(f.unlock_calls, 3);
	cr_assert(!f.locked);
	virtio_iommu_destroy(d);
}

struct racer {
	struct virtio_iommu_dev *d;
	int ok;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	for (int i = 0; i < 2000; i++) {
		struct virtio_iommu_req_pasid_alloc a = {
			.head.type = VIRTIO_IOMMU_T_PASID_ALLOC, .min = 1, .max = FAKE_MAX };
		struct virtio_iommu_req_pasid_free fr = { .head.type = VIRTIO_IOMMU_T_PASID_FREE };

		virtio_iommu_handle(r->d, &a, 12, &a.pasid, 8, NULL);
		if (a.tail.status != VIRTIO_IOMMU_S_OK)
			continue;
		fr.pasid = a.pasid;
		virtio_iommu_handle(r->d, &fr, 12, &fr.tail, 4, NULL);
		r->ok += fr.tail.status == VIRTIO_IOMMU_S_OK;
	}
	return NULL;
}

/* The device mutex: concurrent drivers never overlap in the backend. */
KTEST(virtio_iommu, dispatch_is_serialised)
{
	struct fake f;
	struct virtio_iommu_dev *d = mkdev(&f, true);
	struct racer r[3];
	pthread_t th[3];
	int ok = 0;

	for (int i = 0; i < 3; i++) {
		r[i] = (struct racer){ d, 0 };
		pthread_create(&th[i], NULL, racer_main, &r[i]);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		ok += r[i].ok;
	}
	cr_assert(!f.overlap, "two backend calls overlapped");
	cr_assert_eq(ok, 6000, "every allocated PASID freed by its owner");
	cr_assert_eq(stats(d).requests, 12000);
	for (int i = 1; i <= FAKE_MAX; i++)
		cr_assert(!f.used[i]);
	virtio_iommu_destroy(d);
}
