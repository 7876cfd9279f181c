#!/usr/bin/env bash
# Edges of core/ that a corpus reaches, per source file:
#   fuzz-coverage.sh HARNESS CORPUS_DIR [BUILD_DIR]   (default build/fuzz)
# Replays CORPUS_DIR with the fuzz preset's standalone replayer
# (BUILD_DIR/fuzz/fuzz_HARNESS: instrumented like the libFuzzer binary, but
# its counters are never reset), which writes every edge of the loaded core
# copies at exit (fuzz/coverage.c); the edges' PCs are symbolized against
# the core objects (the outermost frame, so code inlined from headers counts
# for the core/ function it is inlined into). Prints one line per file,
#   <covered>/<total> <file>
# and a last line "core: <covered>/<total> edges". Harnesses that load no
# core copy print "core: 0/0 edges".
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
h=$1
corpus=$2
build=${3:-$src/build/fuzz}
bin=$build/fuzz/fuzz_$h
[ -x "$bin" ] || { echo "fuzz-coverage.sh: $bin: not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PASIDSIM_FUZZ_COVERAGE=$tmp/edges ASAN_OPTIONS=detect_leaks=0 "$bin" "$corpus" >/dev/null 2>&1 ||
	{ echo "fuzz-coverage.sh: the corpus replay failed" >&2; exit 1; }
if [ ! -s "$tmp/edges" ]; then
	echo "core: 0/0 edges"
	exit 0
fi
for obj in $(cut -d' ' -f1 "$tmp/edges" | sort -u); do
	grep -F "$obj " "$tmp/edges" | cut -d' ' -f2,3 >"$tmp/obj"
	cut -d' ' -f2 "$tmp/obj" >"$tmp/pcs"
	# One block per address (frames innermost first, blank line after):
	# keep the last frame's file.
	cut -d' ' -f1 "$tmp/obj" | llvm-symbolizer --obj="$obj" --functions=none |
		awk 'NF == 0 { print last; next } { last = $0 }' | sed 's/:[0-9]*:[0-9]*$//' >"$tmp/files"
	paste -d' ' "$tmp/files" "$tmp/pcs"
done | awk -v root="$src/" -v linux="linux-src/" '
	{
		f = $1
		if (index(f, root) == 1) f = substr(f, length(root) + 1)
		i = index(f, linux); if (i) f = "linux-6.1:" substr(f, i + length(linux))
		if (f !~ /^core\// && f !~ /^linux-6.1:/) next
		total[f]++; cov[f] += $2; T++; C += $2
	}
	END {
		for (f in total) printf "%d/%d %s\n", cov[f], total[f], f | "sort -k2"
		close("sort -k2")
		printf "core: %d/%d edges\n", C, T
	}'
