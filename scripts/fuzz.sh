#!/usr/bin/env bash
# A short fuzzing campaign on one harness, on a scratch copy of its corpus,
# recorded into the results store:
#   fuzz.sh HARNESS [SECONDS] [--engine=libfuzzer|afl] [--no-build]
# (default 30 s, libFuzzer: the fuzz preset; afl: the afl preset, AFL++ in
# persistent mode). New inputs stay in build/fuzz-work/ (not in the
# repository); a crash is written to build/fuzz-work/artifacts/ (libFuzzer)
# or build/fuzz-work/afl-HARNESS/default/crashes/ (AFL++) and fails the run
# (exit 1). At the end the campaign's corpus is replayed by the fuzz
# preset's instrumented replayer to count the core/ edges it reaches
# (scripts/fuzz-coverage.sh).
#
# Sanitizer settings, chosen for speed with the same findings
# (docs/fuzzing.md): LeakSanitizer off (-detect_leaks=0: the kernel
# harnesses check leaks per input from the instances' slab accounting;
# ctest replays every corpus with LeakSanitizer on), ASan quarantine
# $PASIDSIM_FUZZ_QUARANTINE_MB (default 16 MB; ASan's default 256 MB only
# adds RSS), no malloc fill (the slab poisons its objects itself).
#
# The campaign (coverage over time, exec rate, peak RSS, core/ edges, any
# crash with its reproducer) is recorded as a "fuzz" run into $PASIDSIM_DB,
# else ./pasidsim.db; PASIDSIM_NO_DB=1 skips that.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
engine=libfuzzer
build=1
pos=()
for a in "$@"; do
	case $a in
	--engine=*) engine=${a#--engine=} ;;
	--no-build) build= ;;
	-*) echo "fuzz.sh: unknown option $a" >&2; exit 2 ;;
	*) pos+=("$a") ;;
	esac
done
[ ${#pos[@]} -ge 1 ] || { echo "usage: fuzz.sh HARNESS [SECONDS] [--engine=libfuzzer|afl]" >&2; exit 2; }
h=${pos[0]}
secs=${pos[1]:-30}
case $engine in libfuzzer) preset=fuzz; bin=build/fuzz/fuzz/${h}_libfuzzer ;;
	afl) preset=afl; bin=build/afl/fuzz/${h}_afl ;;
	*) echo "fuzz.sh: engine must be libfuzzer or afl" >&2; exit 2 ;;
esac
cd "$src"
if [ -n "$build" ]; then
	for p in fuzz $preset; do
		cmake --preset "$p" >/dev/null || exit 2
		nice -n 10 cmake --build --preset "$p" || exit 2
	done
fi
[ -x "$bin" ] || { echo "fuzz.sh: $bin: no such harness" >&2; exit 2; }
work=build/fuzz-work
mkdir -p "$work/corpus-$h" "$work/artifacts"
cp -n fuzz/corpus/"$h"/* "$work/corpus-$h/" 2>/dev/null || true
# fuzz/options/HARNESS.options ([libfuzzer] key = value, ClusterFuzzLite's
# format; a dict is named relative to fuzz/dict/) become libFuzzer flags.
lfopts=()
if [ -f "fuzz/options/$h.options" ]; then
	while IFS= read -r kv; do
		k=${kv%%=*}; v=${kv#*=}
		[ "$k" = dict ] && v=fuzz/dict/$v
		lfopts+=("-$k=$v")
	done < <(awk '/^\[/ { sec = $0; next } sec == "[libfuzzer]" && /=/ {
		gsub(/[ \t]/, ""); print }' "fuzz/options/$h.options")
fi
log=$work/$h.log
cov=$work/$h.coverage
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:quarantine_size_mb=${PASIDSIM_FUZZ_QUARANTINE_MB:-16}:max_malloc_fill_size=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
start=$EPOCHREALTIME
found=
cpu_rate=
if [ "$engine" = libfuzzer ]; then
	# Time-stamp every line libFuzzer prints, for the coverage curve.
	# CPU time of the fuzzer too: on a shared machine exec/s per CPU second
	# says more about the harness than exec/s per wall second.
	/usr/bin/time -o "$work/$h.time" -f "%U %S" \
	"$bin" -max_total_time="$secs" -print_final_stats=1 -detect_leaks=0 "${lfopts[@]}" \
		-artifact_prefix="$work/artifacts/$h-" "$work/corpus-$h" 2>&1 |
		while IFS= read -r line || [ -n "$line" ]; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >"$log"
	rc=${PIPESTATUS[0]}
	cut -d' ' -f2- "$log" | grep -v '^"\|^#.*\(NEW\|REDUCE\|pulse\)' | tail -8
	# "#N <kind> cov: C ft: F corp: K/..." -> "<seconds> <execs> <cov> <corpus>"
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
	rss=$(sed -n 's/.*stat::peak_rss_mb: *//p' "$log" | tail -1)
	cpu=$(awk '{ print $1 + $2 }' "$work/$h.time" 2>/dev/null | tail -1)
	[ -n "$execs" ] && [ -n "$cpu" ] && cpu_rate=$(awk -v e="$execs" -v c="$cpu" \
		'BEGIN { if (c > 0) printf "%.0f", e / c }')
	corpus=$work/corpus-$h
	[ "$rc" -ne 0 ] && found=$(ls -t "$work"/artifacts/"$h"-* 2>/dev/null | head -1)
else
	out=$work/afl-$h
	rm -rf "$out"
	afldict=()
	[ -f "fuzz/dict/$h.dict" ] && afldict=(-x "fuzz/dict/$h.dict")
	AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
		AFL_SKIP_CRASHES=1 ASAN_OPTIONS=$ASAN_OPTIONS:symbolize=0 \
		afl-fuzz -V "$secs" "${afldict[@]}" -i "$work/corpus-$h" -o "$out" -- "$bin" >"$log" 2>&1
	rc=$?
	tail -3 "$log"
	st=$out/default/fuzzer_stats
	afl_stat() { sed -n "s/^$1 *: *//p" "$st" 2>/dev/null; }
	execs=$(afl_stat execs_done)
	rate=$(afl_stat execs_per_sec)
	rss=$(afl_stat peak_rss_mb); [ "$rss" = 0 ] && rss=
	crashes=$(afl_stat saved_crashes)
	# plot_data: relative_time, ..., corpus_count (4th), ..., total_execs, edges_found
	awk -F', *' '!/^#/ { printf "%s %s %s %s\n", $1, $12, $13, $4 }' \
		"$out/default/plot_data" >"$cov" 2>/dev/null
	corpus=$out/default/queue
	[ "${crashes:-0}" -gt 0 ] && { rc=1; found=$(ls "$out"/default/crashes/id* | head -1); }
	[ -z "$execs" ] && rc=2
fi
edges=$(scripts/fuzz-coverage.sh "$h" "$corpus" 2>/dev/null | tail -1 | sed -n 's/^core: \([0-9]*\)\/.*/\1/p')
echo "fuzz.sh: $h ($engine, ${secs}s): ${execs:-?} execs, ${rate:-?} exec/s${cpu_rate:+ ($cpu_rate per CPU second)}, peak RSS ${rss:-?} MB," \
	"core/ edges ${edges:-?}${found:+, FINDING $found}"
last=$(tail -1 "$cov" 2>/dev/null)

if [ -z "${PASIDSIM_NO_DB:-}" ] && [ -x build/fuzz/pasidsim ]; then
	args=(db record --command=fuzz
	      --config="{\"harness\":\"$h\",\"engine\":\"$engine\",\"seconds\":$secs}"
	      --coverage-file="$cov")
	[ -n "$rate" ] && args+=(--sample="fuzz.exec_per_s:1/s:$rate:higher")
	[ -n "$execs" ] && args+=(--sample="fuzz.execs:1:$execs:higher")
	[ -n "$cpu_rate" ] && args+=(--sample="fuzz.exec_per_cpu_s:1/s:$cpu_rate:higher")
	[ -n "$rss" ] && [ "$rss" != 0 ] && args+=(--sample="fuzz.peak_rss:MB:$rss:lower")
	[ -n "$edges" ] && args+=(--sample="fuzz.core_edges:edges:$edges:higher")
	[ -n "$last" ] && args+=(--sample="fuzz.coverage:edges:$(cut -d' ' -f3 <<<"$last"):higher")
	if [ "$rc" -ne 0 ]; then
		args+=(--finding="crash:$engine exit $rc in $h")
		[ -n "$found" ] && args+=(--reproducer="$found")
	fi
	build/fuzz/pasidsim "${args[@]}" || echo "fuzz.sh: could not record the run" >&2
fi
# A finding is exit 1 (libFuzzer's own code for one is 77, "skipped" to ctest).
[ "$rc" -eq 0 ] || exit 1
exit 0
