#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The bug benchmark's patched copies of core/ (fuzz/bugbench/README.md).
#
#   apply.sh CORE_DIR PATCH OUT_DIR    OUT_DIR/core = CORE_DIR + PATCH
#   apply.sh --check CORE_DIR PATCH    PATCH applies to CORE_DIR without
#                                      fuzz or reject, changes something, and
#                                      only the files its "Files:" line names
#
# Patches are unified diffs with a/core/... and b/core/... paths (patch -p1
# from the directory that holds core/), after a header of "Key: value" lines.
set -eu
if ! command -v patch >/dev/null 2>&1; then
	echo "bugbench: 'patch' is not installed (run scripts/setup.sh)" >&2
	exit 2
fi
check=0
if [ "$1" = --check ]; then
	check=1
	shift
fi
core=$(cd "$1" && pwd)
p=$2
name=$(basename "$p" .patch)
if [ $check = 1 ]; then
	out=$(mktemp -d)
	trap 'rm -rf "$out"' EXIT
else
	out=$3
	mkdir -p "$out"
fi
tmp=$out/core.new
rm -rf "$tmp" && mkdir -p "$tmp"
cp -R "$core" "$tmp/core"
if ! log=$(patch -p1 -d "$tmp" -F0 -N -s --no-backup-if-mismatch -r - <"$p" 2>&1); then
	printf '%s\n' "$log" >&2
	echo "bugbench: FAIL: $name.patch does not apply to $core (refresh it: README.md)" >&2
	exit 1
fi
changed=$(cd "$tmp" && diff -rq "$core" core | sed -n 's|^Files .* and core/\(.*\) differ$|core/\1|p' |
	sort | tr '\n' ' ')
files=$(sed -n 's/^Files: *//p' "$p" | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
if [ -z "$changed" ]; then
	echo "bugbench: FAIL: $name.patch changes nothing in $core" >&2
	exit 1
fi
if [ "$changed" != "$files" ]; then
	echo "bugbench: FAIL: $name.patch changes '$changed', its Files: line says '$files'" >&2
	exit 1
fi
if [ $check = 1 ]; then
	echo "bugbench: $name.patch applies to $core without fuzz: $changed"
	exit 0
fi
rm -rf "$out/core"
mv "$tmp/core" "$out/core"
rmdir "$tmp"
