# SPDX-License-Identifier: BSL-1.0
# cmake -DBUILD_DIR=<lifecycle build tree> -DPREFIX=<dir> -P install.cmake
#
# The consumer tests' fixture: a fresh `cmake --install` of the build tree into
# PREFIX, then a check that the layout is what the README promises.
cmake_minimum_required(VERSION 3.16)
file(REMOVE_RECURSE "${PREFIX}")
execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed:\n${out}")
endif()
foreach(file IN ITEMS
    include/lifecycle/tracked.hpp
    include/lifecycle/config.hpp
    include/lifecycle/detail/stacktrace.hpp
    share/cmake/lifecycle/lifecycle-config.cmake
    share/cmake/lifecycle/lifecycle-config-version.cmake
    share/cmake/lifecycle/lifecycle-targets.cmake
    share/pkgconfig/lifecycle.pc)
  if(NOT EXISTS "${PREFIX}/${file}")
    message(FATAL_ERROR "cmake --install did not install ${file}:\n${out}")
  endif()
endforeach()
file(GLOB_RECURSE installed RELATIVE "${PREFIX}" "${PREFIX}/*")
list(LENGTH installed n)
message("installed ${n} files into ${PREFIX}")
