#!/usr/bin/env bash
# The compile-unmodified contract, checked against the real kernel:
#  1. core/ builds with Debian's linux-headers (gcc-12, W=1) with no warning;
#  2. scripts/checkpatch.pl --strict finds no error and no warning in core/;
#  3. scripts/kernel-doc finds no warning in core/.
# checkpatch.pl and kernel-doc come from Debian's linux-source-6.1 tarball,
# extracted into the build tree (never into the repository).
#   kernel-check.sh [BUILD_DIR]     (default: build/kernel-check)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build/kernel-check}
mkdir -p "$out"
out=$(cd "$out" && pwd)
linux=$src/build/linux-src
fail=0

kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$kdir" ]; then
	echo "kernel-check: no /usr/src/linux-headers-*-amd64 (run scripts/setup.sh)" >&2
	exit 2
fi
[ -f "$linux/.stamp" ] || "$src/scripts/linux-src.sh" "$linux" >/dev/null

# 1. Kernel build.
rm -rf "$out"
mkdir -p "$out/core"
cp -r "$src/core/." "$out/core/"
log=$out/kbuild.log
single=$(cd "$src/core" && ls ioasid.c ida-pasid.c 2>/dev/null | sed 's/\.c$/.o/' | tr '\n' ' ' || true)
if make -C "$kdir" M="$out/core" W=1 modules $single >"$log" 2>&1; then
	if grep -E 'warning:|error:' "$log"; then
		echo "kernel-check: FAIL: the kernel build of core/ printed warnings ($log)"
		fail=1
	else
		mods=$(cd "$out/core" && ls *.ko 2>/dev/null | tr '\n' ' ')
		echo "kernel-check: kernel build OK with $(basename "$kdir"), W=1, 0 warnings: $mods$single"
	fi
else
	cat "$log"
	echo "kernel-check: FAIL: the kernel build of core/ failed ($log)"
	fail=1
fi

# 2. checkpatch.
files=$(cd "$src" && ls core/*.c core/include/linux/*.h core/include/uapi/linux/*.h 2>/dev/null)
cp_log=$out/checkpatch.log
(cd "$src" && perl "$linux/scripts/checkpatch.pl" --strict --no-tree -f --terse \
	--show-types --no-summary --max-line-length=100 $files) >"$cp_log" 2>&1 || true
nerr=$(grep -c ': ERROR:' "$cp_log" || true)
nwarn=$(grep -c ': WARNING:' "$cp_log" || true)
ncheck=$(grep -c ': CHECK:' "$cp_log" || true)
if [ "$nerr" -ne 0 ] || [ "$nwarn" -ne 0 ]; then
	grep -E ': (ERROR|WARNING):' "$cp_log"
	echo "kernel-check: FAIL: checkpatch: $nerr errors, $nwarn warnings"
	fail=1
else
	echo "kernel-check: checkpatch --strict OK on $(echo $files | wc -w) files: 0 errors, 0 warnings, $ncheck checks"
	[ "$ncheck" -eq 0 ] || sed 's/^/    /' "$cp_log"
fi

# 3. kernel-doc.
kd_log=$out/kernel-doc.log
(cd "$src" && perl "$linux/scripts/kernel-doc" -v -none $files) >"$kd_log" 2>&1 || true
nkd=$(grep -ci 'warning' "$kd_log" || true)
if [ "$nkd" -ne 0 ]; then
	grep -i warning "$kd_log"
	echo "kernel-check: FAIL: kernel-doc: $nkd warnings"
	fail=1
else
	echo "kernel-check: kernel-doc OK: $(grep -c 'Scanning doc for' "$kd_log" || true) documented symbols"
fi
exit $fail
