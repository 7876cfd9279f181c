# SPDX-License-Identifier: GPL-2.0
# Run by pasidsim_criterion_test() after a build: TEST_EXE --list -> OUT.
execute_process(COMMAND ${TEST_EXE} --list
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${TEST_EXE} --list failed (${rc}): ${err}")
endif()
string(REPLACE "\n" ";" lines "${out}")
set(content "")
set(suite "")
set(n 0)
foreach(line IN LISTS lines)
  if(line MATCHES "^([^ ]+): [0-9]+ tests?$")
    set(suite "${CMAKE_MATCH_1}")
  elseif(line MATCHES "^(├|└)── (.+)$")
    set(name "${suite}/${CMAKE_MATCH_2}")
    string(APPEND content
      "add_test([=[${name}]=] [==[${TEST_EXE}]==] [=[--filter=${name}]=] --jobs=1 --short-filename)\n"
      "set_tests_properties([=[${name}]=] PROPERTIES TIMEOUT ${TIMEOUT}\n"
      "  SKIP_REGULAR_EXPRESSION [=[Synthesis: Tested: 0 ]=])\n")
    math(EXPR n "${n} + 1")
  endif()
endforeach()
if(n EQUAL 0)
  message(FATAL_ERROR "${TEST_EXE} --list printed no test cases")
endif()
file(WRITE ${OUT} "${content}")
