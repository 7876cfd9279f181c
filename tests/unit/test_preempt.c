// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of schedule fuzzing (sim/sched/preempt.c, <sim/sched.h>): the
 * preemption points inside RCU read-side sections and after unlocks fire
 * only when the scheduler is asked to fuzz, a preempted reader holds grace
 * periods back, an object kfree()d under it is poisoned when it resumes,
 * and the world inputs of fuzz/corpus/world/seed-<bug> interleave a reader
 * inside ioasid_find() with another CPU: the correct core/ survives, the
 * seeded copies are detected.
 */
#include <string.h>
#include <unistd.h>

#include <linux/kernel.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <sim/core.h>
#include <sim/sched.h>
#include <sim/world-decode.h>
#include <sim/world.h>
#include <ktest.h>

/* ---- what a key means -------------------------------------------------------------- */

KTEST(preempt, key_low_byte_below_0x80_never_preempts)
{
	cr_assert_eq(sim_preempt_ns(0), 0);
	cr_assert_eq(sim_preempt_ns(0x7f), 0);
	cr_assert_eq(sim_preempt_ns(0x80), SIM_PREEMPT_UNIT_NS);
	cr_assert_eq(sim_preempt_ns(0xff), 128 * SIM_PREEMPT_UNIT_NS);
	cr_assert_eq(sim_preempt_ns(0x17f), 0, "only the low byte counts");
}

KTEST(preempt, names)
{
	char b[64];

	cr_assert_str_eq(sim_preempt_name(0, b, sizeof(b)), "off");
	cr_assert_str_eq(sim_preempt_name(SIM_PREEMPT_ALL, b, sizeof(b)), "rcu,unlock,vmm-calls");
	cr_assert_str_eq(sim_preempt_name(SIM_PREEMPT_UNLOCK, b, sizeof(b)), "unlock");
}

/* ---- two CPUs: a reader, and a writer behind it in virtual time ---------------------- */

struct obj {
	u64 magic;
	struct rcu_head rcu;
};

#define MAGIC	0x1234567890abcdefull

struct shared {
	struct obj __rcu *gp;
	bool defer;			/* the writer frees with kfree_rcu() (correct) */
	/* what happened, in execution order */
	char order[16];
	unsigned int n;
	u64 reader_exit, sync_done;
	bool poisoned;			/* the reader found its object freed */
	u64 magic_read;
	unsigned int draws;		/* tie-break keys drawn inside a read-side section */
	bool armed;			/* the next key drawn in a section preempts */
};

static void mark(struct shared *sh, char c)
{
	if (sh->n < sizeof(sh->order) - 1)
		sh->order[sh->n++] = c;
}

/*
 * Once armed, the next key drawn inside a read-side section asks for the
 * longest preemption; every other key for none.
 */
static u64 key_in_section(void *arg)
{
	struct shared *sh = arg;

	if (!rcu_read_lock_held())
		return 0;
	sh->draws++;
	if (!sh->armed)
		return 0;
	sh->armed = false;
	return 0xff;
}

static bool freed(const struct obj *o)
{
#ifdef TEST_ASAN
	return __asan_address_is_poisoned(&o->magic);
#else
	return o->magic == 0x6b6b6b6b6b6b6b6bull;	/* POISON_FREE */
#endif
}

static void reader(struct sim_cpu *cpu, void *p)
{
	struct shared *sh = p;
	struct obj *o;

	rcu_read_lock();
	o = rcu_dereference(sh->gp);
	mark(sh, 'R');
	sh->armed = true;
	rcu_read_lock();	/* nested, as xa_load() inside ioasid_find(): preempted here */
	sh->poisoned = freed(o);
	if (!sh->poisoned)
		sh->magic_read = o->magic;
	rcu_read_unlock();
	mark(sh, 'r');
	rcu_read_unlock();
	sh->reader_exit = sim_clock_ns();
}

static void writer(struct sim_cpu *cpu, void *p)
{
	struct shared *sh = p;
	struct obj *old = rcu_dereference_protected(sh->gp, true);

	mark(sh, 'W');
	rcu_assign_pointer(sh->gp, NULL);
	if (sh->defer) {
		kfree_rcu(old, rcu);
		synchronize_rcu();
	} else {
		kfree(old);	/* no grace period: the bug */
	}
	mark(sh, 'w');
	sh->sync_done = sim_clock_ns();
}

static struct sim_sched *two_cpus(struct shared *sh, unsigned int mask)
{
	struct sim_sched *s = sim_sched_create(NULL, 3);
	struct obj *o = kmalloc(sizeof(*o), GFP_KERNEL);

	o->magic = MAGIC;
	RCU_INIT_POINTER(sh->gp, o);
	sim_sched_set_tiebreak(s, key_in_section, sh);
	sim_sched_set_preempt(s, mask);
	sim_cpu_create(s, "reader", ktest_kernel(), reader, sh, 0, 0);
	sim_cpu_create(s, "writer", ktest_kernel(), writer, sh, 1000, 0);
	cr_assert_eq(sim_sched_run(s), SIM_SCHED_IDLE, "%s", sim_sched_report(s));
	return s;
}

KTEST(preempt, off_by_default_the_reader_is_never_preempted)
{
	struct shared sh = { .defer = true };
	struct sim_sched *s = two_cpus(&sh, 0);

	cr_assert_eq(sim_sched_preempt(s), 0);
	cr_assert_str_eq(sh.order, "RrWw", "the section ran whole, then the writer");
	cr_assert_eq(sh.magic_read, MAGIC);
	cr_assert_eq(sim_sched_preemptions(s), 0);
	cr_assert_eq(sh.draws, 0, "a key was drawn inside a read-side section");
	cr_assert(sh.armed);
	sim_sched_destroy(s);
}

KTEST(preempt, unlock_points_alone_leave_the_section_whole)
{
	struct shared sh = { .defer = true };
	struct sim_sched *s = two_cpus(&sh, SIM_PREEMPT_UNLOCK);

	cr_assert_str_eq(sh.order, "RrWw");
	cr_assert_eq(sim_sched_preemptions(s), 0);
	sim_sched_destroy(s);
}

KTEST(preempt, a_preempted_reader_holds_the_grace_period)
{
	struct shared sh = { .defer = true };
	struct sim_sched *s = two_cpus(&sh, SIM_PREEMPT_RCU);

	cr_assert_str_eq(sh.order, "RWrw", "the writer ran while the reader was preempted");
	cr_assert_eq(sim_sched_preemptions(s), 1);
	cr_assert_geq(sh.draws, 4, "a key at each of the four points inside the sections");
	cr_assert_not(sh.poisoned);
	cr_assert_eq(sh.magic_read, MAGIC, "kfree_rcu() waited for the reader");
	cr_assert_geq(sh.sync_done, sh.reader_exit,
		      "synchronize_rcu() ended at %llu, before the reader left at %llu",
		      (unsigned long long)sh.sync_done, (unsigned long long)sh.reader_exit);
	cr_assert_geq(sh.reader_exit, 128 * SIM_PREEMPT_UNIT_NS);
	sim_sched_destroy(s);
}

KTEST(preempt, kfree_under_a_preempted_reader_is_poisoned_when_it_resumes)
{
	struct shared sh = { .defer = false };
	struct sim_sched *s = two_cpus(&sh, SIM_PREEMPT_RCU);

	cr_assert_str_eq(sh.order, "RWwr");
	cr_assert(sh.poisoned, "the reader resumed on a freed object that is not poisoned");
	sim_sched_destroy(s);
}

/* ---- worlds: the seed inputs of the three races (fuzz/corpus/world) -------------------- */

/* seed-ioasid-unregister-frees-space: vm0 cpu0 ioasid_find vs cpu1 unregistering both vIOMMUs */
static const uint8_t seed_unregister[] = {
	0x80, 0x08, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0xff,
};
/* seed-ioasid-set-data-no-grace: vm0 cpu0 ioasid_find vs cpu1 ioasid_set_data */
static const uint8_t seed_set_data[] = {
	0x80, 0x08, 0x00, 0x07, 0x00, 0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x09, 0x00,
	0x00, 0xc8, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x01, 0x01,
	0x01, 0x00, 0x00, 0xff,
};
/* seed-vfio-count-outside-lock: the host frees vm0's PASID 1 while vm0 frees it too */
static const uint8_t seed_count[] = {
	0x80, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0xff,
};

struct wrun {
	struct wdec dec;
	const struct sim_finding *f;
	int vm;
};

static bool ran(void *arg, struct sim_world *w, enum sim_sched_result r)
{
	struct wrun *wr = arg;

	cr_assert_eq(r, SIM_SCHED_IDLE, "%s", sim_world_report(w));
	wr->f = sim_wdec_unexpected(&wr->dec, w, &wr->vm);
	return !wr->f;
}

/* The seeded copy of @bug, or NULL (the test is skipped) when it is not built. */
static const char *seeded(const char *bug, char *name, size_t len)
{
	char path[4096];

	snprintf(name, len, "pasidsim+%s", bug);
	if (access(sim_core_path(name, path, sizeof(path)), R_OK))
		cr_skip_test("%s is not built (fuzz/bugbench)", path);
	return name;
}

/* Run @in in the world of its byte 0, every kernel on @core. */
static struct sim_world *world_run_input(const uint8_t *in, size_t size, const char *core,
					 struct wrun *wr)
{
	static const struct wdec_hooks hooks_tmpl = { .ran = ran };
	struct wdec_hooks hooks = hooks_tmpl;
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];

	sim_wdec_params(in[0], core, &p);
	p.guest_flavour = core;
	w = sim_world_create(&p, err, sizeof(err));
	cr_assert_not_null(w, "%s", err);
	hooks.arg = wr;
	cr_assert_geq(sim_wdec_run(&wr->dec, w, in, size, &hooks), 1);
	return w;
}

/* The event of the @n-th operation of kind @k (0-based), or NULL. */
static const struct sim_event *event_of(struct sim_world *w, enum sim_op_kind k, int n)
{
	for (size_t i = 0; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->kind == k && !n--)
			return e;
	}
	return NULL;
}

KTEST(preempt, world_reader_in_ioasid_find_spans_an_unregister_correct_core_survives)
{
	struct wrun wr = { 0 };
	struct sim_world *w = world_run_input(seed_unregister, sizeof(seed_unregister),
					      "pasidsim", &wr);
	const struct sim_event *find = event_of(w, SIM_OP_IOASID_FIND, 0);
	const struct sim_event *unreg = event_of(w, SIM_OP_ALLOCATOR_UNREGISTER, 1);

	cr_assert_null(wr.f, "finding: %s", wr.f ? wr.f->msg : "");
	cr_assert(find && unreg);
	cr_assert_eq(find->cpu, 0);
	cr_assert_eq(unreg->cpu, 1);
	cr_assert(find->start_ns < unreg->start_ns && unreg->end_ns < find->end_ns,
		  "ioasid_find [%llu, %llu] does not span the unregister [%llu, %llu]",
		  (unsigned long long)find->start_ns, (unsigned long long)find->end_ns,
		  (unsigned long long)unreg->start_ns, (unsigned long long)unreg->end_ns);
	cr_assert_geq(sim_sched_preemptions(sim_world_sched(w)), 1);
	sim_world_destroy(w);
}

KTEST(preempt, world_without_the_preempt_variant_bit_is_not_preempted)
{
	uint8_t in[sizeof(seed_unregister)];
	struct wrun wr = { 0 };
	struct sim_world *w;

	memcpy(in, seed_unregister, sizeof(in));
	in[1] &= ~WDEC_V_PREEMPT;	/* byte 1 stays the variant byte: the same operations */
	w = world_run_input(in, sizeof(in), "pasidsim", &wr);
	cr_assert_eq(sim_sched_preempt(sim_world_sched(w)), 0);
	cr_assert_eq(sim_sched_preemptions(sim_world_sched(w)), 0);
	sim_world_destroy(w);
}

KTEST(preempt, world_set_data_waits_for_the_preempted_reader)
{
	struct wrun wr = { 0 };
	struct sim_world *w = world_run_input(seed_set_data, sizeof(seed_set_data), "pasidsim",
					      &wr);
	const struct sim_event *find = event_of(w, SIM_OP_IOASID_FIND, 0);
	const struct sim_event *sd = event_of(w, SIM_OP_IOASID_SET_DATA, 0);

	cr_assert_null(wr.f, "finding: %s", wr.f ? wr.f->msg : "");
	cr_assert(find && sd);
	cr_assert_eq(sd->result, 0);
	cr_assert_geq(sd->end_ns, find->end_ns, "set_data returned before the reader left");
	sim_world_destroy(w);
}

KTEST(preempt, world_set_data_no_grace_is_detected)
{
	char name[128];
	struct wrun wr = { 0 };
	struct sim_world *w = world_run_input(seed_set_data, sizeof(seed_set_data),
					      seeded("ioasid-set-data-no-grace", name,
						     sizeof(name)), &wr);

	cr_assert_not_null(wr.f);
	cr_assert_eq(wr.f->kind, SIM_FINDING_RCU);
	cr_assert(strstr(wr.f->msg, "ioasid_set_data(1) returned while a reader"), "%s",
		  wr.f->msg);
	sim_world_destroy(w);
}

KTEST(preempt, world_unserialised_host_free_correct_core_survives)
{
	struct wrun wr = { 0 };
	struct sim_world *w = world_run_input(seed_count, sizeof(seed_count), "pasidsim", &wr);

	cr_assert_null(wr.f, "finding: %s", wr.f ? wr.f->msg : "");
	sim_world_destroy(w);
}

KTEST(preempt, world_count_outside_lock_is_detected)
{
	char name[128];
	struct wrun wr = { 0 };
	struct sim_world *w = world_run_input(seed_count, sizeof(seed_count),
					      seeded("vfio-count-outside-lock", name,
						     sizeof(name)), &wr);

	cr_assert_not_null(wr.f);
	cr_assert_eq(wr.vm, SIM_WORLD_HOST);
	cr_assert_eq(wr.f->kind, SIM_FINDING_WARN);
	cr_assert(strstr(wr.f->msg, "!IS_ERR(private)"), "%s", wr.f->msg);
	sim_world_destroy(w);
}

/*
 * seed-late-vm (fuzz/corpus/world): variant byte 0x18, schedule fuzzing and
 * VM 1 powered off until an operation the input draws creates it.
 */
static const uint8_t seed_late[] = {
	0xa9, 0x18, 0x21, 0x03, 0xad, 0x40, 0xbf, 0x8a, 0x82, 0xe5, 0x71, 0xbb, 0x6c,
	0xe4, 0x25, 0xf6, 0x31, 0x44, 0xc6, 0xf0, 0x6f, 0x29, 0x2f, 0x93, 0xbc, 0x33,
	0x7a, 0x1c, 0xc1, 0x52, 0x90, 0xb3, 0x58, 0xb1, 0x0a, 0x28, 0x36, 0x59, 0x8e,
	0xf7, 0x64, 0x98, 0x8d, 0xd1, 0x3d, 0xff, 0x7e, 0x1d, 0x01, 0x0c,
};

/* The first event of VM @vm of kind @k (any kind for SIM_OP__COUNT), from event @from on. */
static const struct sim_event *vm_event(struct sim_world *w, int vm, int k, size_t from,
					size_t *at)
{
	for (size_t i = from; i < sim_world_nevents(w); i++) {
		const struct sim_event *e = sim_world_event(w, i);

		if (e->vm == vm && (k < 0 || (int)e->kind == k)) {
			*at = i;
			return e;
		}
	}
	return NULL;
}

KTEST(preempt, world_late_vm_boots_at_a_drawn_vm_create)
{
	struct wrun wr = { 0 };
	struct sim_world *w = world_run_input(seed_late, sizeof(seed_late), "pasidsim", &wr);
	const struct sim_event *e, *boot;
	size_t at = 0, boot_at = 0;

	cr_assert_null(wr.f, "finding: %s", wr.f ? wr.f->msg : "");
	cr_assert(sim_world_late(w, 1));
	boot = vm_event(w, 1, SIM_OP_VM_CREATE, 0, &boot_at);
	cr_assert_not_null(boot, "VM 1 is never created");
	cr_assert_eq(boot->result, 0);
	e = vm_event(w, 1, -1, 0, &at);
	cr_assert(at < boot_at && e->result == -ENODEV, "VM 1 answers -ENODEV before it exists");
	e = vm_event(w, 1, SIM_OP_ALLOC, boot_at, &at);
	cr_assert(e && e->result == 0, "VM 1 allocates once booted");
	sim_world_destroy(w);
}

KTEST(preempt, world_without_the_late_variant_bit_draws_no_vm_create)
{
	uint8_t in[sizeof(seed_late)];
	struct wrun wr = { 0 };
	struct sim_world *w;
	size_t at;

	memcpy(in, seed_late, sizeof(in));
	in[1] &= ~WDEC_V_LATE_VM1;
	w = world_run_input(in, sizeof(in), "pasidsim", &wr);
	cr_assert(!sim_world_late(w, 1));
	cr_assert_null(vm_event(w, 0, SIM_OP_VM_CREATE, 0, &at));
	cr_assert_null(vm_event(w, 1, SIM_OP_VM_CREATE, 0, &at));
	sim_world_destroy(w);
}
