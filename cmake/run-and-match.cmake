# SPDX-License-Identifier: BSL-1.0
# cmake -DPROGRAM=<exe> -DEXPECT=<file> [-DARGS=<a;b>] [-DEXIT_CODE=<n>] [-DENV=<VAR=value;...>]
#       -P run-and-match.cmake
#
# Runs PROGRAM and checks its exit code and its combined stdout+stderr against
# EXPECT, a file with one CMake regular expression a line:
#
#   <regex>             must match somewhere in the output
#   !<regex>            must NOT match anywhere in the output
#   # exit-code: <n>    the expected exit code (default 0; EXIT_CODE overrides)
#   # env: VAR=value    set in the program's environment (repeatable)
#   # <anything else>   a comment; blank lines are ignored
#
# Patterns are matched against the whole output, so they need not mention
# paths, addresses, thread ids or times: write `fd 'config'`, not the whole
# line. CMake regular expressions have no \d or {n}: use [0-9]+. A missing
# EXPECT file is an error (every example states what it prints). Used by
# CMake (examples/CMakeLists.txt) and meson (examples/meson.build).
cmake_minimum_required(VERSION 3.16)

if(NOT DEFINED PROGRAM)
  message(FATAL_ERROR "run-and-match: PROGRAM is not set")
endif()
if(NOT DEFINED EXPECT OR NOT EXISTS "${EXPECT}")
  message(FATAL_ERROR "run-and-match: the expectation file '${EXPECT}' does not exist; "
                      "write one line per regular expression the output must match")
endif()

# Read the expectations line by line, keeping ';', '[' and ']' literal (CMake
# lists would split on the first and group on the others): script-helpers.cmake.
include(${CMAKE_CURRENT_LIST_DIR}/script-helpers.cmake)
lifecycle_read_lines(lines "${EXPECT}")

set(expected_rc 0)
set(env_args)
set(must)
set(must_not)
foreach(line IN LISTS lines)
  if(line STREQUAL "")
    continue()
  elseif(line MATCHES "^#[ \t]*exit-code:[ \t]*(-?[0-9]+)[ \t]*$")
    set(expected_rc ${CMAKE_MATCH_1})
  elseif(line MATCHES "^#[ \t]*env:[ \t]*([A-Za-z_][A-Za-z0-9_]*=.*)$")
    lifecycle_literal(assignment "${CMAKE_MATCH_1}")
    list(APPEND env_args "${assignment}")
  elseif(line MATCHES "^#")
    continue()
  elseif(line MATCHES "^!(.*)$")
    list(APPEND must_not "${CMAKE_MATCH_1}")
  else()
    list(APPEND must "${line}")
  endif()
endforeach()
if(DEFINED EXIT_CODE)
  set(expected_rc ${EXIT_CODE})
endif()
if(DEFINED ENV)
  list(APPEND env_args ${ENV})
endif()

set(command "${PROGRAM}" ${ARGS})
if(env_args)
  set(command "${CMAKE_COMMAND}" -E env ${env_args} "${PROGRAM}" ${ARGS})
endif()
execute_process(COMMAND ${command}
  OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE rc TIMEOUT 120)

set(failures)
if(NOT "${rc}" STREQUAL "${expected_rc}")
  list(APPEND failures "exit code ${rc}, expected ${expected_rc}")
endif()
foreach(raw IN LISTS must)
  lifecycle_literal(p "${raw}")
  if(NOT output MATCHES "${p}")
    list(APPEND failures "no match for: ${p}")
  endif()
endforeach()
foreach(raw IN LISTS must_not)
  lifecycle_literal(p "${raw}")
  if(output MATCHES "${p}")
    list(APPEND failures "forbidden match for: !${p}  (matched: ${CMAKE_MATCH_0})")
  endif()
endforeach()

get_filename_component(name "${PROGRAM}" NAME)
if(failures)
  message("---- output of ${name} ----\n${output}---- end of output ----")
  foreach(f IN LISTS failures)
    message("run-and-match: ${f}")
  endforeach()
  message(FATAL_ERROR "run-and-match: ${name} does not match ${EXPECT}")
endif()
list(LENGTH must n_must)
list(LENGTH must_not n_must_not)
message("run-and-match: ${name}: exit code ${rc}, ${n_must} patterns matched, ${n_must_not} forbidden absent")
