#!/usr/bin/env bash
# A harness oracle broken on purpose must fire:
#   expect-finding.sh REGEX COMMAND...
# passes when COMMAND exits non-zero and its output matches REGEX.
set -uo pipefail
re=$1
shift
out=$("$@" 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	echo "expect-finding: '$*' passed, a finding was expected"
	exit 1
fi
if ! grep -Eq "$re" <<<"$out"; then
	tail -20 <<<"$out"
	echo "expect-finding: exit $rc, but no line matches /$re/"
	exit 1
fi
grep -E "$re" <<<"$out" | head -1
exit 0
