#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pasidsim model (tools/builtin-model.c): a small contention sweep.
#   model.sh PASIDSIM WORKDIR
# - the same arguments print byte-identical output (table and JSON);
# - a single vCPU in a single VM contends on no lock at all (the host's
#   allocator lock included), 4 VMs x 2 vCPUs contend on the host's
#   allocator lock (across VMs) and on the guests' consumer locks;
# - usage errors exit 2;
# - two recorded runs with the same arguments pass "pasidsim compare" (exit 0),
#   a slower cost model fails it (exit 1).
set -u
pasidsim=$1
dir=$2
fail=0

die() { echo "FAIL: $*"; fail=1; }

rm -rf "$dir" && mkdir -p "$dir" || exit 1
grid="--vms=1,4 --vcpus=1,2 --ops=50"

# Determinism.
"$pasidsim" model $grid --no-db --json >"$dir/a.json" 2>"$dir/a.err" || die "json run 1: $?"
"$pasidsim" model $grid --no-db --json >"$dir/b.json" 2>"$dir/b.err" || die "json run 2: $?"
cmp -s "$dir/a.json" "$dir/b.json" || die "JSON output differs between two runs"
"$pasidsim" model $grid --no-db >"$dir/a.txt" 2>/dev/null || die "table run 1: $?"
"$pasidsim" model $grid --no-db >"$dir/b.txt" 2>/dev/null || die "table run 2: $?"
cmp -s "$dir/a.txt" "$dir/b.txt" || die "table output differs between two runs"
[ "$(sed -n '/^latency/,/^$/p' "$dir/a.txt" | grep -c '^ *[0-9]')" = 4 ] ||
	die "latency table: expected 4 rows"
grep -q 'wall' "$dir/a.json" && die "wall time in the JSON output"

# One line per point: '{"vms":V,"vcpus":C,...'. field POINT LOCK FIELD
field() {
	grep "^,\{0,1\}{\"vms\":$1,\"vcpus\":$2," "$dir/a.json" |
		sed -n "s/.*\"$3\":{[^}]*\"$4\":\([0-9.]*\).*/\1/p"
}
[ "$(grep -c '^,\{0,1\}{"vms"' "$dir/a.json")" = 4 ] || die "JSON: expected 4 points"
a11=$(field 1 1 host_allocator contentions)
all11=$(field 1 1 all contentions)
acq11=$(field 1 1 host_allocator acquisitions)
a42=$(field 4 2 host_allocator contentions)
g42=$(field 4 2 guests contentions)
all42=$(field 4 2 all contentions)
acq42=$(field 4 2 host_allocator acquisitions)
echo "1x1: allocator lock $acq11 acq / $a11 cont, all $all11 cont;" \
     "4x2: allocator lock $acq42 acq / $a42 cont, guests $g42, all $all42 cont"
[ "$acq11" = 100 ] || die "1x1: expected 100 allocator-lock acquisitions (50 pairs), got '$acq11'"
[ "$acq42" = 800 ] || die "4x2: expected 800 allocator-lock acquisitions, got '$acq42'"
[ "$a11" = 0 ] || die "1x1: host allocator lock contended ($a11)"
[ "$all11" = 0 ] || die "1x1: some lock contended ($all11)"
[ "${a42:-0}" -gt 0 ] || die "4x2: host allocator lock never contended"
[ "${g42:-0}" -gt 0 ] || die "4x2: guest locks never contended"
[ "${all42:-0}" -gt "${all11:-0}" ] || die "contention does not grow from 1x1 to 4x2"
grep -q '"vms":4,"vcpus":2,"host_cpus":0,"ops":800,' "$dir/a.json" || die "4x2: expected 800 ops"
for f in p90_ns p999_ns split_ns_per_op jain serialising lock_stat waittime_total; do
	grep -q "\"$f\"" "$dir/a.json" || die "JSON: no $f"
done

# The issue's reproducer: every allocator-lock hold >= 1 us; the lock is never busier
# than the run is long (acquisitions x 1 us <= virtual time), utilisation <= 1.
"$pasidsim" model --cost=cs_hold_ns=1000 --vms=16 --vcpus=1 --no-db --json >"$dir/r.json" \
	2>/dev/null || die "reproducer run: $?"
acq=$(sed -n 's/.*"host_allocator":{"acquisitions":\([0-9]*\).*/\1/p' "$dir/r.json")
vns=$(sed -n 's/^{"vms":16,"vcpus":1,"host_cpus":0,"ops":[0-9]*,"virtual_ns":\([0-9]*\).*/\1/p' \
	"$dir/r.json")
util=$(sed -n 's/.*"serialising":{"resource":"[^"]*","utilisation":\([0-9.]*\).*/\1/p' \
	"$dir/r.json")
echo "reproducer 16x1, cs_hold_ns=1000: $acq allocator-lock acquisitions in $vns ns," \
     "busiest utilisation $util"
[ -n "$acq" ] && [ -n "$vns" ] && [ $((acq * 1000)) -le "$vns" ] ||
	die "reproducer: $acq acquisitions of >= 1 us in $vns ns"
awk "BEGIN { exit !($util <= 1.0) }" || die "reproducer: utilisation $util > 1"

# Host CPUs: 2 VMs x 2 vCPUs on 1 host CPU wait in the run queue, not on 0 (one each).
"$pasidsim" model --vms=2 --vcpus=2 --host-cpus=0,1 --ops=10 --no-db --json >"$dir/h.json" \
	2>/dev/null || die "host-cpus run: $?"
rq0=$(grep '"host_cpus":0,' "$dir/h.json" | sed -n 's/.*"rq_wait":\([0-9.]*\).*/\1/p')
rq1=$(grep '"host_cpus":1,' "$dir/h.json" | sed -n 's/.*"rq_wait":\([0-9.]*\).*/\1/p')
[ "$rq0" = "0.000" ] || die "host-cpus 0: run-queue wait $rq0"
awk "BEGIN { exit !(${rq1:-0} > 0) }" || die "host-cpus 1: no run-queue wait"

# What-if: a 10x hold of the allocator lock lowers throughput at 4x2; exact, so twice the same.
"$pasidsim" model $grid --no-db --what-if=cs_hold_ns*10 >"$dir/w.txt" 2>/dev/null ||
	die "what-if run: $?"
grep -q '^what-if cs_hold_ns\*10' "$dir/w.txt" || die "what-if: no table"
sed -n '/^what-if/,/^$/p' "$dir/w.txt" | grep '^ *4 *2 ' | grep -q ' -[0-9.]*% ' ||
	die "what-if: throughput does not drop at 4x2"

# A cost field as a fourth axis: throughput falls as the hold cost grows.
"$pasidsim" model --vms=4 --vcpus=2 --ops=20 --no-db --json --sweep=cs_hold_ns=20,2000 \
	>"$dir/s.json" 2>/dev/null || die "sweep run: $?"
x20=$(grep '"cs_hold_ns":20,' "$dir/s.json" | sed -n 's/.*"ops_per_virtual_s":\([0-9.]*\).*/\1/p')
x2k=$(grep '"cs_hold_ns":2000,' "$dir/s.json" | sed -n 's/.*"ops_per_virtual_s":\([0-9.]*\).*/\1/p')
awk "BEGIN { exit !(${x20:-0} > ${x2k:-0} && ${x2k:-0} > 0) }" ||
	die "sweep: throughput $x20 at cs_hold_ns=20, $x2k at 2000"

# Workloads: a gen workload per point (deterministic), a trace file (one point).
"$pasidsim" model --workload=mixed --vms=2 --vcpus=2 --ops=20 --no-db --json >"$dir/g1.json" \
	2>/dev/null || die "gen workload run 1: $?"
"$pasidsim" model --workload=mixed --vms=2 --vcpus=2 --ops=20 --no-db --json >"$dir/g2.json" \
	2>/dev/null || die "gen workload run 2: $?"
cmp -s "$dir/g1.json" "$dir/g2.json" || die "gen workload output differs between two runs"
grep -q '"workload":"mixed"' "$dir/g1.json" || die "gen workload: not named"
trace=$(dirname "$0")/../../traces/samples/vms4-mixed.trace
"$pasidsim" model --workload="$trace" --no-db >"$dir/t.txt" 2>/dev/null || die "trace workload: $?"
sed -n '/^latency/,/^$/p' "$dir/t.txt" | grep -q '^ *4 *2 *0 *400 ' ||
	die "trace workload: expected one 4x2 point of 400 ops"

# Calibration (threads mode, wall clock: only the shape of the output is checked).
"$pasidsim" model --calibrate="$dir/cal.txt" --ops=1 --db="$dir/cal.db" >"$dir/cal.out" \
	2>"$dir/cal.err" || die "calibrate: $?"
grep -Eq '^cs_hold_ns=[0-9]+,op_ns=[0-9]+,lock_handoff_ns=[0-9]+,bounce_ns=[0-9]+$' \
	"$dir/cal.txt" || die "calibrate: bad cost file: $(cat "$dir/cal.txt")"
grep -q 'the model takes 5.00' "$dir/cal.out" ||
	die "calibrate: the model does not take the 5 locks per operation the threads mode takes"
grep -q WARNING "$dir/cal.out" && die "calibrate: $(grep WARNING "$dir/cal.out")"
"$pasidsim" db show --db="$dir/cal.db" 1 >"$dir/cal-show.txt" 2>&1 || die "calibrate: db show"
for metric in calibrate.threads1.wall_ops_per_s calibrate.threads2.model_ops_per_virtual_s \
	      calibrate.threads2.error_wall_pct calibrate.bounce_ns; do
	grep -q "$metric" "$dir/cal-show.txt" || die "calibrate: $metric not recorded"
done
grep -q 'wall_ops/s' "$dir/cal.out" || die "calibrate: no comparison table"
[ "$(grep -Ec '^ +[12] +[0-9]+ +[0-9]+ ' "$dir/cal.out")" = 2 ] ||
	die "calibrate: expected rows for 1 and 2 threads"
"$pasidsim" model --vms=1 --vcpus=1 --ops=2 --no-db --cost="$(cat "$dir/cal.txt")" \
	>/dev/null 2>&1 || die "calibrated costs are not a valid --cost"

# Usage errors.
for bad in --vms=1,,2 --vms=abc --vms=257 --vcpus=0 --ops=0 --ops=x --path=pci \
	   --flavour=linux-5.0 --host-cpus=x --host-cpus=1,,2 --cost=nope=1 --cost=poll_ns=-1 \
	   --seed=x --what-if=cs_hold_ns --what-if=cs_hold_ns*x --what-if=*2 --workload=nope \
	   "--workload=mixed --host-cpus=2" "--workload=mixed --what-if=xa_lock*2" \
	   --sweep=nope=1 --sweep=cs_hold_ns= --sweep=cs_hold_ns=1,,2 --sweep=cs_hold_ns \
	   --bogus extra-arg; do
	"$pasidsim" model --no-db $bad >/dev/null 2>&1
	rc=$?
	[ $rc = 2 ] || die "'model $bad' exited $rc, expected 2"
done
"$pasidsim" model --help | grep -q '^usage: pasidsim model' || die "--help"

# The results store and compare.
db="$dir/model.db"
"$pasidsim" model $grid --db="$db" >/dev/null 2>"$dir/r1.err" || die "recorded run 1: $?"
"$pasidsim" model $grid --db "$db" >/dev/null 2>"$dir/r2.err" || die "recorded run 2: $?"
"$pasidsim" db show --db="$db" 2 >"$dir/show.txt" 2>&1 || die "db show: $?"
grep -q 'model.vms4.vcpus2.alloc_p99_ns' "$dir/show.txt" || die "no per-point metric recorded"
grep -q 'model.wall_s' "$dir/show.txt" || die "no wall sample recorded"
"$pasidsim" compare --db="$db" 1 2 >"$dir/cmp.txt" 2>&1
rc=$?
[ $rc = 0 ] || { cat "$dir/cmp.txt"; die "compare of two identical sweeps exited $rc"; }
"$pasidsim" model $grid --cost=vmm_handle_ns=6000 --db="$db" >/dev/null 2>&1 ||
	die "recorded run 3"
"$pasidsim" compare --db="$db" --any-scenario 1 3 >"$dir/cmp3.txt" 2>&1
rc=$?
[ $rc = 1 ] || { cat "$dir/cmp3.txt"; die "compare with a slower cost model exited $rc, not 1"; }

[ $fail = 0 ] && echo "model: all checks passed"
exit $fail
