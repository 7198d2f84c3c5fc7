# SPDX-License-Identifier: BSL-1.0
# cmake -DSOURCE_DIR=<lifecycle's source tree> -DWORK=<dir> -DGENERATOR=<generator>
#       [-DMAKE_PROGRAM=<ninja>] [-DCXX=<compiler>] [-DCTEST=<ctest>] [-DBACKEND=<backend>]
#       -P policies.cmake
#
# lifecycle's own build as CMake 3.16 runs it, as far as a newer CMake can
# show it: the policies. The top-level CMakeLists.txt asks for the policies of
# 3.16...3.25; WORK/src is the source tree (symbolic links) with a copy of it
# that asks for 3.16 alone, so that every policy newer than 3.16 is unset
# (OLD behaviour) and warns where it is consulted and would change something
# (CMAKE_POLICY_WARNING_CMP<NNNN>=ON for those that are silent by default).
# The test fails when
#   - configuring the whole project (tests and examples, an empty build type)
#     fails, or one of lifecycle's files gets a "Policy CMP<NNNN> is not set"
#     warning: its meaning would differ between CMake 3.16 and the newest;
#   - the showcase example, built and run there (example.showcase), does
#     not print its report with file:line frames.
# What a newer CMake accepts and 3.16 lacks (a command, a keyword) is
# tests/cmake-3.16/scan.cmake's part, not this one's.
cmake_minimum_required(VERSION 3.16)
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/script-helpers.cmake)
lifecycle_require(policies SOURCE_DIR WORK GENERATOR)
if(NOT CTEST)
  get_filename_component(bin_dir "${CMAKE_COMMAND}" DIRECTORY)
  set(CTEST "${bin_dir}/ctest")
endif()

set(src "${WORK}/src")
set(build "${WORK}/build")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${src}")

# ---- the source tree, asking for CMake 3.16's policies ------------------------
file(GLOB entries RELATIVE "${SOURCE_DIR}" "${SOURCE_DIR}/*")
foreach(entry IN LISTS entries)
  if(NOT entry MATCHES "^(\\.|build|CMakeLists\\.txt$)")
    file(CREATE_LINK "${SOURCE_DIR}/${entry}" "${src}/${entry}" SYMBOLIC)
  endif()
endforeach()
file(READ "${SOURCE_DIR}/CMakeLists.txt" top)
set(range_regex "cmake_minimum_required\\(VERSION 3\\.16\\.\\.\\.[0-9.]+\\)")
if(NOT top MATCHES "${range_regex}")
  message(FATAL_ERROR "policies: ${SOURCE_DIR}/CMakeLists.txt has no cmake_minimum_required(VERSION 3.16...<max>); "
                      "update this test with it")
endif()
string(REGEX REPLACE "${range_regex}" "cmake_minimum_required(VERSION 3.16)" top "${top}")
file(WRITE "${src}/CMakeLists.txt" "${top}")

# ---- every policy newer than 3.16, warning -------------------------------------
set(warnings)
set(newer)
foreach(number RANGE 1 999)
  string(LENGTH "${number}" digits)
  math(EXPR start "${digits} - 1")
  string(SUBSTRING "000${number}" ${start} 4 padded) # 4 digits
  set(policy CMP${padded})
  if(NOT POLICY ${policy})
    if(number GREATER 97)
      break()
    endif()
    continue()
  endif()
  cmake_policy(GET ${policy} state) # unset: newer than this script's 3.16
  if(state STREQUAL "")
    list(APPEND warnings -DCMAKE_POLICY_WARNING_${policy}=ON)
    list(APPEND newer ${policy})
  endif()
endforeach()
list(LENGTH newer newer_count)
list(GET newer 0 first)
list(GET newer -1 last)
message("policies: CMake ${CMAKE_VERSION} has ${newer_count} policies newer than 3.16 (${first} .. ${last}): all unset, all warning")

# ---- configure, with the policy warnings sorted out ----------------------------
set(options -G "${GENERATOR}" -DCMAKE_BUILD_TYPE= -Wdev ${warnings})
if(MAKE_PROGRAM)
  list(APPEND options "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CXX)
  list(APPEND options "-DCMAKE_CXX_COMPILER=${CXX}")
endif()
if(BACKEND)
  list(APPEND options "-DLIFECYCLE_STACKTRACE_BACKEND=${BACKEND}")
endif()

# Configures <source> in <binary>; <ours>: the policy warnings in the
# project's own files ("<file>:<line> (<command>): Policy CMP<NNNN> is not set").
function(configure_project source binary ours)
  execute_process(COMMAND "${CMAKE_COMMAND}" -S "${source}" -B "${binary}" ${options}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  file(WRITE "${binary}.configure.log" "${out}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "policies: configuring ${source} with CMake 3.16's policies failed:\n${out}")
  endif()
  string(REGEX MATCHALL "CMake Warning \\(dev\\) at [^\n]+\n[ \t]*Policy CMP[0-9]+ is not set" found "${out}")
  set(own)
  foreach(warning IN LISTS found)
    string(REGEX REPLACE "^CMake Warning \\(dev\\) at " "" warning "${warning}")
    string(REGEX REPLACE "\n[ \t]*" " " warning "${warning}")
    # The project's files are named relative to its source tree, or under it.
    if(NOT warning MATCHES "^/" OR warning MATCHES "^(${source}|${SOURCE_DIR})/")
      list(APPEND own "${warning}")
    else()
      message("policies: not the project's: ${warning}")
    endif()
  endforeach()
  set(${ours} "${own}" PARENT_SCOPE)
endfunction()

# The negative control: a project whose meaning depends on CMP0126 (3.21).
# cmake-3.16: allow policy-CMP0126 (only named, in the control project's text and the warning it must get)
file(WRITE "${WORK}/control/CMakeLists.txt" "cmake_minimum_required(VERSION 3.16)\nproject(control LANGUAGES NONE)\n"
  "set(planted 1)\nset(planted 2 CACHE STRING \"\") # CMP0126: does the normal variable stay?\n")
configure_project("${WORK}/control" "${WORK}/control-build" ours)
if(NOT ours MATCHES "CMakeLists.txt:4 \\(set\\): Policy CMP0126 is not set")
  message(FATAL_ERROR "policies: the negative control (CMP0126 in ${WORK}/control) was not caught: '${ours}'")
endif()
message("policies: negative control: a use of CMP0126 is caught (${ours})")

configure_project("${src}" "${build}" ours)
if(ours)
  string(REPLACE ";" "\n  " ours "${ours}")
  message(FATAL_ERROR "policies: lifecycle's CMake files depend on a policy newer than 3.16 "
                      "(set the behaviour both ways, or write it so that the policy does not matter):\n  ${ours}\n"
                      "(the whole output: ${build}.configure.log)")
endif()
message("policies: lifecycle configured with CMake 3.16's policies: no policy warning in its files")

# ---- build and run ----------------------------------------------------------------
lifecycle_step(policies "building example_showcase" "${CMAKE_COMMAND}" --build "${build}" --target example_showcase)
lifecycle_step(policies "running example.showcase (an empty build type)"
  "${CMAKE_COMMAND}" -E chdir "${build}" "${CTEST}" --output-on-failure -R "^example\\.showcase$")
message("${step_output}")
if(NOT step_output MATCHES "100% tests passed, 0 tests failed out of 1")
  message(FATAL_ERROR "policies: ctest did not run example.showcase")
endif()
