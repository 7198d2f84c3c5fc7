# SPDX-License-Identifier: BSL-1.0
# cmake -DBUILD_DIR=<dir> -DTARGET=<target> -DPATTERN=<regex> -P expect-build-failure.cmake
# Passes when building TARGET fails AND the build output matches PATTERN,
# so that a failure for another reason (a typo) does not count as success.
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET}
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(FATAL_ERROR "${TARGET} was expected not to build, but it built")
endif()
if(NOT "${out}${err}" MATCHES "${PATTERN}")
  message(FATAL_ERROR "${TARGET} failed to build, but not with '${PATTERN}':\n${out}${err}")
endif()
