#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pasidsim bench from the command line (no timing asserted): usage errors
# exit 2 and name the option; a tiny benchmark records a run into a temporary
# store. Usage: bench.sh PASIDSIM WORKDIR
set -u
P=$1
W=$2
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
export PASIDSIM_DB="$W/default.db"

fail() { echo "FAIL: $*" >&2; exit 1; }
run() {
	want=$1; shift
	"$@" >out 2>err
	got=$?
	[ "$got" = "$want" ] || { cat out err >&2; fail "'$*' exited $got, expected $want"; }
}
has() { grep -q -- "$2" "$1" || { cat "$1" >&2; fail "$1 lacks '$2'"; }; }

run 2 "$P" bench --reps=0
has err "bench: --reps='0': expected an integer from 1 to 100"
run 2 "$P" bench --reps=abc
has err "bench: --reps='abc': expected"
run 2 "$P" bench --only=no.such.benchmark
has err "no benchmark matches 'no.such.benchmark'"
run 2 "$P" bench --only=alloc.bitmap.0,bogus
has err "no benchmark matches 'bogus'"
run 2 "$P" bench --bogus
has err "pasidsim bench: unknown option '--bogus'"
run 0 "$P" bench --help
has out 'usage: pasidsim bench'
run 2 "$P" bench extra-argument
run 2 "$P" bench --child=nope
[ ! -e default.db ] || fail "a usage error created the store"

run 0 "$P" bench --list
has out '^alloc.bitmap.100k '
has out '^alloc.xarray.100k '
has out '^world.64x8 '

# Two rounds of the cheapest benchmark, recorded into a store of its own.
run 0 "$P" bench --only=alloc.bitmap.0 --reps=2 --db="$W/t.db"
has out '^alloc.bitmap.0 '
has out 'goals (issue 13)'
run 0 "$P" db export --json --db="$W/t.db"
has out '"command":"bench:alloc.bitmap.0"'
has out '"bench.ns_per_op"'
has out '"mode":"checked"\|"mode":"fast"'
has out '"ops":200000'
# one wall sample per round
grep -q '"name":"bench.ns_per_op"[^]]*"samples":"\[[0-9.e+-]*,[0-9.e+-]*\]"' out ||
	{ cat out >&2; fail "bench.ns_per_op does not have 2 samples"; }
n=$(grep -o '"bench.ns_per_op"' out | wc -l)
[ ! -e default.db ] || fail "--db was not used"

# --json, --no-db: the samples of both rounds, nothing recorded
run 0 "$P" bench --only='alloc.bitmap.[01]*' --reps=2 --no-db --json
has out '"name":"alloc.bitmap.0"'
has out '"name":"alloc.bitmap.1k"'
has out '"mode":"'
[ ! -e default.db ] || fail "--no-db recorded"

# the floor under the flavours: a bare XArray pair runs and checks its ID sequence
run 0 "$P" bench --only=alloc.xarray.100k --reps=1 --no-db
has out '^alloc.xarray.100k '
echo "ok ($n metric rows)"
