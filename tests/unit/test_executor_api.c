// SPDX-License-Identifier: GPL-2.0
/*
 * The executor's operations for the API's corners (sim/world/ops.c), which
 * the api and diff_ioasid fuzzers submit instead of calling the kernel:
 * vendor range callbacks (system-wide and a consumer's own), allocation
 * failures armed for the next operation, NULL arguments, for_each walks
 * that stop or free, ioasid_find with a getter, the third host allocator
 * and its observed free callbacks, read-only queries and the visitor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <linux/err.h>
#include <linux/ioasid.h>
#include <linux/iommu-pasid.h>
#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/world.h>

static struct sim_world *bare(const char *flavour)
{
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];

	sim_world_params_init(&p);
	p.nvms = 0;
	p.host_flavour = flavour;
	w = sim_world_create(&p, err, sizeof(err));
	cr_assert_not_null(w, "sim_world_create: %s", err);
	return w;
}

static struct sim_event run1(struct sim_world *w, struct sim_op op)
{
	static u64 cookie;
	size_t n;

	op.cookie = ++cookie;
	cr_assert_eq(sim_world_submit(w, SIM_WORLD_HOST, 0, &op), 0, "submit %s",
		     sim_op_name(op.kind));
	cr_assert_eq(sim_world_run(w), SIM_SCHED_IDLE, "%s", sim_world_report(w));
	n = sim_world_nevents(w);
	cr_assert_eq(sim_world_event(w, n - 1)->cookie, op.cookie);
	return *sim_world_event(w, n - 1);
}

#define OP(k, ...) ((struct sim_op){ .kind = SIM_OP_##k, __VA_ARGS__ })

static u64 live(struct sim_world *w)
{
	return sim_world_host_live_objects(w) - sim_world_host_baseline_objects(w);
}

Test(executor_api, vendor_callbacks_system_wide_and_per_consumer)
{
	struct sim_world *w = bare("pasidsim");
	struct iommu_pasid a = { .name = "a" }, b = { .name = "b" };
	struct sim_event e;

	cr_expect_eq(run1(w, OP(PASID_SET_OPS, .a = SIM_VENDOR_NARROW)).result, 0);
	cr_expect_eq(run1(w, OP(PASID_SET_OPS, .a = SIM_VENDOR_FAIL)).result, -EBUSY,
		     "other callbacks are installed");
	cr_expect_eq(run1(w, OP(PASID_SET_OPS, .a = SIM_VENDOR__COUNT)).result, -EINVAL);
	cr_assert_eq(run1(w, OP(INIT, .consumer = &a)).result, 0);
	e = run1(w, OP(ALLOC, .consumer = &a, .a = 0, .b = 1000));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value, SIM_VENDOR_NARROW_MIN, "the system's callbacks narrowed the range");
	/* the consumer's own callbacks win; a positive answer is -EINVAL */
	cr_expect_eq(run1(w, OP(INIT_OPS, .consumer = &b, .a = 0, .b = 0,
				.arg = SIM_VENDOR_POSITIVE)).result, -EINVAL);
	cr_expect_eq(run1(w, OP(INIT_OPS, .consumer = &b, .a = 0, .b = 0,
				.arg = SIM_VENDOR_FAIL)).result, -ENODEV);
	cr_expect_eq(sim_world_findings(w, SIM_FINDING_WARN), 0);
	cr_expect_eq(run1(w, OP(INIT_OPS, .consumer = &b, .a = 0, .b = 0,
				.arg = SIM_VENDOR_WIDEN)).result, 0);
	cr_expect_eq(sim_world_findings(w, SIM_FINDING_WARN), 1, "a wider range is a WARN");
	cr_expect_eq(run1(w, OP(INIT_OPS, .consumer = &b, .arg = SIM_VENDOR_NONE)).result,
		     -EBUSY, "already live");
	run1(w, OP(EXIT, .consumer = &a));
	run1(w, OP(EXIT, .consumer = &b));
	cr_expect_eq(run1(w, OP(PASID_SET_OPS, .a = SIM_VENDOR_NONE)).result, 0);
	cr_expect_eq(live(w), 0);
	sim_world_destroy(w);
}

Test(executor_api, fault_next_fails_the_next_operation_only)
{
	struct sim_world *w = bare("pasidsim");
	struct iommu_pasid a = { .name = "a" };
	struct sim_slab_stats st;
	struct sim_event e;

	cr_assert_eq(run1(w, OP(INIT, .consumer = &a)).result, 0);
	run1(w, OP(FAULT_NEXT, .a = 0xff));
	e = run1(w, OP(ALLOC, .consumer = &a, .a = 1, .b = 100));
	cr_expect(e.result == -ENOMEM || e.result == -ENOSPC, "%d", e.result);
	cr_expect_eq(e.value, 0, "a failed alloc writes no ID");
	sim_slab_stats(sim_world_kernel(w, SIM_WORLD_HOST), &st);
	cr_expect_gt(st.injected, 0);
	e = run1(w, OP(ALLOC, .consumer = &a, .a = 1, .b = 100));
	cr_expect_eq(e.result, 0, "armed for one operation only");
	run1(w, OP(FAULT_NEXT, .a = 0xff));
	run1(w, OP(FAULT_NEXT, .a = 0));	/* disarmed */
	cr_expect_eq(run1(w, OP(ALLOC, .consumer = &a, .a = 1, .b = 100)).result, 0);
	run1(w, OP(EXIT, .consumer = &a));
	cr_expect_eq(live(w), 0);
	sim_world_destroy(w);
}

Test(executor_api, null_arguments_are_einval_and_write_nothing)
{
	struct sim_world *w = bare("pasidsim");
	struct iommu_pasid a = { .name = "a" };

	cr_assert_eq(run1(w, OP(INIT, .consumer = &a)).result, 0);
	for (int c = 0; c < SIM_NULL__COUNT; c++) {
		struct sim_event e = run1(w, OP(PASID_NULL_ARG, .consumer = &a, .a = c));

		cr_expect_eq(e.result, -EINVAL, "call %d: %d", c, e.result);
		cr_expect_eq(e.value, 0, "call %d wrote a result", c);
	}
	cr_expect_eq(sim_world_findings(w, -1), 0);
	run1(w, OP(EXIT, .consumer = &a));
	sim_world_destroy(w);
}

struct visits {
	unsigned int n;
	ioasid_t id[16];
	int freed[16];
};

static void visit(void *arg, ioasid_t id, void *priv, int freed)
{
	struct visits *v = arg;

	if (v->n < 16) {
		v->id[v->n] = id;
		v->freed[v->n] = freed;
	}
	v->n++;
}

Test(executor_api, for_each_stops_and_frees_and_the_visitor_sees_each_visit)
{
	struct sim_world *w = bare("pasidsim");
	struct iommu_pasid a = { .name = "a" };
	struct visits v = { 0 };
	struct sim_event e;
	size_t n;

	sim_world_set_visitor(w, visit, &v);
	cr_assert_eq(run1(w, OP(INIT, .consumer = &a)).result, 0);
	for (int i = 0; i < 4; i++)
		cr_assert_eq(run1(w, OP(ALLOC, .consumer = &a, .a = 10, .b = 20)).value, 10 + i);
	e = run1(w, OP(FOR_EACH_STOP, .consumer = &a, .a = 2));
	cr_expect_eq(e.result, 1, "the callback stopped the walk");
	cr_expect_eq(e.value, 2);
	cr_expect_eq(v.n, 2);
	cr_expect_eq(v.id[1], 11);
	v.n = 0;
	e = run1(w, OP(FOR_EACH_STOP, .consumer = &a, .a = 9));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value, 4);
	/* a query runs at once, off the log */
	v.n = 0;
	n = sim_world_nevents(w);
	cr_expect_eq(sim_world_query(w, SIM_WORLD_HOST, &OP(FOR_EACH, .consumer = &a), &e), 0);
	cr_expect_eq(e.value, 4);
	cr_expect_eq(v.n, 4);
	cr_expect_eq(sim_world_nevents(w), n, "a query is not logged");
	cr_expect_eq(sim_world_query(w, SIM_WORLD_HOST, &OP(FREE, .consumer = &a, .a = 10), &e),
		     -EINVAL, "a query changes nothing");
	v.n = 0;
	e = run1(w, OP(FOR_EACH_FREE, .consumer = &a));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value, 4, "each visited ID freed");
	cr_expect_eq(v.n, 4);
	cr_expect_eq(v.freed[3], 0);
	cr_expect_eq(run1(w, OP(FOR_EACH, .consumer = &a)).value, 0);
	run1(w, OP(EXIT, .consumer = &a));
	cr_expect_eq(live(w), 0);
	sim_world_destroy(w);
}

Test(executor_api, ioasid_find_with_a_getter)
{
	struct sim_world *w = bare("pasidsim");
	struct ioasid_set set = { 0 };
	struct sim_event e;
	u64 id;

	id = run1(w, OP(IOASID_ALLOC, .set = &set, .a = 1, .b = 10, .arg = 0x1234)).value;
	cr_assert_eq(id, 1);
	e = run1(w, OP(IOASID_FIND_GETTER, .set = &set, .a = id, .b = 1));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value, 0x1234);
	e = run1(w, OP(IOASID_FIND_GETTER, .set = &set, .a = id, .b = 2));
	cr_expect_eq(e.result, 0);
	cr_expect_eq(e.value, 0, "a getter that says no: NULL");
	e = run1(w, OP(IOASID_FIND_GETTER, .set = &set, .a = 99, .b = 1));
	cr_expect_eq(e.result, -ENOENT);
	run1(w, OP(IOASID_FREE, .a = id));
	cr_expect_eq(live(w), 0);
	sim_world_destroy(w);
}

Test(executor_api, third_host_allocator_is_its_own_highest_first_and_frees_are_observed)
{
	struct sim_world *w = bare("pasidsim");
	struct sim_event e;
	u64 calls, active;

	sim_world_observe_allocator_frees(w, true);
	cr_assert_eq(run1(w, OP(HOST_ALLOCATOR_REGISTER, .a = 2)).result, 0);
	e = run1(w, OP(IOASID_ALLOC, .a = 5, .b = 9, .arg = 0x99));
	cr_expect_eq(e.value, 9, "highest free first");
	cr_expect_eq(run1(w, OP(IOASID_ALLOC, .a = 5, .b = 9)).value, 8);
	run1(w, OP(IOASID_FREE, .a = 9));
	sim_world_host_allocator_frees(w, &calls, &active);
	cr_expect_eq(calls, 1);
	cr_expect_eq(active, 1, "its private data still findable in the free callback");
	cr_expect_eq(run1(w, OP(IOASID_ALLOC, .a = 5, .b = 9)).value, 9);
	run1(w, OP(IOASID_FREE, .a = 9));
	run1(w, OP(IOASID_FREE, .a = 8));
	run1(w, OP(HOST_ALLOCATOR_UNREGISTER, .a = 2));
	cr_expect_eq(run1(w, OP(HOST_ALLOCATOR_REGISTER, .a = 3)).result, -EINVAL);
	cr_expect_eq(sim_world_findings(w, -1), 0);
	cr_expect_eq(live(w), 0);
	sim_world_destroy(w);
}

/* The new operations give one answer on both allocator flavours. */
Test(executor_api, both_flavours_agree_on_the_corners)
{
	char path[4096];

	if (access(sim_core_path("linux-6.1", path, sizeof(path)), R_OK))
		cr_skip_test("linux-6.1 core not built");
	for (int f = 0; f < 2; f++) {
		struct sim_world *w = bare(f ? "linux-6.1" : "pasidsim");
		struct iommu_pasid a = { .name = "a" };

		cr_expect_eq(run1(w, OP(INIT_OPS, .consumer = &a, .a = 0, .b = 0,
					.arg = SIM_VENDOR_NARROW)).result, 0);
		cr_expect_eq(run1(w, OP(ALLOC, .consumer = &a, .a = 0, .b = 100)).value,
			     SIM_VENDOR_NARROW_MIN);
		cr_expect_eq(run1(w, OP(PASID_NULL_ARG, .a = SIM_NULL_FIND)).result, -EINVAL);
		cr_expect_eq(run1(w, OP(FOR_EACH_FREE, .consumer = &a)).value, 1);
		run1(w, OP(EXIT, .consumer = &a));
		cr_expect_eq(live(w), 0, "%d", f);
		sim_world_destroy(w);
	}
}
