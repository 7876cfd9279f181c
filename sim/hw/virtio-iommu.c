// SPDX-License-Identifier: GPL-2.0
/*
 * pasidsim: virtio-iommu device with the project's PASID ALLOC/FREE
 * requests (a project extension; wire format: <uapi/linux/virtio_iommu_pasid.h>).
 *
 * Two locks:
 *   - state_lock (pthread) guards features, the ring, knobs and stats; it is
 *     never held across a call out of the device;
 *   - the device mutex serialises request dispatch and is held across the
 *     backend call, as in QEMU. It is the backend's lock/unlock pair when
 *     given, else dispatch_lock (pthread).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <asm/byteorder.h>
#include <linux/compiler.h>
#include <sim/kernel.h>
#include <sim/virtio-iommu.h>

#define VI_QUEUE_MAX	1024

struct virtio_iommu_dev {
	pthread_mutex_t state_lock;
	pthread_mutex_t dispatch_lock;
	struct virtio_iommu_params p;
	struct virtio_iommu_backend_ops ops;
	void *opaque;

	u64 driver_features;
	u64 seen;			/* requests since the knobs were set */
	u64 gen;			/* bumped by reset */

	struct virtio_iommu_elem **ring;
	unsigned int head, count;
	bool processing;

	struct virtio_iommu_stats st;
	char last_error[160];
};

/* The request layout is the header's: the parts' sizes follow from it. */
_Static_assert(offsetof(struct virtio_iommu_req_pasid_alloc, pasid) ==
	       VIRTIO_IOMMU_PASID_ALLOC_OUT, "ALLOC device-readable part");
_Static_assert(sizeof(struct virtio_iommu_req_pasid_alloc) ==
	       VIRTIO_IOMMU_PASID_ALLOC_OUT + VIRTIO_IOMMU_PASID_ALLOC_IN, "ALLOC size");
_Static_assert(offsetof(struct virtio_iommu_req_pasid_free, tail) ==
	       VIRTIO_IOMMU_PASID_FREE_OUT, "FREE device-readable part");
_Static_assert(sizeof(struct virtio_iommu_req_pasid_free) ==
	       VIRTIO_IOMMU_PASID_FREE_OUT + VIRTIO_IOMMU_PASID_FREE_IN, "FREE size");

void virtio_iommu_faults_init(struct virtio_iommu_faults *f)
{
	memset(f, 0, sizeof(*f));
	f->force_status = -1;
}

void virtio_iommu_params_init(struct virtio_iommu_params *p)
{
	memset(p, 0, sizeof(*p));
	p->features = 1ULL << VIRTIO_F_VERSION_1 | 1ULL << VIRTIO_IOMMU_F_PASID_ALLOC;
	p->queue_size = 64;
	virtio_iommu_faults_init(&p->faults);
}

/* state_lock held */
static __printf(2, 3) void vi_log(struct virtio_iommu_dev *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->last_error, sizeof(d->last_error), fmt, ap);
	va_end(ap);
	if (d->p.verbose)
		fprintf(stderr, "virtio-iommu: %s\n", d->last_error);
}

static void vi_dispatch_lock(struct virtio_iommu_dev *d)
{
	if (d->ops.lock)
		d->ops.lock(d->opaque);
	else
		pthread_mutex_lock(&d->dispatch_lock);
}

static void vi_dispatch_unlock(struct virtio_iommu_dev *d)
{
	if (d->ops.unlock)
		d->ops.unlock(d->opaque);
	else
		pthread_mutex_unlock(&d->dispatch_lock);
}

static bool vi_pasid_negotiated(struct virtio_iommu_dev *d)
{
	u64 bit = 1ULL << VIRTIO_IOMMU_F_PASID_ALLOC;
	bool ok;

	pthread_mutex_lock(&d->state_lock);
	ok = (d->driver_features & bit) && (d->p.features & bit);
	pthread_mutex_unlock(&d->state_lock);
	return ok;
}

struct vi_req {
	const u8 *out;
	size_t out_len;
	size_t in_len;
	u32 pasid;			/* ALLOC reply */
};

/* ---- request handlers: device mutex held; each returns a status ------------ */

static int vi_handle_alloc(struct virtio_iommu_dev *d, struct vi_req *r)
{
	struct virtio_iommu_req_pasid_alloc req;
	u32 min, max, pasid = 0;
	int ret;

	if (!vi_pasid_negotiated(d))
		return VIRTIO_IOMMU_S_UNSUPP;
	if (r->out_len != VIRTIO_IOMMU_PASID_ALLOC_OUT || r->in_len != VIRTIO_IOMMU_PASID_ALLOC_IN)
		return VIRTIO_IOMMU_S_DEVERR;
	memcpy(&req, r->out, VIRTIO_IOMMU_PASID_ALLOC_OUT);
	min = le32_to_cpu(req.min);
	max = le32_to_cpu(req.max);
	if (min > max)
		return VIRTIO_IOMMU_S_INVAL;
	if (max < 1 || max > VIRTIO_IOMMU_PASID_MAX)
		return VIRTIO_IOMMU_S_RANGE;
	if (min < 1)
		min = 1;
	ret = d->ops.alloc(d->opaque, min, max, &pasid);
	if (ret < 0)
		return VIRTIO_IOMMU_S_NOMEM;
	if (ret == VIRTIO_IOMMU_S_OK)
		r->pasid = pasid;
	return ret;
}

static int vi_handle_free(struct virtio_iommu_dev *d, struct vi_req *r)
{
	struct virtio_iommu_req_pasid_free req;
	u32 pasid;
	int ret;

	if (!vi_pasid_negotiated(d))
		return VIRTIO_IOMMU_S_UNSUPP;
	if (r->out_len != VIRTIO_IOMMU_PASID_FREE_OUT || r->in_len != VIRTIO_IOMMU_PASID_FREE_IN)
		return VIRTIO_IOMMU_S_DEVERR;
	memcpy(&req, r->out, VIRTIO_IOMMU_PASID_FREE_OUT);
	pasid = le32_to_cpu(req.pasid);
	if (pasid < 1 || pasid > VIRTIO_IOMMU_PASID_MAX)
		return VIRTIO_IOMMU_S_NOENT;
	ret = d->ops.free(d->opaque, pasid);
	return ret < 0 ? VIRTIO_IOMMU_S_NOENT : ret;
}

/*
 * Handle one element: the used length, -EINVAL (malformed, dropped) or
 * -EIO (dropped by a knob). *done_at gets the completion time.
 */
static int vi_process(struct virtio_iommu_dev *d, const void *out, size_t out_len,
		      void *in, size_t in_len, u64 *done_at)
{
	struct virtio_iommu_pasid_head head;
	struct vi_req r = { out, out_len, in_len, 0 };
	const struct virtio_iommu_faults *f = &d->p.faults;
	u8 *reply = in;
	bool drop;
	int status;
	u64 n;

	pthread_mutex_lock(&d->state_lock);
	d->st.requests++;
	n = ++d->seen;
	drop = (f->drop_nth && n == f->drop_nth) || (f->drop_every && n % f->drop_every == 0);
	if (drop) {
		d->st.dropped++;
		pthread_mutex_unlock(&d->state_lock);
		return -EIO;
	}
	if (!out || !in || out_len < sizeof(head) ||
	    in_len < sizeof(struct virtio_iommu_pasid_tail)) {
		d->st.malformed++;
		vi_log(d, "request dropped: %zu driver-readable, %zu device-writable bytes",
		       out_len, in_len);
		pthread_mutex_unlock(&d->state_lock);
		return -EINVAL;
	}
	pthread_mutex_unlock(&d->state_lock);

	memcpy(&head, out, sizeof(head));
	vi_dispatch_lock(d);
	switch (head.type) {
	case VIRTIO_IOMMU_T_PASID_ALLOC:
		status = vi_handle_alloc(d, &r);
		break;
	case VIRTIO_IOMMU_T_PASID_FREE:
		status = vi_handle_free(d, &r);
		break;
	default:
		status = VIRTIO_IOMMU_S_UNSUPP;
		break;
	}
	vi_dispatch_unlock(d);

	pthread_mutex_lock(&d->state_lock);
	if (head.type == VIRTIO_IOMMU_T_PASID_ALLOC)
		d->st.alloc++;
	else if (head.type == VIRTIO_IOMMU_T_PASID_FREE)
		d->st.free++;
	if (status != VIRTIO_IOMMU_S_OK)
		vi_log(d, "request type %#x: status %d", head.type, status);
	if (f->force_status >= 0)
		status = f->force_status;
	status &= 0xff;
	if (status <= VIRTIO_IOMMU_S_NOMEM)
		d->st.status[status]++;
	else
		d->st.status_other++;

	/* The device writes its whole part: reply fields, then the tail last. */
	memset(reply, 0, in_len);
	if (head.type == VIRTIO_IOMMU_T_PASID_ALLOC && in_len == VIRTIO_IOMMU_PASID_ALLOC_IN &&
	    status == VIRTIO_IOMMU_S_OK) {
		__le32 pasid = cpu_to_le32(f->bad_result ? f->result : r.pasid);

		memcpy(reply, &pasid, sizeof(pasid));	/* the device-writable part starts at pasid */
	}
	reply[in_len - sizeof(struct virtio_iommu_pasid_tail)] = (u8)status;
	if (done_at)
		*done_at = sim_clock_ns() + f->latency_ns;
	pthread_mutex_unlock(&d->state_lock);
	return (int)in_len;
}

/* ---- device API ---------------------------------------------------------------- */

struct virtio_iommu_dev *virtio_iommu_create(const struct virtio_iommu_params *p,
					     const struct virtio_iommu_backend_ops *ops,
					     void *opaque)
{
	struct virtio_iommu_dev *d;

	if (!p || !ops || !ops->alloc || !ops->free || !p->queue_size ||
	    p->queue_size > VI_QUEUE_MAX || !ops->lock != !ops->unlock)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ring = calloc(p->queue_size, sizeof(*d->ring));
	if (!d->ring) {
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->state_lock, NULL);
	pthread_mutex_init(&d->dispatch_lock, NULL);
	d->p = *p;
	d->ops = *ops;
	d->opaque = opaque;
	return d;
}

void virtio_iommu_destroy(struct virtio_iommu_dev *d)
{
	if (!d)
		return;
	pthread_mutex_destroy(&d->state_lock);
	pthread_mutex_destroy(&d->dispatch_lock);
	free(d->ring);
	free(d);
}

u64 virtio_iommu_device_features(struct virtio_iommu_dev *d)
{
	return d->p.features;
}

int virtio_iommu_set_driver_features(struct virtio_iommu_dev *d, u64 features)
{
	int ret = 0;

	pthread_mutex_lock(&d->state_lock);
	if (features & ~d->p.features) {
		vi_log(d, "driver features %#llx not offered (%#llx)",
		       (unsigned long long)features, (unsigned long long)d->p.features);
		ret = -EINVAL;
	} else {
		d->driver_features = features;
	}
	pthread_mutex_unlock(&d->state_lock);
	return ret;
}

u64 virtio_iommu_driver_features(struct virtio_iommu_dev *d)
{
	u64 f;

	pthread_mutex_lock(&d->state_lock);
	f = d->driver_features;
	pthread_mutex_unlock(&d->state_lock);
	return f;
}

void virtio_iommu_reset(struct virtio_iommu_dev *d)
{
	pthread_mutex_lock(&d->state_lock);
	d->driver_features = 0;
	while (d->count) {
		d->ring[d->head]->state = VIRTIO_IOMMU_ELEM_FREE;
		d->head = (d->head + 1) % d->p.queue_size;
		d->count--;
	}
	d->head = 0;
	d->gen++;
	d->st.resets++;
	pthread_mutex_unlock(&d->state_lock);
}

int virtio_iommu_handle(struct virtio_iommu_dev *d, const void *out, size_t out_len,
			void *in, size_t in_len, u64 *done_at)
{
	return vi_process(d, out, out_len, in, in_len, done_at);
}

int virtio_iommu_queue_add(struct virtio_iommu_dev *d, struct virtio_iommu_elem *e)
{
	int ret = 0;

	pthread_mutex_lock(&d->state_lock);
	if (d->count == d->p.queue_size) {
		d->st.queue_full++;
		ret = -ENOSPC;
	} else {
		e->state = VIRTIO_IOMMU_ELEM_QUEUED;
		e->used_len = 0;
		e->done_at = 0;
		d->ring[(d->head + d->count) % d->p.queue_size] = e;
		d->count++;
	}
	pthread_mutex_unlock(&d->state_lock);
	return ret;
}

unsigned int virtio_iommu_kick(struct virtio_iommu_dev *d)
{
	struct virtio_iommu_elem *e;
	unsigned int n = 0;
	u64 gen, done_at;
	int ret;

	pthread_mutex_lock(&d->state_lock);
	if (d->processing) {
		pthread_mutex_unlock(&d->state_lock);
		return 0;
	}
	d->processing = true;
	while (d->count) {
		e = d->ring[d->head];
		d->head = (d->head + 1) % d->p.queue_size;
		d->count--;
		gen = d->gen;
		pthread_mutex_unlock(&d->state_lock);

		done_at = 0;
		ret = vi_process(d, e->out, e->out_len, e->in, e->in_len, &done_at);

		pthread_mutex_lock(&d->state_lock);
		n++;
		if (gen != d->gen) {
			e->state = VIRTIO_IOMMU_ELEM_FREE;
		} else if (ret < 0) {
			e->state = VIRTIO_IOMMU_ELEM_LOST;
		} else {
			e->used_len = (u32)ret;
			e->done_at = done_at;
			e->state = VIRTIO_IOMMU_ELEM_USED;
		}
	}
	d->processing = false;
	pthread_mutex_unlock(&d->state_lock);
	if (n && d->ops.notify)
		d->ops.notify(d->opaque);
	return n;
}

bool virtio_iommu_elem_done(struct virtio_iommu_dev *d, const struct virtio_iommu_elem *e)
{
	bool done;

	pthread_mutex_lock(&d->state_lock);
	done = e->state == VIRTIO_IOMMU_ELEM_USED && sim_clock_ns() >= e->done_at;
	pthread_mutex_unlock(&d->state_lock);
	return done;
}

unsigned int virtio_iommu_queue_pending(struct virtio_iommu_dev *d)
{
	unsigned int n;

	pthread_mutex_lock(&d->state_lock);
	n = d->count;
	pthread_mutex_unlock(&d->state_lock);
	return n;
}

void virtio_iommu_set_faults(struct virtio_iommu_dev *d, const struct virtio_iommu_faults *f)
{
	pthread_mutex_lock(&d->state_lock);
	d->p.faults = *f;
	d->seen = 0;
	pthread_mutex_unlock(&d->state_lock);
}

void virtio_iommu_get_faults(struct virtio_iommu_dev *d, struct virtio_iommu_faults *out)
{
	pthread_mutex_lock(&d->state_lock);
	*out = d->p.faults;
	pthread_mutex_unlock(&d->state_lock);
}

void virtio_iommu_get_stats(struct virtio_iommu_dev *d, struct virtio_iommu_stats *out)
{
	pthread_mutex_lock(&d->state_lock);
	*out = d->st;
	pthread_mutex_unlock(&d->state_lock);
}

const char *virtio_iommu_last_error(struct virtio_iommu_dev *d, char *buf, size_t len)
{
	pthread_mutex_lock(&d->state_lock);
	snprintf(buf, len, "%s", d->last_error);
	pthread_mutex_unlock(&d->state_lock);
	return buf;
}
