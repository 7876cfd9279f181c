#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Replay one fuzz reproducer (traces/regress/fuzz/*.trace, written by
# `pasidsim fuzz --to-trace`) and check that it reproduces what its meta lines
# say: on the host core of 'meta host-core' (a seeded bug's copy, if any),
# no divergence, as many findings as 'meta findings' (exit 1 if any, else
# 0), among them the one the harness reported ('meta finding', if any).
#   reproduce.sh PASIDSIM TRACE
set -u
pasidsim=$1
trace=$2
core=$(sed -n 's/^meta host-core //p' "$trace")
# "host WARN: vm->count" -> "WARN: vm->count"; an invariant's "(after operation N)" goes
finding=$(sed -n 's/^meta finding [a-z]* //p' "$trace" | sed 's/ (after operation [0-9]*)$//')
want=$(sed -n 's/^meta findings //p' "$trace")
out=$("$pasidsim" replay --no-db ${core:+--host-core=$core} "$trace" 2>&1)
rc=$?
fail() {
	printf '%s\n' "$out" | tail -20
	echo "reproduce: $trace: $*"
	exit 1
}
printf '%s\n' "$out" | grep -q "divergences 0, gaps 0, findings $want," ||
	fail "a divergence, or not the $want finding(s) of the harness's run"
[ $rc -eq $((want > 0)) ] || fail "exit $rc, expected $((want > 0))"
if [ -n "$finding" ]; then
	printf '%s\n' "$out" | grep -qF "$finding" || fail "no finding '$finding'"
	echo "reproduce: $trace: $want finding(s), among them $finding${core:+ (host core $core)}"
else
	echo "reproduce: $trace: $want finding(s), none the harness reports, as recorded"
fi
