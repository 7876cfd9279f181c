#!/usr/bin/env bash
# A short libFuzzer campaign on every harness (the test command's smoke
# fuzzing): builds the fuzz preset once, then scripts/fuzz.sh HARNESS SECONDS
# for each, each recorded into the results store. Fails (exit 1) when any
# campaign ends with a finding; prints one line per harness.
#   fuzz-smoke.sh [SECONDS]     (default 8 per harness)
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
secs=${1:-8}
cmake --preset fuzz >/dev/null || exit 2
nice -n 10 cmake --build --preset fuzz || exit 2
status=0
summary=()
for b in build/fuzz/fuzz/*_libfuzzer; do
	h=$(basename "${b%_libfuzzer}")
	echo "==== fuzz smoke: $h, $secs s"
	if "$src/scripts/fuzz.sh" "$h" "$secs" --no-build >"build/fuzz-smoke-$h.log" 2>&1; then
		summary+=("$(grep '^fuzz.sh: ' "build/fuzz-smoke-$h.log" | tail -1)")
	else
		tail -30 "build/fuzz-smoke-$h.log"
		summary+=("$h: FAILED (build/fuzz-smoke-$h.log)")
		status=1
	fi
done
printf '%s\n' "${summary[@]}"
exit $status
