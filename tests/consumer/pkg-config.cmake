# SPDX-License-Identifier: BSL-1.0
# cmake -DPC_PATH=<dir with lifecycle.pc> -DCXX=<compiler> -DSOURCE=<main.cpp> -DWORK=<dir>
#       [-DBACKEND=<stacktrace backend>] [-DVERSION=<x.y.z>] [-DARGS=<a;b>] -P pkg-config.cmake
#
# Consumer test: compiles SOURCE with nothing but `pkg-config --cflags --libs
# lifecycle`, runs it, and checks that the .pc file carries the backend's flags.
cmake_minimum_required(VERSION 3.16)
find_program(PKG_CONFIG NAMES pkg-config pkgconf)
if(NOT PKG_CONFIG)
  message(FATAL_ERROR "pkg-config was not found (apt-get install pkg-config)")
endif()
set(ENV{PKG_CONFIG_PATH} "${PC_PATH}")

function(query out)
  execute_process(COMMAND "${PKG_CONFIG}" ${ARGN} lifecycle
    OUTPUT_VARIABLE value ERROR_VARIABLE err RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "pkg-config ${ARGN} lifecycle failed (PKG_CONFIG_PATH=${PC_PATH}):\n${err}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
query(cflags --cflags)
query(libs --libs)
query(version --modversion)
message("pkg-config: version ${version}\n  cflags: ${cflags}\n  libs:   ${libs}")

set(failures)
if(DEFINED VERSION AND NOT version STREQUAL VERSION)
  list(APPEND failures "version ${version}, expected ${VERSION}")
endif()
if(DEFINED BACKEND AND NOT BACKEND STREQUAL "none")
  if(NOT " ${cflags} " MATCHES " -DBOOST_STACKTRACE_LINK ")
    list(APPEND failures "Cflags lack -DBOOST_STACKTRACE_LINK")
  endif()
  if(NOT " ${libs} " MATCHES " -lboost_stacktrace_${BACKEND} ")
    list(APPEND failures "Libs lack -lboost_stacktrace_${BACKEND}")
  endif()
  if(NOT " ${libs} " MATCHES " -ldl ")
    list(APPEND failures "Libs lack -ldl")
  endif()
endif()
if(failures)
  string(REPLACE ";" "\n  " failures "${failures}")
  message(FATAL_ERROR "pkg-config: the lifecycle.pc in ${PC_PATH} is wrong:\n  ${failures}")
endif()

separate_arguments(cflags_list UNIX_COMMAND "${cflags}")
separate_arguments(libs_list UNIX_COMMAND "${libs}")
file(MAKE_DIRECTORY "${WORK}")
set(exe "${WORK}/consumer")
execute_process(
  COMMAND "${CXX}" -std=c++17 -g -Wall -Wextra -Wpedantic -Werror ${cflags_list} "${SOURCE}" -o "${exe}" ${libs_list}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "compiling with pkg-config's flags failed:\n${out}")
endif()
execute_process(COMMAND "${exe}" ${ARGS} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out TIMEOUT 60)
message("${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the pkg-config consumer failed (exit code ${rc})")
endif()
