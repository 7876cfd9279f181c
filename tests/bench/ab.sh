#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# bench/ab.sh: two binaries side by side (here the same one twice), usage errors.
set -eu
ab=$1
pasidsim=$2
out=$(sh "$ab" --rounds=2 --only=instance.reset "$pasidsim" "$pasidsim")
echo "$out"
echo "$out" | grep -q '^bench/ab.sh: 2 interleaved rounds, median ns/op$'
echo "$out" | grep -Eq '^instance\.reset +[0-9.e+]+ +[0-9.e+]+ +[0-9.]+ +- +-$'
for bad in "--rounds=0 $pasidsim $pasidsim" "--rounds=x $pasidsim $pasidsim" "$pasidsim" \
	   "--nosuch $pasidsim $pasidsim" "/nonexistent $pasidsim"; do
	if sh "$ab" $bad >/dev/null 2>&1; then
		echo "bench/ab.sh $bad: succeeded" >&2
		exit 1
	else
		st=$?
		[ "$st" -eq 2 ] || { echo "bench/ab.sh $bad: exit $st, expected 2" >&2; exit 1; }
	fi
done
# a benchmark that does not exist is the bench command's usage error: exit 1 here
if sh "$ab" --rounds=1 --only=nosuch "$pasidsim" "$pasidsim" >/dev/null 2>&1; then
	echo "bench/ab.sh --only=nosuch: succeeded" >&2
	exit 1
fi
echo "bench/ab: ok"
