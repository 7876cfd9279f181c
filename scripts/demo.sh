#!/usr/bin/env bash
# pasidsim's main job, end to end (the README's first command):
#  1. set up the machine and build (preset default);
#  2. generate a multi-VM workload (64 VMs x 4 vCPUs over VT-d VCMD, mixed
#     alloc/free/find/for_each) and replay it in a deterministic world,
#     recording the results it got (--record);
#  3. replay that recording in check mode: every result must come out again;
#  4. a bare-metal workload through the iommu_pasid API;
#  5. write the static HTML dashboard.
# Every run goes into the default results store ($PASIDSIM_DB, else
# ./pasidsim.db); the paths of the store and the report are printed last.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/scripts/setup.sh"
cmake --preset default >/dev/null
cmake --build --preset default

bin=$src/build/default/pasidsim
db=${PASIDSIM_DB:-$src/pasidsim.db}
out=$src/build/demo
mkdir -p "$out"

echo "==== 1. multi-VM workload: 64 VMs x 4 vCPUs, VT-d VCMD, seed 1"
"$bin" gen mixed --vms=64 --vcpus=4 --ops=50000 --seed=1 -o "$out/vms64-mixed.trace"
"$bin" replay --db="$db" --record="$out/vms64-mixed.recorded.trace" "$out/vms64-mixed.trace"

echo "==== 2. replay of the recording, in check mode"
"$bin" replay --db="$db" --check "$out/vms64-mixed.recorded.trace"

echo "==== 3. bare metal: 8 consumers, 200000 operations"
"$bin" demo --db="$db" --consumers=8 --ops=200000 --seed=1

echo "==== 4. dashboard"
"$bin" report --db="$db" --out="$out/report"
echo
echo "results: $db"
echo "report:  $out/report/index.html"
