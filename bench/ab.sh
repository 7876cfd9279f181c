#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/ab.sh [--rounds=N] [--only=NAMES] [--callgrind] <before pasidsim> <after pasidsim>
#
# Two builds side by side in one run: N rounds (default 9) alternate the two
# binaries as before, after, after, before, ... (each round one sample of
# every selected benchmark: 'pasidsim bench --reps=1 --json --no-db'), so a
# slow phase of a shared machine lands on both; then, with --callgrind, each
# binary counts instructions per operation once (exact, load-independent).
# Prints per benchmark the median ns/op of each binary over its rounds
# (nearest rank, as 'pasidsim bench'), after/before, and the instruction
# counts. Nothing is recorded: the figures that go into the store come from
# 'pasidsim bench' itself (docs/benchmarks.md).
#
# Exit 0 done, 1 a run failed, 2 usage.
set -eu
rounds=9
only=parse,replay
cg=
usage() {
	echo "usage: bench/ab.sh [--rounds=N] [--only=NAMES] [--callgrind] BEFORE AFTER" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--rounds=*) rounds=${1#--rounds=} ;;
	--only=*) only=${1#--only=} ;;
	--callgrind) cg=1 ;;
	--*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 2 ] || usage
case $rounds in
'' | *[!0-9]*) usage ;;
esac
[ "$rounds" -ge 1 ] || usage
for p in "$1" "$2"; do
	if [ ! -x "$p" ]; then
		echo "bench/ab.sh: $p: not an executable" >&2
		exit 2
	fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One round of binary $1 into $tmp/$2: "name ns" lines.
sample() {
	if ! "$1" bench --reps=1 --only="$only" --json --no-db >"$tmp/out.json" 2>"$tmp/err"; then
		cat "$tmp/err" >&2
		exit 1
	fi
	tr '{' '\n' <"$tmp/out.json" | sed -n \
		's/.*"name":"\([^"]*\)".*"median_ns_per_op":\([0-9.e+-]*\).*/\1 \2/p' >>"$tmp/$2"
}

i=0
while [ "$i" -lt "$rounds" ]; do
	case $((i % 4)) in
	0 | 3) sample "$1" a; sample "$2" b ;;
	*) sample "$2" b; sample "$1" a ;;
	esac
	i=$((i + 1))
done

# Instructions per operation: "name instr" lines.
instr() {
	"$1" bench --reps=1 --only="$only" --callgrind --json --no-db 2>/dev/null |
		tr '{' '\n' | sed -n \
		's/.*"name":"\([^"]*\)".*"instructions_per_op":\([0-9.e+-]*\).*/\1 \2/p' >"$tmp/$2"
}
: >"$tmp/ia"
: >"$tmp/ib"
if [ -n "$cg" ]; then
	instr "$1" ia
	instr "$2" ib
fi

awk -v rounds="$rounds" '
function med(list, n,    v, k, i, j, t) {
	k = split(list, v, " ")
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	return v[int((k + 1) / 2)]	# nearest rank, the 50th percentile
}
FILENAME ~ /\/a$/ { if (!($1 in a)) order[++n] = $1; a[$1] = a[$1] " " $2 }
FILENAME ~ /\/b$/ { b[$1] = b[$1] " " $2 }
FILENAME ~ /\/ia$/ { ia[$1] = $2 }
FILENAME ~ /\/ib$/ { ib[$1] = $2 }
END {
	printf "bench/ab.sh: %d interleaved rounds, median ns/op\n", rounds
	printf "%-22s %12s %12s %8s %12s %12s\n", "benchmark", "before", "after", "ratio",
	       "instr before", "instr after"
	for (i = 1; i <= n; i++) {
		k = order[i]
		ma = med(a[k]); mb = med(b[k])
		r = ma > 0 ? mb / ma : 0
		xa = (k in ia) ? sprintf("%.0f", ia[k]) : "-"
		xb = (k in ib) ? sprintf("%.0f", ib[k]) : "-"
		printf "%-22s %12.4g %12.4g %8.3f %12s %12s\n", k, ma, mb, r, xa, xb
	}
}' "$tmp/a" "$tmp/b" "$tmp/ia" "$tmp/ib"
