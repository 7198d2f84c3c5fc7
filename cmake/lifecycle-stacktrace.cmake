# SPDX-License-Identifier: BSL-1.0
# lifecycle_link_stacktrace(<target> <backend> [PC_CFLAGS <var>] [PC_LIBS <var>])
#
# Links the INTERFACE library <target> to a Boost.Stacktrace backend and
# defines what lifecycle's headers need:
#
#   backtrace  Boost::stacktrace_backtrace: function, file:line (libbacktrace, PIE ok)
#   addr2line  Boost::stacktrace_addr2line: function, file:line (runs addr2line)
#   basic      Boost::stacktrace_basic:     exported function names only
#   noop       Boost::stacktrace_noop:      links, captures nothing
#   none       no Boost; LIFECYCLE_STACKTRACE=0 (the `stack` tier degrades to `site`)
#
# Debian's Boost::stacktrace_* targets (and meson's boost module) do not define
# BOOST_STACKTRACE_LINK. Without it the Boost headers silently stay header-only
# and reports show bare addresses, so it is defined here. LIFECYCLE_STACKTRACE
# is set explicitly so that config.hpp's __has_include guess never decides.
#
# PC_CFLAGS / PC_LIBS name variables of the caller to which the matching
# pkg-config flags are appended.
function(lifecycle_link_stacktrace target backend)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "PC_CFLAGS;PC_LIBS" "")
  if(NOT backend MATCHES "^(backtrace|addr2line|basic|noop|none)$")
    message(FATAL_ERROR "lifecycle: LIFECYCLE_STACKTRACE_BACKEND must be backtrace, addr2line, "
                        "basic, noop or none, not '${backend}'")
  endif()

  # detail/stacktrace.hpp calls dladdr() for every backend.
  set(cflags)
  set(libs)
  if(backend STREQUAL "none")
    target_compile_definitions(${target} INTERFACE LIFECYCLE_STACKTRACE=0)
    list(APPEND cflags -DLIFECYCLE_STACKTRACE=0)
    message(STATUS "lifecycle: no stack traces (LIFECYCLE_STACKTRACE_BACKEND=none)")
  else()
    find_package(Boost 1.74 CONFIG QUIET COMPONENTS stacktrace_${backend})
    if(NOT Boost_FOUND OR NOT TARGET Boost::stacktrace_${backend})
      message(FATAL_ERROR "lifecycle: Boost.Stacktrace (${backend} backend) was not found: install "
                          "libboost-stacktrace-dev, point CMAKE_PREFIX_PATH at Boost, or configure "
                          "with -DLIFECYCLE_STACKTRACE_BACKEND=none")
    endif()
    target_link_libraries(${target} INTERFACE Boost::stacktrace_${backend})
    target_compile_definitions(${target} INTERFACE BOOST_STACKTRACE_LINK LIFECYCLE_STACKTRACE=1)
    list(APPEND cflags -DBOOST_STACKTRACE_LINK -DLIFECYCLE_STACKTRACE=1)
    list(APPEND libs -lboost_stacktrace_${backend})
    message(STATUS "lifecycle: stack traces through Boost.Stacktrace ${Boost_VERSION} (${backend})")
  endif()
  target_link_libraries(${target} INTERFACE ${CMAKE_DL_LIBS})
  foreach(lib IN LISTS CMAKE_DL_LIBS)
    list(APPEND libs -l${lib})
  endforeach()

  if(arg_PC_CFLAGS)
    list(JOIN cflags " " joined)
    set(${arg_PC_CFLAGS} "${${arg_PC_CFLAGS}} ${joined}" PARENT_SCOPE)
  endif()
  if(arg_PC_LIBS)
    list(JOIN libs " " joined)
    set(${arg_PC_LIBS} "${${arg_PC_LIBS}} ${joined}" PARENT_SCOPE)
  endif()
endfunction()
