#!/usr/bin/env bash
# Short libFuzzer campaign on one harness, on a scratch copy of its corpus,
# recorded into the results store:
#   fuzz.sh HARNESS [SECONDS]          (default 30 s)
# New inputs stay in build/fuzz-work/corpus-HARNESS (not in the repository);
# a crash is written to build/fuzz-work/artifacts/ and fails the run. The
# campaign (coverage over time, exec rate, any crash with its reproducer) is
# recorded as a "fuzz" run into $PASIDSIM_DB, else ./pasidsim.db; set
# PASIDSIM_NO_DB=1 to skip that.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
h=$1
secs=${2:-30}
cd "$src"
cmake --preset fuzz >/dev/null || exit 2
cmake --build --preset fuzz --target "${h}_libfuzzer" pasidsim pasidsim-core-pasidsim \
	pasidsim-core-linux-6.1 || exit 2
work=build/fuzz-work
mkdir -p "$work/corpus-$h" "$work/artifacts"
cp -n fuzz/corpus/"$h"/* "$work/corpus-$h/" 2>/dev/null || true
log=$work/$h.log
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
start=$EPOCHREALTIME
# Time-stamp every line libFuzzer prints, for the coverage curve.
"build/fuzz/fuzz/${h}_libfuzzer" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/$h-" "$work/corpus-$h" 2>&1 |
	while IFS= read -r line || [ -n "$line" ]; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$log"
rc=${PIPESTATUS[0]}
cut -d' ' -f2- "$log" | tail -12

# "#N <kind> cov: C ft: F corp: K/..." -> "<seconds> <execs> <cov> <corpus>"
cov=$work/$h.coverage
awk -v t0="$start" '$2 ~ /^#[0-9]+$/ && /cov: / && /corp: / {
	execs = substr($2, 2); c = ""; k = ""
	for (i = 3; i < NF; i++) {
		if ($i == "cov:") c = $(i + 1)
		if ($i == "corp:") { k = $(i + 1); sub(/\/.*/, "", k) }
	}
	if (c != "" && k != "") printf "%.3f %s %s %s\n", $1 - t0, execs, c, k
}' "$log" >"$cov"
execs=$(sed -n 's/.*stat::number_of_executed_units: *//p' "$log" | tail -1)
rate=$(sed -n 's/.*stat::average_exec_per_sec: *//p' "$log" | tail -1)
last=$(tail -1 "$cov")

if [ -z "${PASIDSIM_NO_DB:-}" ] && [ -x build/fuzz/pasidsim ]; then
	args=(db record --command=fuzz --config="{\"harness\":\"$h\",\"seconds\":$secs}"
	      --coverage-file="$cov")
	[ -n "$rate" ] && args+=(--sample="fuzz.exec_per_s:1/s:$rate:higher")
	[ -n "$execs" ] && args+=(--sample="fuzz.execs:1:$execs:higher")
	[ -n "$last" ] && args+=(--sample="fuzz.coverage:edges:$(cut -d' ' -f3 <<<"$last"):higher")
	if [ "$rc" -ne 0 ]; then
		art=$(ls -t "$work"/artifacts/"$h"-* 2>/dev/null | head -1)
		args+=(--finding="crash:libFuzzer exit $rc in $h")
		[ -n "$art" ] && args+=(--reproducer="$art")
	fi
	build/fuzz/pasidsim "${args[@]}" || echo "fuzz.sh: could not record the run" >&2
fi
exit "$rc"
