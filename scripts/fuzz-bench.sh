#!/usr/bin/env bash
# Throughput of the libFuzzer harnesses, recorded into the results store:
#   fuzz-bench.sh [RUNS] [HARNESS...]     (default 20000 runs, every harness)
# Each harness runs RUNS executions with a fixed seed (-seed=1) from a
# scratch copy of its checked-in corpus, with the sanitizer settings of
# scripts/fuzz.sh, in the fuzz preset (ASan + UBSan, core/ and sim/
# instrumented). Prints and records, per harness: executions per wall
# second, executions per CPU second (user + system: what the harness costs
# on a machine shared with other work), peak RSS. Recorded as a "bench" run
# per harness into $PASIDSIM_DB, else ./pasidsim.db (PASIDSIM_NO_DB=1: not).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
runs=${1:-20000}
shift || true
hs=("$@")
if [ ${#hs[@]} -eq 0 ]; then
	for b in build/fuzz/fuzz/*_libfuzzer; do hs+=("$(basename "${b%_libfuzzer}")"); done
fi
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:quarantine_size_mb=${PASIDSIM_FUZZ_QUARANTINE_MB:-16}:max_malloc_fill_size=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for h in "${hs[@]}"; do
	bin=build/fuzz/fuzz/${h}_libfuzzer
	[ -x "$bin" ] || { echo "fuzz-bench: $bin: not built (cmake --build --preset fuzz)" >&2; exit 2; }
	rm -rf "$tmp/c" && mkdir "$tmp/c" && cp fuzz/corpus/"$h"/* "$tmp/c/" 2>/dev/null
	max=()
	ml=$(awk -F' *= *' '$1 == "max_len" { print $2 }' "fuzz/options/$h.options" 2>/dev/null)
	[ -n "$ml" ] && max=(-max_len="$ml")
	if ! /usr/bin/time -o "$tmp/time" -f "%e %U %S %M" "$bin" -runs="$runs" -seed=1 \
		-detect_leaks=0 "${max[@]}" -artifact_prefix="$tmp/" "$tmp/c" >"$tmp/log" 2>&1; then
		tail -5 "$tmp/log"; echo "fuzz-bench: $h failed" >&2; status=1; continue
	fi
	read -r wall user sys rss_kb <"$tmp/time"
	line=$(awk -v n="$runs" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss_kb" 'BEGIN {
		printf "%.0f %.0f %.0f", n / w, n / (u + s), r / 1024 }')
	read -r per_wall per_cpu rss <<<"$line"
	echo "fuzz-bench: $h: $runs runs, $per_wall exec/s wall, $per_cpu exec/s per CPU second, peak RSS $rss MB"
	if [ -z "${PASIDSIM_NO_DB:-}" ] && [ -x build/fuzz/pasidsim ]; then
		build/fuzz/pasidsim db record --command=bench \
			--config="{\"bench\":\"fuzz\",\"harness\":\"$h\",\"runs\":$runs}" \
			--sample="fuzz.exec_per_s:1/s:$per_wall:higher" \
			--sample="fuzz.exec_per_cpu_s:1/s:$per_cpu:higher" \
			--sample="fuzz.peak_rss:MB:$rss:lower" >/dev/null ||
			echo "fuzz-bench: could not record $h" >&2
	fi
done
exit $status
