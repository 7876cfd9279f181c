#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# chromium.sh <pasidsim> <results_mkdb> <workdir>
#
# Builds a small results history, writes the dashboard with 'pasidsim
# report', loads it from file:// in headless Chromium and checks from the
# rendered DOM that the charts were drawn, that the regression is marked
# with its first bad commit, that the reproducer is linked, and that the
# page recorded no script or console error. Exit 77 (ctest SKIP) without
# chromium; scripts/setup.sh installs it.
set -u
pasidsim=$1 mkdb=$2 work=$3

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
	echo "SKIP: chromium is not installed (scripts/setup.sh installs it)"
	exit 77
fi

fail=0
check() { # <description> <command...>
	desc=$1; shift
	if "$@"; then echo "ok   $desc"; else echo "FAIL $desc"; fail=1; fi
}

rm -rf "$work" && mkdir -p "$work" || exit 2
printf 'pasidsim-trace 1\n# reproducer\n' > "$work/repro.trace"
"$mkdb" "$work/r.db" "$work/repro.trace" || exit 2

# A model sweep (two vCPU counts over three VM counts, what-if on) for the sweep plots.
"$pasidsim" model --vms=1,2,4 --vcpus=1,2 --ops=50 --what-if=cs_hold_ns*2 --db="$work/r.db" \
	>"$work/model.out" 2>&1
check "model sweep recorded" test $? -eq 0
index=$("$pasidsim" report --db "$work/r.db" --out "$work/report" 2>"$work/report.err")
check "report exits 0 and prints index.html" test $? -eq 0 -a "${index##*/}" = index.html
check "index.html exists" test -f "$index"
check "report names the open regression" grep -q "open regression" "$work/report.err"
check "report names the missing reproducer" \
	grep -q "reproducer 'no/such/reproducer.trace' not found" "$work/report.err"

"$pasidsim" compare --db "$work/r.db" c3000000 c4000000 >"$work/cmp.txt"
check "compare c3 c4 exits 1 (vt.ns_total regressed)" test $? -eq 1
"$pasidsim" compare --db "$work/r.db" c1000000 c2000000 >"$work/cmp.txt"
check "compare c1 c2 exits 0" test $? -eq 0
"$pasidsim" compare --db "$work/r.db" nosuchrun c2 >"$work/cmp.txt" 2>&1
check "compare of an unknown run exits 2" test $? -eq 2

profile=$(mktemp -d)
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
	--disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
	--enable-logging=stderr --v=0 --dump-dom "file://$index" \
	>"$work/dom.html" 2>"$work/chromium.err"
rc=$?
rm -rf "$profile"
check "chromium exits 0" test $rc -eq 0
check "page finished rendering" grep -q 'data-status="rendered"' "$work/dom.html"
check "no errors recorded by the page" grep -q '<pre id="errors"></pre>' "$work/dom.html"
check "no console errors from chromium" \
	sh -c "! grep -E 'CONSOLE.*(Uncaught|rror)' '$work/chromium.err'"
# The summary leads: one row per scenario, regressions first (in red), the
# planted regression (vt.ns_total, bad from c4 among c1..c6) named with its
# first bad commit; the clean scenario is not flagged although it sorts first.
check "summary table drawn" grep -q '<table id="summary-table">' "$work/dom.html"
nrows=$(grep -o '<tr class="verdict-' "$work/dom.html" | wc -l)
check "one summary row per scenario ($nrows)" test "$nrows" -eq 4
first=$(grep -o '<tr class="verdict-[a-z-]*" data-scenario="[^"]*"' "$work/dom.html" | head -1)
check "the planted regression's scenario leads the summary ($first)" \
	test "$first" = '<tr class="verdict-regression" data-scenario="demo (pasidsim, seed 1)"'
demo_row=$(grep -o '<tr class="verdict-regression" data-scenario="demo[^"]*">.*' "$work/dom.html" | \
	sed 's|</tr>.*||')
check "summary flags demo with its first bad commit c4 (last good c3)" sh -c "echo '$demo_row' | \
	grep -q 'vt.ns_total: first bad commit c400000000 (run 4), last good c300000000'"
check "summary links the scenario's details" sh -c "echo '$demo_row' | grep -q 'href=\"#g[0-9]\"'"
clean_row=$(grep -o '<tr class="verdict-[a-z-]*" data-scenario="bench:clean[^"]*">.*' \
	"$work/dom.html" | sed 's|</tr>.*||')
check "clean scenario not flagged" sh -c "echo '$clean_row' | grep -q '^<tr class=\"verdict-unchanged\"' && \
	! echo '$clean_row' | grep -q 'first bad'"
rows=$(grep -o '<tr class="verdict-[a-z-]*" data-scenario="[^"]*"' "$work/dom.html")
check "the unchanged scenario comes after the changed ones, the model's first run last" \
	sh -c "echo '$rows' | tail -2 | head -1 | grep -q 'bench:clean' &&
	echo '$rows' | tail -1 | grep -q 'verdict-first-run\" data-scenario=\"model'"
# Charts for changed metrics only (vt.ns_total, wall.ns_per_op, fuzz.edges); the flat
# ones (allocs, vt.ops) wait in a collapsed <details>.
ntrend=$(grep -o '<svg[^>]*class="chart trend' "$work/dom.html" | wc -l)
check "trend charts for the changed metrics only ($ntrend)" test "$ntrend" -eq 3
check "unchanged metrics collapsed" grep -q '<details class="unchanged"><summary>1 unchanged metric(s): allocs' \
	"$work/dom.html"
check "missing reproducer shown as such" grep -q 'class="bad missing-reproducer"' "$work/dom.html"
check "trend lines have paths" grep -q '<path class="line" d="M' "$work/dom.html"
check "histogram drawn" grep -q 'class="chart histogram' "$work/dom.html"
check "histogram has bars" grep -q '<rect class="bar"' "$work/dom.html"
ncov=$(grep -o 'class="chart coverage-curve' "$work/dom.html" | wc -l)
check "two fuzz coverage curves ($ncov)" test "$ncov" -eq 2
check "regressions marked" grep -q 'class="pt regress"' "$work/dom.html"
check "first bad commit named (c4, last good c3)" \
	grep -q 'first bad commit c400000000 (run 4), last good c300000000' "$work/dom.html"
check "recovered regression not reported as open" \
	grep -q 'earlier regression(s), since recovered' "$work/dom.html"
check "digest change flagged" grep -q 'Outcome digest changed at: c600000000' "$work/dom.html"
nsweep=$(grep -o '<svg[^>]*class="chart sweep-plot' "$work/dom.html" | wc -l)
check "sweep plots: throughput, p99 and at least one lock's utilisation ($nsweep)" test "$nsweep" -ge 3
check "throughput plot names its lines by vCPU count" grep -q '<text class="legend"[^>]*>vCPUs 2</text>' \
	"$work/dom.html"
check "what-if lines drawn dashed" grep -q 'stroke-dasharray:4 3' "$work/dom.html"
check "sweep plot captions" grep -q 'Throughput against VMs (operations per virtual second)' "$work/dom.html"
check "lockstat table" grep -q '<td class="l">ioasid_allocator_lock</td>' "$work/dom.html"
check "finding links its reproducer" grep -q 'class="reproducer"' "$work/dom.html"
check "reproducer copied into the report" test -f "$work/report/traces/12-0-repro.trace"
check "no network references (the SVG namespace aside)" sh -c "! grep -hoE 'https?://[^\"'\'' ]*' \
	'$work/report/index.html' '$work/report/report.js' '$work/report/report.css' | grep -v '^http://www.w3.org/2000/svg\$'"

if [ $fail -ne 0 ]; then
	echo "report/chromium: FAILED (see $work)"
	exit 1
fi
echo "report/chromium: all checks passed"
