# SPDX-License-Identifier: BSL-1.0
# cmake -DSOURCE=<include dir> -DDEST=<dir> -P remove-stale-owner-guard.cmake
#
# Copies lifecycle's headers to DEST and removes, in the copy, the guard that
# stops a wrapper whose handle was closed through another wrapper (a stale
# owner) from closing the handle again: owner_index::closing()'s
# `if (r->claimed == claimed_stale) ... return closing_state::already_closed;`.
# The fuzzer built against the copy must find a double close (run-tests'
# fuzz stage checks it does). Fails if the guard's text is not found, so
# that the control cannot pass silently after the code moves.
foreach(var SOURCE DEST)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "remove-stale-owner-guard: -D${var}=... is required")
  endif()
endforeach()

set(file "lifecycle/detail/owner_index.hpp")
set(guard [=[
        if (r->claimed == claimed_stale) {
            describe(*r, who);
            leave_index(r, stripe, h);
            return closing_state::already_closed;
        }
]=])

file(REMOVE_RECURSE "${DEST}")
file(COPY "${SOURCE}/lifecycle" DESTINATION "${DEST}")
file(READ "${DEST}/${file}" text)
string(FIND "${text}" "${guard}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "remove-stale-owner-guard: the stale-owner guard was not found in ${SOURCE}/${file}; "
                      "update tests/fuzz/remove-stale-owner-guard.cmake to the code's new shape")
endif()
string(REPLACE "${guard}" "        // negative control: the stale-owner guard was removed here\n" patched "${text}")
string(FIND "${patched}" "r->claimed == claimed_stale) {" again)
if(NOT again EQUAL -1)
  message(FATAL_ERROR "remove-stale-owner-guard: a second copy of the guard is left in ${file}")
endif()
file(WRITE "${DEST}/${file}" "${patched}")
message(STATUS "remove-stale-owner-guard: removed the guard from ${DEST}/${file}")
