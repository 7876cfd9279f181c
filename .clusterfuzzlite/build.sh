#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build of every pasidsim fuzz harness.
#
# Honours the OSS-Fuzz build environment: CC, CXX, CFLAGS, CXXFLAGS (the
# sanitizer and coverage flags: every target is built with them, core/ and
# its per-flavour objects included), LIB_FUZZING_ENGINE (linked into each
# harness, with $CXX), OUT (where fuzzers, their seed corpora, dictionaries
# and options go), SRC (the checkout is $SRC/pasidsim, or the current
# directory) and WORK (the build tree; a temporary one when unset).
# KERNEL_SRC, when set, is a kernel tree to take Linux's ioasid.c from
# (the linux-6.1 allocator flavour); without it and without Debian's
# /usr/src/linux-source-6.1.tar.xz only the pasidsim flavour is built.
#
# The core objects libpasidsim-core-<flavour>.so go next to the fuzzers:
# the harnesses look for them beside their executable.
: "${CC:?}" "${CXX:?}" "${OUT:?}" "${LIB_FUZZING_ENGINE:?}"
CFLAGS=${CFLAGS:-}
CXXFLAGS=${CXXFLAGS:-}
root=$PWD
[ -f "$root/fuzz/CMakeLists.txt" ] || root=${SRC:?}/pasidsim
work=${WORK:-$(mktemp -d)}
build=$work/pasidsim-build
gen=()
command -v ninja >/dev/null && gen=(-G Ninja)

cmake -S "$root" -B "$build" "${gen[@]}" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
	-DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
	-DPASIDSIM_BUILD_TESTS=OFF \
	-DPASIDSIM_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
	${KERNEL_SRC:+-DKERNEL_SRC="$KERNEL_SRC"}

harnesses=$(sed -n 's/^PASIDSIM_FUZZ_HARNESSES:INTERNAL=//p' "$build/CMakeCache.txt" | tr ';' ' ')
targets=()
for h in $harnesses; do targets+=("${h}_fuzzer"); done
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)"

mkdir -p "$OUT"
cp "$build"/core/libpasidsim-core-*.so "$OUT/"
for h in $harnesses; do
	cp "$build/fuzz/$h" "$OUT/$h"
	[ -f "$root/fuzz/dict/$h.dict" ] && cp "$root/fuzz/dict/$h.dict" "$OUT/$h.dict"
	[ -f "$root/fuzz/options/$h.options" ] && cp "$root/fuzz/options/$h.options" "$OUT/$h.options"
	if [ -d "$root/fuzz/corpus/$h" ]; then
		rm -f "$OUT/${h}_seed_corpus.zip"
		(cd "$root/fuzz/corpus/$h" && zip -q -r "$OUT/${h}_seed_corpus.zip" .)
	fi
done
echo "build.sh: $harnesses -> $OUT"
