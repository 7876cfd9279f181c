#!/usr/bin/env bash
# Set up the machine, build pasidsim and run its main job end to end (the
# README's first command). For now: the bare-metal demo workload through the
# iommu_pasid API on both allocator flavours; the report is written under
# build/ and its path printed.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
"$src/scripts/setup.sh"
cmake --preset default >/dev/null
cmake --build --preset default
cmake --preset linux61 >/dev/null
cmake --build --preset linux61 --target pasidsim
report=$src/build/demo-report.txt
{
	build/default/pasidsim demo --consumers=8 --ops=500000 --seed=1
	echo
	build/linux61/pasidsim demo --consumers=8 --ops=500000 --seed=1
} | tee "$report"
echo "report: $report"
