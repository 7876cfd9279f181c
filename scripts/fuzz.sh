#!/usr/bin/env bash
# Short libFuzzer campaign on one harness, on a scratch copy of its corpus:
#   fuzz.sh HARNESS [SECONDS]          (default 30 s)
# New inputs stay in build/fuzz-work/corpus-HARNESS (not in the repository);
# a crash is written to build/fuzz-work/artifacts/ and fails the run.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
h=$1
secs=${2:-30}
cd "$src"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target "${h}_libfuzzer" pasidsim-core-pasidsim pasidsim-core-linux-6.1
work=build/fuzz-work
mkdir -p "$work/corpus-$h" "$work/artifacts"
cp -n fuzz/corpus/"$h"/* "$work/corpus-$h/" 2>/dev/null || true
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
"build/fuzz/fuzz/${h}_libfuzzer" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/$h-" "$work/corpus-$h" 2>&1 | tail -20
