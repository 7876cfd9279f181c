#!/usr/bin/env bash
# Set up the machine and run every pasidsim test (the README's test command):
#   default (gcc, -Werror)        ctest: unit, integration, regression suites
#   asan    (clang, ASan+UBSan)   ctest: the same suites
#   linux61 (Linux 6.1 ioasid.c)  ctest: the same suites on the other allocator
#   tsan    (clang, TSan)         ctest: the same suites (crit-lite runner)
#   fuzz    (clang, libFuzzer)    8 s of fuzzing per harness (scripts/fuzz-smoke.sh);
#                                 a finding fails it
#   kernel-check                  core/ in the real kernel build, checkpatch, kernel-doc
# Ends with one line "test: N passed, M failed".
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

"$src/scripts/setup.sh" || exit 2
# Runs made by the tests go to a store of their own, not ./pasidsim.db.
export PASIDSIM_DB=$src/build/test-results.db

passed=0
failed=0
skipped=0
status=0
summary=()

# ctest_preset NAME [ctest args...]
ctest_preset() {
	local preset=$1
	shift
	local log=build/$preset-ctest.log
	echo "==== $preset: configure, build, test"
	if ! cmake --preset "$preset" >build-"$preset".cfg.log 2>&1; then
		cat build-"$preset".cfg.log; rm -f build-"$preset".cfg.log
		summary+=("$preset: configure FAILED"); failed=$((failed + 1)); status=1; return
	fi
	rm -f build-"$preset".cfg.log
	if ! cmake --build --preset "$preset"; then
		summary+=("$preset: build FAILED"); failed=$((failed + 1)); status=1; return
	fi
	ctest --preset "$preset" "$@" 2>&1 | tee "$log"
	ctest_count "$preset" "$log" "${PIPESTATUS[0]}"
}

# ctest_count LABEL LOG RC: add a ctest run's counts to the summary.
ctest_count() {
	local preset=$1 log=$2 rc=$3
	local line total nfail nskip
	line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
	total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
	nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
	if [ -z "$line" ]; then
		summary+=("$preset: ctest printed no summary (rc $rc)"); failed=$((failed + 1)); status=1; return
	fi
	# ctest counts a skipped test among the passed ones: take them out
	nskip=$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)$' "$log" || true)
	passed=$((passed + total - nfail - nskip))
	failed=$((failed + nfail))
	skipped=$((skipped + nskip))
	summary+=("$preset: $((total - nfail - nskip)) passed, $nfail failed, $nskip skipped")
	[ "$rc" -eq 0 ] || status=1
}

mkdir -p build
ctest_preset default
ctest_preset asan
ctest_preset linux61
ctest_preset tsan

echo "==== smoke fuzzing: every harness, 8 s each"
if "$src/scripts/fuzz-smoke.sh" 8; then
	passed=$((passed + 1)); summary+=("fuzz smoke (every harness, 8 s): passed")
else
	failed=$((failed + 1)); status=1; summary+=("fuzz smoke (every harness, 8 s): FAILED")
fi

# The default build's tests of 'pasidsim fuzz' and 'bugbench' that run the fuzz
# preset's harnesses (a campaign, reached, core/ edges) skip until it is built.
echo "==== default: the tests that need the fuzz preset's harnesses"
ctest --test-dir build/default -R '^(fuzz_cli|bugbench_reach)/' 2>&1 | tee build/fuzz-cli-ctest.log
ctest_count "default (with the fuzz preset)" build/fuzz-cli-ctest.log "${PIPESTATUS[0]}"

echo "==== kernel-check"
if "$src/scripts/kernel-check.sh"; then
	passed=$((passed + 1)); summary+=("kernel-check: passed")
else
	failed=$((failed + 1)); status=1; summary+=("kernel-check: FAILED")
fi

echo
echo "==== summary"
printf '  %s\n' "${summary[@]}"
echo "test: $passed passed, $failed failed, $skipped skipped"
exit $status
