#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/record.sh [<pasidsim>] [<repetitions>] [<ops>]
#
# The cost of recording a run into the results store, as a fraction of the
# run's own time: the demo workload through the iommu_pasid API (until
# trace replay exists), <ops> operations (default 1,000,000), run alternately
# without the store (--no-db) and with it (per-operation outcome digest and
# latency histogram updates, then the run's rows in one transaction), each
# <repetitions> times (default 5). The range is kept small (1:4096) so that
# operations are fast, the worst case for the relative cost.
#
#   overhead = (median(wall_db + commit) - median(wall_nodb)) / median(wall_nodb)
#
# (per-repetition fractions are recorded as wall samples, so 'compare' tests them.)
#
# The figure and the raw samples are recorded into the store (--db, i.e.
# $PASIDSIM_DB or ./pasidsim.db) as a run of command "bench:record".
set -eu
pasidsim=${1:-build/default/pasidsim}
reps=${2:-5}
ops=${3:-1000000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args="--ops=$ops --range=1:4096 --seed=1 --json"

field() { sed -n "s/.*\"$1\":\([0-9.e+-]*\).*/\1/p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

i=0
while [ $i -lt "$reps" ]; do
	"$pasidsim" demo $args --no-db > "$tmp/off.json"
	"$pasidsim" demo $args --db "$tmp/bench.db" > "$tmp/on.json" 2>/dev/null
	off=$(field wall_s < "$tmp/off.json")
	on=$(field wall_s < "$tmp/on.json")
	rec=$(field record_s < "$tmp/on.json")
	echo "$off" >> "$tmp/off"
	echo "$on" >> "$tmp/on"
	echo "$rec" >> "$tmp/rec"
	awk -v a="$on" -v b="$rec" 'BEGIN { print a + b }' >> "$tmp/total"
	awk -v a="$on" -v b="$rec" -v o="$off" 'BEGIN { printf "%.5f\n", (a + b - o) / o }' >> "$tmp/frac"
	echo "bench/record: rep $((i + 1))/$reps: without store $off s, with store $on s + commit $rec s" >&2
	i=$((i + 1))
done
off=$(median < "$tmp/off")
total=$(median < "$tmp/total")
rec=$(median < "$tmp/rec")
frac=$(awk -v t="$total" -v o="$off" 'BEGIN { printf "%.4f", (t - o) / o }')
echo "bench/record: $ops operations: median $off s without the store, $total s with it" \
	"(commit $rec s): recording costs $(awk -v f="$frac" 'BEGIN { printf "%.1f", f * 100 }')% of the run (goal <= 10%)"
"$pasidsim" db record --command=bench:record \
	--config="{\"ops\":$ops,\"range\":[1,4096],\"repetitions\":$reps}" \
	--sample="record.overhead_fraction:fraction:$(paste -sd, "$tmp/frac"):lower" \
	--sample="run.wall_s_nodb:s:$(paste -sd, "$tmp/off"):lower" \
	--sample="run.wall_s_db:s:$(paste -sd, "$tmp/on"):lower" \
	--sample="record.commit_s:s:$(paste -sd, "$tmp/rec"):lower" >&2
