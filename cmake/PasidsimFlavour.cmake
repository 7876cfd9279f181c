# SPDX-License-Identifier: GPL-2.0
#
# pasidsim_core_library(<target> <flavour>)
#
# Builds core/ as a static library against the kernel shim. Flavour
# "pasidsim" uses core/ioasid.c; "linux-6.1" replaces it with Linux's own
# drivers/iommu/ioasid.c and include/linux/ioasid.h, extracted unmodified at
# configure time (scripts/linux-src.sh) from Debian's linux-source-6.1 or
# from KERNEL_SRC. Nothing from the kernel tree is ever written to the
# source directory.

set(PASIDSIM_LINUX_DIR ${CMAKE_BINARY_DIR}/linux-src CACHE INTERNAL "")

function(pasidsim_extract_linux)
  if(EXISTS ${PASIDSIM_LINUX_DIR}/.stamp)
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

function(pasidsim_core_library target flavour)
  file(GLOB core_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/core/*.c)
  set(include_dirs "")
  if(flavour STREQUAL "linux-6.1")
    pasidsim_extract_linux()
    list(FILTER core_sources EXCLUDE REGEX "/core/ioasid\\.c$")
    list(APPEND core_sources ${PASIDSIM_LINUX_DIR}/drivers/iommu/ioasid.c)
    # Linux's ioasid.h shadows core/include/linux/ioasid.h.
    list(APPEND include_dirs ${PASIDSIM_LINUX_DIR}/ioasid-include)
  elseif(NOT flavour STREQUAL "pasidsim")
    message(FATAL_ERROR "pasidsim: unknown allocator flavour '${flavour}'")
  endif()
  list(APPEND include_dirs ${CMAKE_SOURCE_DIR}/core/include)
  add_library(${target} STATIC ${core_sources})
  target_include_directories(${target} BEFORE PUBLIC ${include_dirs})
  target_link_libraries(${target} PUBLIC sim_kernel PRIVATE pasidsim_kernel_flags)
  target_compile_definitions(${target} PUBLIC
    PASIDSIM_FLAVOUR="${flavour}")
endfunction()
