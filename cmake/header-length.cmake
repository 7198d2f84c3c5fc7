# SPDX-License-Identifier: BSL-1.0
# cmake/header-length.cmake — no header under include/lifecycle/ is longer
# than LIMIT lines (600: one concept a header, readable in one sitting),
# except the ones named in EXEMPT (scope.hpp: the standard's scope API and
# Boost's extras in one place, as the TS has them).
#   cmake -DINCLUDE=<include dir> [-DLIMIT=600] [-DEXEMPT=scope.hpp] -P header-length.cmake
# Fails naming every header over the limit and its length.
cmake_minimum_required(VERSION 3.16)
if(NOT DEFINED INCLUDE)
  message(FATAL_ERROR "header-length.cmake: pass -DINCLUDE=<the include directory>")
endif()
get_filename_component(INCLUDE "${INCLUDE}" ABSOLUTE)
if(NOT DEFINED LIMIT)
  set(LIMIT 600)
endif()
if(NOT DEFINED EXEMPT)
  set(EXEMPT "scope.hpp")
endif()
file(GLOB_RECURSE headers RELATIVE "${INCLUDE}/lifecycle" "${INCLUDE}/lifecycle/*.hpp")
list(LENGTH headers count)
if(count EQUAL 0)
  message(FATAL_ERROR "header-length.cmake: no headers under ${INCLUDE}/lifecycle")
endif()
set(over "")
foreach(h IN LISTS headers)
  if(h IN_LIST EXEMPT)
    continue()
  endif()
  file(READ "${INCLUDE}/lifecycle/${h}" text)
  string(REGEX REPLACE "[^\n]" "" newlines "${text}")
  string(LENGTH "${newlines}" n)
  if(n GREATER LIMIT)
    string(APPEND over "  lifecycle/${h}: ${n} lines\n")
  endif()
endforeach()
if(over)
  message(FATAL_ERROR "headers longer than ${LIMIT} lines (split them: one concept a header):\n${over}")
endif()
message(STATUS "${count} headers, none longer than ${LIMIT} lines (exempt: ${EXEMPT})")
