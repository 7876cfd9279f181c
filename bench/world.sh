#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/world.sh [--db=<file>] [--reps=<n>] [--build-dir=<dir>] [--no-build]
#                [vms] [vcpus] [rounds] [vtd|virtio]
#
# The world benchmark (bench_world_churn, docs/world.md "Performance"): builds
# it with gcc -O2 in its own build directory (default build/bench-o2), runs
# <reps> repetitions (default 5) of 64 VMs x 4 vCPUs churning for 30 rounds
# (a round: 8 allocations per vCPU, then their frees: 4,096 operations, each a
# full round trip to the host; 122,880 operations a repetition), and
# records one run of command "bench:world_churn" into the results store
# (--db=<file>, else $PASIDSIM_DB, else ./pasidsim.db):
#
#   wall (one sample per repetition): world.ops_per_wall_s, world.wall_ns_per_op,
#     world.reset_ms (whole world, with boot), world.instance_reset_us,
#     world.kernel_reset_empty_us;
#   virtual (exact, cost model attached): world.virtual_ns_total,
#     world.op_latency_mean_ns, world.{alloc,free}_latency_mean_ns (and
#     histograms), world.lock_acquisitions, world.lock_contentions,
#     world.lock_wait_ns, world.ops; the event log's digest.
#
# Every repetition must give the same virtual figures (the benchmark checks),
# so 'pasidsim compare' gates them exactly and the wall figures statistically.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bdir=$src/build/bench-o2
reps=5
db=
build=1
pos=
for a in "$@"; do
	case $a in
	--db=*) db=$a ;;
	--reps=*) reps=${a#--reps=} ;;
	--build-dir=*) bdir=${a#--build-dir=} ;;
	--no-build) build= ;;
	-*) echo "usage: bench/world.sh [--db=<file>] [--reps=<n>] [--build-dir=<dir>]" \
		"[--no-build] [vms] [vcpus] [rounds] [vtd|virtio]" >&2; exit 2 ;;
	*) pos="$pos $a" ;;
	esac
done
[ -n "$pos" ] || pos="64 4 30"

if [ -n "$build" ]; then
	mkdir -p "$bdir"
	cmake -S "$src" -B "$bdir" -G Ninja -DCMAKE_C_COMPILER=gcc \
		-DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
		-DPASIDSIM_BUILD_TESTS=OFF > "$bdir/configure.log" 2>&1 ||
		{ cat "$bdir/configure.log" >&2; exit 1; }
	ninja -C "$bdir" -j2 bench_world_churn >&2
fi
[ -n "$db" ] || db=--db
# shellcheck disable=SC2086 # $pos is a list of words
exec "$bdir/bench_world_churn" "$db" --reps="$reps" $pos
