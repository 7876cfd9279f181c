// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark: simulated PASID operations per second of wall time, for a
 * world of 64 VMs x 4 vCPUs churning (alloc then free, through VCMD and the
 * VMMs to the host), and the cost of resetting kernel instances.
 *
 *   bench_world_churn [vms] [vcpus] [rounds] [path: vtd|virtio]
 *
 * Prints one "metric value unit" line per figure (virtual and wall-clock
 * figures kept apart), for the results store to record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sim/core.h>
#include <sim/kernel.h>
#include <sim/task.h>
#include <sim/world.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what, struct sim_world *w)
{
	fprintf(stderr, "bench_world_churn: %s: %s\n", what, w ? sim_world_report(w) : "");
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned int nvms = argc > 1 ? atoi(argv[1]) : 64;
	unsigned int vcpus = argc > 2 ? atoi(argv[2]) : 4;
	unsigned int rounds = argc > 3 ? atoi(argv[3]) : 200;
	const char *path = argc > 4 ? argv[4] : "vtd";
	unsigned int per_cpu = 8;
	struct sim_world_params p;
	struct sim_world *w;
	char err[512];
	double t0, t, reset_total = 0;
	u64 ops = 0, virt = 0;
	size_t from;
	int reps = 0;

	sim_world_params_init(&p);
	p.nvms = nvms;
	p.vcpus = vcpus;
	p.path = strcmp(path, "virtio") ? SIM_WORLD_PATH_VTD : SIM_WORLD_PATH_VIRTIO;
	p.quota = 100000;
	w = sim_world_create(&p, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "bench_world_churn: %s\n", err);
		return 1;
	}

	t = 0;
	for (unsigned int r = 0; r < rounds; r++) {
		struct sim_op op = { .kind = SIM_OP_ALLOC };

		for (unsigned int vm = 0; vm < nvms; vm++)
			for (unsigned int c = 0; c < vcpus; c++)
				for (unsigned int i = 0; i < per_cpu; i++)
					sim_world_submit(w, vm, c, &op);
		from = sim_world_nevents(w);
		t0 = now_s();
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			die("alloc run", w);
		t += now_s() - t0;
		op.kind = SIM_OP_FREE;
		for (size_t i = from; i < sim_world_nevents(w); i++) {
			const struct sim_event *e = sim_world_event(w, i);

			op.a = e->value;
			sim_world_submit(w, e->vm, e->cpu, &op);
		}
		t0 = now_s();
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			die("free run", w);
		t += now_s() - t0;
		ops += 2ull * nvms * vcpus * per_cpu;
		if (sim_world_findings(w, -1))
			die("findings", w);
		/* Keep the event log from growing without bound. */
		if (sim_world_nevents(w) > 4000000) {
			virt += sim_world_event(w, sim_world_nevents(w) - 1)->end_ns;
			sim_world_reset(w);
			reset_total += sim_world_last_reset_ns(w);
			reps++;
		}
	}
	if (sim_world_nevents(w))
		virt += sim_world_event(w, sim_world_nevents(w) - 1)->end_ns;
	printf("world %u VMs x %u vCPUs, %s path, cost model %s\n", nvms, vcpus, path,
	       sim_world_params(w)->cost.version);
	printf("pasid_ops %llu ops\n", (unsigned long long)ops);
	printf("pasid_ops_per_wall_s %.0f ops/s\n", ops / t);
	printf("wall_per_op %.1f ns\n", t * 1e9 / ops);
	printf("virtual_time_total %llu ns\n", (unsigned long long)virt);

	/* Reset: the whole world, then one instance at a time. */
	t0 = now_s();
	for (int i = 0; i < 20; i++)
		if (sim_world_reset(w))
			die("reset", w);
	t = now_s() - t0;
	printf("world_reset_with_boot %.1f us\n", t * 1e6 / 20);
	printf("instance_reset %.2f us\n", sim_world_last_reset_ns(w) / 1000);
	{
		struct sim_kernel *k = sim_world_kernel(w, 0);
		struct sim_op op = { .kind = SIM_OP_ALLOC };
		const int n = 2000;

		/* An instance with state to drop: 64 allocations first. */
		for (int i = 0; i < 64; i++)
			sim_world_submit(w, 0, 0, &op);
		if (sim_world_run(w) != SIM_SCHED_IDLE)
			die("run", w);
		t0 = now_s();
		for (int i = 0; i < n; i++)
			sim_kernel_reset(k);
		t = now_s() - t0;
		printf("kernel_reset_empty %.2f us\n", t * 1e6 / n);
	}
	(void)reset_total;
	(void)reps;
	sim_world_destroy(w);
	return 0;
}
