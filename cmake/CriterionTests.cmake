# SPDX-License-Identifier: GPL-2.0
#
# pasidsim_criterion_test(<target> SOURCES <src>... [LIBS <lib>...])
#
# Builds a Criterion test binary and makes every case visible to ctest as
# its own test, named <suite>/<case>. After each build, the binary is run
# with --list and the cases are written to a file that ctest includes, the
# way GoogleTest's gtest_discover_tests() does.

# Criterion cannot start under ThreadSanitizer (Snaipe/Criterion#274), so
# TSan builds use crit-lite (tests/lib/crit-lite): the same test API subset,
# runner options and output, without Criterion's boxfort arena.
if(PASIDSIM_SANITIZE STREQUAL "tsan")
  add_library(pasidsim_criterion STATIC
    ${PROJECT_SOURCE_DIR}/tests/lib/crit-lite/crit-lite.c)
  target_include_directories(pasidsim_criterion BEFORE PUBLIC
    ${PROJECT_SOURCE_DIR}/tests/lib/crit-lite)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(CRITERION REQUIRED IMPORTED_TARGET criterion)
  add_library(pasidsim_criterion INTERFACE)
  target_link_libraries(pasidsim_criterion INTERFACE PkgConfig::CRITERION)
endif()

function(pasidsim_criterion_test target)
  cmake_parse_arguments(arg "" "TIMEOUT" "SOURCES;LIBS;PROPERTIES" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  add_executable(${target} ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE ${arg_LIBS} pasidsim_criterion)
  set(list_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_cases.cmake)
  set(include_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_include.cmake)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND}
      -D TEST_EXE=$<TARGET_FILE:${target}>
      -D OUT=${list_file}
      -D TIMEOUT=${arg_TIMEOUT}
      -P ${PROJECT_SOURCE_DIR}/cmake/CriterionList.cmake
    BYPRODUCTS ${list_file}
    VERBATIM)
  file(WRITE ${include_file}
    "if(EXISTS \"${list_file}\")\n"
    "  include(\"${list_file}\")\n"
    "else()\n"
    "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include_file})
endfunction()
