# SPDX-License-Identifier: BSL-1.0
# cmake -DCXX=<compiler> -DINCLUDE=<include dir> -DDEFINES=<-D...;...> -DWORK=<dir>
#       -P header-cost.cmake
#
# What a file pays for what it includes (issue: "headers that cost what they
# are used for"), checked on every run:
#   1. the core a file needs to own a tracked_fd (config, source_site, traits,
#      handle) includes none of <functional>, <mutex>, <thread>,
#      <condition_variable>, <ostream>, <iostream>, <sstream> nor Boost;
#   2. no header runs code when its file is loaded: an object that includes
#      the face (lifecycle/tracked.hpp) and uses nothing has no static
#      initializer (.init_array entry); a finalizer is allowed (the at-exit report).
# The negative control plants a header that includes <mutex> and a static
# initializer, and both checks must find them.
set(forbidden "functional|mutex|thread|condition_variable|ostream|iostream|sstream")
file(MAKE_DIRECTORY ${WORK})

function(included_headers out source)
  execute_process(COMMAND ${CXX} -std=c++17 -H -fsyntax-only -I${INCLUDE} -I${WORK} ${DEFINES} ${source}
                  RESULT_VARIABLE rc ERROR_VARIABLE err OUTPUT_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "header-cost: ${source} does not compile:\n${err}")
  endif()
  set(${out} "${err}" PARENT_SCOPE)
endfunction()

function(check_core source expect_clean)
  included_headers(tree ${source})
  string(REGEX MATCHALL "[^\n]*/(${forbidden})\n|[^\n]*/boost/[^\n]*" bad "${tree}\n")
  if(expect_clean AND bad)
    list(JOIN bad "\n" shown)
    message(FATAL_ERROR "header-cost: ${source} includes what the core must not:\n${shown}")
  elseif(NOT expect_clean AND NOT bad)
    message(FATAL_ERROR "header-cost: the negative control ${source} was not caught")
  endif()
endfunction()

function(check_no_initializer source expect_clean)
  execute_process(COMMAND ${CXX} -std=c++17 -O0 -g -c -I${INCLUDE} -I${WORK} ${DEFINES} ${source} -o ${source}.o
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "header-cost: ${source} does not compile:\n${err}")
  endif()
  execute_process(COMMAND objdump -h ${source}.o OUTPUT_VARIABLE sections RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "header-cost: objdump failed on ${source}.o")
  endif()
  if(expect_clean AND sections MATCHES "\\.init_array|\\.ctors")
    message(FATAL_ERROR "header-cost: ${source} has a static initializer (.init_array):\n${sections}")
  elseif(NOT expect_clean AND NOT sections MATCHES "\\.init_array|\\.ctors")
    message(FATAL_ERROR "header-cost: the negative control ${source} has no .init_array: the check cannot fail")
  endif()
endfunction()

file(WRITE ${WORK}/core.cpp "#include <lifecycle/config.hpp>\n#include <lifecycle/source_site.hpp>\n#include <lifecycle/traits.hpp>\n#include <lifecycle/handle.hpp>\n")
file(WRITE ${WORK}/face.cpp "#include <lifecycle/tracked.hpp>\n")
file(WRITE ${WORK}/planted.hpp "#include <mutex>\n#include <cstdlib>\ninline const bool planted_initializer = std::getenv(\"HOME\") != nullptr;\n")
file(WRITE ${WORK}/control.cpp "#include <lifecycle/handle.hpp>\n#include <planted.hpp>\n")
check_core(${WORK}/core.cpp TRUE)
check_core(${WORK}/control.cpp FALSE)
check_no_initializer(${WORK}/face.cpp TRUE)
check_no_initializer(${WORK}/control.cpp FALSE)
message(STATUS "header-cost: the core includes none of ${forbidden} nor Boost; the face has no static initializer")
