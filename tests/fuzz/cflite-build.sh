#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh as ClusterFuzzLite would, with CC, CXX,
# CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, OUT, SRC and WORK set, for one
# engine, then checks that every harness is in OUT with its core objects,
# seed corpus, dictionary and options, and that each fuzzer runs one input
# of its corpus with the build tree gone (the fuzzers find the core objects
# next to themselves).
#   cflite-build.sh libfuzzer|afl SOURCE_DIR
# Exit 77 (skipped) when the engine's compiler is not installed.
set -uo pipefail
engine=$1
root=$(cd "$2" && pwd)
san="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=address -fsanitize-address-use-after-scope"
case $engine in
libfuzzer)
	command -v clang >/dev/null && command -v clang++ >/dev/null || exit 77
	export CC=clang CXX=clang++ CFLAGS="$san -fsanitize=fuzzer-no-link"
	export CXXFLAGS="$CFLAGS" LIB_FUZZING_ENGINE=-fsanitize=fuzzer
	ok="Executed"
	;;
afl)
	drv=/usr/lib/afl/libAFLDriver.a
	command -v afl-clang-fast >/dev/null && [ -f "$drv" ] || exit 77
	export CC=afl-clang-fast CXX=afl-clang-fast++ CFLAGS="$san" CXXFLAGS="$san"
	export LIB_FUZZING_ENGINE=$drv AFL_QUIET=1
	ok="Execution successful"
	;;
*) echo "usage: cflite-build.sh libfuzzer|afl SOURCE_DIR" >&2; exit 2 ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/out" "$tmp/work"
ln -s "$root" "$tmp/src/pasidsim"
export OUT=$tmp/out WORK=$tmp/work SRC=$tmp/src
# From elsewhere than the checkout: build.sh must find it through $SRC.
if ! (cd "$tmp" && nice -n 10 bash "$root/.clusterfuzzlite/build.sh") >"$tmp/build.log" 2>&1; then
	tail -30 "$tmp/build.log"
	echo "cflite-build: build.sh failed" >&2
	exit 1
fi
rm -rf "$WORK"
fail=0
expect=(api import_ftrace trace_parse)
[ -f "$OUT/libpasidsim-core-linux-6.1.so" ] && expect+=(diff_ioasid)
[ -f "$OUT/libpasidsim-core-pasidsim.so" ] || { echo "no core object in OUT"; fail=1; }
for h in "${expect[@]}"; do
	for f in "$h" "${h}_seed_corpus.zip" "$h.dict" "$h.options"; do
		[ -e "$OUT/$f" ] || { echo "cflite-build: $OUT/$f missing"; fail=1; }
	done
	input=$(ls "$root/fuzz/corpus/$h" | head -1)
	[ -n "$input" ] || continue
	if [ "$engine" = libfuzzer ]; then
		ASAN_OPTIONS=detect_leaks=1 "$OUT/$h" -runs=1 "$root/fuzz/corpus/$h/$input" >"$tmp/run.log" 2>&1
	else
		ASAN_OPTIONS=detect_leaks=1 "$OUT/$h" "$root/fuzz/corpus/$h/$input" >"$tmp/run.log" 2>&1
	fi
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q "$ok" "$tmp/run.log"; then
		tail -5 "$tmp/run.log"
		echo "cflite-build: $h ($engine) did not run one input (exit $rc)"
		fail=1
	else
		echo "cflite-build: $h ($engine): ran $input"
	fi
done
exit $fail
