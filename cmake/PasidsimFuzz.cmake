# SPDX-License-Identifier: GPL-2.0
#
# Coverage instrumentation for fuzzing, applied to every target defined
# after this file is included (core/, the per-flavour core objects, sim/,
# tools/), so the engines see the allocator's branches, not only the
# harness's. Included by the top CMakeLists.txt before any target.
#
#   PASIDSIM_FUZZ_ENGINE=libfuzzer  clang -fsanitize=fuzzer-no-link everywhere;
#                                   harnesses link -fsanitize=fuzzer (<h>_libfuzzer)
#   PASIDSIM_FUZZ_ENGINE=afl        the compiler is afl-clang-fast/afl-clang-lto,
#                                   which instruments everything itself;
#                                   harnesses link fuzz/afl-main.c (<h>_afl)
#   PASIDSIM_LIB_FUZZING_ENGINE     OSS-Fuzz/ClusterFuzzLite style: CFLAGS carry
#                                   the instrumentation, harnesses link this
#                                   (e.g. -fsanitize=fuzzer, libAFLDriver.a)
#                                   with the C++ linker (<h>_fuzzer, named <h>)
# PASIDSIM_FUZZ=ON is kept as the older spelling of the libfuzzer engine.

set(PASIDSIM_FUZZ_ENGINE "" CACHE STRING
  "Fuzzing engine binaries to build: '' (standalone replayers only), libfuzzer, afl")
set_property(CACHE PASIDSIM_FUZZ_ENGINE PROPERTY STRINGS "" libfuzzer afl)
set(PASIDSIM_LIB_FUZZING_ENGINE "" CACHE STRING
  "Link flags or library of an external fuzzing engine (OSS-Fuzz LIB_FUZZING_ENGINE)")

if(PASIDSIM_FUZZ AND NOT PASIDSIM_FUZZ_ENGINE)
  set(PASIDSIM_FUZZ_ENGINE libfuzzer)
endif()

if(PASIDSIM_FUZZ_ENGINE STREQUAL "libfuzzer")
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "pasidsim: libFuzzer needs clang")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
elseif(PASIDSIM_FUZZ_ENGINE STREQUAL "afl")
  if(NOT CMAKE_C_COMPILER MATCHES "afl-clang-(fast|lto)$")
    message(FATAL_ERROR "pasidsim: the afl engine needs CMAKE_C_COMPILER=afl-clang-fast "
      "or afl-clang-lto (got ${CMAKE_C_COMPILER})")
  endif()
elseif(PASIDSIM_FUZZ_ENGINE)
  message(FATAL_ERROR "PASIDSIM_FUZZ_ENGINE must be '', libfuzzer or afl")
endif()
if(PASIDSIM_FUZZ_ENGINE OR PASIDSIM_LIB_FUZZING_ENGINE)
  message(STATUS "pasidsim: fuzzing engine ${PASIDSIM_FUZZ_ENGINE}${PASIDSIM_LIB_FUZZING_ENGINE}")
endif()

# pasidsim_fuzz_edges_only(<target>...): the simulator's own code (the shim,
# device models, VMMs, the world) keeps edge coverage but not comparison
# tracing: its comparisons (slab magic and poison checks, lock bookkeeping,
# segment copies) guide nothing and cost a third of the run time under
# libFuzzer. core/ and the tools keep the full -fsanitize=fuzzer-no-link.
# PASIDSIM_FUZZ_SIM_COVERAGE=OFF leaves them uninstrumented.
option(PASIDSIM_FUZZ_SIM_COVERAGE "Edge coverage of sim/ in fuzzing builds" ON)
function(pasidsim_fuzz_edges_only)
  if(PASIDSIM_FUZZ_ENGINE STREQUAL "libfuzzer")
    foreach(t IN LISTS ARGN)
      if(PASIDSIM_FUZZ_SIM_COVERAGE)
        target_compile_options(${t} PRIVATE -fno-sanitize-coverage=trace-cmp)
      else()
        target_compile_options(${t} PRIVATE -fno-sanitize=fuzzer-no-link)
      endif()
    endforeach()
  endif()
endfunction()
