#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# bench/model.sh [--db=<file>] [PASIDSIM]
#
# The contention model's reference sweeps (docs/validation.md), recorded into
# the results store (--db=<file>, else $PASIDSIM_DB, else ./pasidsim.db) as
# "model" runs whose virtual figures 'pasidsim compare' gates exactly:
#   1. the issue's reproducer: every allocator-lock hold >= 1 us, one vCPU per
#      VM, 16 to 256 VMs (throughput must stay below 1/S = 500,000 ops/s);
#   2. the default costs over VMs x vCPUs, with 8 host CPUs as well as one per
#      vCPU, and what halving the allocator lock's hold would change.
# PASIDSIM defaults to build/default/pasidsim.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
db=
bin=$src/build/default/pasidsim
for a in "$@"; do
	case $a in
	--db=*) db=$a ;;
	-*) echo "usage: bench/model.sh [--db=<file>] [PASIDSIM]" >&2; exit 2 ;;
	*) bin=$a ;;
	esac
done
[ -x "$bin" ] || { echo "bench/model.sh: $bin: not built" >&2; exit 2; }
[ -n "$db" ] || db=--db=${PASIDSIM_DB:-pasidsim.db}

"$bin" model "$db" --cost=cs_hold_ns=1000 --vms=16,64,256 --vcpus=1 --ops=100
"$bin" model "$db" --vms=1,8,32,64 --vcpus=1,4 --host-cpus=0,8 --ops=50 \
	--what-if=ioasid_allocator_lock*0.5
