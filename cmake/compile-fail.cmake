# SPDX-License-Identifier: BSL-1.0
# cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DSOURCE=<file.cpp> [-DCONTROL_TARGET=<target>]
#       -P compile-fail.cmake
#
# A compile-fail test passes when SOURCE, compiled exactly as the build compiles
# the object library TARGET, fails *for the reason the test states*:
#
#   // expected-error: <regex>     every such line in SOURCE must match the
#                                  compiler's output (CMake regex; repeatable)
#   LIFECYCLE_COMPILE_FAIL_CONTROL if SOURCE mentions it, the same file compiled as
#                                  CONTROL_TARGET (with the macro defined, which
#                                  must remove the offending code) must compile,
#                                  proving that the rest of the file is fine
#
# A test with neither still passes on any compile error, and says so: a typo
# would then pass too. The command line comes from BUILD_DIR's
# compile_commands.json and runs with -fsyntax-only, outside the build tool, so
# the tests run in parallel. tests/CMakeLists.txt registers one test per file.
cmake_minimum_required(VERSION 3.16)

get_filename_component(name "${SOURCE}" NAME)
file(STRINGS "${SOURCE}" expectations REGEX "^[ \t]*//[ \t]*expected-error:")
file(STRINGS "${SOURCE}" control_lines REGEX "LIFECYCLE_COMPILE_FAIL_CONTROL")

include(${CMAKE_CURRENT_LIST_DIR}/compile-command.cmake)
lifecycle_compile_command("${BUILD_DIR}" "${SOURCE}" ${TARGET} command dir compile-fail)
execute_process(COMMAND ${command} WORKING_DIRECTORY "${dir}"
  OUTPUT_VARIABLE output ERROR_VARIABLE output RESULT_VARIABLE rc)

set(failures)
if(rc EQUAL 0)
  list(APPEND failures "${name} compiled, but must not")
endif()
set(checked 0)
foreach(line IN LISTS expectations)
  string(REGEX REPLACE "^[ \t]*//[ \t]*expected-error:[ \t]*" "" regex "${line}")
  string(STRIP "${regex}" regex)
  math(EXPR checked "${checked} + 1")
  if(NOT output MATCHES "${regex}")
    list(APPEND failures "the compiler's output does not match the expected error: ${regex}")
  endif()
endforeach()

if(control_lines AND DEFINED CONTROL_TARGET)
  lifecycle_compile_command("${BUILD_DIR}" "${SOURCE}" ${CONTROL_TARGET} control_command control_dir compile-fail)
  execute_process(COMMAND ${control_command} WORKING_DIRECTORY "${control_dir}"
    OUTPUT_VARIABLE control_output ERROR_VARIABLE control_output RESULT_VARIABLE control_rc)
  if(NOT control_rc EQUAL 0)
    message("---- the control (-DLIFECYCLE_COMPILE_FAIL_CONTROL) ----\n${control_output}---- end of control output ----")
    list(APPEND failures "the control (-DLIFECYCLE_COMPILE_FAIL_CONTROL) does not compile either, so the reason is unproven")
  endif()
endif()

if(failures)
  string(REPLACE ";" " " shown "${command}")
  message("---- ${shown} ----\n${output}---- end of compiler output ----")
  foreach(f IN LISTS failures)
    message("compile-fail: ${f}")
  endforeach()
  message(FATAL_ERROR "compile-fail: ${name} did not fail as expected")
endif()
if(checked EQUAL 0 AND NOT control_lines)
  message("compile-fail: ${name} fails to compile; it states no `// expected-error:` line and no "
          "LIFECYCLE_COMPILE_FAIL_CONTROL, so the reason is not checked")
elseif(control_lines)
  message("compile-fail: ${name}: the control compiles")
endif()
# The first diagnostic, to show in the log why it failed.
string(REGEX MATCH "[^\n]*error:[^\n]*" first_error "${output}")
message("compile-fail: ${name}: ${first_error}")
