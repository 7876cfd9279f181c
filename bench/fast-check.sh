#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/fast-check.sh [<checked pasidsim>] [<fast pasidsim>] [--skip-if-missing]
#
# The fast build (preset fast: the simulated kernel's checks compiled out,
# docs/benchmarks.md) computes what the checked build computes: every sample
# and regression trace is replayed in check mode by both builds, recording
# the run into a scratch store and writing the replayed run as a trace
# (--record), and so are two larger generated workloads (bare metal with
# walks, 8 VMs). The outcome digests of the two stores and the replayed traces
# (every event with its result: the event log) must be identical.
# Exit 0 identical, 1 a difference, 2 usage (77 with --skip-if-missing when
# the fast build is not there: ctest's bench/fast-check skips then).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
checked=${1:-$src/build/default/pasidsim}
fast=${2:-$src/build/fast/pasidsim}
for p in "$checked" "$fast"; do
	if [ ! -x "$p" ]; then
		echo "bench/fast-check.sh: $p: not built (cmake --build --preset fast)" >&2
		[ "${3:-}" = --skip-if-missing ] && exit 77
		exit 2
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
bad=0
# and two generated workloads, larger: bare metal with walks, 8 VMs x 2 vCPUs
"$checked" gen --bare-metal --ops=20000 --seed=7 -o "$tmp/gen-bare.trace" churn
"$checked" gen --vms=8 --vcpus=2 --ops=20000 --seed=7 -o "$tmp/gen-vms8.trace" mixed
for t in "$src"/traces/samples/*.trace "$src"/traces/regress/*.trace "$tmp"/gen-*.trace; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .trace)
	for b in checked fast; do
		eval "p=\$$b"
		mkdir -p "$tmp/$b"
		"$p" replay --check --db="$tmp/$b.db" --record="$tmp/$b/$name.trace" "$t" \
			> "$tmp/$b/$name.out" 2>&1 || echo "exit $?" >> "$tmp/$b/$name.out"
	done
	if ! cmp -s "$tmp/checked/$name.trace" "$tmp/fast/$name.trace"; then
		echo "bench/fast-check.sh: $name: the replayed event logs differ" >&2
		bad=1
	fi
	n=$((n + 1))
done
# The outcome digest of every run, in order (ids are the same in both stores).
for b in checked fast; do
	eval "p=\$$b"
	"$p" db export --json --db="$tmp/$b.db" |
		grep -o '"trace_hash":"[^"]*"\|"digest":"[^"]*"\|"status":"[^"]*"\|"ops":[0-9]*' \
		> "$tmp/$b.digests"
done
if ! cmp -s "$tmp/checked.digests" "$tmp/fast.digests"; then
	echo "bench/fast-check.sh: the recorded digests differ:" >&2
	diff "$tmp/checked.digests" "$tmp/fast.digests" >&2 || true
	bad=1
fi
d=$(grep -c '"digest"' "$tmp/checked.digests" || true)
echo "bench/fast-check.sh: $n traces, $d recorded digests: $([ $bad = 0 ] && echo identical || echo DIFFERENT) in the checked and the fast build"
exit $bad
