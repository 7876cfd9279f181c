#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Parse + write every trace under traces/ and every input of the trace
# parser's fuzz corpus, and compare a digest of each output (canonical
# trace, errors, counters) with tests/trace/roundtrip.golden.
#   roundtrip.sh TRACE_ROUNDTRIP SOURCE_DIR [--update]
set -eu
tool=$1
src=$2
golden=$src/tests/trace/roundtrip.golden
out=$(mktemp)
trap 'rm -f "$out" "$out.new"' EXIT
cd "$src"
for f in traces/*/*.trace traces/*/*/*.trace fuzz/corpus/trace_parse/*; do
	d=$("$tool" "$f" | sha256sum | cut -c1-64)
	printf '%s  %s\n' "$d" "$f"
done >"$out"
if [ "${3:-}" = "--update" ]; then
	mv "$out" "$out.new" && cp "$out.new" "$golden"
	echo "roundtrip: wrote $(wc -l <"$golden") digests to $golden"
	exit 0
fi
if ! diff -u "$golden" "$out"; then
	echo "roundtrip: FAIL: parse+write output differs from the golden digests" >&2
	exit 1
fi
echo "roundtrip: $(wc -l <"$out") traces, parse+write output identical to the golden"
