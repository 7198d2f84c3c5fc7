# SPDX-License-Identifier: BSL-1.0
# include(script-helpers.cmake) in a -P script, then:
#
#   lifecycle_require(<who> <var>...)        fails unless each -D<var>= was given
#   lifecycle_defaults(<var>=<value>...)     sets each <var> that is empty
#   lifecycle_read_lines(<out> <file>)       the file as a list of lines
#   lifecycle_literal(<out> <element>)       an element of that list as text
#   lifecycle_step(<who> <what> <command>...)
#                                            runs the command and fails with its
#                                            output unless it exits 0; says
#                                            "<who>: <what>: ok" and leaves the
#                                            output in step_output
#   lifecycle_fail_on(<who> <headline> [<item>...])
#                                            fails with the headline and one
#                                            item a line, if there is an item
#
# A CMake list splits at ';' and treats '\', '[' and ']' specially, so the
# lines of lifecycle_read_lines have these stood in for by control
# characters (and '\r' removed); lifecycle_literal restores them.

function(lifecycle_require who)
  foreach(var IN LISTS ARGN)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "${who}: -D${var}= is required")
    endif()
  endforeach()
endfunction()

macro(lifecycle_defaults)
  foreach(lifecycle_default IN ITEMS ${ARGN})
    string(REGEX MATCH "^([^=]+)=(.*)$" lifecycle_default "${lifecycle_default}")
    if("${${CMAKE_MATCH_1}}" STREQUAL "")
      set(${CMAKE_MATCH_1} "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  unset(lifecycle_default)
endmacro()

# The characters stood in for, and their stand-ins \x01 .. \x04.
set(lifecycle_special_1 ";")
set(lifecycle_special_2 "\\")
set(lifecycle_special_3 "[")
set(lifecycle_special_4 "]")
foreach(lifecycle_i RANGE 1 4)
  string(ASCII ${lifecycle_i} lifecycle_stand_in_${lifecycle_i})
endforeach()

function(lifecycle_read_lines out file)
  file(READ "${file}" text)
  string(REPLACE "\r" "" text "${text}")
  foreach(i RANGE 1 4)
    string(REPLACE "${lifecycle_special_${i}}" "${lifecycle_stand_in_${i}}" text "${text}")
  endforeach()
  string(REPLACE "\n" ";" lines "${text}")
  set(${out} "${lines}" PARENT_SCOPE)
endfunction()

function(lifecycle_literal out value)
  foreach(i RANGE 1 4)
    string(REPLACE "${lifecycle_stand_in_${i}}" "${lifecycle_special_${i}}" value "${value}")
  endforeach()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

function(lifecycle_step who what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${who}: ${what} failed (exit code ${rc}):\n${out}")
  endif()
  message("${who}: ${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

function(lifecycle_fail_on who headline)
  if(ARGN)
    string(REPLACE ";" "\n  " items "${ARGN}")
    message(FATAL_ERROR "${who}: ${headline}:\n  ${items}")
  endif()
endfunction()
