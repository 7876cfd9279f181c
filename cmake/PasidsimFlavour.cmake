# SPDX-License-Identifier: GPL-2.0
#
# core/ against the kernel shim, in two allocator flavours:
#   pasidsim   core/ioasid.c (the project's allocator)
#   linux-6.1  Linux's own drivers/iommu/ioasid.c and include/linux/ioasid.h,
#              extracted unmodified at configure time (scripts/linux-src.sh)
#              from Debian's linux-source-6.1, or from KERNEL_SRC.
#   ida        core/ida-pasid.c: upstream's global PASID allocator (6.4+),
#              one IDA from Linux's lib/idr.c, behind the ioasid names.
# Nothing from the kernel tree is ever written to the source directory.
#
# pasidsim_core_library(<target> <flavour>)  static library, for programs
#     that link one copy of core/ (the CLI, the API suites);
# pasidsim_core_module(<flavour>)            shared object
#     libpasidsim-core-<flavour>.so, linked -Bsymbolic, loaded as private
#     copies by sim_core_load() (worlds, differential runs).
#
# Both take [CORE_DIR <dir>]: build a copy of core/ at <dir> instead (the
# patched copies of the bug benchmark, fuzz/bugbench/); the file list is
# core/'s, so <dir> may be generated at build time. pasidsim_core_module()
# also takes [SUFFIX <s>]: the object is libpasidsim-core-<flavour><s>.so.

set(PASIDSIM_LINUX_DIR ${CMAKE_BINARY_DIR}/linux-src CACHE INTERNAL "")

function(pasidsim_extract_linux)
  if(EXISTS ${PASIDSIM_LINUX_DIR}/.stamp-2)
    return()
  endif()
  execute_process(
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/linux-src.sh ${PASIDSIM_LINUX_DIR} ${KERNEL_SRC}
    RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pasidsim: could not extract the Linux sources "
      "(run scripts/setup.sh, or give -DKERNEL_SRC=<tree>)")
  endif()
endfunction()

# Sources and include directories of core/ (or of a copy at core_dir) for one flavour.
function(pasidsim_flavour_sources flavour core_dir out_sources out_includes)
  file(GLOB core_sources CONFIGURE_DEPENDS RELATIVE ${CMAKE_SOURCE_DIR}/core
    ${CMAKE_SOURCE_DIR}/core/*.c)
  list(TRANSFORM core_sources PREPEND ${core_dir}/)
  set(include_dirs "")
  if(NOT flavour STREQUAL "ida")
    list(FILTER core_sources EXCLUDE REGEX "/core/ida-pasid\\.c$")
  endif()
  if(flavour STREQUAL "ida")
    # Upstream's global PASID IDA (6.4+) behind the ioasid names.
    list(FILTER core_sources EXCLUDE REGEX "/core/ioasid\\.c$")
  elseif(flavour STREQUAL "linux-6.1")
    pasidsim_extract_linux()
    list(FILTER core_sources EXCLUDE REGEX "/core/ioasid\\.c$")
    list(APPEND core_sources ${PASIDSIM_LINUX_DIR}/drivers/iommu/ioasid.c)
    # Linux's ioasid.h shadows core/include/linux/ioasid.h.
    list(APPEND include_dirs ${PASIDSIM_LINUX_DIR}/ioasid-include)
  elseif(NOT flavour STREQUAL "pasidsim")
    message(FATAL_ERROR "pasidsim: unknown allocator flavour '${flavour}'")
  endif()
  list(APPEND include_dirs ${core_dir}/include)
  set(${out_sources} ${core_sources} PARENT_SCOPE)
  set(${out_includes} ${include_dirs} PARENT_SCOPE)
endfunction()

function(pasidsim_core_library target flavour)
  cmake_parse_arguments(arg "" "CORE_DIR" "" ${ARGN})
  if(NOT arg_CORE_DIR)
    set(arg_CORE_DIR ${CMAKE_SOURCE_DIR}/core)
  endif()
  pasidsim_flavour_sources(${flavour} ${arg_CORE_DIR} sources includes)
  add_library(${target} STATIC ${sources})
  target_include_directories(${target} BEFORE PUBLIC ${includes})
  target_link_libraries(${target} PUBLIC sim_kernel PRIVATE pasidsim_kernel_flags)
  target_compile_definitions(${target} PUBLIC PASIDSIM_FLAVOUR="${flavour}")
endfunction()

function(pasidsim_core_module flavour)
  cmake_parse_arguments(arg "" "CORE_DIR;SUFFIX" "" ${ARGN})
  if(NOT arg_CORE_DIR)
    set(arg_CORE_DIR ${CMAKE_SOURCE_DIR}/core)
  endif()
  set(target pasidsim-core-${flavour}${arg_SUFFIX})
  pasidsim_flavour_sources(${flavour} ${arg_CORE_DIR} sources includes)
  add_library(${target} MODULE ${sources} ${CMAKE_SOURCE_DIR}/sim/world/core-flavour.c)
  target_include_directories(${target} BEFORE PRIVATE ${includes}
    ${CMAKE_SOURCE_DIR}/sim/kernel/include)
  target_link_libraries(${target} PRIVATE pasidsim_kernel_flags)
  target_compile_definitions(${target} PRIVATE PASIDSIM_FLAVOUR="${flavour}")
  target_link_options(${target} PRIVATE -Wl,-Bsymbolic)
  set_target_properties(${target} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/core)
endfunction()
