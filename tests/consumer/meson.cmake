# SPDX-License-Identifier: BSL-1.0
# cmake -DLIFECYCLE_SOURCE_DIR=<dir> -DCONSUMER_DIR=<tests/consumer> -DWORK=<dir> [-DCXX=<compiler>]
#       [-DMESON=<meson>] [-DARGS=<a;b>] -P meson.cmake
#
# Consumer test: a meson project that uses lifecycle as a subproject. WORK/src
# gets the project (tests/consumer/meson/meson.build and ../main.cpp) and
# subprojects/lifecycle, a symlink to LIFECYCLE_SOURCE_DIR: nothing is
# downloaded, no wrap file is needed. Then meson setup, compile, run.
cmake_minimum_required(VERSION 3.16)
if(NOT MESON)
  find_program(MESON meson)
endif()
if(NOT MESON)
  message(FATAL_ERROR "meson was not found (apt-get install meson ninja-build)")
endif()

set(src "${WORK}/src")
set(build "${WORK}/build")
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${src}/subprojects")
file(COPY "${CONSUMER_DIR}/meson/meson.build" "${CONSUMER_DIR}/main.cpp" DESTINATION "${src}")
file(CREATE_LINK "${LIFECYCLE_SOURCE_DIR}" "${src}/subprojects/lifecycle" SYMBOLIC)

if(CXX)
  set(ENV{CXX} "${CXX}")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/../../cmake/script-helpers.cmake)
lifecycle_step("meson consumer" "meson setup" "${MESON}" setup "${build}" "${src}")
lifecycle_step("meson consumer" "meson compile" "${MESON}" compile -C "${build}")
execute_process(COMMAND "${build}/consumer" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 60)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the meson consumer failed (exit code ${rc})")
endif()
