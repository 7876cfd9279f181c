#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every input of the world harness's corpus converts to a trace
# (`pasidsim fuzz --to-trace`) that replays without a divergence, an input
# error or a stopped world, with as many findings as the conversion's run
# had (its 'meta findings' line; the harness's own oracle decides which of
# them it reports). An input with allocation failures has no trace form
# (fuzz --to-trace exits 3): skipped and counted.
#   fuzz-corpus.sh PASIDSIM CORPUS_DIR SCRATCH_DIR
set -u
pasidsim=$1
corpus=$2
tmp=$3
mkdir -p "$tmp"
n=0
bad=0
skipped=0
for f in "$corpus"/*; do
	t=$tmp/$(basename "$f").trace
	"$pasidsim" fuzz --to-trace="$f" -o "$t" 2>/dev/null
	rc=$?
	if [ $rc -eq 3 ]; then
		# allocation failures from the input: no trace form (pasidsim fuzz --help)
		skipped=$((skipped + 1))
		continue
	fi
	if [ $rc -gt 1 ]; then
		echo "fuzz-corpus: $f: fuzz --to-trace exit $rc"
		bad=$((bad + 1))
		continue
	fi
	want=$(sed -n 's/^meta findings //p' "$t")
	json=$("$pasidsim" replay --no-db --json "$t" 2>/dev/null)
	got=$(printf '%s' "$json" | sed -n 's/.*"findings":\([0-9]*\).*/\1/p')
	div=$(printf '%s' "$json" | sed -n 's/.*"divergences":\([0-9]*\).*/\1/p')
	ex=$(printf '%s' "$json" | sed -n 's/.*"exit":\([0-9]*\).*/\1/p')
	if [ "$div" != 0 ] || [ "$ex" = 2 ] || [ -z "$ex" ] || [ "$got" != "$want" ]; then
		echo "fuzz-corpus: $f: replay exit ${ex:-?}, divergences ${div:-?}, findings" \
			"${got:-?} (the conversion's run had $want)"
		bad=$((bad + 1))
	fi
	n=$((n + 1))
done
echo "fuzz-corpus: $n inputs converted and replayed, $bad problem(s)," \
	"$skipped with allocation failures skipped"
[ $n -gt 0 ] && [ $bad -eq 0 ]
