# lifecycle_link_stacktrace(<target> <backend>)
#
# Links <target> (an INTERFACE library) to a Boost.Stacktrace backend and
# defines what the headers need. Debian's Boost::stacktrace_* targets do not
# define BOOST_STACKTRACE_LINK; without it the headers silently stay
# header-only and print bare addresses, so it is defined here.
# Used by the build tree and, installed, by lifecycle-config.cmake.
function(lifecycle_link_stacktrace target backend)
  if(backend STREQUAL "none")
    target_compile_definitions(${target} INTERFACE LIFECYCLE_STACKTRACE=0)
    target_link_libraries(${target} INTERFACE ${CMAKE_DL_LIBS})
    return()
  endif()
  if(NOT backend MATCHES "^(backtrace|addr2line|basic|noop)$")
    message(FATAL_ERROR "lifecycle: LIFECYCLE_STACKTRACE_BACKEND must be backtrace, addr2line, basic, noop or none, not '${backend}'")
  endif()
  find_package(Boost 1.74 CONFIG QUIET COMPONENTS stacktrace_${backend})
  if(NOT Boost_FOUND)
    message(FATAL_ERROR "lifecycle: Boost.Stacktrace (${backend} backend) was not found; "
                        "install libboost-stacktrace-dev or set LIFECYCLE_STACKTRACE_BACKEND=none")
  endif()
  target_link_libraries(${target} INTERFACE Boost::stacktrace_${backend} ${CMAKE_DL_LIBS})
  target_compile_definitions(${target} INTERFACE BOOST_STACKTRACE_LINK LIFECYCLE_STACKTRACE=1)
endfunction()
